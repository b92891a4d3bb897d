/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_pcb.h - private: NB_FAM_PCB (net.pcb), the sockets of the namespace via sock_diag. */
#ifndef NBSTACK_SOURCE_LINUX_PCB_H
#define NBSTACK_SOURCE_LINUX_PCB_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/netlink.h>

#include "nbstack/stack.h"

struct lx;

/*
 * One inet_diag message (tcp, udp, raw of either family; `kind` says
 * which was asked for) into *p: 0, or -EINVAL when it is too short or of
 * another family. INET_DIAG_INFO, when present and kind is TCP, gives the
 * tcp_info essentials. path and comm are left NULL.
 */
int lx_pcb_parse_inet(const struct nlmsghdr *nlh, unsigned kind, struct nb_pcb *p);
/*
 * One unix_diag message into *p; its bound name (NUL-terminated, '@' for
 * an abstract name's NULs) into path[size] (path[0] = '\0' when none). 0
 * or -EINVAL.
 */
int lx_pcb_parse_unix(const struct nlmsghdr *nlh, struct nb_pcb *p, char *path, size_t size);

/* One line of /proc/net/raw (kind NB_PCB_RAW) or raw6 into *p: 0 or -EINVAL. */
int lx_pcb_parse_raw_line(const char *line, unsigned kind, struct nb_pcb *p);

/* Dump every socket and publish the snapshot; details: owners and tcp_info. */
int lx_pcb_refresh(struct lx *lx, bool details);

#endif /* NBSTACK_SOURCE_LINUX_PCB_H */
