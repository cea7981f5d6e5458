#!/usr/bin/python3
"""Writes paired-golden.json: scipy's paired t-test, t interval and Wilcoxon signed-rank p for fixed cases.

Run with Debian's python3-scipy (1.10): /usr/bin/python3 tests/Storage.Tests/Statistics/paired_golden.py
"""
import json, os
import numpy as np
from scipy import stats

rng = np.random.default_rng(20261130)
cases = []

def case(name, a, b, method):
    a = np.asarray(a, dtype=float); b = np.asarray(b, dtype=float)
    d = a - b
    n = len(d)
    t = stats.ttest_rel(a, b)
    se = d.std(ddof=1) / np.sqrt(n)
    half = stats.t.ppf(0.975, n - 1) * se
    w = stats.wilcoxon(a, b, zero_method="wilcox", correction=False, alternative="two-sided", method=method)
    cases.append({"name": name, "a": a.tolist(), "b": b.tolist(), "mean": float(d.mean()),
                  "ci_low": float(d.mean() - half), "ci_high": float(d.mean() + half),
                  "p_t": float(t.pvalue), "p_wilcoxon": float(w.pvalue)})

# Folds × seeds as the summary pairs them: 5 folds, 1 and 3 seeds; no zero or tied differences → exact Wilcoxon.
a = rng.uniform(0.6, 0.8, 5); case("5 pairs, exact", a, a - rng.normal(0.02, 0.01, 5), "exact")
a = rng.uniform(0.6, 0.8, 15); case("15 pairs, exact", a, a - rng.normal(0.01, 0.02, 15), "exact")
a = rng.uniform(0.6, 0.8, 15); case("15 pairs, no effect", a, a + rng.normal(0.0, 0.02, 15), "exact")
a = rng.uniform(0.6, 0.8, 50); case("50 pairs, exact", a, a - rng.normal(0.003, 0.02, 50), "exact")
# Beyond 50 pairs: normal approximation.
a = rng.uniform(0.6, 0.8, 80); case("80 pairs, approximation", a, a - rng.normal(0.004, 0.02, 80), "approx")
# Zero and tied differences: normal approximation with the tie correction (zeros discarded).
a = np.round(rng.uniform(0.6, 0.8, 12), 2)
b = a - np.array([0.01, -0.01, 0.02, 0.0, 0.01, 0.03, 0.0, -0.02, 0.01, 0.02, 0.04, 0.01])
case("12 pairs, zeros and ties", a, b, "approx")

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "paired-golden.json")
with open(out, "w") as f:
    json.dump({"generator": "scipy " + __import__("scipy").__version__, "cases": cases}, f, indent=1)
print(out, len(cases))
