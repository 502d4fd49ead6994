#!/usr/bin/python3
"""galileo_reference.py -- the torgerson Galileo space by the reference's
rule (huey-model.md 12.2: the Streamlit page's create_3d_concept_plot,
eliacobucci/comscij commit ad6bedb, asa/huey_plusplus_web_interface.py),
written out here independently of huey's C code, so that tests/galileo.sh
can hold huey's `huey galileo --method torgerson` against it.

  galileo_reference.py EXPORT.json [--concepts 50] [--min-mass 0]
                       [--profile reference|fixed] [--masses fsum|ranking]
                       > EXPECTED.json

EXPORT.json is `huey export FILE.h5` (vocabulary, inertial_mass, speakers
with their self-concept mass); the output is {"web_torgerson_galileo": {...}}
in the layout of the expected outputs, for build/json-compare. A summary
line on stderr says which speaker entries were placed and which ids are
listed twice.

The rule, as the reference's code path runs it:
  1. Plain-text mode: exactly one speaker, whose name lower-cased is "text".
  2. Unless plain-text mode, for each speaker (in the `speakers` order)
     whose self-concept mass (analyze_speaker_self_concept) is > 0 and
     whose name lower-cased is a living word: an entry named
     "Speaker_<name>" with that mass and that word's neuron id. min_mass
     does not apply to it.
  3. Then every living neuron (neuron_to_word order) whose word lower-cased
     is not an artifact -- {speaker_speaker_a..f, re, e, g, 4, lines}, or in
     plain-text mode {speaker_text, re, e, g, 4, lines} -- and whose concept
     mass (sum of the inertial masses of the connections touching it) is
     >= min_mass: an entry with its word, that mass and its id.
  4. Stable sort by mass descending; keep the first num_concepts. Fewer
     than 3: no plot. No selected mass > 0: no plot either (the page's
     marker sizes divide by the largest mass).
  5. S_ab = m(id_a -> id_b) + m(id_b -> id_a) for a != b (a missing
     connection counts 0; an id listed twice gives two identical rows and
     S = 0 between its copies), S_aa = 0; M = max S (1 if not > 0);
     D = M - S elementwise, so D_aa = M; B = -1/2 H D^2 H, H = I - 11'/n.
  6. eigh(B), eigenvalues sorted descending; the top three: position
     column k = 3 v_k sqrt|l_k| (|l_k| <= 1e-8: 3 v_k 1e-4); metric
     signature: counts of l_k > 1e-8, < -1e-8 and the rest; warp factor
     sum(l > 1e-10) / (sum(l > 1e-10) + sum(l < -1e-10)) (inf when that
     sum is within 1e-8 of 0; 1 without l > 1e-10).
--profile fixed (huey's, not the reference's) drops step 2 and sets D_aa = 0.

What the export cannot give and how this script stands in for it:
  * neuron_to_word order: the export lists the vocabulary by id, which is
    that order unless zombies were resurrected (they come back at the end
    with their old ids); such a network is refused.
  * the order in which the reference sums a neuron's masses (connection
    creation order): the sums here are exact (math.fsum), so neurons whose
    connection masses are the same numbers tie exactly and keep their
    order. The reference's own sums can differ from each other by an ulp
    there; an expected output's `neuron_mass_ranking` holds them, and
    --masses ranking takes them from it (the script then reproduces every
    expected output of ../shared/data/expected from the network state it
    records).
  * the speakers' order: huey's (first utterance); the reference's is
    Python set order. It decides only between speaker entries of equal mass.
"""
import argparse
import json
import math
import sys

import numpy as np

ARTIFACTS = {"speaker_speaker_a", "speaker_speaker_b", "speaker_speaker_c", "speaker_speaker_d",
             "speaker_speaker_e", "speaker_speaker_f", "re", "e", "g", "4", "lines"}
PLAIN_ARTIFACTS = {"speaker_text", "re", "e", "g", "4", "lines"}


