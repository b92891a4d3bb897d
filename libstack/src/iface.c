/* SPDX-License-Identifier: BSD-2-Clause */
/* iface.c - interfaces: snapshot-consistent RCU objects, their writers and readers. */

/*
 * Theory of operation of the interface family: iface.c (interfaces),
 * addr.c and addr_route.c (addresses), departed.c, mcast.c share it
 * (versions, publication and the two-phase retirement are described in
 * stack-internal.h; this is what is specific here)
 *
 * What may run at once
 *   Readers, one interface writer (if_lock), one address writer
 *   (addr_lock), one departed writer (dep_lock), slot owners storing
 *   counters, holders, and the reclaimer thread running phase-1/phase-2
 *   callbacks (which take the same locks, in the same order:
 *   if_lock -> addr_lock -> dep_lock -> commit_lock).
 *   nb_if_upsert_many holds if_lock across a whole batch; the interfaces
 *   it creates are linked unborn and published together, in one commit
 *   (nb_if_publish), before any update of the batch commits, so readers
 *   see some of the states that one nb_if_upsert each would show, in the
 *   same order, and end with the same objects; other writers (and
 *   phase-1 callbacks) merely wait for the batch.
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

#include "ifaddr.h"

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

/* The first len bytes of src (at most NB_LLADDR_MAX) into dst; their number. */
static inline uint8_t
nb_lladdr_copy(uint8_t *dst, const uint8_t *src, uint8_t len)
{
	if (len == 6)
		memcpy(dst, src, 6);		/* Ethernet: no call */
	else {
		if (len > NB_LLADDR_MAX)
			len = NB_LLADDR_MAX;
		memcpy(dst, src, len);
	}
	return len;
}

/* type, flags, mtu, master, txqlen and link: six words in a row, copied as one. */
#define NB_IFA_WORDS_LEN	(offsetof(struct nb_ifattrs, link) + sizeof(uint32_t) - \
				 offsetof(struct nb_ifattrs, type))
_Static_assert(NB_IFA_WORDS_LEN == 6 * sizeof(uint32_t), "nb_ifattrs: type .. link in a row");

/*
 * n (zeroed, its name in place) = the rest of a, with its kind zero padded
 * (at most NB_KIND_MAX - 1 bytes) and no stray bytes. Inline in its two
 * callers (a new interface's fill is on the cold load's path).
 */
static inline __attribute__((always_inline)) void
nb_ifattrs_fill(struct nb_ifattrs *n, const struct nb_ifattrs *a)
{
	if (nb_ifname_pad(a->kind, n->kind) == NB_KIND_MAX)
		n->kind[NB_KIND_MAX - 1] = '\0';	/* no NUL: the first NB_KIND_MAX - 1 */
	n->index = a->index;
	memcpy(&n->type, &a->type, NB_IFA_WORDS_LEN);
	n->operstate = a->operstate;
	n->lladdr_len = nb_lladdr_copy(n->lladdr, a->lladdr, a->lladdr_len);
	n->brd_len = nb_lladdr_copy(n->brd, a->brd, a->brd_len);
	n->unknown = a->unknown;
}

void
nb_free_cb(struct nb_rcu *r)
{
	/* Attribute blocks: struct nb_rcu is their first member. */
	free(r);
}

struct nb_iface *
nb_if_writer_find(struct nb_stack *st, uint32_t index)
{
	struct nb_hent *e;

	e = nb_htab_writer_find(&st->if_byindex, &index, NULL, NULL);
	return e != NULL ? e->obj : NULL;
}

/*
 * How far past the last interface the bulk writers look before they hash:
 * a dump lists interfaces (and their addresses or counters) in index
 * order, which is the order a cold load created them in, so the next one
 * is mostly the next in st->ifaces or one of the few after it.
 */
#define NB_IF_NEAR	4

struct nb_iface *
nb_if_writer_find_near(struct nb_stack *st, const struct nb_iface *prev, uint32_t index)
{
	const struct nb_lent *e;
	struct nb_iface *ifp;
	unsigned k;

	if (prev != NULL)
		for (e = prev->le.next, k = 0; e != NULL && k < NB_IF_NEAR; e = e->next, k++) {
			ifp = caa_container_of(e, struct nb_iface, le);
			if (ifp->index == index && nb_vis_live(&ifp->vis))
				return ifp;
		}
	return nb_if_writer_find(st, index);
}

static void
nb_iface_free(struct nb_iface *ifp)
{
	unsigned i;

	for (i = 0; i < NB_MCAST_NFAM; i++)
		if (ifp->mcast[i] != NULL)
			free(ifp->mcast[i]);
	if (ifp->attrs != &ifp->first)
		free(ifp->attrs);
	if (!ifp->slab)
		free(ifp);		/* counters are embedded */
}

