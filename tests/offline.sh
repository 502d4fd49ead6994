#!/bin/sh
# offline.sh — the offline analysis commands on checkpoints: every
# `huey query`, `huey report`, `huey export --format reference-json`, and
# their errors. Checkpoints are learnt here from a small three-speaker
# conversation (written below, with the default 500 neurons and with 40,
# which evicts) and from ../shared/data/TrumpInterview.txt.
#
# Where the expected numbers come from: the reference implementation's
# HueyGPUConversationalNetwork (seed 0, window 10, KILL.txt, max_neurons
# as here) learnt the same texts, then a small driver called its
# query_associations, query_context, query_concept_average,
# query_self_concept and analyze_speaker_self_concept, the query engine's
# cluster_fellows, strongest_associations, temporal_evolution,
# concept_emergence, network_statistics and speaker_differences, and the
# web page's analyze_concept_flow, and printed every number with repr().
# huey learns the same network, so each number is compared with a relative
# tolerance of 1e-9. The reference orders equal values by dict insertion
# order, which a checkpoint does not keep: the lists below stop before ties.
set -u
HUEY=${HUEY:-bin/huey}
DATA=../shared/data
PY=/usr/bin/python3
. tests/lib.sh

# near GOT WANT: |GOT - WANT| <= 1e-9 * max(|GOT|, |WANT|)
near() {
    [ -n "$1" ] && awk -v g="$1" -v w="$2" 'BEGIN { d = g - w; if (d < 0) d = -d; a = g < 0 ? -g : g
        b = w < 0 ? -w : w; exit !(d <= 1e-9 * (a > b ? a : b)) }'
}
# rows FILE "word value word value ...": the table rows (value in column
# 2, word last) are these, in this order, and no more
rows() {
    awk -v want="$2" '
        function near(g, w,  d, a, b) { d = g - w; if (d < 0) d = -d; a = g < 0 ? -g : g; b = w < 0 ? -w : w
            return d <= 1e-9 * (a > b ? a : b) }
        BEGIN { n = split(want, t, " ") / 2 }
        /^#/ { next }
        { k++; if (k > n || $NF != t[2 * k - 1] || !near($2 + 0, t[2 * k] + 0)) bad = 1 }
        END { exit bad || k != n }' "$1"
}
# section FILE HEADER: the rows under the `#` line starting with HEADER
section() {
    awk -v h="$2" 'index($0, h) == 1 { on = 1; r = 0; next } on && /^#/ { if (r) on = 0; next } on { r = 1; print }' "$1"
}
# top N FILE: the first N rows
top() { grep -v '^#' "$2" | head -n "$1"; }
# val FILE KEY [COLUMN]: column (default 2) of the row whose first field is KEY
val() { awk -v k="$2" -v c="${3:-2}" '$1 == k { print $c; exit }' "$1"; }
# check NAME COMMAND...: pass when the command succeeds
q() { "$HUEY" query "$@" 2>"$OUT/err"; }
# strength FILE: the "total activation X" of a self-concept header
strength() { sed -n 's/.*(total activation \([^)]*\)).*/\1/p' "$1"; }

cat > "$OUT/conv.txt" <<'EOF'
Alice: The garden needs water today because the summer sun burns the young tomato plants and the soil dries quickly near the old stone wall.
Bob: You always worry about the garden, but the tomato plants look strong to me and the soil near the wall keeps water longer than you think.
Carol: I planted the tomato seeds myself last spring, so the garden feels like part of me, and I water the young plants every morning before work.
Alice: Morning water is best for tomato plants because the sun warms the soil slowly and the roots drink before the heat of the afternoon arrives.
Bob: The afternoon heat worries me less than the snails; snails climb the stone wall at night and eat the young leaves of every tomato plant in the garden.
Carol: Snails hate copper tape, so we could wrap copper tape around the stone wall and protect the tomato plants without poison in the garden soil.
Alice: Copper tape sounds expensive, yet protecting the garden matters to me more than money, and you know the tomato harvest feeds the whole street.
Bob: The whole street loves the tomato harvest; you give baskets to every neighbour and the neighbours bring bread and honey back to the garden.
Carol: Bread and honey with fresh tomato slices is my favourite summer lunch, and I eat it myself in the garden under the old apple tree near the wall.
Alice: The old apple tree shades the stone wall in the afternoon, so the soil there stays cool and the water lasts longer for the young tomato plants.
Bob: Then we water the plants near the apple tree less often and give more water to the plants in full sun near the gate of the garden.
Carol: Good plan; I will write the watering plan myself and pin it near the gate so you and me remember which plants need more water in the summer.
EOF
learn() { "$HUEY" run "$@" --progress-interval 0 2>"$OUT/learn.err" || { fail "learning $*"; cat "$OUT/learn.err"; }; }
C=$OUT/conv.h5; C40=$OUT/conv40.h5; T=$OUT/trump.h5
learn "$OUT/conv.txt" --checkpoint "$C"
learn "$OUT/conv.txt" --max-neurons 40 --checkpoint "$C40"
learn "$DATA/TrumpInterview.txt" --checkpoint "$T"

