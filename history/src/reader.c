/* SPDX-License-Identifier: BSD-2-Clause */
/* reader.c - rebuilding a recorded sample: seek by time, decode from its keyframe, step forward. */
/*
 * Concurrency: a reader has its own read-only connection. In WAL mode each
 * statement runs in a read transaction on a snapshot, so a recorder's
 * sample is seen whole or not at all; the range decode (keyframe .. target)
 * is one statement, hence one snapshot. Samples are only appended, so ids
 * learned from one snapshot stay valid in the next. Nothing here writes:
 * the connection is read-only, and immutable (no locks, no -shm) when no
 * recorder held the file's lock at open and no WAL frames waited
 * (schema.c). Before each operation an immutable reader tests that again
 * (refresh) and reopens the file as WAL once a recorder has started, so
 * it sees the recorder's samples. A recorder writes the file itself only
 * when it checkpoints (its WAL past 1,000 pages, or its close): only an
 * operation already running when a recorder starts and checkpoints could
 * meet pages of two states, which the row checksums (or SQLite) report as
 * damage; it never gives values of a row not written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dlsqlite.h"
#include "hist.h"

struct rname {
	size_t		 off;		/* the text, in ntext (NUL-terminated) */
	size_t		 len;
	unsigned	 type, flags;
	uint32_t	 descr;
};

struct strtab {
	char		**s;
	size_t		*len;
	uint32_t	 max;		/* loaded ids 1..max */
	size_t		 cap;
};

struct nbh_reader {
	char		*path;
	sqlite3		*db;
	bool		 immutable;	/* opened so: no recorder at the time */
	bool		 sums;		/* schema 4: every row has its checksum */
	bool		 tree;		/* schema 5: names are parts and runs */
	struct nbh_parts parts;		/* schema 5: the parts loaded */
	sqlite3_stmt	*q_le, *q_ge, *q_range, *q_next, *q_prev, *q_shape;
	struct rname	*names;
	struct nbh_buf	 ntext;		/* the names' texts, one allocation */
	uint32_t	 max_name;
	size_t		 ncap;
	struct strtab	 strs, descrs;
	/* By name id: the decoded value and the decode step (seq) that set it. */
	int64_t		*val;
	uint64_t	*stamp;
	size_t		 scap;
	uint64_t	 seq;
	/* The shape of the current sample. */
	int64_t		 shape_id;
	/* The value names (not nodes) of shape vids_shape, in order. */
	uint32_t	*vids;
	size_t		 nvids, vcap;
	int64_t		 vids_shape;
	/* The shape of the sample applied last (0: none, or the state is not whole). */
	int64_t		 applied_shape;
	uint32_t	*shape, *shtmp;	/* shtmp: a shape decoded from its base */
	size_t		 nshape, shcap, tmpcap;
	/* The current sample. */
	bool		 have;
	struct nbh_sample_info info;
	char		 source[64];
	struct nbh_entry *ents;
	size_t		 nents, entcap;
	/* The sample a seek or next is reading, for messages (at_id 0: none). */
	int64_t		 at_id, at_t;
	char		 err[256];
	nbh_progress_fn	 progress;
	void		*progress_arg;
};

static nbh_progress_fn progress_fn;
static void *progress_arg;

void
nbh_set_progress(nbh_progress_fn fn, void *arg)
{
	progress_fn = fn;
	progress_arg = arg;
}

static inline void
progress(const struct nbh_reader *r, uint64_t done, uint64_t total)
{
	if (r->progress != NULL)
		r->progress(done, total, r->progress_arg);
}

#define SAMPLE_COLS	"id, t_ns, source, boottime_ns, nobjects, nvalues, shape, keyframe, data"

static int
rerr(struct nbh_reader *r, int rc, const char *what)
{
	int error = nbh__sqlerr(r->db, rc);

	if (error == 0)
		error = -EIO;
	if (error == NBH_ECORRUPT)
		snprintf(r->err, sizeof(r->err), "damaged database (%s: %s)", what,
		    sqlite3_errmsg(r->db));
	else
		snprintf(r->err, sizeof(r->err), "%s: %s", what, sqlite3_errmsg(r->db));
	nbh__oneline(r->err);
	return error;
}

static void fmt_time(int64_t t_ns, char *buf, size_t size);

/*
 * Damage found in row `row` of `table` while reading the sample at_id:
 * "damaged sample at TIME (id N): what", naming the table and row when
 * they are not that sample's; "damaged TABLE row R: what" outside a read.
 */
static int
damaged(struct nbh_reader *r, const char *table, int64_t row, const char *what)
{
	char when[40];

	if (r->at_id == 0) {
		snprintf(r->err, sizeof(r->err), "damaged %s row %lld: %s", table, (long long)row,
		    what);
		return NBH_ECORRUPT;
	}
	fmt_time(r->at_t, when, sizeof(when));
	if (strcmp(table, "sample") == 0 && row == r->at_id)
		snprintf(r->err, sizeof(r->err), "damaged sample at %s (id %lld): %s", when,
		    (long long)r->at_id, what);
	else
		snprintf(r->err, sizeof(r->err), "damaged sample at %s (id %lld): %s row %lld: %s",
		    when, (long long)r->at_id, table, (long long)row, what);
	return NBH_ECORRUPT;
}

/* Damage in the sample being read itself. */
static int
corrupt(struct nbh_reader *r, const char *what)
{
	return damaged(r, "sample", r->at_id, what);
}

const char *
nbh_reader_error(const struct nbh_reader *r)
{
	return r->err;
}

