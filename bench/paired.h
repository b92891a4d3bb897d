/* SPDX-License-Identifier: BSD-2-Clause */
/* paired.h - medians and paired ratios of benchmark rounds (bench_ctr, bench_sim). */

/*
 * A benchmark runs every cell once per round, back to back, for several
 * rounds. A cell reports the median of its rounds; a ratio of two cells is
 * taken within each round and reported as the median of those ratios with
 * their range, so that a drift of a shared host's speed between rounds
 * (seconds apart) does not enter a ratio.
 */

#ifndef NB_BENCH_PAIRED_H
#define NB_BENCH_PAIRED_H

#include <stdlib.h>
#include <string.h>

#define BENCH_MAXROUNDS	31

static inline int
bench_dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of a[0..n), 1 <= n <= BENCH_MAXROUNDS (sorts a copy). */
static inline double
bench_median(const double *a, unsigned n)
{
	double t[BENCH_MAXROUNDS];

	memcpy(t, a, n * sizeof(*a));
	qsort(t, n, sizeof(*t), bench_dcmp);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

struct bench_paired {
	double med, min, max;
};

/* The ratios num[k] / den[k] of n rounds: their median, min and max. */
static inline struct bench_paired
bench_pair(const double *num, const double *den, unsigned n)
{
	double q[BENCH_MAXROUNDS];
	struct bench_paired p;
	unsigned k;

	for (k = 0; k < n; k++)
		q[k] = den[k] > 0 ? num[k] / den[k] : 0;
	p.med = bench_median(q, n);
	qsort(q, n, sizeof(*q), bench_dcmp);
	p.min = q[0];
	p.max = q[n - 1];
	return p;
}

#endif
