#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# netstat_sock.bats - the socket list (nbnetstat with no mode) in a
# namespace whose only sockets are tests/helpers/sockset.c's (listening and
# established TCP v4/v6, UDP bound and connected, a raw ICMP socket, unix
# stream, dgram, abstract and a socketpair): every socket ss -tuaxwn -p
# lists appears in nbnetstat -anv -j with equal addresses, ports, state,
# queues and owner, and nothing else; the text layout of the inet sections
# (fixed ports) against golden files; the schema; --record/--replay.

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	netns_cleanup
	NS=$(netns_create sock) || return 1
	export NS
	DIR=$(mktemp -d /tmp/nbsock-bats.XXXXXX) || return 1
	export DIR
	ip netns exec "$NS" "$NB_BIN/sockset" "$DIR" >"$DIR/out" 2>"$DIR/err" 3>&- &
	HPID=$!
	export HPID
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q READY "$DIR/out" 2>/dev/null && break
		sleep 0.1
	done
	grep -q READY "$DIR/out" || { cat "$DIR/err" >&2; return 1; }
}

teardown_file() {
	[ -n "${HPID:-}" ] && kill "$HPID" 2>/dev/null
	[ -n "${HPID:-}" ] && wait "$HPID" 2>/dev/null
	[ -n "${DIR:-}" ] && rm -rf "$DIR"
	netns_cleanup
}

@test "nbnetstat -anv -j lists exactly the sockets ss -tuaxwnp lists, with equal fields" {
	ip netns exec "$NS" ss -Htuaxwnp >"$BATS_TEST_TMPDIR/ss.txt"
	ip netns exec "$NS" "$NB_BIN/nbnetstat" -anv -j >"$BATS_TEST_TMPDIR/nb.json"
	run -0 validate_json nbnetstat-sock.schema.json "$BATS_TEST_TMPDIR/nb.json"
	run /usr/bin/python3 - "$BATS_TEST_TMPDIR/ss.txt" "$BATS_TEST_TMPDIR/nb.json" "$HPID" <<'PY'
import json, re, sys
ss_lines = open(sys.argv[1]).read().splitlines()
nb = json.load(open(sys.argv[2]))
hpid = int(sys.argv[3])
states = {"ESTAB": "ESTABLISHED", "UNCONN": "CLOSE", "LISTEN": "LISTEN"}
def split(ep):
    a, p = ep.rsplit(":", 1)
    return a.strip("[]").split("%")[0], p
want = set()
for l in ss_lines:
    f = l.split()
    netid, st, rq, sq, loc, peer = f[:6]
    pids = tuple(sorted(int(p) for p in re.findall(r"pid=(\d+)", l)))
    assert pids == (hpid,), l
    if netid.startswith("u_"):
        # u_str STATE rq sq PATH|* INODE PEERPATH|* PEERINODE users
        path, ino, pino = f[4], int(f[5]), int(f[7])
        want.add(("unix", {"u_str": "stream", "u_dgr": "dgram", "u_seq": "seqpacket"}[netid],
                  states[st], int(rq), int(sq), None if path == "*" else path, ino,
                  pino if pino else None, hpid))
        continue
    la, lp = split(loc)
    fa, fp = split(peer)
    if netid == "raw":
        want.add(("raw", la, int(lp), fa, states[st], int(rq), int(sq), hpid))
    else:
        want.add((netid, la, int(lp), fa, 0 if fp == "*" else int(fp), states[st], int(rq), int(sq), hpid))
got = set()
for sec in ("inet", "inet6"):
    for s in nb.get(sec, []):
        proto = s["proto"].rstrip("6")
        la = s["laddr"]
        if proto == "raw":
            got.add(("raw", la, s["ipproto"], s["faddr"], s["state"], s["recv_q"], s["send_q"], s["pid"]))
        else:
            fa = s["faddr"]
            got.add((proto, la, s["lport"], fa, s["fport"], s["state"], s["recv_q"], s["send_q"], s["pid"]))
for s in nb.get("unix", []):
    got.add(("unix", s["type"], s["state"], s["recv_q"], s["send_q"], s["path"], s["inode"], s["peer"], s["pid"]))
# ss writes unspecified addresses as 0.0.0.0 / :: (numeric) or * (v4 and v6 wildcard).
def norm(t):
    return tuple("::" if x == "*" and t[0] != "unix" else x for x in t)
want = {norm(t) for t in want}
got = {norm(t) for t in got}
missing, extra = want - got, got - want
assert not missing and not extra, f"missing {sorted(map(str, missing))}\nextra {sorted(map(str, extra))}"
assert len(got) == 15, len(got)   # 3 tcp, 3 tcp6, 2 udp, 1 udp6, 1 raw, 5 unix
print("ok", len(got))
PY
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output "ok 15"
}

