#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# route_neigh.bats - net.route and net.neigh against iproute2: in a namespace
# with veths to a second one, routes in the main table, table 100 and table
# 1000 (v4 and v6: gateway, blackhole, unreachable, multipath), permanent
# neighbours and neighbours resolved by UDP sent across the veth, the tree
# (`nbsysctl -j net.route net.neigh` in the namespace) must equal
# `ip -4 -d -j route show table all`, `ip -d -6 -j route show table all` and
# `ip -j neigh show nud all`, entry for entry.

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	netns_cleanup
	A=$(netns_create rta) || return 1
	B=$(netns_create rtb) || return 1
	export A B
	local ns
	for ns in "$A" "$B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		    net.ipv6.conf.default.accept_dad=0 || return 1
	done
	netns_pair "$A" "$B" a0 b0 10.50.0.1/24 10.50.0.2/24 || return 1
	netns_pair "$A" "$B" a1 b1 10.51.0.1/24 10.51.0.2/24 || return 1
	ip -n "$A" -6 addr add 2001:db8:50::1/64 dev a0 nodad || return 1
	ip -n "$B" -6 addr add 2001:db8:50::2/64 dev b0 nodad || return 1
	ip -n "$A" -batch - <<-'EOF2' || return 1
	route add 10.60.0.0/24 via 10.50.0.2
	route add 10.60.1.0/24 via 10.50.0.2 metric 20 proto static
	route add blackhole 10.61.0.0/24
	route add 10.61.0.7/32 dev a1
	route add unreachable 10.62.0.0/24 table 100
	route add prohibit 10.62.1.0/24 table 100
	route add 10.63.0.0/24 via 10.50.0.2 table 100 metric 7
	route add default via 10.51.0.2 table 100
	route add 10.65.0.0/24 nexthop via 10.50.0.2 dev a0 nexthop via 10.51.0.2 dev a1
	route add 10.66.0.0/24 dev a0 table 1000
	route add 2001:db8:60::/64 via 2001:db8:50::2
	route add blackhole 2001:db8:61::/64 table 100
	route add 2001:db8:62::/64 via 2001:db8:50::2 table 100 metric 5
	route add 2001:db8:63::/48 dev a1 metric 300 table 1000
	neigh add 10.50.0.99 lladdr 02:00:00:00:00:99 dev a0 nud permanent
	neigh add 10.51.0.98 lladdr 02:00:00:00:00:98 dev a1 nud stale
	neigh add 2001:db8:50::99 lladdr 02:00:00:00:00:97 dev a0 nud permanent
	EOF2
	# Dynamic entries: UDP across the veths makes ARP and NDP resolve.
	netns_udp_send "$A" 10.50.0.1 10.50.0.2 3 || return 1
	netns_udp_send "$A" 10.51.0.1 10.51.0.2 3 || return 1
	ip netns exec "$A" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("2001:db8:50::1", 0))
for _ in range(3):
    s.sendto(b"x" * 64, ("2001:db8:50::2", 9))
' || return 1
}

teardown_file() {
	netns_cleanup
}

# snap DIR: the tree and iproute2's view, back to back.
snap() {
	ip netns exec "$A" "$NB_BIN/nbsysctl" -j net.route net.neigh >"$1/tree" || return 1
	ip -n "$A" -4 -d -j route show table all >"$1/r4" || return 1
	ip -n "$A" -d -6 -j route show table all >"$1/r6" || return 1
	ip -n "$A" -j neigh show nud all >"$1/nb" || return 1
}

