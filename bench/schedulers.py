#!/usr/bin/env python3
"""Early stopping pays: digits_mlp, 60 samples x 30 epochs, under FIFO, median stopping, ASHA and HyperBand.

For each scheduler: epochs trained (results stored), wall time, best val_accuracy, and how much sooner (in epochs
and in wall time) it reaches FIFO's best accuracy within 0.5 points. Every scheduler sees the same 60 configs
(same search seed). Then the same comparison on the *recorded* FIFO curves: live through the `table` trainable,
and simulated by `tunelab replay`.

usage: bench/schedulers.py build/bin/tunelab [--samples 60] [--epochs 30] [--concurrency 2]
"""
import argparse
import json
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

SCHEDULERS = {
    "fifo": {"type": "fifo"},
    "median": {"type": "median_stopping", "grace_period": 3, "min_samples_required": 3},
    "asha": {"type": "asha", "max_t": 30, "grace_period": 1, "reduction_factor": 3},
    "hyperband": {"type": "hyperband", "max_t": 30, "reduction_factor": 3},
}
METRIC = "val_accuracy"


def digits_spec(samples, epochs, concurrency, scheduler):
    return {
        "name": "sched_bench",
        "objective": {"metric": METRIC, "mode": "max"},
        "space": {
            "lr": {"type": "float", "low": 0.001, "high": 0.5, "log": True},
            "batch_size": {"type": "choice", "values": [16, 32, 64, 128]},
            "hidden": {"type": "int", "low": 16, "high": 256, "log": True},
            "dropout": {"type": "float", "low": 0.0, "high": 0.5},
            "momentum": {"type": "float", "low": 0.0, "high": 0.95},
            "weight_decay": {"type": "float", "low": 1e-6, "high": 1e-2, "log": True},
            "epochs": epochs,
        },
        "trainable": {"builtin": "digits_mlp"},
        "search": {"type": "random"},
        "scheduler": scheduler,
        "num_samples": samples,
        "max_concurrent": concurrency,
        "resources_per_trial": {"cpu": 1},
        "seed": 11,
    }


def table_spec(csv_path, samples, concurrency, scheduler):
    return {
        "name": "sched_bench_table",
        "objective": {"metric": METRIC, "mode": "max"},
        "space": {"file": csv_path, "metric": METRIC, "row": {"grid_search": list(range(samples))}},
        "trainable": {"builtin": "table"},
        "scheduler": scheduler,
        "max_concurrent": concurrency,
        "resources_per_trial": {"cpu": 0.1},
        "seed": 11,
    }


def study_figures(db, target=None):
    """epochs, best, and epochs/seconds until the first result >= target (in storage order)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        start = con.execute("SELECT MIN(created_at) FROM trials").fetchone()[0]
        rows = con.execute("SELECT ts, metrics FROM results ORDER BY id").fetchall()
    finally:
        con.close()
    best, hit_epochs, hit_s = None, None, None
    for i, (ts, metrics) in enumerate(rows, 1):
        v = json.loads(metrics).get(METRIC)
        if not isinstance(v, (int, float)):
            continue
        best = v if best is None else max(best, v)
        if target is not None and hit_epochs is None and v >= target:
            hit_epochs, hit_s = i, ts - start
    return {"epochs": len(rows), "best": best, "hit_epochs": hit_epochs, "hit_s": hit_s}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tunelab")
    ap.add_argument("--samples", type=int, default=60)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated scheduler names")
    args = ap.parse_args()
    tunelab = benchlib.resolve_tunelab([sys.argv[0], args.tunelab])
    names = [n for n in SCHEDULERS if not args.only or n in args.only.split(",")]
    if "fifo" not in names:
        names.insert(0, "fifo")
    with benchlib.Workspace("sched_") as ws:
        work = ws.subdir("runs")
        live = {}
        for name in names:
            sched = dict(SCHEDULERS[name])
            if "max_t" in sched:
                sched["max_t"] = args.epochs
            m = benchlib.run_engine(tunelab, digits_spec(args.samples, args.epochs, args.concurrency, sched), work, name)
            live[name] = (m, sched)
            benchlib.note(f"{name}: {m['wall_s']:.1f} s")
        fifo = study_figures(live["fifo"][0]["db"])
        target = fifo["best"] - 0.005
        fifo = study_figures(live["fifo"][0]["db"], target)
        for name in names:
            m, sched = live[name]
            f = study_figures(m["db"], target)
            speed_e = fifo["hit_epochs"] / f["hit_epochs"] if f["hit_epochs"] else float("nan")
            speed_t = fifo["hit_s"] / f["hit_s"] if f["hit_s"] else float("nan")
            print(f"bench_schedulers_digits: scheduler={name} epochs={f['epochs']} "
                  f"epochs_vs_fifo={fifo['epochs'] / f['epochs']:.2f}x wall_s={m['wall_s']:.1f} "
                  f"best={f['best']:.4f} within_0.5pt_of_fifo={'yes' if f['best'] >= target else 'no'} "
                  f"epochs_to_target={f['hit_epochs']} speedup_epochs={speed_e:.2f}x "
                  f"s_to_target={f['hit_s'] if f['hit_s'] is None else round(f['hit_s'], 1)} speedup_time={speed_t:.2f}x",
                  flush=True)

        # The same comparison on FIFO's recorded curves.
        csv_path = os.path.join(work, "curves.csv")
        subprocess.run([tunelab, "export", live["fifo"][0]["db"], "--format", "curves", "--metric", METRIC,
                        "--out", csv_path], check=True, capture_output=True)
        for name in names:
            sched = live[name][1]
            m = benchlib.run_engine(tunelab, table_spec(csv_path, args.samples, 1, sched), work, "table_" + name)
            f = study_figures(m["db"], target)
            rep = json.loads(subprocess.run([tunelab, "replay", live["fifo"][0]["db"], "--scheduler", json.dumps(sched),
                                             "--concurrency", "1", "--json"],
                                            check=True, capture_output=True, text=True).stdout)
            print(f"bench_schedulers_table: scheduler={name} live_epochs={f['epochs']} live_best={f['best']:.4f} "
                  f"live_wall_s={m['wall_s']:.1f} replay_epochs={rep['epochs_consumed']} "
                  f"replay_best_final={rep['best_final']:.4f} final_rank={rep['final_rank']} agree={'yes' if rep['epochs_consumed'] == f['epochs'] else 'no'} "
                  f"true_best_survived={rep['true_best_survived']} true_best_rank={rep['true_best_rank']}", flush=True)


if __name__ == "__main__":
    main()
