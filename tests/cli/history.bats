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
	if [ -n "${RODIR:-}" ]; then
		rm -rf "$RODIR"
	fi
}

# as_nobody CMD...: run CMD as uid/gid 65534 with no groups.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# A root-owned directory (0755) outside the test's own 0700 tree.
rodir() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to own the file"
	command -v setpriv >/dev/null || skip "setpriv(1) not installed"
	RODIR=$(mktemp -d /tmp/nbt-$$-ro.XXXXXX)
	chmod 0755 "$RODIR"
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

# null_text FILE TABLE COLUMN ID: that row's text becomes NULL, as a damaged
# file may hold it: the column's NOT NULL is dropped from the schema first,
# so that PRAGMA integrity_check still passes.
null_text() {
	sqlite3 "$1" ".dbconfig defensive off" "PRAGMA writable_schema = ON;
	    UPDATE sqlite_schema SET sql = replace(sql, '$3	TEXT NOT NULL', '$3	TEXT') WHERE name = '$2';" >/dev/null
	sqlite3 "$1" "UPDATE $2 SET $3 = NULL WHERE id = $4"
	[ "$(sqlite3 "$1" 'PRAGMA integrity_check')" = ok ]
}

@test "a NULL name part, string or description: damaged, exit 1, for replay and for record" {
	nbsysctl --record "$DB" net.interfaces.lo >/dev/null
	for t in part:text str:text descr:text; do
		f="$BATS_TEST_TMPDIR/${t%%:*}.db"
		cp "$DB" "$f"
		null_text "$f" "${t%%:*}" "${t#*:}" 1
		run -1 nbsysctl --replay "$f" net.interfaces.lo
		assert_output --regexp "^nbsysctl: --replay .*: damaged sample at [0-9T:-]+Z \(id 1\): ${t%%:*} row 1: no text$"
		run -1 nbnetstat -i --replay "$f"
		assert_output --partial "${t%%:*} row 1: no text"
		run -1 nbsysctl --record "$f" net.interfaces.lo.mtu
		assert_output --partial "damaged database (${t%%:*} row 1: no text)"
	done
}

@test "a value changed in a sample row: damaged sample at TIME (id N), exit 1; the other samples replay" {
	run -0 nbsysctl --record "$DB" --interval 0.05 -c 3 net.interfaces.lo
	mapfile -t times < <(sample_times "$DB")
	want=$(nbsysctl --replay "$DB" --at "${times[1]}" net.interfaces.lo)
	sqlite3 "$DB" 'UPDATE sample SET nvalues = nvalues + 1 WHERE id = 3'
	[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ]
	t=$(sqlite3 "$DB" "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', t_ns / 1000000000, 'unixepoch') FROM sample WHERE id = 3")
	run -1 nbnetstat -i --replay "$DB"
	assert_output "nbnetstat: --replay $DB: damaged sample at $t (id 3): checksum mismatch"
	run -1 nbsysctl --replay "$DB" --list
	assert_output --partial "damaged sample row 3: checksum mismatch"
	run -0 nbsysctl --replay "$DB" --at "${times[1]}" net.interfaces.lo
	[ "$output" = "$want" ]
}

@test "one byte changed anywhere in the file: 200 files, no replay exits 0 with wrong output" {
	run -0 "$NB_SRC/bench/history_flip.sh" "$NB_BIN/.." 200
	echo "$output"
	assert_line --partial "0 wrong, 0 bad exit"
}

@test "a reader never writes: another user replays a root-owned 0644 file in a root-owned 0755 directory" {
	rodir
	f="$RODIR/h.db"
	run -0 nbsysctl --record "$f" --interval 0.05 -c 3 net.interfaces.lo
	chmod 0644 "$f"
	want=$(nbsysctl --replay "$f" net.interfaces.lo)
	before=$(ls -A "$RODIR"; stat -c %y "$RODIR"; sha256sum < "$f")
	# The recorder has exited: no -wal, no -shm, and nobody may create them.
	[ ! -e "$f-wal" ] && [ ! -e "$f-shm" ]
	run -0 as_nobody "$NB_BIN/nbsysctl" --replay "$f" net.interfaces.lo
	[ "$output" = "$want" ]
	run -0 as_nobody "$NB_BIN/nbnetstat" -i --replay "$f"
	run -0 as_nobody "$NB_BIN/nbsysctl" --replay "$f" --list
	[ "${#lines[@]}" -eq 4 ]
	[ "$(ls -A "$RODIR"; stat -c %y "$RODIR"; sha256sum < "$f")" = "$before" ]
	# While a recorder appends (its -shm is read-only to the reader): still readable.
	"$NB_BIN/nbsysctl" --record "$f" --interval 0.1 -c 20 net.interfaces.lo >/dev/null &
	pid=$!
	for _ in $(seq 50); do [ -e "$f-shm" ] && break; sleep 0.05; done
	run -0 as_nobody "$NB_BIN/nbsysctl" --replay "$f" net.interfaces.lo.mtu
	[ "$output" = "net.interfaces.lo.mtu = $(cat /sys/class/net/lo/mtu)" ]
	wait "$pid"
	run -0 as_nobody "$NB_BIN/nbsysctl" --replay "$f" --list
	[ "${#lines[@]}" -eq 24 ]
}

