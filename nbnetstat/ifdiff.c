/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ifdiff.c - nbnetstat -i --diff T1 T2: what changed in the interface list
 * between two samples, in the netstat -i layout with a mark in the first
 * column: '+' appeared, '-' departed, '~' changed (renamed, recreated with
 * a new index, mtu, flags); address rows '+' added, '-' removed on an
 * interface present at both times (those of one that appeared or departed
 * went with it). Unchanged interfaces are not printed: counters moving is
 * not a change (the counters of a printed row are what it moved over the
 * span, and JSON adds the average rates).
 *
 * Identity is the interface index: a name at both times with another
 * index is a recreated interface; an index at both times under another name
 * is a rename. (The tree's gen is the reading process's count of the
 * interfaces it has seen: two samples written by two recorder runs number
 * the same interface differently, so it cannot tell them apart here.)
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#include "nbnetstat.h"

struct drow {
	int64_t flags, mtu;
	uint64_t st[C_N];
};

struct darow {
	char family[8];
	char address[64];
	int64_t prefixlen;
};

enum { DC_FLAGS,
	DC_MTU,
	DC_STATS };

static struct nb_sysctl_column dcols[DC_STATS + C_N] = {
	[DC_FLAGS] = { "flags", NB_SYSCTL_INT, offsetof(struct drow, flags), 0 },
	[DC_MTU] = { "mtu", NB_SYSCTL_INT, offsetof(struct drow, mtu), 0 },
};

static const struct nb_sysctl_column acols[] = {
	{ "family", NB_SYSCTL_STRING, offsetof(struct darow, family), 8 },
	{ "address", NB_SYSCTL_ADDRESS, offsetof(struct darow, address), 64 },
	{ "prefixlen", NB_SYSCTL_INT, offsetof(struct darow, prefixlen), 0 },
};

struct side {
	struct nb_sysctl *h;
	struct nb_sysctl_table ift, addrt;
	int64_t t_ns;
};

static void
side_read(struct side *s)
{
	const char *d;
	int rc;

	if (dcols[DC_STATS].leaf == NULL)
		for (unsigned c = 0; c < C_N; c++)
			dcols[DC_STATS + c] = (struct nb_sysctl_column){ ctr_leaves[c], NB_SYSCTL_U64,
				offsetof(struct drow, st) + c * sizeof(uint64_t), 0 };
	if ((rc = nb_sysctl_table_read(s->h, "net.interfaces.*", dcols, DC_STATS + C_N,
		 sizeof(struct drow), NB_SYSCTL_RD_NOMCAST, &s->ift)) != 0 ||
	    (rc = nb_sysctl_table_read(s->h, "net.interfaces.*.addrs.*", acols, 3,
		 sizeof(struct darow), NB_SYSCTL_RD_NOMCAST, &s->addrt)) != 0) {
		d = nb_sysctl_errdetail(s->h);
		nb_errx(NB_EXIT_RUNTIME, "net.interfaces: %s", *d != '\0' ? d : strerror(-rc));
	}
	s->t_ns = nb_sysctl_sample_time(s->h);
}

static ssize_t
by_name(const struct nb_sysctl_table *t, const char *name)
{
	for (size_t i = 0; i < t->nrows; i++)
		if (t->ids[i].nkey > 0 && strcmp(t->ids[i].key[0], name) == 0)
			return (ssize_t)i;
	return -1;
}

static ssize_t
by_identity(const struct nb_sysctl_table *t, const struct nb_sysctl_rowid *id)
{
	if (id->index < 0)
		return -1;
	for (size_t i = 0; i < t->nrows; i++)
		if (t->ids[i].index == id->index)
			return (ssize_t)i;
	return -1;
}

static const char *
name_of(const struct nb_sysctl_table *t, size_t i)
{
	return t->ids[i].nkey > 0 ? t->ids[i].key[0] : "";
}

/* Whether interface `name` has address (family, address, prefixlen) in t. */
static bool
has_addr(const struct nb_sysctl_table *t, const char *name, const struct darow *a)
{
	for (size_t i = 0; i < t->nrows; i++) {
		const struct darow *b = nb_sysctl_table_row(t, i);

		if (t->ids[i].nkey > 1 && strcmp(t->ids[i].key[0], name) == 0 &&
		    strcmp(a->family, b->family) == 0 && strcmp(a->address, b->address) == 0 &&
		    a->prefixlen == b->prefixlen)
			return true;
	}
	return false;
}

/* What moved: b - a, or b when a counter went down (a reset: from 0). */
static void
moved(const struct drow *a, const struct drow *b, uint64_t *out)
{
	for (int c = 0; c < C_N; c++)
		out[c] = a == NULL ? b->st[c] : b == NULL	 ? a->st[c] :
					    b->st[c] >= a->st[c] ? b->st[c] - a->st[c] :
								   b->st[c];
}

