/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_events.c - linux source, event mode: rtnetlink multicast events -> stack, resync on overrun. */
/*
 * Theory of operation (see also source_linux.c, "Event mode")
 *
 * A third netlink socket (libnl core socket, our own recvmsg) joins the
 * groups of ev_groups[] and an event thread polls it together with an
 * eventfd that close() writes to stop it. Each datagram is read into the
 * thread's own buffer (no lock), then applied under lx->mu, message by
 * message, by the handler ev_handlers[] names for its type: links,
 * addresses, routes and neighbours. Each applied message counts
 * stack.events. Links and addresses are loaded at start; routes and
 * neighbours only by the first refresh(ROUTES|NEIGH), which makes that
 * family "live" (lx_rn_live): until then their events are ignored (the
 * dump covers them), from then on they keep it current and refresh no
 * longer re-dumps it.
 *
 * Silent route removals: the kernel drops IPv4 routes without a
 * RTM_DELROUTE when their interface goes down or away, or when the
 * address that is their preferred source goes. So a DELLINK, a NEWLINK
 * that clears IFF_UP of an interface the stack has up, and an IPv4
 * DELADDR mark live routes stale; the thread re-dumps routes once the
 * queue is drained (not a resync: nothing was lost). Neighbours the
 * kernel creates without a RTM_NEWNEIGH (NOARP entries for multicast
 * destinations) are seen only by a dump: at load and at resyncs.
 *
 * Overrun: recvmsg failing with ENOBUFS means the kernel dropped events
 * (how many is unknown: stack.dropped_events counts one per overrun). The
 * thread then discards what is still queued (it predates the resync, which
 * covers it) and marks a resync pending; the resync re-dumps links and
 * addresses (and the live route/neighbour families) on the dump socket
 * and reconciles (stack.resyncs +1, and +1
 * per NLM_F_DUMP_INTR restart of its dumps). Events queued after the
 * discard are replayed on top of the dump: each carries a whole object, in
 * kernel order, so replaying them converges on the kernel's state. A
 * message the stack cannot take in order (a name still in use) also
 * schedules a resync. A failed resync stays pending: the thread retries it
 * every second, and any refresh(LINKS|ADDRS|ROUTES|NEIGH) does it first.
 *
 * Locking: lx->mu (the source mutex) guards every field of struct lx and
 * of struct lx_ev except those the thread alone touches (buf, and sk/fd
 * after start); it also orders the health counter writes of both threads
 * (they share slot NB_SLOT_SOURCE). The thread never holds a read section
 * while it waits for lx->mu. lx->err belongs to the callers: the thread
 * puts it back as it found it (a failed event only schedules a resync,
 * a failed resync is retried), and lx_error copies it out under lx->mu. stop is an eventfd, never a cancel: the
 * thread exits between datagrams, never inside a stack update.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>

#include "source_linux_rn.h"

#define EV_RCVBUF_DEFAULT	(1 << 20)	/* SO_RCVBUF of the event socket */
#define EV_RETRY_MS		1000		/* a failed resync is retried */

/* Multicast groups joined; a new family adds its groups here. */
static const unsigned ev_groups[] = {
	RTNLGRP_LINK,
	RTNLGRP_IPV4_IFADDR,
	RTNLGRP_IPV6_IFADDR,
	RTNLGRP_IPV4_ROUTE,
	RTNLGRP_IPV6_ROUTE,
	RTNLGRP_NEIGH,
};

/* Message type -> handler (lx_link_event's contract); a new family adds lines. */
static const struct {
	uint16_t	 type;
	int		(*fn)(struct lx *lx, struct nlmsghdr *nlh);
} ev_handlers[] = {
	{ RTM_NEWLINK, lx_link_event },
	{ RTM_DELLINK, lx_link_event },
	{ RTM_NEWADDR, lx_addr_event },
	{ RTM_DELADDR, lx_addr_event },
	{ RTM_NEWROUTE, lx_route_event },
	{ RTM_DELROUTE, lx_route_event },
	{ RTM_NEWNEIGH, lx_neigh_event },
	{ RTM_DELNEIGH, lx_neigh_event },
};

lx_event_fn
lx_event_handler(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(ev_handlers) / sizeof(ev_handlers[0]); i++)
		if (ev_handlers[i].type == type)
			return ev_handlers[i].fn;
	return NULL;
}

struct lx_ev {
	struct nl_sock	*sk;
	int		 fd;
	int		 stopfd;	/* eventfd: close() asks the thread to exit */
	uint8_t		*buf;		/* LX_MSGBUF, the thread's */
	pthread_t	 tid;
	bool		 started;
	bool		 resync;	/* lx->mu: events lost, re-dump pending */
	bool		 routes_stale;	/* lx->mu: live routes may have gone silently */
};

static uint64_t *
ev_health(struct lx *lx)
{
	return nb_ctrgroup_slot(nb_stack_health(lx->st), NB_SLOT_SOURCE);
}

