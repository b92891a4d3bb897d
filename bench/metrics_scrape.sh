#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# metrics_scrape.sh - /metrics scrape latency of nbstatd --http against
# node_exporter (Debian prometheus-node-exporter; netdev, netstat and
# softnet collectors) in the same private namespace and run, with N veth
# pairs (2N+1 interfaces): medians, body sizes, the ratio and one SUMMARY
# line per size. Both are scraped by curl over loopback in the namespace,
# as Prometheus would (no compression).
#
# usage: bench/metrics_scrape.sh [N ...]   (default: 1000 5000: 2,001 and 10,001 interfaces)
# env:   NB_BIN (default build/bin, the optimised preset), RUNS (default 10;
#        node_exporter takes seconds a scrape at 10,001 interfaces: 3 runs there)
# Also each server's CPU time per scrape (/proc/PID/stat over 20 and 3
# scrapes), which load from other work on the machine does not stretch.
# Target: at 10,001 interfaces at most 100 ms a scrape and at most 0.05 x node_exporter.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NB_BIN=${NB_BIN:-$ROOT/build/bin}
RUNS=${RUNS:-10}
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 5000)
TMP=$(mktemp -d)
NS=""
NBP=19181
NEP=19182
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]:-}"; do
		[ -z "$p" ] || { kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; } || true
	done
	PIDS=()
	[ -z "$NS" ] || ip netns del "$NS" 2>/dev/null || true
	NS=""
}
trap 'cleanup; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

die() { echo "metrics_scrape.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in hyperfine jq curl ip prometheus-node-exporter; do
	command -v "$t" >/dev/null || die "$t not installed (scripts/deps --bench)"
done
if [ ! -x "$NB_BIN/nbstatd" ]; then
	echo "# building the default (optimised) preset" >&2
	(cd "$ROOT" && cmake --preset default >/dev/null && cmake --build --preset default --target nbstatd >/dev/null)
fi

# world N: N veth pairs in a fresh namespace $NS (bench/world.sh).
source "$ROOT/bench/world.sh"

# up URL: wait until URL answers 200 (30 s at most).
up() {
	for _ in $(seq 300); do
		[ "$(ip netns exec "$NS" curl -s -o /dev/null -w '%{http_code}' "$1" 2>/dev/null)" = 200 ] && return 0
		sleep 0.1
	done
	die "$1 does not answer"
}

# cpu_ms PID: user + system CPU time of PID so far, in ms.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1000 / hz }' "/proc/$1/stat"; }

# cpu_per_scrape PID URL N: the server's CPU ms per scrape over N scrapes
# (load on the machine stretches the wall time, not this).
cpu_per_scrape() {
	local a b
	a=$(cpu_ms "$1")
	for _ in $(seq "$3"); do ip netns exec "$NS" curl -s -o /dev/null "$2"; done
	b=$(cpu_ms "$1")
	echo "scale=2; ($b - $a) / $3" | bc
}

median_ms() { jq -r --arg c "$2" '.results[] | select(.command == $c) | .median * 1000' "$1"; }

for n in "${SIZES[@]}"; do
	[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 16000 ] || die "$n: N must be 1..16000"
	t0=$(date +%s.%N)
	world "$n"
	nif=$(ip -n "$NS" -o link | wc -l)
	printf '# N=%d: %d interfaces, built in %.1f s\n' "$n" "$nif" "$(echo "$(date +%s.%N) - $t0" | bc)"
	ip netns exec "$NS" "$NB_BIN/nbstatd" --config /dev/null -S "$TMP/s.sock" \
	    --http "127.0.0.1:$NBP" 2>"$TMP/d.log" &
	nbpid=$!
	PIDS+=($nbpid)
	ip netns exec "$NS" prometheus-node-exporter --web.listen-address="127.0.0.1:$NEP" \
	    --collector.disable-defaults --collector.netdev --collector.netstat \
	    --collector.softnet 2>"$TMP/ne.log" &
	nepid=$!
	PIDS+=($nepid)
	nbu="http://127.0.0.1:$NBP/metrics"
	neu="http://127.0.0.1:$NEP/metrics"
	up "$nbu"
	up "$neu"
	# Sanity: both see the interfaces (node_exporter's netdev leaves lo out).
	nbl=$(ip netns exec "$NS" curl -s "$nbu" | grep -c '^node_network_receive_packets_total{')
	nel=$(ip netns exec "$NS" curl -s "$neu" | grep -c '^node_network_receive_packets_total{')
	[ "$nbl" -eq "$nif" ] || die "nbstatd: $nbl interfaces of $nif"
	[ "$nel" -ge $((nif - 1)) ] || die "node_exporter: $nel interfaces of $nif"
	nbb=$(ip netns exec "$NS" curl -s "$nbu" | wc -c)
	neb=$(ip netns exec "$NS" curl -s "$neu" | wc -c)
	neruns=$RUNS
	[ "$nif" -le 4000 ] || neruns=3
	ip netns exec "$NS" hyperfine -N --style basic --warmup 3 --runs "$RUNS" \
	    --export-json "$TMP/a.json" "curl -s -o /dev/null $nbu" >&2
	ip netns exec "$NS" hyperfine -N --style basic --warmup 1 --runs "$neruns" \
	    --export-json "$TMP/b.json" "curl -s -o /dev/null $neu" >&2
	nb=$(median_ms "$TMP/a.json" "curl -s -o /dev/null $nbu")
	ne=$(median_ms "$TMP/b.json" "curl -s -o /dev/null $neu")
	ratio=$(echo "scale=4; $nb / $ne" | bc)
	nbc=$(cpu_per_scrape "$nbpid" "$nbu" 20)
	nec=$(cpu_per_scrape "$nepid" "$neu" 3)
	printf '%-16s %10.2f ms %10d bytes %10.2f ms CPU\n' "nbstatd" "$nb" "$nbb" "$nbc" \
	    "node_exporter" "$ne" "$neb" "$nec"
	printf 'ratio nbstatd/node_exporter %s (CPU %s)\n' "$ratio" "$(echo "scale=4; $nbc / $nec" | bc)"
	printf 'load average %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
	verdict=n/a
	if [ "$nif" -ge 10001 ]; then
		verdict=$(echo "$nb <= 100 && $ratio <= 0.05" | bc | sed 's/1/pass/; s/0/fail/')
	fi
	printf 'SUMMARY bench=metrics_scrape interfaces=%d nbstatd_ms=%.2f node_exporter_ms=%.2f nbstatd_cpu_ms=%.2f node_exporter_cpu_ms=%.2f nbstatd_bytes=%d node_exporter_bytes=%d ratio=%s target_ms=100 target_ratio=0.05 verdict=%s\n' \
	    "$nif" "$nb" "$ne" "$nbc" "$nec" "$nbb" "$neb" "$ratio" "$verdict"
	cleanup
done
