/* SPDX-License-Identifier: BSD-2-Clause */
/* writer.c - appending samples: interning, shapes, delta/keyframe encoding, one transaction per sample. */
/*
 * Theory of operation
 *
 * One writer per file: an exclusive flock(2) on "FILE.lock" taken at open
 * and held until close (the kernel drops it if the process dies, so a
 * killed recorder never blocks the next one). Readers only test it (a
 * shared lock dropped at once, to choose an immutable open: schema.c), so
 * a refused lock is tried again a few times over 50 ms before giving up. A
 * clean close unlinks the lock file before it lets the lock go; a writer
 * that locked the file just unlinked sees that the path no longer names
 * its inode and locks the new one.
 *
 * A sample is built by nbh_writer_add() calls and written by
 * nbh_writer_commit(). The first add opens BEGIN IMMEDIATE, so new names,
 * strings and descriptions are inserted in the same transaction as the
 * sample row that uses them: a reader (WAL snapshot) sees the whole sample
 * or none of it, and a crash, a full disk or a read-only file leaves the
 * file as it was before the sample (the transaction rolls back).
 *
 * Values are encoded as they are added: the delta against the same name in
 * the previous sample (stamp[id] == seq - 1), or against 0 in a keyframe
 * and for a name the previous sample did not have. Any failure rolls back
 * and marks the in-memory state stale: the next sample reloads the intern
 * maps from the file and is a keyframe.
 *
 * A caller that adds the same names sample after sample (the recorder)
 * keeps the name ids nbh_writer_add_get_id() gave it and adds by id
 * (nbh_writer_add_id, or nbh_writer_add_ids for a run of numbers and
 * nodes): no name text, no lookup; the type is the id's (ntype). An id is
 * valid until a rollback (the names the sample inserted are gone, and the
 * reload may give their ids to other names): each rollback starts a new
 * epoch, and an add by an id of an older epoch is refused (-ESTALE). A
 * string value equal to the name's value in the previous sample reuses its
 * string id (compared by text, not hashed).
 *
 * Events (schema 6) are rows of their own table: written inside the
 * sample being built when there is one (the recorder adds them just before
 * its commit), else in a transaction of their own (a recorder stopping
 * after its last sample); retention deletes them by time with the samples.
 *
 * Every row is inserted with its checksum (rowsum.c, schema 4), computed
 * from the values bound: the sample's over its blob once, at commit. The
 * rows the writer loads back (names, strings, descriptions) are verified
 * and a mismatch stops it (NBH_ECORRUPT): it never appends to damage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dlsqlite.h"
#include "hist.h"

#define NBH_XSTR(x)	#x
#define NBH_STR(x)	NBH_XSTR(x)

struct nbh_writer {
	sqlite3		*db;
	int		 lockfd;
	char *lockpath; /* unlinked at close, under the lock */
	unsigned	 key_every;
	int64_t		 retain_ns;
	sqlite3_stmt	*prune, *prune_shape;
	struct nbh_map	 names, strs, descrs;
	uint32_t	 last_name, last_str, last_descr;
	sqlite3_stmt	*ins_str, *ins_descr, *ins_shape, *ins_sample;
	sqlite3_stmt	*ins_event, *prune_event;	/* prepared when first used */
	struct nbh_namer nm;		/* names as parts and runs (schema 5) */
	bool		 in_txn;
	bool		 stale;		/* reload the maps, next sample is a keyframe */
	bool		 key;		/* the sample being built is a keyframe */
	/* The sample being built, in add order. */
	uint32_t	*ids;
	int64_t		*deltas;
	uint8_t		*isnode;
	size_t		 n, cap;
	uint32_t	 nobjects;
	/* By name id: the last value written and the sample (seq) it was in. */
	int64_t		*prev;
	uint64_t	*stamp;
	uint8_t		*ntype;		/* the name's type */
	size_t		*nkoff;		/* the name's key in names.keys */
	uint32_t	*nklen;
	size_t		 scap;
	/* By description id and by string id: its text in descrs.keys, strs.keys. */
	struct idtext {
		size_t		*off;
		uint32_t	*len;
		size_t		 cap;
	}		 dtext, stext;
	uint64_t	 epoch;		/* ids given out are valid in this epoch */
	uint64_t	 seq;
	/* The last shape written; ppos[id] = 1 + its index there (a hint). */
	uint32_t	*pshape, *ppos;
	size_t		 pn, pcap, ppcap;
	int64_t		 shape_id;
	bool		 shape_full;	/* shape_id is stored whole (base NULL) */
	unsigned	 shape_depth;	/* edits between shape_id and a whole shape */
	int64_t		 next_id, last_t, key_id;
	int64_t		 last_shape;	/* the highest shape id */
	unsigned	 since_key;
	struct nbh_buf	 buf;
	char		 err[256];
};

static int
werr(struct nbh_writer *w, int rc, const char *what)
{
	int error = nbh__sqlerr(w->db, rc);

	if (error == 0)
		error = -EIO;
	snprintf(w->err, sizeof(w->err), "%s: %s", what, sqlite3_errmsg(w->db));
	nbh__oneline(w->err);
	return error;
}

/* Damage found in a row the writer reads back (its intern tables). */
static int
wdamaged(struct nbh_writer *w, const char *table, int64_t row, const char *what)
{
	snprintf(w->err, sizeof(w->err), "damaged database (%s row %lld: %s)", table,
	    (long long)row, what);
	return NBH_ECORRUPT;
}

const char *
nbh_writer_error(const struct nbh_writer *w)
{
	return w->err;
}

/* ---- lock ---- */

