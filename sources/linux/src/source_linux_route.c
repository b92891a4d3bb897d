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
 * A multipath route (RTA_MULTIPATH) is recorded as its first nexthop
 * (oif, gateway, RTNH_F_* flags) with nhops = the number of nexthops.
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

/* The first nexthop of RTA_MULTIPATH into a; the count into a->nhops. */
static void
route_multipath(struct nb_routeattrs *a, const struct nlattr *mp, int alen)
{
	const struct rtnexthop *nh = nla_data(mp);
	struct nlattr *tb[RTA_MAX + 1];
	int len = nla_len(mp);

	a->nhops = 0;
	while (len >= (int)sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) &&
	    (int)nh->rtnh_len <= len) {
		if (a->nhops++ == 0) {
			a->oif = (uint32_t)nh->rtnh_ifindex;
			a->flags |= nh->rtnh_flags;
			if (nh->rtnh_len > sizeof(*nh) &&
			    nla_parse(tb, RTA_MAX, (struct nlattr *)RTNH_DATA(nh),
			    (int)(nh->rtnh_len - sizeof(*nh)), NULL) >= 0 &&
			    rta_addr(a->gw, tb[RTA_GATEWAY], alen))
				a->has_gw = 1;
		}
		len -= (int)RTNH_ALIGN(nh->rtnh_len);
		nh = (const struct rtnexthop *)((const char *)nh + RTNH_ALIGN(nh->rtnh_len));
	}
	if (a->nhops == 0)
		a->nhops = 1;
}

/*
 * Parse an RTM_NEWROUTE (or DELROUTE) into rec, a struct nb_routeattrs.
 * 1 if it is not a route we keep.
 */
static int
route_parse(struct lx *lx, struct nlmsghdr *nlh, void *rec)
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
	a->nhops = 1;
	(void)rta_addr(a->dst, tb[RTA_DST], alen);
	if (rta_addr(a->gw, tb[RTA_GATEWAY], alen))
		a->has_gw = 1;
	if (tb[RTA_MULTIPATH] != NULL)
		route_multipath(a, tb[RTA_MULTIPATH], alen);
	return 0;
}

static int
route_collect(const struct nb_route *r, void *arg)
{
	return lx_rn_note_old(arg, nb_route_attrs(r));
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
	rv->v[rv->n++] = *x;
	return 0;
}

int
lx_route_event(struct lx *lx, struct nlmsghdr *nlh)
{
	struct route_victims rv;
	struct nb_routeattrs a;
	struct nb_read rd;
	size_t i;
	int error;

	if (lx->rn == NULL || (lx->rn->live & NB_FAM_ROUTES) == 0)
		return 1;	/* not loaded yet: the first refresh dumps them */
	if ((error = route_parse(lx, nlh, &a)) != 0)
		return error;
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
