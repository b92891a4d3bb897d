/* SPDX-License-Identifier: BSD-2-Clause */
/* names.c - the name tree of schema 5: parts, runs of names, loading, and the 4 -> 5 migration. */
/*
 * A name is stored as its parent's id and its last component (a `part`:
 * text, type, flags, description, interned). Names whose ids follow each
 * other with the same parent and parts that follow each other are one row
 * of the `name` table (id, parent, part, n): the leaves of an interface
 * recorded in walk order are a run of one row, whatever their number. A
 * parent's id is always below its children's, so a reader builds each
 * full name from its parent's, loading in id order. The parent of a new
 * name is the name with the longest prefix of its text (at a dot that is
 * not escaped) recorded before; none: parent 0, the part is the whole name.
 *
 * Not concurrent: one namer per writer (or per migrating connection).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dlsqlite.h"
#include "hist.h"

#define PKEYMAX (4096 + 16)

void
nbh__parts_free(struct nbh_parts *p)
{
	nbh__buf_free(&p->text);
	free(p->off);
	free(p->len);
	free(p->type);
	free(p->flags);
	free(p->descr);
	memset(p, 0, sizeof(*p));
}

static int
parts_grow(struct nbh_parts *p, uint32_t id)
{
	size_t cap = p->cap != 0 ? p->cap : 256;
	void *q;

	if (id < p->cap)
		return 0;
	while (cap <= id)
		cap *= 2;
#define GROW(f)                                                       \
	do {                                                          \
		if ((q = realloc(p->f, cap * sizeof(*p->f))) == NULL) \
			return -ENOMEM;                               \
		p->f = q;                                             \
	} while (0)
	GROW(off);
	GROW(len);
	GROW(type);
	GROW(flags);
	GROW(descr);
#undef GROW
	p->cap = cap;
	return 0;
}

/* Part rows after p->max, verified; 0, NBH_ECORRUPT (*d), -errno or an SQLite code (> 0). */
static int
parts_load(sqlite3 *db, bool sums, struct nbh_parts *p, struct nbh_dmg *d)
{
	sqlite3_stmt *st = NULL;
	const void *txt;
	uint32_t id;
	size_t len;
	int rc, error = 0;

	if ((rc = sqlite3_prepare_v2(db, "SELECT id, text, type, flags, descr, checksum FROM part "
					 "WHERE id > ? ORDER BY id",
		 -1, &st, NULL)) != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, p->max);
	while (error == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = (uint32_t)sqlite3_column_int64(st, 0);
		d->table = "part";
		d->row = sqlite3_column_int64(st, 0);
		if (sqlite3_column_int64(st, 0) != (int64_t)p->max + 1) {
			d->what = sqlite3_column_int64(st, 0) > (int64_t)p->max + 1 ?
				      "rows missing before it" :
				      "out of order";
			error = NBH_ECORRUPT;
			break;
		}
		if ((txt = sqlite3_column_text(st, 1)) == NULL) {
			d->what = "no text";
			error = NBH_ECORRUPT;
			break;
		}
		len = (size_t)sqlite3_column_bytes(st, 1);
		if (len == 0 || len > 4096 || (sums && (sqlite3_column_type(st, 5) != SQLITE_INTEGER || sqlite3_column_int64(st, 5) != nbh__sum_part(id, txt, len, sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4))))) {
			d->what = len == 0 || len > 4096 ? "bad text" : "checksum mismatch";
			error = NBH_ECORRUPT;
			break;
		}
		if ((error = parts_grow(p, id)) != 0 ||
		    (error = nbh__buf_reserve(&p->text, len + 1)) != 0)
			break;
		p->off[id] = p->text.len;
		p->len[id] = (uint32_t)len;
		memcpy(p->text.p + p->text.len, txt, len);
		p->text.p[p->text.len + len] = '\0';
		p->text.len += len + 1;
		p->type[id] = (uint32_t)sqlite3_column_int64(st, 2);
		p->flags[id] = (uint32_t)sqlite3_column_int64(st, 3);
		p->descr[id] = (uint32_t)sqlite3_column_int64(st, 4);
		p->max = id;
	}
	sqlite3_finalize(st);
	if (error != 0)
		return error;
	return rc == SQLITE_DONE ? 0 : rc;
}

