#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# nbstatd.bats - the daemon in a quiet namespace of its own: bad
# configuration (exit 2, key and line named, nothing started), SIGTERM
# (the sample in flight kept, exit 0, no lock, socket removed), SIGHUP
# (interval and subtrees at the next sample, restart keys logged), a
# restart continuing the file; through -S: every tool mode prints what it
# prints locally, unprivileged writes refused (EPERM, logged with uid and
# pid), another user's process files hidden; hostile clients (garbage,
# oversize and truncated frames, one that stops reading) dropped and
# logged while others are served; 64 clients at once.

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	netns_cleanup
	NS=$(netns_create d) || return 1
	NS2=$(netns_create e) || return 1
	netns_quiet "$NS" "$NS2" || return 1
	netns_pair "$NS" "$NS2" dum0 peer0 10.77.0.1/24 10.77.0.2/24 || return 1
	export NS NS2
}

teardown_file() {
	netns_cleanup
}

setup() {
	D="$BATS_TEST_TMPDIR"
	# The socket where an unprivileged client can reach it.
	SD=$(mktemp -d /tmp/nbstatd-t.XXXXXX)
	chmod 755 "$SD"
	S="$SD/s.sock"
	DPID=
}

teardown() {
	if [ -n "$DPID" ]; then
		kill -TERM "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null || true
	fi
	rm -rf "$SD"
}

# start ARGS...: nbstatd in the namespace on $S, logging to $D/d.log; waits for the socket.
start() {
	ip netns exec "$NS" "$NB_BIN/nbstatd" --config /dev/null -S "$S" "$@" 2>"$D/d.log" 3>&- &
	DPID=$!
	# Serving once it says so (a stale socket of a killed daemon may be there before).
	for _ in $(seq 200); do grep -q "notice: serving" "$D/d.log" && return 0; sleep 0.1; done
	cat "$D/d.log" >&2
	return 1
}

stop() {
	kill -TERM "$DPID"
	rc=0
	wait "$DPID" || rc=$?
	DPID=
	[ "$rc" -eq 0 ]
}

inns() { ip netns exec "$NS" "$@"; }

samples() {
	nbsysctl --replay "$1" --list 2>/dev/null | tail -n +2 | wc -l
}

@test "bad configuration: key and line named, exit 2, nothing started" {
	printf 'interval = 5\n# a comment\n\ninterval = soon\n' >"$D/bad.conf"
	run -2 "$NB_BIN/nbstatd" --config "$D/bad.conf" -S "$S" --record "$D/h.db"
	assert_output --partial "$D/bad.conf:4: interval: 'soon'"
	[ ! -e "$S" ] && [ ! -e "$D/h.db" ]
	printf 'colour = blue\n' >"$D/bad.conf"
	run -2 "$NB_BIN/nbstatd" --config "$D/bad.conf" -S "$S"
	assert_output --partial "bad.conf:1: unknown key 'colour'"
	printf 'retain 7d\n' >"$D/bad.conf"
	run -2 "$NB_BIN/nbstatd" --config "$D/bad.conf" -S "$S"
	assert_output --partial "bad.conf:1: 'retain 7d': not key = value"
	run -2 "$NB_BIN/nbstatd" --config "$D/none.conf" -S "$S"
	assert_output --partial "none.conf: No such file or directory"
	run -2 "$NB_BIN/nbstatd" --config /dev/null -S "$S" --subtrees 'net,,bad\q'
	assert_output --partial "subtrees"
	run -2 "$NB_BIN/nbstatd" --config /dev/null -S "$S" --source bsd
	assert_output --partial "source: 'bsd'"
	[ ! -e "$S" ]
}

