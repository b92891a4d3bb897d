/* SPDX-License-Identifier: BSD-2-Clause */
/* test_procfd.c - nb_procfd_scan on a fixture root built in a temp dir and on the live /proc. */
/*
 * The fixture root holds proc/100 (comm "daemon", Uid 1000; fds 0 ->
 * "socket:[123]", 3 -> a real file of the fixture, 10 -> "pipe:[456]",
 * fdinfo for fd 3) and proc/7 (no status file: the uid comes from the
 * directory's owner), plus non-numeric entries that must be ignored.
 * The live part opens a pipe, a socket pair and an O_APPEND file in this
 * process and must find each with the inode fstat() gives.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfd.h"

#include "check.h"

struct seen {
	int32_t		 pid, fd;
	uint32_t	 uid;
	char		 comm[32];
	char		 target[256];
	uint64_t	 sock_ino;
	bool		 has_stat, has_fdinfo;
	uint32_t	 mode, flags;
	uint64_t	 ino, pos;
	int64_t		 size;
};

struct log {
	struct seen	 s[4096];
	unsigned	 n;
	int32_t		 only;		/* record only this pid (live scans) */
	int		 stop_after;	/* return 42 after this many, 0: never */
};

static int
record(const struct nb_procfd *f, void *arg)
{
	struct log *l = arg;
	struct seen *s;

	if (l->only > 0 && f->pid != l->only)
		return 0;
	if (l->n == sizeof(l->s) / sizeof(l->s[0]))
		return -ENOSPC;
	s = &l->s[l->n++];
	s->pid = f->pid;
	s->fd = f->fd;
	s->uid = f->uid;
	snprintf(s->comm, sizeof(s->comm), "%s", f->comm);
	snprintf(s->target, sizeof(s->target), "%s", f->target);
	s->sock_ino = f->sock_ino;
	s->has_stat = f->has_stat;
	s->has_fdinfo = f->has_fdinfo;
	s->mode = f->mode;
	s->flags = f->flags;
	s->ino = f->ino;
	s->pos = f->pos;
	s->size = f->size;
	if (l->stop_after > 0 && (int)l->n >= l->stop_after)
		return 42;
	return 0;
}

static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, fp);
	fclose(fp);
}

static void
mkdirs(const char *root, const char *rel)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (mkdir(p, 0755) < 0 && errno != EEXIST) {
		perror(p);
		exit(1);
	}
}

static void
link_at(const char *root, const char *rel, const char *target)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (symlink(target, p) < 0) {
		perror(p);
		exit(1);
	}
}

