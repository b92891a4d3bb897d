/* SPDX-License-Identifier: BSD-2-Clause */
/* faultvfs.c - a test hook: an SQLite VFS whose writes fail with EIO after a count (NBH_TEST_EIO_AFTER). */
/*
 * With NBH_TEST_EIO_AFTER=N in the environment, a writer's connection
 * (nbh__db_open, writable) uses the VFS "nbh-eio": the default VFS, except
 * that once N writes and syncs (of the database, its WAL and journal
 * files, counted together for the process) have gone through, every
 * further write and sync fails with SQLITE_IOERR_WRITE / _FSYNC and errno
 * EIO, as a failing disk would. The tests use it to check that --record
 * stops with a clear error and leaves a valid file (tests/cli/history.bats).
 * Without the variable nothing here is registered or used.
 *
 * Concurrency: registered once (pthread_once); the count is atomic, so
 * connections of any thread share it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dlsqlite.h"
#include "hist.h"

struct ffile {
	sqlite3_file	 base;
	sqlite3_file	*real;		/* follows this struct in the same allocation */
};

static sqlite3_vfs fvfs;
static sqlite3_vfs *rvfs;
static long long budget;
static atomic_llong used;
static atomic_int failed;		/* a fault was injected: xGetLastError says EIO */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int reg_rc = SQLITE_ERROR;

#define REAL(f)	(((struct ffile *)(f))->real)

static bool
fault(void)
{
	if (atomic_fetch_add(&used, 1) < budget)
		return false;
	atomic_store(&failed, 1);
	errno = EIO;
	return true;
}

static int
f_close(sqlite3_file *f)
{
	int rc = REAL(f)->pMethods != NULL ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;

	return rc;
}

static int
f_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}

static int
f_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	if (fault())
		return SQLITE_IOERR_WRITE;
	return REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
}

static int
f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int
f_sync(sqlite3_file *f, int flags)
{
	if (fault())
		return SQLITE_IOERR_FSYNC;
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int
f_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int
f_lock(sqlite3_file *f, int lk)
{
	return REAL(f)->pMethods->xLock(REAL(f), lk);
}

static int
f_unlock(sqlite3_file *f, int lk)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), lk);
}

static int
f_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
f_fcntl(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int
f_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int
f_devchar(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int
f_shmmap(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}

static int
f_shmlock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void
f_shmbarrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int
f_shmunmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int
f_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, n, pp);
}

static int
f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods fmethods = {
	.iVersion = 3,
	.xClose = f_close,
	.xRead = f_read,
	.xWrite = f_write,
	.xTruncate = f_truncate,
	.xSync = f_sync,
	.xFileSize = f_size,
	.xLock = f_lock,
	.xUnlock = f_unlock,
	.xCheckReservedLock = f_reserved,
	.xFileControl = f_fcntl,
	.xSectorSize = f_sector,
	.xDeviceCharacteristics = f_devchar,
	.xShmMap = f_shmmap,
	.xShmLock = f_shmlock,
	.xShmBarrier = f_shmbarrier,
	.xShmUnmap = f_shmunmap,
	.xFetch = f_fetch,
	.xUnfetch = f_unfetch,
};

static int
v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *oflags)
{
	struct ffile *ff = (struct ffile *)f;
	int rc;

	(void)vfs;
	ff->real = (sqlite3_file *)(ff + 1);
	rc = rvfs->xOpen(rvfs, name, ff->real, flags, oflags);
	/* Our methods only over a file the real VFS opened, and at its version. */
	f->pMethods = ff->real->pMethods != NULL ? &fmethods : NULL;
	return rc;
}

static int
v_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
	(void)vfs;
	return rvfs->xDelete(rvfs, name, sync);
}

static int
v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return rvfs->xAccess(rvfs, name, flags, out);
}

static int
v_fullpath(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return rvfs->xFullPathname(rvfs, name, n, out);
}

static int
v_random(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return rvfs->xRandomness(rvfs, n, out);
}

static int
v_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return rvfs->xSleep(rvfs, us);
}

static int
v_time(sqlite3_vfs *vfs, double *t)
{
	(void)vfs;
	return rvfs->xCurrentTime(rvfs, t);
}

static int
v_lasterr(sqlite3_vfs *vfs, int n, char *buf)
{
	(void)vfs;
	if (atomic_load(&failed))
		return EIO;
	return rvfs->xGetLastError(rvfs, n, buf);
}

static int
v_time64(sqlite3_vfs *vfs, sqlite3_int64 *t)
{
	(void)vfs;
	return rvfs->xCurrentTimeInt64(rvfs, t);
}

static void
reg(void)
{
	const char *s = getenv("NBH_TEST_EIO_AFTER");
	char *end;

	if (s == NULL || (rvfs = sqlite3_vfs_find(NULL)) == NULL)
		return;
	budget = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || budget < 0)
		return;
	fvfs.iVersion = 2;
	fvfs.szOsFile = (int)sizeof(struct ffile) + rvfs->szOsFile;
	fvfs.mxPathname = rvfs->mxPathname;
	fvfs.zName = "nbh-eio";
	fvfs.xOpen = v_open;
	fvfs.xDelete = v_delete;
	fvfs.xAccess = v_access;
	fvfs.xFullPathname = v_fullpath;
	fvfs.xRandomness = v_random;
	fvfs.xSleep = v_sleep;
	fvfs.xCurrentTime = v_time;
	fvfs.xGetLastError = v_lasterr;
	fvfs.xCurrentTimeInt64 = v_time64;
	reg_rc = sqlite3_vfs_register(&fvfs, 0);
}

const char *
nbh__test_vfs(void)
{
	pthread_once(&once, reg);
	return reg_rc == SQLITE_OK ? fvfs.zName : NULL;
}
