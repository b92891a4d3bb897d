#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# netstat_i_golden.bats - nbnetstat -i (text, JSON) and -ia (text) against
# golden files (tests/cli/golden/netstat-i.ok, netstat-i-j.ok,
# netstat-ia.ok) in a deterministic namespace: lo up,
# a veth pair g0/g1 with fixed MACs and IPv4 addresses, IPv6 disabled
# before the links exist (no DAD, RS or MLD), no traffic, so every counter
# is 0 and every row is known. NB_GOLDEN_UPDATE=1 rewrites the files from
# the output (review the diff before committing).

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

GOLDEN="$NB_SRC/tests/cli/golden"

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	netns_cleanup
	A=$(netns_create golden) || return 1
	export A
	netns_quiet "$A" || return 1
	ip -n "$A" link add g0 address 02:00:00:00:00:01 type veth \
	    peer name g1 address 02:00:00:00:00:02 || return 1
	ip -n "$A" addr add 192.0.2.1/24 dev g0 || return 1
	ip -n "$A" addr add 192.0.2.2/24 dev g1 || return 1
	ip -n "$A" link set g0 up && ip -n "$A" link set g1 up || return 1
	# wait for the carrier: operstate UP on both ends
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(ip -n "$A" -j link show up | jq '[.[] | select(.operstate == "UP")] | length')" = 2 ] &&
		    return 0
		sleep 0.1
	done
	return 1
}

teardown_file() {
	netns_cleanup
}

# golden NAME ARGS...: nbnetstat ARGS in the namespace must print NAME's content.
golden() {
	local name=$1
	shift
	run -0 ip netns exec "$A" "$NB_BIN/nbnetstat" "$@"
	if [ -n "${NB_GOLDEN_UPDATE:-}" ]; then
		printf '%s\n' "$output" >"$GOLDEN/$name"
	fi
	diff -u "$GOLDEN/$name" <(printf '%s\n' "$output")
}

@test "golden: nbnetstat -i" {
	golden netstat-i.ok -i
}

@test "golden: nbnetstat -i -j --pretty" {
	golden netstat-i-j.ok -i -j --pretty
	run -0 validate_json nbnetstat-i.schema.json "$GOLDEN/netstat-i-j.ok"
}

@test "golden: nbnetstat -ia" {
	golden netstat-ia.ok -ia
}
