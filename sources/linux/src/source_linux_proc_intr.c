/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_proc_intr.c - NB_FAM_INTR: /proc/interrupts -> kern.intr.<name> (nb_intrs_publish). */
/*
 * /proc/interrupts (proc(5), kernel/irq/proc.c show_interrupts):
 *            CPU0       CPU1
 *   0:         41          0   IO-APIC   2-edge      timer
 *  24:     123456       7890   PCI-MSI 512000-edge      ahci[0000:00:1f.2], eth0
 * NMI:          0          0   Non-maskable interrupts
 * ERR:          0
 * The header names the online CPUs (CPU numbers ascending, gaps where a
 * CPU is offline); each line is NAME: then one count per header CPU, then
 * a description. A numbered line's description is the irq chip, the
 * hardware irq with its flow ("2-edge") and the handlers (actions); a
 * named line's is prose. A line with one count and nothing after it (ERR,
 * MIS) is a total with no per-CPU counts.
 *
 * The whole file is parsed and checked before anything is published (a
 * malformed file changes nothing): lines and their texts are staged in
 * growing vectors (offsets, since the vectors move), then handed to
 * nb_intrs_publish, which copies them into one immutable block.
 *
 * Concurrency: called from lx_proc_refresh with the source mutex held;
 * the staging lives for one call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "source_linux_proc.h"

struct ln {
	size_t name, descr, chip, hwirq, actions; /* offsets into the text pool; SIZE_MAX: none */
	uint64_t total;
	size_t vec; /* first count in the count vector; SIZE_MAX: no per-CPU counts */
};

struct stage {
	struct ln *v;
	size_t n, cap;
	char *pool;
	size_t plen, pcap;
	uint64_t *cnt;
	size_t ncnt, ccap;
	uint32_t *cpus;
	size_t ncpu;
};

static void
stage_free(struct stage *s)
{
	free(s->v);
	free(s->pool);
	free(s->cnt);
	free(s->cpus);
}

/* Grow *v (elements of size sz) to hold at least need; false: no memory. */
static bool
grow(void **v, size_t *cap, size_t need, size_t sz)
{
	size_t nc;
	void *nv;

	if (need <= *cap)
		return true;
	nc = *cap != 0 ? *cap : 16;
	while (nc < need)
		nc *= 2;
	if ((nv = realloc(*v, nc * sz)) == NULL)
		return false;
	*v = nv;
	*cap = nc;
	return true;
}

/* tok[0..n) joined by single spaces into the pool; its offset (SIZE_MAX: no memory). */
static size_t
pool_join(struct stage *s, char **tok, unsigned n)
{
	size_t need = s->plen + 1, off = s->plen;
	unsigned i;

	for (i = 0; i < n; i++)
		need += strlen(tok[i]) + 1;
	if (!grow((void **)&s->pool, &s->pcap, need, 1))
		return SIZE_MAX;
	for (i = 0; i < n; i++) {
		size_t l = strlen(tok[i]);

		if (i > 0)
			s->pool[s->plen++] = ' ';
		memcpy(s->pool + s->plen, tok[i], l);
		s->plen += l;
	}
	s->pool[s->plen++] = '\0';
	return off;
}

