"""The reference side of `./bench.sh tpe`: Optuna's TPESampler (Debian's python3-optuna) on the same test functions as
bench/Amber.Bench/TpeBenchmark.cs, same seeds and budgets, then its suggestion latency with H finished trials.

Prints `tpe-best function=F sampler=optuna seed=S best=V` per run and
`tpe-latency sampler=optuna history=H asks=A p50_ms=... p99_ms=...`.
Usage: optuna_tpe.py SEEDS TRIALS HISTORY ASKS
"""
import math
import sys
import time

import numpy as np
import optuna

HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2]
HARTMANN_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
HARTMANN_P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
              [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def box(trial, d, low, high):
    return [trial.suggest_float(f"x{i}", low, high) for i in range(d)]


def sphere(trial):
    return sum(x * x for x in box(trial, 5, -5, 5))


def rosenbrock(trial):
    x = box(trial, 4, -2.048, 2.048)
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def branin(trial):
    x1 = trial.suggest_float("x0", -5, 10)
    x2 = trial.suggest_float("x1", 0, 15)
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def hartmann6(trial):
    x = box(trial, 6, 0, 1)
    s = 0.0
    for i in range(4):
        inner = sum(HARTMANN_A[i][j] * (x[j] - HARTMANN_P[i][j]) ** 2 for j in range(6))
        s += HARTMANN_ALPHA[i] * math.exp(-inner)
    return -s


def mixed(trial):
    c = trial.suggest_categorical("c", ["a", "b", "c", "d"])
    lr = trial.suggest_float("lr", 1e-5, 1, log=True)
    n = trial.suggest_int("n", 1, 64)
    x = trial.suggest_float("x", 0, 1)
    offset = {"a": 1.0, "b": 0.0, "c": 0.5, "d": 2.0}[c]
    return offset + (math.log10(lr) + 3) ** 2 + ((n - 20) / 20.0) ** 2 + 4 * (x - 0.3) ** 2


FUNCTIONS = [("sphere", sphere), ("rosenbrock", rosenbrock), ("branin", branin), ("hartmann6", hartmann6), ("mixed", mixed)]


def latency(history, asks):
    distributions = {
        "c": optuna.distributions.CategoricalDistribution(["a", "b", "c", "d"]),
        "lr": optuna.distributions.FloatDistribution(1e-5, 1, log=True),
        "n": optuna.distributions.IntDistribution(1, 64),
        "x": optuna.distributions.FloatDistribution(0, 1),
    }
    rng = np.random.RandomState(1)
    trials = []
    for _ in range(history):
        params = {"c": ["a", "b", "c", "d"][rng.randint(4)], "lr": float(math.exp(rng.uniform(math.log(1e-5), 0))),
                  "n": int(rng.randint(1, 65)), "x": float(rng.uniform())}
        offset = {"a": 1.0, "b": 0.0, "c": 0.5, "d": 2.0}[params["c"]]
        value = offset + (math.log10(params["lr"]) + 3) ** 2 + ((params["n"] - 20) / 20.0) ** 2 + 4 * (params["x"] - 0.3) ** 2
        trials.append(optuna.trial.create_trial(params=params, distributions=distributions, value=value))
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=1))
    study.add_trials(trials)
    times = []
    for i in range(asks + 3):
        start = time.perf_counter()
        trial = study.ask(distributions)   # one suggestion: every parameter sampled
        times.append((time.perf_counter() - start) * 1000)
        study.tell(trial, state=optuna.trial.TrialState.FAIL)   # not part of the next ask's model
    times = sorted(times[3:])
    p99 = times[math.ceil(0.99 * len(times)) - 1]
    print(f"tpe-latency sampler=optuna history={history} asks={asks} p50_ms={times[len(times) // 2]:.3f} p99_ms={p99:.3f}", flush=True)


def main():
    seeds, trials, history, asks = (int(a) for a in sys.argv[1:5])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for name, f in FUNCTIONS:
        for seed in range(seeds):
            study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
            study.optimize(f, n_trials=trials)
            print(f"tpe-best function={name} sampler=optuna seed={seed} best={study.best_value!r}", flush=True)
    latency(history, asks)


if __name__ == "__main__":
    main()
