/* SPDX-License-Identifier: BSD-2-Clause */
/* test_procfiles.c - the process-files snapshot (nb_procs_*) and the linux source's NB_FAM_PROC on this process. */
/*
 * Part 1 publishes snapshots by hand: deep copy (the caller's strings may
 * die), order check, lookup, walk, scope/denied, replacement.
 * Part 2 opens, in this process, a TCP listener on 127.0.0.1, a UDP
 * socket connected to 127.0.0.1, a bound unix socket, a netlink socket, a
 * pipe and a regular file, refreshes NB_FAM_PROC with the pid filter on
 * this pid, and checks each descriptor against what getsockname/fstat say.
 * Part 3 reads the same through the tree (kern.proc.<pid>.fd.<n>.*), on
 * the live root and on a fixture root where sockets stay unresolved.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "nbsource/linux.h"
#include "nbstack/stack.h"
#include "sysctl-tree/sysctl.h"

#include "check.h"

static int
count_cb(const struct nb_proc *p, void *arg)
{
	(void)p;
	(*(int *)arg)++;
	return 0;
}

static void
test_snapshot(void)
{
	struct nb_stack *st = NULL;
	struct nb_read rd;
	struct nb_pfd fds[2];
	struct nb_proc procs[2];
	const struct nb_proc *p;
	char *comm = strdup("worker"), *path = strdup("/tmp/x");
	int32_t scope;
	unsigned denied;
	int n;

	CHECK_RC(nb_stack_create(NULL, &st), 0);
	if (st == NULL)
		return;
	nb_thread_register();
	nb_read_enter(st, &rd);
	CHECK(nb_procs_snapshot(&rd) == NULL);
	CHECK(nb_proc_lookup(nb_procs_snapshot(&rd), 1) == NULL);
	nb_read_exit(&rd);

	memset(fds, 0, sizeof(fds));
	memset(procs, 0, sizeof(procs));
	fds[0].fd = 3;
	fds[0].type = NB_PFD_FILE;
	fds[0].target = path;
	fds[1].fd = 4;
	fds[1].type = NB_PFD_SOCKET;
	fds[1].target = "socket:[77]";
	fds[1].sock_ino = 77;
	fds[1].unix_path = "/run/s";
	procs[0].pid = 20;
	procs[0].comm = comm;
	procs[0].fds = fds;
	procs[0].nfds = 2;
	procs[1].pid = 10;
	procs[1].comm = "init";
	/* pids must ascend */
	CHECK_RC(nb_procs_publish(st, 0, 0, procs, 2), -EINVAL);
	procs[1].pid = 30;
	CHECK_RC(nb_procs_publish(st, 0, 3, procs, 2), 0);
	strcpy(comm, "XXXXXX");
	strcpy(path, "/yyyyy");
	free(comm);
	free(path);

	nb_read_enter(st, &rd);
	CHECK(nb_procs_snapshot(&rd) != NULL);
	nb_procs_info(nb_procs_snapshot(&rd), &scope, &denied);
	CHECK_EQ(scope, 0);
	CHECK_EQ(denied, 3);
	p = nb_proc_lookup(nb_procs_snapshot(&rd), 20);
	CHECK(p != NULL);
	if (p != NULL) {
		CHECK(strcmp(p->comm, "worker") == 0);
		CHECK_EQ(p->nfds, 2);
		CHECK(strcmp(p->fds[0].target, "/tmp/x") == 0);
		CHECK(p->fds[0].unix_path == NULL);
		CHECK(strcmp(p->fds[1].unix_path, "/run/s") == 0);
		CHECK_EQ(p->fds[1].sock_ino, 77);
		CHECK(strcmp(nb_pfd_type_name(p->fds[1].type), "socket") == 0);
	}
	p = nb_proc_lookup(nb_procs_snapshot(&rd), 30);
	CHECK(p != NULL && p->nfds == 0);
	CHECK(nb_proc_lookup(nb_procs_snapshot(&rd), 25) == NULL);
	n = 0;
	CHECK_RC(nb_proc_walk(nb_procs_snapshot(&rd), count_cb, &n), 0);
	CHECK_EQ(n, 2);
	nb_read_exit(&rd);

	/* Replaced whole: pid 20 is gone. */
	CHECK_RC(nb_procs_publish(st, 30, 0, &procs[1], 1), 0);
	nb_read_enter(st, &rd);
	CHECK(nb_proc_lookup(nb_procs_snapshot(&rd), 20) == NULL);
	nb_procs_info(nb_procs_snapshot(&rd), &scope, NULL);
	CHECK_EQ(scope, 30);
	nb_read_exit(&rd);

	nb_procs_set_scope(st, 42);
	CHECK_EQ(nb_procs_scope(st), 42);
	nb_procs_set_scope(st, -5);
	CHECK_EQ(nb_procs_scope(st), 0);
	nb_stack_destroy(&st);
}

