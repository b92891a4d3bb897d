/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_rootfs.c - the linux source under a root file system (--root DIR): links, counters and addresses from files. */
/*
 * Theory of operation
 *
 * With a root override other than "/" (nb_source_opts.root), the source
 * never asks the running kernel: links, their counters and addresses come
 * from the root's files, through the procfs seam (nb_lx_proc_open):
 *
 *   ROOT/proc/net/dev          required: names and the counters
 *                              (drop = rx_dropped + rx_missed_errors, as
 *                              the kernel prints it; no TX multicast, no
 *                              rx_nohandler: those leaves are absent)
 *   ROOT/sys/class/net/IF/     optional, each file: ifindex, type, flags,
 *                              mtu, tx_queue_len, address, operstate
 *   ROOT/proc/net/if_inet6     optional: IPv6 addresses (flags: the low 8
 *                              bits the kernel prints)
 *   ROOT/proc/net/fib_trie     optional, with ROOT/proc/net/route: IPv4
 *                              addresses. fib_trie has each local address
 *                              (a /32 LOCAL route of the Local table) but
 *                              no interface: an
 *                              address gets the interface and prefix of
 *                              the longest connected route (gateway 0, not
 *                              RTF_GATEWAY) of /proc/net/route containing
 *                              it, or, inside a LOCAL prefix route (the
 *                              kernel makes those for loopback devices
 *                              only), the interface whose sysfs flags say
 *                              IFF_LOOPBACK. One that matches no interface
 *                              or two is left out (counted in the
 *                              notice). Its broadcast, scope and flags
 *                              are unknown (absent: the kernel makes the
 *                              prefix's broadcast route whether or not the
 *                              address has one).
 *
 * What is absent is unknown (nb_ifattrs.unknown): its leaf is left out of
 * the tree, and one notice (lx_rootfs_notice) names the first file that
 * was missing and how many were. An interface without ifindex gets a key
 * of its own above INT32_MAX (never a kernel index; its `index` leaf is
 * absent), in /proc/net/dev order.
 *
 * Everything is parsed and checked before anything is published: a
 * malformed file is an error naming it (and the line), and the stack keeps
 * what it had. Then the interfaces are upserted in file order, those of
 * the previous refresh that are gone are deleted, counters are stored in
 * NB_SLOT_SOURCE and the address lists are reconciled.
 *
 * Concurrency: called from lx_refresh only, with the source mutex held
 * (one caller at a time); it writes the stack through the Writer API and
 * reads it in no read section. Its state belongs to the source.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if.h>
#include <linux/rtnetlink.h>

#include "source_linux_proc.h"
#include "source_linux_rootfs.h"

#define RF_NOTICE "what they give is unknown (shown as -)"
#define RF_SYNTH_BASE 0x80000000u /* keys of interfaces without ifindex */

struct rf_if {
	struct nb_ifattrs a;
	uint64_t v[NB_IFSTAT_MAX];
};

struct rf_ifv {
	struct rf_if *v;
	size_t n, cap;
};

struct rf_addrv {
	struct nb_addrattrs *v;
	size_t n, cap;
};

/* A fib_trie alias: leaf address, prefix length, type (RTN_*). */
struct rf_v4 {
	uint32_t addr;
	uint8_t plen;
	uint8_t type;
	bool local; /* in the Local table: the kernel's own */
};

/* A /proc/net/route row. */
struct rf_rt {
	char ifname[NB_IFNAMSIZ];
	uint32_t dst, gw, mask;
	unsigned flags;
};

struct lx_rootfs {
	struct nb_stack *st;
	struct lx_proc *io; /* the file reader over the root */
	struct rf_ifv ifs; /* staged */
	struct rf_addrv addrs; /* staged */
	uint32_t *pub; /* keys published by the last refresh */
	size_t npub, pubcap;
	struct rf_addrv paddrs; /* addresses published by the last refresh */
	/* absent files of this refresh */
	char first_absent[PATH_MAX];
	unsigned nabsent;
	bool no_inet6, no_inet;
	unsigned unplaced; /* IPv4 addresses without an interface */
	/* fib_trie and route, parsed (host-order IPv4) */
	struct rf_v4 *fib;
	size_t nfib, fibcap;
	struct rf_rt *rt;
	size_t nrt, rtcap;
	char notice[PATH_MAX + 256];
};

int
lx_rootfs_init(struct lx_rootfs **rp, struct nb_stack *st, const char *root)
{
	struct lx_rootfs *r;
	int error;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -ENOMEM;
	r->st = st;
	if ((error = lx_proc_init(&r->io, st, root)) != 0) {
		free(r);
		return error;
	}
	*rp = r;
	return 0;
}

