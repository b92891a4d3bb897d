/* SPDX-License-Identifier: BSD-2-Clause */
/* main.c - nbnetstat: options, table-driven mode dispatch, exit status. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#include "nbnetstat.h"

enum { OPT_HELP = 0x2000, OPT_VERSION };

static const char optstring[] = ":AabBc:df:hiI:jnp:PqrsS:T:vw:";

static const struct option longopts[] = {
	NB_COMMON_LONGOPTS,
	NB_LOOK_LONGOPTS,
	{ "events",	no_argument,	NULL, NB_OPT_EVENTS },
	{ "help",	no_argument,	NULL, OPT_HELP },
	{ "version",	no_argument,	NULL, OPT_VERSION },
	{ NULL,		0,		NULL, 0 },
};

typedef int mode_fn(struct nb_sysctl *, const struct netstat_opts *, struct nb_out *);

/*
 * Modes: a NULL run is a mode NetBSD has that we have not built yet; a
 * mode with counters has an interval mode (-w/-c), which its run enters.
 * Looking at history: diff (--diff T1 T2), plot (--plot), summary
 * (--summary); NULL where the mode has none.
 */
static const struct mode {
	int		 opt;
	const char	*what;
	mode_fn		*run;
	bool		 interval;
	mode_fn *diff, *plot, *summary;
} modes[] = {
	{ 'i', "interface statistics", if_mode, true, if_diff, if_plot, if_summary },
	{ 'r', "routing tables", route_mode, false, route_diff, NULL, NULL },
	{ 's', "protocol statistics", stats_mode, true, NULL, stats_plot, stats_summary },
	{ 'B', "packet capture peers", bpf_mode, true, bpf_diff, NULL, NULL },
	{ 'P', "per-CPU softnet statistics", softnet_mode, true, NULL, NULL, NULL },
	{ 0, "the socket list", sock_mode, false, NULL, NULL, NULL },
	{ NB_OPT_EVENTS, "the event timeline", events_mode, false, NULL, NULL, NULL },
	{ 0, NULL, NULL, false, NULL, NULL, NULL },
};

/* Views: mode `opt` with option `with` runs `run` instead (-s -B, -s -P). */
static const struct view {
	int		 opt, with;
	const char	*what;
	mode_fn		*run;
	bool		 interval;
} views[] = {
	{ 's', 'B', "capture totals", bpf_stats_mode, true },
	{ 's', 'P', "per-CPU counters", softnet_stats_mode, true },
	{ 0, 0, NULL, NULL, false },
};

