/* SPDX-License-Identifier: BSD-2-Clause */
/* test_stack.c - libstack core: objects, snapshots, retirement, counters, registries. */
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
#include "stack-internal.h"	/* nb_defer and rc.lock: the barrier race */
#include "ifaddr.h"		/* nb_ifname_pad */

#include "check.h"

static struct nb_stack *
mkstack(unsigned nslots)
{
	struct nb_stack_config cfg = { .nslots = nslots };
	struct nb_stack *st = NULL;

	if (nb_stack_create(&cfg, &st) != 0) {
		fprintf(stderr, "nb_stack_create failed\n");
		exit(1);
	}
	return st;
}

static void
mkattrs(struct nb_ifattrs *a, uint32_t index, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->index = index;
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->mtu = 1500;
	a->type = 1;
	a->lladdr_len = 6;
	a->lladdr[5] = (uint8_t)index;
}

static void
mkaddr4(struct nb_addrattrs *a, uint32_t ifindex, const char *s, uint8_t plen)
{
	memset(a, 0, sizeof(*a));
	a->ifindex = ifindex;
	a->family = AF_INET;
	a->prefixlen = plen;
	if (inet_pton(AF_INET, s, a->addr) != 1)
		abort();
	a->valid_lft = a->preferred_lft = UINT32_MAX;
}

static void
mkaddr6(struct nb_addrattrs *a, uint32_t ifindex, const char *s, uint8_t plen)
{
	memset(a, 0, sizeof(*a));
	a->ifindex = ifindex;
	a->family = AF_INET6;
	a->prefixlen = plen;
	if (inet_pton(AF_INET6, s, a->addr) != 1)
		abort();
}

static uint64_t
freed(struct nb_stack *st)
{
	return nb_ctrgroup_sum(nb_stack_health(st), NB_HEALTH_OBJECTS_FREED);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- collectors ---- */

struct names {
	char	name[64][NB_IFNAMSIZ];
	int	n;
};

static int
collect_if(const struct nb_iface *ifp, void *arg)
{
	struct names *nm = arg;

	if (nm->n < 64)
		snprintf(nm->name[nm->n], NB_IFNAMSIZ, "%s", nb_iface_attrs(ifp)->name);
	nm->n++;
	return 0;
}

struct addrs {
	const struct nb_addr *a[64];
	int n;
};

static int
collect_addr(const struct nb_addr *a, void *arg)
{
	struct addrs *x = arg;

	if (x->n < 64)
		x->a[x->n] = a;
	x->n++;
	return 0;
}

static int
stop_at_two(const struct nb_iface *ifp, void *arg)
{
	int *n = arg;

	(void)ifp;
	return ++*n == 2 ? 42 : 0;
}

/* ---- tests ---- */

static void
test_lifecycle(void)
{
	struct nb_stack *st = NULL;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	CHECK_EQ(nb_stack_create(NULL, &st), 0);
	CHECK(st != NULL);
	CHECK_EQ(nb_stack_nslots(st), (unsigned)ncpu + 1);
	CHECK_EQ(nb_stack_ifstat_mask(st), 0xfff);
	nb_stack_destroy(&st);
	CHECK(st == NULL);
	nb_stack_destroy(&st);	/* NULL is fine */

	st = mkstack(7);
	CHECK_EQ(nb_stack_nslots(st), 7);
	nb_stack_destroy(&st);
}

static void
test_ctrgroup(void)
{
	struct nb_ctrgroup *g = NULL;
	uint64_t *s, vec[8], all[5], total = 0;
	unsigned i;

	CHECK_EQ(nb_ctrgroup_create(0, 4, &g), -EINVAL);
	CHECK_EQ(nb_ctrgroup_create(5, 0, &g), -EINVAL);
	CHECK_EQ(nb_ctrgroup_create(5, 4, &g), 0);
	CHECK_EQ(nb_ctrgroup_nctrs(g), 5);
	CHECK_EQ(nb_ctrgroup_nslots(g), 4);
	for (i = 0; i < 4; i++) {
		s = nb_ctrgroup_slot(g, i);
		CHECK(s != NULL);
		CHECK_EQ((uintptr_t)s % NB_CACHELINE, 0);
		if (i > 0)	/* padded: 5 counters use one whole line */
			CHECK_EQ((char *)s - (char *)nb_ctrgroup_slot(g, i - 1), 64);
		nb_ctr_add(s, 2, 10 * (i + 1));
		nb_ctr_add(s, 2, 1);
		nb_ctr_store(s, 4, 7);
	}
	CHECK(nb_ctrgroup_slot(g, 4) == NULL);
	CHECK_EQ(nb_ctrgroup_sum(g, 2), 10 + 20 + 30 + 40 + 4);
	CHECK_EQ(nb_ctrgroup_sum(g, 4), 28);
	CHECK_EQ(nb_ctrgroup_sum(g, 0), 0);
	nb_ctrgroup_sum_all(g, all);
	CHECK_EQ(all[2], 104);
	CHECK_EQ(all[4], 28);
	CHECK_EQ(all[1], 0);
	memset(vec, 0xff, sizeof(vec));
	CHECK_EQ(nb_ctrgroup_percpu(g, 2, vec, 8, &total), 4);
	CHECK_EQ(vec[0], 11);
	CHECK_EQ(vec[3], 41);
	CHECK_EQ(vec[0] + vec[1] + vec[2] + vec[3], total);
	CHECK_EQ(total, 104);
	CHECK_EQ(vec[4], (long long)UINT64_MAX);	/* untouched beyond nslots */
	/* n smaller than nslots: fills n, total still covers all */
	memset(vec, 0, sizeof(vec));
	CHECK_EQ(nb_ctrgroup_percpu(g, 2, vec, 2, &total), 4);
	CHECK_EQ(vec[1], 21);
	CHECK_EQ(vec[2], 0);
	CHECK_EQ(total, 104);
	CHECK_EQ(nb_ctrgroup_percpu(g, 5, vec, 8, &total), -EINVAL);
	nb_ctrgroup_destroy(&g);
	CHECK(g == NULL);

	/* 9 counters span two lines per slot */
	CHECK_EQ(nb_ctrgroup_create(9, 3, &g), 0);
	CHECK_EQ((char *)nb_ctrgroup_slot(g, 1) - (char *)nb_ctrgroup_slot(g, 0), 128);
	nb_ctrgroup_destroy(&g);
}

/* xorshift: the tests' reproducible pseudo-random numbers. */
static uint64_t
xrand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * The sums read only the slots ever handed out (nb_ctrgroup_mark): against
 * a plain sum over every slot (nb_ctrgroup_percpu reads them all), for
 * groups of many shapes whose slots are handed out in random order, and
 * for an interface's embedded group (nb_iface_stats, its counters summed
 * unrolled).
 */
static void
test_ctrgroup_used(void)
{
	struct nb_ctrgroup *g;
	uint64_t x = 0x9e3779b97f4a7c15ull, all[24], want[24], total;
	unsigned nctrs, nslots, step, s, i, bad;

	for (nctrs = 1; nctrs <= 20; nctrs++)
		for (nslots = 1; nslots <= 9; nslots++) {
			g = NULL;
			CHECK_EQ(nb_ctrgroup_create(nctrs, nslots, &g), 0);
			for (step = 0, bad = 0; step < 3 * nslots; step++) {
				s = (unsigned)(xrand(&x) % nslots);
				i = (unsigned)(xrand(&x) % nctrs);
				if (step % 3 != 2)
					nb_ctr_add(nb_ctrgroup_slot(g, s), i, xrand(&x) >> 8);
				else
					(void)nb_ctrgroup_slot(g, s);	/* handed out, not written */
				nb_ctrgroup_sum_all(g, all);
				for (i = 0; i < nctrs; i++) {
					CHECK_EQ(nb_ctrgroup_percpu(g, i, NULL, 0, &total), (int)nslots);
					want[i] = total;
					if (all[i] != want[i] || nb_ctrgroup_sum(g, i) != want[i])
						bad++;
				}
			}
			CHECK(bad == 0, "%u counters, %u slots: %u sums differ", nctrs, nslots, bad);
			nb_ctrgroup_destroy(&g);
		}

	/* Interfaces: slot 0 alone (a cold read), then others, any order. */
	{
		struct nb_stack *st = mkstack(6);
		uint64_t v[NB_IFSTAT_MAX], got[NB_IFSTAT_MAX];
		const struct nb_iface *ifp;
		struct nb_ifattrs a;
		struct nb_read rd;
		unsigned k;

		for (k = 1; k <= 40; k++) {
			char name[16];

			snprintf(name, sizeof(name), "u%u", k);
			mkattrs(&a, k, name);
			CHECK_EQ(nb_if_upsert(st, &a, NULL), 0);
		}
		nb_read_enter(st, &rd);
		for (k = 1, bad = 0; k <= 40; k++) {
			ifp = nb_if_lookup_index(&rd, k);
			nb_iface_stats(ifp, got);
			for (i = 0; i < NB_IFSTAT_MAX; i++)
				bad += got[i] != 0;
		}
		nb_read_exit(&rd);
		CHECK_EQ(bad, 0);
		for (step = 0, bad = 0; step < 400; step++) {
			k = 1 + (unsigned)(xrand(&x) % 40);
			s = (unsigned)(xrand(&x) % (step < 100 ? 1 : 6));
			nb_read_enter(st, &rd);
			ifp = nb_if_lookup_index(&rd, k);
			if (s == NB_SLOT_SOURCE) {
				for (i = 0; i < NB_IFSTAT_MAX; i++)
					v[i] = xrand(&x) >> 4;
				nb_read_exit(&rd);
				CHECK_EQ(nb_if_stats_store(st, k, NB_SLOT_SOURCE, v), 0);
				nb_read_enter(st, &rd);
				ifp = nb_if_lookup_index(&rd, k);
			} else
				nb_ctr_add(nb_iface_stats_slot(ifp, s),
				    (unsigned)(xrand(&x) % NB_IFSTAT_MAX), xrand(&x) >> 8);
			nb_iface_stats(ifp, got);
			for (i = 0; i < NB_IFSTAT_MAX; i++) {
				nb_ctrgroup_percpu(nb_iface_ctrs(ifp), i, NULL, 0, &total);
				bad += got[i] != total;
			}
			nb_read_exit(&rd);
		}
		CHECK_EQ(bad, 0);
		nb_stack_destroy(&st);
	}
}

