/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_escape.c - the one escaping rule (nb_sysctl_strvis) on its own and
 * where nb_out applies it (text, JSON values and keys; nb_sysctl_json's
 * use is in test_sysctl_tree); times outside what realtime ns can hold are refused.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "nbtool/nbtool.h"
#include "sysctl-tree/sysctl.h"

#include "check.h"

static void
check_vis(const char *in, size_t len, const char *want)
{
	char buf[256];
	size_t n = nb_sysctl_strvis(in, len, buf, sizeof(buf));

	CHECK(n == strlen(want) && strcmp(buf, want) == 0, "vis(%zu bytes) = \"%s\", want \"%s\"",
	    len, buf, want);
	CHECK(nb_sysctl_strsafe(in, len) == (len == strlen(want) && memcmp(in, want, len) == 0),
	    "strsafe disagrees with strvis on \"%s\"", want);
}

static void
test_rule(void)
{
	char small[6];

	check_vis("eth0", 4, "eth0");
	check_vis("br\\.lan", 7, "br\\.lan");			/* a backslash passes */
	check_vis("v\xc3\xa9" "1", 4, "v\xc3\xa9" "1");		/* UTF-8 passes */
	check_vis("\xe2\x82\xac", 3, "\xe2\x82\xac");		/* euro sign */
	check_vis("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80");	/* 4-byte character */
	check_vis("\x1b[31mred", 8, "\\033[31mred");		/* ESC: no colours */
	check_vis("a\nb\tc\r", 6, "a\\012b\\011c\\015");
	check_vis("\x7f", 1, "\\177");
	check_vis("x\xff", 2, "x\\377");			/* not UTF-8 */
	check_vis("\xc3", 1, "\\303");				/* truncated */
	check_vis("\xc0\xaf", 2, "\\300\\257");			/* overlong '/' */
	check_vis("\xed\xa0\x80", 3, "\\355\\240\\200");		/* surrogate */
	check_vis("\xf4\x90\x80\x80", 4, "\\364\\220\\200\\200");	/* > U+10FFFF */
	check_vis("\xc2\x9b", 2, "\\302\\233");			/* C1 CSI */
	check_vis("\xe2\x80\xae", 3, "\\342\\200\\256");		/* RIGHT-TO-LEFT OVERRIDE */
	check_vis("a\0b", 3, "a\\000b");
	check_vis("", 0, "");
	/* Truncation: like snprintf, the needed length and a NUL-terminated prefix. */
	CHECK_EQ(nb_sysctl_strvis("ab\x01", 3, small, sizeof(small)), 6);
	CHECK(strcmp(small, "ab") == 0, "truncated: \"%s\"", small);
}

/* Emit one string value as text and as JSON; the JSON must parse and give back `want`. */
static void
check_out(const char *v, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	struct nb_out *o;
	struct json_object *doc, *x;

	fp = open_memstream(&buf, &len);
	o = nb_out_create(fp, false, false);
	nb_out_record_begin(o);
	nb_out_str(o, NB_OUT_ANY, "comm", "%s\n", v);
	nb_out_record_end(o);
	nb_out_destroy(&o);
	fclose(fp);
	CHECK(buf != NULL && strncmp(buf, want, strlen(want)) == 0 && buf[strlen(want)] == '\n',
	    "text \"%s\", want \"%s\"", buf != NULL ? buf : "", want);
	free(buf);

	buf = NULL;
	fp = open_memstream(&buf, &len);
	o = nb_out_create(fp, true, false);
	nb_out_record_begin(o);
	nb_out_str(o, NB_OUT_ANY, "comm", "%s\n", v);
	nb_out_open_object(o, v);	/* a key made of the same bytes */
	nb_out_close_object(o);
	nb_out_record_end(o);
	nb_out_destroy(&o);
	fclose(fp);
	doc = json_tokener_parse(buf);
	CHECK(doc != NULL, "JSON does not parse: %s", buf);
	if (doc != NULL) {
		CHECK(json_object_object_get_ex(doc, "comm", &x) &&
		    strcmp(json_object_get_string(x), want) == 0, "JSON value in %s", buf);
		CHECK(json_object_object_get_ex(doc, want, NULL), "JSON key in %s", buf);
		json_object_put(doc);
	}
	free(buf);
}

static void
test_out(void)
{
	check_out("sshd", "sshd");
	check_out("\x1b[31mevil", "\\033[31mevil");
	check_out("bad\xff\xfe", "bad\\377\\376");
	check_out("caf\xc3\xa9", "caf\xc3\xa9");
}

static void
test_time_range(void)
{
	const int64_t now = INT64_C(1714532400) * 1000000000;
	static const char *const bad[] = {
		"9999-12-31T23:59", "0000-01-01T00:00", "1677-01-01T00:00Z", "2263-01-01T00:00Z",
		"2262-04-12T00:00Z",
	};
	const char *err;
	int64_t ns;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		CHECK(nb_parse_time(bad[i], now, &ns, &err) == -EINVAL && err != NULL &&
		    strstr(err, "out of range") != NULL, "%s: %s", bad[i], err != NULL ? err : "(accepted)");
	}
	CHECK(nb_parse_time("2262-04-11T00:00Z", now, &ns, NULL) == 0 && ns > 0, "2262-04-11 fits");
	CHECK(nb_parse_time("1678-01-01T00:00Z", now, &ns, NULL) == 0 && ns < 0, "1678-01-01 fits");
}

int
main(void)
{
	nb_tool_init("test_escape");
	test_rule();
	test_out();
	test_time_range();
	printf("%d checks, %d failed\n", checks, failures);
	return failures != 0;
}