bool
lx_events_need_resync(const struct lx *lx)
{
	return lx->ev != NULL && lx->ev->resync;
}

/* Links, addresses, live routes/neighbours, re-dumped and reconciled; 0 or -errno. */
static int
ev_load(struct lx *lx)
{
	int error, e;

	error = lx_links_refresh(lx, NULL);
	if ((e = lx_addrs_refresh(lx)) != 0 && error == 0)
		error = e;
	if (lx_rn_live(lx) != 0) {
		if ((e = lx_rn_refresh(lx, lx_rn_live(lx))) != 0 && error == 0)
			error = e;
		else if (e == 0)
			lx->ev->routes_stale = false;
	}
	return error;
}

/* Would the kernel drop IPv4 routes silently after this message? (see top) */
static bool
ev_routes_go(struct lx *lx, const struct nlmsghdr *h)
{
	const struct ifinfomsg *ifi;
	const struct ifaddrmsg *ifa;
	const struct nb_iface *ifp;
	struct nb_read rd;
	bool up;

	if ((lx_rn_live(lx) & NB_FAM_ROUTES) == 0)
		return false;
	if (h->nlmsg_type == RTM_DELADDR) {
		ifa = NLMSG_DATA(h);
		return h->nlmsg_len >= NLMSG_LENGTH(sizeof(*ifa)) && ifa->ifa_family == AF_INET;
	}
	if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
		return false;
	ifi = NLMSG_DATA(h);
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)) || ifi->ifi_family != AF_UNSPEC)
		return false;
	if (h->nlmsg_type == RTM_DELLINK)
		return true;
	if ((ifi->ifi_flags & IFF_UP) != 0)
		return false;
	nb_read_enter(lx->st, &rd);
	ifp = nb_if_lookup_index(&rd, (uint32_t)ifi->ifi_index);
	up = ifp != NULL && (nb_iface_attrs(ifp)->flags & IFF_UP) != 0;
	nb_read_exit(&rd);
	return up;
}

int
lx_events_resync(struct lx *lx)
{
	unsigned restarts = lx->dump_restarts;
	int error;

	error = ev_load(lx);
	nb_ctr_add(ev_health(lx), NB_HEALTH_RESYNCS, 1 + (lx->dump_restarts - restarts));
	lx->ev->resync = error != 0;
	return error;
}

/* Apply one datagram's messages (lx->mu held). */
static void
ev_apply(struct lx *lx, size_t len)
{
	struct nlmsghdr *h;
	uint64_t applied = 0;
	lx_event_fn fn;
	int r;

	for (h = (struct nlmsghdr *)lx->ev->buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		if ((fn = lx_event_handler(h->nlmsg_type)) == NULL)
			continue;
		if (ev_routes_go(lx, h))
			lx->ev->routes_stale = true;
		r = fn(lx, h);
		if (r == 0)
			applied++;
		else if (r != 1)	/* LX_EV_RESYNC, or the stack refused it */
			lx->ev->resync = true;
	}
	nb_ctr_add(ev_health(lx), NB_HEALTH_EVENTS, applied);
}

/* Discard what is queued (after an overrun: the resync covers it). */
static void
ev_discard(struct lx_ev *ev)
{
	ssize_t n;

	do
		n = recv(ev->fd, ev->buf, LX_MSGBUF, MSG_DONTWAIT);
	while (n >= 0 || errno == EINTR || errno == ENOBUFS);
}

/* Read and apply what is queued: false if the socket failed for good. */
static bool
ev_drain(struct lx *lx)
{
	struct lx_ev *ev = lx->ev;
	struct sockaddr_nl sa;
	struct iovec iov = { .iov_base = ev->buf, .iov_len = LX_MSGBUF };
	char saved[LX_ERRLEN];
	struct msghdr mh;
	ssize_t n;

	for (;;) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &sa;
		mh.msg_namelen = sizeof(sa);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if ((n = recvmsg(ev->fd, &mh, MSG_DONTWAIT)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return true;
			if (errno != ENOBUFS)
				return false;
			ev_discard(ev);
			pthread_mutex_lock(&lx->mu);
			nb_ctr_add(ev_health(lx), NB_HEALTH_DROPPED_EVENTS, 1);
			ev->resync = true;
			pthread_mutex_unlock(&lx->mu);
			return true;
		}
		if (sa.nl_pid != 0 || (mh.msg_flags & MSG_TRUNC) != 0) {
			if ((mh.msg_flags & MSG_TRUNC) != 0) {
				pthread_mutex_lock(&lx->mu);
				ev->resync = true;	/* a lost event all the same */
				pthread_mutex_unlock(&lx->mu);
			}
			continue;
		}
		pthread_mutex_lock(&lx->mu);
		memcpy(saved, lx->err, sizeof(saved));	/* the callers' detail stays */
		ev_apply(lx, (size_t)n);
		memcpy(lx->err, saved, sizeof(saved));
		pthread_mutex_unlock(&lx->mu);
	}
}

