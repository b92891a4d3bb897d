#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# events.bats - a recorder in a namespace keeps the kernel's events between
# its samples, each with its own time, and --events shows them: a link set
# down and up twice between two samples is four link events inside that
# span; interfaces created, renamed and deleted, an address and its route
# added and removed; routes in two tables; a neighbour's states; a capture
# peer opened and closed; -I; JSON against its
# schema; what happened after the last sample is kept at SIGTERM (nbsysctl
# --record and nbstatd --record).

bats_require_minimum_version 1.5.0
load ../cli/helpers
load netns

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	netns_cleanup
	N=$(netns_create ev) || return 1
	export N
	netns_quiet "$N" || return 1
	netns_veth_pairs "$N" 1 e || return 1
}

teardown_file() {
	netns_cleanup
}

teardown() {
	[ -z "${BG:-}" ] || kill "$BG" 2>/dev/null || true
	[ -z "${PK:-}" ] || kill "$PK" 2>/dev/null || true
}

# samples F: the number of samples recorded in F so far.
samples() {
	local n
	n=$("$NB_BIN/nbsysctl" --replay "$1" --list -j 2>/dev/null | jq '.samples | length' 2>/dev/null)
	echo "${n:-0}"
}

# wait_samples F N: until F holds N samples (the recorder's interval is 2 s).
wait_samples() {
	local i
	for i in $(seq 300); do
		[ "$(samples "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	fail "no sample $2 in $1: $(cat "$BATS_TEST_TMPDIR/err")"
}

# sample_ns F K: the time of sample K (1-based) in ns.
sample_ns() {
	"$NB_BIN/nbsysctl" --replay "$1" --list -j | jq ".samples[$(($2 - 1))].t_ns"
}

# sample_iso F K: the same as --from/--to read it.
sample_iso() {
	"$NB_BIN/nbsysctl" --replay "$1" --list -j | jq -r ".samples[$(($2 - 1))].time"
}

@test "a link set down and up twice between two samples: four link events inside that span, in order" {
	f="$BATS_TEST_TMPDIR/h.db"
	ip netns exec "$N" "$NB_BIN/nbsysctl" --record "$f" --interval 2 2>"$BATS_TEST_TMPDIR/err" &
	BG=$!
	wait_samples "$f" 1
	k=$(samples "$f")
	ip -n "$N" link set e0a down
	# The kernel reports the peer's carrier from its linkwatch work, which
	# folds changes that come before it runs (a loaded machine): wait until
	# it has reported e0b's carrier off once.
	for i in $(seq 100); do
		[ "$(ip -n "$N" -j link show e0b | jq -r '.[0].operstate')" = LOWERLAYERDOWN ] && break
		sleep 0.02
	done
	ip -n "$N" link set e0a up
	ip -n "$N" link set e0a down
	ip -n "$N" link set e0a up
	wait_samples "$f" $((k + 1))
	kill -TERM "$BG"
	wait "$BG"
	BG=
	# The span from the last sample before the changes to the first after.
	t1=$(sample_ns "$f" "$k")
	t2=$(sample_ns "$f" $((k + 1)))
	from=$(sample_iso "$f" "$k")
	to=$(sample_iso "$f" $((k + 1)))
	run -0 --separate-stderr nbnetstat --replay "$f" --from "$from" --to "$to" --events -I e0a -j
	[ -z "$stderr" ]
	echo "$output" >"$BATS_TEST_TMPDIR/ev.json"
	run -0 validate_json nbnetstat-events.schema.json "$BATS_TEST_TMPDIR/ev.json"
	links=$(jq -c '[.events[] | select(.event | startswith("link ")) | .event]' "$BATS_TEST_TMPDIR/ev.json")
	assert_equal "$links" '["link down","link up","link down","link up"]'
	# Each with its own time, inside the span, in order; all on e0a.
	jq -e --argjson t1 "$t1" --argjson t2 "$t2" '[.events[] | select(.event | startswith("link "))] |
	    length == 4 and all(.t_ns > $t1 and .t_ns < $t2 and .object == "e0a") and
	    ([.[].t_ns] == ([.[].t_ns] | sort))' "$BATS_TEST_TMPDIR/ev.json"
	# The same four in the text, one line each.
	run -0 nbnetstat --replay "$f" --from "$from" --to "$to" --events -I e0a
	[ "$(grep -cE '^[0-9T:.-]+ +e0a +link (up|down)$' <<<"$output")" -eq 4 ]
	# -I e0b: the peer's carrier followed, none of e0a's events.
	# (the kernel may fold the peer's later carrier changes: how many is its own)
	run -0 nbnetstat --replay "$f" --from "$from" --to "$to" --events -I e0b
	[ "$(grep -cE '^[0-9T:.-]+ +e0b +carrier (on|off)$' <<<"$output")" -ge 1 ]
	[ "$(grep -cvE '^[0-9T:.-]+ +e0b ' <<<"$output")" -eq 1 ]	# the header
	# nbsysctl shows the same timeline.
	run -0 nbsysctl --replay "$f" --from "$from" --to "$to" --events
	[ "$(grep -cE ' e0a +link (up|down)$' <<<"$output")" -eq 4 ]
}

@test "interfaces created, renamed and deleted, an address and its route added and removed between samples, in order" {
	f="$BATS_TEST_TMPDIR/c.db"
	ip netns exec "$N" "$NB_BIN/nbsysctl" --record "$f" --interval 2 2>"$BATS_TEST_TMPDIR/err" &
	BG=$!
	wait_samples "$f" 1
	k=$(samples "$f")
	ip -n "$N" link add xa type veth peer name xb
	ip -n "$N" link set xb name xc
	ip -n "$N" addr add 198.19.5.1/24 dev e0a
	ip -n "$N" addr del 198.19.5.1/24 dev e0a
	ip -n "$N" link del xa
	wait_samples "$f" $((k + 1))
	kill -TERM "$BG"
	wait "$BG"
	BG=
	run -0 nbnetstat --replay "$f" --events -j
	echo "$output" >"$BATS_TEST_TMPDIR/ev.json"
	run -0 validate_json nbnetstat-events.schema.json "$BATS_TEST_TMPDIR/ev.json"
	t1=$(sample_ns "$f" "$k")
	t2=$(sample_ns "$f" $((k + 1)))
	got=$(jq -c --argjson a "$t1" --argjson b "$t2" '[.events[] | select(.t_ns > $a and .t_ns < $b) |
	    select(.event | test("^(created|deleted|renamed|address|route)")) |
	    "\(.object) \(.event) \(.detail)"]' "$BATS_TEST_TMPDIR/ev.json")
	assert_equal "$got" '["xb created ","xa created ","xc renamed from xb","e0a address added 198.19.5.1/24","e0a route added 198.19.5.0/24","e0a address removed 198.19.5.1/24","e0a route removed 198.19.5.0/24","xa deleted ","xc deleted "]'
	# The load of the first sample is not an event.
	t0=$(sample_ns "$f" 1)
	[ "$(jq --argjson t "$t0" '[.events[] | select(.t_ns <= $t)] | length' "$BATS_TEST_TMPDIR/ev.json")" -eq 0 ]
}

@test "SIGTERM after the last sample keeps what happened since (written at close)" {
	f="$BATS_TEST_TMPDIR/t.db"
	# One sample, then none for a minute: what follows is only written at close.
	ip netns exec "$N" "$NB_BIN/nbsysctl" --record "$f" --interval 60 2>"$BATS_TEST_TMPDIR/err" &
	BG=$!
	wait_samples "$f" 1
	ip -n "$N" link add ya type veth peer name yb
	ip -n "$N" link set e0a down
	ip -n "$N" link set e0a up
	# The recorder's event thread takes the kernel's messages as they come;
	# give it the moment to (nothing else tells that it has).
	sleep 0.5
	kill -TERM "$BG"
	wait "$BG"
	BG=
	[ "$(samples "$f")" -eq 1 ]
	t0=$(sample_ns "$f" 1)
	run -0 nbnetstat --replay "$f" --events -j
	got=$(jq -c --argjson t "$t0" '[.events[] | select(.t_ns > $t) |
	    select(.event | test("^(created|link)")) | "\(.object) \(.event)"]' <<<"$output")
	assert_equal "$got" '["yb created","ya created","e0a link down","e0a link up"]'
}

@test "a capture peer opened and closed: its events at the samples that saw it come and go" {
	f="$BATS_TEST_TMPDIR/b.db"
	ip netns exec "$N" "$NB_BIN/nbsysctl" --record "$f" --interval 1 2>"$BATS_TEST_TMPDIR/err" &
	BG=$!
	wait_samples "$f" 1
	ip netns exec "$N" "$NB_BIN/pktsock" if=e0a >"$BATS_TEST_TMPDIR/pk.out" 2>&1 &
	PK=$!
	for _ in $(seq 100); do grep -q READY "$BATS_TEST_TMPDIR/pk.out" && break; sleep 0.05; done
	grep -q READY "$BATS_TEST_TMPDIR/pk.out" || fail "pktsock: $(cat "$BATS_TEST_TMPDIR/pk.out")"
	k=$(samples "$f")
	wait_samples "$f" $((k + 1))
	kill "$PK"
	wait "$PK" || true
	PK=
	k=$(samples "$f")
	wait_samples "$f" $((k + 1))
	kill -TERM "$BG"
	wait "$BG"
	BG=
	run -0 nbnetstat --replay "$f" --events -I e0a -j
	got=$(jq -c '[.events[] | select(.event | startswith("capture")) | .event]' <<<"$output")
	assert_equal "$got" '["capture opened","capture closed"]'
	jq -e '[.events[] | select(.event | startswith("capture"))] | all(.detail | test("^id [0-9]+ pid [0-9]+ pktsock$"))' <<<"$output"
}

@test "nbstatd --record keeps them too: a link set down and up twice after its sample, written at SIGTERM" {
	f="$BATS_TEST_TMPDIR/d.db"
	sd=$(mktemp -d /tmp/nbstatd-ev.XXXXXX)
	ip netns exec "$N" "$NB_BIN/nbstatd" --config /dev/null -S "$sd/s.sock" --record "$f" \
	    --interval 60 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	BG=$!
	wait_samples "$f" 1
	ip -n "$N" link set e0a down
	ip -n "$N" link set e0a up
	ip -n "$N" link set e0a down
	ip -n "$N" link set e0a up
	sleep 0.5	# as above: the daemon's event thread takes them as they come
	kill -TERM "$BG"
	wait "$BG"
	BG=
	rm -rf "$sd"
	[ "$(samples "$f")" -eq 1 ]
	t0=$(sample_ns "$f" 1)
	run -0 nbnetstat --replay "$f" --events -I e0a -j
	got=$(jq -c --argjson t "$t0" '[.events[] | select(.t_ns > $t and (.event | startswith("link "))) |
	    .event]' <<<"$output")
	assert_equal "$got" '["link down","link up","link down","link up"]'
}

@test "routes added and removed (main and another table), a neighbour's states and its removal between samples" {
	f="$BATS_TEST_TMPDIR/r.db"
	ip netns exec "$N" "$NB_BIN/nbsysctl" --record "$f" --interval 2 2>"$BATS_TEST_TMPDIR/err" &
	BG=$!
	wait_samples "$f" 1
	k=$(samples "$f")
	ip -n "$N" route add 203.0.113.0/24 dev e0a
	ip -n "$N" route add 198.51.100.0/24 dev e0a table 100
	ip -n "$N" route del 203.0.113.0/24 dev e0a
	ip -n "$N" route del 198.51.100.0/24 dev e0a table 100
	ip -n "$N" neigh add 198.18.0.9 lladdr 02:00:00:00:00:09 dev e0a nud permanent
	ip -n "$N" neigh replace 198.18.0.9 lladdr 02:00:00:00:00:09 dev e0a nud stale
	ip -n "$N" neigh del 198.18.0.9 dev e0a
	wait_samples "$f" $((k + 1))
	kill -TERM "$BG"
	wait "$BG"
	BG=
	t1=$(sample_ns "$f" "$k")
	t2=$(sample_ns "$f" $((k + 1)))
	run -0 nbnetstat --replay "$f" --events -I e0a -j
	got=$(jq -c --argjson a "$t1" --argjson b "$t2" '[.events[] | select(.t_ns > $a and .t_ns < $b) |
	    select(.event | test("^(route|neighbour)")) | select(.detail | test("^(203|198\\.51|198\\.18\\.0\\.9)")) |
	    "\(.event) \(.detail)"] |
	    map(select(. != "neighbour 198.18.0.9 failed"))' <<<"$output")
	# (the kernel marks a neighbour it deletes failed first: that state is its own)
	assert_equal "$got" '["route added 203.0.113.0/24","route added 198.51.100.0/24 table 100","route removed 203.0.113.0/24","route removed 198.51.100.0/24 table 100","neighbour 198.18.0.9 permanent","neighbour 198.18.0.9 stale","neighbour removed 198.18.0.9"]'
}
