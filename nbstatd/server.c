/* SPDX-License-Identifier: BSD-2-Clause */
/* server.c - nbstatd's Unix socket: framed requests (docs/protocol.md) answered from a peer handle of the daemon's stack. */
/*
 * Theory of operation
 *
 * One thread (the server's) owns the listening socket and every client's
 * socket; NWORKERS worker threads answer requests, each on a locked peer
 * handle of the daemon's LOCAL handle (nb_sysctl_open_peer_locked, opened
 * in the worker): a worker takes the tree lock (which the recorder holds
 * for a sample) only to refresh the source and to write; it reads with the
 * lock released (reads of process files and sockets wait for each other:
 * mib.c), so an expensive read (a walk of the whole tree) delays neither
 * the recorder nor the other clients, who are answered by the other
 * workers meanwhile.
 *
 * Sockets are non-blocking and watched by one epoll. When a client has a
 * complete request frame and no response in progress, the server thread
 * copies the frame into the client and queues the client (`busy`); a
 * worker builds the whole response into the client's output buffer and
 * queues it back, waking the server thread (an eventfd), which sends it as
 * the socket takes it. While a client is busy only the worker touches its
 * output and request; the server thread only appends what arrives to its
 * input, and a client dropped meanwhile (closed, timed out) is closed at
 * once and freed when the worker hands it back. Both queues are under one
 * mutex. So a client that stops reading holds memory (bounded: OUT_MAX)
 * but never the lock or a worker, and is dropped after IDLE_NS without
 * progress; so is one that leaves a frame half sent. Garbage, an oversize
 * frame or a malformed request drops the client at once. Every drop is
 * logged. server_stop() wakes the server thread (eventfd), which stops and
 * joins the workers, closes every client and the listener; the socket is
 * unlinked.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "nbstatd.h"

#define MAX_CLIENTS 1024
#define NWORKERS 4 /* requests answered at once */
#define OUT_MAX (256u << 20) /* a response in memory for one client */
#define IDLE_NS (5LL * 1000000000) /* a half frame or an unread response */

struct client {
	int fd;
	struct nb_sysctl_peer peer;
	uint8_t *in; /* a frame being received */
	size_t inlen, incap;
	int64_t since_ns; /* when the client last made progress while owing some */
	bool busy; /* queued or being answered: req and out are the worker's */
	bool dead; /* dropped while busy: freed when handed back */
	struct client *next; /* in a queue */
	/* The request being answered and its result (the worker's while busy). */
	uint8_t *req;
	size_t reqlen, reqcap;
	int rc;
	uint8_t *out; /* response bytes not sent yet */
	size_t outoff, outlen, outcap;
	bool outfail;
};

struct server {
	char *path;
	int lfd, efd, wfd, dfd; /* listener, epoll, stop, done */
	uid_t owner; /* the socket's owner: may write */
	struct nb_sysctl *of; /* the daemon's handle (peers opened in the workers) */
	pthread_mutex_t *lock;
	pthread_t thread;
	struct client *cl[MAX_CLIENTS];
	size_t ncl;
	/* The workers and their queues (under mu). */
	pthread_t workers[NWORKERS];
	unsigned nworkers;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct client *todo, **todotail; /* requests to answer, in order */
	struct client *done; /* answered, for the server thread */
	bool stopping;
};

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int emit(const void *buf, size_t len, void *arg);

static void
client_free(struct client *c)
{
	free(c->in);
	free(c->req);
	free(c->out);
	free(c);
}

