"""tunelab.tune end to end on the engine, with trivial trainables (no third-party packages).

Needs the tunelab binary (TUNELAB_BIN, as ctest sets it); skipped otherwise. The trainables are defined at the top
level of this module: the trial processes import it by name, as they import a user's script.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tunelab import tune  # noqa: E402
from tunelab.tune.schedulers import AsyncHyperBandScheduler  # noqa: E402


def binary():
    try:
        return tune.find_binary()
    except FileNotFoundError:
        return None


def quadratic(config):
    for i in range(1, 5):
        tune.report({"score": -(config["x"] - 0.3) ** 2 * 10 / i, "step": i, "opt": config["nested"]["opt"]})


def returns_dict(config):
    return {"score": config["x"] * 2}


def never_reports_the_metric(config):
    time.sleep(0.2)
    tune.report({"accuracy": 0.5})
    time.sleep(30)  # the driver must not wait for this


def raises(config):
    tune.report({"score": 1.0})
    if config["x"] >= 0:
        raise RuntimeError(f"boom at x={config['x']}")


def uses_parameters(config, data=None, scale=1):
    return {"score": sum(data) * scale + config["x"]}


def checkpoints(config):
    start = 0
    checkpoint = tune.get_checkpoint()
    if checkpoint:
        start = json.loads(Path(checkpoint.path, "state.json").read_text())["i"]
    for i in range(start + 1, 4):
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "state.json").write_text(json.dumps({"i": i}))
            tune.report({"score": float(i)}, checkpoint=tune.Checkpoint.from_directory(tmp))


class Counter(tune.Trainable):
    def setup(self, config):
        self.value = 0
        self.step_size = config["step"]

    def step(self):
        self.value += self.step_size
        return {"score": self.value}

    def save_checkpoint(self, checkpoint_dir):
        Path(checkpoint_dir, "value.txt").write_text(str(self.value))

    def load_checkpoint(self, checkpoint_dir):
        self.value = int(Path(checkpoint_dir, "value.txt").read_text())


@unittest.skipIf(binary() is None, "the tunelab binary is not built (set TUNELAB_BIN)")
class RunTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.storage = self._tmp.name
        self.addCleanup(self._tmp.cleanup)

    def run_tune(self, trainable, **kwargs):
        kwargs.setdefault("storage_path", self.storage)
        kwargs.setdefault("verbose", 0)
        kwargs.setdefault("resources_per_trial", {"cpu": 0.5})
        return tune.run(trainable, **kwargs)

    def test_function_trainable_reports_in_a_loop(self):
        analysis = self.run_tune(quadratic, name="quad", num_samples=4, metric="score", mode="max", seed=5,
                                 config={"x": tune.uniform(0, 1), "nested": {"opt": tune.choice(["a", "b"])}})
        self.assertEqual(len(analysis.trials), 4)
        for trial in analysis.trials:
            self.assertEqual(trial.status, "TERMINATED")
            self.assertEqual([r["step"] for r in trial.results], [1, 2, 3, 4])
            self.assertTrue(0 <= trial.config["x"] <= 1)
            self.assertIn(trial.config["nested"]["opt"], ("a", "b"))
            self.assertEqual(trial.last_result["opt"], trial.config["nested"]["opt"])
        expected = max(analysis.trials, key=lambda t: t.last_result["score"])
        self.assertIs(analysis.get_best_trial("score", "max"), expected)
        self.assertEqual(analysis.best_config, expected.config)
        self.assertEqual(analysis.get_best_config("score", "min"),
                         min(analysis.trials, key=lambda t: t.last_result["score"]).config)
        best_any = max(analysis.trials, key=lambda t: max(r["score"] for r in t.results))
        self.assertIs(analysis.get_best_trial("score", "max", scope="all"), best_any)
        rows = analysis.dataframe()
        rows = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
        self.assertEqual(sorted(r["config/x"] for r in rows), sorted(t.config["x"] for t in analysis.trials))
        self.assertIn("config/nested/opt", rows[0])
        self.assertEqual(len(analysis.trial_dataframes), 4)
        self.assertEqual(analysis.errors, {})
        self.assertEqual(analysis.experiment_path, os.path.join(self.storage, "quad"))

    def test_tuner_and_result_grid(self):
        tuner = tune.Tuner(returns_dict, param_space={"x": tune.grid_search([1, 2, 3])},
                           tune_config=tune.TuneConfig(metric="score", mode="max"),
                           run_config=tune.RunConfig(name="grid", storage_path=self.storage, verbose=0))
        results = tuner.fit()
        self.assertEqual(len(results), 3)
        self.assertEqual(sorted(r.config["x"] for r in results), [1, 2, 3])
        best = results.get_best_result()
        self.assertEqual((best.config, best.metrics["score"]), ({"x": 3}, 6))
        self.assertEqual(results.get_best_result("score", "min").config, {"x": 1})
        self.assertEqual(results.num_errors, 0)
        self.assertEqual(len(best.metrics_dataframe), 1)
        self.assertEqual((results.best_config, results.get_best_config("score", "min")), ({"x": 3}, {"x": 1}))
        self.assertEqual(results.best_result["score"], 6)
        self.assertEqual(results.get_best_trial().trial_id, results._analysis.get_best_trial().trial_id)
        self.assertEqual(len(results.trial_dataframes), 3)
        analysis = tune.ExperimentAnalysis(results.experiment_path, default_metric="score", default_mode="max")
        self.assertEqual(analysis.get_best_result()["score"], 6)
        rows = analysis.get_dataframe(filter_metric="score", filter_mode="max")
        self.assertEqual(len(rows), 3)

    def test_rerun_without_resume_uses_a_new_folder(self):
        first = self.run_tune(returns_dict, name="again", config={"x": 1})
        second = self.run_tune(returns_dict, name="again", config={"x": 2})
        self.assertNotEqual(first.experiment_path, second.experiment_path)
        self.assertEqual(second.trials[0].config, {"x": 2})
        resumed = self.run_tune(returns_dict, name="again", config={"x": 1}, resume="AUTO")
        self.assertEqual(resumed.experiment_path, first.experiment_path)
        self.assertEqual(len(resumed.trials), 1)
        self.assertTrue(tune.Tuner.can_restore(first.experiment_path))
        self.assertFalse(tune.Tuner.can_restore(os.path.join(self.storage, "missing")))
        grid = tune.Tuner.restore(first.experiment_path, returns_dict,
                                  run_config=tune.RunConfig(verbose=0)).fit()
        self.assertEqual(grid.experiment_path, first.experiment_path)
        self.assertEqual([r.config for r in grid], [{"x": 1}])
        with self.assertRaisesRegex(ValueError, "no experiment was found"):
            self.run_tune(returns_dict, name="missing", config={"x": 1}, resume=True)

    def test_metric_never_reported_fails_fast(self):
        started = time.monotonic()
        with self.assertRaises(ValueError) as caught:
            self.run_tune(never_reports_the_metric, name="nometric", num_samples=6, metric="mean_accuracy",
                          mode="max", config={"x": tune.uniform(0, 1)})
        message = str(caught.exception)
        self.assertIn("did not include the specified metric(s) `mean_accuracy`", message)
        self.assertIn("['accuracy']", message)
        self.assertLess(time.monotonic() - started, 25)

    def test_trainable_that_raises(self):
        with self.assertRaises(tune.TuneError) as caught:
            self.run_tune(raises, name="raises", num_samples=2, config={"x": tune.uniform(0, 1)})
        self.assertIn("Trials did not complete: ['raises_00000', 'raises_00001']", str(caught.exception))
        self.assertIn("RuntimeError: boom at x=", str(caught.exception))
        analysis = self.run_tune(raises, name="raises2", config={"x": 0.5}, raise_on_failed_trial=False,
                                 max_failures=1)
        self.assertEqual(analysis.trials[0].status, "ERROR")
        self.assertIn("Traceback", analysis.errors["00000"])
        self.assertIn("RuntimeError: boom at x=0.5", analysis.errors["00000"])
        grid = tune.Tuner(raises, param_space={"x": 1},
                          run_config=tune.RunConfig(name="raises3", storage_path=self.storage, verbose=0)).fit()
        self.assertEqual(grid.num_errors, 1)
        self.assertIn("boom at x=1", str(grid.errors[0]))

    def test_lambda_fails_before_any_trial(self):
        with self.assertRaisesRegex(TypeError, "cannot be sent to trial processes: it is a lambda"):
            self.run_tune(lambda config: None, name="lam")
        self.assertFalse(os.path.exists(os.path.join(self.storage, "lam")))

    def test_unknown_scheduler_argument(self):
        with self.assertRaisesRegex(TypeError, "unexpected keyword argument 'grace'"):
            self.run_tune(quadratic, scheduler=AsyncHyperBandScheduler(grace=2), metric="score", mode="max")

    def test_with_parameters(self):
        analysis = self.run_tune(tune.with_parameters(uses_parameters, data=list(range(10)), scale=2), name="wp",
                                 config={"x": 0.5}, metric="score", mode="max")
        self.assertEqual(analysis.best_result["score"], 90.5)

    def test_gui_opens_the_workbench_on_the_running_study(self):
        marker = os.path.join(self.storage, "gui-args.txt")
        wrapper = os.path.join(self.storage, "tunelab")
        Path(wrapper).write_text(
            "#!/bin/sh\n"
            f'case "$1" in run|resume|where) exec "{binary()}" "$@";; esac\n'
            f'echo "$@" > "{marker}"\n')
        os.chmod(wrapper, 0o755)
        env = {"TUNELAB_BIN": wrapper, "DISPLAY": ":99"}
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            analysis = self.run_tune(returns_dict, name="gui", config={"x": 1}, gui=True)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        deadline = time.monotonic() + 10
        while not os.path.exists(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(Path(marker).read_text().strip(), analysis.db_path)

    def test_function_checkpoints(self):
        analysis = self.run_tune(checkpoints, name="ckpt", config={"x": 1}, metric="score", mode="max")
        trial = analysis.trials[0]
        self.assertEqual([r["score"] for r in trial.results], [1.0, 2.0, 3.0])
        self.assertTrue(Path(trial.checkpoint.path, "state.json").exists())
        self.assertEqual(json.loads(Path(trial.checkpoint.path, "state.json").read_text()), {"i": 3})

    def test_class_trainable_checkpoint_at_end(self):
        analysis = self.run_tune(Counter, name="cls", config={"step": tune.grid_search([1, 2])},
                                 stop={"training_iteration": 3}, checkpoint_at_end=True, metric="score", mode="max")
        self.assertEqual(analysis.best_config, {"step": 2})
        for trial in analysis.trials:
            self.assertEqual(trial.last_result["training_iteration"], 3)
            checkpoint = analysis.get_best_checkpoint(trial, "score", "max")
            self.assertEqual(Path(checkpoint.path, "value.txt").read_text(), str(3 * trial.config["step"]))
        with self.assertRaisesRegex(ValueError, "function trainable saves its checkpoints itself"):
            self.run_tune(quadratic, name="cae", checkpoint_at_end=True)


if __name__ == "__main__":
    unittest.main()
