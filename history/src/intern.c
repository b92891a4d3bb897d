/* SPDX-License-Identifier: BSD-2-Clause */
/* intern.c - an open-addressing map from byte strings to ids (names, strings, descriptions). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

static uint64_t
hash(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	/* FNV's low bits are weak and the slot is the low bits: finish with a mixer. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

void
nbh__map_free(struct nbh_map *m)
{
	free(m->slots);
	free(m->keys);
	memset(m, 0, sizeof(*m));
}

uint32_t
nbh__map_get(const struct nbh_map *m, const void *key, size_t len)
{
	uint64_t h;
	size_t i;

	if (m->nslots == 0)
		return 0;
	h = hash(key, len);
	for (i = h & (m->nslots - 1); m->slots[i].id != 0; i = (i + 1) & (m->nslots - 1)) {
		const struct nbh_mslot *s = &m->slots[i];

		if (s->hash == h && s->klen == len &&
		    (len == 0 || memcmp(m->keys + s->koff, key, len) == 0))
			return s->id;
	}
	return 0;
}

static void
place(struct nbh_mslot *slots, size_t nslots, const struct nbh_mslot *s)
{
	size_t i;

	for (i = s->hash & (nslots - 1); slots[i].id != 0; i = (i + 1) & (nslots - 1))
		;
	slots[i] = *s;
}

int
nbh__map_put(struct nbh_map *m, const void *key, size_t len, uint32_t id)
{
	struct nbh_mslot s, *ns;
	size_t i, n;

	if (id == 0 || len > UINT32_MAX)
		return -EINVAL;
	if ((m->n + 1) * 2 > m->nslots) {
		n = m->nslots != 0 ? m->nslots * 2 : 1024;
		if ((ns = calloc(n, sizeof(*ns))) == NULL)
			return -ENOMEM;
		for (i = 0; i < m->nslots; i++)
			if (m->slots[i].id != 0)
				place(ns, n, &m->slots[i]);
		free(m->slots);
		m->slots = ns;
		m->nslots = n;
	}
	if (m->klen + len > m->kcap) {
		size_t cap = m->kcap != 0 ? m->kcap : 4096;
		char *k;

		while (cap < m->klen + len)
			cap *= 2;
		if ((k = realloc(m->keys, cap)) == NULL)
			return -ENOMEM;
		m->keys = k;
		m->kcap = cap;
	}
	if (len > 0)
		memcpy(m->keys + m->klen, key, len);
	s.hash = hash(key, len);
	s.id = id;
	s.klen = (uint32_t)len;
	s.koff = m->klen;
	m->klen += len;
	place(m->slots, m->nslots, &s);
	m->n++;
	return 0;
}
