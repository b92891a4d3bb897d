/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * main.c - nbfstat: the open files of processes, in BSD fstat's layout, from
 * kern.proc.<pid>.fd.<n>.* (one walk of the tree), and JSON (-j) from the
 * same printer. Packet sockets show their capture statistics from
 * net.bpf.peers.<inode>.{rcount,dcount,ccount} when the tree has them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

enum { OPT_HELP = 0x2000, OPT_VERSION };

static const char optstring[] = ":jnp:S:u:";

static const struct option longopts[] = {
	NB_COMMON_LONGOPTS,
	{ "help",	no_argument,	NULL, OPT_HELP },
	{ "version",	no_argument,	NULL, OPT_VERSION },
	{ NULL,		0,		NULL, 0 },
};

/* Leaves of one descriptor, as the tree gives them (absent: not set). */
enum {
	L_TYPE, L_PATH, L_INODE, L_DEV, L_RDEV, L_MODE, L_SIZE, L_FLAGS, L_OFFSET,
	L_FAMILY, L_SOCKTYPE, L_PROTO, L_STATE, L_LADDR, L_LPORT, L_RADDR, L_RPORT,
	L_PEER, L_PORTID, L_IFNAME, L_MAX
};
static const char *const leaf_names[L_MAX] = {
	"type", "path", "inode", "dev", "rdev", "mode", "size", "flags", "offset",
	"family", "socktype", "proto", "state", "laddr", "lport", "raddr", "rport",
	"peer", "portid", "ifname",
};

struct ofile {
	int32_t		 fd;
	unsigned	 has;		/* bit per L_* */
	char		*s[L_MAX];	/* string leaves */
	int64_t		 n[L_MAX];	/* number leaves */
};

struct oproc {
	int32_t		 pid;
	char		*comm;
	int64_t		 uid;
	bool		 has_uid;
	struct ofile	*f;
	size_t		 nf, fcap;
};

struct state {
	struct oproc	*p;
	size_t		 np, pcap;
	int64_t		 denied;
	int		 error;
};

struct opts {
	struct nb_common c;
	bool		 nflag;
	int32_t		 pid;		/* -p, 0: all */
	bool		 uid_set;
	uint32_t	 uid;		/* -u */
};

static void
usage(void)
{
	printf("usage: nbfstat [-n] [-p PID] [-u USER] [-j [--pretty]] [common options]\n"
	       "       nbfstat [-n] [-p PID] [-u USER] [-j] --interval SECS [-c N]\n"
	       "\n"
	       "  (none)           every process's open files: USER CMD PID FD and a\n"
	       "                   description (files: MOUNT INUM MODE SZ|DV R/W NAME;\n"
	       "                   sockets: protocol, state and addresses; capture\n"
	       "                   sockets: bpf@IF rec=, dr=, cap=)\n"
	       "  -p PID           only process PID\n"
	       "  -u USER          only processes of USER (a name or a number)\n"
	       "  -n               numeric: user ids and octal modes\n"
	       "  -c N             with --interval: stop after N snapshots\n"
	       "      --help       this help\n"
	       "      --version    the version\n"
	       "\n"
	       "Common options:\n%s",
	    nb_common_help);
}

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	return q;
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	return d;
}

static bool
comp_is(const struct nb_sysctl_entry *e, unsigned i, const char *s)
{
	return e->complen[i] == strlen(s) && memcmp(e->comp[i], s, e->complen[i]) == 0;
}

/* A decimal component. */
static int32_t
comp_num(const struct nb_sysctl_entry *e, unsigned i)
{
	int64_t v = 0;

	if (e->complen[i] == 0 || e->complen[i] > 10)
		return -1;
	for (size_t k = 0; k < e->complen[i]; k++) {
		if (e->comp[i][k] < '0' || e->comp[i][k] > '9')
			return -1;
		v = v * 10 + (e->comp[i][k] - '0');
	}
	return v <= INT32_MAX ? (int32_t)v : -1;
}

