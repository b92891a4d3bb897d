#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# nbfstat.bats - nbfstat against a helper with one open file of each kind
# (tests/helpers/fdhelper.c), run inside a namespace with a veth pair: the
# TCP listener, the connected UDP socket, the bound unix socket, the pipe,
# the regular file and the AF_PACKET socket must each show with the
# addresses, ports, paths and interface the helper reported, in text and in
# schema-valid JSON; the raw ICMP and ICMPv6 sockets, the ping socket and
# the netlink socket resolved, the pipe's and the socketpair's ends each
# naming the other (pid/fd); file operands (and -f) select the descriptors
# open on a file (its file system). Errors, and an unprivileged run (as nobody): root's
# processes are absent, one notice on stderr, exit 0.

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

nbfstat() { "$NB_BIN/nbfstat" "$@"; }

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	netns_cleanup
	NS=$(netns_create fst) || return 1
	export NS
	ip -n "$NS" link add f0a type veth peer name f0b || return 1
	ip -n "$NS" addr add 10.77.0.1/24 dev f0a || return 1
	ip -n "$NS" link set f0a up || return 1
	ip -n "$NS" link set f0b up || return 1
	ip netns exec "$NS" sysctl -qw net.ipv4.ping_group_range="0 2147483647" || return 1
	DIR=$(mktemp -d /tmp/nbfstat-bats.XXXXXX) || return 1
	chmod 755 "$DIR"
	export DIR
	ip netns exec "$NS" "$NB_BIN/fdhelper" f0b "$DIR" 10.77.0.1 10.77.0.2 \
	    >"$DIR/out" 2>"$DIR/err" 3>&- &
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

# field KIND N: the Nth word after KIND in the helper's report.
field() { awk -v k="$1" -v n="$2" '$1 == k { print $(n + 1) }' "$DIR/out"; }

# line FD: nbfstat's text line for descriptor FD of the helper.
line() { awk -v pid="$HPID" -v fd="$1" '$3 == pid && ($4 == fd || $4 == fd "*")' <<<"$output"; }

@test "nbfstat -p: each kind of descriptor, with its addresses" {
	run -0 ip netns exec "$NS" "$NB_BIN/nbfstat" -p "$HPID"
	assert_line --index 0 --regexp '^USER +CMD +PID +FD +MOUNT +INUM +MODE +SZ\|DV +R/W +NAME$'
	local l
	l=$(line "$(field tcp 1)")
	[[ "$l" =~ ^root\ +fdhelper\ +$HPID\ +$(field tcp 1)\*\ internet\ stream\ tcp\ LISTEN\ 10\.77\.0\.1:$(field tcp 2)\ rw$ ]] || { echo "tcp: $l"; false; }
	l=$(line "$(field udp 1)")
	[[ "$l" == *"* internet dgram udp 10.77.0.1:$(field udp 2) <-> 10.77.0.2:9 rw" ]] || { echo "udp: $l"; false; }
	l=$(line "$(field unix 1)")
	[[ "$l" == *"* unix stream LISTEN $(field unix 2) rw" ]] || { echo "unix: $l"; false; }
	l=$(line "$(field pipe 1)")
	local pino
	pino=$(stat -L -c %i "/proc/$HPID/fd/$(field pipe 1)")
	[[ "$l" == *"* pipe $pino <- $HPID/$(field pipe 2) r" ]] || { echo "pipe: $l"; false; }
	l=$(line "$(field pipe 2)")
	[[ "$l" == *"* pipe $pino -> $HPID/$(field pipe 1) w" ]] || { echo "pipe w: $l"; false; }
	l=$(line "$(field file 1)")
	local fino
	fino=$(stat -c %i "$(field file 2)")
	[[ "$l" =~ \ $fino\ -rw-r--r--\ +5\ rw\ +$(field file 2)$ ]] || { echo "file: $l"; false; }
	l=$(line "$(field packet 1)")
	# Linux gives the drop count only (net.bpf.peers.<inode>.dcount); no promisc.
	[[ "$l" == *"* bpf@f0b dr=0 rw" ]] || { echo "packet: $l"; false; }
	# Only the helper's files.
	run -0 awk -v pid="$HPID" 'NR > 1 && $3 != pid' <<<"$output"
	assert_output ""
}

