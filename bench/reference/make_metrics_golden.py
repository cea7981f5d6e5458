"""Writes tests/Training.Tests/Golden/metrics-golden.json: predictions, references, ids and hard labels, with every
metric computed by scikit-learn / scipy / numpy overall and per ambiguity tertile (SPEC-AMBER.md definitions).

Run with Debian's interpreter: /usr/bin/python3 bench/reference/make_metrics_golden.py
"""
import json
import os

import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy
from sklearn.metrics import accuracy_score, f1_score, r2_score

C = 4
EPS = 1e-10


def metrics(p, y, hard):
    n = len(p)
    if n == 0:
        return None
    pa, ya = p.argmax(1), y.argmax(1)
    conf = p.max(1)
    correct = (pa == ya).astype(np.float64)
    edges = np.linspace(0.0, 1.0, 11)
    bins = np.digitize(conf, edges[1:-1], right=True)  # bin i holds edges[i] < conf <= edges[i+1]
    ece = sum(abs(np.sum(correct[bins == b] - conf[bins == b])) for b in range(10)) / n
    r2s = []
    for i in range(n):
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.corrcoef(p[i], y[i])[0, 1]
        r2s.append(0.0 if np.isnan(r) else r * r)
    return {
        "count": n,
        "bc": float(np.mean(np.sum(np.sqrt(p * y), 1))),
        "js": float(np.mean([jensenshannon(p[i], y[i], base=2) ** 2 for i in range(n)])),
        "kl": float(np.mean(np.sum(y * (np.log(y + EPS) - np.log(p + EPS)), 1))),
        "r2": float(r2_score(y, p, multioutput="uniform_average")),
        "r2_sample": float(np.mean(r2s)),
        "accuracy": float(accuracy_score(ya, pa)),
        "f1_macro": float(f1_score(ya, pa, labels=list(range(C)), average="macro", zero_division=0)),
        "f1_weighted": float(f1_score(ya, pa, labels=list(range(C)), average="weighted", zero_division=0)),
        "ece": float(ece),
        "reference_ties": int(sum(np.sum(y[i] == y[i].max()) > 1 for i in range(n))),
        "hard_accuracy": float(np.mean(hard == pa)),
    }


def main():
    rng = np.random.default_rng(2026)
    n = 47
    # Votes of 3–5 raters over classes 0..2 only: class 3 never appears in the references; many rows tie in entropy.
    votes = np.zeros((n, C))
    for i in range(n):
        for _ in range(rng.integers(3, 6)):
            votes[i, rng.integers(0, 3)] += 1
    y = (votes / votes.sum(1, keepdims=True)).astype(np.float32)
    logits = rng.standard_normal((n, C)) * 1.5
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    p = p.astype(np.float32)
    hard = rng.integers(0, C, n)
    ids = [f"Ses{rng.integers(1, 6):02d}_{rng.choice(['F', 'M'])}{rng.integers(0, 1000):03d}_{i}" for i in range(n)]
    p64, y64 = p.astype(np.float64), y.astype(np.float64)

    k = (y64 > 0).sum(1)
    h = np.array([entropy(y64[i][y64[i] > 0]) / np.log(k[i]) if k[i] > 1 else 0.0 for i in range(n)])
    h = np.round(h, 12)
    order = np.lexsort((np.array(ids), h))
    levels = np.empty(n, dtype=int)
    for rank, i in enumerate(order):
        levels[i] = 0 if rank < n / 3 else (1 if rank < 2 * n / 3 else 2)

    out = {
        "classes": C,
        "predicted": p.flatten().tolist(),
        "reference": y.flatten().tolist(),
        "hard": hard.tolist(),
        "ids": ids,
        "levels": levels.tolist(),
        "overall": metrics(p64, y64, hard),
        "low": metrics(p64[levels == 0], y64[levels == 0], hard[levels == 0]),
        "medium": metrics(p64[levels == 1], y64[levels == 1], hard[levels == 1]),
        "high": metrics(p64[levels == 2], y64[levels == 2], hard[levels == 2]),
    }
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "Training.Tests", "Golden", "metrics-golden.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {os.path.normpath(path)}: overall {out['overall']}")


if __name__ == "__main__":
    main()
