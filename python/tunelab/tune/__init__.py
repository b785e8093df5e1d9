"""A Ray-Tune-compatible front-end: ``from tunelab import tune`` in place of ``from ray import tune``.

The same calls (tune.run, Tuner, the search-space functions, tune.report, the schedulers and searchers) write a
study spec and run it on TuneLab's engine (the ``tunelab`` binary); results are read back from the study's SQLite
database. See docs/python.md for what maps one to one, what differs, and what TuneLab adds.

What a trial needs (report, checkpoints, the search-space functions, Trainable) is imported at once; the driver's
side (run, Tuner, the analysis) on first use, so that every trial process starts quickly.
"""

from ._session import (Checkpoint, TrainContext, get_checkpoint, get_context, get_trial_dir, get_trial_id,
                       get_trial_name, report)
from ._space import (Domain, choice, grid_search, lograndint, loguniform, qlograndint, qloguniform, qrandint,
                     qrandn, quniform, randint, randn, sample_from, uniform)
from ._trainable import Trainable

_LAZY = {
    "run": "_api", "Tuner": "_api", "TuneConfig": "_api", "RunConfig": "_api", "CheckpointConfig": "_api",
    "FailureConfig": "_api", "ExperimentAnalysis": "_analysis", "Result": "_analysis", "ResultGrid": "_analysis",
    "Trial": "_analysis", "TuneError": "_analysis", "find_binary": "_driver", "with_parameters": "_spec",
    "with_resources": "_spec", "Stopper": "stopper", "schedulers": None, "search": None, "stopper": None,
}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'tunelab.tune' has no attribute {name!r}")
    import importlib
    module = importlib.import_module(f".{_LAZY[name] or name}", __name__)
    value = module if _LAZY[name] is None else getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Checkpoint", "CheckpointConfig", "Domain", "ExperimentAnalysis", "FailureConfig", "Result", "ResultGrid",
    "RunConfig", "Stopper", "TrainContext", "Trainable", "Trial", "TuneConfig", "TuneError", "Tuner", "choice",
    "find_binary", "get_checkpoint", "get_context", "get_trial_dir", "get_trial_id", "get_trial_name",
    "grid_search", "lograndint", "loguniform", "qlograndint", "qloguniform", "qrandint", "qrandn", "quniform",
    "randint", "randn", "report", "run", "sample_from", "schedulers", "search", "stopper", "uniform",
    "with_parameters", "with_resources",
]
