/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_plot.c - nb_plot (--plot): an SVG that xmllint parses, with one
 * stroked path per series holding one point per sample (a gap in the
 * recording: a second subpath), --top N drawing only the busiest groups;
 * a PNG with the series' colour in the plot area and in the legend; the
 * file replaced whole (no temporary left); a bad suffix refused; two
 * figures alive at once.
 */
#include <cairo.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nbtool/nbtool.h"

#include "check.h"

#define SEC 1000000000LL
#define T0 (1700000000LL * SEC)

static char dir[64];

/* The file's text (NUL-terminated), or NULL. */
static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
	    (buf = calloc(1, (size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

/*
 * The stroked paths of an SVG, in document order: for each, the number of
 * points (M and L commands) and of subpaths (M). Glyphs, the frame, the
 * grid and the swatches are filled (stroke:none), so only series count.
 */
static size_t
stroked_paths(const char *svg, size_t *pts, size_t *subs, size_t max)
{
	size_t n = 0;

	for (const char *p = svg; (p = strstr(p, "<path")) != NULL; p++) {
		const char *end = strchr(p, '>'), *st = strstr(p, "stroke:rgb"), *d;

		if (end == NULL || st == NULL || st > end || (d = strstr(p, " d=\"")) == NULL || d > end)
			continue;
		if (n < max) {
			pts[n] = subs[n] = 0;
			for (d += 4; *d != '"' && d < end; d++) {
				if (*d == 'M')
					subs[n]++;
				if (*d == 'M' || *d == 'L')
					pts[n]++;
			}
		}
		n++;
	}
	return n;
}

static bool
xmllint_ok(const char *path)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "xmllint --noout '%s'", path);
	return system(cmd) == 0;
}

/* Files in dir whose name starts with prefix (temporaries of a write). */
static size_t
count_prefix(const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

/*
 * Two panels: "rates" with eth0 in/out and eth1 in/out (zigzags, so no
 * three points are on one line and cairo keeps every point), "levels" with
 * one series whose recording has a gap after its 4th point.
 */
static struct nb_plot *
figure(const char *path, unsigned top)
{
	struct nb_plot *p = NULL;
	int rates, levels, s;

	CHECK_RC(nb_plot_create(path, "test figure", &p), 0);
	if (p == NULL)
		return NULL;
	rates = nb_plot_panel(p, "rates", "B/s", NB_PLOT_LINES);
	levels = nb_plot_panel(p, "levels", "B", NB_PLOT_LINES);
	CHECK(rates == 0 && levels == 1, "%d %d", rates, levels);
	for (int g = 0; g < 2; g++) {
		const char *grp = g == 0 ? "eth0" : "eth1";

		for (int dir_ = 0; dir_ < 2; dir_++) {
			s = nb_plot_series(p, rates, grp, dir_ == 0 ? "in" : "out");
			CHECK(s >= 0);
			for (int k = 1; k <= 6; k++) {
				double v = (g == 0 ? 5e6 : 2e3) * (1 + dir_) + (k % 2 ? 1e3 * k : 0);

				CHECK_RC(nb_plot_point(p, s, T0 + k * SEC, SEC, v), 0);
			}
			CHECK_EQ(nb_plot_npoints(p, s), 6);
		}
	}
	/* The same (panel, group, label): the same series. */
	CHECK_EQ(nb_plot_series(p, rates, "eth0", "in"), 0);
	s = nb_plot_series(p, levels, NULL, "memory");
	for (int k = 1; k <= 6; k++) {
		/* points 5 and 6 after a gap: 4 -> 10 s, each 1 s long */
		int64_t t = T0 + (k <= 4 ? k : k + 5) * SEC;

		CHECK_RC(nb_plot_point(p, s, t, SEC, 1e9 + (k % 2 ? 3e8 : 0) + k * 1e7), 0);
	}
	CHECK_RC(nb_plot_point(p, s, T0, SEC, 0.0 / 0.0), -EINVAL);
	CHECK_RC(nb_plot_point(p, 99, T0, SEC, 1), -EINVAL);
	if (top != 0)
		nb_plot_top(p, top, rates);
	return p;
}

static void
test_svg(void)
{
	char path[128], *svg;
	size_t pts[16], subs[16], n;
	struct nb_plot *p;

	snprintf(path, sizeof(path), "%s/f.svg", dir);
	p = figure(path, 0);
	CHECK_RC(nb_plot_write(p), 0);
	CHECK(xmllint_ok(path), "xmllint rejects %s", path);
	svg = slurp(path);
	CHECK(svg != NULL);
	n = stroked_paths(svg != NULL ? svg : "", pts, subs, 16);
	CHECK_EQ(n, 5);
	for (size_t i = 0; i < 4 && i < n; i++) {
		CHECK_EQ(pts[i], 6);
		CHECK_EQ(subs[i], 1);
	}
	if (n >= 5) {
		CHECK_EQ(pts[4], 6);
		CHECK_EQ(subs[4], 2); /* the gap */
	}
	CHECK(strstr(svg != NULL ? svg : "", "<svg") != NULL);
	free(svg);
	/* Written again: replaced whole, no temporary left beside it. */
	CHECK_RC(nb_plot_write(p), 0);
	CHECK_EQ(count_prefix("f.svg"), 1);
	nb_plot_destroy(&p);
	CHECK(p == NULL);

	/* --top 1: eth0 moved more than eth1; only its two series are drawn. */
	snprintf(path, sizeof(path), "%s/top.svg", dir);
	p = figure(path, 1);
	CHECK_RC(nb_plot_write(p), 0);
	svg = slurp(path);
	n = stroked_paths(svg != NULL ? svg : "", pts, subs, 16);
	CHECK_EQ(n, 3); /* eth0 in, eth0 out, memory */
	free(svg);
	nb_plot_destroy(&p);
}

/* Pixel (x, y) of an RGB24 surface as 0xRRGGBB. */
static uint32_t
pixel(cairo_surface_t *s, int x, int y)
{
	const unsigned char *d = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s);

	return *(const uint32_t *)(d + (size_t)y * (size_t)stride + (size_t)x * 4) & 0xffffffu;
}

/* Pixels in the rectangle whose colour is near (r, g, b). */
static size_t
near_color(cairo_surface_t *s, int x0, int y0, int x1, int y1, int r, int g, int b)
{
	size_t n = 0;

	for (int y = y0; y < y1; y++)
		for (int x = x0; x < x1; x++) {
			uint32_t c = pixel(s, x, y);
			int dr = (int)(c >> 16) - r, dg = (int)((c >> 8) & 0xff) - g,
			    db = (int)(c & 0xff) - b;

			n += dr * dr + dg * dg + db * db < 40 * 40;
		}
	return n;
}

static void
test_png(void)
{
	char path[128];
	struct nb_plot *p;
	cairo_surface_t *s;
	size_t bg, all, first;

	snprintf(path, sizeof(path), "%s/f.png", dir);
	p = figure(path, 0);
	CHECK_RC(nb_plot_write(p), 0);
	nb_plot_destroy(&p);
	s = cairo_image_surface_create_from_png(path);
	CHECK(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS, "%s",
	    cairo_status_to_string(cairo_surface_status(s)));
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(s);
		return;
	}
	cairo_surface_flush(s);
	CHECK_EQ(cairo_image_surface_get_width(s), 960);
	/* The background is white: the top-left corner. */
	CHECK_EQ(pixel(s, 2, 2), 0xffffff);
	/*
	 * The first panel's plot area (x 86..730, y 54..244): not all white,
	 * and the first series' colour (palette 0: 31,120,181) drawn in it.
	 */
	all = (size_t)(730 - 88) * (size_t)(242 - 56);
	bg = near_color(s, 88, 56, 728, 242, 255, 255, 255);
	first = near_color(s, 88, 56, 728, 242, 31, 120, 181);
	CHECK(bg < all, "the plot area is blank");
	CHECK(first > 50, "%zu pixels of the first series", first);
	/* The legend right of it (x 744..762 swatches, labels to x 960). */
	CHECK(near_color(s, 744, 56, 762, 70, 31, 120, 181) > 20, "no swatch of series 0");
	all = (size_t)(900 - 768) * (size_t)(120 - 56);
	bg = near_color(s, 768, 56, 900, 120, 255, 255, 255);
	CHECK(all - bg > 100, "%zu drawn pixels where the legend's labels are", all - bg);
	cairo_surface_destroy(s);
}

