#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# history_look.bats - looking at a recorded history in namespaces where we
# know what happened: --diff between two nbsysctl --record samples names
# every interface, address, route and capture peer that changed, each once,
# and nothing else (nbnetstat -i, -r, -B and nbsysctl, text and JSON);
# --summary equals the figures computed from `ip -s -j link` reads taken
# at each sample; --plot on a replay range draws one stroked path per
# series with a point per interval.

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	netns_cleanup
	A=$(netns_create hla) && B=$(netns_create hlb) || return 1
	export A B
	netns_quiet "$A" "$B" || return 1
}

teardown_file() {
	netns_cleanup
}

teardown() {
	local f
	for f in "$BATS_TEST_TMPDIR"/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	return 0
}

in_a() { ip netns exec "$A" "$@"; }

# sample_times FILE: the TIME column of --list, one per line.
sample_times() {
	"$NB_BIN/nbsysctl" --replay "$1" --list | awk 'NR > 1 { print $1 }'
}

# veth NAME PEER: a veth pair in A, both ends up.
veth() {
	ip -n "$A" link add "$1" type veth peer name "$2" &&
	    ip -n "$A" link set "$1" up && ip -n "$A" link set "$2" up
}

# pktsock_start TAG SPEC: tests/helpers/pktsock in A (one socket), until READY.
pktsock_start() {
	local out="$BATS_TEST_TMPDIR/$1.out" t
	: >"$out"
	ip netns exec "$A" "$NB_BIN/pktsock" "$2" >"$out" 2>&1 &
	echo $! >"$BATS_TEST_TMPDIR/$1.pid"
	for ((t = 0; t < 50; t++)); do
		grep -q READY "$out" && return 0
		sleep 0.1
	done
	cat "$out" >&2
	return 1
}

# marked: the rows of the output with a mark, the mark and the first word
# after it (what the test expects), sorted.
marked() {
	grep -E '^[-+~] ' <<<"$output" | awk '{ print $1, $2 }' | sort
}

@test "--diff between two recorded samples: each change once, nothing else (-i, -r, -B, nbsysctl)" {
	local db="$BATS_TEST_TMPDIR/h.db" d="$BATS_TEST_TMPDIR" k
	# T1: s0/s1 stay, g0/g1 go, r0 is renamed, c0/c1 recreated, m0's mtu changes.
	veth s0 s1 && veth g0 g1 && veth r0 r1 && veth c0 c1 && veth m0 m1
	ip -n "$A" addr add 10.8.0.1/24 dev s0
	ip -n "$A" addr add 10.8.2.1/24 dev s1
	ip -n "$A" route add 10.99.0.0/16 via 10.8.0.2
	ip -n "$A" route add 10.98.0.0/16 via 10.8.0.2
	pktsock_start p1 if=s0
	sleep 0.5
	# One recorder run, two samples (the tree's gen numbers interfaces per
	# reading process: two runs would differ in it). The changes go in
	# once the first sample is in the file.
	in_a "$NB_BIN/nbsysctl" --record "$db" --interval 4 -c 2 &
	echo $! >"$d/rec.pid"
	for ((k = 0; k < 100; k++)); do
		[ "$(sample_times "$db" 2>/dev/null | wc -l)" -ge 1 ] && break
		sleep 0.1
	done
	[ "$(sample_times "$db" | wc -l)" -eq 1 ]
	# Between the samples.
	ip -n "$A" link del g0
	veth n0 n1
	ip -n "$A" link set r0 down && ip -n "$A" link set r0 name r9 && ip -n "$A" link set r9 up
	ip -n "$A" link del c0 && veth c0 c1
	ip -n "$A" link set m0 mtu 1400
	ip -n "$A" addr add 10.8.1.1/24 dev s0
	ip -n "$A" addr del 10.8.2.1/24 dev s1
	ip -n "$A" route del 10.99.0.0/16
	ip -n "$A" route add 10.97.0.0/16 via 10.8.0.2
	ip -n "$A" route replace 10.98.0.0/16 via 10.8.0.3
	kill "$(cat "$d/p1.pid")"
	wait "$(cat "$d/p1.pid")" 2>/dev/null || true
	pktsock_start p2 if=s1
	wait "$(cat "$d/rec.pid")"
	mapfile -t ts < <(sample_times "$db")
	[ "${#ts[@]}" -eq 2 ]

	run -0 nbnetstat -i --replay "$db" --diff "${ts[0]}" "${ts[1]}"
	echo "$output" >"$d/i.txt"
	run -0 marked
	assert_output "$(sort <<'EOF'
- g0
- g1
+ n0
+ n1
~ r9
~ c0
~ c1
~ m0
+ s0
- s1
EOF
)"
	run -0 nbnetstat -i --replay "$db" --diff "${ts[0]}" "${ts[1]}"
	assert_line --regexp '^~ r9 .*renamed from r0'
	assert_line --regexp '^~ c0 .*recreated \(index'
	assert_line --regexp '^~ m0 +1400 .*mtu 1500 -> 1400'
	assert_line --regexp '^\+ s0 .* 10\.8\.1\.1/24$'
	assert_line --regexp '^- s1 .* 10\.8\.2\.1/24$'
	nbnetstat -i -j --replay "$db" --diff "${ts[0]}" "${ts[1]}" >"$d/i.json"
	run -0 validate_json nbnetstat-i-diff.schema.json "$d/i.json"
	run -0 jq -c '[(.interfaces | length), (.addresses | length)]' "$d/i.json"
	assert_output '[8,2]'

	run -0 nbnetstat -r --replay "$db" --diff "${ts[0]}" "${ts[1]}"
	run -0 marked
	assert_output "$(sort <<'EOF'
