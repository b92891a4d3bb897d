/* SPDX-License-Identifier: BSD-2-Clause */
/* stress_sim.c - the sim source under churn while tree readers walk net.*; invariants at the end. */

/*
 * Theory of operation
 *
 * Threads: the sim's workers (2, or 4 for runs of a minute or more) and its
 * control thread, which churns interfaces, addresses with their local
 * routes, routes held by the workers and capture descriptors at CHURN
 * changes per second; NREADERS tree readers, each with its own sysctl-tree
 * handle over the same stack and source, walking `net` with per-CPU
 * vectors over and over. The workers check, in every read section, that
 * no address is half-published and that nothing is seen after its
 * removal completed; the readers check that every per-CPU leaf's vector
 * sums to its total (both taken in one pass) and that the walk succeeds.
 * `stop` (atomic, release) ends the readers; nb_source_check() stops the
 * sim and compares every per-CPU sum with the workers' private tallies.
 *
 * The run has two phases: three quarters MP-safe, one quarter with
 * big_lock=1 (the same code paths under one global lock). Each phase must
 * make at least 1,000 configuration changes per second and some traffic.
 * Silent except for one summary line; any failure prints why and exits 1.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nbsource/sim.h"
#include "nbstack/stack.h"
#include "sysctl-tree/sysctl.h"

#define NREADERS	2
#define CHURN		3000

static int stop;		/* atomic */
static int failed;		/* atomic */

struct reader {
	pthread_t	 tid;
	struct nb_stack	*st;
	struct nb_source *src;
	uint64_t	 walks;
	uint64_t	 leaves;
	char		 err[512];
};

static int
leaf_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct reader *r = arg;
	uint64_t sum = 0;
	unsigned i;

	r->leaves++;
	if (e->val.percpu != NULL) {
		for (i = 0; i < e->val.ncpu; i++)
			sum += e->val.percpu[i];
		if (sum != e->val.u && r->err[0] == '\0') {
			char name[128];

			nb_sysctl_entry_name(e, name, sizeof(name));
			snprintf(r->err, sizeof(r->err), "%s: total %" PRIu64
			    " != sum of its per-CPU vector %" PRIu64, name, e->val.u, sum);
			return 1;
		}
	}
	return 0;
}

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	struct nb_sysctl *h = NULL;
	int error;

	if ((error = nb_sysctl_open_stack(r->st, r->src, &h)) != 0) {
		snprintf(r->err, sizeof(r->err), "nb_sysctl_open_stack: %s", strerror(-error));
		__atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		if ((error = nb_sysctl_sample(h)) != 0 ||
		    (error = nb_sysctl_walk(h, "net", NB_SYSCTL_RD_PERCPU, leaf_cb, r)) != 0) {
			if (r->err[0] == '\0')
				snprintf(r->err, sizeof(r->err), "walk net: %s (%s)",
				    strerror(error < 0 ? -error : EPROTO), nb_sysctl_errdetail(h));
			__atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
			break;
		}
		r->walks++;
	}
	nb_sysctl_close(&h);
	nb_thread_unregister();
	return NULL;
}

struct gq {
	const char	*mib, *ctr;
	uint64_t	 v;
};

static int
group_cb(const struct nb_statgroup_info *info, void *arg)
{
	struct gq *q = arg;
	unsigned i;

	if (strcmp(info->mib, q->mib) != 0)
		return 0;
	for (i = 0; i < info->n; i++)
		if (strcmp(info->descs[i].name, q->ctr) == 0)
			q->v = nb_ctrgroup_sum(info->ctrs, i);
	return 1;
}

/* Sum of counter `ctr` of statistics group `mib`. */
static uint64_t
group_sum(struct nb_stack *st, const char *mib, const char *ctr)
{
	struct gq q = { mib, ctr, 0 };
	struct nb_read rd;

	nb_read_enter(st, &rd);
	nb_statgroup_walk(&rd, group_cb, &q);
	nb_read_exit(&rd);
	return q.v;
}

