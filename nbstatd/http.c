/* SPDX-License-Identifier: BSD-2-Clause */
/* http.c - nbstatd's HTTP service (--http): GET /metrics and /tree/NAME with libmicrohttpd. */
/*
 * Theory of operation
 *
 * One thread of ours runs libmicrohttpd in its external-select mode
 * (MHD_run_wait), so every request is answered in this thread and a peer
 * handle of the daemon's stack opened here serves them all (a handle is
 * used by one thread). It is a locked peer, as the socket's workers have
 * (nb_sysctl_open_peer_locked): it takes the tree lock (the recorder's)
 * only while the source refreshes what it reads, and reads with it
 * released, so a scrape and the socket's clients read at once; reads of
 * process files and sockets wait for the other peers' (the handle's scope
 * lock). A request refreshes the counters as the socket's SAMPLE request
 * does (one refresh shared by the requests within SHARE_NS of it) and
 * builds the whole body in one buffer before it is sent: a slow scraper
 * holds memory, never the lock. http_stop() sets the stop flag; the thread sees it within one
 * wait (WAIT_MS), stops the daemon and closes the handle.
 *
 * HTTP clients have no credentials: /tree serves them what the Unix
 * socket serves a peer that owns no process (no process's files: only the
 * socket, by SO_PEERCRED, gives them out); /metrics reads none.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include <nbtool/nbtool.h>
#include <sysctl-tree/sysctl.h>

#include "nbstatd.h"

#define WAIT_MS 200
#define SHARE_NS 5000000 /* 5 ms, as the socket's SAMPLE */

#define CT_PROM "text/plain; version=0.0.4; charset=utf-8"
#define CT_OM "application/openmetrics-text; version=1.0.0; charset=utf-8"

struct http {
	struct nb_sysctl *of; /* the daemon's handle */
	struct nb_sysctl *h; /* our peer, opened in the thread */
	struct metrics_state ms; /* of h's scrapes */
	char *spare; /* the last /metrics body's buffer, sent: the next one's */
	size_t sparecap;
	pthread_mutex_t *lock;
	struct MHD_Daemon *mhd;
	pthread_t thread;
	atomic_bool stop;
	/* the thread's start: 0 running, else -errno */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool started;
	int start_rc;
};

/* Counters as fresh as a socket SAMPLE makes them (the peer loads them under the tree lock). */
static int
refresh(struct nb_sysctl *h)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - nb_sysctl_sample_time(h) > SHARE_NS)
		return nb_sysctl_sample(h);
	return 0;
}

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *ctype, char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer_with_free_callback(len, body, free);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* A /metrics body: its buffer goes back to the spare when MHD is done with it. */
struct body {
	struct http *hp;
	char *p;
	size_t cap;
};

static void
body_done(void *cls)
{
	struct body *bd = cls;
	struct http *hp = bd->hp;

	if (hp->spare == NULL) {
		hp->spare = bd->p;
		hp->sparecap = bd->cap;
	} else {
		free(bd->p);
	}
	free(bd);
}