static int
take_lock(const char *path, int *fdp, char **lockpathp, char *err, size_t errlen)
{
	char lpath[4096], buf[32];
	struct stat fst, pst;
	ssize_t len;
	int fd, e, tries;

	if ((size_t)snprintf(lpath, sizeof(lpath), "%s.lock", path) >= sizeof(lpath)) {
		snprintf(err, errlen, "%s", strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	if ((fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		e = errno;
		snprintf(err, errlen, "lock file %s: %s", lpath, strerror(e));
		return -e;
	}
again:
	/* A reader tests the lock with a shared one it drops at once: try a few times. */
	for (tries = 0; flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK && tries < 5;
	     tries++)
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		e = errno;
		if (e == EWOULDBLOCK) {
			len = pread(fd, buf, sizeof(buf) - 1, 0);
			buf[len > 0 ? len : 0] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			snprintf(err, errlen, "another recorder (pid %s) is writing this file",
			    buf[0] != '\0' ? buf : "?");
			close(fd);
			return NBH_ELOCKED;
		}
		snprintf(err, errlen, "lock file %s: %s", lpath, strerror(e));
		close(fd);
		return -e;
	}
	/*
	 * A clean close unlinks the lock file while it holds the lock; one
	 * opened before that unlink locks an inode nobody else will see:
	 * take the lock again on the file the path names now.
	 */
	if (fstat(fd, &fst) != 0 || stat(lpath, &pst) != 0 || fst.st_ino != pst.st_ino ||
	    fst.st_dev != pst.st_dev) {
		close(fd);
		if ((fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
			e = errno;
			snprintf(err, errlen, "lock file %s: %s", lpath, strerror(e));
			return -e;
		}
		goto again;
	}
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)len, 0) != len) {
		/* The pid is only for the message; the lock is what counts. */
	}
	if ((*lockpathp = strdup(lpath)) == NULL) {
		close(fd);
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	*fdp = fd;
	return 0;
}

/* ---- intern maps ---- */

static int
grow_state(struct nbh_writer *w, uint32_t id)
{
	size_t cap;
	int64_t *p;
	uint64_t *s;
	size_t *o;
	uint32_t *l;
	uint8_t *t;

	if (id < w->scap)
		return 0;
	cap = w->scap != 0 ? w->scap : 1024;
	while (cap <= id)
		cap *= 2;
	if ((p = realloc(w->prev, cap * sizeof(*p))) == NULL)
		return -ENOMEM;
	w->prev = p;
	if ((s = realloc(w->stamp, cap * sizeof(*s))) == NULL)
		return -ENOMEM;
	w->stamp = s;
	if ((o = realloc(w->nkoff, cap * sizeof(*o))) == NULL)
		return -ENOMEM;
	w->nkoff = o;
	if ((l = realloc(w->nklen, cap * sizeof(*l))) == NULL)
		return -ENOMEM;
	w->nklen = l;
	if ((t = realloc(w->ntype, cap)) == NULL)
		return -ENOMEM;
	w->ntype = t;
	memset(w->ntype + w->scap, 0, cap - w->scap);
	memset(w->nkoff + w->scap, 0, (cap - w->scap) * sizeof(*o));
	memset(w->nklen + w->scap, 0, (cap - w->scap) * sizeof(*l));
	memset(w->prev + w->scap, 0, (cap - w->scap) * sizeof(*p));
	memset(w->stamp + w->scap, 0, (cap - w->scap) * sizeof(*s));
	w->scap = cap;
	return 0;
}

/* Note where the text of interned value `id` is in its map's keys (off: before its put). */
static int
note_text(struct idtext *t, uint32_t id, size_t off, size_t len)
{
	size_t cap, *o;
	uint32_t *l;

	if (id >= t->cap) {
		cap = t->cap != 0 ? t->cap : 64;
		while (cap <= id)
			cap *= 2;
		if ((o = realloc(t->off, cap * sizeof(*o))) == NULL)
			return -ENOMEM;
		t->off = o;
		if ((l = realloc(t->len, cap * sizeof(*l))) == NULL)
			return -ENOMEM;
		t->len = l;
		memset(t->len + t->cap, 0, (cap - t->cap) * sizeof(*l));
		t->cap = cap;
	}
	t->off[id] = off;
	t->len[id] = (uint32_t)len;
	return 0;
}

static void
idtext_free(struct idtext *t)
{
	free(t->off);
	free(t->len);
	memset(t, 0, sizeof(*t));
}

/* Key of a name: text, NUL, type, flags, descr id. */
static size_t
name_key(char *key, const char *name, size_t len, unsigned type, unsigned flags, uint32_t descr)
{
	uint8_t t = (uint8_t)type;

	memcpy(key, name, len);
	key[len] = '\0';
	memcpy(key + len + 1, &t, 1);
	memcpy(key + len + 2, &flags, sizeof(flags));
	memcpy(key + len + 2 + sizeof(flags), &descr, sizeof(descr));
	return len + 2 + sizeof(flags) + sizeof(descr);
}

#define KEYMAX	(4096 + 16)

/* The row under st (id, text, checksum) of descr ('d') or str ('s') is as written. */
static bool
text_sum_ok(sqlite3_stmt *st, char table)
{
	const void *p = sqlite3_column_text(st, 1);

	return sqlite3_column_type(st, 2) == SQLITE_INTEGER && sqlite3_column_int64(st, 2) ==
	    nbh__sum_text(table, sqlite3_column_int64(st, 0), p, (size_t)sqlite3_column_bytes(st, 1));
}

struct load_arg {
	struct nbh_writer	*w;
	const struct nbh_parts	*pt;
};

/* A name loaded (nbh__names_load): its text is its parent's, a dot and its part's. */
static int
load_name(void *arg, uint32_t id, uint32_t parent, uint32_t part)
{
	struct load_arg *la = arg;
	struct nbh_writer *w = la->w;
	const struct nbh_parts *pt = la->pt;
	char text[KEYMAX], key[KEYMAX];
	size_t len = 0, plen, klen;
	int error;

	if (parent != 0) {
		plen = w->nklen[parent] - 2 - sizeof(unsigned) - sizeof(uint32_t);
		if (plen + 1 + pt->len[part] + 16 > sizeof(text))
			return wdamaged(w, "name", id, "name too long");
		memcpy(text, w->names.keys + w->nkoff[parent], plen);
		text[plen] = '.';
		len = plen + 1;
	} else if (pt->len[part] + 16 > sizeof(text))
		return wdamaged(w, "name", id, "name too long");
	memcpy(text + len, pt->text.p + pt->off[part], pt->len[part]);
	len += pt->len[part];
	klen = name_key(key, text, len, pt->type[part], pt->flags[part], pt->descr[part]);
	if ((error = grow_state(w, id)) != 0)
		return error;
	w->nkoff[id] = w->names.klen;
	w->nklen[id] = (uint32_t)klen;
	w->ntype[id] = (uint8_t)pt->type[part];
	if ((error = nbh__map_put(&w->names, key, klen, id)) != 0 ||
	    (error = nbh__namer_note_name(&w->nm, id, text, len)) != 0)
		return error;
	if (id > w->last_name)
		w->last_name = id;
	return 0;
}

static int
load_maps(struct nbh_writer *w)
{
	sqlite3_stmt *st = NULL;
	const char *txt;
	size_t len;
	uint32_t id;
	int rc, error = 0;

	nbh__map_free(&w->names);
	nbh__namer_clear(&w->nm);
	nbh__map_free(&w->strs);
	nbh__map_free(&w->descrs);
	w->last_name = w->last_str = w->last_descr = 0;
	if ((rc = sqlite3_prepare_v2(w->db, "SELECT id, text, checksum FROM descr", -1, &st, NULL)) != SQLITE_OK)
		return werr(w, rc, "load descriptions");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && error == 0) {
		id = (uint32_t)sqlite3_column_int64(st, 0);
		if ((txt = (const char *)sqlite3_column_text(st, 1)) == NULL) {
			error = wdamaged(w, "descr", id, "no text");
			break;
		}
		if (!text_sum_ok(st, 'd')) {
			error = wdamaged(w, "descr", id, "checksum mismatch");
			break;
		}
		len = w->descrs.klen;
		if ((error = nbh__map_put(&w->descrs, txt, (size_t)sqlite3_column_bytes(st, 1),
		    id)) == 0)
			error = note_text(&w->dtext, id, len, (size_t)sqlite3_column_bytes(st, 1));
		if (id > w->last_descr)
			w->last_descr = id;
	}
	sqlite3_finalize(st);
	if (error != 0 || rc != SQLITE_DONE)
		return error != 0 ? error : werr(w, rc, "load descriptions");
	if ((rc = sqlite3_prepare_v2(w->db, "SELECT id, text, checksum FROM str", -1, &st, NULL)) != SQLITE_OK)
		return werr(w, rc, "load strings");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && error == 0) {
		id = (uint32_t)sqlite3_column_int64(st, 0);
		if ((txt = (const char *)sqlite3_column_text(st, 1)) == NULL) {
			error = wdamaged(w, "str", id, "no text");
			break;
		}
		if (!text_sum_ok(st, 's')) {
			error = wdamaged(w, "str", id, "checksum mismatch");
			break;
		}
		len = w->strs.klen;
		if ((error = nbh__map_put(&w->strs, txt, (size_t)sqlite3_column_bytes(st, 1),
		    id)) == 0)
			error = note_text(&w->stext, id, len, (size_t)sqlite3_column_bytes(st, 1));
		if (id > w->last_str)
			w->last_str = id;
	}
	sqlite3_finalize(st);
	if (error != 0 || rc != SQLITE_DONE)
		return error != 0 ? error : werr(w, rc, "load strings");
	{
		struct nbh_parts pt = { 0 };
		struct load_arg la = { w, &pt };
		struct nbh_dmg d = { 0 };
		uint32_t i;

		error = nbh__names_load(w->db, true, &pt, 0, load_name, &la, &d);
		for (i = 1; error == 0 && i <= pt.max; i++)
			error = nbh__namer_note_part(&w->nm, i, (const char *)pt.text.p + pt.off[i],
			    pt.len[i], pt.type[i], pt.flags[i], pt.descr[i]);
		nbh__parts_free(&pt);
		if (error == NBH_ECORRUPT && d.what != NULL)
			return wdamaged(w, d.table, d.row, d.what);
		if (error > 0)
			return werr(w, error, "load names");
		if (error != 0)
			return error;
	}
	if ((rc = sqlite3_prepare_v2(w->db, "SELECT coalesce(max(id), 0), coalesce(max(t_ns), "
	    "-9223372036854775807), (SELECT coalesce(max(id), 0) FROM shape) FROM sample", -1, &st,
	    NULL)) != SQLITE_OK)
		return werr(w, rc, "load samples");
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		w->next_id = sqlite3_column_int64(st, 0) + 1;
		w->last_t = sqlite3_column_int64(st, 1);
		w->last_shape = sqlite3_column_int64(st, 2);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return werr(w, rc, "load samples");
	return grow_state(w, w->last_name);
}

