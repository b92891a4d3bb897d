/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_addr.c - linux source, ADDRS: RTM_GETADDR dump -> nb_addr_add, reconcile. */
/*
 * Two steps: lx_addrs_dump parses the dump into a flat list and touches
 * nothing else (so it may run on the worker thread, see source_linux.c);
 * lx_addrs_apply reconciles the stack with the complete list.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "lx_str.h"
#include "nl_linux.h"

/*
 * The attributes' checks (what libnl's policy {LABEL: string, CACHEINFO:
 * minlen, FLAGS: u32} did, without its per-attribute validation walk):
 * 0 or a libnl error code for the message.
 */
static int
addr_attrs_check(struct nlattr *const *tb)
{
	const struct nlattr *l = tb[IFA_LABEL];

	if (l != NULL && (lx_attr_len(l) < 1 || ((const char *)lx_attr_data(l))[lx_attr_len(l) - 1] != '\0'))
		return -NLE_INVAL;
	if (tb[IFA_CACHEINFO] != NULL && !lx_attr_ok(tb[IFA_CACHEINFO], sizeof(struct ifa_cacheinfo)))
		return -NLE_RANGE;
	if (tb[IFA_FLAGS] != NULL && !lx_attr_ok(tb[IFA_FLAGS], sizeof(uint32_t)))
		return -NLE_RANGE;
	return 0;
}

static void
akey_of(struct lx_akey *k, const struct nb_addrattrs *a)
{
	memset(k, 0, sizeof(*k));
	k->ifindex = a->ifindex;
	k->family = a->family;
	k->prefixlen = a->prefixlen;
	memcpy(k->addr, a->addr, sizeof(k->addr));
}

static bool
addrattrs_equal(const struct nb_addrattrs *x, const struct nb_addrattrs *y)
{
	return x->scope == y->scope && x->flags == y->flags &&
	    x->has_peer == y->has_peer && memcmp(x->peer, y->peer, sizeof(x->peer)) == 0 &&
	    x->has_brd == y->has_brd && memcmp(x->brd, y->brd, sizeof(x->brd)) == 0 &&
	    strcmp(x->label, y->label) == 0 &&
	    x->valid_lft == y->valid_lft && x->preferred_lft == y->preferred_lft;
}

/* nla, if it holds an address of family-length alen (4 or 16); else NULL. */
static inline const struct nlattr *
addr_attr(const struct nlattr *nla, int alen)
{
	return nla != NULL && lx_attr_len(nla) >= (size_t)alen ? nla : NULL;
}

/*
 * The address in nla (addr_attr's) into dst, zeroed beyond alen bytes
 * already: copies of constant size, without a call.
 */
static inline void
addr_put(uint8_t *dst, const struct nlattr *nla, int alen)
{
	if (alen == 4)
		memcpy(dst, lx_attr_data(nla), 4);
	else
		memcpy(dst, lx_attr_data(nla), 16);
}

/* The addresses in x and y (addr_attr's) differ. */
static inline bool
addr_differ(const struct nlattr *x, const struct nlattr *y, int alen)
{
	return alen == 4 ? memcmp(lx_attr_data(x), lx_attr_data(y), 4) != 0 :
	    memcmp(lx_attr_data(x), lx_attr_data(y), 16) != 0;
}