@test "nbfstat -p -j: the same, schema-valid" {
	ip netns exec "$NS" "$NB_BIN/nbfstat" -p "$HPID" -j >"$BATS_TEST_TMPDIR/f.json"
	run -0 validate_json nbfstat.schema.json "$BATS_TEST_TMPDIR/f.json"
	run -0 /usr/bin/python3 - "$BATS_TEST_TMPDIR/f.json" "$DIR/out" "$HPID" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
rep = {l.split()[0]: l.split()[1:] for l in open(sys.argv[2]) if l.strip() != "READY"}
pid = int(sys.argv[3])
by = {f["fd"]: f for f in doc["files"]}
assert all(f["pid"] == pid and f["cmd"] == "fdhelper" and f["user"] == "root" for f in doc["files"])
t = by[int(rep["tcp"][0])]
assert (t["type"], t["family"], t["socktype"], t["proto"], t["state"], t["laddr"], t["lport"]) == \
    ("socket", "internet", "stream", "tcp", "LISTEN", "10.77.0.1", int(rep["tcp"][1])), t
assert "raddr" not in t, t
u = by[int(rep["udp"][0])]
assert (u["proto"], u["laddr"], u["lport"], u["raddr"], u["rport"]) == \
    ("udp", "10.77.0.1", int(rep["udp"][1]), "10.77.0.2", 9), u
x = by[int(rep["unix"][0])]
assert (x["family"], x["socktype"], x["path"]) == ("unix", "stream", rep["unix"][1]), x
p = by[int(rep["pipe"][0])]
assert p["type"] == "pipe" and p["inode"] > 0, p
f = by[int(rep["file"][0])]
assert (f["type"], f["path"], f["size"], f["offset"], f["flags"] & 3) == ("file", rep["file"][1], 5, 5, 2), f
k = by[int(rep["packet"][0])]
assert (k["type"], k["ifname"], k["proto"], k["dcount"], k["promisc"]) == ("packet", "f0b", "all", 0, False), k
assert "rcount" not in k and "ccount" not in k, k
print("ok")
PY
	assert_output "ok"
}

@test "nbfstat -p: raw, ping and netlink sockets resolved, pipe and socketpair ends name each other" {
	run -0 ip netns exec "$NS" "$NB_BIN/nbfstat" -p "$HPID"
	local l
	l=$(line "$(field raw 1)")
	[[ "$l" == *"$(field raw 1)* internet raw icmp * rw" ]] || { echo "raw: $l"; false; }
	l=$(line "$(field raw6 1)")
	[[ "$l" == *"$(field raw6 1)* internet6 raw icmp6 * rw" ]] || { echo "raw6: $l"; false; }
	l=$(line "$(field ping 1)")
	[[ "$l" == *"$(field ping 1)* internet dgram icmp 10.77.0.1:$(field ping 2) rw" ]] || { echo "ping: $l"; false; }
	l=$(line "$(field netlink 1)")
	[[ "$l" == *"$(field netlink 1)* netlink raw route portid=$(field netlink 2) rw" ]] || { echo "netlink: $l"; false; }
	l=$(line "$(field pair 1)")
	[[ "$l" == *"$(field pair 1)* unix stream ESTABLISHED <-> $HPID/$(field pair 2) rw" ]] || { echo "pair: $l"; false; }
	l=$(line "$(field pair 2)")
	[[ "$l" == *"$(field pair 2)* unix stream ESTABLISHED <-> $HPID/$(field pair 1) rw" ]] || { echo "pair 2: $l"; false; }
	# Nothing of the helper's is left unresolved.
	run -0 awk -v pid="$HPID" '$3 == pid && / socket [0-9]+ /' <<<"$output"
	assert_output ""
	# The same in JSON.
	ip netns exec "$NS" "$NB_BIN/nbfstat" -p "$HPID" -j >"$BATS_TEST_TMPDIR/f.json"
	run -0 validate_json nbfstat.schema.json "$BATS_TEST_TMPDIR/f.json"
	run -0 /usr/bin/python3 - "$BATS_TEST_TMPDIR/f.json" "$DIR/out" "$HPID" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
rep = {l.split()[0]: l.split()[1:] for l in open(sys.argv[2]) if l.strip() != "READY"}
pid = int(sys.argv[3])
by = {f["fd"]: f for f in doc["files"]}
r = by[int(rep["raw"][0])]
assert (r["family"], r["socktype"], r["proto"], r["laddr"]) == ("internet", "raw", "icmp", "0.0.0.0"), r
assert "lport" not in r, r
r = by[int(rep["raw6"][0])]
assert (r["family"], r["socktype"], r["proto"], r["laddr"]) == ("internet6", "raw", "icmp6", "::"), r
p = by[int(rep["ping"][0])]
assert (p["family"], p["socktype"], p["proto"], p["laddr"], p["lport"]) == \
    ("internet", "dgram", "icmp", "10.77.0.1", int(rep["ping"][1])), p
n = by[int(rep["netlink"][0])]
assert (n["family"], n["socktype"], n["proto"], n["portid"]) == ("netlink", "raw", "route", int(rep["netlink"][1])), n
rd, wr = (int(x) for x in rep["pipe"])
assert (by[rd]["peer_pid"], by[rd]["peer_fd"], by[wr]["peer_pid"], by[wr]["peer_fd"]) == (pid, wr, pid, rd)
assert by[rd]["inode"] == by[wr]["inode"]
a, b = (int(x) for x in rep["pair"])
assert (by[a]["peer_pid"], by[a]["peer_fd"], by[b]["peer_pid"], by[b]["peer_fd"]) == (pid, b, pid, a)
assert by[a]["peer"] == by[b]["inode"] and by[b]["peer"] == by[a]["inode"]
print("ok")
PY
	assert_output "ok"
}