/* ---- open / close ---- */

/* Close the connection and its statements (the decoded state stays). */
static void
disconnect(struct nbh_reader *r)
{
	sqlite3_finalize(r->q_le);
	sqlite3_finalize(r->q_ge);
	sqlite3_finalize(r->q_range);
	sqlite3_finalize(r->q_next);
	sqlite3_finalize(r->q_prev);
	sqlite3_finalize(r->q_shape);
	r->q_le = r->q_ge = r->q_range = r->q_next = r->q_prev = r->q_shape = NULL;
	sqlite3_close(r->db);
	r->db = NULL;
}

/* Open the file (immutable or WAL: schema.c), learn its version, prepare the queries. */
static int
connect(struct nbh_reader *r, char *err, size_t errlen)
{
	/* %s: ", checksum" (schema 4) or ", NULL" (older files: nothing to verify). */
	static const char *const sql[] = {
		"SELECT id, keyframe, t_ns FROM sample WHERE t_ns <= ? ORDER BY t_ns DESC LIMIT 1",
		"SELECT id, keyframe, t_ns FROM sample WHERE t_ns >= ? ORDER BY t_ns LIMIT 1",
		"SELECT " SAMPLE_COLS "%s FROM sample WHERE id BETWEEN ? AND ? ORDER BY id",
		"SELECT " SAMPLE_COLS "%s FROM sample WHERE id > ? ORDER BY id LIMIT 1",
		"SELECT " SAMPLE_COLS "%s FROM sample WHERE id < ? ORDER BY id DESC LIMIT 1",
		"SELECT nnames, names, base, id%s FROM shape WHERE id = ?",
	};
	/* Files before schema 3 have no shape.base: every shape is whole. */
	static const char shape_v2[] = "SELECT nnames, names, NULL, id, NULL FROM shape WHERE id = ?";
	char q[256];
	sqlite3_stmt **stp[6], *st;
	int64_t ver;
	unsigned i;
	bool has_sum, has_tree;
	int rc, error;

	if ((error = nbh__db_open(r->path, false, &r->db, &r->immutable, err, errlen)) != 0)
		return error;
	/*
	 * Whether rows carry checksums is the schema version's word, and the
	 * tables must agree: a damaged user_version must not turn checks off.
	 */
	ver = nbh__db_version(r->db);
	has_sum = sqlite3_prepare_v2(r->db, "SELECT checksum FROM sample", -1, &st, NULL) ==
	    SQLITE_OK;
	sqlite3_finalize(st);
	r->sums = ver >= NBH_SUM_VERSION;
	if (ver < 0 || has_sum != r->sums) {
		snprintf(err, errlen, "damaged database (schema version %lld, %s checksums)",
		    (long long)ver, has_sum ? "with" : "without");
		return NBH_ECORRUPT;
	}
	/* The same for the name tree: its table part exists exactly from version 5. */
	has_tree = sqlite3_prepare_v2(r->db, "SELECT id FROM part", -1, &st, NULL) == SQLITE_OK;
	sqlite3_finalize(st);
	r->tree = ver >= NBH_TREE_VERSION;
	if (has_tree != r->tree) {
		snprintf(err, errlen, "damaged database (schema version %lld, %s name tree)",
		    (long long)ver, has_tree ? "with" : "without");
		return NBH_ECORRUPT;
	}
	stp[0] = &r->q_le;
	stp[1] = &r->q_ge;
	stp[2] = &r->q_range;
	stp[3] = &r->q_next;
	stp[4] = &r->q_prev;
	stp[5] = &r->q_shape;
	for (i = 0; i < 6; i++) {
		snprintf(q, sizeof(q), sql[i], r->sums ? ", checksum" : ", NULL");
		if ((rc = sqlite3_prepare_v3(r->db, q, -1, SQLITE_PREPARE_PERSISTENT,
		    stp[i], NULL)) != SQLITE_OK && i == 5 && !r->sums)
			rc = sqlite3_prepare_v3(r->db, shape_v2, -1, SQLITE_PREPARE_PERSISTENT,
			    stp[i], NULL);
		if (rc != SQLITE_OK) {
			error = rerr(r, rc, "prepare");
			if (r->sums && error != NBH_ECORRUPT)
				snprintf(r->err, sizeof(r->err), "damaged database (%s)",
				    sqlite3_errmsg(r->db));
			nbh__oneline(r->err);
			snprintf(err, errlen, "%s", r->err);
			return r->sums ? NBH_ECORRUPT : error;
		}
	}
	return 0;
}

/*
 * Before each operation of a reader opened immutable: a recorder that has
 * started since (its lock, or frames in the WAL) will write the file;
 * reopen it as WAL, to read its commits and never a checkpoint half done.
 * Sample, name, string and description ids stay valid (append-only).
 */
static int
refresh(struct nbh_reader *r)
{
	int error;

	if (r->db != NULL && (!r->immutable || !nbh__db_written(r->path)))
		return 0;
	disconnect(r);
	if ((error = connect(r, r->err, sizeof(r->err))) != 0)
		disconnect(r);
	r->shape_id = 0;
	return error;
}

