/* SPDX-License-Identifier: BSD-2-Clause */
/* wire.h - private: nbstatd's protocol (docs/protocol.md), one encoder and one decoder for both ends. */
#ifndef SYSCTL_TREE_WIRE_H
#define SYSCTL_TREE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysctl-tree/sysctl.h"

#define WIRE_VERSION 1
#define WIRE_MAXRESP (64u << 20) /* one response frame (the client's limit) */
#define WIRE_BATCH (256u << 10) /* entries are sent in frames of about this size */

enum wire_op { WOP_WALK = 1,
	WOP_WRITE = 2,
	WOP_SAMPLE = 3 };
enum wire_kind { WK_ENTRIES = 1,
	WK_END = 2 };

/* A growing byte buffer. */
struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};
void wbuf_free(struct wbuf *b);
void wbuf_u8(struct wbuf *b, uint8_t v);
void wbuf_varint(struct wbuf *b, uint64_t v);
void wbuf_bytes(struct wbuf *b, const void *p, size_t n); /* varint length, bytes */

/* A reader over received bytes; any overrun sets bad. */
struct rbuf {
	const uint8_t *p, *end;
	bool bad;
};
uint8_t rbuf_u8(struct rbuf *r);
uint64_t rbuf_varint(struct rbuf *r);
/* A length-prefixed byte string of at most max bytes: a pointer into the buffer. */
const uint8_t *rbuf_bytes(struct rbuf *r, size_t max, size_t *len);

static inline uint64_t
zz_enc(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static inline int64_t
zz_dec(uint64_t u)
{
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* A request, decoded: components point into the request bytes' copy in buf. */
struct wire_req {
	enum wire_op op;
	unsigned rdflags;
	unsigned ncomp;
	const char *comp[NB_SYSCTL_MAXDEPTH];
	size_t lens[NB_SYSCTL_MAXDEPTH];
	const char *value; /* WRITE, NUL-terminated */
	char buf[NB_SYSCTL_NAMEMAX + NB_SYSCTL_MAXDEPTH + 4096 + 2];
};
void wire_req_encode(struct wbuf *b, enum wire_op op, unsigned rdflags,
    const char *const *comp, const size_t *lens, unsigned n, const char *value);
/* 0 or -EPROTO (malformed: the caller drops the client), -EPROTONOSUPPORT (version). */
int wire_req_decode(const void *p, size_t len, struct wire_req *rq);

/* Walk entries: prefix-compressed components, descriptions sent once per response. */
struct wire_enc {
	const char **dkey; /* description pointers seen, open addressing */
	uint32_t *did;
	size_t dcap, dn;
};
void wire_enc_reset(struct wire_enc *e);
void wire_enc_free(struct wire_enc *e);
void wire_entry_encode(struct wbuf *b, struct wire_enc *enc, const struct nb_sysctl_entry *e,
    unsigned same);

struct wire_dec {
	char *cbuf[NB_SYSCTL_MAXDEPTH];
	size_t ccap[NB_SYSCTL_MAXDEPTH];
	const char *comp[NB_SYSCTL_MAXDEPTH];
	size_t lens[NB_SYSCTL_MAXDEPTH];
	unsigned ncomp;
	char **dtext; /* descriptions of this response, by id - 1 */
	size_t dn, dcap;
	char *sbuf; /* the string value */
	size_t scap;
	uint64_t *pc; /* the per-CPU vector */
	unsigned pccap;
};
void wire_dec_reset(struct wire_dec *d);
void wire_dec_free(struct wire_dec *d);
/* Decode one entry into e (valid until the next call); -EPROTO. */
int wire_entry_decode(struct rbuf *r, struct wire_dec *d, struct nb_sysctl_entry *e);

#endif /* SYSCTL_TREE_WIRE_H */