static void
usage(void)
{
	printf("usage: nbnetstat [-Aanv] [-f inet|inet6|unix] [-p protocol] [-j]\n"
	       "       nbnetstat -i [-abdhnq] [-I interface] [-j [--pretty]] [common options]\n"
	       "       nbnetstat -i -w SECS [-c N] [-bdh] [-I interface] [-j]\n"
	       "       nbnetstat -r [-n] [-f inet|inet6] [-T table|all] [-j]\n"
	       "       nbnetstat -s[s] [-p protocol] [-w SECS [-c N]] [-j]\n"
	       "       nbnetstat -P [-s[s]] [-j]\n"
	       "       nbnetstat -P [-s] -w SECS [-c N] [-j]\n"
	       "       nbnetstat -B [-s[s]] [-w SECS [-c N]] [-j]\n"
	       "       nbnetstat -i [-I interface] --replay FILE --from T1 [--to T2]\n"
	       "                 --plot FILE.svg|.png [--top N] | --summary [-j]\n"
	       "       nbnetstat -i -w SECS [-I interface] --plot FILE.svg|.png [--top N]\n"
	       "       nbnetstat -s [-p protocol] --replay FILE --from T1 [--to T2]\n"
	       "                 --plot FILE.svg|.png | --summary [-j]\n"
	       "       nbnetstat -s [-p protocol] -w SECS --plot FILE.svg|.png\n"
	       "       nbnetstat -i [-b] | -r [-f family] [-T table] | -B\n"
	       "                 --replay FILE --diff T1 T2|now [-j]\n"
	       "       nbnetstat --replay FILE [--from T1 [--to T2]] --events [-I IF] [-j]\n"
	       "\n"
	       "  (no mode)        the socket list: active Internet (inet, inet6) and UNIX\n"
	       "                   domain sockets (NetBSD netstat layout); -a includes\n"
	       "                   servers, -n numeric ports, -f one family, -p one\n"
	       "                   protocol (tcp udp raw unix, or tcp6 ...), -A the socket's\n"
	       "                   cookie, -v owner (pid/command) and TCP details\n"
	       "  -i               interface statistics (NetBSD netstat -i layout)\n"
	       "  -I interface     only this interface (implies -i)\n"
	       "  -b               bytes instead of packets and errors\n"
	       "  -d               add the drop columns (Idrops, Odrops)\n"
	       "  -h               humanise byte counts (with -b)\n"
	       "  -n               numeric: with -r, no names for addresses (-i never\n"
	       "                   resolves)\n"
	       "  -q               skip interfaces whose counters are all zero\n"
	       "  -w SECS          interval mode: with -i one line per SECS seconds for\n"
	       "                   -I interface (else the busiest) and the total; with\n"
	       "                   -s the prose of each interval's deltas (zeros hidden);\n"
	       "                   with -B the table with Recv Drop Capt as deltas; with\n"
	       "                   -s -B the totals' deltas; with -P the per-CPU table\n"
	       "                   as deltas; with -s -P each per-CPU counter's delta.\n"
	       "                   The first since boot, then deltas\n"
	       "  -c N             stop after N lines (interval mode; default -w 1)\n"
	       "  -s               protocol statistics (ip icmp tcp udp ip6 icmp6 udp6);\n"
	       "                   -ss hides zero counters\n"
	       "  -p protocol      with -s: only this protocol\n"
	       "  -P               per-CPU softnet table; with -s: every per-CPU counter\n"
	       "                   of softnet and cp_time as total (cpu0 a, cpu1 b)\n"
	       "  -B               capture peers (PID Int Recv Drop Capt Flags Bufsize Comm;\n"
	       "                   - where the kernel gives no value); with -s: totals\n"
	       "  -a               with -i: multicast memberships on continuation rows\n"
	       "  -r               routing tables (NetBSD netstat -r layout); -n numeric,\n"
	       "                   -f inet|inet6 one family, -T table|all (default main)\n"
	       "      --events     with --replay: the range's event timeline (links up/down,\n"
	       "                   carrier, interfaces, addresses, routes, neighbours,\n"
	       "                   captures), each with its time; -I one interface's\n"
	       "      --help       this help\n"
	       "      --version    the version\n"
	       "\n"
	       "History (--diff: -i, -r, -B; --plot, --summary: -i, -s; --top: -i):\n%s%s%s%s"
	       "\n"
	       "Common options:\n%s",
	    nb_look_help_plot, nb_look_help_top, nb_look_help_diff, nb_look_help_summary,
	    nb_common_help);
}

static const struct mode *
find_mode(int opt)
{
	const struct mode *m;

	for (m = modes; m->what != NULL; m++)
		if (m->opt == opt)
			return m;
	return NULL;
}

