/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ifw.c - nbnetstat -i -w: NetBSD's interval ("sideways") interface display.
 * Each tick reads net.interfaces.* and net.interfaces_departed.* as tables
 * (their counters), turns them into deltas with nb_delta (libnbtool, the one
 * delta path), then renders one line for the followed interface and the
 * total (the first line: since boot).
 *
 * Deltas are taken per interface identity (index, gen), never per name: an
 * interface deleted and recreated under the same name is a new object whose
 * counters start from 0, so its delta is its counters (plus the traffic the
 * old object moved after our last sample, from its departed record); it is
 * never a negative or wrapped difference of two unrelated counters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#include "nbnetstat.h"

/* The counters of the interval display, in JSON order. */
static const enum ctr wctrs[] = {
	C_IPACKETS, C_IERRORS, C_IQDROPS, C_IBYTES,
	C_OPACKETS, C_OERRORS, C_OQDROPS, C_OBYTES, C_COLLISIONS,
};
#define NW	(sizeof(wctrs) / sizeof(wctrs[0]))

/* A row of net.interfaces.* / net.interfaces_departed.*: the counters. */
struct wrow {
	uint64_t	 st[C_N];
};

static struct nb_sysctl_column wcols[C_N];

struct wsample {
	int64_t		 time_ns;
	struct nb_sysctl_table live, departed;
};

/* Deltas of one line: the followed interface or the total. */
struct wdelta {
	uint64_t	 d[C_N];
	unsigned	 present;
	bool		 live;		/* the followed interface exists now */
	bool		 reset;		/* its identity changed since the last sample */
};

/* ---- collect ---- */

static void
wsample_free(struct wsample *s)
{
	nb_sysctl_table_free(&s->live);
	nb_sysctl_table_free(&s->departed);
}

static void
read_table(struct nb_sysctl *h, const char *pattern, struct nb_sysctl_table *t,
    struct wsample *s)
{
	const char *d;
	int error;

	if ((error = nb_sysctl_table_read(h, pattern, wcols, C_N, sizeof(struct wrow),
	    NB_SYSCTL_RD_NOMCAST, t)) == 0)
		return;
	wsample_free(s);
	d = nb_sysctl_errdetail(h);
	nb_errx(NB_EXIT_RUNTIME, "%.*s: %s", (int)(strlen(pattern) - 2), pattern,
	    d != NULL && *d != '\0' ? d : strerror(-error));
}

static void
collect(struct nb_sysctl *h, struct wsample *s)
{
	unsigned c;

	if (wcols[0].leaf == NULL)
		for (c = 0; c < C_N; c++)
			wcols[c] = (struct nb_sysctl_column){ ctr_leaves[c], NB_SYSCTL_U64,
			    offsetof(struct wrow, st) + c * sizeof(uint64_t), 0 };
	memset(s, 0, sizeof(*s));
	read_table(h, "net.interfaces.*", &s->live, s);
	read_table(h, "net.interfaces_departed.*", &s->departed, s);
	s->time_ns = nb_sysctl_sample_time(h);
}

static unsigned
present_of(const struct nb_sysctl_rowid *id)
{
	unsigned c, m = 0;

	for (c = 0; c < C_N; c++)
		if (nb_sysctl_row_has(id, c))
			m |= 1u << c;
	return m;
}

static void
add_row(struct wdelta *out, const struct wrow *r, unsigned present)
{
	int c;

	for (c = 0; c < C_N; c++)
		if ((present & (1u << c)) != 0) {
			out->present |= 1u << c;
			out->d[c] += r->st[c];
		}
}

/* ---- deltas (nb_delta: the one delta path) ---- */

/* What the departed objects once named `name` (NULL: all) moved before going. */
static void
add_gone(struct wdelta *out, const struct nb_delta *d, const char *name)
{
	const struct nb_sysctl_rowid *id;
	const struct wrow *r;
	size_t i;

	for (i = 0; i < nb_delta_ngone(d); i++) {
		r = nb_delta_gone(d, i, &id);
		if (name != NULL && (id->nkey == 0 || strcmp(id->key[0], name) != 0))
			continue;
		add_row(out, r, present_of(id));
	}
}

static void
delta_total(struct wdelta *out, const struct wsample *cur, const struct nb_delta *d)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->live = true;
	for (i = 0; i < cur->live.nrows; i++)
		add_row(out, nb_sysctl_table_row(&cur->live, i), present_of(&cur->live.ids[i]));
	add_gone(out, d, NULL);
}