static void
test_fixture(void)
{
	char tmpl[] = "/tmp/nb-procfd-XXXXXX", p[1024], realfile[1024];
	const char *root;
	struct log *l = calloc(1, sizeof(*l));
	struct stat sb, db;
	unsigned denied = 99;
	int rc;

	root = mkdtemp(tmpl);
	CHECK(root != NULL);
	if (root == NULL || l == NULL)
		return;
	mkdirs(root, "proc");
	mkdirs(root, "proc/100");
	mkdirs(root, "proc/100/fd");
	mkdirs(root, "proc/100/fdinfo");
	mkdirs(root, "proc/7");
	mkdirs(root, "proc/7/fd");
	mkdirs(root, "proc/net");
	mkdirs(root, "proc/12x");
	snprintf(p, sizeof(p), "%s/proc/100/comm", root);
	put(p, "daemon\n");
	snprintf(p, sizeof(p), "%s/proc/100/status", root);
	put(p, "Name:\tdaemon\nUmask:\t0022\nState:\tS (sleeping)\n"
	    "Uid:\t1000\t1001\t1002\t1003\nGid:\t5\t5\t5\t5\n");
	snprintf(realfile, sizeof(realfile), "%s/data.txt", root);
	put(realfile, "0123456789");
	link_at(root, "proc/100/fd/0", "socket:[123]");
	link_at(root, "proc/100/fd/3", realfile);
	link_at(root, "proc/100/fd/10", "pipe:[456]");
	snprintf(p, sizeof(p), "%s/proc/100/fdinfo/3", root);
	put(p, "pos:\t4\nflags:\t0102001\nmnt_id:\t25\n");
	snprintf(p, sizeof(p), "%s/proc/7/comm", root);
	put(p, "init\n");
	link_at(root, "proc/7/fd/2", "/dev/null");

	/* Full scan: pid 7 before 100, fds in numeric order (10 after 3). */
	rc = nb_procfd_scan(root, 0, NB_PROCFD_STAT | NB_PROCFD_FDINFO, record, l, &denied);
	CHECK_RC(rc, 0);
	CHECK_EQ(denied, 0);
	CHECK_EQ(l->n, 4);
	if (l->n == 4) {
		snprintf(p, sizeof(p), "%s/proc/7", root);
		CHECK(stat(p, &db) == 0);
		CHECK_EQ(l->s[0].pid, 7);
		CHECK_EQ(l->s[0].fd, 2);
		CHECK_EQ(l->s[0].uid, db.st_uid);
		CHECK(strcmp(l->s[0].comm, "init") == 0, "%s", l->s[0].comm);
		CHECK(strcmp(l->s[0].target, "/dev/null") == 0);
		CHECK(l->s[0].has_stat && S_ISCHR(l->s[0].mode));
		CHECK(!l->s[0].has_fdinfo);

		CHECK_EQ(l->s[1].pid, 100);
		CHECK_EQ(l->s[1].fd, 0);
		CHECK_EQ(l->s[1].uid, 1000);
		CHECK(strcmp(l->s[1].comm, "daemon") == 0, "%s", l->s[1].comm);
		CHECK(strcmp(l->s[1].target, "socket:[123]") == 0);
		CHECK_EQ(l->s[1].sock_ino, 123);
		CHECK(!l->s[1].has_stat);	/* dangling in the fixture */

		CHECK_EQ(l->s[2].fd, 3);
		CHECK(strcmp(l->s[2].target, realfile) == 0);
		CHECK_EQ(l->s[2].sock_ino, 0);
		CHECK(stat(realfile, &sb) == 0);
		CHECK(l->s[2].has_stat);
		CHECK_EQ(l->s[2].ino, sb.st_ino);
		CHECK_EQ(l->s[2].size, 10);
		CHECK(S_ISREG(l->s[2].mode));
		CHECK(l->s[2].has_fdinfo);
		CHECK_EQ(l->s[2].pos, 4);
		CHECK_EQ(l->s[2].flags, 0102001);

		CHECK_EQ(l->s[3].fd, 10);
		CHECK(strcmp(l->s[3].target, "pipe:[456]") == 0);
		CHECK_EQ(l->s[3].sock_ino, 0);
	}

	/* One pid only; a missing pid is -ESRCH. */
	l->n = 0;
	CHECK_RC(nb_procfd_scan(root, 100, 0, record, l, NULL), 0);
	CHECK_EQ(l->n, 3);
	if (l->n == 3)
		CHECK(!l->s[1].has_stat && !l->s[1].has_fdinfo);
	l->n = 0;
	CHECK_RC(nb_procfd_scan(root, 4242, 0, record, l, &denied), -ESRCH);
	CHECK_EQ(l->n, 0);

	/* A callback's non-zero return stops the scan and is returned. */
	l->n = 0;
	l->stop_after = 2;
	CHECK_RC(nb_procfd_scan(root, 0, 0, record, l, NULL), 42);
	CHECK_EQ(l->n, 2);
	l->stop_after = 0;

	/* A root without proc: the error, not a silent empty scan. */
	CHECK_RC(nb_procfd_scan("/nonexistent-nbstat-root", 0, 0, record, l, NULL), -ENOENT);

	/* An unreadable fd directory is counted, not fatal (root reads all). */
	if (geteuid() != 0) {
		snprintf(p, sizeof(p), "%s/proc/100/fd", root);
		CHECK(chmod(p, 0) == 0);
		l->n = 0;
		CHECK_RC(nb_procfd_scan(root, 0, 0, record, l, &denied), 0);
		CHECK_EQ(denied, 1);
		CHECK_EQ(l->n, 1);
		CHECK_RC(nb_procfd_scan(root, 100, 0, record, l, &denied), -EACCES);
		CHECK(chmod(p, 0755) == 0);
	}

	CHECK(check_rmtree(root) == 0);
	free(l);
}

static const struct seen *
find_fd(const struct log *l, int fd)
{
	for (unsigned i = 0; i < l->n; i++)
		if (l->s[i].fd == fd)
			return &l->s[i];
	return NULL;
}

