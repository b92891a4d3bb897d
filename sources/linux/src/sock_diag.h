/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sock_diag.h - private: sock_diag dumps (NETLINK_SOCK_DIAG) through a libnl
 * core socket, message by message. Shared by the socket list (net.pcb,
 * source_linux_pcb.c) and the process files (source_linux_procfile.c).
 *
 * Not concurrent: a struct lx_diag belongs to the one refresh that opened
 * it; the messages handed to a callback live until the callback returns.
 */
#ifndef NBSTACK_SOCK_DIAG_H
#define NBSTACK_SOCK_DIAG_H

#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

struct lx;
struct nl_sock;

struct lx_diag {
	struct nl_sock	*sk;
	int		 fd;
	uint8_t		*buf;		/* LX_DIAG_MSGBUF bytes */
};

/* The user receive buffer: the kernel fills at most 32 KiB per datagram. */
#define LX_DIAG_MSGBUF	(64 << 10)

/*
 * Open d: 0, -ENOMEM, or -EIO with the detail in lx's error. rcvbuf > 0
 * asks for that SO_RCVBUF (best effort).
 */
int	lx_diag_open(struct lx_diag *d, struct lx *lx, int rcvbuf);
/* Close d (a d that failed to open, or was zeroed, too). */
void	lx_diag_close(struct lx_diag *d);

/* Handler of one reply message: 0, or -errno (kept; the dump reads on to its end). */
typedef int (*lx_diag_fn)(const struct nlmsghdr *nlh, void *arg);

/*
 * lx_diag_dump - send the SOCK_DIAG_BY_FAMILY dump request `req` (len
 * bytes: an inet_diag_req_v2, unix_diag_req, ...) and call fn for each
 * reply message until NLMSG_DONE. Returns 0, the kernel's -errno (ENOENT:
 * no handler for that family or protocol), -errno of recv, or fn's first
 * error (the rest of the dump is read and dropped).
 */
int	lx_diag_dump(struct lx_diag *d, const void *req, size_t len, lx_diag_fn fn, void *arg);

/*
 * The two requests both callers make: every inet socket of family and
 * proto (IPPROTO_RAW: the raw sockets), all states, with the inet_diag
 * extensions ext (a mask of 1 << (INET_DIAG_x - 1), 0 for none); every
 * unix socket, all states, with the UDIAG_SHOW_* of show.
 */
int	lx_diag_dump_inet(struct lx_diag *d, uint8_t family, uint8_t proto, uint8_t ext,
	    lx_diag_fn fn, void *arg);
int	lx_diag_dump_unix(struct lx_diag *d, uint32_t show, lx_diag_fn fn, void *arg);

/* The attribute `type` after a message's fixed header of hlen bytes, or NULL. */
const struct nlattr *lx_diag_attr(const struct nlmsghdr *nlh, size_t hlen, unsigned short type);

static inline const void *
lx_diag_attr_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static inline size_t
lx_diag_attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

#endif /* NBSTACK_SOCK_DIAG_H */