void
lx_rootfs_free(struct lx_rootfs **rp)
{
	struct lx_rootfs *r = *rp;

	if (r == NULL)
		return;
	lx_proc_free(&r->io);
	free(r->ifs.v);
	free(r->addrs.v);
	free(r->paddrs.v);
	free(r->pub);
	free(r->fib);
	free(r->rt);
	free(r);
	*rp = NULL;
}

const char *
lx_rootfs_error(const struct lx_rootfs *r)
{
	return lx_proc_error(r->io);
}

const char *
lx_rootfs_notice(const struct lx_rootfs *r)
{
	return r->notice;
}

bool
lx_rootfs_wanted(const char *root)
{
	size_t n;

	if (root == NULL || *root == '\0')
		return false;
	for (n = strlen(root); n > 0 && root[n - 1] == '/'; n--)
		;
	return n > 0; /* "/", "//": the live root */
}

static void
rf_absent(struct lx_rootfs *r)
{
	if (r->nabsent++ == 0)
		snprintf(r->first_absent, sizeof(r->first_absent), "%s", lx_proc_path(r->io));
}

/* ---- /proc/net/dev ---- */

/* The kernel's header, token by token (net/core/net-procfs.c). */
static const char *const dev_hdr1[] = { "Inter-|", "Receive", "|", "Transmit" };
static const char *const dev_hdr2[] = {
	"face",
	"|bytes",
	"packets",
	"errs",
	"drop",
	"fifo",
	"frame",
	"compressed",
	"multicast|bytes",
	"packets",
	"errs",
	"drop",
	"fifo",
	"colls",
	"carrier",
	"compressed",
};

static bool
tokens_are(char **tok, unsigned ntok, const char *const *want, unsigned nwant)
{
	unsigned i;

	if (ntok != nwant)
		return false;
	for (i = 0; i < nwant; i++)
		if (strcmp(tok[i], want[i]) != 0)
			return false;
	return true;
}

/* A name the kernel could have given (dev_valid_name): 1-15 bytes, no '/', ':', blank. */
static bool
valid_ifname(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= NB_IFNAMSIZ || (len == 1 && s[0] == '.') ||
	    (len == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] == ' ' || s[i] == '\t' ||
		    s[i] == '\n' || s[i] == '\v' || s[i] == '\f' || s[i] == '\r')
			return false;
	return true;
}

