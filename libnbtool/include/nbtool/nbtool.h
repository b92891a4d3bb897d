/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nbtool/nbtool.h - what the nb* tools share: error reporting, the common
 * options (DESIGN.md section 5), opening the tree handle they select, and
 * the one emitter that prints text and JSON from the same calls.
 *
 * Unlike the libraries, this module is for programs: nb_errx() and
 * nb_usagex() exit.
 * Single-threaded.
 */
#ifndef NBTOOL_NBTOOL_H
#define NBTOOL_NBTOOL_H

#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nb_sysctl;
struct nb_out;
struct json_object;

/* ---- errors: "tool: message" on stderr ---- */

#define NB_EXIT_RUNTIME	1
#define NB_EXIT_USAGE	2

void	nb_tool_init(const char *progname);	/* also nb_heap_init() */
void	nb_heap_init(void);
const char *nb_tool_name(void);
void	nb_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Exit with `code` after printing "tool: message". */
_Noreturn void nb_errx(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error: message, then "usage: ..." hint line, exit 2. */
_Noreturn void nb_usagex(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A getopt_long error (opt is '?' or ':' with optstring starting ':') as
 * a usage error in our words ("-x: unknown option"), not getopt's, which
 * carry argv[0] verbatim. Exits 2.
 */
_Noreturn void nb_bad_option(int opt, char *const argv[]);

/*
 * strtonum(3)-like: parse a decimal integer in [min, max]. Returns 0, or
 * -EINVAL (*errstr = "invalid") / -ERANGE (*errstr = "too small"/"too large").
 */
int	nb_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char **errstr);
/* Seconds, possibly fractional ("0.5", "10"); > 0 and <= 1 day. */
int	nb_parse_interval(const char *s, double *out, const char **errstr);
/*
 * nb_parse_time (below nb_parse_duration) - a TIME of --at/--from/--to as
 * realtime ns: ISO-8601 "YYYY-MM-DD[(T| )hh:mm[:ss[.frac]]][Z|(+|-)hh[:]mm]"
 * (local time without a zone), "now", or relative to now_ns: "-30s",
 * "-15m", "-2h", "-1d". Returns 0 or -EINVAL (*errstr says why).
 */
/*
 * nb_parse_duration - "N" + unit s, m, h, d or w ("7d", "12h", "90s"; N a
 * positive integer) in ns. Returns 0 or -EINVAL (*errstr says why).
 */
int	nb_parse_duration(const char *s, int64_t *out_ns, const char **errstr);
int	nb_parse_time(const char *s, int64_t now_ns, int64_t *out_ns, const char **errstr);
/*
 * nb_format_time - t_ns as nb_parse_time reads it back: local time with
 * nanoseconds and the zone ("2026-12-05T03:12:01.123456789+01:00"); the
 * bare number if the time cannot be shown.
 */
void	nb_format_time(int64_t t_ns, char *buf, size_t size);

/* ---- common options ---- */

struct nb_common {
	bool		 json;		/* -j, --json */
	bool		 pretty;	/* --pretty */
	bool		 interval_set;
	double		 interval;	/* seconds: -w (not nbsysctl) or --interval */
	bool		 count_set;
	uint64_t	 count;		/* -c */
	const char	*socket_path;	/* -S, --socket */
	const char	*record_path;	/* --record */
	int64_t		 retain_ns;	/* --retain DURATION (0: keep all) */
	const char	*replay_path;	/* --replay */
	bool		 list;		/* --list: list the samples of --replay FILE */
	const char	*at, *from, *to;	/* --at, --from, --to */
	const char	*source;	/* --source linux|sim */
	const char	*source_args;	/* --source-args */
	const char	*root;		/* --root DIR (or $NBSTAT_ROOT): procfs/sysfs override */
	bool		 root_opt;	/* root came from --root, not the environment */
	/* Looking at history (plot.c, common.c): --plot, --top, --diff, --summary. */
	const char *plot_path; /* --plot FILE.svg|.png */
	uint64_t top; /* --top N (with --plot): the N busiest objects; 0: default */
	const char *diff_from, *diff_to; /* --diff T1 T2 (T2 "now": the live host) */
	bool summary; /* --summary: average, min, max, 95th percentile over --from/--to */
	int argc; /* nb_common_args: --diff takes the operand after T1 */
	char **argv;
	bool		 events;	/* --events: the replayed range's events (NB_OPT_EVENTS in
					   the tables of the tools that show them) */
};

enum {
	NB_OPT_INTERVAL = 0x1000,
	NB_OPT_COUNT,
	NB_OPT_RECORD,
	NB_OPT_REPLAY,
	NB_OPT_AT,
	NB_OPT_FROM,
	NB_OPT_TO,
	NB_OPT_SOURCE,
	NB_OPT_SOURCE_ARGS,
	NB_OPT_ROOT,
	NB_OPT_PRETTY,
	NB_OPT_SOCKET,
	NB_OPT_JSON,
	NB_OPT_LIST,
	NB_OPT_RETAIN,
	/* looking at history */
	NB_OPT_PLOT = 0x1100,
	NB_OPT_TOP,
	NB_OPT_DIFF,
	NB_OPT_SUMMARY,
	NB_OPT_EVENTS,
};

/* Long options every tool accepts; put it first in the tool's table. */
#define NB_COMMON_LONGOPTS						\
	{ "json",	 no_argument,	    NULL, NB_OPT_JSON },	\
	{ "pretty",	 no_argument,	    NULL, NB_OPT_PRETTY },	\
	{ "interval",	 required_argument, NULL, NB_OPT_INTERVAL },	\
	{ "count",	 required_argument, NULL, NB_OPT_COUNT },	\
	{ "socket",	 required_argument, NULL, NB_OPT_SOCKET },	\
	{ "record",	 required_argument, NULL, NB_OPT_RECORD },	\
	{ "retain",	 required_argument, NULL, NB_OPT_RETAIN },	\
	{ "replay",	 required_argument, NULL, NB_OPT_REPLAY },	\
	{ "list",	 no_argument,	    NULL, NB_OPT_LIST },	\
	{ "at",		 required_argument, NULL, NB_OPT_AT },		\
	{ "from",	 required_argument, NULL, NB_OPT_FROM },	\
	{ "to",		 required_argument, NULL, NB_OPT_TO },		\
	{ "source",	 required_argument, NULL, NB_OPT_SOURCE },	\
	{ "source-args", required_argument, NULL, NB_OPT_SOURCE_ARGS },	\
	{ "root",	 required_argument, NULL, NB_OPT_ROOT }

/*
 * Looking at history: --plot, --top, --diff, --summary. In the tables of
 * the tools that have them, after NB_COMMON_LONGOPTS (nb_common_option
 * handles them; nb_common_args first, for --diff's second time).
 */
#define NB_LOOK_LONGOPTS \
	{ "plot", required_argument, NULL, NB_OPT_PLOT }, \
	    { "top", required_argument, NULL, NB_OPT_TOP }, \
	    { "diff", required_argument, NULL, NB_OPT_DIFF }, \
	{ \
		"summary", no_argument, NULL, NB_OPT_SUMMARY \
	}

/* Help lines for the common options, for the tools' usage(). */
extern const char nb_common_help[];
/* Help lines of the history options, for the tools that have them. */
extern const char nb_look_help_plot[], nb_look_help_top[], nb_look_help_diff[],
    nb_look_help_summary[];

void	nb_common_init(struct nb_common *c);
/* The command line, for --diff T1 T2 (T2 is the word after T1's). */
void	nb_common_args(struct nb_common *c, int argc, char **argv);
/*
 * Handle one option of the common set (the NB_OPT_* values, and 'j' and
 * 'S', which every tool maps to them). Returns true if handled; a bad value
 * is a usage error (exits 2). Tools map their -w/-c to NB_OPT_INTERVAL /
 * NB_OPT_COUNT themselves (nbsysctl keeps -w for writing).
 */
bool	nb_common_option(struct nb_common *c, int opt, const char *arg);
/*
 * Cross-option checks after parsing (e.g. --at without --replay): exits 2.
 * --replay FILE --list is an action of its own: it prints the samples
 * here, before the tool's own checks, and exits (0, or 1 on error).
 */
void	nb_common_check(const struct nb_common *c);
/*
 * Open the tree handle the options select (local source, -S socket,
 * --replay file), recording to --record FILE if given. On failure prints
 * "tool: ..." and exits 1. A replay at a time after the last sample prints
 * one line on stderr saying how old the replayed sample is.
 */
struct nb_sysctl *nb_common_open(const struct nb_common *c);
/*
 * --diff T1 T2: the tree at T1 and at T2, each the sample at or before its
 * time as --at picks it (T2 "now": the live host, as without --replay).
 * On failure prints "tool: ..." and exits 1.
 */
void	nb_common_open_diff(const struct nb_common *c, struct nb_sysctl **h1, struct nb_sysctl **h2);
/*
 * The tool steps through samples: interval mode (-w, -c), or a replay
 * range drawn (--plot) or summarised (--summary).
 */
bool	nb_common_stepping(const struct nb_common *c);
/*
 * Close the handle; with --record, write the last sample first: a failure
 * (full disk, read-only file) prints "tool: ..." and exits 1.
 */
void	nb_common_close(struct nb_sysctl **hp);

/*
 * Interval loop helper: sleeps until the next tick (absolute, drift-free)
 * and takes a new sample. Returns false when the count is exhausted (or a
 * replay has no more samples).
 */
struct nb_ticker {
	const struct nb_common *c;
	struct nb_sysctl *h;
	uint64_t	 n;		/* samples taken so far */
	int64_t		 next_ns;	/* CLOCK_MONOTONIC */
};
void	nb_ticker_init(struct nb_ticker *t, const struct nb_common *c, struct nb_sysctl *h);
bool	nb_ticker_next(struct nb_ticker *t);

/*
 * A mode's interval loop (-w/-c): at each tick read(arg) takes what the
 * mode shows from the handle's current sample (stepping its nb_delta), then
 * one record is written: a blank line before every record but the first
 * (text), since_boot and seconds since the previous sample (JSON), and
 * render(arg, o)'s body. Ends when the ticker does (0) or with read's
 * nonzero result.
 */
struct nb_interval {
	int	(*read)(void *arg);
	void	(*render)(void *arg, struct nb_out *o);
	void	*arg;
};
int	nb_interval_run(struct nb_sysctl *h, const struct nb_common *c, struct nb_out *o,
	    const struct nb_interval *iv);
/*
 * --events (events.c): the events recorded in the replayed range (--from,
 * --to; the whole file without them), oldest first, with -I's interface
 * only when ifname is not NULL: "TIME OBJECT EVENT [DETAIL]" rows, or
 * {"events": [...]}. A file recorded before events were kept prints none
 * and a note on stderr. Returns the exit status (0, or 1 with a message).
 */
int	nb_events_print(struct nb_sysctl *h, const struct nb_common *c, const char *ifname,
	    struct nb_out *o);

/* ---- the recording service (nbsysctl --record, nbstatd) ---- */

/*
 * Take SIGTERM and SIGINT (and SIGHUP with hup) synchronously: a no-op
 * handler (so an inherited SIG_IGN does not discard them) and blocked in
 * the calling thread and in the threads it creates later.
 */
void nb_signals_take(bool hup);
/* Wait until deadline_ns (CLOCK_MONOTONIC) or a taken signal: 0 or the signal. */
int nb_signals_wait(int64_t deadline_ns);

/* Free a vector of n strings and the vector. */
void nb_strv_free(char **v, size_t n);

struct nb_recorder {
	struct nb_sysctl *h; /* recording (nb_sysctl_record_open) */
	char **names; /* the subtrees read each sample */
	size_t n;
	double interval; /* seconds between samples */
	uint64_t count; /* samples to take; 0: until a stop signal */
	unsigned rdflags;
	bool quiet_enoent; /* an absent subtree is not reported */
	/* On SIGHUP (if taken): may change interval, names, n, the retention. */
	void (*hup)(struct nb_recorder *r, void *arg);
	void *arg;
	/* Held while a sample is read, written and the next begun (NULL: none). */
	pthread_mutex_t *lock;
	uint64_t nsamples; /* samples committed so far */
};

/*
 * Read every subtree and commit the sample at once, then wait for the next
 * tick: until count samples, or a stop signal (taken with
 * nb_signals_take), which ends the loop after the sample in flight is
 * committed. A subtree that cannot be read is reported ("tool: name: ...",
 * once per run of failures) and recorded as absent; a failed commit or
 * sample is reported and ends the loop. Returns the exit status (0 or
 * NB_EXIT_RUNTIME).
 */
int nb_record_loop(struct nb_recorder *r);

/* Lines of a terminal page for redrawing headers: $LINES, else the tty's rows, else 24. */
int	nb_page_lines(void);

/* ---- interval deltas: one path for every tool ---- */

/*
 * nb_delta turns the counter columns of a table read (nb_sysctl_table_read)
 * into what they moved since the previous read of the same table with the
 * same columns. A column is a counter when the tree flags its leaf
 * NB_SYSCTL_F_COUNTER and it is stored as INT or U64; other columns keep
 * their values. Rows are matched on identity: (index, gen) when the row
 * has a generation, else its keys and index.
 *
 * Reset rules (those nbnetstat -i -w has always had):
 *  - the first step has no previous sample: values stay as read ("since
 *    boot"), every row NB_DELTA_FIRST;
 *  - a row with no previous match (a new object, or one deleted and
 *    recreated under the same name: a new generation) counts from 0: its
 *    delta is its value (NB_DELTA_NEW) - never a negative or wrapped
 *    difference of two unrelated objects;
 *  - a counter below its previous value (a driver that reset it) counts
 *    from 0 as well (NB_DELTA_RESET);
 *  - objects that departed since the previous sample (departed: their final
 *    counters, read with the same columns, identity (index, gen)): what
 *    they moved between that sample and their deletion is given as gone
 *    rows (nb_delta_gone), with the keys of their previous live row.
 */
struct nb_delta;
struct nb_sysctl_table;
struct nb_sysctl_column;
struct nb_sysctl_rowid;

enum nb_delta_state {
	NB_DELTA_FIRST = 0,	/* no previous sample: the values as read */
	NB_DELTA_SAME,		/* matched: deltas */
	NB_DELTA_NEW,		/* no previous object: counts from 0 */
	NB_DELTA_RESET,		/* matched, but a counter went down: from 0 */
};

/*
 * A counter below its previous value with the same identity: NB_DELTA_RESTART
 * (the default: a reset, counted from 0) or NB_DELTA_CLAMP (0: a counter
 * known to step backwards by jitter, as Linux's iowait ticks). Either way
 * the row is NB_DELTA_RESET.
 */
enum nb_delta_backwards {
	NB_DELTA_RESTART = 0,
	NB_DELTA_CLAMP,
};

int	nb_delta_create(struct nb_delta **out);
void nb_delta_set_backwards(struct nb_delta *d, enum nb_delta_backwards b);
void	nb_delta_destroy(struct nb_delta **dp);
/* Rewrite t's counter columns in place (departed may be NULL). 0 or -ENOMEM. */
int	nb_delta_step(struct nb_delta *d, struct nb_sysctl_table *t,
	    const struct nb_sysctl_column *cols, const struct nb_sysctl_table *departed);
/* The last step had no previous sample. */
bool	nb_delta_first(const struct nb_delta *d);
/* Row `row` of the last stepped table. */
enum nb_delta_state nb_delta_state(const struct nb_delta *d, size_t row);
/* Column col was taken as a counter in the last step. */
bool	nb_delta_is_counter(const struct nb_delta *d, unsigned col);
/* Gone rows of the last step: shaped like the table's rows (counters only
 * meaningful), *id their previous identity; valid until the next step. */
size_t	nb_delta_ngone(const struct nb_delta *d);
const void *nb_delta_gone(const struct nb_delta *d, size_t i, const struct nb_sysctl_rowid **id);

/* ---- plots: --plot FILE.svg|.png (plot.c) ---- */

/*
 * A figure of panels, each a value axis (title, unit) over the common time
 * axis, holding series of points. A point (t, dt, v) is v at time t (ns,
 * realtime) for what happened in (t - dt, t]: a rate from nb_delta's
 * deltas over dt, or a level read at t (dt 0). A point whose interval does
 * not begin at the series' previous point, or that is much longer than the
 * usual step, opens a gap. Series carry the object they belong to (group:
 * "eth0"; NULL: none), which --top N ranks by what the object moved in one
 * panel. Functions return 0 (or an index) or -errno, except that the
 * first nb_plot_create loads libcairo.so.2 (dlopen: only --plot needs it)
 * and exits through nb_errx if it cannot; nb_plot_write draws
 * the figure into a temporary file and renames it over the path, so a
 * viewer sees the previous figure or the new one.
 */
struct nb_plot;

enum nb_plot_kind {
	NB_PLOT_LINES = 0,	/* one line per series */
	NB_PLOT_STACKED,	/* areas stacked in series order (cpu us/sy/wa/id) */
};

/* -EINVAL: the path ends neither in .svg nor in .png. */
int	nb_plot_create(const char *path, const char *title, struct nb_plot **out);
void	nb_plot_destroy(struct nb_plot **pp);
/* A panel: its index. unit: "B/s", "pkt/s", "%", "B", "/s" ("" none). */
int	nb_plot_panel(struct nb_plot *p, const char *title, const char *unit, enum nb_plot_kind kind);
/* The series (panel, group, label), added if new: its index. */
int	nb_plot_series(struct nb_plot *p, int panel, const char *group, const char *label);
/* -EINVAL: no such series, or v is not finite. */
int	nb_plot_point(struct nb_plot *p, int series, int64_t t_ns, int64_t dt_ns, double v);
size_t	nb_plot_npoints(const struct nb_plot *p, int series);
/* Draw only the n groups that moved the most in panel `panel` (n 0: all). */
void	nb_plot_top(struct nb_plot *p, unsigned n, int panel);
int	nb_plot_write(struct nb_plot *p);

/* ---- summaries: --summary (summary.c) ---- */

/*
 * sar's Average: lines and more: per series, the average rate over the
 * whole span (what moved / the time it took), and the minimum, maximum and
 * 95th percentile (nearest rank) of the per-interval rates.
 */
struct nb_summary {
	double	 avg, min, max, p95;
	double	 total;		/* what moved over the span */
	double	 seconds;	/* the span the intervals cover */
	size_t	 n;		/* intervals */
};
struct nb_summer;
int	nb_summer_create(struct nb_summer **out);
void	nb_summer_destroy(struct nb_summer **sp);
/* Add what moved (delta) in an interval of dt_ns to series `key`. */
int	nb_summer_add(struct nb_summer *s, const char *key, double delta, int64_t dt_ns);
/* The summary of series `key`: 0, or -ENOENT if it has no interval. */
int	nb_summer_get(struct nb_summer *s, const char *key, struct nb_summary *out);

/* ---- output: one printing path for text and JSON ---- */

/*
 * The emitter is iproute2's json_print in spirit: each value is emitted
 * once with a key (JSON) and a printf format (text). NB_OUT_TEXT pieces
 * (labels, padding, newlines) appear only in text, NB_OUT_JSON pieces only
 * in JSON. Objects and arrays nest; text ignores them.
 *
 * A document (or, in interval mode, a record: one JSON object per line)
 * always carries a "version" key first. A broken sequence (opens and
 * closes unbalanced at record end, a duplicate key, a value without a
 * key in an object or with one in an array) prints "tool: nb_out: why"
 * and aborts.
 */
struct nb_out;

enum nb_out_mode {
	NB_OUT_ANY = 0,
	NB_OUT_TEXT,
	NB_OUT_JSON,
};

struct nb_out *nb_out_create(FILE *fp, bool json, bool pretty);
void	nb_out_destroy(struct nb_out **op);
bool	nb_out_is_json(const struct nb_out *o);

/* A record: JSON opens "{"version": ..." and closes with "}\n"; text no-op. */
void	nb_out_record_begin(struct nb_out *o);
void	nb_out_record_end(struct nb_out *o);

/* key NULL inside arrays. */
void	nb_out_open_object(struct nb_out *o, const char *key);
void	nb_out_close_object(struct nb_out *o);
void	nb_out_open_array(struct nb_out *o, const char *key);
void	nb_out_close_array(struct nb_out *o);

void	nb_out_u64(struct nb_out *o, enum nb_out_mode m, const char *key, const char *fmt, uint64_t v);
void	nb_out_i64(struct nb_out *o, enum nb_out_mode m, const char *key, const char *fmt, int64_t v);
void	nb_out_double(struct nb_out *o, enum nb_out_mode m, const char *key, const char *fmt, double v);
/*
 * The span a look at history covers (--diff, --summary): from_ns and to_ns
 * in JSON, and seconds, printed with fmt (a "%.3f" in it; NULL: JSON only).
 */
void	nb_out_span(struct nb_out *o, int64_t t1_ns, int64_t t2_ns, const char *fmt);
void	nb_out_str(struct nb_out *o, enum nb_out_mode m, const char *key, const char *fmt, const char *v);
/* Text: fmt takes a string, "true" or "false". */
void	nb_out_bool(struct nb_out *o, enum nb_out_mode m, const char *key, const char *fmt, bool v);
/* JSON null under key (text prints fmt literally, e.g. "-"). */
void	nb_out_null(struct nb_out *o, enum nb_out_mode m, const char *key, const char *fmt);
/* Text only: n spaces (column padding; nothing when n <= 0). */
void	nb_out_pad(struct nb_out *o, int n);
/* Text only (labels, separators, newlines). */
void	nb_out_text(struct nb_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Attach an already built json-c object under key (JSON only; takes ownership). */
void	nb_out_json(struct nb_out *o, const char *key, struct json_object *jo);

/*
 * A row format for big tables: the fields of a row described once, then
 * each row is one call with its values. Each field is what one of the
 * calls above would emit: a value (u64, i64, string, bool) under key with
 * a text format, a text literal, an object opened under key / closed, or
 * an array opened under key for the rows that follow (nb_out_close_array
 * closes it, as it closes any object the row leaves open).
 * Text formats are parsed once, at nb_out_row_create: one conversion,
 * "%[-][width]" then PRIu64 / PRId64 / "s" by type (bool: "s"), literal
 * text before and after; NULL: JSON only. NB_OUT_F_LIT prints fmt (no
 * conversion) in text. A bad format or nesting is a programming error and
 * aborts, as for a broken sequence.
 *
 * nb_out_row() emits row format r with v[i] the value of field i (or of
 * the fields whose val says v[i]: fields may share a value, and a value's
 * number need not be its field's); bit i of absent (values 0..63) marks a
 * value the row does not have: "-" in its text field, no key in JSON.
 * Strings are escaped as nb_out_str() does; text pads them by display
 * columns (UTF-8 characters).
 */
enum nb_out_ftype {
	NB_OUT_F_U64,
	NB_OUT_F_I64,
	NB_OUT_F_STR,
	NB_OUT_F_BOOL,
	NB_OUT_F_LIT,		/* text only: fmt as it is */
	NB_OUT_F_OBJECT,	/* open an object under key (NULL in an array) */
	NB_OUT_F_CLOSE,		/* close the object the row opened */
	NB_OUT_F_ARRAY,		/* open an array under key (NULL in an array), left open
				   for the caller's rows: only literals may follow */
};

struct nb_out_field {
	enum nb_out_ftype type;
	enum nb_out_mode mode;
	const char	*key;
	const char	*fmt;
	unsigned	 val;	/* 0: the value is v[i], i the field's number; else
				   v[val - 1] (NB_OUT_VAL(k): v[k]) */
};

/* nb_out_field.val of a field whose value is v[k] (k < NB_OUT_ROW_MAX). */
#define NB_OUT_VAL(k)	((unsigned)(k) + 1)

union nb_out_val {
	uint64_t	 u;
	int64_t		 i;
	const char	*s;
	bool		 b;
};

struct nb_out_row;
#define NB_OUT_ROW_MAX	64

/* 0, or -EINVAL (more than NB_OUT_ROW_MAX fields or values), -ENOMEM. */
int	nb_out_row_create(const struct nb_out_field *f, size_t n, struct nb_out_row **out);
void	nb_out_row_destroy(struct nb_out_row **rp);
void	nb_out_row(struct nb_out *o, const struct nb_out_row *r, const union nb_out_val *v,
	    uint64_t absent);
/*
 * The values of r emitter o reads (bit i: v[i]): in text those of the
 * fields with a text format, in JSON those of the value fields (absent or
 * not). nb_out_row ignores any other v[i], so a caller may fill only
 * these, e.g. skip making what only the other output shows.
 */
uint64_t nb_out_row_reads(const struct nb_out_row *r, const struct nb_out *o);

#ifdef __cplusplus
}
#endif
#endif /* NBTOOL_NBTOOL_H */
