#!/usr/bin/python3
"""Scores the cross-check slides with her2scope and compares them with their truth.

evaluate.py HER2SCOPE SLIDE_DIR OUT_DIR [CASE ...]

Prints one row per slide: intended and measured score, the truth's and her2scope's
percentages, nucleus detection (one-to-one within 4 µm), and the exclusion of tumour and
non-tumour cells. Exits 1 when a slide is not scored as intended.
"""
import csv
import json
import os
import subprocess
import sys

import numpy as np
from scipy.spatial import cKDTree

MATCH_UM = 4.0
# truth class -> her2scope's per-cell class it corresponds to
TRUTH_PCT = [("strong", "3+"), ("weakmod", "2+"), ("faint", "1+"), ("negative", "0")]


def greedy_match(truth, found, radius):
    """Pairs (truth index, found index), nearest first, each point used once."""
    sdm = cKDTree(truth).sparse_distance_matrix(cKDTree(found), radius, output_type="ndarray")
    used_t = np.zeros(len(truth), bool)
    used_f = np.zeros(len(found), bool)
    pairs = []
    for k in np.argsort(sdm["v"], kind="stable"):
        i, j = sdm["i"][k], sdm["j"][k]
        if used_t[i] or used_f[j]:
            continue
        used_t[i] = used_f[j] = True
        pairs.append((i, j))
    return pairs


def evaluate(binary, slides, out, name):
    truth = json.load(open(f"{slides}/{name}.truth.json"))
    p = subprocess.run([binary, "score", f"{slides}/{name}.tif", "--rule", "breast", "-o", out, "--json"],
                       capture_output=True, text=True)
    row = {"name": name, "intended": truth["intended_score"], "rc": p.returncode}
    if p.returncode != 0:
        row["error"] = p.stderr.strip()
        return row
    report = json.loads(p.stdout)
    row["score"] = report["score"]
    row["pct"] = report["percent"]
    row["truth_pct"] = truth["intended_pct"]
    cells = list(csv.DictReader(open(f"{out}/{name}.cells.csv")))
    found = np.array([[float(c["nucleus_x"]), float(c["nucleus_y"])] for c in cells])
    tcells = [c for c in truth["cells"] if c["nucleus_visible_frac"] > 0.25]
    tpos = np.array([[c["x"], c["y"]] for c in tcells])
    pairs = greedy_match(tpos, found, MATCH_UM / truth["mpp"])
    row["precision"] = len(pairs) / max(1, len(found))
    row["recall"] = len(pairs) / max(1, len(tpos))
    excluded = {"tumour": [0, 0], "non-tumour": [0, 0]}
    for i, j in pairs:
        kind = "tumour" if tcells[i]["cls"].startswith("tumour") else "non-tumour"
        excluded[kind][0] += cells[j]["excluded"] != ""
        excluded[kind][1] += 1
    row["excluded"] = {k: (e / n if n else None) for k, (e, n) in excluded.items()}
    return row


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    binary, slides, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    names = sys.argv[4:] or sorted(f[: -len(".truth.json")] for f in os.listdir(slides) if f.endswith(".truth.json"))
    print(f"{'slide':26s} {'intended':12s} {'measured':8s} {'truth 3+/2+/1+/0 %':22s} {'measured 3+/2+/1+/0 %':22s}"
          f" {'prec':>5s} {'recall':>6s} {'tum excl':>8s} {'non-t excl':>10s}")
    wrong = 0
    for name in names:
        r = evaluate(binary, slides, out, name)
        if r["rc"] != 0:
            print(f"{name:26s} {r['intended']:12s} error: {r['error']}")
            wrong += 1
            continue
        tp = "/".join(f"{r['truth_pct'][k]:.0f}" for k, _ in TRUTH_PCT)
        mp = "/".join(f"{r['pct'][v]:.0f}" for _, v in TRUTH_PCT)
        ok = r["intended"].split()[0] == r["score"]
        wrong += not ok
        ex = r["excluded"]
        fmt = lambda v: "-" if v is None else f"{100 * v:.1f}%"
        print(f"{name:26s} {r['intended']:12s} {r['score']:8s} {tp:22s} {mp:22s} {r['precision']:5.3f} "
              f"{r['recall']:6.3f} {fmt(ex['tumour']):>8s} {fmt(ex['non-tumour']):>10s}{'' if ok else '  <-- WRONG'}")
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
