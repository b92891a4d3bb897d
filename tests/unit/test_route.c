/* SPDX-License-Identifier: BSD-2-Clause */
/* test_route.c - libstack routes and neighbours: publish, identity, snapshots, retirement, hashstat. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nbstack/stack.h"

#include "check.h"

static struct nb_stack *
mkstack(void)
{
	struct nb_stack_config cfg = { .nslots = 2 };
	struct nb_stack *st = NULL;

	if (nb_stack_create(&cfg, &st) != 0) {
		fprintf(stderr, "nb_stack_create failed\n");
		exit(1);
	}
	return st;
}

static void
mkroute(struct nb_routeattrs *r, int family, const char *dst, unsigned len,
    uint32_t table, uint32_t metric, const char *gw, uint32_t oif)
{
	memset(r, 0, sizeof(*r));
	r->family = (uint8_t)family;
	r->dst_len = (uint8_t)len;
	r->table = table;
	r->metric = metric;
	r->oif = oif;
	r->type = 1;		/* RTN_UNICAST */
	r->protocol = 4;	/* RTPROT_STATIC */
	r->nhops = 1;
	if (inet_pton(family, dst, r->dst) != 1)
		abort();
	if (gw != NULL) {
		if (inet_pton(family, gw, r->gw) != 1)
			abort();
		r->has_gw = 1;
	}
}

static void
mkneigh(struct nb_neighattrs *n, int family, const char *dst, uint32_t ifindex,
    uint16_t state, uint8_t mac5)
{
	memset(n, 0, sizeof(*n));
	n->family = (uint8_t)family;
	n->ifindex = ifindex;
	n->state = state;
	n->lladdr_len = 6;
	n->lladdr[0] = 0x02;
	n->lladdr[5] = mac5;
	if (inet_pton(family, dst, n->dst) != 1)
		abort();
}

struct rcollect {
	const struct nb_routeattrs *v[64];
	size_t n;
};

static int
rcollect_cb(const struct nb_route *r, void *arg)
{
	struct rcollect *c = arg;

	if (c->n < 64)
		c->v[c->n] = nb_route_attrs(r);
	c->n++;
	return 0;
}

static int
ncount_cb(const struct nb_neigh *n, void *arg)
{
	const struct nb_neighattrs **last = arg;

	*last = nb_neigh_attrs(n);
	return 0;
}

static int
stop_cb(const struct nb_route *r, void *arg)
{
	(void)r;
	return ++*(int *)arg == 2 ? 7 : 0;
}

struct hsfind {
	const char *name;
	struct nb_hashstat hs;
	bool found;
};

static int
hs_cb(const char *name, const char *descr, const struct nb_hashstat *hs, void *arg)
{
	struct hsfind *f = arg;

	(void)descr;
	if (strcmp(name, f->name) == 0) {
		f->hs = *hs;
		f->found = true;
	}
	return 0;
}

static uint64_t
freed(struct nb_stack *st)
{
	return nb_ctrgroup_sum(nb_stack_health(st), NB_HEALTH_OBJECTS_FREED);
}

/* Let every deferred free run; the objects reclaimed so far. */
static uint64_t
reclaimed(struct nb_stack *st)
{
	nb_stack_barrier(st);
	return freed(st);
}

