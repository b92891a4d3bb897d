/* SPDX-License-Identifier: BSD-2-Clause */
/* common.c - the options every nb* tool takes, opening the handle they select, the interval ticker. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#define NS_PER_SEC	1000000000LL
#define MAX_COUNT	UINT64_C(1000000000)

const char nb_common_help[] =
    "  -j, --json            one JSON document (one per line in interval mode)\n"
    "      --pretty          indented JSON (implies -j)\n"
    "      --interval SECS   interval mode: repeat every SECS seconds (deltas)\n"
    "      --count N         stop after N displays (interval mode)\n"
    "  -S, --socket PATH     read nbstatd's tree at PATH (the daemon is not built yet)\n"
    "      --record FILE     append what is read to history FILE (one sample per read)\n"
    "      --retain DURATION with --record: delete samples older than DURATION (7d, 12h, 30m)\n"
    "      --replay FILE     read history from FILE instead of the live system\n"
    "      --list            with --replay: list the samples (time, source, objects)\n"
    "      --at TIME         with --replay: the sample at TIME\n"
    "      --from TIME, --to TIME\n"
    "                        with --replay: the samples in [from, to]\n"
    "                        TIME: 2024-05-01T03:10[:00][Z|+02:00], now, -30s, -15m, -2h, -1d\n"
    "      --source NAME     local source: linux (default) or sim (synthetic traffic)\n"
    "      --source-args A   options for the source\n"
    "      --root DIR        read the root file system DIR (DIR/proc, DIR/sys), never\n"
    "                        the running kernel ($NBSTAT_ROOT); one moment: no interval\n";

const char nb_look_help_plot[] =
    "      --plot FILE       draw a --replay range (--from/--to) or interval mode\n"
    "                        into FILE.svg or FILE.png (rewritten after each interval)\n";
const char nb_look_help_top[] =
    "      --top N           with --plot: the N busiest objects (default 5)\n";
const char nb_look_help_diff[] =
    "      --diff T1 T2      with --replay: what changed between the samples at T1\n"
    "                        and T2 (T2 now: the live host); +, - and ~ rows\n";
const char nb_look_help_summary[] =
    "      --summary         with --replay --from/--to: average, minimum, maximum and\n"
    "                        95th percentile of the rates over the range\n";

static int64_t
now_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static int64_t
now_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

void
nb_common_init(struct nb_common *c)
{
	const char *root;

	memset(c, 0, sizeof(*c));
	if ((root = getenv("NBSTAT_ROOT")) != NULL && *root != '\0')
		c->root = root;
}

/* A time option given twice is a usage error: which one was meant? */
static void
once(const char *opt, const char *prev)
{
	if (prev != NULL)
		nb_usagex("%s given twice", opt);
}

void
nb_common_args(struct nb_common *c, int argc, char **argv)
{
	c->argc = argc;
	c->argv = argv;
}

/* The history options: --plot, --top, --diff T1 T2, --summary. */
static bool
look_option(struct nb_common *c, int opt, const char *arg)
{
	const char *errstr;

	switch (opt) {
	case NB_OPT_PLOT:
		if (*arg == '\0')
			nb_usagex("--plot: empty file name");
		c->plot_path = arg;
		break;
	case NB_OPT_TOP:
		if (nb_parse_u64(arg, 1, 1000, &c->top, &errstr) != 0)
			nb_usagex("--top %s: %s (1 to 1000)", arg, errstr);
		break;
	case NB_OPT_DIFF:
		once("--diff", c->diff_from);
		/* T2 is the next word: getopt has not looked at it yet. */
		if (c->argv == NULL || optind >= c->argc)
			nb_usagex("--diff %s: needs a second time (--diff T1 T2)", arg);
		c->diff_from = arg;
		c->diff_to = c->argv[optind++];
		break;
	case NB_OPT_SUMMARY:
		c->summary = true;
		break;
	default:
		return false;
	}
	return true;
}

