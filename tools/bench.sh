#!/bin/sh
# bench.sh — throughput tables for huey (make bench; HUEY = binary, default
# bin/huey). Run from the repository root. Output: '#' header lines and
# whitespace-aligned tables (one row per configuration, no '#'), so
#   make bench | awk '!/^#/ && NF'      or gnuplot can read the rows; ends OK or FAILED.
#
# 1. TrumpInterview (../shared/data/TrumpInterview.txt, conversation mode,
#    defaults) at max_neurons 50, 100, 500, 1000. The file is passed COPIES
#    times as inputs; COPIES is calibrated per cap (a one-copy run, scaled up
#    until a run does >= 1 s of work: the first copy alone is slower per
#    window than the rest). Each row is the fastest of 5 runs, and "same"
#    checks that all 5 ended with the same counters (huey is deterministic).
#    The reference: with HUEY_REFERENCE set to the asa/ folder of a checkout
#    of eliacobucci/comscij (not part of this project), tools/bench_reference.py
#    runs it in this same benchmark on the interview at the caps of
#    BENCH_REF_CAPS (default 500), for BENCH_REF_SECONDS each (default 150:
#    the whole file at cap 500), with Debian's python3 and NumPy; otherwise,
#    and for the other caps, the recorded figures of huey-model.md
#    ("Reference timings", another 2-core VM) stand in, and the table says so.
# 2. Real corpus (../shared/corpus/build_corpus.sh into build/corpus, built
#    once, plain text) at max_neurons 1e4, 1e5.
# 3. Generated corpus (tools/gencorpus, seeded Zipf, plain text, written once
#    to build/) at max_neurons 1e4, 1e5, 1e6.
# 4. Scaling over MPI ranks: the generated corpus at max_neurons 1e4, 1e5,
#    1e6, and with windows of 100 words at 1e4, with P = 1, 2, 4 (mpirun
#    --oversubscribe --bind-to none; P = 4 on a 2-core machine shares
#    cores), the same two-run cells; speed-up is against P = 1,
#    imbalance = max/avg connections held per rank.
# 5. Checkpoints of about 10^4, 10^5, 10^6 connections (the generated
#    corpus, connection decay off so that connections accumulate, wide
#    windows): one P = 1 run writes each; then for P = 1, 2, 4 a resume
#    from it that stops at once reads it and writes it again (huey's own
#    "read in" / "written in" lines: HDF5 open to close, the write with
#    flush, rename and both fsyncs). Best of 3 each.
# 6. Galileo spaces (huey galileo --generated N: N concepts, 8 random links
#    each, random activations) at N = 500, 1000, 2000, 4000, one thread:
#    the matrix build and the eigen-decomposition, huey's own timing line;
#    assoc = every eigenvalue + 3 vectors (§12.1), torgerson --dims 3 =
#    every eigenvalue + 3 top and 3 bottom vectors (§12.2). Best of 3
#    (N = 4000: of 1). Next to NumPy eigh on the reference machine
#    (huey-model.md: 57 ms / 325 ms / 1.56 s at 500 / 1000 / 2000).
#    6b: N = 20 000, 100 000 by the matrix-free Lanczos path (top 3; torgerson
#    also the 3 most negative), eigen time, wall time and max RSS.
# 7. Batch (huey run --batch, one network per conversation) at P = 1, 2:
#    600 copies of TrumpInterview; 1000 generated conversations of mixed
#    size (gencorpus, 2-4 speakers, 500..40 000 words, log-uniform, seeded);
#    the real corpus (section 2's build) cut into files of 10 000 words
#    (plain text). conv/s and words/s over the whole command (mpirun's start
#    included; huey_s: huey's own time from listing to the joined file and
#    summary); TI/core-s = TrumpInterview-
#    sized conversations (9 988 words) per core-second = words/s / 9988 / P;
#    tokens/s counts the words the model learns (kill-list words and
#    speaker labels excluded): generated text has no stop words, so it
#    costs about 3x TrumpInterview's work per word;
#    idle = a rank's time not spent learning a conversation, min/avg/max
#    over ranks (huey's own line). TARGET: >= 20 TI/core-s, idle <= 5 %.
# 8. Live (huey run --follow - --live DIR): a writer pipes labeled lines
#    (TrumpInterview's, cycled) into huey's standard input at 10 and at
#    1 000 utterances/s, for LIVE_SECONDS (default 20 s at 10/s, 5 s at
#    1 000/s); a poller parses DIR/state.json whenever it changes.
#    Latency of line k = the first time state.json has read (and learnt)
#    its bytes - the time line k was written (p50 / p99 / max over the lines), with
#    live_every = 2 s (the default: a line waits up to one period) and
#    0.05 s (the floor: reading, learning, the snapshot and the writer).
#    pause = the learning thread's wait per snapshot (wall, and its own CPU
#    time), writer = the writer thread's time per snapshot (huey's line).
# 9. The floor under the step: huey at max_neurons 500 on TrumpInterview
#    and at 1e5 on the real corpus, next to tools/bench_floor.c
#    (build/bench-floor), which does only the step's row work for the same
#    connection copies and rows, laid out ideally; the ratio says how far
#    huey's step is from it.
#
# Sections 1-3 and 9 (one process each) run on the core whose speed probe (a
# fixed awk loop) was fastest, via taskset: a VM's cores can differ by
# tens of per cent. The probe runs again at the end; a change of more than
# 10 % is flagged.
#
# Steady state (sections 2, 3): two runs per cell over the same input.
#   run B: --time-budget CELL_SECONDS, progress lines every second; the first
#          progress line with living neurons >= cap marks the network full
#          (window count W_fill, elapsed t_fill).
#   run A: --max-windows W_A, where W_A = W_fill if t_fill <= 2/3 of run B
#          (state "steady"), else W_A = W_B/2 (state "filling": the network
#          was still growing, or filled late, inside the interval; its rate
#          is not a steady-state figure).
# huey is deterministic, so run B's first W_A windows are run A's; the cell
# reports the interval between them: windows/s = (W_B-W_A)/(t_B-t_A), and
# evictions per window and the per-phase split (JSON timing.*_seconds) as
# differences over the same interval. living N, connections and bytes per
# connection (timing.connection_bytes / network.connections) are run B's end
# state.
#
# Per-phase columns are microseconds per window (rank 0's timers):
# vocabulary lookup/creation (without evictions), Hebbian pair updates
# (with the window scan and the window members' activation decay), the
# fused decay/prune/activation step (with the other listed neurons'
# activation decay), evictions, the all-gather (P > 1), and the rest
# (reading, tokenizing, bookkeeping) = total - the others.
#
# Knobs (environment): BENCH_CELL_SECONDS (run B's budget, default 45),
# BENCH_REPS (section 1 repeats, default 5), BENCH_MIN_SECONDS (section 1
# target run length, default 1), BENCH_SECTIONS (which sections to run,
# default "1 2 3 4 5 6 7 8 9"), HUEY_REFERENCE, BENCH_REF_CAPS,
# BENCH_REF_SECONDS (section 1's reference runs), BENCH_LIVE_SECONDS
# (section 8's run length at 10 utterances/s; a quarter of it at 1 000/s).
# shellcheck disable=SC1090,SC2046,SC2086,SC2154 # NAME_* set by hrun; splitting intended
set -eu

