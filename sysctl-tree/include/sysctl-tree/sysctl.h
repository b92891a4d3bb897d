/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sysctl-tree/sysctl.h - the MIB namespace over libstack, read through a
 * handle whose backend is local (a stack in this process), remote (nbstatd
 * over a Unix socket) or replay (history in SQLite). Tools read only this.
 *
 * Names are dotted components; a component containing '.' or '\' escapes
 * them with a backslash ("net.interfaces.br\.lan.mtu"). Components are
 * byte strings (no NUL), so every legal Linux interface name round-trips.
 *
 * Functions return 0 or a negative errno and never print or exit. A handle
 * is used by one thread at a time.
 */
#ifndef SYSCTL_TREE_SYSCTL_H
#define SYSCTL_TREE_SYSCTL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct json_object;
struct nb_sysctl;
struct nb_stack;
struct nb_source;

#define NB_SYSCTL_MAXDEPTH	12	/* CTL_MAXNAME */
#define NB_SYSCTL_NAMEMAX	1024	/* longest escaped dotted name */

/* Types (NetBSD CTLTYPE_* numbers where NetBSD has them). */
enum nb_sysctl_type {
	NB_SYSCTL_NODE = 1,
	NB_SYSCTL_INT = 2,		/* int64_t */
	NB_SYSCTL_STRING = 3,
	NB_SYSCTL_U64 = 4,
	NB_SYSCTL_BOOL = 6,
	NB_SYSCTL_ADDRESS = 7,		/* printable address string ("10.0.0.1", "fe80::1", MAC) */
	NB_SYSCTL_INADDR = 8,		/* table column storage only, never a leaf's type:
					   an address leaf as struct nb_sysctl_inaddr */
};

/* Node flags. */
#define NB_SYSCTL_F_WRITABLE	0x0001u
#define NB_SYSCTL_F_COUNTER	0x0002u	/* monotonic; deltas make sense */
#define NB_SYSCTL_F_GAUGE	0x0004u	/* a level; never summed */
#define NB_SYSCTL_F_PERCPU	0x0008u	/* has a per-CPU vector */
#define NB_SYSCTL_F_PRIVILEGED	0x0010u	/* hidden from the unprivileged */

struct nb_sysctl_value {
	enum nb_sysctl_type type;
	unsigned	 flags;
	union {
		int64_t	 i;
		uint64_t u;
		bool	 b;
	};
	const char	*str;		/* STRING / ADDRESS, NUL-terminated */
	size_t		 len;		/* strlen(str) */
	/* With NB_SYSCTL_RD_PERCPU on a per-CPU leaf: the vector, taken in the
	 * same pass as the sum in .u. NULL otherwise. */
	const uint64_t	*percpu;
	unsigned	 ncpu;
};

/* One node as seen by a walk. Valid only during the callback. */
struct nb_sysctl_entry {
	const char *const *comp;	/* unescaped components, root first */
	const size_t	*complen;	/* their lengths */
	unsigned	 ncomp;
	const char	*descr;		/* one line, never NULL */
	struct nb_sysctl_value val;	/* .type NODE for interior nodes */
	unsigned	 same;		/* comp[0..same) are those of the previous entry
					   of this walk, same text (a hint: the walk may
					   say less, 0 when it does not know) */
};

/* Read flags for walk/get. */
#define NB_SYSCTL_RD_PERCPU	0x01u	/* fill per-CPU vectors */
#define NB_SYSCTL_RD_NODES	0x02u	/* also call back for interior nodes (pre-order,
					   the named node included, the root never) */
#define NB_SYSCTL_RD_NOVALUE	0x04u	/* names, types, flags, descriptions only */
#define NB_SYSCTL_RD_SHALLOW	0x08u	/* only the immediate children of the name, the
					   interior ones as NODE entries (a leaf name:
					   the leaf itself) */
