/* SPDX-License-Identifier: BSD-2-Clause */
/* server.c - nbstatd's Unix socket: framed requests (docs/protocol.md) answered from a peer handle of the daemon's stack. */
/*
 * Theory of operation
 *
 * One thread (the server's) owns the listening socket, every client and
 * a peer handle of the daemon's LOCAL handle (nb_sysctl_open_peer, opened
 * in this thread). Sockets are non-blocking and watched by one epoll.
 * A client's complete request frame is answered under the tree lock (the
 * recorder takes it for a sample): the whole response is built into the
 * client's output buffer, then sent as the socket takes it, with no lock.
 * So a client that stops reading holds memory (bounded: OUT_MAX) but never
 * the lock or the thread, and is dropped after IDLE_NS without progress;
 * so is one that leaves a frame half sent. Garbage, an oversize frame or
 * a malformed request drops the client at once. Every drop is logged.
 * server_stop() wakes the thread (eventfd), joins it, and the thread
 * closes every client, the listener and unlinks the socket.
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
#define OUT_MAX (256u << 20) /* a response in memory for one client */
#define IDLE_NS (5LL * 1000000000) /* a half frame or an unread response */

struct client {
	int fd;
	struct nb_sysctl_peer peer;
	uint8_t *in; /* a frame being received */
	size_t inlen, incap;
	uint8_t *out; /* response bytes not sent yet */
	size_t outoff, outlen, outcap;
	bool outfail;
	int64_t since_ns; /* when the client last made progress while owing some */
};

struct server {
	char *path;
	int lfd, efd, wfd;
	uid_t owner; /* the socket's owner: may write */
	struct nb_sysctl *of; /* the daemon's handle (peer opened in the thread) */
	pthread_mutex_t *lock;
	pthread_t thread;
	struct client *cl[MAX_CLIENTS];
	size_t ncl;
};

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
drop(struct server *sv, struct client *c, const char *why)
{
	if (why != NULL)
		logm(LOG_WARNING_, "client uid %u pid %d: %s: disconnected", (unsigned)c->peer.uid,
		    (int)c->peer.pid, why);
	epoll_ctl(sv->efd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->in);
	free(c->out);
	for (size_t i = 0; i < sv->ncl; i++)
		if (sv->cl[i] == c) {
			sv->cl[i] = sv->cl[--sv->ncl];
			break;
		}
	free(c);
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

/* Answer the complete frames received; false when the client was dropped. */
static bool
answer(struct server *sv, struct nb_sysctl *h, struct client *c)
{
	char note[NB_SYSCTL_NAMEMAX + 4096 + 128];
	uint32_t len;
	size_t off = 0;
	int rc;

	while (c->inlen - off >= 4) {
		const uint8_t *p = c->in + off;

		len = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		      (uint32_t)p[3] << 24;
		if (len > NB_SYSCTL_WIRE_MAXREQ) {
			drop(sv, c, "request frame larger than the limit");
			return false;
		}
		if (c->inlen - off - 4 < len)
			break;
		/* A client with a response still unsent waits for it to go. */
		if (c->outlen > 0)
			break;
		pthread_mutex_lock(sv->lock);
		rc = nb_sysctl_serve(h, &c->peer, p + 4, len, emit, c, note, sizeof(note));
		pthread_mutex_unlock(sv->lock);
		if (note[0] != '\0')
			logm(LOG_NOTICE_, "%s", note);
		if (rc == -EPROTO) {
			drop(sv, c, "malformed request");
			return false;
		}
		if (rc != 0 || c->outfail) {
			drop(sv, c, rc != 0 ? strerror(-rc) : "response too large");
			return false;
		}
		off += 4 + len;
		if (!flush_out(sv, c))
			return false;
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
	c->since_ns = mono_ns();
	return true;
}

static void
receive(struct server *sv, struct nb_sysctl *h, struct client *c)
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
		if (!answer(sv, h, c))
			return;
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

		if (now - c->since_ns < IDLE_NS)
			continue;
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
	struct nb_sysctl *h = NULL;
	int n, rc;

	if ((rc = nb_sysctl_open_peer(sv->of, &h)) != 0) {
		logm(LOG_ERR_, "server: %s", strerror(-rc));
		return NULL;
	}
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
			struct client *c = evs[i].data.ptr;
			/* A client dropped earlier in this batch may have been freed. */
			bool live = false;

			for (size_t j = 0; j < sv->ncl; j++)
				live |= sv->cl[j] == c;
			if (!live)
				continue;
			if ((evs[i].events & EPOLLOUT) != 0) {
				if (!flush_out(sv, c))
					continue;
				/* Requests that waited for the response to go. */
				if (c->outlen == 0 && c->inlen > 0 && !answer(sv, h, c))
					continue;
			}
			if ((evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0)
				receive(sv, h, c);
		}
		reap(sv);
	}
out:
	while (sv->ncl > 0)
		drop(sv, sv->cl[0], NULL);
	pthread_mutex_lock(sv->lock);
	nb_sysctl_close(&h);
	pthread_mutex_unlock(sv->lock);
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
	sv->lfd = sv->efd = sv->wfd = -1;
	sv->of = of;
	sv->lock = lock;
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
	    (sv->wfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		error = -errno;
		goto fail;
	}
	ev.data.ptr = &sv->lfd;
	epoll_ctl(sv->efd, EPOLL_CTL_ADD, sv->lfd, &ev);
	ev.data.ptr = &sv->wfd;
	epoll_ctl(sv->efd, EPOLL_CTL_ADD, sv->wfd, &ev);
	if ((error = -pthread_create(&sv->thread, NULL, serve, sv)) != 0)
		goto fail;
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
	free(sv->path);
	free(sv);
	*sp = NULL;
}
