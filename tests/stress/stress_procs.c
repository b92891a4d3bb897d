/* SPDX-License-Identifier: BSD-2-Clause */
/* stress_procs.c - writers replace the process-files snapshot while readers check each one is whole. */

/*
 * Theory of operation
 *
 * NWRITERS writers publish snapshots (nb_procs_publish) as fast as they
 * can; writer w publishes generations w, w + NWRITERS, ... Everything in a
 * snapshot encodes its generation g, which rides in the denied count:
 * 1 + g % 23 processes with pids 100 + 7k, comm "g<g>", process k with
 * (k + g) % 6 descriptors j: fd 3 + j, target "t<g>.<k>.<j>", inode
 * g * 1000 + k * 10 + j, every other one a unix socket with path
 * "/u<g>.<k>". NREADERS readers, inside each read section, take the
 * snapshot once (nb_procs_snapshot), its generation from nb_procs_info,
 * and check that every process and descriptor they reach through it by
 * nb_proc_walk and nb_proc_lookup belongs to that same generation (a
 * torn or freed snapshot shows as a mismatch, or as a use-after-free
 * under ASan/TSan). All shared test state is atomics;
 * `stop` is set by main with release order. Any violation prints a
 * message and makes the exit status 1.
 */

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nbstack/stack.h"

#define NWRITERS	2
#define NREADERS	2
#define MAXPROC		23
#define MAXFD		6

static struct nb_stack *st;
static int stop;		/* atomic */
static int violations;		/* atomic */
static uint64_t published;	/* atomic */
static uint64_t sections;	/* atomic */

/* Count every violation; print the first 20. */
#define FAIL(...) do {							\
	if (__atomic_add_fetch(&violations, 1, __ATOMIC_RELAXED) <= 20)	\
		fprintf(stderr, "stress_procs: " __VA_ARGS__);		\
} while (0)

static unsigned
nproc_of(uint64_t g)
{
	return 1 + (unsigned)(g % MAXPROC);
}

static unsigned
nfd_of(uint64_t g, unsigned k)
{
	return (unsigned)((k + g) % MAXFD);
}

static void *
writer(void *arg)
{
	unsigned w = (unsigned)(uintptr_t)arg, k, j;
	static __thread char comm[MAXPROC][24], target[MAXPROC][MAXFD][48], upath[MAXPROC][24];
	struct nb_proc procs[MAXPROC];
	struct nb_pfd fds[MAXPROC][MAXFD];
	uint64_t g;
	int error;

	nb_thread_register();
	for (g = w; !__atomic_load_n(&stop, __ATOMIC_ACQUIRE); g += NWRITERS) {
		memset(procs, 0, sizeof(procs));
		memset(fds, 0, sizeof(fds));
		for (k = 0; k < nproc_of(g); k++) {
			snprintf(comm[k], sizeof(comm[k]), "g%" PRIu64, g);
			snprintf(upath[k], sizeof(upath[k]), "/u%" PRIu64 ".%u", g, k);
			procs[k].pid = (int32_t)(100 + 7 * k);
			procs[k].uid = (uint32_t)g;
			procs[k].comm = comm[k];
			procs[k].fds = fds[k];
			procs[k].nfds = nfd_of(g, k);
			for (j = 0; j < nfd_of(g, k); j++) {
				struct nb_pfd *f = &fds[k][j];

				snprintf(target[k][j], sizeof(target[k][j]), "t%" PRIu64 ".%u.%u", g, k, j);
				f->fd = (int32_t)(3 + j);
				f->type = (j & 1) ? NB_PFD_SOCKET : NB_PFD_FILE;
				f->target = target[k][j];
				f->ino = g * 1000 + k * 10 + j;
				f->unix_path = (j & 1) ? upath[k] : NULL;
			}
		}
		if ((error = nb_procs_publish(st, 0, (unsigned)g, procs, nproc_of(g))) != 0) {
			FAIL("publish %" PRIu64 ": %d\n", g, error);
			break;
		}
		__atomic_add_fetch(&published, 1, __ATOMIC_RELAXED);
	}
	nb_thread_unregister();
	return NULL;
}

struct rcheck {
	uint64_t	 g;
	unsigned	 seen;
};

