/* SPDX-License-Identifier: BSD-2-Clause */
/* bpf.c - capture descriptors (the bpf_d of the seeds): RCU objects with per-CPU counters. */

/*
 * Theory of operation (versions, publication and the two-phase retirement
 * are described in stack-internal.h; this is what is specific here)
 *
 * What may run at once
 *   Readers (walks, lookups, the sim's workers offering packets through
 *   nb_iface_bpf_walk), one writer (st->bpf.lock), slot owners updating a
 *   descriptor's counters, and the reclaimer thread running our callbacks
 *   (which take bpf.lock). Lock order: if_lock -> addr_lock -> dep_lock ->
 *   bpf.lock -> commit_lock; upsert takes if_lock to resolve the interface,
 *   nb_if_delete holds all of them while it detaches.
 *
 * Objects and where they are linked
 *   nb_bpf: st->bpf.list (creation order) and st->bpf.hash (key: id), both
 *     with the same birth/death version. attrs is an immutable block (the
 *     attributes and a copy of the filter program) swapped whole with a
 *     release store; the superseded block is freed after one grace period.
 *     Counters are a per-CPU group with the stack's nslots, kept across
 *     attribute changes.
 *   nb_bpflink: the descriptor's membership in its interface's list
 *     (ifp->bpfs, the bpf_if list; guarded by bpf.lock). A descriptor has at
 *     most one live link. Moving it to another interface kills the old link
 *     and births the new one in one commit, so a reader at any version finds
 *     it on exactly one interface's list (or none). A link holds its
 *     interface (nb_iface_hold) so that the list head outlives the link.
 *     Readers test a link's visibility before following it to the
 *     descriptor.
 *
 * bpfdetach
 *   nb_if_delete calls the interface-detach notifier bpf.c registers at
 *   init (st->ifdetach: prep takes bpf.lock, finish releases it), so
 *   iface.c never calls bpf.c. It kills the interface's live links in its
 *   own commit and then swaps each such descriptor's attributes for a copy with
 *   NB_BPF_F_DETACHED; the descriptors stay in the list and the hash. A
 *   later upsert that still names the vanished index (and no interface has
 *   it again) keeps the flag; one that names a live interface attaches.
 *
 * Hash statistics
 *   "bpf_d" registers with the first descriptor (as route.c does), best
 *   effort; bpf.lock -> reg_lock.
 *
 * Who frees what
 *   Delete: the descriptor, its hash entry and its live link get one death
 *   version; the descriptor and the link each defer phase 1 (bpf.lock:
 *   unlink) and phase 2 (free; the link releases its interface). A link
 *   killed by a move or a detach retires the same way on its own. Destroy
 *   frees what is still linked (Exclusive), before the interfaces go.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack-internal.h"

#define NB_BPF_MAXINSNS	4096	/* BPF_MAXINSNS */

const struct nb_ctr_desc nb_bpfstat_desc[NB_BPFSTAT_MAX] = {
	[NB_BPFSTAT_RCOUNT] = { "rcount", "packets received by the descriptor", NB_CTR_COUNTER },
	[NB_BPFSTAT_DCOUNT] = { "dcount", "packets dropped: buffer full", NB_CTR_COUNTER },
	[NB_BPFSTAT_CCOUNT] = { "ccount", "packets accepted by the filter", NB_CTR_COUNTER },
};

struct nb_bpfblk {
	struct nb_rcu	 rcu;
	struct nb_bpfattrs a;
	size_t		 nprog;
	struct nb_bpf_insn prog[];
};

struct nb_bpflink {
	struct nb_lent	 le;		/* ifp->bpfs */
	struct nb_vis	 vis;
	struct nb_bpf	*d;		/* immutable */
	/* writer only */
	struct nb_iface	*ifp;		/* held */
	struct nb_rcu	 rcu;
};