/* Id of a string-like interned value, inserting it (inside the transaction). */
static int
intern(struct nbh_writer *w, struct nbh_map *m, uint32_t *last, sqlite3_stmt *ins,
    const char *s, size_t len, uint32_t *id)
{
	size_t off;
	int rc, error;

	if ((*id = nbh__map_get(m, s, len)) != 0)
		return 0;
	if (*last == UINT32_MAX)
		return -EOVERFLOW;
	sqlite3_reset(ins);
	sqlite3_bind_int64(ins, 1, (int64_t)*last + 1);
	sqlite3_bind_text(ins, 2, s, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 3, nbh__sum_text(m == &w->descrs ? 'd' : 's', (int64_t)*last + 1,
	    s, len));
	rc = sqlite3_step(ins);
	sqlite3_reset(ins);
	sqlite3_clear_bindings(ins);
	if (rc != SQLITE_DONE)
		return werr(w, rc, "insert");
	off = m->klen;
	if ((error = nbh__map_put(m, s, len, *last + 1)) != 0)
		return error;
	if ((error = note_text(m == &w->descrs ? &w->dtext : &w->stext, *last + 1, off,
	    len)) != 0)
		return error;
	*id = ++*last;
	return 0;
}

static int
name_id(struct nbh_writer *w, const char *name, size_t len, unsigned type, unsigned flags,
    const char *descr, uint32_t *id)
{
	char key[KEYMAX];
	uint32_t did;
	size_t klen;
	int error;

	if (len == 0 || len + 16 > sizeof(key) || memchr(name, '\0', len) != NULL)
		return -EINVAL;
	if ((error = intern(w, &w->descrs, &w->last_descr, w->ins_descr, descr, strlen(descr),
	    &did)) != 0)
		return error;
	klen = name_key(key, name, len, type, flags, did);
	if ((*id = nbh__map_get(&w->names, key, klen)) != 0)
		return 0;
	if (w->last_name == UINT32_MAX - 1)
		return -EOVERFLOW;
	if ((error = nbh__namer_add(&w->nm, w->last_name + 1, name, len, type, flags, did)) != 0)
		return error > 0 ? werr(w, error, "insert name") : error;
	if ((error = grow_state(w, w->last_name + 1)) != 0)
		return error;
	w->nkoff[w->last_name + 1] = w->names.klen;
	w->nklen[w->last_name + 1] = (uint32_t)klen;
	w->ntype[w->last_name + 1] = (uint8_t)type;
	if ((error = nbh__map_put(&w->names, key, klen, w->last_name + 1)) != 0)
		return error;
	*id = ++w->last_name;
	return 0;
}

