/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vm.c - nbvmstat's default mode (the vmstat line), -P (per-CPU cpu lines)
 * and -s (totals): read vm.* and kern.* into a sample as tables
 * (nb_sysctl_table_read), then render rates and percentages from two samples (or since boot).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#include "nbvmstat.h"

/* kern.cp_time.<ctr>, in clock ticks (docs/mib.md). */
enum cp { CP_USER, CP_NICE, CP_SYS, CP_IDLE, CP_IOWAIT, CP_IRQ, CP_SOFTIRQ, CP_STEAL,
	CP_GUEST, CP_GUEST_NICE, CP_N };

static const char *const cp_names[CP_N] = {
	"user", "nice", "sys", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice",
};

/* The scalar leaves nbvmstat reads. */
enum val {
	V_PROCS_RUNNING, V_PROCS_BLOCKED, V_CTXT, V_INTR, V_FORKS, V_NCPU, V_BOOTTIME, V_HZ,
	V_MEMTOTAL, V_MEMFREE, V_MEMAVAILABLE, V_BUFFERS, V_CACHED, V_ACTIVE, V_INACTIVE,
	V_SWAPTOTAL, V_SWAPFREE, V_COMMITTED_AS,
	V_PGFAULT, V_PGMAJFAULT, V_PGACTIVATE, V_PSWPIN, V_PSWPOUT, V_PGPGIN, V_PGPGOUT, V_PGFREE,
	V_PGSTEAL_KSWAPD, V_PGSTEAL_DIRECT, V_PGSTEAL_KHUGEPAGED,
	V_PGSCAN_KSWAPD, V_PGSCAN_DIRECT, V_PGSCAN_KHUGEPAGED,
	V_N
};

static const struct leaf {
	const char	*root;		/* "kern" or "vm" */
	const char	*name;		/* the leaf under it */
	const char	*prose;		/* -s; NULL: not listed */
} leaves[V_N] = {
	[V_PROCS_RUNNING] = { "kern", "procs_running", "processes running or runnable" },
	[V_PROCS_BLOCKED] = { "kern", "procs_blocked", "processes blocked on I/O" },
	[V_CTXT] = { "kern", "ctxt", "cpu context switches" },
	[V_INTR] = { "kern", "intr.total", "interrupts" },
	[V_FORKS] = { "kern", "forks", "forks" },
	[V_NCPU] = { "kern", "ncpu", "cpus" },
	[V_BOOTTIME] = { "kern", "boottime", NULL },
	[V_HZ] = { "kern", "clockrate.hz", "clock ticks per second (cp_time)" },
	[V_MEMTOTAL] = { "vm", "meminfo.memtotal", "bytes of memory" },
	[V_MEMFREE] = { "vm", "meminfo.memfree", "bytes free" },
	[V_MEMAVAILABLE] = { "vm", "meminfo.memavailable", "bytes available" },
	[V_BUFFERS] = { "vm", "meminfo.buffers", "bytes in block device buffers" },
	[V_CACHED] = { "vm", "meminfo.cached", "bytes in the page cache" },
	[V_ACTIVE] = { "vm", "meminfo.active", "bytes active" },
	[V_INACTIVE] = { "vm", "meminfo.inactive", "bytes inactive" },
	[V_SWAPTOTAL] = { "vm", "meminfo.swaptotal", "bytes of swap" },
	[V_SWAPFREE] = { "vm", "meminfo.swapfree", "bytes of swap free" },
	[V_COMMITTED_AS] = { "vm", "meminfo.committed_as", "bytes committed (avm)" },
	[V_PGFAULT] = { "vm", "stats.pgfault", "page faults" },
	[V_PGMAJFAULT] = { "vm", "stats.pgmajfault", "major page faults (needed I/O)" },
	[V_PGACTIVATE] = { "vm", "stats.pgactivate", "pages activated (re)" },
	[V_PSWPIN] = { "vm", "stats.pswpin", "pages swapped in" },
	[V_PSWPOUT] = { "vm", "stats.pswpout", "pages swapped out" },
	[V_PGPGIN] = { "vm", "stats.pgpgin", "kilobytes paged in from block devices" },
	[V_PGPGOUT] = { "vm", "stats.pgpgout", "kilobytes paged out to block devices" },
	[V_PGFREE] = { "vm", "stats.pgfree", "pages freed" },
	[V_PGSTEAL_KSWAPD] = { "vm", "stats.pgsteal_kswapd", "pages reclaimed by kswapd" },
	[V_PGSTEAL_DIRECT] = { "vm", "stats.pgsteal_direct", "pages reclaimed directly" },
	[V_PGSTEAL_KHUGEPAGED] = { "vm", "stats.pgsteal_khugepaged", "pages reclaimed by khugepaged" },
	[V_PGSCAN_KSWAPD] = { "vm", "stats.pgscan_kswapd", "pages scanned by kswapd" },
	[V_PGSCAN_DIRECT] = { "vm", "stats.pgscan_direct", "pages scanned directly" },
	[V_PGSCAN_KHUGEPAGED] = { "vm", "stats.pgscan_khugepaged", "pages scanned by khugepaged" },
};

