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
#include <stddef.h>
#include <stdint.h>
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
wire_req_encode(struct wbuf *b, unsigned version, enum wire_op op, unsigned rdflags,
    const char *const *comp, const size_t *lens, unsigned n, const char *value)
{
	wbuf_u8(b, (uint8_t)version);
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

void
wire_tabreq_encode(struct wbuf *b, unsigned rdflags, const char *const *comp, const size_t *lens,
    unsigned n, const struct nb_sysctl_column *cols, unsigned ncols)
{
	wbuf_u8(b, 2);
	wbuf_u8(b, WOP_TABLE);
	wbuf_varint(b, rdflags);
	wbuf_varint(b, n);
	for (unsigned i = 0; i < n; i++)
		wbuf_bytes(b, comp[i], lens[i]);
	wbuf_varint(b, ncols);
	for (unsigned i = 0; i < ncols; i++) {
		wbuf_bytes(b, cols[i].leaf, strlen(cols[i].leaf));
		wbuf_varint(b, (uint64_t)cols[i].type);
		if (cols[i].type == NB_SYSCTL_STRING || cols[i].type == NB_SYSCTL_ADDRESS)
			wbuf_varint(b, cols[i].size);
	}
}

static bool
is_text(enum nb_sysctl_type t)
{
	return t == NB_SYSCTL_STRING || t == NB_SYSCTL_ADDRESS;
}

int
wire_tab_layout(const struct nb_sysctl_column *cols, unsigned ncols,
    struct nb_sysctl_column *out, size_t *rowsize)
{
	size_t off = 0, need;

	if (ncols > NB_SYSCTL_TABLE_MAXCOLS)
		return -EINVAL;
	for (unsigned i = 0; i < ncols; i++) {
		switch (cols[i].type) {
		case NB_SYSCTL_INT:
		case NB_SYSCTL_U64:
		case NB_SYSCTL_BOOL:
			need = 8;
			break;
		case NB_SYSCTL_STRING:
		case NB_SYSCTL_ADDRESS:
			if (cols[i].size == 0 || cols[i].size > WIRE_STRMAX)
				return -EINVAL;
			need = (cols[i].size + 7) & ~(size_t)7;
			break;
		case NB_SYSCTL_INADDR:
			need = sizeof(struct nb_sysctl_inaddr);
			break;
		default:
			return -EINVAL;
		}
		if (out != NULL) {
			out[i] = cols[i];
			out[i].offset = off;
			if (!is_text(cols[i].type))
				out[i].size = 0;
		}
		off += need;
		if (off > WIRE_ROWMAX)
			return -EINVAL;
	}
	*rowsize = off;
	return 0;
}

static bool
is_pid(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Pattern component d admits `name`: equal, or a '*'. */
static bool
pat_admits(const char *const *comp, const size_t *lens, unsigned d, const char *name)
{
	size_t n = strlen(name);

	return (lens[d] == 1 && comp[d][0] == '*') ||
	    (lens[d] == n && memcmp(comp[d], name, n) == 0);
}

bool
wire_tab_unpinned_proc(const char *const *comp, const size_t *lens, unsigned n,
    const struct nb_sysctl_column *cols, unsigned ncols)
{
	static const char *const path[2] = { "kern", "proc" };
	unsigned d;

	if (n >= 3)
		return false; /* rows at or below kern.proc.<pid>: their keys say which */
	for (d = 0; d < n; d++)
		if (!pat_admits(comp, lens, d, path[d]))
			return false;
	for (unsigned i = 0; i < ncols; i++) {
		const char *p = cols[i].leaf, *dot;
		bool reach = true;

		/* The leaf's components continue the path at depth n. */
		for (d = n; d < 3 && reach; d++) {
			size_t len;

			dot = strchr(p, '.');
			len = dot != NULL ? (size_t)(dot - p) : strlen(p);
			if (d < 2)
				reach = len == strlen(path[d]) && memcmp(p, path[d], len) == 0 &&
				    dot != NULL;
			else
				reach = is_pid(p, len);
			if (dot != NULL)
				p = dot + 1;
		}
		if (reach)
			return true;
	}
	return false;
}

int
wire_req_decode(const void *p, size_t len, struct wire_req *rq)
{
	struct rbuf r = { p, (const uint8_t *)p + len, false };
	const uint8_t *s;
	size_t used = 0, n, total = 0;
	uint64_t v;

	memset(rq, 0, offsetof(struct wire_req, cols));
	v = rbuf_u8(&r);
	rq->op = rbuf_u8(&r);
	/* A later version's request of a known kind is answered; garbage is not. */
	if (r.bad || rq->op < WOP_WALK || rq->op > WOP_TABLE)
		return -EPROTO;
	if (v < WIRE_VERSION_MIN || v > WIRE_VERSION)
		return -EPROTONOSUPPORT;
	rq->version = (unsigned)v;
	if (rq->op == WOP_TABLE && v < 2)
		return -EPROTO; /* version 1 has no TABLE */
	if (rq->op == WOP_SAMPLE)
		return r.p == r.end ? 0 : -EPROTO;
	if (rq->op == WOP_WALK || rq->op == WOP_TABLE) {
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
	if (rq->op == WOP_TABLE) {
		struct nb_sysctl_column asked[NB_SYSCTL_TABLE_MAXCOLS];

		v = rbuf_varint(&r);
		if (r.bad || v > NB_SYSCTL_TABLE_MAXCOLS)
			return -EPROTO;
		rq->ncols = (unsigned)v;
		for (unsigned i = 0; i < rq->ncols; i++) {
			s = rbuf_bytes(&r, NB_SYSCTL_NAMEMAX, &n);
			if (s == NULL || n == 0 || memchr(s, '\0', n) != NULL ||
			    used + n + 1 > sizeof(rq->buf))
				return -EPROTO;
			memcpy(rq->buf + used, s, n);
			rq->buf[used + n] = '\0';
			asked[i].leaf = rq->buf + used;
			used += n + 1;
			v = rbuf_varint(&r);
			if (v != NB_SYSCTL_INT && v != NB_SYSCTL_U64 && v != NB_SYSCTL_BOOL &&
			    v != NB_SYSCTL_STRING && v != NB_SYSCTL_ADDRESS && v != NB_SYSCTL_INADDR)
				return -EPROTO;
			asked[i].type = (enum nb_sysctl_type)v;
			asked[i].offset = 0;
			asked[i].size = is_text(asked[i].type) ? (size_t)rbuf_varint(&r) : 0;
		}
		if (r.bad || wire_tab_layout(asked, rq->ncols, rq->cols, &rq->rowsize) != 0)
			return -EPROTO;
	}
	return r.p == r.end && !r.bad ? 0 : -EPROTO;
}

/* ---- table rows ---- */

void
wire_row_encode(struct wbuf *b, const struct nb_sysctl_table *t, size_t row,
    const struct nb_sysctl_column *cols, bool percpu)
{
	const struct nb_sysctl_rowid *id = &t->ids[row];
	const char *rp = (const char *)t->rows + row * t->rowsize;
	unsigned c, nw = (t->ncols + 63) / 64;

	for (unsigned k = 0; k < id->nkey; k++)
		wbuf_bytes(b, id->key[k], strlen(id->key[k]));
	wbuf_varint(b, zz_enc(id->index));
	wbuf_varint(b, id->gen);
	for (unsigned w = 0; w < nw; w++)
		wbuf_varint(b, id->present[w]);
	for (c = 0; c < t->ncols; c++) {
		const char *f = rp + cols[c].offset;

		if (!nb_sysctl_row_has(id, c))
			continue;
		switch (cols[c].type) {
		case NB_SYSCTL_INT: {
			int64_t x;

			memcpy(&x, f, sizeof(x));
			wbuf_varint(b, zz_enc(x));
			break;
		}
		case NB_SYSCTL_U64: {
			uint64_t x;

			memcpy(&x, f, sizeof(x));
			wbuf_varint(b, x);
			break;
		}
		case NB_SYSCTL_BOOL: {
			bool x;

			memcpy(&x, f, sizeof(x));
			wbuf_u8(b, x ? 1 : 0);
			break;
		}
		case NB_SYSCTL_INADDR:
			/* its text: the reader's store makes the rest of it again */
			wbuf_bytes(b, f, strnlen(f, NB_SYSCTL_INADDR_TEXT - 1));
			break;
		default:
			wbuf_bytes(b, f, strnlen(f, cols[c].size));
			break;
		}
	}
	if (!percpu)
		return;
	for (c = 0; c < t->ncols; c++) {
		const uint64_t *vec;
		unsigned n;

		if (!nb_sysctl_row_has(id, c))
			continue;
		vec = nb_sysctl_table_percpu(t, row, c, &n);
		wbuf_varint(b, vec != NULL ? n : 0);
		for (unsigned i = 0; vec != NULL && i < n; i++)
			wbuf_varint(b, vec[i]);
	}
}

int
wire_row_decode(struct rbuf *r, struct wire_row *w, unsigned nkey,
    const struct nb_sysctl_column *cols, unsigned ncols, bool percpu)
{
	const uint8_t *s;
	size_t len, max, at = 0;
	unsigned c, nw = (ncols + 63) / 64;

	if (nkey > NB_SYSCTL_TABLE_MAXKEYS || ncols > NB_SYSCTL_TABLE_MAXCOLS)
		return -EPROTO;
	for (unsigned k = 0; k < nkey; k++) {
		if ((s = rbuf_bytes(r, NB_SYSCTL_NAMEMAX, &len)) == NULL || len == 0 ||
		    memchr(s, '\0', len) != NULL)
			return -EPROTO;
		w->key[k] = (const char *)s;
		w->klen[k] = len;
	}
	w->index = zz_dec(rbuf_varint(r));
	w->gen = rbuf_varint(r);
	memset(w->present, 0, sizeof(w->present));
	for (unsigned i = 0; i < nw; i++)
		w->present[i] = rbuf_varint(r);
	/* No bit past the last column. */
	if (ncols % 64 != 0 && nw > 0 && (w->present[nw - 1] >> (ncols % 64)) != 0)
		return -EPROTO;
	for (c = 0; c < ncols; c++) {
		struct nb_sysctl_value *v = &w->val[c];

		if ((w->present[c / 64] >> (c % 64) & 1) == 0)
			continue;
		memset(v, 0, sizeof(*v));
		v->type = cols[c].type;
		switch (cols[c].type) {
		case NB_SYSCTL_INT:
			v->i = zz_dec(rbuf_varint(r));
			break;
		case NB_SYSCTL_U64:
			v->u = rbuf_varint(r);
			break;
		case NB_SYSCTL_BOOL: {
			uint8_t x = rbuf_u8(r);

			if (x > 1)
				return -EPROTO;
			v->b = x != 0;
			break;
		}
		default:
			/* Text that fits the column with its NUL, as the daemon cut it
			 * (INADDR: its text). */
			max = cols[c].size > 0 ? cols[c].size - 1 : 0;
			if (cols[c].type == NB_SYSCTL_INADDR)
				max = NB_SYSCTL_INADDR_TEXT - 1;
			if ((s = rbuf_bytes(r, max, &len)) == NULL ||
			    memchr(s, '\0', len) != NULL)
				return -EPROTO;
			v->str = (const char *)s;
			v->len = len;
			break;
		}
		if (r->bad)
			return -EPROTO;
	}
	if (!percpu)
		return r->bad ? -EPROTO : 0;
	/* Vectors: offsets while w->pc grows, pointers once it is whole. */
	for (c = 0; c < ncols; c++) {
		uint64_t n;

		if ((w->present[c / 64] >> (c % 64) & 1) == 0)
			continue;
		if ((n = rbuf_varint(r)) > NCPU_MAX || n > (uint64_t)(r->end - r->p))
			return -EPROTO;
		if (at + n > w->pccap) {
			size_t cap = (at + n) * 2;
			uint64_t *pc = reallocarray(w->pc, cap, sizeof(*pc));

			if (pc == NULL)
				return -ENOMEM;
			w->pc = pc;
			w->pccap = cap;
		}
		for (uint64_t i = 0; i < n; i++)
			w->pc[at + i] = rbuf_varint(r);
		w->val[c].ncpu = (unsigned)n;
		w->pcoff[c] = at;
		at += n;
	}
	for (c = 0; c < ncols; c++)
		if ((w->present[c / 64] >> (c % 64) & 1) != 0 && w->val[c].ncpu > 0)
			w->val[c].percpu = w->pc + w->pcoff[c];
	return r->bad ? -EPROTO : 0;
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
