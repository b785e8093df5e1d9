"""Checkpoints: each one written to a new hidden directory in the trial directory, then published under its name.

A checkpoint named ``name`` is reached at ``trial_dir() / name``: a symbolic link to the newest version, a hidden
directory ``.name.XXXX`` next to it. Saving writes a new version and swaps the link in one rename, so at every
instant one complete checkpoint can be recovered (atomic with respect to process crashes, not power loss: no fsync).

A version that was reported (``report(checkpoint=...)``, which sends the version's own path) is never deleted here:
once reported, a checkpoint belongs to the engine, which keeps the newest few and deletes the rest (docs/protocol.md).
A version this process saved and never reported is deleted when the next one replaces it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from ._env import trial_dir

# Versions this process saved, and the resolved paths it reported (report() adds to it).
_saved: set = set()
reported: set = set()

_STATE_JSON = "state.json"


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _old(final: Path) -> Path:
    return final.with_name(f".{final.name}.old")


def _recover(final: Path) -> None:
    """Finish a replacement interrupted by a crash (the layout before versions): bring back ``.name.old`` if
    ``name`` is missing, else drop it."""
    old = _old(final)
    if not (old.exists() or old.is_symlink()):
        return
    if final.exists():
        _remove(old)
    else:
        os.rename(old, final)


def checkpoint_path(name: str = "checkpoint") -> Path:
    """Where ``checkpoint_dir(name)`` puts a finished checkpoint: ``trial_dir() / name`` (absolute)."""
    if not name or name.startswith(".") or "/" in name or os.sep in name:
        raise ValueError(f"checkpoint name must be a plain file name not starting with '.', got {name!r}")
    return trial_dir().absolute() / name


@contextlib.contextmanager
def checkpoint_dir(name: str = "checkpoint") -> Iterator[Path]:
    """Yield an empty temporary directory inside the trial directory; write the checkpoint's files into it.

    When the ``with`` block finishes without an exception, ``checkpoint_path(name)`` names it (a link swapped in one
    rename); the previous version is deleted unless it was reported. When it raises, the temporary directory is
    deleted and the previous checkpoint is left untouched. Report the result with
    ``report(..., checkpoint=checkpoint_path(name))`` (``save_checkpoint`` returns that path for you).
    """
    final = checkpoint_path(name)
    final.parent.mkdir(parents=True, exist_ok=True)
    _recover(final)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=final.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        _saved.discard(str(tmp))
        raise
    previous = Path(os.path.realpath(final)) if final.is_symlink() else None
    if final.exists() and not final.is_symlink():
        # A checkpoint saved as a plain directory: kept under a version name (it may have been reported).
        os.rename(final, tempfile.mkdtemp(prefix=f".{name}.", dir=final.parent))  # replaces the empty directory
    link = final.with_name(f".{name}.link-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    os.symlink(tmp.name, link)
    os.replace(link, final)
    _saved.add(str(tmp))
    if previous is not None and str(previous) in _saved and str(previous) not in reported:
        _saved.discard(str(previous))
        shutil.rmtree(previous, ignore_errors=True)


def save_checkpoint(write: Callable[[Path], Any], name: str = "checkpoint") -> Path:
    """Call ``write(directory)`` inside ``checkpoint_dir(name)``; return the finished checkpoint's absolute path.

    Example: ``path = save_checkpoint(lambda d: torch.save(state, d / "model.pt"))``, then
    ``report(loss=loss, checkpoint=path)``.
    """
    with checkpoint_dir(name) as directory:
        write(directory)
    return checkpoint_path(name)


def save_json_checkpoint(data: Any, name: str = "checkpoint") -> Path:
    """Save ``data`` (JSON-serialisable) as ``state.json`` in checkpoint ``name``; return the checkpoint's path."""

    def write(directory: Path) -> None:
        (directory / _STATE_JSON).write_text(json.dumps(data), encoding="utf-8")

    return save_checkpoint(write, name)


def restore_path() -> Optional[Path]:
    """The checkpoint this trial should continue from (``TUNELAB_RESTORE_PATH``), or ``None`` for a fresh start.

    Load from it before saving a new checkpoint under the same name: saving replaces it.
    """
    value = os.environ.get("TUNELAB_RESTORE_PATH")
    if not value:
        return None
    path = Path(value)
    _recover(path)
    return path


def restore_iteration() -> int:
    """The ``training_iteration`` of the report that carried the restore checkpoint; 0 for a fresh start."""
    value = os.environ.get("TUNELAB_RESTORE_ITERATION")
    return int(value) if value and os.environ.get("TUNELAB_RESTORE_PATH") else 0


def load_json_checkpoint(path: Optional[os.PathLike] = None) -> Any:
    """Load what ``save_json_checkpoint`` wrote, from ``path`` or else ``restore_path()``.

    Returns ``None`` when there is nothing to restore (no path given and no ``TUNELAB_RESTORE_PATH``).
    """
    directory = Path(path) if path is not None else restore_path()
    if directory is None:
        return None
    return json.loads((directory / _STATE_JSON).read_text(encoding="utf-8"))
