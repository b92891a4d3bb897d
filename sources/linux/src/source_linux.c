/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux.c - the "linux" source: netlink socket, dump engine, refresh, link_set. */
/*
 * Theory of operation
 *
 * The linux source mirrors the kernel's interfaces, addresses and interface
 * counters into the stack by netlink (NETLINK_ROUTE) dumps:
 *
 *   LINKS    RTM_GETLINK  dump, IFLA_EXT_MASK = RTEXT_FILTER_SKIP_STATS
 *   ADDRS    RTM_GETADDR  dump
 *   IFSTATS  RTM_GETSTATS dump, filter IFLA_STATS_LINK_64 only; or, when
 *            LINKS are dumped in the same refresh, each RTM_NEWLINK's
 *            IFLA_STATS64 (SKIP_STATS does not drop it), so that a cold
 *            read makes one link dump and no stats dump
 *
 * libnl-3 core is the transport (socket, connect, sequence numbers,
 * nl_send_auto) and the attribute parser of the rarer messages
 * (nlmsg_parse); the link and address handlers walk their attributes
 * themselves (lx_attrs), with no libnl call per attribute.
 * Replies are read by our own loop (lx_request) on the libnl socket's fd
 * into one reused 64 KiB buffer and handed to per-family handlers in
 * place: nl_recvmsgs() would copy every message into a freshly allocated
 * nl_msg (nlmsg_convert), which is a malloc + memcpy per interface on the
 * hot path. The libnl-route object caches are not used (2x the raw dump).
 *
 * Reconcile: a refresh first walks the stack (one read section) into a map
 * keyed by object identity (nl_kmap), marks what the dump reports, writes
 * only objects that are new or changed, and removes what the complete dump
 * did not report. A dump flagged NLM_F_DUMP_INTR is restarted (bounded);
 * nothing is removed on the basis of an interrupted dump.
 *
 * Concurrency: refresh and link_set are called by one thread at a time
 * (nb_source_refresh is "one caller at a time per source"); that thread
 * must be registered with nb_thread_register(), since the reconcile walks
 * are read sections. All stack updates go through the Writer API
 * (nb_if_upsert, nb_addr_add, ...), which serialises with other writers;
 * no read section is held across a writer call. Counters go to slot
 * NB_SLOT_SOURCE, which the stack reserves for the source.
 *
 * Parallel dumps. A refresh of LINKS with ADDRS overlaps the kernel's
 * work: a worker thread, started for the refresh and joined before it
 * returns, runs the RTM_GETADDR dumps on a second socket (lx->aux: its own
 * fd, buffer, error text and restart count) and parses them into a flat
 * list (lx->alist) while the calling thread dumps and upserts the links
 * (and collects their counters into lx->slist). The worker never touches
 * the stack, the reconcile maps or any other field of lx: alist belongs to
 * it from pthread_create to pthread_join, which order its writes before
 * the caller reads them, and the caller does not touch it meanwhile.
 * After the join the caller applies the lists exactly as a sequential
 * refresh would (lx_addrs_apply, lx_ifstats_apply): the kernel's snapshots
 * of the families were never one snapshot, and the existing repair
 * covers either order (an address or counters of a link the stack does not
 * know yet fetch that link, -ENODEV drops them). Errors keep the
 * sequential rule: every family runs, the first error (in the order links,
 * addresses, counters) is returned. If the second socket or the thread
 * cannot be had, the refresh runs sequentially.
 *
 * Event mode (nb_source_opts.events, source_linux_events.c). open() joins the
 * link, address, route and neighbour multicast groups on a third socket,
 * loads links and addresses once, and starts an event thread that applies
 * each RTM_NEWLINK/DELLINK/NEWADDR/DELADDR as it arrives (lx_link_event,
 * lx_addr_event), and RTM_NEWROUTE/DELROUTE/NEWNEIGH/DELNEIGH once the
 * first refresh(ROUTES|NEIGH) has loaded that family (lx_route_event,
 * lx_neigh_event). refresh(LINKS|ADDRS|ROUTES|NEIGH) then re-dumps nothing unless a
 * resync is pending (events lost to an overrun, or a message the stack
 * could not take in order); IFSTATS and procfs still poll. A DELLINK's
 * IFLA_STATS64 gives the departed entry's final counters, with a veth's RX
 * half (0 there) replaced by the last polled values.
 *
 * The source mutex lx->mu. The event thread and the refresh/link_set caller
 * both write the stack (libstack serialises its writers) and both use this
 * source's own state: the dump socket and its buffer, the link parser's
 * attribute table, the reconcile maps,
 * the pending lists, the worker's socket, the event state, the error text
 * and the health slot. lx->mu guards all of it: refresh, link_set and
 * error take it for their whole call, the event thread for each datagram
 * it applies and for each resync. Order: lx->mu, then libstack's writer
 * mutexes (inside the Writer API); a read section is entered only with
 * lx->mu held, never the other way round. Without events the mutex is
 * taken uncontended. close() stops and joins the event thread first.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>

#include "nl_linux.h"
#include "nbsource/linux.h"
#include "source_linux_bpf.h"
#include "source_linux_pcb.h"
#include "source_linux_mount.h"
#include "source_linux_procfile.h"
#include "source_linux_rn.h"
#include "source_linux_rootfs.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

#define LX_INTERRUPTED	1	/* lx_request_once: dump flagged NLM_F_DUMP_INTR */

