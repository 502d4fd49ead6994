#!/bin/sh
# align.sh — `huey align A B` (huey-model.md §12.5) on space files: the
# reference's expected outputs (web_torgerson_galileo, gpu_class_galileo)
# and small hand-written space.json files with an imaginary dimension
# whose answer is known: B is A with its real plane turned by 90 degrees
# and shifted, and its imaginary axis shifted, so the alignment is exact;
# a mirror image is not (proper rotations only). Checkpoints (their
# torgerson space, as huey galileo writes it): one with itself, with its
# own space.json (mixed sides: the same answer), two different runs, a
# batch file's network. Errors: too few shared labels, no space in the
# file, different blocks, a damaged checkpoint, a checkpoint without a
# space, usage.
set -u
HUEY=${HUEY:-bin/huey}
EXP=../shared/data/expected
. tests/lib.sh

# overall FILE KEY: the number after KEY on the "# overall" line
overall() { awk -v k="$2" '/^# overall/ { for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$1"; }
# below X LIMIT: 0 <= X < LIMIT
below() { [ -n "$1" ] && awk -v x="$1" -v l="$2" 'BEGIN { exit !(x >= 0 && x < l) }'; }
# finite_positive X / above X LIMIT
finite_positive() { [ -n "$1" ] && awk -v x="$1" 'BEGIN { exit !(x > 0 && x < 1e300) }'; }
above() { [ -n "$1" ] && awk -v x="$1" -v l="$2" 'BEGIN { exit !(x > l) }'; }
# rotation FILE WHICH "ROW1 ROW2 ...": the printed rotation, rows joined, within 1e-12
rotation() {
    awk -v w="$2" -v want="$3" '$0 ~ "^# " w " rotation row" { for (i = 6; i <= NF; i++) got[++n] = $i }
        END { if (split(want, t, " ") != n) exit 1
              for (i = 1; i <= n; i++) { d = got[i] - t[i]; if (d < -1e-12 || d > 1e-12) exit 1 } }' "$1"
}
# fails CODE MESSAGE ARGS...: huey align exits with CODE and says MESSAGE
fails() {
    code=$1 msg=$2; shift 2
    "$HUEY" align "$@" >"$OUT/o" 2>"$OUT/e"; rc=$?
    [ "$rc" -eq "$code" ] && grep -q "$msg" "$OUT/e"
}

# ---- the reference's spaces ----
"$HUEY" align "$EXP/blue.w5.dump.json" "$EXP/blue.w5.dump.json" >"$OUT/self" 2>"$OUT/e"
check "a space aligned with itself: exit 0" test $? -eq 0
check "a space aligned with itself: 50 matched" grep -q "^# matched 50 labels, fitted on 50 (0 free)" "$OUT/self"
check "a space aligned with itself: RMS 0 (< 1e-12)" below "$(overall "$OUT/self" rms_euclidean)" 1e-12
check "a space aligned with itself: 50 concept rows" test "$(grep -vc '^#' "$OUT/self")" -eq 50

"$HUEY" align "$EXP/sample_conversation.w3.json" "$EXP/sample_conversation.w3.cpu.json" >"$OUT/two" 2>"$OUT/e"
check "two runs (w3 vs w3.cpu): exit 0" test $? -eq 0
check "two runs: finite RMS > 0" finite_positive "$(overall "$OUT/two" rms_euclidean)"
check "two runs: finite mean pseudo-norm" finite_positive "$(overall "$OUT/two" mean_abs_pseudo_norm)"
check "two runs: no imaginary block (3 positive eigenvalues)" \
    grep -q "^# blocks: 3 real, 0 imaginary dimensions; A has 41 concepts, B 41" "$OUT/two"

"$HUEY" align "$EXP/FeynmanYoung.conv.json" "$EXP/FeynmanYoung.cp1.dump.json" --object gpu_class_galileo \
    >"$OUT/gpu" 2>"$OUT/e"
check "--object gpu_class_galileo: all 132 concepts matched" grep -q "^# matched 132 labels" "$OUT/gpu"
check "--object gpu_class_galileo: finite RMS" finite_positive "$(overall "$OUT/gpu" rms_euclidean)"

check "fewer than 3 shared labels: clear error, exit 1" \
    fails 1 "only 1 label(s) in both; a rotation needs at least 3" "$EXP/blue.w5.dump.json" \
    "$EXP/blue_mandarin_chinese.w5.dump.json"
check "a reference run without a space: its error, exit 1" \
    fails 1 "web_torgerson_galileo holds no space: reference routine returned no plot" \
    "$EXP/blue.w5.dump.json" "$EXP/blue.default.dump.json"

# ---- hand-made spaces with an imaginary dimension ----
# A's columns: real, imaginary, real (eigenvalues 4, -1, 2); g only in A
cat >"$OUT/a.json" <<'J'
{"method": "test", "profile": "none",
 "labels": ["a", "b", "c", "d", "e", "g"],
 "coordinates": [[0, 1, 0], [1, 2, 0], [0, 0.5, 2], [3, -1, 1], [-1, 0, 2], [5, 5, 5]],
 "eigenvalues_desc": [4, -1, 2]}
J
# B: columns real, real, imaginary; (x, y) -> (-y, x) + (10, -3), imaginary + 5; f only in B
cat >"$OUT/b.json" <<'J'
{"labels": ["f", "e", "d", "c", "b", "a"],
 "coordinates": [[1, 1, 1], [8, -4, 5], [9, 0, 4], [8, -3, 5.5], [10, -2, 7], [10, -3, 6]],
 "selected_eigenvalues": [4, 2, -1]}
J
# M: A's mirror image in the real plane, (x, y) -> (x, -y)
cat >"$OUT/m.json" <<'J'
{"labels": ["a", "b", "c", "d", "e"],
 "coordinates": [[0, 0, 1], [1, 0, 2], [0, -2, 0.5], [3, -1, -1], [-1, -2, 0]],
 "eigenvalues_desc": [4, 2, -1]}
J
"$HUEY" align "$OUT/a.json" "$OUT/b.json" >"$OUT/ab" 2>"$OUT/e"
check "turned and shifted: exit 0" test $? -eq 0
check "turned and shifted: 2 real + 1 imaginary block" grep -q "^# blocks: 2 real, 1 imaginary" "$OUT/ab"
check "turned and shifted: 5 matched, g and f dropped" sh -c \
    'grep -q "^# matched 5 labels" "$1" && grep -q "^# only in A, dropped (1): g$" "$1" &&
     grep -q "^# only in B, dropped (1): f$" "$1"' sh "$OUT/ab"
check "turned and shifted: recovered exactly (RMS < 1e-12)" below "$(overall "$OUT/ab" rms_euclidean)" 1e-12
turn_found() { rotation "$OUT/ab" real "0 -1 1 0" && rotation "$OUT/ab" imaginary "1"; }
check "turned and shifted: the 90-degree turn found, imaginary axis kept" turn_found
"$HUEY" align "$OUT/a.json" "$OUT/m.json" >"$OUT/am" 2>"$OUT/e"
check "mirror image: not undone (RMS > 0.1)" above "$(overall "$OUT/am" rms_euclidean)" 0.1
check "mirror image: a real residual, so a positive signed pseudo-norm" \
    above "$(overall "$OUT/am" mean_signed_pseudo_norm_sq)" 0
"$HUEY" align "$OUT/a.json" "$OUT/b.json" --free d >"$OUT/free" 2>"$OUT/e"
check "--free d: fitted on 4, d still reported" sh -c \
    'grep -q "^# matched 5 labels, fitted on 4 (1 free)" "$1" && grep -q " free  *d$" "$1"' sh "$OUT/free"
check "--free d: no warning" sh -c '! grep -q . "$1"' sh "$OUT/e"
"$HUEY" align "$OUT/a.json" "$OUT/b.json" --free d,zz,g >"$OUT/free" 2>"$OUT/e"
check "--free d,zz,g: zz (in neither) and g (in A only) warned of, d freed" sh -c \
    'grep -q "^# matched 5 labels, fitted on 4 (1 free)" "$1" && test "$(grep -c "nothing to free" "$2")" -eq 2 &&
     grep -q -- "--free zz: not a label of both" "$2" && grep -q -- "--free g: not a label of both" "$2"' \
    sh "$OUT/free" "$OUT/e"
"$HUEY" align "$OUT/a.json" "$OUT/b.json" --json >"$OUT/j" 2>"$OUT/e"
check "--json: matched, rms, rotations, concepts" sh -c \
    'grep -q "\"matched\": 5" "$1" && grep -q "\"rms_euclidean\":" "$1" && grep -q "\"rotation_imaginary\": \[\[1.0\]\]" "$1" &&
     grep -q "\"only_in_a\": \[\"g\"\]" "$1" && test "$(grep -o "\"label\":" "$1" | wc -l)" -eq 5' sh "$OUT/j"

