/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_proc.c - procfs seam, line reader, staging and publication of statgroups. */
/*
 * Theory of operation
 *
 * Every procfs/sysfs file the linux source reads goes through
 * nb_lx_proc_open(), which joins the root override (nb_source_opts.root,
 * default "/") with the file's path. A file is read whole into one reused
 * buffer (procfs files report size 0, so we read until EOF), then parsed
 * line by line in place.
 *
 * A parser stages the statgroups of its file (lx_stage: counter names as
 * the kernel spells them, kinds, values per slot). Only when the whole
 * file parsed does lx_stage_commit() publish it:
 *   1. every staged group that was published before must have exactly the
 *      fields (mapped names, in order), slots and flags it had: the kernel
 *      does not change them while it runs, so a difference is reported as
 *      an error rather than mis-mapping values;
 *   2. groups seen for the first time are registered
 *      (nb_statgroup_register_flags) and remembered (lx_rec);
 *   3. every value is stored with nb_ctr_store into its slot.
 * So a malformed or truncated file is an error naming the file and line,
 * and stores nothing.
 *
 * Values: kernel counters are stored as they are printed. Negative numbers
 * (Tcp MaxConn is -1) are stored as the int64_t's two's-complement bits in
 * the uint64_t counter: the tree shows 18446744073709551615 for -1.
 *
 * Concurrency: called from lx_refresh only (one caller at a time per
 * source); the source is the only writer of these groups' slots.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source_linux_proc.h"

/* A statgroup this source published, with the names it was given. */
struct lx_rec {
	char		*mib;
	unsigned	 n, nslots, flags;
	char		**names;
	struct nb_statgroup *sg;
};

struct lx_proc {
	struct nb_stack	*st;
	char		*root;
	char		 path[PATH_MAX];	/* of the file being parsed */
	char		 err[LX_PROC_ERRLEN];
	/* the file, reused */
	char		*buf;
	size_t		 len, cap;
	size_t		 pos;
	unsigned	 lineno;
	char		**tok;
	unsigned	 tokcap;
	/* staged groups of the current file (reused, nstg in use) */
	struct lx_stage	*stg;
	unsigned	 nstg, stgcap;
	/* published groups */
	struct lx_rec	*rec;
	unsigned	 nrec, reccap;
};