HUEY=${HUEY:-bin/huey}
LAUNCH=""    # an mpirun command line in section 4
CELL_SECONDS=${BENCH_CELL_SECONDS:-45}
REPS=${BENCH_REPS:-5}
MIN_SECONDS=${BENCH_MIN_SECONDS:-1}
SECTIONS=${BENCH_SECTIONS:-1 2 3 4 5 6 7 8 9}
LIVE_SECONDS=${BENCH_LIVE_SECONDS:-20}
SHARED=../shared
TRUMP=$SHARED/data/TrumpInterview.txt
CORPUS=build/corpus
GEN_WORDS=20000000
GEN_VOCAB=1000000
GEN_SEED=1
GEN_TXT=build/gencorpus-w$GEN_WORDS-v$GEN_VOCAB-s$GEN_SEED.txt

TMP=$(mktemp -d "${TMPDIR:-/tmp}/huey-bench.XXXXXX")
finished=no
# On any exit: remove the temp files; an exit before the final OK prints
# FAILED (set -e stops at the first failing command).
trap 'rc=$?; rm -rf "$TMP"; [ "$finished" = yes ] || echo "FAILED"; exit $rc' EXIT
trap 'exit 130' INT TERM

fail() {
    echo "# FAILED: $*"
    exit 1
}

# awk arithmetic: calc FORMAT EXPRESSION
calc() { awk "BEGIN { printf(\"$1\", ($2)) }"; }

