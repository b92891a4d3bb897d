/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * main.c - nbsysctl: NetBSD sysctl(8) over the nbstat MIB tree. The
 * options, the checks between them, and the table of modes (read, write,
 * interval, record, shell) they select.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <nbtool/nbtool.h>
#include <sysctl-tree/sysctl.h>

#include "nbsysctl.h"

enum {
	OPT_HELP = 0x2000,
	OPT_VERSION,
};

static const struct option longopts[] = {
	NB_COMMON_LONGOPTS,
	NB_LOOK_LONGOPTS,
	{ "events",	no_argument,	NULL, NB_OPT_EVENTS },
	{ "help",	no_argument,	NULL, OPT_HELP },
	{ "version",	no_argument,	NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: nbsysctl [-deinPq] [-j [--pretty]] name ...\n"
	    "       nbsysctl [-enq] -a\n"
	    "       nbsysctl [-nq] -w name=value ...\n"
	    "       nbsysctl [-P] [-j] --interval SECONDS [-c COUNT] name ...\n"
	    "       nbsysctl -i\n"
	    "       nbsysctl --record FILE [--interval SECONDS [-c COUNT]]  (records the default set:\n"
	    "                all but kern.proc and net.pcb, without printing)\n"
	    "       nbsysctl --replay FILE --list\n"
	    "       nbsysctl [-P] --replay FILE --from T1 [--to T2] --plot FILE.svg|.png name ...\n"
	    "       nbsysctl [-j] --replay FILE --diff T1 T2|now name ...\n"
	    "       nbsysctl --replay FILE [--from T1 [--to T2]] --events [-j]  (the range's\n"
	    "                event timeline: links, interfaces, addresses, routes, neighbours)\n"
	    "  -a          every node of the tree\n"
	    "  -d          descriptions instead of values\n"
	    "  -e          print name=value\n"
	    "  -i          interactive shell (commands from stdin if not a terminal)\n"
	    "  -n          values only\n"
	    "  -P          per-CPU leaves with their vector\n"
	    "  -q          quiet: exit status only\n"
	    "  -w N=V      write V to the writable node N (repeatable)\n"
	    "  -c COUNT    with --interval: number of samples\n"
	    "  --help      this help\n"
	    "  --version   the version\n"
	    "History (names):\n%s%s"
	    "%s",
	    nb_look_help_plot, nb_look_help_diff, nb_common_help);
}

/* What the command line asks for. */
struct opts {
	struct nb_common c;
	struct nbs_render_opts ro;
	bool		 aflag;		/* -a */
	bool		 iflag;		/* -i */
	const char	**wargs;	/* -w name=value, in order */
	size_t		 nw;
	char		**names;	/* operands */
	size_t		 nnames;
};

/* The options that only set a flag. */
static const struct flagopt {
	int	 ch;
	size_t	 off;		/* of the bool in struct opts */
} flagopts[] = {
	{ 'a', offsetof(struct opts, aflag) },
	{ 'd', offsetof(struct opts, ro.dflag) },
	{ 'e', offsetof(struct opts, ro.eflag) },
	{ 'i', offsetof(struct opts, iflag) },
	{ 'n', offsetof(struct opts, ro.nflag) },
	{ 'P', offsetof(struct opts, ro.percpu) },
	{ 'q', offsetof(struct opts, ro.quiet) },
};

/* One run of a mode: the handle, the requests and the writes, read with rdflags. */
struct run {
	struct opts	*o;
	struct nb_sysctl *h;
	struct nbs_reqs	 rq;
	struct nbs_wreq	*wr;		/* o->nw of them */
	unsigned	 rdflags;
};

static int
run_shell(struct run *rn)
{
	return nbs_shell(rn->h, rn->o->ro.percpu);
}

/*
 * Recorder mode: the recording service (libnbtool, shared with nbstatd)
 * over the default subtrees; SIGTERM or SIGINT ends it after the sample
 * in flight is written.
 */
static int
run_record(struct run *rn)
{
	struct nb_recorder r = { 0 };
	int ret, rc;

	if ((rc = nb_sysctl_record_defaults(rn->h, &r.names, &r.n)) != 0)
		nb_errx(NB_EXIT_RUNTIME, "the default subtrees: %s", strerror(-rc));
	r.h = rn->h;
	r.interval = rn->o->c.interval_set ? rn->o->c.interval : 1.0;
	r.count = rn->o->c.interval_set ? (rn->o->c.count_set ? rn->o->c.count : 0) : 1;
	r.rdflags = rn->rdflags;
	r.quiet_enoent = true;
	nb_signals_take(false); /* already with --interval (nb_common_open) */
	ret = nb_record_loop(&r);
	nb_strv_free(r.names, r.n);
	return ret;
}