static ssize_t
find_name(const struct nb_sysctl_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nrows; i++)
		if (t->ids[i].nkey > 0 && strcmp(t->ids[i].key[0], name) == 0)
			return (ssize_t)i;
	return -1;
}

static void
delta_if(struct wdelta *out, const struct wsample *cur, const struct nb_delta *d,
    const char *name)
{
	ssize_t i;
	enum nb_delta_state st = NB_DELTA_NEW;

	memset(out, 0, sizeof(*out));
	if ((i = find_name(&cur->live, name)) >= 0) {
		out->live = true;
		st = nb_delta_state(d, (size_t)i);
		out->reset = st == NB_DELTA_NEW || st == NB_DELTA_RESET;
		add_row(out, nb_sysctl_table_row(&cur->live, (size_t)i),
		    present_of(&cur->live.ids[i]));
	}
	/* Not the object of the last sample: what that one moved before going. */
	if (!nb_delta_first(d) && (i < 0 || st == NB_DELTA_NEW))
		add_gone(out, d, name);
}

/* ---- render ---- */

/* NetBSD sidewaysintpr's banner and column headers for one group. */
static void
render_banner_group(struct nb_out *o, const struct netstat_opts *no, const char *name,
    const char *lead)
{
	if (no->bflag)
		nb_out_text(o, "%s%7.7s in %8.8s %6.6s out %5.5s", lead, name, " ", name, " ");
	else
		nb_out_text(o, "%s%5.5s in %5.5s%5.5s out %5.5s %5.5s", lead, name, " ", name, " ", " ");
	if (no->dflag)
		nb_out_text(o, " %5.5s", " ");
}

static void
render_header_group(struct nb_out *o, const struct netstat_opts *no, const char *lead)
{
	if (no->bflag)
		nb_out_text(o, "%s%10.10s %8.8s %10.10s %5.5s", lead, "bytes", " ", "bytes", " ");
	else
		nb_out_text(o, "%s%8.8s %5.5s %8.8s %5.5s %5.5s", lead,
		    "packets", "errs", "packets", "errs", "colls");
	if (no->dflag)
		nb_out_text(o, " %5.5s", "drops");
}

static void
render_banner(struct nb_out *o, const struct netstat_opts *no, const char *ifname, bool total)
{
	render_banner_group(o, no, ifname, "");
	if (total)
		render_banner_group(o, no, "total", "  ");
	nb_out_text(o, "\n");
	render_header_group(o, no, "");
	if (total)
		render_header_group(o, no, "  ");
	nb_out_text(o, "\n");
}

/* One shown column: the value, or "-" (JSON: absent) if the kernel has none. */
static void
render_col(struct nb_out *o, const struct netstat_opts *no, const struct wdelta *d,
    enum ctr c, int width, const char *sep)
{
	char fmt[24], human[16];

	nb_out_text(o, "%s", sep);
	if ((d->present & (1u << c)) == 0) {
		nb_out_text(o, "%*s", width, "-");
	} else if (no->hflag && (c == C_IBYTES || c == C_OBYTES)) {
		if_humanize(human, sizeof(human), d->d[c]);
		nb_out_u64(o, NB_OUT_JSON, ctr_names[c], NULL, d->d[c]);
		nb_out_text(o, "%*s", width, human);
	} else {
		snprintf(fmt, sizeof(fmt), "%%%d" PRIu64, width);
		nb_out_u64(o, NB_OUT_ANY, ctr_names[c], fmt, d->d[c]);
	}
}

static void
render_group(struct nb_out *o, const struct netstat_opts *no, const struct wdelta *d)
{
	unsigned shown = 0;
	size_t i;

	if (no->bflag) {
		render_col(o, no, d, C_IBYTES, 10, "");
		nb_out_text(o, " %8.8s ", " ");
		render_col(o, no, d, C_OBYTES, 10, "");
		nb_out_text(o, " %5.5s", " ");
		shown = 1u << C_IBYTES | 1u << C_OBYTES;
	} else {
		render_col(o, no, d, C_IPACKETS, 8, "");
		render_col(o, no, d, C_IERRORS, 5, " ");
		render_col(o, no, d, C_OPACKETS, 8, " ");
		render_col(o, no, d, C_OERRORS, 5, " ");
		render_col(o, no, d, C_COLLISIONS, 5, " ");
		shown = 1u << C_IPACKETS | 1u << C_IERRORS | 1u << C_OPACKETS |
		    1u << C_OERRORS | 1u << C_COLLISIONS;
	}
	if (no->dflag) {
		render_col(o, no, d, C_IQDROPS, 5, " ");
		shown |= 1u << C_IQDROPS;
	}
	/* The counters the text does not show: JSON only. */
	for (i = 0; i < NW; i++)
		if ((d->present & ~shown & (1u << wctrs[i])) != 0)
			nb_out_u64(o, NB_OUT_JSON, ctr_names[wctrs[i]], NULL, d->d[wctrs[i]]);
}