# section N: true when section N is to run
section() { case " $SECTIONS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# is EXPRESSION: true when the awk expression is non-zero
is() { [ "$(calc "%d" "($1) ? 1 : 0")" = 1 ]; }

loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?"; }

# probe CPU: seconds that tools/fastest-cpu.sh's loop takes now on CPU
# (empty where it cannot run). A VM's cores need not be equally fast, nor
# stay so: on a 2-core AMD EPYC VM (2026-12-07) one core ran the loop in
# 0.34 s and the other in 0.63 s, and one huey binary's windows/s went from
# 104 000 to 76 000 within 20 minutes. So the one-process runs go to the
# core that probed fastest, and it is probed again at the end.
probe() { sh tools/fastest-cpu.sh 20000000 "$1" 2>/dev/null | awk -v c="$1" '$1 == c { print $2 }'; }

# ---- the binary: build if missing, then benchmark a private copy ----------
# Other work may rebuild bin/huey while this runs; the copy keeps every
# number in one report from one binary. A build that fails (someone is
# mid-edit) is retried.
if [ ! -x "$HUEY" ]; then
    tries=0
    until ${MAKE:-make} "$HUEY" >"$TMP/make.log" 2>&1; do
        tries=$((tries + 1))
        if [ $tries -ge 5 ] || grep -q "No rule to make target" "$TMP/make.log"; then
            tail -20 "$TMP/make.log" | sed 's/^/#   /'
            fail "cannot build $HUEY"
        fi
        echo "# build of $HUEY failed; retrying in 30 s ($tries/5)"
        sleep 30
    done
fi
cp "$HUEY" "$TMP/huey"
BIN=$TMP/huey

# ---- one huey run -----------------------------------------------------------
# hrun NAME ARGS... : runs huey, keeps stderr in $TMP/NAME.err, and sets
# NAME_windows, NAME_words, NAME_living, NAME_conns, NAME_sec, NAME_tv,
# NAME_th, NAME_ts, NAME_te (timing.*_seconds), NAME_bytes and NAME_evict.
# The JSON has one top-level key per line (its connection and vocabulary
# lists are single lines); it is streamed through cut so that no line kept
# exceeds 1 MB, and the scalars read here come first in their lines. The
# eviction count is only in the stderr summary "network: N neurons (K ids
# issued, E evictions)".
hrun() {
    name=$1; shift
    { rc=0; ${LAUNCH:-$ONE} "$BIN" run "$@" --json /dev/stdout 2>"$TMP/$name.err" || rc=$?; echo $rc >"$TMP/$name.rc"; } \
        | cut -c1-1000000 >"$TMP/$name.json"
    if [ "$(cat "$TMP/$name.rc")" != 0 ]; then
        echo "# huey run ... $(echo "$*" | cut -c1-150):"
        tail -5 "$TMP/$name.err" | sed 's/^/#   /'
        fail "huey exited with status $(cat "$TMP/$name.rc")"
    fi
    if ! awk -v p="$name" '
        BEGIN {
            n = split("input.windows=windows input.words_processed=words " \
                      "network.living_neurons=living network.connections=conns " \
                      "timing.processing_seconds=sec timing.vocabulary_seconds=tv " \
                      "timing.hebbian_seconds=th timing.decay_prune_activation_seconds=ts " \
                      "timing.evictions_seconds=te timing.connection_bytes=bytes " \
                      "timing.allgather_seconds=tg", want, " ")
        }
        FNR == NR {
            if (!match($0, /^ *"[A-Za-z_]+": *[{]/)) next
            s = substr($0, RSTART, RLENGTH); gsub(/[ "{:]/, "", s)
            for (i = 1; i <= n; i++) {
                split(want[i], a, "="); split(a[1], b, ".")
                if (b[1] != s || (a[2] in got)) continue
                if (match($0, "\"" b[2] "\": *-?[0-9][0-9.eE+-]*")) {
                    v = substr($0, RSTART, RLENGTH); sub(/^[^:]*: */, "", v); got[a[2]] = v
                }
            }
            next
        }
        /ids issued, [0-9]+ evictions/ { v = $0; sub(/.*ids issued, /, "", v); sub(/ .*/, "", v); got["evict"] = v }
        /connections per rank min/ { v = $0; sub(/.*imbalance /, "", v); sub(/[)].*/, "", v); got["imb"] = v }
        END {
            for (i = 1; i <= n; i++) {
                split(want[i], a, "=")
                if (!(a[2] in got)) { print "#   no " a[1] " in the JSON"; bad = 1 }
            }
            if (!("evict" in got)) { print "#   no eviction count in the summary"; bad = 1 }
            if (!("imb" in got)) got["imb"] = "1.00"
            if (bad) exit 1
            for (k in got) print p "_" k "=" got[k]
        }' "$TMP/$name.json" "$TMP/$name.err" >"$TMP/$name.vars"; then
        cat "$TMP/$name.vars"
        fail "cannot read huey's output"
    fi
    . "$TMP/$name.vars"
}

# fill_point NAME CAP : "windows elapsed" of the first progress line with
# living neurons >= CAP (elapsed = windows / average win/s), or nothing
fill_point() {
    awk -v cap="$2" '/win\/s/ {
            w = r = n = -1
            for (i = 2; i <= NF; i++) {
                if ($i == "windows") w = $(i + 1)
                if ($i == "win/s") r = $(i - 1)
                if ($i == "neurons") n = $(i + 1)
            }
            if (n + 0 >= cap + 0 && r + 0 > 0) { printf "%d %.3f\n", w, w / r; exit }
        }' "$TMP/$1.err"
}

# ---- header -----------------------------------------------------------------
cpu=$(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo 2>/dev/null | head -1)
# virtual machines often name only the vendor ("AMD EPYC"): family/model/stepping tell the generation
cpu_fms=$(awk -F': *' '/^cpu family/ { f = $2 } /^model[^ ]*\t*:/ && $1 ~ /^model[ \t]*$/ { m = $2 } /^stepping/ { s = $2; exit }
    END { if (f != "") printf "family %s model %s stepping %s", f, m, s }' /proc/cpuinfo 2>/dev/null)
version=$("$HUEY" --version 2>/dev/null | sed -n 's/^huey //p')   # git describe at build time, -dirty if changed
echo "# huey throughput benchmark"
bin_sum=$(sha256sum "$BIN" 2>/dev/null | cut -c1-12)
echo "# binary $HUEY (sha256 ${bin_sum:-?}, built $(date -u -r "$HUEY" '+%H:%M UTC' 2>/dev/null || echo '?');"
echo "#   huey ${version:-?}), run $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# cpu: ${cpu:-unknown} (${cpu_fms:-family ?}), $(nproc 2>/dev/null || echo '?') cores for this run; load average at start: $(loadavg)"
PIN="" probe_start=""
sh tools/fastest-cpu.sh >"$TMP/cpus" 2>/dev/null || : >"$TMP/cpus"   # no pinning where taskset cannot
pin_cpu=$(sed -n 's/^fastest //p' "$TMP/cpus")
if [ -n "$pin_cpu" ]; then
    PIN="taskset -c $pin_cpu"
    probe_start=$(awk -v c="$pin_cpu" '$1 == c { print $2 }' "$TMP/cpus")
    echo "# speed probe (a fixed awk loop; less is faster):$(awk '!/fastest/ { printf " cpu%s %s s", $1, $2 }' "$TMP/cpus");" \
        "sections 1-3 and 9 run on cpu$pin_cpu"
fi
echo "# huey is single-threaded; other processes on the machine disturb the numbers."
echo "#"

# ---- 1. TrumpInterview -------------------------------------------------------
ONE=$PIN   # hrun's prefix in sections 1-3 (the scaling sections compare unpinned runs)
if section 1; then
    [ -r "$TRUMP" ] || fail "missing $TRUMP"

    # run_trump NAME CAP COPIES : the interview passed COPIES times as inputs
    run_trump() {
        rt_name=$1 rt_cap=$2 rt_n=$3
        set --
        while [ $# -lt "$rt_n" ]; do set -- "$@" "$TRUMP"; done
        hrun "$rt_name" --max-neurons "$rt_cap" --progress-interval 0 "$@"
    }

    echo "# 1. TrumpInterview.txt, conversation mode, defaults (window 10, seed 0)."
    echo "#    copies: the file passed that many times as inputs, calibrated so that a run takes"
    echo "#    >= ${MIN_SECONDS} s; the row is the fastest of $REPS runs."
    echo "#    TARGET: >= 400000 words/s at max_neurons 500, and >= 5000 x the reference measured here."
    # the reference's words/s per cap: measured here, or recorded (huey-model.md)
    ref_py=python3
    [ -x /usr/bin/python3 ] && ref_py=/usr/bin/python3   # Debian's, with python3-numpy
    ref_caps=${BENCH_REF_CAPS:-500}
    ref_measured=""
    if [ -n "${HUEY_REFERENCE:-}" ]; then
        for cap in $ref_caps; do
            if PYTHONHASHSEED=0 $ONE "$ref_py" tools/bench_reference.py "$HUEY_REFERENCE" "$TRUMP" "$cap" \
                "${BENCH_REF_SECONDS:-150}" >"$TMP/ref.out" 2>"$TMP/ref.err"; then
                set -- $(cat "$TMP/ref.out")
                eval "ref_m_$cap=\$6"
                ref_measured="$ref_measured $cap"
                echo "#    reference measured at max_neurons $cap: $2 words in $4 s = $6 words/s"
            else
                sed 's/^/#    /' "$TMP/ref.err" | tail -3
                echo "#    reference NOT available at max_neurons $cap (HUEY_REFERENCE=$HUEY_REFERENCE)"
            fi
        done
    else
        echo "#    reference NOT available (set HUEY_REFERENCE to the asa/ folder of an"
        echo "#    eliacobucci/comscij checkout to measure it here): recorded figures are used."
    fi
    echo "#    ref_wrd/s: the Python reference's words/s, src = here (measured in this benchmark) or"
    echo "#    rec (recorded: huey-model.md, Reference timings, another 2-core VM; its cap 1000 run"
    echo "#    was stopped by a 150 s budget). speedup = words/s / ref_wrd/s."
    echo "#    same: all $REPS runs ended with identical windows, living N, connections, evictions."
    echo "#    *_us: microseconds per window in vocabulary (without evictions) / hebbian (with the"
    echo "#    window scan) / fused decay-prune-activation step (with the activation decay) /"
    echo "#    evictions / rest (reading, tokenizing, bookkeeping)."
    printf '#%5s %6s %9s %8s %10s %10s %7s %6s %9s %9s %4s %8s %8s %7s %7s %8s %7s %5s\n' \
        cap copies windows seconds windows/s words/s livingN conns evictions ref_wrd/s src speedup \
        vocab_us hebb_us step_us evict_us rest_us same
    met=""
    for row in "50 349" "100 216" "500 73" "1000 51"; do
        set -- $row
        cap=$1 ref_words=$2 ref_src=rec
        case " $ref_measured " in *" $cap "*) eval "ref_words=\$ref_m_$cap"; ref_src=here ;; esac
        copies=1
        while :; do
            run_trump C "$cap" "$copies"
            if is "$C_sec >= $MIN_SECONDS" || [ "$copies" -ge 4000 ]; then break; fi
            copies=$(calc "%d" "$copies * $MIN_SECONDS * 1.25 / ($C_sec > 1e-3 ? $C_sec : 1e-3) + 1")
            if [ "$copies" -gt 4000 ]; then copies=4000; fi
        done
        same=yes
        r=1
        while [ $r -le "$REPS" ]; do
            run_trump R "$cap" "$copies"
            sig="$R_windows $R_living $R_conns $R_evict"
            if [ $r = 1 ]; then sig0=$sig; fi
            if [ "$sig" != "$sig0" ]; then same=NO; fi
            if [ $r = 1 ] || is "$R_sec < $sec"; then
                sec=$R_sec words=$R_words tv=$R_tv th=$R_th ts=$R_ts te=$R_te
            fi
            r=$((r + 1))
        done
        set -- $sig0
        windows=$1 living=$2 conns=$3 evict=$4
        wps=$(calc "%.0f" "$windows / $sec")
        us() { calc "%.4f" "($1) / $windows * 1e6"; }
        wds=$(calc "%.0f" "$words / $sec")
        speedup=$(calc "%.0f" "$words / $sec / $ref_words")
        printf ' %5d %6d %9d %8.3f %10.0f %10.0f %7d %6d %9d %9.1f %4s %8.0f %8.2f %7.2f %7.2f %8.2f %7.2f %5s\n' \
            "$cap" "$copies" "$windows" "$sec" "$wps" "$wds" "$living" "$conns" \
            "$evict" "$ref_words" "$ref_src" "$speedup" \
            "$(us "$tv")" "$(us "$th")" "$(us "$ts")" "$(us "$te")" "$(us "$sec - $tv - $th - $ts - $te")" "$same"
        [ "$same" = yes ] || fail "repeated runs at max_neurons $cap ended differently"
        if [ "$cap" = 500 ]; then
            if is "$wds >= 400000"; then met="met ($wds words/s"; else met="NOT met ($wds words/s"; fi
            if [ "$ref_src" = here ]; then
                if is "$speedup >= 5000"; then met="$met; ${speedup}x the reference measured here: met)"
                else met="$met; ${speedup}x the reference measured here: NOT met)"; fi
            else
                met="$met; ${speedup}x the recorded reference: the reference was not measured here)"
            fi
        fi
    done
    echo "# target >= 400000 words/s and >= 5000x the reference at max_neurons 500: $met"
    echo "#"
fi

# ---- sections 2 and 3: steady-state cells ----------------------------------
steady_header() {
    echo "#    Two runs per cell (see the comment at the top of tools/bench.sh): run B stops after"
    echo "#    ${CELL_SECONDS} s, run A after W_A windows; rates are over the windows between them."
    echo "#    state steady: the network was full (at max_neurons, evicting) before W_A;"
    echo "#    state filling: it was still growing or filled late; not a steady-state rate."
    echo "#    fill_s: seconds until the network was full ('-': not within run B)."
    echo "#    At capacity every new word evicts the least important neuron, found by a scan: O(N)"
    echo "#    per new word over all living neurons (less where huey leaves settled neurons out of"
    echo "#    the scan); evict_us = evict/w x the cost of one scan."
    echo "#    bytes/conn = timing.connection_bytes / network.connections, run B's end state (what"
    echo "#    huey counts as connection storage, spare row capacity included)."
    echo "#    *_us: microseconds per window over the interval, as in section 1."
    printf '#%7s %8s %6s %7s %9s %9s %8s %9s %7s %6s %7s %10s %8s %7s %7s %8s %7s\n' \
        cap state fill_s N_at_A W_A W_B seconds windows/s livingN conns evict/w bytes/conn \
        vocab_us hebb_us step_us evict_us rest_us
}

# steady_cell CAP INPUT... : one row
steady_cell() {
    cap=$1; shift
    hrun B --max-neurons "$cap" --no-conversation-mode --time-budget "$CELL_SECONDS" \
        --progress-interval 1 "$@"
    fp=$(fill_point B "$cap")
    state=filling fill_s=- wa=$((B_windows / 2))
    if [ -n "$fp" ]; then
        set -- $fp "$@"
        fill_s=$(calc "%.1f" "$2")
        if is "$2 <= $B_sec * 2 / 3"; then state=steady wa=$1; fi
        shift 2
    fi
    if [ "$wa" -lt 1 ] || [ "$wa" -ge "$B_windows" ]; then
        fail "max_neurons $cap: too few windows in ${CELL_SECONDS} s ($B_windows)"
    fi
    hrun A --max-neurons "$cap" --no-conversation-mode --time-budget $((CELL_SECONDS * 2)) \
        --progress-interval 0 --max-windows "$wa" "$@"
    [ "$A_windows" = "$wa" ] || fail "run A stopped at $A_windows windows, not $wa"
    dw=$((B_windows - wa))
    dt=$(calc "%.6f" "$B_sec - $A_sec")
    is "$dt > 0" || fail "max_neurons $cap: run B was not slower than run A"
    us() { calc "%.4f" "($1) / $dw * 1e6"; }
    cell_wps=$(calc "%.0f" "$dw / $dt")
    printf ' %7d %8s %6s %7d %9d %9d %8.3f %9.0f %7d %6d %7.4f %10.0f %8.2f %7.2f %7.2f %8.2f %7.2f\n' \
        "$cap" "$state" "$fill_s" "$A_living" "$wa" "$B_windows" "$dt" "$(calc "%.0f" "$dw / $dt")" \
        "$B_living" "$B_conns" "$(calc "%.6f" "($B_evict - $A_evict) / $dw")" \
        "$(calc "%.0f" "$B_bytes / ($B_conns > 0 ? $B_conns : 1)")" \
        "$(us "$B_tv - $A_tv")" "$(us "$B_th - $A_th")" "$(us "$B_ts - $A_ts")" \
        "$(us "$B_te - $A_te")" "$(us "$dt - ($B_tv - $A_tv) - ($B_th - $A_th) - ($B_ts - $A_ts) - ($B_te - $A_te)")"
}

# ---- 2. real corpus ----------------------------------------------------------
# Built once; build/corpus/.complete marks a finished build. The files are
# moved in one by one (never a directory removed under a concurrent reader).
# build_corpus.sh's text holds a few invalid UTF-8 bytes (gcide) and NUL
# bytes (python info), which huey rejects: they are dropped here.
if section 2; then
    echo "# 2. Real English corpus (build/corpus, ../shared/corpus/build_corpus.sh), plain text"
    echo "#    (--no-conversation-mode: each file one utterance), files in name order;"
    echo "#    invalid UTF-8 and NUL bytes removed (huey rejects them)."
    if [ ! -f "$CORPUS/.complete" ]; then
        rm -rf "$CORPUS.tmp"
        if sh "$SHARED/corpus/build_corpus.sh" "$CORPUS.tmp" >"$TMP/corpus.log" 2>&1; then
            for f in "$CORPUS.tmp"/*.txt; do
                if command -v iconv >/dev/null; then
                    tr -d '\000' <"$f" | iconv -c -f UTF-8 -t UTF-8 >"$f.clean"
                else
                    tr -d '\000' <"$f" >"$f.clean"
                fi
                mv "$f.clean" "$f"
            done
            mkdir -p "$CORPUS"
            for f in "$CORPUS.tmp"/*.txt; do mv "$f" "$CORPUS/"; done
            rm -rf "$CORPUS.tmp"
            touch "$CORPUS/.complete"
        else
            rm -rf "$CORPUS.tmp"
        fi
    fi
    if [ -f "$CORPUS/.complete" ]; then
        set -- "$CORPUS"/*.txt
        echo "#    $(cat "$@" | wc -w) words in $# files."
        echo "#    TARGET: >= 150000 windows/s in steady state at max_neurons 100000."
        steady_header
        for cap in 10000 100000; do
            steady_cell "$cap" "$CORPUS"/*.txt
        done
        if [ "$state" = steady ] && is "$cell_wps >= 150000"; then met=met; else met="NOT met"; fi
        echo "# target >= 150000 windows/s at max_neurons 100000 ($state): $met ($cell_wps windows/s)"
    else
        tail -3 "$TMP/corpus.log" | sed 's/^/#   /'
        echo "# SKIPPED: real corpus: build_corpus.sh failed (no network or apt-get download?)"
    fi
    echo "#"
fi

# ---- 3. generated corpus (also the input of sections 4 and 5) ---------------
if [ ! -x build/gencorpus ] || [ -n "$(find tools/gencorpus.c -newer build/gencorpus)" ]; then
    mkdir -p build
    ${CC:-gcc} -std=c11 -O2 -o build/gencorpus tools/gencorpus.c -lm || fail "cannot build build/gencorpus"
fi
if [ ! -f "$GEN_TXT" ]; then
    build/gencorpus --words "$GEN_WORDS" --vocab "$GEN_VOCAB" --seed "$GEN_SEED" >"$GEN_TXT.tmp" \
        || fail "gencorpus failed"
    mv "$GEN_TXT.tmp" "$GEN_TXT"
fi
if section 3; then
    echo "# 3. Generated corpus: tools/gencorpus --words $GEN_WORDS --vocab $GEN_VOCAB --seed $GEN_SEED"
    echo "#    (Zipf exponent 1.07, plain text, 12 words a line), one file: $GEN_TXT."
    steady_header
    for cap in 10000 100000 1000000; do
        steady_cell "$cap" "$GEN_TXT"
    done
    echo "#"
fi

# ---- 4. scaling over MPI ranks -------------------------------------------------
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1
ONE=""
if section 4; then
    echo "# 4. Scaling: the generated corpus over P MPI ranks (one network; identical results for any P)."
    if command -v mpirun >/dev/null 2>&1; then
        echo "#    mpirun --oversubscribe --bind-to none -n P; cores: $(nproc)."
        echo "#    speedup: windows/s over P = 1's; gather_us: all-gather per window; imbalance: max/avg"
        echo "#    connections per rank at the end. W: window size (default 10); W = 100 has ~50x the"
        echo "#    pairs and ~13x the connections: rows large enough for ranks to pay off."
        printf '#%3s %7s %2s %8s %9s %9s %8s %9s %7s %8s %7s %7s %8s %9s %9s\n' \
            W cap P state W_A W_B seconds windows/s speedup vocab_us hebb_us step_us evict_us gather_us imbalance
        for spec in "10 10000" "10 100000" "10 1000000" "100 10000"; do
            set -- $spec
            win=$1 cap=$2
            base=""
            for P in 1 2 4; do
                if [ "$P" = 1 ]; then LAUNCH=""; else LAUNCH="mpirun --oversubscribe --bind-to none -n $P"; fi
                steady_cell "$cap" --window-size "$win" "$GEN_TXT" >"$TMP/cell" || exit 1
                wps=$(awk '{ print $8 }' "$TMP/cell")
                [ -n "$base" ] || base=$wps
                us() { calc "%.2f" "($1) / $dw * 1e6"; }
                printf ' %3d %7d %2d %8s %9d %9d %8.3f %9.0f %7.2f %8s %7s %7s %8s %9s %9s\n' "$win" "$cap" "$P" \
                    "$state" "$wa" "$B_windows" "$dt" "$wps" "$(calc "%.2f" "$wps / $base")" "$(us "$B_tv - $A_tv")" \
                    "$(us "$B_th - $A_th")" "$(us "$B_ts - $A_ts")" "$(us "$B_te - $A_te")" "$(us "$B_tg - $A_tg")" "$B_imb"
            done
        done
        LAUNCH=""
    else
        echo "# SKIPPED: no mpirun"
    fi
    echo "#"
fi

# ---- 5. checkpoints ----------------------------------------------------------
# ck_seconds FILE WHAT : the seconds of huey's "WHAT in X s" line in FILE
ck_seconds() { sed -n "s/.* $2 in \([0-9.]*\) s\$/\1/p" "$1" | tail -1; }

# raw_bytes FILE.h5 : the datasets' nominal bytes (elements x element size), by h5py
raw_bytes() {
    /usr/bin/python3 - "$1" 2>/dev/null <<'PY' || echo 0
import sys, h5py
tot = 0
def add(name, obj):
    global tot
    if isinstance(obj, h5py.Dataset):
        tot += obj.size * obj.dtype.itemsize
h5py.File(sys.argv[1], "r").visititems(add)
print(tot)
PY
}

if section 5; then
    echo "# 5. Checkpoints: the generated corpus with --connection-decay-rate 0 (connections accumulate),"
    echo "#    window W, max_neurons 1e5, stopped after 'windows'; written once at P = 1, then per P a resume"
    echo "#    that stops at once reads it and writes it again; best of 3. write_s: HDF5 create to rename,"
    echo "#    file and directory fsynced; read_s: open to close, the whole model. raw: the datasets'"
    echo "#    elements x element size (h5py); ratio = file bytes / raw. Rows hold each connection twice"
    echo "#    (the source's outgoing entry and the target's incoming mirror, whose order the sums follow)."
    echo "#    TARGET: 10^6 connections written and read in <= 0.5 s each; file <= 1.2x raw."
    printf '#%4s %6s %8s %2s %8s %8s %11s %11s %6s %8s\n' \
        W windows conns P write_s read_s file_bytes raw_bytes ratio MB/s_wr
    ckmet=yes
    for spec in "30 550" "100 2200" "300 12000"; do
        set -- $spec
        ck_w=$1 ck_n=$2
        base=$TMP/ck-$ck_n.h5
        "$BIN" run --no-conversation-mode --max-neurons 100000 --window-size "$ck_w" --connection-decay-rate 0 \
            --max-windows "$ck_n" --progress-interval 0 --checkpoint "$base" "$GEN_TXT" 2>"$TMP/ck.err" \
            || { tail -3 "$TMP/ck.err"; fail "checkpoint bench: the run failed"; }
        conns=$("$BIN" info "$base" | sed -n 's/.* \([0-9][0-9]*\) connections.*/\1/p')
        for P in 1 2 4; do
            if [ "$P" = 1 ]; then LAUNCH=""; else LAUNCH="mpirun --oversubscribe --bind-to none -n $P"; fi
            command -v mpirun >/dev/null 2>&1 || [ "$P" = 1 ] || continue
            wr="" rd=""
            for rep in 1 2 3; do
                $LAUNCH "$BIN" run --resume "$base" --max-windows "$ck_n" --progress-interval 3600 \
                    --checkpoint "$TMP/ck-out.h5" >/dev/null 2>"$TMP/ck.err" \
                    || { tail -3 "$TMP/ck.err"; fail "checkpoint bench: the resume failed (P = $P)"; }
                w=$(ck_seconds "$TMP/ck.err" written) r=$(ck_seconds "$TMP/ck.err" read)
                [ -n "$w" ] && [ -n "$r" ] || fail "checkpoint bench: no timing lines from huey"
                if [ -z "$wr" ] || is "$w < $wr"; then wr=$w; fi
                if [ -z "$rd" ] || is "$r < $rd"; then rd=$r; fi
            done
            h5diff -q "$base" "$TMP/ck-out.h5" >/dev/null 2>&1 || fail "checkpoint bench: rewritten checkpoint differs (P = $P)"
            fb=$(wc -c <"$TMP/ck-out.h5") raw=$(raw_bytes "$TMP/ck-out.h5")
            ratio=$(calc "%.3f" "$raw > 0 ? $fb / $raw : 0")
            printf ' %4d %6d %8d %2d %8.3f %8.3f %11d %11d %6s %8.0f\n' "$ck_w" "$ck_n" "$conns" "$P" "$wr" "$rd" \
                "$fb" "$raw" "$ratio" "$(calc "%.0f" "$fb / 1e6 / ($wr > 0 ? $wr : 1e-9)")"
            if [ "$ck_n" = 12000 ] && { is "$wr > 0.5" || is "$rd > 0.5" || is "$ratio > 1.2"; }; then ckmet=no; fi
        done
    done
    LAUNCH=""
    if [ "$ckmet" = yes ]; then echo "# target (~10^6 connections): met"; else echo "# target (~10^6 connections): NOT met"; fi
    echo "#"
fi

# ---- 6. Galileo spaces ----------------------------------------------------------
if section 6; then
    echo "# 6. Galileo: matrix build + eigen-decomposition of a generated network of N concepts, 1 thread"
    echo "#    (OpenBLAS LAPACK; N >= 800: two-stage band reduction + dsterf + band inverse iteration; below:"
    echo "#    dsytrd + dsterf + dstebz/dstein/dormtr); best of 3 (N = 4000: 1 run)."
    echo "#    numpy_eigh_s: NumPy eigh (every vector) on the reference's 2-core VM (huey-model.md)."
    echo "#    TARGET (assoc: all eigenvalues + 3 vectors): N = 1000 <= 0.08 s, 2000 <= 0.6 s, 4000 <= 6 s."
    printf '#%5s %-10s %8s %8s %8s %12s %7s\n' N method build_s eigen_s total_s numpy_eigh_s target
    galmet=yes
    for N in 500 1000 2000 4000; do
        case $N in 500) np=0.057 tg=- ;; 1000) np=0.325 tg=0.08 ;; 2000) np=1.56 tg=0.6 ;; *) np=- tg=6 ;; esac
        reps=3; [ "$N" = 4000 ] && reps=1
        for method in assoc torgerson; do
            best_b="" best_e=""
            rep=0
            while [ $rep -lt $reps ]; do
                rep=$((rep + 1))
                OPENBLAS_NUM_THREADS=1 "$BIN" galileo --generated "$N" --method $method --dims 3 \
                    --out "$TMP/gal" 2>"$TMP/gal.err" || { cat "$TMP/gal.err"; fail "huey galileo --generated $N"; }
                b=$(sed -n 's/.*matrix \([0-9.]*\) s.*/\1/p' "$TMP/gal.err")
                e=$(sed -n 's/.*eigen \([0-9.]*\) s.*/\1/p' "$TMP/gal.err")
                [ -n "$b" ] && [ -n "$e" ] || fail "huey galileo printed no timing line"
                if [ -z "$best_e" ] || is "$b + $e < $best_b + $best_e"; then best_b=$b best_e=$e; fi
            done
            tot=$(calc "%.3f" "$best_b + $best_e")
            t=-; [ $method = assoc ] && t=$tg
            printf ' %5d %-10s %8.3f %8.3f %8.3f %12s %7s\n' "$N" $method "$best_b" "$best_e" "$tot" "$np" "$t"
            if [ $method = assoc ] && [ "$tg" != - ] && is "$tot > $tg"; then galmet=no; fi
        done
    done
    if [ "$galmet" = yes ]; then echo "# target: met"; else echo "# target: NOT met"; fi
    echo "#"
    echo "# 6b. Galileo at large N: matrix-free Lanczos (--eigen lanczos; auto from N = 20000), top 3"
    echo "#    (torgerson: top 3 + 3 most negative), 1 thread, 1 run, JSON to a file (no pictures)."
    echo "#    eigen_s: huey's eigen time; wall_s: the whole command (network generated, JSON written);"
    echo "#    rss_MB: max resident set (/usr/bin/time -v; - without it); products: A·x taken;"
    echo "#    residual: max ‖Av − λv‖/‖A‖. The dense path would need 2·8·N² bytes (6.4 GB / 160 GB)."
    printf '#%6s %-10s %8s %8s %8s %8s %9s\n' N method eigen_s wall_s rss_MB products residual
    tv=""; [ -x /usr/bin/time ] && tv="/usr/bin/time -v"
    for N in 20000 100000; do
        for method in assoc torgerson; do
            t0=$(date +%s.%N)
            OPENBLAS_NUM_THREADS=1 $tv "$BIN" galileo --generated "$N" --method $method --eigen lanczos \
                >"$TMP/lz.json" 2>"$TMP/lz.err" || { cat "$TMP/lz.err"; fail "huey galileo --generated $N --eigen lanczos"; }
            t1=$(date +%s.%N)
            e=$(sed -n 's/.*"eigen_seconds": \([0-9.e-]*\).*/\1/p' "$TMP/lz.json")
            pr=$(sed -n 's/.*"products": \([0-9]*\).*/\1/p' "$TMP/lz.json")
            res=$(sed -n 's/.*"residual": \([0-9.e-]*\).*/\1/p' "$TMP/lz.json")
            grep -q '"spectrum": "partial"' "$TMP/lz.json" || fail "--eigen lanczos: no partial spectrum"
            rss=-
            if [ -n "$tv" ]; then
                rss=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$TMP/lz.err")
                rss=$(calc "%.0f" "$rss / 1024")
            fi
            printf ' %6d %-10s %8.3f %8.3f %8s %8s %9.1e\n' "$N" $method "$e" "$(calc "%.3f" "$t1 - $t0")" "$rss" \
                "$pr" "$res"
        done
    done
    echo "#"
