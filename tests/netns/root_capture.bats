#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# root_capture.bats - a fixture captured from a namespace with traffic, as
# a bare copy of its /proc/net/dev (no sysfs, nothing else): nbnetstat -i
# --root on it equals that namespace's `ip -s -j link` taken at capture
# time in packets, bytes and errors, both directions.

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	netns_cleanup
	A=$(netns_create RA) && B=$(netns_create RB) || return 1
	export A B
	netns_quiet "$A" "$B" || return 1
	netns_pair "$A" "$B" rca rcb 198.18.7.0/31 198.18.7.1/31 || return 1
	ip -n "$A" link add rcx type veth peer name rcy || return 1	# down, idle
	netns_udp_send "$A" 198.18.7.0 198.18.7.1 37 200 || return 1
	netns_udp_send "$B" 198.18.7.1 198.18.7.0 11 1000 || return 1
	netns_udp_send "$A" 127.0.0.1 127.0.0.1 3 100 || return 1
}

teardown_file() {
	netns_cleanup
}

# capture DIR: ip -s -j link and /proc/net/dev of $A, equal counters on
# both sides of the copy (retried until the namespace is quiet).
capture() {
	local i
	mkdir -p "$1/proc/net"
	for ((i = 0; i < 40; i++)); do
		ip -n "$A" -s -j link >"$1/ip1.json"
		ip netns exec "$A" cat /proc/net/dev >"$1/proc/net/dev"
		ip -n "$A" -s -j link >"$1/ip2.json"
		cmp -s <(jq -S '[.[] | {ifname, stats64}]' "$1/ip1.json") \
		    <(jq -S '[.[] | {ifname, stats64}]' "$1/ip2.json") && return 0
		sleep 0.5
	done
	return 1
}

@test "nbnetstat -i --root on a bare copy of a namespace's /proc/net/dev equals ip -s -j link" {
	local d="$BATS_TEST_TMPDIR/cap"
	capture "$d"
	run --separate-stderr nbnetstat -i -j --root "$d"
	assert_success
	printf '%s\n' "$output" >"$d/nb.json"
	run -0 validate_json nbnetstat-i.schema.json "$d/nb.json"
	run -0 /usr/bin/python3 -c '
import json, sys
ip = {l["ifname"]: l["stats64"] for l in json.load(open(sys.argv[1]))}
nb = {i["name"]: i["stats"] for i in json.load(open(sys.argv[2]))["interfaces"]}
assert sorted(ip) == sorted(nb), (sorted(ip), sorted(nb))
n = 0
for name, s in ip.items():
    t = nb[name]
    want = {"ipackets": s["rx"]["packets"], "ibytes": s["rx"]["bytes"], "ierrors": s["rx"]["errors"],
            "opackets": s["tx"]["packets"], "obytes": s["tx"]["bytes"], "oerrors": s["tx"]["errors"],
            "iqdrops": s["rx"]["dropped"] + s["rx"].get("missed", 0), "oqdrops": s["tx"]["dropped"],
            "imcasts": s["rx"]["multicast"], "collisions": s["tx"]["collisions"]}
    for k, v in want.items():
        assert t[k] == v, (name, k, t[k], v)
        n += 1
# the traffic was seen: not a comparison of zeros
assert ip["rca"]["tx"]["packets"] >= 37 and ip["rca"]["rx"]["packets"] >= 11, ip["rca"]
assert ip["rca"]["rx"]["bytes"] >= 11 * 1000 and ip["lo"]["rx"]["packets"] >= 3, ip
print("equal:", n, "counters of", len(ip), "interfaces")' "$d/ip1.json" "$d/nb.json"
	assert_output --regexp '^equal: 40 counters of 4 interfaces$'
	# nothing but the copy: no mtu, index or flags, and the one note says why
	run -0 jq -c '[.interfaces[] | has("mtu") or has("index") or has("flags")] | any' "$d/nb.json"
	assert_output false
	assert_regex "$stderr" "^nbnetstat: note: $d/sys/class/net/lo/ifindex and [0-9]+ more files: absent"
	# the text table shows the same counters, and - for the unknown mtu
	run -0 --separate-stderr nbnetstat -i --root "$d"
	assert_line --regexp "^rca +- +<Link> +$(jq '.[] | select(.ifname == "rca") | .stats64.rx.packets' "$d/ip1.json") +0 +$(jq '.[] | select(.ifname == "rca") | .stats64.tx.packets' "$d/ip1.json") +0 +0\$"
}
