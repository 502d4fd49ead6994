#!/bin/sh
# galileo.sh — the Galileo spaces (huey-model.md §12) against the
# reference's expected outputs, and their errors:
#   1. every case of tests/expected-cases.txt is learnt once with
#      `huey run --checkpoint X.h5 --galileo DIR --json X.json`; then
#      json-compare checks gpu_class_galileo and web_torgerson_galileo of
#      X.json, and of `huey galileo X.h5 --method assoc|torgerson` (its
#      space.json), with the data README's rule: eigenvalues within 1e-8 of
#      the largest |λ|, labels and ids exactly, coordinates up to
#      eigenvector signs (json_compare.c);
#   2. the files in DIR (space.json, coords.csv, eigenvalues.csv, the
#      pictures scree.svg, map-12.svg, map-13.svg, space.html) and the
#      fixed profile;
#   3. bad input: fewer than 3 concepts, no mass, bad options, a
#      checkpoint holding a NaN: one line, exit 1 (data) or 2 (usage);
#   4. the matrix-free path (--eigen lanczos, huey-model.md §12 at large n):
#      top-3 (and, torgerson, the 3 most negative) eigenpairs against the
#      dense LAPACK path on every expected case and on generated networks of
#      600 and 1500 concepts (eigenvalues within 1e-8·max|λ|, eigenvectors
#      with the same signs within 1e-6), determinism, "spectrum": "partial",
#      auto at n = 20 000 and under --max-dense-gb, a dense request over the limit;
#   5. under mpirun (2 and 4 ranks): each rank builds its row block;
#      with --eigen lapack the space equals one rank's byte for byte; with
#      --eigen scalapack (pdsyevd, 4 ranks, small n) it is within the
#      tolerance of one rank's and of the expected outputs;
#   6. the reference's concept collection where its speaker entries rank
#      (tests/data/lighthouse_conversation.txt, tests/data/harbour_log.txt)
#      against tests/galileo_reference.py, the reference's rule in Python.
set -u
HUEY=${HUEY:-bin/huey}
CMP=${CMP:-build/json-compare}
DATA=../shared/data
. tests/lib.sh

# ---- 1. expected outputs ---------------------------------------------------
if [ -d "$DATA/expected" ]; then
    expected_cases | while read -r name input flags; do
        exp=$DATA/expected/$name.json
        # shellcheck disable=SC2086
        if ! "$HUEY" run "$DATA/$input" $flags --progress-interval 0 --checkpoint "$OUT/$name.h5" \
                --galileo "$OUT/$name.gal" --json "$OUT/$name.json" 2>"$OUT/$name.err"; then
            echo "FAIL $name: huey run exited $?"; sed 's/^/     /' "$OUT/$name.err"; continue
        fi
        if "$CMP" --keys gpu_class_galileo,web_torgerson_galileo "$exp" "$OUT/$name.json" >"$OUT/$name.cmp" 2>&1; then
            echo "ok   $name: run --galileo: $(grep '^ok' "$OUT/$name.cmp" | sed 's/^ok *//; s/,.*//' | tr '\n' ';')"
        else
            echo "FAIL $name: run --galileo"; grep -v '^ok' "$OUT/$name.cmp" | sed 's/^/     /'
        fi
        for m in assoc torgerson; do
            key=gpu_class_galileo; [ $m = torgerson ] && key=web_torgerson_galileo
            if grep -q -e '"error"' -e '"matrix_size": [012],' "$OUT/$name.gal/$m/space.json"; then
                # no space: huey galileo says why and fails
                if "$HUEY" galileo "$OUT/$name.h5" --method $m >/dev/null 2>"$OUT/$name.$m.err"; then
                    echo "FAIL $name: galileo $m succeeded without a space"
                elif [ "$(grep -c . "$OUT/$name.$m.err")" -eq 1 ] && grep -q "concept" "$OUT/$name.$m.err"; then
                    echo "ok   $name: galileo $m: no space, one line: $(cat "$OUT/$name.$m.err")"
                else
                    echo "FAIL $name: galileo $m error message"; sed 's/^/     /' "$OUT/$name.$m.err"
                fi
                continue
            fi
            "$HUEY" galileo "$OUT/$name.h5" --method $m --out "$OUT/$name.$m" 2>"$OUT/$name.$m.err"
            if "$CMP" --keys $key "$exp" "$OUT/$name.$m/space.json" >"$OUT/$name.$m.cmp" 2>&1; then
                echo "ok   $name: galileo $m: $(grep '^ok' "$OUT/$name.$m.cmp" | sed 's/^ok *[a-z_]* //')"
            else
                echo "FAIL $name: galileo $m"; cat "$OUT/$name.$m.err" "$OUT/$name.$m.cmp" | sed 's/^/     /'
            fi
        done
    done > "$OUT/expected.log"
    cat "$OUT/expected.log"
    n=$(grep -c '^FAIL' "$OUT/expected.log" || true)
    fails=$((fails + n))
