/* SPDX-License-Identifier: BSD-2-Clause */
/* shell.c - nbsysctl -i: an interactive shell over the tree (GNU readline). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include <nbtool/nbtool.h>

#include "nbsysctl.h"

#define HISTORY_FILE	".nbsysctl_history"
#define HISTORY_MAX	1000
#define MAXARGS		64

struct shell {
	struct nb_sysctl *h;
	char		*cwd;		/* escaped name of the current node; "" = root */
	bool		 percpu;	/* -P */
	bool		 tty;
	bool		 done;
	int		 status;	/* of the last command */
	char		*histfile;	/* NULL: history is not saved */
};

/* readline callbacks carry no argument. */
static struct shell *cur_shell;
static volatile sig_atomic_t got_sigint;

/* Candidates of the completion in progress. */
static char	**cands;
static size_t	 ncands, candpos;

static void
on_sigint(int sig)
{
	got_sigint = 1;
}

static void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n)) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	return p;
}

static char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	return p;
}

/* Escaped name without its last component ("" for a top-level name). */
static char *
parent_of(const char *name)
{
	char **comp, *buf;
	unsigned n;
	size_t len;

	if (*name == '\0' || nb_sysctl_name_split(name, &comp, NULL, &n) < 0 || n == 0)
		return xstrdup("");
	len = nb_sysctl_name_join((const char *const *)comp, n - 1, NULL, 0);
	buf = xmalloc(len + 1);
	nb_sysctl_name_join((const char *const *)comp, n - 1, buf, len + 1);
	free(comp);
	return buf;
}

/*
 * The absolute escaped name of `arg` typed at the current node: a leading
 * '/' or '.' makes it absolute, "/" alone is the root, each leading ".."
 * (or "../") goes up one node, anything else is relative. With `absolute`
 * the current node is ignored (the fallback for names typed in full).
 */
static char *
shell_resolve(const struct shell *sh, const char *arg, bool absolute)
{
	char *base, *abs, *up;
	size_t n;

	if (arg == NULL || strcmp(arg, "/") == 0)
		return xstrdup("");
	if (arg[0] == '/' || (arg[0] == '.' && arg[1] != '.'))
		return xstrdup(arg + 1);
	base = xstrdup(absolute ? "" : sh->cwd);
	while (arg[0] == '.' && arg[1] == '.' && (arg[2] == '\0' || arg[2] == '/')) {
		up = parent_of(base);
		free(base);
		base = up;
		arg += arg[2] == '/' ? 3 : 2;
	}
	if (*arg == '\0')
		return base;
	if (*base == '\0') {
		free(base);
		return xstrdup(arg);
	}
	n = strlen(base) + 1 + strlen(arg) + 1;
	abs = xmalloc(n);
	snprintf(abs, n, "%s.%s", base, arg);
	free(base);
	return abs;
}

/* Whether `arg` can also mean an absolute name (it was relative to a node). */
static bool
has_fallback(const struct shell *sh, const char *arg)
{
	return *sh->cwd != '\0' && arg[0] != '\0' && arg[0] != '/' && arg[0] != '.';
}

static void
name_error(const char *arg, int rc)
{
	if (rc == -ENOENT)
		nb_warnx("%s: no such node", arg);
	else if (rc == -EINVAL)
		nb_warnx("%s: invalid name", arg);
	else if (rc == -ENAMETOOLONG)
		nb_warnx("%s: name too long", arg);
	else if (rc == -ENOTDIR)
		nb_warnx("%s: not a node", arg);
	else
		nb_warnx("%s: %s", arg, strerror(-rc));
}

/*
 * Run fn on the resolved name of arg: relative first, then (if the relative
 * name does not exist) absolute. Returns fn's result.
 */
static int
with_name(struct shell *sh, const char *arg,
    int (*fn)(struct shell *, const char *, void *), void *fnarg)
{
	char *name;
	int rc;

	name = shell_resolve(sh, arg, false);
	rc = fn(sh, name, fnarg);
	free(name);
	if (rc == -ENOENT && has_fallback(sh, arg)) {
		name = shell_resolve(sh, arg, true);
		rc = fn(sh, name, fnarg);
		free(name);
	}
	return rc;
}

