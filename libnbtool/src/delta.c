/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * delta.c - interval deltas, the one implementation every tool's interval
 * mode uses (nbtool.h, nb_delta_*).
 *
 * The previous sample of a table is kept as its rows' identities and the
 * raw values of its counter columns (those the tree flags
 * NB_SYSCTL_F_COUNTER); each step matches the new rows to it through a hash
 * of the identity and rewrites the counter columns of the new rows in
 * place with what they moved. Identity is (index, generation) when the row
 * has a generation (an object that can be deleted and recreated under the
 * same name), else its keys: a recreated interface is a new object whose
 * counters start from 0, never a negative difference of two objects.
 *
 * Single-threaded (a tool's main loop); the handle owns all its storage.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

struct prow {
	int64_t		 index;
	uint64_t	 gen;
	size_t		 key;		/* into keys: the row's keys joined by '\0', then "\0\0" */
	size_t		 keylen;
	uint64_t	 present[NB_SYSCTL_TABLE_MAXCOLS / 64];
	size_t		 vals;		/* into vals: one per counter column */
};

struct nb_delta {
	enum nb_delta_backwards backwards;
	bool		 have_prev;
	bool		 first;		/* the last step had no previous sample */
	/* The previous sample. */
	struct prow	*rows;
	size_t		 nrows, rowcap;
	char		*keys;
	size_t		 klen, kcap;
	uint64_t	*vals;
	size_t		 vlen, vcap;
	size_t		*hash;		/* open addressing: row + 1, 0 empty */
	size_t		 hsize;
	/* Counter columns of the table (as of the last step). */
	unsigned	 ctr[NB_SYSCTL_TABLE_MAXCOLS];
	unsigned	 nctr;
	/* Per row of the last table: enum nb_delta_state. */
	unsigned char	*state;
	size_t		 statecap;
	/* Gone rows: shaped like the table's, with their previous identity. */
	char		*gone;
	struct nb_sysctl_rowid *goneid;
	size_t		 ngone, gonecap, rowsize;
	char		*gonekeys;	/* keys of the gone rows (copies) */
	size_t		 gklen, gkcap;
	size_t		*gkoff;		/* per gone row: offset of its first key */
};

int
nb_delta_create(struct nb_delta **out)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return -ENOMEM;
	return 0;
}

void
nb_delta_destroy(struct nb_delta **dp)
{
	struct nb_delta *d = *dp;

	if (d == NULL)
		return;
	free(d->rows);
	free(d->keys);
	free(d->vals);
	free(d->hash);
	free(d->state);
	free(d->gone);
	free(d->goneid);
	free(d->gonekeys);
	free(d->gkoff);
	free(d);
	*dp = NULL;
}

static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x100000001b3ULL;
	return h ^ (h >> 29);
}

/* The identity hash: (index, gen) when there is a generation, else the keys. */
static uint64_t
id_hash(int64_t index, uint64_t gen, const char *key, size_t keylen)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	if (gen != 0)
		return mix(mix(h, (uint64_t)index), gen);
	for (i = 0; i < keylen; i++)
		h = (h ^ (unsigned char)key[i]) * 0x100000001b3ULL;
	return mix(h, (uint64_t)index);
}

/* The row's keys joined, each ended by '\0' (into buf of size NAMEMAX). */
static size_t
join_keys(const struct nb_sysctl_rowid *id, char *buf, size_t size)
{
	size_t n = 0, l;
	unsigned k;

	for (k = 0; k < id->nkey; k++) {
		l = strlen(id->key[k]);
		if (n + l + 1 > size)
			break;
		memcpy(buf + n, id->key[k], l + 1);
		n += l + 1;
	}
	return n;
}

static bool
id_equal(const struct nb_delta *d, const struct prow *p, int64_t index, uint64_t gen,
    const char *key, size_t keylen)
{
	if (p->gen != gen || p->index != index)
		return false;
	if (gen != 0)
		return true;
	return p->keylen == keylen && memcmp(d->keys + p->key, key, keylen) == 0;
}