@test "a file of an older schema is read as it is, and upgraded only by a recorder" {
	rodir
	f="$RODIR/v3.db"
	# Version 3: the version 4 fixture (names as full text, as every file
	# before version 5) without the checksums of version 4.
	sqlite3 "$f" < "$NB_SRC/tests/fixtures/history/v4.sql"
	mapfile -t times < <(sample_times "$f")
	want=$(nbsysctl --replay "$f" --at "${times[2]}" net.interfaces.lo)
	[[ $want == *'net.interfaces.lo.mtu = '* ]]
	sqlite3 "$f" "ALTER TABLE descr DROP COLUMN checksum; ALTER TABLE str DROP COLUMN checksum;
	    ALTER TABLE name DROP COLUMN checksum; ALTER TABLE shape DROP COLUMN checksum;
	    ALTER TABLE sample DROP COLUMN checksum; PRAGMA user_version = 3; VACUUM; PRAGMA integrity_check"
	chmod 0644 "$f"
	sum=$(sha256sum < "$f")
	run -0 nbsysctl --replay "$f" --at "${times[2]}" net.interfaces.lo
	[ "$output" = "$want" ]
	run -0 as_nobody "$NB_BIN/nbsysctl" --replay "$f" --at "${times[2]}" net.interfaces.lo
	[ "$output" = "$want" ]
	[ "$(sha256sum < "$f")" = "$sum" ]
	[ "$(sqlite3 "$f" 'PRAGMA user_version')" = 3 ]
	# A recorder upgrades it; every sample, old and new, then verifies.
	run -0 nbsysctl --record "$f" net.interfaces.lo >/dev/null
	# ... to the newest version: the highest NNN of schema/history.
	latest=$(ls "$BATS_TEST_DIRNAME/../../schema/history" | sed -n 's/^0*\([0-9][0-9]*\)-.*/\1/p' |
	    sort -n | tail -1)
	[ "$(sqlite3 "$f" 'PRAGMA user_version')" = "$latest" ]
	[ "$(sqlite3 "$f" "SELECT count(*) FROM sqlite_schema WHERE name = 'event'")" = 1 ]
	[ "$(sqlite3 "$f" 'SELECT count(*) FROM sample WHERE checksum IS NULL')" = 0 ]
	[ "$(sqlite3 "$f" 'SELECT count(*) FROM name_full')" = "$(sqlite3 "$f" 'SELECT sum(n) FROM name')" ]
	mapfile -t times < <(sample_times "$f")
	[ "${#times[@]}" -eq 5 ]
	run -0 as_nobody "$NB_BIN/nbsysctl" --replay "$f" --at "${times[2]}" net.interfaces.lo
	[ "$output" = "$want" ]
}

