/* SPDX-License-Identifier: BSD-2-Clause */
/* mib_interfaces.c - net.interfaces.<ifname>.* and net.interfaces_departed.<ifname>@<gen>.* */
/*
 * Concurrency: these providers run inside the walk's one read section
 * (mib.c, theory of operation) and use only reader calls of libstack with
 * its struct nb_read; every name and attribute pointer they report is valid
 * until the walk's nb_read_exit. Nothing here blocks or allocates per leaf
 * (the sorted interface vector grows once and is reused).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mib.h"

/* Padded to 16 bytes: a column of that size takes one fixed copy (if_row). */
static const struct {
	char		 s[16];
	size_t		 len;
} operstates[] = {
	{ "unknown", sizeof("unknown") - 1 },
	{ "notpresent", sizeof("notpresent") - 1 },
	{ "down", sizeof("down") - 1 },
	{ "lowerlayerdown", sizeof("lowerlayerdown") - 1 },
	{ "testing", sizeof("testing") - 1 },
	{ "dormant", sizeof("dormant") - 1 },
	{ "up", sizeof("up") - 1 },
};

/* The text of operational state st; *len its length. */
static const char *
operstate_text(struct mib_walk *w, unsigned st, size_t *len)
{
	if (st < sizeof(operstates) / sizeof(operstates[0])) {
		*len = operstates[st].len;
		return operstates[st].s;
	}
	*len = mib_utoa(st, w->sbuf);
	return w->sbuf;
}

static const char *
scope_text(struct mib_walk *w, unsigned scope)
{
	switch (scope) {
	case 0:
		return "global";
	case 200:
		return "site";
	case 253:
		return "link";
	case 254:
		return "host";
	case 255:
		return "nowhere";
	}
	mib_utoa(scope, w->sbuf);
	return w->sbuf;
}

static const char *
master_text(struct mib_walk *w, uint32_t master)
{
	const struct nb_iface *m;

	if (master == 0 || (m = nb_if_lookup_index(&w->rd, master)) == NULL)
		return "";
	return nb_iface_attrs(m)->name;
}

/* ---- addresses ---- */

static void
addr_leaves(struct mib_walk *w, const struct nb_addrattrs *a)
{
	const char *fam = a->family == AF_INET ? "inet" : a->family == AF_INET6 ? "inet6" : NULL;

	MIB_LEAF(w, "family", mib_leaf_str(w, "address family", NB_SYSCTL_STRING, 0,
	    fam != NULL ? fam : (mib_utoa(a->family, w->sbuf), w->sbuf)));
	MIB_LEAF(w, "address", mib_leaf_str(w, "local address", NB_SYSCTL_ADDRESS, 0,
	    mib_addr_text(w, a->family, a->addr)));
	MIB_LEAF(w, "prefixlen", mib_leaf_int(w, "prefix length", NB_SYSCTL_F_GAUGE,
	    a->prefixlen));
	if (a->has_brd)
		MIB_LEAF(w, "broadcast", mib_leaf_str(w, "broadcast address",
		    NB_SYSCTL_ADDRESS, 0, mib_addr_text(w, a->family, a->brd)));
	if (a->has_peer)
		MIB_LEAF(w, "peer", mib_leaf_str(w, "point-to-point peer address",
		    NB_SYSCTL_ADDRESS, 0, mib_addr_text(w, a->family, a->peer)));
	if ((a->unknown & NB_ADDRA_SCOPE) == 0)
		MIB_LEAF(w, "scope", mib_leaf_str(w, "address scope", NB_SYSCTL_STRING, 0, scope_text(w, a->scope)));
	if ((a->unknown & NB_ADDRA_FLAGS) == 0)
		MIB_LEAF(w, "flags", mib_leaf_int(w, "IFA_F_* flags", NB_SYSCTL_F_GAUGE, a->flags));
}

struct addrwalk {
	struct mib_walk	*w;
	unsigned	 n;
};

static int
addr_cb(const struct nb_addr *ap, void *arg)
{
	struct addrwalk *aw = arg;
	struct mib_walk *w = aw->w;
	size_t len;

	len = mib_utoa(aw->n++, w->nbuf);
	if (mw_enter(w, w->nbuf, len)) {
		if (mib_node(w, "address"))
			addr_leaves(w, nb_addr_attrs(ap));
		mw_leave(w);
	}
	return mw_stop(w) ? 1 : 0;
}

/* ---- multicast memberships ---- */

static int
mcast_cb(const struct nb_mcastattrs *m, void *arg)
{
	struct addrwalk *aw = arg;
	struct mib_walk *w = aw->w;
	const char *fam;
	size_t len;

	fam = m->family == AF_INET ? "inet" : m->family == AF_INET6 ? "inet6" : "link";
	len = mib_utoa(aw->n++, w->nbuf);
	if (mw_enter(w, w->nbuf, len)) {
		if (mib_node(w, "multicast membership")) {
			MIB_LEAF(w, "family", mib_leaf_str(w, "inet, inet6 or link",
			    NB_SYSCTL_STRING, 0, fam));
			MIB_LEAF(w, "address", mib_leaf_str(w, "multicast address",
			    NB_SYSCTL_ADDRESS, 0, m->family == AF_PACKET ?
			    mib_lladdr_text(w, m->addr, m->addr_len) : mib_addr_text(w, m->family, m->addr)));
			MIB_LEAF(w, "users", mib_leaf_int(w, "users of the membership",
			    NB_SYSCTL_F_GAUGE, m->users));
		}
		mw_leave(w);
	}
	return mw_stop(w) ? 1 : 0;
}

/* ---- one interface (live or departed) ---- */

static void
stat_leaf(struct mib_walk *w, const struct nb_ctr_desc *cd, unsigned i,
    const struct nb_iface *ifp, const struct nb_departed *d)
{
	if (d != NULL)
		mib_leaf_u64(w, cd->descr, NB_SYSCTL_F_COUNTER, d->stats[i]);
	else if (w->rdflags & NB_SYSCTL_RD_PERCPU)
		mib_leaf_ctr(w, cd->descr, NB_SYSCTL_F_COUNTER | NB_SYSCTL_F_PERCPU,
		    nb_iface_ctrs(ifp), i);
	else {
		if (!w->ifstats_ok && !mw_novalue(w)) {
			nb_iface_stats(ifp, w->ifstats);
			w->ifstats_ok = true;
		}
		mib_leaf_u64(w, cd->descr, NB_SYSCTL_F_COUNTER | NB_SYSCTL_F_PERCPU,
		    w->ifstats[i]);
	}
}

static void
stat_leaves(struct mib_walk *w, const struct nb_iface *ifp, const struct nb_departed *d)
{
	const struct nb_ctr_desc *cd;
	unsigned i;

	for (i = 0; i < NB_IFSTAT_MAX && !mw_stop(w); i++) {
		if ((w->ifmask & (1u << i)) == 0)
			continue;
		cd = &nb_ifstat_desc[i];
		if (!mw_enter(w, cd->name, strlen(cd->name)))
			continue;
		if (mw_want_leaf(w))
			stat_leaf(w, cd, i, ifp, d);
		mw_leave(w);
	}
}

