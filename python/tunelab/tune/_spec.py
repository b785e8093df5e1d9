"""From tune.run's / Tuner's arguments to a study spec (docs/spec.md) and the trial's job description."""

from __future__ import annotations

import functools
import inspect
import json
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .. import _report
from ._space import Domain, SampleFrom, resolve_sample_from
from ._trainable import Trainable
from ._worker import EMPTY_KEY
from .schedulers import FIFOScheduler, TrialScheduler
from .search import Searcher
from .stopper import MaximumIterationStopper, Stopper

# Keys that make an object in `space` a parameter rather than a group (docs/spec.md, "The search space").
_PARAM_KEYS = {"type", "low", "high", "log", "step", "values", "value", "when", "mean", "sd"}
_RAY_FUNCTIONS = {"uniform", "quniform", "loguniform", "qloguniform", "randn", "qrandn", "randint", "qrandint",
                  "lograndint", "qlograndint", "choice", "grid_search"}


class _Wrapped:
    """tune.with_parameters / tune.with_resources: the trainable plus what to add to it."""

    def __init__(self, inner: Any, parameters: Optional[Dict[str, Any]] = None,
                 resources: Optional[Dict[str, float]] = None):
        self.inner = inner
        self.parameters = parameters
        self.resources = resources
        functools.update_wrapper(self, inner, updated=())

    def __call__(self, config: Dict[str, Any]) -> Any:
        return self.inner(config, **(self.parameters or {}))


def with_parameters(trainable: Any, **kwargs: Any) -> _Wrapped:
    """Pass large or non-JSON objects to every trial: they are pickled once into the experiment folder."""
    return _Wrapped(trainable, parameters=kwargs)


def with_resources(trainable: Any, resources: Any) -> _Wrapped:
    """Set the trial resources (``{"cpu": 2, "gpu": 0.5}``) with the trainable, as Tuner users do."""
    if callable(resources) or not isinstance(resources, Mapping):
        raise ValueError("tune.with_resources(): TuneLab takes a dict of resources such as {'cpu': 2, 'gpu': 0.5}; "
                         "functions and placement groups are not supported")
    return _Wrapped(trainable, resources=dict(resources))


@dataclass
class TrainableInfo:
    job: Dict[str, Any]
    kind: str
    name: str
    parameters: Optional[Dict[str, Any]] = None
    resources: Optional[Dict[str, float]] = None


def _cannot_send(name: str, why: str) -> TypeError:
    return TypeError(
        f"the trainable {name} cannot be sent to trial processes: {why}. TuneLab runs each trial in a new Python "
        "process that imports your script (as multiprocessing's spawn does) and looks the trainable up by its "
        "name, so it must be a function or a tune.Trainable class defined with `def`/`class` at the top level of "
        "a script or module. Pass data through the config or tune.with_parameters(trainable, name=value).")


