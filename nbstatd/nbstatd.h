/* SPDX-License-Identifier: BSD-2-Clause */
/* nbstatd.h - private to nbstatd: its configuration, its log, its server. */
#ifndef NBSTATD_H
#define NBSTATD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <sysctl-tree/sysctl.h>

#define NBSTATD_CONFIG "/etc/nbstat/nbstatd.conf"
#define NBSTATD_SOCKET "/run/nbstat/nbstatd.sock"

/* One configuration: the command line over the file over the defaults. */
struct conf {
	char *socket; /* socket */
	char *record; /* record (NULL: no recording) */
	double interval; /* interval, seconds */
	int64_t retain_ns; /* retain (0: keep all) */
	char *subtrees; /* subtrees, comma-separated (NULL: the default set) */
	char *http; /* http ADDR:PORT (NULL: none) */
	char *source; /* source */
	char *source_args; /* source-args */
};

/* config.c */
/* A key = value pair given on the command line. */
struct kv {
	const char *key, *value;
};
/*
 * Build the configuration: the defaults, then the file at `path` (a
 * missing file is an error only when `must`), then the command line's
 * pairs. 0, or -1 with one line naming the file, line and key (or the
 * option) in err.
 */
int conf_load(struct conf *c, const char *path, bool must, const struct kv *cli, size_t ncli,
    char *err, size_t errlen);
void conf_free(struct conf *c);
/* Split subtrees into checked escaped names (nb_strv_free); -EINVAL. */
int conf_subtrees(const char *list, char ***out, size_t *n);

/* log.c: "nbstatd: level: message" on stderr; with journald's "<N>" prefix under systemd. */
enum log_level { LOG_ERR_ = 3,
	LOG_WARNING_ = 4,
	LOG_NOTICE_ = 5,
	LOG_INFO_ = 6 };
void logm(enum log_level lv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* server.c: the Unix socket, served by one thread over a peer handle. */
struct server;
int server_start(const char *path, struct nb_sysctl *h, pthread_mutex_t *treelock,
    struct server **out);
void server_stop(struct server **sp);

/* metrics.c: the tree as /metrics (docs/metrics.md), into one growing buffer. */
struct mbuf {
	char *p;
	size_t len, cap;
	int err; /* -ENOMEM once a growth failed */
};
/* What a scrape keeps for the next: the leaves read under nbstat_ (listed once). */
struct mleaf;
struct descrs;
struct metrics_state {
	struct mleaf *leaf;
	size_t nleaf;
	bool listed;
	struct descrs *descrs; /* the tables' leaf descriptions, read once */
	int64_t hz; /* kern.clockrate.hz, read once */
};
/* Read once what later scrapes keep (at the HTTP thread's start: the first scrape is not slower). */
int metrics_prepare(struct nb_sysctl *h, struct metrics_state *st);
/* Prometheus text 0.0.4, or OpenMetrics 1.0.0 text; 0 or -errno. */
int metrics_render(struct nb_sysctl *h, struct metrics_state *st, bool openmetrics,
    struct mbuf *b);
void metrics_state_free(struct metrics_state *st);

/* http.c: --http ADDR:PORT, GET /metrics and /tree/NAME, served by one thread over a peer handle. */
struct http;
/* 0 when spec is ADDR:PORT (IPv4, [IPv6] or *), else -EINVAL. */
int http_addr_check(const char *spec);
int http_start(const char *spec, struct nb_sysctl *h, pthread_mutex_t *treelock,
    struct http **out);
void http_stop(struct http **hp);

#endif /* NBSTATD_H */
