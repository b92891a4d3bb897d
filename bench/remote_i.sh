#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# remote_i.sh - `nbnetstat -S PATH -i` (the table read through nbstatd's
# socket, the daemon already holding the stack) against a local
# `nbnetstat -i` (which loads the stack itself) in a private namespace with
# N veth pairs (2N+1 interfaces), nbstatd running in it. The two commands
# run alternately, RUNS rounds; each prints its median wall time, and the
# ratio is the median of the rounds' own ratios (a drift of the shared
# host's speed between rounds does not enter it), with its range. One
# SUMMARY line per size. Both outputs are checked equal first.
#
# usage: bench/remote_i.sh [N ...]        (default: 5000, 10,001 interfaces)
# env:   NB_BIN (default build/bin, the optimised preset), RUNS (default 21)
# Target (issue 16): at 10,001 interfaces remote <= 0.5 x local.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NB_BIN=${NB_BIN:-$ROOT/build/bin}
RUNS=${RUNS:-21}
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(5000)
TMP=$(mktemp -d)
NS=""
DPID=""

cleanup() {
	if [ -n "$DPID" ]; then
		kill -TERM "$DPID" 2>/dev/null || true
		wait "$DPID" 2>/dev/null || true
	fi
	[ -z "$NS" ] || ip netns del "$NS" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "remote_i.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
command -v ip >/dev/null || die "ip not installed"
if [ ! -x "$NB_BIN/nbnetstat" ] || [ ! -x "$NB_BIN/nbstatd" ]; then
	echo "# building the default (optimised) preset" >&2
	(cd "$ROOT" && cmake --preset default >/dev/null &&
	    cmake --build --preset default --target nbnetstat nbstatd >/dev/null)
fi

# world N: N veth pairs in a fresh namespace $NS (bench/world.sh).
source "$ROOT/bench/world.sh"

# us CMD...: wall microseconds of one run (output discarded)
us() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000))
}

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

for n in "${SIZES[@]}"; do
	[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 16000 ] || die "$n: N must be 1..16000"
	t0=$(date +%s.%N)
	world "$n"
	nif=$(ip -n "$NS" -o link | wc -l)
	printf '# N=%d: %d interfaces, built in %.1f s\n' "$n" "$nif" "$(echo "$(date +%s.%N) - $t0" | bc)"
	sock=$TMP/nbstatd.sock
	ip netns exec "$NS" "$NB_BIN/nbstatd" --config /dev/null -S "$sock" 2>"$TMP/d.log" &
	DPID=$!
	for _ in $(seq 600); do grep -q "notice: serving" "$TMP/d.log" && break; sleep 0.1; done
	grep -q "notice: serving" "$TMP/d.log" || { cat "$TMP/d.log" >&2; die "nbstatd did not start"; }
	# The daemon loads what -i needs at the first read; then both print the same.
	loc=(ip netns exec "$NS" "$NB_BIN/nbnetstat" -i)
	rem=(ip netns exec "$NS" "$NB_BIN/nbnetstat" -S "$sock" -i)
	"${rem[@]}" >"$TMP/r.out"
	"${loc[@]}" >"$TMP/l.out"
	rows=$(wc -l <"$TMP/l.out")
	[ "$rows" -eq $((1 + nif + n + 1)) ] || die "nbnetstat -i printed $rows lines, expected $((1 + nif + n + 1))"
	# Counters of a quiet namespace: the same text (the column of an interface
	# that carried a packet between the two reads could differ: compare names).
	cmp -s <(awk '{ print $1, $2, $3, $4 }' "$TMP/l.out") <(awk '{ print $1, $2, $3, $4 }' "$TMP/r.out") ||
	    die "-S -i and -i differ"
	: >"$TMP/l"
	: >"$TMP/r"
	: >"$TMP/q"
	for ((i = 0; i < RUNS; i++)); do
		# Alternate which goes first, so neither always follows the other.
		if ((i % 2)); then
			r=$(us "${rem[@]}")
			l=$(us "${loc[@]}")
		else
			l=$(us "${loc[@]}")
			r=$(us "${rem[@]}")
		fi
		echo "$l" >>"$TMP/l"
		echo "$r" >>"$TMP/r"
		echo "scale=4; $r / $l" | bc >>"$TMP/q"
	done
	lm=$(median <"$TMP/l")
	rm_=$(median <"$TMP/r")
	q=$(median <"$TMP/q")
	qmin=$(sort -g "$TMP/q" | head -1)
	qmax=$(sort -g "$TMP/q" | tail -1)
	printf '%-28s median %9.2f ms\n' "nbnetstat -i (local)" "$(echo "$lm / 1000" | bc -l)" \
	    "nbnetstat -S PATH -i" "$(echo "$rm_ / 1000" | bc -l)"
	printf 'ratio remote/local         median %s (range %s .. %s, %d rounds)\n' "$q" "$qmin" "$qmax" "$RUNS"
	verdict=n/a
	if [ "$nif" -ge 10001 ]; then
		verdict=$(echo "$q <= 0.5" | bc | sed 's/1/pass/; s/0/fail/')
	fi
	printf 'SUMMARY bench=remote_i interfaces=%d local_ms=%.2f remote_ms=%.2f ratio=%s target_ratio=0.5 verdict=%s\n' \
	    "$nif" "$(echo "$lm / 1000" | bc -l)" "$(echo "$rm_ / 1000" | bc -l)" "$q" "$verdict"
	kill -TERM "$DPID"
	wait "$DPID" || die "nbstatd exited with $?"
	DPID=""
	ip netns del "$NS"
	NS=""
done
