#!/usr/bin/env python3
"""Crash-resume torture, long form (the short form is tests/e2e/test_crash_resume.cpp).

usage: bench/reliability/torture.py build/bin/tunelab [--trials 200] [--kills 100] [--iterations 27]
                                    [--sleep 0.05] [--concurrent 8] [--max-delay 2.0] [--seed N]

An ASHA study (grace 1, reduction factor 3, max_t = iterations) of a Python trainable that checkpoints every
iteration and appends each report line to truth.jsonl in its trial folder before writing it to the report
channel. The engine is SIGKILLed at random moments (uniform in [0.05, max-delay] s after each start) `kills` times
and resumed each time; then a last `tunelab resume` runs the study to its end. Checked at the end, and the script
fails otherwise:
  - every stored result equals every line the trial wrote for that iteration (values and trial id);
  - each trial's stored iterations are exactly 1..last, each once; last is an ASHA rung or max_t;
  - trial ids are 0..trials-1, one folder each (no id used twice), num_samples exactly;
  - PRAGMA integrity_check is ok after every kill and at the end; the study is `completed`;
  - each scheduler stop decision was taken once, at the trial's last stored iteration;
  - no trial process outlives the engine.
"""

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import benchlib  # noqa: E402


def trainable_source():
    """The trainable of the short form, read from its C++ header so both stay the same."""
    src = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "e2e", "crash_resume_support.h")
    with open(src) as f:
        text = f.read()
    start = text.index('R"PY(') + len('R"PY(')
    return text[start:text.index(')PY"', start)]


