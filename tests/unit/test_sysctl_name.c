/* SPDX-License-Identifier: BSD-2-Clause */
/* test_sysctl_name.c - sysctl-tree names: escape round trips, malformed names, limits; value text. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysctl-tree/sysctl.h"

#include "check.h"

/* Split `name`, expect `n` components equal to want[], join back to `name`. */
static void
roundtrip(const char *name, const char *const *want, unsigned n)
{
	char **comp = NULL;
	size_t *lens = NULL;
	unsigned got = 0, i;
	char buf[NB_SYSCTL_NAMEMAX + 1];
	size_t len;
	int error;

	error = nb_sysctl_name_split(name, &comp, &lens, &got);
	CHECK(error == 0);
	if (error != 0) {
		fprintf(stderr, "  split(\"%s\") = %d\n", name, error);
		return;
	}
	CHECK(got == n);
	for (i = 0; i < n && i < got; i++) {
		CHECK(strcmp(comp[i], want[i]) == 0);
		CHECK(lens[i] == strlen(want[i]));
	}
	len = nb_sysctl_name_join((const char *const *)comp, got, buf, sizeof(buf));
	CHECK(len == strlen(name) - (name[0] == '.' ? 1 : 0));
	CHECK(strcmp(buf, name + (name[0] == '.' ? 1 : 0)) == 0);
	free(comp);
}

static void
expect_err(const char *name, int want)
{
	char **comp = NULL;
	unsigned n = 0;
	int error;

	error = nb_sysctl_name_split(name, &comp, NULL, &n);
	if (error != want)
		fprintf(stderr, "  split(\"%s\") = %d, want %d\n", name, error, want);
	CHECK(error == want);
	if (error == 0)
		free(comp);
}

/* Every odd component joins to an escaped name that splits back to it. */
static void
join_then_split(const char *const *comps, unsigned n, const char *want)
{
	char buf[NB_SYSCTL_NAMEMAX + 1];
	char **back = NULL;
	size_t len;
	unsigned m = 0, i;

	len = nb_sysctl_name_join(comps, n, buf, sizeof(buf));
	CHECK(len == strlen(want));
	CHECK(strcmp(buf, want) == 0);
	CHECK(nb_sysctl_name_split(buf, &back, NULL, &m) == 0);
	CHECK(m == n);
	for (i = 0; i < n && i < m; i++)
		CHECK(strcmp(back[i], comps[i]) == 0);
	free(back);
}

static void
test_roundtrips(void)
{
	static const char *const plain[] = { "net", "interfaces", "lo", "mtu" };
	static const char *const dot[] = { "net", "interfaces", "br.lan", "mtu" };
	static const char *const bs[] = { "net", "interfaces", "a\\b", "mtu" };
	static const char *const mix[] = { "net", "interfaces", "-x@1#.\\", "stats" };
	static const char *const utf[] = { "net", "interfaces", "\xc3\xa9th0", "mtu" };
	static const char *const bad8[] = { "net", "interfaces", "\xff\xfe.\x80", "mtu" };
	static const char *const dep[] = { "net", "interfaces_departed", "veth.1@17" };
	static const char *const one[] = { "kern" };

	roundtrip("net.interfaces.lo.mtu", plain, 4);
	roundtrip(".net.interfaces.lo.mtu", plain, 4);
	roundtrip("net.interfaces.br\\.lan.mtu", dot, 4);
	roundtrip("net.interfaces.a\\\\b.mtu", bs, 4);
	roundtrip("net.interfaces.-x@1#\\.\\\\.stats", mix, 4);
	roundtrip("net.interfaces.\xc3\xa9th0.mtu", utf, 4);
	roundtrip("net.interfaces.\xff\xfe\\.\x80.mtu", bad8, 4);
	roundtrip("net.interfaces_departed.veth\\.1@17", dep, 3);
	roundtrip("kern", one, 1);

	join_then_split(dot, 4, "net.interfaces.br\\.lan.mtu");
	join_then_split(bs, 4, "net.interfaces.a\\\\b.mtu");
	join_then_split(mix, 4, "net.interfaces.-x@1#\\.\\\\.stats");
	join_then_split(bad8, 4, "net.interfaces.\xff\xfe\\.\x80.mtu");
	{
		/* A component made only of separators and escapes. */
		static const char *const odd[] = { ".", "\\", "..", "\\." };

		join_then_split(odd, 4, "\\..\\\\.\\.\\..\\\\\\.");
	}
}