static void
test_publish_identity(void)
{
	struct nb_stack *st = mkstack();
	struct nb_routeattrs r;
	struct rcollect c = { .n = 0 };
	struct nb_read rd;
	char buf[64];
	int stops = 0;

	mkroute(&r, AF_INET, "0.0.0.0", 0, 254, 0, "10.0.0.1", 2);
	CHECK_EQ(nb_route_upsert(st, &r), 0);
	mkroute(&r, AF_INET, "10.1.0.0", 24, 254, 0, NULL, 2);
	CHECK_EQ(nb_route_upsert(st, &r), 0);
	/* Same dst/prefix: another table, another metric, another oif: distinct routes. */
	mkroute(&r, AF_INET, "10.1.0.0", 24, 100, 0, NULL, 2);
	CHECK_EQ(nb_route_upsert(st, &r), 0);
	mkroute(&r, AF_INET, "10.1.0.0", 24, 254, 50, NULL, 2);
	CHECK_EQ(nb_route_upsert(st, &r), 0);
	mkroute(&r, AF_INET6, "ff00::", 8, 255, 256, NULL, 3);
	CHECK_EQ(nb_route_upsert(st, &r), 0);
	mkroute(&r, AF_INET6, "ff00::", 8, 255, 256, NULL, 4);
	CHECK_EQ(nb_route_upsert(st, &r), 0);
	/* A repeat is an update of the same route, not a new one. */
	mkroute(&r, AF_INET, "10.1.0.0", 24, 254, 0, NULL, 2);
	CHECK_EQ(nb_route_upsert(st, &r), 0);
	/* A changed non-identity attribute (gateway, protocol) updates in place. */
	mkroute(&r, AF_INET, "0.0.0.0", 0, 254, 0, "10.0.0.254", 2);
	r.protocol = 16;
	CHECK_EQ(nb_route_upsert(st, &r), 0);

	nb_read_enter(st, &rd);
	CHECK_EQ(nb_route_count(&rd), 6);
	CHECK_EQ(nb_route_walk(&rd, rcollect_cb, &c), 0);
	CHECK_EQ(c.n, 6);
	/* Insertion order; the first one carries the updated attributes. */
	CHECK_EQ(c.v[0]->family, AF_INET);
	CHECK_EQ(c.v[0]->protocol, 16);
	CHECK(inet_ntop(AF_INET, c.v[0]->gw, buf, sizeof(buf)) != NULL &&
	    strcmp(buf, "10.0.0.254") == 0);
	CHECK_EQ(c.v[2]->table, 100);
	CHECK_EQ(c.v[3]->metric, 50);
	CHECK_EQ(c.v[4]->oif, 3);
	CHECK_EQ(c.v[5]->oif, 4);
	CHECK_EQ(c.v[1]->has_gw, 0);
	/* A non-zero callback return stops the walk and is returned. */
	CHECK_EQ(nb_route_walk(&rd, stop_cb, &stops), 7);
	CHECK_EQ(stops, 2);
	nb_read_exit(&rd);

	/* Errors. */
	mkroute(&r, AF_INET, "10.9.0.0", 24, 254, 0, NULL, 2);
	r.family = 77;
	CHECK_EQ(nb_route_upsert(st, &r), -EAFNOSUPPORT);
	mkroute(&r, AF_INET, "10.9.0.0", 24, 254, 0, NULL, 2);
	r.dst_len = 33;
	CHECK_EQ(nb_route_upsert(st, &r), -EINVAL);
	CHECK_EQ(nb_route_upsert(st, NULL), -EINVAL);
	mkroute(&r, AF_INET, "10.9.0.0", 24, 254, 0, NULL, 2);
	CHECK_EQ(nb_route_delete(st, &r), -ENOENT);
	/* Delete by identity: non-identity fields do not matter. */
	mkroute(&r, AF_INET, "10.1.0.0", 24, 100, 0, "1.2.3.4", 2);
	r.protocol = 3;
	CHECK_EQ(nb_route_delete(st, &r), 0);
	CHECK_EQ(nb_route_delete(st, &r), -ENOENT);
	nb_read_enter(st, &rd);
	CHECK_EQ(nb_route_count(&rd), 5);
	nb_read_exit(&rd);
	/* Re-adding a deleted identity makes a new, visible route. */
	CHECK_EQ(nb_route_upsert(st, &r), 0);
	nb_read_enter(st, &rd);
	CHECK_EQ(nb_route_count(&rd), 6);
	nb_read_exit(&rd);
	nb_stack_destroy(&st);
	CHECK(st == NULL);
}

