/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stats.c - nbnetstat -s: protocol statistics in the BSD layout, printed from
 * tables of (MIB leaf, JSON key, prose), collected in one walk per family.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#include "nbnetstat.h"

/* Plural suffixes, as BSD's plural(), plurales(), pluralies(). */
enum pl { PL_S, PL_ES, PL_IES, PL_NONE };

/*
 * One counter: net.<family>.<group>.stats.<field>. A NULL group is the
 * protocol's own group (so udp and udp6 share a table). A NULL field marks
 * the place of the output (key "output-histogram") or input histogram.
 */
struct stat_field {
	const char	*group;
	const char	*field;
	const char	*key;
	const char	*prose;		/* one %s: the plural suffix */
	enum pl		 pl;
};

#define HIST_OUT	{ NULL, NULL, "output-histogram", "Output histogram:", PL_NONE }
#define HIST_IN		{ NULL, NULL, "input-histogram", "Input histogram:", PL_NONE }
#define END		{ NULL, NULL, NULL, NULL, PL_NONE }

static const struct stat_field ip_fields[] = {
	{ NULL, "inreceives", "total-received", "total packet%s received", PL_S },
	{ NULL, "inhdrerrors", "bad-header", "packet%s with bad header", PL_S },
	{ "ipext", "incsumerrors", "bad-checksum", "packet%s with bad checksum", PL_S },
	{ NULL, "inaddrerrors", "bad-address", "packet%s with invalid destination address", PL_S },
	{ "ipext", "intruncatedpkts", "received-truncated", "truncated packet%s received", PL_S },
	{ "ipext", "innoroutes", "received-no-route", "packet%s received with no route", PL_S },
	{ NULL, "inunknownprotos", "unknown-protocol", "packet%s for unknown/unsupported protocol", PL_S },
	{ NULL, "indiscards", "received-discarded", "incoming packet%s discarded", PL_S },
	{ NULL, "reasmreqds", "received-fragments", "fragment%s received", PL_S },
	{ NULL, "reasmoks", "reassembled", "packet%s reassembled ok", PL_S },
	{ NULL, "reasmfails", "reassembly-failed", "reassembl%s failed", PL_IES },
	{ NULL, "reasmtimeout", "fragments-timed-out", "fragment%s dropped after timeout", PL_S },
	{ "ipext", "reasmoverlaps", "fragments-overlapping", "fragment%s overlapping", PL_S },
	{ NULL, "indelivers", "delivered-packets", "packet%s for this host", PL_S },
	{ NULL, "forwdatagrams", "forwarded", "packet%s forwarded", PL_S },
	{ NULL, "outrequests", "sent-packets", "packet%s sent from this host", PL_S },
	{ NULL, "outtransmits", "transmitted-packets", "packet%s transmitted", PL_S },
	{ NULL, "outdiscards", "output-discarded", "output packet%s discarded", PL_S },
	{ NULL, "outnoroutes", "discard-no-route", "output packet%s discarded due to no route", PL_S },
	{ NULL, "fragoks", "fragmented", "output datagram%s fragmented", PL_S },
	{ NULL, "fragcreates", "fragments-created", "fragment%s created", PL_S },
	{ NULL, "fragfails", "cant-fragment", "datagram%s that can't be fragmented", PL_S },
	{ "ipext", "inmcastpkts", "received-multicast", "multicast packet%s received", PL_S },
	{ "ipext", "outmcastpkts", "sent-multicast", "multicast packet%s sent", PL_S },
	{ "ipext", "inbcastpkts", "received-broadcast", "broadcast packet%s received", PL_S },
	{ "ipext", "outbcastpkts", "sent-broadcast", "broadcast packet%s sent", PL_S },
	{ "ipext", "inoctets", "received-bytes", "byte%s received", PL_S },
	{ "ipext", "outoctets", "sent-bytes", "byte%s sent", PL_S },
	{ "ipext", "inmcastoctets", "received-multicast-bytes", "multicast byte%s received", PL_S },
	{ "ipext", "outmcastoctets", "sent-multicast-bytes", "multicast byte%s sent", PL_S },
	{ "ipext", "inbcastoctets", "received-broadcast-bytes", "broadcast byte%s received", PL_S },
	{ "ipext", "outbcastoctets", "sent-broadcast-bytes", "broadcast byte%s sent", PL_S },
	{ "ipext", "innoectpkts", "received-not-ect", "packet%s received without ECN", PL_S },
	{ "ipext", "inect0pkts", "received-ect0", "packet%s received with ECT(0)", PL_S },
	{ "ipext", "inect1pkts", "received-ect1", "packet%s received with ECT(1)", PL_S },
	{ "ipext", "incepkts", "received-ce", "packet%s received with congestion experienced", PL_S },
	END,
};