struct cpu_ticks {
	long		 cpu;		/* -1: the total */
	uint64_t	 t[CP_N];
	unsigned	 present;	/* bit per enum cp */
};

struct vm_sample {
	int64_t		 time_ns;	/* realtime of the sample */
	uint64_t	 v[V_N];
	uint64_t	 present;	/* bit per enum val */
	struct cpu_ticks total;
	struct cpu_ticks *cpus;		/* by CPU number, ascending */
	size_t		 ncpus, cpucap;
};

#define HAVE(s, x)	(((s)->present >> (x)) & 1u)

/* ---- collect ---- */

/* The leaves under one root as one table row: column i lands at v[i]. */
enum { ROOT_KERN, ROOT_VM, NROOTS };

static const char *const roots[NROOTS] = { "kern", "vm" };

struct root_read {
	struct nb_sysctl_column cols[V_N];
	unsigned	 ncols;
	unsigned	 val[V_N];	/* column -> enum val */
};

static struct root_read root_reads[NROOTS];
static struct nb_sysctl_column cp_cols[CP_N];

struct cp_row {
	uint64_t	 t[CP_N];
};

static void
cols_init(void)
{
	unsigned i, r;

	if (cp_cols[0].leaf != NULL)
		return;
	for (i = 0; i < V_N; i++) {
		r = strcmp(leaves[i].root, roots[ROOT_VM]) == 0 ? ROOT_VM : ROOT_KERN;
		root_reads[r].val[root_reads[r].ncols] = i;
		root_reads[r].cols[root_reads[r].ncols++] = (struct nb_sysctl_column){
		    leaves[i].name, NB_SYSCTL_U64, i * sizeof(uint64_t), 0 };
	}
	for (i = 0; i < CP_N; i++)
		cp_cols[i] = (struct nb_sysctl_column){ cp_names[i], NB_SYSCTL_U64,
		    i * sizeof(uint64_t), 0 };
}

static void
sample_free(struct vm_sample *s)
{
	free(s->cpus);
	memset(s, 0, sizeof(*s));
}

/* Error for a subtree the tree lacks (the linux source's procfs statistics). */
static _Noreturn void
missing(const char *what)
{
	nb_errx(NB_EXIT_RUNTIME, "%s: not in the tree (needs the vm and kern procfs "
	    "statistics of the linux source)", what);
}

/* Read `pattern` into t; a name the tree lacks is an error only if `required`. */
static void
read_table(struct nb_sysctl *h, const char *pattern, const struct nb_sysctl_column *cols,
    unsigned ncols, size_t rowsize, bool required, struct nb_sysctl_table *t,
    struct vm_sample *s)
{
	const char *d;
	int error;

