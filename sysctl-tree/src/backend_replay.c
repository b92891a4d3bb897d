/* SPDX-License-Identifier: BSD-2-Clause */
/* backend_replay.c - the REPLAY backend: walks served from a recorded sample in the history file. */
/*
 * A recorded sample is the ordered list of the entries its walks gave
 * (interior nodes included), so a replayed walk is a filter over that list:
 * the entries at or under the name, in the recorded (tree) order, with the
 * RD_NODES / RD_SHALLOW rules of the live walker (mib.h). Interior nodes
 * above a recorded subtree were never reported by the live walk that
 * recorded it; they are made up here (without a description) so that a
 * replayed walk of an ancestor has every node a live one would have.
 *
 * Per-CPU vectors are not recorded: RD_PERCPU gives totals only. Nothing
 * is writable. nb_sysctl_sample() moves to the next recorded sample
 * (-ENOENT after the last, or after replay_to_ns).
 *
 * Concurrency: the handle is used by one thread at a time (sysctl.h); the
 * reader's own SQLite connection reads WAL snapshots while a recorder
 * appends (nbhistory/reader.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nbhistory/history.h"

#include "backend.h"

/*
 * A name's components, split incrementally: entries come in tree order, so
 * an entry shares most of its leading components with the one before it.
 * cur_keep counts the components the new name has in common with the last
 * one this cursor split (compared escaped, in place), cur_parse splits only
 * the rest, into buf after the kept ones (cur_set: both); nothing is
 * allocated. The components are valid until the cursor's next cur_parse.
 * The name split last must stay valid while the cursor holds it (the
 * reader's entries do for the whole read).
 */
struct cursor {
	const char	*name;		/* the escaped name split last, NULL = none */
	unsigned	 n;
	size_t		 eoff[NB_SYSCTL_MAXDEPTH];	/* escaped component in name */
	size_t		 elen[NB_SYSCTL_MAXDEPTH];
	const char	*comp[NB_SYSCTL_MAXDEPTH];	/* unescaped, NUL-terminated, in buf */
	size_t		 lens[NB_SYSCTL_MAXDEPTH];
	char		 buf[NB__SPLITBUF];
};

/*
 * How many leading components `name` (len bytes) has in common with the
 * name the cursor holds: the deepest k whose bytes up to the end of
 * component k - 1 are the same, followed by a separator or the end (the
 * same bytes before it: the same escaping). Siblings differ in the last
 * component, so this is mostly found on the first or second try.
 */
static unsigned
cur_keep(const struct cursor *c, const char *name, size_t len)
{
	unsigned n;
	size_t e;

	if (c->name == NULL)
		return 0;
	for (n = c->n; n > 0; n--) {
		e = c->eoff[n - 1] + c->elen[n - 1];
		if (e <= len && (name[e] == '.' || name[e] == '\0') && memcmp(name, c->name, e) == 0)
			break;
	}
	return n;
}

/* Split name (nb__sysctl_split's rules), keeping the cursor's first n components. */
static int
cur_parse(struct cursor *c, const char *name, unsigned n)
{
	const char *p, *start;
	char *o, *ostart;

	c->name = NULL;			/* until this one is split whole */
	if (n == 0) {
		p = name;
		if (*p == '.')
			p++;
		if (*p == '\0') {
			c->n = 0;
			c->name = name;
			return 0;
		}
		o = c->buf;
	} else {
		p = name + c->eoff[n - 1] + c->elen[n - 1];
		o = (char *)c->comp[n - 1] + c->lens[n - 1] + 1;
		if (*p == '\0')
			goto done;
		if (*++p == '\0')	/* past the '.' */
			return -EINVAL;	/* trailing separator */
	}
	for (;;) {
		if (n == NB_SYSCTL_MAXDEPTH)
			return -ENAMETOOLONG;
		start = p;
		ostart = o;
		if (nb__name_comp(&p, &o) != 0)
			return -EINVAL;
		c->eoff[n] = (size_t)(start - name);
		c->elen[n] = (size_t)(p - start);
		c->comp[n] = ostart;
		c->lens[n] = (size_t)(o - ostart);
		*o++ = '\0';
		n++;
		if (*p == '\0')
			break;
		p++;			/* the '.' */
		if (*p == '\0')
			return -EINVAL;	/* trailing separator */
	}
done:
	c->n = n;
	c->name = name;
	return 0;
}

/* The whole step: name is len bytes (nbh_entry.namelen). */
static int
cur_set(struct cursor *c, const char *name, size_t len)
{
	if (len > NB_SYSCTL_NAMEMAX) {
		c->name = NULL;
		return -ENAMETOOLONG;
	}
	return cur_parse(c, name, cur_keep(c, name, len));
}

