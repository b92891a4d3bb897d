/* SPDX-License-Identifier: BSD-2-Clause */
/* stack.c - stack lifecycle, read sections, slots, registries, health. */

/*
 * Theory of operation
 *
 * See stack-internal.h for versions, publication and retirement. This file
 * holds what is not per-object:
 *  - nb_read_enter/exit: liburcu memb read lock plus an acquire load of
 *    st->pub_ver; exit releases st->gp_token for TSan (the grace period).
 *  - commits: commit_lock orders all version bumps; the version is
 *    release-stored after the committing writer's birth/death stores.
 *  - slots: slot_used[] under slot_lock; slot 0 (NB_SLOT_SOURCE) is never
 *    handed out.
 *  - registries (hashstat, statgroups): append-only RCU lists under
 *    reg_lock; entries are fully built before the release store that links
 *    them and are freed only by nb_stack_destroy (Exclusive).
 *  - NB_HEALTH_OBJECTS_FREED and NB_HEALTH_GRACE_PERIODS are bumped by
 *    reclamation, which runs on the reclaimer thread or on whichever thread
 *    drops an interface's last hold, so they are the counters updated with
 *    an atomic add (in slot 0, on words no one else writes); every other
 *    health counter follows the slot-owner rule.
 *  - the reclaimer thread (rcu.c) is started by nb_stack_create and
 *    stopped by nb_stack_destroy after its barrier.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stack-internal.h"

const struct nb_ctr_desc nb_ifstat_desc[NB_IFSTAT_MAX] = {
	[NB_IFSTAT_IPACKETS] = { "ipackets", "packets received", NB_CTR_COUNTER },
	[NB_IFSTAT_IERRORS] = { "ierrors", "input errors", NB_CTR_COUNTER },
	[NB_IFSTAT_IQDROPS] = { "iqdrops", "packets dropped on input", NB_CTR_COUNTER },
	[NB_IFSTAT_IBYTES] = { "ibytes", "bytes received", NB_CTR_COUNTER },
	[NB_IFSTAT_IMCASTS] = { "imcasts", "multicast packets received", NB_CTR_COUNTER },
	[NB_IFSTAT_OPACKETS] = { "opackets", "packets sent", NB_CTR_COUNTER },
	[NB_IFSTAT_OERRORS] = { "oerrors", "output errors", NB_CTR_COUNTER },
	[NB_IFSTAT_OQDROPS] = { "oqdrops", "packets dropped on output", NB_CTR_COUNTER },
	[NB_IFSTAT_OBYTES] = { "obytes", "bytes sent", NB_CTR_COUNTER },
	[NB_IFSTAT_OMCASTS] = { "omcasts", "multicast packets sent", NB_CTR_COUNTER },
	[NB_IFSTAT_COLLISIONS] = { "collisions", "collisions on CSMA interfaces", NB_CTR_COUNTER },
	[NB_IFSTAT_NOPROTO] = { "noproto", "packets received for unknown protocols", NB_CTR_COUNTER },
};

static const struct nb_ctr_desc nb_health_desc[NB_HEALTH_MAX] = {
	[NB_HEALTH_EVENTS] = { "events", "source events applied", NB_CTR_COUNTER },
	[NB_HEALTH_RESYNCS] = { "resyncs", "full resynchronisations with the source", NB_CTR_COUNTER },
	[NB_HEALTH_DROPPED_EVENTS] = { "dropped_events", "source events lost (overrun)", NB_CTR_COUNTER },
	[NB_HEALTH_SAMPLES] = { "samples", "refreshes done", NB_CTR_COUNTER },
	[NB_HEALTH_SAMPLE_NS] = { "sample_ns", "cost of the last refresh in nanoseconds", NB_CTR_GAUGE },
	[NB_HEALTH_OBJECTS_FREED] = { "objects_freed", "objects reclaimed after a grace period", NB_CTR_COUNTER },
	[NB_HEALTH_GRACE_PERIODS] = { "grace_periods", "grace periods waited for by deferred frees", NB_CTR_COUNTER },
};

/* ---- lifecycle ---- */

static void	nb_statgroup_free(struct nb_statgroup *sg);

