/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_pcb.c - NB_FAM_PCB for the linux source: every socket of the namespace via sock_diag. */
/*
 * Theory of operation
 *
 * Runs on the refresh thread with lx->mu held; nothing here is shared
 * with another thread (nb_pcbs_publish copies what it is given).
 *
 * One refresh: a sock_diag socket (sock_diag.h, opened per refresh: a
 * sample has one) dumps, in this order, tcp, tcp6, udp, udp6,
 * raw, raw6 (inet_diag, all states) and unix (unix_diag: name, peer,
 * queue lengths, uid) into one growing array; unix names go to a string
 * pool, referred to by offset until the dumps end (the pool moves as it
 * grows). With details (NB_FAM_PCBX) the tcp dumps also ask for tcp_info
 * and one nb_procfd_scan of /proc maps socket inodes to their holders:
 * the owner is the lowest pid (the scan ascends). Then one publish.
 *
 * A kind the kernel cannot dump (module absent, family off) is left out.
 * Raw sockets are the exception: kernels built without raw_diag answer
 * the raw dump with nothing, so when it yields no socket the list comes
 * from ROOT/proc/net/raw and raw6 through the procfs seam, as ss(8) does;
 * their id there is the socket's hashed kernel pointer (unique and stable
 * while it lives, like a cookie).
 * Sockets exist only on the live system: under a root override (a
 * fixture) the snapshot is empty rather than the host's sockets.
 *
 * Only the kinds of nb_pcbs_scope are dumped; those it says to keep
 * (dumped earlier in this sample) are the current snapshot's, shared by
 * nb_pcbs_publish_keep (never copied), unless that snapshot was taken
 * with other details.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include "nl_linux.h"
#include "procfd.h"
#include "sock_diag.h"
#include "source_linux_pcb.h"

/* struct tcp_info of linux/tcp.h past glibc's copy (which ends at
 * tcpi_total_retrans): the kernel's ABI offsets of two u64 fields. */
#define PCB_TI_BYTES_ACKED 120
#define PCB_TI_BYTES_RECEIVED 128

struct pcb_dump {
	struct lx_diag dg;
	struct nb_pcb *v;
	size_t n, cap;
	size_t *off; /* [cap]: path (unix) offset + 1 into pool, 0 = none */
	char *pool;
	size_t plen, pcap;
	unsigned kind;
};

int
lx_pcb_parse_inet(const struct nlmsghdr *nlh, unsigned kind, struct nb_pcb *p)
{
	const struct inet_diag_msg *m = NLMSG_DATA(nlh);
	const struct nlattr *a;
	struct tcp_info ti;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) ||
	    (m->idiag_family != AF_INET && m->idiag_family != AF_INET6) ||
	    kind >= NB_PCB_UNIX)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->kind = (uint8_t)kind;
	p->family = m->idiag_family;
	p->cookie = (uint64_t)m->id.idiag_cookie[0] | (uint64_t)m->id.idiag_cookie[1] << 32;
	p->inode = m->idiag_inode;
	p->state = m->idiag_state;
	p->uid = m->idiag_uid;
	p->rxq = m->idiag_rqueue;
	p->txq = m->idiag_wqueue;
	memcpy(p->laddr, m->id.idiag_src, p->family == AF_INET ? 4 : 16);
	memcpy(p->faddr, m->id.idiag_dst, p->family == AF_INET ? 4 : 16);
	switch (kind) {
	case NB_PCB_TCP:
	case NB_PCB_TCP6:
		p->stype = SOCK_STREAM;
		break;
	case NB_PCB_UDP:
	case NB_PCB_UDP6:
		p->stype = SOCK_DGRAM;
		break;
	default:
		p->stype = SOCK_RAW;
		/* A raw socket's "port" is its protocol (inet_num). */
		p->proto = (uint8_t)ntohs(m->id.idiag_sport);
		return 0;
	}
	p->lport = ntohs(m->id.idiag_sport);
	p->fport = ntohs(m->id.idiag_dport);
	if (p->stype == SOCK_STREAM && (a = lx_diag_attr(nlh, sizeof(*m), INET_DIAG_INFO)) != NULL &&
	    lx_diag_attr_len(a) >= offsetof(struct tcp_info, tcpi_rcv_ssthresh)) {
		memset(&ti, 0, sizeof(ti));
		memcpy(&ti, lx_diag_attr_data(a),
		    lx_diag_attr_len(a) < sizeof(ti) ? lx_diag_attr_len(a) : sizeof(ti));
		p->has |= NB_PCB_HAS_TCPINFO;
		p->rtt = ti.tcpi_rtt;
		p->rttvar = ti.tcpi_rttvar;
		p->cwnd = ti.tcpi_snd_cwnd;
		p->retrans = ti.tcpi_total_retrans;
		if (lx_diag_attr_len(a) >= PCB_TI_BYTES_RECEIVED + sizeof(uint64_t)) {
			memcpy(&p->bytes_acked, (const char *)lx_diag_attr_data(a) + PCB_TI_BYTES_ACKED, sizeof(uint64_t));
			memcpy(&p->bytes_received, (const char *)lx_diag_attr_data(a) + PCB_TI_BYTES_RECEIVED, sizeof(uint64_t));
		}
	}
	return 0;
}

