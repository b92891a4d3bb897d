/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * main.c - nbstatd: hosts one stack, records it on an interval (the
 * recording service of nbsysctl --record), serves its tree on a Unix
 * socket. Foreground; SIGTERM/SIGINT stop it after the sample in flight,
 * SIGHUP re-reads the configuration.
 */
/*
 * Theory of operation
 *
 * The main thread opens the stack (a LOCAL handle following the kernel's
 * events), takes the signals (blocked in every thread, so the server
 * thread created afterwards never sees them), starts the server, and runs
 * the recorder loop, which returns on SIGTERM/SIGINT. The tree lock
 * serialises every use of the stack's source: the recorder holds it for a
 * sample, the server for a request. At stop the server is joined first,
 * then the handle closed (the last sample committed, the file closed).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nbtool/nbtool.h>
#include <sysctl-tree/sysctl.h>

#include "nbstatd.h"

enum {
	OPT_HELP = 0x3000,
	OPT_VERSION,
	OPT_CONFIG,
	OPT_KEY, /* a long option that is also a key of the file */
};

static const struct option longopts[] = {
	{ "socket", required_argument, NULL, 'S' },
	{ "record", required_argument, NULL, OPT_KEY },
	{ "interval", required_argument, NULL, OPT_KEY },
	{ "retain", required_argument, NULL, OPT_KEY },
	{ "subtrees", required_argument, NULL, OPT_KEY },
	{ "http", required_argument, NULL, OPT_KEY },
	{ "source", required_argument, NULL, OPT_KEY },
	{ "source-args", required_argument, NULL, OPT_KEY },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: nbstatd [-S PATH] [--record FILE] [--interval SECONDS] [--retain DURATION]\n"
	    "               [--subtrees LIST] [--http ADDR:PORT] [--source linux|sim]\n"
	    "               [--source-args ARGS] [--config FILE]\n"
	    "  -S, --socket PATH     serve the tree on this Unix socket (default " NBSTATD_SOCKET ")\n"
	    "      --record FILE     record history to FILE every interval\n"
	    "      --interval SECS   seconds between samples (default 10)\n"
	    "      --retain DURATION delete samples older than DURATION (7d, 12h, 30m)\n"
	    "      --subtrees LIST   comma-separated subtrees to record (default: all but\n"
	    "                        kern.proc, net.pcb and stack)\n"
	    "      --http ADDR:PORT  serve /metrics (Prometheus, OpenMetrics) and /tree/NAME\n"
	    "                        (JSON) over HTTP on ADDR:PORT (IPv4, [IPv6] or *)\n"
	    "      --source NAME     the stack's source: linux (default) or sim\n"
	    "      --source-args A   the source's arguments\n"
	    "      --config FILE     key = value file, one key per long option\n"
	    "                        (default " NBSTATD_CONFIG ", optional)\n"
	    "      --help            this text\n"
	    "      --version         the version\n");
}

/* What the daemon runs with, and what SIGHUP needs to rebuild it. */
struct daemon {
	const char *config;
	bool config_given;
	struct kv *cli;
	size_t ncli;
	struct conf conf;
	struct nb_sysctl *h;
	struct nb_recorder rec;
	pthread_mutex_t treelock;
};

static int
subtrees_for(struct daemon *d, const struct conf *c, char ***names, size_t *n)
{
	if (c->record == NULL) {
		*names = NULL;
		*n = 0;
		return 0;
	}
	if (c->subtrees != NULL)
		return conf_subtrees(c->subtrees, names, n);
	return nb_sysctl_record_defaults(d->h, names, n);
}

static bool
differ(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0);
}

