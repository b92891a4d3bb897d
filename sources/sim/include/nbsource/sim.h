/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nbsource/sim.h - the "sim" source: worker threads acting as CPUs push
 * synthetic packets through a libstack stack while a control thread
 * churns its configuration. Callers: sysctl-tree (which opens it by
 * kind), the stress test, test_sim and bench_sim.
 */
#ifndef NBSOURCE_SIM_H
#define NBSOURCE_SIM_H

#include "nbstack/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * nb_source_open(st, &nb_source_sim_ops, opts, &src). opts->args is
 * "key=value,...": workers=N (threads acting as CPUs, each with its own
 * per-CPU slot; the stack needs N + 1 slots), ifaces=N, addrs=N (per
 * interface), descs=N (capture descriptors), rate=PPS (per worker; 0 or
 * "max" = unbounded), churn=N (configuration changes per second; 0 =
 * none, "max" = unbounded), duration=SECONDS (0 = until closed),
 * changes=N (stop churning after N), seed=N, big_lock=1 (every packet and
 * change under one global lock), bufsize=BYTES (descriptor buffers).
 * nb_source_check stops it and verifies its invariants.
 */
extern const struct nb_source_ops nb_source_sim_ops;

#ifdef __cplusplus
}
#endif
#endif /* NBSOURCE_SIM_H */
