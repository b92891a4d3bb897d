/* SPDX-License-Identifier: BSD-2-Clause */
/* nl_linux.h - private: state and dump engine shared by the linux source files. */
#ifndef NBSTACK_NL_LINUX_H
#define NBSTACK_NL_LINUX_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include "lx_attr.h"
#include "lx_stats64.h"
#include "nbstack/stack.h"
#include "nl_kmap.h"
#include "source_linux_proc.h"

#define LX_ERRLEN	256
#define LX_RCVBUF	(4 << 20)	/* SO_RCVBUF(FORCE) of the dump socket */
#define LX_MSGBUF	(64 << 10)	/* user receive buffer; the kernel fills 32 KiB skbs */
#define LX_DUMP_TRIES	5		/* NLM_F_DUMP_INTR restarts before giving up */

/* Key of an address in the reconcile map (zero padded, compared bytewise). */
struct lx_akey {
	uint32_t	ifindex;
	uint8_t		family;
	uint8_t		prefixlen;
	uint8_t		pad[2];
	uint8_t		addr[16];
};

/* A parsed address dump (lx_addrs_dump). */
struct lx_alist {
	struct nb_addrattrs *v;
	size_t		 n;
	size_t		 cap;
};

/* A parsed counter dump (lx_ifstats_dump). */
struct lx_slist {
	struct nb_ifstats_rec *v;
	size_t		 n;
	size_t		 cap;
	bool		 old_kernel;	/* IFLA_STATS_LINK_64 without rx_nohandler */
};

struct lx {
	struct nb_stack	*st;
	struct nl_sock	*sk;
	int		 fd;
	uint8_t		*buf;		/* LX_MSGBUF receive buffer, reused */
	struct nlattr	**ltab;		/* link_parse's attribute table (lx_attrs_all),
					   LX_ATTR_NTYPES slots, made at first use */
	char		 err[LX_ERRLEN];
	uint32_t	 ifstat_mask;	/* what we told the stack */
	/* reconcile maps, kept across refreshes */
	struct nl_kmap	 links;		/* uint32_t index -> struct nb_ifattrs */
	struct nl_kmap	 addrs;		/* struct lx_akey -> struct nb_addrattrs */
	/* stats for unknown indexes, resolved after the stats dump */
	struct nb_ifstats_rec *pend;
	size_t		 npend;
	size_t		 pendcap;
	/* addresses of unknown indexes, added after the address dump */
	struct nb_addrattrs *apend;
	size_t		 napend;
	size_t		 apendcap;
	/* parsed dumps, reused across refreshes */
	struct lx_alist	 alist;
	struct lx_slist	 slist;
	/* the worker's socket and buffer (source_linux.c), opened on first use */
	struct lx	*aux;
	/* refresh bookkeeping (tests and bench read these) */
	unsigned	 dump_restarts;	/* NLM_F_DUMP_INTR restarts, total */
	unsigned	 late_links;	/* links fetched one by one (born between dumps) */
	struct lx_proc	*proc;		/* procfs readers (source_linux_proc.h) */
	/* event mode (source_linux_events.c); mu guards all of the above */
	pthread_mutex_t	 mu;		/* the source mutex: see source_linux.c */
	char		 errout[LX_ERRLEN];	/* lx_error's copy of err */
	struct lx_ev	*ev;		/* NULL unless nb_source_opts.events */
	struct lx_rn	*rn;		/* ROUTES, NEIGH (source_linux_rn.h), lazily */
	struct lx_bpf	*bpf;		/* BPF (source_linux_bpf.h) */
	/* --root DIR: files only, no netlink (source_linux_rootfs.h); else NULL */
	struct lx_rootfs *rootfs;
};

/* Handler of one reply message; 0 or -errno (which aborts the request). */
typedef int (*lx_msg_fn)(struct lx *lx, struct nlmsghdr *nlh, void *arg);
/* Called before each (re)start of a dump to reset the handler's state. */
typedef void (*lx_start_fn)(struct lx *lx, void *arg);

