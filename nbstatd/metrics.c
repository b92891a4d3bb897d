/* SPDX-License-Identifier: BSD-2-Clause */
/* metrics.c - the tree as Prometheus text 0.0.4 or OpenMetrics 1.0.0 text (docs/metrics.md). */
/*
 * Theory of operation
 *
 * One scrape is one pass over the tree through the HTTP thread's handle
 * (a locked peer: it loads under the tree lock and reads without it), writing the body into one growing
 * buffer. Objects are read with the table reader (interfaces, CPUs,
 * softnet, hash tables): a family's samples are written column by column,
 * so each family is contiguous, and a row's label text is escaped once
 * per scrape. The protocol counters (net.inet, net.inet6), vm.stats and
 * vm.meminfo are walked, and take node_exporter's names: the kernel's
 * spelling of a field comes from the node's description, which the source
 * writes from the kernel's own text ("Tcp: ActiveOpens (/proc/net/snmp)",
 * "Active(anon) (/proc/meminfo)"), checked against the leaf's (lower-case)
 * name; a field whose description does not give it goes under nbstat_.
 * The other numeric leaves are walked under nbstat_<path>, a component
 * that is not a metric name's (an object key) leaving the leaf out; the
 * subtrees read above, the per-object ones (routes, neighbours, sockets,
 * processes, mounts) and departed interfaces are not walked.
 *
 * Between scrapes only the list of walked subtrees is kept (the caller's
 * metrics_state, of the HTTP thread): nothing here is shared between
 * threads.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sysctl-tree/sysctl.h>

#include "nbstatd.h"

/* ---- the body ---- */

static void
b_grow(struct mbuf *b, size_t need)
{
	size_t cap;
	char *p;

	if (b->err != 0 || b->len + need <= b->cap)
		return;
	cap = b->cap != 0 ? b->cap : 65536;
	while (cap < b->len + need)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->err = -ENOMEM;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static inline void
b_add(struct mbuf *b, const char *s, size_t n)
{
	if (__builtin_expect(b->len + n > b->cap, 0)) {
		b_grow(b, n);
		if (b->err != 0)
			return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
b_str(struct mbuf *b, const char *s)
{
	b_add(b, s, strlen(s));
}

static void
b_u64(struct mbuf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	b_add(b, tmp + i, sizeof(tmp) - i);
}

static void
b_i64(struct mbuf *b, int64_t v)
{
	if (v < 0) {
		b_add(b, "-", 1);
		b_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		b_u64(b, (uint64_t)v);
	}
}

/* num / den as a decimal with six places (ticks to seconds, ns to seconds). */
static void
b_ratio(struct mbuf *b, uint64_t num, uint64_t den)
{
	char frac[8];
	uint64_t f;

	b_u64(b, num / den);
	f = (uint64_t)((unsigned __int128)(num % den) * 1000000 / den);
	snprintf(frac, sizeof(frac), ".%06u", (unsigned)f);
	b_add(b, frac, 7);
}

/*
 * A label value or HELP text: the one escaping rule (nb_sysctl_strvis),
 * then the exposition format's escapes (backslash, newline; the double
 * quote in label values and OpenMetrics HELP).
 */
static void
b_escaped(struct mbuf *b, const char *s, size_t len, bool quote)
{
	char small[256], *v = small;
	size_t n;

	if (!nb_sysctl_strsafe(s, len)) {
		n = nb_sysctl_strvis(s, len, small, sizeof(small));
		if (n >= sizeof(small)) {
			if ((v = malloc(n + 1)) == NULL) {
				b->err = -ENOMEM;
				return;
			}
			nb_sysctl_strvis(s, len, v, n + 1);
		}
		s = v;
		len = n;
	}
	for (size_t i = 0; i < len; i++) {
		size_t j = i;

		while (j < len && s[j] != '\\' && s[j] != '\n' && !(quote && s[j] == '"'))
			j++;
		b_add(b, s + i, j - i);
		if (j == len)
			break;
		b_add(b, s[j] == '\\' ? "\\\\" : s[j] == '"' ? "\\\"" :
							       "\\n",
		    2);
		i = j;
	}
	if (v != small)
		free(v);
}

enum mtype { M_COUNTER,
	M_GAUGE,
	M_UNTYPED };

struct scrape {
	struct nb_sysctl *h;
	struct metrics_state *st;
	struct mbuf *b;
	bool om; /* OpenMetrics */
	char name[NB_SYSCTL_NAMEMAX + 64]; /* the current family's sample name */
	size_t namelen;
	enum mtype type;
};

/*
 * Begin a family: HELP and TYPE, and remember the samples' name. base is
 * the name without "_total"; a counter's samples take "_total".
 */
static void
family(struct scrape *s, const char *base, size_t blen, enum mtype t, const char *help)
{
	static const char *const tn[] = { "counter", "gauge", "untyped" };
	struct mbuf *b = s->b;
	bool total = t == M_COUNTER;

	if (blen + 7 > sizeof(s->name)) {
		s->namelen = 0;
		return;
	}
	memcpy(s->name, base, blen);
	if (total)
		memcpy(s->name + blen, "_total", 6);
	s->namelen = blen + (total ? 6 : 0);
	s->type = t;
	/* OpenMetrics names the counter family without _total, and says unknown. */
	b_str(b, "# HELP ");
	b_add(b, s->name, s->om ? blen : s->namelen);
	b_add(b, " ", 1);
	b_escaped(b, help, strlen(help), s->om);
	b_str(b, "\n# TYPE ");
	b_add(b, s->name, s->om ? blen : s->namelen);
	b_add(b, " ", 1);
	b_str(b, s->om && t == M_UNTYPED ? "unknown" : tn[t]);
	b_add(b, "\n", 1);
}

/* A sample's name and labels, up to the value: name{k="v",...} */
static void
sample(struct scrape *s, const char *labels, size_t llen)
{
	b_add(s->b, s->name, s->namelen);
	if (llen > 0) {
		b_add(s->b, "{", 1);
		b_add(s->b, labels, llen);
		b_add(s->b, "}", 1);
	}
	b_add(s->b, " ", 1);
}

static enum mtype
type_of(unsigned flags)
{
	return (flags & NB_SYSCTL_F_COUNTER) != 0 ? M_COUNTER : M_GAUGE;
}

/* ---- descriptions of an object's leaves ---- */

struct descrs {
	char **leaf, **descr; /* leaf names relative to the object */
	size_t n;
	size_t skip; /* the object's name and its dot */
	bool read;
};

static int
descr_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct descrs *d = arg;
	char name[NB_SYSCTL_NAMEMAX];
	char **l, **ds;

	if (e->val.type == NB_SYSCTL_NODE)
		return 0;
	if (nb_sysctl_entry_name(e, name, sizeof(name)) >= sizeof(name) || strlen(name) <= d->skip)
		return 0;
	if ((l = reallocarray(d->leaf, d->n + 1, sizeof(*l))) == NULL)
		return -ENOMEM;
	d->leaf = l;
	if ((ds = reallocarray(d->descr, d->n + 1, sizeof(*ds))) == NULL)
		return -ENOMEM;
	d->descr = ds;
	if ((l[d->n] = strdup(name + d->skip)) == NULL)
		return -ENOMEM;
	if ((ds[d->n] = strdup(e->descr)) == NULL) {
		free(l[d->n]);
		return -ENOMEM;
	}
	d->n++;
	return 0;
}

static void
descrs_free(struct descrs *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->leaf[i]);
		free(d->descr[i]);
	}
	free(d->leaf);
	free(d->descr);
	memset(d, 0, sizeof(*d));
}

