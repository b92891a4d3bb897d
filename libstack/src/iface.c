/* SPDX-License-Identifier: BSD-2-Clause */
/* iface.c - interfaces, addresses and departed interfaces: snapshot-consistent RCU objects. */

/*
 * Theory of operation (versions, publication and the two-phase retirement
 * are described in stack-internal.h; this is what is specific here)
 *
 * What may run at once
 *   Readers, one interface writer (if_lock), one address writer
 *   (addr_lock), one departed writer (dep_lock), slot owners storing
 *   counters, holders, and the reclaimer thread running phase-1/phase-2
 *   callbacks (which take the same locks, in the same order:
 *   if_lock -> addr_lock -> dep_lock -> commit_lock).
 *
 * Objects and where they are linked
 *   nb_iface: st->ifaces (creation order), if_byindex and if_byname (one
 *     entry each, owned through ent_index/ent_name). attrs is an immutable
 *     block swapped whole (release store); the old block is freed after a
 *     grace period. Counters are a per-CPU group owned by the object and
 *     embedded in its allocation (one block: object, then aligned slots);
 *     the first attribute block is embedded too (`first`), so a new
 *     interface costs one allocation plus its two hash entries.
 *   nb_addr: its interface's addrs list (insertion order, addr_lock) and
 *     addr_hash (key family+address, addr_lock). Both links get the same
 *     birth version in one commit, so an address is in both or neither for
 *     every reader; removal likewise.
 *   nb_dep: st->departed, appended in the commit that kills the interface,
 *     so a reader sees an interface either live or departed, never both.
 *   Multicast lists: one immutable block per family (ifp->mcast[]),
 *     replaced whole by nb_mcast_set under if_lock (release store), the
 *     old block freed after a grace period, the current ones with the
 *     interface. Like attrs, they are not versioned: a reader sees the
 *     block current when it loads the pointer.
 *
 * Invariants
 *   - While an interface is live (death unset) so are its hash entries.
 *     if_delete sets death on the interface, its entries and all its live
 *     addresses in one commit, holding if_lock and addr_lock.
 *   - Addresses are added only to a live interface, under addr_lock, which
 *     if_delete also holds while it commits: an address can never be born
 *     on a dying interface.
 *   - A rename gives the new name entry birth v and the old one death v in
 *     one commit; the old entry is retired through a rename record.
 *
 * Who frees what
 *   - Interface: refs = 1 (tables) + holds + individually retiring
 *     addresses. if_delete defers phase 1; phase 1 (if_lock, addr_lock)
 *     unlinks it from the list and both hashes and unlinks the addresses
 *     that died with it (onto ifp->gc); phase 2 frees those addresses and
 *     the entries and drops the table reference. The last reference frees
 *     the object, its current attribute block and its counters.
 *   - Address removed by nb_addr_del: takes a reference on its interface;
 *     phase 1 unlinks it from the hash and the interface list; phase 2
 *     frees it and drops the reference.
 *   - Departed record drained: phase 1 unlinks, phase 2 frees.
 *   A hold keeps the object, its counters, gen and index valid outside a
 *   read section; the attribute block may be swapped and freed meanwhile,
 *   so a holder reads nb_iface_attrs() only inside a read section.
 *   Every deferral is made after the commit that killed the object is
 *   published, so its grace period covers every reader that could see it.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "stack-internal.h"

struct nb_ifattrs_blk {
	struct nb_rcu	 rcu;
	struct nb_ifattrs a;
};

struct nb_addrattrs_blk {
	struct nb_rcu	 rcu;
	struct nb_addrattrs a;
};

struct nb_addr;

/* Multicast lists: AF_INET, AF_INET6, AF_PACKET (nb_mcast_fam). */
#define NB_MCAST_NFAM	3

struct nb_mcast_blk {
	struct nb_rcu	 rcu;
	size_t		 n;
	struct nb_mcastattrs v[];
};

struct nb_iface {
	struct nb_lent	 le;		/* st->ifaces */
	struct nb_vis	 vis;
	struct nb_ifattrs_blk *attrs;	/* atomic */
	uint64_t	 gen;		/* immutable */
	uint32_t	 index;		/* immutable */
	struct nb_ctrgroup *ctrs;	/* immutable */
	struct nb_list	 addrs;		/* addr_lock */
	struct nb_list	 bpfs;		/* bpf.c's links, st->bpf.lock */
	struct nb_stack	*st;
	/* writer only */
	struct nb_hent	*ent_index;
	struct nb_hent	*ent_name;
	uint64_t	 refs;		/* atomic */
	struct nb_addr	*gc;		/* addresses that died with it (phase 1 -> 2) */
	struct nb_mcast_blk *mcast[NB_MCAST_NFAM];	/* atomic; NULL = none */
	struct nb_rcu	 rcu;
	struct nb_ifattrs_blk first;	/* the initial attribute block */
	struct nb_ctrgroup ctrs_emb;	/* *ctrs; its slots follow the struct */
};

/*
 * An interface's allocation: the object, then its counter slots at the
 * first cache-line boundary after it (plain malloc: aligned_alloc is
 * slower, and only the slots need the alignment).
 */
