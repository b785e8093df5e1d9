#!/usr/bin/env python3
"""Control-channel latency: commands written by another process into a running study's database.

(a) command latency: `tunelab set DB --max-concurrent N` run as a separate process, N commands in a row; for each,
    done_ts - ts from the commands table (written -> applied by the engine), and the verb's own wall time
    (process start -> "applied" printed).
(b) stop latency: `tunelab stop DB --trial K --no-wait`, from just before the verb starts until the trial's process
    group is gone; with a trial that exits on SIGTERM, and with one that ignores it (SIGKILL after the 5 s grace).

Usage: bench/gui/control_latency.py [--bin build/bin/tunelab] [--commands 20] [--stops 8]
Python 3 standard library only.
"""

import argparse
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

IGNORE_TERM = (
    "import json, os, signal, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "f = os.fdopen(int(os.environ['TUNELAB_REPORT_FD']), 'w', buffering=1)\n"
    "while True:\n"
    "    f.write(json.dumps({'score': 0.5}) + '\\n')\n"
    "    time.sleep(0.1)\n"
)


def spec(name, samples, concurrent, ignore_term=False):
    s = {
        "name": name,
        "objective": {"metric": "score", "mode": "max"},
        "space": {"x": {"type": "float", "low": 0, "high": 1}},
        "num_samples": samples,
        "max_concurrent": concurrent,
        "resources_per_trial": {"cpu": 0.1},
        "seed": 1,
    }
    if ignore_term:
        s["trainable"] = {"command": [sys.executable, "-c", IGNORE_TERM]}
    else:
        s["space"].update({"iterations": 100000, "sleep_s": 0.05})
        s["trainable"] = {"builtin": "synthetic"}
    return s


def rows(db, query, args=()):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(query, args).fetchall()
    finally:
        con.close()


def wait_for(fn, timeout):
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.02)
    raise TimeoutError("timed out")


def running_trials(db):
    try:
        return rows(db, "SELECT id, pgid FROM trials WHERE status = 'running' AND pgid > 0 "
                    "AND EXISTS (SELECT 1 FROM results r WHERE r.trial_id = trials.id) ORDER BY id")
    except sqlite3.Error:
        return []


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def start(binary, folder, s):
    path = os.path.join(folder, "spec.json")
    with open(path, "w") as f:
        json.dump(s, f)
    db = os.path.join(folder, "study.db")
    p = subprocess.Popen([binary, "run", path, "--db", db, "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: running_trials(db), 60)
    except BaseException:
        finish(p)
        raise
    return p, db


def finish(p):
    if p.poll() is None:
        p.send_signal(signal.SIGINT)
        p.wait(60)


def command_latency(binary, n):
    with tempfile.TemporaryDirectory() as folder:
        p, db = start(binary, folder, spec("latency", 2, 1))
        walls = []
        try:
            for i in range(n):
                t0 = time.time()
                out = subprocess.run([binary, "set", db, "--max-concurrent", str(1 + i % 2)], capture_output=True, text=True)
                walls.append(time.time() - t0)
                if out.returncode != 0:
                    raise RuntimeError(out.stderr)
                time.sleep(0.05 + (i % 5) * 0.05)  # spread the writes over the engine's poll interval
            lat = [done - ts for ts, done in rows(db, "SELECT ts, done_ts FROM commands WHERE state = 'applied' ORDER BY id")]
        finally:
            finish(p)
    return lat, walls


def stop_latency(binary, n, ignore_term):
    with tempfile.TemporaryDirectory() as folder:
        p, db = start(binary, folder, spec("stops", n + 2, 2, ignore_term))
        times, done = [], set()
        try:
            for _ in range(n):
                trial, pgid = wait_for(lambda: [t for t in running_trials(db) if t[0] not in done], 60)[0]
                done.add(trial)
                t0 = time.time()
                out = subprocess.run([binary, "stop", db, "--trial", str(trial), "--no-wait"], capture_output=True, text=True)
                if out.returncode != 0:
                    raise RuntimeError(out.stderr)

                def gone():
                    try:
                        os.killpg(pgid, 0)
                        return False
                    except ProcessLookupError:
                        return True

                wait_for(gone, 30)
                times.append(time.time() - t0)
        finally:
            finish(p)
    return times


def summary(name, values):
    print(f"{name}: n={len(values)} median={statistics.median(values) * 1000:.0f} ms "
          f"p95={pct(values, 95) * 1000:.0f} ms max={max(values) * 1000:.0f} ms")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin", "tunelab"))
    ap.add_argument("--commands", type=int, default=20)
    ap.add_argument("--stops", type=int, default=8)
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    lat, walls = command_latency(binary, a.commands)
    summary("(a) written -> applied (done_ts - ts)", lat)
    summary("(a) `tunelab set` wall time, start -> outcome printed", walls)
    sys.stdout.flush()
    summary("(b) stop -> process group gone, trial exits on SIGTERM", stop_latency(binary, a.stops, False))
    summary("(b) stop -> process group gone, trial ignores SIGTERM (grace 5 s)", stop_latency(binary, max(3, a.stops // 2), True))


if __name__ == "__main__":
    main()
