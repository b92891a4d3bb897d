/* SPDX-License-Identifier: BSD-2-Clause */
/* record.c - --record: the subtrees a handle reads in a sample, written to history as one sample. */
/*
 * Theory of operation
 *
 * A handle that records keeps, for the current sample, the set of subtrees
 * read with values (walk, get, json; not RD_NOVALUE or RD_SHALLOW). The set
 * is kept minimal: a subtree inside one already noted adds nothing (its
 * walk is not copied), one that contains noted subtrees replaces them.
 * Reading net.interfaces also notes net.interfaces_departed, so an
 * interface deleted between two samples is recorded with its final
 * counters.
 *
 * The entries of the tool's own walk are copied as they stream to its
 * callback (the walk runs with RD_NODES; nodes the tool did not ask for
 * are not passed on), so the sample holds exactly what the tool saw, from
 * the walk's one read section. A subtree whose walk the tool's callback
 * stopped early, or that was noted without a walk (departed), is walked
 * again at the end of the sample.
 *
 * Copying is by position. Each subtree walked has a cache (struct wcache,
 * kept from sample to sample while the subtree is read): for each position
 * of its walk, the entry seen there last (its components below the
 * subtree, type, flags, description) and the writer's id of that name. A
 * walk goes in the same order each sample, so the entry at position i is
 * compared with position i of the cache, and when it is the same only its
 * value is kept: no name is joined, nothing is looked up. While every
 * entry so far was at its position, only the components the walk says
 * changed since the previous entry (nb_sysctl_entry.same: usually the leaf
 * name) are compared; a description is compared as text once per walk
 * and pointer, then as its offset in the recorder's store of descriptions
 * (each text once). The first entry that differs (an interface added or
 * deleted) truncates the cache there and the rest of the walk is noted
 * anew. The positions it drops are kept aside as the walk's tail: each
 * entry noted anew looks for itself there (full name, type, flags,
 * description), from where the previous one was found and a window of
 * positions on, and takes the writer's id of the position it finds, so
 * the entries after an interface added or deleted are still added by id.
 * What the tail does not hold (the added interface) is added by name;
 * after a long run of misses the walk is another one and the tail is
 * dropped. The next sample is cheap again.
 *
 * When the sample ends (nb_sysctl_sample, nb_sysctl_record_commit, close),
 * the positions (and the walks again) go to the history writer, which
 * commits the sample as one transaction: by id where the cache holds an id
 * of the writer's current epoch (runs of numbers and nodes in one
 * nbh_writer_add_ids call, strings one by one), else by the escaped
 * dotted name joined from the stored components, and the id the writer
 * gives back is kept. A failed sample starts a new writer epoch: the next
 * sample adds every name by text again. A LOCAL backend loads each family
 * once per sample, so a walk again sees the same kernel data; a value that
 * another thread changes meanwhile (libstack's own health counters, the
 * daemon's stack) is recorded as it stands then.
 *
 * Like the handle, the recorder is used by one thread at a time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nbhistory/history.h"

#include "backend.h"

#define MAX(a, b)	((a) > (b) ? (a) : (b))

/*
 * One position of a subtree's walk: the entry seen there last. Its
 * components below the subtree are in the cache's pool at coff, last
 * first (the one most likely to differ), each as a uint32_t length then
 * the bytes (positions in order: the pool is truncated with them).
 * `same` is the entry's nb_sysctl_entry.same when the position was noted
 * (the position before it was then what it is now: noting a position
 * drops the ones after it).
 */
struct wpos {
	uint32_t	 coff;
	uint32_t	 doff;		/* description, in rec->dtext */
	uint32_t	 flags;
	uint8_t		 ncomp;
	uint8_t		 same;
	uint8_t		 type;
	bool		 unnamed;	/* its escaped name is too long: not recorded */
};

