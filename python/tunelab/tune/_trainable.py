"""The class API: ``tune.Trainable`` with setup / step / save_checkpoint / load_checkpoint, as in Ray Tune."""

from __future__ import annotations

import os
from typing import Any, Dict, Optional, Union

from .. import _env


class Trainable:
    """Subclass it and override ``setup(config)``, ``step()`` (returns a dict of metrics), and, to checkpoint,
    ``save_checkpoint(checkpoint_dir)`` / ``load_checkpoint(checkpoint)``. The trial calls ``step`` until a stop
    criterion, the scheduler, or a result with ``done: True`` ends it. ``checkpoint_frequency`` and
    ``checkpoint_at_end`` (CheckpointConfig, or tune.run's arguments) say when ``save_checkpoint`` is called.
    """

    def __init__(self, config: Optional[Dict[str, Any]] = None, logger_creator: Any = None,
                 storage: Any = None):
        self.config = dict(config or {})
        self._iteration = 0
        self._time_total = 0.0
        self.setup(dict(self.config))

    # -- to override -------------------------------------------------------------------------------------------
    def setup(self, config: Dict[str, Any]) -> None:
        pass

    def step(self) -> Dict[str, Any]:
        raise NotImplementedError("a tune.Trainable subclass must define step()")

    def save_checkpoint(self, checkpoint_dir: str) -> Optional[Dict[str, Any]]:
        return None

    def load_checkpoint(self, checkpoint: Union[Dict[str, Any], str]) -> None:
        pass

    def cleanup(self) -> None:
        pass

    def reset_config(self, new_config: Dict[str, Any]) -> bool:
        return False

    # -- read-only state ---------------------------------------------------------------------------------------
    @property
    def iteration(self) -> int:
        return self._iteration

    @property
    def training_iteration(self) -> int:
        return self._iteration

    @property
    def trial_id(self) -> str:
        tid = _env.trial_id()
        return f"{tid:05d}" if tid is not None else "default"

    @property
    def trial_name(self) -> str:
        return f"{_env.study() or 'trial'}_{self.trial_id}"

    @property
    def logdir(self) -> str:
        return str(_env.trial_dir().absolute())

    @property
    def trial_resources(self) -> Dict[str, float]:
        import json
        return json.loads(os.environ.get("TUNELAB_TUNE_RESOURCES", "{}") or "{}")
