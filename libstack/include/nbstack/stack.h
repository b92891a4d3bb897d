/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nbstack/stack.h - libstack: the network-stack objects the tools observe,
 * held in MP-safe structures (RCU reads, serialised writers, per-CPU
 * counters), filled by sources (linux, sim).
 *
 * Conventions
 *  - Every function returns 0 or a negative errno unless it says otherwise;
 *    the library never prints and never exits.
 *  - Opaque handles come in create/destroy pairs; destroy takes a pointer to
 *    the handle and NULLs it.
 *  - Each function states its calling context:
 *      "Exclusive":  no other thread may use the object.
 *      "Writer":     any thread; the library serialises writers of a family
 *                    with that family's mutex (callers need no lock). May
 *                    block on that mutex; never waits for readers.
 *      "Reader":     inside nb_read_enter()/nb_read_exit() on a thread that
 *                    called nb_thread_register(). Never blocks. Pointers
 *                    returned are valid only until nb_read_exit().
 *      "Slot owner": only the thread that owns the per-CPU slot.
 *  - Identity of an interface is (index, generation), never a pointer:
 *    indexes are reused by the kernel, generations are not.
 */
#ifndef NBSTACK_STACK_H
#define NBSTACK_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NB_IFNAMSIZ	16	/* IFNAMSIZ, including the NUL */
#define NB_LLADDR_MAX	32	/* MAX_ADDR_LEN */
#define NB_KIND_MAX	16	/* IFLA_INFO_KIND ("veth", "bridge", ...) */
#define NB_CACHELINE	64

/*
 * nb_ifname_len - the length of the text in a 16-byte name field (an
 * interface's name, kind or label; any 16 readable bytes) up to its first
 * NUL, 16 if it has none: strnlen(s, 16), a word at a time where the
 * machine is little-endian (the first zero byte of a word w is its lowest
 * byte whose bit 7 is set in (w - 0x01..01) & ~w & 0x80..80: a borrow
 * sets bits only above a zero byte).
 */
static inline size_t
nb_ifname_len(const char s[NB_IFNAMSIZ])
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && NB_IFNAMSIZ == 16
	const uint64_t lo = UINT64_C(0x0101010101010101), hi = UINT64_C(0x8080808080808080);
	uint64_t w, z;

	memcpy(&w, s, 8);
	if ((z = (w - lo) & ~w & hi) != 0)
		return (size_t)__builtin_ctzll(z) >> 3;
	memcpy(&w, s + 8, 8);
	if ((z = (w - lo) & ~w & hi) != 0)
		return 8 + ((size_t)__builtin_ctzll(z) >> 3);
	return NB_IFNAMSIZ;
#else
	size_t n;

	for (n = 0; n < NB_IFNAMSIZ && s[n] != '\0'; n++)
		;
	return n;
#endif
}

struct nb_stack;
struct nb_iface;
struct nb_addr;
struct nb_ctrgroup;
struct nb_statgroup;
struct nb_source;
struct nb_routeattrs;

/* ------------------------------------------------------------------ */
/* Stack lifecycle (Exclusive)                                         */
/* ------------------------------------------------------------------ */

struct nb_stack_config {
	unsigned	nslots;		/* per-CPU counter slots; 0 = online CPUs + 1 */
};

/*
 * nb_stack_create - make an empty stack. The calling thread is registered
 * as an RCU reader thread (nb_thread_register) as a convenience. The stack
 * has one thread of its own, the reclaimer: it runs deferred frees in
 * batches, one grace period each (a batch closes 50 ms after its first
 * free is queued; stack.grace_periods counts them). Only the forking
 * thread survives fork(): a child must not use its parent's stacks.
 */
int	nb_stack_create(const struct nb_stack_config *cfg, struct nb_stack **out);
/*
 * nb_stack_destroy - free everything, after waiting for the deferred frees
 * (nb_stack_barrier) and stopping the reclaimer. Exclusive: no readers,
 * writers or sources may remain. NULLs *sp.
 */
void	nb_stack_destroy(struct nb_stack **sp);

unsigned nb_stack_nslots(const struct nb_stack *st);

/*
 * nb_stack_barrier - wait until no deferred free is pending: every one
 * queued before the call and the frees those queue in turn have run, so
 * that stack.objects_freed and memory use are settled. Frees that other
 * threads queue meanwhile are waited for too: with writers that never
 * pause it waits until they do. Closes the open batch at once rather than
 * when it is due, then blocks for grace periods; never call it inside a
 * read section. Returns at once when nothing is pending.
 */
void	nb_stack_barrier(struct nb_stack *st);

/* ------------------------------------------------------------------ */
/* Threads and read sections                                           */
/* ------------------------------------------------------------------ */

/* Every thread that enters a read section must register first (liburcu). */
void	nb_thread_register(void);
void	nb_thread_unregister(void);

/*
 * A read section. nb_read_enter() takes the RCU read lock and a snapshot of
 * the stack's publication version; every walk and lookup made with the same
 * struct nb_read shows only objects published at or before that version and
 * not yet removed then, so one read section walks a consistent object graph
 * (membership; attributes are swapped whole, never torn; counters are live).
 * Every commit that adds or removes an object raises the version, so two
 * read sections of one stack with the same ver see the same objects, and
 * none of those is freed before the later section ends (sysctl-tree keeps
 * its sorted interface list across reads on this). Read sections nest;
 * they never block.
 */
struct nb_read {
	struct nb_stack	*st;
	uint64_t	 ver;
};
void	nb_read_enter(struct nb_stack *st, struct nb_read *rd);
void	nb_read_exit(struct nb_read *rd);

/* ------------------------------------------------------------------ */
/* Per-CPU counter groups                                              */
/* ------------------------------------------------------------------ */

enum nb_ctr_kind {
	NB_CTR_COUNTER = 0,	/* monotonic, summed over slots */
	NB_CTR_GAUGE = 1,	/* a level; never summed: the sum reads slot 0 + ... is wrong,
				   so a gauge is only ever written to one slot */
	NB_CTR_GAUGE_SIGNED = 2,	/* a gauge that may be negative (a kernel long such
					   as Tcp MaxConn -1): its slot holds the int64_t's
					   bits and the tree reads it as an INT */
};

struct nb_ctr_desc {
	const char	*name;		/* MIB leaf name, lower case */
	const char	*descr;		/* one line */
	enum nb_ctr_kind kind;
};

/*
 * A group is nctrs uint64_t counters times nslots slots; each slot is
 * cache-line aligned and padded so that two writers never share a line.
 * A slot has exactly one writer at a time (its owner); updates are relaxed
 * load + relaxed store, no read-modify-write atomics; readers sum the slots
 * with relaxed loads (a sum is not atomic across slots, like percpu_foreach),
 * skipping those never handed out by nb_ctrgroup_slot (still zero).
 */
int	nb_ctrgroup_create(unsigned nctrs, unsigned nslots, struct nb_ctrgroup **out);
void	nb_ctrgroup_destroy(struct nb_ctrgroup **gp);
unsigned nb_ctrgroup_nctrs(const struct nb_ctrgroup *g);
unsigned nb_ctrgroup_nslots(const struct nb_ctrgroup *g);

/*
 * Slot owner: the base of slot's counter array (percpu_getref): the only
 * way to a slot's counters, so write them through it only. Handing a slot
 * out marks it as one the sums read.
 */
uint64_t *nb_ctrgroup_slot(struct nb_ctrgroup *g, unsigned slot);

/* Slot owner: add v to counter idx of the slot whose base is `local`. */
static inline void
nb_ctr_add(uint64_t *local, unsigned idx, uint64_t v)
{
	uint64_t o = __atomic_load_n(&local[idx], __ATOMIC_RELAXED);

	__atomic_store_n(&local[idx], o + v, __ATOMIC_RELAXED);
}

