#!/bin/sh
# mpi.sh — one network over P MPI ranks gives the same network as one rank:
# the JSON export (timing line removed) must be byte-identical for P = 1..4
# on every shared input case and on generated corpora (uneven blocks, a cap
# of 10^5 with few living neurons); an error on any rank ends every rank
# quickly with the rank's message. QUICK=1: a small subset (sanitizer runs).
set -u
HUEY=${HUEY:-bin/huey}
GEN=${GEN:-build/gencorpus}
DATA=../shared/data
. tests/lib.sh

if ! command -v mpirun >/dev/null 2>&1; then
    echo "mpi: SKIPPED (no mpirun)"
    exit 0
fi
strip() { grep -v '^  "timing"' "$1"; }

# same_for_P LABEL ARGS...: P = 1 (plain process) vs P = 2, 3, 4 under mpirun
same_for_p() {
    label=$1; shift
    "$HUEY" run "$@" --progress-interval 0 --json "$OUT/p1.json" 2>"$OUT/err" || { fail "$label: P=1 failed"; cat "$OUT/err"; return; }
    strip "$OUT/p1.json" > "$OUT/p1"
    for P in $PS; do
        if ! $MPIRUN -n "$P" "$HUEY" run "$@" --progress-interval 0 --json "$OUT/pn.json" >/dev/null 2>"$OUT/err"; then
            fail "$label: P=$P failed"; sed 's/^/     /' "$OUT/err" | head -5; continue
        fi
        if strip "$OUT/pn.json" | cmp -s - "$OUT/p1"; then
            pass "$label: P=$P identical to P=1"
        else
            fail "$label: P=$P differs from P=1"
        fi
    done
}

if [ "${QUICK:-0}" = 1 ]; then
    PS="2 3"
    same_for_p "TrumpInterview cap 100" "$DATA/TrumpInterview.txt" --max-neurons 100
    same_for_p "sample w3 incoming" "$DATA/sample_conversation.txt" --window-size 3 --activation-kernel incoming
else
    PS="2 3 4"
    expected_cases | while read -r name input flags; do
        # shellcheck disable=SC2086
        same_for_p "$name" "$DATA/$input" $flags
    done > "$OUT/cases.log"
    cat "$OUT/cases.log"
    fails=$((fails + $(grep -c '^FAIL' "$OUT/cases.log" || true)))
    same_for_p "TrumpInterview cap 50 (thrash)" "$DATA/TrumpInterview.txt" --max-neurons 50
    same_for_p "TrumpInterview cap 50 incoming" "$DATA/TrumpInterview.txt" --max-neurons 50 --activation-kernel incoming
    "$GEN" --words 100000 --vocab 20000 --seed 3 > "$OUT/gen.txt"
    "$GEN" --words 60000 --vocab 5000 --speakers 3 --seed 4 > "$OUT/genconv.txt"
    same_for_p "generated, cap 100000" "$OUT/gen.txt" --no-conversation-mode --max-neurons 100000
    same_for_p "generated, cap 2000" "$OUT/gen.txt" --no-conversation-mode --max-neurons 2000
    same_for_p "generated conversation, cap 3000" "$OUT/genconv.txt" --max-neurons 3000
fi

# an error on any rank ends all ranks, with its message and exit status
errcase() {
    want=$1; pattern=$2; label=$3; shift 3
    start=$(date +%s)
    timeout 60 $MPIRUN -n 4 "$HUEY" run "$@" >"$OUT/out" 2>"$OUT/err"
    rc=$?
    took=$(( $(date +%s) - start ))
    if [ "$rc" -eq "$want" ] && grep -q -e "$pattern" "$OUT/err" && [ "$took" -le 10 ]; then
        pass "$label: exit $rc in ${took}s"
    else
        fail "$label: exit $rc (want $want) in ${took}s"; sed 's/^/     /' "$OUT/err" | head -5
    fi
}
printf 'window_size = 3\nnot a setting\n' > "$OUT/bad.conf"
errcase 1 "missing.txt: cannot open" "mpirun -n 4, missing input" "$OUT/missing.txt"
errcase 2 "bad.conf:2" "mpirun -n 4, malformed config" --config "$OUT/bad.conf" "$DATA/sample_conversation.txt"

finish mpi