static void
drop(struct server *sv, struct client *c, const char *why)
{
	if (why != NULL)
		logm(LOG_WARNING_, "client uid %u pid %d: %s: disconnected", (unsigned)c->peer.uid,
		    (int)c->peer.pid, why);
	epoll_ctl(sv->efd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	for (size_t i = 0; i < sv->ncl; i++)
		if (sv->cl[i] == c) {
			sv->cl[i] = sv->cl[--sv->ncl];
			break;
		}
	if (c->busy)
		c->dead = true; /* a worker has it: freed when it comes back */
	else
		client_free(c);
}

/* ---- workers ---- */

static void *
work(void *arg)
{
	struct server *sv = arg;
	char note[NB_SYSCTL_NAMEMAX + 4096 + 128];
	struct nb_sysctl *h = NULL;
	struct client *c;
	uint64_t one = 1;
	int rc;

	if ((rc = nb_sysctl_open_peer_locked(sv->of, sv->lock, &h)) != 0)
		logm(LOG_ERR_, "server worker: %s", strerror(-rc));
	pthread_mutex_lock(&sv->mu);
	for (;;) {
		while (sv->todo == NULL && !sv->stopping)
			pthread_cond_wait(&sv->cv, &sv->mu);
		if (sv->todo == NULL)
			break;
		c = sv->todo;
		if ((sv->todo = c->next) == NULL)
			sv->todotail = &sv->todo;
		pthread_mutex_unlock(&sv->mu);
		/* The client's request and output are this thread's until it goes back. */
		note[0] = '\0';
		if (h == NULL)
			c->rc = -ENOMEM;
		else
			c->rc = nb_sysctl_serve(h, &c->peer, c->req, c->reqlen, emit, c, note,
			    sizeof(note));
		if (note[0] != '\0')
			logm(LOG_NOTICE_, "%s", note);
		pthread_mutex_lock(&sv->mu);
		c->next = sv->done;
		sv->done = c;
		if (write(sv->dfd, &one, sizeof(one)) != sizeof(one)) {
			/* the counter is already non-zero: the server thread will look */
		}
	}
	pthread_mutex_unlock(&sv->mu);
	if (h != NULL) {
		pthread_mutex_lock(sv->lock);
		nb_sysctl_close(&h);
		pthread_mutex_unlock(sv->lock);
	}
	return NULL;
}

/* Queue a client whose request is in c->req. */
static void
submit(struct server *sv, struct client *c)
{
	c->busy = true;
	pthread_mutex_lock(&sv->mu);
	c->next = NULL;
	*sv->todotail = c;
	sv->todotail = &c->next;
	pthread_cond_signal(&sv->cv);
	pthread_mutex_unlock(&sv->mu);
}

/* emit: a frame (length, payload) appended to the client's output. */
static int
emit(const void *buf, size_t len, void *arg)
{
	struct client *c = arg;
	size_t need = c->outlen + 4 + len;
	uint8_t *p;

	if (need > OUT_MAX) {
		c->outfail = true;
		return -EMSGSIZE;
	}
	if (need > c->outcap) {
		size_t cap = c->outcap != 0 ? c->outcap : 65536;

		while (cap < need)
			cap *= 2;
		if ((p = realloc(c->out, cap)) == NULL) {
			c->outfail = true;
			return -ENOMEM;
		}
		c->out = p;
		c->outcap = cap;
	}
	p = c->out + c->outlen;
	p[0] = (uint8_t)len;
	p[1] = (uint8_t)(len >> 8);
	p[2] = (uint8_t)(len >> 16);
	p[3] = (uint8_t)(len >> 24);
	memcpy(p + 4, buf, len);
	c->outlen = need;
	return 0;
}

/* Send what the socket takes; false when the client is gone. */
static bool
flush_out(struct server *sv, struct client *c)
{
	struct epoll_event ev = { .data.ptr = c };
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				ev.events = EPOLLIN | EPOLLOUT;
				epoll_ctl(sv->efd, EPOLL_CTL_MOD, c->fd, &ev);
				return true;
			}
			drop(sv, c, strerror(errno));
			return false;
		}
		c->outoff += (size_t)n;
		c->since_ns = mono_ns();
	}
	c->outoff = c->outlen = 0;
	if (c->outcap > (4u << 20)) { /* give a big response's memory back */
		free(c->out);
		c->out = NULL;
		c->outcap = 0;
	}
	ev.events = EPOLLIN;
	epoll_ctl(sv->efd, EPOLL_CTL_MOD, c->fd, &ev);
	return true;
}

static bool answer(struct server *sv, struct client *c);

/* A worker's answer to c, back in the server thread: send it, then the next request. */
static void
answered(struct server *sv, struct client *c)
{
	c->busy = false;
	if (c->dead) {
		client_free(c);
		return;
	}
	if (c->rc == -EPROTO) {
		drop(sv, c, "malformed request");
		return;
	}
	if (c->rc != 0 || c->outfail) {
		drop(sv, c, c->rc != 0 ? strerror(-c->rc) : "response too large");
		return;
	}
	c->since_ns = mono_ns();
	if (!flush_out(sv, c))
		return;
	if (c->outlen == 0 && c->inlen > 0)
		(void)answer(sv, c);
}

