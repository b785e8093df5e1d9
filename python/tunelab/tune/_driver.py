"""Running the engine: find the tunelab binary, write the spec, run or resume the study, watch it, read it back."""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import pickle
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from typing import Any, Dict, List, Optional

from ._analysis import ExperimentAnalysis, TuneError
from ._spec import RunOptions, build_spec, describe_trainable

_METRIC_ERROR = "did not include the specified metric"


def find_binary() -> str:
    """``$TUNELAB_BIN``, else a ``tunelab`` beside the package (``bin/tunelab``), else ``tunelab`` on PATH."""
    env = os.environ.get("TUNELAB_BIN")
    if env:
        if os.path.isfile(env) and os.access(env, os.X_OK):
            return env
        raise FileNotFoundError(f"TUNELAB_BIN={env} is not an executable file")
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for candidate in (os.path.join(package, "bin", "tunelab"), os.path.join(os.path.dirname(package), "bin", "tunelab"),
                      os.path.join(os.path.dirname(os.path.dirname(package)), "build", "bin", "tunelab")):
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("tunelab")
    if found:
        return found
    raise FileNotFoundError(
        "cannot find the tunelab binary that runs the studies: set TUNELAB_BIN=/path/to/tunelab, or put tunelab "
        "on PATH (build it with `cmake -S . -B build && cmake --build build`; it is build/bin/tunelab)")


def study_path(binary: str, name: str, storage_path: Optional[str], fresh: bool) -> Dict[str, Any]:
    """Where the study ``name`` is kept: ``{"dir", "db", "holds_study"}``. The layout has one copy, in the engine
    (core/store/results_dir.h): ``STORAGE/NAME/study.db``, STORAGE being ``storage_path``, else
    ``$TUNELAB_RESULTS_DIR``, ``$TUNE_RESULT_DIR`` or ``~/tunelab_results``; with ``fresh``, the first of
    ``NAME-2``, ``NAME-3``, ... that holds no study when ``NAME`` does."""
    command = [binary, "where", name]
    if storage_path:
        command += ["--storage", os.path.expanduser(os.fspath(storage_path))]
    if fresh:
        command.append("--fresh")
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        raise TuneError(f"cannot place the study {name!r}: {done.stderr.strip() or done.returncode}")
    return json.loads(done.stdout)


def _holds_study(db: str) -> bool:
    if not os.path.exists(db):
        return False
    try:
        con = sqlite3.connect("file:" + db + "?mode=ro", uri=True, timeout=10)
        try:
            return con.execute("SELECT COUNT(*) FROM study").fetchone()[0] > 0
        finally:
            con.close()
    except sqlite3.Error:
        return False


def _wait_for_lock(db: str, timeout_s: float = 30.0) -> None:
    """A killed driver's engine may still be ending: wait until it releases the study (docs/storage.md)."""
    lock = db + ".lock"
    if not os.path.exists(lock):
        return
    deadline = time.monotonic() + timeout_s
    with open(lock, "a") as f:
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(f, fcntl.LOCK_UN)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise TuneError(f"the study {db} is in use by another tunelab process (still running after "
                                    f"{timeout_s:.0f} s)") from None
                time.sleep(0.2)


def _die_with_parent() -> None:
    """In the engine's process: get SIGTERM when the driver dies (even by SIGKILL), so it ends the study cleanly."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class _StderrRelay(threading.Thread):
    """Copies the engine's stderr to ours and keeps the last lines for error messages."""

    def __init__(self, stream: Any, echo: bool):
        super().__init__(daemon=True)
        self.stream = stream
        self.echo = echo
        self.lines: List[str] = []

    def run(self) -> None:
        for raw in iter(self.stream.readline, b""):
            line = raw.decode("utf-8", "replace")
            self.lines.append(line)
            del self.lines[:-200]
            if self.echo:
                sys.stderr.write(line)
                sys.stderr.flush()

    def text(self) -> str:
        return "".join(self.lines)


def _metric_error(db: str) -> Optional[str]:
    """The first trial error saying the metric was never reported, if any (checked while the study runs)."""
    try:
        con = sqlite3.connect("file:" + db + "?mode=ro", uri=True, timeout=1)
        try:
            row = con.execute("SELECT error FROM trials WHERE status = 'error' AND error LIKE ? LIMIT 1",
                              (f"%{_METRIC_ERROR}%",)).fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    if not row:
        return None
    for line in row[0].splitlines():
        if _METRIC_ERROR in line:
            return line.split("ValueError: ", 1)[-1].strip()
    return row[0]