#define NB_SYSCTL_RD_NOMCAST	0x10u	/* leave out net.interfaces.<if>.mcast: the
					   memberships cost a procfs scan of every
					   interface (/proc/net/igmp*, quadratic in
					   the kernel), which an interface table
					   without them (netstat -i) need not pay */
#define NB_SYSCTL_RD_NOPCBX 0x40u /* net.pcb without the owners (pid, comm) and
					   TCP details (rtt ...): they cost a scan of
					   every process's descriptors, which a plain
					   socket list (netstat -an) need not pay */

/* ---- handles ---- */

enum nb_sysctl_backend {
	NB_SYSCTL_LOCAL = 0,		/* a stack in this process fed by a source */
	NB_SYSCTL_REMOTE,		/* nbstatd's Unix socket */
	NB_SYSCTL_REPLAY,		/* SQLite history */
};

/*
 * Progress of a long history read (opening a big file, listing it):
 * fn(done, total, arg) with done < total while it runs, then once with
 * done == total when it ends (also on error).
 */
typedef void (*nb_sysctl_progress_fn)(uint64_t done, uint64_t total, void *arg);

struct nb_sysctl_opts {
	enum nb_sysctl_backend backend;
	const char	*source;	/* LOCAL: "linux" (default) or "sim" */
	const char	*source_args;	/* LOCAL: source-specific options */
	const char	*root;		/* LOCAL: procfs/sysfs root override */
	/*
	 * LOCAL: follow the kernel's events where the source can (linux), for
	 * callers that read more than once: an interface deleted between two
	 * samples then shows in net.interfaces_departed with its final
	 * counters, and links and addresses are not re-dumped every sample.
	 */
	bool		 follow_events;
	const char	*socket_path;	/* REMOTE */
	const char	*replay_path;	/* REPLAY */
	int64_t		 replay_at_ns;	/* REPLAY: realtime ns; INT64_MAX = last sample */
	int64_t		 replay_to_ns;	/* REPLAY range end (interval mode); 0 = none */
	nb_sysctl_progress_fn progress;	/* REPLAY: reads of this handle; NULL = none */
	void		*progress_arg;
};

/*
 * nb_sysctl_open - make a handle. LOCAL creates a stack and opens the
 * source; data is loaded lazily by the first read of each subtree; when
 * the source cannot open and says why ("sim: cannot load libpcap..."),
 * *out is a handle that only carries nb_sysctl_errdetail() (close it).
 * Registers the calling thread as an RCU reader. REPLAY opens the history
 * file at the last sample at or before replay_at_ns (with replay_to_ns: at
 * the first sample at or after it); on failure *out may be a handle that
 * only carries nb_sysctl_errdetail() (close it), and on success a time
 * after the last sample leaves a notice there. Errors of the history file
 * (docs/history.md): -EMEDIUMTYPE (not an SQLite database), -ENOMSG (a
 * database of another program), -ENOTSUP (written by a newer nbstat),
 * -EUCLEAN (damaged), -ERANGE (the time is before the first sample),
 * -ENODATA (no sample recorded yet), else -errno.
 */
int	nb_sysctl_open(const struct nb_sysctl_opts *opts, struct nb_sysctl **out);
void	nb_sysctl_close(struct nb_sysctl **hp);

/*
 * nb_sysctl_open_stack - a LOCAL handle over a stack the caller owns and
 * fills (tests, the daemon, the sim), with `src` (may be NULL: no source;
 * the stack is read as it is). The caller destroys the stack after closing.
 */
int	nb_sysctl_open_stack(struct nb_stack *st, struct nb_source *src, struct nb_sysctl **out);

/*
 * nb_sysctl_sample - take a new sample: LOCAL re-reads the kernel on the next
 * read of each subtree, REMOTE asks the daemon, REPLAY moves to the next
 * recorded sample (-ENOENT past the end). The first sample is implicit.
 */
int	nb_sysctl_sample(struct nb_sysctl *h);

