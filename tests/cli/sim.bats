#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# sim.bats - the tools on the threaded sim source (--source sim): live
# traffic within a one-second interval, capture descriptors, per-CPU
# vectors that sum to their totals, and option errors.

bats_require_minimum_version 1.5.0

load helpers

@test "nbnetstat --source sim -i lists the sim's interfaces and addresses" {
	run nbnetstat --source sim --source-args ifaces=3,addrs=2 -i
	assert_success
	assert_line --regexp '^sim0 +1500 +<Link> +02:00:00:00:00:01 '
	assert_line --regexp '^sim0 +1500 +10\.0\.1\.0/24 +10\.0\.1\.1 '
	assert_line --regexp '^sim1 +1500 +10\.1\.0\.0/24 +10\.1\.0\.1 '
}

@test "nbnetstat --source sim -i -w 1 shows the sim's traffic as nonzero deltas" {
	run nbnetstat --source sim --source-args churn=0,rate=5000 -i -w 1 -c 2 -j
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	# The second line is the delta over one second: 2 workers at 5000 pps.
	python3 - "${lines[1]}" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
assert d["since_boot"] is False, d
assert d["total"]["ipackets"] > 1000, d["total"]
assert d["total"]["opackets"] > 0, d["total"]
PY
}

@test "nbsysctl --source sim -P: a per-CPU vector whose sum is the total" {
	run nbsysctl --source sim --source-args workers=2 -P net.interfaces.sim0.stats.ipackets net.inet.ip.stats.inreceives
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	for l in "${lines[@]}"; do
		python3 - "$l" <<'PY'
import re, sys
m = re.match(r'^\S+ = (\d+) \((.*)\)$', sys.argv[1])
assert m, sys.argv[1]
vec = [int(x.split()[1]) for x in m.group(2).split(', ')]
assert len(vec) >= 3 and vec[0] == 0, vec      # slot 0 is the source's; workers own 1, 2
assert sum(vec) == int(m.group(1)), sys.argv[1]
PY
	done
}

@test "nbsysctl --source sim publishes capture descriptors with their counters" {
	run nbsysctl --source sim --source-args descs=3,churn=0 net.bpf.peers
	assert_success
	assert_output --partial 'comm = simcap0'
	assert_output --partial 'comm = simcap2'
	assert_output --regexp 'rcount = [0-9]+'
	run nbsysctl --source sim --source-args descs=0 net.sim.stats.violations
	assert_success
	assert_output 'net.sim.stats.violations = 0'
}

@test "nbnetstat --source sim -B lists the sim's capture descriptors" {
	run nbnetstat --source sim --source-args descs=3,ifaces=3,churn=0 -B
	assert_success
	assert_line --index 0 'Active BPF peers'
	assert_line --index 1 --regexp '^PID +Int +Recv +Drop +Capt +Flags +Bufsize +Comm$'
	assert_line --regexp '^[0-9]+ +sim0 +[0-9]+ +[0-9]+ +[0-9]+ +-+ +2048 +simcap0$'
	assert_line --regexp '^[0-9]+ +sim2 +[0-9]+ +[0-9]+ +[0-9]+ +\S+ +2048 +simcap2$'
}

@test "nbsysctl --source sim rejects bad sim options" {
	run nbsysctl --source sim --source-args bogus=1 net.sim
	assert_failure 1
	assert_output --partial 'nbsysctl: sim source: sim: bogus=1: unknown option'
	run nbsysctl --source sim --source-args workers=64 net.sim
	assert_failure 1
	assert_output --regexp '^nbsysctl: sim source: sim: workers=64 needs 65 per-CPU slots, the stack has [0-9]+$'
}