/*
 * The descriptions of the leaves of one object `obj` (escaped name), to
 * give its table's families their HELP; read once (they do not change).
 * A missing object leaves none, and is tried again next time.
 */
static void
descrs_read(struct nb_sysctl *h, const char *obj, struct descrs *d)
{
	if (d->read)
		return;
	d->skip = strlen(obj) + 1;
	if (nb_sysctl_walk(h, obj, NB_SYSCTL_RD_NOVALUE | NB_SYSCTL_RD_NOMCAST, descr_cb, d) != 0)
		descrs_free(d);
	else
		d->read = true;
}

/* The description of a leaf (relative to its object), or fallback. */
static const char *
descr_of(const struct descrs *d, const char *leaf, const char *fallback)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->leaf[i], leaf) == 0)
			return d->descr[i];
	return fallback;
}

/* The escaped name of a table's first row's object (pattern with its key), for descrs_read. */
static void
first_object(const char *prefix, const struct nb_sysctl_table *t, char *buf, size_t size)
{
	const char *comp[2] = { "", "" };
	char key[NB_SYSCTL_NAMEMAX];

	size_t pl = strlen(prefix), kl;

	comp[0] = t->nrows > 0 ? t->ids[0].key[0] : "";
	kl = nb_sysctl_name_join(comp, 1, key, sizeof(key));
	if (kl >= sizeof(key) || pl + kl + 2 > size) {
		buf[0] = '\0';
		return;
	}
	memcpy(buf, prefix, pl);
	buf[pl] = '.';
	memcpy(buf + pl + 1, key, kl + 1);
}

/* Row labels: `name="value"` per row, escaped once. */
struct labels {
	char *text; /* all rows' label text, back to back */
	size_t *off; /* nrows + 1 offsets */
};

