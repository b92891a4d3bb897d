/* SPDX-License-Identifier: BSD-2-Clause */
/* stack-internal.h - private: libstack's core structures, RCU list/hash, deferral. */
#ifndef NBSTACK_STACK_INTERNAL_H
#define NBSTACK_STACK_INTERNAL_H

/*
 * Theory of operation (shared by ctr.c, rcu.c, stack.c, iface.c)
 *
 * Who runs at once
 *   Any number of readers (nb_read_enter .. nb_read_exit, liburcu memb
 *   read-side sections), one writer per family (interfaces, addresses,
 *   departed, registries: each family has a mutex), slot owners updating
 *   per-CPU counters, and the stack's reclaimer thread running our deferred
 *   callbacks (which take family mutexes like any writer).
 *
 * Publication (no liburcu pointer macros: they are invisible to TSan)
 *   Every pointer a reader follows is written with
 *   __atomic_store_n(RELEASE) after the object it points to is fully
 *   initialised, and read with __atomic_load_n(ACQUIRE). Fields that only
 *   writers use (prevp, ownerp, refs, retiring) are never read by readers.
 *
 * Snapshots (versions)
 *   st->pub_ver is the stack's publication version. Objects (and hash
 *   entries) carry birth and death versions, both atomic. A new object is
 *   linked with birth = NB_VER_NEVER (invisible to every reader), then a
 *   commit takes st->commit_lock, computes v = pub_ver + 1, stores birth = v
 *   on new objects and death = v on removed ones (relaxed), and
 *   release-stores pub_ver = v. A reader acquire-loads ver = pub_ver at
 *   nb_read_enter and shows an object iff birth <= ver < death. A reader
 *   with ver >= v synchronised with the commit's release, so it sees the
 *   stores; a reader with ver < v sees either the old or the new value, and
 *   both make the same decision. All link/unlink stores of a family happen
 *   under its mutex, and every commit is ordered by commit_lock, so one read
 *   section sees the object graph exactly as it stood at version `ver`.
 *
 * Retirement (who frees what, when)
 *   A removed object stays linked (dead) until a grace period has passed
 *   (phase 1, a deferred callback: every reader that could have ver < death
 *   has left). Phase 1 unlinks it under its family mutex and defers again;
 *   after a second grace period no reader can hold a pointer to it and
 *   phase 2 frees it (interfaces: drops the table reference; the last of
 *   table reference, holds and retiring addresses frees). Superseded
 *   attribute blocks and old hash bucket arrays need only one grace period.
 *   Writers never wait for readers: write paths only queue (nb_defer).
 *   st->pending counts queued callbacks so that nb_stack_barrier can wait
 *   until phase-2 callbacks queued by phase-1 ones have run too (and
 *   return at once when nothing is pending). Destroy frees the live
 *   objects directly (Exclusive: no reader remains); interfaces,
 *   addresses and hash entries that all lie in slabs (a bulk load:
 *   st->if_heap unset, a table's nheap 0) go with the slabs, unvisited.
 *
 * Deferral in batches (rcu.c)
 *   nb_defer pushes the record on the stack's lock-free queue (liburcu's
 *   lfstack) and never waits. The stack's reclaimer thread takes the whole
 *   queue as one batch NB_DEFER_BATCH_MS after the batch's first record
 *   (at once when nb_stack_barrier waits, or when NB_DEFER_HIGH records
 *   are pending), waits for one grace period (urcu_memb_synchronize_rcu)
 *   and runs the batch in queue order. A grace period costs the CPUs that
 *   run readers: with memb, membarrier IPIs, and a reader preempted inside
 *   its section by the grace-period thread delays it, so fewer grace
 *   periods are cheaper for the readers; liburcu's call_rcu thread batches
 *   only 10 ms and cannot be told otherwise.
 *
 * ThreadSanitizer
 *   Debian's liburcu 0.13 is not instrumented, so under NB_TSAN readers
 *   __tsan_release(&st->gp_token) at nb_read_exit and every deferred
 *   callback __tsan_acquire(&st->gp_token) before touching retired memory:
 *   that is the grace period's happens-before. Each deferred record is
 *   __tsan_release()d before it is queued and __tsan_acquire()d before its
 *   callback runs (liburcu's lfstack is invisible to TSan). No liburcu
 *   call allocates memory that another thread frees any more (call_rcu and
 *   rcu_barrier did), so the suite needs no TSan suppression at all.
 *
 * Lock order
 *   if_lock -> addr_lock -> dep_lock -> commit_lock;  reg_lock,
 *   slot_lock and ev_lock (the event log, evlog.c) are leaves. Routes
 *   and neighbours (route.c): routes.lock ->
 *   commit_lock, neighs.lock -> commit_lock, never held together; an
 *   address with its local route (nb_addr_add_route): addr_lock ->
 *   routes.lock -> commit_lock.
 *   Capture descriptors (bpf.c): if_lock -> addr_lock -> dep_lock ->
 *   bpf.lock -> commit_lock (nb_if_delete detaches descriptors holding
 *   all, through the interface-detach notifier: st->ifdetach).
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <urcu/lfstack.h>
#include <urcu/urcu-memb.h>

#include "nbstack/stack.h"

#ifdef NB_TSAN
#include <sanitizer/tsan_interface.h>
#define NB_TSAN_RELEASE(p)	__tsan_release((void *)(p))
#define NB_TSAN_ACQUIRE(p)	__tsan_acquire((void *)(p))
#else
#define NB_TSAN_RELEASE(p)	do { (void)(p); } while (0)
#define NB_TSAN_ACQUIRE(p)	do { (void)(p); } while (0)
#endif

#define NB_VER_NEVER	UINT64_MAX

#define NB_LOAD(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define NB_LOAD_RELAXED(p)	__atomic_load_n((p), __ATOMIC_RELAXED)
#define NB_STORE(p, v)		__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define NB_STORE_RELAXED(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)

/* ---- versions ---- */

