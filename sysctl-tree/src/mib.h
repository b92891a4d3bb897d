/* SPDX-License-Identifier: BSD-2-Clause */
/* mib.h - private: the LOCAL backend's walker shared by the static tree and the providers. */
#ifndef SYSCTL_TREE_MIB_H
#define SYSCTL_TREE_MIB_H

#include <string.h>

#include "nbstack/stack.h"

#include "backend.h"

/*
 * One walk of the local MIB. It runs inside one read section (rd), so every
 * pointer it hands out (component names in the stack's attribute blocks,
 * registry strings) stays valid for the whole walk. The walker keeps the
 * current path in comp/complen (depth entries) and the target name in
 * tcomp/tlen (tdepth entries): above the target only the matching child is
 * entered; at and below it the subtree is reported. Buffers are reused for
 * every leaf: the walk allocates nothing per leaf. A component changes only
 * by mw_enter (a reused buffer is rewritten only when it is not part of the
 * current path, just before it is entered again), so the lowest depth
 * entered since the last report is what the entry reported next has new
 * (nb_sysctl_entry.same).
 */
/* An interface of the sorted vector (mib_interfaces.c: sorted_ifaces). */
struct mib_ifent {
	const struct nb_iface *ifp;
	uint32_t	 index;		/* its index */
};

struct mib_walk {
	struct nb_read	 rd;
	struct nb_stack	*st;
	unsigned	 rdflags;
	nb_sysctl_walk_fn cb;
	void		*arg;
	const char *const *tcomp;
	const size_t	*tlen;
	unsigned	 tdepth;
	const char	*comp[NB_SYSCTL_MAXDEPTH];
	size_t		 complen[NB_SYSCTL_MAXDEPTH];
	unsigned	 depth;
	unsigned	 same;		/* comp[0..same) unchanged since the last entry reported */
	bool		 found;		/* the target node was entered */
	bool		 done;		/* ... and left: nothing more to see */
	int		 rc;		/* first non-zero cb return or error */
	struct nb_sysctl_entry e;
	uint64_t	*vec;		/* per-CPU vector, nvec entries */
	unsigned	 nvec;
	uint32_t	 ifmask;	/* nb_stack_ifstat_mask() */
	/* The interface being walked. */
	uint64_t	 ifstats[NB_IFSTAT_MAX];
	bool		 ifstats_ok;
	/* Reusable text: one leaf value, one numeric and one departed component. */
	char		 sbuf[128];
	char		 nbuf[24];
	char		 dname[NB_IFNAMSIZ + 24];
	/* Table mode (nb_sysctl_table_read): rows and columns instead of
	 * callbacks; tcomp is the pattern ('*' matches any), and tnode[d]
	 * the column trie node of comp[d] below the row (d >= tdepth). */
	struct nb__tab	*tab;
	int		 tnode[NB_SYSCTL_MAXDEPTH];
	/* Interfaces sorted by index (grown, reused across walks); while
	 * ifv_ok, all of those of stack ifv_st at publication version
	 * ifv_ver (mib_interfaces.c: sorted_ifaces). */
	struct mib_ifent *ifv;
	size_t		 nif;
	size_t		 ifcap;
	bool		 ifv_ok;
	struct nb_stack	*ifv_st;
	uint64_t	 ifv_ver;
	/* While collecting: they came by index so far, and the last index;
	 * after (while ifv_ok), ifsorted: ifv is nb_if_walk's order, not
	 * sorted again (the address table's one nb_addr_walk). */
	bool		 ifsorted;
	uint32_t	 ifprev;
};

static inline bool
mw_stop(const struct mib_walk *w)
{
	return w->rc != 0 || w->done;
}

