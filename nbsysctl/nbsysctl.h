/* SPDX-License-Identifier: BSD-2-Clause */
/* nbsysctl.h - nbsysctl internals: requests, writes, collected entries, the renderer, the shell. */
#ifndef NBSYSCTL_NBSYSCTL_H
#define NBSYSCTL_NBSYSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sysctl-tree/sysctl.h>


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
	struct nb_delta *delta; /* interval mode: nb_delta's state, with the latest list */
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
int nbs_deltas(struct nbs_list *cur, struct nbs_list *prev);
/* The value an item displays: its delta if it has one, else its value. */
const struct nb_sysctl_value *nbs_shown(const struct nbs_item *it);
/* "rw, counter, percpu" (empty string if none). */
void	nbs_flags_format(unsigned flags, char *buf, size_t size);

/* request.c: the names asked for and the loops that read them */
struct nb_common;
struct nbs_renderer;

/* A name from the command line, split once. */
struct nbs_req {
	const char	*arg;		/* as given (for messages) */
	char		**comp;
	unsigned	 ncomp;
	bool		 missing;	/* interval mode: reported missing */
};

struct nbs_reqs {
	struct nbs_req	*v;
	size_t		 n;
};

/* Split a name into *rq; a malformed name is a usage error (exits 2). */
void	nbs_req_split(const char *arg, struct nbs_req *rq);
void	nbs_reqs_add(struct nbs_reqs *rs, const char *arg);
/* A name the user gave: "" is a usage error (exits 2). */
void	nbs_req_check(const char *arg);
void	nbs_reqs_free(struct nbs_reqs *rs);
/* Report a failed read of `name` ("no such node" unless quiet). */
void	nbs_read_error(struct nb_sysctl *h, const char *name, int rc, bool quiet);
/*
 * Read every request into l, telling r of each subtree read; report the
 * failures (report_once: only the first of a run for a name). Returns the
 * exit status the failures add.
 */
int	nbs_read_all(struct nb_sysctl *h, struct nbs_reqs *rs, unsigned rdflags,
	    bool quiet, bool report_once, struct nbs_renderer *r, struct nbs_list *l);
/* --interval: counters print their delta since the previous sample. */
int	nbs_interval_loop(const struct nb_common *c, struct nb_sysctl *h,
	    struct nbs_reqs *rs, unsigned rdflags, struct nbs_renderer *r, bool quiet);

/* look.c: --plot over a replay range or interval mode; --diff T1 T2 */
struct nb_out;
int	nbs_plot_loop(const struct nb_common *c, struct nb_sysctl *h, struct nbs_reqs *rs,
	    unsigned rdflags, struct nbs_renderer *r, bool quiet);
int	nbs_diff(const struct nb_common *c, struct nbs_reqs *rs, unsigned rdflags,
	    struct nbs_renderer *r, bool quiet, struct nb_out *o);

/* write.c: -w name=value */
struct nbs_wreq {
	char		*name;		/* escaped name (copy) */
	const char	*value;
};

/*
 * Split "name=value": the name ends at the first '=' whose left side names
 * a node of h (interface names may contain '='), else at the first '='.
 * With h NULL (before the tree is open) only the syntax is checked.
 */
void	nbs_wreq_parse(struct nb_sysctl *h, const char *arg, struct nbs_wreq *w);
/* Write one node; on success l gets an item with its old and new values. */
int	nbs_write(struct nb_sysctl *h, const struct nbs_wreq *w, bool quiet,
	    struct nbs_list *l);

/* render.c: every record printed through nb_out (text or JSON) */
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

/*
 * A renderer prints one record per nbs_render_end: the items given since
 * the last one (they must stay alive until then), as text lines or as one
 * JSON document nested as the tree. Items must be read with
 * NB_SYSCTL_RD_NODES so that an empty node is an empty JSON object; text
 * skips nodes.
 */
struct nbs_renderer *nbs_renderer_create(const struct nbs_render_opts *o, FILE *fp);
void	nbs_renderer_destroy(struct nbs_renderer **rp);
/* A requested subtree was read: JSON prints a document even if it is empty. */
void	nbs_render_subtree(struct nbs_renderer *r);
void	nbs_render_items(struct nbs_renderer *r, const struct nbs_list *l);
/* End of record: print it. */
void	nbs_render_end(struct nbs_renderer *r);
/*
 * One step of interval output: turn *cur into deltas against *prev, render
 * it, then make it the new *prev (cur is left empty for the next read).
 */
void	nbs_render_step(struct nbs_renderer *r, struct nbs_list *prev, struct nbs_list *cur);

/* shell.c */
int	nbs_shell(struct nb_sysctl *h, bool percpu);

#endif /* NBSYSCTL_NBSYSCTL_H */
