/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_link.c - linux source, LINKS: RTM_GETLINK dump/fetch -> nb_if_upsert, reconcile. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "lx_str.h"
#include "nl_linux.h"


/* A growable array of link attributes. */
struct link_vec {
	struct nb_ifattrs *v;
	size_t		 n;
	size_t		 cap;
};

/*
 * defer: links with a name the stack could not take yet (-EEXIST: a rename
 * chain). track: the reconcile map is in use. A stack with no interfaces (a
 * cold start) leaves it empty and skips it: nothing can be gone, and the
 * dumped links are kept in `cold` and upserted after the dump, when their
 * number is known, so that the lookup tables are sized once (nb_stack_reserve)
 * instead of rebuilt as they fill. A restarted cold dump starts `cold` over.
 */
struct link_ctx {
	struct link_vec	 defer;
	struct link_vec	 cold;
	bool		 track;
	struct lx_slist	*stats;		/* counters wanted too (IFLA_STATS64) */
};

/* The walks checked nla_len >= NLA_HDRLEN. */
#define attr_data(nla)	((const uint8_t *)lx_attr_data(nla))
#define attr_len(nla)	lx_attr_len(nla)

static inline uint32_t
attr_u32(const struct nlattr *nla)
{
	uint32_t v;

	memcpy(&v, attr_data(nla), sizeof(v));
	return v;
}

/* A u32 attribute, where the message has one, into *dst; false if it is short. */
static inline bool
get_u32(const struct nlattr *nla, uint32_t *dst)
{
	if (nla == NULL)
		return true;
	if (!lx_attr_ok(nla, 4))
		return false;
	*dst = attr_u32(nla);
	return true;
}

_Static_assert(NB_IFNAMSIZ == 16 && NB_KIND_MAX == 16, "lx_copy_cstr16 fills 16 bytes");

/*
 * A string attribute into a 16-byte field, a C string of at most 15 bytes
 * (lx_copy_cstr16: not zeroed after its NUL; the name and the kind are
 * compared as C strings here and padded by nb_if_upsert); end: the
 * message's.
 */
static inline __attribute__((always_inline)) void
copy_str(char dst[16], const struct nlattr *nla, const uint8_t *end)
{
	const uint8_t *src = attr_data(nla);

	lx_copy_cstr16(dst, src, attr_len(nla) < 15 ? attr_len(nla) : 15, (size_t)(end - src));
}

static uint8_t
copy_bin(uint8_t *dst, size_t dstsz, const struct nlattr *nla)
{
	size_t n = attr_len(nla);

	if (n == 6 && dstsz >= 6)
		memcpy(dst, attr_data(nla), 6);		/* Ethernet: no call */
	else {
		if (n > dstsz)
			n = dstsz;
		memcpy(dst, attr_data(nla), n);
	}
	return (uint8_t)n;
}

/*
 * IFLA_INFO_KIND in IFLA_LINKINFO, walked by hand (a generic nested parse
 * with a policy costs more than the rest of the message): NULL if absent or
 * malformed (before it, or not a NUL-terminated string).
 */
static inline __attribute__((always_inline)) const struct nlattr *
linkinfo_kind(const struct nlattr *li)
{
	const uint8_t *p = attr_data(li);
	size_t rem = attr_len(li), adv;
	const struct nlattr *nla;

	while (rem >= NLA_HDRLEN) {
		nla = (const struct nlattr *)p;
		if (nla->nla_len < NLA_HDRLEN || nla->nla_len > rem)
			return NULL;
		if ((nla->nla_type & NLA_TYPE_MASK) == IFLA_INFO_KIND) {	/* a C string */
			if (nla->nla_len <= NLA_HDRLEN || p[nla->nla_len - 1] != '\0')
				return NULL;
			return nla;
		}
		adv = NLA_ALIGN((size_t)nla->nla_len);
		if (adv >= rem)
			break;
		p += adv;
		rem -= adv;
	}
	return NULL;
}

/*
 * The attributes of a link message that we read all have types up to
 * IFLA_STATS64; tb[type] is the last of each type (lx_attrs' rule). The
 * walk (lx_attrs_all) records every attribute in lx->ltab, a slot per
 * type; only tb[0..LINK_TBMAX] are read.
 */