def describe_trainable(trainable: Any) -> TrainableInfo:
    """How a trial finds ``trainable``; ``TypeError`` with the reason when it cannot (lambda, closure, ...)."""
    parameters: Optional[Dict[str, Any]] = None
    resources: Optional[Dict[str, float]] = None
    while isinstance(trainable, _Wrapped):
        if trainable.parameters is not None:
            parameters = {**trainable.parameters, **(parameters or {})}
        if trainable.resources is not None and resources is None:
            resources = trainable.resources
        trainable = trainable.inner
    if isinstance(trainable, str):
        raise TypeError(f"the trainable {trainable!r} is a name: TuneLab has no registry of trainables "
                        "(tune.register_trainable); pass the function or class itself")
    if isinstance(trainable, functools.partial):
        raise _cannot_send(repr(trainable), "it is a functools.partial")
    kind = "class" if inspect.isclass(trainable) else "function"
    if kind == "class" and not issubclass(trainable, Trainable):
        raise TypeError(f"the trainable class {trainable.__qualname__} must subclass tune.Trainable")
    if kind == "function" and not (inspect.isfunction(trainable) or inspect.isbuiltin(trainable)):
        what = f"{type(trainable).__name__}() object" if callable(trainable) else repr(trainable)
        if not callable(trainable):
            raise TypeError(f"the trainable must be a function or a tune.Trainable class, got {what}")
        raise _cannot_send(what, "it is a callable object, not a function or class")
    qualname = getattr(trainable, "__qualname__", "") or ""
    module_name = getattr(trainable, "__module__", None)
    if trainable.__name__ == "<lambda>":
        raise _cannot_send("<lambda>", "it is a lambda")
    if "<locals>" in qualname:
        raise _cannot_send(qualname.replace(".<locals>", ""),
                           "it is defined inside another function (a nested function or closure)")
    module = sys.modules.get(module_name or "")
    if module is None:
        raise _cannot_send(qualname, f"its module {module_name!r} is not imported")
    job: Dict[str, Any] = {"module": module_name, "qualname": qualname, "kind": kind}
    if module_name == "__main__":
        spec = getattr(module, "__spec__", None)
        main_file = getattr(module, "__file__", None)
        if spec is not None and getattr(spec, "name", None) and not spec.name.endswith("__main__"):
            job["main_module"] = spec.name
        elif spec is not None and getattr(spec, "name", "").endswith(".__main__"):
            job["main_module"] = spec.name
        elif main_file:
            job["main_path"] = os.path.abspath(main_file)
        else:
            raise _cannot_send(qualname, "it is defined in an interactive session (no script file); save it in a "
                                         ".py file and import it from there")
    obj: Any = module
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    if obj is not trainable:
        raise _cannot_send(qualname, f"the name {qualname!r} in module {module_name!r} does not refer to it "
                                     "(was it redefined or wrapped after its definition?)")
    return TrainableInfo(job=job, kind=kind, name=trainable.__name__, parameters=parameters, resources=resources)


# ---------------------------------------------------------------------------------------------------------------
# The search space

def _has_domain(value: Any) -> bool:
    if isinstance(value, (Domain, SampleFrom)):
        return True
    if isinstance(value, Mapping):
        if set(value) == {"grid_search"}:
            return True
        return any(_has_domain(v) for v in value.values())
    return False


def _json_constant(where: str, value: Any) -> Any:
    try:
        converted = _report._jsonable(value)
        json.dumps(converted, allow_nan=False)
        return converted
    except (TypeError, ValueError):
        raise TypeError(
            f"config.{where}: a value of type {type(value).__name__} cannot be sent to a trial: TuneLab passes the "
            "configuration as JSON. Use tune.with_parameters(trainable, name=value) for data, models and other "
            "Python objects") from None