static struct oproc *
proc_get(struct state *s, int32_t pid)
{
	struct oproc *p;

	if (s->np > 0 && s->p[s->np - 1].pid == pid)
		return &s->p[s->np - 1];
	if (s->np == s->pcap) {
		s->pcap = s->pcap != 0 ? s->pcap * 2 : 64;
		s->p = xrealloc(s->p, s->pcap * sizeof(*s->p));
	}
	p = &s->p[s->np++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	return p;
}

static struct ofile *
file_get(struct oproc *p, int32_t fd)
{
	struct ofile *f;

	if (p->nf > 0 && p->f[p->nf - 1].fd == fd)
		return &p->f[p->nf - 1];
	if (p->nf == p->fcap) {
		p->fcap = p->fcap != 0 ? p->fcap * 2 : 16;
		p->f = xrealloc(p->f, p->fcap * sizeof(*p->f));
	}
	f = &p->f[p->nf++];
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	return f;
}

/* kern proc denied | kern proc <pid> comm|uid | kern proc <pid> fd <n> <leaf> */
static int
collect_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct state *s = arg;
	const struct nb_sysctl_value *v = &e->val;
	struct oproc *p;
	struct ofile *f;
	int32_t pid, fd;
	unsigned i;

	if (v->type == NB_SYSCTL_NODE || e->ncomp < 3)
		return 0;
	if (e->ncomp == 3 && comp_is(e, 2, "denied")) {
		s->denied = v->i;
		return 0;
	}
	if ((pid = comp_num(e, 2)) <= 0)
		return 0;
	p = proc_get(s, pid);
	if (e->ncomp == 4 && comp_is(e, 3, "comm")) {
		free(p->comm);
		p->comm = xstrdup(v->str);
	} else if (e->ncomp == 4 && comp_is(e, 3, "uid")) {
		p->uid = v->i;
		p->has_uid = true;
	} else if (e->ncomp == 6 && comp_is(e, 3, "fd") && (fd = comp_num(e, 4)) >= 0) {
		f = file_get(p, fd);
		for (i = 0; i < L_MAX; i++) {
			if (!comp_is(e, 5, leaf_names[i]))
				continue;
			f->has |= 1u << i;
			if (v->type == NB_SYSCTL_STRING || v->type == NB_SYSCTL_ADDRESS)
				f->s[i] = xstrdup(v->str);
			else if (v->type == NB_SYSCTL_U64)
				f->n[i] = (int64_t)v->u;
			else
				f->n[i] = v->i;
			break;
		}
	}
	return 0;
}

static void
state_free(struct state *s)
{
	for (size_t i = 0; i < s->np; i++) {
		for (size_t j = 0; j < s->p[i].nf; j++)
			for (unsigned k = 0; k < L_MAX; k++)
				free(s->p[i].f[j].s[k]);
		free(s->p[i].f);
		free(s->p[i].comm);
	}
	free(s->p);
}

/* ---- printing: one path for text and JSON ---- */

#define HAS(f, l)	(((f)->has & (1u << (l))) != 0)

static const char *
user_name(int64_t uid, char *buf, size_t size, bool numeric)
{
	struct passwd *pw;

	if (!numeric && uid >= 0 && (pw = getpwuid((uid_t)uid)) != NULL)
		return pw->pw_name;
	snprintf(buf, size, "%" PRId64, uid);
	return buf;
}

/* ls-style mode string. */
static const char *
mode_text(uint32_t m, char *b)
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	switch (m & S_IFMT) {
	case S_IFDIR: b[0] = 'd'; break;
	case S_IFCHR: b[0] = 'c'; break;
	case S_IFBLK: b[0] = 'b'; break;
	case S_IFIFO: b[0] = 'p'; break;
	case S_IFLNK: b[0] = 'l'; break;
	case S_IFSOCK: b[0] = 's'; break;
	default: b[0] = '-'; break;
	}
	for (i = 0; i < 9; i++)
		b[i + 1] = (m & (1u << (8 - i))) ? rwx[i] : '-';
	if (m & S_ISUID)
		b[3] = (m & S_IXUSR) ? 's' : 'S';
	if (m & S_ISGID)
		b[6] = (m & S_IXGRP) ? 's' : 'S';
	if (m & S_ISVTX)
		b[9] = (m & S_IXOTH) ? 't' : 'T';
	b[10] = '\0';
	return b;
}

static const char *
rw_text(int64_t flags)
{
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		return "r";
	case O_WRONLY:
		return "w";
	}
	return "rw";
}

/* "addr:port" (v6 in brackets), "*" for a wildcard address. */
static void
endpoint(char *buf, size_t size, const char *addr, bool has_port, int64_t port)
{
	bool any = strcmp(addr, "0.0.0.0") == 0 || strcmp(addr, "::") == 0;
	bool v6 = strchr(addr, ':') != NULL;

	if (!has_port)
		snprintf(buf, size, "%s", any ? "*" : addr);
	else if (any)
		snprintf(buf, size, "*:%" PRId64, port);
	else
		snprintf(buf, size, v6 ? "[%s]:%" PRId64 : "%s:%" PRId64, addr, port);
}

