/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * heap.c - the tools' heap policy: one arena, grown in one step, never
 * trimmed.
 *
 * A tool reads a whole snapshot and exits: at 10,001 interfaces about
 * 18 MB of objects, at 100,000 sockets about 55 MB. So, once at start:
 * all threads share the main arena (a tool has two or three threads; a
 * per-thread arena would get its own heap), allocations up to
 * NB_HEAP_MMAP_MAX come from the brk heap instead of one mmap each, freed
 * memory is kept (no trim: the next read reuses it, as the table rows
 * reuse the source's freed dump buffer), and the first NB_HEAP_CHUNKS x
 * NB_HEAP_RESERVE bytes of heap (120 MiB) are grown in one step (chunks
 * below the mmap threshold, so brk). The reservation is address space
 * only: untouched pages cost no memory.
 *
 * The heap is not marked MADV_HUGEPAGE. It was, and it made a quiet
 * machine's back-to-back runs of nbnetstat -i 5-10% faster, but with the
 * kernel's default defrag=madvise each huge page fault may compact or take
 * a cold 2 MiB block (on a VM, one the host has to back again): with
 * other programs running between, the socket list of 100,000 sockets
 * took 257 ms marked and 207 ms unmarked (bench/netstat_sock.sh, ss -tan
 * 211-229 ms), and single runs varied from 0.17 to 0.33 s. A one-shot
 * tool wants the predictable cost. Where the allocator is not glibc's
 * (sanitizer builds) this changes nothing; every step is best effort and
 * failures are ignored. Called from nb_tool_init, before any thread exists.
 */
#include <malloc.h>
#include <stdlib.h>

#include "nbtool/nbtool.h"

#define NB_HEAP_RESERVE		(30u << 20)	/* below NB_HEAP_MMAP_MAX: from brk */
#define NB_HEAP_MMAP_MAX	(32u << 20)	/* glibc's largest allowed threshold */
#define NB_HEAP_CHUNKS		4		/* reserved: NB_HEAP_CHUNKS x NB_HEAP_RESERVE */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NB_HEAP_FOREIGN_MALLOC	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define NB_HEAP_FOREIGN_MALLOC	1
#endif
#endif

void
nb_heap_init(void)
{
#if defined(__GLIBC__) && !defined(NB_HEAP_FOREIGN_MALLOC)
	void *p[NB_HEAP_CHUNKS];
	unsigned n;

	mallopt(M_ARENA_MAX, 1);
	mallopt(M_MMAP_THRESHOLD, NB_HEAP_MMAP_MAX);
	mallopt(M_TRIM_THRESHOLD, NB_HEAP_RESERVE * NB_HEAP_CHUNKS * 2);
	/* Chunks below the mmap threshold come from brk, one after the other. */
	for (n = 0; n < NB_HEAP_CHUNKS && (p[n] = malloc(NB_HEAP_RESERVE)) != NULL; n++)
		;
	while (n > 0)
		free(p[--n]);
#endif
}