int
nbh_reader_open(const char *path, struct nbh_reader **out, char *err, size_t errlen)
{
	char dummy[8];
	struct nbh_reader *r;
	int error;

	if (err == NULL) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if ((error = nbh__sqlite_load(err, errlen)) != 0)
		return error;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -ENOMEM;
	r->progress = progress_fn;
	r->progress_arg = progress_arg;
	if ((r->path = strdup(path)) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	if ((error = connect(r, err, errlen)) != 0)
		goto out;
	*out = r;
	return 0;
out:
	nbh_reader_close(&r);
	return error;
}

static void
strtab_free(struct strtab *t)
{
	uint32_t i;

	for (i = 1; i <= t->max; i++)
		free(t->s[i]);
	free(t->s);
	free(t->len);
}

void
nbh_reader_close(struct nbh_reader **rp)
{
	struct nbh_reader *r = *rp;

	if (r == NULL)
		return;
	disconnect(r);
	free(r->path);
	free(r->names);
	nbh__buf_free(&r->ntext);
	nbh__parts_free(&r->parts);
	strtab_free(&r->strs);
	strtab_free(&r->descrs);
	free(r->val);
	free(r->stamp);
	free(r->vids);
	free(r->shape);
	free(r->shtmp);
	free(r->ents);
	free(r);
	*rp = NULL;
}

/* ---- interned tables, loaded as they grow ---- */

static int
strtab_load(struct nbh_reader *r, struct strtab *t, const char *table, uint32_t need)
{
	char sql[128];
	sqlite3_stmt *st = NULL;
	uint32_t id;
	size_t len;
	int rc, error = 0;

	if (need <= t->max)
		return 0;
	snprintf(sql, sizeof(sql), "SELECT id, text, %s FROM %s WHERE id > ? ORDER BY id",
	    r->sums ? "checksum" : "NULL", table);
	if ((rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL)) != SQLITE_OK)
		return rerr(r, rc, table);
	sqlite3_bind_int64(st, 1, t->max);
	while (error == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = (uint32_t)sqlite3_column_int64(st, 0);
		if (id != t->max + 1) {
			error = damaged(r, table, id, t->max + 1 < id ? "rows missing before it" :
			    "out of order");
			break;
		}
		if (sqlite3_column_type(st, 1) != SQLITE_TEXT) {
			error = damaged(r, table, id, "no text");
			break;
		}
		if (r->sums && (sqlite3_column_type(st, 2) != SQLITE_INTEGER ||
		    sqlite3_column_int64(st, 2) != nbh__sum_text(table[0], sqlite3_column_int64(st, 0),
		    sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1)))) {
			error = damaged(r, table, id, "checksum mismatch");
			break;
		}
		if (id >= t->cap) {
			size_t cap = t->cap != 0 ? t->cap * 2 : 256;
			char **s;
			size_t *l;

			while (cap <= id)
				cap *= 2;
			if ((s = realloc(t->s, cap * sizeof(*s))) == NULL ||
			    ((t->s = s), (l = realloc(t->len, cap * sizeof(*l))) == NULL)) {
				error = -ENOMEM;
				break;
			}
			t->len = l;
			t->cap = cap;
		}
		len = (size_t)sqlite3_column_bytes(st, 1);
		if ((t->s[id] = malloc(len + 1)) == NULL) {
			error = -ENOMEM;
			break;
		}
		memcpy(t->s[id], sqlite3_column_text(st, 1), len);
		t->s[id][len] = '\0';
		t->len[id] = len;
		t->max = id;
	}
	sqlite3_finalize(st);
	if (error == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		error = rerr(r, rc, table);
	if (error == 0 && need > t->max)
		error = damaged(r, table, need, "missing");
	return error;
}

/* Room for name id in names, val and stamp. */
static int
names_grow(struct nbh_reader *r, uint32_t id)
{
	size_t cap;
	struct rname *n;
	int64_t *v;
	uint64_t *s;

	if (id < r->ncap)
		return 0;
	cap = r->ncap != 0 ? r->ncap * 2 : 1024;
	while (cap <= id)
		cap *= 2;
	if ((n = realloc(r->names, cap * sizeof(*n))) == NULL)
		return -ENOMEM;
	r->names = n;
	if ((v = realloc(r->val, cap * sizeof(*v))) == NULL)
		return -ENOMEM;
	r->val = v;
	if ((s = realloc(r->stamp, cap * sizeof(*s))) == NULL)
		return -ENOMEM;
	r->stamp = s;
	memset(r->val + r->ncap, 0, (cap - r->ncap) * sizeof(*v));
	memset(r->stamp + r->ncap, 0, (cap - r->ncap) * sizeof(*s));
	r->ncap = cap;
	return 0;
}

/* A name of the tree (schema 5) loaded: its parent's text, a dot, its part's. */
static int
tree_name(void *arg, uint32_t id, uint32_t parent, uint32_t part)
{
	struct nbh_reader *r = arg;
	const struct nbh_parts *pt = &r->parts;
	size_t plen = parent != 0 ? r->names[parent].len + 1 : 0;
	struct rname *n;
	char *t;
	int error;

	if ((error = names_grow(r, id)) != 0 ||
	    (error = nbh__buf_reserve(&r->ntext, plen + pt->len[part] + 1)) != 0)
		return error;
	n = &r->names[id];
	n->off = r->ntext.len;
	t = (char *)r->ntext.p + n->off;
	if (parent != 0) {
		memcpy(t, r->ntext.p + r->names[parent].off, plen - 1);
		t[plen - 1] = '.';
	}
	memcpy(t + plen, pt->text.p + pt->off[part], pt->len[part] + 1);
	n->len = plen + pt->len[part];
	r->ntext.len += n->len + 1;
	n->type = pt->type[part];
	n->flags = pt->flags[part];
	n->descr = pt->descr[part];
	r->max_name = id;
	return 0;
}

