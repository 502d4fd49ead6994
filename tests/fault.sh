#!/bin/sh
# fault.sh — faults lose nothing:
#   * kill -9 at random moments inside checkpoint writes (20 times, seed
#     printed): the previous checkpoint always loads and resumes to the
#     result of the run that was never interrupted (JSON without timing
#     byte-equal);
#   * a full disk (a 1 MB tmpfs; SKIPPED where mounting fails) and a
#     file-size limit (ulimit -f) while writing a checkpoint or the JSON:
#     exit 1 with a one-line reason, no partial file, the previous
#     checkpoint intact;
#   * one rank of `mpirun -n 3` killed mid-run: every rank gone within 5 s,
#     the last checkpoint intact (loads, resumes to the same result).
set -u
HUEY=${HUEY:-bin/huey}
GEN=${GEN:-build/gencorpus}
. tests/lib.sh
SEED=${SEED:-$(date +%s)}
echo "fault: random seed $SEED (SEED=$SEED sh tests/fault.sh repeats this run)"
strip() { grep -v '^  "timing"' "$1"; }
same_json() { strip "$1" > "$OUT/a"; strip "$2" > "$OUT/b"; cmp -s "$OUT/a" "$OUT/b"; }

# A plain corpus whose network is large enough that a checkpoint write
# takes a while (1-2 MB, ~30 ms), written every 2000 windows.
"$GEN" --words 30000 --vocab 50000 --speakers 0 > "$OUT/corpus.txt"
RUN="run $OUT/corpus.txt --no-conversation-mode --max-neurons 20000 --progress-interval 0"
# shellcheck disable=SC2086
"$HUEY" $RUN --json "$OUT/full.json" 2>/dev/null

resumes_to_full() {   # CHECKPOINT: it loads and a resumed run ends in full.json's state
    rm -f "$OUT/r.json"
    "$HUEY" run --resume "$1" --progress-interval 0 --json "$OUT/r.json" >/dev/null 2>&1 && same_json "$OUT/full.json" "$OUT/r.json"
}

# ---- 1. kill -9 during checkpoint writes
# Wait for a first checkpoint, then for the next write (NAME.tmp appears)
# and kill it a random 0-15k shell steps (about 0-15 ms; a write takes
# 20-40 ms) into the write. A kill that came after the write finished
# (NAME.tmp renamed) is not counted: tries go on until 20 kills landed
# inside a write (at most 100 tries).
mid=0 ok=0 tries=0
while [ "$mid" -lt 20 ] && [ "$tries" -lt 100 ]; do
    tries=$((tries + 1))
    rm -f "$OUT/k.h5" "$OUT/k.h5.tmp"
    # shellcheck disable=SC2086
    "$HUEY" $RUN --checkpoint "$OUT/k.h5" --checkpoint-every 2000 2>/dev/null &
    pid=$!
    t=0
    while [ ! -e "$OUT/k.h5" ] && kill -0 "$pid" 2>/dev/null && [ $t -lt 3000 ]; do sleep 0.01; t=$((t + 1)); done
    steps=$(awk -v s="$SEED" -v k="$tries" 'BEGIN { srand(s + k); print int(rand() * 15000) }')
    while [ ! -e "$OUT/k.h5.tmp" ] && kill -0 "$pid" 2>/dev/null; do :; done
    i=0
    while [ $i -lt "$steps" ]; do i=$((i + 1)); done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    [ -e "$OUT/k.h5.tmp" ] || continue   # not inside a write
    mid=$((mid + 1))
    if [ -f "$OUT/k.h5" ] && resumes_to_full "$OUT/k.h5"; then
        ok=$((ok + 1))
    else
        fail "kill -9 #$mid inside a checkpoint write (try $tries, $steps steps in): the previous checkpoint does not resume to the same result"
    fi
done
if [ "$ok" -eq 20 ]; then
    pass "kill -9 at 20 random moments inside checkpoint writes ($tries tries): the previous checkpoint always resumes to the uninterrupted result"
elif [ "$mid" -lt 20 ]; then
    fail "kill -9 inside checkpoint writes: only $mid of $tries kills landed inside a write"
fi

