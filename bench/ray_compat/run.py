#!/usr/bin/env python3
"""bench_ray_compat: bench/ray_compat/trivial.py under TuneLab's front-end and under Ray Tune, side by side.

    TUNELAB_BIN=build/bin/tunelab python3 bench/ray_compat/run.py [--ray-python /tmp/rayvenv/bin/python] [--reps N]

Runs, interleaved within each repetition: the plain loop, TuneLab (this python, PYTHONPATH=python), and Ray Tune
(--ray-python, default $RAY_PYTHON or /tmp/rayvenv/bin/python; skipped when it cannot `import ray`). Prints the
median wall time of each, TuneLab's per-trial overhead against the loop ((wall - loop) / trials, and the same times
the concurrency, i.e. per trial process), and the ratio Ray / TuneLab. Ray runs with its defaults (a fresh worker
process per trial, one CPU per trial); ray.init() happens inside the timed script, as a user's script would do it.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def run(python, backend, env):
    done = subprocess.run([python, str(HERE / "trivial.py"), backend], env=env, capture_output=True, text=True)
    line = next((l for l in done.stdout.splitlines() if l.startswith("trivial:")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"{backend} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    if "results_verified=NO" in line:
        raise RuntimeError(f"{backend}: wrong results: {line}")
    print(f"# {line}", file=sys.stderr)
    return float(re.search(r"wall_s=([0-9.]+)", line).group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--ray-python", default=os.environ.get("RAY_PYTHON", "/tmp/rayvenv/bin/python"))
    args = parser.parse_args()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "python"), env.get("PYTHONPATH")) if p)
    ray_ok = os.access(args.ray_python, os.X_OK) and subprocess.run(
        [args.ray_python, "-c", "import ray.tune"], capture_output=True).returncode == 0
    walls = {"loop": [], "tunelab": [], "ray": []}
    for _ in range(args.reps):
        walls["loop"].append(run(sys.executable, "loop", env))
        walls["tunelab"].append(run(sys.executable, "tunelab", env))
        if ray_ok:
            ray_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
            ray_env["RAY_DEDUP_LOGS"] = "0"
            walls["ray"].append(run(args.ray_python, "ray", ray_env))
    trials = int(os.environ.get("BENCH_TRIALS", "200"))
    reports = int(os.environ.get("BENCH_REPORTS", "50"))
    loop = statistics.median(walls["loop"])
    tl = statistics.median(walls["tunelab"])
    cores = os.cpu_count() or 1
    print(f"bench_ray_compat: trials={trials} reports={reports} cores={cores} loop_s={loop:.4f} "
          f"tunelab_s={tl:.2f} tunelab_per_trial_ms={(tl - loop) / trials * 1000:.1f} "
          f"tunelab_per_trial_process_ms={(tl - loop) / trials * cores * 1000:.1f}")
    if walls["ray"]:
        ray = statistics.median(walls["ray"])
        print(f"bench_ray_compat: ray_s={ray:.2f} ray_per_trial_ms={(ray - loop) / trials * 1000:.1f} "
              f"ratio_ray_over_tunelab={ray / tl:.1f}")
    else:
        print(f"bench_ray_compat: ray skipped: {args.ray_python} cannot import ray.tune")


if __name__ == "__main__":
    main()