void
lx_seterr(struct lx *lx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lx->err, sizeof(lx->err), fmt, ap);
	va_end(ap);
}

#define LX_VEC_FIRST	(64 << 10)	/* bytes of a vector's first mapping */

void *
lx_vec_room(void *v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return v;
	ncap = *cap != 0 ? *cap * 4 : (LX_VEC_FIRST + size - 1) / size;
	if (ncap > SIZE_MAX / 4 / size)
		return NULL;
	if (v == NULL)
		p = mmap(NULL, ncap * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	else
		p = mremap(v, *cap * size, ncap * size, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		return NULL;
	*cap = ncap;
	return p;
}

void
lx_vec_free(void *v, size_t cap, size_t size)
{
	if (v != NULL)
		munmap(v, cap * size);
}

/* libnl error codes back to errno, for the few that reach us. */
static int
lx_nlerr(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_PERM:		return -EPERM;
	case NLE_NOACCESS:	return -EACCES;
	case NLE_AF_NOSUPPORT:	return -EAFNOSUPPORT;
	case NLE_PROTO_MISMATCH: return -EPROTONOSUPPORT;
	case NLE_BAD_SOCK:	return -EBADF;
	case NLE_INVAL:		return -EINVAL;
	case NLE_RANGE:		return -ERANGE;
	case NLE_MSGSIZE:	return -EMSGSIZE;
	case NLE_AGAIN:		return -EAGAIN;
	case NLE_INTR:		return -EINTR;
	case NLE_NOADDR:	return -EADDRNOTAVAIL;
	default:		return -EIO;
	}
}

/* The extended-ACK message (NLMSGERR_ATTR_MSG) in [p, p+len), or "". */
static const char *
lx_extack(void *p, int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const char *s;

	if (len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX, p, len, NULL) < 0 ||
	    tb[NLMSGERR_ATTR_MSG] == NULL || nla_len(tb[NLMSGERR_ATTR_MSG]) < 1)
		return "";
	s = nla_data(tb[NLMSGERR_ATTR_MSG]);
	return s[nla_len(tb[NLMSGERR_ATTR_MSG]) - 1] == '\0' ? s : "";
}

static void
lx_kernel_error(struct lx *lx, const char *what, int error, const char *ext)
{
	lx_seterr(lx, "netlink: %s: %s%s%s", what, strerror(-error),
	    ext[0] != '\0' ? ": " : "", ext);
}

/* An NLMSG_ERROR: 0 for an ACK, else the kernel's -errno (detail set). */
static int
lx_msg_error(struct lx *lx, struct nlmsghdr *h, const char *what)
{
	struct nlmsgerr *e;
	size_t off;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
		lx_seterr(lx, "netlink: %s: truncated error message", what);
		return -EPROTO;
	}
	e = NLMSG_DATA(h);
	if (e->error == 0)
		return 0;
	if (e->error > 0 || e->error < -4095) {
		lx_seterr(lx, "netlink: %s: bad error code %d", what, e->error);
		return -EPROTO;
	}
	off = NLMSG_HDRLEN + sizeof(*e);
	if ((h->nlmsg_flags & NLM_F_CAPPED) == 0)
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	lx_kernel_error(lx, what, e->error,
	    (h->nlmsg_flags & NLM_F_ACK_TLVS) != 0 && off < h->nlmsg_len ?
	    lx_extack((char *)h + off, (int)(h->nlmsg_len - off)) : "");
	return e->error;
}

