#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# vmstat_intr.bats - nbvmstat -i: the interrupt lines of kern.intr.<name>
# from the fixture root's proc/interrupts (tests/fixtures/good), equal to
# the file; golden text and JSON (and the schema) from a replay of two
# samples of that root recorded 10 s apart (times fixed with histsql, so
# the rates are exact); the live lines equal /proc/interrupts read around
# the run; kern.intr in the default recorded set; usage errors.

bats_require_minimum_version 1.5.0
load helpers

GOLD="$NB_SRC/tests/cli/golden"
GOOD="$NB_SRC/tests/fixtures/good"
BOOT=1795314731
# The two samples: one day after the fixture's btime, then 10 s later.
T1=2026-11-23T02:32:11Z
T2=2026-11-23T02:32:21Z

nbvmstat() { "$NB_BIN/nbvmstat" "$@"; }

# The fixture root with every per-CPU count of proc/interrupts advanced by
# k * (CPU0 100, CPU1 50), and MIS by k.
mkroot() {
	local r=$1 k=$2
	cp -r "$GOOD" "$r"
	awk -v k="$k" 'NR > 1 && NF >= 3 { $2 += k * 100; $3 += k * 50 }
	    NR > 1 && $1 == "MIS:" { $2 += k } { print }' "$GOOD/proc/interrupts" >"$r/proc/interrupts"
}

setup_file() {
	local d=$BATS_FILE_TMPDIR
	mkroot "$d/r1" 0
	mkroot "$d/r2" 1
	"$NB_BIN/nbvmstat" --root "$d/r1" -i -P --record "$d/rec.db" >/dev/null
	"$NB_BIN/nbvmstat" --root "$d/r2" -i -P --record "$d/rec.db" >/dev/null
	"$NB_BIN/histsql" dump "$d/rec.db" >"$d/rec.sql"
	sqlite3 "$d/plain.db" <"$d/rec.sql"
	sqlite3 "$d/plain.db" "UPDATE sample SET boottime_ns = ${BOOT}000000000,
	    t_ns = ${BOOT}000000000 + 86400000000000 + (id - 1) * 10000000000;"
	sqlite3 "$d/plain.db" .dump >"$d/fixed.sql"
	DB="$d/fixed.db"
	"$NB_BIN/histsql" load "$d/fixed.sql" "$DB"
	export DB
}

# golden NAME ARGS...: nbvmstat --replay on the two samples prints exactly
# tests/cli/golden/NAME.ok, nothing on stderr.
golden() {
	local name=$1
	shift
	run --separate-stderr nbvmstat --replay "$DB" "$@"
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	diff -u "$GOLD/$name.ok" <(printf '%s\n' "$output") || fail "$name differs"
}

golden_json() {
	local name=$1
	golden "$@"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/$name.json"
	run -0 validate_json nbvmstat-i.schema.json "$BATS_TEST_TMPDIR/$name.json"
}

# file_totals FILE: "name total" per line of a /proc/interrupts file.
file_totals() {
	awk 'NR == 1 { n = NF; next }
	    { t = 0; for (i = 2; i <= n + 1 && i <= NF; i++) if ($i ~ /^[0-9]+$/) t += $i; else break
	      sub(/:$/, "", $1); print $1, t }' "$1"
}

@test "usage: -i excludes -s, -h, -H and -L" {
	for a in -s -H -L "-h ifnet_byname"; do
		# shellcheck disable=SC2086
		run --separate-stderr nbvmstat -i $a
		assert_equal "$status" 2
		assert_equal "$output" ""
		assert_equal "${stderr_lines[0]}" "nbvmstat: -i excludes -h, -H, -L and -s"
	done
}