/* The clients the workers handed back. */
static void
collect(struct server *sv)
{
	struct client *c, *next;
	uint64_t n;

	if (read(sv->dfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		logm(LOG_WARNING_, "server: %s", strerror(errno));
	pthread_mutex_lock(&sv->mu);
	c = sv->done;
	sv->done = NULL;
	pthread_mutex_unlock(&sv->mu);
	for (; c != NULL; c = next) {
		next = c->next;
		answered(sv, c);
	}
}

/*
 * The next complete frame received, to a worker (one at a time per client:
 * the next waits for this one's response to be sent); false when the
 * client was dropped.
 */
static bool
answer(struct server *sv, struct client *c)
{
	uint32_t len;
	const uint8_t *p = c->in;

	if (c->busy || c->outlen > 0 || c->inlen < 4)
		return true;
	len = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	if (len > NB_SYSCTL_WIRE_MAXREQ) {
		drop(sv, c, "request frame larger than the limit");
		return false;
	}
	if (c->inlen - 4 < len)
		return true;
	if (len > c->reqcap) {
		uint8_t *q = realloc(c->req, len);

		if (q == NULL) {
			drop(sv, c, strerror(ENOMEM));
			return false;
		}
		c->req = q;
		c->reqcap = len;
	}
	if (len > 0)
		memcpy(c->req, p + 4, len);
	c->reqlen = len;
	memmove(c->in, c->in + 4 + len, c->inlen - 4 - len);
	c->inlen -= 4 + len;
	c->since_ns = mono_ns();
	submit(sv, c);
	return true;
}

static void
receive(struct server *sv, struct client *c)
{
	ssize_t n;

	for (;;) {
		if (c->incap - c->inlen < 4096) {
			size_t cap = c->incap != 0 ? c->incap * 2 : 8192;
			uint8_t *p;

			if (cap > 4 * (NB_SYSCTL_WIRE_MAXREQ + 4)) {
				drop(sv, c, "requests sent faster than answers are read");
				return;
			}
			if ((p = realloc(c->in, cap)) == NULL) {
				drop(sv, c, strerror(ENOMEM));
				return;
			}
			c->in = p;
			c->incap = cap;
		}
		n = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			drop(sv, c, c->inlen > 0 ? "closed in the middle of a frame" : NULL);
			return;
		}
		c->inlen += (size_t)n;
		/* An oversize frame is refused as soon as its length is in. */
		if (c->inlen >= 4 && !c->busy && c->outlen == 0 && !answer(sv, c))
			return;
		if (c->inlen >= 4 && (c->busy || c->outlen > 0)) {
			const uint8_t *p = c->in;
			uint32_t len = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			    (uint32_t)p[3] << 24;

			if (len > NB_SYSCTL_WIRE_MAXREQ) {
				drop(sv, c, "request frame larger than the limit");
				return;
			}
		}
	}
}

static void
accept_clients(struct server *sv)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	struct client *c;
	int fd;

	while ((fd = accept4(sv->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (sv->ncl == MAX_CLIENTS ||
		    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) != 0 ||
		    (c = calloc(1, sizeof(*c))) == NULL) {
			logm(LOG_WARNING_, "client refused: %s",
			    sv->ncl == MAX_CLIENTS ? "too many clients" : strerror(errno));
			close(fd);
			continue;
		}
		c->fd = fd;
		c->peer.uid = cr.uid;
		c->peer.pid = cr.pid;
		c->peer.may_write = cr.uid == 0 || cr.uid == sv->owner;
		c->since_ns = mono_ns();
		ev.data.ptr = c;
		if (epoll_ctl(sv->efd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			close(fd);
			free(c);
			continue;
		}
		sv->cl[sv->ncl++] = c;
	}
}

/* Drop the clients that owe a frame or have not read a response for IDLE_NS. */
static void
reap(struct server *sv)
{
	int64_t now = mono_ns();

	for (size_t i = sv->ncl; i-- > 0;) {
		struct client *c = sv->cl[i];

		if (c->busy || now - c->since_ns < IDLE_NS)
			continue; /* a request being answered is the daemon's delay, not the client's */
		if (c->outlen > c->outoff)
			drop(sv, c, "stopped reading its response");
		else if (c->inlen > 0)
			drop(sv, c, "truncated request frame (timeout)");
	}
}

static void *
serve(void *arg)
{
	struct server *sv = arg;
	struct epoll_event evs[64];
	int n;

	for (;;) {
		n = epoll_wait(sv->efd, evs, 64, 1000);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == &sv->wfd)
				goto out;
			if (evs[i].data.ptr == &sv->lfd) {
				accept_clients(sv);
				continue;
			}
			if (evs[i].data.ptr == &sv->dfd) {
				collect(sv);
				continue;
			}
			struct client *c = evs[i].data.ptr;
			/* A client dropped earlier in this batch may have been freed. */
			bool live = false;

			for (size_t j = 0; j < sv->ncl; j++)
				live |= sv->cl[j] == c;
			if (!live)
				continue;
			if ((evs[i].events & EPOLLOUT) != 0 && !c->busy) {
				if (!flush_out(sv, c))
					continue;
				/* Requests that waited for the response to go. */
				if (c->outlen == 0 && c->inlen > 0 && !answer(sv, c))
					continue;
			}
			if ((evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0)
				receive(sv, c);
		}
		reap(sv);
	}
out:
	pthread_mutex_lock(&sv->mu);
	sv->stopping = true;
	pthread_cond_broadcast(&sv->cv);
	pthread_mutex_unlock(&sv->mu);
	for (unsigned i = 0; i < sv->nworkers; i++)
		pthread_join(sv->workers[i], NULL);
	/* Requests no worker took, and answers not collected. */
	for (struct client *c = sv->todo, *next; c != NULL; c = next) {
		next = c->next;
		c->busy = false;
		if (c->dead)
			client_free(c);
	}
	sv->todo = NULL;
	for (struct client *c = sv->done, *next; c != NULL; c = next) {
		next = c->next;
		c->busy = false;
		if (c->dead)
			client_free(c);
	}
	sv->done = NULL;
	while (sv->ncl > 0)
		drop(sv, sv->cl[0], NULL);
	return NULL;
}

int
server_start(const char *path, struct nb_sysctl *of, pthread_mutex_t *lock, struct server **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	struct server *sv;
	struct stat st;
	int error;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	if ((sv = calloc(1, sizeof(*sv))) == NULL)
		return -ENOMEM;
	sv->lfd = sv->efd = sv->wfd = sv->dfd = -1;
	sv->of = of;
	sv->lock = lock;
	sv->todotail = &sv->todo;
	pthread_mutex_init(&sv->mu, NULL);
	pthread_cond_init(&sv->cv, NULL);
	memcpy(sa.sun_path, path, strlen(path));
	if ((sv->path = strdup(path)) == NULL) {
		error = -ENOMEM;
		goto fail;
	}
	/* A socket left by a daemon that was killed: replace it; anything else: refuse. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			error = -EEXIST;
			goto fail;
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			error = -EADDRINUSE; /* another daemon serves it */
			goto fail;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	if ((sv->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(sv->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, 0666) != 0 || listen(sv->lfd, 128) != 0 || stat(path, &st) != 0) {
		error = -errno;
		goto fail;
	}
	sv->owner = st.st_uid;
	if ((sv->efd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (sv->wfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    (sv->dfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		error = -errno;
		goto fail;
	}
	ev.data.ptr = &sv->lfd;
	epoll_ctl(sv->efd, EPOLL_CTL_ADD, sv->lfd, &ev);
	ev.data.ptr = &sv->wfd;
	epoll_ctl(sv->efd, EPOLL_CTL_ADD, sv->wfd, &ev);
	ev.data.ptr = &sv->dfd;
	epoll_ctl(sv->efd, EPOLL_CTL_ADD, sv->dfd, &ev);
	for (sv->nworkers = 0; sv->nworkers < NWORKERS; sv->nworkers++)
		if ((error = -pthread_create(&sv->workers[sv->nworkers], NULL, work, sv)) != 0)
			break;
	if (error == 0)
		error = -pthread_create(&sv->thread, NULL, serve, sv);
	if (error != 0) {
		pthread_mutex_lock(&sv->mu);
		sv->stopping = true;
		pthread_cond_broadcast(&sv->cv);
		pthread_mutex_unlock(&sv->mu);
		for (unsigned i = 0; i < sv->nworkers; i++)
			pthread_join(sv->workers[i], NULL);
		goto fail;
	}
	*out = sv;
	return 0;
fail:
	if (sv->lfd >= 0) {
		close(sv->lfd);
		if (error != -EADDRINUSE && error != -EEXIST)
			unlink(path);
	}
	if (sv->efd >= 0)
		close(sv->efd);
	if (sv->wfd >= 0)
		close(sv->wfd);
	if (sv->dfd >= 0)
		close(sv->dfd);
	pthread_mutex_destroy(&sv->mu);
	pthread_cond_destroy(&sv->cv);
	free(sv->path);
	free(sv);
	return error;
}

void
server_stop(struct server **sp)
{
	struct server *sv = *sp;
	uint64_t one = 1;

	if (sv == NULL)
		return;
	if (write(sv->wfd, &one, sizeof(one)) != sizeof(one))
		logm(LOG_WARNING_, "server stop: %s", strerror(errno));
	pthread_join(sv->thread, NULL);
	close(sv->lfd);
	unlink(sv->path);
	close(sv->efd);
	close(sv->wfd);
	close(sv->dfd);
	pthread_mutex_destroy(&sv->mu);
	pthread_cond_destroy(&sv->cv);
	free(sv->path);
	free(sv);
	*sp = NULL;
}
