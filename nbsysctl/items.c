/* SPDX-License-Identifier: BSD-2-Clause */
/* items.c - copy walk entries out of the tree; deltas between two reads (nb_delta). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nbtool/nbtool.h"

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
	nb_delta_destroy(&l->delta);
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

static bool
is_counter(const struct nb_sysctl_value *v)
{
	return (v->flags & NB_SYSCTL_F_COUNTER) != 0 &&
	    (v->type == NB_SYSCTL_U64 || v->type == NB_SYSCTL_INT);
}

/*
 * Deltas through nb_delta (libnbtool's one delta path): the counters of
 * the list become a table with one row per counter and one per slot of its
 * per-CPU vector (keys: the escaped name, and the CPU), so that each is
 * matched by identity with the previous sample's and follows the same reset
 * rules as every other interval mode (no previous value: as read; a
 * counter below its previous value: from 0). A counter whose type changed
 * is a new object (the type is part of its key).
 */
struct drow {
	uint64_t v;
};

static const struct nb_sysctl_column dcols[] = {
	{ "value", NB_SYSCTL_U64, 0, 0 },
};

struct dmap {
	size_t item; /* cur->v[item] */
	int cpu; /* -1: the value itself */
};

int
nbs_deltas(struct nbs_list *cur, struct nbs_list *prev)
{
	struct nb_delta *d;
	struct nb_sysctl_table t;
	struct drow *rows = NULL;
	struct nb_sysctl_rowid *ids = NULL;
	struct dmap *map = NULL;
	char(*cpukeys)[16] = NULL, (*typekeys)[4] = NULL;
	size_t n = 0, i, r;
	int rc = -ENOMEM;

	/* The delta state goes with the latest list (prev is freed next). */
	if (prev->delta == NULL && nb_delta_create(&prev->delta) != 0)
		return -ENOMEM;
	d = cur->delta = prev->delta;
	prev->delta = NULL;
	for (i = 0; i < cur->n; i++)
		if (is_counter(&cur->v[i].val))
			n += 1 + (cur->v[i].val.percpu != NULL ? cur->v[i].val.ncpu : 0);
	if ((rows = calloc(n + 1, sizeof(*rows))) == NULL ||
	    (ids = calloc(n + 1, sizeof(*ids))) == NULL ||
	    (map = calloc(n + 1, sizeof(*map))) == NULL ||
	    (cpukeys = calloc(n + 1, sizeof(*cpukeys))) == NULL ||
	    (typekeys = calloc(n + 1, sizeof(*typekeys))) == NULL)
		goto out;
	for (i = 0, r = 0; i < cur->n; i++) {
		const struct nb_sysctl_value *v = &cur->v[i].val;

		if (!is_counter(v))
			continue;
		for (int k = -1; k < (v->percpu != NULL ? (int)v->ncpu : 0); k++, r++) {
			rows[r].v = k < 0 ? (v->type == NB_SYSCTL_U64 ? v->u : (uint64_t)v->i) :
					    v->percpu[k];
			snprintf(typekeys[r], sizeof(typekeys[r]), "%d", (int)v->type);
			snprintf(cpukeys[r], sizeof(cpukeys[r]), "%d", k);
			ids[r].key[0] = cur->v[i].name;
			ids[r].key[1] = typekeys[r];
			ids[r].key[2] = cpukeys[r];
			ids[r].nkey = 3;
			ids[r].index = -1;
			ids[r].present[0] = 1;
			map[r] = (struct dmap){ i, k };
		}
	}
	memset(&t, 0, sizeof(t));
	t.nrows = n;
	t.rowsize = sizeof(struct drow);
	t.rows = rows;
	t.ids = ids;
	t.ncols = 1;
	t.colflags[0] = NB_SYSCTL_F_COUNTER;
	if ((rc = nb_delta_step(d, &t, dcols, NULL)) != 0 || nb_delta_first(d))
		goto out;
	for (r = 0; r < n; r++) {
		struct nbs_item *it = &cur->v[map[r].item];

		if (map[r].cpu < 0) {
			/* No previous value: shown as read (no delta). */
			if (nb_delta_state(d, r) == NB_DELTA_NEW)
				continue;
			if ((rc = nbs_value_copy(&it->delta, &it->val)) < 0)
				goto out;
			it->has_delta = true;
			if (it->delta.type == NB_SYSCTL_U64)
				it->delta.u = rows[r].v;
			else
				it->delta.i = (int64_t)rows[r].v;
			continue;
		}
		if (it->has_delta && it->delta.percpu != NULL &&
		    (unsigned)map[r].cpu < it->delta.ncpu)
			((uint64_t *)it->delta.percpu)[map[r].cpu] = rows[r].v;
	}
	rc = 0;
out:
	free(rows);
	free(ids);
	free(map);
	free(cpukeys);
	free(typekeys);
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
