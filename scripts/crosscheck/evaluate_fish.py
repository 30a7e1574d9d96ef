#!/usr/bin/python3
"""Scores the FISH cross-check fields with her2scope and compares them with their truth.

evaluate_fish.py HER2SCOPE FIELD_DIR OUT_DIR [CASE ...]

FIELD_DIR holds one folder per case (DAPI.tif, HER2.tif, CEP17.tif, truth.json), as
render_fish.py writes them. Prints one row per field: the intended ISH group, the true means
over the scorable nuclei, and her2scope's group and means. Exits 1 when a group is wrong.
"""
import json
import os
import subprocess
import sys


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    binary, fields, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    names = sys.argv[4:] or sorted(d for d in os.listdir(fields) if os.path.isfile(f"{fields}/{d}/truth.json"))
    print(f"{'field':16s} {'intended':>8s} {'true HER2/CEP17=ratio':>22s} {'group':>5s} {'measured HER2/CEP17=ratio':>26s}"
          f" {'counted':>7s} {'clustered':>9s}")
    wrong = 0
    for name in names:
        d = f"{fields}/{name}"
        t = json.load(open(f"{d}/truth.json"))["summary"]
        p = subprocess.run([binary, "score", "--channels", f"{d}/DAPI.tif,{d}/HER2.tif,{d}/CEP17.tif", "--assay",
                            "fish", "--rule", "breast", "-o", f"{out}/{name}", "--json"],
                           capture_output=True, text=True)
        truth = f"{t['mean_her2_scorable']:.2f}/{t['mean_cep17_scorable']:.2f}={t['ratio_scorable']:.2f}"
        if p.returncode != 0:
            print(f"{name:16s} {t['intended_group']:>8d} {truth:>22s} error: {p.stderr.strip()}")
            wrong += 1
            continue
        r = json.loads(p.stdout)
        ok = r.get("group") == t["intended_group"]
        wrong += not ok
        got = f"{r['mean_her2']:.2f}/{r['mean_cep17']:.2f}={r['ratio']:.2f}"
        print(f"{name:16s} {t['intended_group']:>8d} {truth:>22s} {r.get('group')!s:>5s} {got:>26s} "
              f"{r.get('nuclei_counted')!s:>7s} {r.get('clustered_nuclei')!s:>9s}{'' if ok else '  <-- WRONG'}")
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