static void
test_live(void)
{
	struct log *l = calloc(1, sizeof(*l));
	int pfd[2], sv[2], ffd;
	char tmpl[] = "/tmp/nb-procfd-live-XXXXXX", want[64];
	struct stat pst, sst, fst;
	const struct seen *s;
	unsigned denied;

	if (l == NULL)
		return;
	CHECK(pipe(pfd) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ffd = mkstemp(tmpl);
	CHECK(ffd >= 0);
	CHECK(write(ffd, "abcdef", 6) == 6);
	close(ffd);
	ffd = open(tmpl, O_WRONLY | O_APPEND);
	CHECK(ffd >= 0);
	CHECK(lseek(ffd, 2, SEEK_SET) == 2);
	CHECK(fstat(pfd[0], &pst) == 0 && fstat(sv[0], &sst) == 0 && fstat(ffd, &fst) == 0);

	CHECK_RC(nb_procfd_scan(NULL, getpid(), NB_PROCFD_STAT | NB_PROCFD_FDINFO,
	    record, l, &denied), 0);
	CHECK_EQ(denied, 0);

	s = find_fd(l, pfd[0]);
	CHECK(s != NULL);
	if (s != NULL) {
		snprintf(want, sizeof(want), "pipe:[%llu]", (unsigned long long)pst.st_ino);
		CHECK(strcmp(s->target, want) == 0, "%s", s->target);
		CHECK(s->has_stat && S_ISFIFO(s->mode));
		CHECK_EQ(s->ino, pst.st_ino);
		CHECK_EQ(s->uid, getuid());
		CHECK_EQ(s->pid, getpid());
	}
	s = find_fd(l, sv[0]);
	CHECK(s != NULL);
	if (s != NULL) {
		CHECK_EQ(s->sock_ino, sst.st_ino);
		CHECK(s->has_stat && S_ISSOCK(s->mode));
		CHECK_EQ(s->ino, sst.st_ino);
	}
	s = find_fd(l, ffd);
	CHECK(s != NULL);
	if (s != NULL) {
		CHECK(strcmp(s->target, tmpl) == 0, "%s", s->target);
		CHECK(s->has_stat && S_ISREG(s->mode));
		CHECK_EQ(s->ino, fst.st_ino);
		CHECK_EQ(s->size, 6);
		CHECK(s->has_fdinfo);
		CHECK_EQ(s->pos, 2);
		CHECK_EQ(s->flags & (O_ACCMODE | O_APPEND), O_WRONLY | O_APPEND);
	}

	/* The full scan finds this process too, with the same pipe. */
	l->n = 0;
	l->only = getpid();
	CHECK_RC(nb_procfd_scan(NULL, 0, 0, record, l, &denied), 0);
	s = find_fd(l, pfd[1]);
	CHECK(s != NULL);
	if (s != NULL)
		CHECK(strcmp(s->target, want) == 0, "%s", s->target);

	close(pfd[0]);
	close(pfd[1]);
	close(sv[0]);
	close(sv[1]);
	close(ffd);
	unlink(tmpl);
	free(l);
}

/*
 * A hostile fixture root: an fdinfo file that is a fifo is skipped without
 * blocking (the scan would wait forever for a writer), and "pos: -1" is no
 * position rather than 2^64 - 1.
 */
static void
test_hostile(void)
{
	char tmpl[] = "/tmp/nb-procfd-XXXXXX", p[1024];
	const char *root;
	struct log *l = calloc(1, sizeof(*l));

	root = mkdtemp(tmpl);
	CHECK(root != NULL && l != NULL);
	if (root == NULL || l == NULL)
		return;
	mkdirs(root, "proc");
	mkdirs(root, "proc/5");
	mkdirs(root, "proc/5/fd");
	mkdirs(root, "proc/5/fdinfo");
	snprintf(p, sizeof(p), "%s/proc/5/comm", root);
	put(p, "odd\n");
	link_at(root, "proc/5/fd/0", "/dev/null");
	link_at(root, "proc/5/fd/1", "/dev/null");
	snprintf(p, sizeof(p), "%s/proc/5/fdinfo/0", root);
	CHECK(mkfifo(p, 0644) == 0);
	snprintf(p, sizeof(p), "%s/proc/5/fdinfo/1", root);
	put(p, "pos:\t-1\nflags:\t02\n");
	alarm(20);	/* a blocked open fails the test instead of hanging it */
	CHECK_RC(nb_procfd_scan(root, 0, NB_PROCFD_STAT | NB_PROCFD_FDINFO, record, l, NULL), 0);
	alarm(0);
	CHECK_EQ(l->n, 2);
	if (l->n == 2) {
		CHECK(!l->s[0].has_fdinfo);
		CHECK(!l->s[1].has_fdinfo && l->s[1].pos == 0);
	}
	check_rmtree(root);
	free(l);
}

int
main(void)
{
	test_fixture();
	test_hostile();
	test_live();
	printf("test_procfd: %d checks, %d failures\n", checks, failures);
	return failures != 0;
}