/* Realtime (ns) at which the current sample was taken. */
int64_t	nb_sysctl_sample_time(const struct nb_sysctl *h);

/*
 * nb_sysctl_open_peer - LOCAL only (-EINVAL otherwise): a second handle
 * over h's stack and source, for another thread (nbstatd's server); it
 * owns neither and is closed before h. Each handle loads a family once per
 * its own sample. A source takes one refresh at a time: the caller
 * serialises the reads, writes and samples of h and its peers.
 */
int nb_sysctl_open_peer(struct nb_sysctl *h, struct nb_sysctl **out);

/*
 * nb_sysctl_open_peer_locked - a peer for a thread that reads while h and
 * its other peers are used by other threads: it takes `lock` (the one the
 * caller holds around every use of h) only for its source refreshes and
 * writes, and reads with it released; reads of process files and sockets,
 * whose refresh replaces what a read in progress sees, are serialised
 * among h's locked peers (load and walk). Its samples are shared with h's
 * other locked peers (a refresh serves all of them until the next
 * nb_sysctl_sample of any). Closed before h.
 */
int nb_sysctl_open_peer_locked(struct nb_sysctl *h, pthread_mutex_t *lock,
    struct nb_sysctl **out);

/* LOCAL only: the stack behind the handle (tests, daemon); NULL otherwise. */
struct nb_stack *nb_sysctl_stack(struct nb_sysctl *h);

/*
 * Human-readable detail of the last error, or "" (e.g. "netlink: ...").
 * A walk's -ENOENT with a detail set is a source error (a file missing
 * under --root), not a missing node.
 */
const char *nb_sysctl_errdetail(const struct nb_sysctl *h);
/*
 * A notice of the source about what it could not read though a read
 * asked for it (LOCAL, linux under a root without sysfs: "ROOT/sys/class/
 * net: absent: ..."), the first one of the handle's life, or "". The
 * values concerned are absent from the tree. Libraries report, the tool
 * prints it (once).
 */
const char *nb_sysctl_notice(const struct nb_sysctl *h);

/* One recorded sample, as nb_sysctl_replay_list reports it. */
struct nb_sysctl_sample_info {
	int64_t		 t_ns;		/* realtime of the sample */
	const char	*source;	/* "linux", "sim", ... (valid during the callback) */
	uint64_t	 nobjects;	/* interior nodes recorded */
	uint64_t	 nvalues;	/* leaves recorded */
	uint64_t	 bytes;		/* encoded size of the values */
};
typedef int (*nb_sysctl_list_fn)(const struct nb_sysctl_sample_info *si, void *arg);

/*
 * nb_sysctl_replay_list - every sample of the history file at `path`,
 * oldest first (--replay FILE --list). A non-zero cb return stops and is
 * returned. progress (may be NULL) as nb_sysctl_opts.progress. Errors of
 * the history file (docs/history.md), with one line of detail in err
 * (if not NULL).
 */
int	nb_sysctl_replay_list(const char *path, nb_sysctl_progress_fn progress,
	    void *progress_arg, nb_sysctl_list_fn cb, void *arg, char *err, size_t errsize);

/* ---- history ---- */

/*
 * nb_sysctl_record_open - record what this handle reads into the history
 * file at `path` (created if needed; docs/history.md). Every subtree read
 * with values (walk, get, json; not RD_NOVALUE or RD_SHALLOW) during one
 * sample is written as one sample when the next sample begins
 * (nb_sysctl_sample), at nb_sysctl_record_commit(), or at close. `source`
 * labels the samples ("linux"; NULL: the backend's name). A second
 * recorder on the file gets -EBUSY; other errors are the history file's
 * as for nb_sysctl_open's REPLAY, with nb_sysctl_errdetail() set.
 */
int	nb_sysctl_record_open(struct nb_sysctl *h, const char *path, const char *source);
/*
 * nb_sysctl_record_defaults - the default recorded set (nbsysctl --record,
 * nbstatd), which covers every tool mode's replay: each top-level node but
 * libstack's own "stack", and of kern and net each child but kern.proc and
 * net.pcb (recorded only when named). *out holds escaped names; free
 * it with nb_sysctl_record_defaults_free. 0 or the walk's error.
 */