static void
test_snapshot_retire(void)
{
	struct nb_stack *st = mkstack();
	struct nb_routeattrs r1, r2, r3;
	struct rcollect c;
	struct nb_read old, cur;
	uint64_t f0;

	mkroute(&r1, AF_INET, "10.1.0.0", 24, 254, 0, NULL, 2);
	mkroute(&r2, AF_INET, "10.2.0.0", 24, 254, 0, NULL, 2);
	mkroute(&r3, AF_INET6, "2001:db8::", 64, 254, 1024, "fe80::1", 2);
	CHECK_EQ(nb_route_upsert(st, &r1), 0);
	CHECK_EQ(nb_route_upsert(st, &r2), 0);
	f0 = freed(st);

	nb_read_enter(st, &old);		/* a snapshot: {r1, r2} */
	CHECK_EQ(nb_route_delete(st, &r1), 0);
	CHECK_EQ(nb_route_upsert(st, &r3), 0);
	/* The old section still sees exactly its version: r1 and r2, not r3. */
	memset(&c, 0, sizeof(c));
	CHECK_EQ(nb_route_walk(&old, rcollect_cb, &c), 0);
	CHECK_EQ(c.n, 2);
	CHECK_EQ(nb_route_count(&old), 2);
	CHECK(c.n == 2 && c.v[0]->dst[1] == 1 && c.v[1]->dst[1] == 2);
	/* A new section sees {r2, r3}. */
	nb_read_enter(st, &cur);
	memset(&c, 0, sizeof(c));
	CHECK_EQ(nb_route_walk(&cur, rcollect_cb, &c), 0);
	CHECK_EQ(c.n, 2);
	CHECK(c.n == 2 && c.v[0]->family == AF_INET && c.v[1]->family == AF_INET6);
	CHECK_EQ(nb_route_count(&cur), 2);
	nb_read_exit(&cur);
	/* While the old reader is inside, r1 cannot have been reclaimed. */
	CHECK_EQ(freed(st), f0);
	nb_read_exit(&old);
	/* After the grace periods (phase 1 unlinks, phase 2 frees): reclaimed. */
	CHECK_EQ(reclaimed(st), f0 + 1);
	nb_stack_destroy(&st);
}

static void
test_neigh(void)
{
	struct nb_stack *st = mkstack();
	struct nb_neighattrs n;
	const struct nb_neighattrs *last = NULL;
	struct nb_read rd;

	mkneigh(&n, AF_INET, "10.0.0.2", 2, 0x02 /* NUD_REACHABLE */, 1);
	CHECK_EQ(nb_neigh_upsert(st, &n), 0);
	mkneigh(&n, AF_INET, "10.0.0.2", 3, 0x80 /* NUD_PERMANENT */, 2);	/* other ifindex */
	CHECK_EQ(nb_neigh_upsert(st, &n), 0);
	mkneigh(&n, AF_INET6, "fe80::2", 2, 0x04 /* NUD_STALE */, 3);
	CHECK_EQ(nb_neigh_upsert(st, &n), 0);
	/* State change: same identity, updated in place. */
	n.state = 0x08;
	CHECK_EQ(nb_neigh_upsert(st, &n), 0);
	nb_read_enter(st, &rd);
	CHECK_EQ(nb_neigh_count(&rd), 3);
	CHECK_EQ(nb_neigh_walk(&rd, ncount_cb, &last), 0);
	CHECK(last != NULL && last->family == AF_INET6 && last->state == 0x08 &&
	    last->lladdr_len == 6 && last->lladdr[5] == 3);
	nb_read_exit(&rd);
	n.lladdr_len = NB_LLADDR_MAX + 1;
	CHECK_EQ(nb_neigh_upsert(st, &n), -EINVAL);
	mkneigh(&n, AF_INET, "10.0.0.2", 3, 0, 0);
	CHECK_EQ(nb_neigh_delete(st, &n), 0);
	CHECK_EQ(nb_neigh_delete(st, &n), -ENOENT);
	nb_read_enter(st, &rd);
	CHECK_EQ(nb_neigh_count(&rd), 2);
	nb_read_exit(&rd);
	nb_stack_destroy(&st);
}

