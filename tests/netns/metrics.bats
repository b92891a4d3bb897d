#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# metrics.bats - nbstatd --http in a quiet namespace of its own (a veth
# pair to a second one, the HTTP service on loopback): promtool finds no
# problem in /metrics but node_exporter's own camelCase names; OpenMetrics
# when the Accept header asks for it; the counters equal ip -s -j link; a
# real Prometheus scraping it every second answers a PromQL query of an
# interface's packet counter with ip -s -j link's value; /tree/NAME is
# nbsysctl -j NAME; unknown paths 404, other methods 405; a label value is
# escaped; the http key of the file, and SIGHUP logging its change as
# restart-only.

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

PORT=19171
PPORT=19172

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	command -v promtool >/dev/null || skip "no promtool (Debian package prometheus)"
	netns_cleanup
	NS=$(netns_create m) || return 1
	NS2=$(netns_create n) || return 1
	netns_quiet "$NS" "$NS2" || return 1
	netns_pair "$NS" "$NS2" mv0 mpeer0 10.78.0.1/24 10.78.0.2/24 || return 1
	# Permanent neighbours: no ARP moves the counters after the traffic a test sends.
	ip -n "$NS" neigh replace 10.78.0.2 dev mv0 nud permanent \
	    lladdr "$(ip -n "$NS2" -j link show mpeer0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')" || return 1
	ip -n "$NS2" neigh replace 10.78.0.1 dev mpeer0 nud permanent \
	    lladdr "$(ip -n "$NS" -j link show mv0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')" || return 1
	export NS NS2
}

teardown_file() {
	netns_cleanup
}

setup() {
	D="$BATS_TEST_TMPDIR"
	SD=$(mktemp -d /tmp/nbstatd-m.XXXXXX)
	S="$SD/s.sock"
	DPID=
	PPID_=
}

teardown() {
	if [ -n "$PPID_" ]; then
		kill -TERM "$PPID_" 2>/dev/null
		wait "$PPID_" 2>/dev/null || true
	fi
	if [ -n "$DPID" ]; then
		kill -TERM "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null || true
	fi
	rm -rf "$SD"
}

inns() { ip netns exec "$NS" "$@"; }

# start ARGS...: nbstatd in the namespace with --http on loopback; waits until it serves.
start() {
	ip netns exec "$NS" "$NB_BIN/nbstatd" --config /dev/null -S "$S" "$@" 2>"$D/d.log" 3>&- &
	DPID=$!
	for _ in $(seq 200); do grep -q "notice: serving linux" "$D/d.log" && return 0; sleep 0.1; done
	cat "$D/d.log" >&2
	return 1
}

stop() {
	kill -TERM "$DPID"
	rc=0
	wait "$DPID" || rc=$?
	DPID=
	[ "$rc" -eq 0 ] || { echo "nbstatd exit $rc"; cat "$D/d.log"; false; }
}

# get PATH [CURL ARGS...]: the body, headers in $D/h.txt.
get() {
	local p=$1
	shift
	inns curl -sS -D "$D/h.txt" "$@" "http://127.0.0.1:$PORT$p"
}

# kernel IF FIELD: ip -s -j link's stats64 counter (rx.packets ...).
kernel() {
	inns ip -s -j link show "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['stats64']['${2%%.*}']['${2#*.}'])"
}

# promql QUERY: the value of the query's first series now, or "".
promql() {
	inns curl -sS -G "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" 2>/dev/null |
	    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null
}

# sample FILE NAME{LABELS}: the value of one sample line.
sample_of() {
	awk -v k="$2" 'index($0, k " ") == 1 { print $2 }' "$1"
}

