/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * route.c - nbnetstat -r: read net.route.inet.* and net.route.inet6.* as
 * tables (nb_sysctl_table_read) into plain rows, then render the NetBSD netstat -r table
 * (or JSON) from them. Flags are derived from the tree's flags, type and
 * protocol; Refs and Use do not exist on Linux and print "-", as on NetBSD's
 * sysctl path; Mtu is the route's RTAX_MTU ("-" when it has none). A
 * multipath route prints its first nexthop on its row and each further
 * nexthop on a continuation row below it (no destination), as NetBSD does
 * for the routes of one destination; JSON gives them all in "nexthops".
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#include "nbnetstat.h"

#define RTF_UP_		0x1
#define RTF_GATEWAY_	0x2
#define RTF_HOST_	0x4
#define RTF_REJECT_	0x200

/* A row of net.route.<fam>.* (the table reader fills it; "" where absent). */
struct rt_info {
	char		 dst[INET6_ADDRSTRLEN + 8];
	char		 gateway[INET6_ADDRSTRLEN + 8];
	char		 ifname[64];
	char		 protocol[32];
	char		 type[32];
	char		 scope[32];
	char prefsrc[INET6_ADDRSTRLEN + 8];
	char pref[16];
	int64_t prefixlen, flags, metric, table, nhops, mtu, nhid;
	size_t nh0, nnh; /* its rows in rt_list.nh (filled after the read) */
};

/* A row of net.route.<fam>.<n>.nexthops.<k>.*. */
struct rt_nh {
	char gateway[INET6_ADDRSTRLEN + 8];
	char ifname[64];
	int64_t weight, flags;
};

#define RS(f)	NB_SYSCTL_STRING, offsetof(struct rt_info, f), sizeof(((struct rt_info *)0)->f)
#define RI(f)	NB_SYSCTL_INT, offsetof(struct rt_info, f), 0

enum { RC_NHOPS = 10,
	RC_MTU,
	RC_PREFSRC,
	RC_PREF,
	RC_NHID };

static const struct nb_sysctl_column rt_cols[] = {
	{ "dst", RS(dst) },
	{ "gateway", RS(gateway) },
	{ "ifname", RS(ifname) },
	{ "protocol", RS(protocol) },
	{ "type", RS(type) },
	{ "scope", RS(scope) },
	{ "prefixlen", RI(prefixlen) },
	{ "flags", RI(flags) },
	{ "metric", RI(metric) },
	{ "table", RI(table) },
	[RC_NHOPS] = { "nhops", RI(nhops) },
	[RC_MTU] = { "mtu", RI(mtu) },
	[RC_PREFSRC] = { "prefsrc", RS(prefsrc) },
	[RC_PREF] = { "pref", RS(pref) },
	[RC_NHID] = { "nhid", RI(nhid) },
};

#define NS(f) NB_SYSCTL_STRING, offsetof(struct rt_nh, f), sizeof(((struct rt_nh *)0)->f)
#define NI(f) NB_SYSCTL_INT, offsetof(struct rt_nh, f), 0

static const struct nb_sysctl_column nh_cols[] = {
	{ "gateway", NS(gateway) },
	{ "ifname", NS(ifname) },
	{ "weight", NI(weight) },
	{ "flags", NI(flags) },
};

struct rt_list {
	struct rt_info	*v;
	size_t		 n;
	struct nb_sysctl_table t;
	struct rt_nh *nh; /* nexthop rows, grouped by route */
	struct nb_sysctl_table tnh;
};

static void
rt_list_free(struct rt_list *l)
{
	nb_sysctl_table_free(&l->t);
	nb_sysctl_table_free(&l->tnh);
	memset(l, 0, sizeof(*l));
}

static void
rt_read_fail(struct nb_sysctl *h, const char *what, int error)
{
	const char *d = nb_sysctl_errdetail(h);

	nb_errx(NB_EXIT_RUNTIME, "%s: %s", what, d != NULL && *d != '\0' ? d : strerror(-error));
}

/*
 * The nexthop rows of l's routes: a nexthop row's first key is its
 * route's <n>, the index of the route's row. A route's nexthops are
 * consecutive rows.
 */