static int
run_plot(struct run *rn)
{
	struct nbs_renderer *r = nbs_renderer_create(&rn->o->ro, stdout);
	int ret;

	ret = nbs_plot_loop(&rn->o->c, rn->h, &rn->rq, rn->rdflags, r, rn->o->ro.quiet);
	nbs_renderer_destroy(&r);
	return ret;
}

/* --diff T1 T2: two handles of its own (rn->h is not opened). */
static int
run_diff(struct run *rn)
{
	struct nbs_renderer *r = nbs_renderer_create(&rn->o->ro, stdout);
	struct nb_out *o = nb_out_create(stdout, rn->o->c.json, rn->o->c.pretty);
	int ret;

	if (o == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	ret = nbs_diff(&rn->o->c, &rn->rq, rn->rdflags, r, rn->o->ro.quiet, o);
	nb_out_destroy(&o);
	nbs_renderer_destroy(&r);
	return ret;
}

static int
run_interval(struct run *rn)
{
	struct nbs_renderer *r = nbs_renderer_create(&rn->o->ro, stdout);
	int ret;

	ret = nbs_interval_loop(&rn->o->c, rn->h, &rn->rq, rn->rdflags, r, rn->o->ro.quiet);
	nbs_renderer_destroy(&r);
	return ret;
}

/* Writes first (each printed as "name: old -> new"), then the reads. */
static int
run_once(struct run *rn)
{
	struct nbs_renderer *r = nbs_renderer_create(&rn->o->ro, stdout);
	struct nbs_list wl = { 0 }, l = { 0 };
	bool quiet = rn->o->ro.quiet;
	int ret = 0;

	for (size_t i = 0; i < rn->o->nw; i++) {
		nbs_wreq_parse(rn->h, rn->o->wargs[i], &rn->wr[i]);
		ret |= nbs_write(rn->h, &rn->wr[i], quiet, &wl);
	}
	ret |= nbs_read_all(rn->h, &rn->rq, rn->rdflags, quiet, false, r, &l);
	nbs_render_items(r, &wl);
	nbs_render_items(r, &l);
	nbs_render_end(r);
	nbs_renderer_destroy(&r);
	nbs_list_free(&wl);
	nbs_list_free(&l);
	return ret;
}

/* --events: the replayed range's event timeline (libnbtool, as nbnetstat's). */
static int
run_events(struct run *rn)
{
	struct nb_out *out;
	int ret;

	if ((out = nb_out_create(stdout, rn->o->c.json, rn->o->c.pretty)) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	ret = nb_events_print(rn->h, &rn->o->c, NULL, out);
	nb_out_destroy(&out);
	return ret;
}

enum mode {
	M_SHELL,
	M_RECORD,
	M_INTERVAL,
	M_ONCE,
	M_PLOT,
	M_DIFF,
	M_EVENTS,
};

static int (*const modes[])(struct run *) = {
	[M_EVENTS] = run_events,
	[M_SHELL] = run_shell,
	[M_RECORD] = run_record,
	[M_INTERVAL] = run_interval,
	[M_ONCE] = run_once,
	[M_PLOT] = run_plot,
	[M_DIFF] = run_diff,
};

static void
parse(struct opts *o, int argc, char **argv)
{
	int ch;

	nb_common_init(&o->c);
	nb_common_args(&o->c, argc, argv);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":adeinPqjw:c:S:", longopts, NULL)) != -1) {
		size_t i;

		for (i = 0; i < sizeof(flagopts) / sizeof(flagopts[0]); i++)
			if (flagopts[i].ch == ch)
				break;
		if (i < sizeof(flagopts) / sizeof(flagopts[0])) {
			*(bool *)((char *)o + flagopts[i].off) = true;
			continue;
		}
		switch (ch) {
		case 'w':
			if ((o->wargs = reallocarray(o->wargs, o->nw + 1, sizeof(*o->wargs))) == NULL)
				nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
			o->wargs[o->nw++] = optarg;
			break;
		case 'c':
			nb_common_option(&o->c, NB_OPT_COUNT, optarg);
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("nbsysctl %s\n", NBSTAT_VERSION);
			exit(0);
		case ':':
		case '?':
			nb_bad_option(ch, argv);
		default:
			if (!nb_common_option(&o->c, ch, optarg))
				nb_bad_option('?', argv);
			break;
		}
	}
	o->names = argv + optind;
	o->nnames = (size_t)(argc - optind);
	o->ro.json = o->c.json;
	o->ro.pretty = o->c.pretty;
	o->ro.json_lines = o->c.interval_set;
}

