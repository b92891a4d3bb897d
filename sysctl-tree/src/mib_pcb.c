/* SPDX-License-Identifier: BSD-2-Clause */
/* mib_pcb.c - net.pcb.<kind>.<cookie>.*: every socket of the namespace. */
/*
 * The provider reports libstack's socket snapshot (nb_pcbs_kind), replaced
 * whole by each NB_FAM_PCB refresh: kinds in a fixed order (tcp, tcp6,
 * udp, udp6, raw, raw6, unix), sockets by cookie (the sock_diag cookie:
 * unique while the socket lives, never reused during a boot). Owners
 * (pid, comm) and the TCP details (rtt ... bytes_received) are leaves only
 * where the source looked them up (NB_FAM_PCBX, which the walk asks for
 * unless NB_SYSCTL_RD_NOPCBX): absent, never zero, when unknown. In table
 * mode only the leaves of the columns are evaluated (mib.h), so this is
 * also the native table reader of net.pcb.
 *
 * Concurrency: runs inside the walk's one read section (mib.c, theory of
 * operation); the snapshot and its strings stay valid until it ends.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "mib.h"

static const char *const tcp_states[] = {
	"",
	"ESTABLISHED",
	"SYN_SENT",
	"SYN_RECV",
	"FIN_WAIT1",
	"FIN_WAIT2",
	"TIME_WAIT",
	"CLOSE",
	"CLOSE_WAIT",
	"LAST_ACK",
	"LISTEN",
	"CLOSING",
	"NEW_SYN_RECV",
};

static const char *
family_text(unsigned f)
{
	return f == AF_INET ? "inet" : f == AF_INET6 ? "inet6" :
				   f == AF_UNIX	     ? "unix" :
						       "other";
}

static const char *
type_text(unsigned t)
{
	switch (t) {
	case SOCK_STREAM:
		return "stream";
	case SOCK_DGRAM:
		return "dgram";
	case SOCK_RAW:
		return "raw";
	case SOCK_SEQPACKET:
		return "seqpacket";
	}
	return "other";
}

static void
pcb_leaves(struct mib_walk *w, const struct nb_pcb *p)
{
	bool inet = p->family == AF_INET || p->family == AF_INET6;

	MIB_LEAF(w, "family", mib_leaf_str(w, "address family: inet, inet6, unix", NB_SYSCTL_STRING, 0, family_text(p->family)));
	MIB_LEAF(w, "type", mib_leaf_str(w, "socket type: stream, dgram, raw, seqpacket", NB_SYSCTL_STRING, 0, type_text(p->stype)));
	if (p->stype == SOCK_RAW && inet)
		MIB_LEAF(w, "proto", mib_leaf_int(w, "IP protocol of a raw socket", NB_SYSCTL_F_GAUGE, p->proto));
	if (inet) {
		MIB_LEAF(w, "laddr", mib_leaf_str(w, "local address", NB_SYSCTL_ADDRESS, 0, mib_addr_text(w, p->family, p->laddr)));
		if (p->stype != SOCK_RAW)
			MIB_LEAF(w, "lport", mib_leaf_int(w, "local port (0: unbound)", NB_SYSCTL_F_GAUGE, p->lport));
		MIB_LEAF(w, "faddr", mib_leaf_str(w, "foreign address (unspecified: none)", NB_SYSCTL_ADDRESS, 0, mib_addr_text(w, p->family, p->faddr)));
		if (p->stype != SOCK_RAW)
			MIB_LEAF(w, "fport", mib_leaf_int(w, "foreign port (0: none)", NB_SYSCTL_F_GAUGE, p->fport));
	}
	if (p->state < sizeof(tcp_states) / sizeof(tcp_states[0]) && p->state != 0)
		MIB_LEAF(w, "state", mib_leaf_str(w, "state (TCP's names; unix and datagram "
						     "sockets: ESTABLISHED when connected, LISTEN, CLOSE)",
					 NB_SYSCTL_STRING, 0, tcp_states[p->state]));
	MIB_LEAF(w, "rxq", mib_leaf_u64(w, "receive queue, bytes (a listener: connections "
					   "waiting for accept)",
			       NB_SYSCTL_F_GAUGE, p->rxq));
	MIB_LEAF(w, "txq", mib_leaf_u64(w, "send queue, bytes (a listener: the backlog)", NB_SYSCTL_F_GAUGE, p->txq));
	MIB_LEAF(w, "uid", mib_leaf_int(w, "owner user id", NB_SYSCTL_F_GAUGE, p->uid));
	MIB_LEAF(w, "inode", mib_leaf_u64(w, "socket inode (0: none, as in TIME_WAIT)", NB_SYSCTL_F_GAUGE, p->inode));
	if (p->family == AF_UNIX && p->path != NULL)
		MIB_LEAF(w, "path", mib_leaf_str(w, "bound name (@ for abstract)", NB_SYSCTL_STRING, 0, p->path));
	if (p->family == AF_UNIX && (p->has & NB_PCB_HAS_PEER) != 0)
		MIB_LEAF(w, "peer", mib_leaf_u64(w, "the peer socket's inode", NB_SYSCTL_F_GAUGE, p->peer));
	if ((p->has & NB_PCB_HAS_OWNER) != 0) {
		MIB_LEAF(w, "pid", mib_leaf_int(w, "owner: the lowest pid holding the socket", NB_SYSCTL_F_GAUGE, p->pid));
		MIB_LEAF(w, "comm", mib_leaf_str(w, "owner's command name", NB_SYSCTL_STRING, 0, p->comm != NULL ? p->comm : ""));
	}
	if ((p->has & NB_PCB_HAS_TCPINFO) != 0) {
		MIB_LEAF(w, "rtt", mib_leaf_u64(w, "smoothed round-trip time, microseconds", NB_SYSCTL_F_GAUGE, p->rtt));
		MIB_LEAF(w, "rttvar", mib_leaf_u64(w, "round-trip time variance, microseconds", NB_SYSCTL_F_GAUGE, p->rttvar));
		MIB_LEAF(w, "cwnd", mib_leaf_u64(w, "congestion window, segments", NB_SYSCTL_F_GAUGE, p->cwnd));
		MIB_LEAF(w, "retrans", mib_leaf_u64(w, "retransmitted segments, total", NB_SYSCTL_F_COUNTER, p->retrans));
		MIB_LEAF(w, "bytes_acked", mib_leaf_u64(w, "bytes sent and acknowledged", NB_SYSCTL_F_COUNTER, p->bytes_acked));
		MIB_LEAF(w, "bytes_received", mib_leaf_u64(w, "bytes received", NB_SYSCTL_F_COUNTER, p->bytes_received));
	}
}

static void
pcb_one(struct mib_walk *w, const struct nb_pcb *p)
{
	size_t len = mib_utoa(p->cookie, w->nbuf);

	if (!mw_enter(w, w->nbuf, len))
		return;
	if (mib_node(w, "socket"))
		pcb_leaves(w, p);
	mw_leave(w);
}

/* Strict decimal u64 of a name component; false if it is not one. */
static bool
u64_of(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

static void
pcb_kind(struct mib_walk *w, const struct nb_pcb *v, size_t n)
{
	size_t lo = 0, hi = n, mid, i;
	uint64_t c;

	if (mw_named(w)) {
		if (!u64_of(w->tcomp[w->depth], w->tlen[w->depth], &c))
			return;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (v[mid].cookie < c)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < n && v[lo].cookie == c)
			pcb_one(w, &v[lo]);
		return;
	}
	for (i = 0; i < n && !mw_stop(w); i++)
		pcb_one(w, &v[i]);
}

