#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# history_flip.sh - damaged history files must never replay as wrong output.
#
# Records one history file (nbsysctl --record, the default subtrees, a few
# samples), then COUNT times: a copy with one random byte changed (at a
# random offset, XORed with a random non-zero byte) is replayed with
# `nbnetstat -i --replay F` and `nbsysctl --replay F -a`. Each replay is
#   same      exit 0, stdout equal to the undamaged file's
#   wrong     exit 0, stdout different: the defect this looks for
#   error     exit 1 with one `tool: ...` message and no sanitizer report
#   bad exit  anything else (a signal, a sanitizer report, a hang of 20 s)
# Prints the counts, keeps the files of `wrong` and `bad exit` replays in
# KEEP (default: a directory it prints) and exits 1 if there is any.
#
# Usage: bench/history_flip.sh [BUILD_DIR] [COUNT] [SEED]
#        (tests/cli/history.bats runs it on the ASan build with COUNT 200)
set -euo pipefail
build=${1:-build}
count=${2:-3000}
seed=${3:-$$}
bin=$(cd "$build/bin" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/nbh_flip.XXXXXX")
keep=${KEEP:-$work/kept}
# On exit: nothing left but the kept files (the whole directory when none).
cleanup() {
	rm -f "$work"/f.db* "$work"/h.db* "$work"/out.* "$work"/err.* "$work"/orig.*
	rmdir "$keep" 2>/dev/null || true
	rmdir "$work" 2>/dev/null || true
}
trap cleanup EXIT
mkdir -p "$keep"
RANDOM=$seed

db=$work/h.db
"$bin/nbsysctl" --record "$db" --interval 0.05 -c 4 >/dev/null
size=$(stat -c %s "$db")
cmds=("nbnetstat -i" "nbsysctl -a")
for c in 0 1; do
	read -r tool args <<<"${cmds[$c]}"
	"$bin/$tool" $args --replay "$db" >"$work/orig.$c" 2>/dev/null
done

same=0 wrong=0 error=0 bad=0 wfiles=0
for ((i = 1; i <= count; i++)); do
	w=0
	off=$(( (RANDOM * 32768 + RANDOM) % size ))
	x=$(( RANDOM % 255 + 1 ))
	cp "$db" "$work/f.db"
	o=$(od -An -tu1 -j "$off" -N1 "$db" | tr -d ' ')
	printf "\\x$(printf %02x $(( o ^ x )))" |
	    dd of="$work/f.db" bs=1 seek="$off" conv=notrunc status=none
	for c in 0 1; do
		read -r tool args <<<"${cmds[$c]}"
		rc=0
		timeout 20 "$bin/$tool" $args --replay "$work/f.db" >"$work/out.$c" 2>"$work/err.$c" ||
		    rc=$?
		if [ "$rc" -eq 0 ] && cmp -s "$work/out.$c" "$work/orig.$c"; then
			same=$((same + 1))
		elif [ "$rc" -eq 0 ]; then
			wrong=$((wrong + 1))
			w=1
			cp "$work/f.db" "$keep/wrong.$i.$c.db"
			echo "wrong: byte $off ^ $x, $tool $args: kept $keep/wrong.$i.$c.db" >&2
		elif [ "$rc" -eq 1 ] && [ "$(wc -l <"$work/err.$c")" -eq 1 ] &&
		    grep -q "^$tool: " "$work/err.$c" &&
		    ! grep -qE "Sanitizer|runtime error" "$work/err.$c"; then
			error=$((error + 1))
		else
			bad=$((bad + 1))
			cp "$work/f.db" "$keep/bad.$i.$c.db"
			echo "bad exit $rc: byte $off ^ $x, $tool $args: $(head -c 300 "$work/err.$c")" >&2
		fi
	done
	wfiles=$((wfiles + w))
done
echo "file: $size bytes, seed $seed; $count files, $((2 * count)) replays:" \
    "$same same, $error error, $wrong wrong, $bad bad exit;" \
    "$wfiles of $count files replayed with exit 0 and output different from the original's"
[ "$wrong" -eq 0 ] && [ "$bad" -eq 0 ]
