#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# bpf.bats - capture peers (net.bpf, nbnetstat -B) against ss and procfs: in
# a namespace with a veth pair to a second one, tests/helpers/pktsock holds
# AF_PACKET sockets (bound and unbound, with and without a classic BPF
# filter, one promiscuous, one with a tiny receive buffer); UDP sent into the
# namespace across the veth makes the tiny one drop. Then the tree
# (`nbsysctl -j net.bpf`) and `nbnetstat -B` must equal `ss -0 -p -e -n -m`
# (owner pid, fd, comm, interface, inode, drops) and /proc/net/packet
# (inode, interface index, uid, type), filter lengths must be what pktsock
# attached, and `nbnetstat -s -B` must be the sums.

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

# The sockets pktsock opens, in order, and the filter length each gets.
SPECS=(if=a0,filter=3,promisc - if=a0,rcvbuf=0 dgram,filter=1 if=a0,filter=5 rxring,fanout=7)
FILTERS=(3 0 0 1 5 0)
# NB_BPF_F_* each gets: the last one has an RX ring (0x1) and is a fanout member (0x4).
FLAGS=(0 0 0 0 0 5)

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	netns_cleanup
	A=$(netns_create bpfa) || return 1
	B=$(netns_create bpfb) || return 1
	export A B
	netns_quiet "$A" "$B" || return 1
	netns_pair "$A" "$B" a0 b0 10.77.0.1/24 10.77.0.2/24 || return 1
	ip netns exec "$A" "$NB_BIN/pktsock" "${SPECS[@]}" >"$BATS_FILE_TMPDIR/pk.out" 2>&1 &
	echo $! >"$BATS_FILE_TMPDIR/pk.pid"
	local t
	for ((t = 0; t < 50; t++)); do
		grep -q READY "$BATS_FILE_TMPDIR/pk.out" && break
		sleep 0.1
	done
	grep -q READY "$BATS_FILE_TMPDIR/pk.out" || { cat "$BATS_FILE_TMPDIR/pk.out" >&2; return 1; }
	# Into A across the veth: every a0 socket sees it; the 2304-byte one drops.
	netns_udp_send "$B" 10.77.0.2 10.77.0.1 60 1200 || return 1
	# Until the drops stop moving: under load the veth's backlog is still
	# being delivered (and dropped) after the sender is done, and the tests
	# compare reads taken one after the other.
	local prev="" cur
	for ((t = 0; t < 40; t++)); do
		sleep 0.5
		cur=$(ip netns exec "$A" ss -0 -e -m -n)
		[ "$cur" = "$prev" ] && break
		prev=$cur
	done
}

teardown_file() {
	[ -f "$BATS_FILE_TMPDIR/pk.pid" ] && kill "$(cat "$BATS_FILE_TMPDIR/pk.pid")" 2>/dev/null
	netns_cleanup
}

# Snapshot the kernel's view and ours (nothing moves now: no more traffic).
snap() {
	ip netns exec "$A" ss -0 -p -e -n -m >"$BATS_FILE_TMPDIR/ss.txt"
	ip netns exec "$A" cat /proc/net/packet >"$BATS_FILE_TMPDIR/packet.txt"
	ip -n "$A" -j link >"$BATS_FILE_TMPDIR/links.json"
	ip netns exec "$A" "$NB_BIN/nbsysctl" -j net.bpf >"$BATS_FILE_TMPDIR/tree.json"
	ip netns exec "$A" "$NB_BIN/nbnetstat" -B -j >"$BATS_FILE_TMPDIR/B.json"
	ip netns exec "$A" "$NB_BIN/nbnetstat" -B >"$BATS_FILE_TMPDIR/B.txt"
	ip netns exec "$A" "$NB_BIN/nbnetstat" -s -B -j >"$BATS_FILE_TMPDIR/sB.json"
	ip netns exec "$A" "$NB_BIN/nbnetstat" -s -B >"$BATS_FILE_TMPDIR/sB.txt"
}

