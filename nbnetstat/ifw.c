/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ifw.c - nbnetstat -i -w: NetBSD's interval ("sideways") interface display.
 * Each tick collects net.interfaces and net.interfaces_departed in one walk
 * each, then renders one line of deltas for the followed interface and the
 * total from the previous sample (the first line: since boot).
 *
 * Deltas are taken per interface identity (index, gen), never per name: an
 * interface deleted and recreated under the same name is a new object whose
 * counters start from 0, so its delta is its counters (plus the traffic the
 * old object moved after our last sample, from its departed record); it is
 * never a negative or wrapped difference of two unrelated counters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
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

struct wif {
	char		*name;		/* live: the name; departed: name@gen */
	int64_t		 index;
	uint64_t	 gen;
	uint64_t	 st[C_N];
	unsigned	 present;	/* bit per enum ctr */
};

struct wlist {
	struct wif	*v;
	size_t		 n, cap;
	struct wif	*cur;		/* walk: the interface being filled */
};

struct wsample {
	int64_t		 time_ns;
	struct wlist	 live, departed;
};

/* Deltas of one line: the followed interface or the total. */
struct wdelta {
	uint64_t	 d[C_N];
	unsigned	 present;
	bool		 live;		/* the followed interface exists now */
	bool		 reset;		/* its identity changed since the last sample */
};

/* ---- collect ---- */

static uint64_t
val_u64(const struct nb_sysctl_value *v)
{
	return v->type == NB_SYSCTL_INT ? (uint64_t)v->i : v->u;
}

static struct wif *
wif_new(struct wlist *l, const char *name, size_t len)
{
	struct wif *w;

	if (l->n == l->cap) {
		size_t cap = l->cap != 0 ? l->cap * 2 : 64;

		if ((w = realloc(l->v, cap * sizeof(*w))) == NULL)
			return NULL;
		l->v = w;
		l->cap = cap;
	}
	w = &l->v[l->n];
	memset(w, 0, sizeof(*w));
	if ((w->name = strndup(name, len)) == NULL)
		return NULL;
	l->n++;
	return w;
}

/* net interfaces[_departed] <name> <leaf> [<ctr>] */
static int
wif_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct wlist *l = arg;
	struct wif *w = l->cur;
	int c;

	if (e->ncomp < 4 || e->val.type == NB_SYSCTL_NODE)
		return 0;
	if (w == NULL || strlen(w->name) != e->complen[2] ||
	    memcmp(w->name, e->comp[2], e->complen[2]) != 0) {
		if ((w = l->cur = wif_new(l, e->comp[2], e->complen[2])) == NULL)
			return -ENOMEM;
	}
	if (e->ncomp == 4) {
		if (strcmp(e->comp[3], "index") == 0)
			w->index = e->val.type == NB_SYSCTL_U64 ? (int64_t)e->val.u : e->val.i;
		else if (strcmp(e->comp[3], "gen") == 0)
			w->gen = val_u64(&e->val);
	} else if (e->ncomp == 5 && strcmp(e->comp[3], "stats") == 0) {
		for (c = 0; c < C_N; c++) {
			if (strcmp(e->comp[4], ctr_names[c]) == 0) {
				w->st[c] = val_u64(&e->val);
				w->present |= 1u << c;
				break;
			}
		}
	}
	return 0;
}

