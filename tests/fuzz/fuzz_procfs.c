/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_procfs.c - each procfs parser of the linux source fed one file's
 * bytes: the first input byte picks the file, the rest is its content,
 * written under a private fixture root (tmpfs) and read through the same
 * seam as the live kernel's files. A parser must accept or refuse the
 * bytes (0 or -errno with a detail), never crash, overflow (UBSan) or leak.
 * A fresh stack each run, so what one input registers cannot steer the next.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nbstack/stack.h"
#include "procfd.h"
#include "source_linux_proc.h"
#include "source_linux_rootfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char root[64];

static const struct target {
	const char *rel;		/* the file the bytes become */
	int	  (*parse)(struct lx_proc *p, const char *rel);
	const char *base; /* its valid content, put back after a run */
} targets[];

static int p_snmp(struct lx_proc *p, const char *rel) { return lx_proc_snmp(p, rel); }
static int p_snmp6(struct lx_proc *p, const char *rel) { (void)rel; return lx_proc_snmp6(p); }
static int p_softnet(struct lx_proc *p, const char *rel) { (void)rel; return lx_proc_softnet(p); }
static int p_stat(struct lx_proc *p, const char *rel) { (void)rel; return lx_proc_stat(p); }
static int p_meminfo(struct lx_proc *p, const char *rel) { (void)rel; return lx_proc_meminfo(p); }
static int p_vmstat(struct lx_proc *p, const char *rel) { (void)rel; return lx_proc_vmstat(p); }
static int p_ident(struct lx_proc *p, const char *rel) { (void)rel; return lx_proc_ident(p); }
static int p_mcast(struct lx_proc *p, const char *rel) { (void)rel; return lx_proc_mcast(p); }

/* --root: proc/net/dev, sysfs, if_inet6 parsed whole, then published. */
static int
p_rootfs(struct lx_proc *p, const char *rel)
{
	struct lx_rootfs *r = NULL;
	int error;

	(void)rel;
	if (lx_rootfs_init(&r, lx_proc_stack(p), root) != 0)
		abort();
	error = lx_rootfs_refresh(r);
	(void)lx_rootfs_notice(r);
	lx_rootfs_free(&r);
	return error;
}

#define DEV_BASE                                                                           \
	"Inter-|   Receive                                                |  Transmit\n"   \
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    "      \
	"packets errs drop fifo colls carrier compressed\n"                                \
	"    lo:    5000      50    0    0    0     0          0         0     5000      " \
	"50    0    0    0     0       0          0\n"                                     \
	"   fz0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
#define FIB_BASE                         \
	"Main:\n"                        \
	"  +-- 0.0.0.0/0 3 0 5\n"        \
	"     +-- 10.0.0.0/24 2 0 2\n"   \
	"        |-- 10.0.0.0\n"         \
	"           /24 link UNICAST\n"  \
	"        |-- 10.0.0.2\n"         \
	"           /32 host LOCAL\n"    \
	"     |-- 127.0.0.1\n"           \
	"        /32 host LOCAL tos=4\n" \
	"Local:\n"                       \
	"  +-- 10.0.0.0/30 2 0 2\n"      \
	"     |-- 10.0.0.2\n"            \
	"        /32 host LOCAL\n"       \
	"  |-- 127.0.0.0\n"              \
	"     /8 host LOCAL\n"           \
	"Id 100:\n"                      \
	"  |-- 10.9.0.0\n"               \
	"     /16 253 type 12\n"
#define ROUTE_BASE                                                                              \
	"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" \
	"fz0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"                           \
	"fz0\t00000000\t0100000A\t0003\t0\t0\t-1\t00000000\t0\t0\t0\n"
#define INET6_BASE                                                \
	"00000000000000000000000000000001 01 80 10 80       lo\n" \
	"fe800000000000000000000000000002 02 40 20 80      fz0\n"

static int
fd_cb(const struct nb_procfd *f, void *arg)
{
	(void)f;
	(*(unsigned *)arg)++;
	return 0;
}

/* /proc/1/fdinfo/0 (the fd itself links to /dev/null). */
static int
p_fdinfo(struct lx_proc *p, const char *rel)
{
	unsigned n = 0, denied = 0;

	(void)p;
	(void)rel;
	return nb_procfd_scan(root, 1, NB_PROCFD_STAT | NB_PROCFD_FDINFO, fd_cb, &n, &denied);
}

