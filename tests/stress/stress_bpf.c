/* SPDX-License-Identifier: BSD-2-Clause */
/* stress_bpf.c - capture descriptors churn (upsert, move, delete, bpfdetach) while readers walk per-interface lists. */

/*
 * Theory of operation
 *
 * Threads: one descriptor writer (upserts descriptors ids 1..NDESC onto
 * random interfaces of NIF, moves, unbinds, deletes them, with programs of
 * varying length); one interface writer (deletes and recreates interfaces
 * NIF/2+1..NIF, which detaches their descriptors); NCOUNTERS counter
 * threads, each owning a slot, adding to the descriptors they meet on the
 * interface lists (like the sim's workers: nb_iface_bpf_walk per packet)
 * and to one long-lived descriptor (id LONG_ID, never moved off interface
 * 1); NREADERS readers checking each read section. `stop` is set by main
 * with release order; all other shared state is atomics.
 *
 * Checks per read section: no id appears on two interface lists or twice
 * on one (a move is one commit); every descriptor on an interface list is
 * found by nb_bpf_lookup and by the full walk; the full walk's count
 * equals nb_bpf_count; a program's length equals its block's filter_len
 * and its instructions encode its id. At the end: the long-lived descriptor's
 * per-CPU sums equal exactly what the counter threads added.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nbstack/stack.h"

#define NIF		8
#define NDESC		64
#define NREADERS	2
#define NCOUNTERS	2
#define LONG_ID		1000

static struct nb_stack *st;
static int stop;
static int violations;
static uint64_t wr_ops, rd_sections;
static uint64_t added[NCOUNTERS];

#define FAIL(...) do {							\
	if (__atomic_add_fetch(&violations, 1, __ATOMIC_RELAXED) <= 20)	\
		fprintf(stderr, "stress_bpf: " __VA_ARGS__);		\
} while (0)

static bool
stopped(void)
{
	return __atomic_load_n(&stop, __ATOMIC_ACQUIRE) != 0;
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
mkif(uint32_t index)
{
	struct nb_ifattrs a;

	memset(&a, 0, sizeof(a));
	a.index = index;
	snprintf(a.name, sizeof(a.name), "if%u", index);
	if (nb_if_upsert(st, &a, NULL) != 0)
		FAIL("upsert if%u\n", index);
}

static int
upsert(uint64_t id, uint32_t ifindex, unsigned nprog)
{
	struct nb_bpf_insn prog[8];
	struct nb_bpfattrs a;
	unsigned i;

	memset(&a, 0, sizeof(a));
	a.id = id;
	a.ifindex = ifindex;
	a.has = NB_BPF_HAS_FILTER | NB_BPF_HAS_RCOUNT;
	for (i = 0; i < nprog; i++)
		prog[i] = (struct nb_bpf_insn){ 0x06, 0, 0, (uint32_t)id };
	return nb_bpf_upsert(st, &a, nprog ? prog : NULL, nprog);
}

static void *
desc_writer(void *arg)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull, ops = 0;
	bool exists[NDESC + 1] = { false };
	uint64_t id;
	int error;

	(void)arg;
	nb_thread_register();
	while (!stopped()) {
		id = 1 + rnd(&seed) % NDESC;
		if (exists[id] && rnd(&seed) % 4 == 0) {
			if ((error = nb_bpf_delete(st, id)) != 0)
				FAIL("delete %" PRIu64 ": %d\n", id, error);
			exists[id] = false;
		} else {
			/* ifindex 0 (unbound) .. NIF; the interface may be gone: then detached. */
			error = upsert(id, (uint32_t)(rnd(&seed) % (NIF + 1)), (unsigned)(rnd(&seed) % 8));
			if (error != 0)
				FAIL("upsert %" PRIu64 ": %d\n", id, error);
			exists[id] = true;
		}
		ops++;
	}
	__atomic_add_fetch(&wr_ops, ops, __ATOMIC_RELAXED);
	nb_thread_unregister();
	return NULL;
}

static void *
if_writer(void *arg)
{
	uint64_t seed = 0xdeadbeefcafef00dull, ops = 0;
	uint32_t idx;

	(void)arg;
	nb_thread_register();
	while (!stopped()) {
		idx = NIF / 2 + 1 + (uint32_t)(rnd(&seed) % (NIF / 2));
		if (nb_if_delete(st, idx, NULL) == 0)
			mkif(idx);
		ops++;
		usleep(100);
	}
	__atomic_add_fetch(&wr_ops, ops, __ATOMIC_RELAXED);
	nb_thread_unregister();
	return NULL;
}

struct cctx {
	unsigned slot;
	int	 c;
};

static int
count_cb(const struct nb_bpf *d, void *arg)
{
	struct cctx *cc = arg;
	uint64_t *p = nb_bpf_stats_slot(d, cc->slot);

	nb_ctr_add(p, NB_BPFSTAT_RCOUNT, 1);
	if (nb_bpf_attrs(d)->id == LONG_ID)
		added[cc->c]++;
	return 0;
}

static void *
counter(void *arg)
{
	struct cctx cc = { .c = (int)(intptr_t)arg };
	struct nb_read rd;
	uint32_t i;

	nb_thread_register();
	if (nb_slot_acquire(st, &cc.slot) != 0) {
		FAIL("slot_acquire\n");
		return NULL;
	}
	while (!stopped()) {
		nb_read_enter(st, &rd);
		for (i = 1; i <= NIF; i++)
			nb_iface_bpf_walk(&rd, nb_if_lookup_index(&rd, i), count_cb, &cc);
		nb_read_exit(&rd);
	}
	nb_slot_release(st, cc.slot);
	nb_thread_unregister();
	return NULL;
}

