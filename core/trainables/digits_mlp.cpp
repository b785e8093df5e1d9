#include "core/trainables/digits_mlp.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <limits>
#include <locale>
#include <sstream>

#include "core/trainables/digits_data.h"
#include "tunelab/client.hpp"

namespace tunelab::trainables {
namespace {

constexpr int kInputs = 64;
constexpr int kClasses = 10;
// One file per epoch: the engine keeps (hard-links) each checkpoint when it reads the report, which may
// be after the next epoch ended, so a reported file must never be overwritten. Nor is it deleted: once
// reported, it is the engine's, which deletes those beyond the study's "checkpoint": {"keep": K}.
std::string checkpoint_name(int epoch) { return "checkpoint-" + std::to_string(epoch) + ".bin"; }
constexpr char kMagic[8] = {'T', 'L', 'D', 'I', 'G', 'M', 'L', 'P'};
constexpr std::uint32_t kCheckpointVersion = 1;
static_assert(std::endian::native == std::endian::little, "checkpoints are written in little-endian order");

// Random numbers drawn straight from the engine's output, whose sequence the standard fixes; the standard
// distributions are implementation-defined, which would make results differ between standard libraries.
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

double standard_normal(std::mt19937_64& rng) {  // Box-Muller, one value per call (no hidden state)
  const double u1 = 1.0 - uniform01(rng);      // in (0, 1]
  const double u2 = uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
}

void shuffle(std::vector<int>& v, std::mt19937_64& rng) {  // Fisher-Yates with unbiased bounded draws
  for (std::size_t i = v.size(); i > 1; --i) {
    const std::uint64_t bound = i;
    const std::uint64_t threshold = (0 - bound) % bound;
    std::uint64_t r = rng();
    while (r < threshold) r = rng();
    std::swap(v[i - 1], v[r % bound]);
  }
}

Eigen::MatrixXf he_normal(int rows, int cols, std::mt19937_64& rng) {
  const double scale = std::sqrt(2.0 / cols);
  Eigen::MatrixXf m(rows, cols);
  for (Eigen::Index j = 0; j < m.cols(); ++j)
    for (Eigen::Index i = 0; i < m.rows(); ++i) m(i, j) = static_cast<float>(scale * standard_normal(rng));
  return m;
}

// Turns logits into softmax probabilities in place, column by column; returns the summed cross-entropy.
double softmax_cross_entropy(Eigen::MatrixXf& z, const int* labels) {
  double loss = 0;
  for (Eigen::Index i = 0; i < z.cols(); ++i) {
    auto col = z.col(i);
    const float max = col.maxCoeff();
    const float label_logit = col(labels[i]) - max;
    col = (col.array() - max).exp();
    const float sum = col.sum();
    loss += std::log(static_cast<double>(sum)) - label_logit;
    col /= sum;
  }
  return loss;
}

int argmax(const Eigen::MatrixXf& z, Eigen::Index col) {  // the first maximum; 0 when all are NaN
  int best = 0;
  for (int c = 1; c < z.rows(); ++c)
    if (z(c, col) > z(best, col)) best = c;
  return best;
}

const char* const kKeys[] = {"lr", "batch_size", "hidden", "dropout", "momentum", "weight_decay", "epochs", "seed"};

// Reads config[key] into *out when present; adds an error naming the key when it is not a number in range.
void read_real(const Json& config, const char* key, bool (*valid)(double), const char* rule, double* out,
               Errors* errors) {
  const auto it = config.find(key);
  if (it == config.end()) return;
  if (!it->is_number() || !std::isfinite(it->get<double>()) || !valid(it->get<double>())) {
    errors->push_back({key, std::string("must be a number ") + rule + ", got " + dump_compact(*it)});
    return;
  }
  *out = it->get<double>();
}

// As read_real, for an integer in [low, high] (within 2^53, so exact as a double); accepts integral floats (64.0).
template <typename Int>
void read_integer(const Json& config, const char* key, long long low, long long high, Int* out, Errors* errors) {
  const auto it = config.find(key);
  if (it == config.end()) return;
  const double v = it->is_number() ? it->get<double>() : std::nan("");
  if (!(std::floor(v) == v && v >= static_cast<double>(low) && v <= static_cast<double>(high))) {
    errors->push_back({key, "must be an integer in [" + std::to_string(low) + ", " + std::to_string(high) +
                                "], got " + dump_compact(*it)});
    return;
  }
  *out = static_cast<Int>(v);
}

// Binary checkpoint encoding: fixed-width fields in native (little-endian) order.
struct Writer {
  std::string bytes;
  void put(const void* p, std::size_t size) { bytes.append(static_cast<const char*>(p), size); }
  template <typename T>
  void put(T v) { put(&v, sizeof v); }
};

struct Reader {
  std::string_view rest;
  bool ok = true;  // false after any read past the end; later reads then do nothing
  void get(void* p, std::size_t size) {
    ok = ok && rest.size() >= size;
    if (!ok) return;
    std::memcpy(p, rest.data(), size);
    rest.remove_prefix(size);
  }
  template <typename T>
  T get() {
    T v{};
    get(&v, sizeof v);
    return v;
  }
};

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ull;
  for (const char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

}  // namespace

double digits_uniform01(std::mt19937_64& rng) { return uniform01(rng); }
void digits_shuffle(std::vector<int>& v, std::mt19937_64& rng) { shuffle(v, rng); }

Result<DigitsMlpParams> DigitsMlpParams::from_json(const Json& config, std::uint64_t default_seed) {
  if (!config.is_object()) return Error{"", "the configuration must be a JSON object, got " + dump_compact(config)};
  DigitsMlpParams p;
  p.seed = default_seed;
  Errors errors;
  read_real(config, "lr", [](double v) { return v > 0; }, "> 0", &p.lr, &errors);
  read_integer(config, "batch_size", 1, std::numeric_limits<int>::max(), &p.batch_size, &errors);
  read_integer(config, "hidden", 1, 4096, &p.hidden, &errors);
  read_real(config, "dropout", [](double v) { return v >= 0 && v < 1; }, "in [0, 1)", &p.dropout, &errors);
  read_real(config, "momentum", [](double v) { return v >= 0 && v < 1; }, "in [0, 1)", &p.momentum, &errors);
  read_real(config, "weight_decay", [](double v) { return v >= 0; }, ">= 0", &p.weight_decay, &errors);
  read_integer(config, "epochs", 1, std::numeric_limits<int>::max(), &p.epochs, &errors);
  read_integer(config, "seed", 0, 1LL << 53, &p.seed, &errors);
  if (!errors.empty()) return errors;
  return p;
}

Result<DigitsData> parse_digits_csv(std::string_view text) {
  std::vector<float> pixels;
  std::vector<int> labels;
  int line_number = 0;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const std::string where = "digits.csv:" + std::to_string(line_number);
    for (int column = 0; column <= kInputs; ++column) {
      int value = -1;
      const auto [next, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
      const int max = column < kInputs ? 16 : kClasses - 1;
      if (ec != std::errc() || value < 0 || value > max)
        return Error{where, "column " + std::to_string(column + 1) + ": expected an integer 0.." +
                                std::to_string(max)};
      line.remove_prefix(static_cast<std::size_t>(next - line.data()));
      const bool last = column == kInputs;
      if (last ? !line.empty() : (line.empty() || line.front() != ','))
        return Error{where, "expected " + std::to_string(kInputs + 1) + " comma-separated integers"};
      if (!last) line.remove_prefix(1);
      if (last) labels.push_back(value);
      else pixels.push_back(static_cast<float>(value) / 16.0f);
    }
  }
  if (labels.empty()) return Error{"digits.csv", "no samples"};
  DigitsData data;
  data.features = Eigen::Map<const Eigen::MatrixXf>(pixels.data(), kInputs, static_cast<Eigen::Index>(labels.size()));
  data.labels = std::move(labels);
  return data;
}

Result<DigitsData> load_digits() { return parse_digits_csv(embedded::digits_csv()); }

DigitsSplit split_digits(const DigitsData& data) {
  std::vector<int> order(static_cast<std::size_t>(data.size()));
  for (int i = 0; i < data.size(); ++i) order[static_cast<std::size_t>(i)] = i;
  std::mt19937_64 rng(0);
  shuffle(order, rng);
  const int n_train = data.size() * 4 / 5;
  auto take = [&](int begin, int end) {
    DigitsData part;
    part.features.resize(kInputs, end - begin);
    for (int k = begin; k < end; ++k) {
      const int i = order[static_cast<std::size_t>(k)];
      part.features.col(k - begin) = data.features.col(i);
      part.labels.push_back(data.labels[static_cast<std::size_t>(i)]);
    }
    return part;
  };
  return {take(0, n_train), take(n_train, data.size())};
}

DigitsMlp::DigitsMlp(const DigitsMlpParams& params, const DigitsSplit& data)
    : params_(params), data_(&data), rng_(params.seed) {
  w1_ = he_normal(params_.hidden, kInputs, rng_);
  b1_ = Eigen::VectorXf::Zero(params_.hidden);
  w2_ = he_normal(kClasses, params_.hidden, rng_);
  b2_ = Eigen::VectorXf::Zero(kClasses);
  v_w1_ = Eigen::MatrixXf::Zero(w1_.rows(), w1_.cols());
  v_b1_ = Eigen::VectorXf::Zero(b1_.size());
  v_w2_ = Eigen::MatrixXf::Zero(w2_.rows(), w2_.cols());
  v_b2_ = Eigen::VectorXf::Zero(b2_.size());
}

double DigitsMlp::step(const Eigen::MatrixXf& x, const int* labels) {
  const auto n = static_cast<float>(x.cols());
  const Eigen::MatrixXf z1 = (w1_ * x).colwise() + b1_;
  Eigen::MatrixXf h = z1.cwiseMax(0.0f);
  Eigen::MatrixXf mask;  // inverted dropout: kept units are scaled by 1/keep, so evaluation needs no scaling
  if (params_.dropout > 0) {
    const double keep = 1.0 - params_.dropout;
    mask.resize(h.rows(), h.cols());
    for (Eigen::Index j = 0; j < mask.cols(); ++j)
      for (Eigen::Index i = 0; i < mask.rows(); ++i)
        mask(i, j) = uniform01(rng_) < keep ? static_cast<float>(1.0 / keep) : 0.0f;
    h.array() *= mask.array();
  }
  Eigen::MatrixXf p = (w2_ * h).colwise() + b2_;
  const double loss = softmax_cross_entropy(p, labels);

  // Gradients of the mean loss; L2 decay on weights only.
  Eigen::MatrixXf dz2 = std::move(p);
  for (Eigen::Index i = 0; i < dz2.cols(); ++i) dz2(labels[i], i) -= 1.0f;
  dz2 /= n;
  Eigen::MatrixXf dh = w2_.transpose() * dz2;
  if (params_.dropout > 0) dh.array() *= mask.array();
  dh.array() *= (z1.array() > 0.0f).cast<float>();

  const auto m = static_cast<float>(params_.momentum);
  const auto wd = static_cast<float>(params_.weight_decay);
  const auto lr = static_cast<float>(params_.lr);
  v_w2_ = m * v_w2_ + dz2 * h.transpose() + wd * w2_;
  v_b2_ = m * v_b2_ + dz2.rowwise().sum();
  v_w1_ = m * v_w1_ + dh * x.transpose() + wd * w1_;
  v_b1_ = m * v_b1_ + dh.rowwise().sum();
  w2_ -= lr * v_w2_;
  b2_ -= lr * v_b2_;
  w1_ -= lr * v_w1_;
  b1_ -= lr * v_b1_;
  return loss;
}

double DigitsMlp::train_epoch() {
  const DigitsData& train = data_->train;
  std::vector<int> order(static_cast<std::size_t>(train.size()));
  for (int i = 0; i < train.size(); ++i) order[static_cast<std::size_t>(i)] = i;
  shuffle(order, rng_);
  const int batch = std::min(params_.batch_size, train.size());
  if (cuda_) return train_epoch_cuda(order, batch);
  Eigen::MatrixXf x;
  std::vector<int> labels;
  double loss_sum = 0;
  for (int begin = 0; begin < train.size(); begin += batch) {
    const int size = std::min(batch, train.size() - begin);
    x.resize(kInputs, size);
    labels.resize(static_cast<std::size_t>(size));
    for (int k = 0; k < size; ++k) {
      const int i = order[static_cast<std::size_t>(begin + k)];
      x.col(k) = train.features.col(i);
      labels[static_cast<std::size_t>(k)] = train.labels[static_cast<std::size_t>(i)];
    }
    loss_sum += step(x, labels.data());
  }
  ++epoch_;
  return loss_sum / train.size();
}

Evaluation DigitsMlp::evaluate() const {
  const DigitsData& val = data_->validation;
  const Eigen::MatrixXf h = ((w1_ * val.features).colwise() + b1_).cwiseMax(0.0f);  // no dropout
  Eigen::MatrixXf z = (w2_ * h).colwise() + b2_;
  int correct = 0;
  for (Eigen::Index i = 0; i < z.cols(); ++i) correct += argmax(z, i) == val.labels[static_cast<std::size_t>(i)];
  const double loss = softmax_cross_entropy(z, val.labels.data());
  return {loss / val.size(), static_cast<double>(correct) / val.size()};
}

Status DigitsMlp::save_checkpoint(const std::string& path) const {
  std::ostringstream rng_text;
  rng_text.imbue(std::locale::classic());
  rng_text << rng_;
  Writer w;
  w.bytes.append(kMagic, sizeof kMagic);
  w.put(kCheckpointVersion);
  w.put(static_cast<std::uint32_t>(params_.hidden));
  w.put(static_cast<std::int64_t>(epoch_));
  w.put(static_cast<std::uint32_t>(rng_text.str().size()));
  w.bytes += rng_text.str();
  auto put = [&w](const auto& t) { w.put(t.data(), sizeof(float) * static_cast<std::size_t>(t.size())); };
  put(w1_), put(b1_), put(w2_), put(b2_), put(v_w1_), put(v_b1_), put(v_w2_), put(v_b2_);
  w.put(fnv1a(w.bytes));
  std::string error;
  if (!client::write_file_atomic(path, w.bytes, &error)) return Error{path, error};
  return Status::Ok();
}

Status DigitsMlp::load_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path, std::string("cannot open checkpoint: ") + std::strerror(errno)};
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return Error{path, "cannot read checkpoint"};
  if (bytes.size() < sizeof kMagic + 8 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    return Error{path, "not a digits_mlp checkpoint"};
  const std::string_view body(bytes.data(), bytes.size() - 8);
  Reader r{std::string_view(bytes).substr(body.size())};
  if (r.get<std::uint64_t>() != fnv1a(body)) return Error{path, "corrupt checkpoint (checksum mismatch)"};

  r = Reader{body.substr(sizeof kMagic)};
  const auto version = r.get<std::uint32_t>();
  if (version != kCheckpointVersion)
    return Error{path, "unsupported checkpoint version " + std::to_string(version)};
  const auto hidden = r.get<std::uint32_t>();
  if (hidden != static_cast<std::uint32_t>(params_.hidden))
    return Error{path, "checkpoint has hidden=" + std::to_string(hidden) + " but this run has hidden=" +
                           std::to_string(params_.hidden)};
  const auto epoch = r.get<std::int64_t>();
  const auto rng_size = r.get<std::uint32_t>();
  if (!r.ok || epoch < 0 || epoch > std::numeric_limits<int>::max() || rng_size > r.rest.size())
    return Error{path, "corrupt checkpoint header"};
  std::mt19937_64 rng;
  std::istringstream rng_text{std::string(r.rest.substr(0, rng_size))};
  rng_text.imbue(std::locale::classic());
  rng_text >> rng;
  if (rng_text.fail()) return Error{path, "corrupt checkpoint (random state)"};
  r.rest.remove_prefix(rng_size);

  DigitsMlp next = *this;
  auto get = [&r](auto& t) { r.get(t.data(), sizeof(float) * static_cast<std::size_t>(t.size())); };
  get(next.w1_), get(next.b1_), get(next.w2_), get(next.b2_);
  get(next.v_w1_), get(next.v_b1_), get(next.v_w2_), get(next.v_b2_);
  if (!r.ok || !r.rest.empty()) return Error{path, "corrupt checkpoint (wrong size)"};
  next.rng_ = rng;
  next.epoch_ = static_cast<int>(epoch);
  *this = std::move(next);
  return Status::Ok();
}

int run_digits_mlp() try {
  const Json config = Json::parse(client::config_json(), nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded()) {
    std::fprintf(stderr, "digits_mlp: TUNELAB_CONFIG is not valid JSON\n");
    return 2;
  }
  const auto trial_id = client::trial_id().value_or(0);
  const Result<DigitsMlpParams> params =
      DigitsMlpParams::from_json(config, 1000 + static_cast<std::uint64_t>(std::max<long long>(trial_id, 0)));
  if (!params) {
    for (const Error& e : params.errors())
      std::fprintf(stderr, "digits_mlp: invalid config: %s\n", e.to_string().c_str());
    return 2;
  }
  for (const auto& item : config.items())
    if (std::none_of(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return item.key() == k; }))
      std::fprintf(stderr, "digits_mlp: note: ignoring unknown parameter \"%s\"\n", item.key().c_str());

