#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# libload.bats - the libraries loaded at first use (libpcap by the sim
# source, cairo by --plot, libsqlite3 by history): when one cannot be
# loaded the tool says which and why (dlerror) and exits 1. Each test masks
# the library with /dev/null in a private mount namespace (root), so the
# machine's copy is untouched.

bats_require_minimum_version 1.5.0

load helpers

# lib_path LIB: the file the loader finds for LIB (the ld.so cache, as dlopen).
lib_path() {
	/sbin/ldconfig -p | awk -v l="$1" '$1 == l && /x86-64/ { print $NF; found = 1; exit }
	    END { exit !found }'
}

# masked PATH CMD...: CMD with the library file at PATH replaced by an empty one.
masked() {
	unshare -m /bin/bash -c 'mount --bind /dev/null "$(readlink -f "$1")" && shift && exec "$@"' \
		masked "$@"
}

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (mount namespaces)"
}

@test "the sim source without libpcap: the source's open says why" {
	local p
	p=$(lib_path libpcap.so.0.8) || skip "libpcap.so.0.8 not installed"
	run masked "$p" "$NB_BIN/nbsysctl" --source sim net.sim
	assert_failure 1
	assert_output --regexp '^nbsysctl: sim source: sim: cannot load libpcap\.so\.0\.8: .*libpcap\.so\.0\.8: .+$'
	# Unmasked, the sim opens.
	run -0 nbsysctl --source sim net.sim.stats.violations
	assert_output 'net.sim.stats.violations = 0'
}

@test "--plot without cairo: the figure's first use says why" {
	local d="$BATS_TEST_TMPDIR" p
	p=$(lib_path libcairo.so.2) || skip "libcairo.so.2 not installed"
	run masked "$p" "$NB_BIN/nbnetstat" -i -I lo -w 1 -c 2 --plot "$d/i.svg"
	assert_failure 1
	assert_output --regexp 'nbnetstat: --plot: cannot load libcairo\.so\.2: .*libcairo\.so\.2: .+$'
	[ ! -s "$d/i.svg" ]
}

@test "history without libsqlite3: --replay and --record say why" {
	local p
	p=$(lib_path libsqlite3.so.0) || skip "libsqlite3.so.0 not installed"
	cd "$BATS_TEST_TMPDIR"
	run -0 nbsysctl --record h.db net.interfaces.lo
	run masked "$p" "$NB_BIN/nbsysctl" --replay h.db net.interfaces.lo.mtu
	assert_failure 1
	assert_output --regexp '^nbsysctl: --replay h\.db: cannot load libsqlite3\.so\.0: .*libsqlite3\.so\.0: .+$'
	# --record touches nothing: no file, no lock file.
	run masked "$p" "$NB_BIN/nbsysctl" --record new.db net.interfaces.lo
	assert_failure 1
	assert_output --regexp '^nbsysctl: --record new\.db: cannot load libsqlite3\.so\.0: .*libsqlite3\.so\.0: .+$'
	[ ! -e new.db ]
	[ ! -e new.db.lock ]
	# Unmasked, the file replays.
	run -0 nbsysctl --replay h.db net.interfaces.lo.mtu
	assert_output "net.interfaces.lo.mtu = $(cat /sys/class/net/lo/mtu)"
}