static const struct prow *
prev_find(const struct nb_delta *d, int64_t index, uint64_t gen, const char *key, size_t keylen)
{
	size_t i, r;

	if (d->hsize == 0)
		return NULL;
	i = id_hash(index, gen, key, keylen) & (d->hsize - 1);
	while ((r = d->hash[i]) != 0) {
		if (id_equal(d, &d->rows[r - 1], index, gen, key, keylen))
			return &d->rows[r - 1];
		i = (i + 1) & (d->hsize - 1);
	}
	return NULL;
}

static bool
has(const uint64_t *present, unsigned c)
{
	return (present[c / 64] >> (c % 64) & 1) != 0;
}

static uint64_t
get_ctr(const void *row, const struct nb_sysctl_column *col)
{
	uint64_t v;

	memcpy(&v, (const char *)row + col->offset, sizeof(v));
	return v;
}

static void
set_ctr(void *row, const struct nb_sysctl_column *col, uint64_t v)
{
	memcpy((char *)row + col->offset, &v, sizeof(v));
}

static void *
grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap != 0 ? *cap : 16;
	void *q;

	if (need == 0)
		need = 1; /* never NULL: an empty table is no error */
	if (need <= *cap)
		return p;
	while (c < need)
		c *= 2;
	if ((q = realloc(p, c * size)) == NULL)
		return NULL;
	*cap = c;
	return q;
}

#define GROW(d, field, capf, need) do {					\
	void *g_ = grow((d)->field, &(d)->capf, (need), sizeof(*(d)->field)); \
	if (g_ == NULL)							\
		return -ENOMEM;						\
	(d)->field = g_;						\
} while (0)

/* Keep t (raw values, before the rewrite) as the previous sample. */
static int
keep(struct nb_delta *d, const struct nb_sysctl_table *t, const struct nb_sysctl_column *cols)
{
	char kb[NB_SYSCTL_NAMEMAX + NB_SYSCTL_TABLE_MAXKEYS];
	size_t i, j, hs, kl;
	unsigned c;
	struct prow *p;

	d->nrows = d->klen = d->vlen = 0;
	GROW(d, rows, rowcap, t->nrows);
	for (hs = 16; hs < 2 * t->nrows; hs *= 2)
		;
	if (hs != d->hsize) {
		free(d->hash);
		if ((d->hash = calloc(hs, sizeof(*d->hash))) == NULL) {
			d->hsize = 0;
			return -ENOMEM;
		}
		d->hsize = hs;
	} else
		memset(d->hash, 0, hs * sizeof(*d->hash));
	{
		size_t vcap_need = t->nrows * (d->nctr > 0 ? d->nctr : 1);

		GROW(d, vals, vcap, vcap_need);
	}
	for (i = 0; i < t->nrows; i++) {
		const struct nb_sysctl_rowid *id = &t->ids[i];
		const void *row = nb_sysctl_table_row(t, i);

		kl = join_keys(id, kb, sizeof(kb));	/* kept for gone rows even with a gen */
		GROW(d, keys, kcap, d->klen + kl + 1);
		p = &d->rows[d->nrows];
		p->index = id->index;
		p->gen = id->gen;
		p->key = d->klen;
		p->keylen = kl;
		memcpy(d->keys + d->klen, kb, kl);
		d->klen += kl;
		memcpy(p->present, id->present, sizeof(p->present));
		p->vals = d->vlen;
		for (c = 0; c < d->nctr; c++)
			d->vals[d->vlen++] = get_ctr(row, &cols[d->ctr[c]]);
		j = id_hash(p->index, p->gen, kb, p->gen != 0 ? 0 : kl) & (hs - 1);
		while (d->hash[j] != 0)
			j = (j + 1) & (hs - 1);
		d->hash[j] = ++d->nrows;
	}
	return 0;
}