static struct rf_if *
rf_if_new(struct rf_ifv *l)
{
	struct rf_if *v;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap != 0 ? l->cap * 2 : 32;
		if ((v = realloc(l->v, cap * sizeof(*v))) == NULL)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

static int
rf_parse_dev(struct lx_rootfs *r)
{
	struct lx_proc *p = r->io;
	uint64_t c[16];
	struct rf_if *f;
	char **tok, *colon, *name;
	unsigned ntok, ln, i, first;
	size_t nlen, k;
	int rc, error;

	r->ifs.n = 0;
	if ((error = lx_proc_read(p, "proc/net/dev")) != 0)
		return error;
	if ((rc = lx_proc_line(p, &tok, &ntok)) != 1 || !tokens_are(tok, ntok, dev_hdr1, 4))
		return rc < 0 ? rc : lx_proc_err(p, -EINVAL, 1, "not the header of /proc/net/dev");
	if ((rc = lx_proc_line(p, &tok, &ntok)) != 1 || !tokens_are(tok, ntok, dev_hdr2, 16))
		return rc < 0 ? rc : lx_proc_err(p, -EINVAL, 2, "not the header of /proc/net/dev");
	while ((rc = lx_proc_line(p, &tok, &ntok)) == 1) {
		ln = lx_proc_lineno(p);
		/* "NAME: v1 ..." (the kernel prints "%6s: "): the name ends at its ':'. */
		if (ntok == 0 || (colon = strchr(tok[0], ':')) == NULL)
			return lx_proc_err(p, -EINVAL, ln, "no 'name:' at the start");
		name = tok[0];
		nlen = (size_t)(colon - name);
		if (!valid_ifname(name, nlen))
			return lx_proc_err(p, -EINVAL, ln, "bad interface name");
		first = 1;
		if (colon[1] != '\0') { /* "name:123" */
			tok[0] = colon + 1;
			first = 0;
		}
		if (ntok - first != 16)
			return lx_proc_err(p, -EINVAL, ln, "%u values, expected 16", ntok - first);
		for (i = 0; i < 16; i++)
			if ((error = lx_dec(tok[first + i], false, &c[i])) != 0)
				return lx_proc_err(p, error, ln, "value %u: '%s' is not a count",
				    i + 1, tok[first + i]);
		for (k = 0; k < r->ifs.n; k++)
			if (strncmp(r->ifs.v[k].a.name, name, nlen) == 0 &&
			    r->ifs.v[k].a.name[nlen] == '\0')
				return lx_proc_err(p, -EINVAL, ln, "interface listed twice");
		if ((f = rf_if_new(&r->ifs)) == NULL)
			return -ENOMEM;
		memcpy(f->a.name, name, nlen);
		f->v[NB_IFSTAT_IBYTES] = c[0];
		f->v[NB_IFSTAT_IPACKETS] = c[1];
		f->v[NB_IFSTAT_IERRORS] = c[2];
		f->v[NB_IFSTAT_IQDROPS] = c[3]; /* rx_dropped + rx_missed_errors */
		f->v[NB_IFSTAT_IMCASTS] = c[7];
		f->v[NB_IFSTAT_OBYTES] = c[8];
		f->v[NB_IFSTAT_OPACKETS] = c[9];
		f->v[NB_IFSTAT_OERRORS] = c[10];
		f->v[NB_IFSTAT_OQDROPS] = c[11];
		f->v[NB_IFSTAT_COLLISIONS] = c[13];
	}
	return rc < 0 ? rc : 0;
}

/* ---- sysfs: one value per file ---- */

/*
 * ROOT/sys/class/net/IF/FILE as one line: 1 with *textp (NUL-terminated,
 * no newline), 0 if absent (counted), -errno (detail set) otherwise.
 */
static int
rf_sysfile(struct lx_rootfs *r, const char *ifname, const char *file, char **textp)
{
	char rel[64 + NB_IFNAMSIZ];
	size_t len;
	char *s;
	int error;

	snprintf(rel, sizeof(rel), "sys/class/net/%s/%s", ifname, file);
	if ((error = lx_proc_read_empty_ok(r->io, rel)) != 0) {
		if (error == -ENOENT || error == -ENOTDIR) {
			rf_absent(r);
			return 0;
		}
		return error;
	}
	s = lx_proc_text(r->io, &len);
	if (len == 0 || s[len - 1] != '\n' || memchr(s, '\n', len - 1) != NULL)
		return lx_proc_err(r->io, -EINVAL, 0, "not one line");
	s[len - 1] = '\0';
	*textp = s;
	return 1;
}

static int
rf_sysnum(struct lx_rootfs *r, const char *ifname, const char *file, bool hex,
    uint64_t max, uint64_t *out)
{
	char *s;
	int rc;

	if ((rc = rf_sysfile(r, ifname, file, &s)) != 1)
		return rc;
	if (hex) {
		if (strncmp(s, "0x", 2) != 0 || lx_hex(s + 2, out) != 0)
			return lx_proc_err(r->io, -EINVAL, 0, "'%s' is not 0x<hex>", s);
	} else if (lx_dec(s, false, out) != 0)
		return lx_proc_err(r->io, -EINVAL, 0, "'%s' is not a number", s);
	if (*out > max)
		return lx_proc_err(r->io, -ERANGE, 0, "%s is out of range", s);
	return 1;
}

static const char *const operstates[] = {
	/* IF_OPER_* order */
	"unknown",
	"notpresent",
	"down",
	"lowerlayerdown",
	"testing",
	"dormant",
	"up",
};

static int
hexdig(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
rf_sys_if(struct lx_rootfs *r, struct rf_if *f, size_t pos)
{
	struct nb_ifattrs *a = &f->a;
	uint64_t v;
	size_t i, n;
	char *s;
	int rc;

	a->unknown = NB_IFA_KIND | NB_IFA_MASTER | NB_IFA_LINK;
	if ((rc = rf_sysnum(r, a->name, "ifindex", false, INT32_MAX, &v)) < 0)
		return rc;
	if (rc == 1 && v == 0)
		return lx_proc_err(r->io, -EINVAL, 0, "ifindex 0");
	if (rc == 1)
		a->index = (uint32_t)v;
	else {
		a->index = RF_SYNTH_BASE + (uint32_t)pos;
		a->unknown |= NB_IFA_INDEX;
	}
#define RF_NUM(file, hex, max, field, bit)                                \
	do {                                                              \
		if ((rc = rf_sysnum(r, a->name, file, hex, max, &v)) < 0) \
			return rc;                                        \
		if (rc == 1)                                              \
			a->field = (uint32_t)v;                           \
		else                                                      \
			a->unknown |= (bit);                              \
	} while (0)
	RF_NUM("type", false, UINT16_MAX, type, NB_IFA_TYPE);
	RF_NUM("flags", true, UINT32_MAX, flags, NB_IFA_FLAGS);
	RF_NUM("mtu", false, UINT32_MAX, mtu, NB_IFA_MTU);
	RF_NUM("tx_queue_len", false, UINT32_MAX, txqlen, NB_IFA_TXQLEN);
#undef RF_NUM
	if ((rc = rf_sysfile(r, a->name, "address", &s)) < 0)
		return rc;
	if (rc == 0)
		a->unknown |= NB_IFA_LLADDR;
	else {
		/* "" (no address) or xx:xx:...: lower-case hex pairs (%*phC). */
		for (i = 0, n = 0; s[i] != '\0'; n++) {
			if (n == NB_LLADDR_MAX || hexdig(s[i]) < 0 || hexdig(s[i + 1]) < 0 ||
			    (s[i + 2] != ':' && s[i + 2] != '\0') ||
			    (s[i + 2] == ':' && s[i + 3] == '\0'))
				return lx_proc_err(r->io, -EINVAL, 0, "not a link-layer address");
			a->lladdr[n] = (uint8_t)(hexdig(s[i]) << 4 | hexdig(s[i + 1]));
			i += s[i + 2] == ':' ? 3 : 2;
		}
		a->lladdr_len = (uint8_t)n;
	}
	if ((rc = rf_sysfile(r, a->name, "operstate", &s)) < 0)
		return rc;
	if (rc == 0)
		a->unknown |= NB_IFA_OPERSTATE;
	else {
		for (i = 0; i < sizeof(operstates) / sizeof(operstates[0]); i++)
			if (strcmp(s, operstates[i]) == 0)
				break;
		if (i == sizeof(operstates) / sizeof(operstates[0]))
			return lx_proc_err(r->io, -EINVAL, 0, "'%s' is not an operstate", s);
		a->operstate = (uint8_t)i;
	}
	return 0;
}

/* ---- /proc/net/if_inet6 ---- */

static struct rf_if *
rf_find(struct lx_rootfs *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->ifs.n; i++)
		if (strcmp(r->ifs.v[i].a.name, name) == 0)
			return &r->ifs.v[i];
	return NULL;
}

static int
rf_addr_push(struct rf_addrv *l, const struct nb_addrattrs *a)
{
	struct nb_addrattrs *v;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap != 0 ? l->cap * 2 : 32;
		if ((v = realloc(l->v, cap * sizeof(*v))) == NULL)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *a;
	return 0;
}

/* The same key as nb_addr_add's: (ifindex, family, addr, prefixlen). */
static bool
rf_addr_same(const struct nb_addrattrs *x, const struct nb_addrattrs *y)
{
	return x->ifindex == y->ifindex && x->family == y->family &&
	       x->prefixlen == y->prefixlen && memcmp(x->addr, y->addr, 16) == 0;
}

static int
rf_parse_inet6(struct lx_rootfs *r)
{
	struct lx_proc *p = r->io;
	struct nb_addrattrs a;
	struct rf_if *f;
	uint64_t ix, plen, scope, flags;
	char **tok;
	unsigned ntok, ln, i;
	size_t k;
	int rc, error, hi, lo;

	r->no_inet6 = false;
	if ((error = lx_proc_read_empty_ok(p, "proc/net/if_inet6")) != 0) {
		if (error != -ENOENT && error != -ENOTDIR)
			return error;
		rf_absent(r);
		r->no_inet6 = true;
		return 0;
	}
	while ((rc = lx_proc_line(p, &tok, &ntok)) == 1) {
		ln = lx_proc_lineno(p);
		if (ntok != 6)
			return lx_proc_err(p, -EINVAL, ln, "%u columns, expected 6", ntok);
		memset(&a, 0, sizeof(a));
		a.family = AF_INET6;
		if (strlen(tok[0]) != 32)
			return lx_proc_err(p, -EINVAL, ln, "'%s' is not 32 hex digits", tok[0]);
		for (i = 0; i < 16; i++) {
			if ((hi = hexdig(tok[0][2 * i])) < 0 || (lo = hexdig(tok[0][2 * i + 1])) < 0)
				return lx_proc_err(p, -EINVAL, ln, "'%s' is not 32 hex digits",
				    tok[0]);
			a.addr[i] = (uint8_t)(hi << 4 | lo);
		}
		if (lx_hex(tok[1], &ix) != 0 || ix == 0 || ix > INT32_MAX ||
		    lx_hex(tok[2], &plen) != 0 || plen > 128 ||
		    lx_hex(tok[3], &scope) != 0 || scope > 0xff ||
		    lx_hex(tok[4], &flags) != 0 || flags > 0xff)
			return lx_proc_err(p, -EINVAL, ln, "bad index, prefix length, scope or flags");
		if ((f = rf_find(r, tok[5])) == NULL)
			return lx_proc_err(p, -EINVAL, ln, "'%s' is not in proc/net/dev", tok[5]);
		if ((f->a.unknown & NB_IFA_INDEX) == 0 && f->a.index != ix)
			return lx_proc_err(p, -EINVAL, ln, "index %u of %s, sysfs says %u",
			    (unsigned)ix, f->a.name, f->a.index);
		a.ifindex = f->a.index;
		a.prefixlen = (uint8_t)plen;
		/* IFA_HOST/LINK/SITE -> RT_SCOPE_* as the kernel's rt_scope(). */
		a.scope = (scope & 0x10) != 0 ? RT_SCOPE_HOST : (scope & 0x20) != 0 ? RT_SCOPE_LINK :
							    (scope & 0x40) != 0	    ? RT_SCOPE_SITE :
										      RT_SCOPE_UNIVERSE;
		a.flags = (uint32_t)flags;
		a.valid_lft = a.preferred_lft = UINT32_MAX;
		for (k = 0; k < r->addrs.n; k++)
			if (rf_addr_same(&r->addrs.v[k], &a))
				return lx_proc_err(p, -EINVAL, ln, "address listed twice");
		if ((error = rf_addr_push(&r->addrs, &a)) != 0)
			return error;
	}
	return rc < 0 ? rc : 0;
}

/* ---- /proc/net/fib_trie and /proc/net/route: IPv4 ---- */

static const char *const rtn_types[] = {
	/* RTN_* order (rtn_type()) */
	"UNSPEC",
	"UNICAST",
	"LOCAL",
	"BROADCAST",
	"ANYCAST",
	"MULTICAST",
	"BLACKHOLE",
	"UNREACHABLE",
	"PROHIBIT",
	"THROW",
	"NAT",
	"XRESOLVE",
};
static const char *const rtn_scopes[] = { "universe", "site", "link", "host", "nowhere" };

/* "a.b.c.d" -> host order; "a.b.c.d/n" with plen != NULL. */
static bool
rf_ipv4(const char *s, uint32_t *a, unsigned *plen)
{
	char buf[INET_ADDRSTRLEN];
	const char *sl = plen != NULL ? strchr(s, '/') : NULL;
	size_t n = sl != NULL ? (size_t)(sl - s) : strlen(s);
	struct in_addr in;
	uint64_t v;

	if ((plen != NULL) != (sl != NULL) || n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &in) != 1)
		return false;
	*a = ntohl(in.s_addr);
	if (plen != NULL) {
		if (lx_dec(sl + 1, false, &v) != 0 || v > 32)
			return false;
		*plen = (unsigned)v;
	}
	return true;
}