# ---- spreading activation: query_associations / query_context (3 steps) ----
assoc() {   # NAME CHECKPOINT "WORDS" TOTAL "word value ..."
    q "$2" associations $3 > "$OUT/a"
    check "$1: associations $3: $4 above 0.05, top 10" \
        sh -c 'grep -q "; $0 neurons above 0.05, top 10" "$1"' "$4" "$OUT/a"
    check "$1: associations $3: activations" rows "$OUT/a" "$5"
}
assoc conv "$C" garden 100 "plants 0.9995835577330557 near 0.9982545830257274 water 0.9971317752776832
    tomato 0.9956617717492152 me 0.9933667303980657 soil 0.9876234808413981 wall 0.9862323661502137
    young 0.9689814542024106 you 0.9649506858934065 myself 0.9412667272003944"
assoc conv "$C" "garden tomato" 99 "plants 0.9996017887797292 near 0.9983317605403628 water 0.9972539692907867
    me 0.9935543147223306 soil 0.9879655666339848 wall 0.9864283356802429 young 0.9696947391816927
    you 0.9655714555317729 myself 0.941672900506012 stone 0.9352882889546186"
assoc conv "$C" "garden tomato me" 98 "plants 0.999613669038139 near 0.9983676841679381 water 0.9973230381385297
    soil 0.9882297856620617 wall 0.9865946880971871 young 0.9703550962581856 you 0.9658060920239735
    myself 0.942120752963055 stone 0.9356529393982628 gate 0.9340058322570169"
assoc conv40 "$C40" garden 41 "plants 0.991902402887942 near 0.985390346340627 soil 0.9793490778686165
    me 0.9779188802491555 water 0.9774352130582386 tomato 0.9673592283523089 wall 0.9496785834777638
    young 0.9250698141262285 you 0.9102866123001134 sun 0.842021826058247"
assoc conv40 "$C40" "garden tomato me" 39 "plants 0.9925510318773144 near 0.9863456131098224
    soil 0.9807285707012477 water 0.9786506667241375 wall 0.9514939484420791 young 0.927990873829435
    you 0.9126540788967028 sun 0.8457497025287185 full 0.803786988158071 stone 0.7864205929694776"
assoc trump "$T" people 506 "you 0.9999999898141104 men 0.9999228805915726 law 0.9990854419231281
    government 0.9975286091727196 know 0.9945241297842426 100 0.993796987165269 certainly 0.9897029272057265
    we 0.9867001455632403 i'm 0.9844147741964032 it's 0.9794653292571441"
assoc trump "$T" "people country" 505 "you 0.9999999900311117 men 0.9999234952587787 law 0.9990908451941626
    government 0.9975353163941352 know 0.9945395382424594 100 0.9938107232979825 certainly 0.9897526665181986
    we 0.9867400197382423 i'm 0.9844758453890708 it's 0.9795723446913956"
# the options: a higher threshold keeps the five above 0.99; --top
q "$C" associations garden --threshold 0.99 --top 3 > "$OUT/a"
check "conv: associations --threshold 0.99 --top 3" sh -c 'grep -q "; 5 neurons above 0.99, top 3" "$0"' "$OUT/a"
check "conv: associations --top 3 rows" rows "$OUT/a" \
    "plants 0.9995835577330557 near 0.9982545830257274 water 0.9971317752776832"

# ---- query_self_concept: 4 steps from the system pronouns; per speaker ----
q "$C" self-concept > "$OUT/s"
section "$OUT/s" "# system self-concept" > "$OUT/sys"
check "conv: system self-concept from 'you': 100 above 0.05" \
    sh -c 'grep -q "from you, 4 steps; 100 neurons above 0.05 (total" "$0"' "$OUT/s"
check "conv: system self-concept strength 70.80077786465252" near "$(strength "$OUT/s")" 70.80077786465252
check "conv: system self-concept: top 15" rows "$OUT/sys" "plants 0.9996941155404124 near 0.9986466080690107
    water 0.9978037607495605 tomato 0.9965352882464654 me 0.9944028996850871 soil 0.989644436882806
    wall 0.988020913421852 garden 0.9769930057097527 young 0.9738848349151724 myself 0.9453440729149493
    stone 0.939942381359757 gate 0.9384279335230481 eat 0.9328965989051419 cool 0.9078581882393293
    sun 0.9015490219264476"
