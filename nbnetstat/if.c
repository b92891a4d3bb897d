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
#include <stddef.h>
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

/* The counters' leaves under net.interfaces.<if>, by enum ctr. */
const char *const ctr_leaves[C_N] = {
	"stats.ipackets", "stats.ierrors", "stats.iqdrops", "stats.ibytes", "stats.imcasts",
	"stats.opackets", "stats.oerrors", "stats.oqdrops", "stats.obytes", "stats.omcasts",
	"stats.collisions", "stats.noproto",
};

/* A row of net.interfaces.* (the table reader fills it). */
struct if_row {
	int64_t		 flags;
	int64_t		 mtu;
	char		 lladdr[64];
	char		 operstate[16];
	uint64_t	 stats[C_N];
};

enum { IC_FLAGS, IC_MTU, IC_LLADDR, IC_OPERSTATE, IC_STATS };

static struct nb_sysctl_column if_cols[IC_STATS + C_N] = {
	[IC_FLAGS] = { "flags", NB_SYSCTL_INT, offsetof(struct if_row, flags), 0 },
	[IC_MTU] = { "mtu", NB_SYSCTL_INT, offsetof(struct if_row, mtu), 0 },
	[IC_LLADDR] = { "lladdr", NB_SYSCTL_ADDRESS, offsetof(struct if_row, lladdr), 64 },
	[IC_OPERSTATE] = { "operstate", NB_SYSCTL_STRING, offsetof(struct if_row, operstate), 16 },
};

/* A row of net.interfaces.*.addrs.*: the address's text and bytes (its network is computed) */
struct addr_row {
	char		 family[8];	/* "inet", "inet6" */
	struct nb_sysctl_inaddr address;
	int64_t		 prefixlen;
};

static const struct nb_sysctl_column addr_cols[] = {
	{ "family", NB_SYSCTL_STRING, offsetof(struct addr_row, family), 8 },
	{ "address", NB_SYSCTL_INADDR, offsetof(struct addr_row, address), 0 },
	{ "prefixlen", NB_SYSCTL_INT, offsetof(struct addr_row, prefixlen), 0 },
};

/* ... and of .mcast.* (link-layer memberships too: text only) */
struct mcast_row {
	char		 family[8];	/* "inet", "inet6", "link" */
	char		 address[INET6_ADDRSTRLEN + 8];
	int64_t		 users;
};

static const struct nb_sysctl_column mcast_cols[] = {
	{ "family", NB_SYSCTL_STRING, offsetof(struct mcast_row, family), 8 },
	{ "address", NB_SYSCTL_ADDRESS, offsetof(struct mcast_row, address), INET6_ADDRSTRLEN + 8 },
	{ "users", NB_SYSCTL_INT, offsetof(struct mcast_row, users), 0 },
};

struct if_addr {
	const char	*family;
	const struct nb_sysctl_inaddr *address;
	int64_t		 prefixlen;
	char		 network[INET6_ADDRSTRLEN + 16];	/* "10.0.0.0/8", computed */
};

struct if_mcast {
	const char	*family;
	const char	*address;
	int64_t		 users;
};

/* if_info.attrs: leaves a source may not know (--root without sysfs): "-". */
#define A_INDEX 0x1u
#define A_FLAGS 0x2u
#define A_MTU 0x4u

/* One interface: pointers into the tables of struct if_list. */
struct if_info {
	const char	*name;
	int64_t		 index;
	int64_t		 flags;
	int64_t		 mtu;
	const char	*lladdr;	/* "" if none */
	const char	*operstate;	/* NULL if none */
	const uint64_t	*stats;		/* [C_N] */
	unsigned	 present;	/* bit c: stats[c] is in the tree */
	unsigned attrs; /* A_*: index, flags, mtu are in the tree */
	struct if_addr	*addrs;		/* naddrs, in if_list.addrv */
	size_t		 naddrs;
	struct if_mcast	*mcast;		/* -a */
	size_t		 nmcast;
};

struct if_list {
	struct if_info	*v;
	size_t		 n;
	struct if_addr	*addrv;
	struct if_mcast	*mcastv;
	struct nb_sysctl_table ift, addrt, mcastt;
};

/* ---- collect ---- */

/* The last network made (many addresses share one: fe80::/64). */
struct net_memo {
	int		 af;		/* 0: none yet */
	unsigned char	 buf[16];	/* masked address */
	int64_t		 plen;
	const char	*text;		/* the if_addr network that holds its text */
};