fi
# ---- 7. batch -------------------------------------------------------------------
# batch_row NAME DIR WORDS P [huey options]: one batch run, one table row
batch_row() {
    bname=$1 bdir=$2 bwords=$3 bP=$4
    shift 4
    if [ "$bP" = 1 ]; then LAUNCH=""; else LAUNCH="mpirun --oversubscribe --bind-to none -n $bP"; fi
    rm -f "$TMP/batch.h5" "$TMP/batch.summary.csv"
    t0=$(date +%s.%N)
    $LAUNCH "$BIN" run --batch "$bdir" --checkpoint "$TMP/batch.h5" "$@" 2>"$TMP/batch.err" \
        || { tail -3 "$TMP/batch.err"; fail "batch bench: $bname failed"; }
    t1=$(date +%s.%N)
    sec=$(calc "%.3f" "$t1 - $t0")
    nconv=$(($(wc -l <"$TMP/batch.summary.csv") - 1))
    hsec=$(sed -n 's/.*conversations processed in \([0-9.]*\) s.*/\1/p' "$TMP/batch.err")
    idle=$(sed -n 's/.*rank idle time min \([0-9.]*\)% avg \([0-9.]*\)% max \([0-9.]*\)%.*/\1\/\2\/\3/p' "$TMP/batch.err")
    # tokens learnt (a window each, once the window is full): the CSV's 4th column (unquoted)
    toks=$(tail -n +2 "$TMP/batch.summary.csv" | cut -d, -f4 | awk '{ t += $1 } END { print t + 0 }')
    printf ' %-10s %2d %6d %11d %8.3f %8.3f %8.1f %10.0f %10.0f %9.1f %16s\n' "$bname" "$bP" "$nconv" "$bwords" "$sec" "$hsec" \
        "$(calc "%.1f" "$nconv / $sec")" "$(calc "%.0f" "$bwords / $sec")" "$(calc "%.0f" "$toks / $sec")" \
        "$(calc "%.1f" "$bwords / $sec / 9988 / $bP")" "$idle"
    LAUNCH=""
}

