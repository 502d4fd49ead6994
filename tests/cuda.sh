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
#      cuda-selftest (cuSOLVER eigen; the association and Torgerson rows,
#      in two blocks, bit for bit) against known answers;
#   3. huey galileo --eigen cusolver (each rank's row block by kernels on
#      its device, cuSOLVER syevd on rank 0's):
#      without a device, exit 1 with one line and nothing written; then on
#      checkpoints of ../shared/data, --method assoc and --method torgerson
#      --dims 3 (and the fixed profile) against --eigen lapack: eigenvalues within 1e-10 x max|lambda|,
#      coordinates within 1e-8 (eigenvalues.csv, coords.csv); 2 MPI ranks
#      (row blocks on each rank, rank 0 decomposes, the result shared) = 1
#      rank byte for byte;
#      --eigen auto with a device stays on the CPU (EIGEN_CUSOLVER_MIN_N = 0,
#      not measured) and says so in one line.
# Without a device parts 2 and 3 print "SKIPPED: no CUDA device (why)" and
# run the comparisons with build/huey-emu instead: the CUDA backend's code
# run on the host thread after thread (cuda/cuda_emu.h), which checks its
# logic and arithmetic but not what only a device shows (races, launches).
# huey-emu has no cuSOLVER: its cuda_eigen_sym is eigen.c's LAPACK, so the
# emulated spaces (whose matrix kernels reproduce build_rows bit for bit)
# must equal --eigen lapack's byte for byte (space.json but for its
# *_seconds timings, coords.csv, eigenvalues.csv); on a device cuSOLVER's
# rounding differs from LAPACK's, hence the tolerances.
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
    "$HUEY" run "$DATA/sample_conversation.txt" --progress-interval 0 --checkpoint "$OUT/nodev.h5" \
        --json "$OUT/nodev.json" 2>/dev/null
    "$HUEY" galileo "$OUT/nodev.h5" --method assoc --eigen cusolver --out "$OUT/nodev" >"$OUT/nodev.out" 2>"$OUT/line.err"
    rc=$?
    lines=$(grep -c . "$OUT/line.err")
    if [ $rc -eq 1 ] && [ "$lines" -eq 1 ] && [ ! -e "$OUT/nodev" ] && [ ! -s "$OUT/nodev.out" ] &&
       grep -q 'galileo --eigen cusolver: no usable CUDA device: ' "$OUT/line.err"; then
        pass "galileo --eigen cusolver without a device: exit 1, nothing written, one line: $(cat "$OUT/line.err")"
    else
        fail "galileo --eigen cusolver without a device: exit $rc, $lines line(s)"; sed 's/^/     /' "$OUT/line.err"
    fi
    echo "SKIPPED: no CUDA device ($why): the CUDA backend on a device, cuda-selftest, cuSOLVER syevd"
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
expected_cases | while read -r name input flags; do
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
    if grep -q '^huey: all-gather: MPI (ranks [01] and [12] share a GPU; NCCL needs one GPU per rank)$' "$OUT/err" ||
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
        # ranks on different backends (what auto gives where some lack a
        # device) still agree on the all-gather: no hang, the CPU's network
        # shellcheck disable=SC2086
        if timeout 120 $MPIRUN -n 1 "$GPU" run "$DATA/FeynmanYoung.txt" --max-neurons 300 --progress-interval 0 \
               --backend cuda --json "$OUT/mix.json" : -n 1 "$GPU" run "$DATA/FeynmanYoung.txt" --max-neurons 300 \
               --progress-interval 0 --backend cpu --json "$OUT/mix.json" 2>"$OUT/err" &&
           grep -q '^huey: all-gather: MPI (rank 1: CPU backend)$' "$OUT/err" &&
           "$HUEY" run "$DATA/FeynmanYoung.txt" --max-neurons 300 --progress-interval 0 --backend cpu \
               --json "$OUT/cpu.json" 2>/dev/null &&
           "$CMP" --rtol 1e-9 "$OUT/cpu.json" "$OUT/mix.json" >/dev/null 2>&1; then
            pass "P = 2, rank 0 on cuda and rank 1 on cpu: MPI all-gather, the CPU's network$how"
        else
            fail "P = 2 on mixed backends$how"; sed 's/^/     /' "$OUT/err" | head -5
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