/*
 * The fast path of a sample with the shape of the previous one: the entry
 * added at position n is most likely the name at position n of the last
 * shape. Compare it with that name's key (text, type, flags) and
 * description text instead of hashing: sequential, no table probe.
 */
static bool
same_as_before(const struct nbh_writer *w, uint32_t id, const char *name, size_t len,
    unsigned type, unsigned flags, const char *descr)
{
	const char *key = w->names.keys + w->nkoff[id], *dt;
	uint32_t did;
	size_t dl;

	if (w->nklen[id] != len + 2 + sizeof(flags) + sizeof(did) ||
	    key[len] != '\0' || (uint8_t)key[len + 1] != (uint8_t)type ||
	    memcmp(key + len + 2, &flags, sizeof(flags)) != 0 || memcmp(key, name, len) != 0)
		return false;
	memcpy(&did, key + len + 2 + sizeof(flags), sizeof(did));
	if (did >= w->dtext.cap)
		return false;
	dl = w->dtext.len[did];
	if (dl == 0)
		return descr[0] == '\0';	/* descrs.keys may still be NULL */
	dt = w->descrs.keys + w->dtext.off[did];
	return strncmp(descr, dt, dl) == 0 && descr[dl] == '\0';
}

/* ---- open / close ---- */

int
nbh_writer_open(const char *path, const struct nbh_writer_opts *opts,
    struct nbh_writer **out, char *err, size_t errlen)
{
	static const char *const sql[] = {
		"INSERT INTO str(id, text, checksum) VALUES (?, ?, ?)",
		"INSERT INTO descr(id, text, checksum) VALUES (?, ?, ?)",
		"INSERT INTO shape(id, nnames, names, base, checksum) VALUES (?, ?, ?, ?, ?)",
		"INSERT INTO sample(id, t_ns, source, boottime_ns, nobjects, nvalues, shape, "
		"keyframe, data, checksum) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	};
	char dummy[8];
	struct nbh_writer *w;
	sqlite3_stmt **stp[4];
	unsigned i;
	int rc, error;

	if (err == NULL) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	/* Before the lock file: nothing is touched without SQLite. */
	if ((error = nbh__sqlite_load(err, errlen)) != 0)
		return error;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	w->lockfd = -1;
	w->key_every = opts != NULL && opts->keyframe_every != 0 ? opts->keyframe_every : 60;
	if ((error = take_lock(path, &w->lockfd, &w->lockpath, err, errlen)) != 0)
		goto out;
	if ((error = nbh__db_open(path, true, &w->db, NULL, err, errlen)) != 0)
		goto out;
	stp[0] = &w->ins_str;
	stp[1] = &w->ins_descr;
	stp[2] = &w->ins_shape;
	stp[3] = &w->ins_sample;
	for (i = 0; i < 4; i++) {
		if ((rc = sqlite3_prepare_v3(w->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		    stp[i], NULL)) != SQLITE_OK) {
			error = werr(w, rc, "prepare");
			snprintf(err, errlen, "%s", w->err);
			goto out;
		}
	}
	if ((rc = nbh__namer_prepare(&w->nm, w->db)) != SQLITE_OK) {
		error = werr(w, rc, "prepare");
		snprintf(err, errlen, "%s", w->err);
		goto out;
	}
	w->stale = true;
	if (opts != NULL && opts->retain_ns != 0 &&
	    (error = nbh_writer_set_retain(w, opts->retain_ns)) != 0) {
		snprintf(err, errlen, "%s", w->err);
		goto out;
	}
	*out = w;
	return 0;
out:
	nbh_writer_close(&w);
	return error;
}

void
nbh_writer_close(struct nbh_writer **wp)
{
	struct nbh_writer *w = *wp;

	if (w == NULL)
		return;
	nbh_writer_abort(w);
	nbh__namer_free(&w->nm);
	sqlite3_finalize(w->ins_str);
	sqlite3_finalize(w->ins_descr);
	sqlite3_finalize(w->ins_shape);
	sqlite3_finalize(w->ins_sample);
	sqlite3_finalize(w->prune);
	sqlite3_finalize(w->prune_shape);
	sqlite3_finalize(w->ins_event);
	sqlite3_finalize(w->prune_event);
	sqlite3_close(w->db);		/* checkpoints the WAL when it is the last connection */
	if (w->lockfd >= 0) {
		/* No stale lock file after a clean stop (take_lock copes with the race). */
		if (w->lockpath != NULL)
			(void)unlink(w->lockpath);
		close(w->lockfd);	/* after the database: never close an fd SQLite locks */
	}
	free(w->lockpath);
	nbh__map_free(&w->names);
	nbh__map_free(&w->strs);
	nbh__map_free(&w->descrs);
	free(w->ids);
	free(w->deltas);
	free(w->isnode);
	free(w->prev);
	free(w->stamp);
	free(w->nkoff);
	free(w->nklen);
	free(w->ntype);
	idtext_free(&w->dtext);
	idtext_free(&w->stext);
	free(w->pshape);
	free(w->ppos);
	nbh__buf_free(&w->buf);
	free(w);
	*wp = NULL;
}

/* ---- building a sample ---- */

static int
begin(struct nbh_writer *w)
{
	int rc, error;

	if (w->stale) {
		if ((error = load_maps(w)) != 0)
			return error;
		w->seq += 2;		/* no name counts as present in the previous sample */
		w->since_key = w->key_every;
		w->pn = 0;
		w->shape_id = 0;
		w->stale = false;
	}
	w->err[0] = '\0';
	if ((rc = sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
		return werr(w, rc, "begin");
	w->in_txn = true;
	w->nm.r_n = 0;
	w->key = w->since_key >= w->key_every;
	w->n = 0;
	w->nobjects = 0;
	return 0;
}

void
nbh_writer_abort(struct nbh_writer *w)
{
	if (w->in_txn) {
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
		w->in_txn = false;
		w->stale = true;
		w->epoch++;		/* the ids given out may be gone or reused */
	}
	w->n = 0;
}

/* Room for `more` entries in the sample being built. */
static int
reserve(struct nbh_writer *w, size_t more)
{
	size_t cap;
	uint32_t *ids;
	int64_t *d;
	uint8_t *nd;

	if (w->n + more <= w->cap)
		return 0;
	cap = w->cap != 0 ? w->cap * 2 : 1024;
	while (cap < w->n + more)
		cap *= 2;
	if ((ids = realloc(w->ids, cap * sizeof(*ids))) == NULL)
		return -ENOMEM;
	w->ids = ids;
	if ((d = realloc(w->deltas, cap * sizeof(*d))) == NULL)
		return -ENOMEM;
	w->deltas = d;
	if ((nd = realloc(w->isnode, cap)) == NULL)
		return -ENOMEM;
	w->isnode = nd;
	w->cap = cap;
	return 0;
}

static int
push(struct nbh_writer *w, uint32_t id, int64_t delta, bool node)
{
	int error;

	if (w->n == w->cap && (error = reserve(w, 1)) != 0)
		return error;
	w->ids[w->n] = id;
	w->deltas[w->n] = delta;
	w->isnode[w->n] = node;
	w->n++;
	return 0;
}

/* A string value's id: the one the name had in the previous sample if the text is the same. */
static int
str_id(struct nbh_writer *w, uint32_t id, const char *str, size_t slen, uint32_t *sid)
{
	uint32_t p;

	/* Equal to an interned text: it has no NUL either. */
	if (w->stamp[id] == w->seq - 1 && (p = (uint32_t)w->prev[id]) != 0 && p <= w->last_str &&
	    p < w->stext.cap && w->stext.len[p] == slen &&
	    (slen == 0 || memcmp(w->strs.keys + w->stext.off[p], str, slen) == 0)) {
		*sid = p;
		return 0;
	}
	if (memchr(str, '\0', slen) != NULL)
		return -EINVAL;
	return intern(w, &w->strs, &w->last_str, w->ins_str, str, slen, sid);
}

/* The value of name `id` (of type `type`) in the sample being built. */
static int
add_value(struct nbh_writer *w, uint32_t id, unsigned type, int64_t v, const char *str,
    size_t slen)
{
	uint32_t sid;
	int64_t base;
	int error;

	if (w->stamp[id] == w->seq)
		return 0;		/* already in this sample */
	if (type == NBH_TYPE_NODE) {
		w->stamp[id] = w->seq;
		w->nobjects++;
		return push(w, id, 0, true);
	}
	if (type == NBH_TYPE_STRING || type == NBH_TYPE_ADDRESS) {
		if ((error = str_id(w, id, str != NULL ? str : "", str != NULL ? slen : 0,
		    &sid)) != 0)
			return error;
		v = sid;
	}
	base = !w->key && w->stamp[id] == w->seq - 1 ? w->prev[id] : 0;
	w->prev[id] = v;
	w->stamp[id] = w->seq;
	/* Wrapping difference: exact for every 64-bit value, counter resets included. */
	return push(w, id, (int64_t)((uint64_t)v - (uint64_t)base), false);
}

int
nbh_writer_add(struct nbh_writer *w, const char *name, size_t namelen,
    unsigned type, unsigned flags, const char *descr, int64_t v,
    const char *str, size_t slen)
{
	return nbh_writer_add_get_id(w, name, namelen, type, flags, descr, v, str, slen, NULL);
}

int
nbh_writer_add_get_id(struct nbh_writer *w, const char *name, size_t namelen,
    unsigned type, unsigned flags, const char *descr, int64_t v,
    const char *str, size_t slen, uint32_t *idp)
{
	uint32_t id;
	int error;

	if (!w->in_txn && (error = begin(w)) != 0)
		goto out;
	if (descr == NULL)
		descr = "";
	if (w->n < w->pn && same_as_before(w, w->pshape[w->n], name, namelen, type, flags, descr))
		id = w->pshape[w->n];
	else if ((error = name_id(w, name, namelen, type, flags, descr, &id)) != 0)
		goto out;
	if (idp != NULL)
		*idp = id;
	if ((error = add_value(w, id, type, v, str, slen)) != 0)
		goto out;
	return 0;
out:
	if (error < 0 && w->err[0] == '\0')
		snprintf(w->err, sizeof(w->err), "add %.*s: %s", (int)(namelen > 200 ? 200 : namelen),
		    name, strerror(-error));
	nbh_writer_abort(w);
	return error;
}

uint64_t
nbh_writer_epoch(const struct nbh_writer *w)
{
	return w->epoch;
}

int
nbh_writer_add_id(struct nbh_writer *w, uint64_t epoch, uint32_t id, int64_t v,
    const char *str, size_t slen)
{
	int error;

	if (epoch != w->epoch)
		return -ESTALE;		/* nothing added: the caller adds by name */
	if (!w->in_txn && (error = begin(w)) != 0)
		goto out;
	if (id == 0 || id > w->last_name) {
		error = -EINVAL;
		goto out;
	}
	if ((error = add_value(w, id, w->ntype[id], v, str, slen)) != 0)
		goto out;
	return 0;
out:
	if (error < 0 && w->err[0] == '\0')
		snprintf(w->err, sizeof(w->err), "add name %" PRIu32 ": %s", id, strerror(-error));
	nbh_writer_abort(w);
	return error;
}

/* The sample's names become the last shape: pshape and the index hints ppos. */
static int
keep_shape(struct nbh_writer *w)
{
	uint32_t *p, max = 0;
	size_t i, cap;
	int error;

	for (i = 0; i < w->n; i++)
		if (w->ids[i] > max)
			max = w->ids[i];
	if (max >= w->ppcap) {
		cap = w->ppcap != 0 ? w->ppcap : 1024;
		while (cap <= max)
			cap *= 2;
		if ((p = realloc(w->ppos, cap * sizeof(*p))) == NULL)
			return -ENOMEM;
		memset(p + w->ppcap, 0, (cap - w->ppcap) * sizeof(*p));
		w->ppos = p;
		w->ppcap = cap;
	}
	if ((error = nbh__ids_reserve(&w->pshape, &w->pcap, w->n)) != 0)
		return error;
	for (i = 0; i < w->pn; i++)
		if (w->pshape[i] < w->ppcap)
			w->ppos[w->pshape[i]] = 0;
	memcpy(w->pshape, w->ids, w->n * sizeof(*w->ids));
	w->pn = w->n;
	for (i = 0; i < w->n; i++)
		w->ppos[w->ids[i]] = (uint32_t)(i + 1);
	return 0;
}

/*
 * The sample's shape: the last one when the names are the same (and, in a
 * keyframe, it is stored whole), else a new row. A new shape is stored as
 * edits of the last one (shape.base) when that is under half its size; a
 * keyframe's shape is always whole, so that a sample's shape decodes from
 * shapes at or after its keyframe's (retention keeps those).
 */
static int
write_shape(struct nbh_writer *w)
{
	bool same, delta = false;
	int rc, error;

	same = w->shape_id != 0 && w->pn == w->n &&
	    memcmp(w->pshape, w->ids, w->n * sizeof(*w->ids)) == 0;
	if (same && (w->shape_full || !w->key))
		return 0;
	w->buf.len = 0;
	if (w->shape_id != 0 && !w->key && w->shape_depth < NBH_SHAPE_DEPTH_MAX) {
		if ((error = nbh__shape_diff_encode(&w->buf, w->pshape, w->pn, w->ppos, w->ppcap,
		    w->ids, w->n)) != 0)
			return error;
		delta = w->buf.len * 2 < w->n;
	}
	if (!delta) {
		w->buf.len = 0;
		if ((error = nbh__ids_encode(&w->buf, w->ids, w->n)) != 0)
			return error;
	}
	sqlite3_reset(w->ins_shape);
	sqlite3_bind_int64(w->ins_shape, 1, w->last_shape + 1);
	sqlite3_bind_int64(w->ins_shape, 2, (int64_t)w->n);
	sqlite3_bind_blob(w->ins_shape, 3, w->buf.p, (int)w->buf.len, SQLITE_STATIC);
	if (delta)
		sqlite3_bind_int64(w->ins_shape, 4, w->shape_id);
	else
		sqlite3_bind_null(w->ins_shape, 4);
	sqlite3_bind_int64(w->ins_shape, 5, nbh__sum_shape(w->last_shape + 1, (int64_t)w->n,
	    w->buf.p, w->buf.len, delta ? w->shape_id : 0));
	rc = sqlite3_step(w->ins_shape);
	sqlite3_reset(w->ins_shape);
	sqlite3_clear_bindings(w->ins_shape);
	if (rc != SQLITE_DONE)
		return werr(w, rc, "insert shape");
	if (!same && (error = keep_shape(w)) != 0)
		return error;
	w->shape_id = ++w->last_shape;
	w->shape_full = !delta;
	w->shape_depth = delta ? w->shape_depth + 1 : 0;
	return 0;
}

int
nbh_writer_add_ids(struct nbh_writer *w, uint64_t epoch, const uint32_t *ids, const int64_t *v,
    size_t n)
{
	/* add_value() unrolled for the recorder's steady state; locals: the stores alias nothing. */
	const uint8_t *ntype;
	uint64_t *stamp, seq;
	int64_t *prev, *deltas, base;
	uint32_t *wids, id, last;
	uint8_t *isnode, t;
	size_t i, at;
	uint32_t nobj = 0;
	bool key;
	int error;

	if (epoch != w->epoch)
		return -ESTALE;
	if (!w->in_txn && (error = begin(w)) != 0)
		goto out;
	if ((error = reserve(w, n)) != 0)
		goto out;
	ntype = w->ntype;
	stamp = w->stamp;
	prev = w->prev;
	wids = w->ids;
	deltas = w->deltas;
	isnode = w->isnode;
	seq = w->seq;
	last = w->last_name;
	key = w->key;
	for (i = 0, at = w->n; i < n; i++) {
		id = ids[i];
		if (id == 0 || id > last || (t = ntype[id]) == NBH_TYPE_STRING ||
		    t == NBH_TYPE_ADDRESS) {
			error = -EINVAL;
			snprintf(w->err, sizeof(w->err), "add name %" PRIu32 ": %s", id,
			    strerror(-error));
			goto out;
		}
		if (stamp[id] == seq)
			continue;	/* already in this sample */
		wids[at] = id;
		if (t == NBH_TYPE_NODE) {
			deltas[at] = 0;
			isnode[at++] = true;
			nobj++;
		} else {
			base = !key && stamp[id] == seq - 1 ? prev[id] : 0;
			prev[id] = v[i];
			deltas[at] = (int64_t)((uint64_t)v[i] - (uint64_t)base);
			isnode[at++] = false;
		}
		stamp[id] = seq;
	}
	w->n = at;
	w->nobjects += nobj;
	return 0;
out:
	nbh_writer_abort(w);
	return error;
}

/* Free pages given back to the file system per sample, at most. */
#define VACUUM_PAGES	128

/*
 * Retention, inside the sample's transaction: delete the samples before
 * the keyframe of the first sample at or after t - retain (no kept sample
 * decodes from them), then the shapes only they used (shapes are written
 * in sample order, so that is every shape before the first kept sample's),
 * then give back a bounded number of free pages.
 */
static int
prune(struct nbh_writer *w, int64_t t)
{
	int rc;

	sqlite3_reset(w->prune);
	sqlite3_bind_int64(w->prune, 1, t - w->retain_ns);
	rc = sqlite3_step(w->prune);
	sqlite3_reset(w->prune);
	if (rc != SQLITE_DONE)
		return werr(w, rc, "prune samples");
	if (sqlite3_changes(w->db) > 0) {
		rc = sqlite3_step(w->prune_shape);
		sqlite3_reset(w->prune_shape);
		if (rc != SQLITE_DONE)
			return werr(w, rc, "prune shapes");
	}
	if (w->prune_event == NULL &&
	    (rc = sqlite3_prepare_v3(w->db, "DELETE FROM event WHERE t_ns < ?", -1,
	    SQLITE_PREPARE_PERSISTENT, &w->prune_event, NULL)) != SQLITE_OK)
		return werr(w, rc, "prepare prune events");
	sqlite3_bind_int64(w->prune_event, 1, t - w->retain_ns);
	rc = sqlite3_step(w->prune_event);
	sqlite3_reset(w->prune_event);
	if (rc != SQLITE_DONE)
		return werr(w, rc, "prune events");
	if ((rc = sqlite3_exec(w->db, "PRAGMA incremental_vacuum(" NBH_STR(VACUUM_PAGES) ")",
	    NULL, NULL, NULL)) != SQLITE_OK)
		return werr(w, rc, "incremental vacuum");
	return 0;
}

int
nbh_writer_set_retain(struct nbh_writer *w, int64_t retain_ns)
{
	sqlite3_stmt *st = NULL;
	int64_t av = 0;
	int rc;

	w->err[0] = '\0';
	if (retain_ns < 0 || w->in_txn)
		return -EINVAL;
	if (retain_ns == 0) {
		w->retain_ns = 0;
		return 0;
	}
	if (w->prune == NULL &&
	    ((rc = sqlite3_prepare_v3(w->db, "DELETE FROM sample WHERE id < (SELECT keyframe "
	    "FROM sample WHERE t_ns >= ? ORDER BY t_ns LIMIT 1)", -1, SQLITE_PREPARE_PERSISTENT,
	    &w->prune, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v3(w->db, "DELETE FROM shape WHERE id < (SELECT shape FROM "
	    "sample ORDER BY id LIMIT 1)", -1, SQLITE_PREPARE_PERSISTENT, &w->prune_shape,
	    NULL)) != SQLITE_OK))
		return werr(w, rc, "prepare prune");
	/* Files made before incremental auto-vacuum: convert once (rewrites the file). */
	if ((rc = sqlite3_prepare_v2(w->db, "PRAGMA auto_vacuum", -1, &st, NULL)) != SQLITE_OK)
		return werr(w, rc, "auto_vacuum");
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		av = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (av != 2 && ((rc = sqlite3_exec(w->db, "PRAGMA auto_vacuum = INCREMENTAL", NULL, NULL,
	    NULL)) != SQLITE_OK || (rc = sqlite3_exec(w->db, "VACUUM", NULL, NULL, NULL)) != SQLITE_OK))
		return werr(w, rc, "convert to incremental auto-vacuum");
	w->retain_ns = retain_ns;
	return 0;
}

int
nbh_writer_commit(struct nbh_writer *w, const struct nbh_sample_info *si)
{
	struct nbh_sample_row row;
	struct nbh_venc e;
	int64_t t;
	size_t i;
	int rc, error;

	w->err[0] = '\0';
	if (!w->in_txn)
		return 0;
	if ((rc = nbh__namer_flush(&w->nm)) != 0) {
		error = werr(w, rc, "insert name");
		goto out;
	}
	if ((error = write_shape(w)) != 0)
		goto out;
	w->buf.len = 0;
	if ((error = nbh__buf_reserve(&w->buf, 1)) != 0)
		goto out;
	w->buf.p[w->buf.len++] = NBH_DATA_V1;
	e.b = &w->buf;
	e.zrun = 0;
	for (i = 0; i < w->n; i++)
		if (!w->isnode[i] && (error = nbh__venc_put(&e, nbh__zz(w->deltas[i]))) != 0)
			goto out;
	if ((error = nbh__venc_end(&e)) != 0)
		goto out;
	/* Sample times are unique and increasing (the clock may step back). */
	t = si->t_ns > w->last_t ? si->t_ns : w->last_t + 1;
	row.id = w->next_id;
	row.t_ns = t;
	row.source = si->source != NULL ? si->source : "";
	row.slen = strlen(row.source);
	row.boottime_ns = si->boottime_ns;
	row.nobjects = w->nobjects;
	row.nvalues = (int64_t)(w->n - w->nobjects);
	row.shape = w->shape_id;
	row.keyframe = w->key ? w->next_id : w->key_id;
	row.data = w->buf.p;
	row.dlen = w->buf.len;
	sqlite3_reset(w->ins_sample);
	sqlite3_bind_int64(w->ins_sample, 1, row.id);
	sqlite3_bind_int64(w->ins_sample, 2, row.t_ns);
	sqlite3_bind_text(w->ins_sample, 3, row.source, (int)row.slen, SQLITE_STATIC);
	sqlite3_bind_int64(w->ins_sample, 4, row.boottime_ns);
	sqlite3_bind_int64(w->ins_sample, 5, row.nobjects);
	sqlite3_bind_int64(w->ins_sample, 6, row.nvalues);
	sqlite3_bind_int64(w->ins_sample, 7, row.shape);
	sqlite3_bind_int64(w->ins_sample, 8, row.keyframe);
	sqlite3_bind_blob(w->ins_sample, 9, row.data, (int)row.dlen, SQLITE_STATIC);
	sqlite3_bind_int64(w->ins_sample, 10, nbh__sum_sample(&row));
	rc = sqlite3_step(w->ins_sample);
	sqlite3_reset(w->ins_sample);
	sqlite3_clear_bindings(w->ins_sample);
	if (rc != SQLITE_DONE) {
		error = werr(w, rc, "insert sample");
		goto out;
	}
	if (w->retain_ns > 0 && (error = prune(w, t)) != 0)
		goto out;
	if ((rc = sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
		error = werr(w, rc, "commit");
		goto out;
	}
	w->in_txn = false;
	w->last_t = t;
	if (w->key) {
		w->key_id = w->next_id;
		w->since_key = 0;
	}
	w->since_key++;
	w->next_id++;
	w->seq++;
	w->n = 0;
	return 0;
out:
	nbh_writer_abort(w);
	return error;
}

/* ---- events ---- */

/* Insert n event rows with ids after the last one (inside a transaction). */
static int
insert_events(struct nbh_writer *w, const struct nbh_event *ev, size_t n)
{
	static const char q_ins[] = "INSERT INTO event(id, t_ns, object, ifindex, what, detail, "
				    "checksum) VALUES (?, ?, ?, ?, ?, ?, ?)";
	const char *obj, *what, *detail;
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	size_t i;
	int rc;

	if (w->ins_event == NULL &&
	    (rc = sqlite3_prepare_v3(w->db, q_ins, -1, SQLITE_PREPARE_PERSISTENT, &w->ins_event,
	    NULL)) != SQLITE_OK)
		return werr(w, rc, "prepare event");
	if ((rc = sqlite3_prepare_v2(w->db, "SELECT coalesce(max(id), 0) FROM event", -1, &st,
	    NULL)) != SQLITE_OK)
		return werr(w, rc, "last event");
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return werr(w, rc, "last event");
	for (i = 0; i < n; i++) {
		obj = ev[i].object != NULL ? ev[i].object : "";
		what = ev[i].what != NULL ? ev[i].what : "";
		detail = ev[i].detail != NULL ? ev[i].detail : "";
		id++;
		sqlite3_bind_int64(w->ins_event, 1, id);
		sqlite3_bind_int64(w->ins_event, 2, ev[i].t_ns);
		sqlite3_bind_text(w->ins_event, 3, obj, -1, SQLITE_STATIC);
		sqlite3_bind_int64(w->ins_event, 4, ev[i].ifindex);
		sqlite3_bind_text(w->ins_event, 5, what, -1, SQLITE_STATIC);
		sqlite3_bind_text(w->ins_event, 6, detail, -1, SQLITE_STATIC);
		sqlite3_bind_int64(w->ins_event, 7,
		    nbh__sum_event(id, ev[i].t_ns, obj, ev[i].ifindex, what, detail));
		rc = sqlite3_step(w->ins_event);
		sqlite3_reset(w->ins_event);
		sqlite3_clear_bindings(w->ins_event);
		if (rc != SQLITE_DONE)
			return werr(w, rc, "insert event");
	}
	return 0;
}

int
nbh_writer_events(struct nbh_writer *w, const struct nbh_event *ev, size_t n)
{
	int rc, error;

	w->err[0] = '\0';
	if (n == 0)
		return 0;
	if (w->in_txn) {
		/* A failure rolls the sample back with them (the commit would fail). */
		if ((error = insert_events(w, ev, n)) != 0)
			nbh_writer_abort(w);
		return error;
	}
	if ((rc = sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
		return werr(w, rc, "begin");
	if ((error = insert_events(w, ev, n)) != 0) {
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
		return error;
	}
	if ((rc = sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
		error = werr(w, rc, "commit events");
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
		return error;
	}
	return 0;
}