@test "the file's keys apply; the command line wins" {
	printf 'interval = 30\nrecord = %s\n' "$D/f.db" >"$D/ok.conf"
	ip netns exec "$NS" "$NB_BIN/nbstatd" --config "$D/ok.conf" -S "$S" --interval 1 2>"$D/d.log" 3>&- &
	DPID=$!
	# Two samples within 20 s only at the command line's 1 s (the file's
	# 30 s would give one); polled, as an ASan daemon starts slowly under load.
	for _ in $(seq 200); do [ "$(samples "$D/f.db")" -ge 2 ] && break; sleep 0.1; done
	stop
	grep -q "interval 1s" "$D/d.log"
	[ "$(samples "$D/f.db")" -ge 2 ]
}

@test "SIGTERM keeps the sample in flight, exits 0, leaves no lock and removes the socket" {
	start --record "$D/h.db" --interval 2
	for _ in $(seq 200); do [ "$(samples "$D/h.db")" -ge 1 ] && break; sleep 0.1; done
	sleep 3		# samples at 0 and 2 s; the third would be at 4 s
	stop
	[ "$(samples "$D/h.db")" -eq 2 ]
	[ ! -e "$D/h.db.lock" ] && [ ! -e "$S" ]
	grep -q "notice: stopped after 2 samples" "$D/d.log"
	# A restart continues the same file.
	start --record "$D/h.db" --interval 30
	sleep 1
	stop
	[ "$(samples "$D/h.db")" -eq 3 ]
	# What nbstatd recorded replays in nbvmstat and nbnetstat.
	run -0 "$NB_BIN/nbvmstat" --replay "$D/h.db"
	run -0 "$NB_BIN/nbnetstat" -i --replay "$D/h.db"
	assert_output --partial dum0
}

@test "SIGHUP: interval and subtrees at the next sample, restart keys logged" {
	printf 'interval = 30\n' >"$D/c.conf"
	ip netns exec "$NS" "$NB_BIN/nbstatd" --config "$D/c.conf" -S "$S" --record "$D/h.db" \
	    2>"$D/d.log" 3>&- &
	DPID=$!
	for _ in $(seq 100); do [ -S "$S" ] && break; sleep 0.1; done
	printf 'interval = 0.5\nsubtrees = kern.ncpu\nsource = sim\n' >"$D/c.conf"
	kill -HUP "$DPID"
	sleep 2
	stop
	grep -q "source changed: takes effect at restart" "$D/d.log"
	[ "$(samples "$D/h.db")" -ge 3 ]
	# The last sample holds only kern.ncpu.
	run -0 nbsysctl --replay "$D/h.db" -a
	assert_output "kern.ncpu = $(nproc)"
	# A bad file on SIGHUP keeps the running configuration.
	printf 'subtrees = kern.ncpu\n' >"$D/c.conf"
	start --record "$D/h2.db" --interval 30 --config "$D/c.conf"
	printf 'interval = never\n' >"$D/c.conf"
	kill -HUP "$DPID"
	sleep 0.5
	run -0 nbsysctl -S "$S" -n kern.ncpu
	stop
	grep -q "c.conf:1: interval: 'never'.*configuration kept" "$D/d.log"
}

@test "-S: every tool mode prints what it prints locally (quiet namespace)" {
	start
	for args in "-i" "-in" "-ia" "-i -j" "-rn" "-rn -j" "-r -f inet -j" "-B" "-s -B"; do
		run -0 inns "$NB_BIN/nbnetstat" $args
		local_out=$output
		run -0 inns "$NB_BIN/nbnetstat" -S "$S" $args
		[ "$output" = "$local_out" ] || { echo "nbnetstat $args differs"; diff <(echo "$local_out") <(echo "$output"); false; }
	done
	# (not kern.hashstat: the daemon's stack holds every family it has loaded, so its
	# route hash shows where a fresh local read of kern.hashstat alone has none)
	for name in net.interfaces.dum0 net.route kern.ostype net.inet; do
		run -0 inns "$NB_BIN/nbsysctl" -j "$name"
		local_out=$output
		run -0 inns "$NB_BIN/nbsysctl" -S "$S" -j "$name"
		[ "$output" = "$local_out" ]
	done
	run -0 nbsysctl -S "$S" -d net.interfaces.dum0.mtu
	assert_output --partial "net.interfaces.dum0.mtu:"
	run -0 "$NB_BIN/nbvmstat" -S "$S"
	run -0 "$NB_BIN/nbvmstat" -S "$S" -P -w 0.2 -c 2
	run -0 "$NB_BIN/nbnetstat" -S "$S" -s
	assert_output --partial "ip:"
	run -1 nbsysctl -S "$S" net.interfaces.nosuch
	assert_output "nbsysctl: net.interfaces.nosuch: no such node"
	stop
}

