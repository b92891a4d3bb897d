/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nbhistory/history.h - the history store: samples of named, typed values
 * appended to one SQLite file (a writer) and read back as they stood at a
 * sample (a reader). sysctl-tree builds its recording hook and its REPLAY
 * backend on this; the tools never call it except for listing samples.
 *
 * The store knows nothing of the MIB beyond what an entry carries: an
 * escaped dotted name, a type and flags (the nb_sysctl_* numbers), a
 * description, and a value (a 64-bit integer, or a byte string). Interior
 * nodes are entries without a value. Entries keep the order they were added
 * in, so a reader gives them back in the order a live walk produced them.
 *
 * Functions return 0 or a negative errno and never print or exit. The
 * detail of the last error is in nbh_writer_error()/nbh_reader_error(), and
 * for a failed open in the caller's err buffer. A writer or a reader is used
 * by one thread at a time; any number of readers (processes) run while one
 * writer appends (WAL). Schema and layout: docs/history.md.
 *
 * SQLite is not linked: the first open (writer or reader) loads
 * libsqlite3.so.0 with dlopen(). Where it cannot be loaded every open
 * fails with NBH_ENOSQLITE and err holds "cannot load libsqlite3.so.0:
 * <dlerror()>".
 */
#ifndef NBHISTORY_HISTORY_H
#define NBHISTORY_HISTORY_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* PRAGMA application_id of every history file: "nbsh". */
#define NBH_APPLICATION_ID	0x6e627368

/* Distinct errors of open/seek (besides the open(2) ones: -ENOENT, -EACCES, -EISDIR). */
#define NBH_ENOTDB	(-EMEDIUMTYPE)	/* not an SQLite database */
#define NBH_EFOREIGN	(-ENOMSG)	/* an SQLite database of another program */
#define NBH_ENEWER	(-ENOTSUP)	/* written by a newer nbstat (schema version) */
#define NBH_ECORRUPT	(-EUCLEAN)	/* damaged database or sample */
#define NBH_EBEFORE	(-ERANGE)	/* the time is before the first sample */
#define NBH_EEMPTY	(-ENODATA)	/* no sample recorded yet */
#define NBH_ELOCKED	(-EBUSY)	/* another recorder is writing the file */
#define NBH_ENOSQLITE	(-ELIBACC)	/* libsqlite3.so.0 cannot be loaded (dlopen) */

struct nbh_writer;
struct nbh_reader;

/* What a sample row says besides its values. */
struct nbh_sample_info {
	int64_t		 id;		/* sample number (reader) */
	int64_t		 t_ns;		/* realtime of the sample */
	const char	*source;	/* "linux", "sim", ... */
	int64_t		 boottime_ns;	/* realtime of the boot (reboot detection) */
	uint32_t	 nobjects;	/* interior nodes (objects) recorded */
	uint32_t	 nvalues;	/* leaves recorded */
	size_t		 bytes;		/* encoded size of the values (reader) */
};

/* ---- writer ---- */

struct nbh_writer_opts {
	unsigned	 keyframe_every;	/* a full sample every N (0 = 60) */
	int64_t		 retain_ns;		/* prune older samples (0 = keep all) */
};

/*
 * nbh_writer_open - open (creating it if needed) the history file at `path`
 * for appending: WAL mode, schema created or migrated to the current
 * version. A second writer on the same file gets NBH_ELOCKED (an exclusive
 * flock on "path.lock", released by the kernel if the writer dies). On
 * failure err (if not NULL) holds one line of detail.
 */
int	nbh_writer_open(const char *path, const struct nbh_writer_opts *opts,
	    struct nbh_writer **out, char *err, size_t errlen);
void	nbh_writer_close(struct nbh_writer **wp);
const char *nbh_writer_error(const struct nbh_writer *w);

/*
 * Add one entry to the sample being built. The first add opens the write
 * transaction. type/flags are enum nb_sysctl_type / NB_SYSCTL_F_*; a NODE
 * (type 1) has no value; STRING/ADDRESS use str/slen, the others v (U64
 * values as their bit pattern). A name already added to this sample is
 * ignored. Strings must not contain NUL.
 */
int	nbh_writer_add(struct nbh_writer *w, const char *name, size_t namelen,
	    unsigned type, unsigned flags, const char *descr, int64_t v,
	    const char *str, size_t slen);
/*
 * Adding by id, for a caller that adds the same names sample after sample:
 * nbh_writer_add_get_id() is nbh_writer_add() that also sets *idp to the
 * id of the name (with its type, flags and description); nbh_writer_add_id()
 * adds a value under such an id without the name. An id is valid while
 * nbh_writer_epoch() returns what it returned when the id was given: a
 * failed sample (rolled back) starts a new epoch, and nbh_writer_add_id()
 * with an older epoch adds nothing and returns -ESTALE (add by name again).
 */
int	nbh_writer_add_get_id(struct nbh_writer *w, const char *name, size_t namelen,
	    unsigned type, unsigned flags, const char *descr, int64_t v,
	    const char *str, size_t slen, uint32_t *idp);