#define NB_IFACE_ALLOC(ctrbytes)	(sizeof(struct nb_iface) + NB_CACHELINE - 1 + (ctrbytes))

static uint64_t *
nb_iface_ctrbase(struct nb_iface *ifp)
{
	uintptr_t p = (uintptr_t)(ifp + 1);

	return (uint64_t *)((p + NB_CACHELINE - 1) & ~(uintptr_t)(NB_CACHELINE - 1));
}

struct nb_addr {
	struct nb_lent	 le;		/* ifp->addrs */
	struct nb_vis	 vis;
	struct nb_addrattrs_blk *attrs;	/* atomic */
	/* writer only */
	struct nb_iface	*ifp;
	struct nb_hent	*ent;
	uint32_t	 ifindex;
	uint8_t		 prefixlen;
	bool		 retiring;	/* removed on its own (holds an ifp ref) */
	struct nb_addr	*gc_next;
	struct nb_rcu	 rcu;
	struct nb_addrattrs_blk first;
};

struct nb_rename_rec {
	struct nb_rcu	 rcu;
	struct nb_hent	*ent;		/* the old name entry (owner pointer) */
};

struct nb_dep {
	struct nb_lent	 le;
	struct nb_vis	 vis;
	struct nb_departed d;
	struct nb_rcu	 rcu;
};

#define NB_ADDR_KEYLEN	17	/* family + 16 address bytes */

/* ---- helpers ---- */

static int
nb_name_key(const char *name, char key[NB_IFNAMSIZ])
{
	size_t len = strnlen(name, NB_IFNAMSIZ);

	if (len == 0 || len >= NB_IFNAMSIZ)
		return -EINVAL;
	memset(key, 0, NB_IFNAMSIZ);
	memcpy(key, name, len);
	return 0;
}

static int
nb_addr_key(int family, const void *addr, uint8_t key[NB_ADDR_KEYLEN])
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

/* A canonical copy: no padding or stale bytes, so blocks compare with memcmp. */
static void
nb_ifattrs_norm(struct nb_ifattrs *n, const struct nb_ifattrs *a)
{
	memset(n, 0, sizeof(*n));
	n->index = a->index;
	memcpy(n->name, a->name, strnlen(a->name, NB_IFNAMSIZ - 1));
	memcpy(n->kind, a->kind, strnlen(a->kind, NB_KIND_MAX - 1));
	n->type = a->type;
	n->flags = a->flags;
	n->mtu = a->mtu;
	n->master = a->master;
	n->txqlen = a->txqlen;
	n->link = a->link;
	n->operstate = a->operstate;
	n->lladdr_len = a->lladdr_len <= NB_LLADDR_MAX ? a->lladdr_len : NB_LLADDR_MAX;
	memcpy(n->lladdr, a->lladdr, n->lladdr_len);
	n->brd_len = a->brd_len <= NB_LLADDR_MAX ? a->brd_len : NB_LLADDR_MAX;
	memcpy(n->brd, a->brd, n->brd_len);
	n->unknown = a->unknown;
}

static void
nb_addrattrs_norm(struct nb_addrattrs *n, const struct nb_addrattrs *a)
{
	size_t alen = a->family == AF_INET ? 4 : 16;

	memset(n, 0, sizeof(*n));
	n->ifindex = a->ifindex;
	n->family = a->family;
	n->prefixlen = a->prefixlen;
	n->scope = a->scope;
	n->has_peer = a->has_peer != 0;
	n->has_brd = a->has_brd != 0;
	n->flags = a->flags;
	memcpy(n->addr, a->addr, alen);
	if (n->has_peer)
		memcpy(n->peer, a->peer, alen);
	if (n->has_brd)
		memcpy(n->brd, a->brd, alen);
	memcpy(n->label, a->label, strnlen(a->label, NB_IFNAMSIZ - 1));
	n->valid_lft = a->valid_lft;
	n->preferred_lft = a->preferred_lft;
}

static void
nb_free_cb(struct nb_rcu *r)
{
	/* Attribute blocks: struct nb_rcu is their first member. */
	free(r);
}

static struct nb_iface *
nb_if_writer_find(struct nb_stack *st, uint32_t index)
{
	struct nb_hent *e;

	e = nb_htab_writer_find(&st->if_byindex, &index, NULL, NULL);
	return e != NULL ? e->obj : NULL;
}

static void
nb_addr_free(struct nb_addr *ad)
{
	if (ad->attrs != &ad->first)
		free(ad->attrs);
	free(ad);
}

static void
nb_iface_free(struct nb_iface *ifp)
{
	unsigned i;

	for (i = 0; i < NB_MCAST_NFAM; i++)
		free(ifp->mcast[i]);
	if (ifp->attrs != &ifp->first)
		free(ifp->attrs);
	free(ifp);			/* counters are embedded */
}

