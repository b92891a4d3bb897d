#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# netstat_ia.bats - nbnetstat -i -a (multicast memberships) against
# `ip -j maddr` in a namespace where m0 has joined groups: IPv4 and IPv6
# groups by `ip addr add ... autojoin` (the kernel joins them), a static
# link-layer address by `ip maddr add`. JSON must equal ip's list per
# interface (family, address, users where ip prints them); the text puts
# each membership on a continuation row under Address after the
# interface's rows.

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	netns_cleanup
	A=$(netns_create ia) || return 1
	export A
	ip -n "$A" link add m0 type veth peer name m1 || return 1
	ip -n "$A" link set m0 up && ip -n "$A" link set m1 up || return 1
	ip -n "$A" addr add 239.1.2.3/32 dev m0 autojoin || return 1
	ip -n "$A" -6 addr add ff05::1:3/128 dev m0 autojoin || return 1
	ip -n "$A" maddr add 01:00:5e:7f:00:09 dev m0 || return 1
}

teardown_file() {
	netns_cleanup
}

@test "-ia -j: every interface's memberships equal ip -j maddr" {
	local d="$BATS_TEST_TMPDIR"
	ip netns exec "$A" "$NB_BIN/nbnetstat" -ia -j >"$d/nb.json"
	ip -n "$A" -j maddr show >"$d/ip.json"
	run -0 validate_json nbnetstat-i.schema.json "$d/nb.json"
	run -0 /usr/bin/python3 - "$d/nb.json" "$d/ip.json" <<'PY'
import json, sys
nb = {i["name"]: i for i in json.load(open(sys.argv[1]))["interfaces"]}
ip = json.load(open(sys.argv[2]))
bad, n = [], 0
for e in ip:
    want = []
    for m in e.get("maddr", []):
        fam = m.get("family", "link")
        addr = m["link"] if fam == "link" else m["address"]
        want.append((fam, addr, m.get("users", 1)))
    got = [(m["family"], m["address"], m["users"]) for m in nb[e["ifname"]]["multicast"]]
    # ip prints users only above 1: compare them where it does
    gotc = [(f, a, u if u > 1 else 1) for f, a, u in got]
    if sorted(want) != sorted(gotc):
        bad.append((e["ifname"], sorted(set(want) ^ set(gotc))))
    n += len(got)
m0 = [(m["family"], m["address"]) for m in nb["m0"]["multicast"]]
for x in (("inet", "239.1.2.3"), ("inet6", "ff05::1:3"), ("link", "01:00:5e:7f:00:09"),
          ("link", "01:00:5e:01:02:03")):
    if x not in m0:
        bad.append(("m0 lacks", x))
# the order of the tree: inet, then inet6, then link
fams = [f for f, _ in m0]
if fams != sorted(fams, key=["inet", "inet6", "link"].index):
    bad.append(("m0 order", fams))
print("memberships:", n, "mismatches:", bad)
sys.exit(1 if bad else 0)
PY
	echo "$output"
	# without -a there is no multicast key
	run -0 ip netns exec "$A" "$NB_BIN/nbnetstat" -i -j -I m0
	[[ "$output" != *'"multicast"'* ]]
}

@test "-ia text: memberships on continuation rows under Address" {
	run -0 ip netns exec "$A" "$NB_BIN/nbnetstat" -ia -I m0
	echo "$output"
	local want
	want=$(ip -n "$A" -j maddr show dev m0 | /usr/bin/python3 -c '
import json, sys
ms = json.load(sys.stdin)[0]["maddr"]
order = {"inet": 0, "inet6": 1, "link": 2}
# the tree keeps the kernel order within a family; ip lists link first
ms = sorted(ms, key=lambda m: order[m.get("family", "link")])
for m in ms:
    print(" " * 26 + (m["link"] if "link" in m else m["address"]))')
	# the rows after the last "m0 " row are exactly the memberships
	local got
	got=$(printf '%s\n' "$output" | awk '/^m0 /{rows=""; seen=1; next} seen{rows=rows $0 "\n"} END{printf "%s", rows}')
	[ "$(printf '%s\n' "$got" | sort)" = "$(printf '%s\n' "$want" | sort)" ]
	# the header stays the -i header
	[[ "${lines[0]}" == "Name  Mtu   Network       Address "* ]]
}

@test "-a outside -i is a usage error" {
	run -2 ip netns exec "$A" "$NB_BIN/nbnetstat" -s -a
	[[ "$output" == *"-a: only with -i"* ]]
}