static void
rt_collect_nh(struct nb_sysctl *h, const char *fam, struct rt_list *l)
{
	char pat[48], *end;
	size_t i, j, *pos, max = 0;
	unsigned long long n;
	int error;

	snprintf(pat, sizeof(pat), "net.route.%s.*.nexthops.*", fam);
	if ((error = nb_sysctl_table_read(h, pat, nh_cols, sizeof(nh_cols) / sizeof(nh_cols[0]),
		 sizeof(struct rt_nh), 0, &l->tnh)) != 0)
		rt_read_fail(h, pat, error);
	l->nh = l->tnh.rows;
	for (i = 0; i < l->n; i++)
		if (l->t.ids[i].index >= 0 && (size_t)l->t.ids[i].index >= max)
			max = (size_t)l->t.ids[i].index + 1;
	if ((pos = malloc((max + 1) * sizeof(*pos))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s: %s", pat, strerror(ENOMEM));
	for (i = 0; i <= max; i++)
		pos[i] = SIZE_MAX;
	for (i = 0; i < l->n; i++)
		if (l->t.ids[i].index >= 0)
			pos[l->t.ids[i].index] = i;
	for (i = 0; i < l->tnh.nrows; i++) {
		const struct nb_sysctl_rowid *id = &l->tnh.ids[i];

		if (id->nkey < 1)
			continue;
		n = strtoull(id->key[0], &end, 10);
		if (*end != '\0' || n >= max || (j = pos[n]) == SIZE_MAX)
			continue;
		if (l->v[j].nnh++ == 0)
			l->v[j].nh0 = i;
	}
	free(pos);
}

static void
rt_collect(struct nb_sysctl *h, const char *fam, struct rt_list *l)
{
	char pat[32];
	size_t i;
	bool multi = false;
	int error;

	snprintf(pat, sizeof(pat), "net.route.%s.*", fam);
	error = nb_sysctl_table_read(h, pat, rt_cols, sizeof(rt_cols) / sizeof(rt_cols[0]),
	    sizeof(struct rt_info), 0, &l->t);
	if (error != 0) {
		snprintf(pat, sizeof(pat), "net.route.%s", fam);
		rt_read_fail(h, pat, error);
	}
	l->v = l->t.rows;
	l->n = l->t.nrows;
	/* A route without the leaf has one hop. */
	for (i = 0; i < l->n; i++) {
		if (!nb_sysctl_row_has(&l->t.ids[i], RC_NHOPS))
			l->v[i].nhops = 1;
		multi |= l->v[i].nhops > 1;
	}
	if (multi)
		rt_collect_nh(h, fam, l);
}

/* ---- -T and -f ---- */

static bool
rt_table_file(const char *path, const char *name, int64_t *out)
{
	char line[512], tname[256];
	unsigned long id;
	bool found = false;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, " %lu %255s", &id, tname) == 2 && tname[0] != '#' &&
		    strcmp(tname, name) == 0) {
			*out = (int64_t)id;
			found = true;
		}
	}
	fclose(f);
	return found;
}

int64_t
route_table_arg(const char *arg)
{
	static const char *const files[] = {
		"/etc/iproute2/rt_tables", "/usr/share/iproute2/rt_tables",
		"/usr/lib/iproute2/rt_tables",
	};
	static const struct { const char *name; int64_t id; } builtin[] = {
		{ "unspec", 0 }, { "default", 253 }, { "main", 254 }, { "local", 255 },
	};
	unsigned long long v;
	int64_t id;
	char *end;
	size_t i;

	if (strcmp(arg, "all") == 0)
		return ROUTE_TABLE_ALL;
	if (isdigit((unsigned char)arg[0])) {
		errno = 0;
		v = strtoull(arg, &end, 10);
		if (*end != '\0' || errno != 0 || v > UINT32_MAX)
			nb_usagex("-T %s: not a table number (0 to 4294967295), name or all", arg);
		return (int64_t)v;
	}
	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (strcmp(arg, builtin[i].name) == 0)
			return builtin[i].id;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (rt_table_file(files[i], arg, &id))
			return id;
	nb_usagex("-T %s: unknown routing table (a number, a name of rt_tables, or all)", arg);
}

int
route_family_arg(const char *arg)
{
	if (strcmp(arg, "inet") == 0)
		return AF_INET;
	if (strcmp(arg, "inet6") == 0)
		return AF_INET6;
	nb_usagex("-f %s: unknown address family (inet or inet6)", arg);
}

/* ---- render ---- */

static const char *
rt_table_name(int64_t t, char *buf, size_t size)
{
	switch (t) {
	case 253: return "default";
	case 254: return "main";
	case 255: return "local";
	}
	snprintf(buf, size, "%" PRId64, t);
	return buf;
}

