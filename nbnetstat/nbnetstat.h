/* SPDX-License-Identifier: BSD-2-Clause */
/* nbnetstat.h - nbnetstat's options and its modes (one file per mode). */
#ifndef NBNETSTAT_NBNETSTAT_H
#define NBNETSTAT_NBNETSTAT_H

#include <stdbool.h>

#include "nbtool/nbtool.h"

struct nb_sysctl;

struct netstat_opts {
	struct nb_common c;
	bool		 bflag;		/* -b: bytes instead of packets */
	bool		 dflag;		/* -d: drop columns */
	bool		 hflag;		/* -h: humanised byte counts (with -b) */
	bool		 qflag;		/* -q: skip interfaces with all-zero counters */
	bool		 nflag;		/* -n: numeric (always: we never resolve names) */
	const char	*ifname;	/* -I IF */
};

/* -i: the interface list, or with -w its interval (sideways) display. */
int	if_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o);

#endif /* NBNETSTAT_NBNETSTAT_H */