int
nb_lx_proc_open(const char *root, const char *rel, char *path, size_t size)
{
	struct stat sb;
	size_t rl;
	int n, fd;

	if (root == NULL || *root == '\0')
		root = "/";
	rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	while (*rel == '/')
		rel++;
	n = snprintf(path, size, "%.*s%s%s", (int)rl, root,
	    root[rl - 1] == '/' ? "" : "/", rel);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	/* Never block on what a fixture root may hold instead of a file (a
	 * fifo, a device): open without waiting, then take only a regular
	 * file or a directory. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return -errno;
	if (fstat(fd, &sb) != 0) {
		n = -errno;
		close(fd);
		return n;
	}
	if (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int
lx_proc_err(struct lx_proc *p, int err, unsigned lineno, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (lineno != 0)
		n = snprintf(p->err, sizeof(p->err), "%s: line %u: ", p->path, lineno);
	else
		n = snprintf(p->err, sizeof(p->err), "%s: ", p->path);
	if (n < 0 || (size_t)n >= sizeof(p->err))
		return err;
	va_start(ap, fmt);
	vsnprintf(p->err + n, sizeof(p->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return err;
}

static int
lx_proc_read1(struct lx_proc *p, const char *rel, bool empty_ok)
{
	ssize_t r;
	char *nb;
	int fd, error = 0;

	p->len = p->pos = 0;
	p->lineno = 0;
	if ((fd = nb_lx_proc_open(p->root, rel, p->path, sizeof(p->path))) < 0) {
		if (fd == -ENAMETOOLONG)
			snprintf(p->path, sizeof(p->path), "%s/%s", p->root, rel);
		return lx_proc_err(p, fd, 0, "%s", fd == -EINVAL ? "not a regular file" : strerror(-fd));
	}
	for (;;) {
		if (p->cap - p->len < 4096 + 1) {
			size_t cap = p->cap != 0 ? p->cap * 2 : 65536;

			if (cap > LX_PROC_MAXFILE + 1) {
				error = lx_proc_err(p, -EFBIG, 0, "larger than %u bytes",
				    LX_PROC_MAXFILE);
				goto out;
			}
			if ((nb = realloc(p->buf, cap)) == NULL) {
				error = -ENOMEM;
				goto out;
			}
			p->buf = nb;
			p->cap = cap;
		}
		if ((r = read(fd, p->buf + p->len, p->cap - p->len - 1)) < 0) {
			if (errno == EINTR)
				continue;
			error = lx_proc_err(p, -errno, 0, "read: %s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		p->len += (size_t)r;
	}
	p->buf[p->len] = '\0';
	if (p->len == 0 && !empty_ok)
		error = lx_proc_err(p, -EINVAL, 0, "empty file");
	else if (memchr(p->buf, '\0', p->len) != NULL)
		error = lx_proc_err(p, -EINVAL, 0, "NUL byte in the file");
out:
	close(fd);
	if (error != 0)
		p->len = 0;
	return error;
}

int
lx_proc_read(struct lx_proc *p, const char *rel)
{
	return lx_proc_read1(p, rel, false);
}

int
lx_proc_read_empty_ok(struct lx_proc *p, const char *rel)
{
	return lx_proc_read1(p, rel, true);
}

char *
lx_proc_text(struct lx_proc *p, size_t *len)
{
	*len = p->len;
	return p->buf;
}

int
lx_proc_line(struct lx_proc *p, char ***tokp, unsigned *ntokp)
{
	char *s, *nl, *e, **nt;
	unsigned n = 0;

	if (p->pos >= p->len)
		return 0;
	p->lineno++;
	s = p->buf + p->pos;
	if ((nl = memchr(s, '\n', p->len - p->pos)) == NULL)
		return lx_proc_err(p, -EINVAL, p->lineno, "truncated (no newline at the end)");
	*nl = '\0';
	p->pos = (size_t)(nl - p->buf) + 1;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		for (e = s; *e != '\0' && *e != ' ' && *e != '\t'; e++)
			;
		if (n == p->tokcap) {
			unsigned cap = p->tokcap != 0 ? p->tokcap * 2 : 256;

			if ((nt = realloc(p->tok, cap * sizeof(*nt))) == NULL)
				return -ENOMEM;
			p->tok = nt;
			p->tokcap = cap;
		}
		p->tok[n++] = s;
		if (*e == '\0')
			break;
		*e = '\0';
		s = e + 1;
	}
	*tokp = p->tok;
	*ntokp = n;
	return 1;
}

unsigned
lx_proc_lineno(const struct lx_proc *p)
{
	return p->lineno;
}

struct nb_stack *
lx_proc_stack(struct lx_proc *p)
{
	return p->st;
}

const char *
lx_proc_path(const struct lx_proc *p)
{
	return p->path;
}

const char *
lx_proc_root(const struct lx_proc *p)
{
	return p->root;
}

int
lx_dec(const char *s, bool neg_ok, uint64_t *out)
{
	bool neg = false;
	uint64_t v = 0;

	if (neg_ok && *s == '-') {
		neg = true;
		s++;
	}
	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		v = (uint64_t)0 - v;	/* the bits of the int64_t -v */
	}
	*out = v;
	return 0;
}

int
lx_hex(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned d, n = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++, n++) {
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a') + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A') + 10;
		else
			return -EINVAL;
		if (n == 16)
			return -ERANGE;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

int
lx_mapname(const char *orig, bool paren, char *out, size_t size)
{
	size_t n = 0;
	char c;

	for (; *orig != '\0'; orig++) {
		c = *orig;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (paren && c == '(')
			c = '_';
		else if (paren && c == ')')
			continue;
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return -EINVAL;
		if (n + 1 >= size)
			return -EINVAL;
		out[n++] = c;
	}
	if (n == 0)
		return -EINVAL;
	out[n] = '\0';
	return 0;
}