/*
 * A slot handed out for the first time while a reader sums (TSan: no
 * race; the sums never go down, each slot's writer only adds).
 */
struct used_race {
	struct nb_ctrgroup *g;
	unsigned	 nslots;
	_Atomic int	 done;
};

static void *
used_race_writer(void *arg)
{
	struct used_race *r = arg;
	unsigned s, k;

	for (s = 1; s < r->nslots; s++)
		for (k = 0; k < 2000; k++)
			nb_ctr_add(nb_ctrgroup_slot(r->g, s), s % 3, 1);
	r->done = 1;
	return NULL;
}

static void
test_ctrgroup_used_race(void)
{
	struct used_race r = { .nslots = 8 };
	uint64_t all[3], last[3] = { 0 };
	pthread_t t;
	unsigned i, bad = 0;
	int stop;

	CHECK_EQ(nb_ctrgroup_create(3, r.nslots, &r.g), 0);
	nb_ctr_store(nb_ctrgroup_slot(r.g, 0), 0, 5);
	CHECK_EQ(pthread_create(&t, NULL, used_race_writer, &r), 0);
	do {
		stop = r.done;
		nb_ctrgroup_sum_all(r.g, all);
		for (i = 0; i < 3; i++) {
			bad += all[i] < last[i];
			last[i] = all[i];
		}
	} while (!stop);
	pthread_join(t, NULL);
	CHECK_EQ(bad, 0);
	nb_ctrgroup_sum_all(r.g, all);
	CHECK_EQ(all[0], 5 + 2000 * 2);		/* slots 3 and 6 */
	CHECK_EQ(all[1], 2000 * 3);		/* 1, 4, 7 */
	CHECK_EQ(all[2], 2000 * 2);		/* 2, 5 */
	nb_ctrgroup_destroy(&r.g);
}

static void
test_slots(void)
{
	struct nb_stack *st = mkstack(4);
	unsigned a = 99, b = 99, c = 99, d = 99;

	CHECK_EQ(nb_slot_acquire(st, &a), 0);
	CHECK_EQ(nb_slot_acquire(st, &b), 0);
	CHECK_EQ(nb_slot_acquire(st, &c), 0);
	CHECK(a >= 1 && b >= 1 && c >= 1);
	CHECK(a != b && b != c && a != c);
	CHECK(a < 4 && b < 4 && c < 4);
	CHECK_EQ(nb_slot_acquire(st, &d), -EBUSY);
	nb_slot_release(st, b);
	CHECK_EQ(nb_slot_acquire(st, &d), 0);
	CHECK_EQ(d, b);
	nb_slot_release(st, NB_SLOT_SOURCE);	/* never handed out, never freed */
	CHECK_EQ(nb_slot_acquire(st, &d), -EBUSY);
	nb_stack_destroy(&st);
}

static void
test_ifstat_desc_mask(void)
{
	static const char *const names[NB_IFSTAT_MAX] = {
		"ipackets", "ierrors", "iqdrops", "ibytes", "imcasts", "opackets",
		"oerrors", "oqdrops", "obytes", "omcasts", "collisions", "noproto",
	};
	struct nb_stack *st = mkstack(2);
	int i;

	for (i = 0; i < NB_IFSTAT_MAX; i++) {
		CHECK(strcmp(nb_ifstat_desc[i].name, names[i]) == 0);
		CHECK(nb_ifstat_desc[i].descr != NULL && strlen(nb_ifstat_desc[i].descr) > 5);
		CHECK_EQ(nb_ifstat_desc[i].kind, NB_CTR_COUNTER);
	}
	CHECK_EQ(nb_stack_ifstat_mask(st), (1u << NB_IFSTAT_MAX) - 1);
	nb_stack_set_ifstat_mask(st, 0xffffffffu & ~(1u << NB_IFSTAT_OMCASTS));
	CHECK_EQ(nb_stack_ifstat_mask(st), 0xfff & ~(1u << NB_IFSTAT_OMCASTS));
	nb_stack_destroy(&st);
}

/*
 * nb_hash_key_zpad is nb_hash_key of the zero-padded key, nb_hash_key4 that
 * of a 4-byte key; the bulk writers stop at a failure.
 */
static void
test_hash_bulk(void)
{
	struct nb_stack *st = mkstack(3);
	struct nb_ifattrs a[4];
	struct nb_ifstats_rec r[3];
	uint8_t key[NB_HKEY_MAX];
	const struct nb_iface *ifp;
	struct nb_read rd;
	uint64_t v[NB_IFSTAT_MAX];
	unsigned used, len;
	size_t done = 99;

	for (len = 1; len <= NB_HKEY_MAX; len++)
		for (used = 0; used <= len; used++) {
			memset(key, 0, sizeof(key));
			memset(key, 0xa5 ^ (int)used, used);
			CHECK_EQ(nb_hash_key_zpad(key, used, len), nb_hash_key(key, len));
		}
	for (len = 0; len <= 40; len++) {		/* nb_fnv is the byte loop */
		uint8_t b[40];
		uint64_t want = 0xcbf29ce484222325ull;

		for (used = 0; used < len; used++) {
			b[used] = (uint8_t)(used * 37 + len);
			want = (want ^ b[used]) * 0x100000001b3ull;
		}
		CHECK(nb_fnv(0xcbf29ce484222325ull, b, len) == want, "len %u", len);
		if (len >= 1 && len <= NB_HKEY_MAX)
			CHECK_EQ(nb_hash_key(b, len), nb_hash_fin(want));
	}
	for (len = 0; len < 100000; len++) {		/* the inline index hash */
		uint32_t k32 = len * 2654435761u;

		CHECK_EQ(nb_hash_key4(&k32), nb_hash_key(&k32, sizeof(k32)));
	}
	mkattrs(&a[0], 1, "lo");
	mkattrs(&a[1], 2, "eth0");
	mkattrs(&a[2], 3, "eth0");		/* the name is taken */
	mkattrs(&a[3], 4, "eth1");
	CHECK_EQ(nb_if_upsert_many(st, a, 4, &done), -EEXIST);
	CHECK_EQ(done, 2);
	CHECK_EQ(nb_if_upsert_many(st, &a[3], 1, &done), 0);
	CHECK_EQ(done, 1);
	memset(r, 0, sizeof(r));
	r[0].index = 4;
	r[0].v[NB_IFSTAT_IBYTES] = 7;
	r[1].index = 3;				/* not there */
	r[2].index = 1;
	CHECK_EQ(nb_if_stats_store_many(st, NB_SLOT_SOURCE, r, 3, &done), -ENOENT);
	CHECK_EQ(done, 1);
	CHECK_EQ(nb_if_stats_store_many(st, NB_SLOT_SOURCE, &r[2], 1, &done), 0);
	CHECK_EQ(done, 1);
	nb_read_enter(st, &rd);
	CHECK((ifp = nb_if_lookup_index(&rd, 4)) != NULL);
	nb_iface_stats(ifp, v);
	CHECK_EQ(v[NB_IFSTAT_IBYTES], 7);
	CHECK(nb_if_lookup_index(&rd, 3) == NULL);
	CHECK(nb_if_lookup_name(&rd, "eth0") == nb_if_lookup_index(&rd, 2));
	nb_read_exit(&rd);
	nb_stack_destroy(&st);
}

/* A byte that tests a word-at-a-time zero search: borrows, high bits, zeros. */
static uint8_t
pad_byte(unsigned *seed)
{
	static const uint8_t edge[] = { 0, 0, 1, 0x7f, 0x80, 0x81, 0xfe, 0xff, 'a', '0' };
	unsigned r = (unsigned)rand_r(seed);

	return (r & 1) != 0 ? edge[(r >> 1) % sizeof(edge)] : (uint8_t)(r >> 8);
}

/* What upsert stores for a: the old byte-loop normalisation. */
static void
ref_norm(struct nb_ifattrs *n, const struct nb_ifattrs *a)
{
	size_t i;

	memset(n, 0, sizeof(*n));
	for (i = 0; i < NB_IFNAMSIZ && a->name[i] != '\0'; i++)
		n->name[i] = a->name[i];
	n->index = a->index;
	for (i = 0; i < NB_KIND_MAX - 1 && a->kind[i] != '\0'; i++)
		n->kind[i] = a->kind[i];
	n->type = a->type;
	n->flags = a->flags;
	n->mtu = a->mtu;
	n->master = a->master;
	n->txqlen = a->txqlen;
	n->link = a->link;
	n->operstate = a->operstate;
	n->lladdr_len = a->lladdr_len <= NB_LLADDR_MAX ? a->lladdr_len : NB_LLADDR_MAX;
	memcpy(n->lladdr, a->lladdr, n->lladdr_len);
	n->brd_len = a->brd_len <= NB_LLADDR_MAX ? a->brd_len : NB_LLADDR_MAX;
	memcpy(n->brd, a->brd, n->brd_len);
	n->unknown = a->unknown;
}

/* Random attributes of interface `index`, with stray bytes everywhere. */
static void
rand_attrs(struct nb_ifattrs *a, uint32_t index, unsigned *seed)
{
	size_t i, len;

	for (i = 0; i < sizeof(*a); i++)
		((uint8_t *)a)[i] = pad_byte(seed);
	a->index = index;
	len = (size_t)snprintf(a->name, sizeof(a->name), "r%u", index);
	len += (size_t)rand_r(seed) % (NB_IFNAMSIZ - len);	/* 1..15 */
	for (i = strlen(a->name); i < len; i++)
		a->name[i] = (char)('a' + rand_r(seed) % 26);
	a->name[len] = '\0';
	if ((len = (size_t)rand_r(seed) % (NB_KIND_MAX + 2)) < NB_KIND_MAX)
		a->kind[len] = '\0';		/* else: no NUL at all */
	for (i = 0; i < len && i < NB_KIND_MAX; i++)
		if (a->kind[i] == '\0')
			a->kind[i] = 'k';
	a->lladdr_len = (uint8_t)(rand_r(seed) % (NB_LLADDR_MAX + 8));
	a->brd_len = (uint8_t)(rand_r(seed) % (NB_LLADDR_MAX + 8));
}

/*
 * nb_ifname_pad is the byte loop (length to the first NUL, zeros after it)
 * for every position of the first NUL and any bytes around it; upsert
 * stores what the byte-loop normalisation made, new (normalised into the
 * object) or updated, and finds the interface by its padded name.
 */