/* Enter child `name` of the current node; false: not on the way to the target. */
static inline bool
mw_enter(struct mib_walk *w, const char *name, size_t len)
{
	unsigned d = w->depth;

	if (d >= NB_SYSCTL_MAXDEPTH)
		return false;
	if (w->tab != NULL) {
		/* Above the rows: the pattern; below: only what leads to a column. */
		if (d < w->tdepth) {
			if (!nb__tab_match(w->tab, d, name, len))
				return false;
		} else if ((w->tnode[d] = nb__tab_child(w->tab,
		    d == w->tdepth ? 0 : w->tnode[d - 1], name, len)) < 0)
			return false;
	} else if (d < w->tdepth && (w->tlen[d] != len || memcmp(w->tcomp[d], name, len) != 0))
		return false;
	w->comp[d] = name;
	w->complen[d] = len;
	if (w->same > d)
		w->same = d;
	w->depth = d + 1;
	if (w->depth == w->tdepth)
		w->found = true;
	return true;
}

static inline void
mw_leave(struct mib_walk *w)
{
	if (w->depth == w->tdepth && (w->tab == NULL || w->tab->wild == 0))
		w->done = true;
	w->depth--;
}

/* Is the child to enter at this depth one named object (not a '*')? */
static inline bool
mw_named(const struct mib_walk *w)
{
	return w->depth < w->tdepth && (w->tab == NULL || (w->tab->wild >> w->depth & 1) == 0);
}

static inline bool
mw_shallow(const struct mib_walk *w)
{
	return (w->rdflags & NB_SYSCTL_RD_SHALLOW) != 0;
}

/* Report the current leaf? */
static inline bool
mw_want_leaf(const struct mib_walk *w)
{
	return w->depth >= w->tdepth && (!mw_shallow(w) || w->depth <= w->tdepth + 1);
}

/* Report the current interior node? */
static inline bool
mw_want_node(const struct mib_walk *w)
{
	if (w->depth < w->tdepth || w->depth == 0)
		return false;
	if (mw_shallow(w))
		return w->depth == w->tdepth + 1;
	return (w->rdflags & NB_SYSCTL_RD_NODES) != 0;
}

/* Look at the children of the current interior node? */
static inline bool
mw_descend(const struct mib_walk *w)
{
	return !mw_shallow(w) || w->depth <= w->tdepth;
}

static inline bool
mw_novalue(const struct mib_walk *w)
{
	return (w->rdflags & NB_SYSCTL_RD_NOVALUE) != 0;
}

/* Node flag private to the local backend (never reported): a gauge whose
 * slot holds an int64_t (NB_CTR_GAUGE_SIGNED), read as an INT. */
#define MIB_F_SIGNED	0x8000u

/* mib.c: report the current node with the value already in w->e.val. */
int	mib_emit(struct mib_walk *w, const char *descr);
/* Report the current node as an interior node (if wanted); true: descend. */
bool	mib_node(struct mib_walk *w, const char *descr);
/* Leaf helpers: fill w->e.val (nothing with RD_NOVALUE) and report. */
int	mib_leaf_int(struct mib_walk *w, const char *descr, unsigned flags, int64_t v);
int	mib_leaf_u64(struct mib_walk *w, const char *descr, unsigned flags, uint64_t v);
/* Fill w->e.val as a U64 without reporting it (the caller adds a vector,
 * then mib_emit); false with RD_NOVALUE (no value filled). */
bool	mib_val_u64(struct mib_walk *w, unsigned flags, uint64_t v);
int	mib_leaf_str(struct mib_walk *w, const char *descr, enum nb_sysctl_type type,
	    unsigned flags, const char *s);
/* A counter of a group: summed (or per-CPU with RD_PERCPU and F_PERCPU); a
 * gauge reads as its one written slot, never as a sum. */
int	mib_leaf_ctr(struct mib_walk *w, const char *descr, unsigned flags,
	    const struct nb_ctrgroup *g, unsigned idx);