# associations with --steps 4 from the same seed is the same computation
q "$C" associations you --steps 4 --top 15 > "$OUT/a"
top 15 "$OUT/a" > "$OUT/a15"
check "conv: associations you --steps 4 = query_self_concept" cmp -s "$OUT/a15" "$OUT/sys"
speaker_mass() {   # NAME FILE SPEAKER MASS PRONOUN PART_MASS ...
    name=$1; f=$2; sp=$3; m=$4; shift 4
    ok=true
    near "$(awk -v s="$sp" '$1 == s && NF == 4 { print $2 }' "$f")" "$m" || ok=false
    while [ $# -ge 2 ]; do
        near "$(awk -v s="$sp" -v p="$1" '$1 == s && $2 == p { print $4 }' "$f")" "$2" || ok=false
        shift 2
    done
    check "$name: self-concept mass of $sp" $ok
}
speaker_mass conv "$OUT/s" Alice 103.39442099812216 me 5.966247456377941 myself 97.42817354174421
speaker_mass conv "$OUT/s" Bob 104.30800130552976 me 8.160927027193672 myself 96.14707427833609
speaker_mass conv "$OUT/s" Carol 108.00779192158949 me 99.42793065098854 myself 8.579861270600947
q "$C40" self-concept > "$OUT/s40"
speaker_mass conv40 "$OUT/s40" Alice 88.79501796890736 me 6.483971475508677 myself 82.31104649339868
check "conv40: system self-concept: 41 above 0.05, strength 29.47053383100896" \
    sh -c 'grep -q "41 neurons above 0.05 (total" "$0"' "$OUT/s40" && near "$(strength "$OUT/s40")" 29.47053383100896
q "$T" self-concept > "$OUT/st"
speaker_mass trump "$OUT/st" Trump 8.988341449764162 me 8.988341449764162
speaker_mass trump "$OUT/st" Times 96.22116133672529 me 96.22116133672529
speaker_mass trump "$OUT/st" Cheung 48.110580668362644 me 48.110580668362644
section "$OUT/st" "# system self-concept" | head -n 5 > "$OUT/sys"
check "trump: system self-concept: top 5" rows "$OUT/sys" "men 0.9999598821207188 law 0.999429411493164
    government 0.9984579400022542 100 0.9959646734069313 know 0.9955748434614291"
check "trump: system self-concept: 506 above 0.05" sh -c 'grep -q "506 neurons above 0.05 (total" "$0"' "$OUT/st"
check "trump: system self-concept strength 298.9729905395973" near "$(strength "$OUT/st")" 298.9729905395973
q "$C" self-concept --speaker Bob > "$OUT/s"
check "self-concept --speaker Bob: one speaker" \
    sh -c '[ "$(awk "NF == 4 && \$1 !~ /^[0-9#]/ { print \$1 }" "$0" | tr -d "\n")" = Bob ]' "$OUT/s"

# ---- query_concept_average ----
average() {   # NAME CHECKPOINT "WORDS" ACTIVATION TOTAL "word value ..."
    q "$2" average $3 > "$OUT/v"
    act=$(sed -n 's/.*synthetic activation \([^;]*\);.*/\1/p' "$OUT/v")
    check "$1: average $3: synthetic activation, $5 neighbours" \
        sh -c 'near() { awk -v g="$1" -v w="$2" "BEGIN { d = g - w; exit !(d <= 1e-9 * w && -d <= 1e-9 * w) }"; }
               near "$0" "$1" && grep -q "; $2 neighbours above 0.01" "$3"' "$act" "$4" "$5" "$OUT/v"
    check "$1: average $3: nearest neighbours" rows "$OUT/v" "$6"
}
average conv "$C" "garden tomato" 0.9964589459565523 44 "plants 0.5393338545108936 me 0.45967038706332985
    harvest 0.25367407420103755 soil 0.2457208220516452 you 0.24541894905120215 near 0.2433686700747793
    old 0.2193234623035314 strong 0.18479417046416508 matters 0.1737018471167352 myself 0.1681270736492282"
average conv "$C" "garden tomato me" 0.9959630930019495 52 "plants 0.4780688557505289 you 0.3165255907558759
    water 0.26976722472789977 harvest 0.25282569950450245 soil 0.25265179667226995 near 0.2510836953543593
    know 0.21654984196101215 wall 0.20477186298460717 money 0.20043441679994511 old 0.14621564153568758"
average conv40 "$C40" "garden tomato" 0.9800225543782384 26 "plants 0.5393338545108936 me 0.45967038706332985
    you 0.27938629801295867 old 0.24725505843886963 soil 0.2457208220516452 near 0.2433686700747793
    strong 0.18479417046416508 myself 0.1681270736492282 feels 0.15398370423092056 water 0.15307566592085145"
average trump "$T" "people country great" 0.8628646177033555 52 "i'm 0.09243804426175743
    physical 0.08950775040671304 lived 0.08807613807086202 you 0.08611259637549096 job 0.07951787789693836
    side 0.07489864821501384 unlike 0.07094555312752847 fights 0.05399108216264245 didn't 0.051085033876765044
    president 0.05087438823243335"

# ---- network_statistics ----
stats() {   # NAME CHECKPOINT neurons active mass avg_mass conns strong avg_w max_w length
    q "$2" stats > "$OUT/t"
    ok=true
    [ "$(val "$OUT/t" total_neurons)" = "$3" ] && [ "$(val "$OUT/t" active_neurons)" = "$4" ] || ok=false
    near "$(val "$OUT/t" total_mass)" "$5" && near "$(val "$OUT/t" average_mass)" "$6" || ok=false
    [ "$(val "$OUT/t" total_connections)" = "$7" ] && [ "$(val "$OUT/t" strong_connections)" = "$8" ] || ok=false
    near "$(val "$OUT/t" average_strength)" "$9" && near "$(val "$OUT/t" max_strength)" "${10}" || ok=false
    [ "$(val "$OUT/t" conversation_length)" = "${11}" ] || ok=false
    check "$1: network statistics" $ok
}
stats conv "$C" 101 101 3117.7884436641966 30.8691925115267 792 603 0.21634286251305443 0.9786963187343991 12
stats conv40 "$C40" 355 42 1435.1320344381672 4.042625449121598 320 245 0.23144970443867163 0.9786963187343991 12
stats trump "$T" 1584 507 16128.815929626235 10.18233328890545 3155 987 0.11408345592949486 4.156247561712548 296
q "$T" stats > "$OUT/t"
check "trump: speaker blocks (Times 146, Trump 148, Cheung 2)" \
    sh -c '[ "$(awk "\$1 == \"Times\" || \$1 == \"Trump\" || \$1 == \"Cheung\" { print \$1, \$2, \$3 }" "$0" | sort | tr "\n" " ")" = \
           "Cheung 2 2 Times 146 146 Trump 148 148 " ]' "$OUT/t"

# ---- speaker_differences ----
q "$C" speakers > "$OUT/d"
check "conv: speaker mass differences" sh -c '
    near() { awk -v g="$1" -v w="$2" "BEGIN { d = g - w; exit !(g != \"\" && d <= 1e-9 * w && -d <= 1e-9 * w) }"; }
    near "$(awk "\$1 == \"Alice_vs_Bob\" { print \$2 }" "$0")" 0.9135803074075994 &&
    near "$(awk "\$1 == \"Alice_vs_Carol\" { print \$2 }" "$0")" 4.613370923467329 &&
    near "$(awk "\$1 == \"Bob_vs_Carol\" { print \$2 }" "$0")" 3.6997906160597296' "$OUT/d"