/* The checks between options (usage errors exit 2); returns the mode. */
static enum mode
check(struct opts *o)
{
	bool names = o->nnames > 0, recorder;

	nb_common_check(&o->c);
	if (o->c.events && (o->iflag || o->aflag || names || o->nw > 0))
		nb_usagex("--events takes no names, -a, -i or -w");
	if (o->c.events)
		return M_EVENTS;
	if (o->iflag && (o->aflag || names || o->nw > 0 || o->c.interval_set))
		nb_usagex("-i takes no names, -a, -w or --interval");
	if (o->aflag && names)
		nb_usagex("-a takes no names");
	/* Recorder mode: --record without names records the default subtrees, silently. */
	recorder = o->c.record_path != NULL && !o->iflag && !o->aflag && !names && o->nw == 0;
	if (recorder)
		o->ro.quiet = true;
	if (!o->iflag && !o->aflag && !names && o->nw == 0 && !recorder)
		nb_usagex("no name given");
	if (o->nw > 0 && o->c.interval_set)
		nb_usagex("-w cannot be used with --interval");
	/* A fixture root or a history file is read only: a write there would
	 * go to the running kernel instead. */
	if (o->nw > 0 && (o->c.root != NULL || o->c.replay_path != NULL))
		nb_usagex("-w writes to the running kernel: not with %s",
		    o->c.replay_path != NULL ? "--replay" : "--root (or $NBSTAT_ROOT)");
	if (o->c.count_set && !o->c.interval_set)
		nb_usagex("-c needs --interval");
	if (o->c.summary || o->c.top != 0)
		nb_usagex("--summary, --top: nbsysctl has none (nbnetstat -i has; --plot draws names)");
	if ((o->c.plot_path != NULL || o->c.diff_from != NULL) && (o->iflag || o->nw > 0 || recorder))
		nb_usagex("--plot and --diff read names: not with -i, -w or --record");
	if (o->c.plot_path != NULL && !names)
		nb_usagex("--plot: name the leaves to draw");
	if (o->c.plot_path != NULL)
		return M_PLOT;
	if (o->c.diff_from != NULL)
		return M_DIFF;
	return o->iflag ? M_SHELL : recorder ? M_RECORD : o->c.interval_set ? M_INTERVAL : M_ONCE;
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct run rn = { .o = &o };
	enum mode m;
	int ret;

	nb_tool_init(argv[0]);
	parse(&o, argc, argv);
	m = check(&o);
	/* Every name is checked before anything is read or printed. */
	if (o.aflag)
		nbs_reqs_add(&rn.rq, "");
	for (size_t i = 0; i < o.nnames; i++) {
		nbs_req_check(o.names[i]);
		nbs_reqs_add(&rn.rq, o.names[i]);
	}
	if (o.nw > 0 && (rn.wr = calloc(o.nw, sizeof(*rn.wr))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	for (size_t i = 0; i < o.nw; i++) {
		nbs_wreq_parse(NULL, o.wargs[i], &rn.wr[i]);
		free(rn.wr[i].name);
		rn.wr[i].name = NULL;
	}

	if (m != M_DIFF)
		rn.h = nb_common_open(&o.c);
	rn.rdflags = (o.ro.percpu ? NB_SYSCTL_RD_PERCPU : 0) |
	    (o.ro.dflag ? NB_SYSCTL_RD_NOVALUE : 0);
	ret = modes[m](&rn);

	nbs_reqs_free(&rn.rq);
	for (size_t i = 0; i < o.nw; i++)
		free(rn.wr[i].name);
	free(rn.wr);
	free(o.wargs);
	nb_common_close(&rn.h);
	if (fflush(stdout) != 0 || ferror(stdout))
		nb_errx(NB_EXIT_RUNTIME, "stdout: %s", strerror(errno));
	return ret;
}
