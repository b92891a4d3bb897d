#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# departed.bats - an interface that carries traffic and is deleted between
# two reads of a repeating tool shows in net.interfaces_departed with the
# kernel's final TX counters (RTM_DELLINK's), not the last polled ones.

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	netns_cleanup
	A=$(netns_create dA) && B=$(netns_create dB) || return 1
	export A B
	netns_quiet "$A" "$B" || return 1
}

teardown_file() {
	netns_cleanup
}

teardown() {
	[ -z "${BG:-}" ] || kill "$BG" 2>/dev/null || true
}

@test "a veth deleted between two reads keeps its final TX counters in net.interfaces_departed" {
	netns_pair "$A" "$B" da db 198.18.7.0/31 198.18.7.1/31
	out="$BATS_TEST_TMPDIR/dep.jsonl"
	# Two reads 2 s apart; the first one is taken before any traffic.
	ip netns exec "$A" "$NB_BIN/nbsysctl" --interval 2 -c 2 -j net.interfaces \
	    net.interfaces_departed >"$out" 2>"$BATS_TEST_TMPDIR/err" &
	BG=$!
	for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.1; done
	[ -s "$out" ] || fail "no first sample: $(cat "$BATS_TEST_TMPDIR/err")"
	# The first read saw da with no traffic sent yet.
	first=$(head -1 "$out" | jq '.net.interfaces.da.stats.opackets')
	netns_udp_send "$A" 198.18.7.0 198.18.7.1 40 200
	read -r tx txb < <(ip -n "$A" -s -j link show da | jq -r '.[0].stats64.tx | "\(.packets) \(.bytes)"')
	[ "$tx" -ge 40 ] || fail "ip saw only $tx packets sent on da"
	ip -n "$A" link del da
	wait "$BG"
	BG=
	[ "$(wc -l <"$out")" -eq 2 ] || fail "expected 2 samples: $(cat "$out")"
	second=$(tail -1 "$out")
	# da is gone from the live subtree and present in the departed one.
	run jq -e '.net.interfaces.da' <<<"$second"
	assert_failure
	key=$(jq -r '.net.interfaces_departed | keys[] | select(startswith("da@"))' <<<"$second")
	[ -n "$key" ] || fail "da not departed: $second"
	# A leaf new in this sample prints its whole value: the final counters.
	assert_equal "$(jq --arg k "$key" '.net.interfaces_departed[$k].stats.opackets' <<<"$second")" "$tx"
	assert_equal "$(jq --arg k "$key" '.net.interfaces_departed[$k].stats.obytes' <<<"$second")" "$txb"
	# ... which the first read could not have known.
	[ "$first" -lt "$tx" ] || fail "first read already had $first of $tx packets"
}
