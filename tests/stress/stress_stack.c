/* SPDX-License-Identifier: BSD-2-Clause */
/* stress_stack.c - writers churn interfaces/addresses while readers check snapshots and counters add up. */

/*
 * Theory of operation
 *
 * Threads: NWRITERS writers, each owning a disjoint range of interface
 * indexes (so each knows exactly which of its interfaces and addresses
 * exist and expects every call to succeed); NCOUNTERS counter threads,
 * each owning a per-CPU slot and adding known amounts to the counters of
 * NLONG long-lived interfaces that it holds (nb_iface_hold) for the whole
 * run; NREADERS readers checking, inside each read section, that the
 * snapshot is self-consistent. All shared test state is atomics or owned
 * by one thread; `stop` is set by main with release order.
 *
 * Encodings that make torn or misplaced data detectable:
 *   interface index i: name "i<i>" or "r<i>" (renamed), mtu = 1000 + i,
 *   txqlen = i ^ 0x5a5a, lladdr = the 4 bytes of i;
 *   address k of interface i: 10.<i hi>.<i lo>.<k+1> (k even) or
 *   2001::<i>:..<k+1> (k odd), see addr_of(); the address bytes encode i and
 *   k, so every address is unique and names its interface.
 *
 * Checks per read section: attrs of every visible interface decode to its
 * index; nb_if_lookup_index finds the same object; every address on its
 * list names that interface and nb_addr_lookup returns that very address;
 * the number of addresses found via lists equals nb_addr_count and the
 * in_ifaddrhash item count; interface counts agree among the walk,
 * nb_if_count and both interface hash tables; a departed entry's
 * generation is never that of a visible interface. At the end: per-CPU
 * sums of the long-lived interfaces equal exactly what the counter threads
 * added. Any violation prints a message and makes the exit status 1.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nbstack/stack.h"

#define NWRITERS	2
#define NREADERS	2
#define NCOUNTERS	2
#define NLONG		4
#define NPERW		128	/* interface indexes per writer */
#define NADDR		4	/* address slots per interface */
#define LONG_BASE	1	/* long-lived: indexes 1..NLONG */
#define W_BASE		1000	/* writer w: W_BASE + w * NPERW + j */

static struct nb_stack *st;
static int stop;		/* atomic */
static int violations;		/* atomic */
static uint64_t wr_ops;		/* atomic */
static uint64_t rd_sections;	/* atomic */
static uint64_t added[NCOUNTERS][NLONG][NB_IFSTAT_MAX];

#define FAIL(...) do {							\
	if (__atomic_add_fetch(&violations, 1, __ATOMIC_RELAXED) <= 20)	\
		fprintf(stderr, "stress_stack: " __VA_ARGS__);		\
} while (0)

