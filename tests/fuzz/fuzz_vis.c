/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_vis.c - the escaping rule: for any bytes, the result is safe (valid
 * UTF-8, no control), strsafe agrees with "unchanged", the length is what
 * was asked for, a truncated call writes a NUL-terminated prefix of it,
 * and safe input is a fixed point.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sysctl-tree/sysctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t need, n2, cut;
	char *out, *again, small[16];

	need = nb_sysctl_strvis(s, size, NULL, 0);
	if (need < size || need > 4 * size)
		abort();
	if ((out = malloc(need + 1)) == NULL)
		return 0;
	if (nb_sysctl_strvis(s, size, out, need + 1) != need || strlen(out) != need)
		abort();
	if (!nb_sysctl_strsafe(out, need))
		abort();
	if (nb_sysctl_strsafe(s, size) != (need == size && memcmp(out, s, size) == 0))
		abort();
	/* Escaping what is already safe changes nothing. */
	if ((again = malloc(need + 1)) == NULL) {
		free(out);
		return 0;
	}
	n2 = nb_sysctl_strvis(out, need, again, need + 1);
	if (n2 != need || memcmp(again, out, need) != 0)
		abort();
	/* A short buffer holds a prefix of the whole, NUL-terminated. */
	(void)nb_sysctl_strvis(s, size, small, sizeof(small));
	cut = strlen(small);
	if (cut >= sizeof(small) || memcmp(small, out, cut) != 0)
		abort();
	free(again);
	free(out);
	return 0;
}
