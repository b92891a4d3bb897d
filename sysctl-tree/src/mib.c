/* SPDX-License-Identifier: BSD-2-Clause */
/* mib.c - the LOCAL backend: the static MIB, statgroups, lazy loading, walk and write. */
/*
 * Theory of operation
 *
 * The tree is a few static nodes (kern, net, ...) with dynamic subtree
 * providers (net.interfaces, net.interfaces_departed, kern.hashstat,
 * net.route, net.neigh, kern.proc, net.pcb) plus
 * every libstack statgroup at its MIB name. A walk:
 *
 *  1. computes the source families the requested subtree needs and asks the
 *     source, once per sample, for the ones not loaded yet (writer side; it
 *     happens before the read section, never inside it);
 *  2. enters ONE read section (nb_read_enter) and, inside it, builds the
 *     node arena (static nodes + statgroups as they are registered in this
 *     read section) and walks it, the providers walking libstack's objects
 *     with the same struct nb_read. Everything the walk reports therefore
 *     belongs to one consistent snapshot of the object graph; counters are
 *     live values read with relaxed loads (a sum over slots is not atomic
 *     across slots, as with NetBSD percpu_foreach).
 *
 * Pointers into libstack (names, descriptions, counter groups) are used only
 * between nb_read_enter and nb_read_exit. Callbacks run inside the read
 * section and must not block or call back into the handle (-EBUSY).
 * A handle is used by one thread at a time (sysctl.h), so the walker state
 * and its reusable buffers live in the backend without locking.
 *
 * Locked peers (nb_sysctl_open_peer_locked: nbstatd's workers, each on a
 * thread of its own) share the source with the owner and with each other.
 * A locked peer takes the lock for step 1 only -- the source refreshes one
 * family set at a time -- and not at all when every family it needs is
 * loaded in the shared sample; it walks with it released, since libstack's
 * objects are safe to read while a writer changes them; the families it
 * loaded are recorded in the state the peers share (struct shared: one
 * sample for all of them, so clients that ask together share a refresh).
 * The exception is the scoped families (process files, sockets): a refresh
 * loads them for one pid or some socket kinds and replaces the whole
 * snapshot, so a peer reloads them for each read and holds the peers'
 * scope lock (taken before the tree lock) until its walk is done, or
 * another peer's refresh could narrow what it sees; the tree lock it holds
 * only for the load, as for any family. (The owner refreshes them only for
 * what it records: by default nothing; kern.proc and net.pcb in
 * --subtrees load every process and every socket kind, a superset.)
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nbstack/stack.h"

#include "backend.h"
#include "mib.h"

enum { TN_NODE, TN_DYN, TN_CTR, TN_SLOT, TN_INFO };
enum {
	DYN_NONE,
	DYN_IFACES,
	DYN_DEPARTED,
	DYN_HASHSTAT,
	DYN_ROUTE,
	DYN_NEIGH,
	DYN_BPF,
	DYN_PROC,
	DYN_PCB,
	DYN_MOUNT,
	DYN_INTR
};

#define CREATE_BASE	1024	/* NetBSD: first dynamic node number */

struct tnode {
	const char	*name;		/* NULL until fixed up from nameoff */
	size_t		 nameoff;	/* into the pool when name is NULL */
	size_t		 len;
	const char	*descr;
	int		 num;
	uint8_t		 kind;
	uint8_t		 dyn;
	unsigned	 flags;
	unsigned	 nchild;
	const struct nb_ctrgroup *ctrs;
	unsigned	 idx;
	unsigned	 slot;		/* TN_SLOT: the CPU's slot */
	uint8_t		 itype;		/* TN_INFO: enum nb_info_type */
	int64_t		 ival;		/* TN_INFO */
	const char	*sval;		/* TN_INFO: libstack's string (read section) */
	int		 first, last, next;	/* children, -1 = none */
};

/* The static nodes; arena index = table index + 1 (0 is the root). */
static const struct snode {
	int		 parent;	/* table index, -1 = root */
	const char	*name;
	int		 num;
	uint8_t		 dyn;
	const char	*descr;
} snodes[] = {
	{ -1, "kern", 1, DYN_NONE, "kernel" },
	{ 0, "hashstat", CREATE_BASE, DYN_HASHSTAT, "hash table statistics" },
	{ -1, "net", 4, DYN_NONE, "networking" },
	{ 2, "interfaces", CREATE_BASE, DYN_IFACES, "network interfaces, by name" },
	{ 2, "interfaces_departed", CREATE_BASE + 1, DYN_DEPARTED,
	    "interfaces deleted since the last recorder sample, by name@generation" },
	{ 2, "route", CREATE_BASE + 2, DYN_ROUTE, "routes of all tables, by family" },
	{ 2, "neigh", CREATE_BASE + 3, DYN_NEIGH, "neighbour (ARP, NDP) entries, by family" },
	{ 2, "bpf", CREATE_BASE + 4, DYN_BPF, "packet capture descriptors (bpf_d)" },
	{ 0, "proc", 14, DYN_PROC, "processes and their open files, by pid" },
	{ 2, "pcb", CREATE_BASE + 5, DYN_PCB, "sockets, by kind and sock_diag cookie" },
	{ 0, "mount", CREATE_BASE + 1, DYN_MOUNT, "mounted file systems, by mount id" },
	{ 0, "intr", CREATE_BASE + 2, DYN_INTR, "interrupts: the total, and each line by name" },
};
#define NSNODES	(sizeof(snodes) / sizeof(snodes[0]))

/* NetBSD top-level numbers for nodes that statgroups create at the root. */
static const struct {
	const char *name;
	int num;
} toplevel[] = {
	{ "kern", 1 }, { "vm", 2 }, { "vfs", 3 }, { "net", 4 }, { "debug", 5 },
	{ "hw", 6 }, { "machdep", 7 }, { "user", 8 }, { "proc", 10 },
};

