/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_proc_mcast.c - NB_FAM_MCAST: /proc/net/{igmp,igmp6,dev_mcast} -> nb_mcast_set. */
/*
 * Three files, one family each, read through the root seam:
 *   igmp      "Idx Device : Count Querier" lines, each followed by its
 *             groups "Group Users Timer Reporter"; Group is the __be32
 *             printed as a host integer (%08X), so its bytes are the
 *             integer's in host order. A group line is told from an
 *             interface line by its timer column "R:XXXXXXXX".
 *   igmp6     "Idx Device Group Users Flags Timer" (group: 32 hex digits).
 *   dev_mcast "Idx Device Users Global Address" (link-layer, hex digits).
 * A file is parsed whole before anything is stored (a malformed file
 * changes nothing); then every interface of the stack gets its list of
 * that family replaced (nb_mcast_set), empty when the file names none.
 * Interfaces the stack does not know (born since the last link dump) are
 * skipped. A missing file (no IPv6, no IP multicast in this kernel) means
 * no memberships of its family; igmp6 and dev_mcast may be empty (igmp
 * always has its header). Runs on the refresh thread (lx_proc_refresh).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "source_linux_proc.h"

struct mc_ent {
	uint32_t		ifindex;
	uint32_t		seq;		/* file order */
	struct nb_mcastattrs	m;
};

struct mc_list {
	struct mc_ent	*v;
	size_t		 n, cap;
	uint32_t	*idx;		/* the stack's interfaces */
	size_t		 nidx, idxcap;
};

static int
mc_push(struct mc_list *l, uint32_t ifindex, const struct nb_mcastattrs *m)
{
	struct mc_ent *v;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap != 0 ? l->cap * 2 : 32;
		if ((v = realloc(l->v, cap * sizeof(*v))) == NULL)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].ifindex = ifindex;
	l->v[l->n].seq = (uint32_t)l->n;
	l->v[l->n].m = *m;
	l->n++;
	return 0;
}

