/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_proc_kern.c - parsers of /proc/stat, /proc/meminfo, /proc/vmstat, kernel identity. */
/*
 * /proc/stat (proc(5)):
 *   cpuN user nice system idle iowait irq softirq steal guest guest_nice
 *       -> kern.cp_time, one slot per CPU (slot = N), counters in USER_HZ
 *          ticks named user nice sys idle iowait irq softirq steal guest
 *          guest_nice (older kernels print fewer columns: the group has
 *          those; columns after the tenth are not published);
 *   intr TOTAL ...      -> kern.intr.total
 *   ctxt, processes     -> kern.ctxt, kern.forks (counters)
 *   procs_running, procs_blocked -> kern.procs_running, kern.procs_blocked (gauges)
 *   btime               -> kern.boottime (info); the number of cpuN lines
 *                          -> kern.ncpu (info); sysconf(_SC_CLK_TCK) ->
 *                          kern.clockrate.hz (info).
 * The aggregate "cpu" line is checked but not stored: kern.cp_time.<ctr>
 * is the sum of the per-CPU slots. Other lines (softirq, ...) are skipped.
 *
 * /proc/meminfo "Name: value [kB]" -> vm.meminfo.<name> in bytes (gauges);
 * names lower-cased, "(" -> "_", ")" dropped (Active(anon) -> active_anon).
 * /proc/vmstat "name value" -> vm.stats.<name>: counters, nr_* gauges.
 * /proc/sys/kernel/{hostname,osrelease,ostype} -> kern.<name> (info strings).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "source_linux_proc.h"

static const char *const lx_cptime[] = {
	"user", "nice", "sys", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice",
};
static const char *const lx_cptime_descr[] = {
	"ticks in user mode", "ticks in user mode at low priority (nice)",
	"ticks in system mode", "ticks idle", "ticks idle waiting for I/O",
	"ticks servicing interrupts", "ticks servicing softirqs",
	"ticks stolen by the hypervisor", "ticks running a guest",
	"ticks running a niced guest",
};
#define LX_CPTIME_MIN	4
#define LX_CPTIME_MAX	(sizeof(lx_cptime) / sizeof(lx_cptime[0]))

/* Scalar lines of /proc/stat. */
enum { ST_INTR, ST_CTXT, ST_BTIME, ST_PROCESSES, ST_RUNNING, ST_BLOCKED, ST_MAX };
static const char *const lx_statline[ST_MAX] = {
	"intr", "ctxt", "btime", "processes", "procs_running", "procs_blocked",
};

