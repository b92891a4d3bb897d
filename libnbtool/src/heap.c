/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * heap.c - the tools' heap policy: one arena, backed by transparent huge
 * pages where the kernel offers them.
 *
 * A tool reads a whole snapshot and exits. At 10,001 interfaces that is
 * about 18 MB of objects (libstack's, then the tool's collected rows), and
 * with 4 KiB pages a fifth of nbnetstat -i's time went to 4,700 page
 * faults (each one an exit to the hypervisor on a VM). So, once at start:
 * all threads share the main arena (a tool has two or three threads; a
 * per-thread arena would get its own 4 KiB-faulted heap), allocations up to
 * NB_HEAP_MMAP_MAX come from the brk heap instead of one mmap each, freed
 * memory is kept (no trim: the next read reuses it), and the first
 * NB_HEAP_CHUNKS x NB_HEAP_RESERVE bytes of heap (120 MiB) are grown in
 * one step (chunks below the mmap threshold, so brk) and marked
 * MADV_HUGEPAGE, so they fault in 2 MiB at a time: the socket list of
 * 100,000 sockets (60 MiB) took 7,600 faults with a 30 MiB reserve,
 * 1,000 with this one. The reservation is
 * address space only: untouched pages cost no memory. Where THP is "never",
 * or the allocator is not glibc's (sanitizer builds), this changes nothing
 * but the arena count; every step is best effort and failures are ignored.
 * Called from nb_tool_init, before any thread exists.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nbtool/nbtool.h"

#define NB_HEAP_RESERVE		(30u << 20)	/* below NB_HEAP_MMAP_MAX: from brk */
#define NB_HEAP_MMAP_MAX	(32u << 20)	/* glibc's largest allowed threshold */
#define NB_HEAP_CHUNKS		4		/* reserved: NB_HEAP_CHUNKS x NB_HEAP_RESERVE */
#define NB_HUGE			(2u << 20)

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
#if defined(__GLIBC__) && !defined(NB_HEAP_FOREIGN_MALLOC) && defined(MADV_HUGEPAGE)
	uintptr_t lo, hi;
	char *p[NB_HEAP_CHUNKS];
	unsigned n;

	mallopt(M_ARENA_MAX, 1);
	mallopt(M_MMAP_THRESHOLD, NB_HEAP_MMAP_MAX);
	mallopt(M_TRIM_THRESHOLD, NB_HEAP_RESERVE * NB_HEAP_CHUNKS * 2);
	/* Chunks below the mmap threshold come from brk, one after the other. */
	for (n = 0; n < NB_HEAP_CHUNKS && (p[n] = malloc(NB_HEAP_RESERVE)) != NULL; n++)
		;
	if (n == 0)
		return;
	lo = ((uintptr_t)p[0] + NB_HUGE - 1) & ~(uintptr_t)(NB_HUGE - 1);
	hi = ((uintptr_t)p[n - 1] + NB_HEAP_RESERVE) & ~(uintptr_t)(NB_HUGE - 1);
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
	while (n > 0)
		free(p[--n]);
#endif
}
