#!/bin/sh
# e2e.sh — end-to-end checks of `huey run`:
#   1. every expected output of ../shared/data/expected that huey can
#      produce (tests/expected-cases.txt), compared by json-compare with
#      |x - e| <= 1e-9 * max(1, |e|) and exact vocabulary / connection sets;
#   2. the AVX2 and scalar kernels give byte-identical JSON;
#   3. bad input: one-line errors, exit 1 for input and 2 for usage errors.
# The transcripts are read from ../shared/data at test time, never copied.
set -u
HUEY=${HUEY:-bin/huey}
CMP=${CMP:-build/json-compare}
DATA=../shared/data
. tests/lib.sh

# ---- 1. expected outputs ---------------------------------------------------
if [ -d "$DATA/expected" ]; then
    expected_cases | while read -r name input flags; do
        # shellcheck disable=SC2086
        if ! "$HUEY" run "$DATA/$input" $flags --progress-interval 0 --json "$OUT/$name.json" 2>"$OUT/$name.err"; then
            echo "FAIL expected/$name: huey exited $?"; sed 's/^/     /' "$OUT/$name.err"; continue
        fi
        if "$CMP" --rtol 1e-9 "$DATA/expected/$name.json" "$OUT/$name.json" >"$OUT/$name.cmp" 2>&1; then
            echo "ok   expected/$name"
        else
            echo "FAIL expected/$name"; grep -v '^ok' "$OUT/$name.cmp" | sed 's/^/     /'
        fi
    done > "$OUT/expected.log"
    cat "$OUT/expected.log"
    n=$(grep -c '^FAIL' "$OUT/expected.log" || true)
    fails=$((fails + n))
else
    echo "SKIPPED expected outputs: $DATA/expected not found"
fi

# ---- 2. scalar and AVX2 kernels agree byte for byte --------------------------
# (and sigma's and the window scan's AVX-512 kernels on AMD cores that have
# them; HUEY_CPU_AVX512=0 runs the AVX2 ones there instead, as on Intel
# cores, so both vector sets are checked on such a machine; a bias of +-750
# puts every incoming sum beyond sigma's saturation at +-708)
strip() { grep -v -e '^  "timing"' -e '"cpu_simd"' "$1"; }
for case in "TrumpInterview.txt" "FeynmanYoung.txt --no-conversation-mode" "sample_conversation.txt --window-size 3 --activation-kernel incoming" \
            "TrumpInterview.txt --activation-kernel incoming --bias 750" "TrumpInterview.txt --activation-kernel incoming --bias -750"; do
    # shellcheck disable=SC2086
    set -- $case
    f=$1; shift
    [ -f "$DATA/$f" ] || continue
    "$HUEY" run "$DATA/$f" "$@" --progress-interval 0 --cpu-simd false --json "$OUT/scalar.json" 2>/dev/null
    strip "$OUT/scalar.json" > "$OUT/scalar.json.stripped"
    for avx512 in 1 0; do
        rm -f "$OUT/simd.json"
        if HUEY_CPU_AVX512=$avx512 "$HUEY" run "$DATA/$f" "$@" --progress-interval 0 --cpu-simd true \
               --json "$OUT/simd.json" 2>/dev/null &&
           [ -s "$OUT/scalar.json.stripped" ] && strip "$OUT/simd.json" | cmp -s - "$OUT/scalar.json.stripped"; then
            pass "kernels agree (HUEY_CPU_AVX512=$avx512): $case"
        else
            fail "kernels differ (HUEY_CPU_AVX512=$avx512): $case"
        fi
    done
    rm -f "$OUT/scalar.json.stripped"
done

# ---- 3. bad input ----------------------------------------------------------
printf 'Alice: hello there friend\nBob: hello again\n' > "$OUT/ok.txt"
printf 'Alice: caf\303 bad byte\nBob: fine\n' > "$OUT/badutf8.txt"
printf 'Alice: nul\000 byte\nBob: fine\n' > "$OUT/nul.txt"
: > "$OUT/empty.txt"
printf 'window_size = 3\nthis line is wrong\n' > "$OUT/bad.conf"
printf 'no_such_key = 3\n' > "$OUT/unknown.conf"

expect 1 "missing.txt" "missing file" -- run "$OUT/missing.txt"
expect 1 "directory" "a directory" -- run "$OUT"
expect 1 "badutf8.txt.*byte offset 10" "invalid UTF-8 names the byte offset" -- run "$OUT/badutf8.txt"
expect 1 "NUL" "NUL byte" -- run "$OUT/nul.txt"
expect 2 "unknown option '--frobnicate'" "unknown option" -- run --frobnicate 1 "$OUT/ok.txt"
expect 2 "window_size.*'0'" "--window-size 0" -- run --window-size 0 "$OUT/ok.txt"
expect 2 "window_size.*'-3'" "--window-size -3" -- run --window-size -3 "$OUT/ok.txt"
expect 2 "window_size.*'abc'" "--window-size abc" -- run --window-size abc "$OUT/ok.txt"
# the per-window tables hold 1024 tokens and the speaker: 1025 is refused
# (it used to run, writing past them), 1024 learns a window of 1025 neurons
expect 2 "window_size: expected an integer from 1 to 1024, got '1025'" "--window-size 1025" -- \
    run --window-size 1025 "$OUT/ok.txt"
