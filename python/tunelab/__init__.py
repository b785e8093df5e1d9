"""TuneLab trial client: read the configuration, report results, save and restore checkpoints.

The client implements the trial side of docs/protocol.md with the standard library only. A script using it also
runs by hand: the configuration is then ``{}``, reports are printed to stdout as ``TUNELAB REPORT {json}``, and
checkpoints go to the current directory.

    import tunelab
    config = tunelab.get_config()
    for epoch in range(1, 11):
        loss = train_one_epoch(config)
        path = tunelab.save_json_checkpoint({"epoch": epoch})
        tunelab.report(loss=loss, checkpoint=path)

GPU memory: a trial sharing a GPU gets ``TUNELAB_GPU_FRACTION`` and ``TUNELAB_GPU_MEMORY_GB``. When the script has
imported torch, its CUDA memory is capped to that share on the first ``get_config()`` or ``report()`` (see
``limit_gpu_memory``). The client never imports torch (or numpy) itself.
"""

from ._checkpoint import (
    checkpoint_dir,
    checkpoint_path,
    load_json_checkpoint,
    restore_iteration,
    restore_path,
    save_checkpoint,
    save_json_checkpoint,
)
from ._env import attempt, get_config, in_trial, study, trial_dir, trial_id
from ._gpu import gpu_fraction, gpu_memory_gb, limit_gpu_memory
from ._report import report

__version__ = "0.1.0"

__all__ = [
    "attempt",
    "checkpoint_dir",
    "checkpoint_path",
    "get_config",
    "gpu_fraction",
    "gpu_memory_gb",
    "in_trial",
    "limit_gpu_memory",
    "load_json_checkpoint",
    "report",
    "restore_iteration",
    "restore_path",
    "save_checkpoint",
    "save_json_checkpoint",
    "study",
    "trial_dir",
    "trial_id",
]
