/* SPDX-License-Identifier: BSD-2-Clause */
/* handle.c - the generic handle: open/close, and get/json/write over a backend's walk. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "nbsource/linux.h"
#include "nbsource/sim.h"
#include "nbstack/stack.h"

#include "backend.h"

void
nb__sysctl_errdetail(struct nb_sysctl *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->errdetail, sizeof(h->errdetail), fmt, ap);
	va_end(ap);
}

/* The sources a LOCAL handle can open, by kind (the first is the default). */
static const struct nb_source_ops *const sources[] = {
	&nb_source_linux_ops,
	&nb_source_sim_ops,
};

static const struct nb_source_ops *
source_find(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (kind == NULL || strcmp(sources[i]->kind, kind) == 0)
			return sources[i];
	return NULL;
}

int
nb_sysctl_open(const struct nb_sysctl_opts *opts, struct nb_sysctl **out)
{
	struct nb_sysctl_opts def = { 0 };
	struct nb_source_opts so = { 0 };
	struct nb_stack_config cfg = { 0 };
	struct nb_stack *st = NULL;
	struct nb_source *src = NULL;
	struct nb_sysctl *h = NULL;
	const struct nb_source_ops *sops;
	int error;

	if (opts == NULL)
		opts = &def;
	switch (opts->backend) {
	case NB_SYSCTL_LOCAL:
		break;
	case NB_SYSCTL_REPLAY:
		if ((h = calloc(1, sizeof(*h))) == NULL)
			return -ENOMEM;
		/* On failure the handle carries the detail (nb_sysctl_errdetail). */
		error = nb__sysctl_replay_open(h, opts);
		*out = h;
		return error;
	case NB_SYSCTL_REMOTE:
		if ((h = calloc(1, sizeof(*h))) == NULL)
			return -ENOMEM;
		/* On failure the handle carries the detail (nb_sysctl_errdetail). */
		error = nb__sysctl_remote_open(h, opts->socket_path);
		*out = h;
		return error;
	default:
		return -EINVAL;
	}
	if ((sops = source_find(opts->source)) == NULL)
		return -ENOENT;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -ENOMEM;
	cfg.nslots = sops->nslots;	/* the source's per-CPU slot policy */
	if ((error = nb_stack_create(&cfg, &st)) != 0)
		goto out;
	so.root = opts->root;
	so.args = opts->source_args;
	so.events = opts->follow_events;
	so.errbuf = h->errdetail;
	so.errlen = sizeof(h->errdetail);
	if ((error = nb_source_open(st, sops, &so, &src)) != 0) {
		if (h->errdetail[0] != '\0') {
			/* A handle that only carries the detail (nb_sysctl_errdetail). */
			nb_stack_destroy(&st);
			*out = h;
			return error;
		}
		goto out;
	}
	if ((error = nb__sysctl_local_open(h, st, src, true)) != 0)
		goto out;
	*out = h;
	return 0;
out:
	nb_source_close(&src);
	if (st != NULL)
		nb_stack_destroy(&st);
	free(h);
	return error;
}

int
nb_sysctl_open_stack(struct nb_stack *st, struct nb_source *src, struct nb_sysctl **out)
{
	struct nb_sysctl *h;
	int error;

	if (st == NULL)
		return -EINVAL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -ENOMEM;
	nb_thread_register();
	if ((error = nb__sysctl_local_open(h, st, src, false)) != 0) {
		free(h);
		return error;
	}
	*out = h;
	return 0;
}

int
nb_sysctl_open_peer(struct nb_sysctl *of, struct nb_sysctl **out)
{
	struct nb_sysctl *h;
	int error;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -ENOMEM;
	nb_thread_register();
	if ((error = nb__sysctl_local_peer(h, of)) != 0) {
		free(h);
		return error;
	}
	*out = h;
	return 0;
}

int
nb_sysctl_open_peer_locked(struct nb_sysctl *of, pthread_mutex_t *lock, struct nb_sysctl **out)
{
	struct nb_sysctl *h;
	int error;

	if (lock == NULL)
		return -EINVAL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -ENOMEM;
	nb_thread_register();
	if ((error = nb__sysctl_local_peer_locked(h, of, lock)) != 0) {
		if (h->ops != NULL)
			h->ops->close(h);
		free(h);
		return error;
	}
	*out = h;
	return 0;
}

