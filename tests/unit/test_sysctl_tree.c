/* SPDX-License-Identifier: BSD-2-Clause */
/* test_sysctl_tree.c - the local MIB over a hand-filled stack: leaves, per-CPU, departed, hashstat, errors, JSON, 10k walk. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <json-c/json.h>

#include "nbstack/stack.h"
#include "sysctl-tree/sysctl.h"

#include "check.h"

#define G	NB_SYSCTL_F_GAUGE
#define W	NB_SYSCTL_F_WRITABLE
#define C	NB_SYSCTL_F_COUNTER
#define P	NB_SYSCTL_F_PERCPU

/* The odd interface: '-', '.', '\', '@', '#', UTF-8 and an invalid byte. */
static const char ODD[] = "-b.r\\@#\xc3\xa9\xff";
static const char ODD_ESC[] = "-b\\.r\\\\@#\xc3\xa9\xff";
/* ODD as JSON shows it: the byte that is not UTF-8 as vis(3)'s octal. */
static const char ODD_VIS[] = "-b.r\\@#\xc3\xa9\\377";

enum { IX_LO = 1, IX_BR = 3, IX_ODD = 7, IX_LATE = 2 };

static unsigned slot1, slot2;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
mkif(struct nb_stack *st, uint32_t index, const char *name, const char *kind, uint32_t mtu,
    uint32_t master, uint64_t *gen)
{
	struct nb_ifattrs a;

	memset(&a, 0, sizeof(a));
	a.index = index;
	snprintf(a.name, sizeof(a.name), "%s", name);
	snprintf(a.kind, sizeof(a.kind), "%s", kind);
	a.type = index == IX_LO ? 772 : 1;
	a.flags = 0x1003;
	a.mtu = mtu;
	a.master = master;
	a.txqlen = 1000;
	a.operstate = 6;
	if (index != IX_LO) {
		static const uint8_t ll[6] = { 0x02, 0x00, 0x5e, 0xaa, 0xbb, 0x0c };

		memcpy(a.lladdr, ll, 6);
		a.lladdr[5] = (uint8_t)index;
		a.lladdr_len = 6;
	}
	CHECK_RC(nb_if_upsert(st, &a, gen), 0);
}

static void
mkaddr(struct nb_stack *st, uint32_t ifindex, int family, const char *addr, int plen,
    const char *brd, const char *peer, uint8_t scope, uint32_t flags)
{
	struct nb_addrattrs a;

	memset(&a, 0, sizeof(a));
	a.ifindex = ifindex;
	a.family = (uint8_t)family;
	a.prefixlen = (uint8_t)plen;
	a.scope = scope;
	a.flags = flags;
	CHECK(inet_pton(family, addr, a.addr) == 1);
	if (brd != NULL) {
		a.has_brd = 1;
		CHECK(inet_pton(family, brd, a.brd) == 1);
	}
	if (peer != NULL) {
		a.has_peer = 1;
		CHECK(inet_pton(family, peer, a.peer) == 1);
	}
	a.valid_lft = a.preferred_lft = UINT32_MAX;
	CHECK_RC(nb_addr_add(st, &a), 0);
}

/* Counters of interface `index` in slot 0, slot1, slot2; totals = sum. */
static uint64_t
ctrval(uint32_t index, unsigned slotno, unsigned i)
{
	switch (slotno) {
	case 0:
		return 1000 * index + i;
	case 1:
		return 10 * i;
	default:
		return 7;
	}
}

static uint64_t
ctrtotal(uint32_t index, unsigned i)
{
	return ctrval(index, 0, i) + ctrval(index, 1, i) + ctrval(index, 2, i);
}

static void
fillstats(struct nb_stack *st, uint32_t index)
{
	uint64_t v[NB_IFSTAT_MAX];
	unsigned i, s;
	unsigned slots[3] = { NB_SLOT_SOURCE, slot1, slot2 };

	for (s = 0; s < 3; s++) {
		for (i = 0; i < NB_IFSTAT_MAX; i++)
			v[i] = ctrval(index, s, i);
		CHECK_RC(nb_if_stats_store(st, index, slots[s], v), 0);
	}
}

/* ---- collecting walks ---- */

struct rec {
	char	 name[NB_SYSCTL_NAMEMAX + 1];
	char	 text[512];
	enum nb_sysctl_type type;
	unsigned flags;
	unsigned ncomp;
	uint64_t u;
	uint64_t vsum;
	unsigned ncpu;
	bool	 percpu;
};

struct recs {
	struct rec *r;
	size_t	 n, cap;
};

static int
rec_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct recs *rs = arg;
	struct rec *r;
	unsigned i;

	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 64;
		if ((rs->r = realloc(rs->r, rs->cap * sizeof(*rs->r))) == NULL)
			abort();
	}
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	nb_sysctl_entry_name(e, r->name, sizeof(r->name));
	r->type = e->val.type;
	r->flags = e->val.flags;
	r->ncomp = e->ncomp;
	r->u = e->val.u;
	CHECK(e->descr != NULL);
	if (e->val.percpu != NULL) {
		r->percpu = true;
		r->ncpu = e->val.ncpu;
		for (i = 0; i < e->val.ncpu; i++)
			r->vsum += e->val.percpu[i];
		/* The text form takes only the total here. */
		struct nb_sysctl_value v = e->val;

		v.percpu = NULL;
		nb_sysctl_value_format(&v, r->text, sizeof(r->text));
	} else
		nb_sysctl_value_format(&e->val, r->text, sizeof(r->text));
	return 0;
}

static void
recs_walk(struct nb_sysctl *h, const char *name, unsigned fl, struct recs *rs, int want)
{
	rs->n = 0;
	CHECK_RC(nb_sysctl_walk(h, name, fl, rec_cb, rs), want);
}

