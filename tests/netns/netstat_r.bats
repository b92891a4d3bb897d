#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# netstat_r.bats - nbnetstat -r in a namespace with routes in main and
# table 100 (v4 and v6: gateways, blackhole, unreachable, prohibit, a
# host route): `nbnetstat -rn -j -T all` must equal `ip -j route show
# table all` and `ip -6 -j route show table all` route for route; the text
# layout (sections, header, flag letters, Refs/Use/Mtu "-") is checked on
# known rows; -T by number, name and all; -f and -T errors exit 2.

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	netns_cleanup
	A=$(netns_create rta) || return 1
	B=$(netns_create rtb) || return 1
	export A B
	ip netns exec "$A" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 || return 1
	netns_pair "$A" "$B" r0 s0 10.90.0.1/24 10.90.0.2/24 || return 1
	ip -n "$A" -6 addr add 2001:db8:90::1/64 dev r0 nodad || return 1
	ip -n "$A" -batch - <<-'EOF2' || return 1
	route add default via 10.90.0.2
	route add 10.91.0.0/24 via 10.90.0.2 metric 20 proto static
	route add 10.91.1.7/32 dev r0
	route add blackhole 10.92.0.0/16
	route add unreachable 10.93.0.0/24 table 100
	route add prohibit 10.93.1.0/24 table 100
	route add 10.94.0.0/24 via 10.90.0.2 table 100 metric 7
	route add 2001:db8:91::/64 via 2001:db8:90::2
	route add blackhole 2001:db8:92::/64 table 100
	route add 2001:db8:93::/48 dev r0 metric 300 table 100
	EOF2
}

teardown_file() {
	netns_cleanup
}

nbr() { ip netns exec "$A" "$NB_BIN/nbnetstat" "$@"; }

@test "-rn -j -T all equals ip -j route show table all (v4 and v6)" {
	local d="$BATS_TEST_TMPDIR"
	nbr -rn -j -T all >"$d/nb.json"
	ip -n "$A" -4 -j route show table all >"$d/r4"
	ip -n "$A" -6 -j route show table all >"$d/r6"
	run -0 validate_json nbnetstat-r.schema.json "$d/nb.json"
	run -0 /usr/bin/python3 - "$d" <<'PY'
import ipaddress, json, sys
d = sys.argv[1]
nb = json.load(open(d + "/nb.json"))
TABLES = {"default": 253, "main": 254, "local": 255}
def ipr(path, fam):
    out = []
    for e in json.load(open(path)):
        dst = e["dst"]
        if dst == "default":
            dst = "0.0.0.0/0" if fam == "inet" else "::/0"
        n = ipaddress.ip_network(dst, strict=False)
        nh = e.get("nexthops") or [{}]
        gw = e.get("gateway", nh[0].get("gateway", ""))
        dev = e.get("dev", nh[0].get("dev", ""))
        t = str(e.get("table", "main"))
        out.append((str(n.network_address), n.prefixlen, gw, dev,
                    int(t) if t.isdigit() else TABLES[t], e.get("metric", 0),
                    e.get("type", "unicast"), e.get("protocol", "boot")))
    return sorted(out)
def mine(fam):
    return sorted((r["dst"], r["prefixlen"], r.get("gateway", ""), r.get("interface", ""),
                   r["table"], r["metric"], r["type"], r["protocol"]) for r in nb[fam])
bad = []
for fam, path in (("inet", d + "/r4"), ("inet6", d + "/r6")):
    a, b = ipr(path, fam), mine(fam)
    if a != b:
        bad.append((fam, sorted(set(a) ^ set(b))[:3]))
# the scenario is really there
want = [("inet", "10.93.0.0", 100, "unreachable", "URS"), ("inet", "10.92.0.0", 254, "blackhole", "UBS"),
        ("inet", "10.91.1.7", 254, "unicast", "UHS"), ("inet", "0.0.0.0", 254, "unicast", "UGS"),
        ("inet6", "2001:db8:92::", 100, "blackhole", "UBS"), ("inet6", "2001:db8:93::", 100, "unicast", "US")]
for fam, dst, table, typ, flags in want:
    if not any(r["dst"] == dst and r["table"] == table and r["type"] == typ and
               r["flags"] == flags for r in nb[fam]):
        bad.append(("missing", fam, dst, table, typ, flags))
print("inet", len(nb["inet"]), "inet6", len(nb["inet6"]), "mismatches", bad)
sys.exit(1 if bad else 0)
PY
	echo "$output"
}

@test "-rn text: NetBSD sections, header and rows; default table main" {
	run -0 nbr -rn -f inet
	echo "$output"
	[ "${lines[0]}" = "Routing tables" ]
	[ "${lines[1]}" = "Internet:" ]
	[ "${lines[2]}" = "Destination        Gateway            Flags    Refs      Use    Mtu Interface" ]
	[[ "$output" == *$'\n''default            10.90.0.2          UGS         -        -      -  r0'* ]]
	[[ "$output" == *$'\n''10.91.0.0/24       10.90.0.2          UGS         -        -      -  r0'* ]]
	[[ "$output" == *$'\n''10.91.1.7          -                  UHS         -        -      -  r0'* ]]
	[[ "$output" == *$'\n''10.92.0.0/16       -                  UBS         -        -      -  -'* ]]
	[[ "$output" == *$'\n''10.90.0.0/24       -                  UC          -        -      -  r0'* ]]
	# main only: table 100 and local routes are not shown; no IPv6 with -f inet
	[[ "$output" != *"10.93.0.0"* && "$output" != *"Internet6"* && "$output" != *"10.90.0.1 "* ]]
}

@test "-T by number, by name and all" {
	run -0 nbr -rn -T 100
	[[ "$output" == *"10.93.0.0/24       -                  URS "* ]]
	[[ "$output" == *"2001:db8:93::/48"* ]]
	[[ "$output" != *"default            10.90.0.2"* ]]
	run -0 nbr -rn -T local -f inet
	[[ "$output" == *"10.90.0.1          -                  UHl "* ]]
	run -0 nbr -rn -T all -f inet6
	[[ "$output" == *"Internet6 (table main):"* && "$output" == *"Internet6 (table 100):"* ]]
	[[ "$output" != *"Internet (table"* ]]
}

@test "-f and -T errors are usage errors (exit 2)" {
	run -2 nbr -r -f inet7
	[[ "$output" == *"nbnetstat: -f inet7: unknown address family (inet or inet6)"* ]]
	run -2 nbr -r -T nosuchtable
	[[ "$output" == *"nbnetstat: -T nosuchtable: unknown routing table"* ]]
	run -2 nbr -r -T 99999999999
	[[ "$output" == *"not a table number"* ]]
	run -2 nbr -i -f inet
	[[ "$output" == *"-f/-T: only with -r"* ]]
}
