#!/bin/sh
# run.sh DIR SECONDS NAME... — run each fuzz harness DIR/fuzz-NAME for
# SECONDS under ASan + UBSan (+ LeakSanitizer), FUZZ_PAR (default 2) at a
# time, each from its seed corpus (DIR/seeds/NAME, copied to
# DIR/corpus/NAME). A crash, a sanitizer report, a leak, an input that
# takes over 1 s (inputs up to 64 KB; 128 KB for checkpoints) or memory
# over 2 GB (4 GB for the checkpoint harnesses) is a failure: the input is
# left in DIR/crashes/NAME/ (add it to tests/fuzz/regress/NAME once fixed). Prints, and writes to DIR/summary.txt, one line per harness:
# executions, edges covered (libFuzzer's cov:), corpus size, verdict.
set -u
DIR=$1; S=$2; shift 2
PAR=${FUZZ_PAR:-2}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0}
mkdir -p "$DIR/log"

one() {
    n=$1
    rm -rf "$DIR/corpus/$n" "$DIR/crashes/$n"
    mkdir -p "$DIR/corpus/$n" "$DIR/crashes/$n"
    cp "$DIR/seeds/$n/"* "$DIR/corpus/$n/" 2>/dev/null
    len=65536 leaks=1 rss=2048
    # The smallest checkpoints with connections are 60-125 KB. What a
    # rejected checkpoint leaves allocated cannot be freed (HDF5's state,
    # fuzz.h): leaks are looked for at exit only (per input, every rejected
    # file would be loaded twice), and memory grows ~100 KB per rejection.
    # Their memory growth also fills ASan's quarantine (256 MB) again and
    # again; emptying a full one inside an input's H5Fclose once took over
    # the 1 s limit on a busy 2-core VM (the input itself: 60-80 ms). A
    # 16 MB quarantine is emptied in small steps.
    asan=$ASAN_OPTIONS
    case $n in ckpt*) leaks=0 rss=4096 asan=$ASAN_OPTIONS:quarantine_size_mb=16 ;; esac
    [ "$n" = ckpt ] && len=131072
    ASAN_OPTIONS=$asan "$DIR/fuzz-$n" -max_total_time="$S" -timeout=1 -max_len=$len -detect_leaks=$leaks -rss_limit_mb=$rss -close_fd_mask=3 \
        -print_final_stats=1 -artifact_prefix="$DIR/crashes/$n/" "$DIR/corpus/$n" > "$DIR/log/$n.log" 2>&1
    echo $? > "$DIR/log/$n.rc"
}

names="$*"
while [ $# -gt 0 ]; do
    k=0
    while [ $# -gt 0 ] && [ $k -lt "$PAR" ]; do
        one "$1" &
        shift
        k=$((k + 1))
    done
    wait
done

# the verdicts
fails=0
{
    printf '%-10s %12s %8s %8s %7s  %s\n' harness executions "exec/s" "edges" corpus result
    for n in $names; do
        log=$DIR/log/$n.log
        rc=$(cat "$DIR/log/$n.rc")
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
        corp=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
        if [ "$rc" = 0 ] && [ -z "$(ls "$DIR/crashes/$n")" ]; then
            res=ok
        else
            res="FAILED (exit $rc): $(grep -m1 -o -e 'ERROR: [A-Za-z]*Sanitizer: [a-z-]*' -e 'ERROR: libFuzzer: [a-z -]*' \
                -e 'runtime error: .*' -e 'fuzz [a-z]*: .*' "$log" | head -1) $(ls "$DIR/crashes/$n" | head -1)"
        fi
        printf '%-10s %12s %8s %8s %7s  %s\n' "$n" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${corp:-?}" "$res"
    done
} > "$DIR/summary.txt"
cat "$DIR/summary.txt"
grep -q FAILED "$DIR/summary.txt" && { echo "fuzz: FAILED (logs: $DIR/log, inputs: $DIR/crashes)"; exit 1; }
echo "fuzz: OK ($S s per harness)"
