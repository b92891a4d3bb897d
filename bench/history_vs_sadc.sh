#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# history_vs_sadc.sh - nbsysctl --record against sysstat's sadc, same run, same interfaces.
#
# Needs root (a network namespace with PAIRS veth pairs, 2 x PAIRS
# interfaces, deleted on exit even on failure) and sysstat
# (scripts/deps --bench). Both recorders sample the namespace every
# second; each runs once with 1 sample and once with N+1 samples, so
# CPU per sample = (CPU(N+1) - CPU(1)) / N excludes start-up. Bytes per
# interface counter value, two ways: whole file (bytes of the N+1 run
# over samples x interfaces x the counters each stores per interface:
# one-time costs such as nbhistory's name table weigh heavily in a short
# run) and per sample ((bytes(N+1) - bytes(1)) over N samples' values,
# what a long-running recorder adds; page-granular, so use N >= 30):
# sadc: counted from `sadf -d -- -n DEV,EDEV` (7 DEV + 9 EDEV numeric
# fields per interface row); nbsysctl: the 12 net.interfaces.*.stats
# counters. Both files also hold the other activities each records by
# default (sadc: CPU, memory, ...; nbsysctl: vm, kern.cp_time), charged
# to the interface values for both. Then bench_history (synthetic
# 1,000 interfaces, traffic model) for the same figures on busy counters.
#
# Usage: sudo bench/history_vs_sadc.sh [BUILD_DIR] [PAIRS] [N] [DAYS]
set -euo pipefail
build=${1:-build}
pairs=${2:-500}
n=${3:-30}
days=${4:-1}
sadc=/usr/lib/sysstat/sadc
[ "$(id -u)" = 0 ] || { echo "history_vs_sadc.sh: needs root (ip netns)" >&2; exit 2; }
[ -x "$sadc" ] || { echo "history_vs_sadc.sh: $sadc missing (scripts/deps --bench)" >&2; exit 1; }
nbsysctl=$build/bin/nbsysctl
[ -x "$nbsysctl" ] || { echo "history_vs_sadc.sh: $nbsysctl missing (cmake --build --preset default)" >&2; exit 1; }
ns=nbh_sadc_$$
tmp=$(mktemp -d /tmp/history_vs_sadc.XXXXXX)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
ip netns add "$ns"
for ((i = 0; i < pairs; i++)); do
	echo "link add va$i type veth peer name vb$i"
done | ip -n "$ns" -batch -
for ((i = 0; i < pairs; i++)); do
	echo "link set va$i up"; echo "link set vb$i up"
done | ip -n "$ns" -batch -
ip -n "$ns" link set lo up
nif=$(ip -n "$ns" -o link show | wc -l)

# cpu_s CMD...: runs CMD in the namespace, prints its user+sys CPU seconds
# (the children times of a subshell that only waited for it).
cpu_s() {
	( ip netns exec "$ns" "$@" >/dev/null; times ) | awk 'NR == 2 {
		split($1, u, "m"); split($2, s, "m");
		printf "%.4f\n", u[1] * 60 + u[2] + s[1] * 60 + s[2] }'
}

rm -f "$tmp/sa1" "$tmp/saN"
c1=$(cpu_s "$sadc" -S XALL 1 1 "$tmp/sa1")
cN=$(cpu_s "$sadc" -S XALL 1 $((n + 1)) "$tmp/saN")
sadc_bytes=$(stat -c %s "$tmp/saN")
sadc_b1=$(stat -c %s "$tmp/sa1")
sadc_vals=$(sadf -d "$tmp/saN" -- -n DEV,EDEV | awk -F';' '
	/^#/ { next } { for (i = 5; i <= NF; i++) if ($i ~ /^[0-9.]+$/) v++ } END { print v + 0 }')
# sadf -d prints rates between consecutive records: n intervals for n+1
# records; the file holds n+1 records of raw counters.
sadc_vals=$(awk -v v="$sadc_vals" -v n="$n" 'BEGIN { printf "%d", v * (n + 1) / n }')
sadc_cpu=$(awk -v a="$c1" -v b="$cN" -v n="$n" 'BEGIN { printf "%.3f", (b - a) * 1000 / n }')

c1=$(cpu_s "$nbsysctl" --record "$tmp/nb1.db" --interval 1 -c 1)
cN=$(cpu_s "$nbsysctl" --record "$tmp/nbN.db" --interval 1 -c $((n + 1)))
fsize() { local b; b=$(stat -c %s "$1"); [ -e "$1-wal" ] && b=$((b + $(stat -c %s "$1-wal"))); echo "$b"; }
nb_bytes=$(fsize "$tmp/nbN.db")
nb_b1=$(fsize "$tmp/nb1.db")
nb_vals=$((nif * 12 * (n + 1)))
nb_cpu=$(awk -v a="$c1" -v b="$cN" -v n="$n" 'BEGIN { printf "%.3f", (b - a) * 1000 / n }')

echo "namespace: $nif interfaces ($pairs veth pairs + lo), idle; 1 and $((n + 1)) samples at 1 s"
report() {	# name bytes1 bytesN values(N+1) cpu what
	awk -v name="$1" -v b1="$2" -v bn="$3" -v v="$4" -v n="$n" -v c="$5" -v what="$6" 'BEGIN {
		printf "%s: %d bytes, %d interface counter values (%s): whole file %.3f B/value, " \
		    "per sample %.3f B/value, %s ms CPU/sample\n", name, bn, v, what, bn / v,
		    (bn - b1) / (v * n / (n + 1)), c
	}'
}
report "sadc -S XALL" "$sadc_b1" "$sadc_bytes" "$sadc_vals" "$sadc_cpu" "DEV 7 + EDEV 9 per interface"
report "nbsysctl --record" "$nb_b1" "$nb_bytes" "$nb_vals" "$nb_cpu" "12 per interface"
awk -v sb="$sadc_bytes" -v sv="$sadc_vals" -v s1="$sadc_b1" -v nb="$nb_bytes" -v nv="$nb_vals" -v n1="$nb_b1" \
    -v sc="$sadc_cpu" -v nc="$nb_cpu" 'BEGIN {
	printf "ratio nbstat/sadc: bytes per value whole file %.3f, per sample %.3f; CPU per sample %.2f\n",
	    (nb / nv) / (sb / sv), (s1 == sb ? 0 : ((nb - n1) / nv) / ((sb - s1) / sv)), (sc > 0 ? nc / sc : 0) }'
sadc_bpv=$(awk -v a="$sadc_bytes" -v b="$sadc_vals" 'BEGIN { print a / b }')	# sadc stores absolute values: whole file ~ per sample
echo "synthetic workload (bench_history --days $days), against sadc's B/value above:"
"$build/bin/bench_history" --days "$days" --file "$tmp/bench.db" --sadc-bpv "$sadc_bpv" --sadc-cpu "$sadc_cpu"