struct replay {
	struct nbh_reader *r;
	int64_t		 to_ns;		/* range end, 0 = none */
	bool		 busy;
	struct nb_sysctl_entry e;
};

/* The live walker's rules (mib.h mw_want_*), with d the depth and t the target's. */
static bool
want_node(unsigned d, unsigned t, unsigned rdflags)
{
	if (d < t || d == 0)
		return false;
	if (rdflags & NB_SYSCTL_RD_SHALLOW)
		return d == t + 1;
	return (rdflags & NB_SYSCTL_RD_NODES) != 0;
}

static bool
want_leaf(unsigned d, unsigned t, unsigned rdflags)
{
	return d >= t && ((rdflags & NB_SYSCTL_RD_SHALLOW) == 0 || d <= t + 1);
}

static void
fill_value(struct nb_sysctl_value *v, const struct nbh_entry *ent, bool novalue)
{
	memset(v, 0, sizeof(*v));
	v->type = (enum nb_sysctl_type)ent->type;
	v->flags = ent->flags;
	if (v->type == NB_SYSCTL_STRING || v->type == NB_SYSCTL_ADDRESS) {
		v->str = novalue || ent->str == NULL ? "" : ent->str;
		v->len = novalue || ent->str == NULL ? 0 : ent->slen;
		return;
	}
	if (novalue)
		return;
	switch (v->type) {
	case NB_SYSCTL_INT:
		v->i = ent->v;
		break;
	case NB_SYSCTL_U64:
		v->u = (uint64_t)ent->v;
		break;
	case NB_SYSCTL_BOOL:
		v->b = ent->v != 0;
		break;
	default:
		break;
	}
}

static int
replay_walk(struct nb_sysctl *h, const char *const *comp, const size_t *lens, unsigned n,
    unsigned rdflags, nb_sysctl_walk_fn cb, void *arg)
{
	struct replay *rp = h->priv;
	const struct nbh_entry *ents;
	/* s: this entry's split; prev: the last entry that matched (NULL: none yet). */
	struct cursor cur[2], *s = &cur[0], *prev = NULL, *t;
	struct nb_sysctl_entry *e = &rp->e;
	bool found = n == 0, novalue = (rdflags & NB_SYSCTL_RD_NOVALUE) != 0;
	size_t nents, i;
	unsigned k, c, j;
	int rc = 0;

	if (rp->busy)
		return -EBUSY;
	e->same = 0;			/* no hint */
	rp->busy = true;
	cur[0].name = cur[1].name = NULL;
	ents = nbh_reader_entries(rp->r, &nents);
	for (i = 0; i < nents && rc == 0; i++) {
		if (cur_set(s, ents[i].name, ents[i].namelen) != 0) {
			nb__sysctl_errdetail(h, "history: bad recorded name \"%s\"", ents[i].name);
			rc = -EUCLEAN;
			break;
		}
		if (s->n < n)
			continue;
		for (k = 0; k < n; k++)
			if (s->lens[k] != lens[k] || memcmp(s->comp[k], comp[k], lens[k]) != 0)
				break;
		if (k < n)
			continue;
		found = true;
		/* Ancestors not on the previous entry's path: made-up nodes. */
		c = 0;
		if (prev != NULL)
			while (c < prev->n && c < s->n && prev->lens[c] == s->lens[c] &&
			    memcmp(prev->comp[c], s->comp[c], s->lens[c]) == 0)
				c++;
		e->comp = s->comp;
		e->complen = s->lens;
		for (j = c + 1; j < s->n && rc == 0; j++) {
			if (!want_node(j, n, rdflags))
				continue;
			memset(&e->val, 0, sizeof(e->val));
			e->val.type = NB_SYSCTL_NODE;
			e->ncomp = j;
			e->descr = "";
			rc = cb(e, arg);
		}
		/* This entry's split becomes prev; the other cursor splits the next. */
		t = prev != NULL ? prev : &cur[1];
		prev = s;
		if (rc != 0 || c == prev->n) {
			s = t;
			continue;
		}
		if (ents[i].type == NB_SYSCTL_NODE ? !want_node(prev->n, n, rdflags) :
		    !want_leaf(prev->n, n, rdflags)) {
			s = t;
			continue;
		}
		e->ncomp = prev->n;
		e->descr = ents[i].descr;
		fill_value(&e->val, &ents[i], novalue);
		rc = cb(e, arg);
		s = t;
	}
	rp->busy = false;
	if (rc == 0 && !found)
		return -ENOENT;
	return rc;
}