/* ---- staging ---- */

void
lx_stage_reset(struct lx_proc *p)
{
	p->nstg = 0;
}

struct lx_stage *
lx_stage_group(struct lx_proc *p, const char *mib, const char *gname, unsigned flags,
    bool *created)
{
	struct lx_stage *s;
	unsigned i;

	*created = false;
	for (i = 0; i < p->nstg; i++)
		if (strcmp(p->stg[i].mib, mib) == 0)
			return &p->stg[i];
	if (strlen(mib) >= LX_PROC_MIBLEN)
		return NULL;
	if (p->nstg == p->stgcap) {
		unsigned cap = p->stgcap != 0 ? p->stgcap * 2 : 16;

		if ((s = realloc(p->stg, cap * sizeof(*s))) == NULL)
			return NULL;
		memset(s + p->stgcap, 0, (cap - p->stgcap) * sizeof(*s));
		p->stg = s;
		p->stgcap = cap;
	}
	s = &p->stg[p->nstg++];
	strcpy(s->mib, mib);
	s->gname = gname != NULL ? gname : "";
	s->flags = flags;
	s->n = 0;
	s->nslots = 0;
	*created = true;
	return s;
}

static int
stage_vgrow(struct lx_stage *s, size_t need)
{
	uint64_t *nv;
	size_t cap;

	if (need <= s->vcap)
		return 0;
	for (cap = s->vcap != 0 ? s->vcap : 64; cap < need; cap *= 2)
		;
	if ((nv = realloc(s->v, cap * sizeof(*nv))) == NULL)
		return -ENOMEM;
	s->v = nv;
	s->vcap = cap;
	return 0;
}

int
lx_stage_field(struct lx_proc *p, struct lx_stage *s, const char *orig, const char *descr,
    enum nb_ctr_kind kind, uint64_t v)
{
	struct lx_field *nf;

	(void)p;
	if (s->n == s->fcap) {
		unsigned cap = s->fcap != 0 ? s->fcap * 2 : 64;

		if ((nf = realloc(s->f, cap * sizeof(*nf))) == NULL)
			return -ENOMEM;
		s->f = nf;
		s->fcap = cap;
	}
	if (stage_vgrow(s, (size_t)s->n + 1) != 0)
		return -ENOMEM;
	s->f[s->n].orig = orig;
	s->f[s->n].descr = descr;
	s->f[s->n].kind = (uint8_t)kind;
	s->v[s->n] = v;
	s->n++;
	s->nslots = 1;
	return 0;
}

uint64_t *
lx_stage_slot(struct lx_proc *p, struct lx_stage *s, unsigned slot)
{
	size_t need = ((size_t)slot + 1) * s->n;

	(void)p;
	if (slot >= LX_PROC_MAXCPU || s->n == 0)
		return NULL;
	if (slot >= s->nslots) {
		if (stage_vgrow(s, need) != 0)
			return NULL;
		memset(s->v + (size_t)s->nslots * s->n, 0,
		    ((size_t)slot + 1 - s->nslots) * s->n * sizeof(*s->v));
		s->nslots = slot + 1;
	}
	return s->v + (size_t)slot * s->n;
}

static struct lx_rec *
rec_find(struct lx_proc *p, const char *mib)
{
	unsigned i;

	for (i = 0; i < p->nrec; i++)
		if (strcmp(p->rec[i].mib, mib) == 0)
			return &p->rec[i];
	return NULL;
}

static void
rec_fini(struct lx_rec *r)
{
	unsigned i;

	if (r->names != NULL)
		for (i = 0; i < r->n; i++)
			free(r->names[i]);
	free(r->names);
	free(r->mib);
}

