/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_bpf.c - the linux source's BPF family: AF_PACKET sockets via sock_diag, owners via /proc/<pid>/fd. */

/*
 * Theory of operation
 *
 * Runs on the refresh thread with lx->mu held; no state is shared with any
 * other thread (the stack's writers serialise themselves).
 *
 * One refresh: (1) dump every AF_PACKET socket of this network namespace
 * with NETLINK_SOCK_DIAG (packet_diag: info, mclist, rings, fanout, uid,
 * meminfo, filter) into lx->bpf's array; (2) one nb_procfd_scan over
 * ROOT/proc maps socket inodes to their holders: the owner is the lowest
 * pid (then the lowest fd), nowners the number of distinct pids; (3)
 * reconcile: upsert every dumped socket, store its drop count into slot 0,
 * delete the descriptors the stack has and the dump did not.
 *
 * What the kernel gives and what it does not
 *   SK_MEMINFO_DROPS is the socket's drop count (NB_BPF_HAS_DCOUNT); ring
 *   drops and the received count (PACKET_STATISTICS) only the owner sees,
 *   so rcount and ccount are never claimed. PACKET_DIAG_FILTER comes with
 *   CAP_NET_ADMIN; without it the kernel sends an empty attribute and the
 *   filter length is unknown (no NB_BPF_HAS_FILTER). A socket no readable
 *   process holds has no owner (no NB_BPF_HAS_OWNER), nor has any socket
 *   when ROOT/proc cannot be scanned at all (a fixture root without it).
 */

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/packet_diag.h>
#include <linux/sock_diag.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "nl_linux.h"
#include "procfd.h"
#include "source_linux_bpf.h"

struct lx_bpfent {
	struct nb_bpfattrs a;
	struct nb_bpf_insn *prog;	/* NULL: none or unknown */
	size_t		 nprog;
	uint64_t	 drops;		/* SK_MEMINFO_DROPS, with NB_BPF_HAS_DCOUNT */
	int32_t		 lastpid;	/* owner scan: the last pid counted */
};

struct lx_bpf {
	struct nl_sock	*sk;
	char		*root;
	struct lx_bpfent *v;		/* the dump, sorted by id after it */
	size_t		 n, cap;
	uint64_t	*ids;		/* the stack's ids (reconcile) */
	size_t		 nids, idcap;
	int		 error;		/* first error of the dump handler */
};

int
lx_bpf_init(struct lx_bpf **bp, const char *root)
{
	struct lx_bpf *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -ENOMEM;
	if (root != NULL && root[0] != '\0' && (b->root = strdup(root)) == NULL) {
		free(b);
		return -ENOMEM;
	}
	*bp = b;
	return 0;
}

static void
lx_bpf_clear(struct lx_bpf *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->v[i].prog);
	b->n = 0;
}

void
lx_bpf_free(struct lx_bpf **bp)
{
	struct lx_bpf *b = *bp;

	if (b == NULL)
		return;
	lx_bpf_clear(b);
	if (b->sk != NULL)
		nl_socket_free(b->sk);
	free(b->v);
	free(b->ids);
	free(b->root);
	free(b);
	*bp = NULL;
}

