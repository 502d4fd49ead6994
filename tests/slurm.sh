#!/bin/sh
# slurm.sh — the job scripts in jobs/ on a real single-node SLURM (Debian's
# slurm-wlm: munge, slurmctld, slurmd, started by
# ../shared/slurm/start-local-slurm.sh and stopped again if this test
# started them):
#   * huey-cpu.sbatch over 2 tasks (srun --mpi=pmix) gives the network of a
#     direct one-rank run;
#   * the same script signalled mid-run (USR1 to the batch shell, as
#     --signal=B:USR1 does) checkpoints, requeues itself, is released,
#     resumes with SLURM_RESTART_COUNT=1, and ends in the state of an
#     uninterrupted run; its log holds both runs (--open-mode=append);
#   * huey-batch-array.sbatch as an array of 3 splits a list of
#     conversations into 3 batch files that together hold all of them;
#     ids 1-5:2 give the same shares; ids 0,1,5 are refused by every task.
# Needs root (SLURM daemons); prints SKIPPED otherwise.
set -u
if [ "$(id -u)" != 0 ]; then
    echo "slurm-test: SKIPPED (starting SLURM daemons needs root)"
    exit 0
fi
HUEY=${HUEY:-bin/huey}
GEN=${GEN:-build/gencorpus}
DATA=../shared/data
SLURM_SCRIPTS=../shared/slurm
. tests/lib.sh
export SLURM_LOCAL_DIR=${SLURM_LOCAL_DIR:-/tmp/huey-local-slurm}
export SLURM_CONF=$SLURM_LOCAL_DIR/slurm.conf
strip() { grep -v '^  "timing"' "$1"; }
same_json() { strip "$1" > "$OUT/ja"; strip "$2" > "$OUT/jb"; cmp -s "$OUT/ja" "$OUT/jb"; }

# start SLURM unless it is up already; stop only what this test started
started=0
if ! sinfo -h >/dev/null 2>&1; then
    t0=$(date +%s)
    bash "$SLURM_SCRIPTS/start-local-slurm.sh" > "$OUT/slurm-start.log" 2>&1 || {
        cat "$OUT/slurm-start.log"; echo "slurm-test: FAILED (SLURM did not start)"; exit 1; }
    started=1
    echo "slurm-test: SLURM started in $(($(date +%s) - t0)) s"
fi
cleanup() {
    scancel -u root >/dev/null 2>&1
    [ $started = 1 ] && bash "$SLURM_SCRIPTS/stop-local-slurm.sh" >/dev/null 2>&1
    rm -rf "$OUT"
}
trap cleanup EXIT

state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 | sort -u | tr '\n' ' '; }
# wait until every record of job $1 is in state $2 (or a final state); at most $3 s
wait_state() {
    i=0
    while [ $i -lt $(($3 * 5)) ]; do
        s=$(state "$1")
        [ "$s" = "$2 " ] && return 0
        case "$s" in *FAILED*|*CANCELLED*|*TIMEOUT*|*NODE_FAIL*|*OUT_OF_MEMORY*) [ "$2" = "$s" ] || return 1 ;; esac
        sleep 0.2
        i=$((i + 1))
    done
    return 1
}
SB="sbatch --parsable --chdir=$(pwd)"
export HUEY_HOME="$(pwd)" HUEY="$(pwd)/$HUEY" HUEY_JOBS="$(pwd)/jobs"

# 1. one network over two tasks
cat "$DATA/TrumpInterview.txt" "$DATA/FeynmanYoung.txt" > "$OUT/two.txt"
id=$(INPUTS="$OUT/two.txt" CKPT="$OUT/cpu.h5" JSON="$OUT/cpu.json" \
    HUEY_ARGS="--max-neurons 200 --progress-interval 0" $SB --ntasks=2 --output="$OUT/cpu.log" jobs/huey-cpu.sbatch)
"$HUEY" run "$OUT/two.txt" --max-neurons 200 --progress-interval 0 \
    --json "$OUT/direct.json" 2>/dev/null
if wait_state "$id" COMPLETED 90 && same_json "$OUT/cpu.json" "$OUT/direct.json"; then
    pass "huey-cpu.sbatch, 2 tasks: the network of a direct run"
else
    fail "huey-cpu.sbatch (state $(state "$id"))"; cat "$OUT/cpu.log"
fi

# 2. signalled mid-run: checkpoint, requeue, resume
"$GEN" --speakers 3 --words 1500000 --vocab 20000 --seed 7 > "$OUT/big.txt"
id=$(INPUTS="$OUT/big.txt" CKPT="$OUT/rq.h5" JSON="$OUT/rq.json" \
    HUEY_ARGS="--max-neurons 2000 --progress-interval 1" $SB --ntasks=2 --output="$OUT/rq.log" jobs/huey-cpu.sbatch)
