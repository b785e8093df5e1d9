#!/usr/bin/env python3
"""bench_ray: the Ray Tune anchor for bench/overhead.py and bench/throughput.py (same workloads, same figures).

Ray is not a TuneLab dependency. Install it in a virtual environment outside the repository and point RAY_PYTHON
at that environment's python:

    python3 -m venv /tmp/rayvenv && /tmp/rayvenv/bin/pip install "ray[tune]"
    RAY_PYTHON=/tmp/rayvenv/bin/python bench/ray_overhead.py

Run with any python3: when `import ray` fails here, the script re-runs itself under $RAY_PYTHON, and when that is
not set (or not usable) it prints a `bench_ray: skipped ...` line and exits with status 0.

Workloads (each repeated --reps times, medians printed):
  overhead    200 trials that each `time.sleep(1)` then `tune.report({"score": 1})`, max_concurrent_trials=50,
              resources {"cpu": 0.02}: wall time of Tuner.fit() against the ideal 4 s
  throughput  --tp-trials (100) trials x --tp-reports (100) `tune.report` calls each, max_concurrent_trials=8:
              results per second (scaled down from TuneLab's 1,000 x 100; results/s is comparable, a total is not)

Ray runs with its defaults except: a private temporary/storage directory (removed afterwards), no dashboard,
verbose=0. reuse_actors is Ray's default (False: a fresh actor, i.e. a fresh worker process, per trial, like
TuneLab's process per trial); --reuse-actors adds runs with reuse_actors=True. ray.init() runs once and is timed
separately (ray_init_s); every repetition reuses that cluster, which favours Ray.

usage: bench/ray_overhead.py [--workloads overhead,throughput] [--reps N] [--trials N] [--concurrent N]
                             [--sleep S] [--tp-trials N] [--tp-reports N] [--tp-concurrent N] [--reuse-actors]
"""

import os
import sys


def reexec_or_skip():
    try:
        import ray  # noqa: F401
        return
    except ImportError:
        pass
    ray_python = os.environ.get("RAY_PYTHON", "")
    if not ray_python:
        print("bench_ray: skipped: `import ray` failed and RAY_PYTHON is not set "
              "(python3 -m venv /tmp/rayvenv && /tmp/rayvenv/bin/pip install \"ray[tune]\"; "
              "then RAY_PYTHON=/tmp/rayvenv/bin/python)")
        sys.exit(0)
    if not os.access(ray_python, os.X_OK):
        print(f"bench_ray: skipped: RAY_PYTHON={ray_python} is not an executable")
        sys.exit(0)
    if os.environ.get("BENCH_RAY_REEXEC"):  # already re-run under RAY_PYTHON, and ray is still missing
        print(f"bench_ray: skipped: RAY_PYTHON={ray_python} cannot import ray")
        sys.exit(0)
    os.environ["BENCH_RAY_REEXEC"] = "1"
    os.execv(ray_python, [ray_python, os.path.abspath(__file__)] + sys.argv[1:])


reexec_or_skip()

# Ray's processes print warnings on the driver's standard output; keep stdout for the figures alone.
OUT = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)


def emit(line):
    OUT.write(line + "\n")
    OUT.flush()

import argparse  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


def note(msg):
    sys.stderr.write("# " + msg + "\n")
    sys.stderr.flush()