awk 'BEGIN { for (i = 0; i < 1034; i++) printf "w%d ", i; printf "\n" }' > "$OUT/wide.txt"
if "$HUEY" run "$OUT/wide.txt" --no-conversation-mode --window-size 1024 --max-neurons 2000 \
       --progress-interval 0 --json "$OUT/wide.json" 2>"$OUT/stderr" &&
   grep -q '"windows": 11,' "$OUT/wide.json" && grep -q '"living_neurons": 1035,' "$OUT/wide.json"; then
    pass "--window-size 1024: 11 windows of 1025 neurons"
else
    fail "--window-size 1024"; sed 's/^/     /' "$OUT/stderr" | head -5
fi
expect 2 "connection_probability.*'1.5'" "probability out of range" -- run --connection-probability 1.5 "$OUT/ok.txt"
expect 2 "bad.conf:2" "malformed config names file:line" -- run --config "$OUT/bad.conf" "$OUT/ok.txt"
expect 2 "unknown.conf:1.*no_such_key" "unknown config key" -- run --config "$OUT/unknown.conf" "$OUT/ok.txt"
expect 2 "no input files" "no inputs" -- run --window-size 3
# output paths are checked before learning: nothing else is written
expect 2 "option --json $OUT/nodir/x.json: directory $OUT/nodir does not exist" "--json in a missing directory" \
    -- run "$OUT/ok.txt" --checkpoint "$OUT/early.h5" --json "$OUT/nodir/x.json"
if [ -e "$OUT/early.h5" ]; then fail "--json in a missing directory: the checkpoint was written before the check"; fi
expect 2 "option --checkpoint $OUT/ok.txt/c.h5: $OUT/ok.txt is not a directory" "--checkpoint under a file" \
    -- run "$OUT/ok.txt" --checkpoint "$OUT/ok.txt/c.h5"
expect 2 "option --json $OUT: $OUT is a directory" "--json names a directory" -- run "$OUT/ok.txt" --json "$OUT"
expect 2 "option --galileo $OUT/ok.txt/g: $OUT/ok.txt is not a directory" "--galileo under a file" \
    -- run "$OUT/ok.txt" --galileo "$OUT/ok.txt/g"
expect 2 "unknown command" "unknown command" -- frob

# empty file: a warning, an empty network, exit 0
if "$HUEY" run "$OUT/empty.txt" --json "$OUT/empty.json" 2>"$OUT/stderr" && grep -q "warning: .*empty" "$OUT/stderr" &&
   grep -q '"living_neurons": 0,' "$OUT/empty.json"; then
    pass "empty file: warning, empty network"
else
    fail "empty file"; sed 's/^/     /' "$OUT/stderr"
fi

# a 100 MB line: refused in conversation mode (names file:line), streamed as plain text
awk 'BEGIN { s = "word "; while (length(s) < 1048576) s = s s; for (i = 0; i < 100; i++) printf "%s", s; printf "\n" }' > "$OUT/long.txt"
expect 1 "long.txt: line 1 " "100 MB line, conversation mode" -- run "$OUT/long.txt"
if "$HUEY" run "$OUT/long.txt" --no-conversation-mode --max-windows 1000 --progress-interval 0 --json "$OUT/long.json" 2>"$OUT/stderr"; then
    pass "100 MB line, plain text (streamed)"
else
    fail "100 MB line, plain text"; sed 's/^/     /' "$OUT/stderr"
fi
rm -f "$OUT/long.txt"

# several inputs: the same speaker name is the same speaker
printf 'Alice: one two three four\nBob: five six seven eight\n' > "$OUT/a.txt"
printf 'Alice: nine ten eleven twelve\nCarol: more words here now\n' > "$OUT/b.txt"
if "$HUEY" run "$OUT/a.txt" "$OUT/b.txt" --window-size 2 --json "$OUT/ab.json" 2>/dev/null &&
   grep -q '"speakers": \["Alice", "Bob", "Carol"\]' "$OUT/ab.json" &&
   grep -q '"Alice": {"neuron_id": 0, "blocks_processed": 2' "$OUT/ab.json"; then
    pass "several inputs share speakers"
else
    fail "several inputs share speakers"
fi

# bounded runs stop where asked
"$HUEY" run "$DATA/TrumpInterview.txt" --max-windows 100 --json "$OUT/mw.json" 2>/dev/null
if grep -q '"windows": 100,' "$OUT/mw.json" && grep -q '"stop_reason": "max_windows"' "$OUT/mw.json"; then
    pass "--max-windows 100"
else
    fail "--max-windows 100"
fi

