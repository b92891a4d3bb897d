/* SPDX-License-Identifier: BSD-2-Clause */
/* test_nbout.c - the emitter prints the same sequence as text and JSON, checks balance; option parsers' edges. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "nbtool/nbtool.h"

static int failures, tests;

#define OK(cond, ...) do {						\
	tests++;							\
	if (cond) {							\
		printf("ok %d - ", tests);				\
	} else {							\
		failures++;						\
		printf("not ok %d - ", tests);				\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

/* One emit sequence, as a tool would write it. */
static void
emit(struct nb_out *o)
{
	nb_out_record_begin(o);
	nb_out_text(o, "%-5s %5s\n", "Name", "Pkts");
	nb_out_open_array(o, "interfaces");
	nb_out_open_object(o, NULL);
	nb_out_str(o, NB_OUT_ANY, "name", "%-5s ", "lo");
	nb_out_i64(o, NB_OUT_JSON, "index", NULL, 1);
	nb_out_bool(o, NB_OUT_JSON, "up", "%s", true);
	nb_out_open_object(o, "stats");
	nb_out_u64(o, NB_OUT_ANY, "ipackets", "%5" PRIu64, UINT64_MAX);
	nb_out_str(o, NB_OUT_TEXT, "omcasts", " %s", "-");
	nb_out_close_object(o);
	nb_out_text(o, "\n");
	nb_out_open_array(o, "addresses");
	nb_out_str(o, NB_OUT_ANY, NULL, "  addr %s/1\n", "10.0.0.1");
	nb_out_close_array(o);
	nb_out_close_object(o);
	nb_out_close_array(o);
	nb_out_double(o, NB_OUT_ANY, "ratio", "ratio %.2f\n", 0.5);
	nb_out_i64(o, NB_OUT_ANY, "delta", "delta %" PRId64 "\n", -3);
	nb_out_null(o, NB_OUT_ANY, "missing", "missing -\n");
	nb_out_bool(o, NB_OUT_ANY, "flag", "flag %s\n", false);
	nb_out_json(o, "extra", json_object_new_int(7));
	nb_out_record_end(o);
}

