#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# nbfstat.bats - nbfstat on a fixture root (--root): processes, files and
# unresolved sockets exactly as the fixture's proc/<pid>/fd links say;
# -u and -n filters; --record/--replay give back the same output. On the
# fixture root tests/fixtures/fstat: sockets resolved from its proc/net
# tables (tcp, tcp6, udp, raw, raw6, icmp, netlink) against golden files,
# kern.mount from its proc/self/mountinfo; the MOUNT column from a
# mountinfo naming the fixture's own file system; FILE operands and -f.

bats_require_minimum_version 1.5.0
load helpers

nbfstat() { "$NB_BIN/nbfstat" "$@"; }

FIX="$NB_SRC/tests/fixtures/fstat"
GOLD="$NB_SRC/tests/cli/golden"

# golden NAME TOOL ARGS...: TOOL --root on tests/fixtures/fstat prints
# exactly tests/cli/golden/NAME.ok, nothing on stderr, exit 0.
golden() {
	local name=$1 tool=$2
	shift 2
	run --separate-stderr "$NB_BIN/$tool" --root "$FIX" "$@"
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	diff -u "$GOLD/$name.ok" <(printf '%s\n' "$output") || fail "$name differs"
}

setup() {
	R="$BATS_TEST_TMPDIR/root"
	mkdir -p "$R/proc/4242/fd" "$R/proc/4242/fdinfo" "$R/proc/77/fd" "$R/proc/net"
	printf 'daemon\n' >"$R/proc/4242/comm"
	printf 'Name:\tdaemon\nUid:\t0\t0\t0\t0\n' >"$R/proc/4242/status"
	printf 'hello world\n' >"$R/data.txt"
	chmod 640 "$R/data.txt"
	ln -s "$R/data.txt" "$R/proc/4242/fd/3"
	ln -s 'socket:[777]' "$R/proc/4242/fd/5"
	ln -s 'pipe:[888]' "$R/proc/4242/fd/12"
	printf 'pos:\t6\nflags:\t0100002\n' >"$R/proc/4242/fdinfo/3"
	printf 'helper\n' >"$R/proc/77/comm"
	printf 'Name:\thelper\nUid:\t65534\t65534\t65534\t65534\n' >"$R/proc/77/status"
	ln -s /dev/null "$R/proc/77/fd/0"
}

@test "nbfstat --root: the fixture's processes and descriptors, in order" {
	run -0 nbfstat --root "$R"
	local ino
	ino=$(stat -c %i "$R/data.txt")
	assert_line --index 0 --regexp '^USER +CMD +PID +FD +MOUNT +INUM +MODE +SZ\|DV +R/W +NAME$'
	assert_line --index 1 --regexp '^nobody +helper +77 +0 +[0-9]+,[0-9]+ +[0-9]+ crw-rw-rw- +1,3 -   /dev/null$'
	assert_line --index 2 --regexp "^root +daemon +4242 +3 +[0-9]+,[0-9]+ +$ino -rw-r----- +12 rw  $R/data.txt\$"
	assert_line --index 3 'root     daemon      4242    5* socket 777'
	assert_line --index 4 'root     daemon      4242   12* pipe'
	[ "${#lines[@]}" -eq 5 ]
}

@test "nbfstat --root -j: schema-valid, values as in the fixture" {
	nbfstat --root "$R" -j >"$BATS_TEST_TMPDIR/f.json"
	run -0 validate_json nbfstat.schema.json "$BATS_TEST_TMPDIR/f.json"
	run -0 /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["files"]
assert [(f["pid"], f["fd"], f["type"]) for f in d] == [(77, 0, "chr"), (4242, 3, "file"), (4242, 5, "socket"), (4242, 12, "pipe")], d
f = d[1]
assert (f["size"], f["offset"], f["flags"], f["mode"] & 0o777, f["user"], f["uid"]) == (12, 6, 0o100002, 0o640, "root", 0), f
assert d[2] == {"user": "root", "uid": 0, "cmd": "daemon", "pid": 4242, "fd": 5, "type": "socket", "inode": 777}, d[2]
print("ok")' "$BATS_TEST_TMPDIR/f.json"
	assert_output "ok"
}

@test "nbfstat --root -u, -p, -n" {
	run -0 nbfstat --root "$R" -u nobody
	[ "${#lines[@]}" -eq 2 ]
	assert_line --index 1 --partial "helper"
	run -0 nbfstat --root "$R" -p 4242 -n
	[ "${#lines[@]}" -eq 4 ]
	assert_line --index 1 --regexp '^0 +daemon +4242 +3 .* +100640 +12 rw '
	run -1 nbfstat --root "$R" -p 4243
	assert_output "nbfstat: -p 4243: no such process"
}

@test "nbfstat --record then --replay: the same output" {
	run -0 nbfstat --root "$R" --record "$BATS_TEST_TMPDIR/h.db"
	local live=$output
	run -0 nbfstat --replay "$BATS_TEST_TMPDIR/h.db"
	[ "$output" = "$live" ]
	run -0 nbfstat --replay "$BATS_TEST_TMPDIR/h.db" -p 77 -j
	assert_output --partial '"cmd":"helper"'
}

