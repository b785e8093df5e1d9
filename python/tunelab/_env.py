"""What the engine hands a trial through its environment (see docs/protocol.md).

Every function here also works when the script is run by hand, outside TuneLab: the configuration is then empty,
the trial directory is the current directory, and the identifiers are ``None`` / ``0``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, Optional

from ._gpu import _auto_limit


def in_trial() -> bool:
    """True when the process was started by TuneLab (``TUNELAB_REPORT_FD`` is set)."""
    return bool(os.environ.get("TUNELAB_REPORT_FD"))


def get_config() -> Dict[str, Any]:
    """The trial's configuration: a new dict on every call.

    Read from ``TUNELAB_CONFIG`` (compact JSON), else from the file named by ``TUNELAB_CONFIG_FILE``, else ``{}``
    (run by hand). Raises ``ValueError`` when the JSON is not an object.
    """
    _auto_limit()
    text = os.environ.get("TUNELAB_CONFIG")
    if not text:
        path = os.environ.get("TUNELAB_CONFIG_FILE")
        if not path:
            return {}
        text = Path(path).read_text(encoding="utf-8")
    config = json.loads(text)
    if not isinstance(config, dict):
        raise ValueError(f"the trial configuration must be a JSON object, got {type(config).__name__}")
    return config


def trial_dir() -> Path:
    """The trial's own directory (``TUNELAB_TRIAL_DIR``), or the current directory when run by hand."""
    path = os.environ.get("TUNELAB_TRIAL_DIR")
    return Path(path) if path else Path.cwd()


def trial_id() -> Optional[int]:
    """The trial number within the study (0, 1, 2, ...), or ``None`` when run by hand."""
    value = os.environ.get("TUNELAB_TRIAL_ID")
    return int(value) if value else None


def study() -> Optional[str]:
    """The study name, or ``None`` when run by hand."""
    return os.environ.get("TUNELAB_STUDY") or None


def attempt() -> int:
    """0 for a trial's first start, 1, 2, ... for each restart; 0 when run by hand."""
    value = os.environ.get("TUNELAB_ATTEMPT")
    return int(value) if value else 0