static void
test_errors(void)
{
	struct nb_plot *p = NULL;
	char path[128];

	snprintf(path, sizeof(path), "%s/f.txt", dir);
	CHECK_RC(nb_plot_create(path, "x", &p), -EINVAL);
	CHECK(p == NULL);
	/* A directory that does not exist: the write fails, nothing is left. */
	snprintf(path, sizeof(path), "%s/no/such.svg", dir);
	CHECK_RC(nb_plot_create(path, "x", &p), 0);
	CHECK_RC(nb_plot_panel(p, "a", "", NB_PLOT_LINES), 0);
	CHECK(nb_plot_write(p) == -ENOENT);
	nb_plot_destroy(&p);
}

/* Two figures alive at once: destroying one leaves the other drawable. */
static void
test_two(void)
{
	char pa[128], pb[128];
	struct nb_plot *a, *b;
	cairo_surface_t *s;

	snprintf(pa, sizeof(pa), "%s/a.png", dir);
	snprintf(pb, sizeof(pb), "%s/b.png", dir);
	a = figure(pa, 0);
	b = figure(pb, 0);
	CHECK_RC(nb_plot_write(a), 0);
	nb_plot_destroy(&a);
	CHECK_RC(nb_plot_write(b), 0);
	nb_plot_destroy(&b);
	s = cairo_image_surface_create_from_png(pb);
	CHECK(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(s);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_plot.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_svg();
	test_png();
	test_errors();
	test_two();
	check_rmtree(dir);
	printf("test_plot: %d checks, %d failures\n", checks, failures);
	return failures != 0;
}
