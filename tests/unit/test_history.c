/* SPDX-License-Identifier: BSD-2-Clause */
/* test_history.c - record a hand-filled stack through the handle, replay every sample, compare every node; bad files; migration; locking. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "nbhistory/history.h"
#include "nbstack/stack.h"
#include "sysctl-tree/sysctl.h"

#include "../../history/src/hist.h"

#include "check.h"

/* '-', '.', '\', '@', '#', UTF-8 and an invalid byte. */
static const char ODD[] = "-b.r\\@#\xc3\xa9\xff";

static char dir[] = "/tmp/test_history.XXXXXX";

static const char *
tpath(const char *name)
{
	static char buf[4][256];
	static unsigned k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

/* ---- one walk, as text ---- */

struct snap {
	char	*text;		/* one line per entry: name|type|flags|descr|value */
	size_t	 len, cap;
	unsigned n;
};

static int
snap_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct snap *s = arg;
	char name[NB_SYSCTL_NAMEMAX + 1], val[512], line[2048];
	struct nb_sysctl_value v = e->val;
	int len;

	nb_sysctl_entry_name(e, name, sizeof(name));
	v.percpu = NULL;		/* replay records totals */
	nb_sysctl_value_format(&v, val, sizeof(val));
	len = snprintf(line, sizeof(line), "%s|%d|%#x|%s|%s\n", name, e->val.type, e->val.flags,
	    e->descr, val);
	if (s->len + (size_t)len + 1 > s->cap) {
		s->cap = (s->cap + (size_t)len + 1) * 2;
		if ((s->text = realloc(s->text, s->cap)) == NULL)
			abort();
	}
	memcpy(s->text + s->len, line, (size_t)len + 1);
	s->len += (size_t)len;
	s->n++;
	return 0;
}

static int
snap_take(struct nb_sysctl *h, const char *name, unsigned fl, struct snap *s)
{
	s->len = 0;
	s->n = 0;
	if (s->text != NULL)
		s->text[0] = '\0';
	return nb_sysctl_walk(h, name, fl, snap_cb, s);
}

/* Descriptions of made-up ancestors are "": drop descriptions for an ancestor walk. */
static bool
snap_eq(const struct snap *a, const struct snap *b)
{
	return a->n == b->n && a->len == b->len && (a->len == 0 || strcmp(a->text, b->text) == 0);
}

/* ---- the stack ---- */

static void
mkif(struct nb_stack *st, uint32_t index, const char *name, const char *kind, uint8_t oper)
{
	struct nb_ifattrs a;

	memset(&a, 0, sizeof(a));
	a.index = index;
	snprintf(a.name, sizeof(a.name), "%s", name);
	snprintf(a.kind, sizeof(a.kind), "%s", kind);
	a.type = 1;
	a.flags = 0x1003;
	a.mtu = 1500;
	a.txqlen = 1000;
	a.operstate = oper;
	a.lladdr_len = 6;
	a.lladdr[0] = 2;
	a.lladdr[5] = (uint8_t)index;
	CHECK_RC(nb_if_upsert(st, &a, NULL), 0);
}

static void
mkaddr(struct nb_stack *st, uint32_t ifindex, int family, const char *addr, int plen)
{
	struct nb_addrattrs a;

	memset(&a, 0, sizeof(a));
	a.ifindex = ifindex;
	a.family = (uint8_t)family;
	a.prefixlen = (uint8_t)plen;
	CHECK(inet_pton(family, addr, a.addr) == 1);
	a.valid_lft = a.preferred_lft = UINT32_MAX;
	CHECK_RC(nb_addr_add(st, &a), 0);
}

/* Counter i of interface ix at sample k: busy, light, idle and huge ones. */
static uint64_t
ctr(uint32_t ix, unsigned k, unsigned i)
{
	switch (ix % 4) {
	case 0:
		return 0;
	case 1:
		return (uint64_t)k * (1000 + i * 37) + ix;
	case 2:
		return (uint64_t)k * k * 123456789ULL + i;
	default:
		return UINT64_MAX - (uint64_t)(200 - k) * 1000 - i;	/* near the top */
	}
}

static void
setstats(struct nb_stack *st, uint32_t ix, unsigned k, unsigned reset_at)
{
	uint64_t v[NB_IFSTAT_MAX];
	unsigned i;

	for (i = 0; i < NB_IFSTAT_MAX; i++)
		v[i] = k >= reset_at ? (k - reset_at) * 10 + i : ctr(ix, k, i);
	CHECK_RC(nb_if_stats_store(st, ix, NB_SLOT_SOURCE, v), 0);
}

/* ---- record, then replay every sample ---- */

#define NSAMPLES	130	/* crosses two keyframe boundaries (every 60) */
#define NIF		12

static const char *const names[] = {
	"", "net", "net.interfaces", "net.interfaces.if5", "net.interfaces.if5.stats",
	"net.interfaces.if5.stats.ibytes", "net.interfaces_departed", "net.interfaces.lo.addrs",
};
#define NNAMES	(sizeof(names) / sizeof(names[0]))
static const unsigned flagsets[] = {
	0, NB_SYSCTL_RD_NODES, NB_SYSCTL_RD_SHALLOW, NB_SYSCTL_RD_SHALLOW | NB_SYSCTL_RD_NODES,
	NB_SYSCTL_RD_NOVALUE | NB_SYSCTL_RD_NODES,
};
#define NFLAGS	(sizeof(flagsets) / sizeof(flagsets[0]))

struct live {
	struct snap s[NNAMES][NFLAGS];
	int	 rc[NNAMES][NFLAGS];
	char	*json;
};

static struct live lives[NSAMPLES];

static void
take_all(struct nb_sysctl *h, struct live *l)
{
	struct json_object *jo;
	size_t i, f;

	for (i = 0; i < NNAMES; i++)
		for (f = 0; f < NFLAGS; f++)
			l->rc[i][f] = snap_take(h, names[i], flagsets[f], &l->s[i][f]);
	CHECK_RC(nb_sysctl_json(h, "net.interfaces", 0, &jo), 0);
	l->json = strdup(json_object_to_json_string_ext(jo, JSON_C_TO_STRING_PLAIN));
	json_object_put(jo);
}

/* The mutation before sample k. */
static void
mutate(struct nb_stack *st, unsigned k)
{
	uint32_t ix;
	char nm[16];

	for (ix = 2; ix <= NIF; ix++)
		if (ix != 9 || k < 40 || k > 50)
			setstats(st, ix, k, ix == 6 ? 70 : 1000);	/* if6: counters reset at 70 */
	if (k == 20)
		mkif(st, 4, "if4", "bridge", 2);		/* a string changes */
	if (k == 40)
		CHECK_RC(nb_if_delete(st, 9, NULL), 0);	/* departs with final counters */
	if (k == 50) {
		mkif(st, 9, "if9", "veth", 6);		/* recreated: new generation */
		setstats(st, 9, 1, 1000);
	}
	if (k == 90) {
		snprintf(nm, sizeof(nm), "%s", ODD);
		mkif(st, NIF + 1, nm, "dummy", 6);		/* appears late */
		mkaddr(st, NIF + 1, AF_INET6, "fe80::1", 64);
	}
}

struct tlist {
	int64_t	 t[NSAMPLES + 8];
	unsigned n;
};

static int
tlist_cb(const struct nbh_sample_info *si, void *arg)
{
	struct tlist *tl = arg;

	if (tl->n < NSAMPLES + 8)
		tl->t[tl->n] = si->t_ns;
	tl->n++;
	return 0;
}

/* The first differing lines of two walks. */
static void
dump_diff(const char *a, const char *b)
{
	const char *ea, *eb;
	int shown = 0;

	a = a != NULL ? a : "";
	b = b != NULL ? b : "";
	while ((*a != '\0' || *b != '\0') && shown < 6) {
		ea = strchr(a, '\n');
		eb = strchr(b, '\n');
		ea = ea != NULL ? ea + 1 : a + strlen(a);
		eb = eb != NULL ? eb + 1 : b + strlen(b);
		if (ea - a != eb - b || memcmp(a, b, (size_t)(ea - a)) != 0) {
			fprintf(stderr, "  live:   %.*s  replay: %.*s", (int)(ea - a), a,
			    (int)(eb - b), b);
			shown++;
		}
		a = ea;
		b = eb;
	}
}

static void
compare_at(struct nb_sysctl *rh, unsigned k)
{
	struct snap s = { 0 };
	struct json_object *jo;
	size_t i, f;
	int rc;

	for (i = 0; i < NNAMES; i++) {
		for (f = 0; f < NFLAGS; f++) {
			rc = snap_take(rh, names[i], flagsets[f], &s);
			if (rc != lives[k].rc[i][f] || !snap_eq(&s, &lives[k].s[i][f])) {
				fprintf(stderr, "sample %u, \"%s\" flags %#x: rc %d/%d, %u/%u entries\n",
				    k, names[i], flagsets[f], lives[k].rc[i][f], rc,
				    lives[k].s[i][f].n, s.n);
				dump_diff(lives[k].s[i][f].text, s.text);
				CHECK(!"replayed walk differs from the live one");
				goto out;
			}
		}
	}
	CHECK_RC(nb_sysctl_json(rh, "net.interfaces", 0, &jo), 0);
	CHECK(strcmp(json_object_to_json_string_ext(jo, JSON_C_TO_STRING_PLAIN),
	    lives[k].json) == 0);
	json_object_put(jo);
out:
	free(s.text);
}

