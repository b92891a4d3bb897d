/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_procfile.c - NB_FAM_PROC for the linux source: /proc/<pid>/fd plus sock_diag. */
/*
 * Theory of operation: one refresh scans ROOT/proc (nb_procfd_scan, with
 * stat and fdinfo) for every process, or for the stack's pid filter
 * (nb_procs_scope) only, into a flat vector of descriptors; each one gets
 * its type from its link text ("socket:[N]", "pipe:[N]", "anon_inode:...")
 * or its stat mode. Socket descriptors are then resolved by inode through
 * sock_diag dumps (sock_diag.h, a socket opened for the
 * refresh) of the current network namespace: unix (name, peer), inet and
 * inet6 x tcp, udp, raw, netlink, packet (protocol, ifindex). The dumps run
 * in that order and stop as soon as every socket inode is resolved, so a
 * process without sockets costs no dump. A kind the kernel cannot dump
 * (no udp_diag/raw_diag module: ENOENT, EOPNOTSUPP) is skipped; a socket
 * found in no dump (another namespace) stays type socket with its inode.
 * sock_diag runs only on the live root ("/"): a root override is a
 * fixture whose inodes mean nothing to this kernel. What is still
 * unresolved then comes from the socket tables of ROOT/proc/net
 * (source_linux_procnet.c): ping sockets (no sock_diag module dumps them)
 * and raw ones where raw_diag is absent; under a root override every
 * table (tcp, udp, raw, icmp, their v6 twins, netlink). A table that is
 * missing is skipped.
 *
 * Last, each pipe and unix socket gets a peer: the first descriptor, in
 * (pid, fd) order, of the other end among the scanned processes (a pipe's
 * ends share one inode and differ in access mode; a unix socket names its
 * peer's inode).
 *
 * The snapshot is then handed to nb_procs_publish, which copies it into
 * one immutable block and replaces the previous one whole (proc.c).
 *
 * Concurrency: called from lx_refresh with the source mutex held; all the
 * state here lives for one call.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/netlink_diag.h>
#include <linux/packet_diag.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>

#include "nl_linux.h"
#include "procfd.h"
#include "sock_diag.h"
#include "source_linux_procfile.h"
#include "source_linux_procnet.h"

struct pf_ent {
	struct nb_pfd	 fd;
	size_t		 proc;		/* index into procs */
	char		*target;
	char		*unix_path;
};

struct pf_proc {
	int32_t		 pid;
	uint32_t	 uid;
	char		*comm;
	size_t		 first, n;	/* range of ents */
};

/* The inet dump under way: what the kernel's messages do not say. */
struct pf_inet {
	uint8_t		 family, stype;
	uint16_t	 proto;
};

struct pf_key {
	uint64_t	 ino;
	size_t		 ent;
};

struct pf_scan {
	struct pf_ent	*ents;
	size_t		 nent, entcap;
	struct pf_proc	*procs;
	size_t		 nproc, proccap;
	struct pf_key	*keys;		/* socket inodes, sorted */
	size_t		 nkey;
	size_t		 unresolved;	/* distinct inodes not found yet */
	bool		*found;		/* [nkey], by key index */
};

static uint8_t
pf_type(const struct nb_procfd *f)
{
	static const struct {
		const char *t;
		uint8_t type;
	} anon[] = {
		{ "anon_inode:[eventfd]", NB_PFD_EVENTFD },
		{ "anon_inode:[eventpoll]", NB_PFD_EVENTPOLL },
		{ "anon_inode:[timerfd]", NB_PFD_TIMERFD },
		{ "anon_inode:[signalfd]", NB_PFD_SIGNALFD },
		{ "anon_inode:inotify", NB_PFD_INOTIFY },
	};
	size_t i;

	if (f->sock_ino != 0)
		return NB_PFD_SOCKET;
	if (strncmp(f->target, "pipe:[", 6) == 0)
		return NB_PFD_PIPE;
	if (strncmp(f->target, "anon_inode:", 11) == 0) {
		for (i = 0; i < sizeof(anon) / sizeof(anon[0]); i++)
			if (strcmp(f->target, anon[i].t) == 0)
				return anon[i].type;
		return NB_PFD_ANON;
	}
	if (!f->has_stat)
		return NB_PFD_OTHER;
	switch (f->mode & S_IFMT) {
	case S_IFREG:
		return NB_PFD_FILE;
	case S_IFDIR:
		return NB_PFD_DIR;
	case S_IFCHR:
		return NB_PFD_CHR;
	case S_IFBLK:
		return NB_PFD_BLK;
	case S_IFIFO:
		return NB_PFD_FIFO;
	case S_IFSOCK:
		return NB_PFD_SOCKET;
	}
	return NB_PFD_OTHER;
}