static void
str_leaf(struct nb_out *o, const struct ofile *f, unsigned l, const char *key)
{
	if (HAS(f, l))
		nb_out_str(o, NB_OUT_JSON, key, "%s", f->s[l]);
}

static void
num_leaf(struct nb_out *o, const struct ofile *f, unsigned l, const char *key)
{
	if (HAS(f, l))
		nb_out_i64(o, NB_OUT_JSON, key, "%" PRId64, f->n[l]);
}

/* The file columns: MOUNT INUM MODE SZ|DV R/W NAME. */
static void
print_file(struct nb_out *o, const struct opts *op, const struct ofile *f)
{
	char buf[64], mb[12];
	uint32_t mode = (uint32_t)f->n[L_MODE];
	bool dev = HAS(f, L_RDEV);

	if (HAS(f, L_DEV))
		snprintf(buf, sizeof(buf), "%u,%u", major((dev_t)f->n[L_DEV]),
		    minor((dev_t)f->n[L_DEV]));
	else
		snprintf(buf, sizeof(buf), "-");
	nb_out_str(o, NB_OUT_TEXT, NULL, " %-9s", buf);
	num_leaf(o, f, L_DEV, "dev");
	if (HAS(f, L_INODE))
		nb_out_u64(o, NB_OUT_ANY, "inode", " %8" PRIu64, (uint64_t)f->n[L_INODE]);
	else
		nb_out_text(o, " %8s", "-");
	if (HAS(f, L_MODE)) {
		if (op->nflag)
			nb_out_text(o, " %11o", mode);
		else
			nb_out_text(o, " %-11s", mode_text(mode, mb));
		nb_out_i64(o, NB_OUT_JSON, "mode", "%" PRId64, mode);
	} else
		nb_out_text(o, " %-11s", "-");
	if (dev) {
		snprintf(buf, sizeof(buf), "%u,%u", major((dev_t)f->n[L_RDEV]),
		    minor((dev_t)f->n[L_RDEV]));
		nb_out_str(o, NB_OUT_TEXT, NULL, " %8s", buf);
		nb_out_i64(o, NB_OUT_JSON, "rdev", "%" PRId64, f->n[L_RDEV]);
	} else if (HAS(f, L_SIZE))
		nb_out_i64(o, NB_OUT_ANY, "size", " %8" PRId64, f->n[L_SIZE]);
	else
		nb_out_text(o, " %8s", "-");
	if (HAS(f, L_FLAGS)) {
		nb_out_str(o, NB_OUT_TEXT, NULL, " %-3s", rw_text(f->n[L_FLAGS]));
		nb_out_i64(o, NB_OUT_JSON, "flags", "%" PRId64, f->n[L_FLAGS]);
	} else
		nb_out_text(o, " %-3s", "-");
	num_leaf(o, f, L_OFFSET, "offset");
	if (HAS(f, L_PATH))
		nb_out_str(o, NB_OUT_ANY, "path", " %s", f->s[L_PATH]);
}

/* A packet socket: bpf@IF and the capture counters the tree has. */
static void
print_packet(struct nb_out *o, struct nb_sysctl *h, const struct ofile *f)
{
	static const struct {
		const char *leaf, *label;
	} ctrs[] = { { "rcount", "rec" }, { "dcount", "dr" }, { "ccount", "cap" } };
	struct nb_sysctl_value v;
	char name[96], fmt[32];
	bool first = true;
	size_t i;

	nb_out_str(o, NB_OUT_TEXT, NULL, " bpf@%s", HAS(f, L_IFNAME) ? f->s[L_IFNAME] : "-");
	str_leaf(o, f, L_IFNAME, "ifname");
	str_leaf(o, f, L_PROTO, "proto");
	if (!HAS(f, L_INODE))
		return;
	for (i = 0; i < sizeof(ctrs) / sizeof(ctrs[0]); i++) {
		snprintf(name, sizeof(name), "net.bpf.peers.%" PRIu64 ".%s",
		    (uint64_t)f->n[L_INODE], ctrs[i].leaf);
		if (nb_sysctl_get(h, name, 0, &v) != 0 ||
		    (v.type != NB_SYSCTL_U64 && v.type != NB_SYSCTL_INT))
			continue;
		snprintf(fmt, sizeof(fmt), "%s%s=%%" PRIu64, first ? " " : ", ", ctrs[i].label);
		nb_out_u64(o, NB_OUT_ANY, ctrs[i].leaf, fmt,
		    v.type == NB_SYSCTL_U64 ? v.u : (uint64_t)v.i);
		first = false;
	}
	/* NetBSD's ", promisc" when the descriptor holds promiscuous mode. */
	snprintf(name, sizeof(name), "net.bpf.peers.%" PRIu64 ".promisc", (uint64_t)f->n[L_INODE]);
	if (nb_sysctl_get(h, name, 0, &v) == 0 && v.type == NB_SYSCTL_INT) {
		nb_out_bool(o, NB_OUT_JSON, "promisc", "%s", v.i != 0);
		if (v.i != 0)
			nb_out_text(o, "%spromisc", first ? " " : ", ");
	}
}