def tree_cpu(root):
    """{pid: own CPU seconds (utime + stime)} for root and all its living descendants."""
    parents, own = {}, {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                data = f.read().decode(errors="replace")
        except OSError:
            continue
        fields = data[data.rindex(")") + 2:].split()
        pid = int(name)
        parents[pid] = int(fields[1])
        own[pid] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    out = {}
    for pid, cpu in own.items():
        p = pid
        while p and p != root and p in parents:
            p = parents[p]
        if p == root:
            out[pid] = cpu
    return out


class TreeSampler:
    """CPU of the whole Ray cluster (driver, GCS, raylet, workers: this process and its descendants) during a fit.

    Every process seen counts with its last sampled own CPU time, so workers that exit during the fit still count
    (up to one period of their tail); reaped children's times (cutime) are not used, so nothing counts twice."""

    def __init__(self, period=0.1):
        self.period, self.stop = period, threading.Event()
        self.base = {}
        self.last = {}
        self.samples = []  # (time, total so far)
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def sample(self):
        for pid, cpu in tree_cpu(os.getpid()).items():
            self.last[pid] = cpu
        total = sum(self.last.values()) - sum(self.base.values())
        self.samples.append((time.monotonic(), total))

    def loop(self):
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(self.period)

    def __enter__(self):
        self.base = tree_cpu(os.getpid())
        self.last = dict(self.base)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.sample()
        return False

    def total(self):
        return self.samples[-1][1]

    def window_shares(self):
        return [(c1 - c0) / (t1 - t0) for (t0, c0), (t1, c1) in zip(self.samples, self.samples[1:]) if t1 > t0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workloads", default="overhead,throughput")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--concurrent", type=int, default=50)
    ap.add_argument("--sleep", type=float, default=1.0)
    ap.add_argument("--tp-trials", type=int, default=100)
    ap.add_argument("--tp-reports", type=int, default=100)
    ap.add_argument("--tp-concurrent", type=int, default=8)
    ap.add_argument("--reuse-actors", action="store_true", help="also run each workload with reuse_actors=True")
    a = ap.parse_args()
    workloads = [w for w in a.workloads.split(",") if w]

    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    warnings.filterwarnings("ignore")
    import ray
    from ray import tune

    # A short path: Ray puts Unix sockets under its temp dir (107-byte limit).
    work = tempfile.mkdtemp(prefix="rb-", dir="/tmp")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))
    try:
        note(f"ray {ray.__version__}, python {sys.version.split()[0]}, {os.cpu_count()} CPUs, workspace {work}")
        t0 = time.perf_counter()
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False,
                 logging_level=logging.ERROR, _temp_dir=os.path.join(work, "ray"))
        init_s = time.perf_counter() - t0
        emit(f"bench_ray_init: ray_init_s={init_s:.2f} ray={ray.__version__}")

        def sleep_trial(config):
            time.sleep(config["sleep_s"])
            tune.report({"score": 1.0})

        def report_trial(config):
            for i in range(config["reports"]):
                tune.report({"score": float(i)})

        def fit(fn, param_space, trials, concurrent, reuse, name):
            tuner = tune.Tuner(
                tune.with_resources(fn, {"cpu": 0.02}),
                param_space=param_space,
                tune_config=tune.TuneConfig(num_samples=trials, max_concurrent_trials=concurrent, reuse_actors=reuse),
                run_config=tune.RunConfig(name=name, storage_path=os.path.join(work, "results"), verbose=0),
            )
            with TreeSampler() as cpu:
                t = time.perf_counter()
                grid = tuner.fit()
                wall = time.perf_counter() - t
            errors = sum(1 for r in grid if r.error)
            rows = sum(len(r.metrics_dataframe) if r.metrics_dataframe is not None else 0 for r in grid)
            shutil.rmtree(os.path.join(work, "results", name), ignore_errors=True)
            return wall, len(grid), errors, rows, cpu

        modes = [False, True] if a.reuse_actors else [False]
        for reuse in modes:
            tag = f"reuse_actors={'true' if reuse else 'false'}"
            if "overhead" in workloads:
                ideal = math.ceil(a.trials / a.concurrent) * a.sleep
                walls, cpus, idles = [], [], []
                for rep in range(a.reps):
                    wall, n, errors, rows, cpu = fit(sleep_trial, {"x": tune.uniform(0, 1), "sleep_s": a.sleep},
                                                     a.trials, a.concurrent, reuse, f"overhead{rep}{int(reuse)}")
                    if n != a.trials or errors or rows != a.trials:
                        raise RuntimeError(f"overhead run: {n} trials, {errors} errors, {rows} results")
                    shares = cpu.window_shares()
                    walls.append(wall)
                    cpus.append(cpu.total())
                    idles.append(statistics.median(shares) if shares else float("nan"))
                    note(f"rep {rep + 1} overhead {tag}: wall_s={wall:.3f} ray_cpu_s={cpu.total():.2f} "
                         f"median_window_cpu={idles[-1] * 100:.1f}% trials={n} results={rows}")
                wall = statistics.median(walls)
                emit(f"bench_ray_overhead: {tag} overhead={(wall - ideal) / ideal * 100:.1f}% wall_s={wall:.3f} "
                     f"ideal_s={ideal:.1f} trials={a.trials} concurrent={a.concurrent} sleep_s={a.sleep} "
                     f"reps={a.reps} walls=[{','.join(f'{w:.3f}' for w in walls)}]")
                emit(f"bench_ray_overhead_cpu: {tag} ray_cpu_s={statistics.median(cpus):.2f} "
                     f"ray_cpu_share={statistics.median(cpus) / wall * 100:.1f}% "
                     f"median_window_cpu={statistics.median(idles) * 100:.1f}% "
                     f"(all Ray processes: driver, GCS, raylet, workers; 100 ms windows)")
            if "throughput" in workloads:
                walls, cpus = [], []
                want = a.tp_trials * a.tp_reports
                for rep in range(a.reps):
                    wall, n, errors, rows, cpu = fit(report_trial, {"x": tune.uniform(0, 1), "reports": a.tp_reports},
                                                     a.tp_trials, a.tp_concurrent, reuse, f"throughput{rep}{int(reuse)}")
                    if n != a.tp_trials or errors or rows != want:
                        raise RuntimeError(f"throughput run: {n} trials, {errors} errors, {rows} results (want {want})")
                    walls.append(wall)
                    cpus.append(cpu.total())
                    note(f"rep {rep + 1} throughput {tag}: wall_s={wall:.3f} results_per_s={want / wall:.0f} "
                         f"ray_cpu_s={cpu.total():.2f} trials={n} results={rows}")
                wall = statistics.median(walls)
                emit(f"bench_ray_throughput: {tag} results_per_s={want / wall:.0f} trials={a.tp_trials} "
                     f"reports={want} max_concurrent={a.tp_concurrent} wall_s={wall:.3f} "
                     f"ray_cpu_s={statistics.median(cpus):.2f} trials_per_s={a.tp_trials / wall:.1f} reps={a.reps} "
                     f"walls=[{','.join(f'{w:.3f}' for w in walls)}] verified=yes")
    finally:
        try:
            ray.shutdown()
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
