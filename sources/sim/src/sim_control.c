/* SPDX-License-Identifier: BSD-2-Clause */
/* sim_control.c - the sim's control thread: configuration changes, one at a time, paced. */

/*
 * Theory of operation: see source_sim.c (what runs at once, the
 * invariants, who frees what); here: the control thread, the only
 * configuration writer. Its choices come from its own generator and
 * depend on nothing the workers do; removals are recorded as completed
 * only after a grace period (nb_stack_defer -> done_gen / done_id).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sim.h"

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
void
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

int
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

int
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

void *
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