/* Parse an RTM_NEWADDR (or DELADDR) into *a. 1 if it is not an inet/inet6 address. */
static int
addr_parse(struct lx *lx, struct nlmsghdr *nlh, struct nb_addrattrs *a)
{
	struct nlattr *tb[IFA_MAX + 1];
	const struct nlattr *local, *address;
	struct ifaddrmsg *ifa;
	struct ifa_cacheinfo ci;
	int alen, error;

	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return 1;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa))) {
		lx_seterr(lx, "netlink: RTM_GETADDR: short message");
		return -EPROTO;
	}
	ifa = NLMSG_DATA(nlh);
	if (ifa->ifa_family == AF_INET)
		alen = 4;
	else if (ifa->ifa_family == AF_INET6)
		alen = 16;
	else
		return 1;
	if ((error = lx_attrs_inline(nlh, sizeof(*ifa), tb, IFA_MAX)) < 0)
		error = -NLE_INVAL;
	else
		error = addr_attrs_check(tb);
	if (error < 0) {
		lx_seterr(lx, "netlink: RTM_GETADDR: ifindex %u: bad attributes: %s",
		    ifa->ifa_index, nl_geterror(error));
		return -EPROTO;
	}
	lx_zero(a, sizeof(*a));
	a->ifindex = ifa->ifa_index;
	a->family = ifa->ifa_family;
	a->prefixlen = ifa->ifa_prefixlen;
	a->scope = ifa->ifa_scope;
	if (tb[IFA_FLAGS] != NULL)
		memcpy(&a->flags, lx_attr_data(tb[IFA_FLAGS]), sizeof(a->flags));
	else
		a->flags = ifa->ifa_flags;
	local = addr_attr(tb[IFA_LOCAL], alen);
	address = addr_attr(tb[IFA_ADDRESS], alen);
	if (local == NULL && address == NULL)
		return 1;			/* nothing to key it by */
	addr_put(a->addr, local != NULL ? local : address, alen);
	/* IFA_ADDRESS differing from IFA_LOCAL is the peer of a p2p address. */
	if (local != NULL && address != NULL && addr_differ(local, address, alen)) {
		addr_put(a->peer, address, alen);
		a->has_peer = 1;
	}
	if ((address = addr_attr(tb[IFA_BROADCAST], alen)) != NULL) {
		addr_put(a->brd, address, alen);
		a->has_brd = 1;
	}
	/*
	 * To its NUL, at most sizeof(label) - 1 bytes, as a C string (not
	 * zeroed after it: compared as a C string here, padded by libstack).
	 */
	if (tb[IFA_LABEL] != NULL) {
		const uint8_t *l = lx_attr_data(tb[IFA_LABEL]);
		size_t n = lx_attr_len(tb[IFA_LABEL]);

		lx_copy_cstr16(a->label, l, n < sizeof(a->label) - 1 ? n : sizeof(a->label) - 1,
		    (size_t)((const uint8_t *)nlh + nlh->nlmsg_len - l));
	}
	a->valid_lft = a->preferred_lft = UINT32_MAX;
	if (tb[IFA_CACHEINFO] != NULL) {
		memcpy(&ci, lx_attr_data(tb[IFA_CACHEINFO]), sizeof(ci));
		a->valid_lft = ci.ifa_valid;
		a->preferred_lft = ci.ifa_prefered;
	}
	return 0;
}

static int
addr_pend(struct lx *lx, const struct nb_addrattrs *a)
{
	struct nb_addrattrs *n;
	size_t cap;

	if (lx->napend == lx->apendcap) {
		cap = lx->apendcap != 0 ? lx->apendcap * 2 : 16;
		if ((n = realloc(lx->apend, cap * sizeof(*n))) == NULL)
			return -ENOMEM;
		lx->apend = n;
		lx->apendcap = cap;
	}
	lx->apend[lx->napend++] = *a;
	return 0;
}

static int
addr_add(struct lx *lx, const struct nb_addrattrs *a)
{
	int error;

	/* An interface born after the link dump: fetched after this dump. */
	if ((error = nb_addr_add(lx->st, a)) == -ENOENT)
		return addr_pend(lx, a);
	if (error != 0)
		lx_seterr(lx, "libstack: nb_addr_add(ifindex %u): %s", a->ifindex,
		    strerror(-error));
	return error;
}

/* After the dump: fetch the interfaces of queued addresses, add those. */
static int
addr_add_pending(struct lx *lx)
{
	char saved[LX_ERRLEN];
	uint32_t last = 0;
	size_t i;
	int error = 0, fetched = 0;

	for (i = 0; i < lx->napend; i++) {
		const struct nb_addrattrs *a = &lx->apend[i];

		if (a->ifindex != last) {	/* a dump lists an interface's addresses together */
			last = a->ifindex;
			memcpy(saved, lx->err, sizeof(saved));
			if ((fetched = lx_link_fetch(lx, a->ifindex)) == -ENODEV)
				memcpy(lx->err, saved, sizeof(saved));	/* gone again */
			else if (fetched != 0)
				return fetched;
		}
		if (fetched == -ENODEV)
			continue;
		if ((error = nb_addr_add(lx->st, a)) != 0 && error != -ENOENT) {
			lx_seterr(lx, "libstack: nb_addr_add(ifindex %u): %s", a->ifindex,
			    strerror(-error));
			return error;
		}
	}
	return 0;
}

