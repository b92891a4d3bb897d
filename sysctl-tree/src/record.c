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
 * Events: once the first sample is written the backend logs what changes
 * (links, interfaces, addresses, routes, neighbours, captures: libstack's
 * event log, started through events_start), and each sample takes what
 * was logged since the previous one into its transaction (events_take);
 * a commit with nothing read (nb_sysctl_record_commit after the last
 * sample) and close write the rest in a transaction of their own.
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
#include "record.h"

/* Note the departed interface an entry is the node of (net.interfaces_departed.X). */
void
rec_note_departed(struct nb_rec *rec, const struct nb_sysctl_entry *e)
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

static int64_t clock_ns(clockid_t id);

/*
 * Events: the backend's log starts once the first sample is in the file
 * (what the source loaded for it is not news), then each sample takes what
 * was logged since the previous one, and close takes the rest (a recorder
 * stopped between samples loses nothing it saw). Written in the sample's
 * transaction, or in one of their own at close.
 */
static void
rec_events_start(struct nb_sysctl *h, struct nb_rec *rec)
{
	if (rec->ev_started || h->ops->events_start == NULL)
		return;
	rec->ev_started = h->ops->events_start(h) == 0;
}

static int
rec_events(struct nb_sysctl *h, struct nb_rec *rec)
{
	struct nb_event ev[64];
	struct nbh_event hv[64 + 1];
	char lostbuf[32];
	uint64_t lost = 0;
	size_t n, i, k;
	int error;

	if (!rec->ev_started || h->ops->events_take == NULL)
		return 0;
	do {
		n = h->ops->events_take(h, ev, sizeof(ev) / sizeof(ev[0]), &lost);
		k = 0;
		if (lost != 0) {	/* before what is left: the oldest were dropped */
			snprintf(lostbuf, sizeof(lostbuf), "%" PRIu64, lost);
			hv[k++] = (struct nbh_event){ n > 0 ? ev[0].t_ns : clock_ns(CLOCK_REALTIME),
				"", 0, "events lost", lostbuf };
		}
		for (i = 0; i < n; i++) {
			const char *what = nb_event_kind_name(ev[i].kind);

			ev[i].ifname[sizeof(ev[i].ifname) - 1] = '\0';
			ev[i].detail[sizeof(ev[i].detail) - 1] = '\0';
			hv[k++] = (struct nbh_event){ ev[i].t_ns, ev[i].ifname, ev[i].ifindex,
				what != NULL ? what : "changed", ev[i].detail };
		}
		if ((error = nbh_writer_events(rec->w, hv, k)) != 0) {
			snprintf(h->errdetail, sizeof(h->errdetail), "record events: %s",
			    nbh_writer_error(rec->w));
			return error;
		}
	} while (n == sizeof(ev) / sizeof(ev[0]));
	return 0;
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
bool
rec_covers(const struct prefix *p, const char *const *comp, const size_t *lens, unsigned n)
{
	unsigned i;

	if (p->n > n)
		return false;
	for (i = 0; i < p->n; i++)
		if (p->lens[i] != lens[i] || memcmp(p->comp[i], comp[i], lens[i]) != 0)
			return false;
	return true;
}

/* Note a subtree; false if one already noted rec_covers it. */
bool
rec_note1(struct nb_rec *rec, const char *const *comp, const size_t *lens, unsigned n)
{
	struct prefix *p, nw;
	size_t i, j, total = 0;
	unsigned k;
	char *q;

	for (i = 0; i < rec->np; i++)
		if (rec_covers(&rec->pv[i], comp, lens, n))
			return false;
	/* Drop the noted subtrees the new one contains. */
	for (i = j = 0; i < rec->np; i++) {
		struct prefix tmp = { 0 };

		tmp.n = n;
		memcpy(tmp.comp, comp, n * sizeof(*comp));
		memcpy(tmp.lens, lens, n * sizeof(*lens));
		if (rec_covers(&tmp, rec->pv[i].comp, rec->pv[i].lens, rec->pv[i].n))
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
struct prefix *
rec_noted_uncaptured(struct nb_rec *rec, const char *const *comp, const size_t *lens, unsigned n)
{
	size_t i;

	for (i = 0; i < rec->np; i++)
		if (rec->pv[i].n == n && !rec->pv[i].captured && rec_covers(&rec->pv[i], comp, lens, n))
			return &rec->pv[i];
	return NULL;
}

bool
rec_is_net_interfaces(const char *const *comp, const size_t *lens, unsigned n)
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
size_t
rec_join_name(struct nb_rec *rec, const struct nb_sysctl_entry *e, unsigned known)
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
			rec_wcache_free(rec->wcv[i]);
	}
	rec->nwc = j;
}

int
nb__rec_commit(struct nb_sysctl *h)
{
	struct nb_rec *rec = h->rec;
	struct nbh_sample_info si;
	struct capture c = { rec, NULL, rec_all_cb, NULL, NB_SYSCTL_RD_NODES, 0, true };
	size_t i;
	int error = 0;

	if (rec->error != 0) {
		error = rec->error;
		snprintf(h->errdetail, sizeof(h->errdetail), "record: %s", strerror(-error));
		goto out;
	}
	if (rec->np == 0)
		return rec_events(h, rec);	/* nothing read: the events alone */
	for (i = 0; i < rec->np; i++) {
		struct prefix *p = &rec->pv[i];

		if (!p->captured) {
			if (p->wc == NULL && (p->wc = rec_wcache_get(rec, p->comp, p->lens, p->n)) == NULL) {
				error = -ENOMEM;
				snprintf(h->errdetail, sizeof(h->errdetail), "record: %s",
				    strerror(-error));
				goto out;
			}
			c.wc = p->wc;
			error = rec_capture_walk(h, &c, p->comp, p->lens, p->n);
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
		if ((error = rec_add_walk(rec, p->wc)) != 0) {
			snprintf(h->errdetail, sizeof(h->errdetail), "record: %s",
			    nbh_writer_error(rec->w));
			goto out;
		}
	}
	memset(&si, 0, sizeof(si));
	si.t_ns = h->ops->sample_time(h);
	si.source = rec->source;
	si.boottime_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	if ((error = rec_events(h, rec)) != 0)
		goto out;
	if ((error = nbh_writer_commit(rec->w, &si)) != 0)
		snprintf(h->errdetail, sizeof(h->errdetail), "record: %s", nbh_writer_error(rec->w));
	else {
		ack_departed(h, rec);
		rec_events_start(h, rec);
	}
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
	(void)rec_events(h, rec);	/* logged since the last commit (errors: at that commit) */
	prefixes_clear(rec);
	for (i = 0; i < rec->nwc; i++)
		rec_wcache_free(rec->wcv[i]);
	free(rec->wcv);
	free(rec->pv);
	free(rec->dtext);
	free(rec->dslot);
	free(rec->dep);
	nbh_writer_close(&rec->w);
	free(rec);
	h->rec = NULL;
}
