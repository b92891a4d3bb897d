/* SPDX-License-Identifier: BSD-2-Clause */
/* bench_source_linux.c - in-process cost of the linux source's refresh vs the bare kernel dumps. */
/*
 * Usage: bench_source_linux [-n RUNS]     (run it in the namespace to measure:
 *                                          ip netns exec NS bench_source_linux)
 *
 * Prints medians (and min/max) of RUNS runs, in milliseconds:
 *   kernel floor: each netlink dump read and discarded (no parsing, no stack)
 *   cold refresh: LINKS|ADDRS|IFSTATS into an empty stack (RUNS fresh stacks),
 *   and the nb_stack_destroy of such a filled stack
 *   refresh LINKS|ADDRS|IFSTATS, and each family alone, into the filled stack
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "nbsource/linux.h"
#include "nbstack/stack.h"

#define BUFSZ	(64 << 10)

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *what, double *t, int n, const char *extra)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("%-34s median %8.3f ms  (min %8.3f, max %8.3f)  %s\n", what, t[n / 2], t[0],
	    t[n - 1], extra != NULL ? extra : "");
}

/* One dump read and thrown away: bytes and messages in *bytes / *msgs. */
static int
raw_dump(struct nl_sock *sk, uint8_t *buf, int type, size_t *bytes, size_t *msgs)
{
	struct nl_msg *req;
	struct nlmsghdr *h;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
	struct if_stats_msg ism = { .family = AF_UNSPEC,
	    .filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64) };
	ssize_t n;
	size_t len;
	int error = 0;

	*bytes = *msgs = 0;
	if ((req = nlmsg_alloc_simple(type, NLM_F_DUMP)) == NULL)
		return -ENOMEM;
	if (type == RTM_GETLINK)
		error = nlmsg_append(req, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
		    nla_put_u32(req, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0;
	else if (type == RTM_GETADDR)
		error = nlmsg_append(req, &ifa, sizeof(ifa), NLMSG_ALIGNTO) < 0;
	else
		error = nlmsg_append(req, &ism, sizeof(ism), NLMSG_ALIGNTO) < 0;
	if (error != 0 || nl_send_auto(sk, req) < 0) {
		error = -EIO;
		goto out;
	}
	for (;;) {
		if ((n = recv(nl_socket_get_fd(sk), buf, BUFSZ, 0)) < 0) {
			error = -errno;
			goto out;
		}
		*bytes += (size_t)n;
		len = (size_t)n;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE)
				goto out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				error = -EIO;
				goto out;
			}
			(*msgs)++;
		}
	}
out:
	nlmsg_free(req);
	return error;
}

int
main(int argc, char **argv)
{
	static const struct { const char *name; int type; } dumps[] = {
		{ "kernel RTM_GETLINK (skip stats)", RTM_GETLINK },
		{ "kernel RTM_GETADDR", RTM_GETADDR },
		{ "kernel RTM_GETSTATS (LINK_64)", RTM_GETSTATS },
	};
	static const struct { const char *name; unsigned fams; } fams[] = {
		{ "refresh LINKS|ADDRS|IFSTATS", NB_FAM_LINKS | NB_FAM_ADDRS | NB_FAM_IFSTATS },
		{ "refresh LINKS", NB_FAM_LINKS },
		{ "refresh ADDRS", NB_FAM_ADDRS },
		{ "refresh IFSTATS", NB_FAM_IFSTATS },
	};
	struct nb_stack *st = NULL;
	struct nb_source *src = NULL;
	struct nl_sock *sk = NULL;
	struct nb_read rd;
	uint8_t *buf = NULL;
	double *t = NULL, *d = NULL, t0;
	size_t bytes, msgs, i;
	char extra[96];
	int runs = 21, c, r, error, rc = 1;

	while ((c = getopt(argc, argv, "n:")) != -1) {
		switch (c) {
		case 'n':
			runs = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: bench_source_linux [-n RUNS]\n");
			return 2;
		}
	}
	if (runs < 1)
		runs = 1;
	if ((t = calloc((size_t)runs, sizeof(*t))) == NULL || (buf = malloc(BUFSZ)) == NULL ||
	    (sk = nl_socket_alloc()) == NULL || nl_connect(sk, NETLINK_ROUTE) < 0) {
		fprintf(stderr, "bench_source_linux: netlink socket failed\n");
		goto out;
	}
	nl_socket_disable_auto_ack(sk);
	for (i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
		for (r = 0; r < runs; r++) {
			t0 = now_ms();
			if ((error = raw_dump(sk, buf, dumps[i].type, &bytes, &msgs)) != 0) {
				fprintf(stderr, "bench_source_linux: %s: %s\n", dumps[i].name,
				    strerror(-error));
				goto out;
			}
			t[r] = now_ms() - t0;
		}
		snprintf(extra, sizeof(extra), "%zu msgs, %zu bytes", msgs, bytes);
		report(dumps[i].name, t, runs, extra);
	}

	if ((error = nb_stack_create(NULL, &st)) != 0 ||
	    (error = nb_source_open(st, &nb_source_linux_ops, NULL, &src)) != 0) {
		fprintf(stderr, "bench_source_linux: open: %s\n", strerror(-error));
		goto out;
	}
	/* Cold: a fresh stack and source per run; the last one stays for the rest. */
	if ((d = calloc((size_t)runs, sizeof(*d))) == NULL)
		goto out;
	for (r = 0; r < runs; r++) {
		if (r > 0) {
			nb_source_close(&src);
			t0 = now_ms();
			nb_stack_destroy(&st);
			d[r - 1] = now_ms() - t0;
			if ((error = nb_stack_create(NULL, &st)) != 0 ||
			    (error = nb_source_open(st, &nb_source_linux_ops, NULL, &src)) != 0) {
				fprintf(stderr, "bench_source_linux: open: %s\n", strerror(-error));
				goto out;
			}
		}
		t0 = now_ms();
		if ((error = nb_source_refresh(src, fams[0].fams)) != 0) {
			fprintf(stderr, "bench_source_linux: refresh: %s\n", nb_source_error(src));
			goto out;
		}
		t[r] = now_ms() - t0;
	}
	nb_read_enter(st, &rd);
	snprintf(extra, sizeof(extra), "%zu links, %zu addresses", nb_if_count(&rd),
	    nb_addr_count(&rd));
	nb_read_exit(&rd);
	report("cold refresh LINKS|ADDRS|IFSTATS", t, runs, extra);
	if (runs > 1)
		report("destroy of a filled stack", d, runs - 1, NULL);
	for (i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		for (r = 0; r < runs; r++) {
			t0 = now_ms();
			if ((error = nb_source_refresh(src, fams[i].fams)) != 0) {
				fprintf(stderr, "bench_source_linux: %s: %s\n", fams[i].name,
				    nb_source_error(src));
				goto out;
			}
			t[r] = now_ms() - t0;
		}
		report(fams[i].name, t, runs, NULL);
	}
	rc = 0;
out:
	nb_source_close(&src);
	if (st != NULL)
		nb_stack_destroy(&st);
	if (sk != NULL)
		nl_socket_free(sk);
	free(buf);
	free(t);
	free(d);
	return rc;
}
