"""Shared helpers for the curve recorders: random configurations and curve tables (docs/spec.md, `table`)."""
import csv
import math
import random
import sys


def log_uniform(rng, low, high):
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def write_table(path, rows, config_columns, epochs, first_id=0, id_step=1):
    """rows: list of (config dict, curve list). Writes a curve table: trial_id, config columns, 1..epochs."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["trial_id"] + config_columns + [str(e) for e in range(1, epochs + 1)])
        for i, (cfg, curve) in enumerate(rows):
            cells = [first_id + i * id_step] + [cfg[c] for c in config_columns] + [f"{v:.5g}" for v in curve]
            w.writerow(cells)
    print(f"wrote {len(rows)} curves x {epochs} epochs to {path}", file=sys.stderr)


def fmt_cfg(cfg):
    return {k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in cfg.items()}
