/* SPDX-License-Identifier: BSD-2-Clause */
/* bench_history.c - history cost: bytes per value, CPU per recorded sample, replay latency (issue 5 workload). */
/*
 * Workload: 1,000 interfaces x 12 counters sampled every 10 s for a
 * simulated day (--days N), 10% busy (1e6..1e8 B/s), 45% light
 * (1e2..1e4 B/s), 45% idle, +-20% jitter per sample; rare errors and drops
 * on busy interfaces. The stack is filled by hand and read through a
 * recording handle exactly as a tool reads it (a walk of net.interfaces),
 * so the figures include the capture, the encoding and SQLite.
 *
 * --churn: before each sample the interface with the lowest index is
 * deleted and a new one appended (the worst case for the recorder's copy
 * by position: every entry of the walk is one place off, every sample).
 *
 * Usage: bench_history [--days N] [--samples N] [--ifaces N] [--file PATH] [--churn]
 *                      [--sadc-bpv B --sadc-cpu MS]
 * --sadc-bpv/--sadc-cpu: sadc's bytes per value and CPU ms per sample as
 * bench/history_vs_sadc.sh measured them in the same run (sadc needs a
 * namespace with real interfaces, hence the script); ratios are printed
 * only when given.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nbhistory/history.h"
#include "nbstack/stack.h"
#include "sysctl-tree/sysctl.h"

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static double
urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

struct ifmodel {
	uint32_t index;
	double	 rate;		/* bytes/s */
	double	 pktsize;
	uint64_t c[NB_IFSTAT_MAX];
};

/* Interface `index`, named eth<index - 1>. */
static int
mkif(struct nb_stack *st, uint32_t index)
{
	struct nb_ifattrs a;

	memset(&a, 0, sizeof(a));
	a.index = index;
	snprintf(a.name, sizeof(a.name), "eth%u", index - 1);
	snprintf(a.kind, sizeof(a.kind), "veth");
	a.type = 1;
	a.flags = 0x1043;
	a.mtu = 1500;
	a.txqlen = 1000;
	a.operstate = 6;
	a.lladdr_len = 6;
	a.lladdr[0] = 2;
	a.lladdr[3] = (uint8_t)((index - 1) >> 16);
	a.lladdr[4] = (uint8_t)((index - 1) >> 8);
	a.lladdr[5] = (uint8_t)(index - 1);
	return nb_if_upsert(st, &a, NULL);
}