/* Parse one packet_diag_msg and its attributes into a new entry. */
static int
lx_bpf_parse(struct lx_bpf *b, struct nlmsghdr *nlh)
{
	const struct packet_diag_msg *m;
	struct lx_bpfent *e;
	struct nlattr *nla;
	int rem;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EBADMSG;
	m = NLMSG_DATA(nlh);
	if (m->pdiag_family != AF_PACKET)
		return 0;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct lx_bpfent *v = realloc(b->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		b->v = v;
		b->cap = cap;
	}
	e = &b->v[b->n];
	memset(e, 0, sizeof(*e));
	e->a.id = m->pdiag_ino;
	e->a.type = m->pdiag_type;
	e->a.protocol = m->pdiag_num;		/* the kernel sends ntohs(po->num) */
	e->a.pid = -1;
	e->a.fd = -1;
	e->a.has = NB_BPF_HAS_FILTER;		/* no attribute: no filter */
	nla = (struct nlattr *)((char *)m + NLMSG_ALIGN(sizeof(*m)));
	rem = (int)nlh->nlmsg_len - (int)NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*m)));
	/* By hand: PACKET_DIAG_INFO is type 0, which nla_parse() skips. */
	for (; nla_ok(nla, rem); nla = nla_next(nla, &rem)) {
		size_t len = (size_t)nla_len(nla);
		const void *p = nla_data(nla);

		switch (nla_type(nla)) {
		case PACKET_DIAG_INFO: {
			const struct packet_diag_info *pi = p;

			if (len < sizeof(*pi))
				break;
			/* An interface unregistered under a bound socket: ifindex -1. */
			if (pi->pdi_index == UINT32_MAX)
				e->a.flags |= NB_BPF_F_DETACHED;
			else
				e->a.ifindex = pi->pdi_index;
			if (pi->pdi_flags & PDI_AUXDATA)
				e->a.flags |= NB_BPF_F_AUXDATA;
			if (pi->pdi_flags & PDI_ORIGDEV)
				e->a.flags |= NB_BPF_F_ORIGDEV;
			if (pi->pdi_flags & PDI_VNETHDR)
				e->a.flags |= NB_BPF_F_VNETHDR;
			break;
		}
		case PACKET_DIAG_MCLIST: {
			const struct packet_diag_mclist *mc = p;
			size_t i;

			e->a.has |= NB_BPF_HAS_PROMISC;
			for (i = 0; i < len / sizeof(*mc); i++)
				if (mc[i].pdmc_type == PACKET_MR_PROMISC)
					e->a.promisc = 1;
			break;
		}
		case PACKET_DIAG_RX_RING:
			e->a.flags |= NB_BPF_F_RX_RING;
			break;
		case PACKET_DIAG_TX_RING:
			e->a.flags |= NB_BPF_F_TX_RING;
			break;
		case PACKET_DIAG_FANOUT:
			if (len >= sizeof(uint32_t)) {
				e->a.flags |= NB_BPF_F_FANOUT;
				e->a.fanout = *(const uint32_t *)p;
			}
			break;
		case PACKET_DIAG_UID:
			if (len >= sizeof(uint32_t))
				e->a.uid = *(const uint32_t *)p;
			break;
		case PACKET_DIAG_MEMINFO: {
			const uint32_t *mi = p;

			if (len > SK_MEMINFO_RCVBUF * sizeof(uint32_t)) {
				e->a.bufsize = mi[SK_MEMINFO_RCVBUF];
				e->a.has |= NB_BPF_HAS_BUFSIZE;
			}
			if (len > SK_MEMINFO_DROPS * sizeof(uint32_t)) {
				e->a.has |= NB_BPF_HAS_DCOUNT;
				e->drops = mi[SK_MEMINFO_DROPS];
			}
			break;
		}
		case PACKET_DIAG_FILTER:
			/* Empty: the kernel withheld it (no CAP_NET_ADMIN). */
			if (len < sizeof(struct sock_filter)) {
				e->a.has &= ~NB_BPF_HAS_FILTER;
				break;
			}
			free(e->prog);
			if ((e->prog = malloc(len)) == NULL)
				return -ENOMEM;
			memcpy(e->prog, p, len - len % sizeof(struct sock_filter));
			e->nprog = len / sizeof(struct sock_filter);
			break;
		default:
			break;
		}
	}
	b->n++;
	return 0;
}

static int
lx_bpf_valid_cb(struct nl_msg *msg, void *arg)
{
	struct lx_bpf *b = arg;
	int error;

	if (b->error != 0)
		return NL_SKIP;
	if ((error = lx_bpf_parse(b, nlmsg_hdr(msg))) != 0) {
		b->error = error;
		return NL_STOP;
	}
	return NL_OK;
}

/* Dump this namespace's packet sockets into b->v. */
static int
lx_bpf_dump(struct lx *lx, struct lx_bpf *b)
{
	struct packet_diag_req req;
	int n;

	if (b->sk == NULL) {
		if ((b->sk = nl_socket_alloc()) == NULL)
			return -ENOMEM;
		if ((n = nl_connect(b->sk, NETLINK_SOCK_DIAG)) < 0) {
			lx_seterr(lx, "sock_diag: connect: %s", nl_geterror(n));
			nl_socket_free(b->sk);
			b->sk = NULL;
			return -EPROTONOSUPPORT;
		}
		(void)nl_socket_set_msg_buf_size(b->sk, LX_MSGBUF);
		nl_socket_modify_cb(b->sk, NL_CB_VALID, NL_CB_CUSTOM, lx_bpf_valid_cb, b);
	}
	lx_bpf_clear(b);
	b->error = 0;
	memset(&req, 0, sizeof(req));
	req.sdiag_family = AF_PACKET;
	req.pdiag_show = PACKET_SHOW_INFO | PACKET_SHOW_MCLIST | PACKET_SHOW_RING_CFG |
	    PACKET_SHOW_FANOUT | PACKET_SHOW_MEMINFO | PACKET_SHOW_FILTER;
	if ((n = nl_send_simple(b->sk, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, &req, sizeof(req))) < 0 ||
	    (n = nl_recvmsgs_default(b->sk)) < 0) {
		lx_seterr(lx, "sock_diag: packet dump: %s", nl_geterror(n));
		/* A half-read dump leaves the socket out of step: start afresh. */
		nl_socket_free(b->sk);
		b->sk = NULL;
		return n == -NLE_NOMEM ? -ENOMEM : n == -NLE_PERM ? -EPERM : -EIO;
	}
	if (b->error != 0) {
		lx_seterr(lx, "sock_diag: packet dump: %s", strerror(-b->error));
		return b->error;
	}
	return 0;
}

