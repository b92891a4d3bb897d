/* SPDX-License-Identifier: BSD-2-Clause */
/* addr.c - addresses: RCU objects in the address hash and on their interface's list. */

/*
 * Theory of operation
 *
 * What may run at once
 *   Readers, one address writer (addr_lock, taken after if_lock when the
 *   interface is looked up: nb_addr_lock_iface; nb_addr_add_many holds
 *   if_lock for the lookups of its whole batch), and the reclaimer running
 *   phase-1/phase-2 callbacks under the same lock.
 *
 * Invariants
 *   An address is linked into addr_hash and its interface's addrs list
 *   with one birth version in one commit (and killed likewise), so every
 *   reader sees it in both or neither. nb_addr_add_many links the new
 *   addresses of a batch unborn, chained through gc_next, and stamps them
 *   all in one commit: the same objects in the same order as one
 *   nb_addr_add each, published together. Addresses are added only to a
 *   live interface under addr_lock, which nb_if_delete holds while it commits.
 *
 * Who frees what
 *   An address removed on its own (nb_addr_del, nb_addr_del_route) takes a
 *   reference on its interface and is marked retiring; phase 1 unlinks it,
 *   phase 2 frees it and drops the reference. Addresses that die with
 *   their interface are unlinked and freed by the interface's phases
 *   (iface.c). Attribute blocks are swapped whole and freed after a grace
 *   period.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ifaddr.h"

/* nb_addr_key, inline here (an address load checks every address). */
static inline __attribute__((always_inline)) int
nb_addr_key_inline(int family, const void *addr, uint8_t key[NB_ADDR_KEYLEN])
{
	memset(key, 0, NB_ADDR_KEYLEN);
	key[0] = (uint8_t)family;
	if (family == AF_INET)
		memcpy(key + 1, addr, 4);
	else if (family == AF_INET6)
		memcpy(key + 1, addr, 16);
	else
		return -EAFNOSUPPORT;
	return 0;
}

int
nb_addr_key(int family, const void *addr, uint8_t key[NB_ADDR_KEYLEN])
{
	return nb_addr_key_inline(family, addr, key);
}

/* An address of family-length bytes (4 or 16), copied without a call. */
static inline void
nb_addr_copy(uint8_t dst[16], const uint8_t src[16], bool inet)
{
	memcpy(dst, src, 4);
	if (!inet)
		memcpy(dst + 4, src + 4, 12);
}

/* nb_addrattrs_norm into zeroed memory (inline: a new address's fill). */
static inline __attribute__((always_inline)) void
nb_addrattrs_fill(struct nb_addrattrs *n, const struct nb_addrattrs *a)
{
	bool inet = a->family == AF_INET;

	n->ifindex = a->ifindex;
	n->family = a->family;
	n->prefixlen = a->prefixlen;
	n->scope = a->scope;
	n->has_peer = a->has_peer != 0;
	n->has_brd = a->has_brd != 0;
	n->flags = a->flags;
	nb_addr_copy(n->addr, a->addr, inet);
	if (n->has_peer)
		nb_addr_copy(n->peer, a->peer, inet);
	if (n->has_brd)
		nb_addr_copy(n->brd, a->brd, inet);
	if (nb_ifname_pad(a->label, n->label) == NB_IFNAMSIZ)
		n->label[NB_IFNAMSIZ - 1] = '\0';	/* no NUL: the first NB_IFNAMSIZ - 1 */
	n->valid_lft = a->valid_lft;
	n->preferred_lft = a->preferred_lft;
	n->unknown = a->unknown;
}

void
nb_addrattrs_norm(struct nb_addrattrs *n, const struct nb_addrattrs *a)
{
	memset(n, 0, sizeof(*n));
	nb_addrattrs_fill(n, a);
}

void
nb_addr_free(struct nb_addr *ad)
{
	if (ad->attrs != &ad->first)
		free(ad->attrs);
	if (!ad->slab)
		free(ad);
}

bool
nb_addr_match_fn(const struct nb_hent *e, const void *arg)
{
	const struct nb_addr *ad = e->obj;
	const struct nb_addr_match *m = arg;

	return ad->ifindex == m->ifindex && ad->prefixlen == m->prefixlen;
}

