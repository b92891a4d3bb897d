/* SPDX-License-Identifier: BSD-2-Clause */
/* rowsum.c - the checksum of a stored row (schema 4): XXH3-64 over every column of it. */
/*
 * A row is summed as a header and its variable columns. The header is a
 * byte naming the table, then each column in table order: an integer as 8
 * bytes little-endian, a text or blob as its length (8 bytes). XXH3-64 of
 * the header seeds XXH3-64 of the first text or blob, whose sum seeds the
 * next: one pass over the bytes, no copy of a sample's data. A NULL
 * shape.base is summed as 0 (no shape has id 0). The sum is stored as the
 * signed 64-bit pattern (SQLite integers). Pure functions: no state.
 */
#include <string.h>

#include <xxhash.h>

#include "dlsqlite.h"
#include "hist.h"

struct hdr {
	uint8_t	 b[1 + 10 * 8];
	size_t	 n;
};

static inline void
hdr_int(struct hdr *h, uint64_t v)
{
	unsigned i;

	for (i = 0; i < 8; i++)
		h->b[h->n++] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t
chain(uint64_t seed, const void *p, size_t len)
{
	return XXH3_64bits_withSeed(len != 0 ? p : "", len, seed);
}

int64_t
nbh__sum_text(char table, int64_t id, const void *text, size_t len)
{
	struct hdr h = { .b = { (uint8_t)table }, .n = 1 };

	hdr_int(&h, (uint64_t)id);
	hdr_int(&h, len);
	return (int64_t)chain(XXH3_64bits(h.b, h.n), text, len);
}

int64_t
nbh__sum_name(int64_t id, const void *name, size_t len, int64_t type, int64_t flags,
    int64_t descr)
{
	struct hdr h = { .b = { 'n' }, .n = 1 };

	hdr_int(&h, (uint64_t)id);
	hdr_int(&h, len);
	hdr_int(&h, (uint64_t)type);
	hdr_int(&h, (uint64_t)flags);
	hdr_int(&h, (uint64_t)descr);
	return (int64_t)chain(XXH3_64bits(h.b, h.n), name, len);
}

/*
 * Schema 5's part and name rows keep the low 32 bits of the sum, sign
 * extended: SQLite stores it in 4 bytes instead of 8, and a first sample
 * of a large host has tens of thousands of these rows. A damaged row
 * still matches with a chance of one in 2^32.
 */
static inline int64_t
sum32(uint64_t h)
{
	return (int64_t)(int32_t)(uint32_t)h;
}

int64_t
nbh__sum_part(int64_t id, const void *text, size_t len, int64_t type, int64_t flags,
    int64_t descr)
{
	struct hdr h = { .b = { 'p' }, .n = 1 };

	hdr_int(&h, (uint64_t)id);
	hdr_int(&h, len);
	hdr_int(&h, (uint64_t)type);
	hdr_int(&h, (uint64_t)flags);
	hdr_int(&h, (uint64_t)descr);
	return sum32(chain(XXH3_64bits(h.b, h.n), text, len));
}

int64_t
nbh__sum_run(int64_t id, int64_t parent, int64_t part, int64_t n)
{
	struct hdr h = { .b = { 'N' }, .n = 1 };

	hdr_int(&h, (uint64_t)id);
	hdr_int(&h, (uint64_t)parent);
	hdr_int(&h, (uint64_t)part);
	hdr_int(&h, (uint64_t)n);
	return sum32(XXH3_64bits(h.b, h.n));
}

int64_t
nbh__sum_shape(int64_t id, int64_t nnames, const void *names, size_t len, int64_t base)
{
	struct hdr h = { .b = { 'h' }, .n = 1 };

	hdr_int(&h, (uint64_t)id);
	hdr_int(&h, (uint64_t)nnames);
	hdr_int(&h, len);
	hdr_int(&h, (uint64_t)base);
	return (int64_t)chain(XXH3_64bits(h.b, h.n), names, len);
}

int64_t
nbh__sum_sample(const struct nbh_sample_row *s)
{
	struct hdr h = { .b = { 'S' }, .n = 1 };

	hdr_int(&h, (uint64_t)s->id);
	hdr_int(&h, (uint64_t)s->t_ns);
	hdr_int(&h, s->slen);
	hdr_int(&h, (uint64_t)s->boottime_ns);
	hdr_int(&h, (uint64_t)s->nobjects);
	hdr_int(&h, (uint64_t)s->nvalues);
	hdr_int(&h, (uint64_t)s->shape);
	hdr_int(&h, (uint64_t)s->keyframe);
	hdr_int(&h, s->dlen);
	return (int64_t)chain(chain(XXH3_64bits(h.b, h.n), s->source, s->slen), s->data, s->dlen);
}

int64_t
nbh__sum_event(int64_t id, int64_t t_ns, const char *object, int64_t ifindex, const char *what,
    const char *detail)
{
	struct hdr h = { .b = { 'e' }, .n = 1 };
	size_t ol = strlen(object), wl = strlen(what), dl = strlen(detail);

	hdr_int(&h, (uint64_t)id);
	hdr_int(&h, (uint64_t)t_ns);
	hdr_int(&h, ol);
	hdr_int(&h, (uint64_t)ifindex);
	hdr_int(&h, wl);
	hdr_int(&h, dl);
	return (int64_t)chain(chain(chain(XXH3_64bits(h.b, h.n), object, ol), what, wl), detail,
	    dl);
}

/* The bytes of a text or blob argument (NULL: none). */
static const void *
arg_bytes(sqlite3_value *v, size_t *len)
{
	const void *p = sqlite3_value_type(v) == SQLITE_BLOB ? sqlite3_value_blob(v) :
	    (const void *)sqlite3_value_text(v);

	*len = p != NULL ? (size_t)sqlite3_value_bytes(v) : 0;
	return p;
}

/*
 * nbh_checksum(table, columns...): the sum of a row given its columns in
 * table order (migration 4 sums the rows an older file holds with it).
 */
static void
sql_checksum(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *t = (const char *)sqlite3_value_text(argv[0]);
	struct nbh_sample_row s;
	const void *p;
	size_t len;

	if (t == NULL)
		goto bad;
	if ((strcmp(t, "descr") == 0 || strcmp(t, "str") == 0) && argc == 3) {
		p = arg_bytes(argv[2], &len);
		sqlite3_result_int64(ctx, nbh__sum_text(t[0], sqlite3_value_int64(argv[1]), p, len));
	} else if (strcmp(t, "name") == 0 && argc == 6) {
		p = arg_bytes(argv[2], &len);
		sqlite3_result_int64(ctx, nbh__sum_name(sqlite3_value_int64(argv[1]), p, len,
		    sqlite3_value_int64(argv[3]), sqlite3_value_int64(argv[4]),
		    sqlite3_value_int64(argv[5])));
	} else if (strcmp(t, "shape") == 0 && argc == 5) {
		p = arg_bytes(argv[3], &len);
		sqlite3_result_int64(ctx, nbh__sum_shape(sqlite3_value_int64(argv[1]),
		    sqlite3_value_int64(argv[2]), p, len, sqlite3_value_int64(argv[4])));
	} else if (strcmp(t, "sample") == 0 && argc == 10) {
		s.id = sqlite3_value_int64(argv[1]);
		s.t_ns = sqlite3_value_int64(argv[2]);
		s.source = arg_bytes(argv[3], &s.slen);
		s.boottime_ns = sqlite3_value_int64(argv[4]);
		s.nobjects = sqlite3_value_int64(argv[5]);
		s.nvalues = sqlite3_value_int64(argv[6]);
		s.shape = sqlite3_value_int64(argv[7]);
		s.keyframe = sqlite3_value_int64(argv[8]);
		s.data = arg_bytes(argv[9], &s.dlen);
		sqlite3_result_int64(ctx, nbh__sum_sample(&s));
	} else if (strcmp(t, "event") == 0 && argc == 7) {
		const char *o = (const char *)sqlite3_value_text(argv[3]);
		const char *w = (const char *)sqlite3_value_text(argv[5]);
		const char *d = (const char *)sqlite3_value_text(argv[6]);

		if (o == NULL || w == NULL || d == NULL)
			goto bad;
		sqlite3_result_int64(ctx, nbh__sum_event(sqlite3_value_int64(argv[1]),
		    sqlite3_value_int64(argv[2]), o, sqlite3_value_int64(argv[4]), w, d));
	} else
		goto bad;
	return;
bad:
	sqlite3_result_error(ctx, "nbh_checksum: unknown table or wrong number of columns", -1);
}

int
nbh__sum_register(sqlite3 *db)
{
	if (nbh__sqlite_load(NULL, 0) != 0)
		return SQLITE_ERROR;
	return sqlite3_create_function(db, "nbh_checksum", -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
	    NULL, sql_checksum, NULL, NULL);
}