- 10.99.0.0/16
+ 10.97.0.0/16
~ 10.98.0.0/16
+ 10.8.1.0/24
- 10.8.2.0/24
EOF
)"
	run -0 nbnetstat -r --replay "$db" --diff "${ts[0]}" "${ts[1]}"
	assert_line --regexp '^~ 10\.98\.0\.0/16 +10\.8\.0\.3 .*gateway 10\.8\.0\.2 -> 10\.8\.0\.3$'
	nbnetstat -r -j --replay "$db" --diff "${ts[0]}" "${ts[1]}" >"$d/r.json"
	run -0 validate_json nbnetstat-r-diff.schema.json "$d/r.json"

	run -0 nbnetstat -B --replay "$db" --diff "${ts[0]}" "${ts[1]}"
	echo "$output" >"$d/B.txt"
	run -0 grep -E '^[-+~] ' "$d/B.txt"
	[ "${#lines[@]}" -eq 2 ] || { cat "$d/B.txt"; false; }
	assert_line --regexp "^- $(cat "$d/p1.pid") +s0 .* pktsock$"
	assert_line --regexp "^\+ $(cat "$d/p2.pid") +s1 .* pktsock$"
	nbnetstat -B -j --replay "$db" --diff "${ts[0]}" "${ts[1]}" >"$d/B.json"
	run -0 validate_json nbnetstat-B-diff.schema.json "$d/B.json"

	# nbsysctl: m0's subtree changed its mtu only (counters are not changes).
	run -0 nbsysctl --replay "$db" --diff "${ts[0]}" "${ts[1]}" net.interfaces.m0
	run -0 grep -E '^[-+~] ' <<<"$output"
	assert_output '~ net.interfaces.m0.mtu: 1500 -> 1400'
	# s0's: the address added (its leaves), nothing removed or changed.
	run -0 nbsysctl --replay "$db" --diff "${ts[0]}" "${ts[1]}" net.interfaces.s0
	refute_line --regexp '^[-~] '
	assert_line --regexp '^\+ net\.interfaces\.s0\.addrs\.[0-9]+\.address = 10\.8\.1\.1$'
	nbsysctl -j --replay "$db" --diff "${ts[0]}" "${ts[1]}" net.interfaces.m0 >"$d/s.json"
	run -0 validate_json nbsysctl-diff.schema.json "$d/s.json"
	run -0 jq -c '[.added, .removed, [.changed[] | .name, .old, .new]]' "$d/s.json"
	assert_output '[[],[],["net.interfaces.m0.mtu","1500","1400"]]'

	# T2 "now": the live namespace against T1 sees the same interfaces.
	run -0 in_a "$NB_BIN/nbnetstat" -i --replay "$db" --diff "${ts[0]}" now
	run -0 marked
	[ "${#lines[@]}" -eq 10 ]
}

