/* SPDX-License-Identifier: BSD-2-Clause */
/* nbvmstat.h - nbvmstat's options and its modes (one file per mode group). */
#ifndef NBVMSTAT_NBVMSTAT_H
#define NBVMSTAT_NBVMSTAT_H

#include <stdbool.h>
#include <stddef.h>

#include "nbtool/nbtool.h"

struct nb_sysctl;

struct vmstat_opts {
	struct nb_common c;
	bool		 Hflag;		/* -H: every hash table */
	bool		 iflag;		/* -i: interrupts */
	bool		 Lflag;		/* -L: list the hash tables */
	bool		 Pflag;		/* -P: per-CPU cpu lines (with -i: per-CPU columns) */
	bool		 sflag;		/* -s: totals as a list */
	const char	**hashes;	/* -h NAME, in the order given */
	size_t		 nhashes;
};

/* -h, -H, -L: kern.hashstat in the NetBSD layout. */
int	hash_mode(struct nb_sysctl *h, const struct vmstat_opts *vo, struct nb_out *o);
/* -i, -i -P: kern.intr.* in the NetBSD layout (interrupt, total, rate). */
int	intr_mode(struct nb_sysctl *h, const struct vmstat_opts *vo, struct nb_out *o);
/* Default, -P, -s: the vmstat line, per-CPU lines, totals. */
int	vm_mode(struct nb_sysctl *h, const struct vmstat_opts *vo, struct nb_out *o);

/* --plot: cpu, memory and faults over a replay range or interval mode. */
int	vm_plot(struct nb_sysctl *h, const struct vmstat_opts *vo, struct nb_out *o);
/* -H --diff T1 T2: hash tables added, removed, changed (hash.c). */
int	hash_diff(struct nb_sysctl *h, const struct vmstat_opts *vo, struct nb_out *o);

#endif /* NBVMSTAT_NBVMSTAT_H */
