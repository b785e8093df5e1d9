#!/usr/bin/env python3
"""bench_show_memory: peak RSS and wall time of `tunelab show` and `export --results` on a study of millions of results.

A short real run makes a study of --trials trials (built-in `synthetic`, one report each); then sqlite3 replaces
its results with --results rows (--results / --trials iterations per trial, metrics like the engine stores:
{"score", "loss", "training_iteration", "time_total_s"}). Then each of `tunelab show DB`, `tunelab show DB
--json`, `tunelab export DB --results` (CSV) and `--format json` (to a file) runs --reps times (its rusage read
with wait4): printed are the median wall time, CPU time (user + system) and peak RSS (ru_maxrss), and whether the
output is right (show names the best trial; an export has a row per result).

usage: bench/show_memory.py PATH/TO/tunelab [--results 2000000] [--trials 200] [--reps 3] [--db STUDY] [--only NAMES]
"""

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402


def make_study(tunelab, workdir, trials, results):
    spec = {
        "name": "show_memory",
        "objective": {"metric": "loss", "mode": "min"},
        "space": {"x": {"type": "float", "low": 0, "high": 1}, "iterations": 1},
        "trainable": {"builtin": "synthetic"},
        "num_samples": trials,
        "max_concurrent": 8,
        "resources_per_trial": {"cpu": 0.02},
        "seed": 1,
    }
    spec_path = os.path.join(workdir, "spec.json")
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    db = os.path.join(workdir, "study.db")
    subprocess.run([tunelab, "run", spec_path, "--db", db, "--quiet"], check=True, stdout=subprocess.DEVNULL)
    per_trial = results // trials
    rng = random.Random(7)
    con = sqlite3.connect(db)
    con.execute("DELETE FROM results")
    best = (None, float("inf"))
    now = time.time()

    def rows():
        nonlocal best
        for t in range(trials):
            for i in range(1, per_trial + 1):
                loss = rng.random() + 1.0 / i
                if loss < best[1]:
                    best = (t, loss)
                m = {"score": 1 - loss, "loss": loss, "training_iteration": i, "time_total_s": i * 0.01}
                yield (t, i, i * 0.01, now + i * 0.001, json.dumps(m), 1)

    cols = [r[1] for r in con.execute("PRAGMA table_info(results)")]
    if "attempt" in cols:
        con.executemany("INSERT INTO results(trial_id, iteration, time_total_s, ts, metrics, attempt) VALUES(?,?,?,?,?,?)", rows())
    else:
        con.executemany("INSERT INTO results(trial_id, iteration, time_total_s, ts, metrics) VALUES(?,?,?,?,?)",
                        (r[:5] for r in rows()))
    con.execute("UPDATE trials SET last_iteration = ?", (per_trial,))
    con.commit()
    con.close()
    return db, best


def measure(tunelab, argv):
    """(wall_s, cpu_s, peak_rss_mib, stdout) of `tunelab ARGV...`, from wait4's rusage of the process."""
    cmd = [tunelab] + argv
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        child = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.monotonic() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({child.returncode}): {err.read().decode(errors='replace')[-2000:]}")
        return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, out.read().decode(errors="replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tunelab")
    ap.add_argument("--results", type=int, default=2_000_000)
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--db", help="reuse this study instead of making one")
    ap.add_argument("--only", default="", help="comma-separated: show,show_json,export_results_csv,export_results_json,export_optuna")
    args = ap.parse_args()
    tunelab = benchlib.resolve_tunelab([sys.argv[0], args.tunelab])
    with benchlib.Workspace("show_memory") as ws:
        workdir = ws.path
        if args.db:
            db, best = args.db, (None, None)
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            args.results = con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
            args.trials = con.execute("SELECT COUNT(*) FROM trials").fetchone()[0]
            con.close()
        else:
            t0 = time.monotonic()
            db, best = make_study(tunelab, workdir, args.trials, args.results)
            benchlib.note(f"made {args.results} results in {args.trials} trials in {time.monotonic() - t0:.1f} s "
                          f"({os.path.getsize(db) / 2**20:.0f} MiB); best trial {best[0]}")
        out_file = os.path.join(workdir, "results.out")
        commands = (("show", ["show", db]), ("show_json", ["show", db, "--json"]),
                    ("export_results_csv", ["export", db, "--results", "--out", out_file, "--force"]),
                    ("export_results_json", ["export", db, "--results", "--format", "json", "--out", out_file, "--force"]),
                    ("export_optuna", ["export", db, "--format", "optuna", "--out", out_file, "--force"]))
        for name, argv in commands:
            if args.only and name not in args.only.split(","):
                continue
            walls, cpus, rss = [], [], []
            right = True
            for rep in range(args.reps):
                wall, cpu, mib, out = measure(tunelab, argv)
                walls.append(wall)
                cpus.append(cpu)
                rss.append(mib)
                if name == "show_json" and best[0] is not None:
                    right = right and json.loads(out)["best_trial"] == best[0]
                elif name == "show" and best[0] is not None:
                    right = right and f"Best trial {best[0]}:" in out
                elif name == "export_results_csv":
                    with open(out_file, "rb") as f:
                        right = right and sum(1 for _ in f) == args.results + 1
                elif name == "export_optuna":
                    # Every result with the objective is an intermediate value of its trial.
                    con = sqlite3.connect(f"file:{out_file}?mode=ro", uri=True)
                    right = right and con.execute("SELECT COUNT(*) FROM trial_intermediate_values").fetchone()[0] == args.results
                    con.close()
                elif name == "export_results_json":
                    with open(out_file, "rb") as f:
                        right = right and sum(1 for line in f if line == b"  {\n") == args.results
                benchlib.note(f"{name} rep {rep}: wall {wall:.2f} s, cpu {cpu:.2f} s, peak RSS {mib:.1f} MiB")
            print(f"bench_show_memory: command={name} results={args.results} trials={args.trials} "
                  f"wall_s={benchlib.median(walls):.2f} cpu_s={benchlib.median(cpus):.2f} peak_rss_mib={benchlib.median(rss):.1f} right={'yes' if right else 'no'}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
