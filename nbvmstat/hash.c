/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hash.c - nbvmstat -h/-H/-L: collect kern.hashstat.<table> (the names and
 * descriptions from a listing, the values with one table read), then render NetBSD vmstat's hash statistics table (or JSON) from it.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#include "nbvmstat.h"

struct hash_info {
	char		*name;
	char		*descr;
	uint64_t	 size, used, items, maxchain;
	double		 util;		/* used * 100 / size, rounded to 2 decimals */
	double		 average;	/* items / used, rounded; 0 when used == 0 */
};

struct hash_list {
	struct hash_info *v;
	size_t		 n, cap;
};

/* The leaves of kern.hashstat.<table>, all required. */
struct hash_row {
	uint64_t	 size, used, items, maxchain;
};

static const struct nb_sysctl_column hash_cols[] = {
	{ "size", NB_SYSCTL_U64, offsetof(struct hash_row, size), 0 },
	{ "used", NB_SYSCTL_U64, offsetof(struct hash_row, used), 0 },
	{ "items", NB_SYSCTL_U64, offsetof(struct hash_row, items), 0 },
	{ "maxchain", NB_SYSCTL_U64, offsetof(struct hash_row, maxchain), 0 },
};
#define HASH_NCOLS	(sizeof(hash_cols) / sizeof(hash_cols[0]))

/* ---- collect ---- */

static struct hash_info *
hash_add(struct hash_list *l, const char *name, const char *descr)
{
	struct hash_info *hi;

	if (l->n == l->cap) {
		size_t cap = l->cap != 0 ? l->cap * 2 : 8;

		if ((hi = realloc(l->v, cap * sizeof(*hi))) == NULL)
			return NULL;
		l->v = hi;
		l->cap = cap;
	}
	hi = &l->v[l->n];
	memset(hi, 0, sizeof(*hi));
	if ((hi->name = strdup(name)) == NULL)
		return NULL;
	if ((hi->descr = strdup(descr != NULL ? descr : "")) == NULL) {
		free(hi->name);
		return NULL;
	}
	l->n++;
	return hi;
}

/* Names and descriptions: the table nodes, kern.hashstat.<table> (RD_NODES). */
static int
hash_node_cb(const struct nb_sysctl_entry *e, void *arg)
{
	if (e->ncomp != 3 || e->val.type != NB_SYSCTL_NODE)
		return 0;
	return hash_add(arg, e->comp[2], e->descr) != NULL ? 0 : -ENOMEM;
}

static double
round2(double x)
{
	return round(x * 100.0) / 100.0;
}

