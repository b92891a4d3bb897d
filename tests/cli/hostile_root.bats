#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# hostile_root.bats - files that are not what they should be (a fixture
# root's procfs files, a history file): the tools refuse them at once,
# naming the file, never block; hostile text comes out escaped.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	ROOT="$BATS_TEST_TMPDIR/root"
	cp -a "$NB_SRC/tests/fixtures/good" "$ROOT"
}

@test "a fifo instead of a procfs file is refused without blocking" {
	rm "$ROOT/proc/net/snmp"
	mkfifo "$ROOT/proc/net/snmp"
	run --separate-stderr timeout 20 "$NB_BIN/nbnetstat" -s --root "$ROOT"
	assert_equal "$status" 1
	assert_regex "$stderr" "proc/net/snmp: not a regular file"
	rm "$ROOT/proc/stat"
	mkfifo "$ROOT/proc/stat"
	run --separate-stderr timeout 20 "$NB_BIN/nbsysctl" --root "$ROOT" kern.cp_time
	assert_equal "$status" 1
	assert_regex "$stderr" "proc/stat: not a regular file"
}

@test "a hostname with control bytes and invalid UTF-8 is escaped in text and JSON" {
	printf 'evil\033[31mred\377\n' >"$ROOT/proc/sys/kernel/hostname"
	run --separate-stderr "$NB_BIN/nbsysctl" --root "$ROOT" -n kern.hostname
	assert_equal "$status" 0
	assert_equal "$output" 'evil\033[31mred\377'
	run --separate-stderr "$NB_BIN/nbsysctl" --root "$ROOT" -j kern.hostname
	assert_equal "$status" 0
	run -0 jq -r .kern.hostname <<<"$output"
	assert_equal "$output" 'evil\033[31mred\377'
}

@test "a boot time after the sample is refused, not read as rates of totals" {
	sed -i 's/^btime .*/btime 9999999999/' "$ROOT/proc/stat"
	run --separate-stderr "$NB_BIN/nbvmstat" --root "$ROOT"
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_regex "$stderr" "^nbvmstat: kern.boottime 9999999999 is after the sample's time"
}

@test "a fifo given to --replay or --record is refused without blocking" {
	mkfifo "$BATS_TEST_TMPDIR/h.db"
	run --separate-stderr timeout 20 "$NB_BIN/nbnetstat" --replay "$BATS_TEST_TMPDIR/h.db" -i
	assert_equal "$status" 1
	assert_regex "$stderr" "^nbnetstat: --replay .*/h.db: not a regular file"
	run --separate-stderr timeout 20 "$NB_BIN/nbsysctl" --record "$BATS_TEST_TMPDIR/h.db" kern.hostname
	assert_equal "$status" 1
	assert_regex "$stderr" "^nbsysctl: --record .*/h.db: not a regular file"
}
