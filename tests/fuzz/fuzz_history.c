/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_history.c - the history decoders fed bytes as they would come from
 * a damaged or hostile file: the first byte picks one, the rest is its
 * input. 0: an id list (shape.names, whole); 1: a shape as edits against a
 * base of 64 ids (shape.names with shape.base); 2: a value stream (a
 * sample's blob: zig-zag varints, runs of zeros). Each must decode or
 * refuse (-EINVAL), never read or write out of bounds; what an edit decodes
 * give only ids that can name a row (> 0), and a value stream never reads
 * past its bytes. A whole damaged file is the byte-flip test's
 * (bench/history_flip.sh, tests/cli): the row checksums stop it before
 * these decoders see it, so they are fuzzed here directly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NBASE	64
#define NOUT	256

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t base[NBASE], out[NOUT];
	struct nbh_vdec d;
	uint64_t u, n;
	size_t i, want;

	if (size < 2)
		return 0;
	switch (data[0] % 3) {
	case 0:
		/* The count it is asked for comes from the shape row: try two. */
		want = data[1] % NOUT;
		(void)nbh__ids_decode(data + 2, size - 2, out, want);
		(void)nbh__ids_decode(data + 2, size - 2, out, NOUT);
		break;
	case 1:
		for (i = 0; i < NBASE; i++)
			base[i] = (uint32_t)(1000 + 3 * i);
		want = data[1] % NOUT;
		if (nbh__shape_diff_decode(data + 2, size - 2, base, NBASE, out, want) == 0) {
			/* Decoded: every id names a row (> 0), as promised. */
			for (i = 0; i < want; i++)
				if (out[i] == 0)
					abort();
		}
		break;
	case 2:
		memset(&d, 0, sizeof(d));
		d.p = data + 1;
		d.end = data + size;
		/* At most as many values as a blob of this size may claim, with
		 * zero runs bounded by the count a sample row would give. */
		for (n = 0; n < 4 * size + 64; n++)
			if (nbh__vdec_get(&d, &u) != 0)
				break;
		if (d.p > d.end)
			abort();
		break;
	}
	return 0;
}
