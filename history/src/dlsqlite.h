/* SPDX-License-Identifier: BSD-2-Clause */
/* dlsqlite.h - private to nbhistory: libsqlite3, loaded with dlopen() at the first open. */
/*
 * SQLite is not linked: every program with the history library in it (the
 * tools, libnbstat.so) would load it at every start for --record and
 * --replay alone, and libsqlite3.so.0 is linked BIND_NOW: the dynamic
 * loader resolves its ~1,600 relocations up front, three quarters of what
 * nbnetstat --version cost. nbh__sqlite_load() loads libsqlite3.so.0 once
 * and resolves NBH_SQLITE_FUNCS into nbh__sqlite, kept for the process
 * (never closed); <sqlite3.h> still gives the types and the constants
 * (SQLITE_OK, SQLITE_TRANSIENT, ...), and the #defines below point the
 * library's sqlite3_* calls at the table, so the call sites read as plain
 * SQLite. A function called here but missing from the table does not link
 * (the tools do not link SQLite).
 *
 * Who loads it: the entry points, before any call through the table:
 * nbh_writer_open() and nbh_reader_open(), and nbh__migrate() and
 * nbh__sum_register(), which the tests call on connections of their own.
 * Everything else runs on a connection one of them opened. Included by
 * the library's .c files only, not by hist.h: the tests that include
 * hist.h call SQLite themselves, linked.
 */
#ifndef NBHISTORY_DLSQLITE_H
#define NBHISTORY_DLSQLITE_H

#include <stddef.h>

#include <sqlite3.h>

#define NBH_SQLITE_LIB	"libsqlite3.so.0"

/* Every SQLite function the library calls, without its sqlite3_ prefix. */
#define NBH_SQLITE_FUNCS(X) \
	X(bind_blob) \
	X(bind_int) \
	X(bind_int64) \
	X(bind_null) \
	X(bind_text) \
	X(busy_timeout) \
	X(changes) \
	X(clear_bindings) \
	X(close) \
	X(column_blob) \
	X(column_bytes) \
	X(column_int) \
	X(column_int64) \
	X(column_text) \
	X(column_type) \
	X(create_function) \
	X(errmsg) \
	X(errstr) \
	X(exec) \
	X(extended_result_codes) \
	X(finalize) \
	X(open_v2) \
	X(prepare_v2) \
	X(prepare_v3) \
	X(reset) \
	X(result_error) \
	X(result_int64) \
	X(step) \
	X(system_errno) \
	X(value_blob) \
	X(value_bytes) \
	X(value_int64) \
	X(value_text) \
	X(value_type) \
	X(vfs_find) \
	X(vfs_register)

struct nbh_sqlite {
#define NBH_SQLITE_FIELD(f) __typeof__(sqlite3_##f) *f;
	NBH_SQLITE_FUNCS(NBH_SQLITE_FIELD)
#undef NBH_SQLITE_FIELD
};
extern struct nbh_sqlite nbh__sqlite;

/*
 * Load the table once (any thread): 0, or NBH_ENOSQLITE with err (if not
 * NULL) set to "cannot load libsqlite3.so.0: <dlerror()>".
 */
int	nbh__sqlite_load(char *err, size_t errlen);

/* From here on, the library's sqlite3_* calls go through the table. */
#define sqlite3_bind_blob		(nbh__sqlite.bind_blob)
#define sqlite3_bind_int		(nbh__sqlite.bind_int)
#define sqlite3_bind_int64		(nbh__sqlite.bind_int64)
#define sqlite3_bind_null		(nbh__sqlite.bind_null)
#define sqlite3_bind_text		(nbh__sqlite.bind_text)
#define sqlite3_busy_timeout		(nbh__sqlite.busy_timeout)
#define sqlite3_changes			(nbh__sqlite.changes)
#define sqlite3_clear_bindings		(nbh__sqlite.clear_bindings)
#define sqlite3_close			(nbh__sqlite.close)
#define sqlite3_column_blob		(nbh__sqlite.column_blob)
#define sqlite3_column_bytes		(nbh__sqlite.column_bytes)
#define sqlite3_column_int		(nbh__sqlite.column_int)
#define sqlite3_column_int64		(nbh__sqlite.column_int64)
#define sqlite3_column_text		(nbh__sqlite.column_text)
#define sqlite3_column_type		(nbh__sqlite.column_type)
#define sqlite3_create_function		(nbh__sqlite.create_function)
#define sqlite3_errmsg			(nbh__sqlite.errmsg)
#define sqlite3_errstr			(nbh__sqlite.errstr)
#define sqlite3_exec			(nbh__sqlite.exec)
#define sqlite3_extended_result_codes	(nbh__sqlite.extended_result_codes)
#define sqlite3_finalize		(nbh__sqlite.finalize)
#define sqlite3_open_v2			(nbh__sqlite.open_v2)
#define sqlite3_prepare_v2		(nbh__sqlite.prepare_v2)
#define sqlite3_prepare_v3		(nbh__sqlite.prepare_v3)
#define sqlite3_reset			(nbh__sqlite.reset)
#define sqlite3_result_error		(nbh__sqlite.result_error)
#define sqlite3_result_int64		(nbh__sqlite.result_int64)
#define sqlite3_step			(nbh__sqlite.step)
#define sqlite3_system_errno		(nbh__sqlite.system_errno)
#define sqlite3_value_blob		(nbh__sqlite.value_blob)
#define sqlite3_value_bytes		(nbh__sqlite.value_bytes)
#define sqlite3_value_int64		(nbh__sqlite.value_int64)
#define sqlite3_value_text		(nbh__sqlite.value_text)
#define sqlite3_value_type		(nbh__sqlite.value_type)
#define sqlite3_vfs_find		(nbh__sqlite.vfs_find)
#define sqlite3_vfs_register		(nbh__sqlite.vfs_register)

#endif /* NBHISTORY_DLSQLITE_H */
