/* SPDX-License-Identifier: BSD-2-Clause */
/* source_sim.c - the "sim" source: worker threads as CPUs, synthetic traffic, configuration churn. */

/*
 * Theory of operation
 *
 * What runs at once
 *   open() builds the initial configuration on the caller's thread, then
 *   starts `workers` worker threads and one control thread; they run until
 *   `duration` ends or until close()/check() stops them (sim->stop, set with
 *   release order, polled by every thread). Tree readers (tools, the stress
 *   test) run at the same time through libstack's read side. refresh() only
 *   reports errors: the sim's state is live.
 *
 *   Workers (the CPUs) each own one per-CPU slot (nb_slot_acquire) and are
 *   the only writers of that slot in every counter group. Per packet, inside
 *   one read section: look up the receiving interface by index, count it,
 *   offer it to the capture descriptors on the interface's bpf list
 *   (rcount; libpcap's bpf_filter decides ccount; a simulated buffer per
 *   descriptor decides dcount), then the to-self check of the seeds
 *   (nb_addr_lookup), else a route lookup. A forwarded packet goes
 *   through the worker's rtcache: a held route (nb_route_hold) per
 *   destination network, reused while the stack's publication version is
 *   the one of the cached lookup (NetBSD's rtcache_validate checks a
 *   generation the same way), else looked up again and re-held, the old
 *   reference released. The worker leaves the read section, reads the
 *   held route's attributes, and re-enters to count the output interface.
 *   So routes are changed and deleted while workers hold them; a deleted
 *   route lives until the last cache lets it go. A worker releases its
 *   cache when it exits.
 *
 *   The control thread is the only configuration writer (so it knows what
 *   exists and every call must succeed): it adds and removes addresses
 *   with their local routes (nb_addr_add_route: one commit), adds, changes
 *   and deletes routes that workers may hold, creates, moves, refilters and
 *   deletes capture descriptors, and detaches and re-attaches interfaces
 *   while descriptors sniff them (bpfdetach). It paces itself to `churn`
 *   changes per second (0 = no churn, "max" = as fast as it can) and stops
 *   after `changes` of them when that is given. Its choices come from its
 *   own generator (seeded by `seed`) and depend on nothing the workers do,
 *   so a seed and a number of changes give one configuration, run after run.
 *
 *   --big-lock (args big_lock=1): every packet and every configuration
 *   change is processed under one global mutex, with the very same code
 *   paths: the baseline the seeds start from.
 *
 * Invariants
 *   Continuous (each worker, in each read section): an address found in
 *   the hash is on its interface's list and has its local route, and a
 *   local destination without an address has no local route (nothing is
 *   half-published); an interface or descriptor whose removal has
 *   completed (a grace period after its delete: a deferred callback
 *   records its generation / id in done_gen / done_id) is never visible;
 *   a held route's attributes still match the destination it was found
 *   for; a generation never goes backwards. Violations are counted
 *   (net.sim.stats.violations) and the first is kept for nb_source_error.
 *   At the end (check(), after the threads are joined): for every counter
 *   of the ip and sim groups, and for every live interface and descriptor,
 *   the sum of the per-CPU slots equals the sum of the workers' private
 *   tallies (which record exactly what they added, per interface
 *   generation and per descriptor id).
 *
 * Who frees what
 *   libstack frees its objects after grace periods; the sim frees only its
 *   own memory: done-records free themselves in their callback; close()
 *   joins the threads, waits for every deferred callback (nb_stack_barrier,
 *   the records point at the sim), releases the slots and frees the sim.
 *   Interfaces, addresses, routes and descriptors stay in the stack.
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
#define SIM_DRAIN	256	/* a worker's packets between buffer drains */

/* net.inet.ip.stats: kernel names (/proc/net/snmp "Ip:"), lower-cased. */
enum sim_ip {
	SIM_IP_INRECEIVES, SIM_IP_INDELIVERS, SIM_IP_FORWDATAGRAMS,
	SIM_IP_OUTNOROUTES, SIM_IP_OUTDISCARDS, SIM_IP_MAX
};
static const struct nb_ctr_desc sim_ip_desc[SIM_IP_MAX] = {
	{ "inreceives", "datagrams received", NB_CTR_COUNTER },
	{ "indelivers", "datagrams delivered to this host", NB_CTR_COUNTER },
	{ "forwdatagrams", "datagrams forwarded", NB_CTR_COUNTER },
	{ "outnoroutes", "datagrams dropped: no route", NB_CTR_COUNTER },
	{ "outdiscards", "datagrams dropped: output interface gone", NB_CTR_COUNTER },
};

/* net.sim.stats: the simulator's own work. */
enum sim_ctr {
	SIM_C_PACKETS, SIM_C_NOIFACE, SIM_C_ROUTE_HOLDS, SIM_C_BPF_OFFERS,
	SIM_C_CHECKS, SIM_C_VIOLATIONS, SIM_C_CHANGES, SIM_C_MAX
};
static const struct nb_ctr_desc sim_desc[SIM_C_MAX] = {
	{ "packets", "packets generated by the workers", NB_CTR_COUNTER },
	{ "noiface", "packets for an interface that does not exist", NB_CTR_COUNTER },
	{ "route_holds", "route references taken and released", NB_CTR_COUNTER },
	{ "bpf_offers", "packets offered to capture descriptors", NB_CTR_COUNTER },
	{ "checks", "consistency checks made by the workers", NB_CTR_COUNTER },
	{ "violations", "consistency checks failed (must stay 0)", NB_CTR_COUNTER },
	{ "changes", "configuration changes made by the control thread", NB_CTR_COUNTER },
};

/* Filters compiled with libpcap; descriptor slot s starts with s % n. */
static const char *const sim_filters[] = {
	"", "udp", "tcp", "dst net 10.0.0.0/8", "udp and dst port 53",
	"ip and len > 512", "not tcp port 80",
};
#define SIM_NFILTERS	(sizeof(sim_filters) / sizeof(sim_filters[0]))

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

static uint64_t
sim_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static unsigned
sim_below(uint64_t *s, unsigned n)
{
	return n == 0 ? 0 : (unsigned)((sim_rand(s) >> 11) % n);
}

