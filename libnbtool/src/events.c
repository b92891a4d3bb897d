/* SPDX-License-Identifier: BSD-2-Clause */
/* events.c - --events: the timeline of a replayed range (links, interfaces, addresses, routes, neighbours, captures). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#define NS_PER_SEC 1000000000LL

struct ev_state {
	struct nb_out *o;
	const char *ifname; /* -I IF: only its events; NULL all */
	uint64_t n;
};

/* Local time to the millisecond (text: as an operator reads it). */
static void
ms_time(int64_t t_ns, char *buf, size_t size)
{
	time_t secs = (time_t)(t_ns / NS_PER_SEC);
	struct tm tm;
	char date[32];

	if (localtime_r(&secs, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, size, "%" PRId64, t_ns);
		return;
	}
	snprintf(buf, size, "%s.%03d", date, (int)(t_ns % NS_PER_SEC / 1000000));
}

static int
event_cb(const struct nb_sysctl_event *ev, void *arg)
{
	struct ev_state *s = arg;
	struct nb_out *o = s->o;
	char when[64];

	if (s->ifname != NULL && strcmp(ev->object, s->ifname) != 0)
		return 0;
	nb_out_open_object(o, NULL);
	if (nb_out_is_json(o)) {
		nb_format_time(ev->t_ns, when, sizeof(when));
		nb_out_str(o, NB_OUT_JSON, "time", "%s", when);
	} else {
		ms_time(ev->t_ns, when, sizeof(when));
		nb_out_str(o, NB_OUT_TEXT, "time", "%-23s", when);
	}
	nb_out_i64(o, NB_OUT_JSON, "t_ns", "%lld", ev->t_ns);
	nb_out_str(o, NB_OUT_ANY, "object", " %-15s", *ev->object != '\0' ? ev->object : "-");
	if (ev->ifindex != 0)
		nb_out_u64(o, NB_OUT_JSON, "ifindex", "%llu", ev->ifindex);
	else
		nb_out_null(o, NB_OUT_JSON, "ifindex", "");
	nb_out_str(o, NB_OUT_ANY, "event", " %s", ev->what);
	if (*ev->detail != '\0')
		nb_out_str(o, NB_OUT_ANY, "detail", " %s", ev->detail);
	else
		nb_out_str(o, NB_OUT_JSON, "detail", "%s", "");
	nb_out_text(o, "\n");
	nb_out_close_object(o);
	s->n++;
	return 0;
}

int
nb_events_print(struct nb_sysctl *h, const struct nb_common *c, const char *ifname,
    struct nb_out *o)
{
	struct ev_state s = { o, ifname, 0 };
	int64_t now, from = INT64_MIN, to = INT64_MAX;
	struct timespec ts;
	const char *d;
	int error;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
	/* Checked by nb_common_check: they parse. */
	if (c->from != NULL)
		(void)nb_parse_time(c->from, now, &from, NULL);
	if (c->to != NULL)
		(void)nb_parse_time(c->to, now, &to, NULL);
	nb_out_record_begin(o);
	nb_out_text(o, "%-23s %-15s %s\n", "TIME", "OBJECT", "EVENT");
	nb_out_open_array(o, "events");
	error = nb_sysctl_events(h, from, to, event_cb, &s);
	nb_out_close_array(o);
	nb_out_record_end(o);
	d = nb_sysctl_errdetail(h);
	if (error == -ENOENT) {
		/* A file of an older nbstat: nothing to show, and that is not an error. */
		nb_warnx("note: --replay %s: %s", c->replay_path,
		    *d != '\0' ? d : "no events in this file");
		return 0;
	}
	if (error != 0) {
		nb_warnx("--replay %s: %s", c->replay_path, *d != '\0' ? d : strerror(-error));
		return NB_EXIT_RUNTIME;
	}
	return 0;
}
