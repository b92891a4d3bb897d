/* SPDX-License-Identifier: BSD-2-Clause */
/* mib_intr.c - kern.intr.<name>: the interrupt lines of libstack's snapshot (provider of mib.c). */
/*
 * kern.intr.<name>, one object per line of /proc/interrupts (docs/mib.md):
 *   description          what the kernel prints after the counts
 *   chip, hwirq, actions numbered lines: the irq chip, the hardware irq
 *                        with its flow, the handlers
 *   count                the total (counter); per-CPU vector by CPU number
 *                        with NB_SYSCTL_RD_PERCPU
 *   cpu.<n>              the count of CPU n (counters), for the lines that
 *                        have per-CPU counts: what a recording keeps (it
 *                        keeps no vectors)
 * Runs inside the walk's read section, like every provider.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mib.h"

struct intr_walk {
	struct mib_walk *w;
	const uint32_t *cpus;
	size_t ncpu;
};

/* The count with its vector indexed by CPU number (offline CPUs 0). */
static int
count_leaf(struct intr_walk *iw, const struct nb_intr *in)
{
	struct mib_walk *w = iw->w;
	struct nb_sysctl_value *v = &w->e.val;
	unsigned flags = NB_SYSCTL_F_COUNTER | (in->percpu != NULL ? NB_SYSCTL_F_PERCPU : 0);
	size_t n;

	if (mib_val_u64(w, flags, in->total) &&
	    (w->rdflags & NB_SYSCTL_RD_PERCPU) != 0 && in->percpu != NULL && iw->ncpu > 0) {
		n = (size_t)iw->cpus[iw->ncpu - 1] + 1;
		if (n > w->nvec) {
			uint64_t *nv = realloc(w->vec, n * sizeof(*nv));

			if (nv == NULL) {
				w->rc = -ENOMEM;
				return w->rc;
			}
			w->vec = nv;
			w->nvec = (unsigned)n;
		}
		for (size_t i = 0; i < n; i++)
			w->vec[i] = 0;
		for (size_t i = 0; i < iw->ncpu; i++)
			w->vec[iw->cpus[i]] = in->percpu[i];
		v->percpu = w->vec;
		v->ncpu = (unsigned)n;
	}
	return mib_emit(w, "interrupts serviced, all CPUs");
}

static int
intr_cb(const struct nb_intr *in, void *arg)
{
	struct intr_walk *iw = arg;
	struct mib_walk *w = iw->w;
	char num[24];
	size_t len;

	if (!mw_enter(w, in->name, strlen(in->name)))
		return 0;
	if (mib_node(w, "interrupt line")) {
		MIB_LEAF(w, "description", mib_leaf_str(w, "what the kernel says of it (chip, "
							   "hwirq and actions, or prose)",
					       NB_SYSCTL_STRING, 0, in->descr));
		if (in->chip != NULL)
			MIB_LEAF(w, "chip", mib_leaf_str(w, "interrupt chip", NB_SYSCTL_STRING, 0, in->chip));
		if (in->hwirq != NULL)
			MIB_LEAF(w, "hwirq", mib_leaf_str(w, "hardware irq and its flow", NB_SYSCTL_STRING, 0, in->hwirq));
		if (in->actions != NULL)
			MIB_LEAF(w, "actions", mib_leaf_str(w, "handlers (actions)", NB_SYSCTL_STRING, 0, in->actions));
		MIB_LEAF(w, "count", count_leaf(iw, in));
		if (in->percpu != NULL && !mw_stop(w) && mw_enter(w, "cpu", 3)) {
			if (mib_node(w, "interrupts serviced, by CPU number"))
				for (size_t i = 0; i < iw->ncpu && !mw_stop(w); i++) {
					len = mib_utoa(iw->cpus[i], num);
					if (!mw_enter(w, num, len))
						continue;
					if (mw_want_leaf(w))
						(void)mib_leaf_u64(w, "interrupts serviced on this CPU",
						    NB_SYSCTL_F_COUNTER, in->percpu[i]);
					mw_leave(w);
				}
			mw_leave(w);
		}
	}
	mw_leave(w);
	return mw_stop(w) ? 1 : 0;
}

int
mib_intr(struct mib_walk *w)
{
	const struct nb_intrsnap *sn = nb_intrs_snapshot(&w->rd);
	struct intr_walk iw = { .w = w };
	int error;

	iw.cpus = nb_intrs_cpus(sn, &iw.ncpu);
	if ((error = nb_intr_walk(sn, intr_cb, &iw)) < 0 && w->rc == 0)
		w->rc = error;
	return w->rc;
}