/* Dump handler (any thread, no stack access): append the address to the list. */
/* One family's dump appends to l after the base entries of earlier ones. */
struct addr_dump {
	struct lx_alist	*l;
	size_t		 base;
	uint8_t		 family;	/* a kernel without it answers for all */
};

static int
addr_dump_msg(struct lx *io, struct nlmsghdr *nlh, void *arg)
{
	const struct addr_dump *d = arg;
	struct lx_alist *l = d->l;
	struct nb_addrattrs *v;
	int error;

	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifaddrmsg)) &&
	    ((struct ifaddrmsg *)NLMSG_DATA(nlh))->ifa_family != d->family)
		return 0;
	if (l->n >= l->cap) {		/* (lx_vec_room's first test, without the call) */
		if ((v = lx_vec_room(l->v, &l->cap, l->n, sizeof(*v))) == NULL)
			return -ENOMEM;
		l->v = v;
	}
	if ((error = addr_parse(io, nlh, &l->v[l->n])) != 0)
		return error > 0 ? 0 : error;
	l->n++;
	return 0;
}

/* Before every (re)start of one family's dump: drop what it added. */
static void
addr_dump_start(struct lx *io, void *arg)
{
	struct addr_dump *d = arg;

	(void)io;
	d->l->n = d->base;	/* a restarted dump drops only its own family */
}

/* Reconcile one dumped address: mark it seen, write it if new or changed. */
static int
addr_apply_one(struct lx *lx, const struct nb_addrattrs *a)
{
	struct lx_akey k;
	ptrdiff_t s;

	akey_of(&k, a);
	if ((s = nl_kmap_find(&lx->addrs, &k)) >= 0) {
		lx->addrs.state[s] = NL_KMAP_SEEN;
		if (addrattrs_equal(nl_kmap_val(&lx->addrs, (size_t)s), a))
			return 0;
	} else if ((s = nl_kmap_insert(&lx->addrs, &k, NL_KMAP_SEEN)) < 0) {
		return (int)s;
	}
	return addr_add(lx, a);
}

/*
 * Nothing to reconcile: every dumped address, in dump order, under one
 * hold of the stack's address lock (nb_addr_add_many); an address of an
 * interface the stack does not know yet is queued, as by addr_add.
 */
static int
addr_add_cold(struct lx *lx, const struct lx_alist *l)
{
	size_t i, done;
	int error;

	for (i = 0; i < l->n; i += done + 1) {
		error = nb_addr_add_many(lx->st, &l->v[i], l->n - i, &done);
		if (error == 0)
			break;
		if (error == -ENOENT)
			error = addr_pend(lx, &l->v[i + done]);
		else
			lx_seterr(lx, "libstack: nb_addr_add(ifindex %u): %s",
			    l->v[i + done].ifindex, strerror(-error));
		if (error != 0)
			return error;
	}
	return 0;
}

static int
addr_collect(const struct nb_addr *ap, void *arg)
{
	struct lx *lx = arg;
	const struct nb_addrattrs *a = nb_addr_attrs(ap);
	struct lx_akey k;
	ptrdiff_t s;

	akey_of(&k, a);
	if (nl_kmap_find(&lx->addrs, &k) >= 0)
		return 0;
	if ((s = nl_kmap_insert(&lx->addrs, &k, NL_KMAP_OLD)) < 0)
		return (int)s;
	memcpy(nl_kmap_val(&lx->addrs, (size_t)s), a, sizeof(*a));
	return 0;
}