/*
 * "10.1.2.3", 24 -> "10.1.2.0/24"; "fe80::1", 64 -> "fe80::/64": from the
 * address's bytes (its INADDR column); an address that is none (family 0)
 * or a prefix length out of range: its text.
 */
static void
addr_network(struct if_addr *a, struct net_memo *m)
{
	const struct nb_sysctl_inaddr *ia = a->address;
	unsigned char buf[16];
	int af = ia->family, bytes, i;
	int64_t plen = a->prefixlen;
	uint32_t x, y;
	uint64_t w;
	unsigned p;
	size_t n;
	bool same, whole = false;

	bytes = af == AF_INET6 ? 16 : 4;
	if ((af != AF_INET && af != AF_INET6) || plen < 0 || plen > bytes * 8) {
		memcpy(a->network, ia->text, (size_t)ia->len + 1);
		return;
	}
	memcpy(buf, ia->addr, 16);
	if (af == AF_INET) {
		memcpy(&y, buf, 4);
		x = htonl(plen == 0 ? 0 : ntohl(y) & UINT32_MAX << (32 - plen));
		memcpy(buf, &x, 4);
		same = memcmp(m->buf, buf, 4) == 0;
		whole = x == y;
	} else {
		for (i = 0; i < bytes; i++) {
			int keep = (int)plen - i * 8;

			if (keep <= 0)
				buf[i] = 0;
			else if (keep < 8)
				buf[i] &= (unsigned char)(0xff << (8 - keep));
		}
		same = memcmp(m->buf, buf, 16) == 0;
	}
	if (m->af == af && m->plen == plen && same) {
		memcpy(a->network, m->text, strlen(m->text) + 1);
		return;
	}
	/* network holds any address and "/128". An IPv4 address the mask
	 * keeps whole is its own network: its text is the column's. */
	_Static_assert(sizeof(a->network) >= INET6_ADDRSTRLEN + 4, "network text");
	if (whole && (n = ia->len) < INET_ADDRSTRLEN) {
		/* 7 to 15 bytes: two overlapping words (no call) */
		if (n >= 8) {
			memcpy(&w, ia->text, 8);
			memcpy(a->network, &w, 8);
			memcpy(&w, ia->text + n - 8, 8);
			memcpy(a->network + n - 8, &w, 8);
		} else
			memcpy(a->network, ia->text, n);
	} else {
		nb_sysctl_ntop(af, buf, a->network, sizeof(a->network));
		n = strlen(a->network);
	}
	a->network[n++] = '/';
	p = (unsigned)plen;	/* (at most 128) */
	if (p >= 100) {
		a->network[n++] = '1';
		p -= 100;
	}
	if (plen >= 10)
		a->network[n++] = (char)('0' + p / 10);
	a->network[n++] = (char)('0' + p % 10);
	a->network[n] = '\0';
	*m = (struct net_memo){ af, { 0 }, plen, a->network };
	if (af == AF_INET)
		memcpy(m->buf, buf, 4);
	else
		memcpy(m->buf, buf, 16);
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
	free(l->v);
	free(l->addrv);
	free(l->mcastv);
	nb_sysctl_table_free(&l->ift);
	nb_sysctl_table_free(&l->addrt);
	nb_sysctl_table_free(&l->mcastt);
	memset(l, 0, sizeof(*l));
}

static void
read_table(struct nb_sysctl *h, struct if_list *l, const char *pattern,
    const struct nb_sysctl_column *cols, unsigned ncols, size_t rowsize, unsigned fl,
    struct nb_sysctl_table *t, const char *ifname)
{
	const char *d;
	int error;

	if ((error = nb_sysctl_table_read(h, pattern, cols, ncols, rowsize, fl, t)) == 0)
		return;
	if_list_free(l);
	d = nb_sysctl_errdetail(h);
	if (error == -ENOENT && ifname != NULL && *d == '\0') /* with a detail: a file */
		nb_errx(NB_EXIT_RUNTIME, "%s: no such interface", ifname);
	nb_errx(NB_EXIT_RUNTIME, "net.interfaces: %s", d != NULL && *d != '\0' ? d : strerror(-error));
}

/*
 * The sub-rows (addresses, memberships) of table t, whose first key is the
 * interface name (none with -I: all are the one interface's), to the
 * interfaces in the same (tree) order: each interface gets [*first, n).
 * An interface's sub-rows are numbered from 0 (the rows' index): a row
 * numbered 0 after the first row is the next interface's, any other is
 * its interface's where it has the previous row's key pointer (a reader
 * that keeps one text for the rows of an interface), else its name says.
 */
