#pragma once
// digits_mlp: the built-in trainable. A one-hidden-layer perceptron (ReLU, inverted dropout, softmax,
// cross-entropy) trained with minibatch SGD + momentum + L2 weight decay on the embedded UCI digits data set.
// It is small enough to run hundreds of trials on a laptop CPU and real enough that hyperparameters matter.
//
// As a process (`tunelab trial digits_mlp`) it follows docs/protocol.md: each epoch it writes checkpoint.bin in
// the trial directory, then reports
//   {"epoch": e, "train_loss": .., "val_loss": .., "val_accuracy": .., "training_iteration": e,
//    "_checkpoint": "checkpoint.bin"}
// and it continues from TUNELAB_RESTORE_PATH when set, reporting exactly what an uninterrupted run would.
// Everything is deterministic given the seed (same build, same machine).
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "core/util/json.h"
#include "core/util/result.h"

namespace tunelab::trainables {

// Hyperparameters. Each field's comment gives its JSON key's meaning and valid range; the initialiser is the
// default used when the key is missing.
struct DigitsMlpParams {
  double lr = 0.05;            // "lr": SGD step size; > 0
  int batch_size = 32;         // "batch_size": samples per step; >= 1 (beyond the training set = full batch)
  int hidden = 64;             // "hidden": hidden units, 1..4096; fixes tensor shapes (checkpoints must match)
  double dropout = 0.0;        // "dropout": probability of zeroing a hidden unit in training; [0, 1)
  double momentum = 0.9;       // "momentum": heavy-ball coefficient, v = momentum * v + grad; [0, 1)
  double weight_decay = 1e-4;  // "weight_decay": L2 coefficient on weights (not biases); >= 0
  int epochs = 20;             // "epochs": passes over the training set; >= 1
  std::uint64_t seed = 1000;   // "seed": initialisation, shuffling and dropout; integer >= 0

  // Reads the keys above from a JSON object; a missing key keeps its default, except "seed", which defaults to
  // default_seed (run_digits_mlp passes 1000 + the trial id). Integer keys accept integral floats (64.0).
  // Unknown keys are ignored. On failure returns one Error per bad key, with the key in Error::where.
  static Result<DigitsMlpParams> from_json(const Json& config, std::uint64_t default_seed = 1000);
};

// A labelled set of 8x8 digit images.
struct DigitsData {
  Eigen::MatrixXf features;  // 64 x size(): one column per sample, pixel values / 16, in [0, 1]
  std::vector<int> labels;   // size() labels, each 0..9

  int size() const { return static_cast<int>(labels.size()); }
};

// The fixed train/validation split, the same for every trial whatever its seed.
struct DigitsSplit {
  DigitsData train;       // the first 80% (rounded down) of the indices shuffled with seed 0: 1,437 samples
  DigitsData validation;  // the rest: 360 samples
};

// Parses digits CSV text: one sample per line, 64 integers 0..16 then the label 0..9, comma-separated.
// Empty lines are skipped and "\r\n" is accepted. Fails on the first malformed line, with Error::where set to
// "digits.csv:LINE".
Result<DigitsData> parse_digits_csv(std::string_view text);

// The data set embedded in the binary (tunelab::embedded::digits_csv()), parsed.
Result<DigitsData> load_digits();

// Splits data as DigitsSplit describes.
DigitsSplit split_digits(const DigitsData& data);

// Loss and accuracy over a data set. loss is the mean cross-entropy; NaN or infinite once training diverged.
struct Evaluation {
  double loss = 0;
  double accuracy = 0;  // fraction of samples whose most probable class is the label
};

// The model and its optimiser state. Not thread-safe; copyable (a copy is an independent model).
class DigitsMlp {
 public:
  // A freshly initialised model (He initialisation from params.seed, zero biases and momentum).
  // data is not copied: it must outlive the model.
  DigitsMlp(const DigitsMlpParams& params, const DigitsSplit& data);

  // One pass over the training set in freshly shuffled minibatches. Returns the mean training cross-entropy of
  // the pass (measured with dropout, before each step, without the L2 term); NaN once training has diverged.
  double train_epoch();

  // Loss and accuracy on the validation set (no dropout). Does not change the model.
  Evaluation evaluate() const;

  // From now on train_epoch() runs on CUDA device 0 (cuBLAS GEMMs and small kernels in libtunelab_cuda.so),
  // drawing the same random numbers as the CPU path; results match it within float rounding (docs/gpu.md).
  // Fails, leaving the CPU path, when the build has no CUDA path or no device is visible.
  Status use_cuda();
  bool on_cuda() const { return cuda_ != nullptr; }

  // Epochs completed, counting those before a loaded checkpoint.
  int epoch() const { return epoch_; }
  const DigitsMlpParams& params() const { return params_; }

  // Writes the complete training state (epoch, hidden, weights, biases, momentum buffers, RNG state) to path,
  // atomically (path.tmp, fsync, rename). The format is binary, native little-endian, with a magic, a version
  // and a checksum.
  Status save_checkpoint(const std::string& path) const;

  // Replaces the training state with the one saved at path, so that training continues exactly as the saved
  // model would have. Learning-rate-like params (lr, momentum, weight_decay, dropout, batch_size, epochs) stay
  // this model's own, so a checkpoint can continue under a mutated config; "hidden" must match. On failure
  // (unreadable, corrupt, another format, other hidden) the model is left unchanged.
  Status load_checkpoint(const std::string& path);

 private:
  // One SGD step on the samples x (64 x n) with the given n labels; returns the summed cross-entropy.
  double step(const Eigen::MatrixXf& x, const int* labels);
  double train_epoch_cuda(const std::vector<int>& order, int batch);  // digits_mlp_cuda.cpp

  DigitsMlpParams params_;
  const DigitsSplit* data_;
  Eigen::MatrixXf w1_;  // hidden x 64
  Eigen::VectorXf b1_;  // hidden
  Eigen::MatrixXf w2_;  // 10 x hidden
  Eigen::VectorXf b2_;  // 10
  Eigen::MatrixXf v_w1_, v_w2_;  // momentum buffers, shaped as the weights
  Eigen::VectorXf v_b1_, v_b2_;
  std::mt19937_64 rng_;
  int epoch_ = 0;
  std::shared_ptr<struct MlpCudaContext> cuda_;  // set by use_cuda(); shared by copies
};

// Picks the device for a trial process: CUDA when a GPU is assigned (TUNELAB_GPU_FRACTION set) or
// TUNELAB_DIGITS_DEVICE=cuda, the CPU when TUNELAB_DIGITS_DEVICE=cpu or CUDA is unusable. Says which on stderr.
void choose_device(DigitsMlp& model);

// The random draws of the CPU path, shared with the CUDA path (digits_mlp.cpp).
double digits_uniform01(std::mt19937_64& rng);
void digits_shuffle(std::vector<int>& v, std::mt19937_64& rng);

// The process entry of `tunelab trial digits_mlp`: reads the environment (docs/protocol.md), trains, reports.
// Returns the exit code: 0 done (also when training diverged: the reports show it), 1 an I/O or internal
// failure, 2 an invalid configuration, 3 an unusable TUNELAB_RESTORE_PATH. Messages go to stderr.
int run_digits_mlp();

}  // namespace tunelab::trainables