else
    echo "SKIPPED expected outputs: $DATA/expected not found"
fi

# json-compare must see a wrong space: another case's numbers, same labels
X=$DATA/expected
if [ -f "$OUT/sample_conversation.w3.assoc/space.json" ]; then
    for k in gpu_class_galileo web_torgerson_galileo; do
        m=assoc; [ $k = web_torgerson_galileo ] && m=torgerson
        if "$CMP" --keys $k "$X/sample_conversation.w3.cpu.json" "$OUT/sample_conversation.w3.$m/space.json" >/dev/null 2>&1; then
            fail "json-compare took another network's $k"
        else
            pass "json-compare rejects another network's $k"
        fi
    done
fi

# ---- 2. files and profiles -------------------------------------------------
T=$OUT/FeynmanYoung.conv.h5
if [ -f "$T" ]; then
    D=$OUT/FeynmanYoung.conv.torgerson
    # coords.csv: label, mass, r1..rP (P = positive λ), i1..iQ (Q = negative λ)
    pos=$(sed -n 's/.*"n_positive": \([0-9]*\).*/\1/p' "$D/space.json" | head -1)
    neg=$(sed -n 's/.*"n_negative": \([0-9]*\).*/\1/p' "$D/space.json" | head -1)
    head -1 "$D/coords.csv" | tr ',' '\n' > "$OUT/cols"
    if [ "$(sed -n 1p "$OUT/cols")" = label ] && [ "$(sed -n 2p "$OUT/cols")" = mass ] &&
       [ "$(grep -c '^r' "$OUT/cols")" = "$pos" ] && [ "$(grep -c '^i' "$OUT/cols")" = "$neg" ] &&
       [ "$(wc -l < "$D/coords.csv")" = 51 ] && [ "$(wc -l < "$D/eigenvalues.csv")" = 51 ] &&
       ! grep -qi nan "$D/coords.csv" "$D/eigenvalues.csv" "$D/space.json"; then
        pass "torgerson files: coords.csv has label, mass, r1..r$pos, i1..i$neg; eigenvalues.csv 50 rows"
    else
        fail "torgerson files (positive $pos, negative $neg)"; head -c 300 "$D/coords.csv"
    fi
    if grep -q '"method": "torgerson",$' "$D/space.json" && grep -q '"profile": "reference",$' "$D/space.json"; then
        pass "space.json says method and profile"
    else
        fail "space.json lacks method/profile"
    fi
    # fixed profile: D_ii = 0 makes B a true Torgerson matrix of squared
    # distances; the spectrum changes, the concepts do not
    "$HUEY" galileo "$T" --method torgerson --profile fixed --out "$OUT/fixed" 2>/dev/null
    if grep -q '"profile": "fixed",$' "$OUT/fixed/space.json" && grep -q '"fixes": \["D_ii = 0' "$OUT/fixed/space.json" &&
       grep -qF "$(grep -o '"concept_ids": \[[0-9, ]*\]' "$D/space.json")" "$OUT/fixed/space.json" &&
       ! "$CMP" --keys web_torgerson_galileo "$X/FeynmanYoung.conv.json" "$OUT/fixed/space.json" >/dev/null 2>&1; then
        pass "profile fixed: says what it fixed, same concepts, another spectrum"
    else
        fail "profile fixed"
    fi
    # --dims caps the blocks; --concepts / --min-mass choose the concepts
    "$HUEY" galileo "$T" --method torgerson --dims 2 --out "$OUT/dims" 2>/dev/null
    if [ "$(head -1 "$OUT/dims/coords.csv")" = "label,mass,r1,r2,i1,i2" ] &&
       "$CMP" --keys web_torgerson_galileo "$X/FeynmanYoung.conv.json" "$OUT/dims/space.json" >/dev/null 2>&1; then
        pass "--dims 2: blocks r1,r2,i1,i2; the same space"
    else
        fail "--dims 2"; head -1 "$OUT/dims/coords.csv"
    fi
    "$HUEY" galileo "$T" --method torgerson --concepts 10 --min-mass 30 > "$OUT/c10.json" 2>/dev/null
    if grep -q '"matrix_size": 10,' "$OUT/c10.json" && grep -q '"num_concepts": 10,' "$OUT/c10.json" &&
       grep -q '"min_mass": 30.0,' "$OUT/c10.json"; then
        pass "--concepts 10 --min-mass 30 (stdout without --out)"
    else
        fail "--concepts 10 --min-mass 30"
    fi
    "$HUEY" galileo "$T" --method torgerson --min-mass 1e9 > /dev/null 2>"$OUT/err"
    if [ $? -eq 1 ] && grep -q "fewer than 3 concepts" "$OUT/err"; then
        pass "--min-mass above every mass: fewer than 3 concepts (exit 1)"
    else
        fail "--min-mass 1e9"; cat "$OUT/err"
    fi
    expect 1 "fewer than 3 concepts: no 3-D space (2 concepts selected)" "--concepts 2: the count selected" -- \
        galileo "$T" --method torgerson --concepts 2
