/* SPDX-License-Identifier: BSD-2-Clause */
/* bench_ctr.c - per-CPU counter add vs shared atomic, mutex and a bare padded slot. */

/*
 * Theory of operation: each cell runs T threads (1 or 2) for about
 * --ms milliseconds (default 500) incrementing a counter by one with one
 * method; threads check a stop flag every 1024 increments and report
 * their counts. Methods: nb_ctr_add on the thread's own slot of an
 * nb_ctrgroup (libstack per-CPU), a shared __atomic_fetch_add, a
 * pthread mutex around ++, and a hand-written 64-byte padded slot with a
 * relaxed load + store (the floor). Thread i is pinned to CPU i. Each cell
 * is run after a short warm-up, in 5 interleaved rounds; a cell reports
 * its median round, a ratio the median of its per-round ratios (paired.h).
 * Ratios need idle CPUs: on a loaded machine two threads rarely run at
 * once and the shared atomic is not contended.
 * Not a test: prints M increments/s and one SUMMARY line with ratios.
 */

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nbstack/stack.h"
#include "paired.h"

enum method { M_PERCPU, M_ATOMIC, M_MUTEX, M_BARE, M_MAX };
static const char *const mname[M_MAX] = { "percpu", "atomic", "mutex", "bare" };

struct bare_slot {
	_Alignas(64) uint64_t v;
	char	pad[56];
};

static struct nb_ctrgroup *grp;
static uint64_t shared;
static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static struct bare_slot bare[4];
static int stop;

#define NROUNDS	5

struct arg {
	enum method m;
	unsigned id;
	uint64_t n;
};

static void *
run(void *p)
{
	struct arg *a = p;
	uint64_t *slot = nb_ctrgroup_slot(grp, a->id + 1), *b = &bare[a->id].v, n = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	unsigned i;

	/* Pin thread i to CPU i, as the baseline spike did, so 2 threads contend. */
	CPU_ZERO(&set);
	CPU_SET(a->id % (unsigned)(ncpu > 0 ? ncpu : 1), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		switch (a->m) {
		case M_PERCPU:
			for (i = 0; i < 1024; i++)
				nb_ctr_add(slot, 3, 1);
			break;
		case M_ATOMIC:
			for (i = 0; i < 1024; i++)
				__atomic_fetch_add(&shared, 1, __ATOMIC_RELAXED);
			break;
		case M_MUTEX:
			for (i = 0; i < 1024; i++) {
				pthread_mutex_lock(&mtx);
				shared++;
				pthread_mutex_unlock(&mtx);
			}
			break;
		case M_BARE:
			for (i = 0; i < 1024; i++)
				__atomic_store_n(b, __atomic_load_n(b, __ATOMIC_RELAXED) + 1,
				    __ATOMIC_RELAXED);
			break;
		default:
			break;
		}
		n += 1024;
	}
	a->n = n;
	return NULL;
}

static double
cell(enum method m, unsigned nthr, unsigned ms)
{
	pthread_t t[4];
	struct arg a[4];
	struct timespec t0, t1;
	uint64_t total = 0;
	double el;
	unsigned i;

	__atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nthr; i++) {
		a[i].m = m;
		a[i].id = i;
		a[i].n = 0;
		pthread_create(&t[i], NULL, run, &a[i]);
	}
	usleep(ms * 1000);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nthr; i++) {
		pthread_join(t[i], NULL);
		total += a[i].n;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return (double)total / el / 1e6;
}

enum { R_PA1, R_PA2, R_PM1, R_PM2, R_PB1, R_PB2, R_BA2, NRATIOS };
static const struct {
	const char *name;
	enum method num, den;
	unsigned nt, dt;
} rt[NRATIOS] = {
	[R_PA1] = { "percpu_vs_atomic_1t", M_PERCPU, M_ATOMIC, 1, 1 },
	[R_PA2] = { "percpu_vs_atomic_2t", M_PERCPU, M_ATOMIC, 2, 2 },
	[R_PM1] = { "percpu_vs_mutex_1t", M_PERCPU, M_MUTEX, 1, 1 },
	[R_PM2] = { "percpu_vs_mutex_2t", M_PERCPU, M_MUTEX, 2, 2 },
	[R_PB1] = { "percpu_vs_bare_1t", M_PERCPU, M_BARE, 1, 1 },
	[R_PB2] = { "percpu_vs_bare_2t", M_PERCPU, M_BARE, 2, 2 },
	[R_BA2] = { "bare_vs_atomic_2t", M_BARE, M_ATOMIC, 2, 2 },
};

int
main(int argc, char **argv)
{
	double r[M_MAX][3], v[M_MAX][3][NROUNDS];
	struct bench_paired q[NRATIOS];
	unsigned ms = 500, m, t, round, i;
	int c;

	for (c = 1; c < argc; c++) {
		if (strcmp(argv[c], "--ms") == 0 && c + 1 < argc) {
			ms = (unsigned)strtoul(argv[++c], NULL, 10);
		} else {
			fprintf(stderr, "usage: bench_ctr [--ms N]\n");
			return 2;
		}
	}
	if (nb_ctrgroup_create(NB_IFSTAT_MAX, 5, &grp) != 0) {
		fprintf(stderr, "bench_ctr: nb_ctrgroup_create failed\n");
		return 1;
	}
	/* Rounds interleave the methods; each cell reports its median round. */
	for (round = 0; round < NROUNDS; round++)
		for (m = 0; m < M_MAX; m++) {
			cell(m, 1, ms / 10 + 1);	/* warm-up */
			for (t = 1; t <= 2; t++)
				v[m][t][round] = cell(m, t, ms);
		}
	printf("%-8s %12s %12s   (M increments/s, all threads, median of %d)\n",
	    "method", "1 thread", "2 threads", NROUNDS);
	for (m = 0; m < M_MAX; m++) {
		for (t = 1; t <= 2; t++)
			r[m][t] = bench_median(v[m][t], NROUNDS);
		printf("%-8s %12.1f %12.1f\n", mname[m], r[m][1], r[m][2]);
	}
	for (i = 0; i < NRATIOS; i++)
		q[i] = bench_pair(v[rt[i].num][rt[i].nt], v[rt[i].den][rt[i].dt], NROUNDS);
	printf("paired ratios (median of the rounds' ratios, [min-max]):\n");
	for (i = 0; i < NRATIOS; i++)
		printf("  %-20s %7.2f  [%.2f-%.2f]\n", rt[i].name, q[i].med, q[i].min, q[i].max);
	printf("SUMMARY");
	for (i = 0; i < NRATIOS; i++)
		printf(" %s %.2f", rt[i].name, q[i].med);
	printf("\n");
	/*
	 * The per-CPU counter cannot beat the bare slot, so bare_vs_atomic_2t
	 * bounds percpu_vs_atomic_2t on this machine: the first target needs
	 * a host whose contended atomic is at least 30x slower than a core's
	 * own store: about 50x on the host where the target was set, 20-27x
	 * on the 2-vCPU host of 2026-12-03, where two threads' contended
	 * fetch_add on one line still made 145-215 M/s together.
	 */
	printf("targets at 2 threads: percpu >= 30x atomic (%s; this machine's bound, bare vs atomic: %.1fx), "
	    "percpu within 25%% of bare (%s)\n",
	    q[R_PA2].med >= 30 ? "met" : "NOT met", q[R_BA2].med,
	    q[R_PB2].med >= 0.75 ? "met" : "NOT met");
	nb_ctrgroup_destroy(&grp);
	return 0;
}
