/* SPDX-License-Identifier: BSD-2-Clause */
/* wire.c - nbstatd's protocol: the one encoder and decoder of requests and walk entries (docs/protocol.md). */
/*
 * Everything is a LEB128 varint or a varint-length byte string, so a
 * counter of 0 costs one byte and no field has a fixed width to outgrow.
 * An entry sends only the components after those it shares with the
 * previous entry (the walk's `same`), and a description once per response
 * (then its number). Decoders check every length against what is left and
 * against the tree's limits; nothing they read can make them read or
 * allocate past those. Pure functions over caller state: no locking.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define DTEXT_MAX (1u << 20) /* descriptions per response */
#define NCPU_MAX 65536u

/* ---- buffers ---- */

static void
wbuf_reserve(struct wbuf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->oom || b->len + n <= b->cap)
		return;
	cap = b->cap != 0 ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->oom = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

void
wbuf_free(struct wbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void
wbuf_u8(struct wbuf *b, uint8_t v)
{
	wbuf_reserve(b, 1);
	if (!b->oom)
		b->p[b->len++] = v;
}

void
wbuf_varint(struct wbuf *b, uint64_t v)
{
	wbuf_reserve(b, 10);
	if (b->oom)
		return;
	while (v >= 0x80) {
		b->p[b->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->p[b->len++] = (uint8_t)v;
}

void
wbuf_bytes(struct wbuf *b, const void *p, size_t n)
{
	wbuf_varint(b, n);
	wbuf_reserve(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

uint8_t
rbuf_u8(struct rbuf *r)
{
	if (r->p >= r->end) {
		r->bad = true;
		return 0;
	}
	return *r->p++;
}

uint64_t
rbuf_varint(struct rbuf *r)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t c;

	do {
		if (r->p >= r->end || shift > 63) {
			r->bad = true;
			return 0;
		}
		c = *r->p++;
		v |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
	} while (c & 0x80);
	return v;
}

const uint8_t *
rbuf_bytes(struct rbuf *r, size_t max, size_t *len)
{
	uint64_t n = rbuf_varint(r);
	const uint8_t *p = r->p;

	if (r->bad || n > max || n > (uint64_t)(r->end - r->p)) {
		r->bad = true;
		*len = 0;
		return NULL;
	}
	r->p += n;
	*len = (size_t)n;
	return p;
}

/* ---- requests ---- */

void
wire_req_encode(struct wbuf *b, enum wire_op op, unsigned rdflags, const char *const *comp,
    const size_t *lens, unsigned n, const char *value)
{
	wbuf_u8(b, WIRE_VERSION);
	wbuf_u8(b, (uint8_t)op);
	if (op == WOP_SAMPLE)
		return;
	if (op == WOP_WALK)
		wbuf_varint(b, rdflags);
	wbuf_varint(b, n);
	for (unsigned i = 0; i < n; i++)
		wbuf_bytes(b, comp[i], lens[i]);
	if (op == WOP_WRITE)
		wbuf_bytes(b, value, strlen(value));
}

int
wire_req_decode(const void *p, size_t len, struct wire_req *rq)
{
	struct rbuf r = { p, (const uint8_t *)p + len, false };
	const uint8_t *s;
	size_t used = 0, n, total = 0;
	uint64_t v;

	memset(rq, 0, offsetof(struct wire_req, buf));
	v = rbuf_u8(&r);
	rq->op = rbuf_u8(&r);
	/* A later version's request of a known kind is answered; garbage is not. */
	if (r.bad || rq->op < WOP_WALK || rq->op > WOP_SAMPLE)
		return -EPROTO;
	if (v != WIRE_VERSION)
		return -EPROTONOSUPPORT;
	if (rq->op == WOP_SAMPLE)
		return r.p == r.end ? 0 : -EPROTO;
	if (rq->op == WOP_WALK) {
		v = rbuf_varint(&r);
		if (v > 0xff)
			return -EPROTO;
		rq->rdflags = (unsigned)v;
	}
	v = rbuf_varint(&r);
	if (r.bad || v > NB_SYSCTL_MAXDEPTH)
		return -EPROTO;
	rq->ncomp = (unsigned)v;
	for (unsigned i = 0; i < rq->ncomp; i++) {
		s = rbuf_bytes(&r, NB_SYSCTL_NAMEMAX, &n);
		if (s == NULL || n == 0 || memchr(s, '\0', n) != NULL ||
		    (total += n + 1) > NB_SYSCTL_NAMEMAX)
			return -EPROTO;
		memcpy(rq->buf + used, s, n);
		rq->buf[used + n] = '\0';
		rq->comp[i] = rq->buf + used;
		rq->lens[i] = n;
		used += n + 1;
	}
	if (rq->op == WOP_WRITE) {
		s = rbuf_bytes(&r, 4096, &n);
		if (s == NULL || memchr(s, '\0', n) != NULL)
			return -EPROTO;
		memcpy(rq->buf + used, s, n);
		rq->buf[used + n] = '\0';
		rq->value = rq->buf + used;
	}
	return r.p == r.end && !r.bad ? 0 : -EPROTO;
}

/* ---- entries ---- */

void
wire_enc_reset(struct wire_enc *e)
{
	if (e->dkey != NULL)
		memset(e->dkey, 0, e->dcap * sizeof(*e->dkey));
	e->dn = 0;
}

void
wire_enc_free(struct wire_enc *e)
{
	free(e->dkey);
	free(e->did);
	memset(e, 0, sizeof(*e));
}

static size_t
phash(const char *p, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

/* The number of a description already sent in this response, 0 if new (then it is numbered). */
static uint32_t
descr_id(struct wire_enc *e, const char *d, bool *oom)
{
	size_t i;

	if (e->dn * 2 >= e->dcap) {
		size_t cap = e->dcap != 0 ? e->dcap * 2 : 256;
		const char **k = calloc(cap, sizeof(*k));
		uint32_t *id = calloc(cap, sizeof(*id));

		if (k == NULL || id == NULL) {
			free(k);
			free(id);
			*oom = true;
			return 0;
		}
		for (size_t j = 0; j < e->dcap; j++) {
			if (e->dkey[j] == NULL)
				continue;
			for (i = phash(e->dkey[j], cap); k[i] != NULL; i = (i + 1) & (cap - 1))
				;
			k[i] = e->dkey[j];
			id[i] = e->did[j];
		}
		free(e->dkey);
		free(e->did);
		e->dkey = k;
		e->did = id;
		e->dcap = cap;
	}
	for (i = phash(d, e->dcap); e->dkey[i] != NULL; i = (i + 1) & (e->dcap - 1))
		if (e->dkey[i] == d)
			return e->did[i];
	e->dkey[i] = d;
	e->did[i] = (uint32_t)++e->dn;
	return 0;
}

void
wire_entry_encode(struct wbuf *b, struct wire_enc *enc, const struct nb_sysctl_entry *e,
    unsigned same)
{
	const struct nb_sysctl_value *v = &e->val;
	uint32_t id;

	if (same > e->ncomp)
		same = e->ncomp;
	wbuf_varint(b, same);
	wbuf_varint(b, e->ncomp);
	for (unsigned i = same; i < e->ncomp; i++)
		wbuf_bytes(b, e->comp[i], e->complen[i]);
	wbuf_varint(b, (uint64_t)v->type);
	wbuf_varint(b, v->flags);
	/* A description is the same pointer for the whole walk (backend.h). */
	if ((id = descr_id(enc, e->descr, &b->oom)) != 0)
		wbuf_varint(b, id);
	else {
		wbuf_varint(b, 0);
		wbuf_bytes(b, e->descr, strlen(e->descr));
	}
	switch (v->type) {
	case NB_SYSCTL_NODE:
		return;
	case NB_SYSCTL_INT:
		wbuf_varint(b, zz_enc(v->i));
		break;
	case NB_SYSCTL_BOOL:
		wbuf_varint(b, v->b ? 1 : 0);
		break;
	case NB_SYSCTL_STRING:
	case NB_SYSCTL_ADDRESS:
		wbuf_bytes(b, v->str, v->len);
		return;
	default:
		wbuf_varint(b, v->u);
		break;
	}
	if ((v->flags & NB_SYSCTL_F_PERCPU) != 0) {
		unsigned n = v->percpu != NULL ? v->ncpu : 0;

		wbuf_varint(b, n);
		for (unsigned i = 0; i < n; i++)
			wbuf_varint(b, v->percpu[i]);
	}
}

void
wire_dec_reset(struct wire_dec *d)
{
	for (size_t i = 0; i < d->dn; i++)
		free(d->dtext[i]);
	d->dn = 0;
	d->ncomp = 0;
}

void
wire_dec_free(struct wire_dec *d)
{
	wire_dec_reset(d);
	for (unsigned i = 0; i < NB_SYSCTL_MAXDEPTH; i++)
		free(d->cbuf[i]);
	free(d->dtext);
	free(d->sbuf);
	free(d->pc);
	memset(d, 0, sizeof(*d));
}

/* Copy n bytes into *buf (grown to hold them and a NUL). */
static int
keep(char **buf, size_t *cap, const uint8_t *s, size_t n)
{
	char *p;

	if (n + 1 > *cap) {
		if ((p = realloc(*buf, n + 1)) == NULL)
			return -ENOMEM;
		*buf = p;
		*cap = n + 1;
	}
	memcpy(*buf, s, n);
	(*buf)[n] = '\0';
	return 0;
}

int
wire_entry_decode(struct rbuf *r, struct wire_dec *d, struct nb_sysctl_entry *e)
{
	struct nb_sysctl_value *v = &e->val;
	uint64_t same, n, id, x;
	const uint8_t *s;
	size_t len;

	same = rbuf_varint(r);
	n = rbuf_varint(r);
	if (r->bad || n == 0 || n > NB_SYSCTL_MAXDEPTH || same > n || same > d->ncomp)
		return -EPROTO;
	for (unsigned i = (unsigned)same; i < n; i++) {
		if ((s = rbuf_bytes(r, NB_SYSCTL_NAMEMAX, &len)) == NULL || len == 0 ||
		    memchr(s, '\0', len) != NULL)
			return -EPROTO;
		if (keep(&d->cbuf[i], &d->ccap[i], s, len) != 0)
			return -ENOMEM;
		d->comp[i] = d->cbuf[i];
		d->lens[i] = len;
	}
	d->ncomp = (unsigned)n;
	memset(e, 0, sizeof(*e));
	e->comp = d->comp;
	e->complen = d->lens;
	e->ncomp = d->ncomp;
	e->same = (unsigned)same;
	x = rbuf_varint(r);
	if (x != NB_SYSCTL_NODE && x != NB_SYSCTL_INT && x != NB_SYSCTL_STRING &&
	    x != NB_SYSCTL_U64 && x != NB_SYSCTL_BOOL && x != NB_SYSCTL_ADDRESS)
		return -EPROTO;
	v->type = (enum nb_sysctl_type)x;
	if ((x = rbuf_varint(r)) > 0xffff)
		return -EPROTO;
	v->flags = (unsigned)x;
	id = rbuf_varint(r);
	if (id == 0) {
		char **t;

		if ((s = rbuf_bytes(r, 4096, &len)) == NULL || memchr(s, '\0', len) != NULL ||
		    d->dn >= DTEXT_MAX)
			return -EPROTO;
		if (d->dn == d->dcap) {
			size_t cap = d->dcap != 0 ? d->dcap * 2 : 64;

			if ((t = reallocarray(d->dtext, cap, sizeof(*t))) == NULL)
				return -ENOMEM;
			d->dtext = t;
			d->dcap = cap;
		}
		if ((d->dtext[d->dn] = strndup((const char *)s, len)) == NULL)
			return -ENOMEM;
		e->descr = d->dtext[d->dn++];
	} else if (id <= d->dn)
		e->descr = d->dtext[id - 1];
	else
		return -EPROTO;
	switch (v->type) {
	case NB_SYSCTL_NODE:
		return r->bad ? -EPROTO : 0;
	case NB_SYSCTL_INT:
		v->i = zz_dec(rbuf_varint(r));
		break;
	case NB_SYSCTL_BOOL:
		v->b = rbuf_varint(r) != 0;
		break;
	case NB_SYSCTL_STRING:
	case NB_SYSCTL_ADDRESS:
		if ((s = rbuf_bytes(r, 1u << 20, &len)) == NULL || memchr(s, '\0', len) != NULL)
			return -EPROTO;
		if (keep(&d->sbuf, &d->scap, s, len) != 0)
			return -ENOMEM;
		v->str = d->sbuf;
		v->len = len;
		return 0;
	default:
		v->u = rbuf_varint(r);
		break;
	}
	if ((v->flags & NB_SYSCTL_F_PERCPU) != 0) {
		if ((n = rbuf_varint(r)) > NCPU_MAX || n > (uint64_t)(r->end - r->p))
			return -EPROTO;
		if (n > d->pccap) {
			uint64_t *pc = reallocarray(d->pc, n, sizeof(*pc));

			if (pc == NULL)
				return -ENOMEM;
			d->pc = pc;
			d->pccap = (unsigned)n;
		}
		for (unsigned i = 0; i < n; i++)
			d->pc[i] = rbuf_varint(r);
		if (n > 0) {
			v->percpu = d->pc;
			v->ncpu = (unsigned)n;
		}
	}
	return r->bad ? -EPROTO : 0;
}
