/* SPDX-License-Identifier: BSD-2-Clause */
/* mib_proc.c - kern.proc.<pid>.{comm,uid,fd.<n>.*}, kern.proc.denied and kern.mount.<id>.*: processes' open files and the mounts they are on. */
/*
 * The provider reports libstack's process-files snapshot (nb_proc_walk),
 * replaced whole by each NB_FAM_PROC refresh. mib.c sets the snapshot's
 * pid filter (nb_procs_set_scope) from the name asked for before loading:
 * kern.proc.<pid>... scans only that pid; anything wider scans all.
 * <n> of fd.<n> is the descriptor number. Values the source did not get
 * (stat or fdinfo failed, a socket found in no sock_diag dump, no remote
 * address) are absent, not zero. kern.proc.<pid> of a process whose
 * files are hidden from the reader is -EACCES, of no process -ENOENT.
 *
 * Concurrency: runs inside the walk's one read section (mib.c, theory of
 * operation); the snapshot and its strings stay valid until the section
 * ends, and interface names come from the same read section.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <netinet/in.h>

#include "mib.h"

static const char *const tcp_states[] = {
	"", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
	"NEW_SYN_RECV",
};

static const char *const nl_protos[] = {
	[NETLINK_ROUTE] = "route", [1] = "unused", [NETLINK_USERSOCK] = "usersock",
	[NETLINK_FIREWALL] = "firewall", [NETLINK_SOCK_DIAG] = "sock_diag",
	[NETLINK_NFLOG] = "nflog", [NETLINK_XFRM] = "xfrm", [NETLINK_SELINUX] = "selinux",
	[NETLINK_ISCSI] = "iscsi", [NETLINK_AUDIT] = "audit",
	[NETLINK_FIB_LOOKUP] = "fib_lookup", [NETLINK_CONNECTOR] = "connector",
	[NETLINK_NETFILTER] = "netfilter", [NETLINK_IP6_FW] = "ip6_fw",
	[NETLINK_DNRTMSG] = "dnrtmsg", [NETLINK_KOBJECT_UEVENT] = "kobject_uevent",
	[NETLINK_GENERIC] = "generic", [NETLINK_SCSITRANSPORT] = "scsitransport",
	[NETLINK_ECRYPTFS] = "ecryptfs", [NETLINK_RDMA] = "rdma",
	[NETLINK_CRYPTO] = "crypto", [NETLINK_SMC] = "smc",
};

static const char *
type_text(const struct nb_pfd *f)
{
	if (f->type == NB_PFD_SOCKET && f->sock_known && f->family == AF_PACKET)
		return "packet";
	return nb_pfd_type_name(f->type);
}

static const char *
family_text(unsigned family)
{
	switch (family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	case AF_UNIX:
		return "unix";
	case AF_NETLINK:
		return "netlink";
	case AF_PACKET:
		return "packet";
	}
	return "other";
}

static const char *
socktype_text(unsigned t)
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
	case SOCK_RDM:
		return "rdm";
	}
	return "other";
}

static const char *
proto_text(struct mib_walk *w, const struct nb_pfd *f)
{
	switch (f->family) {
	case AF_INET:
	case AF_INET6:
		if (f->stype == SOCK_RAW) {
			if (f->proto == IPPROTO_ICMP)
				return "icmp";
			if (f->proto == IPPROTO_ICMPV6)
				return "icmp6";
			mib_utoa(f->proto, w->sbuf);
			return w->sbuf;
		}
		if (f->proto == IPPROTO_ICMP || f->proto == IPPROTO_ICMPV6) /* ping sockets */
			return f->proto == IPPROTO_ICMP ? "icmp" : "icmp6";
		return f->proto == IPPROTO_TCP ? "tcp" : f->proto == IPPROTO_UDP ? "udp" :
		    f->proto == IPPROTO_SCTP ? "sctp" : (mib_utoa(f->proto, w->sbuf), w->sbuf);
	case AF_NETLINK:
		if (f->proto < sizeof(nl_protos) / sizeof(nl_protos[0]) &&
		    nl_protos[f->proto] != NULL)
			return nl_protos[f->proto];
		mib_utoa(f->proto, w->sbuf);
		return w->sbuf;
	case AF_PACKET:
		switch (f->proto) {
		case ETH_P_ALL:
			return "all";
		case ETH_P_IP:
			return "ip";
		case ETH_P_IPV6:
			return "ipv6";
		case ETH_P_ARP:
			return "arp";
		case 0:
			return "none";
		}
		snprintf(w->sbuf, sizeof(w->sbuf), "0x%04x", f->proto);
		return w->sbuf;
	}
	return "";
}

