/* SPDX-License-Identifier: BSD-2-Clause */
/* nbsysctl.h - nbsysctl internals: collected entries, renderers, the shell. */
#ifndef NBSYSCTL_NBSYSCTL_H
#define NBSYSCTL_NBSYSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sysctl-tree/sysctl.h>

struct json_object;

/*
 * One node read from the tree, copied out of the walk callback so that it
 * outlives the read. `val` is what was read (its str and percpu point into
 * storage owned by the item). An interval re-read fills `delta` for
 * counters; a write fills `old`.
 */
struct nbs_item {
	char		*name;		/* escaped dotted name */
	char		**comp;		/* unescaped components (one malloc block) */
	unsigned	 ncomp;
	char		*descr;
	struct nb_sysctl_value val;
	bool		 has_delta;
	struct nb_sysctl_value delta;	/* counters in interval mode (percpu owned) */
	bool		 has_old;
	struct nb_sysctl_value old;	/* writes: the value before (str owned) */
};

struct nbs_list {
	struct nbs_item	*v;
	size_t		 n, cap;
};

/* items.c */
void	nbs_list_free(struct nbs_list *l);
/* Walk comp[0..ncomp) and append every entry; returns nb_sysctl_walkv's result. */
int	nbs_collect(struct nb_sysctl *h, const char *const *comp, unsigned ncomp,
	    unsigned rdflags, struct nbs_list *l);
/* Append a leaf read with nb_sysctl_get (value copied); -errno on failure. */
int	nbs_append_value(struct nbs_list *l, const char *name,
	    const struct nb_sysctl_value *v);
/* The last item of a non-empty list. */
struct nbs_item *nbs_last(struct nbs_list *l);
/* Copy a value, duplicating its string and per-CPU storage. */
int	nbs_value_copy(struct nb_sysctl_value *dst, const struct nb_sysctl_value *src);
void	nbs_value_free(struct nb_sysctl_value *v);
/* Fill the deltas of `cur`'s counters against the same names in `prev`. */
int	nbs_deltas(struct nbs_list *cur, const struct nbs_list *prev);
/* The value an item displays: its delta if it has one, else its value. */
const struct nb_sysctl_value *nbs_shown(const struct nbs_item *it);
/* "rw, counter, percpu" (empty string if none). */
void	nbs_flags_format(unsigned flags, char *buf, size_t size);

/* render.c */
struct nbs_render_opts {
	bool	 nflag;		/* -n: value only */
	bool	 eflag;		/* -e: name=value */
	bool	 dflag;		/* -d: descriptions */
	bool	 percpu;	/* -P: print per-CPU vectors */
	bool	 quiet;		/* -q: print nothing */
	bool	 json;		/* -j */
	bool	 pretty;	/* --pretty */
	bool	 json_lines;	/* interval mode: one object per line */
};

struct nbs_renderer;

/*
 * A renderer prints one record: the subtrees read (begin_subtree, for the
 * JSON document) and the items collected from them, in order. It is chosen
 * once from the options: text, JSON or nothing (-q).
 */
struct nbs_renderer *nbs_renderer_create(const struct nbs_render_opts *o, FILE *fp);
void	nbs_renderer_destroy(struct nbs_renderer **rp);
/* A requested subtree (escaped name; "" = root) read with rdflags. */
int	nbs_render_subtree(struct nbs_renderer *r, struct nb_sysctl *h,
	    const char *const *comp, unsigned ncomp, unsigned rdflags);
void	nbs_render_items(struct nbs_renderer *r, const struct nbs_list *l);
/* End of record: JSON prints the document. */
void	nbs_render_end(struct nbs_renderer *r);
/*
 * One step of interval output: turn *cur into deltas against *prev, render
 * it, then make it the new *prev (cur is left empty for the next read).
 */
void	nbs_render_step(struct nbs_renderer *r, struct nbs_list *prev, struct nbs_list *cur);

/* shell.c */
int	nbs_shell(struct nb_sysctl *h, bool percpu);

#endif /* NBSYSCTL_NBSYSCTL_H */
