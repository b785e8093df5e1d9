"""Shared helpers for the curve recorders: random configurations, the recording loop and curve tables (docs/spec.md,
`table`). torch_train.py has the PyTorch training loop."""
import csv
import math
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


def record(rng, configs, sample, curve, data, epochs, seed, part=0, parts=1):
    """Samples `configs` configurations in order; records curve(cfg, data, epochs, seed * 100000 + i) of each i with
    i % parts == part. Returns the rows for write_table."""
    rows = []
    for i in range(configs):
        cfg = sample(rng)
        if i % parts != part:
            continue
        rows.append((fmt_cfg(cfg), curve(cfg, data, epochs, seed * 100000 + i)))
        if i % 25 == 0:
            print(f"# {i}: {fmt_cfg(cfg)} -> {rows[-1][1][-1]:.4f}", file=sys.stderr, flush=True)
    return rows
