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

@test "a process name with ESC and a byte that is not UTF-8 is escaped by nbfstat, text and JSON" {
	/usr/bin/python3 -c 'import ctypes, time
ctypes.CDLL(None).prctl(15, b"ev\x1b[31mil\xff", 0, 0, 0)
print("ready", flush=True)
time.sleep(60)' >"$BATS_TEST_TMPDIR/ready" &
	local pid=$! t
	for ((t = 0; t < 50; t++)); do grep -q ready "$BATS_TEST_TMPDIR/ready" && break; sleep 0.1; done
	run --separate-stderr "$NB_BIN/nbfstat" -p "$pid"
	assert_equal "$status" 0
	[[ $output != *$'\033'* && $output != *$'\377'* ]] || { kill "$pid"; fail "raw bytes reached the text: $(cat -v <<<"$output")"; }
	assert_regex "${lines[1]}" 'ev\\033\[31m'
	run --separate-stderr "$NB_BIN/nbfstat" -p "$pid" -j
	kill "$pid"
	assert_equal "$status" 0
	run -0 jq -r '.files[0].cmd' <<<"$output"
	assert_equal "$output" 'ev\033[31mil\377'
}