static int
labels_make(const struct nb_sysctl_table *t, const char *lname, struct labels *l)
{
	struct mbuf b = { 0 };

	if ((l->off = calloc(t->nrows + 1, sizeof(*l->off))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < t->nrows; i++) {
		const char *k = t->ids[i].key[0];

		l->off[i] = b.len;
		b_str(&b, lname);
		b_str(&b, "=\"");
		b_escaped(&b, k, strlen(k), true);
		b_add(&b, "\"", 1);
	}
	l->off[t->nrows] = b.len;
	l->text = b.p;
	return b.err;
}

static void
labels_free(struct labels *l)
{
	free(l->text);
	free(l->off);
}

/* ---- interfaces ---- */

/* node_exporter's netdev (counters) and netclass (levels) names. */
static const struct {
	const char *leaf, *metric;
} if_map[] = {
	{ "stats.ibytes", "node_network_receive_bytes" },
	{ "stats.ipackets", "node_network_receive_packets" },
	{ "stats.ierrors", "node_network_receive_errs" },
	{ "stats.iqdrops", "node_network_receive_drop" },
	{ "stats.imcasts", "node_network_receive_multicast" },
	{ "stats.noproto", "node_network_receive_nohandler" },
	{ "stats.obytes", "node_network_transmit_bytes" },
	{ "stats.opackets", "node_network_transmit_packets" },
	{ "stats.oerrors", "node_network_transmit_errs" },
	{ "stats.oqdrops", "node_network_transmit_drop" },
	{ "stats.collisions", "node_network_transmit_colls" },
	{ "mtu", "node_network_mtu_bytes" },
	{ "txqlen", "node_network_transmit_queue_length" },
	{ "flags", "node_network_flags" },
};
#define IF_N (sizeof(if_map) / sizeof(if_map[0]))

struct if_row {
	int64_t v[IF_N];
	char operstate[16];
};

static int
interfaces(struct scrape *s)
{
	struct nb_sysctl_column cols[IF_N + 1];
	struct nb_sysctl_table t;
	struct labels l = { 0 };
	struct descrs *d = &s->st->descrs[0];
	char obj[NB_SYSCTL_NAMEMAX + 32];
	int rc;

	for (size_t c = 0; c < IF_N; c++)
		cols[c] = (struct nb_sysctl_column){ if_map[c].leaf, NB_SYSCTL_INT,
			offsetof(struct if_row, v) + c * sizeof(int64_t), 0 };
	cols[IF_N] = (struct nb_sysctl_column){ "operstate", NB_SYSCTL_STRING,
		offsetof(struct if_row, operstate), 16 };
	rc = nb_sysctl_table_read(s->h, "net.interfaces.*", cols, IF_N + 1, sizeof(struct if_row),
	    NB_SYSCTL_RD_NOMCAST, &t);
	if (rc != 0 || t.nrows == 0) {
		nb_sysctl_table_free(&t);
		return rc;
	}
	first_object("net.interfaces", &t, obj, sizeof(obj));
	descrs_read(s->h, obj, d);
	if ((rc = labels_make(&t, "device", &l)) != 0)
		goto out;
	for (unsigned c = 0; c < IF_N; c++) {
		const char *m = if_map[c].metric;
		bool counter = (t.colflags[c] & NB_SYSCTL_F_COUNTER) != 0;
		bool any = false;

		for (size_t i = 0; i < t.nrows && !any; i++)
			any = nb_sysctl_row_has(&t.ids[i], c);
		if (!any)
			continue;
		family(s, m, strlen(m), counter ? M_COUNTER : M_GAUGE,
		    descr_of(d, if_map[c].leaf, if_map[c].leaf));
		for (size_t i = 0; i < t.nrows; i++) {
			const struct if_row *r = nb_sysctl_table_row(&t, i);

			if (!nb_sysctl_row_has(&t.ids[i], c))
				continue;
			sample(s, l.text + l.off[i], l.off[i + 1] - l.off[i]);
			if (counter)
				b_u64(s->b, (uint64_t)r->v[c]);
			else
				b_i64(s->b, r->v[c]);
			b_add(s->b, "\n", 1);
		}
	}
	/* node_exporter's netclass: up is operstate "up". */
	family(s, "node_network_up", 15, M_GAUGE, "1 when the interface's operational state is up");
	for (size_t i = 0; i < t.nrows; i++) {
		const struct if_row *r = nb_sysctl_table_row(&t, i);

		if (!nb_sysctl_row_has(&t.ids[i], IF_N))
			continue;
		sample(s, l.text + l.off[i], l.off[i + 1] - l.off[i]);
		b_add(s->b, strcmp(r->operstate, "up") == 0 ? "1\n" : "0\n", 2);
	}
out:
	labels_free(&l);
	nb_sysctl_table_free(&t);
	return rc;
}

/* ---- CPUs ---- */

static const char *const cp_leaf[] = { "user", "nice", "sys", "idle", "iowait", "irq",
	"softirq", "steal", "guest", "guest_nice" };
/* node_exporter's modes: node_cpu_seconds_total, then node_cpu_guest_seconds_total. */
static const char *const cp_mode[] = { "user", "nice", "system", "idle", "iowait", "irq",
	"softirq", "steal", "user", "nice" };
#define CP_N 10

static int
cpus(struct scrape *s)
{
	struct nb_sysctl_column cols[CP_N];
	struct nb_sysctl_value hz;
	struct nb_sysctl_table t;
	struct labels l = { 0 };
	int rc;

	/* USER_HZ: read once. */
	if (s->st->hz == 0 && nb_sysctl_get(s->h, "kern.clockrate.hz", 0, &hz) == 0 && hz.i > 0)
		s->st->hz = hz.i;
	if (s->st->hz <= 0)
		return 0;
	for (unsigned c = 0; c < CP_N; c++)
		cols[c] = (struct nb_sysctl_column){ cp_leaf[c], NB_SYSCTL_U64, c * sizeof(uint64_t),
			0 };
	rc = nb_sysctl_table_read(s->h, "kern.cp_time.*", cols, CP_N, CP_N * sizeof(uint64_t), 0,
	    &t);
	if (rc != 0 || t.nrows == 0) {
		nb_sysctl_table_free(&t);
		return rc;
	}
	if ((rc = labels_make(&t, "cpu", &l)) != 0)
		goto out;
	for (int g = 0; g < 2; g++) {
		if (g == 0)
			family(s, "node_cpu_seconds_total", 22 - 6, M_COUNTER,
			    "Seconds the CPUs spent in each mode (kern.cp_time).");
		else
			family(s, "node_cpu_guest_seconds", 22, M_COUNTER,
			    "Seconds the CPUs spent in guests (VMs) for each mode (kern.cp_time).");
		for (size_t i = 0; i < t.nrows; i++) {
			const uint64_t *r = nb_sysctl_table_row(&t, i);

			for (unsigned c = g == 0 ? 0 : 8; c < (g == 0 ? 8u : CP_N); c++) {
				if (!nb_sysctl_row_has(&t.ids[i], c))
					continue;
				b_add(s->b, s->name, s->namelen);
				b_add(s->b, "{", 1);
				b_add(s->b, l.text + l.off[i], l.off[i + 1] - l.off[i]);
				b_str(s->b, ",mode=\"");
				b_str(s->b, cp_mode[c]);
				b_str(s->b, "\"} ");
				b_ratio(s->b, r[c], (uint64_t)s->st->hz);
				b_add(s->b, "\n", 1);
			}
		}
	}
out:
	labels_free(&l);
	nb_sysctl_table_free(&t);
	return rc;
}

/* ---- tables of numbers: net.softnet.*, kern.hashstat.* ---- */

struct numtable {
	const char *pattern, *prefix, *label;
	const char *const *leaf; /* NULL-terminated */
	const char *const *metric; /* the same length; NULL: <prefix>_<leaf> under nbstat_ */
};

static const char *const softnet_leaf[] = { "processed", "dropped", "time_squeeze",
	"received_rps", "flow_limit", "backlog_len", NULL };
static const char *const softnet_metric[] = { "node_softnet_processed", "node_softnet_dropped",
	"node_softnet_times_squeezed", NULL, NULL, NULL, NULL };
static const char *const hash_leaf[] = { "size", "used", "items", "maxchain", NULL };
static const char *const hash_metric[] = { NULL, NULL, NULL, NULL, NULL };

static const struct numtable numtables[] = {
	{ "net.softnet.*", "nbstat_net_softnet_", "cpu", softnet_leaf, softnet_metric },
	{ "kern.hashstat.*", "nbstat_kern_hashstat_", "table", hash_leaf, hash_metric },
};
/* The cached descriptions: the interfaces', then each numtable's. */
#define NDESCRS (1 + sizeof(numtables) / sizeof(numtables[0]))

static int
numtable(struct scrape *s, const struct numtable *nt, struct descrs *d)
{
	struct nb_sysctl_column cols[8];
	struct nb_sysctl_table t;
	struct labels l = { 0 };
	char obj[NB_SYSCTL_NAMEMAX + 32], base[128], pfx[64];
	unsigned n = 0;
	size_t plen = strlen(nt->pattern) - 2;
	int rc;

	while (nt->leaf[n] != NULL) {
		cols[n] = (struct nb_sysctl_column){ nt->leaf[n], NB_SYSCTL_INT, n * sizeof(int64_t),
			0 };
		n++;
	}
	rc = nb_sysctl_table_read(s->h, nt->pattern, cols, n, n * sizeof(int64_t), 0, &t);
	if (rc != 0 || t.nrows == 0) {
		nb_sysctl_table_free(&t);
		return rc;
	}
	snprintf(pfx, sizeof(pfx), "%.*s", (int)plen, nt->pattern);
	first_object(pfx, &t, obj, sizeof(obj));
	descrs_read(s->h, obj, d);
	if ((rc = labels_make(&t, nt->label, &l)) != 0)
		goto out;
	for (unsigned c = 0; c < n; c++) {
		enum mtype ty = type_of(t.colflags[c]);
		bool any = false;

		for (size_t i = 0; i < t.nrows && !any; i++)
			any = nb_sysctl_row_has(&t.ids[i], c);
		if (!any)
			continue;
		if (nt->metric[c] != NULL)
			snprintf(base, sizeof(base), "%s", nt->metric[c]);
		else
			snprintf(base, sizeof(base), "%s%s", nt->prefix, nt->leaf[c]);
		family(s, base, strlen(base), ty, descr_of(d, nt->leaf[c], nt->leaf[c]));
		for (size_t i = 0; i < t.nrows; i++) {
			const int64_t *r = nb_sysctl_table_row(&t, i);

			if (!nb_sysctl_row_has(&t.ids[i], c))
				continue;
			sample(s, l.text + l.off[i], l.off[i + 1] - l.off[i]);
			if (ty == M_COUNTER)
				b_u64(s->b, (uint64_t)r[c]);
			else
				b_i64(s->b, r[c]);
			b_add(s->b, "\n", 1);
		}
	}
out:
	labels_free(&l);
	nb_sysctl_table_free(&t);
	return rc;
}

/* ---- walked leaves ---- */

/* A metric name's component: [a-zA-Z_][a-zA-Z0-9_]* */
static bool
ident(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '_'))
			return false;
	}
	return true;
}