sed 's/"eigenvalues_desc": \[4, -1, 2\]/"eigenvalues_desc": [4, -1e-12, 2]/' "$OUT/a.json" >"$OUT/z.json"
"$HUEY" align "$OUT/z.json" "$OUT/z.json" >"$OUT/zz" 2>"$OUT/e"
check "an eigenvalue of -1e-12 is zero, so its axis is real" grep -q "^# blocks: 3 real, 0 imaginary" "$OUT/zz"

# ---- checkpoints ----
IN=tests/data/example_conversation.txt
"$HUEY" run "$IN" --progress-interval 0 --checkpoint "$OUT/c.h5" 2>/dev/null
"$HUEY" run "$IN" --progress-interval 0 --window-size 5 --checkpoint "$OUT/c5.h5" 2>/dev/null
"$HUEY" galileo "$OUT/c.h5" --method torgerson --out "$OUT/cg" 2>/dev/null
"$HUEY" align "$OUT/c.h5" "$OUT/c.h5" >"$OUT/cc" 2>"$OUT/e"
check "a checkpoint with itself: exit 0, its 50 torgerson concepts matched" sh -c \
    'test "$1" -eq 0 && grep -q "^# matched 50 labels, fitted on 50 (0 free)" "$2" &&
     grep -q "(torgerson space: --concepts 50 --min-mass 0 --profile reference)" "$2"' sh $? "$OUT/cc"
