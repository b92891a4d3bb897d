#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# netstat_iw.bats - nbnetstat -i -w interval mode in namespaces: the deltas
# add up to the traffic a sender moved during the intervals, lines are never
# negative, and an interface deleted and recreated under the same name is
# counted from 0 (reset) instead of as a negative or wrapped difference.

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	netns_cleanup
	A=$(netns_create A) && B=$(netns_create B) || return 1
	export A B
	netns_quiet "$A" "$B" || return 1
	make_pair wa wb 198.18.0.0 198.18.0.1 || return 1
}

teardown_file() {
	netns_cleanup
}

# make_pair IFA IFB ADDRA ADDRB: a veth pair A/B with /31 addresses and
# permanent neighbour entries on both sides, so no ARP moves the counters
# (B answers the datagrams with ICMP port unreachable: A's ipackets move,
# its opackets are the datagrams alone).
make_pair() {
	netns_pair "$A" "$B" "$1" "$2" "$3/31" "$4/31" || return 1
	local maca macb
	maca=$(ip -n "$A" -j link show dev "$1" | jq -r '.[0].address') || return 1
	macb=$(ip -n "$B" -j link show dev "$2" | jq -r '.[0].address') || return 1
	ip -n "$A" neigh replace "$4" lladdr "$macb" dev "$1" nud permanent &&
	    ip -n "$B" neigh replace "$3" lladdr "$maca" dev "$2" nud permanent
}

in_a() { ip netns exec "$A" "$@"; }

@test "-I IF -w 1 -c 4: the deltas add up to the packets sent during the intervals" {
	local d="$BATS_TEST_TMPDIR" n=300 before
	before=$(ip -n "$A" -s -j link show dev wa | jq '.[0].stats64.tx.packets')
	in_a "$NB_BIN/nbnetstat" -i -I wa -w 1 -c 4 -j >"$d/iw.json" &
	local pid=$!
	sleep 1.4		# after the second sample: the burst lands in an interval
	netns_udp_send "$A" 198.18.0.0 198.18.0.1 "$n" 100
	wait "$pid"
	run -0 validate_json nbnetstat-iw.schema.json "$d/iw.json"
	run -0 jq -s 'length' "$d/iw.json"
	assert_output 4
	# Line 1 is since boot: the counters before the burst.
	run -0 jq -s '.[0] | .since_boot, .interface.opackets' "$d/iw.json"
	assert_equal "$output" "true"$'\n'"$before"
	# Lines 2-4 are deltas, all but the first line not since boot, and they
	# add up to the burst exactly: packets, and bytes (100 + UDP 8 + IP 20 + Ethernet 14).
	run -0 jq -s '[.[1:][] | .since_boot] | all(. == false)' "$d/iw.json"
	assert_output true
	run -0 jq -s '[.[1:][] | .interface.opackets] | add' "$d/iw.json"
	assert_output "$n"
	run -0 jq -s '[.[1:][] | .interface.obytes] | add' "$d/iw.json"
	assert_output $((n * 142))
	# The total group (lo + wa) saw the same packets: lo is quiet.
	run -0 jq -s '[.[1:][] | .total.opackets] | add' "$d/iw.json"
	assert_output "$n"
	# The burst fell in one or two intervals, never spread as negative values.
	run -0 jq -s '[.[] | .interface, .total | to_entries[] | select(.value | type == "number") | .value] | all(. >= 0)' "$d/iw.json"
	assert_output true
	run -0 jq -s '[.[1:][] | .seconds] | all(. > 0.5 and . < 2)' "$d/iw.json"
	assert_output true
}

@test "text: NetBSD banner and headers, since-boot line, then deltas matching the burst" {
	local d="$BATS_TEST_TMPDIR" n=123
	in_a "$NB_BIN/nbnetstat" -i -I wa -w 1 -c 3 >"$d/iw.txt" &
	local pid=$!
	sleep 1.4
	netns_udp_send "$A" 198.18.0.0 198.18.0.1 "$n" 50
	wait "$pid"
	run -0 cat "$d/iw.txt"
	assert_equal "${#lines[@]}" 5
	# NetBSD sidewaysintpr: "%5.5s in %5.5s%5.5s out %5.5s %5.5s" per group.
	assert_equal "${lines[0]}" "$(printf '%5.5s in %5.5s%5.5s out %5.5s %5.5s  %5.5s in %5.5s%5.5s out %5.5s %5.5s' \
	    wa ' ' wa ' ' ' ' total ' ' total ' ' ' ')"
	assert_equal "${lines[1]}" " packets  errs  packets  errs colls   packets  errs  packets  errs colls"
	# Opkts is field 3 of a data row; rows 2-3 (the deltas) sum to the burst.
	run -0 awk 'NR > 3 { s += $3 } END { print s }' "$d/iw.txt"
	assert_output "$n"
	run -0 awk 'NR >= 3 && NF != 10 { print "bad row: " $0 }' "$d/iw.txt"
	assert_output ""
}