static void
value(struct scrape *s, const struct nb_sysctl_value *v)
{
	switch (v->type) {
	case NB_SYSCTL_INT:
		b_i64(s->b, v->i);
		break;
	case NB_SYSCTL_U64:
		b_u64(s->b, v->u);
		break;
	case NB_SYSCTL_BOOL:
		b_add(s->b, v->b ? "1" : "0", 1);
		break;
	default:
		break;
	}
	b_add(s->b, "\n", 1);
}

static bool
numeric(const struct nb_sysctl_value *v)
{
	return v->type == NB_SYSCTL_INT || v->type == NB_SYSCTL_U64 || v->type == NB_SYSCTL_BOOL;
}

/*
 * Name tokens promtool's lint takes for abbreviated units ("metric names
 * should not contain abbreviated units"): a name holding one goes under
 * nbstat_ with the token spelt out (vm.stats.nr_sec_page_table_pages).
 */
static const struct {
	const char *tok, *full;
} abbrev[] = {
	{ "s", "s" },
	{ "ms", "ms" },
	{ "us", "us" },
	{ "ns", "ns" },
	{ "sec", "secondary" },
	{ "b", "b" },
	{ "kb", "kb" },
	{ "mb", "mb" },
	{ "gb", "gb" },
	{ "tb", "tb" },
	{ "pb", "pb" },
	{ "m", "m" },
	{ "h", "h" },
	{ "d", "d" },
};
#define ABBREV_N (sizeof(abbrev) / sizeof(abbrev[0]))