static void
test_record_replay(void)
{
	struct nb_stack *st = NULL;
	struct nb_sysctl *h = NULL, *rh = NULL;
	struct nb_sysctl_opts o = { 0 };
	struct nbh_reader *r = NULL;
	struct nb_sysctl_value v;
	struct tlist tl = { { 0 }, 0 };
	const char *db = tpath("rec.db");
	uint32_t ix;
	unsigned k;
	size_t i, f;
	char nm[16];

	CHECK_RC(nb_stack_create(NULL, &st), 0);
	mkif(st, 1, "lo", "", 0);
	mkaddr(st, 1, AF_INET, "127.0.0.1", 8);
	mkaddr(st, 1, AF_INET6, "::1", 128);
	for (ix = 2; ix <= NIF; ix++) {
		snprintf(nm, sizeof(nm), "if%u", ix);
		mkif(st, ix, nm, ix % 2 ? "veth" : "", 6);
	}
	CHECK_RC(nb_sysctl_open_stack(st, NULL, &h), 0);
	CHECK_RC(nb_sysctl_record_open(h, db, "test"), 0);
	CHECK_RC(nb_sysctl_record_open(h, db, "test"), -EALREADY);
	for (k = 0; k < NSAMPLES; k++) {
		mutate(st, k);
		/*
		 * Let deferred frees settle: stack.objects_freed is bumped by
		 * the reclaimer thread, and every walk of this sample must read
		 * the same value the recorder stores.
		 */
		nb_stack_barrier(st);
		take_all(h, &lives[k]);
		CHECK_RC(nb_sysctl_sample(h), 0);	/* writes sample k */
	}
	/* Nothing read since the last sample: close writes nothing more. */
	nb_sysctl_close(&h);

	CHECK_RC(nbh_reader_open(db, &r, NULL, 0), 0);
	CHECK_RC(nbh_reader_list(r, tlist_cb, &tl), 0);
	CHECK(tl.n == NSAMPLES);
	nbh_reader_close(&r);
	if (tl.n != NSAMPLES)
		goto out;

	/* --at: every sample, exactly at its time and just before the next one. */
	for (k = 0; k < NSAMPLES; k++) {
		o.backend = NB_SYSCTL_REPLAY;
		o.replay_path = db;
		o.replay_at_ns = k % 2 == 0 || k + 1 == NSAMPLES ? tl.t[k] : tl.t[k + 1] - 1;
		CHECK_RC(nb_sysctl_open(&o, &rh), 0);
		if (rh == NULL || nb_sysctl_sample_time(rh) != tl.t[k]) {
			CHECK(!"replay opened at the wrong sample");
			nb_sysctl_close(&rh);
			continue;
		}
		compare_at(rh, k);
		/* Per-CPU reads give the recorded totals. */
		CHECK_RC(nb_sysctl_get(rh, "net.interfaces.if5.stats.ibytes", NB_SYSCTL_RD_PERCPU, &v), 0);
		CHECK(v.u == ctr(5, k, NB_IFSTAT_IBYTES) && v.percpu == NULL);
		/* Nothing is writable in history. */
		CHECK_RC(nb_sysctl_write(rh, "net.interfaces.if5.mtu", "1400"), -EPERM);
		nb_sysctl_close(&rh);
	}

	/* Interval mode: from the first sample to the last, one step at a time. */
	o.replay_at_ns = tl.t[0] - 5;
	o.replay_to_ns = tl.t[NSAMPLES - 1];
	CHECK_RC(nb_sysctl_open(&o, &rh), 0);
	for (k = 0; rh != NULL && k < NSAMPLES; k++) {
		CHECK(nb_sysctl_sample_time(rh) == tl.t[k]);
		for (i = 0; i < NNAMES; i++) {
			struct snap s = { 0 };

			f = k % NFLAGS;
			CHECK_RC(snap_take(rh, names[i], flagsets[f], &s), lives[k].rc[i][f]);
			CHECK(snap_eq(&s, &lives[k].s[i][f]));
			free(s.text);
		}
		CHECK_RC(nb_sysctl_sample(rh), k + 1 < NSAMPLES ? 0 : -ENOENT);
	}
	nb_sysctl_close(&rh);
	/* A range that ends early stops early. */
	o.replay_at_ns = tl.t[10];
	o.replay_to_ns = tl.t[12];
	CHECK_RC(nb_sysctl_open(&o, &rh), 0);
	CHECK_RC(nb_sysctl_sample(rh), 0);
	CHECK_RC(nb_sysctl_sample(rh), 0);
	CHECK_RC(nb_sysctl_sample(rh), -ENOENT);
	nb_sysctl_close(&rh);

	/* Before the first sample: a distinct error with a detail. */
	o.replay_at_ns = tl.t[0] - 1;
	o.replay_to_ns = 0;
	CHECK_RC(nb_sysctl_open(&o, &rh), NBH_EBEFORE);
	CHECK(rh != NULL && strstr(nb_sysctl_errdetail(rh), "before the first sample") != NULL);
	nb_sysctl_close(&rh);
	/* After the last: the last sample, with a notice of its age. */
	o.replay_at_ns = tl.t[NSAMPLES - 1] + 1000000000LL * 3600;
	CHECK_RC(nb_sysctl_open(&o, &rh), 0);
	CHECK(rh != NULL && strstr(nb_sysctl_errdetail(rh), "after the last sample") != NULL);
	CHECK(rh != NULL && nb_sysctl_sample_time(rh) == tl.t[NSAMPLES - 1]);
	nb_sysctl_close(&rh);
	/* INT64_MAX: the last sample, no notice. */
	o.replay_at_ns = INT64_MAX;
	CHECK_RC(nb_sysctl_open(&o, &rh), 0);
	CHECK(rh != NULL && *nb_sysctl_errdetail(rh) == '\0');
	nb_sysctl_close(&rh);
out:
	for (k = 0; k < NSAMPLES; k++) {
		for (i = 0; i < NNAMES; i++)
			for (f = 0; f < NFLAGS; f++)
				free(lives[k].s[i][f].text);
		free(lives[k].json);
	}
	nb_stack_destroy(&st);
}

/* ---- the recorder's cache by position: what it must notice ---- */

static void sq_exec(const char *path, const char *sql);

/* Replay sample `at` of db: each of the names walks as text, equal to want[]. */
static void
replay_eq(const char *db, int64_t at, const char *const *subtrees, unsigned n,
    const struct snap *want, unsigned k)
{
	struct nb_sysctl_opts o = { 0 };
	struct nb_sysctl *rh = NULL;
	struct snap s = { 0 };
	unsigned i;

	o.backend = NB_SYSCTL_REPLAY;
	o.replay_path = db;
	o.replay_at_ns = at;
	o.replay_to_ns = 0;
	CHECK_RC(nb_sysctl_open(&o, &rh), 0);
	for (i = 0; rh != NULL && i < n; i++) {
		if (want[i].n == 0)
			continue;
		CHECK_RC(snap_take(rh, subtrees[i], 0, &s), 0);
		if (!snap_eq(&s, &want[i])) {
			fprintf(stderr, "sample %u, \"%s\": %u/%u entries\n", k, subtrees[i],
			    want[i].n, s.n);
			dump_diff(want[i].text, s.text);
			CHECK(!"replayed walk differs from the recorded one");
		}
	}
	free(s.text);
	nb_sysctl_close(&rh);
}

/* Make the commit of the next sample fail (a trigger on the sample table). */
static void
inject_fail(const char *db)
{
	sq_exec(db, "CREATE TABLE inject(x); CREATE TRIGGER inject BEFORE INSERT "
	    "ON sample BEGIN SELECT RAISE(ABORT, 'injected'); END");
}

/* Take a sample: with `failing` it must fail on the injected error (then gone), else succeed. */
static void
sample_expect(struct nb_sysctl *h, const char *db, bool failing)
{
	int rc = nb_sysctl_sample(h);

	if (failing) {
		CHECK(rc < 0 && strstr(nb_sysctl_errdetail(h), "injected") != NULL);
		sq_exec(db, "DROP TRIGGER inject; DROP TABLE inject");
	} else
		CHECK_RC(rc, 0);
}

/*
 * Samples 0..nk-1 were read as live[k * nsub ..] (nsub subtrees each) and
 * sample `failed` did not commit: the file replays every other one as read.
 */
static void
replay_all(const char *db, const char *const *subtrees, unsigned nsub, const struct snap *live,
    unsigned nk, unsigned failed)
{
	struct tlist tl = { { 0 }, 0 };
	struct nbh_reader *r = NULL;
	unsigned k, got;

	CHECK_RC(nbh_reader_open(db, &r, NULL, 0), 0);
	if (r != NULL)
		CHECK_RC(nbh_reader_list(r, tlist_cb, &tl), 0);
	nbh_reader_close(&r);
	CHECK(tl.n == nk - 1);
	for (k = got = 0; k < nk && got < tl.n; k++)
		if (k != failed)
			replay_eq(db, tl.t[got++], subtrees, nsub, live + (size_t)k * nsub, k);
}