# ---- 3. galileo --eigen cusolver = --eigen lapack ----------------------------------
# near NAME A.csv B.csv COLUMN0 TOL REL: the first COLUMN0 - 1 columns equal,
# the rest within TOL (REL = 1: times the largest magnitude in A)
near() {
    awk -F, -v tol="$4" -v rel="$5" -v c0="$3" '
        FNR == NR { a[FNR] = $0; n = FNR; for (k = c0; k <= NF; k++) { v = $k < 0 ? -$k : $k; if (FNR > 1 && v > big) big = v } next }
        { m = FNR; split(a[FNR], x, ",")
          for (k = 1; k <= NF; k++)
              if (k < c0 || FNR == 1) { if (x[k] != $k) bad = bad " line " FNR " column " k }
              else { d = x[k] - $k; d = d < 0 ? -d : d; if (d > worst) worst = d } }
        END { lim = rel ? tol * big : tol
              if (n != m) { print "lines " n " vs " m; exit 1 }
              if (bad != "") { print "differs at" bad; exit 1 }
              printf "max difference %.3g (limit %.3g)\n", worst, lim; exit worst > lim }' "$1" "$2"
}
gal_same() {   # gal_same NAME.h5 LABEL ARGS...
    h5=$1; label="$2$how"; shift 2
    rm -rf "$OUT/gl" "$OUT/gg"
    if ! "$HUEY" galileo "$h5" "$@" --eigen lapack --out "$OUT/gl" 2>"$OUT/err" ||
       ! "$GPU" galileo "$h5" "$@" --eigen cusolver --out "$OUT/gg" 2>"$OUT/err"; then
        fail "galileo --eigen cusolver: $label: huey failed"; sed 's/^/     /' "$OUT/err" | head -5; return
    fi
    if e=$(near "$OUT/gl/eigenvalues.csv" "$OUT/gg/eigenvalues.csv" 2 1e-10 1) &&
       c=$(near "$OUT/gl/coords.csv" "$OUT/gg/coords.csv" 3 1e-8 0); then
        pass "galileo --eigen cusolver = lapack: $label: eigenvalues $e, coordinates $c"
    else
        fail "galileo --eigen cusolver != lapack: $label: eigenvalues: $e; coordinates: ${c:-}"
    fi
}
gal_bytes() {   # gal_bytes LABEL: in emulation, gal_same's two spaces are the same files
    [ -n "$how" ] || return 0
    # the emulated kernels give build_rows' matrix and LAPACK decomposes it
    if cmp -s "$OUT/gl/coords.csv" "$OUT/gg/coords.csv" && cmp -s "$OUT/gl/eigenvalues.csv" "$OUT/gg/eigenvalues.csv" &&
       grep -v '_seconds"' "$OUT/gl/space.json" > "$OUT/gl.json" && grep -v '_seconds"' "$OUT/gg/space.json" > "$OUT/gg.json" &&
       cmp -s "$OUT/gl.json" "$OUT/gg.json"; then
        pass "galileo --eigen cusolver: $1: the same files byte for byte$how (timings aside)"
    else
        fail "galileo --eigen cusolver: $1: files differ from --eigen lapack's$how"
    fi
}
for case in "sample sample_conversation.txt --window-size 3 --connection-probability 1.0" \
            "FeynmanYoung FeynmanYoung.txt" "TrumpInterview TrumpInterview.txt --max-neurons 300"; do
    # shellcheck disable=SC2086
    set -- $case
    name=$1; input=$2; shift 2
    "$HUEY" run "$DATA/$input" "$@" --progress-interval 0 --checkpoint "$OUT/$name.h5" --json "$OUT/$name.json" 2>"$OUT/err" ||
        { fail "$case: huey run failed"; continue; }
    gal_same "$OUT/$name.h5" "$name, assoc" --method assoc
    gal_bytes "$name, assoc"
    gal_same "$OUT/$name.h5" "$name, torgerson --dims 3" --method torgerson --dims 3
    gal_bytes "$name, torgerson --dims 3"
done
# every vector (ntop = n): in emulation; on a device the vectors of close
# eigenvalues may rotate within their span, so 3 of each end there
if [ -n "$how" ]; then
    gal_same "$OUT/FeynmanYoung.h5" "FeynmanYoung, torgerson, every vector, fixed profile" --method torgerson --profile fixed
else
    gal_same "$OUT/FeynmanYoung.h5" "FeynmanYoung, torgerson --dims 3, fixed profile" --method torgerson --profile fixed --dims 3
fi
if command -v mpirun >/dev/null 2>&1 &&
   "$GPU" galileo "$OUT/FeynmanYoung.h5" --method torgerson --dims 3 --eigen cusolver --out "$OUT/g1" 2>"$OUT/err" &&
   $MPIRUN -n 2 "$GPU" galileo "$OUT/FeynmanYoung.h5" --method torgerson --dims 3 --eigen cusolver --out "$OUT/gm" 2>"$OUT/err"; then
    if cmp -s "$OUT/g1/coords.csv" "$OUT/gm/coords.csv" && cmp -s "$OUT/g1/eigenvalues.csv" "$OUT/gm/eigenvalues.csv"; then
        pass "galileo --eigen cusolver, P = 2 ranks (a row block each, rank 0 decomposes) = 1 rank byte for byte$how"
    else
        fail "galileo --eigen cusolver, P = 2 ranks differs from 1 rank$how"
    fi
elif command -v mpirun >/dev/null 2>&1; then
    fail "galileo --eigen cusolver under mpirun -n 2$how"; sed 's/^/     /' "$OUT/err" | head -5
fi
"$GPU" galileo "$OUT/FeynmanYoung.h5" --method assoc --out "$OUT/ga" 2>"$OUT/err"
rc=$?
if [ $rc -eq 0 ] && [ "$(grep -c '^huey: galileo eigen' "$OUT/err")" -eq 1 ] &&
   grep -q '^huey: galileo eigen on the CPU (auto: CUDA device .* found, but EIGEN_CUSOLVER_MIN_N = 0 (not measured))$' "$OUT/err"; then
    pass "galileo --eigen auto with a device: the CPU, one line: $(grep '^huey: galileo eigen' "$OUT/err")$how"
else
    fail "galileo --eigen auto with a device (exit $rc)$how"; sed 's/^/     /' "$OUT/err" | head -5
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