/* Add a gone row: departed row `row` against its previous p. */
static int
add_gone(struct nb_delta *d, const void *drow, const struct nb_sysctl_rowid *did,
    const struct prow *p, const struct nb_sysctl_column *cols, size_t rowsize)
{
	struct nb_sysctl_rowid *gid;
	char *g;
	const char *k;
	unsigned c, col;
	size_t n, kl;
	uint64_t v, pv;

	/* Three arrays of ngone + 1 (grown by grow()'s doubling from 16). */
	{
		size_t cap = 0;
		void *q;

		q = grow(d->gone, &cap, (d->ngone + 1) * (rowsize != 0 ? rowsize : 1), 1);
		if (q == NULL)
			return -ENOMEM;
		d->gone = q;
		cap = 0;
		q = grow(d->gkoff, &cap, d->ngone + 1, sizeof(size_t));
		if (q == NULL)
			return -ENOMEM;
		d->gkoff = q;
		cap = 0;
		q = grow(d->goneid, &cap, d->ngone + 1, sizeof(*d->goneid));
		if (q == NULL)
			return -ENOMEM;
		d->goneid = q;
	}
	g = d->gone + d->ngone * rowsize;
	memcpy(g, drow, rowsize);
	gid = &d->goneid[d->ngone];
	memset(gid, 0, sizeof(*gid));
	gid->index = p->index;
	gid->gen = p->gen;
	for (c = 0; c < d->nctr; c++) {
		col = d->ctr[c];
		if (!has(did->present, col) || !has(p->present, col))
			continue;
		v = get_ctr(drow, &cols[col]);
		pv = d->vals[p->vals + c];
		set_ctr(g, &cols[col], v >= pv ? v - pv : 0);
		gid->present[col / 64] |= UINT64_C(1) << (col % 64);
	}
	/* Its keys: those of the previous (live) row. */
	kl = p->keylen;
	n = d->gklen;
	GROW(d, gonekeys, gkcap, n + kl + 1);
	memcpy(d->gonekeys + n, d->keys + p->key, kl);
	d->gonekeys[n + kl] = '\0';
	d->gkoff[d->ngone] = n;
	d->gklen = n + kl + 1;
	for (k = d->gonekeys + n, gid->nkey = 0; k < d->gonekeys + n + kl &&
	    gid->nkey < NB_SYSCTL_TABLE_MAXKEYS; k += strlen(k) + 1)
		gid->nkey++;
	d->ngone++;
	return 0;
}

/* The gone rows' key pointers, once the key pool stops moving. */
static void
gone_fix(struct nb_delta *d)
{
	size_t i;
	unsigned k;
	const char *p;

	for (i = 0; i < d->ngone; i++)
		for (k = 0, p = d->gonekeys + d->gkoff[i]; k < d->goneid[i].nkey;
		    k++, p += strlen(p) + 1)
			d->goneid[i].key[k] = p;
}

