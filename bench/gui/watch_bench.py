#!/usr/bin/env python3
"""What watching a big running study costs the workbench.

A real `tunelab run` (the built-in synthetic trainable, 8 trials at a time, one report every ~15 ms each)
grows a study by about 500 results/s. Once it runs, a direct writer (Python's sqlite3, in 20,000-row
transactions beside the engine's) adds the history: finished trials with ids from 1,000,000 on, 200 results
each, until the study holds --stored results. Then the workbench (`tunelab DB`, offscreen) opens the study
and watches it; after --settle seconds, its CPU time (utime + stime from /proc/PID/stat, as % of one core)
and its resident memory (VmRSS; peak VmHWM) are sampled over --seconds.

Usage: bench/gui/watch_bench.py [--gui build/bin/tunelab] [--engine build/bin/tunelab] [--stored 1000000]
                                [--seconds 60] [--settle 20]
The engine and the GUI may be different builds: --gui /path/to/old/tunelab measures an older workbench
against the same writer.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HISTORY_ID = 1_000_000
POINTS = 200


def spec(concurrency: int, sleep_s: float) -> dict:
    return {
        "name": "watch_bench",
        "objective": {"metric": "score", "mode": "max"},
        "space": {"x": {"type": "float", "low": 0.0, "high": 1.0},
                  "lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},
                  "iterations": 100000, "sleep_s": sleep_s},
        "trainable": {"builtin": "synthetic"},
        "num_samples": 1000,
        "max_concurrent": concurrency,
        "resources_per_trial": {"cpu": 0.1},
        "seed": 1,
    }


def count_results(db: str) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute("SELECT MAX(id) FROM results").fetchone()[0] or 0
    finally:
        con.close()


def add_history(db: str, results: int) -> None:
    """Finished trials of POINTS results each, beside the engine's (ids from HISTORY_ID on)."""
    con = sqlite3.connect(db, timeout=60)
    con.execute("PRAGMA busy_timeout = 60000")
    now = time.time()
    trials = results // POINTS
    for first in range(0, trials, 100):
        rows, trial_rows = [], []
        for tid in range(HISTORY_ID + first, HISTORY_ID + min(trials, first + 100)):
            x = (tid % 97) / 97.0
            trial_rows.append((tid, json.dumps({"x": x, "lr": 1e-3}), "completed", 1, now, now, now + 1, POINTS))
            for i in range(1, POINTS + 1):
                score = (1 - (x - 0.3) ** 2) * (1 - 2.718281828 ** (-i / 30.0))
                rows.append((tid, i, i * 0.1, now + i * 1e-3,
                             json.dumps({"score": score, "loss": 1 - score, "training_iteration": i,
                                         "time_total_s": i * 0.1}), 1))
        with con:
            con.executemany("INSERT INTO trials(id, config, status, attempts, created_at, started_at, ended_at, "
                            "last_iteration) VALUES(?, ?, ?, ?, ?, ?, ?, ?)", trial_rows)
            con.executemany("INSERT INTO results(trial_id, iteration, time_total_s, ts, metrics, attempt) "
                            "VALUES(?, ?, ?, ?, ?, ?)", rows)
    con.close()


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def memory_kb(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gui", default=os.path.join(ROOT, "build", "bin", "tunelab"))
    ap.add_argument("--engine", default=os.path.join(ROOT, "build", "bin", "tunelab"))
    ap.add_argument("--stored", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--settle", type=float, default=20)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--sleep", type=float, default=0.015, help="seconds between a trial's reports")
    a = ap.parse_args()
    a.gui, a.engine = os.path.abspath(a.gui), os.path.abspath(a.engine)
    hz = os.sysconf("SC_CLK_TCK")
    with tempfile.TemporaryDirectory(prefix="tunelab-watch-bench-") as tmp:
        spec_path, db = os.path.join(tmp, "spec.json"), os.path.join(tmp, "study.db")
        with open(spec_path, "w") as f:
            json.dump(spec(a.concurrency, a.sleep), f)
        engine = subprocess.Popen([a.engine, "run", spec_path, "--db", db, "--quiet"], cwd=tmp,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        gui = None
        try:
            while count_results(db) == 0 if os.path.exists(db) else True:
                time.sleep(0.2)
            t0 = time.time()
            add_history(db, a.stored)
            print(f"history: {a.stored} results added in {time.time() - t0:.1f} s", flush=True)
            r0, t0 = count_results(db), time.time()
            time.sleep(5)
            rate = (count_results(db) - r0) / (time.time() - t0)
            print(f"engine: {rate:.0f} results/s", flush=True)
            env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
            env.setdefault("XDG_CONFIG_HOME", os.path.join(tmp, "config"))
            t_open = time.time()
            gui = subprocess.Popen([a.gui, db], cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(a.settle)
            if gui.poll() is not None:
                print(f"the workbench exited with status {gui.returncode}", file=sys.stderr)
                return 1
            stored0 = count_results(db)
            c0, w0 = cpu_ticks(gui.pid), time.time()
            rss = []
            while time.time() - w0 < a.seconds:
                time.sleep(1)
                rss.append(memory_kb(gui.pid, "VmRSS"))
            c1, w1 = cpu_ticks(gui.pid), time.time()
            stored1 = count_results(db)
            cpu = 100.0 * (c1 - c0) / hz / (w1 - w0)
            print(f"watch: {stored0 / 1e6:.2f}M -> {stored1 / 1e6:.2f}M results stored, "
                  f"{(stored1 - stored0) / (w1 - w0):.0f} results/s, sampled from {w0 - t_open:.0f} s after opening")
            print(f"watch: GUI CPU {cpu:.1f} % of a core over {w1 - w0:.0f} s (goal <= 5 %); "
                  f"RSS median {sorted(rss)[len(rss) // 2] / 1024:.0f} MB, max {max(rss) / 1024:.0f} MB, "
                  f"peak {memory_kb(gui.pid, 'VmHWM') / 1024:.0f} MB (goal <= 300 MB)")
        finally:
            if gui is not None and gui.poll() is None:
                gui.terminate()
                try:
                    gui.wait(10)
                except subprocess.TimeoutExpired:
                    gui.kill()
            engine.send_signal(signal.SIGINT)
            try:
                engine.wait(30)
            except subprocess.TimeoutExpired:
                engine.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