/* ---- commands ---- */

static int
cd_fn(struct shell *sh, const char *name, void *arg)
{
	struct nb_sysctl_value v;
	int rc;

	if (*name != '\0') {
		rc = nb_sysctl_get(sh->h, name, NB_SYSCTL_RD_NOVALUE, &v);
		if (rc == 0)
			return -ENOTDIR;
		if (rc != -EISDIR)
			return rc;
	}
	free(sh->cwd);
	sh->cwd = xstrdup(name);
	return 0;
}

static int
cmd_cd(struct shell *sh, int argc, char **argv)
{
	int rc;

	if (argc > 2) {
		nb_warnx("usage: cd [NAME]");
		return 2;
	}
	if ((rc = with_name(sh, argc > 1 ? argv[1] : NULL, cd_fn, NULL)) < 0) {
		name_error(argc > 1 ? argv[1] : "/", rc);
		return 1;
	}
	return 0;
}

struct ls_arg {
	unsigned	 depth;		/* components of the listed node */
	bool		 print;
	size_t		 nchild;
};

static int
ls_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct ls_arg *la = arg;
	char buf[NB_SYSCTL_NAMEMAX + 1];
	const char *last;

	if (e->ncomp != la->depth + 1)
		return 0;
	la->nchild++;
	if (!la->print)
		return 0;
	last = e->comp[e->ncomp - 1];
	nb_sysctl_name_join(&last, 1, buf, sizeof(buf));
	printf("%s%s\n", buf, e->val.type == NB_SYSCTL_NODE ? "/" : "");
	return 0;
}

static int
ls_fn(struct shell *sh, const char *name, void *arg)
{
	struct ls_arg la = { 0, false, 0 };
	struct nb_sysctl_value v;
	char **comp;
	int rc;

	if ((rc = nb_sysctl_name_split(name, &comp, NULL, &la.depth)) < 0)
		return rc;
	free(comp);
	if (*name != '\0' &&
	    (rc = nb_sysctl_get(sh->h, name, NB_SYSCTL_RD_NOVALUE, &v)) != -EISDIR)
		return rc == 0 ? -ENOTDIR : rc;
	la.print = true;
	return nb_sysctl_walk(sh->h, name, NB_SYSCTL_RD_SHALLOW | NB_SYSCTL_RD_NODES |
	    NB_SYSCTL_RD_NOVALUE, ls_cb, &la);
}

static int
cmd_ls(struct shell *sh, int argc, char **argv)
{
	int rc, ret = 0;

	if (argc == 1)
		argv[argc++] = (char *)"";	/* the current node */
	for (int i = 1; i < argc; i++) {
		if ((rc = with_name(sh, argv[i], ls_fn, NULL)) < 0) {
			name_error(argv[i], rc);
			ret = 1;
		}
	}
	fflush(stdout);
	return ret;
}

struct get_arg {
	struct nbs_list	*l;
	unsigned	 rdflags;
};

static int
get_fn(struct shell *sh, const char *name, void *arg)
{
	struct get_arg *ga = arg;
	char **comp;
	unsigned n;
	int rc;

	if ((rc = nb_sysctl_name_split(name, &comp, NULL, &n)) < 0)
		return rc;
	rc = nbs_collect(sh->h, (const char *const *)comp, n, ga->rdflags, ga->l);
	free(comp);
	return rc;
}

/* Read names into l (fresh sample first); prints errors; 0 or 1. */
static int
read_names(struct shell *sh, int argc, char **argv, struct nbs_list *l)
{
	struct get_arg ga = { l, sh->percpu ? NB_SYSCTL_RD_PERCPU : 0 };
	int rc, ret = 0;

	if ((rc = nb_sysctl_sample(sh->h)) < 0) {
		nb_warnx("sample: %s", strerror(-rc));
		return 1;
	}
	for (int i = 0; i < argc; i++) {
		if ((rc = with_name(sh, argv[i], get_fn, &ga)) < 0) {
			name_error(argv[i], rc);
			ret = 1;
		}
	}
	return ret;
}

