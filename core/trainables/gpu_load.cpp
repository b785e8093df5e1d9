#include "core/trainables/gpu_load.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>

#include "core/trainables/cuda_lib.h"
#include "core/util/json.h"
#include "tunelab/client.hpp"

namespace tunelab::trainables {
namespace {

bool read(const Json& config, const char* key, double low, double high, double* out) {
  if (!config.contains(key)) return true;
  const Json& v = config[key];
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < low || v.get<double>() > high) {
    std::fprintf(stderr, "gpu_load: invalid config: %s: must be a number in [%g, %g], got %s\n", key, low, high,
                 dump_compact(v).c_str());
    return false;
  }
  *out = v.get<double>();
  return true;
}

}  // namespace

int run_gpu_load() {
  const Json config = Json::parse(client::config_json(), nullptr, false);
  if (!config.is_object()) {
    std::fprintf(stderr, "gpu_load: TUNELAB_CONFIG is not a JSON object\n");
    return 2;
  }
  double utilization = 0.5, memory_gb = 1, seconds = 10, interval = 1;
  if (!read(config, "utilization", 0, 1, &utilization) || !read(config, "memory_gb", 0, 1e4, &memory_gb) ||
      !read(config, "seconds", 0, 1e7, &seconds) || !read(config, "interval_s", 0.01, 1e6, &interval)) {
    return 2;
  }
  std::string why;
  const CudaLib* lib = cuda_lib(&why);
  tl_gpu_load* load = nullptr;
  char err[512] = {};
  if (lib && lib->load_begin(memory_gb * 1024.0, &load, err, sizeof err) != 0) {
    std::fprintf(stderr, "gpu_load: %s\n", err);
    return 1;
  }
  if (!lib) std::fprintf(stderr, "gpu_load: note: no load on a GPU: %s\n", why.c_str());
  const auto start = std::chrono::steady_clock::now();
  int exit_code = 0;
  for (int i = 1;; ++i) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double step = std::min(interval, seconds - elapsed);
    if (step <= 1e-9) break;
    if (load) {
      if (lib->load_run(load, utilization, step, err, sizeof err) != 0) {
        std::fprintf(stderr, "gpu_load: %s\n", err);
        exit_code = 1;
        break;
      }
    } else {
      std::this_thread::sleep_for(std::chrono::duration<double>(step));
    }
    client::Line line;
    line.number("elapsed_s", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    line.number("utilization_target", utilization).number("memory_gb", memory_gb).number("on_gpu", load ? 1 : 0);
    line.number("training_iteration", i);
    if (!client::report(line)) {
      exit_code = 1;
      break;
    }
  }
  if (load) lib->load_end(load);
  return exit_code;
}

}  // namespace tunelab::trainables
