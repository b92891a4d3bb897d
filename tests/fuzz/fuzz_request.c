/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_request.c - nbstatd's request decoder and its serving: any bytes as
 * one request frame's payload are either refused (-EPROTO, nothing sent)
 * or answered by frames that the client's decoder reads back (walk
 * entries, table rows and the columns' flags), in the request's version
 * (version 1 for a refused version), ending with exactly one END. A
 * request that decodes, encoded again, decodes to the same request (one
 * codec for both ends). Served from a LOCAL handle over an
 * empty stack (the static nodes), as an unprivileged peer that may write.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nbstack/stack.h"
#include "sysctl-tree/sysctl.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	unsigned ends, frames, ver;
	struct wire_dec dec;
	const struct wire_req *rq; /* decoded (a TABLE's rows need its columns) */
	struct wire_row row;
};

static int
check_frame(const void *buf, size_t len, void *arg)
{
	struct seen *s = arg;
	struct rbuf r = { buf, (const uint8_t *)buf + len, false };
	struct nb_sysctl_entry e;
	uint8_t kind;

	if (s->ends != 0 || rbuf_u8(&r) != s->ver)
		abort(); /* nothing after END; every frame in the request's version */
	s->frames++;
	kind = rbuf_u8(&r);
	if (kind == WK_END) {
		s->ends++;
		(void)rbuf_varint(&r);
		(void)rbuf_varint(&r);
		size_t dl;
		if (rbuf_bytes(&r, 1024, &dl) == NULL && dl != 0)
			abort();
		if (r.bad || r.p != r.end)
			abort();
		return 0;
	}
	if (kind == WK_ROWS || kind == WK_COLFLAGS) {
		unsigned nkey = 0;

		if (s->rq == NULL || s->rq->op != WOP_TABLE)
			abort();
		for (unsigned d = 0; d < s->rq->ncomp; d++)
			nkey += s->rq->lens[d] == 1 && s->rq->comp[d][0] == '*';
		if (kind == WK_COLFLAGS) {
			if (rbuf_varint(&r) != s->rq->ncols)
				abort();
			for (unsigned c = 0; c < s->rq->ncols; c++)
				(void)rbuf_varint(&r);
			if (r.bad || r.p != r.end)
				abort();
			return 0;
		}
		while (r.p < r.end)
			if (wire_row_decode(&r, &s->row, nkey, s->rq->cols, s->rq->ncols,
			        (s->rq->rdflags & NB_SYSCTL_RD_PERCPU) != 0) != 0)
				abort();
		return 0;
	}
	if (kind != WK_ENTRIES)
		abort();
	while (r.p < r.end)
		if (wire_entry_decode(&r, &s->dec, &e) != 0)
			abort(); /* what the server encodes, the client decodes */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nb_stack *st;
	static struct nb_sysctl *h;
	struct nb_sysctl_peer peer = { .uid = 65534, .pid = 1, .may_write = true };
	struct seen s = { 0 };
	struct wire_req *rq;
	struct wbuf b = { 0 };
	int rc;

	if (h == NULL) {
		struct nb_stack_config cfg = { 0 };

		if (nb_stack_create(&cfg, &st) != 0 || nb_sysctl_open_stack(st, NULL, &h) != 0)
			abort();
	}
	if ((rq = malloc(sizeof(*rq))) == NULL)
		return 0;
	rc = wire_req_decode(data, size, rq);
	if (rc == 0) {
		struct wire_req *rq2 = malloc(sizeof(*rq2));

		/* Encoded again (canonical varints), it decodes to the same request. */
		if (rq->op == WOP_TABLE)
			wire_tabreq_encode(&b, rq->rdflags, rq->comp, rq->lens, rq->ncomp, rq->cols,
			    rq->ncols);
		else
			wire_req_encode(&b, rq->version, rq->op, rq->rdflags, rq->comp, rq->lens,
			    rq->ncomp, rq->value);
		if (rq2 == NULL || b.oom || wire_req_decode(b.p, b.len, rq2) != 0 ||
		    rq2->version != rq->version || rq2->op != rq->op ||
		    rq2->rdflags != rq->rdflags || rq2->ncomp != rq->ncomp ||
		    rq2->ncols != rq->ncols || rq2->rowsize != rq->rowsize ||
		    (rq->value == NULL) != (rq2->value == NULL) ||
		    (rq->value != NULL && strcmp(rq->value, rq2->value) != 0))
			abort();
		for (unsigned c = 0; c < rq->ncols; c++)
			if (strcmp(rq2->cols[c].leaf, rq->cols[c].leaf) != 0 ||
			    rq2->cols[c].type != rq->cols[c].type ||
			    rq2->cols[c].offset != rq->cols[c].offset ||
			    rq2->cols[c].size != rq->cols[c].size)
				abort();
		for (unsigned i = 0; i < rq->ncomp; i++)
			if (rq2->lens[i] != rq->lens[i] ||
			    memcmp(rq2->comp[i], rq->comp[i], rq->lens[i]) != 0)
				abort();
		free(rq2);
		wbuf_free(&b);
	}
	s.rq = rc == 0 ? rq : NULL;
	s.ver = rc == 0 ? rq->version : 1;
	rc = nb_sysctl_serve(h, &peer, data, size, check_frame, &s, NULL, 0);
	if (rc == -EPROTO ? s.frames != 0 : rc != 0 || s.ends != 1)
		abort();
	wire_dec_free(&s.dec);
	free(s.row.pc);
	free(rq);
	return 0;
}