/* The abbreviation that s[0..n) is, or -1. */
static int
abbrev_of(const char *s, size_t n)
{
	for (size_t i = 0; i < ABBREV_N; i++)
		if (strlen(abbrev[i].tok) == n && strncasecmp(abbrev[i].tok, s, n) == 0)
			return (int)i;
	return -1;
}

/* Whether a name component holds an abbreviated-unit token between '_'s. */
static bool
has_abbrev(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && s[j] != '_')
			j++;
		if (abbrev_of(s + i, j - i) >= 0)
			return true;
		i = j + 1;
	}
	return false;
}

/* The nbstat_ name of a walked leaf into base (*n bytes); false when it has none. */
static bool
generic_name(const struct nb_sysctl_entry *e, char *base, size_t size, size_t *np, bool *nsp)
{
	size_t n = 6;
	bool ns;

	memcpy(base, "nbstat", 6);
	for (unsigned c = 0; c < e->ncomp; c++) {
		const char *p = e->comp[c];
		size_t len = e->complen[c];

		if (!ident(p, len) || n + 2 * len + 10 > size)
			return false;
		for (size_t i = 0; i <= len;) {
			size_t j = i;
			int a;

			while (j < len && p[j] != '_')
				j++;
			/* The last token of the leaf may be "ns": seconds, below. */
			a = c + 1 == e->ncomp && j == len ? -1 : abbrev_of(p + i, j - i);
			base[n++] = '_';
			if (a >= 0) {
				memcpy(base + n, abbrev[a].full, strlen(abbrev[a].full));
				n += strlen(abbrev[a].full);
			} else {
				memcpy(base + n, p + i, j - i);
				n += j - i;
			}
			i = j + 1;
		}
	}
	ns = n > 3 && memcmp(base + n - 3, "_ns", 3) == 0 && e->val.type != NB_SYSCTL_BOOL;
	if (ns) {
		memcpy(base + n - 3, "_seconds", 8);
		n += 5;
	}
	/* Lower case only: the lint wants no camelCase under nbstat_. */
	for (size_t i = 0; i < n; i++)
		if (base[i] >= 'A' && base[i] <= 'Z')
			base[i] = (char)(base[i] - 'A' + 'a');
	if (n > 6 && memcmp(base + n - 6, "_total", 6) == 0 && type_of(e->val.flags) == M_COUNTER)
		n -= 6;
	*np = n;
	*nsp = ns;
	return true;
}

