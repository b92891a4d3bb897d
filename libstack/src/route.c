/* SPDX-License-Identifier: BSD-2-Clause */
/* route.c - routes and neighbours: keyed, snapshot-consistent RCU object families. */

/*
 * Theory of operation (versions, publication and the two-phase retirement
 * are described in stack-internal.h; this is what is specific here)
 *
 * Families
 *   Routes and neighbours are two instances of one generic "keyed object
 *   family" (struct nb_ofam): a list in insertion order, a hash keyed by
 *   (family, 16 address bytes) whose chains are filtered by the family's
 *   full identity (routes: table, prefix length, tos, metric, oif, type;
 *   neighbours: ifindex), and a writer mutex. They do not hold interfaces:
 *   the oif/ifindex is a number that readers resolve themselves.
 *
 * What may run at once
 *   Readers, one writer per family (its lock), and the reclaimer thread
 *   running phase-1 callbacks (which take the same lock). A family lock is
 *   taken before commit_lock and never together with another stack lock.
 *
 * Publication
 *   A new object and its hash entry are linked with birth NEVER and get the
 *   same birth version in one commit; a delete gives both the same death
 *   version, so an object is in the list and the hash or in neither for
 *   every reader. Attributes are an immutable block swapped whole with a
 *   release store; the superseded block is freed after one grace period
 *   (the first block is embedded and never freed on its own). A route's
 *   nexthops are the tail of its block (malloc'd with it, never embedded),
 *   so they change and are freed together with the attributes.
 *
 * Hash statistics
 *   A family registers its hash (NB_HASH_ROUTE, NB_HASH_NEIGH) in the
 *   hashstat registry when its first object is published, not at create:
 *   a stack whose source provides no routes lists no empty route table.
 *   Registration is best effort (retried at the next new object on
 *   failure); fam lock -> reg_lock (a leaf).
 *
 * Lookup and long holds (routes only)
 *   nb_route_lookup is a longest-prefix match through the hash: for each
 *   prefix length that a route of the family has ever had (a bitmap the
 *   writer only ever ORs into, so a reader may try a length with no route
 *   left, never miss one), it masks the address and scans that chain for
 *   visible unicast/local routes of the table, lowest metric first.
 *   nb_route_hold (rtcache, psref) takes a reference inside a read
 *   section: obj->refs starts at 1 (the family's reference, dropped by
 *   phase 2), a hold adds 1 and a release subtracts 1; whoever brings it to
 *   0 frees the object. A holder's reference keeps a deleted route's memory
 *   (and its attribute block) alive; delete still never waits for holders.
 *   A hold on a route whose delete is committed returns NULL.
 *   A holder may read the route's attributes after leaving its read
 *   section, so an update never frees a block a holder may have loaded:
 *   the writer publishes the new block and then reads refs (both seq_cst,
 *   against the hold's seq_cst increment). If refs > 1 the old block goes
 *   on obj->stale and lives as long as the object; if refs == 1 every
 *   later holder loads the new block, so the old one and the stale list
 *   are freed after one grace period (for readers inside sections). An
 *   update never waits for holders: this is the non-blocking form of
 *   NetBSD's rt_update_prepare, which waits for the references to drain.
 *
 * Who frees what
 *   Delete defers phase 1 after its commit is published; phase 1 (family
 *   lock) unlinks the object from the list and the hash and defers phase 2,
 *   which frees the entry, the attribute block and the object. Destroy
 *   frees what is still linked directly (Exclusive).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "stack-internal.h"

#define NB_OKEYLEN	17	/* family + 16 address bytes */

union nb_oattrs {
	struct nb_routeattrs r;
	struct nb_neighattrs n;
};

/* An attribute block; tlen bytes of tail (a route's nexthops) follow it. */
struct nb_oblk {
	struct nb_rcu	 rcu;
	struct nb_oblk	*stale_next;	/* writer: on obj->stale */
	size_t tlen;
	union nb_oattrs	 a;
};

