"""Search algorithms named like Ray Tune's wrappers, mapped to the engine's searchers (docs/search.md).

The engine proposes every configuration; these classes only write the spec's ``search`` block. Options of the
wrapped libraries that have an equivalent are translated; the rest are accepted and have no effect (listed in
docs/python.md). A ``space`` given to a searcher is used as the config when tune.run / Tuner get none.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from .schedulers import _check_mode, _require, _SpecComponent


class Searcher(_SpecComponent):
    """Base class: a spec ``search`` block of ``type`` with ``options``."""

    _type = "random"

    def __init__(self, metric: Optional[str] = None, mode: Optional[str] = None,
                 points_to_evaluate: Optional[List[Dict[str, Any]]] = None, space: Optional[Mapping] = None,
                 seed: Optional[int] = None, **options: Any):
        self.metric = metric
        self.mode = mode
        if metric and mode:  # Ray checks the mode only when both are given
            _check_mode(mode, "if `mode` is a str must be 'min' or 'max'!")
        self.points_to_evaluate = list(points_to_evaluate) if points_to_evaluate else None
        self.space = dict(space) if space else None
        self.seed = seed
        self.options = {k: v for k, v in options.items() if v is not None}

    def to_spec(self) -> Dict[str, Any]:
        block: Dict[str, Any] = {"type": self._type, **self.options}
        if self.seed is not None:
            block["seed"] = int(self.seed)
        if self.points_to_evaluate:
            block["points_to_evaluate"] = self.points_to_evaluate
        return block



class BasicVariantGenerator(Searcher):
    """Ray's default: grid parameters enumerated, the others sampled at random (``random``)."""

    def __init__(self, points_to_evaluate: Optional[List[Dict[str, Any]]] = None, max_concurrent: int = 0,
                 constant_grid_search: bool = False, random_state: Optional[int] = None):
        super().__init__(points_to_evaluate=points_to_evaluate, seed=random_state,
                         max_concurrent=max_concurrent or None)


class RandomSearch(Searcher):
    """Random search (``random``)."""

    def __init__(self, metric=None, mode=None, points_to_evaluate=None, seed=None):
        super().__init__(metric, mode, points_to_evaluate, seed=seed)


class GridSearch(Searcher):
    """Grid search over every parameter (``grid``); every parameter needs finitely many values."""

    _type = "grid"

    def __init__(self, metric=None, mode=None):
        super().__init__(metric, mode)


class OptunaSearch(Searcher):
    """Ray's OptunaSearch uses Optuna's TPE sampler by default: the engine's ``tpe``."""

    _type = "tpe"

    def __init__(self, space: Optional[Mapping] = None, metric: Optional[str] = None, mode: Optional[str] = None,
                 points_to_evaluate: Optional[List[Dict[str, Any]]] = None, sampler: Any = None,
                 seed: Optional[int] = None, evaluated_rewards: Optional[List] = None):
        if sampler is not None:
            raise ValueError("OptunaSearch: a custom Optuna sampler cannot run in TuneLab's engine; use "
                             "OptunaSearch() (TPE), or tune.search.CMAESSearch / BayesOptSearch / SobolSearch")
        if evaluated_rewards is not None:
            raise ValueError("OptunaSearch: evaluated_rewards is not supported by TuneLab; the trials of "
                             "points_to_evaluate are run")
        super().__init__(metric, mode, points_to_evaluate, space, seed)


class HyperOptSearch(Searcher):
    """Ray's HyperOptSearch (TPE): the engine's ``tpe`` with ``n_initial_points`` and ``gamma``."""

    _type = "tpe"

    def __init__(self, space: Optional[Mapping] = None, metric: Optional[str] = None, mode: Optional[str] = None,
                 points_to_evaluate: Optional[List[Dict[str, Any]]] = None, n_initial_points: int = 20,
                 random_state_seed: Optional[int] = None, gamma: float = 0.25):
        super().__init__(metric, mode, points_to_evaluate, space, random_state_seed,
                         n_startup_trials=n_initial_points, gamma=gamma)


class TPESearch(Searcher):
    """The engine's ``tpe`` with its own options (see docs/search.md)."""

    _type = "tpe"

    def __init__(self, metric=None, mode=None, points_to_evaluate=None, seed=None, **options: Any):
        super().__init__(metric, mode, points_to_evaluate, seed=seed, **options)


