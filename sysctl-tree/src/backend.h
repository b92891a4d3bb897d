/* SPDX-License-Identifier: BSD-2-Clause */
/* backend.h - private: the handle and the vtable every sysctl-tree backend implements. */
#ifndef SYSCTL_TREE_BACKEND_H
#define SYSCTL_TREE_BACKEND_H

#include <pthread.h>
#include <stdarg.h>
#include <string.h>

#include "sysctl-tree/sysctl.h"

/*
 * A backend provides a walk and a write over unescaped components; the
 * generic layer (handle.c) builds get, json, name parsing and the write
 * checks (-ENOENT, -EISDIR, -EPERM) on top of walk, so every backend gets
 * them for free.
 *
 * walk contract (what handle.c relies on):
 *  - comp[0..n) are NUL-terminated, non-empty, n <= NB_SYSCTL_MAXDEPTH;
 *  - entries come in tree order; with NB_SYSCTL_RD_NODES an interior node
 *    is reported before its children (pre-order), the named node included,
 *    the root (n == 0) never;
 *  - NB_SYSCTL_RD_SHALLOW reports the immediate children of the name, the
 *    interior ones as NODE entries whatever RD_NODES says (or the leaf
 *    itself when the name is a leaf);
 *  - the components of an entry are NUL-terminated;
 *  - an entry's descr points to text that stays valid and unchanged for the
 *    whole walk (the recorder knows a description it saw by its pointer
 *    within one walk);
 *  - nb_sysctl_entry.same never says more than is true: comp[0..same)
 *    are the previous entry's (the recorder compares only the rest);
 *  - a non-zero cb return stops the walk and is returned; -ENOENT when the
 *    name does not exist.
 */
struct nb__tab;
struct nb_event;

struct nb_sysctl_backend_ops {
	const char *name;
	int	(*walk)(struct nb_sysctl *h, const char *const *comp, const size_t *lens,
		    unsigned n, unsigned rdflags, nb_sysctl_walk_fn cb, void *arg);
	/*
	 * Called only for a leaf that the walk reported with
	 * NB_SYSCTL_F_WRITABLE: parse `value` and apply it.
	 */
	int	(*write)(struct nb_sysctl *h, const char *const *comp, const size_t *lens,
		    unsigned n, const char *value);
	int	(*sample)(struct nb_sysctl *h);
	int64_t	(*sample_time)(const struct nb_sysctl *h);
	struct nb_stack *(*stack)(struct nb_sysctl *h);
	/*
	 * Optional (backends with departed interfaces: local): the recorder
	 * has committed a sample holding the departed interfaces `names`
	 * ("name@gen", NUL-terminated one after the other, len bytes in all);
	 * forget them, oldest first, up to the first one not among them.
	 */
	void	(*departed_ack)(struct nb_sysctl *h, const char *names, size_t len);
	/*
	 * Optional (backends that see changes as they happen: local). The
	 * recorder starts the event log once its first sample is written
	 * (events_start), then moves the logged events into each sample
	 * (events_take: up to max, oldest first; *lost: dropped since the
	 * last take).
	 */
	int	(*events_start)(struct nb_sysctl *h);
	size_t	(*events_take)(struct nb_sysctl *h, struct nb_event *out, size_t max,
		    uint64_t *lost);
	/* Optional (replay): nb_sysctl_events. */
	int	(*events)(struct nb_sysctl *h, int64_t from_ns, int64_t to_ns,
		    nb_sysctl_event_fn cb, void *arg);
	void	(*close)(struct nb_sysctl *h);
	/*
	 * Optional: a native table read (table.c's contract, nb__tab_*).
	 * NULL, or NB__TAB_WALK returned before any row was opened: the
	 * handle reads the table through walk.
	 */
	int	(*table)(struct nb_sysctl *h, struct nb__tab *tab);
};

struct nb_sysctl {
	const struct nb_sysctl_backend_ops *ops;
	void		*priv;			/* the backend's state */
	char		 errdetail[256];	/* nb_sysctl_errdetail() */
	char notice[512]; /* nb_sysctl_notice(): the first, kept */
	/* nb_sysctl_get() storage, owned by the handle */
	char		*getstr;
	size_t		 getstrcap;
	uint64_t	*getvec;
	unsigned	 getveccap;
	struct nb_rec	*rec;			/* record.c: --record, NULL if not recording */
};

/* Buffer size for nb__sysctl_split (unescaped bytes plus the NULs). */
#define NB__SPLITBUF	(NB_SYSCTL_NAMEMAX + NB_SYSCTL_MAXDEPTH + 1)

