/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * if.c - nbnetstat -i: collect net.interfaces.* in one walk into plain
 * structs, then render the NetBSD netstat -i table (or JSON) from them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#include "nbnetstat.h"

const char *const ctr_names[C_N] = {
	"ipackets", "ierrors", "iqdrops", "ibytes", "imcasts",
	"opackets", "oerrors", "oqdrops", "obytes", "omcasts",
	"collisions", "noproto",
};

struct if_addr {
	unsigned long	 n;		/* position in addrs.<n> */
	char		 family[8];	/* "inet", "inet6" */
	char		*address;
	int64_t		 prefixlen;
	char		 network[INET6_ADDRSTRLEN + 16];	/* "10.0.0.0/8", computed */
};

struct if_mcast {
	unsigned long	 n;		/* position in mcast.<n> */
	char		 family[8];	/* "inet", "inet6", "link" */
	char		*address;
	int64_t		 users;
};

struct if_info {
	char		*name;
	size_t		 namelen;
	int64_t		 index;
	int64_t		 flags;
	int64_t		 mtu;
	char		*lladdr;	/* NULL or "" if none */
	char		*operstate;
	uint64_t	 stats[C_N];
	unsigned	 present;	/* bit c: stats[c] is in the tree */
	unsigned	 attrs;		/* A_*: index, flags, mtu are in the tree */
	struct if_addr	*addrs;
	size_t		 naddrs, addrcap;
	struct if_mcast	*mcast;		/* -a */
	size_t		 nmcast, mcastcap;
};

/* if_info.attrs: leaves a source may not know (--root without sysfs): "-". */
#define A_INDEX	0x1u
#define A_FLAGS	0x2u
#define A_MTU	0x4u

struct if_list {
	struct if_info	*v;
	size_t		 n, cap;
};

/* ---- collect ---- */

struct if_walk {
	struct if_list	*l;
	struct if_info	*cur;
	unsigned	 nextctr;	/* the stats leaf expected next (tree order) */
	bool		 mcast;		/* -a: collect mcast.<n> too */
};

/* Component i of e is the literal s (lengths first: no strcmp per leaf). */
#define COMP_IS(e, i, s) \
	((e)->complen[i] == sizeof(s) - 1 && memcmp((e)->comp[i], (s), sizeof(s) - 1) == 0)

static size_t ctr_lens[C_N];

/* Counter index of component i of e, trying `hint` first; C_N if none. */
static unsigned
ctr_index(const struct nb_sysctl_entry *e, unsigned i, unsigned hint)
{
	unsigned c, k;

	if (ctr_lens[0] == 0)
		for (c = 0; c < C_N; c++)
			ctr_lens[c] = strlen(ctr_names[c]);
	for (k = 0; k < C_N; k++) {
		c = (hint + k) % C_N;
		if (e->complen[i] == ctr_lens[c] && memcmp(e->comp[i], ctr_names[c], ctr_lens[c]) == 0)
			return c;
	}
	return C_N;
}

static int64_t
val_int(const struct nb_sysctl_value *v)
{
	switch (v->type) {
	case NB_SYSCTL_U64:
		return (int64_t)v->u;
	case NB_SYSCTL_BOOL:
		return v->b;
	default:
		return v->i;
	}
}

static uint64_t
val_u64(const struct nb_sysctl_value *v)
{
	return v->type == NB_SYSCTL_INT ? (uint64_t)v->i : v->u;
}

static int
dupstr(char **dst, const struct nb_sysctl_value *v)
{
	free(*dst);
	if ((*dst = strndup(v->str != NULL ? v->str : "", v->str != NULL ? v->len : 0)) == NULL)
		return -ENOMEM;
	return 0;
}

