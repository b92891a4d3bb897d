#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# netstat_i.sh - time nbnetstat -i against ip -s -j link and net-tools netstat -i
# in a private namespace with N veth pairs (2N+1 interfaces), count its
# user-space instructions (valgrind --tool=callgrind: perf stat cannot count
# on every machine), print the medians, the ratios and one SUMMARY line per
# size.
#
# usage: bench/netstat_i.sh [N ...]        (default: 1000 5000)
# env:   NB_BIN (default build/bin, the optimised preset), RUNS (default 10)
# Target: at N=5000 (10,001 interfaces) nbnetstat -i <= 0.35 x ip -s -j link
# and <= 30 M instructions (issue 14). Measured on a 6.18 kernel, the bare
# RTM_GETLINK dump (RTEXT_FILTER_SKIP_STATS, 11.3 MB) alone is 0.4-0.5 x ip:
# that much of the ratio is the kernel's, whatever user space does.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NB_BIN=${NB_BIN:-$ROOT/build/bin}
RUNS=${RUNS:-10}
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 5000)
TMP=$(mktemp -d)
NS=""

cleanup() {
	[ -z "$NS" ] || ip netns del "$NS" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "netstat_i.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in hyperfine jq netstat ip; do
	command -v "$t" >/dev/null || die "$t not installed"
done
if [ ! -x "$NB_BIN/nbnetstat" ]; then
	echo "# building the default (optimised) preset" >&2
	(cd "$ROOT" && cmake --preset default >/dev/null && cmake --build --preset default --target nbnetstat >/dev/null)
fi

# world N: N veth pairs in a fresh namespace $NS (bench/world.sh).
source "$ROOT/bench/world.sh"

median_ms() { jq -r --arg c "$2" '.results[] | select(.command == $c) | .median * 1000' "$1"; }

for n in "${SIZES[@]}"; do
	[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 16000 ] || die "$n: N must be 1..16000"
	t0=$(date +%s.%N)
	world "$n"
	nif=$(ip -n "$NS" -o link | wc -l)
	printf '# N=%d: %d interfaces, built in %.1f s\n' "$n" "$nif" "$(echo "$(date +%s.%N) - $t0" | bc)"
	# Sanity: nbnetstat sees the world (header + <Link> row per interface + addresses).
	rows=$(ip netns exec "$NS" "$NB_BIN/nbnetstat" -i | wc -l)
	[ "$rows" -eq $((1 + nif + n + 1)) ] || die "nbnetstat -i printed $rows lines, expected $((1 + nif + n + 1))"

	nsruns=$RUNS
	[ "$nif" -le 4000 ] || nsruns=3		# net-tools netstat -i is slow (seconds a run)
	ip netns exec "$NS" hyperfine -N --style basic --warmup 3 --runs "$RUNS" \
	    --export-json "$TMP/a.json" \
	    "$NB_BIN/nbnetstat -i" "ip -s -j link" >&2
	ip netns exec "$NS" hyperfine -N --style basic --warmup 1 --runs "$nsruns" \
	    --export-json "$TMP/b.json" "netstat -i" >&2
	nb=$(median_ms "$TMP/a.json" "$NB_BIN/nbnetstat -i")
	ipm=$(median_ms "$TMP/a.json" "ip -s -j link")
	nt=$(median_ms "$TMP/b.json" "netstat -i")
	r_ip=$(echo "scale=3; $nb / $ipm" | bc)
	r_nt=$(echo "scale=3; $nb / $nt" | bc)
	printf '%-22s %10.2f ms\n' "nbnetstat -i" "$nb" "ip -s -j link" "$ipm" "netstat -i" "$nt"
	printf 'ratio nbnetstat/ip      %8s\nratio nbnetstat/netstat %8s\n' "$r_ip" "$r_nt"
	# User-space instructions of the whole process (all threads).
	instr=n/a
	if command -v valgrind >/dev/null; then
		instr=$(ip netns exec "$NS" valgrind --tool=callgrind \
		    --callgrind-out-file="$TMP/cg.out" "$NB_BIN/nbnetstat" -i 2>&1 >/dev/null |
		    sed -n 's/.*Collected : *\([0-9]*\).*/\1/p')
		printf '%-22s %10s\n' "instructions" "$instr"
	fi
	verdict=n/a
	if [ "$n" -ge 5000 ]; then
		verdict=$(echo "$r_ip <= 0.35" | bc | sed 's/1/pass/; s/0/fail/')
		if [ "$instr" = n/a ] || [ "$instr" -gt 30000000 ]; then
			verdict=fail
		fi
	fi
	printf 'SUMMARY bench=netstat_i interfaces=%d nbnetstat_ms=%.2f ip_ms=%.2f netstat_ms=%.2f ratio_ip=%s ratio_netstat=%s instructions=%s target_ratio_ip=0.35 target_instructions=30000000 verdict=%s\n' \
	    "$nif" "$nb" "$ipm" "$nt" "$r_ip" "$r_nt" "$instr" "$verdict"
	ip netns del "$NS"
	NS=""
done
