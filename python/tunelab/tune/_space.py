"""Search-space functions with Ray Tune's names and arguments.

Each function returns a ``Domain`` that only records the call: the study spec's Ray Tune shorthand
(docs/spec.md, "Ray Tune shorthand") carries it to the engine, which does every draw. Nothing is sampled in Python.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Dict, List, Optional, Sequence


class Domain:
    """A parameter's distribution: ``function`` is the Ray Tune name, ``args`` its arguments as given."""

    def __init__(self, function: str, args: Sequence[Any]):
        self.function = function
        self.args = list(args)

    def to_spec(self) -> Dict[str, Any]:
        """The spec's shorthand for this parameter, e.g. ``{"loguniform": [0.0001, 0.1]}``."""
        return {self.function: list(self.args)}

    def to_typed(self) -> Dict[str, Any]:
        """The spec's typed form (needed when a ``when`` condition is attached)."""
        f, a = self.function, self.args
        if f == "uniform":
            return {"type": "float", "low": a[0], "high": a[1]}
        if f == "quniform":
            return {"type": "float", "low": a[0], "high": a[1], "step": a[2]}
        if f == "loguniform":
            return {"type": "float", "low": a[0], "high": a[1], "log": True}
        if f == "qloguniform":
            return {"type": "float", "low": a[0], "high": a[1], "log": True, "step": a[2]}
        if f == "randn":
            return {"type": "normal", "mean": a[0], "sd": a[1]}
        if f == "qrandn":
            return {"type": "normal", "mean": a[0], "sd": a[1], "step": a[2]}
        if f == "randint":
            return {"type": "int", "low": a[0], "high": a[1] - 1}
        if f == "lograndint":
            return {"type": "int", "low": a[0], "high": a[1] - 1, "log": True}
        if f == "qrandint":
            return {"type": "int", "low": a[0], "high": a[1], "step": a[2]}
        if f == "qlograndint":
            return {"type": "int", "low": a[0], "high": a[1], "step": a[2], "log": True}
        if f == "choice":
            return {"type": "choice", "values": list(a)}
        raise ValueError(f"tune.{f}() cannot be conditional")

    def finite_values(self) -> Optional[List[Any]]:
        """The values a finite parameter can take (choice), else ``None``."""
        return list(self.args) if self.function == "choice" else None

    def sample(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "TuneLab's engine draws every value; a Domain cannot be sampled in Python. Pass it in the config.")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Domain) and (self.function, self.args) == (other.function, other.args)

    def __hash__(self) -> int:
        return hash((self.function, repr(self.args)))

    def __repr__(self) -> str:
        return f"tune.{self.function}({', '.join(map(repr, self.args))})"


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    return value


def uniform(lower: float, upper: float) -> Domain:
    """A float drawn uniformly from [lower, upper]."""
    return Domain("uniform", [_number("lower", lower), _number("upper", upper)])


def quniform(lower: float, upper: float, q: float) -> Domain:
    """A uniform float on the grid lower, lower+q, ... <= upper (TuneLab counts from the lower bound)."""
    return Domain("quniform", [_number("lower", lower), _number("upper", upper), _number("q", q)])


def loguniform(lower: float, upper: float, base: float = 10) -> Domain:
    """A float drawn uniformly in log space (the base does not change the distribution)."""
    return Domain("loguniform", [_number("lower", lower), _number("upper", upper)])


def qloguniform(lower: float, upper: float, q: float, base: float = 10) -> Domain:
    """A log-uniform float rounded to the nearest lower + k*q."""
    return Domain("qloguniform", [_number("lower", lower), _number("upper", upper), _number("q", q)])


def randn(mean: float = 0.0, sd: float = 1.0) -> Domain:
    """A normally distributed float."""
    return Domain("randn", [_number("mean", mean), _number("sd", sd)])


def qrandn(mean: float, sd: float, q: float) -> Domain:
    """A normal float rounded to a multiple of q."""
    return Domain("qrandn", [_number("mean", mean), _number("sd", sd), _number("q", q)])


def randint(lower: int, upper: int) -> Domain:
    """An integer in [lower, upper): the upper bound is exclusive, as in Ray Tune."""
    return Domain("randint", [_number("lower", lower), _number("upper", upper)])


def lograndint(lower: int, upper: int, base: float = 10) -> Domain:
    """A log-uniform integer in [lower, upper) (upper exclusive)."""
    return Domain("lograndint", [_number("lower", lower), _number("upper", upper)])


def qrandint(lower: int, upper: int, q: int = 1) -> Domain:
    """An integer lower, lower+q, ... <= upper: the upper bound is inclusive, as in Ray Tune."""
    return Domain("qrandint", [_number("lower", lower), _number("upper", upper), _number("q", q)])


def qlograndint(lower: int, upper: int, q: int, base: float = 10) -> Domain:
    """A log-uniform integer on the grid lower + k*q, upper inclusive."""
    return Domain("qlograndint", [_number("lower", lower), _number("upper", upper), _number("q", q)])


def choice(categories: Sequence[Any]) -> Domain:
    """One of ``categories``, each equally likely."""
    values = list(categories)
    if not values:
        raise ValueError("tune.choice() needs at least one category")
    return Domain("choice", values)


def grid_search(values: Sequence[Any]) -> Dict[str, List[Any]]:
    """Every one of ``values`` (each combination with the other grid parameters, ``num_samples`` times)."""
    return {"grid_search": list(values)}


