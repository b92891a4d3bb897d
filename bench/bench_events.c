/* SPDX-License-Identifier: BSD-2-Clause */
/* bench_events.c - what the event log costs a writer call: flag toggles and address add/del with the log off and on. */

/*
 * Theory of operation: one thread, one stack with one interface. A cell
 * runs N writer calls of one kind with the event log off (nb_events_enable
 * never called, or cap 0) or on (cap 16,384, as the recorder's local
 * backend, drained by nb_events_take every 4,096 calls as a recorder's
 * sample would). Kinds: nb_if_upsert toggling IFF_UP (one "link up/down"
 * event per call, its name given) and nb_addr_add + nb_addr_del of one
 * address (two events, the interface's name looked up by index in a read
 * section). Cells run in --rounds interleaved rounds (default 7); each
 * reports its median ns per call and the on/off ratio the median of the
 * per-round ratios (paired.h).
 * Not a test: prints ns per call and one SUMMARY line.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "nbstack/stack.h"
#include "paired.h"

#define CAP 16384
#define DRAIN 4096

static struct nb_event drain_buf[DRAIN];

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void
drain(struct nb_stack *st)
{
	while (nb_events_take(st, drain_buf, DRAIN, NULL) == DRAIN)
		;
}

/* ns per call of n flag toggles. */
static double
cell_link(struct nb_stack *st, unsigned n, bool on)
{
	struct nb_ifattrs a;
	double t0;
	unsigned i;

	memset(&a, 0, sizeof(a));
	a.index = 2;
	snprintf(a.name, sizeof(a.name), "eth0");
	a.type = 1;
	a.mtu = 1500;
	(void)nb_events_enable(st, on ? CAP : 0);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		a.flags = i % 2 ? 0x1u | 0x10000u : 0;
		if (nb_if_upsert(st, &a, NULL) != 0)
			abort();
		if (on && i % DRAIN == DRAIN - 1)
			drain(st);
	}
	t0 = (now_ns() - t0) / n;
	drain(st);
	return t0;
}

/* ns per add + del of one address. */
static double
cell_addr(struct nb_stack *st, unsigned n, bool on)
{
	struct nb_addrattrs a;
	double t0;
	unsigned i;

	memset(&a, 0, sizeof(a));
	a.ifindex = 2;
	a.family = AF_INET;
	a.prefixlen = 24;
	a.valid_lft = a.preferred_lft = UINT32_MAX;
	if (inet_pton(AF_INET, "192.0.2.1", a.addr) != 1)
		abort();
	(void)nb_events_enable(st, on ? CAP : 0);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (nb_addr_add(st, &a) != 0 || nb_addr_del(st, &a) != 0)
			abort();
		if (on && i % (DRAIN / 2) == DRAIN / 2 - 1)
			drain(st);
	}
	t0 = (now_ns() - t0) / n;
	drain(st);
	nb_stack_barrier(st); /* the retired addresses freed, outside the timing */
	return t0;
}

int
main(int argc, char **argv)
{
	static const char *const names[4] = { "link off", "link on", "addr off", "addr on" };
	double r[4][BENCH_MAXROUNDS], med[4];
	struct bench_paired pl, pa;
	struct nb_stack *st = NULL;
	unsigned rounds = 7, n = 200000, k, c;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--rounds") == 0)
			rounds = (unsigned)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "-n") == 0)
			n = (unsigned)atoi(argv[i + 1]);
	}
	if (rounds < 1 || rounds > BENCH_MAXROUNDS || n < DRAIN) {
		fprintf(stderr, "usage: bench_events [--rounds 1..%d] [-n calls >= %d]\n",
		    BENCH_MAXROUNDS, DRAIN);
		return 2;
	}
	if (nb_stack_create(NULL, &st) != 0)
		return 1;
	(void)cell_link(st, n / 10, true); /* warm-up, and eth0 exists */
	(void)cell_addr(st, n / 20, true);
	for (k = 0; k < rounds; k++) {
		r[0][k] = cell_link(st, n, false);
		r[1][k] = cell_link(st, n, true);
		r[2][k] = cell_addr(st, n / 2, false);
		r[3][k] = cell_addr(st, n / 2, true);
	}
	for (c = 0; c < 4; c++) {
		med[c] = bench_median(r[c], rounds);
		printf("%-9s %8.1f ns/call\n", names[c], med[c]);
	}
	pl = bench_pair(r[1], r[0], rounds);
	pa = bench_pair(r[3], r[2], rounds);
	printf("SUMMARY link on/off %.2f (%.2f-%.2f), addr on/off %.2f (%.2f-%.2f), "
	       "%u rounds of %u calls\n",
	    pl.med, pl.min, pl.max, pa.med, pa.min, pa.max, rounds, n);
	nb_stack_destroy(&st);
	return 0;
}
