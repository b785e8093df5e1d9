"""A Ray-Tune-compatible front-end: ``from tunelab import tune`` in place of ``from ray import tune``.

The same calls (tune.run, Tuner, the search-space functions, tune.report, the schedulers and searchers) write a
study spec and run it on TuneLab's engine (the ``tunelab`` binary); results are read back from the study's SQLite
database. See docs/python.md for what maps one to one, what differs, and what TuneLab adds.
"""

from . import schedulers, search, stopper
from ._analysis import ExperimentAnalysis, Result, ResultGrid, Trial, TuneError
from ._api import CheckpointConfig, FailureConfig, RunConfig, TuneConfig, Tuner, run
from ._driver import find_binary
from ._session import (Checkpoint, TrainContext, get_checkpoint, get_context, get_trial_dir, get_trial_id,
                       get_trial_name, report)
from ._space import (Domain, choice, grid_search, lograndint, loguniform, qlograndint, qloguniform, qrandint,
                     qrandn, quniform, randint, randn, sample_from, uniform)
from ._spec import with_parameters, with_resources
from ._trainable import Trainable
from .stopper import Stopper

__all__ = [
    "Checkpoint", "CheckpointConfig", "Domain", "ExperimentAnalysis", "FailureConfig", "Result", "ResultGrid",
    "RunConfig", "Stopper", "TrainContext", "Trainable", "Trial", "TuneConfig", "TuneError", "Tuner", "choice",
    "find_binary", "get_checkpoint", "get_context", "get_trial_dir", "get_trial_id", "get_trial_name",
    "grid_search", "lograndint", "loguniform", "qlograndint", "qloguniform", "qrandint", "qrandn", "quniform",
    "randint", "randn", "report", "run", "sample_from", "schedulers", "search", "stopper", "uniform",
    "with_parameters", "with_resources",
]
