/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * render.c - print collected items through nb_out, the one printing path.
 *
 * Text is sysctl(8)'s: one line per leaf in the order the items came
 * ("name = value", "name=value" with -e, the value alone with -n, the
 * description with -d, "name: old -> new" for a write). JSON is one
 * document per record, nested as the tree: the subtrees read are merged
 * (a name read twice, or inside another one read, appears once, where it
 * first appeared), then the writes are added (a write replaces the leaf
 * read); an empty interior node is an empty object. The renderer keeps pointers to the items until
 * nbs_render_end, so the lists must live until then.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nbtool/nbtool.h>

#include "nbsysctl.h"

/*
 * A node of the JSON document: an object (it == NULL) with its children
 * in insertion order, or a leaf showing an item. Children are found by a
 * hash index once there are more than a few (an interface list has
 * thousands).
 */
struct jnode {
	const char	*key;		/* the item's component (not owned) */
	const struct nbs_item *it;	/* leaf: what it shows */
	struct jnode	**kid;		/* in insertion order */
	size_t		 nkid, kcap;
	struct jnode	**idx;		/* open addressing over kid; NULL below JIDX_MIN */
	size_t		 icap;		/* power of 2 */
};

#define JIDX_MIN	8

struct nbs_renderer {
	struct nbs_render_opts o;
	struct nb_out	*out;
	const struct nbs_item **line;	/* text: the items in order */
	size_t		 nline, lcap;
	struct jnode	 root;		/* JSON: the document */
	bool		 any;		/* JSON: a subtree or a write to print */
};

static _Noreturn void
nomem(void)
{
	nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
}

/* ---- the JSON document ---- */

