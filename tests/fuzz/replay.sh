#!/bin/sh
# replay.sh DIR NAME... — make test's cheap check of the fuzz harnesses
# (no fuzzing): each harness DIR/fuzz-NAME runs once over every input it
# ever failed on (tests/fuzz/regress/NAME/*, each fixed since), then on
# 200 inputs of its own (fixed seed) to show that it runs at all.
set -u
DIR=$1; shift
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0}
. tests/lib.sh
for n in "$@"; do
    set --
    for f in tests/fuzz/regress/"$n"/*; do [ -f "$f" ] && set -- "$@" "$f"; done
    if [ $# -gt 0 ]; then
        if "$DIR/fuzz-$n" -timeout=5 -close_fd_mask=3 "$@" > "$OUT/$n.log" 2>&1; then
            pass "fuzz-$n: $# regression inputs replayed"
        else
            fail "fuzz-$n: a regression input fails again"; grep -m3 -e ERROR -e 'runtime error' -e 'fuzz ' "$OUT/$n.log" | sed 's/^/     /'
        fi
    fi
    if "$DIR/fuzz-$n" -runs=200 -seed=1 -timeout=5 -max_len=4096 -close_fd_mask=3 > "$OUT/$n.log" 2>&1; then
        pass "fuzz-$n: 200 generated inputs"
    else
        fail "fuzz-$n: generated inputs fail"; grep -m3 -e ERROR -e 'runtime error' -e 'fuzz ' "$OUT/$n.log" | sed 's/^/     /'
    fi
done
finish fuzz-regress