static const struct rec *
find(const struct recs *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->r[i].name, name) == 0)
			return &rs->r[i];
	return NULL;
}

/* ---- the checks ---- */

struct want {
	const char *suffix;
	enum nb_sysctl_type type;
	unsigned flags;
	const char *text;		/* NULL: checked elsewhere */
};

static void
test_odd_interface(struct nb_sysctl *h, uint64_t oddgen)
{
	char name[256], exp[512], gentext[32];
	struct recs rs = { 0 };
	size_t k = 0, i;
	const struct want leaves[] = {
		{ "index", NB_SYSCTL_INT, G, "7" },
		{ "gen", NB_SYSCTL_U64, G, gentext },
		{ "kind", NB_SYSCTL_STRING, 0, "bridge" },
		{ "type", NB_SYSCTL_INT, G, "1" },
		{ "flags", NB_SYSCTL_INT, G, "4099" },
		{ "mtu", NB_SYSCTL_INT, G | W, "1500" },
		{ "txqlen", NB_SYSCTL_INT, G | W, "1000" },
		{ "lladdr", NB_SYSCTL_ADDRESS, 0, "02:00:5e:aa:bb:07" },
		{ "operstate", NB_SYSCTL_STRING, 0, "up" },
		{ "master", NB_SYSCTL_STRING, 0, "br0" },
		{ "link", NB_SYSCTL_INT, G, "0" },
	};
	const struct want addrs[] = {
		{ "addrs.0.family", NB_SYSCTL_STRING, 0, "inet" },
		{ "addrs.0.address", NB_SYSCTL_ADDRESS, 0, "10.0.0.1" },
		{ "addrs.0.prefixlen", NB_SYSCTL_INT, G, "24" },
		{ "addrs.0.broadcast", NB_SYSCTL_ADDRESS, 0, "10.0.0.255" },
		{ "addrs.0.scope", NB_SYSCTL_STRING, 0, "global" },
		{ "addrs.0.flags", NB_SYSCTL_INT, G, "128" },
		{ "addrs.1.family", NB_SYSCTL_STRING, 0, "inet6" },
		{ "addrs.1.address", NB_SYSCTL_ADDRESS, 0, "fe80::1" },
		{ "addrs.1.prefixlen", NB_SYSCTL_INT, G, "64" },
		{ "addrs.1.scope", NB_SYSCTL_STRING, 0, "link" },
		{ "addrs.1.flags", NB_SYSCTL_INT, G, "0" },
		{ "addrs.2.family", NB_SYSCTL_STRING, 0, "inet" },
		{ "addrs.2.address", NB_SYSCTL_ADDRESS, 0, "192.168.1.1" },
		{ "addrs.2.prefixlen", NB_SYSCTL_INT, G, "32" },
		{ "addrs.2.peer", NB_SYSCTL_ADDRESS, 0, "192.168.1.2" },
		{ "addrs.2.scope", NB_SYSCTL_STRING, 0, "100" },
		{ "addrs.2.flags", NB_SYSCTL_INT, G, "2" },
	};

	snprintf(gentext, sizeof(gentext), "%" PRIu64, oddgen);
	snprintf(name, sizeof(name), "net.interfaces.%s", ODD_ESC);
	recs_walk(h, name, 0, &rs, 0);
	CHECK(rs.n == 11 + NB_IFSTAT_MAX + 17);
	for (i = 0; i < 11 && k < rs.n; i++, k++) {
		snprintf(exp, sizeof(exp), "%s.%s", name, leaves[i].suffix);
		if (strcmp(rs.r[k].name, exp) != 0 || rs.r[k].type != leaves[i].type ||
		    rs.r[k].flags != leaves[i].flags || strcmp(rs.r[k].text, leaves[i].text) != 0)
			fprintf(stderr, "  got %s (%d, %#x) = \"%s\", want %s = \"%s\"\n",
			    rs.r[k].name, rs.r[k].type, rs.r[k].flags, rs.r[k].text, exp,
			    leaves[i].text);
		CHECK(strcmp(rs.r[k].name, exp) == 0);
		CHECK(rs.r[k].type == leaves[i].type);
		CHECK(rs.r[k].flags == leaves[i].flags);
		CHECK(strcmp(rs.r[k].text, leaves[i].text) == 0);
		CHECK(rs.r[k].ncomp == 4);
	}
	for (i = 0; i < NB_IFSTAT_MAX && k < rs.n; i++, k++) {
		snprintf(exp, sizeof(exp), "%s.stats.%s", name, nb_ifstat_desc[i].name);
		CHECK(strcmp(rs.r[k].name, exp) == 0);
		CHECK(rs.r[k].type == NB_SYSCTL_U64);
		CHECK(rs.r[k].flags == (C | P));
		CHECK(rs.r[k].u == ctrtotal(IX_ODD, (unsigned)i));
		CHECK(!rs.r[k].percpu);
		CHECK(rs.r[k].ncomp == 5);
	}
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]) && k < rs.n; i++, k++) {
		snprintf(exp, sizeof(exp), "%s.%s", name, addrs[i].suffix);
		if (strcmp(rs.r[k].name, exp) != 0 || strcmp(rs.r[k].text, addrs[i].text) != 0)
			fprintf(stderr, "  got %s = \"%s\", want %s = \"%s\"\n",
			    rs.r[k].name, rs.r[k].text, exp, addrs[i].text);
		CHECK(strcmp(rs.r[k].name, exp) == 0);
		CHECK(rs.r[k].type == addrs[i].type);
		CHECK(rs.r[k].flags == addrs[i].flags);
		CHECK(strcmp(rs.r[k].text, addrs[i].text) == 0);
		CHECK(rs.r[k].ncomp == 6);
	}

	/* One leaf by name; the same value. */
	{
		struct nb_sysctl_value v;

		snprintf(exp, sizeof(exp), "%s.lladdr", name);
		CHECK_RC(nb_sysctl_get(h, exp, 0, &v), 0);
		CHECK(v.type == NB_SYSCTL_ADDRESS && strcmp(v.str, "02:00:5e:aa:bb:07") == 0);
		CHECK(v.len == strlen("02:00:5e:aa:bb:07"));
		snprintf(exp, sizeof(exp), "%s.addrs.1.address", name);
		CHECK_RC(nb_sysctl_get(h, exp, 0, &v), 0);
		CHECK(v.type == NB_SYSCTL_ADDRESS && strcmp(v.str, "fe80::1") == 0);
		snprintf(exp, sizeof(exp), "%s.stats.obytes", name);
		CHECK_RC(nb_sysctl_get(h, exp, 0, &v), 0);
		CHECK(v.u == ctrtotal(IX_ODD, NB_IFSTAT_OBYTES));
		CHECK(v.percpu == NULL);
	}

	/* walkv takes the raw (unescaped) components. */
	{
		const char *comp[] = { "net", "interfaces", ODD, "mtu" };

		rs.n = 0;
		CHECK_RC(nb_sysctl_walkv(h, comp, 4, 0, rec_cb, &rs), 0);
		CHECK(rs.n == 1);
		if (rs.n == 1) {
			snprintf(exp, sizeof(exp), "%s.mtu", name);
			CHECK(strcmp(rs.r[0].name, exp) == 0);
			CHECK(strcmp(rs.r[0].text, "1500") == 0);
		}
	}

	/* Pre-order nodes and shallow listing. */
	recs_walk(h, name, NB_SYSCTL_RD_NODES, &rs, 0);
	CHECK(rs.n == 1 + 11 + 1 + NB_IFSTAT_MAX + 1 + 3 + 17 + 1);	/* ... addrs, mcast */
	if (rs.n > 0) {
		CHECK(strcmp(rs.r[0].name, name) == 0);
		CHECK(rs.r[0].type == NB_SYSCTL_NODE);
	}
	recs_walk(h, name, NB_SYSCTL_RD_SHALLOW, &rs, 0);
	CHECK(rs.n == 11 + 3);
	if (rs.n == 14) {
		snprintf(exp, sizeof(exp), "%s.stats", name);
		CHECK(strcmp(rs.r[11].name, exp) == 0 && rs.r[11].type == NB_SYSCTL_NODE);
		snprintf(exp, sizeof(exp), "%s.addrs", name);
		CHECK(strcmp(rs.r[12].name, exp) == 0 && rs.r[12].type == NB_SYSCTL_NODE);
		snprintf(exp, sizeof(exp), "%s.mcast", name);
		CHECK(strcmp(rs.r[13].name, exp) == 0 && rs.r[13].type == NB_SYSCTL_NODE);
	}
	/* RD_NOVALUE keeps names and types. */
	recs_walk(h, name, NB_SYSCTL_RD_NOVALUE, &rs, 0);
	CHECK(rs.n == 11 + NB_IFSTAT_MAX + 17);
	if (rs.n > 5)
		CHECK(rs.r[5].type == NB_SYSCTL_INT && rs.r[5].flags == (G | W) && rs.r[5].u == 0);
	free(rs.r);
}

