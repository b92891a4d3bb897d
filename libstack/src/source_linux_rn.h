/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_rn.h - private: the linux source's ROUTES and NEIGH families. */
#ifndef NBSTACK_SOURCE_LINUX_RN_H
#define NBSTACK_SOURCE_LINUX_RN_H

#include "nl_linux.h"

/*
 * State of both families (lx->rn), allocated on the first refresh that
 * asks for ROUTES or NEIGH: the parsed dumps and the reconcile maps, kept
 * across refreshes. Used only with lx->mu held (the refresh thread).
 */
struct lx_rn {
	struct nb_routeattrs *rv;	/* parsed RTM_GETROUTE dump */
	size_t		 nr, rcap;
	struct nb_neighattrs *nv;	/* parsed RTM_GETNEIGH dump */
	size_t		 nn, ncap;
	struct nl_kmap	 routes;	/* identity -> struct nb_routeattrs */
	struct nl_kmap	 neighs;	/* identity -> struct nb_neighattrs */
	unsigned	 live;		/* event mode: NB_FAM_ROUTES/NEIGH loaded, kept by events */
};

/* Refresh ROUTES and/or NEIGH (bits of fams); 0 or -errno (lx->err set). */
int	lx_rn_refresh(struct lx *lx, unsigned fams);
/* Free lx->rn (NULL is fine). */
void	lx_rn_free(struct lx *lx);

/* source_linux_route.c / source_linux_neigh.c */
int	lx_routes_refresh(struct lx *lx, struct lx_rn *rn);
int	lx_neighs_refresh(struct lx *lx, struct lx_rn *rn);

#endif