static void
check_proc(const struct nb_proc *p, uint64_t g, unsigned k)
{
	char want[48];
	unsigned j;

	snprintf(want, sizeof(want), "g%" PRIu64, g);
	if (p->pid != (int32_t)(100 + 7 * k) || p->uid != (uint32_t)g || strcmp(p->comm, want) != 0 ||
	    p->nfds != nfd_of(g, k)) {
		FAIL("gen %" PRIu64 " proc %u: pid %d uid %u comm %s nfds %zu\n", g, k, p->pid,
		    p->uid, p->comm, p->nfds);
		return;
	}
	for (j = 0; j < p->nfds; j++) {
		const struct nb_pfd *f = &p->fds[j];

		snprintf(want, sizeof(want), "t%" PRIu64 ".%u.%u", g, k, j);
		if (f->fd != (int32_t)(3 + j) || strcmp(f->target, want) != 0 ||
		    f->ino != g * 1000 + k * 10 + j)
			FAIL("gen %" PRIu64 " proc %u fd %u: %d %s %" PRIu64 "\n", g, k, j,
			    f->fd, f->target, f->ino);
		snprintf(want, sizeof(want), "/u%" PRIu64 ".%u", g, k);
		if ((j & 1) != 0 && (f->unix_path == NULL || strcmp(f->unix_path, want) != 0))
			FAIL("gen %" PRIu64 " proc %u fd %u: unix path %s\n", g, k, j,
			    f->unix_path != NULL ? f->unix_path : "(null)");
		if ((j & 1) == 0 && f->unix_path != NULL)
			FAIL("gen %" PRIu64 " proc %u fd %u: a unix path on a file\n", g, k, j);
	}
}

static int
walk_cb(const struct nb_proc *p, void *arg)
{
	struct rcheck *rc = arg;

	check_proc(p, rc->g, rc->seen++);
	return 0;
}

static void *
reader(void *arg)
{
	struct nb_read rd;
	struct rcheck rc;
	const struct nb_procsnap *sn;
	const struct nb_proc *p;
	unsigned denied, k;

	(void)arg;
	nb_thread_register();
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		nb_read_enter(st, &rd);
		if ((sn = nb_procs_snapshot(&rd)) != NULL) {
			nb_procs_info(sn, NULL, &denied);
			rc.g = denied;
			rc.seen = 0;
			(void)nb_proc_walk(sn, walk_cb, &rc);
			if (rc.seen != nproc_of(rc.g))
				FAIL("gen %" PRIu64 ": walked %u processes, want %u\n", rc.g, rc.seen,
				    nproc_of(rc.g));
			for (k = 0; k < MAXPROC; k++) {
				p = nb_proc_lookup(sn, (int32_t)(100 + 7 * k));
				if ((p != NULL) != (k < nproc_of(rc.g)))
					FAIL("gen %" PRIu64 ": lookup of process %u: %s\n", rc.g, k,
					    p != NULL ? "found" : "missing");
				else if (p != NULL)
					check_proc(p, rc.g, k);
			}
		}
		nb_read_exit(&rd);
		__atomic_add_fetch(&sections, 1, __ATOMIC_RELAXED);
	}
	nb_thread_unregister();
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t wt[NWRITERS], rt[NREADERS];
	double secs = 5;
	unsigned i;
	int c, error;

	for (c = 1; c < argc; c++) {
		if (strcmp(argv[c], "--seconds") == 0 && c + 1 < argc) {
			secs = strtod(argv[++c], NULL);
		} else {
			fprintf(stderr, "usage: stress_procs [--seconds N]\n");
			return 2;
		}
	}
	if ((error = nb_stack_create(NULL, &st)) != 0) {
		fprintf(stderr, "stress_procs: nb_stack_create: %s\n", strerror(-error));
		return 1;
	}
	for (i = 0; i < NWRITERS; i++)
		pthread_create(&wt[i], NULL, writer, (void *)(uintptr_t)i);
	for (i = 0; i < NREADERS; i++)
		pthread_create(&rt[i], NULL, reader, NULL);
	usleep((useconds_t)(secs * 1e6));
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < NWRITERS; i++)
		pthread_join(wt[i], NULL);
	for (i = 0; i < NREADERS; i++)
		pthread_join(rt[i], NULL);
	if (__atomic_load_n(&published, __ATOMIC_RELAXED) == 0 ||
	    __atomic_load_n(&sections, __ATOMIC_RELAXED) == 0)
		FAIL("nothing happened: %" PRIu64 " snapshots, %" PRIu64 " read sections\n",
		    published, sections);
	printf("stress_procs: %.1f s, %" PRIu64 " snapshots, %" PRIu64 " read sections, "
	    "violations %d\n", secs, published, sections,
	    __atomic_load_n(&violations, __ATOMIC_RELAXED));
	nb_stack_destroy(&st);
	return violations == 0 ? 0 : 1;
}
