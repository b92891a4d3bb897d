#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# options.bats - common options that would otherwise be accepted and
# silently ignored are usage errors (exit 2, one message, the usage hint).

bats_require_minimum_version 1.5.0
load helpers

usage_error() { # usage_error REGEX CMD...
	local re=$1
	shift
	run --separate-stderr "$@"
	assert_equal "$status" 2
	assert_equal "$output" ""
	assert_regex "${stderr_lines[0]}" "$re"
}

@test "--source-args without --source is refused" {
	usage_error '^nbnetstat: --source-args needs --source' nbnetstat --source-args ifaces=3 -i
	usage_error '^nbsysctl: --source-args needs --source' nbsysctl --source-args ifaces=3 kern.hostname
}

@test "--root with --replay or -S is refused; \$NBSTAT_ROOT is not an option" {
	usage_error '^nbnetstat: --root reads a fixture root: not with --replay' \
	    nbnetstat --replay "$BATS_TEST_TMPDIR/none.db" --root "$NB_SRC/tests/fixtures/good" -i
	usage_error '^nbsysctl: --root reads a fixture root' \
	    nbsysctl -S "$BATS_TEST_TMPDIR/sock" --root "$NB_SRC/tests/fixtures/good" kern.hostname
	# The environment's root does not stop a replay (it is for the local source).
	run --separate-stderr env NBSTAT_ROOT="$NB_SRC/tests/fixtures/good" \
	    "$NB_BIN/nbsysctl" --replay "$BATS_TEST_TMPDIR/none.db" kern.hostname
	assert_equal "$status" 1
}

@test "a time option given twice is refused" {
	local db="$BATS_TEST_TMPDIR/none.db"
	usage_error '^nbnetstat: --at given twice' nbnetstat --replay "$db" --at now --at -1m -i
	usage_error '^nbsysctl: --from given twice' nbsysctl --replay "$db" --from -2m --from -1m --to now -a
	usage_error '^nbvmstat: --to given twice' "$NB_BIN/nbvmstat" --replay "$db" --from -2m --to -1m --to now
}

@test "--at outside 1678-2262 is refused, not read backwards" {
	local db="$BATS_TEST_TMPDIR/none.db" t
	for t in 9999-12-31T23:59 0000-01-01T00:00 1600-01-01T00:00Z; do
		usage_error "^nbnetstat: --at $t: time out of range" nbnetstat --replay "$db" --at "$t" -i
	done
}

@test "nbsysctl: an empty name is a usage error, never the whole tree or ': ...'" {
	usage_error '^nbsysctl: empty name' nbsysctl ''
	usage_error '^nbsysctl: empty name' nbsysctl -w =1500
	usage_error '^nbsysctl: empty name' nbsysctl -n kern.hostname ''
}

@test "interval mode is refused with a fixture root (--root or \$NBSTAT_ROOT), allowed with --replay" {
	local R="$NB_SRC/tests/fixtures/good"
	usage_error '^nbnetstat: --root is one moment of a fixture' nbnetstat -s -w 1 --root "$R"
	usage_error '^nbvmstat: --root is one moment of a fixture' "$NB_BIN/nbvmstat" -w 1 -c 2 --root "$R"
	usage_error '^nbsysctl: --root is one moment of a fixture' env NBSTAT_ROOT="$R" "$NB_BIN/nbsysctl" --interval 1 kern.cp_time
	# Recording the fixture (one sample) stays allowed.
	run -0 nbsysctl --root "$R" --record "$BATS_TEST_TMPDIR/f.db" net.inet.ip.stats.inreceives
}
