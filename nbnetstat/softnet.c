/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * softnet.c - nbnetstat -P (the per-CPU softnet table from net.softnet.<cpu>)
 * and -s -P (every per-CPU counter of net.softnet and kern.cp_time as its
 * total and per-CPU values).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#include "nbnetstat.h"

/* The columns of -P: leaf of net.softnet[.<cpu>], JSON key, title, width. */
static const struct sn_col {
	const char	*leaf;
	const char	*key;
	const char	*title;
	int		 width;
} sn_cols[] = {
	{ "processed", "processed", "processed", 12 },
	{ "dropped", "dropped", "dropped", 10 },
	{ "time_squeeze", "time_squeeze", "time_squeeze", 13 },
	{ "received_rps", "received_rps", "received_rps", 13 },
	{ "flow_limit", "flow_limit", "flow_limit", 11 },
	{ "backlog_len", "backlog", "backlog", 8 },
};

#define NCOLS	(sizeof(sn_cols) / sizeof(sn_cols[0]))
#define MAXCPU	4096

struct sn_row {
	uint64_t	 v[NCOLS];
	unsigned	 have;		/* bit c: column c is in the tree */
};

struct sn_walk {
	struct sn_row	 total;
	struct sn_row	*cpu;		/* [MAXCPU] */
	long		 ncpu;		/* highest CPU seen + 1 */
};

static uint64_t
leaf_u64(const struct nb_sysctl_value *v)
{
	return v->type == NB_SYSCTL_INT ? (uint64_t)v->i : v->u;
}

static int
sn_collect_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct sn_walk *w = arg;
	struct sn_row *row;
	const char *leaf;
	char *end;
	unsigned long cpu;
	size_t c;

	/* net softnet <ctr> | net softnet <cpu> <ctr> */
	if (e->val.type == NB_SYSCTL_NODE || e->val.type == NB_SYSCTL_STRING)
		return 0;
	if (e->ncomp == 3) {
		row = &w->total;
		leaf = e->comp[2];
	} else if (e->ncomp == 4) {
		errno = 0;
		cpu = strtoul(e->comp[2], &end, 10);
		if (*end != '\0' || end == e->comp[2] || errno != 0 || cpu >= MAXCPU)
			return 0;
		row = &w->cpu[cpu];
		if ((long)cpu + 1 > w->ncpu)
			w->ncpu = (long)cpu + 1;
		leaf = e->comp[3];
	} else {
		return 0;
	}
	for (c = 0; c < NCOLS; c++) {
		if (strcmp(sn_cols[c].leaf, leaf) == 0) {
			row->v[c] = leaf_u64(&e->val);
			row->have |= 1u << c;
		}
	}
	return 0;
}

static int
walk_err(struct nb_sysctl *h, const char *name, int rc)
{
	const char *d = nb_sysctl_errdetail(h);

	nb_warnx("%s: %s%s%s", name, strerror(-rc), *d != '\0' ? ": " : "", d);
	return NB_EXIT_RUNTIME;
}

static void
sn_render_row(struct nb_out *o, const struct sn_row *row)
{
	size_t c;

	for (c = 0; c < NCOLS; c++) {
		char fmt[16];

		snprintf(fmt, sizeof(fmt), " %%%d" PRIu64, sn_cols[c].width - 1);
		if (row->have & (1u << c))
			nb_out_u64(o, NB_OUT_ANY, sn_cols[c].key, fmt, row->v[c]);
		else {
			nb_out_pad(o, sn_cols[c].width - 1);
			nb_out_null(o, NB_OUT_ANY, sn_cols[c].key, "-");
		}
	}
	nb_out_text(o, "\n");
}

int
softnet_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct sn_walk w;
	size_t c;
	long i;
	int rc;

	(void)no;
	memset(&w, 0, sizeof(w));
	if ((w.cpu = calloc(MAXCPU, sizeof(*w.cpu))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	if ((rc = nb_sysctl_walk(h, "net.softnet", 0, sn_collect_cb, &w)) < 0) {
		free(w.cpu);
		return walk_err(h, "net.softnet", rc);
	}
	nb_out_record_begin(o);
	nb_out_open_object(o, "softnet");
	nb_out_text(o, "%-5s", "CPU");
	for (c = 0; c < NCOLS; c++)
		nb_out_text(o, "%*s", sn_cols[c].width, sn_cols[c].title);
	nb_out_text(o, "\n");
	nb_out_open_array(o, "cpus");
	for (i = 0; i < w.ncpu; i++) {
		nb_out_open_object(o, NULL);
		nb_out_i64(o, NB_OUT_ANY, "cpu", "%-5" PRId64, (int64_t)i);
		sn_render_row(o, &w.cpu[i]);
		nb_out_close_object(o);
	}
	nb_out_close_array(o);
	nb_out_open_object(o, "total");
	nb_out_text(o, "%-5s", "total");
	sn_render_row(o, &w.total);
	nb_out_close_object(o);
	nb_out_close_object(o);
	nb_out_record_end(o);
	free(w.cpu);
	return 0;
}

/* ---- -s -P: per-CPU counters as "total (cpu0 a, cpu1 b)" ---- */

static const struct pc_group {
	const char	*mib;		/* subtree whose direct leaves are per-CPU */
	const char	*key;		/* header and JSON key */
} pc_groups[] = {
	{ "net.softnet", "softnet" },
	{ "kern.cp_time", "cp_time" },
};

struct pc_walk {
	struct nb_out	*o;
	unsigned	 depth;		/* components of the group's name */
	int		 sflag;
};

static int
pc_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct pc_walk *w = arg;
	char key[NB_SYSCTL_NAMEMAX];
	unsigned i;

	/* Direct counters of the group with their vector; gauges are not summed. */
	if (e->ncomp != w->depth + 1 || e->val.percpu == NULL ||
	    (e->val.flags & NB_SYSCTL_F_COUNTER) == 0)
		return 0;
	if (w->sflag > 1 && e->val.u == 0)
		return 0;
	snprintf(key, sizeof(key), "%s", e->comp[w->depth]);
	nb_out_open_object(w->o, key);
	nb_out_u64(w->o, NB_OUT_ANY, "total", "\t%" PRIu64, e->val.u);
	nb_out_text(w->o, " %s (", key);
	nb_out_open_array(w->o, "percpu");
	for (i = 0; i < e->val.ncpu; i++) {
		nb_out_text(w->o, "%scpu%u ", i > 0 ? ", " : "", i);
		nb_out_u64(w->o, NB_OUT_ANY, NULL, "%" PRIu64, e->val.percpu[i]);
	}
	nb_out_close_array(w->o);
	nb_out_text(w->o, ")\n");
	nb_out_close_object(w->o);
	return 0;
}

int
softnet_stats_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct pc_walk w = { .o = o, .depth = 2, .sflag = no->sflag };
	size_t g;
	int rc;

	nb_out_record_begin(o);
	for (g = 0; g < sizeof(pc_groups) / sizeof(pc_groups[0]); g++) {
		nb_out_open_object(o, pc_groups[g].key);
		nb_out_text(o, "%s:\n", pc_groups[g].key);
		rc = nb_sysctl_walk(h, pc_groups[g].mib, NB_SYSCTL_RD_PERCPU, pc_cb, &w);
		nb_out_close_object(o);
		if (rc < 0 && (rc != -ENOENT || *nb_sysctl_errdetail(h) != '\0')) {
			nb_out_record_end(o);
			return walk_err(h, pc_groups[g].mib, rc);
		}
	}
	nb_out_record_end(o);
	return 0;
}
