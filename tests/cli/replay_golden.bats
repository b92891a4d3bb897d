#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# replay_golden.bats - golden files for the modes whose data the procfs
# fixture root cannot hold (routes, capture peers, process files, hash
# statistics, rates over time): every tool replays the history fixture
# tests/fixtures/history/fixture.sql (three samples 10 s apart, made by
# tests/fixtures/history/generate.sh, loaded with tests/helpers/histsql),
# and its text and JSON equal tests/cli/golden/NAME.ok and NAME-j.ok; the
# JSON passes the tool's schema.

bats_require_minimum_version 1.5.0
load helpers

GOLD="$NB_SRC/tests/cli/golden"
# The fixture's samples.
T1=2026-11-23T02:32:11Z
T2=2026-11-23T02:32:21Z
T3=2026-11-23T02:32:31Z

setup_file() {
	DB="$BATS_FILE_TMPDIR/fixture.db"
	"$NB_BIN/histsql" load "$NB_SRC/tests/fixtures/history/fixture.sql" "$DB"
	export DB
}

# golden NAME TOOL ARGS...: TOOL --replay on the fixture prints exactly
# tests/cli/golden/NAME.ok, nothing on stderr, exit 0. Names resolve from
# the test's own hosts file (hermetic), never the machine's resolver.
golden() {
	local name=$1 tool=$2
	shift 2
	run --separate-stderr hermetic "$NB_BIN/$tool" --replay "$DB" "$@"
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	diff -u "$GOLD/$name.ok" <(printf '%s\n' "$output") || fail "$name differs"
}

# golden_json NAME SCHEMA TOOL ARGS...: golden NAME, and the output passes
# schema/SCHEMA.
golden_json() {
	local name=$1 schema=$2
	shift 2
	golden "$name" "$@"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/$name.json"
	run -0 validate_json "$schema" "$BATS_TEST_TMPDIR/$name.json"
}

@test "the fixture: three samples 10 s apart, one boot" {
	run -0 "$NB_BIN/nbsysctl" --replay "$DB" --list -j
	run -0 jq -r '.samples | map(.time) | join(" ")' <<<"$output"
	assert_output "2026-11-23T02:32:11.000000000+00:00 2026-11-23T02:32:21.000000000+00:00 2026-11-23T02:32:31.000000000+00:00"
	run -0 "$NB_BIN/nbsysctl" --replay "$DB" --at "$T1" -n kern.boottime kern.ncpu
	assert_equal "${lines[*]}" "1795314731 2"
}

@test "histsql: the history file holds exactly the fixture's samples and entries" {
	local d="$BATS_TEST_TMPDIR" q
	"$NB_BIN/histsql" dump "$DB" >"$d/back.sql"
	sqlite3 "$d/a.db" <"$NB_SRC/tests/fixtures/history/fixture.sql"
	sqlite3 "$d/b.db" <"$d/back.sql"
	# Compared in order without seq: the fixture's has gaps (rows left out).
	q="SELECT s.t_ns, s.source, s.boottime_ns, n.name, n.type, n.flags, n.descr,
	    quote(e.value) FROM entry e JOIN node n ON n.id = e.node JOIN sample s ON s.id = e.sample
	    ORDER BY e.sample, e.seq"
	sqlite3 "$d/a.db" "$q" >"$d/a.txt"
	sqlite3 "$d/b.db" "$q" >"$d/b.txt"
	[ "$(wc -l <"$d/a.txt")" -gt 1000 ]
	diff -u "$d/a.txt" "$d/b.txt"
	# A text that is not the fixture's tables: one message, exit 1.
	run --separate-stderr "$NB_BIN/histsql" load /dev/null "$d/c.db"
	assert_equal "$status" 1
	assert_regex "$stderr" '^histsql: '
}

@test "golden routes hold on a machine without /etc/hosts (a minimal Debian)" {
	local d="$BATS_TEST_TMPDIR/bare"
	mkdir -p "$d"
	export -f hermetic
	# The machine as debootstrap --variant=minbase leaves it: no /etc/hosts.
	run --separate-stderr unshare -m /bin/bash -c '
		set -e
		mount -t tmpfs bare "$1"; mkdir "$1/u" "$1/w"
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/u,workdir=$1/w" /etc
		rm -f /etc/hosts
		! getent hosts 127.0.0.1 >/dev/null || { echo "127.0.0.1 still resolves" >&2; exit 1; }
		hermetic "$2/nbnetstat" --replay "$3" --at "$4" -r -T all' bare "$d" "$NB_BIN" "$DB" "$T1"
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	diff -u "$GOLD/netstat-r-T-all.ok" <(printf '%s\n' "$output")
}