static void
test_ifname_pad(void)
{
	struct nb_stack *st = mkstack(2);
	struct nb_ifattrs a[64], n, m;
	const struct nb_iface *ifp;
	const struct nb_ifattrs *got;
	char s[NB_IFNAMSIZ], key[NB_IFNAMSIZ], want[NB_IFNAMSIZ];
	unsigned seed = 14, round, i;
	size_t k, wantlen, done;
	struct nb_read rd;
	uint64_t gen;

	for (round = 0; round < 200000; round++) {
		for (k = 0; k < NB_IFNAMSIZ; k++)
			s[k] = (char)pad_byte(&seed);
		memset(key, 0x5a, sizeof(key));
		memset(want, 0, sizeof(want));
		for (wantlen = 0; wantlen < NB_IFNAMSIZ && s[wantlen] != '\0'; wantlen++)
			want[wantlen] = s[wantlen];
		if (wantlen == NB_IFNAMSIZ)
			memcpy(want, s, sizeof(want));
		k = nb_ifname_pad(s, key);
		CHECK_EQ(k, wantlen);
		CHECK(memcmp(key, want, sizeof(key)) == 0, "round %u", round);
	}
	for (round = 0; round < 40; round++) {
		for (i = 0; i < 64; i++)
			rand_attrs(&a[i], round * 64 + i + 1, &seed);
		CHECK_EQ(nb_if_upsert_many(st, a, 64, &done), 0);
		CHECK_EQ(done, 64);
		nb_read_enter(st, &rd);
		for (i = 0; i < 64; i++) {
			ref_norm(&n, &a[i]);
			CHECK((ifp = nb_if_lookup_index(&rd, a[i].index)) != NULL);
			if (ifp == NULL)
				continue;
			got = nb_iface_attrs(ifp);
			CHECK(memcmp(got, &n, sizeof(n)) == 0, "index %u", a[i].index);
			CHECK(nb_if_lookup_name(&rd, n.name) == ifp);
		}
		nb_read_exit(&rd);
		/* the same attributes with other stray bytes: no change; then a change */
		for (i = 0; i < 64; i += 7) {
			ref_norm(&n, &a[i]);
			rand_attrs(&m, a[i].index, &seed);
			memcpy(m.name, n.name, sizeof(m.name));	/* then a stray byte */
			if (strlen(n.name) + 1 < NB_IFNAMSIZ)
				m.name[strlen(n.name) + 1] = 'z';
			m.type = n.type;
			m.flags = n.flags;
			m.mtu = n.mtu;
			m.master = n.master;
			m.txqlen = n.txqlen;
			m.link = n.link;
			m.operstate = n.operstate;
			m.unknown = n.unknown;
			memcpy(m.kind, n.kind, sizeof(m.kind));
			if (strlen(n.kind) + 1 < NB_KIND_MAX)
				m.kind[strlen(n.kind) + 1] = 'y';
			m.lladdr_len = n.lladdr_len;
			memcpy(m.lladdr, n.lladdr, n.lladdr_len);
			m.brd_len = n.brd_len;
			memcpy(m.brd, n.brd, n.brd_len);
			nb_read_enter(st, &rd);
			got = nb_iface_attrs(nb_if_lookup_index(&rd, m.index));
			nb_read_exit(&rd);
			CHECK_EQ(nb_if_upsert(st, &m, &gen), 0);
			nb_read_enter(st, &rd);
			CHECK(nb_iface_attrs(nb_if_lookup_index(&rd, m.index)) == got);
			ref_norm(&n, &m);
			CHECK(memcmp(got, &n, sizeof(n)) == 0, "index %u", m.index);
			nb_read_exit(&rd);
			m.mtu++;
			ref_norm(&n, &m);
			CHECK_EQ(nb_if_upsert(st, &m, &gen), 0);
			nb_read_enter(st, &rd);
			got = nb_iface_attrs(nb_if_lookup_index(&rd, m.index));
			CHECK(memcmp(got, &n, sizeof(n)) == 0, "index %u", m.index);
			nb_read_exit(&rd);
		}
	}
	/* an address's label: to its NUL, at most NB_IFNAMSIZ - 1 bytes, zeros after */
	for (round = 0; round < 2000; round++) {
		struct nb_addrattrs aa;
		const struct nb_addr *ad;

		mkaddr4(&aa, 1, "10.6.0.0", 16);
		aa.addr[2] = (uint8_t)(round >> 8);
		aa.addr[3] = (uint8_t)round;
		for (k = 0; k < NB_IFNAMSIZ; k++)
			aa.label[k] = (char)pad_byte(&seed);
		memset(want, 0, sizeof(want));
		for (k = 0; k < NB_IFNAMSIZ - 1 && aa.label[k] != '\0'; k++)
			want[k] = aa.label[k];
		CHECK_EQ(nb_addr_add(st, &aa), 0);
		nb_read_enter(st, &rd);
		CHECK((ad = nb_addr_lookup(&rd, AF_INET, aa.addr)) != NULL);
		if (ad != NULL)
			CHECK(memcmp(nb_addr_attrs(ad)->label, want, sizeof(want)) == 0,
			    "round %u", round);
		nb_read_exit(&rd);
	}
	/* invalid names: empty, no NUL */
	mkattrs(&n, 99999, "x");
	n.name[0] = '\0';
	CHECK_EQ(nb_if_upsert(st, &n, NULL), -EINVAL);
	memset(n.name, 'q', sizeof(n.name));
	CHECK_EQ(nb_if_upsert(st, &n, NULL), -EINVAL);
	nb_stack_destroy(&st);
}

/* Linked entries of t outside a slab, counted along the chains. */
static size_t
heap_entries(const struct nb_htab *t)
{
	const struct nb_hent *e;
	size_t i, n = 0;

	for (i = 0; i <= t->cur->mask; i++)
		for (e = t->cur->b[i]; e != NULL; e = e->next)
			n += !e->slab;
	return n;
}

/*
 * A bulk load into reserved room leaves every object and entry in the
 * slabs: destroy frees them whole (if_heap unset, nheap 0). Each way an
 * interface or address comes to own memory of its own sets if_heap, and
 * nheap follows the entries outside the slabs; destroy then visits the
 * objects (LSan, in the asan build, sees any block left behind).
 */
static void
test_fini_slabs(void)
{
	struct nb_ifattrs a[100];
	struct nb_addrattrs aa[100];
	struct nb_mcastattrs m;
	struct nb_stack *st;
	char name[NB_IFNAMSIZ];
	size_t done;
	uint32_t i;
	int how;

	for (how = 0; how <= 8; how++) {
		st = mkstack(2);
		if (how != 7)
			nb_stack_reserve(st, 100, 100);
		for (i = 0; i < 100; i++) {
			snprintf(name, sizeof(name), "s%u", i + 1);
			mkattrs(&a[i], i + 1, name);
			mkaddr4(&aa[i], i + 1, "10.7.0.0", 24);
			aa[i].addr[3] = (uint8_t)(i + 1);
		}
		CHECK_EQ(nb_if_upsert_many(st, a, 100, &done), 0);
		CHECK_EQ(nb_addr_add_many(st, aa, 100, &done), 0);
		switch (how) {
		case 1:			/* an interface past the reserve */
			mkattrs(&a[0], 101, "s101");
			CHECK_EQ(nb_if_upsert(st, &a[0], NULL), 0);
			break;
		case 2:			/* a replaced attribute block */
			a[5].mtu = 9000;
			CHECK_EQ(nb_if_upsert(st, &a[5], NULL), 0);
			break;
		case 3:			/* a multicast list */
			memset(&m, 0, sizeof(m));
			m.family = AF_INET;
			m.addr_len = 4;
			m.users = 1;
			m.addr[0] = 224;
			m.addr[3] = 1;
			CHECK_EQ(nb_mcast_set(st, 7, AF_INET, &m, 1), 0);
			break;
		case 4:			/* an address past the reserve */
			mkaddr4(&aa[0], 9, "10.8.0.1", 24);
			CHECK_EQ(nb_addr_add(st, &aa[0]), 0);
			break;
		case 5:			/* an address's replaced attribute block */
			aa[9].scope = 253;
			CHECK_EQ(nb_addr_add(st, &aa[9]), 0);
			break;
		case 6:			/* deletes: entries leave, the slabs stay */
			CHECK_EQ(nb_if_delete(st, 3, NULL), 0);
			CHECK_EQ(nb_addr_del(st, &aa[20]), 0);
			nb_stack_barrier(st);
			break;
		case 8:			/* a rename: a new name entry past the reserve */
			snprintf(a[3].name, sizeof(a[3].name), "s4x");
			CHECK_EQ(nb_if_upsert(st, &a[3], NULL), 0);
			nb_stack_barrier(st);
			CHECK_EQ(st->if_byname.nheap, 1);
			break;
		default:		/* 0: nothing more; 7: no reserve at all */
			break;
		}
		CHECK_EQ(NB_LOAD_RELAXED(&st->if_heap), how != 0 && how != 6);
		CHECK_EQ(st->if_byindex.nheap, heap_entries(&st->if_byindex));
		CHECK_EQ(st->if_byname.nheap, heap_entries(&st->if_byname));
		CHECK_EQ(st->addr_hash.nheap, heap_entries(&st->addr_hash));
		if (how == 0 || how == 6)
			CHECK_EQ(st->if_byindex.nheap + st->if_byname.nheap + st->addr_hash.nheap, 0);
		if (how == 7)
			CHECK_EQ(st->if_byindex.nheap, st->if_byindex.nent);
		nb_stack_destroy(&st);
	}
}

struct addr_seq {
	const struct nb_addr *v[64];
	size_t	n;
	size_t	stop;			/* cb returns -EINTR at this one (0: never) */
	const struct nb_read *rd;
};

static int
addr_seq_cb(const struct nb_addr *a, void *arg)
{
	struct addr_seq *q = arg;

	if (q->n < 64)
		q->v[q->n] = a;
	if (++q->n == q->stop)
		return -EINTR;
	return 0;
}

static int
addr_seq_if(const struct nb_iface *ifp, void *arg)
{
	struct addr_seq *q = arg;

	return nb_iface_addr_walk(q->rd, ifp, addr_seq_cb, q);
}

