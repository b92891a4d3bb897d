#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# nbvmstat.bats - nbvmstat: usage errors, the NetBSD hash statistics layout
# (-h/-H/-L) with util/average checked against the tree's numbers, items
# against the objects a namespace holds, the JSON schemas, and the vmstat
# line (default, -P, -s) once the tree has the vm and kern.cp_time subtrees.

bats_require_minimum_version 1.5.0
load helpers
load ../netns/netns

nbvmstat() { "$NB_BIN/nbvmstat" "$@"; }

HDR1='                    total     used     util      num  average  maximum'
HDR2='hash table        buckets  buckets        %    items    chain    chain'

teardown_file() {
	[ "$(id -u)" = 0 ] && netns_cleanup || true
}

# usage_error ARGS...: exit 2, nothing on stdout, "nbvmstat: " then the hint.
usage_error() {
	run --separate-stderr nbvmstat "$@"
	assert_equal "$status" 2
	assert_equal "$output" ""
	assert_equal "${#stderr_lines[@]}" 2
	[[ ${stderr_lines[0]} == "nbvmstat: "* ]] || fail "stderr: ${stderr}"
	assert_equal "${stderr_lines[1]}" "usage: see 'nbvmstat --help'"
}

# expected_row TABLE: the -H row computed here from nbsysctl's leaves.
expected_row() {
	local t=$1 size used items max
	size=$(nbsysctl -n "kern.hashstat.$t.size") || return 1
	used=$(nbsysctl -n "kern.hashstat.$t.used") || return 1
	items=$(nbsysctl -n "kern.hashstat.$t.items") || return 1
	max=$(nbsysctl -n "kern.hashstat.$t.maxchain") || return 1
	awk -v t="$t" -v s="$size" -v u="$used" -v n="$items" -v m="$max" 'BEGIN {
		printf "%-16s %8d %8d %8.2f %8d %8.2f %8d\n", t, s, u,
		    s ? u * 100 / s : 0, n, u ? n / u : 0, m }'
}

@test "usage errors: unknown options, -L with -h/-H, modes that exclude each other, bad -w/-c" {
	usage_error -x
	assert_equal "${stderr_lines[0]}" "nbvmstat: -x: unknown option"
	usage_error -L -H
	assert_equal "${stderr_lines[0]}" "nbvmstat: you may list or display, but not both!"
	usage_error -h in_ifaddrhash -L
	assert_equal "${stderr_lines[0]}" "nbvmstat: you may list or display, but not both!"
	usage_error -h
	assert_equal "${stderr_lines[0]}" "nbvmstat: -h: option requires an argument"
	usage_error -h ''
	usage_error -H -s
	usage_error -s -P
	usage_error -H -w 1
	usage_error -s -c 2
	usage_error -w 0
	assert_regex "${stderr_lines[0]}" '^nbvmstat: interval 0: '
	usage_error -w abc
	usage_error -c -1
	assert_regex "${stderr_lines[0]}" '^nbvmstat: count -1: '
	usage_error 1 5
	assert_equal "${stderr_lines[0]}" "nbvmstat: 1: unexpected operand"
}

@test "-h nosuchhash: one message, exit 1, empty stdout (even after a good -h)" {
	run --separate-stderr nbvmstat -h nosuchhash
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_equal "$stderr" "nbvmstat: nosuchhash: no such hash table (nbvmstat -L lists them)"
	run --separate-stderr nbvmstat -h ifnet_byname -h nosuchhash -j
	assert_equal "$status" 1
	assert_equal "$output" ""
}

@test "-L: 'Supported hashes:' then tab, name padded to 16, description" {
	run -0 nbvmstat -L
	assert_equal "${lines[0]}" "Supported hashes:"
	assert_equal "${#lines[@]}" 4
	assert_equal "${lines[1]}" "$(printf '\t%-16s%s' in_ifaddrhash 'addresses by (family, address)')"
	assert_equal "${lines[2]}" "$(printf '\t%-16s%s' ifnet_byname 'interfaces by name')"
	assert_equal "${lines[3]}" "$(printf '\t%-16s%s' ifnet_byindex 'interfaces by index')"
	local f="$BATS_TEST_TMPDIR/l.json"
	nbvmstat -L -j >"$f"
	run -0 validate_json nbvmstat-hashlist.schema.json "$f"
	run -0 jq -r '[.hashes[].name] | join(" ")' "$f"
	assert_output "in_ifaddrhash ifnet_byname ifnet_byindex"
}