@test "nbnetstat -r, -r -n, -r -f inet6, -r -T all: text and JSON" {
	golden netstat-r nbnetstat --at "$T1" -r
	golden_json netstat-r-j nbnetstat-r.schema.json nbnetstat --at "$T1" -r -j --pretty
	golden netstat-rn nbnetstat --at "$T1" -r -n
	golden_json netstat-rn-j nbnetstat-r.schema.json nbnetstat --at "$T1" -r -n -j --pretty
	golden netstat-r-inet6 nbnetstat --at "$T1" -r -f inet6
	golden_json netstat-r-inet6-j nbnetstat-r.schema.json nbnetstat --at "$T1" -r -f inet6 -j --pretty
	golden netstat-r-T-all nbnetstat --at "$T1" -r -T all
	golden_json netstat-r-T-all-j nbnetstat-r.schema.json nbnetstat --at "$T1" -r -T all -j --pretty
}

@test "nbnetstat -r: the fixture's routes as the tree holds them" {
	# The gateway route of the main table, and table 100's default.
	run -0 "$NB_BIN/nbnetstat" --replay "$DB" --at "$T1" -r -n
	assert_line --regexp '^10\.9\.0\.0/16 +10\.1\.0\.2 +UGS +- +- +- +gv0$'
	run -0 "$NB_BIN/nbnetstat" --replay "$DB" --at "$T1" -r -T 100 -j
	run -0 jq -c '[.inet[] | [.dst, .prefixlen, .gateway, .table]]' <<<"$output"
	assert_output '[["0.0.0.0",0,"10.1.0.2",100]]'
}

@test "nbnetstat -B and -s -B: text and JSON" {
	golden netstat-B nbnetstat --at "$T1" -B
	golden_json netstat-B-j nbnetstat-B.schema.json nbnetstat --at "$T1" -B -j --pretty
	golden netstat-sB nbnetstat --at "$T1" -s -B
	golden_json netstat-sB-j nbnetstat-sB.schema.json nbnetstat --at "$T1" -s -B -j --pretty
	# -s -B is the sum of the peers, at a later sample too.
	run -0 "$NB_BIN/nbnetstat" --replay "$DB" --at "$T3" -B -j
	local sum
	sum=$(jq '[.peers[].dcount] | add' <<<"$output")
	run -0 "$NB_BIN/nbnetstat" --replay "$DB" --at "$T3" -s -B -j
	assert_equal "$(jq .bpf.dcount <<<"$output")" "$sum"
	assert_equal "$sum" 20
}

@test "nbfstat, -n, -j: text and JSON" {
	golden fstat nbfstat --at "$T1"
	golden fstat-n nbfstat --at "$T1" -n
	golden_json fstat-j nbfstat.schema.json nbfstat --at "$T1" -j --pretty
	# The capture descriptors carry the peers' counters of the same sample.
	run -0 "$NB_BIN/nbfstat" --replay "$DB" --at "$T2"
	assert_line --regexp '^root +pktsock +4242 +3\* bpf@gv0 dr=16, promisc rw$'
}

@test "nbvmstat since boot, -P, -H, -L: text and JSON" {
	golden vmstat nbvmstat --at "$T1"
	golden_json vmstat-j nbvmstat.schema.json nbvmstat --at "$T1" -j --pretty
	golden vmstat-P nbvmstat --at "$T1" -P
	golden_json vmstat-P-j nbvmstat-P.schema.json nbvmstat --at "$T1" -P -j --pretty
	golden vmstat-H nbvmstat --at "$T1" -H
	golden_json vmstat-H-j nbvmstat-hash.schema.json nbvmstat --at "$T1" -H -j --pretty
	golden vmstat-L nbvmstat --at "$T1" -L
	golden_json vmstat-L-j nbvmstat-hashlist.schema.json nbvmstat --at "$T1" -L -j --pretty
}