static int
rf_fib_push(struct lx_rootfs *r, uint32_t addr, unsigned plen, unsigned type, bool local)
{
	struct rf_v4 *v;
	size_t cap;

	if (r->nfib == r->fibcap) {
		cap = r->fibcap != 0 ? r->fibcap * 2 : 64;
		if ((v = realloc(r->fib, cap * sizeof(*v))) == NULL)
			return -ENOMEM;
		r->fib = v;
		r->fibcap = cap;
	}
	r->fib[r->nfib++] = (struct rf_v4){ addr, (uint8_t)plen, (uint8_t)type, local };
	return 0;
}

/* The kernel's fib_trie_seq_show(): tables, "+--" nodes, "|--" leaves, "/N scope type" aliases. */
static int
rf_parse_fib(struct lx_rootfs *r)
{
	struct lx_proc *p = r->io;
	char **tok;
	unsigned ntok, ln, plen, i, k, type;
	uint32_t a, leaf = 0;
	uint64_t v;
	bool table = false, have_leaf = false, local = false;
	int rc, error;

	r->nfib = 0;
	while ((rc = lx_proc_line(p, &tok, &ntok)) == 1) {
		ln = lx_proc_lineno(p);
		if (ntok == 1 && (strcmp(tok[0], "Main:") == 0 || strcmp(tok[0], "Local:") == 0)) {
			table = true;
			local = tok[0][0] == 'L';
			have_leaf = false;
			continue;
		}
		if (ntok == 2 && strcmp(tok[0], "Id") == 0 && strlen(tok[1]) > 1 &&
		    tok[1][strlen(tok[1]) - 1] == ':') {
			tok[1][strlen(tok[1]) - 1] = '\0';
			if (lx_dec(tok[1], false, &v) != 0 || v > UINT32_MAX)
				return lx_proc_err(p, -EINVAL, ln, "bad table id");
			table = true;
			local = false;
			have_leaf = false;
			continue;
		}
		if (!table)
			return lx_proc_err(p, -EINVAL, ln, "no table header before it");
		if (ntok == 5 && strcmp(tok[0], "+--") == 0) {
			if (!rf_ipv4(tok[1], &a, &plen))
				return lx_proc_err(p, -EINVAL, ln, "'%s' is not a prefix", tok[1]);
			for (i = 2; i < 5; i++)
				if (lx_dec(tok[i], false, &v) != 0)
					return lx_proc_err(p, -EINVAL, ln, "'%s' is not a count",
					    tok[i]);
			have_leaf = false;
			continue;
		}
		if (ntok == 2 && strcmp(tok[0], "|--") == 0) {
			if (!rf_ipv4(tok[1], &leaf, NULL))
				return lx_proc_err(p, -EINVAL, ln, "'%s' is not an address", tok[1]);
			have_leaf = true;
			continue;
		}
		if (ntok >= 3 && tok[0][0] == '/') {
			if (!have_leaf)
				return lx_proc_err(p, -EINVAL, ln, "a route without its leaf");
			if (lx_dec(tok[0] + 1, false, &v) != 0 || v > 32)
				return lx_proc_err(p, -EINVAL, ln, "'%s' is not /length", tok[0]);
			plen = (unsigned)v;
			for (k = 0; k < sizeof(rtn_scopes) / sizeof(rtn_scopes[0]); k++)
				if (strcmp(tok[1], rtn_scopes[k]) == 0)
					break;
			if (k == sizeof(rtn_scopes) / sizeof(rtn_scopes[0]) &&
			    (lx_dec(tok[1], false, &v) != 0 || v > 255))
				return lx_proc_err(p, -EINVAL, ln, "'%s' is not a scope", tok[1]);
			i = 3;
			for (type = 0; type < sizeof(rtn_types) / sizeof(rtn_types[0]); type++)
				if (strcmp(tok[2], rtn_types[type]) == 0)
					break;
			if (type == sizeof(rtn_types) / sizeof(rtn_types[0])) {
				if (strcmp(tok[2], "type") != 0 || ntok < 4 ||
				    lx_dec(tok[3], false, &v) != 0 || v > 255)
					return lx_proc_err(p, -EINVAL, ln, "'%s' is not a route type",
					    tok[2]);
				type = (unsigned)v;
				i = 4;
			}
			if (ntok > i + 1 || (ntok == i + 1 && (strncmp(tok[i], "tos=", 4) != 0 || lx_dec(tok[i] + 4, false, &v) != 0 || v > 255)))
				return lx_proc_err(p, -EINVAL, ln, "unexpected '%s'", tok[i]);
			if ((error = rf_fib_push(r, leaf, plen, type, local)) != 0)
				return error;
			continue;
		}
		return lx_proc_err(p, -EINVAL, ln, "not a line of /proc/net/fib_trie");
	}
	return rc < 0 ? rc : 0;
}

