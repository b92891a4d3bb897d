#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# history.bats - --record / --replay of nbnetstat -i in namespaces with known
# traffic: replay at each sample prints what was printed live (text and
# JSON), --from/--to interval deltas are the packets sent per interval, an
# interface created, used and deleted between two samples is replayed with
# its final counters, and one deleted and recreated under the same name
# gives no negative delta.

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

setup() {
	DB="$BATS_TEST_TMPDIR/h.db"
}

# make_pair IFA IFB ADDRA ADDRB: a veth pair A/B with /31 addresses and
# permanent neighbour entries, so no ARP moves the counters.
make_pair() {
	netns_pair "$A" "$B" "$1" "$2" "$3/31" "$4/31" || return 1
	local maca macb
	maca=$(ip -n "$A" -j link show dev "$1" | jq -r '.[0].address') || return 1
	macb=$(ip -n "$B" -j link show dev "$2" | jq -r '.[0].address') || return 1
	ip -n "$A" neigh replace "$4" lladdr "$macb" dev "$1" nud permanent &&
	    ip -n "$B" neigh replace "$3" lladdr "$maca" dev "$2" nud permanent
}

in_a() { ip netns exec "$A" "$@"; }

# sample_times FILE: the TIME column of --list, one per line.
sample_times() {
	"$NB_BIN/nbsysctl" --replay "$1" --list | awk 'NR > 1 { print $1 }'
}

# tx IF: packets IF in A has sent, from the kernel.
tx() {
	ip -n "$A" -s -j link show dev "$1" | jq '.[0].stats64.tx.packets'
}

@test "replay at each sample prints what nbnetstat -i printed live then (text and JSON)" {
	local d="$BATS_TEST_TMPDIR" s
	for s in 1 2 3; do
		netns_udp_send "$A" 198.18.0.0 198.18.0.1 $((s * 37)) 100
		in_a "$NB_BIN/nbnetstat" -i --record "$DB" >"$d/live$s.txt"
		in_a "$NB_BIN/nbnetstat" -i -j --record "$DB" >"$d/live$s.json"
	done
	mapfile -t times < <(sample_times "$DB")
	[ "${#times[@]}" -eq 6 ]
	for s in 1 2 3; do
		run -0 nbnetstat -i --replay "$DB" --at "${times[$((2 * s - 2))]}"
		[ "$output" = "$(cat "$d/live$s.txt")" ]
		run -0 nbnetstat -i -j --replay "$DB" --at "${times[$((2 * s - 1))]}"
		[ "$output" = "$(cat "$d/live$s.json")" ]
	done
	# The traffic is in the replayed counters: wa's Opkts moved by 2 * 37 + 3 * 37.
	o1=$(jq '.interfaces[] | select(.name == "wa") | .stats.opackets' "$d/live1.json")
	run -0 nbnetstat -i -j --replay "$DB" --at "${times[5]}"
	o3=$(jq '.interfaces[] | select(.name == "wa") | .stats.opackets' <<<"$output")
	[ $((o3 - o1)) -eq $((5 * 37)) ]
}

@test "--from/--to: replayed interval lines equal the live ones and the packets sent per interval" {
	local d="$BATS_TEST_TMPDIR" pid
	in_a "$NB_BIN/nbnetstat" -i -I wa -w 1 -c 4 -j --record "$DB" >"$d/iw.json" &
	pid=$!
	sleep 1.5		# mid interval 2 (samples at about 0, 1, 2, 3 s)
	netns_udp_send "$A" 198.18.0.0 198.18.0.1 100 100
	sleep 1
	netns_udp_send "$A" 198.18.0.0 198.18.0.1 200 100
	wait "$pid"
	mapfile -t times < <(sample_times "$DB")
	[ "${#times[@]}" -eq 4 ]
	run -0 nbnetstat -i -I wa -w 1 -j --replay "$DB" --from "${times[0]}" --to "${times[3]}"
	[ "$output" = "$(cat "$d/iw.json")" ]
	run -0 jq -sc '[.[1:][] | .interface.opackets]' <<<"$output"
	assert_output '[0,100,200]'
	# Each interval is the difference of the replayed counters at its ends.
	local s prev cur
	prev=$(nbnetstat -i -j --replay "$DB" --at "${times[0]}" | jq '.interfaces[] | select(.name == "wa") | .stats.opackets')
	for s in 1 2 3; do
		cur=$(nbnetstat -i -j --replay "$DB" --at "${times[$s]}" | jq '.interfaces[] | select(.name == "wa") | .stats.opackets')
		[ $((cur - prev)) -eq "$(jq -s ".[$s].interface.opackets" "$d/iw.json")" ]
		prev=$cur
	done
	# Text, recorded live and replayed: the same lines.
	rm -f "$DB"*
	in_a "$NB_BIN/nbnetstat" -i -I wa -w 1 -c 3 --record "$DB" >"$d/iw.txt" &
	pid=$!
	sleep 1.5
	netns_udp_send "$A" 198.18.0.0 198.18.0.1 55 100
	wait "$pid"
	mapfile -t times < <(sample_times "$DB")
	run -0 nbnetstat -i -I wa -w 1 --replay "$DB" --from "${times[0]}" --to "${times[2]}"
	[ "$output" = "$(cat "$d/iw.txt")" ]
	run -0 awk 'NR > 3 { print $3 }' "$d/iw.txt"
	assert_output $'0\n55'
}

