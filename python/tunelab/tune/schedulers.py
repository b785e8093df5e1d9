"""Trial schedulers with Ray Tune's class names, constructor arguments and defaults.

Each maps to the study spec's ``scheduler`` block (docs/spec.md); the engine makes every decision. An argument
Ray has and TuneLab cannot honour raises ``ValueError`` naming it; an argument Ray does not have raises
``TypeError``, as Python does for any unknown keyword. What Ray 2.60 refuses is refused with Ray's exception and
message (its ``assert``s raise ``AssertionError`` here too, also under ``python -O``).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Mapping, Optional, Sequence

from ._space import Domain, SampleFrom


def _require(condition: bool, message: str) -> None:
    """Ray checks its arguments with ``assert``: the same exception and message, whatever python's -O says."""
    if not condition:
        raise AssertionError(message)


def _check_mode(mode: Optional[str], message: str = "`mode` must be 'min' or 'max'.") -> Optional[str]:
    if mode:
        _require(mode in ("min", "max"), message)
    return mode


class _SpecComponent:
    """What schedulers and searchers share: ``metric``/``mode`` filled in by tune.run / TuneConfig when not given
    to the constructor, and a repr showing the spec block."""

    metric: Optional[str]
    mode: Optional[str]

    def to_spec(self) -> Dict[str, Any]:
        raise NotImplementedError

    def set_search_properties(self, metric: Optional[str], mode: Optional[str], config: Any = None,
                              **spec: Any) -> bool:
        if self.metric is None:
            self.metric = metric
        if self.mode is None:
            self.mode = mode
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_spec()})"


class TrialScheduler(_SpecComponent):
    """Base class: ``metric``/``mode`` (optional here when given to tune.run / TuneConfig) and the spec block."""

    _type = "fifo"

    _mode_message = "`mode` must be 'min' or 'max'."

    def __init__(self, metric: Optional[str] = None, mode: Optional[str] = None):
        self.metric = metric
        self.mode = _check_mode(mode, self._mode_message)

    def _options(self) -> Dict[str, Any]:
        return {}

    def to_spec(self) -> Dict[str, Any]:
        return {"type": self._type, **self._options()}


class FIFOScheduler(TrialScheduler):
    """Runs every trial to the end (``{"type": "fifo"}``)."""

    def __init__(self) -> None:
        super().__init__()


class MedianStoppingRule(TrialScheduler):
    """Ray's median stopping rule (``median_stopping``). Ray's defaults: time_attr ``time_total_s``, grace 60."""

    _type = "median_stopping"

    def __init__(self, time_attr: str = "time_total_s", metric: Optional[str] = None, mode: Optional[str] = None,
                 grace_period: float = 60.0, min_samples_required: int = 3, min_time_slice: int = 0,
                 hard_stop: bool = True):
        super().__init__(metric, mode)
        self.time_attr = time_attr
        self.grace_period = grace_period
        self.min_samples_required = min_samples_required
        self.min_time_slice = min_time_slice
        self.hard_stop = hard_stop

    def _options(self) -> Dict[str, Any]:
        return {"time_attr": self.time_attr, "grace_period": self.grace_period,
                "min_samples_required": self.min_samples_required, "min_time_slice": self.min_time_slice,
                "hard_stop": self.hard_stop}


class AsyncHyperBandScheduler(TrialScheduler):
    """Asynchronous successive halving (``asha``), as Ray's AsyncHyperBandScheduler / ASHAScheduler."""

    _type = "asha"
    _mode_message = "`mode` must be 'min' or 'max'!"

    def __init__(self, time_attr: str = "training_iteration", metric: Optional[str] = None,
                 mode: Optional[str] = None, max_t: float = 100, grace_period: float = 1,
                 reduction_factor: float = 4, brackets: int = 1, stop_last_trials: bool = True):
        # Ray's checks, in Ray's order, with its messages.
        _require(max_t > 0, "Max (time_attr) not valid!")
        _require(max_t >= grace_period, "grace_period must be <= max_t!")
        _require(grace_period > 0, "grace_period must be positive!")
        _require(reduction_factor > 1, "Reduction Factor not valid!")
        _require(brackets > 0, "brackets must be positive!")
        super().__init__(metric, mode)
        if not stop_last_trials:
            raise ValueError("AsyncHyperBandScheduler: stop_last_trials=False is not supported by TuneLab "
                             "(trials reaching max_t always stop)")
        self.time_attr = time_attr
        self.max_t = max_t
        self.grace_period = grace_period
        self.reduction_factor = reduction_factor
        self.brackets = brackets

    def _options(self) -> Dict[str, Any]:
        return {"time_attr": self.time_attr, "max_t": self.max_t, "grace_period": self.grace_period,
                "reduction_factor": self.reduction_factor, "brackets": self.brackets}


ASHAScheduler = AsyncHyperBandScheduler


