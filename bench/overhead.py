#!/usr/bin/env python3
"""bench_overhead: how far a study of sleeping trials is from the ideal schedule, and what the engine burns idle.

Workload (defaults): 200 trials of the built-in `synthetic` trainable with {"iterations": 1, "sleep_s": 1.0}
(sleep one second, report once, exit), 50 at a time, resources_per_trial {"cpu": 0.02}. The ideal wall time is
ceil(200 / 50) x 1 s = 4 s.

Variants (--variants, default both):
  builtin   the workload above (the trial process is `tunelab trial synthetic`)
  shell     the same schedule with `/bin/sh -c 'sleep 1; echo {"score": 1} >&3'` as the trial: a trial process
            that costs almost nothing to start, which separates the engine's own overhead from trial start-up

Figures (median over --reps runs):
  wall_s         `tunelab run` from fork to exit (includes opening the database and the final flush)
  overhead       (wall_s - ideal) / ideal
  engine_elapsed the study's elapsed_s as stored by the engine; engine_overhead uses it instead of wall_s
  engine_cpu     utime + stime of the engine process alone (not its trials), and engine_cpu / wall_s
  idle_cpu       the engine's CPU share while every trial sleeps: its CPU time is sampled every --sample-ms, and
                 only the windows in which no trial started, reported or ended count (quiet_s: their total)
  start_spread   from the database: the time between the first and the last start within a wave of 50
  trial_extra    median over trials of (runtime_s - sleep): process start, report and exit per trial

usage: bench/overhead.py PATH/TO/tunelab [--trials N] [--concurrent N] [--sleep S] [--reps N] [--sample-ms MS]
                                        [--variants builtin,shell]
"""

import argparse
import bisect
import math
import os
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402


SHELL_TRIAL = 'sleep "$SLEEP_S"; echo "{\\"score\\": 1}" >&3'


def make_spec(variant, trials, concurrent, sleep_s):
    spec = {
        "name": "overhead",
        "objective": {"metric": "score", "mode": "max"},
        "space": {"x": {"type": "float", "low": 0, "high": 1}},
        "search": {"type": "random", "seed": 1},
        "num_samples": trials,
        "max_concurrent": concurrent,
        "resources_per_trial": {"cpu": 0.02},
        "seed": 1,
    }
    if variant == "builtin":
        spec["trainable"] = {"builtin": "synthetic"}
        spec["space"]["iterations"] = {"type": "const", "value": 1}
        spec["space"]["sleep_s"] = {"type": "const", "value": sleep_s}
    elif variant == "shell":
        spec["trainable"] = {"command": ["/bin/sh", "-c", SHELL_TRIAL], "env": {"SLEEP_S": repr(sleep_s)}}
    else:
        raise ValueError(variant)
    return spec


class CpuSampler:
    """Samples the CPU time of the engine process (utime + stime) every period seconds."""

    def __init__(self, period):
        self.period = period
        self.samples = []  # (monotonic time, engine cpu seconds)
        self.stop = threading.Event()
        self.pid = None
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        while not self.stop.is_set():
            pid = self.pid
            if pid:
                try:
                    cpu, _ = bl.proc_times(pid)
                    self.samples.append((time.time(), cpu))  # wall clock, as the database's timestamps
                except (OSError, ValueError):
                    pass
            self.stop.wait(self.period)

    def window_shares(self):
        """[(start, end, cpu share)] for each sampling window."""
        out = []
        for (t0, c0), (t1, c1) in zip(self.samples, self.samples[1:]):
            if t1 > t0:
                out.append((t0, t1, (c1 - c0) / (t1 - t0)))
        return out


def quiet_share(windows, event_times, margin=0.005):
    """The engine's CPU share over the windows in which no trial started, reported or ended: the idle cost."""
    events = sorted(event_times)
    cpu = dur = 0.0
    for t0, t1, share in windows:
        i = bisect.bisect_left(events, t0 - margin)
        if i < len(events) and events[i] <= t1 + margin:
            continue
        cpu += share * (t1 - t0)
        dur += t1 - t0
    return (cpu / dur if dur > 0 else float("nan")), dur


