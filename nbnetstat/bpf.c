/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpf.c - nbnetstat -B (the capture peers of net.bpf.peers, NetBSD netstat
 * -B's table) and -s -B (the totals of net.bpf.stats). A value the tree
 * does not have prints as "-" and is null in JSON.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#include "nbnetstat.h"

/* NB_BPF_F_* of the flags leaf (docs/mib.md). */
#define BF_RX_RING	0x01u
#define BF_TX_RING	0x02u
#define BF_FANOUT	0x04u
#define BF_DETACHED	0x40u

enum { F_PID, F_FD, F_UID, F_PROMISC, F_RCOUNT, F_DCOUNT, F_CCOUNT, F_BUFSIZE, F_FILTER,
	F_FLAGS, F_NOWNERS, F_N };

static const char *const bpf_leaves[F_N] = {
	[F_PID] = "pid", [F_FD] = "fd", [F_UID] = "uid", [F_PROMISC] = "promisc",
	[F_RCOUNT] = "rcount", [F_DCOUNT] = "dcount", [F_CCOUNT] = "ccount",
	[F_BUFSIZE] = "bufsize", [F_FILTER] = "filter_len", [F_FLAGS] = "flags",
	[F_NOWNERS] = "nowners",
};

struct bpf_row {
	uint64_t	 v[F_N];
	char		 comm[64];
	char		 ifname[64];
};

enum { C_COMM = F_N, C_IFNAME, NCOLS };

static struct nb_sysctl_column bpf_cols[NCOLS];

static int
walk_err(struct nb_sysctl *h, const char *name, int rc)
{
	const char *d = nb_sysctl_errdetail(h);

	nb_warnx("%s: %s%s%s", name, strerror(-rc), *d != '\0' ? ": " : "", d);
	return NB_EXIT_RUNTIME;
}

static void
cols_init(void)
{
	unsigned f;

	if (bpf_cols[0].leaf != NULL)
		return;
	for (f = 0; f < F_N; f++)
		bpf_cols[f] = (struct nb_sysctl_column){ bpf_leaves[f], NB_SYSCTL_U64,
		    offsetof(struct bpf_row, v) + f * sizeof(uint64_t), 0 };
	bpf_cols[C_COMM] = (struct nb_sysctl_column){ "comm", NB_SYSCTL_STRING,
	    offsetof(struct bpf_row, comm), 64 };
	bpf_cols[C_IFNAME] = (struct nb_sysctl_column){ "ifname", NB_SYSCTL_STRING,
	    offsetof(struct bpf_row, ifname), 64 };
}

/* Leaf f of row i is in the tree. */
static bool
have(const struct nb_sysctl_table *t, size_t i, unsigned f)
{
	return nb_sysctl_row_has(&t->ids[i], f);
}

/* A number column: the value, or "-" (null) when the tree has none. */
static void
num_cell(struct nb_out *o, const struct nb_sysctl_table *t, size_t i, unsigned f,
    const char *key, const char *fmt, int width)
{
	const struct bpf_row *row = nb_sysctl_table_row(t, i);

	if (have(t, i, f))
		nb_out_u64(o, NB_OUT_ANY, key, fmt, row->v[f]);
	else {
		nb_out_pad(o, width - 1);
		nb_out_null(o, NB_OUT_ANY, key, "-");
	}
}

/* Flags as letters: p promisc, r RX ring, t TX ring, f fanout, d detached. */
static void
flags_text(const struct nb_sysctl_table *t, size_t i, char buf[8])
{
	const struct bpf_row *row = nb_sysctl_table_row(t, i);
	uint64_t fl = row->v[F_FLAGS];

	buf[0] = have(t, i, F_PROMISC) && row->v[F_PROMISC] ? 'p' : '-';
	buf[1] = fl & BF_RX_RING ? 'r' : '-';
	buf[2] = fl & BF_TX_RING ? 't' : '-';
	buf[3] = fl & BF_FANOUT ? 'f' : '-';
	buf[4] = fl & BF_DETACHED ? 'd' : '-';
	buf[5] = '\0';
}

/* One peer's row; --diff: mark ('+', '-', '~') first, for '~' what changed. */
static void
render_peer(struct nb_out *o, const struct nb_sysctl_table *t, size_t i, char mark,
    const char *what)
{
	const struct bpf_row *row = nb_sysctl_table_row(t, i);
	char flags[8], m[2] = { mark, '\0' };
	const char *ifname;

	nb_out_open_object(o, NULL);
	if (mark != '\0')
		nb_out_str(o, NB_OUT_ANY, "change", "%s ", m);
	if (have(t, i, F_PID))
		nb_out_u64(o, NB_OUT_ANY, "pid", "%-7" PRIu64, row->v[F_PID]);
	else
		nb_out_null(o, NB_OUT_ANY, "pid", "-      ");
	if (row->ifname[0] != '\0')
		ifname = row->ifname;
	else
		ifname = (row->v[F_FLAGS] & BF_DETACHED) ? "-" : "*";
	nb_out_str(o, NB_OUT_ANY, "ifname", " %-9s", ifname);
	num_cell(o, t, i, F_RCOUNT, "rcount", " %9" PRIu64, 10);
	num_cell(o, t, i, F_DCOUNT, "dcount", " %9" PRIu64, 10);
	num_cell(o, t, i, F_CCOUNT, "ccount", " %9" PRIu64, 10);
	flags_text(t, i, flags);
	nb_out_str(o, NB_OUT_ANY, "flags", " %-5s", flags);
	num_cell(o, t, i, F_BUFSIZE, "bufsize", " %8" PRIu64, 9);
	if (have(t, i, C_COMM))
		nb_out_str(o, NB_OUT_ANY, "comm", " %s", row->comm);
	else
		nb_out_null(o, NB_OUT_ANY, "comm", " -");
	if (what != NULL)
		nb_out_str(o, NB_OUT_ANY, "what", "  %s", what);
	nb_out_text(o, "\n");
	/* JSON only: the rest of the peer. */
	nb_out_u64(o, NB_OUT_JSON, "inode", NULL, (uint64_t)t->ids[i].index);
	if (have(t, i, F_FD))
		nb_out_u64(o, NB_OUT_JSON, "fd", NULL, row->v[F_FD]);
	if (have(t, i, F_UID))
		nb_out_u64(o, NB_OUT_JSON, "uid", NULL, row->v[F_UID]);
	if (have(t, i, F_FILTER))
		nb_out_u64(o, NB_OUT_JSON, "filter_len", NULL, row->v[F_FILTER]);
	if (have(t, i, F_PROMISC))
		nb_out_bool(o, NB_OUT_JSON, "promisc", NULL, row->v[F_PROMISC] != 0);
	nb_out_close_object(o);
}

static void
peers_header(struct nb_out *o, const char *indent)
{
	nb_out_text(o, "%s%-7s %-9s %9s %9s %9s %-5s %8s %s\n", indent, "PID", "Int", "Recv",
	    "Drop", "Capt", "Flags", "Bufsize", "Comm");
}

/* The -B table of t (counters as read, or deltas in interval mode). */
static void
render_peers(struct nb_out *o, const struct nb_sysctl_table *t)
{
	nb_out_text(o, "Active BPF peers\n");
	peers_header(o, "");
	nb_out_open_array(o, "peers");
	for (size_t i = 0; i < t->nrows; i++)
		render_peer(o, t, i, '\0', NULL);
	nb_out_close_array(o);
}

/* What the kernel hid from this user, said once (never an error). */
static void
warn_owners(const struct nb_sysctl_table *t)
{
	size_t i, nown;

	for (i = nown = 0; i < t->nrows; i++)
		if (!have(t, i, F_PID))
			nown++;
	if (nown > 0)
		nb_warnx("%zu capture peer%s without a visible owner (processes of other "
		    "users are hidden from this one, or live in another PID namespace)",
		    nown, nown == 1 ? "" : "s");
}

static int
read_peers(struct nb_sysctl *h, struct nb_sysctl_table *t)
{
	int rc;

	cols_init();
	if ((rc = nb_sysctl_table_read(h, "net.bpf.peers.*", bpf_cols, NCOLS,
	    sizeof(struct bpf_row), 0, t)) < 0 && rc != -ENOENT) {
		nb_sysctl_table_free(t);
		return walk_err(h, "net.bpf.peers", rc);
	}
	return 0;
}

/*
 * Interval mode of -B and -s -B: one table read per tick (`read`) with its
 * counters turned into what moved since the last tick (nb_delta: a peer new
 * since the last sample counts from 0; gauges as they are).
 */
struct bpf_iv {
	struct nb_sysctl *h;
	int		(*read)(struct nb_sysctl *h, struct nb_sysctl_table *t);
	const struct nb_sysctl_column *cols;
	struct nb_delta	*d;
	struct nb_sysctl_table t;
	bool		 first;
};

static int
bpf_iv_read(void *arg)
{
	struct bpf_iv *iv = arg;
	int rc;

	if ((rc = iv->read(iv->h, &iv->t)) != 0)
		return rc;
	if (nb_delta_step(iv->d, &iv->t, iv->cols, NULL) != 0)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	return 0;
}

static int
bpf_interval(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o,
    struct bpf_iv *bv, void (*render)(void *arg, struct nb_out *o))
{
	const struct nb_interval iv = { bpf_iv_read, render, bv };
	int rc;

	bv->h = h;
	bv->first = true;
	if (nb_delta_create(&bv->d) != 0)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	rc = nb_interval_run(h, &no->c, o, &iv);
	nb_delta_destroy(&bv->d);
	return rc;
}

/* -B -w: the -B table per interval; the first is since the peers opened. */
static void
peers_iv_render(void *arg, struct nb_out *o)
{
	struct bpf_iv *iv = arg;

	render_peers(o, &iv->t);
	if (iv->first)
		warn_owners(&iv->t);
	iv->first = false;
	nb_sysctl_table_free(&iv->t);
}

int
bpf_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct nb_sysctl_table t;
	int rc;

	if (no->c.interval_set || no->c.count_set) {
		struct bpf_iv bv = { .read = read_peers, .cols = bpf_cols };

		return bpf_interval(h, no, o, &bv, peers_iv_render);
	}
	if ((rc = read_peers(h, &t)) != 0)
		return rc;
	nb_out_record_begin(o);
	render_peers(o, &t);
	nb_out_record_end(o);
	warn_owners(&t);
	nb_sysctl_table_free(&t);
	return 0;
}

