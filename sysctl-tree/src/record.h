/* SPDX-License-Identifier: BSD-2-Clause */
/* record.h - private: the recorder's state, shared by record.c, record_cache.c, record_capture.c. */
#ifndef SYSCTL_TREE_RECORD_H
#define SYSCTL_TREE_RECORD_H

/*
 * The theory of operation is at the top of record.c: the set of subtrees
 * a sample notes (record.c), the caches of their walks by position with
 * the descriptions and the tail (record_cache.c), copying a walk as it
 * streams and writing it to the history writer (record_capture.c).
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
	bool		 ev_started;		/* the backend's event log is on (record.c) */
};

struct capture {
	struct nb_rec	*rec;
	struct wcache	*wc;		/* NULL: not copied */
	nb_sysctl_walk_fn cb;
	void		*arg;
	unsigned	 rdflags;	/* the tool's */
	int		 failed;	/* the error that stopped the copy */
	bool		 sync;		/* every entry so far was at its cached position */
};

/* record.c: the subtrees noted in this sample */
void	rec_note_departed(struct nb_rec *rec, const struct nb_sysctl_entry *e);
bool	rec_covers(const struct prefix *p, const char *const *comp, const size_t *lens, unsigned n);
bool	rec_note1(struct nb_rec *rec, const char *const *comp, const size_t *lens, unsigned n);
struct prefix *rec_noted_uncaptured(struct nb_rec *rec, const char *const *comp, const size_t *lens, unsigned n);
bool	rec_is_net_interfaces(const char *const *comp, const size_t *lens, unsigned n);
size_t	rec_join_name(struct nb_rec *rec, const struct nb_sysctl_entry *e, unsigned known);

/* record_cache.c: descriptions and the caches of the walks */
void	rec_wcache_free(struct wcache *wc);
struct wcache *rec_wcache_get(struct nb_rec *rec, const char *const *comp, const size_t *lens, unsigned n);
int	rec_pos_make(struct nb_rec *rec, struct wcache *wc, size_t i, const struct nb_sysctl_entry *e);
void	rec_tail_keep(struct wcache *wc, size_t i);
void	rec_tail_find(struct wcache *wc, size_t i, const struct nb_sysctl_entry *e);

/* record_capture.c: copying a walk, writing it */
int	rec_all_cb(const struct nb_sysctl_entry *e, void *arg);
int	rec_capture_walk(struct nb_sysctl *h, struct capture *c, const char *const *comp,
    const size_t *lens, unsigned n);
int	rec_add_walk(struct nb_rec *rec, struct wcache *wc);

/* The slot of a description pointer in this walk's rec->dseen. */
static inline struct dseen *
rec_dseen(struct nb_rec *rec, const char *descr)
{
	return &rec->dseen[((uintptr_t)descr >> 3) % (sizeof(rec->dseen) / sizeof(rec->dseen[0]))];
}

/*
 * Is the entry the one position p saw? `same`: comp[0..same) are known to
 * be the position's (the previous entry was at its position and the walk
 * says they did not change since); only the components from there on
 * are compared.
 */
static inline bool
rec_pos_same(struct nb_rec *rec, const struct wcache *wc, const struct wpos *p,
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
	if ((d = rec_dseen(rec, e->descr))->ptr == e->descr)
		return d->off == p->doff;
	if (strcmp(e->descr, rec->dtext + p->doff) != 0)
		return false;
	d->ptr = e->descr;
	d->off = p->doff;
	return true;
}

#endif /* SYSCTL_TREE_RECORD_H */
