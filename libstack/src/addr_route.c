/* SPDX-License-Identifier: BSD-2-Clause */
/* addr_route.c - an address and its local route, published or removed in one commit. */

/*
 * Theory of operation
 *
 * What may run at once
 *   As addr.c and route.c: the address writer and the route writer are
 *   both held, in the order addr_lock -> routes.lock -> commit_lock, so
 *   this file is where the two families meet; neither addr.c nor route.c
 *   calls the other.
 *
 * Invariants
 *   A reader sees the address in the hash, on its interface's list and
 *   its local route, or none of them: the three get one birth (or death)
 *   version in one commit.
 *
 * Who frees what
 *   The address as in addr.c (retiring, two phases); the route as in
 *   route.c (nb_route_retire_locked: its holders keep it until released).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ifaddr.h"

/*
 * An address with its local route, in one commit: the route goes into the
 * route family (lock order addr_lock -> routes.lock -> commit_lock), so a
 * reader sees the address in the hash, on the interface's list and its
 * route, or none of them.
 */
int
nb_addr_add_route(struct nb_stack *st, const struct nb_addrattrs *a,
    const struct nb_routeattrs *rt)
{
	uint8_t key[NB_ADDR_KEYLEN];
	struct nb_addr_match m;
	struct nb_addrattrs n;
	struct nb_iface *ifp;
	struct nb_addr *ad = NULL;
	struct nb_route *r;
	struct nb_hent *e = NULL;
	uint64_t v;
	int error;

	if ((error = nb_addr_check(a, key)) != 0)
		return error;
	if (rt == NULL)
		return -EINVAL;
	nb_addrattrs_norm(&n, a);
	nb_thread_ensure();
	ifp = nb_addr_lock_iface(st, n.ifindex);
	pthread_mutex_lock(&st->routes.lock);
	if (ifp == NULL) {
		error = -ENOENT;
		goto out;
	}
	m.ifindex = n.ifindex;
	m.prefixlen = n.prefixlen;
	if (nb_htab_writer_find(&st->addr_hash, key, nb_addr_match_fn, &m) != NULL) {
		error = -EEXIST;
		goto out;
	}
	if ((ad = calloc(1, sizeof(*ad))) == NULL ||
	    (e = nb_hent_new(&st->addr_hash, key, ad, &ad->ent)) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	nb_heap_note(st);
	/* Last step that can fail; it links the route (birth NEVER). */
	if ((error = nb_route_prepare_locked(st, rt, &r)) != 0) {
		nb_hent_free(e);
		goto out;
	}
	ad->first.a = n;
	nb_addr_link(st, ifp, ad, e);
	v = nb_commit_begin(st);
	nb_addr_stamp_birth(ad, e, v);
	nb_route_stamp_birth(r, v);
	nb_commit_end(st, v);
	nb_route_published_locked(st);
	nb_htab_writer_maybe_grow(&st->addr_hash);
	nb_addr_post(st, NB_EV_ADDR_ADDED, &n);
	ad = NULL;
out:
	pthread_mutex_unlock(&st->routes.lock);
	pthread_mutex_unlock(&st->addr_lock);
	free(ad);
	return error;
}

int
nb_addr_del_route(struct nb_stack *st, const struct nb_addrattrs *key,
    const struct nb_routeattrs *rt)
{
	uint8_t k[NB_ADDR_KEYLEN];
	struct nb_addr_match m;
	struct nb_addr *ad;
	struct nb_route *r;
	struct nb_hent *e;
	uint64_t v;
	int error;

	if ((error = nb_addr_check(key, k)) != 0)
		return error;
	if (rt == NULL)
		return -EINVAL;
	nb_thread_ensure();
	m.ifindex = key->ifindex;
	m.prefixlen = key->prefixlen;
	pthread_mutex_lock(&st->addr_lock);
	pthread_mutex_lock(&st->routes.lock);
	if ((e = nb_htab_writer_find(&st->addr_hash, k, nb_addr_match_fn, &m)) == NULL ||
	    (r = nb_route_find_locked(st, rt)) == NULL) {
		error = -ENOENT;
		goto out;
	}
	ad = e->obj;
	__atomic_add_fetch(&ad->ifp->refs, 1, __ATOMIC_RELAXED);
	ad->retiring = true;
	v = nb_commit_begin(st);
	NB_STORE_RELAXED(&ad->vis.death, v);
	NB_STORE_RELAXED(&e->vis.death, v);
	nb_route_stamp_death(r, v);
	nb_commit_end(st, v);
	nb_addr_post(st, NB_EV_ADDR_REMOVED, &ad->attrs->a);
	nb_defer(st, &ad->rcu, nb_addr_phase1);
	nb_route_retire_locked(st, r);
out:
	pthread_mutex_unlock(&st->routes.lock);
	pthread_mutex_unlock(&st->addr_lock);
	return error;
}