static void
test_hashstat(void)
{
	struct nb_stack *st = mkstack();
	struct nb_routeattrs r;
	struct nb_neighattrs n;
	struct hsfind fr = { .name = NB_HASH_ROUTE }, fn = { .name = NB_HASH_NEIGH };
	struct nb_read rd;
	char dst[32];
	int i;

	/* No route and no neighbour yet: neither table is listed. */
	nb_read_enter(st, &rd);
	CHECK_EQ(nb_hashstat_walk(&rd, hs_cb, &fr), 0);
	CHECK_EQ(nb_hashstat_walk(&rd, hs_cb, &fn), 0);
	nb_read_exit(&rd);
	CHECK(!fr.found);
	CHECK(!fn.found);
	/* Enough routes to make the table grow (initial size 16, load <= 1). */
	for (i = 0; i < 100; i++) {
		snprintf(dst, sizeof(dst), "10.%d.%d.0", i / 256, i % 256);
		mkroute(&r, AF_INET, dst, 24, 254, 0, NULL, 2);
		CHECK_EQ(nb_route_upsert(st, &r), 0);
	}
	mkneigh(&n, AF_INET, "10.0.0.9", 2, 0x02, 9);
	CHECK_EQ(nb_neigh_upsert(st, &n), 0);
	nb_read_enter(st, &rd);
	CHECK_EQ(nb_hashstat_walk(&rd, hs_cb, &fr), 0);
	CHECK_EQ(nb_hashstat_walk(&rd, hs_cb, &fn), 0);
	CHECK(fr.found);
	CHECK(fn.found);
	CHECK_EQ(fr.hs.items, 100);
	CHECK(fr.hs.size >= 100);
	CHECK(fr.hs.used > 0 && fr.hs.used <= fr.hs.size);
	CHECK(fr.hs.maxchain >= 1);
	CHECK_EQ(fn.hs.items, 1);
	CHECK_EQ(nb_route_count(&rd), 100);
	nb_read_exit(&rd);
	nb_stack_destroy(&st);
}

/* A reader checks that every read section is one snapshot: the walk and the
 * hash agree, and the pair (A, B), always changed in one commit each, is
 * never half-seen. */
struct race {
	struct nb_stack	*st;
	int		 stop;		/* atomic */
	long		 walks;
	long		 bad;
};

static void *
reader_main(void *arg)
{
	struct race *x = arg;
	struct rcollect c;
	struct nb_read rd;

	nb_thread_register();
	while (!__atomic_load_n(&x->stop, __ATOMIC_ACQUIRE)) {
		nb_read_enter(x->st, &rd);
		memset(&c, 0, sizeof(c));
		if (nb_route_walk(&rd, rcollect_cb, &c) != 0 || c.n != nb_route_count(&rd) ||
		    c.n < 1 || c.n > 2)
			x->bad++;
		nb_read_exit(&rd);
		x->walks++;
	}
	nb_thread_unregister();
	return NULL;
}