static unsigned
mask_len(uint32_t m)
{
	unsigned n = 0;

	while (n < 32 && (m & (0x80000000u >> n)) != 0)
		n++;
	return n;
}

static const char *const route_hdr[] = {
	"Iface",
	"Destination",
	"Gateway",
	"Flags",
	"RefCnt",
	"Use",
	"Metric",
	"Mask",
	"MTU",
	"Window",
	"IRTT",
};

/* The kernel's fib_route_seq_show() (the main table). */
static int
rf_parse_route(struct lx_rootfs *r)
{
	struct lx_proc *p = r->io;
	struct rf_rt *t;
	char **tok;
	unsigned ntok, ln, i;
	uint64_t v[11];
	size_t cap;
	int rc;

	r->nrt = 0;
	if ((rc = lx_proc_line(p, &tok, &ntok)) != 1 || !tokens_are(tok, ntok, route_hdr, 11))
		return rc < 0 ? rc : lx_proc_err(p, -EINVAL, 1, "not the header of /proc/net/route");
	while ((rc = lx_proc_line(p, &tok, &ntok)) == 1) {
		ln = lx_proc_lineno(p);
		if (ntok != 11)
			return lx_proc_err(p, -EINVAL, ln, "%u columns, expected 11", ntok);
		if (!valid_ifname(tok[0], strlen(tok[0])) && strcmp(tok[0], "*") != 0)
			return lx_proc_err(p, -EINVAL, ln, "bad interface name");
		for (i = 1; i < 11; i++) {
			if ((i == 1 || i == 2 || i == 3 || i == 7) ?
				(strlen(tok[i]) != (i == 3 ? 4u : 8u) || lx_hex(tok[i], &v[i]) != 0) :
				lx_dec(tok[i], i == 4 || i == 6 || i == 8, &v[i]) != 0)
				return lx_proc_err(p, -EINVAL, ln, "column %u: '%s'", i + 1, tok[i]);
		}
		if (r->nrt == r->rtcap) {
			cap = r->rtcap != 0 ? r->rtcap * 2 : 32;
			if ((t = realloc(r->rt, cap * sizeof(*t))) == NULL)
				return -ENOMEM;
			r->rt = t;
			r->rtcap = cap;
		}
		t = &r->rt[r->nrt++];
		memset(t, 0, sizeof(*t));
		snprintf(t->ifname, sizeof(t->ifname), "%s", tok[0]);
		/* The __be32 printed as a host integer (%08X). */
		t->dst = ntohl((uint32_t)v[1]);
		t->gw = ntohl((uint32_t)v[2]);
		t->flags = (unsigned)v[3];
		t->mask = ntohl((uint32_t)v[7]);
		if (t->mask != (mask_len(t->mask) == 0 ? 0 : 0xffffffffu << (32 - mask_len(t->mask))))
			return lx_proc_err(p, -EINVAL, ln, "column 8: '%s' is not a prefix mask",
			    tok[7]);
	}
	return rc < 0 ? rc : 0;
}