static void
if_leaves(struct mib_walk *w, const struct nb_ifattrs *a, uint64_t gen,
    const struct nb_iface *ifp, const struct nb_departed *d)
{
	unsigned rw = d == NULL ? NB_SYSCTL_F_WRITABLE : 0;
	struct addrwalk aw = { w, 0 };
	size_t len;
	int error;

	w->ifstats_ok = false;
	/* What the source does not know (a->unknown) is absent, not zero. */
#define IF_LEAF(bit, name, expr)                 \
	do {                                     \
		if ((a->unknown & (bit)) == 0)   \
			MIB_LEAF(w, name, expr); \
	} while (0)
	IF_LEAF(NB_IFA_INDEX, "index", mib_leaf_int(w, "kernel interface index", NB_SYSCTL_F_GAUGE, a->index));
	MIB_LEAF(w, "gen", mib_leaf_u64(w, "libstack generation: (index, gen) is the identity",
	    NB_SYSCTL_F_GAUGE, gen));
	IF_LEAF(NB_IFA_KIND, "kind", mib_leaf_str(w, "link kind", NB_SYSCTL_STRING, 0, a->kind));
	IF_LEAF(NB_IFA_TYPE, "type", mib_leaf_int(w, "ARPHRD_* link type", NB_SYSCTL_F_GAUGE, a->type));
	IF_LEAF(NB_IFA_FLAGS, "flags", mib_leaf_int(w, "IFF_* flags", NB_SYSCTL_F_GAUGE, a->flags));
	IF_LEAF(NB_IFA_MTU, "mtu", mib_leaf_int(w, "maximum transmission unit", NB_SYSCTL_F_GAUGE | rw, a->mtu));
	IF_LEAF(NB_IFA_TXQLEN, "txqlen", mib_leaf_int(w, "transmit queue length", NB_SYSCTL_F_GAUGE | rw, a->txqlen));
	IF_LEAF(NB_IFA_LLADDR, "lladdr", mib_leaf_str(w, "link-layer address", NB_SYSCTL_ADDRESS, 0, mib_lladdr_text(w, a->lladdr, a->lladdr_len)));
	IF_LEAF(NB_IFA_OPERSTATE, "operstate", mib_leaf_str(w, "RFC 2863 operational state", NB_SYSCTL_STRING, 0, operstate_text(w, a->operstate, &len)));
	IF_LEAF(NB_IFA_MASTER, "master", mib_leaf_str(w, "master interface", NB_SYSCTL_STRING, 0, master_text(w, a->master)));
	IF_LEAF(NB_IFA_LINK, "link", mib_leaf_int(w, "IFLA_LINK peer interface index", NB_SYSCTL_F_GAUGE, a->link));
#undef IF_LEAF
	if (!mw_stop(w) && mw_enter(w, "stats", 5)) {
		if (mib_node(w, "interface counters"))
			stat_leaves(w, ifp, d);
		mw_leave(w);
	}
	if (d != NULL) {
		MIB_LEAF(w, "departed", mib_leaf_int(w, "realtime of the delete, seconds", 0,
		    (int64_t)d->when.tv_sec));
		return;
	}
	if (!mw_stop(w) && (a->unknown & NB_IFA_ADDRS) == 0 && mw_enter(w, "addrs", 5)) {
		if (mib_node(w, "addresses, in list order")) {
			error = nb_iface_addr_walk(&w->rd, ifp, addr_cb, &aw);
			if (error < 0 && w->rc == 0)
				w->rc = error;
		}
		mw_leave(w);
	}
	aw.n = 0;
	if (!mw_stop(w) && (w->rdflags & NB_SYSCTL_RD_NOMCAST) == 0 && mw_enter(w, "mcast", 5)) {
		if (mib_node(w, "multicast memberships: inet, inet6, then link-layer")) {
			error = nb_iface_mcast_walk(&w->rd, ifp, mcast_cb, &aw);
			if (error < 0 && w->rc == 0)
				w->rc = error;
		}
		mw_leave(w);
	}
}

static void
iface(struct mib_walk *w, const struct nb_iface *ifp)
{
	const struct nb_ifattrs *a = nb_iface_attrs(ifp);

	if (!mw_enter(w, a->name, strnlen(a->name, NB_IFNAMSIZ)))
		return;
	if (mib_node(w, "network interface"))
		if_leaves(w, a, nb_iface_gen(ifp), ifp, NULL);
	mw_leave(w);
}

/* Room for one more interface in w->ifv (cold: a few times a walk). */
static __attribute__((noinline, cold)) int
ifv_grow(struct mib_walk *w)
{
	size_t cap = w->ifcap != 0 ? w->ifcap * 2 : 256;
	struct mib_ifent *v;

	if ((v = realloc(w->ifv, cap * sizeof(*v))) == NULL)
		return -ENOMEM;
	w->ifv = v;
	w->ifcap = cap;
	return 0;
}

static int
collect_cb(const struct nb_iface *ifp, void *arg)
{
	struct mib_walk *w = arg;
	int error;

	if (w->nif == w->ifcap && (error = ifv_grow(w)) != 0)
		return error;
	w->ifv[w->nif].ifp = ifp;
	w->ifv[w->nif++].index = nb_iface_attrs(ifp)->index;
	return 0;
}

static int
byindex(const void *x, const void *y)
{
	uint32_t a = ((const struct mib_ifent *)x)->index;
	uint32_t b = ((const struct mib_ifent *)y)->index;

	return a < b ? -1 : a > b;
}

/*
 * The interfaces in w->ifv[0..nif), by index. The vector of an earlier
 * walk of this handle serves again when its read section saw the same
 * publication version of the same stack: every commit (an interface born
 * or killed) bumps the version, so the same version shows the same
 * interfaces, none of them freed (an object is freed only after a grace
 * period that follows the published commit that killed it), and an
 * interface's index never changes; the table readers of nbnetstat -i read
 * interfaces, then addresses, in one sample.
 */
/* sorted_ifaces' collect: each interface, and whether they come by index. */
static int
sort_cb(const struct nb_iface *ifp, void *arg)
{
	struct mib_walk *w = arg;
	uint32_t idx = nb_iface_attrs(ifp)->index;

	size_t n = w->nif;
	struct mib_ifent *e;
	int error;

	if (n > 0 && idx < w->ifprev)
		w->ifsorted = false;
	w->ifprev = idx;
	if (n == w->ifcap && (error = ifv_grow(w)) != 0)
		return error;
	e = &w->ifv[n];
	e->ifp = ifp;
	e->index = idx;
	w->nif = n + 1;
	return 0;
}

static int
sorted_ifaces(struct mib_walk *w)
{
	int error;

	if (w->ifv_ok && w->ifv_st == w->rd.st && w->ifv_ver == w->rd.ver)
		return 0;
	w->ifv_ok = false;
	w->nif = 0;
	w->ifsorted = true;
	if ((error = nb_if_walk(&w->rd, sort_cb, w)) != 0)
		return error;
	if (!w->ifsorted)
		qsort(w->ifv, w->nif, sizeof(*w->ifv), byindex);
	w->ifv_ok = true;
	w->ifv_st = w->rd.st;
	w->ifv_ver = w->rd.ver;
	return 0;
}