struct nb_bpf {
	struct nb_lent	 le;		/* st->bpf.list */
	struct nb_vis	 vis;
	struct nb_bpfblk *attrs;	/* atomic */
	struct nb_ctrgroup *ctrs;	/* immutable */
	uint64_t	 id;		/* immutable */
	/* writer only */
	struct nb_hent	*ent;
	struct nb_bpflink *link;	/* the live link, or NULL */
	struct nb_bpfblk *detblk;	/* ifdetach: prepared block */
	struct nb_rcu	 rcu;
};

static void
nb_bpfblk_free_cb(struct nb_rcu *r)
{
	free(caa_container_of(r, struct nb_bpfblk, rcu));
}

static struct nb_bpfblk *
nb_bpfblk_new(const struct nb_bpfattrs *a, const struct nb_bpf_insn *prog, size_t nprog)
{
	struct nb_bpfblk *b;

	if ((b = calloc(1, sizeof(*b) + nprog * sizeof(b->prog[0]))) == NULL)
		return NULL;
	b->a = *a;
	b->a.comm[sizeof(b->a.comm) - 1] = '\0';
	b->a.ifname[sizeof(b->a.ifname) - 1] = '\0';
	if (prog != NULL) {
		memcpy(b->prog, prog, nprog * sizeof(b->prog[0]));
		b->a.filter_len = (uint32_t)nprog;
	}
	b->nprog = nprog;
	return b;
}

static bool
nb_bpfblk_same(const struct nb_bpfblk *x, const struct nb_bpfblk *y)
{
	return memcmp(&x->a, &y->a, sizeof(x->a)) == 0 && x->nprog == y->nprog &&
	    memcmp(x->prog, y->prog, x->nprog * sizeof(x->prog[0])) == 0;
}

/* Writer (bpf.lock): the live descriptor `id`, or NULL. */
static struct nb_bpf *
nb_bpf_writer_find(struct nb_stack *st, uint64_t id)
{
	struct nb_hent *e;

	e = nb_htab_writer_find(&st->bpf.hash, &id, NULL, NULL);
	return e != NULL ? e->obj : NULL;
}

static int
nb_bpf_stat_fn(const struct nb_read *rd, void *arg, struct nb_hashstat *out)
{
	nb_htab_reader_stat(arg, rd->ver, out);
	return 0;
}

/* ---- links ---- */

static struct nb_bpflink *
nb_bpflink_new(struct nb_bpf *d, struct nb_iface *ifp)
{
	struct nb_bpflink *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	nb_vis_init(&l->vis);
	l->d = d;
	l->ifp = ifp;
	return l;
}

static void
nb_bpflink_phase2(struct nb_rcu *r)
{
	struct nb_bpflink *l = caa_container_of(r, struct nb_bpflink, rcu);
	struct nb_stack *st = r->st;

	nb_iface_release(l->ifp);
	free(l);
	nb_health_atomic(st, NB_HEALTH_OBJECTS_FREED, 1);
}

static void
nb_bpflink_phase1(struct nb_rcu *r)
{
	struct nb_bpflink *l = caa_container_of(r, struct nb_bpflink, rcu);
	struct nb_stack *st = r->st;

	pthread_mutex_lock(&st->bpf.lock);
	nb_list_writer_unlink(nb_iface_bpflist(l->ifp), &l->le);
	pthread_mutex_unlock(&st->bpf.lock);
	nb_defer(st, &l->rcu, nb_bpflink_phase2);
}

/* ---- descriptors: writers ---- */

static void
nb_bpf_free(struct nb_bpf *d)
{
	free(d->attrs);
	nb_ctrgroup_destroy(&d->ctrs);
	free(d);
}

/* bpfdetach (below), the interface-detach notifier nb_if_delete calls. */
static int	nb_bpf_ifdetach_prep(struct nb_stack *st, struct nb_iface *ifp);
static void	nb_bpf_ifdetach_mark(struct nb_iface *ifp, uint64_t v);
static void	nb_bpf_ifdetach_finish(struct nb_stack *st, struct nb_iface *ifp);

