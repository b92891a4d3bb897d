/* SPDX-License-Identifier: BSD-2-Clause */
/* test_bpf.c - libstack capture descriptors: publish, replace, delete, detach, programs, counters, snapshots. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nbsource/linux.h"
#include "nbstack/stack.h"

#include "check.h"

static struct nb_stack *
mkstack(unsigned nslots)
{
	struct nb_stack_config cfg = { .nslots = nslots };
	struct nb_stack *st = NULL;

	if (nb_stack_create(&cfg, &st) != 0) {
		fprintf(stderr, "nb_stack_create failed\n");
		exit(1);
	}
	return st;
}

static void
mkif(struct nb_stack *st, uint32_t index, const char *name)
{
	struct nb_ifattrs a;

	memset(&a, 0, sizeof(a));
	a.index = index;
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.mtu = 1500;
	CHECK_RC(nb_if_upsert(st, &a, NULL), 0);
}

static void
mkbpf(struct nb_bpfattrs *a, uint64_t id, uint32_t ifindex, int32_t pid)
{
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->ifindex = ifindex;
	a->pid = pid;
	a->fd = 3;
	a->nowners = 1;
	a->protocol = 3;
	a->type = 3;		/* SOCK_RAW */
	a->bufsize = 212992;
	a->has = NB_BPF_HAS_OWNER | NB_BPF_HAS_BUFSIZE | NB_BPF_HAS_DCOUNT;
	snprintf(a->comm, sizeof(a->comm), "cap%d", (int)pid);
}

struct ids {
	uint64_t v[16];
	size_t	 n;
};

static int
ids_cb(const struct nb_bpf *d, void *arg)
{
	struct ids *c = arg;

	if (c->n < 16)
		c->v[c->n] = nb_bpf_attrs(d)->id;
	c->n++;
	return 0;
}

static struct ids
walk_all(struct nb_stack *st)
{
	struct nb_read rd;
	struct ids c = { .n = 0 };

	nb_read_enter(st, &rd);
	nb_bpf_walk(&rd, ids_cb, &c);
	nb_read_exit(&rd);
	return c;
}

static struct ids
walk_if(struct nb_stack *st, uint32_t index)
{
	struct nb_read rd;
	struct ids c = { .n = 0 };
	const struct nb_iface *ifp;

	nb_read_enter(st, &rd);
	if ((ifp = nb_if_lookup_index(&rd, index)) != NULL)
		nb_iface_bpf_walk(&rd, ifp, ids_cb, &c);
	nb_read_exit(&rd);
	return c;
}

static int
hs_cb(const char *name, const char *descr, const struct nb_hashstat *hs, void *arg)
{
	(void)descr;
	if (strcmp(name, "bpf_d") == 0)
		*(uint64_t *)arg = hs->items;
	return 0;
}

static void
test_publish(void)
{
	struct nb_stack *st = mkstack(2);
	struct nb_bpfattrs a;
	struct nb_read rd;
	const struct nb_bpf *d;
	struct ids c;
	uint64_t items = UINT64_MAX;

	mkif(st, 2, "eth0");
	mkif(st, 3, "eth1");
	/* No registry entry before the first descriptor. */
	nb_read_enter(st, &rd);
	nb_hashstat_walk(&rd, hs_cb, &items);
	nb_read_exit(&rd);
	CHECK_EQ(items, UINT64_MAX);

	mkbpf(&a, 100, 2, 10);
	CHECK_RC(nb_bpf_upsert(st, &a, NULL, 0), 0);
	mkbpf(&a, 101, 0, 11);			/* unbound */
	CHECK_RC(nb_bpf_upsert(st, &a, NULL, 0), 0);
	mkbpf(&a, 102, 2, 12);
	CHECK_RC(nb_bpf_upsert(st, &a, NULL, 0), 0);

	c = walk_all(st);
	CHECK_EQ(c.n, 3);
	CHECK_EQ(c.v[0], 100);
	CHECK_EQ(c.v[1], 101);
	CHECK_EQ(c.v[2], 102);
	c = walk_if(st, 2);
	CHECK_EQ(c.n, 2);
	CHECK_EQ(c.v[0], 100);
	CHECK_EQ(c.v[1], 102);
	CHECK_EQ(walk_if(st, 3).n, 0);

	nb_read_enter(st, &rd);
	CHECK_EQ(nb_bpf_count(&rd), 3);
	d = nb_bpf_lookup(&rd, 101);
	CHECK(d != NULL);
	if (d != NULL) {
		CHECK_EQ(nb_bpf_attrs(d)->pid, 11);
		CHECK(strcmp(nb_bpf_attrs(d)->comm, "cap11") == 0);
		CHECK_EQ(nb_bpf_attrs(d)->flags, 0);
	}
	CHECK(nb_bpf_lookup(&rd, 999) == NULL);
	nb_hashstat_walk(&rd, hs_cb, &items);
	nb_read_exit(&rd);
	CHECK_EQ(items, 3);

	CHECK_RC(nb_bpf_upsert(st, NULL, NULL, 0), -EINVAL);
	CHECK_RC(nb_bpf_upsert(st, &a, NULL, 2), -EINVAL);
	nb_stack_destroy(&st);
}

