/* SPDX-License-Identifier: BSD-2-Clause */
/* test_source_events.c - the linux source's event mode against the real kernel: churn, departed counters, overrun. */
/*
 * Runs in a network namespace of its own (unshare; root needed, skipped
 * with 77 otherwise); no traffic leaves it. The source is opened with
 * nb_source_opts.events and refresh(LINKS|ADDRS) is never called: whatever the
 * stack holds after open was applied by the event thread (or its resyncs).
 *
 * Oracle: `ip -j -d link show` and `ip -j addr show`. "Converged" means a
 * quiet moment (two oracle reads identical) in which the stack equals the
 * oracle field by field; the event thread applies asynchronously, so the
 * comparison is retried until it holds or 20 s pass.
 *
 *  1. churn: ~700 commands (veth creates, renames, deletes, recreates
 *     under the same name, v4/v6 address adds and removes) by ip -batch;
 *     renames keep (index, gen), a recreated name is a new gen.
 *  2. a veth pair carries frames both ways (AF_PACKET), counters polled
 *     (refresh(IFSTATS)), `ip -s -j link` read, then deleted: the departed
 *     entries hold TX equal to that read and RX equal to the polled values.
 *  3. a second stack with evbuf=4096 and a burst of thousands of events:
 *     dropped_events > 0, resyncs > 0, and it converges all the same.
 *  4. routes and neighbours: one refresh(ROUTES|NEIGH) loads them, then
 *     scripted churn (routes added, replaced and deleted in main and table
 *     100, v4 and v6, blackhole/unreachable; neighbours added, changed,
 *     deleted) is applied by events alone: the stack converges on
 *     `ip -j route show table all` (-4 and -6) and `ip -j neigh show nud
 *     all` with no resync. Then a stack with evbuf=4096 and bursts of
 *     thousands of route changes: overruns, resyncs, and equality again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_packet.h>
#include <linux/neighbour.h>
#include <net/ethernet.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nbsource/linux.h"
#include "nbstack/stack.h"

#include "check.h"

static int
run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if ((rc = system(cmd)) != 0)
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
	return rc;
}

static struct json_object *
ip_json(const char *cmd)
{
	struct json_object *j = NULL;
	char *buf = NULL, chunk[65536];
	size_t len = 0, n;
	FILE *f, *m;

	if ((f = popen(cmd, "r")) == NULL)
		return NULL;
	if ((m = open_memstream(&buf, &len)) == NULL) {
		pclose(f);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(m);
	if (pclose(f) == 0)
		j = json_tokener_parse(buf);
	free(buf);
	return j;
}

static struct json_object *
jget(struct json_object *o, const char *k)
{
	struct json_object *v;

	return o != NULL && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static int64_t
jint(struct json_object *o, const char *k, int64_t dflt)
{
	struct json_object *v = jget(o, k);

	return v != NULL ? json_object_get_int64(v) : dflt;
}

static const char *
jstr(struct json_object *o, const char *k)
{
	struct json_object *v = jget(o, k);

	return v != NULL && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static const struct { const char *name; uint32_t bit; } ifflag_names[] = {
	{ "UP", IFF_UP }, { "BROADCAST", IFF_BROADCAST }, { "DEBUG", IFF_DEBUG },
	{ "LOOPBACK", IFF_LOOPBACK }, { "POINTOPOINT", IFF_POINTOPOINT },
	{ "NOTRAILERS", IFF_NOTRAILERS }, { "NOARP", IFF_NOARP }, { "PROMISC", IFF_PROMISC },
	{ "ALLMULTI", IFF_ALLMULTI }, { "MASTER", IFF_MASTER }, { "SLAVE", IFF_SLAVE },
	{ "MULTICAST", IFF_MULTICAST }, { "PORTSEL", IFF_PORTSEL },
	{ "AUTOMEDIA", IFF_AUTOMEDIA }, { "DYNAMIC", IFF_DYNAMIC },
	{ "LOWER_UP", IFF_LOWER_UP }, { "DORMANT", IFF_DORMANT }, { "ECHO", IFF_ECHO },
};

static const char *const operstates[] = {
	"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP",
};

/* Mismatch report: printed only on the last (failing) attempt. */
static bool verbose;

#define DIFF(cond, ...) do {						\
	if (!(cond)) {							\
		bad++;							\
		if (verbose) {						\
			fprintf(stderr, "  differs: ");			\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
		}							\
	}								\
} while (0)

/* One link of `ip -j -d link` against the stack: number of differences. */
static unsigned
diff_link(const struct nb_read *rd, struct json_object *l)
{
	const char *name = jstr(l, "ifname"), *s;
	uint32_t index = (uint32_t)jint(l, "ifindex", 0), flags = 0;
	struct json_object *fl = jget(l, "flags");
	const struct nb_ifattrs *a;
	const struct nb_iface *ifp;
	unsigned bad = 0;
	size_t i, k;

	if ((ifp = nb_if_lookup_index(rd, index)) == NULL) {
		DIFF(0, "ifindex %u (%s) missing", index, name);
		return bad;
	}
	a = nb_iface_attrs(ifp);
	DIFF(strcmp(a->name, name) == 0, "ifindex %u: name %s, ip %s", index, a->name, name);
	DIFF(nb_if_lookup_name(rd, name) == ifp, "%s: by name", name);
	DIFF(a->mtu == (uint32_t)jint(l, "mtu", -1), "%s: mtu %u", name, a->mtu);
	DIFF(a->txqlen == (uint32_t)jint(l, "txqlen", 0), "%s: txqlen %u", name, a->txqlen);
	for (i = 0; fl != NULL && i < json_object_array_length(fl); i++) {
		s = json_object_get_string(json_object_array_get_idx(fl, i));
		for (k = 0; k < sizeof(ifflag_names) / sizeof(ifflag_names[0]); k++)
			if (strcmp(s, ifflag_names[k].name) == 0)
				flags |= ifflag_names[k].bit;
	}
	DIFF((a->flags & ~(uint32_t)IFF_RUNNING) == flags, "%s: flags %#x, ip %#x", name,
	    a->flags, flags);
	s = jstr(l, "operstate");
	DIFF(s != NULL && a->operstate < sizeof(operstates) / sizeof(operstates[0]) &&
	    strcmp(operstates[a->operstate], s) == 0, "%s: operstate %u, ip %s", name,
	    a->operstate, s);
	s = jstr(jget(l, "linkinfo"), "info_kind");
	DIFF(strcmp(a->kind, s != NULL ? s : "") == 0, "%s: kind %s", name, a->kind);
	return bad;
}