static void
nb_registries_free(struct nb_stack *st)
{
	struct nb_lent *e, *next;

	for (e = st->hashregs.head; e != NULL; e = next) {
		struct nb_hashreg *h = caa_container_of(e, struct nb_hashreg, le);

		next = e->next;
		free(h->name);
		free(h->descr);
		free(h);
	}
	nb_list_init(&st->hashregs);
	for (e = st->statgroups.head; e != NULL; e = next) {
		next = e->next;
		nb_statgroup_free(caa_container_of(e, struct nb_statgroup, le));
	}
	nb_list_init(&st->statgroups);
	st->health = NULL;
	nb_info_fini(st);
	nb_procs_fini(st);
	nb_mounts_fini(st);
	nb_intrs_fini(st);
	nb_pcbs_fini(st);
}

/* How far nb_stack_create got: what nb_stack_teardown has to undo. */
enum nb_stack_stage { NB_ST_BASE, NB_ST_IFACE, NB_ST_ROUTE, NB_ST_BPF, NB_ST_RECLAIM };

/* Undo nb_stack_create up to `stage` and free st (Exclusive). */
static void
nb_stack_teardown(struct nb_stack *st, enum nb_stack_stage stage)
{
	if (stage >= NB_ST_RECLAIM) {
		nb_stack_barrier(st);
		nb_reclaim_stop(st);
	}
	if (stage >= NB_ST_BPF)
		nb_bpf_fini(st);	/* before interfaces: it frees their links */
	if (stage >= NB_ST_IFACE)
		nb_iface_fini(st);
	if (stage >= NB_ST_ROUTE)
		nb_route_fini(st);
	nb_registries_free(st);
	free(st->slot_used);
	pthread_mutex_destroy(&st->commit_lock);
	pthread_mutex_destroy(&st->if_lock);
	pthread_mutex_destroy(&st->addr_lock);
	pthread_mutex_destroy(&st->dep_lock);
	nb_ev_fini(st);
	pthread_mutex_destroy(&st->ev_lock);
	pthread_mutex_destroy(&st->reg_lock);
	pthread_mutex_destroy(&st->slot_lock);
	free(st);
}