static void
hash_list_free(struct hash_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].descr);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static _Noreturn void
hash_fail(struct nb_sysctl *h, struct hash_list *l, const char *table, int error)
{
	const char *d = nb_sysctl_errdetail(h);

	hash_list_free(l);
	if (error == -ENOENT && table != NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s: no such hash table (nbvmstat -L lists them)", table);
	nb_errx(NB_EXIT_RUNTIME, "kern.hashstat: %s",
	    d != NULL && *d != '\0' ? d : strerror(-error));
}

/*
 * The tables (all, or one), names and descriptions first, then their
 * values with one table read; with `values` false only the names. Exits
 * on error.
 */
static void
collect(struct nb_sysctl *h, const char *table, bool values, struct hash_list *l)
{
	const char *comp[3] = { "kern", "hashstat", table };
	struct nb_sysctl_table t = { 0 };
	char pattern[NB_SYSCTL_NAMEMAX];
	size_t first = l->n, i, r;
	int error;

	error = nb_sysctl_walkv(h, comp, table != NULL ? 3 : 2,
	    NB_SYSCTL_RD_NOVALUE | NB_SYSCTL_RD_NODES, hash_node_cb, l);
	if (error != 0)
		hash_fail(h, l, table, error);
	if (!values)
		return;
	if (table != NULL) {
		if (nb_sysctl_name_join(comp, 3, pattern, sizeof(pattern)) >= sizeof(pattern))
			hash_fail(h, l, table, -ENAMETOOLONG);
	} else
		snprintf(pattern, sizeof(pattern), "kern.hashstat.*");
	error = nb_sysctl_table_read(h, pattern, hash_cols, HASH_NCOLS, sizeof(struct hash_row),
	    0, &t);
	if (error != 0) {
		nb_sysctl_table_free(&t);
		hash_fail(h, l, table, error);
	}
	/* Rows in the order of the listing; a table without all four is damaged. */
	for (i = first; i < l->n; i++) {
		struct hash_info *hi = &l->v[i];
		const struct hash_row *row = NULL;
		unsigned c;

		for (r = 0; r < t.nrows && row == NULL; r++)
			if (strcmp(t.ids[r].nkey > 0 ? t.ids[r].key[0] : table, hi->name) == 0)
				row = nb_sysctl_table_row(&t, r);
		for (c = 0; row != NULL && c < HASH_NCOLS; c++)
			if (!nb_sysctl_row_has(&t.ids[r - 1], c))
				row = NULL;
		if (row == NULL) {
			char name[256];

			snprintf(name, sizeof(name), "%s", hi->name);
			nb_sysctl_table_free(&t);
			hash_list_free(l);
			nb_errx(NB_EXIT_RUNTIME, "kern.hashstat.%s: incomplete (size, used, items, maxchain)",
			    name);
		}
		hi->size = row->size;
		hi->used = row->used;
		hi->items = row->items;
		hi->maxchain = row->maxchain;
		hi->util = hi->size != 0 ? round2((double)hi->used * 100.0 / (double)hi->size) : 0;
		hi->average = hi->used != 0 ? round2((double)hi->items / (double)hi->used) : 0;
	}
	nb_sysctl_table_free(&t);
}

/* ---- render ---- */

static void
render_list(struct nb_out *o, const struct hash_list *l)
{
	size_t i;

	nb_out_record_begin(o);
	nb_out_text(o, "Supported hashes:\n");
	nb_out_open_array(o, "hashes");
	for (i = 0; i < l->n; i++) {
		nb_out_open_object(o, NULL);
		nb_out_str(o, NB_OUT_ANY, "name", "\t%-16s", l->v[i].name);
		nb_out_str(o, NB_OUT_ANY, "description", "%s\n", l->v[i].descr);
		nb_out_close_object(o);
	}
	nb_out_close_array(o);
	nb_out_record_end(o);
}

static void
render_stats(struct nb_out *o, const struct hash_list *l)
{
	const struct hash_info *hi;
	size_t i;

	nb_out_record_begin(o);
	nb_out_text(o, "%-16s %8s %8s %8s %8s %8s %8s\n",
	    "", "total", "used", "util", "num", "average", "maximum");
	nb_out_text(o, "%-16s %8s %8s %8s %8s %8s %8s\n",
	    "hash table", "buckets", "buckets", "%", "items", "chain", "chain");
	nb_out_open_array(o, "hashes");
	for (i = 0; i < l->n; i++) {
		hi = &l->v[i];
		nb_out_open_object(o, NULL);
		nb_out_str(o, NB_OUT_ANY, "name", "%-16s", hi->name);
		nb_out_str(o, NB_OUT_JSON, "description", NULL, hi->descr);
		nb_out_u64(o, NB_OUT_ANY, "size", " %8" PRIu64, hi->size);
		nb_out_u64(o, NB_OUT_ANY, "used", " %8" PRIu64, hi->used);
		nb_out_double(o, NB_OUT_ANY, "util", " %8.2f", hi->util);
		nb_out_u64(o, NB_OUT_ANY, "items", " %8" PRIu64, hi->items);
		nb_out_double(o, NB_OUT_ANY, "average", " %8.2f", hi->average);
		nb_out_u64(o, NB_OUT_ANY, "maxchain", " %8" PRIu64 "\n", hi->maxchain);
		nb_out_close_object(o);
	}
	nb_out_close_array(o);
	nb_out_record_end(o);
}

int
hash_mode(struct nb_sysctl *h, const struct vmstat_opts *vo, struct nb_out *o)
{
	struct hash_list l = { 0 };
	size_t i;

	if (vo->Lflag) {
		collect(h, NULL, false, &l);
		render_list(o, &l);
	} else {
		if (vo->Hflag)
			collect(h, NULL, true, &l);
		else
			for (i = 0; i < vo->nhashes; i++)
				collect(h, vo->hashes[i], true, &l);
		render_stats(o, &l);
	}
	hash_list_free(&l);
	return 0;
}

/* ---- -H --diff T1 T2 ---- */

static const struct hash_info *
hash_find(const struct hash_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

/* One table's row with its mark; for '~' the values at T1 that differ. */
static void
diff_row(struct nb_out *o, char mark, const struct hash_info *hi, const struct hash_info *old)
{
	char m[2] = { mark, '\0' };

	nb_out_open_object(o, NULL);
	nb_out_str(o, NB_OUT_ANY, "change", "%s ", m);
	nb_out_str(o, NB_OUT_ANY, "name", "%-16s", hi->name);
	nb_out_str(o, NB_OUT_JSON, "description", NULL, hi->descr);
	nb_out_u64(o, NB_OUT_ANY, "size", " %8" PRIu64, hi->size);
	nb_out_u64(o, NB_OUT_ANY, "used", " %8" PRIu64, hi->used);
	nb_out_double(o, NB_OUT_ANY, "util", " %8.2f", hi->util);
	nb_out_u64(o, NB_OUT_ANY, "items", " %8" PRIu64, hi->items);
	nb_out_double(o, NB_OUT_ANY, "average", " %8.2f", hi->average);
	nb_out_u64(o, NB_OUT_ANY, "maxchain", " %8" PRIu64, hi->maxchain);
	if (old != NULL) {
		nb_out_open_object(o, "old");
		nb_out_text(o, "  was");
		if (old->size != hi->size)
			nb_out_u64(o, NB_OUT_ANY, "size", " size %" PRIu64, old->size);
		if (old->used != hi->used)
			nb_out_u64(o, NB_OUT_ANY, "used", " used %" PRIu64, old->used);
		if (old->items != hi->items)
			nb_out_u64(o, NB_OUT_ANY, "items", " items %" PRIu64, old->items);
		if (old->maxchain != hi->maxchain)
			nb_out_u64(o, NB_OUT_ANY, "maxchain", " maxchain %" PRIu64, old->maxchain);
		nb_out_close_object(o);
	}
	nb_out_text(o, "\n");
	nb_out_close_object(o);
}

/*
 * -H (or -h NAME) --diff T1 T2: hash tables that appeared '+', went '-'
 * or whose buckets, items or longest chain changed '~' (these are levels,
 * not counters: a change is a change); unchanged tables are not printed.
 */
int
hash_diff(struct nb_sysctl *h, const struct vmstat_opts *vo, struct nb_out *o)
{
	struct nb_sysctl *h1 = NULL, *h2 = NULL;
	struct hash_list a = { 0 }, b = { 0 };
	const struct hash_info *x;
	int64_t t1, t2;

	(void)h; /* --diff opens its own two */
	nb_common_open_diff(&vo->c, &h1, &h2);
	if (vo->Hflag) {
		collect(h1, NULL, true, &a);
		collect(h2, NULL, true, &b);
	} else {
		for (size_t i = 0; i < vo->nhashes; i++) {
			collect(h1, vo->hashes[i], true, &a);
			collect(h2, vo->hashes[i], true, &b);
		}
	}
	t1 = nb_sysctl_sample_time(h1);
	t2 = nb_sysctl_sample_time(h2);
	nb_out_record_begin(o);
	nb_out_span(o, t1, t2, "hash table changes over %.3f s\n");
	nb_out_text(o, "  %-16s %8s %8s %8s %8s %8s %8s\n", "", "total", "used", "util", "num",
	    "average", "maximum");
	nb_out_text(o, "  %-16s %8s %8s %8s %8s %8s %8s\n", "hash table", "buckets", "buckets", "%",
	    "items", "chain", "chain");
	nb_out_open_array(o, "hashes");
	for (size_t i = 0; i < a.n; i++) {
		if ((x = hash_find(&b, a.v[i].name)) == NULL)
			diff_row(o, '-', &a.v[i], NULL);
		else if (x->size != a.v[i].size || x->used != a.v[i].used ||
		    x->items != a.v[i].items || x->maxchain != a.v[i].maxchain)
			diff_row(o, '~', x, &a.v[i]);
	}
	for (size_t i = 0; i < b.n; i++)
		if (hash_find(&a, b.v[i].name) == NULL)
			diff_row(o, '+', &b.v[i], NULL);
	nb_out_close_array(o);
	nb_out_record_end(o);
	hash_list_free(&a);
	hash_list_free(&b);
	nb_common_close(&h1);
	nb_common_close(&h2);
	return 0;
}
