/* SPDX-License-Identifier: BSD-2-Clause */
/* record.c - --record: the subtrees a handle reads in a sample, written to history as one sample. */
/*
 * Theory of operation
 *
 * A handle that records keeps, for the current sample, the set of subtrees
 * read with values (walk, get, json; not RD_NOVALUE or RD_SHALLOW). The set
 * is kept minimal: a subtree inside one already noted adds nothing, one
 * that contains noted subtrees replaces them. Reading net.interfaces also
 * notes net.interfaces_departed, so an interface deleted between two
 * samples is recorded with its final counters.
 *
 * The entries of the tool's own walk are copied as they stream to its
 * callback (the walk runs with RD_NODES; nodes the tool did not ask for
 * are not passed on), so the sample holds exactly what the tool saw, from
 * the walk's one read section. A subtree whose walk the tool's callback
 * stopped early, or that was noted without a walk (departed), is walked
 * again at the end of the sample.
 *
 * When the sample ends (nb_sysctl_sample, nb_sysctl_record_commit, close),
 * the copied entries (and the walks again) go to the history writer, which
 * commits the sample as one transaction. A LOCAL backend loads each family
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
#include "nbstack/stack.h"

#include "backend.h"

struct prefix {
	char		*buf;			/* the components, NUL-separated */
	const char	*comp[NB_SYSCTL_MAXDEPTH];
	size_t		 lens[NB_SYSCTL_MAXDEPTH];
	unsigned	 n;
	bool		 captured;		/* entries in arena[off, end) */
	size_t		 off, end;
};

/* A copied entry in the arena (8-byte aligned): this header, then the name, descr (with its NUL) and string bytes. */
struct centry {
	int64_t		 v;
	uint32_t	 namelen, descrlen, slen;
	uint32_t	 flags;
	uint8_t		 type;
};

