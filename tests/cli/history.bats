#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# history.bats - --record / --replay / --list through the real tools: replay
# prints what was printed live (text and JSON), bad files, two recorders,
# a full disk, a read-only file and killed recorders.

bats_require_minimum_version 1.5.0

load helpers

setup() {
	DB="$BATS_TEST_TMPDIR/h.db"
}

teardown() {
	if [ -n "${MNT:-}" ]; then
		umount "$MNT" 2>/dev/null || true
	fi
}

# sample_times FILE: the TIME column of --list, one per line.
sample_times() {
	nbsysctl --replay "$1" --list | awk 'NR > 1 { print $1 }'
}

@test "record in interval mode, replay each sample and the interval as printed live" {
	run -0 nbsysctl --record "$DB" --interval 0.2 -c 3 net.interfaces.lo
	live="$output"
	mapfile -t times < <(sample_times "$DB")
	[ "${#times[@]}" -eq 3 ]
	# The first sample is printed as values: --at gives the same lines.
	n=$(nbsysctl net.interfaces.lo | wc -l)
	run -0 nbsysctl --replay "$DB" --at "${times[0]}" net.interfaces.lo
	[ "$output" = "$(printf '%s\n' "$live" | head -n "$n")" ]
	# --from/--to in interval mode prints exactly what live interval mode printed.
	run -0 nbsysctl --replay "$DB" --from "${times[0]}" --to "${times[2]}" --interval 1 net.interfaces.lo
	[ "$output" = "$live" ]
	# A --to before the last sample stops there.
	run -0 nbsysctl --replay "$DB" --from "${times[0]}" --to "${times[1]}" --interval 1 net.interfaces.lo
	[ "$(printf '%s\n' "$output" | wc -l)" -eq $((2 * n)) ]
}

@test "JSON interval replay equals live JSON and passes the schema" {
	run -0 nbsysctl -j --record "$DB" --interval 0.2 -c 3 net.interfaces.lo
	live="$output"
	mapfile -t times < <(sample_times "$DB")
	run -0 nbsysctl -j --replay "$DB" --from "${times[0]}" --to "${times[2]}" --interval 1 net.interfaces.lo
	[ "$output" = "$live" ]
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/out.json"
	run -0 validate_json nbsysctl.schema.json "$BATS_TEST_TMPDIR/out.json"
}

@test "nbnetstat -i --replay prints what nbnetstat -i --record printed" {
	run -0 nbnetstat -i --record "$DB"
	live="$output"
	run -0 nbnetstat -i -j --record "$DB"
	livej="$output"
	mapfile -t times < <(sample_times "$DB")
	[ "${#times[@]}" -eq 2 ]
	run -0 nbnetstat -i --replay "$DB" --at "${times[0]}"
	[ "$output" = "$live" ]
	run -0 nbnetstat -i -j --replay "$DB" --at "${times[1]}"
	[ "$output" = "$livej" ]
	run -0 nbnetstat -i -I lo --replay "$DB" --at "${times[1]}"
	assert_line --regexp '^lo +65536 '
}

@test "--list lists time, source, objects; -j too; the sqlite3 shell reads the views" {
	run -0 nbsysctl --record "$DB" --interval 0.1 -c 2 net.interfaces.lo
	run -0 nbsysctl --replay "$DB" --list
	assert_line --index 0 --regexp '^TIME +SOURCE +OBJECTS +VALUES +BYTES$'
	[ "${#lines[@]}" -eq 3 ]
	assert_line --index 1 --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+[+-][0-9]{2}:[0-9]{2} +linux +[1-9][0-9]* +[1-9][0-9]* +[1-9][0-9]*$'
	run -0 nbsysctl -j --replay "$DB" --list
	[ "$(printf '%s' "$output" | jq '.samples | length')" -eq 2 ]
	[ "$(printf '%s' "$output" | jq -r '.samples[0].source')" = linux ]
	run -0 sqlite3 "$DB" "SELECT count(*) FROM samples; SELECT type FROM names WHERE name = 'net.interfaces.lo.mtu'; PRAGMA integrity_check;"
	[ "${lines[0]}" = 2 ] && [ "${lines[1]}" = int ] && [ "${lines[2]}" = ok ]
	run -2 nbsysctl --list
	assert_output --partial "--list needs --replay"
}

@test "recorder mode: --record without names records the default subtrees silently" {
	run -0 nbsysctl --record "$DB" --interval 0.1 -c 2
	[ -z "$output" ]
	mapfile -t times < <(sample_times "$DB")
	[ "${#times[@]}" -eq 2 ]
	run -0 nbsysctl --replay "$DB" --at "${times[1]}" net.interfaces.lo.mtu
	[ "$output" = "net.interfaces.lo.mtu = $(cat /sys/class/net/lo/mtu)" ]
}

@test "times: before the first sample is an error, after the last a notice" {
	run -0 nbsysctl --record "$DB" net.interfaces.lo.mtu
	run -1 nbsysctl --replay "$DB" --at 2001-01-01 net.interfaces.lo.mtu
	assert_output --partial "before the first sample"
	[ "${#lines[@]}" -eq 1 ]
	run --separate-stderr -0 nbsysctl --replay "$DB" --at now net.interfaces.lo.mtu
	[ "$output" = "net.interfaces.lo.mtu = $(cat /sys/class/net/lo/mtu)" ]
	[[ "$stderr" == *"after the last sample"*"old)"* ]]
}