@test "/metrics: promtool finds nothing but node_exporter's own camelCase names; every family has HELP and TYPE" {
	start --http "127.0.0.1:$PORT"
	netns_udp_send "$NS" 10.78.0.1 10.78.0.2 25
	get /metrics >"$D/m.txt"
	grep -qi '^Content-Type: text/plain; version=0.0.4' "$D/h.txt"
	run promtool check metrics <"$D/m.txt"
	# exit 3: lint problems only; they must all be camelCase of node_ names.
	[ "$status" -eq 0 ] || [ "$status" -eq 3 ]
	bad=$(printf '%s\n' "$output" | grep -v '^$' | grep -v '^node_[A-Za-z0-9_]* metric names should be written in .snake_case. not .camelCase.$' || true)
	[ -z "$bad" ] || { echo "$bad"; false; }
	! printf '%s\n' "$output" | grep -q '^nbstat_'
	# The families of the mapping are there, typed as node_exporter types them.
	grep -qx '# TYPE node_network_receive_packets_total counter' "$D/m.txt"
	grep -qx '# TYPE node_network_transmit_bytes_total counter' "$D/m.txt"
	grep -qx '# TYPE node_network_up gauge' "$D/m.txt"
	grep -qx '# TYPE node_netstat_Tcp_ActiveOpens untyped' "$D/m.txt"
	grep -qx '# TYPE node_netstat_Udp_InDatagrams untyped' "$D/m.txt"
	grep -qx '# TYPE node_cpu_seconds_total counter' "$D/m.txt"
	grep -qx '# TYPE node_softnet_processed_total counter' "$D/m.txt"
	grep -qx '# TYPE node_memory_MemTotal_bytes gauge' "$D/m.txt"
	grep -qx '# TYPE node_vmstat_pgfault untyped' "$D/m.txt"
	grep -q '^node_cpu_seconds_total{cpu="0",mode="idle"} ' "$D/m.txt"
	grep -q '^node_softnet_processed_total{cpu="0"} ' "$D/m.txt"
	grep -q '^# HELP node_netstat_Tcp_ActiveOpens Tcp: ActiveOpens' "$D/m.txt"
	# Every sample's family has HELP and TYPE, once, before its samples.
	python3 - "$D/m.txt" <<'PY'
import re, sys
helped, typed, seen = set(), {}, []
for l in open(sys.argv[1]):
    l = l.rstrip("\n")
    if l.startswith("# HELP "):
        n = l.split()[2]; assert n not in helped, l; helped.add(n)
    elif l.startswith("# TYPE "):
        n, t = l.split()[2:4]; assert n not in typed, l; typed[n] = t; seen.append(n)
    else:
        n = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", l).group(0)
        assert n == seen[-1] and n in helped, l
PY
	# The UDP datagrams sent are in the counters, as the kernel counts them.
	k=$(kernel mv0 tx.packets)
	[ "$k" -ge 25 ]
	[ "$(sample_of "$D/m.txt" 'node_network_transmit_packets_total{device="mv0"}')" = "$k" ]
	[ "$(sample_of "$D/m.txt" 'node_network_transmit_bytes_total{device="mv0"}')" = "$(kernel mv0 tx.bytes)" ]
	[ "$(sample_of "$D/m.txt" 'node_network_receive_packets_total{device="mv0"}')" = "$(kernel mv0 rx.packets)" ]
	[ "$(sample_of "$D/m.txt" 'node_network_up{device="mv0"}')" = 1 ]
	[ "$(sample_of "$D/m.txt" 'node_network_mtu_bytes{device="mv0"}')" = 1500 ]
	# A scrape reads counters as fresh as a socket read: more sent now shows now.
	netns_udp_send "$NS" 10.78.0.1 10.78.0.2 5
	get /metrics >"$D/m2.txt"
	[ "$(sample_of "$D/m2.txt" 'node_network_transmit_packets_total{device="mv0"}')" = "$(kernel mv0 tx.packets)" ]
	stop
}

