/* SPDX-License-Identifier: BSD-2-Clause */
/* evlog.c - the event log: each change a writer call applies, with its time, queued for a recorder. */

/*
 * Theory of operation
 *
 * What may run at once
 *   Writers of every family post (nb_ev_post) from inside their own
 *   calls, holding their family's locks; one consumer takes
 *   (nb_events_take); anyone enables or disables (nb_events_enable).
 *
 * Invariants
 *   ev_lock guards the ring (ev_ring, ev_cap, ev_head, ev_n), ev_seq and
 *   ev_lost; it is a leaf: nothing is locked or waited for under it.
 *   ev_on is written under ev_lock and read without it (relaxed): a post
 *   that reads it false while logging starts is a change made before the
 *   start, which the consumer's first sample holds anyway. The name of an
 *   interface that a route, neighbour or descriptor event names by index
 *   is looked up in a read section before ev_lock is taken (read sections
 *   nest, and a writer may hold its family's lock: a grace period never
 *   waits for a lock). Events are in seq order, which is the order of the
 *   posts, so of the writer calls of one family; the time is taken under
 *   ev_lock, so times never decrease along seq.
 *
 * Who frees what
 *   The ring belongs to the stack: nb_events_enable(st, 0) and
 *   nb_stack_destroy free it. A full ring drops its oldest event and
 *   counts it in ev_lost (the consumer is told at its next take).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "stack-internal.h"

static const char *const kind_names[NB_EV_KIND_MAX] = {
	[NB_EV_IF_CREATED] = "created",
	[NB_EV_IF_DELETED] = "deleted",
	[NB_EV_IF_RENAMED] = "renamed",
	[NB_EV_LINK_UP] = "link up",
	[NB_EV_LINK_DOWN] = "link down",
	[NB_EV_CARRIER_ON] = "carrier on",
	[NB_EV_CARRIER_OFF] = "carrier off",
	[NB_EV_ADDR_ADDED] = "address added",
	[NB_EV_ADDR_REMOVED] = "address removed",
	[NB_EV_ROUTE_ADDED] = "route added",
	[NB_EV_ROUTE_REMOVED] = "route removed",
	[NB_EV_NEIGH_STATE] = "neighbour",
	[NB_EV_NEIGH_REMOVED] = "neighbour removed",
	[NB_EV_CAPTURE_OPENED] = "capture opened",
	[NB_EV_CAPTURE_CLOSED] = "capture closed",
};

const char *
nb_event_kind_name(unsigned kind)
{
	return kind < NB_EV_KIND_MAX ? kind_names[kind] : NULL;
}

bool
nb_ev_on(const struct nb_stack *st)
{
	return __atomic_load_n(&st->ev_on, __ATOMIC_RELAXED);
}

const char *
nb_ev_addr(int family, const void *addr, char *buf, size_t size)
{
	if (inet_ntop(family, addr, buf, (socklen_t)size) == NULL)
		snprintf(buf, size, "?");
	return buf;
}

void
nb_ev_post(struct nb_stack *st, unsigned kind, uint32_t ifindex, const char *ifname,
    const char *fmt, ...)
{
	char name[NB_IFNAMSIZ] = "";
	struct nb_event *ev;
	struct timespec ts;
	struct nb_read rd;
	va_list ap;

	if (!nb_ev_on(st))
		return;
	if (ifname != NULL) {
		snprintf(name, sizeof(name), "%s", ifname);
	} else if (ifindex != 0) {
		const struct nb_iface *ifp;

		nb_read_enter(st, &rd);
		if ((ifp = nb_if_lookup_index(&rd, ifindex)) != NULL)
			snprintf(name, sizeof(name), "%s", nb_iface_attrs(ifp)->name);
		nb_read_exit(&rd);
	}
	pthread_mutex_lock(&st->ev_lock);
	if (!st->ev_on || st->ev_cap == 0) {
		pthread_mutex_unlock(&st->ev_lock);
		return;
	}
	if (st->ev_n == st->ev_cap) { /* full: drop the oldest */
		st->ev_head = (st->ev_head + 1) % st->ev_cap;
		st->ev_n--;
		st->ev_lost++;
	}
	ev = &st->ev_ring[(st->ev_head + st->ev_n) % st->ev_cap];
	st->ev_n++;
	memset(ev, 0, sizeof(*ev));
	ev->seq = ++st->ev_seq;
	clock_gettime(CLOCK_REALTIME, &ts);
	ev->t_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	ev->kind = kind;
	ev->ifindex = ifindex;
	memcpy(ev->ifname, name, sizeof(ev->ifname));
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(ev->detail, sizeof(ev->detail), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&st->ev_lock);
}

int
nb_events_enable(struct nb_stack *st, size_t cap)
{
	struct nb_event *ring = NULL, *old;

	if (st == NULL)
		return -EINVAL;
	if (cap > 0 && (ring = calloc(cap, sizeof(*ring))) == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&st->ev_lock);
	old = st->ev_ring;
	st->ev_ring = ring;
	st->ev_cap = cap;
	st->ev_head = st->ev_n = 0;
	__atomic_store_n(&st->ev_on, cap > 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&st->ev_lock);
	free(old);
	return 0;
}

size_t
nb_events_take(struct nb_stack *st, struct nb_event *out, size_t max, uint64_t *lost)
{
	size_t n = 0;

	pthread_mutex_lock(&st->ev_lock);
	while (n < max && st->ev_n > 0) {
		out[n++] = st->ev_ring[st->ev_head];
		st->ev_head = (st->ev_head + 1) % st->ev_cap;
		st->ev_n--;
	}
	if (lost != NULL) {
		*lost = st->ev_lost;
		st->ev_lost = 0;
	}
	pthread_mutex_unlock(&st->ev_lock);
	return n;
}

void
nb_ev_fini(struct nb_stack *st)
{
	free(st->ev_ring);
	st->ev_ring = NULL;
	st->ev_cap = st->ev_n = 0;
}