# ip_ctrs IF: "ipackets ibytes opackets obytes" of IF in A, from the kernel.
ip_ctrs() {
	ip -n "$A" -s -j link show dev "$1" |
	    jq -r '.[0].stats64 | "\(.rx.packets) \(.rx.bytes) \(.tx.packets) \(.tx.bytes)"'
}

@test "--summary equals the figures computed from ip -s -j link reads at each sample; --plot draws them" {
	local db="$BATS_TEST_TMPDIR/h.db" d="$BATS_TEST_TMPDIR" k maca macb
	netns_pair "$A" "$B" wa wb 198.18.0.0/31 198.18.0.1/31
	maca=$(ip -n "$A" -j link show dev wa | jq -r '.[0].address')
	macb=$(ip -n "$B" -j link show dev wb | jq -r '.[0].address')
	ip -n "$A" neigh replace 198.18.0.1 lladdr "$macb" dev wa nud permanent
	ip -n "$B" neigh replace 198.18.0.0 lladdr "$maca" dev wb nud permanent
	sleep 0.3
	: >"$d/ip.txt"
	# Five samples, each followed at once by ip's read (nothing moves in
	# between: no IPv6, permanent neighbours); traffic of its own size
	# each way before each later sample.
	for k in 0 1 2 3 4; do
		if ((k > 0)); then
			netns_udp_send "$A" 198.18.0.0 198.18.0.1 $((k * 23 + 5)) $((100 + 50 * k))
			netns_udp_send "$B" 198.18.0.1 198.18.0.0 $((60 - k * 11)) 300
			sleep 0.$((2 + k))
		fi
		in_a "$NB_BIN/nbnetstat" -i -I wa --record "$db" >/dev/null
		ip_ctrs wa >>"$d/ip.txt"
	done
	mapfile -t ts < <(sample_times "$db")
	[ "${#ts[@]}" -eq 5 ]
	printf '%s\n' "${ts[@]}" >"$d/ts.txt"
	nbnetstat -i -I wa -j --replay "$db" --from "${ts[0]}" --to "${ts[4]}" --summary >"$d/sum.json"
	run -0 validate_json nbnetstat-i-summary.schema.json "$d/sum.json"
	run -0 /usr/bin/python3 - "$d/ip.txt" "$d/ts.txt" "$d/sum.json" <<'PY'
import json, math, sys
from datetime import datetime
ctr = [list(map(int, l.split())) for l in open(sys.argv[1])]
def ns(s):  # ISO-8601 with nanoseconds: whole seconds + the fraction
    base, frac = s.split(".")
    digits, zone = frac[:9], frac[9:]
    t = datetime.fromisoformat(base + zone)
    return int(t.timestamp()) * 10**9 + int(digits.ljust(9, "0"))
t = [ns(l.strip()) for l in open(sys.argv[2])]
got = json.load(open(sys.argv[3]))
ifs = [i for i in got["interfaces"] if i["name"] == "wa"]
assert len(ifs) == 1 and len(got["interfaces"]) == 1, got["interfaces"]
wa = ifs[0]
assert wa["intervals"] == 4, wa["intervals"]
for c, key in enumerate(["ipackets", "ibytes", "opackets", "obytes"]):
    rates = [(ctr[k][c] - ctr[k - 1][c]) * 1e9 / (t[k] - t[k - 1]) for k in range(1, 5)]
    want = {
        "average": (ctr[4][c] - ctr[0][c]) * 1e9 / (t[4] - t[0]),
        "minimum": min(rates), "maximum": max(rates),
        "p95": sorted(rates)[math.ceil(0.95 * len(rates)) - 1],
    }
    assert max(rates) > 0, (key, rates)
    for stat, w in want.items():
        g = wa[stat][key]
        assert abs(g - w) <= 1e-9 * max(1.0, abs(w)), (key, stat, g, w)
print("ok")
PY
	assert_output ok
	# Text: the same four figures per interface.
	run -0 nbnetstat -i -I wa --replay "$db" --from "${ts[0]}" --to "${ts[4]}" --summary
	assert_line --regexp '^wa +average( +[0-9.]+){8}$'
	assert_line --regexp '^wa +p95( +[0-9.]+){8}$'

	# --plot on the replay range: 8 series (bytes, packets in and out; 4
	# error and drop counters), each one stroked path; the packet and byte
	# rates differ per interval, so their paths have one point per interval
	# (cairo merges collinear segments, as in the flat error lines).
	run -0 nbnetstat -i -I wa --replay "$db" --from "${ts[0]}" --to "${ts[4]}" --plot "$d/p.svg"
	run -0 xmllint --noout "$d/p.svg"
	run -0 /usr/bin/python3 - "$d/p.svg" <<'PY'
import re, sys, xml.etree.ElementTree as E
paths = []
def walk(e, in_defs=False):
    for c in e:
        d = in_defs or c.tag.endswith("defs") or c.tag.endswith("symbol")
        if c.tag.endswith("path") and not d and re.search(r"stroke:(?!none)", c.get("style", "")):
            paths.append(len(re.findall(r"[ML] ", c.get("d", ""))))
        walk(c, d)
walk(E.parse(sys.argv[1]).getroot())
print(len(paths), paths[:4])
PY
	assert_output '8 [4, 4, 4, 4]'
	run -0 nbnetstat -i -I wa --replay "$db" --from "${ts[0]}" --to "${ts[4]}" --plot "$d/p.png"
	[ "$(head -c 4 "$d/p.png" | od -An -tx1 | tr -d ' \n')" = 89504e47 ]

	# Live interval mode: the file is there after the first interval, a
	# whole figure each time (renamed over: no temporary left), and at the
	# end holds a point per interval.
	mkdir "$d/live"
	in_a "$NB_BIN/nbnetstat" -i -I wa -w 1 -c 4 --plot "$d/live/l.svg" >"$d/live.out" &
	echo $! >"$d/live.pid"
	for ((k = 0; k < 100; k++)); do
		[ -s "$d/live/l.svg" ] && break
		sleep 0.1
	done
	run -0 xmllint --noout "$d/live/l.svg"
	netns_udp_send "$A" 198.18.0.0 198.18.0.1 40 100
	wait "$(cat "$d/live.pid")"
	rm "$d/live.pid"
	[ ! -s "$d/live.out" ]
	run -0 ls "$d/live"
	assert_output l.svg
	run -0 xmllint --noout "$d/live/l.svg"
	run -0 grep -c 'stroke:rgb' "$d/live/l.svg"
	assert_output 8
}