static const struct stat_field ip6_fields[] = {
	{ NULL, "inreceives", "total-received", "total packet%s received", PL_S },
	{ NULL, "inhdrerrors", "bad-header", "packet%s with bad header", PL_S },
	{ NULL, "intoobigerrors", "too-big", "packet%s too big to forward", PL_S },
	{ NULL, "inaddrerrors", "bad-address", "packet%s with invalid destination address", PL_S },
	{ NULL, "intruncatedpkts", "received-truncated", "truncated packet%s received", PL_S },
	{ NULL, "innoroutes", "received-no-route", "packet%s received with no route", PL_S },
	{ NULL, "inunknownprotos", "unknown-protocol", "packet%s for unknown/unsupported protocol", PL_S },
	{ NULL, "indiscards", "received-discarded", "incoming packet%s discarded", PL_S },
	{ NULL, "reasmreqds", "received-fragments", "fragment%s received", PL_S },
	{ NULL, "reasmoks", "reassembled", "packet%s reassembled ok", PL_S },
	{ NULL, "reasmfails", "reassembly-failed", "reassembl%s failed", PL_IES },
	{ NULL, "reasmtimeout", "fragments-timed-out", "fragment%s dropped after timeout", PL_S },
	{ NULL, "indelivers", "delivered-packets", "packet%s for this host", PL_S },
	{ NULL, "outforwdatagrams", "forwarded", "packet%s forwarded", PL_S },
	{ NULL, "outrequests", "sent-packets", "packet%s sent from this host", PL_S },
	{ NULL, "outtransmits", "transmitted-packets", "packet%s transmitted", PL_S },
	{ NULL, "outdiscards", "output-discarded", "output packet%s discarded", PL_S },
	{ NULL, "outnoroutes", "discard-no-route", "output packet%s discarded due to no route", PL_S },
	{ NULL, "fragoks", "fragmented", "output datagram%s fragmented", PL_S },
	{ NULL, "fragcreates", "fragments-created", "fragment%s created", PL_S },
	{ NULL, "fragfails", "cant-fragment", "datagram%s that can't be fragmented", PL_S },
	{ NULL, "inmcastpkts", "received-multicast", "multicast packet%s received", PL_S },
	{ NULL, "outmcastpkts", "sent-multicast", "multicast packet%s sent", PL_S },
	{ NULL, "inoctets", "received-bytes", "byte%s received", PL_S },
	{ NULL, "outoctets", "sent-bytes", "byte%s sent", PL_S },
	{ NULL, "inmcastoctets", "received-multicast-bytes", "multicast byte%s received", PL_S },
	{ NULL, "outmcastoctets", "sent-multicast-bytes", "multicast byte%s sent", PL_S },
	{ NULL, "inbcastoctets", "received-broadcast-bytes", "broadcast byte%s received", PL_S },
	{ NULL, "outbcastoctets", "sent-broadcast-bytes", "broadcast byte%s sent", PL_S },
	{ NULL, "innoectpkts", "received-not-ect", "packet%s received without ECN", PL_S },
	{ NULL, "inect0pkts", "received-ect0", "packet%s received with ECT(0)", PL_S },
	{ NULL, "inect1pkts", "received-ect1", "packet%s received with ECT(1)", PL_S },
	{ NULL, "incepkts", "received-ce", "packet%s received with congestion experienced", PL_S },
	END,
};

