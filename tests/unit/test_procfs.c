/* SPDX-License-Identifier: BSD-2-Clause */
/* test_procfs.c - the linux source's procfs readers, through the tree, on fixture roots and the live kernel. */
/*
 * Fixtures (tests/fixtures/<case>/proc/...): `good` holds this machine's
 * real snmp, netstat, snmp6, softnet_stat, stat, meminfo, vmstat and
 * kernel identity files, with two edits (hostname "nbstat-fixture";
 * Udp6InDatagrams 0 -> 42 so that the check is not of a zero). The values
 * expected below were read off those files by hand. The bad-* roots hold
 * one malformed file each; every one must fail with -EINVAL (-ENOENT for
 * the missing file) and a detail naming the file and, where there is one,
 * the line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "nbstack/stack.h"
#include "sysctl-tree/sysctl.h"

#include "check.h"

static const char *fixtures;

static struct nb_sysctl *
open_root(const char *root)
{
	struct nb_sysctl_opts o = { .backend = NB_SYSCTL_LOCAL, .root = root };
	struct nb_sysctl *h = NULL;
	int rc;

	rc = nb_sysctl_open(&o, &h);
	CHECK(rc == 0 && h != NULL, "nb_sysctl_open(%s): %d", root != NULL ? root : "/", rc);
	return rc == 0 ? h : NULL;
}

static char *
fixture(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", fixtures, name) < 0)
		abort();
	return p;
}

/* A u64 leaf with exactly value `want` and flags including `flags`. */
static void
check_u64(struct nb_sysctl *h, const char *name, uint64_t want, unsigned flags)
{
	struct nb_sysctl_value v;
	int rc;

	rc = nb_sysctl_get(h, name, 0, &v);
	CHECK(rc == 0, "%s: rc %d (%s)", name, rc, nb_sysctl_errdetail(h));
	if (rc != 0)
		return;
	CHECK(v.type == NB_SYSCTL_U64, "%s: type %d", name, v.type);
	CHECK(v.u == want, "%s = %" PRIu64 ", want %" PRIu64, name, v.u, want);
	CHECK((v.flags & flags) == flags, "%s: flags %#x, want %#x", name, v.flags, flags);
}

static void
check_int(struct nb_sysctl *h, const char *name, int64_t want)
{
	struct nb_sysctl_value v;
	int rc;

	rc = nb_sysctl_get(h, name, 0, &v);
	CHECK(rc == 0, "%s: rc %d (%s)", name, rc, nb_sysctl_errdetail(h));
	if (rc != 0)
		return;
	CHECK(v.type == NB_SYSCTL_INT, "%s: type %d", name, v.type);
	CHECK(v.i == want, "%s = %" PRId64 ", want %" PRId64, name, v.i, want);
}

/* A signed gauge: an INT with the gauge flag, never a counter. */
static void
check_sgauge(struct nb_sysctl *h, const char *name, int64_t want)
{
	struct nb_sysctl_value v;

	check_int(h, name, want);
	if (nb_sysctl_get(h, name, 0, &v) == 0)
		CHECK(v.flags == NB_SYSCTL_F_GAUGE, "%s: flags %#x", name, v.flags);
}

static void
check_str(struct nb_sysctl *h, const char *name, const char *want)
{
	struct nb_sysctl_value v;
	int rc;

	rc = nb_sysctl_get(h, name, 0, &v);
	CHECK(rc == 0, "%s: rc %d (%s)", name, rc, nb_sysctl_errdetail(h));
	if (rc != 0)
		return;
	CHECK(v.type == NB_SYSCTL_STRING, "%s: type %d", name, v.type);
	CHECK(strcmp(v.str, want) == 0, "%s = '%s', want '%s'", name, v.str, want);
}

static void
check_absent(struct nb_sysctl *h, const char *name)
{
	struct nb_sysctl_value v;
	int rc = nb_sysctl_get(h, name, 0, &v);

	CHECK(rc == -ENOENT, "%s: rc %d, want -ENOENT", name, rc);
}