q "$T" speakers > "$OUT/d"
check "trump: speaker mass differences" sh -c '
    near() { awk -v g="$1" -v w="$2" "BEGIN { d = g - w; exit !(g != \"\" && d <= 1e-9 * w && -d <= 1e-9 * w) }"; }
    near "$(awk "\$1 == \"Times_vs_Trump\" { print \$2 }" "$0")" 87.23281988696112 &&
    near "$(awk "\$1 == \"Times_vs_Cheung\" { print \$2 }" "$0")" 48.110580668362644 &&
    near "$(awk "\$1 == \"Trump_vs_Cheung\" { print \$2 }" "$0")" 39.12223921859848' "$OUT/d"

# ---- cluster_fellows / strongest_associations ----
# rows of fellows name the other end; "source -> target": take the end that is not WORD
fellows_rows() { awk -v c="$2" '!/^#/ { print $1, $2, ($NF == c ? $(NF - 2) : $NF) }' "$1"; }
q "$C" fellows garden > "$OUT/f"
fellows_rows "$OUT/f" garden | head -n 6 > "$OUT/f6"
check "conv: fellows garden: 36 above 0.1" sh -c 'grep -q "36 connections above 0.1" "$0"' "$OUT/f"
check "conv: fellows garden: top 6" rows "$OUT/f6" "carol 0.6253285953319844 me 0.6180905384259932
    myself 0.4664962203084838 eat 0.43687106706364903 tomato 0.43288461497871417 summer 0.38255542627595596"
q "$C40" fellows garden > "$OUT/f"
fellows_rows "$OUT/f" garden | head -n 5 > "$OUT/f6"
check "conv40: fellows garden: 25, top 5" sh -c 'grep -q "25 connections above 0.1" "$0"' "$OUT/f"
check "conv40: fellows garden: top 5" rows "$OUT/f6" "me 0.6180905384259932 carol 0.5127101024392301
    myself 0.4664962203084838 tomato 0.43288461497871417 old 0.3324024005600062"
q "$T" fellows people > "$OUT/f"
fellows_rows "$OUT/f" people | head -n 13 > "$OUT/f6"
check "trump: fellows people: 16 above 0.1" sh -c 'grep -q "16 connections above 0.1" "$0"' "$OUT/f"
check "trump: fellows people: top 13 (a tie follows)" rows "$OUT/f6" "trump 0.570349485260455
    really 0.31648770677624427 lived 0.2642284142125861 side 0.22469594464504153 beautiful 0.22289837708788118
    fights 0.16197324648792735 horror 0.13961264152317884 can't 0.1319794910486047 it's 0.12873842789932902
    shows 0.11614949016299965 you 0.11295836203567172 interviewed 0.1124770704835987 can't 0.11068463588837206"
# the reference's speaker filter: words of the speaker's utterances only
q "$C" fellows garden --speaker Alice > "$OUT/f"
fellows_rows "$OUT/f" garden > "$OUT/f6"
head -n 3 "$OUT/f6" > "$OUT/f3"; tail -n 9 "$OUT/f6" > "$OUT/f9"
check "conv: fellows garden --speaker Alice: 19 above 0.1" sh -c 'grep -q "uttered by Alice: 19 connections" "$0"' "$OUT/f"
check "conv: fellows garden --speaker Alice: first 3" rows "$OUT/f3" "me 0.6180905384259932
    tomato 0.43288461497871417 summer 0.38255542627595596"
check "conv: fellows garden --speaker Alice: last 9" rows "$OUT/f9" "plants 0.2710617114193562
    near 0.26292687843758705 tree 0.2171655745777516 water 0.20055043177141393 harvest 0.1956332723188451
    protecting 0.19406820614029432 sounds 0.19097553520724259 expensive 0.1355921141456294
    morning 0.11092418235824551"