struct nb_vis {
	uint64_t	birth;		/* atomic */
	uint64_t	death;		/* atomic */
};

static inline void
nb_vis_init(struct nb_vis *v)
{
	v->birth = NB_VER_NEVER;
	v->death = NB_VER_NEVER;
}

/* Reader: visible at snapshot ver. */
static inline bool
nb_vis_at(const struct nb_vis *v, uint64_t ver)
{
	return NB_LOAD_RELAXED(&v->birth) <= ver && ver < NB_LOAD_RELAXED(&v->death);
}

/* Writer (family mutex held): not removed (committed or about to be). */
static inline bool
nb_vis_live(const struct nb_vis *v)
{
	return NB_LOAD_RELAXED(&v->death) == NB_VER_NEVER;
}

/* ---- deferred work (batches, the reclaimer thread) ---- */

struct nb_rcu {
	struct cds_lfs_node node;
	struct nb_stack	*st;
	void		(*fn)(struct nb_rcu *r);
};

#define NB_DEFER_BATCH_MS	50	/* a batch closes this long after its first record */
#define NB_DEFER_HIGH		4096	/* ... or at once when this many are pending */

struct nb_reclaim {
	struct __cds_lfs_stack q;	/* queued records: push any thread, pop-all reclaimer */
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;		/* reclaimer: queued, flush, high or stop */
	pthread_cond_t	 done;		/* barrier waiters: a batch has run */
	unsigned	 flush;		/* lock: barrier waiters wanting the batch now */
	bool		 stop;		/* lock */
	pthread_t	 thread;
};

/* Run fn(r) after a grace period. Any thread; never waits. */
void	nb_defer(struct nb_stack *st, struct nb_rcu *r, void (*fn)(struct nb_rcu *r));
/* Start the stack's reclaimer thread; stop it (once started, after nb_stack_barrier). */
int	nb_reclaim_start(struct nb_stack *st);
void	nb_reclaim_stop(struct nb_stack *st);
/* Make sure the calling thread is an RCU reader thread (auto-unregisters at exit). */
void	nb_thread_ensure(void);

/* ---- RCU singly-linked list (pslist-like) ---- */

struct nb_lent {
	struct nb_lent	 *next;		/* atomic: readers follow it */
	struct nb_lent	**prevp;	/* writer only */
};