static int
lx_bpfent_cmp(const void *x, const void *y)
{
	uint64_t a = ((const struct lx_bpfent *)x)->a.id, b = ((const struct lx_bpfent *)y)->a.id;

	return a < b ? -1 : a > b;
}

static struct lx_bpfent *
lx_bpf_find(struct lx_bpf *b, uint64_t id)
{
	struct lx_bpfent key;

	key.a.id = id;
	if (b->n == 0)
		return NULL;
	return bsearch(&key, b->v, b->n, sizeof(b->v[0]), lx_bpfent_cmp);
}

/* nb_procfd_scan callback: in (pid, fd) order, so the first holder is the owner. */
static int
lx_bpf_owner_cb(const struct nb_procfd *f, void *arg)
{
	struct lx_bpf *b = arg;
	struct lx_bpfent *e;

	if (f->sock_ino == 0 || (e = lx_bpf_find(b, f->sock_ino)) == NULL)
		return 0;
	if ((e->a.has & NB_BPF_HAS_OWNER) == 0) {
		e->a.has |= NB_BPF_HAS_OWNER;
		e->a.pid = f->pid;
		e->a.fd = f->fd;
		snprintf(e->a.comm, sizeof(e->a.comm), "%s", f->comm != NULL ? f->comm : "");
	}
	if (e->lastpid != f->pid) {
		e->lastpid = f->pid;
		e->a.nowners++;
	}
	return 0;
}

static int
lx_bpf_id_cb(const struct nb_bpf *d, void *arg)
{
	struct lx_bpf *b = arg;

	if (b->nids == b->idcap) {
		size_t cap = b->idcap ? b->idcap * 2 : 16;
		uint64_t *v = realloc(b->ids, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		b->ids = v;
		b->idcap = cap;
	}
	b->ids[b->nids++] = nb_bpf_attrs(d)->id;
	return 0;
}

/* Upsert the dump, store the drops, delete what is gone. */
static int
lx_bpf_apply(struct lx *lx, struct lx_bpf *b)
{
	struct nb_read rd;
	uint64_t v[NB_BPFSTAT_MAX] = { 0 };
	size_t i;
	int error = 0, e;

	for (i = 0; i < b->n; i++) {
		struct lx_bpfent *be = &b->v[i];
		const struct nb_iface *ifp;

		if (be->a.ifindex != 0) {
			nb_read_enter(lx->st, &rd);
			if ((ifp = nb_if_lookup_index(&rd, be->a.ifindex)) != NULL)
				memcpy(be->a.ifname, nb_iface_attrs(ifp)->name, NB_IFNAMSIZ);
			nb_read_exit(&rd);
			if (be->a.ifname[0] == '\0' &&
			    if_indextoname(be->a.ifindex, be->a.ifname) == NULL)
				be->a.ifname[0] = '\0';
		}
		if ((e = nb_bpf_upsert(lx->st, &be->a, be->prog, be->nprog)) != 0) {
			if (error == 0)
				error = e;
			continue;
		}
		if (be->a.has & NB_BPF_HAS_DCOUNT) {
			v[NB_BPFSTAT_DCOUNT] = be->drops;
			(void)nb_bpf_stats_store(lx->st, be->a.id, NB_SLOT_SOURCE, v);
		}
	}
	b->nids = 0;
	nb_read_enter(lx->st, &rd);
	e = nb_bpf_walk(&rd, lx_bpf_id_cb, b);
	nb_read_exit(&rd);
	if (e != 0)
		return e;
	for (i = 0; i < b->nids; i++)
		if (lx_bpf_find(b, b->ids[i]) == NULL && (e = nb_bpf_delete(lx->st, b->ids[i])) != 0 &&
		    e != -ENOENT && error == 0)
			error = e;
	if (error != 0)
		lx_seterr(lx, "capture descriptors: %s", strerror(-error));
	return error;
}

int
lx_bpf_refresh(struct lx *lx, struct lx_bpf *b)
{
	unsigned denied = 0;
	int error;

	if ((error = lx_bpf_dump(lx, b)) != 0)
		return error;
	if (b->n > 1)
		qsort(b->v, b->n, sizeof(b->v[0]), lx_bpfent_cmp);
	/*
	 * Owners are best effort: a root without a readable proc (a fixture,
	 * a hardened mount) leaves them absent rather than failing the family.
	 */
	if (b->n > 0 && (error = nb_procfd_scan(b->root, 0, 0, lx_bpf_owner_cb, b, &denied)) != 0 &&
	    error == -ENOMEM) {
		lx_seterr(lx, "capture owners: %s", strerror(-error));
		return error;
	}
	if (error != 0) {
		/* A partial scan may have named some owners: keep none of them. */
		for (size_t i = 0; i < b->n; i++) {
			b->v[i].a.has &= ~NB_BPF_HAS_OWNER;
			b->v[i].a.pid = b->v[i].a.fd = -1;
			b->v[i].a.nowners = 0;
			b->v[i].a.comm[0] = '\0';
		}
	}
	return lx_bpf_apply(lx, b);
}