static bool
stopped(void)
{
	return __atomic_load_n(&stop, __ATOMIC_ACQUIRE) != 0;
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
attrs_of(struct nb_ifattrs *a, uint32_t idx, bool renamed)
{
	memset(a, 0, sizeof(*a));
	a->index = idx;
	snprintf(a->name, sizeof(a->name), "%c%u", renamed ? 'r' : 'i', idx);
	a->mtu = 1000 + idx;
	a->txqlen = idx ^ 0x5a5a;
	a->lladdr_len = 4;
	memcpy(a->lladdr, &idx, 4);
	a->operstate = 6;
}

static bool
attrs_ok(const struct nb_ifattrs *a)
{
	unsigned long n;
	char *end;

	if (a->name[0] != 'i' && a->name[0] != 'r')
		return false;
	n = strtoul(a->name + 1, &end, 10);
	return *end == '\0' && n == a->index && a->mtu == 1000 + a->index &&
	    a->txqlen == (a->index ^ 0x5a5a) && a->lladdr_len == 4 &&
	    memcmp(a->lladdr, &a->index, 4) == 0 && a->operstate == 6;
}

static void
addr_of(struct nb_addrattrs *a, uint32_t idx, unsigned k)
{
	memset(a, 0, sizeof(*a));
	a->ifindex = idx;
	a->prefixlen = 24;
	if (k % 2 == 0) {
		a->family = AF_INET;
		a->addr[0] = 10;
		a->addr[1] = (uint8_t)(idx >> 8);
		a->addr[2] = (uint8_t)idx;
		a->addr[3] = (uint8_t)(k + 1);
	} else {
		a->family = AF_INET6;
		a->prefixlen = 64;
		a->addr[0] = 0x20;
		a->addr[1] = 0x01;
		memcpy(a->addr + 8, &idx, 4);
		a->addr[15] = (uint8_t)(k + 1);
	}
}

/* The interface index an address encodes, or 0. */
static uint32_t
addr_idx(const struct nb_addrattrs *a)
{
	uint32_t idx;

	if (a->family == AF_INET)
		return (uint32_t)a->addr[1] << 8 | a->addr[2];
	memcpy(&idx, a->addr + 8, 4);
	return idx;
}

/* ---- writers ---- */

struct wstate {
	int		w;
	bool		exists[NPERW];
	bool		renamed[NPERW];
	bool		has[NPERW][NADDR];
};

static void
wcheck(int error, const char *what, uint32_t idx)
{
	if (error != 0)
		FAIL("writer: %s(%u) = %d\n", what, idx, error);
}

static void *
writer(void *arg)
{
	struct wstate *ws = arg;
	struct nb_ifattrs a;
	struct nb_addrattrs aa;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (uint64_t)(ws->w + 1), ops = 0;
	uint64_t v[NB_IFSTAT_MAX] = { 0 };
	uint32_t idx;
	unsigned j, k, op;

	while (!stopped()) {
		j = (unsigned)(rnd(&seed) % NPERW);
		idx = W_BASE + (uint32_t)ws->w * NPERW + j;
		op = (unsigned)(rnd(&seed) % 16);
		if (!ws->exists[j]) {
			attrs_of(&a, idx, false);
			wcheck(nb_if_upsert(st, &a, NULL), "create", idx);
			ws->exists[j] = true;
			ws->renamed[j] = false;
		} else if (op == 0) {
			wcheck(nb_if_delete(st, idx, NULL), "delete", idx);
			ws->exists[j] = false;
			memset(ws->has[j], 0, sizeof(ws->has[j]));
		} else if (op == 1) {
			ws->renamed[j] = !ws->renamed[j];
			attrs_of(&a, idx, ws->renamed[j]);
			wcheck(nb_if_upsert(st, &a, NULL), "rename", idx);
		} else if (op == 2) {
			v[NB_IFSTAT_IPACKETS] = ops;
			wcheck(nb_if_stats_store(st, idx, NB_SLOT_SOURCE, v), "stats_store", idx);
		} else if (op == 3 && ws->w == 0) {
			wcheck(nb_departed_drain(st, UINT64_MAX), "drain", 0);
		} else {
			k = (unsigned)(rnd(&seed) % NADDR);
			addr_of(&aa, idx, k);
			if (ws->has[j][k])
				wcheck(nb_addr_del(st, &aa), "addr_del", idx);
			else
				wcheck(nb_addr_add(st, &aa), "addr_add", idx);
			ws->has[j][k] = !ws->has[j][k];
		}
		ops++;
	}
	__atomic_add_fetch(&wr_ops, ops, __ATOMIC_RELAXED);
	nb_thread_unregister();
	return NULL;
}

/* ---- readers ---- */

struct rctx {
	const struct nb_read *rd;
	const struct nb_iface *ifp;
	size_t	nif;
	size_t	naddr;
	uint64_t seed;
	struct nb_iface *held;
};

static int
raddr(const struct nb_addr *ad, void *arg)
{
	struct rctx *c = arg;
	const struct nb_addrattrs *a = nb_addr_attrs(ad);
	uint32_t ifindex = nb_iface_attrs(c->ifp)->index;

	c->naddr++;
	if (a->ifindex != ifindex || addr_idx(a) != ifindex)
		FAIL("address on interface %u names %u/%u\n", ifindex, a->ifindex, addr_idx(a));
	if (nb_addr_lookup(c->rd, a->family, a->addr) != ad)
		FAIL("address of interface %u not found in the hash\n", ifindex);
	return 0;
}

static int
rif(const struct nb_iface *ifp, void *arg)
{
	struct rctx *c = arg;
	const struct nb_ifattrs *a = nb_iface_attrs(ifp);
	uint64_t s[NB_IFSTAT_MAX];

	c->nif++;
	if (!attrs_ok(a))
		FAIL("torn attributes: index %u name %.16s mtu %u\n", a->index, a->name, a->mtu);
	if (nb_if_lookup_index(c->rd, a->index) != ifp)
		FAIL("interface %u not found by index\n", a->index);
	nb_iface_stats(ifp, s);
	c->ifp = ifp;
	nb_iface_addr_walk(c->rd, ifp, raddr, c);
	/* Now and then, hold a churned interface across the end of the section. */
	if (c->held == NULL && a->index >= W_BASE && rnd(&c->seed) % 64 == 0)
		c->held = nb_iface_hold(ifp);
	return 0;
}

static int
rdep(const struct nb_departed *d, void *arg)
{
	struct rctx *c = arg;
	const struct nb_iface *ifp;

	if (!attrs_ok(&d->attrs))
		FAIL("torn departed attributes %u\n", d->attrs.index);
	if ((ifp = nb_if_lookup_index(c->rd, d->attrs.index)) != NULL &&
	    nb_iface_gen(ifp) == d->gen)
		FAIL("interface %u gen %" PRIu64 " both live and departed\n", d->attrs.index, d->gen);
	return 0;
}

struct hsc {
	uint64_t items[3];
};

static int
rhs(const char *name, const char *descr, const struct nb_hashstat *hs, void *arg)
{
	struct hsc *h = arg;

	(void)descr;
	if (hs->items > 0 && (hs->used == 0 || hs->maxchain == 0 || hs->used > hs->items))
		FAIL("hashstat %s inconsistent\n", name);
	if (strcmp(name, NB_HASH_ADDR) == 0)
		h->items[0] = hs->items;
	else if (strcmp(name, NB_HASH_IFNAME) == 0)
		h->items[1] = hs->items;
	else if (strcmp(name, NB_HASH_IFINDEX) == 0)
		h->items[2] = hs->items;
	return 0;
}

static void *
reader(void *arg)
{
	struct nb_read rd;
	struct rctx c;
	struct hsc h;
	uint64_t n = 0, gen, s[NB_IFSTAT_MAX];
	size_t nif, naddr;

	nb_thread_register();
	memset(&c, 0, sizeof(c));
	c.seed = (uintptr_t)arg | 1;
	while (!stopped()) {
		nb_read_enter(st, &rd);
		c.rd = &rd;
		c.nif = c.naddr = 0;
		nb_if_walk(&rd, rif, &c);
		nif = nb_if_count(&rd);
		naddr = nb_addr_count(&rd);
		memset(&h, 0, sizeof(h));
		nb_hashstat_walk(&rd, rhs, &h);
		nb_departed_walk(&rd, rdep, &c);
		if (c.nif != nif || h.items[1] != nif || h.items[2] != nif)
			FAIL("interface counts differ: walk %zu count %zu byname %" PRIu64
			    " byindex %" PRIu64 "\n", c.nif, nif, h.items[1], h.items[2]);
		if (c.naddr != naddr || h.items[0] != naddr)
			FAIL("address counts differ: lists %zu count %zu hash %" PRIu64 "\n",
			    c.naddr, naddr, h.items[0]);
		nb_read_exit(&rd);
		if (c.held != NULL) {
			/* Outside the section: the hold keeps it alive. */
			gen = nb_iface_gen(c.held);
			nb_iface_stats(c.held, s);
			if (gen == 0)
				FAIL("held interface lost its generation\n");
			nb_iface_release(c.held);
			c.held = NULL;
		}
		n++;
	}
	__atomic_add_fetch(&rd_sections, n, __ATOMIC_RELAXED);
	nb_thread_unregister();
	return NULL;
}

/* ---- counters ---- */

static void *
counter(void *arg)
{
	int c = (int)(intptr_t)arg;
	struct nb_iface *held[NLONG] = { 0 };
	uint64_t *slot[NLONG], seed = 77 + (uint64_t)c, amt;
	struct nb_read rd;
	unsigned s, i, idx;
	int error;

	if ((error = nb_slot_acquire(st, &s)) != 0) {
		FAIL("counter: nb_slot_acquire = %d\n", error);
		return NULL;
	}
	nb_read_enter(st, &rd);
	for (i = 0; i < NLONG; i++)
		held[i] = nb_iface_hold(nb_if_lookup_index(&rd, LONG_BASE + i));
	nb_read_exit(&rd);
	for (i = 0; i < NLONG; i++) {
		if (held[i] == NULL) {
			FAIL("counter: cannot hold interface %u\n", LONG_BASE + i);
			goto out;
		}
		slot[i] = nb_iface_stats_slot(held[i], s);
	}
	while (!stopped()) {
		for (i = 0; i < 1000; i++) {
			amt = rnd(&seed) % 1500 + 1;
			idx = (unsigned)(amt % NB_IFSTAT_MAX);
			nb_ctr_add(slot[i % NLONG], idx, amt);
			added[c][i % NLONG][idx] += amt;
		}
	}
out:
	for (i = 0; i < NLONG; i++)
		nb_iface_release(held[i]);
	nb_slot_release(st, s);
	nb_thread_unregister();
	return NULL;
}

int
main(int argc, char **argv)
{
	struct nb_stack_config cfg = { .nslots = 2 + NCOUNTERS };
	pthread_t wt[NWRITERS], rt[NREADERS], ct[NCOUNTERS];
	struct wstate ws[NWRITERS];
	struct nb_ifattrs a;
	struct nb_read rd;
	struct timespec t0, t1;
	uint64_t s[NB_IFSTAT_MAX], want;
	double secs = 5, el;
	unsigned i, k;
	int c, error;

	for (c = 1; c < argc; c++) {
		if (strcmp(argv[c], "--seconds") == 0 && c + 1 < argc) {
			secs = strtod(argv[++c], NULL);
		} else {
			fprintf(stderr, "usage: stress_stack [--seconds N]\n");
			return 2;
		}
	}
	if ((error = nb_stack_create(&cfg, &st)) != 0) {
		fprintf(stderr, "stress_stack: nb_stack_create: %s\n", strerror(-error));
		return 1;
	}
	for (i = 0; i < NLONG; i++) {
		attrs_of(&a, LONG_BASE + i, false);
		if ((error = nb_if_upsert(st, &a, NULL)) != 0) {
			fprintf(stderr, "stress_stack: upsert: %s\n", strerror(-error));
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < NCOUNTERS; i++)
		pthread_create(&ct[i], NULL, counter, (void *)(intptr_t)i);
	for (i = 0; i < NWRITERS; i++) {
		memset(&ws[i], 0, sizeof(ws[i]));
		ws[i].w = (int)i;
		pthread_create(&wt[i], NULL, writer, &ws[i]);
	}
	for (i = 0; i < NREADERS; i++)
		pthread_create(&rt[i], NULL, reader, (void *)(uintptr_t)(i + 1));
	usleep((useconds_t)(secs * 1e6));
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < NWRITERS; i++)
		pthread_join(wt[i], NULL);
	for (i = 0; i < NREADERS; i++)
		pthread_join(rt[i], NULL);
	for (i = 0; i < NCOUNTERS; i++)
		pthread_join(ct[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	/* Exact sums on the long-lived interfaces. */
	nb_read_enter(st, &rd);
	for (i = 0; i < NLONG; i++) {
		const struct nb_iface *ifp = nb_if_lookup_index(&rd, LONG_BASE + i);

		if (ifp == NULL) {
			FAIL("long-lived interface %u vanished\n", LONG_BASE + i);
			continue;
		}
		nb_iface_stats(ifp, s);
		for (k = 0; k < NB_IFSTAT_MAX; k++) {
			want = 0;
			for (c = 0; c < NCOUNTERS; c++)
				want += added[c][i][k];
			if (s[k] != want)
				FAIL("interface %u counter %s = %" PRIu64 ", added %" PRIu64 "\n",
				    LONG_BASE + i, nb_ifstat_desc[k].name, s[k], want);
		}
	}
	nb_read_exit(&rd);
	printf("stress_stack: %.1f s, %" PRIu64 " writer changes (%.0f/s), %" PRIu64
	    " read sections (%.0f/s), objects freed %" PRIu64 ", violations %d\n", el,
	    wr_ops, (double)wr_ops / el, rd_sections, (double)rd_sections / el,
	    nb_ctrgroup_sum(nb_stack_health(st), NB_HEALTH_OBJECTS_FREED),
	    __atomic_load_n(&violations, __ATOMIC_RELAXED));
	nb_stack_destroy(&st);
	return violations == 0 ? 0 : 1;
}
