/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpf.c - nbnetstat -B (the capture peers of net.bpf.peers, NetBSD netstat
 * -B's table) and -s -B (the totals of net.bpf.stats). A value the tree
 * does not have prints as "-" and is null in JSON.
 */
#include <errno.h>
#include <inttypes.h>
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
	uint64_t	 id;
	uint64_t	 v[F_N];
	unsigned	 have;		/* bit f: leaf f is in the tree */
	char		 comm[64];
	char		 ifname[64];
	bool		 has_comm;
};

struct bpf_rows {
	struct bpf_row	*v;
	size_t		 n, cap;
};

static int
walk_err(struct nb_sysctl *h, const char *name, int rc)
{
	const char *d = nb_sysctl_errdetail(h);

	nb_warnx("%s: %s%s%s", name, strerror(-rc), *d != '\0' ? ": " : "", d);
	return NB_EXIT_RUNTIME;
}

static uint64_t
leaf_u64(const struct nb_sysctl_value *v)
{
	return v->type == NB_SYSCTL_INT ? (uint64_t)v->i : v->u;
}

/* net bpf peers <id> <leaf>: rows come in id order, one leaf after another. */
static int
bpf_collect_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct bpf_rows *r = arg;
	struct bpf_row *row;
	const char *leaf;
	uint64_t id;
	char *end;
	size_t f;

	if (e->ncomp != 5 || e->val.type == NB_SYSCTL_NODE)
		return 0;
	errno = 0;
	id = strtoull(e->comp[3], &end, 10);
	if (*end != '\0' || end == e->comp[3] || errno != 0)
		return 0;
	if (r->n == 0 || r->v[r->n - 1].id != id) {
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 16;
			struct bpf_row *v = realloc(r->v, cap * sizeof(*v));

			if (v == NULL)
				return -ENOMEM;
			r->v = v;
			r->cap = cap;
		}
		row = &r->v[r->n++];
		memset(row, 0, sizeof(*row));
		row->id = id;
	}
	row = &r->v[r->n - 1];
	leaf = e->comp[4];
	if (strcmp(leaf, "comm") == 0) {
		snprintf(row->comm, sizeof(row->comm), "%s", e->val.str);
		row->has_comm = true;
		return 0;
	}
	if (strcmp(leaf, "ifname") == 0) {
		snprintf(row->ifname, sizeof(row->ifname), "%s", e->val.str);
		return 0;
	}
	for (f = 0; f < F_N; f++)
		if (strcmp(bpf_leaves[f], leaf) == 0) {
			row->v[f] = leaf_u64(&e->val);
			row->have |= 1u << f;
		}
	return 0;
}

/* A number column: the value, or "-" (null) when the tree has none. */
static void
num_cell(struct nb_out *o, const struct bpf_row *row, unsigned f, const char *key,
    const char *fmt, int width)
{
	if (row->have & (1u << f))
		nb_out_u64(o, NB_OUT_ANY, key, fmt, row->v[f]);
	else {
		nb_out_pad(o, width - 1);
		nb_out_null(o, NB_OUT_ANY, key, "-");
	}
}

/* Flags as letters: p promisc, r RX ring, t TX ring, f fanout, d detached. */
static void
flags_text(const struct bpf_row *row, char buf[8])
{
	uint64_t fl = row->v[F_FLAGS];

	buf[0] = (row->have & (1u << F_PROMISC)) && row->v[F_PROMISC] ? 'p' : '-';
	buf[1] = fl & BF_RX_RING ? 'r' : '-';
	buf[2] = fl & BF_TX_RING ? 't' : '-';
	buf[3] = fl & BF_FANOUT ? 'f' : '-';
	buf[4] = fl & BF_DETACHED ? 'd' : '-';
	buf[5] = '\0';
}