static void
test_replace_move_delete(void)
{
	struct nb_stack *st = mkstack(2);
	struct nb_bpfattrs a;
	struct nb_read old, rd;
	const struct nb_bpf *d;
	uint64_t v[NB_BPFSTAT_MAX] = { 5, 1, 4 }, out[NB_BPFSTAT_MAX];

	mkif(st, 2, "eth0");
	mkif(st, 3, "eth1");
	mkbpf(&a, 7, 2, 10);
	CHECK_RC(nb_bpf_upsert(st, &a, NULL, 0), 0);
	CHECK_RC(nb_bpf_stats_store(st, 7, 0, v), 0);
	CHECK_RC(nb_bpf_stats_store(st, 8, 0, v), -ENOENT);
	CHECK_RC(nb_bpf_stats_store(st, 7, 2, v), -EINVAL);

	/* A read section taken before the move keeps the old membership. */
	nb_read_enter(st, &old);
	a.bufsize = 4096;
	a.ifindex = 3;
	CHECK_RC(nb_bpf_upsert(st, &a, NULL, 0), 0);
	{
		struct ids c = { .n = 0 };
		const struct nb_iface *i2 = nb_if_lookup_index(&old, 2);
		const struct nb_iface *i3 = nb_if_lookup_index(&old, 3);

		nb_iface_bpf_walk(&old, i2, ids_cb, &c);
		CHECK_EQ(c.n, 1);
		c.n = 0;
		nb_iface_bpf_walk(&old, i3, ids_cb, &c);
		CHECK_EQ(c.n, 0);
	}
	nb_read_exit(&old);
	CHECK_EQ(walk_if(st, 2).n, 0);
	CHECK_EQ(walk_if(st, 3).n, 1);
	CHECK_EQ(walk_all(st).n, 1);

	nb_read_enter(st, &rd);
	d = nb_bpf_lookup(&rd, 7);
	CHECK(d != NULL);
	if (d != NULL) {
		CHECK_EQ(nb_bpf_attrs(d)->bufsize, 4096);
		CHECK_EQ(nb_bpf_attrs(d)->ifindex, 3);
		nb_bpf_stats(d, out);		/* counters survive the replace */
		CHECK_EQ(out[NB_BPFSTAT_RCOUNT], 5);
		CHECK_EQ(out[NB_BPFSTAT_DCOUNT], 1);
		CHECK_EQ(out[NB_BPFSTAT_CCOUNT], 4);
	}
	nb_read_exit(&rd);

	/* Unbind: leaves every interface list. */
	a.ifindex = 0;
	CHECK_RC(nb_bpf_upsert(st, &a, NULL, 0), 0);
	CHECK_EQ(walk_if(st, 3).n, 0);
	CHECK_EQ(walk_all(st).n, 1);

	/* Delete: a read section from before still sees it; a new one does not. */
	a.ifindex = 2;
	CHECK_RC(nb_bpf_upsert(st, &a, NULL, 0), 0);
	nb_read_enter(st, &old);
	CHECK_RC(nb_bpf_delete(st, 7), 0);
	CHECK_RC(nb_bpf_delete(st, 7), -ENOENT);
	CHECK(nb_bpf_lookup(&old, 7) != NULL);
	CHECK_EQ(nb_bpf_count(&old), 1);
	{
		struct ids c = { .n = 0 };

		nb_iface_bpf_walk(&old, nb_if_lookup_index(&old, 2), ids_cb, &c);
		CHECK_EQ(c.n, 1);
	}
	nb_read_exit(&old);
	nb_read_enter(st, &rd);
	CHECK(nb_bpf_lookup(&rd, 7) == NULL);
	CHECK_EQ(nb_bpf_count(&rd), 0);
	nb_read_exit(&rd);
	CHECK_EQ(walk_if(st, 2).n, 0);
	CHECK_EQ(walk_all(st).n, 0);
	nb_stack_barrier(st);
	nb_stack_destroy(&st);
}