static void
test_order_and_root(struct nb_sysctl *h)
{
	struct recs rs = { 0 };
	const char *order[4];
	size_t i, n = 0;
	char exp[128];

	recs_walk(h, "net.interfaces", NB_SYSCTL_RD_SHALLOW, &rs, 0);
	for (i = 0; i < rs.n && n < 4; i++)
		order[n++] = rs.r[i].name + strlen("net.interfaces.");
	CHECK(rs.n == 4);
	if (n == 4) {
		CHECK(strcmp(order[0], "lo") == 0);
		CHECK(strcmp(order[1], "late") == 0);
		CHECK(strcmp(order[2], "br0") == 0);
		CHECK(strcmp(order[3], ODD_ESC) == 0);
	}
	/* The whole tree: static subtrees then statgroups. */
	recs_walk(h, "", NB_SYSCTL_RD_SHALLOW, &rs, 0);
	CHECK(rs.n == 3);
	if (rs.n == 3) {
		CHECK(strcmp(rs.r[0].name, "kern") == 0);
		CHECK(strcmp(rs.r[1].name, "net") == 0);
		CHECK(strcmp(rs.r[2].name, "stack") == 0);
	}
	recs_walk(h, NULL, 0, &rs, 0);
	CHECK(find(&rs, "stack.events") != NULL);
	CHECK(find(&rs, "kern.hashstat.ifnet_byname.items") != NULL);
	CHECK(find(&rs, "net.interfaces.lo.mtu") != NULL);
	snprintf(exp, sizeof(exp), "net.interfaces.%s.stats.noproto", ODD_ESC);
	CHECK(find(&rs, exp) != NULL);
	/* Every leaf at the root is reported once, at the same place as below. */
	{
		size_t all = rs.n;

		recs_walk(h, "net", 0, &rs, 0);
		CHECK(rs.n > 0 && rs.n < all);
	}
	free(rs.r);
}

/* nb_sysctl_entry.same: the components the previous entry of the walk had, exactly. */
struct samechk {
	char	 comp[NB_SYSCTL_MAXDEPTH][NB_SYSCTL_NAMEMAX + 1];
	size_t	 len[NB_SYSCTL_MAXDEPTH];
	unsigned n;		/* of the previous entry */
	unsigned entries, bad, hinted;
};

