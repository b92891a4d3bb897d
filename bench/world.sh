# SPDX-License-Identifier: BSD-2-Clause
# world.sh - sourced by the benches that need many interfaces.
#
# world N [TAG]: a fresh namespace nbbench-$$-TAG (TAG defaults to N) with
# N veth pairs, all up, 198.18.x.y/31 on the first ends, IPv6 off; its name
# in $NS (the caller's cleanup deletes it). Batch files go to $TMP.
world() {
	local n=$1 i
	NS=nbbench-$$-${2:-$n}
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	for ((i = 0; i < n; i++)); do
		echo "link add p${i}a type veth peer name p${i}b"
	done >"$TMP/b1"
	for ((i = 0; i < n; i++)); do
		echo "link set p${i}a up"
		echo "link set p${i}b up"
		echo "addr add 198.18.$((i / 128)).$(((i % 128) * 2))/31 dev p${i}a"
	done >"$TMP/b2"
	ip -n "$NS" -batch "$TMP/b1"
	ip -n "$NS" -batch "$TMP/b2"
}
