/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_time.c - the time, duration, interval and number specs of the
 * common options: no crash or overflow (UBSan) for any text; an accepted
 * time is never later than year 2262 or earlier than 1677 (it fits), an
 * accepted duration or interval is positive.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nbtool/nbtool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const int64_t now = INT64_C(1714532400) * 1000000000;
	const char *err;
	char *s;
	int64_t ns;
	double iv;
	uint64_t u;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (nb_parse_time(s, now, &ns, &err) == 0 && err != NULL)
		abort();
	if (nb_parse_duration(s, &ns, &err) == 0 && ns <= 0)
		abort();
	if (nb_parse_interval(s, &iv, &err) == 0 && !(iv > 0 && iv <= 86400))
		abort();
	if (nb_parse_u64(s, 1, 1000, &u, &err) == 0 && (u < 1 || u > 1000))
		abort();
	free(s);
	return 0;
}
