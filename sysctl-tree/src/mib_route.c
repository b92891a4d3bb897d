/* SPDX-License-Identifier: BSD-2-Clause */
/* mib_route.c - net.route.{inet,inet6}.<n>.* and net.neigh.{inet,inet6}.<n>.* */
/*
 * Concurrency: these providers run inside the walk's one read section
 * (mib.c, theory of operation) and use only reader calls of libstack with
 * its struct nb_read, so the routes, neighbours and interface names they
 * report are one snapshot. Each provider call collects the family's
 * objects into a vector (one allocation per call, none per leaf), sorts it
 * into the published stable order and reports it: routes by (table, dst,
 * prefixlen, metric, then oif, tos, type), neighbours by (ifindex, dst).
 * <n> is the position in that order.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "mib.h"

/* /proc/net/route's flags (linux/route.h, net/route.h RTF_*). */
#define MIB_RTF_UP	0x0001u
#define MIB_RTF_GATEWAY	0x0002u
#define MIB_RTF_HOST	0x0004u
#define MIB_RTF_REJECT	0x0200u

static const char *const rtn_names[] = {
	"unspec", "unicast", "local", "broadcast", "anycast", "multicast",
	"blackhole", "unreachable", "prohibit", "throw", "nat", "xresolve",
};

static const struct {
	unsigned	 num;
	const char	*name;
} protos[] = {
	{ 0, "unspec" }, { 1, "redirect" }, { 2, "kernel" }, { 3, "boot" }, { 4, "static" },
	{ 8, "gated" }, { 9, "ra" }, { 10, "mrt" }, { 11, "zebra" }, { 12, "bird" },
	{ 13, "dnrouted" }, { 14, "xorp" }, { 15, "ntk" }, { 16, "dhcp" },
	{ 18, "keepalived" }, { 42, "babel" }, { 99, "openr" }, { 186, "bgp" },
	{ 187, "isis" }, { 188, "ospf" }, { 189, "rip" }, { 192, "eigrp" },
};

static const struct {
	unsigned	 bit;
	const char	*name;
} nud_names[] = {
	{ NUD_INCOMPLETE, "incomplete" }, { NUD_REACHABLE, "reachable" },
	{ NUD_STALE, "stale" }, { NUD_DELAY, "delay" }, { NUD_PROBE, "probe" },
	{ NUD_FAILED, "failed" }, { NUD_NOARP, "noarp" }, { NUD_PERMANENT, "permanent" },
};

static const char *
num_text(struct mib_walk *w, unsigned v)
{
	mib_utoa(v, w->sbuf);
	return w->sbuf;
}

static const char *
ifname_text(struct mib_walk *w, uint32_t index)
{
	const struct nb_iface *ifp;

	if (index == 0 || (ifp = nb_if_lookup_index(&w->rd, index)) == NULL)
		return "";
	return nb_iface_attrs(ifp)->name;
}

static const char *
scope_text(struct mib_walk *w, unsigned scope)
{
	switch (scope) {
	case RT_SCOPE_UNIVERSE:
		return "global";
	case RT_SCOPE_SITE:
		return "site";
	case RT_SCOPE_LINK:
		return "link";
	case RT_SCOPE_HOST:
		return "host";
	case RT_SCOPE_NOWHERE:
		return "nowhere";
	}
	return num_text(w, scope);
}

static const char *
proto_text(struct mib_walk *w, unsigned p)
{
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].num == p)
			return protos[i].name;
	return num_text(w, p);
}

static const char *
type_text(struct mib_walk *w, unsigned t)
{
	if (t < sizeof(rtn_names) / sizeof(rtn_names[0]))
		return rtn_names[t];
	return num_text(w, t);
}

/* NUD_* bits as names joined by ',' ("none" for 0). */
static const char *
nud_text(struct mib_walk *w, unsigned state)
{
	size_t i, n = 0, l;

	w->sbuf[0] = '\0';
	for (i = 0; i < sizeof(nud_names) / sizeof(nud_names[0]); i++) {
		if ((state & nud_names[i].bit) == 0)
			continue;
		l = strlen(nud_names[i].name);
		if (n + l + 2 > sizeof(w->sbuf))
			break;
		if (n > 0)
			w->sbuf[n++] = ',';
		memcpy(w->sbuf + n, nud_names[i].name, l + 1);
		n += l;
		state &= ~nud_names[i].bit;
	}
	if (n == 0 && state == 0)
		return "none";
	if (state != 0 && n + 12 < sizeof(w->sbuf)) {	/* unknown bits: their value */
		if (n > 0)
			w->sbuf[n++] = ',';
		mib_utoa(state, w->sbuf + n);
	}
	return w->sbuf;
}

/* /proc/net/route's flags of a route (fib_flag_trans). */
static unsigned
route_flags(const struct nb_routeattrs *a)
{
	unsigned f = MIB_RTF_UP;

	if (a->type == RTN_UNREACHABLE || a->type == RTN_PROHIBIT)
		f |= MIB_RTF_REJECT;
	if (a->has_gw)
		f |= MIB_RTF_GATEWAY;
	if (a->dst_len == (a->family == AF_INET ? 32 : 128))
		f |= MIB_RTF_HOST;
	return f;
}