static double
sim_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sim_sleep_until(double t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static bool
sim_stopping(const struct sim *sim)
{
	return __atomic_load_n(&sim->stop, __ATOMIC_ACQUIRE) != 0;
}

static void
sim_violation(struct sim_worker *w, const char *fmt, ...)
{
	struct sim *sim = w->sim;
	va_list ap;

	w->sc[SIM_C_VIOLATIONS]++;
	nb_ctr_add(w->simslot, SIM_C_VIOLATIONS, 1);
	pthread_mutex_lock(&sim->errlock);
	if (sim->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(sim->err, sizeof(sim->err), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&sim->errlock);
}

/* ---- configuration: names, addresses, routes ---- */

static void
sim_ifattrs(struct nb_ifattrs *a, unsigned index)
{
	memset(a, 0, sizeof(*a));
	a->index = index;
	snprintf(a->name, sizeof(a->name), "sim%u", index - 1);
	strcpy(a->kind, "sim");
	a->type = 1;			/* ARPHRD_ETHER */
	a->flags = 0x1043;		/* UP|BROADCAST|RUNNING|MULTICAST */
	a->mtu = 1500;
	a->txqlen = 1000;
	a->operstate = 6;		/* IF_OPER_UP */
	a->lladdr_len = 6;
	a->lladdr[0] = 0x02;
	a->lladdr[4] = (uint8_t)(index >> 8);
	a->lladdr[5] = (uint8_t)index;
	a->brd_len = 6;
	memset(a->brd, 0xff, 6);
}

/* Address k of interface index i: 10.<i-1>.<k>.1/24, local route /32. */
static void
sim_addr(struct nb_addrattrs *a, struct nb_routeattrs *lr, unsigned index, unsigned k)
{
	memset(a, 0, sizeof(*a));
	a->ifindex = index;
	a->family = AF_INET;
	a->prefixlen = 24;
	a->addr[0] = 10;
	a->addr[1] = (uint8_t)(index - 1);
	a->addr[2] = (uint8_t)k;
	a->addr[3] = 1;
	a->has_brd = 1;
	memcpy(a->brd, a->addr, 4);
	a->brd[3] = 255;
	a->valid_lft = a->preferred_lft = UINT32_MAX;
	snprintf(a->label, sizeof(a->label), "sim%u", index - 1);
	memset(lr, 0, sizeof(*lr));
	lr->family = AF_INET;
	lr->dst_len = 32;
	lr->table = SIM_RT_LOCAL;
	lr->type = SIM_RTN_LOCAL;
	lr->protocol = 2;		/* RTPROT_KERNEL */
	lr->scope = 254;		/* RT_SCOPE_HOST */
	lr->oif = index;
	lr->nhops = 1;
	memcpy(lr->dst, a->addr, 4);
}

/* Remote route j: 172.16.<j>.0/24 via 10.<oif-1>.0.254 on oif. */
static void
sim_route(struct nb_routeattrs *r, unsigned j, unsigned oif, unsigned gwhost)
{
	memset(r, 0, sizeof(*r));
	r->family = AF_INET;
	r->dst_len = 24;
	r->table = SIM_RT_MAIN;
	r->type = SIM_RTN_UNICAST;
	r->protocol = 4;		/* RTPROT_STATIC */
	r->metric = 100;
	r->oif = oif;
	r->nhops = 1;
	r->dst[0] = 172;
	r->dst[1] = (uint8_t)(16 + j / 256);
	r->dst[2] = (uint8_t)j;
	r->has_gw = 1;
	r->gw[0] = 10;
	r->gw[1] = (uint8_t)(oif - 1);
	r->gw[2] = 0;
	r->gw[3] = (uint8_t)gwhost;
}

/* ---- deferred "removal completed" records ---- */

struct sim_done {
	uint64_t	*where;
	uint64_t	 val;
};

static void
sim_done_cb(void *arg)
{
	struct sim_done *d = arg;

	__atomic_store_n(d->where, d->val, __ATOMIC_RELEASE);
	free(d);
}

/* Control thread: after a grace period, *where = val. */
static int
sim_done_after_gp(struct sim *sim, uint64_t *where, uint64_t val)
{
	struct sim_done *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return -ENOMEM;
	d->where = where;
	d->val = val;
	if (nb_stack_defer(sim->st, sim_done_cb, d) != 0) {
		free(d);
		return -ENOMEM;
	}
	return 0;
}

/* ---- control: one configuration change each ---- */

static int
sim_addr_toggle(struct sim *sim, unsigned index, unsigned k)
{
	struct nb_addrattrs a;
	struct nb_routeattrs lr;
	bool *up = &sim->addr_up[index * sim->o.addrs + k];
	int error;

	sim_addr(&a, &lr, index, k);
	if (*up)
		error = nb_addr_del_route(sim->st, &a, &lr);
	else
		error = nb_addr_add_route(sim->st, &a, &lr);
	if (error == 0)
		*up = !*up;
	return error;
}

static int
sim_if_attach(struct sim *sim, unsigned index)
{
	struct nb_ifattrs a;
	uint64_t gen;
	unsigned k;
	int error;

	sim_ifattrs(&a, index);
	if ((error = nb_if_upsert(sim->st, &a, &gen)) != 0)
		return error;
	sim->if_up[index] = true;
	sim->if_gen[index] = gen;
	for (k = 0; k < sim->o.addrs; k++)
		if ((error = sim_addr_toggle(sim, index, k)) != 0)
			return error;
	return 0;
}

static int
sim_if_detach(struct sim *sim, unsigned index)
{
	unsigned k;
	int error;

	/* Addresses go first, each with its local route in one commit. */
	for (k = 0; k < sim->o.addrs; k++)
		if (sim->addr_up[index * sim->o.addrs + k] &&
		    (error = sim_addr_toggle(sim, index, k)) != 0)
			return error;
	if ((error = nb_if_delete(sim->st, index, NULL)) != 0)
		return error;
	sim->if_up[index] = false;
	return sim_done_after_gp(sim, &sim->done_gen[index], sim->if_gen[index]);
}

static int
sim_route_change(struct sim *sim, unsigned j)
{
	struct nb_routeattrs r;
	unsigned oif = 1 + (j % sim->o.ifaces);
	int error;

	sim_route(&r, j, oif, 254);
	if (!sim->rt_up[j]) {
		if ((error = nb_route_upsert(sim->st, &r)) == 0)
			sim->rt_up[j] = true;
		return error;
	}
	if (sim_below(&sim->ctl_rng, 2) == 0) {
		/* Change: a new gateway (attributes swapped under holders). */
		sim_route(&r, j, oif, 1 + sim_below(&sim->ctl_rng, 253));
		return nb_route_upsert(sim->st, &r);
	}
	if ((error = nb_route_delete(sim->st, &r)) == 0)
		sim->rt_up[j] = false;
	return error;
}

static int
sim_desc_upsert(struct sim *sim, unsigned s, uint64_t id, unsigned ifindex, unsigned filter)
{
	struct nb_bpfattrs a;
	const struct sim_filter *f = &sim->filt[filter % SIM_NFILTERS];

	memset(&a, 0, sizeof(a));
	a.id = id;
	a.ifindex = ifindex;
	a.has = NB_BPF_HAS_RCOUNT | NB_BPF_HAS_DCOUNT | NB_BPF_HAS_CCOUNT |
	    NB_BPF_HAS_OWNER | NB_BPF_HAS_FILTER | NB_BPF_HAS_BUFSIZE | NB_BPF_HAS_PROMISC;
	a.pid = (int32_t)getpid();
	a.uid = (uint32_t)getuid();
	a.fd = (int32_t)(3 + s);
	a.nowners = 1;
	a.protocol = 3;			/* ETH_P_ALL */
	a.type = 3;			/* SOCK_RAW */
	a.promisc = (uint8_t)(s & 1);
	a.bufsize = sim->o.bufsize;
	snprintf(a.comm, sizeof(a.comm), "simcap%u", s);
	if (ifindex != 0)
		snprintf(a.ifname, sizeof(a.ifname), "sim%u", ifindex - 1);
	return nb_bpf_upsert(sim->st, &a, f->prog, f->n);
}

static int
sim_desc_change(struct sim *sim, unsigned s)
{
	unsigned op = sim_below(&sim->ctl_rng, 4);
	unsigned ifindex = 1 + sim_below(&sim->ctl_rng, sim->o.ifaces);
	uint64_t id = sim->desc_id[s];
	int error;

	if (id == 0) {
		id = sim->last_id[s] + sim->o.descs;
		if ((error = sim_desc_upsert(sim, s, id, ifindex, s)) == 0)
			sim->desc_id[s] = sim->last_id[s] = id;
		return error;
	}
	switch (op) {
	case 0:		/* close the descriptor */
		if ((error = nb_bpf_delete(sim->st, id)) != 0)
			return error;
		sim->desc_id[s] = 0;
		return sim_done_after_gp(sim, &sim->done_id[s], id);
	case 1:		/* a new filter (BIOCSETF) */
		return sim_desc_upsert(sim, s, id, ifindex,
		    sim_below(&sim->ctl_rng, SIM_NFILTERS));
	default:	/* move to another interface (BIOCSETIF) */
		return sim_desc_upsert(sim, s, id, ifindex, s);
	}
}

static int
sim_dep_cb(const struct nb_departed *d, void *arg)
{
	uint64_t *max = arg;

	if (d->seq > *max)
		*max = d->seq;
	return 0;
}

/* Keep the departed list short: the sim has no recorder to take it. */
static void
sim_drain_departed(struct sim *sim)
{
	struct nb_read rd;
	uint64_t max = 0;

	nb_read_enter(sim->st, &rd);
	nb_departed_walk(&rd, sim_dep_cb, &max);
	nb_read_exit(&rd);
	if (max > SIM_KEEP_DEPARTED)
		(void)nb_departed_drain(sim->st, max - SIM_KEEP_DEPARTED);
}

static int
sim_change(struct sim *sim)
{
	unsigned stable = (sim->o.ifaces + 1) / 2, pick = sim_below(&sim->ctl_rng, 100);
	unsigned index;
	int error;

	if (pick < 10 && sim->o.ifaces > stable) {
		/* Detach or re-attach one of the volatile interfaces. */
		index = stable + 1 + sim_below(&sim->ctl_rng, sim->o.ifaces - stable);
		error = sim->if_up[index] ? sim_if_detach(sim, index) : sim_if_attach(sim, index);
	} else if (pick < 45 && sim->o.addrs > 0) {
		index = 1 + sim_below(&sim->ctl_rng, sim->o.ifaces);
		if (!sim->if_up[index])
			return 1;	/* nothing to change */
		error = sim_addr_toggle(sim, index, sim_below(&sim->ctl_rng, sim->o.addrs));
	} else if (pick < 75 || sim->o.descs == 0) {
		error = sim_route_change(sim, sim_below(&sim->ctl_rng, sim->nroutes));
	} else {
		error = sim_desc_change(sim, sim_below(&sim->ctl_rng, sim->o.descs));
	}
	return error;
}

static void *
sim_control_main(void *arg)
{
	struct sim *sim = arg;
	double t0 = sim_now(), next = t0, end = t0 + sim->o.duration;
	uint64_t *slot = nb_ctrgroup_slot(sim->simg, NB_SLOT_SOURCE);
	unsigned i, tries, batch;
	int error;

	nb_thread_register();
	/*
	 * Batches of about 1 ms worth of changes, paced on absolute deadlines.
	 * A pick that finds nothing to change is drawn again (a few times at
	 * most) so that `churn` counts changes made, not picks.
	 */
	batch = sim->o.churn < 0 ? 16 : (unsigned)(sim->o.churn / 1000.0) + 1;
	while (!sim_stopping(sim)) {
		if (sim->o.duration > 0 && sim_now() >= end)
			break;
		for (i = 0, tries = 0; i < batch && tries < 4 * batch; tries++) {
			if (sim->o.changes > 0 && sim->changes >= sim->o.changes)
				goto out;
			if (sim->o.big_lock)
				pthread_mutex_lock(&sim->big);
			error = sim_change(sim);
			if (sim->o.big_lock)
				pthread_mutex_unlock(&sim->big);
			if (error > 0)
				continue;
			i++;
			if (error != 0) {
				pthread_mutex_lock(&sim->errlock);
				if (sim->err[0] == '\0')
					snprintf(sim->err, sizeof(sim->err),
					    "sim: configuration change failed: %s", strerror(-error));
				pthread_mutex_unlock(&sim->errlock);
				nb_ctr_add(slot, SIM_C_VIOLATIONS, 1);
				goto out;
			}
			nb_ctr_add(slot, SIM_C_CHANGES, 1);
			if (++sim->changes % 256 == 0)
				sim_drain_departed(sim);
		}
		if (sim->o.churn > 0) {
			next += (double)batch / sim->o.churn;
			sim_sleep_until(next);
		}
	}
out:
	nb_thread_unregister();
	return NULL;
}

/* ---- workers ---- */

/* A synthetic Ethernet + IPv4 + UDP/TCP header, `len` bytes on the wire. */
static unsigned
sim_packet(struct sim_worker *w, const uint8_t dst[4], unsigned len)
{
	uint8_t *p = w->pkt;
	uint64_t r = sim_rand(&w->rng);
	bool udp = (r & 1) != 0;
	uint16_t dport = (r & 6) == 0 ? 53 : (r & 6) == 2 ? 80 : (uint16_t)(1024 + (r >> 16) % 4096);

	memset(p, 0, sizeof(w->pkt));
	p[0] = 0x02;
	p[5] = 1;
	p[6] = 0x02;
	p[11] = 2;
	p[12] = 0x08;			/* ETHERTYPE_IP */
	p[14] = 0x45;
	p[16] = (uint8_t)((len - 14) >> 8);
	p[17] = (uint8_t)(len - 14);
	p[22] = 64;
	p[23] = udp ? 17 : 6;
	p[26] = 192;
	p[27] = 0;
	p[28] = 2;
	p[29] = (uint8_t)(r >> 40);
	memcpy(p + 30, dst, 4);
	p[34] = 0x30;
	p[35] = 0x39;
	p[36] = (uint8_t)(dport >> 8);
	p[37] = (uint8_t)dport;
	return 54;			/* captured bytes (header) */
}

struct sim_offer {
	struct sim_worker *w;
	unsigned	 wire, cap;
	int		 err;
};

static int
sim_offer_cb(const struct nb_bpf *d, void *arg)
{
	struct sim_offer *of = arg;
	struct sim_worker *w = of->w;
	struct sim *sim = w->sim;
	const struct nb_bpfattrs *a = nb_bpf_attrs(d);
	uint64_t *slot = nb_bpf_stats_slot(d, w->slot);
	struct sim_bpftally *t;
	const struct nb_bpf_insn *prog;
	size_t nprog;
	unsigned s, snap;

	if (a->id == 0 || sim->o.descs == 0)
		return 0;
	s = (unsigned)((a->id - 1) % sim->o.descs);
	t = &w->bt[s];
	if (a->id <= __atomic_load_n(&sim->done_id[s], __ATOMIC_ACQUIRE))
		sim_violation(w, "sim: packet offered to descriptor %" PRIu64
		    " after its removal completed", a->id);
	if (t->id != a->id) {
		if (a->id < t->id)
			sim_violation(w, "sim: descriptor ids went backwards in slot %u", s);
		memset(t, 0, sizeof(*t));
		t->id = a->id;
	}
	w->sc[SIM_C_BPF_OFFERS]++;
	nb_ctr_add(w->simslot, SIM_C_BPF_OFFERS, 1);
	t->v[NB_BPFSTAT_RCOUNT]++;
	nb_ctr_add(slot, NB_BPFSTAT_RCOUNT, 1);
	prog = nb_bpf_prog(d, &nprog);
	snap = nprog == 0 ? of->cap :
	    bpf_filter((const struct bpf_insn *)prog, w->pkt, of->wire, of->cap);
	if (snap == 0)
		return 0;
	t->v[NB_BPFSTAT_CCOUNT]++;
	nb_ctr_add(slot, NB_BPFSTAT_CCOUNT, 1);
	/* The buffer: its reader empties it every SIM_DRAIN of this worker's packets. */
	if (snap > of->cap)
		snap = of->cap;
	if (t->fill + snap > a->bufsize) {
		t->v[NB_BPFSTAT_DCOUNT]++;
		nb_ctr_add(slot, NB_BPFSTAT_DCOUNT, 1);
	} else {
		t->fill += snap;
	}
	return 0;
}

struct sim_addrfind {
	const struct nb_addr *a;
	bool found;
};

static int
sim_addrfind_cb(const struct nb_addr *a, void *arg)
{
	struct sim_addrfind *f = arg;

	if (a == f->a)
		f->found = true;
	return f->found;
}

/* Count on interface ifp (visible in the current section), tallying per generation. */
static void
sim_ifcount(struct sim_worker *w, const struct nb_iface *ifp, unsigned idx,
    unsigned what, unsigned bytes_what, unsigned len)
{
	struct sim_iftally *t = &w->ift[idx];
	uint64_t gen = nb_iface_gen(ifp), *slot = nb_iface_stats_slot(ifp, w->slot);

	if (gen <= __atomic_load_n(&w->sim->done_gen[idx], __ATOMIC_ACQUIRE))
		sim_violation(w, "sim: packet on interface %u (gen %" PRIu64
		    ") after its removal completed", idx, gen);
	if (t->gen != gen) {
		if (gen < t->gen)
			sim_violation(w, "sim: interface %u generation went backwards", idx);
		memset(t, 0, sizeof(*t));
		t->gen = gen;
	}
	t->v[what]++;
	nb_ctr_add(slot, what, 1);
	t->v[bytes_what] += len;
	nb_ctr_add(slot, bytes_what, len);
}

static void
sim_ipcount(struct sim_worker *w, unsigned what)
{
	w->ip[what]++;
	nb_ctr_add(w->ipslot, what, 1);
}

static void
sim_one_packet(struct sim_worker *w)
{
	struct sim *sim = w->sim;
	struct nb_read rd;
	const struct nb_iface *ifp;
	const struct nb_addr *ad;
	const struct nb_route *r;
	struct nb_route *held = NULL;
	struct sim_offer of;
	struct sim_rtcache *rc;
	uint8_t dst[4];
	unsigned idx, len, kind, oif, j;

	idx = 1 + sim_below(&w->rng, sim->o.ifaces);
	len = 60 + sim_below(&w->rng, 1455);
	kind = sim_below(&w->rng, 8);
	if (kind < 4 && sim->o.addrs > 0) {		/* to one of our addresses */
		dst[0] = 10;
		dst[1] = (uint8_t)sim_below(&w->rng, sim->o.ifaces);
		dst[2] = (uint8_t)sim_below(&w->rng, sim->o.addrs);
		dst[3] = 1;
	} else if (kind < 7) {				/* to a remote network */
		j = sim_below(&w->rng, sim->nroutes);
		dst[0] = 172;
		dst[1] = (uint8_t)(16 + j / 256);
		dst[2] = (uint8_t)j;
		dst[3] = (uint8_t)(1 + sim_below(&w->rng, 254));
	} else {					/* unroutable */
		dst[0] = 192;
		dst[1] = 0;
		dst[2] = 2;
		dst[3] = (uint8_t)sim_below(&w->rng, 256);
	}
	of.w = w;
	of.wire = len;
	of.cap = sim_packet(w, dst, len);
	w->sc[SIM_C_PACKETS]++;
	nb_ctr_add(w->simslot, SIM_C_PACKETS, 1);

	nb_read_enter(sim->st, &rd);
	if ((ifp = nb_if_lookup_index(&rd, idx)) == NULL) {
		w->sc[SIM_C_NOIFACE]++;
		nb_ctr_add(w->simslot, SIM_C_NOIFACE, 1);
		nb_read_exit(&rd);
		return;
	}
	sim_ifcount(w, ifp, idx, NB_IFSTAT_IPACKETS, NB_IFSTAT_IBYTES, len);
	if (sim->o.descs > 0)
		nb_iface_bpf_walk(&rd, ifp, sim_offer_cb, &of);
	sim_ipcount(w, SIM_IP_INRECEIVES);

	/* The to-self check: address, its interface's list and its local route together. */
	ad = nb_addr_lookup(&rd, AF_INET, dst);
	r = nb_route_lookup(&rd, AF_INET, dst, SIM_RT_LOCAL);
	w->sc[SIM_C_CHECKS]++;
	nb_ctr_add(w->simslot, SIM_C_CHECKS, 1);
	if (ad != NULL) {
		const struct nb_addrattrs *aa = nb_addr_attrs(ad);
		const struct nb_iface *aif = nb_if_lookup_index(&rd, aa->ifindex);
		struct sim_addrfind f = { ad, false };

		if (aif != NULL)
			nb_iface_addr_walk(&rd, aif, sim_addrfind_cb, &f);
		if (aif == NULL || !f.found || r == NULL ||
		    nb_route_attrs(r)->type != SIM_RTN_LOCAL || nb_route_attrs(r)->oif != aa->ifindex)
			sim_violation(w, "sim: half-published address %u.%u.%u.%u "
			    "(iface %s, on list %d, local route %s)", dst[0], dst[1], dst[2], dst[3],
			    aif != NULL ? "yes" : "no", f.found, r != NULL ? "yes" : "no");
		sim_ipcount(w, SIM_IP_INDELIVERS);
		nb_read_exit(&rd);
		return;
	}
	if (r != NULL)
		sim_violation(w, "sim: local route for %u.%u.%u.%u without its address",
		    dst[0], dst[1], dst[2], dst[3]);
	rc = NULL;
	if (dst[0] == 172 && (j = (unsigned)(dst[1] - 16) * 256 + dst[2]) < sim->nroutes)
		rc = &w->rtc[j];
	if (rc != NULL && rc->r != NULL && rc->ver == rd.ver) {
		/* rtcache hit: nothing was published since the cached lookup. */
		held = rc->r;
		nb_read_exit(&rd);
	} else {
		if ((r = nb_route_lookup(&rd, AF_INET, dst, SIM_RT_MAIN)) == NULL) {
			sim_ipcount(w, SIM_IP_OUTNOROUTES);
			nb_read_exit(&rd);
			return;
		}
		held = nb_route_hold(r);
		nb_read_exit(&rd);
		if (held == NULL) {	/* deleted under us: as if not found */
			sim_ipcount(w, SIM_IP_OUTNOROUTES);
			return;
		}
		w->sc[SIM_C_ROUTE_HOLDS]++;
		nb_ctr_add(w->simslot, SIM_C_ROUTE_HOLDS, 1);
		if (rc != NULL) {
			struct nb_route *old = rc->r;

			rc->r = held;
			rc->ver = rd.ver;
			nb_route_release(old);
		}
	}
	/* Outside the read section, on the reference only (rtcache use). */
	{
		const struct nb_routeattrs *ra = nb_route_attrs(held);

		if (ra->dst_len != 24 || memcmp(ra->dst, dst, 3) != 0 || ra->dst[3] != 0)
			sim_violation(w, "sim: held route does not match %u.%u.%u.%u",
			    dst[0], dst[1], dst[2], dst[3]);
		oif = ra->oif;
	}
	nb_read_enter(sim->st, &rd);
	if (oif >= 1 && oif <= sim->o.ifaces && (ifp = nb_if_lookup_index(&rd, oif)) != NULL) {
		sim_ifcount(w, ifp, oif, NB_IFSTAT_OPACKETS, NB_IFSTAT_OBYTES, len);
		sim_ipcount(w, SIM_IP_FORWDATAGRAMS);
	} else {
		sim_ipcount(w, SIM_IP_OUTDISCARDS);
	}
	nb_read_exit(&rd);
	if (rc == NULL)
		nb_route_release(held);
}

static void *
sim_worker_main(void *arg)
{
	struct sim_worker *w = arg;
	struct sim *sim = w->sim;
	double t0 = sim_now(), end = t0 + sim->o.duration;
	uint64_t n = 0;
	unsigned i, s;

	nb_thread_register();
	while (!sim_stopping(sim)) {
		if (sim->o.duration > 0 && sim_now() >= end)
			break;
		for (i = 0; i < SIM_BATCH; i++) {
			if (sim->o.big_lock)
				pthread_mutex_lock(&sim->big);
			sim_one_packet(w);
			if (sim->o.big_lock)
				pthread_mutex_unlock(&sim->big);
			if (++n % SIM_DRAIN == 0)
				for (s = 0; s < sim->o.descs; s++)
					w->bt[s].fill = 0;
		}
		if (sim->o.rate > 0)
			sim_sleep_until(t0 + (double)n / sim->o.rate);
	}
	for (i = 0; i < sim->nroutes; i++) {
		nb_route_release(w->rtc[i].r);
		w->rtc[i].r = NULL;
	}
	nb_thread_unregister();
	return NULL;
}

/* ---- options ---- */

static int
sim_parse(struct sim_opts *o, const char *args, char *err, size_t errlen)
{
	char *copy, *tok, *save = NULL, *eq, *end;
	double v;
	int error = 0;

	o->workers = 2;
	o->ifaces = 4;
	o->addrs = 2;
	o->descs = 2;
	o->rate = 20000;
	o->churn = 100;
	o->duration = 0;
	o->changes = 0;
	o->seed = 1;
	o->big_lock = false;
	o->bufsize = 2048;
	if (args == NULL || *args == '\0')
		return 0;
	if ((copy = strdup(args)) == NULL)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if ((eq = strchr(tok, '=')) == NULL) {
			if (strcmp(tok, "big_lock") == 0 || strcmp(tok, "big-lock") == 0) {
				o->big_lock = true;
				continue;
			}
			snprintf(err, errlen, "sim: '%s': expected key=value", tok);
			error = -EINVAL;
			break;
		}
		*eq++ = '\0';
		if ((strcmp(tok, "rate") == 0 || strcmp(tok, "churn") == 0) &&
		    (strcmp(eq, "max") == 0 || strcmp(eq, "unbounded") == 0)) {
			if (strcmp(tok, "rate") == 0)
				o->rate = 0;
			else
				o->churn = -1;
			continue;
		}
		errno = 0;
		v = strtod(eq, &end);
		if (errno != 0 || end == eq || *end != '\0' || v < 0) {
			snprintf(err, errlen, "sim: %s=%s: not a number", tok, eq);
			error = -EINVAL;
			break;
		}
		if (strcmp(tok, "workers") == 0 && v >= 1 && v <= 64)
			o->workers = (unsigned)v;
		else if (strcmp(tok, "ifaces") == 0 && v >= 1 && v <= SIM_MAXIFACES)
			o->ifaces = (unsigned)v;
		else if (strcmp(tok, "addrs") == 0 && v <= SIM_MAXADDRS)
			o->addrs = (unsigned)v;
		else if (strcmp(tok, "descs") == 0 && v <= SIM_MAXDESCS)
			o->descs = (unsigned)v;
		else if (strcmp(tok, "rate") == 0)
			o->rate = v;
		else if (strcmp(tok, "churn") == 0)
			o->churn = v;
		else if (strcmp(tok, "duration") == 0)
			o->duration = v;
		else if (strcmp(tok, "changes") == 0)
			o->changes = (uint64_t)v;
		else if (strcmp(tok, "seed") == 0)
			o->seed = (uint64_t)v;
		else if (strcmp(tok, "big_lock") == 0 || strcmp(tok, "big-lock") == 0)
			o->big_lock = v != 0;
		else if (strcmp(tok, "bufsize") == 0 && v >= 64)
			o->bufsize = (unsigned)v;
		else {
			snprintf(err, errlen, "sim: %s=%s: unknown option or out of range "
			    "(workers, ifaces, addrs, descs, rate, churn, duration, changes, seed, "
			    "big_lock, bufsize)", tok, eq);
			error = -EINVAL;
			break;
		}
	}
	free(copy);
	return error;
}

/* ---- source ops ---- */

static int
sim_compile(struct sim *sim)
{
	pcap_t *p;
	struct bpf_program bp;
	size_t i, j;
	int error = 0;

	if ((p = pcap_open_dead(DLT_EN10MB, 65535)) == NULL)
		return -ENOMEM;
	for (i = 0; i < SIM_NFILTERS && error == 0; i++) {
		if (sim_filters[i][0] == '\0')
			continue;
		if (pcap_compile(p, &bp, sim_filters[i], 1, PCAP_NETMASK_UNKNOWN) != 0) {
			snprintf(sim->err, sizeof(sim->err), "sim: pcap_compile '%s': %s",
			    sim_filters[i], pcap_geterr(p));
			error = -EINVAL;
			break;
		}
		if ((sim->filt[i].prog = calloc(bp.bf_len, sizeof(struct nb_bpf_insn))) == NULL)
			error = -ENOMEM;
		else {
			for (j = 0; j < bp.bf_len; j++) {
				sim->filt[i].prog[j].code = bp.bf_insns[j].code;
				sim->filt[i].prog[j].jt = bp.bf_insns[j].jt;
				sim->filt[i].prog[j].jf = bp.bf_insns[j].jf;
				sim->filt[i].prog[j].k = bp.bf_insns[j].k;
			}
			sim->filt[i].n = bp.bf_len;
		}
		pcap_freecode(&bp);
	}
	pcap_close(p);
	return error;
}

/* Zeroed, cache-line aligned and padded (per-worker memory). */
static void *
sim_zalloc(size_t n)
{
	void *p;

	n = (n + NB_CACHELINE - 1) / NB_CACHELINE * NB_CACHELINE;
	if ((p = aligned_alloc(NB_CACHELINE, n)) != NULL)
		memset(p, 0, n);
	return p;
}

static void sim_stop(struct sim *sim);
static void sim_free(struct sim *sim);

static int
sim_setup(struct sim *sim)
{
	struct nb_statgroup *sg;
	struct nb_routeattrs r;
	unsigned i, s;
	int error;

	if ((error = nb_statgroup_register(sim->st, "net.inet.ip.stats", "IP (sim)",
	    sim_ip_desc, SIM_IP_MAX, nb_stack_nslots(sim->st), &sg)) != 0)
		return error;
	sim->ipg = nb_statgroup_ctrs(sg);
	if ((error = nb_statgroup_register(sim->st, "net.sim.stats", "the sim source's work",
	    sim_desc, SIM_C_MAX, nb_stack_nslots(sim->st), &sg)) != 0)
		return error;
	sim->simg = nb_statgroup_ctrs(sg);
	if ((error = sim_compile(sim)) != 0)
		return error;
	nb_stack_reserve(sim->st, sim->o.ifaces, (size_t)sim->o.ifaces * sim->o.addrs);
	for (i = 1; i <= sim->o.ifaces; i++)
		if ((error = sim_if_attach(sim, i)) != 0)
			return error;
	for (i = 0; i < sim->nroutes; i++) {
		sim_route(&r, i, 1 + (i % sim->o.ifaces), 254);
		if ((error = nb_route_upsert(sim->st, &r)) != 0)
			return error;
		sim->rt_up[i] = true;
	}
	for (s = 0; s < sim->o.descs; s++) {
		uint64_t id = s + 1;

		if ((error = sim_desc_upsert(sim, s, id, 1 + (s % sim->o.ifaces), s)) != 0)
			return error;
		sim->desc_id[s] = sim->last_id[s] = id;
	}
	return 0;
}

static int
sim_open(struct nb_stack *st, const struct nb_source_opts *opts, void **priv)
{
	struct sim *sim;
	unsigned i, nslots = nb_stack_nslots(st);
	int error;

	if ((sim = calloc(1, sizeof(*sim))) == NULL)
		return -ENOMEM;
	sim->st = st;
	pthread_mutex_init(&sim->big, NULL);
	pthread_mutex_init(&sim->errlock, NULL);
	*priv = sim;		/* error() may be asked for the detail even on failure */
	if ((error = sim_parse(&sim->o, opts->args, sim->err, sizeof(sim->err))) != 0)
		goto fail;
	if (sim->o.workers + 1 > nslots) {
		snprintf(sim->err, sizeof(sim->err), "sim: workers=%u needs %u per-CPU slots, "
		    "the stack has %u", sim->o.workers, sim->o.workers + 1, nslots);
		error = -E2BIG;
		goto fail;
	}
	sim->nroutes = 2 * sim->o.ifaces;
	sim->ctl_rng = sim->o.seed * 0x9E3779B97F4A7C15ULL + 1;
	if ((sim->w = sim_zalloc(sim->o.workers * sizeof(*sim->w))) == NULL ||
	    (sim->if_up = calloc(sim->o.ifaces + 1, sizeof(bool))) == NULL ||
	    (sim->if_gen = calloc(sim->o.ifaces + 1, sizeof(uint64_t))) == NULL ||
	    (sim->done_gen = calloc(sim->o.ifaces + 1, sizeof(uint64_t))) == NULL ||
	    (sim->addr_up = calloc((size_t)(sim->o.ifaces + 1) * (sim->o.addrs + 1),
	    sizeof(bool))) == NULL ||
	    (sim->rt_up = calloc(sim->nroutes, sizeof(bool))) == NULL ||
	    (sim->desc_id = calloc(sim->o.descs + 1, sizeof(uint64_t))) == NULL ||
	    (sim->last_id = calloc(sim->o.descs + 1, sizeof(uint64_t))) == NULL ||
	    (sim->done_id = calloc(sim->o.descs + 1, sizeof(uint64_t))) == NULL) {
		error = -ENOMEM;
		goto fail;
	}
	if ((error = sim_setup(sim)) != 0)
		goto fail;
	for (i = 0; i < sim->o.workers; i++) {
		struct sim_worker *w = &sim->w[i];

		w->sim = sim;
		w->id = i;
		w->rng = (sim->o.seed + 1) * 0xD1B54A32D192ED03ULL + i * 0x9E3779B97F4A7C15ULL + 1;
		if ((w->ift = sim_zalloc((sim->o.ifaces + 1) * sizeof(*w->ift))) == NULL ||
		    (w->bt = sim_zalloc((sim->o.descs + 1) * sizeof(*w->bt))) == NULL ||
		    (w->rtc = sim_zalloc(sim->nroutes * sizeof(*w->rtc))) == NULL) {
			error = -ENOMEM;
			goto fail;
		}
		if ((error = nb_slot_acquire(st, &w->slot)) != 0) {
			snprintf(sim->err, sizeof(sim->err), "sim: no free per-CPU slot for worker %u", i);
			goto fail;
		}
		w->has_slot = true;
		w->ipslot = nb_ctrgroup_slot(sim->ipg, w->slot);
		w->simslot = nb_ctrgroup_slot(sim->simg, w->slot);
	}
	for (i = 0; i < sim->o.workers; i++) {
		if ((error = -pthread_create(&sim->w[i].tid, NULL, sim_worker_main, &sim->w[i])) != 0)
			goto fail;
		sim->w[i].started = true;
	}
	if (sim->o.churn != 0) {
		if ((error = -pthread_create(&sim->ctl, NULL, sim_control_main, sim)) != 0)
			goto fail;
		sim->ctl_started = true;
	}
	return 0;
fail:
	sim_stop(sim);
	/* Keep the detail for nb_source_error? The source is not created: drop it. */
	sim_free(sim);
	*priv = NULL;
	return error;
}

static void
sim_stop(struct sim *sim)
{
	unsigned i;

	if (sim->stopped)
		return;
	__atomic_store_n(&sim->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; sim->w != NULL && i < sim->o.workers; i++)
		if (sim->w[i].started)
			pthread_join(sim->w[i].tid, NULL);
	if (sim->ctl_started)
		pthread_join(sim->ctl, NULL);
	sim->stopped = true;
}

static void
sim_free(struct sim *sim)
{
	unsigned i;

	/* Done-records point into the sim: let every deferred callback run. */
	nb_stack_barrier(sim->st);
	for (i = 0; sim->w != NULL && i < sim->o.workers; i++) {
		if (sim->w[i].has_slot)
			nb_slot_release(sim->st, sim->w[i].slot);
		free(sim->w[i].ift);
		free(sim->w[i].bt);
		free(sim->w[i].rtc);
	}
	for (i = 0; i < SIM_NFILTERS; i++)
		free(sim->filt[i].prog);
	free(sim->w);
	free(sim->if_up);
	free(sim->if_gen);
	free(sim->done_gen);
	free(sim->addr_up);
	free(sim->rt_up);
	free(sim->desc_id);
	free(sim->last_id);
	free(sim->done_id);
	pthread_mutex_destroy(&sim->big);
	pthread_mutex_destroy(&sim->errlock);
	free(sim);
}

static int
sim_refresh(void *priv, unsigned fams)
{
	struct sim *sim = priv;

	int error;

	(void)fams;
	/* The state is live: only report a control thread that gave up. */
	pthread_mutex_lock(&sim->errlock);
	error = strstr(sim->err, "configuration change failed") != NULL ? -EIO : 0;
	pthread_mutex_unlock(&sim->errlock);
	return error;
}

static const char *
sim_error(void *priv)
{
	struct sim *sim = priv;
	const char *e;

	if (sim == NULL)
		return "";
	pthread_mutex_lock(&sim->errlock);
	e = sim->err;
	pthread_mutex_unlock(&sim->errlock);
	return e;
}

/* ---- the end-of-run check ---- */

static int
sim_fail(struct sim *sim, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&sim->errlock);
	if (sim->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(sim->err, sizeof(sim->err), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&sim->errlock);
	return -EPROTO;
}

struct sim_check {
	struct sim	*sim;
	int		 error;
	unsigned	 ifaces, descs;
};

static int
sim_check_if_cb(const struct nb_iface *ifp, void *arg)
{
	struct sim_check *c = arg;
	struct sim *sim = c->sim;
	uint32_t idx = nb_iface_attrs(ifp)->index;
	uint64_t gen = nb_iface_gen(ifp), got[NB_IFSTAT_MAX], want;
	unsigned i, k;

	if (idx < 1 || idx > sim->o.ifaces)
		return 0;
	c->ifaces++;
	nb_iface_stats(ifp, got);
	for (k = 0; k < NB_IFSTAT_MAX; k++) {
		want = 0;
		for (i = 0; i < sim->o.workers; i++)
			if (sim->w[i].ift[idx].gen == gen)
				want += sim->w[i].ift[idx].v[k];
		if (got[k] != want) {
			c->error = sim_fail(sim, "sim: %s.stats.%s: per-CPU sum %" PRIu64
			    " != workers' tally %" PRIu64, nb_iface_attrs(ifp)->name,
			    nb_ifstat_desc[k].name, got[k], want);
			return 1;
		}
	}
	return 0;
}

static int
sim_check_bpf_cb(const struct nb_bpf *d, void *arg)
{
	struct sim_check *c = arg;
	struct sim *sim = c->sim;
	uint64_t id = nb_bpf_attrs(d)->id, got[NB_BPFSTAT_MAX], want;
	unsigned i, k, s;

	if (id == 0 || sim->o.descs == 0)
		return 0;
	s = (unsigned)((id - 1) % sim->o.descs);
	c->descs++;
	nb_bpf_stats(d, got);
	for (k = 0; k < NB_BPFSTAT_MAX; k++) {
		want = 0;
		for (i = 0; i < sim->o.workers; i++)
			if (sim->w[i].bt[s].id == id)
				want += sim->w[i].bt[s].v[k];
		if (got[k] != want) {
			c->error = sim_fail(sim, "sim: descriptor %" PRIu64 " %s: per-CPU sum %"
			    PRIu64 " != workers' tally %" PRIu64, id, nb_bpfstat_desc[k].name,
			    got[k], want);
			return 1;
		}
	}
	return 0;
}

static int
sim_check(void *priv)
{
	struct sim *sim = priv;
	struct sim_check c = { sim, 0, 0, 0 };
	struct nb_read rd;
	uint64_t want, got;
	unsigned i, k;

	sim_stop(sim);
	nb_thread_register();
	if (sim->err[0] != '\0')
		return -EPROTO;
	for (k = 0; k < SIM_IP_MAX; k++) {
		for (want = 0, i = 0; i < sim->o.workers; i++)
			want += sim->w[i].ip[k];
		if ((got = nb_ctrgroup_sum(sim->ipg, k)) != want)
			return sim_fail(sim, "sim: net.inet.ip.stats.%s: per-CPU sum %" PRIu64
			    " != workers' tally %" PRIu64, sim_ip_desc[k].name, got, want);
	}
	for (k = 0; k < SIM_C_MAX; k++) {
		if (k == SIM_C_CHANGES)
			continue;	/* the control thread's, in slot 0 */
		for (want = 0, i = 0; i < sim->o.workers; i++)
			want += sim->w[i].sc[k];
		if ((got = nb_ctrgroup_sum(sim->simg, k)) != want)
			return sim_fail(sim, "sim: net.sim.stats.%s: per-CPU sum %" PRIu64
			    " != workers' tally %" PRIu64, sim_desc[k].name, got, want);
	}
	if (nb_ctrgroup_sum(sim->simg, SIM_C_CHANGES) != sim->changes)
		return sim_fail(sim, "sim: net.sim.stats.changes %" PRIu64 " != %" PRIu64,
		    nb_ctrgroup_sum(sim->simg, SIM_C_CHANGES), sim->changes);
	nb_read_enter(sim->st, &rd);
	nb_if_walk(&rd, sim_check_if_cb, &c);
	if (c.error == 0)
		nb_bpf_walk(&rd, sim_check_bpf_cb, &c);
	nb_read_exit(&rd);
	return c.error;
}

static void
sim_close(void *priv)
{
	struct sim *sim = priv;

	sim_stop(sim);
	sim_free(sim);
}

const struct nb_source_ops nb_source_sim_ops = {
	.kind = "sim",
	.nslots = 0,	/* one slot per worker, and slot 0 */
	.families = NB_FAM_LINKS | NB_FAM_ADDRS | NB_FAM_IFSTATS | NB_FAM_ROUTES |
	    NB_FAM_PROTO | NB_FAM_BPF,
	.open = sim_open,
	.refresh = sim_refresh,
	.error = sim_error,
	.check = sim_check,
	.close = sim_close,
};