static void
test_good(void)
{
	char *root = fixture("good");
	struct nb_sysctl *h;
	struct nb_sysctl_value v;
	int rc;

	if ((h = open_root(root)) == NULL)
		goto out;
	/* /proc/net/snmp, netstat */
	check_u64(h, "net.inet.tcp.stats.activeopens", 13, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.inet.tcp.stats.insegs", 509, NB_SYSCTL_F_COUNTER);
	/* The kernel's longs read signed: MaxConn -1 is -1, not 2^64 - 1. */
	check_sgauge(h, "net.inet.tcp.stats.maxconn", -1);
	check_sgauge(h, "net.inet.tcp.stats.rtomax", 120000);
	check_sgauge(h, "net.inet.tcp.stats.currestab", 0);
	check_sgauge(h, "net.inet.ip.stats.forwarding", 2);
	check_sgauge(h, "net.inet.ip.stats.defaultttl", 64);
	check_u64(h, "net.inet.ip.stats.inreceives", 536, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.inet.udp.stats.indatagrams", 26, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.inet.udp.stats.outdatagrams", 27, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.inet.icmpmsg.stats.intype3", 1, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.inet.icmpmsg.stats.outtype3", 0, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.inet.tcpext.stats.tcppureacks", 16, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.inet.tcpext.stats.tcphpacks", 8, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.inet.ipext.stats.inoctets", 19699603, NB_SYSCTL_F_COUNTER);
	/* flags are exact: a one-slot kernel total is not per-CPU */
	rc = nb_sysctl_get(h, "net.inet.tcp.stats.activeopens", 0, &v);
	CHECK(rc == 0 && (v.flags & (NB_SYSCTL_F_PERCPU | NB_SYSCTL_F_GAUGE)) == 0,
	    "activeopens flags %#x", v.flags);
	/* /proc/net/snmp6 */
	check_u64(h, "net.inet6.udp6.stats.indatagrams", 42, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.inet6.ip6.stats.inreceives", 1, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.inet6.icmp6.stats.inmsgs", 1, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.inet6.icmp6msg.stats.intype1", 1, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.inet6.icmp6msg.stats.outtype135", 4, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.inet6.icmp6msg.stats.outtype143", 4, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.inet6.icmp6msg.stats.intype2", 0, NB_SYSCTL_F_COUNTER);
	check_absent(h, "net.inet6.icmp6.stats.intype1");
	check_absent(h, "net.inet6.icmp6msg.stats.intype256");
	/* /proc/net/softnet_stat: 2 rows, the second with CPU column 1 */
	check_u64(h, "net.softnet.0.processed", 0x19d51, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.softnet.1.processed", 0x20ec8, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.softnet.1.dropped", 0x2ec, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.softnet.1.time_squeeze", 0x2b9, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.softnet.processed", 0x19d51 + 0x20ec8,
	    NB_SYSCTL_F_COUNTER | NB_SYSCTL_F_PERCPU);
	check_u64(h, "net.softnet.time_squeeze", 0x293 + 0x2b9, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.softnet.backlog_len", 0, NB_SYSCTL_F_GAUGE);
	check_absent(h, "net.softnet.2.processed");
	rc = nb_sysctl_get(h, "net.softnet.processed", NB_SYSCTL_RD_PERCPU, &v);
	CHECK(rc == 0 && v.percpu != NULL && v.ncpu == 2 && v.percpu[0] == 0x19d51 &&
	    v.percpu[1] == 0x20ec8 && v.u == 0x19d51 + 0x20ec8,
	    "softnet percpu: rc %d ncpu %u", rc, v.ncpu);
	/* /proc/stat */
	check_u64(h, "kern.cp_time.idle", 136464 + 130702, NB_SYSCTL_F_COUNTER);
	check_u64(h, "kern.cp_time.user", 34254 + 34971, NB_SYSCTL_F_COUNTER);
	check_u64(h, "kern.cp_time.sys", 12288 + 16983, NB_SYSCTL_F_COUNTER);
	check_u64(h, "kern.cp_time.0.user", 34254, NB_SYSCTL_F_COUNTER);
	check_u64(h, "kern.cp_time.1.steal", 89, NB_SYSCTL_F_COUNTER);
	check_u64(h, "kern.cp_time.1.guest_nice", 0, NB_SYSCTL_F_COUNTER);
	check_u64(h, "kern.ctxt", 2125868, NB_SYSCTL_F_COUNTER);
	check_u64(h, "kern.forks", 72073, NB_SYSCTL_F_COUNTER);
	check_u64(h, "kern.procs_running", 8, NB_SYSCTL_F_GAUGE);
	check_u64(h, "kern.procs_blocked", 0, NB_SYSCTL_F_GAUGE);
	check_u64(h, "kern.intr.total", 1155182, NB_SYSCTL_F_COUNTER);
	check_int(h, "kern.ncpu", 2);
	check_int(h, "kern.boottime", 1795314731);
	check_int(h, "kern.clockrate.hz", sysconf(_SC_CLK_TCK));
	/* identity */
	check_str(h, "kern.hostname", "nbstat-fixture");
	check_str(h, "kern.ostype", "Linux");
	check_str(h, "kern.osrelease", "6.18.44-fc-v669");
	/* /proc/meminfo, /proc/vmstat */
	check_u64(h, "vm.meminfo.memtotal", 24684084ull * 1024, NB_SYSCTL_F_GAUGE);
	check_u64(h, "vm.meminfo.active_anon", 1580ull * 1024, NB_SYSCTL_F_GAUGE);
	check_u64(h, "vm.meminfo.hugepages_total", 0, NB_SYSCTL_F_GAUGE);
	check_u64(h, "vm.meminfo.hugepagesize", 2048ull * 1024, NB_SYSCTL_F_GAUGE);
	check_u64(h, "vm.stats.pgfault", 32701994, NB_SYSCTL_F_COUNTER);
	check_u64(h, "vm.stats.nr_free_pages", 921507, NB_SYSCTL_F_GAUGE);
	check_u64(h, "vm.stats.pswpin", 0, NB_SYSCTL_F_COUNTER);
	/* A second sample re-reads and stores the same values (re-register path). */
	CHECK(nb_sysctl_sample(h) == 0, "sample");
	check_u64(h, "net.inet.tcp.stats.activeopens", 13, NB_SYSCTL_F_COUNTER);
	check_u64(h, "net.softnet.1.processed", 0x20ec8, NB_SYSCTL_F_COUNTER);
	check_u64(h, "kern.cp_time.idle", 136464 + 130702, NB_SYSCTL_F_COUNTER);
	check_str(h, "kern.hostname", "nbstat-fixture");
out:
	nb_sysctl_close(&h);
	free(root);
}

/* name fails on root `c` with want and a detail containing every needle. */
static void
check_bad(const char *c, const char *name, int want, const char *n1, const char *n2)
{
	char *root = fixture(c);
	struct nb_sysctl *h;
	struct nb_sysctl_value v;
	const char *d;
	int rc;

	if ((h = open_root(root)) == NULL)
		goto out;
	rc = nb_sysctl_get(h, name, 0, &v);
	d = nb_sysctl_errdetail(h);
	CHECK(rc == want, "%s: %s: rc %d, want %d (%s)", c, name, rc, want, d);
	CHECK(strncmp(d, root, strlen(root)) == 0 && strstr(d, n1) != NULL &&
	    (n2 == NULL || strstr(d, n2) != NULL),
	    "%s: detail '%s' lacks '%s' / '%s'", c, d, n1, n2 != NULL ? n2 : "");
	/* Nothing made up: a later read of the same subtree fails the same way. */
	rc = nb_sysctl_sample(h);
	rc = nb_sysctl_get(h, name, 0, &v);
	CHECK(rc == want, "%s: again: rc %d", c, rc);
out:
	nb_sysctl_close(&h);
	free(root);
}

static void
test_bad(void)
{
	check_bad("bad-trunc", "net.inet.ip.stats.inreceives", -EINVAL,
	    "/proc/net/snmp: line 7: ", "truncated");
	check_bad("bad-count", "net.inet.udp.stats.indatagrams", -EINVAL,
	    "/proc/net/snmp: line 10: ", "8 values for 9 fields");
	check_bad("bad-value", "net.inet.tcp.stats.activeopens", -EINVAL,
	    "/proc/net/snmp: line 8: ", "'13x'");
	check_bad("bad-missing", "net.inet.tcp.stats.activeopens", -ENOENT,
	    "/proc/net/snmp: ", "No such file");
	check_bad("bad-empty", "net.inet.ip.stats.inreceives", -EINVAL,
	    "/proc/net/snmp: ", "empty file");
	check_bad("bad-softnet", "net.softnet.processed", -EINVAL,
	    "/proc/net/softnet_stat: line 2: ", "9 columns");
	check_bad("bad-meminfo", "vm.meminfo.memtotal", -EINVAL,
	    "/proc/meminfo: line 2: ", "unit 'MB'");
	check_bad("bad-snmp6", "net.inet6.ip6.stats.inreceives", -EINVAL,
	    "/proc/net/snmp6: line 9: ", "'-1'");
	/* kern.* on a root without /proc/stat: the error names it. */
	check_bad("bad-missing", "kern.hostname", -ENOENT, "/proc/stat: ", "No such file");
}

static int
copy_file(const char *from, const char *to)
{
	char buf[8192];
	FILE *in, *out;
	size_t n;
	int rc = 0;

	if ((in = fopen(from, "r")) == NULL)
		return -1;
	if ((out = fopen(to, "w")) == NULL) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	fclose(in);
	if (fclose(out) != 0)
		rc = -1;
	return rc;
}

/* The kernel's field set changes between two samples: an error, old values kept. */
static void
test_changed(void)
{
	static const char *const files[] = { "snmp", "netstat", "snmp6" };
	char tmpl[] = "/tmp/nbprocXXXXXX", path[512], *good;
	size_t i;
	struct nb_sysctl *h = NULL;
	struct nb_sysctl_value v;
	FILE *f;
	int rc;

	if (mkdtemp(tmpl) == NULL) {
		CHECK(0, "mkdtemp");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/proc", tmpl);
	CHECK(mkdir(path, 0700) == 0, "mkdir");
	snprintf(path, sizeof(path), "%s/proc/net", tmpl);
	CHECK(mkdir(path, 0700) == 0, "mkdir");
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (asprintf(&good, "%s/good/proc/net/%s", fixtures, files[i]) < 0)
			abort();
		snprintf(path, sizeof(path), "%s/proc/net/%s", tmpl, files[i]);
		CHECK(copy_file(good, path) == 0, "copy %s", good);
		free(good);
	}
	snprintf(path, sizeof(path), "%s/proc/net/snmp", tmpl);
	if ((h = open_root(tmpl)) == NULL)
		goto out;
	check_u64(h, "net.inet.udp.stats.outdatagrams", 27, NB_SYSCTL_F_COUNTER);
	/* Udp loses its first field: the values shift left by one. */
	if ((f = fopen(path, "w")) == NULL) {
		CHECK(0, "rewrite");
		goto out;
	}
	fputs("Udp: NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors "
	    "IgnoredMulti MemErrors\nUdp: 0 0 99 0 0 0 0 0\n", f);
	fclose(f);
	CHECK(nb_sysctl_sample(h) == 0, "sample");
	rc = nb_sysctl_get(h, "net.inet.udp.stats.outdatagrams", 0, &v);
	CHECK(rc == -EINVAL && strstr(nb_sysctl_errdetail(h), "net.inet.udp.stats") != NULL &&
	    strstr(nb_sysctl_errdetail(h), "changed") != NULL,
	    "changed field set: rc %d (%s)", rc, nb_sysctl_errdetail(h));
	/* The stack kept the last good values (never mis-mapped): read it directly. */
	{
		struct nb_sysctl *h2 = NULL;

		CHECK(nb_sysctl_open_stack(nb_sysctl_stack(h), NULL, &h2) == 0, "open_stack");
		if (h2 != NULL) {
			check_u64(h2, "net.inet.udp.stats.outdatagrams", 27, NB_SYSCTL_F_COUNTER);
			nb_sysctl_close(&h2);
		}
	}
out:
	nb_sysctl_close(&h);
	if (strncmp(tmpl, "/tmp/nbproc", 11) == 0)
		(void)check_rmtree(tmpl);
}

/* The live kernel: identity and a few files compared with what we read ourselves. */
static void
test_live(void)
{
	struct nb_sysctl *h;
	struct utsname u;
	char host[256];
	unsigned long long memtotal = 0;
	char line[256];
	FILE *f;

	if ((h = open_root(NULL)) == NULL)
		return;
	CHECK(uname(&u) == 0, "uname");
	check_str(h, "kern.osrelease", u.release);
	check_str(h, "kern.ostype", u.sysname);
	CHECK(gethostname(host, sizeof(host)) == 0, "gethostname");
	check_str(h, "kern.hostname", host);
	check_int(h, "kern.ncpu", sysconf(_SC_NPROCESSORS_ONLN));
	if ((f = fopen("/proc/meminfo", "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "MemTotal: %llu kB", &memtotal) == 1)
				break;
		fclose(f);
	}
	CHECK(memtotal > 0, "MemTotal from /proc/meminfo");
	check_u64(h, "vm.meminfo.memtotal", memtotal * 1024, NB_SYSCTL_F_GAUGE);
	nb_sysctl_close(&h);
}

int
main(void)
{
	if ((fixtures = getenv("NBSTAT_TEST_FIXTURES")) == NULL)
		fixtures = "tests/fixtures";
	test_good();
	test_bad();
	test_changed();
	test_live();
	if (failures != 0) {
		fprintf(stderr, "test_procfs: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_procfs: ok\n");
	return 0;
}
