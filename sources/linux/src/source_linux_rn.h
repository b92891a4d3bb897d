/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_rn.h - private: the linux source's ROUTES and NEIGH families. */
#ifndef NBSTACK_SOURCE_LINUX_RN_H
#define NBSTACK_SOURCE_LINUX_RN_H

#include "nl_linux.h"

/* A record of either family (keys are built in one of these). */
union lx_rn_rec {
	struct nb_routeattrs r;
	struct nb_neighattrs n;
};

struct lx_rn_set;

/*
 * A bump allocator for what a parsed record points to (a route's
 * nexthops): pointers stay valid until the next lx_arena_reset (the start
 * of a dump) or lx_arena_fini. One thread at a time (lx->mu).
 */
struct lx_arena_chunk;
struct lx_arena {
	struct lx_arena_chunk *head;
};

/* size bytes aligned for any record field; NULL if out of memory. */
void	*lx_arena_alloc(struct lx_arena *ar, size_t size);
/* Forget every allocation (keeps one chunk for the next dump). */
void	lx_arena_reset(struct lx_arena *ar);
void	lx_arena_fini(struct lx_arena *ar);

/*
 * One family (routes in source_linux_route.c, neighbours in
 * source_linux_neigh.c): how its dump is asked for and parsed, what its
 * identity is, and how a record is applied to the stack.
 */
struct lx_rn_fam {
	const char	*what;		/* "routes", "neighbours" (messages) */
	const char	*req;		/* "RTM_GETROUTE" (messages) */
	const char	*upsert_fn;	/* "nb_route_upsert" (messages) */
	const char	*delete_fn;
	int		 msgtype;	/* RTM_GETROUTE: a dump of every table, AF_UNSPEC */
	size_t		 hdrlen;	/* its family header, sent all zero */
	size_t		 size;		/* of a record */
	/* Parse a message into rec: 0, 1 (not one we keep) or -errno (lx->err set);
	 * what rec points to is allocated in ar. */
	int	(*parse)(struct lx *lx, struct nlmsghdr *nlh, void *rec, struct lx_arena *ar);
	/* The identity fields of rec in key (zero elsewhere): the reconcile key. */
	void	(*key)(void *key, const void *rec);
	/* Walk the stack's records, lx_rn_note_old() for each. */
	int	(*walk)(struct nb_read *rd, struct lx_rn_set *s);
	int	(*upsert)(struct nb_stack *st, const void *rec);
	int	(*del)(struct nb_stack *st, const void *rec);
};

extern const struct lx_rn_fam lx_route_fam, lx_neigh_fam;

/* A family's parsed dump and reconcile map, kept across refreshes. */
struct lx_rn_set {
	const struct lx_rn_fam *fam;
	void		*v;		/* n records of fam->size bytes */
	size_t		 n, cap;
	struct lx_arena	 ar;		/* what the n records point to */
	struct nl_kmap	 map;		/* identity -> record */
};

/*
 * State of both families (lx->rn), allocated on the first refresh that
 * asks for ROUTES or NEIGH. Used only with lx->mu held (the refresh
 * thread; the event thread for lx_route_event/lx_neigh_event).
 */
struct lx_rn {
	struct lx_rn_set routes;
	struct lx_rn_set neighs;
	unsigned	 live;		/* event mode: NB_FAM_ROUTES/NEIGH loaded, kept by events */
};

/* Refresh ROUTES and/or NEIGH (bits of fams); 0 or -errno (lx->err set). */
int	lx_rn_refresh(struct lx *lx, unsigned fams);
/* Free lx->rn (NULL is fine). */
void	lx_rn_free(struct lx *lx);
/* A walk callback's part: put the stack's record rec into s's map as OLD. */
int	lx_rn_note_old(struct lx_rn_set *s, const void *rec);

#endif
