/* SPDX-License-Identifier: BSD-2-Clause */
/* values.c - SQLite loadable extension: decoded history values for the sqlite3 shell. */
/*
 * Theory of operation
 *
 * sample.data holds delta-encoded varints, so plain SQL cannot show a
 * value. This extension (nbhistory_sqlite.so, built from the history
 * library itself, see docs/history.md) adds, on the connection that loads
 * it:
 *
 *   history_sample(id)	an eponymous table-valued function: the decoded
 *			leaves of sample `id` (name, type, value), in the
 *			order they were recorded;
 *   history_values	a TEMP view: every leaf of every sample with its
 *			time (name, time, t_ns, sample, value).
 *
 * Decoding uses nbh_reader on its own read-only connection to the same
 * file (the main database of the loading connection): no second decoder
 * to keep in step with the codec. Asking for the sample after the one
 * decoded last applies one delta blob (nbh_reader_next), so a scan in
 * sample order costs one decode per sample.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include "nbhistory/history.h"

/* Columns; "sample" is the hidden argument. */
enum { C_NAME, C_TYPE, C_VALUE, C_SAMPLE };

struct hvtab {
	sqlite3_vtab	 base;
	sqlite3		*db;
};

struct hcursor {
	sqlite3_vtab_cursor base;
	struct nbh_reader *r;		/* opened at the first filter */
	int64_t		 cur;		/* sample the reader is on (0: none) */
	const struct nbh_entry *e;
	size_t		 n, i;
	char		 u64[24];
};

static int
h_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
    char **err)
{
	struct hvtab *t;
	int rc;

	(void)aux;
	(void)argc;
	(void)argv;
	(void)err;
	rc = sqlite3_declare_vtab(db,
	    "CREATE TABLE x(name TEXT, type TEXT, value, sample INTEGER HIDDEN)");
	if (rc != SQLITE_OK)
		return rc;
	if ((t = sqlite3_malloc(sizeof(*t))) == NULL)
		return SQLITE_NOMEM;
	memset(t, 0, sizeof(*t));
	t->db = db;
	*out = &t->base;
	return SQLITE_OK;
}

static int
h_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return SQLITE_OK;
}

/* The sample argument must be given (an equality on the hidden column). */
static int
h_bestindex(sqlite3_vtab *vt, sqlite3_index_info *ii)
{
	int i;

	(void)vt;
	for (i = 0; i < ii->nConstraint; i++) {
		if (ii->aConstraint[i].iColumn == C_SAMPLE &&
		    ii->aConstraint[i].op == SQLITE_INDEX_CONSTRAINT_EQ) {
			if (!ii->aConstraint[i].usable)
				return SQLITE_CONSTRAINT;
			ii->aConstraintUsage[i].argvIndex = 1;
			ii->aConstraintUsage[i].omit = 1;
			ii->idxNum = 1;
			ii->estimatedCost = 1000;
			ii->estimatedRows = 1000;
			return SQLITE_OK;
		}
	}
	return SQLITE_CONSTRAINT;
}

static int
h_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
	struct hcursor *c;

	(void)vt;
	if ((c = sqlite3_malloc(sizeof(*c))) == NULL)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	*out = &c->base;
	return SQLITE_OK;
}

static int
h_close(sqlite3_vtab_cursor *vc)
{
	struct hcursor *c = (struct hcursor *)vc;

	nbh_reader_close(&c->r);
	sqlite3_free(c);
	return SQLITE_OK;
}

static bool
is_value(const struct nbh_entry *e)
{
	return e->type != 1;	/* NB_SYSCTL_NODE: an object, no value */
}

static void
skip_nodes(struct hcursor *c)
{
	while (c->i < c->n && !is_value(&c->e[c->i]))
		c->i++;
}

static int
vt_error(sqlite3_vtab *vt, const char *what, const char *detail)
{
	sqlite3_free(vt->zErrMsg);
	vt->zErrMsg = sqlite3_mprintf("history_sample: %s: %s", what, detail);
	return SQLITE_ERROR;
}

