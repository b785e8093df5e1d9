// The CUDA path of digits_mlp: the host side. The random draws (shuffle, dropout masks) stay on the host and
// follow the CPU path's order exactly; the arithmetic runs in libtunelab_cuda.so.
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "core/trainables/cuda_lib.h"
#include "core/trainables/digits_mlp.h"

namespace tunelab::trainables {

struct MlpCudaContext {
  const CudaLib* lib = nullptr;
  tl_mlp_cuda* handle = nullptr;
  MlpCudaContext(const CudaLib* l, tl_mlp_cuda* h) : lib(l), handle(h) {}
  MlpCudaContext(const MlpCudaContext&) = delete;
  MlpCudaContext& operator=(const MlpCudaContext&) = delete;
  ~MlpCudaContext() { lib->mlp_destroy(handle); }
};

Status DigitsMlp::use_cuda() {
  std::string why;
  const CudaLib* lib = cuda_lib(&why);
  if (!lib) return Error{"cuda", why};
  const DigitsData& train = data_->train;
  tl_mlp_cuda* handle = nullptr;
  char err[512] = {};
  if (lib->mlp_create(static_cast<int>(w1_.cols()), params_.hidden, static_cast<int>(w2_.rows()), train.features.data(),
                      train.labels.data(), train.size(), &handle, err, sizeof err) != 0) {
    return Error{"cuda", err};
  }
  cuda_ = std::make_shared<MlpCudaContext>(lib, handle);
  return Status::Ok();
}

double DigitsMlp::train_epoch_cuda(const std::vector<int>& order, int batch) {
  const int n = data_->train.size();
  std::vector<float> masks;
  if (params_.dropout > 0) {
    // The same draws, in the same order, as step() makes batch by batch: column by column, unit by unit.
    const double keep = 1.0 - params_.dropout;
    const auto hidden = static_cast<size_t>(params_.hidden);
    masks.resize(hidden * static_cast<size_t>(n));
    for (size_t k = 0; k < static_cast<size_t>(n); ++k)
      for (size_t i = 0; i < hidden; ++i)
        masks[k * hidden + i] = digits_uniform01(rng_) < keep ? static_cast<float>(1.0 / keep) : 0.0f;
  }
  float* const params[8] = {w1_.data(), b1_.data(), w2_.data(), b2_.data(),
                            v_w1_.data(), v_b1_.data(), v_w2_.data(), v_b2_.data()};
  double loss = 0;
  char err[512] = {};
  if (cuda_->lib->mlp_train_epoch(cuda_->handle, params, order.data(), batch, masks.empty() ? nullptr : masks.data(),
                                  static_cast<float>(params_.lr), static_cast<float>(params_.momentum),
                                  static_cast<float>(params_.weight_decay), &loss, err, sizeof err) != 0) {
    throw std::runtime_error(std::string("CUDA training failed: ") + err);
  }
  ++epoch_;
  return loss / n;
}

void choose_device(DigitsMlp& model) {
  const char* device = std::getenv("TUNELAB_DIGITS_DEVICE");
  const std::string want = device ? device : "auto";
  const char* fraction = std::getenv("TUNELAB_GPU_FRACTION");
  if (want == "cpu" || (want != "cuda" && !(fraction && *fraction))) return;
  if (Status s = model.use_cuda(); !s) {
    std::fprintf(stderr, "digits_mlp: note: training on the CPU: %s\n", s.error_text().c_str());
    return;
  }
  std::string why;
  char name[256] = "?";
  if (const CudaLib* lib = cuda_lib(&why)) lib->device_name(name, sizeof name);
  std::fprintf(stderr, "digits_mlp: training on CUDA device %s\n", name);
}

}  // namespace tunelab::trainables
