/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_route.c - linux source, ROUTES: RTM_GETROUTE dump of all tables -> nb_route_*. */
/*
 * One RTM_GETROUTE dump (AF_UNSPEC, rtm_table RT_TABLE_UNSPEC: every table
 * of every family; only AF_INET and AF_INET6 are kept, RTM_F_CLONED cache
 * entries are skipped) is parsed into a flat list, then reconciled like
 * addresses: the stack's routes go into a map keyed by identity as OLD,
 * every dumped route is marked SEEN and upserted (libstack writes nothing
 * when the attributes are unchanged), and what is still OLD is deleted.
 * Nothing is deleted on the basis of a failed or interrupted dump.
 * The table is RTA_TABLE when present (ids above 255), else rtm_table.
 * A multipath route (RTA_MULTIPATH) keeps its first nexthop in oif,
 * gateway and flags (its identity) and every nexthop in nh[] (parsed into
 * the set's arena, which lives until the next dump; libstack copies them).
 * A route through a nexthop object has its id (RTA_NH_ID); the kernel's
 * compat mode fills in its gateway and nexthops as for any route.
 * Runs on the refresh thread with lx->mu held (source_linux.c).
 *
 * Events (lx_route_event, the event thread, lx->mu held): once a refresh
 * has loaded ROUTES in event mode (rn->live), each RTM_NEWROUTE is upserted
 * and each RTM_DELROUTE deleted by identity. A NEWROUTE flagged
 * NLM_F_REPLACE replaced, in the kernel, the route of the same (family,
 * table, dst/len, tos, metric) without a DELROUTE for it: such routes of
 * another identity are deleted first.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "source_linux_rn.h"

/* The identity fields of a route (struct nb_routeattrs): the reconcile key, zero elsewhere. */
static void
route_key(void *key, const void *rec)
{
	struct nb_routeattrs *k = key;
	const struct nb_routeattrs *a = rec;

	memset(k, 0, sizeof(*k));
	k->family = a->family;
	k->dst_len = a->dst_len;
	k->tos = a->tos;
	k->type = a->type;
	k->table = a->table;
	k->oif = a->oif;
	k->metric = a->metric;
	memcpy(k->dst, a->dst, sizeof(k->dst));
}

static bool
rta_addr(uint8_t *dst, const struct nlattr *nla, int alen)
{
	if (nla == NULL || nla_len(nla) < alen)
		return false;
	memcpy(dst, nla_data(nla), (size_t)alen);
	return true;
}

static uint32_t
rta_u32(const struct nlattr *nla, uint32_t dflt)
{
	return nla != NULL && nla_len(nla) >= 4 ? nla_get_u32(nla) : dflt;
}

/* The nexthops of RTA_MULTIPATH, counted (n NULL) or stored in n[]. */
static uint32_t
route_nexthops(const struct nlattr *mp, int alen, struct nb_nexthop *n)
{
	const struct rtnexthop *nh = nla_data(mp);
	struct nlattr *tb[RTA_MAX + 1];
	int len = nla_len(mp);
	uint32_t k = 0;

	while (len >= (int)sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) &&
	    (int)nh->rtnh_len <= len && k < NB_ROUTE_NH_MAX) {
		if (n != NULL) {
			memset(&n[k], 0, sizeof(n[k]));
			n[k].oif = (uint32_t)nh->rtnh_ifindex;
			n[k].flags = nh->rtnh_flags;
			n[k].weight = (uint16_t)(nh->rtnh_hops + 1);
			if (nh->rtnh_len > sizeof(*nh) &&
			    nla_parse(tb, RTA_MAX, (struct nlattr *)RTNH_DATA(nh),
			    (int)(nh->rtnh_len - sizeof(*nh)), NULL) >= 0 &&
			    rta_addr(n[k].gw, tb[RTA_GATEWAY], alen))
				n[k].has_gw = 1;
		}
		k++;
		len -= (int)RTNH_ALIGN(nh->rtnh_len);
		nh = (const struct rtnexthop *)((const char *)nh + RTNH_ALIGN(nh->rtnh_len));
	}
	return k;
}

/*
 * RTA_MULTIPATH into a: the first nexthop into oif, gw and flags, every
 * nexthop into a->nh (allocated in ar) when there are more than one.
 */