/* ---- -s -B ---- */

static const struct bst_line {
	const char	*leaf;
	const char	*one;		/* after the number 1 */
	const char	*text;		/* after any other number */
	bool		 always;	/* shown by -ss even when zero */
} bst_lines[] = {
	{ "peers", "capture peer", "capture peers", true },
	{ "promisc", "peer in promiscuous mode", "peers in promiscuous mode", false },
	/* NetBSD's three lines, in its order. */
	{ "rcount", "total packets received", "total packets received", false },
	{ "ccount", "total packets captured", "total packets captured", false },
	{ "dcount", "total packets dropped", "total packets dropped", false },
};
#define NBST	(sizeof(bst_lines) / sizeof(bst_lines[0]))

static struct nb_sysctl_column bst_cols[NBST];

/* The totals line by line (deltas in interval mode: zeros hidden as -ss). */
static void
render_totals(struct nb_out *o, const struct nb_sysctl_table *t, int sflag)
{
	const uint64_t *v = nb_sysctl_table_row(t, 0);
	size_t k;

	nb_out_open_object(o, "bpf");
	nb_out_text(o, "bpf:\n");
	for (k = 0; v != NULL && k < NBST; k++) {
		if (!nb_sysctl_row_has(&t->ids[0], (unsigned)k))
			continue;
		if (sflag > 1 && v[k] == 0 && !bst_lines[k].always)
			continue;
		nb_out_u64(o, NB_OUT_ANY, bst_lines[k].leaf, "\t%" PRIu64, v[k]);
		nb_out_text(o, " %s\n", v[k] == 1 ? bst_lines[k].one : bst_lines[k].text);
	}
	nb_out_close_object(o);
}