static char *
run(bool json, bool pretty, void (*fn)(struct nb_out *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	struct nb_out *o;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		abort();
	if ((o = nb_out_create(fp, json, pretty)) == NULL)
		abort();
	fn(o);
	nb_out_destroy(&o);
	OK(o == NULL, "destroy clears the caller's pointer");
	fclose(fp);
	return buf;
}

static void
test_emit(void)
{
	const char *want_text =
	    "Name   Pkts\n"
	    "lo    18446744073709551615 -\n"
	    "  addr 10.0.0.1/1\n"
	    "ratio 0.50\n"
	    "delta -3\n"
	    "missing -\n"
	    "flag false\n";
	const char *want_json =
	    "{\"version\":\"1\",\"interfaces\":[{\"name\":\"lo\",\"index\":1,\"up\":true,"
	    "\"stats\":{\"ipackets\":18446744073709551615},\"addresses\":[\"10.0.0.1\"]}],"
	    "\"ratio\":0.5,\"delta\":-3,\"missing\":null,\"flag\":false,\"extra\":7}\n";
	char *s;
	struct json_object *jo;

	s = run(false, false, emit);
	OK(strcmp(s, want_text) == 0, "text output");
	if (strcmp(s, want_text) != 0)
		printf("# got:\n%s", s);
	free(s);
	s = run(true, false, emit);
	OK(strcmp(s, want_json) == 0, "JSON output");
	if (strcmp(s, want_json) != 0)
		printf("# got: %s", s);
	free(s);
	s = run(true, true, emit);
	jo = json_tokener_parse(s);
	OK(jo != NULL && strchr(s, '\n') != strrchr(s, '\n'), "pretty JSON parses and spans lines");
	OK(jo != NULL && strcmp(json_object_to_json_string_ext(jo, JSON_C_TO_STRING_PLAIN),
	    "{\"version\":\"1\",\"interfaces\":[{\"name\":\"lo\",\"index\":1,\"up\":true,"
	    "\"stats\":{\"ipackets\":18446744073709551615},\"addresses\":[\"10.0.0.1\"]}],"
	    "\"ratio\":0.5,\"delta\":-3,\"missing\":null,\"flag\":false,\"extra\":7}") == 0,
	    "pretty JSON is the same document");
	OK(strncmp(s, "{\n", 2) == 0 && strstr(s, "\"version\": \"1\"") != NULL,
	    "pretty JSON starts with the version key");
	json_object_put(jo);
	free(s);
}

static void
emit_slash(struct nb_out *o)
{
	nb_out_record_begin(o);
	nb_out_str(o, NB_OUT_ANY, "network", "%s\n", "10.0.0.0/8");
	nb_out_str(o, NB_OUT_ANY, "name", "%s\n", "v\xc3\xa9" "1\"#");
	nb_out_record_end(o);
	nb_out_record_begin(o);
	nb_out_u64(o, NB_OUT_ANY, "n", "%" PRIu64 "\n", 2);
	nb_out_record_end(o);
}

static void
test_records(void)
{
	char *s;

	s = run(true, false, emit_slash);
	OK(strcmp(s, "{\"version\":\"1\",\"network\":\"10.0.0.0/8\",\"name\":\"v\xc3\xa9" "1\\\"#\"}\n"
	    "{\"version\":\"1\",\"n\":2}\n") == 0,
	    "one object per record and line, '/' and UTF-8 unescaped");
	free(s);
	s = run(false, false, emit_slash);
	OK(strcmp(s, "10.0.0.0/8\nv\xc3\xa9" "1\"#\n2\n") == 0, "text of the same records");
	free(s);
}

/* Broken sequences must abort, in text mode as in JSON mode. */
static void bad_unclosed(struct nb_out *o) { nb_out_record_begin(o); nb_out_open_object(o, "a"); nb_out_record_end(o); }
static void bad_close(struct nb_out *o) { nb_out_record_begin(o); nb_out_close_object(o); }
static void bad_mismatch(struct nb_out *o) { nb_out_record_begin(o); nb_out_open_array(o, "a"); nb_out_close_object(o); }
static void bad_keyinarray(struct nb_out *o) { nb_out_record_begin(o); nb_out_open_array(o, "a"); nb_out_u64(o, NB_OUT_ANY, "k", "%" PRIu64, 1); }
static void bad_nokey(struct nb_out *o) { nb_out_record_begin(o); nb_out_u64(o, NB_OUT_ANY, NULL, "%" PRIu64, 1); }
static void bad_outside(struct nb_out *o) { nb_out_u64(o, NB_OUT_ANY, "k", "%" PRIu64, 1); }
static void bad_destroy(struct nb_out *o) { nb_out_record_begin(o); }
static void bad_nested(struct nb_out *o) { nb_out_record_begin(o); nb_out_record_begin(o); }
static void bad_dup(struct nb_out *o) { nb_out_record_begin(o); nb_out_u64(o, NB_OUT_ANY, "k", "%" PRIu64, 1); nb_out_u64(o, NB_OUT_JSON, "k", NULL, 2); nb_out_record_end(o); }
static void bad_version(struct nb_out *o) { nb_out_record_begin(o); nb_out_str(o, NB_OUT_JSON, "version", NULL, "2"); nb_out_record_end(o); }

static void
bad_open_keyinarray(struct nb_out *o)
{
	nb_out_record_begin(o);
	nb_out_open_array(o, "a");
	nb_out_open_object(o, "k");
}

static void
bad_open_nokey(struct nb_out *o)
{
	nb_out_record_begin(o);
	nb_out_open_array(o, NULL);
}

static void
bad_open_outside(struct nb_out *o)
{
	nb_out_open_object(o, "a");
}

static void
bad_open_deep(struct nb_out *o)
{
	nb_out_record_begin(o);
	for (int i = 0; i < 33; i++)
		nb_out_open_array(o, i == 0 ? "a" : NULL);
}

/* The deepest nesting there is (32), opened and closed. */
static void
open_deepest(struct nb_out *o)
{
	int i;

	nb_out_record_begin(o);
	for (i = 0; i < 32; i++)
		if (i % 2 == 0)
			nb_out_open_array(o, "a");
		else
			nb_out_open_object(o, NULL);
	nb_out_u64(o, NB_OUT_ANY, "v", "%" PRIu64 "\n", 1);
	for (i = 31; i >= 0; i--)
		if (i % 2 == 0)
			nb_out_close_array(o);
		else
			nb_out_close_object(o);
	nb_out_record_end(o);
}

static bool
aborts(bool json, void (*fn)(struct nb_out *))
{
	pid_t pid;
	int st, fd;

	fflush(stdout);
	if ((pid = fork()) == -1)
		abort();
	if (pid == 0) {
		FILE *fp;
		struct nb_out *o;

		if ((fd = open("/dev/null", O_WRONLY)) >= 0)
			dup2(fd, 2);
		if ((fp = fopen("/dev/null", "w")) == NULL || (o = nb_out_create(fp, json, false)) == NULL)
			_exit(3);
		fn(o);
		nb_out_destroy(&o);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		return false;
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void
test_balance(void)
{
	static const struct {
		const char *what;
		void (*fn)(struct nb_out *);
		bool text_too;
	} cases[] = {
		{ "record end with an open object", bad_unclosed, true },
		{ "close without open", bad_close, true },
		{ "close_object on an array", bad_mismatch, true },
		{ "key inside an array", bad_keyinarray, true },
		{ "value without key in an object", bad_nokey, true },
		{ "value outside a record", bad_outside, true },
		{ "destroy inside a record", bad_destroy, true },
		{ "nested record", bad_nested, true },
		{ "duplicate key", bad_dup, false },
		{ "duplicate version key", bad_version, false },
		{ "an object with a key inside an array", bad_open_keyinarray, true },
		{ "an array without a key in an object", bad_open_nokey, true },
		{ "an object outside a record", bad_open_outside, true },
		{ "nesting deeper than 32", bad_open_deep, true },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		OK(aborts(true, cases[i].fn), "JSON aborts: %s", cases[i].what);
		if (cases[i].text_too)
			OK(aborts(false, cases[i].fn), "text aborts: %s", cases[i].what);
	}
	OK(!aborts(true, emit) && !aborts(false, emit), "a balanced sequence does not abort");
	OK(!aborts(true, open_deepest) && !aborts(false, open_deepest),
	    "nesting 32 deep does not abort");
}

static void
test_parse_u64(void)
{
	static const struct {
		const char *s;
		uint64_t min, max;
		int rc;
		const char *err;
		uint64_t v;
	} cases[] = {
		{ "0", 0, 10, 0, NULL, 0 },
		{ "10", 0, 10, 0, NULL, 10 },
		{ "11", 0, 10, -ERANGE, "too large", 0 },
		{ "0", 1, 10, -ERANGE, "too small", 0 },
		{ "18446744073709551615", 0, UINT64_MAX, 0, NULL, UINT64_MAX },
		{ "18446744073709551616", 0, UINT64_MAX, -ERANGE, "too large", 0 },
		{ "99999999999999999999999", 0, UINT64_MAX, -ERANGE, "too large", 0 },
		{ "abc", 0, 10, -EINVAL, "invalid", 0 },
		{ "", 0, 10, -EINVAL, "invalid", 0 },
		{ "-1", 0, 10, -EINVAL, "invalid", 0 },
		{ "+1", 0, 10, -EINVAL, "invalid", 0 },
		{ " 1", 0, 10, -EINVAL, "invalid", 0 },
		{ "1 ", 0, 10, -EINVAL, "invalid", 0 },
		{ "0x5", 0, 10, -EINVAL, "invalid", 0 },
		{ "5abc", 0, 10, -EINVAL, "invalid", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		const char *err = "unset";
		int rc = nb_parse_u64(cases[i].s, cases[i].min, cases[i].max, &v, &err);

		OK(rc == cases[i].rc && (rc != 0 ? strcmp(err, cases[i].err) == 0 && v == 12345
		    : err == NULL && v == cases[i].v),
		    "nb_parse_u64(\"%s\", %" PRIu64 ", %" PRIu64 ") = %d (%s)", cases[i].s,
		    cases[i].min, cases[i].max, rc, err != NULL ? err : "ok");
	}
}

static void
test_parse_interval(void)
{
	static const struct {
		const char *s;
		int rc;
		double v;
	} cases[] = {
		{ "1", 0, 1.0 }, { "0.5", 0, 0.5 }, { ".25", 0, 0.25 }, { "2.", 0, 2.0 },
		{ "86400", 0, 86400.0 }, { "86400.5", -ERANGE, 0 }, { "1000000", -ERANGE, 0 },
		{ "0", -ERANGE, 0 }, { "0.0", -ERANGE, 0 }, { "0.0000000001", -ERANGE, 0 },
		{ "-1", -EINVAL, 0 }, { "abc", -EINVAL, 0 }, { "", -EINVAL, 0 },
		{ ".", -EINVAL, 0 }, { "1e3", -EINVAL, 0 }, { "inf", -EINVAL, 0 },
		{ "nan", -EINVAL, 0 }, { "0x10", -EINVAL, 0 }, { "1s", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 }, { "+1", -EINVAL, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double v = -7;
		const char *err = NULL;
		int rc = nb_parse_interval(cases[i].s, &v, &err);

		OK(rc == cases[i].rc && (rc == 0 ? v == cases[i].v && err == NULL
		    : v == -7 && err != NULL),
		    "nb_parse_interval(\"%s\") = %d (%s)", cases[i].s, rc, err != NULL ? err : "ok");
	}
}

static void
test_parse_time(void)
{
	const int64_t now = INT64_C(1714532400) * 1000000000;	/* 2024-05-01T03:00:00Z */
	static const struct {
		const char *s;
		int rc;
		int64_t sec;		/* expected seconds since the epoch */
		int64_t nsec;
	} cases[] = {
		{ "2024-05-01T03:10:00Z", 0, 1714533000, 0 },
		{ "2024-05-01T03:10Z", 0, 1714533000, 0 },
		{ "2024-05-01 03:10:00Z", 0, 1714533000, 0 },
		{ "2024-05-01T05:10:00+02:00", 0, 1714533000, 0 },
		{ "2024-05-01T05:10:00+0200", 0, 1714533000, 0 },
		{ "2024-05-01T01:10:00-02:00", 0, 1714533000, 0 },
		{ "2024-05-01T03:10:00.25Z", 0, 1714533000, 250000000 },
		{ "2024-05-01Z", 0, 1714521600, 0 },
		{ "2024-02-29T00:00:00Z", 0, 1709164800, 0 },
		{ "now", 0, 1714532400, 0 },
		{ "-30s", 0, 1714532370, 0 },
		{ "-15m", 0, 1714531500, 0 },
		{ "-2h", 0, 1714525200, 0 },
		{ "-1d", 0, 1714446000, 0 },
		{ "-0s", 0, 1714532400, 0 },
		{ "2023-02-29T00:00:00Z", -EINVAL, 0, 0 },
		{ "2024-13-01T00:00:00Z", -EINVAL, 0, 0 },
		{ "2024-05-01T24:00:00Z", -EINVAL, 0, 0 },
		{ "2024-05-01T03:10:00+25:00", -EINVAL, 0, 0 },
		{ "2024-05-01T03:10:00X", -EINVAL, 0, 0 },
		{ "2024-5-1", -EINVAL, 0, 0 },
		{ "yesterday", -EINVAL, 0, 0 },
		{ "-15", -EINVAL, 0, 0 },
		{ "-15y", -EINVAL, 0, 0 },
		{ "-m", -EINVAL, 0, 0 },
		{ "--5m", -EINVAL, 0, 0 },
		{ "-999999999d", -EINVAL, 0, 0 },
		{ "", -EINVAL, 0, 0 },
	};
	size_t i;
	int64_t ns, ns2;
	const char *err;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		ns = -1;
		err = NULL;
		rc = nb_parse_time(cases[i].s, now, &ns, &err);
		OK(rc == cases[i].rc && (rc != 0 ? err != NULL
		    : ns == cases[i].sec * 1000000000 + cases[i].nsec),
		    "nb_parse_time(\"%s\") = %d, %" PRId64 " (%s)", cases[i].s, rc, ns,
		    err != NULL ? err : "ok");
	}
	/* Local time: the offset is whatever TZ says; with TZ=UTC0 it is Z. */
	setenv("TZ", "UTC0", 1);
	tzset();
	OK(nb_parse_time("2024-05-01T03:10:00", now, &ns, NULL) == 0 &&
	    nb_parse_time("2024-05-01T03:10:00Z", now, &ns2, NULL) == 0 && ns == ns2,
	    "local time under TZ=UTC0 equals Z");
	setenv("TZ", "EST5", 1);
	tzset();
	OK(nb_parse_time("2024-05-01T03:10:00", now, &ns, NULL) == 0 &&
	    ns == ns2 + INT64_C(5) * 3600 * 1000000000, "local time under TZ=EST5 is Z+5h");
}

/*
 * Row formats: a row emits what the same fields emitted one by one do, in
 * text and in JSON; absent values are "-" in text and no key in JSON;
 * strings are escaped and padded by display columns.
 */
static const struct nb_out_field row_fields[] = {
	{ NB_OUT_F_OBJECT, NB_OUT_ANY, NULL, NULL, 0 },
	{ NB_OUT_F_STR, NB_OUT_ANY, "name", "%-6s|", 0 },
	{ NB_OUT_F_I64, NB_OUT_ANY, "mtu", "%-5" PRId64 " ", 0 },
	{ NB_OUT_F_I64, NB_OUT_JSON, "index", NULL, 0 },
	{ NB_OUT_F_BOOL, NB_OUT_ANY, "up", "[%s]", 0 },
	{ NB_OUT_F_LIT, NB_OUT_TEXT, NULL, "<Link> ", 0 },
	{ NB_OUT_F_OBJECT, NB_OUT_ANY, "stats", NULL, 0 },
	{ NB_OUT_F_U64, NB_OUT_ANY, "ipackets", "%8" PRIu64, 0 },
	{ NB_OUT_F_U64, NB_OUT_ANY, "opackets", " %8" PRIu64, 0 },
	{ NB_OUT_F_U64, NB_OUT_JSON, "obytes", NULL, 0 },
	{ NB_OUT_F_STR, NB_OUT_TEXT, NULL, " %5s", 0 },
	{ NB_OUT_F_CLOSE, NB_OUT_ANY, NULL, NULL, 0 },
	{ NB_OUT_F_LIT, NB_OUT_TEXT, NULL, "\n", 0 },
	{ NB_OUT_F_CLOSE, NB_OUT_ANY, NULL, NULL, 0 },
};

static const struct {
	const char *name;
	int cols;		/* the columns it takes when printed */
	int64_t mtu;
	uint64_t ipk, opk;
	uint64_t absent;
} row_cases[] = {
	{ "lo", 2, 65536, 0, UINT64_MAX, 0 },
	{ "v\xc3\xa9", 2, -1, 123456789, 7, UINT64_C(1) << 8 },	/* é: one column */
	{ "a\x1b[", 6, 1500, 5, 6, UINT64_C(1) << 2 | UINT64_C(1) << 3 },	/* ESC: "\\033" */
};

/* emit_rows: fill only the values nb_out_row_reads lists, the others poisoned. */
static bool rows_reads_only;

static void
emit_rows(struct nb_out *o, bool rowfmt)
{
	struct nb_out_row *r;
	union nb_out_val v[16];
	uint64_t reads;
	size_t i, k;

	if (nb_out_row_create(row_fields, sizeof(row_fields) / sizeof(row_fields[0]), &r) != 0)
		abort();
	nb_out_record_begin(o);
	nb_out_open_array(o, "rows");
	for (i = 0; i < sizeof(row_cases) / sizeof(row_cases[0]); i++) {
		uint64_t a = row_cases[i].absent;

		if (rowfmt) {
			v[1].s = row_cases[i].name;
			v[2].i = row_cases[i].mtu;
			v[3].i = (int64_t)i;
			v[4].b = i % 2 == 0;
			v[7].u = row_cases[i].ipk;
			v[8].u = row_cases[i].opk;
			v[9].u = 42;
			v[10].s = "tx";
			reads = rows_reads_only ? nb_out_row_reads(r, o) : UINT64_MAX;
			for (k = 0; k < 16; k++)
				if ((reads & UINT64_C(1) << k) == 0)
					memset(&v[k], 0xa5, sizeof(v[k]));	/* a bad pointer */
			nb_out_row(o, r, v, a);
			continue;
		}
		/* The same row, a call a field, as the tools write it without a row format. */
		nb_out_open_object(o, NULL);
		nb_out_str(o, NB_OUT_ANY, "name", "%s", row_cases[i].name);
		nb_out_pad(o, 6 - row_cases[i].cols);
		nb_out_text(o, "|");
		if ((a & UINT64_C(1) << 2) == 0)
			nb_out_i64(o, NB_OUT_ANY, "mtu", "%-5" PRId64 " ", row_cases[i].mtu);
		else
			nb_out_text(o, "%-5s ", "-");
		if ((a & UINT64_C(1) << 3) == 0)
			nb_out_i64(o, NB_OUT_JSON, "index", NULL, (int64_t)i);
		nb_out_bool(o, NB_OUT_ANY, "up", "[%s]", i % 2 == 0);
		nb_out_text(o, "<Link> ");
		nb_out_open_object(o, "stats");
		nb_out_u64(o, NB_OUT_ANY, "ipackets", "%8" PRIu64, row_cases[i].ipk);
		if ((a & UINT64_C(1) << 8) == 0)
			nb_out_u64(o, NB_OUT_ANY, "opackets", " %8" PRIu64, row_cases[i].opk);
		else
			nb_out_text(o, " %8s", "-");
		nb_out_u64(o, NB_OUT_JSON, "obytes", NULL, 42);
		nb_out_text(o, " %5s", "tx");
		nb_out_close_object(o);
		nb_out_text(o, "\n");
		nb_out_close_object(o);
	}
	nb_out_close_array(o);
	nb_out_record_end(o);
	nb_out_row_destroy(&r);
}

static void
emit_rows_fmt(struct nb_out *o)
{
	emit_rows(o, true);
}

static void
emit_rows_calls(struct nb_out *o)
{
	emit_rows(o, false);
}

static void
bad_row_context(struct nb_out *o)
{
	static const struct nb_out_field f[] = { { NB_OUT_F_U64, NB_OUT_ANY, "k", "%" PRIu64, 0 } };
	struct nb_out_row *r;
	union nb_out_val v[1] = { { .u = 1 } };

	if (nb_out_row_create(f, 1, &r) != 0)
		_exit(4);
	nb_out_record_begin(o);
	nb_out_open_array(o, "a");
	nb_out_row(o, r, v, 0);		/* a keyed row inside an array */
}

/*
 * A row that opens an array for the caller's rows (and leaves its object
 * open), against the calls, text and JSON; a row of the caller's inside.
 */
static const struct nb_out_field arow_fields[] = {
	{ NB_OUT_F_OBJECT, NB_OUT_ANY, NULL, NULL, 0 },
	{ NB_OUT_F_STR, NB_OUT_ANY, "name", "%-4s", 0 },
	{ NB_OUT_F_U64, NB_OUT_JSON, "n", NULL, 0 },
	{ NB_OUT_F_ARRAY, NB_OUT_ANY, "subs", NULL, 0 },
	{ NB_OUT_F_LIT, NB_OUT_TEXT, NULL, "\n", 0 },
};

static const struct nb_out_field asub_fields[] = {
	{ NB_OUT_F_U64, NB_OUT_ANY, NULL, "  %3" PRIu64 "\n", 0 },
};

static void
emit_arows(struct nb_out *o, bool rowfmt)
{
	struct nb_out_row *r, *rs;
	union nb_out_val v[5];
	uint64_t i, k;

	if (nb_out_row_create(arow_fields, 5, &r) != 0 || nb_out_row_create(asub_fields, 1, &rs) != 0)
		abort();
	nb_out_record_begin(o);
	nb_out_open_array(o, "rows");
	for (i = 0; i < 3; i++) {
		if (rowfmt) {
			v[1].s = i == 1 ? "long name" : "a";
			v[2].u = i;
			nb_out_row(o, r, v, 0);
		} else {
			nb_out_open_object(o, NULL);
			nb_out_str(o, NB_OUT_ANY, "name", "%-4s", i == 1 ? "long name" : "a");
			nb_out_u64(o, NB_OUT_JSON, "n", NULL, i);
			nb_out_open_array(o, "subs");
			nb_out_text(o, "\n");
		}
		for (k = 0; k < i; k++) {
			v[0].u = k * 100;
			if (rowfmt)
				nb_out_row(o, rs, v, 0);
			else
				nb_out_u64(o, NB_OUT_ANY, NULL, "  %3" PRIu64 "\n", k * 100);
		}
		nb_out_close_array(o);
		nb_out_close_object(o);
	}
	nb_out_close_array(o);
	nb_out_record_end(o);
	nb_out_row_destroy(&r);
	nb_out_row_destroy(&rs);
}

static void
emit_arows_fmt(struct nb_out *o)
{
	emit_arows(o, true);
}

static void
emit_arows_calls(struct nb_out *o)
{
	emit_arows(o, false);
}

static void
test_row_array(void)
{
	char *a, *b;

	a = run(false, false, emit_arows_fmt);
	b = run(false, false, emit_arows_calls);
	OK(strcmp(a, b) == 0 && strcmp(a, "a   \nlong name\n    0\na   \n    0\n  100\n") == 0,
	    "text: a row that opens an array prints the calls' text");
	if (strcmp(a, b) != 0)
		printf("# row:\n%s# calls:\n%s", a, b);
	free(a);
	free(b);
	a = run(true, false, emit_arows_fmt);
	b = run(true, false, emit_arows_calls);
	OK(strcmp(a, b) == 0 && strstr(a, "{\"name\":\"a\",\"n\":2,\"subs\":[0,100]}") != NULL,
	    "JSON: a row that opens an array prints the calls' JSON");
	if (strcmp(a, b) != 0)
		printf("# row: %s# calls: %s", a, b);
	free(a);
	free(b);
}

/*
 * Fields with numbered values (nb_out_field.val): two fields of one
 * value, values numbered apart from their fields, absent by value; the
 * values each emitter reads; a number past NB_OUT_ROW_MAX is refused.
 */
static const struct nb_out_field vrow_fields[] = {
	{ NB_OUT_F_OBJECT, NB_OUT_ANY, NULL, NULL, 0 },
	{ NB_OUT_F_U64, NB_OUT_ANY, "a", "%3" PRIu64, NB_OUT_VAL(40) },
	{ NB_OUT_F_U64, NB_OUT_JSON, "b", NULL, NB_OUT_VAL(40) },
	{ NB_OUT_F_STR, NB_OUT_TEXT, NULL, " %-4s|", NB_OUT_VAL(0) },
	{ NB_OUT_F_STR, NB_OUT_JSON, "s", NULL, NB_OUT_VAL(63) },
	{ NB_OUT_F_I64, NB_OUT_ANY, "i", "%3" PRId64 "\n", 0 },	/* v[5] */
	{ NB_OUT_F_CLOSE, NB_OUT_ANY, NULL, NULL, 0 },
};

static void
emit_vrows(struct nb_out *o, bool rowfmt)
{
	union nb_out_val v[NB_OUT_ROW_MAX];
	struct nb_out_row *r;
	uint64_t i, absent;

	if (nb_out_row_create(vrow_fields, 7, &r) != 0)
		abort();
	nb_out_record_begin(o);
	nb_out_open_array(o, "rows");
	for (i = 0; i < 3; i++) {
		absent = 0;
		if (i == 1)
			absent = UINT64_C(1) << 40;
		else if (i == 2)
			absent = UINT64_C(1) << 63 | 1u << 5;
		if (rowfmt) {
			v[40].u = 10 * i;
			v[0].s = "x";
			v[63].s = "y";
			v[5].i = -(int64_t)i;
			nb_out_row(o, r, v, absent);
			continue;
		}
		nb_out_open_object(o, NULL);
		if (i != 1) {
			nb_out_u64(o, NB_OUT_ANY, "a", "%3" PRIu64, 10 * i);
			nb_out_u64(o, NB_OUT_JSON, "b", NULL, 10 * i);
		} else
			nb_out_text(o, "%3s", "-");
		nb_out_str(o, NB_OUT_TEXT, NULL, " %-4s|", "x");
		if (i != 2) {
			nb_out_str(o, NB_OUT_JSON, "s", NULL, "y");
			nb_out_i64(o, NB_OUT_ANY, "i", "%3" PRId64 "\n", -(int64_t)i);
		} else
			nb_out_text(o, "%3s\n", "-");
		nb_out_close_object(o);
	}
	nb_out_close_array(o);
	nb_out_record_end(o);
	nb_out_row_destroy(&r);
}

static void
emit_vrows_fmt(struct nb_out *o)
{
	emit_vrows(o, true);
}

static void
emit_vrows_calls(struct nb_out *o)
{
	emit_vrows(o, false);
}

static void
test_row_vals(void)
{
	static const struct nb_out_field bad[] = {
		{ NB_OUT_F_U64, NB_OUT_ANY, "k", "%" PRIu64, NB_OUT_VAL(NB_OUT_ROW_MAX) },
	};
	struct nb_out *ot, *oj;
	struct nb_out_row *r;
	char *a, *b;
	bool json;

	OK(nb_out_row_create(bad, 1, &r) == -EINVAL, "a value numbered past NB_OUT_ROW_MAX is refused");
	if (nb_out_row_create(vrow_fields, 7, &r) != 0 ||
	    (ot = nb_out_create(stdout, false, false)) == NULL ||
	    (oj = nb_out_create(stdout, true, false)) == NULL)
		abort();
	OK(nb_out_row_reads(r, ot) == (UINT64_C(1) << 40 | 1u << 0 | 1u << 5) &&
	    nb_out_row_reads(r, oj) == (UINT64_C(1) << 40 | UINT64_C(1) << 63 | 1u << 5),
	    "the values read are numbered as the fields say");
	nb_out_destroy(&ot);
	nb_out_destroy(&oj);
	nb_out_row_destroy(&r);
	for (json = false;; json = true) {
		a = run(json, false, emit_vrows_fmt);
		b = run(json, false, emit_vrows_calls);
		OK(strcmp(a, b) == 0, "%s: fields with numbered values print the calls'",
		    json ? "JSON" : "text");
		if (strcmp(a, b) != 0)
			printf("# row:\n%s# calls:\n%s", a, b);
		free(a);
		free(b);
		if (json)
			break;
	}
}

/*
 * nb_out_row_reads: text reads the values with a text format, JSON every
 * value; a row filled only there prints what the calls print.
 */
static void
test_row_reads(void)
{
	const uint64_t treads = 1u << 1 | 1u << 2 | 1u << 4 | 1u << 7 | 1u << 8 | 1u << 10;
	const uint64_t jreads = 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 | 1u << 7 | 1u << 8 | 1u << 9;
	struct nb_out *ot, *oj;
	struct nb_out_row *r;
	char *a, *b;
	bool json;

	if (nb_out_row_create(row_fields, sizeof(row_fields) / sizeof(row_fields[0]), &r) != 0 ||
	    (ot = nb_out_create(stdout, false, false)) == NULL ||
	    (oj = nb_out_create(stdout, true, false)) == NULL)
		abort();
	OK(nb_out_row_reads(r, ot) == treads, "a text emitter reads the fields with a text format");
	OK(nb_out_row_reads(r, oj) == jreads, "a JSON emitter reads the values");
	nb_out_destroy(&ot);
	nb_out_destroy(&oj);
	nb_out_row_destroy(&r);
	rows_reads_only = true;
	for (json = false;; json = true) {
		a = run(json, false, emit_rows_fmt);
		b = run(json, false, emit_rows_calls);
		OK(strcmp(a, b) == 0, "%s: a row filled only where the emitter reads prints the calls'",
		    json ? "JSON" : "text");
		free(a);
		free(b);
		if (json)
			break;
	}
	rows_reads_only = false;
}

static void
test_rows(void)
{
	static const struct nb_out_field bad[][2] = {
		{ { NB_OUT_F_U64, NB_OUT_ANY, "k", "%5s", 0 } },			/* wrong conversion */
		{ { NB_OUT_F_STR, NB_OUT_ANY, "k", "%s %s", 0 } },			/* two conversions */
		{ { NB_OUT_F_LIT, NB_OUT_TEXT, NULL, "100%", 0 } },			/* a literal with '%' */
		{ { NB_OUT_F_CLOSE, NB_OUT_ANY, NULL, NULL, 0 } },			/* closes what it did not open */
		{ { NB_OUT_F_U64, NB_OUT_ANY, "k", "%" PRIu64, 0 },
		  { NB_OUT_F_U64, NB_OUT_ANY, NULL, "%" PRIu64, 0 } },		/* keyed and unkeyed */
		{ { NB_OUT_F_OBJECT, NB_OUT_ANY, NULL, NULL, 0 },
		  { NB_OUT_F_U64, NB_OUT_JSON, NULL, NULL, 0 } },			/* no key in its object */
		{ { NB_OUT_F_OBJECT, NB_OUT_JSON, NULL, NULL, 0 } },		/* a JSON-only container */
		{ { NB_OUT_F_ARRAY, NB_OUT_ANY, "a", NULL, 0 },
		  { NB_OUT_F_U64, NB_OUT_ANY, "k", "%" PRIu64, 0 } },		/* a value after the array */
		{ { NB_OUT_F_ARRAY, NB_OUT_ANY, "a", NULL, 0 },
		  { NB_OUT_F_CLOSE, NB_OUT_ANY, NULL, NULL, 0 } },			/* the array closed */
		{ { NB_OUT_F_ARRAY, NB_OUT_TEXT, "a", NULL, 0 } },			/* a text-only array */
		{ { NB_OUT_F_OBJECT, NB_OUT_ANY, NULL, NULL, 0 },
		  { NB_OUT_F_ARRAY, NB_OUT_ANY, NULL, NULL, 0 } },			/* no key in its object */
	};
	static const size_t nbad[] = { 1, 1, 1, 1, 2, 2, 1, 2, 2, 1, 2 };
	struct nb_out_row *r;
	char *a, *b;
	size_t i;

	for (i = 0; i < sizeof(nbad) / sizeof(nbad[0]); i++) {
		r = (struct nb_out_row *)&r;
		OK(nb_out_row_create(bad[i], nbad[i], &r) == -EINVAL && r == NULL,
		    "a bad row format is refused (%zu)", i);
	}
	OK(nb_out_row_create(row_fields, NB_OUT_ROW_MAX + 1, &r) == -EINVAL,
	    "more than NB_OUT_ROW_MAX fields are refused");
	a = run(false, false, emit_rows_fmt);
	b = run(false, false, emit_rows_calls);
	OK(strcmp(a, b) == 0 && strcmp(a,
	    "lo    |65536 [true]<Link>        0 18446744073709551615    tx\n"
	    "v\xc3\xa9    |-1    [false]<Link> 123456789        -    tx\n"
	    "a\\033[|-     [true]<Link>        5        6    tx\n") == 0,
	    "a row format prints the text of the same calls");
	if (strcmp(a, b) != 0)
		printf("# row:\n%s# calls:\n%s", a, b);
	free(a);
	free(b);
	a = run(true, false, emit_rows_fmt);
	b = run(true, false, emit_rows_calls);
	OK(strcmp(a, b) == 0 && strstr(a, "\"index\":2") == NULL &&
	    strstr(a, "\"opackets\":7") == NULL && strstr(a, "\"mtu\":-1") != NULL,
	    "a row format prints the JSON of the same calls, absent keys left out");
	if (strcmp(a, b) != 0)
		printf("# row: %s# calls: %s", a, b);
	free(a);
	free(b);
	OK(aborts(false, bad_row_context) && aborts(true, bad_row_context),
	    "a keyed row inside an array aborts, text and JSON");
	test_row_reads();
	test_row_array();
	test_row_vals();
}

/*
 * Row text against the per-value calls over many rows: strings that fit,
 * fill or overflow their fields, left and right, that need escaping or are
 * UTF-8, at the lengths the word-at-a-time checks split on; numbers that
 * fill or overflow their widths, negative ones; absent values, also in
 * fields of no width; bools. Enough rows that rows meet the end of the
 * emitter's buffer; then values, and a row format, bigger than it.
 */
static const struct tfield {
	enum nb_out_ftype type;
	const char *pre;	/* NB_OUT_F_LIT: the literal */
	bool left;
	int width;		/* -1: none ("%s") */
	const char *rest;
} tfields[] = {
	{ NB_OUT_F_STR, "", true, 6, "|" },
	{ NB_OUT_F_STR, "", false, 6, "|" },
	{ NB_OUT_F_LIT, "<Link> ", false, 0, "" },
	{ NB_OUT_F_U64, " ", false, 5, "" },
	{ NB_OUT_F_U64, " ", false, 3, "" },	/* a run of right-justified numbers */
	{ NB_OUT_F_I64, "", false, 6, "" },
	{ NB_OUT_F_U64, " ", true, 5, "|" },
	{ NB_OUT_F_I64, "", false, 4, "" },
	{ NB_OUT_F_I64, " ", true, 4, "|" },
	{ NB_OUT_F_U64, "<", false, -1, ">" },
	{ NB_OUT_F_BOOL, "", false, 6, "" },
	{ NB_OUT_F_STR, " ", false, -1, "" },
	{ NB_OUT_F_STR, " [", true, 17, "]" },
	{ NB_OUT_F_U64, " ", false, 20, "" },
	{ NB_OUT_F_LIT, "\n", false, 0, "" },
};
#define NTFIELDS (sizeof(tfields) / sizeof(tfields[0]))

static const char *const tstrs[] = {
	"", "a", "ab", "abc", "abcd", "abcdefg", "abcdefgh", "abcdefghi",
	"0123456789abcdef", "0123456789abcdefg", "0123456789abcdefghijklmnopqrstuvwxyz",
	"~ }", "fe80::9c65:c1ff:fe12:a6ed", NULL,
	"a\x1b", "\033bcdefgh", "abcdefg\x7f", "abcdefghijklmnop\x01", "abcdefghijklmnopq\x1f",
	"a\tb", "ab\x80", "\xff", "v\xc3\xa9", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
};
#define NTSTRS (sizeof(tstrs) / sizeof(tstrs[0]))

static const uint64_t tu64[] = { 0, 9, 10, 99999, 100000, 123456789, UINT64_MAX };
static const int64_t ti64[] = { 0, -1, 999, 9999, 10000, -999, -1000, INT64_MIN, INT64_MAX };

#define TROWS 3000

/*
 * The first field's literal: "" (the field starts the row) or, on a
 * second run, some text before it (nb_out_row's row_start copies it).
 */
static const char *tpre0 = "";

static const char *
tpre(size_t k)
{
	return k == 0 ? tpre0 : tfields[k].pre;
}

static char tfmt[NTFIELDS][48], tsfmt[NTFIELDS][48];	/* value's format; "%s" for "-" */
static char *thuge;					/* bigger than the buffer */

/* The formats of tfields: "pre%[-][width]<conv>rest", and with "s" for "-". */
static void
tformats(void)
{
	static const char *conv[] = { PRIu64, PRId64, "s", "s" };
	char w[16] = "";
	size_t i;

	for (i = 0; i < NTFIELDS; i++) {
		const struct tfield *f = &tfields[i];

		if (f->type == NB_OUT_F_LIT)
			continue;
		if (f->width >= 0)
			snprintf(w, sizeof(w), "%d", f->width);
		else
			w[0] = '\0';
		snprintf(tfmt[i], sizeof(tfmt[i]), "%s%%%s%s%s%s", tpre(i), f->left ? "-" : "", w,
		    conv[f->type], f->rest);
		snprintf(tsfmt[i], sizeof(tsfmt[i]), "%s%%%s%ss%s", tpre(i), f->left ? "-" : "", w,
		    f->rest);
	}
}

/* Value of field k in row i, and whether it is absent. */
static bool
tvalue(size_t i, size_t k, union nb_out_val *v)
{
	switch (tfields[k].type) {
	case NB_OUT_F_U64:
		v->u = tu64[(i + k) % (sizeof(tu64) / sizeof(tu64[0]))];
		break;
	case NB_OUT_F_I64:
		v->i = ti64[(i * 7 + k) % (sizeof(ti64) / sizeof(ti64[0]))];
		break;
	case NB_OUT_F_STR:
		v->s = i == TROWS ? thuge : tstrs[(i + 3 * k) % NTSTRS];
		break;
	case NB_OUT_F_BOOL:
		v->b = (i + k) % 2 == 0;
		break;
	default:
		break;
	}
	return tfields[k].type != NB_OUT_F_LIT && (i * 31 + k * 7) % 11 == 0;
}

/* The text nb_out_str prints for s, in *shown (the caller frees it). */
static char *
tshown(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	struct nb_out *o;
	FILE *fp;

	if ((fp = open_memstream(&buf, &len)) == NULL || (o = nb_out_create(fp, false, false)) == NULL)
		abort();
	nb_out_record_begin(o);
	nb_out_str(o, NB_OUT_TEXT, NULL, "%s", s);
	nb_out_record_end(o);
	nb_out_destroy(&o);
	fclose(fp);
	return buf;
}

/* String field k with value s, a call at a time; UTF-8 padded by hand, as the tools do. */
static void
tstr_calls(struct nb_out *o, size_t k, const char *s)
{
	const struct tfield *f = &tfields[k];
	char *e = tshown(s != NULL ? s : "");
	const unsigned char *p;
	int cols = 0, pad;

	for (p = (const unsigned char *)e; *p != '\0'; p++)
		cols += (*p & 0xc0) != 0x80;
	if ((size_t)cols == strlen(e)) {
		nb_out_str(o, NB_OUT_TEXT, NULL, tfmt[k], s);
	} else {
		pad = f->width > cols ? f->width - cols : 0;
		nb_out_text(o, "%s", tpre(k));
		if (!f->left)
			nb_out_pad(o, pad);
		nb_out_text(o, "%s", e);
		if (f->left)
			nb_out_pad(o, pad);
		nb_out_text(o, "%s", f->rest);
	}
	free(e);
}

static void
emit_trows(struct nb_out *o, bool rowfmt)
{
	struct nb_out_field rf[NTFIELDS];
	union nb_out_val v[NTFIELDS];
	struct nb_out_row *r;
	uint64_t absent;
	size_t i, k;

	for (k = 0; k < NTFIELDS; k++)
		rf[k] = (struct nb_out_field){ tfields[k].type, NB_OUT_TEXT, NULL,
			tfields[k].type == NB_OUT_F_LIT ? tfields[k].pre : tfmt[k], 0 };
	if (nb_out_row_create(rf, NTFIELDS, &r) != 0)
		abort();
	nb_out_record_begin(o);
	for (i = 0; i <= TROWS; i++) {		/* row TROWS: strings bigger than the buffer */
		for (absent = 0, k = 0; k < NTFIELDS; k++)
			absent |= tvalue(i, k, &v[k]) ? UINT64_C(1) << k : 0;
		if (rowfmt) {
			nb_out_row(o, r, v, absent);
			continue;
		}
		for (k = 0; k < NTFIELDS; k++) {
			if ((absent & UINT64_C(1) << k) != 0) {
				nb_out_text(o, tsfmt[k], "-");
				continue;
			}
			switch (tfields[k].type) {
			case NB_OUT_F_U64:
				nb_out_u64(o, NB_OUT_TEXT, NULL, tfmt[k], v[k].u);
				break;
			case NB_OUT_F_I64:
				nb_out_i64(o, NB_OUT_TEXT, NULL, tfmt[k], v[k].i);
				break;
			case NB_OUT_F_STR:
				tstr_calls(o, k, v[k].s);
				break;
			case NB_OUT_F_BOOL:
				nb_out_bool(o, NB_OUT_TEXT, NULL, tfmt[k], v[k].b);
				break;
			default:
				nb_out_text(o, "%s", tfields[k].pre);
				break;
			}
		}
	}
	nb_out_record_end(o);
	nb_out_row_destroy(&r);
}

static void
emit_trows_fmt(struct nb_out *o)
{
	emit_trows(o, true);
}

static void
emit_trows_calls(struct nb_out *o)
{
	emit_trows(o, false);
}

/* A row format whose literal is bigger than the buffer, around a number. */
static void
emit_hugelit(struct nb_out *o, bool rowfmt)
{
	struct nb_out_field f[] = {
		{ NB_OUT_F_LIT, NB_OUT_TEXT, NULL, thuge, 0 },
		{ NB_OUT_F_U64, NB_OUT_TEXT, NULL, "%8" PRIu64 "\n", 0 },
	};
	union nb_out_val v[2] = { { .u = 0 }, { .u = 1234 } };
	struct nb_out_row *r;

	if (nb_out_row_create(f, 2, &r) != 0)
		abort();
	nb_out_record_begin(o);
	nb_out_text(o, "x");
	if (rowfmt) {
		nb_out_row(o, r, v, 0);
		nb_out_row(o, r, v, 2);
	} else {
		nb_out_text(o, "%s", thuge);
		nb_out_u64(o, NB_OUT_TEXT, NULL, "%8" PRIu64 "\n", 1234);
		nb_out_text(o, "%s", thuge);
		nb_out_text(o, "%8s\n", "-");
	}
	nb_out_record_end(o);
	nb_out_row_destroy(&r);
}

static void
emit_hugelit_fmt(struct nb_out *o)
{
	emit_hugelit(o, true);
}

static void
emit_hugelit_calls(struct nb_out *o)
{
	emit_hugelit(o, false);
}

static void
test_row_text(void)
{
	char *a, *b;

	if ((thuge = malloc(20001)) == NULL)
		abort();
	memset(thuge, 'x', 20000);
	thuge[20000] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		tpre0 = pass == 0 ? "" : "if ";
		tformats();
		a = run(false, false, emit_trows_fmt);
		b = run(false, false, emit_trows_calls);
		OK(strcmp(a, b) == 0, "row text equals the calls' over %d rows (after \"%s\")",
		    TROWS, tpre0);
		if (strcmp(a, b) != 0) {
			size_t i = 0;

			while (a[i] == b[i])
				i++;
			printf("# first difference at %zu:\n# row:   %.80s\n# calls: %.80s\n", i,
			    a + (i > 40 ? i - 40 : 0), b + (i > 40 ? i - 40 : 0));
		}
		free(a);
		free(b);
	}
	thuge[19999] = '\x1b';		/* escaped, still too big */
	a = run(false, false, emit_trows_fmt);
	b = run(false, false, emit_trows_calls);
	OK(strcmp(a, b) == 0, "a value bigger than the buffer, to escape, as the calls print it");
	free(a);
	free(b);
	thuge[19999] = 'x';
	a = run(false, false, emit_hugelit_fmt);
	b = run(false, false, emit_hugelit_calls);
	OK(strcmp(a, b) == 0 && strlen(a) == 1 + 2 * (20000 + 9),
	    "a row format bigger than the buffer prints as the calls do");
	free(a);
	free(b);
	free(thuge);
}

/*
 * Row JSON against the per-value calls: a key to escape, the same key in
 * an object and the object inside it, absent values; a key twice in a
 * row's object, or a row's key the caller's object has, aborts.
 */
static const struct nb_out_field jfields[] = {
	{ NB_OUT_F_OBJECT, NB_OUT_ANY, NULL, NULL, 0 },
	{ NB_OUT_F_U64, NB_OUT_ANY, "n", "%" PRIu64, 0 },
	{ NB_OUT_F_STR, NB_OUT_JSON, "k\x1b", NULL, 0 },
	{ NB_OUT_F_OBJECT, NB_OUT_ANY, "o", NULL, 0 },
	{ NB_OUT_F_I64, NB_OUT_JSON, "n", NULL, 0 },
	{ NB_OUT_F_BOOL, NB_OUT_ANY, "b", " %s", 0 },
	{ NB_OUT_F_CLOSE, NB_OUT_ANY, NULL, NULL, 0 },
	{ NB_OUT_F_STR, NB_OUT_JSON, "s", NULL, 0 },
	{ NB_OUT_F_CLOSE, NB_OUT_ANY, NULL, NULL, 0 },
};

static void
emit_jrows(struct nb_out *o, bool rowfmt)
{
	union nb_out_val v[9];
	struct nb_out_row *r;
	uint64_t absent;
	int i;

	if (nb_out_row_create(jfields, 9, &r) != 0)
		abort();
	nb_out_record_begin(o);
	nb_out_open_array(o, "rows");
	for (i = 0; i < 4; i++) {
		absent = i == 1 ? UINT64_C(1) << 1 | UINT64_C(1) << 4 : 0;
		v[1].u = (uint64_t)i;
		v[2].s = i == 2 ? NULL : "v\x01";
		v[4].i = -i;
		v[5].b = i % 2 != 0;
		v[7].s = "\xc3\xa9";
		if (rowfmt) {
			nb_out_row(o, r, v, absent);
			continue;
		}
		nb_out_open_object(o, NULL);
		if (i != 1)
			nb_out_u64(o, NB_OUT_ANY, "n", "%" PRIu64, v[1].u);
		else
			nb_out_text(o, "-");
		nb_out_str(o, NB_OUT_JSON, "k\x1b", NULL, v[2].s);
		nb_out_open_object(o, "o");
		if (i != 1)
			nb_out_i64(o, NB_OUT_JSON, "n", NULL, v[4].i);
		nb_out_bool(o, NB_OUT_ANY, "b", " %s", v[5].b);
		nb_out_close_object(o);
		nb_out_str(o, NB_OUT_JSON, "s", NULL, v[7].s);
		nb_out_close_object(o);
	}
	nb_out_close_array(o);
	nb_out_record_end(o);
	nb_out_row_destroy(&r);
}

static void
emit_jrows_fmt(struct nb_out *o)
{
	emit_jrows(o, true);
}

static void
emit_jrows_calls(struct nb_out *o)
{
	emit_jrows(o, false);
}

static void
dup_in_row(struct nb_out *o)
{
	static const struct nb_out_field f[] = {
		{ NB_OUT_F_OBJECT, NB_OUT_ANY, NULL, NULL, 0 },
		{ NB_OUT_F_U64, NB_OUT_ANY, "k", "%" PRIu64, 0 },
		{ NB_OUT_F_U64, NB_OUT_JSON, "k", NULL, 0 },
		{ NB_OUT_F_CLOSE, NB_OUT_ANY, NULL, NULL, 0 },
	};
	union nb_out_val v[4] = { { .u = 1 }, { .u = 1 }, { .u = 1 }, { .u = 1 } };
	struct nb_out_row *r;

	if (nb_out_row_create(f, 4, &r) != 0)
		_exit(4);
	nb_out_record_begin(o);
	nb_out_open_array(o, "a");
	nb_out_row(o, r, v, 0);
	nb_out_close_array(o);
	nb_out_record_end(o);
}

static void
dup_of_caller(struct nb_out *o)
{
	static const struct nb_out_field f[] = { { NB_OUT_F_U64, NB_OUT_ANY, "k", "%" PRIu64, 0 } };
	union nb_out_val v[1] = { { .u = 1 } };
	struct nb_out_row *r;

	if (nb_out_row_create(f, 1, &r) != 0)
		_exit(4);
	nb_out_record_begin(o);
	nb_out_u64(o, NB_OUT_ANY, "k", NULL, 2);
	nb_out_row(o, r, v, 0);
	nb_out_record_end(o);
}

static void
test_row_json(void)
{
	char *a, *b;

	a = run(true, false, emit_jrows_fmt);
	b = run(true, false, emit_jrows_calls);
	OK(strcmp(a, b) == 0 && strstr(a, "\"k\\\\033\":\"v\\\\001\"") != NULL &&
	    strstr(a, "\"o\":{\"n\":-3,") != NULL,
	    "row JSON equals the per-value calls' (escaped keys, a key again in an inner object)");
	if (strcmp(a, b) != 0)
		printf("# row: %s# calls: %s", a, b);
	free(a);
	free(b);
	a = run(false, false, emit_jrows_fmt);
	b = run(false, false, emit_jrows_calls);
	OK(strcmp(a, b) == 0, "and their text");
	free(a);
	free(b);
	OK(aborts(true, dup_in_row) && !aborts(false, dup_in_row),
	    "a key twice in a row's object aborts in JSON");
	OK(aborts(true, dup_of_caller), "a row's key its container has already aborts in JSON");
}

int
main(void)
{
	nb_tool_init("test_nbout");
	test_emit();
	test_records();
	test_balance();
	test_rows();
	test_row_text();
	test_row_json();
	test_parse_u64();
	test_parse_interval();
	test_parse_time();
	printf("1..%d\n", tests);
	if (failures != 0)
		printf("# %d of %d failed\n", failures, tests);
	return failures != 0 ? 1 : 0;
}