def integrity(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def rungs(max_t, rf=3):
    r, out = 1, {max_t}
    while r < max_t:
        out.add(r)
        r *= rf
    return out


def stray_processes(trials_dir):
    n = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if f"TUNELAB_TRIAL_DIR={trials_dir}".encode() in f.read():
                    n += 1
        except OSError:
            pass
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tunelab")
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--kills", type=int, default=100)
    ap.add_argument("--iterations", type=int, default=27)
    ap.add_argument("--sleep", type=float, default=0.05)
    ap.add_argument("--concurrent", type=int, default=8)
    ap.add_argument("--max-delay", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    tunelab = benchlib.resolve_tunelab([sys.argv[0], args.tunelab])
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    benchlib.note(f"kill schedule seed {seed}")

    with benchlib.Workspace("tunelab-torture-") as ws:
        work = ws.subdir("torture")
        train = os.path.join(work, "train.py")
        with open(train, "w") as f:
            f.write(trainable_source())
        spec = {
            "name": "torture",
            "objective": {"metric": "score", "mode": "max"},
            "space": {"x": {"type": "float", "low": 0, "high": 1}, "iterations": args.iterations,
                      "sleep_s": args.sleep},
            "trainable": {"command": [sys.executable, "-S", train]},
            "scheduler": {"type": "asha", "max_t": args.iterations, "grace_period": 1, "reduction_factor": 3},
            "num_samples": args.trials,
            "max_concurrent": args.concurrent,
            "resources_per_trial": {"cpu": 0.01},
            "seed": 7,
        }
        spec_path = os.path.join(work, "spec.json")
        with open(spec_path, "w") as f:
            json.dump(spec, f)
        db = os.path.join(work, "study.db")
        log = open(os.path.join(work, "engine.log"), "ab")
        t0 = time.perf_counter()
        kills = sessions = 0
        while kills < args.kills:
            cmd = [tunelab, "run", spec_path, "--db", db, "--quiet"] if sessions == 0 else [tunelab, "resume", db, "--quiet"]
            p = subprocess.Popen(cmd, cwd=work, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
            sessions += 1
            try:
                p.wait(rng.uniform(0.05, args.max_delay))
                if p.returncode != 0:
                    sys.exit(f"a session ended with status {p.returncode}; see {work}/engine.log")
                benchlib.note(f"the study finished after {kills} kills")
                break
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGKILL)
                p.wait()
                kills += 1
            if os.path.exists(db) and integrity(db) != "ok":
                sys.exit(f"integrity_check failed after kill {kills}")
        rc = subprocess.call([tunelab, "resume", db, "--quiet"], cwd=work, stdout=log, stderr=log)
        wall = time.perf_counter() - t0
        if rc != 0:
            sys.exit(f"the last resume exited with status {rc}")

        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        status, trials_dir = con.execute("SELECT status, trials_dir FROM study").fetchone()
        trials = con.execute("SELECT id, status, trial_dir, attempts FROM trials ORDER BY id").fetchall()
        results = con.execute("SELECT trial_id, iteration, metrics FROM results").fetchall()
        con.close()
        problems = []
        if integrity(db) != "ok":
            problems.append("integrity_check is not ok")
        if status != "completed":
            problems.append(f"study status {status}")
        if [t[0] for t in trials] != list(range(args.trials)):
            problems.append(f"trial ids are not 0..{args.trials - 1}")
        folders = [d for d in os.listdir(trials_dir) if os.path.isdir(os.path.join(trials_dir, d))]
        if len(folders) != args.trials or len({t[2] for t in trials}) != args.trials:
            problems.append(f"{len(folders)} trial folders for {args.trials} trials")
        stored = {}
        for tid, it, metrics in results:
            if (tid, it) in stored:
                problems.append(f"trial {tid} iteration {it} stored twice")
            stored[(tid, it)] = json.loads(metrics)
        ok_rungs = rungs(args.iterations)
        checked = restarted = 0
        for tid, tstatus, tdir, attempts in trials:
            restarted += attempts > 1
            truth = {}
            with open(os.path.join(tdir, "truth.jsonl")) as f:
                for line in f:
                    try:
                        j = json.loads(line)
                    except ValueError:
                        continue
                    truth.setdefault(j["training_iteration"], []).append(j)
            its = sorted(it for (t, it) in stored if t == tid)
            if not its or its != list(range(1, its[-1] + 1)):
                problems.append(f"trial {tid}: stored iterations {its[:5]}... are not 1..last")
                continue
            if its[-1] not in ok_rungs:
                problems.append(f"trial {tid} ended at iteration {its[-1]}, not at a rung")
            for it in its:
                m = stored[(tid, it)]
                lines = truth.get(it, [])
                if not lines:
                    problems.append(f"trial {tid} iteration {it} stored but never written")
                for line in lines:
                    checked += 1
                    if line["tid"] != tid or line["score"] != m["score"] or line["x"] != m["x"]:
                        problems.append(f"trial {tid} iteration {it}: stored {m}, written {line}")
        # Each scheduler stop was taken once, at the trial's last stored result (also when the engine died
        # between storing that result and ending the trial).
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        stops = {}
        for tid, details in con.execute("SELECT trial_id, details FROM decisions WHERE source = 'scheduler' "
                                        "AND action = 'stop'"):
            d = json.loads(details)
            at = d.get("rung", d.get("time"))
            stops[tid] = stops.get(tid, 0) + 1
            last = max((it for (t, it) in stored if t == tid), default=0)
            if stops[tid] > 1 or at != last:
                problems.append(f"trial {tid}: scheduler stop at {at} (stop #{stops[tid]}), but it ran to {last}")
        con.close()
        strays = stray_processes(trials_dir)
        if strays:
            problems.append(f"{strays} trial processes outlived the engine")
        if problems:
            for p in problems[:20]:
                benchlib.note(p)
            sys.exit(f"torture failed: {len(problems)} problems")
        print(f"bench_torture: trials={args.trials} kills={kills} sessions={sessions + 1} results={len(results)} "
              f"lines_checked={checked} trials_restarted={restarted} wall_s={wall:.1f} seed={seed} verified=yes")


if __name__ == "__main__":
    main()
