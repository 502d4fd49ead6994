#!/bin/sh
# cuda.sh — backend selection and the CUDA backend against the CPU one:
#   1. the one "huey: backend ..." line: backend = cpu, auto (no device:
#      CPU with the reason; a device: the crossover decides), backend = cuda
#      without a device: exit 1 with one clear line;
#   2. with a device: every input of ../shared/data (tests/expected-cases.txt),
#      evictions, the incoming kernel and P = 2, 3 ranks sharing the GPU (the
#      MPI all-gather; in the emulation also 3 ranks with a device each:
#      NCCL's padded all-gather, ncclAllGather emulated by MPI), run
#      with backend = cuda and compared to backend = cpu by json-compare
#      (same vocabulary, ids and connection set, reals within 1e-9), the
#      Galileo spaces of run --galileo, a checkpoint resumed on the device;
#      cuda-selftest (cuSOLVER eigen, association matrices, Torgerson
#      centering) against known answers.
# Without a device part 2 prints "SKIPPED: no CUDA device (why)" and runs
# the comparisons with build/huey-emu instead: the CUDA backend's code run
# on the host thread after thread (cuda/cuda_emu.h), which checks its logic
# and arithmetic but not what only a device shows (races, launches).
set -u
HUEY=${HUEY:-bin/huey}
CMP=${CMP:-build/json-compare}
SELFTEST=${SELFTEST:-build/cuda-selftest}
EMU=${EMU:-build/huey-emu}
GEN=${GEN:-build/gencorpus}
DATA=../shared/data
. tests/lib.sh

printf 'Alice: hello there friend\nBob: hello again friend\n' > "$OUT/ok.txt"
run_line() {   # run_line ARGS...: stderr of a small run, status in $rc
    "$HUEY" run "$OUT/ok.txt" --progress-interval 0 "$@" --json "$OUT/line.json" >/dev/null 2>"$OUT/line.err"
    rc=$?
}

# ---- 1. selection -----------------------------------------------------------
run_line --backend cpu
if [ $rc -eq 0 ] && [ "$(grep -c '^huey: backend ' "$OUT/line.err")" -eq 1 ] &&
   grep -q '^huey: backend cpu (backend = cpu)$' "$OUT/line.err"; then
    pass "backend = cpu: one line, no probing"
else
    fail "backend = cpu (exit $rc)"; sed 's/^/     /' "$OUT/line.err"
fi

run_line --backend gpu
if [ $rc -eq 2 ] && grep -q "option backend: expected auto, cpu or cuda, got 'gpu'" "$OUT/line.err"; then
    pass "backend = gpu: usage error (exit 2)"
else
    fail "backend = gpu: exit $rc"; sed 's/^/     /' "$OUT/line.err"
fi

run_line
auto=$(grep '^huey: backend ' "$OUT/line.err")
if [ $rc -ne 0 ] || [ "$(grep -c '^huey: backend ' "$OUT/line.err")" -ne 1 ]; then
    fail "backend = auto: exit $rc, want exactly one backend line"; sed 's/^/     /' "$OUT/line.err"
fi
device=yes
case "$auto" in
    "huey: backend cpu (auto: no usable CUDA device: "*) device=no ;;
esac