bool
nb_common_option(struct nb_common *c, int opt, const char *arg)
{
	const char *errstr;

	if (look_option(c, opt, arg))
		return true;

	switch (opt) {
	case 'j':
	case NB_OPT_JSON:
		c->json = true;
		break;
	case NB_OPT_PRETTY:		/* implies -j */
		c->json = true;
		c->pretty = true;
		break;
	case NB_OPT_INTERVAL:
		if (nb_parse_interval(arg, &c->interval, &errstr) != 0)
			nb_usagex("interval %s: %s (seconds, > 0, at most 86400)", arg, errstr);
		c->interval_set = true;
		break;
	case NB_OPT_COUNT:
		if (nb_parse_u64(arg, 1, MAX_COUNT, &c->count, &errstr) != 0)
			nb_usagex("count %s: %s", arg, errstr);
		c->count_set = true;
		break;
	case 'S':
	case NB_OPT_SOCKET:
		if (*arg == '\0')
			nb_usagex("-S: empty socket path");
		c->socket_path = arg;
		break;
	case NB_OPT_RECORD:
		if (*arg == '\0')
			nb_usagex("--record: empty file name");
		c->record_path = arg;
		break;
	case NB_OPT_RETAIN:
		if (nb_parse_duration(arg, &c->retain_ns, &errstr) != 0)
			nb_usagex("--retain %s: %s", arg, errstr);
		break;
	case NB_OPT_REPLAY:
		if (*arg == '\0')
			nb_usagex("--replay: empty file name");
		c->replay_path = arg;
		break;
	case NB_OPT_LIST:
		c->list = true;
		break;
	case NB_OPT_EVENTS:
		c->events = true;
		break;
	case NB_OPT_AT:
		once("--at", c->at);
		c->at = arg;
		break;
	case NB_OPT_FROM:
		once("--from", c->from);
		c->from = arg;
		break;
	case NB_OPT_TO:
		once("--to", c->to);
		c->to = arg;
		break;
	case NB_OPT_SOURCE:
		if (strcmp(arg, "linux") != 0 && strcmp(arg, "sim") != 0)
			nb_usagex("--source %s: unknown source (linux or sim)", arg);
		c->source = arg;
		break;
	case NB_OPT_SOURCE_ARGS:
		c->source_args = arg;
		break;
	case NB_OPT_ROOT:
		if (*arg == '\0')
			nb_usagex("--root: empty directory");
		c->root = arg;
		c->root_opt = true;
		break;
	default:
		return false;
	}
	return true;
}

/* ---- progress of long history reads, on a terminal only ---- */

static int progress_shown = -1;	/* last percentage printed; -1: none */

static void
tty_progress(uint64_t done, uint64_t total, void *arg)
{
	const char *path = arg;
	int pct;

	if (done >= total) {
		if (progress_shown >= 0)
			fputs("\r\033[K", stderr);
		progress_shown = -1;
		return;
	}
	pct = (int)(done * 100 / total);
	if (pct == progress_shown)
		return;
	progress_shown = pct;
	fprintf(stderr, "\r%s: reading %s... %d%%", nb_tool_name(), path, pct);
}

/* Progress on stderr for the history reads of --replay PATH, if a terminal. */
static nb_sysctl_progress_fn
progress_fn(void)
{
	return isatty(STDERR_FILENO) ? tty_progress : NULL;
}

/* ---- --replay FILE --list ---- */

/* The output opens with the first sample: an unreadable file prints nothing. */
struct list_state {
	struct nb_out	*o;
	const struct nb_common *c;
};

