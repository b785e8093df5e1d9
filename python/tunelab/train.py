"""``from tunelab import train`` in place of ``from ray import train``: report, get_checkpoint, Checkpoint, the
run configuration classes and get_context, as in Ray 2.x scripts that use both ``ray.train`` and ``ray.tune``."""

from .tune import (Checkpoint, CheckpointConfig, FailureConfig, Result, RunConfig, get_checkpoint, get_context,
                   report)

__all__ = ["Checkpoint", "CheckpointConfig", "FailureConfig", "Result", "RunConfig", "get_checkpoint",
           "get_context", "report"]