static int
u32_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return (a > b) - (a < b);
}

/* The IPv4 addresses of fib_trie, placed on interfaces (see the top). */
static int
rf_inet(struct lx_rootfs *r)
{
	struct nb_addrattrs a;
	struct rf_if *f, *g;
	uint32_t addr, m, *loc;
	size_t i, j, k, nloc = 0;
	unsigned best, plen;
	bool amb;
	int error = 0;

	r->unplaced = 0;
	/* The local addresses, once each (Main and Local may show the same leaves). */
	if ((loc = malloc((r->nfib + 1) * sizeof(*loc))) == NULL)
		return -ENOMEM;
	for (i = 0; i < r->nfib; i++)
		if (r->fib[i].local && r->fib[i].type == RTN_LOCAL && r->fib[i].plen == 32)
			loc[nloc++] = r->fib[i].addr;
	qsort(loc, nloc, sizeof(*loc), u32_cmp);
	for (i = 0; i < nloc && error == 0; i++) {
		addr = loc[i];
		if (i > 0 && loc[i - 1] == addr)
			continue;
		f = NULL;
		amb = false;
		best = 0;
		for (j = 0; j < r->nrt; j++) {
			const struct rf_rt *t = &r->rt[j];

			if ((t->flags & 0x1) == 0 || (t->flags & 0x2) != 0 || t->gw != 0 ||
			    mask_len(t->mask) == 0 || (addr & t->mask) != t->dst ||
			    mask_len(t->mask) < best)
				continue;
			g = rf_find(r, t->ifname);
			if (mask_len(t->mask) > best) {
				best = mask_len(t->mask);
				f = g;
				amb = g == NULL;
			} else if (g != f)
				amb = true;
		}
		plen = best;
		if (best == 0) {
			/* a LOCAL prefix route: a loopback device's */
			for (j = 0; j < r->nfib; j++) {
				m = r->fib[j].plen == 0 ? 0 : 0xffffffffu << (32 - r->fib[j].plen);
				if (r->fib[j].local && r->fib[j].type == RTN_LOCAL && r->fib[j].plen < 32 &&
				    r->fib[j].plen > best && (addr & m) == r->fib[j].addr)
					best = r->fib[j].plen;
			}
			plen = best;
			for (k = 0, f = NULL; best > 0 && k < r->ifs.n; k++) {
				g = &r->ifs.v[k];
				if ((g->a.unknown & NB_IFA_FLAGS) == 0 && (g->a.flags & IFF_LOOPBACK) != 0) {
					if (f != NULL)
						amb = true;
					f = g;
				}
			}
		}
		if (f == NULL || amb || best == 0) {
			r->unplaced++;
			continue;
		}
		memset(&a, 0, sizeof(a));
		a.family = AF_INET;
		a.ifindex = f->a.index;
		a.prefixlen = (uint8_t)plen;
		a.unknown = NB_ADDRA_SCOPE | NB_ADDRA_FLAGS;
		a.valid_lft = a.preferred_lft = UINT32_MAX;
		m = htonl(addr);
		memcpy(a.addr, &m, 4);
		error = rf_addr_push(&r->addrs, &a);
	}
	free(loc);
	return error;
}

