#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# nstat.bats - the procfs subtrees against iproute2's nstat: in a fresh
# namespace with a little UDP/ICMP traffic on its loopback, every counter of
# `nstat -asz --json` must equal the tree's leaf of the same name
# (TcpExtTCPPureAcks -> net.inet.tcpext.stats.tcppureacks, Ip6InReceives ->
# net.inet6.ip6.stats.inreceives); plus exact values and errors on fixture
# roots (kern.*, a malformed /proc/net/snmp).

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	command -v nstat >/dev/null || skip "no nstat (iproute2)"
	netns_cleanup
	NS=$(netns_create nstat) || return 1
	export NS
	# Traffic on the namespace's loopback only: UDP v4/v6 delivered, and
	# UDP to a closed port (9), which the kernel answers with ICMP/ICMPv6
	# port unreachable (no rate limit on loopback).
	netns_udp_send "$NS" 127.0.0.1 127.0.0.1 17 200 || return 1
	ip netns exec "$NS" /usr/bin/python3 -c '
import socket
for fam, lo in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    r = socket.socket(fam, socket.SOCK_DGRAM)
    r.bind((lo, 0))
    for _ in range(5):
        s.sendto(b"y" * 64, r.getsockname()[:2])
    for _ in range(5):
        r.recv(100)
    for _ in range(3):
        s.sendto(b"z", (lo, 9))
' || return 1
}

teardown_file() {
	netns_cleanup
}

# nstat_json OUT: absolute counters, zeros included, history not updated.
nstat_json() {
	NSTAT_HISTORY="$BATS_TEST_TMPDIR/nstat.hist" ip netns exec "$NS" nstat -asz --json >"$1"
}

@test "every nstat counter equals its net.inet / net.inet6 leaf" {
	local try d="$BATS_TEST_TMPDIR"
	# Headers of the namespace's own files give the Group/Field split.
	ip netns exec "$NS" cat /proc/net/snmp /proc/net/netstat >"$d/headers"
	for ((try = 0; try < 10; try++)); do
		nstat_json "$d/n1"
		ip netns exec "$NS" "$NB_BIN/nbsysctl" -j net.inet net.inet6 >"$d/tree"
		nstat_json "$d/n2"
		# A quiet moment: nstat read the same before and after the tree.
		cmp -s "$d/n1" "$d/n2" && break
		sleep 0.2
	done
	[ "$try" -lt 10 ] || { echo "counters never quiet"; return 1; }
	run /usr/bin/python3 - "$d/headers" "$d/n1" "$d/tree" <<'PY'
import json, re, sys
hdr, nst, tree = sys.argv[1:4]
# nstat name -> tree path, from the header lines ("Group: F1 F2 ..." pairs).
names = {}
lines = open(hdr).read().splitlines()
for i in range(0, len(lines) - 1, 2):
    h = lines[i].split()
    g = h[0].rstrip(":")
    for f in h[1:]:
        names[g + f] = ("inet", g.lower(), f.lower())
def path(k):
    if k in names:
        return names[k]
    m = re.match(r"^([A-Za-z]+6)(.+)$", k)          # snmp6: <Group6><Field>
    if not m:
        return None
    g, f = m.group(1), m.group(2)
    if g == "Icmp6" and re.match(r"^(In|Out)Type\d+$", f):
        g = "Icmp6Msg"
    return ("inet6", g.lower(), f.lower())
kern = json.load(open(nst))["kernel"]
t = json.load(open(tree))["net"]
n = 0
for k, v in kern.items():
    p = path(k)
    if p is None:
        print("no mapping for nstat counter %s" % k); sys.exit(1)
    try:
        got = t[p[0]][p[1]]["stats"][p[2]]
    except KeyError:
        print("mismatch: %s = %s in nstat, net.%s.%s.stats.%s absent" % ((k, v) + p)); sys.exit(1)
    if got != v:
        print("mismatch: %s = %s in nstat, net.%s.%s.stats.%s = %s" % ((k, v) + p + (got,))); sys.exit(1)
    n += 1
print("equal: %d counters" % n)
PY
	echo "$output"
	assert_success
	assert_output --regexp '^equal: [0-9]+ counters$'
	# The traffic was seen: not a comparison of zeros.
	run /usr/bin/python3 -c '
import json, sys
k = json.load(open(sys.argv[1]))["kernel"]
print(k["UdpNoPorts"] >= 17, k["IcmpOutDestUnreachs"] >= 17, k["Udp6InDatagrams"] >= 5,
      k["Icmp6OutDestUnreachs"] >= 3)' "$d/n1"
	assert_output "True True True True"
}

@test "kern.* identity and counters from a fixture root" {
	run nbsysctl --root "$NB_SRC/tests/fixtures/good" kern.hostname kern.ostype \
	    kern.osrelease kern.ncpu kern.boottime kern.ctxt kern.forks kern.intr.total \
	    kern.procs_running kern.cp_time.1.idle net.softnet.1.processed \
	    net.inet.tcp.stats.activeopens net.inet6.udp6.stats.indatagrams vm.meminfo.memtotal
	assert_success
	assert_output "kern.hostname = nbstat-fixture
kern.ostype = Linux
kern.osrelease = 6.18.44-fc-v669
kern.ncpu = 2
kern.boottime = 1795314731
kern.ctxt = 2125868
kern.forks = 72073
kern.intr.total = 1155182
kern.procs_running = 8
kern.cp_time.1.idle = 130702
net.softnet.1.processed = 134856
net.inet.tcp.stats.activeopens = 13
net.inet6.udp6.stats.indatagrams = 42
vm.meminfo.memtotal = 25276502016"
	run -0 env NBSTAT_ROOT="$NB_SRC/tests/fixtures/good" "$NB_BIN/nbsysctl" -n kern.hostname
	assert_output "nbstat-fixture"
}

@test "a malformed /proc/net/snmp is an error naming file and line" {
	local root="$NB_SRC/tests/fixtures/bad-count"
	run -1 --separate-stderr nbsysctl --root "$root" net.inet.udp
	assert_output ""
	[[ "$stderr" == "nbsysctl: net.inet.udp: "*"$root/proc/net/snmp: line 10: 8 values for 9 fields of Udp"* ]] ||
	    { echo "stderr: $stderr"; return 1; }
	run -1 --separate-stderr nbsysctl --root "$NB_SRC/tests/fixtures/bad-softnet" net.softnet
	[[ "$stderr" == *"/bad-softnet/proc/net/softnet_stat: line 2: 9 columns"* ]] ||
	    { echo "stderr: $stderr"; return 1; }
	run -1 --separate-stderr nbsysctl --root "$NB_SRC/tests/fixtures/bad-missing" net.inet
	[[ "$stderr" == *"/bad-missing/proc/net/snmp: No such file or directory"* ]] ||
	    { echo "stderr: $stderr"; return 1; }
}
