/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * summary.c - --summary: per series, the average rate over a replay range
 * (what moved over the time it took, sar's Average:), and the minimum,
 * maximum and 95th percentile (nearest rank) of its per-interval rates.
 * Series are named by a key the tool makes ("eth0\0ibytes"); a hash table
 * finds them.
 *
 * Single-threaded; the handle owns its keys and rates.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nbtool/nbtool.h"

struct sseries {
	char *key;
	double total, seconds;
	double *rates;
	size_t n, cap;
	bool sorted;
};

struct nb_summer {
	struct sseries *v;
	size_t n, cap;
	size_t *hash; /* open addressing: index + 1, 0 empty */
	size_t hsize;
};

static uint64_t
fnv(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

int
nb_summer_create(struct nb_summer **out)
{
	return (*out = calloc(1, sizeof(**out))) != NULL ? 0 : -ENOMEM;
}

void
nb_summer_destroy(struct nb_summer **sp)
{
	struct nb_summer *s = *sp;

	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].key);
		free(s->v[i].rates);
	}
	free(s->v);
	free(s->hash);
	free(s);
	*sp = NULL;
}

static size_t *
slot(const struct nb_summer *s, const char *key)
{
	size_t i = (size_t)fnv(key) & (s->hsize - 1);

	while (s->hash[i] != 0 && strcmp(s->v[s->hash[i] - 1].key, key) != 0)
		i = (i + 1) & (s->hsize - 1);
	return &s->hash[i];
}

static int
grow(struct nb_summer *s)
{
	size_t *h, n = s->hsize != 0 ? s->hsize * 2 : 256, *old = s->hash;

	if ((h = calloc(n, sizeof(*h))) == NULL)
		return -ENOMEM;
	s->hash = h;
	s->hsize = n;
	for (size_t i = 0; i < s->n; i++)
		*slot(s, s->v[i].key) = i + 1;
	free(old);
	return 0;
}

static struct sseries *
find(struct nb_summer *s, const char *key, bool add)
{
	struct sseries *v;
	size_t *sl;

	if (s->hsize != 0 && *(sl = slot(s, key)) != 0)
		return &s->v[*sl - 1];
	if (!add)
		return NULL;
	if ((s->n + 1) * 2 > s->hsize && grow(s) != 0)
		return NULL;
	if (s->n == s->cap) {
		size_t cap = s->cap != 0 ? s->cap * 2 : 64;

		if ((v = reallocarray(s->v, cap, sizeof(*v))) == NULL)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	v = &s->v[s->n];
	memset(v, 0, sizeof(*v));
	if ((v->key = strdup(key)) == NULL)
		return NULL;
	*slot(s, key) = ++s->n;
	return v;
}

int
nb_summer_add(struct nb_summer *s, const char *key, double delta, int64_t dt_ns)
{
	struct sseries *v;
	double *r;

	if (dt_ns <= 0 || !isfinite(delta))
		return -EINVAL;
	if ((v = find(s, key, true)) == NULL)
		return -ENOMEM;
	if (v->n == v->cap) {
		size_t cap = v->cap != 0 ? v->cap * 2 : 32;

		if ((r = reallocarray(v->rates, cap, sizeof(*r))) == NULL)
			return -ENOMEM;
		v->rates = r;
		v->cap = cap;
	}
	v->rates[v->n++] = delta / ((double)dt_ns / 1e9);
	v->total += delta;
	v->seconds += (double)dt_ns / 1e9;
	v->sorted = false;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
nb_summer_get(struct nb_summer *s, const char *key, struct nb_summary *out)
{
	struct sseries *v = find(s, key, false);
	size_t rank;

	memset(out, 0, sizeof(*out));
	if (v == NULL || v->n == 0)
		return -ENOENT;
	if (!v->sorted) {
		qsort(v->rates, v->n, sizeof(double), cmp_double);
		v->sorted = true;
	}
	/* Nearest rank: the smallest rate at or above 95% of the intervals. */
	rank = (size_t)ceil(0.95 * (double)v->n);
	out->p95 = v->rates[(rank > 0 ? rank : 1) - 1];
	out->min = v->rates[0];
	out->max = v->rates[v->n - 1];
	out->total = v->total;
	out->seconds = v->seconds;
	out->avg = v->total / v->seconds;
	out->n = v->n;
	return 0;
}