static int
same_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct samechk *c = arg;
	unsigned k, common = 0;

	while (common < c->n && common < e->ncomp && c->len[common] == e->complen[common] &&
	    memcmp(c->comp[common], e->comp[common], e->complen[common]) == 0)
		common++;
	/* Never more than is true; for the local walk, all that is true. */
	if (e->same != common) {
		if (c->bad++ < 5)
			fprintf(stderr, "entry %u: same %u, %u components in common\n", c->entries,
			    e->same, common);
	}
	c->hinted += e->same > 0;
	for (k = 0; k < e->ncomp && e->complen[k] <= NB_SYSCTL_NAMEMAX; k++) {
		memcpy(c->comp[k], e->comp[k], e->complen[k]);
		c->len[k] = e->complen[k];
	}
	c->n = k;
	c->entries++;
	return 0;
}

static void
test_same(struct nb_sysctl *h)
{
	static const char *const names[] = { "", "net.interfaces", "net.interfaces.br0.addrs",
	    "kern" };
	static const unsigned flags[] = { 0, NB_SYSCTL_RD_NODES, NB_SYSCTL_RD_PERCPU };
	static struct samechk c;
	size_t i, f;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		for (f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
			memset(&c, 0, sizeof(c));
			CHECK_RC(nb_sysctl_walk(h, names[i], flags[f], same_cb, &c), 0);
			if (c.bad != 0)
				fprintf(stderr, "walk of \"%s\", flags %#x\n", names[i], flags[f]);
			CHECK(c.bad == 0);
			CHECK(c.entries < 2 || c.hinted > 0);
		}
	}
}

static void
test_percpu(struct nb_sysctl *h, struct nb_stack *st)
{
	struct recs rs = { 0 };
	const struct rec *r;
	char exp[128];
	size_t i, npc = 0;

	recs_walk(h, "net.interfaces", NB_SYSCTL_RD_PERCPU, &rs, 0);
	for (i = 0; i < rs.n; i++) {
		if (!rs.r[i].percpu)
			continue;
		npc++;
		CHECK(rs.r[i].vsum == rs.r[i].u);
		CHECK(rs.r[i].ncpu == nb_stack_nslots(st));
		CHECK(rs.r[i].flags & P);
	}
	CHECK(npc == 4 * NB_IFSTAT_MAX);
	snprintf(exp, sizeof(exp), "net.interfaces.%s.stats.ibytes", ODD_ESC);
	r = find(&rs, exp);
	CHECK(r != NULL && r->u == ctrtotal(IX_ODD, NB_IFSTAT_IBYTES));

	/* The vector itself, through get. */
	{
		struct nb_sysctl_value v;

		snprintf(exp, sizeof(exp), "net.interfaces.%s.stats.ierrors", ODD_ESC);
		CHECK_RC(nb_sysctl_get(h, exp, NB_SYSCTL_RD_PERCPU, &v), 0);
		CHECK(v.percpu != NULL && v.ncpu == nb_stack_nslots(st));
		if (v.percpu != NULL) {
			CHECK(v.percpu[NB_SLOT_SOURCE] == ctrval(IX_ODD, 0, NB_IFSTAT_IERRORS));
			CHECK(v.percpu[slot1] == ctrval(IX_ODD, 1, NB_IFSTAT_IERRORS));
			CHECK(v.percpu[slot2] == ctrval(IX_ODD, 2, NB_IFSTAT_IERRORS));
		}
		CHECK(v.u == ctrtotal(IX_ODD, NB_IFSTAT_IERRORS));
	}

	/* stack.*: counters are per-CPU (the group has nslots slots), gauges never. */
	recs_walk(h, "stack", NB_SYSCTL_RD_PERCPU, &rs, 0);
	CHECK(rs.n == NB_HEALTH_MAX);
	r = find(&rs, "stack.sample_ns");
	CHECK(r != NULL && r->flags == G && !r->percpu);
	r = find(&rs, "stack.events");
	CHECK(r != NULL && r->flags == (C | (nb_stack_nslots(st) > 1 ? P : 0u)));
	CHECK(r != NULL && r->percpu == (nb_stack_nslots(st) > 1));
	CHECK(r != NULL && r->vsum == r->u);
	free(rs.r);
}

static void
test_mask(struct nb_sysctl *h, struct nb_stack *st)
{
	struct recs rs = { 0 };
	struct nb_sysctl_value v;
	uint32_t all = nb_stack_ifstat_mask(st);

	nb_stack_set_ifstat_mask(st, all & ~(1u << NB_IFSTAT_OMCASTS));
	CHECK_RC(nb_sysctl_get(h, "net.interfaces.lo.stats.omcasts", 0, &v), -ENOENT);
	CHECK_RC(nb_sysctl_get(h, "net.interfaces.lo.stats.obytes", 0, &v), 0);
	recs_walk(h, "net.interfaces.lo.stats", 0, &rs, 0);
	CHECK(rs.n == NB_IFSTAT_MAX - 1);
	CHECK(find(&rs, "net.interfaces.lo.stats.omcasts") == NULL);
	CHECK(find(&rs, "net.interfaces.lo.stats.collisions") != NULL);
	nb_stack_set_ifstat_mask(st, all);
	CHECK_RC(nb_sysctl_get(h, "net.interfaces.lo.stats.omcasts", 0, &v), 0);
	free(rs.r);
}