# same_as_local ARGS...: nbnetstat ARGS through -S prints what it prints locally.
same_as_local() {
	run -0 inns "$NB_BIN/nbnetstat" "$@"
	local_out=$output
	run -0 inns "$NB_BIN/nbnetstat" -S "$S" "$@"
	[ "$output" = "$local_out" ] || { echo "nbnetstat $* differs"; diff <(echo "$local_out") <(echo "$output"); false; }
}

@test "-S: the table modes (interfaces, statistics, softnet, routes, sockets, capture) print what they print locally" {
	start
	# Sockets of every kind the list shows, held open in the namespace.
	inns python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('10.77.0.1', 7777)); s.listen()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', 5353))
c = socket.create_connection(('10.77.0.1', 7777)); a, _ = s.accept()
time.sleep(30)" 3>&- &
	holder=$!
	for _ in $(seq 100); do inns ss -Htn | grep -q 7777 && break; sleep 0.1; done
	for args in "-i" "-ia" "-ia -j" "-i -b -d" "-I dum0" "-s" "-ss" "-s -p tcp" "-s -j" \
	    "-r" "-rn -T all" "-r -f inet -j" "-B" "-s -B" "-B -j" \
	    "-an -f inet" "-a -f inet" "-an -f inet -j" "-anv -f inet" "-an -p udp"; do
		same_as_local $args
	done
	[ "$(inns "$NB_BIN/nbnetstat" -S "$S" -an -f inet | grep -c 7777)" -eq 3 ]
	# softnet and cp_time (-s -P) count the whole machine's work, which goes on
	# between two reads: the same lines, the numbers aside.
	for args in "-P" "-P -j" "-s -P"; do
		run -0 inns "$NB_BIN/nbnetstat" $args
		local_out=$(echo "$output" | sed 's/[0-9][0-9]*/N/g')
		run -0 inns "$NB_BIN/nbnetstat" -S "$S" $args
		[ "$(echo "$output" | sed 's/[0-9][0-9]*/N/g')" = "$local_out" ] || { echo "nbnetstat $args differs"; false; }
	done
	kill "$holder"
	wait "$holder" || true
	stop
}

@test "-S: counters are fresh at each read" {
	start --interval 60
	run -0 nbsysctl -S "$S" -n net.interfaces.dum0.stats.opackets
	before=$output
	inns python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for k in range(25): s.sendto(b'x', ('10.77.0.2', 9))"
	kernel=$(ip -n "$NS" -s -j link show dum0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["packets"])')
	run -0 nbsysctl -S "$S" -n net.interfaces.dum0.stats.opackets
	[ "$output" -eq "$kernel" ] && [ "$output" -ge $((before + 25)) ]
	stop
}

@test "-S writes: root writes (logged), an unprivileged user gets EPERM and nothing changes" {
	start
	run -1 setpriv --reuid=65534 --regid=65534 --clear-groups "$NB_BIN/nbsysctl" -S "$S" -w net.interfaces.dum0.mtu=1400
	assert_output "nbsysctl: net.interfaces.dum0.mtu: Operation not permitted"
	[ "$(ip -n "$NS" -j link show dum0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["mtu"])')" = 1500 ]
	run -0 nbsysctl -S "$S" -w net.interfaces.dum0.mtu=1400
	[ "$(ip -n "$NS" -j link show dum0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["mtu"])')" = 1400 ]
	inns ip link set dum0 mtu 1500
	run -1 nbsysctl -S "$S" -w net.interfaces.dum0.nosuch=1
	stop
	grep -q "write net.interfaces.dum0.mtu=1400 by uid 65534 pid [0-9]*: Operation not permitted" "$D/d.log"
	grep -q "write net.interfaces.dum0.mtu=1400 by uid 0 pid [0-9]*: done" "$D/d.log"
}

