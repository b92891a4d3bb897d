/* SPDX-License-Identifier: BSD-2-Clause */
/* test_history_codec.c - nbhistory's varints, zero-run value stream, id lists and intern map. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../history/src/hist.h"

#include "check.h"

static void
test_varint(void)
{
	static const uint64_t vals[] = {
		0, 1, 127, 128, 255, 16383, 16384, UINT32_MAX, (uint64_t)1 << 56,
		INT64_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX - 1, UINT64_MAX,
	};
	static const size_t sizes[] = { 1, 1, 1, 2, 2, 2, 3, 5, 9, 9, 10, 10, 10 };
	uint8_t buf[16];
	const uint8_t *p;
	uint64_t v;
	size_t i, n;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		n = nbh__varint_put(buf, vals[i]);
		CHECK(n == sizes[i]);
		p = buf;
		CHECK(nbh__varint_get(&p, buf + n, &v) == 0);
		CHECK(v == vals[i]);
		CHECK(p == buf + n);
		/* Every truncation is detected. */
		p = buf;
		CHECK(n == 1 || nbh__varint_get(&p, buf + n - 1, &v) == NBH_ECORRUPT);
	}
	/* Eleven bytes, or a tenth byte above 1: not a 64-bit varint. */
	memset(buf, 0xff, 11);
	buf[10] = 0x01;
	p = buf;
	CHECK(nbh__varint_get(&p, buf + 11, &v) == NBH_ECORRUPT);
	memset(buf, 0xff, 9);
	buf[9] = 0x02;
	p = buf;
	CHECK(nbh__varint_get(&p, buf + 10, &v) == NBH_ECORRUPT);
}

static void
test_zigzag(void)
{
	static const int64_t vals[] = { 0, -1, 1, -2, 2, INT64_MAX, INT64_MIN, -1000000, 1000000 };
	size_t i;

	CHECK(nbh__zz(0) == 0 && nbh__zz(-1) == 1 && nbh__zz(1) == 2 && nbh__zz(-2) == 3);
	CHECK(nbh__zz(INT64_MIN) == UINT64_MAX);
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		CHECK(nbh__unzz(nbh__zz(vals[i])) == vals[i]);
}

/* Encode vals, decode them back, return the encoded size. */
static size_t
stream_roundtrip(const uint64_t *vals, size_t n)
{
	struct nbh_buf b = { 0 };
	struct nbh_venc e = { &b, 0 };
	struct nbh_vdec d;
	uint64_t u;
	size_t i, len;

	for (i = 0; i < n; i++)
		CHECK(nbh__venc_put(&e, vals[i]) == 0);
	CHECK(nbh__venc_end(&e) == 0);
	d.p = b.p;
	d.end = b.p + b.len;
	d.zrun = 0;
	for (i = 0; i < n; i++) {
		CHECK(nbh__vdec_get(&d, &u) == 0);
		CHECK(u == vals[i]);
	}
	CHECK(d.p == d.end && d.zrun == 0);
	/* One more value than encoded: the stream is exhausted. */
	CHECK(nbh__vdec_get(&d, &u) == NBH_ECORRUPT);
	len = b.len;
	nbh__buf_free(&b);
	return len;
}

static void
test_stream(void)
{
	uint64_t v[5000];
	size_t i;

	/* Zero runs at the start, middle and end, and a lone zero. */
	for (i = 0; i < 20; i++)
		v[i] = i < 5 || (i >= 9 && i < 12) || i >= 17 ? 0 : i * 1000;
	v[7] = 0;
	CHECK(stream_roundtrip(v, 20) > 0);
	/* 5,000 zeros take two bytes (0, then varint 4999). */
	memset(v, 0, sizeof(v));
	CHECK(stream_roundtrip(v, 5000) == 3);
	/* Values that need every varint size. */
	for (i = 0; i < 64; i++)
		v[i] = (uint64_t)1 << i;
	v[64] = UINT64_MAX;
	CHECK(stream_roundtrip(v, 65) > 65);
	CHECK(stream_roundtrip(v, 0) == 0);
}

