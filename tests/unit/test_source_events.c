/* SPDX-License-Identifier: BSD-2-Clause */
/* test_source_events.c - the linux source's event mode against the real kernel: churn, departed counters, overrun. */
/*
 * Runs in a network namespace of its own (unshare; root needed, skipped
 * with 77 otherwise); no traffic leaves it. The source is opened with
 * NB_SOURCE_EVENTS and refresh(LINKS|ADDRS) is never called: whatever the
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
 */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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
	struct nb_source_opts o = { .flags = NB_SOURCE_EVENTS, .args = "evbuf=4096" };
	struct nb_stack *st = NULL;
	struct nb_source *src = NULL;
	uint64_t d0, r0;
	int error, round;

	if ((error = nb_stack_create(NULL, &st)) != 0 ||
	    (error = nb_source_open(st, "linux", &o, &src)) != 0) {
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
	CHECK(nb_source_open(st, "linux", &o, &src) == -EINVAL, "evbuf=x accepted");
out:
	nb_source_close(&src);
	if (st != NULL)
		nb_stack_destroy(&st);
}

int
main(void)
{
	struct nb_source_opts o = { .flags = NB_SOURCE_EVENTS };
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
	    (error = nb_source_open(st, "linux", &o, &src)) != 0) {
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