/* Step 1: a group published before must have the same shape and names. */
static int
stage_check(struct lx_proc *p, const struct lx_stage *s, const struct lx_rec *r, bool paren)
{
	char name[LX_PROC_NAMELEN];
	unsigned i;

	if (r->flags != s->flags || r->n != s->n)
		return lx_proc_err(p, -EINVAL, 0, "the kernel's field set of %s changed "
		    "(%u fields, %u before)", s->mib, s->n, r->n);
	if (r->nslots != s->nslots)
		return lx_proc_err(p, -EINVAL, 0, "%s: %u CPU slots now, %u before "
		    "(CPU hotplug?)", s->mib, s->nslots, r->nslots);
	for (i = 0; i < s->n; i++) {
		if (lx_mapname(s->f[i].orig, paren, name, sizeof(name)) != 0)
			return lx_proc_err(p, -EINVAL, 0, "bad field name '%s'", s->f[i].orig);
		if (strcmp(name, r->names[i]) != 0)
			return lx_proc_err(p, -EINVAL, 0, "the kernel's field set of %s changed "
			    "(field %u is %s, was %s)", s->mib, i, name, r->names[i]);
	}
	return 0;
}

/* Step 2: register a group seen for the first time, and remember it. */
static int
stage_register(struct lx_proc *p, const struct lx_stage *s, bool paren)
{
	struct nb_ctr_desc *d = NULL;
	struct lx_rec r, *nr;
	char *pool = NULL, *q;
	const char *file = p->path + strlen(p->root);
	unsigned i, j;
	int error = 0;

	memset(&r, 0, sizeof(r));
	if (s->n == 0 || s->nslots == 0)
		return lx_proc_err(p, -EINVAL, 0, "no values for %s", s->mib);
	if (strcmp(p->root, "/") == 0)
		file = p->path;
	if ((d = calloc(s->n, sizeof(*d))) == NULL ||
	    (pool = malloc((size_t)s->n * (LX_PROC_NAMELEN + 160))) == NULL ||
	    (r.names = calloc(s->n, sizeof(*r.names))) == NULL ||
	    (r.mib = strdup(s->mib)) == NULL) {
		error = -ENOMEM;
		goto out;
	}
	r.n = s->n;
	r.nslots = s->nslots;
	r.flags = s->flags;
	for (i = 0, q = pool; i < s->n; i++) {
		if (lx_mapname(s->f[i].orig, paren, q, LX_PROC_NAMELEN) != 0) {
			error = lx_proc_err(p, -EINVAL, 0, "bad field name '%s'", s->f[i].orig);
			goto out;
		}
		for (j = 0; j < i; j++)
			if (strcmp(d[j].name, q) == 0) {
				error = lx_proc_err(p, -EINVAL, 0, "field %s of %s repeated",
				    q, s->mib);
				goto out;
			}
		if ((r.names[i] = strdup(q)) == NULL) {
			error = -ENOMEM;
			goto out;
		}
		d[i].name = q;
		d[i].kind = (enum nb_ctr_kind)s->f[i].kind;
		q += strlen(q) + 1;
		if (s->f[i].descr != NULL)
			d[i].descr = s->f[i].descr;
		else {
			snprintf(q, 160, "%s%s%s (%.64s)", s->gname, *s->gname != '\0' ? ": " : "",
			    s->f[i].orig, file);
			d[i].descr = q;
			q += strlen(q) + 1;
		}
	}
	if (p->nrec == p->reccap) {
		unsigned cap = p->reccap != 0 ? p->reccap * 2 : 16;

		if ((nr = realloc(p->rec, cap * sizeof(*nr))) == NULL) {
			error = -ENOMEM;
			goto out;
		}
		p->rec = nr;
		p->reccap = cap;
	}
	if ((error = nb_statgroup_register_flags(p->st, s->mib, file, d, s->n, s->nslots,
	    s->flags, &r.sg)) != 0) {
		lx_proc_err(p, error, 0, "cannot register %s: %s", s->mib, strerror(-error));
		goto out;
	}
	p->rec[p->nrec++] = r;
	memset(&r, 0, sizeof(r));
out:
	rec_fini(&r);
	free(pool);
	free(d);
	return error;
}