check "a checkpoint with itself: RMS < 1e-12" below "$(overall "$OUT/cc" rms_euclidean)" 1e-12
"$HUEY" align "$OUT/c.h5" "$OUT/cg/space.json" >"$OUT/cj" 2>"$OUT/e"
"$HUEY" align "$OUT/cg/space.json" "$OUT/cg/space.json" >"$OUT/jj" 2>"$OUT/e"
check "a checkpoint and its space.json (mixed): the same answer as the space.json twice" sh -c \
    'tail -n +2 "$1" >"$1.tail" && tail -n +2 "$2" | cmp -s - "$1.tail"' sh "$OUT/cj" "$OUT/jj"
"$HUEY" align "$OUT/c.h5" "$OUT/c5.h5" >"$OUT/c5" 2>"$OUT/e"
check "two different checkpoints (window 7 vs 5): exit 0, finite RMS > 0" \
    finite_positive "$(overall "$OUT/c5" rms_euclidean)"
check "two different checkpoints: finite mean pseudo-norm" finite_positive "$(overall "$OUT/c5" mean_abs_pseudo_norm)"
check "two different checkpoints: every concept row finite" sh -c \
    'grep -v "^#" "$1" | awk "{ for (i = 1; i <= 3; i++) if (\$i !~ /^-?[0-9][0-9.e+-]*\$/) exit 1 }"' sh "$OUT/c5"
"$HUEY" align "$OUT/c.h5" "$OUT/c5.h5" --concepts 10 >"$OUT/c10" 2>"$OUT/e"
check "--concepts 10 applies to both checkpoints" grep -q "^# blocks: .*; A has 10 concepts, B 10" "$OUT/c10"
mkdir -p "$OUT/convs"
cp "$IN" "$OUT/convs/ex.txt"
cp "$IN" "$OUT/convs/again.txt"
"$HUEY" run --batch "$OUT/convs" --checkpoint "$OUT/batch.h5" >/dev/null 2>&1
"$HUEY" align "$OUT/batch.h5" "$OUT/cg/space.json" --conversation ex.txt >"$OUT/bc" 2>"$OUT/e"
check "--conversation ex.txt: a batch file's network aligned with the single run's space, RMS < 1e-12" \
    below "$(overall "$OUT/bc" rms_euclidean)" 1e-12
"$HUEY" align "$OUT/a.json" "$OUT/b.json" --concepts 10 >/dev/null 2>"$OUT/e"
check "--concepts with two space files: a warning, still aligned" sh -c \
    'test "$1" -eq 0 && grep -q "apply to checkpoints only" "$2"' sh $? "$OUT/e"
"$HUEY" align "$OUT/c.h5" "$OUT/c.h5" --object web_torgerson_galileo >/dev/null 2>"$OUT/e"
check "--object with two checkpoints: a warning, still aligned" sh -c \
    'test "$1" -eq 0 && grep -q "object applies to space files only" "$2"' sh $? "$OUT/e"
printf 'A: hello there\nB: hi\n' >"$OUT/tiny.txt"
"$HUEY" run "$OUT/tiny.txt" --progress-interval 0 --checkpoint "$OUT/tiny.h5" 2>/dev/null
check "a checkpoint without a space: its reason, exit 1" fails 1 "tiny.h5: fewer than 3 concepts" \
    "$OUT/tiny.h5" "$OUT/c.h5"
check "a bad --profile: usage, exit 2" fails 2 "expected reference or fixed" "$OUT/c.h5" "$OUT/c.h5" --profile x

# ---- errors ----
check "different blocks: error, exit 1" fails 1 "the spaces have different blocks" \
    "$OUT/a.json" "$EXP/blue.w5.dump.json"
check "--free leaving fewer than 3: error" fails 1 "only 2 of the 5 labels in both are not --free" \
    "$OUT/a.json" "$OUT/b.json" --free a,b,c
printf '\211HDF\r\n\032\n' >"$OUT/x.h5"
check "a damaged checkpoint: its path, exit 1" fails 1 "x.h5: cannot open" "$OUT/x.h5" "$OUT/a.json"
check "one space only: usage, exit 2" fails 2 "align needs two spaces" "$OUT/a.json"
check "unknown option: exit 2" fails 2 "unknown option '--bogus'" "$OUT/a.json" "$OUT/b.json" --bogus
echo '{"labels": ["a"], "coordinates": [[1, 2], [3]]}' >"$OUT/bad.json"
check "rows and labels disagree: exit 1" fails 1 "1 labels but 2 coordinate rows" "$OUT/bad.json" "$OUT/a.json"
echo '{"labels": [' >"$OUT/broken.json"
check "not JSON: exit 1 with the line" fails 1 "broken.json: not JSON: line 2" "$OUT/broken.json" "$OUT/a.json"
check "missing file: exit 1" fails 1 "nope.json: No such file" "$OUT/nope.json" "$OUT/a.json"

finish align