@test "a veth created, used and deleted between two samples is replayed with its final counters" {
	local d="$BATS_TEST_TMPDIR" pid gen
	in_a "$NB_BIN/nbnetstat" -i -I wa -w 1 -c 3 -j --record "$DB" >"$d/iw.json" &
	pid=$!
	# After sample 2: its line is out (not a guess: the start is slow under load).
	for i in $(seq 250); do
		[ "$(wc -l <"$d/iw.json")" -ge 2 ] && break
		sleep 0.02
	done
	make_pair wt wu 198.18.2.0 198.18.2.1
	netns_udp_send "$A" 198.18.2.0 198.18.2.1 77 100
	final=$(tx wt)
	ip -n "$A" link del wt
	wait "$pid"
	[ "$final" -ge 77 ]
	mapfile -t times < <(sample_times "$DB")
	[ "${#times[@]}" -eq 3 ]
	run -0 nbnetstat -i -I wa -w 1 -j --replay "$DB" --from "${times[0]}" --to "${times[2]}"
	[ "$output" = "$(cat "$d/iw.json")" ]
	# Not live at sample 2, departed at sample 3 with the counters it died with.
	run -1 nbsysctl --replay "$DB" --at "${times[1]}" net.interfaces.wt.stats.opackets
	run -0 nbsysctl --replay "$DB" --at "${times[2]}" net.interfaces_departed
	assert_line --regexp "^net\.interfaces_departed\.wt@[0-9]+\.stats\.opackets = $final\$"
	run -1 nbsysctl --replay "$DB" --at "${times[2]}" net.interfaces.wt.stats.opackets
}

@test "an interface deleted and recreated between samples: replayed without a negative delta" {
	local d="$BATS_TEST_TMPDIR" pid k=40 m=70
	make_pair wx wy 198.18.1.0 198.18.1.1
	netns_udp_send "$A" 198.18.1.0 198.18.1.1 500 200	# a big since-boot count
	in_a "$NB_BIN/nbnetstat" -i -I wx -w 1 -c 5 -j --record "$DB" >"$d/iw.json" &	# a spare interval: slow ip(8) under load
	pid=$!
	sleep 1.5
	netns_udp_send "$A" 198.18.1.0 198.18.1.1 "$k" 100
	sleep 1
	ip -n "$A" link del wx
	make_pair wx wy 198.18.1.0 198.18.1.1
	netns_udp_send "$A" 198.18.1.0 198.18.1.1 "$m" 100
	wait "$pid"
	mapfile -t times < <(sample_times "$DB")
	[ "${#times[@]}" -eq 5 ]
	run -0 nbnetstat -i -I wx -w 1 -j --replay "$DB" --from "${times[0]}" --to "${times[4]}"
	[ "$output" = "$(cat "$d/iw.json")" ]
	run -0 jq -s '[.[] | .interface, .total | to_entries[] | select(.value | type == "number") | .value] | all(. >= 0 and . < 1000000)' <<<"$output"
	assert_output true
	run -0 jq -s '[.[1:][] | .interface.opackets] | add' "$d/iw.json"
	assert_output $((k + m))
	# The sysctl view of the same counter: replayed intervals never negative.
	run -0 nbsysctl --replay "$DB" --from "${times[0]}" --to "${times[4]}" --interval 1 net.interfaces.wx.stats.opackets
	refute_output --regexp '= -'
	refute_output --regexp '= [0-9]{15,}'
}

@test "a recorder takes each departed interface once: it is in one sample, then drained" {
	local d="$BATS_TEST_TMPDIR" pid s n=0
	make_pair wz wv 198.18.3.0 198.18.3.1
	in_a "$NB_BIN/nbsysctl" --record "$DB" --interval 0.5 -c 5 >"$d/out" &
	pid=$!
	sleep 0.7		# after sample 2
	netns_udp_send "$A" 198.18.3.0 198.18.3.1 33 100
	ip -n "$A" link del wz
	wait "$pid"
	[ ! -s "$d/out" ]
	mapfile -t times < <(sample_times "$DB")
	[ "${#times[@]}" -eq 5 ]
	for s in "${times[@]}"; do
		if nbsysctl --replay "$DB" --at "$s" net.interfaces_departed | grep -q '^net\.interfaces_departed\.wz@[0-9]*\.stats\.opackets = 33$'; then
			n=$((n + 1))
		fi
	done
	[ "$n" -eq 1 ]
}