static inline __attribute__((always_inline)) int
nb_addr_check_inline(const struct nb_addrattrs *a, uint8_t key[NB_ADDR_KEYLEN])
{
	if (a == NULL)
		return -EINVAL;
	if (nb_addr_key_inline(a->family, a->addr, key) != 0)
		return -EAFNOSUPPORT;
	if (a->prefixlen > (a->family == AF_INET ? 32 : 128))
		return -EINVAL;
	return 0;
}

int
nb_addr_check(const struct nb_addrattrs *a, uint8_t key[NB_ADDR_KEYLEN])
{
	return nb_addr_check_inline(a, key);
}

/*
 * Writer: the interface of a new address, with addr_lock taken (and held on
 * return, NULL or not). The interface cannot die while we hold addr_lock
 * (if_delete commits under it) and cannot be freed before it dies.
 */
struct nb_iface *
nb_addr_lock_iface(struct nb_stack *st, uint32_t ifindex)
{
	struct nb_iface *ifp;

	pthread_mutex_lock(&st->if_lock);
	ifp = nb_if_writer_find(st, ifindex);
	pthread_mutex_lock(&st->addr_lock);
	pthread_mutex_unlock(&st->if_lock);
	return ifp;
}

/*
 * Writer (addr_lock): link the new address ad (entry e; its normalised
 * attributes in ad->first.a) into the address hash and its interface's
 * list, unborn until the caller's commit stamps it (nb_addr_stamp_birth).
 */
static inline __attribute__((always_inline)) void
nb_addr_link_inline(struct nb_stack *st, struct nb_iface *ifp, struct nb_addr *ad,
    struct nb_hent *e)
{
	nb_vis_init(&ad->vis);
	ad->attrs = &ad->first;
	ad->ifp = ifp;
	ad->ifindex = ad->first.a.ifindex;
	ad->prefixlen = ad->first.a.prefixlen;
	nb_htab_writer_insert(&st->addr_hash, e);
	nb_list_writer_append(&ifp->addrs, &ad->le);
}

void
nb_addr_link(struct nb_stack *st, struct nb_iface *ifp, struct nb_addr *ad,
    struct nb_hent *e)
{
	nb_addr_link_inline(st, ifp, ad, e);
}

static inline void
nb_addr_stamp_birth_inline(struct nb_addr *ad, struct nb_hent *e, uint64_t v)
{
	NB_STORE_RELAXED(&ad->vis.birth, v);
	NB_STORE_RELAXED(&e->vis.birth, v);
}

void
nb_addr_stamp_birth(struct nb_addr *ad, struct nb_hent *e, uint64_t v)
{
	nb_addr_stamp_birth_inline(ad, e, v);
}

/* The event log: "address added 10.0.0.1/24" on the address's interface. */
void
nb_addr_post(struct nb_stack *st, unsigned kind, const struct nb_addrattrs *a)
{
	char buf[64];

	if (nb_ev_on(st))
		nb_ev_post(st, kind, a->ifindex, NULL, "%s/%u",
		    nb_ev_addr(a->family, a->addr, buf, sizeof(buf)), a->prefixlen);
}

/*
 * Writer (addr_lock; ifp live, the interface of a, checked into key): what
 * nb_addr_add does with a. An existing address takes the new attributes; a
 * new one is linked unborn and returned in *newp for the caller's commit
 * (else *newp is NULL).
 */
