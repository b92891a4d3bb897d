#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# install_test.sh BUILD_DIR [SANITIZE] - `cmake --install` the nbstat
# component (libnbstat.so.0, sysctl-tree/sysctl.h, nbstat.pc) into a
# temporary prefix, check that the library exports only the sysctl.h API,
# build tests/install/consumer.c there with `pkg-config --cflags --libs
# nbstat` alone, and run it: its values must be the kernel's.
# SANITIZE: the build's sanitizers (its library is instrumented, so the
# consumer is too).
set -euo pipefail
build=$1
san=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install_test: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" --component nbstat >"$tmp/install.log" ||
	{ cat "$tmp/install.log"; fail "cmake --install failed"; }
lib=$(find "$tmp/prefix" -name 'libnbstat.so.0' | head -1)
[ -n "$lib" ] || fail "no libnbstat.so.0 installed"
[ -L "$lib" ] || fail "libnbstat.so.0 is not the soname link"
[ -f "$tmp/prefix/include/sysctl-tree/sysctl.h" ] || fail "sysctl-tree/sysctl.h not installed"
pcdir=$(dirname "$(find "$tmp/prefix" -name nbstat.pc | head -1)")
[ -f "$pcdir/nbstat.pc" ] || fail "nbstat.pc not installed"

# Exported: the sysctl.h API and nothing else (libstack, the sources and
# history stay inside).
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRW]$/ { print $3 }' | sed 's/@.*//' >"$tmp/syms"
grep -q '^nb_sysctl_open$' "$tmp/syms" || fail "nb_sysctl_open not exported"
if grep -v '^nb_sysctl_' "$tmp/syms"; then fail "exports more than nb_sysctl_*"; fi
objdump -p "$lib" >"$tmp/headers" || fail "objdump failed on $lib"
grep -q 'SONAME *libnbstat.so.0$' "$tmp/headers" || fail "soname is not libnbstat.so.0"

# A consumer built from pkg-config's flags alone, outside the source tree.
export PKG_CONFIG_PATH="$pcdir"
flags=$(pkg-config --cflags --libs nbstat) || fail "pkg-config --cflags --libs nbstat failed"
case "$flags" in *"$tmp/prefix"*) ;; *) fail "pkg-config flags do not point into the prefix: $flags" ;; esac
extra=()
[ -z "$san" ] || extra=(-fsanitize="$san")
libdir=$(pkg-config --variable=libdir nbstat)
cp "$here/consumer.c" "$tmp/consumer.c"
# shellcheck disable=SC2086
cc -std=c17 -Wall -Werror "${extra[@]}" "$tmp/consumer.c" -o "$tmp/consumer" $flags \
	-Wl,-rpath,"$libdir" || fail "the consumer does not build"
# ldd's whole output first: grep -q ends at its match, and a writer cut off
# by SIGPIPE would fail the pipeline under pipefail now and then.
deps=$(ldd "$tmp/consumer") || fail "ldd failed on the consumer"
grep -q "libnbstat.so.0 => $libdir" <<<"$deps" || fail "the consumer does not load the installed library"
"$tmp/consumer" >"$tmp/out" || fail "the consumer failed"
cat "$tmp/out"
grep -qxF "kern.hostname = $(uname -n)" "$tmp/out" || fail "kern.hostname is not $(uname -n)"
grep -qxF "net.interfaces.lo.mtu = $(cat /sys/class/net/lo/mtu)" "$tmp/out" ||
	fail "net.interfaces.lo.mtu is not $(cat /sys/class/net/lo/mtu)"
echo "install_test: ok"