# compare DIR: prints the first mismatch and fails, or prints a summary.
compare() {
	/usr/bin/python3 - "$1" <<'PY'
import ipaddress, json, sys
d = sys.argv[1]
tree = json.load(open(d + "/tree"))
net = tree.get("net", {})
TABLES = {"unspec": 0, "default": 253, "main": 254, "local": 255}

def ipr_routes(path, fam):
    out = []
    for e in json.load(open(path)):
        dst = e["dst"]
        if dst == "default":
            dst = "0.0.0.0/0" if fam == "inet" else "::/0"
        n = ipaddress.ip_network(dst, strict=False)
        gw, dev = e.get("gateway", ""), e.get("dev", "")
        nh = e.get("nexthops")
        if nh:
            gw, dev = nh[0].get("gateway", ""), nh[0].get("dev", "")
        t = e.get("table", "main")
        out.append({"dst": str(n.network_address), "prefixlen": n.prefixlen,
                    "gateway": gw, "ifname": dev,
                    "table": TABLES.get(t, None) if not t.isdigit() else int(t),
                    "protocol": e.get("protocol", "boot"),
                    "scope": e.get("scope", "global"), "type": e.get("type", "unicast"),
                    "metric": e.get("metric", 0), "nhops": len(nh) if nh else 1})
    return out

def tree_list(sub, fam):
    node = net.get(sub, {}).get(fam, {})
    return [node[k] for k in sorted(node, key=int)]

def key(r):
    return tuple(str(r[k]) for k in sorted(r))

fails = []
counts = {}
for fam, path in (("inet", d + "/r4"), ("inet6", d + "/r6")):
    want = ipr_routes(path, fam)
    got = tree_list("route", fam)
    # Stable order: table, dst, prefixlen, metric.
    order = [(r["table"], ipaddress.ip_address(r["dst"]).packed, r["prefixlen"], r["metric"])
             for r in got]
    if order != sorted(order):
        fails.append(f"route.{fam}: not in (table, dst, prefixlen, metric) order")
    gotc = [{k: r[k] for k in want[0]} if want else r for r in got]
    for r in gotc:
        if "flags" in r:
            del r["flags"]
    a, b = sorted(map(key, want)), sorted(map(key, gotc))
    if a != b:
        miss = [x for x in a if x not in b]
        extra = [x for x in b if x not in a]
        fails.append(f"route.{fam}: iproute2 only {miss[:1]}, tree only {extra[:1]}")
    # flags: RTF_UP, GATEWAY (has a gateway), HOST (full-length prefix), REJECT.
    for r in got:
        f = 1 | (2 if r["gateway"] else 0)
        f |= 4 if r["prefixlen"] == (32 if fam == "inet" else 128) else 0
        f |= 0x200 if r["type"] in ("unreachable", "prohibit") else 0
        if r["flags"] != f:
            fails.append(f"route.{fam}: {r['dst']}/{r['prefixlen']} flags {r['flags']} != {f}")
            break
    counts["route." + fam] = len(got)

want = {"inet": [], "inet6": []}
for e in json.load(open(d + "/nb")):
    fam = "inet6" if ":" in e["dst"] else "inet"
    want[fam].append({"dst": e["dst"], "lladdr": e.get("lladdr", ""), "ifname": e["dev"],
                      "state": ",".join(s.lower() for s in e.get("state", ["none"]))})
for fam in ("inet", "inet6"):
    got = [{k: r[k] for k in ("dst", "lladdr", "ifname", "state")}
           for r in tree_list("neigh", fam)]
    a, b = sorted(map(key, want[fam])), sorted(map(key, got))
    if a != b:
        miss = [x for x in a if x not in b]
        extra = [x for x in b if x not in a]
        fails.append(f"neigh.{fam}: iproute2 only {miss[:1]}, tree only {extra[:1]}")
    counts["neigh." + fam] = len(got)
if fails:
    print("MISMATCH:", fails[0])
    sys.exit(1)
print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())))
PY
}

