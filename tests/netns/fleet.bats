#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# fleet.bats - three nbstatd, each in a namespace of its own with
# `--http 10.79.N.2:9101`, scraped over veth pairs by one Prometheus in a
# fourth namespace running docs/fleet/prometheus.yml as it is. In each host
# namespace a veth pair d0a/d0b carries a different number of packets and
# nothing else (permanent neighbours, no IPv6, the scrapes cross another
# link); `sum by (instance)` of its counters equals that namespace's
# ip -s -j link total.

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	command -v prometheus >/dev/null || skip "no prometheus (Debian package prometheus)"
	netns_cleanup
	P=$(netns_create p) || return 1
	netns_quiet "$P" || return 1
	H=()
	for i in 1 2 3; do
		h=$(netns_create "h$i") || return 1
		netns_quiet "$h" || return 1
		# The scrape link: 10.79.i.1 (Prometheus) - 10.79.i.2 (nbstatd).
		netns_pair "$P" "$h" "s$i" sh0 "10.79.$i.1/24" "10.79.$i.2/24" || return 1
		# The data link, in the host: d0a -> d0b, a route and a permanent
		# neighbour so UDP to 10.81.0.5 leaves on d0a with no ARP.
		ip -n "$h" link add d0a type veth peer name d0b || return 1
		ip -n "$h" link set d0a up
		ip -n "$h" link set d0b up
		ip -n "$h" addr add 10.80.0.1/30 dev d0a
		ip -n "$h" route add 10.81.0.0/24 dev d0a
		mac=$(ip -n "$h" -j link show d0b | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
		ip -n "$h" neigh replace 10.81.0.5 dev d0a lladdr "$mac" nud permanent || return 1
		H+=("$h")
	done
	export P H1=${H[0]} H2=${H[1]} H3=${H[2]}
}

teardown_file() {
	netns_cleanup
}

setup() {
	D="$BATS_TEST_TMPDIR"
	PIDS=()
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null || true
	done
}

# total NS: the tx and rx packets of d0a and d0b in NS, summed (ip -s -j link).
total() {
	ip -n "$1" -s -j link | python3 -c '
import json, sys
print(sum(l["stats64"]["tx"]["packets"] + l["stats64"]["rx"]["packets"]
          for l in json.load(sys.stdin) if l["ifname"] in ("d0a", "d0b")))'
}

# promql QUERY: {instance: value} of the query now, as "instance=value" lines, sorted.
promql() {
	ip netns exec "$P" curl -sS -G "http://127.0.0.1:9090/api/v1/query" --data-urlencode "query=$1" 2>/dev/null |
	    python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
for x in sorted(r, key=lambda x: x["metric"]["instance"]):
    print(x["metric"]["instance"] + "=" + x["value"][1])' 2>/dev/null
}

@test "one Prometheus (docs/fleet/prometheus.yml) scrapes three nbstatd: sum by (instance) equals each namespace's ip -s -j link" {
	local i h n
	for i in 1 2 3; do
		h=H$i
		h=${!h}
		ip netns exec "$h" "$NB_BIN/nbstatd" --config /dev/null -S "$D/s$i.sock" \
		    --http "10.79.$i.2:9101" 2>"$D/d$i.log" 3>&- &
		PIDS+=($!)
		# Different traffic in each: 11, 22, 33 datagrams.
		ip netns exec "$h" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[1])):
    s.sendto(b"x" * 64, ("10.81.0.5", 9))' "$((11 * i))"
	done
	for i in 1 2 3; do
		for _ in $(seq 200); do grep -q "notice: serving linux" "$D/d$i.log" && break; sleep 0.1; done
		grep -q "notice: serving linux" "$D/d$i.log"
	done
	promtool check config "$NB_SRC/docs/fleet/prometheus.yml"
	ip netns exec "$P" prometheus --config.file="$NB_SRC/docs/fleet/prometheus.yml" \
	    --storage.tsdb.path="$D/tsdb" --web.listen-address=127.0.0.1:9090 >"$D/p.log" 2>&1 3>&- &
	PIDS+=($!)
	want="10.79.1.2:9101=$(total "$H1")
10.79.2.2:9101=$(total "$H2")
10.79.3.2:9101=$(total "$H3")"
	[ "$(total "$H1")" -ge 11 ] && [ "$(total "$H3")" -ge 33 ]
	q='sum by (instance) (node_network_transmit_packets_total{job="nbstatd",device=~"d0a|d0b"} + node_network_receive_packets_total{job="nbstatd",device=~"d0a|d0b"})'
	got=
	for _ in $(seq 200); do
		got=$(promql "$q") || true
		[ "$got" = "$want" ] && break
		sleep 0.2
	done
	[ "$got" = "$want" ] || { echo "PromQL:"; echo "$got"; echo "ip -s -j link:"; echo "$want"; tail -3 "$D/p.log"; false; }
	# Each target up, its labels from the file, and nbstat_stack_* dropped by its relabelling.
	run promql 'up{job="nbstatd",site="lab"}'
	[ "$output" = "10.79.1.2:9101=1
10.79.2.2:9101=1
10.79.3.2:9101=1" ]
	run promql 'count by (instance) (nbstat_stack_samples_total)'
	[ -z "$output" ]
	run promql 'count by (instance) (nbstat_kern_ncpu)'
	[ "${#lines[@]}" -eq 3 ]
	# Each daemon stops cleanly (exit 0: no sanitizer report) while scraped.
	for i in 0 1 2; do
		kill -TERM "${PIDS[$i]}"
		rc=0
		wait "${PIDS[$i]}" || rc=$?
		[ "$rc" -eq 0 ] || { cat "$D/d$((i + 1)).log"; false; }
	done
	PIDS=("${PIDS[3]}")
}
