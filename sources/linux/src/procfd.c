/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * procfd.c - one scan of the processes' open files under ROOT/proc.
 *
 * Theory of operation: ROOT/proc is listed once and its numeric entries
 * (the thread-group ids) are sorted; for each process, comm and the real
 * uid (the first number of the "Uid:" line of status, else the owner of
 * the pid directory) are read, then its fd directory is listed and sorted,
 * and each fd's link is read with readlinkat on the directory's fd. With
 * NB_PROCFD_STAT the link is followed by fstatat (the magic link resolves
 * to the open file itself; a dangling link such as "socket:[N]" in a
 * fixture just leaves has_stat false); with NB_PROCFD_FDINFO the "pos:"
 * and "flags:" lines of fdinfo/<fd> are parsed.
 *
 * Every open goes through nb_lx_proc_open (the procfs root seam); the
 * per-fd reads are relative to the fd directory opened that way.
 *
 * Processes come and go while we scan: ENOENT/ESRCH at any step means
 * the process or descriptor vanished and it is skipped without a word.
 * EACCES/EPERM on the fd directory, or on the first of its links (the
 * directory of a task we may not ptrace lists, but its links do not read),
 * means the caller may not see that process's files: counted in *denied, never an error for a full scan.
 *
 * Concurrency: none; everything lives on the caller's stack or heap for
 * the duration of the call.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfd.h"
#include "source_linux_proc.h"

#define PFD_TARGETLEN	(PATH_MAX + 1)

/* Non-negative decimal name to int32, or -1. */
static int32_t
pfd_num(const char *s)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > INT32_MAX)
			return -1;
	}
	return (int32_t)v;
}

static int
pfd_cmp(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/*
 * The numeric entries of the directory open on dfd (consumed), sorted,
 * in a malloc'd array (*out, *n). 0 or -errno.
 */
static int
pfd_list(int dfd, int32_t **out, size_t *n)
{
	DIR *d;
	struct dirent *de;
	int32_t *v = NULL, *nv;
	size_t cnt = 0, cap = 0;
	int32_t x;

	*out = NULL;
	*n = 0;
	if ((d = fdopendir(dfd)) == NULL) {
		int e = -errno;

		close(dfd);
		return e;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if ((x = pfd_num(de->d_name)) < 0)
			continue;
		if (cnt == cap) {
			cap = cap != 0 ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = x;
	}
	if (errno != 0) {
		int e = -errno;

		free(v);
		closedir(d);
		return e;
	}
	closedir(d);
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), pfd_cmp);
	*out = v;
	*n = cnt;
	return 0;
}

/* Read a small file whole (NUL-terminated, truncated to size-1). */
static int
pfd_readfd(int fd, char *buf, size_t size)
{
	size_t off = 0;
	ssize_t r;

	while (off + 1 < size) {
		r = read(fd, buf + off, size - 1 - off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			return (int)r;
		}
		if (r == 0)
			break;
		off += (size_t)r;
	}
	buf[off] = '\0';
	close(fd);
	return 0;
}

static int
pfd_read(const char *root, const char *rel, char *buf, size_t size)
{
	char path[PATH_MAX + 64];
	int fd;

	if ((fd = nb_lx_proc_open(root, rel, path, sizeof(path))) < 0)
		return fd;
	return pfd_readfd(fd, buf, size);
}

static bool
pfd_vanished(int e)
{
	return e == -ENOENT || e == -ESRCH;
}

/* "socket:[N]" -> N, else 0. */
static uint64_t
pfd_sockino(const char *t)
{
	const char *p;
	uint64_t v = 0;

	if (strncmp(t, "socket:[", 8) != 0)
		return 0;
	for (p = t + 8; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == t + 8 || p[0] != ']' || p[1] != '\0')
		return 0;
	return v;
}