class HyperBandScheduler(TrialScheduler):
    """Ray's synchronous HyperBand (``hyperband_ray``): Ray's brackets (the first stops nothing early) and budget;
    pauses trials at milestones and resumes the best from their checkpoints. TuneLab's own, paper-style HyperBand
    is ``TuneLabHyperBandScheduler``."""

    _type = "hyperband_ray"
    _mode_message = "`mode` must be 'min' or 'max'!"

    def __init__(self, time_attr: str = "training_iteration", metric: Optional[str] = None,
                 mode: Optional[str] = None, max_t: int = 81, reduction_factor: float = 3,
                 stop_last_trials: bool = True):
        _require(max_t > 0, "Max (time_attr) not valid!")
        super().__init__(metric, mode)
        if not stop_last_trials:
            raise ValueError("HyperBandScheduler: stop_last_trials=False is not supported by TuneLab")
        self.time_attr = time_attr
        self.max_t = max_t
        self.reduction_factor = reduction_factor

    def _options(self) -> Dict[str, Any]:
        return {"time_attr": self.time_attr, "max_t": self.max_t, "reduction_factor": self.reduction_factor}


class HyperBandForBOHB(HyperBandScheduler):
    """Ray pairs it with TuneBOHB; here it is Ray's HyperBand (the same brackets), and TuneBOHB is the ``bohb``
    searcher."""


class TuneLabHyperBandScheduler(HyperBandScheduler):
    """TuneLab's synchronous HyperBand (``hyperband``), as in the paper (Li et al. 2017): brackets from the most
    aggressive (s = s_max) down to the one that stops nothing early, each rung keeping floor(n / eta). A TuneLab
    addition (Ray has no such class): fewer epochs than Ray's HyperBand for the same max_t."""

    _type = "hyperband"


def _mutation(name: str, value: Any) -> Any:
    if isinstance(value, Domain):
        return value.to_spec()
    if isinstance(value, (list, tuple)):
        return {"choice": list(value)}
    if isinstance(value, Mapping):
        return {key: _mutation(f"{name}.{key}", item) for key, item in value.items()}
    if callable(value):
        raise ValueError(f"PopulationBasedTraining: hyperparam_mutations[{name!r}] is a function; TuneLab's engine "
                         "resamples from the spec, so give a list of values or a tune search-space function")
    raise ValueError(f"PopulationBasedTraining: hyperparam_mutations[{name!r}] must be a list or a tune "
                     f"search-space function, got {value!r}")


class PopulationBasedTraining(TrialScheduler):
    """Population-based training (``pbt``). Ray's defaults: time_attr ``time_total_s``, interval 60."""

    _type = "pbt"

    def __init__(self, time_attr: str = "time_total_s", metric: Optional[str] = None, mode: Optional[str] = None,
                 perturbation_interval: float = 60.0, burn_in_period: float = 0.0,
                 hyperparam_mutations: Optional[Mapping[str, Any]] = None, quantile_fraction: float = 0.25,
                 resample_probability: float = 0.25, perturbation_factors: Sequence[float] = (1.2, 0.8),
                 custom_explore_fn: Optional[Callable[..., Any]] = None, log_config: bool = True,
                 require_attrs: bool = True, synch: bool = False):
        # Ray's checks first, with its exceptions and messages.
        for value in (hyperparam_mutations or {}).values():
            if not isinstance(value, (dict, list, tuple, Domain, SampleFrom)) and not callable(value):
                raise TypeError("`hyperparam_mutation` values must be either a List, Tuple, Dict, a tune search "
                                "space object, or a callable.")
            if isinstance(value, SampleFrom):
                raise ValueError("arbitrary tune.sample_from objects are not supported for `hyperparam_mutation` "
                                 "values.You must use other built in primitives liketune.uniform, tune.loguniform, "
                                 "etc.")
        if not hyperparam_mutations and not custom_explore_fn:
            from ._analysis import TuneError
            raise TuneError("You must specify at least one of `hyperparam_mutations` or `custom_explore_fn` to use "
                            "PBT.")
        if quantile_fraction > 0.5 or quantile_fraction < 0:
            raise ValueError("You must set `quantile_fraction` to a value between 0 and0.5. Current value: "
                             f"'{quantile_fraction}'")
        if perturbation_interval <= 0:
            raise ValueError("perturbation_interval must be a positive number greater than 0. Current value: "
                             f"'{perturbation_interval}'")
        super().__init__(metric, mode)
        if burn_in_period:
            raise ValueError("PopulationBasedTraining: burn_in_period is not supported by TuneLab")
        if custom_explore_fn is not None:
            raise ValueError("PopulationBasedTraining: custom_explore_fn is not supported by TuneLab (the engine "
                             "explores: resample with resample_probability, else multiply by perturbation_factors)")
        if synch:
            raise ValueError("PopulationBasedTraining: synch=True is not supported by TuneLab (asynchronous PBT)")
        self.time_attr = time_attr
        self.perturbation_interval = perturbation_interval
        self.hyperparam_mutations = dict(hyperparam_mutations or {})
        self.quantile_fraction = quantile_fraction
        self.resample_probability = resample_probability
        self.perturbation_factors = list(perturbation_factors)

    def _options(self) -> Dict[str, Any]:
        options: Dict[str, Any] = {
            "time_attr": self.time_attr, "perturbation_interval": self.perturbation_interval,
            "quantile_fraction": self.quantile_fraction, "resample_probability": self.resample_probability,
            "perturbation_factors": self.perturbation_factors}
        if self.hyperparam_mutations:
            options["hyperparam_mutations"] = {k: _mutation(k, v) for k, v in self.hyperparam_mutations.items()}
        return options


__all__ = ["TrialScheduler", "FIFOScheduler", "MedianStoppingRule", "AsyncHyperBandScheduler", "ASHAScheduler",
           "HyperBandScheduler", "HyperBandForBOHB", "TuneLabHyperBandScheduler", "PopulationBasedTraining"]
