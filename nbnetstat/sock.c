/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sock.c - nbnetstat with no mode: the socket list of net.pcb, NetBSD
 * netstat's "Active Internet connections" (tcp, udp, raw), "Active
 * Internet6 connections" and "Active UNIX domain sockets" sections.
 * Collect (one table read per kind the options select), then render.
 * Addresses as NetBSD prints them: ADDR.PORT, '*' for the unspecified
 * address and port 0. Linux has no kernel pcb addresses: -A shows the
 * socket's cookie (its name in the tree), the unix section inodes where
 * NetBSD shows pointers. Within a protocol, rows are sorted by local then
 * foreign address and port (unix: by inode), so that the list reads the
 * same from run to run (cookies are handed out in the order of the
 * kernel's first dump, which follows its hash tables). Owners and TCP details are read only with -v
 * (NB_SYSCTL_RD_NOPCBX otherwise: no scan of every process's files).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#include "nbnetstat.h"

/*
 * One socket. The inet kinds read rows that end before the owner and TCP
 * details (without -v) or before the unix-only fields: at 100,000 sockets
 * each byte of a row is 100 kB to clear, fill and copy.
 */
struct sock_row {
	char state[16];
	int64_t proto;
	int64_t lport;
	int64_t fport;
	uint64_t rxq, txq;
	int64_t uid;
	uint64_t inode;
	struct nb_sysctl_inaddr laddr;	/* text and bytes: shown, and sorted on */
	struct nb_sysctl_inaddr faddr;
	/* -v */
	int64_t pid;
	uint64_t rtt, rttvar, cwnd, retrans, bytes_acked, bytes_received;
	char comm[64];
	/* unix */
	char family[8];
	char type[12];
	uint64_t peer;
	char path[256];
};

/* Columns in the order of the row: each kind reads a prefix of them. */
enum { S_PROTO,
	S_LADDR,
	S_LPORT,
	S_FADDR,
	S_FPORT,
	S_STATE,
	S_RXQ,
	S_TXQ,
	S_UID,
	S_INODE,
	S_PID, /* the -v columns: S_PID .. S_COMM */
	S_RTT,
	S_RTTVAR,
	S_CWND,
	S_RETRANS,
	S_ACKED,
	S_RECEIVED,
	S_COMM,
	S_FAMILY, /* the unix columns: S_FAMILY .. S_PATH, not read for the inet kinds */
	S_TYPE,
	S_PEER,
	S_PATH,
	S_N };

#define COL_S(leaf, f)                                                \
	{                                                             \
		leaf, NB_SYSCTL_STRING, offsetof(struct sock_row, f), \
		    sizeof(((struct sock_row *)0)->f)                 \
	}
#define COL_A(leaf, f)                                                  \
	{                                                               \
		leaf, NB_SYSCTL_INADDR, offsetof(struct sock_row, f), 0 \
	}
#define COL_I(leaf, f)                                               \
	{                                                            \
		leaf, NB_SYSCTL_INT, offsetof(struct sock_row, f), 0 \
	}
#define COL_U(leaf, f)                                               \
	{                                                            \
		leaf, NB_SYSCTL_U64, offsetof(struct sock_row, f), 0 \
	}

static const struct nb_sysctl_column sock_cols[S_N] = {
	[S_FAMILY] = COL_S("family", family),
	[S_TYPE] = COL_S("type", type),
	[S_PROTO] = COL_I("proto", proto),
	[S_LADDR] = COL_A("laddr", laddr),
	[S_LPORT] = COL_I("lport", lport),
	[S_FADDR] = COL_A("faddr", faddr),
	[S_FPORT] = COL_I("fport", fport),
	[S_STATE] = COL_S("state", state),
	[S_RXQ] = COL_U("rxq", rxq),
	[S_TXQ] = COL_U("txq", txq),
	[S_UID] = COL_I("uid", uid),
	[S_INODE] = COL_U("inode", inode),
	[S_PATH] = COL_S("path", path),
	[S_PEER] = COL_U("peer", peer),
	[S_PID] = COL_I("pid", pid),
	[S_COMM] = COL_S("comm", comm),
	[S_RTT] = COL_U("rtt", rtt),
	[S_RTTVAR] = COL_U("rttvar", rttvar),
	[S_CWND] = COL_U("cwnd", cwnd),
	[S_RETRANS] = COL_U("retrans", retrans),
	[S_ACKED] = COL_U("bytes_acked", bytes_acked),
	[S_RECEIVED] = COL_U("bytes_received", bytes_received),
};

/* The kinds of net.pcb, in the tree's order, and their sections. */
enum { SEC_INET,
	SEC_INET6,
	SEC_UNIX,
	SEC_N };
static const struct kind {
	const char *name;
	int sec;
	const char *proto; /* for -p */
} kinds[] = {
	{ "tcp", SEC_INET, "tcp" },
	{ "udp", SEC_INET, "udp" },
	{ "raw", SEC_INET, "raw" },
	{ "tcp6", SEC_INET6, "tcp" },
	{ "udp6", SEC_INET6, "udp" },
	{ "raw6", SEC_INET6, "raw" },
	{ "unix", SEC_UNIX, "unix" },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static const char *const sec_keys[SEC_N] = { "inet", "inet6", "unix" };
static const char *const sec_titles[SEC_N] = {
	"Active Internet connections",
	"Active Internet6 connections",
	"Active UNIX domain sockets",
};

int
sock_family_arg(const char *arg)
{
	if (strcmp(arg, "inet") == 0)
		return SEC_INET;
	if (strcmp(arg, "inet6") == 0)
		return SEC_INET6;
	if (strcmp(arg, "unix") == 0 || strcmp(arg, "local") == 0)
		return SEC_UNIX;
	nb_usagex("-f %s: unknown address family (inet, inet6 or unix)", arg);
}

bool
sock_proto_valid(const char *p)
{
	for (size_t k = 0; k < NKINDS; k++)
		if (strcmp(kinds[k].proto, p) == 0 || strcmp(kinds[k].name, p) == 0)
			return true;
	return false;
}

static bool
kind_wanted(const struct netstat_opts *no, const struct kind *k)
{
	if (no->sfamily >= 0 && k->sec != no->sfamily)
		return false;
	if (no->proto != NULL && strcmp(no->proto, k->proto) != 0 &&
	    strcmp(no->proto, k->name) != 0)
		return false;
	return true;
}

/* None, 0.0.0.0 or :: */
static bool
unspecified(const struct nb_sysctl_inaddr *a)
{
	static const uint8_t zero[sizeof(a->addr)];

	return a->len == 0 || (a->family != 0 && memcmp(a->addr, zero, sizeof(zero)) == 0);
}

/* A server (listener, unconnected datagram or raw socket): shown with -a only. */
static bool
is_server(const struct sock_row *r, const struct nb_sysctl_rowid *id, const struct kind *k)
{
	if (strcmp(r->state, "LISTEN") == 0)
		return true;
	if (k->sec == SEC_UNIX)
		return false;
	return strcmp(k->proto, "tcp") != 0 && unspecified(&r->faddr) &&
	       (!nb_sysctl_row_has(id, S_FPORT) || r->fport == 0);
}

/* NetBSD's inetprint: ADDR.PORT, '*' for the unspecified address and port 0. */
static void
addr_text(char *buf, size_t size, const struct nb_sysctl_inaddr *addr, bool has_port,
    int64_t port, const char *proto, bool nflag)
{
	bool any = unspecified(addr);
	const char *a = any ? "*" : addr->text, *p;
	struct servent *se;
	char num[24];
	size_t al = any ? 1 : addr->len, pl;

	/* Joined by hand: this runs twice per socket of a list of 100,000. */
	if (!has_port || port == 0)
		p = "*";
	else if (!nflag && (se = getservbyport(htons((uint16_t)port), proto)) != NULL)
		p = se->s_name;
	else {
		char *e = num + sizeof(num) - 1;
		uint64_t v = port < 0 ? (uint64_t)-port : (uint64_t)port;

		*e = '\0';
		do
			*--e = (char)('0' + v % 10);
		while ((v /= 10) != 0);
		if (port < 0)
			*--e = '-';
		p = e;
	}
	pl = strlen(p);
	if (al + 1 + pl + 1 > size) {
		snprintf(buf, size, "%s.%s", a, p);
		return;
	}
	memcpy(buf, a, al);
	buf[al] = '.';
	memcpy(buf + al + 1, p, pl + 1);
}

static void
read_kind(struct nb_sysctl *h, const struct netstat_opts *no, const char *kind, bool is_unix,
    struct nb_sysctl_table *t)
{
	char pattern[64];
	const char *d;
	int error;

	snprintf(pattern, sizeof(pattern), "net.pcb.%s.*", kind);
	if (is_unix)
		error = nb_sysctl_table_read(h, pattern, sock_cols, S_N, sizeof(struct sock_row),
		    no->vflag ? 0 : NB_SYSCTL_RD_NOPCBX, t);
	else if (no->vflag)
		error = nb_sysctl_table_read(h, pattern, sock_cols, S_FAMILY,
		    offsetof(struct sock_row, family), 0, t);
	else
		error = nb_sysctl_table_read(h, pattern, sock_cols, S_PID,
		    offsetof(struct sock_row, pid), NB_SYSCTL_RD_NOPCBX, t);
	if (error != 0) {
		d = nb_sysctl_errdetail(h);
		nb_errx(NB_EXIT_RUNTIME, "net.pcb.%s: %s", kind,
		    d != NULL && *d != '\0' ? d : strerror(-error));
	}
}

static void
inet_header(struct nb_out *o, const struct netstat_opts *no)
{
	if (no->Aflag)
		nb_out_text(o, "%-20s ", "Cookie");
	nb_out_text(o, "%-5s %-6s %-6s  %-22s %-22s %s", "Proto", "Recv-Q", "Send-Q",
	    "Local Address", "Foreign Address", "State");
	if (no->vflag)
		nb_out_text(o, "%*s%9s %9s %5s %7s  %s", 12 - 5, "", "Rtt", "Rttvar", "Cwnd",
		    "Retrans", "Owner");
	nb_out_text(o, "\n");
}

static void
unix_header(struct nb_out *o, const struct netstat_opts *no)
{
	if (no->Aflag)
		nb_out_text(o, "%-20s ", "Cookie");
	nb_out_text(o, "%-10s %-9s %6s %6s %10s ", "Inode", "Type", "Recv-Q", "Send-Q", "Conn");
	if (no->vflag)
		nb_out_text(o, "%-24s ", "Owner");
	nb_out_text(o, "%s\n", "Addr");
}

/* A microsecond value as milliseconds, or "-". */
static void
ms_cell(struct nb_out *o, const struct nb_sysctl_rowid *id, unsigned c, const char *key,
    uint64_t us)
{
	if (nb_sysctl_row_has(id, c))
		nb_out_double(o, NB_OUT_TEXT, NULL, " %9.3f", (double)us / 1000.0);
	else
		nb_out_text(o, " %9s", "-");
	if (nb_sysctl_row_has(id, c))
		nb_out_u64(o, NB_OUT_JSON, key, NULL, us);
}

static void
u64_cell(struct nb_out *o, const struct nb_sysctl_rowid *id, unsigned c, const char *key,
    const char *fmt, int width, uint64_t v)
{
	if (nb_sysctl_row_has(id, c))
		nb_out_u64(o, NB_OUT_ANY, key, fmt, v);
	else
		nb_out_text(o, " %*s", width, "-");
}

/* pid/comm (width: padded to it, 0 = not), or "-". */
static void
owner_cell(struct nb_out *o, const struct sock_row *r, const struct nb_sysctl_rowid *id,
    int width)
{
	char buf[96];

	if (nb_sysctl_row_has(id, S_PID)) {
		snprintf(buf, sizeof(buf), "%" PRId64 "/%s", r->pid, r->comm);
		nb_out_text(o, " %-*s", width, buf);
		nb_out_i64(o, NB_OUT_JSON, "pid", NULL, r->pid);
		nb_out_str(o, NB_OUT_JSON, "comm", NULL, r->comm);
	} else {
		nb_out_text(o, " %-*s", width, "-");
		nb_out_null(o, NB_OUT_JSON, "pid", NULL);
		nb_out_null(o, NB_OUT_JSON, "comm", NULL);
	}
}

static void
common_json(struct nb_out *o, const struct sock_row *r, const struct nb_sysctl_rowid *id)
{
	nb_out_str(o, NB_OUT_JSON, "cookie", NULL, id->key[0]);
	if (nb_sysctl_row_has(id, S_UID))
		nb_out_i64(o, NB_OUT_JSON, "uid", NULL, r->uid);
	nb_out_u64(o, NB_OUT_JSON, "inode", NULL, r->inode);
}

static void
inet_row(struct nb_out *o, const struct netstat_opts *no, const struct kind *k,
    const struct sock_row *r, const struct nb_sysctl_rowid *id)
{
	const char *kind = k->name;
	bool raw = strcmp(k->proto, "raw") == 0, tcp = strcmp(k->proto, "tcp") == 0;
	const char *sproto = tcp ? "tcp" : "udp";
	char la[INET6_ADDRSTRLEN + 40], fa[INET6_ADDRSTRLEN + 40];

	addr_text(la, sizeof(la), &r->laddr, !raw, r->lport, sproto, no->nflag);
	addr_text(fa, sizeof(fa), &r->faddr, !raw, r->fport, sproto, no->nflag);
	nb_out_open_object(o, NULL);
	if (no->Aflag)
		nb_out_text(o, "%-20s ", id->key[0]);
	nb_out_str(o, NB_OUT_ANY, "proto", "%-5s", kind);
	nb_out_u64(o, NB_OUT_ANY, "recv_q", " %6" PRIu64, r->rxq);
	nb_out_u64(o, NB_OUT_ANY, "send_q", " %6" PRIu64, r->txq);
	nb_out_text(o, "  %-22s", la);
	nb_out_text(o, tcp || no->vflag ? " %-22s" : " %s", fa);
	nb_out_str(o, NB_OUT_JSON, "laddr", NULL, r->laddr.text);
	nb_out_str(o, NB_OUT_JSON, "faddr", NULL, r->faddr.text);
	if (raw)
		nb_out_i64(o, NB_OUT_JSON, "ipproto", NULL, r->proto);
	else {
		nb_out_i64(o, NB_OUT_JSON, "lport", NULL, r->lport);
		nb_out_i64(o, NB_OUT_JSON, "fport", NULL, r->fport);
	}
	/* NetBSD prints a state for TCP only. */
	if (tcp)
		nb_out_str(o, NB_OUT_TEXT, NULL, no->vflag ? " %-11s" : " %s", r->state);
	else if (no->vflag)
		nb_out_text(o, " %-11s", "");
	nb_out_str(o, NB_OUT_JSON, "state", NULL, r->state);
	common_json(o, r, id);
	if (no->vflag) {
		ms_cell(o, id, S_RTT, "rtt_us", r->rtt);
		ms_cell(o, id, S_RTTVAR, "rttvar_us", r->rttvar);
		u64_cell(o, id, S_CWND, "cwnd", " %5" PRIu64, 5, r->cwnd);
		u64_cell(o, id, S_RETRANS, "retrans", " %7" PRIu64, 7, r->retrans);
		if (nb_sysctl_row_has(id, S_ACKED))
			nb_out_u64(o, NB_OUT_JSON, "bytes_acked", NULL, r->bytes_acked);
		if (nb_sysctl_row_has(id, S_RECEIVED))
			nb_out_u64(o, NB_OUT_JSON, "bytes_received", NULL, r->bytes_received);
		nb_out_text(o, " ");
		owner_cell(o, r, id, 0);
	}
	nb_out_text(o, "\n");
	nb_out_close_object(o);
}

static void
unix_row(struct nb_out *o, const struct netstat_opts *no, const struct sock_row *r,
    const struct nb_sysctl_rowid *id)
{
	char vis[4 * sizeof(r->path)];

	nb_out_open_object(o, NULL);
	if (no->Aflag)
		nb_out_text(o, "%-20s ", id->key[0]);
	nb_out_u64(o, NB_OUT_TEXT, NULL, "%-10" PRIu64, r->inode);
	nb_out_str(o, NB_OUT_ANY, "type", " %-9s", r->type);
	nb_out_u64(o, NB_OUT_ANY, "recv_q", " %6" PRIu64, r->rxq);
	nb_out_u64(o, NB_OUT_ANY, "send_q", " %6" PRIu64, r->txq);
	if (nb_sysctl_row_has(id, S_PEER) && r->peer != 0)
		nb_out_u64(o, NB_OUT_ANY, "peer", " %10" PRIu64, r->peer);
	else {
		nb_out_text(o, " %10s", "-");
		nb_out_null(o, NB_OUT_JSON, "peer", NULL);
	}
	if (no->vflag)
		owner_cell(o, r, id, r->path[0] != '\0' ? 24 : 0);
	if (r->path[0] != '\0') {
		nb_sysctl_strvis(r->path, strlen(r->path), vis, sizeof(vis));
		nb_out_str(o, NB_OUT_TEXT, NULL, " %s", vis);
		nb_out_str(o, NB_OUT_JSON, "path", NULL, r->path);
	} else
		nb_out_null(o, NB_OUT_JSON, "path", NULL);
	nb_out_str(o, NB_OUT_JSON, "state", NULL, r->state);
	common_json(o, r, id);
	nb_out_text(o, "\n");
	nb_out_close_object(o);
}

/*
 * Sort key of a row: the addresses as bytes (two big-endian words each),
 * then the ports (unix: inode), compared as integers.
 */
struct sort_key {
	size_t i; /* first in every key: sorted_order reads it there */
	uint64_t la[2], fa[2];
	int64_t lp, fp;
	uint64_t inode;
};

#define CMP(x, y)                                  \
	do {                                       \
		if ((x) != (y))                    \
			return (x) < (y) ? -1 : 1; \
	} while (0)

static int
key_cmp(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;

	CMP(x->la[0], y->la[0]);
	CMP(x->la[1], y->la[1]);
	CMP(x->lp, y->lp);
	CMP(x->fa[0], y->fa[0]);
	CMP(x->fa[1], y->fa[1]);
	CMP(x->fp, y->fp);
	CMP(x->inode, y->inode);
	return 0;
}

/* Four bytes in network order as a number. */
static inline uint32_t
be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* An address's bytes as two words in network order (IPv4 in the high 32 bits), zeros for none. */
static void
addr_key(const struct nb_sysctl_inaddr *a, uint64_t out[2])
{
	out[0] = out[1] = 0;
	if (a->family == AF_INET) {
		out[0] = (uint64_t)be32(a->addr) << 32;
		return;
	}
	if (a->family != AF_INET6)
		return;
	for (unsigned i = 0; i < 8; i++) {
		out[0] = out[0] << 8 | a->addr[i];
		out[1] = out[1] << 8 | a->addr[8 + i];
	}
}

/*
 * The compact key of a table whose addresses are all IPv4 and ports
 * 16-bit (the inet kinds, nearly always): the same order as struct
 * sort_key in half the bytes, which at 100,000 sockets is 3 MB fewer
 * fresh pages for the keys and as many for qsort's scratch copy.
 * a = laddr:32 lport:16 faddr-high:16, b = faddr-low:16 fport:16 0:32.
 */
struct sort_key4 {
	size_t i;
	uint64_t a, b, inode;
};

/* Sort n keys of either kind, write their row numbers to order[], free them. */
static void
sorted_order(void *keys, size_t n, size_t size, int (*cmp)(const void *, const void *),
    size_t *order)
{
	size_t i;

	qsort(keys, n, size, cmp);
	for (i = 0; i < n; i++)
		memcpy(&order[i], (const char *)keys + i * size, sizeof(order[i]));
	free(keys);
}

static int
key4_cmp(const void *p, const void *q)
{
	const struct sort_key4 *x = p, *y = q;

	CMP(x->a, y->a);
	CMP(x->b, y->b);
	CMP(x->inode, y->inode);
	return 0;
}

static bool
sort_rows4(const struct nb_sysctl_table *t, size_t *order)
{
	struct sort_key4 *k;
	uint32_t la, fa;
	size_t i;

	if ((k = malloc((t->nrows + 1) * sizeof(*k))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	for (i = 0; i < t->nrows; i++) {
		const struct sock_row *r = nb_sysctl_table_row(t, i);

		if (r->laddr.family != AF_INET || r->faddr.family != AF_INET || r->lport < 0 ||
		    r->lport > 65535 || r->fport < 0 || r->fport > 65535) {
			free(k);
			return false;
		}
		la = be32(r->laddr.addr);
		fa = be32(r->faddr.addr);
		k[i].a = (uint64_t)la << 32 | (uint64_t)r->lport << 16 | fa >> 16;
		k[i].b = (uint64_t)(fa & 0xffff) << 48 | (uint64_t)r->fport << 32;
		k[i].inode = r->inode;
		k[i].i = i;
	}
	sorted_order(k, t->nrows, sizeof(*k), key4_cmp, order);
	return true;
}

/* The row order of table t: an array of row numbers (free it). */
static size_t *
sort_rows(const struct nb_sysctl_table *t)
{
	struct sort_key *k;
	size_t *order, i;

	if ((order = malloc((t->nrows + 1) * sizeof(*order))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	if (sort_rows4(t, order))
		return order;
	if ((k = calloc(t->nrows + 1, sizeof(*k))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	for (i = 0; i < t->nrows; i++) {
		const struct sock_row *r = nb_sysctl_table_row(t, i);

		addr_key(&r->laddr, k[i].la);
		addr_key(&r->faddr, k[i].fa);
		k[i].lp = r->lport;
		k[i].fp = r->fport;
		k[i].inode = r->inode;
		k[i].i = i;
	}
	sorted_order(k, t->nrows, sizeof(*k), key_cmp, order);
	return order;
}

int
sock_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct nb_sysctl_table t[NKINDS];
	bool wanted[NKINDS], header;
	size_t k, i;
	int sec;

	memset(t, 0, sizeof(t));
	for (k = 0; k < NKINDS; k++)
		if ((wanted[k] = kind_wanted(no, &kinds[k])))
			read_kind(h, no, kinds[k].name, kinds[k].sec == SEC_UNIX, &t[k]);
	nb_out_record_begin(o);
	for (sec = 0; sec < SEC_N; sec++) {
		bool any = false;

		for (k = 0; k < NKINDS; k++)
			any |= wanted[k] && kinds[k].sec == sec;
		if (!any)
			continue;
		nb_out_open_array(o, sec_keys[sec]);
		header = false;
		for (k = 0; k < NKINDS; k++) {
			size_t *order;

			if (!wanted[k] || kinds[k].sec != sec)
				continue;
			order = sort_rows(&t[k]);
			for (i = 0; i < t[k].nrows; i++) {
				const struct sock_row *r = nb_sysctl_table_row(&t[k], order[i]);
				const struct nb_sysctl_rowid *id = &t[k].ids[order[i]];

				if (!no->aflag && is_server(r, id, &kinds[k]))
					continue;
				if (!header) {
					nb_out_text(o, "%s%s\n", sec_titles[sec],
					    no->aflag && sec != SEC_UNIX ?
						" (including servers)" :
						"");
					if (sec == SEC_UNIX)
						unix_header(o, no);
					else
						inet_header(o, no);
					header = true;
				}
				if (sec == SEC_UNIX)
					unix_row(o, no, r, id);
				else
					inet_row(o, no, &kinds[k], r, id);
			}
			free(order);
		}
		nb_out_close_array(o);
	}
	nb_out_record_end(o);
	for (k = 0; k < NKINDS; k++)
		nb_sysctl_table_free(&t[k]);
	return 0;
}