static void
test_concurrent(void)
{
	struct race x = { .st = mkstack() };
	struct nb_routeattrs a, b;
	pthread_t tid;
	int i;

	mkroute(&a, AF_INET, "10.1.0.0", 24, 254, 0, NULL, 2);
	mkroute(&b, AF_INET, "10.2.0.0", 24, 254, 0, NULL, 2);
	CHECK_EQ(nb_route_upsert(x.st, &a), 0);
	CHECK_EQ(pthread_create(&tid, NULL, reader_main, &x), 0);
	for (i = 0; i < 3000; i++) {
		/* Always 1 or 2 routes: add B, update A, delete B. */
		CHECK_EQ(nb_route_upsert(x.st, &b), 0);
		a.metric = 0;
		a.protocol = (uint8_t)(i & 0xff);
		CHECK_EQ(nb_route_upsert(x.st, &a), 0);
		CHECK_EQ(nb_route_delete(x.st, &b), 0);
	}
	__atomic_store_n(&x.stop, 1, __ATOMIC_RELEASE);
	pthread_join(tid, NULL);
	CHECK(x.walks > 0);
	CHECK_EQ(x.bad, 0);
	/* Every deleted B (3000) and superseded block was reclaimed by destroy. */
	nb_stack_destroy(&x.st);
}

static const struct nb_routeattrs *
lookup(struct nb_stack *st, int family, const char *a, uint32_t table)
{
	uint8_t buf[16];
	struct nb_read rd;
	const struct nb_route *r;
	const struct nb_routeattrs *ra;

	if (inet_pton(family, a, buf) != 1)
		abort();
	nb_read_enter(st, &rd);
	r = nb_route_lookup(&rd, family, buf, table);
	ra = r != NULL ? nb_route_attrs(r) : NULL;
	nb_read_exit(&rd);
	return ra;		/* test is single-threaded: no frees in between */
}

static void
test_lookup(void)
{
	struct nb_stack *st = mkstack();
	struct nb_routeattrs def, r16, r24, r24b, other, bcast, v6, v6def;
	const struct nb_routeattrs *ra;

	mkroute(&def, AF_INET, "0.0.0.0", 0, 254, 100, "192.0.2.1", 1);
	mkroute(&r16, AF_INET, "10.1.0.0", 16, 254, 0, NULL, 2);
	mkroute(&r24, AF_INET, "10.1.2.0", 24, 254, 50, NULL, 3);
	mkroute(&r24b, AF_INET, "10.1.2.0", 24, 254, 10, NULL, 4);
	mkroute(&other, AF_INET, "10.1.3.0", 24, 100, 0, NULL, 5);
	mkroute(&bcast, AF_INET, "10.1.4.0", 24, 254, 0, NULL, 6);
	bcast.type = 3;		/* RTN_BROADCAST: never a lookup result */
	mkroute(&v6, AF_INET6, "2001:db8::", 32, 254, 256, NULL, 7);
	mkroute(&v6def, AF_INET6, "::", 0, 254, 1024, "fe80::1", 8);

	CHECK(lookup(st, AF_INET, "10.1.2.3", 0) == NULL);	/* empty: no match */
	CHECK_EQ(nb_route_upsert(st, &r16), 0);
	CHECK(lookup(st, AF_INET, "10.2.0.1", 0) == NULL);	/* no default route */
	CHECK_EQ(nb_route_upsert(st, &def), 0);
	CHECK_EQ(nb_route_upsert(st, &r24), 0);
	CHECK_EQ(nb_route_upsert(st, &r24b), 0);
	CHECK_EQ(nb_route_upsert(st, &other), 0);
	CHECK_EQ(nb_route_upsert(st, &bcast), 0);
	CHECK_EQ(nb_route_upsert(st, &v6), 0);
	CHECK_EQ(nb_route_upsert(st, &v6def), 0);

	ra = lookup(st, AF_INET, "10.1.2.3", 0);		/* longest prefix, lowest metric */
	CHECK(ra != NULL && ra->oif == 4);
	ra = lookup(st, AF_INET, "10.1.2.3", 254);		/* table 0 is main */
	CHECK(ra != NULL && ra->oif == 4);
	ra = lookup(st, AF_INET, "10.1.3.9", 0);		/* other table's /24 ignored */
	CHECK(ra != NULL && ra->oif == 2);
	ra = lookup(st, AF_INET, "10.1.3.9", 100);
	CHECK(ra != NULL && ra->oif == 5);
	CHECK(lookup(st, AF_INET, "10.9.9.9", 100) == NULL);
	ra = lookup(st, AF_INET, "10.1.4.1", 0);		/* broadcast skipped: /16 */
	CHECK(ra != NULL && ra->oif == 2);
	ra = lookup(st, AF_INET, "198.51.100.7", 0);		/* default */
	CHECK(ra != NULL && ra->oif == 1);
	ra = lookup(st, AF_INET6, "2001:db8:1::5", 0);
	CHECK(ra != NULL && ra->oif == 7);
	ra = lookup(st, AF_INET6, "2001:db9::5", 0);
	CHECK(ra != NULL && ra->oif == 8);

	/* Delete the better /24: the other /24 wins; then the /16; then the default. */
	CHECK_EQ(nb_route_delete(st, &r24b), 0);
	ra = lookup(st, AF_INET, "10.1.2.3", 0);
	CHECK(ra != NULL && ra->oif == 3);
	CHECK_EQ(nb_route_delete(st, &r24), 0);
	ra = lookup(st, AF_INET, "10.1.2.3", 0);
	CHECK(ra != NULL && ra->oif == 2);
	CHECK_EQ(nb_route_delete(st, &r16), 0);
	ra = lookup(st, AF_INET, "10.1.2.3", 0);
	CHECK(ra != NULL && ra->oif == 1);
	nb_stack_destroy(&st);
}

