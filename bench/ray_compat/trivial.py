#!/usr/bin/env python3
"""One script, two engines: 200 trials x 50 tune.report calls of a trivial trainable, timed end to end.

    python3 bench/ray_compat/trivial.py tunelab   # from tunelab import tune
    python  bench/ray_compat/trivial.py ray       # from ray import tune (a Python with Ray Tune installed)
    python3 bench/ray_compat/trivial.py loop      # the same trainable called in a plain loop, reports dropped

Prints one line: `trivial: backend=... trials=... reports=... wall_s=... [results_verified=...]`. Everything but
the import is the same for both engines: Ray Tune's documented Tuner API with its defaults (one CPU per trial).
Results go to a temporary directory (removed afterwards).
"""

import os
import shutil
import sys
import tempfile
import time

BACKEND = sys.argv[1] if len(sys.argv) > 1 else "tunelab"
TRIALS = int(os.environ.get("BENCH_TRIALS", "200"))
REPORTS = int(os.environ.get("BENCH_REPORTS", "50"))

if BACKEND == "ray":
    from ray import tune
elif BACKEND == "tunelab":
    from tunelab import tune
else:
    tune = None


def report(metrics):
    if tune is not None:
        tune.report(metrics)


def trivial(config):
    for i in range(REPORTS):
        report({"score": config["x"] * i})


def main():
    if BACKEND == "loop":
        start = time.perf_counter()
        for t in range(TRIALS):
            trivial({"x": t / TRIALS})
        print(f"trivial: backend=loop trials={TRIALS} reports={REPORTS} wall_s={time.perf_counter() - start:.4f}")
        return
    storage = tempfile.mkdtemp(prefix=f"bench-{BACKEND}-")
    try:
        if BACKEND == "ray":
            run_config_cls = getattr(tune, "RunConfig", None)
            if run_config_cls is None:
                from ray.train import RunConfig as run_config_cls
        else:
            run_config_cls = tune.RunConfig
        start = time.perf_counter()
        tuner = tune.Tuner(
            trivial,
            param_space={"x": tune.uniform(0, 1)},
            tune_config=tune.TuneConfig(num_samples=TRIALS, metric="score", mode="max"),
            run_config=run_config_cls(name="trivial", storage_path=storage, verbose=0),
        )
        results = tuner.fit()
        wall = time.perf_counter() - start
        counts = [len(r.metrics_dataframe) for r in results]
        verified = len(counts) == TRIALS and all(c == REPORTS for c in counts) and results.num_errors == 0
        print(f"trivial: backend={BACKEND} trials={TRIALS} reports={REPORTS} wall_s={wall:.3f} "
              f"results_verified={'yes' if verified else 'NO'}")
    finally:
        shutil.rmtree(storage, ignore_errors=True)


if __name__ == "__main__":
    main()