@test "fixture root: every line of proc/interrupts with its total, per CPU, and their sum" {
	run -0 nbvmstat --root "$GOOD" -i -P -j
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/i.json"
	run -0 validate_json nbvmstat-i.schema.json "$BATS_TEST_TMPDIR/i.json"
	run -0 jq -r '.interrupts[] | "\(.name) \(.total)"' "$BATS_TEST_TMPDIR/i.json"
	assert_output "$(file_totals "$GOOD/proc/interrupts")"
	run -0 jq -c '[.cpus, (.interrupts[] | select(.name == "24") | .percpu),
	    (.interrupts[] | select(.name == "ERR") | .percpu), .sum.total]' "$BATS_TEST_TMPDIR/i.json"
	assert_output '[[0,1],[123456,7890],[null,null],18203065]'
	run -0 jq -c '.interrupts[] | select(.name == "24") | [.chip, .hwirq, .actions, .description]' \
	    "$BATS_TEST_TMPDIR/i.json"
	assert_output '["PCI-MSI","512000-edge","ahci[0000:00:1f.2], eth0","PCI-MSI 512000-edge ahci[0000:00:1f.2], eth0"]'
	# The text has the same lines: interrupt, then total (the rate moves with the clock).
	run -0 nbvmstat --root "$GOOD" -i
	assert_equal "${lines[0]}" "$(printf '%-34s %16s %8s' interrupt total rate)"
	assert_regex "${lines[1]}" '^0 IO-APIC 2-edge timer +41 +[0-9]+$'
	assert_regex "${lines[-1]}" '^Total +18203065 +[0-9]+$'
}

@test "fixture root: offline CPUs keep their numbers; a malformed file is an error naming the line" {
	local r=$BATS_TEST_TMPDIR/r
	cp -r "$GOOD" "$r"
	printf '%s\n' '           CPU0       CPU2' '  0:  5  7  IO-APIC 2-edge timer' \
	    'LOC:  1  2  Local timer interrupts' >"$r/proc/interrupts"
	run -0 nbvmstat --root "$r" -i -P -j
	run -0 jq -c '[.cpus, .interrupts[0].percpu, .sum.percpu]' <<<"$output"
	assert_output '[[0,2],[5,7],[6,9]]'
	run -0 nbsysctl --root "$r" -n kern.intr.0.cpu.2 kern.intr.0.count
	assert_equal "${lines[*]}" "7 12"
	printf '%s\n' '           CPU0       CPU1' '  0:  5  IO-APIC 2-edge timer' >"$r/proc/interrupts"
	run --separate-stderr nbvmstat --root "$r" -i
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_regex "$stderr" "proc/interrupts: line 2: 1 counts, 2 CPUs in the header"
	# A fifo in its place is refused, never waited on.
	rm "$r/proc/interrupts"
	mkfifo "$r/proc/interrupts"
	run --separate-stderr timeout 10 "$NB_BIN/nbvmstat" --root "$r" -i
	assert_equal "$status" 1
	assert_regex "$stderr" "proc/interrupts: not a regular file"
}

@test "kern.intr.total stays /proc/stat's and does not read proc/interrupts" {
	local r=$BATS_TEST_TMPDIR/r
	cp -r "$GOOD" "$r"
	rm "$r/proc/interrupts"
	run -0 nbsysctl --root "$r" -n kern.intr.total
	assert_output "$(awk '$1 == "intr" { print $2 }' "$GOOD/proc/stat")"
	run -0 nbvmstat --root "$r"
	run --separate-stderr nbvmstat --root "$r" -i
	assert_equal "$status" 1
	assert_regex "$stderr" "proc/interrupts: No such file or directory"
}

@test "replay: since boot, -P, and -w per 10 s; text and JSON equal the golden files" {
	golden vmstat-i --at "$T1" -i
	golden_json vmstat-i-j --at "$T1" -i -j --pretty
	golden vmstat-iP --at "$T1" -i -P
	golden_json vmstat-iP-j --at "$T1" -i -P -j --pretty
	golden vmstat-iw --from "$T1" --to "$T2" -i -P -w 1
	golden_json vmstat-iw-j --from "$T1" --to "$T2" -i -P -w 1 -j
	# The step: CPU0 100 and CPU1 50 a line in 10 s; MIS 1.
	run -0 nbvmstat --replay "$DB" --from "$T1" --to "$T2" -i -P -w 1 -j
	run -0 jq -s -c '.[1] | [.since_boot, .seconds, (.interrupts[] | select(.name == "LOC") |
	    [.percpu, .total, .rate]), (.interrupts[] | select(.name == "MIS") | .total)]' <<<"$output"
	assert_output '[false,10,[[100,50],150,15],1]'
}

