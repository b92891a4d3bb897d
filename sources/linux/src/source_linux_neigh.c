/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_neigh.c - linux source, NEIGH: RTM_GETNEIGH dump -> nb_neigh_*, reconcile. */
/*
 * One RTM_GETNEIGH dump (AF_UNSPEC; AF_INET and AF_INET6 entries kept).
 * Proxy entries (NTF_PROXY) are not dumped by this request (the kernel
 * dumps the proxy table only when asked with ndm_flags = NTF_PROXY) and
 * are skipped if one shows up. Reconciled with the stack's neighbours by
 * source_linux_rn.c (identity: family, ifindex, dst). Refresh thread,
 * lx->mu held.
 * Events (lx_neigh_event, the event thread, lx->mu held): once loaded in
 * event mode (rn->live), RTM_NEWNEIGH upserts and RTM_DELNEIGH deletes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "source_linux_rn.h"

/* The identity fields of a neighbour (struct nb_neighattrs), zero elsewhere. */
static void
neigh_key(void *key, const void *rec)
{
	struct nb_neighattrs *k = key;
	const struct nb_neighattrs *a = rec;

	memset(k, 0, sizeof(*k));
	k->family = a->family;
	k->ifindex = a->ifindex;
	memcpy(k->dst, a->dst, sizeof(k->dst));
}

/*
 * Parse an RTM_NEWNEIGH (or DELNEIGH) into rec, a struct nb_neighattrs.
 * 1 if it is not one we keep.
 */
static int
neigh_parse(struct lx *lx, struct nlmsghdr *nlh, void *rec, struct lx_arena *ar)
{
	struct nb_neighattrs *a = rec;
	struct nlattr *tb[NDA_MAX + 1];
	struct ndmsg *ndm;
	int alen, error, ll;

	(void)ar;		/* a neighbour points to nothing */
	if (nlh->nlmsg_type != RTM_NEWNEIGH && nlh->nlmsg_type != RTM_DELNEIGH)
		return 1;
	if (!nlmsg_valid_hdr(nlh, sizeof(*ndm))) {
		lx_seterr(lx, "netlink: RTM_GETNEIGH: short message");
		return -EPROTO;
	}
	ndm = nlmsg_data(nlh);
	if (ndm->ndm_family == AF_INET)
		alen = 4;
	else if (ndm->ndm_family == AF_INET6)
		alen = 16;
	else
		return 1;
	if ((ndm->ndm_flags & NTF_PROXY) != 0)
		return 1;
	if ((error = nlmsg_parse(nlh, sizeof(*ndm), tb, NDA_MAX, NULL)) < 0) {
		lx_seterr(lx, "netlink: RTM_GETNEIGH: bad attributes: %s", nl_geterror(error));
		return -EPROTO;
	}
	if (tb[NDA_DST] == NULL || nla_len(tb[NDA_DST]) < alen)
		return 1;
	memset(a, 0, sizeof(*a));
	a->family = ndm->ndm_family;
	a->flags = ndm->ndm_flags;
	a->state = ndm->ndm_state;
	a->ifindex = (uint32_t)ndm->ndm_ifindex;
	a->type = ndm->ndm_type;
	memcpy(a->dst, nla_data(tb[NDA_DST]), (size_t)alen);
	if (tb[NDA_LLADDR] != NULL) {
		ll = nla_len(tb[NDA_LLADDR]);
		if (ll > NB_LLADDR_MAX)
			ll = NB_LLADDR_MAX;
		a->lladdr_len = (uint8_t)ll;
		memcpy(a->lladdr, nla_data(tb[NDA_LLADDR]), (size_t)ll);
	}
	return 0;
}

static int
neigh_collect(const struct nb_neigh *n, void *arg)
{
	return lx_rn_note_old(arg, nb_neigh_attrs(n));
}

static int
neigh_walk(struct nb_read *rd, struct lx_rn_set *s)
{
	return nb_neigh_walk(rd, neigh_collect, s);
}

static int
neigh_upsert(struct nb_stack *st, const void *rec)
{
	return nb_neigh_upsert(st, rec);
}

static int
neigh_delete(struct nb_stack *st, const void *rec)
{
	return nb_neigh_delete(st, rec);
}

/* ndm_family AF_UNSPEC: both families (AF_INET and AF_INET6 are kept). */
const struct lx_rn_fam lx_neigh_fam = {
	.what = "neighbours", .req = "RTM_GETNEIGH",
	.upsert_fn = "nb_neigh_upsert", .delete_fn = "nb_neigh_delete",
	.msgtype = RTM_GETNEIGH, .hdrlen = sizeof(struct ndmsg),
	.size = sizeof(struct nb_neighattrs),
	.parse = neigh_parse, .key = neigh_key, .walk = neigh_walk,
	.upsert = neigh_upsert, .del = neigh_delete,
};

int
lx_neigh_event(struct lx *lx, struct nlmsghdr *nlh)
{
	struct nb_neighattrs a;
	int error;

	if (lx->rn == NULL || (lx->rn->live & NB_FAM_NEIGH) == 0)
		return 1;	/* not loaded yet: the first refresh dumps them */
	if ((error = neigh_parse(lx, nlh, &a, NULL)) != 0)
		return error;
	if (nlh->nlmsg_type == RTM_DELNEIGH) {
		if ((error = nb_neigh_delete(lx->st, &a)) == -ENOENT)
			return 1;
		if (error != 0)
			lx_seterr(lx, "libstack: nb_neigh_delete: %s", strerror(-error));
		return error;
	}
	if ((error = nb_neigh_upsert(lx->st, &a)) != 0)
		lx_seterr(lx, "libstack: nb_neigh_upsert: %s", strerror(-error));
	return error;
}