static void
test_detach(void)
{
	struct nb_stack *st = mkstack(2);
	struct nb_bpfattrs a;
	struct nb_read rd;
	const struct nb_bpf *d;

	mkif(st, 2, "eth0");
	mkbpf(&a, 1, 2, 10);
	CHECK_RC(nb_bpf_upsert(st, &a, NULL, 0), 0);
	mkbpf(&a, 2, 2, 11);
	CHECK_RC(nb_bpf_upsert(st, &a, NULL, 0), 0);
	CHECK_RC(nb_if_delete(st, 2, NULL), 0);
	CHECK_EQ(walk_all(st).n, 2);
	nb_read_enter(st, &rd);
	d = nb_bpf_lookup(&rd, 1);
	CHECK(d != NULL);
	if (d != NULL)
		CHECK(nb_bpf_attrs(d)->flags & NB_BPF_F_DETACHED);
	nb_read_exit(&rd);
	nb_stack_barrier(st);

	/* A refresh naming the vanished index keeps the flag... */
	mkbpf(&a, 1, 2, 10);
	CHECK_RC(nb_bpf_upsert(st, &a, NULL, 0), 0);
	nb_read_enter(st, &rd);
	d = nb_bpf_lookup(&rd, 1);
	CHECK(d != NULL && (nb_bpf_attrs(d)->flags & NB_BPF_F_DETACHED));
	nb_read_exit(&rd);
	/* ...and a new interface with that index does not inherit it. */
	mkif(st, 2, "eth0");
	CHECK_EQ(walk_if(st, 2).n, 0);
	CHECK_RC(nb_bpf_upsert(st, &a, NULL, 0), 0);
	CHECK_EQ(walk_if(st, 2).n, 1);
	nb_read_enter(st, &rd);
	d = nb_bpf_lookup(&rd, 1);
	CHECK(d != NULL && !(nb_bpf_attrs(d)->flags & NB_BPF_F_DETACHED));
	nb_read_exit(&rd);
	CHECK_RC(nb_if_delete(st, 2, NULL), 0);
	nb_stack_barrier(st);
	nb_stack_destroy(&st);
}

static void
test_prog(void)
{
	struct nb_stack *st = mkstack(2);
	struct nb_bpf_insn prog[4] = {
		{ 0x28, 0, 0, 12 }, { 0x15, 0, 1, 0x0800 }, { 0x06, 0, 0, 0xffff }, { 0x06, 0, 0, 0 },
	};
	struct nb_bpfattrs a;
	struct nb_read rd;
	const struct nb_bpf *d;
	const struct nb_bpf_insn *p;
	size_t n = 99;

	mkbpf(&a, 5, 0, 1);
	a.filter_len = 77;			/* overridden by the program */
	a.has |= NB_BPF_HAS_FILTER;
	CHECK_RC(nb_bpf_upsert(st, &a, prog, 4), 0);
	prog[1].k = 0x86dd;			/* the stack holds a copy */
	nb_read_enter(st, &rd);
	d = nb_bpf_lookup(&rd, 5);
	CHECK(d != NULL);
	if (d != NULL) {
		p = nb_bpf_prog(d, &n);
		CHECK_EQ(n, 4);
		CHECK_EQ(nb_bpf_attrs(d)->filter_len, 4);
		CHECK(p != NULL && p[1].k == 0x0800 && p[1].jf == 1 && p[3].code == 0x06);
	}
	nb_read_exit(&rd);
	/* Replace with no program: accepts all. */
	a.filter_len = 0;
	CHECK_RC(nb_bpf_upsert(st, &a, NULL, 0), 0);
	nb_read_enter(st, &rd);
	d = nb_bpf_lookup(&rd, 5);
	CHECK(d != NULL && nb_bpf_prog(d, &n) == NULL && n == 0);
	nb_read_exit(&rd);
	/* Kernel-reported length without the program (linux, no CAP_NET_ADMIN). */
	a.filter_len = 6;
	CHECK_RC(nb_bpf_upsert(st, &a, NULL, 0), 0);
	nb_read_enter(st, &rd);
	d = nb_bpf_lookup(&rd, 5);
	CHECK(d != NULL && nb_bpf_attrs(d)->filter_len == 6 && nb_bpf_prog(d, NULL) == NULL);
	nb_read_exit(&rd);
	nb_stack_destroy(&st);
}