static int
pf_collect(const struct nb_procfd *f, void *arg)
{
	struct pf_scan *s = arg;
	struct pf_proc *p;
	struct pf_ent *e;

	if (s->nproc == 0 || s->procs[s->nproc - 1].pid != f->pid) {
		if (s->nproc == s->proccap) {
			size_t cap = s->proccap != 0 ? s->proccap * 2 : 64;

			if ((p = realloc(s->procs, cap * sizeof(*p))) == NULL)
				return -ENOMEM;
			s->procs = p;
			s->proccap = cap;
		}
		p = &s->procs[s->nproc];
		memset(p, 0, sizeof(*p));
		p->pid = f->pid;
		p->uid = f->uid;
		p->first = s->nent;
		if ((p->comm = strdup(f->comm)) == NULL)
			return -ENOMEM;
		s->nproc++;
	}
	if (s->nent == s->entcap) {
		size_t cap = s->entcap != 0 ? s->entcap * 2 : 256;

		if ((e = realloc(s->ents, cap * sizeof(*e))) == NULL)
			return -ENOMEM;
		s->ents = e;
		s->entcap = cap;
	}
	e = &s->ents[s->nent];
	memset(e, 0, sizeof(*e));
	if ((e->target = strdup(f->target)) == NULL)
		return -ENOMEM;
	e->proc = s->nproc - 1;
	e->fd.fd = f->fd;
	e->fd.type = pf_type(f);
	e->fd.has_stat = f->has_stat;
	e->fd.mode = f->mode;
	e->fd.ino = f->ino;
	e->fd.dev = f->dev;
	e->fd.rdev = f->rdev;
	e->fd.size = f->size;
	e->fd.has_fdinfo = f->has_fdinfo;
	e->fd.flags = f->flags;
	e->fd.pos = f->pos;
	e->fd.sock_ino = f->sock_ino;
	s->nent++;
	s->procs[s->nproc - 1].n++;
	return 0;
}

static void
pf_scan_free(struct pf_scan *s)
{
	size_t i;

	for (i = 0; i < s->nent; i++) {
		free(s->ents[i].target);
		free(s->ents[i].unix_path);
	}
	for (i = 0; i < s->nproc; i++)
		free(s->procs[i].comm);
	free(s->ents);
	free(s->procs);
	free(s->keys);
	free(s->found);
}

static int
pf_keycmp(const void *a, const void *b)
{
	const struct pf_key *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return (x->ent > y->ent) - (x->ent < y->ent);
}

static int
pf_keys(struct pf_scan *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->nent; i++)
		if (s->ents[i].fd.sock_ino != 0)
			n++;
	if (n == 0)
		return 0;
	if ((s->keys = malloc(n * sizeof(*s->keys))) == NULL ||
	    (s->found = calloc(n, sizeof(*s->found))) == NULL)
		return -ENOMEM;
	for (i = 0; i < s->nent; i++)
		if (s->ents[i].fd.sock_ino != 0) {
			s->keys[s->nkey].ino = s->ents[i].fd.sock_ino;
			s->keys[s->nkey].ent = i;
			s->nkey++;
		}
	qsort(s->keys, s->nkey, sizeof(*s->keys), pf_keycmp);
	for (i = 0; i < s->nkey; i++)
		if (i == 0 || s->keys[i].ino != s->keys[i - 1].ino)
			s->unresolved++;
	return 0;
}