int
mib_pcb(struct mib_walk *w)
{
	const struct nb_pcbsnap *sn = nb_pcbs_snapshot(&w->rd);
	const struct nb_pcb *v;
	const char *name;
	unsigned k;
	size_t n;

	if (sn == NULL)
		return w->rc;
	for (k = 0; k < NB_PCB_KIND_MAX && !mw_stop(w); k++) {
		name = nb_pcb_kind_name(k);
		v = nb_pcbs_kind(sn, k, &n);
		if (!mw_enter(w, name, strlen(name)))
			continue;
		if (mib_node(w, "sockets of this kind, by cookie"))
			pcb_kind(w, v, n);
		mw_leave(w);
	}
	return w->rc;
}

unsigned
mib_pcb_scope(const char *const *comp, const size_t *lens, unsigned n)
{
	const char *name;
	unsigned k;

	if (n < 3 || lens[0] != 3 || memcmp(comp[0], "net", 3) != 0 ||
	    lens[1] != 3 || memcmp(comp[1], "pcb", 3) != 0)
		return 0;
	for (k = 0; k < NB_PCB_KIND_MAX; k++) {
		name = nb_pcb_kind_name(k);
		if (strlen(name) == lens[2] && memcmp(name, comp[2], lens[2]) == 0)
			return 1u << k;
	}
	return 0;
}