static void
test_root_and_slash(void)
{
	char **comp = NULL;
	unsigned n = 99;

	CHECK(nb_sysctl_name_split("", &comp, NULL, &n) == 0);
	CHECK(n == 0);
	free(comp);
	comp = NULL;
	n = 99;
	CHECK(nb_sysctl_name_split(".", &comp, NULL, &n) == 0);
	CHECK(n == 0);
	free(comp);
	/* '/' is not a separator: it stays inside the component. */
	comp = NULL;
	CHECK(nb_sysctl_name_split("net/interfaces", &comp, NULL, &n) == 0);
	CHECK(n == 1);
	if (n == 1)
		CHECK(strcmp(comp[0], "net/interfaces") == 0);
	free(comp);
}

static void
test_malformed(void)
{
	expect_err("net..interfaces", -EINVAL);
	expect_err("..", -EINVAL);
	expect_err("net.", -EINVAL);
	expect_err("net.interfaces.", -EINVAL);
	expect_err("net.lo\\", -EINVAL);		/* dangling backslash */
	expect_err("net.l\\o", -EINVAL);		/* escape of a plain byte */
	expect_err("net.\\n", -EINVAL);
	expect_err("net.\\", -EINVAL);
	expect_err("\\", -EINVAL);
}

static void
test_limits(void)
{
	char name[NB_SYSCTL_NAMEMAX + 64];
	char **comp = NULL;
	unsigned n = 0, i;
	size_t len;

	/* Exactly NB_SYSCTL_MAXDEPTH components is fine, one more is not. */
	name[0] = '\0';
	for (i = 0; i < NB_SYSCTL_MAXDEPTH; i++)
		strcat(name, i == 0 ? "a" : ".a");
	CHECK(nb_sysctl_name_split(name, &comp, NULL, &n) == 0);
	CHECK(n == NB_SYSCTL_MAXDEPTH);
	free(comp);
	strcat(name, ".a");
	expect_err(name, -ENAMETOOLONG);

	/* Exactly NB_SYSCTL_NAMEMAX bytes is fine, one more is not. */
	memset(name, 'x', NB_SYSCTL_NAMEMAX);
	name[NB_SYSCTL_NAMEMAX] = '\0';
	comp = NULL;
	CHECK(nb_sysctl_name_split(name, &comp, NULL, &n) == 0);
	CHECK(n == 1);
	if (n == 1)
		CHECK(strlen(comp[0]) == NB_SYSCTL_NAMEMAX);
	free(comp);
	name[NB_SYSCTL_NAMEMAX] = 'x';
	name[NB_SYSCTL_NAMEMAX + 1] = '\0';
	expect_err(name, -ENAMETOOLONG);

	/* join reports the length it needs and truncates like snprintf. */
	{
		static const char *const c[] = { "net", "br.lan" };
		char small[6];

		len = nb_sysctl_name_join(c, 2, small, sizeof(small));
		CHECK(len == strlen("net.br\\.lan"));
		CHECK(strcmp(small, "net.b") == 0);
		CHECK(nb_sysctl_name_join(c, 2, NULL, 0) == len);
		CHECK(nb_sysctl_name_join(c, 0, small, sizeof(small)) == 0);
		CHECK(small[0] == '\0');
	}
}

static void
test_entry_name(void)
{
	static const char *const c[] = { "net", "interfaces", "a.b", "mtu" };
	static const size_t l[] = { 3, 10, 3, 3 };
	struct nb_sysctl_entry e = { .comp = c, .complen = l, .ncomp = 4, .descr = "" };
	char buf[64];

	CHECK(nb_sysctl_entry_name(&e, buf, sizeof(buf)) == strlen("net.interfaces.a\\.b.mtu"));
	CHECK(strcmp(buf, "net.interfaces.a\\.b.mtu") == 0);
}

