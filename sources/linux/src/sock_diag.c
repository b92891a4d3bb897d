/* SPDX-License-Identifier: BSD-2-Clause */
/* sock_diag.c - sock_diag dumps through a libnl core socket (sock_diag.h). */
/*
 * Not concurrent: each struct lx_diag is used by the one refresh that
 * opened it (see sock_diag.h); nothing here is shared.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "nl_linux.h"
#include "sock_diag.h"

int
lx_diag_open(struct lx_diag *d, struct lx *lx, int rcvbuf)
{
	int n;

	d->fd = -1;
	d->sk = NULL;
	if ((d->buf = malloc(LX_DIAG_MSGBUF)) == NULL || (d->sk = nl_socket_alloc()) == NULL) {
		lx_diag_close(d);
		return -ENOMEM;
	}
	if ((n = nl_connect(d->sk, NETLINK_SOCK_DIAG)) < 0) {
		lx_seterr(lx, "sock_diag: %s", nl_geterror(n));
		lx_diag_close(d);
		return -EIO;
	}
	if (rcvbuf > 0)
		(void)nl_socket_set_buffer_size(d->sk, rcvbuf, 0);
	d->fd = nl_socket_get_fd(d->sk);
	return 0;
}

void
lx_diag_close(struct lx_diag *d)
{
	if (d->sk != NULL)
		nl_socket_free(d->sk);
	free(d->buf);
	d->sk = NULL;
	d->buf = NULL;
	d->fd = -1;
}

int
lx_diag_dump(struct lx_diag *d, const void *req, size_t len, lx_diag_fn fn, void *arg)
{
	struct nl_msg *m;
	struct nlmsghdr *nlh;
	ssize_t r;
	uint32_t seq;
	int error = 0, n;

	if ((m = nlmsg_alloc_simple(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP)) == NULL)
		return -ENOMEM;
	if (nlmsg_append(m, (void *)req, len, NLMSG_ALIGNTO) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	n = nl_send_auto(d->sk, m);
	seq = nlmsg_hdr(m)->nlmsg_seq;
	nlmsg_free(m);
	if (n < 0)
		return -EIO;
	for (;;) {
		r = recv(d->fd, d->buf, LX_DIAG_MSGBUF, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EIO;
		for (nlh = (struct nlmsghdr *)d->buf; NLMSG_OK(nlh, (size_t)r);
		     nlh = NLMSG_NEXT(nlh, r)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return error;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EIO;
				return e->error != 0 ? e->error : error;
			}
			if (error == 0 && (n = fn(nlh, arg)) != 0)
				error = n; /* read on to DONE */
		}
	}
}

int
lx_diag_dump_inet(struct lx_diag *d, uint8_t family, uint8_t proto, uint8_t ext, lx_diag_fn fn,
    void *arg)
{
	struct inet_diag_req_v2 req;

	memset(&req, 0, sizeof(req));
	req.sdiag_family = family;
	req.sdiag_protocol = proto;
	req.idiag_states = ~0u;
	req.idiag_ext = ext;
	return lx_diag_dump(d, &req, sizeof(req), fn, arg);
}

int
lx_diag_dump_unix(struct lx_diag *d, uint32_t show, lx_diag_fn fn, void *arg)
{
	struct unix_diag_req req;

	memset(&req, 0, sizeof(req));
	req.sdiag_family = AF_UNIX;
	req.udiag_states = ~0u;
	req.udiag_show = show;
	return lx_diag_dump(d, &req, sizeof(req), fn, arg);
}

const struct nlattr *
lx_diag_attr(const struct nlmsghdr *nlh, size_t hlen, unsigned short type)
{
	const struct nlattr *a;
	size_t off = NLMSG_ALIGN(hlen), len;

	if (nlh->nlmsg_len < NLMSG_LENGTH(hlen))
		return NULL;
	len = nlh->nlmsg_len - NLMSG_HDRLEN;
	while (off + NLA_HDRLEN <= len) {
		a = (const struct nlattr *)((const char *)NLMSG_DATA(nlh) + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > len)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}
