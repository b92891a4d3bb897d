/* SPDX-License-Identifier: BSD-2-Clause */
/* codec.c - varints, the zero-run value stream and id lists of the history blobs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

int
nbh__buf_reserve(struct nbh_buf *b, size_t more)
{
	uint8_t *p;
	size_t cap;

	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap != 0 ? b->cap : 256;
	while (cap < b->len + more)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

void
nbh__buf_free(struct nbh_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

size_t
nbh__varint_put(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

int
nbh__varint_get(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t r = 0;
	unsigned shift;

	for (shift = 0; shift < 64; shift += 7) {
		if (p == end)
			return NBH_ECORRUPT;
		r |= (uint64_t)(*p & 0x7f) << shift;
		if ((*p++ & 0x80) == 0) {
			/* The tenth byte may carry only the top bit. */
			if (shift == 63 && p[-1] > 1)
				return NBH_ECORRUPT;
			*v = r;
			*pp = p;
			return 0;
		}
	}
	return NBH_ECORRUPT;
}

static int
put1(struct nbh_buf *b, uint64_t u)
{
	int error;

	if ((error = nbh__buf_reserve(b, 10)) != 0)
		return error;
	b->len += nbh__varint_put(b->p + b->len, u);
	return 0;
}

static int
flush_zeros(struct nbh_venc *e)
{
	int error;

	if (e->zrun == 0)
		return 0;
	if ((error = put1(e->b, 0)) != 0 || (error = put1(e->b, e->zrun - 1)) != 0)
		return error;
	e->zrun = 0;
	return 0;
}

/* A value that is not 0 (nbh__venc_put, hist.h, counts the zeros). */
int
nbh__venc_put_nz(struct nbh_venc *e, uint64_t u)
{
	int error;

	if ((error = flush_zeros(e)) != 0)
		return error;
	return put1(e->b, u);
}

int
nbh__venc_end(struct nbh_venc *e)
{
	return flush_zeros(e);
}

int
nbh__vdec_get(struct nbh_vdec *d, uint64_t *u)
{
	uint64_t r;
	int error;

	if (d->zrun > 0) {
		d->zrun--;
		*u = 0;
		return 0;
	}
	if ((error = nbh__varint_get(&d->p, d->end, u)) != 0)
		return error;
	if (*u == 0) {
		if ((error = nbh__varint_get(&d->p, d->end, &r)) != 0)
			return error;
		d->zrun = r;
	}
	return 0;
}

