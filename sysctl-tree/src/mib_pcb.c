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
#include <stdint.h>
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

/* The leaves of a socket, in the walk's order. */
enum { PL_FAMILY,
	PL_TYPE,
	PL_PROTO,
	PL_LADDR,
	PL_LPORT,
	PL_FADDR,
	PL_FPORT,
	PL_STATE,
	PL_RXQ,
	PL_TXQ,
	PL_UID,
	PL_INODE,
	PL_PATH,
	PL_PEER,
	PL_PID,
	PL_COMM,
	PL_RTT,
	PL_RTTVAR,
	PL_CWND,
	PL_RETRANS,
	PL_ACKED,
	PL_RECEIVED,
	PL_N };

static const struct pcb_leaf {
	const char *name;
	uint8_t type; /* enum nb_sysctl_type */
	unsigned flags;
	const char *descr;
} pl[PL_N] = {
	[PL_FAMILY] = { "family", NB_SYSCTL_STRING, 0, "address family: inet, inet6, unix" },
	[PL_TYPE] = { "type", NB_SYSCTL_STRING, 0, "socket type: stream, dgram, raw, seqpacket" },
	[PL_PROTO] = { "proto", NB_SYSCTL_INT, NB_SYSCTL_F_GAUGE, "IP protocol of a raw socket" },
	[PL_LADDR] = { "laddr", NB_SYSCTL_ADDRESS, 0, "local address" },
	[PL_LPORT] = { "lport", NB_SYSCTL_INT, NB_SYSCTL_F_GAUGE, "local port (0: unbound)" },
	[PL_FADDR] = { "faddr", NB_SYSCTL_ADDRESS, 0, "foreign address (unspecified: none)" },
	[PL_FPORT] = { "fport", NB_SYSCTL_INT, NB_SYSCTL_F_GAUGE, "foreign port (0: none)" },
	[PL_STATE] = { "state", NB_SYSCTL_STRING, 0,
	    "state (TCP's names; unix and datagram sockets: ESTABLISHED when connected, "
	    "LISTEN, CLOSE)" },
	[PL_RXQ] = { "rxq", NB_SYSCTL_U64, NB_SYSCTL_F_GAUGE,
	    "receive queue, bytes (a listener: connections waiting for accept)" },
	[PL_TXQ] = { "txq", NB_SYSCTL_U64, NB_SYSCTL_F_GAUGE,
	    "send queue, bytes (a listener: the backlog)" },
	[PL_UID] = { "uid", NB_SYSCTL_INT, NB_SYSCTL_F_GAUGE, "owner user id" },
	[PL_INODE] = { "inode", NB_SYSCTL_U64, NB_SYSCTL_F_GAUGE,
	    "socket inode (0: none, as in TIME_WAIT)" },
	[PL_PATH] = { "path", NB_SYSCTL_STRING, 0, "bound name (@ for abstract)" },
	[PL_PEER] = { "peer", NB_SYSCTL_U64, NB_SYSCTL_F_GAUGE, "the peer socket's inode" },
	[PL_PID] = { "pid", NB_SYSCTL_INT, NB_SYSCTL_F_GAUGE,
	    "owner: the lowest pid holding the socket" },
	[PL_COMM] = { "comm", NB_SYSCTL_STRING, 0, "owner's command name" },
	[PL_RTT] = { "rtt", NB_SYSCTL_U64, NB_SYSCTL_F_GAUGE,
	    "smoothed round-trip time, microseconds" },
	[PL_RTTVAR] = { "rttvar", NB_SYSCTL_U64, NB_SYSCTL_F_GAUGE,
	    "round-trip time variance, microseconds" },
	[PL_CWND] = { "cwnd", NB_SYSCTL_U64, NB_SYSCTL_F_GAUGE, "congestion window, segments" },
	[PL_RETRANS] = { "retrans", NB_SYSCTL_U64, NB_SYSCTL_F_COUNTER,
	    "retransmitted segments, total" },
	[PL_ACKED] = { "bytes_acked", NB_SYSCTL_U64, NB_SYSCTL_F_COUNTER,
	    "bytes sent and acknowledged" },
	[PL_RECEIVED] = { "bytes_received", NB_SYSCTL_U64, NB_SYSCTL_F_COUNTER,
	    "bytes received" },
};

/*
 * Leaf l of socket p: false when p has none; else its number (*u, an
 * INT's bits) or its text (*str; addresses in w->sbuf, used before the
 * next address is asked for). The one rule of which leaves a socket has,
 * for the walk and the native table reader alike.
 */
