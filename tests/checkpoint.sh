#!/bin/sh
# checkpoint.sh — checkpoints resume exactly and fail safely:
#   * stopped at random windows (seed printed) or by a signal, a resumed run
#     ends in the state of one that never stopped: JSON (timing removed)
#     byte-equal, final checkpoints equal under h5diff; also across rank
#     counts (1 -> 3, 4 -> 2);
#   * kill -9 during periodic checkpoints leaves a readable checkpoint;
#   * truncated, corrupt, foreign and newer-version files, and inputs that
#     changed, give a clear error and overwrite nothing;
#   * h5dump reads a checkpoint.
set -u
HUEY=${HUEY:-bin/huey}
DATA=../shared/data
PY=/usr/bin/python3
. tests/lib.sh
strip() { grep -v '^  "timing"' "$1"; }
same_json() { strip "$1" > "$OUT/a"; strip "$2" > "$OUT/b"; cmp -s "$OUT/a" "$OUT/b"; }
launch() { if [ "$1" -gt 1 ]; then echo "$MPIRUN -n $1"; fi; }

SEED=${SEED:-$(date +%s)}
echo "checkpoint: random seed $SEED (SEED=$SEED sh tests/checkpoint.sh repeats this run)"
rand() { awk -v s="$SEED" -v k="$1" -v n="$2" 'BEGIN { srand(s + k); print 1 + int(rand() * n) }'; }

T=$DATA/TrumpInterview.txt
# reference: uninterrupted runs and their final checkpoints
"$HUEY" run "$T" --max-neurons 100 --progress-interval 0 --checkpoint "$OUT/full.h5" --json "$OUT/full.json" 2>/dev/null
"$HUEY" run "$DATA/FeynmanYoung.txt" --no-conversation-mode --activation-kernel incoming --max-neurons 80 \
    --progress-interval 0 --checkpoint "$OUT/fullf.h5" --json "$OUT/fullf.json" 2>/dev/null

# 1. stop at random windows, resume with P = 1
i=0
for w in $(rand 1 2800) $(rand 2 2800) $(rand 3 50); do
    i=$((i + 1))
    "$HUEY" run "$T" --max-neurons 100 --progress-interval 0 --max-windows "$w" --checkpoint "$OUT/c$i.h5" 2>/dev/null
    "$HUEY" run --resume "$OUT/c$i.h5" --progress-interval 0 --checkpoint "$OUT/r$i.h5" --json "$OUT/r$i.json" 2>/dev/null
    if same_json "$OUT/full.json" "$OUT/r$i.json" && h5diff -q "$OUT/full.h5" "$OUT/r$i.h5" >/dev/null 2>&1; then
        pass "stopped at window $w, resumed: same JSON and checkpoint"
    else
        fail "stopped at window $w, resumed: differs"
    fi
done
# stopped while the speaker's neuron is evicted in the middle of its
# utterance (found by seed 1796595369: the resume refused the checkpoint)
"$HUEY" run "$T" --max-neurons 100 --progress-interval 0 --max-windows 931 --checkpoint "$OUT/cs.h5" 2>/dev/null
evicted=$($PY - "$OUT/cs.h5" <<'PYEOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r"); u = f["model/utterance"].attrs
print(int(u["in_utterance"]) == 1 and int(u["speaker_id"]) not in set(f["model/neurons/id"][:].tolist()))
PYEOF
)
"$HUEY" run --resume "$OUT/cs.h5" --progress-interval 0 --checkpoint "$OUT/rs.h5" --json "$OUT/rs.json" 2>"$OUT/rs.err"
if [ "$evicted" != True ]; then
    fail "window 931 no longer stops with the speaker evicted mid-utterance: pick another window"
elif same_json "$OUT/full.json" "$OUT/rs.json" && h5diff -q "$OUT/full.h5" "$OUT/rs.h5" >/dev/null 2>&1; then
    pass "stopped at window 931 with the speaker evicted mid-utterance, resumed: same JSON and checkpoint"
else
    fail "stopped at window 931 with the speaker evicted mid-utterance: $(cat "$OUT/rs.err")"
fi
w=$(rand 4 2200)
"$HUEY" run "$DATA/FeynmanYoung.txt" --no-conversation-mode --activation-kernel incoming --max-neurons 80 \
    --progress-interval 0 --max-windows "$w" --checkpoint "$OUT/cf.h5" 2>/dev/null
"$HUEY" run --resume "$OUT/cf.h5" --progress-interval 0 --json "$OUT/rf.json" 2>/dev/null
if same_json "$OUT/fullf.json" "$OUT/rf.json"; then pass "plain text, incoming kernel, stopped at window $w: same JSON"
else fail "plain text, incoming kernel, stopped at window $w"; fi