static struct nb_out *
list_open(struct list_state *ls)
{
	struct nb_out *o;

	if (ls->o != NULL)
		return ls->o;
	if ((o = nb_out_create(stdout, ls->c->json, ls->c->pretty)) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	nb_out_record_begin(o);
	nb_out_text(o, "%-36s %-8s %7s %7s %8s\n", "TIME", "SOURCE", "OBJECTS", "VALUES", "BYTES");
	nb_out_open_array(o, "samples");
	return ls->o = o;
}

static int
list_cb(const struct nb_sysctl_sample_info *si, void *arg)
{
	struct nb_out *o = list_open(arg);
	char when[64];

	nb_format_time(si->t_ns, when, sizeof(when));
	nb_out_open_object(o, NULL);
	nb_out_str(o, NB_OUT_ANY, "time", "%-36s", when);
	nb_out_i64(o, NB_OUT_JSON, "t_ns", "%lld", si->t_ns);
	nb_out_str(o, NB_OUT_ANY, "source", " %-8s", si->source != NULL ? si->source : "");
	nb_out_u64(o, NB_OUT_ANY, "objects", " %7llu", si->nobjects);
	nb_out_u64(o, NB_OUT_ANY, "values", " %7llu", si->nvalues);
	nb_out_u64(o, NB_OUT_ANY, "bytes", " %8llu", si->bytes);
	nb_out_text(o, "\n");
	nb_out_close_object(o);
	return 0;
}

static _Noreturn void
list_samples(const struct nb_common *c)
{
	struct list_state ls = { NULL, c };
	char err[256];
	int error;

	/* On a terminal the rows are the progress. */
	error = nb_sysctl_replay_list(c->replay_path,
	    isatty(STDOUT_FILENO) ? NULL : progress_fn(), (void *)(uintptr_t)c->replay_path,
	    list_cb, &ls, err, sizeof(err));
	if (error == 0)
		(void)list_open(&ls);	/* no sample: the header and an empty list */
	if (ls.o != NULL) {
		nb_out_close_array(ls.o);
		nb_out_record_end(ls.o);
		nb_out_destroy(&ls.o);
	}
	if (error != 0)
		nb_errx(NB_EXIT_RUNTIME, "--replay %s: %s", c->replay_path,
		    *err != '\0' ? err : strerror(-error));
	if (fflush(stdout) != 0 || ferror(stdout))
		nb_errx(NB_EXIT_RUNTIME, "stdout: %s", strerror(errno));
	exit(0);
}

static int64_t
check_time(const char *opt, const char *s, int64_t now)
{
	const char *errstr;
	int64_t ns;

	if (nb_parse_time(s, now, &ns, &errstr) != 0)
		nb_usagex("%s %s: %s", opt, s, errstr);
	return ns;
}

/* The checks of --plot, --top, --diff and --summary. */
static void
look_check(const struct nb_common *c, int64_t now)
{
	int64_t t1, t2;

	if (c->top != 0 && c->plot_path == NULL)
		nb_usagex("--top needs --plot FILE");
	if (c->plot_path != NULL) {
		size_t n = strlen(c->plot_path);

		if (n < 5 || (strcasecmp(c->plot_path + n - 4, ".svg") != 0 &&
		    strcasecmp(c->plot_path + n - 4, ".png") != 0))
			nb_usagex("--plot %s: the file name ends in .svg or .png", c->plot_path);
		if (c->replay_path != NULL ? c->from == NULL : !c->interval_set)
			nb_usagex("--plot draws a range: --replay FILE --from T1 [--to T2], or interval mode (-w)");
		if (c->record_path != NULL)
			nb_usagex("--plot and --record exclude each other");
	}
	if (c->summary && (c->replay_path == NULL || c->from == NULL))
		nb_usagex("--summary needs a range: --replay FILE --from T1 [--to T2]");
	if (c->summary && c->plot_path != NULL)
		nb_usagex("--summary and --plot exclude each other");
	if (c->diff_from == NULL)
		return;
	if (c->replay_path == NULL)
		nb_usagex("--diff needs --replay FILE (T1 and T2 are its samples)");
	if (c->at != NULL || c->from != NULL || c->interval_set || c->count_set ||
	    c->plot_path != NULL || c->summary)
		nb_usagex("--diff T1 T2 picks its samples: not with --at, --from, -w, -c, --plot or --summary");
	t1 = check_time("--diff", c->diff_from, now);
	if (strcmp(c->diff_to, "now") != 0 && (t2 = check_time("--diff", c->diff_to, now)) < t1)
		nb_usagex("--diff %s %s: the second time is before the first", c->diff_from, c->diff_to);
}

void
nb_common_check(const struct nb_common *c)
{
	int64_t now = now_realtime_ns(), from, to;

	if ((c->at != NULL || c->from != NULL || c->to != NULL) && c->replay_path == NULL)
		nb_usagex("--at, --from and --to need --replay FILE");
	if (c->at != NULL && (c->from != NULL || c->to != NULL))
		nb_usagex("--at excludes --from and --to");
	if (c->to != NULL && c->from == NULL)
		nb_usagex("--to needs --from");
	if (c->replay_path != NULL && c->socket_path != NULL)
		nb_usagex("--replay and -S exclude each other");
	if (c->record_path != NULL && c->replay_path != NULL)
		nb_usagex("--record and --replay exclude each other");
	if ((c->source != NULL || c->source_args != NULL) &&
	    (c->replay_path != NULL || c->socket_path != NULL))
		nb_usagex("--source and --source-args select a local source: not with -S or --replay");
	if (c->source_args != NULL && c->source == NULL)
		nb_usagex("--source-args needs --source linux|sim (whose arguments they are)");
	if (c->root_opt && (c->replay_path != NULL || c->socket_path != NULL))
		nb_usagex("--root reads a fixture root: not with --replay or -S");
	/* A fixture root is one moment: its intervals would all be zero.
	 * (--replay keeps interval mode: it steps through recorded samples.) */
	if (c->root != NULL && c->interval_set && c->replay_path == NULL && c->socket_path == NULL)
		nb_usagex("--root is one moment of a fixture: no interval mode (record it with --record)");
	if (c->at != NULL)
		(void)check_time("--at", c->at, now);
	if (c->from != NULL) {
		from = check_time("--from", c->from, now);
		if (c->to != NULL && (to = check_time("--to", c->to, now)) < from)
			nb_usagex("--to %s is before --from %s", c->to, c->from);
	}
	if (c->retain_ns != 0 && c->record_path == NULL)
		nb_usagex("--retain needs --record FILE");
	if (c->list && c->replay_path == NULL)
		nb_usagex("--list needs --replay FILE");
	if (c->list && (c->at != NULL || c->from != NULL || c->interval_set))
		nb_usagex("--list lists every sample: not with --at, --from or an interval");
	if (c->list && (c->plot_path != NULL || c->diff_from != NULL || c->summary))
		nb_usagex("--list lists every sample: not with --plot, --diff or --summary");
	if (c->events && (c->replay_path == NULL || c->at != NULL || c->list || c->interval_set))
		nb_usagex("--events shows a replayed range: --replay FILE [--from T1 [--to T2]]");
	if (c->events && (c->plot_path != NULL || c->diff_from != NULL || c->summary))
		nb_usagex("--events prints the timeline: not with --plot, --diff or --summary");
	if (c->list)
		list_samples(c);
	look_check(c, now);
}

struct nb_sysctl *
nb_common_open(const struct nb_common *c)
{
	struct nb_sysctl_opts so;
	struct nb_sysctl *h = NULL;
	const char *what, *detail = "";
	char whatbuf[256];
	int64_t now = now_realtime_ns();
	int error;

	memset(&so, 0, sizeof(so));
	if (c->replay_path != NULL) {
		so.backend = NB_SYSCTL_REPLAY;
		so.replay_path = c->replay_path;
		so.replay_at_ns = INT64_MAX;
		if (c->at != NULL)
			(void)nb_parse_time(c->at, now, &so.replay_at_ns, NULL);
		/* --events reads the range's events, not its samples: a range
		 * without a sample is no error, and the handle stays at the last. */
		if (c->from != NULL && !c->events)
			(void)nb_parse_time(c->from, now, &so.replay_at_ns, NULL);
		if (c->to != NULL && !c->events)
			(void)nb_parse_time(c->to, now, &so.replay_to_ns, NULL);
		snprintf(whatbuf, sizeof(whatbuf), "--replay %s", c->replay_path);
		so.progress = progress_fn();
		so.progress_arg = (void *)(uintptr_t)c->replay_path;
	} else if (c->socket_path != NULL) {
		so.backend = NB_SYSCTL_REMOTE;
		so.socket_path = c->socket_path;
		snprintf(whatbuf, sizeof(whatbuf), "-S %s", c->socket_path);
	} else {
		so.backend = NB_SYSCTL_LOCAL;
		so.source = c->source != NULL ? c->source : "linux";
		so.source_args = c->source_args;
		so.root = c->root;
		/*
		 * A tool that reads more than once follows link events, so an
		 * interface deleted (or created and deleted) between two reads
		 * shows in net.interfaces_departed with its final counters (the
		 * kernel's, from RTM_DELLINK), and is recorded when recording;
		 * links and addresses are then not re-dumped at every interval.
		 */
		so.follow_events = c->interval_set;
		snprintf(whatbuf, sizeof(whatbuf), "%s source", so.source);
	}
	what = whatbuf;
	/*
	 * Recording on an interval: a stop signal ends the loop and the last
	 * sample is written at close (nb_ticker_next); taken before the file
	 * is locked, so a signal never kills a recorder that holds it.
	 */
	if (c->record_path != NULL && c->interval_set)
		nb_signals_take(false);
	if ((error = nb_sysctl_open(&so, &h)) == 0 && h != NULL) {
		detail = nb_sysctl_errdetail(h);
		if (so.backend == NB_SYSCTL_REPLAY && c->at != NULL && *detail != '\0')
			nb_warnx("--at %s: %s", c->at, detail);
		if (c->record_path != NULL &&
		    (error = nb_sysctl_record_open(h, c->record_path,
		    so.backend == NB_SYSCTL_LOCAL ? so.source : NULL)) != 0) {
			char msg[512];

			detail = nb_sysctl_errdetail(h);
			snprintf(msg, sizeof(msg), "%s", *detail != '\0' ? detail : strerror(-error));
			nb_sysctl_close(&h);
			nb_errx(NB_EXIT_RUNTIME, "--record %s: %s", c->record_path, msg);
		}
		if (c->retain_ns != 0 && (error = nb_sysctl_record_retain(h, c->retain_ns)) != 0) {
			char msg[512];

			detail = nb_sysctl_errdetail(h);
			snprintf(msg, sizeof(msg), "%s", *detail != '\0' ? detail : strerror(-error));
			nb_sysctl_close(&h);
			nb_errx(NB_EXIT_RUNTIME, "--retain: %s", msg);
		}
		return h;
	}
	if (error == 0)
		error = -EIO;
	if (error == -EPROTONOSUPPORT) {
		switch (so.backend) {
		case NB_SYSCTL_REPLAY:
			nb_errx(NB_EXIT_RUNTIME, "--replay: history backend not available yet");
		case NB_SYSCTL_REMOTE:
			nb_errx(NB_EXIT_RUNTIME, "-S %s: %s", c->socket_path,
			    h != NULL && *nb_sysctl_errdetail(h) != '\0' ? nb_sysctl_errdetail(h) : "another protocol version");
		default:
			nb_errx(NB_EXIT_RUNTIME, "--source %s: not available yet", so.source);
		}
	}
	/* A backend may hand back a handle that only carries the error detail. */
	if (h != NULL)
		detail = nb_sysctl_errdetail(h);
	if (detail != NULL && *detail != '\0') {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", detail);
		nb_sysctl_close(&h);
		nb_errx(NB_EXIT_RUNTIME, "%s: %s", what, msg);
	}
	nb_sysctl_close(&h);
	nb_errx(NB_EXIT_RUNTIME, "%s: %s", what, strerror(-error));
}

void
nb_common_open_diff(const struct nb_common *c, struct nb_sysctl **h1, struct nb_sysctl **h2)
{
	struct nb_common c1 = *c, c2 = *c;

	c1.diff_from = c1.diff_to = c2.diff_from = c2.diff_to = NULL;
	c1.at = c->diff_from;
	*h1 = nb_common_open(&c1);
	if (strcmp(c->diff_to, "now") == 0) {
		c2.replay_path = NULL;	/* the live host */
	} else {
		c2.at = c->diff_to;
	}
	*h2 = nb_common_open(&c2);
}

bool
nb_common_stepping(const struct nb_common *c)
{
	return c->interval_set || c->count_set ||
	    (c->replay_path != NULL && c->from != NULL && (c->plot_path != NULL || c->summary));
}

void
nb_common_close(struct nb_sysctl **hp)
{
	char msg[512];
	const char *d;
	int error;

	if (*hp == NULL)
		return;
	/* What the source could not read (--root without sysfs): one note. */
	if (*(d = nb_sysctl_notice(*hp)) != '\0')
		nb_warnx("note: %s", d);
	if ((error = nb_sysctl_record_commit(*hp)) != 0) {
		d = nb_sysctl_errdetail(*hp);
		snprintf(msg, sizeof(msg), "%s", *d != '\0' ? d : strerror(-error));
		nb_sysctl_close(hp);
		nb_errx(NB_EXIT_RUNTIME, "%s", msg);
	}
	nb_sysctl_close(hp);
}

void
nb_ticker_init(struct nb_ticker *t, const struct nb_common *c, struct nb_sysctl *h)
{
	t->c = c;
	t->h = h;
	t->n = 1;		/* the first sample is implicit in the handle */
	t->next_ns = now_monotonic_ns();
}

bool
nb_ticker_next(struct nb_ticker *t)
{
	const struct nb_common *c = t->c;
	int64_t step, now;
	struct timespec ts;
	int error;

	if (c->count_set && t->n >= c->count)
		return false;
	if (c->replay_path == NULL) {
		step = (int64_t)((c->interval_set ? c->interval : 1.0) * 1e9 + 0.5);
		if (step < 1)
			step = 1;
		t->next_ns += step;
		/* Absolute ticks: no drift; after a stall (suspend) skip missed ticks. */
		if ((now = now_monotonic_ns()) > t->next_ns + step)
			t->next_ns += (now - t->next_ns) / step * step;
		ts.tv_sec = t->next_ns / NS_PER_SEC;
		ts.tv_nsec = t->next_ns % NS_PER_SEC;
		if (c->record_path != NULL) { /* signals taken by nb_common_open */
			if (nb_signals_wait(t->next_ns) != 0)
				return false; /* SIGTERM, SIGINT */
		} else {
			while ((error = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) == EINTR)
				;
		}
	}
	if ((error = nb_sysctl_sample(t->h)) != 0) {
		const char *d;

		if (error == -ENOENT && c->replay_path != NULL)
			return false;
		d = nb_sysctl_errdetail(t->h);
		nb_errx(NB_EXIT_RUNTIME, "sample: %s", d != NULL && *d != '\0' ? d : strerror(-error));
	}
	t->n++;
	return true;
}

int
nb_interval_run(struct nb_sysctl *h, const struct nb_common *c, struct nb_out *o,
    const struct nb_interval *iv)
{
	struct nb_ticker t;
	int64_t prev_ns = 0, now_ns;
	bool first = true;
	double secs;
	int rc;

	nb_ticker_init(&t, c, h);
	for (;;) {
		if ((rc = iv->read(iv->arg)) != 0)
			return rc;
		now_ns = nb_sysctl_sample_time(h);
		secs = first ? 0 : (double)(now_ns - prev_ns) / 1e9;
		nb_out_record_begin(o);
		if (!first)
			nb_out_text(o, "\n");
		nb_out_bool(o, NB_OUT_JSON, "since_boot", NULL, first);
		nb_out_double(o, NB_OUT_JSON, "seconds", NULL,
		    (double)(int64_t)(secs * 1000.0 + 0.5) / 1000.0);
		iv->render(iv->arg, o);
		nb_out_record_end(o);
		prev_ns = now_ns;
		first = false;
		if (!nb_ticker_next(&t))
			return 0;
	}
}

int
nb_page_lines(void)
{
	const char *s = getenv("LINES");
	struct winsize ws;
	char *end;
	long n;

	if (s != NULL && *s != '\0') {
		errno = 0;
		n = strtol(s, &end, 10);
		if (*end == '\0' && errno == 0 && n >= 4 && n <= 100000)
			return (int)n;
	}
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row >= 4)
		return ws.ws_row;
	return 24;
}
