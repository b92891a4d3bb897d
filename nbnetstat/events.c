/* SPDX-License-Identifier: BSD-2-Clause */
/* events.c - nbnetstat --events: the event timeline of a replayed range, -I one interface's. */
#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#include "nbnetstat.h"

int
events_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	return nb_events_print(h, &no->c, no->ifname, o);
}