/* icmp and icmp6: the per-type counts come from the histogram group. */
static const struct stat_field icmp_fields[] = {
	{ NULL, "outmsgs", "sent-messages", "ICMP message%s sent", PL_S },
	{ NULL, "outerrors", "sent-errors", "ICMP message%s not sent due to errors", PL_S },
	{ NULL, "outratelimitglobal", "rate-limited-global", "message%s suppressed by the global rate limit", PL_S },
	{ NULL, "outratelimithost", "rate-limited-host", "message%s suppressed by the per-host rate limit", PL_S },
	HIST_OUT,
	{ NULL, "inmsgs", "received-messages", "ICMP message%s received", PL_S },
	{ NULL, "inerrors", "received-errors", "message%s with bad code fields or length", PL_S },
	{ NULL, "incsumerrors", "bad-checksum", "message%s with bad checksum", PL_S },
	HIST_IN,
	END,
};

static const struct stat_field tcp_fields[] = {
	{ NULL, "outsegs", "sent-packets", "packet%s sent", PL_S },
	{ "tcpext", "tcporigdatasent", "sent-data-packets", "data packet%s sent", PL_S },
	{ NULL, "retranssegs", "sent-retransmitted-packets", "data packet%s retransmitted", PL_S },
	{ "tcpext", "tcpfastretrans", "fast-retransmits", "fast retransmit%s", PL_S },
	{ "tcpext", "tcpslowstartretrans", "slow-start-retransmits", "retransmit%s in slow start", PL_S },
	{ "tcpext", "tcpsynretrans", "syn-retransmits", "SYN retransmit%s", PL_S },
	{ "tcpext", "tcplostretransmit", "lost-retransmits", "retransmit%s lost", PL_S },
	{ "tcpext", "tcpretransfail", "retransmit-failures", "retransmit%s failed", PL_S },
	{ "tcpext", "delayedacks", "sent-delayed-acks", "delayed ack%s sent", PL_S },
	{ "tcpext", "delayedacklost", "quick-ack-mode", "time%s quick ack mode was activated", PL_S },
	{ NULL, "outrsts", "sent-resets", "reset%s sent", PL_S },
	{ "tcpext", "tcpkeepalive", "keepalive-probes", "keepalive probe%s sent", PL_S },
	{ "tcpext", "tcplossprobes", "loss-probes", "loss probe%s sent", PL_S },
	{ "tcpext", "tcplossproberecovery", "loss-probe-recoveries", "recover%s by loss probe", PL_IES },
	{ "tcpext", "tcpautocorking", "autocorked-packets", "packet%s autocorked", PL_S },
	{ "tcpext", "tcpwinprobe", "window-probes", "window probe%s sent", PL_S },
	{ "tcpext", "tcptozerowindowadv", "zero-window-advertised", "zero window%s advertised", PL_S },
	{ NULL, "insegs", "received-packets", "packet%s received", PL_S },
	{ NULL, "inerrs", "received-bad-segments", "bad segment%s received", PL_S },
	{ NULL, "incsumerrors", "received-bad-checksum", "discarded for bad checksum%s", PL_S },
	{ "tcpext", "tcppureacks", "received-pure-acks", "pure ack%s received", PL_S },
	{ "tcpext", "tcphpacks", "received-predicted-acks", "predicted acknowledgment%s", PL_S },
	{ "tcpext", "tcphphits", "received-predicted-data", "packet%s header predicted", PL_S },
	{ "tcpext", "tcpofoqueue", "received-out-of-order", "out-of-order packet%s queued", PL_S },
	{ "tcpext", "tcpofodrop", "dropped-out-of-order", "out-of-order packet%s dropped", PL_S },
	{ "tcpext", "tcprcvcoalesce", "received-coalesced", "packet%s coalesced on receive", PL_S },
	{ "tcpext", "tcpbacklogdrop", "dropped-backlog-full", "packet%s dropped, socket backlog full", PL_S },
	{ "tcpext", "tcprcvqdrop", "dropped-receive-queue-full", "packet%s dropped, receive queue full", PL_S },
	{ "tcpext", "tcpzerowindowdrop", "dropped-zero-window", "packet%s dropped, zero window", PL_S },
	{ "tcpext", "tcpchallengeack", "challenge-acks", "challenge ack%s sent", PL_S },
	{ "tcpext", "tcpsynchallenge", "syn-challenges", "challenge ack%s sent for SYNs", PL_S },
	{ NULL, "activeopens", "connection-requests", "connection request%s", PL_S },
	{ NULL, "passiveopens", "connection-accepts", "connection accept%s", PL_S },
	{ NULL, "attemptfails", "connections-failed", "failed connection attempt%s", PL_S },
	{ NULL, "estabresets", "connections-reset", "connection%s reset while established", PL_S },
	{ NULL, "currestab", "connections-established-now", "connection%s currently established", PL_S },
	{ "tcpext", "embryonicrsts", "embryonic-resets", "reset%s received for embryonic connections", PL_S },
	{ "tcpext", "tcpabortondata", "aborted-on-data", "connection%s reset due to unexpected data", PL_S },
	{ "tcpext", "tcpabortonclose", "aborted-on-close", "connection%s reset due to early user close", PL_S },
	{ "tcpext", "tcpabortonmemory", "aborted-on-memory", "connection%s aborted due to memory pressure", PL_S },
	{ "tcpext", "tcpabortontimeout", "aborted-on-timeout", "connection%s aborted due to timeout", PL_S },
	{ "tcpext", "tcpabortonlinger", "aborted-on-linger", "connection%s aborted after user close in linger timeout", PL_S },
	{ "tcpext", "tcptimeouts", "retransmit-timeouts", "retransmit timeout%s", PL_S },
	{ "tcpext", "tcpspuriousrtos", "spurious-rtos", "spurious retransmit timeout%s", PL_S },
	{ "tcpext", "tw", "time-wait-closed", "connection%s left TIME_WAIT", PL_S },
	{ "tcpext", "listenoverflows", "listen-queue-overflows", "listen queue overflow%s", PL_S },
	{ "tcpext", "listendrops", "listen-drops", "SYN%s to listening sockets dropped", PL_S },
	{ "tcpext", "tcpreqqfulldrop", "request-queue-full-drops", "SYN%s dropped, request queue full", PL_S },
	{ "tcpext", "tcpreqqfulldocookies", "request-queue-full-cookies", "SYN%s answered with cookies, request queue full", PL_S },
	{ "tcpext", "syncookiessent", "syncookies-sent", "SYN cookie%s sent", PL_S },
	{ "tcpext", "syncookiesrecv", "syncookies-received", "valid SYN cookie%s received", PL_S },
	{ "tcpext", "syncookiesfailed", "syncookies-failed", "invalid SYN cookie%s received", PL_S },
	{ "tcpext", "tcpsackrecovery", "sack-recovery-episodes", "SACK recovery episode%s", PL_S },
	{ "tcpext", "tcpsackfailures", "sack-failures", "SACK retransmit%s failed", PL_S },
	{ "tcpext", "tcpsackreneging", "sack-renegings", "SACK reneging%s detected", PL_S },
	{ "tcpext", "tcpsackreorder", "sack-reorders", "reordering%s detected by SACK", PL_S },
	{ "tcpext", "tcpsackdiscard", "sack-discards", "bad SACK block%s discarded", PL_S },
	{ "tcpext", "tcpsackshifted", "sack-shifted", "packet%s shifted in the send queue by SACK", PL_S },
	{ "tcpext", "tcpsackmerged", "sack-merged", "packet%s merged in the send queue by SACK", PL_S },
	{ "tcpext", "tcpsackshiftfallback", "sack-shift-fallbacks", "SACK shift fallback%s", PL_S },
	{ "tcpext", "tcpdsackoldsent", "dsack-sent-old", "DSACK%s sent for old packets", PL_S },
	{ "tcpext", "tcpdsackofosent", "dsack-sent-out-of-order", "DSACK%s sent for out-of-order packets", PL_S },
	{ "tcpext", "tcpdsackrecv", "dsack-received", "DSACK%s received", PL_S },
	{ "tcpext", "tcpdsackoforecv", "dsack-received-out-of-order", "DSACK%s received for out-of-order packets", PL_S },
	{ "tcpext", "tcpfastopenactive", "fastopen-active", "active TCP Fast Open connection%s", PL_S },
	{ "tcpext", "tcpfastopenpassive", "fastopen-passive", "passive TCP Fast Open connection%s", PL_S },
	{ "tcpext", "tcpmemorypressures", "memory-pressures", "time%s TCP entered memory pressure", PL_S },
	END,
};