/* A name the tree can carry: printable ASCII, no blank. */
static bool
name_ok(const char *s, size_t len)
{
	if (len == 0 || len > LX_PROC_NAMELEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The header: CPU<n> ... ascending. */
static int
header(struct lx_proc *p, struct stage *s, char **tok, unsigned ntok)
{
	uint64_t c;

	if (ntok == 0 || ntok > LX_PROC_MAXCPU)
		return lx_proc_err(p, -EINVAL, 1, "%u CPU columns", ntok);
	if ((s->cpus = malloc(ntok * sizeof(*s->cpus))) == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < ntok; i++) {
		if (strncmp(tok[i], "CPU", 3) != 0 || lx_dec(tok[i] + 3, false, &c) != 0 ||
		    c >= LX_PROC_MAXCPU)
			return lx_proc_err(p, -EINVAL, 1, "column %u: '%s' is not CPUn", i + 1, tok[i]);
		if (i > 0 && c <= s->cpus[i - 1])
			return lx_proc_err(p, -EINVAL, 1, "CPU%u after CPU%u (CPUs must go up)",
			    (unsigned)c, s->cpus[i - 1]);
		s->cpus[i] = (uint32_t)c;
	}
	s->ncpu = ntok;
	return 0;
}

/* One interrupt line. */
static int
line(struct lx_proc *p, struct stage *s, char **tok, unsigned ntok, unsigned ln)
{
	size_t nlen = strlen(tok[0]), k;
	struct ln *l;
	uint64_t v;
	unsigned rest;

	if (nlen < 2 || tok[0][nlen - 1] != ':' || !name_ok(tok[0], nlen - 1))
		return lx_proc_err(p, -EINVAL, ln, "'%.64s' is not an interrupt name and ':'",
		    tok[0]);
	tok[0][nlen - 1] = '\0';
	for (k = 0; k < s->ncpu && 1 + k < ntok && lx_dec(tok[1 + k], false, &v) == 0; k++)
		;
	if (k != s->ncpu && !(k == 1 && ntok == 2))
		return lx_proc_err(p, -EINVAL, ln, "%zu counts, %zu CPUs in the header", k, s->ncpu);
	if (!grow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v)))
		return -ENOMEM;
	l = &s->v[s->n];
	l->chip = l->hwirq = l->actions = l->vec = SIZE_MAX;
	l->total = 0;
	if (k == s->ncpu) {
		if (s->ncnt > SIZE_MAX / sizeof(uint64_t) - k ||
		    !grow((void **)&s->cnt, &s->ccap, s->ncnt + k, sizeof(*s->cnt)))
			return -ENOMEM;
		l->vec = s->ncnt;
		for (size_t i = 0; i < k; i++) {
			(void)lx_dec(tok[1 + i], false, &v);
			s->cnt[s->ncnt++] = v;
			l->total += v;
		}
	} else {
		(void)lx_dec(tok[1], false, &l->total);
	}
	rest = ntok - 1 - (unsigned)k;
	if ((l->name = pool_join(s, tok, 1)) == SIZE_MAX ||
	    (l->descr = pool_join(s, tok + 1 + k, rest)) == SIZE_MAX)
		return -ENOMEM;
	/* A numbered line: chip, hwirq and flow, then the actions. */
	if (all_digits(tok[0]) && rest > 0) {
		char **d = tok + 1 + k;

		if ((l->chip = pool_join(s, d, 1)) == SIZE_MAX ||
		    (rest > 1 && (l->hwirq = pool_join(s, d + 1, 1)) == SIZE_MAX) ||
		    (rest > 2 && (l->actions = pool_join(s, d + 2, rest - 2)) == SIZE_MAX))
			return -ENOMEM;
	}
	s->n++;
	return 0;
}

static const char *
at(const struct stage *s, size_t off)
{
	return off != SIZE_MAX ? s->pool + off : NULL;
}

int
lx_proc_interrupts(struct lx_proc *p)
{
	struct stage s = { 0 };
	struct nb_intr *v = NULL;
	unsigned ntok;
	char **tok;
	int rc, error;

	if ((error = lx_proc_read(p, "proc/interrupts")) != 0)
		return error;
	while ((rc = lx_proc_line(p, &tok, &ntok)) == 1) {
		if (s.cpus == NULL)
			error = header(p, &s, tok, ntok);
		else if (ntok == 0)
			error = lx_proc_err(p, -EINVAL, lx_proc_lineno(p), "empty line");
		else
			error = line(p, &s, tok, ntok, lx_proc_lineno(p));
		if (error != 0)
			goto out;
	}
	if ((error = rc) < 0)
		goto out;
	if (s.n > 0 && (v = calloc(s.n, sizeof(*v))) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < s.n; i++) {
		v[i].name = at(&s, s.v[i].name);
		v[i].descr = at(&s, s.v[i].descr);
		v[i].chip = at(&s, s.v[i].chip);
		v[i].hwirq = at(&s, s.v[i].hwirq);
		v[i].actions = at(&s, s.v[i].actions);
		v[i].total = s.v[i].total;
		v[i].percpu = s.v[i].vec != SIZE_MAX ? s.cnt + s.v[i].vec : NULL;
	}
	if ((error = nb_intrs_publish(lx_proc_stack(p), s.cpus, s.ncpu, v, s.n)) == -EINVAL)
		error = lx_proc_err(p, -EINVAL, 0, "an interrupt name twice");
out:
	free(v);
	stage_free(&s);
	return error;
}