/* A subtree's walk, by position (see the theory of operation). */
struct wcache {
	char		*buf;		/* the subtree's components, NUL-separated */
	const char	*comp[NB_SYSCTL_MAXDEPTH];
	size_t		 lens[NB_SYSCTL_MAXDEPTH];
	unsigned	 n;
	size_t		 esclen;	/* of its escaped dotted name */
	struct wpos	*pos;
	uint32_t	*ids;		/* by position: the writer's id of the name, 0: not known */
	int64_t		*vals;		/* by position: this sample's value
					   (STRING/ADDRESS: offset in str) */
	size_t		 npos, poscap;	/* positions known */
	size_t		 ncur;		/* positions of this sample's walk */
	uint8_t		*pool;		/* components of the positions */
	size_t		 plen, pcap;
	char		*str;		/* this sample's string values: uint32_t length, bytes */
	size_t		 slen, scap;
	uint64_t	 epoch;		/* the writer epoch of the ids in pos */
	bool		 used;		/* read in this sample */
	/*
	 * The tail: the positions a walk's first difference dropped (from
	 * there to the end), with their ids and components, so that the
	 * entries after an interface added or deleted find their ids there
	 * (see resync). Scratch of one walk; the memory is kept.
	 */
	struct wpos	*tpos;
	uint32_t	*tids;
	uint8_t		*tpool;		/* components; tpos[].coff - tbase */
	size_t		 tn, tcap, tpcap;
	size_t		 tbase, tnext;	/* tnext: where the next entry is looked for */
	unsigned	 tmiss;		/* entries in a row found nowhere in the tail */
};

struct prefix {
	char		*buf;			/* the components, NUL-separated */
	const char	*comp[NB_SYSCTL_MAXDEPTH];
	size_t		 lens[NB_SYSCTL_MAXDEPTH];
	unsigned	 n;
	bool		 captured;		/* wc holds this sample's walk */
	struct wcache	*wc;
};

struct nb_rec {
	struct nbh_writer *w;
	char		 source[32];
	struct prefix	*pv;
	size_t		 np, pcap;
	int		 error;			/* deferred (note ran out of memory) */
	struct wcache	**wcv;
	size_t		 nwc, wccap;
	/* Descriptions of the positions, each once: NUL-terminated texts, a hash of offsets + 1. */
	char		*dtext;
	size_t		 dlen, dcap;
	uint32_t	*dslot;
	size_t		 dn, dnslots;
	/*
	 * The descriptions seen in this walk, by pointer (its text does not
	 * change during a walk): the offset of the same text in dtext, where
	 * each text is once, so equal offsets are equal texts.
	 */
	struct dseen {
		const char	*ptr;
		uint32_t	 off;
	}		 dseen[64];
	char		 name[NB_SYSCTL_NAMEMAX + 1];
	/* The components of the name last joined into name: the end of each in it. */
	unsigned	 jn;
	size_t		 jend[NB_SYSCTL_MAXDEPTH];
	/* Departed interfaces ("name@gen") in this sample: drained once it is committed. */
	char		*dep;			/* NUL-terminated names, one after the other */
	size_t		 deplen, depcap;
	bool		 depfail;		/* a name could not be kept: drain nothing */
};

/* Note the departed interface an entry is the node of (net.interfaces_departed.X). */
static void
note_departed(struct nb_rec *rec, const struct nb_sysctl_entry *e)
{
	size_t l, cap;
	char *p;

	if (e->ncomp != 3 || e->val.type != NB_SYSCTL_NODE || e->complen[1] != 19 ||
	    memcmp(e->comp[1], "interfaces_departed", 19) != 0 || e->complen[0] != 3 ||
	    memcmp(e->comp[0], "net", 3) != 0)
		return;
	l = e->complen[2];
	if (rec->deplen + l + 1 > rec->depcap) {
		cap = rec->depcap != 0 ? rec->depcap * 2 : 256;
		while (cap < rec->deplen + l + 1)
			cap *= 2;
		if ((p = realloc(rec->dep, cap)) == NULL) {
			rec->depfail = true;
			return;
		}
		rec->dep = p;
		rec->depcap = cap;
	}
	memcpy(rec->dep + rec->deplen, e->comp[2], l);
	rec->dep[rec->deplen + l] = '\0';
	rec->deplen += l + 1;
}

