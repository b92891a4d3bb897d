/* SPDX-License-Identifier: BSD-2-Clause */
/* test_mcast.c - multicast memberships: nb_mcast_set and the linux source's /proc/net/{igmp,igmp6,dev_mcast} readers on fixture roots. */
/*
 * The stack gets three interfaces by the Writer API (indexes 1, 2 and 4,
 * as in the fixtures); the linux source, opened on a fixture root, is
 * refreshed for NB_FAM_MCAST only (procfs, no netlink). The expected
 * entries below were read off tests/fixtures/good/proc/net/{igmp,igmp6,
 * dev_mcast} by hand. bad-mcast has a malformed igmp6: the refresh fails
 * with -EINVAL naming file and line, and the lists stay as they were.
 * mcast-empty has no memberships (empty igmp6 and dev_mcast are valid).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nbsource/linux.h"
#include "nbstack/stack.h"

#include "check.h"

static const char *fixtures;

struct collect {
	char	text[2048];
};

static int
collect_cb(const struct nb_mcastattrs *m, void *arg)
{
	struct collect *c = arg;
	char a[INET6_ADDRSTRLEN + 3 * NB_LLADDR_MAX];
	size_t i, len = strlen(c->text);

	if (m->family == AF_PACKET) {
		a[0] = '\0';
		for (i = 0; i < m->addr_len; i++)
			sprintf(a + 3 * i, "%02x%s", m->addr[i], i + 1 < m->addr_len ? ":" : "");
	} else {
		inet_ntop(m->family, m->addr, a, sizeof(a));
	}
	snprintf(c->text + len, sizeof(c->text) - len, "%s%s/%u",
	    len > 0 ? " " : "", a, m->users);
	return 0;
}

/* The memberships of interface `index` as "addr/users ..." into c. */
static void
list_of(struct nb_stack *st, uint32_t index, struct collect *c)
{
	const struct nb_iface *ifp;
	struct nb_read rd;

	c->text[0] = '\0';
	nb_read_enter(st, &rd);
	if ((ifp = nb_if_lookup_index(&rd, index)) != NULL)
		nb_iface_mcast_walk(&rd, ifp, collect_cb, c);
	else
		snprintf(c->text, sizeof(c->text), "(no interface %u)", index);
	nb_read_exit(&rd);
}

static void
expect(struct nb_stack *st, uint32_t index, const char *want)
{
	struct collect c;

	list_of(st, index, &c);
	CHECK(strcmp(c.text, want) == 0, "ifindex %u: got \"%s\", want \"%s\"", index, c.text, want);
}

static void
add_if(struct nb_stack *st, uint32_t index, const char *name)
{
	struct nb_ifattrs a;

	memset(&a, 0, sizeof(a));
	a.index = index;
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.mtu = 1500;
	CHECK_RC(nb_if_upsert(st, &a, NULL), 0);
}

static void
test_api(struct nb_stack *st)
{
	struct nb_mcastattrs m[2];

	memset(m, 0, sizeof(m));
	m[0].family = AF_INET;
	m[0].addr_len = 4;
	m[0].users = 3;
	inet_pton(AF_INET, "239.1.2.3", m[0].addr);
	m[1] = m[0];
	inet_pton(AF_INET, "224.0.0.251", m[1].addr);
	m[1].users = 1;
	CHECK_RC(nb_mcast_set(st, 1, AF_INET, m, 2), 0);
	expect(st, 1, "239.1.2.3/3 224.0.0.251/1");
	CHECK_RC(nb_mcast_set(st, 1, AF_INET, m, 2), 0);	/* unchanged */
	CHECK_RC(nb_mcast_set(st, 1, AF_INET, &m[1], 1), 0);
	expect(st, 1, "224.0.0.251/1");
	CHECK_RC(nb_mcast_set(st, 99, AF_INET, m, 1), -ENOENT);
	CHECK_RC(nb_mcast_set(st, 1, AF_UNIX, m, 1), -EAFNOSUPPORT);
	CHECK_RC(nb_mcast_set(st, 1, AF_INET6, m, 1), -EINVAL);	/* entry of another family */
	m[0].addr_len = 16;
	CHECK_RC(nb_mcast_set(st, 1, AF_INET, m, 1), -EINVAL);	/* bad length */
	CHECK_RC(nb_mcast_set(st, 1, AF_INET, NULL, 0), 0);
	expect(st, 1, "");
}