int	nbh_writer_add_id(struct nbh_writer *w, uint64_t epoch, uint32_t id, int64_t v,
	    const char *str, size_t slen);
/* n values by id at once (ids[i] gets v[i]); not for STRING/ADDRESS names (-EINVAL). */
int	nbh_writer_add_ids(struct nbh_writer *w, uint64_t epoch, const uint32_t *ids,
	    const int64_t *v, size_t n);
uint64_t nbh_writer_epoch(const struct nbh_writer *w);
/* Write the sample built by the adds as one transaction (nothing if empty). */
int	nbh_writer_commit(struct nbh_writer *w, const struct nbh_sample_info *si);
/* Drop the sample being built. */
void	nbh_writer_abort(struct nbh_writer *w);
/*
 * Retention: from now on each commit deletes the samples older than its
 * time minus retain_ns (0: keep everything) that no kept sample decodes
 * from (pruning goes by keyframe: a sample older than that is kept while
 * a newer one still needs its keyframe), and gives back at most a bounded
 * number of free pages to the file system (auto_vacuum=INCREMENTAL). A file
 * made before incremental auto-vacuum is converted once here (VACUUM).
 */
int	nbh_writer_set_retain(struct nbh_writer *w, int64_t retain_ns);

/*
 * Events (schema 6): what changed between samples, each with its own time.
 * Strings are NUL-terminated; object is the interface's name ("" none).
 */
struct nbh_event {
	int64_t		 t_ns;
	const char	*object;
	uint32_t	 ifindex;
	const char	*what;		/* "link down", "address added", ... */
	const char	*detail;	/* "" none */
};

/*
 * Append n events: inside the sample being built if one is (they are
 * then written, or dropped, with it), else as one transaction of their
 * own. Retention prunes them with the samples, by time.
 */
int	nbh_writer_events(struct nbh_writer *w, const struct nbh_event *ev, size_t n);

/* ---- reader ---- */

/* One entry of the current sample. Valid until the reader moves. */
struct nbh_entry {
	uint32_t	 name_id;	/* stable for the reader's life */
	const char	*name;		/* escaped dotted name */
	size_t		 namelen;
	unsigned	 type;
	unsigned	 flags;
	const char	*descr;
	int64_t		 v;		/* INT, U64 (bit pattern), BOOL */
	const char	*str;		/* STRING, ADDRESS; NULL otherwise */
	size_t		 slen;
};

/* Open read-only; nothing in the file is changed. */
int	nbh_reader_open(const char *path, struct nbh_reader **out, char *err, size_t errlen);
void	nbh_reader_close(struct nbh_reader **rp);
const char *nbh_reader_error(const struct nbh_reader *r);

/*
 * Position on the last sample at or before t_ns (INT64_MAX: the last one);
 * with `at_or_after`, on the first sample at or after t_ns. NBH_EBEFORE,
 * NBH_EEMPTY, or -ENOENT (at_or_after: nothing that late).
 */
int	nbh_reader_seek(struct nbh_reader *r, int64_t t_ns, bool at_or_after);
/* Move to the next sample; -ENOENT past the last. */
int	nbh_reader_next(struct nbh_reader *r);
/* The current sample. */
int	nbh_reader_info(const struct nbh_reader *r, struct nbh_sample_info *si);
const struct nbh_entry *nbh_reader_entries(const struct nbh_reader *r, size_t *n);
/* Time of the first and last samples (NBH_EEMPTY if none). */
int	nbh_reader_span(struct nbh_reader *r, int64_t *first_ns, int64_t *last_ns);

/*
 * Progress of long reader operations (a seek's decode from its keyframe,
 * nbh_reader_list): fn(done, total, arg) with done < total while running,
 * then once done == total when the operation ends (also on error). One
 * hook for the process (set it before the readers that use it are
 * opened; a reader keeps the hook it was opened with); NULL: none. The
 * library prints nothing itself: a tool shows it (on a terminal).
 */
typedef void (*nbh_progress_fn)(uint64_t done, uint64_t total, void *arg);
void	nbh_set_progress(nbh_progress_fn fn, void *arg);

/*
 * The events with from_ns <= t_ns <= to_ns, in the order they happened; a
 * non-zero cb return stops and is returned. -ENOENT: the file has no event
 * log (written before schema 6); NBH_ECORRUPT: a row's checksum is wrong.
 */
typedef int (*nbh_event_fn)(const struct nbh_event *ev, void *arg);
int	nbh_reader_events(struct nbh_reader *r, int64_t from_ns, int64_t to_ns, nbh_event_fn cb,
	    void *arg);

/* Every sample, oldest first; a non-zero cb return stops and is returned. */
typedef int (*nbh_list_fn)(const struct nbh_sample_info *si, void *arg);
int	nbh_reader_list(struct nbh_reader *r, nbh_list_fn cb, void *arg);

#ifdef __cplusplus
}
#endif
#endif /* NBHISTORY_HISTORY_H */
