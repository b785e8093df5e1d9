#!/usr/bin/env python3
"""Engine memory as trials finish: RSS of `tunelab run` after 1,000 and after 10,000 trials.

usage: bench/memory.py build/bin/tunelab [--trials 10000] [--iterations 5] [--concurrent 8]

A random search over `x` with the built-in `synthetic` trainable (`iterations` reports each, no sleep). While the
engine runs, its VmRSS is sampled every 0.1 s together with the number of finished trials (read from the study
database, read-only). Printed: the RSS at the first sample with >= 1,000 finished trials, at the last sample
taken while trials still ran (named after its finished count, e.g. rss_at_9987), the growth between the two per
1,000 trials, and the peak over all samples (which includes the summary `tunelab run` prints at the end: it reads
the whole study back from the database).
"""

import argparse
import os
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def finished_trials(db_path):
    try:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT COUNT(*) FROM trials WHERE status IN ('completed','stopped','error')").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tunelab")
    ap.add_argument("--trials", type=int, default=10000)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--concurrent", type=int, default=8)
    args = ap.parse_args()
    tunelab = benchlib.resolve_tunelab([sys.argv[0], args.tunelab])
    spec = {
        "name": "memory",
        "objective": {"metric": "score", "mode": "max"},
        "space": {"x": {"type": "float", "low": 0, "high": 1}, "iterations": args.iterations},
        "trainable": {"builtin": "synthetic"},
        "num_samples": args.trials,
        "max_concurrent": args.concurrent,
        "resources_per_trial": {"cpu": 0.01},
        "seed": 1,
    }
    samples = []  # (t, finished, rss_kib)
    stop = threading.Event()

    with benchlib.Workspace("tunelab-memory-") as ws:
        work = ws.subdir("memory")
        db = os.path.join(work, "study.db")

        def sample(pid):
            t0 = time.perf_counter()
            while not stop.is_set():
                rss = rss_kib(pid)
                done = finished_trials(db)
                if rss and done is not None:
                    samples.append((time.perf_counter() - t0, done, rss))
                time.sleep(0.1)

        sampler = []

        def on_start(pid):
            th = threading.Thread(target=sample, args=(pid,), daemon=True)
            th.start()
            sampler.append(th)

        try:
            m = benchlib.run_engine(tunelab, spec, work, on_start=on_start, timeout_s=3600)
        finally:
            stop.set()
            for th in sampler:
                th.join()
        benchlib.verify_db(m["db"], args.trials, args.iterations)

    first = next((s for s in samples if s[1] >= 1000), None)
    # The last sample while trials still ran: after the last one finishes, the CLI reads the whole study
    # back for its summary, which is not the engine's steady state (reported apart as peak_MiB).
    running = [s for s in samples if s[1] < args.trials] or samples
    last = max(running, key=lambda s: (s[1], s[0]))
    peak = max(s[2] for s in samples)
    for t, done, rss in samples[:: max(1, len(samples) // 20)]:
        benchlib.note(f"t={t:.1f}s finished={done} rss={rss / 1024:.1f}MiB")
    per_k = (last[2] - first[2]) / max(1, (last[1] - first[1]) / 1000) if first and last[1] > first[1] else 0
    print(f"bench_memory: trials={args.trials} iterations={args.iterations} wall_s={m['wall_s']:.1f} "
          f"rss_at_1000_MiB={first[2] / 1024 if first else float('nan'):.1f} "
          f"rss_at_{last[1]}_MiB={last[2] / 1024:.1f} growth_KiB_per_1000_trials={per_k:.0f} "
          f"peak_MiB={peak / 1024:.1f} verified=yes")


if __name__ == "__main__":
    main()