static void
test_percpu(void)
{
	struct nb_stack *st = mkstack(4);
	struct nb_bpfattrs a;
	struct nb_read rd;
	const struct nb_bpf *d;
	uint64_t out[NB_BPFSTAT_MAX], vec[4], total = 0;
	unsigned s;

	mkif(st, 2, "eth0");
	mkbpf(&a, 9, 2, 1);
	CHECK_RC(nb_bpf_upsert(st, &a, NULL, 0), 0);
	nb_read_enter(st, &rd);
	d = nb_bpf_lookup(&rd, 9);
	CHECK(d != NULL);
	if (d != NULL) {
		CHECK_EQ(nb_ctrgroup_nslots(nb_bpf_ctrs(d)), 4);
		CHECK_EQ(nb_ctrgroup_nctrs(nb_bpf_ctrs(d)), NB_BPFSTAT_MAX);
		for (s = 0; s < 4; s++) {
			uint64_t *p = nb_bpf_stats_slot(d, s);

			nb_ctr_add(p, NB_BPFSTAT_RCOUNT, 10 * (s + 1));
			nb_ctr_add(p, NB_BPFSTAT_CCOUNT, s + 1);
			nb_ctr_add(p, NB_BPFSTAT_DCOUNT, s == 3 ? 2 : 0);
		}
		nb_bpf_stats(d, out);
		CHECK_EQ(out[NB_BPFSTAT_RCOUNT], 100);
		CHECK_EQ(out[NB_BPFSTAT_CCOUNT], 10);
		CHECK_EQ(out[NB_BPFSTAT_DCOUNT], 2);
		CHECK_EQ(nb_ctrgroup_percpu(nb_bpf_ctrs(d), NB_BPFSTAT_RCOUNT, vec, 4, &total), 4);
		CHECK_EQ(total, 100);
		CHECK_EQ(vec[0], 10);
		CHECK_EQ(vec[3], 40);
	}
	nb_read_exit(&rd);
	CHECK(strcmp(nb_bpfstat_desc[NB_BPFSTAT_DCOUNT].name, "dcount") == 0);
	CHECK_EQ(nb_bpfstat_desc[NB_BPFSTAT_RCOUNT].kind, NB_CTR_COUNTER);
	nb_stack_destroy(&st);
}

/*
 * The linux source: an AF_PACKET socket of ours (with a 2-instruction
 * filter) is a descriptor owned by us with the right fd; under a procfs
 * root without processes (the "good" fixture) or without proc at all it
 * has no owner, not a made-up one; closed, it leaves at the next refresh.
 */
