#!/bin/sh
# clusters.sh — `huey clusters FILE.h5` (CATPAC-style hierarchical
# clustering of the torgerson concepts, cluster.h) on a real checkpoint
# (tests/data/example_conversation.txt, so it runs without the shared data):
#   * the concepts are those of `huey galileo --method torgerson` (same
#     --concepts, --min-mass and --profile: the reference profile's
#     Speaker_<name> entries too), each listed once in the merge table's
#     picture and in the SVG dendrogram; n - 1 merges, the last holding n;
#   * the first merge is the most similar pair, max S_ij with
#     S_ij = m(i->j) + m(j->i) computed here from `huey export --format csv`;
#   * both linkages run, --linkage picks one, --out writes its SVG;
#   * the word-frequency tables (raw, after the kill list) and --top;
#   * --conversation NAME on a batch file equals the single checkpoint;
#   * bad input: fewer than 2 concepts, no mass, bad options.
set -u
HUEY=${HUEY:-bin/huey}
. tests/lib.sh

IN=tests/data/example_conversation.txt
C=$OUT/ex.h5
"$HUEY" run "$IN" --progress-interval 0 --checkpoint "$C" 2>/dev/null || { fail "huey run $IN"; finish clusters; }
"$HUEY" export "$C" --format csv -o "$OUT/edges.csv" 2>/dev/null
"$HUEY" galileo "$C" --method torgerson --concepts 20 --out "$OUT/gal" 2>/dev/null

"$HUEY" clusters "$C" --concepts 20 --out "$OUT/dendro" >"$OUT/both" 2>"$OUT/err"
rc=$?
check "clusters --concepts 20: exit 0, both SVGs written" sh -c \
    'test "$1" -eq 0 && test -s "$2/dendrogram.svg" && test -s "$2/dendrogram-complete.svg"' sh "$rc" "$OUT/dendro"

# every linkage's table, picture and SVG against the galileo concept list
/usr/bin/python3 - "$OUT/both" "$OUT/gal/space.json" "$OUT/edges.csv" "$OUT/dendro" >"$OUT/py" 2>&1 <<'EOF'
import csv, json, sys, xml.etree.ElementTree as ET
text, space, edges, ddir = sys.argv[1:]
sp = json.load(open(space, encoding='utf-8'))
words, ids = sp['concept_words'], sp['concept_ids']
n = len(words)
pos = {i: k for k, i in enumerate(ids)}
S = [[0.0] * n for _ in range(n)]
for r in csv.DictReader(open(edges, encoding='utf-8')):
    a, b = int(r['source_id']), int(r['target_id'])
    if a in pos and b in pos and a != b:
        S[pos[a]][pos[b]] += float(r['mass'])
        S[pos[b]][pos[a]] += float(r['mass'])
smax = max(S[i][j] for i in range(n) for j in range(i + 1, n))
lines = open(text, encoding='utf-8').read().split('\n')
heads = [k for k, l in enumerate(lines) if l.startswith('# hierarchical clustering, ')]
if [lines[k].split(',')[1].strip() for k in heads] != ['average linkage', 'complete linkage']:
    sys.exit('want an average and a complete linkage table, got %r' % [lines[k] for k in heads])
for k in heads:
    link = lines[k].split(',')[1].split()[0]
    if ' %d concepts;' % n not in lines[k]: sys.exit('%s: header does not say %d concepts' % (link, n))
    k += 2
    merges = []
    while not lines[k].startswith('#'):
        f = lines[k].split()
        merges.append((float(f[1]), int(f[2])))
        k += 1
    if len(merges) != n - 1: sys.exit('%s: %d merges for %d concepts' % (link, len(merges), n))
    if merges[-1][1] != n: sys.exit('%s: the last merge holds %d, not %d' % (link, merges[-1][1], n))
    if any(merges[q][0] < merges[q + 1][0] for q in range(n - 2)): sys.exit('%s: levels increase' % link)
    if abs(merges[0][0] - smax) > 1e-5 * abs(smax): sys.exit('%s: first level %g, max S %g' % (link, merges[0][0], smax))
    # the picture: labels written downwards, leaf p in column 16 + 3p + 1
    k += 1
    cols = [''] * n
    while not lines[k][:16].strip():
        for p in range(n):
            c = 16 + 3 * p + 1
            if c < len(lines[k]) and lines[k][c] != ' ': cols[p] += lines[k][c]
        k += 1
    if sorted(cols) != sorted(w[:16] for w in words): sys.exit('%s: picture lists %r' % (link, cols))
    leaves = [e.text for e in ET.parse('%s/dendrogram%s.svg' % (ddir, '' if link == 'average' else '-' + link)).getroot().iter()
              if e.tag.endswith('text') and e.attrib.get('text-anchor') == 'end']
    if sorted(leaves) != sorted(words): sys.exit('%s: SVG leaves %r' % (link, leaves))
    print('%s: %d concepts once each, %d merges, first at max S = %g' % (link, n, len(merges), smax))
