/* SPDX-License-Identifier: BSD-2-Clause */
/* render.c - the two ways nbsysctl prints collected items: text and JSON. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <nbtool/nbtool.h>

#include "nbsysctl.h"

#define NBS_JSON_VERSION "1"

struct nbs_renderer;

struct nbs_render_ops {
	int	(*subtree)(struct nbs_renderer *, struct nb_sysctl *,
		    const char *const *, unsigned, unsigned);
	void	(*item)(struct nbs_renderer *, const struct nbs_item *);
	void	(*end)(struct nbs_renderer *);
};

struct nbs_renderer {
	const struct nbs_render_ops *ops;
	struct nbs_render_opts o;
	FILE		*fp;
	struct json_object *doc;	/* JSON: the record being built */
};

/* ---- text ---- */

/* Text of a value as sysctl(8) prints it; malloc'd. */
static char *
value_text(const struct nb_sysctl_value *v)
{
	char small[128], *s;
	size_t n;

	n = nb_sysctl_value_format(v, small, sizeof(small));
	if (n < sizeof(small))
		return strdup(small);
	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	nb_sysctl_value_format(v, s, n + 1);
	return s;
}

/* The library's text form, which carries the per-CPU vector when one was read (-P). */
static void
text_value(struct nbs_renderer *r, const struct nb_sysctl_value *v)
{
	char *s;

	if ((s = value_text(v)) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	fputs(s, r->fp);
	free(s);
}

static int
text_subtree(struct nbs_renderer *r, struct nb_sysctl *h, const char *const *comp,
    unsigned ncomp, unsigned rdflags)
{
	return 0;
}

static void
text_item(struct nbs_renderer *r, const struct nbs_item *it)
{
	if (it->has_old) {
		/* NetBSD: "name: old -> new" */
		if (!r->o.nflag)
			fprintf(r->fp, "%s: ", it->name);
		text_value(r, &it->old);
		fputs(" -> ", r->fp);
		text_value(r, &it->val);
	} else if (r->o.dflag) {
		if (!r->o.nflag)
			fprintf(r->fp, "%s: ", it->name);
		fputs(it->descr, r->fp);
	} else {
		if (r->o.eflag && !r->o.nflag)
			fprintf(r->fp, "%s=", it->name);
		else if (!r->o.nflag)
			fprintf(r->fp, "%s = ", it->name);
		text_value(r, nbs_shown(it));
	}
	fputc('\n', r->fp);
}

static void
text_end(struct nbs_renderer *r)
{
	fflush(r->fp);
}

static const struct nbs_render_ops text_ops = {
	text_subtree, text_item, text_end,
};

/* ---- JSON ---- */

static struct json_object *
json_value(const struct nb_sysctl_value *v, bool percpu)
{
	struct json_object *jo = NULL, *arr;

	switch (v->type) {
	case NB_SYSCTL_INT:
		jo = json_object_new_int64(v->i);
		break;
	case NB_SYSCTL_U64:
		jo = json_object_new_uint64(v->u);
		break;
	case NB_SYSCTL_BOOL:
		jo = json_object_new_boolean(v->b);
		break;
	case NB_SYSCTL_STRING:
	case NB_SYSCTL_ADDRESS:
		jo = json_object_new_string_len(v->str != NULL ? v->str : "",
		    v->str != NULL ? (int)v->len : 0);
		break;
	case NB_SYSCTL_NODE:
		jo = json_object_new_object();
		break;
	}
	if (jo == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	if (!percpu || v->percpu == NULL)
		return jo;
	{
		struct json_object *o = json_object_new_object();

		if (o == NULL || (arr = json_object_new_array()) == NULL)
			nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
		json_object_object_add(o, "total", jo);
		for (unsigned c = 0; c < v->ncpu; c++)
			json_object_array_add(arr, json_object_new_uint64(v->percpu[c]));
		json_object_object_add(o, "percpu", arr);
		return o;
	}
}

static struct json_object *
json_doc(struct nbs_renderer *r)
{
	if (r->doc == NULL) {
		if ((r->doc = json_object_new_object()) == NULL)
			nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
		json_object_object_add(r->doc, "version",
		    json_object_new_string(NBS_JSON_VERSION));
	}
	return r->doc;
}

/* Merge src into dst (objects recursively; anything else replaces). */
static void
json_merge(struct json_object *dst, struct json_object *src)
{
	json_object_object_foreach(src, key, val) {
		struct json_object *d;

		if (json_object_object_get_ex(dst, key, &d) &&
		    json_object_is_type(d, json_type_object) &&
		    json_object_is_type(val, json_type_object))
			json_merge(d, val);
		else
			json_object_object_add(dst, key, json_object_get(val));
	}
}

/* Set doc.comp[0]...comp[n-1] = jo (taking ownership), making objects on the way. */
static void
json_set_path(struct json_object *doc, char *const *comp, unsigned n,
    struct json_object *jo)
{
	struct json_object *cur = doc, *next;

	for (unsigned i = 0; i + 1 < n; i++) {
		if (!json_object_object_get_ex(cur, comp[i], &next) ||
		    !json_object_is_type(next, json_type_object)) {
			if ((next = json_object_new_object()) == NULL)
				nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
			json_object_object_add(cur, comp[i], next);
		}
		cur = next;
	}
	if (n > 0)
		json_object_object_add(cur, comp[n - 1], jo);
	else
		json_object_put(jo);
}

static int
json_subtree(struct nbs_renderer *r, struct nb_sysctl *h, const char *const *comp,
    unsigned ncomp, unsigned rdflags)
{
	struct json_object *jo = NULL;
	char name[NB_SYSCTL_NAMEMAX + 1];
	int rc;

	if (nb_sysctl_name_join(comp, ncomp, name, sizeof(name)) >= sizeof(name))
		return -ENAMETOOLONG;
	if ((rc = nb_sysctl_json(h, name, rdflags, &jo)) < 0)
		return rc;
	json_merge(json_doc(r), jo);
	json_object_put(jo);
	return 0;
}

/*
 * The document holds the library's own JSON of each subtree read; an item
 * that displays something other than the value read (an interval delta, a
 * description, a write) replaces its leaf.
 */
static void
json_item(struct nbs_renderer *r, const struct nbs_item *it)
{
	struct json_object *jo;

	if (it->has_old) {
		if ((jo = json_object_new_object()) == NULL)
			nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
		json_object_object_add(jo, "old", json_value(&it->old, false));
		json_object_object_add(jo, "new", json_value(&it->val, false));
	} else if (r->o.dflag) {
		jo = json_object_new_string(it->descr);
	} else if (it->has_delta) {
		jo = json_value(&it->delta, r->o.percpu);
	} else {
		return;
	}
	json_set_path(json_doc(r), it->comp, it->ncomp, jo);
}

static void
json_end(struct nbs_renderer *r)
{
	int fl = JSON_C_TO_STRING_NOSLASHESCAPE;

	if (r->doc == NULL)
		return;
	fl |= r->o.pretty && !r->o.json_lines ? JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN;
	fprintf(r->fp, "%s\n", json_object_to_json_string_ext(r->doc, fl));
	fflush(r->fp);
	json_object_put(r->doc);
	r->doc = NULL;
}

static const struct nbs_render_ops json_ops = {
	json_subtree, json_item, json_end,
};

/* ---- quiet (-q): exit status only ---- */

static void
quiet_item(struct nbs_renderer *r, const struct nbs_item *it)
{
}

static void
quiet_end(struct nbs_renderer *r)
{
}

static const struct nbs_render_ops quiet_ops = {
	text_subtree, quiet_item, quiet_end,
};

/* ---- interface ---- */

struct nbs_renderer *
nbs_renderer_create(const struct nbs_render_opts *o, FILE *fp)
{
	struct nbs_renderer *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		nb_errx(NB_EXIT_RUNTIME, "%s", strerror(ENOMEM));
	r->o = *o;
	r->fp = fp;
	r->ops = o->quiet ? &quiet_ops : o->json ? &json_ops : &text_ops;
	return r;
}

void
nbs_renderer_destroy(struct nbs_renderer **rp)
{
	if (*rp == NULL)
		return;
	json_object_put((*rp)->doc);
	free(*rp);
	*rp = NULL;
}

int
nbs_render_subtree(struct nbs_renderer *r, struct nb_sysctl *h,
    const char *const *comp, unsigned ncomp, unsigned rdflags)
{
	return r->ops->subtree(r, h, comp, ncomp, rdflags);
}

void
nbs_render_items(struct nbs_renderer *r, const struct nbs_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		r->ops->item(r, &l->v[i]);
}

void
nbs_render_end(struct nbs_renderer *r)
{
	r->ops->end(r);
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