/* Drop a reference; the last one frees (a grace period has passed by then). */
static void
nb_iface_put(struct nb_iface *ifp)
{
	struct nb_stack *st = ifp->st;

	if (__atomic_sub_fetch(&ifp->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		nb_iface_free(ifp);
		nb_health_atomic(st, NB_HEALTH_OBJECTS_FREED, 1);
	}
}

/* ---- built-in hash statistics ---- */

static int
nb_htab_stat_fn(const struct nb_read *rd, void *arg, struct nb_hashstat *out)
{
	nb_htab_reader_stat(arg, rd->ver, out);
	return 0;
}

int
nb_iface_init(struct nb_stack *st)
{
	int error;

	if ((error = nb_htab_init(&st->if_byindex, st, sizeof(uint32_t), 16)) != 0 ||
	    (error = nb_htab_init(&st->if_byname, st, NB_IFNAMSIZ, 16)) != 0 ||
	    (error = nb_htab_init(&st->addr_hash, st, NB_ADDR_KEYLEN, 16)) != 0)
		goto out;
	if ((error = nb_hashstat_register(st, NB_HASH_ADDR,
	    "addresses by (family, address)", nb_htab_stat_fn, &st->addr_hash)) != 0 ||
	    (error = nb_hashstat_register(st, NB_HASH_IFNAME,
	    "interfaces by name", nb_htab_stat_fn, &st->if_byname)) != 0 ||
	    (error = nb_hashstat_register(st, NB_HASH_IFINDEX,
	    "interfaces by index", nb_htab_stat_fn, &st->if_byindex)) != 0)
		goto out;
	return 0;
out:
	nb_htab_fini(&st->if_byindex);
	nb_htab_fini(&st->if_byname);
	nb_htab_fini(&st->addr_hash);
	return error;
}

void
nb_iface_fini(struct nb_stack *st)
{
	struct nb_lent *e, *next, *ae, *anext;

	/* Exclusive, after every deferred callback ran: only live objects remain. */
	for (e = st->ifaces.head; e != NULL; e = next) {
		struct nb_iface *ifp = caa_container_of(e, struct nb_iface, le);

		next = e->next;
		for (ae = ifp->addrs.head; ae != NULL; ae = anext) {
			anext = ae->next;
			nb_addr_free(caa_container_of(ae, struct nb_addr, le));
		}
		nb_iface_free(ifp);
	}
	nb_list_init(&st->ifaces);
	for (e = st->departed.head; e != NULL; e = next) {
		next = e->next;
		free(caa_container_of(e, struct nb_dep, le));
	}
	nb_list_init(&st->departed);
	nb_htab_fini(&st->if_byindex);
	nb_htab_fini(&st->if_byname);
	nb_htab_fini(&st->addr_hash);
}

/* ---- interfaces: writers ---- */

static void
nb_rename_phase2(struct nb_rcu *r)
{
	struct nb_rename_rec *rec = caa_container_of(r, struct nb_rename_rec, rcu);
	struct nb_stack *st = r->st;

	free(rec->ent);
	free(rec);
	nb_health_atomic(st, NB_HEALTH_OBJECTS_FREED, 1);
}

static void
nb_rename_phase1(struct nb_rcu *r)
{
	struct nb_rename_rec *rec = caa_container_of(r, struct nb_rename_rec, rcu);
	struct nb_stack *st = r->st;

	pthread_mutex_lock(&st->if_lock);
	nb_htab_writer_unlink(&st->if_byname, rec->ent);
	pthread_mutex_unlock(&st->if_lock);
	nb_defer(st, &rec->rcu, nb_rename_phase2);
}

static int
nb_if_update(struct nb_stack *st, struct nb_iface *ifp, const struct nb_ifattrs *n)
{
	struct nb_ifattrs_blk *blk = NULL, *old = ifp->attrs;
	struct nb_rename_rec *rec = NULL;
	struct nb_hent *nent = NULL, *x;
	uint64_t v;
	int error = 0;

	if (memcmp(&old->a, n, sizeof(*n)) == 0)
		return 0;
	if (strcmp(old->a.name, n->name) != 0) {
		if ((x = nb_htab_writer_find(&st->if_byname, n->name, NULL, NULL)) != NULL &&
		    x->obj != ifp)
			return -EEXIST;
		if ((rec = calloc(1, sizeof(*rec))) == NULL) {
			error = -ENOMEM;
			goto out;
		}
	}
	if ((blk = malloc(sizeof(*blk))) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	blk->a = *n;
	if (rec != NULL) {
		/* The old name entry passes to the rename record, which retires it. */
		x = ifp->ent_name;
		if ((nent = nb_hent_new(&st->if_byname, n->name, ifp, &ifp->ent_name)) == NULL) {
			error = -ENOMEM;
			goto out;
		}
		rec->ent = x;
		x->ownerp = &rec->ent;
		nb_htab_writer_insert(&st->if_byname, nent);
	}
	v = nb_commit_begin(st);
	NB_STORE(&ifp->attrs, blk);
	if (rec != NULL) {
		NB_STORE_RELAXED(&nent->vis.birth, v);
		NB_STORE_RELAXED(&rec->ent->vis.death, v);
	}
	nb_commit_end(st, v);
	if (old != &ifp->first)
		nb_defer(st, &old->rcu, nb_free_cb);
	if (rec != NULL) {
		nb_defer(st, &rec->rcu, nb_rename_phase1);
		nb_htab_writer_maybe_grow(&st->if_byname);
	}
	return 0;
out:
	free(blk);
	free(rec);
	return error;
}

static int
nb_if_create(struct nb_stack *st, const struct nb_ifattrs *n, uint64_t *gen)
{
	struct nb_iface *ifp;
	struct nb_hent *ei = NULL, *en = NULL;
	size_t ctrbytes;
	uint64_t v;
	int error = 0;

	if (nb_htab_writer_find(&st->if_byname, n->name, NULL, NULL) != NULL)
		return -EEXIST;
	ctrbytes = nb_ctrgroup_bytes(NB_IFSTAT_MAX, st->nslots);
	if ((ifp = calloc(1, NB_IFACE_ALLOC(ctrbytes))) == NULL)
		return -ENOMEM;
	nb_ctrgroup_init_at(&ifp->ctrs_emb, NB_IFSTAT_MAX, st->nslots, nb_iface_ctrbase(ifp));
	ifp->ctrs = &ifp->ctrs_emb;
	if ((ei = nb_hent_new(&st->if_byindex, &n->index, ifp, &ifp->ent_index)) == NULL ||
	    (en = nb_hent_new(&st->if_byname, n->name, ifp, &ifp->ent_name)) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	nb_vis_init(&ifp->vis);
	ifp->first.a = *n;
	ifp->attrs = &ifp->first;
	ifp->index = n->index;
	ifp->gen = ++st->gen_next;
	ifp->st = st;
	ifp->refs = 1;
	nb_list_init(&ifp->addrs);
	nb_list_init(&ifp->bpfs);
	nb_list_writer_append(&st->ifaces, &ifp->le);
	nb_htab_writer_insert(&st->if_byindex, ei);
	nb_htab_writer_insert(&st->if_byname, en);
	v = nb_commit_begin(st);
	NB_STORE_RELAXED(&ifp->vis.birth, v);
	NB_STORE_RELAXED(&ei->vis.birth, v);
	NB_STORE_RELAXED(&en->vis.birth, v);
	nb_commit_end(st, v);
	nb_htab_writer_maybe_grow(&st->if_byindex);
	nb_htab_writer_maybe_grow(&st->if_byname);
	if (gen != NULL)
		*gen = ifp->gen;
	return 0;
out:
	free(ei);
	free(en);
	free(ifp);
	return error;
}

int
nb_if_upsert(struct nb_stack *st, const struct nb_ifattrs *a, uint64_t *gen)
{
	struct nb_ifattrs n;
	struct nb_iface *ifp;
	char key[NB_IFNAMSIZ];
	int error;

	if (a == NULL || a->index == 0 || nb_name_key(a->name, key) != 0)
		return -EINVAL;
	nb_ifattrs_norm(&n, a);
	nb_thread_ensure();
	pthread_mutex_lock(&st->if_lock);
	if ((ifp = nb_if_writer_find(st, n.index)) != NULL) {
		error = nb_if_update(st, ifp, &n);
		if (error == 0 && gen != NULL)
			*gen = ifp->gen;
	} else {
		error = nb_if_create(st, &n, gen);
	}
	pthread_mutex_unlock(&st->if_lock);
	return error;
}

void
nb_stack_reserve(struct nb_stack *st, size_t nifs, size_t naddrs)
{
	if (nifs > 0) {
		pthread_mutex_lock(&st->if_lock);
		nb_htab_writer_reserve(&st->if_byindex, nifs);
		nb_htab_writer_reserve(&st->if_byname, nifs);
		pthread_mutex_unlock(&st->if_lock);
	}
	if (naddrs > 0) {
		pthread_mutex_lock(&st->addr_lock);
		nb_htab_writer_reserve(&st->addr_hash, naddrs);
		pthread_mutex_unlock(&st->addr_lock);
	}
}

static void
nb_if_phase2(struct nb_rcu *r)
{
	struct nb_iface *ifp = caa_container_of(r, struct nb_iface, rcu);
	struct nb_stack *st = r->st;
	struct nb_addr *ad, *next;
	uint64_t n = 0;

	free(ifp->ent_index);
	free(ifp->ent_name);
	ifp->ent_index = ifp->ent_name = NULL;
	for (ad = ifp->gc; ad != NULL; ad = next) {
		next = ad->gc_next;
		free(ad->ent);
		nb_addr_free(ad);
		n++;
	}
	ifp->gc = NULL;
	if (n > 0)
		nb_health_atomic(st, NB_HEALTH_OBJECTS_FREED, n);
	nb_iface_put(ifp);
}

static void
nb_if_phase1(struct nb_rcu *r)
{
	struct nb_iface *ifp = caa_container_of(r, struct nb_iface, rcu);
	struct nb_stack *st = r->st;
	struct nb_lent *e, *next;

	pthread_mutex_lock(&st->if_lock);
	pthread_mutex_lock(&st->addr_lock);
	nb_list_writer_unlink(&st->ifaces, &ifp->le);
	nb_htab_writer_unlink(&st->if_byindex, ifp->ent_index);
	nb_htab_writer_unlink(&st->if_byname, ifp->ent_name);
	for (e = ifp->addrs.head; e != NULL; e = next) {
		struct nb_addr *ad = caa_container_of(e, struct nb_addr, le);

		next = e->next;
		if (ad->retiring)
			continue;	/* its own callbacks unlink and free it */
		nb_htab_writer_unlink(&st->addr_hash, ad->ent);
		nb_list_writer_unlink(&ifp->addrs, &ad->le);
		ad->gc_next = ifp->gc;
		ifp->gc = ad;
	}
	pthread_mutex_unlock(&st->addr_lock);
	pthread_mutex_unlock(&st->if_lock);
	nb_defer(st, &ifp->rcu, nb_if_phase2);
}

int
nb_if_delete(struct nb_stack *st, uint32_t index, const uint64_t *final)
{
	struct nb_iface *ifp;
	struct nb_dep *dep = NULL;
	struct nb_lent *e;
	uint64_t v;
	int error = 0;

	nb_thread_ensure();
	pthread_mutex_lock(&st->if_lock);
	pthread_mutex_lock(&st->addr_lock);
	pthread_mutex_lock(&st->dep_lock);
	pthread_mutex_lock(&st->bpf.lock);
	if ((ifp = nb_if_writer_find(st, index)) == NULL) {
		error = -ENOENT;
		goto out;
	}
	if ((dep = calloc(1, sizeof(*dep))) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	if ((error = nb_bpf_ifdetach_prep(st, ifp)) != 0) {
		free(dep);
		goto out;
	}
	nb_vis_init(&dep->vis);
	dep->d.attrs = ifp->attrs->a;
	dep->d.gen = ifp->gen;
	dep->d.seq = ++st->dep_seq;
	clock_gettime(CLOCK_REALTIME, &dep->d.when);
	if (final != NULL)
		memcpy(dep->d.stats, final, sizeof(dep->d.stats));
	else
		nb_ctrgroup_sum_all(ifp->ctrs, dep->d.stats);
	nb_list_writer_append(&st->departed, &dep->le);

	v = nb_commit_begin(st);
	NB_STORE_RELAXED(&dep->vis.birth, v);
	NB_STORE_RELAXED(&ifp->vis.death, v);
	NB_STORE_RELAXED(&ifp->ent_index->vis.death, v);
	NB_STORE_RELAXED(&ifp->ent_name->vis.death, v);
	for (e = ifp->addrs.head; e != NULL; e = e->next) {
		struct nb_addr *ad = caa_container_of(e, struct nb_addr, le);

		if (!nb_vis_live(&ad->vis))
			continue;
		NB_STORE_RELAXED(&ad->vis.death, v);
		NB_STORE_RELAXED(&ad->ent->vis.death, v);
	}
	nb_bpf_ifdetach_mark(ifp, v);
	nb_commit_end(st, v);
	nb_bpf_ifdetach_finish(st, ifp);
	nb_defer(st, &ifp->rcu, nb_if_phase1);
out:
	pthread_mutex_unlock(&st->bpf.lock);
	pthread_mutex_unlock(&st->dep_lock);
	pthread_mutex_unlock(&st->addr_lock);
	pthread_mutex_unlock(&st->if_lock);
	return error;
}

int
nb_if_stats_store(struct nb_stack *st, uint32_t index, unsigned slot,
    const uint64_t v[NB_IFSTAT_MAX])
{
	const struct nb_iface *ifp;
	struct nb_read rd;
	uint64_t *p;
	unsigned i;
	int error = 0;

	if (slot >= st->nslots)
		return -EINVAL;
	nb_read_enter(st, &rd);
	if ((ifp = nb_if_lookup_index(&rd, index)) == NULL) {
		error = -ENOENT;
		goto out;
	}
	p = nb_ctrgroup_slot(ifp->ctrs, slot);
	for (i = 0; i < NB_IFSTAT_MAX; i++)
		nb_ctr_store(p, i, v[i]);
out:
	nb_read_exit(&rd);
	return error;
}

/* ---- interfaces: what bpf.c needs ---- */

struct nb_iface *
nb_if_writer_get(struct nb_stack *st, uint32_t index)
{
	return nb_if_writer_find(st, index);
}

struct nb_list *
nb_iface_bpflist(const struct nb_iface *ifp)
{
	return &((struct nb_iface *)ifp)->bpfs;
}

/* ---- interfaces: readers ---- */

const struct nb_iface *
nb_if_lookup_index(const struct nb_read *rd, uint32_t index)
{
	struct nb_hent *e;

	e = nb_htab_reader_find(&rd->st->if_byindex, rd->ver, &index);
	return e != NULL ? e->obj : NULL;
}

const struct nb_iface *
nb_if_lookup_name(const struct nb_read *rd, const char *name)
{
	char key[NB_IFNAMSIZ];
	struct nb_hent *e;

	if (name == NULL || nb_name_key(name, key) != 0)
		return NULL;
	e = nb_htab_reader_find(&rd->st->if_byname, rd->ver, key);
	return e != NULL ? e->obj : NULL;
}

int
nb_if_walk(const struct nb_read *rd, int (*cb)(const struct nb_iface *ifp, void *arg),
    void *arg)
{
	struct nb_lent *e;
	int error;

	for (e = nb_list_reader_first(&rd->st->ifaces); e != NULL; e = nb_list_reader_next(e)) {
		const struct nb_iface *ifp = caa_container_of(e, struct nb_iface, le);

		if (!nb_vis_at(&ifp->vis, rd->ver))
			continue;
		if ((error = cb(ifp, arg)) != 0)
			return error;
	}
	return 0;
}

size_t
nb_if_count(const struct nb_read *rd)
{
	struct nb_lent *e;
	size_t n = 0;

	for (e = nb_list_reader_first(&rd->st->ifaces); e != NULL; e = nb_list_reader_next(e))
		if (nb_vis_at(&caa_container_of(e, struct nb_iface, le)->vis, rd->ver))
			n++;
	return n;
}

const struct nb_ifattrs *
nb_iface_attrs(const struct nb_iface *ifp)
{
	return &NB_LOAD(&ifp->attrs)->a;
}

uint64_t
nb_iface_gen(const struct nb_iface *ifp)
{
	return ifp->gen;
}

void
nb_iface_stats(const struct nb_iface *ifp, uint64_t out[NB_IFSTAT_MAX])
{
	nb_ctrgroup_sum_all(ifp->ctrs, out);
}

const struct nb_ctrgroup *
nb_iface_ctrs(const struct nb_iface *ifp)
{
	return ifp->ctrs;
}

uint64_t *
nb_iface_stats_slot(const struct nb_iface *ifp, unsigned slot)
{
	return nb_ctrgroup_slot(ifp->ctrs, slot);
}

struct nb_iface *
nb_iface_hold(const struct nb_iface *cifp)
{
	struct nb_iface *ifp = (struct nb_iface *)cifp;

	/*
	 * Inside a read section the table reference cannot be dropped (that
	 * needs a grace period after the death store), so refs > 0 here.
	 */
	if (!nb_vis_live(&ifp->vis))
		return NULL;
	__atomic_add_fetch(&ifp->refs, 1, __ATOMIC_RELAXED);
	return ifp;
}

void
nb_iface_release(struct nb_iface *ifp)
{
	if (ifp != NULL)
		nb_iface_put(ifp);
}

/* ---- addresses ---- */

struct nb_addr_match {
	uint32_t	ifindex;
	uint8_t		prefixlen;
};

static bool
nb_addr_match_fn(const struct nb_hent *e, const void *arg)
{
	const struct nb_addr *ad = e->obj;
	const struct nb_addr_match *m = arg;

	return ad->ifindex == m->ifindex && ad->prefixlen == m->prefixlen;
}

static int
nb_addr_check(const struct nb_addrattrs *a, uint8_t key[NB_ADDR_KEYLEN])
{
	if (a == NULL)
		return -EINVAL;
	if (nb_addr_key(a->family, a->addr, key) != 0)
		return -EAFNOSUPPORT;
	if (a->prefixlen > (a->family == AF_INET ? 32 : 128))
		return -EINVAL;
	return 0;
}

/*
 * Writer: the interface of a new address, with addr_lock taken (and held on
 * return, NULL or not). The interface cannot die while we hold addr_lock
 * (if_delete commits under it) and cannot be freed before it dies.
 */
static struct nb_iface *
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
 * Writer (addr_lock): fill the new address ad (entry e) from n and link it
 * into the address hash and its interface's list, unborn until the
 * caller's commit stamps it (nb_addr_stamp_birth).
 */
static void
nb_addr_link(struct nb_stack *st, struct nb_iface *ifp, struct nb_addr *ad,
    struct nb_hent *e, const struct nb_addrattrs *n)
{
	nb_vis_init(&ad->vis);
	ad->first.a = *n;
	ad->attrs = &ad->first;
	ad->ifp = ifp;
	ad->ifindex = n->ifindex;
	ad->prefixlen = n->prefixlen;
	nb_htab_writer_insert(&st->addr_hash, e);
	nb_list_writer_append(&ifp->addrs, &ad->le);
}

static void
nb_addr_stamp_birth(struct nb_addr *ad, struct nb_hent *e, uint64_t v)
{
	NB_STORE_RELAXED(&ad->vis.birth, v);
	NB_STORE_RELAXED(&e->vis.birth, v);
}

int
nb_addr_add(struct nb_stack *st, const struct nb_addrattrs *a)
{
	uint8_t key[NB_ADDR_KEYLEN];
	struct nb_addr_match m;
	struct nb_addrattrs n;
	struct nb_addrattrs_blk *blk, *old;
	struct nb_iface *ifp;
	struct nb_addr *ad = NULL;
	struct nb_hent *e;
	uint64_t v;
	int error = 0;

	if ((error = nb_addr_check(a, key)) != 0)
		return error;
	nb_addrattrs_norm(&n, a);
	nb_thread_ensure();
	if ((ifp = nb_addr_lock_iface(st, n.ifindex)) == NULL) {
		error = -ENOENT;
		goto out;
	}
	m.ifindex = n.ifindex;
	m.prefixlen = n.prefixlen;
	if ((e = nb_htab_writer_find(&st->addr_hash, key, nb_addr_match_fn, &m)) != NULL) {
		ad = e->obj;
		old = ad->attrs;
		if (memcmp(&old->a, &n, sizeof(n)) != 0) {
			if ((blk = malloc(sizeof(*blk))) == NULL) {
				error = -ENOMEM;
				goto out;
			}
			blk->a = n;
			NB_STORE(&ad->attrs, blk);
			if (old != &ad->first)
				nb_defer(st, &old->rcu, nb_free_cb);
		}
		ad = NULL;
		goto out;
	}
	if ((ad = calloc(1, sizeof(*ad))) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	if ((e = nb_hent_new(&st->addr_hash, key, ad, &ad->ent)) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	nb_addr_link(st, ifp, ad, e, &n);
	v = nb_commit_begin(st);
	nb_addr_stamp_birth(ad, e, v);
	nb_commit_end(st, v);
	nb_htab_writer_maybe_grow(&st->addr_hash);
	ad = NULL;
out:
	pthread_mutex_unlock(&st->addr_lock);
	free(ad);
	return error;
}

static void
nb_addr_phase2(struct nb_rcu *r)
{
	struct nb_addr *ad = caa_container_of(r, struct nb_addr, rcu);
	struct nb_iface *ifp = ad->ifp;
	struct nb_stack *st = r->st;

	free(ad->ent);
	nb_addr_free(ad);
	nb_health_atomic(st, NB_HEALTH_OBJECTS_FREED, 1);
	nb_iface_put(ifp);
}

static void
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
	nb_defer(st, &ad->rcu, nb_addr_phase1);
out:
	pthread_mutex_unlock(&st->addr_lock);
	return error;
}

/*
 * An address with its local route, in one commit: the route goes into the
 * route family (lock order addr_lock -> routes.lock -> commit_lock), so a
 * reader sees the address in the hash, on the interface's list and its
 * route, or none of them.
 */
int
nb_addr_add_route(struct nb_stack *st, const struct nb_addrattrs *a,
    const struct nb_routeattrs *rt)
{
	uint8_t key[NB_ADDR_KEYLEN];
	struct nb_addr_match m;
	struct nb_addrattrs n;
	struct nb_iface *ifp;
	struct nb_addr *ad = NULL;
	struct nb_route *r;
	struct nb_hent *e = NULL;
	uint64_t v;
	int error;

	if ((error = nb_addr_check(a, key)) != 0)
		return error;
	if (rt == NULL)
		return -EINVAL;
	nb_addrattrs_norm(&n, a);
	nb_thread_ensure();
	ifp = nb_addr_lock_iface(st, n.ifindex);
	pthread_mutex_lock(&st->routes.lock);
	if (ifp == NULL) {
		error = -ENOENT;
		goto out;
	}
	m.ifindex = n.ifindex;
	m.prefixlen = n.prefixlen;
	if (nb_htab_writer_find(&st->addr_hash, key, nb_addr_match_fn, &m) != NULL) {
		error = -EEXIST;
		goto out;
	}
	if ((ad = calloc(1, sizeof(*ad))) == NULL ||
	    (e = nb_hent_new(&st->addr_hash, key, ad, &ad->ent)) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	/* Last step that can fail; it links the route (birth NEVER). */
	if ((error = nb_route_prepare_locked(st, rt, &r)) != 0) {
		free(e);
		goto out;
	}
	nb_addr_link(st, ifp, ad, e, &n);
	v = nb_commit_begin(st);
	nb_addr_stamp_birth(ad, e, v);
	nb_route_stamp_birth(r, v);
	nb_commit_end(st, v);
	nb_route_published_locked(st);
	nb_htab_writer_maybe_grow(&st->addr_hash);
	ad = NULL;
out:
	pthread_mutex_unlock(&st->routes.lock);
	pthread_mutex_unlock(&st->addr_lock);
	free(ad);
	return error;
}

int
nb_addr_del_route(struct nb_stack *st, const struct nb_addrattrs *key,
    const struct nb_routeattrs *rt)
{
	uint8_t k[NB_ADDR_KEYLEN];
	struct nb_addr_match m;
	struct nb_addr *ad;
	struct nb_route *r;
	struct nb_hent *e;
	uint64_t v;
	int error;

	if ((error = nb_addr_check(key, k)) != 0)
		return error;
	if (rt == NULL)
		return -EINVAL;
	nb_thread_ensure();
	m.ifindex = key->ifindex;
	m.prefixlen = key->prefixlen;
	pthread_mutex_lock(&st->addr_lock);
	pthread_mutex_lock(&st->routes.lock);
	if ((e = nb_htab_writer_find(&st->addr_hash, k, nb_addr_match_fn, &m)) == NULL ||
	    (r = nb_route_find_locked(st, rt)) == NULL) {
		error = -ENOENT;
		goto out;
	}
	ad = e->obj;
	__atomic_add_fetch(&ad->ifp->refs, 1, __ATOMIC_RELAXED);
	ad->retiring = true;
	v = nb_commit_begin(st);
	NB_STORE_RELAXED(&ad->vis.death, v);
	NB_STORE_RELAXED(&e->vis.death, v);
	nb_route_stamp_death(r, v);
	nb_commit_end(st, v);
	nb_defer(st, &ad->rcu, nb_addr_phase1);
	nb_route_retire_locked(st, r);
out:
	pthread_mutex_unlock(&st->routes.lock);
	pthread_mutex_unlock(&st->addr_lock);
	return error;
}

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

/* ---- departed ---- */

int
nb_departed_walk(const struct nb_read *rd, int (*cb)(const struct nb_departed *d, void *arg),
    void *arg)
{
	struct nb_lent *e;
	int error;

	for (e = nb_list_reader_first(&rd->st->departed); e != NULL; e = nb_list_reader_next(e)) {
		const struct nb_dep *dep = caa_container_of(e, struct nb_dep, le);

		if (!nb_vis_at(&dep->vis, rd->ver))
			continue;
		if ((error = cb(&dep->d, arg)) != 0)
			return error;
	}
	return 0;
}

static void
nb_dep_phase2(struct nb_rcu *r)
{
	struct nb_stack *st = r->st;

	free(caa_container_of(r, struct nb_dep, rcu));
	nb_health_atomic(st, NB_HEALTH_OBJECTS_FREED, 1);
}

static void
nb_dep_phase1(struct nb_rcu *r)
{
	struct nb_dep *dep = caa_container_of(r, struct nb_dep, rcu);
	struct nb_stack *st = r->st;

	pthread_mutex_lock(&st->dep_lock);
	nb_list_writer_unlink(&st->departed, &dep->le);
	pthread_mutex_unlock(&st->dep_lock);
	nb_defer(st, &dep->rcu, nb_dep_phase2);
}

int
nb_departed_drain(struct nb_stack *st, uint64_t upto)
{
	struct nb_lent *e;
	struct nb_dep *dep;
	uint64_t v;

	nb_thread_ensure();
	pthread_mutex_lock(&st->dep_lock);
	v = nb_commit_begin(st);
	for (e = st->departed.head; e != NULL; e = e->next) {
		dep = caa_container_of(e, struct nb_dep, le);
		if (dep->d.seq > upto)
			break;
		if (nb_vis_live(&dep->vis))
			NB_STORE_RELAXED(&dep->vis.death, v);
	}
	nb_commit_end(st, v);
	for (e = st->departed.head; e != NULL; e = e->next) {
		dep = caa_container_of(e, struct nb_dep, le);
		if (dep->d.seq > upto)
			break;
		if (NB_LOAD_RELAXED(&dep->vis.death) == v)
			nb_defer(st, &dep->rcu, nb_dep_phase1);
	}
	pthread_mutex_unlock(&st->dep_lock);
	return 0;
}

/* ---- multicast memberships ---- */

static int
nb_mcast_fam(int family)
{
	switch (family) {
	case AF_INET:
		return 0;
	case AF_INET6:
		return 1;
	case AF_PACKET:
		return 2;
	}
	return -1;
}

int
nb_mcast_set(struct nb_stack *st, uint32_t ifindex, int family,
    const struct nb_mcastattrs *v, size_t n)
{
	struct nb_mcast_blk *blk = NULL, *old;
	struct nb_iface *ifp;
	int f, error = 0;
	size_t i;
	uint64_t ver;

	if ((f = nb_mcast_fam(family)) < 0)
		return -EAFNOSUPPORT;
	if (n > 0 && v == NULL)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (v[i].family != family || v[i].addr_len == 0 || v[i].addr_len > NB_LLADDR_MAX ||
		    (family == AF_INET && v[i].addr_len != 4) ||
		    (family == AF_INET6 && v[i].addr_len != 16))
			return -EINVAL;
	}
	if (n > 0) {
		if ((blk = calloc(1, sizeof(*blk) + n * sizeof(blk->v[0]))) == NULL)
			return -ENOMEM;
		blk->n = n;
		for (i = 0; i < n; i++) {	/* normalised: nothing past addr_len */
			blk->v[i].family = v[i].family;
			blk->v[i].addr_len = v[i].addr_len;
			blk->v[i].users = v[i].users;
			memcpy(blk->v[i].addr, v[i].addr, v[i].addr_len);
		}
	}
	nb_thread_ensure();
	pthread_mutex_lock(&st->if_lock);
	if ((ifp = nb_if_writer_find(st, ifindex)) == NULL) {
		error = -ENOENT;
		goto out;
	}
	old = ifp->mcast[f];
	if ((old == NULL && n == 0) || (old != NULL && blk != NULL && old->n == n &&
	    memcmp(old->v, blk->v, n * sizeof(blk->v[0])) == 0))
		goto out;			/* unchanged */
	ver = nb_commit_begin(st);
	NB_STORE(&ifp->mcast[f], blk);
	nb_commit_end(st, ver);
	blk = NULL;
	if (old != NULL)
		nb_defer(st, &old->rcu, nb_free_cb);
out:
	pthread_mutex_unlock(&st->if_lock);
	free(blk);
	return error;
}

int
nb_iface_mcast_walk(const struct nb_read *rd, const struct nb_iface *ifp,
    int (*cb)(const struct nb_mcastattrs *m, void *arg), void *arg)
{
	const struct nb_mcast_blk *blk;
	unsigned f;
	size_t i;
	int error;

	(void)rd;
	for (f = 0; f < NB_MCAST_NFAM; f++) {
		if ((blk = NB_LOAD(&ifp->mcast[f])) == NULL)
			continue;
		for (i = 0; i < blk->n; i++)
			if ((error = cb(&blk->v[i], arg)) != 0)
				return error;
	}
	return 0;
}
