/* SPDX-License-Identifier: BSD-2-Clause */
/* rcu.c - RCU plumbing: thread registration, deferral, RCU list and hash table. */

/*
 * Theory of operation
 *
 * Threads. liburcu memb needs every reader registered. nb_thread_ensure()
 * registers a thread on first use and sets a pthread key whose destructor
 * unregisters it at thread exit, so writers and sources may run on any
 * thread. A thread-local flag makes
 * registration idempotent.
 *
 * Deferral. nb_defer() counts the callback in st->pending, releases the
 * record for TSan and pushes it on st->rc.q (liburcu's lfstack: push from
 * any thread, wait-free for our purpose, reports whether the queue was
 * empty). The pusher of a batch's first record, and of the NB_DEFER_HIGH-th
 * pending one, wakes the reclaimer under rc.lock (so the wake-up cannot be
 * lost: the reclaimer tests the queue under that lock before it sleeps).
 * The reclaimer is the only popper. It sleeps until the queue is not
 * empty, then until the batch is NB_DEFER_BATCH_MS old or someone asks for
 * it (nb_stack_barrier's flush, pending at NB_DEFER_HIGH, stop); it pops
 * the whole queue, waits one grace period (urcu_memb_synchronize_rcu),
 * acquires the grace-period token, and runs the batch in the order it was
 * queued. Each callback may free its record or defer it again (into the
 * next batch); after it, pending is decremented with release order (the
 * callback's last access to st). Then a broadcast of rc.done under
 * rc.lock: nb_stack_barrier, testing pending under that lock, waits on it
 * until pending is 0 (the last decrement of a batch precedes its
 * broadcast, so a barrier cannot miss the one that empties pending).
 * The reclaimer is registered as a reader thread (callbacks may read); it
 * is never inside a read section when it calls synchronize_rcu.
 * nb_reclaim_stop() (nb_stack_destroy, after its barrier: nothing is left
 * to run) sets stop and joins it.
 *
 * List (after NetBSD pslist). Writers, serialised by the owner's family
 * mutex, append at the tail and unlink in O(1) through prevp. The new
 * entry's next is set before the release store that links it; an unlinked
 * entry keeps its next so that a reader standing on it continues to the
 * rest of the list. The entry is freed by its owner after a grace period.
 *
 * Hash. Power-of-two bucket arrays (the large ones anonymous mappings,
 * zeroed by the kernel); chains are nb_list-like with entries
 * separate from the objects (an object owns one entry per table and
 * *ownerp points at it). When the number of linked entries exceeds the
 * bucket count the writer builds a doubled array with fresh copies of all
 * linked entries (same versions, same chain order), repoints the owners,
 * release-stores the new array, and retires the old array and its entries
 * after a grace period. Growth is by NB_HTAB_GROWTH (x4), or straight to
 * the size a writer announces with nb_htab_writer_reserve() (a bulk load:
 * nb_stack_reserve), so that filling a table copies few entries. A reader that loaded the old array walks a complete
 * and unchanging copy: everything linked before its snapshot version was
 * published is in it (the array it loads is at least as new as the one
 * current when its version was published), and anything linked later is
 * invisible to it anyway. Entries carry their own birth/death versions so
 * that a rename moves an interface between name chains in one commit.
 * The same reserve gives a bulk load its entries in one allocation (a
 * slab, taken by nb_hent_new under the writer's lock): an entry freed with
 * nb_hent_free stays in its slab, which goes with the table (nb_htab_fini,
 * Exclusive), so no reader can hold one; a resize copies entries out. The
 * writer counts the linked entries outside a slab (nheap): when there are
 * none, nb_htab_fini frees the array without walking its chains.
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "stack-internal.h"

static pthread_once_t	nb_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t	nb_key;
static _Thread_local bool nb_registered;

static void
nb_thread_exit(void *arg)
{
	(void)arg;
	if (nb_registered) {
		urcu_memb_unregister_thread();
		nb_registered = false;
	}
}

static void
nb_key_create(void)
{
	if (pthread_key_create(&nb_key, nb_thread_exit) != 0)
		abort();	/* no TSD keys left: cannot track registration */
}

void
nb_thread_ensure(void)
{
	if (nb_registered)
		return;
	pthread_once(&nb_key_once, nb_key_create);
	urcu_memb_register_thread();
	nb_registered = true;
	pthread_setspecific(nb_key, &nb_registered);
}

void
nb_thread_register(void)
{
	nb_thread_ensure();
}