/*
 * After a committed sample: the backend forgets the departed interfaces the
 * sample recorded (departed_ack), so each is recorded once and the list
 * does not grow for the recorder's life. Only a local tree has them.
 */
static void
ack_departed(struct nb_sysctl *h, struct nb_rec *rec)
{
	if (rec->deplen == 0 || rec->depfail || h->ops->departed_ack == NULL)
		return;
	h->ops->departed_ack(h, rec->dep, rec->deplen);
}

static int64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
nb_sysctl_record_open(struct nb_sysctl *h, const char *path, const char *source)
{
	struct nb_rec *rec;
	int error;

	h->errdetail[0] = '\0';
	if (path == NULL || *path == '\0')
		return -EINVAL;
	if (h->rec != NULL)
		return -EALREADY;
	if ((rec = calloc(1, sizeof(*rec))) == NULL)
		return -ENOMEM;
	snprintf(rec->source, sizeof(rec->source), "%s",
	    source != NULL ? source : h->ops != NULL ? h->ops->name : "");
	if ((error = nbh_writer_open(path, NULL, &rec->w, h->errdetail,
	    sizeof(h->errdetail))) != 0) {
		free(rec);
		return error;
	}
	h->rec = rec;
	return 0;
}

int
nb_sysctl_record_retain(struct nb_sysctl *h, int64_t retain_ns)
{
	int error;

	h->errdetail[0] = '\0';
	if (h->rec == NULL)
		return -EINVAL;
	if ((error = nbh_writer_set_retain(h->rec->w, retain_ns)) != 0)
		snprintf(h->errdetail, sizeof(h->errdetail), "%s", nbh_writer_error(h->rec->w));
	return error;
}

/* p is a prefix of (or equal to) q. */
static bool
covers(const struct prefix *p, const char *const *comp, const size_t *lens, unsigned n)
{
	unsigned i;

	if (p->n > n)
		return false;
	for (i = 0; i < p->n; i++)
		if (p->lens[i] != lens[i] || memcmp(p->comp[i], comp[i], lens[i]) != 0)
			return false;
	return true;
}

/* Note a subtree; false if one already noted covers it. */
static bool
note1(struct nb_rec *rec, const char *const *comp, const size_t *lens, unsigned n)
{
	struct prefix *p, nw;
	size_t i, j, total = 0;
	unsigned k;
	char *q;

	for (i = 0; i < rec->np; i++)
		if (covers(&rec->pv[i], comp, lens, n))
			return false;
	/* Drop the noted subtrees the new one contains. */
	for (i = j = 0; i < rec->np; i++) {
		struct prefix tmp = { 0 };

		tmp.n = n;
		memcpy(tmp.comp, comp, n * sizeof(*comp));
		memcpy(tmp.lens, lens, n * sizeof(*lens));
		if (covers(&tmp, rec->pv[i].comp, rec->pv[i].lens, rec->pv[i].n))
			free(rec->pv[i].buf);
		else
			rec->pv[j++] = rec->pv[i];
	}
	rec->np = j;
	memset(&nw, 0, sizeof(nw));
	for (k = 0; k < n; k++)
		total += lens[k] + 1;
	if ((nw.buf = malloc(total + 1)) == NULL) {
		rec->error = -ENOMEM;
		return false;
	}
	for (k = 0, q = nw.buf; k < n; k++) {
		memcpy(q, comp[k], lens[k]);
		q[lens[k]] = '\0';
		nw.comp[k] = q;
		nw.lens[k] = lens[k];
		q += lens[k] + 1;
	}
	nw.n = n;
	if (rec->np == rec->pcap) {
		size_t cap = rec->pcap != 0 ? rec->pcap * 2 : 8;

		if ((p = realloc(rec->pv, cap * sizeof(*p))) == NULL) {
			free(nw.buf);
			rec->error = -ENOMEM;
			return false;
		}
		rec->pv = p;
		rec->pcap = cap;
	}
	rec->pv[rec->np++] = nw;
	return true;
}