#define NPOS	7

/*
 * A local stack: a rename at the same position, a sample that fails to
 * commit after inserting names (its ids are rolled back), then a sample
 * that inserts other names first and still has the failed sample's
 * interface at its cached positions: it must not add by the stale ids.
 */
static void
test_record_positions(void)
{
	static const char *const subtrees[] = { "stack", "net.interfaces" };
	static struct snap live[NPOS][2];
	struct nb_stack *st = NULL;
	struct nb_sysctl *h = NULL;
	const char *db = tpath("pos.db");
	unsigned k, i;
	uint32_t ix;
	char nm[16];

	CHECK_RC(nb_stack_create(NULL, &st), 0);
	for (ix = 1; ix <= 6; ix++) {
		snprintf(nm, sizeof(nm), "if%u", ix);
		mkif(st, ix, nm, "veth", 6);
	}
	CHECK_RC(nb_sysctl_open_stack(st, NULL, &h), 0);
	CHECK_RC(nb_sysctl_record_open(h, db, "pos"), 0);
	for (k = 0; k < NPOS; k++) {
		for (ix = 1; ix <= 6; ix++)
			setstats(st, ix, k, 1000);
		if (k == 2)
			mkif(st, 3, "ifx", "veth", 6);		/* renamed, same length, same place */
		if (k == 4) {
			mkif(st, 20, "if20", "dummy", 6);	/* new names, last in the walk */
			inject_fail(db);
		}
		nb_stack_barrier(st);
		/* From sample 5 on, names new to the file come before the cached ones. */
		if (k >= 5)
			CHECK_RC(snap_take(h, subtrees[0], 0, &live[k][0]), 0);
		CHECK_RC(snap_take(h, subtrees[1], 0, &live[k][1]), 0);
		sample_expect(h, db, k == 4);
	}
	nb_sysctl_close(&h);
	replay_all(db, subtrees, 2, &live[0][0], NPOS, 4);
	for (k = 0; k < NPOS; k++)
		for (i = 0; i < 2; i++)
			free(live[k][i].text);
	nb_stack_destroy(&st);
}

#define NCHURN	14

/*
 * Interfaces come and go before every sample, so the walk differs early
 * and the recorder finds the ids of the rest in its tail (record.c,
 * resync): the lowest one deleted and one added last every sample, one
 * added in the middle and one deleted from the middle now and then, a
 * rename, addresses on some, and a sample that fails to commit (its ids
 * are rolled back: the next samples must not add by them, tail or not).
 * Every sample replays as it was read.
 */
static void
test_record_churn(void)
{
	static const char *const subtrees[] = { "net.interfaces" };
	static struct snap live[NCHURN];
	struct nb_stack *st = NULL;
	struct nb_sysctl *h = NULL;
	const char *db = tpath("churn.db");
	bool up[200] = { false };
	unsigned k, lowest = 1;
	uint32_t ix;
	char nm[16];

	CHECK_RC(nb_stack_create(NULL, &st), 0);
	for (ix = 1; ix <= 12; ix++) {
		snprintf(nm, sizeof(nm), "if%u", ix);
		mkif(st, ix, nm, ix % 3 ? "veth" : "bridge", 6);
		if (ix % 4 == 0)
			mkaddr(st, ix, AF_INET, ix == 4 ? "10.0.4.1" : "10.0.8.1", 24);
		up[ix] = true;
	}
	CHECK_RC(nb_sysctl_open_stack(st, NULL, &h), 0);
	CHECK_RC(nb_sysctl_record_open(h, db, "churn"), 0);
	for (k = 0; k < NCHURN; k++) {
		if (k > 0) {
			while (!up[lowest])
				lowest++;
			CHECK_RC(nb_if_delete(st, lowest, NULL), 0);
			up[lowest] = false;
			snprintf(nm, sizeof(nm), "if%u", 100 + k);
			mkif(st, 100 + k, nm, "veth", 6);
			up[100 + k] = true;
		}
		if (k % 3 == 1) {
			snprintf(nm, sizeof(nm), "if%u", 40 + k);
			mkif(st, 40 + k, nm, "dummy", 2);
			mkaddr(st, 40 + k, AF_INET6, "fe80::2", 64);
			up[40 + k] = true;
		}
		if (k % 4 == 2 && up[7 + k / 4]) {
			CHECK_RC(nb_if_delete(st, 7 + k / 4, NULL), 0);
			up[7 + k / 4] = false;
		}
		if (k == 5)
			mkif(st, 11, "ifz", "veth", 6);		/* renamed in place */
		if (k == 8)
			inject_fail(db);
		for (ix = 1; ix < 200; ix++)
			if (up[ix])
				setstats(st, ix, k, 1000);
		nb_stack_barrier(st);
		CHECK_RC(snap_take(h, subtrees[0], 0, &live[k]), 0);
		sample_expect(h, db, k == 8);
	}
	nb_sysctl_close(&h);
	replay_all(db, subtrees, 1, live, NCHURN, 8);
	for (k = 0; k < NCHURN; k++)
		free(live[k].text);
	nb_stack_destroy(&st);
}

/*
 * A backend that gives no hint (replay) as the recorder's source: the same
 * name at the same position with another description, other flags, another
 * type, a string that changes, a leaf that becomes a node.
 */
static void
test_record_from_replay(void)
{
	static const char *const subtrees[] = { "a" };
	static struct snap live[6][1];
	struct nbh_writer *w = NULL;
	struct nbh_sample_info si = { .source = "unit" };
	struct nb_sysctl_opts o = { 0 };
	struct nb_sysctl *h = NULL;
	struct nbh_reader *r = NULL;
	struct tlist tl = { { 0 }, 0 };
	const char *src = tpath("src.db"), *db = tpath("fromreplay.db");
	unsigned k;
	int rc;

	CHECK_RC(nbh_writer_open(src, NULL, &w, NULL, 0), 0);
	if (w == NULL)
		return;
	for (k = 0; k < 6; k++) {
		CHECK_RC(nbh_writer_add(w, "a", 1, NB_SYSCTL_NODE, 0, "A", 0, NULL, 0), 0);
		/* Its description is a.x's from sample 1 on, seen first in the walk. */
		CHECK_RC(nbh_writer_add(w, "a.p", 3, NB_SYSCTL_INT, 0, "second", 1, NULL, 0), 0);
		if (k < 5) {
			/* 1: another description, 2: other flags, 3: another type, 4: as 3. */
			CHECK_RC(nbh_writer_add(w, "a.x", 3, k < 3 ? NB_SYSCTL_U64 : NB_SYSCTL_INT,
			    k < 2 ? NB_SYSCTL_F_COUNTER : NB_SYSCTL_F_GAUGE,
			    k == 0 ? "first" : "second", 10 + k, NULL, 0), 0);
		} else {
			CHECK_RC(nbh_writer_add(w, "a.x", 3, NB_SYSCTL_NODE, 0, "", 0, NULL, 0), 0);
			CHECK_RC(nbh_writer_add(w, "a.x.q", 5, NB_SYSCTL_INT, 0, "q", 7, NULL, 0), 0);
		}
		CHECK_RC(nbh_writer_add(w, "a.y\\.z", 6, NB_SYSCTL_INT, 0, "", 5, NULL, 0), 0);
		CHECK_RC(nbh_writer_add(w, "a.s", 3, NB_SYSCTL_STRING, 0, "s",  0,
		    k < 3 ? "one" : "two", 3), 0);
		si.t_ns = 1000 + k;
		CHECK_RC(nbh_writer_commit(w, &si), 0);
	}
	nbh_writer_close(&w);

	o.backend = NB_SYSCTL_REPLAY;
	o.replay_path = src;
	o.replay_at_ns = 0;
	o.replay_to_ns = INT64_MAX;
	CHECK_RC(nb_sysctl_open(&o, &h), 0);
	if (h == NULL)
		return;
	CHECK_RC(nb_sysctl_record_open(h, db, "re"), 0);
	for (k = 0; k < 6; k++) {
		CHECK_RC(snap_take(h, "a", 0, &live[k][0]), 0);
		rc = nb_sysctl_sample(h);
		CHECK_RC(rc, k < 5 ? 0 : -ENOENT);
	}
	nb_sysctl_close(&h);
	CHECK(live[1][0].text != NULL && strstr(live[1][0].text, "|second|") != NULL);
	CHECK(live[5][0].text != NULL && strstr(live[5][0].text, "a.x.q|") != NULL);

	CHECK_RC(nbh_reader_open(db, &r, NULL, 0), 0);
	if (r != NULL)
		CHECK_RC(nbh_reader_list(r, tlist_cb, &tl), 0);
	nbh_reader_close(&r);
	CHECK(tl.n == 6);
	for (k = 0; k < 6 && k < tl.n; k++) {
		replay_eq(db, tl.t[k], subtrees, 1, live[k], k);
		free(live[k][0].text);
	}
}