static int
route_multipath(struct lx *lx, struct nb_routeattrs *a, const struct nlattr *mp, int alen,
    struct lx_arena *ar)
{
	struct nb_nexthop one, *n = &one;
	uint32_t k;

	if ((k = route_nexthops(mp, alen, NULL)) == 0)
		return 0;
	if (k > 1 && (n = lx_arena_alloc(ar, k * sizeof(*n))) == NULL) {
		lx_seterr(lx, "linux: routes: out of memory for %u nexthops", (unsigned)k);
		return -ENOMEM;
	}
	(void)route_nexthops(mp, alen, n);
	a->nhops = k;
	a->nh = k > 1 ? n : NULL;
	a->oif = n[0].oif;
	a->flags |= n[0].flags;
	a->has_gw = n[0].has_gw;
	memcpy(a->gw, n[0].gw, sizeof(a->gw));
	return 0;
}

/* RTAX_MTU of RTA_METRICS, 0 if none. */
static uint32_t
route_mtu(const struct nlattr *metrics)
{
	struct nlattr *tb[RTAX_MAX + 1];

	if (metrics == NULL || nla_parse_nested(tb, RTAX_MAX, (struct nlattr *)metrics, NULL) < 0)
		return 0;
	return rta_u32(tb[RTAX_MTU], 0);
}

/*
 * Parse an RTM_NEWROUTE (or DELROUTE) into rec, a struct nb_routeattrs
 * (its nexthops in ar). 1 if it is not a route we keep.
 */
static int
route_parse(struct lx *lx, struct nlmsghdr *nlh, void *rec, struct lx_arena *ar)
{
	struct nb_routeattrs *a = rec;
	struct nlattr *tb[RTA_MAX + 1];
	struct rtmsg *rtm;
	int alen, error;

	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return 1;
	if (!nlmsg_valid_hdr(nlh, sizeof(*rtm))) {
		lx_seterr(lx, "netlink: RTM_GETROUTE: short message");
		return -EPROTO;
	}
	rtm = nlmsg_data(nlh);
	if (rtm->rtm_family == AF_INET)
		alen = 4;
	else if (rtm->rtm_family == AF_INET6)
		alen = 16;
	else
		return 1;
	if ((rtm->rtm_flags & RTM_F_CLONED) != 0 || rtm->rtm_dst_len > alen * 8)
		return 1;
	if ((error = nlmsg_parse(nlh, sizeof(*rtm), tb, RTA_MAX, NULL)) < 0) {
		lx_seterr(lx, "netlink: RTM_GETROUTE: bad attributes: %s", nl_geterror(error));
		return -EPROTO;
	}
	memset(a, 0, sizeof(*a));
	a->family = rtm->rtm_family;
	a->dst_len = rtm->rtm_dst_len;
	a->tos = rtm->rtm_tos;
	a->protocol = rtm->rtm_protocol;
	a->scope = rtm->rtm_scope;
	a->type = rtm->rtm_type;
	a->flags = rtm->rtm_flags;
	a->table = rta_u32(tb[RTA_TABLE], rtm->rtm_table);
	a->oif = rta_u32(tb[RTA_OIF], 0);
	a->metric = rta_u32(tb[RTA_PRIORITY], 0);
	a->nhid = rta_u32(tb[RTA_NH_ID], 0);
	a->mtu = route_mtu(tb[RTA_METRICS]);
	a->nhops = 1;
	(void)rta_addr(a->dst, tb[RTA_DST], alen);
	if (rta_addr(a->gw, tb[RTA_GATEWAY], alen))
		a->has_gw = 1;
	if (rta_addr(a->prefsrc, tb[RTA_PREFSRC], alen))
		a->has_prefsrc = 1;
	if (tb[RTA_PREF] != NULL && nla_len(tb[RTA_PREF]) >= 1) {
		a->pref = nla_get_u8(tb[RTA_PREF]);
		a->has_pref = 1;
	}
	if (tb[RTA_MULTIPATH] != NULL)
		return route_multipath(lx, a, tb[RTA_MULTIPATH], alen, ar);
	return 0;
}

