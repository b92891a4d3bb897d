/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * main.c - nbfstat: the open files of processes, in BSD fstat's layout, from
 * kern.proc.<pid>.* and kern.proc.<pid>.fd.<n>.* (read as tables), and JSON
 * (-j) from the same printer. Packet sockets show their capture statistics
 * from net.bpf.peers.<inode>.{rcount,dcount,ccount} when the tree has them;
 * files show their mount point from kern.mount.<id>.{dev,point} when the
 * tree has it (else the device as major,minor). FILE operands keep only
 * the descriptors open on that file (its st_dev and st_ino), or with -f on
 * its file system (st_dev).
 * Everything is read first, then printed; --interval prints a snapshot
 * each interval (with -j one document per line).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

enum { OPT_HELP = 0x2000, OPT_VERSION };

/* A FILE operand could not be stat'ed: exit 1 after the listing. */
static bool failed;

static const char optstring[] = ":c:fjnp:S:u:";

static const struct option longopts[] = {
	NB_COMMON_LONGOPTS,
	{ "help",	no_argument,	NULL, OPT_HELP },
	{ "version",	no_argument,	NULL, OPT_VERSION },
	{ NULL,		0,		NULL, 0 },
};

/* Leaves of one descriptor, as the tree gives them (absent: not set). */
enum {
	L_TYPE,
	L_PATH,
	L_INODE,
	L_DEV,
	L_RDEV,
	L_MODE,
	L_SIZE,
	L_FLAGS,
	L_OFFSET,
	L_FAMILY,
	L_SOCKTYPE,
	L_PROTO,
	L_STATE,
	L_LADDR,
	L_LPORT,
	L_RADDR,
	L_RPORT,
	L_PEER,
	L_PORTID,
	L_IFNAME,
	L_PEER_PID,
	L_PEER_FD,
	L_MAX
};
static const char *const leaf_names[L_MAX] = {
	"type",
	"path",
	"inode",
	"dev",
	"rdev",
	"mode",
	"size",
	"flags",
	"offset",
	"family",
	"socktype",
	"proto",
	"state",
	"laddr",
	"lport",
	"raddr",
	"rport",
	"peer",
	"portid",
	"ifname",
	"peer_pid",
	"peer_fd",
};

struct ofile {
	int32_t		 fd;
	unsigned	 has;		/* bit per L_* */
	const char	*s[L_MAX];	/* string leaves (into the table's rows) */
	int64_t		 n[L_MAX];	/* number leaves */
};

struct oproc {
	int32_t		 pid;
	const char	*comm;
	int64_t		 uid;
	bool		 has_uid;
	struct ofile	*f;		/* nf, in state.files */
	size_t		 nf;
};

/* The capture counters of a packet socket (net.bpf.peers.<inode>). */
enum { B_RCOUNT, B_DCOUNT, B_CCOUNT, B_PROMISC, B_N };

struct bpf_row {
	int64_t		 v[B_N];
};

/* A row of kern.mount.<id>. */
struct mount_row {
	int64_t dev;
	char root[4096];
	char point[4096];
};

struct state {
	struct oproc	*p;
	size_t		 np;
	struct ofile	*files;
	int64_t		 denied;
	struct nb_sysctl_table procs, fds, peers, mounts;
};

/* A row of kern.proc.<pid>. */
struct proc_row {
	char		 comm[64];
	int64_t		 uid;
	int64_t		 denied;	/* kern.proc.denied (the "kern.proc" row) */
};

/* A row of kern.proc.<pid>.fd.<n>: numbers in n, text in the buffers. */
struct fd_row {
	int64_t		 n[L_MAX];
	char		 type[16], family[16], socktype[16], proto[32], state[32];
	char		 laddr[64], raddr[64], ifname[64];
	char		 path[4096];
};

/* A FILE operand: what a descriptor must be open on. */
struct target {
	uint64_t dev, ino;
};