static const struct stat_field udp_fields[] = {
	{ NULL, "indatagrams", "received-datagrams", "datagram%s received", PL_S },
	{ NULL, "inerrors", "received-errors", "datagram%s with errors", PL_S },
	{ NULL, "incsumerrors", "bad-checksum", "with bad checksum", PL_NONE },
	{ NULL, "noports", "dropped-no-socket", "dropped due to no socket", PL_NONE },
	{ NULL, "rcvbuferrors", "dropped-full-socket", "dropped due to full socket buffers", PL_NONE },
	{ NULL, "memerrors", "dropped-memory", "dropped due to memory limits", PL_NONE },
	{ NULL, "ignoredmulti", "ignored-multicast", "broadcast/multicast datagram%s ignored", PL_S },
	{ NULL, "outdatagrams", "sent-datagrams", "datagram%s output", PL_S },
	{ NULL, "sndbuferrors", "send-buffer-errors", "datagram%s not sent, send buffer full", PL_S },
	END,
};

/* ICMP type names for the histograms (NetBSD icmpnames / icmp6names). */
static const char *const icmp_names[256] = {
	[0] = "echo reply", [3] = "destination unreachable", [4] = "source quench",
	[5] = "routing redirect", [6] = "alternate host address", [8] = "echo",
	[9] = "router advertisement", [10] = "router solicitation",
	[11] = "time exceeded", [12] = "parameter problem", [13] = "time stamp",
	[14] = "time stamp reply", [15] = "information request",
	[16] = "information request reply", [17] = "address mask request",
	[18] = "address mask reply",
};

