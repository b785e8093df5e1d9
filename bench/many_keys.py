#!/usr/bin/env python3
"""bench_many_keys: what report lines with many keys cost the engine, and what `show`/`export` cost on a study
whose results have many keys.

(1) engine: one trial (Python) writes --lines report lines of K keys each ({"training_iteration": i, "score": i,
    "m0": 0.0, "m1": 0.001, ...}) to fd 3, then exits. Two widths (--widths): capped, K = --capped-keys (default
    998: with training_iteration and score, 1,000 keys, the engine's per-report limit: accepted and stored), and
    wide, K = --wide-keys (default 50,000 keys, a 0.91 MiB line: refused by the key limit, accepted before it
    existed) sending --wide-lines lines.
    A control run sends the same number of 2-key lines. Printed per width:
      engine_ms_per_line = (engine CPU - engine CPU of the control) / lines   (the engine process alone, all threads)
      wall_s, stored (results stored), refused (bad_report events)
(2) readers: a study of --rows results is made (a short run, then each result's metrics are rewritten with
    sqlite3 to K keys; the rows are what an engine without the key limit stored from such lines), then timed:
      `tunelab show DB`, `tunelab show DB --json`, `tunelab export DB --results` (csv and json), each at most
      --timeout seconds (">T" when it did not finish).
    Shapes: wide (--wide-rows x --wide-keys, about 19 MB) and capped (--capped-rows x --capped-keys, about 19 MB).

usage: bench/many_keys.py PATH/TO/tunelab [--parts engine,readers] [--widths capped,wide] [--lines N]
                                          [--wide-lines N] [--capped-keys K] [--wide-keys K] [--wide-rows N]
                                          [--capped-rows N] [--reps N] [--timeout S]
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

TRIAL = r"""
import json, os, sys
keys, lines = int(sys.argv[1]), int(sys.argv[2])
body = json.dumps({f"m{i}": i * 0.001 for i in range(keys)})[1:]
out = os.fdopen(3, "w")
for it in range(1, lines + 1):
    out.write('{"training_iteration": %d, "score": %d, %s\n' % (it, it, body))
    out.flush()