/* Slot owner: overwrite (sources that mirror kernel totals). */
static inline void
nb_ctr_store(uint64_t *local, unsigned idx, uint64_t v)
{
	__atomic_store_n(&local[idx], v, __ATOMIC_RELAXED);
}

/* Any thread (the group must be alive: hold a read section or a ref). */
uint64_t nb_ctrgroup_sum(const struct nb_ctrgroup *g, unsigned idx);
void	nb_ctrgroup_sum_all(const struct nb_ctrgroup *g, uint64_t *out /* [nctrs] */);
/*
 * Per-CPU vector of counter idx and its sum, taken in the same pass.
 * vec has room for n entries; fills min(n, nslots); returns nslots.
 */
int	nb_ctrgroup_percpu(const struct nb_ctrgroup *g, unsigned idx,
	    uint64_t *vec, unsigned n, uint64_t *total);

/* Per-CPU slots of the stack: a thread that will update counters takes one. */
int	nb_slot_acquire(struct nb_stack *st, unsigned *slot);
void	nb_slot_release(struct nb_stack *st, unsigned slot);

/* ------------------------------------------------------------------ */
/* Interfaces                                                          */
/* ------------------------------------------------------------------ */

/* The twelve interface counters of DESIGN.md, in MIB order. */
enum nb_ifstat {
	NB_IFSTAT_IPACKETS,
	NB_IFSTAT_IERRORS,
	NB_IFSTAT_IQDROPS,
	NB_IFSTAT_IBYTES,
	NB_IFSTAT_IMCASTS,
	NB_IFSTAT_OPACKETS,
	NB_IFSTAT_OERRORS,
	NB_IFSTAT_OQDROPS,
	NB_IFSTAT_OBYTES,
	NB_IFSTAT_OMCASTS,
	NB_IFSTAT_COLLISIONS,
	NB_IFSTAT_NOPROTO,
	NB_IFSTAT_MAX
};
extern const struct nb_ctr_desc nb_ifstat_desc[NB_IFSTAT_MAX];

/*
 * Which of the twelve counters the stack's source really provides (bit i =
 * enum nb_ifstat i); the others are absent from the tree, never a made-up
 * zero (Linux has no TX multicast count). Default: all. Writer.
 */
void	nb_stack_set_ifstat_mask(struct nb_stack *st, uint32_t mask);
uint32_t nb_stack_ifstat_mask(const struct nb_stack *st);

struct nb_ifattrs {
	uint32_t	index;
	char		name[NB_IFNAMSIZ];
	char		kind[NB_KIND_MAX];	/* "" when the kernel gives none */
	uint32_t	type;			/* ARPHRD_* */
	uint32_t	flags;			/* IFF_* */
	uint32_t	mtu;
	uint32_t	master;			/* ifindex, 0 = none */
	uint32_t	txqlen;
	uint32_t	link;			/* IFLA_LINK (peer ifindex), 0 = none */
	uint8_t		operstate;		/* IF_OPER_* */
	uint8_t		lladdr_len;
	uint8_t		lladdr[NB_LLADDR_MAX];
	uint8_t		brd_len;
	uint8_t		brd[NB_LLADDR_MAX];
	/*
	 * NB_IFA_* bits: attributes the source does not know (a root file
	 * system without sysfs): their leaves are absent from the tree, never
	 * a made-up zero. 0 (all known) for the kernel's own dumps.
	 */
	uint32_t unknown;
};
#define NB_IFA_INDEX 0x001u /* .index is the source's own key, not an ifindex */
#define NB_IFA_KIND 0x002u
#define NB_IFA_TYPE 0x004u
#define NB_IFA_FLAGS 0x008u
#define NB_IFA_MTU 0x010u
#define NB_IFA_MASTER 0x020u
#define NB_IFA_TXQLEN 0x040u
#define NB_IFA_LINK 0x080u
#define NB_IFA_OPERSTATE 0x100u
#define NB_IFA_LLADDR 0x200u
#define NB_IFA_ADDRS 0x400u /* the address list is unknown, not empty */

/*
 * nb_if_upsert - Writer. Create the interface `a->index`, or update it.
 * An existing index keeps its identity (generation) across attribute
 * changes and renames; attributes are published as one immutable block.
 * A new interface gets a new generation (returned in *gen if not NULL),
 * starts with zero counters and becomes visible in the list and in both
 * name/index tables in one step.
 */
int	nb_if_upsert(struct nb_stack *st, const struct nb_ifattrs *a, uint64_t *gen);

/*
 * nb_if_upsert_many - Writer. nb_if_upsert of a[0], a[1], ... a[n-1] in
 * that order, storing exactly what those calls store, with the interface
 * writer lock taken once for all of them (a bulk load: a source's first
 * dump); the interfaces it creates become visible together, in one commit
 * made before any update of the batch is published. Stops at the first that fails: returns its error
 * with its position in *done (a[*done] was not taken, those before were);
 * 0 with *done = n when all were taken. Other writers of interfaces and
 * addresses wait meanwhile; readers never do.
 */
int	nb_if_upsert_many(struct nb_stack *st, const struct nb_ifattrs *a, size_t n,
	    size_t *done);

/*
 * nb_stack_reserve - Writer. A hint before a bulk load: about `nifs` more
 * interfaces and `naddrs` more addresses are coming. Grows the lookup
 * tables once to fit them (instead of step by step as they fill); has no
 * visible effect otherwise. Best effort: it cannot fail.
 */
void	nb_stack_reserve(struct nb_stack *st, size_t nifs, size_t naddrs);

/*
 * nb_if_delete - Writer. Remove interface `index` with its addresses. Its
 * final counters (`final`, or the current sums when NULL) and attributes
 * go to the departed list. The object is freed after a grace period.
 * -ENOENT if there is no such interface.
 */
int	nb_if_delete(struct nb_stack *st, uint32_t index, const uint64_t *final /* [NB_IFSTAT_MAX] or NULL */);

/*
 * nb_if_stats_store - Slot owner of `slot`, any thread. Overwrite the
 * slot's twelve counters of interface `index` (sources that mirror kernel
 * totals own slot 0). -ENOENT if there is no such interface.
 */
int	nb_if_stats_store(struct nb_stack *st, uint32_t index, unsigned slot,
	    const uint64_t v[NB_IFSTAT_MAX]);

/* One interface's counters for nb_if_stats_store_many. */
struct nb_ifstats_rec {
	uint32_t	index;
	uint64_t	v[NB_IFSTAT_MAX];
};

/*
 * nb_if_stats_store_many - nb_if_stats_store of r[0], ... r[n-1] in that
 * order, with one lookup section for all (a source's dump of every
 * interface's counters). Stops at the first that fails (-ENOENT): returns
 * its error with its position in *done (those before were stored); 0 with
 * *done = n when all were stored.
 */
int	nb_if_stats_store_many(struct nb_stack *st, unsigned slot,
	    const struct nb_ifstats_rec *r, size_t n, size_t *done);

/* Reader. NULL when absent (or not visible in this read section). */
const struct nb_iface *nb_if_lookup_index(const struct nb_read *rd, uint32_t index);
const struct nb_iface *nb_if_lookup_name(const struct nb_read *rd, const char *name);

/* Reader. Walk interfaces in creation order; a non-zero cb return stops
 * the walk and is returned. */
int	nb_if_walk(const struct nb_read *rd,
	    int (*cb)(const struct nb_iface *ifp, void *arg), void *arg);
size_t	nb_if_count(const struct nb_read *rd);