struct nb_list {
	struct nb_lent	 *head;		/* atomic */
	struct nb_lent	**tailp;	/* writer only */
};

static inline void
nb_list_init(struct nb_list *l)
{
	l->head = NULL;
	l->tailp = &l->head;
}

/* Writer: append e (fully initialised container) at the tail. */
static inline void
nb_list_writer_append(struct nb_list *l, struct nb_lent *e)
{
	e->next = NULL;
	e->prevp = l->tailp;
	NB_STORE(l->tailp, e);
	l->tailp = &e->next;
}

/* Writer: unlink e; readers standing on e still reach e->next. */
void	nb_list_writer_unlink(struct nb_list *l, struct nb_lent *e);

static inline struct nb_lent *
nb_list_reader_first(const struct nb_list *l)
{
	return NB_LOAD(&l->head);
}

static inline struct nb_lent *
nb_list_reader_next(const struct nb_lent *e)
{
	return NB_LOAD(&e->next);
}

/* ---- RCU hash table with writer-driven resize ---- */

#define NB_HKEY_MAX	17

struct nb_hent {
	struct nb_hent	 *next;		/* atomic */
	struct nb_hent	**prevp;	/* writer only */
	struct nb_hent	**ownerp;	/* writer only: the owner's pointer to us */
	void		 *obj;		/* immutable */
	struct nb_vis	  vis;
	uint32_t	  hash;
	uint8_t		  key[NB_HKEY_MAX];
	bool		  slab;		/* in its table's slab: nb_hent_free leaves it */
};

/*
 * A slab: objects of one size reserved for a bulk load (nb_stack_reserve),
 * one anonymous mapping for all (zeroed by the kernel, with no pass over
 * it), taken in order and once each under the lock of the list that holds
 * them, freed all at once with their owner
 * (Exclusive: no reader left). An object that goes early leaves its place
 * unused, so the waste is bounded by the reserve; below NB_SLAB_MIN
 * objects the allocator does as well. The object records that it is in a
 * slab (its own `slab` flag) so that its free leaves it.
 */
struct nb_slab {
	struct nb_slab	*next;		/* older slabs */
	size_t		 stride;	/* the object size, a multiple of 64 */
	size_t		 n, used;
	char		*mem;		/* n * stride, mapped: zeroed by the kernel */
};
#define NB_SLAB_MIN	64
void	nb_slab_reserve(struct nb_slab **head, size_t n, size_t size);

/* A zeroed object of `size` bytes, or NULL (none reserved, or too big). */
static inline void *
nb_slab_take(struct nb_slab **head, size_t size)
{
	struct nb_slab *s = *head;
	void *p;

	if (s == NULL || s->used == s->n || size > s->stride)
		return NULL;
	p = s->mem + s->used++ * s->stride;	/* zero: mapped so, never taken before */
	return p;
}

void	nb_slab_free_all(struct nb_slab **head);

/* Entries reserved for a bulk load (a zeroed mapping), freed with their table (nb_htab_fini). */
struct nb_hslab {
	struct nb_hslab	*next;
	size_t		 n, used;
	struct nb_hent	 e[];
};

struct nb_hbuckets {
	struct nb_rcu	 rcu;
	size_t		 mask;
	bool		 mapped;	/* an anonymous mapping (a large array), not malloc */
	struct nb_hent	*b[];		/* atomic heads */
};

struct nb_htab {
	struct nb_hbuckets *cur;	/* atomic */
	size_t		 nent;		/* linked entries (writer) */
	size_t		 nheap;		/* of them, not in a slab (writer): 0 lets
					   nb_htab_fini skip the walk */
	unsigned	 keylen;
	struct nb_stack	*st;
	struct nb_hslab	*slab;		/* writer: the newest slab first */
};

int	nb_htab_init(struct nb_htab *t, struct nb_stack *st, unsigned keylen, size_t size);
/*
 * Exclusive: free the bucket array and every linked entry (visited only if
 * some are not in a slab: nheap).
 */