void
nb_thread_unregister(void)
{
	if (!nb_registered)
		return;
	urcu_memb_unregister_thread();
	nb_registered = false;
	pthread_setspecific(nb_key, NULL);
}

/* Wake the reclaimer (any thread, never inside rc.lock). */
static void
nb_reclaim_wake(struct nb_reclaim *rc)
{
	pthread_mutex_lock(&rc->lock);
	pthread_cond_signal(&rc->wake);
	pthread_mutex_unlock(&rc->lock);
}

void
nb_defer(struct nb_stack *st, struct nb_rcu *r, void (*fn)(struct nb_rcu *r))
{
	uint64_t n;

	r->st = st;
	r->fn = fn;
	n = __atomic_add_fetch(&st->pending, 1, __ATOMIC_RELAXED);
	NB_TSAN_RELEASE(r);
	cds_lfs_node_init(&r->node);
	if (!cds_lfs_push(&st->rc.q, &r->node) || n == NB_DEFER_HIGH)
		nb_reclaim_wake(&st->rc);
}

/* nb_stack_defer's record: the caller's function and argument. */
struct nb_userdefer {
	struct nb_rcu	 rcu;
	void		(*fn)(void *arg);
	void		*arg;
};

static void
nb_userdefer_run(struct nb_rcu *r)
{
	struct nb_userdefer *d = caa_container_of(r, struct nb_userdefer, rcu);

	d->fn(d->arg);
	free(d);
}

int
nb_stack_defer(struct nb_stack *st, void (*fn)(void *arg), void *arg)
{
	struct nb_userdefer *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return -ENOMEM;
	d->fn = fn;
	d->arg = arg;
	nb_defer(st, &d->rcu, nb_userdefer_run);
	return 0;
}

/* rc.lock held: should the open batch be taken now? */
static bool
nb_reclaim_due(struct nb_stack *st)
{
	return st->rc.stop || st->rc.flush > 0 ||
	    __atomic_load_n(&st->pending, __ATOMIC_RELAXED) >= NB_DEFER_HIGH;
}

/* Run one batch (popped from the queue, newest first) after a grace period. */
static void
nb_reclaim_run(struct nb_stack *st, struct cds_lfs_node *n)
{
	struct cds_lfs_node *fifo = NULL, *next;

	for (; n != NULL; n = next) {	/* reverse: queue order */
		NB_TSAN_ACQUIRE(caa_container_of(n, struct nb_rcu, node));
		next = n->next;
		n->next = fifo;
		fifo = n;
	}
	urcu_memb_synchronize_rcu();
	NB_TSAN_ACQUIRE(&st->gp_token);
	nb_health_atomic(st, NB_HEALTH_GRACE_PERIODS, 1);
	for (n = fifo; n != NULL; n = next) {
		struct nb_rcu *r = caa_container_of(n, struct nb_rcu, node);

		next = n->next;		/* before fn: it may free r */
		r->fn(r);
		__atomic_sub_fetch(&st->pending, 1, __ATOMIC_RELEASE);
	}
}

static void *
nb_reclaim_main(void *arg)
{
	struct nb_stack *st = arg;
	struct nb_reclaim *rc = &st->rc;
	struct cds_lfs_head *head;
	struct timespec due;

	nb_thread_ensure();
	pthread_mutex_lock(&rc->lock);
	for (;;) {
		while (!rc->stop && cds_lfs_empty(&rc->q))
			pthread_cond_wait(&rc->wake, &rc->lock);
		if (cds_lfs_empty(&rc->q))
			break;			/* stop, nothing queued */
		clock_gettime(CLOCK_MONOTONIC, &due);
		due.tv_nsec += NB_DEFER_BATCH_MS * 1000000L;
		due.tv_sec += due.tv_nsec / 1000000000L;
		due.tv_nsec %= 1000000000L;
		while (!nb_reclaim_due(st) &&
		    pthread_cond_timedwait(&rc->wake, &rc->lock, &due) == 0)
			;
		pthread_mutex_unlock(&rc->lock);
		head = __cds_lfs_pop_all(&rc->q);
		nb_reclaim_run(st, head != NULL ? &head->node : NULL);
		pthread_mutex_lock(&rc->lock);
		pthread_cond_broadcast(&rc->done);
	}
	pthread_mutex_unlock(&rc->lock);
	nb_thread_unregister();
	return NULL;
}

