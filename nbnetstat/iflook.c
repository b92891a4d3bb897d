/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * iflook.c - nbnetstat -i over a replay range or interval mode, drawn
 * (--plot: bytes, packets, errors and drops per second, per interface) or
 * summarised (--summary: sar's average, minimum, maximum and 95th
 * percentile of the per-interval rates, per interface).
 *
 * Each step reads net.interfaces.* as a table of the counters and turns it
 * into what moved since the previous sample with nb_delta (the one delta
 * path: an interface recreated under its name, or a counter reset, counts
 * from 0, never as a spike). The first sample only starts the range.
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

struct lrow {
	uint64_t st[C_N];
};

static struct nb_sysctl_column lcols[C_N];

/* Called once per interval with what each interface moved in dt_ns. */
typedef void step_fn(void *arg, const char *name, const uint64_t *st, int64_t t_ns, int64_t dt_ns);

static void
walk_range(struct nb_sysctl *h, const struct netstat_opts *no, step_fn *fn, void *arg,
    void (*after)(void *arg))
{
	struct nb_sysctl_table t;
	struct nb_delta *d = NULL;
	struct nb_ticker tk;
	int64_t tprev = 0, tcur;
	const char *det;
	int rc;

	for (unsigned c = 0; c < C_N; c++)
		lcols[c] = (struct nb_sysctl_column){ ctr_leaves[c], NB_SYSCTL_U64,
			offsetof(struct lrow, st) + c * sizeof(uint64_t), 0 };
	if (nb_delta_create(&d) != 0)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	nb_ticker_init(&tk, &no->c, h);
	for (;;) {
		memset(&t, 0, sizeof(t));
		if ((rc = nb_sysctl_table_read(h, "net.interfaces.*", lcols, C_N, sizeof(struct lrow),
			 NB_SYSCTL_RD_NOMCAST, &t)) != 0) {
			det = nb_sysctl_errdetail(h);
			nb_errx(NB_EXIT_RUNTIME, "net.interfaces: %s", *det != '\0' ? det : strerror(-rc));
		}
		tcur = nb_sysctl_sample_time(h);
		if (nb_delta_step(d, &t, lcols, NULL) != 0)
			nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
		for (size_t i = 0; i < t.nrows && !nb_delta_first(d) && tcur > tprev; i++) {
			const char *name = t.ids[i].nkey > 0 ? t.ids[i].key[0] : "";

			if (no->ifname != NULL && strcmp(name, no->ifname) != 0)
				continue;
			fn(arg, name, ((const struct lrow *)nb_sysctl_table_row(&t, i))->st, tcur,
			    tcur - tprev);
		}
		nb_sysctl_table_free(&t);
		tprev = tcur;
		if (after != NULL)
			after(arg);
		if (!nb_ticker_next(&tk))
			break;
	}
	nb_delta_destroy(&d);
}

/* ---- --plot ---- */

struct plotter {
	struct nb_plot *p;
	const char *path;
	bool live;
	int bytes, packets, errors;
};

static void
plot_point(struct plotter *pl, int panel, const char *name, const char *label, int64_t t,
    int64_t dt, uint64_t v)
{
	int s;

	if ((s = nb_plot_series(pl->p, panel, name, label)) < 0 ||
	    nb_plot_point(pl->p, s, t, dt, (double)v * 1e9 / (double)dt) != 0)
		nb_errx(NB_EXIT_RUNTIME, "--plot: %s", strerror(ENOMEM));
}

static void
plot_step(void *arg, const char *name, const uint64_t *st, int64_t t, int64_t dt)
{
	struct plotter *pl = arg;

	plot_point(pl, pl->bytes, name, "in", t, dt, st[C_IBYTES]);
	plot_point(pl, pl->bytes, name, "out", t, dt, st[C_OBYTES]);
	plot_point(pl, pl->packets, name, "in", t, dt, st[C_IPACKETS]);
	plot_point(pl, pl->packets, name, "out", t, dt, st[C_OPACKETS]);
	plot_point(pl, pl->errors, name, "ierrs", t, dt, st[C_IERRORS]);
	plot_point(pl, pl->errors, name, "oerrs", t, dt, st[C_OERRORS]);
	plot_point(pl, pl->errors, name, "idrops", t, dt, st[C_IQDROPS]);
	plot_point(pl, pl->errors, name, "odrops", t, dt, st[C_OQDROPS]);
}

static void
plot_write(void *arg)
{
	struct plotter *pl = arg;
	int rc;

	if (pl->live && (rc = nb_plot_write(pl->p)) != 0)
		nb_errx(NB_EXIT_RUNTIME, "--plot %s: %s", pl->path, strerror(-rc));
}