int
mib_interfaces(struct mib_walk *w)
{
	const struct nb_iface *ifp;
	size_t i;
	int error;

	if (w->tab != NULL && mib_if_table(w))
		return w->rc;
	if (mw_named(w)) {
		/* One named interface: the by-name table, not a scan. */
		if (w->tlen[w->depth] < NB_IFNAMSIZ &&
		    (ifp = nb_if_lookup_name(&w->rd, w->tcomp[w->depth])) != NULL)
			iface(w, ifp);
		return w->rc;
	}
	if ((error = sorted_ifaces(w)) != 0) {
		if (w->rc == 0)
			w->rc = error;
		return w->rc;
	}
	for (i = 0; i < w->nif && !mw_stop(w); i++)
		iface(w, w->ifv[i].ifp);
	return w->rc;
}

/*
 * ---- tables of interfaces and addresses: the fast path ----
 *
 * nb_sysctl_table_read("net.interfaces.*" or "net.interfaces.<if>", or
 * their ".addrs.*") needs no walk: the columns are resolved once to the
 * fields of the interface (or address), then each object is one row whose
 * columns are read straight from its attribute block. The leaves' names,
 * types and flags here are those of if_leaves / addr_leaves above (the
 * unit test compares this path with the walk, leaf for leaf). The rows of
 * the addresses come in the interfaces' order (by index), each
 * interface's in list order: where the interfaces by index are libstack's
 * own order (sorted_ifaces: the usual case), one nb_addr_walk of every
 * address gives them so (addr_all_cb), else a walk per interface.
 */
enum { IFL_INDEX, IFL_GEN, IFL_KIND, IFL_TYPE, IFL_FLAGS, IFL_MTU, IFL_TXQLEN, IFL_LLADDR,
    IFL_OPERSTATE, IFL_MASTER, IFL_LINK, IFL_STATS };

static const struct leafdef {
	const char	*name;
	enum nb_sysctl_type type;
	unsigned	 flags;
} if_defs[IFL_STATS] = {
	[IFL_INDEX] = { "index", NB_SYSCTL_INT, NB_SYSCTL_F_GAUGE },
	[IFL_GEN] = { "gen", NB_SYSCTL_U64, NB_SYSCTL_F_GAUGE },
	[IFL_KIND] = { "kind", NB_SYSCTL_STRING, 0 },
	[IFL_TYPE] = { "type", NB_SYSCTL_INT, NB_SYSCTL_F_GAUGE },
	[IFL_FLAGS] = { "flags", NB_SYSCTL_INT, NB_SYSCTL_F_GAUGE },
	[IFL_MTU] = { "mtu", NB_SYSCTL_INT, NB_SYSCTL_F_GAUGE | NB_SYSCTL_F_WRITABLE },
	[IFL_TXQLEN] = { "txqlen", NB_SYSCTL_INT, NB_SYSCTL_F_GAUGE | NB_SYSCTL_F_WRITABLE },
	[IFL_LLADDR] = { "lladdr", NB_SYSCTL_ADDRESS, 0 },
	[IFL_OPERSTATE] = { "operstate", NB_SYSCTL_STRING, 0 },
	[IFL_MASTER] = { "master", NB_SYSCTL_STRING, 0 },
	[IFL_LINK] = { "link", NB_SYSCTL_INT, NB_SYSCTL_F_GAUGE },
};

/* The nb_ifattrs.unknown bit of each leaf: an unknown one is left out. */
static const uint32_t if_unknown[IFL_STATS] = {
	[IFL_INDEX] = NB_IFA_INDEX,
	[IFL_KIND] = NB_IFA_KIND,
	[IFL_TYPE] = NB_IFA_TYPE,
	[IFL_FLAGS] = NB_IFA_FLAGS,
	[IFL_MTU] = NB_IFA_MTU,
	[IFL_TXQLEN] = NB_IFA_TXQLEN,
	[IFL_LLADDR] = NB_IFA_LLADDR,
	[IFL_OPERSTATE] = NB_IFA_OPERSTATE,
	[IFL_MASTER] = NB_IFA_MASTER,
	[IFL_LINK] = NB_IFA_LINK,
};

enum { AL_FAMILY, AL_ADDRESS, AL_PREFIXLEN, AL_BROADCAST, AL_PEER, AL_SCOPE, AL_FLAGS, AL_N };

static const struct leafdef addr_defs[AL_N] = {
	[AL_FAMILY] = { "family", NB_SYSCTL_STRING, 0 },
	[AL_ADDRESS] = { "address", NB_SYSCTL_ADDRESS, 0 },
	[AL_PREFIXLEN] = { "prefixlen", NB_SYSCTL_INT, NB_SYSCTL_F_GAUGE },
	[AL_BROADCAST] = { "broadcast", NB_SYSCTL_ADDRESS, 0 },
	[AL_PEER] = { "peer", NB_SYSCTL_ADDRESS, 0 },
	[AL_SCOPE] = { "scope", NB_SYSCTL_STRING, 0 },
	[AL_FLAGS] = { "flags", NB_SYSCTL_INT, NB_SYSCTL_F_GAUGE },
};

/*
 * The plan of a read: one entry per planned leaf, with its column's place
 * in the row, so that a row is a loop over the entries with no name, trie
 * or type looked at again. A number into a number column (PUT_NUM) and a
 * text into a text column (PUT_TEXT) are written straight into the row
 * (all zeros when opened: nb__tab_row_keys16) and their columns' flags are
 * set once at the end (plan_flags); any other pairing (a number as text,
 * a bool column, ...) goes through nb__tab_store like the walk's
 * (PUT_VAL). The counters stored straight are a list of their own (runs
 * of counters that lie side by side in the row, copied at once), always
 * present; where they lie in the row as in enum nb_ifstat (an array, as
 * nbnetstat's), they are summed straight into it and the slots of the
 * counters not planned are cleared again (blk, holes). A number of the
 * attribute block is read at its offset there. An interface's gen, lladdr
 * and operstate have puts of their own (PUT_GEN, PUT_LLADDR, PUT_OPER: a
 * text written straight, or one fixed copy, where the column is wide
 * enough; else as PUT_TEXT). When the source knows every planned leaf of
 * an interface (the usual case), its present bits are set at once (known).
 * The identity leaves (index, gen) are set by the row's code, not by the
 * loop.
 */
enum {
	PUT_NUM,
	PUT_TEXT,
	PUT_VAL,
	PUT_GEN,
	PUT_LLADDR,
	PUT_OPER,
	PUT_INADDR,
};

#define AOFF_GEN	((size_t)-1)

/* Where each number leaf (IFL_*) is in the attribute block (all uint32_t). */
static const size_t if_aoff[IFL_STATS] = {
	[IFL_INDEX] = offsetof(struct nb_ifattrs, index),
	[IFL_GEN] = AOFF_GEN,
	[IFL_TYPE] = offsetof(struct nb_ifattrs, type),
	[IFL_FLAGS] = offsetof(struct nb_ifattrs, flags),
	[IFL_MTU] = offsetof(struct nb_ifattrs, mtu),
	[IFL_TXQLEN] = offsetof(struct nb_ifattrs, txqlen),
	[IFL_LINK] = offsetof(struct nb_ifattrs, link),
};