static bool
streq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/* NetBSD letters, in NetBSD's order (U G H R B D ... C ... S ... l b). */
static void
rt_flags(const struct rt_info *r, char *buf)
{
	char *p = buf;

	if (r->flags & RTF_UP_)
		*p++ = 'U';
	if (r->flags & RTF_GATEWAY_)
		*p++ = 'G';
	if (r->flags & RTF_HOST_)
		*p++ = 'H';
	if (r->flags & RTF_REJECT_)
		*p++ = 'R';
	if (streq(r->type, "blackhole"))
		*p++ = 'B';
	if (streq(r->protocol, "redirect"))
		*p++ = 'D';
	if (streq(r->protocol, "kernel") && streq(r->type, "unicast") &&
	    (*r->gateway == '\0'))
		*p++ = 'C';			/* connected network */
	if (streq(r->protocol, "boot") || streq(r->protocol, "static"))
		*p++ = 'S';
	if (streq(r->type, "local"))
		*p++ = 'l';
	if (streq(r->type, "broadcast"))
		*p++ = 'b';
	*p = '\0';
}

/* An address for text: numeric with -n, else a name (NI_NOFQDN) if any. */
static const char *
rt_addr_text(const struct netstat_opts *no, int af, const char *addr, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (no->nflag || addr == NULL || *addr == '\0')
		return addr != NULL ? addr : "";
	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			return addr;
		len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			return addr;
		len = sizeof(*s6);
	}
	if (getnameinfo((struct sockaddr *)&ss, len, buf, (socklen_t)size, NULL, 0,
	    NI_NOFQDN | NI_NAMEREQD) != 0)
		return addr;
	return buf;
}

/* The continuation row of nexthop nh (no destination) and its JSON object. */
static void
rt_render_nh(struct nb_out *o, const struct netstat_opts *no, int af, const struct rt_info *r,
    const struct rt_nh *nh, bool text, const char *indent)
{
	int wdst = af == AF_INET6 && no->nflag ? 39 : 18;
	int wgw = af == AF_INET6 && no->nflag ? 30 : 18;
	char name[NI_MAXHOST], mtu[24];

	nb_out_open_object(o, NULL);
	if (text)
		nb_out_text(o, "%s%-*s ", indent, wdst, "");
	if (*nh->gateway != '\0') {
		if (text)
			nb_out_text(o, "%-*s ", wgw,
			    rt_addr_text(no, af, nh->gateway, name, sizeof(name)));
		nb_out_str(o, NB_OUT_JSON, "gateway", NULL, nh->gateway);
	} else if (text) {
		nb_out_text(o, "%-*s ", wgw, "-");
	}
	if (text) {
		snprintf(mtu, sizeof(mtu), "%" PRId64, r->mtu);
		nb_out_text(o, "%-6s %6s %8s %6s  %s\n", *nh->gateway != '\0' ? "UG" : "U", "-",
		    "-", r->mtu > 0 ? mtu : "-", *nh->ifname != '\0' ? nh->ifname : "-");
	}
	if (*nh->ifname != '\0')
		nb_out_str(o, NB_OUT_JSON, "interface", NULL, nh->ifname);
	nb_out_i64(o, NB_OUT_JSON, "weight", NULL, nh->weight);
	nb_out_i64(o, NB_OUT_JSON, "rtnh_flags", NULL, nh->flags);
	nb_out_close_object(o);
}

/*
 * One route: its row (and its nexthops' continuation rows). --diff: mark
 * ('+', '-', '~') in the first column and, for '~', what changed at the
 * end; mark '\0' for the plain table.
 */