static struct if_info *
if_new(struct if_list *l, const char *name, size_t len)
{
	struct if_info *ifp;

	if (l->n == l->cap) {
		size_t cap = l->cap != 0 ? l->cap * 2 : 64;
		struct if_info *v;

		if ((v = realloc(l->v, cap * sizeof(*v))) == NULL)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	ifp = &l->v[l->n];
	memset(ifp, 0, sizeof(*ifp));
	if ((ifp->name = strndup(name, len)) == NULL)
		return NULL;
	ifp->namelen = len;
	ifp->index = INT64_MAX;		/* no index: after the others, in tree order */
	l->n++;
	return ifp;
}

static struct if_addr *
addr_get(struct if_info *ifp, unsigned long n)
{
	struct if_addr *a;

	if (ifp->naddrs > 0 && ifp->addrs[ifp->naddrs - 1].n == n)
		return &ifp->addrs[ifp->naddrs - 1];
	if (ifp->naddrs == ifp->addrcap) {
		size_t cap = ifp->addrcap != 0 ? ifp->addrcap * 2 : 2;

		if ((a = realloc(ifp->addrs, cap * sizeof(*a))) == NULL)
			return NULL;
		ifp->addrs = a;
		ifp->addrcap = cap;
	}
	a = &ifp->addrs[ifp->naddrs++];
	memset(a, 0, sizeof(*a));
	a->n = n;
	return a;
}

static int
collect_addr(struct if_info *ifp, const struct nb_sysctl_entry *e)
{
	struct if_addr *a;
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(e->comp[4], &end, 10);
	if (*end != '\0' || errno != 0)
		return 0;	/* not an address row */
	if ((a = addr_get(ifp, n)) == NULL)
		return -ENOMEM;
	if (COMP_IS(e, 5, "family"))
		snprintf(a->family, sizeof(a->family), "%s", e->val.str != NULL ? e->val.str : "");
	else if (COMP_IS(e, 5, "address"))
		return dupstr(&a->address, &e->val);
	else if (COMP_IS(e, 5, "prefixlen"))
		a->prefixlen = val_int(&e->val);
	return 0;
}

static int
collect_mcast(struct if_info *ifp, const struct nb_sysctl_entry *e)
{
	const char *leaf = e->comp[5];
	struct if_mcast *m;
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(e->comp[4], &end, 10);
	if (*end != '\0' || errno != 0)
		return 0;
	if (ifp->nmcast == 0 || ifp->mcast[ifp->nmcast - 1].n != n) {
		if (ifp->nmcast == ifp->mcastcap) {
			size_t cap = ifp->mcastcap != 0 ? ifp->mcastcap * 2 : 4;

			if ((m = realloc(ifp->mcast, cap * sizeof(*m))) == NULL)
				return -ENOMEM;
			ifp->mcast = m;
			ifp->mcastcap = cap;
		}
		m = &ifp->mcast[ifp->nmcast++];
		memset(m, 0, sizeof(*m));
		m->n = n;
	}
	m = &ifp->mcast[ifp->nmcast - 1];
	if (strcmp(leaf, "family") == 0)
		snprintf(m->family, sizeof(m->family), "%s", e->val.str != NULL ? e->val.str : "");
	else if (strcmp(leaf, "address") == 0)
		return dupstr(&m->address, &e->val);
	else if (strcmp(leaf, "users") == 0)
		m->users = val_int(&e->val);
	return 0;
}

static int
collect_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct if_walk *w = arg;
	struct if_info *ifp = w->cur;
	unsigned c;

	/* net interfaces <if> <leaf> [...] */
	if (e->ncomp < 4 || e->val.type == NB_SYSCTL_NODE)
		return 0;
	if (ifp == NULL || ifp->namelen != e->complen[2] ||
	    memcmp(ifp->name, e->comp[2], e->complen[2]) != 0) {
		if ((ifp = w->cur = if_new(w->l, e->comp[2], e->complen[2])) == NULL)
			return -ENOMEM;
	}
	if (e->ncomp == 4) {
		if (COMP_IS(e, 3, "index")) {
			ifp->index = val_int(&e->val);
			ifp->attrs |= A_INDEX;
		} else if (COMP_IS(e, 3, "flags")) {
			ifp->flags = val_int(&e->val);
			ifp->attrs |= A_FLAGS;
		} else if (COMP_IS(e, 3, "mtu")) {
			ifp->mtu = val_int(&e->val);
			ifp->attrs |= A_MTU;
		}
		else if (COMP_IS(e, 3, "lladdr"))
			return dupstr(&ifp->lladdr, &e->val);
		else if (COMP_IS(e, 3, "operstate"))
			return dupstr(&ifp->operstate, &e->val);
	} else if (e->ncomp == 5 && COMP_IS(e, 3, "stats")) {
		if ((c = ctr_index(e, 4, w->nextctr)) < C_N) {
			ifp->stats[c] = val_u64(&e->val);
			ifp->present |= 1u << c;
			w->nextctr = (c + 1) % C_N;
		}
	} else if (e->ncomp == 6 && COMP_IS(e, 3, "addrs")) {
		return collect_addr(ifp, e);
	} else if (e->ncomp == 6 && w->mcast && COMP_IS(e, 3, "mcast")) {
		return collect_mcast(ifp, e);
	}
	return 0;
}