/*
 * Replayed names that share bytes but not components (an escaped '.' or
 * '\' right after a common prefix, a longer last component), and a subtree
 * left and entered again: the replay backend splits each name reusing the
 * one before it, and must split these as a whole split would.
 */
struct names_out {
	char	 text[1024];
	size_t	 len;
};

static int
names_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct names_out *o = arg;
	char name[NB_SYSCTL_NAMEMAX + 1];
	int len;

	nb_sysctl_entry_name(e, name, sizeof(name));
	if (e->val.type == NB_SYSCTL_NODE)
		len = snprintf(o->text + o->len, sizeof(o->text) - o->len, "%s|N\n", name);
	else
		len = snprintf(o->text + o->len, sizeof(o->text) - o->len, "%s|%lld\n", name,
		    (long long)e->val.i);
	if (len > 0 && (size_t)len < sizeof(o->text) - o->len)
		o->len += (size_t)len;
	return 0;
}

static void
test_replay_names(void)
{
	static const struct {
		const char *name;
		unsigned type;
	} ents[] = {
		{ "n", NB_SYSCTL_NODE },
		{ "n.a", NB_SYSCTL_NODE },
		{ "n.a.b", NB_SYSCTL_INT },
		{ "n.a.b\\.c", NB_SYSCTL_INT },
		{ "n.a.b\\\\", NB_SYSCTL_INT },
		{ "n.a.bc", NB_SYSCTL_NODE },
		{ "n.a.bc.d\\.e", NB_SYSCTL_INT },
		{ "n.ab", NB_SYSCTL_NODE },
		{ "n.ab.x", NB_SYSCTL_INT },
		{ "m.y", NB_SYSCTL_INT },
		{ "n.a.z", NB_SYSCTL_INT },
		{ "n.k\\.1.x", NB_SYSCTL_INT },
	};
	static const char want[] =
	    "n|N\nn.a|N\nn.a.b|2\nn.a.b\\.c|3\nn.a.b\\\\|4\nn.a.bc|N\nn.a.bc.d\\.e|6\nn.ab|N\n"
	    "n.ab.x|8\nn.a|N\nn.a.z|10\nn.k\\.1|N\nn.k\\.1.x|11\n";
	/* Column leaves are plain components: "b" must not take n.a.b\.c's value. */
	static const struct nb_sysctl_column cols[] = {
		{ "b", NB_SYSCTL_INT, 0, 0 },
		{ "z", NB_SYSCTL_INT, 8, 0 },
		{ "x", NB_SYSCTL_INT, 16, 0 },
	};
	struct nbh_writer *w = NULL;
	struct nbh_sample_info si = { .source = "names", .t_ns = 1 };
	struct nb_sysctl_opts o = { .backend = NB_SYSCTL_REPLAY, .replay_at_ns = INT64_MAX };
	struct nb_sysctl *h = NULL;
	struct names_out out;
	const char *db = tpath("names.db");
	struct nb_sysctl_table t;
	const int64_t *row;
	unsigned k;

	CHECK_RC(nbh_writer_open(db, NULL, &w, NULL, 0), 0);
	if (w == NULL)
		return;
	for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
		CHECK_RC(nbh_writer_add(w, ents[k].name, strlen(ents[k].name), ents[k].type, 0, "", k,
			     NULL, 0),
		    0);
	CHECK_RC(nbh_writer_commit(w, &si), 0);
	nbh_writer_close(&w);
	o.replay_path = db;
	CHECK_RC(nb_sysctl_open(&o, &h), 0);
	if (h == NULL)
		return;
	/* Twice: each walk splits from scratch. */
	for (k = 0; k < 2; k++) {
		out.len = 0;
		out.text[0] = '\0';
		CHECK_RC(nb_sysctl_walk(h, "n", NB_SYSCTL_RD_NODES, names_cb, &out), 0);
		if (strcmp(out.text, want) != 0) {
			fprintf(stderr, "replayed names:\n%s", out.text);
			CHECK(!"replayed names differ");
		}
	}
	out.len = 0;
	out.text[0] = '\0';
	CHECK_RC(nb_sysctl_walk(h, "n.a.b\\.c", 0, names_cb, &out), 0);
	CHECK(strcmp(out.text, "n.a.b\\.c|3\n") == 0);
	/* The table reader: rows a, ab, a again (n.a.z after m.y), and k.1, unescaped. */
	CHECK_RC(nb_sysctl_table_read(h, "n.*", cols, 3, 3 * sizeof(int64_t), 0, &t), 0);
	CHECK_EQ(t.nrows, 4);
	if (t.nrows == 4) {
		CHECK(strcmp(t.ids[0].key[0], "a") == 0 && strcmp(t.ids[1].key[0], "ab") == 0 &&
		      strcmp(t.ids[2].key[0], "a") == 0 && strcmp(t.ids[3].key[0], "k.1") == 0);
		row = t.rows;
		CHECK(row[0] == 2 && nb_sysctl_row_has(&t.ids[0], 0));
		CHECK(!nb_sysctl_row_has(&t.ids[0], 1) && !nb_sysctl_row_has(&t.ids[0], 2));
		CHECK(row[3 + 2] == 8 && nb_sysctl_row_has(&t.ids[1], 2));
		CHECK(row[6 + 1] == 10 && !nb_sysctl_row_has(&t.ids[2], 0));
		CHECK(row[9 + 2] == 11 && nb_sysctl_row_has(&t.ids[3], 2));
	}
	nb_sysctl_table_free(&t);
	nb_sysctl_close(&h);
}

/* Adding by id: the epoch of a rolled-back sample is refused, ids stay valid across commits. */
static void
test_add_by_id(void)
{
	struct nbh_writer *w = NULL;
	struct nbh_reader *r = NULL;
	struct nbh_sample_info si = { .source = "id" };
	const struct nbh_entry *e;
	const char *db = tpath("byid.db");
	uint32_t a = 0, b = 0, s = 0, c = 0, ids[2];
	int64_t v[2];
	uint64_t ep;
	size_t n;

	CHECK_RC(nbh_writer_open(db, NULL, &w, NULL, 0), 0);
	if (w == NULL)
		return;
	ep = nbh_writer_epoch(w);
	CHECK_RC(nbh_writer_add_get_id(w, "a", 1, NB_SYSCTL_NODE, 0, "", 0, NULL, 0, &a), 0);
	CHECK_RC(nbh_writer_add_get_id(w, "a.b", 3, NB_SYSCTL_U64, 0, "", 5, NULL, 0, &b), 0);
	CHECK_RC(nbh_writer_add_get_id(w, "a.s", 3, NB_SYSCTL_STRING, 0, "", 0, "x", 1, &s), 0);
	CHECK(a != 0 && b != 0 && s != 0 && a != b && b != s);
	si.t_ns = 1;
	CHECK_RC(nbh_writer_commit(w, &si), 0);
	CHECK(nbh_writer_epoch(w) == ep);
	/* By id: a string name is not for the batch. */
	ids[0] = a;
	ids[1] = s;
	v[0] = v[1] = 0;
	CHECK_RC(nbh_writer_add_ids(w, ep, ids, v, 2), -EINVAL);	/* and the sample is dropped */
	CHECK(nbh_writer_epoch(w) != ep);
	ep = nbh_writer_epoch(w);
	ids[1] = b;
	v[1] = 9;
	CHECK_RC(nbh_writer_add_ids(w, ep, ids, v, 2), 0);
	CHECK_RC(nbh_writer_add_id(w, ep, s, 0, "y", 1), 0);
	CHECK_RC(nbh_writer_add_id(w, ep, b, 99, NULL, 0), 0);		/* already in: ignored */
	/* A name new in this sample, then the sample fails: its id goes with it. */
	CHECK_RC(nbh_writer_add_get_id(w, "a.c", 3, NB_SYSCTL_INT, 0, "", 3, NULL, 0, &c), 0);
	nbh_writer_abort(w);
	CHECK_RC(nbh_writer_add_id(w, ep, c, 3, NULL, 0), -ESTALE);
	CHECK_RC(nbh_writer_add_ids(w, ep, &b, v, 1), -ESTALE);
	ep = nbh_writer_epoch(w);
	CHECK_RC(nbh_writer_add_id(w, ep, c + 1000, 3, NULL, 0), -EINVAL);
	ep = nbh_writer_epoch(w);
	CHECK_RC(nbh_writer_add_ids(w, ep, &a, v, 1), 0);
	CHECK_RC(nbh_writer_add_id(w, ep, b, 11, NULL, 0), 0);
	CHECK_RC(nbh_writer_add_id(w, ep, s, 0, "x", 1), 0);
	si.t_ns = 2;
	CHECK_RC(nbh_writer_commit(w, &si), 0);
	nbh_writer_close(&w);

	CHECK_RC(nbh_reader_open(db, &r, NULL, 0), 0);
	if (r == NULL)
		return;
	CHECK_RC(nbh_reader_seek(r, INT64_MAX, false), 0);
	e = nbh_reader_entries(r, &n);
	CHECK(n == 3);
	if (n == 3) {
		CHECK(strcmp(e[0].name, "a") == 0 && e[0].type == NB_SYSCTL_NODE);
		CHECK(strcmp(e[1].name, "a.b") == 0 && e[1].v == 11);
		CHECK(strcmp(e[2].name, "a.s") == 0 && e[2].slen == 1 && e[2].str[0] == 'x');
	}
	nbh_reader_close(&r);
}