@test "without -I the busiest interface by bytes is followed; -b/-d headers" {
	# wa has moved thousands of bytes; lo in this namespace nothing.
	run -0 in_a "$NB_BIN/nbnetstat" -i -w 0.2 -c 2 -j
	run -0 jq -rs '.[0].interface.name' <<<"$output"
	assert_output wa
	run -0 in_a "$NB_BIN/nbnetstat" -i -w 0.2 -c 1 -b -d
	# NetBSD: "%7.7s in %8.8s %6.6s out %5.5s" and " %5.5s" for -d, per group.
	assert_equal "${lines[0]}" "$(printf '%7.7s in %8.8s %6.6s out %5.5s %5.5s  %7.7s in %8.8s %6.6s out %5.5s %5.5s' \
	    wa ' ' wa ' ' ' ' total ' ' total ' ' ' ')"
	assert_equal "${lines[1]}" "$(printf '%10.10s %8.8s %10.10s %5.5s %5.5s  %10.10s %8.8s %10.10s %5.5s %5.5s' \
	    bytes ' ' bytes ' ' drops bytes ' ' bytes ' ' drops)"
}

@test "the banner is redrawn every page: LINES - 3 data lines per banner" {
	run -0 env LINES=6 "$NB_BIN/nbnetstat" -i -I lo -w 0.1 -c 7
	# 7 data lines, a banner (2 lines) before lines 1, 4 and 7.
	assert_equal "${#lines[@]}" 13
	assert_regex "${lines[0]}" '^ +lo in'
	assert_regex "${lines[5]}" '^ +lo in'
	assert_regex "${lines[10]}" '^ +lo in'
	assert_regex "${lines[11]}" '^ packets  errs'
}

@test "an interface deleted and recreated: counted from 0 (reset), never negative" {
	local d="$BATS_TEST_TMPDIR" k=40 m=70
	make_pair wx wy 198.18.1.0 198.18.1.1
	netns_udp_send "$A" 198.18.1.0 198.18.1.1 500 200	# a big since-boot count
	# -c 6: two spare intervals so that the m packets land before the last
	# sample even when the recreation below is slow (a loaded machine);
	# the deltas of spare intervals are 0 and the sums below are unchanged.
	in_a "$NB_BIN/nbnetstat" -i -I wx -w 1 -c 6 -j >"$d/iw.json" &
	local pid=$!
	sleep 1.4
	netns_udp_send "$A" 198.18.1.0 198.18.1.1 "$k" 100
	sleep 1
	# Recreate wx (same name, new object) and move m packets on it.
	ip -n "$A" link del wx
	make_pair wx wy 198.18.1.0 198.18.1.1
	netns_udp_send "$A" 198.18.1.0 198.18.1.1 "$m" 100
	wait "$pid"
	cat "$d/iw.json"
	run -0 validate_json nbnetstat-iw.schema.json "$d/iw.json"
	# Every value non-negative and far from a wrapped 2^64 difference.
	run -0 jq -s '[.[] | .interface, .total | to_entries[] | select(.value | type == "number") | .value] | all(. >= 0 and . < 1000000)' "$d/iw.json"
	assert_output true
	# Exactly one line marks the reset, and the deltas add up to k + m.
	run -0 jq -s '[.[] | select(.interface.reset)] | length' "$d/iw.json"
	assert_output 1
	run -0 jq -s '[.[1:][] | .interface.opackets] | add' "$d/iw.json"
	assert_output $((k + m))
	run -0 jq -s '[.[1:][] | .total.opackets] | add' "$d/iw.json"
	assert_output $((k + m))
}