static int
count_cb(const struct nb_sysctl_entry *e, void *arg)
{
	uint64_t *n = arg;

	if (e->val.type != NB_SYSCTL_NODE)
		(*n)++;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	const char *path = "/tmp/bench_history.db";
	unsigned days = 1, nif = 1000, i, s, k, nsamples = 0;
	struct nb_stack *st = NULL;
	struct nb_sysctl *h = NULL, *plain = NULL, *rh = NULL;
	struct nb_sysctl_opts o = { 0 };
	struct ifmodel *m;
	struct stat sb;
	uint64_t leaves = 0, n, ctrvals;
	double t0, rec_ms = 0, plain_ms = 0, commit_ms = 0, lat[21];
	int64_t first, last;
	char path_wal[4200];
	double sadc_bpv = 0, sadc_cpu = 0;
	bool churn = false;
	uint32_t next_index;

	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--days") == 0 && a + 1 < argc)
			days = (unsigned)atoi(argv[++a]);
		else if (strcmp(argv[a], "--ifaces") == 0 && a + 1 < argc)
			nif = (unsigned)atoi(argv[++a]);
		else if (strcmp(argv[a], "--file") == 0 && a + 1 < argc)
			path = argv[++a];
		else if (strcmp(argv[a], "--sadc-bpv") == 0 && a + 1 < argc)
			sadc_bpv = atof(argv[++a]);
		else if (strcmp(argv[a], "--sadc-cpu") == 0 && a + 1 < argc)
			sadc_cpu = atof(argv[++a]);
		else if (strcmp(argv[a], "--samples") == 0 && a + 1 < argc)
			nsamples = (unsigned)atoi(argv[++a]);
		else if (strcmp(argv[a], "--churn") == 0)
			churn = true;
		else {
			fprintf(stderr, "usage: bench_history [--days N] [--samples N] [--ifaces N] [--file PATH] "
			    "[--churn] [--sadc-bpv B --sadc-cpu MS]\n");
			return 2;
		}
	}
	if (nsamples == 0)
		nsamples = days * 8640;
	unlink(path);
	snprintf(path_wal, sizeof(path_wal), "%s-wal", path);
	unlink(path_wal);
	if (nb_stack_create(NULL, &st) != 0 || (m = calloc(nif, sizeof(*m))) == NULL)
		return 1;
	for (i = 0; i < nif; i++) {
		double r = urand();

		m[i].index = i + 1;
		if (mkif(st, i + 1) != 0)
			return 1;
		m[i].rate = r < 0.10 ? pow(10, 6 + 2 * urand()) : r < 0.55 ? pow(10, 2 + 2 * urand()) : 0;
		m[i].pktsize = 64 + 1436 * urand();
		for (k = 0; k < NB_IFSTAT_MAX; k++)
			m[i].c[k] = m[i].rate > 0 ? (uint64_t)(urand() * 1e9) : 0;
	}
	next_index = nif + 1;

	/* The twelve counters DESIGN.md lists, all of them provided. */
	if (nb_sysctl_open_stack(st, NULL, &h) != 0 || nb_sysctl_open_stack(st, NULL, &plain) != 0)
		return 1;
	if (nb_sysctl_record_open(h, path, "bench") != 0) {
		fprintf(stderr, "record: %s\n", nb_sysctl_errdetail(h));
		return 1;
	}
	for (s = 0; s < nsamples; s++) {
		if (churn) {
			/* The lowest index goes (final counters), a new one comes last. */
			struct ifmodel *x = &m[s % nif];

			if (nb_if_delete(st, x->index, x->c) != 0 || mkif(st, next_index) != 0)
				return 1;
			x->index = next_index++;
			memset(x->c, 0, sizeof(x->c));
		}
		for (i = 0; i < nif; i++) {
			struct ifmodel *x = &m[i];
			double bytes = x->rate * 10 * (0.8 + 0.4 * urand());
			double pk = bytes / x->pktsize;

			if (x->rate == 0)
				continue;
			x->c[NB_IFSTAT_IBYTES] += (uint64_t)bytes;
			x->c[NB_IFSTAT_OBYTES] += (uint64_t)(bytes * 0.6);
			x->c[NB_IFSTAT_IPACKETS] += (uint64_t)pk;
			x->c[NB_IFSTAT_OPACKETS] += (uint64_t)(pk * 0.7);
			if (x->rate > 1e5) {
				x->c[NB_IFSTAT_IMCASTS] += (uint64_t)(urand() * 5);
				if (urand() < 0.01)
					x->c[NB_IFSTAT_IQDROPS]++;
				if (urand() < 0.002)
					x->c[NB_IFSTAT_IERRORS]++;
			}
			nb_if_stats_store(st, x->index, NB_SLOT_SOURCE, x->c);
		}
		/* What the tool does: one walk of net.interfaces (recorded). */
		n = 0;
		t0 = cpu_ms();
		if (nb_sysctl_walk(h, "net.interfaces", 0, count_cb, &n) != 0)
			return 1;
		rec_ms += cpu_ms() - t0;
		if (s == 0)
			leaves = n;
		/* Commit (sample times are the real clock: only size and CPU matter). */
		t0 = cpu_ms();
		if (nb_sysctl_sample(h) != 0) {
			fprintf(stderr, "sample: %s\n", nb_sysctl_errdetail(h));
			return 1;
		}
		commit_ms += cpu_ms() - t0;
		rec_ms += cpu_ms() - t0;
		/* The same walk without recording, on 1 sample in 20. */
		if (s % 20 == 0) {
			n = 0;
			t0 = cpu_ms();
			nb_sysctl_walk(plain, "net.interfaces", 0, count_cb, &n);
			plain_ms += (cpu_ms() - t0) * 20;
		}
		if (isatty(2) && s % 500 == 0)
			fprintf(stderr, "\rsample %u/%u", s, nsamples);
	}
	if (isatty(2))
		fprintf(stderr, "\r\n");
	nb_sysctl_close(&h);		/* checkpoints the WAL */
	nb_sysctl_close(&plain);
	if (stat(path, &sb) != 0)
		return 1;
	ctrvals = (uint64_t)nsamples * nif * NB_IFSTAT_MAX;
	printf("workload: %u interfaces x %u counters, %u samples (%u day(s) at 10 s)%s\n",
	    nif, NB_IFSTAT_MAX, nsamples, days,
	    churn ? ", one interface deleted and one added per sample" : "");
	printf("file: %lld bytes\n", (long long)sb.st_size);
	printf("bytes per counter value (all bytes / %" PRIu64 " counter values): %.3f\n",
	    ctrvals, (double)sb.st_size / (double)ctrvals);
	printf("bytes per recorded value (all %" PRIu64 " leaves per sample): %.3f\n",
	    leaves, (double)sb.st_size / ((double)leaves * nsamples));
	printf("CPU per sample: walk+record %.3f ms, walk alone %.3f ms, recording %.3f ms "
	    "(of which the commit: encoding and SQLite %.3f ms)\n",
	    rec_ms / nsamples, plain_ms / nsamples, (rec_ms - plain_ms) / nsamples,
	    commit_ms / nsamples);

	/* Replay: open at a random time and read net.interfaces, as nbnetstat -i does. */
	o.backend = NB_SYSCTL_REPLAY;
	o.replay_path = path;
	{
		struct nbh_reader *r = NULL;

		if (nbh_reader_open(path, &r, NULL, 0) != 0 || nbh_reader_span(r, &first, &last) != 0)
			return 1;
		nbh_reader_close(&r);
	}
	for (k = 0; k < 21; k++) {
		o.replay_at_ns = first + (int64_t)(urand() * (double)(last - first));
		t0 = wall_ms();
		if (nb_sysctl_open(&o, &rh) != 0) {
			fprintf(stderr, "replay: %s\n", rh != NULL ? nb_sysctl_errdetail(rh) : "");
			return 1;
		}
		n = 0;
		nb_sysctl_walk(rh, "net.interfaces", 0, count_cb, &n);
		lat[k] = wall_ms() - t0;
		nb_sysctl_close(&rh);
		if (n != leaves)
			return 1;
	}
	qsort(lat, 21, sizeof(lat[0]), cmp_double);
	printf("replay of net.interfaces at a random time (open+seek+decode+walk): median %.2f ms, "
	    "max %.2f ms\n", lat[10], lat[20]);
	if (sadc_bpv > 0)
		printf("ratio to sadc (measured by history_vs_sadc.sh in this run): bytes per value %.3f "
		    "(%.3f / %.3f)\n", ((double)sb.st_size / (double)ctrvals) / sadc_bpv,
		    (double)sb.st_size / (double)ctrvals, sadc_bpv);
	if (sadc_cpu > 0)
		printf("ratio to sadc: recording CPU per sample beyond the reads %.3f (%.3f ms / sadc whole sample, reads included, %.3f ms)\n",
		    ((rec_ms - plain_ms) / nsamples) / sadc_cpu, (rec_ms - plain_ms) / nsamples, sadc_cpu);
	nb_stack_destroy(&st);
	free(m);
	return 0;
}