static void
wlist_free(struct wlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void
wsample_free(struct wsample *s)
{
	wlist_free(&s->live);
	wlist_free(&s->departed);
}

static void
walk(struct nb_sysctl *h, const char *name, struct wlist *l, struct wsample *s)
{
	const char *d;
	int error;

	l->cur = NULL;
	if ((error = nb_sysctl_walk(h, name, 0, wif_cb, l)) == 0)
		return;
	wsample_free(s);
	d = nb_sysctl_errdetail(h);
	nb_errx(NB_EXIT_RUNTIME, "%s: %s", name, d != NULL && *d != '\0' ? d : strerror(-error));
}

static void
collect(struct nb_sysctl *h, struct wsample *s)
{
	memset(s, 0, sizeof(*s));
	walk(h, "net.interfaces", &s->live, s);
	walk(h, "net.interfaces_departed", &s->departed, s);
	s->time_ns = nb_sysctl_sample_time(h);
}

/* ---- deltas ---- */

static const struct wif *
find_ident(const struct wlist *l, int64_t index, uint64_t gen)
{
	size_t i;

	for (i = 0; l != NULL && i < l->n; i++)
		if (l->v[i].index == index && l->v[i].gen == gen)
			return &l->v[i];
	return NULL;
}

static const struct wif *
find_name(const struct wlist *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

/*
 * Add what object `w` moved since `prev` (NULL: since it was created) to
 * `out`. A counter below its previous value without a change of identity
 * (a driver that resets its statistics) counts from 0 as well.
 */
static void
add_since(struct wdelta *out, const struct wif *w, const struct wif *prev)
{
	int c;

	for (c = 0; c < C_N; c++) {
		if ((w->present & (1u << c)) == 0)
			continue;
		out->present |= 1u << c;
		if (prev != NULL && (prev->present & (1u << c)) != 0 && w->st[c] >= prev->st[c])
			out->d[c] += w->st[c] - prev->st[c];
		else
			out->d[c] += w->st[c];
		if (prev != NULL && w->st[c] < prev->st[c])
			out->reset = true;
	}
}

/*
 * Departed objects that were live at the previous sample: the traffic they
 * moved between that sample and their deletion. (Older departed records
 * were accounted for when they departed, or precede the first sample.)
 */
static void
add_departed(struct wdelta *out, const struct wsample *cur, const struct wsample *prev,
    const char *name)
{
	const struct wif *d, *p;
	size_t i;
	int c;

	if (prev == NULL)
		return;
	for (i = 0; i < cur->departed.n; i++) {
		d = &cur->departed.v[i];
		if ((p = find_ident(&prev->live, d->index, d->gen)) == NULL)
			continue;
		if (name != NULL && strcmp(p->name, name) != 0)
			continue;
		for (c = 0; c < C_N; c++)
			if ((d->present & p->present & (1u << c)) != 0) {
				out->present |= 1u << c;
				if (d->st[c] >= p->st[c])
					out->d[c] += d->st[c] - p->st[c];
			}
	}
}

static void
delta_total(struct wdelta *out, const struct wsample *cur, const struct wsample *prev)
{
	size_t i;
	const struct wif *w;

	memset(out, 0, sizeof(*out));
	out->live = true;
	for (i = 0; i < cur->live.n; i++) {
		w = &cur->live.v[i];
		add_since(out, w, prev != NULL ? find_ident(&prev->live, w->index, w->gen) : NULL);
	}
	add_departed(out, cur, prev, NULL);
	out->reset = false;	/* the total has no identity */
}

static void
delta_if(struct wdelta *out, const struct wsample *cur, const struct wsample *prev,
    const char *name)
{
	const struct wif *w, *p = NULL;

	memset(out, 0, sizeof(*out));
	if ((w = find_name(&cur->live, name)) != NULL) {
		out->live = true;
		if (prev != NULL) {
			p = find_ident(&prev->live, w->index, w->gen);
			out->reset = p == NULL;
		}
		add_since(out, w, p);
	}
	if (prev != NULL && (w == NULL || p == NULL))
		add_departed(out, cur, prev, name);
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
	const struct wif *best = NULL, *w;
	size_t i;

	for (i = 0; i < s->live.n; i++) {
		w = &s->live.v[i];
		if (best == NULL ||
		    w->st[C_IBYTES] + w->st[C_OBYTES] > best->st[C_IBYTES] + best->st[C_OBYTES] ||
		    (w->st[C_IBYTES] + w->st[C_OBYTES] == best->st[C_IBYTES] + best->st[C_OBYTES] &&
		    w->index < best->index))
			best = w;
	}
	return best != NULL ? best->name : NULL;
}

int
if_interval(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct wsample cur, prev;
	struct wdelta dif, dtot;
	struct nb_ticker t;
	char *ifname;
	bool have_prev = false, total;
	int page = nb_page_lines(), line = 0;
	double secs;

	collect(h, &cur);
	if (no->ifname != NULL) {
		if (find_name(&cur.live, no->ifname) == NULL) {
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
	total = cur.live.n > 1;

	nb_ticker_init(&t, &no->c, h);
	for (;;) {
		delta_if(&dif, &cur, have_prev ? &prev : NULL, ifname);
		delta_total(&dtot, &cur, have_prev ? &prev : NULL);
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
	free(ifname);
	return 0;
}