static int
open_src(struct nb_stack *st, const char *root, struct nb_source **src)
{
	struct nb_source_opts o = { .root = root };

	return nb_source_open(st, &nb_source_linux_ops, &o, src);
}

int
main(void)
{
	struct nb_stack *st = NULL;
	struct nb_source *src = NULL;
	char good[1024], bad[1024];
	const char *err;
	int rc;

	if ((fixtures = getenv("NBSTAT_TEST_FIXTURES")) == NULL)
		fixtures = "tests/fixtures";
	snprintf(good, sizeof(good), "%s/good", fixtures);
	snprintf(bad, sizeof(bad), "%s/bad-mcast", fixtures);
	CHECK_RC(nb_stack_create(NULL, &st), 0);
	if (st == NULL)
		return 1;
	add_if(st, 1, "lo");
	add_if(st, 2, "eth0");
	add_if(st, 4, "veth-long-name");
	add_if(st, 5, "quiet0");
	test_api(st);

	CHECK_RC(open_src(st, good, &src), 0);
	rc = nb_source_refresh(src, NB_FAM_MCAST);
	CHECK(rc == 0, "refresh(MCAST) on good: %d %s", rc, nb_source_error(src));
	expect(st, 1, "224.0.0.1/1 ff02::1/1");
	expect(st, 2, "224.0.0.251/2 224.0.0.1/1 ff02::1:ff00:2/1 ff02::1/1 "
	    "33:33:00:00:00:01/1 01:00:5e:00:00:fb/2");
	expect(st, 4, "224.0.0.5/1 ff05::1:3/3 33:33:ff:00:00:02/1");
	expect(st, 5, "");
	nb_source_close(&src);

	/* a malformed igmp6: an error naming file and line; nothing changes */
	CHECK_RC(open_src(st, bad, &src), 0);
	rc = nb_source_refresh(src, NB_FAM_MCAST);
	err = nb_source_error(src);
	CHECK(rc == -EINVAL, "refresh(MCAST) on bad-mcast: %d", rc);
	CHECK(strstr(err, "/proc/net/igmp6: line 2: ") != NULL && strstr(err, "zz01") != NULL,
	    "detail: %s", err);
	expect(st, 2, "224.0.0.251/2 224.0.0.1/1 ff02::1:ff00:2/1 ff02::1/1 "
	    "33:33:00:00:00:01/1 01:00:5e:00:00:fb/2");
	nb_source_close(&src);

	/* mcast-empty: igmp with its header only, igmp6 and dev_mcast empty
	 * (a namespace with only lo down): no error, every list emptied */
	snprintf(bad, sizeof(bad), "%s/mcast-empty", fixtures);
	CHECK_RC(open_src(st, bad, &src), 0);
	rc = nb_source_refresh(src, NB_FAM_MCAST);
	CHECK(rc == 0, "refresh(MCAST) on mcast-empty: %d %s", rc, nb_source_error(src));
	expect(st, 1, "");
	expect(st, 2, "");
	expect(st, 4, "");
	nb_source_close(&src);

	/* an interface that leaves takes its lists along (ASan: nothing leaks) */
	CHECK_RC(open_src(st, good, &src), 0);
	CHECK_RC(nb_source_refresh(src, NB_FAM_MCAST), 0);
	nb_source_close(&src);
	CHECK_RC(nb_if_delete(st, 4, NULL), 0);
	nb_stack_destroy(&st);
	if (failures != 0)
		fprintf(stderr, "%d of %d check(s) failed\n", failures, checks);
	else
		printf("ok (%d checks)\n", checks);
	return failures != 0 ? 1 : 0;
}