static enum MHD_Result
reply_body(struct http *hp, struct MHD_Connection *conn, const char *ctype, struct mbuf *b)
{
	struct MHD_Response *r;
	struct body *bd;
	enum MHD_Result ret;

	if ((bd = malloc(sizeof(*bd))) == NULL) {
		free(b->p);
		return MHD_NO;
	}
	*bd = (struct body){ hp, b->p, b->cap };
	r = MHD_create_response_from_buffer_with_free_callback_cls(b->len, b->p, body_done, bd);
	if (r == NULL) {
		body_done(bd);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
reply_text(struct MHD_Connection *conn, unsigned status, const char *fmt, const char *arg)
{
	char *s = NULL;

	if (asprintf(&s, fmt, arg) < 0)
		return MHD_NO;
	return reply(conn, status, "text/plain; charset=utf-8", s, strlen(s));
}

/* The scraper asks for OpenMetrics (its Accept header names it). */
static bool
wants_openmetrics(struct MHD_Connection *conn)
{
	const char *a = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);

	return a != NULL && strstr(a, "application/openmetrics-text") != NULL;
}

static enum MHD_Result
get_metrics(struct http *hp, struct MHD_Connection *conn)
{
	/* The last body's buffer, its pages already mapped: a big body is not faulted in again. */
	struct mbuf b = { .p = hp->spare, .cap = hp->sparecap };
	bool om = wants_openmetrics(conn);
	int rc;

	hp->spare = NULL;
	hp->sparecap = 0;
	if ((rc = refresh(hp->h)) == 0)
		rc = metrics_render(hp->h, &hp->ms, om, &b);
	if (rc != 0) {
		free(b.p);
		logm(LOG_WARNING_, "http: /metrics: %s", strerror(-rc));
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s\n", strerror(-rc));
	}
	return reply_body(hp, conn, om ? CT_OM : CT_PROM, &b);
}

/* A process's number: kern.proc.<pid>. */
static bool
is_pid(const char *s)
{
	if (*s < '1' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	return *s == '\0';
}

/*
 * An HTTP client has no credentials: it sees what a peer of the socket
 * that owns no process sees (backend_remote.c's hidden()): no process's
 * files. A name inside one is refused (-EACCES); a wider name's JSON
 * loses the processes.
 */
static int
process_named(const char *name)
{
	char **comp;
	unsigned n;
	bool named;

	if (nb_sysctl_name_split(name, &comp, NULL, &n) != 0)
		return 0; /* the walk says why */
	named = n >= 3 && strcmp(comp[0], "kern") == 0 && strcmp(comp[1], "proc") == 0 &&
		is_pid(comp[2]);
	free(comp);
	return named ? -EACCES : 0;
}

static void
processes_out(struct json_object *jo)
{
	struct json_object *k, *p;
	char **del = NULL, **nd;
	size_t n = 0;

	if (!json_object_object_get_ex(jo, "kern", &k) ||
	    !json_object_object_get_ex(k, "proc", &p))
		return;
	json_object_object_foreach(p, key, val)
	{
		(void)val;
		if (is_pid(key) && (nd = reallocarray(del, n + 1, sizeof(*del))) != NULL) {
			del = nd;
			del[n++] = key;
		}
	}
	for (size_t i = 0; i < n; i++)
		json_object_object_del(p, del[i]);
	free(del);
}

/* The JSON of nbsysctl -j NAME: {"version": ..., <the subtree from the root>}. */
static int
tree_json(struct nb_sysctl *h, const char *name, char **out, size_t *outlen)
{
	struct json_object *jo = NULL;
	struct nb_out *o;
	FILE *fp;
	int rc;

	if ((rc = process_named(name)) != 0)
		return rc;
	if ((rc = nb_sysctl_json(h, name, 0, &jo)) != 0)
		return rc;
	processes_out(jo);
	if ((fp = open_memstream(out, outlen)) == NULL) {
		json_object_put(jo);
		return -errno;
	}
	if ((o = nb_out_create(fp, true, false)) == NULL) {
		fclose(fp);
		free(*out);
		json_object_put(jo);
		return -ENOMEM;
	}
	nb_out_record_begin(o);
	json_object_object_foreach(jo, key, val)
	{
		nb_out_json(o, key, json_object_get(val));
	}
	nb_out_record_end(o);
	nb_out_destroy(&o);
	json_object_put(jo);
	if (fclose(fp) != 0) {
		free(*out);
		return -ENOMEM;
	}
	return 0;
}

static enum MHD_Result
get_tree(struct http *hp, struct MHD_Connection *conn, const char *name)
{
	char *body = NULL;
	size_t len = 0;
	int rc;

	if (*name == '\0')
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "%s\n", "GET /tree/NAME: a name");
	if ((rc = refresh(hp->h)) == 0)
		rc = tree_json(hp->h, name, &body, &len);
	switch (rc) {
	case 0:
		return reply(conn, MHD_HTTP_OK, "application/json", body, len);
	case -ENOENT:
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "%s\n", "no such node");
	case -EINVAL:
	case -ENAMETOOLONG:
		return reply_text(conn, MHD_HTTP_BAD_REQUEST, "%s\n", "malformed name");
	case -EACCES:
		return reply_text(conn, MHD_HTTP_FORBIDDEN, "%s\n",
		    "a process's files: read them through the Unix socket");
	default:
		logm(LOG_WARNING_, "http: /tree: %s", strerror(-rc));
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s\n", strerror(-rc));
	}
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct http *hp = cls;

	(void)version;
	(void)upload;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		/* A body is not read: answered at once. */
		*upload_size = 0;
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "%s\n", "GET or HEAD only");
	}
	(void)con_cls;
	if (hp->h == NULL)
		return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "%s\n", "no handle");
	if (strcmp(url, "/metrics") == 0)
		return get_metrics(hp, conn);
	if (strncmp(url, "/tree/", 6) == 0)
		return get_tree(hp, conn, url + 6);
	return reply_text(conn, MHD_HTTP_NOT_FOUND, "%s\n", "not found: /metrics or /tree/NAME");
}