/* fib_trie and route: both, or no IPv4 addresses (counted absent). */
static int
rf_parse_inet(struct lx_rootfs *r)
{
	int error;

	r->no_inet = false;
	r->unplaced = 0;
	if ((error = lx_proc_read_empty_ok(r->io, "proc/net/fib_trie")) == 0 &&
	    (error = rf_parse_fib(r)) == 0 &&
	    (error = lx_proc_read(r->io, "proc/net/route")) == 0 &&
	    (error = rf_parse_route(r)) == 0)
		return rf_inet(r);
	if (error != -ENOENT && error != -ENOTDIR)
		return error;
	rf_absent(r);
	r->no_inet = true;
	return 0;
}

/* ---- parse all, then publish ---- */

static int
rf_parse(struct lx_rootfs *r)
{
	size_t i, j;
	int error;

	r->nabsent = 0;
	r->first_absent[0] = '\0';
	if ((error = rf_parse_dev(r)) != 0)
		return error;
	for (i = 0; i < r->ifs.n; i++)
		if ((error = rf_sys_if(r, &r->ifs.v[i], i)) != 0)
			return error;
	for (i = 0; i < r->ifs.n; i++)
		for (j = i + 1; j < r->ifs.n; j++)
			if (r->ifs.v[i].a.index == r->ifs.v[j].a.index)
				return lx_proc_err(r->io, -EINVAL, 0, "ifindex %u of %s and %s",
				    r->ifs.v[i].a.index, r->ifs.v[i].a.name, r->ifs.v[j].a.name);
	r->addrs.n = 0; /* inet then inet6, as the kernel dumps them */
	if ((error = rf_parse_inet(r)) != 0 || (error = rf_parse_inet6(r)) != 0)
		return error;
	/* Neither file: the lists are unknown, not empty. */
	for (i = 0; i < r->ifs.n; i++)
		if (r->no_inet6 && r->no_inet)
			r->ifs.v[i].a.unknown |= NB_IFA_ADDRS;
	return 0;
}