struct addr_count {
	unsigned	n;
	int		family;
	uint8_t		addr[16];
	unsigned	prefixlen;
	const struct nb_addrattrs *found;
};

static int
addr_cb(const struct nb_addr *ap, void *arg)
{
	struct addr_count *c = arg;
	const struct nb_addrattrs *a = nb_addr_attrs(ap);

	c->n++;
	if (a->family == c->family && a->prefixlen == c->prefixlen &&
	    memcmp(a->addr, c->addr, a->family == AF_INET ? 4 : 16) == 0)
		c->found = a;
	return 0;
}

/* One interface of `ip -j addr` against the stack: differences, *naddr counted. */
static unsigned
diff_addrs(const struct nb_read *rd, struct json_object *l, size_t *naddr)
{
	struct json_object *ai = jget(l, "addr_info"), *o;
	const struct nb_iface *ifp = nb_if_lookup_index(rd, (uint32_t)jint(l, "ifindex", 0));
	const char *name = jstr(l, "ifname"), *label;
	size_t i, n = ai != NULL ? json_object_array_length(ai) : 0;
	struct addr_count c;
	unsigned bad = 0;

	if (ifp == NULL) {
		DIFF(0, "%s: missing (addresses)", name);
		return bad;
	}
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(ai, i);
		memset(&c, 0, sizeof(c));
		c.family = strcmp(jstr(o, "family"), "inet6") == 0 ? AF_INET6 : AF_INET;
		c.prefixlen = (unsigned)jint(o, "prefixlen", -1);
		if (inet_pton(c.family, jstr(o, "local"), c.addr) != 1) {
			DIFF(0, "%s: bad local", name);
			continue;
		}
		nb_iface_addr_walk(rd, ifp, addr_cb, &c);
		if (c.found == NULL) {
			DIFF(0, "%s: %s/%u missing", name, jstr(o, "local"), c.prefixlen);
			continue;
		}
		label = jstr(o, "label");
		DIFF(strcmp(c.found->label, label != NULL ? label : "") == 0, "%s: label %s",
		    name, c.found->label);
		DIFF((jget(o, "dynamic") != NULL) == ((c.found->flags & IFA_F_PERMANENT) == 0),
		    "%s %s: flags %#x", name, jstr(o, "local"), c.found->flags);
	}
	memset(&c, 0, sizeof(c));
	nb_iface_addr_walk(rd, ifp, addr_cb, &c);
	DIFF(c.n == n, "%s: stack has %u addresses, ip %zu", name, c.n, n);
	*naddr += c.n;
	return bad;
}

/* The stack against one oracle read: number of differences. */
static unsigned
diff_all(struct nb_stack *st, struct json_object *links, struct json_object *addrs,
    size_t *nl, size_t *na)
{
	struct nb_read rd;
	unsigned bad = 0;
	size_t i;

	*nl = json_object_array_length(links);
	*na = 0;
	nb_read_enter(st, &rd);
	DIFF(nb_if_count(&rd) == *nl, "stack has %zu links, ip %zu", nb_if_count(&rd), *nl);
	for (i = 0; i < *nl; i++)
		bad += diff_link(&rd, json_object_array_get_idx(links, i));
	for (i = 0; i < json_object_array_length(addrs); i++)
		bad += diff_addrs(&rd, json_object_array_get_idx(addrs, i), na);
	DIFF(nb_addr_count(&rd) == *na, "stack has %zu addresses, %zu compared",
	    nb_addr_count(&rd), *na);
	nb_read_exit(&rd);
	return bad;
}

/* Wait (up to 20 s) until the stack equals a quiet oracle; CHECKs that it did. */
static void
converge(struct nb_stack *st, const char *when)
{
	struct json_object *l1, *a1, *l2, *a2;
	struct timespec t0, t1;
	size_t nl = 0, na = 0;
	unsigned bad = 1;
	int tries;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (tries = 1; tries <= 200 && bad != 0; tries++) {
		verbose = tries == 200;
		l1 = ip_json("ip -j -d link show");
		a1 = ip_json("ip -j addr show");
		bad = l1 != NULL && a1 != NULL ? diff_all(st, l1, a1, &nl, &na) : 1;
		l2 = ip_json("ip -j -d link show");
		a2 = ip_json("ip -j addr show");
		if (bad == 0 && (l2 == NULL || a2 == NULL || !json_object_equal(l1, l2) ||
		    !json_object_equal(a1, a2)))
			bad = 1;		/* not a quiet moment */
		json_object_put(l1);
		json_object_put(a1);
		json_object_put(l2);
		json_object_put(a2);
		if (bad != 0)
			usleep(100000);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(bad == 0, "%s: the stack never equalled ip (%u differences)", when, bad);
	if (bad == 0)
		printf("%s: %zu links, %zu addresses equal to ip after %.2f s (%d tries)\n", when,
		    nl, na, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		    tries - 1);
}

static uint64_t
health(struct nb_stack *st, unsigned idx)
{
	struct nb_read rd;
	uint64_t v;

	nb_read_enter(st, &rd);
	v = nb_ctrgroup_sum(nb_stack_health(st), idx);
	nb_read_exit(&rd);
	return v;
}

/* Write lines to a file and run `ip -batch` on it. */
static int
batch(const char *path, void (*gen)(FILE *f, void *arg), void *arg)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	gen(f, arg);
	if (fclose(f) != 0)
		return -1;
	return run("ip -force -batch %s", path);
}

#define NCHURN	120