static int
read_totals(struct nb_sysctl *h, struct nb_sysctl_table *t)
{
	size_t k;
	int rc;

	for (k = 0; k < NBST; k++)
		bst_cols[k] = (struct nb_sysctl_column){ bst_lines[k].leaf, NB_SYSCTL_U64,
		    k * sizeof(uint64_t), 0 };
	if ((rc = nb_sysctl_table_read(h, "net.bpf.stats", bst_cols, NBST,
	    NBST * sizeof(uint64_t), 0, t)) < 0 && rc != -ENOENT) {
		nb_sysctl_table_free(t);
		return walk_err(h, "net.bpf.stats", rc);
	}
	return 0;
}

/* -s -B -w: the totals' deltas per interval (zeros hidden as -ss). */
static void
totals_iv_render(void *arg, struct nb_out *o)
{
	struct bpf_iv *iv = arg;

	render_totals(o, &iv->t, 2);
	nb_sysctl_table_free(&iv->t);
}

int
bpf_stats_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct nb_sysctl_table t;
	int rc;

	if (no->c.interval_set || no->c.count_set) {
		struct bpf_iv bv = { .read = read_totals, .cols = bst_cols };

		return bpf_interval(h, no, o, &bv, totals_iv_render);
	}
	if ((rc = read_totals(h, &t)) != 0)
		return rc;
	nb_out_record_begin(o);
	render_totals(o, &t, no->sflag);
	nb_out_record_end(o);
	nb_sysctl_table_free(&t);
	return 0;
}