int
nb_reclaim_start(struct nb_stack *st)
{
	struct nb_reclaim *rc = &st->rc;
	pthread_condattr_t ca;
	int error;

	__cds_lfs_init(&rc->q);
	pthread_mutex_init(&rc->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&rc->wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&rc->done, NULL);
	if ((error = pthread_create(&rc->thread, NULL, nb_reclaim_main, st)) != 0) {
		pthread_cond_destroy(&rc->done);
		pthread_cond_destroy(&rc->wake);
		pthread_mutex_destroy(&rc->lock);
		return -error;
	}
	return 0;
}

void
nb_reclaim_stop(struct nb_stack *st)
{
	struct nb_reclaim *rc = &st->rc;

	pthread_mutex_lock(&rc->lock);
	rc->stop = true;
	pthread_cond_signal(&rc->wake);
	pthread_mutex_unlock(&rc->lock);
	pthread_join(rc->thread, NULL);
	pthread_cond_destroy(&rc->done);
	pthread_cond_destroy(&rc->wake);
	pthread_mutex_destroy(&rc->lock);
}

/* ---- list ---- */

void
nb_list_writer_unlink(struct nb_list *l, struct nb_lent *e)
{
	struct nb_lent *next = NB_LOAD_RELAXED(&e->next);

	NB_STORE(e->prevp, next);
	if (next != NULL)
		next->prevp = e->prevp;
	else
		l->tailp = e->prevp;
	e->prevp = NULL;
}

/* ---- hash ---- */

uint32_t
nb_hash_key(const void *key, unsigned keylen)
{
	/* An index (the most hashed key) in a straight line: the same value. */
	if (keylen == sizeof(uint32_t))
		return nb_hash_fin(nb_fnv(NB_FNV_BASIS, key, sizeof(uint32_t)));
	return nb_hash_fin(nb_fnv(NB_FNV_BASIS, key, keylen));
}

/*
 * FNV-1a of a zero byte is one multiplication by the prime, so k zero
 * bytes multiply by its k-th power (unsigned constant expressions wrap
 * modulo 2^64 exactly as the loop does).
 */
#define NB_P1	NB_FNV_PRIME
#define NB_P2	(NB_P1 * NB_P1)
#define NB_P3	(NB_P2 * NB_P1)
#define NB_P4	(NB_P2 * NB_P2)
#define NB_P5	(NB_P4 * NB_P1)
#define NB_P6	(NB_P4 * NB_P2)
#define NB_P7	(NB_P4 * NB_P3)
#define NB_P8	(NB_P4 * NB_P4)
#define NB_P9	(NB_P8 * NB_P1)
#define NB_P10	(NB_P8 * NB_P2)
#define NB_P11	(NB_P8 * NB_P3)
#define NB_P12	(NB_P8 * NB_P4)
#define NB_P13	(NB_P8 * NB_P5)
#define NB_P14	(NB_P8 * NB_P6)
#define NB_P15	(NB_P8 * NB_P7)
#define NB_P16	(NB_P8 * NB_P8)
#define NB_P17	(NB_P16 * NB_P1)
const uint64_t nb_fnv_zeros[NB_HKEY_MAX + 1] = {
	1, NB_P1, NB_P2, NB_P3, NB_P4, NB_P5, NB_P6, NB_P7, NB_P8,
	NB_P9, NB_P10, NB_P11, NB_P12, NB_P13, NB_P14, NB_P15, NB_P16, NB_P17
};

/* Bucket arrays this large are mapped: zeroed by the kernel, not by calloc's pass. */
#define NB_HBUCKETS_MAP	(64 << 10)
#define NB_HBUCKETS_LEN(size)	(sizeof(struct nb_hbuckets) + (size) * sizeof(struct nb_hent *))