/* An id delta that would overflow 64 bits is damage, not signed overflow (UBSan). */
static void
test_id_delta_overflow(void)
{
	static const uint64_t deltas[] = {
		(uint64_t)INT64_MAX - 64,
		(uint64_t)INT64_MAX,
		(uint64_t)INT64_MIN,
		(uint64_t)INT64_MIN + 1,
		(uint64_t)UINT32_MAX,
		(uint64_t)-1069,
	};
	uint8_t buf[64];
	uint32_t base[1] = { 7 }, out[4];
	size_t i, n;

	for (i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
		/* An id list: 1069, then 1069 + delta. */
		n = nbh__varint_put(buf, nbh__zz(1069));
		n += nbh__varint_put(buf + n, nbh__zz((int64_t)deltas[i]));
		CHECK(nbh__ids_decode(buf, n, out, 2) == NBH_ECORRUPT, "delta %" PRId64,
		    (int64_t)deltas[i]);
		/* Edits of a shape: copy 1, drop 0, add 2: 1069 after 7, then the delta. */
		n = nbh__varint_put(buf, 1);
		n += nbh__varint_put(buf + n, 0);
		n += nbh__varint_put(buf + n, 2);
		n += nbh__varint_put(buf + n, nbh__zz(1069 - 7));
		n += nbh__varint_put(buf + n, nbh__zz((int64_t)deltas[i]));
		CHECK(nbh__shape_diff_decode(buf, n, base, 1, out, 3) == NBH_ECORRUPT,
		    "delta %" PRId64, (int64_t)deltas[i]);
	}
	/* The largest and smallest ids still decode. */
	n = nbh__varint_put(buf, nbh__zz(1));
	n += nbh__varint_put(buf + n, nbh__zz((int64_t)UINT32_MAX - 1));
	n += nbh__varint_put(buf + n, nbh__zz(-((int64_t)UINT32_MAX - 1)));
	CHECK(nbh__ids_decode(buf, n, out, 3) == 0 && out[0] == 1 && out[1] == UINT32_MAX &&
	    out[2] == 1);
}

static void
test_ids(void)
{
	uint32_t ids[] = { 1, 2, 3, 4, 100, 99, 98, UINT32_MAX, 5, 1 }, out[10];
	struct nbh_buf b = { 0 };

	CHECK(nbh__ids_encode(&b, ids, 10) == 0);
	CHECK(nbh__ids_decode(b.p, b.len, out, 10) == 0);
	CHECK(memcmp(ids, out, sizeof(ids)) == 0);
	/* Consecutive ids cost one byte each. */
	CHECK(b.len < 10 + 5 + 5 + 2);
	/* Too few bytes, or bytes left over: damaged. */
	CHECK(nbh__ids_decode(b.p, b.len - 1, out, 10) == NBH_ECORRUPT);
	CHECK(nbh__ids_decode(b.p, b.len, out, 9) == NBH_ECORRUPT);
	nbh__buf_free(&b);
	/* An id of 0 (or below) is not a name. */
	ids[0] = 0;
	CHECK(nbh__ids_encode(&b, ids, 1) == 0);
	CHECK(nbh__ids_decode(b.p, b.len, out, 1) == NBH_ECORRUPT);
	nbh__buf_free(&b);
}

