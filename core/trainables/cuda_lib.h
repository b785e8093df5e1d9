#pragma once
// Loads libtunelab_cuda.so (cuda/cuda_api.h) at run time. Searched, in order: $TUNELAB_CUDA_LIB, beside the
// running binary, in ../lib and ../lib/tunelab from it, then the dynamic loader's path.
#include <string>

#include "core/trainables/cuda/cuda_api.h"

namespace tunelab::trainables {

struct CudaLib {
  tl_cuda_device_count_fn device_count;
  tl_cuda_device_name_fn device_name;
  tl_mlp_cuda_create_fn mlp_create;
  tl_mlp_cuda_destroy_fn mlp_destroy;
  tl_mlp_cuda_train_epoch_fn mlp_train_epoch;
  tl_gpu_load_begin_fn load_begin;
  tl_gpu_load_run_fn load_run;
  tl_gpu_load_end_fn load_end;
};

// The library with at least one CUDA device, loaded once; nullptr with the reason in `why` otherwise
// (not built with CUDA, no driver, no device).
const CudaLib* cuda_lib(std::string* why);

}  // namespace tunelab::trainables
