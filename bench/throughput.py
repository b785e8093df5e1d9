#!/usr/bin/env python3
"""bench_throughput: results per second that TuneLab processes AND persists.

Workload (defaults): 1,000 trials x 100 reports each = 100,000 results, with a trivial trainable, 8 trials at a
time. Three variants, each repeated --reps times (median reported):

  builtin   the built-in `synthetic` trainable ({"iterations": 100}): a small C++ process per trial
  builtin1  the same with {"iterations": 1}: 1,000 trials x 1 report, i.e. almost pure per-trial cost
            (fork/exec, trial directory, config.json, logs, status rows, reap)
  shell     a real command, `/bin/sh -c` with a loop of 100 `echo` lines to fd 3: the "any language" cost

After each run the study database is opened with sqlite3 and must hold exactly trials x reports rows in
`results` and every trial `completed`; otherwise the benchmark fails.

From builtin and builtin1 it derives per_trial_ms = wall(builtin1) / trials and
per_result_us = (wall(builtin) - wall(builtin1)) / (trials x (reports - 1)).

usage: bench/throughput.py PATH/TO/tunelab [--trials N] [--reports N] [--max-concurrent N] [--reps N]
                                          [--variants builtin,builtin1,shell]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

SHELL_LOOP = ('i=1; while [ "$i" -le "$N" ]; do '
              'echo "{\\"score\\": $i, \\"training_iteration\\": $i}" >&3; i=$((i+1)); done')


def make_spec(name, variant, trials, reports, max_concurrent):
    spec = {
        "name": name,
        "objective": {"metric": "score", "mode": "max"},
        "space": {"x": {"type": "float", "low": 0, "high": 1}},
        "search": {"type": "random", "seed": 1},
        "num_samples": trials,
        "max_concurrent": max_concurrent,
        "resources_per_trial": {"cpu": 0.02},
        "seed": 1,
    }
    if variant in ("builtin", "builtin1"):
        spec["trainable"] = {"builtin": "synthetic"}
        spec["space"]["iterations"] = {"type": "const", "value": reports if variant == "builtin" else 1}
    elif variant == "shell":
        spec["trainable"] = {"command": ["/bin/sh", "-c", SHELL_LOOP], "env": {"N": str(reports)}}
    else:
        raise ValueError(variant)
    return spec


def main():
    tunelab = bl.resolve_tunelab(sys.argv)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tunelab")
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--reports", type=int, default=100)
    ap.add_argument("--max-concurrent", type=int, default=8)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--variants", default="builtin,builtin1,shell")
    a = ap.parse_args()
    variants = [v for v in a.variants.split(",") if v]

    per = {v: [] for v in variants}
    with bl.Workspace("tunelab-bench-throughput-") as ws:
        bl.note(f"workspace {ws.path} ({bl.filesystem_of(ws.path)}), {os.cpu_count()} CPUs")
        # Interleave the variants within each repetition so drift on the machine hits all of them alike.
        for rep in range(a.reps):
            for v in variants:
                reports = 1 if v == "builtin1" else a.reports
                load = bl.loadavg()
                threads = bl.ThreadSampler()
                try:
                    m = bl.run_engine(tunelab, make_spec(f"tp_{v}", v, a.trials, a.reports, a.max_concurrent),
                                      ws.subdir(v), name=f"tp_{v}", on_start=threads.start)
                finally:
                    m_main, m_other = threads.finish()
                m["main_cpu_s"], m["writer_cpu_s"] = m_main, m_other
                m["elapsed_s"] = bl.engine_elapsed(tunelab, m["db"])
                m["rows"], m["completed"] = bl.verify_db(m["db"], a.trials, reports)
                per[v].append(m)
                bl.note(f"rep {rep + 1} {v}: wall_s={m['wall_s']:.3f} engine_elapsed_s={m['elapsed_s']:.3f} "
                        f"engine_cpu_s={m['engine_cpu_s']:.2f} (main~{m['main_cpu_s']:.2f} writer~{m['writer_cpu_s']:.2f}) "
                        f"trials_cpu_s={m['trials_cpu_s']:.2f} rows={m['rows']} completed={m['completed']} loadavg_before={load:.2f}")

    med = {}
    for v in variants:
        runs = per[v]
        walls = [m["wall_s"] for m in runs]
        rows = runs[0]["rows"]
        wall = bl.median(walls)
        med[v] = wall
        print(f"bench_throughput: variant={v} results_per_s={rows / wall:.0f} trials={a.trials} reports={rows} "
              f"max_concurrent={a.max_concurrent} wall_s={wall:.3f} "
              f"engine_elapsed_s={bl.median([m['elapsed_s'] for m in runs]):.3f} "
              f"engine_cpu_s={bl.median([m['engine_cpu_s'] for m in runs]):.2f} "
              f"main_thread_cpu_s~{bl.median([m['main_cpu_s'] for m in runs]):.2f} "
              f"writer_thread_cpu_s~{bl.median([m['writer_cpu_s'] for m in runs]):.2f} "
              f"trials_cpu_s={bl.median([m['trials_cpu_s'] for m in runs]):.2f} "
              f"trials_per_s={a.trials / wall:.0f} reps={len(runs)} walls={bl.fmt_list(walls)} verified=yes")
    if "builtin" in med and "builtin1" in med and a.reports > 1:
        per_trial = med["builtin1"] / a.trials
        per_result = (med["builtin"] - med["builtin1"]) / (a.trials * (a.reports - 1))
        e100 = bl.median([m["engine_cpu_s"] for m in per["builtin"]])
        e1 = bl.median([m["engine_cpu_s"] for m in per["builtin1"]])
        print(f"bench_throughput_split: per_trial_ms={per_trial * 1e3:.3f} per_result_us={per_result * 1e6:.1f} "
              f"engine_cpu_per_trial_ms={e1 / a.trials * 1e3:.3f} "
              f"engine_cpu_per_result_us={(e100 - e1) / (a.trials * (a.reports - 1)) * 1e6:.1f} "
              f"trial_start_share={min(1.0, med['builtin1'] / med['builtin']) * 100:.0f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