/* A socket: family type proto [state] local [<-> remote]. */
static void
print_socket(struct nb_out *o, const struct ofile *f)
{
	char l[128], r[128];
	const char *fam = HAS(f, L_FAMILY) ? f->s[L_FAMILY] : NULL;
	bool inet = fam != NULL && (strcmp(fam, "inet") == 0 || strcmp(fam, "inet6") == 0);

	if (fam == NULL) {
		/* Not in this namespace's sock_diag dumps: the inode only. */
		nb_out_text(o, " socket");
		if (HAS(f, L_INODE))
			nb_out_u64(o, NB_OUT_ANY, "inode", " %" PRIu64, (uint64_t)f->n[L_INODE]);
		return;
	}
	nb_out_str(o, NB_OUT_ANY, "family", " %s",
	    inet ? (strcmp(fam, "inet") == 0 ? "internet" : "internet6") : fam);
	str_leaf(o, f, L_SOCKTYPE, "socktype");
	if (HAS(f, L_SOCKTYPE))
		nb_out_text(o, " %s", f->s[L_SOCKTYPE]);
	if (HAS(f, L_PROTO))
		nb_out_str(o, NB_OUT_ANY, "proto", " %s", f->s[L_PROTO]);
	if (HAS(f, L_STATE))
		nb_out_str(o, NB_OUT_ANY, "state", " %s", f->s[L_STATE]);
	num_leaf(o, f, L_INODE, "inode");
	if (inet && HAS(f, L_LADDR)) {
		endpoint(l, sizeof(l), f->s[L_LADDR], HAS(f, L_LPORT), f->n[L_LPORT]);
		nb_out_text(o, " %s", l);
		str_leaf(o, f, L_LADDR, "laddr");
		num_leaf(o, f, L_LPORT, "lport");
		if (HAS(f, L_RADDR)) {
			endpoint(r, sizeof(r), f->s[L_RADDR], HAS(f, L_RPORT), f->n[L_RPORT]);
			nb_out_text(o, " <-> %s", r);
			str_leaf(o, f, L_RADDR, "raddr");
			num_leaf(o, f, L_RPORT, "rport");
		}
	}
	if (HAS(f, L_PATH))
		nb_out_str(o, NB_OUT_ANY, "path", " %s", f->s[L_PATH]);
	if (HAS(f, L_PEER))
		nb_out_u64(o, NB_OUT_ANY, "peer", " <-> %" PRIu64, (uint64_t)f->n[L_PEER]);
	if (HAS(f, L_PORTID))
		nb_out_u64(o, NB_OUT_ANY, "portid", " portid=%" PRIu64, (uint64_t)f->n[L_PORTID]);
}

static bool
is_file_type(const char *t)
{
	static const char *const ft[] = { "file", "dir", "chr", "blk", "fifo" };

	for (size_t i = 0; i < sizeof(ft) / sizeof(ft[0]); i++)
		if (strcmp(t, ft[i]) == 0)
			return true;
	return false;
}