static const struct nb_ifdetach_ops nb_bpf_ifdetach = {
	.prep = nb_bpf_ifdetach_prep,
	.mark = nb_bpf_ifdetach_mark,
	.finish = nb_bpf_ifdetach_finish,
};

int
nb_bpf_init(struct nb_stack *st)
{
	int error;

	pthread_mutex_init(&st->bpf.lock, NULL);
	nb_list_init(&st->bpf.list);
	st->bpf.hs_registered = false;
	if ((error = nb_htab_init(&st->bpf.hash, st, sizeof(uint64_t), 16)) != 0) {
		pthread_mutex_destroy(&st->bpf.lock);
		return error;
	}
	st->ifdetach = &nb_bpf_ifdetach;	/* bpfdetach on nb_if_delete */
	return 0;
}

void
nb_bpf_fini(struct nb_stack *st)
{
	struct nb_lent *e, *next;

	/* Exclusive, after every deferred callback ran: only live objects remain. */
	for (e = st->bpf.list.head; e != NULL; e = next) {
		struct nb_bpf *d = caa_container_of(e, struct nb_bpf, le);

		next = e->next;
		free(d->link);		/* its interface is freed by nb_iface_fini */
		nb_bpf_free(d);
	}
	nb_list_init(&st->bpf.list);
	nb_htab_fini(&st->bpf.hash);
	pthread_mutex_destroy(&st->bpf.lock);
}

static int
nb_bpf_create(struct nb_stack *st, struct nb_bpfblk *blk, struct nb_iface *ifp)
{
	struct nb_bpf *d;
	struct nb_hent *e = NULL;
	struct nb_bpflink *l = NULL;
	uint64_t v;
	int error;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return -ENOMEM;
	if ((error = nb_ctrgroup_create(NB_BPFSTAT_MAX, st->nslots, &d->ctrs)) != 0)
		goto fail;
	d->id = blk->a.id;
	if ((e = nb_hent_new(&st->bpf.hash, &d->id, d, &d->ent)) == NULL) {
		error = -ENOMEM;
		goto fail;
	}
	if (ifp != NULL) {
		if ((l = nb_bpflink_new(d, ifp)) == NULL) {
			error = -ENOMEM;
			goto fail;
		}
		if (nb_iface_hold(ifp) == NULL) {	/* live: we hold if_lock */
			error = -ENOENT;
			goto fail;
		}
	}
	nb_vis_init(&d->vis);
	d->attrs = blk;
	d->link = l;
	nb_htab_writer_insert(&st->bpf.hash, e);
	nb_list_writer_append(&st->bpf.list, &d->le);
	if (l != NULL)
		nb_list_writer_append(nb_iface_bpflist(ifp), &l->le);
	v = nb_commit_begin(st);
	NB_STORE_RELAXED(&d->vis.birth, v);
	NB_STORE_RELAXED(&e->vis.birth, v);
	if (l != NULL)
		NB_STORE_RELAXED(&l->vis.birth, v);
	nb_commit_end(st, v);
	nb_htab_writer_maybe_grow(&st->bpf.hash);
	if (!st->bpf.hs_registered) {
		error = nb_hashstat_register(st, "bpf_d", "capture descriptors by id",
		    nb_bpf_stat_fn, &st->bpf.hash);
		st->bpf.hs_registered = error == 0 || error == -EEXIST;
	}
	return 0;
fail:
	free(l);
	nb_hent_free(e);
	nb_ctrgroup_destroy(&d->ctrs);
	free(d);
	return error;
}

/* Writer (if_lock, bpf.lock): replace d's attributes and move it to ifp. */
static int
nb_bpf_update(struct nb_stack *st, struct nb_bpf *d, struct nb_bpfblk *blk,
    struct nb_iface *ifp)
{
	struct nb_bpfblk *old = d->attrs;
	struct nb_bpflink *ol = d->link, *nl = NULL;
	uint64_t v;