/* Reader accessors. */
const struct nb_ifattrs *nb_iface_attrs(const struct nb_iface *ifp);
uint64_t nb_iface_gen(const struct nb_iface *ifp);
void	nb_iface_stats(const struct nb_iface *ifp, uint64_t out[NB_IFSTAT_MAX]);
const struct nb_ctrgroup *nb_iface_ctrs(const struct nb_iface *ifp);
/* Slot owner (sim workers), inside a read section or holding a ref. */
uint64_t *nb_iface_stats_slot(const struct nb_iface *ifp, unsigned slot);

/*
 * Long holds (psref-like): take inside a read section, use after leaving
 * it, possibly sleeping. NULL if the interface is being removed. The
 * object is freed only after the last release and a grace period.
 */
struct nb_iface *nb_iface_hold(const struct nb_iface *ifp);
void	nb_iface_release(struct nb_iface *ifp);

/* ------------------------------------------------------------------ */
/* Addresses                                                           */
/* ------------------------------------------------------------------ */

struct nb_addrattrs {
	uint32_t	ifindex;
	uint8_t		family;		/* AF_INET, AF_INET6 */
	uint8_t		prefixlen;
	uint8_t		scope;		/* RT_SCOPE_* */
	uint8_t		has_peer;
	uint8_t		has_brd;
	uint32_t	flags;		/* IFA_F_* */
	uint8_t		addr[16];	/* IFA_LOCAL (or IFA_ADDRESS) */
	uint8_t		peer[16];	/* IFA_ADDRESS when it differs (p2p) */
	uint8_t		brd[16];	/* IFA_BROADCAST */
	char		label[NB_IFNAMSIZ];
	uint32_t	valid_lft;	/* seconds, UINT32_MAX = forever */
	uint32_t	preferred_lft;
	/* NB_ADDRA_* bits: what the source does not know (a root file
	 * system): left out of the tree. 0 for the kernel's own dumps. */
	uint32_t unknown;
};
#define NB_ADDRA_SCOPE 0x1u
#define NB_ADDRA_FLAGS 0x2u

/*
 * nb_addr_add - Writer. Add (or update the flags/lifetimes of) the address
 * keyed by (ifindex, family, addr, prefixlen). Publication is atomic: the
 * address becomes visible in the address hash and the interface's list in
 * one step. -ENOENT if the interface does not exist.
 */
int	nb_addr_add(struct nb_stack *st, const struct nb_addrattrs *a);
/*
 * nb_addr_add_many - Writer. nb_addr_add of a[0], a[1], ... a[n-1] in that
 * order, storing exactly what those calls store, with the interface and
 * address writer locks taken once for all of them (a bulk load: a source's
 * first dump); the new addresses become visible together, in one commit.
 * Stops at the first that fails: returns its error with its position in
 * *done (a[*done] was not taken, those before were); 0 with *done = n when
 * all were taken. Other writers of interfaces and addresses wait
 * meanwhile; readers never do.
 */
int	nb_addr_add_many(struct nb_stack *st, const struct nb_addrattrs *a, size_t n,
	    size_t *done);
/* nb_addr_del - Writer. Remove it (atomically from both). -ENOENT if absent. */
int	nb_addr_del(struct nb_stack *st, const struct nb_addrattrs *key);

/*
 * nb_addr_add_route - Writer. Add a new address together with its local
 * route `rt` (the host route through which packets to it are delivered):
 * the address becomes visible in the address hash, the interface's list
 * and the route table in one commit, or not at all. -EEXIST if the address
 * (or the route's identity) exists; -ENOENT if the interface does not.
 * nb_addr_del_route removes both in one commit (-ENOENT unless both exist).
 */
int	nb_addr_add_route(struct nb_stack *st, const struct nb_addrattrs *a,
	    const struct nb_routeattrs *rt);
int	nb_addr_del_route(struct nb_stack *st, const struct nb_addrattrs *key,
	    const struct nb_routeattrs *rt);

/* Reader. The address hash (in_ifaddrhash): first match of family/addr. */
const struct nb_addr *nb_addr_lookup(const struct nb_read *rd, int family, const void *addr);
/* Reader. The interface's addresses, in insertion order. */
int	nb_iface_addr_walk(const struct nb_read *rd, const struct nb_iface *ifp,
	    int (*cb)(const struct nb_addr *a, void *arg), void *arg);
/*
 * Reader. Every address: each visible interface's in turn (nb_if_walk's
 * order), as nb_if_walk with nb_iface_addr_walk would give them, without
 * a callback per interface. Stops at the first nonzero cb and returns it.
 */
int	nb_addr_walk(const struct nb_read *rd,
	    int (*cb)(const struct nb_addr *a, void *arg), void *arg);
size_t	nb_addr_count(const struct nb_read *rd);
const struct nb_addrattrs *nb_addr_attrs(const struct nb_addr *a);

/* ------------------------------------------------------------------ */
/* Multicast memberships (iface.c)                                     */
/* ------------------------------------------------------------------ */

/*
 * A multicast address an interface listens to (the in_multi / in6_multi
 * of the seeds): AF_INET and AF_INET6 groups joined (IGMP/MLD), AF_PACKET
 * link-layer addresses of the device's filter. users: the kernel's count.
 */
struct nb_mcastattrs {
	uint8_t		family;		/* AF_INET, AF_INET6, AF_PACKET */
	uint8_t		addr_len;	/* 4, 16, or the link-layer length */
	uint8_t		pad[2];
	uint32_t	users;
	uint8_t		addr[NB_LLADDR_MAX];
};

/*
 * nb_mcast_set - Writer. Replace interface `ifindex`'s list of `family`
 * whole with v[0..n-1] (n = 0 empties it). The new list is published in
 * one step (readers see the old list or the new one); the old one is freed
 * after a grace period; nothing is written when the list is unchanged.
 * -ENOENT if there is no such interface, -EAFNOSUPPORT for another family,
 * -EINVAL for an entry of another family or a bad addr_len.
 */
int	nb_mcast_set(struct nb_stack *st, uint32_t ifindex, int family,
	    const struct nb_mcastattrs *v, size_t n);
/* Reader. The interface's memberships: AF_INET, then AF_INET6, then
 * AF_PACKET, each in the order given; a non-zero cb return stops the walk. */
int	nb_iface_mcast_walk(const struct nb_read *rd, const struct nb_iface *ifp,
	    int (*cb)(const struct nb_mcastattrs *m, void *arg), void *arg);

/* ------------------------------------------------------------------ */
/* Routes and neighbours (route.c)                                     */
/* ------------------------------------------------------------------ */

struct nb_route;
struct nb_neigh;

/*
 * A nexthop of a multipath route (RTA_MULTIPATH's struct rtnexthop):
 * gateway (has_gw), output interface, RTNH_F_* flags and weight
 * (rtnh_hops + 1).
 */
struct nb_nexthop {
	uint8_t		gw[16];
	uint32_t	oif;		/* ifindex, 0 = none */
	uint8_t		has_gw;
	uint8_t		flags;		/* RTNH_F_* */
	uint16_t	weight;		/* 1..256 */
};

#define NB_ROUTE_NH_MAX	1024		/* nexthops of one route, at most */

/*
 * A route. Identity: (family, table, dst, dst_len, tos, metric, oif, type).
 * A multipath route (RTA_MULTIPATH) is one object: oif, gw and flags are
 * its first nexthop's, nhops the number of nexthops (1 for a plain route)
 * and nh the nexthops themselves (nhops entries in the kernel's order)
 * when nhops > 1, else NULL. Upsert copies the caller's nh array into the
 * route's attribute block; in what nb_route_attrs returns, nh points into
 * that block and lives as long as it (delete and the identity never look
 * at nh). mtu is RTAX_MTU (0: none), prefsrc RTA_PREFSRC (has_prefsrc),
 * pref RTA_PREF (ICMPV6_ROUTER_PREF_*, has_pref: IPv6 only), nhid
 * RTA_NH_ID (0: no nexthop object).
 */