static struct nbs_renderer *
text_renderer(const struct shell *sh)
{
	struct nbs_render_opts ro = { 0 };

	ro.percpu = sh->percpu;
	return nbs_renderer_create(&ro, stdout);
}

static int
cmd_get(struct shell *sh, int argc, char **argv)
{
	struct nbs_list l = { 0 };
	struct nbs_renderer *r;
	int ret;

	if (argc < 2) {
		nb_warnx("usage: get NAME ...");
		return 2;
	}
	ret = read_names(sh, argc - 1, argv + 1, &l);
	r = text_renderer(sh);
	nbs_render_items(r, &l);
	nbs_render_end(r);
	nbs_renderer_destroy(&r);
	nbs_list_free(&l);
	return ret;
}

struct describe_arg {
	unsigned	 depth;		/* components of the described node */
	const char	*last;		/* its last component (unescaped) */
	bool		 found;
	size_t		 nchild;
};

/* The node itself, as a child in its parent's shallow walk. */
static int
describe_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct describe_arg *da = arg;
	char name[NB_SYSCTL_NAMEMAX + 1], flags[128];

	if (e->ncomp != da->depth || da->found || strcmp(e->comp[e->ncomp - 1], da->last) != 0)
		return 0;
	da->found = true;
	nb_sysctl_entry_name(e, name, sizeof(name));
	nbs_flags_format(e->val.flags, flags, sizeof(flags));
	printf("%s\n", name);
	printf("  type:        %s\n", nb_sysctl_type_name(e->val.type));
	if (e->val.type != NB_SYSCTL_NODE) {
		printf("  access:      %s\n",
		    e->val.flags & NB_SYSCTL_F_WRITABLE ? "read-write" : "read-only");
		printf("  flags:       %s\n", *flags != '\0' ? flags : "-");
	}
	printf("  description: %s\n", e->descr);
	return 0;
}

static int
count_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct describe_arg *da = arg;

	if (e->ncomp == da->depth + 1)
		da->nchild++;
	return 0;
}

static int
describe_fn(struct shell *sh, const char *name, void *arg)
{
	const unsigned rd = NB_SYSCTL_RD_SHALLOW | NB_SYSCTL_RD_NODES | NB_SYSCTL_RD_NOVALUE;
	struct describe_arg *da = arg;
	struct nb_sysctl_value v;
	char **comp, *parent;
	int rc;

	if ((rc = nb_sysctl_name_split(name, &comp, NULL, &da->depth)) < 0)
		return rc;
	da->found = false;
	da->nchild = 0;
	if (da->depth == 0) {
		printf("/\n  type:        %s\n", nb_sysctl_type_name(NB_SYSCTL_NODE));
		printf("  description: the root of the tree\n");
		da->found = true;
	} else if ((rc = nb_sysctl_get(sh->h, name, NB_SYSCTL_RD_NOVALUE, &v)) == 0 ||
	    rc == -EISDIR) {
		da->last = comp[da->depth - 1];
		parent = parent_of(name);
		rc = nb_sysctl_walk(sh->h, parent, rd, describe_cb, da);
		free(parent);
	}
	free(comp);
	if (rc < 0 && rc != -EISDIR)
		return rc;
	if (!da->found)
		return -ENOENT;
	if ((rc = nb_sysctl_walk(sh->h, name, rd, count_cb, da)) == 0 && da->nchild > 0)
		printf("  children:    %zu\n", da->nchild);
	return 0;
}

static int
cmd_describe(struct shell *sh, int argc, char **argv)
{
	struct describe_arg da;
	int rc, ret = 0;

	if (argc < 2) {
		nb_warnx("usage: describe NAME ...");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		if ((rc = with_name(sh, argv[i], describe_fn, &da)) < 0) {
			name_error(argv[i], rc);
			ret = 1;
		}
	}
	fflush(stdout);
	return ret;
}

