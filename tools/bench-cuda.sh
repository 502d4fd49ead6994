#!/bin/sh
# bench-cuda.sh — CPU vs CUDA backend (make bench-cuda; meant for a machine
# with a GPU, where it needs nothing else). '#' header lines, then rows;
# a figure that was not measured prints as "not-measured" (no device, a
# run that failed), never as an estimate. Ends OK or FAILED.
#
# 1. Windows/s, backend = cpu vs backend = cuda, at max_neurons 10^3 ..
#    10^6 on a generated Zipf corpus (tools/gencorpus --words 20000000
#    --vocab 1000000 --seed 1, plain text, written once to build/). Per
#    cell two runs: B with --time-budget CELL_SECONDS, then A stopping at
#    half of B's windows; huey is deterministic, so the rate is B's second
#    half: (W_B - W_A) / (t_B - t_A), after the start-up and most of the
#    filling. "full" = evictions happened in B (the network reached its cap).
# 2. Symmetric eigen-decomposition, all eigenvalues + 3 vectors (a Galileo
#    space), n = 1000, 4096, 16384: cuSOLVER syevd (cuda_eigen_sym) vs
#    LAPACK (src/eigen.c's eigen_sym, where this build has it), best of 3
#    (one run from n = 10000), and the largest eigenvalue difference.
# 3. The whole Galileo path, `huey galileo --generated N --method assoc
#    --eigen cusolver` (matrix by cuda/eigen_cuda.cu's kernels, cuSOLVER)
#    vs `--eigen lapack` (build_rows + eigen_sym), N = 1000, 4096, 16384:
#    huey's own matrix and eigen seconds, one run each, and the largest
#    eigenvalue difference relative to max|lambda|; SKIPPED without a
#    device. Its figures set EIGEN_CUSOLVER_MIN_N (src/eigen.h).
# About 6 minutes with the defaults for 1 and 2, and 4 more for 3 (mostly
# LAPACK at N = 16384; a GPU session allows 10 per command: run sections
# apart with BENCH_SECTIONS): run `make -j16 bin/huey build/gencorpus
# build/bench-eigen` first.
#
# Knobs: BENCH_CELL_SECONDS (default 20), BENCH_CAPS (default
# "1000 10000 100000 1000000"), BENCH_EIGEN_N (default "1000 4096 16384"),
# BENCH_GALILEO_N (default "1000 4096 16384"), BENCH_SECTIONS (default
# "1 2 3").
# shellcheck disable=SC2086
set -u
HUEY=${HUEY:-bin/huey}
GEN=${GEN:-build/gencorpus}
BENCH_EIGEN=${BENCH_EIGEN:-build/bench-eigen}
CELL_SECONDS=${BENCH_CELL_SECONDS:-20}
CAPS=${BENCH_CAPS:-1000 10000 100000 1000000}
EIGEN_N=${BENCH_EIGEN_N:-1000 4096 16384}
GALILEO_N=${BENCH_GALILEO_N:-1000 4096 16384}
SECTIONS=${BENCH_SECTIONS:-1 2 3}
TXT=build/gencorpus-w20000000-v1000000-s1.txt
TMP=$(mktemp -d "${TMPDIR:-/tmp}/huey-bench-cuda.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
failed=0

calc() { awk "BEGIN { printf(\"$1\", ($2)) }"; }
section() { case " $SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }

if section 1 && [ ! -f "$TXT" ]; then
    "$GEN" --words 20000000 --vocab 1000000 --seed 1 > "$TXT.tmp" && mv "$TXT.tmp" "$TXT" || { echo "# FAILED: gencorpus"; exit 1; }
fi

# hrun NAME BACKEND ARGS...: sets NAME_w (windows), NAME_t (seconds), NAME_ev (evictions); status 1 on failure
hrun() {
    name=$1; be=$2; shift 2
    "$HUEY" run "$TXT" --no-conversation-mode --progress-interval 0 --backend "$be" "$@" \
        --json "$TMP/$name.json" 2>"$TMP/$name.err" || return 1
    eval "${name}_w=$(sed -n 's/^huey: read .* \([0-9]*\) windows.*/\1/p' "$TMP/$name.err")"
    eval "${name}_t=$(sed -n 's/^huey: \([0-9.]*\) s, .* windows\/s.*/\1/p' "$TMP/$name.err")"
    eval "${name}_ev=$(sed -n 's/^huey: network: .*ids issued, \([0-9]*\) evictions.*/\1/p' "$TMP/$name.err")"
}

# cell BACKEND CAP: prints "windows/s full?" or "not-measured -"
cell() {
    be=$1; cap=$2
    if hrun B "$be" --max-neurons "$cap" --time-budget "$CELL_SECONDS" &&
       hrun A "$be" --max-neurons "$cap" --max-windows $((B_w / 2)) && [ $((B_w - A_w)) -gt 0 ]; then
        full=no; [ "${B_ev:-0}" -gt 0 ] && full=yes
        echo "$(calc "%.0f" "($B_w - $A_w) / ($B_t - $A_t)") $full"
    else
        sed 's/^/# /' "$TMP/B.err" "$TMP/A.err" 2>/dev/null | grep -i "error\|huey: src" | head -3 >&2
        echo "not-measured -"
    fi
}

echo "# huey bench-cuda, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n)"
printf 'Alice: hello there friend\n' > "$TMP/probe.txt"
"$HUEY" run --backend cuda --max-windows 1 "$TMP/probe.txt" --no-conversation-mode --progress-interval 0 \
    --json "$TMP/probe.json" 2>"$TMP/probe.err"
echo "# device: $(grep '^huey: backend\|no usable CUDA' "$TMP/probe.err" | head -1)"
if section 1; then
echo "# 1. windows/s on $TXT, rate over the second half of a ${CELL_SECONDS} s run"
echo "# max_neurons   cpu_win/s  cpu_full   cuda_win/s cuda_full  cuda/cpu"
for cap in $CAPS; do
    set -- $(cell cpu "$cap"); c=$1; cf=$2
    set -- $(cell cuda "$cap"); g=$1; gf=$2
    ratio=-
    case "$c$g" in *not-measured*) ;; *) ratio=$(calc "%.2f" "$g / $c") ;; esac
    printf ' %11d %11s %9s %12s %9s %9s\n' "$cap" "$c" "$cf" "$g" "$gf" "$ratio"