/* "10.1.2.3", 24 -> "10.1.2.0/24"; "fe80::1", 64 -> "fe80::/64". */
static void
addr_network(struct if_addr *a)
{
	unsigned char buf[16];
	char txt[INET6_ADDRSTRLEN];
	int af, bytes, i;
	int64_t plen = a->prefixlen;
	size_t n;

	af = strcmp(a->family, "inet6") == 0 ? AF_INET6 : AF_INET;
	bytes = af == AF_INET6 ? 16 : 4;
	if (a->address == NULL || inet_pton(af, a->address, buf) != 1 ||
	    plen < 0 || plen > bytes * 8) {
		snprintf(a->network, sizeof(a->network), "%s", a->address != NULL ? a->address : "");
		return;
	}
	for (i = 0; i < bytes; i++) {
		int keep = (int)plen - i * 8;

		if (keep <= 0)
			buf[i] = 0;
		else if (keep < 8)
			buf[i] &= (unsigned char)(0xff << (8 - keep));
	}
	nb_sysctl_ntop(af, buf, txt, sizeof(txt));
	n = strlen(txt);
	memcpy(a->network, txt, n);
	a->network[n++] = '/';
	if (plen >= 100)
		a->network[n++] = (char)('0' + plen / 100);
	if (plen >= 10)
		a->network[n++] = (char)('0' + plen / 10 % 10);
	a->network[n++] = (char)('0' + plen % 10);
	a->network[n] = '\0';
}