@test "net.route and net.neigh equal iproute2's routes (all tables) and neighbours" {
	local d="$BATS_TEST_TMPDIR" try
	# Retry: a neighbour may change state between the two snapshots.
	for try in 1 2 3 4 5; do
		snap "$d" || return 1
		if run compare "$d" && [ "$status" -eq 0 ]; then
			break
		fi
		sleep 1
	done
	echo "$output"
	[ "$status" -eq 0 ]
	# The scenario's objects are really there (not an empty == empty).
	run -0 /usr/bin/python3 - "$d/tree" <<'PY'
import json, sys
net = json.load(open(sys.argv[1]))["net"]
r4 = list(net["route"]["inet"].values())
r6 = list(net["route"]["inet6"].values())
n4 = list(net["neigh"]["inet"].values())
n6 = list(net["neigh"]["inet6"].values())
def has(l, **kv):
    return any(all(r.get(k) == v for k, v in kv.items()) for r in l)
checks = [
    has(r4, dst="10.60.0.0", prefixlen=24, gateway="10.50.0.2", ifname="a0", table=254),
    has(r4, dst="10.60.1.0", metric=20, protocol="static"),
    has(r4, dst="10.61.0.0", type="blackhole", table=254),
    has(r4, dst="10.61.0.7", prefixlen=32, ifname="a1", flags=5, scope="link"),
    has(r4, dst="10.62.0.0", type="unreachable", table=100, flags=0x201),
    has(r4, dst="10.62.1.0", type="prohibit", table=100),
    has(r4, dst="10.63.0.0", table=100, metric=7, gateway="10.50.0.2", flags=3),
    has(r4, dst="0.0.0.0", prefixlen=0, table=100, gateway="10.51.0.2"),
    has(r4, dst="10.65.0.0", nhops=2, gateway="10.50.0.2", ifname="a0"),
    has(r4, dst="10.66.0.0", table=1000, ifname="a0"),
    has(r4, dst="10.50.0.1", table=255, type="local", scope="host", protocol="kernel"),
    has(r6, dst="2001:db8:60::", prefixlen=64, gateway="2001:db8:50::2", table=254),
    has(r6, dst="2001:db8:61::", type="blackhole", table=100),
    has(r6, dst="2001:db8:62::", table=100, metric=5),
    has(r6, dst="2001:db8:63::", prefixlen=48, table=1000, metric=300, ifname="a1"),
    has(n4, dst="10.50.0.99", lladdr="02:00:00:00:00:99", ifname="a0", state="permanent"),
    has(n4, dst="10.51.0.98", ifname="a1", state="stale"),
    has(n4, dst="10.50.0.2", ifname="a0"),
    has(n4, dst="10.51.0.2", ifname="a1"),
    has(n6, dst="2001:db8:50::99", state="permanent", lladdr="02:00:00:00:00:97"),
    has(n6, dst="2001:db8:50::2", ifname="a0"),
]
bad = [i for i, c in enumerate(checks) if not c]
print("missing scenario objects:", bad) if bad else None
sys.exit(1 if bad else 0)
PY
}

@test "kern.hashstat lists the route and neigh tables with the tree's counts" {
	local tree
	# One invocation, one sample: the tables are listed once loaded.
	tree=$(ip netns exec "$A" "$NB_BIN/nbsysctl" -j net.route net.neigh kern.hashstat) ||
	    return 1
	run -0 /usr/bin/python3 -c '
import json, sys
t = json.loads(sys.argv[1])
r, n, hs = t["net"]["route"], t["net"]["neigh"], t["kern"]["hashstat"]
nr = sum(len(r.get(f, {})) for f in ("inet", "inet6"))
nn = sum(len(n.get(f, {})) for f in ("inet", "inet6"))
print("routes", nr, hs["route"], "neighbours", nn, hs["neigh"])
ok = (nr > 20 and hs["route"]["items"] == nr and nn >= 5 and hs["neigh"]["items"] == nn
      and hs["route"]["size"] >= 16 and 0 < hs["route"]["used"] <= hs["route"]["size"])
sys.exit(0 if ok else 1)
' "$tree"
	echo "$output"
}

@test "a deleted route and neighbour leave the tree" {
	ip -n "$A" route add 10.70.0.0/24 dev a0 table 100
	ip -n "$A" neigh add 10.50.0.77 lladdr 02:00:00:00:00:77 dev a0 nud permanent
	run -0 ip netns exec "$A" "$NB_BIN/nbsysctl" net.route.inet net.neigh.inet
	[[ "$output" == *"dst = 10.70.0.0"* ]]
	[[ "$output" == *"dst = 10.50.0.77"* ]]
	ip -n "$A" route del 10.70.0.0/24 dev a0 table 100
	ip -n "$A" neigh del 10.50.0.77 dev a0
	run -0 ip netns exec "$A" "$NB_BIN/nbsysctl" net.route.inet net.neigh.inet
	[[ "$output" != *"10.70.0.0"* ]]
	[[ "$output" != *"10.50.0.77"* ]]
}