static bool
pcb_value(struct mib_walk *w, const struct nb_pcb *p, unsigned l, uint64_t *u, const char **str)
{
	bool inet = p->family == AF_INET || p->family == AF_INET6;
	bool owner = (p->has & NB_PCB_HAS_OWNER) != 0, ti = (p->has & NB_PCB_HAS_TCPINFO) != 0;

	switch (l) {
	case PL_FAMILY:
		*str = family_text(p->family);
		return true;
	case PL_TYPE:
		*str = type_text(p->stype);
		return true;
	case PL_PROTO:
		*u = p->proto;
		return p->stype == SOCK_RAW && inet;
	case PL_LADDR:
	case PL_FADDR:
		if (!inet)
			return false;
		*str = mib_addr_text(w, p->family, l == PL_LADDR ? p->laddr : p->faddr);
		return true;
	case PL_LPORT:
	case PL_FPORT:
		*u = l == PL_LPORT ? p->lport : p->fport;
		return inet && p->stype != SOCK_RAW;
	case PL_STATE:
		if (p->state >= sizeof(tcp_states) / sizeof(tcp_states[0]) || p->state == 0)
			return false;
		*str = tcp_states[p->state];
		return true;
	case PL_RXQ:
		*u = p->rxq;
		return true;
	case PL_TXQ:
		*u = p->txq;
		return true;
	case PL_UID:
		*u = p->uid;
		return true;
	case PL_INODE:
		*u = p->inode;
		return true;
	case PL_PATH:
		*str = p->path;
		return p->family == AF_UNIX && p->path != NULL;
	case PL_PEER:
		*u = p->peer;
		return p->family == AF_UNIX && (p->has & NB_PCB_HAS_PEER) != 0;
	case PL_PID:
		*u = (uint64_t)(int64_t)p->pid;
		return owner;
	case PL_COMM:
		*str = p->comm != NULL ? p->comm : "";
		return owner;
	case PL_RTT:
		*u = p->rtt;
		return ti;
	case PL_RTTVAR:
		*u = p->rttvar;
		return ti;
	case PL_CWND:
		*u = p->cwnd;
		return ti;
	case PL_RETRANS:
		*u = p->retrans;
		return ti;
	case PL_ACKED:
		*u = p->bytes_acked;
		return ti;
	case PL_RECEIVED:
		*u = p->bytes_received;
		return ti;
	}
	return false;
}

static void
pcb_leaves(struct mib_walk *w, const struct nb_pcb *p)
{
	const char *str = NULL;
	uint64_t u = 0;

	for (unsigned l = 0; l < PL_N && !mw_stop(w); l++) {
		if (!pcb_value(w, p, l, &u, &str) || !mw_enter(w, pl[l].name, strlen(pl[l].name)))
			continue;
		if (mw_want_leaf(w)) {
			if (pl[l].type == NB_SYSCTL_INT)
				(void)mib_leaf_int(w, pl[l].descr, pl[l].flags, (int64_t)u);
			else if (pl[l].type == NB_SYSCTL_U64)
				(void)mib_leaf_u64(w, pl[l].descr, pl[l].flags, u);
			else
				(void)mib_leaf_str(w, pl[l].descr, pl[l].type, pl[l].flags, str);
		}
		mw_leave(w);
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

/*
 * The native table reader of net.pcb.<kind>.* (one kind named, its
 * sockets '*'): rows straight from the snapshot, only the columns' leaves
 * evaluated (pcb_value, the walk's own rule), no walk down each socket's
 * leaves. false: not that shape (the walk serves it).
 */
static bool
pcb_table(struct mib_walk *w, const struct nb_pcbsnap *sn)
{
	struct nb__tab *tab = w->tab;
	struct {
		int node;
		unsigned leaf;
	} plan[PL_N];
	const char *comp[4] = { "net", "pcb", NULL, NULL }, *str = NULL;
	size_t lens[4] = { 3, 3, 0, 0 }, n = 0, i;
	const struct nb_pcb *v = NULL;
	struct nb_sysctl_value val;
	unsigned k, l, np = 0;
	char num[24];
	uint64_t u = 0;
	int c, rc;

	if (tab == NULL || w->depth != 2 || tab->pn != 4 || (tab->wild >> 2 & 1) != 0 ||
	    (tab->wild >> 3 & 1) == 0 || (tab->rdflags & NB_SYSCTL_RD_PERCPU) != 0)
		return false;
	for (k = 0; k < NB_PCB_KIND_MAX; k++)
		if (strlen(nb_pcb_kind_name(k)) == tab->plen[2] &&
		    memcmp(nb_pcb_kind_name(k), tab->pcomp[2], tab->plen[2]) == 0)
			break;
	if (k == NB_PCB_KIND_MAX)
		return false;
	for (c = tab->trie[0].child; c >= 0; c = tab->trie[c].next)
		for (l = 0; l < PL_N; l++)
			if (strlen(pl[l].name) == tab->trie[c].len &&
			    memcmp(pl[l].name, tab->trie[c].name, tab->trie[c].len) == 0) {
				plan[np].node = c;
				plan[np++].leaf = l;
				break;
			}
	comp[2] = nb_pcb_kind_name(k);
	lens[2] = strlen(comp[2]);
	if (sn != NULL)
		v = nb_pcbs_kind(sn, k, &n);
	if ((rc = nb__tab_reserve(tab, n)) != 0) {
		w->rc = rc;
		return true;
	}
	for (i = 0; i < n && w->rc == 0; i++) {
		lens[3] = mib_utoa(v[i].cookie, num);
		comp[3] = num;
		if ((rc = nb__tab_row(tab, comp, lens)) != 0) {
			w->rc = rc;
			break;
		}
		for (unsigned j = 0; j < np && w->rc == 0; j++) {
			l = plan[j].leaf;
			if (!pcb_value(w, &v[i], l, &u, &str))
				continue;
			if (pl[l].type == NB_SYSCTL_INT || pl[l].type == NB_SYSCTL_U64) {
				rc = nb__tab_store_num(tab, plan[j].node, pl[l].type, pl[l].flags, u);
			} else {
				memset(&val, 0, sizeof(val));
				val.type = pl[l].type;
				val.flags = pl[l].flags;
				val.str = str;
				val.len = strlen(str);
				rc = nb__tab_store(tab, plan[j].node, &val);
			}
			if (rc != 0)
				w->rc = rc;
		}
	}
	if (n > 0)
		w->found = true; /* as the walk: the target depth was entered */
	return true;
}

int
mib_pcb(struct mib_walk *w)
{
	const struct nb_pcbsnap *sn = nb_pcbs_snapshot(&w->rd);
	const struct nb_pcb *v;
	const char *name;
	unsigned k;
	size_t n;

	if (w->tab != NULL && pcb_table(w, sn))
		return w->rc;
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