static const char *const icmp6_names[256] = {
	[1] = "unreach", [2] = "packet too big", [3] = "time exceed",
	[4] = "parameter problem", [128] = "echo", [129] = "echo reply",
	[130] = "multicast listener query", [131] = "MLDv1 listener report",
	[132] = "MLDv1 listener done", [133] = "router solicitation",
	[134] = "router advertisement", [135] = "neighbor solicitation",
	[136] = "neighbor advertisement", [137] = "redirect",
	[138] = "router renumbering", [139] = "node information request",
	[140] = "node information reply", [141] = "inverse neighbor solicitation",
	[142] = "inverse neighbor advertisement", [143] = "MLDv2 listener report",
};

#define MAXFIELDS	96

static const struct proto {
	const char	*name;		/* -p NAME, text header, JSON key */
	const char	*family;	/* "inet", "inet6" */
	const char	*group;		/* the protocol's own group */
	const char	*histgroup;	/* per-type counts, or NULL */
	const char *const *typenames;
	const struct stat_field *fields;
} protos[] = {
	{ "ip", "inet", "ip", NULL, NULL, ip_fields },
	{ "icmp", "inet", "icmp", "icmpmsg", icmp_names, icmp_fields },
	{ "tcp", "inet", "tcp", NULL, NULL, tcp_fields },
	{ "udp", "inet", "udp", NULL, NULL, udp_fields },
	{ "ip6", "inet6", "ip6", NULL, NULL, ip6_fields },
	{ "icmp6", "inet6", "icmp6", "icmp6msg", icmp6_names, icmp_fields },
	{ "udp6", "inet6", "udp6", NULL, NULL, udp_fields },
	{ NULL, NULL, NULL, NULL, NULL, NULL },
};