static int
mc_xdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex digits (an even number, at most max bytes) into out; the byte count or -1. */
static int
mc_hexbytes(const char *s, uint8_t *out, size_t max)
{
	size_t len = strlen(s), i;
	int hi, lo;

	if (len == 0 || len % 2 != 0 || len / 2 > max)
		return -1;
	for (i = 0; i < len / 2; i++) {
		if ((hi = mc_xdigit(s[2 * i])) < 0 || (lo = mc_xdigit(s[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(len / 2);
}

static int
mc_index(struct lx_proc *p, const char *tok, unsigned ln, uint32_t *out)
{
	uint64_t v;

	if (lx_dec(tok, false, &v) != 0 || v == 0 || v > UINT32_MAX)
		return lx_proc_err(p, -EINVAL, ln, "bad interface index '%s'", tok);
	*out = (uint32_t)v;
	return 0;
}

static int
mc_users(struct lx_proc *p, const char *tok, unsigned ln, uint32_t *out)
{
	uint64_t v;

	if (lx_dec(tok, false, &v) != 0 || v > UINT32_MAX)
		return lx_proc_err(p, -EINVAL, ln, "bad users count '%s'", tok);
	*out = (uint32_t)v;
	return 0;
}

static int
mc_parse_igmp(struct lx_proc *p, struct mc_list *l)
{
	struct nb_mcastattrs m;
	uint32_t ifindex = 0, be;
	uint64_t g;
	unsigned ntok, ln;
	char **tok;
	int rc, error;

	if ((error = lx_proc_read(p, "proc/net/igmp")) != 0)
		return error == -ENOENT ? 0 : error;	/* not in this kernel: none */
	if ((rc = lx_proc_line(p, &tok, &ntok)) != 1)	/* the header */
		return rc < 0 ? rc : lx_proc_err(p, -EINVAL, 0, "empty file");
	while ((rc = lx_proc_line(p, &tok, &ntok)) == 1) {
		ln = lx_proc_lineno(p);
		if (ntok == 4 && strlen(tok[2]) > 2 && strchr(tok[2], ':') != NULL) {
			if (ifindex == 0)
				return lx_proc_err(p, -EINVAL, ln, "group before any interface");
			memset(&m, 0, sizeof(m));
			if (strlen(tok[0]) != 8 || lx_hex(tok[0], &g) != 0)
				return lx_proc_err(p, -EINVAL, ln, "bad group '%s'", tok[0]);
			if ((error = mc_users(p, tok[1], ln, &m.users)) != 0)
				return error;
			be = (uint32_t)g;		/* the kernel printed the __be32 as an int */
			m.family = AF_INET;
			m.addr_len = 4;
			memcpy(m.addr, &be, 4);
			if ((error = mc_push(l, ifindex, &m)) != 0)
				return error;
		} else if (ntok == 4 || ntok == 5) {
			if ((error = mc_index(p, tok[0], ln, &ifindex)) != 0)
				return error;
		} else {
			return lx_proc_err(p, -EINVAL, ln, "%u columns: neither an interface "
			    "nor a group line", ntok);
		}
	}
	return rc;
}

static int
mc_parse_igmp6(struct lx_proc *p, struct mc_list *l)
{
	struct nb_mcastattrs m;
	uint32_t ifindex = 0;
	unsigned ntok, ln;
	char **tok;
	int rc, error;

	if ((error = lx_proc_read_empty_ok(p, "proc/net/igmp6")) != 0)
		return error == -ENOENT ? 0 : error;	/* not in this kernel: none */
	while ((rc = lx_proc_line(p, &tok, &ntok)) == 1) {
		ln = lx_proc_lineno(p);
		if (ntok != 6)
			return lx_proc_err(p, -EINVAL, ln, "%u columns, 6 expected", ntok);
		memset(&m, 0, sizeof(m));
		if ((error = mc_index(p, tok[0], ln, &ifindex)) != 0 ||
		    (error = mc_users(p, tok[3], ln, &m.users)) != 0)
			return error;
		if (strlen(tok[2]) != 32 || mc_hexbytes(tok[2], m.addr, 16) != 16)
			return lx_proc_err(p, -EINVAL, ln, "bad group '%s'", tok[2]);
		m.family = AF_INET6;
		m.addr_len = 16;
		if ((error = mc_push(l, ifindex, &m)) != 0)
			return error;
	}
	return rc;
}

static int
mc_parse_dev(struct lx_proc *p, struct mc_list *l)
{
	struct nb_mcastattrs m;
	uint32_t ifindex = 0;
	unsigned ntok, ln;
	char **tok;
	int rc, error, len;

	if ((error = lx_proc_read_empty_ok(p, "proc/net/dev_mcast")) != 0)
		return error == -ENOENT ? 0 : error;	/* not in this kernel: none */
	while ((rc = lx_proc_line(p, &tok, &ntok)) == 1) {
		ln = lx_proc_lineno(p);
		if (ntok != 5)
			return lx_proc_err(p, -EINVAL, ln, "%u columns, 5 expected", ntok);
		memset(&m, 0, sizeof(m));
		if ((error = mc_index(p, tok[0], ln, &ifindex)) != 0 ||
		    (error = mc_users(p, tok[2], ln, &m.users)) != 0)
			return error;
		if ((len = mc_hexbytes(tok[4], m.addr, NB_LLADDR_MAX)) < 0)
			return lx_proc_err(p, -EINVAL, ln, "bad address '%s'", tok[4]);
		m.family = AF_PACKET;
		m.addr_len = (uint8_t)len;
		if ((error = mc_push(l, ifindex, &m)) != 0)
			return error;
	}
	return rc;
}

static int
mc_collect(const struct nb_iface *ifp, void *arg)
{
	struct mc_list *l = arg;
	uint32_t *v;
	size_t cap;

	/* No ifindex (a root without sysfs): the files' indexes name none of
	 * its lists, which stay unknown rather than empty. */
	if ((nb_iface_attrs(ifp)->unknown & NB_IFA_INDEX) != 0)
		return 0;
	if (l->nidx == l->idxcap) {
		cap = l->idxcap != 0 ? l->idxcap * 2 : 64;
		if ((v = realloc(l->idx, cap * sizeof(*v))) == NULL)
			return -ENOMEM;
		l->idx = v;
		l->idxcap = cap;
	}
	l->idx[l->nidx++] = nb_iface_attrs(ifp)->index;
	return 0;
}

/* By interface, then file order: each interface's entries become one run. */
static int
mc_cmp(const void *x, const void *y)
{
	const struct mc_ent *a = x, *b = y;

	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

/* Index of the first entry of ifindex in the sorted list (l->n if none). */
static size_t
mc_first(const struct mc_list *l, uint32_t ifindex)
{
	size_t lo = 0, hi = l->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (l->v[mid].ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Store a parsed file: each interface's entries (in file order), or none. */
static int
mc_store(struct lx_proc *p, struct mc_list *l, int family)
{
	struct nb_stack *st = lx_proc_stack(p);
	struct nb_mcastattrs *v = NULL;
	struct nb_read rd;
	size_t i, j, n;
	int error;

	l->nidx = 0;
	nb_read_enter(st, &rd);
	error = nb_if_walk(&rd, mc_collect, l);
	nb_read_exit(&rd);
	if (error != 0)
		return error;
	if (l->n > 0 && (v = malloc(l->n * sizeof(*v))) == NULL)
		return -ENOMEM;
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(l->v[0]), mc_cmp);
	for (i = 0; i < l->nidx && error == 0; i++) {
		for (j = mc_first(l, l->idx[i]), n = 0; j < l->n && l->v[j].ifindex == l->idx[i]; j++)
			v[n++] = l->v[j].m;
		if ((error = nb_mcast_set(st, l->idx[i], family, v, n)) == -ENOENT)
			error = 0;		/* gone meanwhile */
	}
	free(v);
	if (error != 0)
		return lx_proc_err(p, error, 0, "nb_mcast_set: %s", strerror(-error));
	return 0;
}

int
lx_proc_mcast(struct lx_proc *p)
{
	static int (*const parse[])(struct lx_proc *, struct mc_list *) = {
		mc_parse_igmp, mc_parse_igmp6, mc_parse_dev,
	};
	static const int fam[] = { AF_INET, AF_INET6, AF_PACKET };
	struct mc_list l = { 0 };
	int error = 0, e;
	size_t i;

	for (i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		l.n = 0;
		if ((e = parse[i](p, &l)) == 0)
			e = mc_store(p, &l, fam[i]);
		if (e != 0 && error == 0)
			error = e;
		if (e != 0)
			break;		/* keep the first file's detail */
	}
	free(l.v);
	free(l.idx);
	return error;
}
