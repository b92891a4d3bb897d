/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_stats.c - linux source, IFSTATS: RTM_GETSTATS (IFLA_STATS_LINK_64) -> counters. */
/*
 * Two steps, like addresses: lx_ifstats_dump parses into a flat list (any
 * thread, no stack access), lx_ifstats_apply stores the counters.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "nl_linux.h"

void
lx_stats64_map(const void *data, size_t len, uint64_t v[NB_IFSTAT_MAX])
{
	/* Every field read lies before STATS64_NOHANDLER_END: with that many
	 * bytes, the same reads without a bound check each (constant len). */
	if (len >= STATS64_NOHANDLER_END)
		stats64_map(data, STATS64_NOHANDLER_END, v);
	else
		stats64_map(data, len, v);
}

static int
stats_pend(struct lx *lx, uint32_t index, const uint64_t v[NB_IFSTAT_MAX])
{
	struct nb_ifstats_rec *n;
	size_t cap;

	if (lx->npend == lx->pendcap) {
		cap = lx->pendcap != 0 ? lx->pendcap * 2 : 16;
		if ((n = realloc(lx->pend, cap * sizeof(*n))) == NULL)
			return -ENOMEM;
		lx->pend = n;
		lx->pendcap = cap;
	}
	lx->pend[lx->npend].index = index;
	memcpy(lx->pend[lx->npend].v, v, sizeof(lx->pend[0].v));
	lx->npend++;
	return 0;
}

int
lx_slist_add_slow(struct lx_slist *l, uint32_t index, const void *s64, size_t len)
{
	struct nb_ifstats_rec *v;

	if ((v = lx_vec_room(l->v, &l->cap, l->n, sizeof(*v))) == NULL)
		return -ENOMEM;
	l->v = v;
	l->v[l->n].index = index;
	/* lx_stats64_map, inline: the usual full struct makes constant reads */
	if (len >= STATS64_NOHANDLER_END)
		stats64_map(s64, STATS64_NOHANDLER_END, l->v[l->n].v);
	else {
		l->old_kernel = true;		/* no rx_nohandler */
		stats64_map(s64, len, l->v[l->n].v);
	}
	l->n++;
	return 0;
}

/* Dump handler (any thread, no stack access): append the counters to the list. */
static int
stats_dump_msg(struct lx *io, struct nlmsghdr *nlh, void *arg)
{
	struct lx_slist *l = arg;
	struct nlattr *tb[IFLA_STATS_MAX + 1];
	struct if_stats_msg *ism;
	int error;

	if (nlh->nlmsg_type != RTM_NEWSTATS)
		return 0;
	if (!nlmsg_valid_hdr(nlh, sizeof(*ism))) {
		lx_seterr(io, "netlink: RTM_GETSTATS: short message");
		return -EPROTO;
	}
	ism = nlmsg_data(nlh);
	if ((error = nlmsg_parse(nlh, sizeof(*ism), tb, IFLA_STATS_MAX, NULL)) < 0) {
		lx_seterr(io, "netlink: RTM_GETSTATS: ifindex %u: bad attributes: %s",
		    ism->ifindex, nl_geterror(error));
		return -EPROTO;
	}
	if (tb[IFLA_STATS_LINK_64] == NULL || ism->ifindex == 0)
		return 0;
	return lx_slist_add(l, ism->ifindex, nla_data(tb[IFLA_STATS_LINK_64]),
	    (size_t)nla_len(tb[IFLA_STATS_LINK_64]));
}

/* Before every (re)start of the dump: an empty list. */
static void
stats_dump_start(struct lx *io, void *arg)
{
	struct lx_slist *l = arg;

	(void)io;
	l->n = 0;
	l->old_kernel = false;
}

int
lx_ifstats_dump(struct lx *io, struct lx_slist *out)
{
	struct if_stats_msg ism;
	struct nl_msg *req;
	int error;

	memset(&ism, 0, sizeof(ism));
	ism.family = AF_UNSPEC;
	ism.filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64);
	if ((req = nlmsg_alloc_simple(RTM_GETSTATS, NLM_F_DUMP)) == NULL)
		return -ENOMEM;
	if (nlmsg_append(req, &ism, sizeof(ism), NLMSG_ALIGNTO) < 0)
		error = -ENOMEM;
	else
		error = lx_request(io, req, "RTM_GETSTATS", stats_dump_start, stats_dump_msg, out);
	nlmsg_free(req);
	return error;
}

int
lx_ifstats_apply(struct lx *lx, const struct lx_slist *l)
{
	char saved[LX_ERRLEN];
	uint32_t mask;
	size_t i, done;
	int error = 0;

	if (l->old_kernel && (lx->ifstat_mask & (1u << NB_IFSTAT_NOPROTO)) != 0) {
		/* An old kernel: no rx_nohandler, so no noproto leaf. */
		mask = lx->ifstat_mask & ~(1u << NB_IFSTAT_NOPROTO);
		nb_stack_set_ifstat_mask(lx->st, mask);
		lx->ifstat_mask = mask;
	}
	lx->npend = 0;
	for (i = 0; i < l->n; i += done + 1) {
		error = nb_if_stats_store_many(lx->st, NB_SLOT_SOURCE, &l->v[i], l->n - i, &done);
		if (error == 0)
			break;
		if (error == -ENOENT) {
			/* born after the link dump */
			if ((error = stats_pend(lx, l->v[i + done].index, l->v[i + done].v)) != 0)
				goto out;
			continue;
		}
		lx_seterr(lx, "libstack: nb_if_stats_store(%u): %s", l->v[i + done].index,
		    strerror(-error));
		goto out;
	}
	/* Links the stack did not know: fetch each, then store its counters. */
	for (i = 0; i < lx->npend; i++) {
		memcpy(saved, lx->err, sizeof(saved));
		if ((error = lx_link_fetch(lx, lx->pend[i].index)) == -ENODEV) {
			memcpy(lx->err, saved, sizeof(saved));
			error = 0;		/* gone again */
			continue;
		}
		if (error != 0)
			goto out;
		if ((error = nb_if_stats_store(lx->st, lx->pend[i].index, NB_SLOT_SOURCE,
		    lx->pend[i].v)) != 0) {
			lx_seterr(lx, "libstack: nb_if_stats_store(%u): %s",
			    lx->pend[i].index, strerror(-error));
			goto out;
		}
	}
out:
	lx->npend = 0;
	return error;
}

int
lx_ifstats_refresh(struct lx *lx)
{
	int error;

	if ((error = lx_ifstats_dump(lx, &lx->slist)) != 0)
		return error;
	return lx_ifstats_apply(lx, &lx->slist);
}