static void
rt_render_one(struct nb_out *o, const struct netstat_opts *no, int af, const struct rt_list *l,
    const struct rt_info *r, char mark, const char *what)
{
	char m[2] = { mark, '\0' };
	const struct nb_sysctl_rowid *id = &l->t.ids[r - l->v];
	char mtu[24];
	size_t k;
	int full = af == AF_INET ? 32 : 128;
	int wdst = af == AF_INET6 && no->nflag ? 39 : 18;
	int wgw = af == AF_INET6 && no->nflag ? 30 : 18;
	char dst[INET6_ADDRSTRLEN + 32], name[NI_MAXHOST], flags[16];
	const char *d;

	rt_flags(r, flags);
	nb_out_open_object(o, NULL);
	if (mark != '\0')
		nb_out_str(o, NB_OUT_ANY, "change", "%s ", m);
	if (r->prefixlen == 0)
		d = "default";
	else if (r->prefixlen == full)
		d = rt_addr_text(no, af, r->dst, name, sizeof(name));
	else {
		snprintf(dst, sizeof(dst), "%s/%" PRId64, r->dst, r->prefixlen);
		d = dst;
	}
	nb_out_text(o, "%-*s ", wdst, d);
	nb_out_str(o, NB_OUT_JSON, "dst", NULL, r->dst);
	nb_out_i64(o, NB_OUT_JSON, "prefixlen", NULL, r->prefixlen);
	if (*r->gateway != '\0') {
		nb_out_text(o, "%-*s ", wgw, rt_addr_text(no, af, r->gateway, name, sizeof(name)));
		nb_out_str(o, NB_OUT_JSON, "gateway", NULL, r->gateway);
	} else {
		nb_out_text(o, "%-*s ", wgw, "-");
	}
	nb_out_str(o, NB_OUT_ANY, "flags", "%-6s ", flags);
	snprintf(mtu, sizeof(mtu), "%" PRId64, r->mtu);
	nb_out_text(o, "%6s %8s %6s  ", "-", "-", r->mtu > 0 ? mtu : "-"); /* Refs Use Mtu */
	if (*r->ifname != '\0')
		nb_out_str(o, NB_OUT_ANY, "interface", "%s", r->ifname);
	else
		nb_out_text(o, "-");
	nb_out_i64(o, NB_OUT_JSON, "table", NULL, r->table);
	nb_out_i64(o, NB_OUT_JSON, "metric", NULL, r->metric);
	nb_out_str(o, NB_OUT_JSON, "type", NULL, r->type);
	nb_out_str(o, NB_OUT_JSON, "protocol", NULL, r->protocol);
	nb_out_str(o, NB_OUT_JSON, "scope", NULL, r->scope);
	nb_out_i64(o, NB_OUT_JSON, "nhops", NULL, r->nhops);
	if (r->mtu > 0)
		nb_out_i64(o, NB_OUT_JSON, "mtu", NULL, r->mtu);
	if (*r->prefsrc != '\0')
		nb_out_str(o, NB_OUT_JSON, "prefsrc", NULL, r->prefsrc);
	if (nb_sysctl_row_has(id, RC_PREF))
		nb_out_str(o, NB_OUT_JSON, "pref", NULL, r->pref);
	if (r->nhid > 0)
		nb_out_i64(o, NB_OUT_JSON, "nhid", NULL, r->nhid);
	if (what != NULL)
		nb_out_str(o, NB_OUT_ANY, "what", "  %s", what);
	nb_out_text(o, "\n");
	if (r->nnh > 0) {
		/* Text: the first nexthop is the route's own row. */
		nb_out_open_array(o, "nexthops");
		for (k = 0; k < r->nnh; k++)
			rt_render_nh(o, no, af, r, &l->nh[r->nh0 + k], k > 0,
			    mark != '\0' ? "  " : "");
		nb_out_close_array(o);
	}
	nb_out_close_object(o);
}

static void
rt_header(struct nb_out *o, const struct netstat_opts *no, int af, const char *indent)
{
	int wdst = af == AF_INET6 && no->nflag ? 39 : 18;
	int wgw = af == AF_INET6 && no->nflag ? 30 : 18;

	nb_out_text(o, "%s%-*s %-*s %-6s %6s %8s %6s %s\n", indent, wdst, "Destination", wgw, "Gateway",
	    "Flags", "Refs", "Use", "Mtu", "Interface");
}

/* One family's section: "Internet:" (or, with -T all, one per table). */
static void
rt_section(struct nb_out *o, const struct netstat_opts *no, int af, const struct rt_list *l)
{
	const char *title = af == AF_INET ? "Internet" : "Internet6";
	char tbuf[24];
	int64_t cur = -1;
	bool any = false;
	size_t i;

	nb_out_open_array(o, af == AF_INET ? "inet" : "inet6");
	for (i = 0; i < l->n; i++) {
		const struct rt_info *r = &l->v[i];

		if (no->rtable != ROUTE_TABLE_ALL && r->table != no->rtable)
			continue;
		if (!any || (no->rtable == ROUTE_TABLE_ALL && r->table != cur)) {
			nb_out_text(o, "\n");
			if (no->rtable == ROUTE_TABLE_ALL)
				nb_out_text(o, "%s (table %s):\n", title,
				    rt_table_name(r->table, tbuf, sizeof(tbuf)));
			else
				nb_out_text(o, "%s:\n", title);
			rt_header(o, no, af, "");
			cur = r->table;
			any = true;
		}
		rt_render_one(o, no, af, l, r, '\0', NULL);
	}
	nb_out_close_array(o);
}

