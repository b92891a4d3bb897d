/* SPDX-License-Identifier: BSD-2-Clause */
/* ifaddr.h - private: interfaces, addresses, departed records (iface.c, addr.c, addr_route.c, departed.c, mcast.c). */
#ifndef NBSTACK_IFADDR_H
#define NBSTACK_IFADDR_H

/*
 * The objects of the interface family and the helpers its files share.
 * The theory of operation is at the top of iface.c (interfaces), addr.c
 * (addresses), departed.c and mcast.c; versions, publication and the
 * two-phase retirement are in stack-internal.h.
 */

#include "stack-internal.h"

struct nb_ifattrs_blk {
	struct nb_rcu	 rcu;
	struct nb_ifattrs a;
};

struct nb_addrattrs_blk {
	struct nb_rcu	 rcu;
	struct nb_addrattrs a;
};

struct nb_addr;

/* Multicast lists: AF_INET, AF_INET6, AF_PACKET (nb_mcast_fam). */
#define NB_MCAST_NFAM	3

struct nb_mcast_blk {
	struct nb_rcu	 rcu;
	size_t		 n;
	struct nb_mcastattrs v[];
};

struct nb_iface {
	struct nb_lent	 le;		/* st->ifaces */
	struct nb_vis	 vis;
	struct nb_ifattrs_blk *attrs;	/* atomic */
	uint64_t	 gen;		/* immutable */
	uint32_t	 index;		/* immutable */
	struct nb_ctrgroup *ctrs;	/* immutable */
	struct nb_list	 addrs;		/* addr_lock */
	struct nb_list	 bpfs;		/* bpf.c's links, st->bpf.lock */
	struct nb_stack	*st;
	/* writer only */
	struct nb_hent	*ent_index;
	struct nb_hent	*ent_name;
	uint64_t	 refs;		/* atomic */
	bool		 slab;		/* in st->ifslab: freed with the stack */
	struct nb_addr	*gc;		/* addresses that died with it (phase 1 -> 2) */
	struct nb_mcast_blk *mcast[NB_MCAST_NFAM];	/* atomic; NULL = none */
	struct nb_rcu	 rcu;
	struct nb_ifattrs_blk first;	/* the initial attribute block */
	struct nb_ctrgroup ctrs_emb;	/* *ctrs; its slots follow the struct */
};


struct nb_addr {
	struct nb_lent	 le;		/* ifp->addrs */
	struct nb_vis	 vis;
	struct nb_addrattrs_blk *attrs;	/* atomic */
	/* writer only */
	struct nb_iface	*ifp;
	struct nb_hent	*ent;
	uint32_t	 ifindex;
	uint8_t		 prefixlen;
	bool		 retiring;	/* removed on its own (holds an ifp ref) */
	bool		 slab;		/* in st->addrslab: freed with the stack */
	struct nb_addr	*gc_next;	/* ifp->gc after death; before birth, the
					   batch of nb_addr_add_many; else NULL */
	struct nb_rcu	 rcu;
	struct nb_addrattrs_blk first;
};

struct nb_rename_rec {
	struct nb_rcu	 rcu;
	struct nb_hent	*ent;		/* the old name entry (owner pointer) */
};

struct nb_dep {
	struct nb_lent	 le;
	struct nb_vis	 vis;
	struct nb_departed d;
	struct nb_rcu	 rcu;
};

#define NB_ADDR_KEYLEN	17	/* family + 16 address bytes */

/* iface.c */
/* Deferred free of an attribute or multicast block (struct nb_rcu first). */
void	nb_free_cb(struct nb_rcu *r);
/* Writer (if_lock): the live interface with this index, or NULL. */
struct nb_iface *nb_if_writer_find(struct nb_stack *st, uint32_t index);
/* The same, looked for first among the few after prev (live, or NULL) in st->ifaces. */
struct nb_iface *nb_if_writer_find_near(struct nb_stack *st, const struct nb_iface *prev,
	    uint32_t index);
/* Drop a reference; the last one frees (a grace period has passed by then). */
void	nb_iface_put(struct nb_iface *ifp);
/*
 * nb_ifname_pad - the length of s (NB_IFNAMSIZ bytes: a name, a kind, a
 * label) up to its first NUL, NB_IFNAMSIZ if it has none; key = s with
 * the bytes from that NUL on zeroed (no NUL: key = s). The same as a
 * byte loop, a word at a time.
 */
static inline size_t
nb_ifname_pad(const char *s, char key[NB_IFNAMSIZ])
{
	_Static_assert(NB_IFNAMSIZ == 16 && NB_KIND_MAX == 16, "two words");
	size_t k = nb_ifname_len(s);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w[2];

	memcpy(w, s, sizeof(w));
	if (k < 8) {
		w[0] &= ((uint64_t)1 << (8 * k)) - 1;	/* the bytes below k; k = 0: none */
		w[1] = 0;
	} else if (k < 16)
		w[1] &= ((uint64_t)1 << (8 * (k - 8))) - 1;
	memcpy(key, w, sizeof(w));
#else
	memcpy(key, s, k);
	memset(key + k, 0, NB_IFNAMSIZ - k);
#endif
	return k;
}

/* addr.c */
struct nb_addr_match {
	uint32_t	ifindex;
	uint8_t		prefixlen;
};

int	nb_addr_key(int family, const void *addr, uint8_t key[NB_ADDR_KEYLEN]);
void	nb_addrattrs_norm(struct nb_addrattrs *n, const struct nb_addrattrs *a);
void	nb_addr_free(struct nb_addr *ad);
bool	nb_addr_match_fn(const struct nb_hent *e, const void *arg);
int	nb_addr_check(const struct nb_addrattrs *a, uint8_t key[NB_ADDR_KEYLEN]);
struct nb_iface *nb_addr_lock_iface(struct nb_stack *st, uint32_t ifindex);
void	nb_addr_link(struct nb_stack *st, struct nb_iface *ifp, struct nb_addr *ad,
	    struct nb_hent *e);
void	nb_addr_stamp_birth(struct nb_addr *ad, struct nb_hent *e, uint64_t v);
/* Deferred: an address removed on its own, phase 1 (unlink; phase 2 frees). */
void	nb_addr_phase1(struct nb_rcu *r);
/* The event log: an address added or removed (kind NB_EV_ADDR_*). */
void	nb_addr_post(struct nb_stack *st, unsigned kind, const struct nb_addrattrs *a);

#endif /* NBSTACK_IFADDR_H */