static inline __attribute__((always_inline)) size_t
owner_of(const struct if_list *l, const struct nb_sysctl_table *t, size_t row, size_t *at)
{
	const struct nb_sysctl_rowid *id = &t->ids[row];
	const char *name = id->nkey > 1 ? id->key[0] : NULL;

	if (name == NULL)
		return 0;
	if (row > 0 && *at < l->n) {
		if (id->index == 0)
			(*at)++;	/* the interface of the row before has its own */
		else if (name == id[-1].key[0])
			return *at;
	}
	while (*at < l->n && strcmp(l->v[*at].name, name) != 0)
		(*at)++;
	return *at;
}

static void
collect(struct nb_sysctl *h, const char *ifname, bool mcast, struct if_list *l)
{
	char pat[NB_SYSCTL_NAMEMAX + 16], sub[NB_SYSCTL_NAMEMAX + 32];
	const char *comp[3] = { "net", "interfaces", ifname };
	const struct if_row *r;
	struct net_memo memo = { 0 };
	size_t i, j, at;
	int64_t index;
	bool sorted = true;
	unsigned c;

	memset(l, 0, sizeof(*l));
	if (if_cols[IC_STATS].leaf == NULL)
		for (c = 0; c < C_N; c++)
			if_cols[IC_STATS + c] = (struct nb_sysctl_column){ ctr_leaves[c],
			    NB_SYSCTL_U64, offsetof(struct if_row, stats) + c * sizeof(uint64_t), 0 };
	if (ifname != NULL) {
		if (nb_sysctl_name_join(comp, 3, pat, sizeof(pat)) >= sizeof(pat))
			nb_errx(NB_EXIT_RUNTIME, "%s: no such interface", ifname);
	} else
		snprintf(pat, sizeof(pat), "net.interfaces.*");
	read_table(h, l, pat, if_cols, IC_STATS + C_N, sizeof(struct if_row),
	    NB_SYSCTL_RD_NOMCAST, &l->ift, ifname);
	snprintf(sub, sizeof(sub), "%s.addrs.*", pat);
	read_table(h, l, sub, addr_cols, 3, sizeof(struct addr_row), NB_SYSCTL_RD_NOMCAST,
	    &l->addrt, ifname);
	if (mcast) {
		snprintf(sub, sizeof(sub), "%s.mcast.*", pat);
		read_table(h, l, sub, mcast_cols, 3, sizeof(struct mcast_row), 0, &l->mcastt, ifname);
	}
	/* (not calloc: each entry is set below, a megabyte need not be zeroed first) */
	if ((l->v = malloc((l->ift.nrows + 1) * sizeof(*l->v))) == NULL ||
	    (l->addrv = malloc((l->addrt.nrows + 1) * sizeof(*l->addrv))) == NULL ||
	    (l->mcastv = malloc((l->mcastt.nrows + 1) * sizeof(*l->mcastv))) == NULL) {
		if_list_free(l);
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	}
	l->n = l->ift.nrows;
	for (i = 0; i < l->n; i++) {
		struct if_info *ifp = &l->v[i];
		const struct nb_sysctl_rowid *id = &l->ift.ids[i];

		/* (nb_sysctl_table_row without its bound: rows of our rowsize) */
		r = (const struct if_row *)l->ift.rows + i;
		/* The counters' columns, IC_STATS on, are bits of the first present word. */
		_Static_assert(IC_STATS + C_N <= 64, "counter columns past present[0]");
		index = id->index >= 0 ? id->index : INT64_MAX;
		sorted = sorted && (i == 0 || ifp[-1].index <= index);
		/* Every field, one by one (a compound literal clears the entry
		 * first). */
		ifp->name = id->nkey > 0 ? id->key[0] : ifname;
		/* no index: after the others, in tree order */
		ifp->index = index;
		ifp->flags = r->flags;
		ifp->mtu = r->mtu;
		ifp->lladdr = r->lladdr;
		ifp->operstate = nb_sysctl_row_has(id, IC_OPERSTATE) ? r->operstate : NULL;
		ifp->stats = r->stats;
		ifp->present = (unsigned)(id->present[0] >> IC_STATS) & ((1u << C_N) - 1);
		ifp->attrs = (id->index >= 0 ? A_INDEX : 0) |
		    (nb_sysctl_row_has(id, IC_FLAGS) ? A_FLAGS : 0) |
		    (nb_sysctl_row_has(id, IC_MTU) ? A_MTU : 0);
		ifp->addrs = NULL;
		ifp->naddrs = 0;
		ifp->mcast = NULL;
		ifp->nmcast = 0;
	}
	for (i = 0, at = 0; i < l->addrt.nrows; i++) {
		const struct addr_row *ar = (const struct addr_row *)l->addrt.rows + i; /* (as r) */
		struct if_addr *a = &l->addrv[i];

		j = owner_of(l, &l->addrt, i, &at);
		if (j >= l->n)
			break;
		a->family = ar->family;
		a->address = &ar->address;
		a->prefixlen = ar->prefixlen;
		if (l->v[j].addrs == NULL)
			l->v[j].addrs = a;
		l->v[j].naddrs++;
		/* (the memo holds the last network made, in whatever order) */
		addr_network(a, &memo);
	}
	for (i = 0, at = 0; i < l->mcastt.nrows; i++) {
		const struct mcast_row *mr = nb_sysctl_table_row(&l->mcastt, i);
		struct if_mcast *m = &l->mcastv[i];

		j = owner_of(l, &l->mcastt, i, &at);
		if (j >= l->n)
			break;
		m->family = mr->family;
		m->address = mr->address;
		m->users = mr->users;
		if (l->v[j].mcast == NULL)
			l->v[j].mcast = m;
		l->v[j].nmcast++;
	}
	/* The tree lists interfaces by index already; sort only if it did not. */
	if (!sorted)
		qsort(l->v, l->n, sizeof(l->v[0]), cmp_index);
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

#define BIT(i)	(UINT64_C(1) << (i))

/*
 * The two row formats of the table: an interface's <Link> row, and an
 * address row, which repeats Name, Mtu and the counters in text. Both are
 * the same for text and JSON (nb_out decides what each prints): fields
 * made once for the chosen columns. Their values are numbered (V_*) across
 * both rows: an interface fills them once, and its address rows, filling
 * their own, take Name, Mtu and the counters (and their absent bits) as
 * its link row had them.
 */
enum {
	V_NAME_T,		/* Name in text: "name*" when down */
	V_NAME,
	V_MTU,
	V_INDEX,
	V_FLAGS,
	V_UP,
	V_OPER,
	V_LLADDR_T,		/* lladdr in text ("" when none) */
	V_LLADDR,		/* in JSON (none: absent) */
	V_FAMILY,		/* an address's */
	V_NETWORK,
	V_ADDRESS,
	V_PREFIXLEN,
	V_CTR,			/* counter c: V_CTR + c (enum ctr order) */
	V_HUM = V_CTR + C_N,	/* counter c humanised (-h): V_HUM + c */
	V_N = V_HUM + C_N
};

_Static_assert(V_N <= NB_OUT_ROW_MAX, "values of a row");
_Static_assert(sizeof(union nb_out_val) == sizeof(uint64_t), "the counters copied as values");

struct if_fmt {
	struct nb_out_row *link, *addr;
	int		 hum[C_N];	/* the humanised counters the emitter reads */
	int		 nhum;
	unsigned	 hummask;	/* bit c: counter c is in hum[] */
	char		 fmt[C_N][16];	/* text formats, made once */
};

/* A row's fields as they are made. */
struct if_fields {
	struct nb_out_field f[NB_OUT_ROW_MAX];
	size_t		 n;
};

static void
fmt_add(struct if_fields *F, enum nb_out_ftype type, enum nb_out_mode m, const char *key,
    const char *fmt, int val)
{
	F->f[F->n++] = (struct nb_out_field){ type, m, key, fmt,
		val >= 0 ? NB_OUT_VAL(val) : 0 };
}

/*
 * The counter columns. On the link row (mode NB_OUT_ANY) each shown
 * counter goes to text and JSON at once and the rest to JSON only; address
 * rows repeat the shown columns in text (NB_OUT_TEXT). Absent counters:
 * "-", no JSON key.
 */
static void
fmt_counters(struct if_fmt *FF, struct if_fields *F, const struct netstat_opts *no,
    const struct col *cols, size_t ncols, enum nb_out_mode m)
{
	unsigned shown = 0;
	size_t i;
	int c;

	for (i = 0; i < ncols; i++) {
		c = cols[i].c;
		shown |= 1u << c;
		if (cols[i].bytes && no->hflag) {
			snprintf(FF->fmt[c], sizeof(FF->fmt[c]), "%s%%%ds", i > 0 ? " " : "",
			    cols[i].width);
			if (m == NB_OUT_ANY)
				fmt_add(F, NB_OUT_F_U64, NB_OUT_JSON, ctr_names[c], NULL, V_CTR + c);
			fmt_add(F, NB_OUT_F_STR, NB_OUT_TEXT, NULL, FF->fmt[c], V_HUM + c);
		} else {
			snprintf(FF->fmt[c], sizeof(FF->fmt[c]), "%s%s", i > 0 ? " " : "",
			    cols[i].fmt);
			fmt_add(F, NB_OUT_F_U64, m, ctr_names[c], FF->fmt[c], V_CTR + c);
		}
	}
	if (m != NB_OUT_ANY)
		return;
	for (c = 0; c < C_N; c++)
		if ((shown & (1u << c)) == 0)
			fmt_add(F, NB_OUT_F_U64, NB_OUT_JSON, ctr_names[c], NULL, V_CTR + c);
}

static struct nb_out_row *
fmt_make(const struct if_fields *F)
{
	struct nb_out_row *r;
	int error;

	if ((error = nb_out_row_create(F->f, F->n, &r)) != 0)
		nb_errx(NB_EXIT_RUNTIME, "nb_out_row_create: %s", strerror(-error));
	return r;
}

/*
 * Both rows for emitter o; the humanised counters (-h) made are those o
 * reads (text only).
 */
static void
fmt_rows(struct if_fmt *FF, const struct netstat_opts *no, const struct col *cols, size_t ncols,
    const struct nb_out *o)
{
	struct if_fields F;
	uint64_t reads;
	size_t i;

	memset(FF, 0, sizeof(*FF));
	F.n = 0;
	fmt_add(&F, NB_OUT_F_OBJECT, NB_OUT_ANY, NULL, NULL, -1);	/* render_if closes it */
	fmt_add(&F, NB_OUT_F_STR, NB_OUT_TEXT, NULL, "%-5s ", V_NAME_T);
	fmt_add(&F, NB_OUT_F_STR, NB_OUT_JSON, "name", NULL, V_NAME);
	fmt_add(&F, NB_OUT_F_I64, NB_OUT_ANY, "mtu", "%-5" PRId64 " ", V_MTU);
	fmt_add(&F, NB_OUT_F_I64, NB_OUT_JSON, "index", NULL, V_INDEX);
	fmt_add(&F, NB_OUT_F_I64, NB_OUT_JSON, "flags", NULL, V_FLAGS);
	fmt_add(&F, NB_OUT_F_BOOL, NB_OUT_JSON, "up", NULL, V_UP);
	fmt_add(&F, NB_OUT_F_STR, NB_OUT_JSON, "operstate", NULL, V_OPER);
	fmt_add(&F, NB_OUT_F_LIT, NB_OUT_TEXT, NULL, "<Link>        ", -1);
	fmt_add(&F, NB_OUT_F_STR, NB_OUT_TEXT, NULL, "%-17s ", V_LLADDR_T);
	fmt_add(&F, NB_OUT_F_STR, NB_OUT_JSON, "lladdr", NULL, V_LLADDR);
	fmt_add(&F, NB_OUT_F_OBJECT, NB_OUT_ANY, "stats", NULL, -1);
	fmt_counters(FF, &F, no, cols, ncols, NB_OUT_ANY);
	fmt_add(&F, NB_OUT_F_CLOSE, NB_OUT_ANY, NULL, NULL, -1);
	/* the address rows' array, which render_if closes */
	fmt_add(&F, NB_OUT_F_ARRAY, NB_OUT_ANY, "addresses", NULL, -1);
	fmt_add(&F, NB_OUT_F_LIT, NB_OUT_TEXT, NULL, "\n", -1);
	FF->link = fmt_make(&F);

	F.n = 0;
	fmt_add(&F, NB_OUT_F_OBJECT, NB_OUT_ANY, NULL, NULL, -1);
	fmt_add(&F, NB_OUT_F_STR, NB_OUT_TEXT, NULL, "%-5s ", V_NAME_T);
	fmt_add(&F, NB_OUT_F_I64, NB_OUT_TEXT, "mtu", "%-5" PRId64 " ", V_MTU);
	fmt_add(&F, NB_OUT_F_STR, NB_OUT_JSON, "family", NULL, V_FAMILY);
	fmt_add(&F, NB_OUT_F_STR, NB_OUT_ANY, "network", "%-13s ", V_NETWORK);
	fmt_add(&F, NB_OUT_F_STR, NB_OUT_ANY, "address", "%-17s ", V_ADDRESS);
	fmt_add(&F, NB_OUT_F_I64, NB_OUT_JSON, "prefixlen", NULL, V_PREFIXLEN);
	fmt_counters(FF, &F, no, cols, ncols, NB_OUT_TEXT);
	fmt_add(&F, NB_OUT_F_LIT, NB_OUT_TEXT, NULL, "\n", -1);
	fmt_add(&F, NB_OUT_F_CLOSE, NB_OUT_ANY, NULL, NULL, -1);
	FF->addr = fmt_make(&F);

	reads = nb_out_row_reads(FF->link, o) | nb_out_row_reads(FF->addr, o);
	for (i = 0; i < ncols; i++)
		if ((reads & BIT(V_HUM + cols[i].c)) != 0) {
			FF->hum[FF->nhum++] = cols[i].c;
			FF->hummask |= 1u << cols[i].c;
		}
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
    const struct if_fmt *FF)
{
	union nb_out_val v[V_N];
	char nbuf[NB_SYSCTL_NAMEMAX + 2], human[C_N][16];
	const unsigned all = (1u << C_N) - 1;
	uint64_t absent;
	size_t i, len;
	int k;

	v[V_NAME_T].s = ifp->name;
	if ((ifp->attrs & A_FLAGS) != 0 && (ifp->flags & IFF_UP) == 0 &&
	    (len = strlen(ifp->name)) <= NB_SYSCTL_NAMEMAX) {
		memcpy(nbuf, ifp->name, len);
		memcpy(nbuf + len, "*", 2);
		v[V_NAME_T].s = nbuf;
	}
	v[V_NAME].s = ifp->name;
	v[V_MTU].i = ifp->mtu;
	v[V_INDEX].i = ifp->index;
	v[V_FLAGS].i = ifp->flags;
	v[V_UP].b = (ifp->flags & IFF_UP) != 0;
	v[V_OPER].s = ifp->operstate;
	v[V_LLADDR_T].s = ifp->lladdr;
	v[V_LLADDR].s = ifp->lladdr;
	/* the counters at once, in enum ctr order (a value is a uint64_t) */
	memcpy(&v[V_CTR], ifp->stats, C_N * sizeof(uint64_t));
	absent = ((ifp->attrs & A_MTU) != 0 ? 0 : BIT(V_MTU)) |
	    ((ifp->attrs & A_INDEX) != 0 ? 0 : BIT(V_INDEX)) |
	    ((ifp->attrs & A_FLAGS) != 0 ? 0 : BIT(V_FLAGS) | BIT(V_UP)) |
	    (ifp->operstate != NULL ? 0 : BIT(V_OPER)) |
	    (*ifp->lladdr != '\0' ? 0 : BIT(V_LLADDR)) |
	    (uint64_t)(~ifp->present & all) << V_CTR |
	    (uint64_t)(~ifp->present & FF->hummask) << V_HUM;
	for (k = 0; k < FF->nhum; k++) {
		int c = FF->hum[k];

		if ((ifp->present & (1u << c)) != 0)
			if_humanize(human[c], sizeof(human[c]), ifp->stats[c]);
		v[V_HUM + c].s = human[c];
	}
	nb_out_row(o, FF->link, v, absent);	/* (opens "addresses") */

	/* an address row's own values; the rest (and absent) are the link row's */
	for (i = 0; i < ifp->naddrs; i++) {
		const struct if_addr *a = &ifp->addrs[i];

		v[V_FAMILY].s = a->family;
		v[V_NETWORK].s = a->network;
		v[V_ADDRESS].s = a->address->text;
		v[V_PREFIXLEN].i = a->prefixlen;
		nb_out_row(o, FF->addr, v, absent);
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
	struct if_fmt FF;
	struct col cols[8];
	size_t ncols, i;
	bool qflag = no->qflag;

	if (no->c.interval_set || no->c.count_set)
		return if_interval(h, no, o);
	collect(h, no->ifname, no->aflag, &l);
	ncols = columns(no, cols);
	fmt_rows(&FF, no, cols, ncols, o);

	nb_out_record_begin(o);
	render_header(o, cols, ncols);
	nb_out_open_array(o, "interfaces");
	for (i = 0; i < l.n; i++)
		if (!qflag || !if_idle(&l.v[i]))
			render_if(o, no, &l.v[i], &FF);
	nb_out_close_array(o);
	nb_out_record_end(o);
	nb_out_row_destroy(&FF.link);
	nb_out_row_destroy(&FF.addr);
	if_list_free(&l);
	return 0;
}
