/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hash.c - nbvmstat -h/-H/-L: collect kern.hashstat.<table> in one walk,
 * then render NetBSD vmstat's hash statistics table (or JSON) from it.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
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
	unsigned	 present;	/* bit per leaf seen: size used items maxchain */
	double		 util;		/* used * 100 / size, rounded to 2 decimals */
	double		 average;	/* items / used, rounded; 0 when used == 0 */
};

#define HS_ALL	0xfu

struct hash_list {
	struct hash_info *v;
	size_t		 n, cap;
	const char	*want;		/* collect only this table (NULL: all) */
};

/* ---- collect ---- */

static struct hash_info *
hash_get(struct hash_list *l, const char *name, const char *descr)
{
	struct hash_info *hi;

	if (l->n > 0 && strcmp(l->v[l->n - 1].name, name) == 0)
		return &l->v[l->n - 1];
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

/* kern hashstat <table> [leaf]: tables come as NODE entries (RD_NODES). */
static int
hash_cb(const struct nb_sysctl_entry *e, void *arg)
{
	static const char *const leaves[] = { "size", "used", "items", "maxchain" };
	struct hash_list *l = arg;
	struct hash_info *hi;
	uint64_t v;
	unsigned i;

	if (e->ncomp == 3 && e->val.type == NB_SYSCTL_NODE)
		return hash_get(l, e->comp[2], e->descr) != NULL ? 0 : -ENOMEM;
	if (e->ncomp != 4 || e->val.type == NB_SYSCTL_NODE)
		return 0;
	if ((hi = hash_get(l, e->comp[2], "")) == NULL)
		return -ENOMEM;
	v = e->val.type == NB_SYSCTL_INT ? (uint64_t)e->val.i : e->val.u;
	for (i = 0; i < 4; i++) {
		if (strcmp(e->comp[3], leaves[i]) != 0)
			continue;
		switch (i) {
		case 0: hi->size = v; break;
		case 1: hi->used = v; break;
		case 2: hi->items = v; break;
		default: hi->maxchain = v; break;
		}
		hi->present |= 1u << i;
	}
	return 0;
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

/* Walk kern.hashstat (or one table of it); exits on error. */
static void
collect(struct nb_sysctl *h, const char *table, unsigned rdflags, struct hash_list *l)
{
	const char *comp[3] = { "kern", "hashstat", table };
	const char *d;
	size_t i;
	int error;

	error = nb_sysctl_walkv(h, comp, table != NULL ? 3 : 2,
	    rdflags | NB_SYSCTL_RD_NODES, hash_cb, l);
	if (error == -ENOENT && table != NULL) {
		hash_list_free(l);
		nb_errx(NB_EXIT_RUNTIME, "%s: no such hash table (nbvmstat -L lists them)", table);
	}
	if (error != 0) {
		hash_list_free(l);
		d = nb_sysctl_errdetail(h);
		nb_errx(NB_EXIT_RUNTIME, "kern.hashstat: %s",
		    d != NULL && *d != '\0' ? d : strerror(-error));
	}
	if ((rdflags & NB_SYSCTL_RD_NOVALUE) != 0)
		return;
	for (i = 0; i < l->n; i++) {
		struct hash_info *hi = &l->v[i];

		if (hi->present != HS_ALL) {
			char name[256];

			snprintf(name, sizeof(name), "%s", hi->name);
			hash_list_free(l);
			nb_errx(NB_EXIT_RUNTIME, "kern.hashstat.%s: incomplete (size, used, items, maxchain)",
			    name);
		}
		hi->util = hi->size != 0 ? round2((double)hi->used * 100.0 / (double)hi->size) : 0;
		hi->average = hi->used != 0 ? round2((double)hi->items / (double)hi->used) : 0;
	}
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
		collect(h, NULL, NB_SYSCTL_RD_NOVALUE, &l);
		render_list(o, &l);
	} else {
		if (vo->Hflag)
			collect(h, NULL, 0, &l);
		else
			for (i = 0; i < vo->nhashes; i++)
				collect(h, vo->hashes[i], 0, &l);
		render_stats(o, &l);
	}
	hash_list_free(&l);
	return 0;
}
