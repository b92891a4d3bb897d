#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# root_fs.bats - --root DIR is a root file system: every mode reads only
# DIR (interfaces from DIR/proc/net/dev and DIR/sys/class/net, never the
# live namespace), a missing file is an error naming it (exit 1, nothing
# on stdout), what needs the running kernel says so, writes are refused.

bats_require_minimum_version 1.5.0
load helpers

# The kernel's /proc/net/dev layout (net/core/net-procfs.c), interfaces
# that this machine does not have.
write_dev() {
	mkdir -p "$1/proc/net"
	cat >"$1/proc/net/dev" <<'EOF'
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    5000      50    0    0    0     0          0         0     5000      50    0    0    0     0       0          0
nbfix0: 123456789  424242    3    5    0     0          0         7 987654321   212121    1    2    0     4       0          0
nbfixture-long1:11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26
EOF
}

# sysfs for lo and nbfix0 (nbfixture-long1 has none), if_inet6 for both.
write_sys() {
	local d="$1/sys/class/net"
	mkdir -p "$d/lo" "$d/nbfix0"
	printf '1\n' >"$d/lo/ifindex"; printf '65536\n' >"$d/lo/mtu"
	printf '0x9\n' >"$d/lo/flags"; printf '00:00:00:00:00:00\n' >"$d/lo/address"
	printf 'unknown\n' >"$d/lo/operstate"
	printf '7\n' >"$d/nbfix0/ifindex"; printf '1280\n' >"$d/nbfix0/mtu"
	printf '0x1002\n' >"$d/nbfix0/flags"; printf '02:ab:cd:00:00:07\n' >"$d/nbfix0/address"
	printf 'down\n' >"$d/nbfix0/operstate"
	cat >"$1/proc/net/if_inet6" <<'EOF'
00000000000000000000000000000001 01 80 10 80       lo
fd000000000000000000000000000007 07 40 00 80   nbfix0
EOF
	# IPv4: 127.0.0.1 in lo's LOCAL /8, 192.0.2.7 in nbfix0's connected
	# /24, 203.0.113.9 on no route (left out, counted in the note)
	local t
	t=$(cat <<'EOF'
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
        |-- 127.255.255.255
           /32 link BROADCAST
     +-- 192.0.2.0/24 2 0 2
        +-- 192.0.2.0/29 2 0 2
           |-- 192.0.2.0
              /24 link UNICAST
           |-- 192.0.2.7
              /32 host LOCAL
        |-- 192.0.2.255
           /32 link BROADCAST
     |-- 203.0.113.9
        /32 host LOCAL
EOF
)
	printf 'Main:\n%s\nLocal:\n%s\n' "$t" "$t" >"$1/proc/net/fib_trie"
	printf 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n' \
	    >"$1/proc/net/route"
	printf 'nbfix0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n' >>"$1/proc/net/route"
	printf 'nbfix0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n' >>"$1/proc/net/route"
}

setup() {
	R="$BATS_TEST_TMPDIR/root"
	write_dev "$R"
}

@test "nbnetstat -i --root: the interfaces of DIR/proc/net/dev, not the live ones; one note" {
	run --separate-stderr nbnetstat -i --root "$R"
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_line --index 1 --regexp '^lo +- +<Link> +50 +0 +50 +0 +0$'
	assert_line --index 2 --regexp '^nbfix0 +- +<Link> +424242 +3 +212121 +1 +4$'
	assert_line --index 3 --regexp '^nbfixture-long1 +- +<Link> +12 +13 +20 +21 +24$'
	# one note, naming the first absent file
	assert_equal "$(wc -l <<<"$stderr")" 1
	assert_regex "$stderr" "^nbnetstat: note: $R/sys/class/net/lo/ifindex and [0-9]+ more files: absent"
	run -0 nbnetstat -i -b -d --root "$R"
	assert_line --index 2 --regexp '^nbfix0 +- +<Link> +123456789 +5 +987654321 +2$'
}

@test "nbnetstat -i -j --root: schema-valid; unknown index, flags and mtu are absent, not 0" {
	nbnetstat -i -j --root "$R" >"$BATS_TEST_TMPDIR/i.json" 2>/dev/null
	run -0 validate_json nbnetstat-i.schema.json "$BATS_TEST_TMPDIR/i.json"
	run -0 /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["interfaces"]
assert [i["name"] for i in d] == ["lo", "nbfix0", "nbfixture-long1"], d
f = d[1]
assert not ({"mtu", "index", "flags", "up", "lladdr", "operstate"} & set(f)), f
s = f["stats"]
assert (s["ibytes"], s["ipackets"], s["ierrors"], s["iqdrops"], s["imcasts"]) == (123456789, 424242, 3, 5, 7), s
assert (s["obytes"], s["opackets"], s["oerrors"], s["oqdrops"], s["collisions"]) == (987654321, 212121, 1, 2, 4), s
assert "noproto" not in s and "omcasts" not in s, s
print("ok")' "$BATS_TEST_TMPDIR/i.json"
	assert_output ok
}