class BayesOptSearch(Searcher):
    """Ray's BayesOptSearch (a Gaussian process): the engine's ``gp``."""

    _type = "gp"

    def __init__(self, space: Optional[Mapping] = None, metric: Optional[str] = None, mode: Optional[str] = None,
                 points_to_evaluate: Optional[List[Dict[str, Any]]] = None,
                 utility_kwargs: Optional[Dict[str, Any]] = None, random_state: int = 42,
                 random_search_steps: int = 10, verbose: int = 0, patience: int = 5, skip_duplicate: bool = True,
                 analysis: Any = None):
        options: Dict[str, Any] = {"n_startup_trials": random_search_steps}
        kind = (utility_kwargs or {}).get("kind")
        if kind == "ucb":
            options["acquisition"] = "ucb"
            if "kappa" in (utility_kwargs or {}):
                options["ucb_beta"] = float(utility_kwargs["kappa"]) ** 2
        elif kind == "ei":
            options["acquisition"] = "log_ei"
        super().__init__(metric, mode, points_to_evaluate, space, random_state, **options)


class SkOptSearch(BayesOptSearch):
    """Ray's SkOptSearch (Bayesian optimisation): the engine's ``gp``."""

    def __init__(self, space=None, metric=None, mode=None, points_to_evaluate=None, **kwargs: Any):
        super().__init__(space, metric, mode, points_to_evaluate)


class GPSearch(Searcher):
    """The engine's ``gp`` with its own options (see docs/search.md)."""

    _type = "gp"

    def __init__(self, metric=None, mode=None, points_to_evaluate=None, seed=None, **options: Any):
        super().__init__(metric, mode, points_to_evaluate, seed=seed, **options)


class TuneBOHB(Searcher):
    """Ray's TuneBOHB: the engine's ``bohb`` (use it with HyperBandForBOHB / HyperBandScheduler)."""

    _type = "bohb"

    def __init__(self, space: Optional[Mapping] = None, bohb_config: Optional[Dict[str, Any]] = None,
                 metric: Optional[str] = None, mode: Optional[str] = None,
                 points_to_evaluate: Optional[List[Dict[str, Any]]] = None, seed: Optional[int] = None,
                 max_concurrent: int = 0):
        options = {k: v for k, v in (bohb_config or {}).items()
                   if k in ("min_points_in_model", "top_n_percent", "num_samples", "random_fraction",
                            "bandwidth_factor")}
        super().__init__(metric, mode, points_to_evaluate, space, seed, max_concurrent=max_concurrent or None,
                         **options)


class CMAESSearch(Searcher):
    """CMA-ES (``cmaes``), as Optuna's CmaEsSampler or Nevergrad's CMA."""

    _type = "cmaes"

    def __init__(self, metric=None, mode=None, points_to_evaluate=None, seed=None, **options: Any):
        super().__init__(metric, mode, points_to_evaluate, seed=seed, **options)


class SobolSearch(Searcher):
    """Scrambled Sobol points (``sobol``)."""

    _type = "sobol"

    def __init__(self, metric=None, mode=None, points_to_evaluate=None, seed=None):
        super().__init__(metric, mode, points_to_evaluate, seed=seed)


class ConcurrencyLimiter(Searcher):
    """At most ``max_concurrent`` trials of the wrapped searcher run at once (the searcher's ``max_concurrent``)."""

    def __init__(self, searcher: Searcher, max_concurrent: int, batch: bool = False):
        # Ray's checks and messages. BasicVariantGenerator is not a Searcher in Ray (it generates variants).
        _require(isinstance(max_concurrent, int) and max_concurrent > 0, "")
        if not isinstance(searcher, Searcher) or isinstance(searcher, BasicVariantGenerator):
            raise RuntimeError(f"The `ConcurrencyLimiter` only works with `Searcher` objects (got {type(searcher)}). "
                               "Please try to pass `max_concurrent` to the search generator directly.")
        self.searcher = searcher
        self.max_concurrent = int(max_concurrent)
        self.batch = batch

    @property
    def metric(self) -> Optional[str]:  # type: ignore[override]
        return self.searcher.metric

    @property
    def mode(self) -> Optional[str]:  # type: ignore[override]
        return self.searcher.mode

    @property
    def space(self) -> Optional[Mapping]:  # type: ignore[override]
        return self.searcher.space

    def set_search_properties(self, metric, mode, config=None, **spec) -> bool:
        return self.searcher.set_search_properties(metric, mode, config, **spec)

    def to_spec(self) -> Dict[str, Any]:
        block = self.searcher.to_spec()
        block["max_concurrent"] = self.max_concurrent
        return block


SearchAlgorithm = Searcher

__all__ = ["Searcher", "SearchAlgorithm", "BasicVariantGenerator", "RandomSearch", "GridSearch", "OptunaSearch",
           "HyperOptSearch", "TPESearch", "BayesOptSearch", "SkOptSearch", "GPSearch", "TuneBOHB", "CMAESSearch",
           "SobolSearch", "ConcurrencyLimiter"]
