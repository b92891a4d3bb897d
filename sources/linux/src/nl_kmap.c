/* SPDX-License-Identifier: BSD-2-Clause */
/* nl_kmap.c - private: open-addressing map of fixed-size keys (linear probing). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nl_kmap.h"

#define KMAP_MINCAP	64

/* FNV-1a over the key, then a 64-bit mixer so small integers spread. */
static size_t
kmap_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	h ^= h >> 31;
	h *= 0x7fb5d329728ea185ull;
	h ^= h >> 27;
	return (size_t)h;
}

int
nl_kmap_init(struct nl_kmap *m, size_t keysz, size_t valsz)
{
	memset(m, 0, sizeof(*m));
	m->keysz = keysz;
	m->valsz = valsz;
	m->valoff = (keysz + 7) & ~(size_t)7;
	m->stride = (m->valoff + valsz + 7) & ~(size_t)7;
	return 0;
}

void
nl_kmap_fini(struct nl_kmap *m)
{
	free(m->state);
	free(m->ent);
	m->state = NULL;
	m->ent = NULL;
	m->cap = m->n = 0;
}

void
nl_kmap_clear(struct nl_kmap *m)
{
	if (m->cap != 0)
		memset(m->state, NL_KMAP_EMPTY, m->cap);
	m->n = 0;
}

ptrdiff_t
nl_kmap_find(const struct nl_kmap *m, const void *key)
{
	size_t i, mask;

	if (m->n == 0)
		return -1;
	mask = m->cap - 1;
	for (i = kmap_hash(key, m->keysz) & mask; m->state[i] != NL_KMAP_EMPTY; i = (i + 1) & mask)
		if (memcmp(nl_kmap_key(m, i), key, m->keysz) == 0)
			return (ptrdiff_t)i;
	return -1;
}

static ptrdiff_t
kmap_place(struct nl_kmap *m, const void *key, uint8_t st)
{
	size_t i, mask = m->cap - 1;

	for (i = kmap_hash(key, m->keysz) & mask; m->state[i] != NL_KMAP_EMPTY; i = (i + 1) & mask)
		;
	m->state[i] = st;
	memcpy(nl_kmap_key(m, i), key, m->keysz);
	m->n++;
	return (ptrdiff_t)i;
}

static int
kmap_grow(struct nl_kmap *m)
{
	struct nl_kmap old = *m;
	size_t i, cap = m->cap != 0 ? m->cap * 2 : KMAP_MINCAP;
	ptrdiff_t s;
	int error = 0;

	if ((m->state = calloc(cap, 1)) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	if ((m->ent = malloc(cap * m->stride)) == NULL) {
		free(m->state);
		error = -ENOMEM;
		goto out;
	}
	m->cap = cap;
	m->n = 0;
	for (i = 0; i < old.cap; i++) {
		if (old.state[i] == NL_KMAP_EMPTY)
			continue;
		s = kmap_place(m, nl_kmap_key(&old, i), old.state[i]);
		memcpy(nl_kmap_val(m, (size_t)s), nl_kmap_val(&old, i), m->valsz);
	}
	nl_kmap_fini(&old);
	return 0;
out:
	*m = old;
	return error;
}

ptrdiff_t
nl_kmap_insert(struct nl_kmap *m, const void *key, uint8_t st)
{
	ptrdiff_t s;
	int error;

	/* Keep the load factor at or under 1/2. */
	if ((m->n + 1) * 2 > m->cap && (error = kmap_grow(m)) != 0)
		return error;
	s = kmap_place(m, key, st);
	memset(nl_kmap_val(m, (size_t)s), 0, m->valsz);
	return s;
}