@test "OpenMetrics when the Accept header asks: # EOF, counter families without _total" {
	start --http "127.0.0.1:$PORT"
	get /metrics -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' >"$D/om.txt"
	grep -qi '^Content-Type: application/openmetrics-text; version=1.0.0' "$D/h.txt"
	[ "$(tail -n 1 "$D/om.txt")" = "# EOF" ]
	grep -qx '# TYPE node_network_receive_packets counter' "$D/om.txt"
	grep -q '^node_network_receive_packets_total{device="mv0"} ' "$D/om.txt"
	grep -qx '# TYPE node_netstat_Tcp_ActiveOpens unknown' "$D/om.txt"
	! grep -q '^# TYPE [^ ]*_total counter' "$D/om.txt"
	# promtool reads 0.0.4 only: the reference client's strict OpenMetrics
	# parser (Debian python3-prometheus-client) takes the whole body.
	/usr/bin/python3 - "$D/om.txt" <<'PY'
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
f = fams["node_network_receive_packets"]
assert f.type == "counter", f.type
assert any(s.name == "node_network_receive_packets_total" and s.labels == {"device": "mv0"} for s in f.samples)
assert fams["node_cpu_seconds"].type == "counter"
assert fams["node_netstat_Tcp_ActiveOpens"].type == "unknown"
assert fams["node_memory_MemTotal_bytes"].type == "gauge"
PY
	# Without the header: 0.0.4, no EOF.
	get /metrics >"$D/p.txt"
	grep -qi '^Content-Type: text/plain; version=0.0.4' "$D/h.txt"
	! grep -q '^# EOF' "$D/p.txt"
	grep -qx '# TYPE node_network_receive_packets_total counter' "$D/p.txt"
	stop
}

@test "a real Prometheus scraping every second: a PromQL query of a packet counter equals ip -s -j link" {
	command -v prometheus >/dev/null || skip "no prometheus (Debian package prometheus)"
	start --http "127.0.0.1:$PORT"
	netns_udp_send "$NS" 10.78.0.1 10.78.0.2 41
	cat >"$D/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: nbstatd
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOF
	ip netns exec "$NS" prometheus --config.file="$D/prometheus.yml" --storage.tsdb.path="$D/tsdb" \
	    --web.listen-address="127.0.0.1:$PPORT" >"$D/p.log" 2>&1 3>&- &
	PPID_=$!
	# The quiet moment: nothing moves mv0 (scrapes go over lo, the
	# neighbours are permanent); the kernel's value read before and after
	# the query, the same.
	q='node_network_transmit_packets_total{device="mv0",job="nbstatd"}'
	for _ in $(seq 150); do
		k=$(kernel mv0 tx.packets)
		v=$(promql "$q") || true
		[ -n "$v" ] && [ "$(kernel mv0 tx.packets)" = "$k" ] && break
		sleep 0.2
	done
	[ "$k" -ge 41 ]
	[ "$v" = "$k" ] || { echo "PromQL $v, kernel $k"; tail -5 "$D/p.log"; false; }
	r=$(kernel mv0 rx.packets)
	q='sum by (instance) (node_network_receive_packets_total{device="mv0"})'
	[ "$(promql "$q")" = "$r" ]
	# The target is up, and the scrape had no error.
	v=$(inns curl -sS -G "http://127.0.0.1:$PPORT/api/v1/targets" |
	    python3 -c 'import json,sys; t=json.load(sys.stdin)["data"]["activeTargets"][0]; print(t["health"], t["lastError"] or "-")')
	[ "$v" = "up -" ]
	stop
}

