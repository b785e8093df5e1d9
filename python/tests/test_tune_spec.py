"""tunelab.tune without running trials: search-space functions, schedulers, searchers and the generated spec.

When the tunelab binary is available (TUNELAB_BIN, as ctest sets it), every generated spec is also checked with
`tunelab validate`, so the mapping is known to be accepted by the engine.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tunelab import tune  # noqa: E402
from tunelab.tune import _spec  # noqa: E402
from tunelab.tune.schedulers import (ASHAScheduler, AsyncHyperBandScheduler, FIFOScheduler,  # noqa: E402
                                     HyperBandScheduler, MedianStoppingRule, PopulationBasedTraining)
from tunelab.tune.search import (BayesOptSearch, BasicVariantGenerator, ConcurrencyLimiter,  # noqa: E402
                                 HyperOptSearch, OptunaSearch, TuneBOHB)
from tunelab.tune.stopper import MaximumIterationStopper, TrialPlateauStopper  # noqa: E402


def top_level_trainable(config):
    tune.report({"score": config.get("x", 0)})


class TopLevelTrainable(tune.Trainable):
    def step(self):
        return {"score": 1}


def binary():
    try:
        return tune.find_binary()
    except FileNotFoundError:
        return None


def spec_for(trainable=top_level_trainable, **kwargs):
    options = _spec.RunOptions(trainable=trainable, **kwargs)
    spec, _, _ = _spec.build_spec(options, _spec.describe_trainable(trainable))
    return spec


class SearchSpaceTest(unittest.TestCase):
    def test_functions_map_to_the_shorthand(self):
        cases = [
            (tune.uniform(0, 1), {"uniform": [0, 1]}),
            (tune.quniform(0, 1, 0.25), {"quniform": [0, 1, 0.25]}),
            (tune.loguniform(1e-4, 1e-1), {"loguniform": [1e-4, 1e-1]}),
            (tune.qloguniform(1e-4, 1e-1, 5e-5), {"qloguniform": [1e-4, 1e-1, 5e-5]}),
            (tune.randn(), {"randn": [0.0, 1.0]}),
            (tune.randn(2, 3), {"randn": [2, 3]}),
            (tune.qrandn(0, 1, 0.5), {"qrandn": [0, 1, 0.5]}),
            (tune.randint(1, 10), {"randint": [1, 10]}),
            (tune.lograndint(1, 1000), {"lograndint": [1, 1000]}),
            (tune.qrandint(2, 11, 3), {"qrandint": [2, 11, 3]}),
            (tune.qrandint(2, 11), {"qrandint": [2, 11, 1]}),
            (tune.qlograndint(1, 100, 2), {"qlograndint": [1, 100, 2]}),
            (tune.choice(["a", 1, None]), {"choice": ["a", 1, None]}),
        ]
        for domain, expected in cases:
            with self.subTest(domain=repr(domain)):
                self.assertEqual(domain.to_spec(), expected)
        self.assertEqual(tune.grid_search([1, 2]), {"grid_search": [1, 2]})

    def test_config_becomes_a_space_with_groups_and_constants(self):
        space = _spec.space_from_config({
            "lr": tune.loguniform(1e-4, 1e-1),
            "model": {"depth": tune.randint(2, 5), "act": "relu"},
            "opt": {"name": "sgd", "low": 1},  # no search-space function inside: one constant
            "layers": [64, 32],
            "batch": tune.grid_search([16, 32]),
            "epochs": 3,
        })
        self.assertEqual(space, {
            "lr": {"loguniform": [1e-4, 1e-1]},
            "model": {"depth": {"randint": [2, 5]}, "act": "relu"},
            "opt": {"type": "const", "value": {"name": "sgd", "low": 1}},
            "layers": [64, 32],
            "batch": {"grid_search": [16, 32]},
            "epochs": 3,
        })
        self.assertEqual(_spec.space_from_config({}), {"_tunelab_empty": 0})

    def test_bad_configs_get_clear_errors(self):
        with self.assertRaisesRegex(ValueError, r"config\.model: .*key named 'low'"):
            _spec.space_from_config({"model": {"low": tune.uniform(0, 1)}})
        with self.assertRaisesRegex(TypeError, r"config\.data: a value of type object .*with_parameters"):
            _spec.space_from_config({"data": object()})
        with self.assertRaisesRegex(ValueError, "without '.'"):
            _spec.space_from_config({"a.b": 1})

    def test_sample_from(self):
        self.assertEqual(_spec.space_from_config({"x": tune.sample_from(lambda spec: 5)}), {"x": 5})
        space = _spec.space_from_config({
            "opt": tune.choice(["sgd", "adam"]),
            "momentum": tune.sample_from(lambda spec: tune.uniform(0, 0.9) if spec.config.opt == "sgd" else None),
        })
        self.assertEqual(space["momentum"], {"type": "float", "low": 0, "high": 0.9, "when": {"opt": "sgd"}})
        with self.assertRaisesRegex(ValueError, r"config\.y: .*'x', which has no finite set of values"):
            _spec.space_from_config({"x": tune.uniform(0, 1), "y": tune.sample_from(lambda spec: spec.config.x * 2)})
        with self.assertRaisesRegex(ValueError, "different values"):
            _spec.space_from_config({"a": tune.choice([1, 2]), "b": tune.sample_from(lambda s: s.config.a * 10)})


class ComponentsTest(unittest.TestCase):
    def test_schedulers_keep_rays_defaults(self):
        self.assertEqual(FIFOScheduler().to_spec(), {"type": "fifo"})
        self.assertEqual(MedianStoppingRule().to_spec(), {
            "type": "median_stopping", "time_attr": "time_total_s", "grace_period": 60.0,
            "min_samples_required": 3, "min_time_slice": 0, "hard_stop": True})
        self.assertIs(ASHAScheduler, AsyncHyperBandScheduler)
        self.assertEqual(ASHAScheduler().to_spec(), {"type": "asha", "time_attr": "training_iteration", "max_t": 100,
                                                     "grace_period": 1, "reduction_factor": 4, "brackets": 1})
        self.assertEqual(HyperBandScheduler().to_spec(), {"type": "hyperband_ray", "time_attr": "training_iteration",
                                                          "max_t": 81, "reduction_factor": 3})
        pbt = PopulationBasedTraining(perturbation_interval=2, hyperparam_mutations={
            "lr": tune.loguniform(1e-4, 1e-1), "opt": ["sgd", "adam"]})
        self.assertEqual(pbt.to_spec()["hyperparam_mutations"],
                         {"lr": {"loguniform": [1e-4, 1e-1]}, "opt": {"choice": ["sgd", "adam"]}})
        self.assertEqual(pbt.to_spec()["time_attr"], "time_total_s")

    def test_unknown_and_unsupported_arguments(self):
        with self.assertRaisesRegex(TypeError, "grace_perod"):
            AsyncHyperBandScheduler(grace_perod=3)
        with self.assertRaisesRegex(TypeError, "unexpected keyword argument 'foo'"):
            MedianStoppingRule(foo=1)
        with self.assertRaisesRegex(ValueError, "custom_explore_fn"):
            PopulationBasedTraining(custom_explore_fn=print)
        with self.assertRaisesRegex(AssertionError, "grace_period must be positive"):
            ASHAScheduler(grace_period=0)

    def test_searchers(self):
        self.assertEqual(OptunaSearch(seed=3).to_spec(), {"type": "tpe", "seed": 3})
        self.assertEqual(HyperOptSearch(n_initial_points=5).to_spec(),
                         {"type": "tpe", "n_startup_trials": 5, "gamma": 0.25})
        self.assertEqual(BayesOptSearch(utility_kwargs={"kind": "ucb", "kappa": 2.0}).to_spec(),
                         {"type": "gp", "n_startup_trials": 10, "acquisition": "ucb", "ucb_beta": 4.0, "seed": 42})
        self.assertEqual(ConcurrencyLimiter(OptunaSearch(), max_concurrent=2).to_spec(),
                         {"type": "tpe", "max_concurrent": 2})
        self.assertEqual(BasicVariantGenerator(random_state=1).to_spec(), {"type": "random", "seed": 1})
        self.assertEqual(TuneBOHB(bohb_config={"top_n_percent": 20}).to_spec(),
                         {"type": "bohb", "top_n_percent": 20})


class SpecTest(unittest.TestCase):
    def test_metric_and_mode_rules(self):
        spec = spec_for(config={"x": tune.uniform(0, 1)}, scheduler=ASHAScheduler(metric="acc", mode="max"))
        self.assertEqual(spec["objective"], {"metric": "acc", "mode": "max"})
        with self.assertRaisesRegex(ValueError, "already instantiated with their own `metric` and `mode`"):
            spec_for(metric="loss", mode="min", scheduler=ASHAScheduler(metric="acc", mode="max"))
        with self.assertRaisesRegex(ValueError, "without a `mode`"):
            spec_for(metric="loss")
        with self.assertRaisesRegex(ValueError, "AsyncHyperBandScheduler needs a `metric`"):
            spec_for(scheduler=ASHAScheduler())
        with self.assertRaisesRegex(ValueError, "num_samples=-1"):
            spec_for(num_samples=-1)

    def test_run_arguments_reach_the_spec(self):
        spec = spec_for(config={"x": tune.uniform(0, 1)}, metric="score", mode="min", num_samples=7,
                        stop={"training_iteration": 5, "score": 0.01}, time_budget_s=60,
                        resources={"cpu": 4, "gpu": 0.5}, max_concurrent=3, max_failures=2,
                        search_alg=OptunaSearch(), seed=11)
        self.assertEqual(spec["num_samples"], 7)
        self.assertEqual(spec["stop"], {"training_iteration": 5, "score": 0.01, "time_budget_s": 60})
        self.assertEqual(spec["resources_per_trial"], {"cpu": 4, "gpu": 0.5})
        self.assertEqual(spec["max_concurrent"], 3)
        self.assertEqual(spec["max_failures"], 2)
        self.assertEqual(spec["search"], {"type": "tpe"})  # max_concurrent_trials limits the engine
        self.assertEqual(spec["seed"], 11)
        self.assertEqual(spec["trainable"]["command"], [sys.executable, "-m", "tunelab.tune._worker"])
        job = json.loads(spec["trainable"]["env"]["TUNELAB_TUNE"])
        self.assertEqual((job["module"], job["qualname"], job["kind"], job["metric"]),
                         (__name__, "top_level_trainable", "function", "score"))
        spec = spec_for(trainable=TopLevelTrainable, stop=[MaximumIterationStopper(4), TrialPlateauStopper("score")],
                        checkpoint_at_end=True, metric="score", mode="max")
        self.assertEqual(spec["stoppers"][0], {"type": "max_iterations", "max_iter": 4})
        job = json.loads(spec["trainable"]["env"]["TUNELAB_TUNE"])
        self.assertEqual((job["kind"], job["end_iteration"], job["checkpoint_at_end"]), ("class", 4, True))
        with self.assertRaisesRegex(ValueError, "resources_per_trial: .*'memory'"):
            spec_for(resources={"cpu": 1, "memory": 10})
        with self.assertRaisesRegex(ValueError, "checkpoint_at_end.*function"):
            spec_for(checkpoint_at_end=True)

    def test_what_cannot_be_sent_to_a_trial(self):
        def nested(config):
            pass

        class Callable:
            def __call__(self, config):
                pass

        cases = [(lambda config: None, "it is a lambda"), (nested, "it is defined inside another function"),
                 (Callable(), "it is a callable object"),
                 (functools.partial(top_level_trainable), "it is a functools.partial")]
        for trainable, why in cases:
            with self.subTest(why=why):
                with self.assertRaisesRegex(TypeError, "cannot be sent to trial processes: " + why):
                    _spec.describe_trainable(trainable)
        with self.assertRaisesRegex(TypeError, "no registry"):
            _spec.describe_trainable("PPO")
        self.assertEqual(_spec.describe_trainable(tune.with_parameters(top_level_trainable, data=[1])).parameters,
                         {"data": [1]})

    @unittest.skipIf(binary() is None, "the tunelab binary is not built (set TUNELAB_BIN)")
    def test_the_engine_accepts_the_generated_specs(self):
        config = {
            "a": tune.uniform(0, 1), "b": tune.quniform(0, 1, 0.25), "c": tune.loguniform(1e-4, 1e-1),
            "d": tune.qloguniform(1e-4, 1e-1, 1e-4), "e": tune.randn(0, 1), "f": tune.qrandn(0, 1, 0.5),
            "g": tune.randint(1, 10), "h": tune.lograndint(1, 100), "i": tune.qrandint(2, 11, 3),
            "j": tune.qlograndint(1, 100, 1), "k": tune.choice(["x", "y"]), "l": tune.grid_search([1, 2]),
            "m": {"n": tune.uniform(0, 1), "o": "const"},
            "p": tune.sample_from(lambda s: tune.uniform(0, 1) if s.config.k == "x" else None),
        }
        variants = {
            "fifo": dict(), "median": dict(scheduler=MedianStoppingRule(time_attr="training_iteration")),
            "asha": dict(scheduler=ASHAScheduler(max_t=9)), "hyperband": dict(scheduler=HyperBandScheduler()),
            "pbt": dict(scheduler=PopulationBasedTraining(hyperparam_mutations={"a": tune.uniform(0, 1)})),
            "optuna": dict(search_alg=ConcurrencyLimiter(OptunaSearch(), 2)),
            "hyperopt": dict(search_alg=HyperOptSearch()), "bayesopt": dict(search_alg=BayesOptSearch()),
            "bohb": dict(search_alg=TuneBOHB()),
        }
        with tempfile.TemporaryDirectory() as tmp:
            for name, extra in variants.items():
                with self.subTest(variant=name):
                    kwargs = dict(config=config, metric="score", mode="max", stop={"training_iteration": 3})
                    kwargs.update(extra)
                    if name in ("hyperband", "pbt"):  # grid parameters are not for model-based ones
                        kwargs["config"] = {k: v for k, v in config.items() if k != "l"}
                    if name in ("bayesopt", "bohb", "optuna", "hyperopt"):
                        kwargs["config"] = {k: v for k, v in config.items() if k not in ("p",)}
                    path = os.path.join(tmp, name + ".json")
                    Path(path).write_text(json.dumps(spec_for(**kwargs)))
                    done = subprocess.run([binary(), "validate", path], capture_output=True, text=True)
                    self.assertEqual(done.returncode, 0, done.stderr)


if __name__ == "__main__":
    unittest.main()
