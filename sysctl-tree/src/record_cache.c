/* SPDX-License-Identifier: BSD-2-Clause */
/* record_cache.c - the recorder's caches: a subtree's walk by position, descriptions once, the tail. */
/*
 * Theory of operation: see record.c; here: a walk's positions (the entry
 * seen there last and the writer's id of its name), the descriptions
 * each kept once, and the tail that resyncs ids after an interface is
 * added or deleted. Used by one thread at a time, like the handle.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

/* ---- descriptions ---- */

static uint64_t
text_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

/* The offset of description d in rec->dtext, added if new; -1: no memory. */
static int64_t
descr_intern(struct nb_rec *rec, const char *d)
{
	size_t i, n, len = strlen(d);
	uint32_t *ns, off;
	char *p;

	if (rec->dnslots != 0)
		for (i = text_hash(d) & (rec->dnslots - 1); rec->dslot[i] != 0;
		    i = (i + 1) & (rec->dnslots - 1))
			if (strcmp(rec->dtext + rec->dslot[i] - 1, d) == 0)
				return rec->dslot[i] - 1;
	if (rec->dlen + len + 1 > UINT32_MAX - 1)
		return -1;
	if ((rec->dn + 1) * 2 > rec->dnslots) {
		n = rec->dnslots != 0 ? rec->dnslots * 2 : 64;
		if ((ns = calloc(n, sizeof(*ns))) == NULL)
			return -1;
		for (i = 0; i < rec->dnslots; i++) {
			size_t j;

			if (rec->dslot[i] == 0)
				continue;
			for (j = text_hash(rec->dtext + rec->dslot[i] - 1) & (n - 1); ns[j] != 0;
			    j = (j + 1) & (n - 1))
				;
			ns[j] = rec->dslot[i];
		}
		free(rec->dslot);
		rec->dslot = ns;
		rec->dnslots = n;
	}
	if (rec->dlen + len + 1 > rec->dcap) {
		n = rec->dcap != 0 ? rec->dcap * 2 : 4096;
		while (n < rec->dlen + len + 1)
			n *= 2;
		if ((p = realloc(rec->dtext, n)) == NULL)
			return -1;
		rec->dtext = p;
		rec->dcap = n;
	}
	off = (uint32_t)rec->dlen;
	memcpy(rec->dtext + off, d, len + 1);
	rec->dlen += len + 1;
	for (i = text_hash(d) & (rec->dnslots - 1); rec->dslot[i] != 0;
	    i = (i + 1) & (rec->dnslots - 1))
		;
	rec->dslot[i] = off + 1;
	rec->dn++;
	return off;
}


/* ---- the caches of the walks ---- */

/* The length of component s once escaped ('.' and '\' get a '\'). */
static size_t
esc_len(const char *s, size_t l)
{
	size_t i, n = l;

	if (memchr(s, '.', l) == NULL && memchr(s, '\\', l) == NULL)
		return l;
	for (i = 0; i < l; i++)
		n += s[i] == '.' || s[i] == '\\';
	return n;
}

void
rec_wcache_free(struct wcache *wc)
{
	free(wc->buf);
	free(wc->pos);
	free(wc->ids);
	free(wc->vals);
	free(wc->pool);
	free(wc->str);
	free(wc->tpos);
	free(wc->tids);
	free(wc->tpool);
	free(wc);
}