/*
 * The native table read: the sample's entries straight into the rows
 * (table.c's feeder), without the walk's made-up nodes and callbacks.
 */
static int
replay_table(struct nb_sysctl *h, struct nb__tab *tab)
{
	struct replay *rp = h->priv;
	const struct nbh_entry *ents;
	struct cursor s;
	struct nb_sysctl_value v;
	size_t nents, i;
	bool found = false;
	/*
	 * fail: the component at which the cursor's name leaves the pattern,
	 * UINT_MAX: it does not; matched: its leading components known to
	 * match it (a name that keeps them need not compare them again).
	 */
	unsigned k, keep = 0, fail = UINT_MAX, matched = 0;
	int rc = 0;

	if (rp->busy)
		return -EBUSY;
	rp->busy = true;
	s.name = NULL;
	ents = nbh_reader_entries(rp->r, &nents);
	for (i = 0; i < nents && rc == 0; i++) {
		if (ents[i].namelen > NB_SYSCTL_NAMEMAX) {
			rc = -ENAMETOOLONG;
		} else {
			/*
			 * A name that has the failing component of the one before
			 * leaves the pattern there too (found was set, if at all, by
			 * that one): it is not split, the cursor keeps that name.
			 */
			keep = cur_keep(&s, ents[i].name, ents[i].namelen);
			if (fail != UINT_MAX && keep > fail)
				continue;
			rc = cur_parse(&s, ents[i].name, keep);
		}
		if (rc != 0) {
			nb__sysctl_errdetail(h, "history: bad recorded name \"%s\"", ents[i].name);
			rc = -EUCLEAN;
			break;
		}
		for (k = keep < matched ? keep : matched; k < s.n && k < tab->pn; k++)
			if (!nb__tab_match(tab, k, s.comp[k], s.lens[k]))
				break;
		matched = k;
		fail = k < s.n && k < tab->pn ? k : UINT_MAX;
		/* The fixed components before the first '*': the prefix. */
		if (s.n < tab->prefix || fail < tab->prefix)
			continue;
		found = true;
		if (fail != UINT_MAX || ents[i].type == NB_SYSCTL_NODE || s.n <= tab->pn)
			continue;
		fill_value(&v, &ents[i], false);
		rc = nb__tab_entry(tab, s.comp, s.lens, s.n, &v);
	}
	rp->busy = false;
	if (rc == 0 && !found)
		return -ENOENT;
	return rc;
}

static int
replay_sample(struct nb_sysctl *h)
{
	struct replay *rp = h->priv;
	struct nbh_sample_info si;
	int error;

	if (rp->busy)
		return -EBUSY;
	if ((error = nbh_reader_next(rp->r)) != 0) {
		if (error != -ENOENT)
			nb__sysctl_errdetail(h, "%s", nbh_reader_error(rp->r));
		return error;
	}
	if (rp->to_ns != 0 && nbh_reader_info(rp->r, &si) == 0 && si.t_ns > rp->to_ns)
		return -ENOENT;
	return 0;
}

static int64_t
replay_sample_time(const struct nb_sysctl *h)
{
	const struct replay *rp = h->priv;
	struct nbh_sample_info si;

	return nbh_reader_info(rp->r, &si) == 0 ? si.t_ns : 0;
}

/* nb_sysctl_events: the file's event rows, as the handle's type. */
struct ev_adapt {
	nb_sysctl_event_fn cb;
	void		*arg;
};

static int
replay_event_cb(const struct nbh_event *ev, void *arg)
{
	const struct ev_adapt *a = arg;
	struct nb_sysctl_event e = { ev->t_ns, ev->object, ev->ifindex, ev->what, ev->detail };

	return a->cb(&e, a->arg);
}

static int
replay_events(struct nb_sysctl *h, int64_t from_ns, int64_t to_ns, nb_sysctl_event_fn cb,
    void *arg)
{
	struct replay *rp = h->priv;
	struct ev_adapt a = { cb, arg };
	int error;

	if ((error = nbh_reader_events(rp->r, from_ns, to_ns, replay_event_cb, &a)) != 0 &&
	    *nbh_reader_error(rp->r) != '\0')
		nb__sysctl_errdetail(h, "%s", nbh_reader_error(rp->r));
	return error;
}

static void
replay_close(struct nb_sysctl *h)
{
	struct replay *rp = h->priv;

	if (rp == NULL)
		return;
	nbh_reader_close(&rp->r);
	free(rp);
	h->priv = NULL;
}

