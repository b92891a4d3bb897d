/* SPDX-License-Identifier: BSD-2-Clause */
/* schema.c - opening a history file: identity checks, WAL, versioned migrations, error mapping. */
/*
 * Concurrency: the file is in WAL mode, so any number of readers (each with
 * its own connection) read while one writer appends; a reader sees the
 * samples committed before its read transaction began, never a partial
 * one. Migrations run in one BEGIN IMMEDIATE transaction, so a reader sees
 * the old schema or the new one. Writer exclusion (one recorder per file)
 * is writer.c's flock, not SQLite's locks, which last one transaction only.
 * A reader tests that flock (a shared lock dropped at once) and opens the
 * file immutable when no recorder holds it and no WAL frames wait: it
 * needs no -shm, so it never writes, and a user who may only read the file
 * replays it. Migrations are a recorder's: a reader reads versions 1 to
 * the newest as they are.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "dlsqlite.h"
#include "hist.h"

/* Oldest schema version a reader understands. */
#define MIN_READ_VERSION	1

int
nbh__sqlerr(sqlite3 *db, int rc)
{
	int e;

	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_CORRUPT:
		return NBH_ECORRUPT;
	case SQLITE_NOTADB:
		return NBH_ENOTDB;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
		if (db != NULL && (e = sqlite3_system_errno(db)) > 0)
			return e == EDQUOT ? -ENOSPC : -e;
		return (rc & 0xff) == SQLITE_CANTOPEN ? -ENOENT : -EIO;
	default:
		return -EIO;
	}
}

