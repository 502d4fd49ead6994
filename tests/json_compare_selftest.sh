#!/bin/sh
# json_compare_selftest.sh — checks that json-compare catches what the
# end-to-end tests rely on it to catch, and lets round-off through.
#
#   sh tests/json_compare_selftest.sh build/json-compare
#
# Run from the repository root.  Uses one reference output, compared with
# itself and with copies that differ in one place (made with Python's json
# module, which writes every other number back unchanged).  Prints PASS/FAIL
# per case; exits nonzero if any case fails.
set -u

CMP=${1:?usage: $0 PATH/TO/json-compare}
REF=../shared/data/expected/sample_conversation.w3.json
PY=/usr/bin/python3

if [ ! -f "$REF" ]; then
    echo "SKIP json-compare selftest: $REF not found"
    exit 0
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
failures=0

# Writes $TMP/NAME.json: REF with one change (a Python statement on d);
# prints what the statement prints (e.g. the key it touched).
make_copy() {
    "$PY" - "$REF" "$TMP/$1.json" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
EOF
}

# check NAME WANT_RC GREP_PATTERN ACTUAL: runs json-compare REF ACTUAL and
# wants exit status WANT_RC and (unless empty) an output line matching
# GREP_PATTERN.
check() {
    name=$1 want_rc=$2 pattern=$3 actual=$4
    "$CMP" "$REF" "$actual" > "$TMP/out" 2>&1
    rc=$?
    if [ "$rc" -ne "$want_rc" ]; then
        echo "FAIL $name: exit $rc, wanted $want_rc"
        sed 's/^/    /' "$TMP/out"
        failures=$((failures + 1))
    elif [ -n "$pattern" ] && ! grep -q -- "$pattern" "$TMP/out"; then
        echo "FAIL $name: no line matching '$pattern'"
        sed 's/^/    /' "$TMP/out"
        failures=$((failures + 1))
    else
        echo "PASS $name"
    fi
}

check "identical file" 0 '^OK$' "$REF"

make_copy weight_1e-6 'd["connections"][0][2] *= 1 + 1e-6'
check "weight changed by 1e-6 relative" 1 '^FAIL connections' "$TMP/weight_1e-6.json"

make_copy vocab_id 'd["vocabulary"][1]["id"] += 1000'
check "vocabulary id changed" 1 '^FAIL vocabulary' "$TMP/vocab_id.json"

# The key as json-compare names it, "(i,j)" (parentheses are literal in a
# basic regular expression).
key=$(make_copy no_connection 'i, j, w = d["connections"].pop(0); print("(%d,%d)" % (i, j))')
check "connection $key removed" 1 "^FAIL connections.*missing $key" "$TMP/no_connection.json"

make_copy weight_1e-12 'd["connections"][0][2] *= 1 + 1e-12'
check "weight changed by 1e-12 relative" 0 '^OK$' "$TMP/weight_1e-12.json"

if [ "$failures" -ne 0 ]; then
    echo "json-compare selftest: $failures case(s) failed"
    exit 1
fi
echo "json-compare selftest: all cases passed"