@test "nbnetstat -B -w and -s -B -w over the samples: since the peers opened, then per 10 s" {
	golden netstat-Bw nbnetstat --from "$T1" --to "$T3" -B -w 1
	golden_json netstat-Bw-j nbnetstat-Bw.schema.json nbnetstat --from "$T1" --to "$T3" -B -w 1 -j
	golden netstat-sBw nbnetstat --from "$T1" --to "$T3" -s -B -w 1
	golden_json netstat-sBw-j nbnetstat-sBw.schema.json nbnetstat --from "$T1" --to "$T3" -s -B -w 1 -j
	# The fixture's promiscuous peer drops 4 frames per 10 s (12 at T1).
	run -0 "$NB_BIN/nbnetstat" --replay "$DB" --from "$T1" --to "$T3" -B -w 1 -j
	run -0 jq -s -c 'map([.since_boot, .seconds, .peers[0].dcount])' <<<"$output"
	assert_output '[[true,0,12],[false,10,4],[false,10,4]]'
	run -0 "$NB_BIN/nbnetstat" --replay "$DB" --from "$T1" --to "$T3" -s -B -w 1 -c 2 -j
	run -0 jq -s -c 'map(.bpf.dcount)' <<<"$output"
	assert_output '[12,4]'
}

@test "nbnetstat -s -P -w over the samples: cp_time's per-CPU deltas per 10 s" {
	golden netstat-sPw nbnetstat --from "$T1" --to "$T3" -s -P -w 1
	golden_json netstat-sPw-j nbnetstat-Pw.schema.json nbnetstat --from "$T1" --to "$T3" -s -P -w 1 -j
	# The fixture's steps: 1000 ticks per CPU per 10 s, cpu0 30% user.
	run -0 "$NB_BIN/nbnetstat" --replay "$DB" --from "$T1" --to "$T2" -s -P -w 1 -j
	run -0 jq -s -c '.[1].cp_time | [.user.percpu[0], ([.[].percpu[0]] | add), ([.[].percpu[1]] | add)]' <<<"$output"
	assert_output '[300,1000,1000]'
}

@test "nbvmstat and -P over the samples: since boot, then per 10 s" {
	golden vmstat-w nbvmstat --from "$T1" --to "$T3" -w 1
	golden_json vmstat-w-j nbvmstat.schema.json nbvmstat --from "$T1" --to "$T3" -w 1 -j
	golden vmstat-P-w nbvmstat --from "$T1" --to "$T3" -w 1 -P
	golden_json vmstat-P-w-j nbvmstat-P.schema.json nbvmstat --from "$T1" --to "$T3" -w 1 -P -j
	# The fixture's steps: 10000 faults, 5000 switches per 10 s; 1000 ticks
	# per CPU, cpu0 30% user, 10% system, 55% idle, 3% iowait.
	run -0 "$NB_BIN/nbvmstat" --replay "$DB" --from "$T1" --to "$T2" -w 1 -j
	run -0 jq -s -c '.[1] | [.seconds, .page.flt, .faults.cs]' <<<"$output"
	assert_output '[10,1000,500]'
	run -0 "$NB_BIN/nbvmstat" --replay "$DB" --from "$T1" --to "$T2" -w 1 -P -j
	run -0 jq -s -c '.[1].cpus[0] | [.us, .sy, .id, .wa]' <<<"$output"
	assert_output '[30,12,55,3]'
}

@test "nbnetstat -i -w: since boot, then per interval; text and one JSON object per line" {
	golden netstat-iw nbnetstat --from "$T1" --to "$T3" -i -w 1
	golden_json netstat-iw-j nbnetstat-iw.schema.json nbnetstat --from "$T1" --to "$T3" -i -w 1 -j
	assert_equal "$(wc -l <"$GOLD/netstat-iw-j.ok")" 3
	# -c stops before the last sample; -I picks the interface.
	run -0 "$NB_BIN/nbnetstat" --replay "$DB" --from "$T1" --to "$T3" -i -w 1 -c 2
	assert_equal "${#lines[@]}" 4
	run -0 "$NB_BIN/nbnetstat" --replay "$DB" --from "$T1" --to "$T3" -i -w 1 -I gv0 -j
	run -0 jq -s -c '[.[] | .interface.ipackets]' <<<"$output"
	assert_output '[5000,300,300]'
}