/* Families each subtree needs (the request and the rule overlap as prefixes). */
static const struct famrule {
	const char *c0, *c1;
	unsigned fams;
	bool aux; /* only names other objects: a source error leaves them out */
	const char *not2; /* not when the third component is this */
} famrules[] = {
	{ "net", "interfaces", NB_FAM_LINKS | NB_FAM_ADDRS | NB_FAM_IFSTATS | NB_FAM_MCAST, false, NULL },
	{ "net", "interfaces_departed", NB_FAM_LINKS, false, NULL },
	{ "net", "inet", NB_FAM_PROTO, false, NULL },
	{ "net", "inet6", NB_FAM_PROTO, false, NULL },
	{ "net", "route", NB_FAM_ROUTES, false, NULL },
	{ "net", "neigh", NB_FAM_NEIGH, false, NULL },
	{ "net", "route", NB_FAM_LINKS, true, NULL }, /* ifname */
	{ "net", "neigh", NB_FAM_LINKS, true, NULL }, /* ifname */
	{ "net", "bpf", NB_FAM_BPF, false, NULL },
	{ "net", "softnet", NB_FAM_SOFTNET, false, NULL },
	{ "net", "pcb", NB_FAM_PCB | NB_FAM_PCBX, false, NULL },
	{ "kern", "hashstat", NB_FAM_LINKS | NB_FAM_ADDRS, false, NULL },
	{ "kern", "cp_time", NB_FAM_CPU, false, NULL },
	{ "kern", "ncpu", NB_FAM_CPU, false, NULL },
	{ "kern", "boottime", NB_FAM_CPU, false, NULL },
	{ "kern", "hostname", NB_FAM_CPU, false, NULL },
	{ "kern", "osrelease", NB_FAM_CPU, false, NULL },
	{ "kern", "ostype", NB_FAM_CPU, false, NULL },
	{ "kern", "clockrate", NB_FAM_CPU, false, NULL },
	{ "kern", "ctxt", NB_FAM_CPU, false, NULL },
	{ "kern", "forks", NB_FAM_CPU, false, NULL },
	{ "kern", "intr", NB_FAM_CPU, false, NULL },
	{ "kern", "intr", NB_FAM_INTR, false, "total" }, /* kern.intr.total is /proc/stat's */
	{ "kern", "procs_running", NB_FAM_CPU, false, NULL },
	{ "kern", "procs_blocked", NB_FAM_CPU, false, NULL },
	{ "kern", "proc", NB_FAM_PROC, false, NULL },
	{ "kern", "proc", NB_FAM_LINKS, true, NULL }, /* packet sockets' ifname */
	{ "kern", "mount", NB_FAM_MOUNT, false, NULL },
	{ "vm", NULL, NB_FAM_VM, false, NULL },
	{ "stack", NULL, 0, false, NULL },
};

/* Families whose refresh is scoped (a pid, socket kinds) and replaces the snapshot. */
#define SCOPED_FAMS (NB_FAM_PROC | NB_FAM_PCB | NB_FAM_PCBX)

/* The sample the locked peers of a handle share (under their lock). */
struct shared {
	pthread_mutex_t scope; /* a peer's read of SCOPED_FAMS, load and walk */
	_Atomic int64_t sample_ns; /* read without the lock (sample_time) */
	_Atomic unsigned loaded; /* families refreshed in it, none of SCOPED_FAMS;
				    added to under the lock, reset and read without it */
};