struct plan {
	int		 node;		/* the column's trie node */
	unsigned	 leaf;		/* IFL_* (IFL_STATS + i) or AL_* */
	unsigned	 put;		/* PUT_* */
	uint32_t	 unknown;	/* IFL_*: the nb_ifattrs.unknown bit that leaves it out */
	size_t		 aoff;		/* IFL_* PUT_NUM: if_aoff[leaf] */
	unsigned	 col;		/* the caller's column */
	unsigned	 pw;		/* its present word ... */
	uint64_t	 pb;		/* ... and bit */
	size_t		 off;		/* its place in the row */
	size_t		 size;		/* ... and size (text) */
};

/* Counters k..k+n-1 into n number columns side by side at off. */
struct ctrrun {
	size_t		 off;
	unsigned	 k;		/* enum nb_ifstat */
	unsigned	 n;
};

#define PLAN_MAX	(IFL_STATS + NB_IFSTAT_MAX)
#define PRESENT_WORDS	(NB_SYSCTL_TABLE_MAXCOLS / 64)
#define BLK_NONE	((size_t)-1)

struct planned {
	struct plan	 p[PLAN_MAX];
	unsigned	 np;
	struct ctrrun	 ctr[NB_IFSTAT_MAX];
	unsigned	 nctr;
	uint64_t	 ctrmask[PRESENT_WORDS];	/* the counters' present bits */
	bool		 stats;		/* a counter is planned: sum them once a row */
	bool		 valctr;	/* ... one of them PUT_VAL (from w->ifstats) */
	size_t		 blk;		/* the counters' array in the row, or BLK_NONE */
	uint32_t	 holes;		/* ... the slots (1 << enum nb_ifstat) to clear */
	bool		 ident;		/* the "index" leaf is planned (interfaces) */
	uint32_t	 unknown;	/* interfaces: the unknown bits of the planned leaves */
	uint64_t	 known[PRESENT_WORDS];	/* ... the present bits of those stored straight */
	unsigned	 nw;		/* present words the columns use */
	uint64_t	 seen[PRESENT_WORDS];	/* columns stored in some row */
	/*
	 * Interfaces, a row whose planned leaves the source all knows: the
	 * plan split by put (plan_split), so that such a row is straight
	 * code with no dispatch per leaf: the numbers (PUT_NUM), the gen,
	 * lladdr and operstate columns, then the rest through if_put; its
	 * present bits are rowpres, marked seen once (anyknown). Only where
	 * no two columns planned overlap (else the plan's order is kept).
	 */
	bool		 split;
	unsigned	 nnum;
	struct {
		uint32_t aoff;		/* in the attribute block */
		uint32_t off;		/* in the row */
	}		 num[IFL_STATS];
	size_t		 genoff;	/* BLK_NONE: no gen column stored straight */
	const struct plan *ll, *oper;	/* PUT_LLADDR, PUT_OPER, or NULL */
	const struct plan *rest[PLAN_MAX];	/* the others (PUT_TEXT, PUT_VAL) */
	unsigned	 nrest;
	uint64_t	 rowpres[PRESENT_WORDS];
	bool		 anyknown;
};

static bool
is_text(enum nb_sysctl_type t)
{
	return t == NB_SYSCTL_STRING || t == NB_SYSCTL_ADDRESS;
}

static bool
is_num(enum nb_sysctl_type t)
{
	return t == NB_SYSCTL_INT || t == NB_SYSCTL_U64;
}

/* Plan the leaf `leaf` (defs[leaf], or a counter) found at trie node `node`. */
static void
plan_add(const struct nb__tab *tab, struct planned *pl, int node, unsigned leaf,
    const struct leafdef *defs)
{
	const struct nb__tabnode *n = &tab->trie[node];
	const struct nb_sysctl_column *c;
	bool iface = defs == if_defs;
	enum nb_sysctl_type type;
	struct ctrrun *r;
	struct plan *p;

	if (n->id == NB__TAB_COL_INDEX)
		pl->ident = true;
	if (n->col < 0 || pl->np == PLAN_MAX)
		return;		/* identity alone, or an interior node: nothing to store */
	c = &tab->cols[n->col];
	type = iface && leaf >= IFL_STATS ? NB_SYSCTL_U64 : defs[leaf].type;
	if (iface && leaf >= IFL_STATS && is_num(c->type)) {
		pl->ctrmask[n->col / 64] |= UINT64_C(1) << (n->col % 64);
		r = &pl->ctr[pl->nctr - (pl->nctr > 0)];
		if (pl->nctr > 0 && r->k + r->n == leaf - IFL_STATS && r->off + 8 * r->n == c->offset)
			r->n++;		/* the next counter in the next 8 bytes */
		else
			pl->ctr[pl->nctr++] = (struct ctrrun){ c->offset, leaf - IFL_STATS, 1 };
		return;
	}
	if (iface && leaf >= IFL_STATS)
		pl->valctr = true;
	p = &pl->p[pl->np++];
	p->node = node;
	p->leaf = leaf;
	p->unknown = iface && leaf < IFL_STATS ? if_unknown[leaf] : 0;
	p->aoff = iface && leaf < IFL_STATS ? if_aoff[leaf] : 0;
	p->col = (unsigned)n->col;
	p->pw = p->col / 64;
	p->pb = UINT64_C(1) << (p->col % 64);
	p->off = c->offset;
	p->size = c->type == NB_SYSCTL_INADDR ? sizeof(struct nb_sysctl_inaddr) : c->size;
	if (c->type == NB_SYSCTL_INADDR && !iface &&
	    (leaf == AL_ADDRESS || leaf == AL_BROADCAST || leaf == AL_PEER))
		p->put = PUT_INADDR;
	else if (is_num(c->type) && is_num(type))
		p->put = iface && leaf == IFL_GEN ? PUT_GEN : PUT_NUM;
	else if (is_text(c->type) && is_text(type))
		p->put = iface && leaf == IFL_LLADDR ? PUT_LLADDR :
		    iface && leaf == IFL_OPERSTATE && c->size >= sizeof(operstates[0].s) ? PUT_OPER :
		    PUT_TEXT;
	else
		p->put = PUT_VAL;
	pl->unknown |= p->unknown;
	if (p->put != PUT_VAL)
		pl->known[p->pw] |= p->pb;
}

static void
plan_leaves(const struct nb__tab *tab, const struct leafdef *defs, unsigned ndefs,
    uint32_t ifmask, struct planned *pl)
{
	const struct nb__tabnode *t = tab->trie;
	unsigned k;
	int c, cc;

	memset(pl, 0, sizeof(*pl));
	pl->nw = (tab->ncols + 63) / 64;
	for (c = t[0].child; c >= 0; c = t[c].next) {
		if (ifmask != 0 && t[c].len == 5 && memcmp(t[c].name, "stats", 5) == 0) {
			for (cc = t[c].child; cc >= 0; cc = t[cc].next)
				for (k = 0; k < NB_IFSTAT_MAX; k++)
					if ((ifmask & (1u << k)) != 0 &&
					    strlen(nb_ifstat_desc[k].name) == t[cc].len &&
					    memcmp(nb_ifstat_desc[k].name, t[cc].name, t[cc].len) == 0) {
						plan_add(tab, pl, cc, IFL_STATS + k, defs);
						pl->stats = true;
					}
			continue;
		}
		for (k = 0; k < ndefs; k++)
			if (strlen(defs[k].name) == t[c].len &&
			    memcmp(defs[k].name, t[c].name, t[c].len) == 0)
				plan_add(tab, pl, c, k, defs);
	}
}

