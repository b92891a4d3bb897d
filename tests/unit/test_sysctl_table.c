/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_sysctl_table.c - nb_sysctl_table_read: rows, identity, conversions,
 * per-CPU vectors and errors over a hand-filled stack; each backend's
 * native reader (local, replay, remote) equal to the generic walk-based one,
 * over the hand-filled stack and over the sim source (interfaces,
 * addresses, capture peers, softnet, hash tables, protocol statistics);
 * the remote one served by nb_sysctl_serve on a socket of the test's own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "nbstack/stack.h"
#include "sysctl-tree/sysctl.h"

#include "check.h"

static unsigned slot1;

static void
mkif(struct nb_stack *st, uint32_t index, const char *name, uint32_t mtu, uint64_t *gen)
{
	struct nb_ifattrs a;

	memset(&a, 0, sizeof(a));
	a.index = index;
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.type = 1;
	a.flags = 0x1003;
	a.mtu = mtu;
	a.operstate = 6;
	a.lladdr_len = 6;
	a.lladdr[5] = (uint8_t)index;
	CHECK_RC(nb_if_upsert(st, &a, gen), 0);
}

static void
mkaddr(struct nb_stack *st, uint32_t ifindex, int family, const char *addr, int plen)
{
	struct nb_addrattrs a;

	memset(&a, 0, sizeof(a));
	a.ifindex = ifindex;
	a.family = (uint8_t)family;
	a.prefixlen = (uint8_t)plen;
	CHECK(inet_pton(family, addr, a.addr) == 1);
	CHECK_RC(nb_addr_add(st, &a), 0);
}

static void
fillstats(struct nb_stack *st, uint32_t index)
{
	uint64_t v[NB_IFSTAT_MAX];
	unsigned i;

	for (i = 0; i < NB_IFSTAT_MAX; i++)
		v[i] = 1000 * index + i;
	CHECK_RC(nb_if_stats_store(st, index, NB_SLOT_SOURCE, v), 0);
	for (i = 0; i < NB_IFSTAT_MAX; i++)
		v[i] = 5;
	CHECK_RC(nb_if_stats_store(st, index, slot1, v), 0);
}

/* ---- the row types ---- */

struct ifrow {
	char		 lladdr[24];
	int64_t		 mtu;
	uint64_t	 ipackets;
	uint64_t	 obytes;
	bool		 flags_bool;
	char		 mtu_text[8];	/* index: a number leaf in a text column */
	char		 operstate[4];	/* cut */
	uint64_t	 nosuch;
};

static const struct nb_sysctl_column ifcols[] = {
	{ "lladdr", NB_SYSCTL_ADDRESS, offsetof(struct ifrow, lladdr), 24 },
	{ "mtu", NB_SYSCTL_INT, offsetof(struct ifrow, mtu), 0 },
	{ "stats.ipackets", NB_SYSCTL_U64, offsetof(struct ifrow, ipackets), 0 },
	{ "stats.obytes", NB_SYSCTL_U64, offsetof(struct ifrow, obytes), 0 },
	{ "flags", NB_SYSCTL_BOOL, offsetof(struct ifrow, flags_bool), 0 },
	{ "index", NB_SYSCTL_STRING, offsetof(struct ifrow, mtu_text), 8 },
	{ "operstate", NB_SYSCTL_STRING, offsetof(struct ifrow, operstate), 4 },
	{ "stats.nosuch", NB_SYSCTL_U64, offsetof(struct ifrow, nosuch), 0 },
};

struct addrrow {
	char		 family[8];
	char		 address[48];
	int64_t		 prefixlen;
};

static const struct nb_sysctl_column addrcols[] = {
	{ "family", NB_SYSCTL_STRING, offsetof(struct addrrow, family), 8 },
	{ "address", NB_SYSCTL_ADDRESS, offsetof(struct addrrow, address), 48 },
	{ "prefixlen", NB_SYSCTL_INT, offsetof(struct addrrow, prefixlen), 0 },
};

/* The same as nbnetstat -i reads them: the address as its text and bytes. */
struct inrow {
	char		 family[8];
	struct nb_sysctl_inaddr address;
	int64_t		 prefixlen;
};

static const struct nb_sysctl_column incols[] = {
	{ "family", NB_SYSCTL_STRING, offsetof(struct inrow, family), 8 },
	{ "address", NB_SYSCTL_INADDR, offsetof(struct inrow, address), 0 },
	{ "prefixlen", NB_SYSCTL_INT, offsetof(struct inrow, prefixlen), 0 },
};

/* Generic rows: up to 16 u64 leaves by name. */
struct genrow {
	uint64_t	 v[16];
	char		 s[4][64];
};

/* Two tables read from the same data are the same, row for row. */
static void
same_table(const char *what, const struct nb_sysctl_table *a, const struct nb_sysctl_table *b)
{
	size_t i;
	unsigned k;

	CHECK(a->nrows == b->nrows, "%s: %zu rows against %zu", what, a->nrows, b->nrows);
	if (a->nrows != b->nrows)
		return;
	for (i = 0; i < a->nrows; i++) {
		const struct nb_sysctl_rowid *x = &a->ids[i], *y = &b->ids[i];

		CHECK(x->nkey == y->nkey, "%s row %zu", what, i);
		for (k = 0; k < x->nkey && k < y->nkey; k++)
			CHECK(strcmp(x->key[k], y->key[k]) == 0, "%s row %zu key %u: %s, %s", what,
			    i, k, x->key[k], y->key[k]);
		CHECK(x->index == y->index, "%s row %zu: index %" PRId64 ", %" PRId64, what, i,
		    x->index, y->index);
		CHECK(x->gen == y->gen, "%s row %zu", what, i);
		CHECK(memcmp(x->present, y->present, sizeof(x->present)) == 0, "%s row %zu", what, i);
		CHECK(memcmp(nb_sysctl_table_row(a, i), nb_sysctl_table_row(b, i), a->rowsize) == 0,
		    "%s row %zu (%s): values differ", what, i, x->nkey > 0 ? x->key[0] : "");
		for (unsigned c = 0; c < a->ncols; c++) {
			unsigned na, nb;
			const uint64_t *va = nb_sysctl_table_percpu(a, i, c, &na);
			const uint64_t *vb = nb_sysctl_table_percpu(b, i, c, &nb);

			CHECK(na == nb && (na == 0 || memcmp(va, vb, na * sizeof(*va)) == 0),
			    "%s row %zu column %u: per-CPU vectors differ", what, i, c);
		}
	}
	CHECK(memcmp(a->colflags, b->colflags, sizeof(a->colflags)) == 0, "%s: column flags", what);
}

/* Native and walked reads of pattern with cols: equal; returns the row count. */
static size_t
native_eq_walked(struct nb_sysctl *h, const char *pattern, const struct nb_sysctl_column *cols,
    unsigned ncols, size_t rowsize, unsigned fl)
{
	struct nb_sysctl_table a, b;
	size_t n;

	CHECK_RC(nb_sysctl_table_read(h, pattern, cols, ncols, rowsize, fl, &a), 0);
	CHECK_RC(nb_sysctl_table_read(h, pattern, cols, ncols, rowsize,
	    fl | NB_SYSCTL_RD_WALKED, &b), 0);
	same_table(pattern, &a, &b);
	n = a.nrows;
	nb_sysctl_table_free(&a);
	nb_sysctl_table_free(&b);
	return n;
}

/*
 * An INADDR column against what libc makes of the text: the text, its
 * length, and the family and bytes inet_pton gives (AF_INET6 for text
 * with a ':'), zeros where it gives none.
 */
static void
check_inaddr(const char *what, const struct nb_sysctl_inaddr *ia, const char *text)
{
	uint8_t want[16] = { 0 };
	int af = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;

	CHECK(strncmp(ia->text, text, sizeof(ia->text) - 1) == 0 &&
	    ia->len == strlen(ia->text) && ia->len == strnlen(text, sizeof(ia->text) - 1),
	    "%s: \"%s\" (%u), want \"%s\"", what, ia->text, ia->len, text);
	if (strlen(text) >= sizeof(ia->text) || inet_pton(af, text, want) != 1)
		af = 0;
	CHECK(ia->family == af, "%s: %s: family %u, want %d", what, text, ia->family, af);
	CHECK(memcmp(ia->addr, want, sizeof(want)) == 0, "%s: %s: bytes", what, text);
}

/*
 * Addresses of pattern in the text layout and in nbnetstat's INADDR one:
 * each native against walked, and row for row the same address, the
 * INADDR column as libc reads its text. Returns the row count.
 */
