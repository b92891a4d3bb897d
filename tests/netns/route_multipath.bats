#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# route_multipath.bats - nbnetstat -r against iproute2 for what a route has
# beyond its first hop: in a namespace with two veths, an IPv4 and an IPv6
# multipath route (weights), a route with mtu and src, an IPv6 route with
# pref high and a route through a nexthop object; `nbnetstat -rn -T all -j`
# must equal `ip -j route show table all` (and -6) route for route: dst,
# every nexthop (gateway, dev, weight), table, metric, type, mtu, prefsrc,
# pref, nhid; nothing extra, nothing missing. The text shows each further
# nexthop on a continuation row; a recording replays with the nexthops.

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	netns_cleanup
	M=$(netns_create rmp) || return 1
	export M
	ip netns exec "$M" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 || return 1
	ip -n "$M" -batch - <<-'EOF2' || return 1
	link add v1 type veth peer name w1
	link add v2 type veth peer name w2
	link set v1 up
	link set v2 up
	link set w1 up
	link set w2 up
	addr add 10.77.1.1/24 dev v1
	addr add 10.77.2.1/24 dev v2
	addr add 2001:db8:1::1/64 dev v1 nodad
	addr add 2001:db8:2::1/64 dev v2 nodad
	route add 10.89.0.0/16 nexthop via 10.77.1.2 dev v1 weight 3 nexthop via 10.77.2.2 dev v2
	route add 10.88.0.0/16 table 100 metric 5 nexthop via 10.77.1.3 dev v1 nexthop via 10.77.2.3 dev v2 nexthop via 10.77.1.4 dev v1
	route add 10.90.0.0/16 via 10.77.1.2 mtu 1400 src 10.77.1.1
	route add 2001:db8:99::/64 nexthop via 2001:db8:1::2 dev v1 nexthop via 2001:db8:2::2 dev v2
	route add 2001:db8:98::/64 via 2001:db8:1::2 pref high
	route add 2001:db8:97::/64 via 2001:db8:2::2 mtu 1300 pref low metric 7
	EOF2
	# A nexthop object, where the kernel has them (5.3 and later).
	if ip -n "$M" nexthop add id 7 via 10.77.2.2 dev v2 2>/dev/null; then
		ip -n "$M" route add 10.91.0.0/16 nhid 7 || return 1
	fi
}

teardown_file() {
	netns_cleanup
}

# cmp_ip DIR: compares DIR/nb (nbnetstat -rn -T all -j) with DIR/r4 and DIR/r6.
cmp_ip() {
	/usr/bin/python3 - "$1" <<'PY'
import ipaddress, json, sys
d = sys.argv[1]
TABLES = {"unspec": 0, "default": 253, "main": 254, "local": 255}

def ip_routes(path, fam):
    out = []
    for e in json.load(open(path)):
        dst = e["dst"]
        if dst == "default":
            dst = "0.0.0.0/0" if fam == "inet" else "::/0"
        n = ipaddress.ip_network(dst, strict=False)
        t = e.get("table", "main")
        if "nexthops" in e:
            hops = [(h.get("gateway", ""), h.get("dev", ""), h.get("weight", 1)) for h in e["nexthops"]]
        else:
            hops = [(e.get("gateway", ""), e.get("dev", ""), 1)]
        mtu = 0
        for m in e.get("metrics", []):
            if isinstance(m, dict) and "mtu" in m:
                mtu = m["mtu"]
        out.append((str(n.network_address), n.prefixlen, e.get("type", "unicast"),
                    int(t) if t.isdigit() else TABLES[t], e.get("metric", 0),
                    tuple(hops), mtu, e.get("prefsrc", ""), e.get("pref", ""), e.get("nhid", 0)))
    return out

def nb_routes(tool, fam):
    out = []
    for r in tool.get(fam, []):
        if "nexthops" in r:
            if len(r["nexthops"]) != r["nhops"]:
                sys.exit(f"{r['dst']}: nhops {r['nhops']} but {len(r['nexthops'])} nexthops")
            hops = [(h.get("gateway", ""), h.get("interface", ""), h["weight"]) for h in r["nexthops"]]
        else:
            hops = [(r.get("gateway", ""), r.get("interface", ""), 1)]
        out.append((r["dst"], r["prefixlen"], r["type"], r["table"], r["metric"], tuple(hops),
                    r.get("mtu", 0), r.get("prefsrc", ""), r.get("pref", ""), r.get("nhid", 0)))
    return out

tool = json.load(open(d + "/nb"))
counts = []
for fam, path in (("inet", d + "/r4"), ("inet6", d + "/r6")):
    want, got = ip_routes(path, fam), nb_routes(tool, fam)
    a, b = sorted(map(repr, want)), sorted(map(repr, got))
    if a != b:
        miss = [x for x in a if x not in b]
        extra = [x for x in b if x not in a]
        sys.exit(f"{fam}: iproute2 only {miss[:2]}, nbnetstat only {extra[:2]}")
    counts.append(f"{fam}={len(got)} multipath={sum(len(r[5]) > 1 for r in got)}")
print(" ".join(counts))
PY
}