/*
 * The counters' array: every counter stored straight at blk + 8 * k for
 * its k, the whole array within the row and aligned (the rows are, with a
 * row size of a multiple of 8). Each row then gets all the sums, and the
 * slots of the others (another column's, or padding) are zeroed again
 * before any other column is written.
 */
static void
plan_block(const struct nb__tab *tab, struct planned *pl)
{
	const size_t asz = NB_IFSTAT_MAX * sizeof(uint64_t);
	uint32_t covered = 0;
	size_t base;
	unsigned i;

	pl->blk = BLK_NONE;
	if (pl->nctr == 0 || pl->valctr || tab->t->rowsize % 8 != 0 ||
	    pl->ctr[0].off < 8 * pl->ctr[0].k)
		return;
	base = pl->ctr[0].off - 8 * pl->ctr[0].k;
	if (base % 8 != 0 || base > tab->t->rowsize || asz > tab->t->rowsize - base)
		return;
	for (i = 0; i < pl->nctr; i++) {
		if (pl->ctr[i].off != base + 8 * pl->ctr[i].k)
			return;
		covered |= ((1u << pl->ctr[i].n) - 1) << pl->ctr[i].k;
	}
	pl->blk = base;
	pl->holes = ~covered & ((1u << NB_IFSTAT_MAX) - 1);
}

/* The bytes planned entry p writes in a row. */
static size_t
plan_width(const struct plan *p)
{
	return p->put == PUT_NUM || p->put == PUT_GEN ? sizeof(uint64_t) : p->size;
}

/* Do [a, a + an) and [b, b + bn) share a byte? */
static bool
overlap(size_t a, size_t an, size_t b, size_t bn)
{
	return a < b + bn && b < a + an;
}

/*
 * An interface plan split by put (struct planned: split), when no two of
 * its columns (a PUT_VAL one: 8 bytes or its size, as wide as it may be
 * written) share a byte, so that the order they are written in does not
 * matter.
 */
static void
plan_split(const struct nb__tab *tab, struct planned *pl)
{
	const struct plan *p, *q;
	unsigned i, j;

	pl->genoff = BLK_NONE;
	for (i = 0; i < pl->np; i++) {
		p = &pl->p[i];
		size_t pw = p->put == PUT_VAL && p->size < 8 ? 8 : plan_width(p);

		for (j = 0; j < pl->np; j++) {
			q = &pl->p[j];
			size_t qw = q->put == PUT_VAL && q->size < 8 ? 8 : plan_width(q);

			if (j != i && overlap(p->off, pw, q->off, qw))
				return;
		}
		for (j = 0; j < pl->nctr; j++)
			if (overlap(p->off, pw, pl->ctr[j].off, 8 * pl->ctr[j].n))
				return;
	}
	for (i = 0; i < pl->np; i++) {
		p = &pl->p[i];
		if (p->put == PUT_NUM && p->aoff <= UINT32_MAX && p->off <= UINT32_MAX) {
			pl->num[pl->nnum].aoff = (uint32_t)p->aoff;
			pl->num[pl->nnum++].off = (uint32_t)p->off;
		} else if (p->put == PUT_GEN)
			pl->genoff = p->off;
		else if (p->put == PUT_LLADDR)
			pl->ll = p;
		else if (p->put == PUT_OPER)
			pl->oper = p;
		else
			pl->rest[pl->nrest++] = p;
	}
	for (i = 0; i < pl->nw; i++)
		pl->rowpres[i] = pl->known[i] | (pl->stats ? pl->ctrmask[i] : 0);
	pl->split = true;
}

/* Column flags of the columns stored straight into the rows (nb__tab_store sets its own). */
static void
plan_flags(const struct nb__tab *tab, struct planned *pl, const struct leafdef *defs)
{
	const struct plan *p;
	unsigned c;

	if (pl->anyknown)
		for (c = 0; c < pl->nw; c++)
			pl->seen[c] |= pl->rowpres[c];
	for (p = pl->p; p < pl->p + pl->np; p++)
		if (p->put != PUT_VAL && (pl->seen[p->pw] & p->pb) != 0)
			tab->t->colflags[p->col] |= defs[p->leaf].flags;
	for (c = 0; c < tab->ncols; c++)
		if (((pl->seen[c / 64] & pl->ctrmask[c / 64]) >> (c % 64) & 1) != 0)
			tab->t->colflags[c] |= NB_SYSCTL_F_COUNTER | NB_SYSCTL_F_PERCPU;
}

static void
setval(struct nb_sysctl_value *v, const struct leafdef *d)
{
	v->type = d->type;
	v->flags = d->flags;
	v->percpu = NULL;
	v->ncpu = 0;
}

/* Text s (len bytes) into a text column, cut to its size as store_col does. */
static void
put_text(char *field, size_t size, const char *s, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(field, s, len);
	field[len] = '\0';
}

/* The number leaf l (IFL_*, not a counter) of an interface. */
static uint64_t
if_num(const struct nb_ifattrs *a, const struct nb_iface *ifp, unsigned l)
{
	switch (l) {
	case IFL_INDEX:
		return a->index;
	case IFL_GEN:
		return nb_iface_gen(ifp);
	case IFL_TYPE:
		return a->type;
	case IFL_FLAGS:
		return a->flags;
	case IFL_MTU:
		return a->mtu;
	case IFL_TXQLEN:
		return a->txqlen;
	default:
		return a->link;
	}
}

/* The text leaf l (IFL_*) of an interface; *len its length. */
static const char *
if_text(struct mib_walk *w, const struct nb_ifattrs *a, unsigned l, size_t *len)
{
	const char *s;

	switch (l) {
	case IFL_KIND:
		s = a->kind;
		break;
	case IFL_LLADDR:
		*len = mib_lladdr_fmt(w->sbuf, a->lladdr, a->lladdr_len);
		return w->sbuf;
	case IFL_OPERSTATE:
		return operstate_text(w, a->operstate, len);
	default:
		s = master_text(w, a->master);
		break;
	}
	*len = strlen(s);
	return s;
}

/* Leaf l of an interface as a value, for nb__tab_store. */
static void
if_value(struct mib_walk *w, const struct nb_ifattrs *a, const struct nb_iface *ifp, unsigned l,
    struct nb_sysctl_value *v)
{
	size_t len;

	if (l >= IFL_STATS) {
		v->type = NB_SYSCTL_U64;
		v->flags = NB_SYSCTL_F_COUNTER | NB_SYSCTL_F_PERCPU;
		v->percpu = NULL;
		v->ncpu = 0;
		v->u = w->ifstats[l - IFL_STATS];
		return;
	}
	setval(v, &if_defs[l]);
	if (is_text(if_defs[l].type)) {
		v->str = if_text(w, a, l, &len);
		v->len = len;
	} else if (if_defs[l].type == NB_SYSCTL_U64)
		v->u = if_num(a, ifp, l);
	else
		v->i = (int64_t)if_num(a, ifp, l);
}