static void *
ev_main(void *arg)
{
	struct lx *lx = arg;
	struct lx_ev *ev = lx->ev;
	struct pollfd pfd[2];
	char saved[LX_ERRLEN];
	bool pending;

	nb_thread_register();
	for (;;) {
		pthread_mutex_lock(&lx->mu);
		if ((pending = ev->resync)) {
			memcpy(saved, lx->err, sizeof(saved));
			pending = lx_events_resync(lx) != 0;
			memcpy(lx->err, saved, sizeof(saved));
		} else if (ev->routes_stale && lx->rn != NULL) {
			memcpy(saved, lx->err, sizeof(saved));
			if (lx_rn_refresh(lx, NB_FAM_ROUTES) == 0)
				ev->routes_stale = false;
			else
				pending = ev->resync = true;
			memcpy(lx->err, saved, sizeof(saved));
		}
		pthread_mutex_unlock(&lx->mu);
		pfd[0].fd = ev->stopfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = ev->fd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, pending ? EV_RETRY_MS : -1) < 0 && errno != EINTR)
			break;
		if ((pfd[0].revents & POLLIN) != 0)
			break;
		if ((pfd[1].revents & (POLLIN | POLLERR)) != 0 && !ev_drain(lx))
			break;
	}
	nb_thread_unregister();
	return NULL;
}

/* "evbuf=BYTES" from the source's args, or the default. */
static int
ev_rcvbuf(const char *args, int *out)
{
	const char *p;
	char *end;
	unsigned long v;

	*out = EV_RCVBUF_DEFAULT;
	for (p = args; p != NULL && *p != '\0'; p = strchr(p, ',') != NULL ? strchr(p, ',') + 1 : NULL) {
		if (strncmp(p, "evbuf=", 6) != 0)
			continue;
		errno = 0;
		v = strtoul(p + 6, &end, 10);
		if (errno != 0 || end == p + 6 || (*end != '\0' && *end != ',') ||
		    v == 0 || v > (1ul << 30))
			return -EINVAL;
		*out = (int)v;
	}
	return 0;
}

static void
ev_free(struct lx_ev *ev)
{
	if (ev->sk != NULL)
		nl_socket_free(ev->sk);
	if (ev->stopfd >= 0)
		close(ev->stopfd);
	free(ev->buf);
	free(ev);
}

int
lx_events_start(struct lx *lx, const char *args)
{
	struct lx_ev *ev;
	size_t i;
	int rcv, n, error;

	if ((error = ev_rcvbuf(args, &rcv)) != 0) {
		lx_seterr(lx, "linux: args: bad evbuf= (bytes, 1 to 2^30)");
		return error;
	}
	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return -ENOMEM;
	ev->fd = ev->stopfd = -1;
	if ((ev->buf = malloc(LX_MSGBUF)) == NULL || (ev->sk = nl_socket_alloc()) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	nl_socket_disable_seq_check(ev->sk);
	if ((n = nl_connect(ev->sk, NETLINK_ROUTE)) < 0) {
		error = n == -NLE_PERM || n == -NLE_NOACCESS ? -EPERM : -EIO;
		lx_seterr(lx, "netlink: event socket: %s", nl_geterror(n));
		goto out;
	}
	ev->fd = nl_socket_get_fd(ev->sk);
	for (i = 0; i < sizeof(ev_groups) / sizeof(ev_groups[0]); i++) {
		if ((n = nl_socket_add_membership(ev->sk, (int)ev_groups[i])) < 0) {
			error = -EIO;
			lx_seterr(lx, "netlink: join group %u: %s", ev_groups[i], nl_geterror(n));
			goto out;
		}
	}
	if (setsockopt(ev->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)) != 0 ||
	    (ev->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		error = -errno;
		lx_seterr(lx, "linux: event socket: %s", strerror(errno));
		goto out;
	}
	/* Joined before the load: nothing falls between the dump and the events. */
	lx->ev = ev;
	pthread_mutex_lock(&lx->mu);
	error = ev_load(lx);
	pthread_mutex_unlock(&lx->mu);
	if (error != 0)
		goto out;
	if ((error = -pthread_create(&ev->tid, NULL, ev_main, lx)) != 0) {
		lx_seterr(lx, "linux: event thread: %s", strerror(-error));
		goto out;
	}
	ev->started = true;
	return 0;
out:
	lx->ev = NULL;
	ev_free(ev);
	return error;
}

void
lx_events_stop(struct lx *lx)
{
	struct lx_ev *ev = lx->ev;
	uint64_t one = 1;

	if (ev == NULL)
		return;
	if (ev->started) {
		if (write(ev->stopfd, &one, sizeof(one)) != sizeof(one))
			abort();	/* a fresh eventfd with room: cannot fail */
		if (pthread_join(ev->tid, NULL) != 0)
			abort();
	}
	lx->ev = NULL;
	ev_free(ev);
}