static void
test_values(void)
{
	struct nb_sysctl_value v = { 0 };
	uint64_t vec[3] = { 1, 20, 300 };
	char buf[128];

	v.type = NB_SYSCTL_U64;
	v.u = 18446744073709551615ull;
	CHECK(nb_sysctl_value_format(&v, buf, sizeof(buf)) == 20);
	CHECK(strcmp(buf, "18446744073709551615") == 0);
	v.type = NB_SYSCTL_INT;
	v.i = -1500;
	nb_sysctl_value_format(&v, buf, sizeof(buf));
	CHECK(strcmp(buf, "-1500") == 0);
	v.type = NB_SYSCTL_BOOL;
	v.b = true;
	nb_sysctl_value_format(&v, buf, sizeof(buf));
	CHECK(strcmp(buf, "1") == 0);
	v.b = false;
	nb_sysctl_value_format(&v, buf, sizeof(buf));
	CHECK(strcmp(buf, "0") == 0);
	v.type = NB_SYSCTL_ADDRESS;
	v.str = "fe80::1";
	v.len = 7;
	CHECK(nb_sysctl_value_format(&v, buf, sizeof(buf)) == 7);
	CHECK(strcmp(buf, "fe80::1") == 0);
	v.type = NB_SYSCTL_STRING;
	v.str = "";
	v.len = 0;
	CHECK(nb_sysctl_value_format(&v, buf, sizeof(buf)) == 0);
	CHECK(buf[0] == '\0');
	/* Per-CPU: total, then the vector. */
	v.type = NB_SYSCTL_U64;
	v.u = 321;
	v.percpu = vec;
	v.ncpu = 3;
	CHECK(nb_sysctl_value_format(&v, buf, sizeof(buf)) ==
	    strlen("321 (cpu0 1, cpu1 20, cpu2 300)"));
	CHECK(strcmp(buf, "321 (cpu0 1, cpu1 20, cpu2 300)") == 0);
	/* Truncation: snprintf semantics. */
	CHECK(nb_sysctl_value_format(&v, buf, 5) == strlen("321 (cpu0 1, cpu1 20, cpu2 300)"));
	CHECK(strcmp(buf, "321 ") == 0);

	CHECK(strcmp(nb_sysctl_type_name(NB_SYSCTL_NODE), "node") == 0);
	CHECK(strcmp(nb_sysctl_type_name(NB_SYSCTL_INT), "int") == 0);
	CHECK(strcmp(nb_sysctl_type_name(NB_SYSCTL_U64), "u64") == 0);
	CHECK(strcmp(nb_sysctl_type_name(NB_SYSCTL_STRING), "string") == 0);
	CHECK(strcmp(nb_sysctl_type_name(NB_SYSCTL_BOOL), "bool") == 0);
	CHECK(strcmp(nb_sysctl_type_name(NB_SYSCTL_ADDRESS), "address") == 0);
	CHECK(strcmp(nb_sysctl_type_name((enum nb_sysctl_type)99), "unknown") == 0);
}

/* One address both ways: nb_sysctl_ntop writes what inet_ntop writes, nb_sysctl_pton reads it back. */
static void
addr_both_ways(int af, const unsigned char *a)
{
	char want[INET6_ADDRSTRLEN], got[INET6_ADDRSTRLEN];
	unsigned char back[16];
	size_t n = af == AF_INET6 ? 16 : 4;

	CHECK(inet_ntop(af, a, want, sizeof(want)) != NULL);
	CHECK(nb_sysctl_ntop(af, a, got, sizeof(got)) == got);
	CHECK(strcmp(got, want) == 0, "\"%s\", want \"%s\"", got, want);
	CHECK(nb_sysctl_pton(af, got, back) == 1, "%s", got);
	CHECK(memcmp(back, a, n) == 0, "%s", got);
	/* Exactly the room it needs, and one byte less. */
	CHECK(nb_sysctl_ntop(af, a, got, strlen(want) + 1) == got);
	CHECK(nb_sysctl_ntop(af, a, got, strlen(want)) == NULL && got[0] == '\0');
}

