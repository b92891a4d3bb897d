#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# events.bats - --events without a network namespace: where it is allowed,
# files recorded before events were kept, a damaged event row. The events
# themselves (a recorder in a namespace) are tests/netns/events.bats.

bats_require_minimum_version 1.5.0
load helpers

@test "--events: only on a replay, not with --at, --list, an interval or another mode; nbnetstat and nbsysctl only" {
	run -2 nbnetstat --events
	assert_output --partial "--events shows a replayed range"
	run -2 nbnetstat --replay /nonexistent --at now --events
	run -2 nbnetstat --replay /nonexistent --list --events
	run -2 nbnetstat --replay /nonexistent --events -w 1
	run -2 nbnetstat --replay /nonexistent --events -i
	assert_output --partial "--events: not with -i"
	run -2 nbnetstat --replay /nonexistent -r --events
	assert_output --partial "--events: not with -r"
	run -2 "$NB_BIN/nbvmstat" --replay /nonexistent --events
	assert_output --partial "--events: unknown option"
	run -2 "$NB_BIN/nbfstat" --replay /nonexistent --events
	run -2 nbsysctl --replay /nonexistent --events net.interfaces
	assert_output --partial "--events takes no names"
}

@test "a file recorded before events were kept: nothing, a note, exit 0; text and JSON" {
	f="$BATS_TEST_TMPDIR/old.db"
	run -0 nbsysctl --record "$f" net.interfaces.lo
	sqlite3 "$f" "DROP VIEW events; DROP TABLE event; PRAGMA user_version = 5"
	run -0 --separate-stderr nbnetstat --replay "$f" --events
	[ "$output" = "$(printf '%-23s %-15s %s' TIME OBJECT EVENT)" ]
	[ "$stderr" = "nbnetstat: note: --replay $f: no events in this file (recorded before nbstat kept them)" ]
	run -0 --separate-stderr nbnetstat --replay "$f" --events -j
	[ "$output" = '{"version":"1","events":[]}' ]
	echo "$output" >"$BATS_TEST_TMPDIR/e.json"
	run -0 validate_json nbnetstat-events.schema.json "$BATS_TEST_TMPDIR/e.json"
}

@test "a file with no events in the range prints the header only; a damaged event row is an error" {
	f="$BATS_TEST_TMPDIR/new.db"
	run -0 nbsysctl --record "$f" net.interfaces.lo
	run -0 --separate-stderr nbnetstat --replay "$f" --from -1h --to now --events
	[ "$output" = "$(printf '%-23s %-15s %s' TIME OBJECT EVENT)" ]
	[ -z "$stderr" ]
	# A range before the first sample (or after the last) holds no sample: no error for events.
	run -0 --separate-stderr nbnetstat --replay "$f" --from 2020-01-01 --to 2020-01-02 --events
	[ "$output" = "$(printf '%-23s %-15s %s' TIME OBJECT EVENT)" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr nbnetstat --replay "$f" --from 2020-01-01 --events -j
	[ "$output" = '{"version":"1","events":[]}' ]
	# A row whose checksum does not match what it holds.
	sqlite3 "$f" "INSERT INTO event VALUES (1, 1, 'eth0', 2, 'link down', '', 12345)"
	run -1 --separate-stderr nbnetstat --replay "$f" --events
	[[ "$stderr" == *"damaged event row 1: checksum mismatch"* ]]
}