/* source_linux.c */
void	lx_seterr(struct lx *lx, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * lx_vec_room - room for element n of the growable array v (NULL: none yet)
 * of *cap elements of `size` bytes: the array, moved or not, with *cap
 * updated; NULL if it cannot grow (v and *cap unchanged). The array is an
 * anonymous mapping grown x4 by mremap, so that a dump's list is never
 * copied as it grows (the kernel moves its pages; untouched pages cost
 * nothing). lx_vec_free unmaps it (NULL: nothing).
 */
void	*lx_vec_room(void *v, size_t *cap, size_t n, size_t size);
void	lx_vec_free(void *v, size_t cap, size_t size);
/*
 * lx_request - send `req` and read its replies, calling fn for each data
 * message. A dump (NLM_F_DUMP) runs until NLMSG_DONE and is restarted up to
 * LX_DUMP_TRIES times when flagged NLM_F_DUMP_INTR (start is called before
 * every attempt); a plain request until its reply or ACK. Returns 0, the
 * kernel's -errno, -ENOBUFS (overrun), -EAGAIN (still interrupted) or the
 * handler's error. `what` names the request in error details.
 */
int	lx_request(struct lx *lx, struct nl_msg *req, const char *what,
	    lx_start_fn start, lx_msg_fn fn, void *arg);

/*
 * lx_attrs - index the attributes that follow a message's fixed header
 * (hdrlen bytes) into tb[0..maxtype] (zeroed first; the last of a repeated
 * type wins, types above maxtype are skipped), as nlmsg_parse does without
 * a policy, but in one pass with no calls per attribute. -EPROTO on a
 * malformed attribute or header. Callers check the lengths of what they
 * read (lx_attr_ok). A link dump has ~40 attributes per interface: this
 * walk is most of its parsing, hence a small loop (and link_parse's own,
 * lx_attrs_all in lx_attr.h, with no type test). lx_attrs_inline (lx_attr.h)
 * is the same walk inline.
 */
int	lx_attrs(const struct nlmsghdr *nlh, size_t hdrlen, struct nlattr **tb, int maxtype);
/* An indexed attribute's payload and its length (the walk checked nla_len >= NLA_HDRLEN). */
static inline const void *
lx_attr_data(const struct nlattr *nla)
{
	return (const uint8_t *)nla + NLA_HDRLEN;
}

static inline size_t
lx_attr_len(const struct nlattr *nla)
{
	return (size_t)nla->nla_len - NLA_HDRLEN;
}

/* Attribute present with at least len bytes of payload. */
static inline bool
lx_attr_ok(const struct nlattr *nla, size_t len)
{
	return nla != NULL && nla->nla_len >= NLA_HDRLEN + len;
}

/* source_linux_link.c */
/*
 * Dump all links and reconcile. With stats != NULL the same dump also
 * yields every link's counters (RTM_NEWLINK carries IFLA_STATS64 even with
 * RTEXT_FILTER_SKIP_STATS), appended to *stats for lx_ifstats_apply: a
 * refresh of LINKS|IFSTATS needs no RTM_GETSTATS dump.
 */
int	lx_links_refresh(struct lx *lx, struct lx_slist *stats);
/*
 * Fetch one link by index (RTM_GETLINK) and upsert it. -ENODEV if gone.
 * A request of its own: never call it from a dump handler (the socket and
 * the buffer are in use); queue the work and do it after the dump.
 */
int	lx_link_fetch(struct lx *lx, uint32_t index);

/* source_linux_addr.c */
int	lx_addrs_refresh(struct lx *lx);
/* Dump into *out on io's socket: no stack access, any thread. */
int	lx_addrs_dump(struct lx *io, struct lx_alist *out);
/* Reconcile the stack with a complete dump (the refresh thread). */
int	lx_addrs_apply(struct lx *lx, const struct lx_alist *l);

/*
 * Apply one event message to the stack (the event thread, lx->mu held).
 * 0 if applied, 1 if ignored (not ours, AF_BRIDGE), LX_EV_RESYNC if the
 * stack could not take it in order (resync needed), or -errno.
 */
#define LX_EV_RESYNC	2
typedef int (*lx_event_fn)(struct lx *lx, struct nlmsghdr *nlh);
/* The handler of an event message type (source_linux_events.c), or NULL. */
lx_event_fn lx_event_handler(uint16_t type);
int	lx_link_event(struct lx *lx, struct nlmsghdr *nlh);
int	lx_addr_event(struct lx *lx, struct nlmsghdr *nlh);
/* source_linux_route.c / source_linux_neigh.c: ignored (1) until a refresh
 * has loaded the family in event mode. */
int	lx_route_event(struct lx *lx, struct nlmsghdr *nlh);
int	lx_neigh_event(struct lx *lx, struct nlmsghdr *nlh);
/* source_linux_route.c: families of lx->rn kept current by events (0 if none). */
unsigned lx_rn_live(const struct lx *lx);

/* source_linux_events.c (all with lx->mu held, except start/stop) */
/* Subscribe, load links and addresses, start the thread. */
int	lx_events_start(struct lx *lx, const char *args);
/* Stop and join the thread, free its state (lx->mu not held). */
void	lx_events_stop(struct lx *lx);
/* true if events are lost: LINKS, ADDRS and the live ROUTES/NEIGH must be re-dumped. */
bool	lx_events_need_resync(const struct lx *lx);
/* A full re-dump of links, addresses and the live ROUTES/NEIGH; counts stack.resyncs. */
int	lx_events_resync(struct lx *lx);

/* source_linux_stats.c */
/* struct rtnl_link_stats64 of `len` bytes (short: zeros) -> counters. */
void	lx_stats64_map(const void *data, size_t len, uint64_t v[NB_IFSTAT_MAX]);
int	lx_ifstats_refresh(struct lx *lx);
/* Dump into *out on io's socket: no stack access, any thread. */
int	lx_ifstats_dump(struct lx *io, struct lx_slist *out);
/*
 * Append link `index`'s struct rtnl_link_stats64 (len bytes) to *l: 0 or
 * -ENOMEM. The usual case (room, a full struct: constant reads) inline;
 * lx_slist_add_slow grows the list or takes a short struct.
 */
int	lx_slist_add_slow(struct lx_slist *l, uint32_t index, const void *s64, size_t len);

static inline int
lx_slist_add(struct lx_slist *l, uint32_t index, const void *s64, size_t len)
{
	struct nb_ifstats_rec *r;

	if (l->n >= l->cap || len < STATS64_NOHANDLER_END)
		return lx_slist_add_slow(l, index, s64, len);
	r = &l->v[l->n++];
	r->index = index;
	stats64_map(s64, STATS64_NOHANDLER_END, r->v);
	return 0;
}
/* Store a complete dump's counters (the refresh thread). */
int	lx_ifstats_apply(struct lx *lx, const struct lx_slist *l);

#endif