/* nb_addr_walk gives what nb_if_walk with nb_iface_addr_walk gives, and stops alike. */
static void
test_addr_walk(void)
{
	struct nb_stack *st = mkstack(2);
	struct addr_seq x, y;
	struct nb_ifattrs a;
	struct nb_addrattrs aa;
	struct nb_read rd;
	char name[NB_IFNAMSIZ];
	uint32_t i, j;

	for (i = 1; i <= 8; i++) {
		snprintf(name, sizeof(name), "w%u", i);
		mkattrs(&a, i, name);
		CHECK_EQ(nb_if_upsert(st, &a, NULL), 0);
		for (j = 0; j < i % 4; j++) {		/* 0..3 addresses each */
			mkaddr4(&aa, i, "10.5.0.0", 24);
			aa.addr[2] = (uint8_t)i;
			aa.addr[3] = (uint8_t)j;
			CHECK_EQ(nb_addr_add(st, &aa), 0);
		}
	}
	CHECK_EQ(nb_if_delete(st, 3, NULL), 0);		/* with its three */
	mkaddr4(&aa, 6, "10.5.6.1", 24);
	CHECK_EQ(nb_addr_del(st, &aa), 0);
	nb_read_enter(st, &rd);
	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	x.rd = y.rd = &rd;
	CHECK_EQ(nb_addr_walk(&rd, addr_seq_cb, &x), 0);
	CHECK_EQ(nb_if_walk(&rd, addr_seq_if, &y), 0);
	CHECK_EQ(x.n, 8);			/* 1+2+0(3)+0+1+1(6)+3+0 */
	CHECK_EQ(x.n, y.n);
	CHECK(memcmp(x.v, y.v, x.n * sizeof(x.v[0])) == 0);
	memset(&x, 0, sizeof(x));
	x.stop = 4;
	CHECK_EQ(nb_addr_walk(&rd, addr_seq_cb, &x), -EINTR);
	CHECK_EQ(x.n, 4);
	nb_read_exit(&rd);
	nb_stack_destroy(&st);
}

static void
test_upsert(void)
{
	struct nb_stack *st = mkstack(3);
	const struct nb_iface *ifp;
	struct nb_ifattrs a;
	struct nb_read rd;
	struct names nm = { 0 };
	uint64_t g1 = 0, g2 = 0, g3 = 0, gx = 0;
	int n = 0;

	mkattrs(&a, 0, "bad");
	CHECK_EQ(nb_if_upsert(st, &a, NULL), -EINVAL);
	mkattrs(&a, 5, "");
	CHECK_EQ(nb_if_upsert(st, &a, NULL), -EINVAL);
	memset(a.name, 'x', sizeof(a.name));	/* not NUL-terminated */
	CHECK_EQ(nb_if_upsert(st, &a, NULL), -EINVAL);

	mkattrs(&a, 1, "lo");
	CHECK_EQ(nb_if_upsert(st, &a, &g1), 0);
	mkattrs(&a, 2, "eth0");
	CHECK_EQ(nb_if_upsert(st, &a, &g2), 0);
	mkattrs(&a, 3, "eth1");
	CHECK_EQ(nb_if_upsert(st, &a, &g3), 0);
	CHECK(g1 > 0 && g2 > g1 && g3 > g2);

	/* a different index may not take an existing name */
	mkattrs(&a, 9, "eth0");
	CHECK_EQ(nb_if_upsert(st, &a, NULL), -EEXIST);

	/* update keeps the generation */
	mkattrs(&a, 2, "eth0");
	a.mtu = 9000;
	CHECK_EQ(nb_if_upsert(st, &a, &gx), 0);
	CHECK_EQ(gx, g2);
	/* rename keeps the generation and the object */
	mkattrs(&a, 2, "wan0");
	a.mtu = 9000;
	CHECK_EQ(nb_if_upsert(st, &a, &gx), 0);
	CHECK_EQ(gx, g2);
	/* renaming onto a taken name fails and changes nothing */
	mkattrs(&a, 3, "lo");
	CHECK_EQ(nb_if_upsert(st, &a, NULL), -EEXIST);

	nb_read_enter(st, &rd);
	CHECK_EQ(nb_if_count(&rd), 3);
	ifp = nb_if_lookup_index(&rd, 2);
	CHECK(ifp != NULL);
	if (ifp != NULL) {
		CHECK(strcmp(nb_iface_attrs(ifp)->name, "wan0") == 0);
		CHECK_EQ(nb_iface_attrs(ifp)->mtu, 9000);
		CHECK_EQ(nb_iface_attrs(ifp)->lladdr_len, 6);
		CHECK_EQ(nb_iface_gen(ifp), g2);
		CHECK(nb_if_lookup_name(&rd, "wan0") == ifp);
	}
	CHECK(nb_if_lookup_name(&rd, "eth0") == NULL);
	CHECK(nb_if_lookup_name(&rd, "eth1") == nb_if_lookup_index(&rd, 3));
	CHECK(nb_if_lookup_name(&rd, "nosuchname") == NULL);
	CHECK(nb_if_lookup_name(&rd, "waytoolongnameforaninterface") == NULL);
	CHECK(nb_if_lookup_index(&rd, 77) == NULL);
	nb_if_walk(&rd, collect_if, &nm);
	CHECK_EQ(nm.n, 3);
	CHECK(strcmp(nm.name[0], "lo") == 0);	/* creation order */
	CHECK(strcmp(nm.name[1], "wan0") == 0);
	CHECK(strcmp(nm.name[2], "eth1") == 0);
	CHECK_EQ(nb_if_walk(&rd, stop_at_two, &n), 42);
	CHECK_EQ(n, 2);
	nb_read_exit(&rd);

	/* delete + recreate under the same name and index: new generation */
	CHECK_EQ(nb_if_delete(st, 3, NULL), 0);
	CHECK_EQ(nb_if_delete(st, 3, NULL), -ENOENT);
	mkattrs(&a, 3, "eth1");
	CHECK_EQ(nb_if_upsert(st, &a, &gx), 0);
	CHECK(gx > g3);
	nb_read_enter(st, &rd);
	CHECK(nb_if_lookup_name(&rd, "eth1") != NULL);
	CHECK_EQ(nb_iface_gen(nb_if_lookup_name(&rd, "eth1")), gx);
	CHECK_EQ(nb_if_count(&rd), 3);
	nm.n = 0;
	nb_if_walk(&rd, collect_if, &nm);
	CHECK(strcmp(nm.name[2], "eth1") == 0);
	nb_read_exit(&rd);

	/* the renamed-away name can be taken by another interface */
	mkattrs(&a, 4, "eth0");
	CHECK_EQ(nb_if_upsert(st, &a, NULL), 0);
	nb_stack_barrier(st);	/* phase-1 and phase-2 callbacks run */
	nb_read_enter(st, &rd);
	CHECK_EQ(nb_iface_attrs(nb_if_lookup_name(&rd, "eth0"))->index, 4);
	nb_read_exit(&rd);
	nb_stack_destroy(&st);
}

static void
test_addresses(void)
{
	struct nb_stack *st = mkstack(3);
	struct nb_ifattrs a;
	struct nb_addrattrs aa, k;
	const struct nb_addr *ad;
	struct nb_read rd;
	struct addrs x = { 0 };
	uint8_t in4[4], in6[16];

	mkattrs(&a, 1, "eth0");
	nb_if_upsert(st, &a, NULL);
	mkattrs(&a, 2, "eth1");
	nb_if_upsert(st, &a, NULL);

	mkaddr4(&aa, 7, "10.0.0.1", 24);
	CHECK_EQ(nb_addr_add(st, &aa), -ENOENT);
	mkaddr4(&aa, 1, "10.0.0.1", 24);
	aa.family = 99;
	CHECK_EQ(nb_addr_add(st, &aa), -EAFNOSUPPORT);
	mkaddr4(&aa, 1, "10.0.0.1", 33);
	CHECK_EQ(nb_addr_add(st, &aa), -EINVAL);

	mkaddr4(&aa, 1, "10.0.0.1", 24);
	aa.has_brd = 1;
	inet_pton(AF_INET, "10.0.0.255", aa.brd);
	snprintf(aa.label, sizeof(aa.label), "eth0");
	CHECK_EQ(nb_addr_add(st, &aa), 0);
	mkaddr6(&aa, 1, "2001:db8::1", 64);
	CHECK_EQ(nb_addr_add(st, &aa), 0);
	mkaddr4(&aa, 1, "10.0.1.1", 24);
	CHECK_EQ(nb_addr_add(st, &aa), 0);
	mkaddr4(&aa, 2, "192.168.1.1", 24);
	CHECK_EQ(nb_addr_add(st, &aa), 0);
	/* same address on a second interface: the hash returns the first one */
	mkaddr4(&aa, 2, "10.0.0.1", 24);
	CHECK_EQ(nb_addr_add(st, &aa), 0);
	/* re-adding is an update (flags), not a second object */
	mkaddr4(&aa, 1, "10.0.1.1", 24);
	aa.flags = 0x80;
	CHECK_EQ(nb_addr_add(st, &aa), 0);

	nb_read_enter(st, &rd);
	CHECK_EQ(nb_addr_count(&rd), 5);
	nb_iface_addr_walk(&rd, nb_if_lookup_index(&rd, 1), collect_addr, &x);
	CHECK_EQ(x.n, 3);
	CHECK_EQ(nb_addr_attrs(x.a[0])->family, AF_INET);
	CHECK_EQ(nb_addr_attrs(x.a[0])->has_brd, 1);
	CHECK(strcmp(nb_addr_attrs(x.a[0])->label, "eth0") == 0);
	CHECK_EQ(nb_addr_attrs(x.a[1])->family, AF_INET6);
	CHECK_EQ(nb_addr_attrs(x.a[1])->prefixlen, 64);
	CHECK_EQ(nb_addr_attrs(x.a[2])->flags, 0x80);	/* updated in place */
	inet_pton(AF_INET, "10.0.0.1", in4);
	ad = nb_addr_lookup(&rd, AF_INET, in4);
	CHECK(ad == x.a[0]);	/* oldest of the two 10.0.0.1 */
	inet_pton(AF_INET6, "2001:db8::1", in6);
	CHECK(nb_addr_lookup(&rd, AF_INET6, in6) == x.a[1]);
	CHECK(nb_addr_lookup(&rd, AF_INET, in6) == NULL);
	inet_pton(AF_INET, "10.9.9.9", in4);
	CHECK(nb_addr_lookup(&rd, AF_INET, in4) == NULL);
	nb_read_exit(&rd);

	/* removal from both the hash and the list */
	mkaddr4(&k, 1, "10.0.0.1", 24);
	CHECK_EQ(nb_addr_del(st, &k), 0);
	CHECK_EQ(nb_addr_del(st, &k), -ENOENT);
	mkaddr4(&k, 1, "10.0.1.1", 16);		/* wrong prefix: another key */
	CHECK_EQ(nb_addr_del(st, &k), -ENOENT);
	nb_read_enter(st, &rd);
	x.n = 0;
	nb_iface_addr_walk(&rd, nb_if_lookup_index(&rd, 1), collect_addr, &x);
	CHECK_EQ(x.n, 2);
	inet_pton(AF_INET, "10.0.0.1", in4);
	ad = nb_addr_lookup(&rd, AF_INET, in4);
	CHECK(ad != NULL && nb_addr_attrs(ad)->ifindex == 2);	/* the other one */
	CHECK_EQ(nb_addr_count(&rd), 4);
	nb_read_exit(&rd);
	nb_stack_barrier(st);	/* phase-1 and phase-2 callbacks run */
	nb_read_enter(st, &rd);
	CHECK_EQ(nb_addr_count(&rd), 4);
	nb_read_exit(&rd);

	/* deleting the interface removes its addresses in the same step */
	CHECK_EQ(nb_if_delete(st, 2, NULL), 0);
	nb_read_enter(st, &rd);
	CHECK_EQ(nb_addr_count(&rd), 2);
	inet_pton(AF_INET, "10.0.0.1", in4);
	CHECK(nb_addr_lookup(&rd, AF_INET, in4) == NULL);
	nb_read_exit(&rd);
	mkaddr4(&aa, 2, "10.0.0.1", 24);
	CHECK_EQ(nb_addr_add(st, &aa), -ENOENT);
	CHECK_EQ(nb_addr_del(st, &aa), -ENOENT);
	nb_stack_barrier(st);	/* phase-1 and phase-2 callbacks run */
	nb_stack_destroy(&st);
}