/* The "pos:" and "flags:" lines of an fdinfo file. */
static void
pfd_fdinfo(int fdinfo_dfd, int32_t fd, struct nb_procfd *f)
{
	char name[16], buf[4096], *line, *save = NULL, *end;
	unsigned long long v;
	bool has_pos = false, has_flags = false;
	struct stat sb;
	int ffd;

	snprintf(name, sizeof(name), "%d", fd);
	if ((ffd = openat(fdinfo_dfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return;
	if (fstat(ffd, &sb) != 0 || !S_ISREG(sb.st_mode)) {	/* a fifo in a fixture root */
		close(ffd);
		return;
	}
	if (pfd_readfd(ffd, buf, sizeof(buf)) != 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "pos:", 4) == 0) {
			/* An offset is never negative: "-1" is no position
			 * (strtoull would take it as 2^64 - 1). */
			if (strchr(line + 4, '-') != NULL)
				continue;
			errno = 0;
			v = strtoull(line + 4, &end, 10);
			if (errno == 0 && end != line + 4) {
				f->pos = v;
				has_pos = true;
			}
		} else if (strncmp(line, "flags:", 6) == 0) {
			errno = 0;
			v = strtoull(line + 6, &end, 8);
			if (errno == 0 && end != line + 6 && v <= UINT32_MAX) {
				f->flags = (uint32_t)v;
				has_flags = true;
			}
		}
	}
	f->has_fdinfo = has_pos && has_flags;
	if (!f->has_fdinfo) {
		f->pos = 0;
		f->flags = 0;
	}
}

/*
 * One process. 0 (also when it vanished), a callback's non-zero return,
 * -EACCES when its files are hidden from us, or another -errno.
 */
static int
pfd_proc(const char *root, int32_t pid, unsigned what,
    int (*cb)(const struct nb_procfd *, void *), void *arg, bool *stopped)
{
	char rel[64], path[PATH_MAX + 64], comm[64], status[8192];
	char *target = NULL, *p;
	struct nb_procfd f;
	struct stat sb;
	int32_t *fds = NULL;
	size_t nfd = 0, i;
	int dfd, fdfd = -1, infofd = -1, rc = 0;
	uint32_t uid = 0;
	bool have_uid = false, reported = false;
	ssize_t len;

	snprintf(rel, sizeof(rel), "proc/%d", pid);
	if ((dfd = nb_lx_proc_open(root, rel, path, sizeof(path))) < 0)
		return pfd_vanished(dfd) ? -ESRCH : dfd;
	if (fstat(dfd, &sb) < 0) {
		rc = -errno;
		close(dfd);
		return pfd_vanished(rc) ? -ESRCH : rc;
	}
	close(dfd);

	snprintf(rel, sizeof(rel), "proc/%d/comm", pid);
	rc = pfd_read(root, rel, comm, sizeof(comm));
	if (rc != 0) {
		if (pfd_vanished(rc))
			return -ESRCH;
		comm[0] = '\0';
	}
	if ((p = strchr(comm, '\n')) != NULL)
		*p = '\0';

	snprintf(rel, sizeof(rel), "proc/%d/status", pid);
	if (pfd_read(root, rel, status, sizeof(status)) == 0 &&
	    (p = strstr(status, "\nUid:")) != NULL) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(p + 5, &end, 10);
		if (errno == 0 && end != p + 5 && v <= UINT32_MAX) {
			uid = (uint32_t)v;
			have_uid = true;
		}
	}
	if (!have_uid)
		uid = sb.st_uid;

	snprintf(rel, sizeof(rel), "proc/%d/fd", pid);
	if ((fdfd = nb_lx_proc_open(root, rel, path, sizeof(path))) < 0) {
		rc = fdfd;
		if (pfd_vanished(rc))
			return -ESRCH;
		return rc == -EPERM ? -EACCES : rc;
	}
	/* pfd_list consumes one fd; keep our own for readlinkat/fstatat. */
	{
		int lfd = dup(fdfd);

		if (lfd < 0) {
			rc = -errno;
			close(fdfd);
			return rc;
		}
		rc = pfd_list(lfd, &fds, &nfd);
	}
	if (rc != 0) {
		close(fdfd);
		if (pfd_vanished(rc))
			return -ESRCH;
		return rc == -EPERM ? -EACCES : rc;
	}
	if (what & NB_PROCFD_FDINFO) {
		snprintf(rel, sizeof(rel), "proc/%d/fdinfo", pid);
		infofd = nb_lx_proc_open(root, rel, path, sizeof(path));
	}
	if ((target = malloc(PFD_TARGETLEN)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nfd; i++) {
		char name[16];

		snprintf(name, sizeof(name), "%d", fds[i]);
		len = readlinkat(fdfd, name, target, PFD_TARGETLEN - 1);
		if (len < 0) {
			/* The directory may list while the links stay hidden
			 * (ptrace access check): the process is denied. */
			if ((errno == EACCES || errno == EPERM) && !reported) {
				rc = -EACCES;
				goto out;
			}
			continue;	/* closed meanwhile, or not a link */
		}
		target[len] = '\0';
		memset(&f, 0, sizeof(f));
		f.pid = pid;
		f.fd = fds[i];
		f.uid = uid;
		f.comm = comm;
		f.target = target;
		f.sock_ino = pfd_sockino(target);
		if ((what & NB_PROCFD_STAT) && fstatat(fdfd, name, &sb, 0) == 0) {
			f.has_stat = true;
			f.mode = sb.st_mode;
			f.ino = sb.st_ino;
			f.dev = sb.st_dev;
			f.rdev = sb.st_rdev;
			f.size = sb.st_size;
		}
		if (infofd >= 0)
			pfd_fdinfo(infofd, fds[i], &f);
		reported = true;
		if ((rc = cb(&f, arg)) != 0) {
			*stopped = true;
			goto out;
		}
	}
	rc = 0;
out:
	free(target);
	free(fds);
	if (infofd >= 0)
		close(infofd);
	close(fdfd);
	return rc;
}

int
nb_procfd_scan(const char *root, int32_t pid, unsigned what,
    int (*cb)(const struct nb_procfd *f, void *arg), void *arg,
    unsigned *denied)
{
	char path[PATH_MAX + 64];
	int32_t *pids = NULL;
	size_t n = 0, i;
	int dfd, rc;
	bool stopped = false;

	if (denied != NULL)
		*denied = 0;
	if (cb == NULL)
		return -EINVAL;
	if (pid > 0) {
		rc = pfd_proc(root, pid, what, cb, arg, &stopped);
		if (!stopped && rc == -EACCES && denied != NULL)
			*denied = 1;
		return rc;
	}
	if ((dfd = nb_lx_proc_open(root, "proc", path, sizeof(path))) < 0)
		return dfd;
	if ((rc = pfd_list(dfd, &pids, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		rc = pfd_proc(root, pids[i], what, cb, arg, &stopped);
		if (stopped) {
			free(pids);
			return rc;
		}
		/* Vanished, or hidden; other errors of one process (EIO on
		 * a dying task) do not end the scan of the others either. */
		if (rc == -EACCES) {
			if (denied != NULL)
				(*denied)++;
			continue;
		}
		if (rc == -ENOMEM) {
			free(pids);
			return rc;
		}
	}
	free(pids);
	return 0;
}