static void *
run(void *arg)
{
	struct http *hp = arg;
	int rc;

	rc = nb_sysctl_open_peer_locked(hp->of, hp->lock, &hp->h);
	pthread_mutex_lock(&hp->mu);
	hp->start_rc = rc;
	hp->started = true;
	pthread_cond_signal(&hp->cv);
	pthread_mutex_unlock(&hp->mu);
	if (rc != 0)
		return NULL;
	/* What scrapes keep (the subtrees listed, the descriptions): before the first. */
	if ((rc = refresh(hp->h)) == 0)
		rc = metrics_prepare(hp->h, &hp->ms);
	if (rc != 0)
		logm(LOG_WARNING_, "http: /metrics: %s", strerror(-rc));
	while (!atomic_load(&hp->stop))
		MHD_run_wait(hp->mhd, WAIT_MS);
	MHD_stop_daemon(hp->mhd); /* frees the responses: their buffers to the spare */
	hp->mhd = NULL;
	free(hp->spare);
	hp->spare = NULL;
	pthread_mutex_lock(hp->lock);
	nb_sysctl_close(&hp->h);
	pthread_mutex_unlock(hp->lock);
	metrics_state_free(&hp->ms);
	return NULL;
}

/* "ADDR:PORT" (IPv4, [IPv6], or * for every address) into sa. */
static int
parse_addr(const char *spec, struct sockaddr_storage *ss, bool *v6)
{
	const char *colon = strrchr(spec, ':');
	char host[128];
	size_t hl;
	long port;
	char *end;

	if (colon == NULL || (hl = (size_t)(colon - spec)) == 0 || hl >= sizeof(host))
		return -EINVAL;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535)
		return -EINVAL;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		host[hl - 1] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*v6 = true;
		return inet_pton(AF_INET6, host + 1, &s6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	*v6 = false;
	if (strcmp(host, "*") == 0) {
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		return 0;
	}
	return inet_pton(AF_INET, host, &s4->sin_addr) == 1 ? 0 : -EINVAL;
}

int
http_addr_check(const char *spec)
{
	struct sockaddr_storage ss;
	bool v6;

	return parse_addr(spec, &ss, &v6);
}

int
http_start(const char *spec, struct nb_sysctl *of, pthread_mutex_t *lock, struct http **out)
{
	struct sockaddr_storage ss;
	struct http *hp;
	bool v6;
	int rc;

	if ((rc = parse_addr(spec, &ss, &v6)) != 0)
		return rc;
	if ((hp = calloc(1, sizeof(*hp))) == NULL)
		return -ENOMEM;
	hp->of = of;
	hp->lock = lock;
	pthread_mutex_init(&hp->mu, NULL);
	pthread_cond_init(&hp->cv, NULL);
	hp->mhd = MHD_start_daemon(v6 ? MHD_USE_IPv6 : MHD_NO_FLAG, 0, NULL, NULL, handle, hp,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)10, MHD_OPTION_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_LISTENING_ADDRESS_REUSE,
	    (unsigned)1, MHD_OPTION_END);
	if (hp->mhd == NULL) {
		rc = errno != 0 ? -errno : -EADDRNOTAVAIL;
		goto fail;
	}
	if ((rc = -pthread_create(&hp->thread, NULL, run, hp)) != 0) {
		MHD_stop_daemon(hp->mhd);
		goto fail;
	}
	pthread_mutex_lock(&hp->mu);
	while (!hp->started)
		pthread_cond_wait(&hp->cv, &hp->mu);
	pthread_mutex_unlock(&hp->mu);
	if ((rc = hp->start_rc) != 0) {
		pthread_join(hp->thread, NULL);
		MHD_stop_daemon(hp->mhd);
		goto fail;
	}
	*out = hp;
	return 0;
fail:
	pthread_mutex_destroy(&hp->mu);
	pthread_cond_destroy(&hp->cv);
	free(hp);
	return rc;
}

void
http_stop(struct http **hpp)
{
	struct http *hp = *hpp;

	if (hp == NULL)
		return;
	atomic_store(&hp->stop, true);
	pthread_join(hp->thread, NULL);
	pthread_mutex_destroy(&hp->mu);
	pthread_cond_destroy(&hp->cv);
	free(hp);
	*hpp = NULL;
}
