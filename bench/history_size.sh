#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# history_size.sh - file sizes of a first sample and of a minute at 1 s, next to sysstat's sadc.
#
# Needs root (a network namespace with PAIRS veth pairs, up, IPv6 on:
# 2 x PAIRS + 1 interfaces with their link-local addresses, routes and
# multicast memberships; deleted on exit even on failure) and sysstat
# (scripts/deps --bench). In that namespace:
#   one sample:  nbsysctl --record F --interval 1 -c 1   and  sadc 1 1 F
#   60 samples:  nbsysctl --record F --interval 1 -c 60  and  sadc 1 60 F
# the two 60-sample recorders running at the same time (same host, same
# span). Bytes are the whole file (and its -wal, if any): every one-time
# cost (names, parts, strings, descriptions, shapes, sadc's header)
# included. Recorded values: nbstat's are the sample rows' values
# (`SELECT sum(nvalues) FROM sample`, every leaf of every sample);
# sadc's are the numeric fields `sadf -d FILE -- -A` prints (every
# activity sadc recorded, after hostname, interval and timestamp) per
# interval it prints, times the samples in the file (sadf prints rates
# between samples: none for a file of one sample, which is charged the
# per-sample count of the 60-sample file).
# BASE_BUILD (optional): the same for another build's nbsysctl (the
# figures before a change).
#
# Usage: sudo bench/history_size.sh [BUILD_DIR] [PAIRS] [BASE_BUILD_DIR]
set -euo pipefail
build=${1:-build}
pairs=${2:-500}
base=${3:-}
sadc=/usr/lib/sysstat/sadc
[ "$(id -u)" = 0 ] || { echo "history_size.sh: needs root (ip netns)" >&2; exit 2; }
[ -x "$sadc" ] || { echo "history_size.sh: $sadc missing (scripts/deps --bench)" >&2; exit 1; }
command -v sadf >/dev/null || { echo "history_size.sh: sadf missing (scripts/deps --bench)" >&2; exit 1; }
for b in "$build" ${base:+"$base"}; do
	[ -x "$b/bin/nbsysctl" ] || { echo "history_size.sh: $b/bin/nbsysctl missing (cmake --build --preset default)" >&2; exit 1; }
done
ns=nbh_size_$$
tmp=$(mktemp -d /tmp/history_size.XXXXXX)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0
for ((i = 0; i < pairs; i++)); do
	echo "link add va$i type veth peer name vb$i"
done | ip -n "$ns" -batch -
for ((i = 0; i < pairs; i++)); do
	echo "link set va$i up"; echo "link set vb$i up"
done | ip -n "$ns" -batch -
nif=$(ip -n "$ns" -o link show | wc -l)
# Link-local addresses come after duplicate address detection: wait for them.
for _ in $(seq 100); do
	nll=$(ip -n "$ns" -6 -o addr show scope link | grep -vc tentative || true)
	((nll >= 2 * pairs)) && break
	sleep 0.1
done
sleep 1
leaves=$(ip netns exec "$ns" "$build/bin/nbsysctl" -a 2>/dev/null | wc -l)

fbytes() { cat "$1" "$1-wal" 2>/dev/null | wc -c; }
nb_values() { sqlite3 "$1" 'SELECT sum(nvalues) FROM sample'; }
# sadc_per_sample FILE: numeric fields sadf prints per interval (rates need two samples).
sadc_per_sample() {
	sadf -d "$1" -- -A 2>/dev/null | awk -F';' '!/^#/ && NF > 3 {
		t[$3] = 1; for (i = 4; i <= NF; i++) if ($i ~ /^-?[0-9]+([.,][0-9]+)?$/) n++ }
		END { k = 0; for (x in t) k++; print (k > 0 ? int(n / k) : 0) }'
}
row() { # row WHAT FILE_BYTES VALUES
	awk -v w="$1" -v b="$2" -v v="$3" 'BEGIN {
		printf "%-40s %12d %10d %9.3f\n", w, b, v, (v > 0 ? b / v : 0) }'
}

echo "namespace: $nif interfaces (up, IPv6 on), $leaves leaves (nbsysctl -a)"
printf "%-40s %12s %10s %9s\n" "" "BYTES" "VALUES" "B/VALUE"
for b in "$build" ${base:+"$base"}; do
	tag=nbstat; [ "$b" = "$build" ] || tag="nbstat ($b)"
	rm -f "$tmp/one.db"*
	ip netns exec "$ns" "$b/bin/nbsysctl" --record "$tmp/one.db" --interval 1 -c 1 >/dev/null
	row "one sample, $tag" "$(fbytes "$tmp/one.db")" "$(nb_values "$tmp/one.db")"
done
# 60 samples at 1 s: both recorders at once.
rm -f "$tmp/m.db"* "$tmp/sa60"
ip netns exec "$ns" "$sadc" 1 60 "$tmp/sa60" &
sp=$!
ip netns exec "$ns" "$build/bin/nbsysctl" --record "$tmp/m.db" --interval 1 -c 60 >/dev/null
wait "$sp"
per=$(sadc_per_sample "$tmp/sa60")
rm -f "$tmp/sa1"
ip netns exec "$ns" "$sadc" 1 1 "$tmp/sa1"
row "one sample, sadc" "$(stat -c %s "$tmp/sa1")" "$per"
row "60 samples at 1 s, nbstat" "$(fbytes "$tmp/m.db")" "$(nb_values "$tmp/m.db")"
row "60 samples at 1 s, sadc" "$(stat -c %s "$tmp/sa60")" "$((per * 60))"
echo "nbstat's tables in the 60-sample file (bytes, from dbstat):"
sqlite3 "$tmp/m.db" "SELECT '  ' || name || ' ' || sum(pgsize) FROM dbstat GROUP BY name ORDER BY sum(pgsize) DESC" 2>/dev/null ||
	echo "  (the sqlite3 shell has no dbstat)"