static size_t
addrs_eq(struct nb_sysctl *h, const char *pattern)
{
	struct nb_sysctl_table a, b;
	size_t n, i;

	n = native_eq_walked(h, pattern, addrcols, 3, sizeof(struct addrrow), 0);
	CHECK_EQ(native_eq_walked(h, pattern, incols, 3, sizeof(struct inrow), 0), n);
	CHECK_RC(nb_sysctl_table_read(h, pattern, addrcols, 3, sizeof(struct addrrow), 0, &a), 0);
	CHECK_RC(nb_sysctl_table_read(h, pattern, incols, 3, sizeof(struct inrow), 0, &b), 0);
	CHECK_EQ(a.nrows, b.nrows);
	for (i = 0; i < a.nrows && i < b.nrows; i++) {
		const struct addrrow *x = nb_sysctl_table_row(&a, i);
		const struct inrow *y = nb_sysctl_table_row(&b, i);

		CHECK(strcmp(x->family, y->family) == 0 && x->prefixlen == y->prefixlen,
		    "%s row %zu", pattern, i);
		check_inaddr(pattern, &y->address, x->address);
	}
	nb_sysctl_table_free(&a);
	nb_sysctl_table_free(&b);
	return n;
}

static void
test_interfaces(struct nb_sysctl *h, uint64_t gen3)
{
	struct nb_sysctl_table t;
	const struct ifrow *r;
	unsigned ncpu;
	const uint64_t *vec;

	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.*", ifcols, 8, sizeof(struct ifrow), 0,
	    &t), 0);
	CHECK_EQ(t.nrows, 3);
	if (t.nrows == 3) {
		/* By index: lo (1), eth0 (2), br.0 (3). */
		CHECK(strcmp(t.ids[0].key[0], "lo") == 0);
		CHECK(strcmp(t.ids[2].key[0], "br.0") == 0);
		CHECK_EQ(t.ids[0].nkey, 1);
		CHECK_EQ(t.ids[1].index, 2);
		CHECK_EQ(t.ids[2].index, 3);
		CHECK_EQ(t.ids[2].gen, gen3);
		r = nb_sysctl_table_row(&t, 2);
		CHECK_EQ(r->mtu, 9000);
		CHECK(strcmp(r->mtu_text, "3") == 0, "%s", r->mtu_text);
		CHECK(strcmp(r->operstate, "up") == 0, "%s", r->operstate);
		CHECK(strcmp(r->lladdr, "00:00:00:00:00:03") == 0, "%s", r->lladdr);
		CHECK_EQ(r->ipackets, 3000 + 0 + 5);
		CHECK_EQ(r->obytes, 3000 + 8 + 5);
		CHECK(r->flags_bool);
		CHECK(nb_sysctl_row_has(&t.ids[2], 2));
		CHECK(!nb_sysctl_row_has(&t.ids[2], 7));	/* stats.nosuch */
		CHECK_EQ(r->nosuch, 0);
		CHECK((t.colflags[2] & NB_SYSCTL_F_COUNTER) != 0);
		CHECK((t.colflags[1] & NB_SYSCTL_F_GAUGE) != 0);
		CHECK(nb_sysctl_table_percpu(&t, 2, 2, &ncpu) == NULL && ncpu == 0);
	}
	nb_sysctl_table_free(&t);

	/* Per-CPU: the vector of a counter column, in the same pass. */
	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.*", ifcols, 8, sizeof(struct ifrow),
	    NB_SYSCTL_RD_PERCPU, &t), 0);
	if (t.nrows == 3) {
		vec = nb_sysctl_table_percpu(&t, 1, 2, &ncpu);
		CHECK(vec != NULL && ncpu >= 2);
		if (vec != NULL && ncpu >= 2) {
			CHECK_EQ(vec[NB_SLOT_SOURCE], 2000);
			CHECK_EQ(vec[slot1], 5);
		}
		CHECK(nb_sysctl_table_percpu(&t, 1, 1, &ncpu) == NULL);	/* mtu: a gauge */
	}
	nb_sysctl_table_free(&t);

	/* One named object: one row; a missing one: -ENOENT. */
	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.br\\.0", ifcols, 2, sizeof(struct ifrow),
	    0, &t), 0);
	CHECK_EQ(t.nrows, 1);
	CHECK_EQ(t.ids[0].nkey, 0);
	CHECK_EQ(t.ids[0].index, 3);
	nb_sysctl_table_free(&t);
	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.nosuch", ifcols, 2, sizeof(struct ifrow),
	    0, &t), -ENOENT);
	nb_sysctl_table_free(&t);
	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.nosuch", ifcols, 2, sizeof(struct ifrow),
	    NB_SYSCTL_RD_WALKED, &t), -ENOENT);
	nb_sysctl_table_free(&t);
	/* A pattern with '*' and nothing there: empty. */
	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.*.nosuch.*", addrcols, 3,
	    sizeof(struct addrrow), 0, &t), 0);
	CHECK_EQ(t.nrows, 0);
	nb_sysctl_table_free(&t);

	CHECK_EQ(native_eq_walked(h, "net.interfaces.*", ifcols, 8, sizeof(struct ifrow), 0), 3);
	CHECK_EQ(native_eq_walked(h, "net.interfaces.*", ifcols, 8, sizeof(struct ifrow),
	    NB_SYSCTL_RD_PERCPU), 3);
	CHECK_EQ(native_eq_walked(h, "net.interfaces.eth0", ifcols, 8, sizeof(struct ifrow), 0), 1);
}

static void
test_addrs(struct nb_sysctl *h)
{
	struct nb_sysctl_table t;
	const struct addrrow *r;
	int rc;

	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.*.addrs.*", addrcols, 3,
	    sizeof(struct addrrow), 0, &t), 0);
	CHECK_EQ(t.nrows, 3);
	if (t.nrows == 3) {
		CHECK_EQ(t.ids[0].nkey, 2);
		CHECK(strcmp(t.ids[0].key[0], "eth0") == 0);
		CHECK(strcmp(t.ids[0].key[1], "0") == 0);
		CHECK_EQ(t.ids[0].index, 0);
		CHECK(strcmp(t.ids[2].key[0], "br.0") == 0);
		CHECK_EQ(t.ids[1].index, 1);
		r = nb_sysctl_table_row(&t, 1);
		CHECK(strcmp(r->family, "inet6") == 0);
		CHECK(strcmp(r->address, "fe80::2") == 0, "%s", r->address);
		CHECK_EQ(r->prefixlen, 64);
	}
	nb_sysctl_table_free(&t);
	CHECK_EQ(addrs_eq(h, "net.interfaces.*.addrs.*"), 3);
	rc = nb_sysctl_table_read(h, "net.interfaces.*.addrs.*", incols, 3, sizeof(struct inrow), 0,
	    &t);
	CHECK_RC(rc, 0);
	CHECK_EQ(t.nrows, 3);
	if (t.nrows == 3) {
		const struct inrow *in = nb_sysctl_table_row(&t, 1);
		static const uint8_t fe80_2[16] = { 0xfe, 0x80, [15] = 2 };

		CHECK(strcmp(in->address.text, "fe80::2") == 0 && in->address.len == 7);
		CHECK_EQ(in->address.family, AF_INET6);
		CHECK(memcmp(in->address.addr, fe80_2, 16) == 0);
		CHECK_EQ(in->prefixlen, 64);
	}
	nb_sysctl_table_free(&t);
}

static void
test_errors(struct nb_sysctl *h)
{
	struct nb_sysctl_table t;
	struct nb_sysctl_column bad[2] = {
		{ "mtu", NB_SYSCTL_INT, sizeof(struct ifrow) - 4, 0 },	/* outside the row */
		{ NULL, NB_SYSCTL_INT, 0, 0 },
	};
	struct nb_sysctl_column twice[2] = {
		{ "mtu", NB_SYSCTL_INT, 0, 0 },
		{ "mtu", NB_SYSCTL_INT, 8, 0 },
	};
	struct nb_sysctl_column nosize = { "lladdr", NB_SYSCTL_STRING, 0, 0 };
	struct nb_sysctl_column empty = { "stats..x", NB_SYSCTL_U64, 0, 0 };

	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.*", bad, 1, sizeof(struct ifrow), 0, &t),
	    -EINVAL);
	nb_sysctl_table_free(&t);
	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.*", bad + 1, 1, sizeof(struct ifrow), 0,
	    &t), -EINVAL);
	nb_sysctl_table_free(&t);
	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.*", twice, 2, 16, 0, &t), -EINVAL);
	nb_sysctl_table_free(&t);
	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.*", &nosize, 1, 16, 0, &t), -EINVAL);
	nb_sysctl_table_free(&t);
	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.*", &empty, 1, 16, 0, &t), -EINVAL);
	nb_sysctl_table_free(&t);
	CHECK_RC(nb_sysctl_table_read(h, "net..interfaces", twice, 1, 16, 0, &t), -EINVAL);
	nb_sysctl_table_free(&t);
	CHECK_RC(nb_sysctl_table_read(h, "*.*.*.*.*", twice, 1, 16, 0, &t), -EINVAL);
	nb_sysctl_table_free(&t);
	/* No columns: the objects and their identity alone. */
	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.*", NULL, 0, 0, 0, &t), 0);
	CHECK_EQ(t.nrows, 3);
	if (t.nrows == 3)
		CHECK_EQ(t.ids[1].index, 2);
	nb_sysctl_table_free(&t);
}

