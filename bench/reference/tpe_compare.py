"""Aggregates `./bench.sh tpe`: per function the mean best value over the seeds for ours, Optuna's TPE and random search,
a win when ours is at least as good as Optuna's on average, and the latency ratio. Reads the tpe-* lines on stdin;
prints the table and the last line `tpe: wins=<k>/<n> vs_random=<k>/<n> p99_ms=<ours> optuna_p99_ms=<x> ratio=<ours/optuna>`."""
import statistics
import sys
from collections import defaultdict


def fields(line):
    return dict(part.split("=", 1) for part in line.split()[1:])


best = defaultdict(lambda: defaultdict(dict))
latency = {}
for line in sys.stdin:
    if line.startswith("tpe-best "):
        f = fields(line)
        best[f["function"]][f["sampler"]][int(f["seed"])] = float(f["best"])
    elif line.startswith("tpe-latency "):
        f = fields(line)
        latency[f["sampler"]] = float(f["p99_ms"])

wins = vs_random = 0
print(f"{'function':<11} {'seeds':>5} {'ours':>12} {'optuna':>12} {'random':>12}  ours<=optuna  ours<random")
for name, by in best.items():
    seeds = sorted(set(by["ours"]) & set(by["optuna"]) & set(by["random"]))
    mean = {s: statistics.fmean(by[s][k] for k in seeds) for s in ("ours", "optuna", "random")}
    win = mean["ours"] <= mean["optuna"]
    beat = mean["ours"] < mean["random"]
    wins += win
    vs_random += beat
    print(f"{name:<11} {len(seeds):>5} {mean['ours']:>12.5f} {mean['optuna']:>12.5f} {mean['random']:>12.5f}  {'yes' if win else 'no':>12}  {'yes' if beat else 'no':>10}")
n = len(best)
ours, optuna = latency.get("ours", float("nan")), latency.get("optuna", float("nan"))
print(f"tpe: wins={wins}/{n} vs_random={vs_random}/{n} p99_ms={ours:.2f} optuna_p99_ms={optuna:.2f} ratio={ours / optuna:.3f}")