if ! wait_state "$id" RUNNING 60; then
    fail "requeue job never ran (state $(state "$id"))"
else
    # signal once huey is learning (its first progress line)
    for _ in $(seq 1 150); do grep -q ' windows ' "$OUT/rq.log" 2>/dev/null && break; sleep 0.2; done
    scancel --signal=USR1 --batch "$id"
    if wait_state "$id" PENDING 60; then
        pass "USR1 to the batch shell: checkpoint written ($(stat -c %s "$OUT/rq.h5" 2>/dev/null) bytes), job requeued"
        # slurmd refuses a restart within the second of the requeue
        # ("Job credential revoked"): release it a little later
        sleep 2
        scontrol update JobId="$id" StartTime=now
    else
        fail "no requeue after USR1 (state $(state "$id"))"
    fi
    "$HUEY" run "$OUT/big.txt" --max-neurons 2000 --progress-interval 0 --json "$OUT/rq-direct.json" 2>/dev/null
    restarts=$(scontrol show job "$id" | grep -o 'Restarts=[0-9]*')
    if wait_state "$id" COMPLETED 120 && same_json "$OUT/rq.json" "$OUT/rq-direct.json" &&
        grep -q "restart 1" "$OUT/rq.log" && grep -q "requeueing job" "$OUT/rq.log"; then
        pass "requeued job resumed ($restarts) and ended equal to an uninterrupted run; log appended"
    else
        fail "requeued job (state $(state "$id"))"; cat "$OUT/rq.log"
    fi
fi

# 3. a job array of 3 over a list of 6 conversations
mkdir -p "$OUT/convs"
for f in TrumpInterview FeynmanYoung sample_conversation blue blue_french blue_german; do
    cp "$DATA/$f.txt" "$OUT/convs/"
done
ls "$OUT"/convs/*.txt > "$OUT/convs.list"
id=$(LIST="$OUT/convs.list" OUT_DIR="$OUT/arr" HUEY_ARGS="--max-neurons 200" \
    $SB --array=0-2 --output="$OUT/arr-%a.log" jobs/huey-batch-array.sbatch)
if wait_state "$id" COMPLETED 120; then
    n=0
    for k in 0 1 2; do
        n=$((n + $("$HUEY" info "$OUT/arr/batch-$k.h5" 2>/dev/null | grep -c '^  /')))
    done
    [ $n -eq 6 ] && pass "array of 3: 3 batch files hold the 6 conversations" || fail "array of 3: $n conversations"
else
    fail "array job (state $(state "$id"))"; cat "$OUT"/arr-*.log
fi
# ids from 1 with a step: shares 0, 1, 2 all the same (task 1 took share 0)
id=$(LIST="$OUT/convs.list" OUT_DIR="$OUT/arr2" HUEY_ARGS="--max-neurons 200" \
    $SB --array=1-5:2 --output="$OUT/arr2-%a.log" jobs/huey-batch-array.sbatch)
if wait_state "$id" COMPLETED 120; then
    ok=1
    for k in 0 1 2; do
        "$HUEY" info "$OUT/arr2/batch-$k.h5" 2>/dev/null | grep '^  /' > "$OUT/a2-$k"
        "$HUEY" info "$OUT/arr/batch-$k.h5" 2>/dev/null | grep '^  /' > "$OUT/a1-$k"
        [ -s "$OUT/a2-$k" ] && cmp -s "$OUT/a1-$k" "$OUT/a2-$k" || ok=0
    done
    [ $ok -eq 1 ] && pass "array 1-5:2: the same 3 shares as 0-2" || fail "array 1-5:2: other shares"
else
    fail "array 1-5:2 (state $(state "$id"))"; cat "$OUT"/arr2-*.log
fi
# ids that are no evenly spaced range: every task refuses, nothing learnt
id=$(LIST="$OUT/convs.list" OUT_DIR="$OUT/arr3" $SB --array=0,1,5 --output="$OUT/arr3-%a.log" jobs/huey-batch-array.sbatch)
i=0   # every task FAILED (wait_state stops at the first failed record)
while [ "$(state "$id")" != "FAILED " ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
if grep -q "not one evenly spaced range" "$OUT/arr3-5.log" 2>/dev/null && ! ls "$OUT"/arr3/*.h5 >/dev/null 2>&1; then
    pass "array 0,1,5: refused with a reason, nothing learnt"
else
    fail "array 0,1,5 (state $(state "$id"))"; cat "$OUT"/arr3-*.log
fi

finish slurm-test