/* ---- --diff T1 T2 ---- */

/* The row of peer (socket inode) ino in t, or -1. */
static ssize_t
peer_find(const struct nb_sysctl_table *t, int64_t ino)
{
	for (size_t i = 0; i < t->nrows; i++)
		if (t->ids[i].index == ino)
			return (ssize_t)i;
	return -1;
}

/* What differs in peer i of a and j of b (the same socket): "" nothing. */
static void
peer_changes(const struct nb_sysctl_table *a, size_t i, const struct nb_sysctl_table *b, size_t j,
    char *buf, size_t size)
{
	static const unsigned fs[] = { F_PROMISC, F_BUFSIZE, F_FILTER, F_FLAGS };
	const struct bpf_row *ra = nb_sysctl_table_row(a, i), *rb = nb_sysctl_table_row(b, j);
	size_t off = 0;

	buf[0] = '\0';
	if (strcmp(ra->ifname, rb->ifname) != 0)
		off += (size_t)snprintf(buf, size, "interface %s -> %s",
		    *ra->ifname ? ra->ifname : "*", *rb->ifname ? rb->ifname : "*");
	for (size_t k = 0; k < sizeof(fs) / sizeof(fs[0]) && off < size; k++) {
		unsigned f = fs[k];
		char va[24] = "-", vb[24] = "-";

		if (have(a, i, f) == have(b, j, f) && ra->v[f] == rb->v[f])
			continue;
		if (have(a, i, f))
			snprintf(va, sizeof(va), "%" PRIu64, ra->v[f]);
		if (have(b, j, f))
			snprintf(vb, sizeof(vb), "%" PRIu64, rb->v[f]);
		off += (size_t)snprintf(buf + off, size - off, "%s%s %s -> %s", off ? ", " : "",
		    bpf_leaves[f], va, vb);
	}
}

/*
 * -B --diff T1 T2: peers (by socket inode) stopped '-', started '+', and
 * changed '~' (interface, promiscuity, buffer, filter, flags); counters
 * moving is not a change.
 */
int
bpf_diff(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct nb_sysctl *h1 = NULL, *h2 = NULL;
	struct nb_sysctl_table a = { 0 }, b = { 0 };
	char what[256];
	int64_t t1, t2;
	ssize_t j;
	int ret = 0;

	(void)h; /* --diff opens its own two */
	nb_common_open_diff(&no->c, &h1, &h2);
	ret |= read_peers(h1, &a);
	ret |= read_peers(h2, &b);
	t1 = nb_sysctl_sample_time(h1);
	t2 = nb_sysctl_sample_time(h2);
	nb_out_record_begin(o);
	nb_out_span(o, t1, t2, "BPF peer changes over %.3f s\n");
	peers_header(o, "  ");
	nb_out_open_array(o, "peers");
	for (size_t i = 0; i < a.nrows; i++) {
		if ((j = peer_find(&b, a.ids[i].index)) < 0) {
			render_peer(o, &a, i, '-', NULL);
			continue;
		}
		peer_changes(&a, i, &b, (size_t)j, what, sizeof(what));
		if (*what != '\0')
			render_peer(o, &b, (size_t)j, '~', what);
	}
	for (size_t i = 0; i < b.nrows; i++)
		if (peer_find(&a, b.ids[i].index) < 0)
			render_peer(o, &b, i, '+', NULL);
	nb_out_close_array(o);
	nb_out_record_end(o);
	nb_sysctl_table_free(&a);
	nb_sysctl_table_free(&b);
	nb_common_close(&h1);
	nb_common_close(&h2);
	return ret;
}
