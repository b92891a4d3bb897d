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

/*
 * -s -P: the per-CPU counters of a group as "total name (cpu0 a, cpu1 b)",
 * from the group's row (the totals) and its rows per CPU (<group>.<cpu>),
 * in the columns' order; a gauge (backlog) is not a sum and is left out.
 */
static const char *const pc_softnet[] = {
	"processed", "dropped", "time_squeeze", "received_rps", "flow_limit"
};
static const char *const pc_cp_time[] = {
	"user", "nice", "sys", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"
};
#define PC_MAXCOLS	10

static struct pc_group {
	const char	*mib;		/* the totals; mib.* the CPUs */
	const char	*key;		/* header and JSON key */
	const char *const *leaves;
	unsigned	 ncols;
	struct nb_sysctl_column cols[PC_MAXCOLS];
} pc_groups[] = {
	{ "net.softnet", "softnet", pc_softnet, sizeof(pc_softnet) / sizeof(pc_softnet[0]), { { 0 } } },
	{ "kern.cp_time", "cp_time", pc_cp_time, sizeof(pc_cp_time) / sizeof(pc_cp_time[0]), { { 0 } } },
};
#define PC_NGROUPS	(sizeof(pc_groups) / sizeof(pc_groups[0]))

struct pc_tables {
	struct nb_sysctl_table total[PC_NGROUPS], cpus[PC_NGROUPS];
	bool		 have[PC_NGROUPS];	/* the group is in the tree */
};

struct pc_run {
	struct nb_sysctl *h;
	int		 sflag;
	struct pc_tables pt;
	struct nb_delta	*d[PC_NGROUPS][2];	/* interval mode: total, CPUs */
};

static void
pc_free(struct pc_tables *pt)
{
	size_t g;

	for (g = 0; g < PC_NGROUPS; g++) {
		nb_sysctl_table_free(&pt->total[g]);
		nb_sysctl_table_free(&pt->cpus[g]);
	}
}

static int
pc_read(void *arg)
{
	struct pc_run *r = arg;
	struct pc_tables *pt = &r->pt;
	char pat[64];
	size_t g, c;
	int rc;

	memset(pt, 0, sizeof(*pt));
	for (g = 0; g < PC_NGROUPS; g++) {
		struct pc_group *pg = &pc_groups[g];

		for (c = 0; c < pg->ncols; c++)
			pg->cols[c] = (struct nb_sysctl_column){ pg->leaves[c], NB_SYSCTL_U64,
			    c * sizeof(uint64_t), 0 };
		snprintf(pat, sizeof(pat), "%s.*", pg->mib);
		rc = nb_sysctl_table_read(r->h, pg->mib, pg->cols, pg->ncols,
		    PC_MAXCOLS * sizeof(uint64_t), 0, &pt->total[g]);
		if (rc == 0)
			rc = nb_sysctl_table_read(r->h, pat, pg->cols, pg->ncols,
			    PC_MAXCOLS * sizeof(uint64_t), 0, &pt->cpus[g]);
		/* A group the tree lacks (no such statistics here) is left out. */
		if (rc == -ENOENT && *nb_sysctl_errdetail(r->h) == '\0')
			continue;
		if (rc < 0) {
			pc_free(pt);
			return walk_err(r->h, pg->mib, rc);
		}
		pt->have[g] = pt->total[g].nrows > 0;
		if (r->d[g][0] != NULL &&
		    (nb_delta_step(r->d[g][0], &pt->total[g], pg->cols, NULL) != 0 ||
		    nb_delta_step(r->d[g][1], &pt->cpus[g], pg->cols, NULL) != 0))
			nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	}
	return 0;
}

static void
pc_render(void *arg, struct nb_out *o)
{
	struct pc_run *r = arg;
	struct pc_tables *pt = &r->pt;
	const uint64_t *tot, *v;
	size_t g, i;
	unsigned c, n;

	for (g = 0; g < PC_NGROUPS; g++) {
		const struct pc_group *pg = &pc_groups[g];

		nb_out_open_object(o, pg->key);
		nb_out_text(o, "%s:\n", pg->key);
		tot = nb_sysctl_table_row(&pt->total[g], 0);
		for (c = 0; pt->have[g] && c < pg->ncols; c++) {
			if (!nb_sysctl_row_has(&pt->total[g].ids[0], c) ||
			    (pt->total[g].colflags[c] & NB_SYSCTL_F_COUNTER) == 0)
				continue;
			if (r->sflag > 1 && tot[c] == 0)
				continue;
			nb_out_open_object(o, pg->leaves[c]);
			nb_out_u64(o, NB_OUT_ANY, "total", "\t%" PRIu64, tot[c]);
			nb_out_text(o, " %s (", pg->leaves[c]);
			nb_out_open_array(o, "percpu");
			for (i = 0, n = 0; i < pt->cpus[g].nrows; i++) {
				v = nb_sysctl_table_row(&pt->cpus[g], i);
				if (!nb_sysctl_row_has(&pt->cpus[g].ids[i], c))
					continue;
				nb_out_text(o, "%scpu%" PRId64 " ", n++ > 0 ? ", " : "",
				    pt->cpus[g].ids[i].index);
				nb_out_u64(o, NB_OUT_ANY, NULL, "%" PRIu64, v[c]);
			}
			nb_out_close_array(o);
			nb_out_text(o, ")\n");
			nb_out_close_object(o);
		}
		nb_out_close_object(o);
	}
	pc_free(pt);
}

int
softnet_stats_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct pc_run r = { .h = h, .sflag = no->sflag };
	const struct nb_interval iv = { pc_read, pc_render, &r };
	size_t g, k;
	int rc;

	if (!(no->c.interval_set || no->c.count_set)) {
		if ((rc = pc_read(&r)) != 0)
			return rc;
		nb_out_record_begin(o);
		pc_render(&r, o);
		nb_out_record_end(o);
		return 0;
	}
	/* -s -P -w: each counter's delta for the interval, zeros hidden as -ss. */
	r.sflag = 2;
	for (g = 0; g < PC_NGROUPS; g++)
		for (k = 0; k < 2; k++) {
			if (nb_delta_create(&r.d[g][k]) != 0)
				nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
			/* Linux's iowait ticks can step backwards: 0, not a reset. */
			nb_delta_set_backwards(r.d[g][k], NB_DELTA_CLAMP);
		}
	rc = nb_interval_run(h, &no->c, o, &iv);
	for (g = 0; g < PC_NGROUPS; g++)
		for (k = 0; k < 2; k++)
			nb_delta_destroy(&r.d[g][k]);
	return rc;
}