static void
render_counters(struct nb_out *o, const struct netstat_opts *no, const uint64_t *st, double secs)
{
	static const enum ctr pk[] = { C_IPACKETS, C_IERRORS, C_OPACKETS, C_OERRORS, C_COLLISIONS };
	static const int pkw[] = { 8, 5, 8, 5, 5 };
	static const enum ctr by[] = { C_IBYTES, C_OBYTES };
	static const int byw[] = { 10, 10 };
	const enum ctr *cv = no->bflag ? by : pk;
	const int *w = no->bflag ? byw : pkw;
	size_t n = no->bflag ? 2 : 5;
	char fmt[16];

	nb_out_open_object(o, "stats");
	for (size_t i = 0; i < n; i++) {
		snprintf(fmt, sizeof(fmt), " %%%d" PRIu64, w[i]);
		nb_out_u64(o, NB_OUT_ANY, ctr_names[cv[i]], fmt, st[cv[i]]);
	}
	for (int c = 0; c < C_N; c++) {
		size_t i;

		for (i = 0; i < n && cv[i] != (enum ctr)c; i++)
			;
		if (i == n)
			nb_out_u64(o, NB_OUT_JSON, ctr_names[c], NULL, st[c]);
	}
	nb_out_close_object(o);
	nb_out_open_object(o, "rates");
	for (int c = 0; c < C_N; c++)
		nb_out_double(o, NB_OUT_JSON, ctr_names[c], NULL, secs > 0 ? (double)st[c] / secs : 0);
	nb_out_close_object(o);
}

static void
render_header(struct nb_out *o, const struct netstat_opts *no)
{
	nb_out_text(o, "  %-5s %-5s %-13s %-17s", "Name", "Mtu", "Network", "Address");
	if (no->bflag)
		nb_out_text(o, " %10s %10s", "Ibytes", "Obytes");
	else
		nb_out_text(o, " %8s %5s %8s %5s %5s", "Ipkts", "Ierrs", "Opkts", "Oerrs", "Colls");
	nb_out_text(o, "\n");
}

/* One interface row: mark, name, mtu, what moved, and for '~' what changed. */
static void
render_if(struct nb_out *o, const struct netstat_opts *no, char mark, const char *name,
    const struct nb_sysctl_rowid *id, const struct drow *r, const uint64_t *st, double secs,
    const char *changes)
{
	char m[2] = { mark, '\0' };

	nb_out_open_object(o, NULL);
	nb_out_str(o, NB_OUT_ANY, "change", "%s ", m);
	nb_out_str(o, NB_OUT_ANY, "name", "%-5s", name);
	nb_out_i64(o, NB_OUT_ANY, "mtu", " %-5" PRId64, r->mtu);
	nb_out_i64(o, NB_OUT_JSON, "index", NULL, id->index);
	nb_out_u64(o, NB_OUT_JSON, "gen", NULL, id->gen);
	nb_out_i64(o, NB_OUT_JSON, "flags", NULL, r->flags);
	nb_out_bool(o, NB_OUT_JSON, "up", NULL, (r->flags & IFF_UP) != 0);
	nb_out_text(o, " %-13s %-17s", "<Link>", "");
	render_counters(o, no, st, secs);
	nb_out_str(o, NB_OUT_ANY, "what", "  %s", changes);
	nb_out_text(o, "\n");
	nb_out_close_object(o);
}

static void
render_addr(struct nb_out *o, char mark, const char *name, int64_t mtu, const struct darow *a)
{
	char m[2] = { mark, '\0' }, net[96];

	snprintf(net, sizeof(net), "%s/%" PRId64, a->address, a->prefixlen);
	nb_out_open_object(o, NULL);
	nb_out_str(o, NB_OUT_ANY, "change", "%s ", m);
	nb_out_str(o, NB_OUT_ANY, "interface", "%-5s", name);
	nb_out_text(o, " %-5" PRId64, mtu);
	nb_out_str(o, NB_OUT_JSON, "family", NULL, a->family);
	nb_out_str(o, NB_OUT_JSON, "address", NULL, a->address);
	nb_out_i64(o, NB_OUT_JSON, "prefixlen", NULL, a->prefixlen);
	nb_out_text(o, " %s\n", net);
	nb_out_close_object(o);
}

/* The '~' note: what differs between the same object (or name) at T1 and T2. */
static void
changes_of(char *buf, size_t size, const char *oldname, const char *newname,
    const struct nb_sysctl_rowid *ia, const struct nb_sysctl_rowid *ib, const struct drow *a,
    const struct drow *b)
{
	size_t off = 0;

#define ADD(...)                                                                     \
	do {                                                                         \
		if (off < size)                                                      \
			off += (size_t)snprintf(buf + off, size - off, __VA_ARGS__); \
	} while (0)
	buf[0] = '\0';
	if (strcmp(oldname, newname) != 0)
		ADD("%srenamed from %s", off ? ", " : "", oldname);
	if (ia->index != ib->index)
		ADD("%srecreated (index %" PRId64 " -> %" PRId64 ")", off ? ", " : "", ia->index,
		    ib->index);
	if (a->mtu != b->mtu)
		ADD("%smtu %" PRId64 " -> %" PRId64, off ? ", " : "", a->mtu, b->mtu);
	if ((a->flags & IFF_UP) != (b->flags & IFF_UP))
		ADD("%s%s", off ? ", " : "", (b->flags & IFF_UP) ? "up" : "down");
	if (a->flags != b->flags)
		ADD("%sflags %#" PRIx64 " -> %#" PRIx64, off ? ", " : "", (uint64_t)a->flags, (uint64_t)b->flags);
#undef ADD
}

