/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_neigh.c - linux source, NEIGH: RTM_GETNEIGH dump -> nb_neigh_*, reconcile. */
/*
 * One RTM_GETNEIGH dump (AF_UNSPEC; AF_INET and AF_INET6 entries kept).
 * Proxy entries (NTF_PROXY) are not dumped by this request (the kernel
 * dumps the proxy table only when asked with ndm_flags = NTF_PROXY) and
 * are skipped if one shows up. Reconciled like routes
 * (source_linux_route.c): identity (family, ifindex, dst) -> OLD/SEEN map,
 * upsert what the dump reports, delete the rest. Refresh thread, lx->mu held.
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

static void
neigh_key(struct nb_neighattrs *k, const struct nb_neighattrs *a)
{
	memset(k, 0, sizeof(*k));
	k->family = a->family;
	k->ifindex = a->ifindex;
	memcpy(k->dst, a->dst, sizeof(k->dst));
}

/* Parse an RTM_NEWNEIGH (or DELNEIGH) into *a. 1 if it is not one we keep. */
static int
neigh_parse(struct lx *lx, struct nlmsghdr *nlh, struct nb_neighattrs *a)
{
	struct nlattr *tb[NDA_MAX + 1];
	struct ndmsg *ndm;
	int alen, error, ll;

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
neigh_dump_msg(struct lx *lx, struct nlmsghdr *nlh, void *arg)
{
	struct lx_rn *rn = arg;
	struct nb_neighattrs *v;
	size_t cap;
	int error;

	if (rn->nn == rn->ncap) {
		cap = rn->ncap != 0 ? rn->ncap * 2 : 64;
		if ((v = realloc(rn->nv, cap * sizeof(*v))) == NULL)
			return -ENOMEM;
		rn->nv = v;
		rn->ncap = cap;
	}
	if ((error = neigh_parse(lx, nlh, &rn->nv[rn->nn])) != 0)
		return error > 0 ? 0 : error;
	rn->nn++;
	return 0;
}

static void
neigh_dump_start(struct lx *lx, void *arg)
{
	struct lx_rn *rn = arg;

	(void)lx;
	rn->nn = 0;
}

static int
neigh_dump(struct lx *lx, struct lx_rn *rn)
{
	struct ndmsg ndm;
	struct nl_msg *req;
	int error;

	memset(&ndm, 0, sizeof(ndm));
	ndm.ndm_family = AF_UNSPEC;
	if ((req = nlmsg_alloc_simple(RTM_GETNEIGH, NLM_F_DUMP)) == NULL)
		return -ENOMEM;
	if (nlmsg_append(req, &ndm, sizeof(ndm), NLMSG_ALIGNTO) < 0)
		error = -ENOMEM;
	else
		error = lx_request(lx, req, "RTM_GETNEIGH", neigh_dump_start, neigh_dump_msg, rn);
	nlmsg_free(req);
	return error;
}

static int
neigh_collect(const struct nb_neigh *n, void *arg)
{
	struct nl_kmap *m = arg;
	const struct nb_neighattrs *a = nb_neigh_attrs(n);
	struct nb_neighattrs k;
	ptrdiff_t s;

	neigh_key(&k, a);
	if (nl_kmap_find(m, &k) >= 0)
		return 0;
	if ((s = nl_kmap_insert(m, &k, NL_KMAP_OLD)) < 0)
		return (int)s;
	memcpy(nl_kmap_val(m, (size_t)s), a, sizeof(*a));
	return 0;
}

int
lx_neighs_refresh(struct lx *lx, struct lx_rn *rn)
{
	struct nb_neighattrs k;
	struct nb_read rd;
	ptrdiff_t s;
	size_t i;
	int error;

	if ((error = neigh_dump(lx, rn)) != 0)
		return error;
	nl_kmap_clear(&rn->neighs);
	nb_read_enter(lx->st, &rd);
	error = nb_neigh_walk(&rd, neigh_collect, &rn->neighs);
	nb_read_exit(&rd);
	if (error != 0) {
		lx_seterr(lx, "linux: neighbours: %s", strerror(-error));
		return error;
	}
	for (i = 0; i < rn->nn; i++) {
		neigh_key(&k, &rn->nv[i]);
		if ((s = nl_kmap_find(&rn->neighs, &k)) >= 0)
			rn->neighs.state[s] = NL_KMAP_SEEN;
		else if ((s = nl_kmap_insert(&rn->neighs, &k, NL_KMAP_SEEN)) < 0)
			return (int)s;
		if ((error = nb_neigh_upsert(lx->st, &rn->nv[i])) != 0) {
			lx_seterr(lx, "libstack: nb_neigh_upsert: %s", strerror(-error));
			return error;
		}
	}
	for (i = 0; i < rn->neighs.cap; i++) {
		if (rn->neighs.state[i] != NL_KMAP_OLD)
			continue;
		error = nb_neigh_delete(lx->st, nl_kmap_val(&rn->neighs, i));
		if (error != 0 && error != -ENOENT) {
			lx_seterr(lx, "libstack: nb_neigh_delete: %s", strerror(-error));
			return error;
		}
	}
	return 0;
}

int
lx_neigh_event(struct lx *lx, struct nlmsghdr *nlh)
{
	struct nb_neighattrs a;
	int error;

	if (lx->rn == NULL || (lx->rn->live & NB_FAM_NEIGH) == 0)
		return 1;	/* not loaded yet: the first refresh dumps them */
	if ((error = neigh_parse(lx, nlh, &a)) != 0)
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
