#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# docs.bats - the documentation agrees with the code: every option a tool's
# --help names is in its man page and every option the man page names is in
# --help; every man page in docs/ is clean under mandoc's lint.

bats_require_minimum_version 1.5.0
load helpers

# help_opts TOOL: the options `TOOL --help` names, one a line, sorted:
# "--long" and "-x" (a cluster "-abc" is -a, -b, -c; "-s[s]" is -s).
help_opts() {
	"$NB_BIN/$1" --help | /usr/bin/python3 -c '
import re, sys
opts = set()
for m in re.finditer(r"(?<![\w/-])(--[a-z][a-z0-9-]*|-[A-Za-z]+)(?![\w-])|(?<![\w/-])-([A-Za-z]+)\[", sys.stdin.read()):
    tok = m.group(1) or "-" + m.group(2)
    if tok.startswith("--"):
        opts.add(tok)
    else:
        opts.update("-" + c for c in tok[1:])
print("\n".join(sorted(opts)))'
}

# man_opts PAGE: the options the mdoc page names with Fl, one a line,
# sorted: ".Fl -json" is --json, ".Op Fl abc" is -a, -b, -c, ".Fl b , d" is
# -b and -d (arguments up to the next macro).
man_opts() {
	/usr/bin/python3 - "$1" <<'PY'
import re, sys
opts = set()
for line in open(sys.argv[1]):
    if not line.startswith("."):
        continue
    toks = line[1:].split()
    i = 0
    while i < len(toks):
        if toks[i] != "Fl":
            i += 1
            continue
        i += 1
        while i < len(toks) and not re.fullmatch(r"[A-Z][a-z][a-z]?", toks[i]):
            t = toks[i]
            if t.startswith("-") and len(t) > 1:
                opts.add("-" + t)
            elif re.fullmatch(r"[A-Za-z]+", t):
                opts.update("-" + c for c in t)
            i += 1
print("\n".join(sorted(opts)))
PY
}

# same_opts TOOL PAGE: the two lists are equal (the diff says what differs).
same_opts() {
	local h m
	h=$(help_opts "$1")
	m=$(man_opts "$NB_SRC/docs/$2")
	[ -n "$h" ] || fail "$1 --help names no option"
	[ "$h" = "$m" ] && return 0
	diff -u --label "$1 --help" --label "docs/$2" <(echo "$h") <(echo "$m")
	fail "$1 --help and docs/$2 name different options"
}

@test "nbnetstat --help and nbnetstat.1 name the same options" {
	same_opts nbnetstat nbnetstat.1
}

@test "nbvmstat --help and nbvmstat.1 name the same options" {
	same_opts nbvmstat nbvmstat.1
}

@test "nbfstat --help and nbfstat.1 name the same options" {
	same_opts nbfstat nbfstat.1
}

@test "nbsysctl --help and nbsysctl.8 name the same options" {
	same_opts nbsysctl nbsysctl.8
}

@test "the option lists see what they must: clusters, long options, -s[s]" {
	run -0 help_opts nbnetstat
	assert_line -- "-a"
	assert_line -- "-q"
	assert_line -- "--help"
	assert_line -- "--source-args"
	run -0 man_opts "$NB_SRC/docs/nbnetstat.1"
	assert_line -- "-a"
	assert_line -- "--pretty"
	assert_line -- "--source-args"
}

@test "mandoc -T lint -W warning is clean on every page in docs/" {
	local page pages=("$NB_SRC"/docs/*.[1-9])
	[ ${#pages[@]} -ge 4 ] || fail "pages missing: ${pages[*]}"
	for page in "${pages[@]}"; do
		run --separate-stderr mandoc -T lint -W warning "$page"
		[ "$status" -eq 0 ] && [ -z "$output$stderr" ] ||
		    fail "$(basename "$page"): $output$stderr"
	done
}

@test "every tool's --help names --help and --version, and -j without -w" {
	local tool
	for tool in nbnetstat nbvmstat nbfstat nbsysctl; do
		run -0 help_opts "$tool"
		assert_line -- "--help"
		assert_line -- "--version"
		run -0 "$NB_BIN/$tool" --help
		assert_line --regexp '^  -j, --json .*interval mode'
		refute_line --regexp '--json.*-w'
		run -0 "$NB_BIN/$tool" --version
		assert_output --regexp "^$tool [0-9]"
	done
}

@test "nbstatd --help and nbstatd.8 name the same options" {
	same_opts nbstatd nbstatd.8
}
