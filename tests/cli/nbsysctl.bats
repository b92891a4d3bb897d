#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# nbsysctl.bats - nbsysctl against the real kernel: output forms, JSON and
# its schema, escaped names, writes, errors, the shell and its completion.
# Writes, escapes and traffic happen only in namespaces made here.

bats_require_minimum_version 1.5.0

load helpers
load ../netns/netns

setup() {
	TMUX_SOCK="nbt-$$-${BATS_TEST_NUMBER}"
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
}

teardown() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
	netns_cleanup
}

# ns_sysctl NS ARGS...: nbsysctl inside namespace NS.
ns_sysctl() {
	local ns=$1
	shift
	ip netns exec "$ns" "$NB_BIN/nbsysctl" "$@"
}

# ip_attr NS IF KEY: a field of `ip -j link show`, "" NS = current namespace.
ip_attr() {
	if [ -n "$1" ]; then
		ip -n "$1" -j link show "$2" | jq -r ".[0].$3"
	else
		ip -j link show "$2" | jq -r ".[0].$3"
	fi
}

# tmux_start CMD...: run CMD in a detached 200x50 tmux session; its stderr
# and exit status go to $BATS_TEST_TMPDIR/tty.err and tty.rc.
tmux_start() {
	local d=$BATS_TEST_TMPDIR
	tmux -L "$TMUX_SOCK" new-session -d -s t -x 200 -y 50 \
	    "$* 2>$d/tty.err; echo \$? >$d/tty.rc.tmp; mv $d/tty.rc.tmp $d/tty.rc; sleep 60"
	tmux_wait 'nbsysctl.*>$'
}

# tmux_exited: wait for the command to end; it must exit 0 with a clean
# stderr (sanitizers report there).
tmux_exited() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ -e "$BATS_TEST_TMPDIR/tty.rc" ] && break
		sleep 0.1
	done
	run cat "$BATS_TEST_TMPDIR/tty.rc"
	assert_output "0"
	# (readline rings the terminal bell on stderr for an ambiguous completion)
	run -0 tr -d '\a' <"$BATS_TEST_TMPDIR/tty.err"
	assert_output ""
}

# tmux_wait REGEX: wait up to 10 s for the pane to match.
tmux_wait() {
	local i
	for ((i = 0; i < 100; i++)); do
		if tmux -L "$TMUX_SOCK" capture-pane -p -t t | grep -qE -- "$1"; then
			return 0
		fi
		sleep 0.1
	done
	echo "pane never matched '$1':" >&2
	tmux -L "$TMUX_SOCK" capture-pane -p -t t >&2
	return 1
}

pane() { tmux -L "$TMUX_SOCK" capture-pane -p -t t; }

# ---- reading ----

@test "mtu of lo equals ip link" {
	local mtu
	mtu=$(ip_attr "" lo mtu)
	run --separate-stderr nbsysctl net.interfaces.lo.mtu
	assert_success
	assert_output "net.interfaces.lo.mtu = $mtu"
	[ -z "$stderr" ]
}

@test "-n, -e, -d, -q forms" {
	local mtu d
	mtu=$(ip_attr "" lo mtu)
	run -0 nbsysctl -n net.interfaces.lo.mtu
	assert_output "$mtu"
	run -0 nbsysctl -e net.interfaces.lo.mtu
	assert_output "net.interfaces.lo.mtu=$mtu"
	run -0 nbsysctl -nd net.interfaces.lo.mtu
	d=$output
	[ -n "$d" ]
	[ "$d" != "$mtu" ]
	run -0 nbsysctl -d net.interfaces.lo.mtu
	assert_output "net.interfaces.lo.mtu: $d"
	run -0 nbsysctl -q net.interfaces.lo.mtu
	assert_output ""
	run -1 nbsysctl -q net.interfaces.nosuch0.mtu
	assert_output ""
}

@test "a non-leaf name prints its subtree, every line under it" {
	run -0 nbsysctl net.interfaces.lo
	assert_line "net.interfaces.lo.mtu = $(ip_attr "" lo mtu)"
	assert_line "net.interfaces.lo.txqlen = $(ip_attr "" lo txqlen)"
	assert_line --regexp '^net\.interfaces\.lo\.stats\.ipackets = [0-9]+$'
	run -0 bash -c "'$NB_BIN/nbsysctl' net.interfaces.lo | grep -v '^net\.interfaces\.lo\.' | wc -l"
	assert_output "0"
}

