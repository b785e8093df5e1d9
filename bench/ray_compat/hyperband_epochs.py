#!/usr/bin/env python3
"""HyperBandScheduler on recorded curves, one trial at a time: the epochs each trial ran, under Ray or TuneLab.

    /path/to/ray-venv/bin/python bench/ray_compat/hyperband_epochs.py ray tests/data/ray_hyperband/epochs_ray.json
    PYTHONPATH=python TUNELAB_BIN=build/bin/tunelab python3 bench/ray_compat/hyperband_epochs.py tunelab [OUT.json]

The trainable replays one row of tests/data/ray_hyperband/curves.csv (a curve table: config column `i`, then
one column per epoch), reporting `acc` once per epoch with a checkpoint, and continues after its checkpoint
when a paused trial is resumed. The configs are `tune.grid_search` over the rows, in order, so trial k replays
row k under both engines. Everything but the import and how one trial at a time is obtained is the same:

- Ray: `ray.init(num_cpus=1)` with one CPU per trial. (Ray's `max_concurrent_trials=1` would also limit how
  many trials exist at once, so every trial would land in HyperBand's first bracket: not what is measured.)
- TuneLab: `max_concurrent_trials=1`.

Writes one JSON object to OUT.json (else prints it): {"engine", "max_t", "reduction_factor", "rows",
"epochs": {row: epochs run}, "total"}.
Options (environment): HB_MAX_T (20), HB_ETA (3), HB_ROWS (all rows of the table); under TuneLab,
HB_SCHEDULER=TuneLabHyperBandScheduler runs TuneLab's own (paper) HyperBand instead.
"""

import csv
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

BACKEND = sys.argv[1] if len(sys.argv) > 1 else "tunelab"
CURVES = Path(os.environ.get("HB_CURVES", Path(__file__).resolve().parents[2] / "tests/data/ray_hyperband/curves.csv"))
MAX_T = int(os.environ.get("HB_MAX_T", "20"))
ETA = float(os.environ.get("HB_ETA", "3"))

if BACKEND == "ray":
    import ray
    from ray import tune
    from ray.tune import Checkpoint
    from ray.tune.schedulers import HyperBandScheduler
elif BACKEND == "tunelab":
    from tunelab import tune
    from tunelab.tune import Checkpoint
    from tunelab.tune import schedulers
    HyperBandScheduler = getattr(schedulers, os.environ.get("HB_SCHEDULER", "HyperBandScheduler"))
else:
    sys.exit(f"usage: {sys.argv[0]} ray|tunelab [OUT.json]")
SCHEDULER = HyperBandScheduler


def load_curves():
    with open(CURVES, newline="") as f:
        rows = list(csv.DictReader(f))
    curves = [[float(row[str(e)]) for e in range(1, len(row)) if row.get(str(e))] for row in rows]
    limit = int(os.environ.get("HB_ROWS", len(curves)))
    return curves[:limit]


def replay(config):
    curve = load_curves()[config["i"]]
    start = 0
    checkpoint = tune.get_checkpoint()
    if checkpoint is not None:
        with checkpoint.as_directory() as d:
            start = json.loads(Path(d, "state.json").read_text())["epoch"]
    for epoch in range(start + 1, len(curve) + 1):
        d = tempfile.mkdtemp(prefix="ckpt-", dir=os.environ.get("HB_TMP"))
        Path(d, "state.json").write_text(json.dumps({"epoch": epoch}))
        tune.report({"acc": curve[epoch - 1], "epoch": epoch}, checkpoint=Checkpoint.from_directory(d))


def main():
    rows = len(load_curves())
    storage = tempfile.mkdtemp(prefix=f"hb-{BACKEND}-")
    os.environ["HB_TMP"] = storage  # the trials' checkpoint folders, removed with the rest
    try:
        run_config_cls = getattr(tune, "RunConfig", None)
        if run_config_cls is None:
            from ray.train import RunConfig as run_config_cls
        tune_config = dict(metric="acc", mode="max", num_samples=1,
                           scheduler=SCHEDULER(max_t=MAX_T, reduction_factor=ETA))
        if BACKEND == "ray":
            ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
        else:
            tune_config["max_concurrent_trials"] = 1
        tuner = tune.Tuner(
            replay,
            param_space={"i": tune.grid_search(list(range(rows)))},
            tune_config=tune.TuneConfig(**tune_config),
            run_config=run_config_cls(name="hyperband_epochs", storage_path=storage, verbose=0),
        )
        results = tuner.fit()
        epochs = {}
        for r in results:
            epochs[str(r.config["i"])] = int(r.metrics.get("epoch", 0))
        epochs = {k: epochs[k] for k in sorted(epochs, key=int)}
        engine = f"ray {ray.__version__}" if BACKEND == "ray" else BACKEND
        text = json.dumps({"engine": engine, "max_t": MAX_T, "reduction_factor": ETA, "rows": rows,
                           "epochs": epochs, "total": sum(epochs.values())}, indent=1)
        if len(sys.argv) > 2:
            Path(sys.argv[2]).write_text(text + "\n")
        else:
            print(text)
    finally:
        if not os.environ.get("HB_KEEP"):
            shutil.rmtree(storage, ignore_errors=True)


if __name__ == "__main__":
    main()
