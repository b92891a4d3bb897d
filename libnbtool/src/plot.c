/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * plot.c - --plot FILE.svg|.png: the series a tool computes (rates from
 * nb_delta, levels as read) drawn with cairo, one panel per quantity.
 *
 * A tool declares panels (a title, a unit, lines or stacked areas), adds
 * series to them (a label, and the object they belong to, for --top N),
 * and gives each series points (t, dt, value): the value is what moved in
 * (t - dt, t] per second, or a level at t. nb_plot_write() draws the whole
 * figure into a temporary file next to FILE and renames it over FILE, so a
 * viewer reloading FILE sees the previous figure or the new one, never a
 * part (live interval mode writes after each interval).
 *
 * What the figure promises:
 *  - the time axis is local time, ticks on round steps of it;
 *  - the value axis starts at 0 (or the lowest value, if negative) and its
 *    labels carry an SI prefix and the panel's unit;
 *  - a gap in the recording is a gap in the line: a point whose interval
 *    does not start where the series' previous point ended, or that spans
 *    more than 2.5 times the usual step, starts a new piece of the line;
 *  - every series is one stroked path (its pieces are subpaths), and only
 *    series are stroked: the frame, grid and legend swatches are filled, so
 *    a reader of the SVG counts series by their stroked paths.
 * Counter resets never reach here as spikes: nb_delta counts a reset
 * counter from 0.
 *
 * Single-threaded (figures are used from one thread); when the last
 * figure of the process is destroyed, cairo's and fontconfig's caches are
 * freed (the sanitized builds' leak checker). The handle owns every string
 * and point given to it.
 *
 * cairo is not linked: the tools would load it and fontconfig, and the
 * dozen X and font libraries under them, at every start for the one option
 * that draws. The first nb_plot_create() loads libcairo.so.2 and
 * libfontconfig.so.1 with dlopen() and resolves the functions below into
 * a table (their headers still give the types); the #defines after the
 * loader point the drawing code's cairo_* and FcFini at it. A library that
 * cannot be loaded, or lacks a function, ends the program through
 * nb_errx(): "--plot: cannot load libcairo.so.2: <dlerror()>".
 */
#include <cairo.h>
#include <cairo-svg.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nbtool/nbtool.h"

/* ---- cairo and fontconfig, loaded at the first figure ---- */

#define CAIRO_LIB "libcairo.so.2"
#define FC_LIB "libfontconfig.so.1"

/* Every cairo function plot.c calls (a call to one missing here does not
 * link: the tools do not link cairo), and fontconfig's. */
#define CAIRO_FUNCS(X) \
	X(cairo_clip) \
	X(cairo_close_path) \
	X(cairo_create) \
	X(cairo_debug_reset_static_data) \
	X(cairo_destroy) \
	X(cairo_fill) \
	X(cairo_image_surface_create) \
	X(cairo_line_to) \
	X(cairo_move_to) \
	X(cairo_new_sub_path) \
	X(cairo_rectangle) \
	X(cairo_restore) \
	X(cairo_save) \
	X(cairo_select_font_face) \
	X(cairo_set_font_size) \
	X(cairo_set_line_cap) \
	X(cairo_set_line_join) \
	X(cairo_set_line_width) \
	X(cairo_set_source_rgb) \
	X(cairo_set_source_rgba) \
	X(cairo_show_text) \
	X(cairo_status) \
	X(cairo_stroke) \
	X(cairo_surface_destroy) \
	X(cairo_surface_finish) \
	X(cairo_surface_status) \
	X(cairo_surface_write_to_png_stream) \
	X(cairo_svg_surface_create_for_stream) \
	X(cairo_text_extents)
#define FC_FUNCS(X) X(FcFini)

static struct {
#define DL_FIELD(f) __typeof__(f) *f;
	CAIRO_FUNCS(DL_FIELD)
	FC_FUNCS(DL_FIELD)
#undef DL_FIELD
} dl;

static pthread_once_t dl_once = PTHREAD_ONCE_INIT;
static char dl_err[512];	/* "" once loaded */

static void
dl_fail(const char *lib)
{
	const char *e = dlerror();

	snprintf(dl_err, sizeof(dl_err), "cannot load %s: %s", lib, e != NULL ? e : "no such symbol");
}

static void
dl_load(void)
{
	void *cairo, *fc;

	/* Never closed: the functions stay valid for the process. */
	if ((cairo = dlopen(CAIRO_LIB, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		dl_fail(CAIRO_LIB);
		return;
	}
	if ((fc = dlopen(FC_LIB, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		dl_fail(FC_LIB);
		return;
	}
#define DL_RESOLVE(h, lib, f) \
	if (dl_err[0] == '\0' && (dl.f = (__typeof__(dl.f))dlsym(h, #f)) == NULL) \
		dl_fail(lib);
#define DL_CAIRO(f) DL_RESOLVE(cairo, CAIRO_LIB, f)
#define DL_FC(f) DL_RESOLVE(fc, FC_LIB, f)
	CAIRO_FUNCS(DL_CAIRO)
	FC_FUNCS(DL_FC)
#undef DL_FC
#undef DL_CAIRO
#undef DL_RESOLVE
}

/* Loads cairo once (any thread); exits with the reason if it cannot. */
static void
dl_need(void)
{
	pthread_once(&dl_once, dl_load);
	if (dl_err[0] != '\0')
		nb_errx(NB_EXIT_RUNTIME, "--plot: %s", dl_err);
}

/* From here on, the drawing code's cairo calls go through the table. */
#define cairo_clip dl.cairo_clip
#define cairo_close_path dl.cairo_close_path
#define cairo_create dl.cairo_create
#define cairo_debug_reset_static_data dl.cairo_debug_reset_static_data
#define cairo_destroy dl.cairo_destroy
#define cairo_fill dl.cairo_fill
#define cairo_image_surface_create dl.cairo_image_surface_create
#define cairo_line_to dl.cairo_line_to
#define cairo_move_to dl.cairo_move_to
#define cairo_new_sub_path dl.cairo_new_sub_path
#define cairo_rectangle dl.cairo_rectangle
#define cairo_restore dl.cairo_restore
#define cairo_save dl.cairo_save
#define cairo_select_font_face dl.cairo_select_font_face
#define cairo_set_font_size dl.cairo_set_font_size
#define cairo_set_line_cap dl.cairo_set_line_cap
#define cairo_set_line_join dl.cairo_set_line_join
#define cairo_set_line_width dl.cairo_set_line_width
#define cairo_set_source_rgb dl.cairo_set_source_rgb
#define cairo_set_source_rgba dl.cairo_set_source_rgba
#define cairo_show_text dl.cairo_show_text
#define cairo_status dl.cairo_status
#define cairo_stroke dl.cairo_stroke
#define cairo_surface_destroy dl.cairo_surface_destroy
#define cairo_surface_finish dl.cairo_surface_finish
#define cairo_surface_status dl.cairo_surface_status
#define cairo_surface_write_to_png_stream dl.cairo_surface_write_to_png_stream
#define cairo_svg_surface_create_for_stream dl.cairo_svg_surface_create_for_stream
#define cairo_text_extents dl.cairo_text_extents
#define FcFini dl.FcFini

/* ---- figures ---- */

#define NS_PER_SEC 1000000000LL

/* Layout, in device units (pixels of the PNG, points of the SVG). */
#define W 960.0
#define LEFT 86.0 /* value labels */
#define RIGHT 230.0 /* legend */
#define TOP 34.0 /* the figure's title */
#define PANEL_H 190.0
#define PANEL_TITLE 20.0
#define PANEL_AXIS 30.0 /* time labels */
#define FONT 11.0
#define LEGEND_ROW 14.0

struct point {
	int64_t t_ns, dt_ns;
	double v;
};

struct series {
	int panel;
	char *group; /* the object ("eth0"), or NULL */
	char *label;
	struct point *pts;
	size_t n, cap;
	bool shown; /* after --top */
};

struct panel {
	char *title;
	char *unit;
	enum nb_plot_kind kind;
};

struct nb_plot {
	char *path;
	bool png;
	char *title;
	struct panel *panels;
	size_t npanels;
	struct series *series;
	size_t nseries;
	unsigned top; /* 0: every group */
	int top_panel;
};

/* Tableau 10: distinct on white, and printable. */
static const double palette[][3] = {
	{ 0.12, 0.47, 0.71 },
	{ 1.00, 0.50, 0.05 },
	{ 0.17, 0.63, 0.17 },
	{ 0.84, 0.15, 0.16 },
	{ 0.58, 0.40, 0.74 },
	{ 0.55, 0.34, 0.29 },
	{ 0.89, 0.47, 0.76 },
	{ 0.50, 0.50, 0.50 },
	{ 0.74, 0.74, 0.13 },
	{ 0.09, 0.75, 0.81 },
};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

/* Figures alive: the caches go with the last one. */
static unsigned nlive;

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcasecmp(s + n - m, suffix) == 0;
}

int
nb_plot_create(const char *path, const char *title, struct nb_plot **out)
{
	struct nb_plot *p;

	*out = NULL;
	if (!ends_with(path, ".svg") && !ends_with(path, ".png"))
		return -EINVAL;
	dl_need();
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	nlive++;
	p->png = ends_with(path, ".png");
	if ((p->path = strdup(path)) == NULL || (p->title = strdup(title)) == NULL) {
		nb_plot_destroy(&p);
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

void
nb_plot_destroy(struct nb_plot **pp)
{
	struct nb_plot *p = *pp;
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->npanels; i++) {
		free(p->panels[i].title);
		free(p->panels[i].unit);
	}
	for (i = 0; i < p->nseries; i++) {
		free(p->series[i].group);
		free(p->series[i].label);
		free(p->series[i].pts);
	}
	free(p->panels);
	free(p->series);
	free(p->path);
	free(p->title);
	free(p);
	*pp = NULL;
	/* The last figure of the process is gone: cairo's and fontconfig's
	 * caches go too (the leak checker of the sanitized builds). */
	if (--nlive == 0) {
		cairo_debug_reset_static_data();
		FcFini();
	}
}

int
nb_plot_panel(struct nb_plot *p, const char *title, const char *unit, enum nb_plot_kind kind)
{
	struct panel *v;

	if ((v = reallocarray(p->panels, p->npanels + 1, sizeof(*v))) == NULL)
		return -ENOMEM;
	p->panels = v;
	v = &p->panels[p->npanels];
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	if ((v->title = strdup(title)) == NULL || (v->unit = strdup(unit)) == NULL) {
		free(v->title);
		return -ENOMEM;
	}
	return (int)p->npanels++;
}

static bool
streq_null(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

int
nb_plot_series(struct nb_plot *p, int panel, const char *group, const char *label)
{
	struct series *v;
	size_t i;

	if (panel < 0 || (size_t)panel >= p->npanels)
		return -EINVAL;
	for (i = 0; i < p->nseries; i++)
		if (p->series[i].panel == panel && streq_null(p->series[i].group, group) &&
		    strcmp(p->series[i].label, label) == 0)
			return (int)i;
	if ((v = reallocarray(p->series, p->nseries + 1, sizeof(*v))) == NULL)
		return -ENOMEM;
	p->series = v;
	v = &p->series[p->nseries];
	memset(v, 0, sizeof(*v));
	v->panel = panel;
	v->shown = true;
	if ((v->label = strdup(label)) == NULL ||
	    (group != NULL && (v->group = strdup(group)) == NULL)) {
		free(v->label);
		return -ENOMEM;
	}
	return (int)p->nseries++;
}

int
nb_plot_point(struct nb_plot *p, int series, int64_t t_ns, int64_t dt_ns, double v)
{
	struct series *s;
	struct point *np;

	if (series < 0 || (size_t)series >= p->nseries || !isfinite(v))
		return -EINVAL;
	s = &p->series[series];
	if (s->n == s->cap) {
		size_t cap = s->cap != 0 ? s->cap * 2 : 64;

		if ((np = reallocarray(s->pts, cap, sizeof(*np))) == NULL)
			return -ENOMEM;
		s->pts = np;
		s->cap = cap;
	}
	s->pts[s->n++] = (struct point){ t_ns, dt_ns, v };
	return 0;
}

void
nb_plot_top(struct nb_plot *p, unsigned n, int panel)
{
	p->top = n;
	p->top_panel = panel;
}

size_t
nb_plot_npoints(const struct nb_plot *p, int series)
{
	return series >= 0 && (size_t)series < p->nseries ? p->series[series].n : 0;
}

/* ---- --top N: the groups that moved the most in the ranking panel ---- */

struct rank {
	const char *group;
	double w;
};

static int
cmp_rank(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->w != y->w)
		return x->w < y->w ? 1 : -1;
	return strcmp(x->group, y->group);
}

static int
choose_top(struct nb_plot *p)
{
	struct rank *r;
	size_t nr = 0, i, j, k;

	for (i = 0; i < p->nseries; i++)
		p->series[i].shown = true;
	if (p->top == 0)
		return 0;
	if ((r = calloc(p->nseries + 1, sizeof(*r))) == NULL)
		return -ENOMEM;
	for (i = 0; i < p->nseries; i++) {
		struct series *s = &p->series[i];

		if (s->group == NULL)
			continue;
		for (j = 0; j < nr && strcmp(r[j].group, s->group) != 0; j++)
			;
		if (j == nr)
			r[nr++] = (struct rank){ s->group, 0 };
		if (s->panel == p->top_panel)
			for (k = 0; k < s->n; k++)
				r[j].w += s->pts[k].v * (double)s->pts[k].dt_ns / 1e9;
	}
	qsort(r, nr, sizeof(*r), cmp_rank);
	for (i = 0; i < p->nseries; i++) {
		struct series *s = &p->series[i];

		if (s->group == NULL)
			continue;
		for (j = 0; j < nr && strcmp(r[j].group, s->group) != 0; j++)
			;
		s->shown = j < p->top;
	}
	free(r);
	return 0;
}

/* ---- scales ---- */

/* 1, 2, 5 x 10^k at or above x. */
static double
nice_step(double x)
{
	double e = pow(10, floor(log10(x))), m = x / e;

	return (m <= 1 ? 1 : m <= 2 ? 2 :
			 m <= 5	    ? 5 :
				      10) *
	       e;
}

/* "1.5 kB/s": v with an SI prefix and the unit ("%" and "" take none). */
static void
si_format(char *buf, size_t size, double v, const char *unit)
{
	static const char prefix[] = " kMGTPE";
	double a = fabs(v);
	int i = 0;

	if (strcmp(unit, "%") == 0) {
		snprintf(buf, size, "%g%%", v);
		return;
	}
	while (a >= 1000 && i < 6) {
		a /= 1000;
		v /= 1000;
		i++;
	}
	if (i == 0)
		snprintf(buf, size, "%g%s%s", v, *unit != '\0' && *unit != '/' ? " " : "", unit);
	else
		snprintf(buf, size, "%g %c%s", v, prefix[i], unit);
}

static const int64_t time_steps_s[] = {
	1,
	2,
	5,
	10,
	15,
	30,
	60,
	120,
	300,
	600,
	900,
	1800,
	3600,
	7200,
	10800,
	21600,
	43200,
	86400,
	172800,
	604800,
	2419200,
};

/* The local time's offset from UTC at t (seconds east). */
static long
local_offset(int64_t t_s)
{
	time_t t = (time_t)t_s;
	struct tm tm;

	return localtime_r(&t, &tm) != NULL ? tm.tm_gmtoff : 0;
}

struct frame {
	double x0, x1, y0, y1; /* the plot area */
	int64_t t0, t1; /* ns */
	double v0, v1;
};

static double
fx(const struct frame *f, int64_t t)
{
	return f->t1 > f->t0 ? f->x0 + (f->x1 - f->x0) * (double)(t - f->t0) / (double)(f->t1 - f->t0) : (f->x0 + f->x1) / 2;
}

static double
fy(const struct frame *f, double v)
{
	return f->y1 - (f->y1 - f->y0) * (v - f->v0) / (f->v1 - f->v0);
}

/* A filled horizontal or vertical rule (only series are stroked). */
static void
rule(cairo_t *cr, double x, double y, double w, double h)
{
	cairo_rectangle(cr, x, y, w, h);
	cairo_fill(cr);
}

static void
text_at(cairo_t *cr, double x, double y, const char *s, double align)
{
	cairo_text_extents_t te;

	cairo_text_extents(cr, s, &te);
	cairo_move_to(cr, x - te.x_advance * align, y);
	cairo_show_text(cr, s);
}

static void
time_axis(cairo_t *cr, const struct frame *f)
{
	int64_t span = (f->t1 - f->t0) / NS_PER_SEC, step = time_steps_s[0], t, off;
	size_t i;
	char label[32];
	struct tm tm;
	time_t tt;

	for (i = 0; i < sizeof(time_steps_s) / sizeof(time_steps_s[0]); i++) {
		step = time_steps_s[i];
		if (span / step <= 6)
			break;
	}
	off = local_offset(f->t0 / NS_PER_SEC);
	/* Round steps of local time: the first tick at or after t0. */
	t = ((f->t0 / NS_PER_SEC + off + step - 1) / step) * step - off;
	for (; t * NS_PER_SEC <= f->t1; t += step) {
		double x = fx(f, t * NS_PER_SEC);

		cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
		rule(cr, x, f->y0, 0.8, f->y1 - f->y0);
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		rule(cr, x, f->y1, 0.8, 4);
		tt = (time_t)t;
		if (localtime_r(&tt, &tm) == NULL)
			continue;
		strftime(label, sizeof(label),
		    step < 60 ? "%H:%M:%S" : step < 86400 ? "%H:%M" :
							    "%m-%d",
		    &tm);
		text_at(cr, x, f->y1 + 15, label, 0.5);
	}
	/* The date of the first sample, and the zone. */
	tt = (time_t)(f->t0 / NS_PER_SEC);
	if (localtime_r(&tt, &tm) != NULL) {
		strftime(label, sizeof(label), "%Y-%m-%d %Z", &tm);
		text_at(cr, f->x0, f->y1 + 27, label, 0);
	}
}

static void
value_axis(cairo_t *cr, const struct frame *f, const char *unit)
{
	double step = nice_step((f->v1 - f->v0) / 5), v;
	char label[48];

	for (v = ceil(f->v0 / step) * step; v <= f->v1 + step * 1e-9; v += step) {
		double y = fy(f, v);

		cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
		rule(cr, f->x0, y, f->x1 - f->x0, 0.8);
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		rule(cr, f->x0 - 4, y, 4, 0.8);
		si_format(label, sizeof(label), fabs(v) < step * 1e-9 ? 0 : v, unit);
		text_at(cr, f->x0 - 7, y + 4, label, 1);
	}
}

/* The stacked level of series s at its k-th point: s plus the shown series below it. */
static double
stacked(const struct nb_plot *p, size_t s, size_t k)
{
	const struct series *me = &p->series[s];
	double v = me->pts[k].v;
	size_t i, lo, hi;

	for (i = 0; i < s; i++) {
		const struct series *o = &p->series[i];

		if (o->panel != me->panel || !o->shown)
			continue;
		lo = 0;
		hi = o->n;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (o->pts[mid].t_ns < me->pts[k].t_ns)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < o->n && o->pts[lo].t_ns == me->pts[k].t_ns)
			v += o->pts[lo].v;
	}
	return v;
}

static double
level(const struct nb_plot *p, size_t s, size_t k)
{
	return p->panels[p->series[s].panel].kind == NB_PLOT_STACKED ? stacked(p, s, k) : p->series[s].pts[k].v;
}

/* Point k of s starts a new piece of its line (a gap before it). */
static bool
breaks(const struct series *s, size_t k, int64_t usual)
{
	const struct point *a, *b;

	if (k == 0)
		return true;
	a = &s->pts[k - 1];
	b = &s->pts[k];
	if (b->dt_ns <= 0)
		return usual > 0 && b->t_ns - a->t_ns > usual * 5 / 2;
	return llabs(b->t_ns - b->dt_ns - a->t_ns) > NS_PER_SEC / 1000 ||
	       (usual > 0 && b->dt_ns > usual * 5 / 2);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The usual step of the recording: the median interval of the points. */
static int64_t
usual_step(const struct nb_plot *p)
{
	int64_t *v, m = 0;
	size_t n = 0, i, k;

	for (i = 0; i < p->nseries; i++)
		n += p->series[i].n;
	if (n == 0 || (v = calloc(n, sizeof(*v))) == NULL)
		return 0;
	n = 0;
	for (i = 0; i < p->nseries; i++)
		for (k = 0; k < p->series[i].n; k++) {
			const struct point *a = &p->series[i].pts[k];

			if (a->dt_ns > 0)
				v[n++] = a->dt_ns;
			else if (k > 0)
				v[n++] = a->t_ns - p->series[i].pts[k - 1].t_ns;
		}
	if (n > 0) {
		qsort(v, n, sizeof(*v), cmp_i64);
		m = v[n / 2];
	}
	free(v);
	return m;
}

static void
draw_series(cairo_t *cr, const struct nb_plot *p, size_t s, const struct frame *f,
    int64_t usual, const double *rgb)
{
	const struct series *se = &p->series[s];
	bool area = p->panels[se->panel].kind == NB_PLOT_STACKED;
	size_t k, start;

	if (se->n == 0)
		return;
	/* Stacked: the band between this level and the one below, filled. */
	if (area) {
		cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], 0.35);
		for (start = 0; start < se->n;) {
			size_t end = start + 1;

			while (end < se->n && !breaks(se, end, usual))
				end++;
			for (k = start; k < end; k++)
				cairo_line_to(cr, fx(f, se->pts[k].t_ns), fy(f, level(p, s, k)));
			for (k = end; k-- > start;)
				cairo_line_to(cr, fx(f, se->pts[k].t_ns), fy(f, level(p, s, k) - se->pts[k].v));
			cairo_close_path(cr);
			cairo_new_sub_path(cr);
			start = end;
		}
		cairo_fill(cr);
	}
	cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
	for (k = 0; k < se->n; k++) {
		double x = fx(f, se->pts[k].t_ns), y = fy(f, level(p, s, k));

		if (breaks(se, k, usual)) {
			cairo_move_to(cr, x, y);
			/* A piece of one point: a dot (round caps). */
			if (k + 1 == se->n || breaks(se, k + 1, usual))
				cairo_line_to(cr, x, y);
		} else {
			cairo_line_to(cr, x, y);
		}
	}
	cairo_stroke(cr);
}

static void
draw_panel(cairo_t *cr, const struct nb_plot *p, int panel, double top, int64_t t0, int64_t t1,
    int64_t usual)
{
	const struct panel *pa = &p->panels[panel];
	struct frame f = { LEFT, W - RIGHT, top + PANEL_TITLE, top + PANEL_TITLE + PANEL_H, t0, t1, 0, 0 };
	double vmin = 0, vmax = 0, y, step;
	size_t s, k, color = 0, shown = 0, rows;
	char more[64];

	for (s = 0; s < p->nseries; s++) {
		if (p->series[s].panel != panel || !p->series[s].shown)
			continue;
		for (k = 0; k < p->series[s].n; k++) {
			double v = level(p, s, k);

			vmin = fmin(vmin, v);
			vmax = fmax(vmax, v);
		}
	}
	if (vmax <= vmin)
		vmax = vmin + 1;
	/* Shares that add up to 100% (rounded parts a hair above): a 100% axis. */
	if (strcmp(pa->unit, "%") == 0 && vmax > 100 && vmax < 100.5)
		vmax = 100;
	step = nice_step((vmax - vmin) / 5);
	f.v0 = floor(vmin / step) * step;
	f.v1 = ceil(vmax / step) * step;

	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_font_size(cr, FONT + 1);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	text_at(cr, LEFT, top + PANEL_TITLE - 6, pa->title, 0);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, FONT);
	value_axis(cr, &f, pa->unit);
	time_axis(cr, &f);
	cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
	rule(cr, f.x0, f.y1, f.x1 - f.x0, 1);
	rule(cr, f.x0 - 1, f.y0, 1, f.y1 - f.y0 + 1);

	cairo_save(cr);
	cairo_rectangle(cr, f.x0, f.y0 - 2, f.x1 - f.x0 + 2, f.y1 - f.y0 + 2);
	cairo_clip(cr);
	cairo_set_line_width(cr, 1.6);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	for (s = 0; s < p->nseries; s++)
		if (p->series[s].panel == panel && p->series[s].shown)
			draw_series(cr, p, s, &f, usual, palette[color++ % NPALETTE]);
	cairo_restore(cr);

	/* The legend: a filled swatch and the label per series. */
	rows = (size_t)((PANEL_H - LEGEND_ROW) / LEGEND_ROW);
	color = 0;
	y = f.y0 + 4;
	for (s = 0; s < p->nseries; s++) {
		const struct series *se = &p->series[s];
		const double *rgb;
		char label[160];

		if (se->panel != panel || !se->shown)
			continue;
		rgb = palette[color++ % NPALETTE];
		if (shown++ >= rows)
			continue;
		cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
		rule(cr, W - RIGHT + 14, y + 3, 18, 5);
		cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
		snprintf(label, sizeof(label), "%s%s%s", se->group != NULL ? se->group : "",
		    se->group != NULL ? " " : "", se->label);
		text_at(cr, W - RIGHT + 38, y + 10, label, 0);
		y += LEGEND_ROW;
	}
	if (shown > rows) {
		snprintf(more, sizeof(more), "and %zu more", shown - rows);
		text_at(cr, W - RIGHT + 38, y + 10, more, 0);
	}
}

static cairo_status_t
write_fp(void *closure, const unsigned char *data, unsigned int len)
{
	return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static void
draw(cairo_t *cr, struct nb_plot *p, double h)
{
	int64_t t0 = INT64_MAX, t1 = INT64_MIN, usual = usual_step(p);
	size_t i, k;

	for (i = 0; i < p->nseries; i++)
		for (k = 0; k < p->series[i].n; k++) {
			if (!p->series[i].shown)
				continue;
			t0 = p->series[i].pts[k].t_ns < t0 ? p->series[i].pts[k].t_ns : t0;
			t1 = p->series[i].pts[k].t_ns > t1 ? p->series[i].pts[k].t_ns : t1;
		}
	if (t0 > t1) /* nothing: an empty frame at now */
		t0 = t1 = (int64_t)time(NULL) * NS_PER_SEC;
	if (t1 == t0)
		t1 = t0 + NS_PER_SEC;
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_rectangle(cr, 0, 0, W, h);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, FONT + 3);
	text_at(cr, LEFT, 22, p->title, 0);
	for (i = 0; i < p->npanels; i++)
		draw_panel(cr, p, (int)i, TOP + (double)i * (PANEL_TITLE + PANEL_H + PANEL_AXIS), t0, t1, usual);
}

int
nb_plot_write(struct nb_plot *p)
{
	double h = TOP + (double)p->npanels * (PANEL_TITLE + PANEL_H + PANEL_AXIS) + 6;
	cairo_surface_t *sf = NULL;
	cairo_t *cr = NULL;
	char *tmp = NULL;
	FILE *fp = NULL;
	mode_t um;
	int fd = -1, error = 0;

	if ((error = choose_top(p)) != 0)
		return error;
	if (asprintf(&tmp, "%s.XXXXXX", p->path) < 0)
		return -ENOMEM;
	if ((fd = mkstemp(tmp)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		error = -errno;
		goto out;
	}
	fd = -1;
	um = umask(0);
	umask(um);
	(void)fchmod(fileno(fp), 0666 & ~um);
	sf = p->png ? cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)W, (int)h) : cairo_svg_surface_create_for_stream(write_fp, fp, W, h);
	cr = cairo_create(sf);
	draw(cr, p, h);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		error = -ENOMEM;
		goto out;
	}
	cairo_destroy(cr);
	cr = NULL;
	if (p->png && cairo_surface_write_to_png_stream(sf, write_fp, fp) != CAIRO_STATUS_SUCCESS)
		error = -EIO;
	cairo_surface_finish(sf);
	if (error == 0 && cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS)
		error = -EIO;
	if ((fflush(fp) != 0 || ferror(fp)) && error == 0)
		error = errno != 0 ? -errno : -EIO;
	if (fclose(fp) != 0 && error == 0)
		error = -errno;
	fp = NULL;
	if (error == 0 && rename(tmp, p->path) != 0)
		error = -errno;
out:
	if (cr != NULL)
		cairo_destroy(cr);
	if (sf != NULL)
		cairo_surface_destroy(sf);
	if (fp != NULL)
		fclose(fp);
	if (fd >= 0)
		close(fd);
	if (error != 0 && tmp != NULL)
		unlink(tmp);
	free(tmp);
	return error;
}