/* Planned leaf p (known to the source) of an interface into its open row: 0 or an error. */
static inline int
if_put(struct mib_walk *w, const struct nb_ifattrs *a, const struct nb_iface *ifp,
    const struct plan *p, char *row, uint64_t gen)
{
	struct nb_sysctl_value v;
	const char *s;
	uint32_t x;
	uint64_t u;
	size_t len;

	switch (p->put) {
	case PUT_NUM:
		memcpy(&x, (const char *)a + p->aoff, sizeof(x));
		u = x;
		memcpy(row + p->off, &u, sizeof(u));
		return 0;
	case PUT_GEN:
		memcpy(row + p->off, &gen, sizeof(gen));
		return 0;
	case PUT_LLADDR:
		if (p->size > 3u * a->lladdr_len) {
			(void)mib_lladdr_fmt(row + p->off, a->lladdr, a->lladdr_len);
			return 0;
		}
		break;
	case PUT_OPER:
		if (a->operstate < sizeof(operstates) / sizeof(operstates[0])) {
			memcpy(row + p->off, operstates[a->operstate].s, sizeof(operstates[0].s));
			return 0;
		}
		break;
	case PUT_VAL:
		if_value(w, a, ifp, p->leaf, &v);
		return nb__tab_store(w->tab, p->node, &v);
	}
	s = if_text(w, a, p->leaf, &len);
	put_text(row + p->off, p->size, s, len);
	return 0;
}

/* The planned leaves of a row whose source knows them all (pl->split): straight. */
static inline int
if_row_known(struct mib_walk *w, const struct nb_ifattrs *a, const struct nb_iface *ifp,
    const struct planned *pl, char *row, uint64_t gen)
{
	unsigned i;
	uint32_t x;
	uint64_t u;
	int rc;

	for (i = 0; i < pl->nnum; i++) {
		memcpy(&x, (const char *)a + pl->num[i].aoff, sizeof(x));
		u = x;
		memcpy(row + pl->num[i].off, &u, sizeof(u));
	}
	if (pl->genoff != BLK_NONE)
		memcpy(row + pl->genoff, &gen, sizeof(gen));
	if (pl->ll != NULL) {
		if (pl->ll->size > 3u * a->lladdr_len)
			(void)mib_lladdr_fmt(row + pl->ll->off, a->lladdr, a->lladdr_len);
		else
			(void)if_put(w, a, ifp, pl->ll, row, gen);
	}
	if (pl->oper != NULL) {
		if (a->operstate < sizeof(operstates) / sizeof(operstates[0]))
			memcpy(row + pl->oper->off, operstates[a->operstate].s,
			    sizeof(operstates[0].s));
		else
			(void)if_put(w, a, ifp, pl->oper, row, gen);
	}
	for (i = 0; i < pl->nrest; i++)
		if ((rc = if_put(w, a, ifp, pl->rest[i], row, gen)) != 0)
			return rc;
	return 0;
}

static void
if_row(struct mib_walk *w, const struct nb_iface *ifp, struct planned *pl)
{
	const struct nb_ifattrs *a = nb_iface_attrs(ifp);
	struct nb__tab *tab = w->tab;
	const char *name = a->name;
	size_t len = nb_ifname_len(a->name);
	struct nb_sysctl_rowid *id;
	const struct plan *p, *end;
	uint64_t gen, pres[PRESENT_WORDS] = { 0 };
	int64_t index;
	unsigned i;
	bool known;
	char *row;
	int rc;

	/* The index leaf is the row's index; unknown, the name's number (the walk's). */
	_Static_assert(NB_IFNAMSIZ <= NB__TAB_KEYPAD, "a name is read as one key pad");
	index = pl->ident && (a->unknown & NB_IFA_INDEX) == 0 ? (int64_t)a->index :
	    nb__tab_keynum(name, len);
	/* net.interfaces.*: one key (the name), a constant for the inline opening. */
	if ((rc = tab->nkey == 1 ? nb__tab_row_keys16n(tab, &name, &len, 0, index, 1) :
	    nb__tab_row_keys16(tab, &name, &len, 0, index)) != 0) {
		w->rc = rc;
		return;
	}
	id = tab->id;
	id->gen = gen = nb_iface_gen(ifp);
	if (pl->blk != BLK_NONE) {
		uint64_t *sum = (uint64_t *)(void *)(tab->row + pl->blk);

		nb_iface_stats(ifp, sum);
		for (uint32_t h = pl->holes; h != 0; h &= h - 1)
			sum[__builtin_ctz(h)] = 0;
	} else if (pl->stats) {
		nb_iface_stats(ifp, w->ifstats);
		for (i = 0; i < pl->nctr; i++)
			memcpy(tab->row + pl->ctr[i].off, &w->ifstats[pl->ctr[i].k],
			    pl->ctr[i].n * sizeof(uint64_t));
	}
	/* The row and the plan in locals: a store into the row (char) may
	 * alias them for the compiler. */
	row = tab->row;
	known = (a->unknown & pl->unknown) == 0;
	if (known && pl->split) {
		/* Every planned leaf stored (those PUT_VAL set their own bits). */
		if ((rc = if_row_known(w, a, ifp, pl, row, gen)) != 0) {
			w->rc = rc;
			return;
		}
		id->present[0] |= pl->rowpres[0];
		for (i = 1; i < pl->nw; i++)
			id->present[i] |= pl->rowpres[i];
		pl->anyknown = true;
		return;
	}
	if (pl->stats)
		memcpy(pres, pl->ctrmask, sizeof(pres));
	for (p = pl->p, end = p + pl->np; p < end; p++) {
		if (!known && (a->unknown & p->unknown) != 0)
			continue; /* unknown to the source (--root): absent */
		if ((rc = if_put(w, a, ifp, p, row, gen)) != 0) {
			w->rc = rc;
			return;
		}
		if (!known && p->put != PUT_VAL)
			pres[p->pw] |= p->pb;
	}
	for (i = 0; i < pl->nw; i++) {
		id->present[i] |= pres[i] | (known ? pl->known[i] : 0);
		pl->seen[i] |= id->present[i];
	}
}

struct addrrows {
	struct mib_walk	*w;
	struct planned	*pl;
	const char	*key[2];	/* the interface's name (if a key: nk 1), the address's number */
	size_t		 klen[2];
	unsigned	 nk;		/* the number's key: key[nk] */
	unsigned	 n;
	/* addr_all_cb: the rows' interface is w->ifv[at] (index atindex);
	 * skip: its addresses are unknown (no rows). */
	size_t		 at;
	uint32_t	 atindex;
	bool		 skip;
};

/* "inet", "inet6" padded: a column of that size takes one fixed copy (addr_row_cb). */
static const char families[2][8] = { "inet", "inet6" };