static void
render_line(struct nb_out *o, const struct netstat_opts *no, const char *ifname,
    const struct wdelta *dif, const struct wdelta *dtot, double secs, bool since_boot)
{
	nb_out_record_begin(o);
	nb_out_bool(o, NB_OUT_JSON, "since_boot", NULL, since_boot);
	nb_out_double(o, NB_OUT_JSON, "seconds", NULL, secs);
	nb_out_open_object(o, "interface");
	nb_out_str(o, NB_OUT_JSON, "name", NULL, ifname);
	nb_out_bool(o, NB_OUT_JSON, "present", NULL, dif->live);
	nb_out_bool(o, NB_OUT_JSON, "reset", NULL, dif->reset);
	render_group(o, no, dif);
	nb_out_close_object(o);
	if (dtot != NULL) {
		nb_out_text(o, "  ");
		nb_out_open_object(o, "total");
		render_group(o, no, dtot);
		nb_out_close_object(o);
	}
	nb_out_text(o, "\n");
	nb_out_record_end(o);
}

/* The interface with the most bytes in and out (ties: the lowest index). */
static const char *
busiest(const struct wsample *s)
{
	const struct wrow *best = NULL, *w;
	int64_t bestix = 0;
	const char *name = NULL;
	size_t i;

	for (i = 0; i < s->live.nrows; i++) {
		w = nb_sysctl_table_row(&s->live, i);
		if (best == NULL ||
		    w->st[C_IBYTES] + w->st[C_OBYTES] > best->st[C_IBYTES] + best->st[C_OBYTES] ||
		    (w->st[C_IBYTES] + w->st[C_OBYTES] == best->st[C_IBYTES] + best->st[C_OBYTES] &&
		    s->live.ids[i].index < bestix)) {
			best = w;
			bestix = s->live.ids[i].index;
			name = s->live.ids[i].key[0];
		}
	}
	return name;
}

int
if_interval(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct wsample cur, prev;
	struct wdelta dif, dtot;
	struct nb_ticker t;
	struct nb_delta *d = NULL;
	char *ifname;
	bool have_prev = false, total;
	int page = nb_page_lines(), line = 0;
	double secs;

	if (nb_delta_create(&d) != 0)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	collect(h, &cur);
	if (no->ifname != NULL) {
		if (find_name(&cur.live, no->ifname) < 0) {
			wsample_free(&cur);
			nb_errx(NB_EXIT_RUNTIME, "%s: no such interface", no->ifname);
		}
		ifname = strdup(no->ifname);
	} else {
		if (busiest(&cur) == NULL) {
			wsample_free(&cur);
			nb_errx(NB_EXIT_RUNTIME, "net.interfaces: no interfaces");
		}
		ifname = strdup(busiest(&cur));
	}
	if (ifname == NULL) {
		wsample_free(&cur);
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	}
	/* As NetBSD: the total group only when there is more than one interface. */
	total = cur.live.nrows > 1;

	nb_ticker_init(&t, &no->c, h);
	for (;;) {
		if (nb_delta_step(d, &cur.live, wcols, &cur.departed) != 0)
			nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
		delta_if(&dif, &cur, d, ifname);
		delta_total(&dtot, &cur, d);
		secs = have_prev ? (double)(cur.time_ns - prev.time_ns) / 1e9 : 0;
		/* The banner, then page - 3 lines (NetBSD: 21 on a 24-line terminal). */
		if (line == 0)
			render_banner(o, no, ifname, total);
		render_line(o, no, ifname, &dif, total ? &dtot : NULL,
		    (double)(int64_t)(secs * 1000.0 + 0.5) / 1000.0, !have_prev);
		if (++line >= page - 3)
			line = 0;
		if (!nb_ticker_next(&t))
			break;
		if (have_prev)
			wsample_free(&prev);
		prev = cur;
		have_prev = true;
		collect(h, &cur);
	}
	if (have_prev)
		wsample_free(&prev);
	wsample_free(&cur);
	nb_delta_destroy(&d);
	free(ifname);
	return 0;
}
