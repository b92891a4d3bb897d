/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nbsource/linux.h - the "linux" source: fills a libstack stack from the
 * kernel (netlink dumps and events, procfs). Callers: sysctl-tree (which
 * opens it by kind), tests and benchmarks that drive a stack directly.
 */
#ifndef NBSOURCE_LINUX_H
#define NBSOURCE_LINUX_H

#include "nbstack/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

/* nb_source_open(st, &nb_source_linux_ops, opts, &src). */
extern const struct nb_source_ops nb_source_linux_ops;

/*
 * nb_source_opts.events: keep links, addresses, routes
 * and neighbours current from kernel events. open() subscribes to them,
 * loads links and addresses once (so it needs a registered thread, like
 * refresh) and starts an event thread that applies every change as it
 * arrives; routes and neighbours are loaded by the first
 * refresh(ROUTES|NEIGH) and kept by events from then on.
 * refresh(LINKS|ADDRS|ROUTES|NEIGH) then re-dumps only after lost events,
 * while IFSTATS still polls the counters. stack.events,
 * stack.dropped_events (+1 per overrun) and stack.resyncs count its work.
 * args "evbuf=BYTES" sets the event socket's receive buffer.
 */

#ifdef __cplusplus
}
#endif
#endif /* NBSOURCE_LINUX_H */