#define NPROTOS	(sizeof(protos) / sizeof(protos[0]) - 1)
#define NFIELDS(t)	(sizeof(t) / sizeof((t)[0]))

_Static_assert(NFIELDS(ip_fields) <= MAXFIELDS && NFIELDS(ip6_fields) <= MAXFIELDS &&
    NFIELDS(icmp_fields) <= MAXFIELDS && NFIELDS(tcp_fields) <= MAXFIELDS &&
    NFIELDS(udp_fields) <= MAXFIELDS, "raise MAXFIELDS");

/* What one walk found for one protocol. */
struct proto_vals {
	uint64_t	 v[MAXFIELDS];
	bool		 have[MAXFIELDS];
	bool		 any;
	uint64_t	 hist_in[256], hist_out[256];
};

struct stats_walk {
	const char	*family;
	const struct proto *only;	/* -p, or NULL */
	struct proto_vals *vals;	/* [NPROTOS] */
};

static const char *
plural(uint64_t n, enum pl pl)
{
	switch (pl) {
	case PL_S:
		return n != 1 ? "s" : "";
	case PL_ES:
		return n != 1 ? "es" : "";
	case PL_IES:
		return n != 1 ? "ies" : "y";
	default:
		return "";
	}
}

static uint64_t
leaf_u64(const struct nb_sysctl_value *v)
{
	return v->type == NB_SYSCTL_INT ? (uint64_t)v->i : v->u;
}

/* "intype3" / "outtype3" -> counts[3] of the in/out histogram. */
static void
collect_hist(struct proto_vals *pv, const char *field, uint64_t v)
{
	uint64_t *h;
	char *end;
	unsigned long t;

	if (strncmp(field, "intype", 6) == 0) {
		h = pv->hist_in;
		field += 6;
	} else if (strncmp(field, "outtype", 7) == 0) {
		h = pv->hist_out;
		field += 7;
	} else {
		return;
	}
	t = strtoul(field, &end, 10);
	if (end != field && *end == '\0' && t < 256)
		h[t] = v;
}

static int
collect_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct stats_walk *w = arg;
	const char *group, *field;
	size_t p, i;

	/* net <family> <group> stats <field> */
	if (e->ncomp != 5 || e->val.type == NB_SYSCTL_NODE ||
	    e->val.type == NB_SYSCTL_STRING || strcmp(e->comp[3], "stats") != 0)
		return 0;
	group = e->comp[2];
	field = e->comp[4];
	for (p = 0; p < NPROTOS; p++) {
		const struct proto *pr = &protos[p];
		struct proto_vals *pv = &w->vals[p];

		if (strcmp(pr->family, w->family) != 0 || (w->only != NULL && w->only != pr))
			continue;
		if (pr->histgroup != NULL && strcmp(group, pr->histgroup) == 0) {
			collect_hist(pv, field, leaf_u64(&e->val));
			continue;
		}
		for (i = 0; pr->fields[i].key != NULL; i++) {
			const struct stat_field *f = &pr->fields[i];

			if (f->field == NULL || strcmp(f->field, field) != 0 ||
			    strcmp(f->group != NULL ? f->group : pr->group, group) != 0)
				continue;
			pv->v[i] = leaf_u64(&e->val);
			pv->have[i] = true;
			pv->any = true;
		}
	}
	return 0;
}