# 2. signals: SIGUSR1 and SIGTERM at P = 1, SIGUSR1 under mpirun; resume with another P
# about 1 s of learning: the signal (after the handlers are in, + <= 0.25 s) lands mid-run
long() { for k in $(seq 1 24); do printf '%s ' "$T"; done; }
"$HUEY" run $(long) --progress-interval 0 --checkpoint "$OUT/long.h5" --json "$OUT/long.json" 2>/dev/null
# wait (at most 20 s) until every huey process under PID (itself, or
# mpirun's children) catches SIGUSR1 and SIGTERM: a signal sent earlier
# would kill it (slow starts: sanitizers, a loaded machine)
wait_handlers() {
    for _ in $(seq 1 200); do
        n=0 ready=0
        for q in "$1" $(pgrep -P "$1" 2>/dev/null); do
            [ "$(basename "$(readlink "/proc/$q/exe" 2>/dev/null)")" = "$(basename "$HUEY")" ] || continue
            n=$((n + 1))
            mask=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$q/status" 2>/dev/null)
            [ -n "$mask" ] && [ $((0x$mask & 0x4200)) -eq $((0x4200)) ] && ready=$((ready + 1))
        done
        [ $n -gt 0 ] && [ $ready -eq $n ] && return 0
        sleep 0.1
    done
}
signal_case() {
    sig=$1; p_run=$2; p_res=$3; delay=$4
    rm -f "$OUT/s.h5"
    $(launch "$p_run") "$HUEY" run $(long) --progress-interval 0 --checkpoint "$OUT/s.h5" 2>"$OUT/s.err" &
    pid=$!
    wait_handlers "$pid"
    sleep "$delay"
    kill -s "$sig" "$pid"
    wait "$pid"
    rc=$?
    $(launch "$p_res") "$HUEY" run --resume "$OUT/s.h5" --progress-interval 0 --checkpoint "$OUT/s2.h5" \
        --json "$OUT/s.json" >/dev/null 2>&1
    if [ "$rc" -eq 0 ] && grep -q "resume with: huey run --resume" "$OUT/s.err" && same_json "$OUT/long.json" "$OUT/s.json" &&
       h5diff -q "$OUT/long.h5" "$OUT/s2.h5" >/dev/null 2>&1; then
        pass "SIG$sig at P=$p_run after ${delay}s ($(grep -o 'after window [0-9]*' "$OUT/s.err")), resumed with P=$p_res: same state"
    else
        fail "SIG$sig at P=$p_run, resumed with P=$p_res: exit $rc"; tail -3 "$OUT/s.err" | sed 's/^/     /'
    fi
}
d() { awk -v s="$SEED" -v k="$1" 'BEGIN { srand(s + k); printf "%.2f", 0.05 + rand() * 0.2 }'; }
signal_case USR1 1 1 "$(d 5)"
signal_case TERM 1 1 "$(d 6)"
if command -v mpirun >/dev/null 2>&1; then
    signal_case USR1 1 3 "$(d 7)"
    signal_case USR1 4 2 "$(awk -v x="$(d 8)" 'BEGIN { print x + 0.8 }')"
fi

# 3. kill -9 while checkpointing every few windows: the file stays readable
ok=1
for k in 1 2 3; do
    rm -f "$OUT/k.h5" "$OUT/k.h5.tmp"
    "$HUEY" run $(long) --progress-interval 0 --checkpoint "$OUT/k.h5" --checkpoint-every 50 2>/dev/null &
    pid=$!
    sleep "$(awk -v s="$SEED" -v k="$k" 'BEGIN { srand(s + 10 + k); printf "%.2f", 0.2 + rand() * 0.4 }')"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    if [ -f "$OUT/k.h5" ]; then
        "$HUEY" run --resume "$OUT/k.h5" --max-windows 1 --progress-interval 0 >/dev/null 2>&1 || ok=0
    fi
done
[ "$ok" = 1 ] && pass "kill -9 during periodic checkpoints: the last checkpoint still resumes" || fail "kill -9: checkpoint damaged"

# 4. bad checkpoints and changed inputs: a clear error, nothing overwritten
bad() {
    label=$1; pattern=$2; file=$3; shift 3
    sum=$(sha256sum "$file" | cut -c1-64)
    "$HUEY" run --resume "$file" "$@" --progress-interval 0 >/dev/null 2>"$OUT/err"
    rc=$?
    if [ "$rc" -ne 0 ] && grep -q -e "$pattern" "$OUT/err" && [ "$(sha256sum "$file" | cut -c1-64)" = "$sum" ]; then
        pass "$label: exit $rc, '$(head -1 "$OUT/err" | sed 's/^huey: [^ ]* //')'"
    else
        fail "$label: exit $rc"; sed 's/^/     /' "$OUT/err" | head -3
    fi
}
head -c 3000 "$OUT/full.h5" > "$OUT/trunc.h5"
bad "truncated checkpoint" "truncated" "$OUT/trunc.h5"
cp "$OUT/full.h5" "$OUT/corrupt.h5"
size=$(wc -c < "$OUT/full.h5")
dd if=/dev/urandom of="$OUT/corrupt.h5" bs=1 seek=$((size / 2)) count=4000 conv=notrunc 2>/dev/null
bad "corrupt checkpoint" "checkpoint" "$OUT/corrupt.h5"
echo "not a checkpoint" > "$OUT/text.h5"
bad "a text file" "not an HDF5 file" "$OUT/text.h5"
h5copy -i "$OUT/full.h5" -o "$OUT/foreign.h5" -s /model/neurons -d /neurons >/dev/null 2>&1
bad "foreign HDF5 file" "not a huey checkpoint" "$OUT/foreign.h5"
cp "$OUT/full.h5" "$OUT/newer.h5"
$PY -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); f.attrs['format_version'] = 99" "$OUT/newer.h5"
bad "newer format version" "format version 99" "$OUT/newer.h5"
printf 'Alice: a different file\nBob: with other words\n' > "$OUT/other.txt"
bad "inputs changed" "is not the file the checkpoint was made from" "$OUT/full.h5" "$OUT/other.txt"
bad "a model setting changed on resume" "cannot change when resuming" "$OUT/full.h5" --window-size 3
# job scripts pass the same options on every run: an unchanged setting is fine
if "$HUEY" run --resume "$OUT/c1.h5" --max-neurons 100 --progress-interval 0 --json "$OUT/same.json" 2>/dev/null &&
    same_json "$OUT/full.json" "$OUT/same.json"; then
    pass "resume with the checkpoint's own setting given again"
