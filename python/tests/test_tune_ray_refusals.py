"""What Ray Tune 2.60 refuses, the front-end refuses: the same exception type and message (docs/python.md lists
them). The expected messages are Ray 2.60's, from its source (ray/tune/search/concurrency_limiter.py,
schedulers/async_hyperband.py, hyperband.py, median_stopping_rule.py, pbt.py, search/searcher.py, tune.py,
impl/tuner_internal.py), checked against Ray 2.60 itself when these tests were written.

No engine run is needed: every refusal comes before the study starts.
"""

from __future__ import annotations

import contextlib
import io
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tunelab import tune  # noqa: E402
from tunelab.tune import _spec  # noqa: E402
from tunelab.tune.schedulers import (ASHAScheduler, HyperBandScheduler, MedianStoppingRule,  # noqa: E402
                                     PopulationBasedTraining)
from tunelab.tune.search import BasicVariantGenerator, ConcurrencyLimiter, OptunaSearch  # noqa: E402


def trainable(config):
    tune.report({"score": config.get("x", 0)})


def spec_for(**kwargs):
    options = _spec.RunOptions(trainable=trainable, **kwargs)
    return _spec.build_spec(options, _spec.describe_trainable(trainable))[0]


class RefusedLikeRay(unittest.TestCase):
    def assert_refused(self, exc, message, fn):
        with self.assertRaises(exc) as caught:
            fn()
        self.assertEqual(str(caught.exception), message)

    def test_concurrency_limiter_takes_searchers_only(self):
        with self.assertRaises(RuntimeError) as caught:
            ConcurrencyLimiter(BasicVariantGenerator(), max_concurrent=2)
        self.assertEqual(str(caught.exception),
                         "The `ConcurrencyLimiter` only works with `Searcher` objects (got "
                         f"{type(BasicVariantGenerator())}). Please try to pass `max_concurrent` to the search "
                         "generator directly.")
        with self.assertRaisesRegex(RuntimeError, "only works with `Searcher` objects"):
            ConcurrencyLimiter("tpe", max_concurrent=2)
        self.assertRaises(AssertionError, ConcurrencyLimiter, OptunaSearch(), max_concurrent=0)
        self.assertRaises(AssertionError, ConcurrencyLimiter, OptunaSearch(), max_concurrent=1.5)
        self.assertEqual(ConcurrencyLimiter(OptunaSearch(), max_concurrent=2).max_concurrent, 2)

    def test_scheduler_arguments(self):
        cases = [
            (lambda: ASHAScheduler(max_t=0, grace_period=0), "Max (time_attr) not valid!"),
            (lambda: ASHAScheduler(max_t=5, grace_period=10), "grace_period must be <= max_t!"),
            (lambda: ASHAScheduler(grace_period=0), "grace_period must be positive!"),
            (lambda: ASHAScheduler(reduction_factor=1), "Reduction Factor not valid!"),
            (lambda: ASHAScheduler(brackets=0), "brackets must be positive!"),
            (lambda: ASHAScheduler(mode="maximize"), "`mode` must be 'min' or 'max'!"),
            (lambda: HyperBandScheduler(max_t=0), "Max (time_attr) not valid!"),
            (lambda: HyperBandScheduler(mode="up"), "`mode` must be 'min' or 'max'!"),
            (lambda: MedianStoppingRule(mode="up"), "`mode` must be 'min' or 'max'."),
            (lambda: PopulationBasedTraining(hyperparam_mutations={"a": [1, 2]}, mode="up"),
             "`mode` must be 'min' or 'max'."),
            (lambda: OptunaSearch(metric="a", mode="up"), "if `mode` is a str must be 'min' or 'max'!"),
        ]
        for fn, message in cases:
            with self.subTest(message=message):
                self.assert_refused(AssertionError, message, fn)

    def test_pbt_arguments(self):
        self.assert_refused(tune.TuneError, "You must specify at least one of `hyperparam_mutations` or "
                            "`custom_explore_fn` to use PBT.", lambda: PopulationBasedTraining())
        self.assert_refused(TypeError, "`hyperparam_mutation` values must be either a List, Tuple, Dict, a tune "
                            "search space object, or a callable.",
                            lambda: PopulationBasedTraining(hyperparam_mutations={"a": 3}))
        self.assert_refused(ValueError, "arbitrary tune.sample_from objects are not supported for "
                            "`hyperparam_mutation` values.You must use other built in primitives liketune.uniform, "
                            "tune.loguniform, etc.",
                            lambda: PopulationBasedTraining(hyperparam_mutations={"a": tune.sample_from(abs)}))
        self.assert_refused(ValueError, "You must set `quantile_fraction` to a value between 0 and0.5. Current "
                            "value: '0.7'",
                            lambda: PopulationBasedTraining(hyperparam_mutations={"a": [1]}, quantile_fraction=0.7))
        self.assert_refused(ValueError, "perturbation_interval must be a positive number greater than 0. Current "
                            "value: '0'",
                            lambda: PopulationBasedTraining(hyperparam_mutations={"a": [1]}, perturbation_interval=0))

    def test_tuner_arguments(self):
        self.assert_refused(tune.TuneError, "You need to provide a trainable to tune.", lambda: tune.Tuner(None))
        self.assert_refused(ValueError, "The `param_space` passed to the `Tuner` must be a dict. Got "
                            "'<class 'list'>' instead.", lambda: tune.Tuner(trainable, param_space=[1]))
        self.assert_refused(RuntimeError, "Can't return results as experiment has not been run, yet. Call "
                            "`Tuner.fit()` to run the experiment first.", lambda: tune.Tuner(trainable).get_results())

    def test_run_arguments(self):
        self.assert_refused(ValueError, "The `mode` parameter passed to `tune.run(...)` must be one of ['min', 'max']",
                            lambda: spec_for(metric="score", mode="maximize"))
        self.assert_refused(ValueError, "The `mode` parameter passed to `Tuner(...)` must be one of ['min', 'max']",
                            lambda: spec_for(metric="score", mode="up", entrypoint="Tuner(...)"))
        self.assert_refused(ValueError, "The `config` passed to `tune.run(...)` must be a dict. Got "
                            "'<class 'list'>' instead.", lambda: spec_for(config=[1]))
        self.assert_refused(ValueError, "max_failures must be 0 if fail_fast=True.",
                            lambda: spec_for(fail_fast=True, max_failures=2))
        # A metric or mode given to both the scheduler and tune.run / TuneConfig, even the same one.
        both = ("You passed a `metric` or `mode` argument to `Tuner(...)`, but the scheduler you are using was "
                "already instantiated with their own `metric` and `mode` parameters. Either remove the arguments "
                "from your scheduler or from `Tuner(...)` args.")
        self.assert_refused(ValueError, both, lambda: spec_for(
            metric="score", mode="max", scheduler=ASHAScheduler(metric="score", mode="max"), entrypoint="Tuner(...)"))
        self.assert_refused(ValueError, both, lambda: spec_for(
            mode="max", scheduler=ASHAScheduler(metric="score", mode="max"), entrypoint="Tuner(...)"))
        # max_concurrent_trials against a ConcurrencyLimiter with another limit, or below 1 with a searcher.
        self.assert_refused(ValueError, "You have specified `max_concurrent_trials=3`, but the `search_alg` is "
                            "already a `ConcurrencyLimiter` with `max_concurrent=2. FIX THIS by setting "
                            "`max_concurrent_trials=None`.",
                            lambda: spec_for(metric="score", mode="max", max_concurrent=3,
                                             search_alg=ConcurrencyLimiter(OptunaSearch(), 2)))
        self.assert_refused(ValueError, "`max_concurrent_trials` must be greater or equal than 1, got -1.",
                            lambda: spec_for(metric="score", mode="max", max_concurrent=-1, search_alg=OptunaSearch()))
        # A searcher with its own space, and a config with parameters to sample.
        self.assert_refused(ValueError, "You passed a `param_space` parameter to `Tuner(...)` with unresolved "
                            "parameters, but the search algorithm was already instantiated with a search space. Make "
                            "sure that `config` does not contain any more parameter definitions - include them in "
                            "the search algorithm's search space if necessary.",
                            lambda: spec_for(metric="score", mode="max", config={"x": tune.uniform(0, 1)},
                                             search_alg=OptunaSearch(space={"x": tune.uniform(0, 1)}),
                                             entrypoint="Tuner(...)", search_space_arg="param_space"))

    def test_what_ray_ignores_with_a_warning_is_ignored(self):
        # Ray ignores max_concurrent_trials when search_alg is a BasicVariantGenerator or a ConcurrencyLimiter with
        # the same limit, and says so.
        for search_alg in (BasicVariantGenerator(), ConcurrencyLimiter(OptunaSearch(), 3)):
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                spec = spec_for(metric="score", mode="max", max_concurrent=3, search_alg=search_alg)
            self.assertNotIn("max_concurrent", spec)
            self.assertIn("`max_concurrent_trials` will be ignored", err.getvalue())
        # A config without parameters to sample may go with a searcher's own space.
        spec = spec_for(metric="score", mode="max", config={"c": 1},
                        search_alg=OptunaSearch(space={"x": tune.uniform(0, 1)}))
        self.assertEqual(spec["search"]["type"], "tpe")


if __name__ == "__main__":
    unittest.main()
