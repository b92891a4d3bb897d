/* SPDX-License-Identifier: BSD-2-Clause */
/* main.c - nbsysctl: NetBSD sysctl(8) over the nbstat MIB tree. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <nbtool/nbtool.h>
#include <sysctl-tree/sysctl.h>

#include "nbsysctl.h"

/* A name from the command line, split once. */
struct req {
	const char	*arg;		/* as given (for messages) */
	char		**comp;
	unsigned	 ncomp;
	bool		 missing;	/* interval mode: reported missing */
};

/* A -w name=value. */
struct wreq {
	char		*name;		/* escaped name (copy) */
	const char	*value;
};

enum {
	OPT_HELP = 0x2000,
	OPT_VERSION,
};

static const struct option longopts[] = {
	NB_COMMON_LONGOPTS,
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
	    "       nbsysctl --record FILE [--interval SECONDS [-c COUNT]]  (records net, vm, kern.cp_time,\n"
	    "                kern.hashstat without printing)\n"
	    "       nbsysctl --replay FILE --list\n"
	    "  -a          every node of the tree\n"
	    "  -d          descriptions instead of values\n"
	    "  -e          print name=value\n"
	    "  -i          interactive shell (commands from stdin if not a terminal)\n"
	    "  -n          values only\n"
	    "  -P          per-CPU leaves with their vector\n"
	    "  -q          quiet: exit status only\n"
	    "  -w N=V      write V to the writable node N (repeatable)\n"
	    "  -c COUNT    with --interval: number of samples\n"
	    "%s", nb_common_help);
}

/* Split a command-line name; malformed names are usage errors. */
static void
req_split(const char *arg, char ***comp, unsigned *ncomp)
{
	int rc;

	if ((rc = nb_sysctl_name_split(arg, comp, NULL, ncomp)) == 0)
		return;
	if (rc == -ENAMETOOLONG)
		nb_usagex("%s: name too long", arg);
	if (rc == -EINVAL)
		nb_usagex("%s: invalid name", arg);
	nb_errx(NB_EXIT_RUNTIME, "%s: %s", arg, strerror(-rc));
}

/* Report a failed read of `name` unless it is a quiet existence test. */
static void
read_error(struct nb_sysctl *h, const char *name, int rc, bool quiet)
{
	const char *d = nb_sysctl_errdetail(h);

	if (rc == -ENOENT && (d == NULL || *d == '\0')) {	/* no detail: the name */
		if (!quiet)
			nb_warnx("%s: no such node", name);
	} else if (d != NULL && *d != '\0') {
		nb_warnx("%s: %s (%s)", name, strerror(-rc), d);
	} else {
		nb_warnx("%s: %s", name, strerror(-rc));
	}
}

/*
 * "name=value": the name ends at the first '=' whose left side names a node
 * (interface names may contain '='); if none does, at the first '='.
 */