@test "nbnetstat -an -f inet / inet6: the NetBSD layout (golden)" {
	run -0 ip netns exec "$NS" "$NB_BIN/nbnetstat" -an -f inet
	diff -u "$NB_SRC/tests/cli/golden/netstat-sock-inet.ok" <(echo "$output")
	run -0 ip netns exec "$NS" "$NB_BIN/nbnetstat" -an -f inet6
	diff -u "$NB_SRC/tests/cli/golden/netstat-sock-inet6.ok" <(echo "$output")
	run -0 ip netns exec "$NS" "$NB_BIN/nbnetstat" -n -f inet
	diff -u "$NB_SRC/tests/cli/golden/netstat-sock-connected.ok" <(echo "$output")
}

@test "nbnetstat -a -f unix: the helper's unix sockets, names as bound" {
	run -0 ip netns exec "$NS" "$NB_BIN/nbnetstat" -a -f unix
	assert_line --index 0 "Active UNIX domain sockets"
	assert_line --index 1 --regexp '^Inode +Type +Recv-Q +Send-Q +Conn +Addr$'
	assert_line --regexp "^[0-9]+ +stream +0 +4 +- $DIR/stream.sock\$"
	assert_line --regexp "^[0-9]+ +dgram +0 +0 +- $DIR/dgram.sock\$"
	assert_line --regexp '^[0-9]+ +stream +0 +4 +- @nbt-abstract$'
	assert_line --regexp '^[0-9]+ +stream +4 +0 +[0-9]+$'
	[ "${#lines[@]}" -eq 7 ]
	# Without -a the listeners are left out.
	run -0 ip netns exec "$NS" "$NB_BIN/nbnetstat" -f unix
	refute_output --partial "stream.sock"
	refute_output --partial "nbt-abstract"
	assert_output --partial "dgram.sock"
}

@test "nbnetstat -A: the cookie is the socket's name in net.pcb" {
	run -0 ip netns exec "$NS" "$NB_BIN/nbnetstat" -anA -p tcp -f inet
	local c
	c=$(awk '$2 == "tcp" && $5 == "127.0.0.1.7001" && $7 == "LISTEN" { print $1 }' <<<"$output")
	[[ "$c" =~ ^[0-9]+$ ]] || { echo "$output"; false; }
	run -0 ip netns exec "$NS" "$NB_BIN/nbsysctl" -n "net.pcb.tcp.$c.lport" "net.pcb.tcp.$c.state"
	assert_line --index 0 "7001"
	assert_line --index 1 "LISTEN"
}

@test "nbnetstat socket list: usage errors" {
	run -2 "$NB_BIN/nbnetstat" -f ipx
	assert_output --partial "-f ipx: unknown address family"
	run -2 "$NB_BIN/nbnetstat" -p icmp
	assert_output --partial "-p icmp: unknown protocol"
	run -2 "$NB_BIN/nbnetstat" -i -v
	assert_output --partial "-v: only with the socket list"
}

@test "nbnetstat --record, then --replay: the same socket list" {
	local f="$BATS_TEST_TMPDIR/h.db"
	run -0 ip netns exec "$NS" "$NB_BIN/nbnetstat" -an --record "$f"
	local live=$output
	run -0 "$NB_BIN/nbnetstat" -an --replay "$f"
	[ "$output" = "$live" ] || { diff <(echo "$live") <(echo "$output"); false; }
}
