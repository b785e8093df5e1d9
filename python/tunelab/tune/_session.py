"""What a trainable calls inside a trial: tune.report, tune.get_checkpoint, tune.get_context, Checkpoint.

These go through the ordinary trial protocol (docs/protocol.md) via the ``tunelab`` client. Called outside a trial
(a script run by hand), ``report`` prints the result as the client does and ``get_checkpoint`` returns ``None``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Optional, Union

from .. import _checkpoint as _client_checkpoint
from .. import _env, _report


class Checkpoint:
    """A checkpoint backed by a directory, as Ray's ``Checkpoint``.

    ``Checkpoint.from_directory(path)`` wraps a directory; ``to_directory()``, ``as_directory()`` and ``path`` give
    it back. A checkpoint passed to ``tune.report`` is copied into the trial directory (``checkpoint_NNNNNN``), so
    the directory given may be a temporary one.
    """

    def __init__(self, path: Union[str, "os.PathLike[str]"], filesystem: Any = None):
        self.path = os.fspath(path)
        self.filesystem = None

    @classmethod
    def from_directory(cls, path: Union[str, "os.PathLike[str]"]) -> "Checkpoint":
        if not os.path.isdir(path):
            raise FileNotFoundError(f"Checkpoint.from_directory(): {os.fspath(path)!r} is not a directory")
        return cls(os.path.abspath(os.fspath(path)))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Checkpoint":
        """A directory holding ``data`` as JSON (Ray 1.x had this; kept for old scripts)."""
        directory = tempfile.mkdtemp(prefix="tunelab-ckpt-")
        Path(directory, "dict_checkpoint.json").write_text(json.dumps(dict(data)), encoding="utf-8")
        return cls(directory)

    def to_dict(self) -> Dict[str, Any]:
        return json.loads(Path(self.path, "dict_checkpoint.json").read_text(encoding="utf-8"))

    def to_directory(self, path: Optional[Union[str, "os.PathLike[str]"]] = None) -> str:
        """Copy the checkpoint into ``path`` (a new temporary directory when ``None``); return that directory."""
        target = os.fspath(path) if path is not None else tempfile.mkdtemp(prefix="tunelab-ckpt-")
        shutil.copytree(self.path, target, dirs_exist_ok=True)
        return target

    @contextlib.contextmanager
    def as_directory(self) -> Iterator[str]:
        """The checkpoint's directory, to read from (not to modify)."""
        yield self.path

    def get_metadata(self) -> Dict[str, Any]:
        meta = Path(self.path, ".metadata.json")
        return json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else {}

    def __fspath__(self) -> str:
        return self.path

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Checkpoint) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return f"Checkpoint(path={self.path!r})"


class _TrialState:
    """Per-process state of the running trial (set up by the worker)."""

    def __init__(self) -> None:
        self.metric: Optional[str] = None
        self.checked_metric = False
        self.iteration = _client_checkpoint.restore_iteration()


_state = _TrialState()


def _check_metric(metrics: Mapping[str, Any]) -> None:
    if _state.metric is None or _state.checked_metric:
        return
    _state.checked_metric = True
    if _state.metric not in metrics:
        raise ValueError(
            f"Trial returned a result which did not include the specified metric(s) `{_state.metric}` that "
            f"`tune.run()` expects. Make sure your calls to `tune.report()` include the metric. "
            f"Reported keys: {sorted(metrics)}. Result: {json.dumps(_report._jsonable(dict(metrics)))[:500]}")


def _persist(checkpoint: Union[Checkpoint, str, "os.PathLike[str]"], iteration: int) -> Path:
    """Copy a reported checkpoint into the trial directory under a new name (docs/protocol.md asks for one)."""
    source = Path(checkpoint.path if isinstance(checkpoint, Checkpoint) else os.fspath(checkpoint)).absolute()
    name = f"checkpoint_{iteration:06d}"
    final = _env.trial_dir().absolute() / name
    if source == final:
        return final
    with _client_checkpoint.checkpoint_dir(name) as directory:
        if source.is_dir():
            shutil.copytree(source, directory, dirs_exist_ok=True)
        else:
            shutil.copy2(source, directory / source.name)
    return final


def report(metrics: Optional[Mapping[str, Any]] = None, *, checkpoint: Optional[Checkpoint] = None,
           **kwargs: Any) -> None:
    """Report one result: ``tune.report(metrics_dict, checkpoint=...)`` (Ray 2.x) or ``tune.report(**metrics)``."""
    values: Dict[str, Any] = dict(metrics or {})
    for key, value in kwargs.items():
        if key in values:
            raise TypeError(f"tune.report(): {key!r} given both in the dict and as a keyword")
        values[key] = value
    for key in [k for k in values if isinstance(k, str) and k.startswith("_")]:
        values.pop(key)  # Ray's private fields (e.g. _metric) are not metrics here; keys with '_' are reserved
    done = bool(values.pop("done", False)) if isinstance(values.get("done"), bool) else False
    _check_metric(values)
    _state.iteration += 1
    if "training_iteration" in values and isinstance(values["training_iteration"], int):
        _state.iteration = values["training_iteration"]
    path = _persist(checkpoint, _state.iteration) if checkpoint is not None else None
    _report.report(values, checkpoint=path, done=done)


def get_checkpoint() -> Optional[Checkpoint]:
    """The checkpoint to continue from (after a restart, a pause or a PBT exploit), else ``None``."""
    path = _client_checkpoint.restore_path()
    return Checkpoint(path) if path is not None else None


class TrainContext:
    """``tune.get_context()``: the running trial's identity and directory."""

    def get_trial_id(self) -> str:
        tid = _env.trial_id()
        return f"{tid:05d}" if tid is not None else "default"

    def get_trial_name(self) -> str:
        return f"{_env.study() or 'trial'}_{self.get_trial_id()}"

    def get_trial_dir(self) -> str:
        return str(_env.trial_dir().absolute())

    def get_experiment_name(self) -> str:
        return _env.study() or "default"

    def get_world_size(self) -> int:
        return 1

    def get_world_rank(self) -> int:
        return 0

    def get_local_rank(self) -> int:
        return 0

    def get_trial_resources(self) -> Dict[str, float]:
        return json.loads(os.environ.get("TUNELAB_TUNE_RESOURCES", "{}") or "{}")


def get_context() -> TrainContext:
    return TrainContext()


def get_trial_id() -> str:
    return TrainContext().get_trial_id()


def get_trial_name() -> str:
    return TrainContext().get_trial_name()


def get_trial_dir() -> str:
    return TrainContext().get_trial_dir()