/* A value, or a _ns value in seconds. */
static void
value_ns(struct scrape *s, bool ns, bool isu64, uint64_t u, int64_t i)
{
	if (ns && (isu64 || i >= 0)) {
		b_ratio(s->b, isu64 ? u : (uint64_t)i, 1000000000);
		b_add(s->b, "\n", 1);
	} else if (isu64) {
		b_u64(s->b, u);
		b_add(s->b, "\n", 1);
	} else {
		b_i64(s->b, i);
		b_add(s->b, "\n", 1);
	}
}

/*
 * One leaf under nbstat_<path>: a "_ns" leaf in seconds (the base unit),
 * an abbreviation spelt out where it has a spelling ("sec").
 */
static void
generic(struct scrape *s, const struct nb_sysctl_entry *e)
{
	char base[NB_SYSCTL_NAMEMAX + 16];
	size_t n;
	bool ns;

	if (!generic_name(e, base, sizeof(base), &n, &ns))
		return;
	family(s, base, n, type_of(e->val.flags), e->descr);
	sample(s, NULL, 0);
	value_ns(s, ns, e->val.type == NB_SYSCTL_U64, e->val.u,
	    e->val.type == NB_SYSCTL_BOOL ? (int64_t)e->val.b : e->val.i);
}

/*
 * One sample of e's value under the name base[0, n) that a callback made
 * with snprintf into a buffer of `size` (a name that did not fit is left
 * out), its HELP e's description.
 */
static void
single(struct scrape *s, const char *base, int n, size_t size, enum mtype t,
    const struct nb_sysctl_entry *e)
{
	if (n < 0 || (size_t)n >= size)
		return;
	family(s, base, (size_t)n, t, e->descr);
	sample(s, NULL, 0);
	value(s, &e->val);
}

/*
 * net.inet.<group>.stats.<field> and net.inet6...: node_netstat_<Group>_<Field>
 * (untyped, as node_exporter) with the kernel's spelling from the
 * description "Group: Field (/proc/net/...)". The ICMP message types are
 * shown, as the kernel shows them, only when not zero.
 */
static int
netstat_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct scrape *s = arg;
	const char *colon, *sp, *leaf;
	char base[256];
	size_t glen, flen;
	int n;

	if (!numeric(&e->val) || e->ncomp != 5)
		return 0;
	leaf = e->comp[4];
	colon = strstr(e->descr, ": ");
	sp = colon != NULL ? strchr(colon + 2, ' ') : NULL;
	glen = colon != NULL ? (size_t)(colon - e->descr) : 0;
	flen = sp != NULL ? (size_t)(sp - colon - 2) : colon != NULL ? strlen(colon + 2) :
								       0;
	if (colon == NULL || !ident(e->descr, glen) || !ident(colon + 2, flen) ||
	    flen != e->complen[4] || strncasecmp(colon + 2, leaf, flen) != 0) {
		generic(s, e);
		return 0;
	}
	/* The kernel's InType<N>/OutType<N> lines: printed only when not zero. */
	if (e->val.u == 0 && (strncmp(colon + 2, "InType", 6) == 0 ||
				 strncmp(colon + 2, "OutType", 7) == 0))
		return 0;
	n = snprintf(base, sizeof(base), "node_netstat_%.*s_%.*s", (int)glen, e->descr, (int)flen,
	    colon + 2);
	single(s, base, n, sizeof(base), M_UNTYPED, e);
	return 0;
}

/* vm.stats.<field>: node_vmstat_<field> (untyped, as node_exporter). */
static int
vmstat_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct scrape *s = arg;
	char base[256];
	int n;

	if (!numeric(&e->val) || e->ncomp != 3)
		return 0;
	if (!ident(e->comp[2], e->complen[2]) || has_abbrev(e->comp[2], e->complen[2])) {
		generic(s, e);
		return 0;
	}
	n = snprintf(base, sizeof(base), "node_vmstat_%s", e->comp[2]);
	single(s, base, n, sizeof(base), M_UNTYPED, e);
	return 0;
}

/*
 * vm.meminfo.<field>: node_memory_<Field>_bytes (gauge), the kernel's
 * spelling from the description "Active(anon) (/proc/meminfo)" made a
 * name as node_exporter does ("Active_anon"); the HugePages_ counts have
 * no unit.
 */