def collect(net, num_concepts, min_mass, fixed, ranking=False):
    """Steps 1-4: the selected (label, mass, id) entries."""
    if net["network"].get("zombies_resurrected", 0):
        sys.exit("galileo_reference.py: zombies were resurrected: the export's id order is not "
                 "neuron_to_word order")
    touching = {}
    for i, j, m in net["inertial_mass"]:
        touching.setdefault(i, []).append(m)
        if j != i:
            touching.setdefault(j, []).append(m)
    concept_mass = {i: math.fsum(m) for i, m in touching.items()}
    if ranking:
        concept_mass = {i: m for i, _, m in net["neuron_mass_ranking"]}
    speakers = net["speakers"]
    plain = len(speakers) == 1 and next(iter(speakers)).lower() == "text"
    word_id = {v["word"]: v["id"] for v in net["vocabulary"]}
    entries = []
    if not plain and not fixed:
        for name, sp in speakers.items():
            if sp["self_concept_mass"] > 0 and name.lower() in word_id:
                entries.append(("Speaker_" + name, sp["self_concept_mass"], word_id[name.lower()]))
    skip = PLAIN_ARTIFACTS if plain else ARTIFACTS
    for v in net["vocabulary"]:
        mass = concept_mass.get(v["id"], 0.0)
        if v["word"].lower() not in skip and mass >= min_mass:
            entries.append((v["word"], mass, v["id"]))
    entries.sort(key=lambda e: e[1], reverse=True)   # stable
    return entries[:num_concepts], plain


def space(net, num_concepts, min_mass, fixed, ranking):
    """Steps 5-6 on the entries of collect: the web_torgerson_galileo object."""
    entries, plain = collect(net, num_concepts, min_mass, fixed, ranking)
    out = {"num_concepts": num_concepts, "min_mass": float(min_mass)}
    if len(entries) < 3 or max(e[1] for e in entries) <= 0:
        out["error"] = "no plot"
        return out, entries, plain
    mass = {(i, j): m for i, j, m in net["inertial_mass"]}
    ids = [e[2] for e in entries]
    n = len(ids)
    S = np.zeros((n, n))
    for a in range(n):
        for b in range(n):
            if a != b:
                S[a, b] = mass.get((ids[a], ids[b]), 0.0) + mass.get((ids[b], ids[a]), 0.0)
    top = S.max() if S.max() > 0 else 1.0
    D = top - S
    if fixed:
        np.fill_diagonal(D, 0.0)
    H = np.eye(n) - np.ones((n, n)) / n
    B = -0.5 * H @ (D ** 2) @ H
    lam, vec = np.linalg.eigh(B)
    order = np.argsort(lam)[::-1]
    lam, vec = lam[order], vec[:, order]
    pos = np.zeros((n, 3))
    for k in range(3):
        scale = math.sqrt(abs(lam[k])) if abs(lam[k]) > 1e-8 else 1e-4
        pos[:, k] = vec[:, k] * scale * 3
    sel = lam[:3]
    npos, nneg = int(np.sum(sel > 1e-8)), int(np.sum(sel < -1e-8))
    plus, minus = lam[lam > 1e-10], lam[lam < -1e-10]
    if len(plus):
        total = plus.sum() + minus.sum()
        warp = float(plus.sum() / total) if abs(total) > 1e-8 else float("inf")
    else:
        warp = 1.0
    out.update({
        "concept_ids": ids,
        "concept_words": [e[0] for e in entries],
        "positions": pos.tolist(),
        "selected_eigenvalues": sel.tolist(),
        "metric_signature_top3": [npos, nneg, 3 - npos - nneg],
        "warp_factor": warp,
        "eigenvalues_desc": lam.tolist(),
        "eigen_summary": {
            "n": n, "n_positive": len(plus), "n_negative": len(minus), "n_zero": n - len(plus) - len(minus),
            "sum_positive": float(plus.sum()), "sum_negative": float(minus.sum()), "trace": float(lam.sum()),
            "warp_factor": warp},
        "matrix_size": n,
    })
    return out, entries, plain


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("export")
    ap.add_argument("--concepts", type=int, default=50)
    ap.add_argument("--min-mass", type=float, default=0.0)
    ap.add_argument("--profile", choices=("reference", "fixed"), default="reference")
    ap.add_argument("--masses", choices=("fsum", "ranking"), default="fsum")
    a = ap.parse_args()
    with open(a.export, encoding="utf-8") as f:
        net = json.load(f)
    out, entries, plain = space(net, a.concepts, a.min_mass, a.profile == "fixed", a.masses == "ranking")
    json.dump({"web_torgerson_galileo": out}, sys.stdout, indent=1)
    sys.stdout.write("\n")
    ids = [e[2] for e in entries]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    placed = ["%s %.6g%s" % (e[0], e[1], " (below --min-mass)" if e[1] < a.min_mass else "")
              for e in entries if e[0].startswith("Speaker_")]
    sys.stderr.write("%d concepts%s; speaker entries: %s; ids listed twice: %s\n" % (
        len(entries), " (plain-text mode)" if plain else "", ", ".join(placed) or "none",
        " ".join(map(str, twice)) or "none"))


if __name__ == "__main__":
    main()