if [ $device = no ]; then
    why=${auto#*no usable CUDA device: }; why=${why%)}
    pass "backend = auto without a device: $auto"
    run_line --backend cuda
    lines=$(grep -c . "$OUT/line.err")
    if [ $rc -eq 1 ] && [ "$lines" -eq 1 ] && grep -q 'backend = cuda: no usable CUDA device: ' "$OUT/line.err"; then
        pass "backend = cuda without a device: exit 1, one line: $(cat "$OUT/line.err")"
    else
        fail "backend = cuda without a device: exit $rc, $lines line(s)"; sed 's/^/     /' "$OUT/line.err"
    fi
    echo "SKIPPED: no CUDA device ($why): the CUDA backend on a device, cuda-selftest"
else
    case "$auto" in
        "huey: backend cpu (auto: CUDA device "*"gpu_crossover = 0 (not measured))") pass "auto, crossover 0: cpu: $auto" ;;
        *) fail "auto with gpu_crossover 0 should stay on the CPU: $auto" ;;
    esac
    run_line --gpu-crossover 100 --max-neurons 99
    if grep -q '^huey: backend cpu (auto: CUDA device .*max_neurons 99 < gpu_crossover 100)$' "$OUT/line.err"; then
        pass "auto below the crossover: cpu"
    else
        fail "auto below the crossover"; sed 's/^/     /' "$OUT/line.err"
    fi
    run_line --gpu-crossover 100 --max-neurons 100
    if [ $rc -eq 0 ] && grep -q '^huey: backend cuda (auto: device ' "$OUT/line.err"; then
        pass "auto at the crossover: cuda"
    else
        fail "auto at the crossover (exit $rc)"; sed 's/^/     /' "$OUT/line.err"
    fi
fi

# ---- 2. the CUDA backend equals the CPU backend -------------------------------
if [ $device = yes ]; then
    GPU=$HUEY; how=""
elif [ -x "$EMU" ]; then
    GPU=$EMU; how=" (host emulation)"
else
    finish cuda
    exit 0
fi
same() {   # same LABEL MPI-PREFIX ARGS...
    label="$1$how"; pre=$2; shift 2
    # shellcheck disable=SC2086
    if ! $pre "$HUEY" run "$@" --progress-interval 0 --backend cpu --json "$OUT/cpu.json" 2>"$OUT/err" ||
       ! $pre "$GPU" run "$@" --progress-interval 0 --backend cuda --json "$OUT/gpu.json" 2>"$OUT/err"; then
        fail "$label: huey failed"; sed 's/^/     /' "$OUT/err" | head -5; return
    fi
    if "$CMP" --rtol 1e-9 "$OUT/cpu.json" "$OUT/gpu.json" >"$OUT/cmp" 2>&1; then
        pass "cuda = cpu: $label"
    else
        fail "cuda != cpu: $label"; grep -v '^ok' "$OUT/cmp" | sed 's/^/     /'
    fi
}
grep -v '^#' tests/expected-cases.txt | while read -r name input flags; do
    [ -n "$name" ] || continue
    # shellcheck disable=SC2086
    same "$name" "" "$DATA/$input" $flags
done > "$OUT/cases.log"
cat "$OUT/cases.log"
fails=$((fails + $(grep -c '^FAIL' "$OUT/cases.log")))
same "TrumpInterview, max_neurons 150 (evictions)" "" "$DATA/TrumpInterview.txt" --max-neurons 150
same "blue, incoming kernel, bias 0.3" "" "$DATA/blue.txt" --activation-kernel incoming --bias 0.3
if [ -x "$GEN" ]; then
    "$GEN" --words 200000 --vocab 50000 --seed 7 > "$OUT/zipf.txt" 2>/dev/null &&
        same "Zipf corpus, max_neurons 2000" "" "$OUT/zipf.txt" --no-conversation-mode --max-neurons 2000
fi
same "FeynmanYoung, incoming kernel, max_neurons 80 (ghosts, evictions)" "" "$DATA/FeynmanYoung.txt" \
    --no-conversation-mode --activation-kernel incoming --max-neurons 80