	if ((error = nb_sysctl_table_read(h, pattern, cols, ncols, rowsize, 0, t)) == 0)
		return;
	/* -ENOENT with a detail: a file the source needs is missing (--root). */
	d = nb_sysctl_errdetail(h);
	if (error == -ENOENT && !required && *d == '\0')
		return;
	nb_sysctl_table_free(t);
	sample_free(s);
	if (error == -ENOENT && *d == '\0')
		missing(pattern);
	nb_errx(NB_EXIT_RUNTIME, "%s: %s", pattern, d != NULL && *d != '\0' ? d : strerror(-error));
}

/* Row 0 of t (CPU times) into c. */
static void
cp_take(struct cpu_ticks *c, const struct nb_sysctl_table *t, size_t row)
{
	const struct cp_row *r = nb_sysctl_table_row(t, row);
	unsigned i;

	for (i = 0; r != NULL && i < CP_N; i++)
		if (nb_sysctl_row_has(&t->ids[row], i)) {
			c->t[i] = r->t[i];
			c->present |= 1u << i;
		}
}

/*
 * Interval mode: one nb_delta per table read (libnbtool's one delta path),
 * so that the counters of a sample are what moved since the previous one
 * (the first sample: since boot); gauges stay as read.
 */
enum { D_KERN,
	D_VM,
	D_CP,
	D_CPUS,
	D_N };

struct vm_deltas {
	struct nb_delta *d[D_N];
};

/* The counters of t since the previous read (nothing when d is NULL). */
static void
step(struct vm_deltas *dl, unsigned k, struct nb_sysctl_table *t,
    const struct nb_sysctl_column *cols, struct vm_sample *s)
{
	if (dl == NULL)
		return;
	if (nb_delta_step(dl->d[k], t, cols, NULL) != 0) {
		nb_sysctl_table_free(t);
		sample_free(s);
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	}
}