void
nb_sysctl_close(struct nb_sysctl **hp)
{
	struct nb_sysctl *h = *hp;

	if (h == NULL)
		return;
	if (h->rec != NULL) {
		(void)nb__rec_commit(h);	/* nb_sysctl_record_commit() reports errors */
		nb__rec_close(h);
	}
	if (h->ops != NULL)
		h->ops->close(h);
	free(h->getstr);
	free(h->getvec);
	free(h);
	*hp = NULL;
}

int
nb_sysctl_sample(struct nb_sysctl *h)
{
	int error;

	h->errdetail[0] = '\0';
	/* The sample that ends is written before the next one begins. */
	if (h->rec != NULL && (error = nb__rec_commit(h)) != 0)
		return error;
	return h->ops->sample(h);
}

int64_t
nb_sysctl_sample_time(const struct nb_sysctl *h)
{
	return h->ops->sample_time(h);
}

int
nb_sysctl_events(struct nb_sysctl *h, int64_t from_ns, int64_t to_ns, nb_sysctl_event_fn cb,
    void *arg)
{
	h->errdetail[0] = '\0';
	if (cb == NULL || from_ns > to_ns)
		return -EINVAL;
	if (h->ops->events == NULL)
		return -EOPNOTSUPP;
	return h->ops->events(h, from_ns, to_ns, cb, arg);
}

struct nb_stack *
nb_sysctl_stack(struct nb_sysctl *h)
{
	return h->ops->stack != NULL ? h->ops->stack(h) : NULL;
}

const char *
nb_sysctl_errdetail(const struct nb_sysctl *h)
{
	return h->errdetail;
}

const char *
nb_sysctl_notice(const struct nb_sysctl *h)
{
	return h->notice;
}

/* ---- walk ---- */

static int
walk_split(struct nb_sysctl *h, const char *const *comp, const size_t *lens, unsigned n,
    unsigned rdflags, nb_sysctl_walk_fn cb, void *arg)
{
	h->errdetail[0] = '\0';
	/* What is read with values belongs to the sample being recorded. */
	if (h->rec != NULL && (rdflags & (NB_SYSCTL_RD_NOVALUE | NB_SYSCTL_RD_SHALLOW)) == 0)
		return nb__rec_walk(h, comp, lens, n, rdflags, cb, arg);
	return h->ops->walk(h, comp, lens, n, rdflags, cb, arg);
}

int
nb_sysctl_walk(struct nb_sysctl *h, const char *name, unsigned rdflags,
    nb_sysctl_walk_fn cb, void *arg)
{
	char buf[NB__SPLITBUF];
	const char *comp[NB_SYSCTL_MAXDEPTH];
	size_t lens[NB_SYSCTL_MAXDEPTH];
	unsigned n;
	int error;

	if ((error = nb__sysctl_split(name, buf, comp, lens, &n)) != 0)
		return error;
	return walk_split(h, comp, lens, n, rdflags, cb, arg);
}

int
nb_sysctl_walkv(struct nb_sysctl *h, const char *const *comp, unsigned ncomp,
    unsigned rdflags, nb_sysctl_walk_fn cb, void *arg)
{
	size_t lens[NB_SYSCTL_MAXDEPTH], total = 0;
	unsigned i;

	if (ncomp > NB_SYSCTL_MAXDEPTH)
		return -ENAMETOOLONG;
	for (i = 0; i < ncomp; i++) {
		if (comp[i] == NULL || comp[i][0] == '\0')
			return -EINVAL;
		lens[i] = strlen(comp[i]);
		total += lens[i] + 1;
	}
	if (total > NB_SYSCTL_NAMEMAX + 1)
		return -ENAMETOOLONG;
	return walk_split(h, comp, lens, ncomp, rdflags, cb, arg);
}

/* ---- get ---- */

struct getctx {
	struct nb_sysctl *h;
	struct nb_sysctl_value *out;
	int	 error;
};

#define GET_STOP	1

