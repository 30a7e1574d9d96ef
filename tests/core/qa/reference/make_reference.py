#!/usr/bin/python3
"""Reference values for the QA statistics tests (tests/core/qa/QaStatisticsTest.cpp).

Computes Cohen's kappa (unweighted, linear, quadratic) with scikit-learn's
cohen_kappa_score for fixed datasets, and Bland-Altman limits and intraclass correlations
with plain numpy, and writes them to kappa_reference.json beside this script. The C++ tests
read the JSON; CI does not run Python.

    apt-get install -y python3-sklearn
    /usr/bin/python3 tests/core/qa/reference/make_reference.py

Datasets are given as confusion tables (rows: rater A, columns: rater B) and expanded to
pairs, so the C++ test can rebuild exactly the same pairs.
"""
import json
import math
import os

import numpy as np
import sklearn
from sklearn.metrics import cohen_kappa_score

DATASETS = {
    # Fleiss, Levin & Paik, Statistical Methods for Rates and Proportions (3rd ed., 2003),
    # Table 18.1: two psychiatrists, 100 subjects, psychotic / neurotic / organic.
    # Published kappa 0.676 (po 0.89, pe 0.66).
    "fleiss_psychiatric": [[75, 1, 4], [5, 4, 1], [0, 0, 10]],
    # The 2x2 worked example of the Wikipedia article "Cohen's kappa": 50 grant proposals,
    # yes/yes 20, yes/no 5, no/yes 10, no/no 15. Published kappa 0.4 (po 0.7, pe 0.5).
    "wikipedia_grants": [[20, 5], [10, 15]],
    # HER2 IHC 0 / 1+ / 2+ / 3+, automatic (rows) vs manual (columns): realistic agreement.
    "her2_typical": [[18, 4, 1, 0], [3, 15, 3, 0], [0, 2, 12, 2], [0, 0, 1, 14]],
    # HER2 with a category (2+) nobody used and errors two steps apart.
    "her2_gaps": [[5, 0, 0, 2], [1, 4, 0, 0], [0, 0, 0, 0], [0, 3, 0, 6]],
    # Worse than chance: systematic swap of neighbours.
    "her2_swapped": [[1, 6, 0, 0], [5, 1, 0, 0], [0, 0, 0, 4], [0, 0, 3, 1]],
    # Both raters put every slide in 3+: kappa is 0/0, scikit-learn answers nan (JSON null).
    "her2_all_three": [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 9]],
}

# Bland & Altman, Lancet 1986;i:307-310, Table 1: peak expiratory flow rate (l/min), first
# reading with the Wright meter and with the mini Wright meter, 17 subjects. Published: mean
# difference -2.1, SD 38.8, limits -79.7 and 75.5.
PEFR_WRIGHT = [494, 395, 516, 434, 476, 557, 413, 442, 650, 433, 417, 656, 267, 478, 178, 423, 427]
PEFR_MINI = [512, 430, 520, 428, 500, 600, 364, 380, 658, 445, 432, 626, 260, 477, 259, 350, 451]

# Shrout & Fleiss, Psychological Bulletin 1979;86:420-428, Table 2: 6 targets x 4 judges.
# Published: ICC(1,1) 0.17, ICC(2,1) 0.29, ICC(3,1) 0.71.
SHROUT_FLEISS = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]


def pairs(table):
    a, b = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [i] * count
            b += [j] * count
    return a, b


def finite(x):
    return None if x is None or math.isnan(x) else float(x)


def kappa_se(table):
    """Fleiss, Cohen & Everitt (1969) large-sample SE of unweighted kappa."""
    p = np.asarray(table, dtype=float)
    p /= p.sum()
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    po, pe = np.trace(p), float(rows @ cols)
    k = (po - pe) / (1 - pe)
    a = sum(p[i, i] * (1 - (rows[i] + cols[i]) * (1 - k)) ** 2 for i in range(len(p)))
    b = (1 - k) ** 2 * sum(p[i, j] * (cols[i] + rows[j]) ** 2
                           for i in range(len(p)) for j in range(len(p)) if i != j)
    c = (k - pe * (1 - k)) ** 2
    n = np.asarray(table).sum()
    return math.sqrt((a + b - c) / (n * (1 - pe) ** 2))


def icc(x):
    """Shrout-Fleiss ICC(2,1) and ICC(3,1) from the two-way ANOVA mean squares."""
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_err = ((x - grand) ** 2).sum() - ss_rows - ss_cols
    msr, msc, mse = ss_rows / (n - 1), ss_cols / (k - 1), ss_err / ((n - 1) * (k - 1))
    icc21 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    icc31 = (msr - mse) / (msr + (k - 1) * mse)
    return icc21, icc31


def main():
    out = {"generator": "scikit-learn " + sklearn.__version__ + ", numpy " + np.__version__,
           "kappa": {}, "bland_altman": {}, "icc": {}}
    for name, table in DATASETS.items():
        a, b = pairs(table)
        labels = list(range(len(table)))
        out["kappa"][name] = {
            "table": table,
            "agreement": float(np.mean(np.asarray(a) == np.asarray(b))),
            "kappa": finite(cohen_kappa_score(a, b, labels=labels)),
            "linear": finite(cohen_kappa_score(a, b, labels=labels, weights="linear")),
            "quadratic": finite(cohen_kappa_score(a, b, labels=labels, weights="quadratic")),
            "se": kappa_se(table) if a != b or len(set(a)) > 1 else None,
        }
    d = np.asarray(PEFR_WRIGHT, dtype=float) - np.asarray(PEFR_MINI, dtype=float)
    bias, sd = float(d.mean()), float(d.std(ddof=1))
    out["bland_altman"]["pefr_1986"] = {"a": PEFR_WRIGHT, "b": PEFR_MINI, "bias": bias, "sd": sd,
                                        "lower": bias - 1.96 * sd, "upper": bias + 1.96 * sd,
                                        "icc_a1": icc(np.column_stack([PEFR_WRIGHT, PEFR_MINI]))[0]}
    icc21, icc31 = icc(SHROUT_FLEISS)
    out["icc"]["shrout_fleiss_1979"] = {"ratings": SHROUT_FLEISS, "icc21": icc21, "icc31": icc31}
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "kappa_reference.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