/* The cache of the subtree comp (made if there is none), marked used; NULL: no memory. */
struct wcache *
rec_wcache_get(struct nb_rec *rec, const char *const *comp, const size_t *lens, unsigned n)
{
	struct wcache *wc, **v;
	size_t i, total = 0;
	unsigned k;
	char *q;

	for (i = 0; i < rec->nwc; i++) {
		wc = rec->wcv[i];
		if (wc->n != n)
			continue;
		for (k = 0; k < n; k++)
			if (wc->lens[k] != lens[k] || memcmp(wc->comp[k], comp[k], lens[k]) != 0)
				break;
		if (k == n) {
			wc->used = true;
			return wc;
		}
	}
	if (rec->nwc == rec->wccap) {
		size_t cap = rec->wccap != 0 ? rec->wccap * 2 : 8;

		if ((v = realloc(rec->wcv, cap * sizeof(*v))) == NULL)
			return NULL;
		rec->wcv = v;
		rec->wccap = cap;
	}
	for (k = 0; k < n; k++)
		total += lens[k] + 1;
	if ((wc = calloc(1, sizeof(*wc))) == NULL || (wc->buf = malloc(total + 1)) == NULL) {
		free(wc);
		return NULL;
	}
	for (k = 0, q = wc->buf; k < n; k++) {
		memcpy(q, comp[k], lens[k]);
		q[lens[k]] = '\0';
		wc->comp[k] = q;
		wc->lens[k] = lens[k];
		wc->esclen += (k > 0) + esc_len(comp[k], lens[k]);
		q += lens[k] + 1;
	}
	wc->n = n;
	wc->used = true;
	rec->wcv[rec->nwc++] = wc;
	return wc;
}


/* Note the entry at position i anew: the positions from i on are dropped. 0 or -ENOMEM. */
int
rec_pos_make(struct nb_rec *rec, struct wcache *wc, size_t i, const struct nb_sysctl_entry *e)
{
	size_t need = 0, esc = wc->esclen, cap;
	struct wpos *p;
	uint32_t *ids;
	int64_t *vals, doff;
	struct dseen *d;
	uint32_t l;
	uint8_t *q;
	unsigned k;

	if (e->ncomp < wc->n || e->ncomp > NB_SYSCTL_MAXDEPTH)
		return -EINVAL;		/* not in the subtree: never from a walk of it */
	if (i < wc->npos)
		wc->plen = wc->pos[i].coff;
	wc->npos = i;
	for (k = wc->n; k < e->ncomp; k++) {
		if (e->complen[k] > UINT32_MAX - sizeof(l) - need)
			return -ENOMEM;
		need += sizeof(l) + e->complen[k];
		esc += (k > 0) + e->complen[k];
	}
	/* Escapes at most double a component: look for them only near the limit. */
	if (esc + (need - (e->ncomp - wc->n) * sizeof(l)) >= sizeof(rec->name))
		for (k = wc->n, esc = wc->esclen; k < e->ncomp; k++)
			esc += (k > 0) + esc_len(e->comp[k], e->complen[k]);
	if (wc->plen + need > UINT32_MAX)
		return -ENOMEM;
	if (wc->plen + need > wc->pcap) {
		cap = wc->pcap != 0 ? wc->pcap * 2 : 4096;
		while (cap < wc->plen + need)
			cap *= 2;
		if ((q = realloc(wc->pool, cap)) == NULL)
			return -ENOMEM;
		wc->pool = q;
		wc->pcap = cap;
	}
	if (i >= wc->poscap) {
		cap = wc->poscap != 0 ? wc->poscap * 2 : 256;
		if ((p = realloc(wc->pos, cap * sizeof(*p))) == NULL)
			return -ENOMEM;
		wc->pos = p;
		if ((ids = realloc(wc->ids, cap * sizeof(*ids))) == NULL)
			return -ENOMEM;
		wc->ids = ids;
		if ((vals = realloc(wc->vals, cap * sizeof(*vals))) == NULL)
			return -ENOMEM;
		wc->vals = vals;
		wc->poscap = cap;
	}
	d = rec_dseen(rec, e->descr);
	if (d->ptr != e->descr) {
		if ((doff = descr_intern(rec, e->descr)) < 0)
			return -ENOMEM;
		d->ptr = e->descr;
		d->off = (uint32_t)doff;
	}
	p = &wc->pos[i];
	memset(p, 0, sizeof(*p));
	p->coff = (uint32_t)wc->plen;
	p->doff = d->off;
	p->flags = e->val.flags;
	p->ncomp = (uint8_t)e->ncomp;
	p->same = (uint8_t)(e->same < e->ncomp ? e->same : e->ncomp);
	p->type = (uint8_t)e->val.type;
	p->unnamed = esc >= sizeof(rec->name);
	wc->ids[i] = 0;
	for (k = e->ncomp, q = wc->pool + wc->plen; k-- > wc->n;) {
		l = (uint32_t)e->complen[k];
		memcpy(q, &l, sizeof(l));
		memcpy(q + sizeof(l), e->comp[k], l);
		q += sizeof(l) + l;
	}
	wc->plen += need;
	wc->npos = i + 1;
	return 0;
}