/* NLMSG_DONE of a dump: 0, or the dump's -errno. */
static int
lx_msg_done(struct lx *lx, struct nlmsghdr *h, const char *what)
{
	int error;
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int));

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
		return 0;
	memcpy(&error, NLMSG_DATA(h), sizeof(error));
	if (error >= 0)
		return 0;
	lx_kernel_error(lx, what, error,
	    (h->nlmsg_flags & NLM_F_ACK_TLVS) != 0 && off < h->nlmsg_len ?
	    lx_extack((char *)h + off, (int)(h->nlmsg_len - off)) : "");
	return error;
}

/*
 * One datagram from the kernel into buf (LX_MSGBUF bytes); its length in
 * *lenp. 0 or -errno (-EMSGSIZE: truncated); lx_recv_fail words it.
 */
static int
lx_recv_raw(int fd, uint8_t *buf, size_t *lenp)
{
	struct sockaddr_nl sa;
	struct iovec iov = { .iov_base = buf, .iov_len = LX_MSGBUF };
	struct msghdr mh;
	ssize_t n;

	for (;;) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &sa;
		mh.msg_namelen = sizeof(sa);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if ((n = recvmsg(fd, &mh, 0)) >= 0) {
			if (sa.nl_pid != 0)	/* not from the kernel */
				continue;
			break;
		}
		if (errno != EINTR)
			return -errno;
	}
	if ((mh.msg_flags & MSG_TRUNC) != 0)
		return -EMSGSIZE;
	*lenp = (size_t)n;
	return 0;
}

int
lx_attrs(const struct nlmsghdr *nlh, size_t hdrlen, struct nlattr **tb, int maxtype)
{
	return lx_attrs_inline(nlh, hdrlen, tb, maxtype);
}

/* The error detail of a failed lx_recv_raw. */
static int
lx_recv_fail(struct lx *lx, const char *what, int error)
{
	if (error == -ENOBUFS)
		lx_seterr(lx, "netlink: %s: receive buffer overrun (ENOBUFS), "
		    "messages lost", what);
	else if (error == -EMSGSIZE)
		lx_seterr(lx, "netlink: %s: message truncated", what);
	else
		lx_seterr(lx, "netlink: %s: recvmsg: %s", what, strerror(-error));
	return error;
}

/* Send req once and read its replies: 0, LX_INTERRUPTED or -errno. */
static int
lx_request_once(struct lx *lx, struct nl_msg *req, const char *what,
    lx_msg_fn fn, void *arg)
{
	struct nlmsghdr *rh = nlmsg_hdr(req), *h;
	bool dump = (rh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	bool ack = (rh->nlmsg_flags & NLM_F_ACK) != 0;
	bool single = !dump && !ack;	/* one reply, no ACK: it ends the request */
	bool intr = false;
	uint32_t seq;
	size_t len;
	int n, error;

	rh->nlmsg_seq = NL_AUTO_SEQ;		/* a fresh sequence number per attempt */
	if ((n = nl_send_auto(lx->sk, req)) < 0) {
		lx_seterr(lx, "netlink: %s: send: %s", what, nl_geterror(n));
		return lx_nlerr(n);
	}
	seq = rh->nlmsg_seq;
	for (;;) {
		if ((error = lx_recv_raw(lx->fd, lx->buf, &len)) != 0)
			return lx_recv_fail(lx, what, error);
		for (h = (struct nlmsghdr *)lx->buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq)	/* left over from an aborted request */
				continue;
			intr |= (h->nlmsg_flags & NLM_F_DUMP_INTR) != 0;
			/* A data message (the usual) skips the control types' tests. */
			if (__builtin_expect(h->nlmsg_type < NLMSG_MIN_TYPE, 0)) {
				switch (h->nlmsg_type) {
				case NLMSG_NOOP:
					continue;
				case NLMSG_OVERRUN:
					lx_seterr(lx, "netlink: %s: overrun", what);
					return -ENOBUFS;
				case NLMSG_ERROR:
					if ((error = lx_msg_error(lx, h, what)) != 0)
						return error;
					if (!dump)
						return 0;	/* the ACK ends a request */
					continue;
				case NLMSG_DONE:
					if ((error = lx_msg_done(lx, h, what)) != 0)
						return error;
					return intr ? LX_INTERRUPTED : 0;
				default:
					break;
				}
			}
			if (fn != NULL && (error = fn(lx, h, arg)) != 0)
				return error;
			if (single && (h->nlmsg_flags & NLM_F_MULTI) == 0)
				return 0;		/* the single reply */
		}
		if (len != 0) {
			lx_seterr(lx, "netlink: %s: truncated message", what);
			return -EPROTO;
		}
	}
}

