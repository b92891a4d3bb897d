#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# nbnetstat.bats - nbnetstat's command line on the host's loopback: usage
# errors, -I, the -i text layout and the -j schema.

bats_require_minimum_version 1.5.0
load helpers

HDR='Name  Mtu   Network       Address              Ipkts Ierrs    Opkts Oerrs Colls'
HDR_D='Name  Mtu   Network       Address              Ipkts Ierrs Idrops    Opkts Oerrs Colls Odrops'
HDR_B='Name  Mtu   Network       Address               Ibytes     Obytes'
HDR_BD='Name  Mtu   Network       Address               Ibytes Idrops     Obytes Odrops'

# usage_error ARGS...: exit 2, nothing on stdout, one "nbnetstat: " line
# then the usage hint on stderr.
usage_error() {
	run --separate-stderr nbnetstat "$@"
	assert_equal "$status" 2
	assert_equal "$output" ""
	assert_equal "${#stderr_lines[@]}" 2
	[[ ${stderr_lines[0]} == "nbnetstat: "* ]] || fail "stderr: ${stderr}"
	assert_equal "${stderr_lines[1]}" "usage: see 'nbnetstat --help'"
}

@test "unknown short and long options are usage errors" {
	usage_error -x
	assert_equal "${stderr_lines[0]}" "nbnetstat: -x: unknown option"
	usage_error --bogus
	assert_equal "${stderr_lines[0]}" "nbnetstat: --bogus: unknown option"
	usage_error -i extra
}

@test "-I without an argument is a usage error" {
	usage_error -i -I
	assert_equal "${stderr_lines[0]}" "nbnetstat: -I: option requires an argument"
	usage_error -i -I ''
}

@test "bad -w and -c values are usage errors" {
	local v
	for v in abc -1 0 0.0 1e3 inf 86401 ''; do
		usage_error -i -w "$v"
		[[ ${stderr_lines[0]} == "nbnetstat: interval "* ]] || fail "-w '$v': ${stderr_lines[0]}"
	done
	for v in abc -1 0 99999999999999999999; do
		usage_error -i -c "$v"
		[[ ${stderr_lines[0]} == "nbnetstat: count "* ]] || fail "-c '$v': ${stderr_lines[0]}"
	done
	usage_error -i --interval 0
}

@test "modes and options not built yet say so and exit 2" {
	usage_error -A -r
	assert_regex "${stderr_lines[0]}" '-A: only with the socket list'
	usage_error -s -a
	assert_regex "${stderr_lines[0]}" '-a: only with -i'
	usage_error -i -a -w 1
	assert_regex "${stderr_lines[0]}" '-a: only with -i'
	# Interval mode is for the modes with counters (-i, -s, -B, -P, -s -B).
	usage_error -r -w 1
	assert_regex "${stderr_lines[0]}" '^nbnetstat: -w/-c: routing tables have no interval mode'
	usage_error -s -v
	assert_regex "${stderr_lines[0]}" '-v: only with the socket list'
}

@test "-B and -s -B usage errors" {
	usage_error -B -i
	usage_error -s -B -p tcp
	assert_regex "${stderr_lines[0]}" '-p: only with -s'
	usage_error -B extra
}

@test "conflicting common options are usage errors" {
	usage_error -i -r
	usage_error -i --at -15m
	assert_regex "${stderr_lines[0]}" 'need --replay'
	usage_error -i --replay /nonexistent.db --at -15m --from -1h
	usage_error -i --replay /nonexistent.db --to -1h
	usage_error -i --replay /nonexistent.db --from -1h --to -2h
	usage_error -i --replay /nonexistent.db --at yesterday
	usage_error -i --replay /nonexistent.db --at 2023-02-29T00:00
	usage_error -i --replay /nonexistent.db --record /tmp/x.db
	usage_error -i --source bsd
}

@test "-i -w/-c: interval mode on lo, since boot first, then non-negative deltas" {
	run -0 nbnetstat -i -I lo -w 0.1 -c 3
	assert_equal "${#lines[@]}" 5
	assert_regex "${lines[0]}" '^   lo in '
	assert_regex "${lines[2]}" '^ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+  '
	run -0 nbnetstat -I lo -c 2 -w 0.1 -j
	assert_equal "${#lines[@]}" 2
	run -0 jq -r '.since_boot' <<<"${lines[0]}"
	assert_output true
	usage_error -r -c 2
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr nbnetstat --help
	assert_success
	assert_line --partial 'usage: nbnetstat [-Aanv]'
	assert_line --partial 'nbnetstat -i [-abdhnq]'
	assert_line --partial '--replay FILE'
	assert_equal "$stderr" ""
}