static const struct nb_sysctl_backend_ops replay_ops = {
	.name = "replay",
	.walk = replay_walk,
	.write = NULL,
	.sample = replay_sample,
	.sample_time = replay_sample_time,
	.stack = NULL,
	.events = replay_events,
	.close = replay_close,
	.table = replay_table,
};

static void
fmt_age(int64_t ns, char *buf, size_t size)
{
	int64_t s = ns / 1000000000;

	if (s < 120)
		snprintf(buf, size, "%llds", (long long)s);
	else if (s < 7200)
		snprintf(buf, size, "%lldm", (long long)(s / 60));
	else if (s < 172800)
		snprintf(buf, size, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(buf, size, "%lldd%02lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
}

int
nb__sysctl_replay_open(struct nb_sysctl *h, const struct nb_sysctl_opts *opts)
{
	struct replay *rp;
	struct nbh_sample_info si;
	struct timespec now;
	int64_t first, last;
	char age[32], when[40];
	time_t secs;
	struct tm tm;
	int error;

	h->errdetail[0] = '\0';
	if (opts->replay_path == NULL || *opts->replay_path == '\0')
		return -EINVAL;
	if ((rp = calloc(1, sizeof(*rp))) == NULL)
		return -ENOMEM;
	/* The hook is process-global; a reader keeps the one it was opened with. */
	nbh_set_progress(opts->progress, opts->progress_arg);
	error = nbh_reader_open(opts->replay_path, &rp->r, h->errdetail, sizeof(h->errdetail));
	nbh_set_progress(NULL, NULL);
	if (error != 0)
		goto out;
	rp->to_ns = opts->replay_to_ns;
	if (rp->to_ns != 0) {
		/* Interval mode: from the first sample at or after replay_at_ns. */
		error = nbh_reader_seek(rp->r, opts->replay_at_ns, true);
		if (error == 0 && nbh_reader_info(rp->r, &si) == 0 && si.t_ns > rp->to_ns) {
			nb__sysctl_errdetail(h, "no sample between the two times");
			error = -ENOENT;
			goto out;
		}
	} else
		error = nbh_reader_seek(rp->r, opts->replay_at_ns, false);
	if (error != 0) {
		nb__sysctl_errdetail(h, "%s", nbh_reader_error(rp->r));
		goto out;
	}
	/* A time after the last sample: a notice (the tool prints it). */
	if (rp->to_ns == 0 && opts->replay_at_ns != INT64_MAX &&
	    nbh_reader_span(rp->r, &first, &last) == 0 && opts->replay_at_ns > last) {
		clock_gettime(CLOCK_REALTIME, &now);
		fmt_age((int64_t)now.tv_sec * 1000000000 + now.tv_nsec - last, age, sizeof(age));
		secs = (time_t)(last / 1000000000);
		if (gmtime_r(&secs, &tm) == NULL ||
		    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			when[0] = '\0';
		nb__sysctl_errdetail(h, "after the last sample: replaying the one at %s (%s old)",
		    when, age);
	}
	h->ops = &replay_ops;
	h->priv = rp;
	return 0;
out:
	nbh_reader_close(&rp->r);
	free(rp);
	return error;
}

/* ---- nb_sysctl_replay_list ---- */

struct replay_list {
	nb_sysctl_list_fn cb;
	void		*arg;
};

static int
replay_list_cb(const struct nbh_sample_info *hi, void *arg)
{
	struct replay_list *l = arg;
	struct nb_sysctl_sample_info si = {
		.t_ns = hi->t_ns,
		.source = hi->source,
		.nobjects = hi->nobjects,
		.nvalues = hi->nvalues,
		.bytes = hi->bytes,
	};

	return l->cb(&si, l->arg);
}

int
nb_sysctl_replay_list(const char *path, nb_sysctl_progress_fn progress, void *progress_arg,
    nb_sysctl_list_fn cb, void *arg, char *err, size_t errsize)
{
	struct replay_list l = { cb, arg };
	struct nbh_reader *r = NULL;
	char buf[256];
	int error;

	if (err != NULL && errsize > 0)
		err[0] = '\0';
	if (path == NULL || *path == '\0' || cb == NULL)
		return -EINVAL;
	nbh_set_progress(progress, progress_arg);
	error = nbh_reader_open(path, &r, buf, sizeof(buf));
	nbh_set_progress(NULL, NULL);
	if (error != 0) {
		if (err != NULL)
			snprintf(err, errsize, "%s", buf);
		return error;
	}
	if ((error = nbh_reader_list(r, replay_list_cb, &l)) != 0 && err != NULL)
		snprintf(err, errsize, "%s", nbh_reader_error(r));
	nbh_reader_close(&r);
	return error;
}
