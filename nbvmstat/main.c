/* SPDX-License-Identifier: BSD-2-Clause */
/* main.c - nbvmstat: options, mode selection, exit status. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#include "nbvmstat.h"

enum { OPT_HELP = 0x2000, OPT_VERSION };

static const char optstring[] = ":c:h:HijLPsS:w:";

static const struct option longopts[] = {
	NB_COMMON_LONGOPTS,
	NB_LOOK_LONGOPTS,
	{ "help",	no_argument,	NULL, OPT_HELP },
	{ "version",	no_argument,	NULL, OPT_VERSION },
	{ NULL,		0,		NULL, 0 },
};

static void
usage(void)
{
	printf("usage: nbvmstat [-P] [-w SECS] [-c N] [-j [--pretty]] [common options]\n"
	       "       nbvmstat -i [-P] [-w SECS] [-c N] [-j]\n"
	       "       nbvmstat -s [-j]\n"
	       "       nbvmstat -H | -h NAME [-h NAME ...] | -L [-j]\n"
	       "       nbvmstat [-P] --replay FILE --from T1 [--to T2] --plot FILE.svg|.png\n"
	       "       nbvmstat [-P] -w SECS [-c N] --plot FILE.svg|.png\n"
	       "       nbvmstat -H | -h NAME ... --replay FILE --diff T1 T2|now [-j]\n"
	       "\n"
	       "  (none)           procs, memory, page, faults and cpu: since boot, then\n"
	       "                   per interval with -w/-c\n"
	       "  -P               per-CPU cpu lines (us sy id wa) instead\n"
	       "  -i               interrupts: total and rate of each line, since boot,\n"
	       "                   then per interval with -w/-c; -P adds a column per CPU\n"
	       "  -s               totals as a list, one value per line\n"
	       "  -h NAME          statistics of hash table NAME (repeatable)\n"
	       "  -H               statistics of every hash table\n"
	       "  -L               list the hash tables\n"
	       "  -w SECS          repeat every SECS seconds (deltas)\n"
	       "  -c N             stop after N displays (default interval 1 second)\n"
	       "      --help       this help\n"
	       "      --version    the version\n"
	       "\n"
	       "History (--plot: the vmstat line, -P; --diff: -H, -h):\n%s%s"
	       "\n"
	       "Common options:\n%s",
	    nb_look_help_plot, nb_look_help_diff, nb_common_help);
}

/* Cross-option rules of the modes (usage errors, exit 2). */
static void
check_modes(const struct vmstat_opts *vo)
{
	bool hash = vo->Hflag || vo->nhashes > 0;
	bool repeat = vo->c.interval_set || vo->c.count_set;

	if (vo->Lflag && hash)
		nb_usagex("you may list or display, but not both!");
	if (vo->Hflag && vo->nhashes > 0)
		nb_usagex("-H and -h exclude each other");
	if ((hash || vo->Lflag) && (vo->sflag || vo->Pflag))
		nb_usagex("-h, -H and -L exclude -s and -P");
	if (vo->sflag && vo->Pflag)
		nb_usagex("-s and -P exclude each other");
	if (vo->iflag && (hash || vo->Lflag || vo->sflag))
		nb_usagex("-i excludes -h, -H, -L and -s");
	if ((hash || vo->Lflag || vo->sflag) && repeat)
		nb_usagex("-w and -c repeat the vmstat line (default mode or -P) or -i only");
	if (vo->c.summary || vo->c.top != 0)
		nb_usagex("--summary, --top: nbvmstat has none (nbnetstat -i has)");
	if (vo->c.plot_path != NULL && (hash || vo->Lflag || vo->sflag || vo->iflag))
		nb_usagex("--plot draws the vmstat line (default mode or -P), not -h, -H, -L, -s or -i");
	if (vo->c.diff_from != NULL && !hash)
		nb_usagex("--diff: nbvmstat compares hash tables (-H or -h NAME)");
}

int
main(int argc, char *argv[])
{
	struct vmstat_opts vo;
	struct nb_sysctl *h = NULL;
	struct nb_out *o = NULL;
	const char **v;
	int opt, rc;

	nb_tool_init(argv[0]);
	memset(&vo, 0, sizeof(vo));
	nb_common_init(&vo.c);
	nb_common_args(&vo.c, argc, argv);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			nb_common_option(&vo.c, NB_OPT_COUNT, optarg);
			break;
		case 'h':
			if (*optarg == '\0')
				nb_usagex("-h: empty hash table name");
			if ((v = realloc(vo.hashes, (vo.nhashes + 1) * sizeof(*v))) == NULL)
				nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
			vo.hashes = v;
			vo.hashes[vo.nhashes++] = optarg;
			break;
		case 'H':
			vo.Hflag = true;
			break;
		case 'i':
			vo.iflag = true;
			break;
		case 'L':
			vo.Lflag = true;
			break;
		case 'P':
			vo.Pflag = true;
			break;
		case 's':
			vo.sflag = true;
			break;
		case 'w':
			nb_common_option(&vo.c, NB_OPT_INTERVAL, optarg);
			break;
		case OPT_HELP:
			usage();
			free(vo.hashes);
			return 0;
		case OPT_VERSION:
			printf("nbvmstat %s\n", NBSTAT_VERSION);
			free(vo.hashes);
			return 0;
		case ':':
		case '?':
			nb_bad_option(opt, argv);
		default:
			if (!nb_common_option(&vo.c, opt, optarg))
				nb_bad_option('?', argv);
			break;
		}
	}
	if (optind < argc)
		nb_usagex("%s: unexpected operand", argv[optind]);
	nb_common_check(&vo.c);
	check_modes(&vo);

	if (vo.c.diff_from == NULL)
		h = nb_common_open(&vo.c);
	if ((o = nb_out_create(stdout, vo.c.json, vo.c.pretty)) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	if (vo.c.diff_from != NULL)
		rc = hash_diff(h, &vo, o);
	else if (vo.c.plot_path != NULL)
		rc = vm_plot(h, &vo, o);
	else if (vo.Hflag || vo.Lflag || vo.nhashes > 0)
		rc = hash_mode(h, &vo, o);
	else if (vo.iflag)
		rc = intr_mode(h, &vo, o);
	else
		rc = vm_mode(h, &vo, o);
	nb_out_destroy(&o);
	nb_common_close(&h);
	free(vo.hashes);
	if (fflush(stdout) == EOF || ferror(stdout))
		nb_errx(NB_EXIT_RUNTIME, "stdout: %s", strerror(errno));
	return rc;
}