struct nb_routeattrs {
	uint8_t		family;		/* AF_INET, AF_INET6 */
	uint8_t		dst_len;	/* prefix length */
	uint8_t		tos;
	uint8_t		protocol;	/* RTPROT_* */
	uint8_t		scope;		/* RT_SCOPE_* */
	uint8_t		type;		/* RTN_* */
	uint8_t		has_gw;
	uint8_t		has_prefsrc;
	uint32_t	table;		/* RT_TABLE_* or any id (RTA_TABLE) */
	uint32_t	oif;		/* ifindex, 0 = none */
	uint32_t	metric;		/* RTA_PRIORITY */
	uint32_t	flags;		/* rtm_flags | RTNH_F_* of the first nexthop */
	uint32_t	nhops;
	uint32_t	mtu;		/* RTAX_MTU of RTA_METRICS, 0 = none */
	uint32_t	nhid;		/* RTA_NH_ID, 0 = none */
	uint8_t		pref;		/* RTA_PREF */
	uint8_t		has_pref;
	uint8_t		pad[2];
	uint8_t		dst[16];
	uint8_t		gw[16];
	uint8_t		prefsrc[16];
	const struct nb_nexthop *nh;	/* nhops entries when nhops > 1, else NULL */
};

/*
 * nb_route_upsert - Writer. Add the route, or replace the attributes of
 * the route with the same identity (published as one block). The route
 * becomes visible in the route list and the "route" hash in one commit.
 * -EAFNOSUPPORT, -EINVAL for a bad family or prefix length, or more than
 * NB_ROUTE_NH_MAX nexthops.
 */
int	nb_route_upsert(struct nb_stack *st, const struct nb_routeattrs *a);
/* nb_route_delete - Writer. Remove the route with a's identity. -ENOENT if absent. */
int	nb_route_delete(struct nb_stack *st, const struct nb_routeattrs *a);
/* Reader. Routes in insertion order; a non-zero cb return stops the walk. */
int	nb_route_walk(const struct nb_read *rd,
	    int (*cb)(const struct nb_route *r, void *arg), void *arg);
size_t	nb_route_count(const struct nb_read *rd);
const struct nb_routeattrs *nb_route_attrs(const struct nb_route *r);
/*
 * Reader. Longest-prefix match for `addr` among the unicast/local routes
 * of `table` (0 = main); the lowest metric wins among equal prefixes.
 * NULL when nothing matches (no default route).
 */
const struct nb_route *nb_route_lookup(const struct nb_read *rd, int family,
	    const void *addr, uint32_t table);
/*
 * Long holds (rtcache-like): take inside a read section, use after leaving
 * it. NULL if the route is being removed. A deleted route is freed only
 * after the last release and a grace period; nb_route_delete never waits.
 * A holder may call nb_route_attrs outside a read section: an attribute
 * block it may have loaded is kept until the route is freed (updates
 * never wait for holders either).
 */
struct nb_route *nb_route_hold(const struct nb_route *r);
void	nb_route_release(struct nb_route *r);

/* A neighbour (ARP / NDISC entry). Identity: (family, ifindex, dst). */
struct nb_neighattrs {
	uint8_t		family;		/* AF_INET, AF_INET6 */
	uint8_t		flags;		/* NTF_* */
	uint16_t	state;		/* NUD_* */
	uint32_t	ifindex;
	uint8_t		type;		/* RTN_* */
	uint8_t		lladdr_len;	/* 0 = none (incomplete, failed) */
	uint8_t		pad[2];
	uint8_t		dst[16];
	uint8_t		lladdr[NB_LLADDR_MAX];
};

/* Writer. Add or update (by identity) a neighbour; as nb_route_upsert. */
int	nb_neigh_upsert(struct nb_stack *st, const struct nb_neighattrs *a);
/* Writer. Remove it. -ENOENT if absent. */
int	nb_neigh_delete(struct nb_stack *st, const struct nb_neighattrs *a);
/* Reader. Neighbours in insertion order. */
int	nb_neigh_walk(const struct nb_read *rd,
	    int (*cb)(const struct nb_neigh *n, void *arg), void *arg);
size_t	nb_neigh_count(const struct nb_read *rd);
const struct nb_neighattrs *nb_neigh_attrs(const struct nb_neigh *n);

/* Hash tables of routes and neighbours: registered with their family's first object. */
#define NB_HASH_ROUTE	"route"		/* routes by (family, dst) */
#define NB_HASH_NEIGH	"neigh"		/* neighbours by (family, dst) */

/* ------------------------------------------------------------------ */
/* Capture descriptors (bpf.c): the bpf_d of the seeds                  */
/* ------------------------------------------------------------------ */

struct nb_bpf;

/* Per-descriptor counters, per-CPU (sim workers) or mirrored (linux, slot 0). */
enum nb_bpfstat {
	NB_BPFSTAT_RCOUNT,	/* packets offered to the descriptor (bd_rcount) */
	NB_BPFSTAT_DCOUNT,	/* accepted but dropped: buffer full (bd_dcount) */
	NB_BPFSTAT_CCOUNT,	/* accepted by the filter (bd_ccount) */
	NB_BPFSTAT_MAX
};
extern const struct nb_ctr_desc nb_bpfstat_desc[NB_BPFSTAT_MAX];

/* nb_bpfattrs.has: which fields the source really knows. A value the
 * kernel does not give is absent from the tree, never a made-up zero. */
#define NB_BPF_HAS_RCOUNT	0x01u
#define NB_BPF_HAS_DCOUNT	0x02u
#define NB_BPF_HAS_CCOUNT	0x04u
#define NB_BPF_HAS_OWNER	0x08u	/* pid, uid, fd, comm */
#define NB_BPF_HAS_FILTER	0x10u	/* filter_len (0 = no filter) */
#define NB_BPF_HAS_BUFSIZE	0x20u
#define NB_BPF_HAS_PROMISC	0x40u

/* nb_bpfattrs.flags */
#define NB_BPF_F_RX_RING	0x01u	/* PACKET_RX_RING mapped */
#define NB_BPF_F_TX_RING	0x02u
#define NB_BPF_F_FANOUT		0x04u	/* member of a fanout group */
#define NB_BPF_F_AUXDATA	0x08u
#define NB_BPF_F_ORIGDEV	0x10u
#define NB_BPF_F_VNETHDR	0x20u
#define NB_BPF_F_DETACHED	0x40u	/* its interface went away (bpfdetach) */

/*
 * A capture descriptor. Identity: id (the socket inode on Linux, the
 * descriptor number in the sim). ifindex 0 = not bound to one interface
 * (captures on all). The owner is the lowest pid holding it.
 */
struct nb_bpfattrs {
	uint64_t	id;
	uint32_t	ifindex;
	uint32_t	has;		/* NB_BPF_HAS_* */
	uint32_t	flags;		/* NB_BPF_F_* */
	int32_t		pid;		/* owner; with NB_BPF_HAS_OWNER */
	uint32_t	uid;		/* socket uid (always known on Linux) */
	int32_t		fd;
	uint32_t	nowners;	/* processes holding it (fork, SCM_RIGHTS) */
	uint16_t	protocol;	/* ethertype, host order (ETH_P_ALL = 3) */
	uint8_t		type;		/* SOCK_RAW, SOCK_DGRAM */
	uint8_t		promisc;	/* with NB_BPF_HAS_PROMISC */
	uint32_t	bufsize;	/* receive buffer, bytes */
	uint32_t	filter_len;	/* classic BPF instructions; 0 = none */
	uint32_t	fanout;		/* fanout group id | type << 16, with F_FANOUT */
	char		comm[16];
	char		ifname[NB_IFNAMSIZ];	/* "" when unbound */
};