strongest() {   # NAME CHECKPOINT WORD AVERAGE
    q "$2" strongest "$3" > "$OUT/g"
    avg=$(sed -n 's/.*average strength \(.*\)$/\1/p' "$OUT/g")
    check "$1: strongest $3: average of the top 10" near "$avg" "$4"
}
strongest conv "$C" garden 0.4335406325805615
strongest conv40 "$C40" garden 0.38420181244883744
strongest trump "$T" people 0.22771132251042475
strongest trump "$T" great 0.2968003948376655
q "$C" strongest > "$OUT/g"
awk '!/^#/ { print $1, $2, $4 "->" $6 }' "$OUT/g" | head -n 3 > "$OUT/g3"
check "conv: strongest connections: 791 above 0.05" sh -c 'grep -q "791 connections above 0.05" "$0"' "$OUT/g"
check "conv: strongest connections: top 3" rows "$OUT/g3" "stone->wall 0.9786963187343991
    carol->myself 0.8960894488790522 water->plants 0.8326260447533874"
q "$T" strongest --top 2 > "$OUT/g"
awk '!/^#/ { print $1, $2, $4 "->" $6 }' "$OUT/g" > "$OUT/g3"
check "trump: strongest connections --top 2 (1584 above 0.05)" sh -c 'grep -q "1584 connections above 0.05, top 2" "$0"' "$OUT/g"
check "trump: strongest connections: top 2" rows "$OUT/g3" "trump->you 4.156247561712548 trump->men 2.1137064099696348"

# ---- temporal_evolution / concept_emergence (the token history) ----
q "$C" evolution garden > "$OUT/e"
check "conv: evolution garden: 9 mentions" sh -c 'grep -q "mentioned in 9 of 12 utterances" "$0"' "$OUT/e"
awk '!/^#/ { print $1, $3, $1 "/" $2 }' "$OUT/e" > "$OUT/e2"
check "conv: evolution garden: steps, speakers, self-concept mass" rows "$OUT/e2" "0/Alice 0.0 1/Bob 6.961270159390879
    2/Carol 73.84988176777391 4/Bob 76.33829542581014 5/Carol 98.22635414624723 6/Alice 73.48851998373141
    7/Bob 74.14788783978534 8/Carol 106.46248099219613 10/Bob 96.82905592171474"
q "$C40" evolution garden > "$OUT/e"
awk '!/^#/ { print $1, $3, $1 "/" $2 }' "$OUT/e" > "$OUT/e2"
check "conv40: evolution garden" rows "$OUT/e2" "0/Alice 0.0 1/Bob 6.961270159390879 2/Carol 73.84988176777391
    4/Bob 73.31081661013933 5/Carol 68.90145302304404 6/Alice 72.89055528346366 7/Bob 69.05300942837654
    8/Carol 79.9628417500284 10/Bob 79.754755213432"
q "$T" evolution people > "$OUT/e"
awk '!/^#/ { print $1, $3, $1 "/" $2 }' "$OUT/e" | head -n 9 > "$OUT/e2"
check "trump: evolution people: 29 mentions" sh -c 'grep -q "mentioned in 29 of 296 utterances" "$0"' "$OUT/e"
check "trump: evolution people: first 9" rows "$OUT/e2" "3/Trump 0.0 5/Trump 0.0 7/Trump 0.0
    39/Trump 8.398333488170787 57/Trump 8.398333488170787 69/Trump 8.398333488170787 79/Trump 50.0
    97/Trump 1.492424214318842 106/Trump 8.280863918955278"
emergence() {   # NAME CHECKPOINT COUNT "first: word step ..." "last: word step ..."
    q "$2" emergence > "$OUT/m"
    grep -v '^#' "$OUT/m" | awk '{ printf "%s %s ", $NF, $1 }' > "$OUT/m2"
    n=$(grep -vc '^#' "$OUT/m")
    first=$(echo "$4" | wc -w); last=$(echo "$5" | wc -w)
    got_first=$(tr ' ' '\n' < "$OUT/m2" | head -n "$first" | tr '\n' ' ')
    got_last=$(tr ' ' '\n' < "$OUT/m2" | grep -v '^$' | tail -n "$last" | tr '\n' ' ')
    want_first=$(echo $4)" "; want_last=$(echo $5)" "
    ok=false
    [ "$n" = "$3" ] && [ "$got_first" = "$want_first" ] && [ "$got_last" = "$want_last" ] && ok=true
    check "$1: emergence: $3 concepts, first and last in order" $ok
}
emergence conv "$C" 101 "alice 0 garden 0 needs 0 water 0 today 0 summer 0" \
    "will 11 write 11 watering 11 pin 11 remember 11 need 11"
emergence conv40 "$C40" 42 "alice 0 garden 0 water 0 today 0 summer 0 sun 0" \
    "roots 3 afternoon 3 snails 4 climb 4 full 10 need 11"
emergence trump "$T" 393 "lot 0 we 0 want 0 first 0 100 0 office 0" \
    "men 290 administer 293 therefore 293 women 293 ideally 293 honest 293"
q "$C" emergence > "$OUT/m"
check "conv: emergence: speaker words never uttered are step 0, mentioned no" \
    sh -c 'awk "\$NF == \"alice\" { print \$1, \$2 }" "$0" | grep -qx "0 no" &&
           awk "\$NF == \"garden\" { print \$1, \$2 }" "$0" | grep -qx "0 yes"' "$OUT/m"