struct opts {
	struct nb_common c;
	bool		 nflag;
	bool fflag; /* -f: a FILE's file system, not the file */
	struct target *tg; /* FILE operands that exist */
	size_t ntg;
	int32_t		 pid;		/* -p, 0: all */
	bool		 uid_set;
	uint32_t	 uid;		/* -u */
};

static void
usage(void)
{
	printf("usage: nbfstat [-fn] [-p PID] [-u USER] [-j [--pretty]] [common options] [FILE ...]\n"
	       "       nbfstat [-fn] [-p PID] [-u USER] [-j] --interval SECS [-c N] [FILE ...]\n"
	       "\n"
	       "  (none)           every process's open files: USER CMD PID FD and a\n"
	       "                   description (files: MOUNT INUM MODE SZ|DV R/W NAME,\n"
	       "                   MOUNT the mount point; sockets: protocol, state and\n"
	       "                   addresses (raw, ping, netlink too); pipes and unix\n"
	       "                   sockets: the other end's PID/FD; capture sockets:\n"
	       "                   bpf@IF rec=, dr=, cap=)\n"
	       "  FILE ...         only the descriptors open on FILE (by device and inode)\n"
	       "  -f               with FILE: any file on FILE's file system; alone: on\n"
	       "                   the current directory's\n"
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

/* ---- collect ---- */

/* What a descriptor's type says about how to print it. */
enum kind {
	K_FILE,
	K_PACKET,
	K_SOCKET,
	K_PIPE,
	K_OTHER
};

static enum kind
file_kind(const char *t)
{
	static const struct {
		const char	*type;
		enum kind	 kind;
	} kinds[] = {
		{ "file", K_FILE },
		{ "dir", K_FILE },
		{ "chr", K_FILE },
		{ "blk", K_FILE },
		{ "fifo", K_FILE },
		{ "packet", K_PACKET },
		{ "socket", K_SOCKET },
		{ "pipe", K_PIPE },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(t, kinds[i].type) == 0)
			return kinds[i].kind;
	return K_OTHER;
}

static struct nb_sysctl_column fd_cols[L_MAX];

#define FS(f)	NB_SYSCTL_STRING, offsetof(struct fd_row, f), sizeof(((struct fd_row *)0)->f)

static const struct nb_sysctl_column proc_cols[] = {
	{ "comm", NB_SYSCTL_STRING, offsetof(struct proc_row, comm), 64 },
	{ "uid", NB_SYSCTL_INT, offsetof(struct proc_row, uid), 0 },
};

static const struct nb_sysctl_column denied_col[] = {
	{ "denied", NB_SYSCTL_INT, offsetof(struct proc_row, denied), 0 },
};

static const struct nb_sysctl_column mount_cols[] = {
	{ "dev", NB_SYSCTL_INT, offsetof(struct mount_row, dev), 0 },
	{ "root", NB_SYSCTL_STRING, offsetof(struct mount_row, root), 4096 },
	{ "point", NB_SYSCTL_STRING, offsetof(struct mount_row, point), 4096 },
};

static const struct nb_sysctl_column bpf_cols[B_N] = {
	{ "rcount", NB_SYSCTL_INT, B_RCOUNT * sizeof(int64_t), 0 },
	{ "dcount", NB_SYSCTL_INT, B_DCOUNT * sizeof(int64_t), 0 },
	{ "ccount", NB_SYSCTL_INT, B_CCOUNT * sizeof(int64_t), 0 },
	{ "promisc", NB_SYSCTL_INT, B_PROMISC * sizeof(int64_t), 0 },
};

static void
fd_cols_init(void)
{
	static const struct nb_sysctl_column text[L_MAX] = {
		[L_TYPE] = { NULL, FS(type) }, [L_PATH] = { NULL, FS(path) },
		[L_FAMILY] = { NULL, FS(family) }, [L_SOCKTYPE] = { NULL, FS(socktype) },
		[L_PROTO] = { NULL, FS(proto) }, [L_STATE] = { NULL, FS(state) },
		[L_LADDR] = { NULL, FS(laddr) }, [L_RADDR] = { NULL, FS(raddr) },
		[L_IFNAME] = { NULL, FS(ifname) },
	};
	unsigned i;

	for (i = 0; i < L_MAX; i++) {
		if (text[i].size != 0)
			fd_cols[i] = text[i];
		else
			fd_cols[i] = (struct nb_sysctl_column){ NULL, NB_SYSCTL_INT,
			    offsetof(struct fd_row, n) + i * sizeof(int64_t), 0 };
		fd_cols[i].leaf = leaf_names[i];
	}
}

/* The string a column of an fd row holds. */
static const char *
fd_text(const struct fd_row *r, unsigned l)
{
	return (const char *)r + fd_cols[l].offset;
}

static void
state_free(struct state *s)
{
	free(s->p);
	free(s->files);
	nb_sysctl_table_free(&s->procs);
	nb_sysctl_table_free(&s->fds);
	nb_sysctl_table_free(&s->peers);
	nb_sysctl_table_free(&s->mounts);
	memset(s, 0, sizeof(*s));
}

/* The pid of a row: its first key when the pattern had a '*' for it (nkey of
 * the pattern with '*' pids), else the one pid asked for. */
static int32_t
key_pid(const struct nb_sysctl_rowid *id, unsigned nkey_all, int32_t only)
{
	return id->nkey == nkey_all ? (int32_t)strtol(id->key[0], NULL, 10) : only;
}

/*
 * Read kern.proc (or one pid of it) and its descriptors as tables, and the
 * capture peers when a packet socket is among them; 0 or -errno.
 */
static int
collect(struct nb_sysctl *h, int32_t pid, struct state *s)
{
	char pat[64], fpat[64];
	struct nb_sysctl_table dt = { 0 };
	size_t i, j, k;
	bool packets = false;
	int rc;

	memset(s, 0, sizeof(*s));
	fd_cols_init();
	if (pid > 0) {
		snprintf(pat, sizeof(pat), "kern.proc.%d", pid);
		snprintf(fpat, sizeof(fpat), "kern.proc.%d.fd.*", pid);
	} else {
		snprintf(pat, sizeof(pat), "kern.proc.*");
		snprintf(fpat, sizeof(fpat), "kern.proc.*.fd.*");
	}
	if ((rc = nb_sysctl_table_read(h, pat, proc_cols, 2, sizeof(struct proc_row), 0,
	    &s->procs)) != 0)
		return rc;
	if ((rc = nb_sysctl_table_read(h, fpat, fd_cols, L_MAX, sizeof(struct fd_row), 0,
	    &s->fds)) != 0)
		return rc;
	/* How many processes the whole list hides (not asked with -p). */
	if (pid == 0 && nb_sysctl_table_read(h, "kern.proc", denied_col, 1,
	    sizeof(struct proc_row), 0, &dt) == 0 && dt.nrows > 0)
		s->denied = ((const struct proc_row *)nb_sysctl_table_row(&dt, 0))->denied;
	nb_sysctl_table_free(&dt);
	s->np = s->procs.nrows;
	if ((s->p = calloc(s->np + 1, sizeof(*s->p))) == NULL ||
	    (s->files = calloc(s->fds.nrows + 1, sizeof(*s->files))) == NULL)
		return -ENOMEM;
	for (i = 0; i < s->np; i++) {
		const struct proc_row *r = nb_sysctl_table_row(&s->procs, i);

		s->p[i].pid = key_pid(&s->procs.ids[i], 1, pid);
		s->p[i].comm = nb_sysctl_row_has(&s->procs.ids[i], 0) ? r->comm : NULL;
		s->p[i].uid = r->uid;
		s->p[i].has_uid = nb_sysctl_row_has(&s->procs.ids[i], 1);
	}
	/* Descriptors come in the processes' (tree) order: join by pid. */
	for (j = 0, k = 0; j < s->fds.nrows; j++) {
		const struct nb_sysctl_rowid *id = &s->fds.ids[j];
		const struct fd_row *r = nb_sysctl_table_row(&s->fds, j);
		struct ofile *f = &s->files[j];
		int32_t fpid = key_pid(id, 2, pid);
		unsigned l;

		while (k < s->np && s->p[k].pid != fpid)
			k++;
		if (k == s->np)
			break;
		f->fd = (int32_t)id->index;
		for (l = 0; l < L_MAX; l++) {
			if (!nb_sysctl_row_has(id, l))
				continue;
			f->has |= 1u << l;
			if (fd_cols[l].type == NB_SYSCTL_STRING)
				f->s[l] = fd_text(r, l);
			else
				f->n[l] = r->n[l];
		}
		if (s->p[k].f == NULL)
			s->p[k].f = f;
		s->p[k].nf++;
		if (f->s[L_TYPE] != NULL && file_kind(f->s[L_TYPE]) == K_PACKET)
			packets = true;
	}
	if (packets && (rc = nb_sysctl_table_read(h, "net.bpf.peers.*", bpf_cols, B_N,
	    sizeof(struct bpf_row), 0, &s->peers)) != 0 && rc != -ENOENT)
		return rc;
	/* Mount points name the MOUNT column; without them (a history or a
	 * root without mountinfo) it shows major,minor: not an error. */
	if (nb_sysctl_table_read(h, "kern.mount.*", mount_cols, 3, sizeof(struct mount_row), 0,
		&s->mounts) != 0)
		nb_sysctl_table_free(&s->mounts);
	return 0;
}

/* The mount point of device dev: a mount of its file system's root when
 * there is one (bind mounts of a subdirectory come second), or NULL. */
static const char *
mount_point(const struct state *s, int64_t dev)
{
	const char *any = NULL;

	for (size_t i = 0; i < s->mounts.nrows; i++) {
		const struct mount_row *m = nb_sysctl_table_row(&s->mounts, i);
		const struct nb_sysctl_rowid *id = &s->mounts.ids[i];

		if (!nb_sysctl_row_has(id, 0) || !nb_sysctl_row_has(id, 2) || m->dev != dev)
			continue;
		if (nb_sysctl_row_has(id, 1) && strcmp(m->root, "/") == 0)
			return m->point;
		if (any == NULL)
			any = m->point;
	}
	return any;
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
print_file(struct nb_out *o, const struct opts *op, const struct state *s,
    const struct ofile *f)
{
	char buf[64], mb[12];
	uint32_t mode = (uint32_t)f->n[L_MODE];
	bool dev = HAS(f, L_RDEV);
	const char *mnt = HAS(f, L_DEV) ? mount_point(s, f->n[L_DEV]) : NULL;

	if (mnt != NULL)
		nb_out_str(o, NB_OUT_ANY, "mount", " %-9s", mnt);
	else {
		if (HAS(f, L_DEV))
			snprintf(buf, sizeof(buf), "%u,%u", major((dev_t)f->n[L_DEV]),
			    minor((dev_t)f->n[L_DEV]));
		else
			snprintf(buf, sizeof(buf), "-");
		nb_out_str(o, NB_OUT_TEXT, NULL, " %-9s", buf);
	}
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
print_packet(struct nb_out *o, const struct state *s, const struct ofile *f)
{
	static const struct {
		const char *key, *label;
	} ctrs[] = { { "rcount", "rec" }, { "dcount", "dr" }, { "ccount", "cap" } };
	const struct bpf_row *b = NULL;
	char fmt[32];
	bool first = true;
	size_t i;

	nb_out_str(o, NB_OUT_TEXT, NULL, " bpf@%s", HAS(f, L_IFNAME) ? f->s[L_IFNAME] : "-");
	str_leaf(o, f, L_IFNAME, "ifname");
	str_leaf(o, f, L_PROTO, "proto");
	if (!HAS(f, L_INODE))
		return;
	for (i = 0; i < s->peers.nrows; i++)
		if (s->peers.ids[i].index == f->n[L_INODE])
			break;
	if (i == s->peers.nrows)
		return;
	b = nb_sysctl_table_row(&s->peers, i);
	for (size_t c = 0; c < sizeof(ctrs) / sizeof(ctrs[0]); c++) {
		if (!nb_sysctl_row_has(&s->peers.ids[i], (unsigned)c))
			continue;
		snprintf(fmt, sizeof(fmt), "%s%s=%%" PRIu64, first ? " " : ", ", ctrs[c].label);
		nb_out_u64(o, NB_OUT_ANY, ctrs[c].key, fmt, (uint64_t)b->v[c]);
		first = false;
	}
	/* NetBSD's ", promisc" when the descriptor holds promiscuous mode. */
	if (nb_sysctl_row_has(&s->peers.ids[i], B_PROMISC)) {
		nb_out_bool(o, NB_OUT_JSON, "promisc", "%s", b->v[B_PROMISC] != 0);
		if (b->v[B_PROMISC] != 0)
			nb_out_text(o, "%spromisc", first ? " " : ", ");
	}
}

/* The other end's process and descriptor (JSON; text prints them in place). */
static void
print_peer_json(struct nb_out *o, const struct ofile *f)
{
	num_leaf(o, f, L_PEER_PID, "peer_pid");
	num_leaf(o, f, L_PEER_FD, "peer_fd");
}

/* A pipe: its inode and the other end, "<-" for a read end (data come from
 * it), "->" for a write end, "<->" when the access mode is unknown. */
static void
print_pipe(struct nb_out *o, const struct ofile *f)
{
	const char *arrow = "<->";

	nb_out_text(o, " pipe");
	if (HAS(f, L_INODE))
		nb_out_u64(o, NB_OUT_ANY, "inode", " %" PRIu64, (uint64_t)f->n[L_INODE]);
	if (!HAS(f, L_PEER_PID) || !HAS(f, L_PEER_FD))
		return;
	if (HAS(f, L_FLAGS) && (f->n[L_FLAGS] & O_ACCMODE) == O_RDONLY)
		arrow = "<-";
	else if (HAS(f, L_FLAGS) && (f->n[L_FLAGS] & O_ACCMODE) == O_WRONLY)
		arrow = "->";
	nb_out_text(o, " %s %" PRId64 "/%" PRId64, arrow, f->n[L_PEER_PID], f->n[L_PEER_FD]);
	print_peer_json(o, f);
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
	/* (a netlink socket read from a table of a root has no type) */
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
	if (HAS(f, L_PEER_PID) && HAS(f, L_PEER_FD)) {
		nb_out_text(o, " <-> %" PRId64 "/%" PRId64, f->n[L_PEER_PID], f->n[L_PEER_FD]);
		num_leaf(o, f, L_PEER, "peer");
	} else if (HAS(f, L_PEER))
		nb_out_u64(o, NB_OUT_ANY, "peer", " <-> %" PRIu64, (uint64_t)f->n[L_PEER]);
	print_peer_json(o, f);
	if (HAS(f, L_PORTID))
		nb_out_u64(o, NB_OUT_ANY, "portid", " portid=%" PRIu64, (uint64_t)f->n[L_PORTID]);
}

/* Whether descriptor f is open on a FILE operand (all pass without any). */
static bool
wanted(const struct opts *op, const struct ofile *f)
{
	if (op->ntg == 0 && !op->fflag)
		return true;
	if (!HAS(f, L_DEV))
		return false;
	for (size_t i = 0; i < op->ntg; i++)
		if ((uint64_t)f->n[L_DEV] == op->tg[i].dev &&
		    (op->fflag || (HAS(f, L_INODE) && (uint64_t)f->n[L_INODE] == op->tg[i].ino)))
			return true;
	return false;
}

static void
print_all(struct nb_out *o, const struct opts *op, const struct state *s)
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

			if (!wanted(op, f))
				continue;

			nb_out_open_object(o, NULL);
			nb_out_str(o, NB_OUT_ANY, "user", "%-8.8s", user);
			nb_out_i64(o, NB_OUT_JSON, "uid", "%" PRId64, p->uid);
			nb_out_str(o, NB_OUT_ANY, "cmd", " %-10.10s", p->comm != NULL ? p->comm : "");
			nb_out_i64(o, NB_OUT_ANY, "pid", " %5" PRId64, p->pid);
			nb_out_i64(o, NB_OUT_ANY, "fd", " %4" PRId64, f->fd);
			nb_out_str(o, NB_OUT_JSON, "type", "%s", type);
			if (file_kind(type) == K_FILE)
				print_file(o, op, s, f);
			else {
				nb_out_text(o, "*");
				if (file_kind(type) == K_PACKET)
					print_packet(o, s, f);
				else if (file_kind(type) == K_SOCKET)
					print_socket(o, f);
				else if (file_kind(type) == K_PIPE)
					print_pipe(o, f);
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

/*
 * The FILE operands (with -f and none: "."): stat each; one that cannot be
 * stat'ed is reported (fstat's "nbfstat: FILE: No such file or directory")
 * and makes the exit status 1, the others are still listed. false when
 * none is left (nothing is printed then, as in NetBSD's fstat).
 */
static bool
targets(struct opts *op, int n, char **files)
{
	static char *dot[] = { ".", NULL };
	struct stat sb;

	if (n == 0 && op->fflag) {
		files = dot;
		n = 1;
	}
	if (n == 0)
		return true;
	if ((op->tg = calloc((size_t)n, sizeof(*op->tg))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	for (int i = 0; i < n; i++) {
		if (stat(files[i], &sb) != 0) {
			nb_warnx("%s: %s", files[i], strerror(errno));
			failed = true;
			continue;
		}
		op->tg[op->ntg].dev = sb.st_dev;
		op->tg[op->ntg].ino = sb.st_ino;
		op->ntg++;
	}
	return op->ntg > 0;
}

int
main(int argc, char *argv[])
{
	struct opts op;
	struct state s;
	struct nb_sysctl *h = NULL;
	struct nb_out *o = NULL;
	struct passwd *pw;
	struct nb_ticker tk;
	bool interval, first = true;
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
		case 'f':
			op.fflag = true;
			break;
		case 'n':
			op.nflag = true;
			break;
		case 'c':
			nb_common_option(&op.c, NB_OPT_COUNT, optarg);
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
	nb_common_check(&op.c);
	if (!targets(&op, argc - optind, argv + optind)) {
		free(op.tg);
		return NB_EXIT_RUNTIME; /* none of the FILEs exists */
	}

	h = nb_common_open(&op.c);
	if ((o = nb_out_create(stdout, op.c.json, op.c.pretty)) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	/* --interval/--count: a snapshot each interval (JSON: one document each). */
	interval = op.c.interval_set || op.c.count_set;
	if (interval)
		nb_ticker_init(&tk, &op.c, h);
	for (;;) {
		rc = collect(h, op.pid, &s);
		if (op.pid > 0 && rc == -EACCES)
			nb_errx(NB_EXIT_RUNTIME, "-p %d: the process's open files are hidden "
			    "from this user", op.pid);
		if (op.pid > 0 && (rc == -ENOENT || (rc == 0 && s.np == 0)))
			nb_errx(NB_EXIT_RUNTIME, "-p %d: no such process", op.pid);
		if (rc != 0)
			nb_errx(NB_EXIT_RUNTIME, "kern.proc: %s%s%s", strerror(-rc),
			    *nb_sysctl_errdetail(h) != '\0' ? ": " : "", nb_sysctl_errdetail(h));
		if (s.denied > 0 && first)
			nb_warnx("%" PRId64 " process%s not shown: open files hidden from this user",
			    s.denied, s.denied == 1 ? "" : "es");
		if (!first)
			nb_out_text(o, "\n");
		print_all(o, &op, &s);
		state_free(&s);
		first = false;
		if (!interval || !nb_ticker_next(&tk))
			break;
	}
	nb_out_destroy(&o);
	nb_common_close(&h);
	free(op.tg);
	if (fflush(stdout) == EOF || ferror(stdout))
		nb_errx(NB_EXIT_RUNTIME, "stdout: %s", strerror(errno));
	return failed ? NB_EXIT_RUNTIME : 0;
}