int
lx_request(struct lx *lx, struct nl_msg *req, const char *what,
    lx_start_fn start, lx_msg_fn fn, void *arg)
{
	int tries, error;

	for (tries = 1; ; tries++) {
		if (start != NULL)
			start(lx, arg);
		if ((error = lx_request_once(lx, req, what, fn, arg)) != LX_INTERRUPTED)
			return error;
		if (tries == LX_DUMP_TRIES)
			break;
		lx->dump_restarts++;
	}
	lx_seterr(lx, "netlink: %s: dump interrupted %d times (NLM_F_DUMP_INTR)",
	    what, tries);
	return -EAGAIN;
}


static void
lx_close(void *priv)
{
	struct lx *lx = priv;

	if (lx == NULL)
		return;
	lx_events_stop(lx);
	lx_rn_free(lx);
	lx_bpf_free(&lx->bpf);
	lx_close(lx->aux);
	if (lx->sk != NULL)
		nl_socket_free(lx->sk);	/* closes the fd */
	lx_proc_free(&lx->proc);
	lx_rootfs_free(&lx->rootfs);
	nl_kmap_fini(&lx->links);
	nl_kmap_fini(&lx->addrs);
	free(lx->pend);
	free(lx->apend);
	lx_vec_free(lx->alist.v, lx->alist.cap, sizeof(*lx->alist.v));
	lx_vec_free(lx->slist.v, lx->slist.cap, sizeof(*lx->slist.v));
	free(lx->buf);
	free(lx->ltab);
	pthread_mutex_destroy(&lx->mu);
	free(lx);
}

