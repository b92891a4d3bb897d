/* SPDX-License-Identifier: BSD-2-Clause */
/* intr.c - the interrupt snapshot (kern.intr.<name>): replaced whole by each NB_FAM_INTR refresh. */
/*
 * Concurrency: as mount.c. One immutable block (struct nb_intrsnap: the
 * lines, the CPU numbers, the per-CPU counts, then a string pool) built by
 * the writer outside any lock and published with a release store into
 * st->intrs under reg_lock; the previous block is freed after a grace
 * period (nb_defer). A reader loads the pointer once (nb_intrs_snapshot)
 * and may use the block until nb_read_exit. nb_intrs_fini (stack destroy,
 * Exclusive) frees the last.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack-internal.h"

struct nb_intrsnap {
	struct nb_rcu rcu;
	size_t n, ncpu;
	struct nb_intr *v; /* [n], inside this block */
	uint32_t *cpus; /* [ncpu] */
};

static void
nb_intrsnap_free(struct nb_rcu *r)
{
	free(caa_container_of(r, struct nb_intrsnap, rcu));
}

static size_t
slen(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

/* A copy of s in the pool (NULL stays NULL). */
static const char *
scopy(char **pp, const char *s)
{
	size_t l = slen(s);
	char *d = *pp;

	if (s == NULL)
		return NULL;
	memcpy(d, s, l);
	*pp += l;
	return d;
}

static int
namecmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every name present, non-empty and once. */
static int
names_ok(const struct nb_intr *v, size_t n)
{
	const char **names;
	size_t i;
	int error = 0;

	for (i = 0; i < n; i++)
		if (v[i].name == NULL || v[i].name[0] == '\0')
			return -EINVAL;
	if (n < 2)
		return 0;
	if ((names = malloc(n * sizeof(*names))) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		names[i] = v[i].name;
	qsort(names, n, sizeof(*names), namecmp);
	for (i = 1; i < n && error == 0; i++)
		if (strcmp(names[i - 1], names[i]) == 0)
			error = -EINVAL;
	free(names);
	return error;
}

int
nb_intrs_publish(struct nb_stack *st, const uint32_t *cpus, size_t ncpu, const struct nb_intr *v,
    size_t n)
{
	struct nb_intrsnap *sn, *old;
	size_t strs = 0, nvec = 0, i, size;
	uint64_t *vec;
	char *pool;
	int error;

	if (st == NULL || (n > 0 && v == NULL) || (ncpu > 0 && cpus == NULL))
		return -EINVAL;
	for (i = 1; i < ncpu; i++)
		if (cpus[i] <= cpus[i - 1])
			return -EINVAL;
	if ((error = names_ok(v, n)) != 0)
		return error;
	for (i = 0; i < n; i++) {
		strs += slen(v[i].name) + slen(v[i].descr != NULL ? v[i].descr : "") +
			slen(v[i].chip) + slen(v[i].hwirq) + slen(v[i].actions);
		if (v[i].percpu != NULL)
			nvec++;
	}
	if (ncpu > 0 && nvec > (SIZE_MAX / 2) / sizeof(uint64_t) / ncpu)
		return -ENOMEM;
	/* Header, lines, per-CPU counts (8-byte aligned), CPU numbers, strings. */
	size = sizeof(*sn) + n * sizeof(struct nb_intr) + nvec * ncpu * sizeof(uint64_t) +
	       ncpu * sizeof(uint32_t) + strs;
	if ((sn = calloc(1, size)) == NULL)
		return -ENOMEM;
	sn->n = n;
	sn->ncpu = ncpu;
	sn->v = (struct nb_intr *)(sn + 1);
	vec = (uint64_t *)(sn->v + n);
	sn->cpus = (uint32_t *)(vec + nvec * ncpu);
	pool = (char *)(sn->cpus + ncpu);
	if (ncpu > 0)
		memcpy(sn->cpus, cpus, ncpu * sizeof(*cpus));
	for (i = 0; i < n; i++) {
		struct nb_intr *d = &sn->v[i];

		d->name = scopy(&pool, v[i].name);
		d->descr = scopy(&pool, v[i].descr != NULL ? v[i].descr : "");
		d->chip = scopy(&pool, v[i].chip);
		d->hwirq = scopy(&pool, v[i].hwirq);
		d->actions = scopy(&pool, v[i].actions);
		d->total = v[i].total;
		d->percpu = NULL;
		if (v[i].percpu != NULL) {
			if (ncpu > 0)
				memcpy(vec, v[i].percpu, ncpu * sizeof(*vec));
			d->percpu = vec;
			vec += ncpu;
		}
	}
	pthread_mutex_lock(&st->reg_lock);
	old = st->intrs;
	NB_STORE(&st->intrs, sn);
	pthread_mutex_unlock(&st->reg_lock);
	if (old != NULL)
		nb_defer(st, &old->rcu, nb_intrsnap_free);
	return 0;
}

const struct nb_intrsnap *
nb_intrs_snapshot(const struct nb_read *rd)
{
	return NB_LOAD(&rd->st->intrs);
}

const uint32_t *
nb_intrs_cpus(const struct nb_intrsnap *sn, size_t *ncpu)
{
	*ncpu = sn != NULL ? sn->ncpu : 0;
	return sn != NULL ? sn->cpus : NULL;
}

int
nb_intr_walk(const struct nb_intrsnap *sn, int (*cb)(const struct nb_intr *in, void *arg),
    void *arg)
{
	int error;

	if (sn == NULL)
		return 0;
	for (size_t i = 0; i < sn->n; i++)
		if ((error = cb(&sn->v[i], arg)) != 0)
			return error;
	return 0;
}

void
nb_intrs_fini(struct nb_stack *st)
{
	free(st->intrs);
	st->intrs = NULL;
}
