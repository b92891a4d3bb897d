/* SPDX-License-Identifier: BSD-2-Clause */
/* test_events.c - the event log: libstack's queue, the history file's event table, a recorder's events replayed. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sqlite3.h>

#include "nbhistory/history.h"
#include "nbstack/stack.h"
#include "sysctl-tree/sysctl.h"

#include "check.h"

static char dir[] = "/tmp/test_events.XXXXXX";

static const char *
tpath(const char *name)
{
	static char buf[4][256];
	static unsigned k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static void
sq_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql,
	    msg != NULL ? msg : "");
	sqlite3_free(msg);
	sqlite3_close(db);
}

static void
setif(struct nb_stack *st, uint32_t index, const char *name, uint32_t flags)
{
	struct nb_ifattrs a;

	memset(&a, 0, sizeof(a));
	a.index = index;
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.type = 1;
	a.flags = flags;
	a.mtu = 1500;
	CHECK_RC(nb_if_upsert(st, &a, NULL), 0);
}

static void
addr(struct nb_stack *st, uint32_t ifindex, const char *text, int plen, bool add)
{
	struct nb_addrattrs a;

	memset(&a, 0, sizeof(a));
	a.ifindex = ifindex;
	a.family = AF_INET;
	a.prefixlen = (uint8_t)plen;
	CHECK(inet_pton(AF_INET, text, a.addr) == 1);
	a.valid_lft = a.preferred_lft = UINT32_MAX;
	if (add)
		CHECK_RC(nb_addr_add(st, &a), 0);
	else
		CHECK_RC(nb_addr_del(st, &a), 0);
}

#define UP 0x1u
#define LOWER 0x10000u

/* libstack: nothing logged while off; each change once, in order, with its own time. */
static void
test_stack_log(void)
{
	static const struct {
		unsigned kind;
		const char *ifname, *detail;
	} want[] = {
		{ NB_EV_IF_CREATED, "e1", "" },
		{ NB_EV_LINK_UP, "e1", "" },
		{ NB_EV_CARRIER_ON, "e1", "" },
		{ NB_EV_LINK_DOWN, "e1", "" },
		{ NB_EV_CARRIER_OFF, "e1", "" },
		{ NB_EV_IF_RENAMED, "e2", "from e1" },
		{ NB_EV_ADDR_ADDED, "e2", "192.0.2.7/24" },
		{ NB_EV_ADDR_REMOVED, "e2", "192.0.2.7/24" },
		{ NB_EV_ROUTE_ADDED, "e2", "198.51.100.0/24 via 192.0.2.1" },
		{ NB_EV_ROUTE_REMOVED, "e2", "198.51.100.0/24 via 192.0.2.1" },
		{ NB_EV_NEIGH_STATE, "e2", "192.0.2.1 reachable" },
		{ NB_EV_NEIGH_STATE, "e2", "192.0.2.1 stale" },
		{ NB_EV_NEIGH_REMOVED, "e2", "192.0.2.1" },
		{ NB_EV_IF_DELETED, "e2", "" },
	};
	struct nb_event ev[32];
	struct nb_routeattrs rt;
	struct nb_neighattrs ne;
	struct nb_stack *st = NULL;
	uint64_t lost = 99;
	size_t n, i;

	CHECK_RC(nb_stack_create(NULL, &st), 0);
	setif(st, 1, "lo", UP | LOWER);
	CHECK_EQ(nb_events_take(st, ev, 32, &lost), 0); /* off: nothing */
	CHECK_EQ(lost, 0);
	CHECK_RC(nb_events_enable(st, 64), 0);
	setif(st, 5, "e1", 0);
	setif(st, 5, "e1", UP | LOWER);
	setif(st, 5, "e1", UP | LOWER); /* no change: no event */
	setif(st, 5, "e1", 0);
	setif(st, 5, "e2", 0);
	addr(st, 5, "192.0.2.7", 24, true);
	addr(st, 5, "192.0.2.7", 24, false);
	memset(&rt, 0, sizeof(rt));
	rt.family = AF_INET;
	rt.dst_len = 24;
	rt.table = 254;
	rt.type = 1;
	rt.oif = 5;
	rt.has_gw = 1;
	rt.nhops = 1;
	CHECK(inet_pton(AF_INET, "198.51.100.0", rt.dst) == 1);
	CHECK(inet_pton(AF_INET, "192.0.2.1", rt.gw) == 1);
	CHECK_RC(nb_route_upsert(st, &rt), 0);
	CHECK_RC(nb_route_delete(st, &rt), 0);
	rt.table = 255; /* the local table: the address says it */
	CHECK_RC(nb_route_upsert(st, &rt), 0);
	memset(&ne, 0, sizeof(ne));
	ne.family = AF_INET;
	ne.ifindex = 5;
	ne.state = 0x02; /* NUD_REACHABLE */
	CHECK(inet_pton(AF_INET, "192.0.2.1", ne.dst) == 1);
	CHECK_RC(nb_neigh_upsert(st, &ne), 0);
	ne.flags = 1; /* same state: no event */
	CHECK_RC(nb_neigh_upsert(st, &ne), 0);
	ne.state = 0x04; /* NUD_STALE */
	CHECK_RC(nb_neigh_upsert(st, &ne), 0);
	CHECK_RC(nb_neigh_delete(st, &ne), 0);
	CHECK_RC(nb_if_delete(st, 5, NULL), 0);
	n = nb_events_take(st, ev, 32, &lost);
	CHECK_EQ(n, sizeof(want) / sizeof(want[0]));
	CHECK_EQ(lost, 0);
	for (i = 0; i < n && i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK_EQ(ev[i].kind, want[i].kind);
		CHECK(strcmp(ev[i].ifname, want[i].ifname) == 0, "%zu: %s", i, ev[i].ifname);
		CHECK(strcmp(ev[i].detail, want[i].detail) == 0, "%zu: %s", i, ev[i].detail);
		CHECK_EQ(ev[i].ifindex, 5);
		CHECK(i == 0 || (ev[i].seq == ev[i - 1].seq + 1 && ev[i].t_ns >= ev[i - 1].t_ns));
	}
	CHECK(strcmp(nb_event_kind_name(NB_EV_LINK_DOWN), "link down") == 0);
	CHECK(nb_event_kind_name(NB_EV_KIND_MAX) == NULL);
	CHECK_EQ(nb_events_take(st, ev, 32, NULL), 0); /* taken: gone */

	/* A full queue drops its oldest and says how many. */
	CHECK_RC(nb_events_enable(st, 3), 0);
	for (i = 0; i < 5; i++)
		setif(st, 1, "lo", i % 2 ? UP | LOWER : UP); /* carrier off, on, off, on, off */
	n = nb_events_take(st, ev, 32, &lost);
	CHECK_EQ(n, 3);
	CHECK_EQ(lost, 2);
	CHECK_EQ(ev[0].kind, NB_EV_CARRIER_OFF); /* the third change on */
	CHECK_EQ(ev[1].kind, NB_EV_CARRIER_ON);
	CHECK_EQ(ev[2].kind, NB_EV_CARRIER_OFF);
	CHECK_RC(nb_events_enable(st, 0), 0); /* off again */
	setif(st, 1, "lo", UP);
	CHECK_EQ(nb_events_take(st, ev, 32, &lost), 0);
	CHECK_EQ(lost, 0);
	nb_stack_destroy(&st);
}

