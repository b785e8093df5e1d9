"""Stoppers with Ray Tune's class names, mapped to the spec's ``stoppers`` list (docs/spec.md, "Stoppers")."""

from __future__ import annotations

from typing import Any, Dict, Optional


class Stopper:
    """Base class. A subclass written in Python (``__call__`` / ``stop_all``) cannot run in the engine."""

    def to_spec(self) -> Dict[str, Any]:
        raise ValueError(f"{type(self).__name__}: a stopper written in Python cannot run in TuneLab's engine; use "
                         "a `stop` dict or one of tune.stopper's classes")


def _drop_none(block: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in block.items() if v is not None}


class MaximumIterationStopper(Stopper):
    def __init__(self, max_iter: int):
        self.max_iter = max_iter

    def to_spec(self) -> Dict[str, Any]:
        return {"type": "max_iterations", "max_iter": self.max_iter}


class TrialPlateauStopper(Stopper):
    def __init__(self, metric: str, std: float = 0.01, num_results: int = 4, grace_period: int = 4,
                 metric_threshold: Optional[float] = None, mode: Optional[str] = None):
        self.block = _drop_none({"type": "trial_plateau", "metric": metric, "std": std, "num_results": num_results,
                                 "grace_period": grace_period, "metric_threshold": metric_threshold, "mode": mode})

    def to_spec(self) -> Dict[str, Any]:
        return dict(self.block)


class ExperimentPlateauStopper(Stopper):
    def __init__(self, metric: str, std: float = 0.001, top: int = 10, mode: str = "min", patience: int = 0):
        self.block = {"type": "experiment_plateau", "metric": metric, "std": std, "top": top, "mode": mode,
                      "patience": patience}

    def to_spec(self) -> Dict[str, Any]:
        return dict(self.block)


class TimeoutStopper(Stopper):
    def __init__(self, timeout: Any):
        seconds = timeout.total_seconds() if hasattr(timeout, "total_seconds") else float(timeout)
        self.timeout_s = seconds

    def to_spec(self) -> Dict[str, Any]:
        return {"type": "timeout", "timeout_s": self.timeout_s}


class CombinedStopper(Stopper):
    def __init__(self, *stoppers: Stopper):
        self.stoppers = list(stoppers)

    def to_spec(self) -> Dict[str, Any]:
        return {"type": "combined", "stoppers": [s.to_spec() for s in self.stoppers]}


class FunctionStopper(Stopper):
    def __init__(self, function: Any):
        raise ValueError("FunctionStopper: a stop function written in Python cannot run in TuneLab's engine; use a "
                         "`stop` dict (e.g. {'training_iteration': 10, 'mean_accuracy': 0.98}) or tune.stopper's "
                         "classes")


__all__ = ["Stopper", "MaximumIterationStopper", "TrialPlateauStopper", "ExperimentPlateauStopper",
           "TimeoutStopper", "CombinedStopper", "FunctionStopper"]