int nb_sysctl_record_defaults(struct nb_sysctl *h, char ***out, size_t *nout);
void nb_sysctl_record_defaults_free(char **v, size_t n);
/*
 * Events: while a LOCAL handle records, the changes its stack applies
 * between samples (links up/down and carrier, interfaces created, deleted
 * or renamed, addresses and routes added or removed, neighbours' states,
 * capture descriptors opened or closed) are written with the samples, each
 * with its own time (with follow_events: when the kernel's event came).
 * The log starts once the first sample is written and what is logged
 * after the last sample is written at close.
 */
struct nb_sysctl_event {
	int64_t		 t_ns;		/* realtime of the change */
	const char	*object;	/* the interface's name then; "" none (raw bytes) */
	uint32_t	 ifindex;	/* 0: none */
	const char	*what;		/* "link down", "address added", ... */
	const char	*detail;	/* "10.0.0.1/24", "from eth1", ...; "" none */
};
typedef int (*nb_sysctl_event_fn)(const struct nb_sysctl_event *ev, void *arg);
/*
 * nb_sysctl_events - REPLAY: the recorded events with from_ns <= t_ns <=
 * to_ns, oldest first; a non-zero cb return stops and is returned.
 * -ENOENT: the file holds no event log (recorded by an older nbstat; the
 * detail says so); -EOPNOTSUPP: not a replay handle.
 */
int	nb_sysctl_events(struct nb_sysctl *h, int64_t from_ns, int64_t to_ns,
	    nb_sysctl_event_fn cb, void *arg);
/* Write the sample read so far now (nothing if nothing was read or not recording). */
int	nb_sysctl_record_commit(struct nb_sysctl *h);
/*
 * Retention of the recording: each sample written deletes the samples older
 * than its time minus retain_ns (0: keep all) and gives free pages back
 * (nbh_writer_set_retain). -EINVAL if not recording.
 */
int	nb_sysctl_record_retain(struct nb_sysctl *h, int64_t retain_ns);

/* ---- serving a tree (nbstatd; docs/protocol.md) ---- */

/* Who asks, from SO_PEERCRED. */
struct nb_sysctl_peer {
	uint32_t uid;
	int32_t pid;
	bool may_write; /* root or the socket's owner */
};
#define NB_SYSCTL_WIRE_MAXREQ 8192 /* longest request frame (payload bytes) */
/* One response frame's payload; a non-zero return stops the response. */
typedef int (*nb_sysctl_emit_fn)(const void *buf, size_t len, void *arg);
/*
 * nb_sysctl_serve - answer one request frame's payload (req[0..len)) on a
 * LOCAL handle: frames through emit, the last one END with the status
 * (-EPERM for a write from a peer without may_write; another user's
 * process files are left out of walks for a peer that is not root).
 * Returns 0 when answered, -EPROTO when the request is malformed (nothing
 * was emitted: drop the client), or emit's error. A write fills note
 * (may be NULL) with one line for the log: name, value, uid, pid, result.
 */
int nb_sysctl_serve(struct nb_sysctl *h, const struct nb_sysctl_peer *peer, const void *req,
    size_t len, nb_sysctl_emit_fn emit, void *arg, char *note, size_t notelen);

/* ---- reading ---- */

typedef int (*nb_sysctl_walk_fn)(const struct nb_sysctl_entry *e, void *arg);

/*
 * nb_sysctl_walk - call cb for every leaf at or under `name` (NULL or "" =
 * the root), in tree order (children sorted as the subtree defines: numeric
 * objects by number, static nodes by declaration). A local walk runs in one
 * read section, so it sees a consistent object graph; cb must not block.
 * A non-zero cb return stops the walk and is returned.
 * -ENOENT: no such node; -EINVAL: malformed name; -ENAMETOOLONG;
 * -EBUSY: called from inside a callback on the same handle. A source error
 * while loading is returned as is, with nb_sysctl_errdetail() set.
 * Entry components are NUL-terminated as well as counted.
 */