/* ---- the collected, sorted vector ---- */

struct mvec {
	const void	**v;
	size_t		 n, cap;
	int		 family;
};

static int
mvec_add(struct mvec *m, const void *p)
{
	const void **v;
	size_t cap;

	if (m->n == m->cap) {
		cap = m->cap != 0 ? m->cap * 2 : 64;
		if ((v = realloc(m->v, cap * sizeof(*v))) == NULL)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = p;
	return 0;
}

static int
route_collect(const struct nb_route *r, void *arg)
{
	struct mvec *m = arg;

	return nb_route_attrs(r)->family == m->family ? mvec_add(m, r) : 0;
}

static int
neigh_collect(const struct nb_neigh *n, void *arg)
{
	struct mvec *m = arg;

	return nb_neigh_attrs(n)->family == m->family ? mvec_add(m, n) : 0;
}

#define CMP(x, y)	do { if ((x) != (y)) return (x) < (y) ? -1 : 1; } while (0)

static int
route_cmp(const void *x, const void *y)
{
	const struct nb_routeattrs *a = nb_route_attrs(*(const struct nb_route *const *)x);
	const struct nb_routeattrs *b = nb_route_attrs(*(const struct nb_route *const *)y);
	int c;

	CMP(a->table, b->table);
	if ((c = memcmp(a->dst, b->dst, sizeof(a->dst))) != 0)
		return c;
	CMP(a->dst_len, b->dst_len);
	CMP(a->metric, b->metric);
	CMP(a->oif, b->oif);
	CMP(a->tos, b->tos);
	CMP(a->type, b->type);
	return 0;
}

static int
neigh_cmp(const void *x, const void *y)
{
	const struct nb_neighattrs *a = nb_neigh_attrs(*(const struct nb_neigh *const *)x);
	const struct nb_neighattrs *b = nb_neigh_attrs(*(const struct nb_neigh *const *)y);

	CMP(a->ifindex, b->ifindex);
	return memcmp(a->dst, b->dst, sizeof(a->dst));
}

/* ---- leaves ---- */

static const char *
pref_text(struct mib_walk *w, unsigned pref)
{
	switch (pref) {
	case 0x3:
		return "low"; /* ICMPV6_ROUTER_PREF_* */
	case 0x0:
		return "medium";
	case 0x1:
		return "high";
	}
	return num_text(w, pref);
}

/* net.route.<fam>.<n>.nexthops.<k>.*: every nexthop of a multipath route. */
static void
nexthops_node(struct mib_walk *w, const struct nb_routeattrs *a)
{
	char kbuf[24];
	size_t len;

	if (mw_stop(w) || !mw_enter(w, "nexthops", sizeof("nexthops") - 1))
		return;
	if (mib_node(w, "nexthops of a multipath route, in the kernel's order")) {
		for (uint32_t k = 0; k < a->nhops && !mw_stop(w); k++) {
			const struct nb_nexthop *nh = &a->nh[k];

			/* comp[] keeps a pointer to the component until mw_leave. */
			len = mib_utoa(k, kbuf);
			if (!mw_enter(w, kbuf, len))
				continue;
			if (mib_node(w, "nexthop")) {
				MIB_LEAF(w, "gateway", mib_leaf_str(w, "gateway, \"\" if none", NB_SYSCTL_ADDRESS, 0, nh->has_gw ? mib_addr_text(w, a->family, nh->gw) : ""));
				MIB_LEAF(w, "ifname", mib_leaf_str(w, "output interface", NB_SYSCTL_STRING, 0, ifname_text(w, nh->oif)));
				MIB_LEAF(w, "weight", mib_leaf_int(w, "weight (rtnh_hops + 1)", NB_SYSCTL_F_GAUGE, nh->weight));
				MIB_LEAF(w, "flags", mib_leaf_int(w, "RTNH_F_* flags", NB_SYSCTL_F_GAUGE, nh->flags));
			}
			mw_leave(w);
		}
	}
	mw_leave(w);
}

static void
route_leaves(struct mib_walk *w, const struct nb_routeattrs *a)
{
	MIB_LEAF(w, "dst", mib_leaf_str(w, "destination", NB_SYSCTL_ADDRESS, 0,
	    mib_addr_text(w, a->family, a->dst)));
	MIB_LEAF(w, "prefixlen", mib_leaf_int(w, "destination prefix length",
	    NB_SYSCTL_F_GAUGE, a->dst_len));
	MIB_LEAF(w, "gateway", mib_leaf_str(w, "gateway (first nexthop), \"\" if none",
	    NB_SYSCTL_ADDRESS, 0, a->has_gw ? mib_addr_text(w, a->family, a->gw) : ""));
	MIB_LEAF(w, "ifname", mib_leaf_str(w, "output interface (first nexthop), \"\" if none",
	    NB_SYSCTL_STRING, 0, ifname_text(w, a->oif)));
	MIB_LEAF(w, "flags", mib_leaf_int(w, "RTF_UP|GATEWAY|HOST|REJECT, as /proc/net/route",
	    NB_SYSCTL_F_GAUGE, route_flags(a)));
	MIB_LEAF(w, "metric", mib_leaf_int(w, "metric (RTA_PRIORITY)", NB_SYSCTL_F_GAUGE,
	    a->metric));
	MIB_LEAF(w, "table", mib_leaf_int(w, "routing table id", NB_SYSCTL_F_GAUGE, a->table));
	MIB_LEAF(w, "protocol", mib_leaf_str(w, "originator (RTPROT_*)", NB_SYSCTL_STRING, 0,
	    proto_text(w, a->protocol)));
	MIB_LEAF(w, "scope", mib_leaf_str(w, "scope (RT_SCOPE_*)", NB_SYSCTL_STRING, 0,
	    scope_text(w, a->scope)));
	MIB_LEAF(w, "type", mib_leaf_str(w, "route type (RTN_*)", NB_SYSCTL_STRING, 0,
	    type_text(w, a->type)));
	MIB_LEAF(w, "nhops", mib_leaf_int(w, "number of nexthops (multipath > 1)",
	    NB_SYSCTL_F_GAUGE, a->nhops));
	MIB_LEAF(w, "mtu", mib_leaf_int(w, "route MTU (RTAX_MTU), 0 if none", NB_SYSCTL_F_GAUGE, a->mtu));
	MIB_LEAF(w, "prefsrc", mib_leaf_str(w, "preferred source (RTA_PREFSRC), \"\" if none", NB_SYSCTL_ADDRESS, 0, a->has_prefsrc ? mib_addr_text(w, a->family, a->prefsrc) : ""));
	if (a->has_pref)
		MIB_LEAF(w, "pref", mib_leaf_str(w, "IPv6 router preference (RTA_PREF)", NB_SYSCTL_STRING, 0, pref_text(w, a->pref)));
	if (a->nhid != 0)
		MIB_LEAF(w, "nhid", mib_leaf_int(w, "nexthop object id (RTA_NH_ID)", NB_SYSCTL_F_GAUGE, a->nhid));
	if (a->nhops > 1 && a->nh != NULL)
		nexthops_node(w, a);
}

static void
neigh_leaves(struct mib_walk *w, const struct nb_neighattrs *a)
{
	MIB_LEAF(w, "dst", mib_leaf_str(w, "neighbour address", NB_SYSCTL_ADDRESS, 0,
	    mib_addr_text(w, a->family, a->dst)));
	MIB_LEAF(w, "lladdr", mib_leaf_str(w, "link-layer address, \"\" if unresolved",
	    NB_SYSCTL_ADDRESS, 0, mib_lladdr_text(w, a->lladdr, a->lladdr_len)));
	MIB_LEAF(w, "ifname", mib_leaf_str(w, "interface", NB_SYSCTL_STRING, 0,
	    ifname_text(w, a->ifindex)));
	MIB_LEAF(w, "state", mib_leaf_str(w, "NUD state", NB_SYSCTL_STRING, 0,
	    nud_text(w, a->state)));
	MIB_LEAF(w, "flags", mib_leaf_int(w, "NTF_* flags", NB_SYSCTL_F_GAUGE, a->flags));
}

/* One family node (inet, inet6) of net.route (route = true) or net.neigh. */
static void
family_node(struct mib_walk *w, bool route, const char *name, int family, const char *descr)
{
	struct mvec m = { .family = family };
	size_t i, len;
	int error;

	if (mw_stop(w) || !mw_enter(w, name, strlen(name)))
		return;
	if (!mib_node(w, descr))
		goto out;
	error = route ? nb_route_walk(&w->rd, route_collect, &m) :
	    nb_neigh_walk(&w->rd, neigh_collect, &m);
	if (error != 0) {
		if (w->rc == 0)
			w->rc = error;
		goto out;
	}
	if (m.n > 1)
		qsort(m.v, m.n, sizeof(*m.v), route ? route_cmp : neigh_cmp);
	for (i = 0; i < m.n && !mw_stop(w); i++) {
		len = mib_utoa(i, w->nbuf);
		if (!mw_enter(w, w->nbuf, len))
			continue;
		if (route && mib_node(w, "route"))
			route_leaves(w, nb_route_attrs(m.v[i]));
		else if (!route && mib_node(w, "neighbour"))
			neigh_leaves(w, nb_neigh_attrs(m.v[i]));
		mw_leave(w);
	}
out:
	mw_leave(w);
	free(m.v);
}

int
mib_route(struct mib_walk *w)
{
	family_node(w, true, "inet", AF_INET, "IPv4 routes, all tables, in stable order");
	family_node(w, true, "inet6", AF_INET6, "IPv6 routes, all tables, in stable order");
	return w->rc;
}

int
mib_neigh(struct mib_walk *w)
{
	family_node(w, false, "inet", AF_INET, "ARP entries, by interface and address");
	family_node(w, false, "inet6", AF_INET6, "NDP entries, by interface and address");
	return w->rc;
}