static void
test_hold(void)
{
	struct nb_stack *st = mkstack();
	struct nb_routeattrs r1;
	struct nb_route *h, *h2;
	struct nb_read rd;
	uint8_t a[4] = { 10, 7, 0, 1 };
	uint64_t f0;

	mkroute(&r1, AF_INET, "10.7.0.0", 16, 254, 0, NULL, 9);
	CHECK_EQ(nb_route_upsert(st, &r1), 0);
	CHECK(nb_route_hold(NULL) == NULL);
	f0 = freed(st);

	nb_read_enter(st, &rd);
	h = nb_route_hold(nb_route_lookup(&rd, AF_INET, a, 0));
	h2 = nb_route_hold(nb_route_lookup(&rd, AF_INET, a, 0));
	nb_read_exit(&rd);
	CHECK(h != NULL && h2 != NULL && h == h2);
	/* Updates while held: the holder's block outlives the grace periods. */
	{
		const struct nb_routeattrs *seen = nb_route_attrs(h);

		r1.protocol = 2;
		CHECK_EQ(nb_route_upsert(st, &r1), 0);
		r1.protocol = 3;
		CHECK_EQ(nb_route_upsert(st, &r1), 0);
		nb_stack_barrier(st);
		CHECK_EQ(seen->oif, 9);			/* ASan: not freed */
		CHECK_EQ(nb_route_attrs(h)->protocol, 3);
	}
	/* Delete while held: delete does not wait; the route is invisible ... */
	CHECK_EQ(nb_route_delete(st, &r1), 0);
	nb_read_enter(st, &rd);
	CHECK(nb_route_lookup(&rd, AF_INET, a, 0) == NULL);
	nb_read_exit(&rd);
	/* ... but stays readable by its holders after the grace periods. */
	nb_stack_barrier(st);
	CHECK_EQ(freed(st), f0);
	CHECK(h != NULL && nb_route_attrs(h)->oif == 9);
	nb_route_release(h2);
	CHECK_EQ(freed(st), f0);
	nb_route_release(h);		/* the last release frees it */
	CHECK_EQ(freed(st), f0 + 1);

	/* A hold on a route whose delete is committed fails. */
	CHECK_EQ(nb_route_upsert(st, &r1), 0);
	nb_read_enter(st, &rd);
	{
		const struct nb_route *r = nb_route_lookup(&rd, AF_INET, a, 0);

		CHECK(r != NULL);
		CHECK_EQ(nb_route_delete(st, &r1), 0);
		CHECK(nb_route_hold(r) == NULL);
	}
	nb_read_exit(&rd);
	/* Released before phase 2: phase 2 frees it. */
	CHECK_EQ(nb_route_upsert(st, &r1), 0);
	nb_read_enter(st, &rd);
	h = nb_route_hold(nb_route_lookup(&rd, AF_INET, a, 0));
	nb_read_exit(&rd);
	CHECK(h != NULL);
	nb_route_release(h);
	CHECK_EQ(nb_route_delete(st, &r1), 0);
	CHECK_EQ(reclaimed(st), f0 + 3);
	nb_stack_destroy(&st);
}

