#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# netstat_s.bats - nbnetstat -s -p udp -j against iproute2's nstat in a
# fresh namespace after UDP on its loopback (a known datagram count).

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	command -v nstat >/dev/null || skip "no nstat (iproute2)"
	netns_cleanup
	NS=$(netns_create nstats) || return 1
	export NS
	# 23 delivered datagrams and 4 to a closed port, all on lo.
	ip netns exec "$NS" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.bind(("127.0.0.1", 0))
for _ in range(23):
    s.sendto(b"q" * 32, r.getsockname())
for _ in range(23):
    r.recv(64)
for _ in range(4):
    s.sendto(b"z", ("127.0.0.1", 9))
' || return 1
}

teardown_file() {
	netns_cleanup
}

@test "-s -p udp -j datagram counts equal nstat -az" {
	local try d="$BATS_TEST_TMPDIR"
	for ((try = 0; try < 10; try++)); do
		NSTAT_HISTORY="$d/hist" ip netns exec "$NS" nstat -az --json >"$d/n1"
		ip netns exec "$NS" "$NB_BIN/nbnetstat" -s -p udp -j >"$d/s.json"
		NSTAT_HISTORY="$d/hist" ip netns exec "$NS" nstat -az --json >"$d/n2"
		cmp -s "$d/n1" "$d/n2" && break
		sleep 0.2
	done
	[ "$try" -lt 10 ] || { echo "counters never quiet"; return 1; }
	validate_json nbnetstat-s.schema.json "$d/s.json"
	run jq -c '.kernel | [.UdpInDatagrams, .UdpOutDatagrams, .UdpNoPorts, .UdpInErrors, .UdpRcvbufErrors]' "$d/n1"
	local want=$output
	# The traffic sent: 23 in, 27 out, 4 to no socket.
	assert_equal "$want" "[23,27,4,0,0]"
	run jq -c '.udp | [."received-datagrams", ."sent-datagrams", ."dropped-no-socket", ."received-errors", ."dropped-full-socket"]' "$d/s.json"
	assert_output "$want"
	run jq -c 'keys' "$d/s.json"
	assert_output '["udp","version"]'
}

@test "-s text in the namespace shows the same udp lines" {
	run ip netns exec "$NS" "$NB_BIN/nbnetstat" -s -p udp
	assert_success
	assert_line --index 0 "udp:"
	assert_line $'\t23 datagrams received'
	assert_line $'\t4 dropped due to no socket'
	assert_line $'\t27 datagrams output'
}