int	nb_sysctl_walk(struct nb_sysctl *h, const char *name, unsigned rdflags,
	    nb_sysctl_walk_fn cb, void *arg);

/* Same, with the name already split (unescaped components). */
int	nb_sysctl_walkv(struct nb_sysctl *h, const char *const *comp, unsigned ncomp,
	    unsigned rdflags, nb_sysctl_walk_fn cb, void *arg);

/*
 * nb_sysctl_get - read one leaf. String/percpu storage in *out belongs to
 * the handle and stays valid until the next call on the handle.
 * -EISDIR if name is an interior node.
 */
int	nb_sysctl_get(struct nb_sysctl *h, const char *name, unsigned rdflags,
	    struct nb_sysctl_value *out);

/*
 * nb_sysctl_write - set a writable leaf from its text form.
 * -EPERM: read-only node (or not allowed); -EINVAL: bad value;
 * -ENOENT: no such node; -EISDIR: interior node.
 */
int	nb_sysctl_write(struct nb_sysctl *h, const char *name, const char *value);

/*
 * nb_sysctl_json - the subtree at `name` as a json-c object nested from the
 * root exactly as the tree ({"net":{"interfaces":{"lo":{"mtu":65536}}}}).
 * Per-CPU leaves become {"total": N, "percpu": [...]} with RD_PERCPU.
 * The caller owns *out (json_object_put).
 */
int	nb_sysctl_json(struct nb_sysctl *h, const char *name, unsigned rdflags,
	    struct json_object **out);

/* ---- tables ---- */

/*
 * A table read gives the objects of a subtree as caller rows: one row per
 * object matched by a pattern, one column per leaf the caller names. The
 * pattern is a dotted name whose '*' components match any one component
 * ("net.interfaces.*", "net.interfaces.*.addrs.*", "net.bpf.peers.*",
 * "kern.proc.*.fd.*"); each object at the pattern's depth is a row. A
 * pattern without '*' names one object (one row; -ENOENT if it does not
 * exist). With '*' and nothing there, the table is empty (0); a source
 * error stays an error (-ENOENT too: a file missing under --root), with
 * nb_sysctl_errdetail() set.
 *
 * A column names a leaf relative to the row ("mtu", "stats.ipackets") and
 * where its value goes in the row:
 *   NB_SYSCTL_INT      int64_t      (a U64 or BOOL leaf converted)
 *   NB_SYSCTL_U64      uint64_t     (an INT or BOOL leaf converted)
 *   NB_SYSCTL_BOOL     bool
 *   NB_SYSCTL_STRING,
 *   NB_SYSCTL_ADDRESS  char[size]   (NUL-terminated, cut to size - 1 bytes;
 *                                    a number leaf is written as its text)
 *   NB_SYSCTL_INADDR   struct nb_sysctl_inaddr (size ignored): the leaf's
 *                                    text as a char[NB_SYSCTL_INADDR_TEXT]
 *                                    column holds it, its length, and where
 *                                    the text is an IPv4 or IPv6 address
 *                                    (nb_sysctl_pton's), its family and
 *                                    bytes: an address to compute with
 *                                    (mask, compare) without parsing it
 * A row holds zeros where its object has no such leaf; the row's present
 * mask says which columns were found (nb_sysctl_row_has; at most
 * NB_SYSCTL_TABLE_MAXCOLS columns).
 *
 * Identity: each row has the components its pattern's '*'s matched (its
 * keys: "eth0"; "eth0","3"), and index/generation where the object has
 * them: its "index" and "gen" leaves (interfaces), else index is its last
 * key read as a decimal number (addresses, routes, peers, CPUs) and gen 0;
 * -1 when neither.
 *
 * With NB_SYSCTL_RD_PERCPU each per-CPU column also gets its vector
 * (nb_sysctl_table_percpu). A backend serves tables natively where it can
 * (local: straight from libstack's objects in one read section; replay:
 * from its decoded sample); otherwise, and while recording, the handle
 * reads them through a walk (the same rows).
 */