static void
linux_source_one(const char *root, bool owned)
{
	struct sock_filter code[2] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), BPF_STMT(BPF_RET | BPF_K, 0xffff),
	};
	struct sock_fprog fp = { .len = 2, .filter = code };
	struct nb_source_opts opts = { .root = root };
	struct nb_stack *st = mkstack(2);
	struct nb_source *src = NULL;
	struct nb_read rd;
	const struct nb_bpf *d;
	struct stat sb;
	int fd;

	if ((fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))) < 0) {
		printf("test_bpf: no AF_PACKET socket (%s): linux source part skipped\n",
		    strerror(errno));
		nb_stack_destroy(&st);
		return;
	}
	CHECK(setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) == 0);
	CHECK(fstat(fd, &sb) == 0);
	CHECK_RC(nb_source_open(st, &nb_source_linux_ops, &opts, &src), 0);
	CHECK(nb_source_families(src) & NB_FAM_BPF);
	CHECK_RC(nb_source_refresh(src, NB_FAM_BPF), 0);
	nb_read_enter(st, &rd);
	d = nb_bpf_lookup(&rd, sb.st_ino);
	CHECK(d != NULL, "inode %lu not found", (unsigned long)sb.st_ino);
	if (d != NULL) {
		const struct nb_bpfattrs *a = nb_bpf_attrs(d);

		CHECK_EQ(!!(a->has & NB_BPF_HAS_OWNER), owned);
		if (owned) {
			CHECK_EQ(a->pid, getpid());
			CHECK_EQ(a->fd, fd);
			CHECK_EQ(a->nowners, 1);
		}
		CHECK_EQ(a->ifindex, 0);
		CHECK_EQ(a->type, SOCK_RAW);
		CHECK_EQ(a->protocol, ETH_P_ALL);
		CHECK(a->has & NB_BPF_HAS_DCOUNT);
		CHECK(!(a->has & (NB_BPF_HAS_RCOUNT | NB_BPF_HAS_CCOUNT)));
		if (geteuid() == 0) {	/* PACKET_DIAG_FILTER needs CAP_NET_ADMIN */
			CHECK(a->has & NB_BPF_HAS_FILTER);
			CHECK_EQ(a->filter_len, 2);
			CHECK(nb_bpf_prog(d, NULL) != NULL && nb_bpf_prog(d, NULL)[1].k == 0xffff);
		}
	}
	nb_read_exit(&rd);
	close(fd);
	CHECK_RC(nb_source_refresh(src, NB_FAM_BPF), 0);
	nb_read_enter(st, &rd);
	CHECK(nb_bpf_lookup(&rd, sb.st_ino) == NULL);
	nb_read_exit(&rd);
	nb_source_close(&src);
	nb_stack_destroy(&st);
}

static int
count_cb(const struct nb_bpf *d, void *arg)
{
	(void)d;
	++*(size_t *)arg;
	return 0;
}

/*
 * Under a root file system (--root) the source never asks the running
 * kernel: capture peers come from sock_diag only, so BPF is refused with
 * a detail that says why, and nothing is published.
 */
static void
linux_source_rooted(const char *root)
{
	struct nb_source_opts opts = { .root = root };
	struct nb_stack *st = mkstack(2);
	struct nb_source *src = NULL;
	const char *err;
	size_t n = 0;
	struct nb_read rd;

	CHECK_RC(nb_source_open(st, &nb_source_linux_ops, &opts, &src), 0);
	if (src != NULL) {
		CHECK_RC(nb_source_refresh(src, NB_FAM_BPF), -EOPNOTSUPP);
		err = nb_source_error(src);
		CHECK(strstr(err, "sock_diag") != NULL && strstr(err, root) != NULL,
		    "detail: %s", err);
	}
	nb_read_enter(st, &rd);
	(void)nb_bpf_walk(&rd, count_cb, &n);
	nb_read_exit(&rd);
	CHECK_EQ(n, 0);
	nb_source_close(&src);
	nb_stack_destroy(&st);
}

static void
test_linux_source(void)
{
	const char *fixtures = getenv("NBSTAT_TEST_FIXTURES");
	char root[4096];

	linux_source_one(NULL, true);
	if (fixtures != NULL) {
		snprintf(root, sizeof(root), "%s/good", fixtures);
		linux_source_rooted(root);
		snprintf(root, sizeof(root), "%s/good/proc/net", fixtures);
		linux_source_rooted(root);
	}
}

int
main(void)
{
	nb_thread_register();
	test_publish();
	test_replace_move_delete();
	test_detach();
	test_prog();
	test_percpu();
	test_linux_source();
	printf("test_bpf: %d checks, %d failures\n", checks, failures);
	return failures != 0;
}