/* A multipath route: its nexthops are copied into its block, kept by holders, replaced whole. */
static void
test_multipath(void)
{
	struct nb_stack *st = mkstack();
	struct nb_nexthop nh[3];
	struct nb_routeattrs r;
	const struct nb_routeattrs *ra, *old;
	struct nb_route *h;
	struct nb_read rd;
	uint8_t a[4] = { 10, 89, 1, 1 };
	uint64_t f0;

	memset(nh, 0, sizeof(nh));
	for (unsigned i = 0; i < 3; i++) {
		nh[i].oif = 2 + i;
		nh[i].has_gw = 1;
		nh[i].weight = (uint16_t)(1 + i);
		nh[i].gw[0] = 10;
		nh[i].gw[3] = (uint8_t)(2 + i);
	}
	mkroute(&r, AF_INET, "10.89.0.0", 16, 254, 0, "10.0.0.2", 2);
	r.nhops = 2;
	r.nh = nh;
	r.mtu = 1400;
	r.has_prefsrc = 1;
	r.prefsrc[0] = 10;
	r.prefsrc[3] = 1;
	CHECK_EQ(nb_route_upsert(st, &r), 0);
	nh[0].oif = 99;			/* the stack has its own copy */
	nb_read_enter(st, &rd);
	h = nb_route_hold(nb_route_lookup(&rd, AF_INET, a, 0));
	nb_read_exit(&rd);
	CHECK(h != NULL);
	ra = nb_route_attrs(h);
	CHECK(ra->nh != NULL && ra->nh != nh);
	CHECK_EQ(ra->nhops, 2);
	CHECK_EQ(ra->nh[0].oif, 2);
	CHECK_EQ(ra->nh[1].gw[3], 3);
	CHECK_EQ(ra->nh[1].weight, 2);
	CHECK_EQ(ra->mtu, 1400);
	CHECK_EQ(ra->prefsrc[3], 1);
	/* The same nexthops again: nothing written (the same block). */
	nh[0].oif = 2;
	f0 = freed(st);
	CHECK_EQ(nb_route_upsert(st, &r), 0);
	CHECK(nb_route_attrs(h) == ra);
	/* A third nexthop: a new block; the holder's old one stays readable. */
	old = ra;
	r.nhops = 3;
	CHECK_EQ(nb_route_upsert(st, &r), 0);
	nb_stack_barrier(st);
	ra = nb_route_attrs(h);
	CHECK(ra != old && ra->nhops == 3 && ra->nh[2].oif == 4);
	CHECK_EQ(old->nh[1].oif, 3);		/* ASan: not freed */
	/* Back to one path: no nexthops. */
	r.nhops = 1;
	r.nh = NULL;
	CHECK_EQ(nb_route_upsert(st, &r), 0);
	CHECK(nb_route_attrs(h)->nh == NULL && nb_route_attrs(h)->nhops == 1);
	/* Too many nexthops are refused; delete ignores nh. */
	r.nhops = NB_ROUTE_NH_MAX + 1;
	r.nh = nh;
	CHECK_EQ(nb_route_upsert(st, &r), -EINVAL);
	r.nhops = 1;
	r.nh = NULL;
	CHECK_EQ(nb_route_delete(st, &r), 0);
	nb_route_release(h);
	nb_stack_barrier(st);
	CHECK_EQ(freed(st), f0 + 1);
	/* A new route with nexthops, deleted unheld: freed with its block (ASan: no leak). */
	r.nhops = 2;
	r.nh = nh;
	CHECK_EQ(nb_route_upsert(st, &r), 0);
	CHECK_EQ(nb_route_delete(st, &r), 0);
	nb_stack_destroy(&st);
}