@test "a version 4 file (names as text, fixture v4.sql) is read as it is; a recorder converts it to the name tree (schema 5)" {
	f="$BATS_TEST_TMPDIR/v4.db"
	sqlite3 "$f" < "$NB_SRC/tests/fixtures/history/v4.sql"
	[ "$(sqlite3 "$f" 'PRAGMA user_version')" = 4 ]
	sum=$(sha256sum < "$f")
	mapfile -t times < <(sample_times "$f")
	[ "${#times[@]}" -eq 4 ]
	want=()
	for t in "${times[@]}"; do
		run -0 nbsysctl --replay "$f" --at "$t" -a
		want+=("$output")
	done
	assert_line --partial 'net.interfaces.lo.stats.ibytes = '
	[[ ${want[0]} == *'net.interfaces.a\.b.mtu = '* ]]
	[ "$(sha256sum < "$f")" = "$sum" ]
	names=$(sqlite3 "$f" 'SELECT id, name, type, flags, descr FROM names ORDER BY id')
	[ "$(wc -l <<<"$names")" -eq 263 ]
	# A recorder upgrades it: names become parts and runs with the same ids.
	run -0 nbsysctl --record "$f" net.interfaces.lo.mtu
	# ... through 5 (the name tree) to the newest version (NNN of schema/history).
	latest=$(ls "$BATS_TEST_DIRNAME/../../schema/history" | sed -n 's/^0*\([0-9][0-9]*\)-.*/\1/p' |
	    sort -n | tail -1)
	[ "$latest" -ge 5 ]
	[ "$(sqlite3 "$f" 'PRAGMA user_version')" = "$latest" ]
	[ "$(sqlite3 "$f" "SELECT count(*) FROM sqlite_schema WHERE name = 'name_v4'")" = 0 ]
	[ "$(sqlite3 "$f" 'SELECT id, name, type, flags, descr FROM names WHERE id <= 263 ORDER BY id')" = "$names" ]
	# Fewer rows than names: runs of leaves under one parent.
	(( $(sqlite3 "$f" 'SELECT count(*) FROM name') < 263 / 2 ))
	for k in "${!times[@]}"; do
		run -0 nbsysctl --replay "$f" --at "${times[$k]}" -a
		[ "$output" = "${want[$k]}" ]
	done
	run -0 nbsysctl --replay "$f" net.interfaces.lo.mtu
	[ "$output" = "net.interfaces.lo.mtu = $(cat /sys/class/net/lo/mtu)" ]
	run -0 sqlite3 "$f" 'PRAGMA integrity_check'
	[ "$output" = ok ]
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
	"$NB_BIN/nbsysctl" --record "$MNT/h.db" --interval 0.01 -c 100000 net >/dev/null \
	    2>"$BATS_TEST_TMPDIR/stderr" &
	pid=$!
	# Since schema 5 a sample of `net` adds a few hundred bytes: once one
	# is committed, the rest of the file system is filled, so the next
	# commit meets a full disk (rather than after hours of samples).
	for _ in $(seq 600); do
		[ "$(nbsysctl --replay "$MNT/h.db" --list 2>/dev/null | wc -l)" -ge 2 ] && break
		sleep 0.1
	done
	dd if=/dev/zero of="$MNT/fill" bs=4096 2>/dev/null || true
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 1 ]
	mapfile -t stderr_lines <"$BATS_TEST_TMPDIR/stderr"
	stderr=$(cat "$BATS_TEST_TMPDIR/stderr")
	echo "$stderr"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" =~ ^nbsysctl:\ .*(full|No\ space) ]]
	run -0 sqlite3 "$MNT/h.db" 'PRAGMA integrity_check'
	[ "$output" = ok ]
	n=$(sample_times "$MNT/h.db" | wc -l)
	[ "$n" -ge 1 ]
	run -0 nbsysctl --replay "$MNT/h.db" net.interfaces.lo.mtu
}

