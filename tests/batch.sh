#!/bin/sh
# batch.sh — `huey run --batch`: one network per conversation.
#   * each conversation's group equals a single `huey run` of its file
#     (h5diff), at P = 1, 2, 3;
#   * bad files (invalid UTF-8, empty, no speakers, missing) are reported in
#     the summary CSV, the others complete, the exit status counts them;
#   * a batch stopped by a signal, or killed with part files left behind,
#     resumes: the rerun skips what is done and ends equal to one run;
#   * a list file names conversations as listed; usage errors exit 2;
#   * offline commands pick a conversation with --conversation NAME.
set -u
HUEY=${HUEY:-bin/huey}
GEN=${GEN:-build/gencorpus}
DATA=../shared/data
. tests/lib.sh
launch() { if [ "$1" -gt 1 ]; then echo "$MPIRUN -n $1"; fi; }
# h5diff A B PATH-A PATH-B finds no difference (it calls empty datasets
# "not comparable": those lines are not differences)
h5same() {
    h5diff -c "$1" "$2" "$3" "$4" 2>&1 | grep -v 'is an empty dataset$' |
        grep -vqE '^(-+|Some objects are not comparable|Use -c for a list of objects.)$' && return 1
    return 0
}
# the conversation's group equals a single run's checkpoint
same_group() {   # BATCH NAME SINGLE
    esc=$(printf '%s' "$2" | sed 's/%/%25/g; s|/|%2F|g')
    h5same "$1" "$3" "/conversations/$esc" /
}
# a batch is under way: its part files exist; then let it learn a while
wait_started() {
    for _ in $(seq 1 100); do ls "$1".part-* >/dev/null 2>&1 && break; sleep 0.1; done
    sleep 0.8
}
rows() { tail -n +2 "$1" | wc -l | tr -d ' '; }

D=$OUT/convs
mkdir -p "$D/sub" "$D/.hidden"
cp "$DATA/sample_conversation.txt" "$D/a.txt"
cp "$DATA/FeynmanYoung.txt" "$D/sub/feyn.txt"
cp "$DATA/TrumpInterview.txt" "$D/trump.txt"
cp tests/data/example_conversation.txt "$D/100%.txt"
cp "$DATA/blue.txt" "$D/.hidden/skipped.txt"
printf '\377\376 bad bytes\n' > "$D/bad.txt"
: > "$D/empty.txt"
printf '\n   \n' > "$D/blank.txt"
GOOD="a.txt sub/feyn.txt trump.txt 100%.txt"

# singles: the reference for every conversation
for n in $GOOD; do
    s=$(printf '%s' "$n" | tr '/%' '__')
    "$HUEY" run "$D/$n" --max-neurons 150 --progress-interval 0 --checkpoint "$OUT/single-$s.h5" 2>/dev/null
done

for P in 1 2 3; do
    B=$OUT/b$P.h5
    $(launch $P) "$HUEY" run --batch "$D" --checkpoint "$B" --max-neurons 150 2> "$OUT/err$P"
    rc=$?
    [ "$rc" -eq 3 ] && pass "P=$P: exit status 3 = three bad files" || fail "P=$P: exit status $rc, expected 3"
    ok=1
    for n in $GOOD; do
        s=$(printf '%s' "$n" | tr '/%' '__')
        same_group "$B" "$n" "$OUT/single-$s.h5" || { ok=0; echo "  $n differs"; }
    done
    [ $ok -eq 1 ] && pass "P=$P: every conversation equals its single run (h5diff)" || fail "P=$P: a conversation differs from its single run"
    CSV=$OUT/b$P.summary.csv
    if [ "$(rows "$CSV")" -eq 7 ] && grep -q '^bad.txt,.*invalid UTF-8' "$CSV" && grep -q '^empty.txt,.*empty file' "$CSV" &&
        grep -q '^blank.txt,.*could not detect speakers' "$CSV" && grep -q '^trump.txt,[^,]*,[0-9]' "$CSV" &&
        ! grep -q skipped "$CSV"; then
        pass "P=$P: summary CSV: 4 conversations, 3 errors, hidden folder skipped"
    else
        fail "P=$P: summary CSV"; cat "$CSV"
    fi
    ls "$OUT"/b$P.h5.part-* >/dev/null 2>&1 && fail "P=$P: part files left behind" || pass "P=$P: part files joined and removed"
