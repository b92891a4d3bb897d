/* SPDX-License-Identifier: BSD-2-Clause */
/* sim.h - private: the sim source's state, shared by source_sim.c, sim_control.c, sim_worker.c. */
#ifndef NBSOURCE_SIM_PRIV_H
#define NBSOURCE_SIM_PRIV_H

/*
 * The theory of operation (which thread runs what, the invariants, who
 * frees what) is at the top of source_sim.c; sim_control.c holds the
 * control thread, sim_worker.c the workers' packet path.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nbsource/sim.h"
#include "nbstack/stack.h"

#define SIM_MAXIFACES	250	/* 10.<if>.<k>.1 */
#define SIM_MAXADDRS	250
#define SIM_MAXDESCS	256
#define SIM_RT_LOCAL	255	/* RT_TABLE_LOCAL */
#define SIM_RT_MAIN	254
#define SIM_RTN_UNICAST	1
#define SIM_RTN_LOCAL	2
#define SIM_BATCH	64	/* packets between pacing / stop checks */
#define SIM_KEEP_DEPARTED 32
#define SIM_NFILTERS	7	/* capture filters (source_sim.c: sim_filters) */
#define SIM_DRAIN	256	/* a worker's packets between buffer drains */

/* net.inet.ip.stats: kernel names (/proc/net/snmp "Ip:"), lower-cased (source_sim.c). */
enum sim_ip {
	SIM_IP_INRECEIVES, SIM_IP_INDELIVERS, SIM_IP_FORWDATAGRAMS,
	SIM_IP_OUTNOROUTES, SIM_IP_OUTDISCARDS, SIM_IP_MAX
};

/* net.sim.stats: the simulator's own work (names: source_sim.c). */
enum sim_ctr {
	SIM_C_PACKETS, SIM_C_NOIFACE, SIM_C_ROUTE_HOLDS, SIM_C_BPF_OFFERS,
	SIM_C_CHECKS, SIM_C_VIOLATIONS, SIM_C_CHANGES, SIM_C_MAX
};


struct sim_opts {
	unsigned	workers, ifaces, addrs, descs;
	double		rate;		/* packets/s per worker; 0 = unbounded */
	double		churn;		/* changes/s; 0 = none; < 0 = unbounded */
	double		duration;	/* seconds; 0 = until close */
	uint64_t	changes;	/* the control thread stops after this many; 0 = never */
	uint64_t	seed;
	bool		big_lock;
	unsigned	bufsize;	/* descriptor buffer, bytes */
};

struct sim_iftally {
	uint64_t	gen;
	uint64_t	v[NB_IFSTAT_MAX];
};

struct sim_bpftally {
	uint64_t	id;
	uint64_t	v[NB_BPFSTAT_MAX];
	uint64_t	fill;		/* simulated buffer occupancy, bytes */
};

/* A worker's cached route reference for one destination (NetBSD rtcache). */
struct sim_rtcache {
	struct nb_route	*r;		/* held, or NULL */
	uint64_t	 ver;		/* publication version of the lookup */
};

struct sim;

/* Cache-line aligned: workers never share a line of their private state. */
struct sim_worker {
	_Alignas(NB_CACHELINE) struct sim	*sim;
	pthread_t	 tid;
	bool		 started;
	unsigned	 id;
	unsigned	 slot;
	bool		 has_slot;
	uint64_t	 rng;
	uint64_t	*ipslot, *simslot;
	uint64_t	 ip[SIM_IP_MAX];
	uint64_t	 sc[SIM_C_MAX];
	struct sim_iftally *ift;	/* [ifaces + 1] by index */
	struct sim_bpftally *bt;	/* [descs] by descriptor slot */
	struct sim_rtcache *rtc;	/* [nroutes] by remote route */
	uint8_t		 pkt[64];
};

struct sim_filter {
	struct nb_bpf_insn *prog;	/* NULL = accept all */
	size_t		 n;
};

struct sim {
	struct nb_stack	*st;
	__typeof__(bpf_filter) *bpf_filter;	/* libpcap's (sim_pcap.c), set by open */
	struct sim_opts	 o;
	int		 stop;		/* atomic */
	bool		 stopped;	/* threads joined */
	pthread_mutex_t	 big;
	struct sim_worker *w;
	pthread_t	 ctl;
	bool		 ctl_started;
	uint64_t	 ctl_rng;
	struct nb_ctrgroup *ipg, *simg;
	struct sim_filter filt[SIM_NFILTERS];
	/* control thread only (and open) */
	bool		*if_up;		/* [ifaces + 1] */
	uint64_t	*if_gen;	/* [ifaces + 1] */
	bool		*addr_up;	/* [(ifaces + 1) * addrs] */
	bool		*rt_up;		/* [nroutes] */
	unsigned	 nroutes;
	uint64_t	*desc_id;	/* [descs], 0 = absent */
	uint64_t	*last_id;	/* [descs]: ids of slot s are s + 1 + k * descs */
	uint64_t	 changes;
	/* written by deferred callbacks, read by workers */
	uint64_t	*done_gen;	/* atomic [ifaces + 1] */
	uint64_t	*done_id;	/* atomic [descs] */
	/* first violation */
	pthread_mutex_t	 errlock;
	char		 err[256];
};

/* ---- small helpers ---- */

static inline uint64_t
sim_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline unsigned
sim_below(uint64_t *s, unsigned n)
{
	return n == 0 ? 0 : (unsigned)((sim_rand(s) >> 11) % n);
}

static inline double
sim_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void
sim_sleep_until(double t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static inline bool
sim_stopping(const struct sim *sim)
{
	return __atomic_load_n(&sim->stop, __ATOMIC_ACQUIRE) != 0;
}

/* sim_control.c: the control thread (the only configuration writer) and
 * the configuration open() builds with the same calls. */
void	sim_route(struct nb_routeattrs *r, unsigned j, unsigned oif, unsigned gwhost);
int	sim_if_attach(struct sim *sim, unsigned index);
int	sim_desc_upsert(struct sim *sim, unsigned s, uint64_t id, unsigned ifindex, unsigned filter);
void	*sim_control_main(void *arg);

/* sim_worker.c: a worker thread (one per-CPU slot). */
void	*sim_worker_main(void *arg);

/* sim_pcap.c: libpcap, loaded with dlopen() (not linked) at the first open. */
#define SIM_PCAP_LIB	"libpcap.so.0.8"
#define SIM_PCAP_FUNCS(X) \
	X(pcap_open_dead) \
	X(pcap_compile) \
	X(pcap_geterr) \
	X(pcap_freecode) \
	X(pcap_close) \
	X(bpf_filter)
struct sim_pcap {
#define SIM_PCAP_FIELD(f) __typeof__(f) *f;
	SIM_PCAP_FUNCS(SIM_PCAP_FIELD)
#undef SIM_PCAP_FIELD
};
/* The functions, loaded once (any thread), or NULL with the reason in err
 * ("sim: cannot load libpcap.so.0.8: <dlerror()>"). */
const struct sim_pcap *sim_pcap_load(char *err, size_t errlen);

#endif /* NBSOURCE_SIM_PRIV_H */