int
route_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct rt_list l4 = { 0 }, l6 = { 0 };

	if (no->rfamily != AF_INET6)
		rt_collect(h, "inet", &l4);
	if (no->rfamily != AF_INET)
		rt_collect(h, "inet6", &l6);
	nb_out_record_begin(o);
	nb_out_text(o, "Routing tables\n");
	if (no->rfamily != AF_INET6)
		rt_section(o, no, AF_INET, &l4);
	if (no->rfamily != AF_INET)
		rt_section(o, no, AF_INET6, &l6);
	nb_out_record_end(o);
	rt_list_free(&l4);
	rt_list_free(&l6);
	return 0;
}

/* ---- --diff T1 T2 ---- */

/* A route's identity: family (the list), table, destination, prefix, metric, type. */
static bool
rt_same_key(const struct rt_info *a, const struct rt_info *b)
{
	return a->table == b->table && a->prefixlen == b->prefixlen && a->metric == b->metric &&
	       strcmp(a->dst, b->dst) == 0 && strcmp(a->type, b->type) == 0;
}

/*
 * The route of l that is r at the other time, not taken yet: one with
 * r's key on r's interface and gateway if there is one (a prefix can be
 * routed on two interfaces), else any with r's key. -1: none.
 */
static ssize_t
rt_find(const struct rt_list *l, const bool *taken, const struct rt_info *r)
{
	ssize_t any = -1;

	for (size_t i = 0; i < l->n; i++) {
		if (taken[i] || !rt_same_key(&l->v[i], r))
			continue;
		if (strcmp(l->v[i].ifname, r->ifname) == 0 && strcmp(l->v[i].gateway, r->gateway) == 0)
			return (ssize_t)i;
		if (any < 0)
			any = (ssize_t)i;
	}
	return any;
}

/* The nexthops of r as text ("gw@if*weight ..."), to compare two routes'. */
static void
rt_nh_text(const struct rt_list *l, const struct rt_info *r, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < r->nnh && off < size; k++) {
		const struct rt_nh *nh = &l->nh[r->nh0 + k];

		off += (size_t)snprintf(buf + off, size - off, "%s%s@%s*%" PRId64, k ? " " : "",
		    nh->gateway, nh->ifname, nh->weight);
	}
}

/* Appends ", what" (or "what") to buf. */
static void __attribute__((format(printf, 3, 4)))
rt_note(char *buf, size_t size, const char *fmt, ...)
{
	size_t off = strlen(buf);
	va_list ap;

	if (off > 0 && off + 2 < size) {
		strcpy(buf + off, ", ");
		off += 2;
	}
	if (off >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + off, size - off, fmt, ap);
	va_end(ap);
}

static const char *
dash(const char *s)
{
	return *s != '\0' ? s : "-";
}

/* What differs between the same route at T1 (a) and T2 (b); "" nothing. */
static void
rt_changes(const struct rt_list *la, const struct rt_info *a, const struct rt_list *lb,
    const struct rt_info *b, char *buf, size_t size)
{
	char na[512], nb[512];

	buf[0] = '\0';
	if (strcmp(a->gateway, b->gateway) != 0)
		rt_note(buf, size, "gateway %s -> %s", dash(a->gateway), dash(b->gateway));
	if (strcmp(a->ifname, b->ifname) != 0)
		rt_note(buf, size, "interface %s -> %s", dash(a->ifname), dash(b->ifname));
	if (a->mtu != b->mtu)
		rt_note(buf, size, "mtu %" PRId64 " -> %" PRId64, a->mtu, b->mtu);
	if (strcmp(a->protocol, b->protocol) != 0)
		rt_note(buf, size, "protocol %s -> %s", dash(a->protocol), dash(b->protocol));
	if (strcmp(a->scope, b->scope) != 0)
		rt_note(buf, size, "scope %s -> %s", dash(a->scope), dash(b->scope));
	if (strcmp(a->prefsrc, b->prefsrc) != 0)
		rt_note(buf, size, "prefsrc %s -> %s", dash(a->prefsrc), dash(b->prefsrc));
	if (strcmp(a->pref, b->pref) != 0)
		rt_note(buf, size, "pref %s -> %s", dash(a->pref), dash(b->pref));
	if (a->flags != b->flags)
		rt_note(buf, size, "flags %#" PRIx64 " -> %#" PRIx64, (uint64_t)a->flags,
		    (uint64_t)b->flags);
	rt_nh_text(la, a, na, sizeof(na));
	rt_nh_text(lb, b, nb, sizeof(nb));
	if (a->nhops != b->nhops || strcmp(na, nb) != 0)
		rt_note(buf, size, "nexthops %s -> %s", *na ? na : "1", *nb ? nb : "1");
}