static const char *
addr_text(struct mib_walk *w, int family, const uint8_t *a)
{
	(void)nb_sysctl_ntop(family, a, w->sbuf, sizeof(w->sbuf));
	return w->sbuf;
}

static const char *
ifname_text(struct mib_walk *w, uint32_t index)
{
	const struct nb_iface *ifp;

	if ((ifp = nb_if_lookup_index(&w->rd, index)) == NULL) {
		mib_utoa(index, w->sbuf);	/* not (yet) known: its number */
		return w->sbuf;
	}
	return nb_iface_attrs(ifp)->name;
}

static bool
is_zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != 0)
			return false;
	return true;
}

static void
sock_leaves(struct mib_walk *w, const struct nb_pfd *f)
{
	size_t alen = f->family == AF_INET ? 4 : 16;

	MIB_LEAF(w, "family", mib_leaf_str(w, "address family", NB_SYSCTL_STRING, 0,
	    family_text(f->family)));
	if (f->stype != 0) /* 0: the source could not tell (netlink from a table) */
		MIB_LEAF(w, "socktype", mib_leaf_str(w, "socket type (stream, dgram, raw, "
							"seqpacket)",
					    NB_SYSCTL_STRING, 0, socktype_text(f->stype)));
	if (f->family != AF_UNIX)
		MIB_LEAF(w, "proto", mib_leaf_str(w, "protocol: tcp, udp, a raw protocol; "
		    "the netlink protocol; the packet ethertype", NB_SYSCTL_STRING, 0,
		    proto_text(w, f)));
	if ((f->family == AF_INET || f->family == AF_INET6) && f->proto == IPPROTO_TCP &&
	    f->stype == SOCK_STREAM && f->state < sizeof(tcp_states) / sizeof(tcp_states[0]) &&
	    f->state != 0)
		MIB_LEAF(w, "state", mib_leaf_str(w, "TCP state", NB_SYSCTL_STRING, 0,
		    tcp_states[f->state]));
	if (f->family == AF_UNIX && f->stype != SOCK_DGRAM &&
	    f->state < sizeof(tcp_states) / sizeof(tcp_states[0]) && f->state != 0)
		MIB_LEAF(w, "state", mib_leaf_str(w, "connection state", NB_SYSCTL_STRING, 0,
		    tcp_states[f->state]));
	if ((f->family == AF_INET || f->family == AF_INET6) && f->has_addr) {
		MIB_LEAF(w, "laddr", mib_leaf_str(w, "local address", NB_SYSCTL_ADDRESS, 0,
		    addr_text(w, f->family, f->laddr)));
		if (f->stype != SOCK_RAW)
			MIB_LEAF(w, "lport", mib_leaf_int(w, "local port", NB_SYSCTL_F_GAUGE,
			    f->lport));
		if (!is_zero(f->raddr, alen) || f->rport != 0) {
			MIB_LEAF(w, "raddr", mib_leaf_str(w, "remote address", NB_SYSCTL_ADDRESS,
			    0, addr_text(w, f->family, f->raddr)));
			if (f->stype != SOCK_RAW)
				MIB_LEAF(w, "rport", mib_leaf_int(w, "remote port",
				    NB_SYSCTL_F_GAUGE, f->rport));
		}
	}
	if (f->family == AF_UNIX) {
		if (f->unix_path != NULL)
			MIB_LEAF(w, "path", mib_leaf_str(w, "bound name (@ for abstract)",
			    NB_SYSCTL_STRING, 0, f->unix_path));
		if (f->peer_ino != 0)
			MIB_LEAF(w, "peer", mib_leaf_u64(w, "the peer socket's inode",
			    NB_SYSCTL_F_GAUGE, f->peer_ino));
	}
	if (f->family == AF_NETLINK)
		MIB_LEAF(w, "portid", mib_leaf_u64(w, "netlink port id", NB_SYSCTL_F_GAUGE,
		    f->portid));
	if (f->family == AF_PACKET && f->ifindex != 0) {
		MIB_LEAF(w, "ifindex", mib_leaf_int(w, "bound interface index",
		    NB_SYSCTL_F_GAUGE, f->ifindex));
		MIB_LEAF(w, "ifname", mib_leaf_str(w, "bound interface", NB_SYSCTL_STRING, 0,
		    ifname_text(w, f->ifindex)));
	}
}

