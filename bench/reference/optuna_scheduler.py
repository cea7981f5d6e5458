"""The live peer of `./bench.sh scheduler`: Optuna with one SQLite RDB storage shared by P worker processes.

Each process runs its share of N trivial trials; every trial reports E intermediate values (as our runs report E
epochs) and returns at once, so what is measured is Optuna's coordination: asking, reporting and telling through the
shared storage. Prints one line: `optuna: trials=N processes=P epochs=E wall_s=... ms_per_trial=...`.
"""
import multiprocessing
import os
import sys
import tempfile
import time

import optuna


def objective(trial, epochs):
    x = trial.suggest_int("hidden", 1, 1000)
    for step in range(epochs):
        trial.report(float(x + step), step)
    return float(x)


def worker(storage_url, study_name, trials, epochs):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=study_name, storage=storage_url)
    study.optimize(lambda t: objective(t, epochs), n_trials=trials)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    processes = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    folder = tempfile.mkdtemp(prefix="amber-optuna-")
    storage_url = "sqlite:///" + os.path.join(folder, "optuna.db")
    optuna.create_study(study_name="bench", storage=storage_url, sampler=optuna.samplers.RandomSampler(seed=1))
    shares = [n // processes + (1 if i < n % processes else 0) for i in range(processes)]
    start = time.perf_counter()
    jobs = [multiprocessing.Process(target=worker, args=(storage_url, "bench", s, epochs)) for s in shares]
    for j in jobs:
        j.start()
    for j in jobs:
        j.join()
    wall = time.perf_counter() - start
    done = len(optuna.load_study(study_name="bench", storage=storage_url).trials)
    if done != n:
        raise SystemExit(f"optuna finished {done} trials, expected {n}")
    print(f"optuna: trials={n} processes={processes} epochs={epochs} wall_s={wall:.3f} ms_per_trial={wall * 1000 / n:.3f}")


if __name__ == "__main__":
    main()
