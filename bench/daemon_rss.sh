#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# daemon_rss.sh - nbstatd's resident memory while it records (issue 16, "Must
# show"): a private namespace with N veth pairs (2N+1 interfaces; default
# 10,001), nbstatd recording every INTERVAL seconds for DURATION seconds,
# its RSS (VmRSS) read every STEP seconds. Prints each reading, then the
# RSS at the end of the first minute, at the end, the highest, the growth
# after the first minute, and the slope of a least-squares line through the
# readings after the first minute (KiB per minute), and a SUMMARY line.
# With CLIENTS=1 a client reads `nbnetstat -S PATH -i` every STEP seconds
# too (the serving path's memory).
#
# usage: bench/daemon_rss.sh
# env:   NB_BIN (default build/bin), N (default 5000), INTERVAL (default 10),
#        DURATION (default 600), STEP (default 10), CLIENTS (default 1)
# Target: no growth after the first minute.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NB_BIN=${NB_BIN:-$ROOT/build/bin}
N=${N:-5000}
INTERVAL=${INTERVAL:-10}
DURATION=${DURATION:-600}
STEP=${STEP:-10}
CLIENTS=${CLIENTS:-1}
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

die() { echo "daemon_rss.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for v in N INTERVAL DURATION STEP; do
	[[ ${!v} =~ ^[0-9]+$ ]] && [ "${!v}" -ge 1 ] || die "$v=${!v}: a positive whole number"
done
if [ ! -x "$NB_BIN/nbnetstat" ] || [ ! -x "$NB_BIN/nbstatd" ]; then
	echo "# building the default (optimised) preset" >&2
	(cd "$ROOT" && cmake --preset default >/dev/null &&
	    cmake --build --preset default --target nbnetstat nbstatd >/dev/null)
fi

source "$ROOT/bench/world.sh"
world "$N" rss
nif=$(ip -n "$NS" -o link | wc -l)

db=$TMP/h.db
sock=$TMP/s.sock
# ip netns exec execs nbstatd: $! is the daemon.
ip netns exec "$NS" "$NB_BIN/nbstatd" --config /dev/null -S "$sock" --record "$db" \
    --interval "$INTERVAL" 2>"$TMP/d.log" &
DPID=$!
for _ in $(seq 600); do grep -q "notice: serving" "$TMP/d.log" && break; sleep 0.1; done
grep -q "notice: serving" "$TMP/d.log" || { cat "$TMP/d.log" >&2; die "nbstatd did not start"; }
echo "# $nif interfaces, recording every ${INTERVAL}s for ${DURATION}s, RSS every ${STEP}s, clients $CLIENTS"
echo "#   t(s)   RSS(KiB)"
t0=$(date +%s)
: >"$TMP/rss"
while :; do
	t=$(($(date +%s) - t0))
	kill -0 "$DPID" 2>/dev/null || die "nbstatd exited"
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$DPID/status")
	printf '%8d %10d\n' "$t" "$rss" | tee -a "$TMP/rss"
	[ "$t" -lt "$DURATION" ] || break
	if [ "$CLIENTS" = 1 ]; then
		ip netns exec "$NS" "$NB_BIN/nbnetstat" -S "$sock" -i >/dev/null ||
		    die "nbnetstat -S failed"
	fi
	sleep $((STEP - ($(date +%s) - t0 - t) % STEP))
done
kill -TERM "$DPID"
wait "$DPID" || die "nbstatd exited with $?"
DPID=""
nsamples=$(sqlite3 "$db" 'SELECT count(*) FROM sample' 2>/dev/null || echo "?")
awk -v dur="$DURATION" -v nif="$nif" -v ns="$nsamples" -v iv="$INTERVAL" '
	{ t[NR] = $1; r[NR] = $2; if ($2 > max) max = $2 }
	END {
		for (i = 1; i <= NR; i++) if (t[i] >= 60) { first = i; break }
		if (!first) { print "daemon_rss.sh: shorter than a minute: no growth figure"; exit }
		n = 0; sx = sy = sxx = sxy = 0
		for (i = first; i <= NR; i++) {
			n++; sx += t[i]; sy += r[i]; sxx += t[i] * t[i]; sxy += t[i] * r[i]
		}
		slope = (n > 1 && n * sxx - sx * sx != 0) ? (n * sxy - sx * sy) / (n * sxx - sx * sx) * 60 : 0
		growth = r[NR] - r[first]
		printf "RSS at %d s: %d KiB; at the end (%d s): %d KiB; highest %d KiB\n", t[first], r[first], t[NR], r[NR], max
		printf "growth after the first minute: %+d KiB; slope %+.1f KiB/min over %d readings; %s samples recorded\n", growth, slope, n, ns
		printf "SUMMARY bench=daemon_rss interfaces=%d interval=%s duration=%d rss_1min_kib=%d rss_end_kib=%d rss_max_kib=%d growth_kib=%d slope_kib_per_min=%.1f samples=%s\n", nif, iv, dur, r[first], r[NR], max, growth, slope, ns
	}' "$TMP/rss"