static void
gen_create(FILE *f, void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < NCHURN; i++) {
		fprintf(f, "link add ea%d type veth peer name eb%d\n", i, i);
		fprintf(f, "addr add 10.%d.%d.1/24 dev ea%d\n", 100 + i / 200, i % 200, i);
		if (i % 3 == 0)
			fprintf(f, "addr add fd00:e::%x/64 nodad dev ea%d\n", i + 1, i);
		if (i % 4 == 0)
			fprintf(f, "link set ea%d up\n", i);
	}
}

static void
gen_change(FILE *f, void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < NCHURN; i++) {
		if (i % 5 == 1) {
			fprintf(f, "link set ea%d name rn%d\n", i, i);
			fprintf(f, "addr add 10.%d.%d.7/24 dev rn%d\n", 100 + i / 200, i % 200, i);
		} else if (i % 7 == 2) {
			fprintf(f, "link del ea%d\n", i);
			fprintf(f, "link add ea%d type veth peer name eb%d\n", i, i);
			fprintf(f, "addr add 10.%d.%d.9/24 dev ea%d\n", 100 + i / 200, i % 200, i);
		} else if (i % 3 == 0) {
			fprintf(f, "addr del fd00:e::%x/64 dev ea%d\n", i + 1, i);
			fprintf(f, "addr del 10.%d.%d.1/24 dev ea%d\n", 100 + i / 200, i % 200, i);
		} else if (i % 11 == 4) {
			fprintf(f, "link del eb%d\n", i);
		}
	}
	/* rename chains: a name freed and taken again in the same burst */
	fprintf(f, "link set eb5 name tmpx\nlink set eb7 name eb5\nlink set tmpx name eb7\n");
}

struct idgen {
	uint32_t	index;
	uint64_t	gen;
	bool		found;
	uint64_t	v[NB_IFSTAT_MAX];
};

static void
stack_if(struct nb_stack *st, const char *name, struct idgen *g)
{
	const struct nb_iface *ifp;
	struct nb_read rd;

	memset(g, 0, sizeof(*g));
	nb_read_enter(st, &rd);
	if ((ifp = nb_if_lookup_name(&rd, name)) != NULL) {
		g->found = true;
		g->index = nb_iface_attrs(ifp)->index;
		g->gen = nb_iface_gen(ifp);
		nb_iface_stats(ifp, g->v);
	}
	nb_read_exit(&rd);
}

struct dep_find {
	uint64_t	gen;
	bool		found;
	uint64_t	v[NB_IFSTAT_MAX];
};

static int
dep_cb(const struct nb_departed *d, void *arg)
{
	struct dep_find *f = arg;

	if (d->gen == f->gen) {
		f->found = true;
		memcpy(f->v, d->stats, sizeof(f->v));
	}
	return 0;
}

/* The departed entry of generation gen, waited for up to 5 s. */
static bool
departed(struct nb_stack *st, uint64_t gen, uint64_t v[NB_IFSTAT_MAX])
{
	struct dep_find f = { .gen = gen };
	struct nb_read rd;
	int i;

	for (i = 0; i < 100 && !f.found; i++) {
		nb_read_enter(st, &rd);
		nb_departed_walk(&rd, dep_cb, &f);
		nb_read_exit(&rd);
		if (!f.found)
			usleep(50000);
	}
	if (f.found)
		memcpy(v, f.v, sizeof(f.v));
	return f.found;
}