static const struct nb_pfd *
fd_of(const struct nb_proc *p, int fd)
{
	for (size_t i = 0; p != NULL && i < p->nfds; i++)
		if (p->fds[i].fd == fd)
			return &p->fds[i];
	return NULL;
}

static void
test_live(void)
{
	struct nb_stack *st = NULL;
	struct nb_source *src = NULL;
	struct nb_read rd;
	const struct nb_proc *p;
	const struct nb_pfd *f;
	struct sockaddr_in a = { .sin_family = AF_INET }, b;
	struct sockaddr_un u = { .sun_family = AF_UNIX };
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	socklen_t len;
	char dir[] = "/tmp/nb-procfiles-XXXXXX", fpath[256];
	int tcp, udp, ux, nls, pfd[2], file;
	struct stat sb;
	uint16_t tport, uport;

	CHECK(mkdtemp(dir) != NULL);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	tcp = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(tcp >= 0 && bind(tcp, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(tcp, 4) == 0);
	len = sizeof(b);
	CHECK(getsockname(tcp, (struct sockaddr *)&b, &len) == 0);
	tport = ntohs(b.sin_port);
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(udp >= 0 && bind(udp, (struct sockaddr *)&a, sizeof(a)) == 0);
	len = sizeof(b);
	CHECK(getsockname(udp, (struct sockaddr *)&b, &len) == 0);
	uport = ntohs(b.sin_port);
	b.sin_port = htons(9);
	CHECK(connect(udp, (struct sockaddr *)&b, sizeof(b)) == 0);
	ux = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(u.sun_path, sizeof(u.sun_path), "%s/sock", dir);
	CHECK(ux >= 0 && bind(ux, (struct sockaddr *)&u, sizeof(u)) == 0 && listen(ux, 1) == 0);
	nls = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	CHECK(nls >= 0 && bind(nls, (struct sockaddr *)&nl, sizeof(nl)) == 0);
	CHECK(pipe(pfd) == 0);
	snprintf(fpath, sizeof(fpath), "%s/file", dir);
	file = open(fpath, O_RDWR | O_CREAT, 0600);
	CHECK(file >= 0 && write(file, "hello", 5) == 5);

	CHECK_RC(nb_stack_create(NULL, &st), 0);
	if (st == NULL)
		return;
	nb_thread_register();
	CHECK_RC(nb_source_open(st, &nb_source_linux_ops, NULL, &src), 0);
	if (src == NULL)
		goto out;
	CHECK((nb_source_families(src) & NB_FAM_PROC) != 0);
	nb_procs_set_scope(st, getpid());
	CHECK_RC(nb_source_refresh(src, NB_FAM_PROC), 0);
	nb_read_enter(st, &rd);
	p = nb_proc_lookup(nb_procs_snapshot(&rd), getpid());
	CHECK(p != NULL);
	CHECK(p != NULL && p->uid == getuid());
	CHECK(p != NULL && strncmp(p->comm, "test_procfiles", 15) == 0);

	f = fd_of(p, tcp);
	CHECK(f != NULL && f->type == NB_PFD_SOCKET && f->sock_known);
	if (f != NULL && f->sock_known) {
		CHECK_EQ(f->family, AF_INET);
		CHECK_EQ(f->proto, IPPROTO_TCP);
		CHECK_EQ(f->state, 10);		/* TCP_LISTEN */
		CHECK_EQ(f->lport, tport);
		CHECK(f->has_addr && memcmp(f->laddr, "\x7f\0\0\1", 4) == 0);
	}
	f = fd_of(p, udp);
	CHECK(f != NULL && f->sock_known);
	if (f != NULL && f->sock_known) {
		CHECK_EQ(f->proto, IPPROTO_UDP);
		CHECK_EQ(f->stype, SOCK_DGRAM);
		CHECK_EQ(f->lport, uport);
		CHECK_EQ(f->rport, 9);
		CHECK(memcmp(f->raddr, "\x7f\0\0\1", 4) == 0);
	}
	f = fd_of(p, ux);
	CHECK(f != NULL && f->sock_known);
	if (f != NULL && f->sock_known) {
		CHECK_EQ(f->family, AF_UNIX);
		CHECK_EQ(f->stype, SOCK_STREAM);
		CHECK(f->unix_path != NULL && strcmp(f->unix_path, u.sun_path) == 0);
	}
	f = fd_of(p, nls);
	CHECK(f != NULL && f->sock_known);
	if (f != NULL && f->sock_known) {
		CHECK_EQ(f->family, AF_NETLINK);
		CHECK_EQ(f->proto, NETLINK_ROUTE);
	}
	f = fd_of(p, pfd[0]);
	CHECK(fstat(pfd[0], &sb) == 0);
	CHECK(f != NULL && f->type == NB_PFD_PIPE && f->ino == sb.st_ino);
	f = fd_of(p, file);
	CHECK(f != NULL && f->type == NB_PFD_FILE && f->size == 5 && f->pos == 5);
	CHECK(f != NULL && strcmp(f->target, fpath) == 0);
	CHECK(f != NULL && (f->flags & O_ACCMODE) == O_RDWR);
	nb_read_exit(&rd);

	/* A pid filter on a pid that does not exist: an empty snapshot. */
	nb_procs_set_scope(st, 0x7ffffff0);
	CHECK_RC(nb_source_refresh(src, NB_FAM_PROC), 0);
	nb_read_enter(st, &rd);
	CHECK(nb_proc_lookup(nb_procs_snapshot(&rd), getpid()) == NULL);
	nb_read_exit(&rd);

	/* All processes: this one is among them. */
	nb_procs_set_scope(st, 0);
	CHECK_RC(nb_source_refresh(src, NB_FAM_PROC), 0);
	nb_read_enter(st, &rd);
	p = nb_proc_lookup(nb_procs_snapshot(&rd), getpid());
	CHECK(p != NULL && fd_of(p, tcp) != NULL && fd_of(p, tcp)->sock_known);
	/* pid 1 is listed, or counted as hidden from us. */
	{
		unsigned denied = 0;

		CHECK(nb_procs_snapshot(&rd) != NULL);
		nb_procs_info(nb_procs_snapshot(&rd), NULL, &denied);
		CHECK(nb_proc_lookup(nb_procs_snapshot(&rd), 1) != NULL || denied > 0);
	}
	nb_read_exit(&rd);
out:
	nb_source_close(&src);
	nb_stack_destroy(&st);
	close(tcp);
	close(udp);
	close(ux);
	close(nls);
	close(pfd[0]);
	close(pfd[1]);
	close(file);
	unlink(u.sun_path);
	unlink(fpath);
	rmdir(dir);
}

static int
get(struct nb_sysctl *h, const char *name, struct nb_sysctl_value *v)
{
	return nb_sysctl_get(h, name, 0, v);
}

static void
want_str(struct nb_sysctl *h, const char *name, const char *want)
{
	struct nb_sysctl_value v;
	int rc = get(h, name, &v);

	CHECK(rc == 0, "%s: rc %d (%s)", name, rc, nb_sysctl_errdetail(h));
	if (rc == 0)
		CHECK(v.str != NULL && strcmp(v.str, want) == 0, "%s = '%s', want '%s'", name,
		    v.str != NULL ? v.str : "(null)", want);
}

static void
want_num(struct nb_sysctl *h, const char *name, int64_t want)
{
	struct nb_sysctl_value v;
	int rc = get(h, name, &v);

	CHECK(rc == 0, "%s: rc %d (%s)", name, rc, nb_sysctl_errdetail(h));
	if (rc == 0)
		CHECK((v.type == NB_SYSCTL_INT ? v.i : (int64_t)v.u) == want,
		    "%s = %lld, want %lld", name,
		    (long long)(v.type == NB_SYSCTL_INT ? v.i : (int64_t)v.u), (long long)want);
}

static void
want_absent(struct nb_sysctl *h, const char *name)
{
	struct nb_sysctl_value v;

	CHECK(get(h, name, &v) == -ENOENT, "%s should be absent", name);
}

struct comm_find {
	pid_t	 pid;
	bool	 seen_me, seen_child;
};

/* kern.proc.<pid>.comm leaves of this process and of cf->pid. */
static int
comm_find_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct comm_find *cf = arg;
	char pid[16];

	if (e->ncomp != 4 || e->complen[3] != 4 || memcmp(e->comp[3], "comm", 4) != 0)
		return 0;
	snprintf(pid, sizeof(pid), "%.*s", (int)e->complen[2], e->comp[2]);
	if (atoi(pid) == getpid())
		cf->seen_me = true;
	if (atoi(pid) == cf->pid)
		cf->seen_child = true;
	return 0;
}

