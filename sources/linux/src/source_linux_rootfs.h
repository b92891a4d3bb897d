/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_rootfs.h - private: links, counters and addresses from a root file system (--root). */
#ifndef NBSTACK_SOURCE_LINUX_ROOTFS_H
#define NBSTACK_SOURCE_LINUX_ROOTFS_H

#include <stdbool.h>

#include "nbstack/stack.h"

struct lx_rootfs;

/* true if `root` (nb_source_opts.root) names a root other than the live "/". */
bool lx_rootfs_wanted(const char *root);
int lx_rootfs_init(struct lx_rootfs **rp, struct nb_stack *st, const char *root);
void lx_rootfs_free(struct lx_rootfs **rp);
/*
 * Read ROOT/proc/net/dev, ROOT/sys/class/net/IF/... and ROOT/proc/net/
 * if_inet6 whole, then publish links, counters and addresses (LINKS,
 * IFSTATS and ADDRS at once). 0 or -errno with lx_rootfs_error() naming
 * the file; nothing is published unless every file parsed.
 */
int lx_rootfs_refresh(struct lx_rootfs *r);
const char *lx_rootfs_error(const struct lx_rootfs *r);
/* What was absent in the last refresh, or "" (source notice). */
const char *lx_rootfs_notice(const struct lx_rootfs *r);

#endif