#define NB_SYSCTL_TABLE_MAXCOLS	256
#define NB_SYSCTL_TABLE_MAXKEYS	4

#define NB_SYSCTL_RD_WALKED	0x20u	/* tables: read through the generic walk even
					   where the backend has a native reader (tests) */

struct nb_sysctl_column {
	const char	*leaf;		/* relative to the row: "mtu", "stats.ipackets" */
	enum nb_sysctl_type type;	/* storage in the row (above) */
	size_t		 offset;	/* of the field in the row */
	size_t		 size;		/* STRING / ADDRESS: bytes at offset; else 0 */
};

/* An NB_SYSCTL_INADDR column's storage (64 bytes, no padding). */
#define NB_SYSCTL_INADDR_TEXT	46	/* INET6_ADDRSTRLEN: any IPv6 text and its NUL */
struct nb_sysctl_inaddr {
	char		 text[NB_SYSCTL_INADDR_TEXT];	/* NUL-terminated, cut to 45 bytes */
	uint8_t		 len;		/* strlen(text) */
	uint8_t		 family;	/* AF_INET, AF_INET6, or 0: the text is no IP
					   address (a MAC, a number leaf) */
	uint8_t		 addr[16];	/* network order (AF_INET: 4 bytes), then zeros */
};

struct nb_sysctl_rowid {
	const char	*key[NB_SYSCTL_TABLE_MAXKEYS];	/* unescaped, NUL-terminated */
	unsigned	 nkey;
	int64_t		 index;		/* "index" leaf, else numeric last key, else -1 */
	uint64_t	 gen;		/* "gen" leaf, else 0 */
	uint64_t	 present[NB_SYSCTL_TABLE_MAXCOLS / 64];	/* bit c: column c was found */
};

/* Whether row identity `id` has column c (nb_sysctl_rowid.present). */
static inline bool
nb_sysctl_row_has(const struct nb_sysctl_rowid *id, unsigned c)
{
	return c < NB_SYSCTL_TABLE_MAXCOLS && (id->present[c / 64] >> (c % 64) & 1) != 0;
}

struct nb_sysctl_table {
	size_t		 nrows;
	size_t		 rowsize;
	void		*rows;		/* nrows * rowsize bytes */
	struct nb_sysctl_rowid *ids;	/* nrows */
	unsigned	 ncols;
	unsigned	 colflags[NB_SYSCTL_TABLE_MAXCOLS];	/* NB_SYSCTL_F_* of the leaf,
								   as first found */
	void		*priv;		/* the reader's storage */
};

/*
 * nb_sysctl_table_read - read the objects matching `pattern` into *t
 * (overwritten; free with nb_sysctl_table_free even on error). rdflags:
 * NB_SYSCTL_RD_PERCPU, NB_SYSCTL_RD_NOMCAST, NB_SYSCTL_RD_WALKED.
 * -EINVAL: malformed pattern, a column without a leaf, more than
 * NB_SYSCTL_TABLE_MAXCOLS columns, more than NB_SYSCTL_TABLE_MAXKEYS '*',
 * or a column outside rowsize; the errors of nb_sysctl_walk otherwise.
 */
int	nb_sysctl_table_read(struct nb_sysctl *h, const char *pattern,
	    const struct nb_sysctl_column *cols, unsigned ncols, size_t rowsize,
	    unsigned rdflags, struct nb_sysctl_table *t);
void	nb_sysctl_table_free(struct nb_sysctl_table *t);

