"""tune.schedulers.HyperBandScheduler keeps Ray's meaning: the epochs each trial runs match Ray 2.60's.

bench/ray_compat/hyperband_epochs.py replays recorded curves (tests/data/ray_hyperband/curves.csv) one trial at a
time. Each fixture tests/data/ray_hyperband/epochs_ray_*.json holds what that script printed under Ray 2.60 (a
virtual environment outside the repository); here the same script runs under ``from tunelab import tune`` with the
fixture's max_t, reduction_factor and rows, and every trial must run exactly as many epochs as under Ray.

Needs the tunelab binary (TUNELAB_BIN, as ctest sets it); skipped otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

from tunelab import tune  # noqa: E402

SCRIPT = ROOT / "bench" / "ray_compat" / "hyperband_epochs.py"
FIXTURES = sorted((ROOT / "tests" / "data" / "ray_hyperband").glob("epochs_ray_*.json"))


def binary():
    try:
        return tune.find_binary()
    except FileNotFoundError:
        return None


@unittest.skipIf(binary() is None, "the tunelab binary is not built (set TUNELAB_BIN)")
class RayHyperBandEpochs(unittest.TestCase):
    def run_script(self, fixture, scheduler=None):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "python"), env.get("PYTHONPATH")) if p)
        env.update(HB_MAX_T=str(fixture["max_t"]), HB_ETA=str(fixture["reduction_factor"]),
                   HB_ROWS=str(fixture["rows"]))
        if scheduler:
            env["HB_SCHEDULER"] = scheduler
        with tempfile.TemporaryDirectory() as out:
            path = Path(out, "epochs.json")
            done = subprocess.run([sys.executable, str(SCRIPT), "tunelab", str(path)], env=env, cwd=out,
                                  capture_output=True, text=True, timeout=600)
            self.assertEqual(done.returncode, 0, done.stdout[-3000:] + done.stderr[-3000:])
            return json.loads(path.read_text())

    def test_fixtures_exist(self):
        self.assertGreaterEqual(len(FIXTURES), 2)
        for path in FIXTURES:
            fixture = json.loads(path.read_text())
            self.assertTrue(fixture["engine"].startswith("ray 2.60"), path)
            self.assertEqual(len(fixture["epochs"]), fixture["rows"], path)

    def test_epochs_per_trial_match_ray(self):
        for path in FIXTURES:
            fixture = json.loads(path.read_text())
            with self.subTest(fixture=path.name):
                got = self.run_script(fixture)
                self.assertEqual(got["epochs"], fixture["epochs"])
                self.assertEqual(got["total"], fixture["total"])

    def test_tunelab_hyperband_is_the_papers_and_differs(self):
        # TuneLab's own HyperBand stays available by name; on these curves it spends fewer epochs than Ray's.
        fixture = json.loads(FIXTURES[0].read_text())
        got = self.run_script(fixture, scheduler="TuneLabHyperBandScheduler")
        self.assertLess(got["total"], fixture["total"])


if __name__ == "__main__":
    unittest.main()
