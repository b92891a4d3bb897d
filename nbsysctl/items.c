/* SPDX-License-Identifier: BSD-2-Clause */
/* items.c - copy walk entries out of the tree; deltas between two reads. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nbsysctl.h"

int
nbs_value_copy(struct nb_sysctl_value *dst, const struct nb_sysctl_value *src)
{
	char *s = NULL;
	uint64_t *pc = NULL;

	if (src->str != NULL && (s = strndup(src->str, src->len)) == NULL)
		return -ENOMEM;
	if (src->percpu != NULL && src->ncpu > 0) {
		if ((pc = calloc(src->ncpu, sizeof(*pc))) == NULL) {
			free(s);
			return -ENOMEM;
		}
		memcpy(pc, src->percpu, src->ncpu * sizeof(*pc));
	}
	*dst = *src;
	dst->str = s;
	dst->percpu = pc;
	dst->ncpu = pc != NULL ? src->ncpu : 0;
	return 0;
}

void
nbs_value_free(struct nb_sysctl_value *v)
{
	free((char *)v->str);
	free((uint64_t *)v->percpu);
	v->str = NULL;
	v->percpu = NULL;
	v->ncpu = 0;
}

static void
item_free(struct nbs_item *it)
{
	free(it->name);
	free(it->comp);
	free(it->descr);
	nbs_value_free(&it->val);
	if (it->has_delta)
		nbs_value_free(&it->delta);
	if (it->has_old)
		nbs_value_free(&it->old);
}

void
nbs_list_free(struct nbs_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		item_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

struct nbs_item *
nbs_last(struct nbs_list *l)
{
	return l->n > 0 ? &l->v[l->n - 1] : NULL;
}

static struct nbs_item *
list_grow(struct nbs_list *l)
{
	struct nbs_item *nv;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;

		if ((nv = realloc(l->v, ncap * sizeof(*nv))) == NULL)
			return NULL;
		l->v = nv;
		l->cap = ncap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n];
}

/* Fill an item from its escaped name and value; the list owns it on success. */
static int
item_fill(struct nbs_list *l, const char *name, const char *descr,
    const struct nb_sysctl_value *v)
{
	struct nbs_item *it;
	int rc;

	if ((it = list_grow(l)) == NULL)
		return -ENOMEM;
	if ((it->name = strdup(name)) == NULL ||
	    (it->descr = strdup(descr != NULL ? descr : "")) == NULL)
		goto nomem;
	if ((rc = nb_sysctl_name_split(name, &it->comp, NULL, &it->ncomp)) < 0) {
		item_free(it);
		return rc;
	}
	if ((rc = nbs_value_copy(&it->val, v)) < 0) {
		item_free(it);
		return rc;
	}
	l->n++;
	return 0;
nomem:
	item_free(it);
	return -ENOMEM;
}

static int
collect_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct nbs_list *l = arg;
	char buf[NB_SYSCTL_NAMEMAX + 1];
	size_t n;

	if ((n = nb_sysctl_entry_name(e, buf, sizeof(buf))) >= sizeof(buf))
		return -ENAMETOOLONG;
	return item_fill(l, buf, e->descr, &e->val);
}

int
nbs_collect(struct nb_sysctl *h, const char *const *comp, unsigned ncomp,
    unsigned rdflags, struct nbs_list *l)
{
	return nb_sysctl_walkv(h, comp, ncomp, rdflags, collect_cb, l);
}

int
nbs_append_value(struct nbs_list *l, const char *name, const struct nb_sysctl_value *v)
{
	return item_fill(l, name, "", v);
}

static int
name_cmp(const void *a, const void *b)
{
	const struct nbs_item *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static bool
is_counter(const struct nb_sysctl_value *v)
{
	return (v->flags & NB_SYSCTL_F_COUNTER) != 0 &&
	    (v->type == NB_SYSCTL_U64 || v->type == NB_SYSCTL_INT);
}

/* cur - prev for a counter; a counter that went backwards restarted. */
static uint64_t
u64_delta(uint64_t cur, uint64_t prev)
{
	return cur >= prev ? cur - prev : cur;
}

static int
item_delta(struct nbs_item *it, const struct nbs_item *p)
{
	struct nb_sysctl_value *d = &it->delta;
	int rc;

	if ((rc = nbs_value_copy(d, &it->val)) < 0)
		return rc;
	it->has_delta = true;
	if (d->type == NB_SYSCTL_U64)
		d->u = u64_delta(it->val.u, p->val.u);
	else
		d->i = it->val.i >= p->val.i ? it->val.i - p->val.i : it->val.i;
	if (d->percpu != NULL) {
		uint64_t *pc = (uint64_t *)d->percpu;

		for (unsigned c = 0; c < d->ncpu; c++)
			pc[c] = c < p->val.ncpu && p->val.percpu != NULL ?
			    u64_delta(it->val.percpu[c], p->val.percpu[c]) :
			    it->val.percpu[c];
	}
	return 0;
}

int
nbs_deltas(struct nbs_list *cur, const struct nbs_list *prev)
{
	const struct nbs_item **idx, *key, **hit;
	int rc = 0;

	if (prev->n == 0)
		return 0;
	if ((idx = calloc(prev->n, sizeof(*idx))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < prev->n; i++)
		idx[i] = &prev->v[i];
	qsort(idx, prev->n, sizeof(*idx), name_cmp);
	for (size_t i = 0; i < cur->n && rc == 0; i++) {
		struct nbs_item *it = &cur->v[i];

		if (!is_counter(&it->val))
			continue;
		key = it;
		hit = bsearch(&key, idx, prev->n, sizeof(*idx), name_cmp);
		if (hit != NULL && (*hit)->val.type == it->val.type)
			rc = item_delta(it, *hit);
	}
	free(idx);
	return rc;
}

const struct nb_sysctl_value *
nbs_shown(const struct nbs_item *it)
{
	return it->has_delta ? &it->delta : &it->val;
}

void
nbs_flags_format(unsigned flags, char *buf, size_t size)
{
	static const struct {
		unsigned	 bit;
		const char	*name;
	} fl[] = {
		{ NB_SYSCTL_F_WRITABLE, "rw" },
		{ NB_SYSCTL_F_COUNTER, "counter" },
		{ NB_SYSCTL_F_GAUGE, "gauge" },
		{ NB_SYSCTL_F_PERCPU, "percpu" },
		{ NB_SYSCTL_F_PRIVILEGED, "privileged" },
	};
	size_t off = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		int n;

		if ((flags & fl[i].bit) == 0)
			continue;
		n = snprintf(buf + off, size - off, "%s%s", off ? ", " : "", fl[i].name);
		if (n < 0 || (size_t)n >= size - off)
			return;
		off += (size_t)n;
	}
}