done
fi

if section 2; then
echo "# 2. symmetric eigen-decomposition, all eigenvalues + 3 vectors, best of 3 or 1 (seconds)"
echo "#      n  cusolver_s     lapack_s  max|dlambda|"
for n in $EIGEN_N; do
    reps=3; [ "$n" -ge 10000 ] && reps=1
    "$BENCH_EIGEN" "$n" "$reps" || { echo " $n not-measured not-measured -"; failed=1; }
done
fi

# galileo N SOLVER: "matrix_s eigen_s" of huey galileo --generated N, eigenvalues in $TMP/SOLVER/
galileo() {
    "$HUEY" galileo --generated "$1" --method assoc --eigen "$2" --out "$TMP/$2" 2>"$TMP/$2.err" || return 1
    sed -n 's/.*matrix \([0-9.]*\) s, eigen \([0-9.]*\) s.*/\1 \2/p' "$TMP/$2.err"
}
if section 3; then
echo "# 3. huey galileo --generated N --method assoc (all eigenvalues + 3 vectors), one run (seconds)"
if ! "$HUEY" galileo --generated 3 --method assoc --eigen cusolver --out "$TMP/probe" 2>"$TMP/probe.err"; then
    echo "# SKIPPED: $(head -1 "$TMP/probe.err")"
else
    echo "#      N  cusolver_matrix_s cusolver_eigen_s  lapack_matrix_s lapack_eigen_s  max|dlambda|/max|lambda|"
    for n in $GALILEO_N; do
        if g=$(galileo "$n" cusolver) && c=$(galileo "$n" lapack) && [ -n "$g" ] && [ -n "$c" ]; then
            d=$(awk -F, 'FNR == 1 { next } FNR == NR { a[FNR] = $2; v = $2 < 0 ? -$2 : $2; if (v > big) big = v; next }
                         { e = a[FNR] - $2; e = e < 0 ? -e : e; if (e > worst) worst = e }
                         END { printf("%.1e", big > 0 ? worst / big : worst) }' "$TMP/lapack/eigenvalues.csv" "$TMP/cusolver/eigenvalues.csv")
            set -- $g $c
            printf ' %7d %18s %16s %16s %14s %25s\n' "$n" "$1" "$2" "$3" "$4" "$d"
        else
            sed 's/^/# /' "$TMP/cusolver.err" "$TMP/lapack.err" 2>/dev/null | head -3
            echo " $n not-measured not-measured not-measured not-measured -"; failed=1
        fi
    done
fi
fi
if [ $failed -eq 0 ]; then echo OK; else echo FAILED; exit 1; fi
