/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * softnet.c - nbnetstat -P (the per-CPU softnet table from net.softnet.<cpu>)
 * and -s -P (every per-CPU counter of net.softnet and kern.cp_time as its
 * total and per-CPU values).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
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
};

static struct nb_sysctl_column sn_tcols[NCOLS];

static int
walk_err(struct nb_sysctl *h, const char *name, int rc)
{
	const char *d = nb_sysctl_errdetail(h);

	nb_warnx("%s: %s%s%s", name, strerror(-rc), *d != '\0' ? ": " : "", d);
	return NB_EXIT_RUNTIME;
}

static void
sn_render_row(struct nb_out *o, const struct nb_sysctl_table *t, size_t i)
{
	const struct sn_row *row = nb_sysctl_table_row(t, i);
	size_t c;

	for (c = 0; c < NCOLS; c++) {
		char fmt[16];

		snprintf(fmt, sizeof(fmt), " %%%d" PRIu64, sn_cols[c].width - 1);
		if (row != NULL && nb_sysctl_row_has(&t->ids[i], (unsigned)c))
			nb_out_u64(o, NB_OUT_ANY, sn_cols[c].key, fmt, row->v[c]);
		else {
			nb_out_pad(o, sn_cols[c].width - 1);
			nb_out_null(o, NB_OUT_ANY, sn_cols[c].key, "-");
		}
	}
	nb_out_text(o, "\n");
}

/* net.softnet (the totals, one row) and net.softnet.* (a row per CPU). */
struct sn_tables {
	struct nb_sysctl_table total, cpus;
};

static void
sn_free(struct sn_tables *st)
{
	nb_sysctl_table_free(&st->total);
	nb_sysctl_table_free(&st->cpus);
}

static int
sn_read(struct nb_sysctl *h, struct sn_tables *st)
{
	size_t c;
	int rc;

	for (c = 0; c < NCOLS; c++)
		sn_tcols[c] = (struct nb_sysctl_column){ sn_cols[c].leaf, NB_SYSCTL_U64,
		    c * sizeof(uint64_t), 0 };
	memset(st, 0, sizeof(*st));
	if ((rc = nb_sysctl_table_read(h, "net.softnet", sn_tcols, NCOLS, sizeof(struct sn_row),
	    0, &st->total)) < 0 ||
	    (rc = nb_sysctl_table_read(h, "net.softnet.*", sn_tcols, NCOLS,
	    sizeof(struct sn_row), 0, &st->cpus)) < 0) {
		sn_free(st);
		return walk_err(h, "net.softnet", rc);
	}
	return 0;
}

/* The -P table (the CPUs by number, a missing one as "-", then the total). */
static void
sn_render(struct nb_out *o, const struct sn_tables *st)
{
	int64_t cpu, next = 0;
	size_t c, i;

	nb_out_open_object(o, "softnet");
	nb_out_text(o, "%-5s", "CPU");
	for (c = 0; c < NCOLS; c++)
		nb_out_text(o, "%*s", sn_cols[c].width, sn_cols[c].title);
	nb_out_text(o, "\n");
	nb_out_open_array(o, "cpus");
	for (i = 0; i < st->cpus.nrows; i++) {
		if ((cpu = st->cpus.ids[i].index) < next || cpu >= MAXCPU)
			continue;
		for (; next <= cpu; next++) {
			nb_out_open_object(o, NULL);
			nb_out_i64(o, NB_OUT_ANY, "cpu", "%-5" PRId64, next);
			sn_render_row(o, &st->cpus, next == cpu ? i : SIZE_MAX);
			nb_out_close_object(o);
		}
	}
	nb_out_close_array(o);
	nb_out_open_object(o, "total");
	nb_out_text(o, "%-5s", "total");
	sn_render_row(o, &st->total, 0);
	nb_out_close_object(o);
	nb_out_close_object(o);
}

/*
 * -P -w: the per-CPU table once per interval, every counter as what the
 * CPU moved in the interval (nb_delta; backlog is a gauge: as it is).
 */
struct sn_iv {
	struct nb_sysctl *h;
	struct nb_delta	*dc, *dt;	/* the CPUs' rows, the total's */
	struct sn_tables st;
};

static int
sn_iv_read(void *arg)
{
	struct sn_iv *iv = arg;
	int rc;

	if ((rc = sn_read(iv->h, &iv->st)) != 0)
		return rc;
	if (nb_delta_step(iv->dc, &iv->st.cpus, sn_tcols, NULL) != 0 ||
	    nb_delta_step(iv->dt, &iv->st.total, sn_tcols, NULL) != 0)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	return 0;
}

static void
sn_iv_render(void *arg, struct nb_out *o)
{
	struct sn_iv *iv = arg;

	sn_render(o, &iv->st);
	sn_free(&iv->st);
}

static int
softnet_interval(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct sn_iv sv = { .h = h };
	const struct nb_interval iv = { sn_iv_read, sn_iv_render, &sv };
	int rc;

	if (nb_delta_create(&sv.dc) != 0 || nb_delta_create(&sv.dt) != 0)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	rc = nb_interval_run(h, &no->c, o, &iv);
	nb_delta_destroy(&sv.dc);
	nb_delta_destroy(&sv.dt);
	return rc;
}

int
softnet_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct sn_tables st;
	int rc;

	if (no->c.interval_set || no->c.count_set)
		return softnet_interval(h, no, o);
	if ((rc = sn_read(h, &st)) != 0)
		return rc;
	nb_out_record_begin(o);
	sn_render(o, &st);
	nb_out_record_end(o);
	sn_free(&st);
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
