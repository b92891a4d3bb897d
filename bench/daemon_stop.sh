#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# daemon_stop.sh - nbstatd stopped while it records (issue 16, "Must show"),
# in a private namespace with N veth pairs (2N+1 interfaces), recording
# every INTERVAL seconds:
#
#  kill -9, ROUNDS times, at a random moment (0..1.2 s after the first
#  sample is in the file -- before it there is nothing to replay -- so the
#  kill falls anywhere in a sample's read or write): each file passes
#  PRAGMA integrity_check and replays (nbnetstat -i --replay F prints every
#  interface); every 10th killed file is taken up again by a new daemon,
#  which appends to it.
#
#  SIGTERM, ROUNDS times, at a random moment 0.2..1.4 s after the daemon
#  serves (the first sample may be in flight): exit 0, no lock file left,
#  the file passes integrity_check, and it holds exactly as many samples as
#  the daemon logged ("stopped after N samples": the sample in flight
#  included), so the last sample is in the file.
#
# Prints one line per failure, the counts, and a SUMMARY line.
# usage: bench/daemon_stop.sh [ROUNDS]     (default 100)
# env:   NB_BIN (default build/bin), N (default 500 pairs), INTERVAL (default 0.1)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NB_BIN=${NB_BIN:-$ROOT/build/bin}
ROUNDS=${1:-100}
N=${N:-500}
INTERVAL=${INTERVAL:-0.1}
TMP=$(mktemp -d)
NS=""
DPID=""