  const Result<DigitsData> data = load_digits();
  if (!data) {
    std::fprintf(stderr, "digits_mlp: bad embedded data set: %s\n", data.error_text().c_str());
    return 1;
  }
  const DigitsSplit split = split_digits(*data);
  DigitsMlp model(*params, split);
  choose_device(model);
  if (const auto restore = client::restore_path()) {
    const Status s = model.load_checkpoint(*restore);
    if (!s) {
      std::fprintf(stderr, "digits_mlp: cannot restore: %s\n", s.error_text().c_str());
      return 3;
    }
    std::fprintf(stderr, "digits_mlp: restored after epoch %d from %s\n", model.epoch(), restore->c_str());
  }

  const std::optional<std::string> dir = client::env("TUNELAB_TRIAL_DIR");  // absent: run by hand, no checkpoints
  while (model.epoch() < params->epochs) {
    const double train_loss = model.train_epoch();
    const Evaluation val = model.evaluate();
    client::Line line;
    line.number("epoch", model.epoch()).number("train_loss", train_loss).number("val_loss", val.loss);
    line.number("val_accuracy", val.accuracy).number("training_iteration", model.epoch());
    // A stop waits until the checkpoint is reported: between the two it would leave a file nobody deletes.
    client::HoldStop hold;
    if (dir) {
      const Status s = model.save_checkpoint(*dir + "/" + checkpoint_name(model.epoch()));
      if (!s) {
        std::fprintf(stderr, "digits_mlp: cannot write checkpoint: %s\n", s.error_text().c_str());
        return 1;
      }
      line.checkpoint(checkpoint_name(model.epoch()));
    }
    if (!client::report(line)) {
      std::fprintf(stderr, "digits_mlp: cannot send report: %s\n", std::strerror(errno));
      return 1;
    }
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "digits_mlp: internal error: %s\n", e.what());
  return 1;
}

}  // namespace tunelab::trainables