/* The text leaf l (AL_*) of an address, in w->sbuf or a constant; NULL: absent. */
static const char *
addr_text(struct mib_walk *w, const struct nb_addrattrs *a, unsigned l)
{
	switch (l) {
	case AL_FAMILY:
		if (a->family == AF_INET)
			return "inet";
		if (a->family == AF_INET6)
			return "inet6";
		mib_utoa(a->family, w->sbuf);
		return w->sbuf;
	case AL_ADDRESS:
		return mib_addr_text(w, a->family, a->addr);
	case AL_BROADCAST:
		return a->has_brd ? mib_addr_text(w, a->family, a->brd) : NULL;
	case AL_PEER:
		return a->has_peer ? mib_addr_text(w, a->family, a->peer) : NULL;
	default:
		return (a->unknown & NB_ADDRA_SCOPE) == 0 ? scope_text(w, a->scope) : NULL;
	}
}

/* The address bytes of leaf l (AL_ADDRESS, _BROADCAST, _PEER); NULL: absent or another leaf. */
static const uint8_t *
addr_bytes(const struct nb_addrattrs *a, unsigned l)
{
	switch (l) {
	case AL_ADDRESS:
		return a->addr;
	case AL_BROADCAST:
		return a->has_brd ? a->brd : NULL;
	case AL_PEER:
		return a->has_peer ? a->peer : NULL;
	default:
		return NULL;
	}
}

/* Address leaf l (AL_ADDRESS, _BROADCAST, _PEER: its bytes b) into an INADDR column. */
static inline void
put_inaddr(char *field, struct mib_walk *w, const struct nb_addrattrs *a, const uint8_t *b,
    unsigned l)
{
	struct nb_sysctl_inaddr *ia = (struct nb_sysctl_inaddr *)(void *)field;
	const char *s;

	if (a->family == AF_INET || a->family == AF_INET6)
		nb__inaddr_bytes(ia, a->family, b);
	else if ((s = addr_text(w, a, l)) != NULL)
		nb__inaddr_text(ia, s, strlen(s));
}

/*
 * An address plan of prefixlen into a number column, address into a text
 * column wide enough for any and family into one of 8 bytes or more, no
 * two sharing a byte (what nbnetstat -i reads), split as an interface's
 * (struct planned: split) with genoff the prefixlen's place, ll the
 * address's plan and oper the family's: such a row is straight code,
 * every column present.
 */
static void
plan_split_addr(struct planned *pl)
{
	const struct plan *p;
	unsigned i, j;

	pl->genoff = BLK_NONE;
	for (i = 0; i < pl->np; i++) {
		p = &pl->p[i];
		if (p->put == PUT_NUM && p->leaf == AL_PREFIXLEN)
			pl->genoff = p->off;
		else if ((p->put == PUT_TEXT && p->leaf == AL_ADDRESS && p->size >= INET6_ADDRSTRLEN) ||
		    (p->put == PUT_INADDR && p->leaf == AL_ADDRESS))
			pl->ll = p;
		else if (p->put == PUT_TEXT && p->leaf == AL_FAMILY && p->size >= sizeof(families[0]))
			pl->oper = p;
		else
			return;
		for (j = 0; j < i; j++)
			if (overlap(p->off, plan_width(p), pl->p[j].off, plan_width(&pl->p[j])))
				return;
	}
	for (i = 0; i < pl->nw; i++)
		pl->rowpres[i] = pl->known[i];
	pl->split = true;
}

/* Address a's row (the next of its interface's, ar->key[0]); 1 on an error (w->rc). */
static inline __attribute__((always_inline)) int
addr_row(struct addrrows *ar, const struct nb_addrattrs *a)
{
	struct mib_walk *w = ar->w;
	struct nb__tab *tab = w->tab;
	struct planned *pl = ar->pl;
	const struct plan *p, *end;
	const uint8_t *b;
	const char *s;
	struct nb_sysctl_value v;
	struct nb_sysctl_rowid *id;
	uint64_t u, pres[PRESENT_WORDS] = { 0 };
	unsigned i, n = ar->n++;
	char *row;
	int rc;

	if (n == 0 && ar->nk > 0)
		ar->klen[0] = nb_ifname_len(ar->key[0]);
	if (n < 10) {
		w->nbuf[0] = (char)('0' + n);
		w->nbuf[1] = '\0';
		ar->klen[ar->nk] = 1;
	} else
		ar->klen[ar->nk] = mib_utoa(n, w->nbuf);
	ar->key[ar->nk] = w->nbuf;
	/* The interface's name is stored once, with its first address; both
	 * keys lie in arrays of NB__TAB_KEYPAD bytes or more. */
	_Static_assert(sizeof(w->nbuf) >= NB__TAB_KEYPAD, "a number is read as one key pad");
	/* net.interfaces.*.addrs.*: two keys, a constant for the inline opening. */
	if ((rc = ar->nk == 1 && tab->nkey == 2 ?
	    nb__tab_row_keys16n(tab, ar->key, ar->klen, n > 0 ? 1 : 0, n, 2) :
	    nb__tab_row_keys16(tab, ar->key, ar->klen, n > 0 ? ar->nk : 0, n)) != 0) {
		w->rc = rc;
		return 1;
	}
	id = tab->id;
	/* The row and the plan in locals: a store into the row (char) may
	 * alias them for the compiler. */
	row = tab->row;
	if (pl->split) {
		/* prefixlen, address and family only, each stored and present. */
		if (pl->genoff != BLK_NONE) {
			u = a->prefixlen;
			memcpy(row + pl->genoff, &u, sizeof(u));
		}
		if (pl->ll != NULL && pl->ll->put == PUT_INADDR)
			put_inaddr(row + pl->ll->off, w, a, a->addr, AL_ADDRESS);
		else if (pl->ll != NULL)
			(void)nb_sysctl_ntop(a->family, a->addr, row + pl->ll->off, pl->ll->size);
		if (pl->oper != NULL) {
			if (a->family == AF_INET || a->family == AF_INET6)
				memcpy(row + pl->oper->off, families[a->family == AF_INET6],
				    sizeof(families[0]));
			else {
				s = addr_text(w, a, AL_FAMILY);
				put_text(row + pl->oper->off, pl->oper->size, s, strlen(s));
			}
		}
		id->present[0] |= pl->rowpres[0];
		for (i = 1; i < pl->nw; i++)
			id->present[i] |= pl->rowpres[i];
		pl->anyknown = true;
		return 0;
	}
	for (p = pl->p, end = p + pl->np; p < end; p++) {
		if (p->put == PUT_NUM) {
			if (p->leaf == AL_PREFIXLEN)
				u = a->prefixlen;
			else if ((a->unknown & NB_ADDRA_FLAGS) == 0)
				u = a->flags;
			else
				continue;
			memcpy(row + p->off, &u, sizeof(u));
		} else if (p->put == PUT_INADDR) {
			if ((b = addr_bytes(a, p->leaf)) == NULL)
				continue;
			put_inaddr(row + p->off, w, a, b, p->leaf);
		} else if (p->put == PUT_TEXT) {
			/* An address: straight into a column wide enough for any. */
			if (p->size >= INET6_ADDRSTRLEN && (b = addr_bytes(a, p->leaf)) != NULL)
				(void)nb_sysctl_ntop(a->family, b, row + p->off, p->size);
			else if (p->leaf == AL_FAMILY && p->size >= sizeof(families[0]) &&
			    (a->family == AF_INET || a->family == AF_INET6))
				memcpy(row + p->off, families[a->family == AF_INET6],
				    sizeof(families[0]));
			else if ((s = addr_text(w, a, p->leaf)) != NULL)
				put_text(row + p->off, p->size, s, strlen(s));
			else
				continue;
		} else {
			setval(&v, &addr_defs[p->leaf]);
			if (p->leaf == AL_PREFIXLEN)
				v.i = a->prefixlen;
			else if (p->leaf == AL_FLAGS) {
				if ((a->unknown & NB_ADDRA_FLAGS) != 0)
					continue;
				v.i = a->flags;
			} else if ((s = addr_text(w, a, p->leaf)) != NULL) {
				v.str = s;
				v.len = strlen(s);
			} else
				continue;
			if ((rc = nb__tab_store(tab, p->node, &v)) != 0) {
				w->rc = rc;
				return 1;
			}
			continue;
		}
		pres[p->pw] |= p->pb;
	}
	for (i = 0; i < pl->nw; i++) {
		id->present[i] |= pres[i];
		pl->seen[i] |= id->present[i];
	}
	return 0;
}