static size_t
jhash(const char *s)
{
	size_t h = 2166136261u;		/* FNV-1a */

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void
jidx_put(struct jnode **idx, size_t icap, struct jnode *n)
{
	size_t i = jhash(n->key) & (icap - 1);

	while (idx[i] != NULL)
		i = (i + 1) & (icap - 1);
	idx[i] = n;
}

static struct jnode *
jkid_find(const struct jnode *p, const char *key)
{
	size_t i;

	if (p->nkid > 0 && strcmp(p->kid[p->nkid - 1]->key, key) == 0)
		return p->kid[p->nkid - 1];	/* walks come in tree order */
	if (p->idx == NULL) {
		for (i = 0; i < p->nkid; i++)
			if (strcmp(p->kid[i]->key, key) == 0)
				return p->kid[i];
		return NULL;
	}
	for (i = jhash(key) & (p->icap - 1); p->idx[i] != NULL; i = (i + 1) & (p->icap - 1))
		if (strcmp(p->idx[i]->key, key) == 0)
			return p->idx[i];
	return NULL;
}

static struct jnode *
jkid_add(struct jnode *p, const char *key)
{
	struct jnode *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		nomem();
	n->key = key;
	if (p->nkid == p->kcap) {
		p->kcap = p->kcap ? p->kcap * 2 : 4;
		if ((p->kid = reallocarray(p->kid, p->kcap, sizeof(*p->kid))) == NULL)
			nomem();
	}
	p->kid[p->nkid++] = n;
	if (p->nkid < JIDX_MIN)
		return n;
	if (p->nkid * 2 > p->icap) {	/* (re)build at half load */
		free(p->idx);
		p->icap = p->icap ? p->icap * 2 : 4 * JIDX_MIN;
		if ((p->idx = calloc(p->icap, sizeof(*p->idx))) == NULL)
			nomem();
		for (size_t i = 0; i < p->nkid; i++)
			jidx_put(p->idx, p->icap, p->kid[i]);
	} else {
		jidx_put(p->idx, p->icap, n);
	}
	return n;
}

/* Put an item at its path, making the objects on the way. */
static void
jdoc_set(struct jnode *root, const struct nbs_item *it)
{
	struct jnode *p = root, *n;

	for (unsigned i = 0; i < it->ncomp; i++) {
		if ((n = jkid_find(p, it->comp[i])) == NULL)
			n = jkid_add(p, it->comp[i]);
		p = n;
	}
	if (p != root && it->val.type != NB_SYSCTL_NODE)
		p->it = it;
}

static void
jdoc_free(struct jnode *n, bool self)
{
	for (size_t i = 0; i < n->nkid; i++)
		jdoc_free(n->kid[i], true);
	free(n->kid);
	free(n->idx);
	if (self)
		free(n);
	else
		memset(n, 0, sizeof(*n));
}

/* ---- values ---- */

/* A value as JSON under key; a per-CPU counter as {"total", "percpu": [...]}. */
static void
json_value(struct nb_out *out, const char *key, const struct nb_sysctl_value *v, bool percpu)
{
	switch (v->type) {
	case NB_SYSCTL_INT:
		nb_out_i64(out, NB_OUT_JSON, key, NULL, v->i);
		break;
	case NB_SYSCTL_U64:
		if (!percpu || v->percpu == NULL) {
			nb_out_u64(out, NB_OUT_JSON, key, NULL, v->u);
			break;
		}
		nb_out_open_object(out, key);
		nb_out_u64(out, NB_OUT_JSON, "total", NULL, v->u);
		nb_out_open_array(out, "percpu");
		for (unsigned c = 0; c < v->ncpu; c++)
			nb_out_u64(out, NB_OUT_JSON, NULL, NULL, v->percpu[c]);
		nb_out_close_array(out);
		nb_out_close_object(out);
		break;
	case NB_SYSCTL_BOOL:
		nb_out_bool(out, NB_OUT_JSON, key, NULL, v->b);
		break;
	case NB_SYSCTL_STRING:
	case NB_SYSCTL_ADDRESS:
	case NB_SYSCTL_INADDR:	/* (a table column's type: no leaf has it) */
		nb_out_str(out, NB_OUT_JSON, key, NULL, v->str != NULL ? v->str : "");
		break;
	case NB_SYSCTL_NODE:
		nb_out_open_object(out, key);
		nb_out_close_object(out);
		break;
	}
}

/* A value as sysctl(8) prints it: the library's text form (with the vector under -P). */
static void
text_value(struct nb_out *out, const struct nb_sysctl_value *v)
{
	char small[128], *s = small;
	size_t n;

	if ((n = nb_sysctl_value_format(v, small, sizeof(small))) >= sizeof(small)) {
		if ((s = malloc(n + 1)) == NULL)
			nomem();
		nb_sysctl_value_format(v, s, n + 1);
	}
	nb_out_str(out, NB_OUT_TEXT, NULL, "%s", s);
	if (s != small)
		free(s);
}

/* ---- the two layouts of a record ---- */

static void
text_line(struct nbs_renderer *r, const struct nbs_item *it)
{
	const char *label = r->o.nflag ? NULL : it->has_old || r->o.dflag ? "%s: " :
	    r->o.eflag ? "%s=" : "%s = ";

	if (label != NULL)
		nb_out_str(r->out, NB_OUT_TEXT, NULL, label, it->name);
	if (it->has_old) {			/* NetBSD: "name: old -> new" */
		text_value(r->out, &it->old);
		nb_out_text(r->out, " -> ");
		text_value(r->out, &it->val);
	} else if (r->o.dflag) {
		nb_out_str(r->out, NB_OUT_TEXT, NULL, "%s", it->descr);
	} else {
		text_value(r->out, nbs_shown(it));
	}
	nb_out_text(r->out, "\n");
}

static void
json_node(struct nbs_renderer *r, const struct jnode *n)
{
	const struct nbs_item *it = n->it;

	if (it == NULL) {
		nb_out_open_object(r->out, n->key);
		for (size_t i = 0; i < n->nkid; i++)
			json_node(r, n->kid[i]);
		nb_out_close_object(r->out);
	} else if (it->has_old) {
		nb_out_open_object(r->out, n->key);
		json_value(r->out, "old", &it->old, false);
		json_value(r->out, "new", &it->val, false);
		nb_out_close_object(r->out);
	} else if (r->o.dflag) {
		nb_out_str(r->out, NB_OUT_JSON, n->key, NULL, it->descr);
	} else {
		json_value(r->out, n->key, nbs_shown(it), true);
	}
}

/* ---- interface ---- */

struct nbs_renderer *
nbs_renderer_create(const struct nbs_render_opts *o, FILE *fp)
{
	struct nbs_renderer *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		nomem();
	r->o = *o;
	/* Interval mode: one document per line. */
	if ((r->out = nb_out_create(fp, o->json, o->pretty && !o->json_lines)) == NULL)
		nomem();
	return r;
}

void
nbs_renderer_destroy(struct nbs_renderer **rp)
{
	struct nbs_renderer *r = *rp;

	if (r == NULL)
		return;
	jdoc_free(&r->root, false);
	free(r->line);
	nb_out_destroy(&r->out);
	free(r);
	*rp = NULL;
}

void
nbs_render_subtree(struct nbs_renderer *r)
{
	r->any = true;
}

void
nbs_render_items(struct nbs_renderer *r, const struct nbs_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct nbs_item *it = &l->v[i];

		if (r->o.json && !it->has_old) {
			jdoc_set(&r->root, it);
			continue;
		}
		if (it->val.type == NB_SYSCTL_NODE)
			continue;	/* read for the JSON document only */
		if (r->nline == r->lcap) {
			r->lcap = r->lcap ? r->lcap * 2 : 64;
			if ((r->line = reallocarray(r->line, r->lcap, sizeof(*r->line))) == NULL)
				nomem();
		}
		r->line[r->nline++] = it;
	}
}

void
nbs_render_end(struct nbs_renderer *r)
{
	if (r->o.json) {
		/* The writes come after the reads, and win over them. */
		for (size_t i = 0; i < r->nline; i++)
			jdoc_set(&r->root, r->line[i]);
		r->any |= r->nline > 0;
		r->nline = 0;
	}
	if (!r->o.quiet && (r->any || r->nline > 0)) {
		nb_out_record_begin(r->out);
		for (size_t i = 0; i < r->nline; i++)
			text_line(r, r->line[i]);
		for (size_t i = 0; i < r->root.nkid; i++)
			json_node(r, r->root.kid[i]);
		nb_out_record_end(r->out);
	}
	r->nline = 0;
	r->any = false;
	jdoc_free(&r->root, false);
}

void
nbs_render_step(struct nbs_renderer *r, struct nbs_list *prev, struct nbs_list *cur)
{
	int rc;

	if ((rc = nbs_deltas(cur, prev)) < 0)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(-rc));
	nbs_render_items(r, cur);
	nbs_render_end(r);
	nbs_list_free(prev);
	*prev = *cur;
	memset(cur, 0, sizeof(*cur));
}