/* Schema 5: the names added since the last load (none: 0). */
static int
names_refresh(struct nbh_reader *r)
{
	struct nbh_dmg d = { 0 };
	int error;

	error = nbh__names_load(r->db, r->sums, &r->parts, r->max_name, tree_name, r, &d);
	if (error == NBH_ECORRUPT && d.what != NULL)
		return damaged(r, d.table, d.row, d.what);
	if (error > 0)
		return rerr(r, error, "names");
	return error;
}

static int
names_load(struct nbh_reader *r, uint32_t need)
{
	sqlite3_stmt *st = NULL;
	struct rname *n;
	uint32_t id;
	size_t len;
	int rc, error = 0;

	if (need <= r->max_name)
		return 0;
	if (r->tree) {
		if ((error = names_refresh(r)) == 0 && need > r->max_name)
			error = damaged(r, "name", need, "missing");
		return error;
	}
	if ((rc = sqlite3_prepare_v2(r->db, r->sums ? "SELECT id, name, type, flags, descr, "
	    "checksum FROM name WHERE id > ? ORDER BY id" : "SELECT id, name, type, flags, descr, "
	    "NULL FROM name WHERE id > ? ORDER BY id", -1, &st, NULL)) != SQLITE_OK)
		return rerr(r, rc, "names");
	sqlite3_bind_int64(st, 1, r->max_name);
	while (error == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = (uint32_t)sqlite3_column_int64(st, 0);
		if (id != r->max_name + 1) {
			error = damaged(r, "name", id, r->max_name + 1 < id ? "rows missing before it" :
			    "out of order");
			break;
		}
		if (sqlite3_column_type(st, 1) != SQLITE_TEXT) {
			error = damaged(r, "name", id, "no text");
			break;
		}
		if (r->sums && (sqlite3_column_type(st, 5) != SQLITE_INTEGER ||
		    sqlite3_column_int64(st, 5) != nbh__sum_name(sqlite3_column_int64(st, 0),
		    sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1),
		    sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
		    sqlite3_column_int64(st, 4)))) {
			error = damaged(r, "name", id, "checksum mismatch");
			break;
		}
		if ((error = names_grow(r, id)) != 0)
			break;
		n = &r->names[id];
		len = (size_t)sqlite3_column_bytes(st, 1);
		if ((error = nbh__buf_reserve(&r->ntext, len + 1)) != 0)
			break;
		n->off = r->ntext.len;
		memcpy(r->ntext.p + n->off, sqlite3_column_text(st, 1), len);
		r->ntext.p[n->off + len] = '\0';
		n->len = len;
		r->ntext.len += len + 1;
		n->type = (unsigned)sqlite3_column_int(st, 2);
		n->flags = (unsigned)sqlite3_column_int64(st, 3);
		n->descr = (uint32_t)sqlite3_column_int64(st, 4);
		r->max_name = id;
	}
	sqlite3_finalize(st);
	if (error == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		error = rerr(r, rc, "names");
	if (error == 0 && need > r->max_name)
		error = damaged(r, "name", need, "missing");
	return error;
}

/* ---- decoding ---- */

/* Make shape sid the current one: decoded whole, or from its base (decoded first). */
static int
shape_decode(struct nbh_reader *r, int64_t sid, unsigned depth)
{
	uint8_t *blob = NULL;
	const void *pblob;
	uint32_t *t;
	int64_t nn, base;
	size_t len, tc;
	int rc, error;

	if (sid == r->shape_id)
		return 0;
	sqlite3_reset(r->q_shape);
	sqlite3_bind_int64(r->q_shape, 1, sid);
	if ((rc = sqlite3_step(r->q_shape)) != SQLITE_ROW) {
		sqlite3_reset(r->q_shape);
		return rc == SQLITE_DONE ? damaged(r, "shape", sid, "missing") : rerr(r, rc, "shape");
	}
	nn = sqlite3_column_int64(r->q_shape, 0);
	base = sqlite3_column_int64(r->q_shape, 2);	/* NULL: 0 */
	pblob = sqlite3_column_blob(r->q_shape, 1);
	len = (size_t)sqlite3_column_bytes(r->q_shape, 1);
	if (sqlite3_column_int64(r->q_shape, 3) != sid || (r->sums &&
	    (sqlite3_column_type(r->q_shape, 1) != SQLITE_BLOB ||
	    sqlite3_column_type(r->q_shape, 4) != SQLITE_INTEGER ||
	    sqlite3_column_int64(r->q_shape, 4) != nbh__sum_shape(sid, nn, pblob, len, base)))) {
		sqlite3_reset(r->q_shape);
		return damaged(r, "shape", sid, "checksum mismatch");
	}
	/*
	 * A whole list costs a byte an id, but for runs (schema 5): then it
	 * has at most as many ids as the file has names (loaded, verified).
	 */
	if (r->tree && base == 0 && nn > 0 && (size_t)nn > len && nn > (int64_t)r->max_name &&
	    (error = names_refresh(r)) != 0) {
		sqlite3_reset(r->q_shape);
		return error;
	}
	if (nn < 0 || (base == 0 && (size_t)nn > len && (!r->tree || nn > (int64_t)r->max_name)) ||
	    base < 0 || base >= sid ||
	    depth > NBH_SHAPE_DEPTH_MAX) {
		sqlite3_reset(r->q_shape);
		return damaged(r, "shape", sid, "bad header");
	}
	/* The row is gone at the next step: keep the blob. */
	if ((blob = malloc(len + 1)) == NULL) {
		sqlite3_reset(r->q_shape);
		return -ENOMEM;
	}
	if (len > 0)
		memcpy(blob, pblob, len);
	sqlite3_reset(r->q_shape);
	if (base != 0) {
		if ((error = shape_decode(r, base, depth + 1)) != 0 ||
		    (error = nbh__ids_reserve(&r->shtmp, &r->tmpcap, (size_t)nn)) != 0)
			goto out;
		if (nbh__shape_diff_decode(blob, len, r->shape, r->nshape, r->shtmp, (size_t)nn) != 0) {
			error = damaged(r, "shape", sid, "bad name list");
			goto out;
		}
		t = r->shape;		/* the result becomes the current shape */
		r->shape = r->shtmp;
		r->shtmp = t;
		tc = r->shcap;
		r->shcap = r->tmpcap;
		r->tmpcap = tc;
	} else {
		if ((error = nbh__ids_reserve(&r->shape, &r->shcap, (size_t)nn)) != 0)
			goto out;
		if (nbh__ids_decode(blob, len, r->shape, (size_t)nn) != 0) {
			error = damaged(r, "shape", sid, "bad name list");
			goto out;
		}
	}
	r->nshape = (size_t)nn;
	r->shape_id = sid;
	error = 0;
out:
	if (error != 0)
		r->shape_id = 0;
	free(blob);
	return error;
}