static bool
rt_in_table(const struct netstat_opts *no, const struct rt_info *r)
{
	return no->rtable == ROUTE_TABLE_ALL || r->table == no->rtable;
}

/* The family's title and header, before its first changed route. */
static void
rt_diff_head(struct nb_out *o, const struct netstat_opts *no, int af, bool *any)
{
	if (*any)
		return;
	nb_out_text(o, "\n%s:\n", af == AF_INET ? "Internet" : "Internet6");
	rt_header(o, no, af, "  ");
	*any = true;
}

/*
 * One family: the routes removed, changed and added between a and b. The
 * routes that stayed as they were pair first, so that of two routes of
 * one prefix only the one that changed is reported.
 */
static void
rt_diff_section(struct nb_out *o, const struct netstat_opts *no, int af, const struct rt_list *la,
    const struct rt_list *lb)
{
	char what[1024];
	ssize_t *pair;
	bool *taken, any = false;
	size_t i;
	ssize_t j;

	if ((pair = calloc(la->n + 1, sizeof(*pair))) == NULL ||
	    (taken = calloc(lb->n + 1, sizeof(*taken))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	for (i = 0; i < la->n; i++) {
		pair[i] = -1;
		if ((j = rt_find(lb, taken, &la->v[i])) < 0)
			continue;
		rt_changes(la, &la->v[i], lb, &lb->v[j], what, sizeof(what));
		if (*what == '\0') {
			pair[i] = j;
			taken[j] = true;
		}
	}
	for (i = 0; i < la->n; i++)
		if (pair[i] < 0 && (j = rt_find(lb, taken, &la->v[i])) >= 0) {
			pair[i] = j;
			taken[j] = true;
		}
	nb_out_open_array(o, af == AF_INET ? "inet" : "inet6");
	for (i = 0; i < la->n; i++) {
		if (!rt_in_table(no, &la->v[i]))
			continue;
		if (pair[i] < 0) {
			rt_diff_head(o, no, af, &any);
			rt_render_one(o, no, af, la, &la->v[i], '-', NULL);
			continue;
		}
		rt_changes(la, &la->v[i], lb, &lb->v[pair[i]], what, sizeof(what));
		if (*what != '\0') {
			rt_diff_head(o, no, af, &any);
			rt_render_one(o, no, af, lb, &lb->v[pair[i]], '~', what);
		}
	}
	for (i = 0; i < lb->n; i++) {
		if (!rt_in_table(no, &lb->v[i]) || taken[i])
			continue;
		rt_diff_head(o, no, af, &any);
		rt_render_one(o, no, af, lb, &lb->v[i], '+', NULL);
	}
	nb_out_close_array(o);
	free(pair);
	free(taken);
}

int
route_diff(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct nb_sysctl *h1 = NULL, *h2 = NULL;
	struct rt_list a4 = { 0 }, a6 = { 0 }, b4 = { 0 }, b6 = { 0 };
	int64_t t1, t2;

	(void)h; /* --diff opens its own two */
	nb_common_open_diff(&no->c, &h1, &h2);
	if (no->rfamily != AF_INET6) {
		rt_collect(h1, "inet", &a4);
		rt_collect(h2, "inet", &b4);
	}
	if (no->rfamily != AF_INET) {
		rt_collect(h1, "inet6", &a6);
		rt_collect(h2, "inet6", &b6);
	}
	t1 = nb_sysctl_sample_time(h1);
	t2 = nb_sysctl_sample_time(h2);
	nb_out_record_begin(o);
	nb_out_span(o, t1, t2, "Routing table changes over %.3f s\n");
	if (no->rfamily != AF_INET6)
		rt_diff_section(o, no, AF_INET, &a4, &b4);
	if (no->rfamily != AF_INET)
		rt_diff_section(o, no, AF_INET6, &a6, &b6);
	nb_out_record_end(o);
	rt_list_free(&a4);
	rt_list_free(&a6);
	rt_list_free(&b4);
	rt_list_free(&b6);
	nb_common_close(&h1);
	nb_common_close(&h2);
	return 0;
}