/* One classic BPF instruction, the layout of struct bpf_insn / sock_filter. */
struct nb_bpf_insn {
	uint16_t	code;
	uint8_t		jt;
	uint8_t		jf;
	uint32_t	k;
};

/*
 * nb_bpf_upsert - Writer. Add descriptor a->id, or replace its attributes
 * (published as one block; its counters are kept). `prog`/`nprog` is its
 * filter program, copied (NULL/0 = accepts all; a->filter_len is then
 * taken from nprog when a program is given). The descriptor becomes
 * visible in the descriptor list and in its interface's list (ifindex)
 * in one step. Moving it to another interface is an upsert with the new
 * ifindex. An ifindex that names no interface of the stack links it to no
 * list (the linux source may load BPF without LINKS). nb_if_delete
 * detaches the interface's descriptors (they leave its list and get
 * NB_BPF_F_DETACHED); the flag stays while upserts name the vanished index
 * and no interface has it, and is cleared when it attaches to a live one.
 */
int	nb_bpf_upsert(struct nb_stack *st, const struct nb_bpfattrs *a,
	    const struct nb_bpf_insn *prog, size_t nprog);
/* nb_bpf_delete - Writer. Remove descriptor `id`; freed after a grace
 * period (and after the last hold). -ENOENT if absent. */
int	nb_bpf_delete(struct nb_stack *st, uint64_t id);
/* Slot owner of `slot` (sources mirroring kernel totals own slot 0). */
int	nb_bpf_stats_store(struct nb_stack *st, uint64_t id, unsigned slot,
	    const uint64_t v[NB_BPFSTAT_MAX]);

/* Reader. All descriptors in creation order / those attached to ifp (the
 * bpf_if list the sim's workers offer packets to). */
int	nb_bpf_walk(const struct nb_read *rd,
	    int (*cb)(const struct nb_bpf *d, void *arg), void *arg);
int	nb_iface_bpf_walk(const struct nb_read *rd, const struct nb_iface *ifp,
	    int (*cb)(const struct nb_bpf *d, void *arg), void *arg);
size_t	nb_bpf_count(const struct nb_read *rd);
const struct nb_bpf *nb_bpf_lookup(const struct nb_read *rd, uint64_t id);

/*
 * Reader accessors. nb_bpf_attrs and nb_bpf_prog each read the current
 * attribute block (attributes and program are one block); a reader that
 * needs both from the same block reads attrs, prog, then attrs again: an
 * equal pointer means one block (blocks outlive the read section).
 */
const struct nb_bpfattrs *nb_bpf_attrs(const struct nb_bpf *d);
const struct nb_bpf_insn *nb_bpf_prog(const struct nb_bpf *d, size_t *nprog);
void	nb_bpf_stats(const struct nb_bpf *d, uint64_t out[NB_BPFSTAT_MAX]);
const struct nb_ctrgroup *nb_bpf_ctrs(const struct nb_bpf *d);
/* Slot owner (sim workers), inside a read section. */
uint64_t *nb_bpf_stats_slot(const struct nb_bpf *d, unsigned slot);

/* ------------------------------------------------------------------ */
/* Departed interfaces                                                 */
/* ------------------------------------------------------------------ */

struct nb_departed {
	struct nb_ifattrs attrs;	/* as last seen */
	uint64_t	gen;
	uint64_t	seq;		/* departure sequence number, increasing */
	struct timespec	when;		/* CLOCK_REALTIME of the delete */
	uint64_t	stats[NB_IFSTAT_MAX];
};

/* Reader. Interfaces deleted and not yet drained, oldest first. */
int	nb_departed_walk(const struct nb_read *rd,
	    int (*cb)(const struct nb_departed *d, void *arg), void *arg);
/* Writer. Forget departed entries with seq <= upto (a recorder took them). */
int	nb_departed_drain(struct nb_stack *st, uint64_t upto);

/* ------------------------------------------------------------------ */
/* Event log (evlog.c)                                                 */
/* ------------------------------------------------------------------ */

/*
 * What changed, as the writer calls applied it: the stack logs each change
 * of an interface, address, route, neighbour or capture descriptor with
 * the realtime of the call that made it (for the linux source following
 * events: when the kernel's message was applied, not the next sample).
 * Off until nb_events_enable (a recorder turns it on once its first
 * sample holds the loaded state, so the initial load is not logged);
 * then a bounded queue that a consumer drains with nb_events_take.
 */
enum nb_event_kind {
	NB_EV_IF_CREATED = 1,
	NB_EV_IF_DELETED,
	NB_EV_IF_RENAMED,	/* detail: the old name */
	NB_EV_LINK_UP,		/* IFF_UP set */
	NB_EV_LINK_DOWN,	/* IFF_UP cleared */
	NB_EV_CARRIER_ON,	/* IFF_LOWER_UP set */
	NB_EV_CARRIER_OFF,	/* IFF_LOWER_UP cleared */
	NB_EV_ADDR_ADDED,	/* detail: address/prefix */
	NB_EV_ADDR_REMOVED,
	NB_EV_ROUTE_ADDED,	/* detail: dst/len [via gw] [table T] */
	NB_EV_ROUTE_REMOVED,
	NB_EV_NEIGH_STATE,	/* detail: dst state (a new one or a state change) */
	NB_EV_NEIGH_REMOVED,	/* detail: dst */
	NB_EV_CAPTURE_OPENED,	/* detail: id, owner pid and command */
	NB_EV_CAPTURE_CLOSED,
	NB_EV_KIND_MAX
};

#define NB_EV_DETAIL_MAX	128

struct nb_event {
	uint64_t	seq;		/* increasing, from 1 */
	int64_t		t_ns;		/* CLOCK_REALTIME of the change */
	uint32_t	kind;		/* enum nb_event_kind */
	uint32_t	ifindex;	/* 0: none */
	char		ifname[NB_IFNAMSIZ];	/* the interface's name then; "" none */
	char		detail[NB_EV_DETAIL_MAX];
};

/* "link down", "address added", ...: the kind as words (NULL if unknown). */
const char *nb_event_kind_name(unsigned kind);
/*
 * Start logging into a queue of `cap` events (0: stop and drop the
 * queue). When the queue is full the oldest events are dropped and
 * counted (nb_events_take's *lost). Any thread.
 */
int	nb_events_enable(struct nb_stack *st, size_t cap);
/*
 * Move up to `max` of the oldest logged events to out (oldest first);
 * returns how many. *lost (if not NULL) gets the number dropped since the
 * previous take. Any thread (one consumer).
 */
size_t	nb_events_take(struct nb_stack *st, struct nb_event *out, size_t max, uint64_t *lost);

/* ------------------------------------------------------------------ */
/* Hash statistics registry (NetBSD hashstat_register)                  */
/* ------------------------------------------------------------------ */

struct nb_hashstat {
	uint64_t	size;		/* buckets */
	uint64_t	used;		/* non-empty buckets */
	uint64_t	items;
	uint64_t	maxchain;
};

/* Called inside a read section; fills *out; returns 0 or -errno. */
typedef int (*nb_hashstat_fn)(const struct nb_read *rd, void *arg, struct nb_hashstat *out);

/* Writer. Names are MIB components (lower case, [a-z0-9_]). -EEXIST. */
int	nb_hashstat_register(struct nb_stack *st, const char *name, const char *descr,
	    nb_hashstat_fn fn, void *arg);
/* Reader. Registered tables in registration order, with their statistics. */
int	nb_hashstat_walk(const struct nb_read *rd,
	    int (*cb)(const char *name, const char *descr,
		const struct nb_hashstat *hs, void *arg), void *arg);

/* Names of the built-in tables. */
#define NB_HASH_ADDR	"in_ifaddrhash"		/* addresses by (family, addr) */
#define NB_HASH_IFNAME	"ifnet_byname"		/* interfaces by name */
#define NB_HASH_IFINDEX	"ifnet_byindex"		/* interfaces by index */

