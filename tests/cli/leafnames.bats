#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# leafnames.bats - the tools and libnbtool name the tree's leaves only in
# column tables (nb_sysctl_table_read) and never compare a component with a
# leaf name: no strcmp/strncmp/COMP_IS/LEAF_IS against a literal other than
# the generic names (families, protocols, sources, shell words) that are
# values or arguments, not leaves. The same pattern as the acceptance check.

load helpers

GENERIC='"(inet|inet6|all|main|tcp|tcp6|udp|udp6|udplite|icmp|icmp6|ip|ip6|unix|raw|raw6|linux|sim|local|default|now|invalid|max|help|quit|exit|cd|ls|get|watch|describe)"'

compares() {
	(cd "$NB_SRC" && grep -rnE '(str(n)?cmp|COMP_IS|LEAF_IS)\([^;]*"[a-z_]+[0-9]*"' "$@")
}

@test "no tool and not libnbtool compares a leaf name" {
	run bash -c "cd '$NB_SRC' && grep -rnE '(str(n)?cmp|COMP_IS|LEAF_IS)\\([^;]*\"[a-z_]+[0-9]*\"' \
	    nbnetstat nbvmstat nbfstat nbsysctl libnbtool | grep -vE '$GENERIC'"
	# grep's status 1: nothing found (2 would be an error).
	assert_equal "$status" 1
	assert_output ""
}

@test "the pattern finds a leaf-name compare where there is one" {
	local d="$BATS_TEST_TMPDIR/t"
	mkdir -p "$d"
	printf 'if (strcmp(e->comp[3], "ipackets") == 0)\n' >"$d/a.c"
	printf 'if (strcmp(fam, "inet") == 0)\n' >"$d/b.c"
	run bash -c "grep -rnE '(str(n)?cmp|COMP_IS|LEAF_IS)\\([^;]*\"[a-z_]+[0-9]*\"' '$d' | grep -vE '$GENERIC'"
	assert_success
	assert_output --partial 'a.c:1:'
	refute_output --partial 'b.c'
}

@test "the tools read objects through the table reader" {
	run bash -c "cd '$NB_SRC' && grep -lE 'nb_sysctl_table_read' nbnetstat/*.c nbvmstat/*.c nbfstat/*.c | sort"
	assert_success
	for f in nbnetstat/if.c nbnetstat/ifw.c nbnetstat/route.c nbnetstat/bpf.c \
	    nbnetstat/softnet.c nbnetstat/stats.c nbvmstat/vm.c nbvmstat/hash.c nbfstat/main.c; do
		assert_line "$f"
	done
	# nbfstat reads everything before it prints: no single-leaf get.
	run grep -n 'nb_sysctl_get' "$NB_SRC/nbfstat/main.c"
	assert_failure
}