@test "-S: another user's process files are hidden from an unprivileged client, its own are not" {
	start
	setpriv --reuid=65534 --regid=65534 --clear-groups sleep 600 3>&- &
	mine=$!
	sleep 0.3
	run -0 setpriv --reuid=65534 --regid=65534 --clear-groups "$NB_BIN/nbsysctl" -S "$S" -n "kern.proc.$mine.comm"
	assert_output sleep
	run -1 setpriv --reuid=65534 --regid=65534 --clear-groups "$NB_BIN/nbsysctl" -S "$S" -n "kern.proc.$DPID.comm"
	run -0 setpriv --reuid=65534 --regid=65534 --clear-groups "$NB_BIN/nbsysctl" -S "$S" -a
	refute_output --partial "kern.proc.$DPID."
	run -0 nbsysctl -S "$S" -n "kern.proc.$DPID.comm"
	assert_output nbstatd
	# The table reads of nbfstat: the same rows hidden and shown.
	run -0 setpriv --reuid=65534 --regid=65534 --clear-groups "$NB_BIN/nbfstat" -S "$S"
	assert_output --regexp "nobody +sleep +$mine "
	refute_output --regexp "nbstatd +$DPID "
	run -1 setpriv --reuid=65534 --regid=65534 --clear-groups "$NB_BIN/nbfstat" -S "$S" -p "$DPID"
	assert_output --partial "hidden from this user"
	run -0 "$NB_BIN/nbfstat" -S "$S" -p "$DPID"
	assert_output --regexp "root +nbstatd +$DPID "
	kill "$mine"
	stop
}

# client PYTHON: a raw client of the socket at $S (python3)
raw() {
	python3 - "$S" "$@"
}

@test "hostile clients are dropped and logged; the others are served meanwhile" {
	start
	# A client that asks for the whole tree and never reads, held open.
	raw <<-'PY' 3>&- &
	import socket, struct, sys, time
	s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
	s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
	req = bytes([1, 1, 0, 0])   # version 1, walk, flags 0, the root
	for i in range(50): s.send(struct.pack('<I', len(req)) + req)
	time.sleep(9)
	PY
	slow=$!
	sleep 0.5
	# Meanwhile others are served at once.
	run -0 timeout 3 "$NB_BIN/nbsysctl" -S "$S" -n kern.ostype
	assert_output Linux
	# Garbage, an oversize frame, a truncated frame.
	raw <<-'PY'
	import socket, struct, sys, time
	def conn():
	    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(8); return s
	s = conn(); s.send(struct.pack('<I', 5) + b'\xff\xfe\xfd\xfc\xfb')
	assert s.recv(100) == b'', 'garbage: still connected'
	s = conn(); s.send(struct.pack('<I', 1 << 30))
	assert s.recv(100) == b'', 'oversize: still connected'
	s = conn(); s.send(struct.pack('<I', 100) + b'\x01\x01')
	t = time.time(); assert s.recv(100) == b'', 'truncated: still connected'
	assert time.time() - t < 8
	s = conn(); s.send(struct.pack('<I', 4) + bytes([1, 1, 1, 9]))  # depth 9, no components
	assert s.recv(100) == b'', 'short walk: still connected'
	PY
	run -0 timeout 3 "$NB_BIN/nbsysctl" -S "$S" -n kern.ostype
	wait "$slow" || true
	stop
	grep -q "malformed request: disconnected" "$D/d.log"
	grep -q "request frame larger than the limit: disconnected" "$D/d.log"
	grep -q "truncated request frame (timeout): disconnected" "$D/d.log"
	grep -q "stopped reading its response: disconnected" "$D/d.log"
}