void
nbh__oneline(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

static int
fail(sqlite3 *db, int rc, char *err, size_t errlen, const char *what)
{
	int error = nbh__sqlerr(db, rc);

	if (error == 0)
		error = -EIO;
	if (err != NULL) {
		if (error == NBH_ENOTDB)
			snprintf(err, errlen, "not an SQLite database");
		else if (error == NBH_ECORRUPT)
			snprintf(err, errlen, "damaged database (%s)", sqlite3_errmsg(db));
		else
			snprintf(err, errlen, "%s: %s", what, db != NULL ? sqlite3_errmsg(db) :
			    sqlite3_errstr(rc));
		nbh__oneline(err);
	}
	return error;
}

static int
pragma_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

int64_t
nbh__db_version(sqlite3 *db)
{
	int64_t ver = -1;

	return pragma_int(db, "PRAGMA user_version", &ver) == SQLITE_OK ? ver : -1;
}

/*
 * Code a migration runs after its NNN-*.sql, in the same transaction, keyed
 * by version (SQL alone cannot do it): an SQLite result code.
 */
static int (*const hooks[])(sqlite3 *) = {
	[5] = nbh__names_migrate,	/* 005-name-tree.sql: names as parts and runs */
};

int
nbh__migrate(sqlite3 *db, unsigned upto, char *err, size_t errlen)
{
	char sql[160];
	struct timespec ts;
	int64_t ver = 0;
	unsigned v;
	int rc, error;

	if (upto > nbh__nmigrations)
		return -EINVAL;
	if ((error = nbh__sqlite_load(err, errlen)) != 0)
		return error;
	if ((rc = nbh__sum_register(db)) != SQLITE_OK)
		return fail(db, rc, err, errlen, "migrate");
	if ((rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
		return fail(db, rc, err, errlen, "migrate");
	/* Re-read under the write lock: another process may have migrated. */
	if ((rc = pragma_int(db, "PRAGMA user_version", &ver)) != SQLITE_OK)
		goto out;
	for (v = (unsigned)ver + 1; v <= upto; v++) {
		if (nbh__migrations[v - 1] == NULL)
			continue;	/* a number this build has no file for (CMakeLists.txt) */
		if ((rc = sqlite3_exec(db, nbh__migrations[v - 1], NULL, NULL, NULL)) != SQLITE_OK)
			goto out;
		if (v < sizeof(hooks) / sizeof(hooks[0]) && hooks[v] != NULL &&
		    (rc = hooks[v](db)) != SQLITE_OK)
			goto out;
	}
	if (ver == 0) {
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", NBH_APPLICATION_ID);
		if ((rc = sqlite3_exec(db, sql, NULL, NULL, NULL)) != SQLITE_OK)
			goto out;
		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO meta(key, value) VALUES "
		    "('created_by', 'nbstat %s'), ('created_ns', %lld)", NBSTAT_VERSION,
		    (long long)ts.tv_sec * 1000000000 + ts.tv_nsec);
		if ((rc = sqlite3_exec(db, sql, NULL, NULL, NULL)) != SQLITE_OK)
			goto out;
	}
	if ((unsigned)ver < upto) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %u", upto);
		if ((rc = sqlite3_exec(db, sql, NULL, NULL, NULL)) != SQLITE_OK)
			goto out;
	}
	if ((rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) == SQLITE_OK)
		return 0;
out:
	error = fail(db, rc, err, errlen, "migrate");
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return error;
}

/* The file exists and is a regular file we may open (clear errno-level errors). */
static int
check_path(const char *path, bool writable, char *err, size_t errlen)
{
	struct stat sb;
	int e;

	if (stat(path, &sb) != 0) {
		e = errno;
		if (e == ENOENT && writable)
			return 0;	/* created */
		snprintf(err, errlen, "%s", strerror(e));
		return -e;
	}
	if (S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s", strerror(EISDIR));
		return -EISDIR;
	}
	if (!S_ISREG(sb.st_mode)) {	/* a fifo would block SQLite's open forever */
		snprintf(err, errlen, "not a regular file");
		return -EINVAL;
	}
	if (access(path, writable ? R_OK | W_OK : R_OK) != 0) {
		e = errno;
		snprintf(err, errlen, "%s", strerror(e));
		return -e;
	}
	return 0;
}

/*
 * Whether a recorder holds the file: its flock on FILE.lock (writer.c).
 * A shared lock taken and dropped at once tests it without writing
 * anything (a recorder that starts in that instant retries its lock).
 */
static bool
recorder_holds_lock(const char *path)
{
	char lpath[4096];
	int fd;
	bool held;

	if ((size_t)snprintf(lpath, sizeof(lpath), "%s.lock", path) >= sizeof(lpath) ||
	    (fd = open(lpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) < 0)
		return false;		/* no lock file: no recorder ever */
	held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);			/* drops our shared lock, if taken */
	return held;
}

/* FILE-wal holds frames (a recorder was killed before it checkpointed them). */
static bool
wal_has_frames(const char *path)
{
	char wpath[4096];
	struct stat sb;

	if ((size_t)snprintf(wpath, sizeof(wpath), "%s-wal", path) >= sizeof(wpath))
		return true;
	return stat(wpath, &sb) == 0 && sb.st_size > 0;
}

bool
nbh__db_written(const char *path)
{
	return recorder_holds_lock(path) || wal_has_frames(path);
}

/*
 * Open path read-only as immutable (file:PATH?immutable=1): SQLite takes no
 * lock and makes no -shm index, so nothing in the directory need be
 * writable. Only for a file nobody writes: a reader that finds no recorder
 * holding the lock and no WAL frames, or a file on a read-only file system.
 */
static int
open_immutable(const char *path, sqlite3 **db)
{
	static const char hex[] = "0123456789ABCDEF";
	char *uri, *q;
	const char *p;
	int rc;

	if ((uri = malloc(strlen(path) * 3 + 32)) == NULL)
		return SQLITE_NOMEM;
	/* file:///abs/path or file:rel/path: never read as an authority. */
	q = uri + sprintf(uri, path[0] == '/' ? "file://" : "file:");
	for (p = path; *p != '\0'; p++) {
		if (*p == '%' || *p == '?' || *p == '#') {
			*q++ = '%';
			*q++ = hex[(unsigned char)*p >> 4];
			*q++ = hex[*p & 0xf];
		} else
			*q++ = *p;
	}
	strcpy(q, "?immutable=1");
	sqlite3_close(*db);
	*db = NULL;
	rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
	    NULL);
	free(uri);
	return rc;
}