static int
cmp_index(const void *a, const void *b)
{
	const struct if_info *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

static void
if_list_free(struct if_list *l)
{
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		struct if_info *ifp = &l->v[i];

		for (j = 0; j < ifp->naddrs; j++)
			free(ifp->addrs[j].address);
		free(ifp->addrs);
		for (j = 0; j < ifp->nmcast; j++)
			free(ifp->mcast[j].address);
		free(ifp->mcast);
		free(ifp->name);
		free(ifp->lladdr);
		free(ifp->operstate);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void
collect(struct nb_sysctl *h, const char *ifname, bool mcast, struct if_list *l)
{
	const char *comp[3] = { "net", "interfaces", ifname };
	struct if_walk w = { .l = l, .cur = NULL, .mcast = mcast };
	const char *d;
	size_t i, j;
	int error;

	error = nb_sysctl_walkv(h, comp, ifname != NULL ? 3 : 2,
	    w.mcast ? 0 : NB_SYSCTL_RD_NOMCAST, collect_cb, &w);
	if (error == -ENOENT && ifname != NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s: no such interface", ifname);
	if (error != 0) {
		d = nb_sysctl_errdetail(h);
		nb_errx(NB_EXIT_RUNTIME, "net.interfaces: %s",
		    d != NULL && *d != '\0' ? d : strerror(-error));
	}
	if (ifname != NULL && l->n == 0)
		nb_errx(NB_EXIT_RUNTIME, "%s: no such interface", ifname);
	/* The tree lists interfaces by index already; sort only if it did not. */
	for (i = 1; i < l->n && l->v[i - 1].index <= l->v[i].index; i++)
		;
	if (i < l->n)
		qsort(l->v, l->n, sizeof(l->v[0]), cmp_index);
	for (i = 0; i < l->n; i++)
		for (j = 0; j < l->v[i].naddrs; j++)
			addr_network(&l->v[i].addrs[j]);
}

/* ---- render ---- */

struct col {
	const char	*hdr;
	int		 width;
	enum ctr	 c;
	bool		 bytes;		/* humanised with -h */
	char		 fmt[12];	/* "%<width>" PRIu64, made once */
};

/* Columns after Address for the chosen flags (NetBSD if.c widths). */
static size_t
columns(const struct netstat_opts *no, struct col *cols)
{
	size_t n = 0;

#define COL(h, w, c, b) (cols[n++] = (struct col){ (h), (w), (c), (b), "" })
	if (no->bflag) {
		COL("Ibytes", 10, C_IBYTES, true);
		if (no->dflag)
			COL("Idrops", 6, C_IQDROPS, false);
		COL("Obytes", 10, C_OBYTES, true);
		if (no->dflag)
			COL("Odrops", 6, C_OQDROPS, false);
	} else {
		COL("Ipkts", 8, C_IPACKETS, false);
		COL("Ierrs", 5, C_IERRORS, false);
		if (no->dflag)
			COL("Idrops", 6, C_IQDROPS, false);
		COL("Opkts", 8, C_OPACKETS, false);
		COL("Oerrs", 5, C_OERRORS, false);
		COL("Colls", 5, C_COLLISIONS, false);
		if (no->dflag)
			COL("Odrops", 6, C_OQDROPS, false);
	}
#undef COL
	for (size_t i = 0; i < n; i++)
		snprintf(cols[i].fmt, sizeof(cols[i].fmt), "%%%d" PRIu64, cols[i].width);
	return n;
}

/* NetBSD humanize_number(buf, 5, v, "", HN_AUTOSCALE, HN_NOSPACE | HN_DECIMAL). */
void
if_humanize(char *buf, size_t size, uint64_t v)
{
	static const char units[] = "KMGTPE";
	double x = (double)v;
	int u = -1;

	if (v <= 9999) {
		snprintf(buf, size, "%" PRIu64, v);
		return;
	}
	do {
		x /= 1024;
		u++;
	} while (x >= 999.5 && u < 5);
	if (x < 9.95)
		snprintf(buf, size, "%.1f%c", x, units[u]);
	else
		snprintf(buf, size, "%.0f%c", x, units[u]);
}

/* Display columns of a UTF-8 string (bytes that start a character). */
static int
dispwidth(const char *s)
{
	int w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void
pad(struct nb_out *o, int used, int width)
{
	nb_out_pad(o, width - used);
}

/*
 * Name (with '*' when down) and Mtu. The link row carries them into JSON
 * (mode NB_OUT_ANY); address rows repeat them in text only.
 */
static void
render_name_mtu(struct nb_out *o, const struct if_info *ifp, enum nb_out_mode m)
{
	bool down = (ifp->attrs & A_FLAGS) != 0 && (ifp->flags & IFF_UP) == 0;

	nb_out_str(o, m, "name", "%s", ifp->name);
	if (down)
		nb_out_text(o, "*");
	pad(o, dispwidth(ifp->name) + down, 5);
	nb_out_text(o, " ");
	if ((ifp->attrs & A_MTU) != 0)
		nb_out_i64(o, m, "mtu", "%-5" PRId64 " ", ifp->mtu);
	else
		nb_out_text(o, "%-5s ", "-");
}

/*
 * The counter columns. On the link row (NB_OUT_ANY) each shown counter goes
 * to text and JSON at once and the rest to JSON only; address rows repeat
 * the columns in text (NB_OUT_TEXT). Absent counters: "-", no JSON key.
 */
static void
render_counters(struct nb_out *o, const struct netstat_opts *no, const struct if_info *ifp,
    const struct col *cols, size_t ncols, enum nb_out_mode m)
{
	unsigned shown = 0;
	char human[16];
	size_t i;
	int c;

	for (i = 0; i < ncols; i++) {
		const struct col *col = &cols[i];
		uint64_t v = ifp->stats[col->c];

		if (i > 0)
			nb_out_text(o, " ");
		shown |= 1u << col->c;
		if ((ifp->present & (1u << col->c)) == 0) {
			nb_out_pad(o, col->width - 1);
			nb_out_text(o, "-");
		} else if (col->bytes && no->hflag) {
			if_humanize(human, sizeof(human), v);
			nb_out_u64(o, m == NB_OUT_ANY ? NB_OUT_JSON : m, ctr_names[col->c], NULL, v);
			nb_out_text(o, "%*s", col->width, human);
		} else {
			nb_out_u64(o, m, ctr_names[col->c], col->fmt, v);
		}
	}
	if (m != NB_OUT_ANY)
		return;
	for (c = 0; c < C_N; c++)
		if ((ifp->present & ~shown & (1u << c)) != 0)
			nb_out_u64(o, NB_OUT_JSON, ctr_names[c], NULL, ifp->stats[c]);
}

static void
render_header(struct nb_out *o, const struct col *cols, size_t ncols)
{
	size_t i;

	nb_out_text(o, "%-5s %-5s %-13s %-17s", "Name", "Mtu", "Network", "Address");
	for (i = 0; i < ncols; i++)
		nb_out_text(o, " %*s", cols[i].width, cols[i].hdr);
	nb_out_text(o, "\n");
}

static void
render_if(struct nb_out *o, const struct netstat_opts *no, const struct if_info *ifp,
    const struct col *cols, size_t ncols)
{
	const struct if_addr *a;
	size_t i;

	nb_out_open_object(o, NULL);
	render_name_mtu(o, ifp, NB_OUT_ANY);
	if ((ifp->attrs & A_INDEX) != 0)
		nb_out_i64(o, NB_OUT_JSON, "index", NULL, ifp->index);
	if ((ifp->attrs & A_FLAGS) != 0) {
		nb_out_i64(o, NB_OUT_JSON, "flags", NULL, ifp->flags);
		nb_out_bool(o, NB_OUT_JSON, "up", NULL, (ifp->flags & IFF_UP) != 0);
	}
	if (ifp->operstate != NULL)
		nb_out_str(o, NB_OUT_JSON, "operstate", NULL, ifp->operstate);
	nb_out_text(o, "%-13s ", "<Link>");
	if (ifp->lladdr != NULL && *ifp->lladdr != '\0')
		nb_out_str(o, NB_OUT_ANY, "lladdr", "%-17s ", ifp->lladdr);
	else
		nb_out_text(o, "%-17s ", "");
	nb_out_open_object(o, "stats");
	render_counters(o, no, ifp, cols, ncols, NB_OUT_ANY);
	nb_out_close_object(o);
	nb_out_text(o, "\n");

	nb_out_open_array(o, "addresses");
	for (i = 0; i < ifp->naddrs; i++) {
		a = &ifp->addrs[i];
		nb_out_open_object(o, NULL);
		render_name_mtu(o, ifp, NB_OUT_TEXT);
		nb_out_str(o, NB_OUT_JSON, "family", NULL, a->family);
		nb_out_str(o, NB_OUT_ANY, "network", "%-13s ", a->network);
		nb_out_str(o, NB_OUT_ANY, "address", "%-17s ", a->address != NULL ? a->address : "");
		nb_out_i64(o, NB_OUT_JSON, "prefixlen", NULL, a->prefixlen);
		render_counters(o, no, ifp, cols, ncols, NB_OUT_TEXT);
		nb_out_text(o, "\n");
		nb_out_close_object(o);
	}
	nb_out_close_array(o);
	/* -a: memberships on continuation rows, the address under Address
	 * (NetBSD netstat -ia: "%25s %-17.17s"); JSON "multicast" */
	if (no->aflag) {
		nb_out_open_array(o, "multicast");
		for (i = 0; i < ifp->nmcast; i++) {
			const struct if_mcast *m = &ifp->mcast[i];

			nb_out_open_object(o, NULL);
			nb_out_text(o, "%25s ", "");
			nb_out_str(o, NB_OUT_JSON, "family", NULL, m->family);
			nb_out_str(o, NB_OUT_ANY, "address", "%s", m->address != NULL ? m->address : "");
			nb_out_i64(o, NB_OUT_JSON, "users", NULL, m->users);
			nb_out_text(o, "\n");
			nb_out_close_object(o);
		}
		nb_out_close_array(o);
	}
	nb_out_close_object(o);
}

static bool
if_idle(const struct if_info *ifp)
{
	int c;

	for (c = 0; c < C_N; c++)
		if ((ifp->present & (1u << c)) != 0 && ifp->stats[c] != 0)
			return false;
	return true;
}

int
if_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct if_list l = { 0 };
	struct col cols[8];
	size_t ncols, i;

	if (no->c.interval_set || no->c.count_set)
		return if_interval(h, no, o);
	collect(h, no->ifname, no->aflag, &l);
	ncols = columns(no, cols);

	nb_out_record_begin(o);
	render_header(o, cols, ncols);
	nb_out_open_array(o, "interfaces");
	for (i = 0; i < l.n; i++) {
		if (no->qflag && if_idle(&l.v[i]))
			continue;
		render_if(o, no, &l.v[i], cols, ncols);
	}
	nb_out_close_array(o);
	nb_out_record_end(o);
	if_list_free(&l);
	return 0;
}
