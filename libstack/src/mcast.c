/* SPDX-License-Identifier: BSD-2-Clause */
/* mcast.c - multicast memberships of an interface: immutable blocks swapped whole. */

/*
 * Theory of operation
 *
 * What may run at once
 *   Readers and one writer (if_lock: nb_mcast_set). A list is one
 *   immutable block per family (ifp->mcast[]), replaced whole with a
 *   release store; readers see the block current when they load it (not
 *   versioned, like an interface's attributes).
 *
 * Who frees what
 *   The replaced block is freed after a grace period (nb_free_cb); the
 *   current ones go with their interface (iface.c).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ifaddr.h"

static int
nb_mcast_fam(int family)
{
	switch (family) {
	case AF_INET:
		return 0;
	case AF_INET6:
		return 1;
	case AF_PACKET:
		return 2;
	}
	return -1;
}

int
nb_mcast_set(struct nb_stack *st, uint32_t ifindex, int family,
    const struct nb_mcastattrs *v, size_t n)
{
	struct nb_mcast_blk *blk = NULL, *old;
	struct nb_iface *ifp;
	int f, error = 0;
	size_t i;
	uint64_t ver;

	if ((f = nb_mcast_fam(family)) < 0)
		return -EAFNOSUPPORT;
	if (n > 0 && v == NULL)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (v[i].family != family || v[i].addr_len == 0 || v[i].addr_len > NB_LLADDR_MAX ||
		    (family == AF_INET && v[i].addr_len != 4) ||
		    (family == AF_INET6 && v[i].addr_len != 16))
			return -EINVAL;
	}
	if (n > 0) {
		if ((blk = calloc(1, sizeof(*blk) + n * sizeof(blk->v[0]))) == NULL)
			return -ENOMEM;
		blk->n = n;
		for (i = 0; i < n; i++) {	/* normalised: nothing past addr_len */
			blk->v[i].family = v[i].family;
			blk->v[i].addr_len = v[i].addr_len;
			blk->v[i].users = v[i].users;
			memcpy(blk->v[i].addr, v[i].addr, v[i].addr_len);
		}
	}
	nb_thread_ensure();
	pthread_mutex_lock(&st->if_lock);
	if ((ifp = nb_if_writer_find(st, ifindex)) == NULL) {
		error = -ENOENT;
		goto out;
	}
	old = ifp->mcast[f];
	if ((old == NULL && n == 0) || (old != NULL && blk != NULL && old->n == n &&
	    memcmp(old->v, blk->v, n * sizeof(blk->v[0])) == 0))
		goto out;			/* unchanged */
	ver = nb_commit_begin(st);
	NB_STORE(&ifp->mcast[f], blk);
	nb_commit_end(st, ver);
	if (blk != NULL)
		nb_heap_note(st);	/* the interface owns it now */
	blk = NULL;
	if (old != NULL)
		nb_defer(st, &old->rcu, nb_free_cb);
out:
	pthread_mutex_unlock(&st->if_lock);
	free(blk);
	return error;
}

int
nb_iface_mcast_walk(const struct nb_read *rd, const struct nb_iface *ifp,
    int (*cb)(const struct nb_mcastattrs *m, void *arg), void *arg)
{
	const struct nb_mcast_blk *blk;
	unsigned f;
	size_t i;
	int error;

	(void)rd;
	for (f = 0; f < NB_MCAST_NFAM; f++) {
		if ((blk = NB_LOAD(&ifp->mcast[f])) == NULL)
			continue;
		for (i = 0; i < blk->n; i++)
			if ((error = cb(&blk->v[i], arg)) != 0)
				return error;
	}
	return 0;
}