@test "-I nosuch: no such interface, exit 1, empty stdout" {
	run --separate-stderr nbnetstat -i -I nbt-nosuch0
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_equal "$stderr" "nbnetstat: nbt-nosuch0: no such interface"
	run --separate-stderr nbnetstat -I nbt-nosuch0 -j
	assert_equal "$status" 1
	assert_equal "$output" ""
}

@test "-i header lines are exact for -i, -id, -ib, -ibd" {
	run -0 nbnetstat -i
	assert_equal "${lines[0]}" "$HDR"
	run -0 nbnetstat -i -d
	assert_equal "${lines[0]}" "$HDR_D"
	run -0 nbnetstat -i -b
	assert_equal "${lines[0]}" "$HDR_B"
	run -0 nbnetstat -ibd
	assert_equal "${lines[0]}" "$HDR_BD"
}

@test "-I lo: a <Link> row and a 127.0.0.1 row with loopback's counters" {
	run -0 nbnetstat -i -I lo
	assert_equal "${lines[0]}" "$HDR"
	assert_regex "${lines[1]}" '^lo    65536 <Link>        00:00:00:00:00:00 +[0-9]+ +0 +[0-9]+ +0 +0$'
	assert_regex "${lines[2]}" '^lo    65536 127\.0\.0\.0/8   127\.0\.0\.1 +[0-9]+ +0 +[0-9]+ +0 +0$'
	# Every row of an interface repeats its counters.
	local a b
	a=$(awk 'NR==2{print $(NF-4), $(NF-2)}' <<<"$output")
	b=$(awk 'NR==3{print $(NF-4), $(NF-2)}' <<<"$output")
	assert_equal "$a" "$b"
}

@test "-i -j validates against the schema; lo is index 1 with 127.0.0.1/8" {
	local f="$BATS_TEST_TMPDIR/i.json"
	nbnetstat -i -j >"$f"
	run -0 validate_json nbnetstat-i.schema.json "$f"
	run -0 jq -r '.version, (.interfaces[] | select(.name == "lo") |
	    .index, .up, (.addresses[] | select(.family == "inet") | .network, .address, .prefixlen))' "$f"
	assert_equal "$output" $'1\n1\ntrue\n127.0.0.0/8\n127.0.0.1\n8'
	# JSON never carries the text decorations, and Linux has no omcasts.
	run -0 jq -e '[.interfaces[] | .stats | has("omcasts")] | any | not' "$f"
	run -0 jq -e '(.interfaces | map(.index)) as $i | $i == ($i | sort)' "$f"
	# The version key comes first.
	run -0 head -c 15 "$f"
	assert_equal "$output" '{"version":"1",'
}

@test "--pretty is the same document, indented; -b/-d/-h do not change JSON" {
	local a="$BATS_TEST_TMPDIR/a.json" b="$BATS_TEST_TMPDIR/b.json"
	nbnetstat -i -I lo -j --pretty >"$a"
	[ "$(wc -l <"$a")" -gt 5 ]
	run -0 validate_json nbnetstat-i.schema.json "$a"
	nbnetstat -i -I lo -j -bdh >"$b"
	# Counters of lo move between runs; compare the shape (keys).
	run -0 jq -n --slurpfile a "$a" --slurpfile b "$b" \
	    '($a[0] | [paths] | sort) == ($b[0] | [paths] | sort)'
	assert_output true
}

@test "-b -h humanises byte columns like humanize_number (4 characters)" {
	run -0 nbnetstat -i -b -h -I lo
	assert_equal "${lines[0]}" "$HDR_B"
	assert_regex "${lines[1]}" '^lo    65536 <Link>        00:00:00:00:00:00 +([0-9]{1,4}|[0-9]\.[0-9][KMGTPE]|[0-9]{2,3}[KMGTPE]) +([0-9]{1,4}|[0-9]\.[0-9][KMGTPE]|[0-9]{2,3}[KMGTPE])$'
}

@test "--replay reports the missing history backend or file as a runtime error" {
	run --separate-stderr nbnetstat -i --replay /nonexistent/nbt.db
	assert_equal "$status" 1
	assert_equal "$output" ""
	[[ $stderr == "nbnetstat: --replay"* ]] || fail "$stderr"
}
