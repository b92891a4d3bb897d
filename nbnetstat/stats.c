/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stats.c - nbnetstat -s: protocol statistics in the BSD layout, printed from
 * tables of (MIB leaf, JSON key, prose); each group of the tree is read as
 * one table row whose columns are the fields (nb_sysctl_table_read), and
 * -s -w turns them into deltas per interval (nb_delta).
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

/* What the reads found for one protocol. */
struct proto_vals {
	uint64_t	 v[MAXFIELDS];
	bool		 have[MAXFIELDS];
	bool		 any;
	uint64_t	 hist_in[256], hist_out[256];
};

/*
 * One table read: net.<family>.<group>.stats as one row, the protocol's
 * fields of that group as columns (a field's column lands at its index in
 * the protocol's table), or one direction of a histogram group (column t
 * is the count of type t). Interval mode keeps one nb_delta per read.
 */
enum { RD_FIELDS, RD_HIST_IN, RD_HIST_OUT };

struct stats_read {
	size_t		 proto;
	int		 kind;
	char		 name[48];	/* net.<family>.<group>.stats */
	struct nb_sysctl_column cols[256];
	unsigned	 ncols;
	size_t		 field[256];	/* RD_FIELDS: column -> field index */
	struct nb_delta	*delta;
};

struct stats_set {
	struct stats_read *r;
	size_t		 n;
	struct proto_vals *vals;	/* [NPROTOS] */
};

/* "intype<t>" / "outtype<t>": the leaves of a histogram group. */
static char hist_leaves[2][256][12];

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