@test "live: every line's total is /proc/interrupts' between a read before and one after" {
	[ -r /proc/interrupts ] || skip "no /proc/interrupts"
	file_totals /proc/interrupts >"$BATS_TEST_TMPDIR/before"
	nbvmstat -i -j >"$BATS_TEST_TMPDIR/i.json"
	file_totals /proc/interrupts >"$BATS_TEST_TMPDIR/after"
	run -0 validate_json nbvmstat-i.schema.json "$BATS_TEST_TMPDIR/i.json"
	jq -r '.interrupts[] | "\(.name) \(.total)"' "$BATS_TEST_TMPDIR/i.json" >"$BATS_TEST_TMPDIR/got"
	# Same names in the same order; each total within [before, after].
	diff <(cut -d' ' -f1 "$BATS_TEST_TMPDIR/before") <(cut -d' ' -f1 "$BATS_TEST_TMPDIR/got")
	run -0 paste -d' ' "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/after"
	local n=0 name b g a
	while read -r name b _ g _ a; do
		[ "$b" -le "$g" ] && [ "$g" -le "$a" ] || fail "$name: $g not within [$b, $a]"
		n=$((n + 1))
	done <<<"$output"
	[ "$n" -gt 0 ]
	# -P: the per-CPU cells add up to the total (ERR and MIS have none: null cells).
	run -0 nbvmstat -i -P -j
	run -0 jq -r '.interrupts[] | select(.percpu | all(. != null)) | select((.percpu | add) != .total) |
	    .name' <<<"$output"
	assert_output ""
	run -0 jq -r '.interrupts[] | select(.percpu | any(. == null)) | select(.name != "ERR" and .name != "MIS") |
	    .name' <<<"$output"
	assert_output ""
}

@test "kern.intr is in the default recorded set: a plain --record replays with -i" {
	[ -r /proc/interrupts ] || skip "no /proc/interrupts"
	nbsysctl --record "$BATS_TEST_TMPDIR/d.db" >/dev/null
	run -0 nbvmstat --replay "$BATS_TEST_TMPDIR/d.db" -i -P -j
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/r.json"
	run -0 validate_json nbvmstat-i.schema.json "$BATS_TEST_TMPDIR/r.json"
	run -0 jq -r '.interrupts | length' "$BATS_TEST_TMPDIR/r.json"
	[ "$output" -gt 0 ]
	run -0 jq -r '[.interrupts[] | .name] | join(" ")' "$BATS_TEST_TMPDIR/r.json"
	assert_output "$(file_totals /proc/interrupts | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
}

@test "through the daemon's socket (-S): the same lines, and -w per interval" {
	[ -r /proc/interrupts ] || skip "no /proc/interrupts"
	local sock=$BATS_TEST_TMPDIR/d.sock pid
	"$NB_BIN/nbstatd" -S "$sock" --config /dev/null 2>"$BATS_TEST_TMPDIR/d.log" &
	pid=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
	run -0 nbvmstat -S "$sock" -i -P -j
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/s.json"
	run -0 nbvmstat -S "$sock" -i -w 0.2 -c 2 -j
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/w.json"
	kill "$pid"
	wait "$pid" || true
	run -0 validate_json nbvmstat-i.schema.json "$BATS_TEST_TMPDIR/s.json"
	run -0 validate_json nbvmstat-i.schema.json "$BATS_TEST_TMPDIR/w.json"
	run -0 jq -r '[.interrupts[] | .name] | join(" ")' "$BATS_TEST_TMPDIR/s.json"
	assert_output "$(file_totals /proc/interrupts | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
	run -0 jq -s -c '[.[] | .since_boot]' "$BATS_TEST_TMPDIR/w.json"
	assert_output '[true,false]'
}
