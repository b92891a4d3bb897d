/* SPDX-License-Identifier: BSD-2-Clause */
/* dlsqlite.c - libsqlite3, loaded with dlopen() at the first history open (dlsqlite.h). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "nbhistory/history.h"

#include "dlsqlite.h"

struct nbh_sqlite nbh__sqlite;
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;
static char sqlite_err[256];	/* "" once loaded */

static void
sqlite_fail(void)
{
	const char *e = dlerror();

	snprintf(sqlite_err, sizeof(sqlite_err), "cannot load " NBH_SQLITE_LIB ": %s",
	    e != NULL ? e : "no such symbol");
}

static void
sqlite_load(void)
{
	void *h;

	if ((h = dlopen(NBH_SQLITE_LIB, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		sqlite_fail();
		return;
	}
#define NBH_SQLITE_RESOLVE(f) \
	if (sqlite_err[0] == '\0' && \
	    (nbh__sqlite.f = (__typeof__(nbh__sqlite.f))dlsym(h, "sqlite3_" #f)) == NULL) \
		sqlite_fail();
	NBH_SQLITE_FUNCS(NBH_SQLITE_RESOLVE)
#undef NBH_SQLITE_RESOLVE
}

int
nbh__sqlite_load(char *err, size_t errlen)
{
	pthread_once(&sqlite_once, sqlite_load);
	if (sqlite_err[0] != '\0') {
		if (err != NULL)
			snprintf(err, errlen, "%s", sqlite_err);
		return NBH_ENOSQLITE;
	}
	return 0;
}