@test "net.bpf.peers equals ss -0 -p and /proc/net/packet" {
	snap
	run -0 /usr/bin/python3 - "$BATS_FILE_TMPDIR" "$(cat "$BATS_FILE_TMPDIR/pk.pid")" \
	    "${FILTERS[*]}" "${FLAGS[*]}" <<'PY'
import json, re, sys
d, pkpid = sys.argv[1], int(sys.argv[2])
filters, flags = [[int(x) for x in a.split()] for a in sys.argv[3:5]]
tree = json.load(open(d + "/tree.json"))["net"]["bpf"]
peers = tree["peers"]
names = {l["ifindex"]: l["ifname"] for l in json.load(open(d + "/links.json"))}
# pktsock's own report: socket k has inode ino and fd.
mine = [tuple(map(int, m)) for m in re.findall(r"sock \d+ ino=(\d+) fd=(\d+)", open(d + "/pk.out").read())]
assert len(mine) == len(filters), mine
# ss: a record is a p_ line plus its indented continuation lines.
ss, cur = {}, None
for line in open(d + "/ss.txt").read().splitlines()[1:]:
    if line.startswith("p_"):
        cur = line
        ss[cur] = ""
    elif cur is not None:
        ss[cur] += line
recs = {}
for head, cont in ss.items():
    text = head + " " + cont
    ino = int(re.search(r"\bino:(\d+)", text).group(1))
    local = head.split()[3]
    users = re.search(r'users:\(\("([^"]*)",pid=(\d+),fd=(\d+)\)', text)
    drops = int(re.search(r"skmem:\([^)]*\bd(\d+)\)", text).group(1))
    recs[ino] = dict(ifname=local.split(":", 1)[1], comm=users.group(1),
                     pid=int(users.group(2)), fd=int(users.group(3)), drops=drops)
proc = {}
for line in open(d + "/packet.txt").read().splitlines()[1:]:
    f = line.split()
    proc[int(f[8])] = dict(type=int(f[2]), ifindex=int(f[4]), uid=int(f[7]))
assert set(int(k) for k in peers) == set(recs) == set(proc), (sorted(peers), sorted(recs), sorted(proc))
assert len(peers) == len(filters)
for (ino, fd), flen, fl in zip(mine, filters, flags):
    p, s, k = peers[str(ino)], recs[ino], proc[ino]
    assert p["inode"] == ino
    assert p["pid"] == s["pid"] == pkpid, (ino, p, s)
    assert p["fd"] == s["fd"] == fd, (ino, p, s)
    assert p["comm"] == s["comm"] == "pktsock"
    assert p["nowners"] == 1
    assert (p["ifname"] or "*") == s["ifname"], (ino, p, s)
    assert p["ifname"] == (names[k["ifindex"]] if k["ifindex"] else ""), (ino, p, k)
    assert p["uid"] == k["uid"]
    assert p["type"] == {3: "raw", 2: "dgram"}[k["type"]]
    assert p["filter_len"] == flen, (ino, p["filter_len"], flen)
    assert p["dcount"] == s["drops"], (ino, p, s)
    assert p["protocol"] == 3
    assert p["flags"] == fl, (ino, p["flags"], fl)
    assert ("fanout" in p) == bool(fl & 4) and p.get("fanout", 7) == 7, p
    assert "rcount" not in p and "ccount" not in p, p     # the kernel does not say
# The promiscuous one, the tiny one that dropped.
assert [peers[str(i)]["promisc"] for i, _ in mine] == [1, 0, 0, 0, 0, 0]
tiny = peers[str(mine[2][0])]
assert tiny["dcount"] > 0 and tiny["bufsize"] == 2304, tiny
assert all(peers[str(i)]["dcount"] == 0 for j, (i, _) in enumerate(mine) if j != 2)
print("ok", len(peers), "peers, tiny dropped", tiny["dcount"])
PY
	echo "$output"
}