static int
load_shape(struct nbh_reader *r, int64_t sid)
{
	uint32_t max = 0;
	size_t i;
	int error;

	if (sid == r->shape_id)
		return 0;
	if ((error = shape_decode(r, sid, 0)) != 0)
		return error;
	r->shape_id = 0;
	for (i = 0; i < r->nshape; i++)
		if (r->shape[i] > max)
			max = r->shape[i];
	if ((error = names_load(r, max)) != 0)
		return error;
	r->shape_id = sid;
	return 0;
}

/* The sample row under st (SAMPLE_COLS, checksum) is as written (schema 4). */
static bool
sample_ok(const struct nbh_reader *r, sqlite3_stmt *st)
{
	struct nbh_sample_row s;

	if (!r->sums)
		return true;
	if (sqlite3_column_type(st, 2) != SQLITE_TEXT || sqlite3_column_type(st, 8) != SQLITE_BLOB ||
	    sqlite3_column_type(st, 9) != SQLITE_INTEGER)
		return false;
	s.id = sqlite3_column_int64(st, 0);
	s.t_ns = sqlite3_column_int64(st, 1);
	s.source = sqlite3_column_text(st, 2);
	s.slen = (size_t)sqlite3_column_bytes(st, 2);
	s.boottime_ns = sqlite3_column_int64(st, 3);
	s.nobjects = sqlite3_column_int64(st, 4);
	s.nvalues = sqlite3_column_int64(st, 5);
	s.shape = sqlite3_column_int64(st, 6);
	s.keyframe = sqlite3_column_int64(st, 7);
	s.data = sqlite3_column_blob(st, 8);
	s.dlen = (size_t)sqlite3_column_bytes(st, 8);
	return sqlite3_column_int64(st, 9) == nbh__sum_sample(&s);
}

/* The value names of the current shape (r->shape), for shape sid. */
static int
value_ids(struct nbh_reader *r, int64_t sid)
{
	size_t i;
	int error;

	if (r->vids_shape == sid)
		return 0;
	r->vids_shape = 0;
	if ((error = nbh__ids_reserve(&r->vids, &r->vcap, r->nshape)) != 0)
		return error;
	r->nvids = 0;
	for (i = 0; i < r->nshape; i++)
		if (r->names[r->shape[i]].type != NBH_TYPE_NODE)
			r->vids[r->nvids++] = r->shape[i];
	r->vids_shape = sid;
	return 0;
}

/*
 * Apply a delta blob of a sample whose shape is that of the sample
 * applied before it: every name was present, so each value is the one
 * before plus its delta, and a run of zero deltas changes nothing (it is
 * skipped whole). The stamps stay as they are: seq is not advanced, so
 * they still say "present in the previous sample" of every name.
 */
static int
apply_same(struct nbh_reader *r, struct nbh_vdec *d)
{
	const uint32_t *v = r->vids;
	size_t i = 0, n = r->nvids, k;
	uint64_t u, run;
	int error;

	while (i < n) {
		if (d->zrun > 0) {
			k = d->zrun < n - i ? (size_t)d->zrun : n - i;
			d->zrun -= k;
			i += k;
			continue;
		}
		if ((error = nbh__varint_get(&d->p, d->end, &u)) != 0)
			return error;
		if (u == 0) {
			if ((error = nbh__varint_get(&d->p, d->end, &run)) != 0)
				return error;
			d->zrun = run;
			i++;
			continue;
		}
		r->val[v[i]] = (int64_t)((uint64_t)r->val[v[i]] + (uint64_t)nbh__unzz(u));
		i++;
	}
	return 0;
}