static const struct target targets[] = {
	{ "proc/net/snmp", p_snmp, NULL },
	{ "proc/net/netstat", p_snmp, NULL },
	{ "proc/net/snmp6", p_snmp6, NULL },
	{ "proc/net/softnet_stat", p_softnet, NULL },
	{ "proc/stat", p_stat, NULL },
	{ "proc/meminfo", p_meminfo, NULL },
	{ "proc/vmstat", p_vmstat, NULL },
	{ "proc/sys/kernel/hostname", p_ident, NULL },
	{ "proc/net/igmp", p_mcast, NULL },
	{ "proc/net/igmp6", p_mcast, NULL },
	{ "proc/net/dev_mcast", p_mcast, NULL },
	{ "proc/1/fdinfo/0", p_fdinfo, NULL },
	{ "proc/net/dev", p_rootfs, DEV_BASE },
	{ "proc/net/if_inet6", p_rootfs, INET6_BASE },
	{ "sys/class/net/fz0/ifindex", p_rootfs, "2\n" },
	{ "sys/class/net/fz0/mtu", p_rootfs, "1500\n" },
	{ "sys/class/net/fz0/flags", p_rootfs, "0x1003\n" },
	{ "sys/class/net/fz0/address", p_rootfs, "02:00:00:00:00:02\n" },
	{ "sys/class/net/fz0/operstate", p_rootfs, "up\n" },
	{ "sys/class/net/fz0/type", p_rootfs, "1\n" },
	{ "proc/net/fib_trie", p_rootfs, FIB_BASE },
	{ "proc/net/route", p_rootfs, ROUTE_BASE },
};
#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

static void
put(const char *rel, const void *buf, size_t len)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		abort();
	if (len > 0 && write(fd, buf, len) != (ssize_t)len)
		abort();
	close(fd);
}

static void
mkdirs(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		abort();
}

/* A root where every file a parser reads besides its own is valid. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[256];

	(void)argc;
	(void)argv;
	snprintf(root, sizeof(root), "/dev/shm/nbstat-fuzz-procfs.%d", (int)getpid());
	if (mkdir(root, 0755) != 0 && errno != EEXIST)
		abort();
	mkdirs("proc");
	mkdirs("proc/net");
	mkdirs("proc/sys");
	mkdirs("proc/sys/kernel");
	mkdirs("proc/1");
	mkdirs("proc/1/fd");
	mkdirs("proc/1/fdinfo");
	put("proc/sys/kernel/hostname", "fuzz\n", 5);
	put("proc/sys/kernel/osrelease", "6.1.0\n", 6);
	put("proc/sys/kernel/ostype", "Linux\n", 6);
	put("proc/1/comm", "init\n", 5);
	mkdirs("sys");
	mkdirs("sys/class");
	mkdirs("sys/class/net");
	mkdirs("sys/class/net/fz0");
	put("sys/class/net/fz0/tx_queue_len", "1000\n", 5);
	for (size_t i = 0; i < NTARGETS; i++)
		if (targets[i].base != NULL)
			put(targets[i].rel, targets[i].base, strlen(targets[i].base));
	snprintf(path, sizeof(path), "%s/proc/1/fd/0", root);
	if (symlink("/dev/null", path) != 0 && errno != EEXIST)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct target *t;
	struct nb_stack_config cfg = { .nslots = 3 };
	struct nb_stack *st = NULL;
	struct lx_proc *p = NULL;

	if (size < 1)
		return 0;
	t = &targets[data[0] % NTARGETS];
	/* The mcast files read together: the other two empty. */
	if (t->parse == p_mcast) {
		put("proc/net/igmp", "Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n", 55);
		put("proc/net/igmp6", "", 0);
		put("proc/net/dev_mcast", "", 0);
	}
	put(t->rel, data + 1, size - 1);
	if (nb_stack_create(&cfg, &st) != 0)
		abort();
	if (lx_proc_init(&p, st, root) != 0)
		abort();
	(void)t->parse(p, t->rel);
	lx_proc_free(&p);
	nb_stack_destroy(&st);
	if (t->parse == p_ident)
		put("proc/sys/kernel/hostname", "fuzz\n", 5);
	if (t->base != NULL)
		put(t->rel, t->base, strlen(t->base));
	return 0;
}
