/* SPDX-License-Identifier: BSD-2-Clause */
/* record_capture.c - the recorder's copy of a walk as it streams, and its writing as one sample. */
/*
 * Theory of operation: see record.c; here: the entries of the tool's own
 * walk copied by position as they stream to its callback (one read
 * section), and each walk handed to the history writer by id or by name.
 * Used by one thread at a time, like the handle.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

/* ---- copying a walk ---- */


static int
capture1(struct capture *c, const struct nb_sysctl_entry *e)
{
	struct wcache *wc = c->wc;
	const struct nb_sysctl_value *v = &e->val;
	size_t i = wc->ncur, slen, cap;
	uint32_t l;
	char *q;
	int error;

	if (v->type == NB_SYSCTL_NODE)
		rec_note_departed(c->rec, e);
	/* The previous entry at its position: what the walk says is unchanged is the same. */
	if (!c->sync || i >= wc->npos ||
	    !rec_pos_same(c->rec, wc, &wc->pos[i], e, i > 0 ? e->same : 0)) {
		if (c->sync)
			rec_tail_keep(wc, i);	/* the first difference of this walk */
		c->sync = false;
		if ((error = rec_pos_make(c->rec, wc, i, e)) != 0)
			return error;
		rec_tail_find(wc, i, e);
	}
	switch (v->type) {
	case NB_SYSCTL_INT:
		wc->vals[i] = v->i;
		break;
	case NB_SYSCTL_U64:
		wc->vals[i] = (int64_t)v->u;
		break;
	case NB_SYSCTL_BOOL:
		wc->vals[i] = v->b;
		break;
	case NB_SYSCTL_STRING:
	case NB_SYSCTL_ADDRESS:
		slen = v->str != NULL ? v->len : 0;
		if (slen > UINT32_MAX || wc->slen + sizeof(l) + slen > INT64_MAX)
			return -ENOMEM;
		if (wc->slen + sizeof(l) + slen > wc->scap) {
			cap = wc->scap != 0 ? wc->scap * 2 : 4096;
			while (cap < wc->slen + sizeof(l) + slen)
				cap *= 2;
			if ((q = realloc(wc->str, cap)) == NULL)
				return -ENOMEM;
			wc->str = q;
			wc->scap = cap;
		}
		l = (uint32_t)slen;
		memcpy(wc->str + wc->slen, &l, sizeof(l));
		if (slen > 0)
			memcpy(wc->str + wc->slen + sizeof(l), v->str, slen);
		wc->vals[i] = (int64_t)wc->slen;
		wc->slen += sizeof(l) + slen;
		break;
	default:
		wc->vals[i] = 0;
		break;
	}
	wc->ncur = i + 1;
	return 0;
}

static int
capture_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct capture *c = arg;

	if (c->failed == 0 && e->ncomp > 0)
		c->failed = capture1(c, e);	/* not copied: walked again at commit */
	if (e->val.type == NB_SYSCTL_NODE && (c->rdflags & NB_SYSCTL_RD_NODES) == 0)
		return 0;
	return c->cb(e, c->arg);
}

int
rec_all_cb(const struct nb_sysctl_entry *e, void *arg)
{
	(void)e;
	(void)arg;
	return 0;
}

/* Walk a subtree into its cache (this sample's walk starts at position 0). */
int
rec_capture_walk(struct nb_sysctl *h, struct capture *c, const char *const *comp,
    const size_t *lens, unsigned n)
{
	c->wc->ncur = 0;
	c->wc->slen = 0;
	c->wc->tn = 0;
	memset(c->rec->dseen, 0, sizeof(c->rec->dseen));
	c->failed = 0;
	c->sync = true;
	return h->ops->walk(h, comp, lens, n, c->rdflags | NB_SYSCTL_RD_NODES, capture_cb, c);
}

