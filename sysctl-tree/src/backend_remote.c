/* SPDX-License-Identifier: BSD-2-Clause */
/* backend_remote.c - the REMOTE backend (a client of nbstatd's socket) and the serving side of its requests. */
/*
 * Theory of operation
 *
 * Client: one connected stream socket per handle, one request at a time:
 * a request frame, then response frames up to END (docs/protocol.md). A
 * walk's entries are decoded into the handle's decoder and passed to the
 * callback as they come; when the callback stops the walk, the rest of the
 * response is read and dropped, so the stream stays in step. A table read
 * is one TABLE request: the daemon reads the table natively and sends its
 * rows, decoded straight into the caller's table (nb__tab_row, nb__tab_put).
 * The handle speaks version 2; a daemon that answers its first request
 * (SAMPLE) with -EPROTONOSUPPORT speaks version 1, and the handle then
 * sends version 1 and reads tables through walks. Used by one thread at a
 * time, like every handle.
 *
 * Server (nb_sysctl_serve): decodes one request, runs it on a LOCAL handle
 * and emits the response frames through the caller's function, in the
 * request's version. The caller (nbstatd) serialises the use of the
 * handle; nothing here is shared.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "wire.h"

#define SHARE_NS 5000000 /* 5 ms */

struct remote {
	int fd;
	unsigned ver; /* the protocol version the daemon speaks */
	int64_t sample_ns;
	struct wbuf req;
	uint8_t *resp;
	size_t respcap;
	struct wire_dec dec;
	struct wire_row *row; /* table rows, decoded */
};