int
main(int argc, char *argv[])
{
	struct netstat_opts no;
	const struct mode *mode = NULL, *m;
	const struct view *v;
	const char *what;
	mode_fn *run;
	bool interval;
	struct nb_sysctl *h = NULL;
	struct nb_out *o = NULL;
	bool aflag = false, rflags = false;
	int opt, rc;

	nb_tool_init(argv[0]);
	memset(&no, 0, sizeof(no));
	nb_common_init(&no.c);
	nb_common_args(&no.c, argc, argv);
	no.rtable = ROUTE_TABLE_MAIN;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		if ((m = find_mode(opt)) != NULL) {
			if (opt == NB_OPT_EVENTS)
				nb_common_option(&no.c, opt, NULL);
			if (opt == 's')
				no.sflag++;
			if (opt == 'P')
				no.Pflag = true;
			if (opt == 'B')
				no.Bflag = true;
			/* -s -P (per-CPU view) and -s -B (capture totals) are views of -s. */
			if (no.sflag > 0 && (no.Pflag || no.Bflag) && !(no.Pflag && no.Bflag) &&
			    (opt == 's' || opt == 'P' || opt == 'B') &&
			    (mode == NULL || strchr("sPB", mode->opt) != NULL)) {
				mode = find_mode('s');
				continue;
			}
			if (mode != NULL && mode != m &&
			    (mode->opt == NB_OPT_EVENTS || m->opt == NB_OPT_EVENTS))
				nb_usagex("--events: not with -%c",
				    mode->opt == NB_OPT_EVENTS ? m->opt : mode->opt);
			if (mode != NULL && mode != m)
				nb_usagex("-%c and -%c exclude each other", mode->opt, m->opt);
			mode = m;
			continue;
		}
		switch (opt) {
		case 'a':
			aflag = true;
			break;
		case 'A':
			no.Aflag = true;
			break;
		case 'v':
			no.vflag = true;
			break;
		case 'b':
			no.bflag = true;
			break;
		case 'c':
			nb_common_option(&no.c, NB_OPT_COUNT, optarg);
			break;
		case 'd':
			no.dflag = true;
			break;
		case 'f':
			no.farg = optarg;
			break;
		case 'T':
			no.rtable = route_table_arg(optarg);
			rflags = true;
			break;
		case 'h':
			no.hflag = true;
			break;
		case 'I':
			if (*optarg == '\0')
				nb_usagex("-I: empty interface name");
			no.ifname = optarg;
			break;
		case 'n':
			no.nflag = true;
			break;
		case 'p':
			no.proto = optarg;
			break;
		case 'q':
			no.qflag = true;
			break;
		case 'w':
			nb_common_option(&no.c, NB_OPT_INTERVAL, optarg);
			break;
		case OPT_HELP:
			usage();
			return 0;
		case OPT_VERSION:
			printf("nbnetstat %s\n", NBSTAT_VERSION);
			return 0;
		case ':':
		case '?':
			nb_bad_option(opt, argv);
		default:
			if (!nb_common_option(&no.c, opt, optarg))
				nb_bad_option('?', argv);
			break;
		}
	}
	if (optind < argc)
		nb_usagex("%s: unexpected operand", argv[optind]);
	nb_common_check(&no.c);
	if (mode == NULL && (no.ifname != NULL || no.c.interval_set || no.c.count_set))
		mode = find_mode('i');
	if (mode == NULL)
		mode = find_mode(0);
	if (mode->run == NULL)
		nb_usagex("-%c: %s are not available yet", mode->opt, mode->what);
	if (aflag && mode->opt != 0 && (mode->opt != 'i' || no.c.interval_set || no.c.count_set))
		nb_usagex("-a: only with -i (multicast addresses) or the socket list, "
			  "not in interval mode");
	no.aflag = aflag;
	if ((no.vflag || no.Aflag) && mode->opt != 0)
		nb_usagex("-%c: only with the socket list (no mode option)", no.vflag ? 'v' : 'A');
	no.sfamily = -1;
	if (no.farg != NULL && mode->opt == 'r')
		no.rfamily = route_family_arg(no.farg);
	else if (no.farg != NULL && mode->opt == 0)
		no.sfamily = sock_family_arg(no.farg);
	else if (no.farg != NULL)
		rflags = true;
	if (rflags && mode->opt != 'r')
		nb_usagex("-f/-T: only with -r (routing tables) or the socket list (-f)");
	if (no.proto != NULL && mode->opt == 0) {
		if (!sock_proto_valid(no.proto))
			nb_usagex("-p %s: unknown protocol (tcp, udp, raw, unix, tcp6, udp6, raw6)",
			    no.proto);
	} else if (no.proto != NULL && (mode->opt != 's' || no.Pflag || no.Bflag))
		nb_usagex("-p: only with -s (protocol statistics)");
	else if (no.proto != NULL && !stats_proto_valid(no.proto))
		nb_usagex("-p %s: unknown protocol (one of %s)", no.proto, stats_proto_list());
	run = mode->run;
	interval = mode->interval;
	what = mode->what;
	for (v = views; v->opt != 0; v++)
		if (v->opt == mode->opt && ((v->with == 'B' && no.Bflag) || (v->with == 'P' && no.Pflag))) {
			run = v->run;
			interval = v->interval;
			what = v->what;
		}
	if ((no.c.interval_set || no.c.count_set) && !interval)
		nb_usagex("-w/-c: %s have no interval mode", what);
	if (run == mode->run) {
		const struct {
			const char *opt;
			bool given;
			mode_fn *fn;
		} looks[] = {
			{ "--diff", no.c.diff_from != NULL, mode->diff },
			{ "--plot", no.c.plot_path != NULL, mode->plot },
			{ "--summary", no.c.summary, mode->summary },
		};

		for (size_t k = 0; k < sizeof(looks) / sizeof(looks[0]); k++) {
			if (!looks[k].given)
				continue;
			if (looks[k].fn == NULL)
				nb_usagex("%s: %s have none yet", looks[k].opt, what);
			run = looks[k].fn;
		}
		if (no.c.top != 0 && mode->opt != 'i')
			nb_usagex("--top: only with -i (the busiest interfaces)");
	} else if (no.c.diff_from != NULL || no.c.plot_path != NULL || no.c.summary) {
		nb_usagex("--diff, --plot, --summary: %s have none yet", what);
	}

	if (no.c.diff_from == NULL)
		h = nb_common_open(&no.c);
	if ((o = nb_out_create(stdout, no.c.json, no.c.pretty)) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	rc = run(h, &no, o);
	nb_out_destroy(&o);
	nb_common_close(&h);
	if (fflush(stdout) == EOF || ferror(stdout))
		nb_errx(NB_EXIT_RUNTIME, "stdout: %s", strerror(errno));
	return rc;
}
