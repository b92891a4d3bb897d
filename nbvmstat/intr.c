/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * intr.c - nbvmstat -i: the interrupt lines of kern.intr.* as NetBSD's
 * vmstat -i prints them (interrupt, total, rate, then a Total line),
 * with -P a column per CPU (from kern.intr.<name>.cpu.<n>), with -w the
 * counts and rates of each interval. One table read per sample: the
 * lines with their counters, and kern.boottime for the since-boot rate.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#include "nbvmstat.h"

enum { C_COUNT,
	C_DESCR,
	C_CHIP,
	C_HWIRQ,
	C_ACTIONS,
	C_CPU0 };
/* CPU columns a table can hold after the fixed ones: -P shows CPUs 0..NCPUCOL-1. */
#define NCPUCOL (NB_SYSCTL_TABLE_MAXCOLS - C_CPU0)
#define TXT 256

struct irow {
	uint64_t count;
	char descr[TXT];
	char chip[64];
	char hwirq[64];
	char actions[TXT];
	uint64_t cpu[NCPUCOL];
};

static struct nb_sysctl_column cols[C_CPU0 + NCPUCOL];
static char cpunames[NCPUCOL][16];

static const struct nb_sysctl_column boot_col = { "boottime", NB_SYSCTL_U64, 0, 0 };

static unsigned
cols_init(bool percpu)
{
	if (cols[0].leaf == NULL) {
		cols[C_COUNT] = (struct nb_sysctl_column){ "count", NB_SYSCTL_U64,
			offsetof(struct irow, count), 0 };
		cols[C_DESCR] = (struct nb_sysctl_column){ "description", NB_SYSCTL_STRING,
			offsetof(struct irow, descr), TXT };
		cols[C_CHIP] = (struct nb_sysctl_column){ "chip", NB_SYSCTL_STRING,
			offsetof(struct irow, chip), 64 };
		cols[C_HWIRQ] = (struct nb_sysctl_column){ "hwirq", NB_SYSCTL_STRING,
			offsetof(struct irow, hwirq), 64 };
		cols[C_ACTIONS] = (struct nb_sysctl_column){ "actions", NB_SYSCTL_STRING,
			offsetof(struct irow, actions), TXT };
		for (unsigned i = 0; i < NCPUCOL; i++) {
			snprintf(cpunames[i], sizeof(cpunames[i]), "cpu.%u", i);
			cols[C_CPU0 + i] = (struct nb_sysctl_column){ cpunames[i], NB_SYSCTL_U64,
				offsetof(struct irow, cpu) + i * sizeof(uint64_t), 0 };
		}
	}
	return percpu ? C_CPU0 + NCPUCOL : C_CPU0;
}

struct intr_state {
	struct nb_sysctl *h;
	const struct vmstat_opts *vo;
	unsigned ncols;
	struct nb_sysctl_table t;
	struct nb_delta *d; /* interval mode: counts since the previous sample */
	double secs; /* what the rates are over */
	int64_t prev_ns;
	bool first;
};

static int
read_err(struct nb_sysctl *h, const char *name, int rc)
{
	const char *d = nb_sysctl_errdetail(h);

	if (rc == -ENOENT && *d == '\0')
		nb_warnx("%s: not in the tree (needs the linux source's /proc/interrupts)", name);
	else
		nb_warnx("%s: %s%s%s", name, strerror(-rc), *d != '\0' ? ": " : "", d);
	return NB_EXIT_RUNTIME;
}

/* One sample: the lines (counters stepped in interval mode) and the span of their rates. */
static int
intr_read(void *arg)
{
	struct intr_state *s = arg;
	struct nb_sysctl_table bt;
	const uint64_t *boot;
	int64_t now = nb_sysctl_sample_time(s->h);
	int rc;

	nb_sysctl_table_free(&s->t);
	if ((rc = nb_sysctl_table_read(s->h, "kern.intr.*", cols, s->ncols, sizeof(struct irow), 0,
		 &s->t)) < 0)
		return read_err(s->h, "kern.intr", rc);
	if (s->d != NULL && nb_delta_step(s->d, &s->t, cols, NULL) != 0)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	if (s->first) {
		/* Since boot: the rates are over the uptime. */
		if ((rc = nb_sysctl_table_read(s->h, "kern", &boot_col, 1, sizeof(uint64_t), 0,
			 &bt)) < 0) {
			nb_sysctl_table_free(&bt);
			return read_err(s->h, "kern.boottime", rc);
		}
		boot = nb_sysctl_table_row(&bt, 0);
		if (boot == NULL || !nb_sysctl_row_has(&bt.ids[0], 0)) {
			nb_sysctl_table_free(&bt);
			return read_err(s->h, "kern.boottime", -ENOENT);
		}
		s->secs = (double)(now - (int64_t)*boot * 1000000000) / 1e9;
		nb_sysctl_table_free(&bt);
	} else
		s->secs = (double)(now - s->prev_ns) / 1e9;
	s->prev_ns = now;
	return 0;
}

static uint64_t
rate(uint64_t n, double secs)
{
	return secs > 0 ? (uint64_t)((double)n / secs) : 0;
}

