/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_delta.c - nb_delta, the one interval delta path: first sample as
 * read, deltas of counters only (gauges kept), identity by (index, gen)
 * or by keys, a recreated object never negative, a counter reset counts
 * from 0, departed objects' last traffic as gone rows.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#include "check.h"

struct row {
	uint64_t	 ctr;
	int64_t		 gauge;
};

static const struct nb_sysctl_column cols[] = {
	{ "ctr", NB_SYSCTL_U64, offsetof(struct row, ctr), 0 },
	{ "gauge", NB_SYSCTL_INT, offsetof(struct row, gauge), 0 },
};

struct obj {
	const char	*name;
	int64_t		 index;
	uint64_t	 gen;
	uint64_t	 ctr;
	int64_t		 gauge;
};

/* A table as nb_sysctl_table_read would give it. */
static void
mk(struct nb_sysctl_table *t, const struct obj *o, size_t n)
{
	struct row *r;
	size_t i;

	memset(t, 0, sizeof(*t));
	t->nrows = n;
	t->rowsize = sizeof(struct row);
	t->ncols = 2;
	t->colflags[0] = NB_SYSCTL_F_COUNTER;
	t->colflags[1] = NB_SYSCTL_F_GAUGE;
	t->rows = r = calloc(n + 1, sizeof(*r));
	t->ids = calloc(n + 1, sizeof(*t->ids));
	for (i = 0; i < n; i++) {
		r[i].ctr = o[i].ctr;
		r[i].gauge = o[i].gauge;
		t->ids[i].key[0] = o[i].name;
		t->ids[i].nkey = 1;
		t->ids[i].index = o[i].index;
		t->ids[i].gen = o[i].gen;
		t->ids[i].present[0] = 3;
	}
}

static void
rm(struct nb_sysctl_table *t)
{
	free(t->rows);
	free(t->ids);
}

static uint64_t
ctr(const struct nb_sysctl_table *t, size_t i)
{
	return ((const struct row *)nb_sysctl_table_row(t, i))->ctr;
}

