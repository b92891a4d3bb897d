/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * histsql.c - history files as reviewable SQL text, for the replay fixtures
 * of the tests (tests/fixtures/history/).
 *
 * usage: histsql dump HISTORY.db		SQL text on stdout
 *        histsql load FIXTURE.sql HISTORY.db	a new history file
 *
 * The text form is two tables a person can read and diff:
 *
 *   sample(id, t_ns, source, boottime_ns)	one row per sample
 *   node(id, name, type, flags, descr)		every name, once
 *   entry(sample, seq, node, value)		the entries of each sample in
 *						recorded (tree) order; value is
 *						NULL for an interior node, the
 *						text of a string or address, the
 *						number otherwise (a u64 as its
 *						64-bit pattern)
 *
 * `dump` decodes a history file with nbh_reader and prints those tables
 * (CREATE TABLE and INSERTs); `load` runs such a text in an in-memory
 * database and writes every sample, in id order, through nbh_writer, so
 * the file is encoded by the library itself and never drifts from the
 * codec. Prints "histsql: message" and exits 1 on any error.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "nbhistory/history.h"

static _Noreturn void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("histsql: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* An SQL string literal of s[0..n). */
static void
put_str(FILE *f, const char *s, size_t n)
{
	size_t i;

	fputc('\'', f);
	for (i = 0; i < n; i++) {
		if (s[i] == '\'')
			fputc('\'', f);
		fputc(s[i], f);
	}
	fputc('\'', f);
}

/* Names seen so far, for the node table (name, type, flags, descr). */
struct node {
	char		*name;
	unsigned	 type, flags;
	char		*descr;
};

static struct node *nodes;
static size_t nnodes, nodecap;

/* A linear probe table from name to node id (1-based). */
static uint32_t *ht;
static size_t htcap;

static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static void
ht_grow(void)
{
	size_t i, j, cap = htcap ? htcap * 2 : 1024;
	uint32_t *t = calloc(cap, sizeof(*t));

	if (t == NULL)
		die("out of memory");
	for (i = 0; i < nnodes; i++) {
		j = hash(nodes[i].name, strlen(nodes[i].name)) & (cap - 1);
		while (t[j] != 0)
			j = (j + 1) & (cap - 1);
		t[j] = (uint32_t)(i + 1);
	}
	free(ht);
	ht = t;
	htcap = cap;
}

/* The node id of an entry, adding the node the first time. */
static size_t
node_id(const struct nbh_entry *e)
{
	struct node *nd;
	size_t j;

	if ((nnodes + 1) * 2 > htcap)
		ht_grow();
	j = hash(e->name, e->namelen) & (htcap - 1);
	for (; ht[j] != 0; j = (j + 1) & (htcap - 1)) {
		nd = &nodes[ht[j] - 1];
		if (strlen(nd->name) != e->namelen || memcmp(nd->name, e->name, e->namelen) != 0)
			continue;
		if (nd->type != e->type || nd->flags != e->flags || strcmp(nd->descr, e->descr) != 0)
			die("%.*s: type, flags or description change between samples",
			    (int)e->namelen, e->name);
		return ht[j];
	}
	if (nnodes == nodecap) {
		nodecap = nodecap ? nodecap * 2 : 1024;
		if ((nodes = realloc(nodes, nodecap * sizeof(*nodes))) == NULL)
			die("out of memory");
	}
	nd = &nodes[nnodes++];
	if ((nd->name = strndup(e->name, e->namelen)) == NULL ||
	    (nd->descr = strdup(e->descr)) == NULL)
		die("out of memory");
	nd->type = e->type;
	nd->flags = e->flags;
	ht[j] = (uint32_t)nnodes;
	return nnodes;
}

static const char schema_sql[] =
	"CREATE TABLE sample (\n"
	"\tid\t\tINTEGER PRIMARY KEY,\n"
	"\tt_ns\t\tINTEGER NOT NULL,\n"
	"\tsource\t\tTEXT NOT NULL,\n"
	"\tboottime_ns\tINTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE node (\n"
	"\tid\t\tINTEGER PRIMARY KEY,\n"
	"\tname\t\tTEXT NOT NULL UNIQUE,\n"
	"\ttype\t\tINTEGER NOT NULL,\n"
	"\tflags\t\tINTEGER NOT NULL,\n"
	"\tdescr\t\tTEXT NOT NULL\n"
	");\n"
	"CREATE TABLE entry (\n"
	"\tsample\t\tINTEGER NOT NULL REFERENCES sample(id),\n"
	"\tseq\t\tINTEGER NOT NULL,\n"
	"\tnode\t\tINTEGER NOT NULL REFERENCES node(id),\n"
	"\tvalue,\n"
	"\tPRIMARY KEY (sample, seq)\n"
	");\n";

static int
dump(const char *path)
{
	struct nbh_reader *r;
	struct nbh_sample_info si;
	const struct nbh_entry *e;
	char err[256];
	size_t n, i;
	int rc;
	FILE *ent;
	char *ebuf = NULL;
	size_t elen = 0;

	if ((rc = nbh_reader_open(path, &r, err, sizeof(err))) != 0)
		die("%s: %s", path, err);
	if ((ent = open_memstream(&ebuf, &elen)) == NULL)
		die("out of memory");
	printf("BEGIN TRANSACTION;\n%s", schema_sql);
	for (rc = nbh_reader_seek(r, INT64_MIN, true); rc == 0; rc = nbh_reader_next(r)) {
		if ((rc = nbh_reader_info(r, &si)) != 0)
			die("%s: %s", path, nbh_reader_error(r));
		printf("INSERT INTO sample VALUES(%" PRId64 ",%" PRId64 ",", si.id, si.t_ns);
		put_str(stdout, si.source, strlen(si.source));
		printf(",%" PRId64 ");\n", si.boottime_ns);
		e = nbh_reader_entries(r, &n);
		for (i = 0; i < n; i++) {
			fprintf(ent, "INSERT INTO entry VALUES(%" PRId64 ",%zu,%zu,", si.id,
			    i + 1, node_id(&e[i]));
			if (e[i].type == 1)
				fputs("NULL", ent);
			else if (e[i].str != NULL)
				put_str(ent, e[i].str, e[i].slen);
			else
				fprintf(ent, "%" PRId64, e[i].v);
			fputs(");\n", ent);
		}
	}
	if (rc != -ENOENT)
		die("%s: %s", path, nbh_reader_error(r));
	nbh_reader_close(&r);
	for (i = 0; i < nnodes; i++) {
		printf("INSERT INTO node VALUES(%zu,", i + 1);
		put_str(stdout, nodes[i].name, strlen(nodes[i].name));
		printf(",%u,%u,", nodes[i].type, nodes[i].flags);
		put_str(stdout, nodes[i].descr, strlen(nodes[i].descr));
		fputs(");\n", stdout);
	}
	fclose(ent);
	fwrite(ebuf, 1, elen, stdout);
	free(ebuf);
	printf("COMMIT;\n");
	return fflush(stdout) == 0 ? 0 : 1;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, got;
	char tmp[65536];

	if (f == NULL)
		die("%s: cannot open", path);
	while ((got = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if ((buf = realloc(buf, len + got + 1)) == NULL)
			die("out of memory");
		memcpy(buf + len, tmp, got);
		len += got;
	}
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
	if (buf == NULL && (buf = malloc(1)) == NULL)
		die("out of memory");
	buf[len] = '\0';
	return buf;
}

static int
load(const char *sqlpath, const char *path)
{
	struct nbh_writer *w;
	struct nbh_sample_info si;
	sqlite3 *db;
	sqlite3_stmt *ss, *es;
	char err[256], *msg = NULL, *text;
	int rc;

	text = slurp(sqlpath);
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		die("sqlite3_open: %s", sqlite3_errmsg(db));
	if (sqlite3_exec(db, text, NULL, NULL, &msg) != SQLITE_OK)
		die("%s: %s", sqlpath, msg);
	free(text);
	if (sqlite3_prepare_v2(db, "SELECT id, t_ns, source, boottime_ns FROM sample ORDER BY id",
	    -1, &ss, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT n.name, n.type, n.flags, n.descr, e.value "
	    "FROM entry e JOIN node n ON n.id = e.node WHERE e.sample = ? ORDER BY e.seq",
	    -1, &es, NULL) != SQLITE_OK)
		die("%s: %s", sqlpath, sqlite3_errmsg(db));
	if ((rc = nbh_writer_open(path, NULL, &w, err, sizeof(err))) != 0)
		die("%s: %s", path, err);
	while ((rc = sqlite3_step(ss)) == SQLITE_ROW) {
		memset(&si, 0, sizeof(si));
		si.t_ns = sqlite3_column_int64(ss, 1);
		si.source = (const char *)sqlite3_column_text(ss, 2);
		si.boottime_ns = sqlite3_column_int64(ss, 3);
		sqlite3_bind_int64(es, 1, sqlite3_column_int64(ss, 0));
		while ((rc = sqlite3_step(es)) == SQLITE_ROW) {
			const char *name = (const char *)sqlite3_column_text(es, 0);
			unsigned type = (unsigned)sqlite3_column_int(es, 1);
			int64_t v = 0;
			const char *str = NULL;
			size_t slen = 0;

			if (type == 3 || type == 7) {
				str = (const char *)sqlite3_column_text(es, 4);
				slen = (size_t)sqlite3_column_bytes(es, 4);
				if (str == NULL)
					die("%s: no value", name);
			} else if (type != 1) {
				if (sqlite3_column_type(es, 4) != SQLITE_INTEGER)
					die("%s: not an integer", name);
				v = sqlite3_column_int64(es, 4);
			}
			if (nbh_writer_add(w, name, strlen(name), type,
			    (unsigned)sqlite3_column_int(es, 2),
			    (const char *)sqlite3_column_text(es, 3), v, str, slen) != 0)
				die("%s: %s", path, nbh_writer_error(w));
		}
		if (rc != SQLITE_DONE)
			die("%s: %s", sqlpath, sqlite3_errmsg(db));
		sqlite3_reset(es);
		if (nbh_writer_commit(w, &si) != 0)
			die("%s: %s", path, nbh_writer_error(w));
	}
	if (rc != SQLITE_DONE)
		die("%s: %s", sqlpath, sqlite3_errmsg(db));
	sqlite3_finalize(ss);
	sqlite3_finalize(es);
	sqlite3_close(db);
	nbh_writer_close(&w);
	return 0;
}

int
main(int argc, char *argv[])
{
	if (argc == 3 && strcmp(argv[1], "dump") == 0)
		return dump(argv[2]);
	if (argc == 4 && strcmp(argv[1], "load") == 0)
		return load(argv[2], argv[3]);
	fprintf(stderr, "usage: histsql dump HISTORY.db\n"
	    "       histsql load FIXTURE.sql HISTORY.db\n");
	return 2;
}