static struct nb_hbuckets *
nb_hbuckets_alloc(size_t size)
{
	struct nb_hbuckets *hb;
	void *p;

	if (NB_HBUCKETS_LEN(size) >= NB_HBUCKETS_MAP) {
		p = mmap(NULL, NB_HBUCKETS_LEN(size), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		hb = p;
		hb->mapped = true;
	} else if ((hb = calloc(1, NB_HBUCKETS_LEN(size))) == NULL)
		return NULL;
	hb->mask = size - 1;
	return hb;
}

/* The array alone (its entries are the caller's). */
static void
nb_hbuckets_release(struct nb_hbuckets *hb)
{
	if (hb != NULL && hb->mapped)
		munmap(hb, NB_HBUCKETS_LEN(hb->mask + 1));
	else
		free(hb);
}

int
nb_htab_init(struct nb_htab *t, struct nb_stack *st, unsigned keylen, size_t size)
{
	if (keylen == 0 || keylen > NB_HKEY_MAX || size == 0 || (size & (size - 1)) != 0)
		return -EINVAL;
	if ((t->cur = nb_hbuckets_alloc(size)) == NULL)
		return -ENOMEM;
	t->nent = 0;
	t->nheap = 0;
	t->keylen = keylen;
	t->st = st;
	t->slab = NULL;
	return 0;
}

static void
nb_hbuckets_free(struct nb_hbuckets *hb)
{
	struct nb_hent *e, *next;
	size_t i;

	for (i = 0; i <= hb->mask; i++)
		for (e = hb->b[i]; e != NULL; e = next) {
			next = e->next;
			nb_hent_free(e);
		}
	nb_hbuckets_release(hb);
}

/* The mapping of a hash-entry slab of n entries (nb_hslab_reserve). */
#define NB_HSLAB_LEN(n)	(sizeof(struct nb_hslab) + (n) * sizeof(struct nb_hent))

void
nb_htab_fini(struct nb_htab *t)
{
	struct nb_hslab *s, *next;

	if (t->cur != NULL && t->nheap != 0)
		nb_hbuckets_free(t->cur);
	else
		nb_hbuckets_release(t->cur);	/* every linked entry is in a slab */
	t->cur = NULL;
	t->nent = 0;
	t->nheap = 0;
	for (s = t->slab; s != NULL; s = next) {
		next = s->next;
		munmap(s, NB_HSLAB_LEN(s->n));
	}
	t->slab = NULL;
}

/* Zeroed memory for a slab (an anonymous mapping: no pass over it), or NULL. */
static void *
nb_slab_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p != MAP_FAILED ? p : NULL;
}

void
nb_slab_reserve(struct nb_slab **head, size_t n, size_t size)
{
	size_t stride = (size + 63) & ~(size_t)63;
	struct nb_slab *s = *head;

	if (n < NB_SLAB_MIN || n > ((size_t)1 << 24) ||
	    (s != NULL && s->stride >= stride && s->n - s->used >= n))
		return;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return;
	if ((s->mem = nb_slab_map(n * stride)) == NULL) {
		free(s);
		return;
	}
	s->stride = stride;
	s->n = n;
	s->next = *head;
	*head = s;
}

void
nb_slab_free_all(struct nb_slab **head)
{
	struct nb_slab *s, *next;

	for (s = *head; s != NULL; s = next) {
		next = s->next;
		munmap(s->mem, s->n * s->stride);
		free(s);
	}
	*head = NULL;
}

void
nb_hent_free(struct nb_hent *e)
{
	if (e != NULL && !e->slab)
		free(e);
}

/*
 * A slab for a bulk load of `extra` entries: one zeroed mapping instead of
 * an allocation each, and none to free one by one at the end. An entry that dies early
 * stays in its slab until the table goes (the waste is bounded by the
 * reserve); below NB_HSLAB_MIN entries the allocator does as well.
 */
#define NB_HSLAB_MIN	64

static void
nb_hslab_reserve(struct nb_htab *t, size_t extra)
{
	struct nb_hslab *s = t->slab;

	if (extra < NB_HSLAB_MIN || extra > ((size_t)1 << 24) ||
	    (s != NULL && s->n - s->used >= extra))
		return;
	if ((s = nb_slab_map(NB_HSLAB_LEN(extra))) == NULL)
		return;
	s->n = extra;
	s->next = t->slab;
	t->slab = s;
}

struct nb_hent *
nb_hent_new(struct nb_htab *t, const void *key, void *obj, struct nb_hent **ownerp)
{
	return nb_hent_new_h(t, key, nb_hash_key(key, t->keylen), obj, ownerp);
}

void
nb_htab_writer_unlink(struct nb_htab *t, struct nb_hent *e)
{
	struct nb_hent *next = NB_LOAD_RELAXED(&e->next);

	NB_STORE(e->prevp, next);
	if (next != NULL)
		next->prevp = e->prevp;
	e->prevp = NULL;
	t->nent--;
	if (!e->slab)
		t->nheap--;
}

static void
nb_hbuckets_retire_cb(struct nb_rcu *r)
{
	nb_hbuckets_free(caa_container_of(r, struct nb_hbuckets, rcu));
}

