/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_proc_net.c - parsers of /proc/net/{snmp,netstat,snmp6,softnet_stat}. */
/*
 * /proc/net/snmp and /proc/net/netstat: pairs of lines
 *     Group: Field1 Field2 ...
 *     Group: value1 value2 ...
 * each pair giving net.inet.<group>.stats.<field> (lower case). A group may
 * take several pairs (IcmpMsg prints 16 types per pair).
 * /proc/net/snmp6: "<Group6><Field> value" lines; the group is the name up
 * to its first '6' (Ip6, Icmp6, Udp6, UdpLite6), giving
 * net.inet6.<group6>.stats.<field>.
 *
 * IcmpMsg (snmp) and the Icmp6In/OutType<N> lines (snmp6) are printed only
 * for types with a non-zero count, so their field set grows at run time.
 * They are published as fixed groups net.inet.icmpmsg.stats and
 * net.inet6.icmp6msg.stats with all 512 counters intype0..intype255,
 * outtype0..outtype255: a type the kernel does not print has the value 0
 * in the kernel too.
 *
 * /proc/net/softnet_stat: one row of hex columns per online CPU (see
 * shared/research/linux-baselines.md §5): 1 processed, 2 dropped,
 * 3 time_squeeze, 10 received_rps, 11 flow_limit, 12 backlog length,
 * 13 CPU index (when present: offline CPUs are skipped). Published as
 * net.softnet with one slot per CPU (slot = CPU index).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "source_linux_proc.h"

#define LX_ICMPTYPES	256

/* Tcp/Ip values that are levels or settings, not counters: kernel longs,
 * printed signed (Tcp MaxConn is -1 when there is no limit). */
static const struct {
	const char *g, *f;
} lx_snmp_gauges[] = {
	{ "Tcp", "CurrEstab" }, { "Tcp", "RtoAlgorithm" }, { "Tcp", "RtoMin" },
	{ "Tcp", "RtoMax" }, { "Tcp", "MaxConn" }, { "Ip", "Forwarding" },
	{ "Ip", "DefaultTTL" },
};

static enum nb_ctr_kind
snmp_kind(const char *g, const char *f)
{
	size_t i;

	for (i = 0; i < sizeof(lx_snmp_gauges) / sizeof(lx_snmp_gauges[0]); i++)
		if (strcasecmp(g, lx_snmp_gauges[i].g) == 0 && strcasecmp(f, lx_snmp_gauges[i].f) == 0)
			return NB_CTR_GAUGE_SIGNED;
	return NB_CTR_COUNTER;
}

/* Names of the fixed ICMP message-type groups, built once per process. */
static char lx_icmpnames[2 * LX_ICMPTYPES][12];

static void
icmpnames_init(void)
{
	unsigned i;

	for (i = 0; i < 2 * LX_ICMPTYPES; i++)
		snprintf(lx_icmpnames[i], sizeof(lx_icmpnames[i]), "%sType%u",
		    i < LX_ICMPTYPES ? "In" : "Out", i % LX_ICMPTYPES);
}

/* "InType<N>" / "OutType<N>" (N < 256, no sign, no leading zero): index, or -1. */
static int
icmp_type_index(const char *f)
{
	unsigned base, t = 0;
	const char *s;

	if (strncmp(f, "InType", 6) == 0) {
		base = 0;
		s = f + 6;
	} else if (strncmp(f, "OutType", 7) == 0) {
		base = LX_ICMPTYPES;
		s = f + 7;
	} else
		return -1;
	if (*s == '\0' || (*s == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		t = t * 10 + (unsigned)(*s - '0');
		if (t >= LX_ICMPTYPES)
			return -1;
	}
	return (int)(base + t);
}

/* The group of a message-type family, with its 512 counters at 0. */
static struct lx_stage *
icmp_stage(struct lx_proc *p, const char *mib, const char *gname)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct lx_stage *s;
	unsigned i;
	bool created;

	(void)pthread_once(&once, icmpnames_init);
	if ((s = lx_stage_group(p, mib, gname, 0, &created)) == NULL || !created)
		return s;
	for (i = 0; i < 2 * LX_ICMPTYPES; i++)
		if (lx_stage_field(p, s, lx_icmpnames[i], NULL, NB_CTR_COUNTER, 0) != 0)
			return NULL;
	return s;
}