/* Row i of t (NULL past the end). */
static inline void *
nb_sysctl_table_row(const struct nb_sysctl_table *t, size_t i)
{
	return i < t->nrows ? (char *)t->rows + i * t->rowsize : NULL;
}

/*
 * The per-CPU vector of column col in row i, read with NB_SYSCTL_RD_PERCPU
 * in the same pass as the total; NULL (and *ncpu 0) when it has none.
 * Valid until nb_sysctl_table_free.
 */
const uint64_t *nb_sysctl_table_percpu(const struct nb_sysctl_table *t, size_t i,
	    unsigned col, unsigned *ncpu);

/* ---- names (pure functions) ---- */

/*
 * nb_sysctl_name_split - split an escaped dotted name into components.
 * A leading '.' is allowed; '/' is not a separator. On success *compv is
 * one malloc'd block (free it with free()) holding *ncomp pointers to
 * NUL-terminated components, and *lens (optional, may be NULL) their
 * lengths inside the same block. -EINVAL: empty component, trailing or
 * dangling backslash, escape of anything but '.' or '\'; -ENAMETOOLONG:
 * longer than NB_SYSCTL_NAMEMAX or deeper than NB_SYSCTL_MAXDEPTH.
 */
int	nb_sysctl_name_split(const char *name, char ***compv, size_t **lens, unsigned *ncomp);

/*
 * nb_sysctl_name_join - write the escaped dotted name of comp[0..n) into
 * buf. Returns the length it needs (not counting the NUL), like snprintf.
 */
size_t	nb_sysctl_name_join(const char *const *comp, unsigned n, char *buf, size_t size);

/* Escaped name of one walk entry (convenience over name_join). */
size_t	nb_sysctl_entry_name(const struct nb_sysctl_entry *e, char *buf, size_t size);

/*
 * Text form of a value as sysctl(8) prints it ("1500", "lo", "fe80::1").
 * Bools print as NetBSD's sysctl(8) prints CTLTYPE_BOOL: "1" or "0" (what
 * -w accepts back). A value with a per-CPU vector prints the DESIGN.md form
 * "total (cpu0 a, cpu1 b, ...)"; clear .percpu for the total alone.
 * Interior nodes print as "". Returns the length it needs, like snprintf.
 */
size_t	nb_sysctl_value_format(const struct nb_sysctl_value *v, char *buf, size_t size);

const char *nb_sysctl_type_name(enum nb_sysctl_type t);

/*
 * nb_sysctl_ntop - an address value's text, as the tree writes it:
 * inet_ntop(3)'s form, byte for byte, without printf (the hot case of
 * big walks). dst must hold INET_ADDRSTRLEN (AF_INET) or
 * INET6_ADDRSTRLEN (AF_INET6) bytes. Returns dst, or NULL for another
 * family or a short dst (dst is then "").
 */
char	*nb_sysctl_ntop(int family, const void *src, char *dst, size_t size);

/*
 * nb_sysctl_pton - the reverse: inet_pton(3), with the same results and
 * the same text accepted, fast for the forms nb_sysctl_ntop writes.
 * Returns 1, 0 for text that is not an address, -1 for another family.
 */
int	nb_sysctl_pton(int family, const char *src, void *dst);

/* ---- safe text: the one escaping rule (vis.c) ---- */

/*
 * nb_sysctl_strvis - s[0..len) made safe for a terminal and for JSON:
 * printable ASCII and well-formed, visible UTF-8 characters pass; every
 * other byte (controls, DEL, C1 controls, bidirectional overrides, bytes
 * that are not UTF-8) becomes "\ooo" (vis(3)'s octal form). Writes at most
 * size bytes with a NUL; returns the length it needs, like snprintf (at
 * most 4 * len).
 */
size_t	nb_sysctl_strvis(const char *s, size_t len, char *dst, size_t size);
/* True when nb_sysctl_strvis would leave s[0..len) unchanged. */
bool	nb_sysctl_strsafe(const char *s, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* SYSCTL_TREE_SYSCTL_H */
