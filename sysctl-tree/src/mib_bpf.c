/* SPDX-License-Identifier: BSD-2-Clause */
/* mib_bpf.c - net.bpf.peers.<id>.* and net.bpf.stats.*: capture descriptors. */
/*
 * Concurrency: this provider runs inside the walk's one read section (mib.c,
 * theory of operation) and uses only libstack's reader calls with its
 * struct nb_read, so the peers and the totals come from one snapshot of the
 * descriptor list (counters are live, as everywhere). Each call collects
 * the visible descriptors into a vector (one allocation per call), sorts it
 * by id and reports it; <id> is the descriptor's id (the socket inode on
 * Linux). A value the source does not know (nb_bpfattrs.has) is an absent
 * leaf, never a zero.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mib.h"

struct bvec {
	const struct nb_bpf **v;
	size_t		 n, cap;
};

static int
bpf_collect(const struct nb_bpf *d, void *arg)
{
	struct bvec *b = arg;
	const struct nb_bpf **v;
	size_t cap;

	if (b->n == b->cap) {
		cap = b->cap != 0 ? b->cap * 2 : 32;
		if ((v = realloc(b->v, cap * sizeof(*v))) == NULL)
			return -ENOMEM;
		b->v = v;
		b->cap = cap;
	}
	b->v[b->n++] = d;
	return 0;
}

static int
bpf_cmp(const void *x, const void *y)
{
	uint64_t a = nb_bpf_attrs(*(const struct nb_bpf *const *)x)->id;
	uint64_t b = nb_bpf_attrs(*(const struct nb_bpf *const *)y)->id;

	return a < b ? -1 : a > b;
}

static const char *
type_text(unsigned t)
{
	switch (t) {
	case SOCK_RAW:
		return "raw";
	case SOCK_DGRAM:
		return "dgram";
	}
	return "other";
}

static const unsigned bpf_has[NB_BPFSTAT_MAX] = {
	[NB_BPFSTAT_RCOUNT] = NB_BPF_HAS_RCOUNT,
	[NB_BPFSTAT_DCOUNT] = NB_BPF_HAS_DCOUNT,
	[NB_BPFSTAT_CCOUNT] = NB_BPF_HAS_CCOUNT,
};

static void
peer_leaves(struct mib_walk *w, const struct nb_bpf *d)
{
	const struct nb_bpfattrs *a = nb_bpf_attrs(d);
	const struct nb_ctrgroup *g = nb_bpf_ctrs(d);
	unsigned i;

	if (a->has & NB_BPF_HAS_OWNER) {
		MIB_LEAF(w, "pid", mib_leaf_int(w, "owner: lowest pid holding the descriptor",
		    NB_SYSCTL_F_GAUGE, a->pid));
		MIB_LEAF(w, "comm", mib_leaf_str(w, "owner's command name", NB_SYSCTL_STRING, 0,
		    a->comm));
		MIB_LEAF(w, "fd", mib_leaf_int(w, "owner's lowest descriptor number for it",
		    NB_SYSCTL_F_GAUGE, a->fd));
		MIB_LEAF(w, "nowners", mib_leaf_int(w, "processes holding it (fork, SCM_RIGHTS)",
		    NB_SYSCTL_F_GAUGE, a->nowners));
	}
	MIB_LEAF(w, "uid", mib_leaf_int(w, "socket owner uid", NB_SYSCTL_F_GAUGE, a->uid));
	MIB_LEAF(w, "inode", mib_leaf_u64(w, "identity: socket inode (linux), descriptor (sim)",
	    NB_SYSCTL_F_GAUGE, a->id));
	MIB_LEAF(w, "ifname", mib_leaf_str(w, "interface it is bound to, \"\" if unbound (all)",
	    NB_SYSCTL_STRING, 0, a->ifname));
	if (a->has & NB_BPF_HAS_PROMISC)
		MIB_LEAF(w, "promisc", mib_leaf_int(w, "holds a promiscuous membership (1) or not (0)",
		    NB_SYSCTL_F_GAUGE, a->promisc != 0));
	for (i = 0; i < NB_BPFSTAT_MAX; i++) {
		const char *name = nb_bpfstat_desc[i].name;

		if ((a->has & bpf_has[i]) == 0 || mw_stop(w) || !mw_enter(w, name, strlen(name)))
			continue;
		if (mw_want_leaf(w))
			mib_leaf_ctr(w, nb_bpfstat_desc[i].descr,
			    NB_SYSCTL_F_COUNTER | NB_SYSCTL_F_PERCPU, g, i);
		mw_leave(w);
	}
	if (a->has & NB_BPF_HAS_BUFSIZE)
		MIB_LEAF(w, "bufsize", mib_leaf_int(w, "receive buffer, bytes", NB_SYSCTL_F_GAUGE,
		    a->bufsize));
	if (a->has & NB_BPF_HAS_FILTER)
		MIB_LEAF(w, "filter_len", mib_leaf_int(w,
		    "classic BPF filter instructions, 0 = none", NB_SYSCTL_F_GAUGE, a->filter_len));
	if (a->flags & NB_BPF_F_FANOUT)
		MIB_LEAF(w, "fanout", mib_leaf_int(w, "fanout group: id | type << 16",
		    NB_SYSCTL_F_GAUGE, a->fanout));
	MIB_LEAF(w, "protocol", mib_leaf_int(w, "ethertype captured (3 = ETH_P_ALL)",
	    NB_SYSCTL_F_GAUGE, a->protocol));
	MIB_LEAF(w, "type", mib_leaf_str(w, "socket type: raw or dgram", NB_SYSCTL_STRING, 0,
	    type_text(a->type)));
	MIB_LEAF(w, "flags", mib_leaf_int(w, "NB_BPF_F_*: 1 rx ring, 2 tx ring, 4 fanout, "
	    "8 auxdata, 16 origdev, 32 vnet header, 64 detached", NB_SYSCTL_F_GAUGE, a->flags));
}

static void
stats_node(struct mib_walk *w, const struct bvec *b)
{
	uint64_t tot[NB_BPFSTAT_MAX] = { 0 }, v[NB_BPFSTAT_MAX];
	unsigned have = 0, npromisc = 0, i;
	bool promisc_known = false;
	size_t k;

	if (mw_stop(w) || !mw_enter(w, "stats", 5))
		return;
	if (!mib_node(w, "totals over the capture peers"))
		goto out;
	for (k = 0; k < b->n; k++) {
		const struct nb_bpfattrs *a = nb_bpf_attrs(b->v[k]);

		nb_bpf_stats(b->v[k], v);
		for (i = 0; i < NB_BPFSTAT_MAX; i++)
			if (a->has & bpf_has[i]) {
				tot[i] += v[i];
				have |= 1u << i;
			}
		if (a->has & NB_BPF_HAS_PROMISC) {
			promisc_known = true;
			npromisc += a->promisc != 0;
		}
	}
	MIB_LEAF(w, "peers", mib_leaf_int(w, "capture descriptors", NB_SYSCTL_F_GAUGE,
	    (int64_t)b->n));
	if (promisc_known)
		MIB_LEAF(w, "promisc", mib_leaf_int(w, "descriptors holding promiscuous mode",
		    NB_SYSCTL_F_GAUGE, npromisc));
	for (i = 0; i < NB_BPFSTAT_MAX; i++) {
		const char *name = nb_bpfstat_desc[i].name;

		if ((have & (1u << i)) == 0 || mw_stop(w) || !mw_enter(w, name, strlen(name)))
			continue;
		if (mw_want_leaf(w))
			mib_leaf_u64(w, nb_bpfstat_desc[i].descr, NB_SYSCTL_F_COUNTER, tot[i]);
		mw_leave(w);
	}
out:
	mw_leave(w);
}

int
mib_bpf(struct mib_walk *w)
{
	struct bvec b = { 0 };
	size_t i, len;
	int error;

	if ((error = nb_bpf_walk(&w->rd, bpf_collect, &b)) != 0) {
		if (w->rc == 0)
			w->rc = error;
		goto out;
	}
	if (b.n > 1)
		qsort(b.v, b.n, sizeof(*b.v), bpf_cmp);
	if (!mw_stop(w) && mw_enter(w, "peers", 5)) {
		if (mib_node(w, "capture descriptors (AF_PACKET sockets), by id")) {
			for (i = 0; i < b.n && !mw_stop(w); i++) {
				len = mib_utoa(nb_bpf_attrs(b.v[i])->id, w->nbuf);
				if (!mw_enter(w, w->nbuf, len))
					continue;
				if (mib_node(w, "capture descriptor"))
					peer_leaves(w, b.v[i]);
				mw_leave(w);
			}
		}
		mw_leave(w);
	}
	stats_node(w, &b);
out:
	free(b.v);
	return w->rc;
}