static int
collect_family(struct nb_sysctl *h, const char *family, struct stats_walk *w)
{
	char name[32];
	int rc;

	snprintf(name, sizeof(name), "net.%s", family);
	w->family = family;
	rc = nb_sysctl_walk(h, name, 0, collect_cb, w);
	/* No IPv6 in this kernel: nothing to show. With a detail, -ENOENT is
	 * a file the source needs that is missing (--root): an error. */
	if (rc == -ENOENT && *nb_sysctl_errdetail(h) == '\0')
		return 0;
	if (rc < 0) {
		const char *d = nb_sysctl_errdetail(h);

		nb_warnx("%s: %s%s%s", name, strerror(-rc), *d != '\0' ? ": " : "", d);
	}
	return rc;
}

static void
render_hist(struct nb_out *o, const struct proto *pr, const struct stat_field *f,
    const uint64_t hist[256])
{
	char buf[16];
	const char *name;
	bool open = false;
	int t;

	for (t = 0; t < 256; t++) {
		if (hist[t] == 0)
			continue;
		if (!open) {
			nb_out_open_array(o, f->key);
			nb_out_text(o, "\t%s\n", f->prose);
			open = true;
		}
		if ((name = pr->typenames[t]) == NULL) {
			snprintf(buf, sizeof(buf), "#%d", t);
			name = buf;
		}
		nb_out_open_object(o, NULL);
		nb_out_u64(o, NB_OUT_JSON, "type", "%" PRIu64, (uint64_t)t);
		nb_out_str(o, NB_OUT_ANY, "name", "\t\t%s: ", name);
		nb_out_u64(o, NB_OUT_ANY, "count", "%" PRIu64 "\n", hist[t]);
		nb_out_close_object(o);
	}
	if (open)
		nb_out_close_array(o);
}

static void
render_proto(struct nb_out *o, const struct proto *pr, const struct proto_vals *pv, int sflag)
{
	size_t i;

	nb_out_open_object(o, pr->name);
	nb_out_text(o, "%s:\n", pr->name);
	for (i = 0; pr->fields[i].key != NULL; i++) {
		const struct stat_field *f = &pr->fields[i];

		if (f->field == NULL) {
			if (pr->histgroup != NULL)
				render_hist(o, pr, f, strcmp(f->key, "input-histogram") == 0 ?
				    pv->hist_in : pv->hist_out);
			continue;
		}
		if (!pv->have[i] || (sflag > 1 && pv->v[i] == 0))
			continue;
		nb_out_u64(o, NB_OUT_ANY, f->key, "\t%" PRIu64 " ", pv->v[i]);
		nb_out_text(o, f->prose, plural(pv->v[i], f->pl));
		nb_out_text(o, "\n");
	}
	nb_out_close_object(o);
}

const char *
stats_proto_list(void)
{
	return "ip, icmp, tcp, udp, ip6, icmp6, udp6";
}

bool
stats_proto_valid(const char *name)
{
	size_t p;

	for (p = 0; p < NPROTOS; p++)
		if (strcmp(protos[p].name, name) == 0)
			return true;
	return false;
}

int
stats_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct stats_walk w;
	size_t p;
	int rc = 0;

	if (no->Pflag)
		return softnet_stats_mode(h, no, o);
	memset(&w, 0, sizeof(w));
	for (p = 0; p < NPROTOS; p++)
		if (no->proto != NULL && strcmp(protos[p].name, no->proto) == 0)
			w.only = &protos[p];
	if ((w.vals = calloc(NPROTOS, sizeof(*w.vals))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	if (w.only == NULL || strcmp(w.only->family, "inet") == 0)
		rc = collect_family(h, "inet", &w);
	if (rc == 0 && (w.only == NULL || strcmp(w.only->family, "inet6") == 0))
		rc = collect_family(h, "inet6", &w);
	if (rc == 0) {
		nb_out_record_begin(o);
		for (p = 0; p < NPROTOS; p++)
			if (w.vals[p].any)
				render_proto(o, &protos[p], &w.vals[p], no->sflag);
		nb_out_record_end(o);
	}
	free(w.vals);
	return rc == 0 ? 0 : NB_EXIT_RUNTIME;
}