int
nb_stack_create(const struct nb_stack_config *cfg, struct nb_stack **out)
{
	struct nb_stack *st = NULL;
	enum nb_stack_stage stage = NB_ST_BASE;
	long ncpu;
	int error;

	nb_thread_ensure();
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -ENOMEM;
	if (cfg != NULL && cfg->nslots != 0) {
		st->nslots = cfg->nslots;
	} else {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		st->nslots = (unsigned)(ncpu > 0 ? ncpu : 1) + 1;
	}
	if (st->nslots > (1u << 16)) {
		free(st);
		return -EINVAL;
	}
	pthread_mutex_init(&st->commit_lock, NULL);
	pthread_mutex_init(&st->if_lock, NULL);
	pthread_mutex_init(&st->addr_lock, NULL);
	pthread_mutex_init(&st->dep_lock, NULL);
	pthread_mutex_init(&st->ev_lock, NULL);
	pthread_mutex_init(&st->reg_lock, NULL);
	pthread_mutex_init(&st->slot_lock, NULL);
	st->ifstat_mask = (1u << NB_IFSTAT_MAX) - 1;
	nb_list_init(&st->ifaces);
	nb_list_init(&st->departed);
	nb_list_init(&st->hashregs);
	nb_list_init(&st->statgroups);
	nb_list_init(&st->infos);
	if ((st->slot_used = calloc(st->nslots, sizeof(bool))) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	st->slot_used[NB_SLOT_SOURCE] = true;
	if ((error = nb_statgroup_register(st, "stack", "libstack health", nb_health_desc,
	    NB_HEALTH_MAX, st->nslots, &st->health)) != 0)
		goto out;
	if ((error = nb_iface_init(st)) != 0)
		goto out;
	stage = NB_ST_IFACE;
	if ((error = nb_route_init(st)) != 0)
		goto out;
	stage = NB_ST_ROUTE;
	if ((error = nb_bpf_init(st)) != 0)
		goto out;
	stage = NB_ST_BPF;
	if ((error = nb_reclaim_start(st)) != 0)
		goto out;
	*out = st;
	return 0;
out:
	nb_stack_teardown(st, stage);
	return error;
}

void
nb_stack_barrier(struct nb_stack *st)
{
	struct nb_reclaim *rc = &st->rc;

	/*
	 * Phase-1 callbacks queue phase-2 ones: ask for batches now (flush)
	 * and wait until none is pending. pending reaches 0 only after the
	 * last of our callbacks returned (its release decrement is its last
	 * access to st). It is tested under rc.lock, and the reclaimer
	 * broadcasts rc.done under that lock after each batch's last
	 * decrement, so the wake-up cannot fall between the test and the
	 * wait. (Waiting for "the next batch" instead would wait forever when
	 * the batch that emptied pending ended between a test outside the
	 * lock and the wait.)
	 */
	pthread_mutex_lock(&rc->lock);
	rc->flush++;
	pthread_cond_signal(&rc->wake);
	while (__atomic_load_n(&st->pending, __ATOMIC_ACQUIRE) != 0)
		pthread_cond_wait(&rc->done, &rc->lock);
	rc->flush--;
	pthread_mutex_unlock(&rc->lock);
	NB_TSAN_ACQUIRE(&st->gp_token);
}

void
nb_stack_destroy(struct nb_stack **sp)
{
	struct nb_stack *st = *sp;

	if (st == NULL)
		return;
	nb_stack_teardown(st, NB_ST_RECLAIM);
	*sp = NULL;
}

unsigned
nb_stack_nslots(const struct nb_stack *st)
{
	return st->nslots;
}

/* ---- read sections and commits ---- */

void
nb_read_enter(struct nb_stack *st, struct nb_read *rd)
{
	nb_thread_ensure();
	urcu_memb_read_lock();
	rd->st = st;
	rd->ver = __atomic_load_n(&st->pub_ver, __ATOMIC_ACQUIRE);
}

void
nb_read_exit(struct nb_read *rd)
{
	NB_TSAN_RELEASE(&rd->st->gp_token);
	urcu_memb_read_unlock();
}

uint64_t
nb_commit_begin(struct nb_stack *st)
{
	pthread_mutex_lock(&st->commit_lock);
	return st->pub_ver + 1;
}

void
nb_commit_end(struct nb_stack *st, uint64_t v)
{
	__atomic_store_n(&st->pub_ver, v, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&st->commit_lock);
}

/* ---- slots ---- */

int
nb_slot_acquire(struct nb_stack *st, unsigned *slot)
{
	unsigned s;
	int error = -EBUSY;

	pthread_mutex_lock(&st->slot_lock);
	for (s = NB_SLOT_SOURCE + 1; s < st->nslots; s++)
		if (!st->slot_used[s]) {
			st->slot_used[s] = true;
			*slot = s;
			error = 0;
			break;
		}
	pthread_mutex_unlock(&st->slot_lock);
	return error;
}

void
nb_slot_release(struct nb_stack *st, unsigned slot)
{
	if (slot == NB_SLOT_SOURCE || slot >= st->nslots)
		return;
	pthread_mutex_lock(&st->slot_lock);
	st->slot_used[slot] = false;
	pthread_mutex_unlock(&st->slot_lock);
}

/* ---- ifstat mask ---- */

void
nb_stack_set_ifstat_mask(struct nb_stack *st, uint32_t mask)
{
	__atomic_store_n(&st->ifstat_mask, mask & ((1u << NB_IFSTAT_MAX) - 1), __ATOMIC_RELAXED);
}

uint32_t
nb_stack_ifstat_mask(const struct nb_stack *st)
{
	return __atomic_load_n(&st->ifstat_mask, __ATOMIC_RELAXED);
}

/* ---- health ---- */

struct nb_ctrgroup *
nb_stack_health(struct nb_stack *st)
{
	return st->health->ctrs;
}

void
nb_health_atomic(struct nb_stack *st, unsigned which, uint64_t n)
{
	uint64_t *s0 = nb_ctrgroup_slot(st->health->ctrs, NB_SLOT_SOURCE);

	__atomic_add_fetch(&s0[which], n, __ATOMIC_RELAXED);
}

/* ---- hashstat registry ---- */

static bool
nb_mib_component_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

int
nb_hashstat_register(struct nb_stack *st, const char *name, const char *descr,
    nb_hashstat_fn fn, void *arg)
{
	struct nb_hashreg *h = NULL;
	struct nb_lent *e;
	int error = 0;

	if (name == NULL || fn == NULL || !nb_mib_component_ok(name))
		return -EINVAL;
	pthread_mutex_lock(&st->reg_lock);
	for (e = st->hashregs.head; e != NULL; e = e->next)
		if (strcmp(caa_container_of(e, struct nb_hashreg, le)->name, name) == 0) {
			error = -EEXIST;
			goto out;
		}
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->name = strdup(name)) == NULL ||
	    (h->descr = strdup(descr != NULL ? descr : "")) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	h->fn = fn;
	h->arg = arg;
	nb_list_writer_append(&st->hashregs, &h->le);
	h = NULL;
out:
	pthread_mutex_unlock(&st->reg_lock);
	if (h != NULL) {
		free(h->name);
		free(h->descr);
		free(h);
	}
	return error;
}

