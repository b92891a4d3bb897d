/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_proc.h - private: the linux source's procfs readers (snmp, softnet, stat, vm). */
#ifndef NBSTACK_SOURCE_LINUX_PROC_H
#define NBSTACK_SOURCE_LINUX_PROC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nbstack/stack.h"

/* Families the procfs readers provide. */
#define LX_PROC_FAMS	(NB_FAM_PROTO | NB_FAM_SOFTNET | NB_FAM_CPU | NB_FAM_VM | NB_FAM_MCAST | \
	    NB_FAM_INTR)

#define LX_PROC_ERRLEN	(PATH_MAX + 256)
#define LX_PROC_MIBLEN	128
#define LX_PROC_NAMELEN	64		/* a counter name (MIB component) */
#define LX_PROC_MAXFILE	(16u << 20)	/* larger is not a procfs file we know */
#define LX_PROC_MAXCPU	65536		/* slots of a per-CPU group */

struct lx_proc;

/* --- the interface source_linux.c uses --- */

/* Allocate the state; `root` NULL or "" means "/". Loads nothing. */
int	lx_proc_init(struct lx_proc **pp, struct nb_stack *st, const char *root);
void	lx_proc_free(struct lx_proc **pp);
/*
 * Re-read the files of the families in `fams` (LX_PROC_FAMS bits) and store
 * their values. Every file is read even if an earlier one failed; the first
 * error is returned and its detail is in lx_proc_error().
 */
int	lx_proc_refresh(struct lx_proc *p, unsigned fams);
const char *lx_proc_error(const struct lx_proc *p);

/*
 * The one seam of every procfs/sysfs read: open ROOT/rel read-only
 * (rel without a leading '/', e.g. "proc/net/snmp"). The joined path is
 * written to path (for error details). Returns an fd or -errno; -EINVAL
 * when it is neither a regular file nor a directory (a fifo in a fixture
 * root is refused, never waited on).
 */
int	nb_lx_proc_open(const char *root, const char *rel, char *path, size_t size);

/* --- shared by the source_linux_proc*.c files --- */

/* One counter of a staged group: its kernel spelling and its kind. */
struct lx_field {
	const char	*orig;		/* token in the file buffer, or a literal */
	const char	*descr;		/* NULL: made from group, orig and file */
	uint8_t		 kind;		/* enum nb_ctr_kind */
};

/*
 * A statgroup parsed from one file, before it is published: all of a file
 * is parsed and checked before any value is stored, so a malformed file
 * changes nothing.
 */
struct lx_stage {
	char		 mib[LX_PROC_MIBLEN];
	const char	*gname;		/* kernel group name for descriptions, or "" */
	unsigned	 flags;		/* NB_SG_* */
	struct lx_field	*f;
	unsigned	 n, fcap;
	uint64_t	*v;		/* v[slot * n + i] */
	unsigned	 nslots;
	size_t		 vcap;
};

/* Parsers (source_linux_proc_net.c, source_linux_proc_kern.c). */
int	lx_proc_snmp(struct lx_proc *p, const char *rel);	/* snmp, netstat */
int	lx_proc_snmp6(struct lx_proc *p);
int	lx_proc_softnet(struct lx_proc *p);
int	lx_proc_stat(struct lx_proc *p);
int	lx_proc_meminfo(struct lx_proc *p);
int	lx_proc_vmstat(struct lx_proc *p);
int	lx_proc_ident(struct lx_proc *p);
int	lx_proc_mcast(struct lx_proc *p);	/* source_linux_proc_mcast.c */
/* /proc/interrupts, published whole (source_linux_proc_intr.c). */
int	lx_proc_interrupts(struct lx_proc *p);

/* Helpers (source_linux_proc.c). */
struct nb_stack *lx_proc_stack(struct lx_proc *p);
const char *lx_proc_path(const struct lx_proc *p);
/* The root override as given (NULL or "" = "/"). */
const char *lx_proc_root(const struct lx_proc *p);
/* Read ROOT/rel whole into the reused buffer and start its lines. */
int	lx_proc_read(struct lx_proc *p, const char *rel);
/* The same for a file that may be empty (a list with nothing in it). */
int	lx_proc_read_empty_ok(struct lx_proc *p, const char *rel);
/* The whole file (NUL-terminated, no NUL inside) and its length. */
char	*lx_proc_text(struct lx_proc *p, size_t *len);
/*
 * Next line, NUL-terminated in place, split into blank-separated tokens
 * (*tokp, *ntokp; valid until the next call). 0 at the end of the file,
 * 1 for a line, -EINVAL (detail set) for a last line without its newline.
 */
int	lx_proc_line(struct lx_proc *p, char ***tokp, unsigned *ntokp);
unsigned lx_proc_lineno(const struct lx_proc *p);
/* Set the detail "PATH: line N: ..." (lineno 0: "PATH: ..."); returns err. */
int	lx_proc_err(struct lx_proc *p, int err, unsigned lineno, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
/* Strict numbers: decimal digits (neg_ok: an optional '-', stored as the
 * int64_t's bits); hexadecimal digits. -EINVAL / -ERANGE. */
int	lx_dec(const char *s, bool neg_ok, uint64_t *out);
int	lx_hex(const char *s, uint64_t *out);
/* Kernel field name to MIB component: lower case; with paren, "(" -> "_"
 * and ")" dropped (meminfo). -EINVAL if the result is not [a-z0-9_]+. */
int	lx_mapname(const char *orig, bool paren, char *out, size_t size);

/* Staging: start a file; find or add a group; add a field (single-slot
 * groups: with its value); the value row of a slot (groups with fixed
 * fields; grows nslots, new rows zero). */
void	lx_stage_reset(struct lx_proc *p);
struct lx_stage *lx_stage_group(struct lx_proc *p, const char *mib, const char *gname,
	    unsigned flags, bool *created);
int	lx_stage_field(struct lx_proc *p, struct lx_stage *s, const char *orig,
	    const char *descr, enum nb_ctr_kind kind, uint64_t v);
uint64_t *lx_stage_slot(struct lx_proc *p, struct lx_stage *s, unsigned slot);
/* Publish every staged group of the file (register or check its fields,
 * then store); names map with lx_mapname(paren). */
int	lx_stage_commit(struct lx_proc *p, bool paren);

#endif