def _open_gui(binary: str, db: str) -> None:
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        print(f"tunelab.tune: gui=True but there is no display; open the study later with: {binary} {db}",
              file=sys.stderr)
        return
    subprocess.Popen([binary, db], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)


def execute(o: RunOptions, *, storage_path: Optional[str], resume: Any, verbose: int, gui: bool,
            raise_on_failed_trial: bool) -> ExperimentAnalysis:
    """Run (or resume) the study described by ``o`` and return its analysis."""
    info = describe_trainable(o.trainable)
    binary = find_binary()
    resume_mode = resume.upper() if isinstance(resume, str) else resume
    if resume_mode not in (None, False, True, "AUTO", "LOCAL", "REMOTE", "PROMPT", "ERRORED_ONLY"):
        raise ValueError(f"resume must be True, False or 'AUTO', got {resume!r}")
    place = study_path(binary, o.name, storage_path, fresh=False)
    exp_dir, db = place["dir"], place["db"]
    resuming = False
    if resume_mode not in (None, False):
        resuming = place["holds_study"]
        if not resuming and resume_mode != "AUTO":
            raise ValueError(f"Called resume ({resume!r}) when no experiment was found at {exp_dir}; use "
                             "resume='AUTO' to start a new one when there is none")
    elif place["holds_study"]:  # a rerun without resume: a new folder beside the old one
        first = exp_dir
        place = study_path(binary, o.name, storage_path, fresh=True)
        exp_dir, db = place["dir"], place["db"]
        if verbose:
            print(f"tunelab.tune: {first} already holds a study; this run goes to {exp_dir} "
                  "(pass resume='AUTO' to continue the old one)")
    storage = os.path.dirname(exp_dir)
    os.makedirs(exp_dir, exist_ok=True)
    if info.parameters is not None:
        o.parameters_file = os.path.join(exp_dir, "parameters.pkl")
        try:
            data = pickle.dumps(info.parameters)
        except Exception as error:
            raise TypeError(f"tune.with_parameters(): the values cannot be pickled: {error}") from None
        with open(o.parameters_file + ".tmp", "wb") as f:
            f.write(data)
        os.replace(o.parameters_file + ".tmp", o.parameters_file)
    spec, metric, mode = build_spec(o, info)
    if resuming:
        _wait_for_lock(db)
        command = [binary, "resume", db]
    else:
        spec_path = os.path.join(exp_dir, "spec.json")
        with open(spec_path, "w", encoding="utf-8") as f:
            json.dump(spec, f, indent=2)
        command = [binary, "run", spec_path, "--db", db]
    if not verbose:
        command.append("--quiet")

    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=None if verbose else subprocess.DEVNULL,
                               stderr=subprocess.PIPE, preexec_fn=_die_with_parent)
    relay = _StderrRelay(process.stderr, echo=bool(verbose))
    relay.start()
    metric_error: Optional[str] = None
    gui_pending = gui
    interrupted = False
    try:
        while process.poll() is None:
            try:
                process.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
            if gui_pending and _holds_study(db):
                gui_pending = False
                _open_gui(binary, db)
            if metric is not None and metric_error is None:
                metric_error = _metric_error(db)
                if metric_error is not None:  # fail fast, as Ray does, instead of running every trial
                    process.send_signal(signal.SIGINT)
    except KeyboardInterrupt:
        interrupted = True
        process.send_signal(signal.SIGINT)
        process.wait()
    relay.join(timeout=5)
    process.stderr.close()
    if gui_pending and not interrupted and _holds_study(db):  # a study that ended before it was seen running
        _open_gui(binary, db)
    code = process.returncode
    if metric_error is not None:
        raise ValueError(metric_error)
    if code == 2 or not _holds_study(db):
        raise TuneError(f"the tunelab engine could not run the study (exit status {code}):\n{relay.text().strip()}")
    analysis = ExperimentAnalysis(db, default_metric=metric, default_mode=mode)
    if code not in (0, 1, 130) and verbose:
        print(f"tunelab.tune: the engine exited with status {code}", file=sys.stderr)
    if interrupted or code == 130:  # as Ray: say how to continue, and return what there is
        print(f"tunelab.tune: the study was interrupted; continue it with resume='AUTO' "
              f"(name={os.path.basename(exp_dir)!r}, storage_path={storage!r}) or `{binary} resume {db}`",
              file=sys.stderr)
        return analysis
    failed = [t for t in analysis.trials if t.status == "ERROR"]
    if failed and raise_on_failed_trial:
        details = "\n".join(f"  {t}: {(t.error_msg or '').strip()[-1500:]}" for t in failed[:3])
        raise TuneError(f"Trials did not complete: {[str(t) for t in failed]}\n{details}")
    return analysis
