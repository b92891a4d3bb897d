/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vm.c - nbvmstat's default mode (the vmstat line), -P (per-CPU cpu lines)
 * and -s (totals): collect vm.* and kern.* into a sample in one walk each,
 * then render rates and percentages from two samples (or since boot).
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
	const char	*name;
	const char	*prose;		/* -s; NULL: not listed */
} leaves[V_N] = {
	[V_PROCS_RUNNING] = { "kern.procs_running", "processes running or runnable" },
	[V_PROCS_BLOCKED] = { "kern.procs_blocked", "processes blocked on I/O" },
	[V_CTXT] = { "kern.ctxt", "cpu context switches" },
	[V_INTR] = { "kern.intr.total", "interrupts" },
	[V_FORKS] = { "kern.forks", "forks" },
	[V_NCPU] = { "kern.ncpu", "cpus" },
	[V_BOOTTIME] = { "kern.boottime", NULL },
	[V_HZ] = { "kern.clockrate.hz", "clock ticks per second (cp_time)" },
	[V_MEMTOTAL] = { "vm.meminfo.memtotal", "bytes of memory" },
	[V_MEMFREE] = { "vm.meminfo.memfree", "bytes free" },
	[V_MEMAVAILABLE] = { "vm.meminfo.memavailable", "bytes available" },
	[V_BUFFERS] = { "vm.meminfo.buffers", "bytes in block device buffers" },
	[V_CACHED] = { "vm.meminfo.cached", "bytes in the page cache" },
	[V_ACTIVE] = { "vm.meminfo.active", "bytes active" },
	[V_INACTIVE] = { "vm.meminfo.inactive", "bytes inactive" },
	[V_SWAPTOTAL] = { "vm.meminfo.swaptotal", "bytes of swap" },
	[V_SWAPFREE] = { "vm.meminfo.swapfree", "bytes of swap free" },
	[V_COMMITTED_AS] = { "vm.meminfo.committed_as", "bytes committed (avm)" },
	[V_PGFAULT] = { "vm.stats.pgfault", "page faults" },
	[V_PGMAJFAULT] = { "vm.stats.pgmajfault", "major page faults (needed I/O)" },
	[V_PGACTIVATE] = { "vm.stats.pgactivate", "pages activated (re)" },
	[V_PSWPIN] = { "vm.stats.pswpin", "pages swapped in" },
	[V_PSWPOUT] = { "vm.stats.pswpout", "pages swapped out" },
	[V_PGPGIN] = { "vm.stats.pgpgin", "kilobytes paged in from block devices" },
	[V_PGPGOUT] = { "vm.stats.pgpgout", "kilobytes paged out to block devices" },
	[V_PGFREE] = { "vm.stats.pgfree", "pages freed" },
	[V_PGSTEAL_KSWAPD] = { "vm.stats.pgsteal_kswapd", "pages reclaimed by kswapd" },
	[V_PGSTEAL_DIRECT] = { "vm.stats.pgsteal_direct", "pages reclaimed directly" },
	[V_PGSTEAL_KHUGEPAGED] = { "vm.stats.pgsteal_khugepaged", "pages reclaimed by khugepaged" },
	[V_PGSCAN_KSWAPD] = { "vm.stats.pgscan_kswapd", "pages scanned by kswapd" },
	[V_PGSCAN_DIRECT] = { "vm.stats.pgscan_direct", "pages scanned directly" },
	[V_PGSCAN_KHUGEPAGED] = { "vm.stats.pgscan_khugepaged", "pages scanned by khugepaged" },
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

static uint64_t
val_u64(const struct nb_sysctl_value *v)
{
	if (v->type == NB_SYSCTL_INT)
		return v->i < 0 ? 0 : (uint64_t)v->i;
	if (v->type == NB_SYSCTL_BOOL)
		return v->b;
	return v->u;
}

static struct cpu_ticks *
cpu_get(struct vm_sample *s, long cpu)
{
	struct cpu_ticks *c;

	if (s->ncpus > 0 && s->cpus[s->ncpus - 1].cpu == cpu)
		return &s->cpus[s->ncpus - 1];
	if (s->ncpus == s->cpucap) {
		size_t cap = s->cpucap != 0 ? s->cpucap * 2 : 16;

		if ((c = realloc(s->cpus, cap * sizeof(*c))) == NULL)
			return NULL;
		s->cpus = c;
		s->cpucap = cap;
	}
	c = &s->cpus[s->ncpus++];
	memset(c, 0, sizeof(*c));
	c->cpu = cpu;
	return c;
}

static void
cp_set(struct cpu_ticks *c, const char *name, uint64_t v)
{
	int i;

	for (i = 0; i < CP_N; i++) {
		if (strcmp(name, cp_names[i]) == 0) {
			c->t[i] = v;
			c->present |= 1u << i;
			return;
		}
	}
}

static int
sample_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct vm_sample *s = arg;
	struct cpu_ticks *c;
	char name[NB_SYSCTL_NAMEMAX + 1], *end;
	long cpu;
	int i;

	if (e->val.type == NB_SYSCTL_NODE || e->val.type == NB_SYSCTL_STRING ||
	    e->val.type == NB_SYSCTL_ADDRESS)
		return 0;
	/* kern cp_time <ctr> | kern cp_time <cpu> <ctr> */
	if (e->ncomp >= 3 && strcmp(e->comp[0], "kern") == 0 &&
	    strcmp(e->comp[1], "cp_time") == 0) {
		if (e->ncomp == 3) {
			cp_set(&s->total, e->comp[2], val_u64(&e->val));
			return 0;
		}
		errno = 0;
		cpu = strtol(e->comp[2], &end, 10);
		if (e->ncomp != 4 || *end != '\0' || errno != 0 || cpu < 0)
			return 0;
		if ((c = cpu_get(s, cpu)) == NULL)
			return -ENOMEM;
		cp_set(c, e->comp[3], val_u64(&e->val));
		return 0;
	}
	if (nb_sysctl_entry_name(e, name, sizeof(name)) >= sizeof(name))
		return 0;
	for (i = 0; i < V_N; i++) {
		if (strcmp(name, leaves[i].name) == 0) {
			s->v[i] = val_u64(&e->val);
			s->present |= UINT64_C(1) << i;
			break;
		}
	}
	return 0;
}