/* kern.hashstat.*: every table's numbers, native against walked. */
static const struct nb_sysctl_column hashcols[] = {
	{ "size", NB_SYSCTL_U64, 0, 0 },
	{ "used", NB_SYSCTL_U64, 8, 0 },
	{ "items", NB_SYSCTL_U64, 16, 0 },
	{ "maxchain", NB_SYSCTL_U64, 24, 0 },
};

/* ---- remote: the daemon's rows, against the local read and the remote walks ---- */

/* A serving thread: one client at a time, each request answered by nb_sysctl_serve. */
struct srv {
	struct nb_sysctl *of;
	int lfd;
	char path[108];
	pthread_t thread;
	bool up;
	bool v1only; /* answer as a daemon of protocol version 1 would */
	_Atomic unsigned ops[5]; /* requests by op: WALK 1 ... TABLE 4 */
};

static int
read_all(int fd, void *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		if ((r = read(fd, p, n)) <= 0)
			return -1;
		p = (char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

static int
emit_fd(const void *buf, size_t len, void *arg)
{
	int fd = *(int *)arg;
	uint8_t hdr[4] = { (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
		(uint8_t)(len >> 24) };

	if (write(fd, hdr, 4) != 4 || write(fd, buf, len) != (ssize_t)len)
		return -EPIPE;
	return 0;
}

static void *
srv_main(void *arg)
{
	struct srv *sv = arg;
	struct nb_sysctl_peer peer = { .uid = 0, .pid = 1, .may_write = true };
	struct nb_sysctl *h = NULL;
	static uint8_t req[NB_SYSCTL_WIRE_MAXREQ];
	uint8_t hdr[4];
	uint32_t len;
	int fd;

	if (nb_sysctl_open_peer(sv->of, &h) != 0)
		return NULL;
	while ((fd = accept(sv->lfd, NULL, NULL)) >= 0) {
		while (read_all(fd, hdr, 4) == 0) {
			len = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
			      (uint32_t)hdr[3] << 24;
			if (len > sizeof(req) || read_all(fd, req, len) != 0)
				break;
			if (len >= 2 && req[1] < 5)
				sv->ops[req[1]]++;
			/* A version 1 daemon refuses any other version (in version 1). */
			if (sv->v1only && len >= 1 && req[0] != 1)
				req[0] = 9;
			if (nb_sysctl_serve(h, &peer, req, len, emit_fd, &fd, NULL, 0) != 0)
				break;
		}
		close(fd);
	}
	nb_sysctl_close(&h);
	return NULL;
}

static void
srv_start(struct srv *sv, struct nb_sysctl *of, const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool ok;

	sv->of = of;
	snprintf(sv->path, sizeof(sv->path), "%s/s.sock", dir);
	memcpy(sa.sun_path, sv->path, strlen(sv->path));
	sv->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ok = sv->lfd >= 0 && bind(sv->lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    listen(sv->lfd, 4) == 0;
	CHECK(ok, "listen on %s", sv->path);
	sv->up = pthread_create(&sv->thread, NULL, srv_main, sv) == 0;
	CHECK(sv->up);
}

static void
srv_stop(struct srv *sv)
{
	shutdown(sv->lfd, SHUT_RDWR); /* accept returns: the thread ends */
	if (sv->up)
		pthread_join(sv->thread, NULL);
	close(sv->lfd);
	unlink(sv->path);
}

/* The remote handle's native read equals the local one and its own walked read. */
static size_t
remote_eq(struct nb_sysctl *lh, struct nb_sysctl *rh, const char *pattern,
    const struct nb_sysctl_column *cols, unsigned ncols, size_t rowsize, unsigned fl)
{
	struct nb_sysctl_table a, b;
	char what[256];
	size_t n;

	CHECK_RC(nb_sysctl_table_read(lh, pattern, cols, ncols, rowsize, fl, &a), 0);
	CHECK_RC(nb_sysctl_table_read(rh, pattern, cols, ncols, rowsize, fl, &b), 0);
	snprintf(what, sizeof(what), "remote %s", pattern);
	same_table(what, &a, &b);
	n = a.nrows;
	nb_sysctl_table_free(&a);
	nb_sysctl_table_free(&b);
	snprintf(what, sizeof(what), "remote walked %s", pattern);
	CHECK_EQ(native_eq_walked(rh, pattern, cols, ncols, rowsize, fl), n);
	return n;
}

static void
test_remote(struct nb_sysctl *h, const char *dir)
{
	struct nb_sysctl_opts o = { .backend = NB_SYSCTL_REMOTE };
	struct nb_sysctl_value v;
	struct nb_sysctl_table t;
	struct nb_sysctl *rh = NULL;
	size_t n;
	int rc;
	struct srv sv = { 0 };

	srv_start(&sv, h, dir);
	o.socket_path = sv.path;
	CHECK_RC(nb_sysctl_open(&o, &rh), 0);
	if (rh != NULL) {
		CHECK_EQ(remote_eq(h, rh, "net.interfaces.*", ifcols, 8, sizeof(struct ifrow), 0),
		    3);
		n = remote_eq(h, rh, "net.interfaces.*", ifcols, 8, sizeof(struct ifrow),
		    NB_SYSCTL_RD_PERCPU);
		CHECK_EQ(n, 3);
		n = remote_eq(h, rh, "net.interfaces.*.addrs.*", addrcols, 3,
		    sizeof(struct addrrow), 0);
		CHECK_EQ(n, 3);
		n = remote_eq(h, rh, "net.interfaces.*.addrs.*", incols, 3, sizeof(struct inrow), 0);
		CHECK_EQ(n, 3);
		CHECK_EQ(addrs_eq(rh, "net.interfaces.*.addrs.*"), 3);
		CHECK_EQ(remote_eq(h, rh, "net.interfaces.lo", ifcols, 8, sizeof(struct ifrow), 0),
		    1);
		CHECK(remote_eq(h, rh, "kern.hashstat.*", hashcols, 4, 32, 0) >= 2);
		/* Errors as a local read gives them, the detail carried. */
		rc = nb_sysctl_table_read(rh, "net.interfaces.nosuch", ifcols, 2,
		    sizeof(struct ifrow), 0, &t);
		CHECK_RC(rc, -ENOENT);
		nb_sysctl_table_free(&t);
		rc = nb_sysctl_table_read(rh, "net.bpf.peers.*", ifcols, 2, sizeof(struct ifrow),
		    0, &t);
		CHECK_RC(rc, 0);
		CHECK_EQ(t.nrows, 0);
		nb_sysctl_table_free(&t);
		/* One TABLE request, no walk; the stream stays in step. */
		unsigned walks = sv.ops[1], tables = sv.ops[4];

		rc = nb_sysctl_table_read(rh, "net.interfaces.*", ifcols, 8, sizeof(struct ifrow),
		    0, &t);
		CHECK_RC(rc, 0);
		CHECK_EQ(t.nrows, 3);
		nb_sysctl_table_free(&t);
		CHECK_EQ(sv.ops[1], walks);
		CHECK_EQ(sv.ops[4], tables + 1);
		CHECK_RC(nb_sysctl_get(rh, "net.interfaces.lo.mtu", 0, &v), 0);
		CHECK_EQ(v.i, 65536);
	}
	nb_sysctl_close(&rh);
	srv_stop(&sv);

	/* A daemon of version 1: the handle speaks version 1, tables through walks. */
	memset(&sv, 0, sizeof(sv));
	sv.v1only = true;
	srv_start(&sv, h, dir);
	o.socket_path = sv.path;
	CHECK_RC(nb_sysctl_open(&o, &rh), 0);
	if (rh != NULL) {
		n = remote_eq(h, rh, "net.interfaces.*", ifcols, 8, sizeof(struct ifrow), 0);
		CHECK_EQ(n, 3);
		CHECK_EQ(sv.ops[4], 0);
		CHECK(sv.ops[1] > 0);
	}
	nb_sysctl_close(&rh);
	srv_stop(&sv);
}

/* ---- replay: native from the decoded sample, against walked and live ---- */

static void
test_replay(struct nb_sysctl *h, const char *dir)
{
	struct nb_sysctl_opts o = { .backend = NB_SYSCTL_REPLAY, .replay_at_ns = INT64_MAX };
	struct nb_sysctl_table live, rep;
	struct nb_sysctl *rh = NULL;
	char db[512];

	snprintf(db, sizeof(db), "%s/h.db", dir);
	CHECK_RC(nb_sysctl_record_open(h, db, "test"), 0);
	/* While recording a table is read through the walk: the recorder sees it. */
	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.*", ifcols, 8, sizeof(struct ifrow), 0,
	    &live), 0);
	CHECK_RC(nb_sysctl_record_commit(h), 0);
	o.replay_path = db;
	CHECK_RC(nb_sysctl_open(&o, &rh), 0);
	if (rh != NULL) {
		CHECK_RC(nb_sysctl_table_read(rh, "net.interfaces.*", ifcols, 8,
		    sizeof(struct ifrow), 0, &rep), 0);
		same_table("replay against live", &live, &rep);
		nb_sysctl_table_free(&rep);
		CHECK_EQ(native_eq_walked(rh, "net.interfaces.*", ifcols, 8, sizeof(struct ifrow),
		    0), 3);
		CHECK_EQ(addrs_eq(rh, "net.interfaces.*.addrs.*"), 3);
		CHECK_EQ(native_eq_walked(rh, "net.interfaces.lo", ifcols, 8,
		    sizeof(struct ifrow), 0), 1);
		CHECK_RC(nb_sysctl_table_read(rh, "net.interfaces.nosuch", ifcols, 2,
		    sizeof(struct ifrow), 0, &rep), -ENOENT);
		nb_sysctl_table_free(&rep);
		CHECK_RC(nb_sysctl_table_read(rh, "net.bpf.peers.*", ifcols, 2,
		    sizeof(struct ifrow), 0, &rep), 0);
		CHECK_EQ(rep.nrows, 0);
		nb_sysctl_table_free(&rep);
	}
	nb_sysctl_table_free(&live);
	nb_sysctl_close(&rh);
}

/* ---- the native interface reader's row layouts, against the walk ---- */

/* The counters as an array in enum nb_ifstat order (nbnetstat's row), with
 * another column in the slot of one that is not asked for. */
struct arrrow {
	uint64_t	 st[NB_IFSTAT_MAX];
	uint64_t	 gen;
	char		 kind[8];
	char		 lladdr[8];	/* cut */
	int64_t		 operstate;	/* a text leaf in a number column: absent */
	int64_t		 txqlen;
	char		 flags[12];	/* a number leaf as text */
	int64_t		 index;
};

static struct nb_sysctl_column arrcols[NB_IFSTAT_MAX + 8];

/* Addresses: every leaf, some cut or in a column of another type. */
struct addrrow2 {
	char		 address[12];	/* cut */
	char		 prefixlen[4];	/* a number as text */
	int64_t		 family;	/* text in a number column: absent */
	char		 broadcast[48];
	struct nb_sysctl_inaddr peer;
	char		 scope[8];
	uint64_t	 flags;
};

static const struct nb_sysctl_column addrcols2[] = {
	{ "address", NB_SYSCTL_ADDRESS, offsetof(struct addrrow2, address), 12 },
	{ "prefixlen", NB_SYSCTL_STRING, offsetof(struct addrrow2, prefixlen), 4 },
	{ "family", NB_SYSCTL_INT, offsetof(struct addrrow2, family), 0 },
	{ "broadcast", NB_SYSCTL_ADDRESS, offsetof(struct addrrow2, broadcast), 48 },
	{ "peer", NB_SYSCTL_INADDR, offsetof(struct addrrow2, peer), 0 },
	{ "scope", NB_SYSCTL_STRING, offsetof(struct addrrow2, scope), 8 },
	{ "flags", NB_SYSCTL_U64, offsetof(struct addrrow2, flags), 0 },
};

static void
test_layouts(void)
{
	struct nb_stack_config cfg = { .nslots = 2 };
	struct nb_stack *st = NULL;
	struct nb_sysctl *h = NULL;
	struct nb_ifattrs ia;
	struct nb_addrattrs aa;
	struct nb_sysctl_table t;
	const struct arrrow *r;
	unsigned i, n = 0;
	int rc;

	for (i = 0; i < NB_IFSTAT_MAX; i++)
		if (i != NB_IFSTAT_OMCASTS)
			arrcols[n++] = (struct nb_sysctl_column){ NULL, NB_SYSCTL_U64,
			    offsetof(struct arrrow, st[i]), 0 };
	n = 0;
	for (i = 0; i < NB_IFSTAT_MAX; i++) {
		static char names[NB_IFSTAT_MAX][32];

		if (i == NB_IFSTAT_OMCASTS)
			continue;
		snprintf(names[i], sizeof(names[i]), "stats.%s", nb_ifstat_desc[i].name);
		arrcols[n++].leaf = names[i];
	}
	arrcols[n++] = (struct nb_sysctl_column){ "mtu", NB_SYSCTL_INT,
	    offsetof(struct arrrow, st[NB_IFSTAT_OMCASTS]), 0 };
	arrcols[n++] = (struct nb_sysctl_column){ "gen", NB_SYSCTL_U64, offsetof(struct arrrow, gen), 0 };
	arrcols[n++] = (struct nb_sysctl_column){ "kind", NB_SYSCTL_STRING,
	    offsetof(struct arrrow, kind), 8 };
	arrcols[n++] = (struct nb_sysctl_column){ "lladdr", NB_SYSCTL_ADDRESS,
	    offsetof(struct arrrow, lladdr), 8 };
	arrcols[n++] = (struct nb_sysctl_column){ "operstate", NB_SYSCTL_INT,
	    offsetof(struct arrrow, operstate), 0 };
	arrcols[n++] = (struct nb_sysctl_column){ "txqlen", NB_SYSCTL_INT,
	    offsetof(struct arrrow, txqlen), 0 };
	arrcols[n++] = (struct nb_sysctl_column){ "flags", NB_SYSCTL_STRING,
	    offsetof(struct arrrow, flags), 12 };
	arrcols[n++] = (struct nb_sysctl_column){ "index", NB_SYSCTL_INT,
	    offsetof(struct arrrow, index), 0 };

	CHECK_RC(nb_stack_create(&cfg, &st), 0);
	if (st == NULL)
		return;
	CHECK_RC(nb_slot_acquire(st, &slot1), 0);
	mkif(st, 1, "lo", 65536, NULL);
	mkif(st, 2, "eth0", 1500, NULL);
	/* What a root file system does not tell: absent leaves, the name's
	 * number for an index. */
	memset(&ia, 0, sizeof(ia));
	ia.index = 7;
	snprintf(ia.name, sizeof(ia.name), "42");
	snprintf(ia.kind, sizeof(ia.kind), "a-long-kind");
	ia.unknown = NB_IFA_INDEX | NB_IFA_MTU | NB_IFA_OPERSTATE | NB_IFA_LLADDR | NB_IFA_ADDRS;
	CHECK_RC(nb_if_upsert(st, &ia, NULL), 0);
	fillstats(st, 1);
	fillstats(st, 2);
	mkaddr(st, 2, AF_INET, "192.168.100.200", 24);
	memset(&aa, 0, sizeof(aa));
	aa.ifindex = 2;
	aa.family = AF_INET;
	aa.prefixlen = 32;
	aa.has_peer = 1;
	aa.has_brd = 1;
	aa.scope = 253;
	aa.flags = 0x80;
	CHECK(inet_pton(AF_INET, "10.1.2.3", aa.addr) == 1);
	CHECK(inet_pton(AF_INET, "10.1.2.4", aa.peer) == 1);
	CHECK(inet_pton(AF_INET, "10.1.2.255", aa.brd) == 1);
	CHECK_RC(nb_addr_add(st, &aa), 0);
	memset(&aa, 0, sizeof(aa));
	aa.ifindex = 1;
	aa.family = AF_INET6;
	aa.prefixlen = 128;
	aa.unknown = NB_ADDRA_SCOPE | NB_ADDRA_FLAGS;
	CHECK(inet_pton(AF_INET6, "2001:db8:1:2:3:4:5:6", aa.addr) == 1);
	CHECK_RC(nb_addr_add(st, &aa), 0);
	CHECK_RC(nb_sysctl_open_stack(st, NULL, &h), 0);
	if (h != NULL) {
		size_t rs = sizeof(struct arrrow), as = sizeof(struct addrrow2);

		CHECK_EQ(native_eq_walked(h, "net.interfaces.*", arrcols, n, rs, 0), 3);
		CHECK_EQ(native_eq_walked(h, "net.interfaces.42", arrcols, n, rs, 0), 1);
		CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.*", arrcols, n, rs, 0, &t), 0);
		if (t.nrows == 3) {
			r = nb_sysctl_table_row(&t, 1);
			CHECK_EQ(r->st[NB_IFSTAT_OMCASTS], 1500);	/* mtu in the slot */
			CHECK_EQ(r->st[NB_IFSTAT_IBYTES], 2000 + NB_IFSTAT_IBYTES + 5);
			CHECK_EQ(t.ids[2].index, 42);
			CHECK(!nb_sysctl_row_has(&t.ids[2], NB_IFSTAT_MAX - 1));	/* its mtu */
			r = nb_sysctl_table_row(&t, 2);
			CHECK_EQ(r->st[NB_IFSTAT_OMCASTS], 0);
			CHECK(strcmp(r->kind, "a-long-") == 0, "%s", r->kind);
		}
		nb_sysctl_table_free(&t);
		/* Columns at odd places: runs of counters, not the array. */
		CHECK_EQ(native_eq_walked(h, "net.interfaces.*", arrcols + 1, n - 1, rs, 0), 3);
		CHECK_EQ(native_eq_walked(h, "net.interfaces.*", ifcols, 8, sizeof(struct ifrow), 0),
		    3);
		CHECK_EQ(native_eq_walked(h, "net.interfaces.*.addrs.*", addrcols2, 7, as, 0), 3);
		CHECK_EQ(native_eq_walked(h, "net.interfaces.eth0.addrs.*", addrcols2, 7, as, 0), 2);
		CHECK_EQ(addrs_eq(h, "net.interfaces.lo.addrs.*"), 1);
		CHECK_EQ(addrs_eq(h, "net.interfaces.*.addrs.*"), 3);
		/* the peer as INADDR: present where the address has one */
		rc = nb_sysctl_table_read(h, "net.interfaces.eth0.addrs.*", addrcols2, 7, as, 0, &t);
		CHECK_RC(rc, 0);
		CHECK_EQ(t.nrows, 2);
		if (t.nrows == 2) {
			const struct addrrow2 *a2 = nb_sysctl_table_row(&t, 1);

			CHECK(!nb_sysctl_row_has(&t.ids[0], 4));
			CHECK(nb_sysctl_row_has(&t.ids[1], 4));
			check_inaddr("peer", &a2->peer, "10.1.2.4");
		}
		nb_sysctl_table_free(&t);
	}
	nb_sysctl_close(&h);
	nb_slot_release(st, slot1);
	nb_stack_destroy(&st);
}

/* ---- the sim: every kind of object, native against walked ---- */

static int
count_cb(const struct nb_sysctl_entry *e, void *arg)
{
	(void)e;
	(*(size_t *)arg)++;
	return 0;
}

static void
test_sim(const char *dir)
{
	/* A still sim: its workers stop after 20 ms and nothing churns, so two
	 * reads of the same sample see the same counters (rate=0 is no limit:
	 * the counters would move between the native and the walked read). */
	static const char args[] = "workers=2,ifaces=6,addrs=2,descs=4,rate=100000,"
				   "duration=0.02,churn=0,seed=3";
	struct nb_sysctl_opts o = { .backend = NB_SYSCTL_LOCAL, .source = "sim", .source_args = args };
	struct nb_sysctl_column gen[16];
	static const char *const bpfleaves[] = { "pid", "rcount", "dcount", "ccount", "bufsize" };
	static const char *const snleaves[] = { "processed", "dropped", "time_squeeze" };
	struct nb_sysctl *h = NULL;
	size_t n;
	unsigned i;

	if (nb_sysctl_open(&o, &h) != 0) {
		CHECK(!"sim handle");
		return;
	}
	/* Start the sim (the first read loads it), let its workers end. */
	(void)nb_sysctl_walk(h, "net.interfaces", NB_SYSCTL_RD_NOVALUE, count_cb, &n);
	usleep(300 * 1000);
	nb_sysctl_sample(h);
	n = native_eq_walked(h, "net.interfaces.*", ifcols, 8, sizeof(struct ifrow), 0);
	CHECK(n >= 6, "%zu interfaces", n);
	addrs_eq(h, "net.interfaces.*.addrs.*");
	for (i = 0; i < 5; i++)
		gen[i] = (struct nb_sysctl_column){ bpfleaves[i], NB_SYSCTL_U64, 8 * i, 0 };
	gen[5] = (struct nb_sysctl_column){ "ifname", NB_SYSCTL_STRING,
	    offsetof(struct genrow, s[0]), 64 };
	CHECK(native_eq_walked(h, "net.bpf.peers.*", gen, 6, sizeof(struct genrow), 0) > 0);
	for (i = 0; i < 3; i++)
		gen[i] = (struct nb_sysctl_column){ snleaves[i], NB_SYSCTL_U64, 8 * i, 0 };
	/* The sim has no softnet: an empty table, the same both ways. */
	CHECK(native_eq_walked(h, "net.softnet.*", gen, 3, sizeof(struct genrow), 0) == 0);
	CHECK(native_eq_walked(h, "kern.hashstat.*", hashcols, 4, sizeof(struct genrow), 0) > 0);
	gen[0] = (struct nb_sysctl_column){ "dst", NB_SYSCTL_ADDRESS, offsetof(struct genrow, s[0]),
	    64 };
	gen[1] = (struct nb_sysctl_column){ "ifname", NB_SYSCTL_STRING,
	    offsetof(struct genrow, s[1]), 64 };
	gen[2] = (struct nb_sysctl_column){ "prefixlen", NB_SYSCTL_INT, 0, 0 };
	CHECK(native_eq_walked(h, "net.route.*.*", gen, 3, sizeof(struct genrow), 0) > 0);
	/* A protocol statistics group: one row, per-CPU vectors from the workers. */
	gen[0] = (struct nb_sysctl_column){ "inreceives", NB_SYSCTL_U64, 0, 0 };
	gen[1] = (struct nb_sysctl_column){ "outrequests", NB_SYSCTL_U64, 8, 0 };
	CHECK(native_eq_walked(h, "net.inet.ip.stats", gen, 2, sizeof(struct genrow), 0) == 1);
	CHECK(native_eq_walked(h, "net.inet.*.stats", gen, 2, sizeof(struct genrow),
	    NB_SYSCTL_RD_PERCPU) >= 1);
	/* Through a daemon's socket: the per-CPU vectors and the capture peers too. */
	{
		struct nb_sysctl_opts ro = { .backend = NB_SYSCTL_REMOTE };
		struct nb_sysctl *rh = NULL;
		struct srv sv = { 0 };

		srv_start(&sv, h, dir);
		ro.socket_path = sv.path;
		CHECK_RC(nb_sysctl_open(&ro, &rh), 0);
		if (rh != NULL) {
			CHECK(remote_eq(h, rh, "net.inet.*.stats", gen, 2, sizeof(struct genrow),
			    NB_SYSCTL_RD_PERCPU) >= 1);
			CHECK(remote_eq(h, rh, "net.interfaces.*", ifcols, 8, sizeof(struct ifrow),
			    NB_SYSCTL_RD_PERCPU) >= 6);
			for (i = 0; i < 5; i++)
				gen[i] = (struct nb_sysctl_column){ bpfleaves[i], NB_SYSCTL_U64, 8 * i,
					0 };
			CHECK(remote_eq(h, rh, "net.bpf.peers.*", gen, 6, sizeof(struct genrow), 0) >
			    0);
		}
		nb_sysctl_close(&rh);
		srv_stop(&sv);
	}
	nb_sysctl_close(&h);
}

/* Sockets of several kinds, every leaf shape: the native net.pcb reader equals the walk. */
struct pcbrow {
	char s[6][48];
	uint64_t u[14];
};

static const struct nb_sysctl_column pcbcols[] = {
	{ "family", NB_SYSCTL_STRING, offsetof(struct pcbrow, s[0]), 48 },
	{ "type", NB_SYSCTL_STRING, offsetof(struct pcbrow, s[1]), 48 },
	{ "laddr", NB_SYSCTL_STRING, offsetof(struct pcbrow, s[2]), 48 },
	{ "faddr", NB_SYSCTL_STRING, offsetof(struct pcbrow, s[3]), 48 },
	{ "state", NB_SYSCTL_STRING, offsetof(struct pcbrow, s[4]), 48 },
	{ "path", NB_SYSCTL_STRING, offsetof(struct pcbrow, s[5]), 48 },
	{ "proto", NB_SYSCTL_INT, offsetof(struct pcbrow, u[0]), 0 },
	{ "lport", NB_SYSCTL_INT, offsetof(struct pcbrow, u[1]), 0 },
	{ "fport", NB_SYSCTL_INT, offsetof(struct pcbrow, u[2]), 0 },
	{ "rxq", NB_SYSCTL_U64, offsetof(struct pcbrow, u[3]), 0 },
	{ "txq", NB_SYSCTL_U64, offsetof(struct pcbrow, u[4]), 0 },
	{ "uid", NB_SYSCTL_INT, offsetof(struct pcbrow, u[5]), 0 },
	{ "inode", NB_SYSCTL_U64, offsetof(struct pcbrow, u[6]), 0 },
	{ "peer", NB_SYSCTL_U64, offsetof(struct pcbrow, u[7]), 0 },
	{ "pid", NB_SYSCTL_INT, offsetof(struct pcbrow, u[8]), 0 },
	{ "rtt", NB_SYSCTL_U64, offsetof(struct pcbrow, u[9]), 0 },
	{ "retrans", NB_SYSCTL_U64, offsetof(struct pcbrow, u[10]), 0 },
	{ "bytes_received", NB_SYSCTL_U64, offsetof(struct pcbrow, u[11]), 0 },
	{ "comm", NB_SYSCTL_STRING, offsetof(struct pcbrow, s[5]), 16 },
	{ "nosuch", NB_SYSCTL_U64, offsetof(struct pcbrow, u[12]), 0 },
};

static void
test_pcb(struct nb_stack *st, struct nb_sysctl *h)
{
	struct nb_pcb v[6];
	struct nb_sysctl_table t;
	const struct pcbrow *r;
	const unsigned nc = sizeof(pcbcols) / sizeof(pcbcols[0]);

	memset(v, 0, sizeof(v));
	/* tcp, out of cookie order: an established one with owner and details, a listener. */
	v[0] = (struct nb_pcb){ .cookie = 9, .inode = 100, .kind = NB_PCB_TCP, .family = AF_INET, .stype = SOCK_STREAM, .state = 1, .lport = 22, .fport = 40000, .rxq = 3, .txq = 4, .uid = 1000, .has = NB_PCB_HAS_OWNER | NB_PCB_HAS_TCPINFO, .pid = 42, .comm = "sshd", .rtt = 1500, .retrans = 2, .bytes_received = 777 };
	CHECK(inet_pton(AF_INET, "10.0.0.1", v[0].laddr) == 1);
	CHECK(inet_pton(AF_INET, "10.0.0.2", v[0].faddr) == 1);
	v[1] = (struct nb_pcb){ .cookie = 3, .inode = 101, .kind = NB_PCB_TCP, .family = AF_INET, .stype = SOCK_STREAM, .state = 10, .lport = 22, .txq = 128 };
	v[2] = (struct nb_pcb){ .cookie = 5, .inode = 102, .kind = NB_PCB_RAW, .family = AF_INET, .stype = SOCK_RAW, .state = 7, .proto = 1 };
	v[3] = (struct nb_pcb){ .cookie = 7, .inode = 103, .kind = NB_PCB_UNIX, .family = AF_UNIX, .stype = SOCK_STREAM, .state = 10, .path = "/run/x.sock" };
	v[4] = (struct nb_pcb){ .cookie = 8, .inode = 104, .kind = NB_PCB_UNIX, .family = AF_UNIX, .stype = SOCK_DGRAM, .state = 1, .has = NB_PCB_HAS_PEER, .peer = 103 };
	v[5] = (struct nb_pcb){ .cookie = 2, .inode = 0, .kind = NB_PCB_TCP6, .family = AF_INET6, .stype = SOCK_STREAM, .state = 6, .lport = 443, .fport = 5000 };
	CHECK(inet_pton(AF_INET6, "fd00::1", v[5].laddr) == 1);
	CHECK_RC(nb_pcbs_publish(st, true, v, 6), 0);
	CHECK_EQ(native_eq_walked(h, "net.pcb.tcp.*", pcbcols, nc, sizeof(struct pcbrow), 0), 2);
	CHECK_EQ(native_eq_walked(h, "net.pcb.tcp6.*", pcbcols, nc, sizeof(struct pcbrow), 0), 1);
	CHECK_EQ(native_eq_walked(h, "net.pcb.raw.*", pcbcols, nc, sizeof(struct pcbrow), 0), 1);
	CHECK_EQ(native_eq_walked(h, "net.pcb.unix.*", pcbcols, nc, sizeof(struct pcbrow), 0), 2);
	CHECK_EQ(native_eq_walked(h, "net.pcb.udp.*", pcbcols, nc, sizeof(struct pcbrow), 0), 0);
	CHECK_EQ(native_eq_walked(h, "net.pcb.tcp.*", pcbcols + 4, 3, sizeof(struct pcbrow), 0), 2);
	/* By cookie; the values as published. */
	CHECK_RC(nb_sysctl_table_read(h, "net.pcb.tcp.*", pcbcols, nc, sizeof(struct pcbrow), 0,
		     &t),
	    0);
	CHECK_EQ(t.nrows, 2);
	if (t.nrows == 2) {
		r = nb_sysctl_table_row(&t, 1);
		CHECK(strcmp(t.ids[0].key[0], "3") == 0 && strcmp(t.ids[1].key[0], "9") == 0);
		CHECK(strcmp(r->s[2], "10.0.0.1") == 0 && strcmp(r->s[4], "ESTABLISHED") == 0);
		CHECK(r->u[1] == 22 && r->u[2] == 40000 && r->u[8] == 42 && r->u[11] == 777);
		CHECK(!nb_sysctl_row_has(&t.ids[0], 14) && nb_sysctl_row_has(&t.ids[1], 14));
	}
	nb_sysctl_table_free(&t);
}

/* kern.intr.<name>: lines of a published snapshot, per-CPU leaves by CPU number. */
static void
test_intr(struct nb_stack *st, struct nb_sysctl *h)
{
	static const struct nb_sysctl_column cols[] = {
		{ "count", NB_SYSCTL_U64, 0, 0 },
		{ "cpu.0", NB_SYSCTL_U64, 8, 0 },
		{ "cpu.2", NB_SYSCTL_U64, 16, 0 },
		{ "chip", NB_SYSCTL_STRING, 24, 16 },
	};
	const uint32_t cpus[] = { 0, 2 };
	const uint64_t c0[] = { 5, 7 };
	struct nb_intr in[3] = {
		{ .name = "0", .descr = "IO-APIC 2-edge timer", .chip = "IO-APIC", .hwirq = "2-edge", .actions = "timer", .total = 12, .percpu = c0 },
		{ .name = "LOC", .descr = "Local timer interrupts", .total = 0, .percpu = NULL },
		{ .name = "ERR", .descr = "", .total = 3 },
	};
	struct nb_sysctl_table t;
	const uint64_t *r;

	CHECK_RC(nb_intrs_publish(st, cpus, 2, in, 3), 0);
	in[2].name = "0";
	CHECK_RC(nb_intrs_publish(st, cpus, 2, in, 3), -EINVAL); /* a name twice */
	CHECK_RC(nb_sysctl_table_read(h, "kern.intr.*", cols, 4, 40, 0, &t), 0);
	CHECK_EQ(t.nrows, 3);
	if (t.nrows == 3) {
		r = nb_sysctl_table_row(&t, 0);
		CHECK(strcmp(t.ids[0].key[0], "0") == 0 && strcmp(t.ids[2].key[0], "ERR") == 0);
		CHECK(r[0] == 12 && r[1] == 5 && r[2] == 7);
		CHECK(strcmp((const char *)(r + 3), "IO-APIC") == 0);
		CHECK(!nb_sysctl_row_has(&t.ids[2], 1) && nb_sysctl_row_has(&t.ids[2], 0));
		CHECK((t.colflags[0] & NB_SYSCTL_F_COUNTER) != 0);
	}
	nb_sysctl_table_free(&t);
	CHECK_RC(nb_sysctl_table_read(h, "kern.intr.*", cols, 4, 40, NB_SYSCTL_RD_PERCPU, &t), 0);
	if (t.nrows == 3) {
		unsigned n = 0;
		const uint64_t *vec = nb_sysctl_table_percpu(&t, 0, 0, &n);

		/* The count's vector is indexed by CPU number: CPU 1 is offline, 0. */
		CHECK(vec != NULL && n == 3 && vec[0] == 5 && vec[1] == 0 && vec[2] == 7);
	}
	nb_sysctl_table_free(&t);
}

/* ---- many interfaces: the native reader's fast paths against the walk ---- */

/* Interface i's name: 1 to 15 bytes, some with '.', '\\' or bytes past ASCII. */
static void
many_name(unsigned i, char *name)
{
	static const char fill[] = "abcdefghijklmno";
	size_t len = 1 + i % 15, n;

	n = (size_t)snprintf(name, 16, "%u", i);
	if (n < len) {
		memmove(name + len - n, name, n + 1);
		memcpy(name, fill, len - n);
	}
	if (i % 7 == 3 && len > n)
		name[0] = '.';
	if (i % 11 == 5 && len > n)
		name[0] = '\\';
	if (i % 13 == 6 && len > n)
		name[0] = (char)0xe9;
}

struct manyrow {
	char		 name[16];	/* the name through its key */
	char		 lladdr[3 * NB_LLADDR_MAX + 1];
	char		 llshort[10];	/* cut: the text through put_text */
	int64_t		 mtu;
	uint64_t	 ipackets;
};

static const struct nb_sysctl_column manycols[] = {
	{ "lladdr", NB_SYSCTL_ADDRESS, offsetof(struct manyrow, lladdr), 3 * NB_LLADDR_MAX + 1 },
	{ "mtu", NB_SYSCTL_INT, offsetof(struct manyrow, mtu), 0 },
	{ "stats.ipackets", NB_SYSCTL_U64, offsetof(struct manyrow, ipackets), 0 },
};

static const struct nb_sysctl_column manyshort[] = {
	{ "lladdr", NB_SYSCTL_ADDRESS, offsetof(struct manyrow, llshort), 10 },
	{ "mtu", NB_SYSCTL_INT, offsetof(struct manyrow, mtu), 0 },
};

/* MACs of every length (cut) and a number as INADDR: text only. */
struct manyin {
	struct nb_sysctl_inaddr lladdr;
	struct nb_sysctl_inaddr mtu;
};

static const struct nb_sysctl_column manyincols[] = {
	{ "lladdr", NB_SYSCTL_INADDR, offsetof(struct manyin, lladdr), 0 },
	{ "mtu", NB_SYSCTL_INADDR, offsetof(struct manyin, mtu), 0 },
};

/* The rows of net.interfaces.* are the interfaces alive, by index, with their own text. */
static void
many_check(struct nb_sysctl *h, const bool *alive, unsigned n, uint8_t (*ll)[NB_LLADDR_MAX])
{
	struct nb_sysctl_table t;
	char name[16], want[3 * NB_LLADDR_MAX + 1];
	size_t row = 0, k, rs = sizeof(struct manyrow);
	unsigned i;

	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.*", manycols, 3, rs, 0, &t), 0);
	for (i = 1; i <= n; i++) {
		const struct manyrow *r;

		if (!alive[i])
			continue;
		CHECK(row < t.nrows, "interface %u: no row", i);
		if (row >= t.nrows)
			break;
		r = nb_sysctl_table_row(&t, row);
		many_name(i, name);
		CHECK(t.ids[row].index == (int64_t)i && t.ids[row].nkey == 1 &&
		    strcmp(t.ids[row].key[0], name) == 0,
		    "row %zu: %" PRId64 " %s, want %u %s", row, t.ids[row].index, t.ids[row].key[0],
		    i, name);
		for (k = 0; k < i % 33; k++)
			snprintf(want + 3 * k, 4, "%02x:", ll[i][k]);
		want[k > 0 ? 3 * k - 1 : 0] = '\0';
		CHECK(strcmp(r->lladdr, want) == 0, "%u: %s, want %s", i, r->lladdr, want);
		CHECK_EQ(r->mtu, 1000 + i);
		row++;
	}
	CHECK_EQ(t.nrows, row);
	nb_sysctl_table_free(&t);
}

static void
test_many(void)
{
	enum { N = 1200 };
	struct nb_stack_config cfg = { .nslots = 2 };
	struct nb_stack *st = NULL;
	struct nb_sysctl *h = NULL;
	struct nb_ifattrs ia;
	struct nb_sysctl_table t, t2;
	int rc;
	static uint8_t ll[N + 1][NB_LLADDR_MAX];
	static bool alive[N + 1];
	char addr[64], name[16];
	unsigned i, j, k, seed = 4242, order;
	size_t rs = sizeof(struct manyrow);

	CHECK_RC(nb_stack_create(&cfg, &st), 0);
	if (st == NULL)
		return;
	/* Created out of index order (the reader sorts them), lladdr of every length. */
	for (order = 0; order < N; order++) {
		i = 1 + (order * 7u) % N;
		memset(&ia, 0, sizeof(ia));
		ia.index = i;
		many_name(i, ia.name);
		ia.type = 1;
		ia.flags = 0x1003;
		ia.mtu = 1000 + i;
		ia.operstate = i % 8;
		ia.lladdr_len = i % 33;
		for (k = 0; k < NB_LLADDR_MAX; k++) {
			seed = seed * 1103515245u + 12345u;
			ll[i][k] = (uint8_t)(seed >> 16);
		}
		memcpy(ia.lladdr, ll[i], sizeof(ia.lladdr));
		CHECK_RC(nb_if_upsert(st, &ia, NULL), 0);
		alive[i] = true;
		/* 0, 1 or 13 addresses (two-digit numbers), IPv4 and IPv6. */
		for (j = 0; j < (i % 3 == 0 ? 0u : (i % 3 == 1 ? 1u : 13u)); j++) {
			if (j % 2 == 0) {
				snprintf(addr, sizeof(addr), "10.%u.%u.%u", i / 256, i % 256, j);
				mkaddr(st, i, AF_INET, addr, (int)(8 + i % 25));
			} else {
				snprintf(addr, sizeof(addr), "2001:db8:%x::%x", i, j);
				mkaddr(st, i, AF_INET6, addr, (int)(48 + i % 81));
			}
		}
	}
	CHECK_RC(nb_sysctl_open_stack(st, NULL, &h), 0);
	if (h == NULL) {
		nb_stack_destroy(&st);
		return;
	}
	many_check(h, alive, N, ll);
	CHECK_EQ(native_eq_walked(h, "net.interfaces.*", manycols, 3, rs, 0), N);
	CHECK_EQ(native_eq_walked(h, "net.interfaces.*", manyshort, 2, rs, 0), N);
	CHECK_EQ(native_eq_walked(h, "net.interfaces.*", manyincols, 2, sizeof(struct manyin), 0),
	    N);
	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.*", manycols, 3, rs, 0, &t), 0);
	rc = nb_sysctl_table_read(h, "net.interfaces.*", manyincols, 2, sizeof(struct manyin), 0,
	    &t2);
	CHECK_RC(rc, 0);
	CHECK_EQ(t.nrows, t2.nrows);
	for (k = 0; k < t.nrows && k < t2.nrows; k++) {
		const struct manyrow *r = nb_sysctl_table_row(&t, k);
		const struct manyin *m = nb_sysctl_table_row(&t2, k);
		char mtu[24];

		snprintf(mtu, sizeof(mtu), "%" PRId64, r->mtu);
		check_inaddr("lladdr", &m->lladdr, r->lladdr);
		check_inaddr("mtu", &m->mtu, mtu);
	}
	nb_sysctl_table_free(&t);
	nb_sysctl_table_free(&t2);
	/* Interfaces then addresses, nothing changed between: the addresses'
	 * read reuses the sorted interfaces. */
	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.*", manycols, 3, rs, 0, &t), 0);
	nb_sysctl_table_free(&t);
	CHECK(addrs_eq(h, "net.interfaces.*.addrs.*") == N / 3 * 14);
	CHECK_EQ(addrs_eq(h, "net.interfaces.p.addrs.*"), 0);
	many_name(2, name);
	snprintf(addr, sizeof(addr), "net.interfaces.%s.addrs.*", name);
	CHECK_EQ(addrs_eq(h, addr), 13);

	/* The interfaces change between two reads: some go, some come (one
	 * with a lower index than all), one is renamed; a named read comes
	 * between: every read shows the stack as it is then. */
	for (i = 5; i <= N; i += 97) {
		CHECK_RC(nb_if_delete(st, i, NULL), 0);
		alive[i] = false;
	}
	many_check(h, alive, N, ll);
	snprintf(addr, sizeof(addr), "net.interfaces.%s", name);
	CHECK_RC(nb_sysctl_table_read(h, addr, manycols, 3, rs, 0, &t), 0);
	CHECK_EQ(t.nrows, 1);
	nb_sysctl_table_free(&t);
	CHECK_RC(nb_sysctl_table_read(h, "net.interfaces.*", manycols, 3, rs, 0, &t), 0);
	CHECK_EQ(t.nrows, N - (N - 5) / 97 - 1);
	nb_sysctl_table_free(&t);
	for (i = 5; i <= N; i += 194) {
		memset(&ia, 0, sizeof(ia));
		ia.index = i;
		many_name(i, ia.name);
		ia.mtu = 1000 + i;
		ia.lladdr_len = i % 33;
		memcpy(ia.lladdr, ll[i], sizeof(ia.lladdr));
		CHECK_RC(nb_if_upsert(st, &ia, NULL), 0);
		alive[i] = true;
	}
	many_check(h, alive, N, ll);
	CHECK_EQ(native_eq_walked(h, "net.interfaces.*", manycols, 3, rs, 0),
	    N - (N - 5) / 97 - 1 + (N - 5) / 194 + 1);
	CHECK(addrs_eq(h, "net.interfaces.*.addrs.*") > 0);
	nb_sysctl_close(&h);
	nb_stack_destroy(&st);
}

/* Every kind of interface leaf, for the split plan's puts. */
struct sortedrow {
	uint64_t	 gen;
	char		 kind[8];
	char		 master[16];
	int64_t		 link;
	char		 operstate[16];
	char		 lladdr[24];	/* long ones cut: through put_text */
	uint64_t	 ipackets;
	int64_t		 mtu;
	int64_t		 index;
};

static const struct nb_sysctl_column sortedcols[] = {
	{ "gen", NB_SYSCTL_U64, offsetof(struct sortedrow, gen), 0 },
	{ "kind", NB_SYSCTL_STRING, offsetof(struct sortedrow, kind), 8 },
	{ "master", NB_SYSCTL_STRING, offsetof(struct sortedrow, master), 16 },
	{ "link", NB_SYSCTL_INT, offsetof(struct sortedrow, link), 0 },
	{ "operstate", NB_SYSCTL_STRING, offsetof(struct sortedrow, operstate), 16 },
	{ "lladdr", NB_SYSCTL_ADDRESS, offsetof(struct sortedrow, lladdr), 24 },
	{ "stats.ipackets", NB_SYSCTL_U64, offsetof(struct sortedrow, ipackets), 0 },
	{ "mtu", NB_SYSCTL_INT, offsetof(struct sortedrow, mtu), 0 },
	{ "index", NB_SYSCTL_INT, offsetof(struct sortedrow, index), 0 },
};

/*
 * Interfaces created by index (the address table's one walk of every
 * address), some whose source does not know a leaf or their addresses,
 * operational states past the named ones, masters: native against walked,
 * with every column set above, before and after the order is broken.
 */
static void
test_many_sorted(void)
{
	enum { N = 600 };
	struct nb_stack_config cfg = { .nslots = 2 };
	struct nb_stack *st = NULL;
	struct nb_sysctl *h = NULL;
	struct nb_ifattrs ia;
	char addr[64], name[16];
	unsigned i, j, k, seed = 77, ncols = 0, m;
	size_t rs = sizeof(struct manyrow), n;
	size_t srs = sizeof(struct sortedrow), ars = sizeof(struct arrrow);
	size_t as2 = sizeof(struct addrrow2);

	while (ncols < sizeof(arrcols) / sizeof(arrcols[0]) && arrcols[ncols].leaf != NULL)
		ncols++;
	CHECK_RC(nb_stack_create(&cfg, &st), 0);
	if (st == NULL)
		return;
	for (i = 1; i <= N; i++) {
		memset(&ia, 0, sizeof(ia));
		ia.index = i;
		many_name(i, ia.name);
		snprintf(ia.kind, sizeof(ia.kind), "%s", i % 2 ? "veth" : "a-long-kind");
		ia.type = 1;
		ia.flags = 0x1003;
		ia.mtu = 1000 + i;
		ia.link = i % 5;
		ia.master = i % 23 == 0 ? 1 : 0;
		ia.operstate = i % 9;
		ia.lladdr_len = i % 33;
		for (k = 0; k < NB_LLADDR_MAX; k++) {
			seed = seed * 1103515245u + 12345u;
			ia.lladdr[k] = (uint8_t)(seed >> 16);
		}
		if (i % 17 == 4)
			ia.unknown |= NB_IFA_ADDRS;
		if (i % 19 == 7)
			ia.unknown |= NB_IFA_MTU | NB_IFA_OPERSTATE;
		CHECK_RC(nb_if_upsert(st, &ia, NULL), 0);
		for (j = 0; j < (i % 3 == 0 ? 0u : (i % 3 == 1 ? 1u : 13u)); j++) {
			if (j % 2 == 0) {
				snprintf(addr, sizeof(addr), "10.%u.%u.%u", i / 256, i % 256, j);
				mkaddr(st, i, AF_INET, addr, (int)(8 + i % 25));
			} else {
				snprintf(addr, sizeof(addr), "2001:db8:%x::%x", i, j);
				mkaddr(st, i, AF_INET6, addr, (int)(48 + i % 81));
			}
		}
	}
	CHECK_RC(nb_sysctl_open_stack(st, NULL, &h), 0);
	if (h == NULL) {
		nb_stack_destroy(&st);
		return;
	}
	/* Round 0 by index; round 1 after some went and one came back
	 * last in libstack's order with a low index (the walk per interface). */
	for (k = 0, m = N; k < 2; k++) {
		CHECK_EQ(native_eq_walked(h, "net.interfaces.*", manycols, 3, rs, 0), m);
		CHECK_EQ(native_eq_walked(h, "net.interfaces.*", manyshort, 2, rs, 0), m);
		CHECK_EQ(native_eq_walked(h, "net.interfaces.*", sortedcols, 9, srs, 0), m);
		CHECK_EQ(native_eq_walked(h, "net.interfaces.*", ifcols, 8, sizeof(struct ifrow), 0),
		    m);
		CHECK_EQ(native_eq_walked(h, "net.interfaces.*", arrcols, ncols, ars, 0), m);
		/* The interfaces' table first: the addresses' reuses its vector. */
		n = addrs_eq(h, "net.interfaces.*.addrs.*");
		CHECK(n > N / 3 * 10, "%zu address rows", n);
		CHECK_EQ(addrs_eq(h, "net.interfaces.*.addrs.*"), n);
		CHECK_EQ(native_eq_walked(h, "net.interfaces.*.addrs.*", addrcols2, 7, as2, 0), n);
		many_name(2, name);
		snprintf(addr, sizeof(addr), "net.interfaces.%s.addrs.*", name);
		CHECK_EQ(addrs_eq(h, addr), 13);
		if (k == 1)
			break;
		for (i = 8; i <= N; i += 50) {
			CHECK_RC(nb_if_delete(st, i, NULL), 0);
			m--;
		}
		mkif(st, 8, "back", 1500, NULL);
		mkaddr(st, 8, AF_INET, "192.0.2.1", 24);
		mkaddr(st, 8, AF_INET6, "2001:db8::1", 64);
		m++;
	}
	nb_sysctl_close(&h);
	nb_stack_destroy(&st);
}

int
main(void)
{
	struct nb_stack *st = NULL;
	struct nb_stack_config cfg = { .nslots = 4 };
	struct nb_sysctl *h = NULL;
	uint64_t gen3 = 0;
	char dir[] = "/tmp/test_sysctl_table.XXXXXX";

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	CHECK_RC(nb_stack_create(&cfg, &st), 0);
	if (st == NULL)
		return 1;
	CHECK_RC(nb_slot_acquire(st, &slot1), 0);
	mkif(st, 3, "br.0", 9000, &gen3);
	mkif(st, 1, "lo", 65536, NULL);
	mkif(st, 2, "eth0", 1500, NULL);
	mkaddr(st, 2, AF_INET, "10.0.0.1", 24);
	mkaddr(st, 2, AF_INET6, "fe80::2", 64);
	mkaddr(st, 3, AF_INET, "10.9.0.1", 16);
	fillstats(st, 1);
	fillstats(st, 2);
	fillstats(st, 3);
	CHECK_RC(nb_sysctl_open_stack(st, NULL, &h), 0);
	if (h != NULL) {
		test_interfaces(h, gen3);
		test_addrs(h);
		test_errors(h);
		CHECK(native_eq_walked(h, "kern.hashstat.*", hashcols, 4, 32, 0) >= 2);
		test_remote(h, dir);
		test_pcb(st, h);
		test_intr(st, h);
		test_replay(h, dir);
	}
	nb_sysctl_close(&h);
	nb_slot_release(st, slot1);
	nb_stack_destroy(&st);
	test_layouts();
	test_many();
	test_many_sorted();
	test_sim(dir);
	check_rmtree(dir);

	if (failures != 0) {
		fprintf(stderr, "test_sysctl_table: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_sysctl_table: ok (%d checks)\n", checks);
	return 0;
}