void	nb_htab_fini(struct nb_htab *t);
uint32_t nb_hash_key(const void *key, unsigned keylen);
/*
 * Writer: a new entry (birth NEVER) for obj under key, owned by *ownerp;
 * from the table's slab while a reserve (nb_htab_writer_reserve) lasts.
 */
struct nb_hent *nb_hent_new(struct nb_htab *t, const void *key, void *obj,
	    struct nb_hent **ownerp);
/* Free an entry that is no longer linked nor read (a slab entry stays). */
void	nb_hent_free(struct nb_hent *e);
void	nb_htab_writer_unlink(struct nb_htab *t, struct nb_hent *e);
#define NB_HTAB_GROWTH	4

/* Writer: grow x4 now (best effort; ENOMEM keeps the old array). */
void	nb_htab_writer_grow(struct nb_htab *t);

/* Writer: grow x4 when load > 1 (nb_htab_writer_grow). */
static inline void
nb_htab_writer_maybe_grow(struct nb_htab *t)
{
	if (t->nent > t->cur->mask + 1)
		nb_htab_writer_grow(t);
}

/*
 * Writer: grow now so that `extra` more entries keep load <= 1, and take
 * their entries in one allocation (a slab) when there are many (best effort).
 */
void	nb_htab_writer_reserve(struct nb_htab *t, size_t extra);
/* Writer: first live entry with key satisfying match (NULL = any). */
struct nb_hent *nb_htab_writer_find(const struct nb_htab *t, const void *key,
	    bool (*match)(const struct nb_hent *e, const void *arg), const void *arg);
/* The same with the key's hash h (nb_hash_key) already at hand. */
struct nb_hent *nb_htab_writer_find_h(const struct nb_htab *t, const void *key, uint32_t h,
	    bool (*match)(const struct nb_hent *e, const void *arg), const void *arg);
/*
 * The writers' hot paths, inline (a bulk load calls each once or twice per
 * object): the hash, the key compare and copy, a lookup without a match
 * function, a new entry, a link.
 */
#define NB_FNV_BASIS	0xcbf29ce484222325ull
#define NB_FNV_PRIME	0x100000001b3ull