int
lx_pcb_parse_unix(const struct nlmsghdr *nlh, struct nb_pcb *p, char *path, size_t size)
{
	const struct unix_diag_msg *m = NLMSG_DATA(nlh);
	const struct nlattr *a;
	const char *s;
	size_t len, i;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) || m->udiag_family != AF_UNIX || size == 0)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	path[0] = '\0';
	p->kind = NB_PCB_UNIX;
	p->family = AF_UNIX;
	p->stype = m->udiag_type;
	p->state = m->udiag_state;
	p->inode = m->udiag_ino;
	p->cookie = (uint64_t)m->udiag_cookie[0] | (uint64_t)m->udiag_cookie[1] << 32;
	if ((a = lx_diag_attr(nlh, sizeof(*m), UNIX_DIAG_PEER)) != NULL &&
	    lx_diag_attr_len(a) >= sizeof(uint32_t)) {
		uint32_t peer;

		memcpy(&peer, lx_diag_attr_data(a), sizeof(peer));
		p->peer = peer;
		p->has |= NB_PCB_HAS_PEER;
	}
	if ((a = lx_diag_attr(nlh, sizeof(*m), UNIX_DIAG_RQLEN)) != NULL &&
	    lx_diag_attr_len(a) >= sizeof(struct unix_diag_rqlen)) {
		struct unix_diag_rqlen q;

		memcpy(&q, lx_diag_attr_data(a), sizeof(q));
		p->rxq = q.udiag_rqueue;
		p->txq = q.udiag_wqueue;
	}
	if ((a = lx_diag_attr(nlh, sizeof(*m), UNIX_DIAG_UID)) != NULL &&
	    lx_diag_attr_len(a) >= sizeof(uint32_t))
		memcpy(&p->uid, lx_diag_attr_data(a), sizeof(p->uid));
	if ((a = lx_diag_attr(nlh, sizeof(*m), UNIX_DIAG_NAME)) != NULL && lx_diag_attr_len(a) > 0) {
		s = lx_diag_attr_data(a);
		len = lx_diag_attr_len(a);
		if (len > size - 1)
			len = size - 1;
		memcpy(path, s, len);
		path[len] = '\0';
		if (s[0] == '\0') {
			/* Abstract: '@' then the name, NULs shown as '@' too (ss). */
			for (i = 0; i < len; i++)
				if (path[i] == '\0')
					path[i] = '@';
		}
	}
	return 0;
}

static int
pcb_grow(struct pcb_dump *d)
{
	size_t cap;
	struct nb_pcb *v;
	size_t *off;

	if (d->n < d->cap)
		return 0;
	cap = d->cap != 0 ? d->cap * 2 : 1024;
	if ((v = realloc(d->v, cap * sizeof(*v))) == NULL)
		return -ENOMEM;
	d->v = v;
	if ((off = realloc(d->off, cap * sizeof(*off))) == NULL)
		return -ENOMEM;
	d->off = off;
	d->cap = cap;
	return 0;
}

/* Append s (with its NUL) to the pool; its offset + 1 into *off. */
static int
pcb_pool_add(struct pcb_dump *d, const char *s, size_t *off)
{
	size_t l = strlen(s) + 1, cap;
	char *p;

	if (d->plen + l > d->pcap) {
		cap = d->pcap != 0 ? d->pcap * 2 : 4096;
		while (cap < d->plen + l)
			cap *= 2;
		if ((p = realloc(d->pool, cap)) == NULL)
			return -ENOMEM;
		d->pool = p;
		d->pcap = cap;
	}
	memcpy(d->pool + d->plen, s, l);
	*off = d->plen + 1;
	d->plen += l;
	return 0;
}

/* off[] of a socket taken from the current snapshot (strings and owner its own). */
#define PCB_KEPT SIZE_MAX

static int
pcb_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct pcb_dump *d = arg;
	char path[256];
	int error;

	if ((error = pcb_grow(d)) != 0)
		return error;
	d->off[d->n] = 0;
	if (d->kind == NB_PCB_UNIX) {
		if (lx_pcb_parse_unix(nlh, &d->v[d->n], path, sizeof(path)) != 0)
			return 0; /* not one of ours: skip */
		if (path[0] != '\0' && (error = pcb_pool_add(d, path, &d->off[d->n])) != 0)
			return error;
	} else if (lx_pcb_parse_inet(nlh, d->kind, &d->v[d->n]) != 0)
		return 0;
	d->n++;
	return 0;
}