int
if_diff(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct side a = { 0 }, b = { 0 };
	uint64_t st[C_N];
	char what[512];
	double secs;
	size_t i;
	ssize_t j;
	ssize_t *amatch; /* T1's interface i is T2's amatch[i] (-1: departed) */
	ssize_t *bmatch; /* T2's interface j is T1's bmatch[j] (-1: appeared) */

	(void)h; /* --diff opens its own two */
	nb_common_open_diff(&no->c, &a.h, &b.h);
	side_read(&a);
	side_read(&b);
	secs = (double)(b.t_ns - a.t_ns) / 1e9;
	if ((amatch = calloc(a.ift.nrows + 1, sizeof(*amatch))) == NULL ||
	    (bmatch = calloc(b.ift.nrows + 1, sizeof(*bmatch))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	for (i = 0; i < b.ift.nrows; i++)
		bmatch[i] = -1;

	nb_out_record_begin(o);
	nb_out_span(o, a.t_ns, b.t_ns, "changes over %.3f s\n");
	render_header(o, no);
	nb_out_open_array(o, "interfaces");
	/* T1's interfaces: departed, renamed, recreated, changed. */
	for (i = 0; i < a.ift.nrows; i++) {
		const char *name = name_of(&a.ift, i), *bname;
		const struct drow *ra = nb_sysctl_table_row(&a.ift, i), *rb;
		const struct nb_sysctl_rowid *ia = &a.ift.ids[i];

		if ((j = by_name(&b.ift, name)) < 0 && ((j = by_identity(&b.ift, ia)) < 0 ||
							   by_name(&a.ift, name_of(&b.ift, (size_t)j)) >= 0)) {
			amatch[i] = -1;
			moved(ra, NULL, st);
			render_if(o, no, '-', name, ia, ra, st, secs, "departed");
			continue;
		}
		amatch[i] = j;
		bmatch[j] = (ssize_t)i;
		rb = nb_sysctl_table_row(&b.ift, (size_t)j);
		bname = name_of(&b.ift, (size_t)j);
		changes_of(what, sizeof(what), name, bname, ia, &b.ift.ids[j], ra, rb);
		if (*what == '\0')
			continue;
		/* A new object under the same name: all it moved is its own. */
		moved(ia->index == b.ift.ids[j].index ? ra : NULL, rb, st);
		render_if(o, no, '~', bname, &b.ift.ids[j], rb, st, secs, what);
	}
	for (i = 0; i < b.ift.nrows; i++) {
		const struct drow *rb = nb_sysctl_table_row(&b.ift, i);

		if (bmatch[i] >= 0)
			continue;
		moved(NULL, rb, st);
		render_if(o, no, '+', name_of(&b.ift, i), &b.ift.ids[i], rb, st, secs, "appeared");
	}
	nb_out_close_array(o);
	/*
	 * Addresses: each interface's set at T1 against the same interface's
	 * at T2 (under its new name if renamed); an interface that came or
	 * went took its addresses with it.
	 */
	nb_out_open_array(o, "addresses");
	for (i = 0; i < a.addrt.nrows; i++) {
		const struct darow *ar = nb_sysctl_table_row(&a.addrt, i);
		ssize_t k = by_name(&a.ift, a.addrt.ids[i].key[0]);

		if (k < 0 || (j = amatch[k]) < 0)
			continue;
		if (!has_addr(&b.addrt, name_of(&b.ift, (size_t)j), ar))
			render_addr(o, '-', name_of(&b.ift, (size_t)j),
			    ((const struct drow *)nb_sysctl_table_row(&b.ift, (size_t)j))->mtu, ar);
	}
	for (i = 0; i < b.addrt.nrows; i++) {
		const struct darow *br = nb_sysctl_table_row(&b.addrt, i);
		ssize_t k = by_name(&b.ift, b.addrt.ids[i].key[0]);

		if (k < 0 || (j = bmatch[k]) < 0)
			continue;
		if (!has_addr(&a.addrt, name_of(&a.ift, (size_t)j), br))
			render_addr(o, '+', name_of(&b.ift, (size_t)k),
			    ((const struct drow *)nb_sysctl_table_row(&b.ift, (size_t)k))->mtu, br);
	}
	nb_out_close_array(o);
	nb_out_record_end(o);
	free(amatch);
	free(bmatch);
	nb_sysctl_table_free(&a.ift);
	nb_sysctl_table_free(&a.addrt);
	nb_sysctl_table_free(&b.ift);
	nb_sysctl_table_free(&b.addrt);
	nb_common_close(&a.h);
	nb_common_close(&b.h);
	return 0;
}