int
if_plot(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct plotter pl = { .path = no->c.plot_path, .live = no->c.replay_path == NULL };
	char title[128];
	int rc;

	(void)o;
	snprintf(title, sizeof(title), "nbnetstat -i: %s", no->ifname != NULL ? no->ifname : "the busiest interfaces");
	if ((rc = nb_plot_create(pl.path, title, &pl.p)) != 0)
		nb_errx(NB_EXIT_RUNTIME, "--plot %s: %s", pl.path, strerror(-rc));
	if ((pl.bytes = nb_plot_panel(pl.p, "bytes", "B/s", NB_PLOT_LINES)) < 0 ||
	    (pl.packets = nb_plot_panel(pl.p, "packets", "pkt/s", NB_PLOT_LINES)) < 0 ||
	    (pl.errors = nb_plot_panel(pl.p, "errors and drops", "/s", NB_PLOT_LINES)) < 0)
		nb_errx(NB_EXIT_RUNTIME, "--plot: %s", strerror(ENOMEM));
	/* The busiest interfaces by bytes moved (one with -I). */
	nb_plot_top(pl.p, no->c.top != 0 ? (unsigned)no->c.top : 5, pl.bytes);
	walk_range(h, no, plot_step, &pl, plot_write);
	pl.live = true;
	plot_write(&pl);
	nb_plot_destroy(&pl.p);
	return 0;
}

/* ---- --summary ---- */

static const enum ctr sctrs[] = { C_IPACKETS, C_IERRORS, C_IQDROPS, C_IBYTES,
	C_OPACKETS, C_OERRORS, C_OQDROPS, C_OBYTES };
#define NS (sizeof(sctrs) / sizeof(sctrs[0]))
static const char *const sheads[NS] = { "Ipkts/s", "Ierrs/s", "Idrops/s", "Ibytes/s",
	"Opkts/s", "Oerrs/s", "Odrops/s", "Obytes/s" };

struct summer {
	struct nb_summer *s;
	char **names; /* in order of first appearance */
	size_t n;
	int64_t t0, t1;
};

static void
skey(char *buf, size_t size, const char *name, enum ctr c)
{
	snprintf(buf, size, "%s/%s", ctr_names[c], name);
}

static void
sum_step(void *arg, const char *name, const uint64_t *st, int64_t t, int64_t dt)
{
	struct summer *sm = arg;
	char key[NB_SYSCTL_NAMEMAX + 32];
	size_t i;

	for (i = 0; i < sm->n && strcmp(sm->names[i], name) != 0; i++)
		;
	if (i == sm->n) {
		char **v = reallocarray(sm->names, sm->n + 1, sizeof(*v));

		if (v == NULL || (v[sm->n] = strdup(name)) == NULL)
			nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
		sm->names = v;
		sm->n++;
	}
	if (sm->t0 == 0 || t - dt < sm->t0)
		sm->t0 = t - dt;
	if (t > sm->t1)
		sm->t1 = t;
	for (size_t k = 0; k < NS; k++) {
		skey(key, sizeof(key), name, sctrs[k]);
		if (nb_summer_add(sm->s, key, (double)st[sctrs[k]], dt) != 0)
			nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	}
}

int
if_summary(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	static const char *const stats[] = { "average", "minimum", "maximum", "p95" };
	struct summer sm = { 0 };
	struct nb_summary su;
	char key[NB_SYSCTL_NAMEMAX + 32];

	if (nb_summer_create(&sm.s) != 0)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	walk_range(h, no, sum_step, &sm, NULL);
	nb_out_record_begin(o);
	nb_out_span(o, sm.t0, sm.t1, "rates per second over %.3f s");
	nb_out_text(o, " (p95: the 95th percentile of the intervals)\n");
	nb_out_text(o, "%-9s %-8s", "Name", "");
	for (size_t k = 0; k < NS; k++)
		nb_out_text(o, " %12s", sheads[k]);
	nb_out_text(o, "\n");
	nb_out_open_array(o, "interfaces");
	for (size_t i = 0; i < sm.n; i++) {
		nb_out_open_object(o, NULL);
		nb_out_str(o, NB_OUT_JSON, "name", NULL, sm.names[i]);
		skey(key, sizeof(key), sm.names[i], sctrs[0]);
		if (nb_summer_get(sm.s, key, &su) == 0)
			nb_out_u64(o, NB_OUT_JSON, "intervals", NULL, su.n);
		for (size_t s = 0; s < 4; s++) {
			nb_out_text(o, "%-9s %-8s", sm.names[i], stats[s]);
			nb_out_open_object(o, stats[s]);
			for (size_t k = 0; k < NS; k++) {
				double v;

				skey(key, sizeof(key), sm.names[i], sctrs[k]);
				if (nb_summer_get(sm.s, key, &su) != 0)
					continue;
				v = s == 0 ? su.avg : s == 1 ? su.min :
						  s == 2     ? su.max :
							       su.p95;
				nb_out_double(o, NB_OUT_ANY, ctr_names[sctrs[k]], " %12.2f", v);
			}
			nb_out_close_object(o);
			nb_out_text(o, "\n");
		}
		nb_out_close_object(o);
	}
	nb_out_close_array(o);
	nb_out_record_end(o);
	for (size_t i = 0; i < sm.n; i++)
		free(sm.names[i]);
	free(sm.names);
	nb_summer_destroy(&sm.s);
	return 0;
}