static int
cmp_cpu(const void *a, const void *b)
{
	const struct cpu_ticks *x = a, *y = b;

	return (x->cpu > y->cpu) - (x->cpu < y->cpu);
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

/* Walk `name` into s; a name the tree lacks is an error only if `required`. */
static void
walk(struct nb_sysctl *h, const char *name, bool required, struct vm_sample *s)
{
	const char *d;
	int error;

	/* -ENOENT with a detail: a file the source needs is missing (--root). */
	d = nb_sysctl_errdetail(h);
	if ((error = nb_sysctl_walk(h, name, 0, sample_cb, s)) == 0 ||
	    (error == -ENOENT && !required && *d == '\0'))
		return;
	sample_free(s);
	if (error == -ENOENT && *d == '\0')
		missing(name);
	nb_errx(NB_EXIT_RUNTIME, "%s: %s", name, d != NULL && *d != '\0' ? d : strerror(-error));
}

static void
collect(struct nb_sysctl *h, struct vm_sample *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->total.cpu = -1;
	/*
	 * vm, kern.cp_time and the kern leaves of the table, not all of kern:
	 * kern.proc (every process's open files) is the costliest part of
	 * the tree and the vmstat line uses none of it.
	 */
	walk(h, "vm", true, s);
	walk(h, "kern.cp_time", true, s);
	for (i = 0; i < V_N; i++)
		if (strncmp(leaves[i].name, "kern.", 5) == 0)
			walk(h, leaves[i].name, false, s);
	s->time_ns = nb_sysctl_sample_time(h);
	qsort(s->cpus, s->ncpus, sizeof(s->cpus[0]), cmp_cpu);
	/* What the vmstat line cannot do without. */
	if (s->total.present == 0) {
		sample_free(s);
		missing("kern.cp_time");
	}
	if (!HAVE(s, V_BOOTTIME)) {
		sample_free(s);
		missing("kern.boottime");
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

static uint64_t
delta(uint64_t cur, uint64_t prev)
{
	/* Linux's iowait (and a reset counter) can go backwards: never negative. */
	return cur >= prev ? cur - prev : 0;
}

/* Events per second over `secs`, rounded (NetBSD's rate()). */
static uint64_t
rate(const struct vm_sample *cur, const struct vm_sample *prev, enum val x, double secs)
{
	uint64_t d = delta(cur->v[x], prev != NULL ? prev->v[x] : 0);

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

/* cpu us sy id wa from cp_time ticks (prev NULL: since boot). */
static struct pct
cpu_pct(const struct cpu_ticks *cur, const struct cpu_ticks *prev)
{
	uint64_t d[CP_N], total = 0;
	struct pct p = { 0, 0, 0, 0 };
	int i;

	for (i = 0; i < CP_N; i++) {
		d[i] = delta(cur->t[i], prev != NULL ? prev->t[i] : 0);
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
	struct pct p = cpu_pct(&cur->total, prev != NULL ? &prev->total : NULL);
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

static const struct cpu_ticks *
cpu_find(const struct vm_sample *s, long cpu)
{
	size_t i;

	for (i = 0; s != NULL && i < s->ncpus; i++)
		if (s->cpus[i].cpu == cpu)
			return &s->cpus[i];
	return NULL;
}

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
		p = cpu_pct(c, cpu_find(prev, c->cpu));
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
		nb_out_open_object(o, NULL);
		nb_out_str(o, NB_OUT_JSON, "name", NULL, leaves[i].name);
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
	struct nb_ticker t;
	bool have_prev = false;
	int page = nb_page_lines(), line = 0;

	collect(h, &cur);
	if (vo->sflag) {
		render_totals(o, &cur);
		sample_free(&cur);
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
		collect(h, &cur);
	}
	if (have_prev)
		sample_free(&prev);
	sample_free(&cur);
	return 0;
}