@test "-a prints the whole tree" {
	run -0 nbsysctl -a
	assert_line --regexp '^net\.interfaces\.lo\.stats\.ipackets = [0-9]+$'
	assert_line --regexp '^kern\.hashstat\.[a-z_]+\.size = [0-9]+$'
	assert_line --regexp '^kern\.hashstat\.ifnet_byname\.items = [0-9]+$'
	assert_line "net.interfaces.lo.mtu = $(ip_attr "" lo mtu)"
}

@test "-P: the per-CPU vector sums to the total, which matches ip -s" {
	local ns rx
	ns=$(netns_create pc)
	netns_udp_send "$ns" 127.0.0.1 127.0.0.1 25
	rx=$(ip -n "$ns" -j -s link show lo | jq -r '.[0].stats64.rx.packets')
	run -0 ns_sysctl "$ns" -P net.interfaces.lo.stats.ipackets
	assert_output --regexp '^net\.interfaces\.lo\.stats\.ipackets = [0-9]+ \(cpu0 [0-9]+(, cpu[0-9]+ [0-9]+)*\)$'
	local total vec sum
	total=$(sed -E 's/^.* = ([0-9]+) .*/\1/' <<<"$output")
	vec=$(sed -E 's/^.*\((.*)\)$/\1/; s/cpu[0-9]+ //g; s/,/ /g' <<<"$output")
	sum=0
	for v in $vec; do sum=$((sum + v)); done
	[ "$total" -eq "$sum" ]
	[ "$total" -eq "$rx" ]
	[ "$total" -ge 25 ]
	# Without -P the same leaf is the plain sum.
	run -0 ns_sysctl "$ns" -n net.interfaces.lo.stats.ipackets
	assert_output "$rx"
}

# ---- JSON ----

@test "-j validates against the schema and equals the text value" {
	local f=$BATS_TEST_TMPDIR/out.json
	nbsysctl -j net.interfaces.lo.mtu net.interfaces.lo.txqlen >"$f"
	run -0 validate_json nbsysctl.schema.json "$f"
	assert_output "valid 1"
	run -0 jq -r '.version' "$f"
	assert_output "1"
	run -0 jq -r '.net.interfaces.lo.mtu' "$f"
	assert_output "$(nbsysctl -n net.interfaces.lo.mtu)"
	run -0 jq -r '.net.interfaces.lo.txqlen' "$f"
	assert_output "$(ip_attr "" lo txqlen)"
	# One document: nothing else on stdout.
	run -0 jq -s 'length' "$f"
	assert_output "1"
	run -0 jq -r 'keys_unsorted[0]' "$f"
	assert_output "version"
}

@test "-j -a and --pretty validate; -j -P nests {total, percpu}" {
	local ns f=$BATS_TEST_TMPDIR/all.json
	nbsysctl -j -a >"$f"
	run -0 validate_json nbsysctl.schema.json "$f"
	run -0 jq -r '.kern.hashstat | length > 0' "$f"
	assert_output "true"
	nbsysctl --pretty net.interfaces.lo >"$f"
	run -0 validate_json nbsysctl.schema.json "$f"
	[ "$(wc -l <"$f")" -gt 3 ]
	ns=$(netns_create pj)
	netns_udp_send "$ns" 127.0.0.1 127.0.0.1 7
	ns_sysctl "$ns" -j -P net.interfaces.lo.stats >"$f"
	run -0 validate_json nbsysctl.schema.json "$f"
	run -0 jq -r '.net.interfaces.lo.stats.ipackets | (.percpu | add) == .total and .total >= 7' "$f"
	assert_output "true"
}

@test "-d -j gives descriptions in the tree" {
	local f=$BATS_TEST_TMPDIR/d.json
	nbsysctl -d -j net.interfaces.lo.mtu >"$f"
	run -0 validate_json nbsysctl.schema.json "$f"
	run -0 jq -r '.net.interfaces.lo.mtu' "$f"
	assert_output "$(nbsysctl -nd net.interfaces.lo.mtu)"
}

# ---- escaped names ----

