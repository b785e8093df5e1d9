"""The scripts in examples/ray_compat (Ray Tune scripts with only the import changed) run on TuneLab's engine.

Each script runs as a user would run it (`python3 script.py`), in a temporary directory, with its results in
$TUNELAB_RESULTS_DIR; the test then checks what it printed against the study database. Needs scikit-learn and the
tunelab binary; skipped with a message otherwise. ctest runs this file as `ray_compat` with /usr/bin/python3
(Debian's python3-sklearn and python3-matplotlib).
"""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

PYTHON_DIR = Path(__file__).resolve().parents[1]
EXAMPLES = PYTHON_DIR.parent / "examples" / "ray_compat"
sys.path.insert(0, str(PYTHON_DIR))

from tunelab import tune  # noqa: E402


def binary():
    try:
        return tune.find_binary()
    except FileNotFoundError:
        return None


HAVE_SKLEARN = importlib.util.find_spec("sklearn") is not None
HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


@unittest.skipIf(os.environ.get("TUNELAB_SKIP_EXAMPLES") == "1",
                 "the examples run in their own ctest entry, ray_compat (TUNELAB_SKIP_EXAMPLES=1)")
@unittest.skipIf(not HAVE_SKLEARN, f"scikit-learn is not installed for {sys.executable} (the examples train on its "
                                   "digits; ctest's ray_compat runs them with /usr/bin/python3)")
@unittest.skipIf(binary() is None, "the tunelab binary is not built (set TUNELAB_BIN)")
class ExamplesTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self._tmp.cleanup)
        self.cwd = self._tmp.name
        self.results = os.path.join(self.cwd, "results")
        self.env = dict(os.environ, TUNELAB_RESULTS_DIR=self.results, TUNELAB_BIN=binary(),
                        PYTHONPATH=os.pathsep.join(p for p in (str(PYTHON_DIR), os.environ.get("PYTHONPATH")) if p))

    def start(self, script, *args):
        return subprocess.Popen([sys.executable, str(EXAMPLES / script), *args], cwd=self.cwd, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def run_example(self, script, *args):
        process = self.start(script, *args)
        output, _ = process.communicate(timeout=600)
        self.assertEqual(process.returncode, 0, output)
        return output

    def analysis(self, metric="mean_accuracy"):
        dbs = glob.glob(os.path.join(self.results, "*", "study.db"))
        self.assertEqual(len(dbs), 1, dbs)
        return tune.ExperimentAnalysis(dbs[0], default_metric=metric, default_mode="max")

    @staticmethod
    def printed(output, prefix):
        return next(line[len(prefix):].strip() for line in output.splitlines() if line.startswith(prefix))

    def test_function_api_loguniform_choice_uniform_best_and_plot(self):
        output = self.run_example("function_api.py")
        analysis = self.analysis()
        self.assertEqual(len(analysis.trials), 8)
        for trial in analysis.trials:
            self.assertEqual(trial.status, "TERMINATED")
            self.assertEqual([r["epoch"] for r in trial.results], [1, 2, 3, 4, 5])
            self.assertTrue(1e-4 <= trial.config["lr"] <= 1e-1)
            self.assertIn(trial.config["loss"], ("hinge", "log_loss", "modified_huber"))
            self.assertTrue(1e-5 <= trial.config["alpha"] <= 1e-3)
        best = max(analysis.trials, key=lambda t: t.last_result["mean_accuracy"])
        self.assertEqual(json.loads(self.printed(output, "Best trial config:")), best.config)
        self.assertEqual(json.loads(self.printed(output, "Best config:")), best.config)
        self.assertGreater(best.last_result["mean_accuracy"], 0.8)
        if HAVE_MATPLOTLIB:
            plot = Path(self.cwd, "lr_vs_accuracy.png")
            self.assertTrue(plot.exists() and plot.read_bytes()[:4] == b"\x89PNG", output)
        else:
            self.assertIn("matplotlib is not installed", output)

    def test_median_stopping_rule(self):
        output = self.run_example("median_stopping.py")
        analysis = self.analysis()
        self.assertEqual(analysis.spec["scheduler"]["type"], "median_stopping")
        # 16 unseeded samples: with 8, the poor ones sometimes all came first, before two others could be compared
        # with them, and nothing was stopped.
        self.assertEqual(len(analysis.trials), 16)
        epochs = [len(t.results) for t in analysis.trials]
        self.assertTrue(any(n < 10 for n in epochs), f"no trial was stopped early: {epochs}\n{output}")
        self.assertIn("Trials: 16 errors: 0", output)

    def test_asha_with_resources_per_trial(self):
        output = self.run_example("asha.py")
        analysis = self.analysis()
        self.assertEqual(analysis.spec["resources_per_trial"], {"cpu": 0.5})
        self.assertEqual(analysis.spec["scheduler"]["type"], "asha")
        iterations = [t.last_result.get("training_iteration", 0) for t in analysis.trials]
        self.assertEqual(len(iterations), 10)
        self.assertTrue(any(n < 9 for n in iterations), f"ASHA stopped nothing: {iterations}\n{output}")
        self.assertIn(9, iterations)
        self.assertEqual(self.printed(output, "Best accuracy:"), str(analysis.best_result["mean_accuracy"]))

    def test_checkpoint_at_end(self):
        output = self.run_example("checkpoint_at_end.py")
        analysis = self.analysis()
        for trial in analysis.trials:
            self.assertEqual(trial.last_result["training_iteration"], 5)
            self.assertIsNotNone(trial.checkpoint)
        self.assertEqual(self.printed(output, "Reported accuracy:"),
                         self.printed(output, "Accuracy of the checkpointed model:"))

    def test_resume_auto_after_the_driver_is_killed(self):
        process = self.start("resume.py", "0.5")
        db = os.path.join(self.results, "resume_digits", "study.db")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.3)
            try:
                con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
                count = con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
                con.close()
            except sqlite3.Error:
                continue
            if count >= 3:
                break
        self.assertIsNone(process.poll(), "the study ended before it could be interrupted")
        os.kill(process.pid, signal.SIGKILL)
        process.communicate()
        interrupted = tune.ExperimentAnalysis(db)
        self.assertLess(sum(len(t.results) for t in interrupted.trials), 6 * 8)

        output = self.run_example("resume.py", "0.05")
        self.assertIn('Resuming study "resume_digits"', output)
        analysis = self.analysis()
        self.assertEqual(len(analysis.trials), 6)
        continued = 0
        for trial in analysis.trials:
            self.assertEqual(trial.status, "TERMINATED")
            self.assertEqual([r["training_iteration"] for r in trial.results], list(range(1, 9)))
            continued += any(r["started_at_epoch"] > 0 for r in trial.results)
        self.assertGreater(continued, 0, "no trial continued from its checkpoint")


if __name__ == "__main__":
    unittest.main()
