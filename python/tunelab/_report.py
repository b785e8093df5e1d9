"""Sending results to the engine: one JSON object per line on ``TUNELAB_REPORT_FD``."""

from __future__ import annotations

import json
import math
import os
import sys
import threading
from typing import Any, Mapping, Optional, Union

from . import _checkpoint
from ._gpu import _auto_limit

PathLike = Union[str, "os.PathLike[str]"]

MAX_LINE_BYTES = 1 << 20  # the engine ignores longer lines (docs/protocol.md)
_lock = threading.Lock()


def _jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: NaN/Inf become ``None``; numpy scalars and arrays become Python values."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)  # plain int also for int subclasses (e.g. IntEnum)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"report keys must be strings, got {key!r}")
            out[key] = _jsonable(item)
        return out
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if hasattr(value, "tolist") and hasattr(value, "item"):  # numpy / torch scalars and arrays
        return _jsonable(value.tolist())
    if hasattr(value, "item"):
        return _jsonable(value.item())
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"cannot report a value of type {type(value).__name__}: {value!r}")


def report(
    values: Optional[Mapping[str, Any]] = None,
    /,
    *,
    checkpoint: Optional[PathLike] = None,
    done: bool = False,
    **metrics: Any,
) -> None:
    """Send one result to the engine.

    ``report(loss=0.1)`` and ``report({"loss": 0.1})`` are equivalent (a key may not be given both ways). Numbers
    are metrics; NaN and infinities are sent as ``null``; numpy/torch scalars are converted to Python numbers.
    ``training_iteration`` and ``time_total_s`` may be given, otherwise the engine fills them in.

    ``checkpoint``: a file or directory written completely *before* this call (see ``checkpoint_dir``). A relative
    path is resolved against the current directory, and sent as an absolute path with links resolved.
    ``FileNotFoundError`` if absent. Once reported, it belongs to the engine: do not change or delete it.
    ``done``: the trial says it has finished; the engine treats it as complete after this report.

    The line is written and flushed before returning. When not run by TuneLab (no ``TUNELAB_REPORT_FD``), it is
    printed to stdout as ``TUNELAB REPORT {json}`` instead. Raises ``ValueError`` for keys starting with ``_``
    (reserved: use ``checkpoint=`` / ``done=``) and for lines longer than the engine accepts.
    """
    _auto_limit()
    if values is not None and not isinstance(values, Mapping):
        raise TypeError(f"report() takes a dict of metrics and/or keywords, got {type(values).__name__}")
    data = dict(values or {})
    for key in metrics:
        if key in data:
            raise TypeError(f"report(): {key!r} given both in the dict and as a keyword")
    data.update(metrics)
    for key in data:
        if isinstance(key, str) and key.startswith("_"):
            raise ValueError(f"report(): keys starting with '_' are reserved, got {key!r}")
    payload = _jsonable(data)
    if checkpoint is not None:
        path = os.path.abspath(os.fspath(checkpoint))
        if not os.path.exists(path):
            raise FileNotFoundError(f"report(): checkpoint {path!r} does not exist; write it before reporting")
        # Resolved: a name saved again (checkpoint_dir) then still names what was reported. From now on the
        # checkpoint is the engine's, which deletes it once it is no longer among those it keeps.
        path = os.path.realpath(path)
        _checkpoint.reported.add(path)
        payload["_checkpoint"] = path
    if done:
        payload["_done"] = True
    line = json.dumps(payload, allow_nan=False, separators=(",", ":")) + "\n"
    encoded = line.encode("utf-8")
    if len(encoded) > MAX_LINE_BYTES:
        raise ValueError(f"report(): the line is {len(encoded)} bytes, the engine accepts at most {MAX_LINE_BYTES}")

    fd_text = os.environ.get("TUNELAB_REPORT_FD")
    with _lock:
        if not fd_text:
            sys.stdout.write("TUNELAB REPORT " + line)
            sys.stdout.flush()
            return
        fd = int(fd_text)
        view = memoryview(encoded)
        while view:  # a pipe may accept a long line in pieces
            view = view[os.write(fd, view):]