/* n broadcast frames of `len` bytes out of interface `index` (AF_PACKET). */
static int
send_frames(uint32_t index, int n, size_t len)
{
	struct sockaddr_ll sll;
	unsigned char frame[1500];
	int s, i, error = 0;

	if ((s = socket(AF_PACKET, SOCK_RAW, 0)) < 0)
		return -errno;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)index;
	sll.sll_halen = ETH_ALEN;
	memset(sll.sll_addr, 0xff, ETH_ALEN);
	memset(frame, 0, sizeof(frame));
	memset(frame, 0xff, ETH_ALEN);			/* dst: broadcast */
	frame[12] = 0x88;				/* local experimental ethertype */
	frame[13] = 0xb5;
	for (i = 0; i < n && error == 0; i++)
		if (sendto(s, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
			error = -errno;
	close(s);
	return error;
}

/* `ip -s -j link show dev name`: rx/tx packets and bytes. */
static int
ip_counters(const char *name, uint64_t *rxp, uint64_t *rxb, uint64_t *txp, uint64_t *txb)
{
	struct json_object *j, *s;
	char cmd[128];
	int error = -1;

	snprintf(cmd, sizeof(cmd), "ip -s -j link show dev %s", name);
	if ((j = ip_json(cmd)) == NULL)
		return -1;
	if (json_object_array_length(j) == 1 &&
	    (s = jget(json_object_array_get_idx(j, 0), "stats64")) != NULL) {
		*rxp = (uint64_t)jint(jget(s, "rx"), "packets", -1);
		*rxb = (uint64_t)jint(jget(s, "rx"), "bytes", -1);
		*txp = (uint64_t)jint(jget(s, "tx"), "packets", -1);
		*txb = (uint64_t)jint(jget(s, "tx"), "bytes", -1);
		error = 0;
	}
	json_object_put(j);
	return error;
}

static void
test_departed(struct nb_stack *st, struct nb_source *src)
{
	static const char *const names[2] = { "tx0", "tx1" };
	uint64_t rxp[2], rxb[2], txp[2], txb[2], v[NB_IFSTAT_MAX];
	struct idgen g[2];
	int i, error;

	if (run("ip link add tx0 type veth peer name tx1") ||
	    run("sysctl -q -w net.ipv6.conf.tx0.disable_ipv6=1 net.ipv6.conf.tx1.disable_ipv6=1") ||
	    run("ip link set tx0 up") || run("ip link set tx1 up")) {
		CHECK(0, "departed: setup");
		return;
	}
	converge(st, "veth pair up");
	for (i = 0; i < 2; i++)
		stack_if(st, names[i], &g[i]);
	CHECK(g[0].found && g[1].found, "tx0/tx1 not in the stack");
	if (!g[0].found || !g[1].found)
		return;
	CHECK(send_frames(g[0].index, 40, 300) == 0, "frames out of tx0");
	CHECK(send_frames(g[1].index, 25, 200) == 0, "frames out of tx1");
	usleep(100000);
	error = nb_source_refresh(src, NB_FAM_IFSTATS);
	CHECK(error == 0, "refresh(IFSTATS): %d %s", error, nb_source_error(src));
	for (i = 0; i < 2; i++) {
		CHECK(ip_counters(names[i], &rxp[i], &rxb[i], &txp[i], &txb[i]) == 0, "ip -s %s",
		    names[i]);
		stack_if(st, names[i], &g[i]);
		/* the polled values are the ones ip shows (nothing else moves) */
		CHECK(g[i].v[NB_IFSTAT_IPACKETS] == rxp[i] && g[i].v[NB_IFSTAT_IBYTES] == rxb[i] &&
		    g[i].v[NB_IFSTAT_OPACKETS] == txp[i] && g[i].v[NB_IFSTAT_OBYTES] == txb[i],
		    "%s: polled %llu/%llu, ip rx %llu tx %llu", names[i],
		    (unsigned long long)g[i].v[NB_IFSTAT_IPACKETS],
		    (unsigned long long)g[i].v[NB_IFSTAT_OPACKETS],
		    (unsigned long long)rxp[i], (unsigned long long)txp[i]);
	}
	CHECK(txp[0] >= 40 && txp[1] >= 25 && rxp[0] >= 25 && rxp[1] >= 40,
	    "traffic did not move: tx %llu/%llu rx %llu/%llu", (unsigned long long)txp[0],
	    (unsigned long long)txp[1], (unsigned long long)rxp[0], (unsigned long long)rxp[1]);
	if (run("ip link del tx0"))
		CHECK(0, "del tx0");
	for (i = 0; i < 2; i++) {
		if (!departed(st, g[i].gen, v)) {
			CHECK(0, "%s (gen %llu) not in the departed list", names[i],
			    (unsigned long long)g[i].gen);
			continue;
		}
		CHECK(v[NB_IFSTAT_OPACKETS] == txp[i] && v[NB_IFSTAT_OBYTES] == txb[i],
		    "%s departed TX %llu pkts %llu bytes, ip said %llu %llu", names[i],
		    (unsigned long long)v[NB_IFSTAT_OPACKETS], (unsigned long long)v[NB_IFSTAT_OBYTES],
		    (unsigned long long)txp[i], (unsigned long long)txb[i]);
		CHECK(v[NB_IFSTAT_IPACKETS] == g[i].v[NB_IFSTAT_IPACKETS] &&
		    v[NB_IFSTAT_IBYTES] == g[i].v[NB_IFSTAT_IBYTES],
		    "%s departed RX %llu pkts %llu bytes, polled %llu %llu", names[i],
		    (unsigned long long)v[NB_IFSTAT_IPACKETS], (unsigned long long)v[NB_IFSTAT_IBYTES],
		    (unsigned long long)g[i].v[NB_IFSTAT_IPACKETS],
		    (unsigned long long)g[i].v[NB_IFSTAT_IBYTES]);
		printf("departed %s: tx %llu pkts %llu bytes (= ip), rx %llu pkts %llu bytes (= polled)\n",
		    names[i], (unsigned long long)v[NB_IFSTAT_OPACKETS],
		    (unsigned long long)v[NB_IFSTAT_OBYTES], (unsigned long long)v[NB_IFSTAT_IPACKETS],
		    (unsigned long long)v[NB_IFSTAT_IBYTES]);
	}
	converge(st, "after the veth delete");
}

/* Routes and neighbours (section 4) ---------------------------------- */

static const char *const rtypes[] = {
	"unspec", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole",
	"unreachable", "prohibit", "throw", "nat", "xresolve",
};

/* NUD_* bits in iproute2's order of names (ip neigh prints each set bit). */
static const struct { const char *name; uint16_t bit; } nud_names[] = {
	{ "INCOMPLETE", 0x01 }, { "REACHABLE", 0x02 }, { "STALE", 0x04 }, { "DELAY", 0x08 },
	{ "PROBE", 0x10 }, { "FAILED", 0x20 }, { "NOARP", 0x40 }, { "PERMANENT", 0x80 },
};

/* A growing list of strings, compared as sorted multisets. */
struct keys {
	char	**v;
	size_t	  n, cap;
};

static void
keys_add(struct keys *k, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (k->n == k->cap) {
		k->cap = k->cap != 0 ? k->cap * 2 : 256;
		if ((k->v = realloc(k->v, k->cap * sizeof(*k->v))) == NULL)
			abort();
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	k->v[k->n++] = s;
}

static int
keys_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
keys_free(struct keys *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->v[i]);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

/* Differences between two key lists (sorted in place). */
static unsigned
keys_diff(struct keys *a, struct keys *b, const char *what)
{
	unsigned bad = 0;
	size_t i = 0, j = 0;
	int c;

	if (a->n > 0)
		qsort(a->v, a->n, sizeof(*a->v), keys_cmp);
	if (b->n > 0)
		qsort(b->v, b->n, sizeof(*b->v), keys_cmp);
	while (i < a->n || j < b->n) {
		c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->v[i], b->v[j]);
		if (c == 0) {
			i++, j++;
			continue;
		}
		DIFF(0, "%s: %s only: %s", what, c < 0 ? "ip" : "stack", c < 0 ? a->v[i] : b->v[j]);
		if (c < 0)
			i++;
		else
			j++;
	}
	return bad;
}

static const char *
table_name(uint32_t t, char *buf, size_t len)
{
	switch (t) {
	case 253: return "default";
	case 254: return "main";
	case 255: return "local";
	}
	snprintf(buf, len, "%u", t);
	return buf;
}

/* `ip -j -F route show table all` entries into keys. */
static void
ip_route_keys(struct json_object *j, int family, struct keys *k)
{
	struct json_object *e, *nh;
	const char *dst, *gw, *dev, *type, *table;
	char abuf[INET6_ADDRSTRLEN], dbuf[64], *slash;
	uint8_t addr[16];
	unsigned len;
	size_t i;

	for (i = 0; j != NULL && i < json_object_array_length(j); i++) {
		e = json_object_array_get_idx(j, i);
		dst = jstr(e, "dst");
		gw = jstr(e, "gateway");
		dev = jstr(e, "dev");
		if ((nh = jget(e, "nexthops")) != NULL && json_object_array_length(nh) > 0) {
			gw = jstr(json_object_array_get_idx(nh, 0), "gateway");
			dev = jstr(json_object_array_get_idx(nh, 0), "dev");
		}
		type = jstr(e, "type");
		table = jstr(e, "table");
		len = family == AF_INET ? 32 : 128;
		memset(addr, 0, sizeof(addr));
		if (dst == NULL || strcmp(dst, "default") == 0) {
			len = 0;
		} else {
			snprintf(dbuf, sizeof(dbuf), "%s", dst);
			if ((slash = strchr(dbuf, '/')) != NULL) {
				*slash = '\0';
				len = (unsigned)atoi(slash + 1);
			}
			if (inet_pton(family, dbuf, addr) != 1)
				snprintf(dbuf, sizeof(dbuf), "?%s", dst);
		}
		inet_ntop(family, addr, abuf, sizeof(abuf));
		keys_add(k, "%d %s/%u table %s type %s metric %lld gw %s dev %s", family, abuf, len,
		    table != NULL ? table : "main", type != NULL ? type : "unicast",
		    (long long)jint(e, "metric", 0), gw != NULL ? gw : "-", dev != NULL ? dev : "-");
	}
}

static const char *
ifname_of(const struct nb_read *rd, uint32_t index, char *buf)
{
	const struct nb_iface *ifp;

	if (index == 0)
		return "-";
	if ((ifp = nb_if_lookup_index(rd, index)) == NULL) {
		snprintf(buf, NB_IFNAMSIZ, "#%u", index);
		return buf;
	}
	return nb_iface_attrs(ifp)->name;
}

struct rn_walk {
	const struct nb_read	*rd;
	struct keys		*k;
};

static int
stack_route_cb(const struct nb_route *r, void *arg)
{
	struct rn_walk *w = arg;
	const struct nb_routeattrs *a = nb_route_attrs(r);
	char abuf[INET6_ADDRSTRLEN], gbuf[INET6_ADDRSTRLEN], tbuf[16], nbuf[NB_IFNAMSIZ];

	inet_ntop(a->family, a->dst, abuf, sizeof(abuf));
	if (a->has_gw)
		inet_ntop(a->family, a->gw, gbuf, sizeof(gbuf));
	keys_add(w->k, "%d %s/%u table %s type %s metric %u gw %s dev %s", a->family, abuf,
	    a->dst_len, table_name(a->table, tbuf, sizeof(tbuf)),
	    a->type < sizeof(rtypes) / sizeof(rtypes[0]) ? rtypes[a->type] : "?", a->metric,
	    a->has_gw ? gbuf : "-", ifname_of(w->rd, a->oif, nbuf));
	return 0;
}

/*
 * A NOARP entry for a multicast destination (ff02::16 after an MLD report)
 * is made by the kernel without an RTM_NEWNEIGH: events cannot show it,
 * only a dump (load, resync) does. Such entries are left out of the
 * comparison on both sides; every other entry must match.
 */
static bool
silent_neigh(const char *dst, struct json_object *state)
{
	uint8_t a[16];
	size_t m;

	if (dst == NULL)
		return false;
	if (inet_pton(AF_INET6, dst, a) == 1 ? a[0] != 0xff :
	    inet_pton(AF_INET, dst, a) != 1 || (a[0] & 0xf0) != 0xe0)
		return false;
	for (m = 0; state != NULL && m < json_object_array_length(state); m++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(state, m)), "NOARP") == 0)
			return true;
	return false;
}