int
bpf_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct bpf_rows r = { 0 };
	char flags[8];
	size_t i, nown;
	int rc;

	(void)no;
	if ((rc = nb_sysctl_walk(h, "net.bpf.peers", 0, bpf_collect_cb, &r)) < 0 &&
	    rc != -ENOENT) {
		free(r.v);
		return walk_err(h, "net.bpf.peers", rc);
	}
	nb_out_record_begin(o);
	nb_out_text(o, "Active BPF peers\n");
	nb_out_text(o, "%-7s %-9s %9s %9s %9s %-5s %8s %s\n", "PID", "Int", "Recv", "Drop",
	    "Capt", "Flags", "Bufsize", "Comm");
	nb_out_open_array(o, "peers");
	for (i = 0; i < r.n; i++) {
		const struct bpf_row *row = &r.v[i];

		nb_out_open_object(o, NULL);
		if (row->have & (1u << F_PID))
			nb_out_u64(o, NB_OUT_ANY, "pid", "%-7" PRIu64, row->v[F_PID]);
		else
			nb_out_null(o, NB_OUT_ANY, "pid", "-      ");
		nb_out_str(o, NB_OUT_ANY, "ifname", " %-9s", row->ifname[0] != '\0' ? row->ifname :
		    (row->v[F_FLAGS] & BF_DETACHED) ? "-" : "*");
		num_cell(o, row, F_RCOUNT, "rcount", " %9" PRIu64, 10);
		num_cell(o, row, F_DCOUNT, "dcount", " %9" PRIu64, 10);
		num_cell(o, row, F_CCOUNT, "ccount", " %9" PRIu64, 10);
		flags_text(row, flags);
		nb_out_str(o, NB_OUT_ANY, "flags", " %-5s", flags);
		num_cell(o, row, F_BUFSIZE, "bufsize", " %8" PRIu64, 9);
		if (row->has_comm)
			nb_out_str(o, NB_OUT_ANY, "comm", " %s", row->comm);
		else
			nb_out_null(o, NB_OUT_ANY, "comm", " -");
		nb_out_text(o, "\n");
		/* JSON only: the rest of the peer. */
		nb_out_u64(o, NB_OUT_JSON, "inode", NULL, row->id);
		if (row->have & (1u << F_FD))
			nb_out_u64(o, NB_OUT_JSON, "fd", NULL, row->v[F_FD]);
		if (row->have & (1u << F_UID))
			nb_out_u64(o, NB_OUT_JSON, "uid", NULL, row->v[F_UID]);
		if (row->have & (1u << F_FILTER))
			nb_out_u64(o, NB_OUT_JSON, "filter_len", NULL, row->v[F_FILTER]);
		if (row->have & (1u << F_PROMISC))
			nb_out_bool(o, NB_OUT_JSON, "promisc", NULL, row->v[F_PROMISC] != 0);
		nb_out_close_object(o);
	}
	nb_out_close_array(o);
	nb_out_record_end(o);
	/* What the kernel hid from this user, said once (never an error). */
	for (i = nown = 0; i < r.n; i++)
		if ((r.v[i].have & (1u << F_PID)) == 0)
			nown++;
	if (nown > 0)
		nb_warnx("%zu capture peer%s without a visible owner (processes of other "
		    "users are hidden from this one, or live in another PID namespace)",
		    nown, nown == 1 ? "" : "s");
	free(r.v);
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

struct bst_walk {
	uint64_t	 v[NBST];
	unsigned	 have;
};

static int
bst_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct bst_walk *w = arg;
	size_t k;

	if (e->ncomp != 4 || e->val.type == NB_SYSCTL_NODE)
		return 0;
	for (k = 0; k < NBST; k++)
		if (strcmp(bst_lines[k].leaf, e->comp[3]) == 0) {
			w->v[k] = leaf_u64(&e->val);
			w->have |= 1u << k;
		}
	return 0;
}

int
bpf_stats_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct bst_walk w = { 0 };
	size_t k;
	int rc;

	if ((rc = nb_sysctl_walk(h, "net.bpf.stats", 0, bst_cb, &w)) < 0 && rc != -ENOENT)
		return walk_err(h, "net.bpf.stats", rc);
	nb_out_record_begin(o);
	nb_out_open_object(o, "bpf");
	nb_out_text(o, "bpf:\n");
	for (k = 0; k < NBST; k++) {
		if ((w.have & (1u << k)) == 0)
			continue;
		if (no->sflag > 1 && w.v[k] == 0 && !bst_lines[k].always)
			continue;
		nb_out_u64(o, NB_OUT_ANY, bst_lines[k].leaf, "\t%" PRIu64, w.v[k]);
		nb_out_text(o, " %s\n", w.v[k] == 1 ? bst_lines[k].one : bst_lines[k].text);
	}
	nb_out_close_object(o);
	nb_out_record_end(o);
	return 0;
}