def run_once(tunelab, spec, workdir, sample_s):
    sampler = CpuSampler(sample_s)

    def started(pid):
        sampler.pid = pid
        sampler.thread.start()

    try:
        m = bl.run_engine(tunelab, spec, workdir, name="overhead", on_start=started)
    finally:
        sampler.stop.set()
        if sampler.thread.is_alive():
            sampler.thread.join()
    m["shares"] = sampler.window_shares()
    return m


def trial_timing(db_path, concurrent, sleep_s):
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT started_at, ended_at, runtime_s FROM trials ORDER BY started_at").fetchall()
        events = [r[0] for r in con.execute("SELECT ts FROM results")]
    finally:
        con.close()
    starts = [r[0] for r in rows]
    events += starts + [r[1] for r in rows]
    spreads = [starts[min(i + concurrent, len(starts)) - 1] - starts[i] for i in range(0, len(starts), concurrent)]
    extra = bl.median([r[2] - sleep_s for r in rows])
    span = max(r[1] for r in rows) - min(starts)
    return {"spread_s": max(spreads), "spreads": spreads, "extra_s": extra, "span_s": span, "events": events}


def main():
    tunelab = bl.resolve_tunelab(sys.argv)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tunelab")
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--concurrent", type=int, default=50)
    ap.add_argument("--sleep", type=float, default=1.0)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--sample-ms", type=float, default=100)
    ap.add_argument("--variants", default="builtin,shell")
    a = ap.parse_args()
    ideal = math.ceil(a.trials / a.concurrent) * a.sleep

    variants = [v for v in a.variants.split(",") if v]
    runs = {v: [] for v in variants}
    with bl.Workspace("tunelab-bench-overhead-") as ws:
        bl.note(f"workspace {ws.path} ({bl.filesystem_of(ws.path)}), {os.cpu_count()} CPUs")
        for rep in range(a.reps):
            for v in variants:
                load = bl.loadavg()
                m = run_once(tunelab, make_spec(v, a.trials, a.concurrent, a.sleep), ws.subdir(v),
                             a.sample_ms / 1000)
                m["elapsed_s"] = bl.engine_elapsed(tunelab, m["db"])
                bl.verify_db(m["db"], a.trials, 1)
                m.update(trial_timing(m["db"], a.concurrent, a.sleep))
                m["idle_share"], m["quiet_s"] = quiet_share(m["shares"], m.pop("events"))
                runs[v].append(m)
                bl.note(f"rep {rep + 1} {v}: wall_s={m['wall_s']:.3f} engine_elapsed_s={m['elapsed_s']:.3f} "
                        f"span_s={m['span_s']:.3f} engine_cpu_s={m['engine_cpu_s']:.3f} "
                        f"trials_cpu_s={m['trials_cpu_s']:.2f} idle_cpu={m['idle_share'] * 100:.3f}% "
                        f"(over {m['quiet_s']:.2f} s of quiet windows) "
                        f"wave_start_spreads_ms={bl.fmt_list([s * 1e3 for s in m['spreads']], 0)} "
                        f"trial_extra_ms={m['extra_s'] * 1e3:.1f} loadavg_before={load:.2f}")

    for v in variants:
        rs = runs[v]
        med = lambda k: bl.median([m[k] for m in rs])  # noqa: E731
        wall, elapsed, cpu = med("wall_s"), med("elapsed_s"), med("engine_cpu_s")
        walls = [m["wall_s"] for m in rs]
        print(f"bench_overhead: variant={v} overhead={(wall - ideal) / ideal * 100:.1f}% wall_s={wall:.3f} "
              f"ideal_s={ideal:.1f} trials={a.trials} concurrent={a.concurrent} sleep_s={a.sleep} reps={len(rs)} "
              f"walls={bl.fmt_list(walls)}")
        print(f"bench_overhead_engine: variant={v} engine_overhead={(elapsed - ideal) / ideal * 100:.1f}% "
              f"engine_elapsed_s={elapsed:.3f} wave_start_spread_ms={med('spread_s') * 1e3:.0f} "
              f"trial_extra_ms={med('extra_s') * 1e3:.1f}")
        print(f"bench_overhead_cpu: variant={v} engine_cpu_s={cpu:.3f} engine_cpu_share={cpu / wall * 100:.2f}% "
              f"idle_cpu={med('idle_share') * 100:.3f}% quiet_s={med('quiet_s'):.2f} trials_cpu_s={med('trials_cpu_s'):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