static int
phase(const char *label, unsigned workers, double secs, bool big_lock, uint64_t seed)
{
	struct nb_stack_config cfg = { .nslots = workers + 1 };
	struct nb_source_opts so = { 0 };
	struct nb_stack *st = NULL;
	struct nb_source *src = NULL;
	struct reader rd[NREADERS];
	struct timespec ts;
	char args[256];
	uint64_t changes, packets, walks = 0;
	int error, i, bad = 0;

	if ((error = nb_stack_create(&cfg, &st)) != 0) {
		fprintf(stderr, "stress_sim: nb_stack_create: %s\n", strerror(-error));
		return 1;
	}
	snprintf(args, sizeof(args), "workers=%u,ifaces=8,addrs=3,descs=8,rate=max,churn=%d,"
	    "seed=%" PRIu64 ",big_lock=%d,bufsize=2048", workers, CHURN, seed, big_lock);
	so.args = args;
	if ((error = nb_source_open(st, &nb_source_sim_ops, &so, &src)) != 0) {
		fprintf(stderr, "stress_sim: open sim (%s): %s\n", args, strerror(-error));
		nb_stack_destroy(&st);
		return 1;
	}
	__atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
	memset(rd, 0, sizeof(rd));
	for (i = 0; i < NREADERS; i++) {
		rd[i].st = st;
		rd[i].src = src;
		pthread_create(&rd[i].tid, NULL, reader_main, &rd[i]);
	}
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < NREADERS; i++) {
		pthread_join(rd[i].tid, NULL);
		walks += rd[i].walks;
		if (rd[i].err[0] != '\0') {
			fprintf(stderr, "stress_sim: %s: reader %d: %s\n", label, i, rd[i].err);
			bad = 1;
		}
	}
	if ((error = nb_source_check(src)) != 0) {
		fprintf(stderr, "stress_sim: %s: check: %s (%s)\n", label, strerror(-error),
		    nb_source_error(src));
		bad = 1;
	}
	changes = group_sum(st, "net.sim.stats", "changes");
	packets = group_sum(st, "net.sim.stats", "packets");
	if ((double)changes < 1000.0 * secs) {
		fprintf(stderr, "stress_sim: %s: %" PRIu64 " configuration changes in %.1f s "
		    "(want >= 1000/s)\n", label, changes, secs);
		bad = 1;
	}
	if (packets == 0 || walks == 0) {
		fprintf(stderr, "stress_sim: %s: no progress (packets %" PRIu64 ", walks %"
		    PRIu64 ")\n", label, packets, walks);
		bad = 1;
	}
	if (group_sum(st, "net.sim.stats", "violations") != 0) {
		fprintf(stderr, "stress_sim: %s: violations counted\n", label);
		bad = 1;
	}
	printf("stress_sim: %s: %u workers, %.1f s: %" PRIu64 " packets, %" PRIu64
	    " changes (%.0f/s), %" PRIu64 " tree walks: %s\n", label, workers, secs, packets,
	    changes, (double)changes / secs, walks, bad ? "FAILED" : "ok");
	nb_source_close(&src);
	nb_stack_destroy(&st);
	return bad;
}

int
main(int argc, char **argv)
{
	double secs = 8;
	unsigned workers;
	int c, bad = 0;

	for (c = 1; c < argc; c++) {
		if (strcmp(argv[c], "--seconds") == 0 && c + 1 < argc) {
			secs = strtod(argv[++c], NULL);
		} else {
			fprintf(stderr, "usage: stress_sim [--seconds N]\n");
			return 2;
		}
	}
	if (secs < 1)
		secs = 1;
	workers = secs >= 60 ? 4 : 2;
	bad |= phase("mp-safe", workers, secs * 0.75, false, 1);
	bad |= phase("big-lock", workers, secs * 0.25, true, 2);
	return bad || __atomic_load_n(&failed, __ATOMIC_RELAXED);
}