done
cut -d, -f1-8 "$OUT/b1.summary.csv" > "$OUT/s1"
cut -d, -f1-8 "$OUT/b3.summary.csv" > "$OUT/s3"
cmp -s "$OUT/s1" "$OUT/s3" && pass "P=1 and P=3: same summary (times aside)" || fail "summary differs between P=1 and P=3"

# offline commands on one conversation
B=$OUT/b1.h5
"$HUEY" info "$B" > "$OUT/info" 2>&1
grep -q "4 conversations" "$OUT/info" && grep -q "^  sub/feyn.txt$" "$OUT/info" && pass "info lists the conversations" ||
    fail "info on a batch file"
"$HUEY" export "$B" --conversation sub/feyn.txt --format json -o "$OUT/e1.json" 2>/dev/null
"$HUEY" export "$OUT/single-sub_feyn.txt.h5" --format json -o "$OUT/e2.json" 2>/dev/null
cmp -s "$OUT/e1.json" "$OUT/e2.json" && pass "export --conversation equals the single run's export" ||
    fail "export --conversation differs"
"$HUEY" query "$B" --conversation "100%.txt" associations tom --json > "$OUT/q1" 2>/dev/null
"$HUEY" query "$OUT/single-100_.txt.h5" associations tom --json > "$OUT/q2" 2>/dev/null
[ -s "$OUT/q1" ] && cmp -s "$OUT/q1" "$OUT/q2" && pass "query --conversation (name with %)" || fail "query --conversation"
"$HUEY" galileo "$B" --conversation trump.txt --method torgerson --out "$OUT/g1" 2>/dev/null
"$HUEY" galileo "$OUT/single-trump.txt.h5" --method torgerson --out "$OUT/g2" 2>/dev/null
[ -s "$OUT/g1/coords.csv" ] && cmp -s "$OUT/g1/coords.csv" "$OUT/g2/coords.csv" && pass "galileo --conversation" ||
    fail "galileo --conversation"
"$HUEY" export "$B" > /dev/null 2> "$OUT/e"; rc=$?
[ $rc -eq 1 ] && grep -q "pick one with --conversation" "$OUT/e" && pass "a batch file without --conversation: clear error" ||
    fail "batch file without --conversation (rc $rc)"
"$HUEY" info "$B" --conversation nope > /dev/null 2> "$OUT/e"; rc=$?
[ $rc -eq 1 ] && grep -q "no conversation 'nope'" "$OUT/e" && pass "unknown conversation: clear error" || fail "unknown conversation"
"$HUEY" info "$OUT/single-a.txt.h5" --conversation a.txt > /dev/null 2> "$OUT/e"; rc=$?
[ $rc -eq 1 ] && grep -q "not a batch" "$OUT/e" && pass "--conversation on a single checkpoint: clear error" ||
    fail "--conversation on a single checkpoint"

# a list file: names as listed, comments and blank lines skipped, a missing file reported
L=$OUT/list.txt
{ echo "# two conversations and a missing one"; echo "$D/a.txt"; echo; echo "$D/sub/feyn.txt"; echo "$OUT/missing.txt"; } > "$L"
"$HUEY" run --batch "$L" --checkpoint "$OUT/l.h5" --max-neurons 150 2>/dev/null; rc=$?
[ $rc -eq 1 ] && same_group "$OUT/l.h5" "$D/sub/feyn.txt" "$OUT/single-sub_feyn.txt.h5" &&
    grep -q "missing.txt" "$OUT/l.summary.csv" && pass "list file: names as listed, a missing file reported (exit 1)" ||
    fail "list file (rc $rc)"

# stopped by a signal, then resumed: equal to one uninterrupted batch
G=$OUT/gen
mkdir -p "$G"
for i in $(seq 1 24); do
    "$GEN" --speakers 3 --words $((20000 + 5000 * (i % 5))) --vocab 3000 --seed "$i" > "$G/g$i.txt"
done
"$HUEY" run --batch "$G" --checkpoint "$OUT/g-full.h5" --max-neurons 300 2>/dev/null
$MPIRUN -n 2 "$HUEY" run --batch "$G" --checkpoint "$OUT/g.h5" --max-neurons 300 2> "$OUT/gerr" &
pid=$!
wait_started "$OUT/g.h5"
pkill -USR1 -f "batch $G --checkpoint $OUT/g.h5"
wait $pid
rc=$?
grep -q "stopped by signal" "$OUT/gerr" && [ $rc -eq 0 ] && pass "SIGUSR1: the batch stops, joins what is done, exit 0" ||
    fail "SIGUSR1 (rc $rc)"