#define LINK_TBMAX	IFLA_STATS64

/*
 * Parse an RTM_NEWLINK into *a (zeroed first). 1 if it is not an AF_UNSPEC
 * link message (AF_BRIDGE port messages) and must be ignored. Inline in
 * the dump handler (link_dump_msg); link_parse is the others' call.
 */
static inline __attribute__((always_inline)) int
link_parse_inline(struct lx *lx, struct nlmsghdr *nlh, struct nb_ifattrs *a,
    struct lx_slist *stats)
{
	struct nlattr **tb;
	const struct nlattr *kind, *nla;
	const struct ifinfomsg *ifi;
	const uint8_t *end = (const uint8_t *)nlh + nlh->nlmsg_len;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 1;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi))) {
		lx_seterr(lx, "netlink: RTM_GETLINK: short message");
		return -EPROTO;
	}
	ifi = NLMSG_DATA(nlh);
	if (ifi->ifi_family != AF_UNSPEC || ifi->ifi_index <= 0)
		return 1;
	if ((tb = lx->ltab) == NULL &&
	    (tb = lx->ltab = malloc(LX_ATTR_NTYPES * sizeof(*tb))) == NULL) {
		lx_seterr(lx, "linux: links: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (lx_attrs_all(nlh, sizeof(*ifi), tb, LINK_TBMAX) < 0)
		goto bad;
	lx_zero(a, sizeof(*a));
	a->index = (uint32_t)ifi->ifi_index;
	a->type = ifi->ifi_type;
	a->flags = ifi->ifi_flags;
	if (tb[IFLA_IFNAME] != NULL)
		copy_str(a->name, tb[IFLA_IFNAME], end);
	if (tb[IFLA_LINKINFO] != NULL && (kind = linkinfo_kind(tb[IFLA_LINKINFO])) != NULL)
		copy_str(a->kind, kind, end);
	/*
	 * The fixed-size attributes are checked as they are read (one test
	 * of each for presence): a short one fails the message, and *a is
	 * then the caller's scratch.
	 */
	if (!get_u32(tb[IFLA_MTU], &a->mtu) || !get_u32(tb[IFLA_MASTER], &a->master) ||
	    !get_u32(tb[IFLA_TXQLEN], &a->txqlen) || !get_u32(tb[IFLA_LINK], &a->link))
		goto bad;
	if ((nla = tb[IFLA_OPERSTATE]) != NULL) {
		if (!lx_attr_ok(nla, 1))
			goto bad;
		a->operstate = *attr_data(nla);
	}
	if (tb[IFLA_ADDRESS] != NULL)
		a->lladdr_len = copy_bin(a->lladdr, sizeof(a->lladdr), tb[IFLA_ADDRESS]);
	if (tb[IFLA_BROADCAST] != NULL)
		a->brd_len = copy_bin(a->brd, sizeof(a->brd), tb[IFLA_BROADCAST]);
	if (stats != NULL && tb[IFLA_STATS64] != NULL)
		return lx_slist_add(stats, a->index, attr_data(tb[IFLA_STATS64]),
		    attr_len(tb[IFLA_STATS64]));
	return 0;
bad:
	lx_seterr(lx, "netlink: RTM_GETLINK: ifindex %d: bad attributes", ifi->ifi_index);
	return -EPROTO;
}

static int
link_parse(struct lx *lx, struct nlmsghdr *nlh, struct nb_ifattrs *a, struct lx_slist *stats)
{
	return link_parse_inline(lx, nlh, a, stats);
}

static bool
ifattrs_equal(const struct nb_ifattrs *x, const struct nb_ifattrs *y)
{
	return x->index == y->index && x->type == y->type && x->flags == y->flags &&
	    x->mtu == y->mtu && x->master == y->master && x->txqlen == y->txqlen &&
	    x->link == y->link && x->operstate == y->operstate &&
	    strcmp(x->name, y->name) == 0 && strcmp(x->kind, y->kind) == 0 &&
	    x->lladdr_len == y->lladdr_len && memcmp(x->lladdr, y->lladdr, x->lladdr_len) == 0 &&
	    x->brd_len == y->brd_len && memcmp(x->brd, y->brd, x->brd_len) == 0;
}

/* Room for one more element at lv->v[lv->n]. */
static int
link_vec_room(struct link_vec *lv)
{
	struct nb_ifattrs *v;

	if (lv->n < lv->cap)
		return 0;		/* (lx_vec_room's first test, without the call) */
	if ((v = lx_vec_room(lv->v, &lv->cap, lv->n, sizeof(*v))) == NULL)
		return -ENOMEM;
	lv->v = v;
	return 0;
}

static int
link_vec_add(struct link_vec *lv, const struct nb_ifattrs *a)
{
	int error;

	if ((error = link_vec_room(lv)) != 0)
		return error;
	lv->v[lv->n++] = *a;
	return 0;
}

/* The error detail of a failed nb_if_upsert(a) (-EEXIST is the caller's). */
static int
link_upsert_error(struct lx *lx, const struct nb_ifattrs *a, int error)
{
	if (error != 0 && error != -EEXIST)
		lx_seterr(lx, "libstack: nb_if_upsert(%u, %s): %s", a->index, a->name,
		    strerror(-error));
	return error;
}

static int
link_upsert(struct lx *lx, const struct nb_ifattrs *a)
{
	return link_upsert_error(lx, a, nb_if_upsert(lx->st, a, NULL));
}

/*
 * A cold start's links, in dump order, under one hold of the stack's
 * interface lock (nb_if_upsert_many); a name still taken (-EEXIST) goes
 * to defer, as in a tracked dump.
 */
static int
link_upsert_cold(struct lx *lx, struct link_ctx *c)
{
	size_t i, done;
	int error;

	for (i = 0; i < c->cold.n; i += done + 1) {
		error = nb_if_upsert_many(lx->st, &c->cold.v[i], c->cold.n - i, &done);
		if (error == 0)
			break;
		if (error == -EEXIST)
			error = link_vec_add(&c->defer, &c->cold.v[i + done]);
		else
			link_upsert_error(lx, &c->cold.v[i + done], error);
		if (error != 0)
			return error;
	}
	return 0;
}

/* Dump handler: mark the link seen, write it if new or changed. */
static int
link_dump_msg(struct lx *lx, struct nlmsghdr *nlh, void *arg)
{
	struct link_ctx *c = arg;
	struct nb_ifattrs a, *dst = &a;
	ptrdiff_t s;
	int error;

	if (!c->track) {		/* parsed in place, upserted after the dump */
		if ((error = link_vec_room(&c->cold)) != 0)
			return error;
		dst = &c->cold.v[c->cold.n];
	}
	if ((error = link_parse_inline(lx, nlh, dst, c->stats)) != 0)
		return error > 0 ? 0 : error;
	if (!c->track) {
		c->cold.n++;
		return 0;
	}
	if ((s = nl_kmap_find(&lx->links, &a.index)) >= 0) {
		lx->links.state[s] = NL_KMAP_SEEN;
		if (ifattrs_equal(nl_kmap_val(&lx->links, (size_t)s), &a))
			return 0;
	} else if ((s = nl_kmap_insert(&lx->links, &a.index, NL_KMAP_SEEN)) < 0) {
		return (int)s;
	}
	if ((error = link_upsert(lx, &a)) == -EEXIST)
		return link_vec_add(&c->defer, &a);	/* its name is still taken: retry after the dump */
	return error;
}

static int
link_collect(const struct nb_iface *ifp, void *arg)
{
	struct lx *lx = arg;
	const struct nb_ifattrs *a = nb_iface_attrs(ifp);
	ptrdiff_t s;

	if ((s = nl_kmap_insert(&lx->links, &a->index, NL_KMAP_OLD)) < 0)
		return (int)s;
	memcpy(nl_kmap_val(&lx->links, (size_t)s), a, sizeof(*a));
	return 0;
}

/* What the stack holds now, into the reconcile map as OLD. */
static int
link_collect_all(struct lx *lx)
{
	struct nb_read rd;
	int error;

	nl_kmap_clear(&lx->links);
	nb_read_enter(lx->st, &rd);
	error = nb_if_walk(&rd, link_collect, lx);
	nb_read_exit(&rd);
	if (error != 0)
		lx_seterr(lx, "linux: links: %s", strerror(-error));
	return error;
}

/* Before every (re)start of the dump: nothing seen yet. */
static void
link_dump_start(struct lx *lx, void *arg)
{
	struct link_ctx *c = arg;
	size_t i;

	c->defer.n = 0;
	c->cold.n = 0;
	if (c->stats != NULL) {
		c->stats->n = 0;
		c->stats->old_kernel = false;
	}
	for (i = 0; i < lx->links.cap; i++)
		if (lx->links.state[i] == NL_KMAP_SEEN)
			lx->links.state[i] = NL_KMAP_OLD;
}

static struct nl_msg *
link_request(int flags, uint32_t index)
{
	struct ifinfomsg ifi;
	struct nl_msg *req;

	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_index = (int)index;
	if ((req = nlmsg_alloc_simple(RTM_GETLINK, flags)) == NULL)
		return NULL;
	/* SKIP_STATS leaves out the VF and IPv6 statistics, not IFLA_STATS64. */
	if (nlmsg_append(req, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(req, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0) {
		nlmsg_free(req);
		return NULL;
	}
	return req;
}

int
lx_links_refresh(struct lx *lx, struct lx_slist *stats)
{
	struct link_ctx c = { .stats = stats };
	struct nl_msg *req = NULL;
	size_t i, before;
	int error;

	/* What the stack holds now. */
	if ((error = link_collect_all(lx)) != 0)
		goto out;
	c.track = lx->links.n != 0;
	if ((req = link_request(NLM_F_DUMP, 0)) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	if ((error = lx_request(lx, req, "RTM_GETLINK", link_dump_start, link_dump_msg, &c)) != 0)
		goto out;
	/* A cold start: size the tables once, then create the links. */
	if (c.cold.n != 0)
		nb_stack_reserve(lx->st, c.cold.n, 0);
	if ((error = link_upsert_cold(lx, &c)) != 0)
		goto out;
	/* Gone from the kernel: delete first, which frees names for renames. */
	for (i = 0; i < lx->links.cap; i++) {
		if (lx->links.state[i] != NL_KMAP_OLD)
			continue;
		error = nb_if_delete(lx->st, *(uint32_t *)nl_kmap_key(&lx->links, i), NULL);
		if (error != 0 && error != -ENOENT) {
			lx_seterr(lx, "libstack: nb_if_delete(%u): %s",
			    *(uint32_t *)nl_kmap_key(&lx->links, i), strerror(-error));
			goto out;
		}
		error = 0;
	}
	/* Renames whose new name was held by another link renamed in the same
	 * dump: retry while that makes progress. */
	while (c.defer.n != 0) {
		before = c.defer.n;
		c.defer.n = 0;
		for (i = 0; i < before; i++) {
			/* (in place: the array never grows here, n <= i) */
			error = link_upsert(lx, &c.defer.v[i]);
			if (error == -EEXIST)
				error = link_vec_add(&c.defer, &c.defer.v[i]);
			if (error != 0)
				goto out;
		}
		if (c.defer.n == before) {
			error = -EEXIST;
			lx_seterr(lx, "libstack: nb_if_upsert(%u, %s): name in use",
			    c.defer.v[0].index, c.defer.v[0].name);
			goto out;
		}
	}
out:
	if (req != NULL)
		nlmsg_free(req);
	lx_vec_free(c.defer.v, c.defer.cap, sizeof(*c.defer.v));
	lx_vec_free(c.cold.v, c.cold.cap, sizeof(*c.cold.v));
	return error;
}

/* Single-link reply handler: upsert it. */
static int
link_fetch_msg(struct lx *lx, struct nlmsghdr *nlh, void *arg)
{
	struct nb_ifattrs a;
	int error;

	if ((error = link_parse(lx, nlh, &a, NULL)) != 0)
		return error > 0 ? 0 : error;
	if ((error = link_upsert(lx, &a)) == -EEXIST)
		lx_seterr(lx, "libstack: nb_if_upsert(%u, %s): name in use", a.index, a.name);
	return error;
}

int
lx_link_fetch(struct lx *lx, uint32_t index)
{
	struct nl_msg *req;
	int error;

	if (index == 0 || index > INT32_MAX)
		return -ENODEV;
	if ((req = link_request(0, index)) == NULL)
		return -ENOMEM;
	error = lx_request(lx, req, "RTM_GETLINK", NULL, link_fetch_msg, NULL);
	nlmsg_free(req);
	if (error == 0)
		lx->late_links++;
	return error;
}

/*
 * The final counters of a deleted link: RTM_DELLINK's IFLA_STATS64, except
 * for a veth, whose RX half reads 0 there (the kernel derives it from the
 * peer, unlinked first): each RX counter is the larger of the message's and
 * the last polled value (what the stack holds now).
 */
static void
link_final(struct lx *lx, uint32_t index, const struct nlattr *nla, uint64_t *final)
{
	static const unsigned rx[] = {
		NB_IFSTAT_IPACKETS, NB_IFSTAT_IERRORS, NB_IFSTAT_IQDROPS,
		NB_IFSTAT_IBYTES, NB_IFSTAT_IMCASTS, NB_IFSTAT_NOPROTO,
	};
	uint64_t polled[NB_IFSTAT_MAX];
	const struct nb_iface *ifp;
	struct nb_read rd;
	size_t i;

	lx_stats64_map(nla_data(nla), nla_len(nla) > 0 ? (size_t)nla_len(nla) : 0, final);
	nb_read_enter(lx->st, &rd);
	if ((ifp = nb_if_lookup_index(&rd, index)) != NULL &&
	    strcmp(nb_iface_attrs(ifp)->kind, "veth") == 0) {
		nb_iface_stats(ifp, polled);
		for (i = 0; i < sizeof(rx) / sizeof(rx[0]); i++)
			if (polled[rx[i]] > final[rx[i]])
				final[rx[i]] = polled[rx[i]];
	}
	nb_read_exit(&rd);
}

int
lx_link_event(struct lx *lx, struct nlmsghdr *nlh)
{
	struct nlattr *tb[IFLA_MAX + 1];
	uint64_t final[NB_IFSTAT_MAX];
	struct ifinfomsg *ifi;
	struct nb_ifattrs a;
	uint32_t index;
	int error;

	if (nlh->nlmsg_type == RTM_NEWLINK) {
		if ((error = link_parse(lx, nlh, &a, NULL)) != 0)
			return error;
		/* -EEXIST: the name is still held by a link whose rename or
		 * delete we lost; only a resync can sort that out. */
		if ((error = link_upsert(lx, &a)) == -EEXIST)
			return LX_EV_RESYNC;
		return error;
	}
	if (nlh->nlmsg_type != RTM_DELLINK)
		return 1;
	if (!nlmsg_valid_hdr(nlh, sizeof(*ifi))) {
		lx_seterr(lx, "netlink: RTM_DELLINK: short message");
		return -EPROTO;
	}
	ifi = nlmsg_data(nlh);
	/* AF_BRIDGE: a port left its bridge, the device stays. */
	if (ifi->ifi_family != AF_UNSPEC || ifi->ifi_index <= 0)
		return 1;
	index = (uint32_t)ifi->ifi_index;
	if ((error = lx_attrs(nlh, sizeof(*ifi), tb, IFLA_MAX)) < 0) {
		lx_seterr(lx, "netlink: RTM_DELLINK: ifindex %u: bad attributes", index);
		return -EPROTO;
	}
	if (tb[IFLA_STATS64] != NULL)
		link_final(lx, index, tb[IFLA_STATS64], final);
	error = nb_if_delete(lx->st, index, tb[IFLA_STATS64] != NULL ? final : NULL);
	if (error == -ENOENT)
		return 1;		/* not known: a resync already removed it */
	if (error != 0)
		lx_seterr(lx, "libstack: nb_if_delete(%u): %s", index, strerror(-error));
	return error;
}
