/* SPDX-License-Identifier: BSD-2-Clause */
/* sim_worker.c - the sim's workers: one per-CPU slot each, packets through lookups, routes and capture. */

/*
 * Theory of operation: see source_sim.c (what runs at once, the
 * invariants, who frees what); here: the workers, each the only writer
 * of its slot; per packet one read section, a held route (rtcache) kept
 * outside it; every check that fails is a violation counted and kept.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

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
	    sim->bpf_filter((const struct bpf_insn *)prog, w->pkt, of->wire, of->cap);
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

void *
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