int
lx_proc_snmp(struct lx_proc *p, const char *rel)
{
	char **tok, **hdr = NULL, **nh, name[LX_PROC_NAMELEN], mib[LX_PROC_MIBLEN];
	unsigned ntok, nhdr, hcap = 0, hline, i;
	struct lx_stage *s;
	size_t glen;
	uint64_t v;
	bool created, icmpmsg;
	int rc, idx, error = 0;

	if ((error = lx_proc_read(p, rel)) != 0)
		return error;
	lx_stage_reset(p);
	while ((rc = lx_proc_line(p, &tok, &ntok)) == 1) {
		hline = lx_proc_lineno(p);
		glen = ntok > 0 ? strlen(tok[0]) : 0;
		if (glen < 2 || tok[0][glen - 1] != ':') {
			error = lx_proc_err(p, -EINVAL, hline, "expected a 'Group: Field ...' header");
			goto out;
		}
		if (ntok < 2) {
			error = lx_proc_err(p, -EINVAL, hline, "header without fields");
			goto out;
		}
		tok[0][glen - 1] = '\0';
		if (ntok > hcap) {
			if ((nh = realloc(hdr, ntok * sizeof(*nh))) == NULL) {
				error = -ENOMEM;
				goto out;
			}
			hdr = nh;
			hcap = ntok;
		}
		memcpy(hdr, tok, ntok * sizeof(*hdr));
		nhdr = ntok;
		if (lx_mapname(hdr[0], false, name, sizeof(name)) != 0 ||
		    (size_t)snprintf(mib, sizeof(mib), "net.inet.%s.stats", name) >= sizeof(mib)) {
			error = lx_proc_err(p, -EINVAL, hline, "bad group name '%s'", hdr[0]);
			goto out;
		}
		for (i = 1; i < nhdr; i++)
			if (lx_mapname(hdr[i], false, name, sizeof(name)) != 0) {
				error = lx_proc_err(p, -EINVAL, hline, "bad field name '%s'", hdr[i]);
				goto out;
			}
		if ((rc = lx_proc_line(p, &tok, &ntok)) <= 0) {
			error = rc < 0 ? rc : lx_proc_err(p, -EINVAL, hline,
			    "%s header without a value line (truncated)", hdr[0]);
			goto out;
		}
		glen = strlen(hdr[0]);
		if (ntok == 0 || strncmp(tok[0], hdr[0], glen) != 0 || strcmp(tok[0] + glen, ":") != 0) {
			error = lx_proc_err(p, -EINVAL, lx_proc_lineno(p),
			    "expected the values of %s (line %u)", hdr[0], hline);
			goto out;
		}
		if (ntok != nhdr) {
			error = lx_proc_err(p, -EINVAL, lx_proc_lineno(p),
			    "%u values for %u fields of %s", ntok - 1, nhdr - 1, hdr[0]);
			goto out;
		}
		icmpmsg = strcmp(hdr[0], "IcmpMsg") == 0;
		s = icmpmsg ? icmp_stage(p, mib, hdr[0]) : lx_stage_group(p, mib, hdr[0], 0, &created);
		if (s == NULL) {
			error = -ENOMEM;
			goto out;
		}
		for (i = 1; i < nhdr; i++) {
			if (lx_dec(tok[i], true, &v) != 0) {
				error = lx_proc_err(p, -EINVAL, lx_proc_lineno(p),
				    "bad value '%s' for %s %s", tok[i], hdr[0], hdr[i]);
				goto out;
			}
			if (icmpmsg) {
				if ((idx = icmp_type_index(hdr[i])) < 0) {
					error = lx_proc_err(p, -EINVAL, hline,
					    "unexpected IcmpMsg field '%s'", hdr[i]);
					goto out;
				}
				s->v[idx] = v;
			} else if ((error = lx_stage_field(p, s, hdr[i], NULL,
			    snmp_kind(hdr[0], hdr[i]), v)) != 0)
				goto out;
		}
	}
	if (rc < 0) {
		error = rc;
		goto out;
	}
	error = lx_stage_commit(p, false);
out:
	free(hdr);
	return error;
}

/* Known snmp6 groups: stable spellings for descriptions. */
static const char *const lx_groups6[] = { "Ip6", "Icmp6", "Udp6", "UdpLite6" };

int
lx_proc_snmp6(struct lx_proc *p)
{
	char **tok, grp[LX_PROC_NAMELEN], name[LX_PROC_NAMELEN], mib[LX_PROC_MIBLEN];
	const char *six, *field, *gname;
	struct lx_stage *s;
	unsigned ntok, ln;
	uint64_t v;
	size_t glen, i;
	bool created;
	int rc, idx, error;

	if ((error = lx_proc_read(p, "proc/net/snmp6")) != 0) {
		/* No IPv6 in this kernel (ipv6.disable=1): no inet6 groups. */
		if (error == -ENOENT)
			error = 0;
		return error;
	}
	lx_stage_reset(p);
	while ((rc = lx_proc_line(p, &tok, &ntok)) == 1) {
		ln = lx_proc_lineno(p);
		if (ntok != 2)
			return lx_proc_err(p, -EINVAL, ln, "%u columns, expected 'Name value'", ntok);
		if ((six = strchr(tok[0], '6')) == NULL || six[1] == '\0' ||
		    (glen = (size_t)(six - tok[0]) + 1) >= sizeof(grp))
			return lx_proc_err(p, -EINVAL, ln, "'%s' is not <Group6><Field>", tok[0]);
		memcpy(grp, tok[0], glen);
		grp[glen] = '\0';
		field = six + 1;
		if (lx_dec(tok[1], false, &v) != 0)
			return lx_proc_err(p, -EINVAL, ln, "bad value '%s' for %s", tok[1], tok[0]);
		if (lx_mapname(field, false, name, sizeof(name)) != 0)
			return lx_proc_err(p, -EINVAL, ln, "bad field name '%s'", tok[0]);
		gname = "";
		for (i = 0; i < sizeof(lx_groups6) / sizeof(lx_groups6[0]); i++)
			if (strcmp(grp, lx_groups6[i]) == 0)
				gname = lx_groups6[i];
		if (strcmp(grp, "Icmp6") == 0 && (idx = icmp_type_index(field)) >= 0) {
			if ((s = icmp_stage(p, "net.inet6.icmp6msg.stats", "Icmp6")) == NULL)
				return -ENOMEM;
			s->v[idx] = v;
			continue;
		}
		if (lx_mapname(grp, false, name, sizeof(name)) != 0 ||
		    (size_t)snprintf(mib, sizeof(mib), "net.inet6.%s.stats", name) >= sizeof(mib))
			return lx_proc_err(p, -EINVAL, ln, "bad group name '%s'", grp);
		if ((s = lx_stage_group(p, mib, gname, 0, &created)) == NULL)
			return -ENOMEM;
		if ((error = lx_stage_field(p, s, field, NULL, NB_CTR_COUNTER, v)) != 0)
			return error;
	}
	if (rc < 0)
		return rc;
	return lx_stage_commit(p, false);
}

