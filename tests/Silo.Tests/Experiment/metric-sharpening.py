"""Why BC/JS against a few votes reward over-confident predictions (docs/experiment.md, "Why").

Reads the synthetic generator's truth file (latent distribution pi per utterance and the evaluators' votes), forms the
vote-based soft label y = votes / sum(votes), and scores the predictor pi^t / sum(pi^t) against y for several t.
t = 1 is the true distribution the votes were drawn from; t > 1 is sharper. Tertiles as in the spec (normalized
entropy of y, ties by row order, which here is id order). Usage:
    /usr/bin/python3 metric-sharpening.py <out>/synthetic/IEMOCAP_full_release/synthetic_truth.csv
"""
import csv
import sys

import numpy as np

CLASSES = ["neutral", "happy", "angry", "sad"]


def bhattacharyya(p, q):
    return np.sqrt(p * q).sum(1)


def jensen_shannon_bits(p, q):
    m = (p + q) / 2

    def kl(a):
        safe = np.where(a > 0, a, 1)
        return np.where(a > 0, a * np.log2(safe / (m + 1e-10)), 0).sum(1)

    return 0.5 * (kl(p) + kl(q))


def main(path):
    rows = sorted(csv.DictReader(open(path, newline="")), key=lambda r: r["id"])
    pi = np.array([[float(r["pi_" + c]) for c in CLASSES] for r in rows])
    votes = np.array([[float(r["votes_" + c]) for c in CLASSES] for r in rows])
    keep = votes.sum(1) > 0
    pi, votes = pi[keep], votes[keep]
    y = votes / votes.sum(1, keepdims=True)
    logs = np.where(y > 0, y * np.log(np.where(y > 0, y, 1)), 0)
    k = (y > 0).sum(1)
    entropy = np.where(k > 1, -logs.sum(1) / np.log(np.maximum(k, 2)), 0)
    order = np.lexsort((np.arange(len(entropy)), np.round(entropy, 12)))
    level = np.empty(len(entropy), int)
    n = len(entropy)
    for rank, i in enumerate(order):
        level[i] = 0 if rank < n / 3 else (1 if rank < 2 * n / 3 else 2)
    print(f"utterances {n}, votes per utterance {votes.sum(1).mean():.2f}")
    print("predictor   BC all   low     medium  high   | JS all   low     medium  high")
    for t in [0.5, 1.0, 1.5, 2.0, 3.0]:
        p = pi ** t
        p /= p.sum(1, keepdims=True)
        b, j = bhattacharyya(p, y), jensen_shannon_bits(p, y)
        cells = [b.mean()] + [b[level == l].mean() for l in range(3)] + [j.mean()] + [j[level == l].mean() for l in range(3)]
        print(f"pi^{t:<4}     " + "  ".join(f"{v:.4f}" for v in cells[:4]) + "  | " + "  ".join(f"{v:.4f}" for v in cells[4:]))


if __name__ == "__main__":
    main(sys.argv[1])