fi

# the pictures of every space written above (run --galileo and huey galileo
# --out): the four files exist, the SVGs are well-formed XML (xmllint),
# every label of coords.csv is drawn in both maps and placed in the 3-D
# view, the speakers are highlighted, and no number anywhere is NaN or inf.
check_plots() {   # DIR: exit 0 when the pictures are right, else print why
    for f in scree.svg map-12.svg map-13.svg space.html; do
        [ -s "$1/$f" ] || { echo "no $f"; return 1; }
    done
    if command -v xmllint >/dev/null 2>&1; then
        xmllint --noout "$1/scree.svg" "$1/map-12.svg" "$1/map-13.svg" || return 1
    fi
    /usr/bin/python3 - "$1" <<'EOF2'
import csv, json, math, re, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
labels = [r[0] for r in list(csv.reader(open(d + '/coords.csv', encoding='utf-8')))[1:]]
bad = re.compile(r'(?i)(?<![a-z])(nan|inf|infinity)(?![a-z])')
def no_constant(c): raise ValueError('non-finite number ' + c)
for f in ('scree.svg', 'map-12.svg', 'map-13.svg'):
    root = ET.parse(d + '/' + f).getroot()          # well-formed, entities decoded
    texts, speakers = [], 0
    for e in root.iter():
        for k, v in e.attrib.items():
            if bad.search(v): sys.exit('%s: attribute %s="%s"' % (f, k, v))
        if e.tag.endswith('text') and e.text: texts.append(e.text)
        if e.attrib.get('class') == 'speaker': speakers += 1
    if f != 'scree.svg':
        missing = [l for l in labels if l not in texts]
        if missing: sys.exit('%s: labels not drawn: %s' % (f, missing[:5]))
        if speakers < 1: sys.exit('%s: no speaker highlighted' % f)
html = open(d + '/space.html', encoding='utf-8').read()
m = re.search(r'<script type="application/json" id="space-data">(.*?)</script>', html, re.S)
if not m or not html.rstrip().endswith('</html>'): sys.exit('space.html: no data block or truncated')
pts = json.loads(m.group(1), parse_constant=no_constant)['points']
if sorted(p['l'] for p in pts) != sorted(labels): sys.exit('space.html: labels differ from coords.csv')
if not all(math.isfinite(p[k]) for p in pts for k in 'xyzm'): sys.exit('space.html: a coordinate is not finite')
if not any(p['s'] for p in pts): sys.exit('space.html: no speaker')
if 'warp factor <b>' not in html or 'metric signature <b>(' not in html: sys.exit('space.html: no signature/warp')
EOF2
}
for sp in TrumpInterview.default.gal/assoc TrumpInterview.default.gal/torgerson FeynmanYoung.conv.torgerson \
          FeynmanYoung.conv.assoc; do
    [ -d "$OUT/$sp" ] || continue
    if why=$(check_plots "$OUT/$sp" 2>&1); then
        pass "pictures of $sp: scree, map-12, map-13 well-formed; space.html holds every label, speakers, no NaN"
    else
        fail "pictures of $sp: $why"
    fi
done

# ---- 3. bad input ----------------------------------------------------------
S=$OUT/sample_conversation.default.h5
if [ -f "$S" ]; then
    expect 1 "no selected concept has mass" "torgerson without any mass" -- galileo "$S" --method torgerson
fi
B=$OUT/blue.default.dump.h5
if [ -f "$B" ]; then
    expect 1 "fewer than 3 concepts: no 3-D space (2 concepts selected)" "assoc with 2 concepts" -- galileo "$B" --method assoc
fi
expect 2 "method" "no --method" -- galileo "$T"
expect 2 "expected assoc or torgerson" "--method pca" -- galileo "$T" --method pca
expect 2 "expected reference or fixed" "--profile other" -- galileo "$T" --method assoc --profile other
expect 2 "positive integer" "--concepts 0" -- galileo "$T" --method torgerson --concepts 0
expect 2 "non-negative number" "--min-mass -1" -- galileo "$T" --method torgerson --min-mass -1
expect 1 "missing.h5" "missing checkpoint" -- galileo "$OUT/missing.h5" --method assoc

# a checkpoint whose masses hold a NaN: refused by name, no NaN written
if [ -f "$T" ] && command -v h5ls >/dev/null 2>&1; then
    cp "$T" "$OUT/nan.h5"
    if /usr/bin/python3 - "$OUT/nan.h5" 2>/dev/null <<'EOF'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    d = f["model/rows/m"]   # connection masses
    v = d[...]
    v.flat[0] = np.nan
    d[...] = v