@test "bad files: one message, exit 1, file untouched" {
	printf 'not a database\n%.0s' {1..100} > "$BATS_TEST_TMPDIR/text"
	sqlite3 "$BATS_TEST_TMPDIR/other.db" 'CREATE TABLE t(x); INSERT INTO t VALUES (1);'
	nbsysctl --record "$BATS_TEST_TMPDIR/newer.db" net.interfaces.lo.mtu
	sqlite3 "$BATS_TEST_TMPDIR/newer.db" 'PRAGMA user_version = 99'
	for f in text:"not an SQLite database" other.db:"another program" newer.db:"newer nbstat"; do
		file="$BATS_TEST_TMPDIR/${f%%:*}"
		sum=$(sha256sum < "$file")
		run -1 nbsysctl --replay "$file" net
		[ "${#lines[@]}" -eq 1 ]
		assert_output --partial "${f#*:}"
		run -1 nbnetstat -i --replay "$file"
		assert_output --partial "${f#*:}"
		run -1 nbsysctl --record "$file" net.interfaces.lo.mtu
		assert_output --partial "${f#*:}"
		[ "$(sha256sum < "$file")" = "$sum" ]
	done
	run -1 nbsysctl --replay "$BATS_TEST_TMPDIR/missing.db" net
	assert_output --partial "No such file"
	[ ! -e "$BATS_TEST_TMPDIR/missing.db" ]
	run -2 nbsysctl --record "$DB" --replay "$DB" net
}

@test "a second recorder on the same file is refused; the first goes on" {
	"$NB_BIN/nbsysctl" --record "$DB" --interval 0.1 -c 15 net.interfaces.lo >/dev/null &
	pid=$!
	for _ in $(seq 50); do [ -s "$DB.lock" ] && break; sleep 0.05; done
	run -1 nbsysctl --record "$DB" net.interfaces.lo.mtu
	assert_output --partial "another recorder (pid $pid)"
	wait "$pid"
	[ "$(sample_times "$DB" | wc -l)" -eq 15 ]
	run -0 nbsysctl --record "$DB" net.interfaces.lo.mtu
}

@test "full disk: a clear error, the file stays valid and replays" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount a small tmpfs"
	MNT="$BATS_TEST_TMPDIR/mnt"
	mkdir -p "$MNT"
	mount -t tmpfs -o size=1m tmpfs "$MNT" || skip "cannot mount tmpfs"
	run -1 nbsysctl --record "$MNT/h.db" --interval 0.01 -c 100000 net
	assert_output --regexp "(full|No space)"
	run -0 sqlite3 "$MNT/h.db" 'PRAGMA integrity_check'
	[ "$output" = ok ]
	n=$(sample_times "$MNT/h.db" | wc -l)
	[ "$n" -ge 1 ]
	run -0 nbsysctl --replay "$MNT/h.db" net.interfaces.lo.mtu
}

@test "read-only file system: a clear error, the file untouched" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount"
	MNT="$BATS_TEST_TMPDIR/mnt"
	mkdir -p "$MNT"
	mount -t tmpfs -o size=4m tmpfs "$MNT" || skip "cannot mount tmpfs"
	nbsysctl --record "$MNT/h.db" net.interfaces.lo.mtu
	mount -o remount,ro "$MNT"
	sum=$(sha256sum < "$MNT/h.db")
	run -1 nbsysctl --record "$MNT/h.db" net.interfaces.lo.mtu
	assert_output --regexp "(Read-only|read-only)"
	[ "${#lines[@]}" -eq 1 ]
	[ "$(sha256sum < "$MNT/h.db")" = "$sum" ]
	run -0 nbsysctl --replay "$MNT/h.db" net.interfaces.lo.mtu
}

@test "kill -9 at 50 random moments: integrity_check, replay, at most the sample in flight lost" {
	# Every sample is printed (one JSON line, flushed) before it is committed
	# at the start of the next one: a killed recorder's file holds every
	# sample printed but the last (the one in flight), or all of them.
	for k in $(seq 50); do
		# (not $i: bats' run changes it)
		f="$BATS_TEST_TMPDIR/k$k.db"
		: >"$BATS_TEST_TMPDIR/k$k.out"	# the kill may come before the shell redirects
		"$NB_BIN/nbsysctl" -j --record "$f" --interval 0.01 -c 100000 -a \
		    >>"$BATS_TEST_TMPDIR/k$k.out" 2>/dev/null &
		pid=$!
		sleep "$(printf '0.%02d' $((RANDOM % 40 + 5)))"
		kill -9 "$pid"
		wait "$pid" 2>/dev/null || true
		run -0 sqlite3 "$f" 'PRAGMA integrity_check'
		[ "$output" = ok ]
		printed=$(wc -l < "$BATS_TEST_TMPDIR/k$k.out")
		saved=$(sample_times "$f" | wc -l)
		if [ "$saved" -lt $((printed - 1)) ] || [ "$saved" -gt "$printed" ]; then
			echo "run $k: $printed samples printed, $saved in the file" >&2
			false
		fi
		if [ "$saved" -gt 0 ]; then
			run -0 nbsysctl --replay "$f" net.interfaces.lo.mtu
			[ "$output" = "net.interfaces.lo.mtu = $(cat /sys/class/net/lo/mtu)" ]
		fi
		rm -f "$f" "$f-wal" "$f-shm" "$f.lock"
	done
}
