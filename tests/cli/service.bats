#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# service.bats - nbstatd.service as cmake --install puts it: in
# lib/systemd/system, its ExecStart the installed daemon, and clean under
# `systemd-analyze verify` (no systemd as PID 1 needed) with the paths
# rebased into the staging directory.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	command -v systemd-analyze >/dev/null || skip "no systemd-analyze"
	[ -d "$NB_BIN/../" ] || skip "no build"
	BUILD=$(cd "$NB_BIN/.." && pwd)
	T="$BATS_TEST_TMPDIR/stage"
}

@test "cmake --install puts nbstatd.service next to the daemon, and systemd-analyze verify finds nothing" {
	run -0 env DESTDIR="$T" cmake --install "$BUILD"
	unit=$(find "$T" -path '*/lib/systemd/system/nbstatd.service')
	[ -n "$unit" ]
	exec_line=$(grep '^ExecStart=' "$unit")
	daemon=${exec_line#ExecStart=}
	daemon=${daemon%% *}
	[ -x "$T$daemon" ]
	sed -e "s|^ExecStart=$daemon|ExecStart=$T$daemon|" "$unit" >"$BATS_TEST_TMPDIR/nbstatd.service"
	run -0 --separate-stderr systemd-analyze verify --man=no "$BATS_TEST_TMPDIR/nbstatd.service"
	[ -z "$output$stderr" ] || fail "$output$stderr"
	# The hardening it promises.
	for key in NoNewPrivileges=yes ProtectSystem=strict "CapabilityBoundingSet=CAP_NET_ADMIN CAP_SYS_PTRACE CAP_DAC_READ_SEARCH" \
	    Type=simple "ExecReload=/bin/kill -HUP \$MAINPID" RuntimeDirectory=nbstat; do
		grep -qxF "$key" "$unit" || fail "no $key"
	done
	# The check can fail: a unit with a mistake is reported.
	sed -e 's/^Type=simple/Type=simpel/' "$BATS_TEST_TMPDIR/nbstatd.service" >"$BATS_TEST_TMPDIR/bad.service"
	run --separate-stderr systemd-analyze verify --man=no "$BATS_TEST_TMPDIR/bad.service"
	[[ $stderr == *"Failed to parse service type"* ]]
}