@test "-H: two header lines, then one row per table with util and average computed" {
	local t
	run -0 nbvmstat -H
	assert_equal "${lines[0]}" "$HDR1"
	assert_equal "${lines[1]}" "$HDR2"
	assert_equal "${#lines[@]}" 5
	for t in in_ifaddrhash ifnet_byname ifnet_byindex; do
		assert_line "$(expected_row "$t")"
	done
	run -0 nbvmstat -h ifnet_byindex -h in_ifaddrhash
	assert_equal "${#lines[@]}" 4
	assert_equal "${lines[2]}" "$(expected_row ifnet_byindex)"
	assert_equal "${lines[3]}" "$(expected_row in_ifaddrhash)"
}

@test "-H -j: schema, the same numbers as the tree, util and average rounded" {
	local f="$BATS_TEST_TMPDIR/h.json" t
	nbvmstat -H -j >"$f"
	run -0 validate_json nbvmstat-hash.schema.json "$f"
	for t in in_ifaddrhash ifnet_byname ifnet_byindex; do
		run -0 jq -r --arg t "$t" '.hashes[] | select(.name == $t) |
		    [.size, .used, .items, .maxchain] | join(" ")' "$f"
		assert_output "$(nbsysctl -n kern.hashstat.$t.size kern.hashstat.$t.used \
		    kern.hashstat.$t.items kern.hashstat.$t.maxchain | paste -sd' ')"
	done
	run -0 jq -e '[.hashes[] | (.util - ((.used * 10000 / .size) | round) / 100 | fabs) < 1e-9 and
	    (.average - (if .used == 0 then 0 else ((.items * 100 / .used) | round) / 100 end) | fabs) < 1e-9] | all' "$f"
	# The -L document does not pass as -H: the schema checks the fields.
	nbvmstat -L -j >"$f"
	run ! validate_json nbvmstat-hash.schema.json "$f"
}

@test "in a namespace: in_ifaddrhash items = addresses, ifnet_byname items = links" {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	local ns want got
	ns=$(netns_create hash)
	netns_quiet "$ns"
	netns_veth_pairs "$ns" 37 hv
	want=$(ip -n "$ns" -j addr | jq '[.[].addr_info[]] | length')
	[ "$want" -eq $((37 * 2 + 1)) ]
	run -0 ip netns exec "$ns" "$NB_BIN/nbvmstat" -h in_ifaddrhash -j
	assert_equal "$(jq '.hashes[0].items' <<<"$output")" "$want"
	want=$(ip -n "$ns" -j link | jq 'length')
	[ "$want" -eq $((37 * 2 + 1)) ]
	run -0 ip netns exec "$ns" "$NB_BIN/nbvmstat" -H -j
	assert_equal "$(jq '.hashes[] | select(.name == "ifnet_byname") | .items' <<<"$output")" "$want"
	assert_equal "$(jq '.hashes[] | select(.name == "ifnet_byindex") | .items' <<<"$output")" "$want"
	# Text rows agree with the tree seen from the namespace.
	run -0 ip netns exec "$ns" "$NB_BIN/nbvmstat" -H
	got=$(awk '$1 == "ifnet_byname" { print $5 }' <<<"$output")
	assert_equal "$got" "$want"
}

@test "an empty table: util and average are 0.00, not a division by zero" {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	local ns="nbt-$$-empty"
	ip netns add "$ns"	# lo stays down: no address at all
	run -0 ip netns exec "$ns" "$NB_BIN/nbvmstat" -h in_ifaddrhash
	assert_regex "${lines[2]}" '^in_ifaddrhash +[0-9]+        0     0\.00        0     0\.00        0$'
}

# has_vm: the tree has the procfs statistics nbvmstat's line needs.
has_vm() {
	nbsysctl -n kern.cp_time.idle vm.meminfo.memfree >/dev/null 2>&1
}