/* The dump socket and receive buffer of lx (lx->fd is -1 before). */
static int
lx_socket_open(struct lx *lx)
{
	int one = 1, rcv = LX_RCVBUF, n;

	if ((lx->buf = malloc(LX_MSGBUF)) == NULL || (lx->sk = nl_socket_alloc()) == NULL)
		return -ENOMEM;
	nl_socket_disable_auto_ack(lx->sk);	/* we ask for ACKs where we want them */
	if ((n = nl_connect(lx->sk, NETLINK_ROUTE)) < 0)
		return lx_nlerr(n);
	lx->fd = nl_socket_get_fd(lx->sk);
	if ((n = nl_socket_set_buffer_size(lx->sk, LX_RCVBUF, 0)) < 0)
		return lx_nlerr(n);
	/* Above net.core.rmem_max only with CAP_NET_ADMIN; best effort. */
	(void)setsockopt(lx->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	(void)nl_socket_set_msg_buf_size(lx->sk, LX_MSGBUF);
	/* Error strings from the kernel (extack), and no echo of our request. */
	(void)setsockopt(lx->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(lx->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;
}

static int
lx_open(struct nb_stack *st, const struct nb_source_opts *opts, void **priv)
{
	struct lx *lx;
	int error = 0;

	if ((lx = calloc(1, sizeof(*lx))) == NULL)
		return -ENOMEM;
	lx->st = st;
	lx->fd = -1;
	pthread_mutex_init(&lx->mu, NULL);
	nl_kmap_init(&lx->links, sizeof(uint32_t), sizeof(struct nb_ifattrs));
	nl_kmap_init(&lx->addrs, sizeof(struct lx_akey), sizeof(struct nb_addrattrs));
	if ((error = lx_proc_init(&lx->proc, st, opts->root)) != 0 ||
	    (error = lx_bpf_init(&lx->bpf, opts->root)) != 0)
		goto out;
	/* A root file system: files only, never the running kernel. */
	if (lx_rootfs_wanted(opts->root)) {
		if ((error = lx_rootfs_init(&lx->rootfs, st, opts->root)) != 0)
			goto out;
		lx->ifstat_mask = ((1u << NB_IFSTAT_MAX) - 1) &
				  ~(1u << NB_IFSTAT_OMCASTS | 1u << NB_IFSTAT_NOPROTO);
		nb_stack_set_ifstat_mask(st, lx->ifstat_mask);
		*priv = lx;
		return 0;
	}
	if ((error = lx_socket_open(lx)) != 0)
		goto out;
	/* Linux keeps no TX multicast count: that leaf is absent, not zero. */
	lx->ifstat_mask = ((1u << NB_IFSTAT_MAX) - 1) & ~(1u << NB_IFSTAT_OMCASTS);
	nb_stack_set_ifstat_mask(st, lx->ifstat_mask);
	if (opts->events &&
	    (error = lx_events_start(lx, opts->args)) != 0)
		goto out;
	*priv = lx;
	return 0;
out:
	lx_close(lx);
	return error;
}

/* The worker of a parallel refresh: dumps into lists, nothing else. */
struct lx_worker {
	struct lx	*lx;		/* read only: the lists' addresses */
	unsigned	 fams;
	int		 eaddrs;	/* results */
};

static void *
lx_worker_main(void *arg)
{
	struct lx_worker *w = arg;
	struct lx *io = w->lx->aux;

	w->eaddrs = (w->fams & NB_FAM_ADDRS) != 0 ? lx_addrs_dump(io, &w->lx->alist) : 0;
	return NULL;
}

/* The worker's socket, opened on first use: 0 or -errno (then go sequential). */
static int
lx_aux_get(struct lx *lx)
{
	struct lx *aux;
	int error;

	if (lx->aux != NULL)
		return 0;
	if ((aux = calloc(1, sizeof(*aux))) == NULL)
		return -ENOMEM;
	aux->fd = -1;
	pthread_mutex_init(&aux->mu, NULL);	/* unused: aux belongs to lx */
	if ((error = lx_socket_open(aux)) != 0) {
		lx_close(aux);
		return error;
	}
	lx->aux = aux;
	return 0;
}

/* A dump that failed on the worker: its error text becomes ours. */
static int
lx_aux_error(struct lx *lx, int error)
{
	memcpy(lx->err, lx->aux->err, sizeof(lx->err));
	return error;
}

/*
 * LINKS here while the worker dumps ADDRS/IFSTATS. false if no worker could
 * be started (nothing was done); else true with the refresh's result in
 * *errorp.
 */
static bool
lx_refresh_parallel(struct lx *lx, unsigned fams, int *errorp)
{
	struct lx_worker w = { .lx = lx, .fams = fams };
	pthread_t tid;
	int error, e;

	if (lx_aux_get(lx) != 0)
		return false;
	lx->aux->err[0] = '\0';
	if (pthread_create(&tid, NULL, lx_worker_main, &w) != 0)
		return false;
	error = lx_links_refresh(lx, (fams & NB_FAM_IFSTATS) != 0 ? &lx->slist : NULL);
	if ((e = pthread_join(tid, NULL)) != 0)
		abort();		/* a joinable thread we created: cannot happen */
	lx->dump_restarts += lx->aux->dump_restarts;
	lx->aux->dump_restarts = 0;
	if ((fams & NB_FAM_ADDRS) != 0) {
		e = w.eaddrs != 0 ? lx_aux_error(lx, w.eaddrs) : lx_addrs_apply(lx, &lx->alist);
		if (e != 0 && error == 0)
			error = e;
	}
	/* The links' counters, unless the link dump failed (its error stands). */
	if ((fams & NB_FAM_IFSTATS) != 0 && error == 0)
		error = lx_ifstats_apply(lx, &lx->slist);
	*errorp = error;
	return true;
}

/*
 * lx_refresh under a root file system: links, counters and addresses from
 * its files (source_linux_rootfs.c), procfs as always; what only the
 * running kernel can tell (routes and neighbours by netlink, capture peers
 * and sockets by sock_diag) is refused, never read from the live system instead.
 */
static int
lx_refresh_rootfs(struct lx *lx, unsigned fams)
{
	const char *root = lx_proc_root(lx->proc);
	int error = 0, e;

	if ((fams & (NB_FAM_LINKS | NB_FAM_ADDRS | NB_FAM_IFSTATS)) != 0 &&
	    (error = lx_rootfs_refresh(lx->rootfs)) != 0)
		lx_seterr(lx, "%s", lx_rootfs_error(lx->rootfs));
	if (error == 0 && (fams & (NB_FAM_ROUTES | NB_FAM_NEIGH)) != 0) {
		lx_seterr(lx, "--root %s: routes and neighbours come from the running kernel "
			      "(netlink): not read from a root file system",
		    root);
		error = -EOPNOTSUPP;
	}
	if (error == 0 && (fams & NB_FAM_BPF) != 0) {
		lx_seterr(lx, "--root %s: capture peers come from the running kernel "
			      "(sock_diag): not read from a root file system",
		    root);
		error = -EOPNOTSUPP;
	}
	if (error == 0 && (fams & (NB_FAM_PCB | NB_FAM_PCBX)) != 0) {
		lx_seterr(lx, "--root %s: sockets come from the running kernel "
			      "(sock_diag): not read from a root file system",
		    root);
		error = -EOPNOTSUPP;
	}
	if ((fams & LX_PROC_FAMS) != 0 && (e = lx_proc_refresh(lx->proc, fams)) != 0 &&
	    error == 0) {
		error = e;
		lx_seterr(lx, "%s", lx_proc_error(lx->proc));
	}
	if ((fams & NB_FAM_PROC) != 0 && (e = lx_procfile_refresh(lx)) != 0 && error == 0)
		error = e;
	if ((fams & NB_FAM_MOUNT) != 0 && (e = lx_mount_refresh(lx)) != 0 && error == 0)
		error = e;
	return error;
}

static int
lx_refresh(void *priv, unsigned fams)
{
	struct lx *lx = priv;
	struct timespec t0, t1;
	uint64_t *hs;
	int error = 0, e;

	pthread_mutex_lock(&lx->mu);
	lx->err[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (lx->rootfs != NULL) {
		error = lx_refresh_rootfs(lx, fams);
		goto done;
	}
	/* Event mode: links, addresses and the live route/neighbour families
	 * are current, unless events were lost. */
	if (lx->ev != NULL &&
	    (fams & (NB_FAM_LINKS | NB_FAM_ADDRS | NB_FAM_ROUTES | NB_FAM_NEIGH)) != 0) {
		if (lx_events_need_resync(lx))
			error = lx_events_resync(lx);
		fams &= ~(unsigned)(NB_FAM_LINKS | NB_FAM_ADDRS);
		fams &= ~lx_rn_live(lx);
	}
	/* Links first: addresses and counters need their interface. Each
	 * family runs even if an earlier one failed; the first error wins. */
	if ((fams & NB_FAM_LINKS) != 0 && (fams & NB_FAM_ADDRS) != 0 &&
	    lx_refresh_parallel(lx, fams, &error)) {
		/* done */
	} else if ((fams & NB_FAM_LINKS) != 0) {
		bool st = (fams & NB_FAM_IFSTATS) != 0;

		e = lx_links_refresh(lx, st ? &lx->slist : NULL);
		if (e == 0 && st)
			e = lx_ifstats_apply(lx, &lx->slist);
		if (e != 0 && error == 0)
			error = e;
		if ((fams & NB_FAM_ADDRS) != 0 && (e = lx_addrs_refresh(lx)) != 0 && error == 0)
			error = e;
	} else {
		if ((fams & NB_FAM_ADDRS) != 0 && (e = lx_addrs_refresh(lx)) != 0 && error == 0)
			error = e;
		if ((fams & NB_FAM_IFSTATS) != 0 && (e = lx_ifstats_refresh(lx)) != 0 && error == 0)
			error = e;
	}
	if ((fams & (NB_FAM_ROUTES | NB_FAM_NEIGH)) != 0 &&
	    (e = lx_rn_refresh(lx, fams)) != 0 && error == 0)
		error = e;
	if ((fams & NB_FAM_BPF) != 0 && (e = lx_bpf_refresh(lx, lx->bpf)) != 0 && error == 0)
		error = e;
	if ((fams & LX_PROC_FAMS) != 0 && (e = lx_proc_refresh(lx->proc, fams)) != 0 &&
	    error == 0) {
		error = e;
		lx_seterr(lx, "%s", lx_proc_error(lx->proc));
	}
	if ((fams & NB_FAM_PROC) != 0 && (e = lx_procfile_refresh(lx)) != 0 && error == 0)
		error = e;
	if ((fams & NB_FAM_MOUNT) != 0 && (e = lx_mount_refresh(lx)) != 0 && error == 0)
		error = e;
	if ((fams & (NB_FAM_PCB | NB_FAM_PCBX)) != 0 &&
	    (e = lx_pcb_refresh(lx, (fams & NB_FAM_PCBX) != 0)) != 0 && error == 0)
		error = e;
done:
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (error == 0) {
		hs = nb_ctrgroup_slot(nb_stack_health(lx->st), NB_SLOT_SOURCE);
		nb_ctr_add(hs, NB_HEALTH_SAMPLES, 1);
		nb_ctr_store(hs, NB_HEALTH_SAMPLE_NS,
		    (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u +
		    (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec);
	}
	pthread_mutex_unlock(&lx->mu);
	return error;
}

static int
lx_link_set_locked(struct lx *lx, uint32_t index, enum nb_linkset what, uint64_t value);

static int
lx_link_set(void *priv, uint32_t index, enum nb_linkset what, uint64_t value)
{
	struct lx *lx = priv;
	int error;

	pthread_mutex_lock(&lx->mu);
	error = lx_link_set_locked(lx, index, what, value);
	pthread_mutex_unlock(&lx->mu);
	return error;
}

static int
lx_link_set_locked(struct lx *lx, uint32_t index, enum nb_linkset what, uint64_t value)
{
	struct ifinfomsg ifi;
	struct nl_msg *req;
	int error;

	lx->err[0] = '\0';
	if (lx->rootfs != NULL) {
		lx_seterr(lx, "--root %s: a root file system is read only: nothing is "
			      "written to the running kernel",
		    lx_proc_root(lx->proc));
		return -EROFS;
	}
	if (index == 0 || index > INT32_MAX)
		return -ENODEV;
	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_index = (int)index;
	switch (what) {
	case NB_LINKSET_MTU:
	case NB_LINKSET_TXQLEN:
		if (value > UINT32_MAX)
			return -EINVAL;
		break;
	case NB_LINKSET_UP:
		if (value > 1)
			return -EINVAL;
		ifi.ifi_change = IFF_UP;
		ifi.ifi_flags = value != 0 ? IFF_UP : 0;
		break;
	default:
		return -EOPNOTSUPP;
	}
	if ((req = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_ACK)) == NULL)
		return -ENOMEM;
	if (nlmsg_append(req, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    (what == NB_LINKSET_MTU && nla_put_u32(req, IFLA_MTU, (uint32_t)value) < 0) ||
	    (what == NB_LINKSET_TXQLEN && nla_put_u32(req, IFLA_TXQLEN, (uint32_t)value) < 0)) {
		error = -ENOMEM;
		goto out;
	}
	if ((error = lx_request(lx, req, "RTM_NEWLINK", NULL, NULL, NULL)) != 0)
		goto out;
	/* The kernel took it: publish the link as it is now. */
	error = lx_link_fetch(lx, index);
out:
	nlmsg_free(req);
	return error;
}

static const char *
lx_error(void *priv)
{
	struct lx *lx = priv;

	pthread_mutex_lock(&lx->mu);
	memcpy(lx->errout, lx->err, sizeof(lx->errout));
	pthread_mutex_unlock(&lx->mu);
	return lx->errout;
}

static const char *
lx_notice(void *priv)
{
	struct lx *lx = priv;

	return lx->rootfs != NULL ? lx_rootfs_notice(lx->rootfs) : "";
}

const struct nb_source_ops nb_source_linux_ops = {
	.kind = "linux",
	.nslots = 1, /* kernel totals mirrored into NB_SLOT_SOURCE */
	.families = NB_FAM_LINKS | NB_FAM_ADDRS | NB_FAM_IFSTATS | NB_FAM_ROUTES | NB_FAM_NEIGH |
		    NB_FAM_BPF | LX_PROC_FAMS | NB_FAM_PROC | NB_FAM_PCB | NB_FAM_PCBX |
		    NB_FAM_MOUNT,
	.open = lx_open,
	.refresh = lx_refresh,
	.link_set = lx_link_set,
	.error = lx_error,
	.notice = lx_notice,
	.close = lx_close,
};