# kill lists: the built-in one, none, a file of our own (reference cleaning)
printf "Alice: the cat and the dog ran home\nBob: IT'S the dog that ran\n" > "$OUT/kill.txt"
printf "DOG, ran\n" > "$OUT/mykill.txt"
tok() { "$HUEY" run "$OUT/kill.txt" --window-size 2 "$@" --json "$OUT/k.json" 2>/dev/null && grep -o '"tokens_after_kill_filter": [0-9]*' "$OUT/k.json" | head -1 | cut -d' ' -f2; }
t_def=$(tok); t_none=$(tok --kill-file none); t_mine=$(tok --kill-file "$OUT/mykill.txt")
if [ "$t_def" = 7 ] && [ "$t_none" = 12 ] && [ "$t_mine" = 8 ]; then
    pass "kill lists: default 7, none 12, own file 8 tokens"
else
    fail "kill lists: default $t_def (want 7), none $t_none (12), own $t_mine (8)"
fi
expect 1 "nokill.txt" "missing kill file" -- run --kill-file "$OUT/nokill.txt" "$OUT/ok.txt"

# --max-words and --time-budget stop early and say so
"$HUEY" run "$DATA/TrumpInterview.txt" --max-words 500 --json "$OUT/mwd.json" 2>/dev/null
if grep -q '"stop_reason": "max_words"' "$OUT/mwd.json" && grep -q '"time_budget_hit": true' "$OUT/mwd.json"; then
    pass "--max-words 500"
else
    fail "--max-words 500"
fi
"$HUEY" run "$DATA/TrumpInterview.txt" "$DATA/TrumpInterview.txt" "$DATA/TrumpInterview.txt" --time-budget 0.001 --json "$OUT/tb.json" 2>/dev/null
if grep -q '"stop_reason": "time_budget"' "$OUT/tb.json"; then pass "--time-budget"; else fail "--time-budget"; fi

# configs/reference.conf lists every key at its default with its help, in
# step with the table: after its own 5-line header it is --print-config
if tail -n +6 configs/reference.conf > "$OUT/conf.a" &&
   "$HUEY" run --print-config > "$OUT/conf.b" && cmp -s "$OUT/conf.a" "$OUT/conf.b"; then
    pass "configs/reference.conf matches the option table"
else
    fail "configs/reference.conf differs from 'huey run --print-config'"
fi
"$HUEY" run "$DATA/sample_conversation.txt" --window-size 3 --json "$OUT/plain.json" 2>/dev/null
"$HUEY" run --config configs/reference.conf "$DATA/sample_conversation.txt" --window-size 3 --json "$OUT/conf.json" 2>/dev/null
if grep -v '^  "timing"' "$OUT/plain.json" > "$OUT/p1" && grep -v '^  "timing"' "$OUT/conf.json" > "$OUT/p2" && cmp -s "$OUT/p1" "$OUT/p2"; then
    pass "--config configs/reference.conf changes nothing; flags override it"
else
    fail "--config configs/reference.conf"
fi

# which huey wrote an output: --version, the JSON's timing line and the
# checkpoint (huey info) name the same version; in a git checkout it is
# git describe's
v=$("$HUEY" --version | sed -n 's/^huey //p')
"$HUEY" run "$OUT/ok.txt" --progress-interval 0 --json "$OUT/v.json" --checkpoint "$OUT/v.h5" 2>/dev/null
if [ -n "$v" ] && grep -q "\"huey_version\": \"$v\"" "$OUT/v.json" &&
   "$HUEY" info "$OUT/v.h5" | grep -q "^checkpoint $OUT/v.h5 (format version 1, written by huey $v)$" &&
   { [ ! -e .git ] || [ "$v" = "$(git describe --always --dirty)" ]; }; then
    pass "huey --version ($v) = the JSON's huey_version = the checkpoint's"
else
    fail "huey --version '$v' and the outputs' versions differ"
fi

# README documents every key
missing=""
for k in $(grep -v '^#' configs/reference.conf | grep ' = ' | cut -d' ' -f1); do
    grep -q "\`$k\`" README.md || missing="$missing $k"
done
if [ -z "$missing" ]; then pass "README lists every option"; else fail "README misses:$missing"; fi

# make bench's floor tool (tools/bench_floor.c): holds the rows it is asked
# for, and refuses counts it cannot hold (more rows than copies)
if [ -n "${FLOOR:-}" ]; then
    if "$FLOOR" 64 4 10 10 >"$OUT/floor" 2>&1 && grep -q "copies_held 64 rows 4 len 16 neurons 10 kernel" "$OUT/floor"; then
        pass "bench-floor: 64 copies in 4 rows of 16"
    else
        fail "bench-floor 64 4 10 10:"; sed 's/^/     /' "$OUT/floor"
    fi
    "$FLOOR" 4 8 10 >/dev/null 2>"$OUT/floor"
    if [ $? -eq 2 ] && grep -q "ROWS <= COPIES" "$OUT/floor"; then
        pass "bench-floor: more rows than copies refused (exit 2)"
    else
        fail "bench-floor 4 8 10 was not refused"
    fi
fi

finish e2e