@test "names with '.' and '\\' round-trip (text, JSON, command line)" {
	local ns f=$BATS_TEST_TMPDIR/esc.json
	ns=$(netns_create esc)
	ip -n "$ns" link add 'br.lan' type veth peer name 'a\b'
	ip -n "$ns" link set 'br.lan' mtu 1400
	run -0 ns_sysctl "$ns" net.interfaces
	assert_line 'net.interfaces.br\.lan.mtu = 1400'
	assert_line 'net.interfaces.a\\b.mtu = 1500'
	run -0 ns_sysctl "$ns" -n 'net.interfaces.br\.lan.mtu'
	assert_output "1400"
	run -0 ns_sysctl "$ns" -n 'net.interfaces.a\\b.index'
	assert_output "$(ip_attr "$ns" 'a\b' ifindex)"
	# Every printed name reads back as the value printed with it.
	local name value n=0
	while IFS= read -r line; do
		name=${line%% = *}
		value=${line#* = }
		run -0 ns_sysctl "$ns" -n "$name"
		[ "$output" = "$value" ] || { echo "$name: '$output' != '$value'"; false; }
		n=$((n + 1))
	done < <(ns_sysctl "$ns" net.interfaces | grep -E '\.(mtu|index|operstate|txqlen) = ')
	[ "$n" -eq 12 ]
	ns_sysctl "$ns" -j 'net.interfaces.br\.lan' >"$f"
	run -0 validate_json nbsysctl.schema.json "$f"
	run -0 jq -r '.net.interfaces["br.lan"].mtu' "$f"
	assert_output "1400"
	# Unescaped, "br" is an interface that does not exist.
	run --separate-stderr -1 ns_sysctl "$ns" -n 'net.interfaces.br.lan.mtu'
	assert_output ""
	[ "$stderr" = "nbsysctl: net.interfaces.br.lan.mtu: no such node" ]
}

# ---- bad input ----

@test "unknown node: message, exit 1, empty stdout" {
	run --separate-stderr -1 nbsysctl net.interfaces.nosuch0.mtu
	assert_output ""
	[ "$stderr" = "nbsysctl: net.interfaces.nosuch0.mtu: no such node" ]
	run --separate-stderr -1 nbsysctl -j net.nosuch
	assert_output ""
	[ "$stderr" = "nbsysctl: net.nosuch: no such node" ]
	run --separate-stderr -1 nbsysctl -q net.nosuch
	assert_output ""
	[ -z "$stderr" ]
	# An unescaped '.' inside an interface name is a different path.
	run --separate-stderr -1 nbsysctl 'net.interfaces.l.o.mtu'
	assert_output ""
}

@test "malformed names: invalid name, exit 2, empty stdout" {
	local bad
	for bad in 'net..interfaces' 'net.' 'net.a\b' 'net\' 'net.interfaces\'; do
		run --separate-stderr -2 nbsysctl "$bad"
		assert_output ""
		[ "${stderr%%$'\n'*}" = "nbsysctl: $bad: invalid name" ] || { echo "$bad: $stderr"; false; }
	done
	# -q does not hide usage errors
	run --separate-stderr -2 nbsysctl -q 'net..x'
	[ "${stderr%%$'\n'*}" = "nbsysctl: net..x: invalid name" ]
}

@test "too long or too deep names: exit 2" {
	local long deep
	long="net.$(printf 'a%.0s' {1..1100})"
	run --separate-stderr -2 nbsysctl "$long"
	assert_output ""
	[[ "$stderr" == "nbsysctl: net.aaa"*": name too long"* ]]
	deep=$(printf 'a.%.0s' {1..12})b
	run --separate-stderr -2 nbsysctl "$deep"
	assert_output ""
	[[ "$stderr" == "nbsysctl: $deep: name too long"* ]]
}

@test "usage errors: unknown option, -w without '=', no name" {
	run --separate-stderr -2 nbsysctl -Z net
	assert_output ""
	[[ "$stderr" == "nbsysctl: -Z: unknown option"* ]]
	run --separate-stderr -2 nbsysctl --bogus net
	assert_output ""
	[[ "$stderr" == "nbsysctl: --bogus: unknown option"* ]]
	run --separate-stderr -2 nbsysctl -w net.interfaces.lo.mtu
	assert_output ""
	[[ "$stderr" == "nbsysctl: net.interfaces.lo.mtu: -w needs name=value"* ]]
	run --separate-stderr -2 nbsysctl
	assert_output ""
	[[ "$stderr" == "nbsysctl: no name given"* ]]
	run --separate-stderr -2 nbsysctl -w
	assert_output ""
	run --separate-stderr -2 nbsysctl -i net
	assert_output ""
	run -0 nbsysctl --help
	assert_line --partial "usage: nbsysctl"
}

# ---- writing ----

@test "-w mtu and txqlen in a namespace: old -> new, seen by ip link" {
	local ns f=$BATS_TEST_TMPDIR/w.json
	ns=$(netns_create w)
	netns_veth_pairs "$ns" 1
	run --separate-stderr -0 ns_sysctl "$ns" -w net.interfaces.v0a.mtu=1400
	assert_output "net.interfaces.v0a.mtu: 1500 -> 1400"
	[ "$(ip_attr "$ns" v0a mtu)" = 1400 ]
	run -0 ns_sysctl "$ns" -w net.interfaces.v0a.txqlen=77 -w net.interfaces.v0a.mtu=1300
	assert_line --index 0 "net.interfaces.v0a.txqlen: 1000 -> 77"
	assert_line --index 1 "net.interfaces.v0a.mtu: 1400 -> 1300"
	[ "$(ip_attr "$ns" v0a txqlen)" = 77 ]
	[ "$(ip_attr "$ns" v0a mtu)" = 1300 ]
	run -0 ns_sysctl "$ns" -n -w net.interfaces.v0a.mtu=1280
	assert_output "1300 -> 1280"
	run -0 ns_sysctl "$ns" -q -w net.interfaces.v0a.mtu=1500
	assert_output ""
	[ "$(ip_attr "$ns" v0a mtu)" = 1500 ]
	ns_sysctl "$ns" -j -w net.interfaces.v0a.mtu=1450 >"$f"
	run -0 validate_json nbsysctl.schema.json "$f"
	run -0 jq -c '.net.interfaces.v0a.mtu' "$f"
	assert_output '{"old":1500,"new":1450}'
}

@test "-w errors: read-only node, bad value, no permission, unknown node" {
	local ns
	ns=$(netns_create we)
	netns_veth_pairs "$ns" 1
	run --separate-stderr -1 ns_sysctl "$ns" -w net.interfaces.v0a.index=5
	assert_output ""
	[ "$stderr" = "nbsysctl: net.interfaces.v0a.index: read-only node" ]
	run --separate-stderr -1 ns_sysctl "$ns" -w net.interfaces.v0a.mtu=abc
	assert_output ""
	[[ "$stderr" == "nbsysctl: net.interfaces.v0a.mtu: "* ]]
	run --separate-stderr -1 ns_sysctl "$ns" -w net.interfaces.nosuch0.mtu=1400
	assert_output ""
	[ "$stderr" = "nbsysctl: net.interfaces.nosuch0.mtu: no such node" ]
	run --separate-stderr -1 ip netns exec "$ns" setpriv --reuid=65534 --regid=65534 \
	    --clear-groups "$NB_BIN/nbsysctl" -w net.interfaces.v0a.mtu=1400
	assert_output ""
	[[ "$stderr" == "nbsysctl: net.interfaces.v0a.mtu: Operation not permitted"* ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[ "$(ip_attr "$ns" v0a mtu)" = 1500 ]
}

# ---- interval ----

@test "--interval: counters print deltas, gauges values; -j one object per line" {
	local ns f=$BATS_TEST_TMPDIR/i.json
	ns=$(netns_create iv)
	netns_udp_send "$ns" 127.0.0.1 127.0.0.1 10
	run -0 ns_sysctl "$ns" --interval 0.2 -c 3 net.interfaces.lo.stats.ipackets net.interfaces.lo.mtu
	assert_equal "${#lines[@]}" 6
	local rx
	rx=$(ip -n "$ns" -j -s link show lo | jq -r '.[0].stats64.rx.packets')
	assert_line --index 0 "net.interfaces.lo.stats.ipackets = $rx"
	assert_line --index 1 "net.interfaces.lo.mtu = 65536"
	assert_line --index 2 "net.interfaces.lo.stats.ipackets = 0"
	assert_line --index 3 "net.interfaces.lo.mtu = 65536"
	assert_line --index 4 "net.interfaces.lo.stats.ipackets = 0"
	assert_line --index 5 "net.interfaces.lo.mtu = 65536"
	ns_sysctl "$ns" -j --interval 0.2 -c 2 net.interfaces.lo >"$f"
	[ "$(wc -l <"$f")" -eq 2 ]
	run -0 validate_json nbsysctl.schema.json "$f"
	assert_output "valid 2"
	run -0 jq -r '.net.interfaces.lo.stats.ipackets' "$f"
	assert_line --index 0 "$rx"
	assert_line --index 1 "0"
}

# ---- interactive ----

@test "-i reads commands from a pipe" {
	local ns d
	ns=$(netns_create sh)
	d=$(ns_sysctl "$ns" -nd net.interfaces.lo.mtu)
	run --separate-stderr -0 ns_sysctl "$ns" -i <<<$'cd net.interfaces\nls\nget lo.mtu\ndescribe lo.mtu\nquit\n'
	assert_equal "${#lines[@]}" 7
	assert_line --index 0 "lo/"
	assert_line --index 1 "net.interfaces.lo.mtu = 65536"
	assert_line --index 2 "net.interfaces.lo.mtu"
	assert_line --index 3 "  type:        int"
	assert_line --index 4 "  access:      read-write"
	assert_line --index 5 '  flags:       rw, gauge'
	assert_line --index 6 "  description: $d"
	[ -z "$stderr" ]
}

@test "-i: cd .., cd /, absolute names, errors keep the shell going" {
	local ns
	ns=$(netns_create sh2)
	run --separate-stderr -0 ns_sysctl "$ns" -i <<<$'cd net.interfaces.lo\ncd nosuch\ncd mtu\nget mtu\ncd ..\nls lo.stats\ncd\nbogus\nls\nget .net.interfaces.lo.txqlen\nquit'
	assert_line "net.interfaces.lo.mtu = 65536"
	assert_line "ipackets"
	refute_line "lo/"
	assert_line "net/"
	assert_line "kern/"
	assert_line "net.interfaces.lo.txqlen = 1000"
	[[ "$stderr" == *"nbsysctl: nosuch: no such node"* ]]
	[[ "$stderr" == *"nbsysctl: mtu: not a node"* ]]
	[[ "$stderr" == *"nbsysctl: bogus: unknown command"* ]]
	# The exit status is the last command's.
	run -1 ns_sysctl "$ns" -i <<<$'get nosuch0'
}

@test "-i: tab completion through readline (tmux), escapes, history" {
	local ns
	ns=$(netns_create tab)
	ip -n "$ns" link add 'br.lan' type veth peer name vb
	tmux_start "ip netns exec $ns $NB_BIN/nbsysctl -i"
	# "ne" is only "net": a node completes with its '.'
	tmux -L "$TMUX_SOCK" send-keys -t t 'get ne' Tab
	tmux_wait 'nbsysctl> get net\.$'
	# "interf" is interfaces and interfaces_departed: the common part, then
	# Tab Tab lists both
	tmux -L "$TMUX_SOCK" send-keys -t t 'interf' Tab
	tmux_wait 'nbsysctl> get net\.interfaces$'
	tmux -L "$TMUX_SOCK" send-keys -t t Tab Tab
	tmux_wait 'net\.interfaces\. +net\.interfaces_departed\.'
	tmux -L "$TMUX_SOCK" send-keys -t t '.br' Tab
	tmux_wait 'get net\.interfaces\.br\\\.lan\.$'
	tmux -L "$TMUX_SOCK" send-keys -t t 'mt' Tab Enter
	tmux_wait '^net\.interfaces\.br\\\.lan\.mtu = 1500$'
	# relative to the current node
	tmux -L "$TMUX_SOCK" send-keys -t t 'cd net.interfaces' Enter
	tmux_wait 'nbsysctl net\.interfaces>$'
	tmux -L "$TMUX_SOCK" send-keys -t t 'get l' Tab 'mt' Tab Enter
	tmux_wait '^net\.interfaces\.lo\.mtu = 65536$'
	tmux -L "$TMUX_SOCK" send-keys -t t 'quit' Enter
	tmux_exited
	run -0 cat "$HOME/.nbsysctl_history"
	assert_line 'get net.interfaces.br\.lan.mtu'
	assert_line 'get lo.mtu'
}

@test "-i: watch prints until ^C, which returns to the prompt" {
	local ns
	ns=$(netns_create wt)
	tmux_start "ip netns exec $ns $NB_BIN/nbsysctl -i"
	tmux -L "$TMUX_SOCK" send-keys -t t 'watch 0.1 net.interfaces.lo.mtu' Enter
	sleep 1
	[ "$(pane | grep -c '^net\.interfaces\.lo\.mtu = 65536$')" -ge 3 ]
	tmux -L "$TMUX_SOCK" send-keys -t t C-c
	tmux_wait 'nbsysctl>$'
	local n
	n=$(pane | grep -c '^net\.interfaces\.lo\.mtu = 65536$')
	sleep 0.5
	[ "$(pane | grep -c '^net\.interfaces\.lo\.mtu = 65536$')" -eq "$n" ]
	tmux -L "$TMUX_SOCK" send-keys -t t 'get net.interfaces.lo.txqlen' Enter
	tmux_wait '^net\.interfaces\.lo\.txqlen = 1000$'
	# ^C at the prompt drops the line; ^D (end of input) leaves
	tmux -L "$TMUX_SOCK" send-keys -t t 'get nosuch' C-c
	tmux -L "$TMUX_SOCK" send-keys -t t C-d
	tmux_exited
	run -0 cat "$HOME/.nbsysctl_history"
	refute_line 'get nosuch'
}
