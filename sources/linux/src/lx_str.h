/* SPDX-License-Identifier: BSD-2-Clause */
/* lx_str.h - private: a netlink string attribute into a 16-byte field, a word at a time. */
#ifndef NBSTACK_LX_STR_H
#define NBSTACK_LX_STR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nbstack/stack.h"

/*
 * dst (16 bytes) = the string at src, cut at its first NUL or after max
 * (< 16) bytes, whichever comes first, then zeros to the end of dst: what
 * a byte loop copies into a zeroed field. avail is how many bytes may be
 * read at src (to the end of the message); with 16 of them the copy takes
 * two words and masks them (little-endian), else it is the byte loop.
 */
static inline void
lx_copy_str16(char dst[16], const uint8_t *src, size_t max, size_t avail)
{
	size_t n;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (avail >= 16) {
		uint64_t w[2];
		unsigned k;

		memcpy(w, src, sizeof(w));
		k = (unsigned)nb_ifname_len((const char *)src);
		if (k > max)
			k = (unsigned)max;
		if (k < 8) {
			w[0] &= ((uint64_t)1 << (8 * k)) - 1;	/* k = 0: none */
			w[1] = 0;
		} else
			w[1] &= ((uint64_t)1 << (8 * (k - 8))) - 1;	/* k <= 15 */
		memcpy(dst, w, sizeof(w));
		return;
	}
#else
	(void)avail;
#endif
	for (n = 0; n < max && src[n] != '\0'; n++)
		dst[n] = (char)src[n];
	memset(dst + n, 0, 16 - n);
}

/*
 * The same C string as lx_copy_str16 (cut at its first NUL or after max
 * bytes, max < 16) in dst, but the bytes after its NUL are what follows in
 * the message, not zeros: for a field whose every reader takes it as a C
 * string or pads it (an interface's name and kind: nb_if_upsert pads
 * both), so the 16 bytes are copied whole and the NUL put at max.
 */
static inline void
lx_copy_cstr16(char dst[16], const uint8_t *src, size_t max, size_t avail)
{
	if (avail >= 16) {
		memcpy(dst, src, 16);
		dst[max] = '\0';	/* an earlier NUL ends it first */
		return;
	}
	lx_copy_str16(dst, src, max, avail);
}

#endif