static void
test_hashstat(struct nb_sysctl *h, struct nb_stack *st)
{
	struct recs rs = { 0 };
	const struct rec *r;
	struct nb_read rd;
	size_t nif, naddr;
	char exp[128];

	nb_read_enter(st, &rd);
	nif = nb_if_count(&rd);
	naddr = nb_addr_count(&rd);
	nb_read_exit(&rd);
	CHECK(nif == 4 && naddr == 4);
	recs_walk(h, "kern.hashstat", 0, &rs, 0);
	CHECK(rs.n == 3 * 4);
	r = find(&rs, "kern.hashstat." NB_HASH_ADDR ".items");
	CHECK(r != NULL && r->u == naddr && r->type == NB_SYSCTL_U64 && r->flags == G);
	r = find(&rs, "kern.hashstat." NB_HASH_IFNAME ".items");
	CHECK(r != NULL && r->u == nif);
	r = find(&rs, "kern.hashstat." NB_HASH_IFINDEX ".items");
	CHECK(r != NULL && r->u == nif);
	r = find(&rs, "kern.hashstat." NB_HASH_IFINDEX ".size");
	CHECK(r != NULL && r->u >= 1);
	r = find(&rs, "kern.hashstat." NB_HASH_IFINDEX ".used");
	CHECK(r != NULL && r->u >= 1 && r->u <= nif);
	r = find(&rs, "kern.hashstat." NB_HASH_IFINDEX ".maxchain");
	CHECK(r != NULL && r->u >= 1 && r->u <= nif);
	snprintf(exp, sizeof(exp), "kern.hashstat.%s", NB_HASH_ADDR);
	recs_walk(h, exp, NB_SYSCTL_RD_NODES, &rs, 0);
	CHECK(rs.n == 5 && rs.r[0].type == NB_SYSCTL_NODE);
	free(rs.r);
}

static void
test_errors(struct nb_sysctl *h)
{
	struct nb_sysctl_value v;
	struct nb_sysctl_opts o = { 0 };
	struct nb_sysctl *h2 = NULL;
	const char *bad[] = { "net", "", "x" };
	struct recs rs = { 0 };

	CHECK_RC(nb_sysctl_get(h, "net.interfaces.nope.mtu", 0, &v), -ENOENT);
	CHECK_RC(nb_sysctl_get(h, "net.interfaces.lo.mtu.deeper", 0, &v), -ENOENT);
	CHECK_RC(nb_sysctl_get(h, "net.interfaces.lo.addrs.0", 0, &v), -ENOENT);
	CHECK_RC(nb_sysctl_get(h, "net.interfaces.0123456789abcdefXYZ.mtu", 0, &v), -ENOENT);
	CHECK_RC(nb_sysctl_get(h, "nosuch", 0, &v), -ENOENT);
	CHECK_RC(nb_sysctl_get(h, "net..interfaces", 0, &v), -EINVAL);
	CHECK_RC(nb_sysctl_get(h, "net.interfaces.lo\\", 0, &v), -EINVAL);
	CHECK_RC(nb_sysctl_get(h, "net.interfaces", 0, &v), -EISDIR);
	CHECK_RC(nb_sysctl_get(h, "net.interfaces.lo", 0, &v), -EISDIR);
	CHECK_RC(nb_sysctl_get(h, "", 0, &v), -EISDIR);
	CHECK_RC(nb_sysctl_get(h, "stack.samples", 0, &v), 0);
	CHECK(v.type == NB_SYSCTL_U64);
	CHECK_RC(nb_sysctl_walk(h, "no.such.node", 0, rec_cb, &rs), -ENOENT);
	CHECK_RC(nb_sysctl_walk(h, "net.interfaces_departed.nope", 0, rec_cb, &rs), -ENOENT);
	CHECK_RC(nb_sysctl_walkv(h, bad, 3, 0, rec_cb, &rs), -EINVAL);
	CHECK(rs.n == 0);

	CHECK_RC(nb_sysctl_write(h, "net.interfaces.lo.index", "3"), -EPERM);
	CHECK_RC(nb_sysctl_write(h, "net.interfaces.lo.stats.ibytes", "3"), -EPERM);
	CHECK_RC(nb_sysctl_write(h, "stack.samples", "0"), -EPERM);
	CHECK_RC(nb_sysctl_write(h, "net.interfaces.lo", "3"), -EISDIR);
	CHECK_RC(nb_sysctl_write(h, "net", "3"), -EISDIR);
	CHECK_RC(nb_sysctl_write(h, "net.interfaces.nope.mtu", "1400"), -ENOENT);
	CHECK_RC(nb_sysctl_write(h, "net.interfaces.lo.mtu", "abc"), -EINVAL);
	CHECK_RC(nb_sysctl_write(h, "net.interfaces.lo.mtu", ""), -EINVAL);
	CHECK_RC(nb_sysctl_write(h, "net.interfaces.lo.mtu", "-1"), -EINVAL);
	CHECK_RC(nb_sysctl_write(h, "net.interfaces.lo.mtu", " 1400"), -EINVAL);
	CHECK_RC(nb_sysctl_write(h, "net.interfaces.lo.mtu", "1400x"), -EINVAL);
	CHECK_RC(nb_sysctl_write(h, "net.interfaces.lo.txqlen", "4294967296"), -EINVAL);
	/* Valid value, but this handle has no source. */
	CHECK_RC(nb_sysctl_write(h, "net.interfaces.lo.mtu", "1400"), -EOPNOTSUPP);
	CHECK_RC(nb_sysctl_write(h, "net.interfaces.lo.txqlen", "4294967295"), -EOPNOTSUPP);
	CHECK_RC(nb_sysctl_get(h, "net.interfaces.lo.mtu", 0, &v), 0);
	CHECK(v.i == 65536);

	/* REMOTE needs a socket (tests/netns/nbstatd.bats serves one). */
	o.backend = NB_SYSCTL_REMOTE;
	CHECK_RC(nb_sysctl_open(&o, &h2), -EINVAL);
	nb_sysctl_close(&h2);
	CHECK(h2 == NULL);
	o.socket_path = "/nonexistent/nbstatd.sock";
	CHECK_RC(nb_sysctl_open(&o, &h2), -ENOENT);
	CHECK(h2 != NULL && strcmp(nb_sysctl_errdetail(h2), strerror(ENOENT)) == 0);
	nb_sysctl_close(&h2);
	CHECK(h2 == NULL);
	o.socket_path = NULL;
	/* REPLAY (tests/unit/test_history.c) needs a file. */
	o.backend = NB_SYSCTL_REPLAY;
	CHECK_RC(nb_sysctl_open(&o, &h2), -EINVAL);
	nb_sysctl_close(&h2);
	CHECK(h2 == NULL);
	o.backend = NB_SYSCTL_LOCAL;
	o.source = "no-such-source";
	CHECK_RC(nb_sysctl_open(&o, &h2), -ENOENT);
	CHECK(h2 == NULL);
	CHECK(nb_sysctl_stack(h) != NULL);
	CHECK(nb_sysctl_errdetail(h)[0] == '\0');
	free(rs.r);
}

