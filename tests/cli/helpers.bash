# SPDX-License-Identifier: BSD-2-Clause
# helpers.bash - loaded by every bats file: assertions, where the binaries
# are, and the JSON Schema validator.
bats_load_library bats-support
bats_load_library bats-assert

: "${NB_BIN:=${BATS_TEST_DIRNAME}/../../build-asan/bin}"
NB_SRC="$(cd "${BATS_TEST_DIRNAME}/../.." && pwd)"
export NB_SRC NB_BIN
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

nbsysctl()  { "$NB_BIN/nbsysctl" "$@"; }
nbnetstat() { "$NB_BIN/nbnetstat" "$@"; }

# validate_json SCHEMA FILE: JSON Schema (draft 2020-12/07) check with
# Debian's python3-jsonschema; one document or one object per line.
validate_json() {
	/usr/bin/python3 - "$NB_SRC/schema/$1" "$2" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
v = cls(schema)
text = open(sys.argv[2]).read()
docs = []
try:
    docs = [json.loads(text)]
except json.JSONDecodeError:
    docs = [json.loads(l) for l in text.splitlines() if l.strip()]
for d in docs:
    v.validate(d)
print("valid", len(docs))
PY
}

# hermetic CMD...: CMD in a private mount namespace whose /etc holds a hosts
# file and an nsswitch.conf of the test's own (an overlay over the real
# /etc), so a name the output resolves (127.0.0.1 -> localhost) never
# depends on the machine's resolver: a minimal Debian has no /etc/hosts.
hermetic() {
	local d
	d=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/hermetic.XXXXXX")
	unshare -m /bin/bash -c '
		set -e
		d=$1; shift
		mount -t tmpfs hermetic "$d"
		mkdir "$d/upper" "$d/work"
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$d/upper,workdir=$d/work" /etc
		printf "127.0.0.1\tlocalhost\n" >/etc/hosts
		printf "hosts: files\nnetworks: files\n" >/etc/nsswitch.conf
		exec "$@"' hermetic "$d" "$@"
}