int
lx_proc_stat(struct lx_proc *p)
{
	struct lx_stage *cp = NULL, *s;
	uint64_t v, cpu, *val, sv[ST_MAX];
	unsigned ntok, nv = 0, ln, ncpu = 0, i, k, have = 0, line[ST_MAX];
	char **tok;
	bool created;
	int rc, error;

	if ((error = lx_proc_read(p, "proc/stat")) != 0)
		return error;
	lx_stage_reset(p);
	while ((rc = lx_proc_line(p, &tok, &ntok)) == 1) {
		ln = lx_proc_lineno(p);
		if (ntok == 0)
			return lx_proc_err(p, -EINVAL, ln, "empty line");
		if (strncmp(tok[0], "cpu", 3) == 0) {
			for (i = 1; i < ntok; i++)
				if (lx_dec(tok[i], false, &v) != 0)
					return lx_proc_err(p, -EINVAL, ln, "%s: column %u: bad value '%s'",
					    tok[0], i, tok[i]);
			if (tok[0][3] == '\0')
				continue;	/* the aggregate: the tree sums the CPUs */
			if (lx_dec(tok[0] + 3, false, &cpu) != 0 || cpu >= LX_PROC_MAXCPU)
				return lx_proc_err(p, -EINVAL, ln, "bad CPU line '%s'", tok[0]);
			if (ntok - 1 < LX_CPTIME_MIN)
				return lx_proc_err(p, -EINVAL, ln, "%s: %u columns, at least %u expected",
				    tok[0], ntok - 1, LX_CPTIME_MIN);
			if (cp == NULL) {
				nv = ntok - 1;
				if ((cp = lx_stage_group(p, "kern.cp_time", "", NB_SG_CPU_CHILDREN,
				    &created)) == NULL)
					return -ENOMEM;
				for (i = 0; i < nv && i < LX_CPTIME_MAX; i++)
					if ((error = lx_stage_field(p, cp, lx_cptime[i],
					    lx_cptime_descr[i], NB_CTR_COUNTER, 0)) != 0)
						return error;
				cp->nslots = 0;
			} else if (ntok - 1 != nv)
				return lx_proc_err(p, -EINVAL, ln, "%s: %u columns, the first CPU has %u",
				    tok[0], ntok - 1, nv);
			if ((unsigned)cpu < cp->nslots)
				return lx_proc_err(p, -EINVAL, ln, "%s after cpu%u (CPUs must go up)",
				    tok[0], cp->nslots - 1);
			if ((val = lx_stage_slot(p, cp, (unsigned)cpu)) == NULL)
				return -ENOMEM;
			for (i = 0; i < cp->n; i++)
				(void)lx_dec(tok[i + 1], false, &val[i]);
			ncpu++;
			continue;
		}
		for (k = 0; k < ST_MAX; k++)
			if (strcmp(tok[0], lx_statline[k]) == 0)
				break;
		if (k == ST_MAX)
			continue;		/* softirq, or a line of a newer kernel */
		if ((have & (1u << k)) != 0)
			return lx_proc_err(p, -EINVAL, ln, "'%s' repeated (line %u)", tok[0], line[k]);
		if (ntok < 2 || (k != ST_INTR && ntok != 2))
			return lx_proc_err(p, -EINVAL, ln, "%s: %u values", tok[0], ntok - 1);
		for (i = 1; i < ntok; i++)
			if (lx_dec(tok[i], false, &v) != 0)
				return lx_proc_err(p, -EINVAL, ln, "%s: bad value '%s'", tok[0], tok[i]);
		(void)lx_dec(tok[1], false, &sv[k]);
		have |= 1u << k;
		line[k] = ln;
	}
	if (rc < 0)
		return rc;
	if (cp == NULL)
		return lx_proc_err(p, -EINVAL, 0, "no cpuN lines");
	for (k = 0; k < ST_MAX; k++)
		if ((have & (1u << k)) == 0)
			return lx_proc_err(p, -EINVAL, 0, "no '%s' line", lx_statline[k]);
	if (sv[ST_BTIME] > INT64_MAX)
		return lx_proc_err(p, -EINVAL, line[ST_BTIME], "btime out of range");
	if ((s = lx_stage_group(p, "kern", "", 0, &created)) == NULL ||
	    lx_stage_field(p, s, "ctxt", "context switches", NB_CTR_COUNTER, sv[ST_CTXT]) != 0 ||
	    lx_stage_field(p, s, "forks", "processes and threads created (processes)",
		NB_CTR_COUNTER, sv[ST_PROCESSES]) != 0 ||
	    lx_stage_field(p, s, "procs_running", "runnable threads", NB_CTR_GAUGE,
		sv[ST_RUNNING]) != 0 ||
	    lx_stage_field(p, s, "procs_blocked", "threads blocked on I/O", NB_CTR_GAUGE,
		sv[ST_BLOCKED]) != 0 ||
	    (s = lx_stage_group(p, "kern.intr", "", 0, &created)) == NULL ||
	    lx_stage_field(p, s, "total", "interrupts serviced, all sources", NB_CTR_COUNTER,
		sv[ST_INTR]) != 0)
		return -ENOMEM;
	if ((error = lx_stage_commit(p, false)) != 0)
		return error;
	if ((error = nb_info_set_int(lx_proc_stack(p), "kern.ncpu",
	    "online CPUs (cpuN lines of /proc/stat)", ncpu)) != 0 ||
	    (error = nb_info_set_int(lx_proc_stack(p), "kern.boottime",
	    "boot time, realtime seconds (btime of /proc/stat)", (int64_t)sv[ST_BTIME])) != 0 ||
	    (error = nb_info_set_int(lx_proc_stack(p), "kern.clockrate.hz",
	    "clock ticks per second of kern.cp_time (USER_HZ)", sysconf(_SC_CLK_TCK))) != 0)
		return lx_proc_err(p, error, 0, "kernel info: %s", strerror(-error));
	return 0;
}