/* The noted subtree that is exactly comp and has no copy yet, or NULL. */
static struct prefix *
noted_uncaptured(struct nb_rec *rec, const char *const *comp, const size_t *lens, unsigned n)
{
	size_t i;

	for (i = 0; i < rec->np; i++)
		if (rec->pv[i].n == n && !rec->pv[i].captured && covers(&rec->pv[i], comp, lens, n))
			return &rec->pv[i];
	return NULL;
}

static bool
is_net_interfaces(const char *const *comp, const size_t *lens, unsigned n)
{
	return n == 2 && lens[0] == 3 && memcmp(comp[0], "net", 3) == 0 &&
	    lens[1] == 10 && memcmp(comp[1], "interfaces", 10) == 0;
}

/*
 * The escaped dotted name of e in rec->name (nb_sysctl_entry_name), reusing
 * the components it shares with the name joined before: a walk goes in tree
 * order, so usually only the last component is new. comp[0..known) are
 * known to be the joined name's (not compared). The result is the length;
 * >= sizeof(rec->name) if the name does not fit.
 */
static size_t
join_name(struct nb_rec *rec, const struct nb_sysctl_entry *e, unsigned known)
{
	char *q = rec->name;
	size_t at = 0, l, i, start;
	unsigned c, d = 0;

	/* Keep the leading components that are the same (unescaped, compared as joined). */
	if (known > rec->jn || known > e->ncomp)
		known = 0;
	for (d = known; d < rec->jn && d < e->ncomp; d++) {
		start = d > 0 ? rec->jend[d - 1] + 1 : 0;
		l = e->complen[d];
		/* Equal lengths: the joined one has no escape, so equal bytes mean equal names. */
		if (rec->jend[d] - start != l || memcmp(q + start, e->comp[d], l) != 0)
			break;
	}
	at = d > 0 ? rec->jend[d - 1] : 0;
	rec->jn = 0;
	for (c = d; c < e->ncomp; c++) {
		if (c > 0) {
			if (at + 1 >= sizeof(rec->name))
				return sizeof(rec->name);
			q[at++] = '.';
		}
		l = e->complen[c];
		/* Most components need no escape: one copy. */
		if (memchr(e->comp[c], '.', l) == NULL && memchr(e->comp[c], '\\', l) == NULL) {
			if (at + l >= sizeof(rec->name))
				return sizeof(rec->name);
			memcpy(q + at, e->comp[c], l);
			at += l;
			rec->jend[c] = at;
			continue;
		}
		for (i = 0; i < l; i++) {
			bool esc = e->comp[c][i] == '.' || e->comp[c][i] == '\\';

			if (at + 1 + esc >= sizeof(rec->name))
				return sizeof(rec->name);
			if (esc)
				q[at++] = '\\';
			q[at++] = e->comp[c][i];
		}
		rec->jend[c] = at;
	}
	q[at] = '\0';
	rec->jn = e->ncomp;
	return at;
}

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

