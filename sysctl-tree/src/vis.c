/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vis.c - the one escaping rule for every string that reaches a terminal or
 * JSON (nb_sysctl_strvis in sysctl.h). A byte passes when it is printable
 * ASCII or part of a well-formed UTF-8 character (RFC 3629: shortest form,
 * no surrogates, at most U+10FFFF) that is not a control or an invisible
 * format character (C1 controls, line/paragraph separators, bidirectional
 * overrides and isolates); every other byte becomes a backslash and three
 * octal digits, as vis(3) writes with VIS_OCTAL (NetBSD's fstat and ps).
 * So the output is always valid UTF-8 and never moves a terminal's cursor
 * or colours; a backslash itself passes unchanged (names in the tree
 * already use it for their own escapes).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sysctl-tree/sysctl.h"

/*
 * Length of the well-formed, visible UTF-8 character at s[0..n) (n > 0,
 * s[0] >= 0x80), or 0 if its first byte must be escaped.
 */
static size_t
utf8_visible(const unsigned char *s, size_t n)
{
	uint32_t cp, min;
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2; cp = s[0] & 0x1f; min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3; cp = s[0] & 0x0f; min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4; cp = s[0] & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp <= 0x9f ||				/* C1 controls */
	    cp == 0x2028 || cp == 0x2029 ||		/* line, paragraph separators */
	    (cp >= 0x202a && cp <= 0x202e) ||		/* bidi embeddings, overrides */
	    (cp >= 0x2066 && cp <= 0x2069))		/* bidi isolates */
		return 0;
	return len;
}

/* Append n bytes to dst[0..size) at *o when they fit whole with the NUL; count them anyway. */
static void
put(char *dst, size_t size, size_t *o, size_t *w, const char *p, size_t n)
{
	if (*w == *o && *o + n < size) {
		memcpy(dst + *o, p, n);
		*w += n;
	}
	*o += n;
}

size_t
nb_sysctl_strvis(const char *src, size_t len, char *dst, size_t size)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0, w = 0, k;
	char esc[4];

	while (i < len) {
		if (s[i] >= 0x20 && s[i] < 0x7f)
			k = 1;
		else if (s[i] >= 0x80 && (k = utf8_visible(s + i, len - i)) != 0)
			;
		else {
			esc[0] = '\\';
			esc[1] = (char)('0' + (s[i] >> 6));
			esc[2] = (char)('0' + ((s[i] >> 3) & 7));
			esc[3] = (char)('0' + (s[i] & 7));
			put(dst, size, &o, &w, esc, 4);
			i++;
			continue;
		}
		put(dst, size, &o, &w, src + i, k);
		i += k;
	}
	if (size > 0)
		dst[w] = '\0';
	return o;
}

bool
nb_sysctl_strsafe(const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, k;

	while (i < len) {
		if (s[i] >= 0x20 && s[i] < 0x7f)
			i++;
		else if (s[i] >= 0x80 && (k = utf8_visible(s + i, len - i)) != 0)
			i += k;
		else
			return false;
	}
	return true;
}