static int
rf_publish(struct lx_rootfs *r)
{
	struct nb_stack *st = r->st;
	uint32_t *np;
	size_t i, j;
	int error;

	for (i = 0; i < r->ifs.n; i++)
		if ((error = nb_if_upsert(st, &r->ifs.v[i].a, NULL)) != 0)
			return lx_proc_err(r->io, error, 0, "%s: cannot publish: %s",
			    r->ifs.v[i].a.name, strerror(-error));
	for (j = 0; j < r->npub; j++) {
		for (i = 0; i < r->ifs.n && r->ifs.v[i].a.index != r->pub[j]; i++)
			;
		if (i == r->ifs.n && (error = nb_if_delete(st, r->pub[j], NULL)) != 0 &&
		    error != -ENOENT)
			return error;
	}
	if (r->ifs.n > r->pubcap) {
		if ((np = realloc(r->pub, r->ifs.n * sizeof(*np))) == NULL)
			return -ENOMEM;
		r->pub = np;
		r->pubcap = r->ifs.n;
	}
	for (i = 0; i < r->ifs.n; i++)
		r->pub[i] = r->ifs.v[i].a.index;
	r->npub = r->ifs.n;
	for (i = 0; i < r->ifs.n; i++)
		if ((error = nb_if_stats_store(st, r->ifs.v[i].a.index, NB_SLOT_SOURCE,
			 r->ifs.v[i].v)) != 0)
			return error;
	/* Addresses: drop those gone (or of a gone interface), add the rest. */
	for (j = 0; j < r->paddrs.n; j++) {
		for (i = 0; i < r->addrs.n && !rf_addr_same(&r->addrs.v[i], &r->paddrs.v[j]); i++)
			;
		if (i == r->addrs.n && (error = nb_addr_del(st, &r->paddrs.v[j])) != 0 &&
		    error != -ENOENT)
			return error;
	}
	r->paddrs.n = 0;
	for (i = 0; i < r->addrs.n; i++) {
		if ((error = nb_addr_add(st, &r->addrs.v[i])) != 0)
			return error;
		if ((error = rf_addr_push(&r->paddrs, &r->addrs.v[i])) != 0)
			return error;
	}
	return 0;
}

int
lx_rootfs_refresh(struct lx_rootfs *r)
{
	const char *root = lx_proc_root(r->io);
	char unplaced[160] = "";
	int error;

	if ((error = rf_parse(r)) != 0 || (error = rf_publish(r)) != 0)
		return error;
	r->notice[0] = '\0';
	if (r->unplaced > 0)
		snprintf(unplaced, sizeof(unplaced), "%s%u IPv4 address%s of proc/net/fib_trie "
						     "on no interface that proc/net/route tells: left out",
		    r->nabsent > 0 ? "; " : "", r->unplaced, r->unplaced != 1 ? "es" : "");
	if (r->nabsent == 1)
		snprintf(r->notice, sizeof(r->notice), "%s: absent: %s%s", r->first_absent,
		    RF_NOTICE, unplaced);
	else if (r->nabsent > 1)
		snprintf(r->notice, sizeof(r->notice), "%s and %u more files: absent: %s%s",
		    r->first_absent, r->nabsent - 1, RF_NOTICE, unplaced);
	else if (r->unplaced > 0)
		snprintf(r->notice, sizeof(r->notice), "%s: %s", root, unplaced);
	return 0;
}