@test "/tree/NAME is nbsysctl -j NAME; unknown names and paths 404, other methods 405, HEAD has no body" {
	start --http "127.0.0.1:$PORT"
	for name in net.interfaces.mv0 net.interfaces.mv0.mtu net.inet.udp kern.ncpu; do
		get "/tree/$name" >"$D/t.json"
		grep -qi '^Content-Type: application/json' "$D/h.txt"
		inns "$NB_BIN/nbsysctl" -j "$name" >"$D/n.json"
		# Counters of a quiet namespace: the same document, byte for byte.
		diff "$D/n.json" "$D/t.json"
	done
	run get /tree/net.interfaces.nosuch -o /dev/null -w '%{http_code}'
	[ "$output" = 404 ]
	run get /tree/ -o /dev/null -w '%{http_code}'
	[ "$output" = 404 ]
	run get /nothing -o /dev/null -w '%{http_code}'
	[ "$output" = 404 ]
	run get '/tree/net..bad' -o /dev/null -w '%{http_code}'
	[ "$output" = 400 ]
	run get /metrics -X POST -d x=1 -o /dev/null -w '%{http_code}'
	[ "$output" = 405 ]
	grep -qi '^Allow: GET, HEAD' "$D/h.txt"
	run get /metrics -X DELETE -o /dev/null -w '%{http_code}'
	[ "$output" = 405 ]
	run get /metrics -I -o /dev/null -w '%{http_code} %{size_download}'
	[ "$output" = "200 0" ]
	# No process's files over HTTP (no credentials): a process named is
	# refused, a wider name leaves the processes out.
	setpriv --reuid=65534 --regid=65534 --clear-groups sleep 30 &
	sp=$!
	run get "/tree/kern.proc.$sp" -o /dev/null -w '%{http_code}'
	[ "$output" = 403 ]
	run get "/tree/kern.proc.$$.fd" -o /dev/null -w '%{http_code}'
	[ "$output" = 403 ]
	get /tree/kern.proc >"$D/p.json"
	kill "$sp"
	python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["kern"]["proc"]; assert not [k for k in p if k.isdigit()], p' "$D/p.json"
	stop
}

@test "a label value is escaped: interfaces named with a quote and a backslash, and with a byte that is not UTF-8" {
	ip -n "$NS" link add name 'q"x\y' type veth peer name $'v\xffz'
	start --http "127.0.0.1:$PORT"
	get /metrics >"$D/m.txt"
	ip -n "$NS" link del 'q"x\y'
	# The exposition's escapes: \" and \\.
	grep -q '^node_network_mtu_bytes{device="q\\"x\\\\y"} 1500$' "$D/m.txt"
	# The one escaping rule first: the byte as \377 (vis), its backslash escaped.
	grep -q '^node_network_mtu_bytes{device="v\\\\377z"} 1500$' "$D/m.txt"
	run promtool check metrics <"$D/m.txt"
	[ "$status" -eq 0 ] || [ "$status" -eq 3 ]
	stop
}

@test "the http key of the file; a bad address is refused (exit 2); SIGHUP logs a change as restart-only" {
	printf 'http = 127.0.0.1:%s\n' "$PORT" >"$SD/n.conf"
	ip netns exec "$NS" "$NB_BIN/nbstatd" --config "$SD/n.conf" -S "$S" 2>"$D/d.log" 3>&- &
	DPID=$!
	for _ in $(seq 200); do grep -q "notice: serving linux" "$D/d.log" && break; sleep 0.1; done
	get /metrics >"$D/m.txt"
	grep -q '^node_network_up{device="mv0"} 1$' "$D/m.txt"
	printf 'http = 127.0.0.1:%s\n' "$((PORT + 1))" >"$SD/n.conf"
	kill -HUP "$DPID"
	for _ in $(seq 100); do grep -q "http changed: takes effect at restart" "$D/d.log" && break; sleep 0.1; done
	grep -q "warning: http changed: takes effect at restart" "$D/d.log"
	# Still served where it was.
	get /metrics -o /dev/null
	stop
	run -2 "$NB_BIN/nbstatd" --config /dev/null -S "$S" --http 127.0.0.1
	assert_output --partial "http: '127.0.0.1' is not ADDR:PORT"
	run -2 "$NB_BIN/nbstatd" --config /dev/null -S "$S" --http nohost:80
	assert_output --partial "http: 'nohost:80'"
	printf 'http = 10.0.0.1:99999\n' >"$SD/b.conf"
	run -2 "$NB_BIN/nbstatd" --config "$SD/b.conf" -S "$S"
	assert_output --partial "b.conf:1: http:"
	[ ! -e "$S" ]
}
