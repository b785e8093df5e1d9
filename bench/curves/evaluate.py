"""Early stopping on recorded learning curves: every scheduler on every curve family, in two arrival orders.

For each curve table and order, the table's rows run once to the end under FIFO through the `table` trainable
(`tunelab run`); then each scheduler replays that study (`tunelab replay --concurrency 1`), and `predictive` also
runs live through `tunelab run` with the `table` trainable (max_concurrent 1), which must decide as its replay.
Printed per row: epochs consumed, how many times fewer than FIFO, and the rank (1 = best of all by final value)
of the configuration the scheduler ends with (the best final value among the trials it ran to the end).

usage: python3 bench/curves/evaluate.py build/bin/tunelab [--tables bench/curves/*.csv] [--live] [--markdown]
"""
import argparse
import csv
import glob
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile

METRIC = "val_accuracy"


def schedulers(max_t):
    return {
        "fifo": {"type": "fifo"},
        "median_stopping": {"type": "median_stopping", "grace_period": max_t / 4},
        "asha_g1": {"type": "asha", "max_t": max_t, "grace_period": 1, "reduction_factor": 3},
        "asha_g3": {"type": "asha", "max_t": max_t, "grace_period": 3, "reduction_factor": 3},
        "hyperband": {"type": "hyperband", "max_t": max_t, "reduction_factor": 3},
        "predictive": {"type": "predictive", "time_attr": "training_iteration", "max_t": max_t},
    }


def table_info(path):
    with open(path) as f:
        header = next(csv.reader(f))
        rows = sum(1 for _ in f)
    epochs = max(int(c) for c in header if c.isdigit())
    return rows, epochs


def run_study(tunelab, work, name, csv_path, order, scheduler, concurrency):
    spec = {"name": name, "objective": {"metric": METRIC, "mode": "max"},
            "space": {"file": os.path.abspath(csv_path), "metric": METRIC, "row": {"grid_search": order}},
            "trainable": {"builtin": "table"}, "scheduler": scheduler, "max_concurrent": concurrency,
            "resources_per_trial": {"cpu": 0.1}, "seed": 11}
    spec_path, db = os.path.join(work, name + ".json"), os.path.join(work, name + ".db")
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    subprocess.run([tunelab, "run", spec_path, "--db", db, "--quiet"], check=True, cwd=work,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return db


def live_figures(db, curves):
    """epochs consumed and the final rank of the best completed trial, from a live study's database."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        trials = con.execute("SELECT id, config, status FROM trials").fetchall()
        results = con.execute("SELECT trial_id, metrics FROM results ORDER BY id").fetchall()
    finally:
        con.close()
    last = {}
    for tid, m in results:
        last[tid] = json.loads(m).get(METRIC)
    best = None
    for tid, config, status in trials:
        if status == "completed" and isinstance(last.get(tid), (int, float)):
            if best is None or last[tid] > best[1]:
                best = (tid, last[tid], json.loads(config)["row"])
    finals = [c[-1] for c in curves]
    rank = 1 + sum(1 for f in finals if f > finals[best[2]]) if best else 0
    return len(results), rank


def read_curves(path):
    with open(path) as f:
        r = csv.reader(f)
        header = next(r)
        first = min(i for i, c in enumerate(header) if c.isdigit())
        return [[float(x) for x in row[first:] if x != ""] for row in r]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tunelab")
    ap.add_argument("--tables", nargs="*", default=sorted(glob.glob(os.path.join(os.path.dirname(__file__), "*.csv"))))
    ap.add_argument("--live", action="store_true", help="also run predictive live through tunelab run")
    ap.add_argument("--only", default="", help="comma-separated scheduler names")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--work", help="keep the studies in this folder, and reuse the FIFO studies found there")
    ap.add_argument("--predictive", default="{}", help="JSON options added to predictive's (for exploring)")
    a = ap.parse_args()
    tunelab = os.path.abspath(a.tunelab)
    out = []
    with tempfile.TemporaryDirectory(prefix="curves_eval_") as tmp:
        work = os.path.abspath(a.work) if a.work else tmp
        os.makedirs(work, exist_ok=True)
        for path in a.tables:
            family = os.path.splitext(os.path.basename(path))[0]
            n, max_t = table_info(path)
            curves = read_curves(path)
            orders = {"recorded": list(range(n)), "shuffled": random.Random(7).sample(range(n), n)}
            for order_name, order in orders.items():
                db = os.path.join(work, f"{family}_{order_name}_fifo.db")
                if not (a.work and os.path.exists(db)):
                    db = run_study(tunelab, work, f"{family}_{order_name}_fifo", path, order, {"type": "fifo"}, 4)
                for name, sched in schedulers(max_t).items():
                    if name == "predictive":
                        sched.update(json.loads(a.predictive))
                    if a.only and name not in a.only.split(",") and name != "fifo":
                        continue
                    rep = json.loads(subprocess.run([tunelab, "replay", db, "--scheduler", json.dumps(sched),
                                                     "--concurrency", "1", "--json"], check=True,
                                                    capture_output=True, text=True).stdout)
                    row = {"family": family, "order": order_name, "scheduler": name,
                           "epochs": rep["epochs_consumed"], "recorded": rep["epochs_recorded"],
                           "saved": rep["epochs_recorded"] / rep["epochs_consumed"], "rank": rep["final_rank"],
                           "best_final": rep["best_final"], "true_best_final": rep["true_best_final"]}
                    if a.live and name == "predictive":
                        if os.path.exists(os.path.join(work, f"{family}_{order_name}_{name}.db")):
                            os.remove(os.path.join(work, f"{family}_{order_name}_{name}.db"))
                        live_db = run_study(tunelab, work, f"{family}_{order_name}_{name}", path, order, sched, 1)
                        row["live_epochs"], row["live_rank"] = live_figures(live_db, curves)
                    out.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
    if a.markdown:
        print("| family | order | scheduler | epochs | saved | rank | best final | true best final |"
              + (" live epochs | live rank |" if a.live else ""))
        print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |" + (" ---: | ---: |" if a.live else ""))
        for r in out:
            live = f" {r['live_epochs']} | {r['live_rank']} |" if "live_epochs" in r else (" | |" if a.live else "")
            print(f"| {r['family']} | {r['order']} | {r['scheduler']} | {r['epochs']} | {r['saved']:.1f}x | {r['rank']} | "
                  f"{r['best_final']:.4f} | {r['true_best_final']:.4f} |" + live)
    else:
        for r in out:
            print(json.dumps(r))


if __name__ == "__main__":
    main()