static inline struct dseen *
dseen(struct nb_rec *rec, const char *descr)
{
	return &rec->dseen[((uintptr_t)descr >> 3) % (sizeof(rec->dseen) / sizeof(rec->dseen[0]))];
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

static void
wcache_free(struct wcache *wc)
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
static struct wcache *
wcache_get(struct nb_rec *rec, const char *const *comp, const size_t *lens, unsigned n)
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

/*
 * Is the entry the one position p saw? `same`: comp[0..same) are known to
 * be the position's (the previous entry was at its position and the walk
 * says they did not change since); only the components from there on
 * are compared.
 */
static inline bool
pos_same(struct nb_rec *rec, const struct wcache *wc, const struct wpos *p,
    const struct nb_sysctl_entry *e, unsigned same)
{
	const uint8_t *q = wc->pool + p->coff;
	struct dseen *d;
	uint32_t l;
	unsigned k;

	if (p->ncomp != e->ncomp || p->type != (uint8_t)e->val.type || p->flags != e->val.flags)
		return false;
	if (same < wc->n || p->same < same)
		same = wc->n;		/* the position's own prefix may differ: compare it all */
	for (k = e->ncomp; k-- > same;) {
		memcpy(&l, q, sizeof(l));
		if (l != e->complen[k] || memcmp(q + sizeof(l), e->comp[k], l) != 0)
			return false;
		q += sizeof(l) + l;
	}
	if ((d = dseen(rec, e->descr))->ptr == e->descr)
		return d->off == p->doff;
	if (strcmp(e->descr, rec->dtext + p->doff) != 0)
		return false;
	d->ptr = e->descr;
	d->off = p->doff;
	return true;
}

/* Note the entry at position i anew: the positions from i on are dropped. 0 or -ENOMEM. */
static int
pos_make(struct nb_rec *rec, struct wcache *wc, size_t i, const struct nb_sysctl_entry *e)
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
	d = dseen(rec, e->descr);
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
 * Keep positions [i, npos) of wc as the tail before pos_make(i) drops
 * them: the rest of the walk is most likely the same entries one
 * interface's worth of positions away. No memory: no tail (the rest is
 * added by name, as without one).
 */
static void
tail_keep(struct wcache *wc, size_t i)
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

/* Is tail position j the entry e, whose position pos_make just made as p? */
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
static void
tail_find(struct wcache *wc, size_t i, const struct nb_sysctl_entry *e)
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

/* ---- copying a walk ---- */