def space_from_config(config: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """The spec's ``space`` for a Ray Tune config / param_space."""
    config = dict(config or {})
    finite: Dict[str, List[Any]] = {}
    names: Dict[str, Any] = {}
    deferred: List[Tuple[Dict[str, Any], str, str, SampleFrom]] = []

    def walk(node: Mapping[str, Any], prefix: str) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for key, value in node.items():
            if not isinstance(key, str) or not key or "." in key:
                raise ValueError(f"config: parameter names must be non-empty strings without '.', got {key!r}")
            name = prefix + key
            names[name] = True
            if isinstance(value, Domain):
                out[key] = value.to_spec()
                if value.finite_values() is not None:
                    finite[name] = value.finite_values()
            elif isinstance(value, SampleFrom):
                out[key] = None
                deferred.append((out, key, name, value))
            elif isinstance(value, Mapping) and set(value) == {"grid_search"}:
                values = value["grid_search"]
                if not isinstance(values, (list, tuple)) or not values:
                    raise ValueError(f"config.{name}: grid_search needs a non-empty list of values")
                out[key] = {"grid_search": [_json_constant(name, v) for v in values]}
                finite[name] = list(out[key]["grid_search"])
            elif isinstance(value, Mapping) and _has_domain(value):
                clash = [k for k in value if k in _PARAM_KEYS] or (
                    [k for k in value if k in _RAY_FUNCTIONS] if len(value) == 1 else [])
                if clash:
                    raise ValueError(f"config.{name}: a nested dict with search-space functions cannot have a key "
                                     f"named {clash[0]!r} (the spec reads it as a parameter); rename it")
                out[key] = walk(value, name + ".")
            elif isinstance(value, Mapping):
                constant = _json_constant(name, value)
                out[key] = {"type": "const", "value": constant} if constant else {"type": "const", "value": {}}
                finite[name] = [constant]
            elif isinstance(value, (list, tuple)) and any(_has_domain(v) for v in value):
                raise ValueError(f"config.{name}: search-space functions inside a list are not supported by "
                                 "TuneLab; use a dict")
            else:
                out[key] = _json_constant(name, value)
                finite[name] = [out[key]]
        return out

    space = walk(config, "")
    for out, key, name, value in deferred:
        others = {n: v for n, v in finite.items() if n != name}
        out[key] = resolve_sample_from(name, value.func, others, names)
    return space or {EMPTY_KEY: 0}


# ---------------------------------------------------------------------------------------------------------------
# The whole spec

@dataclass
class RunOptions:
    trainable: Any
    config: Optional[Mapping[str, Any]] = None
    name: str = "tune"
    num_samples: int = 1
    scheduler: Optional[TrialScheduler] = None
    search_alg: Optional[Searcher] = None
    metric: Optional[str] = None
    mode: Optional[str] = None
    stop: Any = None
    time_budget_s: Optional[float] = None
    resources: Optional[Mapping[str, float]] = None
    max_concurrent: Optional[int] = None
    max_failures: int = 0
    checkpoint_frequency: int = 0
    checkpoint_at_end: Optional[bool] = None
    num_to_keep: Optional[int] = None
    seed: Optional[int] = None
    parameters_file: Optional[str] = None
    extra_env: Dict[str, str] = field(default_factory=dict)
    entrypoint: str = "tune.run(...)"  # how Ray's messages name the call (Tuner(...) for Tuner.fit)
    search_space_arg: str = "config"   # and the search space argument (param_space for Tuner)
    fail_fast: Any = False


def _has_unresolved_values(config: Any) -> bool:
    if isinstance(config, (Domain, SampleFrom)):
        return True
    if isinstance(config, Mapping):
        return set(config) == {"grid_search"} or any(_has_unresolved_values(v) for v in config.values())
    if isinstance(config, (list, tuple)):
        return any(_has_unresolved_values(v) for v in config)
    return False


def check_like_ray(o: RunOptions) -> None:
    """What Ray 2.60's tune.run refuses (the same exception and message), before anything else is checked."""
    if o.mode and o.mode not in ("min", "max"):
        raise ValueError(f"The `mode` parameter passed to `{o.entrypoint}` must be one of ['min', 'max']")
    if o.config is not None and not isinstance(o.config, dict):
        raise ValueError(f"The `{o.search_space_arg}` passed to `{o.entrypoint}` must be a dict. "
                         f"Got '{type(o.config)}' instead.")
    if o.fail_fast and o.max_failures != 0:
        raise ValueError("max_failures must be 0 if fail_fast=True.")
    search_alg = o.search_alg
    if search_alg is not None and o.max_concurrent:
        from .search import BasicVariantGenerator, ConcurrencyLimiter
        if isinstance(search_alg, ConcurrencyLimiter):
            if search_alg.max_concurrent != o.max_concurrent:
                raise ValueError(
                    f"You have specified `max_concurrent_trials={o.max_concurrent}`, but the `search_alg` is already a "
                    f"`ConcurrencyLimiter` with `max_concurrent={search_alg.max_concurrent}. FIX THIS by setting "
                    "`max_concurrent_trials=None`.")
            print(f"tunelab.tune: warning: You have specified `max_concurrent_trials={o.max_concurrent}`, but the "
                  "`search_alg` is already a `ConcurrencyLimiter`. `max_concurrent_trials` will be ignored.",
                  file=sys.stderr)
            o.max_concurrent = None
        else:
            if o.max_concurrent < 1:
                raise ValueError(f"`max_concurrent_trials` must be greater or equal than 1, got {o.max_concurrent}.")
            if isinstance(search_alg, BasicVariantGenerator):
                # Ray ignores it here (BasicVariantGenerator is not a Searcher): so does TuneLab, as Ray says.
                print("tunelab.tune: warning: You have passed a `SearchGenerator` instance as the `search_alg`, but "
                      "`max_concurrent_trials` requires a `Searcher` instance`. `max_concurrent_trials` will be "
                      "ignored.", file=sys.stderr)
                o.max_concurrent = None
    if search_alg is not None and getattr(search_alg, "space", None) and o.config and \
            _has_unresolved_values(o.config):
        raise ValueError(
            f"You passed a `{o.search_space_arg}` parameter to `{o.entrypoint}` with unresolved parameters, but the "
            "search algorithm was already instantiated with a search space. Make sure that `config` does not contain "
            "any more parameter definitions - include them in the search algorithm's search space if necessary.")
    scheduler = o.scheduler
    if scheduler is not None and ((getattr(scheduler, "metric", None) and o.metric) or
                                  (getattr(scheduler, "mode", None) and o.mode)):
        raise ValueError(
            f"You passed a `metric` or `mode` argument to `{o.entrypoint}`, but the scheduler you are using was "
            "already instantiated with their own `metric` and `mode` parameters. Either remove the arguments from "
            f"your scheduler or from `{o.entrypoint}` args.")


def resolve_objective(o: RunOptions) -> Tuple[Optional[str], Optional[str]]:
    """metric and mode from tune.run / TuneConfig, the scheduler and the searcher, with Ray's rules."""
    check_like_ray(o)
    metric, mode = o.metric, o.mode
    for component in (o.scheduler, o.search_alg):
        if component is None:
            continue
        c_metric, c_mode = getattr(component, "metric", None), getattr(component, "mode", None)
        if (c_metric and o.metric and c_metric != o.metric) or (c_mode and o.mode and c_mode != o.mode):
            raise ValueError(
                f"You passed a `metric` or `mode` argument to `tune.run()`, but the {type(component).__name__} "
                "you are using was already instantiated with a different `metric` and `mode`. Either remove the "
                "arguments from it or from your call to `tune.run()`")
        metric = metric or c_metric
        mode = mode or c_mode
    if metric is not None and mode is None:
        raise ValueError(f"You passed `metric={metric!r}` without a `mode`: pass mode='min' or mode='max'")
    if mode is not None and metric is None:
        raise ValueError(f"You passed `mode={mode!r}` without a `metric`")
    if metric is None:
        for component in (o.scheduler, o.search_alg):
            if component is not None and not isinstance(component, FIFOScheduler) and \
                    type(component).__name__ not in ("BasicVariantGenerator", "RandomSearch", "GridSearch"):
                raise ValueError(f"{type(component).__name__} needs a `metric` and a `mode`: pass them to "
                                 "tune.run() / TuneConfig or to the scheduler or searcher")
    if metric is not None and not isinstance(metric, str):
        raise ValueError("TuneLab's front-end takes one `metric` (a string); for several objectives write a spec")
    return metric, mode


def _stop_blocks(o: RunOptions, metric: Optional[str], mode: Optional[str]) -> Tuple[Dict[str, Any], List[Any]]:
    stop: Dict[str, Any] = {}
    stoppers: List[Any] = []
    items = o.stop if isinstance(o.stop, (list, tuple)) else [o.stop] if o.stop is not None else []
    for item in items:
        if isinstance(item, Mapping):
            for key, value in item.items():
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError(f"stop[{key!r}]: a stop criterion must be a number, got {value!r}")
                stop[key] = value
        elif isinstance(item, Stopper):
            stoppers.append(item.to_spec())
        elif callable(item):
            raise ValueError("stop: a stop function written in Python cannot run in TuneLab's engine; use a dict "
                             "such as {'training_iteration': 10, 'mean_accuracy': 0.98} or tune.stopper's classes")
        else:
            raise ValueError(f"stop must be a dict, a tune.stopper.Stopper or a list of them, got {item!r}")
    if o.time_budget_s is not None:
        stop["time_budget_s"] = o.time_budget_s
    return stop, stoppers


def build_spec(o: RunOptions, info: TrainableInfo) -> Tuple[Dict[str, Any], Optional[str], Optional[str]]:
    """The spec for ``o``; also the metric and mode the analysis uses by default."""
    metric, mode = resolve_objective(o)
    if o.scheduler is not None and not isinstance(o.scheduler, TrialScheduler):
        raise TypeError(f"scheduler must be one of tune.schedulers' classes, got {o.scheduler!r}")
    if o.search_alg is not None and not isinstance(o.search_alg, Searcher):
        raise TypeError(f"search_alg must be one of tune.search's classes, got {o.search_alg!r}")
    if not isinstance(o.num_samples, int) or o.num_samples < 1:
        raise ValueError(f"num_samples must be a positive integer, got {o.num_samples!r} (TuneLab has no "
                         "infinite sampling: num_samples=-1 is not supported)")
    config = o.config
    if not config and o.search_alg is not None and getattr(o.search_alg, "space", None):
        config = o.search_alg.space
    spec: Dict[str, Any] = {
        "name": o.name,
        "objective": {"metric": metric or "training_iteration", "mode": mode or "max"},
        "space": space_from_config(config),
        "num_samples": o.num_samples,
    }
    if o.search_alg is not None:
        spec["search"] = o.search_alg.to_spec()
    if o.scheduler is not None:
        spec["scheduler"] = o.scheduler.to_spec()
    resources = dict(info.resources or o.resources or {"cpu": 1})
    for key in resources:
        if key not in ("cpu", "gpu", "gpu_memory_gb", "placement"):
            raise ValueError(f"resources_per_trial: TuneLab knows cpu, gpu, gpu_memory_gb and placement, got {key!r}")
    spec["resources_per_trial"] = resources
    if o.max_concurrent:
        spec["max_concurrent"] = int(o.max_concurrent)
    stop, stoppers = _stop_blocks(o, metric, mode)
    if stop:
        spec["stop"] = stop
    if stoppers:
        spec["stoppers"] = stoppers
    spec["max_failures"] = 1_000_000 if o.max_failures is not None and o.max_failures < 0 else int(o.max_failures or 0)
    if o.seed is not None:
        spec["seed"] = int(o.seed)
    if o.num_to_keep:
        spec["checkpoint"] = {"keep": int(o.num_to_keep)}  # the engine keeps that many per trial, deletes the rest

    if info.kind == "function" and (o.checkpoint_at_end or o.checkpoint_frequency):
        raise ValueError(
            "You passed `checkpoint_frequency` or `checkpoint_at_end=True`, but this trainable is a function: a "
            "function trainable saves its checkpoints itself, with tune.report(metrics, "
            "checkpoint=tune.Checkpoint.from_directory(path)). Use a tune.Trainable class for these options.")
    job = dict(info.job)
    job["sys_path"] = [os.path.abspath(p) if p else os.getcwd() for p in sys.path]
    if metric is not None:
        job["metric"] = metric
    if info.kind == "class":
        job["checkpoint_frequency"] = int(o.checkpoint_frequency or 0)
        job["checkpoint_at_end"] = bool(o.checkpoint_at_end)
        ends = [v for v in (stop.get("training_iteration"),) if v is not None]
        ends += [s.max_iter for s in (o.stop if isinstance(o.stop, (list, tuple)) else [o.stop])
                 if isinstance(s, MaximumIterationStopper)]
        sched = o.scheduler
        if sched is not None and getattr(sched, "time_attr", None) == "training_iteration" and \
                hasattr(sched, "max_t") and not isinstance(sched.max_t, bool):
            ends.append(sched.max_t)
        if ends:
            job["end_iteration"] = min(ends)
        job["stop_metrics"] = {k: [v, k == metric and mode == "min"] for k, v in stop.items()
                               if k not in ("training_iteration", "time_budget_s")}
    if o.parameters_file:
        job["parameters_file"] = o.parameters_file
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    python_path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
    env = {"TUNELAB_TUNE": json.dumps(job, separators=(",", ":")), "PYTHONPATH": python_path,
           "TUNELAB_TUNE_RESOURCES": json.dumps(resources), "PYTHONUNBUFFERED": "1"}
    env.update(o.extra_env)
    spec["trainable"] = {"command": [sys.executable, "-m", "tunelab.tune._worker"], "cwd": os.getcwd(),
                         "env": env}
    _check_finite(spec)
    return spec, metric, mode


def _check_finite(value: Any, where: str = "spec") -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where}: {value} is not a finite number")
    if isinstance(value, Mapping):
        for k, v in value.items():
            _check_finite(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_finite(v, f"{where}[{i}]")
