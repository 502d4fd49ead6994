#!/bin/sh
# live.sh — huey run --follow and --live (a conversation learnt while it is
# written):
#   1. a writer process appends a labeled conversation line by line, with
#      pauses and lines cut in two, while huey follows the file with --live;
#      a reader parses state.json in a loop the whole time. After SIGTERM the
#      network equals huey run's on the finished file (JSON without timing
#      and input byte-equal; the input's counters equal), every read of
#      state.json was valid JSON, its sequence grew, the last one is final;
#      space.html reloads itself, map-12.svg is well-formed;
#   2. standard input (a writer piping text, then EOF) equals the finished
#      file whole (the JSON differs in the input's path only), also in plain
#      mode; an unfinished line is learnt after --utterance-idle; a huey
#      that follows a stream (no --live) is one thread: the pool OpenBLAS
#      starts when it is loaded (one thread per usable core, less one) is
#      stopped first thing (eigen_blas_one_thread);
#   3. the file truncated, then replaced (rotated): both said on stderr, and
#      the network equals huey run's on the texts one after the other;
#   4. bad UTF-8 mid-stream: exit 1 naming the byte offset; the checkpoint
#      written holds what was learnt before;
#   5. under mpirun (P = 2): standard input, and a followed file ended by
#      SIGUSR1, equal P = 1;
#   6. usage: no other inputs, no --resume of a followed stream; --live on
#      a run over finished files.
# No timing is asserted: waits poll state.json with generous timeouts.
set -u
HUEY=${HUEY:-bin/huey}
DATA=../shared/data
PY=/usr/bin/python3
. tests/lib.sh
T=$DATA/TrumpInterview.txt
# model settings of every run here (fixed seed; a small cap makes evictions)
M="--seed 7 --max-neurons 150 --window-size 6 --progress-interval 0"

cat >"$OUT/live.py" <<'PY'
"""Helpers of tests/live.sh.
write SRC DST PAUSE SPLIT FROM TO: lines FROM..TO-1 of SRC appended to DST
  ('-': standard output), PAUSE seconds after each; SPLIT=1: every third
  line in two writes with a pause between (an unfinished line meanwhile).
watch STATE STOPFILE: parse STATE until STOPFILE exists; prints
  'reads N invalid K sequences S increasing B final F'.
wait STATE N TIMEOUT: until STATE says N utterances (exit 1 on timeout).
"""
import json, os, sys, time

def write(src, dst, pause, split, lo, hi):
    lines = open(src, 'rb').read().splitlines(keepends=True)[int(lo):int(hi)]
    out = sys.stdout.buffer if dst == '-' else open(dst, 'ab', buffering=0)
    for i, line in enumerate(lines):
        if split == '1' and i % 3 == 0 and len(line) > 4:
            h = len(line) // 2
            out.write(line[:h]); out.flush(); time.sleep(float(pause))
            out.write(line[h:])
        else:
            out.write(line)
        out.flush()
        time.sleep(float(pause))

def state(path):
    with open(path, 'rb') as f:
        return json.loads(f.read())

def watch(path, stop):
    reads = bad = 0
    seqs, inc, final = [], True, False
    while not os.path.exists(stop):
        try:
            s = state(path)
        except FileNotFoundError:
            time.sleep(0.002); continue
        except ValueError:
            bad += 1; continue
        reads += 1
        if seqs and s['sequence'] < seqs[-1]:
            inc = False
        if not seqs or s['sequence'] != seqs[-1]:
            seqs.append(s['sequence'])
        final = s['final']
    print('reads %d invalid %d sequences %d increasing %d final %d' % (reads, bad, len(seqs), inc, final))