int
lx_stage_commit(struct lx_proc *p, bool paren)
{
	struct lx_stage *s;
	struct lx_rec *r;
	struct nb_ctrgroup *g;
	uint64_t *slot;
	unsigned i, k, j;
	int error;

	for (i = 0; i < p->nstg; i++) {
		s = &p->stg[i];
		if ((r = rec_find(p, s->mib)) != NULL && (error = stage_check(p, s, r, paren)) != 0)
			return error;
	}
	for (i = 0; i < p->nstg; i++) {
		s = &p->stg[i];
		if (rec_find(p, s->mib) == NULL && (error = stage_register(p, s, paren)) != 0)
			return error;
	}
	for (i = 0; i < p->nstg; i++) {
		s = &p->stg[i];
		r = rec_find(p, s->mib);
		g = nb_statgroup_ctrs(r->sg);
		for (k = 0; k < s->nslots; k++) {
			slot = nb_ctrgroup_slot(g, k);
			for (j = 0; j < s->n; j++)
				nb_ctr_store(slot, j, s->v[(size_t)k * s->n + j]);
		}
	}
	return 0;
}

/* ---- lifecycle and dispatch ---- */

int
lx_proc_init(struct lx_proc **pp, struct nb_stack *st, const char *root)
{
	struct lx_proc *p;
	size_t rl;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	p->st = st;
	if ((p->root = strdup(root != NULL && *root != '\0' ? root : "/")) == NULL) {
		free(p);
		return -ENOMEM;
	}
	/* "/x/" is "/x": the tail of a joined path is then the file's own path. */
	for (rl = strlen(p->root); rl > 1 && p->root[rl - 1] == '/'; rl--)
		p->root[rl - 1] = '\0';
	*pp = p;
	return 0;
}

void
lx_proc_free(struct lx_proc **pp)
{
	struct lx_proc *p = *pp;
	unsigned i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nrec; i++)
		rec_fini(&p->rec[i]);
	free(p->rec);
	for (i = 0; i < p->stgcap; i++) {
		free(p->stg[i].f);
		free(p->stg[i].v);
	}
	free(p->stg);
	free(p->tok);
	free(p->buf);
	free(p->root);
	free(p);
	*pp = NULL;
}

const char *
lx_proc_error(const struct lx_proc *p)
{
	return p->err;
}

int
lx_proc_refresh(struct lx_proc *p, unsigned fams)
{
	char first[LX_PROC_ERRLEN];
	int error = 0, e;

	p->err[0] = '\0';
	first[0] = '\0';
#define LX_RUN(call) do {						\
	if ((e = (call)) != 0 && error == 0) {				\
		error = e;						\
		memcpy(first, p->err, sizeof(first));			\
	}								\
} while (0)
	if ((fams & NB_FAM_PROTO) != 0) {
		LX_RUN(lx_proc_snmp(p, "proc/net/snmp"));
		LX_RUN(lx_proc_snmp(p, "proc/net/netstat"));
		LX_RUN(lx_proc_snmp6(p));
	}
	if ((fams & NB_FAM_SOFTNET) != 0)
		LX_RUN(lx_proc_softnet(p));
	if ((fams & NB_FAM_CPU) != 0) {
		LX_RUN(lx_proc_stat(p));
		LX_RUN(lx_proc_ident(p));
	}
	if ((fams & NB_FAM_VM) != 0) {
		LX_RUN(lx_proc_meminfo(p));
		LX_RUN(lx_proc_vmstat(p));
	}
	if ((fams & NB_FAM_MCAST) != 0)
		LX_RUN(lx_proc_mcast(p));
	if ((fams & NB_FAM_INTR) != 0)
		LX_RUN(lx_proc_interrupts(p));
#undef LX_RUN
	memcpy(p->err, first, sizeof(p->err));
	return error;
}
