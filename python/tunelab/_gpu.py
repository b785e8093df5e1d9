"""The trial's GPU share (docs/gpu.md): what the engine allotted, and capping PyTorch's memory to it.

A trial given part of a GPU gets ``CUDA_VISIBLE_DEVICES`` (its card), ``TUNELAB_GPU_FRACTION`` (its share of the
card's compute) and ``TUNELAB_GPU_MEMORY_GB`` (its memory on the card). When the trial's script has imported
torch, the client caps torch's CUDA allocator to that memory the first time the script calls ``get_config()`` or
``report()`` (``torch.cuda.set_per_process_memory_fraction``), so a trial that grows past its share fails with
torch's out-of-memory error instead of starving the trials it shares the card with. The client never imports
torch itself. Call ``limit_gpu_memory()`` to apply the cap explicitly (e.g. when torch is imported later).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Optional

_applied = False


def _number(name: str) -> Optional[float]:
    value = os.environ.get(name)
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number > 0 else None


def gpu_fraction() -> Optional[float]:
    """The share of one GPU's compute given to this trial (``TUNELAB_GPU_FRACTION``), or ``None``."""
    return _number("TUNELAB_GPU_FRACTION")


def gpu_memory_gb() -> Optional[float]:
    """The GPU memory, in GB (GiB), given to this trial on each of its GPUs (``TUNELAB_GPU_MEMORY_GB``), or ``None``."""
    return _number("TUNELAB_GPU_MEMORY_GB")


def limit_gpu_memory(torch_module: Any = None) -> Optional[float]:
    """Cap torch's CUDA memory on each visible device to this trial's share; return the fraction set, or ``None``.

    Nothing is done (``None``) when the trial has no GPU share or a whole card, when torch is not imported (or not
    given), or when CUDA is not available to torch. The fraction is ``TUNELAB_GPU_MEMORY_GB`` over the card's total
    memory when known, else ``TUNELAB_GPU_FRACTION``.
    """
    torch = torch_module if torch_module is not None else sys.modules.get("torch")
    share = gpu_fraction()
    if torch is None or share is None or share >= 1:
        return None
    cuda = getattr(torch, "cuda", None)
    if cuda is None or not cuda.is_available():
        return None
    memory = gpu_memory_gb()
    applied = None
    for device in range(cuda.device_count()):
        fraction = share
        if memory is not None:
            total = cuda.get_device_properties(device).total_memory
            fraction = min(1.0, memory * (1 << 30) / total) if total else share
        cuda.set_per_process_memory_fraction(fraction, device)
        applied = fraction
    return applied


def _auto_limit() -> None:
    """Applies the cap once, when torch has been imported by the trial's script."""
    global _applied
    if _applied or "torch" not in sys.modules:
        return
    _applied = True
    try:
        limit_gpu_memory()
    except Exception as error:  # never break a trial over the cap
        print(f"tunelab: note: could not cap torch's GPU memory: {error}", file=sys.stderr)