/* Text either parser may see: the same verdict and bytes as inet_pton. */
static void
pton_like_libc(int af, const char *s)
{
	unsigned char want[16] = { 0 }, got[16] = { 0 };
	int rw = inet_pton(af, s, want), rg = nb_sysctl_pton(af, s, got);

	CHECK(rg == rw, "\"%s\": %d, want %d", s, rg, rw);
	CHECK(rw != 1 || memcmp(got, want, sizeof(got)) == 0, "\"%s\"", s);
}

static void
test_addr_text(void)
{
	static const char *const odd[] = { "", ":", "::", ":::", "::1", "1::", "1:", ":1",
		"1::2::3", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
		"1:2:3:4:5:6:7:8:9", "12345::", "0001::", "FE80::ABCD", "fe80::g", "fe80:: 1",
		"::ffff:1.2.3.4", "::1.2.3.4", "1::1.2.3.4", "::ffff:1.2.3", "::ffff:256.1.1.1",
		"1.2.3.4", "01.2.3.4", "1.2.3.04", "255.255.255.255", "256.0.0.0", "1.2.3", "1.2.3.4.",
		"1.2.3.4.5", "1..2.3", " 1.2.3.4", "1.2.3.4 ", "0.0.0.0", "1234.1.1.1",
		"1.2.3.", "1.2.3.4x", "255.255.255.256", "300.1.1.1", "199.200.255.99", "1.2.3.0",
		"10.0.0.10", "100.10.1.0", "0.0.0.00", "00.0.0.0", "1.2.3.4\n", "1.2.3.1000",
		"1.2.3.25x", "1.2.3.2a", "9.99.199.249", "1.2.3.-1", "1.2.3.+1", "1:2:3:4:5:6:1.2.3.4" };
	static const uint16_t pick[] = { 0, 0, 0, 0, 1, 0xffff, 0xfe80, 0x10, 0x100, 0x1000, 0xabc };
	unsigned char a[16];
	unsigned i, j, seed = 12345;
	char buf[4];

	for (i = 0; i < 200000; i++) {
		for (j = 0; j < 8; j++) {
			seed = seed * 1103515245u + 12345u;
			uint16_t w = (seed >> 16) % 3 == 0 ? (uint16_t)(seed >> 8) :
			    pick[(seed >> 20) % (sizeof(pick) / sizeof(pick[0]))];
			a[2 * j] = (unsigned char)(w >> 8);
			a[2 * j + 1] = (unsigned char)w;
		}
		if (i % 7 == 0) /* IPv4-compatible and -mapped forms */
			memset(a, 0, 10 + (i % 2) * 2);
		if (i % 14 == 0)
			a[10] = a[11] = 0xff;
		addr_both_ways(AF_INET6, a);
		if (i % 4 == 0)
			addr_both_ways(AF_INET, a + 12);
	}
	/* Every octet value at every place of a dotted quad (one to three digits). */
	for (i = 0; i < 256; i++)
		for (j = 0; j < 4; j++) {
			memcpy(a, "\x01\x0a\x64\xff", 4);
			a[j] = (unsigned char)i;
			addr_both_ways(AF_INET, a);
		}
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		pton_like_libc(AF_INET6, odd[i]);
		pton_like_libc(AF_INET, odd[i]);
	}
	CHECK(nb_sysctl_ntop(AF_UNIX, a, buf, sizeof(buf)) == NULL && buf[0] == '\0');
	CHECK(nb_sysctl_pton(AF_UNIX, "1.2.3.4", a) == -1);
}

int
main(void)
{
	test_roundtrips();
	test_root_and_slash();
	test_malformed();
	test_limits();
	test_entry_name();
	test_values();
	test_addr_text();
	if (failures != 0) {
		fprintf(stderr, "test_sysctl_name: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_sysctl_name: ok\n");
	return 0;
}
