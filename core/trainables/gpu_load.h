#pragma once
// The `gpu_load` built-in trainable: holds a GPU at a requested utilisation and memory for a while, for load
// tests of GPU sharing (docs/gpu.md).
//
// Config keys (all optional):
//   utilization (0.5)   share of each 100 ms the device is kept busy, 0..1
//   memory_gb (1)       device memory allocated and written at the start, held to the end
//   seconds (10)        how long to run
//   interval_s (1)      seconds between reports
// Reports {"elapsed_s", "utilization_target", "memory_gb", "on_gpu": 1|0, "training_iteration"}. Without a
// usable CUDA device (no CUDA path in the build, no GPU, fake GPUs) it only sleeps and reports on_gpu 0.
// Exit codes: 0 done, 1 a CUDA failure, 2 an invalid configuration.
namespace tunelab::trainables {

int run_gpu_load();

}  // namespace tunelab::trainables