EOF
if [ $? -eq 0 ]; then
    while read -r l; do pass "$l (text table, picture, SVG)"; done <"$OUT/py"
else
    fail "dendrograms: $(cat "$OUT/py")"
fi
check "the SVGs are well-formed XML" sh -c \
    '! command -v xmllint >/dev/null || xmllint --noout "$1"/dendrogram*.svg' sh "$OUT/dendro"

# word frequencies: raw and after the kill list, --top rows each
"$HUEY" clusters "$C" --linkage complete --top 5 --out "$OUT/one" >"$OUT/one.txt" 2>/dev/null
check "--linkage complete: one table, one SVG" sh -c \
    'test "$(grep -c "^# hierarchical clustering, complete linkage" "$1")" -eq 1 &&
     ! grep -q "average linkage" "$1" && test -s "$2/dendrogram-complete.svg" &&
     test ! -e "$2/dendrogram.svg"' sh "$OUT/one.txt" "$OUT/one"
check "frequency tables: raw and after the kill list, 5 rows each (--top 5)" sh -c \
    'grep -q "^# word frequencies, raw (before the kill list)" "$1" &&
     grep -q "^# word frequencies, after the kill list" "$1" &&
     test "$(sed -n "/^# word frequencies/,\$p" "$1" | grep -vc "^#")" -eq 10' sh "$OUT/one.txt"
"$HUEY" clusters "$C" >"$OUT/def" 2>/dev/null
check "default: the top 50 concepts" grep -q "^# hierarchical clustering, average linkage, 50 concepts" "$OUT/def"

# a batch file: --conversation picks the network; the same as a single run
mkdir -p "$OUT/convs"
cp "$IN" "$OUT/convs/ex.txt"
cp tests/data/example_conversation.txt "$OUT/convs/again.txt"
"$HUEY" run --batch "$OUT/convs" --checkpoint "$OUT/batch.h5" >/dev/null 2>&1
"$HUEY" clusters "$OUT/batch.h5" --conversation ex.txt --concepts 20 2>/dev/null | tail -n +2 >"$OUT/b"
tail -n +2 "$OUT/both" >"$OUT/s"
check "--conversation ex.txt on a batch file = the single checkpoint" cmp -s "$OUT/b" "$OUT/s"

# ---- bad input ----
printf 'A: hello there\nB: hi\n' >"$OUT/tiny.txt"
"$HUEY" run "$OUT/tiny.txt" --progress-interval 0 --checkpoint "$OUT/tiny.h5" 2>/dev/null
expect 1 "fewer than 2 concepts: nothing to cluster" "--concepts 1: fewer than 2 concepts" -- \
    clusters "$C" --concepts 1
expect 1 "fewer than 2 concepts: nothing to cluster" "--profile fixed --min-mass above every mass" -- \
    clusters "$C" --profile fixed --min-mass 1e9
# the reference profile keeps each speaker's Speaker_<name> entry (its
# self-concept mass, > 0 here) whatever --min-mass: those two are clustered
"$HUEY" clusters "$C" --min-mass 1e9 --linkage average >"$OUT/spk" 2>/dev/null
check "--min-mass above every mass: the two speaker entries alone (reference profile)" sh -c \
    'grep -q "the 2 concepts" "$1" && grep -q "Speaker_Maya" "$1" && grep -q "Speaker_Tom" "$1"' sh "$OUT/spk"
expect 1 "no selected concept has mass > 0" "nothing learnt: no mass" -- clusters "$OUT/tiny.h5"
expect 1 "over the 1e-09 GB limit" "two n x n tables over the memory limit: clear error" -- \
    clusters "$C" --max-dense-gb 1e-9
expect 2 "expected average, complete or both" "--linkage single" -- clusters "$C" --linkage single
expect 2 "positive integer" "--concepts 0" -- clusters "$C" --concepts 0
expect 2 "whole number" "--top 2.5" -- clusters "$C" --top 2.5
expect 2 "usage: huey clusters" "no checkpoint" -- clusters
expect 2 "expected reference or fixed" "--profile other" -- clusters "$C" --profile other
expect 1 "missing.h5" "missing checkpoint" -- clusters "$OUT/missing.h5"

finish clusters