EOF
    then
        expect 1 "nan" "a NaN in the checkpoint" -- galileo "$OUT/nan.h5" --method torgerson --out "$OUT/nanout"
        if [ -e "$OUT/nanout" ]; then fail "NaN checkpoint: output written"; else pass "NaN checkpoint: nothing written"; fi
    else
        echo "SKIPPED NaN checkpoint: h5py not available"
    fi
fi

# ---- 4. matrix-free (Lanczos) -----------------------------------------------
# lanczos_vs_dense DENSE.json LANCZOS.json [EXPECTED.json KEY]: exit 0 and a
# summary when the partial space agrees with the dense one (and with the
# expected output's top eigenvalues), else print why
lanczos_vs_dense() {
    /usr/bin/python3 - "$@" <<'EOF2'
import json, sys
d, l = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
if l.get('spectrum') != 'partial' or d.get('spectrum') != 'full': sys.exit('spectrum: %s / %s' % (d.get('spectrum'), l.get('spectrum')))
full = d['eigenvalues_desc']
big = max(abs(x) for x in full)
top = l['eigenvalues_desc']
want = [(a, b) for a, b in zip(top, full)]
bottom = l.get('eigenvalues_most_negative', [])
want += [(a, b) for a, b in zip(bottom, full[::-1])]
if len(sys.argv) > 3:
    e = json.load(open(sys.argv[3]))[sys.argv[4]]['eigenvalues_desc']
    want += [(a, b) for a, b in zip(top, e)] + [(a, b) for a, b in zip(bottom, e[::-1])]
de = max(abs(a - b) for a, b in want) / big
if de > 1e-8: sys.exit('eigenvalues differ by %.2e of max|l|' % de)
# the top-3 vectors column by column; a repeated eigenvalue's vectors are
# any basis of its space: there the projectors onto the space are compared
vd, vl = d['eigenvectors_top3'], l['eigenvectors_top3']
n, dv, repeated = len(vd), 0.0, False
c = 0
while c < 3:
    e = c + 1
    while e < 3 and abs(full[e] - full[c]) <= 1e-8 * big: e += 1
    if e - c == 1:
        dv = max([dv] + [abs(vd[i][c] - vl[i][c]) for i in range(n)])
    else:
        repeated = True
        for i in range(n):
            for j in range(n):
                pd = sum(vd[i][k] * vd[j][k] for k in range(c, e))
                pl = sum(vl[i][k] * vl[j][k] for k in range(c, e))
                dv = max(dv, abs(pd - pl))
    c = e
if dv > 1e-6: sys.exit('eigenvectors differ by %.2e' % dv)
k = 'coordinates' if 'coordinates' in d else 'positions'
dc = max(abs(a - b) for r, q in zip(d[k], l[k]) for a, b in zip(r, q))
scale = max(abs(a) for r in d[k] for a in r) or 1.0
if dc > 1e-6 * scale and not repeated: sys.exit('%s differ by %.2e' % (k, dc))
print('%d+%d eigenvalues within %.1e of max|l|, vectors %.1e%s, %s %s (%d products)' %
      (len(top), len(bottom), de, dv, ' (repeated eigenvalue: its projector)' if repeated else '', k,
       'depend on the basis' if repeated else '%.1e' % dc, l['lanczos']['products']))
EOF2
}
for f in "$OUT"/*.h5; do
    name=$(basename "$f" .h5)
    [ -f "$DATA/expected/$name.json" ] || continue
    for m in assoc torgerson; do
        key=gpu_class_galileo; [ $m = torgerson ] && key=web_torgerson_galileo
        [ -f "$OUT/$name.$m/space.json" ] || continue   # no space (section 1 checked the error)
        "$HUEY" galileo "$f" --method $m --eigen lanczos --out "$OUT/$name.$m.lz" 2>"$OUT/lz.err"
        if why=$(lanczos_vs_dense "$OUT/$name.$m/space.json" "$OUT/$name.$m.lz/space.json" "$DATA/expected/$name.json" $key 2>&1); then
            pass "$name $m --eigen lanczos = dense and expected: $why"
        else
            fail "$name $m --eigen lanczos: $why"; sed 's/^/     /' "$OUT/lz.err"
        fi
    done
done
for n in 600 1500; do
    for m in assoc torgerson; do
        "$HUEY" galileo --generated $n --method $m --eigen lapack --dims 3 > "$OUT/gd.json" 2>/dev/null
        "$HUEY" galileo --generated $n --method $m --eigen lanczos --dims 3 > "$OUT/gl.json" 2>"$OUT/gl.err"
        if why=$(lanczos_vs_dense "$OUT/gd.json" "$OUT/gl.json" 2>&1); then
            pass "generated n = $n, $m: Lanczos = dense: $why"
        else
            fail "generated n = $n, $m: Lanczos: $why"; sed 's/^/     /' "$OUT/gl.err"
        fi
    done
done
strip_t() { grep -v -e '"build_seconds"' -e '"eigen_seconds"' -e '"eigh_seconds"' "$1"; }
"$HUEY" galileo --generated 1500 --method torgerson --eigen lanczos --dims 3 > "$OUT/gl2.json" 2>/dev/null
strip_t "$OUT/gl.json" > "$OUT/gl.s"
if strip_t "$OUT/gl2.json" | cmp -s - "$OUT/gl.s"; then
    pass "Lanczos is deterministic: two runs, the same space to the last digit"
else
    fail "Lanczos: two runs differ"
fi
# auto: the full spectrum below the threshold; matrix-free when the dense
# matrix would not fit --max-dense-gb, saying so on stderr
"$HUEY" galileo --generated 600 --method assoc --out "$OUT/auto" 2>"$OUT/auto.err"
"$HUEY" galileo --generated 600 --method assoc --max-dense-gb 0.001 --out "$OUT/autolz" 2>"$OUT/autolz.err"
if grep -q '"spectrum": "full"' "$OUT/auto/space.json" && [ "$(wc -l < "$OUT/auto/eigenvalues.csv")" = 601 ] &&
   ! grep -q "partial" "$OUT/auto.err" &&
   grep -q '"spectrum": "partial"' "$OUT/autolz/space.json" && grep -q "spectrum partial" "$OUT/autolz.err" &&
   [ "$(wc -l < "$OUT/autolz/eigenvalues.csv")" = 4 ] && ! grep -qi nan "$OUT/autolz/space.json" "$OUT/autolz/coords.csv"; then
    pass "auto: full spectrum at n = 600; over --max-dense-gb: Lanczos, \"spectrum\": \"partial\", 3 eigenvalues, stderr says so"
else
    fail "auto switch to Lanczos"; cat "$OUT/autolz.err"
fi
"$HUEY" galileo --generated 600 --method torgerson --max-dense-gb 0.001 --out "$OUT/autotg" 2>/dev/null
if [ "$(head -1 "$OUT/autotg/coords.csv" | tr ',' '\n' | grep -c '^[ri]')" -ge 3 ] &&
   [ "$(sed -n '$p' "$OUT/autotg/eigenvalues.csv" | cut -d, -f1)" = 600 ] &&
   grep -q '"eigenvalues_most_negative": \[' "$OUT/autotg/space.json" && ! grep -q '"warp_factor"' "$OUT/autotg/space.json"; then
    pass "partial torgerson: 3 largest and 3 most negative (ranks 1-3, 598-600), blocks, no warp factor"
else
    fail "partial torgerson files"
fi
# auto at the threshold (n = 20 000): matrix-free without being asked
"$HUEY" galileo --generated 20000 --method assoc > "$OUT/t20k.json" 2>"$OUT/t20k.err"
if grep -q '"spectrum": "partial"' "$OUT/t20k.json" && grep -q "20000 concepts, matrix-free Lanczos" "$OUT/t20k.err"; then
    pass "auto at n = 20000: Lanczos, partial spectrum ($(grep -o '"products": [0-9]*' "$OUT/t20k.json"))"
else
    fail "auto at n = 20000"; cat "$OUT/t20k.err"
fi
expect 1 "over the 0.001 GB limit" "dense request over --max-dense-gb" -- galileo --generated 600 --method assoc --eigen lapack --max-dense-gb 0.001
expect 2 "expected auto, lapack, scalapack, lanczos or cusolver" "--eigen other" -- galileo --generated 600 --method assoc --eigen other
expect 2 "positive number of GB" "--max-dense-gb 0" -- galileo --generated 600 --method assoc --max-dense-gb 0

# ---- 5. MPI ----------------------------------------------------------------
if command -v mpirun >/dev/null 2>&1 && [ -f "$T" ]; then
    F=$DATA/expected/FeynmanYoung.conv.json
    for m in assoc torgerson; do
        "$HUEY" galileo "$T" --method $m --out "$OUT/p1.$m" 2>/dev/null
        for P in 2 4; do
            $MPIRUN -n $P "$HUEY" galileo "$T" --method $m --eigen lapack --out "$OUT/p$P.$m" >/dev/null 2>&1
            strip_t "$OUT/p1.$m/space.json" > "$OUT/a"
            if strip_t "$OUT/p$P.$m/space.json" 2>/dev/null | cmp -s - "$OUT/a" && cmp -s "$OUT/p1.$m/coords.csv" "$OUT/p$P.$m/coords.csv"; then
                pass "$m on $P ranks (row blocks, --eigen lapack) equals 1 rank byte for byte"
            else
                fail "$m on $P ranks (--eigen lapack) differs from 1 rank"
            fi
        done
    done
    for m in assoc torgerson; do
        if ! $MPIRUN -n 2 "$HUEY" galileo --generated 4 --method $m --eigen scalapack >/dev/null 2>&1; then
            echo "SKIPPED ScaLAPACK checks: huey built without ScaLAPACK (make SCALAPACK=0)"; break
        fi
        key=gpu_class_galileo; [ $m = torgerson ] && key=web_torgerson_galileo
        $MPIRUN -n 4 "$HUEY" galileo "$T" --method $m --eigen scalapack --out "$OUT/s4.$m" >/dev/null 2>"$OUT/s4.err"
        if "$CMP" --keys $key "$F" "$OUT/s4.$m/space.json" > "$OUT/s4.cmp" 2>&1; then
            pass "$m on 4 ranks with ScaLAPACK: $(grep '^ok' "$OUT/s4.cmp" | sed 's/^ok *[a-z_]* //')"
        else
            fail "$m on 4 ranks with ScaLAPACK"; cat "$OUT/s4.err" "$OUT/s4.cmp" | head -5 | sed 's/^/     /'
        fi
        for n in 5 37; do   # generated matrices: fewer rows than ranks' blocks, and several blocks each
            "$HUEY" galileo --generated $n --method $m > "$OUT/g1.json" 2>/dev/null
            { printf '{"%s": ' $key; cat "$OUT/g1.json"; printf '}\n'; } > "$OUT/g1w.json"
            $MPIRUN -n 4 "$HUEY" galileo --generated $n --method $m --eigen scalapack > "$OUT/g4.json" 2>"$OUT/g4.err"
            if "$CMP" --keys $key "$OUT/g1w.json" "$OUT/g4.json" > "$OUT/g4.cmp" 2>&1; then
                pass "generated n = $n, $m: ScaLAPACK on 4 ranks = LAPACK on 1 ($(grep '^ok' "$OUT/g4.cmp" | sed 's/.*max abs diff \([^,]*\).*/max abs diff \1/'))"
            else
                fail "generated n = $n, $m: ScaLAPACK on 4 ranks"; cat "$OUT/g4.err" "$OUT/g4.cmp" | head -5 | sed 's/^/     /'
            fi
        done
    done
    # matrix-free under mpirun: every rank runs the same Lanczos, rank 0 writes
    "$HUEY" galileo --generated 600 --method torgerson --eigen lanczos > "$OUT/l1.json" 2>/dev/null
    $MPIRUN -n 2 "$HUEY" galileo --generated 600 --method torgerson --eigen lanczos > "$OUT/l2.json" 2>/dev/null
    strip_t "$OUT/l1.json" > "$OUT/l1.s"
    if strip_t "$OUT/l2.json" | cmp -s - "$OUT/l1.s"; then
        pass "--eigen lanczos on 2 ranks equals 1 rank byte for byte"
    else
        fail "--eigen lanczos on 2 ranks differs from 1 rank"
    fi
    # huey run --galileo under mpirun: the spaces are made on rank 0 from the gathered network
    $MPIRUN -n 2 "$HUEY" run "$DATA/FeynmanYoung.txt" --progress-interval 0 --galileo "$OUT/r2" \
        --json "$OUT/r2.json" >/dev/null 2>&1
    if "$CMP" --keys gpu_class_galileo,web_torgerson_galileo "$F" "$OUT/r2.json" >/dev/null 2>&1; then
        pass "run --galileo on 2 ranks matches the expected outputs"
    else
        fail "run --galileo on 2 ranks"
    fi
