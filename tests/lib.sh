# lib.sh — what every shell test shares; sourced after set -u.
#   pass MSG / fail MSG    one check's line ("ok   MSG" / "FAIL MSG")
#   finish NAME            the verdict line; exit 1 after any failure
#   check NAME CMD...      pass NAME if CMD succeeds, else fail NAME
#   expected_cases         the lines "NAME INPUT FLAGS..." of
#                          tests/expected-cases.txt, comments and blank
#                          lines left out
#   expect CODE PATTERN LABEL -- ARGS...
#                          "$HUEY" ARGS must exit with CODE and write exactly
#                          one stderr line, matching PATTERN
#   OUT                    a temporary folder, removed on exit
#   MPIRUN                 mpirun as root, oversubscribed, unbound
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1
MPIRUN="mpirun --oversubscribe --bind-to none"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
fails=0
pass() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
finish() {
    if [ "$fails" -eq 0 ]; then
        echo "$1: OK"
    else
        echo "$1: FAILED ($fails)"
        exit 1
    fi
}
expected_cases() { grep -v -e '^#' -e '^[[:space:]]*$' tests/expected-cases.txt; }
check() { name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
expect() {
    code=$1; pattern=$2; label=$3; shift 4
    "$HUEY" "$@" >"$OUT/stdout" 2>"$OUT/stderr"
    got=$?
    lines=$(grep -c . "$OUT/stderr")
    if [ "$got" -eq "$code" ] && grep -q -e "$pattern" "$OUT/stderr" && [ "$lines" -eq 1 ]; then
        pass "$label (exit $got)"
    else
        fail "$label: exit $got (want $code), $lines stderr line(s):"; sed 's/^/     /' "$OUT/stderr" | head -5
    fi
}