/* Sleep until the monotonic deadline; false if SIGINT came first. */
static bool
sleep_until(const struct timespec *deadline)
{
	while (!got_sigint) {
		int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, deadline, NULL);

		if (rc == 0)
			return !got_sigint;
		if (rc != EINTR)
			return false;
	}
	return false;
}

/* watch SECONDS NAME...: counters print their delta since the previous sample. */
static int
cmd_watch(struct shell *sh, int argc, char **argv)
{
	struct nbs_list prev = { 0 }, cur = { 0 };
	struct nbs_renderer *r;
	struct timespec next;
	const char *errstr;
	double secs;
	int ret = 0;

	if (argc < 3) {
		nb_warnx("usage: watch SECONDS NAME ...");
		return 2;
	}
	if (nb_parse_interval(argv[1], &secs, &errstr) < 0) {
		nb_warnx("%s: interval is %s", argv[1], errstr);
		return 2;
	}
	got_sigint = 0;
	r = text_renderer(sh);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		ret = read_names(sh, argc - 2, argv + 2, &cur);
		nbs_render_step(r, &prev, &cur);
		if (ret != 0 && prev.n == 0)
			break;		/* nothing left to watch */
		next.tv_sec += (time_t)secs;
		next.tv_nsec += (long)((secs - (double)(time_t)secs) * 1e9);
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		if (!sleep_until(&next))
			break;
	}
	if (got_sigint && sh->tty)
		putchar('\n');		/* after the echoed ^C */
	got_sigint = 0;
	nbs_list_free(&prev);
	nbs_renderer_destroy(&r);
	return ret;
}

static int
cmd_help(struct shell *sh, int argc, char **argv)
{
	printf("cd [NAME]               go to a node (cd .. up, cd / or cd: the root)\n"
	    "ls [NAME ...]           list children (nodes end in /)\n"
	    "get NAME ...            read a fresh sample: name = value\n"
	    "describe NAME ...       type, access, flags and description\n"
	    "watch SECONDS NAME ...  print every SECONDS (counters as deltas) until ^C\n"
	    "help                    this text\n"
	    "quit, exit              leave (also end of input)\n"
	    "Names are relative to the current node; a leading '.' or '/' makes\n"
	    "them absolute, and a relative name that does not exist is tried\n"
	    "from the root.\n");
	fflush(stdout);
	return 0;
}

static int
cmd_quit(struct shell *sh, int argc, char **argv)
{
	sh->done = true;
	return sh->status;
}

static const struct command {
	const char	*name;
	int		(*fn)(struct shell *, int, char **);
	bool		 names;		/* arguments are node names (completion) */
} commands[] = {
	{ "cd", cmd_cd, true },
	{ "ls", cmd_ls, true },
	{ "get", cmd_get, true },
	{ "describe", cmd_describe, true },
	{ "watch", cmd_watch, true },
	{ "help", cmd_help, false },
	{ "quit", cmd_quit, false },
	{ "exit", cmd_quit, false },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *
command_find(const char *name, size_t len)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strlen(commands[i].name) == len &&
		    strncmp(commands[i].name, name, len) == 0)
			return &commands[i];
	return NULL;
}