/* Apply the sample row under `st` on top of the state. */
static int
apply(struct nbh_reader *r, sqlite3_stmt *st, bool key)
{
	int64_t id = sqlite3_column_int64(st, 0), sid = sqlite3_column_int64(st, 6), base;
	int64_t prev = r->applied_shape;
	const uint8_t *data;
	const char *src;
	int len;
	struct nbh_vdec d;
	uint64_t u;
	uint32_t nid;
	size_t i;
	int error;

	r->applied_shape = 0;
	if (!sample_ok(r, st))
		return damaged(r, "sample", id, "checksum mismatch");
	data = sqlite3_column_blob(st, 8);
	len = sqlite3_column_bytes(st, 8);
	src = (const char *)sqlite3_column_text(st, 2);
	if ((error = load_shape(r, sid)) != 0 || (error = value_ids(r, sid)) != 0)
		return error;
	if (len < 1 || data[0] != NBH_DATA_V1)
		return damaged(r, "sample", id, "unknown data format");
	d.p = data + 1;
	d.end = data + len;
	d.zrun = 0;
	if (!key && sid != 0 && sid == prev) {
		if (apply_same(r, &d) != 0)
			return damaged(r, "sample", id, "truncated values");
	} else {
		r->seq++;
		for (i = 0; i < r->nshape; i++) {
			nid = r->shape[i];
			if (r->names[nid].type != NBH_TYPE_NODE) {
				if ((error = nbh__vdec_get(&d, &u)) != 0)
					return damaged(r, "sample", id, "truncated values");
				base = !key && r->stamp[nid] == r->seq - 1 ? r->val[nid] : 0;
				r->val[nid] = (int64_t)((uint64_t)base + (uint64_t)nbh__unzz(u));
			}
			r->stamp[nid] = r->seq;
		}
	}
	if (d.p != d.end || d.zrun != 0)
		return damaged(r, "sample", id, "trailing values");
	r->applied_shape = sid;
	r->info.id = id;
	r->info.t_ns = sqlite3_column_int64(st, 1);
	snprintf(r->source, sizeof(r->source), "%s", src != NULL ? src : "");
	r->info.source = r->source;
	r->info.boottime_ns = sqlite3_column_int64(st, 3);
	r->info.nobjects = (uint32_t)sqlite3_column_int64(st, 4);
	r->info.nvalues = (uint32_t)sqlite3_column_int64(st, 5);
	r->info.bytes = (size_t)len;
	return 0;
}

/* The entries of the state as of the last applied sample. */
static int
build_entries(struct nbh_reader *r)
{
	struct nbh_entry *e;
	const struct rname *n;
	uint32_t sid, maxd = 0;
	size_t i;
	int error;

	if (r->nshape > r->entcap) {
		if ((e = realloc(r->ents, r->nshape * sizeof(*e))) == NULL)
			return -ENOMEM;
		r->ents = e;
		r->entcap = r->nshape;
	}
	for (i = 0; i < r->nshape; i++) {
		n = &r->names[r->shape[i]];
		if (n->descr > maxd)
			maxd = n->descr;
		if (n->type == NBH_TYPE_STRING || n->type == NBH_TYPE_ADDRESS) {
			sid = (uint32_t)r->val[r->shape[i]];
			if (r->val[r->shape[i]] <= 0 || r->val[r->shape[i]] > UINT32_MAX)
				return corrupt(r, "bad string id");
			if ((error = strtab_load(r, &r->strs, "str", sid)) != 0)
				return error;
		}
	}
	if ((error = strtab_load(r, &r->descrs, "descr", maxd)) != 0)
		return error;
	for (i = 0; i < r->nshape; i++) {
		e = &r->ents[i];
		n = &r->names[r->shape[i]];
		e->name_id = r->shape[i];
		e->name = (const char *)r->ntext.p + n->off;
		e->namelen = n->len;
		e->type = n->type;
		e->flags = n->flags;
		e->descr = n->descr >= 1 && n->descr <= r->descrs.max ? r->descrs.s[n->descr] : "";
		e->v = n->type == NBH_TYPE_NODE ? 0 : r->val[r->shape[i]];
		e->str = NULL;
		e->slen = 0;
		if (n->type == NBH_TYPE_STRING || n->type == NBH_TYPE_ADDRESS) {
			sid = (uint32_t)e->v;
			e->str = r->strs.s[sid];
			e->slen = r->strs.len[sid];
		}
	}
	r->nents = r->nshape;
	r->have = true;
	return 0;
}

