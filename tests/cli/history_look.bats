#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# history_look.bats - looking at the history fixture (three samples 10 s
# apart, tests/fixtures/history): --summary's figures (golden, text and
# JSON with its schema), --diff of samples where nothing but counters
# moved prints no change in any tool, --plot's SVG has a stroked path per
# series, and the new options' usage errors exit 2.

bats_require_minimum_version 1.5.0
load helpers

GOLD="$NB_SRC/tests/cli/golden"
T1=2026-11-23T02:32:11Z
T3=2026-11-23T02:32:31Z

setup_file() {
	DB="$BATS_FILE_TMPDIR/fixture.db"
	"$NB_BIN/histsql" load "$NB_SRC/tests/fixtures/history/fixture.sql" "$DB"
	export DB
}

@test "nbnetstat -i --summary over the fixture: the golden figures, text and JSON" {
	run -0 --separate-stderr nbnetstat -i --replay "$DB" --from "$T1" --to "$T3" --summary
	assert_equal "$stderr" ""
	diff -u "$GOLD/netstat-i-summary.ok" <(printf '%s\n' "$output")
	run -0 --separate-stderr nbnetstat -i -j --replay "$DB" --from "$T1" --to "$T3" --summary
	diff -u "$GOLD/netstat-i-summary-j.ok" <(printf '%s\n' "$output")
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/s.json"
	run -0 validate_json nbnetstat-i-summary.schema.json "$BATS_TEST_TMPDIR/s.json"
	# gv0 received 300 packets a sample apart, 10 s: 30/s every interval.
	run -0 jq -c '.interfaces[] | select(.name == "gv0") | [.intervals, .average.ipackets, .p95.ipackets]' \
	    "$BATS_TEST_TMPDIR/s.json"
	assert_output '[2,30,30]'
	# -I: that interface only.
	run -0 nbnetstat -i -I gv1 --replay "$DB" --from "$T1" --summary
	run -0 grep -c '^gv1 ' <<<"$output"
	assert_output 4
	refute_output --partial gv0
}

@test "--diff of samples where only counters moved: no change in any tool (text and JSON)" {
	local m d="$BATS_TEST_TMPDIR"
	for m in -i -r -B "-r -T all"; do
		# shellcheck disable=SC2086
		run -0 nbnetstat $m --replay "$DB" --diff "$T1" "$T3"
		refute_line --regexp '^[-+~] '
	done
	nbnetstat -i -j --replay "$DB" --diff "$T1" "$T3" >"$d/i.json"
	run -0 validate_json nbnetstat-i-diff.schema.json "$d/i.json"
	run -0 jq -c '[.seconds, (.interfaces | length), (.addresses | length)]' "$d/i.json"
	assert_output '[20,0,0]'
	nbnetstat -r -j --replay "$DB" --diff "$T1" "$T3" >"$d/r.json"
	run -0 validate_json nbnetstat-r-diff.schema.json "$d/r.json"
	nbnetstat -B -j --replay "$DB" --diff "$T1" "$T3" >"$d/B.json"
	run -0 validate_json nbnetstat-B-diff.schema.json "$d/B.json"
	run -0 "$NB_BIN/nbvmstat" -H --replay "$DB" --diff "$T1" "$T3"
	refute_line --regexp '^[-+~] '
	# nbsysctl: lo's counters moved (unmarked, as deltas), nothing else.
	run -0 nbsysctl --replay "$DB" --diff "$T1" "$T3" net.interfaces.lo
	refute_line --regexp '^[-+~] '
	assert_line '  net.interfaces.lo.stats.ipackets = +20'
	nbsysctl -j --replay "$DB" --diff "$T1" "$T3" net.interfaces.lo >"$d/s.json"
	run -0 validate_json nbsysctl-diff.schema.json "$d/s.json"
}

@test "--plot over the fixture: SVG with a stroked path per series, PNG" {
	local d="$BATS_TEST_TMPDIR"
	run -0 nbnetstat -i --replay "$DB" --from "$T1" --to "$T3" --top 2 --plot "$d/i.svg"
	assert_output ""
	run -0 xmllint --noout "$d/i.svg"
	# --top 2 of 3 interfaces: 2 x (2 + 2 + 4) series.
	run -0 grep -c 'stroke:rgb' "$d/i.svg"
	assert_output 16
	run -0 nbsysctl --replay "$DB" --from "$T1" --plot "$d/s.png" net.interfaces.gv0.stats.ipackets
	[ "$(head -c 4 "$d/s.png" | od -An -tx1 | tr -d ' \n')" = 89504e47 ]
	run -0 "$NB_BIN/nbvmstat" --replay "$DB" --from "$T1" --plot "$d/v.svg"
	run -0 xmllint --noout "$d/v.svg"
}

@test "the history options' usage errors exit 2" {
	run -2 nbnetstat -i --replay "$DB" --from "$T1" --plot x.txt
	assert_output --partial 'ends in .svg or .png'
	run -2 nbnetstat -i --plot x.svg
	run -2 nbnetstat -i --replay "$DB" --diff "$T1"
	run -2 nbnetstat -i --diff "$T1" "$T3"
	run -2 nbnetstat -i --replay "$DB" --diff "$T3" "$T1"
	run -2 nbnetstat -i --replay "$DB" --diff "$T1" "$T3" --at "$T1"
	run -2 nbnetstat -i --summary
	run -2 nbnetstat -i --replay "$DB" --from "$T1" --top 3
	run -2 nbnetstat -s -w 1 --plot x.svg --top 3
	run -2 nbnetstat -P --replay "$DB" --diff "$T1" "$T3"
	run -2 nbnetstat -i --replay "$DB" --from "$T1" --summary --plot x.svg
	run -2 nbsysctl --replay "$DB" --from "$T1" --summary kern.ncpu
	run -2 "$NB_BIN/nbvmstat" --replay "$DB" --diff "$T1" "$T3"
	run -2 "$NB_BIN/nbvmstat" -s --replay "$DB" --from "$T1" --plot x.svg
	[ ! -e x.svg ] && [ ! -e x.txt ]
}
