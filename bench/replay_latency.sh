#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# replay_latency.sh - wall time of `nbnetstat -i --replay FILE --at T` on a
# 7-day, 1,000-interface, 10-second history (60,480 samples, issue 5), at the
# first sample, the middle, the last and a keyframe's 59th delta; the peer
# measured in the same run is `nbnetstat -i` on the live host. Target: 50 ms.
#
# The file is made once by bench_history --days DAYS (several minutes on 2
# shared cores) and cached: /tmp/nbh_replay_${DAYS}d_${IFACES}.db; delete
# it to rebuild. Sample times are the recording's real clock (the bench
# does not wait 10 s between samples): only the count and size matter.
#
# As root, a second peer of the same size as the file: `nbnetstat -i` live
# in a network namespace with IFACES interfaces (IFACES / 2 veth pairs, up;
# deleted on exit), each replay measured the same way (`ip netns exec NS`
# around both, so the exec's own cost is in both), and the ratio to that.
#
# Usage: bench/replay_latency.sh [BUILD_DIR] [DAYS] [RUNS]
set -euo pipefail
build=${1:-build}
days=${2:-7}
runs=${3:-7}
ifaces=1000
db=/tmp/nbh_replay_${days}d_${ifaces}.db
nbnetstat=$build/bin/nbnetstat
if [ ! -s "$db" ]; then
	echo "building $db (bench_history --days $days) ..."
	start=$(date +%s)
	"$build/bin/bench_history" --days "$days" --ifaces "$ifaces" --file "$db.tmp"
	mv "$db.tmp" "$db"
	echo "built in $(( $(date +%s) - start )) s"
fi
ms() {	# ms CMD...: median wall ms of RUNS runs
	local i t0 t1
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
		echo $(( (t1 - t0) / 1000 ))
	done | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] / 1000 }'
}
iso() { date -u -d "@$(( $1 / 1000000000 ))" +%Y-%m-%dT%H:%M:%S.$(printf %09d $(( $1 % 1000000000 )))Z; }
read -r n first last <<<"$(sqlite3 -separator ' ' "$db" 'SELECT count(*), min(t_ns), max(t_ns) FROM sample')"
mid=$(sqlite3 "$db" "SELECT t_ns FROM sample WHERE id = (SELECT min(id) + count(*) / 2 FROM sample)")
deep=$(sqlite3 "$db" "SELECT t_ns FROM sample WHERE id = keyframe + 59 AND id > (SELECT max(id) - 200 FROM sample) LIMIT 1")
echo "file: $db, $n samples, $(stat -c %s "$db") bytes"
live=$(ms "$nbnetstat" -i)
echo "peer: nbnetstat -i live on this host: $live ms"
ns=
if [ "$(id -u)" = 0 ]; then
	ns=nbh_rl_$$
	trap 'ip netns del "$ns" 2>/dev/null || true' EXIT INT TERM
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	for ((i = 0; i < ifaces / 2; i++)); do echo "link add va$i type veth peer name vb$i"; done |
		ip -n "$ns" -batch -
	for ((i = 0; i < ifaces / 2; i++)); do echo "link set va$i up"; echo "link set vb$i up"; done |
		ip -n "$ns" -batch -
	live_ns=$(ms ip netns exec "$ns" "$nbnetstat" -i)
	echo "peer: nbnetstat -i live in a namespace of $(ip -n "$ns" -o link show | wc -l) interfaces (ip netns exec): $live_ns ms"
fi
for which in first mid deep last; do
	t=${!which}
	[ -n "$t" ] || continue
	w=$(ms "$nbnetstat" -i --replay "$db" --at "$(iso "$t")")
	awk -v w="$w" -v l="$live" -v which="$which" 'BEGIN {
		printf "nbnetstat -i --replay --at %-5s: median %6.2f ms (target 50: %s), ratio to live %.2f\n",
		    which, w, (w <= 50 ? "met" : "NOT met"), w / l }'
	if [ -n "$ns" ]; then
		w=$(ms ip netns exec "$ns" "$nbnetstat" -i --replay "$db" --at "$(iso "$t")")
		awk -v w="$w" -v l="$live_ns" -v which="$which" 'BEGIN {
			printf "  the same under ip netns exec: median %6.2f ms, ratio to live with as many interfaces %.2f (target 1.2: %s)\n",
			    w, w / l, (w / l <= 1.2 ? "met" : "NOT met") }'
	fi
done