/* Writers post from their threads while one consumer takes: nothing lost or doubled. */
#define TOGGLES 3000

struct toggler {
	struct nb_stack *st;
	uint32_t index;
	char name[8];
};

static void *
toggle_main(void *arg)
{
	struct toggler *t = arg;
	unsigned i;

	for (i = 0; i < TOGGLES; i++)
		setif(t->st, t->index, t->name, i % 2 ? UP : 0);
	nb_thread_unregister();
	return NULL;
}

static void
test_concurrent(void)
{
	struct toggler tg[2];
	pthread_t tid[2];
	struct nb_event ev[256];
	struct nb_stack *st = NULL;
	uint64_t lost, nlost = 0, last = 0, n = 0, per[2] = { 0, 0 };
	int64_t lastt = 0;
	unsigned i, live = 2;
	size_t k, j;
	bool ordered = true;

	CHECK_RC(nb_stack_create(NULL, &st), 0);
	for (i = 0; i < 2; i++) {
		tg[i].st = st;
		tg[i].index = 10 + i;
		snprintf(tg[i].name, sizeof(tg[i].name), "t%u", i);
		setif(st, tg[i].index, tg[i].name, UP);
	}
	CHECK_RC(nb_events_enable(st, 512), 0); /* small: some are lost */
	for (i = 0; i < 2; i++)
		CHECK(pthread_create(&tid[i], NULL, toggle_main, &tg[i]) == 0);
	for (;;) {
		k = nb_events_take(st, ev, 256, &lost);
		nlost += lost;
		for (j = 0; j < k; j++) {
			ordered = ordered && ev[j].seq > last && ev[j].t_ns >= lastt;
			last = ev[j].seq;
			lastt = ev[j].t_ns;
			per[ev[j].ifindex - 10]++;
		}
		n += k;
		if (live == 0 && k == 0)
			break;
		if (live > 0 && n + nlost >= 2 * TOGGLES) {
			for (i = 0; i < 2; i++)
				pthread_join(tid[i], NULL);
			live = 0;
		}
	}
	CHECK(ordered);
	CHECK_EQ(n + nlost, 2 * TOGGLES); /* each toggle one link event */
	CHECK_EQ(last, 2 * TOGGLES);
	CHECK(per[0] <= TOGGLES && per[1] <= TOGGLES);
	nb_stack_destroy(&st);
}