static int
nb_addr_add_locked(struct nb_stack *st, struct nb_iface *ifp, const struct nb_addrattrs *a,
    const uint8_t key[NB_ADDR_KEYLEN], struct nb_addr **newp)
{
	struct nb_addr_match m;
	struct nb_addrattrs n;
	struct nb_addrattrs_blk *blk, *old;
	struct nb_addr *ad;
	struct nb_hent *e;
	uint32_t h;

	*newp = NULL;
	m.ifindex = a->ifindex;
	m.prefixlen = a->prefixlen;
	/* The key is the family, the address, then zeros (nb_addr_key). */
	h = nb_hash_key_zpad(key, a->family == AF_INET ? 1 + 4 : NB_ADDR_KEYLEN, NB_ADDR_KEYLEN);
	if ((e = nb_htab_writer_find_h(&st->addr_hash, key, h, nb_addr_match_fn, &m)) != NULL) {
		ad = e->obj;
		old = ad->attrs;
		nb_addrattrs_norm(&n, a);
		if (memcmp(&old->a, &n, sizeof(n)) == 0)
			return 0;
		if ((blk = malloc(sizeof(*blk))) == NULL)
			return -ENOMEM;
		nb_heap_note(st);
		blk->a = n;
		NB_STORE(&ad->attrs, blk);
		if (old != &ad->first)
			nb_defer(st, &old->rcu, nb_free_cb);
		return 0;
	}
	if ((ad = nb_slab_take(&st->addrslab, sizeof(*ad))) != NULL)
		ad->slab = true;
	else if ((ad = calloc(1, sizeof(*ad))) == NULL)
		return -ENOMEM;
	else
		nb_heap_note(st);
	if ((e = nb_hent_new_h(&st->addr_hash, key, h, ad, &ad->ent)) == NULL) {
		if (!ad->slab)
			free(ad);
		return -ENOMEM;
	}
	nb_addrattrs_fill(&ad->first.a, a);	/* ad is zeroed */
	nb_addr_link_inline(st, ifp, ad, e);
	nb_htab_writer_maybe_grow(&st->addr_hash);	/* repoints ad->ent */
	*newp = ad;
	return 0;
}

int
nb_addr_add(struct nb_stack *st, const struct nb_addrattrs *a)
{
	size_t done;

	return nb_addr_add_many(st, a, 1, &done);
}

int
nb_addr_add_many(struct nb_stack *st, const struct nb_addrattrs *a, size_t n, size_t *done)
{
	uint8_t key[NB_ADDR_KEYLEN];
	struct nb_iface *ifp = NULL;
	struct nb_addr *ad, *born = NULL, **tailp = &born;
	uint64_t v;
	size_t i;
	int error = 0;
	bool ev;

	nb_thread_ensure();
	pthread_mutex_lock(&st->if_lock);
	pthread_mutex_lock(&st->addr_lock);
	for (i = 0; i < n; i++) {
		if ((error = nb_addr_check_inline(&a[i], key)) != 0)
			break;
		/* A dump's order: the same interface as before, or one just after it. */
		if ((ifp == NULL || ifp->index != a[i].ifindex) &&
		    (ifp = nb_if_writer_find_near(st, ifp, a[i].ifindex)) == NULL) {
			error = -ENOENT;
			break;
		}
		if ((error = nb_addr_add_locked(st, ifp, &a[i], key, &ad)) != 0)
			break;
		if (ad != NULL) {		/* new: onto the batch (gc_next was NULL) */
			*tailp = ad;
			tailp = &ad->gc_next;
		}
	}
	/* addr_lock alone keeps the interfaces live now (nb_addr_lock_iface). */
	pthread_mutex_unlock(&st->if_lock);
	if (born != NULL) {
		ev = nb_ev_on(st);
		v = nb_commit_begin(st);
		for (ad = born; ad != NULL; ad = ad->gc_next)
			nb_addr_stamp_birth_inline(ad, ad->ent, v);
		nb_commit_end(st, v);
		while ((ad = born) != NULL) {
			born = ad->gc_next;
			ad->gc_next = NULL;
			if (ev)
				nb_addr_post(st, NB_EV_ADDR_ADDED, &ad->first.a);
		}
	}
	pthread_mutex_unlock(&st->addr_lock);
	*done = i;
	return error;
}

static void
nb_addr_phase2(struct nb_rcu *r)
{
	struct nb_addr *ad = caa_container_of(r, struct nb_addr, rcu);
	struct nb_iface *ifp = ad->ifp;
	struct nb_stack *st = r->st;

	nb_hent_free(ad->ent);
	nb_addr_free(ad);
	nb_health_atomic(st, NB_HEALTH_OBJECTS_FREED, 1);
	nb_iface_put(ifp);
}