static int
addr_row_cb(const struct nb_addr *ap, void *arg)
{
	return addr_row(arg, nb_addr_attrs(ap));
}

/* addr_all_cb: an address whose interface is not where w->ifv says. */
#define ADDR_LOST	2

/*
 * nb_addr_walk's callback: the address's interface is the one of the rows
 * before, or the next in w->ifv with its index (the walk goes through the
 * interfaces in ifv's order, each one's addresses together).
 */
static int
addr_all_cb(const struct nb_addr *ap, void *arg)
{
	struct addrrows *ar = arg;
	struct mib_walk *w = ar->w;
	const struct nb_addrattrs *aa = nb_addr_attrs(ap);
	uint32_t idx = aa->ifindex;
	const struct nb_ifattrs *a;
	size_t i;

	if (ar->at == SIZE_MAX || idx != ar->atindex) {
		for (i = ar->at + 1; i < w->nif && w->ifv[i].index != idx; i++)
			;
		if (i >= w->nif)
			return ADDR_LOST;
		a = nb_iface_attrs(w->ifv[i].ifp);
		ar->at = i;
		ar->atindex = idx;
		ar->skip = (a->unknown & NB_IFA_ADDRS) != 0; /* unknown, not empty: no rows */
		ar->key[0] = a->name;
		ar->n = 0;
	}
	return ar->skip ? 0 : addr_row(ar, aa);
}

/*
 * Serve the table read at net.interfaces (entered) straight from the
 * interfaces if its pattern is one of the shapes above and no per-CPU
 * vectors are asked for; false: leave it to the walker's table mode.
 */
bool
mib_if_table(struct mib_walk *w)
{
	struct nb__tab *tab = w->tab;
	struct planned pl;
	struct addrrows ar;
	const struct nb_iface *ifp;
	const struct nb_ifattrs *a;
	bool addrs, named;
	size_t i, rows;
	int error;

	if (w->depth != 2 || (tab->rdflags & NB_SYSCTL_RD_PERCPU) != 0)
		return false;
	addrs = tab->pn == 5 && tab->plen[3] == 5 && memcmp(tab->pcomp[3], "addrs", 5) == 0 &&
	    (tab->wild >> 4 & 1) != 0;
	if (tab->pn != 3 && !addrs)
		return false;
	named = (tab->wild >> 2 & 1) == 0;
	if (addrs)
		plan_leaves(tab, addr_defs, AL_N, 0, &pl);
	else
		plan_leaves(tab, if_defs, IFL_STATS, w->ifmask, &pl);
	plan_block(tab, &pl);
	if (!addrs)
		plan_split(tab, &pl);
	else
		plan_split_addr(&pl);
	if (named) {
		w->ifv_ok = false;	/* ifv is this one interface's */
		if (tab->plen[2] < NB_IFNAMSIZ &&
		    (ifp = nb_if_lookup_name(&w->rd, tab->pcomp[2])) != NULL &&
		    strnlen(nb_iface_attrs(ifp)->name, NB_IFNAMSIZ) == tab->plen[2]) {
			w->found = true;
			w->nif = 0;
			if ((error = collect_cb(ifp, w)) != 0) {
				w->rc = error;
				return true;
			}
		} else
			w->nif = 0;
	} else if ((error = sorted_ifaces(w)) != 0) {
		w->rc = error;
		return true;
	} else
		w->found = true;
	/* A row per interface; for addresses, room for two each (IPv4 and IPv6) to start with. */
	if ((error = nb__tab_reserve(w->tab, addrs ? 2 * w->nif : w->nif)) != 0) {
		w->rc = error;
		return true;
	}
	if (!addrs) {
		for (i = 0; i < w->nif && w->rc == 0; i++)
			if_row(w, w->ifv[i].ifp, &pl);
		plan_flags(tab, &pl, if_defs);
		return true;
	}
	ar = (struct addrrows){ .w = w, .pl = &pl, .nk = named ? 0 : 1, .at = SIZE_MAX };
	if (!named && w->ifsorted) {
		/* The interfaces by index are nb_if_walk's order: one walk of
		 * all addresses gives the rows in the same order. */
		rows = tab->t->nrows;
		error = nb_addr_walk(&w->rd, addr_all_cb, &ar);
		if (error != ADDR_LOST) {
			if (error < 0 && w->rc == 0)
				w->rc = error;
			plan_flags(tab, &pl, addr_defs);
			return true;
		}
		/* Not the interfaces' order after all: again, per interface. */
		tab->t->nrows = rows;
		tab->inrow = false;
	}
	for (i = 0; i < w->nif && w->rc == 0; i++) {
		ifp = w->ifv[i].ifp;
		a = nb_iface_attrs(ifp);
		if ((a->unknown & NB_IFA_ADDRS) != 0)
			continue; /* unknown, not empty: no rows, as the walk */
		ar.key[0] = a->name;
		ar.n = 0;
		if ((error = nb_iface_addr_walk(&w->rd, ifp, addr_row_cb, &ar)) < 0 && w->rc == 0)
			w->rc = error;
	}
	plan_flags(tab, &pl, addr_defs);
	return true;
}

/* ---- departed ---- */

static int
departed_cb(const struct nb_departed *d, void *arg)
{
	struct mib_walk *w = arg;
	int len;

	len = snprintf(w->dname, sizeof(w->dname), "%.*s@%" PRIu64,
	    (int)strnlen(d->attrs.name, NB_IFNAMSIZ), d->attrs.name, d->gen);
	if (len > 0 && (size_t)len < sizeof(w->dname) && mw_enter(w, w->dname, (size_t)len)) {
		if (mib_node(w, "departed interface: final counters"))
			if_leaves(w, &d->attrs, d->gen, NULL, d);
		mw_leave(w);
	}
	return mw_stop(w) ? 1 : 0;
}

int
mib_departed(struct mib_walk *w)
{
	int error;

	if ((error = nb_departed_walk(&w->rd, departed_cb, w)) < 0 && w->rc == 0)
		w->rc = error;
	return w->rc;
}