static void
fd_leaves(struct mib_walk *w, const struct nb_pfd *f)
{
	uint32_t fmt = f->mode & S_IFMT;

	MIB_LEAF(w, "type", mib_leaf_str(w, "file, dir, chr, blk, fifo, pipe, socket, packet, "
	    "eventfd, eventpoll, timerfd, signalfd, inotify, anon, other",
	    NB_SYSCTL_STRING, 0, type_text(f)));
	if (f->target[0] == '/' && f->type != NB_PFD_SOCKET)
		MIB_LEAF(w, "path", mib_leaf_str(w, "path of the open file", NB_SYSCTL_STRING, 0,
		    f->target));
	if (f->has_stat || f->sock_ino != 0)
		MIB_LEAF(w, "inode", mib_leaf_u64(w, "inode number", NB_SYSCTL_F_GAUGE,
		    f->has_stat ? f->ino : f->sock_ino));
	if (f->has_stat) {
		MIB_LEAF(w, "dev", mib_leaf_u64(w, "device of the file system (st_dev)",
		    NB_SYSCTL_F_GAUGE, f->dev));
		if (fmt == S_IFCHR || fmt == S_IFBLK)
			MIB_LEAF(w, "rdev", mib_leaf_u64(w, "device number (st_rdev)",
			    NB_SYSCTL_F_GAUGE, f->rdev));
		MIB_LEAF(w, "mode", mib_leaf_int(w, "st_mode (type and permission bits)",
		    NB_SYSCTL_F_GAUGE, f->mode));
		if (fmt == S_IFREG || fmt == S_IFDIR || fmt == S_IFBLK)
			MIB_LEAF(w, "size", mib_leaf_int(w, "size in bytes", NB_SYSCTL_F_GAUGE,
			    f->size));
	}
	if (f->has_fdinfo) {
		MIB_LEAF(w, "flags", mib_leaf_int(w, "open flags (O_*)", NB_SYSCTL_F_GAUGE,
		    f->flags));
		MIB_LEAF(w, "offset", mib_leaf_u64(w, "file offset", NB_SYSCTL_F_GAUGE, f->pos));
	}
	if (f->type == NB_PFD_SOCKET && f->sock_known)
		sock_leaves(w, f);
	if (f->peer_pid > 0) {
		MIB_LEAF(w, "peer_pid", mib_leaf_int(w, "a process holding the other end "
							"(pipe, unix socket)",
					    NB_SYSCTL_F_GAUGE, f->peer_pid));
		MIB_LEAF(w, "peer_fd", mib_leaf_int(w, "its descriptor of the other end", NB_SYSCTL_F_GAUGE, f->peer_fd));
	}
}

static int
proc_cb(const struct nb_proc *p, void *arg)
{
	struct mib_walk *w = arg;
	char name[24];
	size_t len, i;

	len = mib_utoa((uint64_t)p->pid, name);
	if (!mw_enter(w, name, len))
		return 0;
	if (mib_node(w, "process")) {
		MIB_LEAF(w, "comm", mib_leaf_str(w, "command name", NB_SYSCTL_STRING, 0, p->comm));
		MIB_LEAF(w, "uid", mib_leaf_int(w, "real user id", NB_SYSCTL_F_GAUGE, p->uid));
		if (!mw_stop(w) && mw_enter(w, "fd", 2)) {
			if (mib_node(w, "open descriptors, by number"))
				for (i = 0; i < p->nfds && !mw_stop(w); i++) {
					len = mib_utoa((uint64_t)p->fds[i].fd, w->nbuf);
					if (!mw_enter(w, w->nbuf, len))
						continue;
					if (mib_node(w, "open file"))
						fd_leaves(w, &p->fds[i]);
					mw_leave(w);
				}
			mw_leave(w);
		}
	}
	mw_leave(w);
	return mw_stop(w) ? 1 : 0;
}

