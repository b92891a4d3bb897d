/* SPDX-License-Identifier: BSD-2-Clause */
/* mib_kern.c - kern.*: hashstat tables and the kernel-information leaves (hostname, ncpu, ...). */
/*
 * kern.hashstat.<table>.{size,used,items,maxchain} come from the hashstat
 * registry. The kernel-information leaves (kern.hostname, kern.osrelease,
 * kern.ostype: strings; kern.ncpu, kern.boottime, kern.clockrate.hz: ints)
 * are libstack info values (nb_info_walk) that the linux source sets from
 * /proc/stat and /proc/sys/kernel; mib.c places them at their names and
 * calls mib_kinfo_leaf. kern.ctxt, kern.forks, kern.procs_running,
 * kern.procs_blocked and kern.intr.total are statgroups ("kern",
 * "kern.intr") and kern.cp_time a per-CPU statgroup: mib.c publishes those.
 *
 * Concurrency: runs inside the walk's one read section (mib.c, theory of
 * operation); the registry calls each table's statistics function with the
 * same struct nb_read, so the numbers describe the walk's snapshot, and
 * info strings stay valid until the read section ends.
 */
#include <string.h>

#include "mib.h"

static int
hashstat_cb(const char *name, const char *descr, const struct nb_hashstat *hs, void *arg)
{
	struct mib_walk *w = arg;

	if (mw_enter(w, name, strlen(name))) {
		if (mib_node(w, descr)) {
			MIB_LEAF(w, "size", mib_leaf_u64(w, "buckets", NB_SYSCTL_F_GAUGE,
			    hs->size));
			MIB_LEAF(w, "used", mib_leaf_u64(w, "non-empty buckets",
			    NB_SYSCTL_F_GAUGE, hs->used));
			MIB_LEAF(w, "items", mib_leaf_u64(w, "items in the table",
			    NB_SYSCTL_F_GAUGE, hs->items));
			MIB_LEAF(w, "maxchain", mib_leaf_u64(w, "longest chain",
			    NB_SYSCTL_F_GAUGE, hs->maxchain));
		}
		mw_leave(w);
	}
	return mw_stop(w) ? 1 : 0;
}

int
mib_hashstat(struct mib_walk *w)
{
	int error;

	if ((error = nb_hashstat_walk(&w->rd, hashstat_cb, w)) < 0 && w->rc == 0)
		w->rc = error;
	return w->rc;
}

int
mib_kinfo_leaf(struct mib_walk *w, const char *descr, unsigned type, int64_t i, const char *s)
{
	if (type == NB_INFO_STR)
		return mib_leaf_str(w, descr, NB_SYSCTL_STRING, 0, s);
	return mib_leaf_int(w, descr, NB_SYSCTL_F_GAUGE, i);
}