/* First key index with inode ino, or nkey. */
static size_t
pf_find(const struct pf_scan *s, uint64_t ino)
{
	size_t lo = 0, hi = s->nkey, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->keys[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nkey && s->keys[lo].ino == ino ? lo : s->nkey;
}

/* The descriptors of socket inode ino, once: call fill on each. */
typedef int (*pf_fill_fn)(struct pf_ent *e, const struct nlmsghdr *nlh, void *arg);

static int
pf_resolve(struct pf_scan *s, uint64_t ino, pf_fill_fn fill, const struct nlmsghdr *nlh,
    void *arg)
{
	size_t k = pf_find(s, ino);
	int error;

	if (k == s->nkey || s->found[k])
		return 0;
	for (; k < s->nkey && s->keys[k].ino == ino; k++) {
		s->found[k] = true;
		s->ents[s->keys[k].ent].fd.sock_known = true;
		if ((error = fill(&s->ents[s->keys[k].ent], nlh, arg)) != 0)
			return error;
	}
	s->unresolved--;
	return 0;
}

/* ---- the dumps ---- */

struct pf_diag {
	struct lx_diag	 dg;
	struct pf_scan	*s;
	struct pf_inet	 k;		/* the inet dump under way */
};

static int
pf_inet_fill(struct pf_ent *e, const struct nlmsghdr *nlh, void *arg)
{
	const struct inet_diag_msg *m = NLMSG_DATA(nlh);
	const struct pf_inet *k = arg;

	e->fd.family = m->idiag_family;
	e->fd.stype = k->stype;
	e->fd.state = m->idiag_state;
	e->fd.has_addr = true;
	if (k->proto == IPPROTO_RAW) {
		/* A raw socket's "port" is its protocol (inet_num). */
		e->fd.proto = ntohs(m->id.idiag_sport);
	} else {
		e->fd.proto = k->proto;
		e->fd.lport = ntohs(m->id.idiag_sport);
		e->fd.rport = ntohs(m->id.idiag_dport);
	}
	memcpy(e->fd.laddr, m->id.idiag_src, m->idiag_family == AF_INET ? 4 : 16);
	memcpy(e->fd.raddr, m->id.idiag_dst, m->idiag_family == AF_INET ? 4 : 16);
	return 0;
}

static int
pf_inet_msg(const struct nlmsghdr *nlh, void *arg)
{
	const struct inet_diag_msg *m = NLMSG_DATA(nlh);
	struct pf_diag *d = arg;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) || m->idiag_inode == 0)
		return 0;
	return pf_resolve(d->s, m->idiag_inode, pf_inet_fill, nlh, &d->k);
}

static int
pf_inet_dump(struct pf_diag *d, uint8_t family, uint8_t proto)
{
	d->k.family = family;
	d->k.proto = proto;
	d->k.stype = SOCK_RAW;
	if (proto == IPPROTO_TCP)
		d->k.stype = SOCK_STREAM;
	else if (proto == IPPROTO_UDP)
		d->k.stype = SOCK_DGRAM;
	return lx_diag_dump_inet(&d->dg, family, proto, 0, pf_inet_msg, d);
}

/* unix */
static int
pf_unix_fill(struct pf_ent *e, const struct nlmsghdr *nlh, void *arg)
{
	const struct unix_diag_msg *m = NLMSG_DATA(nlh);
	const struct nlattr *a;
	size_t len, i;

	(void)arg;
	e->fd.family = AF_UNIX;
	e->fd.stype = m->udiag_type;
	e->fd.state = m->udiag_state;
	if ((a = lx_diag_attr(nlh, sizeof(*m), UNIX_DIAG_PEER)) != NULL &&
	    lx_diag_attr_len(a) >= sizeof(uint32_t)) {
		uint32_t peer;

		memcpy(&peer, lx_diag_attr_data(a), sizeof(peer));
		e->fd.peer_ino = peer;
	}
	if ((a = lx_diag_attr(nlh, sizeof(*m), UNIX_DIAG_NAME)) != NULL && lx_diag_attr_len(a) > 0) {
		const char *n = lx_diag_attr_data(a);

		len = lx_diag_attr_len(a);
		if ((e->unix_path = malloc(len + 1)) == NULL)
			return -ENOMEM;
		memcpy(e->unix_path, n, len);
		e->unix_path[len] = '\0';
		if (n[0] == '\0') {
			/* Abstract: '@' then the name, NULs shown as '@' too (ss). */
			for (i = 0; i < len; i++)
				if (e->unix_path[i] == '\0')
					e->unix_path[i] = '@';
		} else
			e->unix_path[strnlen(n, len)] = '\0';
	}
	return 0;
}