static void
print_all(struct nb_out *o, struct nb_sysctl *h, const struct opts *op, const struct state *s)
{
	char ubuf[32];
	size_t i, j;

	nb_out_record_begin(o);
	nb_out_text(o, "%-8s %-10s %5s %4s %-9s %8s %-11s %8s %-3s %s\n", "USER", "CMD",
	    "PID", "FD", "MOUNT", "INUM", "MODE", "SZ|DV", "R/W", "NAME");
	nb_out_open_array(o, "files");
	for (i = 0; i < s->np; i++) {
		const struct oproc *p = &s->p[i];
		const char *user = user_name(p->uid, ubuf, sizeof(ubuf), op->nflag);

		if (!p->has_uid || (op->uid_set && p->uid != op->uid))
			continue;
		for (j = 0; j < p->nf; j++) {
			const struct ofile *f = &p->f[j];
			const char *type = HAS(f, L_TYPE) ? f->s[L_TYPE] : "other";

			nb_out_open_object(o, NULL);
			nb_out_str(o, NB_OUT_ANY, "user", "%-8.8s", user);
			nb_out_i64(o, NB_OUT_JSON, "uid", "%" PRId64, p->uid);
			nb_out_str(o, NB_OUT_ANY, "cmd", " %-10.10s", p->comm != NULL ? p->comm : "");
			nb_out_i64(o, NB_OUT_ANY, "pid", " %5" PRId64, p->pid);
			nb_out_i64(o, NB_OUT_ANY, "fd", " %4" PRId64, f->fd);
			nb_out_str(o, NB_OUT_JSON, "type", "%s", type);
			if (is_file_type(type))
				print_file(o, op, f);
			else {
				nb_out_text(o, "*");
				if (strcmp(type, "packet") == 0)
					print_packet(o, h, f);
				else if (strcmp(type, "socket") == 0)
					print_socket(o, f);
				else {
					nb_out_text(o, " %s", type);
					if (HAS(f, L_INODE))
						nb_out_u64(o, NB_OUT_ANY, "inode", " %" PRIu64,
						    (uint64_t)f->n[L_INODE]);
				}
				if (HAS(f, L_FLAGS)) {
					nb_out_str(o, NB_OUT_TEXT, NULL, " %s",
					    rw_text(f->n[L_FLAGS]));
					nb_out_i64(o, NB_OUT_JSON, "flags", "%" PRId64,
					    f->n[L_FLAGS]);
				}
			}
			nb_out_text(o, "\n");
			nb_out_close_object(o);
		}
	}
	nb_out_close_array(o);
	nb_out_record_end(o);
}

int
main(int argc, char *argv[])
{
	struct opts op;
	struct state s;
	struct nb_sysctl *h = NULL;
	struct nb_out *o = NULL;
	struct passwd *pw;
	char name[64];
	const char *errstr;
	uint64_t v;
	int opt, rc;

	nb_tool_init(argv[0]);
	memset(&op, 0, sizeof(op));
	memset(&s, 0, sizeof(s));
	nb_common_init(&op.c);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			op.nflag = true;
			break;
		case 'p':
			if (nb_parse_u64(optarg, 1, INT32_MAX, &v, &errstr) != 0)
				nb_usagex("-p %s: %s process id", optarg, errstr);
			op.pid = (int32_t)v;
			break;
		case 'u':
			if ((pw = getpwnam(optarg)) != NULL)
				op.uid = pw->pw_uid;
			else if (nb_parse_u64(optarg, 0, UINT32_MAX - 1, &v, &errstr) == 0)
				op.uid = (uint32_t)v;
			else
				nb_usagex("-u %s: unknown user", optarg);
			op.uid_set = true;
			break;
		case OPT_HELP:
			usage();
			return 0;
		case OPT_VERSION:
			printf("nbfstat %s\n", NBSTAT_VERSION);
			return 0;
		case ':':
		case '?':
			nb_bad_option(opt, argv);
		default:
			if (!nb_common_option(&op.c, opt, optarg))
				nb_bad_option('?', argv);
			break;
		}
	}
	if (optind < argc)
		nb_usagex("%s: unexpected operand", argv[optind]);
	nb_common_check(&op.c);
	if (op.c.interval_set || op.c.count_set)
		nb_usagex("--interval and --count are not used by nbfstat");

	h = nb_common_open(&op.c);
	if (op.pid > 0)
		snprintf(name, sizeof(name), "kern.proc.%d", op.pid);
	else
		snprintf(name, sizeof(name), "kern.proc");
	rc = nb_sysctl_walk(h, name, 0, collect_cb, &s);
	if (op.pid > 0 && rc == -EACCES)
		nb_errx(NB_EXIT_RUNTIME, "-p %d: the process's open files are hidden "
		    "from this user", op.pid);
	if (op.pid > 0 && (rc == -ENOENT || (rc == 0 && s.np == 0)))
		nb_errx(NB_EXIT_RUNTIME, "-p %d: no such process", op.pid);
	if (rc != 0)
		nb_errx(NB_EXIT_RUNTIME, "%s: %s%s%s", name, strerror(-rc),
		    *nb_sysctl_errdetail(h) != '\0' ? ": " : "", nb_sysctl_errdetail(h));
	if (s.denied > 0)
		nb_warnx("%" PRId64 " process%s not shown: open files hidden from this user",
		    s.denied, s.denied == 1 ? "" : "es");
	if ((o = nb_out_create(stdout, op.c.json, op.c.pretty)) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	print_all(o, h, &op, &s);
	nb_out_destroy(&o);
	nb_common_close(&h);
	state_free(&s);
	if (fflush(stdout) == EOF || ferror(stdout))
		nb_errx(NB_EXIT_RUNTIME, "stdout: %s", strerror(errno));
	return 0;
}