/* ---- resync: ids of the positions a difference moved ---- */

#define TAIL_WINDOW	256	/* tail positions looked at for one entry */

/*
 * Keep positions [i, npos) of wc as the tail before rec_pos_make(i) drops
 * them: the rest of the walk is most likely the same entries one
 * interface's worth of positions away. No memory: no tail (the rest is
 * added by name, as without one).
 */
void
rec_tail_keep(struct wcache *wc, size_t i)
{
	size_t n = wc->npos - i, plen, cap;
	void *q;

	wc->tn = wc->tnext = 0;
	wc->tmiss = 0;
	if (i >= wc->npos)
		return;
	plen = wc->plen - wc->pos[i].coff;
	if (n > wc->tcap) {
		cap = wc->tcap != 0 ? wc->tcap : 256;
		while (cap < n)
			cap *= 2;
		if ((q = realloc(wc->tpos, cap * sizeof(*wc->tpos))) == NULL)
			return;
		wc->tpos = q;
		if ((q = realloc(wc->tids, cap * sizeof(*wc->tids))) == NULL)
			return;
		wc->tids = q;
		wc->tcap = cap;
	}
	if (plen > wc->tpcap) {
		cap = wc->tpcap != 0 ? wc->tpcap : 4096;
		while (cap < plen)
			cap *= 2;
		if ((q = realloc(wc->tpool, cap)) == NULL)
			return;
		wc->tpool = q;
		wc->tpcap = cap;
	}
	memcpy(wc->tpos, wc->pos + i, n * sizeof(*wc->tpos));
	memcpy(wc->tids, wc->ids + i, n * sizeof(*wc->tids));
	memcpy(wc->tpool, wc->pool + wc->pos[i].coff, plen);
	wc->tbase = wc->pos[i].coff;
	wc->tn = n;
}

/* Is tail position j the entry e, whose position rec_pos_make just made as p? */
static bool
tail_same(const struct wcache *wc, size_t j, const struct wpos *p,
    const struct nb_sysctl_entry *e)
{
	const struct wpos *t = &wc->tpos[j];
	const uint8_t *q = wc->tpool + (t->coff - wc->tbase);
	uint32_t l;
	unsigned k;

	/* Equal description offsets are equal texts (each text is once in dtext). */
	if (t->ncomp != p->ncomp || t->type != p->type || t->flags != p->flags ||
	    t->doff != p->doff || t->unnamed != p->unnamed)
		return false;
	for (k = e->ncomp; k-- > wc->n;) {
		memcpy(&l, q, sizeof(l));
		if (l != e->complen[k] || memcmp(q + sizeof(l), e->comp[k], l) != 0)
			return false;
		q += sizeof(l) + l;
	}
	return true;
}

/*
 * Position i was just made anew for e: if the tail holds e near where the
 * previous entry was found, i takes that position's id (same name, type,
 * flags and description: the writer's id of the same key), so the writer
 * adds it by id instead of looking its name up. Entries deleted from the
 * walk are skipped over; an entry found nowhere (added) leaves the place
 * where the next one is looked for. After 2 * TAIL_WINDOW such entries in
 * a row the walk is another one: the tail is dropped.
 */
void
rec_tail_find(struct wcache *wc, size_t i, const struct nb_sysctl_entry *e)
{
	size_t j, end;

	if (wc->tnext >= wc->tn)
		return;
	end = wc->tn - wc->tnext > TAIL_WINDOW ? wc->tnext + TAIL_WINDOW : wc->tn;
	for (j = wc->tnext; j < end; j++)
		if (tail_same(wc, j, &wc->pos[i], e)) {
			wc->ids[i] = wc->tids[j];
			wc->tnext = j + 1;
			wc->tmiss = 0;
			return;
		}
	if (++wc->tmiss > 2 * TAIL_WINDOW)
		wc->tn = 0;
}
