/* SPDX-License-Identifier: BSD-2-Clause */
/* test_sim.c - the sim source: a seed and a number of changes give one configuration, run after run. */

/*
 * Each run opens the sim through a sysctl-tree handle (workers and traffic
 * running), waits until the control thread has made its `changes` and
 * stopped (net.sim.stats.changes, polled; a bounded wait, not a timing
 * check), then prints the configuration part of `net`: every leaf that is
 * neither a counter nor a gauge (interfaces and their state, addresses,
 * routes, capture descriptors with their interfaces, departed interfaces
 * but for the time they left), and the names of all leaves. Two runs with the same seed must print the same
 * text; another seed must print another.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nbsource/sim.h"
#include "nbstack/stack.h"
#include "sysctl-tree/sysctl.h"

#include "check.h"

#define NCHANGES 3000

struct text {
	char	*buf;
	size_t	 len;
	FILE	*f;
	unsigned leaves;
};

static int
config_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct text *t = arg;
	char name[NB_SYSCTL_NAMEMAX + 1], val[512];

	/* The sim's own statistics are traffic; a departure's time is the clock's. */
	if (e->ncomp >= 2 && strcmp(e->comp[1], "sim") == 0)
		return 0;
	if (e->ncomp == 4 && strcmp(e->comp[1], "interfaces_departed") == 0 &&
	    strcmp(e->comp[3], "departed") == 0)
		return 0;
	nb_sysctl_entry_name(e, name, sizeof(name));
	if ((e->val.flags & (NB_SYSCTL_F_COUNTER | NB_SYSCTL_F_GAUGE)) != 0) {
		fprintf(t->f, "%s\n", name);
	} else {
		nb_sysctl_value_format(&e->val, val, sizeof(val));
		fprintf(t->f, "%s = %s\n", name, val);
	}
	t->leaves++;
	return 0;
}

/* The configuration the sim leaves after NCHANGES changes with `seed`; NULL on error. */
static char *
run(unsigned seed, unsigned *leaves)
{
	struct nb_sysctl_opts o = { .backend = NB_SYSCTL_LOCAL, .source = "sim" };
	struct timespec ts = { 0, 10 * 1000000L };
	struct nb_sysctl_value v;
	struct nb_sysctl *h = NULL;
	struct text t = { 0 };
	char args[200];
	int i, error;

	snprintf(args, sizeof(args), "workers=2,ifaces=8,addrs=3,descs=6,rate=20000,churn=max,"
	    "changes=%u,seed=%u", NCHANGES, seed);
	o.source_args = args;
	if ((error = nb_sysctl_open(&o, &h)) != 0) {
		CHECK(error == 0, "nb_sysctl_open: %d", error);
		nb_sysctl_close(&h);
		return NULL;
	}
	memset(&v, 0, sizeof(v));
	for (i = 0; i < 6000; i++) {		/* 60 s at most */
		nb_sysctl_sample(h);
		if (nb_sysctl_get(h, "net.sim.stats.changes", 0, &v) != 0 || v.u >= NCHANGES)
			break;
		nanosleep(&ts, NULL);
	}
	CHECK_EQ(v.u, NCHANGES);
	nb_sysctl_sample(h);
	if ((t.f = open_memstream(&t.buf, &t.len)) == NULL) {
		nb_sysctl_close(&h);
		return NULL;
	}
	CHECK_RC(nb_sysctl_walk(h, "net", 0, config_cb, &t), 0);
	fclose(t.f);
	CHECK_RC(nb_sysctl_get(h, "net.sim.stats.violations", 0, &v), 0);
	CHECK_EQ(v.u, 0);
	nb_sysctl_close(&h);
	*leaves = t.leaves;
	return t.buf;
}

/* The first line where a and b differ, for the failure message. */
static const char *
first_diff(const char *a, const char *b)
{
	const char *line = a;

	for (; *a != '\0' && *a == *b; a++, b++)
		if (*a == '\n')
			line = a + 1;
	return line;
}

/* An open that fails says why: through the source's errbuf, and through the handle. */
static void
open_errors(void)
{
	struct nb_sysctl_opts o = { .backend = NB_SYSCTL_LOCAL, .source = "sim", .source_args = "bogus=1" };
	struct nb_source_opts so = { .args = "ifaces=0" };
	struct nb_source *src = NULL;
	struct nb_stack *st = NULL;
	struct nb_sysctl *h = NULL;
	char err[256] = "stale";

	CHECK_RC(nb_sysctl_open(&o, &h), -EINVAL);
	CHECK(h != NULL && strcmp(nb_sysctl_errdetail(h), "sim: bogus=1: unknown option or out of range "
	    "(workers, ifaces, addrs, descs, rate, churn, duration, changes, seed, big_lock, bufsize)") == 0,
	    "%s", h != NULL ? nb_sysctl_errdetail(h) : "(no handle)");
	nb_sysctl_close(&h);

	CHECK_RC(nb_stack_create(NULL, &st), 0);
	so.errbuf = err;
	so.errlen = sizeof(err);
	CHECK(nb_source_open(st, &nb_source_sim_ops, &so, &src) < 0 && src == NULL);
	CHECK(strncmp(err, "sim: ifaces=0: ", 15) == 0, "%s", err);
	/* A source that opens leaves the buffer empty. */
	so.args = "workers=1,ifaces=2,churn=0";
	CHECK_RC(nb_source_open(st, &nb_source_sim_ops, &so, &src), 0);
	CHECK(err[0] == '\0', "%s", err);
	nb_source_close(&src);
	nb_stack_destroy(&st);
}

int
main(void)
{
	unsigned n1 = 0, n2 = 0, n3 = 0;
	char *a, *b, *c;

	open_errors();
	a = run(7, &n1);
	b = run(7, &n2);
	c = run(8, &n3);
	CHECK(a != NULL && b != NULL && c != NULL);
	if (a != NULL && b != NULL && c != NULL) {
		CHECK(n1 > 100, "%u leaves", n1);
		CHECK(strstr(a, "net.route.") != NULL && strstr(a, "net.bpf.peers.") != NULL);
		CHECK(strcmp(a, b) == 0, "seed 7 twice differs at: %.200s", first_diff(a, b));
		CHECK_EQ(n1, n2);
		CHECK(strcmp(a, c) != 0, "seeds 7 and 8 left the same configuration");
	}
	free(a);
	free(b);
	free(c);
	printf("test_sim: %d checks, %d failed\n", checks, failures);
	return failures == 0 ? 0 : 1;
}