@test "nbnetstat -i --root with sys/class/net: mtu, flags, address, state and IPv6 addresses" {
	write_sys "$R"
	run --separate-stderr nbnetstat -i --root "$R"
	assert_success
	assert_line --index 1 --regexp '^lo +65536 +<Link> +00:00:00:00:00:00 +50 +0 +50 +0 +0$'
	assert_line --index 2 --regexp '^lo +65536 +127\.0\.0\.0/8 +127\.0\.0\.1 +50 '
	assert_line --index 3 --regexp '^lo +65536 +::1/128 +::1 +50 '
	assert_line --index 4 --regexp '^nbfix0\* +1280 +<Link> +02:ab:cd:00:00:07 +424242 '
	assert_line --index 5 --regexp '^nbfix0\* +1280 +192\.0\.2\.0/24 +192\.0\.2\.7 +424242 '
	assert_line --index 6 --regexp '^nbfix0\* +1280 +fd00::/64 +fd00::7 +424242 '
	assert_line --index 7 --regexp '^nbfixture-long1 +- +<Link> +12 '
	assert_equal "${#lines[@]}" 8
	assert_regex "$stderr" "^nbnetstat: note: .*[:;] 1 IPv4 address of proc/net/fib_trie on no interface that proc/net/route tells: left out\$"
	run -0 --separate-stderr nbsysctl --root "$R" -n net.interfaces.nbfix0.index net.interfaces.nbfix0.flags \
	    net.interfaces.nbfix0.operstate net.interfaces.nbfix0.addrs.1.scope \
	    net.interfaces.nbfix0.addrs.0.prefixlen
	assert_output "7
4098
down
global
24"
	# an IPv4 address's broadcast, scope and flags are not in those files: absent
	run -0 --separate-stderr nbsysctl --root "$R" net.interfaces.nbfix0.addrs.0
	assert_output "net.interfaces.nbfix0.addrs.0.family = inet
net.interfaces.nbfix0.addrs.0.address = 192.0.2.7
net.interfaces.nbfix0.addrs.0.prefixlen = 24"
	run -1 --separate-stderr nbsysctl --root "$R" net.interfaces.nbfixture-long1.mtu
	nbnetstat -i -j --root "$R" >"$BATS_TEST_TMPDIR/i.json" 2>/dev/null
	run -0 validate_json nbnetstat-i.schema.json "$BATS_TEST_TMPDIR/i.json"
}

@test "a malformed proc/net/dev or sysfs file is an error naming it; nothing on stdout" {
	sed -i 's/424242/42x242/' "$R/proc/net/dev"
	run --separate-stderr nbnetstat -i --root "$R"
	assert_failure 1
	assert_output ""
	assert_regex "$stderr" "$R/proc/net/dev: line 4: value 2: '42x242' is not a count"
	write_dev "$R"
	write_sys "$R"
	printf 'big\n' >"$R/sys/class/net/nbfix0/mtu"
	run --separate-stderr nbnetstat -i --root "$R"
	assert_failure 1
	assert_output ""
	assert_regex "$stderr" "$R/sys/class/net/nbfix0/mtu: 'big' is not a number"
}

@test "nbnetstat -s with proc/net/snmp missing: exit 1 naming the file, nothing on stdout" {
	run --separate-stderr nbnetstat -s --root "$R"
	assert_failure 1
	assert_output ""
	assert_regex "$stderr" "$R/proc/net/snmp: No such file or directory"
	run --separate-stderr nbnetstat -s -j --root "$R"
	assert_failure 1
	assert_output ""
	run --separate-stderr nbnetstat -P --root "$R"
	assert_failure 1
	assert_regex "$stderr" "$R/proc/net/softnet_stat: No such file or directory"
}

@test "--root /nonexistent: every mode exits 1 naming what is missing" {
	local m
	for m in -s -i -P; do
		run --separate-stderr nbnetstat "$m" --root /nonexistent
		assert_failure 1
		assert_output ""
		assert_regex "$stderr" "/nonexistent/proc/net/"
	done
	run --separate-stderr nbnetstat -s -j --root /nonexistent
	assert_failure 1
	assert_output ""
}

@test "modes that need the running kernel say so under --root and exit 1" {
	run --separate-stderr nbnetstat -r --root "$R"
	assert_failure 1
	assert_output ""
	assert_regex "$stderr" "routes and neighbours come from the running kernel"
	run --separate-stderr nbnetstat -B --root "$R"
	assert_failure 1
	assert_regex "$stderr" "capture peers come from the running kernel"
}

@test "nbsysctl -w is refused with --root, \$NBSTAT_ROOT and --replay; nothing is written" {
	local mtu
	mtu=$(cat /sys/class/net/lo/mtu)
	# the value lo has already: even the old code changed nothing here
	run --separate-stderr nbsysctl -w "net.interfaces.lo.mtu=$mtu" --root "$R"
	assert_failure 2
	assert_regex "$stderr" "^nbsysctl: -w writes to the running kernel: not with --root"
	run --separate-stderr env NBSTAT_ROOT="$R" "$NB_BIN/nbsysctl" -w "net.interfaces.lo.mtu=$mtu"
	assert_failure 2
	run --separate-stderr nbsysctl -w "net.interfaces.lo.mtu=$mtu" --replay "$BATS_TEST_TMPDIR/none.db"
	assert_failure 2
	assert_regex "$stderr" "not with --replay"
	assert_equal "$(cat /sys/class/net/lo/mtu)" "$mtu"
}