static void
shell_line(struct shell *sh, char *line)
{
	const struct command *cmd;
	char *argv[MAXARGS + 2], *tok, *save = NULL;
	int argc = 0;

	for (tok = strtok_r(line, " \t\r\n", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == MAXARGS) {
			nb_warnx("too many arguments");
			sh->status = 2;
			return;
		}
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	if (argc == 0 || argv[0][0] == '#')
		return;
	if ((cmd = command_find(argv[0], strlen(argv[0]))) == NULL) {
		nb_warnx("%s: unknown command (try help)", argv[0]);
		sh->status = 2;
		return;
	}
	sh->status = cmd->fn(sh, argc, argv);
}

/* ---- completion ---- */

static void
cands_clear(void)
{
	for (size_t i = 0; i < ncands; i++)
		free(cands[i]);
	free(cands);
	cands = NULL;
	ncands = candpos = 0;
}

static void
cands_add(const char *prefix, size_t plen, const char *s, const char *suffix)
{
	char **nc, *c;
	size_t n = plen + strlen(s) + strlen(suffix) + 1;

	if ((nc = realloc(cands, (ncands + 1) * sizeof(*nc))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	cands = nc;
	c = xmalloc(n);
	snprintf(c, n, "%.*s%s%s", (int)plen, prefix, s, suffix);
	cands[ncands++] = c;
}

static char *
cands_next(const char *text, int state)
{
	if (candpos < ncands)
		return xstrdup(cands[candpos++]);
	return NULL;
}

struct complete_arg {
	unsigned	 depth;
	const char	*text;		/* what was typed */
	size_t		 plen;		/* its part up to and including the last '.' */
	const char	*partial;	/* the escaped start of the last component */
};

static int
complete_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct complete_arg *ca = arg;
	char buf[NB_SYSCTL_NAMEMAX + 1];
	const char *last;

	if (e->ncomp != ca->depth + 1)
		return 0;
	last = e->comp[e->ncomp - 1];
	if (nb_sysctl_name_join(&last, 1, buf, sizeof(buf)) >= sizeof(buf))
		return 0;
	if (strncmp(buf, ca->partial, strlen(ca->partial)) == 0)
		cands_add(ca->text, ca->plen, buf, e->val.type == NB_SYSCTL_NODE ? "." : "");
	return 0;
}

/* Children of the node `parent` (escaped, as typed) that start with the partial. */
static void
complete_under(struct shell *sh, const char *parent, bool absolute,
    struct complete_arg *ca)
{
	char *name, **comp;

	name = shell_resolve(sh, parent, absolute);
	if (nb_sysctl_name_split(name, &comp, NULL, &ca->depth) == 0) {
		free(comp);
		nb_sysctl_walk(sh->h, name, NB_SYSCTL_RD_SHALLOW | NB_SYSCTL_RD_NODES |
		    NB_SYSCTL_RD_NOVALUE, complete_cb, ca);
	}
	free(name);
}

/*
 * Complete a node name: relative to the current node, or absolute after a
 * leading '/' or '.'; a relative name with no candidates is tried from the
 * root. Candidates keep what was typed and add escaped components.
 */
static void
complete_names(struct shell *sh, const char *text)
{
	struct complete_arg ca = { 0, text, 0, text };
	const char *body = text, *p, *dot = NULL;
	char *parent;
	bool absolute = false;

	if (*body == '/') {
		body++;
		absolute = true;
	}
	/* The last unescaped '.' splits the parent from the partial component. */
	for (p = body; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '.')
			dot = p;
	}
	if (dot == body)
		absolute = true;		/* ".ne": from the root */
	ca.plen = dot != NULL ? (size_t)(dot - text) + 1 : (size_t)(body - text);
	ca.partial = dot != NULL ? dot + 1 : body;
	if ((parent = strndup(body, dot != NULL ? (size_t)(dot - body) : 0)) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	complete_under(sh, parent, absolute, &ca);
	if (ncands == 0 && !absolute && *sh->cwd != '\0')
		complete_under(sh, parent, true, &ca);
	free(parent);
}

static char **
shell_complete(const char *text, int start, int end)
{
	const struct command *cmd;
	char **m;
	int s = 0;

	rl_attempted_completion_over = 1;	/* never fall back to file names */
	cands_clear();
	while (s < start && (rl_line_buffer[s] == ' ' || rl_line_buffer[s] == '\t'))
		s++;
	if (s == start) {
		for (size_t i = 0; i < NCOMMANDS; i++)
			if (strncmp(commands[i].name, text, strlen(text)) == 0)
				cands_add("", 0, commands[i].name, "");
	} else {
		size_t e = (size_t)s;

		while (e < (size_t)start && rl_line_buffer[e] != ' ' && rl_line_buffer[e] != '\t')
			e++;
		cmd = command_find(rl_line_buffer + s, e - (size_t)s);
		if (cmd != NULL && cmd->names)
			complete_names(cur_shell, text);
	}
	m = rl_completion_matches(text, cands_next);
	/* A node completes to "name." and waits for the next component. */
	if (m != NULL && m[1] == NULL && *m[0] != '\0' && m[0][strlen(m[0]) - 1] == '.')
		rl_completion_suppress_append = 1;
	return m;
}

/* ^C at the prompt abandons the line being typed. */
static int
shell_signal_hook(void)
{
	if (got_sigint) {
		got_sigint = 0;
		rl_free_line_state();
		rl_replace_line("", 0);
		rl_crlf();
		rl_on_new_line();
		rl_redisplay();
	}
	return 0;
}

/* ---- loop ---- */

static char *
shell_prompt(const struct shell *sh)
{
	size_t n = strlen("nbsysctl > ") + strlen(sh->cwd) + 1;
	char *p = xmalloc(n);

	snprintf(p, n, "nbsysctl%s%s> ", *sh->cwd != '\0' ? " " : "", sh->cwd);
	return p;
}

static void
history_setup(struct shell *sh)
{
	const char *home = getenv("HOME");
	size_t n;

	using_history();
	stifle_history(HISTORY_MAX);
	if (home == NULL || *home == '\0' || access(home, W_OK) != 0)
		return;
	n = strlen(home) + 1 + strlen(HISTORY_FILE) + 1;
	sh->histfile = xmalloc(n);
	snprintf(sh->histfile, n, "%s/%s", home, HISTORY_FILE);
	read_history(sh->histfile);	/* ENOENT on first use is fine */
}

/* Remember a non-blank line, without trailing blanks (left by completion). */
static void
history_add(const char *line)
{
	size_t n = strlen(line);
	char *s;

	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (n == strspn(line, " \t"))
		return;
	if ((s = strndup(line, n)) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	add_history(s);
	free(s);
}

static void
history_done(struct shell *sh)
{
	if (sh->histfile != NULL) {
		if (write_history(sh->histfile) == 0)
			history_truncate_file(sh->histfile, HISTORY_MAX);
		free(sh->histfile);
		sh->histfile = NULL;
	}
	rl_clear_history();
}

int
nbs_shell(struct nb_sysctl *h, bool percpu)
{
	struct shell sh = { .h = h, .percpu = percpu };
	struct sigaction sa, osa;
	char *line = NULL, *prompt;
	size_t cap = 0;

	sh.cwd = xstrdup("");
	sh.tty = isatty(STDIN_FILENO) != 0;
	cur_shell = &sh;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;	/* no SA_RESTART: reads and sleeps wake up */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &osa);

	if (sh.tty) {
		rl_readline_name = "nbsysctl";
		rl_catch_signals = 0;
		rl_signal_event_hook = shell_signal_hook;
		rl_attempted_completion_function = shell_complete;
		rl_basic_word_break_characters = " \t\n";
		rl_completer_word_break_characters = " \t\n";
		history_setup(&sh);
	}
	while (!sh.done) {
		if (sh.tty) {
			prompt = shell_prompt(&sh);
			line = readline(prompt);
			free(prompt);
			if (line == NULL)
				break;
			history_add(line);
			shell_line(&sh, line);
			free(line);
			line = NULL;
		} else {
			errno = 0;
			if (getline(&line, &cap, stdin) < 0) {
				if (errno == EINTR && !feof(stdin)) {
					clearerr(stdin);
					got_sigint = 0;
					continue;
				}
				break;
			}
			shell_line(&sh, line);
		}
	}
	if (sh.tty) {
		if (!sh.done)
			putchar('\n');		/* EOF left the cursor on the prompt line */
		history_done(&sh);
	}
	fflush(stdout);
	free(line);
	free(sh.cwd);
	cands_clear();
	sigaction(SIGINT, &osa, NULL);
	cur_shell = NULL;
	return sh.status;
}
