/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * look.c - nbsysctl looking at history: --plot (the named leaves over a
 * replay range or interval mode: counters as rates, other numbers as
 * read) and --diff T1 T2 (what changed in the named subtrees between two
 * samples: nodes added and removed, values changed, counters' deltas).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nbtool/nbtool.h>
#include <sysctl-tree/sysctl.h>

#include "nbsysctl.h"

static bool
is_number(const struct nb_sysctl_value *v)
{
	return v->type == NB_SYSCTL_U64 || v->type == NB_SYSCTL_INT || v->type == NB_SYSCTL_BOOL;
}

static bool
is_counter(const struct nb_sysctl_value *v)
{
	return (v->flags & NB_SYSCTL_F_COUNTER) != 0 &&
	       (v->type == NB_SYSCTL_U64 || v->type == NB_SYSCTL_INT);
}

static double
num(const struct nb_sysctl_value *v)
{
	return v->type == NB_SYSCTL_U64 ? (double)v->u : v->type == NB_SYSCTL_INT ? (double)v->i :
										    v->b;
}

static void
point(struct nb_plot *p, int panel, const char *label, int64_t t, int64_t dt, double v)
{
	int s, rc;

	if ((s = nb_plot_series(p, panel, NULL, label)) < 0 || (rc = nb_plot_point(p, s, t, dt, v)) < 0)
		nb_errx(NB_EXIT_RUNTIME, "--plot: %s", strerror(ENOMEM));
}

/* One sample's points: counters as rates over dt (none the first time), the rest as read. */
static void
plot_items(struct nb_plot *p, int rates, int levels, const struct nbs_list *l, int64_t t,
    int64_t dt, bool percpu)
{
	char label[NB_SYSCTL_NAMEMAX + 32];

	for (size_t i = 0; i < l->n; i++) {
		const struct nbs_item *it = &l->v[i];
		const struct nb_sysctl_value *v = &it->val;

		if (!is_number(v))
			continue;
		if (!is_counter(v)) {
			point(p, levels, it->name, t, 0, num(v));
			continue;
		}
		if (!it->has_delta || dt <= 0)
			continue;
		point(p, rates, it->name, t, dt, num(&it->delta) * 1e9 / (double)dt);
		if (!percpu || it->delta.percpu == NULL)
			continue;
		for (unsigned c = 0; c < it->delta.ncpu; c++) {
			snprintf(label, sizeof(label), "%s cpu%u", it->name, c);
			point(p, rates, label, t, dt, (double)it->delta.percpu[c] * 1e9 / (double)dt);
		}
	}
}

static void
plot_write(struct nb_plot *p, const char *path)
{
	int rc;

	if ((rc = nb_plot_write(p)) != 0)
		nb_errx(NB_EXIT_RUNTIME, "--plot %s: %s", path, strerror(-rc));
}

int
nbs_plot_loop(const struct nb_common *c, struct nb_sysctl *h, struct nbs_reqs *rs,
    unsigned rdflags, struct nbs_renderer *r, bool quiet)
{
	struct nbs_list prev = { 0 }, cur = { 0 };
	struct nb_plot *p = NULL;
	struct nb_ticker t;
	int64_t tprev = 0, tcur;
	int ret = 0, rc, rates, levels;

	if ((rc = nb_plot_create(c->plot_path, "nbsysctl", &p)) != 0)
		nb_errx(NB_EXIT_RUNTIME, "--plot %s: %s", c->plot_path, strerror(-rc));
	if ((rates = nb_plot_panel(p, "counters (rates)", "/s", NB_PLOT_LINES)) < 0 ||
	    (levels = nb_plot_panel(p, "values", "", NB_PLOT_LINES)) < 0)
		nb_errx(NB_EXIT_RUNTIME, "--plot: %s", strerror(ENOMEM));
	nb_ticker_init(&t, c, h);
	for (;;) {
		ret |= nbs_read_all(h, rs, rdflags, quiet, true, r, &cur);
		tcur = nb_sysctl_sample_time(h);
		if ((rc = nbs_deltas(&cur, &prev)) < 0)
			nb_errx(NB_EXIT_RUNTIME, "%s", strerror(-rc));
		plot_items(p, rates, levels, &cur, tcur, prev.n > 0 || tprev != 0 ? tcur - tprev : 0,
		    (rdflags & NB_SYSCTL_RD_PERCPU) != 0);
		nbs_list_free(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
		tprev = tcur;
		if (c->replay_path == NULL)
			plot_write(p, c->plot_path);
		if (!nb_ticker_next(&t))
			break;
	}
	plot_write(p, c->plot_path);
	nbs_list_free(&prev);
	nb_plot_destroy(&p);
	return ret;
}

/* ---- --diff T1 T2 ---- */

static int
cmp_name(const void *a, const void *b)
{
	const struct nbs_item *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static void
value_text(const struct nb_sysctl_value *v, char *buf, size_t size)
{
	struct nb_sysctl_value t = *v;

	t.percpu = NULL;
	nb_sysctl_value_format(&t, buf, size);
}

static void
diff_row(struct nb_out *o, char mark, const struct nbs_item *it,
    const struct nb_sysctl_value *old, const struct nb_sysctl_value *new)
{
	char a[1024], b[1024];

	nb_out_open_object(o, NULL);
	nb_out_text(o, "%c ", mark);
	nb_out_str(o, NB_OUT_ANY, "name", "%s", it->name);
	if (old != NULL && new != NULL && mark == ' ') {
		/* a counter: what it moved (below its old value: reset, from 0) */
		nb_out_u64(o, NB_OUT_ANY, "delta", " = +%" PRIu64,
		    (uint64_t)(num(new) >= num(old) ? num(new) - num(old) : num(new)));
	} else {
		if (old != NULL) {
			value_text(old, a, sizeof(a));
			nb_out_str(o, NB_OUT_ANY, "old", mark == '~' ? ": %s" : " = %s", a);
		}
		if (new != NULL) {
			value_text(new, b, sizeof(b));
			nb_out_str(o, NB_OUT_ANY, "new", mark == '~' ? " -> %s" : " = %s", b);
		}
	}
	nb_out_text(o, "\n");
	nb_out_close_object(o);
}

static bool
same_value(const struct nb_sysctl_value *a, const struct nb_sysctl_value *b)
{
	char x[1024], y[1024];

	if (a->type != b->type)
		return false;
	value_text(a, x, sizeof(x));
	value_text(b, y, sizeof(y));
	return strcmp(x, y) == 0;
}

enum { D_ADDED,
	D_REMOVED,
	D_CHANGED,
	D_COUNTERS,
	D_N };

static const char *const dkeys[D_N] = { "added", "removed", "changed", "counters" };

int
nbs_diff(const struct nb_common *c, struct nbs_reqs *rs, unsigned rdflags, struct nbs_renderer *r,
    bool quiet, struct nb_out *o)
{
	struct nb_sysctl *h1 = NULL, *h2 = NULL;
	struct nbs_list a = { 0 }, b = { 0 };
	int ret = 0;

	nb_common_open_diff(c, &h1, &h2);
	ret |= nbs_read_all(h1, rs, rdflags & ~NB_SYSCTL_RD_PERCPU, quiet, false, r, &a);
	ret |= nbs_read_all(h2, rs, rdflags & ~NB_SYSCTL_RD_PERCPU, quiet, false, r, &b);
	qsort(a.v, a.n, sizeof(*a.v), cmp_name);
	qsort(b.v, b.n, sizeof(*b.v), cmp_name);
	nb_out_record_begin(o);
	nb_out_span(o, nb_sysctl_sample_time(h1), nb_sysctl_sample_time(h2), NULL);
	/* One pass per kind: JSON groups them, text keeps the marks' order. */
	for (int k = 0; k < D_N; k++) {
		size_t i = 0, j = 0;

		nb_out_open_array(o, dkeys[k]);
		while (i < a.n || j < b.n) {
			int cmp = i >= a.n ? 1 : j >= b.n ? -1 :
							    strcmp(a.v[i].name, b.v[j].name);
			const struct nbs_item *x = cmp <= 0 ? &a.v[i] : NULL, *y = cmp >= 0 ? &b.v[j] : NULL;

			if (cmp < 0)
				i++;
			else if (cmp > 0)
				j++;
			else {
				i++;
				j++;
			}
			if ((x != NULL ? x : y)->val.type == NB_SYSCTL_NODE)
				continue;
			if (k == D_ADDED && x == NULL)
				diff_row(o, '+', y, NULL, &y->val);
			else if (k == D_REMOVED && y == NULL)
				diff_row(o, '-', x, &x->val, NULL);
			else if (x != NULL && y != NULL && is_counter(&x->val) && is_counter(&y->val)) {
				if (k == D_COUNTERS && num(&y->val) != num(&x->val))
					diff_row(o, ' ', y, &x->val, &y->val);
			} else if (k == D_CHANGED && x != NULL && y != NULL && !same_value(&x->val, &y->val))
				diff_row(o, '~', y, &x->val, &y->val);
		}
		nb_out_close_array(o);
	}
	nb_out_record_end(o);
	nbs_list_free(&a);
	nbs_list_free(&b);
	nb_common_close(&h1);
	nb_common_close(&h2);
	return ret;
}