@test "nbnetstat -B equals ss -0 -p, text and JSON (schema)" {
	snap
	run -0 validate_json nbnetstat-B.schema.json "$BATS_FILE_TMPDIR/B.json"
	run -0 /usr/bin/python3 - "$BATS_FILE_TMPDIR" <<'PY'
import json, re, sys
d = sys.argv[1]
tree = json.load(open(d + "/tree.json"))["net"]["bpf"]["peers"]
rows = json.load(open(d + "/B.json"))["peers"]
text = open(d + "/B.txt").read().splitlines()
assert text[0] == "Active BPF peers", text[0]
text = text[1:]
assert text[0].split() == "PID Int Recv Drop Capt Flags Bufsize Comm".split(), text[0]
assert text[0] == "%-7s %-9s %9s %9s %9s %-5s %8s %s" % tuple(text[0].split()), repr(text[0])
assert len(text) == 1 + len(rows) == 1 + len(tree)
# Rows in inode order, each line the JSON row's values in the columns.
assert [r["inode"] for r in rows] == sorted(int(k) for k in tree)
ss = open(d + "/ss.txt").read()
for r, line in zip(rows, text[1:]):
    t = tree[str(r["inode"])]
    assert r["pid"] == t["pid"] and r["comm"] == t["comm"] and r["bufsize"] == t["bufsize"]
    assert r["ifname"] == (t["ifname"] or "*")
    assert r["rcount"] is None and r["ccount"] is None and r["dcount"] == t["dcount"]
    assert r["flags"] == (("p" if t["promisc"] else "-") + ("r" if t["flags"] & 1 else "-") +
                          ("t" if t["flags"] & 2 else "-") + ("f" if t["flags"] & 4 else "-") +
                          ("d" if t["flags"] & 64 else "-")), r
    want = "%-7d %-9s %9s %9d %9s %-5s %8d %s" % (r["pid"], r["ifname"], "-", r["dcount"],
                                              "-", r["flags"], r["bufsize"], r["comm"])
    assert line == want, (line, want)
    # ss -0 -p: the same owner, interface and inode.
    m = re.search(r"\*:%s\s.*users:\(\(\"%s\",pid=%d,fd=%d\)\) ino:%d\b" % (
        re.escape(r["ifname"]), r["comm"], r["pid"], r["fd"], r["inode"]), ss)
    assert m, (r, ss)
print("ok", len(rows))
PY
	echo "$output"
}

@test "nbnetstat -s -B is the sum of the peers" {
	snap
	run -0 validate_json nbnetstat-sB.schema.json "$BATS_FILE_TMPDIR/sB.json"
	run -0 /usr/bin/python3 - "$BATS_FILE_TMPDIR" <<'PY'
import json, sys
d = sys.argv[1]
peers = json.load(open(d + "/tree.json"))["net"]["bpf"]["peers"].values()
st = json.load(open(d + "/sB.json"))["bpf"]
want = {"peers": len(peers), "promisc": sum(p["promisc"] for p in peers),
        "dcount": sum(p["dcount"] for p in peers)}
assert st == want, (st, want)        # no rcount/ccount: no peer has them
assert want["dcount"] > 0 and want["promisc"] == 1
text = open(d + "/sB.txt").read()
assert text == ("bpf:\n\t%d capture peer%s\n\t%d peer in promiscuous mode\n"
                "\t%d total packets dropped\n" % (want["peers"], "" if want["peers"] == 1 else "s",
                want["promisc"], want["dcount"])), repr(text)
print("ok", st)
PY
	echo "$output"
}