"""


def spec(keys, lines, trials=1):
    return {
        "name": "many_keys",
        "objective": {"metric": "score", "mode": "max"},
        "space": {"x": {"type": "float", "low": 0, "high": 1}},
        "search": {"type": "random", "seed": 1},
        "num_samples": trials,
        "max_concurrent": 1,
        "resources_per_trial": {"cpu": 0.02},
        "trainable": {"command": [sys.executable, "-c", TRIAL, str(keys), str(lines)]},
        "seed": 1,
    }


def counts(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        stored = con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        refused = con.execute("SELECT COUNT(*) FROM events WHERE kind = 'bad_report'").fetchone()[0]
    finally:
        con.close()
    return stored, refused


def engine_part(tunelab, ws, args):
    widths = [("control", 1, args.lines)] + [w for w in [("capped", args.capped_keys, args.lines),
                                                        ("wide", args.wide_keys, args.wide_lines)]
                                              if w[0] in args.widths.split(",")]
    runs = {name: [] for name, _, _ in widths}
    for rep in range(args.reps):
        for name, keys, lines in widths:
            d = ws.subdir(f"engine-{name}")
            if name == "control":  # one control per line count
                for n in sorted({lines for _, _, lines in widths}):
                    m = bl.run_engine(tunelab, spec(1, n), d, name=f"control{n}")
                    runs[name].append((n, m["engine_cpu_s"]))
                continue
            m = bl.run_engine(tunelab, spec(keys, lines), d)
            stored, refused = counts(m["db"])
            runs[name].append((m["wall_s"], m["engine_cpu_s"], stored, refused))
            bl.note(f"rep {rep} {name}: keys={keys} lines={lines} wall={m['wall_s']:.3f}s "
                    f"engine_cpu={m['engine_cpu_s']:.3f}s stored={stored} refused={refused}")
    control = {}
    for n, cpu in runs["control"]:
        control.setdefault(n, []).append(cpu)
    for name, keys, lines in widths[1:]:
        base = bl.median(control[lines])
        per_line = [(cpu - base) / lines * 1000 for _, cpu, _, _ in runs[name]]
        line_bytes = len(json.dumps({f"m{i}": i * 0.001 for i in range(keys)})) + 40
        print(f"bench_many_keys_engine: width={name} keys={keys} line_kib={line_bytes / 1024:.0f} lines={lines} "
              f"engine_ms_per_line={bl.median(per_line):.2f} wall_s={bl.median([r[0] for r in runs[name]]):.2f} "
              f"stored={runs[name][-1][2]} refused={runs[name][-1][3]}", flush=True)


def make_study(tunelab, ws, name, rows, keys):
    """A study of `rows` results (10 trials), each result then rewritten to `keys` keys."""
    d = ws.subdir(f"study-{name}")
    trials = 10
    per_trial = max(1, rows // trials)
    m = bl.run_engine(tunelab, spec(1, per_trial, trials=trials), d)
    body = json.dumps({f"m{i}": i * 0.001 for i in range(keys)})[1:]
    con = sqlite3.connect(m["db"])
    try:
        ids = con.execute("SELECT id, iteration, time_total_s FROM results").fetchall()
        for rid, it, t in ids:
            text = '{"training_iteration": %d, "score": %d, "time_total_s": %r, %s' % (it, it, t, body)
            con.execute("UPDATE results SET metrics = ? WHERE id = ?", (text, rid))
        con.commit()
        con.execute("VACUUM")
    finally:
        con.close()
    return m["db"], len(ids)


def timed(cmd, timeout):
    t0 = time.perf_counter()
    try:
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {r.stderr.decode(errors='replace')[-2000:]}")
    return time.perf_counter() - t0


def readers_part(tunelab, ws, args):
    shapes = [("wide", args.wide_rows, args.wide_keys), ("capped", args.capped_rows, args.capped_keys)]
    for name, rows, keys in shapes:
        db, n = make_study(tunelab, ws, name, rows, keys)
        mb = os.path.getsize(db) / 1e6
        out = os.path.join(os.path.dirname(db), "export.out")
        cmds = [("show", [tunelab, "show", db]), ("show_json", [tunelab, "show", db, "--json"]),
                ("export_results_csv", [tunelab, "export", db, "--results", "--out", out]),
                ("export_results_json", [tunelab, "export", db, "--results", "--format", "json", "--out", out])]
        figures = []
        for label, cmd in cmds:
            times = []
            for rep in range(args.reps):
                s = timed(cmd, args.timeout)
                bl.note(f"{name} {label} rep {rep}: " + (f"{s:.3f}s" if s is not None else f">{args.timeout}s"))
                times.append(s)
                if s is None:
                    break  # do not repeat a run that timed out
            figures.append(f"{label}_s=" + (f"{bl.median(times):.2f}" if None not in times else f">{args.timeout:g}"))
        print(f"bench_many_keys_readers: shape={name} rows={n} keys={keys} db_mb={mb:.1f} " + " ".join(figures),
              flush=True)


def main():
    tunelab = bl.resolve_tunelab(sys.argv)
    ap = argparse.ArgumentParser()
    ap.add_argument("tunelab")
    ap.add_argument("--parts", default="engine,readers")
    ap.add_argument("--lines", type=int, default=200, help="lines per run of the capped width")
    ap.add_argument("--wide-lines", type=int, default=5, help="lines per run of the wide width")
    ap.add_argument("--widths", default="capped,wide", help="engine part: which widths to run")
    ap.add_argument("--capped-keys", type=int, default=998, help="with training_iteration and score: 1,000 keys")
    ap.add_argument("--wide-keys", type=int, default=50000)
    ap.add_argument("--wide-rows", type=int, default=20)
    ap.add_argument("--capped-rows", type=int, default=1150)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    parts = args.parts.split(",")
    bl.note(f"tunelab={tunelab} load={bl.loadavg():.2f}")
    with bl.Workspace("bench_many_keys_") as ws:
        if "engine" in parts:
            engine_part(tunelab, ws, args)
        if "readers" in parts:
            readers_part(tunelab, ws, args)


if __name__ == "__main__":
    main()