struct got {
	struct nbh_event ev[16];
	char text[16][3][64];
	size_t n;
};

static int
got_cb(const struct nbh_event *ev, void *arg)
{
	struct got *g = arg;

	if (g->n >= 16)
		return -E2BIG;
	g->ev[g->n] = *ev;
	snprintf(g->text[g->n][0], 64, "%s", ev->object);
	snprintf(g->text[g->n][1], 64, "%s", ev->what);
	snprintf(g->text[g->n][2], 64, "%s", ev->detail);
	g->n++;
	return 0;
}

/* The history file: events alone or with a sample, read by time; damage; retention; old files. */
static void
test_store(void)
{
	const struct nbh_event a[] = {
		{ 1000, "eth0", 2, "link down", "" },
		{ 2000, "eth0", 2, "link up", "" },
		{ 3000, "", 0, "events lost", "7" },
	};
	const struct nbh_event b[] = { { 1500, "br\xc3\xa9", 9, "address added", "10.0.0.1/8" } };
	struct nbh_writer_opts wo = { 0 };
	struct nbh_sample_info si = { 0 };
	struct nbh_writer *w = NULL;
	struct nbh_reader *r = NULL;
	const char *db = tpath("store.db");
	struct got g = { 0 };

	CHECK_RC(nbh_writer_open(db, &wo, &w, NULL, 0), 0);
	CHECK_RC(nbh_writer_events(w, a, 3), 0); /* a transaction of their own */
	CHECK_RC(nbh_writer_add(w, "x", 1, 2, 0, "x", 1, NULL, 0), 0);
	CHECK_RC(nbh_writer_events(w, b, 1), 0); /* inside the sample's */
	si.t_ns = 5000;
	si.source = "test";
	CHECK_RC(nbh_writer_commit(w, &si), 0);
	CHECK_RC(nbh_writer_add(w, "x", 1, 2, 0, "x", 2, NULL, 0), 0);
	CHECK_RC(nbh_writer_events(w, b, 1), 0);
	nbh_writer_abort(w); /* dropped with its sample */
	nbh_writer_close(&w);

	CHECK_RC(nbh_reader_open(db, &r, NULL, 0), 0);
	CHECK_RC(nbh_reader_events(r, INT64_MIN, INT64_MAX, got_cb, &g), 0);
	CHECK_EQ(g.n, 4);
	if (g.n == 4) {
		CHECK_EQ(g.ev[0].t_ns, 1000);
		CHECK_EQ(g.ev[1].t_ns, 1500); /* by time, not by row */
		CHECK(strcmp(g.text[1][0], "br\xc3\xa9") == 0);
		CHECK(strcmp(g.text[1][2], "10.0.0.1/8") == 0);
		CHECK_EQ(g.ev[1].ifindex, 9);
		CHECK(strcmp(g.text[2][1], "link up") == 0);
		CHECK(strcmp(g.text[3][1], "events lost") == 0 && strcmp(g.text[3][2], "7") == 0);
	}
	memset(&g, 0, sizeof(g));
	CHECK_RC(nbh_reader_events(r, 1500, 2000, got_cb, &g), 0); /* both ends in */
	CHECK_EQ(g.n, 2);
	nbh_reader_close(&r);

	/* A changed row is damage, named by its row. */
	sq_exec(db, "UPDATE event SET what = 'link up' WHERE t_ns = 1000");
	CHECK_RC(nbh_reader_open(db, &r, NULL, 0), 0);
	memset(&g, 0, sizeof(g));
	CHECK_RC(nbh_reader_events(r, INT64_MIN, INT64_MAX, got_cb, &g), NBH_ECORRUPT);
	CHECK(strstr(nbh_reader_error(r), "event row") != NULL, "%s", nbh_reader_error(r));
	nbh_reader_close(&r);

	/* Retention prunes events by time with the samples. */
	sq_exec(db, "UPDATE event SET what = 'link down' WHERE t_ns = 1000");
	wo.retain_ns = 6000;
	CHECK_RC(nbh_writer_open(db, &wo, &w, NULL, 0), 0);
	CHECK_RC(nbh_writer_add(w, "x", 1, 2, 0, "x", 3, NULL, 0), 0);
	si.t_ns = 8000;
	CHECK_RC(nbh_writer_commit(w, &si), 0);
	nbh_writer_close(&w);
	CHECK_RC(nbh_reader_open(db, &r, NULL, 0), 0);
	memset(&g, 0, sizeof(g));
	CHECK_RC(nbh_reader_events(r, INT64_MIN, INT64_MAX, got_cb, &g), 0);
	CHECK_EQ(g.n, 2); /* 2000 and 3000 kept */
	nbh_reader_close(&r);

	/* A file made before events: -ENOENT, said so. */
	sq_exec(db, "DROP VIEW events; DROP TABLE event; PRAGMA user_version = 5");
	CHECK_RC(nbh_reader_open(db, &r, NULL, 0), 0);
	CHECK_RC(nbh_reader_events(r, INT64_MIN, INT64_MAX, got_cb, &g), -ENOENT);
	CHECK(strstr(nbh_reader_error(r), "no events") != NULL, "%s", nbh_reader_error(r));
	nbh_reader_close(&r);
}

