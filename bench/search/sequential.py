#!/usr/bin/env python3
"""Sequential Bayesian optimisation through the engine: GP on Branin with max_concurrent 1, via `tunelab run`.

Unlike tunelab_bench_search (which drives a searcher in-process), each evaluation here is a trial process started
by the controller, so the figure shows when the controller asks the searcher: a searcher asked before the previous
trial's result arrived runs one result behind.

For each seed, runs a study of --evals trials (GP, default options, max_concurrent 1) whose trainable reports
y = branin(x0, x1) once, then reads the database: trials in id order, the best y so far after each. A run "reaches"
the optimum at the first evaluation whose best-so-far is within the target regret of Branin's minimum 0.397887
(default target: y <= 0.398, the one `tunelab_bench_search quality` uses; --also-target adds a looser one, regret
<= 0.01 by default). Runs that never reach a target count as evals + 1 in the median.

    python3 bench/search/sequential.py --tunelab build/app/tunelab [--seeds 10] [--first-seed 1] [--evals 50]
"""

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile

BRANIN_MIN = 0.397887

TRAINABLE = r"""
import json, math, os
c = json.loads(os.environ["TUNELAB_CONFIG"])
x0, x1 = c["x0"], c["x1"]
b, cc, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
y = (x1 - b * x0 * x0 + cc * x0 - 6) ** 2 + 10 * (1 - t) * math.cos(x0) + 10
os.write(int(os.environ["TUNELAB_REPORT_FD"]), (json.dumps({"y": y}) + "\n").encode())
"""


def spec(seed, evals):
    return {
        "name": f"gp-branin-seq-{seed}",
        "objective": {"metric": "y", "mode": "min"},
        "space": {"x0": {"type": "float", "low": -5, "high": 10}, "x1": {"type": "float", "low": 0, "high": 15}},
        "trainable": {"command": [sys.executable, "-c", TRAINABLE]},
        "search": {"type": "gp"},
        "num_samples": evals,
        "max_concurrent": 1,
        "seed": seed,
    }


def run_seed(tunelab, seed, evals, targets, workdir):
    spec_path = os.path.join(workdir, f"spec-{seed}.json")
    db = os.path.join(workdir, f"study-{seed}.db")
    with open(spec_path, "w") as f:
        json.dump(spec(seed, evals), f)
    subprocess.run([tunelab, "run", spec_path, "--db", db, "--quiet"], check=True, stdout=subprocess.DEVNULL)
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT t.id, t.created_at, t.ended_at, r.metrics FROM trials t LEFT JOIN results r ON r.trial_id = t.id "
        "ORDER BY t.id").fetchall()
    con.close()
    best, reach, overlaps, prev_end = float("inf"), {t: None for t in targets}, 0, None
    for i, (_, created, ended, metrics) in enumerate(rows):
        if prev_end is not None and created < prev_end:
            overlaps += 1  # chosen before the previous trial had ended
        prev_end = ended
        if metrics is not None:
            best = min(best, json.loads(metrics)["y"])
        for t in targets:
            if reach[t] is None and best - BRANIN_MIN <= t:
                reach[t] = i + 1
    return {"seed": seed, "evals": len(rows), "best": best, "reach": [reach[t] for t in targets],
            "created_before_previous_ended": overlaps}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tunelab", default="build/app/tunelab")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--evals", type=int, default=50)
    ap.add_argument("--target", type=float, default=0.398 - BRANIN_MIN, help="regret that counts as reached")
    ap.add_argument("--also-target", type=float, default=0.01, help="a second, looser target regret")
    a = ap.parse_args()
    targets = [a.target, a.also_target]
    runs = []
    with tempfile.TemporaryDirectory() as d:
        for seed in range(a.first_seed, a.first_seed + a.seeds):
            r = run_seed(os.path.abspath(a.tunelab), seed, a.evals, targets, d)
            runs.append(r)
            print(json.dumps(r), flush=True)
    for i, target in enumerate(targets):
        reach = [r["reach"][i] for r in runs]
        median = statistics.median([k if k is not None else a.evals + 1 for k in reach])
        print(json.dumps({"bench": "sequential_gp_branin", "seeds": a.seeds, "first_seed": a.first_seed,
                          "evals": a.evals, "target_regret": target, "reached": sum(k is not None for k in reach),
                          "median_evals_to_target": median if median <= a.evals else None, "evals_to_target": reach,
                          "trials_created_before_previous_ended": sum(r["created_before_previous_ended"] for r in runs)}))


if __name__ == "__main__":
    main()