static void
test_snapshot(void)
{
	struct nb_stack *st = mkstack(3);
	struct nb_ifattrs a;
	struct nb_addrattrs aa;
	struct nb_read r1, r2, r3;
	struct addrs x = { 0 };
	struct names nm = { 0 };
	uint8_t in4[4];

	mkattrs(&a, 1, "old0");
	nb_if_upsert(st, &a, NULL);
	mkattrs(&a, 2, "keep0");
	nb_if_upsert(st, &a, NULL);
	mkattrs(&a, 4, "ren0");
	nb_if_upsert(st, &a, NULL);
	mkaddr4(&aa, 1, "10.1.0.1", 24);
	nb_addr_add(st, &aa);
	mkaddr4(&aa, 2, "10.2.0.1", 24);
	nb_addr_add(st, &aa);

	nb_read_enter(st, &r1);
	/* changes after r1 entered */
	CHECK_EQ(nb_if_delete(st, 1, NULL), 0);
	mkattrs(&a, 3, "new0");
	CHECK_EQ(nb_if_upsert(st, &a, NULL), 0);
	mkaddr4(&aa, 2, "10.2.0.2", 24);
	CHECK_EQ(nb_addr_add(st, &aa), 0);
	mkaddr4(&aa, 2, "10.2.0.1", 24);
	CHECK_EQ(nb_addr_del(st, &aa), 0);
	mkattrs(&a, 4, "ren1");
	CHECK_EQ(nb_if_upsert(st, &a, NULL), 0);

	/* r1 sees the world as it was */
	CHECK(nb_if_lookup_index(&r1, 1) != NULL);
	CHECK(nb_if_lookup_name(&r1, "old0") != NULL);
	CHECK(nb_if_lookup_index(&r1, 3) == NULL);
	CHECK(nb_if_lookup_name(&r1, "new0") == NULL);
	CHECK(nb_if_lookup_name(&r1, "ren0") != NULL);
	CHECK(nb_if_lookup_name(&r1, "ren1") == NULL);
	CHECK_EQ(nb_if_count(&r1), 3);
	nb_if_walk(&r1, collect_if, &nm);
	CHECK_EQ(nm.n, 3);
	CHECK_EQ(nb_addr_count(&r1), 2);
	inet_pton(AF_INET, "10.1.0.1", in4);
	CHECK(nb_addr_lookup(&r1, AF_INET, in4) != NULL);
	inet_pton(AF_INET, "10.2.0.1", in4);
	CHECK(nb_addr_lookup(&r1, AF_INET, in4) != NULL);
	inet_pton(AF_INET, "10.2.0.2", in4);
	CHECK(nb_addr_lookup(&r1, AF_INET, in4) == NULL);
	nb_iface_addr_walk(&r1, nb_if_lookup_index(&r1, 1), collect_addr, &x);
	CHECK_EQ(x.n, 1);
	x.n = 0;
	nb_iface_addr_walk(&r1, nb_if_lookup_index(&r1, 2), collect_addr, &x);
	CHECK_EQ(x.n, 1);

	/* r2 (nested, entered after the changes) sees the new world */
	nb_read_enter(st, &r2);
	CHECK(nb_if_lookup_index(&r2, 1) == NULL);
	CHECK(nb_if_lookup_name(&r2, "old0") == NULL);
	CHECK(nb_if_lookup_index(&r2, 3) != NULL);
	CHECK(nb_if_lookup_name(&r2, "ren1") != NULL);
	CHECK(nb_if_lookup_name(&r2, "ren0") == NULL);
	CHECK(nb_if_lookup_name(&r2, "ren1") == nb_if_lookup_name(&r1, "ren0"));
	CHECK_EQ(nb_if_count(&r2), 3);
	CHECK_EQ(nb_addr_count(&r2), 1);
	inet_pton(AF_INET, "10.2.0.2", in4);
	CHECK(nb_addr_lookup(&r2, AF_INET, in4) != NULL);
	inet_pton(AF_INET, "10.1.0.1", in4);
	CHECK(nb_addr_lookup(&r2, AF_INET, in4) == NULL);
	x.n = 0;
	nb_iface_addr_walk(&r2, nb_if_lookup_index(&r2, 2), collect_addr, &x);
	CHECK_EQ(x.n, 1);
	CHECK(x.n == 1 && nb_addr_attrs(x.a[0])->addr[3] == 2);
	nb_read_exit(&r2);
	nb_read_exit(&r1);

	/* after reclamation the dead objects are gone for good */
	nb_stack_barrier(st);	/* phase-1 and phase-2 callbacks run */
	nb_read_enter(st, &r3);
	CHECK(nb_if_lookup_index(&r3, 1) == NULL);
	CHECK_EQ(nb_if_count(&r3), 3);
	CHECK_EQ(nb_addr_count(&r3), 1);
	nb_read_exit(&r3);
	nb_stack_destroy(&st);
}

struct deps {
	struct nb_departed d[8];
	int n;
};

static int
collect_dep(const struct nb_departed *d, void *arg)
{
	struct deps *x = arg;

	if (x->n < 8)
		x->d[x->n] = *d;
	x->n++;
	return 0;
}

static void
test_departed(void)
{
	struct nb_stack *st = mkstack(3);
	struct nb_ifattrs a;
	struct nb_read rd;
	struct deps x = { 0 };
	uint64_t fin[NB_IFSTAT_MAX], v[NB_IFSTAT_MAX], g1 = 0, g2 = 0, *s;
	struct timespec t0;
	int i;

	clock_gettime(CLOCK_REALTIME, &t0);
	mkattrs(&a, 1, "a0");
	nb_if_upsert(st, &a, &g1);
	mkattrs(&a, 2, "b0");
	nb_if_upsert(st, &a, &g2);
	for (i = 0; i < NB_IFSTAT_MAX; i++) {
		fin[i] = 1000 + i;
		v[i] = 10 * i;
	}
	CHECK_EQ(nb_if_stats_store(st, 2, NB_SLOT_SOURCE, v), 0);
	CHECK_EQ(nb_if_stats_store(st, 9, NB_SLOT_SOURCE, v), -ENOENT);
	CHECK_EQ(nb_if_stats_store(st, 2, 3, v), -EINVAL);
	nb_read_enter(st, &rd);
	s = nb_iface_stats_slot(nb_if_lookup_index(&rd, 2), 1);
	nb_ctr_add(s, NB_IFSTAT_IBYTES, 5);
	nb_read_exit(&rd);

	nb_read_enter(st, &rd);
	CHECK_EQ(nb_if_delete(st, 1, fin), 0);
	CHECK_EQ(nb_if_delete(st, 2, NULL), 0);
	nb_departed_walk(&rd, collect_dep, &x);
	CHECK_EQ(x.n, 0);	/* not yet departed in this snapshot */
	nb_read_exit(&rd);

	nb_read_enter(st, &rd);
	nb_departed_walk(&rd, collect_dep, &x);
	nb_read_exit(&rd);
	CHECK_EQ(x.n, 2);
	CHECK(strcmp(x.d[0].attrs.name, "a0") == 0);
	CHECK_EQ(x.d[0].gen, g1);
	CHECK_EQ(x.d[0].stats[0], 1000);
	CHECK_EQ(x.d[0].stats[NB_IFSTAT_NOPROTO], 1011);
	CHECK(x.d[0].when.tv_sec >= t0.tv_sec && x.d[0].when.tv_sec <= t0.tv_sec + 60);
	CHECK(strcmp(x.d[1].attrs.name, "b0") == 0);
	CHECK_EQ(x.d[1].gen, g2);
	CHECK(x.d[1].seq > x.d[0].seq);
	CHECK_EQ(x.d[1].stats[NB_IFSTAT_IERRORS], 10);
	CHECK_EQ(x.d[1].stats[NB_IFSTAT_IBYTES], 35);	/* slot 0 + slot 1 */

	CHECK_EQ(nb_departed_drain(st, x.d[0].seq), 0);
	nb_stack_barrier(st);	/* phase-1 and phase-2 callbacks run */
	x.n = 0;
	nb_read_enter(st, &rd);
	nb_departed_walk(&rd, collect_dep, &x);
	nb_read_exit(&rd);
	CHECK_EQ(x.n, 1);
	CHECK_EQ(x.d[0].gen, g2);
	CHECK_EQ(nb_departed_drain(st, UINT64_MAX), 0);
	x.n = 0;
	nb_read_enter(st, &rd);
	nb_departed_walk(&rd, collect_dep, &x);
	nb_read_exit(&rd);
	CHECK_EQ(x.n, 0);
	nb_stack_destroy(&st);
}