static void
test_tree(void)
{
	struct nb_sysctl_opts o = { .backend = NB_SYSCTL_LOCAL };
	struct nb_sysctl *h = NULL;
	struct sockaddr_in a = { .sin_family = AF_INET }, b;
	socklen_t len = sizeof(b);
	char name[128], tmpl[] = "/tmp/nb-procfiles-root-XXXXXX", p[512];
	int tcp, pfd[2], me = getpid();
	uint16_t tport;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	tcp = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(tcp >= 0 && bind(tcp, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(tcp, 1) == 0);
	CHECK(getsockname(tcp, (struct sockaddr *)&b, &len) == 0);
	tport = ntohs(b.sin_port);
	CHECK(pipe(pfd) == 0);

	CHECK_RC(nb_sysctl_open(&o, &h), 0);
	if (h == NULL)
		return;
	snprintf(name, sizeof(name), "kern.proc.%d.uid", me);
	want_num(h, name, getuid());
	snprintf(name, sizeof(name), "kern.proc.%d.fd.%d.type", me, tcp);
	want_str(h, name, "socket");
	snprintf(name, sizeof(name), "kern.proc.%d.fd.%d.state", me, tcp);
	want_str(h, name, "LISTEN");
	snprintf(name, sizeof(name), "kern.proc.%d.fd.%d.lport", me, tcp);
	want_num(h, name, tport);
	snprintf(name, sizeof(name), "kern.proc.%d.fd.%d.laddr", me, tcp);
	want_str(h, name, "127.0.0.1");
	snprintf(name, sizeof(name), "kern.proc.%d.fd.%d.raddr", me, tcp);
	want_absent(h, name);
	snprintf(name, sizeof(name), "kern.proc.%d.fd.%d.type", me, pfd[1]);
	want_str(h, name, "pipe");
	snprintf(name, sizeof(name), "kern.proc.%d.fd.%d.path", me, pfd[1]);
	want_absent(h, name);
	/* A pid that is not there, after a scope of another pid. */
	want_absent(h, "kern.proc.2147483600.comm");
	/* The whole kern.proc after a one-pid scope: reloaded for all, so
	 * a child started now is in it (one walk, no per-pid get). */
	{
		struct comm_find cf = { .pid = -1 };
		pid_t child = fork();

		if (child == 0) {
			pause();
			_exit(0);
		}
		CHECK(child > 0);
		cf.pid = child;
		snprintf(name, sizeof(name), "kern.proc.%d.uid", me);
		want_num(h, name, getuid());
		CHECK_RC(nb_sysctl_walk(h, "kern.proc", 0, comm_find_cb, &cf), 0);
		CHECK(cf.seen_me && cf.seen_child, "me %d child %d", cf.seen_me, cf.seen_child);
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	nb_sysctl_close(&h);

	/* Fixture root: the link text only, no sock_diag. */
	CHECK(mkdtemp(tmpl) != NULL);
	snprintf(p, sizeof(p), "mkdir -p %s/proc/55/fd && printf 'srv\\n' > %s/proc/55/comm && "
	    "ln -s 'socket:[4242]' %s/proc/55/fd/7 && ln -s 'pipe:[99]' %s/proc/55/fd/8",
	    tmpl, tmpl, tmpl, tmpl);
	CHECK(system(p) == 0);
	o.root = tmpl;
	CHECK_RC(nb_sysctl_open(&o, &h), 0);
	if (h != NULL) {
		want_str(h, "kern.proc.55.comm", "srv");
		want_str(h, "kern.proc.55.fd.7.type", "socket");
		want_num(h, "kern.proc.55.fd.7.inode", 4242);
		want_absent(h, "kern.proc.55.fd.7.family");
		want_str(h, "kern.proc.55.fd.8.type", "pipe");
		want_absent(h, "kern.proc.55.fd.8.inode");	/* no stat in a fixture */
		want_num(h, "kern.proc.denied", 0);
		nb_sysctl_close(&h);
	}
	CHECK(check_rmtree(tmpl) == 0);
	close(tcp);
	close(pfd[0]);
	close(pfd[1]);
}

int
main(void)
{
	test_snapshot();
	test_live();
	test_tree();
	printf("test_procfiles: %d checks, %d failures\n", checks, failures);
	return failures != 0;
}