/* ------------------------------------------------------------------ */
/* Named statistics groups (protocol counters, softnet, cp_time, ...)  */
/* ------------------------------------------------------------------ */

/*
 * nb_statgroup_register - Writer. Register a counter group published at
 * MIB name `mib` (escaped dotted name such as "net.inet.tcp.stats"), with
 * `n` counters described by `descs` (copied), `nslots` slots (1 for kernel
 * totals; the CPU count for per-CPU kernel data). Returns the existing
 * group if `mib` is registered with the same shape; -EEXIST otherwise.
 */
int	nb_statgroup_register(struct nb_stack *st, const char *mib, const char *descr,
	    const struct nb_ctr_desc *descs, unsigned n, unsigned nslots,
	    struct nb_statgroup **out);
/*
 * Registration flags (nb_statgroup_register_flags).
 * NB_SG_CPU_CHILDREN: slot i holds the data of CPU i (kernel per-CPU data:
 * softnet, cp_time); besides the summed leaves M.<ctr>, the tree publishes
 * M.<i>.<ctr> for every slot i.
 */
#define NB_SG_CPU_CHILDREN	0x1u
/* As nb_statgroup_register, with flags; the same shape includes the flags. */
int	nb_statgroup_register_flags(struct nb_stack *st, const char *mib, const char *descr,
	    const struct nb_ctr_desc *descs, unsigned n, unsigned nslots, unsigned flags,
	    struct nb_statgroup **out);
struct nb_ctrgroup *nb_statgroup_ctrs(struct nb_statgroup *sg);

struct nb_statgroup_info {
	const char	*mib;
	const char	*descr;
	const struct nb_ctr_desc *descs;
	unsigned	 n;
	const struct nb_ctrgroup *ctrs;
	unsigned	 flags;		/* NB_SG_* */
};
/* Reader. Registered groups in registration order. */
int	nb_statgroup_walk(const struct nb_read *rd,
	    int (*cb)(const struct nb_statgroup_info *info, void *arg), void *arg);

/* ------------------------------------------------------------------ */
/* Processes and open files (kern.proc.<pid>.fd.<n>)                   */
/* ------------------------------------------------------------------ */

/*
 * Open files change all the time, so they are not objects updated in
 * place: each NB_FAM_PROC refresh builds one immutable snapshot (every
 * process in scope, each with its descriptors) and replaces the previous
 * one whole; readers inside a read section see the old or the new one,
 * and the old one is freed after a grace period. User names are not
 * resolved here (the tools do that).
 */
enum nb_pfd_type {
	NB_PFD_OTHER = 0,	/* none of the below (target tells) */
	NB_PFD_FILE,		/* regular file */
	NB_PFD_DIR,
	NB_PFD_CHR,		/* character device */
	NB_PFD_BLK,		/* block device */
	NB_PFD_FIFO,		/* named pipe */
	NB_PFD_PIPE,		/* "pipe:[N]" */
	NB_PFD_SOCKET,		/* "socket:[N]" (AF_PACKET too: see family) */
	NB_PFD_EVENTFD,		/* "anon_inode:[eventfd]" */
	NB_PFD_EVENTPOLL,
	NB_PFD_TIMERFD,
	NB_PFD_SIGNALFD,
	NB_PFD_INOTIFY,
	NB_PFD_ANON,		/* another anon_inode */
	NB_PFD_TYPE_MAX
};

/* Lower-case name of a type ("file", "pipe", "socket", ...). */
const char *nb_pfd_type_name(unsigned type);

/* One open descriptor of a process. */
struct nb_pfd {
	int32_t		 fd;
	uint8_t		 type;		/* enum nb_pfd_type */
	const char	*target;	/* the fd link: path, "socket:[N]", ... */
	bool		 has_stat;	/* what stat() of the open file gave */
	uint32_t	 mode;
	uint64_t	 ino, dev, rdev;
	int64_t		 size;
	bool		 has_fdinfo;	/* what fdinfo gave */
	uint32_t	 flags;		/* O_* */
	uint64_t	 pos;
	/* Sockets. sock_ino from the link; the rest only if sock_known
	 * (found in a sock_diag dump of the current network namespace). */
	uint64_t	 sock_ino;
	bool		 sock_known;
	uint8_t		 family;	/* AF_INET, AF_INET6, AF_UNIX, AF_NETLINK, AF_PACKET */
	uint8_t		 stype;		/* SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, ... */
	uint16_t	 proto;		/* IPPROTO_* (inet), NETLINK_* (netlink),
					   ethertype in host order (packet) */
	uint8_t		 state;		/* TCP_* (inet, unix), 0 if none */
	bool		 has_addr;	/* inet: laddr/raddr/ports are valid */
	uint8_t		 laddr[16], raddr[16];	/* network order; v4 in the first 4 */
	uint16_t	 lport, rport;	/* host order */
	const char	*unix_path;	/* unix: bound name ("@..." abstract), or NULL */
	uint64_t	 peer_ino;	/* unix: the peer's inode, 0 if none */
	uint32_t	 ifindex;	/* packet: bound interface, 0 if any */
	uint32_t	 portid;	/* netlink: the socket's port id */
	/* Pipes and unix sockets: a descriptor of the other end in the
	 * scanned processes (lowest pid, then fd), peer_pid 0 if none seen. */
	int32_t		 peer_pid;
	int32_t		 peer_fd;
};

struct nb_proc {
	int32_t		 pid;
	uint32_t	 uid;		/* real uid */
	const char	*comm;
	const struct nb_pfd *fds;	/* ascending fd */
	size_t		 nfds;
};

/*
 * Writer (the source). Replace the snapshot with a deep copy of procs[n]
 * (ascending pid). scope: the pid it was limited to, 0 for all processes;
 * denied: processes whose files the reader could not see.
 */
int	nb_procs_publish(struct nb_stack *st, int32_t scope, unsigned denied,
	    const struct nb_proc *procs, size_t n);
/*
 * The pid filter a source applies at its next NB_FAM_PROC refresh: 0 (the
 * default) scans every process, pid > 0 only that one.
 */
void	nb_procs_set_scope(struct nb_stack *st, int32_t pid);
int32_t	nb_procs_scope(struct nb_stack *st);

/*
 * Reader. The snapshot current in the read section, NULL if nothing was
 * published yet. Take it once and ask it everything: a writer may publish
 * a newer one meanwhile, and each call of nb_procs_snapshot may return a
 * different one (each valid until nb_read_exit).
 */
struct nb_procsnap;
const struct nb_procsnap *nb_procs_snapshot(const struct nb_read *rd);
/* Its scope and denied count (either may be NULL). */
void	nb_procs_info(const struct nb_procsnap *sn, int32_t *scope, unsigned *denied);
/* Processes in ascending pid; a non-zero cb return stops the walk. */
int	nb_proc_walk(const struct nb_procsnap *sn,
	    int (*cb)(const struct nb_proc *p, void *arg), void *arg);
const struct nb_proc *nb_proc_lookup(const struct nb_procsnap *sn, int32_t pid);

/* ------------------------------------------------------------------ */
/* Mount table (kern.mount.<id>, mount.c)                              */
/* ------------------------------------------------------------------ */

/*
 * Like the process files: each NB_FAM_MOUNT refresh publishes one
 * immutable snapshot of the mount table (/proc/self/mountinfo on linux),
 * replacing the previous one whole.
 */
struct nb_mount {
	uint32_t	 id;		/* mount id (unique while mounted) */
	uint32_t	 parent;	/* parent's mount id */
	uint32_t	 major, minor;	/* st_dev of the files on it */
	const char	*root;		/* the directory of the file system mounted */
	const char	*point;		/* mount point */
	const char	*fstype;	/* "ext4", "tmpfs", "fuse.sshfs", ... */
	const char	*source;	/* "/dev/sda1", "tmpfs", "none", ... */
};

