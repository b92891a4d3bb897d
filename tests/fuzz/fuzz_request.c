/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_request.c - nbstatd's request decoder and its serving: any bytes as
 * one request frame's payload are either refused (-EPROTO, nothing sent)
 * or answered by frames that the client's decoder reads back, ending with
 * exactly one END. A request that decodes, encoded again, decodes to the
 * same request (one codec for both ends). Served from a LOCAL handle over an
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
	unsigned ends, frames;
	struct wire_dec dec;
};

static int
check_frame(const void *buf, size_t len, void *arg)
{
	struct seen *s = arg;
	struct rbuf r = { buf, (const uint8_t *)buf + len, false };
	struct nb_sysctl_entry e;
	uint8_t kind;

	if (s->ends != 0 || rbuf_u8(&r) != WIRE_VERSION)
		abort(); /* nothing after END; every frame versioned */
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
		wire_req_encode(&b, rq->op, rq->rdflags, rq->comp, rq->lens, rq->ncomp, rq->value);
		if (rq2 == NULL || b.oom || wire_req_decode(b.p, b.len, rq2) != 0 ||
		    rq2->op != rq->op || rq2->rdflags != rq->rdflags || rq2->ncomp != rq->ncomp ||
		    (rq->value == NULL) != (rq2->value == NULL) ||
		    (rq->value != NULL && strcmp(rq->value, rq2->value) != 0))
			abort();
		for (unsigned i = 0; i < rq->ncomp; i++)
			if (rq2->lens[i] != rq->lens[i] ||
			    memcmp(rq2->comp[i], rq->comp[i], rq->lens[i]) != 0)
				abort();
		free(rq2);
		wbuf_free(&b);
	}
	rc = nb_sysctl_serve(h, &peer, data, size, check_frame, &s, NULL, 0);
	if (rc == -EPROTO ? s.frames != 0 : rc != 0 || s.ends != 1)
		abort();
	wire_dec_free(&s.dec);
	free(rq);
	return 0;
}