int
nbh__ids_reserve(uint32_t **p, size_t *cap, size_t n)
{
	uint32_t *q;

	if (n <= *cap)
		return 0;
	if ((q = realloc(*p, n * sizeof(*q))) == NULL)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

/*
 * Id lists: zig-zag varint deltas. A zero delta never separates two ids of
 * one list, so 0 is an escape (schema 5): 0, r stands for r + 3 ids each
 * one above the one before (a first sample's shape is mostly such runs).
 * Lists written before have no 0 and decode the same.
 */
#define IDRUN_MIN	3

int
nbh__ids_encode(struct nbh_buf *b, const uint32_t *ids, size_t n)
{
	int64_t prev = 0;
	size_t i, r;
	int error;

	for (i = 0; i < n;) {
		for (r = 0; i + r < n && (int64_t)ids[i + r] == prev + (int64_t)r + 1; r++)
			;
		if (r >= IDRUN_MIN) {
			if ((error = put1(b, 0)) != 0 || (error = put1(b, r - IDRUN_MIN)) != 0)
				return error;
			prev = ids[i + r - 1];
			i += r;
			continue;
		}
		if ((error = put1(b, nbh__zz((int64_t)ids[i] - prev))) != 0)
			return error;
		prev = ids[i++];
	}
	return 0;
}

/* The id after prev (an id, 0 before the first) by the zig-zag delta u: 0, or damage. */
static inline int
id_after(int64_t prev, uint64_t u, int64_t *v)
{
	int64_t d = nbh__unzz(u);

	/* prev is 0..UINT32_MAX: compare before adding, which may not overflow. */
	if (d <= -prev || d > (int64_t)UINT32_MAX - prev)
		return NBH_ECORRUPT;
	*v = prev + d;
	return 0;
}

int
nbh__ids_decode(const uint8_t *p, size_t len, uint32_t *ids, size_t n)
{
	const uint8_t *end = p + len;
	int64_t prev = 0, v;
	uint64_t u, r;
	size_t i;
	int error;

	for (i = 0; i < n;) {
		if ((error = nbh__varint_get(&p, end, &u)) != 0)
			return error;
		if (u == 0) {
			if ((error = nbh__varint_get(&p, end, &r)) != 0)
				return error;
			if (n - i < IDRUN_MIN || r > n - i - IDRUN_MIN ||
			    (int64_t)r + IDRUN_MIN > (int64_t)UINT32_MAX - prev)
				return NBH_ECORRUPT;
			for (r += IDRUN_MIN; r > 0; r--)
				ids[i++] = (uint32_t)++prev;
			continue;
		}
		if (id_after(prev, u, &v) != 0)
			return NBH_ECORRUPT;
		ids[i++] = (uint32_t)v;
		prev = v;
	}
	return p == end ? 0 : NBH_ECORRUPT;
}

/* Where id is in base (its index), or nb: not there (pos is only a hint). */
static size_t
base_index(const uint32_t *base, size_t nb, const uint32_t *pos, size_t npos, uint32_t id)
{
	size_t k;

	if (id >= npos || pos[id] == 0 || (k = pos[id] - 1) >= nb || base[k] != id)
		return nb;
	return k;
}

int
nbh__shape_diff_encode(struct nbh_buf *b, const uint32_t *base, size_t nb, const uint32_t *pos,
    size_t npos, const uint32_t *ids, size_t n)
{
	size_t i = 0, j = 0, copy, add, k;
	int64_t prev = 0;
	int error;

	for (;;) {
		for (copy = 0; i < nb && j < n && base[i] == ids[j]; i++, j++, copy++)
			prev = ids[j];
		if (j == n && i == nb)
			return 0;		/* the last run is the rest of the base */
		/* Added: ids not in the base, or in it before i (moved back). */
		for (add = 0; j + add < n &&
		    ((k = base_index(base, nb, pos, npos, ids[j + add])) == nb || k < i); add++)
			;
		/* Dropped: the base up to the next id kept (all of it at the end). */
		k = j + add < n ? base_index(base, nb, pos, npos, ids[j + add]) : nb;
		if ((error = put1(b, copy)) != 0 || (error = put1(b, k - i)) != 0 ||
		    (error = put1(b, add)) != 0)
			return error;
		for (; add > 0; add--, j++) {
			if ((error = put1(b, nbh__zz((int64_t)ids[j] - prev))) != 0)
				return error;
			prev = ids[j];
		}
		i = k;
	}
}

int
nbh__shape_diff_decode(const uint8_t *p, size_t len, const uint32_t *base, size_t nb,
    uint32_t *out, size_t n)
{
	const uint8_t *end = p + len;
	uint64_t copy, drop, add, u;
	size_t i = 0, j = 0;
	int64_t prev = 0, v;
	int error;

	while (p < end) {
		if ((error = nbh__varint_get(&p, end, &copy)) != 0 ||
		    (error = nbh__varint_get(&p, end, &drop)) != 0 ||
		    (error = nbh__varint_get(&p, end, &add)) != 0)
			return error;
		if (copy > nb - i || drop > nb - i - copy || copy > n - j || add > n - j - copy)
			return NBH_ECORRUPT;
		memcpy(out + j, base + i, copy * sizeof(*out));
		i += copy;
		j += copy;
		if (copy > 0)
			prev = out[j - 1];
		i += drop;
		for (; add > 0; add--) {
			if ((error = nbh__varint_get(&p, end, &u)) != 0)
				return error;
			if (id_after(prev, u, &v) != 0)
				return NBH_ECORRUPT;
			out[j++] = (uint32_t)v;
			prev = v;
		}
	}
	if (nb - i != n - j)
		return NBH_ECORRUPT;
	memcpy(out + j, base + i, (nb - i) * sizeof(*out));
	return 0;
}
