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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mib.h"

static const char *const operstates[] = {
	"unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up",
};

static const char *
operstate_text(struct mib_walk *w, unsigned st)
{
	if (st < sizeof(operstates) / sizeof(operstates[0]))
		return operstates[st];
	mib_utoa(st, w->sbuf);
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
	IF_LEAF(NB_IFA_OPERSTATE, "operstate", mib_leaf_str(w, "RFC 2863 operational state", NB_SYSCTL_STRING, 0, operstate_text(w, a->operstate)));
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

static int
collect_cb(const struct nb_iface *ifp, void *arg)
{
	struct mib_walk *w = arg;

	if (w->nif == w->ifcap) {
		size_t cap = w->ifcap != 0 ? w->ifcap * 2 : 256;
		const struct nb_iface **v;

		if ((v = realloc(w->ifv, cap * sizeof(*v))) == NULL)
			return -ENOMEM;
		w->ifv = v;
		w->ifcap = cap;
	}
	w->ifv[w->nif++] = ifp;
	return 0;
}

static int
byindex(const void *x, const void *y)
{
	uint32_t a = nb_iface_attrs(*(const struct nb_iface *const *)x)->index;
	uint32_t b = nb_iface_attrs(*(const struct nb_iface *const *)y)->index;

	return a < b ? -1 : a > b;
}

/* The interfaces in w->ifv[0..nif), by index. */
static int
sorted_ifaces(struct mib_walk *w)
{
	uint32_t prev = 0, idx;
	bool sorted = true;
	size_t i;
	int error;

	w->nif = 0;
	if ((error = nb_if_walk(&w->rd, collect_cb, w)) != 0)
		return error;
	for (i = 0; i < w->nif; i++) {
		idx = nb_iface_attrs(w->ifv[i])->index;
		if (i > 0 && idx < prev) {
			sorted = false;
			break;
		}
		prev = idx;
	}
	if (!sorted)
		qsort(w->ifv, w->nif, sizeof(*w->ifv), byindex);
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
		iface(w, w->ifv[i]);
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
 * unit test compares this path with the walk, leaf for leaf).
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

struct plan {
	int		 node;		/* the column's trie node */
	unsigned	 leaf;		/* IFL_* (IFL_STATS + i) or AL_* */
};

#define PLAN_MAX	(IFL_STATS + NB_IFSTAT_MAX)

static unsigned
plan_leaves(const struct nb__tab *tab, const struct leafdef *defs, unsigned ndefs,
    uint32_t ifmask, struct plan *p)
{
	const struct nb__tabnode *t = tab->trie;
	unsigned n = 0, k;
	int c, cc;

	for (c = t[0].child; c >= 0; c = t[c].next) {
		if (ifmask != 0 && t[c].len == 5 && memcmp(t[c].name, "stats", 5) == 0) {
			for (cc = t[c].child; cc >= 0; cc = t[cc].next)
				for (k = 0; k < NB_IFSTAT_MAX; k++)
					if ((ifmask & (1u << k)) != 0 &&
					    strlen(nb_ifstat_desc[k].name) == t[cc].len &&
					    memcmp(nb_ifstat_desc[k].name, t[cc].name, t[cc].len) == 0)
						p[n++] = (struct plan){ cc, IFL_STATS + k };
			continue;
		}
		for (k = 0; k < ndefs; k++)
			if (strlen(defs[k].name) == t[c].len &&
			    memcmp(defs[k].name, t[c].name, t[c].len) == 0 && n < PLAN_MAX)
				p[n++] = (struct plan){ c, k };
	}
	return n;
}

static void
setval(struct nb_sysctl_value *v, const struct leafdef *d)
{
	v->type = d->type;
	v->flags = d->flags;
	v->percpu = NULL;
	v->ncpu = 0;
}

static void
setstr(struct nb_sysctl_value *v, const char *s)
{
	v->str = s;
	v->len = strlen(s);
}

/* The number leaf l (IFL_*) of an interface. */
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

static void
if_row(struct mib_walk *w, const struct nb_iface *ifp, const struct plan *p, unsigned np)
{
	const struct nb_ifattrs *a = nb_iface_attrs(ifp);
	const char *comp[3] = { "net", "interfaces", a->name };
	size_t lens[3] = { 3, 10, strnlen(a->name, NB_IFNAMSIZ) };
	struct nb_sysctl_value v;
	bool stats = false;
	unsigned i, l;
	int rc;

	if ((rc = nb__tab_row(w->tab, comp, lens)) != 0) {
		w->rc = rc;
		return;
	}
	for (i = 0; i < np && w->rc == 0; i++) {
		l = p[i].leaf;
		if (l >= IFL_STATS) {
			if (!stats) {
				nb_iface_stats(ifp, w->ifstats);
				stats = true;
			}
			if ((rc = nb__tab_store_num(w->tab, p[i].node, NB_SYSCTL_U64,
				 NB_SYSCTL_F_COUNTER | NB_SYSCTL_F_PERCPU, w->ifstats[l - IFL_STATS])) != 0)
				w->rc = rc;
			continue;
		}
		if ((a->unknown & if_unknown[l]) != 0)
			continue; /* unknown to the source (--root): absent */
		if (if_defs[l].type == NB_SYSCTL_INT || if_defs[l].type == NB_SYSCTL_U64) {
			if ((rc = nb__tab_store_num(w->tab, p[i].node, if_defs[l].type,
				 if_defs[l].flags, if_num(a, ifp, l))) != 0)
				w->rc = rc;
			continue;
		}
		setval(&v, &if_defs[l]);
		switch (l) {
		case IFL_INDEX:
			v.i = a->index;
			break;
		case IFL_GEN:
			v.u = nb_iface_gen(ifp);
			break;
		case IFL_KIND:
			setstr(&v, a->kind);
			break;
		case IFL_TYPE:
			v.i = a->type;
			break;
		case IFL_FLAGS:
			v.i = a->flags;
			break;
		case IFL_MTU:
			v.i = a->mtu;
			break;
		case IFL_TXQLEN:
			v.i = a->txqlen;
			break;
		case IFL_LLADDR:
			setstr(&v, mib_lladdr_text(w, a->lladdr, a->lladdr_len));
			break;
		case IFL_OPERSTATE:
			setstr(&v, operstate_text(w, a->operstate));
			break;
		case IFL_MASTER:
			setstr(&v, master_text(w, a->master));
			break;
		case IFL_LINK:
			v.i = a->link;
			break;
		}
		if ((rc = nb__tab_store(w->tab, p[i].node, &v)) != 0)
			w->rc = rc;
	}
}

struct addrrows {
	struct mib_walk	*w;
	const struct plan *p;
	unsigned	 np;
	const char	*comp[5];
	size_t		 lens[5];
	unsigned	 n;
};

static int
addr_row_cb(const struct nb_addr *ap, void *arg)
{
	struct addrrows *ar = arg;
	struct mib_walk *w = ar->w;
	const struct nb_addrattrs *a = nb_addr_attrs(ap);
	struct nb_sysctl_value v;
	unsigned i, l;
	int rc;

	ar->lens[4] = mib_utoa(ar->n++, w->nbuf);
	ar->comp[4] = w->nbuf;
	if ((rc = nb__tab_row(w->tab, ar->comp, ar->lens)) != 0) {
		w->rc = rc;
		return 1;
	}
	for (i = 0; i < ar->np; i++) {
		l = ar->p[i].leaf;
		setval(&v, &addr_defs[l]);
		switch (l) {
		case AL_FAMILY:
			setstr(&v, a->family == AF_INET ? "inet" : a->family == AF_INET6 ? "inet6" :
			    (mib_utoa(a->family, w->sbuf), w->sbuf));
			break;
		case AL_ADDRESS:
			setstr(&v, mib_addr_text(w, a->family, a->addr));
			break;
		case AL_PREFIXLEN:
			v.i = a->prefixlen;
			break;
		case AL_BROADCAST:
			if (!a->has_brd)
				continue;
			setstr(&v, mib_addr_text(w, a->family, a->brd));
			break;
		case AL_PEER:
			if (!a->has_peer)
				continue;
			setstr(&v, mib_addr_text(w, a->family, a->peer));
			break;
		case AL_SCOPE:
			if ((a->unknown & NB_ADDRA_SCOPE) != 0)
				continue;
			setstr(&v, scope_text(w, a->scope));
			break;
		case AL_FLAGS:
			if ((a->unknown & NB_ADDRA_FLAGS) != 0)
				continue;
			v.i = a->flags;
			break;
		}
		if ((rc = nb__tab_store(w->tab, ar->p[i].node, &v)) != 0) {
			w->rc = rc;
			return 1;
		}
	}
	return 0;
}

/*
 * Serve the table read at net.interfaces (entered) straight from the
 * interfaces if its pattern is one of the shapes above and no per-CPU
 * vectors are asked for; false: leave it to the walker's table mode.
 */
bool
mib_if_table(struct mib_walk *w)
{
	const struct nb__tab *tab = w->tab;
	struct plan p[PLAN_MAX];
	struct addrrows ar;
	const struct nb_iface *ifp;
	bool addrs, named;
	unsigned np;
	size_t i;
	int error;

	if (w->depth != 2 || (tab->rdflags & NB_SYSCTL_RD_PERCPU) != 0)
		return false;
	addrs = tab->pn == 5 && tab->plen[3] == 5 && memcmp(tab->pcomp[3], "addrs", 5) == 0 &&
	    (tab->wild >> 4 & 1) != 0;
	if (tab->pn != 3 && !addrs)
		return false;
	named = (tab->wild >> 2 & 1) == 0;
	np = addrs ? plan_leaves(tab, addr_defs, AL_N, 0, p) :
	    plan_leaves(tab, if_defs, IFL_STATS, w->ifmask, p);
	if (named) {
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
	if ((error = nb__tab_reserve(w->tab, w->nif)) != 0) {
		w->rc = error;
		return true;
	}
	for (i = 0; i < w->nif && w->rc == 0; i++) {
		ifp = w->ifv[i];
		if (!addrs) {
			if_row(w, ifp, p, np);
			continue;
		}
		if ((nb_iface_attrs(ifp)->unknown & NB_IFA_ADDRS) != 0)
			continue; /* unknown, not empty: no rows, as the walk */
		ar = (struct addrrows){ .w = w, .p = p, .np = np,
		    .comp = { "net", "interfaces", nb_iface_attrs(ifp)->name, "addrs", NULL },
		    .lens = { 3, 10, strnlen(nb_iface_attrs(ifp)->name, NB_IFNAMSIZ), 5, 0 } };
		if ((error = nb_iface_addr_walk(&w->rd, ifp, addr_row_cb, &ar)) < 0 && w->rc == 0)
			w->rc = error;
	}
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
