#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# nbfstat.bats - nbfstat against a helper with one open file of each kind
# (tests/helpers/fdhelper.c), run inside a namespace with a veth pair: the
# TCP listener, the connected UDP socket, the bound unix socket, the pipe,
# the regular file and the AF_PACKET socket must each show with the
# addresses, ports, paths and interface the helper reported, in text and in
# schema-valid JSON. Errors, and an unprivileged run (as nobody): root's
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
	[[ "$l" == *"* pipe $pino r" ]] || { echo "pipe: $l"; false; }
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
	run -2 nbfstat extra
	assert_line --index 0 "nbfstat: extra: unexpected operand"
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