# ---- 2. full disk and file-size limit
# a checkpoint write that cannot finish: exit 1, one clear line, no .tmp
# left, the previous checkpoint loads and resumes to the same result
disk_case() {   # LABEL DIR PATTERN [ulimit blocks]
    label=$1; dir=$2; pattern=$3; lim=${4:-}
    rm -f "$dir/d.h5" "$dir/d.h5.tmp"
    # shellcheck disable=SC2086
    ( [ -n "$lim" ] && ulimit -f "$lim"; exec "$HUEY" $RUN --checkpoint "$dir/d.h5" --checkpoint-every 2000 ) 2>"$OUT/err"
    rc=$?
    msg=$(grep -v ': backend' "$OUT/err" | head -1)
    if [ "$rc" -eq 1 ] && printf '%s' "$msg" | grep -q "$pattern" && [ ! -e "$dir/d.h5.tmp" ] &&
       [ "$(grep -cv ': backend' "$OUT/err")" -eq 1 ] && resumes_to_full "$dir/d.h5"; then
        pass "$label, checkpoint: exit 1, '$(printf '%s' "$msg" | sed 's/^huey: [^ ]* //')', previous checkpoint resumes to the same result"
    else
        fail "$label, checkpoint: exit $rc, '$msg'"; sed 's/^/     /' "$OUT/err" | head -5
    fi
}
json_case() {   # LABEL DIR PATTERN [ulimit blocks]
    label=$1; dir=$2; pattern=$3; lim=${4:-}
    ( [ -n "$lim" ] && ulimit -f "$lim"; exec "$HUEY" run tests/data/example_conversation.txt --progress-interval 0 \
        --json "$dir/out.json" ) 2>"$OUT/err"
    rc=$?
    msg=$(grep 'error writing' "$OUT/err")
    if [ "$rc" -eq 1 ] && printf '%s' "$msg" | grep -q "$pattern" && [ ! -e "$dir/out.json" ]; then
        pass "$label, JSON: exit 1, '$(printf '%s' "$msg" | sed 's/^huey: [^ ]* //')', no partial file"
    else
        fail "$label, JSON: exit $rc"; sed 's/^/     /' "$OUT/err" | tail -3
    fi
}
# file-size limit: in 512-byte or 1 KB blocks depending on the shell; the
# checkpoints here grow from ~0.1 MB past 1 MB
disk_case "ulimit -f" "$OUT" "File too large" 1100
json_case "ulimit -f" "$OUT" "File too large" 40
mkdir -p "$OUT/mnt"
if mount -t tmpfs -o size=1m tmpfs "$OUT/mnt" 2>/dev/null; then
    disk_case "full disk (1 MB tmpfs)" "$OUT/mnt" "No space left on device"
    rm -f "$OUT/mnt/"*
    dd if=/dev/zero of="$OUT/mnt/fill" bs=1k count=2000 2>/dev/null
    json_case "full disk (1 MB tmpfs)" "$OUT/mnt" "No space left on device"
    umount "$OUT/mnt"
else
    echo "SKIPPED full disk: cannot mount a tmpfs here (not root, or no mount permission)"
fi

# ---- 3. a rank killed under mpirun -n 3
if command -v mpirun >/dev/null 2>&1; then
    rm -f "$OUT/m.h5" "$OUT/m.h5.tmp"
    # shellcheck disable=SC2086
    $MPIRUN -n 3 "$HUEY" $RUN --checkpoint "$OUT/m.h5" --checkpoint-every 2000 >/dev/null 2>&1 &
    mpid=$!
    t=0
    while [ ! -e "$OUT/m.h5" ] && kill -0 "$mpid" 2>/dev/null && [ $t -lt 3000 ]; do sleep 0.01; t=$((t + 1)); done
    ranks=$(pgrep -P "$mpid" -x "$(basename "$HUEY")" | tr '\n' ' ')
    victim=$(echo "$ranks" | awk '{ print $2 }')
    gone=no
    if [ -n "$victim" ]; then
        kill -9 "$victim"
        for _ in $(seq 1 50); do
            left=0
            for q in $ranks; do kill -0 "$q" 2>/dev/null && left=$((left + 1)); done
            if [ "$left" -eq 0 ] && ! kill -0 "$mpid" 2>/dev/null; then gone=yes; break; fi
            sleep 0.1
        done
    fi
    [ "$gone" = yes ] || { for q in $ranks; do kill -9 "$q" 2>/dev/null; done; kill -9 "$mpid" 2>/dev/null; }
    wait "$mpid" 2>/dev/null
    if [ -n "$victim" ] && [ "$gone" = yes ] && resumes_to_full "$OUT/m.h5"; then
        pass "mpirun -n 3, rank pid $victim killed: all ranks gone within 5 s, the last checkpoint resumes to the same result"
    else
        fail "mpirun -n 3, rank killed: ranks '$ranks', victim '$victim', all gone within 5 s: $gone"
    fi
else
    echo "SKIPPED rank killed: no mpirun"
fi

finish fault
