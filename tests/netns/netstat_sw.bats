#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# netstat_sw.bats - interval mode of -s, -B and -s -B against traffic a test
# sends: namespace A (no IPv6) has a0, paired with b0 in namespace B, and
# tests/helpers/pktsock holds one capture socket on a0 with the smallest
# receive buffer (it keeps one frame, drops the rest: nobody reads it).
# A UDP socket on A's port 9 reads the datagrams (UDP counts InDatagrams
# as they are read; and A sends no ICMP: the capture socket sees exactly
# the frames sent). Each
# test starts `nbnetstat ... -w 1 -c 3 -j` in A, waits for its first
# document (since boot), then sends N UDP datagrams from B to A's port 9;
# the second document's deltas must be exactly the traffic: N datagrams
# received by IP and by UDP, N frames dropped by the capture socket (as the
# kernel counts them, ss -0 -e), and nothing in the third document.

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

N=40

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	netns_cleanup
	A=$(netns_create swa) || return 1
	B=$(netns_create swb) || return 1
	export A B
	netns_quiet "$A" "$B" || return 1
	netns_pair "$A" "$B" a0 b0 10.79.0.1/24 10.79.0.2/24 || return 1
	# Neighbours known both ways: no ARP exchange inside a measured interval.
	ip -n "$A" neigh replace 10.79.0.2 lladdr "$(ip -n "$B" -j link show b0 | jq -r '.[0].address')" dev a0
	ip -n "$B" neigh replace 10.79.0.1 lladdr "$(ip -n "$A" -j link show a0 | jq -r '.[0].address')" dev b0
	ip netns exec "$A" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.bind(("10.79.0.1", 9))
print("LISTENING", flush=True)
while True:
    s.recv(65536)
' >"$BATS_FILE_TMPDIR/udp.out" 2>&1 &
	echo $! >"$BATS_FILE_TMPDIR/udp.pid"
	ip netns exec "$A" "$NB_BIN/pktsock" if=a0,rcvbuf=0 >"$BATS_FILE_TMPDIR/pk.out" 2>&1 &
	echo $! >"$BATS_FILE_TMPDIR/pk.pid"
	local t
	for ((t = 0; t < 50; t++)); do
		grep -q READY "$BATS_FILE_TMPDIR/pk.out" && break
		sleep 0.1
	done
	grep -q READY "$BATS_FILE_TMPDIR/pk.out" || { cat "$BATS_FILE_TMPDIR/pk.out" >&2; return 1; }
	grep -q LISTENING "$BATS_FILE_TMPDIR/udp.out" || { cat "$BATS_FILE_TMPDIR/udp.out" >&2; return 1; }
	# Fill its buffer now, so that every frame of a test is a drop.
	netns_udp_send "$B" 10.79.0.2 10.79.0.1 3 1200 || return 1
	sleep 0.3
}

teardown_file() {
	[ -f "$BATS_FILE_TMPDIR/pk.pid" ] && kill "$(cat "$BATS_FILE_TMPDIR/pk.pid")" 2>/dev/null
	[ -f "$BATS_FILE_TMPDIR/udp.pid" ] && kill "$(cat "$BATS_FILE_TMPDIR/udp.pid")" 2>/dev/null
	netns_cleanup
}

# measure ARGS...: nbnetstat ARGS -w 1 -c 3 -j in A; N datagrams sent right
# after its first document; its three documents in $BATS_TEST_TMPDIR/out.
measure() {
	local out="$BATS_TEST_TMPDIR/out" t
	: >"$out"
	ip netns exec "$A" "$NB_BIN/nbnetstat" "$@" -w 1 -c 3 -j >"$out" 2>"$BATS_TEST_TMPDIR/err" &
	local pid=$!
	for ((t = 0; t < 100; t++)); do
		[ -s "$out" ] && break
		sleep 0.02
	done
	[ -s "$out" ] || { kill "$pid"; fail "no first document"; }
	netns_udp_send "$B" 10.79.0.2 10.79.0.1 "$N" 1200 || fail "send"
	wait "$pid" || fail "nbnetstat $* -w 1 -c 3: exit $? ($(cat "$BATS_TEST_TMPDIR/err"))"
	[ "$(wc -l <"$out")" -eq 3 ] || fail "$(cat "$out")"
}

