#!/bin/sh
# seeds.sh DIR — the seed corpus of every fuzz harness, DIR/NAME/*: the
# bundled example, the project's own test inputs and configs, the shared
# transcripts (read at run time, never copied into the repo), and
# checkpoints and space files that huey makes here. Each harness's
# regression inputs (tests/fuzz/regress/NAME) are seeds too. Every seed is
# at most 64 KB (the harnesses' -max_len), checkpoints 128 KB.
set -eu
DIR=$1
HUEY=${HUEY:-bin/huey}
GEN=${GEN:-build/gencorpus}
DATA=../shared/data
rm -rf "$DIR"
for n in detect text params json ckpt ckptedit batchlist; do mkdir -p "$DIR/$n"; done
TMP=$DIR/.work
mkdir -p "$TMP"
cap() { head -c 65000; }

# ---- texts: the example, the shared transcripts, generated corpora, and
# small cases of each detection strategy
texts="$TMP/texts"
mkdir -p "$texts"
for f in tests/data/*.txt; do cap < "$f" > "$texts/$(basename "$f")"; done
for f in "$DATA"/*.txt; do [ -f "$f" ] && cap < "$f" > "$texts/$(basename "$f")"; done
"$GEN" --words 3000 --vocab 500 --speakers 3 --utterance-words 12 | cap > "$texts/gen-conv.txt"
"$GEN" --words 3000 --vocab 500 --speakers 0 | cap > "$texts/gen-plain.txt"
printf 'Alice: hello there friend\nBob: hello again friend\n' > "$texts/labeled.txt"
printf 'Q: what is it?\nA: a test\r\nQ: and now?\rA: done\n' > "$texts/crlf.txt"
printf 'first line of one speaker\nsecond line of the other\nthird line\nfourth\n' > "$texts/alternating.txt"
printf '1. Alice said this\n2. Bob said that\n3. Alice again\n' > "$texts/numbered.txt"
printf '"Hello," said Tom.\n"Hi," said Ann.\nTom: well\nANN: yes\n[Tom]: no\n' > "$texts/mixed.txt"
printf 'Speaker_A: caf\303\251 \316\243\316\243 na\303\257ve\nSpeaker_B: \346\227\245\346\234\254 it'"'"'s\n' > "$texts/unicode.txt"
i=0
for f in "$texts"/*; do
    i=$((i + 1))
    for mode in 1 0 3 5 9 25 8; do
        { printf "\\$(printf '%03o' "$mode")"; cat "$f"; } | cap > "$DIR/detect/$i-$mode"
    done
    cap < "$f" > "$DIR/text/$i"
done
[ -f "$DATA/KILL.txt" ] && cp "$DATA/KILL.txt" "$DIR/text/kill"
printf 'DOG, ran\n' > "$DIR/text/mykill"

# ---- config files and option values
cp configs/*.conf "$DIR/params/"
printf 'window_size = 3\nthis line is wrong\n' > "$DIR/params/bad.conf"
printf 'max_neurons = 80\nactivation_kernel = incoming\nconversation_mode = false\nkill_file = none\n' \
    > "$DIR/params/small.conf"
printf 'self_pronouns = i,me\nother_pronouns = you\nseed = 18446744073709551615\nbias = -1e-300\n' \
    > "$DIR/params/pronouns.conf"
printf 'activation_path = cpu\nbackend = cuda\ntime_budget = 0.5\nprogress_interval=0\n# note\n' \
    > "$DIR/params/run.conf"

# ---- checkpoints (small: their contiguous-layout copies fit 64 KB) and
# space files made by huey
head -12 tests/data/example_conversation.txt > "$TMP/small.txt"
"$HUEY" run "$TMP/small.txt" --progress-interval 0 --checkpoint "$TMP/small.h5" --json "$TMP/small.json" 2>/dev/null
"$HUEY" run "$texts/labeled.txt" --progress-interval 0 --checkpoint "$TMP/tiny.h5" 2>/dev/null
"$HUEY" run "$texts/gen-plain.txt" --no-conversation-mode --activation-kernel incoming --max-neurons 30 \
    --max-windows 200 --progress-interval 0 --checkpoint "$TMP/plain.h5" 2>/dev/null
mkdir -p "$TMP/batch"
cp "$texts/labeled.txt" "$texts/numbered.txt" "$TMP/batch/"
"$HUEY" run --batch "$TMP/batch" --progress-interval 0 --checkpoint "$TMP/batch.h5" 2>/dev/null
for c in small tiny plain batch; do
    h5repack -l CONTI -f NONE "$TMP/$c.h5" "$DIR/ckpt/$c-contig.h5"
    h5repack -L -l CONTI -f NONE "$TMP/$c.h5" "$DIR/ckpt/$c-latest.h5"
done
head -c 131000 < "$TMP/tiny.h5" > "$DIR/ckpt/tiny-chunked.h5"
for m in torgerson assoc; do
    "$HUEY" galileo "$TMP/small.h5" --method "$m" --concepts 12 --out "$TMP/g-$m" >/dev/null 2>&1
    cap < "$TMP/g-$m/space.json" > "$DIR/json/space-$m.json"
done
"$HUEY" export "$TMP/tiny.h5" --format reference-json -o "$TMP/ref.json" 2>/dev/null
cap < "$TMP/ref.json" > "$DIR/json/reference-export.json"
cap < "$TMP/small.json" > "$DIR/json/run.json"
for f in "$DATA"/expected/blue.default.dump.json "$DATA"/expected/sample_conversation.default.json; do
    [ -f "$f" ] && cap < "$f" > "$DIR/json/$(basename "$f")"
done
printf '{"labels": ["a", "b", "c", "d"], "coordinates": [[0, 1, 0], [1, 2, 0], [0, 0.5, 2], [3, -1, 1]],\n "eigenvalues_desc": [4, -1, 2]}\n' > "$DIR/json/hand.json"
printf '{"web_torgerson_galileo": {"concept_words": ["x", "y", "z"], "positions": [[1e308, -0.0, NaN], [Infinity, -Infinity, 2e-308], [1, 2, 3]], "selected_eigenvalues": [1, -2, 3]}, "s": "\\u00e9\\ud83d\\ude00\\n"}\n' > "$DIR/json/escapes.json"

# ---- edits of a checkpoint (tests/fuzz/ckptedit.c: 15-byte records)
: > "$DIR/ckptedit/none"
printf '\000\000\001\000\000\000\001\377\377\377\377\377\377\377\377' > "$DIR/ckptedit/set"
printf '\001\000\007\000\000\000\003AAAAAAAA\002\000\011\000\000\000\005\001\000\000\000\000\000\000\000' \
    > "$DIR/ckptedit/cut-grow"
printf '\003\000\020\000\000\000\000\000\000\000\000\000\000\000\000' > "$DIR/ckptedit/delete"

# ---- batch LIST files
printf '%s\n' "$TMP/batch/labeled.txt" "# a comment" "" "  $TMP/batch/numbered.txt  " > "$DIR/batchlist/list"
printf 'a.txt\r\nb.txt\r\n\t# indented comment\r\n' > "$DIR/batchlist/crlf"
printf 'same.txt\nsame.txt\n' > "$DIR/batchlist/twice"

# ---- regression inputs
for d in tests/fuzz/regress/*/; do
    [ -d "$d" ] || continue
    n=$(basename "$d")
    for f in "$d"*; do [ -f "$f" ] && cp "$f" "$DIR/$n/regress-$(basename "$f")"; done
done
rm -rf "$TMP"
echo "fuzz seeds: $(for n in detect text params json ckpt ckptedit batchlist; do printf '%s %s  ' "$n" "$(ls "$DIR/$n" | wc -l)"; done)"