@test "a newer protocol version gets an answer saying so, not a crash" {
	start
	raw <<-'PY'
	import socket, struct, sys
	s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(5)
	s.send(struct.pack('<I', 2) + bytes([9, 3]))
	n = struct.unpack('<I', s.recv(4))[0]
	body = s.recv(n)
	assert body[0] == 1 and body[1] == 2, body    # version 1, END
	assert body[2] == 2 * 93 - 1, body[2]        # zigzag -EPROTONOSUPPORT
	PY
	stop
}

@test "version 1 requests are answered in version 1; TABLE needs version 2" {
	start
	raw <<-'PY'
	import socket, struct, sys
	def frames(s):
	    out = []
	    while True:
	        n = struct.unpack('<I', s.recv(4, socket.MSG_WAITALL))[0]
	        body = s.recv(n, socket.MSG_WAITALL)
	        out.append(body)
	        if body[1] == 2:
	            return out
	s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(5)
	# A version 1 client: SAMPLE, then a walk of kern.ostype, all in version 1.
	s.send(struct.pack('<I', 2) + bytes([1, 3]))
	f = frames(s); assert [b[:2] for b in f] == [bytes([1, 2])], f
	req = bytes([1, 1, 0, 2, 4]) + b'kern' + bytes([6]) + b'ostype'
	s.send(struct.pack('<I', len(req)) + req)
	f = frames(s)
	assert all(b[0] == 1 for b in f) and f[0][1] == 1 and b'Linux' in f[0], f
	assert f[-1][2] == 0, f[-1]          # status 0
	# Version 2: the same walk, answered in version 2.
	req = bytes([2]) + req[1:]
	s.send(struct.pack('<I', len(req)) + req)
	f = frames(s); assert all(b[0] == 2 for b in f) and b'Linux' in f[0], f
	# A TABLE of net.interfaces.* with the column mtu (INT, 2): rows, the flags, END.
	req = bytes([2, 4, 0, 3, 3]) + b'net' + bytes([10]) + b'interfaces' + bytes([1]) + b'*' + \
	    bytes([1, 3]) + b'mtu' + bytes([2])
	s.send(struct.pack('<I', len(req)) + req)
	f = frames(s); assert [b[1] for b in f] == [3, 4, 2], f
	assert b'dum0' in f[0] and f[-1][2] == 0, f
	# TABLE in version 1 does not exist: the client is dropped.
	req = bytes([1]) + req[1:]
	s.send(struct.pack('<I', len(req)) + req)
	assert s.recv(100) == b'', 'TABLE in version 1: still connected'
	PY
	stop
	grep -q "malformed request: disconnected" "$D/d.log"
}

@test "64 clients at once are all served" {
	start
	# Wait for the clients only: bats runs its own jobs in the test's
	# shell (BATS_TEST_TIMEOUT's watchdog), so not every job is ours.
	local clients=()
	for i in $(seq 64); do
		"$NB_BIN/nbnetstat" -S "$S" -i >"$D/c$i.out" 2>&1 3>&- &
		clients+=($!)
	done
	wait_fail=0
	for job in "${clients[@]}"; do
		wait "$job" || wait_fail=$((wait_fail + 1))
	done
	[ "$wait_fail" -eq 0 ]
	for i in $(seq 64); do grep -q dum0 "$D/c$i.out"; done
	stop
}

@test "a second daemon on the same socket is refused; a stale socket is replaced" {
	start
	run -1 ip netns exec "$NS" "$NB_BIN/nbstatd" --config /dev/null -S "$S"
	assert_output --partial "Address already in use"
	kill -9 "$DPID"
	wait "$DPID" || true
	DPID=
	[ -S "$S" ]
	start
	run -0 nbsysctl -S "$S" -n kern.ostype
	stop
}