/* The interrupt column: the name, then what the kernel says of the line. */
static void
label(const struct irow *r, const struct nb_sysctl_rowid *id, char *buf, size_t size)
{
	if (r->descr[0] != '\0')
		snprintf(buf, size, "%s %s", id->key[0], r->descr);
	else
		snprintf(buf, size, "%s", id->key[0]);
}

static void
intr_render(void *arg, struct nb_out *o)
{
	struct intr_state *s = arg;
	const struct nb_sysctl_table *t = &s->t;
	uint64_t present[(NCPUCOL + 63) / 64] = { 0 }, total = 0, cputot[NCPUCOL];
	char lab[TXT + 80];
	unsigned c;
	size_t i;

	memset(cputot, 0, sizeof(cputot));
	/* -P: the CPUs any line has. */
	for (i = 0; i < t->nrows; i++)
		for (c = 0; c < NCPUCOL && C_CPU0 + c < s->ncols; c++)
			if (nb_sysctl_row_has(&t->ids[i], C_CPU0 + c))
				present[c / 64] |= UINT64_C(1) << (c % 64);
#define HAS_CPU(c) ((present[(c) / 64] >> ((c) % 64) & 1) != 0)
	nb_out_text(o, "%-34s", "interrupt");
	if (s->vo->Pflag) {
		nb_out_open_array(o, "cpus");
		for (c = 0; c < NCPUCOL; c++)
			if (HAS_CPU(c)) {
				snprintf(lab, sizeof(lab), "CPU%u", c);
				nb_out_text(o, " %10s", lab);
				nb_out_u64(o, NB_OUT_JSON, NULL, NULL, c);
			}
		nb_out_close_array(o);
	}
	nb_out_text(o, " %16s %8s\n", "total", "rate");
	nb_out_open_array(o, "interrupts");
	for (i = 0; i < t->nrows; i++) {
		const struct irow *r = nb_sysctl_table_row(t, i);
		const struct nb_sysctl_rowid *id = &t->ids[i];

		if (id->nkey < 1 || !nb_sysctl_row_has(id, C_COUNT))
			continue;
		nb_out_open_object(o, NULL);
		label(r, id, lab, sizeof(lab));
		nb_out_str(o, NB_OUT_TEXT, NULL, "%-34s", lab);
		nb_out_str(o, NB_OUT_JSON, "name", NULL, id->key[0]);
		nb_out_str(o, NB_OUT_JSON, "description", NULL, r->descr);
		if (nb_sysctl_row_has(id, C_CHIP))
			nb_out_str(o, NB_OUT_JSON, "chip", NULL, r->chip);
		if (nb_sysctl_row_has(id, C_HWIRQ))
			nb_out_str(o, NB_OUT_JSON, "hwirq", NULL, r->hwirq);
		if (nb_sysctl_row_has(id, C_ACTIONS))
			nb_out_str(o, NB_OUT_JSON, "actions", NULL, r->actions);
		if (s->vo->Pflag) {
			nb_out_open_array(o, "percpu");
			for (c = 0; c < NCPUCOL; c++) {
				if (!HAS_CPU(c))
					continue;
				if (nb_sysctl_row_has(id, C_CPU0 + c)) {
					nb_out_u64(o, NB_OUT_ANY, NULL, " %10" PRIu64, r->cpu[c]);
					cputot[c] += r->cpu[c];
				} else
					nb_out_null(o, NB_OUT_ANY, NULL, "          -");
			}
			nb_out_close_array(o);
		}
		nb_out_u64(o, NB_OUT_ANY, "total", " %16" PRIu64, r->count);
		nb_out_u64(o, NB_OUT_ANY, "rate", " %8" PRIu64 "\n", rate(r->count, s->secs));
		total += r->count;
		nb_out_close_object(o);
	}
	nb_out_close_array(o);
	/* NetBSD's last line: every line summed. */
	nb_out_open_object(o, "sum");
	nb_out_text(o, "%-34s", "Total");
	if (s->vo->Pflag) {
		nb_out_open_array(o, "percpu");
		for (c = 0; c < NCPUCOL; c++)
			if (HAS_CPU(c))
				nb_out_u64(o, NB_OUT_ANY, NULL, " %10" PRIu64, cputot[c]);
		nb_out_close_array(o);
	}
	nb_out_u64(o, NB_OUT_ANY, "total", " %16" PRIu64, total);
	nb_out_u64(o, NB_OUT_ANY, "rate", " %8" PRIu64 "\n", rate(total, s->secs));
	nb_out_close_object(o);
#undef HAS_CPU
	s->first = false;
}

int
intr_mode(struct nb_sysctl *h, const struct vmstat_opts *vo, struct nb_out *o)
{
	struct intr_state s = { .h = h, .vo = vo, .first = true };
	int rc;

	memset(&s.t, 0, sizeof(s.t));
	s.ncols = cols_init(vo->Pflag);
	if (vo->c.interval_set || vo->c.count_set) {
		const struct nb_interval iv = { intr_read, intr_render, &s };

		if (nb_delta_create(&s.d) != 0)
			nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
		rc = nb_interval_run(h, &vo->c, o, &iv);
		nb_delta_destroy(&s.d);
	} else if ((rc = intr_read(&s)) == 0) {
		nb_out_record_begin(o);
		intr_render(&s, o);
		nb_out_record_end(o);
	}
	nb_sysctl_table_free(&s.t);
	return rc;
}
