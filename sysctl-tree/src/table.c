/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * table.c - nb_sysctl_table_read: a subtree's objects as caller rows.
 *
 * The handle parses the pattern and the columns once (a trie of the
 * columns' relative names, with the identity leaves "index" and "gen"),
 * then a backend fills the rows: natively (ops->table: the local backend
 * straight from libstack in one read section, the replay backend from its
 * decoded sample, the remote one from the daemon's rows), or through the
 * generic walk below, which is also what a backend without a native reader
 * gets and what a recording handle uses (so that the recorder sees the
 * subtree). Every reader opens rows with nb__tab_row (nb__tab_row_keys
 * when it has the keys themselves, or its inline fixed-size copy
 * nb__tab_row_keys16 in backend.h) and stores values with nb__tab_store
 * (nb__tab_put by column), so rows, identity and conversions are the same
 * whoever reads; a native reader may write a number or a text straight
 * into the row where that is what store_col would write (mib_interfaces.c,
 * checked against the walk by the unit test).
 *
 * Storage: the table owns its rows, identities, key strings and per-CPU
 * vectors (struct nb__tabstore in t->priv, backend.h), all grown by
 * doubling but the key strings, which fill chunks that never move: a row's key pointers are
 * set as it opens (a key of the previous row kept is its pointer, not a
 * copy). A handle is used by one thread at a time; nothing here is shared.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "backend.h"

#define CHUNK_MIN	4096
#define CHUNK_MAX	(1024 * 1024)

static void *
grow(void *p, size_t n, size_t size)
{
	return realloc(p, n * size);
}

/*
 * A big table's rows and identities (TAB_MAP_MIN bytes and more, the two
 * together) are anonymous mappings: pages the kernel gives zeroed, grown
 * by mremap without a copy, so that a row opened where none was before
 * needs no clearing (ts->zfrom); a smaller table's are in the heap, each
 * row cleared as it opens. Both move to mappings at once, with the rows
 * in use copied.
 */
#define TAB_MAP_MIN	(256 * 1024)

/* Array *pp of oldsz bytes (used of them in use) to newsz, a mapping if map. */
static int
grow_rows(void **pp, size_t oldsz, size_t used, size_t newsz, bool mapped, bool map)
{
	void *p;

	if (!map) {
		if ((p = realloc(*pp, newsz)) == NULL)
			return -ENOMEM;
	} else if (mapped) {
		if ((p = mremap(*pp, oldsz, newsz, MREMAP_MAYMOVE)) == MAP_FAILED)
			return -ENOMEM;
	} else {
		p = mmap(NULL, newsz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -ENOMEM;
		if (used > 0)
			memcpy(p, *pp, used);
		free(*pp);
	}
	*pp = p;
	return 0;
}

static int
store_reserve(struct nb_sysctl_table *t, struct nb__tabstore *ts, bool percpu, size_t cap)
{
	size_t rs = t->rowsize != 0 ? t->rowsize : 1, is = sizeof(*t->ids);
	bool map = cap * (rs + is) >= TAB_MAP_MIN;
	void *p;

	if (grow_rows(&t->rows, ts->cap * rs, t->nrows * rs, cap * rs, ts->mapped, map) != 0)
		return -ENOMEM;
	p = t->ids;
	if (grow_rows(&p, ts->cap * is, t->nrows * is, cap * is, ts->mapped, map) != 0) {
		/* the rows' array has the new size, the identities' the old */
		if (ts->mapped)		/* back to its size: a shrink in place */
			(void)mremap(t->rows, cap * rs, ts->cap * rs, 0);
		else if (map) {		/* the rows in use went with the heap array */
			munmap(t->rows, cap * rs);
			t->rows = NULL;
			t->nrows = 0;
		}
		return -ENOMEM;
	}
	t->ids = p;
	if (!map)
		ts->zfrom = cap;		/* heap: none known clear */
	else if (!ts->mapped)
		ts->zfrom = t->nrows;		/* fresh pages past the rows copied */
	ts->mapped = map;
	ts->cap = cap;
	if ((p = grow(ts->klen, cap * ts->kn, sizeof(size_t))) == NULL)
		return -ENOMEM;
	ts->klen = p;
	if (percpu && t->ncols > 0) {
		if ((p = grow(ts->voff, cap * t->ncols, sizeof(size_t))) == NULL)
			return -ENOMEM;
		ts->voff = p;
		if ((p = grow(ts->vn, cap * t->ncols, sizeof(unsigned))) == NULL)
			return -ENOMEM;
		ts->vn = p;
	}
	return 0;
}

/* A new chunk with room for at least `need` bytes (the old one's rest is left). */
static int
chunk_new(struct nb__tabstore *ts, size_t need)
{
	struct nb__strchunk *c;
	size_t sz = ts->chunksz != 0 ? ts->chunksz : CHUNK_MIN;

	if (sz < need)
		sz = need;
	if ((c = malloc(sizeof(*c) + sz)) == NULL)
		return -ENOMEM;
	c->next = ts->chunks;
	ts->chunks = c;
	ts->at = c->s;
	ts->room = sz;
	if (ts->chunksz < CHUNK_MAX)
		ts->chunksz = sz < CHUNK_MAX / 2 ? sz * 2 : CHUNK_MAX;
	return 0;
}

int
nb__tab_row_keys(struct nb__tab *tab, const char *const *key, const size_t *klen, unsigned same,
    int64_t index)
{
	struct nb_sysctl_table *t = tab->t;
	struct nb__tabstore *ts = t->priv;
	struct nb_sysctl_rowid *id;
	size_t r = t->nrows, *kl, n;
	unsigned k, nkey = tab->nkey;
	char *p;
	int error;

	if (r == ts->cap && (error = store_reserve(t, ts, (tab->rdflags & NB_SYSCTL_RD_PERCPU) != 0,
	    ts->cap != 0 ? ts->cap * 2 : 64)) != 0)
		return error;
	id = &t->ids[r];
	kl = &ts->klen[r * ts->kn];
	memset(id->key, 0, sizeof(id->key));
	for (k = 0; k < nkey; k++) {
		if (k < same && r > 0) {
			id->key[k] = id[-1].key[k];
			kl[k] = kl[(ptrdiff_t)k - (ptrdiff_t)ts->kn];
			continue;
		}
		n = klen[k];
		if (ts->room < n + 1 && (error = chunk_new(ts, n + 1)) != 0)
			return error;
		p = ts->at;
		memcpy(p, key[k], n);
		p[n] = '\0';
		id->key[k] = p;
		kl[k] = n;
		ts->at = p + n + 1;
		ts->room -= n + 1;
	}
	nb__tab_row_start(tab, r, index);
	return 0;
}

int
nb__tab_row(struct nb__tab *tab, const char *const *comp, const size_t *lens)
{
	const char *key[NB_SYSCTL_TABLE_MAXKEYS];
	size_t klen[NB_SYSCTL_TABLE_MAXKEYS];
	unsigned d, k = 0;

	for (d = 0; d < tab->pn; d++) {
		if ((tab->wild >> d & 1) == 0)
			continue;
		key[k] = comp[d];
		klen[k++] = lens[d];
	}
	return nb__tab_row_keys(tab, key, klen, 0,
	    tab->pn > 0 ? nb__tab_keynum(comp[tab->pn - 1], lens[tab->pn - 1]) : -1);
}

static int64_t
val_i64(const struct nb_sysctl_value *v)
{
	switch (v->type) {
	case NB_SYSCTL_U64:
		return (int64_t)v->u;
	case NB_SYSCTL_BOOL:
		return v->b;
	default:
		return v->i;
	}
}

int
nb__tab_reserve(struct nb__tab *tab, size_t rows)
{
	struct nb_sysctl_table *t = tab->t;
	struct nb__tabstore *ts = t->priv;

	if (t->nrows + rows <= ts->cap)
		return 0;
	return store_reserve(t, ts, (tab->rdflags & NB_SYSCTL_RD_PERCPU) != 0, t->nrows + rows);
}

/*
 * A value that is text: a leaf's STRING or ADDRESS, or a remote row's
 * INADDR column (its text). (wire.c's and mib_interfaces.c's is_text are
 * about columns, where INADDR is not a char[size].)
 */
static bool
text_value(enum nb_sysctl_type t)
{
	return t == NB_SYSCTL_STRING || t == NB_SYSCTL_ADDRESS || t == NB_SYSCTL_INADDR;
}

/* Store v in column col of the open row (converted to the column's type). */
static int
store_col(struct nb__tab *tab, int col, const struct nb_sysctl_value *v)
{
	struct nb_sysctl_table *t = tab->t;
	struct nb__tabstore *ts = t->priv;
	const struct nb_sysctl_column *c;
	struct nb_sysctl_value nv;
	struct nb_sysctl_rowid *id;
	size_t r, n;
	char *field;

	r = t->nrows - 1;
	id = &t->ids[r];
	c = &tab->cols[col];
	field = (char *)t->rows + r * t->rowsize + c->offset;
	switch (c->type) {
	case NB_SYSCTL_INT:
	case NB_SYSCTL_U64: {
		int64_t x;

		if (text_value(v->type))
			return 0;	/* no number in a text leaf */
		x = val_i64(v);
		memcpy(field, &x, sizeof(x));
		break;
	}
	case NB_SYSCTL_BOOL: {
		bool b;

		if (text_value(v->type))
			return 0;
		b = val_i64(v) != 0;
		memcpy(field, &b, sizeof(b));
		break;
	}
	case NB_SYSCTL_INADDR: {
		/* a text (a remote row's INADDR value is its text), or a number as text */
		struct nb_sysctl_inaddr *ia = (struct nb_sysctl_inaddr *)(void *)field;
		char num[NB_SYSCTL_INADDR_TEXT];

		if (text_value(v->type))
			nb__inaddr_text(ia, v->str != NULL ? v->str : "", v->str != NULL ? v->len : 0);
		else {
			nv = *v;
			nv.percpu = NULL;
			nv.ncpu = 0;
			(void)nb_sysctl_value_format(&nv, num, sizeof(num));
			nb__inaddr_text(ia, num, strlen(num));
		}
		break;
	}
	default:
		if (text_value(v->type)) {
			n = v->str != NULL ? v->len : 0;
			if (n >= c->size)
				n = c->size - 1;
			if (n > 0)
				memcpy(field, v->str, n);
			field[n] = '\0';
		} else {
			nv = *v;
			nv.percpu = NULL;
			nv.ncpu = 0;
			(void)nb_sysctl_value_format(&nv, field, c->size);
		}
		break;
	}
	id->present[col / 64] |= UINT64_C(1) << (col % 64);
	t->colflags[col] |= v->flags;
	if ((tab->rdflags & NB_SYSCTL_RD_PERCPU) != 0 && v->percpu != NULL && v->ncpu > 0) {
		if (ts->vlen + v->ncpu > ts->vcap) {
			size_t cap = (ts->vcap + v->ncpu) * 2;
			uint64_t *p;

			if ((p = realloc(ts->vecs, cap * sizeof(*p))) == NULL)
				return -ENOMEM;
			ts->vecs = p;
			ts->vcap = cap;
		}
		memcpy(ts->vecs + ts->vlen, v->percpu, v->ncpu * sizeof(uint64_t));
		ts->voff[r * t->ncols + (unsigned)col] = ts->vlen + 1;
		ts->vn[r * t->ncols + (unsigned)col] = v->ncpu;
		ts->vlen += v->ncpu;
	}
	return 0;
}

int
nb__tab_store(struct nb__tab *tab, int node, const struct nb_sysctl_value *v)
{
	struct nb_sysctl_rowid *id;
	int col = tab->trie[node].col;

	if (!tab->inrow || v->type == NB_SYSCTL_NODE)
		return 0;
	id = &tab->t->ids[tab->t->nrows - 1];
	if (tab->trie[node].id != NB__TAB_NONE && !text_value(v->type)) {
		if (tab->trie[node].id == NB__TAB_COL_INDEX)
			id->index = val_i64(v);
		else
			id->gen = (uint64_t)val_i64(v);
	}
	if (col == NB__TAB_NONE)
		return 0;
	return store_col(tab, col, v);
}

int
nb__tab_put(struct nb__tab *tab, unsigned col, const struct nb_sysctl_value *v)
{
	if (!tab->inrow || col >= tab->ncols || v->type == NB_SYSCTL_NODE)
		return -EINVAL;
	return store_col(tab, (int)col, v);
}

/* Is comp[0..pn) the object of the open row? */
static bool
same_row(const struct nb__tab *tab, const char *const *comp, const size_t *lens)
{
	const struct nb_sysctl_table *t = tab->t;
	const struct nb__tabstore *ts = t->priv;
	size_t r = t->nrows - 1;
	unsigned d, k = 0;

	for (d = 0; d < tab->pn; d++) {
		if ((tab->wild >> d & 1) == 0)
			continue;
		if (ts->klen[r * ts->kn + k] != lens[d] ||
		    memcmp(t->ids[r].key[k], comp[d], lens[d]) != 0)
			return false;
		k++;
	}
	return true;
}

int
nb__tab_entry(struct nb__tab *tab, const char *const *comp, const size_t *lens, unsigned n,
    const struct nb_sysctl_value *v)
{
	unsigned d;
	int node = 0, error;

	if (n <= tab->pn || v->type == NB_SYSCTL_NODE)
		return 0;
	for (d = 0; d < tab->pn; d++)
		if (!nb__tab_match(tab, d, comp[d], lens[d]))
			return 0;
	if (!tab->inrow || !same_row(tab, comp, lens))
		if ((error = nb__tab_row(tab, comp, lens)) != 0)
			return error;
	for (d = tab->pn; d < n && node >= 0; d++)
		node = nb__tab_child(tab, node, comp[d], lens[d]);
	if (node < 0)
		return 0;
	return nb__tab_store(tab, node, v);
}

/* ---- set-up ---- */

static int
trie_add(struct nb__tab *tab, unsigned *cap, int at, const char *name, size_t len)
{
	struct nb__tabnode *p;
	int c;

	if ((c = nb__tab_child(tab, at, name, len)) >= 0)
		return c;
	if (tab->ntrie == *cap) {
		*cap *= 2;
		if ((p = realloc(tab->trie, *cap * sizeof(*p))) == NULL)
			return -ENOMEM;
		tab->trie = p;
	}
	c = (int)tab->ntrie++;
	tab->trie[c] = (struct nb__tabnode){ name, len, -1, -1, NB__TAB_NONE, NB__TAB_NONE, -1 };
	/* Appended as the last child: columns keep their order. */
	if (tab->trie[at].child < 0)
		tab->trie[at].child = c;
	else {
		int s = tab->trie[at].child;

		while (tab->trie[s].next >= 0)
			s = tab->trie[s].next;
		tab->trie[s].next = c;
	}
	return c;
}

/* Add the relative name `leaf` ("stats.ipackets") for column id col. */
static int
trie_leaf(struct nb__tab *tab, unsigned *cap, const char *leaf, int col)
{
	const char *p = leaf, *dot;
	unsigned depth = 0;
	int at = 0;

	for (;;) {
		dot = strchr(p, '.');
		size_t len = dot != NULL ? (size_t)(dot - p) : strlen(p);

		if (len == 0 || ++depth > NB_SYSCTL_MAXDEPTH)
			return -EINVAL;
		if ((at = trie_add(tab, cap, at, p, len)) < 0)
			return at;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	if (col < 0)
		tab->trie[at].id = col;		/* identity: also a caller's column */
	else if (tab->trie[at].col != NB__TAB_NONE)
		return -EINVAL;			/* the same leaf twice */
	else
		tab->trie[at].col = col;
	return 0;
}

static bool
col_fits(const struct nb_sysctl_column *c, size_t rowsize)
{
	size_t need;

	switch (c->type) {
	case NB_SYSCTL_INT:
	case NB_SYSCTL_U64:
		need = 8;
		break;
	case NB_SYSCTL_BOOL:
		need = sizeof(bool);
		break;
	case NB_SYSCTL_STRING:
	case NB_SYSCTL_ADDRESS:
		need = c->size;
		if (need == 0)
			return false;
		break;
	case NB_SYSCTL_INADDR:
		need = sizeof(struct nb_sysctl_inaddr);
		break;
	default:
		return false;
	}
	return c->offset <= rowsize && need <= rowsize - c->offset;
}

static int
walk_cb(const struct nb_sysctl_entry *e, void *arg)
{
	return nb__tab_entry(arg, e->comp, e->complen, e->ncomp, &e->val);
}

/*
 * One named object ("kern", "net.inet.tcp.stats"): walk only the children
 * its columns lie under, not the whole object (kern.proc is every
 * process's files). -ENOENT if none of them is there.
 */
static int
walk_columns(struct nb_sysctl *h, struct nb__tab *tab, unsigned rdflags)
{
	const char *comp[NB_SYSCTL_MAXDEPTH];
	char name[NB_SYSCTL_NAMEMAX + 1];
	bool found = false;
	unsigned d;
	int c, error;

	if (tab->pn + 1 > NB_SYSCTL_MAXDEPTH)
		return -ENAMETOOLONG;
	for (d = 0; d < tab->pn; d++)
		comp[d] = tab->pcomp[d];
	for (c = tab->trie[0].child; c >= 0; c = tab->trie[c].next) {
		if (tab->trie[c].len >= sizeof(name))
			continue;
		memcpy(name, tab->trie[c].name, tab->trie[c].len);
		name[tab->trie[c].len] = '\0';
		comp[tab->pn] = name;
		error = nb_sysctl_walkv(h, comp, tab->pn + 1, rdflags, walk_cb, tab);
		if (error == -ENOENT || error == -EINVAL)
			continue;	/* not there (or not a name: "*" in a column) */
		if (error != 0)
			return error;
		found = true;
	}
	return found ? 0 : -ENOENT;
}

int
nb_sysctl_table_read(struct nb_sysctl *h, const char *pattern,
    const struct nb_sysctl_column *cols, unsigned ncols, size_t rowsize,
    unsigned rdflags, struct nb_sysctl_table *t)
{
	char buf[NB__SPLITBUF];
	struct nb__tab tab;
	unsigned cap = 16, d, nwild = 0, i;
	int error;

	memset(t, 0, sizeof(*t));
	if ((t->priv = calloc(1, sizeof(struct nb__tabstore))) == NULL)
		return -ENOMEM;
	t->rowsize = rowsize;
	t->ncols = ncols;
	if (ncols > NB_SYSCTL_TABLE_MAXCOLS || (ncols > 0 && cols == NULL))
		return -EINVAL;
	memset(&tab, 0, sizeof(tab));
	tab.t = t;
	tab.cols = cols;
	tab.ncols = ncols;
	tab.rdflags = rdflags;
	if ((error = nb__sysctl_split(pattern, buf, tab.pcomp, tab.plen, &tab.pn)) != 0)
		return error;
	tab.prefix = tab.pn;
	for (d = 0; d < tab.pn; d++) {
		if (tab.plen[d] == 1 && tab.pcomp[d][0] == '*') {
			tab.wild |= 1u << d;
			if (nwild++ == 0)
				tab.prefix = d;
		}
	}
	if (nwild > NB_SYSCTL_TABLE_MAXKEYS)
		return -EINVAL;
	tab.nkey = nwild;
	((struct nb__tabstore *)t->priv)->kn = nwild > 0 ? nwild : 1;
	if ((tab.trie = malloc(cap * sizeof(*tab.trie))) == NULL)
		return -ENOMEM;
	tab.trie[0] = (struct nb__tabnode){ "", 0, -1, -1, NB__TAB_NONE, NB__TAB_NONE, -1 };
	tab.ntrie = 1;
	for (i = 0; i < ncols; i++) {
		if (cols[i].leaf == NULL || !col_fits(&cols[i], rowsize)) {
			error = -EINVAL;
			goto out;
		}
		if ((error = trie_leaf(&tab, &cap, cols[i].leaf, (int)i)) != 0)
			goto out;
	}
	if ((error = trie_leaf(&tab, &cap, "index", NB__TAB_COL_INDEX)) != 0 ||
	    (error = trie_leaf(&tab, &cap, "gen", NB__TAB_COL_GEN)) != 0)
		goto out;

	h->errdetail[0] = '\0';
	error = NB__TAB_WALK;
	if (h->rec == NULL && h->ops->table != NULL && (rdflags & NB_SYSCTL_RD_WALKED) == 0)
		error = h->ops->table(h, &tab);
	if (error != NB__TAB_WALK)
		; /* read natively */
	else if (nwild > 0)
		error = nb_sysctl_walkv(h, tab.pcomp, tab.prefix,
		    rdflags & ~(unsigned)NB_SYSCTL_RD_WALKED, walk_cb, &tab);
	else
		error = walk_columns(h, &tab, rdflags & ~(unsigned)NB_SYSCTL_RD_WALKED);
	/* Nothing there: an empty table; with a detail, -ENOENT is a file the
	 * source needs that is missing (--root): an error. */
	if (error == -ENOENT && nwild > 0 && h->errdetail[0] == '\0')
		error = 0;
	else if (error == 0 && nwild == 0 && t->nrows == 0)
		error = -ENOENT;
out:
	free(tab.trie);
	return error;
}

void
nb_sysctl_table_free(struct nb_sysctl_table *t)
{
	struct nb__tabstore *ts = t->priv;

	if (ts != NULL) {
		struct nb__strchunk *c, *next;

		for (c = ts->chunks; c != NULL; c = next) {
			next = c->next;
			free(c);
		}
		free(ts->klen);
		free(ts->vecs);
		free(ts->voff);
		free(ts->vn);
		if (ts->mapped) {
			munmap(t->rows, ts->cap * (t->rowsize != 0 ? t->rowsize : 1));
			munmap(t->ids, ts->cap * sizeof(*t->ids));
			t->rows = t->ids = NULL;
		}
		free(ts);
	}
	free(t->rows);
	free(t->ids);
	memset(t, 0, sizeof(*t));
}

const uint64_t *
nb_sysctl_table_percpu(const struct nb_sysctl_table *t, size_t i, unsigned col,
    unsigned *ncpu)
{
	const struct nb__tabstore *ts = t->priv;
	size_t off;

	*ncpu = 0;
	if (ts == NULL || ts->voff == NULL || i >= t->nrows || col >= t->ncols)
		return NULL;
	if ((off = ts->voff[i * t->ncols + col]) == 0)
		return NULL;
	*ncpu = ts->vn[i * t->ncols + col];
	return ts->vecs + off - 1;
}