void
nb_addr_phase1(struct nb_rcu *r)
{
	struct nb_addr *ad = caa_container_of(r, struct nb_addr, rcu);
	struct nb_stack *st = r->st;

	pthread_mutex_lock(&st->addr_lock);
	nb_htab_writer_unlink(&st->addr_hash, ad->ent);
	nb_list_writer_unlink(&ad->ifp->addrs, &ad->le);
	pthread_mutex_unlock(&st->addr_lock);
	nb_defer(st, &ad->rcu, nb_addr_phase2);
}

int
nb_addr_del(struct nb_stack *st, const struct nb_addrattrs *key)
{
	uint8_t k[NB_ADDR_KEYLEN];
	struct nb_addr_match m;
	struct nb_addr *ad;
	struct nb_hent *e;
	uint64_t v;
	int error = 0;

	if ((error = nb_addr_check(key, k)) != 0)
		return error;
	nb_thread_ensure();
	m.ifindex = key->ifindex;
	m.prefixlen = key->prefixlen;
	pthread_mutex_lock(&st->addr_lock);
	if ((e = nb_htab_writer_find(&st->addr_hash, k, nb_addr_match_fn, &m)) == NULL) {
		error = -ENOENT;
		goto out;
	}
	ad = e->obj;
	/* Live address => live interface (if_delete kills both under addr_lock). */
	__atomic_add_fetch(&ad->ifp->refs, 1, __ATOMIC_RELAXED);
	ad->retiring = true;
	v = nb_commit_begin(st);
	NB_STORE_RELAXED(&ad->vis.death, v);
	NB_STORE_RELAXED(&e->vis.death, v);
	nb_commit_end(st, v);
	nb_addr_post(st, NB_EV_ADDR_REMOVED, &ad->attrs->a);
	nb_defer(st, &ad->rcu, nb_addr_phase1);
out:
	pthread_mutex_unlock(&st->addr_lock);
	return error;
}

/* ---- addresses: readers ---- */

const struct nb_addr *
nb_addr_lookup(const struct nb_read *rd, int family, const void *addr)
{
	uint8_t key[NB_ADDR_KEYLEN];
	struct nb_hent *e;

	if (addr == NULL || nb_addr_key(family, addr, key) != 0)
		return NULL;
	e = nb_htab_reader_find(&rd->st->addr_hash, rd->ver, key);
	return e != NULL ? e->obj : NULL;
}

int
nb_iface_addr_walk(const struct nb_read *rd, const struct nb_iface *ifp,
    int (*cb)(const struct nb_addr *a, void *arg), void *arg)
{
	struct nb_lent *e;
	int error;

	for (e = nb_list_reader_first(&ifp->addrs); e != NULL; e = nb_list_reader_next(e)) {
		const struct nb_addr *ad = caa_container_of(e, struct nb_addr, le);

		if (!nb_vis_at(&ad->vis, rd->ver))
			continue;
		if ((error = cb(ad, arg)) != 0)
			return error;
	}
	return 0;
}

int
nb_addr_walk(const struct nb_read *rd, int (*cb)(const struct nb_addr *a, void *arg), void *arg)
{
	struct nb_lent *e;
	int error;

	for (e = nb_list_reader_first(&rd->st->ifaces); e != NULL; e = nb_list_reader_next(e)) {
		const struct nb_iface *ifp = caa_container_of(e, struct nb_iface, le);

		if (nb_vis_at(&ifp->vis, rd->ver) &&
		    nb_list_reader_first(&ifp->addrs) != NULL &&
		    (error = nb_iface_addr_walk(rd, ifp, cb, arg)) != 0)
			return error;
	}
	return 0;
}

size_t
nb_addr_count(const struct nb_read *rd)
{
	struct nb_hashstat hs;

	nb_htab_reader_stat(&rd->st->addr_hash, rd->ver, &hs);
	return (size_t)hs.items;
}

const struct nb_addrattrs *
nb_addr_attrs(const struct nb_addr *a)
{
	return &NB_LOAD(&a->attrs)->a;
}