static void
wreq_parse(struct nb_sysctl *h, const char *arg, struct wreq *w)
{
	struct nb_sysctl_value v;
	const char *eq, *first;
	char **comp;
	unsigned n;

	if ((first = strchr(arg, '=')) == NULL)
		nb_usagex("%s: -w needs name=value", arg);
	for (eq = first; eq != NULL; eq = strchr(eq + 1, '=')) {
		char *name = strndup(arg, (size_t)(eq - arg));

		if (name == NULL)
			nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
		if (h != NULL && nb_sysctl_get(h, name, NB_SYSCTL_RD_NOVALUE, &v) != -ENOENT) {
			w->name = name;
			w->value = eq + 1;
			return;
		}
		free(name);
	}
	if ((w->name = strndup(arg, (size_t)(first - arg))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	w->value = first + 1;
	if (h == NULL) {
		/* Syntax check before the tree is opened. */
		req_split(w->name, &comp, &n);
		free(comp);
	}
}

/* Write one node; on success the list gets an item with old and new values. */
static int
do_write(struct nb_sysctl *h, const struct wreq *w, bool quiet, struct nbs_list *l)
{
	struct nb_sysctl_value v, old;
	struct nbs_item *it;
	int rc;

	if ((rc = nb_sysctl_get(h, w->name, 0, &v)) < 0) {
		if (rc == -EISDIR)
			nb_warnx("%s: not a leaf node", w->name);
		else
			read_error(h, w->name, rc, false);
		return NB_EXIT_RUNTIME;
	}
	if ((v.flags & NB_SYSCTL_F_WRITABLE) == 0) {
		nb_warnx("%s: read-only node", w->name);
		return NB_EXIT_RUNTIME;
	}
	if ((rc = nbs_value_copy(&old, &v)) < 0)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(-rc));
	if ((rc = nb_sysctl_write(h, w->name, w->value)) < 0) {
		if (rc == -EINVAL)
			nb_warnx("%s: invalid value '%s'", w->name, w->value);
		else
			read_error(h, w->name, rc, false);
		nbs_value_free(&old);
		return NB_EXIT_RUNTIME;
	}
	if ((rc = nb_sysctl_sample(h)) < 0 ||
	    (rc = nb_sysctl_get(h, w->name, 0, &v)) < 0 ||
	    (rc = nbs_append_value(l, w->name, &v)) < 0) {
		read_error(h, w->name, rc, quiet);
		nbs_value_free(&old);
		return NB_EXIT_RUNTIME;
	}
	it = nbs_last(l);
	it->old = old;
	it->has_old = true;
	return 0;
}

/*
 * Account for the read of rq (rc: its result): report a failure (with
 * report_once, only the first of a run of failures of this name) and
 * return the exit status it adds.
 */
static int
req_done(struct nb_sysctl *h, struct req *rq, int rc, bool quiet, bool report_once)
{
	if (rc >= 0) {
		rq->missing = false;
		return 0;
	}
	if (!report_once || !rq->missing)
		read_error(h, rq->arg, rc, quiet);
	rq->missing = true;
	return NB_EXIT_RUNTIME;
}

/* Read every requested subtree into l (and the renderer). */
static int
read_all(struct nb_sysctl *h, struct req *rq, size_t nrq, unsigned rdflags,
    bool quiet, bool report_once, struct nbs_renderer *r, struct nbs_list *l)
{
	int ret = 0, rc;

	for (size_t i = 0; i < nrq; i++) {
		const char *const *comp = (const char *const *)rq[i].comp;

		if ((rc = nbs_collect(h, comp, rq[i].ncomp, rdflags, l)) == 0)
			rc = nbs_render_subtree(r, h, comp, rq[i].ncomp, rdflags);
		ret |= req_done(h, &rq[i], rc, quiet, report_once);
	}
	return ret;
}

static int
discard_cb(const struct nb_sysctl_entry *e, void *arg)
{
	(void)e;
	(void)arg;
	return 0;
}

/*
 * Recorder mode: walk the subtrees and nothing else; the handle records
 * what the walks read (one sample per tick). No list, no renderer, no
 * deltas: they would cost more than the recording (a sorted copy of every
 * leaf and a second walk per subtree, for nothing printed).
 */
static int
record_loop(const struct nb_common *c, struct nb_sysctl *h, struct req *rq,
    size_t nrq, unsigned rdflags, bool quiet)
{
	struct nb_ticker t;
	int ret = 0;

	nb_ticker_init(&t, c, h);
	for (;;) {
		for (size_t i = 0; i < nrq; i++)
			ret |= req_done(h, &rq[i], nb_sysctl_walkv(h,
			    (const char *const *)rq[i].comp, rq[i].ncomp, rdflags,
			    discard_cb, NULL), quiet, true);
		if (!c->interval_set || !nb_ticker_next(&t))
			break;
	}
	return ret;
}

/* --interval: counters print their delta since the previous sample. */
static int
interval_loop(const struct nb_common *c, struct nb_sysctl *h, struct req *rq,
    size_t nrq, unsigned rdflags, struct nbs_renderer *r, bool quiet)
{
	struct nbs_list prev = { 0 }, cur = { 0 };
	struct nb_ticker t;
	int ret = 0;

	nb_ticker_init(&t, c, h);
	for (;;) {
		ret |= read_all(h, rq, nrq, rdflags, quiet, true, r, &cur);
		nbs_render_step(r, &prev, &cur);
		if (!nb_ticker_next(&t))
			break;
	}
	nbs_list_free(&prev);
	return ret;
}

int
main(int argc, char **argv)
{
	struct nb_common c;
	struct nbs_render_opts ro = { 0 };
	struct nbs_renderer *r = NULL;
	struct nbs_list wl = { 0 }, l = { 0 };
	struct nb_sysctl *h;
	struct req *rq = NULL;
	struct wreq *wr = NULL;
	const char **wargs = NULL;
	size_t nrq = 0, nw = 0;
	bool aflag = false, iflag = false, recorder;
	unsigned rdflags = 0;
	int ch, ret = 0;

	nb_tool_init(argv[0]);
	nb_common_init(&c);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":adeinPqjw:c:S:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			aflag = true;
			break;
		case 'd':
			ro.dflag = true;
			break;
		case 'e':
			ro.eflag = true;
			break;
		case 'i':
			iflag = true;
			break;
		case 'n':
			ro.nflag = true;
			break;
		case 'P':
			ro.percpu = true;
			break;
		case 'q':
			ro.quiet = true;
			break;
		case 'w':
			if ((wargs = reallocarray(wargs, nw + 1, sizeof(*wargs))) == NULL)
				nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
			wargs[nw++] = optarg;
			break;
		case 'c':
			nb_common_option(&c, NB_OPT_COUNT, optarg);
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("nbsysctl %s\n", NBSTAT_VERSION);
			exit(0);
		case ':':
			nb_usagex("option %s needs an argument", argv[optind - 1]);
		case '?':
			if (optopt != 0)
				nb_usagex("unknown option -%c", optopt);
			nb_usagex("unknown option %s", argv[optind - 1]);
		default:
			if (!nb_common_option(&c, ch, optarg))
				nb_usagex("unknown option %s", argv[optind - 1]);
			break;
		}
	}
	argc -= optind;
	argv += optind;
	nb_common_check(&c);
	ro.json = c.json;
	ro.pretty = c.pretty;
	ro.json_lines = c.interval_set;

	if (iflag && (aflag || argc > 0 || nw > 0 || c.interval_set))
		nb_usagex("-i takes no names, -a, -w or --interval");
	if (aflag && argc > 0)
		nb_usagex("-a takes no names");
	/* Recorder mode: --record without names records the default subtrees, silently. */
	recorder = c.record_path != NULL && !iflag && !aflag && argc == 0 && nw == 0;
	if (recorder)
		ro.quiet = true;
	if (!iflag && !aflag && argc == 0 && nw == 0 && !recorder)
		nb_usagex("no name given");
	if (nw > 0 && c.interval_set)
		nb_usagex("-w cannot be used with --interval");
	if (c.count_set && !c.interval_set)
		nb_usagex("-c needs --interval");

	/* Every name is checked before anything is read or printed. */
	nrq = aflag ? 1 : (size_t)argc;
	if (nrq > 0 && (rq = calloc(nrq, sizeof(*rq))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	if (aflag) {
		rq[0].arg = "";
		req_split("", &rq[0].comp, &rq[0].ncomp);
	}
	for (int i = 0; !aflag && i < argc; i++) {
		rq[i].arg = argv[i];
		req_split(argv[i], &rq[i].comp, &rq[i].ncomp);
	}
	if (nw > 0 && (wr = calloc(nw, sizeof(*wr))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	for (size_t i = 0; i < nw; i++) {
		wreq_parse(NULL, wargs[i], &wr[i]);
		free(wr[i].name);
		wr[i].name = NULL;
	}

	h = nb_common_open(&c);
	if (recorder) {
		/* The default subtrees this tree has (vm, kern.cp_time may be absent). */
		static const char *const defaults[] = {
			"net", "vm", "kern.cp_time", "kern.hashstat",
		};
		struct nb_sysctl_value probe;

		if ((rq = calloc(sizeof(defaults) / sizeof(defaults[0]), sizeof(*rq))) == NULL)
			nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
		for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
			if (nb_sysctl_get(h, defaults[i], NB_SYSCTL_RD_NOVALUE, &probe) == -ENOENT)
				continue;
			rq[nrq].arg = defaults[i];
			req_split(defaults[i], &rq[nrq].comp, &rq[nrq].ncomp);
			nrq++;
		}
	}
	if (ro.percpu)
		rdflags |= NB_SYSCTL_RD_PERCPU;
	if (ro.dflag)
		rdflags |= NB_SYSCTL_RD_NOVALUE;

	if (iflag) {
		ret = nbs_shell(h, ro.percpu);
		goto out;
	}
	if (recorder) {
		ret = record_loop(&c, h, rq, nrq, rdflags, ro.quiet);
		goto out;
	}
	r = nbs_renderer_create(&ro, stdout);
	if (c.interval_set) {
		ret = interval_loop(&c, h, rq, nrq, rdflags, r, ro.quiet);
		goto out;
	}
	for (size_t i = 0; i < nw; i++) {
		wreq_parse(h, wargs[i], &wr[i]);
		ret |= do_write(h, &wr[i], ro.quiet, &wl);
	}
	ret |= read_all(h, rq, nrq, rdflags, ro.quiet, false, r, &l);
	nbs_render_items(r, &wl);
	nbs_render_items(r, &l);
	nbs_render_end(r);
out:
	nbs_renderer_destroy(&r);
	nbs_list_free(&wl);
	nbs_list_free(&l);
	for (size_t i = 0; i < nrq; i++)
		free(rq[i].comp);
	for (size_t i = 0; i < nw; i++)
		free(wr[i].name);
	free(rq);
	free(wr);
	free(wargs);
	nb_common_close(&h);
	if (fflush(stdout) != 0 || ferror(stdout))
		nb_errx(NB_EXIT_RUNTIME, "stdout: %s", strerror(errno));
	return ret;
}
