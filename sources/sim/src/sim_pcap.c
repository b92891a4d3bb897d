/* SPDX-License-Identifier: BSD-2-Clause */
/* sim_pcap.c - libpcap, loaded with dlopen() at the sim's first open. */

/*
 * libpcap is not linked: every program with the sim source in it (the
 * tools, libnbstat.so) would load it, and the dbus, systemd and gcrypt
 * libraries under it, at every start, for a source only tests and
 * benchmarks open. The first open loads libpcap.so.0.8 and resolves
 * SIM_PCAP_FUNCS (sim.h) into one table, kept for the process (never
 * closed); <pcap/pcap.h> still gives the types. open() compiles the
 * capture filters through the table and keeps bpf_filter in the sim
 * (sim->bpf_filter), the workers' per-packet call.
 */

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "sim.h"

static struct sim_pcap pcap;
static pthread_once_t pcap_once = PTHREAD_ONCE_INIT;
static char pcap_err[256];	/* "" once loaded */

static void
pcap_fail(void)
{
	const char *e = dlerror();

	snprintf(pcap_err, sizeof(pcap_err), "sim: cannot load " SIM_PCAP_LIB ": %s",
	    e != NULL ? e : "no such symbol");
}

static void
pcap_load(void)
{
	void *h;

	if ((h = dlopen(SIM_PCAP_LIB, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		pcap_fail();
		return;
	}
#define SIM_PCAP_RESOLVE(f) \
	if (pcap_err[0] == '\0' && (pcap.f = (__typeof__(pcap.f))dlsym(h, #f)) == NULL) \
		pcap_fail();
	SIM_PCAP_FUNCS(SIM_PCAP_RESOLVE)
#undef SIM_PCAP_RESOLVE
}

const struct sim_pcap *
sim_pcap_load(char *err, size_t errlen)
{
	pthread_once(&pcap_once, pcap_load);
	if (pcap_err[0] != '\0') {
		snprintf(err, errlen, "%s", pcap_err);
		return NULL;
	}
	return &pcap;
}