struct nb_obj {
	struct nb_lent	 le;		/* fam->list */
	struct nb_vis	 vis;
	struct nb_oblk	*attrs;		/* atomic */
	/* writer only */
	struct nb_hent	*ent;
	struct nb_ofam	*fam;
	struct nb_stack	*st;
	uint64_t	 refs;		/* atomic: 1 (family) + holds */
	struct nb_oblk	*stale;		/* writer: superseded while held */
	struct nb_rcu	 rcu;
	struct nb_oblk	 first;
};

/* The public opaque types are the object. */
struct nb_route {
	struct nb_obj	 o;
};

struct nb_neigh {
	struct nb_obj	 o;
};

struct nb_ofam_ops {
	/* Normalise a (zeroed padding, unused bytes) into n; -errno if invalid. */
	int	(*norm)(union nb_oattrs *n, const void *a);
	/* Same identity (both normalised)? */
	bool	(*same)(const union nb_oattrs *x, const union nb_oattrs *y);
	/* Family and destination address of a normalised block. */
	void	(*key)(const union nb_oattrs *a, uint8_t key[NB_OKEYLEN]);
	/* Optional: the bytes of the caller's a that follow the block (0: none),
	 * their normalised copy into dst, and pointing a normalised block at
	 * its tail (NULL: none). norm has validated a. */
	size_t (*tail)(const void *a);
	void (*tail_copy)(void *dst, const void *a);
	void (*bind)(union nb_oattrs *n, const void *tail);
	const char *hsname;		/* hashstat registry name and description */
	const char *hsdescr;
};

/* ---- routes and neighbours: identity and normalisation ---- */

static int
nb_alen(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : -1;
}

static int
nb_route_norm(union nb_oattrs *u, const void *arg)
{
	const struct nb_routeattrs *a = arg;
	struct nb_routeattrs *n = &u->r;
	int alen;

	if (a == NULL)
		return -EINVAL;
	if ((alen = nb_alen(a->family)) < 0)
		return -EAFNOSUPPORT;
	if (a->dst_len > alen * 8 || (a->nh != NULL && a->nhops > NB_ROUTE_NH_MAX))
		return -EINVAL;
	memset(u, 0, sizeof(*u));
	n->family = a->family;
	n->dst_len = a->dst_len;
	n->tos = a->tos;
	n->protocol = a->protocol;
	n->scope = a->scope;
	n->type = a->type;
	n->has_gw = a->has_gw != 0;
	n->table = a->table;
	n->oif = a->oif;
	n->metric = a->metric;
	n->flags = a->flags;
	n->nhops = a->nhops;
	n->mtu = a->mtu;
	n->nhid = a->nhid;
	n->has_pref = a->has_pref != 0;
	if (n->has_pref)
		n->pref = a->pref;
	n->has_prefsrc = a->has_prefsrc != 0;
	memcpy(n->dst, a->dst, (size_t)alen);
	if (n->has_gw)
		memcpy(n->gw, a->gw, (size_t)alen);
	if (n->has_prefsrc)
		memcpy(n->prefsrc, a->prefsrc, (size_t)alen);
	return 0;
}

static size_t
nb_route_tail(const void *arg)
{
	const struct nb_routeattrs *a = arg;

	return a->nh != NULL && a->nhops > 1 ? a->nhops * sizeof(struct nb_nexthop) : 0;
}

static void
nb_route_tail_copy(void *dst, const void *arg)
{
	const struct nb_routeattrs *a = arg;
	struct nb_nexthop *d = dst;
	size_t alen = a->family == AF_INET ? 4 : 16;

	for (uint32_t i = 0; i < a->nhops; i++) {
		memset(&d[i], 0, sizeof(d[i]));
		d[i].oif = a->nh[i].oif;
		d[i].has_gw = a->nh[i].has_gw != 0;
		d[i].flags = a->nh[i].flags;
		d[i].weight = a->nh[i].weight;
		if (d[i].has_gw)
			memcpy(d[i].gw, a->nh[i].gw, alen);
	}
}

