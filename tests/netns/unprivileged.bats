#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# unprivileged.bats - the read paths need no privilege: every tool mode runs
# as nobody in a namespace and succeeds; what the kernel hides from that
# user (the owners of root's capture sockets) is absent and said once on
# stderr, while what it shows equals root's view.

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root to make namespaces and switch to nobody"
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	netns_cleanup
	A=$(netns_create uA) && B=$(netns_create uB) || return 1
	export A B
	netns_quiet "$A" "$B" || return 1
	netns_pair "$A" "$B" ua ub 198.18.9.0/31 198.18.9.1/31 || return 1
	ip -n "$A" route add 203.0.113.0/24 via 198.18.9.1 table 100 || return 1
	# A capture socket of root's, bound to ua, that nobody may not trace.
	ip netns exec "$A" "$NB_BIN/pktsock" if=ua,filter=2 >"$BATS_FILE_TMPDIR/pk.out" 2>&1 &
	echo $! >"$BATS_FILE_TMPDIR/pk.pid"
	for _ in $(seq 50); do grep -q READY "$BATS_FILE_TMPDIR/pk.out" && break; sleep 0.1; done
	grep -q READY "$BATS_FILE_TMPDIR/pk.out"
}

teardown_file() {
	[ ! -f "$BATS_FILE_TMPDIR/pk.pid" ] || kill "$(cat "$BATS_FILE_TMPDIR/pk.pid")" 2>/dev/null || true
	netns_cleanup
}

# as_nobody CMD...: run in namespace A as nobody (no groups, no capabilities).
as_nobody() {
	ip netns exec "$A" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    --inh-caps=-all --bounding-set=-all "$@"
}

@test "nobody's nbnetstat -i -j equals root's, and -r/-s/-P succeed" {
	run --separate-stderr as_nobody "$NB_BIN/nbnetstat" -i -j
	assert_success
	assert_equal "$stderr" ""
	mine=$output
	run ip netns exec "$A" "$NB_BIN/nbnetstat" -i -j
	assert_success
	assert_equal "$mine" "$output"
	run --separate-stderr as_nobody "$NB_BIN/nbnetstat" -rn -T all -j
	assert_success
	assert_equal "$(jq '[.inet[] | select(.dst == "203.0.113.0" and .table == 100)] | length' <<<"$output")" 1
	for mode in -s -P "-s -P"; do
		# shellcheck disable=SC2086
		run --separate-stderr as_nobody "$NB_BIN/nbnetstat" $mode
		assert_success
		[ -n "$output" ] || fail "nbnetstat $mode printed nothing"
	done
}

@test "nobody sees root's capture socket without its owner, and is told so once" {
	ino=$(awk '/^sock 0 /{sub("ino=", "", $3); print $3}' "$BATS_FILE_TMPDIR/pk.out")
	[ -n "$ino" ] || fail "pktsock: $(cat "$BATS_FILE_TMPDIR/pk.out")"
	run --separate-stderr as_nobody "$NB_BIN/nbnetstat" -B -j
	assert_success
	peer=$(jq --argjson i "$ino" '.peers[] | select(.inode == $i)' <<<"$output")
	[ -n "$peer" ] || fail "inode $ino not listed: $output"
	assert_equal "$(jq -r .ifname <<<"$peer")" ua
	assert_equal "$(jq -r .pid <<<"$peer")" null
	assert_equal "$(jq -r .comm <<<"$peer")" null
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "${stderr_lines[0]}" '^nbnetstat: 1 capture peer without a visible owner'
	# Root sees the owner, and hears nothing.
	run --separate-stderr ip netns exec "$A" "$NB_BIN/nbnetstat" -B -j
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq --argjson i "$ino" '.peers[] | select(.inode == $i) | .pid' <<<"$output")" \
	    "$(cat "$BATS_FILE_TMPDIR/pk.pid")"
}

@test "nobody's nbvmstat and nbsysctl -a succeed" {
	run --separate-stderr as_nobody "$NB_BIN/nbvmstat"
	assert_success
	run --separate-stderr as_nobody "$NB_BIN/nbvmstat" -H
	assert_success
	assert_output --partial in_ifaddrhash
	run --separate-stderr as_nobody "$NB_BIN/nbsysctl" -a
	assert_success
	assert_output --partial "net.interfaces.ua.mtu = 1500"
	assert_output --partial "net.bpf.stats.peers = "
}