static int
addr_on_list_cb(const struct nb_addr *a, void *arg)
{
	(void)a;
	++*(int *)arg;
	return 0;
}

static void
test_addr_route(void)
{
	struct nb_stack *st = mkstack();
	struct nb_ifattrs ifa;
	struct nb_addrattrs a;
	struct nb_routeattrs lr, other;
	struct nb_read rd, old;
	const struct nb_route *r;
	int n;

	memset(&ifa, 0, sizeof(ifa));
	ifa.index = 3;
	strcpy(ifa.name, "sim3");
	CHECK_EQ(nb_if_upsert(st, &ifa, NULL), 0);
	memset(&a, 0, sizeof(a));
	a.ifindex = 3;
	a.family = AF_INET;
	a.prefixlen = 24;
	inet_pton(AF_INET, "10.3.0.1", a.addr);
	mkroute(&lr, AF_INET, "10.3.0.1", 32, 255, 0, NULL, 3);
	lr.type = 2;		/* RTN_LOCAL */

	nb_read_enter(st, &old);
	CHECK_EQ(nb_addr_add_route(st, &a, &lr), 0);
	CHECK_EQ(nb_addr_add_route(st, &a, &lr), -EEXIST);
	/* The older section sees neither; a new one sees all three. */
	CHECK(nb_addr_lookup(&old, AF_INET, a.addr) == NULL);
	CHECK(nb_route_lookup(&old, AF_INET, a.addr, 255) == NULL);
	nb_read_exit(&old);
	nb_read_enter(st, &rd);
	CHECK(nb_addr_lookup(&rd, AF_INET, a.addr) != NULL);
	n = 0;
	nb_iface_addr_walk(&rd, nb_if_lookup_index(&rd, 3), addr_on_list_cb, &n);
	CHECK_EQ(n, 1);
	r = nb_route_lookup(&rd, AF_INET, a.addr, 255);
	CHECK(r != NULL && nb_route_attrs(r)->type == 2 && nb_route_attrs(r)->oif == 3);
	nb_read_exit(&rd);
	/* Interface missing: nothing is published. */
	a.ifindex = 4;
	mkroute(&other, AF_INET, "10.4.0.1", 32, 255, 0, NULL, 4);
	CHECK_EQ(nb_addr_add_route(st, &a, &other), -ENOENT);
	a.ifindex = 3;
	CHECK_EQ(nb_addr_del_route(st, &a, &other), -ENOENT);

	nb_read_enter(st, &old);
	CHECK_EQ(nb_addr_del_route(st, &a, &lr), 0);
	CHECK_EQ(nb_addr_del_route(st, &a, &lr), -ENOENT);
	CHECK(nb_addr_lookup(&old, AF_INET, a.addr) != NULL);
	CHECK(nb_route_lookup(&old, AF_INET, a.addr, 255) != NULL);
	nb_read_exit(&old);
	nb_read_enter(st, &rd);
	CHECK(nb_addr_lookup(&rd, AF_INET, a.addr) == NULL);
	CHECK(nb_route_lookup(&rd, AF_INET, a.addr, 255) == NULL);
	CHECK_EQ(nb_route_count(&rd), 0);
	nb_read_exit(&rd);
	nb_stack_destroy(&st);
}

int
main(void)
{
	test_publish_identity();
	test_snapshot_retire();
	test_neigh();
	test_hashstat();
	test_concurrent();
	test_lookup();
	test_hold();
	test_multipath();
	test_addr_route();
	printf("test_route: %d checks, %d failures\n", checks, failures);
	return failures != 0;
}