if command -v mpirun >/dev/null 2>&1; then
    same "P = 2 ranks on one GPU, evictions" "$MPIRUN -n 2" "$DATA/FeynmanYoung.txt" --max-neurons 300
    same "P = 3 ranks, incoming kernel" "$MPIRUN -n 3" "$DATA/TrumpInterview.txt" --activation-kernel incoming --max-neurons 150
    # ranks sharing a device: the MPI all-gather, said in one line (a
    # machine with 3 GPUs or more takes NCCL)
    if grep -q '^huey: all-gather: MPI (3 ranks share [12] GPUs\{0,1\} on a node; NCCL needs one GPU per rank)$' "$OUT/err" ||
       { [ $device = yes ] && grep -q '^huey: all-gather: NCCL across 3 GPUs$' "$OUT/err"; }; then
        pass "P = 3 on one GPU: the MPI all-gather, with the reason$how"
    else
        fail "P = 3 on one GPU: no 'all-gather: MPI' line$how"; sed 's/^/     /' "$OUT/err" | head -5
    fi
    if [ "$GPU" = "$EMU" ]; then
        # a GPU per rank: cuda/nccl.cu's padded all-gather (emulated
        # ncclAllGather) must give the same network
        HUEY_EMU_DEVICES=3; export HUEY_EMU_DEVICES
        same "P = 3 ranks with a GPU each: NCCL all-gather, evictions" "$MPIRUN -x HUEY_EMU_DEVICES -n 3" \
            "$DATA/FeynmanYoung.txt" --max-neurons 300
        unset HUEY_EMU_DEVICES
        if grep -q '^huey: all-gather: NCCL across 3 GPUs$' "$OUT/err"; then
            pass "P = 3 with a GPU each: 'all-gather: NCCL across 3 GPUs'$how"
        else
            fail "P = 3 with a GPU each: no NCCL line$how"; sed 's/^/     /' "$OUT/err" | head -5
        fi
    fi
fi
# run --galileo reads the network from the backend: the same spaces
if "$HUEY" run "$DATA/FeynmanYoung.txt" --max-neurons 300 --progress-interval 0 --backend cpu --galileo "$OUT/gc" \
       --json "$OUT/gc.json" 2>"$OUT/err" &&
   "$GPU" run "$DATA/FeynmanYoung.txt" --max-neurons 300 --progress-interval 0 --backend cuda --galileo "$OUT/gg" \
       --json "$OUT/gg.json" 2>"$OUT/err" &&
   cmp -s "$OUT/gc/assoc/coords.csv" "$OUT/gg/assoc/coords.csv" &&
   cmp -s "$OUT/gc/torgerson/coords.csv" "$OUT/gg/torgerson/coords.csv" &&
   cmp -s "$OUT/gc/torgerson/eigenvalues.csv" "$OUT/gg/torgerson/eigenvalues.csv"; then
    pass "run --galileo: the same spaces from the cuda backend$how"
else
    fail "run --galileo with the cuda backend$how"; sed 's/^/     /' "$OUT/err" | head -5
fi
# a CUDA run stopped, checkpointed and resumed on the CUDA backend = one CPU run
T=$DATA/TrumpInterview.txt
if "$HUEY" run "$T" --max-neurons 100 --progress-interval 0 --backend cpu --json "$OUT/full.json" 2>"$OUT/err" &&
   "$GPU" run "$T" --max-neurons 100 --progress-interval 0 --backend cuda --max-windows 1234 \
       --checkpoint "$OUT/c.h5" 2>"$OUT/err" &&
   "$GPU" run --resume "$OUT/c.h5" --progress-interval 0 --backend cuda --json "$OUT/r.json" 2>"$OUT/err" &&
   "$CMP" --rtol 1e-9 "$OUT/full.json" "$OUT/r.json" >"$OUT/cmp" 2>&1; then
    pass "cuda checkpoint at window 1234, cuda resume = cpu run$how"
else
    fail "cuda checkpoint and resume$how"; sed 's/^/     /' "$OUT/err" "$OUT/cmp" 2>/dev/null | head -8
fi
if [ $device = no ]; then
    if "$SELFTEST" | grep -q "^SKIPPED: no CUDA device"; then
        pass "cuda-selftest reports itself SKIPPED without a device"
    else
        fail "cuda-selftest without a device"
    fi
elif [ ! -x "$SELFTEST" ]; then
    fail "cuda-selftest: $SELFTEST not built"
elif "$SELFTEST" > "$OUT/self.log" 2>&1; then
    pass "cuda-selftest"; sed 's/^/     /' "$OUT/self.log"
else
    fail "cuda-selftest"; sed 's/^/     /' "$OUT/self.log"
fi
finish cuda