static void
fmt_time(int64_t t_ns, char *buf, size_t size)
{
	time_t s = (time_t)(t_ns / 1000000000);
	struct tm tm;

	if (gmtime_r(&s, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%lld ns", (long long)t_ns);
}

int
nbh_reader_span(struct nbh_reader *r, int64_t *first_ns, int64_t *last_ns)
{
	/*
	 * Each from the index of times (one min or max a query: SQLite reads
	 * one entry of the index for it; count(*) read every page of the
	 * table, most of a replay's time on a large file). NULL: no sample.
	 */
	static const char q[] =
	    "SELECT (SELECT min(t_ns) FROM sample), (SELECT max(t_ns) FROM sample)";
	sqlite3_stmt *st = NULL;
	int rc, error;

	if ((error = refresh(r)) != 0)
		return error;
	if ((rc = sqlite3_prepare_v2(r->db, q, -1, &st, NULL)) != SQLITE_OK)
		return rerr(r, rc, "span");
	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		error = rerr(r, rc, "span");
	else if (sqlite3_column_type(st, 0) == SQLITE_NULL ||
	    sqlite3_column_type(st, 1) == SQLITE_NULL) {
		snprintf(r->err, sizeof(r->err), "no sample recorded in this file yet");
		error = NBH_EEMPTY;
	} else {
		*first_ns = sqlite3_column_int64(st, 0);
		*last_ns = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return error;
}

/*
 * The sample the index of times gave is the one asked for: its time is
 * the one the index holds and on the right side of t, and its neighbour
 * by id (the next one; at_or_after: the one before) is on the other side.
 * Times increase with ids, so a damaged index cannot give another sample.
 * A damaged neighbour leaves the question open: that is damage too, unless
 * the sample is at t itself.
 */
static int
check_neighbour(struct nbh_reader *r, int64_t t_ns, bool at_or_after)
{
	sqlite3_stmt *q = at_or_after ? r->q_prev : r->q_next;
	int64_t nid, nt;
	int rc, error = 0;

	if (r->info.t_ns != r->at_t || (at_or_after ? r->info.t_ns < t_ns : r->info.t_ns > t_ns))
		return corrupt(r, "the index of sample times does not match it");
	if (r->info.t_ns == t_ns)
		return 0;	/* times are unique: no other sample is at t */
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, r->info.id);
	if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		nid = sqlite3_column_int64(q, 0);
		nt = sqlite3_column_int64(q, 1);
		if (!sample_ok(r, q))
			error = damaged(r, "sample", nid, "checksum mismatch");
		else if (at_or_after ? nt >= t_ns || nid >= r->info.id :
		    nt <= t_ns || nid <= r->info.id)
			error = corrupt(r, "the index of sample times does not match it");
	} else if (rc != SQLITE_DONE)
		error = rerr(r, rc, "seek");
	sqlite3_reset(q);
	return error;
}

int
nbh_reader_seek(struct nbh_reader *r, int64_t t_ns, bool at_or_after)
{
	sqlite3_stmt *q;
	int64_t id, key, first, last, rid, prev_t;
	char when[40];
	bool first_row = true;
	int rc, error;

	r->err[0] = '\0';
	r->have = false;
	r->at_id = 0;
	if ((error = refresh(r)) != 0)
		return error;
	q = at_or_after ? r->q_ge : r->q_le;
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, t_ns);
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(q);
		if (rc != SQLITE_DONE)
			return rerr(r, rc, "seek");
		if ((error = nbh_reader_span(r, &first, &last)) != 0)
			return error;
		if (at_or_after) {
			fmt_time(last, when, sizeof(when));
			snprintf(r->err, sizeof(r->err), "no sample at or after that time "
			    "(the last is at %s)", when);
			return -ENOENT;
		}
		fmt_time(first, when, sizeof(when));
		snprintf(r->err, sizeof(r->err), "the time is before the first sample (%s)", when);
		return NBH_EBEFORE;
	}
	id = sqlite3_column_int64(q, 0);
	key = sqlite3_column_int64(q, 1);
	r->at_id = id;
	r->at_t = sqlite3_column_int64(q, 2);
	sqlite3_reset(q);
	if (key > id)
		return corrupt(r, "keyframe after the sample");
	sqlite3_reset(r->q_range);
	sqlite3_bind_int64(r->q_range, 1, key);
	sqlite3_bind_int64(r->q_range, 2, id);
	error = 0;
	prev_t = INT64_MIN;
	while (error == 0 && (rc = sqlite3_step(r->q_range)) == SQLITE_ROW) {
		rid = sqlite3_column_int64(r->q_range, 0);
		if (first_row && rid != key) {
			error = corrupt(r, "its keyframe is missing");
			break;
		}
		if (!first_row && rid != r->info.id + 1) {
			error = corrupt(r, "samples missing between it and its keyframe");
			break;
		}
		progress(r, (uint64_t)(rid - key), (uint64_t)(id - key + 1));
		if ((error = apply(r, r->q_range, first_row)) != 0)
			break;
		/* A row in the chain that is not of it (checksums match: a moved row). */
		if (sqlite3_column_int64(r->q_range, 7) != key || r->info.t_ns <= prev_t)
			error = damaged(r, "sample", rid, "not in the keyframe's chain");
		prev_t = r->info.t_ns;
		first_row = false;
	}
	progress(r, (uint64_t)(id - key + 1), (uint64_t)(id - key + 1));
	if (error == 0 && rc != SQLITE_DONE)
		error = rerr(r, rc, "decode");
	sqlite3_reset(r->q_range);
	if (error == 0 && (first_row || r->info.id != id))
		error = corrupt(r, "samples missing between it and its keyframe");
	if (error == 0)
		error = check_neighbour(r, t_ns, at_or_after);
	if (error != 0)
		return error;
	return build_entries(r);
}

int
nbh_reader_next(struct nbh_reader *r)
{
	int64_t id, key, prev_t;
	int rc, error;

	if (!r->have)
		return -EINVAL;
	if ((error = refresh(r)) != 0)
		return error;
	sqlite3_reset(r->q_next);
	sqlite3_bind_int64(r->q_next, 1, r->info.id);
	if ((rc = sqlite3_step(r->q_next)) != SQLITE_ROW) {
		sqlite3_reset(r->q_next);
		return rc == SQLITE_DONE ? -ENOENT : rerr(r, rc, "next");
	}
	id = sqlite3_column_int64(r->q_next, 0);
	key = sqlite3_column_int64(r->q_next, 7);
	r->at_id = id;
	r->at_t = sqlite3_column_int64(r->q_next, 1);
	if (key != id && id != r->info.id + 1) {
		sqlite3_reset(r->q_next);
		/* A hole in a delta chain: decode this sample from its keyframe. */
		return corrupt(r, "samples missing before it");
	}
	r->have = false;
	prev_t = r->info.t_ns;
	error = apply(r, r->q_next, key == id);
	sqlite3_reset(r->q_next);
	if (error == 0 && r->info.t_ns <= prev_t)
		error = corrupt(r, "its time is not after the sample before it");
	if (error != 0)
		return error;
	return build_entries(r);
}