static int
pf_unix_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct pf_diag *d = arg;
	const struct unix_diag_msg *m = NLMSG_DATA(nlh);

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return 0;
	return pf_resolve(d->s, m->udiag_ino, pf_unix_fill, nlh, NULL);
}

static int
pf_unix_dump(struct pf_diag *d)
{
	return lx_diag_dump_unix(&d->dg, UDIAG_SHOW_NAME | UDIAG_SHOW_PEER, pf_unix_msg, d);
}

/* netlink */
static int
pf_nl_fill(struct pf_ent *e, const struct nlmsghdr *nlh, void *arg)
{
	const struct netlink_diag_msg *m = NLMSG_DATA(nlh);

	(void)arg;
	e->fd.family = AF_NETLINK;
	e->fd.stype = m->ndiag_type;
	e->fd.proto = m->ndiag_protocol;
	e->fd.state = m->ndiag_state;
	e->fd.portid = m->ndiag_portid;
	return 0;
}

static int
pf_nl_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct pf_diag *d = arg;
	const struct netlink_diag_msg *m = NLMSG_DATA(nlh);

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return 0;
	return pf_resolve(d->s, m->ndiag_ino, pf_nl_fill, nlh, NULL);
}

static int
pf_nl_dump(struct pf_diag *d)
{
	struct netlink_diag_req req;

	memset(&req, 0, sizeof(req));
	req.sdiag_family = AF_NETLINK;
	req.sdiag_protocol = NDIAG_PROTO_ALL;
	return lx_diag_dump(&d->dg, &req, sizeof(req), pf_nl_msg, d);
}

/* packet */
static int
pf_pkt_fill(struct pf_ent *e, const struct nlmsghdr *nlh, void *arg)
{
	const struct packet_diag_msg *m = NLMSG_DATA(nlh);
	const struct nlattr *a;

	(void)arg;
	e->fd.family = AF_PACKET;
	e->fd.stype = m->pdiag_type;
	e->fd.proto = m->pdiag_num;	/* ntohs(po->num) in the kernel */
	if ((a = lx_diag_attr(nlh, sizeof(*m), PACKET_DIAG_INFO)) != NULL &&
	    lx_diag_attr_len(a) >= sizeof(struct packet_diag_info)) {
		struct packet_diag_info pi;

		memcpy(&pi, lx_diag_attr_data(a), sizeof(pi));
		e->fd.ifindex = pi.pdi_index;
	}
	return 0;
}

static int
pf_pkt_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct pf_diag *d = arg;
	const struct packet_diag_msg *m = NLMSG_DATA(nlh);

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return 0;
	return pf_resolve(d->s, m->pdiag_ino, pf_pkt_fill, nlh, NULL);
}

static int
pf_pkt_dump(struct pf_diag *d)
{
	struct packet_diag_req req;

	memset(&req, 0, sizeof(req));
	req.sdiag_family = AF_PACKET;
	req.pdiag_show = PACKET_SHOW_INFO;
	return lx_diag_dump(&d->dg, &req, sizeof(req), pf_pkt_msg, d);
}

/* A kind this kernel does not dump (module absent, family off). */
static bool
pf_skippable(int e)
{
	return e == -ENOENT || e == -EOPNOTSUPP || e == -EPROTONOSUPPORT ||
	    e == -EAFNOSUPPORT || e == -EINVAL || e == -EPERM || e == -EACCES;
}

enum { K_UNIX, K_TCP4, K_TCP6, K_UDP4, K_UDP6, K_NETLINK, K_PACKET, K_RAW4, K_RAW6, K_MAX };
static const char *const kind_names[K_MAX] = {
	"unix", "tcp", "tcp6", "udp", "udp6", "netlink", "packet", "raw", "raw6",
};