static void
nb_route_bind(union nb_oattrs *n, const void *tail)
{
	n->r.nh = tail;
}

static bool
nb_route_same(const union nb_oattrs *x, const union nb_oattrs *y)
{
	return x->r.family == y->r.family && x->r.table == y->r.table &&
	    x->r.dst_len == y->r.dst_len && x->r.tos == y->r.tos &&
	    x->r.metric == y->r.metric && x->r.oif == y->r.oif && x->r.type == y->r.type &&
	    memcmp(x->r.dst, y->r.dst, sizeof(x->r.dst)) == 0;
}

static void
nb_route_key(const union nb_oattrs *a, uint8_t key[NB_OKEYLEN])
{
	key[0] = a->r.family;
	memcpy(key + 1, a->r.dst, 16);
}

static int
nb_neigh_norm(union nb_oattrs *u, const void *arg)
{
	const struct nb_neighattrs *a = arg;
	struct nb_neighattrs *n = &u->n;
	int alen;

	if (a == NULL)
		return -EINVAL;
	if ((alen = nb_alen(a->family)) < 0)
		return -EAFNOSUPPORT;
	if (a->lladdr_len > NB_LLADDR_MAX)
		return -EINVAL;
	memset(u, 0, sizeof(*u));
	n->family = a->family;
	n->flags = a->flags;
	n->state = a->state;
	n->ifindex = a->ifindex;
	n->type = a->type;
	n->lladdr_len = a->lladdr_len;
	memcpy(n->dst, a->dst, (size_t)alen);
	memcpy(n->lladdr, a->lladdr, a->lladdr_len);
	return 0;
}

static bool
nb_neigh_same(const union nb_oattrs *x, const union nb_oattrs *y)
{
	return x->n.family == y->n.family && x->n.ifindex == y->n.ifindex &&
	    memcmp(x->n.dst, y->n.dst, sizeof(x->n.dst)) == 0;
}

static void
nb_neigh_key(const union nb_oattrs *a, uint8_t key[NB_OKEYLEN])
{
	key[0] = a->n.family;
	memcpy(key + 1, a->n.dst, 16);
}

static const struct nb_ofam_ops nb_route_ops = {
	.norm = nb_route_norm,
	.same = nb_route_same,
	.key = nb_route_key,
	.tail = nb_route_tail,
	.tail_copy = nb_route_tail_copy,
	.bind = nb_route_bind,
	.hsname = NB_HASH_ROUTE,
	.hsdescr = "routes by (family, destination)",
};

static const struct nb_ofam_ops nb_neigh_ops = {
	.norm = nb_neigh_norm, .same = nb_neigh_same, .key = nb_neigh_key,
	.hsname = NB_HASH_NEIGH, .hsdescr = "neighbours by (family, address)",
};

/* ---- the generic family ---- */

static void
nb_oblk_free_cb(struct nb_rcu *r)
{
	free(caa_container_of(r, struct nb_oblk, rcu));
}

static void
nb_obj_free(struct nb_obj *o)
{
	struct nb_oblk *b, *next;

	for (b = o->stale; b != NULL; b = next) {
		next = b->stale_next;
		free(b);
	}
	if (o->attrs != &o->first)
		free(o->attrs);
	free(o);
}

struct nb_omatch {
	const struct nb_ofam_ops *ops;
	const union nb_oattrs *n;
};

static bool
nb_obj_match(const struct nb_hent *e, const void *arg)
{
	const struct nb_obj *o = e->obj;
	const struct nb_omatch *m = arg;

	return m->ops->same(&NB_LOAD_RELAXED(&o->attrs)->a, m->n);
}

/* Writer (fam->lock): the live object with n's identity, or NULL. */
static struct nb_obj *
nb_ofam_find(struct nb_ofam *fam, const union nb_oattrs *n)
{
	uint8_t key[NB_OKEYLEN];
	struct nb_omatch m = { fam->ops, n };
	struct nb_hent *e;

	fam->ops->key(n, key);
	e = nb_htab_writer_find(&fam->hash, key, nb_obj_match, &m);
	return e != NULL ? e->obj : NULL;
}