/* A read-only file system: immutable too (a WAL file there cannot get its -shm). */
static bool
on_readonly_fs(const char *path)
{
	struct statvfs vfs;

	return statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0;
}

int
nbh__db_open(const char *path, bool writable, sqlite3 **out, bool *immutable, char *err,
    size_t errlen)
{
	bool imm;
	char dummy[8];
	sqlite3 *db = NULL;
	int64_t appid = 0, ver = 0, ntables = 0;
	int rc, error, flags;

	if (err == NULL) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if ((error = check_path(path, writable, err, errlen)) != 0)
		return error;
	flags = (writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) |
	    SQLITE_OPEN_NOMUTEX;
	/*
	 * A reader never writes: read-only, and immutable when no recorder
	 * holds the file and no WAL frames wait (then nothing but the file
	 * itself is read, and no -shm is needed: any user who can read the
	 * file can replay it). Else WAL as usual, to see the recorder's
	 * commits (a -shm it cannot write is read as SQLite's read-only shm).
	 */
	imm = !writable && (!nbh__db_written(path) || on_readonly_fs(path));
	if (immutable != NULL)
		*immutable = imm;
	if (imm)
		rc = open_immutable(path, &db);
	else
		rc = sqlite3_open_v2(path, &db, flags, writable ? nbh__test_vfs() : NULL);
	if (rc != SQLITE_OK) {
		error = fail(db, rc, err, errlen, "open");
		goto out;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 5000);
	if ((rc = pragma_int(db, "PRAGMA application_id", &appid)) != SQLITE_OK ||
	    (rc = pragma_int(db, "PRAGMA user_version", &ver)) != SQLITE_OK ||
	    (rc = pragma_int(db, "SELECT count(*) FROM sqlite_schema", &ntables)) != SQLITE_OK) {
		error = fail(db, rc, err, errlen, "read header");
		goto out;
	}
	if (appid != NBH_APPLICATION_ID && !(appid == 0 && ver == 0 && ntables == 0)) {
		snprintf(err, errlen, "an SQLite database of another program (application_id %#llx)",
		    (unsigned long long)appid);
		error = NBH_EFOREIGN;
		goto out;
	}
	if (ver > (int64_t)nbh__nmigrations) {
		snprintf(err, errlen, "written by a newer nbstat (schema version %lld; this one "
		    "knows up to %u)", (long long)ver, nbh__nmigrations);
		error = NBH_ENEWER;
		goto out;
	}
	if (!writable) {
		if (ver < MIN_READ_VERSION) {
			snprintf(err, errlen, "no history recorded in this file yet");
			error = NBH_EEMPTY;
			goto out;
		}
		*out = db;
		return 0;
	}
	/* journal_mode=WAL persists in the file; synchronous=NORMAL is safe with WAL
	 * (a power loss may drop the last commits, never corrupt). */
	/* A new file: free pages can be given back a few at a time (retention). */
	if (ntables == 0 && (rc = sqlite3_exec(db, "PRAGMA auto_vacuum = INCREMENTAL", NULL, NULL,
	    NULL)) != SQLITE_OK) {
		error = fail(db, rc, err, errlen, "set auto_vacuum");
		goto out;
	}
	if ((rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_exec(db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL)) != SQLITE_OK) {
		error = fail(db, rc, err, errlen, "set WAL mode");
		goto out;
	}
	if ((unsigned)ver < nbh__nmigrations &&
	    (error = nbh__migrate(db, nbh__nmigrations, err, errlen)) != 0)
		goto out;
	*out = db;
	return 0;
out:
	sqlite3_close(db);
	return error;
}