/* ---- the store directly: strings, resets, keyframes ---- */

/*
 * A delta sample with the shape of the sample before it is applied by
 * skipping its runs of zero deltas (reader.c, apply_same): runs of every
 * length across the names, a shape that changes and comes back, values
 * that go down; by seek (a chain from the keyframe) and by next.
 */
#define SS_NAMES 200
#define SS_SAMPLES 25

static int64_t
ss_value(unsigned j, unsigned k)
{
	int64_t v = (int64_t)j * 1000;
	unsigned i;

	for (i = 1; i <= k; i++)
		if ((j * 7 + i * 3) % (i % 4 + 2) == 0)
			v += (i % 3 == 0 ? -1 : 1) * (int64_t)(j + i);
	return v;
}

static void
ss_check(struct nbh_reader *r, unsigned k)
{
	const struct nbh_entry *e;
	size_t n, i, bad = 0;
	bool extra = k == 12 || k == 13;

	e = nbh_reader_entries(r, &n);
	CHECK(n == 1 + SS_NAMES + (extra ? 1 : 0), "sample %u: %zu entries", k, n);
	if (n != 1 + SS_NAMES + (extra ? 1 : 0))
		return;
	for (i = 0; i < SS_NAMES; i++)
		if (e[1 + i].v != ss_value((unsigned)i, k))
			bad++;
	CHECK(bad == 0, "sample %u: %zu values differ", k, bad);
	CHECK(!extra || e[n - 1].v == (int64_t)k, "sample %u: extra", k);
}

static void
test_same_shape_runs(void)
{
	struct nbh_writer_opts wo = { .keyframe_every = 10 };
	struct nbh_writer *w = NULL;
	struct nbh_reader *r = NULL;
	struct nbh_sample_info si = { .source = "unit" };
	const char *db = tpath("sameshape.db");
	char name[32], err[256];
	unsigned j, k;

	CHECK_RC(nbh_writer_open(db, &wo, &w, err, sizeof(err)), 0);
	if (w == NULL)
		return;
	for (k = 0; k < SS_SAMPLES; k++) {
		CHECK_RC(nbh_writer_add(w, "a", 1, 1, 0, "node", 0, NULL, 0), 0);
		for (j = 0; j < SS_NAMES; j++) {
			snprintf(name, sizeof(name), "a.v%03u", j);
			CHECK_RC(nbh_writer_add(w, name, strlen(name), 4, 2, "v", ss_value(j, k), NULL, 0),
			    0);
		}
		if (k == 12 || k == 13)
			CHECK_RC(nbh_writer_add(w, "a.x", 3, 2, 4, "x", (int64_t)k, NULL, 0), 0);
		si.t_ns = 1000 + (int64_t)k;
		CHECK_RC(nbh_writer_commit(w, &si), 0);
	}
	nbh_writer_close(&w);
	CHECK_RC(nbh_reader_open(db, &r, err, sizeof(err)), 0);
	if (r == NULL)
		return;
	for (k = 0; k < SS_SAMPLES; k++) {	/* each by seek: its keyframe, then its deltas */
		CHECK_RC(nbh_reader_seek(r, 1000 + (int64_t)k, false), 0);
		ss_check(r, k);
	}
	CHECK_RC(nbh_reader_seek(r, 0, true), 0);
	for (k = 0; k < SS_SAMPLES; k++) {	/* and stepping */
		ss_check(r, k);
		CHECK_RC(nbh_reader_next(r), k + 1 < SS_SAMPLES ? 0 : -ENOENT);
	}
	nbh_reader_close(&r);
}