int
nbh__names_load(sqlite3 *db, bool sums, struct nbh_parts *pt, uint32_t after, nbh_name_fn fn,
    void *arg, struct nbh_dmg *d)
{
	sqlite3_stmt *st = NULL;
	int64_t id, parent, part, n, k, next = (int64_t)after + 1;
	int rc, error;

	if ((error = parts_load(db, sums, pt, d)) != 0)
		return error;
	if ((rc = sqlite3_prepare_v2(db, "SELECT id, parent, part, n, checksum FROM name "
					 "WHERE id > ? ORDER BY id",
		 -1, &st, NULL)) != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, after);
	while (error == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		parent = sqlite3_column_int64(st, 1);
		part = sqlite3_column_int64(st, 2);
		n = sqlite3_column_int64(st, 3);
		d->table = "name";
		d->row = id;
		d->what = NULL;
		if (sums && (sqlite3_column_type(st, 4) != SQLITE_INTEGER ||
				sqlite3_column_int64(st, 4) != nbh__sum_run(id, parent, part, n)))
			d->what = "checksum mismatch";
		else if (id != next)
			d->what = id > next ? "rows missing before it" : "out of order";
		else if (n < 1 || n > UINT32_MAX - id)
			d->what = "bad run";
		else if (parent < 0 || parent >= id)
			d->what = "bad parent";
		else if (part < 1 || part + n - 1 > (int64_t)pt->max)
			d->what = "part missing";
		if (d->what != NULL) {
			error = NBH_ECORRUPT;
			break;
		}
		for (k = 0; k < n && error == 0; k++)
			error = fn(arg, (uint32_t)(id + k), (uint32_t)parent, (uint32_t)(part + k));
		next = id + n;
	}
	sqlite3_finalize(st);
	if (error != 0)
		return error;
	return rc == SQLITE_DONE ? 0 : rc;
}

/* ---- writing ---- */

int
nbh__namer_prepare(struct nbh_namer *nm, sqlite3 *db)
{
	int rc;

	if ((rc = sqlite3_prepare_v3(db, "INSERT INTO part(id, text, type, flags, descr, checksum) "
					 "VALUES (?, ?, ?, ?, ?, ?)",
		 -1, SQLITE_PREPARE_PERSISTENT, &nm->ins_part, NULL)) !=
	    SQLITE_OK)
		return rc;
	return sqlite3_prepare_v3(db, "INSERT INTO name(id, parent, part, n, checksum) "
				      "VALUES (?, ?, ?, ?, ?)",
	    -1, SQLITE_PREPARE_PERSISTENT, &nm->ins_name, NULL);
}

void
nbh__namer_clear(struct nbh_namer *nm)
{
	nbh__map_free(&nm->parts);
	nbh__map_free(&nm->full);
	nm->last_part = 0;
	nm->r_n = 0;
}

void
nbh__namer_free(struct nbh_namer *nm)
{
	sqlite3_finalize(nm->ins_part);
	sqlite3_finalize(nm->ins_name);
	nm->ins_part = nm->ins_name = NULL;
	nbh__namer_clear(nm);
}

static size_t
part_key(char *key, const char *text, size_t len, unsigned type, unsigned flags, uint32_t descr)
{
	uint8_t t = (uint8_t)type;

	memcpy(key, text, len);
	key[len] = '\0';
	memcpy(key + len + 1, &t, 1);
	memcpy(key + len + 2, &flags, sizeof(flags));
	memcpy(key + len + 2 + sizeof(flags), &descr, sizeof(descr));
	return len + 2 + sizeof(flags) + sizeof(descr);
}

int
nbh__namer_note_part(struct nbh_namer *nm, uint32_t id, const char *text, size_t len,
    unsigned type, unsigned flags, uint32_t descr)
{
	char key[PKEYMAX];
	int error;

	if (len + 16 > sizeof(key))
		return -EINVAL;
	if (nbh__map_get(&nm->parts, key, part_key(key, text, len, type, flags, descr)) == 0 &&
	    (error = nbh__map_put(&nm->parts, key, part_key(key, text, len, type, flags, descr),
		 id)) != 0)
		return error;
	if (id > nm->last_part)
		nm->last_part = id;
	return 0;
}

int
nbh__namer_note_name(struct nbh_namer *nm, uint32_t id, const char *text, size_t len)
{
	if (nbh__map_get(&nm->full, text, len) != 0)
		return 0;
	return nbh__map_put(&nm->full, text, len, id);
}

int
nbh__namer_flush(struct nbh_namer *nm)
{
	int rc;

	if (nm->r_n == 0)
		return 0;
	sqlite3_reset(nm->ins_name);
	sqlite3_bind_int64(nm->ins_name, 1, nm->r_id);
	sqlite3_bind_int64(nm->ins_name, 2, nm->r_parent);
	sqlite3_bind_int64(nm->ins_name, 3, nm->r_part);
	sqlite3_bind_int64(nm->ins_name, 4, nm->r_n);
	sqlite3_bind_int64(nm->ins_name, 5, nbh__sum_run(nm->r_id, nm->r_parent, nm->r_part, nm->r_n));
	rc = sqlite3_step(nm->ins_name);
	sqlite3_reset(nm->ins_name);
	nm->r_n = 0;
	return rc == SQLITE_DONE ? 0 : rc;
}