int
main(void)
{
	struct nb_delta *d = NULL;
	struct nb_sysctl_table t, dep;
	const struct nb_sysctl_rowid *id;
	const struct row *g;
	const struct obj s1[] = {
		{ "a", 1, 1, 10, 7 }, { "b", 2, 1, 5, 7 }, { "k", -1, 0, 100, 1 },
	};
	const struct obj s2[] = {
		/* b deleted and made again (gen 2): counts from 0, never 3 - 5 */
		{ "a", 1, 1, 15, 9 }, { "b", 2, 2, 3, 7 }, { "k", -1, 0, 130, 1 },
	};
	const struct obj d2[] = { { "b@1", 2, 1, 8, 0 } };	/* b's final counters */
	const struct obj s3[] = {
		{ "a", 1, 1, 2, 9 }, { "b", 2, 2, 4, 7 }, { "k2", -1, 0, 1, 1 },
	};

	CHECK_RC(nb_delta_create(&d), 0);
	if (d == NULL)
		return 1;
	mk(&t, s1, 3);
	CHECK_RC(nb_delta_step(d, &t, cols, NULL), 0);
	CHECK(nb_delta_first(d));
	CHECK_EQ(ctr(&t, 0), 10);
	CHECK_EQ(nb_delta_state(d, 0), NB_DELTA_FIRST);
	CHECK(nb_delta_is_counter(d, 0) && !nb_delta_is_counter(d, 1));
	CHECK_EQ(nb_delta_ngone(d), 0);
	rm(&t);

	mk(&t, s2, 3);
	mk(&dep, d2, 1);
	CHECK_RC(nb_delta_step(d, &t, cols, &dep), 0);
	CHECK(!nb_delta_first(d));
	CHECK_EQ(ctr(&t, 0), 5);
	CHECK_EQ(nb_delta_state(d, 0), NB_DELTA_SAME);
	CHECK_EQ(((const struct row *)nb_sysctl_table_row(&t, 0))->gauge, 9);	/* kept */
	CHECK_EQ(ctr(&t, 1), 3);
	CHECK_EQ(nb_delta_state(d, 1), NB_DELTA_NEW);
	CHECK_EQ(ctr(&t, 2), 30);		/* identity by keys */
	CHECK_EQ(nb_delta_state(d, 2), NB_DELTA_SAME);
	CHECK_EQ(nb_delta_ngone(d), 1);
	g = nb_delta_gone(d, 0, &id);
	CHECK(g != NULL);
	if (g != NULL) {
		CHECK_EQ(g->ctr, 3);		/* 8 - 5: after our sample, before its deletion */
		CHECK(id->nkey == 1 && strcmp(id->key[0], "b") == 0);
		CHECK_EQ(id->index, 2);
		CHECK(nb_sysctl_row_has(id, 0));
	}
	rm(&t);
	rm(&dep);

	mk(&t, s3, 3);
	CHECK_RC(nb_delta_step(d, &t, cols, NULL), 0);
	CHECK_EQ(ctr(&t, 0), 2);		/* 15 -> 2: a reset counts from 0 */
	CHECK_EQ(nb_delta_state(d, 0), NB_DELTA_RESET);
	CHECK_EQ(ctr(&t, 1), 1);		/* b gen 2: 3 -> 4 */
	CHECK_EQ(nb_delta_state(d, 1), NB_DELTA_SAME);
	CHECK_EQ(nb_delta_state(d, 2), NB_DELTA_NEW);
	CHECK_EQ(ctr(&t, 2), 1);
	CHECK_EQ(nb_delta_ngone(d), 0);
	rm(&t);

	/* Many rows: matched through the hash, not by position. */
	{
		struct obj *big = calloc(5000, sizeof(*big));
		char (*names)[16] = calloc(5000, 16);
		size_t i;
		int bad = 0;

		for (i = 0; i < 5000; i++) {
			snprintf(names[i], 16, "if%zu", i);
			big[i] = (struct obj){ names[i], (int64_t)i + 1, 1, i, 0 };
		}
		mk(&t, big, 5000);
		CHECK_RC(nb_delta_step(d, &t, cols, NULL), 0);
		rm(&t);
		for (i = 0; i < 5000; i++)
			big[i].ctr = 2 * i;
		mk(&t, big + 2500, 2500);	/* another order: the second half first */
		CHECK_RC(nb_delta_step(d, &t, cols, NULL), 0);
		for (i = 0; i < 2500; i++)
			if (ctr(&t, i) != 2500 + i || nb_delta_state(d, i) != NB_DELTA_SAME)
				bad++;
		CHECK_EQ(bad, 0);
		rm(&t);
		free(big);
		free(names);
	}
	/* NB_DELTA_CLAMP: a counter that steps back reads 0, not its value. */
	{
		struct nb_delta *c = NULL;
		const struct obj up[] = { { "cpu", 0, 0, 500, 0 } }, back[] = { { "cpu", 0, 0, 499, 0 } };

		CHECK_RC(nb_delta_create(&c), 0);
		nb_delta_set_backwards(c, NB_DELTA_CLAMP);
		mk(&t, up, 1);
		CHECK_RC(nb_delta_step(c, &t, cols, NULL), 0);
		rm(&t);
		mk(&t, back, 1);
		CHECK_RC(nb_delta_step(c, &t, cols, NULL), 0);
		CHECK_EQ(ctr(&t, 0), 0);
		CHECK_EQ(nb_delta_state(c, 0), NB_DELTA_RESET);
		rm(&t);
		nb_delta_destroy(&c);
	}
	/* An empty table (nothing to follow) is no error. */
	memset(&t, 0, sizeof(t));
	t.rowsize = sizeof(struct row);
	t.ncols = 2;
	CHECK_RC(nb_delta_step(d, &t, cols, NULL), 0);
	CHECK_RC(nb_delta_step(d, &t, cols, NULL), 0);
	nb_delta_destroy(&d);
	CHECK_RC(nb_delta_create(&d), 0); /* ... from the first step on */
	CHECK_RC(nb_delta_step(d, &t, cols, NULL), 0);
	CHECK_RC(nb_delta_step(d, &t, cols, &t), 0);
	nb_delta_destroy(&d);
	CHECK(d == NULL);

	if (failures != 0) {
		fprintf(stderr, "test_delta: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_delta: ok (%d checks)\n", checks);
	return 0;
}