static int
get_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct getctx *g = arg;
	struct nb_sysctl *h = g->h;
	const struct nb_sysctl_value *v = &e->val;

	if (v->type == NB_SYSCTL_NODE) {
		g->error = -EISDIR;
		return GET_STOP;
	}
	*g->out = *v;
	if (v->str != NULL) {
		if (v->len + 1 > h->getstrcap) {
			char *p;

			if ((p = realloc(h->getstr, v->len + 1)) == NULL) {
				g->error = -ENOMEM;
				return GET_STOP;
			}
			h->getstr = p;
			h->getstrcap = v->len + 1;
		}
		memcpy(h->getstr, v->str, v->len);
		h->getstr[v->len] = '\0';
		g->out->str = h->getstr;
	}
	if (v->percpu != NULL) {
		if (v->ncpu > h->getveccap) {
			uint64_t *p;

			if ((p = realloc(h->getvec, v->ncpu * sizeof(*p))) == NULL) {
				g->error = -ENOMEM;
				return GET_STOP;
			}
			h->getvec = p;
			h->getveccap = v->ncpu;
		}
		memcpy(h->getvec, v->percpu, v->ncpu * sizeof(*h->getvec));
		g->out->percpu = h->getvec;
	}
	g->error = 0;
	return GET_STOP;
}

int
nb_sysctl_get(struct nb_sysctl *h, const char *name, unsigned rdflags,
    struct nb_sysctl_value *out)
{
	char buf[NB__SPLITBUF];
	const char *comp[NB_SYSCTL_MAXDEPTH];
	size_t lens[NB_SYSCTL_MAXDEPTH];
	struct getctx g = { h, out, -ENOENT };
	unsigned n;
	int error;

	if ((error = nb__sysctl_split(name, buf, comp, lens, &n)) != 0)
		return error;
	if (n == 0)
		return -EISDIR;
	rdflags = (rdflags & ~NB_SYSCTL_RD_SHALLOW) | NB_SYSCTL_RD_NODES;
	error = walk_split(h, comp, lens, n, rdflags, get_cb, &g);
	if (error < 0)
		return error;
	return g.error;
}

/* ---- write ---- */

struct probe {
	enum nb_sysctl_type type;
	unsigned flags;
	bool	 seen;
};

static int
probe_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct probe *p = arg;

	p->type = e->val.type;
	p->flags = e->val.flags;
	p->seen = true;
	return GET_STOP;
}

int
nb_sysctl_write(struct nb_sysctl *h, const char *name, const char *value)
{
	char buf[NB__SPLITBUF];
	const char *comp[NB_SYSCTL_MAXDEPTH];
	size_t lens[NB_SYSCTL_MAXDEPTH];
	struct probe p = { 0 };
	unsigned n;
	int error;

	if (value == NULL)
		return -EINVAL;
	if ((error = nb__sysctl_split(name, buf, comp, lens, &n)) != 0)
		return error;
	if (n == 0)
		return -EISDIR;
	error = walk_split(h, comp, lens, n, NB_SYSCTL_RD_NODES | NB_SYSCTL_RD_NOVALUE,
	    probe_cb, &p);
	if (error < 0)
		return error;
	if (!p.seen)
		return -ENOENT;
	if (p.type == NB_SYSCTL_NODE)
		return -EISDIR;
	if ((p.flags & NB_SYSCTL_F_WRITABLE) == 0 || h->ops->write == NULL)
		return -EPERM;
	return h->ops->write(h, comp, lens, n, value);
}

/* ---- json ---- */

/*
 * Entries arrive in pre-order, so consecutive entries share a prefix; the
 * objects of the last path are cached by depth and reused while the
 * components match, which keeps the cost per leaf at one insertion.
 */
struct jctx {
	struct json_object *obj[NB_SYSCTL_MAXDEPTH + 1];	/* obj[d]: object of path[0..d) */
	char	*path[NB_SYSCTL_MAXDEPTH];
	size_t	 plen[NB_SYSCTL_MAXDEPTH];
	size_t	 pcap[NB_SYSCTL_MAXDEPTH];
	unsigned depth;						/* valid cached depth */
	char	*vis;						/* a key or value made safe */
	size_t	 viscap;
};

/* s[0..len) under the escaping rule (nb_sysctl_strvis): s itself when safe. */
static const char *
json_safe(struct jctx *j, const char *s, size_t len, size_t *outlen)
{
	size_t need;
	char *p;

	*outlen = len;
	if (nb_sysctl_strsafe(s, len))
		return s;
	need = nb_sysctl_strvis(s, len, NULL, 0) + 1;
	if (need > j->viscap) {
		if ((p = realloc(j->vis, need)) == NULL)
			return NULL;
		j->vis = p;
		j->viscap = need;
	}
	*outlen = nb_sysctl_strvis(s, len, j->vis, need);
	return j->vis;
}