@test "a new peer appears with its owner and leaves when closed" {
	local p3 t ino
	run -0 ip netns exec "$A" "$NB_BIN/nbsysctl" -n net.bpf.stats.peers
	[ "$output" = "${#SPECS[@]}" ]
	ip netns exec "$A" "$NB_BIN/pktsock" if=a0 >"$BATS_FILE_TMPDIR/pk3.out" &
	p3=$!
	for ((t = 0; t < 50; t++)); do
		grep -q READY "$BATS_FILE_TMPDIR/pk3.out" && break
		sleep 0.1
	done
	ino=$(sed -n 's/^sock 0 ino=\([0-9]*\) .*/\1/p' "$BATS_FILE_TMPDIR/pk3.out")
	run -0 ip netns exec "$A" "$NB_BIN/nbsysctl" -n net.bpf.stats.peers
	[ "$output" = "$((${#SPECS[@]} + 1))" ] || { kill "$p3"; fail "peers: $output"; }
	run -0 ip netns exec "$A" "$NB_BIN/nbsysctl" -n "net.bpf.peers.$ino.pid" "net.bpf.peers.$ino.ifname"
	kill "$p3"
	wait "$p3" 2>/dev/null || true
	[ "${lines[0]}" = "$p3" ] && [ "${lines[1]}" = a0 ] || fail "owner/ifname: $output, want $p3 a0"
	run -0 ip netns exec "$A" "$NB_BIN/nbsysctl" -n net.bpf.stats.peers
	[ "$output" = "${#SPECS[@]}" ]
	run ip netns exec "$A" "$NB_BIN/nbsysctl" -n "net.bpf.peers.$ino.pid"
	[ "$status" -eq 1 ]
}

@test "-B and -s -B recorded to history replay the same" {
	local db="$BATS_FILE_TMPDIR/h.db" sdb="$BATS_FILE_TMPDIR/hs.db"
	rm -f "$db" "$sdb"
	run -0 ip netns exec "$A" "$NB_BIN/nbnetstat" -B --record "$db"
	local live=$output
	run -0 ip netns exec "$A" "$NB_BIN/nbnetstat" -s -B --record "$sdb"
	local slive=$output
	[ "${#lines[@]}" -eq 4 ]
	run -0 --separate-stderr "$NB_BIN/nbnetstat" -B --replay "$db" --at now
	[ "$output" = "$live" ] || fail "replay: $output, live: $live"
	run -0 --separate-stderr "$NB_BIN/nbnetstat" -s -B --replay "$sdb" --at now
	[ "$output" = "$slive" ] || fail "replay: $output, live: $slive"
}

@test "a socket whose interface is deleted is detached: flag d, Int -" {
	local p4 t ino
	netns_pair "$A" "$B" c0 d0 10.78.0.1/24 10.78.0.2/24
	ip netns exec "$A" "$NB_BIN/pktsock" if=c0 >"$BATS_FILE_TMPDIR/pk4.out" &
	p4=$!
	for ((t = 0; t < 50; t++)); do
		grep -q READY "$BATS_FILE_TMPDIR/pk4.out" && break
		sleep 0.1
	done
	ino=$(sed -n 's/^sock 0 ino=\([0-9]*\) .*/\1/p' "$BATS_FILE_TMPDIR/pk4.out")
	run -0 ip netns exec "$A" "$NB_BIN/nbsysctl" -n "net.bpf.peers.$ino.ifname" "net.bpf.peers.$ino.flags"
	[ "${lines[0]}" = c0 ] && [ "${lines[1]}" = 0 ] || { kill "$p4"; fail "before: $output"; }
	ip -n "$A" link del c0
	run -0 ip netns exec "$A" "$NB_BIN/nbsysctl" "net.bpf.peers.$ino.ifname" "net.bpf.peers.$ino.flags"
	local tree=$output
	run -0 ip netns exec "$A" "$NB_BIN/nbnetstat" -B
	kill "$p4"
	wait "$p4" 2>/dev/null || true
	[ "$tree" = "net.bpf.peers.$ino.ifname = 
net.bpf.peers.$ino.flags = 64" ] || fail "tree: $tree"
	assert_line --regexp "^$p4 +- +- +[0-9]+ +- ----d +[0-9]+ pktsock\$"
}
