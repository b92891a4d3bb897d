/* SPDX-License-Identifier: BSD-2-Clause */
/* test_lx_str.c - lx_copy_str16 and lx_copy_cstr16 (the linux source's string copies) against the byte loop. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lx_str.h"
#include "ifaddr.h"		/* nb_ifname_pad: what nb_if_upsert makes of a name or kind */

#include "check.h"

/* A byte that tests a word-at-a-time zero search: borrows, high bits, zeros. */
static uint8_t
edge_byte(unsigned *seed)
{
	static const uint8_t edge[] = { 0, 0, 1, 0x7f, 0x80, 0x81, 0xfe, 0xff, 'v', '0' };
	unsigned r = (unsigned)rand_r(seed);

	return (r & 1) != 0 ? edge[(r >> 1) % sizeof(edge)] : (uint8_t)(r >> 8);
}

/* What link_parse copied before: a byte loop into a zeroed field. */
static void
ref_copy(char dst[16], const uint8_t *src, size_t max)
{
	size_t n;

	memset(dst, 0, 16);
	for (n = 0; n < max && src[n] != '\0'; n++)
		dst[n] = (char)src[n];
	dst[n] = '\0';
}

int
main(void)
{
	uint8_t buf[64];
	char got[16], want[16], pad[16];
	unsigned seed = 14, round;
	size_t i, off, max, avail;

	for (round = 0; round < 500000; round++) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = edge_byte(&seed);
		off = (size_t)rand_r(&seed) % 32;		/* any alignment */
		max = (size_t)rand_r(&seed) % 16;		/* 0..15 */
		avail = (size_t)rand_r(&seed) % 2 != 0 ? sizeof(buf) - off : max;
		memset(got, 0x5a, sizeof(got));		/* every byte is written */
		ref_copy(want, buf + off, max);
		lx_copy_str16(got, buf + off, max, avail);
		CHECK(memcmp(got, want, sizeof(got)) == 0, "round %u off %zu max %zu avail %zu",
		    round, off, max, avail);
		/*
		 * lx_copy_cstr16: the same C string (its NUL within the 16
		 * bytes), and the same bytes once padded as libstack pads a
		 * name or a kind.
		 */
		memset(got, 0x5a, sizeof(got));
		lx_copy_cstr16(got, buf + off, max, avail);
		CHECK(strnlen(got, sizeof(got)) < sizeof(got) && strcmp(got, want) == 0,
		    "cstr round %u off %zu max %zu avail %zu", round, off, max, avail);
		CHECK(nb_ifname_pad(got, pad) == strlen(want) && memcmp(pad, want, sizeof(pad)) == 0,
		    "cstr pad round %u off %zu max %zu avail %zu", round, off, max, avail);
	}
	printf("test_lx_str: %d checks, %d failed\n", checks, failures);
	return failures != 0;
}