int
lx_addrs_dump(struct lx *io, struct lx_alist *out)
{
	struct ifaddrmsg ifa;
	struct nl_msg *req;
	int error;

	/*
	 * One dump per family, not one AF_UNSPEC dump: the kernel serves
	 * AF_UNSPEC through rtnl_dump_all() under RTNL, while the per-family
	 * handlers walk under RCU, so these dumps do not serialise with the
	 * link dump running on the other socket (measured at 10,001 links:
	 * links + addresses 57-72 ms instead of 71-86 ms).
	 */
	static const uint8_t fams[] = { AF_INET, AF_INET6 };
	struct addr_dump d = { .l = out, .base = 0 };
	size_t i;

	out->n = 0;
	error = 0;
	for (i = 0; i < sizeof(fams) && error == 0; i++) {
		memset(&ifa, 0, sizeof(ifa));
		ifa.ifa_family = fams[i];
		d.base = out->n;
		d.family = fams[i];
		if ((req = nlmsg_alloc_simple(RTM_GETADDR, NLM_F_DUMP)) == NULL)
			return -ENOMEM;
		if (nlmsg_append(req, &ifa, sizeof(ifa), NLMSG_ALIGNTO) < 0)
			error = -ENOMEM;
		else
			error = lx_request(io, req, "RTM_GETADDR", addr_dump_start, addr_dump_msg, &d);
		nlmsg_free(req);
	}
	return error;
}

/*
 * Reconcile the stack with a complete dump. When the stack holds no
 * address the reconcile map stays empty: every dumped address is added
 * (nb_addr_add is idempotent, so a repeated one is harmless) and there is
 * nothing to remove.
 */
int
lx_addrs_apply(struct lx *lx, const struct lx_alist *l)
{
	struct nb_read rd;
	bool track;
	size_t i;
	int error;

	nl_kmap_clear(&lx->addrs);
	nb_read_enter(lx->st, &rd);
	error = nb_addr_walk(&rd, addr_collect, lx);
	nb_read_exit(&rd);
	if (error != 0) {
		lx_seterr(lx, "linux: addrs: %s", strerror(-error));
		goto out;
	}
	track = lx->addrs.n != 0;
	if (l->n > lx->addrs.n)
		nb_stack_reserve(lx->st, 0, l->n - lx->addrs.n);
	lx->napend = 0;
	if (track) {
		for (i = 0; i < l->n; i++)
			if ((error = addr_apply_one(lx, &l->v[i])) != 0)
				goto out;
	} else if ((error = addr_add_cold(lx, l)) != 0)
		goto out;
	if ((error = addr_add_pending(lx)) != 0)
		goto out;
	for (i = 0; i < lx->addrs.cap; i++) {
		if (lx->addrs.state[i] != NL_KMAP_OLD)
			continue;
		/* -ENOENT: went with its interface. */
		error = nb_addr_del(lx->st, nl_kmap_val(&lx->addrs, i));
		if (error != 0 && error != -ENOENT) {
			lx_seterr(lx, "libstack: nb_addr_del(ifindex %u): %s",
			    ((struct nb_addrattrs *)nl_kmap_val(&lx->addrs, i))->ifindex,
			    strerror(-error));
			goto out;
		}
		error = 0;
	}
out:
	lx->napend = 0;
	return error;
}

int
lx_addrs_refresh(struct lx *lx)
{
	int error;

	if ((error = lx_addrs_dump(lx, &lx->alist)) != 0)
		return error;
	return lx_addrs_apply(lx, &lx->alist);
}

int
lx_addr_event(struct lx *lx, struct nlmsghdr *nlh)
{
	struct nb_addrattrs a;
	int error;

	if ((error = addr_parse(lx, nlh, &a)) != 0)
		return error;
	if (nlh->nlmsg_type == RTM_NEWADDR) {
		/* -ENOENT: its interface went already (a later event of the queue). */
		if ((error = nb_addr_add(lx->st, &a)) == -ENOENT)
			return 1;
		if (error != 0)
			lx_seterr(lx, "libstack: nb_addr_add(ifindex %u): %s", a.ifindex,
			    strerror(-error));
		return error;
	}
	/* -ENOENT: gone with its interface, or never seen (a resync covered it). */
	if ((error = nb_addr_del(lx->st, &a)) == -ENOENT)
		return 1;
	if (error != 0)
		lx_seterr(lx, "libstack: nb_addr_del(ifindex %u): %s", a.ifindex, strerror(-error));
	return error;
}
