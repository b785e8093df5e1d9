"""Tests for the tunelab client. Run: PYTHONPATH=python python3 -m unittest discover -s python/tests

Reporting is tested the way the engine uses it: a child Python process gets the TUNELAB_* variables and the write
end of a pipe as fd 3, and the test reads the lines back from the read end.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import unittest
from pathlib import Path
from unittest import mock

PYTHON_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PYTHON_DIR))

import tunelab  # noqa: E402

# Put the pipe's write end (passed as argv[1]) on fd 3, where TUNELAB_REPORT_FD says it is.
_PROLOGUE = """\
import os, sys
_w = int(sys.argv[1])
if _w >= 0 and _w != 3:  # -1: run by hand, no report channel
    os.dup2(_w, 3)
    os.close(_w)
import tunelab
"""


def run_trial(code: str, env: dict | None = None, *, report_fd: bool = True, cwd: str | None = None,
              python_path: str = str(PYTHON_DIR)):
    """Run ``code`` in a child Python (after ``import tunelab``); return (report lines, stdout, stderr, exit code)."""
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("TUNELAB_")}
    child_env["PYTHONPATH"] = python_path
    child_env.update(env or {})
    script = _PROLOGUE + textwrap.dedent(code)
    if not report_fd:
        proc = subprocess.run([sys.executable, "-c", script, "-1"], env=child_env, cwd=cwd,
                              capture_output=True, text=True, timeout=60)
        return [], proc.stdout, proc.stderr, proc.returncode
    child_env["TUNELAB_REPORT_FD"] = "3"
    r, w = os.pipe()
    try:
        proc = subprocess.Popen([sys.executable, "-c", script, str(w)], env=child_env, cwd=cwd, pass_fds=(w,),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(w)
    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: os.read(r, 65536), b"")))
    reader.start()
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        reader.join(timeout=60)
        os.close(r)
    data = b"".join(chunks).decode("utf-8")
    assert data == "" or data.endswith("\n"), f"report channel ends with an incomplete line: {data[-80:]!r}"
    return data.splitlines(), out, err, proc.returncode


class ReportTest(unittest.TestCase):
    def run_ok(self, code, env=None, **kw):
        lines, out, err, rc = run_trial(code, env, **kw)
        self.assertEqual(rc, 0, f"child failed:\n{err}")
        return lines, out

    def test_keyword_and_dict_forms(self):
        lines, out = self.run_ok("""
            tunelab.report(loss=0.25, step=3, name="x")
            tunelab.report({"a": 1, "nested": {"b": [1, 2.5]}}, c=True)
            tunelab.report({"val_accuracy": 0.91}, training_iteration=7)
        """)
        self.assertEqual(lines, [
            '{"loss":0.25,"step":3,"name":"x"}',
            '{"a":1,"nested":{"b":[1,2.5]},"c":true}',
            '{"val_accuracy":0.91,"training_iteration":7}',
        ])
        self.assertEqual(out, "", "nothing goes to stdout when the fd is set")

    def test_nan_and_inf_become_null(self):
        lines, _ = self.run_ok("""
            nan, inf = float("nan"), float("inf")
            tunelab.report(a=nan, b=inf, c=-inf, d=[1.0, nan], e={"f": inf}, g=0.5)
        """)
        self.assertEqual(lines, ['{"a":null,"b":null,"c":null,"d":[1.0,null],"e":{"f":null},"g":0.5}'])

    @unittest.skipUnless(importlib.util.find_spec("numpy"), "numpy is not installed for this interpreter "
                         "(run with /usr/bin/python3 to cover numpy conversion)")
    def test_numpy_values(self):
        lines, _ = self.run_ok("""
            import numpy as np
            tunelab.report(f32=np.float32(0.5), f64=np.float64(0.25), i=np.int64(7), b=np.bool_(True),
                           arr=np.array([1, 2]), nan=np.float64("nan"), inf=np.float32("inf"))
        """)
        self.assertEqual(lines, ['{"f32":0.5,"f64":0.25,"i":7,"b":true,"arr":[1,2],"nan":null,"inf":null}'])
        self.assertEqual(type(json.loads(lines[0])["i"]), int)

    def test_checkpoint_and_done(self):
        with tempfile.TemporaryDirectory() as tdir:
            lines, _ = self.run_ok("""
                path = tunelab.save_json_checkpoint({"epoch": 1})
                tunelab.report(loss=1.0, checkpoint=path)
                tunelab.report(loss=0.5, done=True)
            """, {"TUNELAB_TRIAL_DIR": tdir})
            # The version the name links to is sent: saving again later cannot change what was reported.
            version = os.path.realpath(Path(tdir) / "checkpoint")
            self.assertTrue(Path(version).name.startswith(".checkpoint."), version)
            self.assertEqual([json.loads(line) for line in lines], [
                {"loss": 1.0, "_checkpoint": version},
                {"loss": 0.5, "_done": True},
            ])

    def test_relative_checkpoint_is_sent_absolute(self):
        with tempfile.TemporaryDirectory() as tdir:
            Path(tdir, "model.bin").write_bytes(b"x")
            lines, _ = self.run_ok('tunelab.report(loss=1, checkpoint="model.bin")\n', cwd=tdir)
            self.assertEqual(json.loads(lines[0])["_checkpoint"], os.path.realpath(Path(tdir, "model.bin")))

    def test_long_line_arrives_whole(self):
        lines, _ = self.run_ok('tunelab.report(blob="x" * 300_000)\n')  # larger than a pipe's buffer
        self.assertEqual(len(lines), 1)
        self.assertEqual(json.loads(lines[0]), {"blob": "x" * 300_000})

    def test_config_and_identity(self):
        with tempfile.TemporaryDirectory() as tdir:
            cfg_file = Path(tdir, "config.json")
            cfg_file.write_text('{"lr": 0.5}')
            env = {"TUNELAB_CONFIG": '{"lr":0.1,"layers":[1,2]}', "TUNELAB_CONFIG_FILE": str(cfg_file),
                   "TUNELAB_TRIAL_DIR": tdir, "TUNELAB_TRIAL_ID": "4", "TUNELAB_STUDY": "s1", "TUNELAB_ATTEMPT": "2"}
            code = """
                tunelab.report(config=tunelab.get_config(), dir=str(tunelab.trial_dir()), id=tunelab.trial_id(),
                               study=tunelab.study(), attempt=tunelab.attempt(), managed=tunelab.in_trial(),
                               restore=str(tunelab.restore_path()), restore_iteration=tunelab.restore_iteration())
            """
            lines, _ = self.run_ok(code, env)
            self.assertEqual(json.loads(lines[0]), {
                "config": {"lr": 0.1, "layers": [1, 2]}, "dir": tdir, "id": 4, "study": "s1", "attempt": 2,
                "managed": True, "restore": "None", "restore_iteration": 0})
            del env["TUNELAB_CONFIG"]  # falls back to the file
            lines, _ = self.run_ok(code, env)
            self.assertEqual(json.loads(lines[0])["config"], {"lr": 0.5})

    def test_by_hand_prints_to_stdout(self):
        with tempfile.TemporaryDirectory() as tdir:
            lines, out, err, rc = run_trial("""
                tunelab.report(loss=0.5, done=True)
                print(tunelab.get_config(), tunelab.trial_dir() == __import__("pathlib").Path.cwd(),
                      tunelab.trial_id(), tunelab.attempt(), tunelab.restore_path(), tunelab.in_trial())
            """, report_fd=False, cwd=tdir)
            self.assertEqual(rc, 0, err)
            self.assertEqual(out, 'TUNELAB REPORT {"loss":0.5,"_done":true}\n{} True None 0 None False\n')

    def test_refused_reports(self):
        lines, _ = self.run_ok("""
            for bad in (lambda: tunelab.report({"_checkpoint": "x"}), lambda: tunelab.report(_done=True),
                        lambda: tunelab.report({"a": 1}, a=2), lambda: tunelab.report(a=object()),
                        lambda: tunelab.report(a=1, checkpoint="/nonexistent/ckpt"),
                        lambda: tunelab.report(a="x" * (1 << 20)), lambda: tunelab.report(0.5)):
                try:
                    bad()
                except (TypeError, ValueError, FileNotFoundError) as e:
                    tunelab.report(refused=type(e).__name__)
        """)
        self.assertEqual([json.loads(line)["refused"] for line in lines], [
            "ValueError", "ValueError", "TypeError", "TypeError", "FileNotFoundError", "ValueError", "TypeError"])

    def test_import_does_not_import_torch(self):
        with tempfile.TemporaryDirectory() as tdir:
            Path(tdir, "torch.py").write_text('raise SystemExit("torch was imported")\n')
            lines, _ = self.run_ok("""
                import sys
                tunelab.report(torch_loaded="torch" in sys.modules, numpy_loaded="numpy" in sys.modules)
            """, {"TUNELAB_GPU_FRACTION": "0.5"}, python_path=f"{PYTHON_DIR}{os.pathsep}{tdir}")
            self.assertEqual(lines, ['{"torch_loaded":false,"numpy_loaded":false}'])


class CheckpointTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        patcher = mock.patch.dict(os.environ, {"TUNELAB_TRIAL_DIR": str(self.dir)})
        patcher.start()
        self.addCleanup(patcher.stop)
        self.addCleanup(self.tmp.cleanup)

    def entries(self):
        """The visible names, and how many hidden versions (``.name.XXXX``) lie beside them."""
        names = sorted(p.name for p in self.dir.iterdir())
        return [n for n in names if not n.startswith(".")], len([n for n in names if n.startswith(".")])

    def test_save_replaces_previous(self):
        first = tunelab.save_json_checkpoint({"v": 1})
        self.assertEqual(first, self.dir / "checkpoint")
        with tunelab.checkpoint_dir() as d:
            self.assertTrue(d.is_dir())
            self.assertEqual(d.parent, self.dir)
            self.assertEqual(list(d.iterdir()), [])
            (d / "state.json").write_text('{"v": 2}')
            (d / "weights.bin").write_bytes(b"\0" * 10)
            self.assertEqual(tunelab.load_json_checkpoint(first), {"v": 1}, "not visible before the block ends")
        self.assertEqual(tunelab.load_json_checkpoint(first), {"v": 2})
        self.assertEqual(sorted(p.name for p in first.iterdir()), ["state.json", "weights.bin"])
        self.assertEqual(self.entries(), (["checkpoint"], 1), "no temporary or unreported old copies left")

    def test_exception_keeps_previous(self):
        tunelab.save_json_checkpoint({"v": 1}, name="ckpt")
        with self.assertRaises(RuntimeError):
            with tunelab.checkpoint_dir("ckpt") as d:
                (d / "state.json").write_text('{"v": 2}')
                raise RuntimeError("crash while writing")
        self.assertEqual(tunelab.load_json_checkpoint(self.dir / "ckpt"), {"v": 1})
        self.assertEqual(self.entries(), (["ckpt"], 1))
        with self.assertRaises(ZeroDivisionError):
            tunelab.save_checkpoint(lambda d: 1 / 0, name="ckpt")
        self.assertEqual(tunelab.load_json_checkpoint(self.dir / "ckpt"), {"v": 1})
        self.assertEqual(self.entries(), (["ckpt"], 1))

    def test_interrupted_replacement_is_recovered(self):
        tunelab.save_json_checkpoint({"v": 1})
        os.rename(self.dir / "checkpoint", self.dir / ".checkpoint.old")  # killed between the two renames
        with mock.patch.dict(os.environ, {"TUNELAB_RESTORE_PATH": str(self.dir / "checkpoint"),
                                          "TUNELAB_RESTORE_ITERATION": "5"}):
            self.assertEqual(tunelab.restore_path(), self.dir / "checkpoint")
            self.assertEqual(tunelab.load_json_checkpoint(), {"v": 1})
            self.assertEqual(tunelab.restore_iteration(), 5)
        self.assertEqual(self.entries(), (["checkpoint"], 1))
        # Killed after the swap, before deleting the old copy: the stale copy is dropped on the next save.
        (self.dir / ".checkpoint.old").mkdir()
        tunelab.save_json_checkpoint({"v": 2})
        self.assertEqual(self.entries(), (["checkpoint"], 1))
        self.assertFalse((self.dir / ".checkpoint.old").exists())
        self.assertEqual(tunelab.load_json_checkpoint(self.dir / "checkpoint"), {"v": 2})

    def test_reported_versions_are_never_deleted(self):
        # Once reported, a checkpoint is the engine's: saving again keeps it; an unreported one is replaced.
        with mock.patch("sys.stdout", new_callable=io.StringIO):
            first = Path(os.path.realpath(tunelab.save_json_checkpoint({"v": 1})))
            tunelab.report(loss=1, checkpoint=tunelab.checkpoint_path())
            second = Path(os.path.realpath(tunelab.save_json_checkpoint({"v": 2})))
            third = Path(os.path.realpath(tunelab.save_json_checkpoint({"v": 3})))
        self.assertEqual(tunelab.load_json_checkpoint(first), {"v": 1})
        self.assertFalse(second.exists(), "an unreported version is deleted when replaced")
        self.assertEqual(tunelab.load_json_checkpoint(third), {"v": 3})
        self.assertEqual(tunelab.load_json_checkpoint(self.dir / "checkpoint"), {"v": 3})
        self.assertEqual(self.entries(), (["checkpoint"], 2))

    def test_plain_directory_is_kept_under_a_version_name(self):
        # A checkpoint saved as a plain directory (as this client did before): it may have been reported.
        (self.dir / "checkpoint").mkdir()
        (self.dir / "checkpoint" / "state.json").write_text('{"v": 0}')
        tunelab.save_json_checkpoint({"v": 1})
        self.assertEqual(tunelab.load_json_checkpoint(self.dir / "checkpoint"), {"v": 1})
        kept = [p for p in self.dir.iterdir() if p.name.startswith(".") and p != Path(os.path.realpath(self.dir / "checkpoint"))]
        self.assertEqual(len(kept), 1)
        self.assertEqual(tunelab.load_json_checkpoint(kept[0]), {"v": 0})

    def test_bad_names(self):
        for name in ("", ".hidden", "a/b", ".."):
            with self.assertRaises(ValueError):
                tunelab.checkpoint_path(name)

    def test_nothing_to_restore(self):
        with mock.patch.dict(os.environ, {"TUNELAB_RESTORE_ITERATION": "3"}):
            self.assertIsNone(tunelab.restore_path())
            self.assertIsNone(tunelab.load_json_checkpoint())
            self.assertEqual(tunelab.restore_iteration(), 0)


class RestoreRoundTripTest(unittest.TestCase):
    def test_restart_continues_from_reported_checkpoint(self):
        with tempfile.TemporaryDirectory() as tdir:
            env = {"TUNELAB_TRIAL_DIR": tdir, "TUNELAB_CONFIG": '{"epochs": 4}'}
            code = """
                state = tunelab.load_json_checkpoint() or {"epoch": 0, "total": 0}
                for epoch in range(state["epoch"] + 1, tunelab.get_config()["epochs"] + 1):
                    state = {"epoch": epoch, "total": state["total"] + epoch}
                    path = tunelab.save_json_checkpoint(state)
                    tunelab.report(total=state["total"], training_iteration=epoch, checkpoint=path,
                                   attempt=tunelab.attempt(), restored_from=tunelab.restore_iteration())
                    if epoch == 2 and tunelab.attempt() == 0:
                        os._exit(1)  # crash after the second report
            """
            lines, _, _, rc = run_trial(code, {**env, "TUNELAB_ATTEMPT": "0"})
            self.assertEqual(rc, 1)
            last = json.loads(lines[-1])
            self.assertEqual(last["training_iteration"], 2)
            restart = {**env, "TUNELAB_ATTEMPT": "1", "TUNELAB_RESTORE_PATH": last["_checkpoint"],
                       "TUNELAB_RESTORE_ITERATION": str(last["training_iteration"])}
            lines2, _, err, rc = run_trial(code, restart)
            self.assertEqual(rc, 0, err)
            got = [(r["training_iteration"], r["total"], r["attempt"], r["restored_from"])
                   for r in map(json.loads, lines + lines2)]
            self.assertEqual(got, [(1, 1, 0, 0), (2, 3, 0, 0), (3, 6, 1, 2), (4, 10, 1, 2)])


if __name__ == "__main__":
    unittest.main()
