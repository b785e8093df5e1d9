#include "core/trainables/cuda_lib.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

namespace tunelab::trainables {
namespace fs = std::filesystem;

namespace {

template <typename F>
bool resolve(void* lib, const char* name, F* out) {
  *out = reinterpret_cast<F>(dlsym(lib, name));
  return *out != nullptr;
}

}  // namespace

const CudaLib* cuda_lib(std::string* why) {
  static std::once_flag once;
  static CudaLib lib{};
  static const CudaLib* loaded = nullptr;
  static std::string reason;
  std::call_once(once, [] {
    std::vector<std::string> candidates;
    if (const char* p = std::getenv("TUNELAB_CUDA_LIB"); p && *p) candidates.emplace_back(p);
    std::error_code ec;
    const fs::path exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
    if (!ec) {
      for (const char* rel : {".", "../lib", "../lib/tunelab"}) candidates.push_back((exe_dir / rel / "libtunelab_cuda.so").string());
    }
    candidates.emplace_back("libtunelab_cuda.so");
    void* h = nullptr;
    std::string last_error;
    for (const auto& c : candidates) {
      if (c.find('/') != std::string::npos && !fs::exists(c, ec)) continue;
      h = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (h) break;
      if (const char* e = dlerror()) last_error = e;
    }
    if (!h) {
      reason = "this build has no CUDA path (libtunelab_cuda.so not found" + (last_error.empty() ? "" : ": " + last_error) + ")";
      return;
    }
    const bool ok = resolve(h, "tl_cuda_device_count", &lib.device_count) &&
                    resolve(h, "tl_cuda_device_name", &lib.device_name) &&
                    resolve(h, "tl_mlp_cuda_create", &lib.mlp_create) &&
                    resolve(h, "tl_mlp_cuda_destroy", &lib.mlp_destroy) &&
                    resolve(h, "tl_mlp_cuda_train_epoch", &lib.mlp_train_epoch) &&
                    resolve(h, "tl_gpu_load_begin", &lib.load_begin) && resolve(h, "tl_gpu_load_run", &lib.load_run) &&
                    resolve(h, "tl_gpu_load_end", &lib.load_end);
    if (!ok) {
      reason = "libtunelab_cuda.so lacks a function (a mismatched build)";
      return;
    }
    if (lib.device_count() < 1) {
      reason = "no CUDA device is visible (CUDA_VISIBLE_DEVICES, driver)";
      return;
    }
    loaded = &lib;
  });
  if (!loaded && why) *why = reason;
  return loaded;
}

}  // namespace tunelab::trainables