void
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

	/*
	 * Exclusive, after every deferred callback ran: only live objects
	 * remain. If none owns memory of its own they all lie in the slabs,
	 * which go whole below.
	 */
	for (e = NB_LOAD_RELAXED(&st->if_heap) ? st->ifaces.head : NULL; e != NULL; e = next) {
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
	nb_slab_free_all(&st->ifslab);
	nb_slab_free_all(&st->addrslab);
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

	nb_hent_free(rec->ent);
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

/* IFF_UP and IFF_LOWER_UP (linux/if.h; the core includes no kernel header). */
#define NB_IFF_UP	0x1u
#define NB_IFF_LOWER_UP	0x10000u

/* The event log: what an update changed that an operator asks about. */
static void
nb_if_post_changes(struct nb_stack *st, const char *oldname, uint32_t oldflags,
    const struct nb_ifattrs *n)
{
	uint32_t diff = oldflags ^ n->flags;

	if (!nb_ev_on(st))
		return;
	if (strcmp(oldname, n->name) != 0)
		nb_ev_post(st, NB_EV_IF_RENAMED, n->index, n->name, "from %s", oldname);
	if ((n->unknown & NB_IFA_FLAGS) != 0)
		return;
	if ((diff & NB_IFF_UP) != 0)
		nb_ev_post(st, (n->flags & NB_IFF_UP) != 0 ? NB_EV_LINK_UP : NB_EV_LINK_DOWN,
		    n->index, n->name, NULL);
	if ((diff & NB_IFF_LOWER_UP) != 0)
		nb_ev_post(st,
		    (n->flags & NB_IFF_LOWER_UP) != 0 ? NB_EV_CARRIER_ON : NB_EV_CARRIER_OFF,
		    n->index, n->name, NULL);
}

static int
nb_if_update(struct nb_stack *st, struct nb_iface *ifp, const struct nb_ifattrs *n)
{
	struct nb_ifattrs_blk *blk = NULL, *old = ifp->attrs;
	struct nb_rename_rec *rec = NULL;
	struct nb_hent *nent = NULL, *x;
	char oldname[NB_IFNAMSIZ];
	uint32_t oldflags = old->a.flags;
	uint64_t v;
	int error = 0;

	if (memcmp(&old->a, n, sizeof(*n)) == 0)
		return 0;
	memcpy(oldname, old->a.name, sizeof(oldname));
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
	nb_heap_note(st);
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
	nb_if_post_changes(st, oldname, oldflags, n);
	return 0;
out:
	free(blk);
	free(rec);
	return error;
}

/*
 * Interfaces created under one hold of if_lock and not published yet: the
 * tail of st->ifaces from `first` (only if_lock holders append to it).
 */
struct nb_if_batch {
	struct nb_iface	*first;		/* NULL: none */
};

/* if_lock held: publish b's interfaces in one commit, then log them. */
static void
nb_if_publish(struct nb_stack *st, struct nb_if_batch *b)
{
	struct nb_lent *e;
	struct nb_iface *ifp;
	uint64_t v;

	if (b->first == NULL)
		return;
	v = nb_commit_begin(st);
	for (e = &b->first->le; e != NULL; e = e->next) {
		ifp = caa_container_of(e, struct nb_iface, le);
		NB_STORE_RELAXED(&ifp->vis.birth, v);
		NB_STORE_RELAXED(&ifp->ent_index->vis.birth, v);
		NB_STORE_RELAXED(&ifp->ent_name->vis.birth, v);
	}
	nb_commit_end(st, v);
	if (nb_ev_on(st))
		for (e = &b->first->le; e != NULL; e = e->next) {
			ifp = caa_container_of(e, struct nb_iface, le);
			nb_ev_post(st, NB_EV_IF_CREATED, ifp->index, ifp->first.a.name, NULL);
		}
	b->first = NULL;
}

/*
 * A new interface for a, whose name padded is key (namelen bytes before the
 * padding) and whose index hashes to hi; linked unborn into batch b. The
 * attributes are normalised straight into the new object (zeroed: a slab's
 * mapping or calloc), which is their first block.
 */
static int
nb_if_create(struct nb_stack *st, const struct nb_ifattrs *a, const char key[NB_IFNAMSIZ],
    size_t namelen, uint32_t hi, uint64_t *gen, struct nb_if_batch *b)
{
	struct nb_iface *ifp;
	struct nb_hent *ei = NULL, *en = NULL;
	struct nb_ifattrs *n;
	size_t ctrbytes;
	uint32_t hn;
	int error = 0;

	hn = nb_hash_key_zpad(key, (unsigned)namelen, NB_IFNAMSIZ);
	if (nb_htab_writer_get_h(&st->if_byname, key, hn) != NULL)
		return -EEXIST;
	ctrbytes = nb_ctrgroup_bytes(NB_IFSTAT_MAX, st->nslots);
	if ((ifp = nb_slab_take(&st->ifslab, NB_IFACE_ALLOC(ctrbytes))) != NULL)
		ifp->slab = true;
	else if ((ifp = calloc(1, NB_IFACE_ALLOC(ctrbytes))) == NULL)
		return -ENOMEM;
	else
		nb_heap_note(st);
	n = &ifp->first.a;
	memcpy(n->name, key, NB_IFNAMSIZ);
	nb_ifattrs_fill(n, a);
	nb_ctrgroup_init_at(&ifp->ctrs_emb, NB_IFSTAT_MAX, st->nslots, nb_iface_ctrbase(ifp));
	ifp->ctrs = &ifp->ctrs_emb;
	if ((ei = nb_hent_new_h(&st->if_byindex, &n->index, hi, ifp, &ifp->ent_index)) == NULL ||
	    (en = nb_hent_new_h(&st->if_byname, n->name, hn, ifp, &ifp->ent_name)) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	nb_vis_init(&ifp->vis);
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
	/* (a resize repoints ent_index/ent_name, which the commit stamps) */
	nb_htab_writer_maybe_grow(&st->if_byindex);
	nb_htab_writer_maybe_grow(&st->if_byname);
	if (b->first == NULL)
		b->first = ifp;
	if (gen != NULL)
		*gen = ifp->gen;
	return 0;
out:
	nb_hent_free(ei);
	nb_hent_free(en);
	if (!ifp->slab)
		free(ifp);
	return error;
}

/*
 * if_lock held: nb_if_upsert's work; a new interface joins batch b. The
 * name is checked and padded first (a new interface needs nothing else
 * from a before its object exists); an existing one is compared with a
 * normalised copy.
 */
static int
nb_if_upsert_locked(struct nb_stack *st, const struct nb_ifattrs *a, uint64_t *gen,
    struct nb_if_batch *b)
{
	struct nb_ifattrs n;
	struct nb_hent *e;
	char key[NB_HKEY_MAX];	/* the padded name, then a zero: the inline key
				   compare has a branch (never taken here) for
				   17-byte keys */
	size_t namelen;
	uint32_t hi;
	int error;

	if (a == NULL || a->index == 0)
		return -EINVAL;
	namelen = nb_ifname_pad(a->name, key);
	if (namelen == 0 || namelen == NB_IFNAMSIZ)
		return -EINVAL;
	key[NB_IFNAMSIZ] = '\0';
	hi = nb_hash_key4(&a->index);
	if ((e = nb_htab_writer_get_h(&st->if_byindex, &a->index, hi)) == NULL)
		return nb_if_create(st, a, key, namelen, hi, gen, b);
	memset(&n, 0, sizeof(n));
	memcpy(n.name, key, NB_IFNAMSIZ);
	nb_ifattrs_fill(&n, a);
	nb_if_publish(st, b);		/* the creations before it first */
	error = nb_if_update(st, e->obj, &n);
	if (error == 0 && gen != NULL)
		*gen = ((struct nb_iface *)e->obj)->gen;
	return error;
}

int
nb_if_upsert(struct nb_stack *st, const struct nb_ifattrs *a, uint64_t *gen)
{
	struct nb_if_batch b = { NULL };
	int error;

	nb_thread_ensure();
	pthread_mutex_lock(&st->if_lock);
	error = nb_if_upsert_locked(st, a, gen, &b);
	nb_if_publish(st, &b);
	pthread_mutex_unlock(&st->if_lock);
	return error;
}

int
nb_if_upsert_many(struct nb_stack *st, const struct nb_ifattrs *a, size_t n, size_t *done)
{
	struct nb_if_batch b = { NULL };
	size_t i;
	int error = 0;

	nb_thread_ensure();
	pthread_mutex_lock(&st->if_lock);
	for (i = 0; i < n; i++)
		if ((error = nb_if_upsert_locked(st, &a[i], NULL, &b)) != 0)
			break;
	nb_if_publish(st, &b);
	pthread_mutex_unlock(&st->if_lock);
	*done = i;
	return error;
}

void
nb_stack_reserve(struct nb_stack *st, size_t nifs, size_t naddrs)
{
	if (nifs > 0) {
		pthread_mutex_lock(&st->if_lock);
		nb_slab_reserve(&st->ifslab, nifs,
		    NB_IFACE_ALLOC(nb_ctrgroup_bytes(NB_IFSTAT_MAX, st->nslots)));
		nb_htab_writer_reserve(&st->if_byindex, nifs);
		nb_htab_writer_reserve(&st->if_byname, nifs);
		pthread_mutex_unlock(&st->if_lock);
	}
	if (naddrs > 0) {
		pthread_mutex_lock(&st->addr_lock);
		nb_slab_reserve(&st->addrslab, naddrs, sizeof(struct nb_addr));
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

	nb_hent_free(ifp->ent_index);
	nb_hent_free(ifp->ent_name);
	ifp->ent_index = ifp->ent_name = NULL;
	for (ad = ifp->gc; ad != NULL; ad = next) {
		next = ad->gc_next;
		nb_hent_free(ad->ent);
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
	if ((ifp = nb_if_writer_find(st, index)) == NULL) {
		error = -ENOENT;
		goto out;
	}
	if ((dep = calloc(1, sizeof(*dep))) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	if (st->ifdetach != NULL && (error = st->ifdetach->prep(st, ifp)) != 0) {
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
	if (st->ifdetach != NULL)
		st->ifdetach->mark(ifp, v);
	nb_commit_end(st, v);
	if (st->ifdetach != NULL)
		st->ifdetach->finish(st, ifp);
	nb_ev_post(st, NB_EV_IF_DELETED, index, dep->d.attrs.name, NULL);
	nb_defer(st, &ifp->rcu, nb_if_phase1);
out:
	pthread_mutex_unlock(&st->dep_lock);
	pthread_mutex_unlock(&st->addr_lock);
	pthread_mutex_unlock(&st->if_lock);
	return error;
}

/*
 * Inside a read section: overwrite the slot's counters of ifp (slot <
 * st->nslots, the callers' check: every group has that many). Unrolled:
 * the relaxed stores are not merged into a copy.
 */
static inline __attribute__((always_inline)) void
nb_if_stats_put(const struct nb_iface *ifp, unsigned slot, const uint64_t v[NB_IFSTAT_MAX])
{
	uint64_t *p = nb_ctrgroup_slot_at(ifp->ctrs, slot);
	unsigned i;

#pragma GCC unroll 16
	for (i = 0; i < NB_IFSTAT_MAX; i++)
		nb_ctr_store(p, i, v[i]);
}

int
nb_if_stats_store(struct nb_stack *st, uint32_t index, unsigned slot,
    const uint64_t v[NB_IFSTAT_MAX])
{
	const struct nb_iface *ifp;
	struct nb_read rd;
	int error = 0;

	if (slot >= st->nslots)
		return -EINVAL;
	nb_read_enter(st, &rd);
	if ((ifp = nb_if_lookup_index(&rd, index)) != NULL)
		nb_if_stats_put(ifp, slot, v);
	else
		error = -ENOENT;
	nb_read_exit(&rd);
	return error;
}

/*
 * Reader: nb_if_lookup_index(rd, index), looked for first among the few
 * interfaces after prev (visible in this section) in the list, as
 * nb_if_writer_find_near does: at most one interface of an index is
 * visible at a version, so the answer is the same.
 */
static const struct nb_iface *
nb_if_lookup_near(const struct nb_read *rd, const struct nb_iface *prev, uint32_t index)
{
	const struct nb_lent *e;
	const struct nb_iface *ifp;
	unsigned k;

	if (prev != NULL)
		for (e = nb_list_reader_next(&prev->le), k = 0; e != NULL && k < NB_IF_NEAR;
		    e = nb_list_reader_next(e), k++) {
			ifp = caa_container_of(e, struct nb_iface, le);
			if (ifp->index == index && nb_vis_at(&ifp->vis, rd->ver))
				return ifp;
		}
	return nb_if_lookup_index(rd, index);
}

int
nb_if_stats_store_many(struct nb_stack *st, unsigned slot, const struct nb_ifstats_rec *r,
    size_t n, size_t *done)
{
	const struct nb_iface *ifp = NULL;
	struct nb_read rd;
	size_t i = 0;
	int error = -EINVAL;

	if (slot < st->nslots) {
		nb_read_enter(st, &rd);
		for (error = 0; i < n; i++) {
			if ((ifp = nb_if_lookup_near(&rd, ifp, r[i].index)) == NULL) {
				error = -ENOENT;
				break;
			}
			nb_if_stats_put(ifp, slot, r[i].v);
		}
		nb_read_exit(&rd);
	}
	*done = i;
	return error;
}

/* ---- interfaces: what bpf.c needs (bpf.c calls iface.c, never the reverse) ---- */

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
	nb_ctrgroup_sum_used(ifp->ctrs, NB_IFSTAT_MAX, out);
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