if section 7; then
    echo "# 7. Batch: one network per conversation (huey run --batch DIR --checkpoint OUT.h5), defaults"
    echo "#    (max_neurons 500); whole-command wall time. idle %: min/avg/max over ranks."
    B7=build/batch-bench
    if [ ! -f "$B7/.complete" ]; then
        rm -rf "$B7"
        mkdir -p "$B7/trump" "$B7/mixed"
        i=1
        while [ $i -le 600 ]; do ln -s "$(pwd)/$TRUMP" "$B7/trump/t$i.txt"; i=$((i + 1)); done
        awk 'BEGIN { srand(7); for (i = 1; i <= 1000; i++) printf "%d %d %d\n", i, int(exp(log(500) + rand() * (log(40000) - log(500)))), 2 + int(rand() * 3) }' \
            >"$B7/sizes"
        while read -r i w sp; do
            build/gencorpus --speakers "$sp" --words "$w" --vocab 20000 --seed "$i" >"$B7/mixed/c$i.txt"
        done <"$B7/sizes"
        if [ -f "$CORPUS/.complete" ]; then
            mkdir -p "$B7/real"
            cat "$CORPUS"/*.txt | tr -s ' \t\r\n' '\n\n\n\n' | awk -v d="$B7/real" '
                { if (n % 10000 == 0) { if (f) close(f); f = sprintf("%s/r%05d.txt", d, n / 10000) }
                  printf "%s%s", $0, (++n % 12 == 0 ? "\n" : " ") > f }'
        fi
        touch "$B7/.complete"
    fi
    printf '#%-10s %2s %6s %11s %8s %8s %8s %10s %10s %9s %16s\n' set P conv words seconds huey_s conv/s words/s tokens/s TI/core-s idle%
    tw=$(($(ls "$B7/trump" | wc -l) * $(wc -w <"$TRUMP")))
    mw=$(cat "$B7"/mixed/*.txt | wc -w)
    for P in 1 2; do
        command -v mpirun >/dev/null 2>&1 || [ "$P" = 1 ] || continue
        batch_row trump "$B7/trump" "$tw" "$P"
        batch_row mixed "$B7/mixed" "$mw" "$P"
    done
    if [ -d "$B7/real" ]; then
        rw=$(cat "$B7"/real/*.txt | wc -w)
        for P in 1 2; do
            command -v mpirun >/dev/null 2>&1 || [ "$P" = 1 ] || continue
            batch_row real "$B7/real" "$rw" "$P" --no-conversation-mode
        done
    else
        echo "# real corpus: not built (section 2 builds it): not measured"
    fi
    echo "#"
fi
if section 8; then
    echo "# 8. Live: latency from a line's arrival on standard input to its effect in state.json"
    printf '#%6s %6s %6s %8s %8s %8s %6s %9s %9s %9s %9s\n' utt/s every lines p50_ms p99_ms max_ms snaps \
        pause_ms pause_max cpu_ms writer_ms
    for rate in 10 1000; do
        secs=$LIVE_SECONDS
        [ "$rate" = 1000 ] && secs=$(calc "%.1f" "$LIVE_SECONDS / 4")
        for every in 2 0.05; do
            rm -rf "$TMP/live"
            /usr/bin/python3 - "$BIN" "$TRUMP" "$TMP/live" "$rate" "$secs" "$every" 2>"$TMP/live.err" <<'PY' ||
import json, os, subprocess, sys, threading, time
huey, src, live, rate, secs, every = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
lines = [l for l in open(src, 'rb').read().splitlines(keepends=True) if b': ' in l[:30]]
n = int(rate * secs)
state = os.path.join(live, 'state.json')
p = subprocess.Popen([huey, 'run', '--follow', '-', '--live', live, '--live-every', every, '--progress-interval', '0'],
                     stdin=subprocess.PIPE, stderr=subprocess.PIPE)
sent = [0.0] * n
ends, total = [], 0   # bytes through line k: its effect is there once state.json has read them
for k in range(n):
    total += len(lines[k % len(lines)])
    ends.append(total)
def write():
    t0 = time.time() + 0.5   # huey starts meanwhile
    for k in range(n):
        wait = t0 + k / rate - time.time()
        if wait > 0:
            time.sleep(wait)
        p.stdin.write(lines[k % len(lines)])
        p.stdin.flush()
        sent[k] = time.time()
    p.stdin.close()
w = threading.Thread(target=write)
w.start()
seen, last, done = [None] * n, None, 0
while done < n:
    ended = p.poll() is not None   # then one more look at the final state.json
    try:
        st = os.stat(state)
        ident = (st.st_ino, st.st_mtime_ns, st.st_size)   # each rewrite is a new file (rename)
        if ident == last and not ended:
            time.sleep(0.0005)
            continue
        last = ident
        u = json.load(open(state, 'rb'))['input']['bytes_read']
    except (FileNotFoundError, ValueError):
        if ended:
            break
        time.sleep(0.0005)
        continue
    now = time.time()
    while done < n and ends[done] <= u:
        seen[done] = now
        done += 1
    if ended:
        break
w.join()
err = p.stderr.read().decode()
p.wait()
lat = sorted(1e3 * (seen[k] - sent[k]) for k in range(n) if seen[k] is not None)
if len(lat) < n:
    sys.exit('only %d of %d lines seen in state.json' % (len(lat), n))
q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))]
import re
m = re.search(r'live: (\d+) snapshots .*mean ([\d.]+) ms, max ([\d.]+) ms \(its CPU time mean ([\d.]+) ms.*writer mean ([\d.]+) ms', err)
print(' %6d %6s %6d %8.1f %8.1f %8.1f %6s %9s %9s %9s %9s' % (rate, every, n, q(0.5), q(0.99), lat[-1],
      *(m.groups() if m else ['?'] * 5)))
PY
            { tail -3 "$TMP/live.err" | sed 's/^/#   /'; fail "live bench: rate $rate, every $every"; }
        done
    done
    echo "#"
fi
# ---- 9. the floor under the step ----------------------------------------------
if section 9; then
    FLOOR=${FLOOR:-build/bench-floor}
    ONE=$PIN
    [ -x "$FLOOR" ] || fail "missing $FLOOR (make build/bench-floor)"
    echo "# 9. The floor under the step: tools/bench_floor.c does only the step's row work (decay"
    echo "#    every connection copy, keep each row's least weight for the prune test, the two sums"
    echo "#    of each row) on rows of equal length back to back in memory, for the copies"
    echo "#    (2 x connections) and rows (the work list) of huey's run B at its end, partners"
    echo "#    random among the rows (ids spread over the cap); the least of 5 timings. huey's"
    echo "#    step_us is over the windows between run A and run B (after the first copy or the"
    echo "#    fill); it also holds sigma, the window rows' Hebbian copies, deletions, and rows"
    echo "#    where the allocator put them. ratio = step_us / floor_us."
    echo "#    case                           copies   rows   step_us  floor_us  ratio"
    # floor_row LABEL NEURONS: huey's runs A and B are done (hrun A and B)
    floor_row() {
        lbl=$1 neurons=$2
        wl=$(sed -n 's/.*"work_list": *\([0-9]*\).*/\1/p' "$TMP/B.json" | head -1)
        [ -n "$wl" ] || fail "no timing.work_list in huey's JSON"
        copies=$((2 * B_conns))
        set -- $($PIN "$FLOOR" "$copies" "$wl" "$neurons")
        [ "$1" = floor_ns_per_window ] || fail "bench-floor printed '$*'"
        step=$(calc "%.3f" "1e6 * ($B_ts - $A_ts) / ($B_windows - $A_windows)")
        printf '     %-30s %7d %6d %9s %9s %6s\n' "$lbl" "$copies" "$wl" "$step" "$(calc "%.3f" "$2 / 1e3")" \
            "$(calc "%.2f" "$step * 1e3 / $2")"
    }
    set --
    while [ $# -lt 40 ]; do set -- "$@" "$TRUMP"; done
    hrun B --max-neurons 500 --progress-interval 0 "$@"
    shift 20
    hrun A --max-neurons 500 --progress-interval 0 "$@"
    floor_row "TrumpInterview, 500 (x20..x40)" 500
    if [ -f "$CORPUS/.complete" ]; then
        hrun A --max-neurons 100000 --no-conversation-mode --max-windows 1500000 --progress-interval 0 "$CORPUS"/*.txt
        hrun B --max-neurons 100000 --no-conversation-mode --max-windows 2500000 --progress-interval 0 "$CORPUS"/*.txt
        floor_row "corpus, 10^5 (1.5 M..2.5 M)" 100000
    else
        echo "#    corpus at 10^5: SKIPPED (build/corpus is built by section 2)"
    fi
    echo "#"
fi

echo "# load average at end: $(loadavg)"
probe_end=""
[ -z "$pin_cpu" ] || probe_end=$(probe "$pin_cpu")
if [ -n "$probe_start" ] && [ -n "$probe_end" ]; then
    echo "# speed probe at end on cpu$pin_cpu: $probe_end s (at start: $probe_start s)"
    if is "$probe_end > $probe_start * 1.1 || $probe_start > $probe_end * 1.1"; then
        echo "# WARNING: the machine's speed changed by more than 10 % during this run: compare figures with care"
    fi
fi
finished=yes
echo "OK"