static int
nb_ofam_stat_fn(const struct nb_read *rd, void *arg, struct nb_hashstat *out)
{
	nb_htab_reader_stat(&((struct nb_ofam *)arg)->hash, rd->ver, out);
	return 0;
}

/* ---- the event log ---- */

#define NB_RT_TABLE_MAIN	254
#define NB_RT_TABLE_LOCAL	255

static const char *
nb_nud_name(uint16_t state, char *buf, size_t size)
{
	static const char *const names[] = { "incomplete", "reachable", "stale", "delay",
		"probe", "failed", "noarp", "permanent" };
	unsigned i;

	for (i = 0; i < 8; i++)
		if (state == 1u << i)
			return names[i];
	if (state == 0)
		return "none";
	snprintf(buf, size, "0x%x", state);
	return buf;
}

/*
 * A route added or removed (not the local table's: the kernel's own for
 * each address, which the address's event says), or a neighbour new,
 * changing state (old NULL: new) or removed.
 */
static void
nb_ofam_post(struct nb_stack *st, const struct nb_ofam *fam, const union nb_oattrs *old,
    const union nb_oattrs *n, bool removed)
{
	char dst[64], gw[64], tab[24] = "", sbuf[16];

	if (!nb_ev_on(st))
		return;
	if (fam == &st->routes) {
		const struct nb_routeattrs *r = &n->r;

		if (r->table == NB_RT_TABLE_LOCAL)
			return;
		if (r->table != NB_RT_TABLE_MAIN)
			snprintf(tab, sizeof(tab), " table %u", r->table);
		nb_ev_addr(r->family, r->dst, dst, sizeof(dst));
		if (r->has_gw)
			nb_ev_addr(r->family, r->gw, gw, sizeof(gw));
		nb_ev_post(st, removed ? NB_EV_ROUTE_REMOVED : NB_EV_ROUTE_ADDED, r->oif, NULL,
		    "%s/%u%s%s%s", dst, r->dst_len, r->has_gw ? " via " : "", r->has_gw ? gw : "",
		    tab);
		return;
	}
	if (old != NULL && !removed && old->n.state == n->n.state)
		return;
	nb_ev_addr(n->n.family, n->n.dst, dst, sizeof(dst));
	if (removed)
		nb_ev_post(st, NB_EV_NEIGH_REMOVED, n->n.ifindex, NULL, "%s", dst);
	else
		nb_ev_post(st, NB_EV_NEIGH_STATE, n->n.ifindex, NULL, "%s %s", dst,
		    nb_nud_name(n->n.state, sbuf, sizeof(sbuf)));
}

/* Does block old hold n and the tail of nb (NULL: no tail)? */
static bool
nb_oblk_same(const struct nb_ofam *fam, const struct nb_oblk *old, const union nb_oattrs *n,
    const struct nb_oblk *nb)
{
	union nb_oattrs u = old->a;
	size_t tlen = nb != NULL ? nb->tlen : 0;

	if (fam->ops->bind != NULL)
		fam->ops->bind(&u, NULL);
	return old->tlen == tlen && memcmp(&u, n, sizeof(u)) == 0 &&
	       (tlen == 0 || memcmp(old + 1, nb + 1, tlen) == 0);
}

