"""The trial process of tune.run / Tuner: ``python -m tunelab.tune._worker``.

It imports the user's script the way multiprocessing's spawn start method does (``runpy.run_path`` under the name
``__mp_main__``, so the ``if __name__ == "__main__":`` block does not run again), looks the trainable up by its
qualified name, and calls it with the trial's configuration. What to run comes from ``TUNELAB_TUNE`` (JSON written
by the driver into the spec; see _spec.py).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import types
import time
from pathlib import Path
from typing import Any, Dict

EMPTY_KEY = "_tunelab_empty"


def _import_main(job: Dict[str, Any]) -> types.ModuleType:
    """Run the driver's main script (or module) as ``__mp_main__``, as multiprocessing's spawn does."""
    import runpy
    main = types.ModuleType("__mp_main__")
    if job.get("main_module"):
        content = runpy.run_module(job["main_module"], run_name="__mp_main__", alter_sys=True)
    else:
        content = runpy.run_path(job["main_path"], run_name="__mp_main__")
    main.__dict__.update(content)
    sys.modules["__main__"] = sys.modules["__mp_main__"] = main
    return main


def _load(job: Dict[str, Any]) -> Any:
    module = _import_main(job) if job["module"] == "__main__" else importlib.import_module(job["module"])
    obj: Any = module
    for part in job["qualname"].split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise RuntimeError(f"the trial cannot find the trainable {job['qualname']!r} in "
                               f"{job.get('main_path') or job['module']!r} (was it defined there?)") from None
    return obj


def _stop_reached(job: Dict[str, Any], result: Dict[str, Any]) -> bool:
    """Whether this result ends the trial by a stop criterion the driver knows about (for checkpoint_at_end)."""
    if result.get("done") is True:
        return True
    end = job.get("end_iteration")
    if end is not None and result.get("training_iteration", 0) >= end:
        return True
    for name, (threshold, lower_is_better) in (job.get("stop_metrics") or {}).items():
        value = result.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if (value <= threshold) if lower_is_better else (value >= threshold):
                return True
    return False


def _run_class(cls: Any, config: Dict[str, Any], job: Dict[str, Any], session: Any, params: Dict[str, Any]) -> None:
    from .. import _checkpoint
    trainable = cls(config, **params) if params else cls(config)
    restore = session.get_checkpoint()
    if restore is not None:
        data_file = Path(restore.path, "dict_checkpoint.json")
        trainable.load_checkpoint(json.loads(data_file.read_text()) if data_file.exists() else restore.path)
        trainable._iteration = _checkpoint.restore_iteration()
        session._state.iteration = trainable._iteration
    frequency = int(job.get("checkpoint_frequency") or 0)
    at_end = bool(job.get("checkpoint_at_end"))
    start = time.time()
    try:
        while True:
            result = trainable.step()
            if not isinstance(result, dict):
                raise TypeError(f"{cls.__name__}.step() must return a dict of metrics, got {type(result).__name__}")
            trainable._iteration += 1
            result = dict(result)
            result.setdefault("training_iteration", trainable._iteration)
            done = _stop_reached(job, result)
            checkpoint = None
            if (frequency and trainable._iteration % frequency == 0) or (done and at_end):
                name = f"checkpoint_{trainable._iteration:06d}"
                with _checkpoint.checkpoint_dir(name) as directory:
                    data = trainable.save_checkpoint(str(directory))
                    if isinstance(data, dict):
                        (directory / "dict_checkpoint.json").write_text(json.dumps(data))
                checkpoint = session.Checkpoint(_checkpoint.checkpoint_path(name))
            result.setdefault("time_this_iter_s", time.time() - start)
            start = time.time()
            session.report(result, checkpoint=checkpoint)
            if done:
                break
    finally:
        trainable.cleanup()


def main() -> int:
    job = json.loads(os.environ["TUNELAB_TUNE"])
    # sys.path as the driver had it (spawn passes it too), the driver's entries first.
    driver_path = [p for p in job.get("sys_path", []) if p]
    sys.path[:] = driver_path + [p for p in sys.path if p not in driver_path]

    from .. import _env
    from . import _session

    config = _env.get_config()
    config.pop(EMPTY_KEY, None)
    _session._state.metric = job.get("metric")
    trial_dir = _env.trial_dir().absolute()

    trainable = _load(job)
    params: Dict[str, Any] = {}
    if job.get("parameters_file"):
        import pickle
        with open(job["parameters_file"], "rb") as f:
            params = pickle.load(f)
    os.chdir(trial_dir)  # as Ray Tune: the trainable runs in its trial's directory
    if job["kind"] == "class":
        _run_class(trainable, config, job, _session, params)
        return 0
    result = trainable(config, **params)
    if isinstance(result, types.GeneratorType):  # Ray's old generator API: each yielded dict is a result
        for item in result:
            _session.report(item)
    elif isinstance(result, dict):
        _session.report(result)
    elif result is not None:
        raise TypeError(f"the trainable returned {type(result).__name__}: return a dict of metrics, or None "
                        "after calling tune.report()")
    return 0


if __name__ == "__main__":
    sys.exit(main())