static void
collect(struct nb_sysctl *h, struct vm_sample *s, struct vm_deltas *dl)
{
	struct nb_sysctl_table t;
	const uint64_t *v;
	size_t i;
	unsigned r, c;

	cols_init();
	memset(s, 0, sizeof(*s));
	s->total.cpu = -1;
	/*
	 * The leaves of the table under vm and kern (not all of kern:
	 * kern.proc, every process's open files, is the costliest part of the
	 * tree and the vmstat line uses none of it), kern.cp_time and its CPUs.
	 */
	for (r = 0; r < NROOTS; r++) {
		read_table(h, roots[r], root_reads[r].cols, root_reads[r].ncols,
		    V_N * sizeof(uint64_t), r == ROOT_VM, &t, s);
		step(dl, r == ROOT_VM ? D_VM : D_KERN, &t, root_reads[r].cols, s);
		if ((v = nb_sysctl_table_row(&t, 0)) != NULL)
			for (c = 0; c < root_reads[r].ncols; c++)
				if (nb_sysctl_row_has(&t.ids[0], c)) {
					s->v[root_reads[r].val[c]] = v[root_reads[r].val[c]];
					s->present |= UINT64_C(1) << root_reads[r].val[c];
				}
		nb_sysctl_table_free(&t);
	}
	read_table(h, "kern.cp_time", cp_cols, CP_N, sizeof(struct cp_row), true, &t, s);
	step(dl, D_CP, &t, cp_cols, s);
	cp_take(&s->total, &t, 0);
	nb_sysctl_table_free(&t);
	read_table(h, "kern.cp_time.*", cp_cols, CP_N, sizeof(struct cp_row), true, &t, s);
	step(dl, D_CPUS, &t, cp_cols, s);
	if (t.nrows > 0 && (s->cpus = calloc(t.nrows, sizeof(*s->cpus))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	for (i = 0; i < t.nrows; i++) {
		if (t.ids[i].index < 0)
			continue;
		s->cpus[s->ncpus].cpu = (long)t.ids[i].index;
		cp_take(&s->cpus[s->ncpus++], &t, i);
	}
	s->cpucap = t.nrows;
	nb_sysctl_table_free(&t);
	s->time_ns = nb_sysctl_sample_time(h);
	/* What the vmstat line cannot do without. */
	if (s->total.present == 0) {
		sample_free(s);
		missing("kern.cp_time");
	}
	if (!HAVE(s, V_BOOTTIME)) {
		sample_free(s);
		missing("kern.boottime");
	}
	/* A boot after the sample (a damaged or hostile root's btime) would
	 * overflow the since-boot span or make its rates the totals. */
	if (s->v[V_BOOTTIME] > (uint64_t)(s->time_ns / 1000000000LL)) {
		uint64_t bt = s->v[V_BOOTTIME];

		sample_free(s);
		nb_errx(NB_EXIT_RUNTIME, "kern.boottime %" PRIu64 " is after the sample's time", bt);
	}
	if (!HAVE(s, V_MEMFREE)) {
		sample_free(s);
		missing("vm.meminfo.memfree");
	}
}

/* ---- render helpers ---- */

/*
 * NetBSD's PRWORD: a column `width` wide (its leading space included); a
 * value wider than its column borrows from the columns after it, so one
 * big number shifts the line only as far as it must.
 */
struct line {
	struct nb_out	*o;
	int		 ovflw;
};

static void
col_u64(struct line *ln, const char *key, int width, uint64_t v)
{
	char fmt[24];
	int w = width - 1 - ln->ovflw;

	snprintf(fmt, sizeof(fmt), " %%%d" PRIu64, w > 0 ? w : 0);
	nb_out_u64(ln->o, NB_OUT_ANY, key, fmt, v);
	ln->ovflw += snprintf(NULL, 0, " %*" PRIu64, w > 0 ? w : 0, v) - width;
	if (ln->ovflw < 0)
		ln->ovflw = 0;
}

/* A percentage, printed rounded ("%.0f"). */
static void
col_pct(struct line *ln, const char *key, int width, double v)
{
	char fmt[24];
	int w = width - 1 - ln->ovflw;

	snprintf(fmt, sizeof(fmt), " %%%d.0f", w > 0 ? w : 0);
	nb_out_double(ln->o, NB_OUT_ANY, key, fmt, v);
	ln->ovflw += snprintf(NULL, 0, " %*.0f", w > 0 ? w : 0, v) - width;
	if (ln->ovflw < 0)
		ln->ovflw = 0;
}


/* A value the kernel does not give: "-" in text, null in JSON. */
static void
col_none(struct line *ln, const char *key, int width)
{
	char txt[24];
	int w = width - 1 - ln->ovflw;

	snprintf(txt, sizeof(txt), " %*s", w > 0 ? w : 0, "-");
	nb_out_null(ln->o, NB_OUT_ANY, key, txt);
	ln->ovflw += (int)strlen(txt) - width;
	if (ln->ovflw < 0)
		ln->ovflw = 0;
}

/* Events per second over `secs`, rounded (NetBSD's rate()). */
static uint64_t
rate(const struct vm_sample *cur, const struct vm_sample *prev, enum val x, double secs)
{
	uint64_t d = cur->v[x]; /* a counter: its delta (nb_delta) */

	(void)prev;

	return secs > 0 ? (uint64_t)llround((double)d / secs) : d;
}

/* Sum of the leaves of `xs` that the kernel has; false if none. */
static bool
sum_rate(const struct vm_sample *cur, const struct vm_sample *prev, const enum val *xs,
    size_t n, double secs, uint64_t *out)
{
	bool any = false;
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (!HAVE(cur, xs[i]))
			continue;
		*out += rate(cur, prev, xs[i], secs);
		any = true;
	}
	return any;
}

static void
col_rate(struct line *ln, const char *key, int width, const struct vm_sample *cur,
    const struct vm_sample *prev, enum val x, double secs)
{
	if (HAVE(cur, x))
		col_u64(ln, key, width, rate(cur, prev, x, secs));
	else
		col_none(ln, key, width);
}

struct pct {
	double		 us, sy, id, wa;
};

/* cpu us sy id wa from cp_time ticks (since the previous sample, or boot). */
static struct pct
cpu_pct(const struct cpu_ticks *cur)
{
	uint64_t d[CP_N], total = 0;
	struct pct p = { 0, 0, 0, 0 };
	int i;

	for (i = 0; i < CP_N; i++) {
		d[i] = cur->t[i]; /* since the previous sample (nb_delta) */
		/* guest and guest_nice are already inside user and nice. */
		if (i != CP_GUEST && i != CP_GUEST_NICE)
			total += d[i];
	}
	if (total == 0)
		return p;
	p.us = (double)(d[CP_USER] + d[CP_NICE]) * 100.0 / (double)total;
	p.sy = (double)(d[CP_SYS] + d[CP_IRQ] + d[CP_SOFTIRQ]) * 100.0 / (double)total;
	p.id = (double)d[CP_IDLE] * 100.0 / (double)total;
	p.wa = (double)d[CP_IOWAIT] * 100.0 / (double)total;
	/* JSON carries two decimals; text rounds these to whole percents. */
	p.us = round(p.us * 100.0) / 100.0;
	p.sy = round(p.sy * 100.0) / 100.0;
	p.id = round(p.id * 100.0) / 100.0;
	p.wa = round(p.wa * 100.0) / 100.0;
	return p;
}

/* Seconds the rates are over: since boot, or between the two samples. */
static double
elapsed(const struct vm_sample *cur, const struct vm_sample *prev)
{
	int64_t ns;

	if (prev != NULL)
		ns = cur->time_ns - prev->time_ns;
	else
		ns = cur->time_ns - (int64_t)cur->v[V_BOOTTIME] * 1000000000LL;
	return ns > 0 ? (double)ns / 1e9 : 0;
}

/* ---- the vmstat line ---- */

static const struct hdr {
	const char	*name;
	int		 width;
} vm_cols[] = {
	{ "r", 2 }, { "b", 2 }, { "avm", 9 }, { "fre", 7 },
	{ "flt", 5 }, { "re", 4 }, { "pi", 4 }, { "po", 5 }, { "fr", 5 }, { "sr", 5 },
	{ "in", 5 }, { "sy", 5 }, { "cs", 4 },
	{ "us", 3 }, { "sy", 3 }, { "id", 3 }, { "wa", 3 },
};

static void
render_vm_header(struct nb_out *o)
{
	size_t i;

	nb_out_text(o, " procs    memory      page%23s  faults   cpu\n", "");
	for (i = 0; i < sizeof(vm_cols) / sizeof(vm_cols[0]); i++)
		nb_out_text(o, "%*s", vm_cols[i].width, vm_cols[i].name);
	nb_out_text(o, "\n");
}

static const enum val steal_vals[] = { V_PGSTEAL_KSWAPD, V_PGSTEAL_DIRECT, V_PGSTEAL_KHUGEPAGED };
static const enum val scan_vals[] = { V_PGSCAN_KSWAPD, V_PGSCAN_DIRECT, V_PGSCAN_KHUGEPAGED };

static void
render_vm_line(struct nb_out *o, const struct vm_sample *cur, const struct vm_sample *prev)
{
	struct line ln = { .o = o, .ovflw = 0 };
	double secs = elapsed(cur, prev);
	struct pct p = cpu_pct(&cur->total);
	uint64_t v;

	nb_out_record_begin(o);
	nb_out_bool(o, NB_OUT_JSON, "since_boot", NULL, prev == NULL);
	nb_out_double(o, NB_OUT_JSON, "seconds", NULL, round(secs * 1000.0) / 1000.0);

	nb_out_open_object(o, "procs");
	if (HAVE(cur, V_PROCS_RUNNING))
		col_u64(&ln, "r", 2, cur->v[V_PROCS_RUNNING]);
	else
		col_none(&ln, "r", 2);
	if (HAVE(cur, V_PROCS_BLOCKED))
		col_u64(&ln, "b", 2, cur->v[V_PROCS_BLOCKED]);
	else
		col_none(&ln, "b", 2);
	nb_out_close_object(o);

	nb_out_open_object(o, "memory");
	if (HAVE(cur, V_COMMITTED_AS))
		col_u64(&ln, "avm", 9, cur->v[V_COMMITTED_AS] / 1024);
	else
		col_none(&ln, "avm", 9);
	col_u64(&ln, "fre", 7, cur->v[V_MEMFREE] / 1024);
	nb_out_close_object(o);

	nb_out_open_object(o, "page");
	col_rate(&ln, "flt", 5, cur, prev, V_PGFAULT, secs);
	col_rate(&ln, "re", 4, cur, prev, V_PGACTIVATE, secs);
	col_rate(&ln, "pi", 4, cur, prev, V_PSWPIN, secs);
	col_rate(&ln, "po", 5, cur, prev, V_PSWPOUT, secs);
	if (sum_rate(cur, prev, steal_vals, 3, secs, &v))
		col_u64(&ln, "fr", 5, v);
	else
		col_none(&ln, "fr", 5);
	if (sum_rate(cur, prev, scan_vals, 3, secs, &v))
		col_u64(&ln, "sr", 5, v);
	else
		col_none(&ln, "sr", 5);
	nb_out_close_object(o);

	nb_out_open_object(o, "faults");
	col_rate(&ln, "in", 5, cur, prev, V_INTR, secs);
	col_none(&ln, "sy", 5);		/* Linux counts no system calls */
	col_rate(&ln, "cs", 4, cur, prev, V_CTXT, secs);
	nb_out_close_object(o);

	nb_out_open_object(o, "cpu");
	col_pct(&ln, "us", 3, p.us);
	col_pct(&ln, "sy", 3, p.sy);
	col_pct(&ln, "id", 3, p.id);
	col_pct(&ln, "wa", 3, p.wa);
	nb_out_close_object(o);
	nb_out_text(o, "\n");
	nb_out_record_end(o);
}


/* ---- -P ---- */

static void
render_cpus(struct nb_out *o, const struct vm_sample *cur, const struct vm_sample *prev)
{
	const struct cpu_ticks *c;
	struct pct p;
	size_t i;

	nb_out_record_begin(o);
	nb_out_bool(o, NB_OUT_JSON, "since_boot", NULL, prev == NULL);
	nb_out_double(o, NB_OUT_JSON, "seconds", NULL, round(elapsed(cur, prev) * 1000.0) / 1000.0);
	nb_out_text(o, "%-6s %3s %3s %3s %3s\n", "cpu", "us", "sy", "id", "wa");
	nb_out_open_array(o, "cpus");
	for (i = 0; i < cur->ncpus; i++) {
		c = &cur->cpus[i];
		/* A CPU that was not there last time: its ticks since boot. */
		p = cpu_pct(c);
		nb_out_open_object(o, NULL);
		nb_out_text(o, "cpu");
		nb_out_i64(o, NB_OUT_ANY, "cpu", "%-3" PRId64, (int64_t)c->cpu);
		nb_out_double(o, NB_OUT_ANY, "us", " %3.0f", p.us);
		nb_out_double(o, NB_OUT_ANY, "sy", " %3.0f", p.sy);
		nb_out_double(o, NB_OUT_ANY, "id", " %3.0f", p.id);
		nb_out_double(o, NB_OUT_ANY, "wa", " %3.0f\n", p.wa);
		nb_out_close_object(o);
	}
	nb_out_close_array(o);
	nb_out_record_end(o);
}

/* ---- -s ---- */

static void
render_totals(struct nb_out *o, const struct vm_sample *s)
{
	char name[64];
	int i;

	nb_out_record_begin(o);
	nb_out_open_array(o, "totals");
	for (i = 0; i < V_N; i++) {
		if (leaves[i].prose == NULL || !HAVE(s, i))
			continue;
		snprintf(name, sizeof(name), "%s.%s", leaves[i].root, leaves[i].name);
		nb_out_open_object(o, NULL);
		nb_out_str(o, NB_OUT_JSON, "name", NULL, name);
		nb_out_u64(o, NB_OUT_ANY, "value", "%12" PRIu64 " ", s->v[i]);
		nb_out_str(o, NB_OUT_ANY, "description", "%s\n", leaves[i].prose);
		nb_out_close_object(o);
	}
	for (i = 0; i < CP_N; i++) {
		if ((s->total.present & (1u << i)) == 0)
			continue;
		snprintf(name, sizeof(name), "kern.cp_time.%s", cp_names[i]);
		nb_out_open_object(o, NULL);
		nb_out_str(o, NB_OUT_JSON, "name", NULL, name);
		nb_out_u64(o, NB_OUT_ANY, "value", "%12" PRIu64 " ", s->total.t[i]);
		nb_out_str(o, NB_OUT_ANY, "description", "cpu ticks in %s\n", cp_names[i]);
		nb_out_close_object(o);
	}
	nb_out_close_array(o);
	nb_out_record_end(o);
}

int
vm_mode(struct nb_sysctl *h, const struct vmstat_opts *vo, struct nb_out *o)
{
	struct vm_sample cur, prev;
	struct vm_deltas dl;
	struct nb_ticker t;
	bool have_prev = false;
	int page = nb_page_lines(), line = 0;
	unsigned k;

	/* Linux's iowait (and so its cp_time) can go backwards: never negative. */
	for (k = 0; k < D_N; k++) {
		if (nb_delta_create(&dl.d[k]) != 0)
			nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
		nb_delta_set_backwards(dl.d[k], NB_DELTA_CLAMP);
	}
	/* -s: totals as read; else counters as deltas (the first: since boot). */
	collect(h, &cur, vo->sflag ? NULL : &dl);
	if (vo->sflag) {
		render_totals(o, &cur);
		sample_free(&cur);
		for (k = 0; k < D_N; k++)
			nb_delta_destroy(&dl.d[k]);
		return 0;
	}
	nb_ticker_init(&t, &vo->c, h);
	for (;;) {
		if (vo->Pflag) {
			render_cpus(o, &cur, have_prev ? &prev : NULL);
		} else {
			/* Headers, then page - 2 lines (NetBSD's hdrcnt = winlines - 2). */
			if (line == 0)
				render_vm_header(o);
			render_vm_line(o, &cur, have_prev ? &prev : NULL);
			if (++line >= page - 2)
				line = 0;
		}
		if (!(vo->c.interval_set || vo->c.count_set) || !nb_ticker_next(&t))
			break;
		if (have_prev)
			sample_free(&prev);
		prev = cur;
		have_prev = true;
		collect(h, &cur, &dl);
	}
	if (have_prev)
		sample_free(&prev);
	sample_free(&cur);
	for (k = 0; k < D_N; k++)
		nb_delta_destroy(&dl.d[k]);
	return 0;
}

/* ---- --plot ---- */

struct vplot {
	struct nb_plot *p;
	const char *path;
	int cpu, mem, flt;
};

static void
vpoint(struct vplot *vp, int panel, const char *group, const char *label, int64_t t, int64_t dt,
    double v)
{
	int s;

	if ((s = nb_plot_series(vp->p, panel, group, label)) < 0 ||
	    nb_plot_point(vp->p, s, t, dt, v) != 0)
		nb_errx(NB_EXIT_RUNTIME, "--plot: %s", strerror(ENOMEM));
}

/*
 * One interval's points: cpu us/sy/wa/id stacked (with -P one busy line,
 * 100 - id, per CPU), memory levels at the sample, fault and interrupt
 * rates over the interval.
 */
static void
plot_step(struct vplot *vp, const struct vm_sample *cur, const struct vm_sample *prev, bool percpu)
{
	static const struct {
		enum val x;
		const char *label;
	} mem[] = { { V_MEMFREE, "free" }, { V_MEMAVAILABLE, "available" },
		{ V_CACHED, "cached" }, { V_BUFFERS, "buffers" }, { V_COMMITTED_AS, "committed" } },
	  flt[] = { { V_PGFAULT, "page faults" }, { V_PGMAJFAULT, "major faults" },
		  { V_INTR, "interrupts" }, { V_CTXT, "context switches" } };
	int64_t t = cur->time_ns, dt = cur->time_ns - prev->time_ns;
	double secs = (double)dt / 1e9;
	struct pct p;
	char cpu[24];

	if (dt <= 0)
		return;
	if (!percpu) {
		p = cpu_pct(&cur->total);
		vpoint(vp, vp->cpu, NULL, "us", t, dt, p.us);
		vpoint(vp, vp->cpu, NULL, "sy", t, dt, p.sy);
		vpoint(vp, vp->cpu, NULL, "wa", t, dt, p.wa);
		vpoint(vp, vp->cpu, NULL, "id", t, dt, p.id);
	} else {
		for (size_t i = 0; i < cur->ncpus; i++) {
			p = cpu_pct(&cur->cpus[i]);
			snprintf(cpu, sizeof(cpu), "cpu%ld", cur->cpus[i].cpu);
			vpoint(vp, vp->cpu, cpu, "busy", t, dt, 100.0 - p.id);
		}
	}
	for (size_t i = 0; i < sizeof(mem) / sizeof(mem[0]); i++)
		if (HAVE(cur, mem[i].x))
			vpoint(vp, vp->mem, NULL, mem[i].label, t, 0, (double)cur->v[mem[i].x]);
	for (size_t i = 0; i < sizeof(flt) / sizeof(flt[0]); i++)
		if (HAVE(cur, flt[i].x))
			vpoint(vp, vp->flt, NULL, flt[i].label, t, dt, (double)cur->v[flt[i].x] / secs);
}

static void
plot_write(struct vplot *vp)
{
	int rc;

	if ((rc = nb_plot_write(vp->p)) != 0)
		nb_errx(NB_EXIT_RUNTIME, "--plot %s: %s", vp->path, strerror(-rc));
}

int
vm_plot(struct nb_sysctl *h, const struct vmstat_opts *vo, struct nb_out *o)
{
	struct vplot vp = { .path = vo->c.plot_path };
	struct vm_sample cur, prev;
	struct vm_deltas dl;
	struct nb_ticker t;
	unsigned k;
	int rc;

	(void)o;
	if ((rc = nb_plot_create(vp.path, vo->Pflag ? "nbvmstat -P" : "nbvmstat", &vp.p)) != 0)
		nb_errx(NB_EXIT_RUNTIME, "--plot %s: %s", vp.path, strerror(-rc));
	if ((vp.cpu = nb_plot_panel(vp.p, vo->Pflag ? "cpu busy (100 - idle)" : "cpu", "%",
		 vo->Pflag ? NB_PLOT_LINES : NB_PLOT_STACKED)) < 0 ||
	    (vp.mem = nb_plot_panel(vp.p, "memory", "B", NB_PLOT_LINES)) < 0 ||
	    (vp.flt = nb_plot_panel(vp.p, "faults and interrupts", "/s", NB_PLOT_LINES)) < 0)
		nb_errx(NB_EXIT_RUNTIME, "--plot: %s", strerror(ENOMEM));
	for (k = 0; k < D_N; k++) {
		if (nb_delta_create(&dl.d[k]) != 0)
			nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
		nb_delta_set_backwards(dl.d[k], NB_DELTA_CLAMP);
	}
	/* The first sample only starts the range (its counters are since boot). */
	collect(h, &cur, &dl);
	nb_ticker_init(&t, &vo->c, h);
	while (nb_ticker_next(&t)) {
		prev = cur;
		collect(h, &cur, &dl);
		plot_step(&vp, &cur, &prev, vo->Pflag);
		sample_free(&prev);
		if (vo->c.replay_path == NULL)
			plot_write(&vp);
	}
	plot_write(&vp);
	sample_free(&cur);
	for (k = 0; k < D_N; k++)
		nb_delta_destroy(&dl.d[k]);
	nb_plot_destroy(&vp.p);
	return 0;
}