static int
meminfo_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct scrape *s = arg;
	char base[256], field[128];
	const char *d = e->descr, *end;
	size_t n = 0;
	int len;

	if (!numeric(&e->val) || e->ncomp != 3)
		return 0;
	end = strstr(d, " (");
	if (end == NULL)
		end = d + strlen(d);
	for (; d < end && n + 1 < sizeof(field); d++)
		if (*d == '(')
			field[n++] = '_';
		else if (*d != ')')
			field[n++] = *d;
	field[n] = '\0';
	if (!ident(field, n) || n != e->complen[2] || strcasecmp(field, e->comp[2]) != 0) {
		generic(s, e);
		return 0;
	}
	len = snprintf(base, sizeof(base), "node_memory_%s%s", field,
	    strncmp(field, "HugePages_", 10) == 0 ? "" : "_bytes");
	single(s, base, len, sizeof(base), M_GAUGE, e);
	return 0;
}

/* ---- the scrape ---- */

/* Subtrees read above or not metrics; the others of each top node are walked. */
static const char *const not_walked[] = { "kern.proc", "kern.mount", "kern.cp_time",
	"kern.hashstat", "net.pcb", "net.route", "net.neigh", "net.interfaces",
	"net.interfaces_departed", "net.inet", "net.inet6", "net.softnet", "vm.stats",
	"vm.meminfo" };

struct list {
	char **name;
	size_t n;
};

static int
list_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct list *l = arg;
	char name[NB_SYSCTL_NAMEMAX];
	char **v;

	nb_sysctl_entry_name(e, name, sizeof(name));
	if ((v = reallocarray(l->name, l->n + 1, sizeof(*v))) == NULL)
		return -ENOMEM;
	l->name = v;
	if ((v[l->n] = strdup(name)) == NULL)
		return -ENOMEM;
	l->n++;
	return 0;
}

static void
list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->name[i]);
	free(l->name);
}

/* One leaf of the walked subtrees, as the first scrape found it. */
struct mleaf {
	char *top; /* its top node (escaped), the table's pattern */
	char *col; /* its name below top (escaped), the column */
	char *base; /* the metric's name (without a counter's _total) */
	char *descr;
	enum mtype type;
	bool u64, ns;
};

struct collect {
	struct metrics_state *st;
	const char *top;
	int err;
};

static int
collect_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct collect *c = arg;
	struct metrics_state *st = c->st;
	char base[NB_SYSCTL_NAMEMAX + 16], name[NB_SYSCTL_NAMEMAX];
	struct mleaf *v, *l;
	size_t n, tl = strlen(c->top);
	bool ns;

	if (!numeric(&e->val) || !generic_name(e, base, sizeof(base), &n, &ns))
		return 0;
	if (nb_sysctl_entry_name(e, name, sizeof(name)) >= sizeof(name) || strlen(name) <= tl + 1)
		return 0;
	if ((v = reallocarray(st->leaf, st->nleaf + 1, sizeof(*v))) == NULL)
		return -ENOMEM;
	st->leaf = v;
	l = &v[st->nleaf];
	memset(l, 0, sizeof(*l));
	l->top = strdup(c->top);
	l->col = strdup(name + tl + 1);
	l->base = strndup(base, n);
	/* A _ns leaf is given in seconds: its HELP says so. */
	if (ns) {
		if (asprintf(&l->descr, "%s (given in seconds)", e->descr) < 0)
			l->descr = NULL;
	} else {
		l->descr = strdup(e->descr);
	}
	l->type = type_of(e->val.flags);
	l->u64 = e->val.type == NB_SYSCTL_U64;
	l->ns = ns;
	st->nleaf++;
	if (l->top == NULL || l->col == NULL || l->base == NULL || l->descr == NULL)
		return -ENOMEM;
	return 0;
}

/* A listing: names only, without the costly parts no metric comes from. */
#define LISTING \
	(NB_SYSCTL_RD_SHALLOW | NB_SYSCTL_RD_NOVALUE | NB_SYSCTL_RD_NOMCAST | NB_SYSCTL_RD_NOPCBX)

/*
 * The walked subtrees: the children of each top node, less not_walked,
 * listed and walked once for their leaves (a listing loads every child,
 * processes and sockets included; the upper levels of the tree do not
 * change while the daemon runs). Each scrape then reads them with one
 * table read per top node (its leaves the columns), which loads only the
 * families the columns live in.
 */