static void
ip_neigh_keys(struct json_object *j, struct keys *k)
{
	struct json_object *e, *stl;
	char state[128];
	size_t i, m;

	for (i = 0; j != NULL && i < json_object_array_length(j); i++) {
		e = json_object_array_get_idx(j, i);
		if (silent_neigh(jstr(e, "dst"), jget(e, "state")))
			continue;
		state[0] = '\0';
		stl = jget(e, "state");
		for (m = 0; stl != NULL && m < json_object_array_length(stl); m++) {
			if (m > 0)
				strcat(state, ",");
			strncat(state, json_object_get_string(json_object_array_get_idx(stl, m)), 20);
		}
		keys_add(k, "%s dev %s lladdr %s %s", jstr(e, "dst"), jstr(e, "dev"),
		    jstr(e, "lladdr") != NULL ? jstr(e, "lladdr") : "-", state[0] ? state : "NONE");
	}
}

static int
stack_neigh_cb(const struct nb_neigh *n, void *arg)
{
	struct rn_walk *w = arg;
	const struct nb_neighattrs *a = nb_neigh_attrs(n);
	char abuf[INET6_ADDRSTRLEN], ll[3 * NB_LLADDR_MAX + 1], state[128], nbuf[NB_IFNAMSIZ];
	size_t i;

	inet_ntop(a->family, a->dst, abuf, sizeof(abuf));
	if ((a->state & NUD_NOARP) != 0 && ((a->family == AF_INET6 && a->dst[0] == 0xff) ||
	    (a->family == AF_INET && (a->dst[0] & 0xf0) == 0xe0)))
		return 0;	/* silent_neigh() */
	ll[0] = state[0] = '\0';
	for (i = 0; i < a->lladdr_len; i++)
		snprintf(ll + 3 * i, sizeof(ll) - 3 * i, "%02x%s", a->lladdr[i],
		    i + 1 < a->lladdr_len ? ":" : "");
	for (i = 0; i < sizeof(nud_names) / sizeof(nud_names[0]); i++) {
		if ((a->state & nud_names[i].bit) == 0)
			continue;
		if (state[0] != '\0')
			strcat(state, ",");
		strcat(state, nud_names[i].name);
	}
	keys_add(w->k, "%s dev %s lladdr %s %s", abuf, ifname_of(w->rd, a->ifindex, nbuf),
	    a->lladdr_len ? ll : "-", state[0] ? state : "NONE");
	return 0;
}

