/* SPDX-License-Identifier: BSD-2-Clause */
/* departed.c - departed interfaces: final counters kept until a recorder drains them. */

/*
 * Theory of operation
 *
 * What may run at once
 *   Readers, one departed writer (dep_lock: nb_if_delete appends in the
 *   commit that kills the interface; nb_departed_drain marks), and the
 *   reclaimer running the phases under dep_lock.
 *
 * Invariants
 *   A departed record is born in the commit that kills its interface, so a
 *   reader sees an interface either live or departed, never both; records
 *   are in seq order.
 *
 * Who frees what
 *   nb_departed_drain kills the records up to seq in one commit; phase 1
 *   unlinks them, phase 2 frees them. Destroy frees the rest (iface.c).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ifaddr.h"

int
nb_departed_walk(const struct nb_read *rd, int (*cb)(const struct nb_departed *d, void *arg),
    void *arg)
{
	struct nb_lent *e;
	int error;

	for (e = nb_list_reader_first(&rd->st->departed); e != NULL; e = nb_list_reader_next(e)) {
		const struct nb_dep *dep = caa_container_of(e, struct nb_dep, le);

		if (!nb_vis_at(&dep->vis, rd->ver))
			continue;
		if ((error = cb(&dep->d, arg)) != 0)
			return error;
	}
	return 0;
}

static void
nb_dep_phase2(struct nb_rcu *r)
{
	struct nb_stack *st = r->st;

	free(caa_container_of(r, struct nb_dep, rcu));
	nb_health_atomic(st, NB_HEALTH_OBJECTS_FREED, 1);
}

static void
nb_dep_phase1(struct nb_rcu *r)
{
	struct nb_dep *dep = caa_container_of(r, struct nb_dep, rcu);
	struct nb_stack *st = r->st;

	pthread_mutex_lock(&st->dep_lock);
	nb_list_writer_unlink(&st->departed, &dep->le);
	pthread_mutex_unlock(&st->dep_lock);
	nb_defer(st, &dep->rcu, nb_dep_phase2);
}

int
nb_departed_drain(struct nb_stack *st, uint64_t upto)
{
	struct nb_lent *e;
	struct nb_dep *dep;
	uint64_t v;

	nb_thread_ensure();
	pthread_mutex_lock(&st->dep_lock);
	v = nb_commit_begin(st);
	for (e = st->departed.head; e != NULL; e = e->next) {
		dep = caa_container_of(e, struct nb_dep, le);
		if (dep->d.seq > upto)
			break;
		if (nb_vis_live(&dep->vis))
			NB_STORE_RELAXED(&dep->vis.death, v);
	}
	nb_commit_end(st, v);
	for (e = st->departed.head; e != NULL; e = e->next) {
		dep = caa_container_of(e, struct nb_dep, le);
		if (dep->d.seq > upto)
			break;
		if (NB_LOAD_RELAXED(&dep->vis.death) == v)
			nb_defer(st, &dep->rcu, nb_dep_phase1);
	}
	pthread_mutex_unlock(&st->dep_lock);
	return 0;
}