static int
read_full(int fd, void *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		if ((r = read(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ECONNRESET;
		p = (char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

static int
write_full(int fd, const void *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		if ((r = send(fd, p, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p = (const char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

static int
send_req(struct nb_sysctl *h, struct remote *rm)
{
	uint8_t hdr[4];
	int error;

	if (rm->req.oom)
		return -ENOMEM;
	hdr[0] = (uint8_t)rm->req.len;
	hdr[1] = (uint8_t)(rm->req.len >> 8);
	hdr[2] = (uint8_t)(rm->req.len >> 16);
	hdr[3] = (uint8_t)(rm->req.len >> 24);
	if ((error = write_full(rm->fd, hdr, 4)) != 0 ||
	    (error = write_full(rm->fd, rm->req.p, rm->req.len)) != 0)
		nb__sysctl_errdetail(h, "nbstatd: %s", strerror(-error));
	return error;
}

/* One response frame into rm->resp; its payload in *r. */
static int
recv_frame(struct nb_sysctl *h, struct remote *rm, struct rbuf *r)
{
	uint8_t hdr[4], ver;
	uint32_t len;
	int error;

	if ((error = read_full(rm->fd, hdr, 4)) != 0)
		goto fail;
	len = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
	      (uint32_t)hdr[3] << 24;
	if (len < 2 || len > WIRE_MAXRESP) {
		error = -EPROTO;
		goto fail;
	}
	if (len > rm->respcap) {
		uint8_t *p = realloc(rm->resp, len);

		if (p == NULL)
			return -ENOMEM;
		rm->resp = p;
		rm->respcap = len;
	}
	if ((error = read_full(rm->fd, rm->resp, len)) != 0)
		goto fail;
	r->p = rm->resp;
	r->end = rm->resp + len;
	r->bad = false;
	/* Frames in the request's version; a refusal of any version is in version 1. */
	ver = rbuf_u8(r);
	if (ver < WIRE_VERSION_MIN || ver > rm->ver) {
		error = -EPROTO;
		goto fail;
	}
	return 0;
fail:
	nb__sysctl_errdetail(h, "nbstatd: %s", strerror(-error));
	return error;
}

static int
malformed(struct nb_sysctl *h)
{
	nb__sysctl_errdetail(h, "nbstatd: malformed response");
	return -EPROTO;
}

/* The END frame's body: its status, the sample time and the detail. */
static int
recv_end(struct nb_sysctl *h, struct remote *rm, struct rbuf *r)
{
	int64_t status = zz_dec(rbuf_varint(r));
	int64_t t = (int64_t)rbuf_varint(r);
	const uint8_t *d;
	size_t dlen;

	d = rbuf_bytes(r, 1024, &dlen);
	if (r->bad || status > 0 || status < -4095)
		return malformed(h);
	rm->sample_ns = t;
	if (dlen > 0)
		nb__sysctl_errdetail(h, "%.*s", (int)dlen, (const char *)d);
	return (int)status;
}

/* Frames up to END: entries to cb (until it stops), then END's status. */
static int
recv_resp(struct nb_sysctl *h, struct remote *rm, nb_sysctl_walk_fn cb, void *arg)
{
	struct nb_sysctl_entry e;
	struct rbuf r;
	int error, cbret = 0;
	uint8_t kind;

	wire_dec_reset(&rm->dec);
	for (;;) {
		if ((error = recv_frame(h, rm, &r)) != 0)
			return error;
		kind = rbuf_u8(&r);
		if (kind == WK_END)
			break;
		if (kind != WK_ENTRIES)
			return malformed(h);
		while (r.p < r.end) {
			if ((error = wire_entry_decode(&r, &rm->dec, &e)) != 0)
				return malformed(h);
			if (cbret == 0 && cb != NULL)
				cbret = cb(&e, arg);
		}
	}
	if ((error = recv_end(h, rm, &r)) != 0)
		return error;
	return cbret;
}

static int
remote_walk(struct nb_sysctl *h, const char *const *comp, const size_t *lens, unsigned n,
    unsigned rdflags, nb_sysctl_walk_fn cb, void *arg)
{
	struct remote *rm = h->priv;
	int error;

	rm->req.len = 0;
	wire_req_encode(&rm->req, rm->ver, WOP_WALK, rdflags, comp, lens, n, NULL);
	if ((error = send_req(h, rm)) != 0)
		return error;
	return recv_resp(h, rm, cb, arg);
}

static int
remote_write(struct nb_sysctl *h, const char *const *comp, const size_t *lens, unsigned n,
    const char *value)
{
	struct remote *rm = h->priv;
	int error;

	rm->req.len = 0;
	wire_req_encode(&rm->req, rm->ver, WOP_WRITE, 0, comp, lens, n, value);
	if ((error = send_req(h, rm)) != 0)
		return error;
	return recv_resp(h, rm, NULL, NULL);
}

static int
remote_sample(struct nb_sysctl *h)
{
	struct remote *rm = h->priv;
	int error;

	rm->req.len = 0;
	wire_req_encode(&rm->req, rm->ver, WOP_SAMPLE, 0, NULL, NULL, 0, NULL);
	if ((error = send_req(h, rm)) != 0)
		return error;
	return recv_resp(h, rm, NULL, NULL);
}

/*
 * The native table read: one TABLE request, the daemon's rows into the
 * caller's table. NB__TAB_WALK (walks instead) for a version 1 daemon, a
 * request past the limits, or columns that reach process files (the daemon
 * hides those entry by entry, wire_tab_unpinned_proc).
 */
static int
remote_table(struct nb_sysctl *h, struct nb__tab *tab)
{
	struct remote *rm = h->priv;
	const char *comp[NB_SYSCTL_MAXDEPTH];
	size_t lens[NB_SYSCTL_MAXDEPTH], rowsize;
	unsigned rdflags = tab->rdflags & (NB_SYSCTL_RD_PERCPU | NB_SYSCTL_RD_NOMCAST |
	    NB_SYSCTL_RD_NOPCBX);
	unsigned nkey = 0, d, k, c;
	bool percpu = (rdflags & NB_SYSCTL_RD_PERCPU) != 0, flags = false;
	struct rbuf r;
	uint8_t kind;
	int error;

	if (rm->ver < 2 || wire_tab_layout(tab->cols, tab->ncols, NULL, &rowsize) != 0 ||
	    wire_tab_unpinned_proc(tab->pcomp, tab->plen, tab->pn, tab->cols, tab->ncols))
		return NB__TAB_WALK;
	rm->req.len = 0;
	wire_tabreq_encode(&rm->req, rdflags, tab->pcomp, tab->plen, tab->pn, tab->cols,
	    tab->ncols);
	if (rm->req.len > NB_SYSCTL_WIRE_MAXREQ) /* columns past a request frame */
		return NB__TAB_WALK;
	if (rm->row == NULL && (rm->row = calloc(1, sizeof(*rm->row))) == NULL)
		return -ENOMEM;
	for (d = 0; d < tab->pn; d++) {
		comp[d] = tab->pcomp[d];
		lens[d] = tab->plen[d];
		nkey += tab->wild >> d & 1;
	}
	if ((error = send_req(h, rm)) != 0)
		return error;
	for (;;) {
		if ((error = recv_frame(h, rm, &r)) != 0)
			return error;
		kind = rbuf_u8(&r);
		if (kind == WK_END)
			break;
		if (kind == WK_COLFLAGS) {
			if (rbuf_varint(&r) != tab->ncols)
				return malformed(h);
			for (c = 0; c < tab->ncols; c++)
				tab->t->colflags[c] = (unsigned)rbuf_varint(&r);
			if (r.bad || r.p != r.end)
				return malformed(h);
			flags = true;
			continue;
		}
		if (kind != WK_ROWS || flags)
			return malformed(h);
		while (r.p < r.end) {
			struct wire_row *w = rm->row;

			if (wire_row_decode(&r, w, nkey, tab->cols, tab->ncols, percpu) != 0)
				return malformed(h);
			for (d = 0, k = 0; d < tab->pn; d++)
				if ((tab->wild >> d & 1) != 0) {
					comp[d] = w->key[k];
					lens[d] = w->klen[k++];
				}
			if ((error = nb__tab_row(tab, comp, lens)) != 0)
				return error;
			tab->id->index = w->index;
			tab->id->gen = w->gen;
			for (c = 0; c < tab->ncols; c++)
				if ((w->present[c / 64] >> (c % 64) & 1) != 0 &&
				    (error = nb__tab_put(tab, c, &w->val[c])) != 0)
					return error;
		}
	}
	tab->inrow = false;
	return recv_end(h, rm, &r);
}

static int64_t
remote_sample_time(const struct nb_sysctl *h)
{
	const struct remote *rm = h->priv;

	return rm->sample_ns;
}

static void
remote_close(struct nb_sysctl *h)
{
	struct remote *rm = h->priv;

	if (rm == NULL)
		return;
	if (rm->fd >= 0)
		close(rm->fd);
	wbuf_free(&rm->req);
	free(rm->resp);
	wire_dec_free(&rm->dec);
	if (rm->row != NULL)
		free(rm->row->pc);
	free(rm->row);
	free(rm);
	h->priv = NULL;
}

static const struct nb_sysctl_backend_ops remote_ops = {
	.name = "remote",
	.walk = remote_walk,
	.write = remote_write,
	.sample = remote_sample,
	.sample_time = remote_sample_time,
	.close = remote_close,
	.table = remote_table,
};

int
nb__sysctl_remote_open(struct nb_sysctl *h, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct remote *rm;
	int error;

	if (path == NULL || *path == '\0') {
		nb__sysctl_errdetail(h, "no socket path");
		return -EINVAL;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		nb__sysctl_errdetail(h, "%s", strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	if ((rm = calloc(1, sizeof(*rm))) == NULL)
		return -ENOMEM;
	h->ops = &remote_ops;
	h->priv = rm;
	memcpy(sa.sun_path, path, strlen(path));
	if ((rm->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(rm->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		error = -errno;
		nb__sysctl_errdetail(h, "%s", strerror(-error));
		return error;
	}
	/* The first sample is implicit: the daemon's counters are refreshed for it.
	 * A daemon of version 1 refuses it: speak version 1 then. */
	rm->ver = WIRE_VERSION;
	if ((error = remote_sample(h)) == -EPROTONOSUPPORT) {
		rm->ver = 1;
		h->errdetail[0] = '\0';
		error = remote_sample(h);
	}
	return error;
}

/* ---- serving ---- */

/* Is the entry a process's file (kern.proc.<pid>...) the peer may not see? */
static bool
hidden(const struct nb_sysctl_entry *e, const struct nb_sysctl_peer *peer, long *pid_cache,
    bool *hide_cache)
{
	char path[64], *end;
	struct stat st;
	long pid;

	if (peer->uid == 0 || e->ncomp < 3 || e->complen[0] != 4 ||
	    memcmp(e->comp[0], "kern", 4) != 0 || e->complen[1] != 4 ||
	    memcmp(e->comp[1], "proc", 4) != 0)
		return false;
	pid = strtol(e->comp[2], &end, 10);
	if (*end != '\0' || pid <= 0)
		return false; /* kern.proc.denied and the like */
	if (pid != *pid_cache) {
		snprintf(path, sizeof(path), "/proc/%ld", pid);
		*pid_cache = pid;
		*hide_cache = stat(path, &st) != 0 || st.st_uid != peer->uid;
	}
	return *hide_cache;
}

struct serve {
	unsigned ver; /* of the request: its response's frames */
	uint8_t kind; /* of the frame being filled */
	struct wbuf out;
	struct wire_enc enc;
	const struct nb_sysctl_peer *peer;
	nb_sysctl_emit_fn emit;
	void *arg;
	unsigned minsame; /* since the last entry sent */
	long pid_cache;
	bool hide_cache;
	int error;
};

static int
flush(struct serve *s)
{
	int error;

	if (s->out.oom)
		return -ENOMEM;
	if (s->out.len <= 2)
		return 0;
	error = s->emit(s->out.p, s->out.len, s->arg);
	s->out.len = 0;
	wbuf_u8(&s->out, (uint8_t)s->ver);
	wbuf_u8(&s->out, s->kind);
	return error;
}

/* Start frames of `kind` (what was being filled is sent first). */
static int
frame_kind(struct serve *s, uint8_t kind)
{
	int error = flush(s);

	s->kind = kind;
	s->out.len = 0;
	wbuf_u8(&s->out, (uint8_t)s->ver);
	wbuf_u8(&s->out, kind);
	return error;
}

/* Is row i of t (pattern comp[0..n), keys at the '*'s) a process the peer may not see? */
static bool
row_hidden(const struct wire_req *rq, const struct nb_sysctl_table *t, size_t i,
    const struct nb_sysctl_peer *peer, long *pid_cache, bool *hide_cache)
{
	const char *comp[3];
	size_t lens[3];
	struct nb_sysctl_entry e = { .comp = comp, .complen = lens, .ncomp = 3 };
	unsigned d, k = 0;

	if (peer->uid == 0 || rq->ncomp < 3)
		return false;
	for (d = 0; d < 3; d++) {
		if (rq->lens[d] == 1 && rq->comp[d][0] == '*') {
			comp[d] = t->ids[i].key[k++];
			lens[d] = strlen(comp[d]);
		} else {
			comp[d] = rq->comp[d];
			lens[d] = rq->lens[d];
		}
	}
	return hidden(&e, peer, pid_cache, hide_cache);
}

/*
 * TABLE: the table read natively on the serving handle, its rows encoded
 * (the processes the peer may not see left out, as a walk leaves out
 * their entries), then the columns' flags.
 */
static int
serve_table(struct nb_sysctl *h, const struct wire_req *rq, struct serve *s)
{
	char pattern[NB_SYSCTL_NAMEMAX + 1];
	struct nb_sysctl_table t;
	bool percpu = (rq->rdflags & NB_SYSCTL_RD_PERCPU) != 0;
	unsigned rdflags = rq->rdflags & (NB_SYSCTL_RD_PERCPU | NB_SYSCTL_RD_NOMCAST |
	    NB_SYSCTL_RD_NOPCBX);
	struct nb_sysctl_entry named = { .comp = rq->comp, .complen = rq->lens };
	unsigned d;
	int status;

	for (d = 0; d < rq->ncomp && !(rq->lens[d] == 1 && rq->comp[d][0] == '*'); d++)
		;
	named.ncomp = d; /* the part before the first '*' */
	if (s->peer->uid != 0 &&
	    (hidden(&named, s->peer, &s->pid_cache, &s->hide_cache) ||
	     wire_tab_unpinned_proc(rq->comp, rq->lens, rq->ncomp, rq->cols, rq->ncols)))
		return -EACCES;
	if (nb__sysctl_join(rq->comp, rq->lens, rq->ncomp, pattern, sizeof(pattern)) >=
	    sizeof(pattern))
		return -ENAMETOOLONG;
	status = nb_sysctl_table_read(h, pattern, rq->cols, rq->ncols, rq->rowsize, rdflags, &t);
	if (status == 0 && (s->error = frame_kind(s, WK_ROWS)) == 0) {
		for (size_t i = 0; i < t.nrows && s->error == 0; i++) {
			if (row_hidden(rq, &t, i, s->peer, &s->pid_cache, &s->hide_cache))
				continue;
			wire_row_encode(&s->out, &t, i, rq->cols, percpu);
			if (s->out.oom)
				s->error = -ENOMEM;
			else if (s->out.len >= WIRE_BATCH)
				s->error = flush(s);
		}
		if (s->error == 0 && (s->error = frame_kind(s, WK_COLFLAGS)) == 0) {
			wbuf_varint(&s->out, rq->ncols);
			for (unsigned c = 0; c < rq->ncols; c++)
				wbuf_varint(&s->out, t.colflags[c]);
			s->error = frame_kind(s, WK_ENTRIES);
		}
	}
	nb_sysctl_table_free(&t);
	return status;
}

static int
serve_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct serve *s = arg;
	unsigned same = e->same < s->minsame ? e->same : s->minsame;

	if (hidden(e, s->peer, &s->pid_cache, &s->hide_cache)) {
		s->minsame = same;
		return 0;
	}
	wire_entry_encode(&s->out, &s->enc, e, same);
	s->minsame = NB_SYSCTL_MAXDEPTH;
	if (s->out.len >= WIRE_BATCH && (s->error = flush(s)) != 0)
		return s->error;
	return s->out.oom ? (s->error = -ENOMEM) : 0;
}

int
nb_sysctl_serve(struct nb_sysctl *h, const struct nb_sysctl_peer *peer, const void *req,
    size_t len, nb_sysctl_emit_fn emit, void *arg, char *note, size_t notelen)
{
	struct wire_req *rq;
	struct serve s = { 0 };
	int error, status = 0;

	if (note != NULL && notelen > 0)
		note[0] = '\0';
	if ((rq = malloc(sizeof(*rq))) == NULL)
		return -ENOMEM;
	if ((error = wire_req_decode(req, len, rq)) == -EPROTO)
		goto out;
	s.peer = peer;
	s.emit = emit;
	s.arg = arg;
	s.minsame = 0;
	s.pid_cache = -1;
	/* A refusal of the version is in version 1, which every client reads. */
	s.ver = error == -EPROTONOSUPPORT ? 1 : rq->version;
	s.kind = WK_ENTRIES;
	wbuf_u8(&s.out, (uint8_t)s.ver);
	wbuf_u8(&s.out, WK_ENTRIES);
	h->errdetail[0] = '\0';
	if (error == -EPROTONOSUPPORT) {
		status = error;
		nb__sysctl_errdetail(h, "protocol versions %u to %u only", WIRE_VERSION_MIN,
		    WIRE_VERSION);
	} else if (rq->op == WOP_TABLE) {
		status = serve_table(h, rq, &s);
		if (s.error != 0) {
			error = s.error; /* the emitter failed: the client is gone */
			goto out;
		}
	} else if (rq->op == WOP_SAMPLE) {
		struct timespec ts;

		/* One refresh serves the clients that ask within SHARE_NS of it. */
		clock_gettime(CLOCK_REALTIME, &ts);
		if ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - nb_sysctl_sample_time(h) >
		    SHARE_NS)
			status = nb_sysctl_sample(h);
	} else if (rq->op == WOP_WALK) {
		struct nb_sysctl_entry named = { .comp = rq->comp, .complen = rq->lens, .ncomp = rq->ncomp };

		/* A process the peer may not see, named: what a local read says. */
		if (hidden(&named, peer, &s.pid_cache, &s.hide_cache))
			status = -EACCES;
		else
			status = nb_sysctl_walkv(h, rq->comp, rq->ncomp, rq->rdflags, serve_cb, &s);
		if (s.error != 0) {
			error = s.error; /* the emitter failed: the client is gone */
			goto out;
		}
	} else {
		char name[NB_SYSCTL_NAMEMAX + 1];

		(void)nb__sysctl_join(rq->comp, rq->lens, rq->ncomp, name, sizeof(name));
		if (!peer->may_write)
			status = -EPERM; /* writes only from root or the socket's owner */
		else
			status = nb_sysctl_write(h, name, rq->value);
		if (note != NULL)
			snprintf(note, notelen, "write %s=%s by uid %u pid %d: %s", name, rq->value,
			    (unsigned)peer->uid, (int)peer->pid,
			    status == 0 ? "done" : strerror(-status));
	}
	if ((error = flush(&s)) != 0)
		goto out;
	s.out.len = 0;
	wbuf_u8(&s.out, (uint8_t)s.ver);
	wbuf_u8(&s.out, WK_END);
	wbuf_varint(&s.out, zz_enc(status < 0 ? status : 0));
	wbuf_varint(&s.out, (uint64_t)nb_sysctl_sample_time(h));
	wbuf_bytes(&s.out, h->errdetail, strlen(h->errdetail));
	error = s.out.oom ? -ENOMEM : emit(s.out.p, s.out.len, arg);
out:
	wbuf_free(&s.out);
	wire_enc_free(&s.enc);
	free(rq);
	return error;
}