else
    echo "SKIPPED MPI checks: no mpirun"
fi

# ---- 6. the reference's concept collection: Speaker_<name> entries ----------
# The reference's rule (create_3d_concept_plot, huey-model.md §12.2 and
# §13), which tests/galileo_reference.py follows step by step from
# `huey export`, independently of src/galileo.c:
#   * unless plain-text mode (exactly one speaker, named "text" in any
#     case), every speaker whose self-concept mass is > 0 and whose name,
#     lower-cased, is a living word gets an entry "Speaker_<name>" with that
#     mass and that word's id, ahead of the neurons and whatever --min-mass;
#   * then every living neuron but the artifacts ({speaker_speaker_a..f, re,
#     e, g, 4, lines}; plain-text mode {speaker_text, re, e, g, 4, lines})
#     whose concept mass is >= --min-mass;
#   * a stable sort by mass, descending, cut to --concepts; fewer than 3, or
#     no mass, no plot. Nothing removes the speaker's own word: its id is
#     then listed twice, two identical rows of S (S = 0 between the copies),
#     so two identical rows of D² (D_ii = max S), an extra zero eigenvalue of
#     B and one position for both;
#   * S_ij = m(i->j) + m(j->i), D = max S - S, B = -½·H·D²·H, eigh.
# The profile `fixed` has no speaker entries and D_ii = 0.
# The reference's own routine (its create_3d_concept_plot and the GPU
# class's analyze_speaker_self_concept, run outside this repository on the
# state `huey export` gives) agreed with huey on every case below, e.g. the
# lighthouse conversation with the defaults: 50 concepts, Speaker_Pia
# (47.7446), Speaker_Nora (43.8716), Speaker_Quinn (41.1648) first, ids 0
# (nora) and 21 (pia) listed twice, largest eigenvalue 42.771186.
REF=tests/galileo_reference.py
if ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
    echo "SKIPPED speaker entries: no NumPy for /usr/bin/python3 (python3-numpy)"
    finish galileo
    exit 0