static int
nb_ofam_upsert(struct nb_stack *st, struct nb_ofam *fam, const void *a)
{
	uint8_t key[NB_OKEYLEN];
	union nb_oattrs n;
	struct nb_oblk *blk, *old, *nb = NULL;
	struct nb_obj *o = NULL, *cur;
	struct nb_hent *e;
	uint64_t v;
	size_t tlen;
	int error;

	if ((error = fam->ops->norm(&n, a)) != 0)
		return error;
	/* A block with a tail is built before the lock, and it is the new block. */
	if ((tlen = fam->ops->tail != NULL ? fam->ops->tail(a) : 0) > 0) {
		if ((nb = malloc(sizeof(*nb) + tlen)) == NULL)
			return -ENOMEM;
		memset(nb, 0, sizeof(*nb));
		nb->a = n;
		nb->tlen = tlen;
		fam->ops->tail_copy(nb + 1, a);
		fam->ops->bind(&nb->a, nb + 1);
	}
	nb_thread_ensure();
	pthread_mutex_lock(&fam->lock);
	if ((cur = nb_ofam_find(fam, &n)) != NULL) {
		old = cur->attrs;
		if (nb_oblk_same(fam, old, &n, nb))
			goto out;
		if (nb != NULL) {
			blk = nb;
			nb = NULL;
		} else if ((blk = malloc(sizeof(*blk))) == NULL) {
			error = -ENOMEM;
			goto out;
		} else {
			blk->a = n;
			blk->tlen = 0;
		}
		blk->stale_next = NULL;
		if (fam == &st->neighs)
			nb_ofam_post(st, fam, &old->a, &n, false);
		/* seq_cst pairs with nb_route_hold's: see "Lookup and long holds". */
		__atomic_store_n(&cur->attrs, blk, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&cur->refs, __ATOMIC_SEQ_CST) > 1) {
			if (old != &cur->first) {
				old->stale_next = cur->stale;
				cur->stale = old;
			}
			goto out;
		}
		if (old != &cur->first)
			nb_defer(st, &old->rcu, nb_oblk_free_cb);
		while ((old = cur->stale) != NULL) {
			cur->stale = old->stale_next;
			nb_defer(st, &old->rcu, nb_oblk_free_cb);
		}
		goto out;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	fam->ops->key(&n, key);
	if ((e = nb_hent_new(&fam->hash, key, o, &o->ent)) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	nb_vis_init(&o->vis);
	o->first.a = n;
	o->attrs = &o->first;
	if (nb != NULL) {
		o->attrs = nb;
		nb = NULL;
	}
	o->fam = fam;
	o->st = st;
	o->refs = 1;
	{
		unsigned plen = n.r.dst_len, fi = n.r.family == AF_INET6;

		if (fam == &st->routes)
			__atomic_fetch_or(&fam->plens[fi][plen / 64], 1ull << (plen % 64),
			    __ATOMIC_RELEASE);
	}
	nb_htab_writer_insert(&fam->hash, e);
	nb_list_writer_append(&fam->list, &o->le);
	v = nb_commit_begin(st);
	NB_STORE_RELAXED(&o->vis.birth, v);
	NB_STORE_RELAXED(&e->vis.birth, v);
	nb_commit_end(st, v);
	nb_htab_writer_maybe_grow(&fam->hash);
	nb_ofam_post(st, fam, NULL, &n, false);
	o = NULL;
	if (!fam->hs_registered) {
		error = nb_hashstat_register(st, fam->ops->hsname, fam->ops->hsdescr,
		    nb_ofam_stat_fn, fam);
		fam->hs_registered = error == 0 || error == -EEXIST;
		error = 0;		/* best effort: the route is published */
	}
out:
	pthread_mutex_unlock(&fam->lock);
	free(o);
	free(nb);
	return error;
}

static void
nb_obj_phase2(struct nb_rcu *r)
{
	struct nb_obj *o = caa_container_of(r, struct nb_obj, rcu);
	struct nb_stack *st = r->st;

	nb_hent_free(o->ent);
	o->ent = NULL;
	if (__atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;		/* the last nb_route_release frees it */
	nb_obj_free(o);
	nb_health_atomic(st, NB_HEALTH_OBJECTS_FREED, 1);
}

static void
nb_obj_phase1(struct nb_rcu *r)
{
	struct nb_obj *o = caa_container_of(r, struct nb_obj, rcu);
	struct nb_ofam *fam = o->fam;

	pthread_mutex_lock(&fam->lock);
	nb_htab_writer_unlink(&fam->hash, o->ent);
	nb_list_writer_unlink(&fam->list, &o->le);
	pthread_mutex_unlock(&fam->lock);
	nb_defer(r->st, &o->rcu, nb_obj_phase2);
}

static int
nb_ofam_delete(struct nb_stack *st, struct nb_ofam *fam, const void *a)
{
	union nb_oattrs n;
	struct nb_obj *o;
	uint64_t v;
	int error;

	if ((error = fam->ops->norm(&n, a)) != 0)
		return error;
	nb_thread_ensure();
	pthread_mutex_lock(&fam->lock);
	if ((o = nb_ofam_find(fam, &n)) == NULL) {
		error = -ENOENT;
		goto out;
	}
	v = nb_commit_begin(st);
	NB_STORE_RELAXED(&o->vis.death, v);
	NB_STORE_RELAXED(&o->ent->vis.death, v);
	nb_commit_end(st, v);
	nb_ofam_post(st, fam, NULL, &o->attrs->a, true);
	nb_defer(st, &o->rcu, nb_obj_phase1);
out:
	pthread_mutex_unlock(&fam->lock);
	return error;
}

static int
nb_ofam_walk(const struct nb_read *rd, const struct nb_ofam *fam,
    int (*cb)(const struct nb_obj *o, void *arg), void *arg)
{
	struct nb_lent *e;
	int error;

	for (e = nb_list_reader_first(&fam->list); e != NULL; e = nb_list_reader_next(e)) {
		const struct nb_obj *o = caa_container_of(e, struct nb_obj, le);

		if (!nb_vis_at(&o->vis, rd->ver))
			continue;
		if ((error = cb(o, arg)) != 0)
			return error;
	}
	return 0;
}

static size_t
nb_ofam_count(const struct nb_read *rd, const struct nb_ofam *fam)
{
	struct nb_hashstat hs;

	nb_htab_reader_stat(&fam->hash, rd->ver, &hs);
	return (size_t)hs.items;
}

static int
nb_ofam_init(struct nb_stack *st, struct nb_ofam *fam, const struct nb_ofam_ops *ops)
{
	int error;

	pthread_mutex_init(&fam->lock, NULL);
	nb_list_init(&fam->list);
	fam->ops = ops;
	if ((error = nb_htab_init(&fam->hash, st, NB_OKEYLEN, 16)) != 0)
		pthread_mutex_destroy(&fam->lock);
	return error;
}

/* Exclusive: free every object still linked, the hash (and its entries). */
static void
nb_ofam_fini(struct nb_ofam *fam)
{
	struct nb_lent *e, *next;

	for (e = fam->list.head; e != NULL; e = next) {
		next = e->next;
		nb_obj_free(caa_container_of(e, struct nb_obj, le));
	}
	nb_list_init(&fam->list);
	nb_htab_fini(&fam->hash);
	pthread_mutex_destroy(&fam->lock);
}

int
nb_route_init(struct nb_stack *st)
{
	int error;

	if ((error = nb_ofam_init(st, &st->routes, &nb_route_ops)) != 0)
		return error;
	if ((error = nb_ofam_init(st, &st->neighs, &nb_neigh_ops)) != 0)
		nb_ofam_fini(&st->routes);
	return error;
}

void
nb_route_fini(struct nb_stack *st)
{
	nb_ofam_fini(&st->routes);
	nb_ofam_fini(&st->neighs);
}

/* ---- the public API ---- */

int
nb_route_upsert(struct nb_stack *st, const struct nb_routeattrs *a)
{
	return nb_ofam_upsert(st, &st->routes, a);
}

int
nb_route_delete(struct nb_stack *st, const struct nb_routeattrs *a)
{
	return nb_ofam_delete(st, &st->routes, a);
}

struct nb_owalk {
	union {
		int	(*route)(const struct nb_route *r, void *arg);
		int	(*neigh)(const struct nb_neigh *n, void *arg);
	} cb;
	void	*arg;
};

static int
nb_route_walk_cb(const struct nb_obj *o, void *arg)
{
	const struct nb_owalk *w = arg;

	return w->cb.route(caa_container_of(o, struct nb_route, o), w->arg);
}

static int
nb_neigh_walk_cb(const struct nb_obj *o, void *arg)
{
	const struct nb_owalk *w = arg;

	return w->cb.neigh(caa_container_of(o, struct nb_neigh, o), w->arg);
}

int
nb_route_walk(const struct nb_read *rd, int (*cb)(const struct nb_route *r, void *arg),
    void *arg)
{
	struct nb_owalk w = { .cb.route = cb, .arg = arg };

	return nb_ofam_walk(rd, &rd->st->routes, nb_route_walk_cb, &w);
}

size_t
nb_route_count(const struct nb_read *rd)
{
	return nb_ofam_count(rd, &rd->st->routes);
}

const struct nb_routeattrs *
nb_route_attrs(const struct nb_route *r)
{
	return &NB_LOAD(&r->o.attrs)->a.r;
}

int
nb_neigh_upsert(struct nb_stack *st, const struct nb_neighattrs *a)
{
	return nb_ofam_upsert(st, &st->neighs, a);
}

int
nb_neigh_delete(struct nb_stack *st, const struct nb_neighattrs *a)
{
	return nb_ofam_delete(st, &st->neighs, a);
}

int
nb_neigh_walk(const struct nb_read *rd, int (*cb)(const struct nb_neigh *n, void *arg),
    void *arg)
{
	struct nb_owalk w = { .cb.neigh = cb, .arg = arg };

	return nb_ofam_walk(rd, &rd->st->neighs, nb_neigh_walk_cb, &w);
}

size_t
nb_neigh_count(const struct nb_read *rd)
{
	return nb_ofam_count(rd, &rd->st->neighs);
}

const struct nb_neighattrs *
nb_neigh_attrs(const struct nb_neigh *n)
{
	return &NB_LOAD(&n->o.attrs)->a.n;
}

/* ---- route lookup and long holds ---- */

#define NB_RT_TABLE_MAIN	254
#define NB_RTN_UNICAST		1
#define NB_RTN_LOCAL		2

const struct nb_route *
nb_route_lookup(const struct nb_read *rd, int family, const void *addr, uint32_t table)
{
	const struct nb_ofam *fam = &rd->st->routes;
	struct nb_hbuckets *hb;
	const struct nb_obj *best = NULL;
	uint8_t key[NB_OKEYLEN];
	uint32_t h, best_metric = 0;
	int alen, plen, fi, i;

	if ((alen = nb_alen((uint8_t)family)) < 0 || addr == NULL)
		return NULL;
	if (table == 0)
		table = NB_RT_TABLE_MAIN;
	fi = family == AF_INET6;
	hb = NB_LOAD(&fam->hash.cur);
	for (plen = alen * 8; plen >= 0; plen--) {
		if ((NB_LOAD(&fam->plens[fi][plen / 64]) & (1ull << (plen % 64))) == 0)
			continue;
		memset(key, 0, sizeof(key));
		key[0] = (uint8_t)family;
		memcpy(key + 1, addr, (size_t)alen);
		for (i = plen; i < alen * 8; i++)
			key[1 + i / 8] &= (uint8_t)~(0x80u >> (i % 8));
		h = nb_hash_key(key, NB_OKEYLEN);
		for (struct nb_hent *e = NB_LOAD(&hb->b[h & hb->mask]); e != NULL;
		    e = NB_LOAD(&e->next)) {
			const struct nb_obj *o = e->obj;
			const struct nb_routeattrs *ra;

			if (e->hash != h || memcmp(e->key, key, NB_OKEYLEN) != 0 ||
			    !nb_vis_at(&e->vis, rd->ver))
				continue;
			ra = &NB_LOAD(&o->attrs)->a.r;
			if (ra->dst_len != plen || ra->table != table ||
			    (ra->type != NB_RTN_UNICAST && ra->type != NB_RTN_LOCAL))
				continue;
			if (best == NULL || ra->metric < best_metric) {
				best = o;
				best_metric = ra->metric;
			}
		}
		if (best != NULL)
			return caa_container_of(best, struct nb_route, o);
	}
	return NULL;
}

struct nb_route *
nb_route_hold(const struct nb_route *r)
{
	struct nb_route *w = (struct nb_route *)r;

	if (r == NULL || !nb_vis_live(&r->o.vis))
		return NULL;
	/* Inside a read section: phase 2 cannot have run, so refs >= 1. */
	__atomic_fetch_add(&w->o.refs, 1, __ATOMIC_SEQ_CST);
	return w;
}

void
nb_route_release(struct nb_route *r)
{
	struct nb_stack *st;

	if (r == NULL)
		return;
	st = r->o.st;
	if (__atomic_sub_fetch(&r->o.refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	/* Phase 2 has run: unlinked for two grace periods, no reader left. */
	nb_obj_free(&r->o);
	nb_health_atomic(st, NB_HEALTH_OBJECTS_FREED, 1);
}

/* ---- an address's local route, published with it (iface.c) ---- */

int
nb_route_prepare_locked(struct nb_stack *st, const struct nb_routeattrs *a, struct nb_route **out)
{
	struct nb_ofam *fam = &st->routes;
	uint8_t key[NB_OKEYLEN];
	union nb_oattrs n;
	struct nb_obj *o;
	struct nb_hent *e;
	unsigned fi;
	int error;

	if ((error = fam->ops->norm(&n, a)) != 0)
		return error;
	if (fam->ops->tail(a) != 0)
		return -EINVAL; /* a local route has one nexthop */
	if (nb_ofam_find(fam, &n) != NULL)
		return -EEXIST;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return -ENOMEM;
	fam->ops->key(&n, key);
	if ((e = nb_hent_new(&fam->hash, key, o, &o->ent)) == NULL) {
		free(o);
		return -ENOMEM;
	}
	nb_vis_init(&o->vis);
	o->first.a = n;
	o->attrs = &o->first;
	o->fam = fam;
	o->st = st;
	o->refs = 1;
	fi = n.r.family == AF_INET6;
	__atomic_fetch_or(&fam->plens[fi][n.r.dst_len / 64], 1ull << (n.r.dst_len % 64),
	    __ATOMIC_RELEASE);
	nb_htab_writer_insert(&fam->hash, e);
	nb_list_writer_append(&fam->list, &o->le);
	*out = caa_container_of(o, struct nb_route, o);
	return 0;
}

void
nb_route_stamp_birth(struct nb_route *r, uint64_t v)
{
	NB_STORE_RELAXED(&r->o.vis.birth, v);
	NB_STORE_RELAXED(&r->o.ent->vis.birth, v);
}

void
nb_route_published_locked(struct nb_stack *st)
{
	struct nb_ofam *fam = &st->routes;
	int error;

	nb_htab_writer_maybe_grow(&fam->hash);
	if (!fam->hs_registered) {
		error = nb_hashstat_register(st, fam->ops->hsname, fam->ops->hsdescr,
		    nb_ofam_stat_fn, fam);
		fam->hs_registered = error == 0 || error == -EEXIST;
	}
}

struct nb_route *
nb_route_find_locked(struct nb_stack *st, const struct nb_routeattrs *a)
{
	union nb_oattrs n;
	struct nb_obj *o;

	if (st->routes.ops->norm(&n, a) != 0)
		return NULL;
	o = nb_ofam_find(&st->routes, &n);
	return o != NULL ? caa_container_of(o, struct nb_route, o) : NULL;
}

void
nb_route_stamp_death(struct nb_route *r, uint64_t v)
{
	NB_STORE_RELAXED(&r->o.vis.death, v);
	NB_STORE_RELAXED(&r->o.ent->vis.death, v);
}

void
nb_route_retire_locked(struct nb_stack *st, struct nb_route *r)
{
	nb_defer(st, &r->o.rcu, nb_obj_phase1);
}