else
    fail "resume with an unchanged setting refused"
fi

# 5. h5dump and h5py read a checkpoint
if h5dump -a /format -a /format_version "$OUT/full.h5" 2>/dev/null | grep -q '"huey-checkpoint"' &&
   h5dump -d /model/neurons/id "$OUT/full.h5" >/dev/null 2>&1; then
    pass "h5dump reads a checkpoint"
else
    fail "h5dump cannot read a checkpoint"
fi

# the README's h5py snippet finds the run's connections
nconn=$($PY - "$OUT/full.h5" <<'PYEOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r"); n, r = f["model/neurons"], f["model/rows"]
b, ln = n["word_utf8"][:].tobytes(), n["word_length"][:]
words = [b[e - l:e].decode() for e, l in zip(np.cumsum(ln), ln)]
src = np.repeat(n["id"][:], np.diff(np.append(n["row_start"][:], len(r["w"]))))
out = r["incoming"][:] == 0
edges = list(zip(src[out], r["partner"][out], r["w"][out], r["m"][out]))
print(len(edges), len(words))
PYEOF
)
want="$(grep -o '"connections": [0-9]*' "$OUT/full.json" | head -1 | cut -d' ' -f2) $(grep -o '"living_neurons": [0-9]*' "$OUT/full.json" | cut -d' ' -f2)"
if [ "$nconn" = "$want" ]; then pass "h5py reads the connections and words (README snippet)"; else fail "h5py: '$nconn' vs '$want'"; fi

# offline commands on a checkpoint
if "$HUEY" export "$OUT/full.h5" -o "$OUT/exp.json" 2>/dev/null && same_json "$OUT/full.json" "$OUT/exp.json"; then
    pass "huey export --format json equals huey run --json"
else
    fail "huey export --format json differs from huey run --json"
fi
rows=$("$HUEY" export "$OUT/full.h5" --format csv 2>/dev/null | wc -l)
if [ "$rows" = "$((${want% *} + 1))" ]; then pass "huey export --format csv: one row per connection"; else fail "csv rows $rows"; fi
top=$("$HUEY" concepts "$OUT/full.h5" --top 3 2>/dev/null | awk '!/^#/ { print $4 }' | tr '\n' ' ')
want_top=$(grep -o '"neuron_mass_ranking": \[\[[0-9]*, "[^"]*", [^]]*\], \[[0-9]*, "[^"]*", [^]]*\], \[[0-9]*, "[^"]*"' "$OUT/full.json" |
           grep -o '"[^"]*"' | grep -v neuron_mass_ranking | tr -d '"' | tr '\n' ' ')
if [ -n "$top" ] && [ "$top" = "$want_top" ]; then pass "huey concepts: top 3 = $top"; else fail "concepts: '$top' vs '$want_top'"; fi
if "$HUEY" info "$OUT/full.h5" 2>/dev/null | grep -q "complete: every input was read" &&
   "$HUEY" info "$OUT/c1.h5" 2>/dev/null | grep -q "stopped early (max_windows)"; then
    pass "huey info: position and completeness"
else
    fail "huey info"
fi
# --json: the same facts as the run's own JSON export
if "$HUEY" info "$OUT/c1.h5" --json >"$OUT/info.json" 2>/dev/null &&
   "$HUEY" concepts "$OUT/full.h5" --top 3 --json >"$OUT/concepts.json" 2>/dev/null &&
   $PY - "$OUT/info.json" "$OUT/concepts.json" "$OUT/full.json" "$top" <<'PY'
import json, sys
info, conc, run = (json.load(open(p)) for p in sys.argv[1:4])
assert not info["complete"] and info["stop_reason"] == "max_windows", info
assert info["learnt"]["windows"] > 0 and info["settings"]["window_size"] == str(run["params"]["window_size"])
assert [c["concept"] for c in conc] == sys.argv[4].split(), conc
assert [[c["neuron_id"], c["concept"], c["mass"]] for c in conc] == run["neuron_mass_ranking"][:3]
PY
then
    pass "huey info --json, huey concepts --json"
else
    fail "info/concepts --json"
fi

finish checkpoint
