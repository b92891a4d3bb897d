/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_interrupts.c - the linux source's /proc/interrupts parser
 * (lx_proc_interrupts) fed one file's bytes, written under a private
 * fixture root (tmpfs) and read through the same seam as the live
 * kernel's file. It must accept or refuse the bytes (0 or -errno with a
 * detail), never crash, overflow (UBSan) or leak. What it accepts is read
 * back from the stack's snapshot (every string and count touched, totals
 * checked against the per-CPU counts), as kern.intr's provider reads it.
 * A fresh stack each run, so one input cannot steer the next.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nbstack/stack.h"
#include "source_linux_proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char root[64];

static void
put(const char *rel, const void *buf, size_t len)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		abort();
	if (len > 0 && write(fd, buf, len) != (ssize_t)len)
		abort();
	close(fd);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[256];

	(void)argc;
	(void)argv;
	snprintf(root, sizeof(root), "/dev/shm/nbstat-fuzz-intr.%d", (int)getpid());
	if (mkdir(root, 0755) != 0 && errno != EEXIST)
		abort();
	snprintf(path, sizeof(path), "%s/proc", root);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		abort();
	return 0;
}

struct check {
	size_t ncpu;
	size_t n;
};

static int
line_cb(const struct nb_intr *in, void *arg)
{
	struct check *c = arg;
	uint64_t sum = 0;

	if (in->name == NULL || in->name[0] == '\0' || in->descr == NULL)
		abort();
	(void)strlen(in->descr);
	if (in->chip != NULL)
		(void)strlen(in->chip);
	if (in->hwirq != NULL)
		(void)strlen(in->hwirq);
	if (in->actions != NULL)
		(void)strlen(in->actions);
	if (in->percpu != NULL) {
		for (size_t i = 0; i < c->ncpu; i++)
			sum += in->percpu[i];
		if (sum != in->total)
			abort();
	}
	c->n++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nb_stack_config cfg = { .nslots = 2 };
	struct nb_stack *st = NULL;
	struct lx_proc *p = NULL;
	struct nb_read rd;
	struct check c = { 0 };
	const uint32_t *cpus;
	int error;

	put("proc/interrupts", data, size);
	if (nb_stack_create(&cfg, &st) != 0)
		abort();
	if (lx_proc_init(&p, st, root) != 0)
		abort();
	if ((error = lx_proc_interrupts(p)) != 0) {
		if (error != -ENOMEM && lx_proc_error(p)[0] == '\0')
			abort(); /* refused without saying why */
	} else {
		nb_thread_register();
		nb_read_enter(st, &rd);
		cpus = nb_intrs_cpus(nb_intrs_snapshot(&rd), &c.ncpu);
		for (size_t i = 1; i < c.ncpu; i++)
			if (cpus[i] <= cpus[i - 1])
				abort();
		(void)nb_intr_walk(nb_intrs_snapshot(&rd), line_cb, &c);
		nb_read_exit(&rd);
	}
	lx_proc_free(&p);
	nb_stack_destroy(&st);
	return 0;
}
