/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_procfile.h - private: NB_FAM_PROC of the linux source (source_linux_procfile.c). */
#ifndef NBSTACK_SOURCE_LINUX_PROCFILE_H
#define NBSTACK_SOURCE_LINUX_PROCFILE_H

struct lx;

/*
 * Scan the open files of every process (or of the stack's pid filter,
 * nb_procs_scope), resolve the sockets through sock_diag and publish the
 * snapshot (nb_procs_publish). 0 or -errno with the detail in lx's error.
 * A filtered pid that does not exist or is hidden publishes an empty
 * snapshot (0).
 */
int	lx_procfile_refresh(struct lx *lx);

#endif