cleanup() {
	if [ -n "$DPID" ]; then
		kill -9 "$DPID" 2>/dev/null || true
		wait "$DPID" 2>/dev/null || true
	fi
	[ -z "$NS" ] || ip netns del "$NS" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "daemon_stop.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in ip sqlite3; do
	command -v "$t" >/dev/null || die "$t not installed"
done
[[ $ROUNDS =~ ^[0-9]+$ ]] && [ "$ROUNDS" -ge 1 ] || die "$ROUNDS: ROUNDS must be a positive number"
if [ ! -x "$NB_BIN/nbnetstat" ] || [ ! -x "$NB_BIN/nbstatd" ]; then
	echo "# building the default (optimised) preset" >&2
	(cd "$ROOT" && cmake --preset default >/dev/null &&
	    cmake --build --preset default --target nbnetstat nbstatd >/dev/null)
fi

NS=nbbench-$$-stop
ip netns add "$NS"
ip -n "$NS" link set lo up
for ((i = 0; i < N; i++)); do
	echo "link add s${i}a type veth peer name s${i}b"
	echo "link set s${i}a up"
	echo "link set s${i}b up"
done >"$TMP/b"
ip -n "$NS" -batch "$TMP/b"
nif=$(ip -n "$NS" -o link | wc -l)
echo "# $nif interfaces, interval ${INTERVAL}s, $ROUNDS rounds of each"

# start FILE: nbstatd recording FILE in the namespace; waits until it serves.
start() {
	ip netns exec "$NS" "$NB_BIN/nbstatd" --config /dev/null -S "$TMP/s.sock" \
	    --record "$1" --interval "$INTERVAL" 2>"$TMP/d.log" &
	DPID=$!
	for _ in $(seq 300); do grep -q "notice: serving" "$TMP/d.log" && return 0; sleep 0.02; done
	cat "$TMP/d.log" >&2
	die "nbstatd did not start"
}

# A random pause of 0..1.2 s.
pause() {
	local ms=$((RANDOM % 1200))
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
}

samples() { sqlite3 "$1" 'SELECT count(*) FROM sample' 2>/dev/null || echo 0; }

# recording FILE: wait until the daemon has committed a sample to FILE.
recording() {
	for _ in $(seq 1500); do
		[ "$(samples "$1")" -ge 1 ] && return 0
		sleep 0.02
	done
	die "no sample in $1 after 30 s"
}

# checkfile FILE WHAT: integrity and replay; "" or the failure.
checkfile() {
	local ic rows
	ic=$(sqlite3 "$1" 'PRAGMA integrity_check' 2>&1 || true)
	[ "$ic" = ok ] || { echo "$2: integrity_check: $ic"; return; }
	rows=$(ip netns exec "$NS" "$NB_BIN/nbnetstat" -i --replay "$1" 2>&1 | grep -c '<Link>' || true)
	[ "$rows" -eq "$nif" ] || echo "$2: nbnetstat -i --replay printed $rows interfaces, not $nif"
}

kill_ok=0
kill_fail=0
kill_samples=0
resumed=0
for ((r = 1; r <= ROUNDS; r++)); do
	f=$TMP/k$r.db
	start "$f"
	recording "$f"
	pause
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null || true
	DPID=""
	why=$(checkfile "$f" "kill -9 round $r")
	if [ -z "$why" ] && [ $((r % 10)) -eq 0 ]; then
		# A new daemon takes the killed file up and appends to it.
		before=$(samples "$f")
		start "$f"
		sleep 0.5
		kill -TERM "$DPID"
		wait "$DPID" || why="kill -9 round $r: the daemon resuming the file exited with $?"
		DPID=""
		after=$(samples "$f")
		[ -n "$why" ] || [ "$after" -gt "$before" ] ||
		    why="kill -9 round $r: resumed, but $after samples after $before"
		[ -n "$why" ] || why=$(checkfile "$f" "kill -9 round $r (resumed)")
		resumed=$((resumed + 1))
	fi
	if [ -z "$why" ]; then
		kill_ok=$((kill_ok + 1))
		kill_samples=$((kill_samples + $(samples "$f")))
		rm -f "$f" "$f-wal" "$f-shm" "$f.lock"
	else
		kill_fail=$((kill_fail + 1))
		echo "FAIL $why"
	fi
done
echo "kill -9: $kill_ok of $ROUNDS files pass integrity_check and replay ($kill_samples samples in them; $resumed taken up again)"

term_ok=0
term_fail=0
term_samples=0
term_empty=0
for ((r = 1; r <= ROUNDS; r++)); do
	f=$TMP/t$r.db
	start "$f"
	sleep 0.2
	pause
	kill -TERM "$DPID"
	rc=0
	wait "$DPID" || rc=$?
	DPID=""
	logged=$(sed -n 's/.*stopped after \([0-9]*\) samples.*/\1/p' "$TMP/d.log")
	why=""
	if [ "$rc" -ne 0 ]; then
		why="SIGTERM round $r: exit $rc"
	elif [ -z "$logged" ]; then
		why="SIGTERM round $r: no 'stopped after N samples' in the log"
	elif [ -e "$f.lock" ]; then
		why="SIGTERM round $r: $f.lock left"
	else
		have=$(samples "$f")
		[ "$have" -eq "$logged" ] ||
		    why="SIGTERM round $r: $have samples in the file, the daemon logged $logged"
	fi
	if [ -z "$why" ] && [ "$logged" -eq 0 ]; then
		# Stopped before its first sample: an empty history, still sound.
		ic=$(sqlite3 "$f" 'PRAGMA integrity_check' 2>&1 || true)
		[ "$ic" = ok ] || why="SIGTERM round $r: integrity_check: $ic"
		term_empty=$((term_empty + 1))
	fi
	[ -n "$why" ] || [ "$logged" -eq 0 ] || why=$(checkfile "$f" "SIGTERM round $r")
	if [ -z "$why" ]; then
		term_ok=$((term_ok + 1))
		term_samples=$((term_samples + logged))
		rm -f "$f" "$f-wal" "$f-shm"
	else
		term_fail=$((term_fail + 1))
		echo "FAIL $why"
	fi
done
echo "SIGTERM: $term_ok of $ROUNDS stops lose nothing ($term_samples samples, each file's count equal to the daemon's; $term_empty stopped before their first sample)"
verdict=pass
[ "$kill_fail" -eq 0 ] && [ "$term_fail" -eq 0 ] || verdict=fail
printf 'SUMMARY bench=daemon_stop interfaces=%d interval=%s kill9_ok=%d/%d sigterm_ok=%d/%d verdict=%s\n' \
    "$nif" "$INTERVAL" "$kill_ok" "$ROUNDS" "$term_ok" "$ROUNDS" "$verdict"
[ "$verdict" = pass ]