/* The stack's routes and neighbours against one oracle read: differences. */
static unsigned
rn_diff(struct nb_stack *st, size_t *nr, size_t *nn)
{
	struct json_object *r4 = ip_json("ip -j -4 route show table all");
	struct json_object *r6 = ip_json("ip -j -6 route show table all");
	struct json_object *ng = ip_json("ip -j neigh show nud all");
	struct keys ir = { 0 }, sr = { 0 }, in = { 0 }, sn = { 0 };
	struct rn_walk w;
	struct nb_read rd;
	unsigned bad = 0;

	if (r4 == NULL || r6 == NULL || ng == NULL) {
		bad = 1;
		goto out;
	}
	ip_route_keys(r4, AF_INET, &ir);
	ip_route_keys(r6, AF_INET6, &ir);
	ip_neigh_keys(ng, &in);
	nb_read_enter(st, &rd);
	w.rd = &rd;
	w.k = &sr;
	nb_route_walk(&rd, stack_route_cb, &w);
	w.k = &sn;
	nb_neigh_walk(&rd, stack_neigh_cb, &w);
	nb_read_exit(&rd);
	*nr = sr.n;
	*nn = sn.n;
	bad += keys_diff(&ir, &sr, "route");
	bad += keys_diff(&in, &sn, "neigh");
out:
	keys_free(&ir);
	keys_free(&sr);
	keys_free(&in);
	keys_free(&sn);
	json_object_put(r4);
	json_object_put(r6);
	json_object_put(ng);
	return bad;
}

/* Wait (up to 20 s) until the stack's routes and neighbours equal ip's. */
static void
rn_converge(struct nb_stack *st, const char *when, size_t minroutes)
{
	struct timespec t0, t1;
	size_t nr = 0, nn = 0;
	unsigned bad = 1;
	int tries;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (tries = 1; tries <= 200 && bad != 0; tries++) {
		verbose = tries == 200;
		bad = rn_diff(st, &nr, &nn);
		if (bad == 0 && rn_diff(st, &nr, &nn) != 0)
			bad = 1;	/* equal twice in a row: a quiet moment */
		if (bad != 0)
			usleep(100000);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(bad == 0, "%s: routes/neighbours never equalled ip (%u differences)", when, bad);
	CHECK(nr >= minroutes, "%s: only %zu routes", when, nr);
	if (bad == 0)
		printf("%s: %zu routes, %zu neighbours equal to ip after %.2f s (%d tries)\n", when,
		    nr, nn, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		    tries - 1);
}

#define NROUTES	150

static void
gen_routes(FILE *f, void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < NROUTES; i++) {
		fprintf(f, "route add 10.80.%d.0/24 via 10.77.0.2\n", i);
		fprintf(f, "route add 10.81.%d.0/24 dev rt0 table 100 metric %d\n", i, i % 4);
		fprintf(f, "route add 2001:db8:80:%x::/64 via 2001:db8:77::2%s\n", i,
		    i % 2 ? " table 100" : "");
		fprintf(f, "neigh add 10.77.1.%d lladdr 02:00:00:00:01:%02x dev rt0 nud permanent\n",
		    i + 1, i);
		if (i % 3 == 0)
			fprintf(f, "neigh add 2001:db8:77::1:%x lladdr 02:00:00:00:02:%02x dev rt0 "
			    "nud stale\n", i + 1, i);
	}
	fprintf(f, "route add blackhole 10.82.0.0/16 table 100\n");
	fprintf(f, "route add unreachable 10.83.0.0/16\n");
	fprintf(f, "route add blackhole 2001:db8:82::/48\n");
	fprintf(f, "route add unreachable 2001:db8:83::/48 table 100\n");
	for (i = 0; i < NROUTES; i++) {
		if (i % 3 == 0) {
			fprintf(f, "route del 10.80.%d.0/24\n", i);
			fprintf(f, "route del 2001:db8:80:%x::/64%s\n", i, i % 2 ? " table 100" : "");
			fprintf(f, "neigh del 10.77.1.%d dev rt0\n", i + 1);
		} else if (i % 3 == 1) {
			/* another interface: a new identity that replaces the old one */
			fprintf(f, "route replace 10.80.%d.0/24 via 10.78.0.2 dev rt1\n", i);
			fprintf(f, "route change 10.81.%d.0/24 via 10.77.0.3 dev rt0 table 100 "
			    "metric %d\n", i, i % 4);
			fprintf(f, "neigh change 10.77.1.%d lladdr 02:00:00:00:03:%02x dev rt0 "
			    "nud stale\n", i + 1, i);
		}
		if (i % 6 == 0)
			fprintf(f, "neigh del 2001:db8:77::1:%x dev rt0\n", i + 1);
	}
	fprintf(f, "route del blackhole 10.82.0.0/16 table 100\n");
}

#define NRBURST	1500

static void
gen_route_burst(FILE *f, void *arg)
{
	int i, round = *(int *)arg;

	for (i = 0; i < NRBURST; i++)
		fprintf(f, "route add 10.%d.%d.%d/32 dev rt0 table %d\n", 180 + round,
		    i / 250, i % 250 + 1, 100 + i % 3);
	for (i = 0; i < NRBURST; i += 2)
		fprintf(f, "route del 10.%d.%d.%d/32 dev rt0 table %d\n", 180 + round,
		    i / 250, i % 250 + 1, 100 + i % 3);
	for (i = 0; i < NRBURST / 4; i++)
		fprintf(f, "neigh replace 10.77.2.%d lladdr 02:00:00:00:04:%02x dev rt0 nud %s\n",
		    i % 250 + 1, (i + round) % 256, i % 2 ? "permanent" : "stale");
}

