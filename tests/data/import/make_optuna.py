#!/usr/bin/env python3
"""Makes tests/data/import/optuna.db with Optuna itself (Debian's python3-optuna 3.1), and optuna_expected.json:
what Optuna reports about each study (study.trials, study.best_trials), for the importer's tests.

    python3 make_optuna.py OUTDIR

Studies:
  tpe_cond   TPE, one objective (minimize), a conditional parameter (momentum only with sgd), log/step
             distributions, intermediate values and a median pruner (PRUNED trials), FAIL trials (one raised,
             one returned nan), user attributes, one RUNNING (asked, never told) and one WAITING (enqueued).
  two_obj    NSGA-II, two objectives (minimize loss, maximize accuracy).
  empty      created, never run.
"""
import json
import math
import os
import sys

import optuna

out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
path = os.path.join(out, "optuna.db")
if os.path.exists(path):
    os.remove(path)
storage = "sqlite:///" + path
optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial):
    opt = trial.suggest_categorical("optimizer", ["sgd", "adam"])
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    mom = trial.suggest_float("momentum", 0.0, 0.9) if opt == "sgd" else 0.0
    layers = trial.suggest_int("layers", 1, 4)
    units = trial.suggest_int("units", 16, 128, step=16)
    dropout = trial.suggest_float("dropout", 0.0, 0.5, step=0.1)
    trial.set_user_attr("note", "layers=%d" % layers)
    if trial.number == 4:
        raise ValueError("out of memory with %d units" % units)
    if trial.number == 7:
        return float("nan")
    loss = 1.0
    for step in range(5):
        loss = loss * (1 - min(0.8, lr * 10 * (1 + mom))) + 0.02 * layers + dropout * 0.01 + units / 1e4
        trial.report(loss, step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return loss


s1 = optuna.create_study(study_name="tpe_cond", storage=storage, direction="minimize",
                         sampler=optuna.samplers.TPESampler(seed=3, n_startup_trials=5),
                         pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1))
s1.set_user_attr("dataset", "toy")
s1.optimize(objective, n_trials=16, catch=(ValueError,))
s1.ask()  # RUNNING: asked, never told
s1.enqueue_trial({"optimizer": "adam", "lr": 0.01, "layers": 2, "units": 32, "dropout": 0.1})  # WAITING


def two(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    w = trial.suggest_int("width", 8, 64, log=True)
    return (x - 0.2) ** 2 + 1.0 / w, 1.0 - (x - 0.7) ** 2 - 0.001 * w


s2 = optuna.create_study(study_name="two_obj", storage=storage, directions=["minimize", "maximize"],
                         sampler=optuna.samplers.NSGAIISampler(seed=5, population_size=6))
s2.optimize(two, n_trials=12)

optuna.create_study(study_name="empty", storage=storage)


def finite(v):
    return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v


def dump(study):
    trials = []
    for t in study.trials:
        trials.append({
            "number": t.number,
            "state": t.state.name,
            "params": t.params,
            "distributions": {k: type(d).__name__ for k, d in t.distributions.items()},
            "values": [finite(v) for v in t.values] if t.values else None,
            "intermediate_values": {str(k): v for k, v in sorted(t.intermediate_values.items())},
            "user_attrs": t.user_attrs,
            "system_attrs": t.system_attrs,
        })
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    return {
        "directions": [d.name for d in study.directions],
        "trials": trials,
        "best_trials": [t.number for t in study.best_trials] if complete else [],
    }


expected = {name: dump(optuna.load_study(study_name=name, storage=storage)) for name in ("tpe_cond", "two_obj")}
expected["optuna_version"] = optuna.__version__
with open(os.path.join(out, "optuna_expected.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