int
lx_proc_meminfo(struct lx_proc *p)
{
	char **tok, name[LX_PROC_NAMELEN];
	struct lx_stage *s;
	unsigned ntok, ln;
	size_t len;
	uint64_t v;
	bool created;
	int rc, error;

	if ((error = lx_proc_read(p, "proc/meminfo")) != 0)
		return error;
	lx_stage_reset(p);
	if ((s = lx_stage_group(p, "vm.meminfo", "", 0, &created)) == NULL)
		return -ENOMEM;
	while ((rc = lx_proc_line(p, &tok, &ntok)) == 1) {
		ln = lx_proc_lineno(p);
		if (ntok != 2 && ntok != 3)
			return lx_proc_err(p, -EINVAL, ln, "%u columns, expected 'Name: value [kB]'",
			    ntok);
		len = strlen(tok[0]);
		if (len < 2 || tok[0][len - 1] != ':')
			return lx_proc_err(p, -EINVAL, ln, "expected 'Name:', got '%s'", tok[0]);
		tok[0][len - 1] = '\0';
		if (lx_mapname(tok[0], true, name, sizeof(name)) != 0)
			return lx_proc_err(p, -EINVAL, ln, "bad field name '%s'", tok[0]);
		if (lx_dec(tok[1], false, &v) != 0)
			return lx_proc_err(p, -EINVAL, ln, "bad value '%s' for %s", tok[1], tok[0]);
		if (ntok == 3) {
			if (strcmp(tok[2], "kB") != 0)
				return lx_proc_err(p, -EINVAL, ln, "unit '%s', expected kB", tok[2]);
			if (v > UINT64_MAX / 1024)
				return lx_proc_err(p, -EINVAL, ln, "%s out of range", tok[0]);
			v *= 1024;
		}
		if ((error = lx_stage_field(p, s, tok[0], NULL, NB_CTR_GAUGE, v)) != 0)
			return error;
	}
	if (rc < 0)
		return rc;
	return lx_stage_commit(p, true);
}

int
lx_proc_vmstat(struct lx_proc *p)
{
	char **tok, name[LX_PROC_NAMELEN];
	struct lx_stage *s;
	unsigned ntok, ln;
	uint64_t v;
	bool created;
	int rc, error;

	if ((error = lx_proc_read(p, "proc/vmstat")) != 0)
		return error;
	lx_stage_reset(p);
	if ((s = lx_stage_group(p, "vm.stats", "", 0, &created)) == NULL)
		return -ENOMEM;
	while ((rc = lx_proc_line(p, &tok, &ntok)) == 1) {
		ln = lx_proc_lineno(p);
		if (ntok != 2)
			return lx_proc_err(p, -EINVAL, ln, "%u columns, expected 'name value'", ntok);
		if (lx_mapname(tok[0], false, name, sizeof(name)) != 0)
			return lx_proc_err(p, -EINVAL, ln, "bad field name '%s'", tok[0]);
		if (lx_dec(tok[1], true, &v) != 0)
			return lx_proc_err(p, -EINVAL, ln, "bad value '%s' for %s", tok[1], tok[0]);
		if ((error = lx_stage_field(p, s, tok[0], NULL,
		    strncmp(name, "nr_", 3) == 0 ? NB_CTR_GAUGE : NB_CTR_COUNTER, v)) != 0)
			return error;
	}
	if (rc < 0)
		return rc;
	return lx_stage_commit(p, false);
}

#define LX_IDENTMAX	256

static const struct {
	const char *rel, *mib, *descr;
} lx_ident[] = {
	{ "proc/sys/kernel/hostname", "kern.hostname", "host name (UTS namespace)" },
	{ "proc/sys/kernel/osrelease", "kern.osrelease", "kernel release" },
	{ "proc/sys/kernel/ostype", "kern.ostype", "kernel name" },
};
#define LX_NIDENT	(sizeof(lx_ident) / sizeof(lx_ident[0]))

int
lx_proc_ident(struct lx_proc *p)
{
	char val[LX_NIDENT][LX_IDENTMAX], *t;
	size_t len, i;
	int error;

	/* Read all three, then publish: a bad file changes nothing. */
	for (i = 0; i < LX_NIDENT; i++) {
		if ((error = lx_proc_read(p, lx_ident[i].rel)) != 0)
			return error;
		t = lx_proc_text(p, &len);
		if (t[len - 1] != '\n')
			return lx_proc_err(p, -EINVAL, 1, "truncated (no newline at the end)");
		if (memchr(t, '\n', len - 1) != NULL)
			return lx_proc_err(p, -EINVAL, 2, "more than one line");
		if (len - 1 >= LX_IDENTMAX)
			return lx_proc_err(p, -EINVAL, 1, "longer than %d bytes", LX_IDENTMAX - 1);
		memcpy(val[i], t, len - 1);
		val[i][len - 1] = '\0';
	}
	for (i = 0; i < LX_NIDENT; i++)
		if ((error = nb_info_set_str(lx_proc_stack(p), lx_ident[i].mib, lx_ident[i].descr,
		    val[i])) != 0)
			return lx_proc_err(p, error, 0, "kernel info: %s", strerror(-error));
	return 0;
}