@test "-s --summary: the udp rates are the datagrams sent between samples; nbsysctl and nbvmstat --plot draw the recording" {
	local db="$BATS_TEST_TMPDIR/h.db" d="$BATS_TEST_TMPDIR" k
	netns_pair "$A" "$B" wc wd 198.18.0.2/31 198.18.0.3/31
	# Four samples of the default set, n_k datagrams from A between them
	# (to a port nobody listens on: only A's udp output counts them).
	: >"$d/n.txt"
	for k in 0 1 2 3; do
		if ((k > 0)); then
			netns_udp_send "$A" 198.18.0.2 198.18.0.3 $((k * 17 + 3)) 64
			echo $((k * 17 + 3)) >>"$d/n.txt"
		fi
		# Two interfaces more before the second sample (nbvmstat -h --diff).
		if ((k == 1)); then veth h0 h1; fi
		in_a "$NB_BIN/nbsysctl" --record "$db"
	done
	mapfile -t ts < <(sample_times "$db")
	[ "${#ts[@]}" -eq 4 ]
	printf '%s\n' "${ts[@]}" >"$d/ts.txt"
	nbnetstat -s -p udp -j --replay "$db" --from "${ts[0]}" --to "${ts[3]}" --summary >"$d/s.json"
	run -0 validate_json nbnetstat-s-summary.schema.json "$d/s.json"
	run -0 /usr/bin/python3 - "$d/n.txt" "$d/ts.txt" "$d/s.json" <<'PY'
import json, math, sys
from datetime import datetime
n = [int(l) for l in open(sys.argv[1])]
def ns(s):
    base, frac = s.split(".")
    t = datetime.fromisoformat(base + frac[9:])
    return int(t.timestamp()) * 10**9 + int(frac[:9])
t = [ns(l.strip()) for l in open(sys.argv[2])]
got = json.load(open(sys.argv[3]))
assert [p["name"] for p in got["protocols"]] == ["udp"], got
c = {x["name"]: x for x in got["protocols"][0]["counters"]}["sent-datagrams"]
rates = [n[k - 1] * 1e9 / (t[k] - t[k - 1]) for k in range(1, 4)]
want = {"average": sum(n) * 1e9 / (t[3] - t[0]), "minimum": min(rates), "maximum": max(rates),
        "p95": sorted(rates)[math.ceil(0.95 * 3) - 1]}
for k, w in want.items():
    assert abs(c[k] - w) <= 1e-9 * max(1.0, w), (k, c[k], w)
print("ok")
PY
	assert_output ok
	run -0 nbnetstat -s -p udp --replay "$db" --from "${ts[0]}" --to "${ts[3]}" --summary
	assert_line --regexp '^udp +sent-datagrams( +[0-9.]+){4}$'

	# nbsysctl --plot: the two leaves named, one stroked path each (wc's
	# opackets moved by n_k: a point per interval).
	run -0 nbsysctl --replay "$db" --from "${ts[0]}" --to "${ts[3]}" --plot "$d/n.svg" \
	    net.interfaces.wc.stats.opackets net.interfaces.lo.stats.ipackets
	run -0 xmllint --noout "$d/n.svg"
	run -0 /usr/bin/python3 - "$d/n.svg" <<'PY'
import re, sys
svg = open(sys.argv[1]).read()
paths = [len(re.findall(r"[ML] ", m.group(1))) for m in
         re.finditer(r'<path style="[^"]*stroke:rgb[^"]*" d="([^"]*)"', svg)]
print(len(paths), paths[0])
PY
	assert_output '2 3'
	# nbvmstat --plot: memory (5 levels) and faults (4 rates) are stroked
	# lines, the cpu shares filled areas.
	run -0 "$NB_BIN/nbvmstat" --replay "$db" --from "${ts[0]}" --to "${ts[3]}" --plot "$d/vm.svg"
	run -0 xmllint --noout "$d/vm.svg"
	run -0 grep -c 'stroke:rgb' "$d/vm.svg"
	[ "$output" -ge 9 ]
	run -0 "$NB_BIN/nbvmstat" -P --replay "$db" --from "${ts[0]}" --to "${ts[3]}" --plot "$d/vmp.png"
	[ "$(head -c 4 "$d/vmp.png" | od -An -tx1 | tr -d ' \n')" = 89504e47 ]

	# nbvmstat -h ifnet_byname --diff: two interfaces more, by name.
	run -0 "$NB_BIN/nbvmstat" -h ifnet_byname --replay "$db" --diff "${ts[0]}" "${ts[1]}"
	run -0 grep -E '^[-+~] ' <<<"$output"
	assert_output --regexp '^~ ifnet_byname '
	"$NB_BIN/nbvmstat" -h ifnet_byname -j --replay "$db" --diff "${ts[0]}" "${ts[1]}" >"$d/h.json"
	run -0 validate_json nbvmstat-hash-diff.schema.json "$d/h.json"
	run -0 jq '.hashes[0].items - .hashes[0].old.items' "$d/h.json"
	assert_output 2
	# Nothing changed in them after that.
	run -0 "$NB_BIN/nbvmstat" -h ifnet_byname -h ifnet_byindex --replay "$db" --diff "${ts[1]}" "${ts[3]}"
	refute_line --regexp '^[-+~] '
}