@test "default mode: NetBSD header, since boot then interval lines; JSON schema" {
	has_vm || skip "the tree lacks vm/kern.cp_time"
	run -0 nbvmstat -w 0.2 -c 3
	assert_equal "${#lines[@]}" 5
	assert_equal "${lines[0]}" "$(printf ' procs    memory      page%23s  faults   cpu' '')"
	assert_equal "${lines[1]}" ' r b      avm    fre  flt  re  pi   po   fr   sr   in   sy  cs us sy id wa'
	# Faults sy: Linux counts no system calls.
	assert_regex "${lines[2]}" '^ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+( +[0-9-]+){6} +[0-9]+ +- +[0-9]+( +[0-9]+){4}$'
	local f="$BATS_TEST_TMPDIR/v.json"
	nbvmstat -w 0.2 -c 2 -j >"$f"
	run -0 validate_json nbvmstat.schema.json "$f"
	run -0 jq -s '[.[].since_boot] == [true, false] and (.[1].seconds > 0.1)' "$f"
	assert_output true
	run -0 jq -s '[.[] | .cpu.us + .cpu.sy + .cpu.id + .cpu.wa] | all(. <= 100.5)' "$f"
	assert_output true
}

@test "-s: one value per line with prose, each equal to its tree leaf" {
	has_vm || skip "the tree lacks vm/kern.cp_time"
	local f="$BATS_TEST_TMPDIR/s.json" name val
	nbvmstat -s -j >"$f"
	run -0 validate_json nbvmstat-s.schema.json "$f"
	run -0 jq -r '.totals[] | select(.name | test("^(kern\\.(ncpu|clockrate)|vm\\.meminfo\\.(memtotal|swaptotal))")) | "\(.name) \(.value)"' "$f"
	[ "${#lines[@]}" -ge 2 ] || fail "no stable leaves listed: $output"
	while read -r name val; do
		assert_equal "$(nbsysctl -n "$name")" "$val"
	done <<<"$output"
	run -0 nbvmstat -s
	assert_regex "${lines[0]}" '^ +[0-9]+ [a-z]'
}

@test "-P: a line per CPU of kern.cp_time.<cpu>, percentages summing to at most 100" {
	has_vm || skip "the tree lacks vm/kern.cp_time"
	local f="$BATS_TEST_TMPDIR/p.json" n
	nbvmstat -P -w 0.2 -c 2 -j >"$f"
	run -0 validate_json nbvmstat-P.schema.json "$f"
	n=$(nbsysctl -n kern.ncpu)
	run -0 jq -s --argjson n "$n" '[.[] | .cpus | length == $n] | all' "$f"
	assert_output true
	run -0 nbvmstat -P
	assert_equal "${lines[0]}" 'cpu     us  sy  id  wa'
	assert_equal "${#lines[@]}" $((n + 1))
}

@test "fixture root: -P since boot is the percentages of /proc/stat's cpuN lines" {
	local root="$NB_SRC/tests/fixtures/good" want
	[ -r "$root/proc/stat" ] || skip "no fixture root"
	want=$(awk '/^cpu[0-9]/ { t = $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9
		printf "%-3s%-3s %3.0f %3.0f %3.0f %3.0f\n", "cpu", substr($1, 4),
		    ($2 + $3) * 100 / t, ($4 + $7 + $8) * 100 / t, $5 * 100 / t, $6 * 100 / t }' "$root/proc/stat")
	run -0 nbvmstat --root "$root" -P
	assert_equal "${lines[0]}" 'cpu     us  sy  id  wa'
	assert_equal "$(tail -n +2 <<<"$output")" "$want"
	run -0 nbvmstat --root "$root" -j
	run -0 jq -r '"\(.memory.fre) \(.procs.r) \(.procs.b)"' <<<"$output"
	assert_output "$(($(nbsysctl --root "$root" -n vm.meminfo.memfree) / 1024)) $(nbsysctl --root "$root" -n kern.procs_running) $(nbsysctl --root "$root" -n kern.procs_blocked)"
}

@test "fixture root with no vm or kern statistics: runtime error, nothing on stdout" {
	local root="$NB_SRC/tests/fixtures/bad-missing"
	[ -d "$root" ] || skip "no fixture root"
	run --separate-stderr nbvmstat --root "$root"
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_regex "$stderr" '^nbvmstat: '
}

@test "fixture root: -s text and JSON equal the golden files" {
	local root="$NB_SRC/tests/fixtures/good" gold="$NB_SRC/tests/cli/golden"
	run --separate-stderr nbvmstat --root "$root" -s
	assert_success
	assert_equal "$stderr" ""
	diff -u "$gold/vmstat-s.ok" <(printf '%s\n' "$output") || fail "vmstat-s differs"
	run --separate-stderr nbvmstat --root "$root" -s -j --pretty
	assert_success
	diff -u "$gold/vmstat-s-j.ok" <(printf '%s\n' "$output") || fail "vmstat-s-j differs"
	validate_json nbvmstat-s.schema.json <(printf '%s\n' "$output")
}