@test "nbfstat FILE, -f: the descriptors open on the file, on its file system" {
	local f mnt
	f=$(field file 2)
	run -0 --separate-stderr nbfstat "$f"
	assert_line --index 0 --regexp '^USER +CMD'
	[ "${#lines[@]}" -eq 2 ] || fail "lines: $output"
	assert_line --index 1 --regexp "^root +fdhelper +$HPID +$(field file 1) .* $f\$"
	# The MOUNT column is the mount point of the file's file system.
	mnt=$(findmnt -n -o TARGET --target "$f" | head -1)
	assert_line --index 1 --regexp "^root +fdhelper +$HPID +$(field file 1) $mnt +[0-9]+ "
	# -f: everything open on that file system, the helper's file among it.
	run -0 --separate-stderr nbfstat -f "$f"
	[ "${#lines[@]}" -ge 2 ]
	[ -n "$(line "$(field file 1)")" ]
	run -0 awk -v m="$mnt" 'NR > 1 && $5 != m' <<<"$output"
	assert_output ""
	# A FILE that does not exist: named on stderr, exit 1; the others still listed.
	run -1 --separate-stderr nbfstat "$DIR/nosuch" "$f"
	[ "${stderr_lines[0]}" = "nbfstat: $DIR/nosuch: No such file or directory" ] || fail "stderr: $stderr"
	[ "${#lines[@]}" -eq 2 ]
	run -1 nbfstat "$DIR/nosuch"
	assert_output "nbfstat: $DIR/nosuch: No such file or directory"
}

@test "nbfstat outside the namespace: the helper's sockets are not resolved" {
	run -0 nbfstat -p "$HPID"
	local l
	l=$(line "$(field tcp 1)")
	[[ "$l" == *"* socket "[0-9]*" rw" ]] || { echo "tcp: $l"; false; }
	l=$(line "$(field file 1)")
	[[ "$l" == *" $(field file 2)" ]] || { echo "file: $l"; false; }
}

@test "nbfstat -u root lists the helper; -u nobody does not" {
	run -0 nbfstat -u root
	[ -n "$(line "$(field file 1)")" ]
	run -0 nbfstat -u nobody
	[ -z "$(line "$(field file 1)")" ]
	run -0 nbfstat -n -u 0
	[[ "$(line "$(field file 1)")" == "0 "*" 100644 "* ]]
}

@test "nbfstat errors: dead pid, bad option, bad values" {
	local dead
	sleep 0 & dead=$!
	wait "$dead"
	run -1 nbfstat -p "$dead"
	assert_output "nbfstat: -p $dead: no such process"
	run -2 nbfstat -x
	assert_line --index 0 "nbfstat: -x: unknown option"
	run -2 nbfstat -p abc
	assert_line --index 0 --partial "nbfstat: -p abc:"
	run -2 nbfstat -p 0
	assert_line --index 0 --partial "nbfstat: -p 0:"
	run -2 nbfstat -u nosuchuser-nbt
	assert_line --index 0 "nbfstat: -u nosuchuser-nbt: unknown user"
	run -1 nbfstat extra
	assert_output "nbfstat: extra: No such file or directory"
}

@test "nbfstat as nobody: root's processes absent, one notice, exit 0" {
	run -0 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$NB_BIN/nbfstat"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "${stderr_lines[0]}" =~ ^nbfstat:\ [0-9]+\ process(es)?\ not\ shown:\ open\ files\ hidden\ from\ this\ user$ ]]
	assert_line --index 0 --regexp '^USER +CMD'
	run -0 awk 'NR > 1 && $1 != "nobody"' <<<"$output"
	assert_output ""
	run -1 setpriv --reuid=65534 --regid=65534 --clear-groups "$NB_BIN/nbfstat" -p "$HPID"
	assert_output "nbfstat: -p $HPID: the process's open files are hidden from this user"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$NB_BIN/nbfstat" -j \
	    >"$BATS_TEST_TMPDIR/n.json" 2>/dev/null
	run -0 validate_json nbfstat.schema.json "$BATS_TEST_TMPDIR/n.json"
	run -0 /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all(f["uid"] == 65534 for f in d["files"]); print("ok")' "$BATS_TEST_TMPDIR/n.json"
	assert_output "ok"
}