static int
pcb_dump_inet(struct pcb_dump *d, unsigned kind, bool details)
{
	static const uint8_t protos[] = {
		[NB_PCB_TCP] = IPPROTO_TCP,
		[NB_PCB_TCP6] = IPPROTO_TCP,
		[NB_PCB_UDP] = IPPROTO_UDP,
		[NB_PCB_UDP6] = IPPROTO_UDP,
		[NB_PCB_RAW] = IPPROTO_RAW,
		[NB_PCB_RAW6] = IPPROTO_RAW,
	};
	uint8_t ext = 0;

	if (details && protos[kind] == IPPROTO_TCP)
		ext = 1u << (INET_DIAG_INFO - 1);
	d->kind = kind;
	return lx_diag_dump_inet(&d->dg, kind % 2 == 0 ? AF_INET : AF_INET6, protos[kind], ext,
	    pcb_msg, d);
}

static int
pcb_dump_unix(struct pcb_dump *d)
{
	d->kind = NB_PCB_UNIX;
	return lx_diag_dump_unix(&d->dg,
	    UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID, pcb_msg, d);
}

/* ---- owners ---- */

struct pcb_ino {
	uint64_t ino;
	size_t i;
};

struct pcb_owners {
	struct pcb_dump *d;
	struct pcb_ino *ix;
	size_t nix;
	size_t *commoff; /* [d->n]: comm offset + 1, 0 = no owner */
	int32_t lastpid;
	size_t lastoff;
};

static int
ino_cmp(const void *a, const void *b)
{
	const struct pcb_ino *x = a, *y = b;

	return (x->ino > y->ino) - (x->ino < y->ino);
}

static int
pcb_owner_cb(const struct nb_procfd *f, void *arg)
{
	struct pcb_owners *o = arg;
	size_t lo = 0, hi = o->nix, mid;
	int error;

	if (f->sock_ino == 0)
		return 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (o->ix[mid].ino < f->sock_ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < o->nix && o->ix[lo].ino == f->sock_ino; lo++) {
		struct nb_pcb *p = &o->d->v[o->ix[lo].i];

		if ((p->has & NB_PCB_HAS_OWNER) != 0)
			continue; /* a lower pid holds it */
		if (o->lastpid != f->pid) {
			if ((error = pcb_pool_add(o->d, f->comm != NULL ? f->comm : "",
				 &o->lastoff)) != 0)
				return error;
			o->lastpid = f->pid;
		}
		p->has |= NB_PCB_HAS_OWNER;
		p->pid = f->pid;
		o->commoff[o->ix[lo].i] = o->lastoff;
	}
	return 0;
}

static int
pcb_owners(struct lx *lx, struct pcb_dump *d, size_t **commoff)
{
	struct pcb_owners o = { .d = d, .lastpid = -1 };
	size_t i;
	int error;

	*commoff = NULL;
	if (d->n == 0)
		return 0;
	if ((o.ix = malloc(d->n * sizeof(*o.ix))) == NULL ||
	    (o.commoff = calloc(d->n, sizeof(*o.commoff))) == NULL) {
		free(o.ix);
		return -ENOMEM;
	}
	for (i = 0; i < d->n; i++)
		if (d->v[i].inode != 0 && d->off[i] != PCB_KEPT) {
			o.ix[o.nix].ino = d->v[i].inode;
			o.ix[o.nix++].i = i;
		}
	qsort(o.ix, o.nix, sizeof(*o.ix), ino_cmp);
	error = nb_procfd_scan(lx_proc_root(lx->proc), 0, 0, pcb_owner_cb, &o, NULL);
	free(o.ix);
	if (error != 0 && error != -ENOMEM) {
		lx_seterr(lx, "/proc: %s", strerror(-error));
	}
	*commoff = o.commoff;
	return error;
}

/* ---- raw sockets without raw_diag ---- */

/* Hex address of /proc/net/raw{,6}: 32-bit words in host order. */
static bool
pcb_hexaddr(const char *s, size_t nwords, uint8_t *out)
{
	char word[9];
	uint32_t w;
	size_t i;
	char *end;

	for (i = 0; i < nwords; i++) {
		memcpy(word, s + 8 * i, 8);
		word[8] = '\0';
		w = (uint32_t)strtoul(word, &end, 16);
		if (*end != '\0')
			return false;
		memcpy(out + 4 * i, &w, 4);
	}
	return true;
}