/* Writer. Replace the snapshot with a deep copy of m[n] (ascending id). */
int	nb_mounts_publish(struct nb_stack *st, const struct nb_mount *m, size_t n);
/* Reader. The snapshot current in the read section (NULL: none yet). */
struct nb_mountsnap;
const struct nb_mountsnap *nb_mounts_snapshot(const struct nb_read *rd);
/* Mounts in ascending id; a non-zero cb return stops the walk. */
int	nb_mount_walk(const struct nb_mountsnap *sn,
	    int (*cb)(const struct nb_mount *m, void *arg), void *arg);

/* ------------------------------------------------------------------ */
/* Interrupts (kern.intr.<name>, intr.c)                               */
/* ------------------------------------------------------------------ */

/*
 * Like the mount table: each NB_FAM_INTR refresh publishes one immutable
 * snapshot of the interrupt lines (/proc/interrupts on linux), replacing
 * the previous one whole. The CPUs of the per-CPU counts are the
 * snapshot's (the online CPUs the kernel printed, by number).
 */
struct nb_intr {
	const char *name; /* "0", "NMI", "LOC": unique in the snapshot */
	const char *descr; /* what follows the counts, blanks squeezed ("" if none) */
	const char *chip; /* numbered lines: irq chip ("IO-APIC"); else NULL */
	const char *hwirq; /* numbered lines: hwirq and flow ("2-edge"); else NULL */
	const char *actions; /* numbered lines: handlers ("i8042, eth0"); else NULL */
	uint64_t total; /* sum of percpu, or the line's one count */
	const uint64_t *percpu; /* [ncpu of the snapshot]; NULL: a total alone (ERR, MIS) */
};

/*
 * Writer. Replace the snapshot with a deep copy of v[n] (in the order
 * given: the kernel's) and cpus[ncpu] (CPU numbers, ascending). -EINVAL
 * for a name NULL, empty or twice, or CPUs not ascending.
 */
int nb_intrs_publish(struct nb_stack *st, const uint32_t *cpus, size_t ncpu,
    const struct nb_intr *v, size_t n);
struct nb_intrsnap;
/* Reader. The snapshot current in the read section (NULL: none yet). */
const struct nb_intrsnap *nb_intrs_snapshot(const struct nb_read *rd);
/* Its CPU numbers (*ncpu of them; NULL snapshot: none). */
const uint32_t *nb_intrs_cpus(const struct nb_intrsnap *sn, size_t *ncpu);
/* Lines in the kernel's order; a non-zero cb return stops the walk. */
int nb_intr_walk(const struct nb_intrsnap *sn, int (*cb)(const struct nb_intr *in, void *arg),
    void *arg);

/* ------------------------------------------------------------------ */
/* Sockets (net.pcb.<kind>.<cookie>, pcb.c)                            */
/* ------------------------------------------------------------------ */

/*
 * Like the process files, sockets come and go too fast to be objects
 * updated in place: each NB_FAM_PCB refresh publishes one immutable
 * snapshot of every socket of the network namespace (what sock_diag
 * dumps), replacing the previous one whole.
 */
enum nb_pcb_kind {
	NB_PCB_TCP,
	NB_PCB_TCP6,
	NB_PCB_UDP,
	NB_PCB_UDP6,
	NB_PCB_RAW,
	NB_PCB_RAW6,
	NB_PCB_UNIX,
	NB_PCB_KIND_MAX
};
/* Its MIB component ("tcp", "tcp6", ..., "unix"); NULL past the end. */
const char *nb_pcb_kind_name(unsigned kind);

#define NB_PCB_HAS_OWNER 0x1u /* pid, comm */
#define NB_PCB_HAS_TCPINFO 0x2u /* rtt .. bytes_received */
#define NB_PCB_HAS_PEER 0x4u /* unix: peer */

struct nb_pcb {
	uint64_t cookie; /* sock_diag cookie: the identity */
	uint64_t inode; /* 0 for TIME_WAIT and request socks */
	uint8_t kind; /* enum nb_pcb_kind */
	uint8_t family; /* AF_INET, AF_INET6, AF_UNIX */
	uint8_t stype; /* SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET */
	uint8_t state; /* TCP_* (inet and unix) */
	uint8_t proto; /* raw: the IP protocol; else 0 */
	uint8_t has; /* NB_PCB_HAS_* */
	uint16_t lport, fport; /* host order */
	uint8_t laddr[16], faddr[16]; /* network order; v4 in the first 4 */
	uint32_t rxq, txq; /* receive / send queue (listeners: backlog, max) */
	uint32_t uid;
	int32_t pid; /* NB_PCB_HAS_OWNER: the lowest pid holding it */
	const char *comm; /* NB_PCB_HAS_OWNER */
	const char *path; /* unix: bound name ("@..." abstract) or NULL */
	uint64_t peer; /* unix, NB_PCB_HAS_PEER: the peer's inode */
	/* NB_PCB_HAS_TCPINFO */
	uint32_t rtt, rttvar; /* microseconds */
	uint32_t cwnd; /* segments */
	uint32_t retrans; /* total retransmissions */
	uint64_t bytes_acked, bytes_received;
};

/*
 * Writer (the source). Replace the snapshot with a deep copy of v[n],
 * sorted by (kind, cookie); owners: whether owners were looked up.
 */
int nb_pcbs_publish(struct nb_stack *st, bool owners, const struct nb_pcb *v, size_t n);
/*
 * The same, but the kinds in keep (bit k = kind k) are the current
 * snapshot's, shared rather than copied (v holds none of them: -EINVAL);
 * a kind kept that the current snapshot lacks is empty.
 */
int nb_pcbs_publish_keep(struct nb_stack *st, bool owners, unsigned keep,
    const struct nb_pcb *v, size_t n);
struct nb_pcbsnap;
/* Reader. The current snapshot (NULL before the first publish). */
const struct nb_pcbsnap *nb_pcbs_snapshot(const struct nb_read *rd);
/* Its sockets of one kind, by cookie: *n of them (0 for a NULL snapshot). */
const struct nb_pcb *nb_pcbs_kind(const struct nb_pcbsnap *sn, unsigned kind, size_t *n);
bool nb_pcbs_owners(const struct nb_pcbsnap *sn);
/*
 * The kinds a source dumps at its next NB_FAM_PCB refresh (bit k = kind k;
 * 0, the default, means all), and of those the ones it may take from the
 * current snapshot instead (already dumped in this sample): a tool that
 * reads net.pcb.tcp then net.pcb.udp pays for no tcp6 or unix dump, and
 * for each dump once. Writer; the source reads them back.
 */
void nb_pcbs_set_scope(struct nb_stack *st, unsigned kinds, unsigned keep);
unsigned nb_pcbs_scope(struct nb_stack *st, unsigned *keep);

/* ------------------------------------------------------------------ */
/* Kernel information (kern.hostname, kern.boottime, ...)              */
/* ------------------------------------------------------------------ */

/*
 * Named scalar values that are neither counters nor objects, published in
 * the tree at their MIB name (escaped dotted, e.g. "kern.hostname"). A
 * value is replaced whole (readers see the old or the new one, never a
 * torn one; the old one is freed after a grace period). Entries are never
 * removed before nb_stack_destroy.
 */
enum nb_info_type {
	NB_INFO_INT = 0,	/* int64_t */
	NB_INFO_STR = 1,	/* NUL-terminated string */
};

/* Writer. Create or update `mib`. -EEXIST if it exists with the other type. */
int	nb_info_set_int(struct nb_stack *st, const char *mib, const char *descr, int64_t v);
int	nb_info_set_str(struct nb_stack *st, const char *mib, const char *descr, const char *s);