static int
walk_cb(const struct nb_sysctl_entry *e, void *arg)
{
	(void)e;
	(void)arg;
	return 0;
}

struct hev {
	char line[32][96];
	int64_t t[32];
	size_t n;
};

static int
hev_cb(const struct nb_sysctl_event *ev, void *arg)
{
	struct hev *h = arg;

	if (h->n >= 32)
		return -E2BIG;
	snprintf(h->line[h->n], sizeof(h->line[0]), "%s|%u|%s|%s", ev->object, ev->ifindex,
	    ev->what, ev->detail);
	h->t[h->n++] = ev->t_ns;
	return 0;
}

/*
 * A recorder over a hand-filled stack: the first sample logs nothing (the
 * load), changes between samples are written with the next one, and those
 * after the last sample at close. Replayed through the handle.
 */
static void
test_record(void)
{
	static const char *const want[] = {
		"v0|3|link down|",
		"v0|3|link up|",
		"v0|3|link down|",
		"v0|3|link up|",
		"v9|9|created|",
		"v9|9|address added|192.0.2.9/24",
		"v9|9|deleted|",
	};
	struct nb_sysctl_opts o = { 0 };
	struct nb_sysctl *h = NULL;
	struct nb_stack *st = NULL;
	const char *db = tpath("rec.db");
	struct hev got = { 0 };
	int64_t t1, t2;
	size_t i;

	CHECK_RC(nb_stack_create(NULL, &st), 0);
	setif(st, 1, "lo", UP);
	setif(st, 3, "v0", UP);
	CHECK_RC(nb_sysctl_open_stack(st, NULL, &h), 0);
	CHECK_RC(nb_sysctl_record_open(h, db, "test"), 0);
	CHECK_RC(nb_sysctl_walk(h, "net.interfaces", 0, walk_cb, NULL), 0);
	CHECK_RC(nb_sysctl_sample(h), 0); /* sample 1: the load */
	t1 = nb_sysctl_sample_time(h);
	setif(st, 3, "v0", 0);
	setif(st, 3, "v0", UP);
	setif(st, 3, "v0", 0);
	setif(st, 3, "v0", UP);
	CHECK_RC(nb_sysctl_walk(h, "net.interfaces", 0, walk_cb, NULL), 0);
	CHECK_RC(nb_sysctl_sample(h), 0); /* sample 2 */
	t2 = nb_sysctl_sample_time(h);
	setif(st, 9, "v9", 0);
	addr(st, 9, "192.0.2.9", 24, true);
	CHECK_RC(nb_if_delete(st, 9, NULL), 0);
	nb_sysctl_close(&h); /* after the last sample */
	nb_stack_destroy(&st);

	o.backend = NB_SYSCTL_REPLAY;
	o.replay_path = db;
	o.replay_at_ns = INT64_MAX;
	CHECK_RC(nb_sysctl_open(&o, &h), 0);
	if (h == NULL)
		return;
	CHECK_RC(nb_sysctl_events(h, INT64_MIN, INT64_MAX, hev_cb, &got), 0);
	CHECK_EQ(got.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < got.n && i < sizeof(want) / sizeof(want[0]); i++)
		CHECK(strcmp(got.line[i], want[i]) == 0, "%zu: %s", i, got.line[i]);
	for (i = 0; i < 4 && i < got.n; i++)
		CHECK(got.t[i] > t1 && got.t[i] < t2, "%zu", i); /* between the samples */
	memset(&got, 0, sizeof(got));
	CHECK_RC(nb_sysctl_events(h, t2, INT64_MAX, hev_cb, &got), 0);
	CHECK_EQ(got.n, 3);
	CHECK_RC(nb_sysctl_events(h, 2, 1, hev_cb, &got), -EINVAL);
	nb_sysctl_close(&h);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_stack_log();
	test_concurrent();
	test_store();
	test_record();
	if (failures == 0 && check_rmtree(dir) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	if (failures != 0) {
		fprintf(stderr, "%d failure(s) (files in %s)\n", failures, dir);
		return 1;
	}
	printf("test_events: ok\n");
	return 0;
}