static int
route_collect(const struct nb_route *r, void *arg)
{
	struct nb_routeattrs a = *nb_route_attrs(r);

	a.nh = NULL;		/* the map keeps it past the read section: identity only */
	return lx_rn_note_old(arg, &a);
}

static int
route_walk(struct nb_read *rd, struct lx_rn_set *s)
{
	return nb_route_walk(rd, route_collect, s);
}

static int
route_upsert(struct nb_stack *st, const void *rec)
{
	return nb_route_upsert(st, rec);
}

static int
route_delete(struct nb_stack *st, const void *rec)
{
	return nb_route_delete(st, rec);
}

/* rtm_family AF_UNSPEC, rtm_table RT_TABLE_UNSPEC: every table of every family. */
const struct lx_rn_fam lx_route_fam = {
	.what = "routes", .req = "RTM_GETROUTE",
	.upsert_fn = "nb_route_upsert", .delete_fn = "nb_route_delete",
	.msgtype = RTM_GETROUTE, .hdrlen = sizeof(struct rtmsg),
	.size = sizeof(struct nb_routeattrs),
	.parse = route_parse, .key = route_key, .walk = route_walk,
	.upsert = route_upsert, .del = route_delete,
};

/* Routes that an NLM_F_REPLACE of `a` replaced: same slot, another identity. */
struct route_victims {
	const struct nb_routeattrs *a;
	struct nb_routeattrs	 v[16];
	size_t			 n;
	bool			 overflow;
};

static int
route_victim_cb(const struct nb_route *r, void *arg)
{
	struct route_victims *rv = arg;
	const struct nb_routeattrs *x = nb_route_attrs(r), *a = rv->a;
	struct nb_routeattrs kx, ka;

	if (x->family != a->family || x->table != a->table || x->dst_len != a->dst_len ||
	    x->tos != a->tos || x->metric != a->metric || memcmp(x->dst, a->dst, sizeof(x->dst)) != 0)
		return 0;
	route_key(&kx, x);
	route_key(&ka, a);
	if (memcmp(&kx, &ka, sizeof(kx)) == 0)
		return 0;
	if (rv->n == sizeof(rv->v) / sizeof(rv->v[0])) {
		rv->overflow = true;
		return 1;
	}
	rv->v[rv->n] = *x;
	rv->v[rv->n++].nh = NULL;	/* deleted by identity */
	return 0;
}

/* Apply a parsed route event (a's nexthops live in the caller's arena). */
static int
route_event_apply(struct lx *lx, struct nlmsghdr *nlh, const struct nb_routeattrs *ap)
{
	struct nb_routeattrs a = *ap;
	struct route_victims rv;
	struct nb_read rd;
	size_t i;
	int error;

	if (nlh->nlmsg_type == RTM_DELROUTE) {
		/* -ENOENT: never seen (a resync or the load covered it). */
		if ((error = nb_route_delete(lx->st, &a)) == -ENOENT)
			return 1;
		if (error != 0)
			lx_seterr(lx, "libstack: nb_route_delete: %s", strerror(-error));
		return error;
	}
	if ((nlh->nlmsg_flags & NLM_F_REPLACE) != 0) {
		memset(&rv, 0, sizeof(rv));
		rv.a = &a;
		nb_read_enter(lx->st, &rd);
		(void)nb_route_walk(&rd, route_victim_cb, &rv);
		nb_read_exit(&rd);
		if (rv.overflow)
			return LX_EV_RESYNC;
		for (i = 0; i < rv.n; i++)
			if ((error = nb_route_delete(lx->st, &rv.v[i])) != 0 && error != -ENOENT)
				return error;
	}
	if ((error = nb_route_upsert(lx->st, &a)) != 0)
		lx_seterr(lx, "libstack: nb_route_upsert: %s", strerror(-error));
	return error;
}

int
lx_route_event(struct lx *lx, struct nlmsghdr *nlh)
{
	struct nb_routeattrs a;
	struct lx_arena ar = { 0 };
	int error;

	if (lx->rn == NULL || (lx->rn->live & NB_FAM_ROUTES) == 0)
		return 1;	/* not loaded yet: the first refresh dumps them */
	if ((error = route_parse(lx, nlh, &a, &ar)) == 0)
		error = route_event_apply(lx, nlh, &a);
	lx_arena_fini(&ar);
	return error;
}