/* Providers of dynamic subtrees: called with their node entered. */
/* Decimal text of v into buf (>= 21 bytes); returns the length. */
size_t	mib_utoa(uint64_t v, char *buf);
/* Text of an address / a link-layer address in w->sbuf ("" if unknown). */
const char *mib_addr_text(struct mib_walk *w, int family, const uint8_t *a);
const char *mib_lladdr_text(struct mib_walk *w, const uint8_t *a, unsigned len);
/*
 * The same text into dst (at least 3 * min(len, NB_LLADDR_MAX) + 1 bytes);
 * its length. Inline: an interface table writes one a row. mib_hex3 has
 * each byte value's two hex digits and a ':' in four bytes (a NUL after):
 * the text is one 4-byte copy a byte, 3 bytes apart.
 */
extern const char mib_hex3[256 * 4];

static inline size_t
mib_lladdr_fmt(char *dst, const uint8_t *a, unsigned len)
{
	char *p = dst;
	unsigned i;

	if (len > NB_LLADDR_MAX)
		len = NB_LLADDR_MAX;
	if (len == 6) {
		/* Ethernet's, unrolled; the NUL takes the last ':'. (The
		 * index a size_t: no sign extension of an int product.) */
		memcpy(p, &mib_hex3[(size_t)a[0] * 4], 4);
		memcpy(p + 3, &mib_hex3[(size_t)a[1] * 4], 4);
		memcpy(p + 6, &mib_hex3[(size_t)a[2] * 4], 4);
		memcpy(p + 9, &mib_hex3[(size_t)a[3] * 4], 4);
		memcpy(p + 12, &mib_hex3[(size_t)a[4] * 4], 4);
		memcpy(p + 15, &mib_hex3[(size_t)a[5] * 4], 4);
		p[17] = '\0';
		return 17;
	}
	/* Within 3 * len + 1 bytes: the last copy ends at dst + 3 * len + 1. */
	for (i = 0; i < len; i++) {
		memcpy(p, &mib_hex3[4 * a[i]], 4);
		p += 3;
	}
	if (p != dst)
		p--;	/* the last ':' */
	*p = '\0';
	return (size_t)(p - dst);
}

int	mib_interfaces(struct mib_walk *w);
/* Table mode: serve net.interfaces.* / .addrs.* straight from the objects; false: not this shape. */
bool	mib_if_table(struct mib_walk *w);
int	mib_departed(struct mib_walk *w);
int	mib_hashstat(struct mib_walk *w);
/* mib_route.c: net.route and net.neigh */
int	mib_route(struct mib_walk *w);
int	mib_neigh(struct mib_walk *w);
/* mib_bpf.c: net.bpf */
int	mib_bpf(struct mib_walk *w);
/* mib_proc.c: kern.proc; the pid a name kern.proc.<pid>... limits the scan to (0: all). */
int	mib_proc(struct mib_walk *w);
int32_t	mib_proc_scope(const char *const *comp, const size_t *lens, unsigned n);
/* mib_proc.c: kern.mount.<id>.*, the mount table. */
int	mib_mount(struct mib_walk *w);
/* mib_intr.c: kern.intr.<name>.*, the interrupt lines. */
int	mib_intr(struct mib_walk *w);
/* mib_pcb.c: net.pcb; the kinds a name net.pcb.<kind>... limits the dump to (0: all). */
int mib_pcb(struct mib_walk *w);
unsigned mib_pcb_scope(const char *const *comp, const size_t *lens, unsigned n);
/* mib_kern.c: a kernel-information leaf (kern.hostname, kern.ncpu, ...). */
int	mib_kinfo_leaf(struct mib_walk *w, const char *descr, unsigned type, int64_t i,
	    const char *s);

/* Visit child `name` (a leaf) of the current node: enter, test, leave. */
#define MIB_LEAF(w, name, expr) do {					\
	if (!mw_stop(w) && mw_enter((w), (name), sizeof(name) - 1)) {	\
		if (mw_want_leaf(w))					\
			(void)(expr);					\
		mw_leave(w);						\
	}								\
} while (0)

#endif /* SYSCTL_TREE_MIB_H */
