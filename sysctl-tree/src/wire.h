/* SPDX-License-Identifier: BSD-2-Clause */
/* wire.h - private: nbstatd's protocol (docs/protocol.md), one encoder and one decoder for both ends. */
#ifndef SYSCTL_TREE_WIRE_H
#define SYSCTL_TREE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysctl-tree/sysctl.h"

#define WIRE_VERSION 2 /* this end's; requests of WIRE_VERSION_MIN.. are answered */
#define WIRE_VERSION_MIN 1
#define WIRE_MAXRESP (64u << 20) /* one response frame (the client's limit) */
#define WIRE_BATCH (256u << 10) /* entries are sent in frames of about this size */
#define WIRE_ROWMAX (64u << 10) /* a TABLE request's row: its columns' bytes at most */
#define WIRE_STRMAX 4096u /* a text column's size at most */

enum wire_op { WOP_WALK = 1,
	WOP_WRITE = 2,
	WOP_SAMPLE = 3,
	WOP_TABLE = 4 /* version 2 */ };
enum wire_kind { WK_ENTRIES = 1,
	WK_END = 2,
	WK_ROWS = 3, /* version 2 */
	WK_COLFLAGS = 4 };

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

/*
 * A request, decoded: components (and a TABLE's column leaves) point into
 * the request bytes' copy in buf. A TABLE's columns are laid out by the
 * decoder (wire_tab_layout): offsets and rowsize are the server's.
 */
struct wire_req {
	unsigned version;
	enum wire_op op;
	unsigned rdflags;
	unsigned ncomp;
	const char *comp[NB_SYSCTL_MAXDEPTH];
	size_t lens[NB_SYSCTL_MAXDEPTH];
	const char *value; /* WRITE, NUL-terminated */
	unsigned ncols; /* TABLE */
	size_t rowsize;
	struct nb_sysctl_column cols[NB_SYSCTL_TABLE_MAXCOLS];
	char buf[NB_SYSCTL_WIRE_MAXREQ + NB_SYSCTL_TABLE_MAXCOLS + NB_SYSCTL_MAXDEPTH + 2];
};
/* WALK, WRITE, SAMPLE in `version` (1 or 2). */
void wire_req_encode(struct wbuf *b, unsigned version, enum wire_op op, unsigned rdflags,
    const char *const *comp, const size_t *lens, unsigned n, const char *value);
/* TABLE (version 2): the pattern's components ("*" a key) and the caller's columns. */
void wire_tabreq_encode(struct wbuf *b, unsigned rdflags, const char *const *comp,
    const size_t *lens, unsigned n, const struct nb_sysctl_column *cols, unsigned ncols);
/* 0 or -EPROTO (malformed: the caller drops the client), -EPROTONOSUPPORT (version). */
int wire_req_decode(const void *p, size_t len, struct wire_req *rq);
/*
 * The server's layout of a TABLE's columns (types and text sizes as asked,
 * offsets its own, 8-byte aligned): -EINVAL for a type or size the
 * protocol does not carry or a row past WIRE_ROWMAX. The client checks its
 * columns with the same function before it asks (cols not changed then:
 * out == NULL).
 */
int wire_tab_layout(const struct nb_sysctl_column *cols, unsigned ncols,
    struct nb_sysctl_column *out, size_t *rowsize);
/*
 * Would a table of this pattern and these columns reach process files
 * (kern.proc.<pid>) through a column rather than through its rows' keys?
 * The daemon filters process rows by their keys only, so such a read is
 * made through walks (filtered entry by entry); the daemon refuses it from
 * a peer that is not root.
 */
bool wire_tab_unpinned_proc(const char *const *comp, const size_t *lens, unsigned n,
    const struct nb_sysctl_column *cols, unsigned ncols);

/*
 * Table rows (WK_ROWS frames): per row the keys (the pattern's '*'s), the
 * index and generation, the columns found as bit words, then each found
 * column's value by its column's type (INT zigzag, U64 a varint, BOOL a
 * byte, text its bytes), then with NB_SYSCTL_RD_PERCPU each found column's
 * vector (a count, 0 for none, and the values).
 */
void wire_row_encode(struct wbuf *b, const struct nb_sysctl_table *t, size_t row,
    const struct nb_sysctl_column *cols, bool percpu);
struct wire_row {
	const char *key[NB_SYSCTL_TABLE_MAXKEYS]; /* into the frame, not NUL-terminated */
	size_t klen[NB_SYSCTL_TABLE_MAXKEYS];
	int64_t index;
	uint64_t gen;
	uint64_t present[NB_SYSCTL_TABLE_MAXCOLS / 64];
	struct nb_sysctl_value val[NB_SYSCTL_TABLE_MAXCOLS]; /* the found columns' values,
								by the column's type */
	uint64_t *pc; /* the per-CPU vectors of this row */
	size_t pccap;
	size_t pcoff[NB_SYSCTL_TABLE_MAXCOLS];
};
/* One row of a table with nkey keys and the caller's cols (types, sizes); -EPROTO. */
int wire_row_decode(struct rbuf *r, struct wire_row *w, unsigned nkey,
    const struct nb_sysctl_column *cols, unsigned ncols, bool percpu);

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