static int
stop_cb(const struct nb_sysctl_entry *e, void *arg)
{
	unsigned *n = arg;

	return ++*n == 3 ? 42 : 0;
}

static int
reenter_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct nb_sysctl *h = arg;
	struct nb_sysctl_value v;

	return nb_sysctl_get(h, "stack.events", 0, &v);
}

static void
test_stop(struct nb_sysctl *h)
{
	unsigned n = 0;

	CHECK_RC(nb_sysctl_walk(h, "net.interfaces", 0, stop_cb, &n), 42);
	CHECK(n == 3);
	CHECK_RC(nb_sysctl_walk(h, "net.interfaces.lo", 0, reenter_cb, h), -EBUSY);
}

static struct json_object *
jpath(struct json_object *o, const char *const *keys)
{
	for (; o != NULL && *keys != NULL; keys++)
		if (!json_object_object_get_ex(o, *keys, &o))
			return NULL;
	return o;
}

static void
test_json(struct nb_sysctl *h, struct nb_stack *st)
{
	struct json_object *j = NULL, *back, *x;
	const char *s;

	CHECK_RC(nb_sysctl_json(h, "net.interfaces.lo.mtu", 0, &j), 0);
	s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
	CHECK(strcmp(s, "{\"net\":{\"interfaces\":{\"lo\":{\"mtu\":65536}}}}") == 0);
	json_object_put(j);

	CHECK_RC(nb_sysctl_json(h, "net.interfaces.nope", 0, &j), -ENOENT);

	CHECK_RC(nb_sysctl_json(h, NULL, 0, &j), 0);
	s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
	back = json_tokener_parse(s);
	CHECK(back != NULL);
	/* Valid UTF-8 with no control character, whatever the names hold. */
	CHECK(nb_sysctl_strsafe(s, strlen(s)));
	{
		const char *k1[] = { "net", "interfaces", ODD_VIS, "mtu", NULL };
		const char *k2[] = { "net", "interfaces", ODD_VIS, "stats", "ibytes", NULL };
		const char *k3[] = { "net", "interfaces", ODD_VIS, "addrs", "2", "peer", NULL };
		const char *k4[] = { "net", "interfaces", ODD_VIS, "gen", NULL };
		const char *k5[] = { "kern", "hashstat", NB_HASH_IFNAME, "items", NULL };
		const char *k6[] = { "stack", "samples", NULL };
		const char *k7[] = { "net", "interfaces", "lo", "addrs", NULL };

		x = jpath(back, k1);
		CHECK(x != NULL && json_object_is_type(x, json_type_int) &&
		    json_object_get_int64(x) == 1500);
		x = jpath(back, k2);
		CHECK(x != NULL && json_object_get_uint64(x) == ctrtotal(IX_ODD, NB_IFSTAT_IBYTES));
		x = jpath(back, k3);
		CHECK(x != NULL && strcmp(json_object_get_string(x), "192.168.1.2") == 0);
		x = jpath(back, k4);
		CHECK(x != NULL && json_object_get_uint64(x) >= 1);
		x = jpath(back, k5);
		CHECK(x != NULL && json_object_get_uint64(x) == 4);
		x = jpath(back, k6);
		CHECK(x != NULL && json_object_is_type(x, json_type_int));
		/* An empty interior node is still an object. */
		x = jpath(back, k7);
		CHECK(x != NULL && json_object_is_type(x, json_type_object) &&
		    json_object_object_length(x) == 0);
	}
	json_object_put(back);
	json_object_put(j);

	/* Per-CPU: {"total": N, "percpu": [...]}, the vector sums to the total. */
	CHECK_RC(nb_sysctl_json(h, "net.interfaces.late.stats", NB_SYSCTL_RD_PERCPU, &j), 0);
	back = json_tokener_parse(json_object_to_json_string(j));
	{
		const char *k[] = { "net", "interfaces", "late", "stats", "obytes", NULL };
		struct json_object *tot, *vec;
		uint64_t sum = 0;
		size_t i, n;

		x = jpath(back, k);
		CHECK(x != NULL && json_object_is_type(x, json_type_object));
		CHECK(json_object_object_get_ex(x, "total", &tot));
		CHECK(json_object_object_get_ex(x, "percpu", &vec));
		n = json_object_array_length(vec);
		CHECK(n == nb_stack_nslots(st));
		for (i = 0; i < n; i++)
			sum += json_object_get_uint64(json_object_array_get_idx(vec, i));
		CHECK(sum == json_object_get_uint64(tot));
		CHECK(sum == ctrtotal(IX_LATE, NB_IFSTAT_OBYTES));
	}
	json_object_put(back);
	json_object_put(j);
}

