/* SPDX-License-Identifier: BSD-2-Clause */
/* lx_stats64.h - private: struct rtnl_link_stats64 -> the twelve interface counters (docs/mib.md). */
#ifndef NBSTACK_LX_STATS64_H
#define NBSTACK_LX_STATS64_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/if_link.h>

#include "nbstack/stack.h"

/* Kernels before 4.6 end struct rtnl_link_stats64 before rx_nohandler. */
#define STATS64_NOHANDLER_END \
	(offsetof(struct rtnl_link_stats64, rx_nohandler) + sizeof(__u64))

/*
 * Field f of a struct rtnl_link_stats64 of len bytes at p, read as if the
 * struct were copied over zeros (a cut-short field keeps its first bytes).
 */
#define S64(p, len, f)	stats64_get((p), (len), offsetof(struct rtnl_link_stats64, f))

static inline uint64_t
stats64_get(const uint8_t *p, size_t len, size_t off)
{
	uint64_t x = 0;

	if (off + sizeof(x) <= len)
		memcpy(&x, p + off, sizeof(x));	/* only 4-aligned in a message */
	else if (off < len)
		memcpy(&x, p + off, len - off);
	return x;
}

/*
 * docs/mib.md: the kernel -> counter mapping. Always inline: with the
 * constant len of a full struct every read is a plain load.
 */
static inline __attribute__((always_inline)) void
stats64_map(const uint8_t *p, size_t len, uint64_t v[NB_IFSTAT_MAX])
{
	v[NB_IFSTAT_IPACKETS] = S64(p, len, rx_packets);
	v[NB_IFSTAT_IERRORS] = S64(p, len, rx_errors);
	v[NB_IFSTAT_IQDROPS] = S64(p, len, rx_dropped);
	v[NB_IFSTAT_IBYTES] = S64(p, len, rx_bytes);
	v[NB_IFSTAT_IMCASTS] = S64(p, len, multicast);
	v[NB_IFSTAT_OPACKETS] = S64(p, len, tx_packets);
	v[NB_IFSTAT_OERRORS] = S64(p, len, tx_errors);
	v[NB_IFSTAT_OQDROPS] = S64(p, len, tx_dropped);
	v[NB_IFSTAT_OBYTES] = S64(p, len, tx_bytes);
	v[NB_IFSTAT_OMCASTS] = 0;		/* absent on linux (ifstat mask) */
	v[NB_IFSTAT_COLLISIONS] = S64(p, len, collisions);
	v[NB_IFSTAT_NOPROTO] = S64(p, len, rx_nohandler);
}

#endif