/* Writer: rebuild into a new array of `size` (a power of two) buckets. */
static void
nb_htab_writer_resize(struct nb_htab *t, size_t size)
{
	struct nb_hbuckets *old = t->cur, *nhb;
	struct nb_hent *e, *ne, **tail;
	size_t i, j, k;

	if ((nhb = nb_hbuckets_alloc(size)) == NULL)
		return;
	/*
	 * Sizes are powers of two and only grow, so every new chain draws from
	 * exactly one old chain (new bucket j comes from old bucket j & oldmask):
	 * walking old chains in order and appending keeps insertion order.
	 */
	for (i = 0; i <= old->mask; i++) {
		for (e = old->b[i]; e != NULL; e = e->next) {
			if ((ne = malloc(sizeof(*ne))) == NULL)
				goto fail;
			*ne = *e;
			ne->slab = false;
			ne->vis.birth = NB_LOAD_RELAXED(&e->vis.birth);
			ne->vis.death = NB_LOAD_RELAXED(&e->vis.death);
			j = ne->hash & nhb->mask;
			for (tail = &nhb->b[j]; *tail != NULL; tail = &(*tail)->next)
				;
			ne->next = NULL;
			ne->prevp = tail;
			*tail = ne;
		}
	}
	/* Point of no return: repoint owners to the copies (if any), then publish. */
	for (k = 0; t->nent != 0 && k <= nhb->mask; k++)
		for (ne = nhb->b[k]; ne != NULL; ne = ne->next)
			*ne->ownerp = ne;
	t->nheap = t->nent;		/* the copies */
	NB_STORE(&t->cur, nhb);
	nb_defer(t->st, &old->rcu, nb_hbuckets_retire_cb);
	return;
fail:
	/* Free the partial copy; the old array stays current and untouched. */
	nb_hbuckets_free(nhb);
}

void
nb_htab_writer_grow(struct nb_htab *t)
{
	/* x4: a table filled one entry at a time copies each entry ~1/3 times. */
	nb_htab_writer_resize(t, (t->cur->mask + 1) * NB_HTAB_GROWTH);
}

void
nb_htab_writer_reserve(struct nb_htab *t, size_t extra)
{
	size_t want = t->nent + extra, size = t->cur->mask + 1;

	nb_hslab_reserve(t, extra);
	if (extra == 0 || want <= size || want > ((size_t)1 << 30))
		return;
	while (size < want)
		size *= 2;
	nb_htab_writer_resize(t, size);
}

struct nb_hent *
nb_htab_writer_find(const struct nb_htab *t, const void *key,
    bool (*match)(const struct nb_hent *e, const void *arg), const void *arg)
{
	return nb_htab_writer_find_h(t, key, nb_hash_key(key, t->keylen), match, arg);
}

struct nb_hent *
nb_htab_writer_find_h(const struct nb_htab *t, const void *key, uint32_t h,
    bool (*match)(const struct nb_hent *e, const void *arg), const void *arg)
{
	struct nb_hbuckets *hb = t->cur;
	struct nb_hent *e;

	if (match == NULL)
		return nb_htab_writer_get_h(t, key, h);
	for (e = hb->b[h & hb->mask]; e != NULL; e = e->next)
		if (e->hash == h && nb_hkey_eq(t, e->key, key) &&
		    nb_vis_live(&e->vis) && match(e, arg))
			return e;
	return NULL;
}

struct nb_hent *
nb_htab_reader_find(const struct nb_htab *t, uint64_t ver, const void *key)
{
	struct nb_hbuckets *hb = NB_LOAD(&t->cur);
	uint32_t h = nb_hash_key(key, t->keylen);
	struct nb_hent *e;

	for (e = NB_LOAD(&hb->b[h & hb->mask]); e != NULL; e = NB_LOAD(&e->next))
		if (e->hash == h && nb_hkey_eq(t, e->key, key) &&
		    nb_vis_at(&e->vis, ver))
			return e;
	return NULL;
}

void
nb_htab_reader_stat(const struct nb_htab *t, uint64_t ver, struct nb_hashstat *hs)
{
	struct nb_hbuckets *hb = NB_LOAD(&t->cur);
	struct nb_hent *e;
	uint64_t chain;
	size_t i;

	memset(hs, 0, sizeof(*hs));
	hs->size = hb->mask + 1;
	for (i = 0; i <= hb->mask; i++) {
		chain = 0;
		for (e = NB_LOAD(&hb->b[i]); e != NULL; e = NB_LOAD(&e->next))
			if (nb_vis_at(&e->vis, ver))
				chain++;
		if (chain > 0)
			hs->used++;
		hs->items += chain;
		if (chain > hs->maxchain)
			hs->maxchain = chain;
	}
}