static void
test_routes(const char *path)
{
	struct nb_source_opts o = { .events = true };
	struct nb_stack *st = NULL;
	struct nb_source *src = NULL;
	uint64_t r0, e0, d0;
	int error, round;

	if (run("ip link add rt0 type veth peer name rt1") || run("ip link set rt0 up") ||
	    run("ip link set rt1 up") || run("ip addr add 10.77.0.1/16 dev rt0") ||
	    run("ip addr add 10.78.0.1/24 dev rt1") ||
	    run("ip addr add 2001:db8:77::1/64 nodad dev rt0") ||
	    run("ip route add 10.79.0.0/24 via 10.77.0.2 table 100")) {
		CHECK(0, "routes: setup");
		return;
	}
	if ((error = nb_stack_create(NULL, &st)) != 0 ||
	    (error = nb_source_open(st, &nb_source_linux_ops, &o, &src)) != 0) {
		CHECK(0, "routes: stack/source: %d", error);
		goto out;
	}
	/* the first refresh loads them; from then on events alone */
	error = nb_source_refresh(src, NB_FAM_ROUTES | NB_FAM_NEIGH);
	CHECK(error == 0, "refresh(ROUTES|NEIGH): %d %s", error, nb_source_error(src));
	rn_converge(st, "routes: loaded", 5);
	r0 = health(st, NB_HEALTH_RESYNCS);
	e0 = health(st, NB_HEALTH_EVENTS);
	if (batch(path, gen_routes, NULL) != 0)
		CHECK(0, "routes: churn batch");
	rn_converge(st, "routes: after churn (events only)", 2 * NROUTES);
	CHECK(health(st, NB_HEALTH_RESYNCS) == r0, "routes: %llu resyncs during the churn",
	    (unsigned long long)(health(st, NB_HEALTH_RESYNCS) - r0));
	CHECK(health(st, NB_HEALTH_EVENTS) - e0 >= 4 * NROUTES, "routes: only %llu events",
	    (unsigned long long)(health(st, NB_HEALTH_EVENTS) - e0));
	/* a refresh now re-dumps nothing and changes nothing */
	error = nb_source_refresh(src, NB_FAM_ROUTES | NB_FAM_NEIGH);
	CHECK(error == 0, "refresh(ROUTES|NEIGH) again: %d %s", error, nb_source_error(src));
	CHECK(health(st, NB_HEALTH_RESYNCS) == r0, "routes: refresh resynced");
	/* the kernel drops IPv4 routes of a downed link silently */
	if (run("ip link set rt1 down"))
		CHECK(0, "routes: rt1 down");
	rn_converge(st, "routes: rt1 down", 2 * NROUTES);
	if (run("ip link set rt1 up") || run("ip route add 10.84.0.0/24 via 10.78.0.2 dev rt1"))
		CHECK(0, "routes: rt1 up");
	rn_converge(st, "routes: rt1 up", 2 * NROUTES);
	nb_source_close(&src);
	nb_stack_destroy(&st);

	/* overrun: tiny buffer, bursts of route changes */
	o.args = "evbuf=4096";
	if ((error = nb_stack_create(NULL, &st)) != 0 ||
	    (error = nb_source_open(st, &nb_source_linux_ops, &o, &src)) != 0) {
		CHECK(0, "routes overrun: stack/source: %d", error);
		goto out;
	}
	error = nb_source_refresh(src, NB_FAM_ROUTES | NB_FAM_NEIGH);
	CHECK(error == 0, "refresh(ROUTES|NEIGH): %d %s", error, nb_source_error(src));
	d0 = health(st, NB_HEALTH_DROPPED_EVENTS);
	r0 = health(st, NB_HEALTH_RESYNCS);
	for (round = 0; round < 5 && health(st, NB_HEALTH_DROPPED_EVENTS) == d0; round++)
		if (batch(path, gen_route_burst, &round) != 0)
			CHECK(0, "route burst");
	rn_converge(st, "routes: evbuf=4096, after the burst", NRBURST / 2);
	printf("routes overrun: %d burst(s), dropped_events +%llu, resyncs +%llu\n", round,
	    (unsigned long long)(health(st, NB_HEALTH_DROPPED_EVENTS) - d0),
	    (unsigned long long)(health(st, NB_HEALTH_RESYNCS) - r0));
	CHECK(health(st, NB_HEALTH_DROPPED_EVENTS) > d0, "routes: no overrun seen");
	CHECK(health(st, NB_HEALTH_RESYNCS) > r0, "routes: no resync");
out:
	nb_source_close(&src);
	if (st != NULL)
		nb_stack_destroy(&st);
	run("ip link del rt0");
}

#define NBURST	400

static void
gen_burst(FILE *f, void *arg)
{
	int i, round = *(int *)arg;

	for (i = 0; i < NBURST; i++) {
		fprintf(f, "link add bx%d type veth peer name by%d\n", i, i);
		fprintf(f, "addr add 10.%d.%d.%d/32 dev bx%d\n", 150 + round, i / 200, i % 200 + 1, i);
		fprintf(f, "link set bx%d name bz%d\n", i, i);
	}
	for (i = 0; i < NBURST; i += 2)
		fprintf(f, "link del bz%d\n", i);
	for (i = 1; i < NBURST; i += 2)
		fprintf(f, "link set bz%d name bx%d\n", i, i);
	/* deleting a link with many addresses: one request, a DELADDR train */
	fprintf(f, "link add fl0 type veth peer name fl1\n");
	for (i = 0; i < 2 * NBURST; i++)
		fprintf(f, "addr add 10.250.%d.%d/32 dev fl0\n", i / 200, i % 200 + 1);
	fprintf(f, "link del fl0\n");
}

static void
gen_burst_undo(FILE *f, void *arg)
{
	int i;

	(void)arg;
	for (i = 1; i < NBURST; i += 2)
		fprintf(f, "link del bx%d\n", i);
}