int
nb_delta_step(struct nb_delta *d, struct nb_sysctl_table *t, const struct nb_sysctl_column *cols,
    const struct nb_sysctl_table *departed)
{
	char kb[NB_SYSCTL_NAMEMAX + NB_SYSCTL_TABLE_MAXKEYS];
	const struct prow *p;
	uint64_t *raw = NULL, v, pv;
	size_t i, kl, nraw;
	unsigned c, col;
	int error;

	d->ngone = 0;
	d->gklen = 0;
	d->rowsize = t->rowsize;
	d->first = !d->have_prev;
	d->nctr = 0;
	for (col = 0; col < t->ncols; col++)
		if ((t->colflags[col] & NB_SYSCTL_F_COUNTER) != 0 &&
		    (cols[col].type == NB_SYSCTL_U64 || cols[col].type == NB_SYSCTL_INT))
			d->ctr[d->nctr++] = col;
	GROW(d, state, statecap, t->nrows + 1);
	memset(d->state, NB_DELTA_FIRST, t->nrows);
	/* The departed objects that were live at the previous sample. */
	if (d->have_prev && departed != NULL) {
		for (i = 0; i < departed->nrows; i++) {
			const struct nb_sysctl_rowid *id = &departed->ids[i];

			if (id->gen == 0 || (p = prev_find(d, id->index, id->gen, NULL, 0)) == NULL)
				continue;
			if ((error = add_gone(d, nb_sysctl_table_row(departed, i), id, p, cols,
			    t->rowsize)) != 0)
				return error;
		}
		gone_fix(d);
	}
	/* The raw values, kept for the next step. */
	nraw = t->nrows * (d->nctr > 0 ? d->nctr : 1);
	if ((raw = malloc((nraw + 1) * sizeof(*raw))) == NULL)
		return -ENOMEM;
	for (i = 0; i < t->nrows; i++)
		for (c = 0; c < d->nctr; c++)
			raw[i * d->nctr + c] = get_ctr(nb_sysctl_table_row(t, i), &cols[d->ctr[c]]);
	if (d->have_prev) {
		for (i = 0; i < t->nrows; i++) {
			const struct nb_sysctl_rowid *id = &t->ids[i];
			void *row = nb_sysctl_table_row(t, i);

			kl = id->gen != 0 ? 0 : join_keys(id, kb, sizeof(kb));
			p = prev_find(d, id->index, id->gen, kb, kl);
			d->state[i] = p != NULL ? NB_DELTA_SAME : NB_DELTA_NEW;
			if (p == NULL)
				continue;	/* new since the last sample: counts from 0 */
			for (c = 0; c < d->nctr; c++) {
				col = d->ctr[c];
				if (!has(id->present, col))
					continue;
				v = raw[i * d->nctr + c];
				pv = d->vals[p->vals + c];
				if (!has(p->present, col))
					continue;
				if (v >= pv)
					set_ctr(row, &cols[col], v - pv);
				else {
					d->state[i] = NB_DELTA_RESET;	/* reset: from 0 */
					if (d->backwards == NB_DELTA_CLAMP)
						set_ctr(row, &cols[col], 0);
				}
			}
		}
	}
	/* Keep this sample (raw values) as the previous one. */
	for (i = 0; i < t->nrows; i++)
		for (c = 0; c < d->nctr; c++) {
			v = get_ctr(nb_sysctl_table_row(t, i), &cols[d->ctr[c]]);
			set_ctr(nb_sysctl_table_row(t, i), &cols[d->ctr[c]], raw[i * d->nctr + c]);
			raw[i * d->nctr + c] = v;
		}
	error = keep(d, t, cols);
	/* ... and the deltas back into the rows. */
	for (i = 0; i < t->nrows; i++)
		for (c = 0; c < d->nctr; c++)
			set_ctr(nb_sysctl_table_row(t, i), &cols[d->ctr[c]], raw[i * d->nctr + c]);
	free(raw);
	if (error != 0)
		return error;
	d->have_prev = true;
	return 0;
}

void
nb_delta_set_backwards(struct nb_delta *d, enum nb_delta_backwards b)
{
	d->backwards = b;
}

bool
nb_delta_first(const struct nb_delta *d)
{
	return d->first;
}

enum nb_delta_state
nb_delta_state(const struct nb_delta *d, size_t row)
{
	return (enum nb_delta_state)d->state[row];
}

bool
nb_delta_is_counter(const struct nb_delta *d, unsigned col)
{
	unsigned c;

	for (c = 0; c < d->nctr; c++)
		if (d->ctr[c] == col)
			return true;
	return false;
}

size_t
nb_delta_ngone(const struct nb_delta *d)
{
	return d->ngone;
}

const void *
nb_delta_gone(const struct nb_delta *d, size_t i, const struct nb_sysctl_rowid **id)
{
	if (i >= d->ngone)
		return NULL;
	if (id != NULL)
		*id = &d->goneid[i];
	return d->gone + i * d->rowsize;
}
