#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# recorder.bats - nbsysctl --record as a recording service: a stop signal
# writes the sample in flight and exits 0, no stale lock or WAL after a
# clean stop, a backgrounded recorder still stops on SIGINT, and the
# default recorded set replays in every tool mode.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	DB="$BATS_TEST_TMPDIR/h.db"
}

# samples DB: the number of samples in the file
samples() {
	nbsysctl --replay "$1" --list 2>/dev/null | tail -n +2 | wc -l
}

# first_sample DB: wait (up to 20 s) until the first sample is in the file.
first_sample() {
	for _ in $(seq 200); do
		[ "$(samples "$1")" -ge 1 ] && return 0
		sleep 0.1
	done
	return 1
}

@test "SIGTERM between two ticks keeps both samples, exits 0, leaves no lock and no WAL" {
	"$NB_BIN/nbsysctl" --record "$DB" --interval 2 3>&- &
	pid=$!
	first_sample "$DB"
	sleep 3		# samples at 0 and 2 s; the third would be at 4 s
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ]
	[ "$(samples "$DB")" -eq 2 ]
	[ ! -e "$DB.lock" ]
	[ ! -e "$DB-wal" ] || [ ! -s "$DB-wal" ]
}

@test "a backgrounded recorder (SIGINT inherited ignored) stops on SIGINT with its sample" {
	# A non-interactive shell starts & jobs with SIGINT ignored.
	run -0 bash -c '"$0" --record "$1" --interval 30 & p=$!; sleep 1.5; kill -INT $p; wait $p' \
	    "$NB_BIN/nbsysctl" "$DB"
	[ "$(samples "$DB")" -eq 1 ]
	[ ! -e "$DB.lock" ]
}

@test "a clean -c run leaves no lock file; a restart continues the same file" {
	run -0 nbsysctl --record "$DB" --interval 0.2 -c 2
	[ ! -e "$DB.lock" ]
	run -0 nbsysctl --record "$DB" --interval 0.2 -c 2
	[ ! -e "$DB.lock" ]
	[ "$(samples "$DB")" -eq 4 ]
}

@test "a second recorder is refused while the first runs, and takes over after it stops" {
	"$NB_BIN/nbsysctl" --record "$DB" --interval 30 3>&- &
	pid=$!
	for _ in $(seq 50); do [ -s "$DB.lock" ] && break; sleep 0.1; done
	run -1 nbsysctl --record "$DB"
	assert_output --partial "another recorder (pid $pid)"
	kill -TERM "$pid"
	wait "$pid"
	[ ! -e "$DB.lock" ]
	run -0 nbsysctl --record "$DB"
	[ "$(samples "$DB")" -eq 2 ]
}

@test "interval mode with names: SIGTERM writes the sample in flight" {
	"$NB_BIN/nbsysctl" --record "$DB" --interval 2 net.interfaces.lo >/dev/null 3>&- &
	pid=$!
	# The sample read at 0 s is written when the second begins (2 s); the
	# second, in flight, only at the stop.
	first_sample "$DB"
	sleep 0.5
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ]
	[ "$(samples "$DB")" -eq 2 ]
	[ ! -e "$DB.lock" ]
}

@test "the default recorded set replays in every mode of nbnetstat and nbvmstat" {
	run -0 nbsysctl --record "$DB" --interval 0.3 -c 2
	for args in "-i" "-ia" "-r" "-s" "-B" "-s -B" "-P"; do
		run -0 "$NB_BIN/nbnetstat" $args --replay "$DB"
		[ -n "$output" ]
	done
	for args in "" "-P" "-s" "-L" "-H"; do
		run -0 "$NB_BIN/nbvmstat" $args --replay "$DB"
		[ -n "$output" ]
	done
	# The since-boot line needs kern.boottime: the first line of data is not all zeros.
	run -0 "$NB_BIN/nbvmstat" --replay "$DB"
	assert_line --index 1 --partial "r b"
	# Interval replay gives the deltas between the two samples.
	first=$(nbsysctl --replay "$DB" --list | awk 'NR == 2 { print $1 }')
	run -0 "$NB_BIN/nbvmstat" --replay "$DB" --from "$first" -w 1
	[ "${#lines[@]}" -eq 4 ]
	# Process files only when named.
	run -1 nbsysctl --replay "$DB" kern.proc
	run -0 nbsysctl --replay "$DB" -n kern.boottime
	[ "$output" -gt 0 ]
}

@test "process files are recorded when named" {
	run -0 nbsysctl --record "$DB" "kern.proc.$$"
	run -0 nbsysctl --replay "$DB" "kern.proc.$$"
	[ -n "$output" ]
}