struct local {
	struct nb_stack	*st;
	struct nb_source *src;
	bool		 own;
	pthread_mutex_t *lock; /* a locked peer's (else NULL) */
	struct shared *sh; /* the owner's, allocated for its locked peers */
	bool		 busy;		/* a walk is running (re-entry guard) */
	unsigned	 loaded;	/* families refreshed in this sample */
	int32_t		 proc_scope;	/* the pid NB_FAM_PROC was loaded for, 0: all */
	unsigned pcb_kinds; /* the net.pcb kinds NB_FAM_PCB was loaded for */
	int64_t		 sample_ns;
	struct tnode	*nodes;
	size_t		 nnodes, ncap;
	char		*pool;
	size_t		 plen, pcap;
	int		 build_error;
	unsigned	 maxslots;
	struct mib_walk	 w;
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool
eqc(const char *c, size_t len, const char *lit)
{
	return lit != NULL && strlen(lit) == len && memcmp(c, lit, len) == 0;
}

/* *known: some rule covers the name (else it may live in any family). */
static unsigned
families_for(const char *const *comp, const size_t *lens, unsigned n, unsigned offered,
    bool *known, unsigned *auxp)
{
	const struct famrule *r;
	unsigned fams = 0, aux = 0, rn;

	*known = true;
	*auxp = 0;
	if (n == 0 || (n == 1 && eqc(comp[0], lens[0], "net")))
		return offered;
	*known = false;
	for (r = famrules; r < famrules + sizeof(famrules) / sizeof(famrules[0]); r++) {
		rn = r->c1 != NULL ? 2 : 1;
		if (!eqc(comp[0], lens[0], r->c0))
			continue;
		if (n >= 2 && rn == 2 && !eqc(comp[1], lens[1], r->c1))
			continue;
		if (n >= 3 && r->not2 != NULL && eqc(comp[2], lens[2], r->not2))
			continue;
		if (r->aux)
			aux |= r->fams;
		else
			fams |= r->fams;
		*known = true;
	}
	*auxp = aux & ~fams & offered;
	return (fams | aux) & offered;
}

/* ---- the node arena ---- */

static int
arena_add(struct local *lo, int parent, const char *name, size_t len, bool copy)
{
	struct tnode *t, *p;
	size_t i;

	if (lo->nnodes == lo->ncap) {
		size_t cap = lo->ncap != 0 ? lo->ncap * 2 : 64;

		if ((t = realloc(lo->nodes, cap * sizeof(*t))) == NULL)
			return -ENOMEM;
		lo->nodes = t;
		lo->ncap = cap;
	}
	i = lo->nnodes;
	t = &lo->nodes[i];
	memset(t, 0, sizeof(*t));
	t->first = t->last = t->next = -1;
	t->len = len;
	if (copy) {
		if (lo->plen + len + 1 > lo->pcap) {
			size_t cap = (lo->pcap + len + 1) * 2;
			char *pp;

			if ((pp = realloc(lo->pool, cap)) == NULL)
				return -ENOMEM;
			lo->pool = pp;
			lo->pcap = cap;
		}
		memcpy(lo->pool + lo->plen, name, len);
		lo->pool[lo->plen + len] = '\0';
		t->nameoff = lo->plen;
		lo->plen += len + 1;
	} else
		t->name = name;
	if (parent >= 0) {
		p = &lo->nodes[parent];
		if (p->last >= 0)
			lo->nodes[p->last].next = (int)i;
		else
			p->first = (int)i;
		p->last = (int)i;
		p->nchild++;
	}
	lo->nnodes++;
	return (int)i;
}

static const char *
tn_name(const struct local *lo, const struct tnode *t)
{
	return t->name != NULL ? t->name : lo->pool + t->nameoff;
}

static int
arena_child(const struct local *lo, int parent, const char *name, size_t len)
{
	const struct tnode *t;
	int i;

	for (i = lo->nodes[parent].first; i >= 0; i = t->next) {
		t = &lo->nodes[i];
		if (t->len == len && memcmp(tn_name(lo, t), name, len) == 0)
			return i;
	}
	return -1;
}

/*
 * The interior node at the escaped dotted name `mib`, made as needed;
 * its index, -1 if the name is not usable here (not published), -ENOMEM.
 * `leaf`: the last component is a leaf, made by the caller (its parent is
 * returned and its name is in *lastp, *lastlen).
 */
static int
arena_path(struct local *lo, const char *mib, const char *descr, bool leaf,
    char *buf, const char **lastp, size_t *lastlen)
{
	const char *comp[NB_SYSCTL_MAXDEPTH];
	size_t lens[NB_SYSCTL_MAXDEPTH], k;
	unsigned n, i;
	int cur = 0, c;
	struct tnode *t;

	if (nb__sysctl_split(mib, buf, comp, lens, &n) != 0 || n == 0 ||
	    n >= NB_SYSCTL_MAXDEPTH || (leaf && n < 2))
		return -1;
	if (leaf) {
		n--;
		*lastp = comp[n];
		*lastlen = lens[n];
	}
	/* The path must run through interior nodes only. */
	for (i = 0; i < n; i++) {
		if ((c = arena_child(lo, cur, comp[i], lens[i])) >= 0) {
			/* A provider's node may hold statgroups too (kern.intr.total). */
			if (lo->nodes[c].kind != TN_NODE && lo->nodes[c].kind != TN_DYN)
				return -1;
			cur = c;
			continue;
		}
		if ((c = arena_add(lo, cur, comp[i], lens[i], true)) < 0)
			return -ENOMEM;
		t = &lo->nodes[c];
		t->kind = TN_NODE;
		t->descr = i + 1 == n && !leaf && descr != NULL ? descr : "";
		t->num = CREATE_BASE + (int)lo->nodes[cur].nchild - 1;
		if (cur == 0)
			for (k = 0; k < sizeof(toplevel) / sizeof(toplevel[0]); k++)
				if (eqc(comp[i], lens[i], toplevel[k].name))
					t->num = toplevel[k].num;
		cur = c;
	}
	return cur;
}

/* The counters of a group under node `cur`: summed leaves, or slot `slot`'s. */
static int
arena_ctrs(struct local *lo, int cur, const struct nb_statgroup_info *info, unsigned nslots,
    bool one, unsigned slot)
{
	struct tnode *t;
	unsigned i;
	int c;

	for (i = 0; i < info->n; i++) {
		const struct nb_ctr_desc *d = &info->descs[i];
		size_t len = strlen(d->name);

		if (len == 0 || arena_child(lo, cur, d->name, len) >= 0)
			continue;
		if ((c = arena_add(lo, cur, d->name, len, false)) < 0)
			return -ENOMEM;
		t = &lo->nodes[c];
		t->kind = one ? TN_SLOT : TN_CTR;
		t->descr = d->descr != NULL ? d->descr : "";
		t->num = (int)i;
		t->ctrs = info->ctrs;
		t->idx = i;
		t->slot = slot;
		if (d->kind == NB_CTR_GAUGE_SIGNED)
			t->flags = NB_SYSCTL_F_GAUGE | MIB_F_SIGNED;
		else if (d->kind == NB_CTR_GAUGE)
			t->flags = NB_SYSCTL_F_GAUGE;
		else
			t->flags = NB_SYSCTL_F_COUNTER |
			    (nslots > 1 && !one ? NB_SYSCTL_F_PERCPU : 0);
	}
	return 0;
}

static int
statgroup_cb(const struct nb_statgroup_info *info, void *arg)
{
	struct local *lo = arg;
	char buf[NB__SPLITBUF], num[16];
	unsigned nslots, s;
	int cur, c, len;

	if ((cur = arena_path(lo, info->mib, info->descr, false, buf, NULL, NULL)) == -ENOMEM)
		goto nomem;
	if (cur < 0)
		return 0;		/* not a usable name: not published */
	nslots = nb_ctrgroup_nslots(info->ctrs);
	if (nslots > lo->maxslots)
		lo->maxslots = nslots;
	if (arena_ctrs(lo, cur, info, nslots, false, 0) != 0)
		goto nomem;
	/* Per-CPU kernel data: <mib>.<cpu>.<ctr> reads slot <cpu>. */
	if ((info->flags & NB_SG_CPU_CHILDREN) == 0 || nslots < 2)
		return 0;
	for (s = 0; s < nslots; s++) {
		len = snprintf(num, sizeof(num), "%u", s);
		if (arena_child(lo, cur, num, (size_t)len) >= 0)
			continue;
		if ((c = arena_add(lo, cur, num, (size_t)len, true)) < 0)
			goto nomem;
		lo->nodes[c].kind = TN_NODE;
		lo->nodes[c].descr = "CPU";
		lo->nodes[c].num = CREATE_BASE + (int)s;
		if (arena_ctrs(lo, c, info, nslots, true, s) != 0)
			goto nomem;
	}
	return 0;
nomem:
	lo->build_error = -ENOMEM;
	return -ENOMEM;
}

/* A kernel-information value: a leaf at its MIB name. */
static int
info_cb(const struct nb_info *info, void *arg)
{
	struct local *lo = arg;
	char buf[NB__SPLITBUF];
	const char *last = NULL;
	size_t lastlen = 0;
	struct tnode *t;
	int cur, c;

	if ((cur = arena_path(lo, info->mib, NULL, true, buf, &last, &lastlen)) == -ENOMEM)
		goto nomem;
	if (cur < 0 || arena_child(lo, cur, last, lastlen) >= 0)
		return 0;		/* not usable, or taken: not published */
	if ((c = arena_add(lo, cur, last, lastlen, true)) < 0)
		goto nomem;
	t = &lo->nodes[c];
	t->kind = TN_INFO;
	t->descr = info->descr;
	t->num = CREATE_BASE + (int)lo->nodes[cur].nchild - 1;
	t->itype = (uint8_t)info->type;
	t->ival = info->i;
	t->sval = info->s;
	return 0;
nomem:
	lo->build_error = -ENOMEM;
	return -ENOMEM;
}

/* Inside the read section: the static nodes, then the statgroups. */
static int
arena_build(struct local *lo, const struct nb_read *rd)
{
	size_t i;
	int c;

	lo->nnodes = 0;
	lo->plen = 0;
	lo->build_error = 0;
	if ((c = arena_add(lo, -1, "", 0, false)) < 0)
		return c;
	lo->nodes[0].kind = TN_NODE;
	lo->nodes[0].descr = "";
	for (i = 0; i < NSNODES; i++) {
		const struct snode *s = &snodes[i];

		if ((c = arena_add(lo, s->parent + 1, s->name, strlen(s->name), false)) < 0)
			return c;
		lo->nodes[c].kind = s->dyn != DYN_NONE ? TN_DYN : TN_NODE;
		lo->nodes[c].dyn = s->dyn;
		lo->nodes[c].num = s->num;
		lo->nodes[c].descr = s->descr;
	}
	(void)nb_statgroup_walk(rd, statgroup_cb, lo);
	if (lo->build_error == 0)
		(void)nb_info_walk(rd, info_cb, lo);
	if (lo->build_error != 0)
		return lo->build_error;
	for (i = 0; i < lo->nnodes; i++)
		if (lo->nodes[i].name == NULL)
			lo->nodes[i].name = lo->pool + lo->nodes[i].nameoff;
	return 0;
}

/* ---- reporting ---- */

int
mib_emit(struct mib_walk *w, const char *descr)
{
	int rc, node;

	if (w->tab != NULL) {
		/* Table mode: straight into the row, no callback. */
		if (w->depth <= w->tdepth || w->e.val.type == NB_SYSCTL_NODE)
			return w->rc;
		node = w->tnode[w->depth - 1];
		if ((rc = nb__tab_store(w->tab, node, &w->e.val)) != 0)
			w->rc = rc;
		return w->rc;
	}
	w->e.ncomp = w->depth;
	w->e.same = w->same < w->depth ? w->same : w->depth;
	w->same = w->depth;
	w->e.descr = descr != NULL ? descr : "";
	if ((rc = w->cb(&w->e, w->arg)) != 0)
		w->rc = rc;
	return w->rc;
}

static void
val_reset(struct mib_walk *w, enum nb_sysctl_type type, unsigned flags)
{
	struct nb_sysctl_value *v = &w->e.val;

	v->type = type;
	v->flags = flags;
	v->u = 0;
	v->str = NULL;
	v->len = 0;
	v->percpu = NULL;
	v->ncpu = 0;
	if (type == NB_SYSCTL_STRING || type == NB_SYSCTL_ADDRESS)
		v->str = "";
}

bool
mib_node(struct mib_walk *w, const char *descr)
{
	int rc;

	if (w->tab != NULL) {
		/* Table mode: an object at the pattern's depth opens a row. */
		if (w->depth == w->tdepth &&
		    (rc = nb__tab_row(w->tab, w->comp, w->complen)) != 0)
			w->rc = rc;
		return !mw_stop(w);
	}
	if (mw_want_node(w)) {
		val_reset(w, NB_SYSCTL_NODE, 0);
		mib_emit(w, descr);
	}
	return !mw_stop(w) && mw_descend(w);
}

int
mib_leaf_int(struct mib_walk *w, const char *descr, unsigned flags, int64_t v)
{
	val_reset(w, NB_SYSCTL_INT, flags);
	if (!mw_novalue(w))
		w->e.val.i = v;
	return mib_emit(w, descr);
}

bool
mib_val_u64(struct mib_walk *w, unsigned flags, uint64_t v)
{
	val_reset(w, NB_SYSCTL_U64, flags);
	if (mw_novalue(w))
		return false;
	w->e.val.u = v;
	return true;
}

int
mib_leaf_u64(struct mib_walk *w, const char *descr, unsigned flags, uint64_t v)
{
	val_reset(w, NB_SYSCTL_U64, flags);
	if (!mw_novalue(w))
		w->e.val.u = v;
	return mib_emit(w, descr);
}

int
mib_leaf_str(struct mib_walk *w, const char *descr, enum nb_sysctl_type type,
    unsigned flags, const char *s)
{
	val_reset(w, type, flags);
	if (!mw_novalue(w)) {
		w->e.val.str = s;
		w->e.val.len = strlen(s);
	}
	return mib_emit(w, descr);
}

int
mib_leaf_ctr(struct mib_walk *w, const char *descr, unsigned flags,
    const struct nb_ctrgroup *g, unsigned idx)
{
	struct nb_sysctl_value *v = &w->e.val;
	uint64_t total = 0, max = 0;
	unsigned n, i;

	if (flags & MIB_F_SIGNED) {
		/* One written slot, the others 0: the sum is its int64_t's bits. */
		val_reset(w, NB_SYSCTL_INT, flags & ~MIB_F_SIGNED);
		if (!mw_novalue(w))
			v->i = (int64_t)nb_ctrgroup_sum(g, idx);
		return mib_emit(w, descr);
	}
	val_reset(w, NB_SYSCTL_U64, flags);
	if (mw_novalue(w))
		return mib_emit(w, descr);
	if (flags & NB_SYSCTL_F_GAUGE) {
		/* A gauge lives in the one slot its writer owns: read it, never sum. */
		n = (unsigned)nb_ctrgroup_percpu(g, idx, w->vec, w->nvec, &total);
		for (i = 0; i < n && i < w->nvec; i++)
			if (w->vec[i] > max)
				max = w->vec[i];
		v->u = max;
	} else if ((w->rdflags & NB_SYSCTL_RD_PERCPU) && (flags & NB_SYSCTL_F_PERCPU)) {
		n = (unsigned)nb_ctrgroup_percpu(g, idx, w->vec, w->nvec, &total);
		v->u = total;
		v->percpu = w->vec;
		v->ncpu = n < w->nvec ? n : w->nvec;
	} else
		v->u = nb_ctrgroup_sum(g, idx);
	return mib_emit(w, descr);
}

/* Counter idx of one slot (a CPU's child leaf): never summed, no vector. */
static int
mib_leaf_slot(struct mib_walk *w, const char *descr, unsigned flags,
    const struct nb_ctrgroup *g, unsigned idx, unsigned slot)
{
	uint64_t total = 0;
	unsigned n;

	val_reset(w, flags & MIB_F_SIGNED ? NB_SYSCTL_INT : NB_SYSCTL_U64, flags & ~MIB_F_SIGNED);
	if (!mw_novalue(w)) {
		n = (unsigned)nb_ctrgroup_percpu(g, idx, w->vec, w->nvec, &total);
		w->e.val.u = slot < n && slot < w->nvec ? w->vec[slot] : 0;	/* .i's bits too */
	}
	return mib_emit(w, descr);
}

/* ---- the walk ---- */

static void
walk_tnode(struct local *lo, struct mib_walk *w, int i)
{
	const struct tnode *t = &lo->nodes[i];
	int c;

	switch (t->kind) {
	case TN_CTR:
		if (mw_want_leaf(w))
			mib_leaf_ctr(w, t->descr, t->flags, t->ctrs, t->idx);
		return;
	case TN_SLOT:
		if (mw_want_leaf(w))
			mib_leaf_slot(w, t->descr, t->flags, t->ctrs, t->idx, t->slot);
		return;
	case TN_INFO:
		if (mw_want_leaf(w))
			mib_kinfo_leaf(w, t->descr, t->itype, t->ival, t->sval);
		return;
	case TN_DYN:
		if (!mib_node(w, t->descr))
			return;
		/* Its static children (statgroups) first, then the provider's. */
		for (c = t->first; c >= 0 && !mw_stop(w); c = lo->nodes[c].next) {
			if (!mw_enter(w, lo->nodes[c].name, lo->nodes[c].len))
				continue;
			walk_tnode(lo, w, c);
			mw_leave(w);
		}
		if (mw_stop(w))
			return;
		switch (t->dyn) {
		case DYN_IFACES:
			mib_interfaces(w);
			break;
		case DYN_DEPARTED:
			mib_departed(w);
			break;
		case DYN_HASHSTAT:
			mib_hashstat(w);
			break;
		case DYN_ROUTE:
			mib_route(w);
			break;
		case DYN_NEIGH:
			mib_neigh(w);
			break;
		case DYN_BPF:
			mib_bpf(w);
			break;
		case DYN_PROC:
			mib_proc(w);
			break;
		case DYN_PCB:
			mib_pcb(w);
			break;
		case DYN_MOUNT:
			mib_mount(w);
			break;
		case DYN_INTR:
			mib_intr(w);
			break;
		}
		return;
	default:
		if (i != 0 && !mib_node(w, t->descr))
			return;
		for (c = t->first; c >= 0 && !mw_stop(w); c = lo->nodes[c].next) {
			if (!mw_enter(w, lo->nodes[c].name, lo->nodes[c].len))
				continue;
			walk_tnode(lo, w, c);
			mw_leave(w);
		}
	}
}

static int
walk_once(struct local *lo, const char *const *comp, const size_t *lens, unsigned n,
    unsigned rdflags, nb_sysctl_walk_fn cb, void *arg, struct nb__tab *tab)
{
	struct mib_walk *w = &lo->w;
	unsigned need;
	int error;

	w->tab = tab;
	w->st = lo->st;
	w->rdflags = rdflags;
	w->cb = cb;
	w->arg = arg;
	w->tcomp = comp;
	w->tlen = lens;
	w->tdepth = n;
	w->depth = 0;
	w->same = 0;
	w->found = n == 0;
	w->done = false;
	w->rc = 0;
	memset(&w->e, 0, sizeof(w->e));
	w->e.comp = w->comp;
	w->e.complen = w->complen;
	lo->maxslots = 0;

	nb_thread_register();		/* idempotent: any (one) thread may use the handle */
	nb_read_enter(lo->st, &w->rd);
	if ((error = arena_build(lo, &w->rd)) != 0)
		goto out;
	need = nb_stack_nslots(lo->st);
	if (lo->maxslots > need)
		need = lo->maxslots;
	if (need > w->nvec) {
		uint64_t *v;

		if ((v = realloc(w->vec, need * sizeof(*v))) == NULL) {
			error = -ENOMEM;
			goto out;
		}
		w->vec = v;
		w->nvec = need;
	}
	w->ifmask = nb_stack_ifstat_mask(lo->st);
	walk_tnode(lo, w, 0);
	if (w->rc != 0)
		error = w->rc;
	else if (!w->found)
		error = -ENOENT;
out:
	nb_read_exit(&w->rd);
	return error;
}

/*
 * load - refresh the families in fams not loaded in this sample. Process
 * files are scanned for one pid when the name asks for kern.proc.<pid>
 * (`scope`), else for all; a snapshot of one pid does not serve another
 * pid or a wider name, so it is reloaded.
 */
static int
load(struct nb_sysctl *h, struct local *lo, unsigned fams, int32_t scope, unsigned pcbkinds)
{
	unsigned missing, want, keep;
	bool have;
	int error;

	if (lo->src == NULL)
		return 0;
	/* Sockets: only the kinds named (net.pcb.tcp...); more kinds later in
	 * the sample are a reload that keeps the ones already dumped. */
	if ((fams & (NB_FAM_PCB | NB_FAM_PCBX)) != 0) {
		want = pcbkinds != 0 ? pcbkinds : (1u << NB_PCB_KIND_MAX) - 1;
		have = (lo->loaded & NB_FAM_PCB) != 0;
		if (have && (lo->pcb_kinds & want) != want) {
			if ((lo->loaded & NB_FAM_PCBX) != 0)
				fams |= NB_FAM_PCBX;
			lo->loaded &= ~(unsigned)(NB_FAM_PCB | NB_FAM_PCBX);
		}
		if ((fams & ~lo->loaded & (NB_FAM_PCB | NB_FAM_PCBX)) != 0) {
			keep = have ? lo->pcb_kinds : 0;
			lo->pcb_kinds = want | keep;
			nb_pcbs_set_scope(lo->st, lo->pcb_kinds, keep);
		}
	}
	if ((fams & NB_FAM_PROC) != 0) {
		if ((lo->loaded & NB_FAM_PROC) != 0 && lo->proc_scope != 0 &&
		    lo->proc_scope != scope)
			lo->loaded &= ~(unsigned)NB_FAM_PROC;
		if ((lo->loaded & NB_FAM_PROC) == 0) {
			nb_procs_set_scope(lo->st, scope);
			lo->proc_scope = scope;
		}
	}
	missing = fams & nb_source_families(lo->src) & ~lo->loaded;
	if (missing == 0)
		return 0;
	if ((error = nb_source_refresh(lo->src, missing)) < 0) {
		nb__sysctl_errdetail(h, "%s", nb_source_error(lo->src));
		return error;
	}
	/* What the source could not read: the first notice is kept. */
	if (h->notice[0] == '\0')
		snprintf(h->notice, sizeof(h->notice), "%s", nb_source_notice(lo->src));
	lo->loaded |= missing;
	return 0;
}

/*
 * Families that only name other objects (an interface name): if the source
 * cannot give them (--root without proc/net/dev), the names are absent and
 * the read goes on; not loaded, so a read that needs them fails.
 */
static void
load_aux(struct nb_sysctl *h, struct local *lo, unsigned aux)
{
	if ((aux & ~lo->loaded) != 0 && load(h, lo, aux, 0, 0) != 0)
		h->errdetail[0] = '\0';
}

/*
 * A locked peer's refresh section: take the lock and the shared sample's
 * families (the scoped ones are always reloaded); lock_end gives back what
 * was loaded and releases it.
 */
static void
lock_begin(struct local *lo)
{
	pthread_mutex_lock(lo->lock);
	lo->loaded = atomic_load(&lo->sh->loaded);
}

static void
lock_end(struct local *lo)
{
	atomic_fetch_or(&lo->sh->loaded, lo->loaded & ~(unsigned)SCOPED_FAMS);
	lo->loaded &= ~(unsigned)SCOPED_FAMS;
	pthread_mutex_unlock(lo->lock);
}

/*
 * A locked peer's read begins: true when it took the lock. Not needed when
 * every family the read needs is loaded in the shared sample (a reset by
 * another peer meanwhile only means the read sees the previous refresh).
 */
static bool
lock_if_needed(struct local *lo, unsigned fams, unsigned offered)
{
	unsigned have;

	if (lo->lock == NULL)
		return false;
	have = atomic_load(&lo->sh->loaded);
	if ((fams & SCOPED_FAMS) == 0 && (fams & offered & ~have) == 0) {
		lo->loaded = have;
		return false;
	}
	lock_begin(lo);
	return true;
}

/*
 * A read begins. A locked peer reading process files or sockets first
 * takes the peers' scope lock and keeps it until its walk is done: their
 * refresh (for one pid, for some socket kinds) replaces the snapshot, and
 * another peer's could narrow what this one walks. Then the tree lock if
 * a family must be loaded (lock_if_needed), only for the load.
 */
static bool
read_begin(struct local *lo, unsigned fams, unsigned offered, bool *scoped)
{
	*scoped = lo->lock != NULL && (fams & SCOPED_FAMS) != 0;
	if (*scoped)
		pthread_mutex_lock(&lo->sh->scope);
	return lock_if_needed(lo, fams, offered);
}

/* A retry loading every family: the scope lock (kept), then the tree lock. */
static void
reload_begin(struct local *lo, bool *scoped)
{
	if (lo->lock == NULL)
		return;
	if (!*scoped) {
		pthread_mutex_lock(&lo->sh->scope);
		*scoped = true;
	}
	lock_begin(lo);
}

static int
local_walk(struct nb_sysctl *h, const char *const *comp, const size_t *lens, unsigned n,
    unsigned rdflags, nb_sysctl_walk_fn cb, void *arg)
{
	struct local *lo = h->priv;
	unsigned offered = lo->src != NULL ? nb_source_families(lo->src) : 0, fams, aux;
	bool known, locked, scoped;
	int error;

	if (lo->busy)
		return -EBUSY;
	lo->busy = true;
	fams = families_for(comp, lens, n, offered, &known, &aux);
	if ((rdflags & NB_SYSCTL_RD_NOMCAST) != 0)
		fams &= ~(unsigned)NB_FAM_MCAST;
	if ((rdflags & NB_SYSCTL_RD_NOPCBX) != 0)
		fams &= ~(unsigned)NB_FAM_PCBX;
	locked = read_begin(lo, fams | aux, offered, &scoped);
	load_aux(h, lo, aux);
	error = load(h, lo, fams & ~aux, mib_proc_scope(comp, lens, n),
	    mib_pcb_scope(comp, lens, n));
	if (locked)
		lock_end(lo);
	if (error != 0)
		goto out;
	error = walk_once(lo, comp, lens, n, rdflags, cb, arg, NULL);
	/* A name no rule knows may come from a family not loaded yet. */
	if (error == -ENOENT && !known && (offered & ~lo->loaded) != 0) {
		reload_begin(lo, &scoped);
		error = load(h, lo, offered, 0, 0);
		if (lo->lock != NULL)
			lock_end(lo);
		if (error == 0)
			error = walk_once(lo, comp, lens, n, rdflags, cb, arg, NULL);
	}
out:
	if (scoped)
		pthread_mutex_unlock(&lo->sh->scope);
	lo->busy = false;
	return error;
}

/*
 * The native table read: the walk of local_walk in table mode (mib.h):
 * one read section, the providers' objects straight into the rows, only
 * the leaves of the columns evaluated, no callback and no text but the
 * string columns' own.
 */
/*
 * The families a table read needs. A pattern without '*' that names only a
 * short prefix ("kern" with columns "boottime", "ncpu", ...) is scoped by
 * each column's first component below it, so it loads what its columns
 * live in and not the whole subtree (kern.hashstat would load every
 * interface for a vmstat line).
 */
static unsigned
tab_families(const struct nb__tab *tab, unsigned offered, bool *known, unsigned *auxp)
{
	const char *comp[NB_SYSCTL_MAXDEPTH];
	size_t lens[NB_SYSCTL_MAXDEPTH];
	unsigned fams = 0, aux = 0, f, a, d;
	bool k;
	int c;

	if (tab->wild != 0 || tab->pn + 1 > NB_SYSCTL_MAXDEPTH || tab->trie[0].child < 0)
		return families_for(tab->pcomp, tab->plen, tab->prefix, offered, known, auxp);
	for (d = 0; d < tab->pn; d++) {
		comp[d] = tab->pcomp[d];
		lens[d] = tab->plen[d];
	}
	*known = true;
	for (c = tab->trie[0].child; c >= 0; c = tab->trie[c].next) {
		int cc = tab->trie[c].child;

		comp[tab->pn] = tab->trie[c].name;
		lens[tab->pn] = tab->trie[c].len;
		/* Two components below the prefix where the columns have them
		 * ("intr.total" is not kern.intr's lines). */
		do {
			unsigned nc = tab->pn + 1;

			if (cc >= 0 && nc < NB_SYSCTL_MAXDEPTH) {
				comp[nc] = tab->trie[cc].name;
				lens[nc] = tab->trie[cc].len;
				nc++;
				cc = tab->trie[cc].next;
			} else
				cc = -1;
			f = families_for(comp, lens, nc, offered, &k, &a);
			fams |= f & ~a;
			aux |= a;
			*known = *known && k;
		} while (cc >= 0);
	}
	*auxp = aux & ~fams;
	return fams | *auxp;
}

static int
local_table(struct nb_sysctl *h, struct nb__tab *tab)
{
	struct local *lo = h->priv;
	unsigned offered = lo->src != NULL ? nb_source_families(lo->src) : 0, fams, aux;
	unsigned rdflags = tab->rdflags & ~(unsigned)(NB_SYSCTL_RD_NODES | NB_SYSCTL_RD_SHALLOW |
	    NB_SYSCTL_RD_NOVALUE);
	bool known, locked, scoped;
	int error;

	if (lo->busy)
		return -EBUSY;
	lo->busy = true;
	fams = tab_families(tab, offered, &known, &aux);
	if ((rdflags & NB_SYSCTL_RD_NOMCAST) != 0)
		fams &= ~(unsigned)NB_FAM_MCAST;
	if ((rdflags & NB_SYSCTL_RD_NOPCBX) != 0)
		fams &= ~(unsigned)NB_FAM_PCBX;
	locked = read_begin(lo, fams | aux, offered, &scoped);
	load_aux(h, lo, aux);
	error = load(h, lo, fams & ~aux, mib_proc_scope(tab->pcomp, tab->plen, tab->pn),
	    mib_pcb_scope(tab->pcomp, tab->plen, tab->prefix));
	if (locked)
		lock_end(lo);
	if (error != 0)
		goto out;
	error = walk_once(lo, tab->pcomp, tab->plen, tab->pn, rdflags, NULL, NULL, tab);
	if (error == -ENOENT && !known && (offered & ~lo->loaded) != 0 && tab->t->nrows == 0) {
		reload_begin(lo, &scoped);
		error = load(h, lo, offered, 0, 0);
		if (lo->lock != NULL)
			lock_end(lo);
		if (error == 0)
			error = walk_once(lo, tab->pcomp, tab->plen, tab->pn, rdflags, NULL, NULL,
			    tab);
	}
out:
	if (scoped)
		pthread_mutex_unlock(&lo->sh->scope);
	lo->w.tab = NULL;
	lo->busy = false;
	return error;
}

/* Strict unsigned decimal in [0, UINT32_MAX]: digits only. */
static int
parse_u32(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
local_write(struct nb_sysctl *h, const char *const *comp, const size_t *lens, unsigned n,
    const char *value)
{
	struct local *lo = h->priv;
	const struct nb_iface *ifp;
	enum nb_linkset what;
	struct nb_read rd;
	uint32_t index = 0;
	uint64_t v;
	int error;

	if (n != 4 || !eqc(comp[0], lens[0], "net") || !eqc(comp[1], lens[1], "interfaces"))
		return -EPERM;
	if (eqc(comp[3], lens[3], "mtu"))
		what = NB_LINKSET_MTU;
	else if (eqc(comp[3], lens[3], "txqlen"))
		what = NB_LINKSET_TXQLEN;
	else
		return -EPERM;
	if ((error = parse_u32(value, &v)) != 0)
		return error;
	if (lo->src == NULL)
		return -EOPNOTSUPP;
	if (lens[2] >= NB_IFNAMSIZ)
		return -ENOENT;
	nb_read_enter(lo->st, &rd);
	if ((ifp = nb_if_lookup_name(&rd, comp[2])) != NULL)
		index = nb_iface_attrs(ifp)->index;
	nb_read_exit(&rd);
	if (ifp == NULL)
		return -ENOENT;
	if (lo->lock != NULL)
		pthread_mutex_lock(lo->lock);
	if ((error = nb_source_link_set(lo->src, index, what, v)) < 0)
		nb__sysctl_errdetail(h, "%s", nb_source_error(lo->src));
	if (lo->lock != NULL)
		pthread_mutex_unlock(lo->lock);
	return error;
}

static int
local_sample(struct nb_sysctl *h)
{
	struct local *lo = h->priv;

	lo->loaded = 0;
	lo->sample_ns = now_ns();
	/* A new sample for every locked peer, without the lock: a refresh in
	 * progress meanwhile counts for it (it began a moment before). */
	if (lo->lock != NULL) {
		atomic_store(&lo->sh->loaded, 0);
		atomic_store(&lo->sh->sample_ns, lo->sample_ns);
	}
	return 0;
}

static int64_t
local_sample_time(const struct nb_sysctl *h)
{
	const struct local *lo = h->priv;

	return lo->lock != NULL ? atomic_load(&lo->sh->sample_ns) : lo->sample_ns;
}

static struct nb_stack *
local_stack(struct nb_sysctl *h)
{
	struct local *lo = h->priv;

	return lo->st;
}

struct drain {
	const char	*names;
	size_t		 len;
	uint64_t	 upto;
};

static bool
dep_recorded(const struct drain *dr, const char *name)
{
	size_t at;

	for (at = 0; at < dr->len; at += strlen(dr->names + at) + 1)
		if (strcmp(dr->names + at, name) == 0)
			return true;
	return false;
}

/* Oldest first: the departed entries up to the first one the sample does not hold. */
static int
drain_cb(const struct nb_departed *d, void *arg)
{
	struct drain *dr = arg;
	char name[NB_IFNAMSIZ + 32];

	snprintf(name, sizeof(name), "%.*s@%" PRIu64, (int)strnlen(d->attrs.name, NB_IFNAMSIZ),
	    d->attrs.name, d->gen);
	if (!dep_recorded(dr, name))
		return 1;
	dr->upto = d->seq;
	return 0;
}

/* The recorder wrote these departed interfaces: the stack forgets them (nb_departed_drain). */
static void
local_departed_ack(struct nb_sysctl *h, const char *names, size_t len)
{
	struct local *lo = h->priv;
	struct drain dr = { names, len, 0 };
	struct nb_read rd;

	nb_read_enter(lo->st, &rd);
	(void)nb_departed_walk(&rd, drain_cb, &dr);
	nb_read_exit(&rd);
	if (dr.upto != 0)
		(void)nb_departed_drain(lo->st, dr.upto);
}

/* Queue size of the event log (about 2.7 MB): a burst of changes between two
 * samples beyond it loses its oldest, counted (an "events lost" row). */
#define LOCAL_EVENTS_MAX	16384

static int
local_events_start(struct nb_sysctl *h)
{
	struct local *lo = h->priv;

	return nb_events_enable(lo->st, LOCAL_EVENTS_MAX);
}

static size_t
local_events_take(struct nb_sysctl *h, struct nb_event *out, size_t max, uint64_t *lost)
{
	struct local *lo = h->priv;

	return nb_events_take(lo->st, out, max, lost);
}

static void
local_close(struct nb_sysctl *h)
{
	struct local *lo = h->priv;

	if (lo == NULL)
		return;
	free(lo->nodes);
	free(lo->pool);
	free(lo->w.vec);
	free(lo->w.ifv);
	if (lo->own) {
		nb_source_close(&lo->src);
		nb_stack_destroy(&lo->st);
	}
	if (lo->lock == NULL && lo->sh != NULL) { /* the owner's, its locked peers closed */
		pthread_mutex_destroy(&lo->sh->scope);
		free(lo->sh);
	}
	free(lo);
	h->priv = NULL;
}

static const struct nb_sysctl_backend_ops local_ops = {
	.name = "local",
	.walk = local_walk,
	.write = local_write,
	.sample = local_sample,
	.sample_time = local_sample_time,
	.stack = local_stack,
	.departed_ack = local_departed_ack,
	.events_start = local_events_start,
	.events_take = local_events_take,
	.close = local_close,
	.table = local_table,
};

int
nb__sysctl_local_open(struct nb_sysctl *h, struct nb_stack *st, struct nb_source *src, bool own)
{
	struct local *lo;

	if ((lo = calloc(1, sizeof(*lo))) == NULL)
		return -ENOMEM;
	lo->st = st;
	lo->src = src;
	lo->own = own;
	lo->sample_ns = now_ns();
	h->ops = &local_ops;
	h->priv = lo;
	return 0;
}

int
nb__sysctl_local_peer(struct nb_sysctl *h, struct nb_sysctl *of)
{
	struct local *lo = of->priv;

	if (of->ops != &local_ops)
		return -EINVAL;
	return nb__sysctl_local_open(h, lo->st, lo->src, false);
}

int
nb__sysctl_local_peer_locked(struct nb_sysctl *h, struct nb_sysctl *of, pthread_mutex_t *lock)
{
	struct local *olo = of->priv, *lo;
	int error;

	if ((error = nb__sysctl_local_peer(h, of)) != 0)
		return error;
	lo = h->priv;
	pthread_mutex_lock(lock);
	if (olo->sh == NULL && (olo->sh = calloc(1, sizeof(*olo->sh))) != NULL) {
		pthread_mutex_init(&olo->sh->scope, NULL);
		atomic_store(&olo->sh->sample_ns, now_ns());
	}
	if (olo->sh != NULL) {
		lo->sh = olo->sh;
		lo->lock = lock;
	} else
		error = -ENOMEM;
	pthread_mutex_unlock(lock);
	return error;
}

const char *
mib_addr_text(struct mib_walk *w, int family, const uint8_t *a)
{
	(void)nb_sysctl_ntop(family, a, w->sbuf, sizeof(w->sbuf));
	return w->sbuf;
}

/* mib.h: mib_lladdr_fmt's table. */
#define HX(v)	((v) < 10 ? '0' + (v) : 'a' - 10 + (v))
#define HE(v)	HX((v) / 16), HX((v) % 16), ':', 0
#define H4(v)	HE(v), HE((v) + 1), HE((v) + 2), HE((v) + 3)
#define H16(v)	H4(v), H4((v) + 4), H4((v) + 8), H4((v) + 12)
#define H64(v)	H16(v), H16((v) + 16), H16((v) + 32), H16((v) + 48)
const char mib_hex3[256 * 4] = { H64(0), H64(64), H64(128), H64(192) };
#undef HX
#undef HE
#undef H4
#undef H16
#undef H64

const char *
mib_lladdr_text(struct mib_walk *w, const uint8_t *a, unsigned len)
{
	(void)mib_lladdr_fmt(w->sbuf, a, len);
	return w->sbuf;
}

size_t
mib_utoa(uint64_t v, char *buf)
{
	char tmp[21];
	size_t n = 0, i;

	if (v < 10) {
		buf[0] = (char)('0' + v);
		buf[1] = '\0';
		return 1;
	}
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}
