/* SPDX-License-Identifier: BSD-2-Clause */
/* nl_kmap.h - private: a reusable open-addressing map of fixed-size keys and values. */
#ifndef NBSTACK_NL_KMAP_H
#define NBSTACK_NL_KMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Used by the linux source to reconcile a dump with the stack: the stack's
 * current objects go in as NL_KMAP_OLD, dump messages mark them NL_KMAP_SEEN
 * (or insert new ones as SEEN), and what is still OLD afterwards is gone
 * from the kernel. The map keeps its memory across refreshes (clear, not
 * free), so a steady-state refresh allocates nothing. Single-threaded.
 */
enum {
	NL_KMAP_EMPTY = 0,
	NL_KMAP_OLD = 1,
	NL_KMAP_SEEN = 2,
};

struct nl_kmap {
	uint8_t		*state;		/* [cap] NL_KMAP_* */
	uint8_t		*ent;		/* [cap] key, then value at valoff */
	size_t		 cap;		/* power of two, or 0 */
	size_t		 n;
	size_t		 keysz;
	size_t		 valsz;
	size_t		 valoff;
	size_t		 stride;
};

int	nl_kmap_init(struct nl_kmap *m, size_t keysz, size_t valsz);
void	nl_kmap_fini(struct nl_kmap *m);
void	nl_kmap_clear(struct nl_kmap *m);
/* Slot of `key`, or -1. */
ptrdiff_t nl_kmap_find(const struct nl_kmap *m, const void *key);
/* Insert `key` (absent) with state st; returns its slot or -ENOMEM. The value is zeroed. */
ptrdiff_t nl_kmap_insert(struct nl_kmap *m, const void *key, uint8_t st);

static inline void *
nl_kmap_key(const struct nl_kmap *m, size_t slot)
{
	return m->ent + slot * m->stride;
}

static inline void *
nl_kmap_val(const struct nl_kmap *m, size_t slot)
{
	return m->ent + slot * m->stride + m->valoff;
}

#endif