static int
pf_diag_all(struct lx *lx, struct pf_scan *s)
{
	struct pf_diag d = { .s = s };
	int error, e, k;

	if (s->unresolved == 0)
		return 0;
	if ((error = lx_diag_open(&d.dg, lx, 0)) != 0)
		return error;
	for (k = 0; k < K_MAX && s->unresolved > 0; k++) {
		switch (k) {
		case K_UNIX:	e = pf_unix_dump(&d); break;
		case K_TCP4:	e = pf_inet_dump(&d, AF_INET, IPPROTO_TCP); break;
		case K_TCP6:	e = pf_inet_dump(&d, AF_INET6, IPPROTO_TCP); break;
		case K_UDP4:	e = pf_inet_dump(&d, AF_INET, IPPROTO_UDP); break;
		case K_UDP6:	e = pf_inet_dump(&d, AF_INET6, IPPROTO_UDP); break;
		case K_NETLINK:	e = pf_nl_dump(&d); break;
		case K_PACKET:	e = pf_pkt_dump(&d); break;
		case K_RAW4:	e = pf_inet_dump(&d, AF_INET, IPPROTO_RAW); break;
		default:	e = pf_inet_dump(&d, AF_INET6, IPPROTO_RAW); break;
		}
		if (e == -ENOMEM) {
			error = e;
			break;
		}
		if (e != 0 && !pf_skippable(e) && error == 0) {
			lx_seterr(lx, "sock_diag %s dump: %s", kind_names[k], strerror(-e));
			error = e;
		}
	}
	lx_diag_close(&d.dg);
	return error;
}

/* A row of a /proc/net table. */
static int
pf_ns_fill(struct pf_ent *e, const struct nlmsghdr *nlh, void *arg)
{
	const struct lx_netsock *r = arg;

	(void)nlh;
	e->fd.family = r->family;
	e->fd.stype = r->stype;
	e->fd.proto = r->proto;
	e->fd.state = r->state;
	if (r->family == AF_NETLINK) {
		e->fd.portid = r->portid;
		return 0;
	}
	e->fd.has_addr = true;
	memcpy(e->fd.laddr, r->laddr, sizeof(e->fd.laddr));
	memcpy(e->fd.raddr, r->raddr, sizeof(e->fd.raddr));
	e->fd.lport = r->lport;
	e->fd.rport = r->rport;
	return 0;
}

static int
pf_ns_row(const struct lx_netsock *r, void *arg)
{
	struct pf_scan *s = arg;

	if (r->ino == 0)
		return 0;
	return pf_resolve(s, r->ino, pf_ns_fill, NULL, (void *)r);
}

/* The sockets sock_diag left unresolved, from ROOT/proc/net's tables. */
static int
pf_procnet(struct lx *lx, struct pf_scan *s, bool live)
{
	static const unsigned live_tabs[] = { LX_NS_ICMP, LX_NS_ICMP6, LX_NS_RAW, LX_NS_RAW6 };
	static const unsigned root_tabs[] = {
		LX_NS_TCP,
		LX_NS_TCP6,
		LX_NS_UDP,
		LX_NS_UDP6,
		LX_NS_RAW,
		LX_NS_RAW6,
		LX_NS_ICMP,
		LX_NS_ICMP6,
		LX_NS_NETLINK,
	};
	const unsigned *tabs = live ? live_tabs : root_tabs;
	size_t ntab = live ? sizeof(live_tabs) / sizeof(live_tabs[0]) :
			     sizeof(root_tabs) / sizeof(root_tabs[0]);
	unsigned bad;
	size_t len;
	char *text;
	int error;

	for (size_t i = 0; i < ntab && s->unresolved > 0; i++) {
		if ((error = lx_proc_read_empty_ok(lx->proc, lx_netsock_file(tabs[i]))) != 0) {
			if (error == -ENOENT)
				continue;
			lx_seterr(lx, "%s", lx_proc_error(lx->proc));
			return error;
		}
		text = lx_proc_text(lx->proc, &len);
		if ((error = lx_netsock_parse(text, len, tabs[i], pf_ns_row, s, &bad)) != 0) {
			if (error == -EINVAL)
				lx_seterr(lx, "%s: line %u: not a socket table line",
				    lx_proc_path(lx->proc), bad);
			return error;
		}
	}
	return 0;
}

/* The ends of the pipes: (inode, ent) sorted. */
static int
pf_pipecmp(const void *a, const void *b)
{
	return pf_keycmp(a, b);
}

static bool
pf_opposite(const struct pf_ent *a, const struct pf_ent *b)
{
	if (!a->fd.has_fdinfo || !b->fd.has_fdinfo)
		return true;
	return (a->fd.flags & O_ACCMODE) != (b->fd.flags & O_ACCMODE);
}