@test "EIO from the disk during --record (NBH_TEST_EIO_AFTER): a clear error, the file stays valid, every committed sample replays" {
	# The test hook fails every write and sync of the recorder's files after
	# the first N (history/src/faultvfs.c): during the first sample (its
	# names), and after some samples were committed.
	for n in 40 150 400; do
		f="$BATS_TEST_TMPDIR/eio$n.db"
		NBH_TEST_EIO_AFTER=$n run -1 --separate-stderr \
		    nbsysctl --record "$f" --interval 0.02 -c 100000 net.interfaces
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ "$stderr" =~ ^nbsysctl:\ .*(I/O\ error|Input/output\ error)$ ]]
		run -0 sqlite3 "$f" 'PRAGMA integrity_check'
		[ "$output" = ok ]
		mapfile -t times < <(sample_times "$f")
		if [ "$n" -eq 40 ]; then
			[ "${#times[@]}" -eq 0 ]
			run -1 nbsysctl --replay "$f" net.interfaces.lo.mtu
			assert_output --regexp "no (sample|history) recorded in this file yet"
			continue
		fi
		[ "${#times[@]}" -ge 2 ]
		for t in "${times[@]}"; do
			run -0 nbsysctl --replay "$f" --at "$t" net.interfaces.lo.mtu
			[ "$output" = "net.interfaces.lo.mtu = $(cat /sys/class/net/lo/mtu)" ]
		done
		# And a recorder (no fault now) appends to it.
		run -0 nbsysctl --record "$f" net.interfaces.lo.mtu
		[ "$(sample_times "$f" | wc -l)" -eq $(( ${#times[@]} + 1 )) ]
	done
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

@test "--retain: older samples pruned by keyframe, free pages given back, old files converted" {
	run -0 nbsysctl --record "$DB" --retain 1s --interval 0.02 -c 150 net.interfaces
	q() { sqlite3 "$DB" "$1"; }
	n=$(q 'SELECT count(*) FROM sample')
	[ "$n" -lt 150 ]
	# Gone: every sample before the keyframe the newest second decodes from.
	first=$(q 'SELECT min(id) FROM sample')
	key=$(q 'SELECT keyframe FROM sample WHERE t_ns >= (SELECT max(t_ns) FROM sample) - 1000000000 ORDER BY t_ns LIMIT 1')
	[ "$first" -gt 1 ] && [ "$first" = "$key" ]
	[ "$(q 'SELECT count(*) FROM shape WHERE id < (SELECT shape FROM sample ORDER BY id LIMIT 1)')" = 0 ]
	[ "$(q 'PRAGMA auto_vacuum')" = 2 ]
	[ "$(q 'PRAGMA freelist_count')" -le 128 ]
	[ "$(q 'PRAGMA integrity_check')" = ok ]
	mapfile -t times < <(sample_times "$DB")
	[ "${#times[@]}" -eq "$n" ]
	run -0 nbsysctl --replay "$DB" --at "${times[0]}" net.interfaces.lo.mtu
	# A file made without incremental auto-vacuum is converted; young samples stay.
	rm -f "$DB"*
	run -0 nbsysctl --record "$DB" --interval 0.02 -c 3 net.interfaces.lo
	q 'PRAGMA journal_mode = DELETE; PRAGMA auto_vacuum = NONE; VACUUM;' >/dev/null
	[ "$(q 'PRAGMA auto_vacuum')" = 0 ]
	run -0 nbsysctl --record "$DB" --retain 7d net.interfaces.lo.mtu
	[ "$(q 'PRAGMA auto_vacuum')" = 2 ]
	[ "$(q 'SELECT count(*) FROM sample')" = 4 ]
	[ "$(q 'PRAGMA integrity_check')" = ok ]
	# Usage errors.
	run -2 nbsysctl --record "$DB" --retain 7x net.interfaces.lo.mtu
	assert_output --partial "--retain 7x: invalid"
	run -2 nbsysctl --retain 12h net.interfaces.lo.mtu
	assert_output --partial "--retain needs --record"
	run -2 nbnetstat -i --retain 0d --record "$DB"
}

@test "the sqlite3 shell shows decoded values with the nbhistory_sqlite extension" {
	ext="$NB_BIN/../lib/nbhistory_sqlite"
	[ -e "$ext.so" ]
	run -0 nbsysctl --record "$DB" --interval 0.05 -c 3 net.interfaces.lo
	mapfile -t times < <(sample_times "$DB")
	for s in 1 2 3; do
		run -0 sqlite3 "$DB" ".load $ext" \
		    "SELECT name || ' = ' || value FROM history_values WHERE sample = $s AND name LIKE 'net.interfaces.lo.%'"
		[ "${#lines[@]}" -gt 20 ]
		[ "$output" = "$(nbsysctl --replay "$DB" --at "${times[$((s - 1))]}" net.interfaces.lo)" ]
	done
	run -0 sqlite3 "$DB" ".load $ext" \
	    "SELECT time, value FROM history_values WHERE name = 'net.interfaces.lo.mtu' ORDER BY t_ns"
	[ "${#lines[@]}" -eq 3 ]
	assert_line --index 2 --regexp "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\|$(cat /sys/class/net/lo/mtu)$"
	run -0 sqlite3 "$DB" ".load $ext" "SELECT count(*) FROM history_sample(99)"
	assert_output 0
}

@test "progress: nothing on stderr unless it is a terminal; on a terminal a line cleared at the end" {
	run -0 nbsysctl --record "$DB" --interval 0.1 -c 3 net.interfaces.lo
	mapfile -t times < <(sample_times "$DB")
	# Not a terminal: stderr stays empty for --list and a replay that seeks.
	run -0 --separate-stderr nbsysctl --replay "$DB" --list
	[ -z "$stderr" ]
	run -0 --separate-stderr nbnetstat -i --replay "$DB" --at "${times[2]}"
	[ -z "$stderr" ]
	command -v script >/dev/null || skip "script(1) not installed"
	# A terminal (script -q): the percentage, then the line is cleared.
	run -0 script -qec "$NB_BIN/nbnetstat -i --replay $DB --at ${times[2]} >/dev/null" /dev/null
	[[ "$output" == *"reading $DB... "*"%"* ]]
	[[ "$output" == *$'\r\e[K'* ]]
	run -0 script -qec "$NB_BIN/nbsysctl --replay $DB --list >/dev/null" /dev/null
	[[ "$output" == *"reading $DB... 0%"* ]]
	# --list to a terminal: the rows are the progress.
	run -0 script -qec "$NB_BIN/nbsysctl --replay $DB --list" /dev/null
	[[ "$output" != *"reading"* ]]
}