static int
json_ensure(struct jctx *j, const struct nb_sysctl_entry *e, unsigned upto)
{
	struct json_object *o;
	const char *key;
	size_t klen;
	unsigned d;

	for (d = 0; d < upto; d++) {
		if (d < j->depth && j->plen[d] == e->complen[d] &&
		    memcmp(j->path[d], e->comp[d], e->complen[d]) == 0)
			continue;
		j->depth = d;
		if ((key = json_safe(j, e->comp[d], e->complen[d], &klen)) == NULL)
			return -ENOMEM;
		if (!json_object_object_get_ex(j->obj[d], key, &o)) {
			if ((o = json_object_new_object()) == NULL)
				return -ENOMEM;
			if (json_object_object_add(j->obj[d], key, o) != 0) {
				json_object_put(o);
				return -ENOMEM;
			}
		}
		if (e->complen[d] + 1 > j->pcap[d]) {
			char *p;
			size_t cap = e->complen[d] + 32;

			if ((p = realloc(j->path[d], cap)) == NULL)
				return -ENOMEM;
			j->path[d] = p;
			j->pcap[d] = cap;
		}
		memcpy(j->path[d], e->comp[d], e->complen[d]);
		j->plen[d] = e->complen[d];
		j->obj[d + 1] = o;
		j->depth = d + 1;
	}
	return 0;
}

/* {"total": N, "percpu": [a, b, ...]} */
static struct json_object *
json_percpu(const struct nb_sysctl_value *v)
{
	struct json_object *o, *arr, *x;
	unsigned i;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if ((x = json_object_new_uint64(v->u)) == NULL)
		goto out;
	if (json_object_object_add(o, "total", x) != 0) {
		json_object_put(x);
		goto out;
	}
	if ((arr = json_object_new_array_ext((int)v->ncpu)) == NULL)
		goto out;
	if (json_object_object_add(o, "percpu", arr) != 0) {
		json_object_put(arr);
		goto out;
	}
	for (i = 0; i < v->ncpu; i++) {
		if ((x = json_object_new_uint64(v->percpu[i])) == NULL)
			goto out;
		if (json_object_array_add(arr, x) != 0) {
			json_object_put(x);
			goto out;
		}
	}
	return o;
out:
	json_object_put(o);
	return NULL;
}

static struct json_object *
json_value(struct jctx *j, const struct nb_sysctl_value *v)
{
	const char *str;
	size_t len;

	switch (v->type) {
	case NB_SYSCTL_INT:
		return json_object_new_int64(v->i);
	case NB_SYSCTL_BOOL:
		return json_object_new_boolean(v->b);
	case NB_SYSCTL_STRING:
	case NB_SYSCTL_ADDRESS:
		if (v->str == NULL)
			return json_object_new_string("");
		if ((str = json_safe(j, v->str, v->len, &len)) == NULL)
			return NULL;
		return json_object_new_string_len(str, (int)len);
	case NB_SYSCTL_U64:
		if (v->percpu == NULL)
			return json_object_new_uint64(v->u);
		return json_percpu(v);
	default:
		return json_object_new_null();
	}
}

static int
json_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct jctx *j = arg;
	struct json_object *v;
	const char *key;
	size_t klen;
	int error;

	if (e->ncomp == 0)
		return 0;
	if (e->val.type == NB_SYSCTL_NODE)
		return json_ensure(j, e, e->ncomp);
	if ((error = json_ensure(j, e, e->ncomp - 1)) != 0)
		return error;
	if ((v = json_value(j, &e->val)) == NULL)
		return -ENOMEM;
	if ((key = json_safe(j, e->comp[e->ncomp - 1], e->complen[e->ncomp - 1], &klen)) == NULL) {
		json_object_put(v);
		return -ENOMEM;
	}
	if (json_object_object_add(j->obj[e->ncomp - 1], key, v) != 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

int
nb_sysctl_json(struct nb_sysctl *h, const char *name, unsigned rdflags,
    struct json_object **out)
{
	struct jctx j;
	unsigned d;
	int error;

	memset(&j, 0, sizeof(j));
	if ((j.obj[0] = json_object_new_object()) == NULL)
		return -ENOMEM;
	error = nb_sysctl_walk(h, name, rdflags | NB_SYSCTL_RD_NODES, json_cb, &j);
	for (d = 0; d < NB_SYSCTL_MAXDEPTH; d++)
		free(j.path[d]);
	free(j.vis);
	if (error != 0) {
		json_object_put(j.obj[0]);
		return error;
	}
	*out = j.obj[0];
	return 0;
}