struct nb_info {
	const char	*mib;
	const char	*descr;
	enum nb_info_type type;
	int64_t		 i;		/* NB_INFO_INT */
	const char	*s;		/* NB_INFO_STR */
};
/* Reader. Entries in creation order; a non-zero cb return stops the walk. */
int	nb_info_walk(const struct nb_read *rd,
	    int (*cb)(const struct nb_info *info, void *arg), void *arg);

/* ------------------------------------------------------------------ */
/* Stack health: stack.*                                               */
/* ------------------------------------------------------------------ */

enum nb_health {
	NB_HEALTH_EVENTS,		/* events applied */
	NB_HEALTH_RESYNCS,		/* full resyncs */
	NB_HEALTH_DROPPED_EVENTS,	/* events lost (overrun) */
	NB_HEALTH_SAMPLES,		/* refreshes done */
	NB_HEALTH_SAMPLE_NS,		/* gauge: cost of the last refresh, ns */
	NB_HEALTH_OBJECTS_FREED,	/* objects reclaimed after a grace period */
	NB_HEALTH_GRACE_PERIODS,	/* grace periods waited for by deferred frees */
	NB_HEALTH_MAX
};
/* Stack's own counters: registered as statgroup "stack" at create. */
struct nb_ctrgroup *nb_stack_health(struct nb_stack *st);
/* Slot that libstack reserves for its own and for a source's writes. */
#define NB_SLOT_SOURCE	0

/* ------------------------------------------------------------------ */
/* Sources                                                             */
/* ------------------------------------------------------------------ */

/* Families a refresh can (re)load. */
enum nb_family {
	NB_FAM_LINKS = 1u << 0, /* interface attributes */
	NB_FAM_ADDRS = 1u << 1,
	NB_FAM_IFSTATS = 1u << 2, /* interface counters */
	NB_FAM_ROUTES = 1u << 3,
	NB_FAM_NEIGH = 1u << 4,
	NB_FAM_MCAST = 1u << 5,
	NB_FAM_PROTO = 1u << 6, /* protocol counters */
	NB_FAM_SOFTNET = 1u << 7,
	NB_FAM_CPU = 1u << 8, /* kern.cp_time, kern.* identity */
	NB_FAM_VM = 1u << 9,
	NB_FAM_BPF = 1u << 10,
	NB_FAM_PROC = 1u << 11,
	NB_FAM_PCB = 1u << 12, /* sockets (net.pcb) */
	NB_FAM_PCBX = 1u << 13, /* with owners and TCP details: costs a
					   scan of every process's descriptors */
	NB_FAM_MOUNT = 1u << 14, /* the mount table (kern.mount) */
	NB_FAM_INTR = 1u << 15, /* interrupts (kern.intr.<name>) */
	NB_FAM_ALL = (1u << 16) - 1,
};

/* Link attributes a source can change in the kernel (nbsysctl -w). */
enum nb_linkset {
	NB_LINKSET_MTU,
	NB_LINKSET_TXQLEN,
	NB_LINKSET_UP,			/* 0 = down, 1 = up */
};

struct nb_source_opts {
	/* procfs/sysfs root override; NULL = "/" (linux: another root is read
	 * from its files only, never from the running kernel) */
	const char *root;
	/*
	 * Keep the objects current from the kernel's events where the source
	 * can (linux: nbsource/linux.h); sources without events ignore it.
	 */
	bool		 events;
	const char	*args;		/* source-specific "key=value,..." (sim) */
	/*
	 * Optional: where a failed open writes what went wrong ("sim: cannot
	 * load libpcap.so.0.8: ..."), NUL-terminated; left "" when the error
	 * code says it all. NULL: not wanted.
	 */
	char		*errbuf;
	size_t		 errlen;
};

/*
 * For source implementers (sources/linux, sources/sim): the vtable a
 * source library exports (nbsource/<kind>.h), and what the stack lends it.
 * A source fills the stack only through the Writer calls of this header.
 */
struct nb_source_ops {
	const char	*kind;		/* "linux", "sim" */
	unsigned	 families;	/* NB_FAM_* it can provide */
	/*
	 * Per-CPU counter slots the stack should have (nb_stack_config.nslots)
	 * for this source: 0 = one per online CPU (+1), for sources whose
	 * threads count per CPU (sim); 1 = NB_SLOT_SOURCE only, for sources
	 * that mirror kernel totals (linux: 10,001 interfaces on a 64-CPU host
	 * would otherwise allocate and sum 65 cache lines each).
	 */
	unsigned	 nslots;
	/* Allocate private state into *priv; load nothing yet. */
	int	(*open)(struct nb_stack *st, const struct nb_source_opts *opts, void **priv);
	int	(*refresh)(void *priv, unsigned fams);
	/* Optional (NULL: -EOPNOTSUPP). */
	int	(*link_set)(void *priv, uint32_t index, enum nb_linkset what, uint64_t value);
	const char *(*error)(void *priv);
	/*
	 * Optional: a standing notice about what the source could not read
	 * though it was asked to (values absent from the tree), or "".
	 * Valid until the next refresh; libraries report, tools print.
	 */
	const char *(*notice)(void *priv);
	/* Optional: stop generating and verify the source's invariants. */
	int	(*check)(void *priv);
	void	(*close)(void *priv);
};

/*
 * nb_stack_defer - Writer (a source's own threads: the sim's control
 * thread records when a removal has completed). Call fn(arg) on the
 * stack's reclaimer thread once a grace period has passed: every read
 * section that began before the call has ended. Never waits; -ENOMEM.
 * nb_stack_barrier waits for it, so a source that closes calls
 * nb_stack_barrier before freeing what arg points to.
 */
int	nb_stack_defer(struct nb_stack *st, void (*fn)(void *arg), void *arg);

/*
 * nb_source_open - Exclusive on the source. Attach the source that `ops`
 * describes (nb_source_linux_ops, nb_source_sim_ops) to the stack. Loads
 * nothing yet. On failure the detail, if any, is in opts->errbuf.
 */
int	nb_source_open(struct nb_stack *st, const struct nb_source_ops *ops,
	    const struct nb_source_opts *opts, struct nb_source **out);
/*
 * nb_source_refresh - Writer (one caller at a time per source). Bring the
 * families in `fams` up to date with the kernel (counters re-read, and
 * objects re-dumped unless events keep them current).
 */
int	nb_source_refresh(struct nb_source *src, unsigned fams);
/*
 * nb_source_check - Exclusive on the source. For sources that generate
 * their own activity ("sim"): stop it (its threads are joined; the objects
 * stay) and verify its invariants: for every counter, the per-CPU sum
 * equals what its threads tallied privately, and none of the checks made
 * while running failed. 0, -EPROTO (detail in nb_source_error), or
 * -EOPNOTSUPP for sources without such checks.
 */
int	nb_source_check(struct nb_source *src);
/* Families this source can provide. */
unsigned nb_source_families(const struct nb_source *src);
const char *nb_source_kind(const struct nb_source *src);
/* Last error detail for the tool's message ("netlink: ..."), or "". */
const char *nb_source_error(const struct nb_source *src);
/* The source's notice (struct nb_source_ops.notice), or "". */
const char *nb_source_notice(const struct nb_source *src);
void	nb_source_close(struct nb_source **srcp);

/*
 * nb_source_link_set - ask the kernel to change an attribute of interface
 * `index`; on success the stack is updated before returning.
 * -EOPNOTSUPP if the source cannot; the kernel's -errno otherwise
 * (-EPERM without CAP_NET_ADMIN, -EINVAL for a bad MTU).
 */
int	nb_source_link_set(struct nb_source *src, uint32_t index, enum nb_linkset what,
	    uint64_t value);

#ifdef __cplusplus
}
#endif
#endif /* NBSTACK_STACK_H */