@test "nbnetstat -r -j equals ip route for every route, nexthop, mtu, prefsrc and pref" {
	local d="$BATS_TEST_TMPDIR"
	ip netns exec "$M" "$NB_BIN/nbnetstat" -rn -T all -j >"$d/nb"
	ip -n "$M" -4 -j route show table all >"$d/r4"
	ip -n "$M" -6 -j route show table all >"$d/r6"
	run -0 cmp_ip "$d"
	echo "$output"
	# Not an empty == empty: the scenario's routes are there.
	run -0 /usr/bin/python3 - "$d/nb" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
def get(fam, dst):
    return [r for r in t[fam] if r["dst"] == dst]
r = get("inet", "10.89.0.0")[0]
assert [h["gateway"] for h in r["nexthops"]] == ["10.77.1.2", "10.77.2.2"], r
assert [h["weight"] for h in r["nexthops"]] == [3, 1], r
r = get("inet", "10.88.0.0")[0]
assert r["table"] == 100 and r["metric"] == 5 and r["nhops"] == 3, r
r = get("inet", "10.90.0.0")[0]
assert r["mtu"] == 1400 and r["prefsrc"] == "10.77.1.1" and "nexthops" not in r, r
r = get("inet6", "2001:db8:99::")[0]
assert [h["interface"] for h in r["nexthops"]] == ["v1", "v2"], r
assert get("inet6", "2001:db8:98::")[0]["pref"] == "high"
r = get("inet6", "2001:db8:97::")[0]
assert r["pref"] == "low" and r["mtu"] == 1300 and r["metric"] == 7, r
PY
	run -0 validate_json nbnetstat-r.schema.json "$d/nb"
}

@test "nbnetstat -r prints each further nexthop on a continuation row" {
	run -0 ip netns exec "$M" "$NB_BIN/nbnetstat" -rn
	assert_line --regexp '^10\.89\.0\.0/16 +10\.77\.1\.2 +UGS +- +- +- +v1$'
	assert_line --regexp '^ {19}10\.77\.2\.2 +UG +- +- +- +v2$'
	assert_line --regexp '^10\.90\.0\.0/16 +10\.77\.1\.2 +UGS +- +- +1400 +v1$'
	assert_line --regexp '^2001:db8:99::/64 +2001:db8:1::2 +UGS +- +- +- +v1$'
	assert_line --regexp '^ {40}2001:db8:2::2 +UG +- +- +- +v2$'
	# Table 100's three-way route: two continuation rows after it.
	run -0 ip netns exec "$M" "$NB_BIN/nbnetstat" -rn -T 100 -f inet
	assert_line --index 3 --regexp '^10\.88\.0\.0/16 +10\.77\.1\.3 .* v1$'
	assert_line --index 4 --regexp '^ +10\.77\.2\.3 .* v2$'
	assert_line --index 5 --regexp '^ +10\.77\.1\.4 .* v1$'
}

@test "the tree has every nexthop under net.route.<fam>.<n>.nexthops" {
	run -0 ip netns exec "$M" "$NB_BIN/nbsysctl" net.route.inet
	assert_output --regexp 'net\.route\.inet\.[0-9]+\.nexthops\.1\.gateway = 10\.77\.2\.2'
	assert_output --regexp 'net\.route\.inet\.[0-9]+\.nexthops\.0\.weight = 3'
	assert_output --regexp 'net\.route\.inet\.[0-9]+\.mtu = 1400'
	assert_output --regexp 'net\.route\.inet\.[0-9]+\.prefsrc = 10\.77\.1\.1'
}

@test "recorded routes replay with their nexthops, mtu, prefsrc and pref" {
	local d="$BATS_TEST_TMPDIR"
	ip netns exec "$M" "$NB_BIN/nbnetstat" -rn -T all -j >"$d/live"
	run -0 ip netns exec "$M" "$NB_BIN/nbsysctl" --record "$d/h.db" --interval 1 -c 1
	run -0 "$NB_BIN/nbnetstat" --replay "$d/h.db" -rn -T all -j
	echo "$output" >"$d/replayed"
	run -0 diff "$d/live" "$d/replayed"
	run -0 "$NB_BIN/nbnetstat" --replay "$d/h.db" -rn
	assert_line --regexp '^ {19}10\.77\.2\.2 +UG +- +- +- +v2$'
}