	if ((ol != NULL ? ol->ifp : NULL) == ifp) {
		if (nb_bpfblk_same(old, blk)) {
			free(blk);
			return 0;
		}
		NB_STORE(&d->attrs, blk);
		nb_defer(st, &old->rcu, nb_bpfblk_free_cb);
		return 0;
	}
	if (ifp != NULL) {
		if ((nl = nb_bpflink_new(d, ifp)) == NULL)
			return -ENOMEM;
		if (nb_iface_hold(ifp) == NULL) {
			free(nl);
			return -ENOENT;
		}
		nb_list_writer_append(nb_iface_bpflist(ifp), &nl->le);
	}
	/* New attributes first: whoever sees the new membership sees them. */
	NB_STORE(&d->attrs, blk);
	v = nb_commit_begin(st);
	if (ol != NULL)
		NB_STORE_RELAXED(&ol->vis.death, v);
	if (nl != NULL)
		NB_STORE_RELAXED(&nl->vis.birth, v);
	nb_commit_end(st, v);
	d->link = nl;
	nb_defer(st, &old->rcu, nb_bpfblk_free_cb);
	if (ol != NULL)
		nb_defer(st, &ol->rcu, nb_bpflink_phase1);
	return 0;
}

/* The event log: a capture descriptor opened or closed, on its interface. */
static void
nb_bpf_post(struct nb_stack *st, unsigned kind, const struct nb_bpfattrs *a)
{
	if (!nb_ev_on(st))
		return;
	if ((a->has & NB_BPF_HAS_OWNER) != 0)
		nb_ev_post(st, kind, a->ifindex, a->ifname[0] != '\0' ? a->ifname : NULL,
		    "id %llu pid %d %.16s", (unsigned long long)a->id, (int)a->pid, a->comm);
	else
		nb_ev_post(st, kind, a->ifindex, a->ifname[0] != '\0' ? a->ifname : NULL,
		    "id %llu", (unsigned long long)a->id);
}

int
nb_bpf_upsert(struct nb_stack *st, const struct nb_bpfattrs *a,
    const struct nb_bpf_insn *prog, size_t nprog)
{
	struct nb_bpfblk *blk;
	struct nb_iface *ifp = NULL;
	struct nb_bpf *d;
	int error;

	if (st == NULL || a == NULL || (prog == NULL) != (nprog == 0) ||
	    nprog > NB_BPF_MAXINSNS)
		return -EINVAL;
	if ((blk = nb_bpfblk_new(a, prog, nprog)) == NULL)
		return -ENOMEM;
	nb_thread_ensure();
	pthread_mutex_lock(&st->if_lock);
	pthread_mutex_lock(&st->bpf.lock);
	if (a->ifindex != 0)
		ifp = nb_if_writer_get(st, a->ifindex);
	d = nb_bpf_writer_find(st, a->id);
	/* bpfdetach sticks while the descriptor names the vanished index. */
	if (d != NULL && ifp == NULL && a->ifindex != 0 &&
	    (d->attrs->a.flags & NB_BPF_F_DETACHED) != 0 &&
	    d->attrs->a.ifindex == a->ifindex)
		blk->a.flags |= NB_BPF_F_DETACHED;
	if (ifp != NULL)
		blk->a.flags &= ~NB_BPF_F_DETACHED;
	if (d == NULL)
		error = nb_bpf_create(st, blk, ifp);
	else
		error = nb_bpf_update(st, d, blk, ifp);
	pthread_mutex_unlock(&st->bpf.lock);
	pthread_mutex_unlock(&st->if_lock);
	if (error != 0)
		free(blk);
	else if (d == NULL)
		nb_bpf_post(st, NB_EV_CAPTURE_OPENED, a);
	return error;
}

static void
nb_bpf_phase2(struct nb_rcu *r)
{
	struct nb_bpf *d = caa_container_of(r, struct nb_bpf, rcu);
	struct nb_stack *st = r->st;

	nb_hent_free(d->ent);
	nb_bpf_free(d);
	nb_health_atomic(st, NB_HEALTH_OBJECTS_FREED, 1);
}