/* murmur3 finaliser: FNV alone spreads small integers poorly */
static inline uint32_t
nb_hash_fin(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

#if defined(__GNUC__)
#define NB_FALLTHROUGH	__attribute__((fallthrough))
#else
#define NB_FALLTHROUGH	((void)0)
#endif

/*
 * FNV-1a of p[0..len) from h, the same value as a byte loop. A key (at
 * most NB_HKEY_MAX bytes) runs straight down the switch from its length,
 * one step per byte and no loop control; a longer run loops over its
 * head first.
 */
static inline uint64_t
nb_fnv(uint64_t h, const uint8_t *p, unsigned len)
{
	const uint8_t *q = p + len;

#define NB_FNV_AT(k) \
	case k: h = (h ^ q[-(k)]) * NB_FNV_PRIME; NB_FALLTHROUGH
	switch (len) {
	default:
		for (; q - p > 17; p++)
			h = (h ^ *p) * NB_FNV_PRIME;
		NB_FALLTHROUGH;
	NB_FNV_AT(17);
	NB_FNV_AT(16);
	NB_FNV_AT(15);
	NB_FNV_AT(14);
	NB_FNV_AT(13);
	NB_FNV_AT(12);
	NB_FNV_AT(11);
	NB_FNV_AT(10);
	NB_FNV_AT(9);
	NB_FNV_AT(8);
	NB_FNV_AT(7);
	NB_FNV_AT(6);
	NB_FNV_AT(5);
	NB_FNV_AT(4);
	NB_FNV_AT(3);
	NB_FNV_AT(2);
	NB_FNV_AT(1);
	case 0:
		break;
	}
#undef NB_FNV_AT
	return h;
}

/* FNV-1a of k zero bytes multiplies by the prime's k-th power: nb_fnv_zeros[k] (rcu.c). */
extern const uint64_t nb_fnv_zeros[NB_HKEY_MAX + 1];

/*
 * nb_hash_key of a key whose bytes from `used` to keylen are zero (a
 * padded name), without reading them: the same value, fewer steps.
 */
static inline uint32_t
nb_hash_key_zpad(const void *key, unsigned used, unsigned keylen)
{
	return nb_hash_fin(nb_fnv(NB_FNV_BASIS, key, used) * nb_fnv_zeros[keylen - used]);
}

/* nb_hash_key of a 4-byte key (an index) in a straight line: the same value. */
static inline uint32_t
nb_hash_key4(const void *key)
{
	return nb_hash_fin(nb_fnv(NB_FNV_BASIS, key, sizeof(uint32_t)));
}

/*
 * An entry's key is `key`, and copying one: the tables' key lengths (4:
 * index, 16: name, 17: family + address) without a call.
 */
static inline bool
nb_hkey_eq(const struct nb_htab *t, const uint8_t *ekey, const void *key)
{
	const uint8_t *k = key;
	uint64_t a[2], b[2];
	uint32_t x, y;

	switch (t->keylen) {
	case sizeof(uint32_t):
		memcpy(&x, ekey, sizeof(x));
		memcpy(&y, key, sizeof(y));
		return x == y;
	case sizeof(a):
	case sizeof(a) + 1:
		memcpy(a, ekey, sizeof(a));
		memcpy(b, key, sizeof(b));
		return ((a[0] ^ b[0]) | (a[1] ^ b[1])) == 0 &&
		    (t->keylen == sizeof(a) || ekey[sizeof(a)] == k[sizeof(a)]);
	default:
		return memcmp(ekey, key, t->keylen) == 0;
	}
}

static inline void
nb_hkey_copy(const struct nb_htab *t, uint8_t *ekey, const void *key)
{
	switch (t->keylen) {
	case sizeof(uint32_t):
		memcpy(ekey, key, sizeof(uint32_t));
		break;
	case 2 * sizeof(uint64_t):
		memcpy(ekey, key, 2 * sizeof(uint64_t));
		break;
	case 2 * sizeof(uint64_t) + 1:
		memcpy(ekey, key, 2 * sizeof(uint64_t) + 1);
		break;
	default:
		memcpy(ekey, key, t->keylen);
		break;
	}
}

/* Writer: nb_htab_writer_find_h(t, key, h, NULL, NULL). */
static inline struct nb_hent *
nb_htab_writer_get_h(const struct nb_htab *t, const void *key, uint32_t h)
{
	struct nb_hbuckets *hb = t->cur;
	struct nb_hent *e;

	for (e = hb->b[h & hb->mask]; e != NULL; e = e->next)
		if (e->hash == h && nb_hkey_eq(t, e->key, key) && nb_vis_live(&e->vis))
			return e;
	return NULL;
}

/* The same as nb_hent_new with the key's hash h (nb_hash_key) already at hand. */
static inline struct nb_hent *
nb_hent_new_h(struct nb_htab *t, const void *key, uint32_t h, void *obj,
    struct nb_hent **ownerp)
{
	struct nb_hslab *s = t->slab;
	struct nb_hent *e;

	if (s != NULL && s->used < s->n) {
		e = &s->e[s->used++];		/* zero: mapped so, never taken before */
		e->slab = true;
	} else if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	nb_hkey_copy(t, e->key, key);
	e->hash = h;
	e->obj = obj;
	e->ownerp = ownerp;
	nb_vis_init(&e->vis);
	*ownerp = e;
	return e;
}

static inline void
nb_chain_append(struct nb_hent **headp, struct nb_hent *e)
{
	struct nb_hent **pp = headp, *x;

	while ((x = NB_LOAD_RELAXED(pp)) != NULL)
		pp = &x->next;
	e->next = NULL;
	e->prevp = pp;
	NB_STORE(pp, e);
}

/* Writer: link at the chain tail (so the first match is the oldest). */
static inline void
nb_htab_writer_insert(struct nb_htab *t, struct nb_hent *e)
{
	struct nb_hbuckets *hb = t->cur;

	nb_chain_append(&hb->b[e->hash & hb->mask], e);
	t->nent++;
	if (!e->slab)
		t->nheap++;
}


/* Reader: first entry with key visible at ver. */
struct nb_hent *nb_htab_reader_find(const struct nb_htab *t, uint64_t ver, const void *key);
/* Reader: statistics of entries visible at ver. */
void	nb_htab_reader_stat(const struct nb_htab *t, uint64_t ver, struct nb_hashstat *hs);

/* ---- counters ---- */

struct nb_ctrgroup {
	unsigned	 nctrs;
	unsigned	 nslots;
	size_t		 stride;	/* uint64_t per slot, a multiple of 8 */
	uint64_t	*base;		/* aligned_alloc(64) */
	unsigned	 nused;		/* atomic, only raised, >= 1: slots
					   [nused, nslots) were never handed
					   out (all zero); see ctr.c */
};

/* nb_ctrgroup_mark's first time for a slot: raise g->nused past it (ctr.c). */
void	nb_ctrgroup_raise(struct nb_ctrgroup *g, unsigned slot);

/*
 * Slot `slot` is about to be handed out for writing: g->nused is raised
 * past it (once per slot and group) before any store through its base.
 */
static inline void
nb_ctrgroup_mark(struct nb_ctrgroup *g, unsigned slot)
{
	if (__builtin_expect(slot >= NB_LOAD_RELAXED(&g->nused), 0))
		nb_ctrgroup_raise(g, slot);
}

/* nb_ctrgroup_slot of a slot known to be < g->nslots, inline. */
static inline uint64_t *
nb_ctrgroup_slot_at(struct nb_ctrgroup *g, unsigned slot)
{
	nb_ctrgroup_mark(g, slot);
	return g->base + (size_t)slot * g->stride;
}

/* Bytes of counter memory for a group (a multiple of NB_CACHELINE). */
static inline size_t
nb_ctrgroup_bytes(unsigned nctrs, unsigned nslots)
{
	size_t stride = ((size_t)nctrs * sizeof(uint64_t) + NB_CACHELINE - 1) &
	    ~(size_t)(NB_CACHELINE - 1);

	return stride * nslots;
}

/* A group in caller memory: base is NB_CACHELINE-aligned, zeroed, nb_ctrgroup_bytes() long. */
static inline void
nb_ctrgroup_init_at(struct nb_ctrgroup *g, unsigned nctrs, unsigned nslots, uint64_t *base)
{
	g->nctrs = nctrs;
	g->nslots = nslots;
	g->stride = nb_ctrgroup_bytes(nctrs, 1) / sizeof(uint64_t);
	g->base = base;
	g->nused = 1;		/* slot 0 (NB_SLOT_SOURCE) is always summed */
}

/*
 * nb_ctrgroup_sum_all, inline, for a caller whose nctrs is a constant
 * (the loops unroll): the slots [0, nused) only (ctr.c says why that is
 * a valid read).
 */
static inline __attribute__((always_inline)) void
nb_ctrgroup_sum_used(const struct nb_ctrgroup *g, unsigned nctrs, uint64_t *out)
{
	const uint64_t *p = g->base;
	unsigned n = NB_LOAD_RELAXED(&g->nused), s, i;	/* >= 1 */

#pragma GCC unroll 16
	for (i = 0; i < nctrs; i++)
		out[i] = NB_LOAD_RELAXED(&p[i]);
	for (s = 1; s < n; s++) {
		p += g->stride;
#pragma GCC unroll 16
		for (i = 0; i < nctrs; i++)
			out[i] += NB_LOAD_RELAXED(&p[i]);
	}
}

/* ---- registries ---- */

struct nb_hashreg {
	struct nb_lent	 le;
	char		*name;
	char		*descr;
	nb_hashstat_fn	 fn;
	void		*arg;
};

struct nb_statgroup {
	struct nb_lent	 le;
	char		*mib;
	char		*descr;
	struct nb_ctr_desc *descs;	/* names/descrs copied */
	unsigned	 n;
	struct nb_ctrgroup *ctrs;
	unsigned	 flags;		/* NB_SG_* */
};

/* ---- keyed object families (route.c: routes, neighbours) ---- */

struct nb_ofam {
	pthread_mutex_t	 lock;		/* the family's writer mutex */
	struct nb_list	 list;		/* struct nb_obj, insertion order */
	struct nb_htab	 hash;		/* key: family + 16 address bytes */
	const struct nb_ofam_ops *ops;
	bool		 hs_registered;	/* lock: its hashstat entry exists */
	uint64_t	 plens[2][3];	/* atomic, OR only: prefix lengths seen
					   ([0] inet, [1] inet6; bit = dst_len) */
};

/* ---- capture descriptors (bpf.c) ---- */

struct nb_bpffam {
	pthread_mutex_t	 lock;		/* writers; also every ifp->bpfs list */
	struct nb_list	 list;		/* struct nb_bpf, creation order */
	struct nb_htab	 hash;		/* by id */
	bool		 hs_registered;	/* lock: "bpf_d" is in the registry */
};

/* ---- interface detach notifier (iface.c calls it; bpf.c registers) ---- */

/*
 * What a family attached to interfaces does when one is deleted
 * (bpfdetach), called by nb_if_delete holding if_lock, addr_lock and
 * dep_lock, so that the detach is part of the interface's own commit:
 * prep takes the family's lock (after dep_lock, before commit_lock) and
 * allocates (on failure it releases the lock and nothing changed); mark
 * sets death v on what dies with ifp, inside the commit; finish (after the
 * commit) publishes the results, defers the retirements and releases the
 * lock. One subscriber (a second would need prep to be undone).
 */
struct nb_ifdetach_ops {
	int	(*prep)(struct nb_stack *st, struct nb_iface *ifp);
	void	(*mark)(struct nb_iface *ifp, uint64_t v);
	void	(*finish)(struct nb_stack *st, struct nb_iface *ifp);
};

/* ---- the stack ---- */

struct nb_stack {
	unsigned	 nslots;
	uint64_t	 pub_ver;	/* atomic */
	uint64_t	 pending;	/* atomic: deferred callbacks queued */
	uint32_t	 ifstat_mask;	/* atomic */
	char		 gp_token;	/* TSan: grace-period synchronisation */
	struct nb_reclaim rc;		/* deferred callbacks (rcu.c) */

	pthread_mutex_t	 commit_lock;
	pthread_mutex_t	 if_lock;
	pthread_mutex_t	 addr_lock;
	pthread_mutex_t	 dep_lock;
	pthread_mutex_t	 reg_lock;
	pthread_mutex_t	 slot_lock;

	bool		*slot_used;	/* [nslots], slot_lock */

	/* interfaces (if_lock) */
	uint64_t	 gen_next;
	struct nb_slab	*ifslab;	/* reserved interfaces (nb_stack_reserve) */
	/*
	 * Atomic, set once and never cleared: some interface or address owns
	 * memory of its own (an object outside the slabs, a replaced
	 * attribute block, a multicast list). Until then nb_iface_fini frees
	 * the slabs whole without visiting the objects (nb_heap_note).
	 */
	bool		 if_heap;
	struct nb_list	 ifaces;
	struct nb_htab	 if_byindex;
	struct nb_htab	 if_byname;

	/* addresses (addr_lock) */
	struct nb_htab	 addr_hash;
	struct nb_slab	*addrslab;	/* reserved addresses (nb_stack_reserve) */

	/* departed (dep_lock) */
	struct nb_list	 departed;
	uint64_t	 dep_seq;
	/* the event log (evlog.c, ev_lock, a leaf; ev_on read without it) */
	pthread_mutex_t	 ev_lock;
	bool		 ev_on;
	struct nb_event	*ev_ring;
	size_t		 ev_cap, ev_head, ev_n;
	uint64_t	 ev_seq, ev_lost;

	/* registries (reg_lock): append-only until destroy */
	struct nb_list	 hashregs;
	struct nb_list	 statgroups;
	struct nb_statgroup *health;
	struct nb_list	 infos;		/* info.c: struct nb_infoent */

	/* process files (proc.c): the snapshot (atomic) and the pid filter */
	struct nb_procsnap *procs;
	struct nb_mountsnap *mounts;	/* mount.c: atomic, like procs */
	struct nb_intrsnap *intrs; /* intr.c: atomic, like procs */
	struct nb_pcbsnap *pcbs;
	unsigned pcb_kinds, pcb_keep; /* atomic: nb_pcbs_set_scope */
	int32_t		 proc_scope;	/* atomic */

	/* routes and neighbours (route.c), each under its own lock */
	struct nb_ofam	 routes;
	struct nb_ofam	 neighs;

	/* capture descriptors (bpf.c) */
	struct nb_bpffam bpf;
	/* set once at create (nb_bpf_init), before any writer: NULL = none */
	const struct nb_ifdetach_ops *ifdetach;
};

/* An interface or address now owns memory of its own (st->if_heap). */
static inline void
nb_heap_note(struct nb_stack *st)
{
	if (!NB_LOAD_RELAXED(&st->if_heap))
		NB_STORE_RELAXED(&st->if_heap, true);
}


/* Commit: bump the version; callers hold their family mutexes. */
uint64_t nb_commit_begin(struct nb_stack *st);
void	nb_commit_end(struct nb_stack *st, uint64_t v);

/*
 * Add n to health counter `which` from any thread (an atomic add into slot
 * 0): the reclamation counters (objects_freed, grace_periods).
 */
void	nb_health_atomic(struct nb_stack *st, unsigned which, uint64_t n);

/* info.c: free the kernel-information registry (Exclusive, at destroy). */
void	nb_info_fini(struct nb_stack *st);

/* proc.c: free the process-files snapshot (Exclusive, at destroy). */
void	nb_procs_fini(struct nb_stack *st);
/* mount.c: free the mount-table snapshot (Exclusive, at destroy). */
void	nb_mounts_fini(struct nb_stack *st);
/* intr.c: free the interrupt snapshot (Exclusive, at destroy). */
void nb_intrs_fini(struct nb_stack *st);
void nb_pcbs_fini(struct nb_stack *st);

/* iface.c */
int	nb_iface_init(struct nb_stack *st);
void	nb_iface_fini(struct nb_stack *st);

/* route.c: routes and neighbours (their hashes register with the first object) */
/* evlog.c: log one change (a no-op while the log is off); ifname NULL:
 * the interface's name looked up by ifindex (a read section). */
void	nb_ev_post(struct nb_stack *st, unsigned kind, uint32_t ifindex, const char *ifname,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
bool	nb_ev_on(const struct nb_stack *st);
/* evlog.c: "10.0.0.1" / "fe80::1" into buf (at least 46 bytes). */
const char *nb_ev_addr(int family, const void *addr, char *buf, size_t size);
void	nb_ev_fini(struct nb_stack *st);

int	nb_route_init(struct nb_stack *st);
void	nb_route_fini(struct nb_stack *st);
/*
 * An address and its local route in one commit (nb_addr_add_route): the
 * caller holds st->routes.lock (lock order addr_lock -> routes.lock ->
 * commit_lock). prepare allocates and links a route with birth NEVER
 * (-EEXIST if its identity is live; it cannot fail once linked);
 * stamp_birth/stamp_death run inside the commit; published_locked and
 * retire_locked after it.
 */
int	nb_route_prepare_locked(struct nb_stack *st, const struct nb_routeattrs *a,
	    struct nb_route **out);
void	nb_route_stamp_birth(struct nb_route *r, uint64_t v);
void	nb_route_published_locked(struct nb_stack *st);
struct nb_route *nb_route_find_locked(struct nb_stack *st, const struct nb_routeattrs *a);
void	nb_route_stamp_death(struct nb_route *r, uint64_t v);
void	nb_route_retire_locked(struct nb_stack *st, struct nb_route *r);

/* iface.c, for bpf.c: writer lookup (if_lock held) and the per-interface list. */
struct nb_iface *nb_if_writer_get(struct nb_stack *st, uint32_t index);
struct nb_list *nb_iface_bpflist(const struct nb_iface *ifp);

/* bpf.c (registers the interface-detach notifier: st->ifdetach) */
int	nb_bpf_init(struct nb_stack *st);
void	nb_bpf_fini(struct nb_stack *st);

#endif
