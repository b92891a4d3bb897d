/* SPDX-License-Identifier: BSD-2-Clause */
/* ctr.c - per-CPU counter groups: cache-line padded slots, summed on read. */

/*
 * Theory of operation
 *
 * A group is nslots slots of nctrs uint64_t counters; every slot starts on
 * its own 64-byte line and is padded to a multiple of 64 bytes, so two slot
 * owners never write the same cache line. A slot has one writer at a time
 * (its owner, see nb_slot_acquire): updates are a relaxed load and a relaxed
 * store (nb_ctr_add in stack.h), no read-modify-write. Readers sum the slots
 * with relaxed loads; a sum is not atomic across slots (like NetBSD
 * percpu_foreach) but each word is read whole. Slot ownership moves between
 * threads only through a mutex (slot_lock), which orders the old owner's
 * stores before the new owner's loads. The group is freed by its owner
 * object's reclamation (after a grace period) or at stack destroy. An
 * interface embeds its group in its own allocation (nb_ctrgroup_init_at),
 * so both go in one free.
 *
 * Slots in use. A slot is written only through the base that
 * nb_ctrgroup_slot (or nb_ctrgroup_slot_at) hands out, and handing it out
 * first raises g->nused past the slot (nb_ctrgroup_mark; the raise is a
 * relaxed CAS, nused is never lowered); a slot at or above nused was never
 * handed out, so it is still all zeros. nused starts at 1: slot 0, the
 * source's, which writes nearly every group, is always summed and its
 * hand-out raises nothing. The sums read nused (relaxed) and then the
 * slots below it only: a cold interface, whose source alone ever wrote
 * it, is one slot to read, not nslots. A slot handed out for the first time concurrently
 * with a sum is either counted (its words read with relaxed loads, as
 * before) or skipped, which is the same as reading its initial zeros; that
 * is a value those loads could have returned. They could not only if a
 * store into the slot happened before them; between the nused load and
 * them the reader does nothing but relaxed loads, so such a store would
 * also happen before the nused load, and the mark, sequenced before the
 * store in its writer, with it: the load would have seen the raised
 * nused (coherence). nused only grows, so a reader that once saw a slot
 * counted counts it in every later sum.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack-internal.h"

int
nb_ctrgroup_create(unsigned nctrs, unsigned nslots, struct nb_ctrgroup **out)
{
	struct nb_ctrgroup *g;
	size_t stride, bytes;

	if (nctrs == 0 || nslots == 0 || nctrs > (1u << 20) || nslots > (1u << 16))
		return -EINVAL;
	stride = ((size_t)nctrs * sizeof(uint64_t) + NB_CACHELINE - 1) &
	    ~(size_t)(NB_CACHELINE - 1);
	bytes = stride * nslots;
	if ((g = malloc(sizeof(*g))) == NULL)
		return -ENOMEM;
	if ((g->base = aligned_alloc(NB_CACHELINE, bytes)) == NULL) {
		free(g);
		return -ENOMEM;
	}
	memset(g->base, 0, bytes);
	g->nctrs = nctrs;
	g->nslots = nslots;
	g->stride = stride / sizeof(uint64_t);
	g->nused = 1;		/* slot 0 (NB_SLOT_SOURCE) is always summed */
	*out = g;
	return 0;
}

void
nb_ctrgroup_destroy(struct nb_ctrgroup **gp)
{
	struct nb_ctrgroup *g = *gp;

	if (g == NULL)
		return;
	free(g->base);
	free(g);
	*gp = NULL;
}

unsigned
nb_ctrgroup_nctrs(const struct nb_ctrgroup *g)
{
	return g->nctrs;
}

unsigned
nb_ctrgroup_nslots(const struct nb_ctrgroup *g)
{
	return g->nslots;
}

void
nb_ctrgroup_raise(struct nb_ctrgroup *g, unsigned slot)
{
	unsigned n = NB_LOAD_RELAXED(&g->nused);

	/* A relaxed CAS loop: owners of other slots may raise it meanwhile. */
	while (n <= slot && !__atomic_compare_exchange_n(&g->nused, &n, slot + 1, true,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

uint64_t *
nb_ctrgroup_slot(struct nb_ctrgroup *g, unsigned slot)
{
	if (slot >= g->nslots)
		return NULL;
	return nb_ctrgroup_slot_at(g, slot);	/* marks the slot used */
}

uint64_t
nb_ctrgroup_sum(const struct nb_ctrgroup *g, unsigned idx)
{
	const uint64_t *p;
	uint64_t sum = 0;
	unsigned s;

	unsigned n = NB_LOAD_RELAXED(&g->nused);

	if (idx >= g->nctrs)
		return 0;
	for (s = 0, p = g->base + idx; s < n; s++, p += g->stride)
		sum += NB_LOAD_RELAXED(p);
	return sum;
}

void
nb_ctrgroup_sum_all(const struct nb_ctrgroup *g, uint64_t *out)
{
	nb_ctrgroup_sum_used(g, g->nctrs, out);
}

int
nb_ctrgroup_percpu(const struct nb_ctrgroup *g, unsigned idx, uint64_t *vec, unsigned n,
    uint64_t *total)
{
	const uint64_t *p;
	uint64_t v, sum = 0;
	unsigned s;

	if (idx >= g->nctrs)
		return -EINVAL;
	for (s = 0, p = g->base + idx; s < g->nslots; s++, p += g->stride) {
		v = NB_LOAD_RELAXED(p);
		if (s < n && vec != NULL)
			vec[s] = v;
		sum += v;
	}
	if (total != NULL)
		*total = sum;
	return (int)g->nslots;
}
