"""Tests for the client's GPU share: reading it, and capping torch's memory with a stand-in torch module."""

from __future__ import annotations

import os
import sys
import types
import unittest
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tunelab  # noqa: E402
from tunelab import _gpu  # noqa: E402


def fake_torch(devices=1, total_gib=80, available=True):
    """A module with the few torch.cuda functions the client calls; records the caps set."""
    calls = []
    cuda = types.SimpleNamespace(
        is_available=lambda: available,
        device_count=lambda: devices,
        get_device_properties=lambda d: types.SimpleNamespace(total_memory=total_gib * (1 << 30)),
        set_per_process_memory_fraction=lambda fraction, device: calls.append((fraction, device)),
    )
    return types.SimpleNamespace(cuda=cuda), calls


class GpuShareTest(unittest.TestCase):
    def test_reads_the_share(self):
        with mock.patch.dict(os.environ, {"TUNELAB_GPU_FRACTION": "0.25", "TUNELAB_GPU_MEMORY_GB": "12.5"}):
            self.assertEqual(tunelab.gpu_fraction(), 0.25)
            self.assertEqual(tunelab.gpu_memory_gb(), 12.5)
        with mock.patch.dict(os.environ, {"TUNELAB_GPU_FRACTION": "lots"}, clear=True):
            self.assertIsNone(tunelab.gpu_fraction())
            self.assertIsNone(tunelab.gpu_memory_gb())

    def test_caps_torch_to_the_memory_share(self):
        torch, calls = fake_torch(total_gib=80)
        with mock.patch.dict(os.environ, {"TUNELAB_GPU_FRACTION": "0.25", "TUNELAB_GPU_MEMORY_GB": "20"}):
            self.assertEqual(tunelab.limit_gpu_memory(torch), 0.25)
        self.assertEqual(calls, [(0.25, 0)])

    def test_fraction_without_memory(self):
        torch, calls = fake_torch(devices=2)
        with mock.patch.dict(os.environ, {"TUNELAB_GPU_FRACTION": "0.5"}, clear=True):
            self.assertEqual(tunelab.limit_gpu_memory(torch), 0.5)
        self.assertEqual(calls, [(0.5, 0), (0.5, 1)])

    def test_no_cap(self):
        for env, kwargs in (({}, {}), ({"TUNELAB_GPU_FRACTION": "1"}, {}), ({"TUNELAB_GPU_FRACTION": "0.5"}, {"available": False})):
            torch, calls = fake_torch(**kwargs)
            with mock.patch.dict(os.environ, env, clear=True):
                self.assertIsNone(tunelab.limit_gpu_memory(torch))
            self.assertEqual(calls, [])

    def test_applied_once_when_torch_is_imported(self):
        torch, calls = fake_torch(total_gib=40)
        env = {"TUNELAB_GPU_FRACTION": "0.5", "TUNELAB_GPU_MEMORY_GB": "10", "TUNELAB_CONFIG": "{}"}
        with mock.patch.dict(os.environ, env, clear=True), mock.patch.dict(sys.modules, {"torch": torch}), \
                mock.patch.object(_gpu, "_applied", False):
            tunelab.get_config()
            tunelab.get_config()
        self.assertEqual(calls, [(0.25, 0)])

    def test_not_applied_without_torch(self):
        with mock.patch.dict(os.environ, {"TUNELAB_GPU_FRACTION": "0.5", "TUNELAB_CONFIG": "{}"}, clear=True), \
                mock.patch.object(_gpu, "_applied", False):
            saved = sys.modules.pop("torch", None)
            try:
                tunelab.get_config()
                self.assertFalse(_gpu._applied)
            finally:
                if saved is not None:
                    sys.modules["torch"] = saved


if __name__ == "__main__":
    unittest.main()