/* Strict decimal pid of a name component, or -1. */
static int32_t
pid_of(const char *s, size_t len)
{
	int64_t v = 0;

	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v > 0 && v <= INT32_MAX ? (int32_t)v : -1;
}

int32_t
mib_proc_scope(const char *const *comp, const size_t *lens, unsigned n)
{
	if (n < 3 || lens[0] != 4 || memcmp(comp[0], "kern", 4) != 0 ||
	    lens[1] != 4 || memcmp(comp[1], "proc", 4) != 0)
		return 0;
	return pid_of(comp[2], lens[2]) > 0 ? pid_of(comp[2], lens[2]) : 0;
}

int
mib_proc(struct mib_walk *w)
{
	const struct nb_procsnap *sn = nb_procs_snapshot(&w->rd);
	const struct nb_proc *p;
	unsigned denied = 0;
	int32_t pid, scope;
	int error;

	if (sn == NULL)
		return w->rc;
	nb_procs_info(sn, &scope, &denied);
	MIB_LEAF(w, "denied", mib_leaf_int(w, "processes whose open files are hidden from "
	    "this reader", NB_SYSCTL_F_GAUGE, denied));
	/* kern.proc.<pid>...: straight to it. */
	if (mw_named(w)) {
		if ((pid = pid_of(w->tcomp[w->depth], w->tlen[w->depth])) < 0)
			return w->rc;
		if ((p = nb_proc_lookup(sn, pid)) != NULL)
			(void)proc_cb(p, w);
		else if (scope == pid && denied > 0 && w->rc == 0)
			w->rc = -EACCES;	/* there, but hidden from us */
		return w->rc;
	}
	if ((error = nb_proc_walk(sn, proc_cb, w)) < 0 && w->rc == 0)
		w->rc = error;
	return w->rc;
}

/* kern.mount.<id>: one mount of the snapshot. */
static int
mount_cb(const struct nb_mount *m, void *arg)
{
	struct mib_walk *w = arg;
	char name[24];
	size_t len = mib_utoa(m->id, name);

	if (!mw_enter(w, name, len))
		return 0;
	if (mib_node(w, "mount")) {
		MIB_LEAF(w, "parent", mib_leaf_int(w, "the parent mount's id", NB_SYSCTL_F_GAUGE, m->parent));
		MIB_LEAF(w, "major", mib_leaf_int(w, "device major number (st_dev)", NB_SYSCTL_F_GAUGE, m->major));
		MIB_LEAF(w, "minor", mib_leaf_int(w, "device minor number (st_dev)", NB_SYSCTL_F_GAUGE, m->minor));
		MIB_LEAF(w, "dev", mib_leaf_u64(w, "st_dev of its files (as kern.proc's dev)", NB_SYSCTL_F_GAUGE, makedev(m->major, m->minor)));
		MIB_LEAF(w, "point", mib_leaf_str(w, "mount point", NB_SYSCTL_STRING, 0, m->point));
		MIB_LEAF(w, "root", mib_leaf_str(w, "directory of the file system mounted there", NB_SYSCTL_STRING, 0, m->root));
		MIB_LEAF(w, "fstype", mib_leaf_str(w, "file system type", NB_SYSCTL_STRING, 0, m->fstype));
		MIB_LEAF(w, "source", mib_leaf_str(w, "mount source (device, or what the file "
						      "system names)",
					  NB_SYSCTL_STRING, 0, m->source));
	}
	mw_leave(w);
	return mw_stop(w) ? 1 : 0;
}

int
mib_mount(struct mib_walk *w)
{
	int error;

	if ((error = nb_mount_walk(nb_mounts_snapshot(&w->rd), mount_cb, w)) < 0 && w->rc == 0)
		w->rc = error;
	return w->rc;
}