/* Position the reader on sample `id`: the next one from where it is, or a seek by its time. */
static int
h_filter(sqlite3_vtab_cursor *vc, int idxnum, const char *idxstr, int argc, sqlite3_value **argv)
{
	struct hcursor *c = (struct hcursor *)vc;
	struct hvtab *t = (struct hvtab *)vc->pVtab;
	struct nbh_sample_info si;
	sqlite3_stmt *st = NULL;
	const char *path;
	char err[256];
	int64_t id, t_ns;
	int rc, error;

	(void)idxnum;
	(void)idxstr;
	c->n = c->i = 0;
	if (argc != 1 || sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return SQLITE_OK;
	id = sqlite3_value_int64(argv[0]);
	if (c->r == NULL) {
		path = sqlite3_db_filename(t->db, "main");
		if (path == NULL || *path == '\0')
			return vt_error(vc->pVtab, "open", "no database file");
		if ((error = nbh_reader_open(path, &c->r, err, sizeof(err))) != 0)
			return vt_error(vc->pVtab, "open", err[0] != '\0' ? err : strerror(-error));
		c->cur = 0;
	}
	if (c->cur != 0 && c->cur + 1 == id && nbh_reader_next(c->r) == 0 &&
	    nbh_reader_info(c->r, &si) == 0 && si.id == id) {
		c->cur = id;
	} else {
		rc = sqlite3_prepare_v2(t->db, "SELECT t_ns FROM sample WHERE id = ?", -1, &st, NULL);
		if (rc != SQLITE_OK)
			return rc;
		sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st);
		t_ns = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_finalize(st);
		c->cur = 0;
		if (rc != SQLITE_ROW)
			return SQLITE_OK;		/* no such sample: no rows */
		if ((error = nbh_reader_seek(c->r, t_ns, false)) != 0 ||
		    (error = nbh_reader_info(c->r, &si)) != 0)
			return vt_error(vc->pVtab, "decode", nbh_reader_error(c->r));
		if (si.id != id)
			return SQLITE_OK;		/* not visible in the reader's snapshot */
		c->cur = id;
	}
	c->e = nbh_reader_entries(c->r, &c->n);
	skip_nodes(c);
	return SQLITE_OK;
}

static int
h_next(sqlite3_vtab_cursor *vc)
{
	struct hcursor *c = (struct hcursor *)vc;

	c->i++;
	skip_nodes(c);
	return SQLITE_OK;
}

static int
h_eof(sqlite3_vtab_cursor *vc)
{
	const struct hcursor *c = (const struct hcursor *)vc;

	return c->i >= c->n;
}

static const char *
type_name(unsigned type)
{
	switch (type) {
	case 2: return "int";
	case 3: return "string";
	case 4: return "u64";
	case 6: return "bool";
	case 7: return "address";
	default: return "?";
	}
}

static int
h_column(sqlite3_vtab_cursor *vc, sqlite3_context *ctx, int col)
{
	struct hcursor *c = (struct hcursor *)vc;
	const struct nbh_entry *e = &c->e[c->i];

	switch (col) {
	case C_NAME:
		sqlite3_result_text(ctx, e->name, (int)e->namelen, SQLITE_TRANSIENT);
		break;
	case C_TYPE:
		sqlite3_result_text(ctx, type_name(e->type), -1, SQLITE_STATIC);
		break;
	case C_VALUE:
		if (e->str != NULL)
			sqlite3_result_text(ctx, e->str, (int)e->slen, SQLITE_TRANSIENT);
		else if (e->type == 4 && e->v < 0) {
			/* Above INT64_MAX: SQLite has no unsigned integer; give the digits. */
			snprintf(c->u64, sizeof(c->u64), "%" PRIu64, (uint64_t)e->v);
			sqlite3_result_text(ctx, c->u64, -1, SQLITE_TRANSIENT);
		} else
			sqlite3_result_int64(ctx, e->v);
		break;
	case C_SAMPLE:
		sqlite3_result_int64(ctx, c->cur);
		break;
	}
	return SQLITE_OK;
}

static int
h_rowid(sqlite3_vtab_cursor *vc, sqlite3_int64 *rowid)
{
	*rowid = (sqlite3_int64)((const struct hcursor *)vc)->i;
	return SQLITE_OK;
}

static sqlite3_module history_sample_module = {
	.iVersion = 0,
	.xConnect = h_connect,
	.xBestIndex = h_bestindex,
	.xDisconnect = h_disconnect,
	.xOpen = h_open,
	.xClose = h_close,
	.xFilter = h_filter,
	.xNext = h_next,
	.xEof = h_eof,
	.xColumn = h_column,
	.xRowid = h_rowid,
};

int sqlite3_nbhistorysqlite_init(sqlite3 *db, char **err, const sqlite3_api_routines *api);

/* Entry point: ".load nbhistory_sqlite" (SQLite derives the name from the file name). */
int
sqlite3_nbhistorysqlite_init(sqlite3 *db, char **err, const sqlite3_api_routines *api)
{
	int rc;

	SQLITE_EXTENSION_INIT2(api);
	if ((rc = sqlite3_create_module(db, "history_sample", &history_sample_module, NULL)) !=
	    SQLITE_OK)
		return rc;
	return sqlite3_exec(db,
	    "CREATE TEMP VIEW IF NOT EXISTS history_values AS "
	    "SELECT v.name AS name, "
	    "strftime('%Y-%m-%dT%H:%M:%fZ', s.t_ns / 1000000000.0, 'unixepoch') AS time, "
	    "s.t_ns AS t_ns, s.id AS sample, v.value AS value "
	    "FROM main.sample AS s, history_sample(s.id) AS v",
	    NULL, NULL, err);
}