/* The part id of (text, type, flags, descr), inserted if new. */
static int
part_id(struct nbh_namer *nm, const char *text, size_t len, unsigned type, unsigned flags,
    uint32_t descr, uint32_t *id)
{
	char key[PKEYMAX];
	size_t klen;
	int rc, error;

	if (len + 16 > sizeof(key))
		return -EINVAL;
	klen = part_key(key, text, len, type, flags, descr);
	if ((*id = nbh__map_get(&nm->parts, key, klen)) != 0)
		return 0;
	if (nm->last_part == UINT32_MAX - 1)
		return -EOVERFLOW;
	sqlite3_reset(nm->ins_part);
	sqlite3_bind_int64(nm->ins_part, 1, (int64_t)nm->last_part + 1);
	sqlite3_bind_text(nm->ins_part, 2, text, (int)len, SQLITE_STATIC);
	sqlite3_bind_int(nm->ins_part, 3, (int)type);
	sqlite3_bind_int64(nm->ins_part, 4, flags);
	sqlite3_bind_int64(nm->ins_part, 5, descr);
	sqlite3_bind_int64(nm->ins_part, 6, nbh__sum_part((int64_t)nm->last_part + 1, text, len, type, flags, descr));
	rc = sqlite3_step(nm->ins_part);
	sqlite3_reset(nm->ins_part);
	sqlite3_clear_bindings(nm->ins_part);
	if (rc != SQLITE_DONE)
		return rc;
	if ((error = nbh__map_put(&nm->parts, key, klen, nm->last_part + 1)) != 0)
		return error;
	*id = ++nm->last_part;
	return 0;
}

int
nbh__namer_add(struct nbh_namer *nm, uint32_t id, const char *name, size_t len, unsigned type,
    unsigned flags, uint32_t descr)
{
	size_t dots[512], nd = 0, i, cut = 0;
	uint32_t parent = 0, part;
	int error;

	/* The separators: dots not escaped by a backslash. */
	for (i = 0; i < len && nd < sizeof(dots) / sizeof(dots[0]); i++) {
		if (name[i] == '\\')
			i++;
		else if (name[i] == '.')
			dots[nd++] = i;
	}
	while (nd > 0) {
		nd--;
		if ((parent = nbh__map_get(&nm->full, name, dots[nd])) != 0) {
			cut = dots[nd] + 1;
			break;
		}
	}
	if ((error = part_id(nm, name + cut, len - cut, type, flags, descr, &part)) != 0)
		return error;
	if ((error = nbh__namer_note_name(nm, id, name, len)) != 0)
		return error;
	if (nm->r_n != 0 && nm->r_id + nm->r_n == id && nm->r_parent == parent &&
	    nm->r_part + nm->r_n == part) {
		nm->r_n++;
		return 0;
	}
	if ((error = nbh__namer_flush(nm)) != 0)
		return error;
	nm->r_id = id;
	nm->r_parent = parent;
	nm->r_part = part;
	nm->r_n = 1;
	return 0;
}

/*
 * Migration 5: the rows of the version 4 name table (renamed name_v4 by
 * 005-name-tree.sql) become parts and runs, with the same ids; then
 * name_v4 goes. A row whose checksum does not match stops it (damage is
 * not copied under a new checksum). Inside the migration's transaction.
 */
int
nbh__names_migrate(sqlite3 *db)
{
	struct nbh_namer nm = { 0 };
	sqlite3_stmt *st = NULL;
	const char *txt;
	size_t len;
	int rc, error = 0;

	if ((rc = nbh__namer_prepare(&nm, db)) != SQLITE_OK)
		goto out;
	if ((rc = sqlite3_prepare_v2(db, "SELECT id, name, type, flags, descr, checksum FROM name_v4 "
					 "ORDER BY id",
		 -1, &st, NULL)) != SQLITE_OK)
		goto out;
	while (error == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((txt = (const char *)sqlite3_column_text(st, 1)) == NULL ||
		    sqlite3_column_int64(st, 0) < 1 || sqlite3_column_int64(st, 0) >= UINT32_MAX ||
		    sqlite3_column_int64(st, 5) != nbh__sum_name(sqlite3_column_int64(st, 0), txt,
						       (size_t)sqlite3_column_bytes(st, 1), sqlite3_column_int64(st, 2),
						       sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4))) {
			rc = SQLITE_CORRUPT;
			break;
		}
		len = (size_t)sqlite3_column_bytes(st, 1);
		error = nbh__namer_add(&nm, (uint32_t)sqlite3_column_int64(st, 0), txt, len,
		    (unsigned)sqlite3_column_int(st, 2), (unsigned)sqlite3_column_int64(st, 3),
		    (uint32_t)sqlite3_column_int64(st, 4));
	}
	sqlite3_finalize(st);
	st = NULL;
	if (error != 0) {
		rc = error > 0 ? error : error == -ENOMEM ? SQLITE_NOMEM :
							    SQLITE_CORRUPT;
		goto out;
	}
	if (rc != SQLITE_DONE)
		goto out;
	if ((rc = nbh__namer_flush(&nm)) != SQLITE_OK)
		goto out;
	rc = sqlite3_exec(db, "DROP TABLE name_v4", NULL, NULL, NULL);
out:
	sqlite3_finalize(st);
	nbh__namer_free(&nm);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}