struct hsx {
	char	name[4][32];
	struct nb_hashstat hs[4];
	int	n;
};

static int
collect_hs(const char *name, const char *descr, const struct nb_hashstat *hs, void *arg)
{
	struct hsx *x = arg;

	if (x->n < 4) {
		snprintf(x->name[x->n], sizeof(x->name[0]), "%s", name);
		x->hs[x->n] = *hs;
	}
	CHECK(descr != NULL && *descr != '\0');
	x->n++;
	return 0;
}

static int
hs_fixed(const struct nb_read *rd, void *arg, struct nb_hashstat *out)
{
	(void)rd;
	out->size = *(uint64_t *)arg;
	out->items = 3;
	return 0;
}

static const struct nb_hashstat *
hs_find(const struct hsx *x, const char *name)
{
	int i;

	for (i = 0; i < x->n && i < 4; i++)
		if (strcmp(x->name[i], name) == 0)
			return &x->hs[i];
	return NULL;
}

static void
test_hashstat_and_scale(void)
{
	struct nb_stack *st = mkstack(3);
	struct nb_ifattrs a;
	struct nb_addrattrs aa;
	struct nb_read rd;
	struct hsx x = { 0 };
	const struct nb_hashstat *h;
	char name[NB_IFNAMSIZ];
	uint64_t fixed = 77;
	double t0, t1, t2, t3;
	uint32_t i;
	int err = 0;

	CHECK_EQ(nb_hashstat_register(st, NB_HASH_ADDR, "dup", hs_fixed, &fixed), -EEXIST);
	CHECK_EQ(nb_hashstat_register(st, "Bad.Name", "x", hs_fixed, &fixed), -EINVAL);
	CHECK_EQ(nb_hashstat_register(st, "test_table", "a test table", hs_fixed, &fixed), 0);

	t0 = now();
	for (i = 1; i <= 10000; i++) {
		snprintf(name, sizeof(name), "veth%u", i);
		mkattrs(&a, i, name);
		err |= nb_if_upsert(st, &a, NULL);
	}
	t1 = now();
	for (i = 0; i < 25000; i++) {
		memset(&aa, 0, sizeof(aa));
		aa.ifindex = 1 + i % 10000;
		aa.family = AF_INET;
		aa.prefixlen = 16;
		aa.addr[0] = 10;
		aa.addr[1] = (uint8_t)(i >> 16);
		aa.addr[2] = (uint8_t)(i >> 8);
		aa.addr[3] = (uint8_t)i;
		err |= nb_addr_add(st, &aa);
	}
	t2 = now();
	for (i = 1; i <= 10000; i++) {	/* a re-dump: nothing changed */
		snprintf(name, sizeof(name), "veth%u", i);
		mkattrs(&a, i, name);
		err |= nb_if_upsert(st, &a, NULL);
	}
	t3 = now();
	CHECK_EQ(err, 0);
	printf("scale: 10000 creates %.2f ms, 25000 addresses %.2f ms, 10000 unchanged upserts %.2f ms\n",
	    (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3);

	/* another 10000 interfaces to reach 20k in each interface table */
	for (i = 10001; i <= 20000; i++) {
		snprintf(name, sizeof(name), "veth%u", i);
		mkattrs(&a, i, name);
		err |= nb_if_upsert(st, &a, NULL);
	}
	CHECK_EQ(err, 0);

	nb_read_enter(st, &rd);
	CHECK_EQ(nb_hashstat_walk(&rd, collect_hs, &x), 0);
	CHECK_EQ(x.n, 4);
	CHECK(strcmp(x.name[0], NB_HASH_ADDR) == 0);
	CHECK(strcmp(x.name[1], NB_HASH_IFNAME) == 0);
	CHECK(strcmp(x.name[2], NB_HASH_IFINDEX) == 0);
	CHECK(strcmp(x.name[3], "test_table") == 0);
	CHECK_EQ(x.hs[3].size, 77);
	CHECK_EQ(x.hs[3].items, 3);
	CHECK_EQ(nb_if_count(&rd), 20000);
	CHECK_EQ(nb_addr_count(&rd), 25000);
	if ((h = hs_find(&x, NB_HASH_IFINDEX)) != NULL) {
		CHECK_EQ(h->items, 20000);
		CHECK(h->size >= h->items);		/* load <= 1 */
		CHECK((h->size & (h->size - 1)) == 0);
		CHECK(h->used <= h->items && h->used * 2 > h->items);
		CHECK(h->maxchain >= 1 && h->maxchain <= 12);
		printf("ifnet_byindex: size %" PRIu64 " used %" PRIu64 " items %" PRIu64
		    " maxchain %" PRIu64 "\n", h->size, h->used, h->items, h->maxchain);
	}
	if ((h = hs_find(&x, NB_HASH_IFNAME)) != NULL) {
		CHECK_EQ(h->items, 20000);
		CHECK(h->size >= h->items);
		CHECK(h->maxchain >= 1 && h->maxchain <= 12);
	}
	if ((h = hs_find(&x, NB_HASH_ADDR)) != NULL) {
		CHECK_EQ(h->items, 25000);
		CHECK(h->size >= h->items);
		CHECK(h->maxchain >= 1 && h->maxchain <= 12);
		printf("in_ifaddrhash: size %" PRIu64 " used %" PRIu64 " items %" PRIu64
		    " maxchain %" PRIu64 "\n", h->size, h->used, h->items, h->maxchain);
	}
	nb_read_exit(&rd);

	/* delete half the interfaces: their addresses go too */
	for (i = 1; i <= 20000; i += 2)
		err |= nb_if_delete(st, i, NULL);
	CHECK_EQ(err, 0);
	nb_stack_barrier(st);	/* phase-1 and phase-2 callbacks run */
	x.n = 0;
	nb_read_enter(st, &rd);
	nb_hashstat_walk(&rd, collect_hs, &x);
	CHECK_EQ(nb_if_count(&rd), 10000);
	/* addresses on even interfaces: i % 10000 odd, i.e. i odd */
	CHECK_EQ(nb_addr_count(&rd), 12500);
	if ((h = hs_find(&x, NB_HASH_IFINDEX)) != NULL)
		CHECK_EQ(h->items, 10000);
	if ((h = hs_find(&x, NB_HASH_ADDR)) != NULL)
		CHECK_EQ(h->items, 12500);
	nb_read_exit(&rd);
	/* 10000 interfaces + 12500 addresses were reclaimed (plus rename records: none) */
	CHECK(freed(st) >= 22500);
	nb_stack_destroy(&st);
}

/* nb_stack_reserve: one growth to fit, entries and lookups intact, additive. */
static void
test_reserve(void)
{
	struct nb_stack *st = mkstack(3);
	struct nb_ifattrs a;
	struct nb_addrattrs aa;
	struct nb_read rd;
	struct hsx x = { 0 };
	const struct nb_hashstat *h;
	char name[NB_IFNAMSIZ];
	uint32_t i;
	int err = 0;

	for (i = 1; i <= 10; i++) {
		snprintf(name, sizeof(name), "r%u", i);
		mkattrs(&a, i, name);
		err |= nb_if_upsert(st, &a, NULL);
		mkaddr4(&aa, i, "10.9.0.1", 24);
		aa.addr[3] = (uint8_t)i;
		err |= nb_addr_add(st, &aa);
	}
	CHECK_EQ(err, 0);
	nb_stack_reserve(st, 1000, 3000);
	nb_stack_reserve(st, 0, 0);
	nb_read_enter(st, &rd);
	CHECK_EQ(nb_hashstat_walk(&rd, collect_hs, &x), 0);
	if ((h = hs_find(&x, NB_HASH_IFINDEX)) != NULL) {
		CHECK_EQ(h->size, 1024);	/* 10 + 1000 fit, rounded to a power of 2 */
		CHECK_EQ(h->items, 10);
	}
	if ((h = hs_find(&x, NB_HASH_IFNAME)) != NULL)
		CHECK_EQ(h->size, 1024);
	if ((h = hs_find(&x, NB_HASH_ADDR)) != NULL) {
		CHECK_EQ(h->size, 4096);
		CHECK_EQ(h->items, 10);
	}
	for (i = 1; i <= 10; i++) {
		snprintf(name, sizeof(name), "r%u", i);
		CHECK(nb_if_lookup_index(&rd, i) != NULL);
		CHECK(nb_if_lookup_name(&rd, name) == nb_if_lookup_index(&rd, i));
		mkaddr4(&aa, i, "10.9.0.1", 24);
		aa.addr[3] = (uint8_t)i;
		CHECK(nb_addr_lookup(&rd, AF_INET, aa.addr) != NULL);
	}
	nb_read_exit(&rd);
	/* filling the reserved room does not grow; a delete still works */
	for (i = 11; i <= 1010; i++) {
		snprintf(name, sizeof(name), "r%u", i);
		mkattrs(&a, i, name);
		err |= nb_if_upsert(st, &a, NULL);
	}
	err |= nb_if_delete(st, 3, NULL);
	CHECK_EQ(err, 0);
	x.n = 0;
	nb_read_enter(st, &rd);
	nb_hashstat_walk(&rd, collect_hs, &x);
	if ((h = hs_find(&x, NB_HASH_IFINDEX)) != NULL) {
		CHECK_EQ(h->size, 1024);
		CHECK_EQ(h->items, 1009);
	}
	CHECK_EQ(nb_if_count(&rd), 1009);
	CHECK_EQ(nb_addr_count(&rd), 9);
	nb_read_exit(&rd);
	nb_stack_destroy(&st);
}

struct sgx {
	struct nb_statgroup_info info[4];
	int n;
};

static int
collect_sg(const struct nb_statgroup_info *info, void *arg)
{
	struct sgx *x = arg;

	if (x->n < 4)
		x->info[x->n] = *info;
	x->n++;
	return 0;
}

static void
test_statgroups(void)
{
	struct nb_stack *st = mkstack(3);
	char n0[16] = "inreceives", d0[32] = "datagrams received";
	struct nb_ctr_desc descs[3] = {
		{ n0, d0, NB_CTR_COUNTER },
		{ "forwarding", "forwarding enabled", NB_CTR_GAUGE },
		{ "outrequests", "datagrams sent", NB_CTR_COUNTER },
	};
	struct nb_statgroup *sg = NULL, *sg2 = NULL;
	struct nb_ctrgroup *h;
	struct nb_read rd;
	struct sgx x = { 0 };

	CHECK_EQ(nb_statgroup_register(st, "net.inet.ip.stats", "IP", descs, 3, 1, &sg), 0);
	CHECK(sg != NULL);
	CHECK_EQ(nb_statgroup_register(st, "net.inet.ip.stats", "IP", descs, 3, 1, &sg2), 0);
	CHECK(sg2 == sg);
	CHECK_EQ(nb_statgroup_register(st, "net.inet.ip.stats", "IP", descs, 2, 1, &sg2), -EEXIST);
	CHECK_EQ(nb_statgroup_register(st, "net.inet.ip.stats", "IP", descs, 3, 2, &sg2), -EEXIST);
	CHECK_EQ(nb_statgroup_register(st, "stack", "again", descs, 3, 1, &sg2), -EEXIST);
	strcpy(n0, "clobbered");	/* names are copied */
	strcpy(d0, "clobbered");
	nb_ctr_add(nb_ctrgroup_slot(nb_statgroup_ctrs(sg), 0), 0, 17);

	h = nb_stack_health(st);
	CHECK(h != NULL);
	CHECK_EQ(nb_ctrgroup_nctrs(h), NB_HEALTH_MAX);
	CHECK_EQ(nb_ctrgroup_nslots(h), 3);
	nb_ctr_add(nb_ctrgroup_slot(h, NB_SLOT_SOURCE), NB_HEALTH_EVENTS, 4);
	nb_ctr_store(nb_ctrgroup_slot(h, NB_SLOT_SOURCE), NB_HEALTH_SAMPLE_NS, 12345);

	nb_read_enter(st, &rd);
	CHECK_EQ(nb_statgroup_walk(&rd, collect_sg, &x), 0);
	CHECK_EQ(x.n, 2);
	CHECK(strcmp(x.info[0].mib, "stack") == 0);
	CHECK_EQ(x.info[0].n, NB_HEALTH_MAX);
	CHECK(x.info[0].ctrs == h);
	CHECK(strcmp(x.info[0].descs[NB_HEALTH_SAMPLE_NS].name, "sample_ns") == 0);
	CHECK_EQ(x.info[0].descs[NB_HEALTH_SAMPLE_NS].kind, NB_CTR_GAUGE);
	CHECK_EQ(x.info[0].descs[NB_HEALTH_EVENTS].kind, NB_CTR_COUNTER);
	CHECK(strcmp(x.info[0].descs[NB_HEALTH_OBJECTS_FREED].name, "objects_freed") == 0);
	CHECK(strcmp(x.info[0].descs[NB_HEALTH_DROPPED_EVENTS].name, "dropped_events") == 0);
	CHECK_EQ(nb_ctrgroup_sum(x.info[0].ctrs, NB_HEALTH_EVENTS), 4);
	CHECK_EQ(nb_ctrgroup_sum(x.info[0].ctrs, NB_HEALTH_SAMPLE_NS), 12345);
	CHECK(strcmp(x.info[1].mib, "net.inet.ip.stats") == 0);
	CHECK(strcmp(x.info[1].descr, "IP") == 0);
	CHECK_EQ(x.info[1].n, 3);
	CHECK(strcmp(x.info[1].descs[0].name, "inreceives") == 0);
	CHECK(strcmp(x.info[1].descs[0].descr, "datagrams received") == 0);
	CHECK_EQ(x.info[1].descs[1].kind, NB_CTR_GAUGE);
	CHECK_EQ(nb_ctrgroup_sum(x.info[1].ctrs, 0), 17);
	nb_read_exit(&rd);
	CHECK_EQ(nb_statgroup_register(st, "x", "bad", descs, 0, 1, &sg2), -EINVAL);
	nb_stack_destroy(&st);
}

static void
test_percpu_ifstats(void)
{
	struct nb_stack *st = mkstack(5);
	const struct nb_iface *ifp;
	struct nb_ifattrs a;
	struct nb_read rd;
	uint64_t vec[5], total = 0, sum = 0, st12[NB_IFSTAT_MAX], v[NB_IFSTAT_MAX] = { 0 };
	unsigned s;

	mkattrs(&a, 1, "eth0");
	nb_if_upsert(st, &a, NULL);
	v[NB_IFSTAT_OPACKETS] = 1000;
	CHECK_EQ(nb_if_stats_store(st, 1, NB_SLOT_SOURCE, v), 0);
	nb_read_enter(st, &rd);
	ifp = nb_if_lookup_index(&rd, 1);
	for (s = 1; s < 5; s++)
		nb_ctr_add(nb_iface_stats_slot(ifp, s), NB_IFSTAT_OPACKETS, s * 3);
	CHECK(nb_iface_stats_slot(ifp, 5) == NULL);
	CHECK_EQ(nb_ctrgroup_percpu(nb_iface_ctrs(ifp), NB_IFSTAT_OPACKETS, vec, 5, &total), 5);
	for (s = 0; s < 5; s++)
		sum += vec[s];
	CHECK_EQ(sum, total);
	CHECK_EQ(total, 1000 + 3 + 6 + 9 + 12);
	nb_iface_stats(ifp, st12);
	CHECK_EQ(st12[NB_IFSTAT_OPACKETS], total);
	CHECK_EQ(st12[NB_IFSTAT_IPACKETS], 0);
	nb_read_exit(&rd);
	nb_stack_destroy(&st);
}

static void
test_holds(void)
{
	struct nb_stack *st = mkstack(3);
	const struct nb_iface *ifp;
	struct nb_iface *held, *h2;
	struct nb_ifattrs a;
	struct nb_addrattrs aa;
	struct nb_read rd;
	uint64_t f0, f1, gen, s[NB_IFSTAT_MAX];
	struct addrs x = { 0 };

	mkattrs(&a, 1, "eth0");
	nb_if_upsert(st, &a, &gen);
	mkaddr4(&aa, 1, "10.0.0.1", 8);
	nb_addr_add(st, &aa);

	nb_read_enter(st, &rd);
	held = nb_iface_hold(nb_if_lookup_index(&rd, 1));
	nb_read_exit(&rd);
	CHECK(held != NULL);

	CHECK_EQ(nb_if_delete(st, 1, NULL), 0);
	nb_read_enter(st, &rd);
	CHECK(nb_if_lookup_index(&rd, 1) == NULL);
	/* a dying interface can no longer be held */
	h2 = nb_iface_hold(held);
	CHECK(h2 == NULL);
	nb_read_exit(&rd);

	f0 = freed(st);
	nb_stack_barrier(st);	/* phase-1 and phase-2 callbacks run */
	f1 = freed(st);
	CHECK_EQ(f1 - f0, 1);	/* the address, not the held interface */
	/* still readable (ASan would flag a use after free) */
	CHECK_EQ(nb_iface_gen(held), gen);
	nb_ctr_add(nb_iface_stats_slot(held, 1), NB_IFSTAT_IBYTES, 9);
	nb_iface_stats(held, s);
	CHECK_EQ(s[NB_IFSTAT_IBYTES], 9);
	nb_read_enter(st, &rd);
	CHECK(strcmp(nb_iface_attrs(held)->name, "eth0") == 0);
	nb_iface_addr_walk(&rd, held, collect_addr, &x);
	CHECK_EQ(x.n, 0);
	nb_read_exit(&rd);
	nb_iface_release(held);
	CHECK_EQ(freed(st) - f1, 1);

	/* a hold on a live interface, released before delete: normal path */
	mkattrs(&a, 2, "eth1");
	nb_if_upsert(st, &a, NULL);
	nb_read_enter(st, &rd);
	ifp = nb_if_lookup_index(&rd, 2);
	held = nb_iface_hold(ifp);
	nb_read_exit(&rd);
	CHECK(held == ifp);
	nb_iface_release(held);
	nb_if_delete(st, 2, NULL);
	f0 = freed(st);
	nb_stack_barrier(st);	/* phase-1 and phase-2 callbacks run */
	CHECK_EQ(freed(st) - f0, 1);
	nb_stack_destroy(&st);
}

static void
test_reclaim_counts(void)
{
	struct nb_stack *st = mkstack(3);
	struct nb_ifattrs a;
	struct nb_addrattrs aa;
	uint64_t f0;

	mkattrs(&a, 1, "a");
	nb_if_upsert(st, &a, NULL);
	mkaddr4(&aa, 1, "10.0.0.1", 8);
	nb_addr_add(st, &aa);
	mkaddr4(&aa, 1, "10.0.0.2", 8);
	nb_addr_add(st, &aa);
	mkaddr4(&aa, 1, "10.0.0.1", 8);
	f0 = freed(st);
	nb_addr_del(st, &aa);
	mkattrs(&a, 1, "b");		/* rename: the old name entry is reclaimed */
	nb_if_upsert(st, &a, NULL);
	nb_if_delete(st, 1, NULL);
	nb_stack_barrier(st);	/* phase-1 and phase-2 callbacks run */
	/* address + rename record + interface + its remaining address */
	CHECK_EQ(freed(st) - f0, 4);
	nb_departed_drain(st, UINT64_MAX);
	nb_stack_barrier(st);	/* phase-1 and phase-2 callbacks run */
	CHECK_EQ(freed(st) - f0, 5);
	nb_stack_destroy(&st);
}

static uint64_t
grace_periods(struct nb_stack *st)
{
	return nb_ctrgroup_sum(nb_stack_health(st), NB_HEALTH_GRACE_PERIODS);
}

/*
 * Deferred frees run in batches: many removals in a row share a few grace
 * periods, and the batch timer runs them with no barrier to push it.
 */
static void
test_batches(void)
{
	struct nb_stack *st = mkstack(3);
	struct nb_ifattrs a;
	struct timespec ts = { 0, 10 * 1000000L };
	uint64_t f0, g0, gp;
	unsigned i, n = 200;
	int waited;

	for (i = 1; i <= n; i++) {
		mkattrs(&a, i, "x");
		snprintf(a.name, sizeof(a.name), "x%u", i);
		CHECK_EQ(nb_if_upsert(st, &a, NULL), 0);
	}
	nb_stack_barrier(st);
	f0 = freed(st);
	g0 = grace_periods(st);
	for (i = 1; i <= n; i++)
		CHECK_EQ(nb_if_delete(st, i, NULL), 0);
	nb_departed_drain(st, UINT64_MAX);
	nb_stack_barrier(st);
	gp = grace_periods(st) - g0;
	CHECK(freed(st) - f0 >= n);
	/* phase 1 and phase 2 need two; one each per removal would be 2n */
	CHECK(gp >= 2);
	CHECK(gp <= n / 10);
	/* no barrier: the batch timer alone (NB_DEFER_BATCH_MS) frees them */
	mkattrs(&a, 1, "y");
	CHECK_EQ(nb_if_upsert(st, &a, NULL), 0);
	f0 = freed(st);
	CHECK_EQ(nb_if_delete(st, 1, NULL), 0);
	nb_departed_drain(st, UINT64_MAX);
	for (waited = 0; waited < 1000 && freed(st) == f0; waited++)
		nanosleep(&ts, NULL);
	CHECK(freed(st) > f0);
	nb_stack_destroy(&st);
}

/* ---- a barrier while the batch that empties pending ends ---- */

struct slow {
	struct nb_rcu	rcu;
	int		state;	/* 0 queued, 1 running, 2 let go (atomic) */
};

static void
slow_cb(struct nb_rcu *r)
{
	struct slow *s = caa_container_of(r, struct slow, rcu);
	struct timespec ms = { 0, 1000000L };

	__atomic_store_n(&s->state, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != 2)
		nanosleep(&ms, NULL);
}

static void
noop_cb(struct nb_rcu *r)
{
	(void)r;
}

static void *
barrier_main(void *arg)
{
	nb_stack_barrier(arg);
	return NULL;
}

/*
 * nb_stack_barrier called as the batch that empties pending ends: it finds
 * a callback pending, then the reclaimer ends the batch and broadcasts
 * before the barrier holds rc.lock. The test holds rc.lock so that both
 * queue on it, and lets them go in whichever order the mutex picks; the
 * barrier must return every time. (It used to wait for one more batch,
 * which never came: test_route and test_history hung in CI.)
 */
static void
test_barrier_race(void)
{
	struct nb_stack *st = mkstack(2);
	struct timespec ms = { 0, 1000000L }, tenms = { 0, 10 * 1000000L }, until;
	struct nb_rcu extra;
	pthread_t t;
	unsigned i;
	int rc;

	for (i = 0; i < 16; i++) {
		struct slow s = { .state = 0 };

		nb_defer(st, &s.rcu, slow_cb);
		while (__atomic_load_n(&s.state, __ATOMIC_ACQUIRE) != 1)
			nanosleep(&ms, NULL);		/* the batch timer runs it */
		pthread_mutex_lock(&st->rc.lock);
		if (pthread_create(&t, NULL, barrier_main, st) != 0) {
			pthread_mutex_unlock(&st->rc.lock);
			CHECK(!"pthread_create");
			break;
		}
		nanosleep(&tenms, NULL);	/* the barrier waits for rc.lock */
		__atomic_store_n(&s.state, 2, __ATOMIC_RELEASE);
		nanosleep(&tenms, NULL);	/* pending is 0; the reclaimer waits for rc.lock */
		/*
		 * The barrier queued on rc.lock first and would get it first.
		 * Unlocking and taking it again at once (before the woken
		 * barrier runs) sends the barrier to the back of the queue:
		 * then the reclaimer usually goes first, the case that hung.
		 */
		pthread_mutex_unlock(&st->rc.lock);
		pthread_mutex_lock(&st->rc.lock);
		nanosleep(&tenms, NULL);
		pthread_mutex_unlock(&st->rc.lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 10;
		rc = pthread_timedjoin_np(t, NULL, &until);
		CHECK(rc == 0, "round %u: the barrier did not return in 10 s", i);
		if (rc != 0) {
			nb_defer(st, &extra, noop_cb);	/* one more batch lets it go */
			pthread_join(t, NULL);
			break;
		}
	}
	nb_stack_destroy(&st);
}


/* Every interface's attributes and addresses, in order, into buf (a digest to compare stacks). */
struct dump {
	uint8_t		buf[1 << 16];
	size_t		n;
};

static int
dump_addr(const struct nb_addr *ap, void *arg)
{
	struct dump *d = arg;

	CHECK(d->n + sizeof(struct nb_addrattrs) <= sizeof(d->buf));
	if (d->n + sizeof(struct nb_addrattrs) <= sizeof(d->buf)) {
		memcpy(d->buf + d->n, nb_addr_attrs(ap), sizeof(struct nb_addrattrs));
		d->n += sizeof(struct nb_addrattrs);
	}
	return 0;
}

static void
dump_stack(struct nb_stack *st, struct dump *d)
{
	const struct nb_iface *ifp;
	struct nb_read rd;
	uint32_t i;

	d->n = 0;
	nb_read_enter(st, &rd);
	for (i = 1; i <= 8; i++) {
		if ((ifp = nb_if_lookup_index(&rd, i)) == NULL)
			continue;
		memcpy(d->buf + d->n, nb_iface_attrs(ifp), sizeof(struct nb_ifattrs));
		d->n += sizeof(struct nb_ifattrs);
		nb_iface_addr_walk(&rd, ifp, dump_addr, d);
	}
	nb_read_exit(&rd);
}

/*
 * The bulk writers store exactly what the single ones do: nb_if_upsert_many
 * as nb_if_upsert each, nb_addr_add_many as nb_addr_add each (stray bytes
 * normalised, updates in a batch, the interface looked up out of order),
 * and a batch stops at its first failure with what came before it taken.
 */
static void
test_bulk_same(void)
{
	struct nb_stack *one = mkstack(1), *many = mkstack(1);
	static struct dump d1, d2;
	struct nb_ifattrs ia[4];
	struct nb_addrattrs aa[9];
	const struct nb_addr *ap;
	struct nb_read rd;
	size_t i, done = 99;

	mkattrs(&ia[0], 1, "lo");
	mkattrs(&ia[1], 2, "eth0");
	mkattrs(&ia[2], 4, "eth1");
	mkattrs(&ia[3], 3, "veth0");
	memcpy(ia[3].kind, "veth\0junk", 10);		/* stray bytes after the NUL */
	ia[1].name[10] = 'x';
	for (i = 0; i < 4; i++)
		CHECK_RC(nb_if_upsert(one, &ia[i], NULL), 0);
	CHECK_RC(nb_if_upsert_many(many, ia, 4, &done), 0);
	CHECK_EQ(done, 4);

	mkaddr4(&aa[0], 2, "10.0.0.1", 24);
	aa[0].has_brd = 7;				/* true, not 1 */
	inet_pton(AF_INET, "10.0.0.255", aa[0].brd);
	memset(aa[0].addr + 4, 0xee, 12);		/* stray bytes past an IPv4 address */
	snprintf(aa[0].label, sizeof(aa[0].label), "eth0");
	aa[0].label[8] = 'z';
	mkaddr6(&aa[1], 2, "fe80::1", 64);
	mkaddr4(&aa[2], 4, "10.0.1.1", 32);
	aa[2].has_peer = 1;
	inet_pton(AF_INET, "10.0.1.2", aa[2].peer);
	mkaddr6(&aa[3], 1, "::1", 128);			/* back to an earlier interface */
	mkaddr6(&aa[4], 3, "fe80::3", 64);
	aa[4].flags = 0x80;
	mkaddr4(&aa[5], 2, "10.0.0.1", 24);		/* aa[0] again, changed */
	aa[5].flags = 0x4;
	mkaddr6(&aa[6], 4, "fe80::3", 64);		/* the same address elsewhere */
	mkaddr6(&aa[7], 9, "fe80::9", 64);		/* no such interface */
	mkaddr6(&aa[8], 3, "2001:db8::3", 64);
	for (i = 0; i < 7; i++)
		CHECK_RC(nb_addr_add(one, &aa[i]), 0);
	CHECK_RC(nb_addr_add(one, &aa[7]), -ENOENT);
	CHECK_RC(nb_addr_add_many(many, aa, 9, &done), -ENOENT);
	CHECK_EQ(done, 7);
	CHECK_RC(nb_addr_add(one, &aa[8]), 0);
	CHECK_RC(nb_addr_add_many(many, &aa[8], 1, &done), 0);
	CHECK_EQ(done, 1);
	aa[0].family = AF_UNIX;
	CHECK_RC(nb_addr_add_many(many, aa, 2, &done), -EAFNOSUPPORT);
	CHECK_EQ(done, 0);
	CHECK_RC(nb_addr_add_many(many, aa, 0, &done), 0);
	CHECK_EQ(done, 0);

	dump_stack(one, &d1);
	dump_stack(many, &d2);
	CHECK(d1.n == d2.n && d1.n > 0);
	CHECK(memcmp(d1.buf, d2.buf, d1.n) == 0);
	nb_read_enter(many, &rd);
	CHECK_EQ(nb_addr_count(&rd), 7);	/* aa[5] updated aa[0] */
	CHECK((ap = nb_addr_lookup(&rd, AF_INET6, aa[6].addr)) != NULL);
	CHECK(ap != NULL && nb_addr_attrs(ap)->ifindex == 3);	/* the first added */
	CHECK((ap = nb_addr_lookup(&rd, AF_INET, aa[5].addr)) != NULL);
	CHECK(ap != NULL && nb_addr_attrs(ap)->flags == 0x4 &&
	    nb_addr_attrs(ap)->addr[4] == 0 && nb_addr_attrs(ap)->label[8] == 0);
	nb_read_exit(&rd);
	nb_stack_destroy(&one);
	nb_stack_destroy(&many);
}

int
main(void)
{
	test_lifecycle();
	test_ctrgroup();
	test_ctrgroup_used();
	test_ctrgroup_used_race();
	test_slots();
	test_ifstat_desc_mask();
	test_upsert();
	test_hash_bulk();
	test_ifname_pad();
	test_fini_slabs();
	test_addr_walk();
	test_bulk_same();
	test_addresses();
	test_snapshot();
	test_departed();
	test_hashstat_and_scale();
	test_reserve();
	test_statgroups();
	test_percpu_ifstats();
	test_holds();
	test_reclaim_counts();
	test_batches();
	test_barrier_race();
	printf("test_stack: %d checks, %d failed\n", checks, failures);
	return failures == 0 ? 0 : 1;
}