int
nb__rec_walk(struct nb_sysctl *h, const char *const *comp, const size_t *lens,
    unsigned n, unsigned rdflags, nb_sysctl_walk_fn cb, void *arg)
{
	static const char *const departed[] = { "net", "interfaces_departed" };
	static const size_t dlens[] = { 3, 19 };
	struct nb_rec *rec = h->rec;
	struct capture c = { rec, NULL, cb, arg, rdflags, 0, true };
	struct prefix *p = NULL;
	bool covered = false;
	size_t i;
	int error;

	for (i = 0; i < rec->np && !covered; i++)
		covered = rec_covers(&rec->pv[i], comp, lens, n);
	/*
	 * A subtree already noted is not copied again, except one noted
	 * without a walk (departed, noted by net.interfaces) and now walked
	 * by the tool: keep what the tool saw, not a walk at commit that may
	 * see a later state (an event thread moving an interface from live
	 * to departed meanwhile).
	 */
	if (covered && (p = rec_noted_uncaptured(rec, comp, lens, n)) == NULL)
		return h->ops->walk(h, comp, lens, n, rdflags, cb, arg);
	if ((c.wc = rec_wcache_get(rec, comp, lens, n)) == NULL) {
		rec->error = -ENOMEM;
		return h->ops->walk(h, comp, lens, n, rdflags, cb, arg);
	}
	if ((error = rec_capture_walk(h, &c, comp, lens, n)) < 0)
		return error;
	if (!covered && rec_note1(rec, comp, lens, n))
		p = &rec->pv[rec->np - 1];
	if (p != NULL) {
		p->wc = c.wc;
		/* Complete copy: keep it; stopped early: walk again at commit. */
		p->captured = error == 0 && c.failed == 0;
	}
	if (rec_is_net_interfaces(comp, lens, n))
		(void)rec_note1(rec, departed, dlens, 2);
	return error;
}

/* The escaped dotted name of position p in rec->name (comp[0..known) are there); its length. */
static size_t
pos_name(struct nb_rec *rec, const struct wcache *wc, const struct wpos *p, unsigned known)
{
	const char *comp[NB_SYSCTL_MAXDEPTH];
	size_t lens[NB_SYSCTL_MAXDEPTH];
	struct nb_sysctl_entry e;
	const uint8_t *q = wc->pool + p->coff;
	uint32_t l;
	unsigned k;

	for (k = 0; k < wc->n; k++) {
		comp[k] = wc->comp[k];
		lens[k] = wc->lens[k];
	}
	for (k = p->ncomp; k-- > wc->n;) {
		memcpy(&l, q, sizeof(l));
		comp[k] = (const char *)q + sizeof(l);
		lens[k] = l;
		q += sizeof(l) + l;
	}
	memset(&e, 0, sizeof(e));
	e.comp = comp;
	e.complen = lens;
	e.ncomp = p->ncomp;
	return rec_join_name(rec, &e, known);
}

/* Add this sample's walk of a subtree to the writer. */
int
rec_add_walk(struct nb_rec *rec, struct wcache *wc)
{
	uint64_t epoch = nbh_writer_epoch(rec->w);
	const char *str;
	struct wpos *p;
	size_t i, run, len, joined;
	unsigned known;
	uint32_t l;
	int64_t v;
	int error;

	if (wc->epoch != epoch) {
		/* Ids of an older epoch (a failed sample since): by name, all of them. */
		memset(wc->ids, 0, wc->npos * sizeof(*wc->ids));
		wc->epoch = epoch;
	}
	rec->jn = 0;
	joined = SIZE_MAX;
	for (i = run = 0; i < wc->ncur; i++) {
		p = &wc->pos[i];
		/* Runs of known ids of numbers and nodes go in one call. */
		if (wc->ids[i] != 0 && p->type != NB_SYSCTL_STRING && p->type != NB_SYSCTL_ADDRESS)
			continue;
		if (i > run && (error = nbh_writer_add_ids(rec->w, epoch, wc->ids + run,
		    wc->vals + run, i - run)) != 0)
			return error;
		run = i + 1;
		if (p->unnamed)
			continue;
		v = wc->vals[i];
		str = NULL;
		l = 0;
		if (p->type == NB_SYSCTL_STRING || p->type == NB_SYSCTL_ADDRESS) {
			memcpy(&l, wc->str + v, sizeof(l));
			str = wc->str + v + sizeof(l);
			v = 0;
		}
		if (wc->ids[i] != 0) {
			if ((error = nbh_writer_add_id(rec->w, epoch, wc->ids[i], v, str, l)) != 0)
				return error;
			continue;
		}
		/* The name joined last is this subtree's, or the position before (p->same). */
		known = joined == SIZE_MAX ? 0 : joined + 1 == i ? MAX(p->same, wc->n) : wc->n;
		len = pos_name(rec, wc, p, known);
		joined = i;
		if ((error = nbh_writer_add_get_id(rec->w, rec->name, len, p->type, p->flags,
		    rec->dtext + p->doff, v, str, l, &wc->ids[i])) != 0)
			return error;
	}
	if (i > run && (error = nbh_writer_add_ids(rec->w, epoch, wc->ids + run, wc->vals + run,
	    i - run)) != 0)
		return error;
	return 0;
}

/* After a sample: forget the prefixes; drop the caches this sample did not read. */