int
lx_pcb_parse_raw_line(const char *line, unsigned kind, struct nb_pcb *p)
{
	char la[40], fa[40];
	unsigned lport, fport, st, tx, rx, uid;
	unsigned long long ino, ptr;
	size_t nw = kind == NB_PCB_RAW ? 1 : 4;

	if (kind != NB_PCB_RAW && kind != NB_PCB_RAW6)
		return -EINVAL;
	if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x %x:%x %*x:%*x %*x %u %*d "
			 "%llu %*d %llx",
		la, &lport, fa, &fport, &st, &tx, &rx, &uid, &ino, &ptr) != 10 ||
	    strlen(la) != 8 * nw || strlen(fa) != 8 * nw)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	if (!pcb_hexaddr(la, nw, p->laddr) || !pcb_hexaddr(fa, nw, p->faddr))
		return -EINVAL;
	p->kind = (uint8_t)kind;
	p->family = kind == NB_PCB_RAW ? AF_INET : AF_INET6;
	p->stype = SOCK_RAW;
	p->proto = (uint8_t)lport;
	p->state = (uint8_t)st;
	p->txq = tx;
	p->rxq = rx;
	p->uid = uid;
	p->inode = ino;
	p->cookie = ptr;
	return 0;
}

static int
pcb_raw_proc(struct lx *lx, struct pcb_dump *d, unsigned kind)
{
	char path[512], line[512];
	FILE *f;
	int fd, error = 0;

	fd = nb_lx_proc_open(lx_proc_root(lx->proc),
	    kind == NB_PCB_RAW ? "proc/net/raw" : "proc/net/raw6", path, sizeof(path));
	if (fd < 0)
		return 0; /* no such table: no sockets of the kind */
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return -errno;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((error = pcb_grow(d)) != 0)
			break;
		d->off[d->n] = 0;
		if (lx_pcb_parse_raw_line(line, kind, &d->v[d->n]) == 0)
			d->n++;
	}
	fclose(f);
	return error;
}

int
lx_pcb_refresh(struct lx *lx, bool details)
{
	struct pcb_dump d;
	struct nb_read rd;
	const struct nb_pcbsnap *sn;
	size_t *commoff = NULL, i;
	unsigned k, kinds, keep;
	bool inread = false;
	int error = 0, e;

	memset(&d, 0, sizeof(d));
	if (strcmp(lx_proc_root(lx->proc), "/") != 0)
		return nb_pcbs_publish(lx->st, details, NULL, 0);
	if ((error = lx_diag_open(&d.dg, lx, 1 << 20)) != 0)
		return error;
	kinds = nb_pcbs_scope(lx->st, &keep);
	nb_read_enter(lx->st, &rd);
	inread = true;
	sn = nb_pcbs_snapshot(&rd);
	if (nb_pcbs_owners(sn) != details)
		keep = 0;
	for (k = 0; k < NB_PCB_KIND_MAX; k++) {
		size_t before = d.n;

		if ((kinds & 1u << k) == 0)
			continue;
		if ((keep & 1u << k) != 0)
			continue; /* the current snapshot's, shared by the publish */

		e = k == NB_PCB_UNIX ? pcb_dump_unix(&d) : pcb_dump_inet(&d, k, details);
		if ((k == NB_PCB_RAW || k == NB_PCB_RAW6) && d.n == before &&
		    (e == 0 || e == -ENOENT || e == -EINVAL))
			e = pcb_raw_proc(lx, &d, k);
		if (e == -ENOMEM) {
			error = e;
			goto out;
		}
		/* A kind this kernel does not dump (module absent, family off). */
		if (e != 0 && e != -ENOENT && e != -EOPNOTSUPP && e != -EPROTONOSUPPORT &&
		    e != -EAFNOSUPPORT && e != -EINVAL) {
			lx_seterr(lx, "sock_diag %s dump: %s", nb_pcb_kind_name(k), strerror(-e));
			error = e;
			goto out;
		}
	}
	if (details && (error = pcb_owners(lx, &d, &commoff)) != 0)
		goto out;
	for (i = 0; i < d.n; i++) {
		if (d.off[i] == PCB_KEPT)
			continue; /* a kept socket: its strings are the snapshot's */
		d.v[i].path = d.off[i] != 0 ? d.pool + d.off[i] - 1 : NULL;
		if (commoff != NULL && commoff[i] != 0)
			d.v[i].comm = d.pool + commoff[i] - 1;
		else if ((d.v[i].has & NB_PCB_HAS_OWNER) == 0)
			d.v[i].comm = NULL;
	}
	error = nb_pcbs_publish_keep(lx->st, details, keep & kinds, d.v, d.n);
out:
	if (inread)
		nb_read_exit(&rd);
	lx_diag_close(&d.dg);
	free(commoff);
	free(d.v);
	free(d.off);
	free(d.pool);
	return error;
}