/* name.c: one component at *pp unescaped to *op, both advanced; -EINVAL if bad or empty. */
int	nb__name_comp(const char **pp, char **op);
/* name.c: split into caller storage (no allocation); same errors as name_split. */
int	nb__sysctl_split(const char *name, char *buf /* [NB__SPLITBUF] */,
	    const char **comp /* [NB_SYSCTL_MAXDEPTH] */,
	    size_t *lens /* [NB_SYSCTL_MAXDEPTH] */, unsigned *ncomp);
/* name.c: join with known lengths. */
size_t	nb__sysctl_join(const char *const *comp, const size_t *lens, unsigned n,
	    char *buf, size_t size);

/* handle.c: set or clear the error detail. */
void	nb__sysctl_errdetail(struct nb_sysctl *h, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* mib.c: the LOCAL backend. */
int	nb__sysctl_local_open(struct nb_sysctl *h, struct nb_stack *st, struct nb_source *src,
	    bool own);

/* mib.c: a LOCAL handle over the stack and source of `of` (not owned). */
int nb__sysctl_local_peer(struct nb_sysctl *h, struct nb_sysctl *of);
/* mib.c: the same, refreshing under `lock` and reading without it (nb_sysctl_open_peer_locked). */
int nb__sysctl_local_peer_locked(struct nb_sysctl *h, struct nb_sysctl *of,
    pthread_mutex_t *lock);

/* backend_remote.c: the REMOTE backend (nbstatd's socket); the handle keeps the detail. */
int nb__sysctl_remote_open(struct nb_sysctl *h, const char *path);

/* backend_replay.c: the REPLAY backend (history in SQLite). On failure the
 * handle keeps the error detail. */
int	nb__sysctl_replay_open(struct nb_sysctl *h, const struct nb_sysctl_opts *opts);

/* record.c: a walk whose entries are also kept for the sample being
 * recorded; write the sample; stop recording. */
int	nb__rec_walk(struct nb_sysctl *h, const char *const *comp, const size_t *lens,
	    unsigned n, unsigned rdflags, nb_sysctl_walk_fn cb, void *arg);
int	nb__rec_commit(struct nb_sysctl *h);
void	nb__rec_close(struct nb_sysctl *h);

/*
 * table.c: one table read in progress. The pattern is split into
 * pcomp/plen (pn components, '*' where wild has the bit); rows are the
 * objects at depth pn. The columns' relative names form a trie (one node
 * per component; the identity leaves "index" and "gen" included) so that a
 * reader finds the column of a relative path one component at a time, and
 * stops descending where no column lies below.
 */
#define NB__TAB_COL_INDEX	(-2)	/* trie node is the row's "index" leaf */
#define NB__TAB_COL_GEN		(-3)	/* ... its "gen" leaf */
#define NB__TAB_NONE		(-1)

struct nb__tabnode {
	const char	*name;
	size_t		 len;
	int		 child;		/* first child, -1 none */
	int		 next;		/* next sibling, -1 none */
	int		 col;		/* column id or NB__TAB_NONE */
	int		 id;		/* NB__TAB_COL_INDEX, _GEN or NB__TAB_NONE */
	int		 hint;		/* the child to try first: the one after the
					   child last found (objects list their leaves
					   in the same order row after row), -1 none */
};

struct nb__tab {
	struct nb_sysctl_table *t;
	const struct nb_sysctl_column *cols;
	unsigned	 ncols;
	unsigned	 rdflags;
	const char	*pcomp[NB_SYSCTL_MAXDEPTH];
	size_t		 plen[NB_SYSCTL_MAXDEPTH];
	unsigned	 pn;
	uint32_t	 wild;		/* bit d: pcomp[d] is '*' */
	unsigned	 nkey;		/* how many '*': the keys of a row */
	unsigned	 prefix;	/* components before the first '*' */
	struct nb__tabnode *trie;	/* [0] is the root */
	unsigned	 ntrie;
	bool		 inrow;		/* a row is open (the last one) */
	char *row; /* the open row and its identity (valid until */
	struct nb_sysctl_rowid *id; /* the next nb__tab_row) */
};

/* Does component d of the pattern admit `name`? */
static inline bool
nb__tab_match(const struct nb__tab *tab, unsigned d, const char *name, size_t len)
{
	return (tab->wild >> d & 1) != 0 ||
	    (tab->plen[d] == len && memcmp(tab->pcomp[d], name, len) == 0);
}

/*
 * The trie child of node `at` named `name`, or -1. The search starts at
 * the node's hint and wraps around, so leaves that come in the order of
 * the columns are each found at the first compare.
 */
static inline int
nb__tab_child(struct nb__tab *tab, int at, const char *name, size_t len)
{
	struct nb__tabnode *p = &tab->trie[at];
	int start = p->hint >= 0 ? p->hint : p->child, c;

	for (c = start; c >= 0; c = tab->trie[c].next)
		if (tab->trie[c].len == len && memcmp(tab->trie[c].name, name, len) == 0)
			goto found;
	for (c = p->child; c >= 0 && c != start; c = tab->trie[c].next)
		if (tab->trie[c].len == len && memcmp(tab->trie[c].name, name, len) == 0)
			goto found;
	return -1;
found:
	p->hint = tab->trie[c].next;
	return c;
}

/* ops->table: "read this table through walk" (not an error). */
#define NB__TAB_WALK 1

/* Open a new row for the object whose path is comp[0..pn) (keys at the '*'s). */
int	nb__tab_row(struct nb__tab *tab, const char *const *comp, const size_t *lens);
/*
 * The same for a reader that has the keys themselves (the components at
 * the '*'s, key[0..nkey)): the first `same` are the previous row's and are
 * not stored again; index is the row's until an "index" leaf is stored
 * (nb__tab_row's: nb__tab_keynum of the last component). The row is all
 * zeros when opened.
 */
int	nb__tab_row_keys(struct nb__tab *tab, const char *const *key, const size_t *klen,
	    unsigned same, int64_t index);

/*
 * table.c's storage of a table's rows (t->priv), here for the inline row
 * opening below: key strings fill chunks that never move (the rows point
 * into them).
 */
struct nb__strchunk {
	struct nb__strchunk	*next;		/* the one filled before */
	char		 s[];
};

struct nb__tabstore {
	size_t		 cap;		/* rows allocated */
	bool		 mapped;	/* rows and ids are mappings (table.c) ... */
	size_t		 zfrom;		/* ... all zeros from this row on */
	struct nb__strchunk	*chunks;	/* the newest first */
	char		*at;		/* its free room ... */
	size_t		 room;		/* ... and how much */
	size_t		 chunksz;	/* the next chunk's size */
	unsigned	 kn;		/* keys per row: the pattern's '*' (at least 1) */
	size_t		*klen;		/* [row * kn + k] */
	uint64_t	*vecs;		/* per-CPU vectors */
	size_t		 vlen, vcap;
	size_t		*voff;		/* [row * ncols + col]: offset + 1 into vecs, 0 none */
	unsigned	*vn;		/* ... its length */
};

/* Open row r (reserved, its keys set) with this index: the rest of a row's opening. */
static inline void
nb__tab_row_start(struct nb__tab *tab, size_t r, int64_t index)
{
	struct nb_sysctl_table *t = tab->t;
	struct nb__tabstore *ts = t->priv;
	struct nb_sysctl_rowid *id = &t->ids[r];

	/* Cleared as it opens (a few vector stores), not as a block at growth;
	 * a row of the fresh pages of a big table is clear already. */
	if (r < ts->zfrom) {
		memset((char *)t->rows + r * t->rowsize, 0, t->rowsize);
		memset(id->present, 0, sizeof(id->present));
	} else
		ts->zfrom = r + 1;
	id->nkey = tab->nkey;
	id->index = index;
	id->gen = 0;
	if ((tab->rdflags & NB_SYSCTL_RD_PERCPU) != 0 && t->ncols > 0) {
		memset(&ts->voff[r * t->ncols], 0, t->ncols * sizeof(size_t));
		memset(&ts->vn[r * t->ncols], 0, t->ncols * sizeof(unsigned));
	}
	t->nrows = r + 1;
	tab->inrow = true;
	tab->row = (char *)t->rows + r * t->rowsize;
	tab->id = id;
}

/*
 * nb__tab_row_keys for keys that can each be read for NB__TAB_KEYPAD bytes
 * (an interface name in its NB_IFNAMSIZ array, a number in a buffer of its
 * own): a short key is copied as that many bytes, at a fixed size. Inline:
 * the native readers open a row per object with it. When the room is not
 * there for every key at its fixed size, or for a longer key, the plain
 * copy opens the row (and writes again whatever this one began: nothing is
 * taken before the end).
 */
#define NB__TAB_KEYPAD	16

/* The same with the pattern's key count (tab->nkey) given: a reader that
 * knows it (a constant) gets the loop unrolled. */
static inline __attribute__((always_inline)) int
nb__tab_row_keys16n(struct nb__tab *tab, const char *const *key, const size_t *klen,
    unsigned same, int64_t index, unsigned nkey)
{
	struct nb_sysctl_table *t = tab->t;
	struct nb__tabstore *ts = t->priv;
	struct nb_sysctl_rowid *id;
	size_t r = t->nrows, *kl, n;
	unsigned k;
	char *p;

	if (r == ts->cap || r == 0 || ts->room < NB_SYSCTL_TABLE_MAXKEYS * (NB__TAB_KEYPAD + 1))
		return nb__tab_row_keys(tab, key, klen, same, index);
	id = &t->ids[r];
	kl = &ts->klen[r * ts->kn];
	memset(id->key, 0, sizeof(id->key));
	p = ts->at;
	for (k = 0; k < nkey; k++) {
		if (k < same) {
			id->key[k] = id[-1].key[k];
			kl[k] = kl[(ptrdiff_t)k - (ptrdiff_t)ts->kn];
			continue;
		}
		if ((n = klen[k]) > NB__TAB_KEYPAD)
			return nb__tab_row_keys(tab, key, klen, same, index);
		memcpy(p, key[k], NB__TAB_KEYPAD);
		p[n] = '\0';
		id->key[k] = p;
		kl[k] = n;
		p += n + 1;
	}
	ts->room -= (size_t)(p - ts->at);
	ts->at = p;
	nb__tab_row_start(tab, r, index);
	return 0;
}

static inline __attribute__((always_inline)) int
nb__tab_row_keys16(struct nb__tab *tab, const char *const *key, const size_t *klen,
    unsigned same, int64_t index)
{
	return nb__tab_row_keys16n(tab, key, klen, same, index, tab->nkey);
}

/* A row's default index: decimal digits only, at most 18, as a number; else -1. */
static inline int64_t
nb__tab_keynum(const char *s, size_t len)
{
	int64_t v = 0;
	size_t i;

	if (len == 0 || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}
/* An NB_SYSCTL_INADDR column from an address's bytes (AF_INET, AF_INET6;
 * into a column all zeros, as a row opens) or from a leaf's text (all of
 * it written): value.c. */
void	nb__inaddr_bytes(struct nb_sysctl_inaddr *ia, int family, const uint8_t *src);
void	nb__inaddr_text(struct nb_sysctl_inaddr *ia, const char *s, size_t len);
/* Make room for `rows` more rows (a hint: rows grow as needed anyway). */
int	nb__tab_reserve(struct nb__tab *tab, size_t rows);
/* Store a leaf value in the open row: trie node `node` (its col). */
int	nb__tab_store(struct nb__tab *tab, int node, const struct nb_sysctl_value *v);
/* Store a value in column col of the open row (a reader that has the column, not the leaf). */
int nb__tab_put(struct nb__tab *tab, unsigned col, const struct nb_sysctl_value *v);
/*
 * Store a number leaf (INT or U64, no per-CPU vector) in the open row: the
 * hot path of the native readers, inline. Other columns and values go to
 * nb__tab_store.
 */
static inline int
nb__tab_store_num(struct nb__tab *tab, int node, enum nb_sysctl_type type, unsigned flags,
    uint64_t v)
{
	const struct nb__tabnode *n = &tab->trie[node];
	const struct nb_sysctl_column *c;
	struct nb_sysctl_value val;

	if (!tab->inrow)
		return 0;
	if (n->id == NB__TAB_COL_INDEX)
		tab->id->index = (int64_t)v;
	else if (n->id == NB__TAB_COL_GEN)
		tab->id->gen = v;
	if (n->col < 0)
		return 0;
	c = &tab->cols[n->col];
	if (c->type != NB_SYSCTL_INT && c->type != NB_SYSCTL_U64) {
		memset(&val, 0, sizeof(val));
		val.type = type;
		val.flags = flags;
		val.u = v;
		return nb__tab_store(tab, node, &val);
	}
	memcpy(tab->row + c->offset, &v, sizeof(v));
	tab->id->present[n->col / 64] |= UINT64_C(1) << (n->col % 64);
	tab->t->colflags[n->col] |= flags;
	return 0;
}

/*
 * The generic feeder: one leaf entry of a walk (or of a replayed sample) in
 * tree order; opens rows as the object changes and stores matched columns.
 */
int	nb__tab_entry(struct nb__tab *tab, const char *const *comp, const size_t *lens,
	    unsigned n, const struct nb_sysctl_value *v);

#endif /* SYSCTL_TREE_BACKEND_H */