static struct stats_read *
read_add(struct stats_set *ss, size_t p, int kind, const char *group)
{
	struct stats_read *r;

	if ((r = realloc(ss->r, (ss->n + 1) * sizeof(*r))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	ss->r = r;
	r = &ss->r[ss->n++];
	memset(r, 0, sizeof(*r));
	r->proto = p;
	r->kind = kind;
	snprintf(r->name, sizeof(r->name), "net.%s.%s.stats", protos[p].family, group);
	return r;
}

/* The reads for the protocols shown (only: -p, or NULL). */
static void
plan(struct stats_set *ss, const struct proto *only, bool interval)
{
	const char *groups[4], *g;
	size_t p, i, ng, k;
	int d, t;

	for (d = 0; d < 2; d++)
		for (t = 0; t < 256; t++)
			snprintf(hist_leaves[d][t], sizeof(hist_leaves[d][t]), "%s%d",
			    d == 0 ? "intype" : "outtype", t);
	for (p = 0; p < NPROTOS; p++) {
		const struct proto *pr = &protos[p];

		if (only != NULL && only != pr)
			continue;
		/* The groups the fields name, in order of first use. */
		ng = 0;
		for (i = 0; pr->fields[i].key != NULL; i++) {
			if (pr->fields[i].field == NULL)
				continue;
			g = pr->fields[i].group != NULL ? pr->fields[i].group : pr->group;
			for (k = 0; k < ng && strcmp(groups[k], g) != 0; k++)
				;
			if (k == ng && ng < 4)
				groups[ng++] = g;
		}
		for (k = 0; k < ng; k++) {
			struct stats_read *r = read_add(ss, p, RD_FIELDS, groups[k]);

			for (i = 0; pr->fields[i].key != NULL; i++) {
				const struct stat_field *f = &pr->fields[i];

				if (f->field == NULL ||
				    strcmp(f->group != NULL ? f->group : pr->group, groups[k]) != 0)
					continue;
				r->field[r->ncols] = i;
				r->cols[r->ncols++] = (struct nb_sysctl_column){ f->field,
				    NB_SYSCTL_U64, i * sizeof(uint64_t), 0 };
			}
		}
		for (d = 0; pr->histgroup != NULL && d < 2; d++) {
			struct stats_read *r = read_add(ss, p, d == 0 ? RD_HIST_IN : RD_HIST_OUT,
			    pr->histgroup);

			for (t = 0; t < 256; t++)
				r->cols[t] = (struct nb_sysctl_column){ hist_leaves[d][t],
				    NB_SYSCTL_U64, (size_t)t * sizeof(uint64_t), 0 };
			r->ncols = 256;
		}
	}
	for (k = 0; interval && k < ss->n; k++)
		if (nb_delta_create(&ss->r[k].delta) != 0)
			nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	if ((ss->vals = calloc(NPROTOS, sizeof(*ss->vals))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
}

static void
set_free(struct stats_set *ss)
{
	size_t k;

	for (k = 0; k < ss->n; k++)
		nb_delta_destroy(&ss->r[k].delta);
	free(ss->r);
	free(ss->vals);
	memset(ss, 0, sizeof(*ss));
}

/*
 * Read every group (a group the kernel lacks, e.g. no IPv6: nothing to
 * show); in interval mode the counters become deltas. 0 or the error.
 */
static int
collect(struct nb_sysctl *h, struct stats_set *ss)
{
	struct nb_sysctl_table t;
	const uint64_t *row;
	size_t k;
	unsigned c;
	int rc;

	memset(ss->vals, 0, NPROTOS * sizeof(*ss->vals));
	for (k = 0; k < ss->n; k++) {
		struct stats_read *r = &ss->r[k];
		struct proto_vals *pv = &ss->vals[r->proto];

		rc = nb_sysctl_table_read(h, r->name, r->cols, r->ncols,
		    (r->kind == RD_FIELDS ? MAXFIELDS : 256) * sizeof(uint64_t), 0, &t);
		/* A group the kernel lacks (no IPv6): nothing to show. With a
		 * detail, -ENOENT is a file the source needs that is missing
		 * (--root): an error. */
		if (rc == -ENOENT && *nb_sysctl_errdetail(h) == '\0') {
			nb_sysctl_table_free(&t);
			if (r->delta != NULL)
				(void)nb_delta_step(r->delta, &t, r->cols, NULL);
			continue;
		}
		if (rc == 0 && r->delta != NULL && nb_delta_step(r->delta, &t, r->cols, NULL) != 0)
			rc = -ENOMEM;
		if (rc < 0) {
			const char *d = nb_sysctl_errdetail(h);

			nb_sysctl_table_free(&t);
			nb_warnx("%s: %s%s%s", r->name, strerror(-rc), *d != '\0' ? ": " : "", d);
			return rc;
		}
		if ((row = nb_sysctl_table_row(&t, 0)) != NULL) {
			for (c = 0; c < r->ncols; c++) {
				if (!nb_sysctl_row_has(&t.ids[0], c))
					continue;
				if (r->kind == RD_HIST_IN)
					pv->hist_in[c] = row[c];
				else if (r->kind == RD_HIST_OUT)
					pv->hist_out[c] = row[c];
				else {
					pv->v[r->field[c]] = row[r->field[c]];
					pv->have[r->field[c]] = true;
					pv->any = true;
				}
			}
		}
		nb_sysctl_table_free(&t);
	}
	return 0;
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

static void
render_all(struct nb_out *o, const struct stats_set *ss, int sflag)
{
	size_t p;

	for (p = 0; p < NPROTOS; p++)
		if (ss->vals[p].any)
			render_proto(o, &protos[p], &ss->vals[p], sflag);
}

/*
 * -s -w: the -s prose once per interval, each counter's delta for the
 * interval with the zeros hidden (as -ss); the first record is since boot.
 * JSON: one document per interval, with since_boot and seconds.
 */
struct stats_iv {
	struct nb_sysctl *h;
	struct stats_set *ss;
};

static int
stats_iv_read(void *arg)
{
	struct stats_iv *iv = arg;

	return collect(iv->h, iv->ss) != 0 ? NB_EXIT_RUNTIME : 0;
}

static void
stats_iv_render(void *arg, struct nb_out *o)
{
	render_all(o, ((struct stats_iv *)arg)->ss, 2);
}

int
stats_mode(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct stats_set ss;
	const struct proto *only = NULL;
	bool interval = no->c.interval_set || no->c.count_set;
	size_t p;
	int rc;

	memset(&ss, 0, sizeof(ss));
	for (p = 0; p < NPROTOS; p++)
		if (no->proto != NULL && strcmp(protos[p].name, no->proto) == 0)
			only = &protos[p];
	plan(&ss, only, interval);
	if (interval) {
		struct stats_iv sv = { h, &ss };
		const struct nb_interval iv = { stats_iv_read, stats_iv_render, &sv };

		rc = nb_interval_run(h, &no->c, o, &iv);
		set_free(&ss);
		return rc;
	}
	rc = collect(h, &ss);
	if (rc == 0) {
		nb_out_record_begin(o);
		render_all(o, &ss, no->sflag);
		nb_out_record_end(o);
	}
	set_free(&ss);
	return rc == 0 ? 0 : NB_EXIT_RUNTIME;
}

/*
 * ---- -s --plot, -s --summary ----
 *
 * The chosen counters of each protocol (by their JSON key) as rates per
 * interval over a replay range or interval mode: one panel per protocol
 * (--plot), or sar's average, minimum, maximum and 95th percentile per
 * counter (--summary). The first sample only starts the range.
 */
static const struct chosen {
	const char *proto;
	const char *keys[8];
} chosen[] = {
	{ "ip", { "total-received", "delivered-packets", "sent-packets", "forwarded",
		  "received-discarded", "output-discarded" } },
	{ "icmp", { "received-messages", "sent-messages", "received-errors" } },
	{ "tcp", { "received-packets", "sent-packets", "sent-retransmitted-packets",
		   "connection-requests", "connection-accepts", "sent-resets",
		   "received-bad-segments" } },
	{ "udp", { "received-datagrams", "sent-datagrams", "dropped-no-socket",
		   "dropped-full-socket", "received-errors" } },
	{ "ip6", { "total-received", "delivered-packets", "sent-packets", "forwarded",
		   "received-discarded", "output-discarded" } },
	{ "icmp6", { "received-messages", "sent-messages", "received-errors" } },
	{ "udp6", { "received-datagrams", "sent-datagrams", "dropped-no-socket",
		    "dropped-full-socket", "received-errors" } },
};

/* The field index of key in pr's table (a key not there is a bug). */
static size_t
field_of(const struct proto *pr, const char *key)
{
	for (size_t i = 0; pr->fields[i].key != NULL; i++)
		if (pr->fields[i].field != NULL && strcmp(pr->fields[i].key, key) == 0)
			return i;
	nb_errx(NB_EXIT_RUNTIME, "internal: -s %s has no counter %s", pr->name, key);
}

static const struct chosen *
chosen_of(const struct proto *pr)
{
	for (size_t i = 0; i < sizeof(chosen) / sizeof(chosen[0]); i++)
		if (strcmp(chosen[i].proto, pr->name) == 0)
			return &chosen[i];
	return NULL;
}

/* Called per protocol and chosen counter with what it moved in dt_ns. */
typedef void look_fn(void *arg, size_t p, const char *key, uint64_t moved, int64_t t, int64_t dt);

static int
look_walk(struct nb_sysctl *h, const struct netstat_opts *no, look_fn *fn, void *arg,
    void (*after)(void *arg))
{
	struct stats_set ss;
	const struct proto *only = NULL;
	struct nb_ticker tk;
	int64_t tprev, tcur;
	size_t p;

	memset(&ss, 0, sizeof(ss));
	for (p = 0; p < NPROTOS; p++)
		if (no->proto != NULL && strcmp(protos[p].name, no->proto) == 0)
			only = &protos[p];
	plan(&ss, only, true);
	if (collect(h, &ss) != 0) {
		set_free(&ss);
		return NB_EXIT_RUNTIME;
	}
	tprev = nb_sysctl_sample_time(h);
	nb_ticker_init(&tk, &no->c, h);
	while (nb_ticker_next(&tk)) {
		if (collect(h, &ss) != 0) {
			set_free(&ss);
			return NB_EXIT_RUNTIME;
		}
		tcur = nb_sysctl_sample_time(h);
		for (p = 0; p < NPROTOS && tcur > tprev; p++) {
			const struct chosen *ch = chosen_of(&protos[p]);

			if (!ss.vals[p].any || ch == NULL)
				continue;
			for (size_t k = 0; k < 8 && ch->keys[k] != NULL; k++) {
				size_t f = field_of(&protos[p], ch->keys[k]);

				if (ss.vals[p].have[f])
					fn(arg, p, ch->keys[k], ss.vals[p].v[f], tcur, tcur - tprev);
			}
		}
		tprev = tcur;
		if (after != NULL)
			after(arg);
	}
	set_free(&ss);
	return 0;
}

struct splot {
	struct nb_plot *p;
	const char *path;
	bool live;
	int panel[NPROTOS];
};

static void
splot_step(void *arg, size_t p, const char *key, uint64_t moved, int64_t t, int64_t dt)
{
	struct splot *sp = arg;
	int s;

	if (sp->panel[p] < 0 &&
	    (sp->panel[p] = nb_plot_panel(sp->p, protos[p].name, "/s", NB_PLOT_LINES)) < 0)
		nb_errx(NB_EXIT_RUNTIME, "--plot: %s", strerror(ENOMEM));
	if ((s = nb_plot_series(sp->p, sp->panel[p], NULL, key)) < 0 ||
	    nb_plot_point(sp->p, s, t, dt, (double)moved * 1e9 / (double)dt) != 0)
		nb_errx(NB_EXIT_RUNTIME, "--plot: %s", strerror(ENOMEM));
}

static void
splot_write(void *arg)
{
	struct splot *sp = arg;
	int rc;

	if (sp->live && (rc = nb_plot_write(sp->p)) != 0)
		nb_errx(NB_EXIT_RUNTIME, "--plot %s: %s", sp->path, strerror(-rc));
}

int
stats_plot(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct splot sp = { .path = no->c.plot_path, .live = no->c.replay_path == NULL };
	int rc;

	(void)o;
	for (size_t p = 0; p < NPROTOS; p++)
		sp.panel[p] = -1;
	if ((rc = nb_plot_create(sp.path, "nbnetstat -s: protocol counters", &sp.p)) != 0)
		nb_errx(NB_EXIT_RUNTIME, "--plot %s: %s", sp.path, strerror(-rc));
	rc = look_walk(h, no, splot_step, &sp, splot_write);
	sp.live = true;
	if (rc == 0)
		splot_write(&sp);
	nb_plot_destroy(&sp.p);
	return rc;
}

struct ssum {
	struct nb_summer *s;
	int64_t t0, t1;
};

static void
ssum_step(void *arg, size_t p, const char *key, uint64_t moved, int64_t t, int64_t dt)
{
	struct ssum *sm = arg;
	char name[96];

	snprintf(name, sizeof(name), "%s/%s", protos[p].name, key);
	if (sm->t0 == 0 || t - dt < sm->t0)
		sm->t0 = t - dt;
	if (t > sm->t1)
		sm->t1 = t;
	if (nb_summer_add(sm->s, name, (double)moved, dt) != 0)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
}

int
stats_summary(struct nb_sysctl *h, const struct netstat_opts *no, struct nb_out *o)
{
	struct ssum sm = { 0 };
	struct nb_summary su;
	char name[96];
	int rc;

	if (nb_summer_create(&sm.s) != 0)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	if ((rc = look_walk(h, no, ssum_step, &sm, NULL)) != 0) {
		nb_summer_destroy(&sm.s);
		return rc;
	}
	nb_out_record_begin(o);
	nb_out_span(o, sm.t0, sm.t1, "rates per second over %.3f s");
	nb_out_text(o, " (p95: the 95th percentile of the intervals)\n");
	nb_out_text(o, "%-6s %-28s %12s %12s %12s %12s\n", "Proto", "Counter", "average",
	    "minimum", "maximum", "p95");
	nb_out_open_array(o, "protocols");
	for (size_t p = 0; p < NPROTOS; p++) {
		const struct chosen *ch = chosen_of(&protos[p]);
		bool open = false;

		for (size_t k = 0; ch != NULL && k < 8 && ch->keys[k] != NULL; k++) {
			snprintf(name, sizeof(name), "%s/%s", protos[p].name, ch->keys[k]);
			if (nb_summer_get(sm.s, name, &su) != 0)
				continue;
			if (!open) {
				nb_out_open_object(o, NULL);
				nb_out_str(o, NB_OUT_JSON, "name", NULL, protos[p].name);
				nb_out_u64(o, NB_OUT_JSON, "intervals", NULL, su.n);
				nb_out_open_array(o, "counters");
				open = true;
			}
			nb_out_open_object(o, NULL);
			nb_out_text(o, "%-6s", protos[p].name);
			nb_out_str(o, NB_OUT_ANY, "name", " %-28s", ch->keys[k]);
			nb_out_double(o, NB_OUT_ANY, "average", " %12.2f", su.avg);
			nb_out_double(o, NB_OUT_ANY, "minimum", " %12.2f", su.min);
			nb_out_double(o, NB_OUT_ANY, "maximum", " %12.2f", su.max);
			nb_out_double(o, NB_OUT_ANY, "p95", " %12.2f\n", su.p95);
			nb_out_close_object(o);
		}
		if (open) {
			nb_out_close_array(o);
			nb_out_close_object(o);
		}
	}
	nb_out_close_array(o);
	nb_out_record_end(o);
	nb_summer_destroy(&sm.s);
	return 0;
}