struct rctx {
	const struct nb_read *rd;
	uint8_t	 seen[LONG_ID + 1];
	size_t	 n;
};

static int
rlist_cb(const struct nb_bpf *d, void *arg)
{
	struct rctx *r = arg;
	const struct nb_bpfattrs *a = nb_bpf_attrs(d);

	if (a->id > LONG_ID) {
		FAIL("bad id %" PRIu64 "\n", a->id);
		return 0;
	}
	if (r->seen[a->id]++ != 0)
		FAIL("descriptor %" PRIu64 " on two interface lists\n", a->id);
	if (nb_bpf_lookup(r->rd, a->id) != d)
		FAIL("descriptor %" PRIu64 " on a list but not in the hash\n", a->id);
	return 0;
}

static int
rall_cb(const struct nb_bpf *d, void *arg)
{
	struct rctx *r = arg;
	const struct nb_bpfattrs *a;
	const struct nb_bpf_insn *p;
	size_t n, i;
	uint64_t id;

	/* attrs, prog, attrs again: the same block, so prog belongs to it. */
	do {
		a = nb_bpf_attrs(d);
		p = nb_bpf_prog(d, &n);
	} while (a != nb_bpf_attrs(d));
	id = a->id;
	if (n != a->filter_len)
		FAIL("descriptor %" PRIu64 ": %zu instructions, filter_len %u\n", id, n,
		    a->filter_len);
	for (i = 0; i < n; i++)
		if (p[i].k != (uint32_t)id)
			FAIL("descriptor %" PRIu64 ": foreign program\n", id);
	if (id <= LONG_ID && r->seen[id] != 0)
		r->seen[id] = 2;	/* on a list and in the walk */
	r->n++;
	return 0;
}

static void *
reader(void *arg)
{
	struct nb_read rd;
	struct rctx *r;
	uint64_t n = 0;
	uint32_t i;
	size_t k;

	(void)arg;
	nb_thread_register();
	if ((r = malloc(sizeof(*r))) == NULL)
		return NULL;
	while (!stopped()) {
		memset(r, 0, sizeof(*r));
		nb_read_enter(st, &rd);
		r->rd = &rd;
		for (i = 1; i <= NIF; i++)
			nb_iface_bpf_walk(&rd, nb_if_lookup_index(&rd, i), rlist_cb, r);
		nb_bpf_walk(&rd, rall_cb, r);
		if (r->n != nb_bpf_count(&rd))
			FAIL("walk %zu, count %zu\n", r->n, nb_bpf_count(&rd));
		for (k = 0; k <= LONG_ID; k++)
			if (r->seen[k] == 1)
				FAIL("descriptor %zu on a list, not in the walk\n", k);
		nb_read_exit(&rd);
		n++;
	}
	free(r);
	__atomic_add_fetch(&rd_sections, n, __ATOMIC_RELAXED);
	nb_thread_unregister();
	return NULL;
}

int
main(int argc, char **argv)
{
	struct nb_stack_config cfg = { .nslots = 2 + NCOUNTERS };
	pthread_t dw, iw, rt[NREADERS], ct[NCOUNTERS];
	struct nb_read rd;
	const struct nb_bpf *d;
	uint64_t want = 0, s[NB_BPFSTAT_MAX];
	double secs = 5;
	unsigned i;
	int c;

	for (c = 1; c < argc; c++) {
		if (strcmp(argv[c], "--seconds") == 0 && c + 1 < argc) {
			secs = strtod(argv[++c], NULL);
		} else {
			fprintf(stderr, "usage: stress_bpf [--seconds N]\n");
			return 2;
		}
	}
	if (nb_stack_create(&cfg, &st) != 0)
		return 1;
	for (i = 1; i <= NIF; i++)
		mkif(i);
	if (upsert(LONG_ID, 1, 0) != 0)
		FAIL("long-lived descriptor\n");
	for (i = 0; i < NCOUNTERS; i++)
		pthread_create(&ct[i], NULL, counter, (void *)(intptr_t)i);
	pthread_create(&dw, NULL, desc_writer, NULL);
	pthread_create(&iw, NULL, if_writer, NULL);
	for (i = 0; i < NREADERS; i++)
		pthread_create(&rt[i], NULL, reader, NULL);
	usleep((useconds_t)(secs * 1e6));
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(dw, NULL);
	pthread_join(iw, NULL);
	for (i = 0; i < NREADERS; i++)
		pthread_join(rt[i], NULL);
	for (i = 0; i < NCOUNTERS; i++)
		pthread_join(ct[i], NULL);
	for (i = 0; i < NCOUNTERS; i++)
		want += added[i];
	nb_read_enter(st, &rd);
	if ((d = nb_bpf_lookup(&rd, LONG_ID)) == NULL) {
		FAIL("long-lived descriptor vanished\n");
	} else {
		nb_bpf_stats(d, s);
		if (s[NB_BPFSTAT_RCOUNT] != want)
			FAIL("long-lived rcount %" PRIu64 ", added %" PRIu64 "\n",
			    s[NB_BPFSTAT_RCOUNT], want);
	}
	nb_read_exit(&rd);
	printf("stress_bpf: %.1f s, %" PRIu64 " writer changes, %" PRIu64
	    " read sections, %" PRIu64 " offers to the long-lived one, violations %d\n", secs,
	    wr_ops, rd_sections, want, __atomic_load_n(&violations, __ATOMIC_RELAXED));
	nb_stack_destroy(&st);
	return violations == 0 ? 0 : 1;
}
