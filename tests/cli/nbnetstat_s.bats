#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# nbnetstat_s.bats - nbnetstat -s, -ss, -s -p, -P and -s -P on the fixture
# root: text against golden files, -j against the schemas, usage errors.

bats_require_minimum_version 1.5.0
load helpers

FIX="$NB_SRC/tests/fixtures/good"
GOLD="$NB_SRC/tests/cli/golden"

# golden NAME ARGS...: the text output equals tests/cli/golden/NAME.ok.
golden() {
	local name=$1; shift
	run --separate-stderr nbnetstat --root "$FIX" "$@"
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	diff -u "$GOLD/$name.ok" <(printf '%s\n' "$output") || fail "$name differs"
}

@test "-s text equals the golden file" {
	golden netstat-s -s
	# Spot checks against the fixture's /proc/net/snmp.
	assert_line --index 0 "ip:"
	assert_line $'\t536 total packets received'
	assert_line $'\t19699603 bytes received'
	assert_line $'\t331 packets sent'
	assert_line $'\t26 datagrams received'
	assert_line $'\t\tdestination unreachable: 1'
}

@test "-ss hides zero counters and keeps headers" {
	golden netstat-ss -ss
	refute_line --regexp $'^\t0 '
	assert_line "udp6:"
	assert_line $'\t42 datagrams received'
}

@test "-s -p tcp shows tcp only" {
	golden netstat-s-p-tcp -s -p tcp
	assert_line --index 0 "tcp:"
	refute_line "ip:"
	assert_line $'\t11 connections left TIME_WAIT'
	assert_line $'\t1 connection reset due to unexpected data'
}

@test "-P and -s -P equal the golden files" {
	golden netstat-P -P
	assert_line --regexp '^1 +134856 +748 +697 +0 +0 +0$'
	assert_line --regexp '^total +240665 +748 +1356 +0 +0 +0$'
	golden netstat-s-P -s -P
	assert_line $'\t240665 processed (cpu0 105809, cpu1 134856)'
}

@test "-s -j, -ss -j, -s -p -j validate and carry the same values" {
	local d="$BATS_TEST_TMPDIR"
	nbnetstat --root "$FIX" -s -j >"$d/s.json"
	validate_json nbnetstat-s.schema.json "$d/s.json"
	run jq -c '[.version, .ip."total-received", .ip."received-bytes", .tcp."sent-packets", .udp."received-datagrams", .icmp."input-histogram"]' "$d/s.json"
	assert_output '["1",536,19699603,331,26,[{"type":3,"name":"destination unreachable","count":1}]]'
	nbnetstat --root "$FIX" -ss -j >"$d/ss.json"
	validate_json nbnetstat-s.schema.json "$d/ss.json"
	run jq '[.. | numbers | select(. == 0)] | length' "$d/ss.json"
	assert_output 0
	nbnetstat --root "$FIX" -s -p udp6 -j >"$d/p.json"
	validate_json nbnetstat-s.schema.json "$d/p.json"
	run jq -c 'keys' "$d/p.json"
	assert_output '["udp6","version"]'
	# Every text counter line has its JSON value (same tables, same order).
	run jq -r '.tcp | to_entries[] | .value' "$d/s.json"
	diff <(printf '%s\n' "$output") <(awk '/^tcp:/{t=1;next} /^[a-z0-9]+:$/{t=0} t{print $1}' "$GOLD/netstat-s.ok")
}

@test "-P -j and -s -P -j validate" {
	local d="$BATS_TEST_TMPDIR"
	nbnetstat --root "$FIX" -P -j >"$d/P.json"
	validate_json nbnetstat-P.schema.json "$d/P.json"
	run jq -c '[.softnet.cpus[1].dropped, .softnet.total.processed]' "$d/P.json"
	assert_output '[748,240665]'
	nbnetstat --root "$FIX" -s -P -j >"$d/sP.json"
	validate_json nbnetstat-P.schema.json "$d/sP.json"
	run jq -c '.softnet.processed' "$d/sP.json"
	assert_output '{"total":240665,"percpu":[105809,134856]}'
}

@test "-p errors: unknown protocol, -p without -s" {
	run --separate-stderr nbnetstat -s -p nosuchproto
	assert_equal "$status" 2
	assert_equal "${stderr_lines[0]}" "nbnetstat: -p nosuchproto: unknown protocol (one of ip, icmp, tcp, udp, ip6, icmp6, udp6)"
	run --separate-stderr nbnetstat -P -p tcp
	assert_equal "$status" 2
	assert_equal "${stderr_lines[0]}" "nbnetstat: -p: only with -s (protocol statistics)"
	run --separate-stderr nbnetstat -s -i
	assert_equal "$status" 2
}

@test "-s, -ss, -P and -s -P JSON equal the golden files" {
	golden netstat-s-j -s -j --pretty
	golden netstat-ss-j -ss -j --pretty
	golden netstat-P-j -P -j --pretty
	golden netstat-s-P-j -s -P -j --pretty
}