static void
test_overrun(const char *path)
{
	struct nb_source_opts o = { .events = true, .args = "evbuf=4096" };
	struct nb_stack *st = NULL;
	struct nb_source *src = NULL;
	uint64_t d0, r0;
	int error, round;

	if ((error = nb_stack_create(NULL, &st)) != 0 ||
	    (error = nb_source_open(st, &nb_source_linux_ops, &o, &src)) != 0) {
		CHECK(0, "overrun: stack/source: %d", error);
		goto out;
	}
	converge(st, "evbuf=4096, start");
	d0 = health(st, NB_HEALTH_DROPPED_EVENTS);
	r0 = health(st, NB_HEALTH_RESYNCS);
	for (round = 0; round < 5 && health(st, NB_HEALTH_DROPPED_EVENTS) == d0; round++) {
		if (batch(path, gen_burst, &round) != 0 || batch(path, gen_burst_undo, NULL) != 0)
			CHECK(0, "burst");
	}
	converge(st, "evbuf=4096, after the burst");
	printf("overrun: %d burst(s), dropped_events +%llu, resyncs +%llu, events %llu\n", round,
	    (unsigned long long)(health(st, NB_HEALTH_DROPPED_EVENTS) - d0),
	    (unsigned long long)(health(st, NB_HEALTH_RESYNCS) - r0),
	    (unsigned long long)health(st, NB_HEALTH_EVENTS));
	CHECK(health(st, NB_HEALTH_DROPPED_EVENTS) > d0, "no overrun seen");
	CHECK(health(st, NB_HEALTH_RESYNCS) > r0, "no resync");
	/* a bad evbuf is refused */
	o.args = "evbuf=x";
	nb_source_close(&src);
	CHECK(nb_source_open(st, &nb_source_linux_ops, &o, &src) == -EINVAL, "evbuf=x accepted");
out:
	nb_source_close(&src);
	if (st != NULL)
		nb_stack_destroy(&st);
}

int
main(void)
{
	struct nb_source_opts o = { .events = true };
	char path[] = "/tmp/nbstat-events-XXXXXX";
	struct nb_stack *st = NULL;
	struct nb_source *src = NULL;
	struct idgen r1, r2, e2, e2b, n2;
	uint64_t v[NB_IFSTAT_MAX];
	int fd, error;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		printf("SKIP: needs root (unshare CLONE_NEWNET)\n");
		return 77;
	}
	if ((fd = mkstemp(path)) < 0) {
		CHECK(0, "mkstemp: %s", strerror(errno));
		return 1;
	}
	close(fd);
	if (run("ip link set lo up") ||
	    run("sysctl -q -w net.ipv6.conf.all.router_solicitations=0 "
		"net.ipv6.conf.default.router_solicitations=0 "
		"net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0") ||
	    run("ip link add br0 type bridge") || run("ip link add pre0 type veth peer name pre1") ||
	    run("ip addr add 10.9.0.1/24 dev pre0")) {
		CHECK(0, "setup");
		goto out;
	}
	if ((error = nb_stack_create(NULL, &st)) != 0 ||
	    (error = nb_source_open(st, &nb_source_linux_ops, &o, &src)) != 0) {
		CHECK(0, "stack/source: %d", error);
		goto out;
	}
	/* 0. open loaded what was there; events follow from then on */
	converge(st, "open");

	/* 1. churn, applied by the event thread alone */
	if (batch(path, gen_create, NULL) != 0)
		CHECK(0, "create batch");
	/* a bridge port joins and leaves: AF_BRIDGE DELLINK must not delete it */
	if (run("ip link set pre1 master br0") || run("ip link set pre1 nomaster"))
		CHECK(0, "bridge port");
	converge(st, "after creates");
	stack_if(st, "ea1", &r1);
	stack_if(st, "ea2", &e2);
	CHECK(r1.found && e2.found, "ea1/ea2 missing");
	if (batch(path, gen_change, NULL) != 0)
		CHECK(0, "change batch");
	converge(st, "after renames/deletes/recreates");
	stack_if(st, "rn1", &r2);
	CHECK(r2.found && r2.index == r1.index && r2.gen == r1.gen,
	    "rename: (%u, %llu) -> (%u, %llu)", r1.index, (unsigned long long)r1.gen, r2.index,
	    (unsigned long long)r2.gen);
	stack_if(st, "ea1", &n2);
	CHECK(!n2.found, "ea1 still there");
	stack_if(st, "ea2", &e2b);
	CHECK(e2b.found && e2b.gen != e2.gen, "recreated ea2: gen %llu, was %llu",
	    (unsigned long long)e2b.gen, (unsigned long long)e2.gen);
	CHECK(departed(st, e2.gen, v), "the first ea2 is not in the departed list");
	stack_if(st, "pre1", &n2);
	CHECK(n2.found, "pre1 gone after leaving the bridge");
	CHECK(health(st, NB_HEALTH_EVENTS) >= 4 * NCHURN, "events %llu",
	    (unsigned long long)health(st, NB_HEALTH_EVENTS));
	printf("churn: %llu events applied, %llu resyncs, %llu dropped\n",
	    (unsigned long long)health(st, NB_HEALTH_EVENTS),
	    (unsigned long long)health(st, NB_HEALTH_RESYNCS),
	    (unsigned long long)health(st, NB_HEALTH_DROPPED_EVENTS));

	/* 2. final counters of a veth pair that carried traffic */
	test_departed(st, src);

	/* refresh(LINKS|ADDRS) in event mode re-dumps nothing and fails nothing */
	error = nb_source_refresh(src, NB_FAM_LINKS | NB_FAM_ADDRS | NB_FAM_IFSTATS);
	CHECK(error == 0, "refresh: %d %s", error, nb_source_error(src));
	nb_source_close(&src);
	nb_stack_destroy(&st);

	/* 3. overrun */
	test_overrun(path);

	/* 4. routes and neighbours */
	test_routes(path);
out:
	nb_source_close(&src);
	if (st != NULL)
		nb_stack_destroy(&st);
	unlink(path);
	if (failures != 0)
		fprintf(stderr, "%d check(s) failed\n", failures);
	else
		printf("ok\n");
	return failures != 0 ? 1 : 0;
}