/* Runs of ids one above the other (schema 5: 0, r is r + 3 of them). */
static void
test_id_runs(void)
{
	static uint32_t ids[5000], out[5000];
	struct nbh_buf b = { 0 };
	uint8_t buf[32];
	size_t i, n;

	/* 1..2000, 2 gaps, 3002..5999 with one step back to 17 */
	for (i = 0; i < 5000; i++) {
		if (i < 2000)
			ids[i] = (uint32_t)i + 1;
		else if (i < 2002)
			ids[i] = (uint32_t)i * 7;
		else
			ids[i] = i == 4000 ? 17 : (uint32_t)i + 1000;
	}
	CHECK(nbh__ids_encode(&b, ids, 5000) == 0);
	CHECK(b.len < 32, "%zu bytes", b.len);
	CHECK(nbh__ids_decode(b.p, b.len, out, 5000) == 0);
	CHECK(memcmp(ids, out, sizeof(ids)) == 0);
	CHECK(nbh__ids_decode(b.p, b.len, out, 4999) == NBH_ECORRUPT);
	nbh__buf_free(&b);
	/* Runs of 1 and 2 are plain deltas; 3 is a run. */
	for (n = 1; n <= 4; n++) {
		for (i = 0; i < n; i++)
			ids[i] = (uint32_t)i + 1;
		CHECK(nbh__ids_encode(&b, ids, n) == 0);
		CHECK(b.len == (n < 3 ? n : 2), "%zu ids: %zu bytes", n, b.len);
		CHECK(nbh__ids_decode(b.p, b.len, out, n) == 0 && memcmp(ids, out, n * 4) == 0);
		b.len = 0;
	}
	nbh__buf_free(&b);
	/* A run longer than the list, or past the largest id: damaged. */
	n = nbh__varint_put(buf, 0);
	n += nbh__varint_put(buf + n, 5);
	CHECK(nbh__ids_decode(buf, n, out, 7) == NBH_ECORRUPT);
	CHECK(nbh__ids_decode(buf, n, out, 2) == NBH_ECORRUPT);
	CHECK(nbh__ids_decode(buf, n, out, 8) == 0 && out[7] == 8);
	n = nbh__varint_put(buf, nbh__zz((int64_t)UINT32_MAX - 3));
	n += nbh__varint_put(buf + n, 0);
	n += nbh__varint_put(buf + n, 0);
	CHECK(nbh__ids_decode(buf, n, out, 4) == 0 && out[3] == UINT32_MAX);
	n = nbh__varint_put(buf, nbh__zz((int64_t)UINT32_MAX - 2));
	n += nbh__varint_put(buf + n, 0);
	n += nbh__varint_put(buf + n, 0);
	CHECK(nbh__ids_decode(buf, n, out, 4) == NBH_ECORRUPT);
}

static void
test_map(void)
{
	struct nbh_map m = { 0 };
	char key[64];
	uint32_t i;

	CHECK(nbh__map_get(&m, "x", 1) == 0);
	CHECK(nbh__map_put(&m, "", 0, 7) == 0);
	CHECK(nbh__map_get(&m, "", 0) == 7);
	CHECK(nbh__map_put(&m, "a", 1, 0) == -EINVAL);
	for (i = 1; i <= 20000; i++) {
		snprintf(key, sizeof(key), "net.interfaces.if%u.stats.ibytes", i);
		CHECK(nbh__map_put(&m, key, strlen(key), i + 100) == 0);
	}
	/* Keys differing only after a NUL (name keys carry type and flags there). */
	CHECK(nbh__map_put(&m, "ab\0\x01", 4, 5) == 0);
	CHECK(nbh__map_put(&m, "ab\0\x02", 4, 6) == 0);
	for (i = 1; i <= 20000; i++) {
		snprintf(key, sizeof(key), "net.interfaces.if%u.stats.ibytes", i);
		if (nbh__map_get(&m, key, strlen(key)) != i + 100) {
			CHECK(!"map lookup");
			break;
		}
	}
	CHECK(nbh__map_get(&m, "ab\0\x01", 4) == 5);
	CHECK(nbh__map_get(&m, "ab\0\x02", 4) == 6);
	CHECK(nbh__map_get(&m, "ab", 2) == 0);
	CHECK(nbh__map_get(&m, "", 0) == 7);
	CHECK(m.n == 20003);
	nbh__map_free(&m);
}

/* ---- shapes as edits of a base ---- */

#define SHN	600

/* Encode ids as edits of base (with the index hints), decode, compare; the size in bytes. */
static size_t
shape_roundtrip(const uint32_t *base, size_t nb, const uint32_t *ids, size_t n)
{
	static uint32_t pos[4 * SHN + 8], out[SHN + 1];
	struct nbh_buf b = { 0 };
	size_t i, len;

	memset(pos, 0, sizeof(pos));
	for (i = 0; i < nb; i++)
		pos[base[i]] = (uint32_t)(i + 1);
	CHECK(nbh__shape_diff_encode(&b, base, nb, pos, 4 * SHN + 8, ids, n) == 0);
	out[n] = 0xdeadbeef;
	CHECK(nbh__shape_diff_decode(b.p, b.len, base, nb, out, n) == 0);
	CHECK(n == 0 || memcmp(out, ids, n * sizeof(*ids)) == 0, "%zu of %zu names", nb, n);
	CHECK(out[n] == 0xdeadbeef);		/* nothing written past n */
	/* Every other length is refused, and so is every truncation. */
	CHECK(nbh__shape_diff_decode(b.p, b.len, base, nb, out, n + 1) == NBH_ECORRUPT);
	if (n > 0)
		CHECK(nbh__shape_diff_decode(b.p, b.len, base, nb, out, n - 1) == NBH_ECORRUPT);
	for (i = 0; i < b.len; i++)
		CHECK(nbh__shape_diff_decode(b.p, i, base, nb, out, n) == NBH_ECORRUPT ||
		    memcmp(out, ids, n * sizeof(*ids)) != 0, "truncated to %zu", i);
	len = b.len;
	nbh__buf_free(&b);
	return len;
}