def wait(path, n, timeout):
    end = time.time() + float(timeout)
    while time.time() < end:
        try:
            if state(path)['counts']['utterances'] >= int(n):
                return 0
        except (FileNotFoundError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    return 1

cmd = sys.argv[1]
if cmd == 'write': write(*sys.argv[2:8])
elif cmd == 'watch': watch(*sys.argv[2:4])
elif cmd == 'wait': sys.exit(wait(*sys.argv[2:5]))
PY
live() { $PY "$OUT/live.py" "$@"; }
# follow NAME FILE [options]: huey follows FILE in the background ($LAUNCH
# before it; its pid in hp) with the live view in $OUT/NAME, the JSON and
# the checkpoint in $OUT/NAME.json and NAME.h5, stderr in $OUT/NAME.err
LAUNCH=
follow() {
    name=$1; file=$2; shift 2
    $LAUNCH "$HUEY" run --follow "$file" $M --live "$OUT/$name" --live-every 0.05 --json "$OUT/$name.json" \
        --checkpoint "$OUT/$name.h5" "$@" 2>"$OUT/$name.err" &
    hp=$!
}
strip() { grep -v '^  "timing"\|^  "input"' "$1"; }
same_net() { strip "$1" > "$OUT/a"; strip "$2" > "$OUT/b"; cmp -s "$OUT/a" "$OUT/b"; }
# the input's counters (its path and sha256 may differ)
counters() {
    $PY -c 'import json, sys; i = json.load(open(sys.argv[1]))["input"]; print(i["exchanges_processed"], i["words_processed"], i["tokens_after_kill_filter"], i["windows"], i["detection"]["strategy"])' "$1"
}
utterances() { $PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["input"]["exchanges_processed"])' "$1"; }

# ---- 1. a followed file written line by line ----------------------------------
"$HUEY" run "$T" $M --json "$OUT/batch.json" 2>/dev/null
N=$(utterances "$OUT/batch.json")
: > "$OUT/conv.txt"
follow f "$OUT/conv.txt"
live watch "$OUT/f/state.json" "$OUT/stop" >"$OUT/watch.log" &
wp=$!
live write "$T" "$OUT/conv.txt" 0.002 1 0 300
live wait "$OUT/f/state.json" "$N" 120 || fail "followed file: state.json never reached $N utterances"
kill -TERM "$hp"
wait "$hp"
rc=$?
touch "$OUT/stop"
wait "$wp"
if [ "$rc" -eq 0 ] && same_net "$OUT/batch.json" "$OUT/f.json" &&
   [ "$(counters "$OUT/batch.json")" = "$(counters "$OUT/f.json")" ]; then
    pass "followed file written line by line (lines cut in two), SIGTERM: the finished file's network ($N utterances)"
else
    fail "followed file: exit $rc, the network differs from huey run's"; tail -3 "$OUT/f.err" | sed 's/^/     /'
fi
read -r _ reads _ bad _ seqs _ inc _ final <"$OUT/watch.log"
if [ "$bad" -eq 0 ] && [ "$reads" -gt 20 ] && [ "$seqs" -ge 3 ] && [ "$inc" -eq 1 ] && [ "$final" -eq 1 ]; then
    pass "state.json read $reads times while rewritten: always valid JSON, $seqs snapshots in order, the last final"
else
    fail "state.json while rewritten: $(cat "$OUT/watch.log")"
fi
if $PY - "$OUT/f/state.json" "$N" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s['final'] and s['input']['stop_reason'] == 'signal' and s['counts']['utterances'] == int(sys.argv[2])
assert len(s['top_concepts']) == 20 and s['top_concepts'][0]['mass'] >= s['top_concepts'][-1]['mass']
assert [p['name'] for p in s['speakers']] == ['Times', 'Trump', 'Cheung']
a = s['strongest_associations']
assert len(a) == 20 and all(x['weight'] >= y['weight'] for x, y in zip(a, a[1:]))
assert s['space']['concepts'] == 50 and len(s['space']['signature']) == 3
PY
then pass "state.json: counts, top concepts, speakers, strongest associations, the space's signature"
else fail "state.json's content"; fi
if grep -q '"reload": 0.05' "$OUT/f/space.html" && grep -q 'location.reload' "$OUT/f/space.html" &&
   xmllint --noout "$OUT/f/map-12.svg" 2>/dev/null && ! ls "$OUT/f"/*.tmp >/dev/null 2>&1; then
    pass "space.html reloads itself (rotation kept in #view= and sessionStorage); map-12.svg well-formed; no .tmp left"
else
    fail "live space files"
fi
grep -q "learning paused per snapshot" "$OUT/f.err" && pass "the learning pause per snapshot is reported" ||
    fail "no snapshot timing line"

# ---- 2. standard input ----------------------------------------------------------
same_all() {   # the JSON without timing, the input's path normalised
    grep -v '^  "timing"' "$1" | sed 's/"path": "[^"]*"/"path": "P"/g' > "$OUT/a"
    grep -v '^  "timing"' "$2" | sed 's/"path": "[^"]*"/"path": "P"/g' > "$OUT/b"
    cmp -s "$OUT/a" "$OUT/b"
}
live write "$T" - 0.001 1 0 300 | "$HUEY" run --follow - $M --json "$OUT/s.json" 2>"$OUT/s.err"
rc=$?
if [ "$rc" -eq 0 ] && same_all "$OUT/batch.json" "$OUT/s.json"; then
    pass "standard input piped line by line until EOF: the finished file's JSON (input included)"
else
    fail "standard input: exit $rc"; tail -3 "$OUT/s.err" | sed 's/^/     /'
fi
F=$DATA/FeynmanYoung.txt
"$HUEY" run "$F" $M --no-conversation-mode --json "$OUT/pb.json" 2>/dev/null
live write "$F" - 0.0005 1 0 474 | "$HUEY" run --follow - $M --no-conversation-mode --json "$OUT/ps.json" 2>"$OUT/ps.err"
if same_all "$OUT/pb.json" "$OUT/ps.json"; then
    pass "plain mode on standard input: one running utterance by Author, the finished file's JSON"
else
    fail "plain mode on standard input"; tail -3 "$OUT/ps.err" | sed 's/^/     /'
fi
"$HUEY" run "$F" $M --json "$OUT/fb.json" 2>/dev/null
"$HUEY" run --follow - $M --json "$OUT/fs.json" < "$F" 2>"$OUT/fs.err"
if grep -q "huey run on the text read would choose alternating_speakers" "$OUT/fs.err"; then
    pass "a text huey run reads as alternating: the followed run (labeled) says so"
else
    fail "no warning that the finished file's strategy differs"; cat "$OUT/fs.err" | sed 's/^/     /'
fi
# an unfinished line is complete after --utterance-idle; its rest is another line
mkfifo "$OUT/fifo"
"$HUEY" run --follow "$OUT/fifo" $M --window-size 2 --utterance-idle 0.3 --live "$OUT/idle" --live-every 0.05 \
    2>"$OUT/idle.err" &
hp=$!
exec 3>"$OUT/fifo"
printf 'Alice: hello there my friend' >&3
live wait "$OUT/idle/state.json" 1 60 && idle_ok=1 || idle_ok=0
printf ' and more\nBob: right you are\n' >&3
exec 3>&-
wait "$hp"
if [ "$idle_ok" = 1 ] && grep -q "was cut by --utterance-idle" "$OUT/idle.err" &&
   [ "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["counts"]["utterances"])' "$OUT/idle/state.json")" = 2 ]; then
    pass "--utterance-idle: an unfinished line learnt after the pause; its rest read as a new line, and said"
else
    fail "--utterance-idle"; sed 's/^/     /' "$OUT/idle.err" | tail -3
fi

# one thread while it follows a stream (OpenBLAS's pool stopped at start)
mkfifo "$OUT/pool"
"$HUEY" run --follow "$OUT/pool" $M --json "$OUT/pool.json" 2>"$OUT/pool.err" &
hp=$!
exec 3>"$OUT/pool"   # returns once huey has opened the stream, long after its start
printf 'Alice: hello there my friend\n' >&3
ntask=$(ls "/proc/$hp/task" | wc -l)
exec 3>&-
wait "$hp"
if [ "$(nproc)" -lt 2 ]; then
    pass "one thread while following: not checked (one usable core: OpenBLAS starts no pool)"
elif [ "$ntask" = 1 ]; then
    pass "one thread while following ($(nproc) usable cores: OpenBLAS's pool of $(($(nproc) - 1)) stopped at start)"
else
    fail "a following huey runs $ntask threads on $(nproc) usable cores, not 1 (OpenBLAS's pool not stopped?)"
fi

# ---- 3. truncation and rotation ------------------------------------------------------
head -100 "$T" > "$OUT/t1.txt"; sed -n 101,200p "$T" > "$OUT/t2.txt"; sed -n 201,300p "$T" > "$OUT/t3.txt"
cat "$OUT/t1.txt" "$OUT/t2.txt" "$OUT/t3.txt" > "$OUT/t123.txt"
"$HUEY" run "$OUT/t123.txt" $M --json "$OUT/tb.json" 2>/dev/null
"$HUEY" run "$OUT/t1.txt" $M --json "$OUT/t1.json" 2>/dev/null
"$HUEY" run "$OUT/t1.txt" "$OUT/t2.txt" $M --json "$OUT/t12.json" 2>/dev/null
u1=$(utterances "$OUT/t1.json"); u12=$(utterances "$OUT/t12.json"); u123=$(utterances "$OUT/tb.json")
: > "$OUT/rot.txt"
follow r "$OUT/rot.txt"
live write "$OUT/t1.txt" "$OUT/rot.txt" 0.001 0 0 100
live wait "$OUT/r/state.json" "$u1" 60 || fail "truncation: part 1 never learnt"
: > "$OUT/rot.txt"
# the truncation must be seen before the file grows past the bytes read
for _ in $(seq 1 600); do grep -q "truncated to 0 bytes" "$OUT/r.err" && break; sleep 0.1; done
live write "$OUT/t2.txt" "$OUT/rot.txt" 0.001 0 0 100
live wait "$OUT/r/state.json" "$u12" 60 || fail "truncation: part 2 never learnt"
mv "$OUT/rot.txt" "$OUT/rot.txt.1"
live write "$OUT/t3.txt" "$OUT/rot.txt" 0.001 0 0 100
live wait "$OUT/r/state.json" "$u123" 60 || fail "rotation: part 3 never learnt"
kill -TERM "$hp"
wait "$hp"
if grep -q "truncated to 0 bytes after" "$OUT/r.err" && grep -q "replaced by a new file" "$OUT/r.err" &&
   same_net "$OUT/tb.json" "$OUT/r.json"; then
    pass "truncated, then rotated: both said; the network of the three texts one after the other"
else
    fail "truncation and rotation"; sed 's/^/     /' "$OUT/r.err" | head -5
fi

# ---- 4. bad UTF-8 mid-stream ----------------------------------------------------------
head -40 "$T" > "$OUT/good.txt"
"$HUEY" run "$OUT/good.txt" $M --json "$OUT/good.json" 2>/dev/null
ug=$(utterances "$OUT/good.json")
off=$(($(wc -c < "$OUT/good.txt") + 11))
: > "$OUT/bad.txt"
follow bad "$OUT/bad.txt"
live write "$OUT/good.txt" "$OUT/bad.txt" 0.001 0 0 40
live wait "$OUT/bad/state.json" "$ug" 60 || fail "bad UTF-8: the good part never learnt"
printf 'Trump: bad \377 byte\nTimes: never read\n' >> "$OUT/bad.txt"
wait "$hp"
rc=$?
if [ "$rc" -eq 1 ] && grep -q "invalid UTF-8 at byte offset $off" "$OUT/bad.err" &&
   "$HUEY" info "$OUT/bad.h5" >"$OUT/info.txt" 2>&1 && same_net "$OUT/good.json" "$OUT/bad.json"; then
    pass "bad UTF-8 mid-stream: exit 1 at byte offset $off; checkpoint and JSON hold the $ug utterances before it"
else
    fail "bad UTF-8 mid-stream: exit $rc"; sed 's/^/     /' "$OUT/bad.err" | tail -3
fi

# ---- 5. MPI: rank 0 reads and sends ------------------------------------------------------
if command -v mpirun >/dev/null 2>&1; then
    live write "$T" - 0.0005 1 0 300 | $MPIRUN -n 2 "$HUEY" run --follow - $M --json "$OUT/m.json" 2>"$OUT/m.err"
    if same_all "$OUT/batch.json" "$OUT/m.json"; then
        pass "P = 2, standard input: the finished file's JSON"
    else
        fail "P = 2, standard input"; tail -3 "$OUT/m.err" | sed 's/^/     /'
    fi
    : > "$OUT/mconv.txt"
    LAUNCH="$MPIRUN -n 2"
    follow mf "$OUT/mconv.txt"
    LAUNCH=
    live write "$T" "$OUT/mconv.txt" 0.001 0 0 300
    live wait "$OUT/mf/state.json" "$N" 120 || fail "P = 2: state.json never reached $N utterances"
    kill -USR1 "$hp"
    wait "$hp"
    if same_net "$OUT/batch.json" "$OUT/mf.json"; then
        pass "P = 2, followed file with --live, SIGUSR1 to mpirun: the finished file's network"
    else
        fail "P = 2, followed file"; tail -3 "$OUT/mf.err" | sed 's/^/     /'
    fi
else
    echo "SKIP MPI cases: no mpirun"
fi

# ---- 6. usage ------------------------------------------------------------------------------
usage() {
    label=$1; want=$2; pattern=$3; shift 3
    "$HUEY" "$@" >/dev/null 2>"$OUT/u.err"
    rc=$?
    if [ "$rc" -eq "$want" ] && grep -q -e "$pattern" "$OUT/u.err"; then pass "$label: exit $rc"
    else fail "$label: exit $rc"; sed 's/^/     /' "$OUT/u.err"; fi
}
usage "--follow with other inputs" 2 "reads one input" run --follow - "$T"
usage "--resume of a followed stream" 2 "not resumed" run --resume "$OUT/f.h5"
usage "--follow of a missing file" 1 "cannot open" run --follow "$OUT/none.txt"
"$HUEY" run "$T" $M --live "$OUT/bl2" --live-every 0.01 2>/dev/null
if $PY -c 'import json, sys; s = json.load(open(sys.argv[1])); assert s["final"] and not s["input"]["follow"] and s["counts"]["utterances"] == int(sys.argv[2])' \
    "$OUT/bl2/state.json" "$N"; then
    pass "--live on a run over a finished file: the final state.json"
else
    fail "--live on a finished file"
fi

finish live
