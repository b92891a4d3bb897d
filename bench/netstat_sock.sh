#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# netstat_sock.sh - the socket list at scale: CONNS loopback TCP connections
# (2 x CONNS sockets) inside a private namespace, held by several holder
# processes (the open-file hard limit here is 20,000 per process), then
# nbnetstat -an -f inet against ss -tan and net-tools netstat -tan, and
# nbnetstat -anv against ss -tanp, alternated in the same run: medians of
# RUNS, the ratios, peak RSS of each, one SUMMARY line.
#
# usage: bench/netstat_sock.sh [CONNS]      (default 50000: 100,000 sockets)
# env:   NB_BIN (default build/bin, the optimised preset), RUNS (default 7),
#        PER (connections per holder, default 9000: 18,000 descriptors)
# Target: nbnetstat -an -f inet <= 1.0 x ss -tan; nbnetstat -anv <= 1.0 x ss -tanp.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NB_BIN=${NB_BIN:-$ROOT/build/bin}
RUNS=${RUNS:-7}
PER=${PER:-9000}
CONNS=${1:-50000}
TMP=$(mktemp -d)
NS="nbbench-$$-sock"
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "netstat_sock.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in ss netstat python3; do
	command -v "$t" >/dev/null || die "$t not installed"
done
if [ ! -x "$NB_BIN/nbnetstat" ]; then
	echo "# building the default (optimised) preset" >&2
	(cd "$ROOT" && cmake --preset default >/dev/null && cmake --build --preset default --target nbnetstat >/dev/null)
fi

ip netns add "$NS"
ip -n "$NS" link set lo up
# Ephemeral ports below the holders' listeners (61000 + h): a listener
# port taken by an earlier holder's connection failed the bind now and then.
ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="1024 60999"
ip netns exec "$NS" sysctl -qw net.core.somaxconn=65535

# One holder: a listener on 127.0.0.1:PORT and N connections to it, both
# ends open in this process; READY-file when done, then it sleeps.
cat >"$TMP/holder.py" <<'PY'
import os, resource, socket, sys, time
port, n, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", port))
l.listen(65535)
keep = [l]
for i in range(n):
    c = socket.create_connection(("127.0.0.1", port))
    a, _ = l.accept()
    keep += [c, a]
open(ready, "w").close()
time.sleep(3600)
PY
left=$CONNS
h=0
while ((left > 0)); do
	n=$((left < PER ? left : PER))
	ip netns exec "$NS" python3 "$TMP/holder.py" $((61000 + h)) "$n" "$TMP/ready.$h" &
	PIDS+=($!)
	left=$((left - n))
	h=$((h + 1))
done
for ((i = 0; i < 600; i++)); do
	[ "$(ls "$TMP" | grep -c '^ready\.')" -eq "$h" ] && break
	sleep 0.5
done
[ "$(ls "$TMP" | grep -c '^ready\.')" -eq "$h" ] || die "the holders did not get ready"
total=$(ip netns exec "$NS" ss -Htan | wc -l)
echo "# $CONNS connections in $h holders: $total TCP sockets in $NS"

python3 - "$NS" "$NB_BIN" "$RUNS" <<'PY'
import resource, statistics, subprocess, sys, time
ns, b, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
cmds = {
    "nbnetstat -an -f inet": [b + "/nbnetstat", "-an", "-f", "inet"],
    "ss -tan": ["ss", "-tan"],
    "netstat -tan": ["netstat", "-tan"],
    "nbnetstat -anv": [b + "/nbnetstat", "-anv"],
    "ss -tanp": ["ss", "-tanp"],
}
times = {k: [] for k in cmds}
rss = {k: 0 for k in cmds}
def run(c):
    t = time.perf_counter()
    p = subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/time", "-f", "%M", *c],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, err = p.communicate()
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"{c}: exit {p.returncode}: {err.strip()[-200:]}")
    return dt, int(err.strip().splitlines()[-1])
for _ in range(runs):
    for k, c in cmds.items():
        dt, m = run(c)
        times[k].append(dt)
        rss[k] = max(rss[k], m)
med = {k: statistics.median(v) * 1000 for k, v in times.items()}
for k in cmds:
    print(f"{k:24s} {med[k]:8.1f} ms  max RSS {rss[k] / 1024:7.1f} MiB")
r1 = statistics.median(x / y for x, y in zip(times["nbnetstat -an -f inet"], times["ss -tan"]))
r2 = statistics.median(x / y for x, y in zip(times["nbnetstat -an -f inet"], times["netstat -tan"]))
r3 = statistics.median(x / y for x, y in zip(times["nbnetstat -anv"], times["ss -tanp"]))
print(f"SUMMARY nbnetstat -an -f inet / ss -tan = {r1:.2f} (goal <= 1.0); / netstat -tan = {r2:.2f}; "
      f"nbnetstat -anv / ss -tanp = {r3:.2f} (goal <= 1.0)")
PY