/* softnet_stat columns we publish (0-based), in MIB order. */
static const struct {
	unsigned col;
	const char *name, *descr;
	enum nb_ctr_kind kind;
} lx_softnet_cols[] = {
	{ 0, "processed", "packets processed by the CPU's backlog / NAPI poll", NB_CTR_COUNTER },
	{ 1, "dropped", "packets dropped: backlog full (netdev_max_backlog)", NB_CTR_COUNTER },
	{ 2, "time_squeeze", "net_rx_action ran out of budget or time", NB_CTR_COUNTER },
	{ 9, "received_rps", "RPS inter-processor interrupts received", NB_CTR_COUNTER },
	{ 10, "flow_limit", "packets dropped by the flow limit", NB_CTR_COUNTER },
	{ 11, "backlog_len", "packets in the input and process queues", NB_CTR_GAUGE },
};
#define LX_SOFTNET_MINCOLS	11	/* up to flow_limit */
#define LX_SOFTNET_CPUCOL	12

int
lx_proc_softnet(struct lx_proc *p)
{
	struct lx_stage *s = NULL;
	unsigned ntok, ncol = 0, nf = 0, ln, row = 0, i, slot;
	uint64_t v, cpu, *val;
	char **tok;
	bool created;
	int rc, error;

	if ((error = lx_proc_read(p, "proc/net/softnet_stat")) != 0)
		return error;
	lx_stage_reset(p);
	while ((rc = lx_proc_line(p, &tok, &ntok)) == 1) {
		ln = lx_proc_lineno(p);
		if (ntok < LX_SOFTNET_MINCOLS)
			return lx_proc_err(p, -EINVAL, ln, "%u columns, at least %u expected",
			    ntok, LX_SOFTNET_MINCOLS);
		if (s == NULL) {
			ncol = ntok;
			if ((s = lx_stage_group(p, "net.softnet", "", NB_SG_CPU_CHILDREN,
			    &created)) == NULL)
				return -ENOMEM;
			for (i = 0; i < sizeof(lx_softnet_cols) / sizeof(lx_softnet_cols[0]); i++) {
				if (lx_softnet_cols[i].col >= ncol)
					break;
				if ((error = lx_stage_field(p, s, lx_softnet_cols[i].name,
				    lx_softnet_cols[i].descr, lx_softnet_cols[i].kind, 0)) != 0)
					return error;
			}
			nf = s->n;
			s->nslots = 0;
		} else if (ntok != ncol)
			return lx_proc_err(p, -EINVAL, ln, "%u columns, line 1 has %u", ntok, ncol);
		for (i = 0; i < ntok; i++)
			if (lx_hex(tok[i], &v) != 0)
				return lx_proc_err(p, -EINVAL, ln, "column %u: bad hex value '%s'",
				    i + 1, tok[i]);
		cpu = row;
		if (ncol > LX_SOFTNET_CPUCOL)
			(void)lx_hex(tok[LX_SOFTNET_CPUCOL], &cpu);
		if (cpu >= LX_PROC_MAXCPU)
			return lx_proc_err(p, -EINVAL, ln, "CPU index %llu out of range",
			    (unsigned long long)cpu);
		slot = (unsigned)cpu;
		if (slot < s->nslots)		/* the kernel prints CPUs in order */
			return lx_proc_err(p, -EINVAL, ln, "CPU %u after CPU %u (rows must go up)",
			    slot, s->nslots - 1);
		if ((val = lx_stage_slot(p, s, slot)) == NULL)
			return -ENOMEM;
		for (i = 0; i < nf; i++)
			(void)lx_hex(tok[lx_softnet_cols[i].col], &val[i]);
		row++;
	}
	if (rc < 0)
		return rc;
	return lx_stage_commit(p, false);
}