static void
pf_setpeer(struct pf_scan *s, struct pf_ent *e, size_t other)
{
	e->fd.peer_pid = s->procs[s->ents[other].proc].pid;
	e->fd.peer_fd = s->ents[other].fd.fd;
}

/* Each pipe and unix socket: the first descriptor of its other end. */
static int
pf_peers(struct pf_scan *s)
{
	struct pf_key *pk = NULL;
	size_t np = 0, i, j, lo, k;

	for (i = 0; i < s->nent; i++) {
		struct pf_ent *e = &s->ents[i];

		if (e->fd.family == AF_UNIX && e->fd.peer_ino != 0 &&
		    (k = pf_find(s, e->fd.peer_ino)) < s->nkey)
			pf_setpeer(s, e, s->keys[k].ent);
		if (e->fd.type == NB_PFD_PIPE && e->fd.has_stat)
			np++;
	}
	if (np < 2)
		return 0;
	if ((pk = malloc(np * sizeof(*pk))) == NULL)
		return -ENOMEM;
	for (i = 0, np = 0; i < s->nent; i++)
		if (s->ents[i].fd.type == NB_PFD_PIPE && s->ents[i].fd.has_stat)
			pk[np++] = (struct pf_key){ s->ents[i].fd.ino, i };
	qsort(pk, np, sizeof(*pk), pf_pipecmp);
	for (lo = 0; lo < np; lo = j) {
		for (j = lo + 1; j < np && pk[j].ino == pk[lo].ino; j++)
			;
		for (i = lo; i < j; i++)
			for (k = lo; k < j; k++)
				if (k != i && pf_opposite(&s->ents[pk[i].ent], &s->ents[pk[k].ent])) {
					pf_setpeer(s, &s->ents[pk[i].ent], pk[k].ent);
					break;
				}
	}
	free(pk);
	return 0;
}

int
lx_procfile_refresh(struct lx *lx)
{
	struct pf_scan s;
	struct nb_proc *procs = NULL;
	struct nb_pfd *fds = NULL;
	const char *root = lx_proc_root(lx->proc);
	int32_t scope = nb_procs_scope(lx->st);
	unsigned denied = 0;
	size_t i;
	int error;

	memset(&s, 0, sizeof(s));
	error = nb_procfd_scan(root, scope, NB_PROCFD_STAT | NB_PROCFD_FDINFO,
	    pf_collect, &s, &denied);
	if (scope > 0 && (error == -ESRCH || error == -EACCES)) {
		/* Absent or hidden: an empty snapshot says so. */
		pf_scan_free(&s);
		memset(&s, 0, sizeof(s));
		error = 0;
	}
	if (error != 0) {
		if (error != -ENOMEM)
			lx_seterr(lx, "%s/proc: %s", strcmp(root, "/") == 0 ? "" : root,
			    strerror(-error));
		goto out;
	}
	if ((error = pf_keys(&s)) != 0)
		goto out;
	if (strcmp(root, "/") == 0 && (error = pf_diag_all(lx, &s)) != 0)
		goto out;
	if ((error = pf_procnet(lx, &s, strcmp(root, "/") == 0)) != 0 ||
	    (error = pf_peers(&s)) != 0)
		goto out;
	if ((s.nproc > 0 && (procs = calloc(s.nproc, sizeof(*procs))) == NULL) ||
	    (s.nent > 0 && (fds = calloc(s.nent, sizeof(*fds))) == NULL)) {
		error = -ENOMEM;
		goto out;
	}
	for (i = 0; i < s.nent; i++) {
		fds[i] = s.ents[i].fd;
		fds[i].target = s.ents[i].target;
		fds[i].unix_path = s.ents[i].unix_path;
	}
	for (i = 0; i < s.nproc; i++) {
		procs[i].pid = s.procs[i].pid;
		procs[i].uid = s.procs[i].uid;
		procs[i].comm = s.procs[i].comm;
		procs[i].fds = &fds[s.procs[i].first];
		procs[i].nfds = s.procs[i].n;
	}
	error = nb_procs_publish(lx->st, scope, denied, procs, s.nproc);
out:
	free(procs);
	free(fds);
	pf_scan_free(&s);
	return error;
}