static void
test_departed(struct nb_sysctl *h, struct nb_stack *st, uint64_t brgen)
{
	struct recs rs = { 0 };
	const struct rec *r;
	char base[128], exp[192];
	struct nb_sysctl_value v;
	time_t t0 = time(NULL);
	unsigned i;

	recs_walk(h, "net.interfaces_departed", 0, &rs, 0);
	CHECK(rs.n == 0);
	CHECK_RC(nb_if_delete(st, IX_BR, NULL), 0);
	CHECK_RC(nb_sysctl_get(h, "net.interfaces.br0.mtu", 0, &v), -ENOENT);
	/* The master is gone: the odd interface says so. */
	snprintf(exp, sizeof(exp), "net.interfaces.%s.master", ODD_ESC);
	CHECK_RC(nb_sysctl_get(h, exp, 0, &v), 0);
	CHECK(v.type == NB_SYSCTL_STRING && v.len == 0 && strcmp(v.str, "") == 0);

	snprintf(base, sizeof(base), "net.interfaces_departed.br0@%" PRIu64, brgen);
	recs_walk(h, "net.interfaces_departed", 0, &rs, 0);
	CHECK(rs.n == 11 + NB_IFSTAT_MAX + 1);
	snprintf(exp, sizeof(exp), "%s.index", base);
	r = find(&rs, exp);
	CHECK(r != NULL && r->u == IX_BR);
	snprintf(exp, sizeof(exp), "%s.mtu", base);
	r = find(&rs, exp);
	CHECK(r != NULL && r->flags == G && strcmp(r->text, "9000") == 0);
	snprintf(exp, sizeof(exp), "%s.departed", base);
	r = find(&rs, exp);
	CHECK(r != NULL && r->type == NB_SYSCTL_INT && (int64_t)r->u >= (int64_t)t0 - 1 &&
	    (int64_t)r->u <= (int64_t)time(NULL) + 1);
	for (i = 0; i < NB_IFSTAT_MAX; i++) {
		snprintf(exp, sizeof(exp), "%s.stats.%s", base, nb_ifstat_desc[i].name);
		r = find(&rs, exp);
		CHECK(r != NULL && r->u == ctrtotal(IX_BR, i) && r->flags == C);
	}
	snprintf(exp, sizeof(exp), "%s.addrs", base);
	CHECK_RC(nb_sysctl_get(h, exp, 0, &v), -ENOENT);
	/* Escaped lookup of the departed entry itself. */
	snprintf(exp, sizeof(exp), "%s.gen", base);
	CHECK_RC(nb_sysctl_get(h, exp, 0, &v), 0);
	CHECK(v.u == brgen);
	free(rs.r);
}

/* ---- 10k interfaces ---- */

struct counter {
	size_t	 leaves;
	uint64_t sum;
};

static int
count_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct counter *c = arg;

	c->leaves++;
	if (e->val.type == NB_SYSCTL_U64)
		c->sum += e->val.u;
	return 0;
}

