/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * procfd.h - private: one scan of the processes' open files under
 * ROOT/proc/<pid>/fd, through the procfs root seam (nb_lx_proc_open's root).
 * Used by the capture-peer owner mapping (socket inode -> pid/fd/comm) and
 * by the process-files family (kern.proc.<pid>.fd.<n>).
 *
 * Not concurrent: a scan runs on the caller's thread; what it hands to the
 * callback is valid only during that call. Processes and descriptors that
 * vanish during the scan (ENOENT/ESRCH) are skipped silently; processes
 * whose fd directory the caller may not read (EACCES/EPERM) are skipped and
 * counted in *denied.
 */
#ifndef NBSTACK_PROCFD_H
#define NBSTACK_PROCFD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* What a scan fills besides pid, fd, uid, comm and target. */
#define NB_PROCFD_STAT		0x1u	/* mode, ino, dev, rdev, size: one stat() per fd */
#define NB_PROCFD_FDINFO	0x2u	/* flags, pos from /proc/<pid>/fdinfo/<fd> */

struct nb_procfd {
	int32_t		 pid;
	int32_t		 fd;
	uint32_t	 uid;		/* the process's real uid */
	const char	*comm;		/* /proc/<pid>/comm, without the newline */
	const char	*target;	/* readlink of the fd: a path, "socket:[N]",
					   "pipe:[N]", "anon_inode:[eventfd]", ... */
	uint64_t	 sock_ino;	/* N of "socket:[N]", else 0 */
	/* NB_PROCFD_STAT (has_stat false when the stat failed) */
	bool		 has_stat;
	uint32_t	 mode;		/* st_mode */
	uint64_t	 ino;
	uint64_t	 dev;
	uint64_t	 rdev;
	int64_t		 size;
	/* NB_PROCFD_FDINFO (has_fdinfo false when unreadable) */
	bool		 has_fdinfo;
	uint32_t	 flags;		/* O_* from the "flags:" line (octal) */
	uint64_t	 pos;
};

/*
 * nb_procfd_scan - call cb for every open fd of every process under
 * ROOT/proc (root NULL or "" = "/"), or of process `pid` only when pid > 0,
 * in ascending (pid, fd) order. A non-zero cb return stops the scan and is
 * returned. -ESRCH when pid > 0 does not exist; -EACCES when pid > 0 is not
 * readable; other -errno when ROOT/proc cannot be read. *denied (may be
 * NULL) counts the processes skipped for lack of permission.
 */
int	nb_procfd_scan(const char *root, int32_t pid, unsigned what,
	    int (*cb)(const struct nb_procfd *f, void *arg), void *arg,
	    unsigned *denied);

#endif /* NBSTACK_PROCFD_H */