int
nbh_reader_info(const struct nbh_reader *r, struct nbh_sample_info *si)
{
	if (!r->have)
		return -EINVAL;
	*si = r->info;
	return 0;
}

const struct nbh_entry *
nbh_reader_entries(const struct nbh_reader *r, size_t *n)
{
	*n = r->have ? r->nents : 0;
	return r->ents;
}

int
nbh_reader_list(struct nbh_reader *r, nbh_list_fn cb, void *arg)
{
	struct nbh_sample_info si;
	sqlite3_stmt *st = NULL;
	int64_t lo = 0, hi = 0, prev_id = INT64_MIN, prev_t = INT64_MIN;
	int rc, ret = 0;

	if ((ret = refresh(r)) != 0)
		return ret;

	/* min and max of the rowid: two b-tree descents, not a scan. */
	if (r->progress != NULL && sqlite3_prepare_v2(r->db, "SELECT min(id), max(id) FROM sample",
	    -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			lo = sqlite3_column_int64(st, 0);
			hi = sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	/* Each row read whole: its checksum covers the data too. */
	r->at_id = 0;
	if ((rc = sqlite3_prepare_v2(r->db, r->sums ? "SELECT " SAMPLE_COLS ", checksum FROM "
	    "sample ORDER BY id" : "SELECT " SAMPLE_COLS ", NULL FROM sample ORDER BY id", -1, &st,
	    NULL)) != SQLITE_OK)
		return rerr(r, rc, "list");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&si, 0, sizeof(si));
		si.id = sqlite3_column_int64(st, 0);
		si.t_ns = sqlite3_column_int64(st, 1);
		if (!sample_ok(r, st)) {
			ret = damaged(r, "sample", si.id, "checksum mismatch");
			break;
		}
		if (si.id <= prev_id || si.t_ns <= prev_t) {
			ret = damaged(r, "sample", si.id, "out of order");
			break;
		}
		prev_id = si.id;
		prev_t = si.t_ns;
		si.source = (const char *)sqlite3_column_text(st, 2);
		si.boottime_ns = sqlite3_column_int64(st, 3);
		si.nobjects = (uint32_t)sqlite3_column_int64(st, 4);
		si.nvalues = (uint32_t)sqlite3_column_int64(st, 5);
		si.bytes = (size_t)sqlite3_column_bytes(st, 8);
		if (hi > lo && si.id >= lo && si.id <= hi && (si.id - lo) % 256 == 0)
			progress(r, (uint64_t)(si.id - lo), (uint64_t)(hi - lo + 1));
		if ((ret = cb(&si, arg)) != 0)
			break;
	}
	if (hi > lo)
		progress(r, (uint64_t)(hi - lo + 1), (uint64_t)(hi - lo + 1));
	if (ret == 0 && rc != SQLITE_DONE)
		ret = rerr(r, rc, "list");
	sqlite3_finalize(st);
	return ret;
}

/* ---- events ---- */

int
nbh_reader_events(struct nbh_reader *r, int64_t from_ns, int64_t to_ns, nbh_event_fn cb,
    void *arg)
{
	static const char q_has[] =
	    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'event'";
	static const char q_rows[] = "SELECT id, t_ns, object, ifindex, what, detail, checksum "
				     "FROM event WHERE t_ns BETWEEN ? AND ? ORDER BY t_ns, id";
	sqlite3_stmt *st = NULL;
	struct nbh_event ev;
	int64_t id, at_id;
	int rc, error, has = 0;

	r->err[0] = '\0';
	if ((error = refresh(r)) != 0)
		return error;
	/* The table, not the version: a file may be at 6 without 5 (docs/history.md). */
	if ((rc = sqlite3_prepare_v2(r->db, q_has, -1, &st, NULL)) != SQLITE_OK)
		return rerr(r, rc, "events");
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		has = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rerr(r, rc, "events");
	if (!has) {
		snprintf(r->err, sizeof(r->err), "no events in this file (recorded before "
		    "nbstat kept them)");
		return -ENOENT;
	}
	if ((rc = sqlite3_prepare_v2(r->db, q_rows, -1, &st, NULL)) != SQLITE_OK)
		return rerr(r, rc, "events");
	sqlite3_bind_int64(st, 1, from_ns);
	sqlite3_bind_int64(st, 2, to_ns);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		ev.t_ns = sqlite3_column_int64(st, 1);
		ev.object = (const char *)sqlite3_column_text(st, 2);
		ev.ifindex = (uint32_t)sqlite3_column_int64(st, 3);
		ev.what = (const char *)sqlite3_column_text(st, 4);
		ev.detail = (const char *)sqlite3_column_text(st, 5);
		if (ev.object == NULL || ev.what == NULL || ev.detail == NULL ||
		    sqlite3_column_type(st, 6) != SQLITE_INTEGER ||
		    sqlite3_column_int64(st, 6) != nbh__sum_event(id, ev.t_ns, ev.object,
		    ev.ifindex, ev.what, ev.detail)) {
			at_id = r->at_id;
			r->at_id = 0;	/* "damaged event row N", not a sample's */
			error = damaged(r, "event", id, "checksum mismatch");
			r->at_id = at_id;
			break;
		}
		if ((error = cb(&ev, arg)) != 0)
			break;
	}
	if (error == 0 && rc != SQLITE_DONE)
		error = rerr(r, rc, "events");
	sqlite3_finalize(st);
	return error;
}