q "$C" emergence --since 11 > "$OUT/m"
check "conv: emergence --since 11: the 8 concepts first said in the last utterance" \
    sh -c '[ "$(grep -vc "^#" "$0")" -eq 8 ] && ! awk "!/^#/ && \$1 != 11" "$0" | grep -q .' "$OUT/m"

# ---- directional flow (analyze_concept_flow, threshold 0.1) ----
flow() {   # NAME CHECKPOINT WORD OUT IN ASYM NOUT NIN "out: word w ..." "in: word w ..."
    q "$2" flow "$3" > "$OUT/w"
    h=$(head -n 1 "$OUT/w")
    o=$(echo "$h" | sed -n 's/.*outgoing \([^ ]*\) over \([0-9]*\), incoming \([^ ]*\) over \([0-9]*\), asymmetry \(.*\)$/\1 \2 \3 \4 \5/p')
    set -- "$@" $o
    ok=true
    near "${11:-}" "$4" && [ "${12:-}" = "$7" ] && near "${13:-}" "$5" && [ "${14:-}" = "$8" ] && near "${15:-}" "$6" || ok=false
    check "$1: flow $3: totals and asymmetry" $ok
    section "$OUT/w" "# outgoing" | head -n "$(echo "$9" | wc -w | awk '{ print $1 / 2 }')" > "$OUT/w1"
    section "$OUT/w" "# incoming" | head -n "$(echo "${10}" | wc -w | awk '{ print $1 / 2 }')" > "$OUT/w2"
    check "$1: flow $3: outgoing" rows "$OUT/w1" "$9"
    check "$1: flow $3: incoming" rows "$OUT/w2" "${10}"
}
flow conv "$C" garden 5.141745885436439 4.697518596046148 0.045148424480948045 19 17 \
    "me 0.6180905384259932 you 0.3474036942334704 matters 0.3474036942334704 under 0.3324024005600062
     tomato 0.31532097182899754" \
    "carol 0.6253285953319844 myself 0.4664962203084838 eat 0.43687106706364903 tomato 0.43288461497871417
     summer 0.38255542627595596"
flow conv40 "$C40" garden 3.1816170445401064 3.4760160614254767 0.04421977183176008 12 13 \
    "me 0.6180905384259932 old 0.3324024005600062 tomato 0.31532097182899754 you 0.2994441889541349
     part 0.27967238145415" \
    "carol 0.5127101024392301 myself 0.4664962203084838 tomato 0.43288461497871417 alice 0.29399925059182286
     bob 0.2909974549468415"
flow trump "$T" people 1.2582375456828683 1.6838245977860062 0.14465603761902335 8 8 \
    "lived 0.2642284142125861 side 0.22469594464504153 fights 0.16197324648792735 horror 0.13961264152317884
     can't 0.1319794910486047" \
    "trump 0.570349485260455 really 0.31648770677624427 beautiful 0.22289837708788118 it's 0.12873842789932902
     you 0.11295836203567172"
q "$C" flow garden > "$OUT/w"
section "$OUT/w" "# neighbours" > "$OUT/w3"
# garden -> me 0.6180905384259932 and no me -> garden: ratio = w / 0.001
check "conv: flow garden: asymmetry ratio out/max(in, 0.001)" \
    sh -c 'r=$(awk "\$NF == \"me\" { print \$3 }" "$0"); awk -v r="$r" "BEGIN { exit !(r != \"\" && (r - 618.0905384259932) ^ 2 < 1e-16) }"' \
    "$OUT/w3"

# ---- --json: every query writes one JSON document with the same numbers ----
json_ok=true
for args in "associations garden" "associations garden tomato" "fellows garden" "strongest" "strongest garden" \
            "self-concept" "stats" "average garden tomato" "speakers" "evolution garden" "emergence" "flow garden"; do
    # shellcheck disable=SC2086
    q "$C" $args --json > "$OUT/j.json" && $PY -c 'import json, sys; json.load(open(sys.argv[1]))' "$OUT/j.json" ||
        { json_ok=false; echo "     --json $args"; }
done
check "--json: every query gives valid JSON" $json_ok
q "$C" associations garden tomato --json > "$OUT/j.json"
check "--json: context values" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
a = d["associations"]
sys.exit(not (d["query"] == "query_context" and d["total_activated"] == 99 and d["spreading_iterations"] == 3
              and a[0]["word"] == "plants" and abs(a[0]["activation"] - 0.9996017887797292) < 1e-15 and len(a) == 10))' \
    "$OUT/j.json"
q "$C" stats --json > "$OUT/j.json"
check "--json: network_statistics in the reference's layout" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(not (list(d) == ["query", "neuron_stats", "connection_stats", "speaker_stats", "conversation_length"]
              and d["neuron_stats"]["total_neurons"] == 101 and d["connection_stats"]["strong_connections"] == 603
              and d["speaker_stats"]["Bob"] == {"blocks_processed": 4, "timeline_length": 4}))' "$OUT/j.json"

# ---- huey export --format reference-json: <name>_complete_data.json ----
if "$HUEY" export "$C" --format reference-json -o "$OUT/ref.json" 2>"$OUT/err"; then
    pass "export --format reference-json"
else
    fail "export --format reference-json"; cat "$OUT/err"