# The capture socket's drops as the kernel counts them.
kernel_drops() {
	ip netns exec "$A" ss -0 -e -m -n | tr '\n' ' ' | grep -oE 'skmem:\([^)]*\bd[0-9]+\)' |
	    grep -oE '\bd[0-9]+\)' | tr -d 'd)'
}

@test "-s -w 1 -c 3: the second interval holds exactly the datagrams sent" {
	measure -s
	run -0 jq -sc '[.[] | [.since_boot, (.ip["total-received"] // 0),
	    (.udp["received-datagrams"] // 0)]]' "$BATS_TEST_TMPDIR/out"
	run -0 jq -r '.[1:] | map(.[1:] | join(" ")) | join(",")' <<<"$output"
	assert_output "$N $N,0 0"
	run -0 jq -sr '.[0].since_boot, .[1].since_boot, (.[1].seconds > 0.5)' "$BATS_TEST_TMPDIR/out"
	assert_equal "${lines[*]}" "true false true"
	# Zeros are hidden as with -ss: the quiet third interval has no udp counters.
	run -0 jq -sr '.[2].udp | length' "$BATS_TEST_TMPDIR/out"
	assert_output 0
	validate_json nbnetstat-sw.schema.json "$BATS_TEST_TMPDIR/out"
}

@test "-s -w text: the -s prose of the interval's deltas, zeros hidden" {
	local out="$BATS_TEST_TMPDIR/out.txt" t
	ip netns exec "$A" "$NB_BIN/nbnetstat" -s -p udp -w 1 -c 2 >"$out" &
	local pid=$!
	for ((t = 0; t < 100; t++)); do
		[ -s "$out" ] && break
		sleep 0.02
	done
	netns_udp_send "$B" 10.79.0.2 10.79.0.1 "$N" 1200
	wait "$pid"
	# The second block (after the blank line): udp: and N dropped, nothing at 0.
	run -0 awk 'f; /^$/ {f = 1}' "$out"
	assert_line --index 0 "udp:"
	assert_line "	$N datagrams received"
	refute_output --partial "datagrams output"
	refute_output --regexp '	0 '
}

@test "-B -w 1 -c 3: the capture socket's drops per interval, as the kernel counts them" {
	local before after ino
	ino=$(sed -nE 's/^sock 0 ino=([0-9]+).*/\1/p' "$BATS_FILE_TMPDIR/pk.out")
	before=$(kernel_drops)
	measure -B
	after=$(kernel_drops)
	run -0 jq -sc --argjson ino "$ino" \
	    '[.[] | (.peers[] | select(.inode == $ino) | .dcount)]' "$BATS_TEST_TMPDIR/out"
	run -0 jq -r 'map(tostring) | join(" ")' <<<"$output"
	read -r d0 d1 d2 <<<"$output"
	# Since the socket opened, then the interval's drops: every frame sent.
	assert_equal "$d0" "$before"
	assert_equal "$d1" "$N"
	assert_equal "$d2" 0
	assert_equal "$((after - before))" "$N"
	validate_json nbnetstat-Bw.schema.json "$BATS_TEST_TMPDIR/out"
}

@test "-s -B -w 1 -c 3: the drop total moves by the same" {
	measure -s -B
	run -0 jq -sr '[.[1].bpf.dcount // 0, .[2].bpf.dcount // 0, .[1].bpf.peers] | join(" ")' \
	    "$BATS_TEST_TMPDIR/out"
	assert_output "$N 0 1"
	validate_json nbnetstat-sBw.schema.json "$BATS_TEST_TMPDIR/out"
}

@test "-P -w 1 -c 2: the per-CPU table of deltas, never below zero" {
	run -0 ip netns exec "$A" "$NB_BIN/nbnetstat" -P -w 1 -c 2 -j
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/P.json"
	[ "${#lines[@]}" -eq 2 ]
	run -0 jq -sr '.[1].since_boot, ([.[1].softnet.cpus[] | .processed // 0] | min >= 0)' \
	    "$BATS_TEST_TMPDIR/P.json"
	assert_equal "${lines[*]}" "false true"
	validate_json nbnetstat-Pw.schema.json "$BATS_TEST_TMPDIR/P.json"
}