class SampleFrom:
    """``tune.sample_from(func)``: resolved when the spec is written, as a constant or a conditional parameter."""

    def __init__(self, func: Callable[..., Any]):
        if not callable(func):
            raise TypeError(f"tune.sample_from() needs a function, got {func!r}")
        self.func = func

    def __repr__(self) -> str:
        return f"tune.sample_from({getattr(self.func, '__qualname__', self.func)!r})"


def sample_from(func: Callable[..., Any]) -> SampleFrom:
    """A value computed from the other parameters.

    TuneLab cannot run Python inside the engine's sampler, so ``func`` is called when the spec is written, with a
    stand-in ``spec`` whose ``spec.config`` gives the other parameters. It must then be a constant (a function that
    ignores ``spec``), or depend only on parameters with finitely many values (choice, grid_search, constants) and
    give, for each of their values, either ``None`` (the parameter is left out) or one and the same value or
    search-space function: that becomes a parameter with a ``when`` condition. Anything else is an error.
    """
    return SampleFrom(func)


# ---------------------------------------------------------------------------------------------------------------
# Resolving sample_from

class _Unresolvable(Exception):
    pass


class _ConfigProxy:
    """``spec.config`` for sample_from: records the parameters read; their values come from ``values``."""

    def __init__(self, prefix: str, values: Dict[str, Any], accessed: List[str], names: Dict[str, Any]):
        object.__setattr__(self, "_prefix", prefix)
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_accessed", accessed)
        object.__setattr__(self, "_names", names)

    def _get(self, key: str) -> Any:
        name = self._prefix + key
        if name in self._values:
            if name not in self._accessed:
                self._accessed.append(name)
            return self._values[name]
        if any(n.startswith(name + ".") for n in self._names):
            return _ConfigProxy(name + ".", self._values, self._accessed, self._names)
        if name in self._names:  # a parameter that is not finite: its value is unknown here
            raise _Unresolvable(f"it reads {name!r}, which has no finite set of values")
        raise KeyError(key)

    def __getattr__(self, key: str) -> Any:
        try:
            return self._get(key)
        except KeyError:
            raise AttributeError(key) from None

    def __getitem__(self, key: str) -> Any:
        return self._get(key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self._get(key)
        except KeyError:
            return default


class _SpecProxy:
    def __init__(self, config: _ConfigProxy):
        self.config = config


def resolve_sample_from(where: str, func: Callable[..., Any], finite: Dict[str, List[Any]],
                        all_names: Dict[str, Any]) -> Dict[str, Any]:
    """The spec entry for ``sample_from(func)`` at dotted name ``where``; ``ValueError`` when impossible.

    ``finite`` maps dotted names of parameters with finitely many values (written before this one) to them.
    """

    def call(values: Dict[str, Any], accessed: List[str]) -> Any:
        proxy = _SpecProxy(_ConfigProxy("", values, accessed, all_names))
        try:
            return func(proxy)
        except _Unresolvable as error:
            raise ValueError(f"config.{where}: tune.sample_from() cannot be sent to TuneLab's engine: {error}") \
                from None
        except Exception as error:
            raise ValueError(f"config.{where}: tune.sample_from() cannot be sent to TuneLab's engine: calling it "
                             f"with the other parameters' values raised {type(error).__name__}: {error}") from None

    # Find the parents: call until the set of parameters read stops growing.
    parents: List[str] = []
    first = {name: values[0] for name, values in finite.items()}
    call(first, parents)
    outcomes: Dict[tuple, Any] = {}
    for combo in itertools.product(*(finite[p] for p in parents)):
        values = dict(first)
        values.update(zip(parents, combo))
        seen: List[str] = []
        outcomes[combo] = call(values, seen)
        if any(name not in parents for name in seen):
            raise ValueError(f"config.{where}: tune.sample_from() reads different parameters for different values; "
                             "TuneLab cannot express it: use tune.choice() or conditions in the spec")
    results = [value for value in outcomes.values() if value is not None]
    if not results:
        raise ValueError(f"config.{where}: tune.sample_from() never gives a value")
    if any(not _same(results[0], value) for value in results[1:]):
        raise ValueError(
            f"config.{where}: tune.sample_from() gives different values for different "
            f"{', '.join(parents) or 'calls'}; TuneLab can express a constant or one distribution that is present "
            "for some parent values and absent (None) for the others")
    value = results[0]
    if len(results) == len(outcomes):  # present for every parent value: no condition
        return value.to_spec() if isinstance(value, Domain) else _constant(value)
    typed = value.to_typed() if isinstance(value, Domain) else {"type": "const", "value": value}
    when: Dict[str, Any] = {}
    present = [combo for combo, v in outcomes.items() if v is not None]
    if len(parents) == 1:
        when[parents[0]] = [combo[0] for combo in present]
    else:  # only a product of per-parent value sets can be written as one `when`
        sets = [sorted({combo[i] for combo in present}, key=repr) for i in range(len(parents))]
        if len(present) != len(list(itertools.product(*sets))):
            raise ValueError(f"config.{where}: tune.sample_from()'s condition on {', '.join(parents)} is not a "
                             "product of value sets; TuneLab cannot express it")
        when = dict(zip(parents, sets))
    typed["when"] = {name: vals if len(vals) > 1 else vals[0] for name, vals in when.items()}
    return typed


def _same(a: Any, b: Any) -> bool:
    return a == b and type(a) is type(b)


def _constant(value: Any) -> Any:
    return {"type": "const", "value": value} if isinstance(value, dict) else value