fi
check "reference-json: layout and values" $PY -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
close = lambda a, b: abs(a - b) <= 1e-9 * max(abs(a), abs(b))
bad = []
def want(name, ok):
    if not ok: bad.append(name)
want("top keys", list(d) == ["session_metadata", "network_state", "temporal_snapshots", "query_results"])
m = d["session_metadata"]
want("metadata keys", list(m) == ["session_name", "created_at", "parameters", "conversation_sessions",
                                  "query_history", "analysis_snapshots", "speakers"])
want("session name", re.fullmatch(r"huey_session_\d{8}_\d{6}", m["session_name"]) is not None)
want("created_at", re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?", m["created_at"]) is not None)
want("parameters", m["parameters"] == {"max_neurons": 500, "window_size": 10, "learning_rate": 0.15})
s = m["conversation_sessions"][0]
want("session keys", list(s) == ["timestamp", "conversation_data", "pre_snapshot", "post_snapshot", "analysis"])
want("conversation_data", len(s["conversation_data"]) == 12 and s["conversation_data"][1][0] == "Bob")
a = s["analysis"]
want("analysis stats", a["network_statistics"]["connection_stats"]["total_connections"] == 792)
want("analysis emergence", a["concept_emergence"]["total_emergences"] == 101)
top = [["plants", 274.08960096791844], ["tomato", 263.34334168362216], ["me", 233.17455299649603]]
want("top_concepts", len(a["top_concepts"]) == 20 and all(x[0] == y[0] and close(x[1], y[1]) for x, y in zip(a["top_concepts"], top)))
n = d["network_state"]
want("neurons", len(n["neurons"]) == 101 and n["neurons"][0] == ["alice", 0, 0.9998680504552486]
     and n["neurons"][2] == ["needs", 0, 0.5514441673900189])
want("connections", len(n["connections"]) == 792 and len(n["inertial_mass"]) == 792
     and all(re.fullmatch(r"\(\d+, \d+\)", k) for k in n["connections"]))
want("connection (0, 8)", close(n["connections"]["(0, 8)"], 0.39593490810866794)
     and close(n["inertial_mass"]["(0, 8)"], 7.782576161259012))
al = n["speakers"]["Alice"]
want("speaker", al["self_pronouns"] == ["i", "me", "my", "myself"] and al["blocks_processed"] == 4)
want("timeline", all(close(x["self_concept_mass"], y) or x["self_concept_mass"] == y == 0.0 for x, y in
     zip(al["self_concept_timeline"], [0.0, 163.87208178378404, 73.48851998373141, 96.00089371068603])))
h = n["conversation_history"]
want("history", len(h) == 12 and h[1]["speaker"] == "Bob" and h[1]["tokens"][:4] == ["you", "always", "worry", "garden"]
     and close(h[1]["self_concept_mass"], 6.961270159390879))
t = d["temporal_snapshots"]
want("snapshots", [x["snapshot_id"] for x in t] == ["pre_conversation", "post_conversation"]
     and t[0]["neuron_count"] == 0 and t[0]["total_mass"] == 0 and t[1]["neuron_count"] == 101
     and close(t[1]["total_mass"], 3117.7884436641966) and len(t[1]["connections"]) == 792)
want("snapshot speaker", close(t[1]["speaker_analyses"]["Carol"]["self_concept_neurons"]["me"]["mass"], 99.42793065098854))
want("query_results", d["query_results"] == [])
if bad: print("     differs:", ", ".join(bad))
sys.exit(bool(bad))' "$OUT/ref.json"

# ---- huey report ----
"$HUEY" report "$C" > "$OUT/r.md" 2>"$OUT/err"
check "report: network statistics" sh -c 'grep -qx -- "- \*\*Total Mass\*\*: 3117.788" "$0" &&
    grep -qx -- "- \*\*Active Neurons\*\*: 101/101" "$0" &&
    grep -qx -- "- \*\*Connections\*\*: 792 total, 603 strong" "$0" &&
    grep -qx -- "- \*\*Average Connection Strength\*\*: 0.216" "$0"' "$OUT/r.md"
check "report: speakers' self-concept mass" sh -c '
    awk "/^### Alice/ { getline; print }" "$0" | grep -qx -- "- \*\*Self-concept Mass\*\*: 103.394" &&
    awk "/^### Carol/ { getline; print }" "$0" | grep -qx -- "- \*\*Self-concept Mass\*\*: 108.008"' "$OUT/r.md"
check "report: top concept and strongest association" sh -c 'grep -qx "| 1 | plants | 274.090 |" "$0" &&
    grep -qx "| 1 | stone | wall | 0.979 | 8.790 |" "$0"' "$OUT/r.md"
check "report: every section" sh -c 'for h in "# Huey Analysis Report: huey_session_" "## Session Overview" "## Input" \
    "## Network Statistics" "## Top Concepts" "## Strongest Associations" "## Speaker Self-Concept Analysis" \
    "## System Self-Concept" "## Temporal Evolution"; do grep -q "^$h" "$0" || exit 1; done' "$OUT/r.md"

# ---- a checkpoint without the whole history; one taken inside an utterance ----
learn "$OUT/conv.txt" --history-tokens 50 --checkpoint "$OUT/short.h5"
for args in "evolution garden" "emergence" "fellows garden --speaker Bob"; do
    # shellcheck disable=SC2086
    q "$OUT/short.h5" $args > /dev/null
    rc=$?
    check "history cut by --history-tokens 50: $args says so (exit 1)" \
        sh -c '[ "$0" -eq 1 ] && grep -q "needs the tokens of every utterance" "$1"' "$rc" "$OUT/err"
done
q "$OUT/short.h5" associations garden > "$OUT/a"
check "history cut: associations still answer" rows "$OUT/a" "plants 0.9995835577330557 near 0.9982545830257274
    water 0.9971317752776832 tomato 0.9956617717492152 me 0.9933667303980657 soil 0.9876234808413981
    wall 0.9862323661502137 young 0.9689814542024106 you 0.9649506858934065 myself 0.9412667272003944"
"$HUEY" export "$OUT/short.h5" --format reference-json -o "$OUT/short.json" 2>"$OUT/err"
check "history cut: reference-json gives null texts and an emergence error" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
h = d["network_state"]["conversation_history"]
e = d["session_metadata"]["conversation_sessions"][0]["analysis"]["concept_emergence"]
sys.exit(not (h[0]["tokens"] is not None and h[-1]["tokens"] is None and h[-1]["text"] is None and "error" in e))' \
    "$OUT/short.json"
# stopped inside an utterance: its tokens are in the history, not yet an utterance
learn "$OUT/conv.txt" --max-windows 40 --checkpoint "$OUT/mid.h5"
"$HUEY" info "$OUT/mid.h5" > "$OUT/mid.info"
n=$(sed -n 's/.*learnt from: \([0-9]*\) utterances.*/\1/p' "$OUT/mid.info")
q "$OUT/mid.h5" evolution garden | awk '!/^#/ { print $1 }' > "$OUT/e1"
q "$C" evolution garden | awk -v n="$n" '!/^#/ && $1 < n { print $1 }' > "$OUT/e2"
check "inside an utterance: evolution covers the ${n:-?} finished utterances" \
    sh -c '[ -n "$2" ] && grep -q "inside an utterance" "$3" && [ -s "$0" ] && cmp -s "$0" "$1"' "$OUT/e1" "$OUT/e2" "$n" "$OUT/mid.info"

# ---- errors ----
err() {   # NAME WANT_RC [MESSAGE] -- ARGS...
    name=$1; want=$2; msg=$3; shift 4
    "$HUEY" "$@" > /dev/null 2>"$OUT/err"
    rc=$?
    if [ "$rc" -eq "$want" ] && { [ -z "$msg" ] || grep -q -- "$msg" "$OUT/err"; }; then
        pass "$name: exit $rc"
    else
        fail "$name: exit $rc, want $want"; sed 's/^/     /' "$OUT/err"
    fi
}
err "unknown word" 1 "word 'xyzzy' is not in the network" -- query "$C" associations garden xyzzy
err "unknown word (fellows)" 1 "word 'xyzzy' is not in the network" -- query "$C" fellows xyzzy
err "unknown word (average)" 1 "word 'xyzzy' is not in the network" -- query "$C" average garden xyzzy
err "unknown word (evolution)" 1 "word 'xyzzy' is not in the network" -- query "$C" evolution xyzzy
err "unknown speaker" 1 "speaker 'Dave' is not in the network" -- query "$C" self-concept --speaker Dave
err "missing checkpoint" 1 "No such file" -- query "$OUT/missing.h5" stats
err "missing checkpoint (report)" 1 "No such file" -- report "$OUT/missing.h5"
err "not a checkpoint" 1 "" -- query "$OUT/conv.txt" stats
err "unknown query" 2 "unknown query 'nonsense'" -- query "$C" nonsense
err "no query" 2 "usage: huey query" -- query "$C"
err "unknown option" 2 "unknown option '--bogus'" -- query "$C" stats --bogus 1
err "option of another query" 2 "does not take that option" -- query "$C" stats --top 3
err "bad --steps" 2 "option --steps" -- query "$C" associations garden --steps 0
err "bad --threshold" 2 "option --threshold" -- query "$C" fellows garden --threshold abc
err "missing option value" 2 "needs a value" -- query "$C" associations garden --top
err "average of one word" 2 "at least 2 words" -- query "$C" average garden
err "two words for fellows" 2 "takes 1 word" -- query "$C" fellows garden tomato
err "no word for associations" 2 "at least 1 word" -- query "$C" associations
err "export: unknown format" 2 "expected json, csv or reference-json" -- export "$C" --format yaml
err "report: unknown option" 2 "unknown option" -- report "$C" --top 3
err "galileo: --out under a file" 2 "option --out $OUT/conv.txt/s: $OUT/conv.txt is not a directory" \
    -- galileo "$C" --method torgerson --out "$OUT/conv.txt/s"
err "clusters: --out under a file" 2 "option --out $OUT/conv.txt/c: $OUT/conv.txt is not a directory" \
    -- clusters "$C" --out "$OUT/conv.txt/c"
learn "$OUT/conv.txt" --no-conversation-mode --checkpoint "$OUT/plain.h5"
err "speakers with one speaker" 1 "compares speakers" -- query "$OUT/plain.h5" speakers

finish offline
