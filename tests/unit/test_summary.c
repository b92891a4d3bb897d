/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_summary.c - nb_summer (--summary): the average is what moved over
 * the time the intervals cover (not the mean of the rates), minimum and
 * maximum of the per-interval rates, the 95th percentile by nearest rank;
 * series kept apart by key; bad intervals refused; an unknown key -ENOENT.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nbtool/nbtool.h"

#include "check.h"

#define SEC 1000000000LL

static bool
near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(1.0, fabs(b));
}

int
main(void)
{
	struct nb_summer *s = NULL;
	struct nb_summary su;
	char key[32];

	CHECK_RC(nb_summer_create(&s), 0);
	/* eth0: 100 in 1 s, then 300 in 3 s, then 0 in 1 s: rates 100, 100, 0. */
	CHECK_RC(nb_summer_add(s, "eth0/ibytes", 100, SEC), 0);
	CHECK_RC(nb_summer_add(s, "eth0/ibytes", 300, 3 * SEC), 0);
	CHECK_RC(nb_summer_add(s, "eth0/ibytes", 0, SEC), 0);
	CHECK_RC(nb_summer_get(s, "eth0/ibytes", &su), 0);
	CHECK(near(su.avg, 400.0 / 5.0), "%g", su.avg);
	CHECK(near(su.min, 0) && near(su.max, 100), "%g %g", su.min, su.max);
	CHECK(near(su.p95, 100), "%g", su.p95);
	CHECK(near(su.total, 400) && near(su.seconds, 5), "%g %g", su.total, su.seconds);
	CHECK_EQ(su.n, 3);

	/* 1..40 per second in 40 intervals of 1 s (added out of order):
	 * nearest rank of 95% of 40 is the 38th smallest, 38. */
	for (int i = 40; i >= 1; i--)
		CHECK_RC(nb_summer_add(s, "lo/opackets", (double)i, SEC), 0);
	CHECK_RC(nb_summer_get(s, "lo/opackets", &su), 0);
	CHECK(near(su.p95, 38), "%g", su.p95);
	CHECK(near(su.avg, 20.5) && near(su.min, 1) && near(su.max, 40), "%g %g %g", su.avg,
	    su.min, su.max);
	/* Adding after a get: sorted again. */
	CHECK_RC(nb_summer_add(s, "lo/opackets", 1000, SEC), 0);
	CHECK_RC(nb_summer_get(s, "lo/opackets", &su), 0);
	CHECK(near(su.max, 1000) && near(su.p95, 39), "%g %g", su.max, su.p95);
	/* One interval: every figure is its rate. */
	CHECK_RC(nb_summer_add(s, "one", 5, 2 * SEC), 0);
	CHECK_RC(nb_summer_get(s, "one", &su), 0);
	CHECK(near(su.avg, 2.5) && near(su.min, 2.5) && near(su.max, 2.5) && near(su.p95, 2.5));
	/* eth0 is untouched by the others. */
	CHECK_RC(nb_summer_get(s, "eth0/ibytes", &su), 0);
	CHECK_EQ(su.n, 3);
	/* Many series: the table grows, each keeps its own. */
	for (int i = 0; i < 500; i++) {
		snprintf(key, sizeof(key), "if%d", i);
		CHECK_RC(nb_summer_add(s, key, (double)i, SEC), 0);
	}
	for (int i = 0; i < 500; i += 97) {
		snprintf(key, sizeof(key), "if%d", i);
		CHECK_RC(nb_summer_get(s, key, &su), 0);
		CHECK(near(su.avg, i), "%s %g", key, su.avg);
	}
	CHECK_RC(nb_summer_add(s, "bad", 1, 0), -EINVAL);
	CHECK_RC(nb_summer_add(s, "bad", NAN, SEC), -EINVAL);
	CHECK_RC(nb_summer_get(s, "bad", &su), -ENOENT);
	CHECK_RC(nb_summer_get(s, "nothing", &su), -ENOENT);
	nb_summer_destroy(&s);
	CHECK(s == NULL);
	printf("test_summary: %d checks, %d failures\n", checks, failures);
	return failures != 0;
}