/* SIGHUP: re-read the configuration; what can change now does at the next sample. */
static void
reload(struct nb_recorder *r, void *arg)
{
	struct daemon *d = arg;
	static const char *const restart_keys[] = { "socket", "http", "source", "source-args",
		"record" };
	struct conf nc;
	char err[512], **names;
	size_t n;
	int rc;

	logm(LOG_NOTICE_, "SIGHUP: re-reading %s", d->config);
	if (conf_load(&nc, d->config, d->config_given, d->cli, d->ncli, err, sizeof(err)) != 0) {
		logm(LOG_ERR_, "%s: configuration kept as it was", err);
		conf_free(&nc);
		return;
	}
	{
		const char *was[] = { d->conf.socket, d->conf.http, d->conf.source,
			d->conf.source_args, d->conf.record };
		const char *now[] = { nc.socket, nc.http, nc.source, nc.source_args, nc.record };

		for (size_t i = 0; i < 5; i++)
			if (differ(was[i], now[i]))
				logm(LOG_WARNING_, "%s changed: takes effect at restart", restart_keys[i]);
	}
	/* The restart keys keep their running values. */
	free(nc.socket);
	free(nc.http);
	free(nc.source);
	free(nc.source_args);
	free(nc.record);
	nc.socket = d->conf.socket;
	nc.http = d->conf.http;
	nc.source = d->conf.source;
	nc.source_args = d->conf.source_args;
	nc.record = d->conf.record;
	d->conf.socket = d->conf.http = d->conf.source = d->conf.source_args = d->conf.record =
	    NULL;
	pthread_mutex_lock(&d->treelock);
	rc = subtrees_for(d, &nc, &names, &n);
	if (rc == 0 && nc.record != NULL && nc.retain_ns != d->conf.retain_ns)
		rc = nb_sysctl_record_retain(d->h, nc.retain_ns);
	pthread_mutex_unlock(&d->treelock);
	if (rc != 0) {
		logm(LOG_ERR_, "SIGHUP: %s: configuration kept as it was", strerror(-rc));
		nc.retain_ns = d->conf.retain_ns;
		free(nc.subtrees);
		nc.subtrees = d->conf.subtrees;
		d->conf.subtrees = NULL;
		conf_free(&d->conf);
		d->conf = nc;
		return;
	}
	nb_strv_free(r->names, r->n);
	r->names = names;
	r->n = n;
	r->interval = nc.interval;
	conf_free(&d->conf);
	d->conf = nc;
	logm(LOG_NOTICE_, "configuration: interval %gs, retain %llds, %zu subtrees", nc.interval,
	    (long long)(nc.retain_ns / 1000000000), n);
}