@test "nbfstat --interval/-c: a snapshot each interval, -j one document per line" {
	# Live (a fixture root is one moment: no interval mode with --root):
	# a process whose descriptors are known and stay put.
	sleep 60 3</dev/null 5<"$NB_SRC/README.md" &
	local pid=$!
	run -0 nbfstat -p "$pid" --interval 0.1 -c 3 -j
	[ "${#lines[@]}" -eq 3 ] || { kill "$pid"; fail "lines: ${#lines[@]}"; }
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/i.json"
	run -0 jq -c '[.files[] | [.pid, .fd]]' "$BATS_TEST_TMPDIR/i.json"
	assert_equal "${#lines[@]}" 3
	assert_equal "${lines[1]}" "${lines[0]}"
	assert_equal "${lines[2]}" "${lines[0]}"
	run -0 jq -c '[.files[] | select(.fd == 3 or .fd == 5) | [.pid, .fd, .path]]' "$BATS_TEST_TMPDIR/i.json"
	assert_equal "${lines[0]}" "[[$pid,3,\"/dev/null\"],[$pid,5,\"$NB_SRC/README.md\"]]"
	run -0 validate_json nbfstat.schema.json "$BATS_TEST_TMPDIR/i.json"
	# Text: the table each time, a blank line between.
	run -0 nbfstat -p "$pid" --interval 0.1 -c 2
	kill "$pid"
	[ "$(grep -c '^USER ' <<<"$output")" -eq 2 ]
	[ "$(grep -c '^$' <<<"$output")" -eq 1 ]
	# A fixture root takes no interval.
	run -2 nbfstat --root "$R" --interval 0.1 -c 2
	assert_output --partial "--root is one moment of a fixture"
}

@test "nbfstat --root tests/fixtures/fstat: sockets from proc/net's tables (golden), -j schema-valid" {
	golden fstat-root nbfstat
	# Spot checks against the fixture's tables.
	assert_line --index 1 'root     sockd       4242    3* internet stream tcp LISTEN 127.0.0.1:8080 rw'
	assert_line --index 4 'root     sockd       4242    6* internet raw icmp * rw'
	assert_line --index 6 'root     sockd       4242    8* internet dgram icmp 127.0.0.1:4660 rw'
	assert_line --index 7 'root     sockd       4242    9* netlink route portid=4242 rw'
	# In no table (udp6 and icmp6 are absent, which is no error): its inode.
	assert_line --index 9 'root     sockd       4242   11* socket 9999 rw'
	golden fstat-root-j nbfstat -j --pretty
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/f.json"
	run -0 validate_json nbfstat.schema.json "$BATS_TEST_TMPDIR/f.json"
}

@test "nbsysctl --root: kern.mount from proc/self/mountinfo (golden), escapes undone" {
	golden sysctl-kern-mount nbsysctl kern.mount
	assert_line 'kern.mount.24.point = /tmp/my dir'
	assert_line 'kern.mount.31.root = /srv/data'
	# A malformed line: an error naming the file and the line.
	local r="$BATS_TEST_TMPDIR/bad"
	mkdir -p "$r/proc/self"
	printf '22 1 254:0 / / rw - ext4 /dev/vda rw\n23 22 0x5 / /dev rw - devtmpfs udev rw\n' \
	    >"$r/proc/self/mountinfo"
	run -1 "$NB_BIN/nbsysctl" --root "$r" kern.mount
	assert_output --partial "$r/proc/self/mountinfo: line 2: not a mountinfo line"
}

@test "nbfstat --root: MOUNT is the mount point of the file's device, a bind mount's second" {
	local dm="$(stat -c '%Hd:%Ld' "$R/data.txt")"
	mkdir -p "$R/proc/self"
	# The same device twice: a bind mount of a subdirectory first (lower
	# id), then the file system's root, which names the column.
	printf '30 1 %s /sub /bound rw - ext4 /dev/x rw\n31 1 %s / /the\\040fs rw - ext4 /dev/x rw\n' \
	    "$dm" "$dm" >"$R/proc/self/mountinfo"
	run -0 nbfstat --root "$R" -p 4242
	assert_line --index 1 --regexp "^root +daemon +4242 +3 /the fs +[0-9]+ -rw-r----- +12 rw  $R/data.txt\$"
	run -0 nbfstat --root "$R" -p 4242 -j
	assert_output --partial '"mount":"/the fs"'
	# Without the root's mount, the bind mount's point.
	printf '30 1 %s /sub /bound rw - ext4 /dev/x rw\n' "$dm" >"$R/proc/self/mountinfo"
	run -0 nbfstat --root "$R" -p 4242
	assert_line --index 1 --regexp "^root +daemon +4242 +3 /bound +[0-9]+ "
}

@test "nbfstat FILE, -f on a fixture root; a FILE that does not exist" {
	run -0 nbfstat --root "$R" "$R/data.txt"
	[ "${#lines[@]}" -eq 2 ]
	assert_line --index 1 --regexp "^root +daemon +4242 +3 .* $R/data.txt\$"
	run -0 nbfstat --root "$R" /dev/null
	[ "${#lines[@]}" -eq 2 ]
	assert_line --index 1 --regexp '^nobody +helper +77 +0 .* /dev/null$'
	# -f: the file system of /dev/null (devtmpfs), not the fixture's.
	run -0 nbfstat --root "$R" -f /dev/zero
	[ "${#lines[@]}" -eq 2 ]
	assert_line --index 1 --partial ' /dev/null'
	run -1 --separate-stderr nbfstat --root "$R" "$R/nosuch" "$R/data.txt"
	assert_equal "$stderr" "nbfstat: $R/nosuch: No such file or directory"
	[ "${#lines[@]}" -eq 2 ]
	run -1 nbfstat --root "$R" "$R/nosuch"
	assert_output "nbfstat: $R/nosuch: No such file or directory"
}
