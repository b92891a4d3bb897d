# SPDX-License-Identifier: BSD-2-Clause
# netns.bash - private network namespaces for tests. Every namespace made
# here is named nbt-<pid>-<tag> and deleted by netns_cleanup, which bats
# files call from teardown/teardown_file (so it runs when a test fails).
# Traffic is only ever sent between veth ends inside namespaces we made.

NB_NETNS_LIST=()

# netns_create TAG: make namespace nbt-$$-TAG with lo up; prints its name.
netns_create() {
	local ns="nbt-$$-$1"
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	echo "$ns"
}

# netns_quiet NS...: no IPv6 in the namespaces, so no autoconf, DAD or MLD
# traffic moves the counters a test compares.
netns_quiet() {
	local ns
	for ns in "$@"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
}

# netns_cleanup: delete every nbt-<our pid>-* namespace (and stale ones of
# dead test runs). Fails only when one of ours is left: a stale namespace
# that another run's cleanup deletes first is not an error (test runs on
# one machine clean up at once).
netns_cleanup() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '/^nbt-/{print $1}'); do
		pid=${ns#nbt-}; pid=${pid%%-*}
		if [ "$pid" = "$$" ] || ! kill -0 "$pid" 2>/dev/null; then
			ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
			ip netns del "$ns" 2>/dev/null
		fi
	done
	! ip netns list 2>/dev/null | awk '{print $1}' | grep -q "^nbt-$$-"
}

# netns_veth_pairs NS N [PREFIX]: N veth pairs PREFIX{i}a/PREFIX{i}b, up,
# with 198.18.x.y/31 on each end (i < 16384), using ip -batch.
netns_veth_pairs() {
	local ns=$1 n=$2 p=${3:-v} i b=$(mktemp)
	for ((i = 0; i < n; i++)); do
		echo "link add ${p}${i}a type veth peer name ${p}${i}b"
	done >"$b"
	ip -n "$ns" -batch "$b" || { rm -f "$b"; return 1; }
	for ((i = 0; i < n; i++)); do
		echo "link set ${p}${i}a up"; echo "link set ${p}${i}b up"
	done >"$b"
	ip -n "$ns" -batch "$b" || { rm -f "$b"; return 1; }
	for ((i = 0; i < n; i++)); do
		echo "addr add 198.18.$((i / 128)).$(((i % 128) * 2))/31 dev ${p}${i}a"
		echo "addr add 198.18.$((i / 128)).$(((i % 128) * 2 + 1))/31 dev ${p}${i}b"
	done >"$b"
	ip -n "$ns" -batch "$b"; local rc=$?
	rm -f "$b"
	return $rc
}

# netns_pair NS1 NS2 IF1 IF2 ADDR1/LEN ADDR2/LEN: a veth pair across two
# namespaces (traffic between them crosses the veth, not lo).
netns_pair() {
	ip link add "$3" netns "$1" type veth peer name "$4" netns "$2" || return 1
	ip -n "$1" addr add "$5" dev "$3"
	ip -n "$2" addr add "$6" dev "$4"
	ip -n "$1" link set "$3" up
	ip -n "$2" link set "$4" up
}

# netns_udp_send NS SRC DST COUNT [SIZE]: send COUNT UDP datagrams from SRC
# to DST:9 inside NS (python3; bound to SRC so it leaves on the right link).
netns_udp_send() {
	ip netns exec "$1" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
buf = b"x" * int(sys.argv[4])
for _ in range(int(sys.argv[3])):
    s.sendto(buf, (sys.argv[2], 9))
' "$2" "$3" "$4" "${5:-100}"
}