static void
test_store(void)
{
	static const char *const strs[] = { "", "a", "fe80::1", "x.y\\z", "\xc3\xa9\xff", "a" };
	struct nbh_writer_opts wo = { .keyframe_every = 3 };
	struct nbh_writer *w = NULL;
	struct nbh_reader *r = NULL;
	struct nbh_sample_info si = { 0 };
	const struct nbh_entry *e;
	const char *db = tpath("store.db");
	int64_t vals[12] = { 0, 5, 3, INT64_MIN, INT64_MAX, -1, 0, 1, 1, 1000000007, 2, 0 };
	size_t n;
	unsigned k;
	char err[256];

	CHECK_RC(nbh_writer_open(db, &wo, &w, err, sizeof(err)), 0);
	if (w == NULL)
		return;
	/* An empty sample writes nothing. */
	si.source = "unit";
	si.t_ns = 1000;
	CHECK_RC(nbh_writer_commit(w, &si), 0);
	for (k = 0; k < 12; k++) {
		CHECK_RC(nbh_writer_add(w, "a", 1, 1, 0, "node", 0, NULL, 0), 0);
		CHECK_RC(nbh_writer_add(w, "a.ctr", 5, 4, 2, "counter", vals[k], NULL, 0), 0);
		CHECK_RC(nbh_writer_add(w, "a.ctr", 5, 4, 2, "counter", 99, NULL, 0), 0); /* ignored */
		CHECK_RC(nbh_writer_add(w, "a.s", 3, 3, 0, "", 0, strs[k % 6], strlen(strs[k % 6])), 0);
		if (k % 4 != 1)		/* comes and goes */
			CHECK_RC(nbh_writer_add(w, "a.g", 3, 2, 4, "gauge", -(int64_t)k, NULL, 0), 0);
		si.t_ns = k == 5 ? 1000 : 1000 + (int64_t)k * 10;	/* clock stepped back at 5 */
		CHECK_RC(nbh_writer_commit(w, &si), 0);
	}
	/* An aborted sample leaves nothing behind. */
	CHECK_RC(nbh_writer_add(w, "a.ctr", 5, 4, 2, "counter", 77, NULL, 0), 0);
	CHECK_RC(nbh_writer_add(w, "new.name", 8, 2, 0, "", 1, NULL, 0), 0);
	nbh_writer_abort(w);
	/* Embedded NULs are refused. */
	CHECK_RC(nbh_writer_add(w, "a\0b", 3, 2, 0, "", 1, NULL, 0), -EINVAL);
	CHECK_RC(nbh_writer_add(w, "a.s", 3, 3, 0, "", 0, "x\0y", 3), -EINVAL);
	nbh_writer_close(&w);

	CHECK_RC(nbh_reader_open(db, &r, err, sizeof(err)), 0);
	if (r == NULL)
		return;
	CHECK_RC(nbh_reader_seek(r, INT64_MAX, false), 0);
	CHECK_RC(nbh_reader_info(r, &si), 0);
	CHECK(si.id == 12 && si.nvalues == 3 && si.nobjects == 1 && strcmp(si.source, "unit") == 0);
	CHECK_RC(nbh_reader_seek(r, 0, true), 0);
	for (k = 0; k < 12; k++) {
		CHECK_RC(nbh_reader_info(r, &si), 0);
		e = nbh_reader_entries(r, &n);
		CHECK(n == (k % 4 != 1 ? 4u : 3u));
		if (n < 3)
			break;
		CHECK(strcmp(e[0].name, "a") == 0 && e[0].type == 1 && strcmp(e[0].descr, "node") == 0);
		CHECK(strcmp(e[1].name, "a.ctr") == 0 && e[1].v == vals[k] && e[1].flags == 2);
		CHECK(e[2].slen == strlen(strs[k % 6]) && memcmp(e[2].str, strs[k % 6], e[2].slen) == 0);
		CHECK(n == 3 || (e[3].v == -(int64_t)k && strcmp(e[3].name, "a.g") == 0));
		/* Times are unique and increasing even when the clock steps back. */
		CHECK(si.t_ns == (k < 5 ? 1000 + (int64_t)k * 10 : k == 5 ? 1041 :
		    1000 + (int64_t)k * 10));
		CHECK_RC(nbh_reader_next(r), k + 1 < 12 ? 0 : -ENOENT);
	}
	/* Seek into a delta chain (keyframes every 3). */
	CHECK_RC(nbh_reader_seek(r, 1075, false), 0);
	e = nbh_reader_entries(r, &n);
	CHECK(n >= 2 && e[1].v == vals[7]);
	CHECK_RC(nbh_reader_seek(r, 999, false), NBH_EBEFORE);
	CHECK_RC(nbh_reader_seek(r, 5000, true), -ENOENT);
	nbh_reader_close(&r);

	/* The shell views work on the file. */
	{
		sqlite3 *sq;
		sqlite3_stmt *stmt;

		CHECK_RC(sqlite3_open_v2(db, &sq, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
		CHECK_RC(sqlite3_prepare_v2(sq, "SELECT count(*), sum(is_keyframe) FROM samples",
		    -1, &stmt, NULL), SQLITE_OK);
		CHECK_RC(sqlite3_step(stmt), SQLITE_ROW);
		CHECK(sqlite3_column_int(stmt, 0) == 12 && sqlite3_column_int(stmt, 1) == 4);
		sqlite3_finalize(stmt);
		CHECK_RC(sqlite3_prepare_v2(sq, "SELECT type, flags FROM names WHERE name = 'a.ctr'",
		    -1, &stmt, NULL), SQLITE_OK);
		CHECK_RC(sqlite3_step(stmt), SQLITE_ROW);
		CHECK(strcmp((const char *)sqlite3_column_text(stmt, 0), "u64") == 0);
		CHECK(strcmp((const char *)sqlite3_column_text(stmt, 1), "counter") == 0);
		sqlite3_finalize(stmt);
		sqlite3_close(sq);
	}
}

/* ---- bad files, migration, locking ---- */

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *p;
	long n;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	p = malloc((size_t)n + 1);
	*len = fread(p, 1, (size_t)n, fp);
	fclose(fp);
	return p;
}

static void
sq_exec(const char *path, const char *sql)
{
	sqlite3 *sq;

	CHECK_RC(sqlite3_open(path, &sq), SQLITE_OK);
	CHECK_RC(sqlite3_exec(sq, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(sq);
}

/* Opening for replay and for recording fails with want, and the file is untouched. */
static void
bad_file(const char *path, int want, const char *detail)
{
	struct nb_sysctl_opts o = { 0 };
	struct nb_sysctl *h = NULL;
	struct nbh_writer *w = NULL;
	char *before, *after, err[256];
	size_t blen = 0, alen = 0;

	before = slurp(path, &blen);
	o.backend = NB_SYSCTL_REPLAY;
	o.replay_path = path;
	o.replay_at_ns = INT64_MAX;
	CHECK_RC(nb_sysctl_open(&o, &h), want);
	if (h != NULL && strstr(nb_sysctl_errdetail(h), detail) == NULL) {
		fprintf(stderr, "detail \"%s\", want \"%s\"\n", nb_sysctl_errdetail(h), detail);
		CHECK(!"error detail");
	}
	nb_sysctl_close(&h);
	if (want != NBH_EEMPTY) {
		CHECK_RC(nbh_writer_open(path, NULL, &w, err, sizeof(err)), want);
		CHECK(strstr(err, detail) != NULL);
		nbh_writer_close(&w);
	}
	after = slurp(path, &alen);
	CHECK(blen == alen && (blen == 0 || memcmp(before, after, blen) == 0));
	free(before);
	free(after);
}

static void
test_bad_files(void)
{
	struct nb_sysctl_opts o = { 0 };
	struct nb_sysctl *h = NULL;
	struct nbh_writer *w = NULL, *w2 = NULL;
	const char *p;
	char err[256];
	FILE *fp;
	int i;

	p = tpath("text.db");
	fp = fopen(p, "w");
	for (i = 0; i < 200; i++)
		fprintf(fp, "this is not a database %d\n", i);
	fclose(fp);
	bad_file(p, NBH_ENOTDB, "not an SQLite database");

	p = tpath("other.db");
	sq_exec(p, "CREATE TABLE t(x); INSERT INTO t VALUES (1)");
	bad_file(p, NBH_EFOREIGN, "another program");

	p = tpath("newer.db");
	CHECK_RC(nbh_writer_open(p, NULL, &w, err, sizeof(err)), 0);
	nbh_writer_close(&w);
	bad_file(p, NBH_EEMPTY, "no sample");
	sq_exec(p, "PRAGMA user_version = 99");
	bad_file(p, NBH_ENEWER, "newer nbstat");

	o.backend = NB_SYSCTL_REPLAY;
	o.replay_path = tpath("missing.db");
	o.replay_at_ns = INT64_MAX;
	CHECK_RC(nb_sysctl_open(&o, &h), -ENOENT);
	nb_sysctl_close(&h);
	o.replay_path = dir;
	CHECK_RC(nb_sysctl_open(&o, &h), -EISDIR);
	nb_sysctl_close(&h);
	CHECK(access(tpath("missing.db"), F_OK) != 0);	/* a reader creates nothing */

	/* Two recorders on one file: the second is refused, the first goes on. */
	p = tpath("locked.db");
	CHECK_RC(nbh_writer_open(p, NULL, &w, err, sizeof(err)), 0);
	CHECK_RC(nbh_writer_open(p, NULL, &w2, err, sizeof(err)), NBH_ELOCKED);
	CHECK(strstr(err, "another recorder") != NULL);
	if (w != NULL) {
		struct nbh_sample_info si = { .t_ns = 5, .source = "x" };

		CHECK_RC(nbh_writer_add(w, "n", 1, 2, 0, "", 1, NULL, 0), 0);
		CHECK_RC(nbh_writer_commit(w, &si), 0);
	}
	nbh_writer_close(&w);
	CHECK_RC(nbh_writer_open(p, NULL, &w2, err, sizeof(err)), 0);	/* free again */
	nbh_writer_close(&w2);
}

/* A file of three samples: a node, a u64 and a string under descriptions; sample 3 at T3. */
#define T3	1700000000000000000LL
static void
three_samples(const char *path)
{
	struct nbh_writer *w = NULL;
	struct nbh_sample_info si = { .source = "x" };
	char err[256];
	int k;

	unlink(path);
	CHECK_RC(nbh_writer_open(path, NULL, &w, err, sizeof(err)), 0);
	if (w == NULL)
		return;
	for (k = 1; k <= 3; k++) {
		CHECK_RC(nbh_writer_add(w, "a", 1, 1, 0, "node", 0, NULL, 0), 0);
		CHECK_RC(nbh_writer_add(w, "a.x", 3, 4, 2, "count", 100 * k, NULL, 0), 0);
		CHECK_RC(nbh_writer_add(w, "a.s", 3, 3, 0, "text", 0, k < 3 ? "up" : "down", k < 3 ? 2 : 4), 0);
		si.t_ns = T3 - (3 - k) * 1000000000LL;
		CHECK_RC(nbh_writer_commit(w, &si), 0);
	}
	nbh_writer_close(&w);
}

static int
list_count(const struct nbh_sample_info *si, void *arg)
{
	(void)si;
	++*(size_t *)arg;
	return 0;
}

/* Seek to the last sample of path at or before t: damage, and the reader's message holds msg. */
static void
seek_fails_at(const char *path, int64_t t, const char *msg)
{
	struct nbh_reader *r = NULL;
	const int want = NBH_ECORRUPT;
	char err[256];
	int rc;

	rc = nbh_reader_open(path, &r, err, sizeof(err));
	if (rc == 0) {
		rc = nbh_reader_seek(r, t, false);
		snprintf(err, sizeof(err), "%s", nbh_reader_error(r));
	}
	CHECK(rc == want, "%s: rc %d, want %d (%s)", msg, rc, want, err);
	CHECK(strstr(err, msg) != NULL, "message \"%s\", want \"%s\"", err, msg);
	nbh_reader_close(&r);
}

static void
test_migration(void)
{
	const char *p = tpath("v1.db");
	struct nbh_writer *w = NULL;
	struct nbh_reader *r = NULL;
	struct nbh_sample_info si = { .t_ns = 7, .source = "v1" };
	sqlite3 *sq;
	sqlite3_stmt *stmt;
	char err[256];

	/* A file as version 1 wrote it, with one sample. */
	CHECK_RC(sqlite3_open(p, &sq), SQLITE_OK);
	CHECK_RC(nbh__migrate(sq, 1, err, sizeof(err)), 0);
	CHECK_RC(sqlite3_exec(sq, "INSERT INTO descr VALUES (1, '');"
	    "INSERT INTO name VALUES (1, 'x', 2, 4, 1);"
	    "INSERT INTO shape VALUES (1, 1, x'02');"
	    "INSERT INTO sample VALUES (1, 5, 'old', 0, 0, 1, 1, 1, x'0114');",
	    NULL, NULL, NULL), SQLITE_OK);
	CHECK_RC(sqlite3_prepare_v2(sq, "SELECT count(*) FROM sqlite_schema WHERE name = 'samples'",
	    -1, &stmt, NULL), SQLITE_OK);
	CHECK_RC(sqlite3_step(stmt), SQLITE_ROW);
	CHECK(sqlite3_column_int(stmt, 0) == 0);
	sqlite3_finalize(stmt);
	sqlite3_close(sq);

	/* A reader reads it as it is (no upgrade: read-only). */
	CHECK_RC(nbh_reader_open(p, &r, err, sizeof(err)), 0);
	if (r != NULL) {
		const struct nbh_entry *e;
		size_t n;

		CHECK_RC(nbh_reader_seek(r, INT64_MAX, false), 0);
		e = nbh_reader_entries(r, &n);
		CHECK(n == 1 && e[0].v == 10 && strcmp(e[0].name, "x") == 0);
		nbh_reader_close(&r);
	}
	/* A writer upgrades it and appends. */
	CHECK_RC(nbh_writer_open(p, NULL, &w, err, sizeof(err)), 0);
	if (w != NULL) {
		CHECK_RC(nbh_writer_add(w, "x", 1, 2, 4, "", 11, NULL, 0), 0);
		CHECK_RC(nbh_writer_commit(w, &si), 0);
		nbh_writer_close(&w);
	}
	CHECK_RC(sqlite3_open(p, &sq), SQLITE_OK);
	CHECK_RC(sqlite3_prepare_v2(sq, "SELECT (SELECT user_version FROM pragma_user_version), "
	    "(SELECT count(*) FROM samples), (SELECT journal_mode FROM pragma_journal_mode)",
	    -1, &stmt, NULL), SQLITE_OK);
	CHECK_RC(sqlite3_step(stmt), SQLITE_ROW);
	CHECK(sqlite3_column_int(stmt, 0) == (int)nbh__nmigrations);
	CHECK(sqlite3_column_int(stmt, 1) == 2);
	CHECK(strcmp((const char *)sqlite3_column_text(stmt, 2), "wal") == 0);
	sqlite3_finalize(stmt);
	sqlite3_close(sq);
	/* The rows version 1 wrote were summed by the upgrade (schema 4): both samples verify. */
	CHECK_RC(nbh_reader_open(p, &r, err, sizeof(err)), 0);
	if (r != NULL) {
		const struct nbh_entry *e;
		size_t n;

		CHECK_RC(nbh_reader_seek(r, 5, false), 0);
		e = nbh_reader_entries(r, &n);
		CHECK(n == 1 && e[0].v == 10);
		CHECK_RC(nbh_reader_seek(r, INT64_MAX, false), 0);
		e = nbh_reader_entries(r, &n);
		CHECK(n == 1 && e[0].v == 11);
		nbh_reader_close(&r);
	}
	sq_exec(p, "UPDATE sample SET source = 'new' WHERE id = 1");
	seek_fails_at(p, 5, "damaged sample at 1970-01-01T00:00:00Z (id 1): checksum mismatch");
}

/*
 * Every column of every table is under its row's checksum (schema 4): a
 * value changed behind the library's back (integrity_check still passes)
 * is damage, named by the sample read and the table and row it was found in.
 */
static void
test_row_checksums(void)
{
	static const struct {
		const char *sql, *msg;
	} cases[] = {
		{ "UPDATE sample SET t_ns = t_ns + 1 WHERE id = 3", "(id 3): checksum mismatch" },
		{ "UPDATE sample SET source = 'y' WHERE id = 3", "(id 3): checksum mismatch" },
		{ "UPDATE sample SET boottime_ns = 1 WHERE id = 3", "(id 3): checksum mismatch" },
		{ "UPDATE sample SET nobjects = 2 WHERE id = 3", "(id 3): checksum mismatch" },
		{ "UPDATE sample SET nvalues = 3 WHERE id = 3", "(id 3): checksum mismatch" },
		{ "UPDATE sample SET keyframe = 3 WHERE id = 3", "(id 3): checksum mismatch" },
		{ "UPDATE sample SET data = x'01' || substr(data, 2) || x'00' WHERE id = 3",
		    "(id 3): checksum mismatch" },
		{ "UPDATE sample SET data = x'0102' WHERE id = 2", "(id 3): sample row 2: checksum mismatch" },
		{ "UPDATE sample SET checksum = NULL WHERE id = 1", "(id 3): sample row 1: checksum mismatch" },
		{ "UPDATE shape SET nnames = nnames + 1", "(id 3): shape row 1: checksum mismatch" },
		{ "UPDATE shape SET names = names || x'00'", "(id 3): shape row 1: checksum mismatch" },
		/* Schema 5: a.x and a.s are one run (name row 2) of parts 2 and 3 under a (1). */
		{ "UPDATE part SET flags = 6 WHERE id = 2", "(id 3): part row 2: checksum mismatch" },
		{ "UPDATE part SET descr = 1 WHERE id = 2", "(id 3): part row 2: checksum mismatch" },
		{ "UPDATE part SET type = 2 WHERE id = 2", "(id 3): part row 2: checksum mismatch" },
		{ "UPDATE part SET text = 'y' WHERE id = 2", "(id 3): part row 2: checksum mismatch" },
		{ "UPDATE name SET parent = 0 WHERE id = 2", "(id 3): name row 2: checksum mismatch" },
		{ "UPDATE name SET part = 1 WHERE id = 2", "(id 3): name row 2: checksum mismatch" },
		{ "UPDATE name SET n = 1 WHERE id = 2", "(id 3): name row 2: checksum mismatch" },
		{ "UPDATE name SET checksum = NULL WHERE id = 1", "(id 3): name row 1: checksum mismatch" },
		{ "DELETE FROM name WHERE id = 1", "(id 3): name row 2: rows missing before it" },
		{ "UPDATE str SET text = 'upp' WHERE id = 2", "(id 3): str row 2: checksum mismatch" },
		{ "UPDATE descr SET text = 'Text' WHERE id = 3", "(id 3): descr row 3: checksum mismatch" },
		{ "UPDATE descr SET checksum = checksum + 1 WHERE id = 1",
		    "(id 3): descr row 1: checksum mismatch" },
	};
	const char *p = tpath("sums.db");
	struct nbh_reader *r = NULL;
	struct nbh_writer *w = NULL;
	const struct nbh_entry *e;
	char err[256], want[64];
	size_t i, n;

	three_samples(p);
	/* Undamaged: the values as written, the time in the message as recorded. */
	CHECK_RC(nbh_reader_open(p, &r, err, sizeof(err)), 0);
	if (r != NULL) {
		CHECK_RC(nbh_reader_seek(r, INT64_MAX, false), 0);
		e = nbh_reader_entries(r, &n);
		CHECK(n == 3 && e[1].v == 300 && e[2].slen == 4 && memcmp(e[2].str, "down", 4) == 0);
		nbh_reader_close(&r);
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		three_samples(p);
		sq_exec(p, cases[i].sql);
		seek_fails_at(p, INT64_MAX, cases[i].msg);
		seek_fails_at(p, INT64_MAX, "damaged sample at 2023-11-14T22:13:");
	}
	/* --list reads each row whole. */
	three_samples(p);
	sq_exec(p, "UPDATE sample SET nvalues = 7 WHERE id = 2");
	CHECK_RC(nbh_reader_open(p, &r, err, sizeof(err)), 0);
	if (r != NULL) {
		CHECK_RC(nbh_reader_list(r, list_count, &n), NBH_ECORRUPT);
		CHECK(strcmp(nbh_reader_error(r), "damaged sample row 2: checksum mismatch") == 0,
		    "%s", nbh_reader_error(r));
		nbh_reader_close(&r);
	}
	/* A recorder appending to a file with a damaged name stops there. */
	three_samples(p);
	sq_exec(p, "UPDATE part SET type = 2 WHERE id = 2");
	CHECK_RC(nbh_writer_open(p, NULL, &w, err, sizeof(err)), 0);
	if (w != NULL) {
		CHECK_RC(nbh_writer_add(w, "a", 1, 1, 0, "node", 0, NULL, 0), NBH_ECORRUPT);
		CHECK(strcmp(nbh_writer_error(w), "damaged database (part row 2: checksum mismatch)") == 0,
		    "%s", nbh_writer_error(w));
		nbh_writer_close(&w);
	}
	/* A damaged schema text: SQLite's message quotes it, newline and all; ours is one line. */
	three_samples(p);
	sq_exec(p, "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = "
	    "'CREATE TABLE name(\"id' || char(10) || 'x' WHERE name = 'name'");
	CHECK(nbh_reader_open(p, &r, err, sizeof(err)) == NBH_ECORRUPT, "%s", err);
	CHECK(strstr(err, "malformed database schema") != NULL && strchr(err, '\n') == NULL,
	    "%s", err);
	nbh_reader_close(&r);
	/* A user_version that says "no checksums" on a file whose rows have them. */
	three_samples(p);
	sq_exec(p, "PRAGMA user_version = 3");
	snprintf(want, sizeof(want), "damaged database (schema version 3, with checksums)");
	seek_fails_at(p, INT64_MAX, want);
}

/* The value of a.x in the last sample the reader finds, or -1. */
static int64_t
last_x(struct nbh_reader *r)
{
	const struct nbh_entry *e;
	size_t n;

	if (nbh_reader_seek(r, INT64_MAX, false) != 0)
		return -1;
	e = nbh_reader_entries(r, &n);
	return n == 3 ? e[1].v : -1;
}

/*
 * A reader opened when nobody wrote the file (immutable: no locks, no
 * -shm) sees the samples of a recorder that starts later: it reopens the
 * file as WAL once the recorder holds the lock, before its next operation.
 */
static void
test_reader_sees_a_later_recorder(void)
{
	const char *p = tpath("later.db");
	struct nbh_sample_info si = { .source = "x", .t_ns = T3 + 1000000000LL };
	struct nbh_reader *r = NULL;
	struct nbh_writer *w = NULL;
	size_t n = 0;
	char err[256], wal[300];

	three_samples(p);
	snprintf(wal, sizeof(wal), "%s-wal", p);
	CHECK(access(wal, F_OK) != 0);
	CHECK_RC(nbh_reader_open(p, &r, err, sizeof(err)), 0);
	if (r == NULL)
		return;
	CHECK_EQ(last_x(r), 300);
	CHECK_RC(nbh_writer_open(p, NULL, &w, err, sizeof(err)), 0);
	if (w != NULL) {
		CHECK_RC(nbh_writer_add(w, "a", 1, 1, 0, "node", 0, NULL, 0), 0);
		CHECK_RC(nbh_writer_add(w, "a.x", 3, 4, 2, "count", 400, NULL, 0), 0);
		CHECK_RC(nbh_writer_add(w, "a.s", 3, 3, 0, "text", 0, "down", 4), 0);
		CHECK_RC(nbh_writer_commit(w, &si), 0);
	}
	/* The sample is in the WAL, the recorder still open. */
	CHECK_EQ(last_x(r), 400);
	CHECK_RC(nbh_reader_list(r, list_count, &n), 0);
	CHECK_EQ(n, 4);
	nbh_writer_close(&w);		/* checkpoints into the file */
	CHECK_EQ(last_x(r), 400);
	CHECK_RC(nbh_reader_seek(r, T3, false), 0);
	CHECK_RC(nbh_reader_next(r), 0);
	nbh_reader_close(&r);
}

/* A reader sees whole samples only, while the writer has one in flight. */
static void
test_concurrent_reader(void)
{
	const char *p = tpath("wal.db");
	struct nbh_writer *w = NULL;
	struct nbh_reader *r = NULL;
	struct nbh_sample_info si = { .source = "c" }, ri;
	const struct nbh_entry *e;
	size_t n;
	int k;

	CHECK_RC(nbh_writer_open(p, NULL, &w, NULL, 0), 0);
	if (w == NULL)
		return;
	for (k = 1; k <= 3; k++) {
		CHECK_RC(nbh_writer_add(w, "v", 1, 2, 0, "", k, NULL, 0), 0);
		si.t_ns = k;
		CHECK_RC(nbh_writer_commit(w, &si), 0);
	}
	CHECK_RC(nbh_reader_open(p, &r, NULL, 0), 0);
	/* Sample 4 in flight: new names inserted, not committed. */
	CHECK_RC(nbh_writer_add(w, "v", 1, 2, 0, "", 4, NULL, 0), 0);
	CHECK_RC(nbh_writer_add(w, "w", 1, 2, 0, "", 4, NULL, 0), 0);
	if (r != NULL) {
		CHECK_RC(nbh_reader_seek(r, INT64_MAX, false), 0);
		CHECK_RC(nbh_reader_info(r, &ri), 0);
		e = nbh_reader_entries(r, &n);
		CHECK(ri.t_ns == 3 && n == 1 && e[0].v == 3);
		CHECK_RC(nbh_reader_next(r), -ENOENT);
	}
	si.t_ns = 4;
	CHECK_RC(nbh_writer_commit(w, &si), 0);
	if (r != NULL) {
		CHECK_RC(nbh_reader_next(r), 0);
		e = nbh_reader_entries(r, &n);
		CHECK(n == 2 && e[0].v == 4 && e[1].v == 4 && strcmp(e[1].name, "w") == 0);
		nbh_reader_close(&r);
	}
	nbh_writer_close(&w);
}

/* Sample k of test_shape_edits: nm n<k>..n<k+19> (a window sliding by one) and x<k % 3>. */
#define SH_WIN	20

static size_t
sh_names(unsigned k, char nm[][16], int64_t *v)
{
	size_t n = 0;
	unsigned j;

	for (j = k; j < k + SH_WIN; j++) {
		snprintf(nm[n], 16, "n%03u", j);
		v[n++] = (int64_t)j * 100 + k;
	}
	snprintf(nm[n], 16, "x%u", k % 3);
	v[n++] = -(int64_t)k;
	return n;
}

static int64_t
sq_int(const char *path, const char *sql)
{
	sqlite3 *sq;
	sqlite3_stmt *st;
	int64_t v = -1;

	CHECK_RC(sqlite3_open(path, &sq), SQLITE_OK);
	CHECK_RC(sqlite3_prepare_v2(sq, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(sq);
	return v;
}

/* Write sample k at t_ns k + 1. */
static void
sh_commit(struct nbh_writer *w, unsigned k)
{
	struct nbh_sample_info si = { .source = "sh", .t_ns = (int64_t)k + 1 };
	char nm[SH_WIN + 1][16];
	int64_t v[SH_WIN + 1];
	size_t n = sh_names(k, nm, v), i;

	for (i = 0; i < n; i++)
		CHECK_RC(nbh_writer_add(w, nm[i], strlen(nm[i]), 2, 2, "", v[i], NULL, 0), 0);
	CHECK_RC(nbh_writer_commit(w, &si), 0);
}

/* Reader at sample k (t_ns k + 1) holds exactly sample k's nm and values. */
static void
sh_expect(struct nbh_reader *r, unsigned k)
{
	char nm[SH_WIN + 1][16];
	int64_t v[SH_WIN + 1];
	const struct nbh_entry *e;
	size_t n, want = sh_names(k, nm, v), i;
	struct nbh_sample_info si;

	CHECK_RC(nbh_reader_info(r, &si), 0);
	CHECK(si.t_ns == (int64_t)k + 1, "at %" PRId64 ", want %u", si.t_ns, k + 1);
	e = nbh_reader_entries(r, &n);
	CHECK(n == want, "sample %u: %zu nm, want %zu", k, n, want);
	for (i = 0; i < n && i < want; i++)
		CHECK(strcmp(e[i].name, nm[i]) == 0 && e[i].v == v[i], "sample %u, %zu: %s = %"
		    PRId64 ", want %s = %" PRId64, k, i, e[i].name, e[i].v, nm[i], v[i]);
}

/* A reader opened for sample k alone: its shape decodes from nothing cached. */
static void
sh_cold(const char *path, unsigned k)
{
	struct nbh_reader *r = NULL;

	CHECK_RC(nbh_reader_open(path, &r, NULL, 0), 0);
	if (r == NULL)
		return;
	CHECK_RC(nbh_reader_seek(r, (int64_t)k + 1, false), 0);
	sh_expect(r, k);
	nbh_reader_close(&r);
}

/*
 * Shapes stored as edits of the one before (schema 3): the nm change
 * every sample, keyframes every 4. Every sample decodes in order and by a
 * cold seek; keyframes' shapes are whole; retention keeps every base a
 * kept shape needs.
 */
static void
test_shape_edits(void)
{
	const char *p = tpath("shapes.db");
	struct nbh_writer_opts o = { .keyframe_every = 4 };
	struct nbh_writer *w = NULL;
	struct nbh_reader *r = NULL;
	unsigned k, nk = 24;

	CHECK_RC(nbh_writer_open(p, &o, &w, NULL, 0), 0);
	if (w == NULL)
		return;
	for (k = 0; k < nk; k++) {
		sh_commit(w, k);
	}
	CHECK(sq_int(p, "SELECT count(*) FROM shape WHERE base IS NOT NULL") >= nk / 2);
	CHECK(sq_int(p, "SELECT count(*) FROM sample s JOIN shape h ON h.id = s.shape "
	    "WHERE s.id = s.keyframe AND h.base IS NOT NULL") == 0);
	CHECK(sq_int(p, "SELECT count(*) FROM shape WHERE base IS NOT NULL AND "
	    "length(names) * 2 >= nnames") == 0);
	/* In order (each shape from the one before), then cold seeks, newest first. */
	CHECK_RC(nbh_reader_open(p, &r, NULL, 0), 0);
	if (r != NULL) {
		CHECK_RC(nbh_reader_seek(r, 1, false), 0);
		for (k = 0; k < nk; k++) {
			sh_expect(r, k);
			if (k + 1 < nk)
				CHECK_RC(nbh_reader_next(r), 0);
		}
		nbh_reader_close(&r);
	}
	for (k = nk; k-- > 0;)
		sh_cold(p, k);
	/* Retention: keep the last 6 ns; pruned by keyframe, every kept base is there. */
	CHECK_RC(nbh_writer_set_retain(w, 6), 0);
	for (k = nk; k < nk + 3; k++)
		sh_commit(w, k);
	nbh_writer_close(&w);
	CHECK(sq_int(p, "SELECT min(t_ns) FROM sample") > 1);
	CHECK(sq_int(p, "SELECT count(*) FROM shape WHERE base IS NOT NULL AND "
	    "base NOT IN (SELECT id FROM shape)") == 0);
	for (k = (unsigned)sq_int(p, "SELECT min(t_ns) FROM sample") - 1; k < nk + 3; k++)
		sh_cold(p, k);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_store();
	test_same_shape_runs();
	test_add_by_id();
	test_record_replay();
	test_record_positions();
	test_record_churn();
	test_record_from_replay();
	test_replay_names();
	test_bad_files();
	test_migration();
	test_row_checksums();
	test_reader_sees_a_later_recorder();
	test_concurrent_reader();
	test_shape_edits();
	if (failures == 0 && check_rmtree(dir) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	if (failures != 0) {
		fprintf(stderr, "%d failure(s) (files in %s)\n", failures, dir);
		return 1;
	}
	printf("test_history: ok\n");
	return 0;
}