static void
nb_bpf_phase1(struct nb_rcu *r)
{
	struct nb_bpf *d = caa_container_of(r, struct nb_bpf, rcu);
	struct nb_stack *st = r->st;

	pthread_mutex_lock(&st->bpf.lock);
	nb_htab_writer_unlink(&st->bpf.hash, d->ent);
	nb_list_writer_unlink(&st->bpf.list, &d->le);
	pthread_mutex_unlock(&st->bpf.lock);
	nb_defer(st, &d->rcu, nb_bpf_phase2);
}

int
nb_bpf_delete(struct nb_stack *st, uint64_t id)
{
	struct nb_bpflink *l;
	struct nb_bpf *d;
	uint64_t v;
	int error = 0;

	if (st == NULL)
		return -EINVAL;
	nb_thread_ensure();
	pthread_mutex_lock(&st->bpf.lock);
	if ((d = nb_bpf_writer_find(st, id)) == NULL) {
		error = -ENOENT;
		goto out;
	}
	l = d->link;
	v = nb_commit_begin(st);
	NB_STORE_RELAXED(&d->vis.death, v);
	NB_STORE_RELAXED(&d->ent->vis.death, v);
	if (l != NULL)
		NB_STORE_RELAXED(&l->vis.death, v);
	nb_commit_end(st, v);
	d->link = NULL;
	if (l != NULL)
		nb_defer(st, &l->rcu, nb_bpflink_phase1);
	nb_bpf_post(st, NB_EV_CAPTURE_CLOSED, &d->attrs->a);
	nb_defer(st, &d->rcu, nb_bpf_phase1);
out:
	pthread_mutex_unlock(&st->bpf.lock);
	return error;
}

int
nb_bpf_stats_store(struct nb_stack *st, uint64_t id, unsigned slot,
    const uint64_t v[NB_BPFSTAT_MAX])
{
	const struct nb_bpf *d;
	struct nb_read rd;
	uint64_t *p;
	unsigned i;
	int error = 0;

	if (st == NULL || v == NULL || slot >= st->nslots)
		return -EINVAL;
	nb_read_enter(st, &rd);
	if ((d = nb_bpf_lookup(&rd, id)) == NULL) {
		error = -ENOENT;
		goto out;
	}
	p = nb_ctrgroup_slot(d->ctrs, slot);
	for (i = 0; i < NB_BPFSTAT_MAX; i++)
		nb_ctr_store(p, i, v[i]);
out:
	nb_read_exit(&rd);
	return error;
}

/* ---- bpfdetach (nb_if_delete) ---- */

static int
nb_bpf_ifdetach_prep(struct nb_stack *st, struct nb_iface *ifp)
{
	struct nb_lent *e;

	pthread_mutex_lock(&st->bpf.lock);
	for (e = nb_iface_bpflist(ifp)->head; e != NULL; e = e->next) {
		struct nb_bpflink *l = caa_container_of(e, struct nb_bpflink, le);
		struct nb_bpfblk *cur = l->d->attrs;

		if (!nb_vis_live(&l->vis))
			continue;
		l->d->detblk = nb_bpfblk_new(&cur->a, cur->nprog ? cur->prog : NULL, cur->nprog);
		if (l->d->detblk == NULL)
			goto fail;
		l->d->detblk->a.filter_len = cur->a.filter_len;
		l->d->detblk->a.flags |= NB_BPF_F_DETACHED;
	}
	return 0;
fail:
	for (e = nb_iface_bpflist(ifp)->head; e != NULL; e = e->next) {
		struct nb_bpflink *l = caa_container_of(e, struct nb_bpflink, le);

		if (nb_vis_live(&l->vis)) {
			free(l->d->detblk);
			l->d->detblk = NULL;
		}
	}
	pthread_mutex_unlock(&st->bpf.lock);
	return -ENOMEM;
}