done1=$(($(rows "$OUT/g.summary.csv")))
$MPIRUN -n 2 "$HUEY" run --batch "$G" --checkpoint "$OUT/g.h5" --max-neurons 300 2> "$OUT/gerr2"
grep -q "already in" "$OUT/gerr2" && [ "$(rows "$OUT/g.summary.csv")" -eq 24 ] && pass "rerun: $done1 skipped, 24 in all" ||
    fail "rerun after a signal"
ok=1
for i in $(seq 1 24); do
    h5same "$OUT/g.h5" "$OUT/g-full.h5" "/conversations/g$i.txt" "/conversations/g$i.txt" || ok=0
done
[ $ok -eq 1 ] && pass "stopped + resumed batch equals one uninterrupted batch" || fail "resumed batch differs"

# killed hard: part files stay behind; the rerun uses the readable ones
rm -f "$OUT/k.h5"
$MPIRUN -n 2 "$HUEY" run --batch "$G" --checkpoint "$OUT/k.h5" --max-neurons 300 2>/dev/null &
pid=$!
wait_started "$OUT/k.h5"
pkill -KILL -f "batch $G --checkpoint $OUT/k.h5"
wait $pid 2>/dev/null
nparts=$(ls "$OUT"/k.h5.part-* 2>/dev/null | wc -l)
"$HUEY" run --batch "$G" --checkpoint "$OUT/k.h5" --max-neurons 300 2> "$OUT/kerr"
ok=1
for i in $(seq 1 24); do
    h5same "$OUT/k.h5" "$OUT/g-full.h5" "/conversations/g$i.txt" "/conversations/g$i.txt" || ok=0
done
[ $ok -eq 1 ] && [ "$nparts" -ge 1 ] && ! ls "$OUT"/k.h5.part-* >/dev/null 2>&1 &&
    pass "kill -9: $nparts part file(s) left; the rerun ($(grep -o '[0-9]* already in' "$OUT/kerr")) completes the batch" ||
    fail "rerun after kill -9 ($nparts part files)"

# a rerun with other model settings than the file's: refused before any
# work, the file untouched; run control (--max-windows) may change
cp "$OUT/k.h5" "$OUT/k-before.h5"
expect 2 "k.h5: its conversations were learnt with max_neurons = 300, this run has max_neurons = 200" \
    "rerun with another max_neurons: refused" -- run --batch "$G" --checkpoint "$OUT/k.h5" --max-neurons 200
cmp -s "$OUT/k.h5" "$OUT/k-before.h5" && ! ls "$OUT"/k.h5.part-* >/dev/null 2>&1 &&
    pass "the refused rerun left the batch file as it was" || fail "the refused rerun changed $OUT/k.h5"
"$HUEY" run --batch "$G" --checkpoint "$OUT/k.h5" --max-neurons 300 --max-windows 5 2>"$OUT/kerr"; rc=$?
[ $rc -eq 0 ] && grep -q "24 already in" "$OUT/kerr" && pass "rerun with the same settings and another --max-windows: accepted" ||
    fail "rerun with --max-windows (rc $rc)"

# usage errors
"$HUEY" run --batch "$D" 2>/dev/null; rc1=$?
"$HUEY" run --batch "$D" --checkpoint "$OUT/x.h5" "$D/a.txt" 2>/dev/null; rc2=$?
"$HUEY" run --batch "$OUT/nothing" --checkpoint "$OUT/x.h5" 2>/dev/null; rc3=$?
"$HUEY" run --batch "$D" --checkpoint "$OUT/single-a.txt.h5" 2>/dev/null; rc4=$?
printf '%s\n%s\n' "$D/a.txt" "$D/a.txt" > "$OUT/dup.txt"
"$HUEY" run --batch "$OUT/dup.txt" --checkpoint "$OUT/x.h5" 2>/dev/null; rc5=$?
[ "$rc1$rc2$rc3$rc4$rc5" = 22222 ] && pass "usage errors exit 2 (no --checkpoint, inputs, missing folder, single checkpoint as output, duplicates)" ||
    fail "usage errors: $rc1 $rc2 $rc3 $rc4 $rc5"
[ ! -e "$OUT/x.h5" ] && pass "usage errors write nothing" || fail "a usage error wrote $OUT/x.h5"

finish batch