static void
parse(struct daemon *d, int argc, char **argv)
{
	int ch, idx;

	d->config = NBSTATD_CONFIG;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":S:", longopts, &idx)) != -1) {
		switch (ch) {
		case 'S':
		case OPT_KEY:
			if ((d->cli = reallocarray(d->cli, d->ncli + 1, sizeof(*d->cli))) == NULL)
				nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
			d->cli[d->ncli].key = ch == 'S' ? "socket" : longopts[idx].name;
			d->cli[d->ncli++].value = optarg;
			break;
		case OPT_CONFIG:
			d->config = optarg;
			d->config_given = true;
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("nbstatd %s\n", NBSTAT_VERSION);
			exit(0);
		case ':':
			nb_usagex("option %s needs an argument", argv[optind - 1]);
		default:
			if (optopt != 0)
				nb_usagex("unknown option -%c", optopt);
			nb_usagex("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		nb_usagex("no operands: %s", argv[optind]);
}

int
main(int argc, char **argv)
{
	struct daemon d = { 0 };
	struct nb_sysctl_opts so = { 0 };
	struct server *srv = NULL;
	struct http *web = NULL;
	char err[512];
	const char *detail;
	int rc, ret;

	nb_tool_init(argv[0]);
	parse(&d, argc, argv);
	if (conf_load(&d.conf, d.config, d.config_given, d.cli, d.ncli, err, sizeof(err)) != 0)
		nb_usagex("%s", err);
	pthread_mutex_init(&d.treelock, NULL);
	/* Before anything is opened: a stop signal never kills a daemon holding the file. */
	nb_signals_take(true);

	so.backend = NB_SYSCTL_LOCAL;
	so.source = d.conf.source;
	so.source_args = d.conf.source_args;
	so.follow_events = true;
	if ((rc = nb_sysctl_open(&so, &d.h)) != 0) {
		detail = d.h != NULL ? nb_sysctl_errdetail(d.h) : "";
		logm(LOG_ERR_, "%s source: %s", d.conf.source, *detail != '\0' ? detail : strerror(-rc));
		nb_sysctl_close(&d.h);
		return NB_EXIT_RUNTIME;
	}
	if (d.conf.record != NULL) {
		if ((rc = nb_sysctl_record_open(d.h, d.conf.record, d.conf.source)) == 0 &&
		    d.conf.retain_ns != 0)
			rc = nb_sysctl_record_retain(d.h, d.conf.retain_ns);
		if (rc != 0) {
			detail = nb_sysctl_errdetail(d.h);
			logm(LOG_ERR_, "record %s: %s", d.conf.record,
			    *detail != '\0' ? detail : strerror(-rc));
			nb_sysctl_close(&d.h);
			return NB_EXIT_RUNTIME;
		}
	}
	d.rec.h = d.h;
	if ((rc = subtrees_for(&d, &d.conf, &d.rec.names, &d.rec.n)) != 0) {
		logm(LOG_ERR_, "subtrees: %s", strerror(-rc));
		nb_sysctl_close(&d.h);
		return NB_EXIT_RUNTIME;
	}
	if ((rc = server_start(d.conf.socket, d.h, &d.treelock, &srv)) != 0) {
		logm(LOG_ERR_, "socket %s: %s", d.conf.socket, strerror(-rc));
		nb_strv_free(d.rec.names, d.rec.n);
		nb_sysctl_close(&d.h);
		return NB_EXIT_RUNTIME;
	}
	if (d.conf.http != NULL && (rc = http_start(d.conf.http, d.h, &d.treelock, &web)) != 0) {
		logm(LOG_ERR_, "http %s: %s", d.conf.http, strerror(-rc));
		server_stop(&srv);
		nb_strv_free(d.rec.names, d.rec.n);
		nb_sysctl_close(&d.h);
		conf_free(&d.conf);
		free(d.cli);
		return NB_EXIT_RUNTIME;
	}
	if (web != NULL)
		logm(LOG_NOTICE_, "serving /metrics and /tree on http://%s", d.conf.http);
	logm(LOG_NOTICE_, "serving %s source on %s%s%s, interval %gs", d.conf.source,
	    d.conf.socket, d.conf.record != NULL ? ", recording to " : "",
	    d.conf.record != NULL ? d.conf.record : "", d.conf.interval);

	d.rec.interval = d.conf.interval;
	d.rec.count = 0;
	d.rec.quiet_enoent = false;
	d.rec.hup = reload;
	d.rec.arg = &d;
	d.rec.lock = &d.treelock;
	ret = nb_record_loop(&d.rec);

	http_stop(&web);
	server_stop(&srv);
	nb_strv_free(d.rec.names, d.rec.n);
	pthread_mutex_lock(&d.treelock);
	if ((rc = nb_sysctl_record_commit(d.h)) != 0) {
		detail = nb_sysctl_errdetail(d.h);
		logm(LOG_ERR_, "%s", *detail != '\0' ? detail : strerror(-rc));
		ret = NB_EXIT_RUNTIME;
	}
	nb_sysctl_close(&d.h);
	pthread_mutex_unlock(&d.treelock);
	logm(LOG_NOTICE_, "stopped after %llu samples", (unsigned long long)d.rec.nsamples);
	conf_free(&d.conf);
	free(d.cli);
	pthread_mutex_destroy(&d.treelock);
	return ret;
}
