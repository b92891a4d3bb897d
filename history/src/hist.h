/* SPDX-License-Identifier: BSD-2-Clause */
/* hist.h - private to nbhistory: the value codec, the intern map, schema and error helpers. */
#ifndef NBHISTORY_HIST_H
#define NBHISTORY_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "nbhistory/history.h"

/* Format byte at the start of every sample.data blob. */
#define NBH_DATA_V1	0x01
#define NBH_TYPE_NODE	1	/* NB_SYSCTL_NODE: no value */
#define NBH_TYPE_STRING	3
#define NBH_TYPE_ADDRESS 7

/* ---- codec.c ---- */

struct nbh_buf {
	uint8_t	*p;
	size_t	 len, cap;
};

int	nbh__buf_reserve(struct nbh_buf *b, size_t more);
void	nbh__buf_free(struct nbh_buf *b);
/* LEB128 unsigned varint; the buffer must have 10 bytes of room. */
size_t	nbh__varint_put(uint8_t *p, uint64_t v);
/* 0, or NBH_ECORRUPT on a truncated or over-long varint. */
int	nbh__varint_get(const uint8_t **pp, const uint8_t *end, uint64_t *v);

static inline uint64_t
nbh__zz(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t
nbh__unzz(uint64_t u)
{
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/*
 * The value stream: one zig-zag varint per value, except that a run of r
 * zeros is written as 0 followed by varint(r - 1).
 */
struct nbh_venc {
	struct nbh_buf	*b;
	uint64_t	 zrun;
};
int	nbh__venc_put_nz(struct nbh_venc *e, uint64_t u);

/* Zeros (idle counters, the common case) only lengthen the run: inline. */
static inline int
nbh__venc_put(struct nbh_venc *e, uint64_t u)
{
	if (u == 0) {
		e->zrun++;
		return 0;
	}
	return nbh__venc_put_nz(e, u);
}
int	nbh__venc_end(struct nbh_venc *e);

struct nbh_vdec {
	const uint8_t	*p, *end;
	uint64_t	 zrun;		/* zeros still owed */
};
int	nbh__vdec_get(struct nbh_vdec *d, uint64_t *u);

/* Room for n ids in *p (*cap of them now): 0 or -ENOMEM, *p unchanged then. */
int	nbh__ids_reserve(uint32_t **p, size_t *cap, size_t n);
/* Id lists (shape.names): zig-zag varint deltas of consecutive ids. */
int	nbh__ids_encode(struct nbh_buf *b, const uint32_t *ids, size_t n);
int	nbh__ids_decode(const uint8_t *p, size_t len, uint32_t *ids, size_t n);
/*
 * A shape as edits of its base shape (schema 3, shape.base): hunks of
 * varints (copy, drop, add, then the `add` ids as zig-zag deltas from the
 * id before them in the result), the rest of the base copied after the
 * last hunk. The encoder finds where an id sits in the base through pos
 * (pos[id] = 1 + its index in base, 0 or out of range: not there; only a
 * hint: a wrong one costs bytes, never correctness). The decoder checks
 * every count against the base and the result's length n.
 */
#define NBH_SHAPE_DEPTH_MAX	1024	/* edits on edits, at most: then a whole shape */
int	nbh__shape_diff_encode(struct nbh_buf *b, const uint32_t *base, size_t nb,
	    const uint32_t *pos, size_t npos, const uint32_t *ids, size_t n);
int	nbh__shape_diff_decode(const uint8_t *p, size_t len, const uint32_t *base, size_t nb,
	    uint32_t *out, size_t n);

/* ---- intern.c: byte string -> id ---- */

struct nbh_map {
	struct nbh_mslot {
		uint64_t hash;
		uint32_t id;		/* 0 = empty */
		uint32_t klen;
		size_t	 koff;		/* into keys */
	} *slots;
	size_t	 nslots, n;
	char	*keys;
	size_t	 klen, kcap;
};

void	nbh__map_free(struct nbh_map *m);
/* The id of key, or 0. */
uint32_t nbh__map_get(const struct nbh_map *m, const void *key, size_t len);
/* Insert key (absent) with id != 0. */
int	nbh__map_put(struct nbh_map *m, const void *key, size_t len, uint32_t id);

/* ---- rowsum.c: row checksums (schema 4, the checksum column of every table) ---- */

/* The columns of a sample row, in table order. */
struct nbh_sample_row {
	int64_t		 id, t_ns;
	const void	*source;
	size_t		 slen;
	int64_t		 boottime_ns, nobjects, nvalues, shape, keyframe;
	const void	*data;
	size_t		 dlen;
};

/* Schema version from which every row carries its checksum. */
#define NBH_SUM_VERSION	4

/* table 'd' (descr) or 's' (str). */
int64_t	nbh__sum_text(char table, int64_t id, const void *text, size_t len);
int64_t	nbh__sum_name(int64_t id, const void *name, size_t len, int64_t type, int64_t flags,
	    int64_t descr);
/* Schema 5: a part row (table 'p') and a name run row (table 'N'). */
int64_t	nbh__sum_part(int64_t id, const void *text, size_t len, int64_t type, int64_t flags,
	    int64_t descr);
int64_t	nbh__sum_run(int64_t id, int64_t parent, int64_t part, int64_t n);
/* base: 0 for NULL. */
int64_t	nbh__sum_shape(int64_t id, int64_t nnames, const void *names, size_t len, int64_t base);
int64_t	nbh__sum_sample(const struct nbh_sample_row *s);
/* An event row (schema 6): t_ns, object, ifindex, what, detail in table order. */
int64_t	nbh__sum_event(int64_t id, int64_t t_ns, const char *object, int64_t ifindex,
	    const char *what, const char *detail);
/* The SQL function nbh_checksum(table, columns...) on db (migration 4 uses it;
 * 'event' too, for tests that plant rows). Loads SQLite first (dlsqlite.h):
 * the tests call it on connections of their own. */
int	nbh__sum_register(sqlite3 *db);

/* ---- names.c: the name tree (schema 5) ---- */

/* Schema version from which names are parts and runs (tables part, name). */
#define NBH_TREE_VERSION	5

/* The part rows loaded, by id 1..max. */
struct nbh_parts {
	struct nbh_buf	 text;		/* the texts, each NUL-terminated */
	size_t		*off;
	uint32_t	*len, *type, *flags, *descr;
	uint32_t	 max;
	size_t		 cap;
};
void	nbh__parts_free(struct nbh_parts *p);

/* Where damage was found: table, row, what. */
struct nbh_dmg {
	const char	*table;
	int64_t		 row;
	const char	*what;
};

/* One name loaded: its id, its parent (0, or a lower id: loaded before), its part. */
typedef int (*nbh_name_fn)(void *arg, uint32_t id, uint32_t parent, uint32_t part);
/*
 * Load the parts after pt->max and the names after `after` (a run's end),
 * in id order, verifying each row (sums: schema 4 and later), calling fn
 * for each name. 0, NBH_ECORRUPT (*d says where), fn's -errno, or an
 * SQLite result code (> 0).
 */
int	nbh__names_load(sqlite3 *db, bool sums, struct nbh_parts *pt, uint32_t after,
	    nbh_name_fn fn, void *arg, struct nbh_dmg *d);

/* Adds names as parts and runs; the last run is written by nbh__namer_flush. */
struct nbh_namer {
	sqlite3_stmt	*ins_part, *ins_name;
	struct nbh_map	 parts;		/* part key (text, type, flags, descr) -> id */
	struct nbh_map	 full;		/* full name text -> a name id */
	uint32_t	 last_part;
	uint32_t	 r_id, r_parent, r_part, r_n;	/* the run not yet written (r_n 0: none) */
};
/* The insert statements on db: an SQLite result code. */
int	nbh__namer_prepare(struct nbh_namer *nm, sqlite3 *db);
/* Maps emptied, the pending run dropped (a rollback; statements kept). */
void	nbh__namer_clear(struct nbh_namer *nm);
void	nbh__namer_free(struct nbh_namer *nm);
/* What the file holds (loading): -errno. */
int	nbh__namer_note_part(struct nbh_namer *nm, uint32_t id, const char *text, size_t len,
	    unsigned type, unsigned flags, uint32_t descr);
int	nbh__namer_note_name(struct nbh_namer *nm, uint32_t id, const char *text, size_t len);
/* Name `id` (above every id added or noted): 0, -errno or an SQLite result code (> 0). */
int	nbh__namer_add(struct nbh_namer *nm, uint32_t id, const char *name, size_t len,
	    unsigned type, unsigned flags, uint32_t descr);
/* Write the pending run: 0 or an SQLite result code. */
int	nbh__namer_flush(struct nbh_namer *nm);
/* Migration 5's code: the rows of name_v4 as parts and runs (an SQLite result code). */
int	nbh__names_migrate(sqlite3 *db);

/* ---- faultvfs.c: a test hook ---- */

/* "nbh-eio" when NBH_TEST_EIO_AFTER=N is set (writes fail with EIO after N), else NULL. */
const char *nbh__test_vfs(void);

/* ---- schema.c ---- */

/* The embedded schema/history/NNN-*.sql, versions 1..nbh__nmigrations (NULL: a
 * number without a file in this build, an empty step). */
extern const char *const nbh__migrations[];
extern const unsigned nbh__nmigrations;

/* Control characters of an SQLite message (a damaged schema's text) become spaces: one line. */
void	nbh__oneline(char *s);
/* -errno for an SQLite result code (with the system errno where it helps). */
int	nbh__sqlerr(sqlite3 *db, int rc);
/*
 * Open path (writable: create and migrate; else read-only) and check that it
 * is a history file this version can use. Fills err on failure. *immutable
 * (if not NULL): opened immutable (a reader of a file nobody writes).
 */
int	nbh__db_open(const char *path, bool writable, sqlite3 **out, bool *immutable, char *err,
	    size_t errlen);
/* A recorder holds path's lock, or its WAL has frames: the file is being (or was) written. */
bool	nbh__db_written(const char *path);
/* The file's schema version (PRAGMA user_version), or -1. */
int64_t	nbh__db_version(sqlite3 *db);
/* Apply migrations from the file's version up to `upto` (tests: a v1 file, on a
 * connection of their own: SQLite is loaded first, NBH_ENOSQLITE). */
int	nbh__migrate(sqlite3 *db, unsigned upto, char *err, size_t errlen);

#endif /* NBHISTORY_HIST_H */
