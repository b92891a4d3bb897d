/* SPDX-License-Identifier: BSD-2-Clause */
/* nbnetstat.h - nbnetstat's options and its modes (one file per mode). */
#ifndef NBNETSTAT_NBNETSTAT_H
#define NBNETSTAT_NBNETSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nbtool/nbtool.h"

struct nb_sysctl;

/* The twelve counters of net.interfaces.<if>.stats, in MIB order. */
enum ctr {
	C_IPACKETS, C_IERRORS, C_IQDROPS, C_IBYTES, C_IMCASTS,
	C_OPACKETS, C_OERRORS, C_OQDROPS, C_OBYTES, C_OMCASTS,
	C_COLLISIONS, C_NOPROTO, C_N
};

extern const char *const ctr_names[C_N];
/* Their leaves relative to net.interfaces.<if> ("stats.ipackets"). */
extern const char *const ctr_leaves[C_N];

struct netstat_opts {
	struct nb_common c;
	bool		 bflag;		/* -b: bytes instead of packets */
	bool		 dflag;		/* -d: drop columns */
	bool		 hflag;		/* -h: humanised byte counts (with -b) */
	bool		 qflag;		/* -q: skip interfaces with all-zero counters */
	bool		 aflag;		/* -a (with -i): multicast memberships */
	bool		 nflag;		/* -n: numeric (always: we never resolve names) */
	const char	*ifname;	/* -I IF */
	int		 sflag;		/* -s count: 2 (-ss) hides zero counters */
	bool		 Pflag;		/* -P: per-CPU (with -s: per-CPU view) */
	bool		 Bflag;		/* -B: capture peers (with -s: their totals) */
	const char	*proto;		/* -p PROTO (with -s) */
	int		 rfamily;	/* -f (with -r): AF_INET, AF_INET6, 0 = both */
	int64_t		 rtable;	/* -T (with -r): table id or ROUTE_TABLE_ALL */
	const char *farg; /* -f FAMILY, parsed by the mode */
	int sfamily; /* -f (socket list): a section, -1 = all */
	bool vflag; /* -v (socket list): owners and TCP details */
	bool Aflag; /* -A (socket list): the socket's cookie */
};

/* No mode: the socket list of net.pcb (sock.c). */
int sock_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);
/* Its -f argument (inet, inet6, unix) as a section; a bad one is a usage error. */
int sock_family_arg(const char *arg);
/* Whether NAME is a -p protocol of the socket list (tcp, udp, raw, unix, tcp6, ...). */
bool sock_proto_valid(const char *name);

#define ROUTE_TABLE_ALL		(-1)
#define ROUTE_TABLE_MAIN	254

/* -r: the routing tables (route.c). */
int	route_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);
/* -T and -f arguments; a bad one is a usage error (exit 2). */
int64_t	route_table_arg(const char *arg);
int	route_family_arg(const char *arg);

/* -i: the interface list, or with -w its interval (sideways) display. */
int	if_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);

/* -s: protocol statistics (stats.c); with -P softnet_stats_mode. */
int	stats_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);
/* The -p protocol names, for the usage message; whether NAME is one. */
const char *stats_proto_list(void);
bool	stats_proto_valid(const char *name);

/* -P: the per-CPU softnet table (softnet.c). */
int	softnet_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);
/* -s -P: each per-CPU counter of net.softnet and kern.cp_time, per CPU. */
int	softnet_stats_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);

/* --events: the event timeline of a replayed range, -I one interface's (events.c). */
int	events_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);

/* -B: the capture peers; -s -B: their totals (bpf.c). */
int	bpf_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);
int	bpf_stats_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);

/* -i --diff T1 T2: what changed between two samples (ifdiff.c; h unused). */
int	if_diff(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);
/* -r --diff T1 T2 (route.c), -B --diff T1 T2 (bpf.c); h unused. */
int	route_diff(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);
int	bpf_diff(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);
/* -s --plot, -s --summary: chosen counters as rates (stats.c). */
int	stats_plot(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);
int	stats_summary(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);
/* -i --plot, -i --summary over a replay range or interval mode (iflook.c). */
int	if_plot(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);
int	if_summary(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);

/* -i -w: the interval display (called by if_mode). */
int	if_interval(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);
/* humanize_number(3) as netstat -h uses it: at most 4 characters. */
void	if_humanize(char *buf, size_t size, uint64_t v);

#endif /* NBNETSTAT_NBNETSTAT_H */