struct capture {
	struct nb_rec	*rec;
	struct wcache	*wc;		/* NULL: not copied */
	nb_sysctl_walk_fn cb;
	void		*arg;
	unsigned	 rdflags;	/* the tool's */
	int		 failed;	/* the error that stopped the copy */
	bool		 sync;		/* every entry so far was at its cached position */
};

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
		note_departed(c->rec, e);
	/* The previous entry at its position: what the walk says is unchanged is the same. */
	if (!c->sync || i >= wc->npos ||
	    !pos_same(c->rec, wc, &wc->pos[i], e, i > 0 ? e->same : 0)) {
		if (c->sync)
			tail_keep(wc, i);	/* the first difference of this walk */
		c->sync = false;
		if ((error = pos_make(c->rec, wc, i, e)) != 0)
			return error;
		tail_find(wc, i, e);
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

static int
all_cb(const struct nb_sysctl_entry *e, void *arg)
{
	(void)e;
	(void)arg;
	return 0;
}

/* Walk a subtree into its cache (this sample's walk starts at position 0). */
static int
capture_walk(struct nb_sysctl *h, struct capture *c, const char *const *comp,
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
		covered = covers(&rec->pv[i], comp, lens, n);
	/*
	 * A subtree already noted is not copied again, except one noted
	 * without a walk (departed, noted by net.interfaces) and now walked
	 * by the tool: keep what the tool saw, not a walk at commit that may
	 * see a later state (an event thread moving an interface from live
	 * to departed meanwhile).
	 */
	if (covered && (p = noted_uncaptured(rec, comp, lens, n)) == NULL)
		return h->ops->walk(h, comp, lens, n, rdflags, cb, arg);
	if ((c.wc = wcache_get(rec, comp, lens, n)) == NULL) {
		rec->error = -ENOMEM;
		return h->ops->walk(h, comp, lens, n, rdflags, cb, arg);
	}
	if ((error = capture_walk(h, &c, comp, lens, n)) < 0)
		return error;
	if (!covered && note1(rec, comp, lens, n))
		p = &rec->pv[rec->np - 1];
	if (p != NULL) {
		p->wc = c.wc;
		/* Complete copy: keep it; stopped early: walk again at commit. */
		p->captured = error == 0 && c.failed == 0;
	}
	if (is_net_interfaces(comp, lens, n))
		(void)note1(rec, departed, dlens, 2);
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
	return join_name(rec, &e, known);
}

/* Add this sample's walk of a subtree to the writer. */
static int
add_walk(struct nb_rec *rec, struct wcache *wc)
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
static void
prefixes_clear(struct nb_rec *rec)
{
	size_t i, j;

	for (i = 0; i < rec->np; i++)
		free(rec->pv[i].buf);
	rec->np = 0;
	rec->error = 0;
	rec->deplen = 0;
	rec->depfail = false;
	for (i = j = 0; i < rec->nwc; i++) {
		if (rec->wcv[i]->used) {
			rec->wcv[i]->used = false;
			rec->wcv[j++] = rec->wcv[i];
		} else
			wcache_free(rec->wcv[i]);
	}
	rec->nwc = j;
}

int
nb__rec_commit(struct nb_sysctl *h)
{
	struct nb_rec *rec = h->rec;
	struct nbh_sample_info si;
	struct capture c = { rec, NULL, all_cb, NULL, NB_SYSCTL_RD_NODES, 0, true };
	size_t i;
	int error = 0;

	if (rec->error != 0) {
		error = rec->error;
		snprintf(h->errdetail, sizeof(h->errdetail), "record: %s", strerror(-error));
		goto out;
	}
	if (rec->np == 0)
		return 0;
	for (i = 0; i < rec->np; i++) {
		struct prefix *p = &rec->pv[i];

		if (!p->captured) {
			if (p->wc == NULL && (p->wc = wcache_get(rec, p->comp, p->lens, p->n)) == NULL) {
				error = -ENOMEM;
				snprintf(h->errdetail, sizeof(h->errdetail), "record: %s",
				    strerror(-error));
				goto out;
			}
			c.wc = p->wc;
			error = capture_walk(h, &c, p->comp, p->lens, p->n);
			if (error == -ENOENT && c.failed == 0)
				continue;	/* gone since it was read: nothing to record */
			if (error == 0 && c.failed != 0) {
				error = c.failed;
				snprintf(h->errdetail, sizeof(h->errdetail), "record: %s",
				    strerror(-error));
			}
			if (error != 0)
				goto out;
		}
		if ((error = add_walk(rec, p->wc)) != 0) {
			snprintf(h->errdetail, sizeof(h->errdetail), "record: %s",
			    nbh_writer_error(rec->w));
			goto out;
		}
	}
	memset(&si, 0, sizeof(si));
	si.t_ns = h->ops->sample_time(h);
	si.source = rec->source;
	si.boottime_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	if ((error = nbh_writer_commit(rec->w, &si)) != 0)
		snprintf(h->errdetail, sizeof(h->errdetail), "record: %s", nbh_writer_error(rec->w));
	else
		ack_departed(h, rec);
out:
	if (error != 0)
		nbh_writer_abort(rec->w);
	prefixes_clear(rec);
	return error;
}

int
nb_sysctl_record_commit(struct nb_sysctl *h)
{
	h->errdetail[0] = '\0';
	if (h->rec == NULL)
		return 0;		/* not recording: nothing to write */
	return nb__rec_commit(h);
}

void
nb__rec_close(struct nb_sysctl *h)
{
	struct nb_rec *rec = h->rec;
	size_t i;

	if (rec == NULL)
		return;
	prefixes_clear(rec);
	for (i = 0; i < rec->nwc; i++)
		wcache_free(rec->wcv[i]);
	free(rec->wcv);
	free(rec->pv);
	free(rec->dtext);
	free(rec->dslot);
	free(rec->dep);
	nbh_writer_close(&rec->w);
	free(rec);
	h->rec = NULL;
}