static void
test_shape_diff(void)
{
	static uint32_t base[SHN], ids[SHN];
	struct nbh_buf b = { 0 };
	uint32_t out[4];
	size_t nb, n, i, len, round;
	unsigned seed = 7;

	for (i = 0; i < SHN / 2; i++)
		base[i] = (uint32_t)(2 * i + 1);
	nb = SHN / 2;
	/* The same list: nothing to say. */
	CHECK(shape_roundtrip(base, nb, base, nb) == 0);
	/* From and to nothing. */
	shape_roundtrip(base, 0, base, nb);
	shape_roundtrip(base, nb, base, 0);
	/* Churn as the recorder sees it: the first name gone, one added last. */
	memcpy(ids, base + 1, (nb - 1) * sizeof(*ids));
	ids[nb - 1] = 2 * SHN + 1;
	len = shape_roundtrip(base, nb, ids, nb);
	CHECK(len > 0 && len <= 12, "%zu bytes", len);	/* whole: 300 */
	/* A block moved back: its names come again as added ones. */
	memcpy(ids, base + 100, 50 * sizeof(*ids));
	memcpy(ids + 50, base, 100 * sizeof(*ids));
	memcpy(ids + 150, base + 150, (nb - 150) * sizeof(*ids));
	shape_roundtrip(base, nb, ids, nb);
	/* Random edits: drops, inserts of new and of far ids, runs kept. */
	for (round = 0; round < 200; round++) {
		for (i = n = 0; i < nb && n < SHN; i++) {
			switch (rand_r(&seed) % 8) {
			case 0:
				break;			/* dropped */
			case 1:
				ids[n++] = (uint32_t)(2 * SHN + 2 + rand_r(&seed) % (2 * SHN));
				ids[n++] = base[i];	/* one added before */
				break;
			default:
				ids[n++] = base[i];
			}
			if (n >= SHN - 1)
				break;
		}
		shape_roundtrip(base, nb, ids, n);
	}
	/* Damaged: counts past the base or past the result, an id of 0. */
	b.len = 0;
	CHECK(nbh__buf_reserve(&b, 16) == 0);
	b.p[0] = 5; b.p[1] = 0; b.p[2] = 0;		/* copy 5 of a base of 3 */
	CHECK(nbh__shape_diff_decode(b.p, 3, base, 3, out, 4) == NBH_ECORRUPT);
	b.p[0] = 0; b.p[1] = 4; b.p[2] = 0;		/* drop 4 of 3 */
	CHECK(nbh__shape_diff_decode(b.p, 3, base, 3, out, 0) == NBH_ECORRUPT);
	b.p[0] = 0; b.p[1] = 3; b.p[2] = 1; b.p[3] = 0;	/* add the id 0 */
	CHECK(nbh__shape_diff_decode(b.p, 4, base, 3, out, 1) == NBH_ECORRUPT);
	b.p[0] = 0; b.p[1] = 0; b.p[2] = 5; b.p[3] = 2;	/* add 5 to a result of 4 */
	CHECK(nbh__shape_diff_decode(b.p, 4, base, 3, out, 4) == NBH_ECORRUPT);
	nbh__buf_free(&b);
}

int
main(void)
{
	test_varint();
	test_zigzag();
	test_stream();
	test_ids();
	test_id_runs();
	test_id_delta_overflow();
	test_shape_diff();
	test_map();
	if (failures != 0) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	printf("test_history_codec: ok\n");
	return 0;
}
