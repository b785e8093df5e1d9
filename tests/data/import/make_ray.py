#!/usr/bin/env python3
"""Makes the Ray Tune fixtures of tests/data/import with Ray Tune itself (pip install "ray[tune]==2.60.0").

    RAY_DEDUP_LOGS=0 python make_ray.py OUTDIR

OUTDIR/ray/asha_nested      an ASHA experiment: nested configs, one trial raises at iteration 2
OUTDIR/ray/midrun_part      an experiment whose driver was killed mid-run (a copy of the folder then)
OUTDIR/ray/midrun           the same experiment after Tuner.restore() finished it
Each keeps ResultGrid.get_dataframe() as dataframe.csv beside it (midrun_part: the one of the restored run is
not meaningful, so it has none). Checkpoints, pickles and TensorBoard files are removed afterwards to keep the
fixtures small; the importer never reads them anyway.
"""
import glob
import os
import shutil
import signal
import subprocess
import sys
import time

os.environ.setdefault("RAY_DEDUP_LOGS", "0")
os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")


def asha_trainable(config):
    from ray import tune
    lr = config["optim"]["lr"]
    mom = config["optim"]["momentum"]
    layers = config["model"]["layers"]
    loss = 1.0
    for step in range(1, 9):
        if layers == 4 and step == 2:
            raise RuntimeError("diverged: loss is nan at step 2")
        loss = loss * (1.0 - min(0.9, lr * 5 * (1 + mom))) + 0.01 * layers
        tune.report({"loss": loss, "acc": 1.0 - loss / 2, "layers_seen": layers})


def slow_trainable(config):
    from ray import tune
    x = config["x"]
    for step in range(1, 7):
        time.sleep(1.0)
        tune.report({"score": -(x - 0.3) ** 2 + 0.01 * step})


def run_asha(storage):
    import ray
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    tuner = tune.Tuner(
        asha_trainable,
        param_space={
            "optim": {"lr": tune.loguniform(1e-3, 1e-1), "momentum": tune.uniform(0.5, 0.99)},
            "model": {"layers": tune.grid_search([1, 2, 3, 4]), "act": tune.choice(["relu", "tanh"])},
            "batch": 32,
        },
        tune_config=tune.TuneConfig(metric="loss", mode="min", num_samples=1,
                                    scheduler=ASHAScheduler(max_t=8, grace_period=2, reduction_factor=2)),
        run_config=tune.RunConfig(name="asha_nested", storage_path=storage, verbose=0,
                                  failure_config=tune.FailureConfig(max_failures=0)),
    )
    grid = tuner.fit()
    grid.get_dataframe().to_csv(os.path.join(storage, "asha_nested", "dataframe.csv"), index=False)
    ray.shutdown()


def run_midrun(storage, restore):
    import ray
    from ray import tune
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    path = os.path.join(storage, "midrun")
    if restore:
        tuner = tune.Tuner.restore(path, trainable=slow_trainable, resume_unfinished=True, restart_errored=False)
    else:
        tuner = tune.Tuner(
            slow_trainable,
            param_space={"x": tune.uniform(0.0, 1.0), "opt": {"wd": tune.choice([0.0, 0.1])}},
            tune_config=tune.TuneConfig(metric="score", mode="max", num_samples=4),
            run_config=tune.RunConfig(name="midrun", storage_path=storage, verbose=0),
        )
    grid = tuner.fit()
    if restore:
        grid.get_dataframe().to_csv(os.path.join(path, "dataframe.csv"), index=False)
    ray.shutdown()


def strip(folder):
    for pattern in ("**/*.pkl", "**/events.out.tfevents*", "**/checkpoint_*", "**/.validate_storage_marker",
                    "**/*.lock"):
        for p in glob.glob(os.path.join(folder, pattern), recursive=True):
            if os.path.isdir(p):
                shutil.rmtree(p)
            elif os.path.exists(p):
                os.remove(p)


def main():
    if len(sys.argv) == 3 and sys.argv[1] in ("--asha", "--midrun", "--restore"):
        mode, storage = sys.argv[1], sys.argv[2]
        if mode == "--asha":
            run_asha(storage)
        else:
            run_midrun(storage, mode == "--restore")
        return
    out = os.path.abspath(sys.argv[1])
    storage = os.path.join(out, "ray_work")
    os.makedirs(storage, exist_ok=True)
    subprocess.run([sys.executable, __file__, "--asha", storage], check=True)
    # Killed mid-run: the driver and everything Ray started die at once, as on a crash or a lost node.
    p = subprocess.Popen([sys.executable, __file__, "--midrun", storage], start_new_session=True)
    # Ray writes result.json as results arrive but the experiment state only now and then: stop it a few
    # seconds after the first result, wherever it is then.
    deadline = time.time() + 300
    while time.time() < deadline:
        if any(os.path.getsize(f) > 0 for f in glob.glob(os.path.join(storage, "midrun", "*", "result.json"))):
            break
        time.sleep(0.2)
    time.sleep(9)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    time.sleep(2)
    dst = os.path.join(out, "ray")
    os.makedirs(dst, exist_ok=True)
    shutil.copytree(os.path.join(storage, "midrun"), os.path.join(dst, "midrun_part"), dirs_exist_ok=True)
    subprocess.run([sys.executable, __file__, "--restore", storage], check=True)
    shutil.copytree(os.path.join(storage, "asha_nested"), os.path.join(dst, "asha_nested"), dirs_exist_ok=True)
    shutil.copytree(os.path.join(storage, "midrun"), os.path.join(dst, "midrun"), dirs_exist_ok=True)
    strip(dst)
    shutil.rmtree(storage)


if __name__ == "__main__":
    main()
