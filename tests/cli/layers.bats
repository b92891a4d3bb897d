#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# layers.bats - who may include what (docs/architecture.md): the tools and
# libnbtool see only the tree (sysctl-tree/sysctl.h) and nbtool/nbtool.h;
# the tree's public header needs nothing of the layers below it; the core
# (libstack) knows no source, and the sources use only its public header.

load helpers

# includes DIR...: every #include "..." line of the C files under DIR.
includes() {
	(cd "$NB_SRC" && grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' \
	    --include='*.c' --include='*.h' "$@")
}

@test "tools and libnbtool include no libstack, source or history header" {
	run includes nbnetstat nbvmstat nbfstat nbsysctl libnbtool
	assert_success
	# Sanity: the search sees the tools' includes at all.
	assert_output --partial 'sysctl-tree/sysctl.h'
	refute_output --regexp '(nbstack|nbhistory|nbsource)/'
	refute_output --regexp '"(stack-internal|backend|mib|hist)\.h"'
}

@test "libnbtool includes only sysctl-tree/sysctl.h and nbtool/nbtool.h of the project" {
	run bash -c "cd '$NB_SRC' && grep -rhE '^#include \"' libnbtool | sort -u"
	assert_success
	assert_output --partial '"nbtool/nbtool.h"'
	refute_output --regexp '#include "([^sn]|s[^y]|n[^b]|nb[^t])'
	refute_output --regexp '#include "(sysctl-tree/[^s]|nbtool/[^n])'
}

@test "sysctl-tree/sysctl.h needs no header of the layers below" {
	run includes sysctl-tree/include
	assert_success
	assert_output --partial '<stdint.h>'
	refute_output --regexp '(nbstack|nbhistory|nbsource)/'
}

@test "libstack (the core) includes no source, libnl or libpcap header" {
	run includes libstack
	assert_success
	assert_output --partial 'nbstack/stack.h'
	refute_output --regexp '(nbsource/|source_linux|source_sim|nl_linux|netlink/|pcap)'
}

@test "the sources use only the public stack API, not its internals" {
	run includes sources
	assert_success
	assert_output --partial '"nbstack/stack.h"'
	refute_output --regexp '"(stack-internal|source)\.h"'
	refute_output --partial 'libstack/src'
}
