#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# netstat_i.bats - nbnetstat -i against iproute2 in a namespace with 200+
# veth pairs (odd names included) after known UDP traffic: every interface,
# flag, address and counter must agree; nbsysctl agrees on leaves and the
# address hash.

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

NPAIRS=205
# Odd names for the A end of pairs 0..4 (all legal Linux names).
ODD=('v.1' 'v@2' '-v3' 'v#4' 'vé1')
DOWN_IF=a9		# an A end set down: its row shows '*'

# aname I / bname I / aaddr I / baddr I: names and /31 addresses of pair I.
aname() { if (($1 < ${#ODD[@]})); then echo "${ODD[$1]}"; else echo "a$1"; fi; }
bname() { echo "b$1"; }
aaddr() { echo "198.18.$(($1 / 128)).$((($1 % 128) * 2))"; }
baddr() { echo "198.18.$(($1 / 128)).$((($1 % 128) * 2 + 1))"; }

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	netns_cleanup
	A=$(netns_create A) && B=$(netns_create B) || return 1
	export A B
	local i f n
	netns_quiet "$A" "$B" || return 1
	f="$BATS_FILE_TMPDIR/batch"
	# ip -batch cuts a line at any '#' (comment): such names get their own commands.
	for ((i = 0; i < NPAIRS; i++)); do
		n=$(aname $i)
		if [[ $n == *'#'* ]]; then
			ip -n "$A" link add name "$n" type veth peer name "$(bname $i)" netns "$B" || return 1
			ip -n "$A" addr add "$(aaddr $i)/31" dev "$n" || return 1
			ip -n "$A" link set dev "$n" up || return 1
			continue
		fi
		echo "link add name \"$n\" type veth peer name $(bname $i) netns $B" >&3
		echo "addr add $(aaddr $i)/31 dev \"$n\"" >&4
		[ "$n" = "$DOWN_IF" ] || echo "link set dev \"$n\" up" >&4
	done 3>"$f.1" 4>"$f.2"
	ip -n "$A" -batch "$f.1" && ip -n "$A" -batch "$f.2" || return 1
	for ((i = 0; i < NPAIRS; i++)); do
		echo "addr add $(baddr $i)/31 dev $(bname $i)"
		echo "link set dev $(bname $i) up"
	done >"$f"
	ip -n "$B" -batch "$f" || return 1
	# Known traffic across several pairs, odd names included, both ways.
	for i in 0 1 2 3 4 7 42 100 204; do
		netns_udp_send "$A" "$(aaddr $i)" "$(baddr $i)" $((10 + i)) $((64 + i)) || return 1
	done
	for i in 2 4 150; do
		netns_udp_send "$B" "$(baddr $i)" "$(aaddr $i)" 5 1000 || return 1
	done
	wait_quiet "$A" || return 1
}

# wait_quiet NS: until ip's counters in NS stay put for 7 s; fails after 40 s.
# A STALE neighbour used by a reply is probed delay_first_probe_time (5 s)
# later, and that setting is not per-namespace: so wait it out.
wait_quiet() {
	local prev cur n=0 t
	prev=$(ip -n "$1" -s -j link)
	for ((t = 0; t < 40; t++)); do
		sleep 1
		cur=$(ip -n "$1" -s -j link)
		if [ "$cur" = "$prev" ]; then
			((++n >= 7)) && return 0
		else
			n=0
			prev=$cur
		fi
	done
	echo "counters in $1 never settled" >&2
	return 1
}

teardown_file() {
	netns_cleanup
}

in_a() { ip netns exec "$A" "$@"; }

# snapshot DIR: ip -s -j link, nbnetstat -i -j and ip -j addr taken at one
# quiet moment: ip's counters before and after nbnetstat are equal (a few tries).
snapshot() {
	local d=$1 try
	for try in 1 2 3 4 5; do
		in_a ip -s -j link >"$d/ip1.json" || return 1
		in_a "$NB_BIN/nbnetstat" -i -j >"$d/nb.json" || return 1
		in_a ip -s -j link >"$d/ip2.json" || return 1
		in_a ip -j addr >"$d/addr.json" || return 1
		cmp -s "$d/ip1.json" "$d/ip2.json" && return 0
		sleep 1
	done
	echo "counters never settled" >&2
	return 1
}

# compare IPLINK IPADDR NBJSON: prints the first mismatch and fails.
compare() {
	/usr/bin/python3 - "$@" <<'PY'
import ipaddress, json, sys
link = json.load(open(sys.argv[1]))
addr = json.load(open(sys.argv[2]))
nb = json.load(open(sys.argv[3]))
IFF = {"UP": 0x1, "BROADCAST": 0x2, "DEBUG": 0x4, "LOOPBACK": 0x8, "POINTOPOINT": 0x10,
       "NOTRAILERS": 0x20, "NOARP": 0x80, "PROMISC": 0x100, "ALLMULTI": 0x200,
       "MASTER": 0x400, "SLAVE": 0x800, "MULTICAST": 0x1000, "PORTSEL": 0x2000,
       "AUTOMEDIA": 0x4000, "DYNAMIC": 0x8000, "LOWER_UP": 0x10000, "DORMANT": 0x20000,
       "ECHO": 0x40000}
def fail(msg):
    print("MISMATCH:", msg)
    sys.exit(1)
if nb.get("version") != "1":
    fail("version %r" % nb.get("version"))
ours = nb["interfaces"]
if [i["name"] for i in ours] != [l["ifname"] for l in link]:
    fail("interface list/order: ip %d, nbnetstat %d; first differing: %r" % (
        len(link), len(ours),
        next(((a["ifname"], b["name"]) for a, b in zip(link, ours) if a["ifname"] != b["name"]), None)))
addrs = {a["ifname"]: a.get("addr_info", []) for a in addr}
MAP = [("ipackets", "rx", "packets"), ("ibytes", "rx", "bytes"), ("ierrors", "rx", "errors"),
       ("iqdrops", "rx", "dropped"), ("imcasts", "rx", "multicast"),
       ("opackets", "tx", "packets"), ("obytes", "tx", "bytes"), ("oerrors", "tx", "errors"),
       ("oqdrops", "tx", "dropped"), ("collisions", "tx", "collisions")]
for l, o in zip(link, ours):
    n = l["ifname"]
    if o["index"] != l["ifindex"]:
        fail("%s: index ip %s nb %s" % (n, l["ifindex"], o["index"]))
    if o["mtu"] != l["mtu"]:
        fail("%s: mtu ip %s nb %s" % (n, l["mtu"], o["mtu"]))
    want = 0
    for f in l["flags"]:
        if f != "NO-CARRIER":
            want |= IFF[f]
    got = o["flags"] & ~0x40            # ip folds IFF_RUNNING into NO-CARRIER
    if got != want:
        fail("%s: flags ip %#x (%s) nb %#x" % (n, want, l["flags"], got))
    if o["up"] != ("UP" in l["flags"]):
        fail("%s: up ip %s nb %s" % (n, "UP" in l["flags"], o["up"]))
    if o.get("lladdr") != l.get("address"):
        fail("%s: lladdr ip %r nb %r" % (n, l.get("address"), o.get("lladdr")))
    s = o["stats"]
    for ours_k, d, k in MAP:
        if s.get(ours_k) != l["stats64"][d][k]:
            fail("%s: %s ip %s nb %s" % (n, ours_k, l["stats64"][d][k], s.get(ours_k)))
    if s.get("noproto", 0) != l["stats64"]["rx"].get("nohandler", 0):
        fail("%s: noproto ip %s nb %s" % (n, l["stats64"]["rx"].get("nohandler", 0), s.get("noproto")))
    if "omcasts" in s:
        fail("%s: omcasts present (Linux has no TX multicast count)" % n)
    ipa = sorted((a["family"], a["local"], a["prefixlen"]) for a in addrs.get(n, []))
    nba = sorted((a["family"], a["address"], a["prefixlen"]) for a in o["addresses"])
    if ipa != nba:
        fail("%s: addresses ip %s nb %s" % (n, ipa, nba))
    for a in o["addresses"]:
        net = ipaddress.ip_interface("%s/%d" % (a["address"], a["prefixlen"])).network
        if a["network"] != str(net):
            fail("%s: network of %s is %s, nb says %s" % (n, a["address"], net, a["network"]))
moved = sum(1 for o in ours if o["stats"].get("opackets", 0) > 0)
print("ok: %d interfaces, %d addresses, %d with traffic" % (
    len(ours), sum(len(o["addresses"]) for o in ours), moved))
PY
}

@test "nbnetstat -i -j agrees with ip -s -j link and ip -j addr on every interface" {
	local d="$BATS_TEST_TMPDIR"
	snapshot "$d"
	run -0 validate_json nbnetstat-i.schema.json "$d/nb.json"
	run compare "$d/ip1.json" "$d/addr.json" "$d/nb.json"
	echo "$output"
	assert_success
	# The world is what we built: lo + NPAIRS A ends, and traffic did flow.
	run -0 jq '.interfaces | length' "$d/nb.json"
	assert_output $((NPAIRS + 1))
	run -0 jq -r --arg n 'vé1' '.interfaces[] | select(.name == $n) | .stats.opackets >= 14' "$d/nb.json"
	assert_output true
}

# esc NAME: a MIB component with '.' and '\' escaped.
esc() { local s=${1//\\/\\\\}; echo "${s//./\\.}"; }

@test "nbsysctl leaves agree with nbnetstat, odd names included" {
	[ -x "$NB_BIN/nbsysctl" ] || skip "nbsysctl not built yet"
	local d="$BATS_TEST_TMPDIR" n c want got i
	snapshot "$d"
	for i in 0 1 2 3 4 7 42 100 204; do
		n=$(aname $i)
		for c in ipackets opackets ibytes obytes ierrors iqdrops; do
			want=$(jq -r --arg n "$n" --arg c "$c" '.interfaces[] | select(.name == $n) | .stats[$c]' "$d/nb.json")
			got=$(in_a "$NB_BIN/nbsysctl" -n "net.interfaces.$(esc "$n").stats.$c") ||
			    fail "nbsysctl failed on $n.$c"
			[ "$got" = "$want" ] || fail "$n $c: nbsysctl $got, nbnetstat $want"
		done
		want=$(jq -r --arg n "$n" '.[] | select(.ifname == $n) | .mtu' "$d/ip1.json")
		got=$(in_a "$NB_BIN/nbsysctl" -n "net.interfaces.$(esc "$n").mtu")
		[ "$got" = "$want" ] || fail "$n mtu: nbsysctl $got, ip $want"
	done
}

@test "kern.hashstat.in_ifaddrhash.items counts the addresses of the namespace" {
	[ -x "$NB_BIN/nbsysctl" ] || skip "nbsysctl not built yet"
	local want got
	want=$(in_a ip -j addr | jq '[.[].addr_info[]] | length')
	[ "$want" -eq $((NPAIRS + 1)) ]
	got=$(in_a "$NB_BIN/nbsysctl" -n kern.hashstat.in_ifaddrhash.items)
	assert_equal "$got" "$want"
}

@test "a down interface is shown with '*' and up: false" {
	run -0 in_a "$NB_BIN/nbnetstat" -i -I "$DOWN_IF"
	assert_regex "${lines[1]}" "^${DOWN_IF}\\*   1500  <Link> "
	assert_regex "${lines[2]}" "^${DOWN_IF}\\*   1500  198\\.18\\.0\\.18/31 +198\\.18\\.0\\.18 "
	run -0 in_a "$NB_BIN/nbnetstat" -i -I "$DOWN_IF" -j
	run -0 jq -r '.interfaces[0] | .name, .up' <<<"$output"
	assert_equal "$output" "$DOWN_IF"$'\nfalse'
	# Up interfaces have no '*'.
	run -0 in_a "$NB_BIN/nbnetstat" -i -I a10
	assert_regex "${lines[1]}" '^a10   1500  <Link> '
}

@test "-I works on every odd name, in text and JSON" {
	local n k	# not i: bats' run clobbers it
	for ((k = 0; k < ${#ODD[@]}; k++)); do
		n=${ODD[$k]}
		run -0 in_a "$NB_BIN/nbnetstat" -i -I "$n"
		assert_equal "${#lines[@]}" 3
		[[ ${lines[1]} == "$n "* ]] || fail "-I '$n' link row: ${lines[1]}"
		[[ ${lines[2]} == "$n "*" $(aaddr $k) "* ]] || fail "-I '$n' address row: ${lines[2]}"
		run -0 in_a "$NB_BIN/nbnetstat" -I "$n" -j
		run -0 jq -r '.interfaces | length, .[0].name, .[0].addresses[0].address' <<<"$output"
		assert_equal "$output" "1"$'\n'"$n"$'\n'"$(aaddr $k)"
	done
}

@test "text -i has one row per interface and per address, counters as in JSON" {
	local d="$BATS_TEST_TMPDIR" rows want
	in_a "$NB_BIN/nbnetstat" -i >"$d/nb.txt"
	in_a "$NB_BIN/nbnetstat" -i -j >"$d/nb.json"
	rows=$(($(wc -l <"$d/nb.txt") - 1))
	want=$(jq '[.interfaces[] | 1 + (.addresses | length)] | add' "$d/nb.json")
	assert_equal "$rows" "$want"
	# Each interface's <Link> row carries the JSON counters, in column order.
	/usr/bin/python3 - "$d/nb.txt" "$d/nb.json" <<'PY'
import json, sys
rows = open(sys.argv[1], encoding="utf-8").read().splitlines()[1:]
nb = json.load(open(sys.argv[2]))
link = {}
for r in rows:
    f = r.split()
    if len(f) > 2 and f[2] == "<Link>":
        link[f[0].rstrip("*")] = f
for i in nb["interfaces"]:
    f = link.get(i["name"])
    if f is None:
        sys.exit("no <Link> row for %r" % i["name"])
    s = i["stats"]
    want = [s["ipackets"], s["ierrors"], s["opackets"], s["oerrors"], s["collisions"]]
    got = [int(x) for x in f[-5:]]
    if got != want:
        sys.exit("%s: text %s json %s" % (i["name"], got, want))
PY
}

@test "-q skips exactly the interfaces whose counters are all zero" {
	local d="$BATS_TEST_TMPDIR"
	in_a "$NB_BIN/nbnetstat" -i -j >"$d/all.json"
	in_a "$NB_BIN/nbnetstat" -i -q -j >"$d/q.json"
	run -0 jq -n --slurpfile a "$d/all.json" --slurpfile q "$d/q.json" \
	    '[$a[0].interfaces[] | select([.stats[]] | any(. != 0)) | .name] == [$q[0].interfaces[].name]'
	assert_output true
	# The down interface has moved nothing, so -q drops it.
	run -0 jq -r --arg n "$DOWN_IF" '[.interfaces[].name] | index($n)' "$d/q.json"
	assert_output null
}