struct nb_rec {
	struct nbh_writer *w;
	char		 source[32];
	struct prefix	*pv;
	size_t		 np, pcap;
	int		 error;			/* deferred (note ran out of memory) */
	int		 cberror;
	uint8_t		*arena;			/* copied entries of this sample */
	size_t		 alen, acap;
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

struct drain {
	const struct nb_rec *rec;
	uint64_t	 upto;
	bool		 stop;
};

static bool
dep_recorded(const struct nb_rec *rec, const char *name)
{
	size_t at;

	for (at = 0; at < rec->deplen; at += strlen(rec->dep + at) + 1)
		if (strcmp(rec->dep + at, name) == 0)
			return true;
	return false;
}

/* Oldest first: the departed entries up to the first one the sample does not hold. */
static int
drain_cb(const struct nb_departed *d, void *arg)
{
	struct drain *dr = arg;
	char name[NB_IFNAMSIZ + 32];

	snprintf(name, sizeof(name), "%.*s@%" PRIu64, (int)strnlen(d->attrs.name, NB_IFNAMSIZ),
	    d->attrs.name, d->gen);
	if (!dep_recorded(dr->rec, name))
		return 1;
	dr->upto = d->seq;
	return 0;
}

/*
 * After a committed sample: the stack forgets the departed interfaces the
 * sample recorded (nb_departed_drain), so each is recorded once and the
 * list does not grow for the recorder's life. Only a local tree has them.
 */
static void
drain_departed(struct nb_sysctl *h, struct nb_rec *rec)
{
	struct drain dr = { rec, 0, false };
	struct nb_stack *st;
	struct nb_read rd;

	if (rec->deplen == 0 || rec->depfail || h->ops->stack == NULL ||
	    (st = h->ops->stack(h)) == NULL)
		return;
	nb_read_enter(st, &rd);
	(void)nb_departed_walk(&rd, drain_cb, &dr);
	nb_read_exit(&rd);
	if (dr.upto != 0)
		(void)nb_departed_drain(st, dr.upto);
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
 * order, so usually only the last component is new. The result is the
 * length; >= sizeof(rec->name) if the name does not fit.
 */
static size_t
join_name(struct nb_rec *rec, const struct nb_sysctl_entry *e)
{
	char *q = rec->name;
	size_t at = 0, l, i, start;
	unsigned c, d = 0;

	/* Keep the leading components that are the same (unescaped, compared as joined). */
	for (; d < rec->jn && d < e->ncomp; d++) {
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

/* ---- copying the tool's walk ---- */

struct capture {
	struct nb_rec	*rec;
	nb_sysctl_walk_fn cb;
	void		*arg;
	unsigned	 rdflags;	/* the tool's */
	bool		 failed;
};

static int
capture_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct capture *c = arg;
	struct nb_rec *rec = c->rec;
	const struct nb_sysctl_value *v = &e->val;
	struct centry *ce;
	size_t need, namelen, descrlen = strlen(e->descr), slen = v->str != NULL ? v->len : 0;
	uint8_t *p;

	if (!c->failed && e->ncomp > 0) {
		if (v->type == NB_SYSCTL_NODE)
			note_departed(rec, e);
		namelen = join_name(rec, e);
		if (namelen >= sizeof(rec->name)) {
			c->failed = true;	/* unnameable: let the walk at commit skip it */
			goto pass;
		}
		/* Entries stay 8-byte aligned: the header is written in place. */
		need = (sizeof(*ce) + namelen + descrlen + 1 + slen + 7) & ~(size_t)7;
		if (rec->alen + need > rec->acap) {
			size_t cap = rec->acap != 0 ? rec->acap * 2 : 65536;

			while (cap < rec->alen + need)
				cap *= 2;
			if ((p = realloc(rec->arena, cap)) == NULL) {
				c->failed = true;
				goto pass;
			}
			rec->arena = p;
			rec->acap = cap;
		}
		p = rec->arena + rec->alen;
		ce = (struct centry *)(void *)p;
		ce->v = v->type == NB_SYSCTL_INT ? v->i : v->type == NB_SYSCTL_U64 ? (int64_t)v->u :
		    v->type == NB_SYSCTL_BOOL ? v->b : 0;
		ce->namelen = (uint32_t)namelen;
		ce->descrlen = (uint32_t)descrlen;
		ce->slen = (uint32_t)slen;
		ce->flags = v->flags;
		ce->type = (uint8_t)v->type;
		p += sizeof(*ce);
		memcpy(p, rec->name, namelen);
		p += namelen;
		memcpy(p, e->descr, descrlen + 1);
		p += descrlen + 1;
		if (slen > 0)
			memcpy(p, v->str, slen);
		rec->alen += need;
	}
pass:
	if (v->type == NB_SYSCTL_NODE && (c->rdflags & NB_SYSCTL_RD_NODES) == 0)
		return 0;
	return c->cb(e, c->arg);
}

int
nb__rec_walk(struct nb_sysctl *h, const char *const *comp, const size_t *lens,
    unsigned n, unsigned rdflags, nb_sysctl_walk_fn cb, void *arg)
{
	static const char *const departed[] = { "net", "interfaces_departed" };
	static const size_t dlens[] = { 3, 19 };
	struct nb_rec *rec = h->rec;
	struct capture c = { rec, cb, arg, rdflags, false };
	size_t start = rec->alen;
	struct prefix *p;
	int error;

	error = h->ops->walk(h, comp, lens, n, rdflags | NB_SYSCTL_RD_NODES, capture_cb, &c);
	if (error < 0) {
		rec->alen = start;
		return error;
	}
	if (note1(rec, comp, lens, n)) {
		p = &rec->pv[rec->np - 1];

		/* Complete copy: keep it; stopped early: walk again at commit. */
		p->captured = error == 0 && !c.failed;
		p->off = start;
		p->end = rec->alen;
		if (!p->captured)
			rec->alen = start;
	} else if (error == 0 && !c.failed && (p = noted_uncaptured(rec, comp, lens, n)) != NULL) {
		/*
		 * Noted without a walk (departed, noted by net.interfaces) and
		 * now walked by the tool: keep what the tool saw, not a walk at
		 * commit that may see a later state (an event thread moving an
		 * interface from live to departed meanwhile).
		 */
		p->captured = true;
		p->off = start;
		p->end = rec->alen;
	} else
		rec->alen = start;
	if (is_net_interfaces(comp, lens, n))
		(void)note1(rec, departed, dlens, 2);
	return error;
}

static int
rec_cb(const struct nb_sysctl_entry *e, void *arg)
{
	struct nb_rec *rec = arg;
	const struct nb_sysctl_value *v = &e->val;
	size_t len;
	int64_t iv = 0;
	int error;

	if (e->ncomp == 0)
		return 0;
	if (v->type == NB_SYSCTL_NODE)
		note_departed(rec, e);
	len = join_name(rec, e);
	if (len >= sizeof(rec->name))
		return 0;		/* cannot be named again: not recordable */
	switch (v->type) {
	case NB_SYSCTL_INT:
		iv = v->i;
		break;
	case NB_SYSCTL_U64:
		iv = (int64_t)v->u;
		break;
	case NB_SYSCTL_BOOL:
		iv = v->b;
		break;
	default:
		break;
	}
	if ((error = nbh_writer_add(rec->w, rec->name, len, v->type, v->flags, e->descr, iv,
	    v->str, v->str != NULL ? v->len : 0)) != 0) {
		rec->cberror = error;
		return error;
	}
	return 0;
}

static int
add_copied(struct nb_rec *rec, const struct prefix *p)
{
	const uint8_t *q = rec->arena + p->off, *end = rec->arena + p->end;
	const char *name, *descr, *str;
	const struct centry *ce;
	int error;

	while (q < end) {
		ce = (const struct centry *)(const void *)q;
		name = (const char *)q + sizeof(*ce);
		descr = name + ce->namelen;
		str = descr + ce->descrlen + 1;	/* descr is NUL-terminated in the arena */
		if ((error = nbh_writer_add(rec->w, name, ce->namelen, ce->type, ce->flags, descr,
		    ce->v, ce->slen > 0 ? str : "", ce->slen)) != 0)
			return error;
		q += (sizeof(*ce) + ce->namelen + ce->descrlen + 1 + ce->slen + 7) & ~(size_t)7;
	}
	return 0;
}

static void
prefixes_clear(struct nb_rec *rec)
{
	size_t i;

	for (i = 0; i < rec->np; i++)
		free(rec->pv[i].buf);
	rec->np = 0;
	rec->error = 0;
	rec->alen = 0;
	rec->deplen = 0;
	rec->depfail = false;
}

int
nb__rec_commit(struct nb_sysctl *h)
{
	struct nb_rec *rec = h->rec;
	struct nbh_sample_info si;
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
		const struct prefix *p = &rec->pv[i];

		if (p->captured) {
			if ((error = add_copied(rec, p)) != 0) {
				snprintf(h->errdetail, sizeof(h->errdetail), "record: %s",
				    nbh_writer_error(rec->w));
				goto out;
			}
			continue;
		}
		rec->cberror = 0;
		error = h->ops->walk(h, p->comp, p->lens, p->n, NB_SYSCTL_RD_NODES, rec_cb, rec);
		if (error == -ENOENT && rec->cberror == 0)
			error = 0;	/* gone since it was read: nothing to record */
		if (error != 0) {
			if (rec->cberror != 0)
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
		drain_departed(h, rec);
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

	if (rec == NULL)
		return;
	prefixes_clear(rec);
	free(rec->pv);
	free(rec->arena);
	free(rec->dep);
	nbh_writer_close(&rec->w);
	free(rec);
	h->rec = NULL;
}