int
nb_hashstat_walk(const struct nb_read *rd,
    int (*cb)(const char *name, const char *descr, const struct nb_hashstat *hs, void *arg),
    void *arg)
{
	struct nb_lent *e;
	struct nb_hashstat hs;
	int error;

	for (e = nb_list_reader_first(&rd->st->hashregs); e != NULL; e = nb_list_reader_next(e)) {
		struct nb_hashreg *h = caa_container_of(e, struct nb_hashreg, le);

		memset(&hs, 0, sizeof(hs));
		if ((error = h->fn(rd, h->arg, &hs)) != 0)
			return error;
		if ((error = cb(h->name, h->descr, &hs, arg)) != 0)
			return error;
	}
	return 0;
}

/* ---- statgroups ---- */

static void
nb_statgroup_free(struct nb_statgroup *sg)
{
	unsigned i;

	if (sg == NULL)
		return;
	if (sg->descs != NULL)
		for (i = 0; i < sg->n; i++) {
			free((char *)sg->descs[i].name);
			free((char *)sg->descs[i].descr);
		}
	free(sg->descs);
	nb_ctrgroup_destroy(&sg->ctrs);
	free(sg->mib);
	free(sg->descr);
	free(sg);
}

int
nb_statgroup_register(struct nb_stack *st, const char *mib, const char *descr,
    const struct nb_ctr_desc *descs, unsigned n, unsigned nslots, struct nb_statgroup **out)
{
	return nb_statgroup_register_flags(st, mib, descr, descs, n, nslots, 0, out);
}

int
nb_statgroup_register_flags(struct nb_stack *st, const char *mib, const char *descr,
    const struct nb_ctr_desc *descs, unsigned n, unsigned nslots, unsigned flags,
    struct nb_statgroup **out)
{
	struct nb_statgroup *sg = NULL, *x;
	struct nb_lent *e;
	unsigned i;
	int error = 0;

	if (mib == NULL || *mib == '\0' || descs == NULL || n == 0 || nslots == 0)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (descs[i].name == NULL || !nb_mib_component_ok(descs[i].name))
			return -EINVAL;
	pthread_mutex_lock(&st->reg_lock);
	for (e = st->statgroups.head; e != NULL; e = e->next) {
		x = caa_container_of(e, struct nb_statgroup, le);
		if (strcmp(x->mib, mib) != 0)
			continue;
		if (x->n == n && x->ctrs->nslots == nslots && x->flags == flags)
			*out = x;
		else
			error = -EEXIST;
		goto out;
	}
	if ((sg = calloc(1, sizeof(*sg))) == NULL ||
	    (sg->mib = strdup(mib)) == NULL ||
	    (sg->descr = strdup(descr != NULL ? descr : "")) == NULL ||
	    (sg->descs = calloc(n, sizeof(*sg->descs))) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	sg->n = n;
	sg->flags = flags;
	for (i = 0; i < n; i++) {
		sg->descs[i].kind = descs[i].kind;
		if ((sg->descs[i].name = strdup(descs[i].name)) == NULL ||
		    (sg->descs[i].descr = strdup(descs[i].descr != NULL ? descs[i].descr : "")) == NULL) {
			error = -ENOMEM;
			goto out;
		}
	}
	if ((error = nb_ctrgroup_create(n, nslots, &sg->ctrs)) != 0)
		goto out;
	nb_list_writer_append(&st->statgroups, &sg->le);
	*out = sg;
	sg = NULL;
out:
	pthread_mutex_unlock(&st->reg_lock);
	nb_statgroup_free(sg);
	return error;
}

struct nb_ctrgroup *
nb_statgroup_ctrs(struct nb_statgroup *sg)
{
	return sg->ctrs;
}

int
nb_statgroup_walk(const struct nb_read *rd,
    int (*cb)(const struct nb_statgroup_info *info, void *arg), void *arg)
{
	struct nb_statgroup_info info;
	struct nb_lent *e;
	int error;

	for (e = nb_list_reader_first(&rd->st->statgroups); e != NULL; e = nb_list_reader_next(e)) {
		struct nb_statgroup *sg = caa_container_of(e, struct nb_statgroup, le);

		info.mib = sg->mib;
		info.descr = sg->descr;
		info.descs = sg->descs;
		info.n = sg->n;
		info.ctrs = sg->ctrs;
		info.flags = sg->flags;
		if ((error = cb(&info, arg)) != 0)
			return error;
	}
	return 0;
}