static int
rest_list(struct scrape *s, struct metrics_state *st)
{
	struct list top = { 0 }, kid = { 0 };
	int rc;

	rc = nb_sysctl_walk(s->h, NULL, LISTING, list_cb, &top);
	for (size_t i = 0; rc == 0 && i < top.n; i++) {
		size_t k0 = kid.n;

		rc = nb_sysctl_walk(s->h, top.name[i], LISTING, list_cb, &kid);
		if (rc == -ENOENT)
			rc = 0;
		for (size_t j = k0; rc == 0 && j < kid.n; j++) {
			struct collect c = { st, top.name[i], 0 };
			bool skip = false;

			for (size_t k = 0; k < sizeof(not_walked) / sizeof(not_walked[0]) && !skip; k++)
				skip = strcmp(kid.name[j], not_walked[k]) == 0;
			if (skip)
				continue;
			rc = nb_sysctl_walk(s->h, kid.name[j], LISTING & ~NB_SYSCTL_RD_SHALLOW, collect_cb,
			    &c);
			if (rc == -ENOENT)
				rc = 0;
		}
	}
	list_free(&top);
	list_free(&kid);
	return rc;
}

static int
rest(struct scrape *s, struct metrics_state *st)
{
	struct nb_sysctl_column cols[NB_SYSCTL_TABLE_MAXCOLS];
	struct nb_sysctl_table t;
	int rc = 0;

	if (!st->listed) {
		if ((rc = rest_list(s, st)) != 0)
			return rc;
		st->listed = true;
	}
	/* The leaves of one top node, up to MAXCOLS at a time: one table read. */
	for (size_t i = 0; rc == 0 && i < st->nleaf;) {
		size_t j = i;
		unsigned n = 0;

		while (j < st->nleaf && n < NB_SYSCTL_TABLE_MAXCOLS &&
		       strcmp(st->leaf[j].top, st->leaf[i].top) == 0) {
			cols[n] = (struct nb_sysctl_column){ st->leaf[j].col,
				st->leaf[j].u64 ? NB_SYSCTL_U64 : NB_SYSCTL_INT, n * sizeof(int64_t), 0 };
			n++;
			j++;
		}
		rc = nb_sysctl_table_read(s->h, st->leaf[i].top, cols, n, n * sizeof(int64_t), 0, &t);
		if (rc == 0 && t.nrows == 1) {
			const int64_t *r = nb_sysctl_table_row(&t, 0);

			for (unsigned c = 0; c < n; c++) {
				const struct mleaf *l = &st->leaf[i + c];

				if (!nb_sysctl_row_has(&t.ids[0], c))
					continue;
				family(s, l->base, strlen(l->base), l->type, l->descr);
				sample(s, NULL, 0);
				value_ns(s, l->ns, l->u64, (uint64_t)r[c], r[c]);
			}
		}
		nb_sysctl_table_free(&t);
		if (rc == -ENOENT)
			rc = 0;
		i = j;
	}
	return rc;
}

void
metrics_state_free(struct metrics_state *st)
{
	for (size_t i = 0; i < st->nleaf; i++) {
		free(st->leaf[i].top);
		free(st->leaf[i].col);
		free(st->leaf[i].base);
		free(st->leaf[i].descr);
	}
	free(st->leaf);
	for (size_t i = 0; st->descrs != NULL && i < NDESCRS; i++)
		descrs_free(&st->descrs[i]);
	free(st->descrs);
	memset(st, 0, sizeof(*st));
}

/* A subtree that is absent (another source, a kernel without it) is no error. */
static int
absent_ok(int rc)
{
	return rc == -ENOENT ? 0 : rc;
}

int
metrics_render(struct nb_sysctl *h, struct metrics_state *st, bool openmetrics, struct mbuf *b)
{
	struct scrape s = { .h = h, .st = st, .b = b, .om = openmetrics };
	int rc;

	if (st->descrs == NULL && (st->descrs = calloc(NDESCRS, sizeof(*st->descrs))) == NULL)
		return -ENOMEM;
	if ((rc = absent_ok(interfaces(&s))) == 0)
		rc = absent_ok(cpus(&s));
	for (size_t i = 0; rc == 0 && i < sizeof(numtables) / sizeof(numtables[0]); i++)
		rc = absent_ok(numtable(&s, &numtables[i], &st->descrs[1 + i]));
	if (rc == 0)
		rc = absent_ok(nb_sysctl_walk(h, "net.inet", 0, netstat_cb, &s));
	if (rc == 0)
		rc = absent_ok(nb_sysctl_walk(h, "net.inet6", 0, netstat_cb, &s));
	if (rc == 0)
		rc = absent_ok(nb_sysctl_walk(h, "vm.stats", 0, vmstat_cb, &s));
	if (rc == 0)
		rc = absent_ok(nb_sysctl_walk(h, "vm.meminfo", 0, meminfo_cb, &s));
	if (rc == 0)
		rc = rest(&s, st);
	if (rc == 0 && openmetrics)
		b_str(b, "# EOF\n");
	return rc != 0 ? rc : b->err;
}

int
metrics_prepare(struct nb_sysctl *h, struct metrics_state *st)
{
	struct mbuf b = { 0 };
	int rc = metrics_render(h, st, false, &b);

	free(b.p);
	return rc;
}