fi
# the script is the reference's rule: from the network state an expected
# output records (with the reference's own concept masses), it gives that
# output's web_torgerson_galileo
if [ -d "$DATA/expected" ]; then
    nok=0 nall=0
    for f in "$DATA"/expected/*.json; do
        nall=$((nall + 1))
        if /usr/bin/python3 $REF "$f" --masses ranking >"$OUT/refx.json" 2>"$OUT/refx.cmp" &&
           "$CMP" --keys web_torgerson_galileo "$f" "$OUT/refx.json" >>"$OUT/refx.cmp" 2>&1; then
            nok=$((nok + 1))
        else
            echo "     $(basename "$f"):"; sed 's/^/     /' "$OUT/refx.cmp"
        fi
    done
    if [ "$nok" -eq "$nall" ] && [ "$nall" -gt 0 ]; then
        pass "galileo_reference.py reproduces all $nall expected web_torgerson_galileo outputs from their network state"
    else
        fail "galileo_reference.py reproduces $nok of $nall expected outputs"
    fi
fi
# ref_vs_huey LABEL H5 EXPORT ARGS...: the script's space against huey
# galileo's in $OUT/g (or no space on both sides); the script's summary
# line in $OUT/ref.log
ref_vs_huey() {
    label=$1 h5=$2 exp=$3
    shift 3
    rm -rf "$OUT/g"
    if ! /usr/bin/python3 $REF "$exp" "$@" >"$OUT/ref.json" 2>"$OUT/ref.log"; then
        fail "$label: galileo_reference.py"; sed 's/^/     /' "$OUT/ref.log"; return
    fi
    if grep -q '"error"' "$OUT/ref.json"; then
        if "$HUEY" galileo "$h5" --method torgerson "$@" >/dev/null 2>"$OUT/g.err"; then
            fail "$label: the reference makes no space, huey does"
        else
            pass "$label: no space on both sides ($(cat "$OUT/g.err"))"
        fi
        return
    fi
    "$HUEY" galileo "$h5" --method torgerson "$@" --out "$OUT/g" 2>"$OUT/g.err"
    if "$CMP" --keys web_torgerson_galileo "$OUT/ref.json" "$OUT/g/space.json" >"$OUT/g.cmp" 2>&1; then
        pass "$label = galileo_reference.py: $(grep '^ok' "$OUT/g.cmp" | sed 's/^ok *[a-z_]* //'); $(cat "$OUT/ref.log")"
    else
        fail "$label"; cat "$OUT/ref.log" "$OUT/g.err" "$OUT/g.cmp" | sed 's/^/     /'
    fi
}
L=$OUT/lighthouse
if "$HUEY" run tests/data/lighthouse_conversation.txt --progress-interval 0 --checkpoint "$L.h5" \
        --galileo "$L.gal" --json "$L.run.json" 2>"$L.err" && "$HUEY" export "$L.h5" -o "$L.json" 2>>"$L.err"; then
    ref_vs_huey "lighthouse, defaults" "$L.h5" "$L.json"
    # the case of the issue: speaker entries among the 50, an id listed twice
    if grep -q 'speaker entries: Speaker_' "$OUT/ref.log" && ! grep -q 'listed twice: none' "$OUT/ref.log" &&
       grep -q '"Speaker_' "$OUT/g/space.json"; then
        pass "lighthouse, defaults: speaker entries rank within --concepts and an id is listed twice"
    else
        fail "lighthouse, defaults: the conversation no longer puts a speaker entry in the list"; cat "$OUT/ref.log"
    fi
    rm -rf "$L.torgerson"
    [ -d "$OUT/g" ] && cp -r "$OUT/g" "$L.torgerson"
    # huey run --galileo makes the same space
    /usr/bin/python3 $REF "$L.json" >"$OUT/ref.json" 2>/dev/null
    if "$CMP" --keys web_torgerson_galileo "$OUT/ref.json" "$L.run.json" >"$OUT/g.cmp" 2>&1; then
        pass "lighthouse: run --galileo = the reference's rule"
    else
        fail "lighthouse: run --galileo"; sed 's/^/     /' "$OUT/g.cmp"
    fi
    if command -v mpirun >/dev/null 2>&1; then   # self-concepts gathered from 2 ranks
        $MPIRUN -n 2 "$HUEY" run tests/data/lighthouse_conversation.txt --progress-interval 0 --galileo "$L.gal2" \
            --json "$L.run2.json" >/dev/null 2>&1
        if "$CMP" --keys web_torgerson_galileo "$OUT/ref.json" "$L.run2.json" >"$OUT/g.cmp" 2>&1; then
            pass "lighthouse: run --galileo on 2 ranks = the reference's rule"
        else
            fail "lighthouse: run --galileo on 2 ranks"; sed 's/^/     /' "$OUT/g.cmp"
        fi
    fi
    ref_vs_huey "lighthouse, --concepts 14" "$L.h5" "$L.json" --concepts 14
    ref_vs_huey "lighthouse, --min-mass 20" "$L.h5" "$L.json" --min-mass 20
    if grep -q '(below --min-mass)' "$OUT/ref.log"; then
        pass "lighthouse, --min-mass 20: a speaker entry below --min-mass is placed (the reference filters neurons only)"
    else
        fail "lighthouse, --min-mass 20: no speaker entry below --min-mass"; cat "$OUT/ref.log"
    fi
    ref_vs_huey "lighthouse, --min-mass 1e9 (the speaker entries alone)" "$L.h5" "$L.json" --min-mass 1e9
    for opts in "--concepts 14" "--min-mass 20" "--min-mass 1e9" ""; do
        # shellcheck disable=SC2086
        ref_vs_huey "lighthouse, --profile fixed${opts:+ $opts}" "$L.h5" "$L.json" --profile fixed $opts
    done
    if grep -q '"fixes": \[.*"each neuron listed once' "$OUT/g/space.json" 2>/dev/null &&
       ! grep -q '"Speaker_' "$OUT/g/space.json"; then
        pass "profile fixed: no speaker entry, \"each neuron listed once\" among its fixes"
    else
        fail "profile fixed: a speaker entry, or no \"each neuron listed once\" fix"
    fi
    "$HUEY" galileo "$L.h5" --method torgerson --eigen lanczos --out "$OUT/lz" 2>/dev/null
    if why=$(lanczos_vs_dense "$L.torgerson/space.json" "$OUT/lz/space.json" 2>&1); then
        pass "lighthouse, an id listed twice: --eigen lanczos = dense: $why"
    else
        fail "lighthouse --eigen lanczos: $why"
    fi
    if why=$(check_plots "$L.torgerson" 2>&1); then
        pass "pictures of the lighthouse space (speaker entries and their words both drawn)"
    else
        fail "pictures of the lighthouse space: $why"
    fi
else
    fail "huey run tests/data/lighthouse_conversation.txt"; sed 's/^/     /' "$L.err"
fi

# Plain-text mode, and a speaker whose word does not live: huey names the
# one speaker of a plain text "Author", and detection never yields a lone
# speaker, so copies of the checkpoint get the speaker's name written in.
P=$OUT/harbour
if ! /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
    echo "SKIPPED plain-text mode: h5py not available"
elif "$HUEY" run tests/data/harbour_log.txt --no-conversation-mode --progress-interval 0 --checkpoint "$P.h5" 2>"$P.err"; then
    for name in Author Text Ghost; do
        cp "$P.h5" "$P.$name.h5"
        /usr/bin/python3 - "$P.$name.h5" "$name" <<'PYEOF'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    g = f["model/speakers"]
    new = sys.argv[2].encode()
    b = g["name_utf8"][...]
    assert len(g["name_length"]) == 1 and len(new) <= len(b)
    b[:len(new)] = np.frombuffer(new, dtype=np.uint8)
    g["name_utf8"][...] = b
    g["name_length"][0] = len(new)
PYEOF
        "$HUEY" export "$P.$name.h5" -o "$P.$name.json" 2>/dev/null
        ref_vs_huey "harbour log, speaker $name" "$P.$name.h5" "$P.$name.json"
        # Author: its entry; Text: plain-text mode; Ghost: self-concept mass
        # > 0 (the pronouns' links) but no living word "ghost", no entry
        case $name in
        Author) want='speaker entries: Speaker_Author' ;;
        Text) want='(plain-text mode); speaker entries: none' ;;
        *) want='speaker entries: none' ;;
        esac
        words=$(grep -o '"concept_words": \[[^]]*' "$OUT/g/space.json" 2>/dev/null)
        if [ $name = Text ]; then
            echo "$words" | grep -q '"speaker_speaker_a"' && ! echo "$words" | grep -q '"speaker_text"'
        else
            ! echo "$words" | grep -q '"speaker_speaker_a"' && echo "$words" | grep -q '"speaker_text"'
        fi
        arts=$?
        mass=$(/usr/bin/python3 -c 'import json,sys; print(list(json.load(open(sys.argv[1]))["speakers"].values())[0]["self_concept_mass"])' "$P.$name.json")
        if grep -qF "$want" "$OUT/ref.log" && [ "$arts" -eq 0 ]; then
            pass "harbour log, speaker $name (self-concept mass $mass): $want; the artifacts of its mode"
        else
            fail "harbour log, speaker $name: want '$want' and the artifacts of its mode"; cat "$OUT/ref.log"
        fi
    done
else
    fail "huey run tests/data/harbour_log.txt"; sed 's/^/     /' "$P.err"
fi

finish galileo