static void
nb_bpf_ifdetach_mark(struct nb_iface *ifp, uint64_t v)
{
	struct nb_lent *e;

	for (e = nb_iface_bpflist(ifp)->head; e != NULL; e = e->next) {
		struct nb_bpflink *l = caa_container_of(e, struct nb_bpflink, le);

		if (nb_vis_live(&l->vis) && l->d->detblk != NULL)
			NB_STORE_RELAXED(&l->vis.death, v);
	}
}

static void
nb_bpf_ifdetach_finish(struct nb_stack *st, struct nb_iface *ifp)
{
	struct nb_lent *e;

	for (e = nb_iface_bpflist(ifp)->head; e != NULL; e = e->next) {
		struct nb_bpflink *l = caa_container_of(e, struct nb_bpflink, le);
		struct nb_bpf *d = l->d;
		struct nb_bpfblk *old;

		if (d->detblk == NULL || d->link != l)
			continue;
		old = d->attrs;
		NB_STORE(&d->attrs, d->detblk);
		d->detblk = NULL;
		d->link = NULL;
		nb_defer(st, &old->rcu, nb_bpfblk_free_cb);
		nb_defer(st, &l->rcu, nb_bpflink_phase1);
	}	pthread_mutex_unlock(&st->bpf.lock);
}

/* ---- readers ---- */

int
nb_bpf_walk(const struct nb_read *rd, int (*cb)(const struct nb_bpf *d, void *arg),
    void *arg)
{
	struct nb_lent *e;
	int error;

	for (e = nb_list_reader_first(&rd->st->bpf.list); e != NULL; e = nb_list_reader_next(e)) {
		const struct nb_bpf *d = caa_container_of(e, struct nb_bpf, le);

		if (!nb_vis_at(&d->vis, rd->ver))
			continue;
		if ((error = cb(d, arg)) != 0)
			return error;
	}
	return 0;
}

int
nb_iface_bpf_walk(const struct nb_read *rd, const struct nb_iface *ifp,
    int (*cb)(const struct nb_bpf *d, void *arg), void *arg)
{
	struct nb_lent *e;
	int error;

	if (ifp == NULL)
		return 0;
	for (e = nb_list_reader_first(nb_iface_bpflist(ifp)); e != NULL;
	    e = nb_list_reader_next(e)) {
		const struct nb_bpflink *l = caa_container_of(e, struct nb_bpflink, le);

		if (!nb_vis_at(&l->vis, rd->ver))
			continue;
		if ((error = cb(l->d, arg)) != 0)
			return error;
	}
	return 0;
}

size_t
nb_bpf_count(const struct nb_read *rd)
{
	struct nb_hashstat hs;

	nb_htab_reader_stat(&rd->st->bpf.hash, rd->ver, &hs);
	return (size_t)hs.items;
}

const struct nb_bpf *
nb_bpf_lookup(const struct nb_read *rd, uint64_t id)
{
	struct nb_hent *e;

	e = nb_htab_reader_find(&rd->st->bpf.hash, rd->ver, &id);
	return e != NULL ? e->obj : NULL;
}

const struct nb_bpfattrs *
nb_bpf_attrs(const struct nb_bpf *d)
{
	return &NB_LOAD(&d->attrs)->a;
}

const struct nb_bpf_insn *
nb_bpf_prog(const struct nb_bpf *d, size_t *nprog)
{
	const struct nb_bpfblk *b = NB_LOAD(&d->attrs);

	if (nprog != NULL)
		*nprog = b->nprog;
	return b->nprog > 0 ? b->prog : NULL;
}

void
nb_bpf_stats(const struct nb_bpf *d, uint64_t out[NB_BPFSTAT_MAX])
{
	nb_ctrgroup_sum_all(d->ctrs, out);
}

const struct nb_ctrgroup *
nb_bpf_ctrs(const struct nb_bpf *d)
{
	return d->ctrs;
}

uint64_t *
nb_bpf_stats_slot(const struct nb_bpf *d, unsigned slot)
{
	return nb_ctrgroup_slot(d->ctrs, slot);
}