static void
test_10k(void)
{
	struct nb_stack_config cfg = { .nslots = 4 };
	struct nb_stack *st = NULL;
	struct nb_sysctl *h = NULL;
	struct json_object *j = NULL;
	struct counter c = { 0 };
	const unsigned N = 10001;
	uint64_t v[NB_IFSTAT_MAX];
	double t0, t1, best = 1e9;
	char name[NB_IFNAMSIZ], addr[32];
	unsigned i, k, run;

	CHECK_RC(nb_stack_create(&cfg, &st), 0);
	if (st == NULL)
		return;
	t0 = now_ms();
	for (i = 1; i <= N; i++) {
		snprintf(name, sizeof(name), i == 1 ? "lo" : "veth%u", i);
		mkif(st, i, name, i == 1 ? "" : "veth", 1500, 0, NULL);
		for (k = 0; k < NB_IFSTAT_MAX; k++)
			v[k] = (uint64_t)i * 100 + k;
		CHECK_RC(nb_if_stats_store(st, i, NB_SLOT_SOURCE, v), 0);
		snprintf(addr, sizeof(addr), "10.%u.%u.1", i / 256, i % 256);
		mkaddr(st, i, AF_INET, addr, 24, NULL, NULL, 0, 0);
	}
	t1 = now_ms();
	printf("10k: filled %u interfaces in %.1f ms\n", N, t1 - t0);
	CHECK_RC(nb_sysctl_open_stack(st, NULL, &h), 0);
	for (run = 0; run < 5 && h != NULL; run++) {
		c.leaves = 0;
		c.sum = 0;
		t0 = now_ms();
		CHECK_RC(nb_sysctl_walk(h, "net.interfaces", 0, count_cb, &c), 0);
		t1 = now_ms();
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	/* 11 leaves, 12 counters, 5 address leaves (no broadcast/peer) per interface. */
	CHECK(c.leaves == (size_t)N * (11 + NB_IFSTAT_MAX + 5));
	printf("10k: walk of net.interfaces: %zu leaves in %.2f ms (best of 5)\n", c.leaves, best);
	if (h != NULL) {
		c.leaves = 0;
		t0 = now_ms();
		CHECK_RC(nb_sysctl_walk(h, "net.interfaces", NB_SYSCTL_RD_PERCPU, count_cb, &c), 0);
		t1 = now_ms();
		printf("10k: per-CPU walk: %zu leaves in %.2f ms\n", c.leaves, t1 - t0);
		t0 = now_ms();
		CHECK_RC(nb_sysctl_json(h, "net.interfaces", 0, &j), 0);
		t1 = now_ms();
		printf("10k: json of net.interfaces in %.2f ms\n", t1 - t0);
		json_object_put(j);
		{
			struct nb_sysctl_value val;

			t0 = now_ms();
			for (i = 0; i < 1000; i++)
				CHECK_RC(nb_sysctl_get(h, "net.interfaces.veth9999.stats.obytes", 0,
				    &val), 0);
			t1 = now_ms();
			CHECK(val.u == 9999ull * 100 + NB_IFSTAT_OBYTES);
			printf("10k: get of one leaf: %.1f us\n", (t1 - t0));
		}
	}
	nb_sysctl_close(&h);
	CHECK(h == NULL);
	nb_stack_destroy(&st);
}

/* ---- lazy loading, over the real linux source (loopback always exists) ---- */

static uint64_t
samples(struct nb_sysctl *h)
{
	struct nb_sysctl_value v = { 0 };

	CHECK_RC(nb_sysctl_get(h, "stack.samples", 0, &v), 0);
	return v.u;
}

static void
test_lazy(void)
{
	struct nb_sysctl_opts o = { .backend = NB_SYSCTL_LOCAL };
	struct nb_sysctl *h = NULL;
	struct nb_sysctl_value v;
	struct counter c = { 0 };
	int64_t t0;

	CHECK_RC(nb_sysctl_open(&o, &h), 0);
	if (h == NULL)
		return;
	/* stack.* needs no family: reading it does no dump. */
	CHECK(samples(h) == 0);
	CHECK(samples(h) == 0);
	/* net.interfaces loads links, addresses and counters once per sample. */
	CHECK_RC(nb_sysctl_get(h, "net.interfaces.lo.index", 0, &v), 0);
	CHECK(v.type == NB_SYSCTL_INT && v.i >= 1);
	CHECK(samples(h) == 1);
	CHECK_RC(nb_sysctl_walk(h, "net.interfaces", 0, count_cb, &c), 0);
	CHECK(c.leaves > NB_IFSTAT_MAX);
	CHECK_RC(nb_sysctl_walk(h, "kern.hashstat", 0, count_cb, &c), 0);
	CHECK(samples(h) == 1);
	/* A missing interface is -ENOENT and does not dump anything else. */
	CHECK_RC(nb_sysctl_get(h, "net.interfaces.nbstat-none.mtu", 0, &v), -ENOENT);
	CHECK(samples(h) == 1);
	/* A new sample forgets what was loaded; the root loads everything once. */
	t0 = nb_sysctl_sample_time(h);
	CHECK_RC(nb_sysctl_sample(h), 0);
	CHECK(nb_sysctl_sample_time(h) >= t0);
	CHECK(samples(h) == 1);
	c.leaves = 0;
	CHECK_RC(nb_sysctl_walk(h, NULL, 0, count_cb, &c), 0);
	CHECK(samples(h) == 2);
	CHECK_RC(nb_sysctl_walk(h, "net", 0, count_cb, &c), 0);
	CHECK(samples(h) == 2);
	CHECK(nb_sysctl_stack(h) != NULL);
	nb_sysctl_close(&h);
	CHECK(h == NULL);
}

int
main(void)
{
	struct nb_stack_config cfg = { .nslots = 4 };
	struct nb_stack *st = NULL;
	struct nb_sysctl *h = NULL;
	uint64_t oddgen = 0, brgen = 0;

	CHECK_RC(nb_stack_create(&cfg, &st), 0);
	if (st == NULL)
		return 1;
	CHECK_RC(nb_slot_acquire(st, &slot1), 0);
	CHECK_RC(nb_slot_acquire(st, &slot2), 0);
	CHECK(slot1 != slot2 && slot1 != NB_SLOT_SOURCE && slot2 != NB_SLOT_SOURCE);
	mkif(st, IX_LO, "lo", "", 65536, 0, NULL);
	mkif(st, IX_BR, "br0", "bridge", 9000, 0, &brgen);
	mkif(st, IX_ODD, ODD, "bridge", 1500, IX_BR, &oddgen);
	mkif(st, IX_LATE, "late", "veth", 1500, 0, NULL);
	mkaddr(st, IX_ODD, AF_INET, "10.0.0.1", 24, "10.0.0.255", NULL, 0, 0x80);
	mkaddr(st, IX_ODD, AF_INET6, "fe80::1", 64, NULL, NULL, 253, 0);
	mkaddr(st, IX_ODD, AF_INET, "192.168.1.1", 32, NULL, "192.168.1.2", 100, 2);
	mkaddr(st, IX_LATE, AF_INET, "10.9.9.9", 8, NULL, NULL, 0, 0);
	fillstats(st, IX_LO);
	fillstats(st, IX_BR);
	fillstats(st, IX_ODD);
	fillstats(st, IX_LATE);

	CHECK_RC(nb_sysctl_open_stack(st, NULL, &h), 0);
	if (h != NULL) {
		test_odd_interface(h, oddgen);
		test_order_and_root(h);
		test_same(h);
		test_percpu(h, st);
		test_mask(h, st);
		test_hashstat(h, st);
		test_errors(h);
		test_stop(h);
		test_json(h, st);
		test_departed(h, st, brgen);
		CHECK_RC(nb_sysctl_sample(h), 0);
		CHECK(nb_sysctl_sample_time(h) > 0);
	}
	nb_sysctl_close(&h);
	nb_slot_release(st, slot1);
	nb_slot_release(st, slot2);
	nb_stack_destroy(&st);

	test_10k();
	test_lazy();

	if (failures != 0) {
		fprintf(stderr, "test_sysctl_tree: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_sysctl_tree: ok\n");
	return 0;
}
