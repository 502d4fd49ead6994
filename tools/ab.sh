#!/bin/sh
# ab.sh — compare two huey binaries, for judging a change to the window
# loop (README "Speed"):
#
#   tools/ab.sh same OLD NEW      the network JSON (timing removed) of 24 runs
#                                 must be byte-identical: TrumpInterview at
#                                 max_neurons 50, 500 and 1000, the incoming
#                                 kernel, plain text, window 3 and 5,
#                                 connection_probability 1; each with the
#                                 vector kernels (AVX-512 where huey uses
#                                 them), the AVX2 ones alone
#                                 (HUEY_CPU_AVX512=0) and the scalar ones
#   tools/ab.sh time OLD NEW [REPS]
#                                 TrumpInterview x${COPIES:-12} at max_neurons
#                                 ${CAP:-500}, OLD and NEW alternating REPS
#                                 times (default 25) on one core, the one a
#                                 short probe finds fastest; the least CPU
#                                 time of each. With CORPUS=1: instead the
#                                 real corpus (build/corpus, make bench's
#                                 section 2 builds it), plain text, its first
#                                 ${WINDOWS:-2500000} windows at max_neurons
#                                 ${CAP:-100000} (full after about 1.4 M
#                                 windows), REPS default 5
#
# A VM's speed can drift by tens of per cent within minutes, and its cores
# need not be equally fast: many short alternating runs on one core, and
# each binary's minimum, are what make a difference of a few per cent
# visible (on a 2-core AMD EPYC VM, 2026-12-07, OLD against itself read
# +0.0 %, where 7 to 9 runs of x40 read anything from -9 % to +12 % for
# one pair of builds). CPU time is perf's task-clock when perf works, else the
# user + system time of GNU time (10 ms resolution). Run from the repository
# root; reads ../shared/data.
set -eu
D=../shared/data
T=$D/TrumpInterview.txt
usage() { echo "usage: tools/ab.sh same OLD NEW | tools/ab.sh time OLD NEW [REPS]" >&2; exit 2; }
[ $# -ge 3 ] || usage
MODE=$1 OLD=$2 NEW=$3
case $MODE in same | time) ;; *) usage ;; esac
for b in "$OLD" "$NEW"; do [ -x "$b" ] || { echo "ab.sh: $b is not an executable" >&2; exit 2; }; done
[ -r "$T" ] || { echo "ab.sh: $T not found (run from the repository root)" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

case $MODE in
same)
    runs() {   # runs BIN DIR: the 24 runs' JSON, timing removed, as DIR/1.s ...
        i=0
        # avx2: the AVX2 kernels where AVX-512 ones would run (HUEY_CPU_AVX512=0)
        for kernels in true avx2 false; do
            simd=$kernels avx512=1
            [ "$kernels" = avx2 ] && simd=true avx512=0
            for args in "$T $T $T --max-neurons 50" "$T $T $T --max-neurons 500" "$T $T --max-neurons 1000" \
                        "$T --max-neurons 300 --activation-kernel incoming" "$D/FeynmanYoung.txt --no-conversation-mode" \
                        "$D/sample_conversation.txt --window-size 3" "$D/blue.txt --window-size 5" \
                        "$D/FeynmanYoung.txt --connection-probability 1.0 --max-neurons 200"; do
                i=$((i + 1))
                # shellcheck disable=SC2086 # args is a word list
                if ! HUEY_CPU_AVX512=$avx512 "$1" run $args --cpu-simd $simd --progress-interval 0 \
                        --json "$2/$i.json" >/dev/null 2>"$2/$i.err"; then
                    echo "ab.sh: $1 failed on: $args (kernels: $kernels)" >&2; sed 's/^/    /' "$2/$i.err" >&2; exit 1
                fi
                grep -v '^  "timing"' "$2/$i.json" > "$2/$i.s"
            done
        done
    }
    mkdir "$TMP/old" "$TMP/new"
    runs "$OLD" "$TMP/old"
    runs "$NEW" "$TMP/new"
    differ=0
    for f in "$TMP"/old/*.s; do
        cmp -s "$f" "$TMP/new/$(basename "$f")" || { differ=$((differ + 1)); echo "differs: run $(basename "$f" .s)"; }
    done
    if [ $differ -eq 0 ]; then echo "same: all $i runs byte-identical"; else echo "NOT the same: $differ of $i runs differ"; exit 1; fi
    ;;
time)
    if [ "${CORPUS:-0}" = 1 ]; then
        [ -f build/corpus/.complete ] || { echo "ab.sh: no build/corpus (BENCH_SECTIONS=2 make bench builds it)" >&2; exit 2; }
        REPS=${4:-5} CAP=${CAP:-100000} COUNT=${WINDOWS:-2500000} UNITS=windows
        ARGS="--no-conversation-mode --max-windows $COUNT $(echo build/corpus/*.txt)"
        WHAT="the real corpus, first $COUNT windows, max_neurons $CAP"
    else
        REPS=${4:-25} CAP=${CAP:-500} UNITS=words
        ARGS=""
        for _ in $(seq "${COPIES:-12}"); do ARGS="$ARGS $T"; done
        # shellcheck disable=SC2086
        COUNT=$(cat $ARGS | wc -w)
        WHAT="TrumpInterview x${COPIES:-12} ($COUNT words), max_neurons $CAP"
    fi
    core=$(sh tools/fastest-cpu.sh 5000000 | sed -n 's/^fastest //p')
    [ -n "$core" ] || core=$(($(nproc) - 1))
    cpu_ms() {   # cpu_ms BIN: CPU milliseconds of one run
        if perf stat -x, -e task-clock true >/dev/null 2>&1; then
            # shellcheck disable=SC2086 # ARGS is a word list
            perf stat -x, -e task-clock taskset -c $core "$1" run --max-neurons "$CAP" --progress-interval 0 $ARGS \
                2>&1 >/dev/null | awk -F, '/task-clock/ { printf "%.1f\n", $1 }'
        else
            # shellcheck disable=SC2086
            /usr/bin/time -f '%U %S' -o "$TMP/t" taskset -c $core "$1" run --max-neurons "$CAP" --progress-interval 0 \
                $ARGS >/dev/null 2>&1
            awk '{ printf "%.1f\n", ($1 + $2) * 1000 }' "$TMP/t"
        fi
    }
    best_old=; best_new=
    for _ in $(seq "$REPS"); do
        o=$(cpu_ms "$OLD"); n=$(cpu_ms "$NEW")
        best_old=$(awk -v a="$o" -v b="${best_old:-$o}" 'BEGIN { print (a < b ? a : b) }')
        best_new=$(awk -v a="$n" -v b="${best_new:-$n}" 'BEGIN { print (a < b ? a : b) }')
    done
    awk -v o="$best_old" -v n="$best_new" -v w="$COUNT" -v u="$UNITS" -v what="$WHAT" -v ob="$OLD" -v nb="$NEW" \
        -v r="$REPS" -v k="$core" 'BEGIN {
        printf "least CPU time of %d alternating runs, %s, on cpu%d:\n", r, what, k
        printf "  OLD %-30s %9.1f ms  %9.0f %s/s\n", ob, o, w / (o / 1000), u
        printf "  NEW %-30s %9.1f ms  %9.0f %s/s  (%+.1f %%)\n", nb, n, w / (n / 1000), u, (n - o) / o * 100 }'
    ;;
esac
