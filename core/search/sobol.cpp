#include "core/search/sobol.h"

#include <algorithm>
#include <bit>
#include <sstream>
#include <string>

#include "core/util/rng.h"

namespace tunelab {

namespace {

// Joe and Kuo (2008), new-joe-kuo-6.21201, dimensions 2 to 37: "s a m_1 ... m_s".
constexpr const char* kJoeKuo[] = {
    "1 0 1",         "2 1 1 3",        "3 1 1 3 1",       "3 2 1 1 1",        "4 1 1 1 3 3",
    "4 4 1 3 5 13",  "5 2 1 1 5 5 17", "5 4 1 1 5 5 5",   "5 7 1 1 7 11 19",  "5 11 1 1 5 1 1",
    "5 13 1 1 1 3 11", "5 14 1 3 5 5 31", "6 1 1 3 3 9 7 49", "6 13 1 1 1 15 21 21", "6 16 1 3 1 13 27 49",
    "6 19 1 1 1 15 7 5", "6 22 1 3 1 15 13 25", "6 25 1 1 5 5 19 61", "7 1 1 3 7 11 23 15 103",
    "7 4 1 3 7 13 13 15 69", "7 7 1 1 3 13 7 35 63", "7 8 1 3 5 9 1 25 53", "7 14 1 3 1 13 9 35 107",
    "7 19 1 3 1 5 27 61 31", "7 21 1 1 5 11 19 41 61", "7 28 1 3 5 3 3 13 69", "7 31 1 1 7 13 1 19 1",
    "7 32 1 3 7 5 13 19 59", "7 37 1 1 3 9 25 29 41", "7 41 1 3 5 13 23 1 55", "7 42 1 3 7 3 13 59 17",
    "7 50 1 3 1 3 5 53 69", "7 55 1 1 5 5 23 33 13", "7 56 1 1 7 7 1 61 123", "7 59 1 1 7 9 13 61 49",
    "7 62 1 3 3 5 3 55 33"};

std::vector<uint32_t> direction_numbers(size_t dim) {
  std::vector<uint32_t> v(32);
  if (dim == 0) {
    for (int k = 0; k < 32; ++k) v[static_cast<size_t>(k)] = 1u << (31 - k);
    return v;
  }
  std::istringstream in(kJoeKuo[dim - 1]);
  unsigned s = 0, a = 0;
  in >> s >> a;
  std::vector<uint32_t> m(s);
  for (auto& x : m) in >> x;
  for (unsigned k = 0; k < 32; ++k) {
    if (k < s) {
      v[k] = m[k] << (31 - k);
    } else {
      uint32_t x = v[k - s] ^ (v[k - s] >> s);
      for (unsigned j = 1; j < s; ++j) {
        if ((a >> (s - 1 - j)) & 1u) x ^= v[k - j];
      }
      v[k] = x;
    }
  }
  return v;
}

}  // namespace

SobolSequence::SobolSequence(size_t dims, uint64_t seed) : dims_(dims), seed_(seed) {
  Rng rng(derive_seed({seed, 0x534F424FULL}));
  for (size_t d = 0; d < std::min(dims, kMaxDims); ++d) {
    auto v = direction_numbers(d);
    // Linear matrix scramble: output bit i (from the top) = bit i xor random combination of higher bits.
    std::vector<uint32_t> rows(32);
    for (int i = 0; i < 32; ++i) {
      const uint32_t own = 1u << (31 - i);
      const uint32_t higher = i == 0 ? 0u : ~((1u << (32 - i)) - 1u);
      rows[static_cast<size_t>(i)] = own | (static_cast<uint32_t>(rng()) & higher);
    }
    for (auto& x : v) {
      uint32_t y = 0;
      for (int i = 0; i < 32; ++i) {
        if (std::popcount(rows[static_cast<size_t>(i)] & x) & 1) y |= 1u << (31 - i);
      }
      x = y;
    }
    v_.push_back(std::move(v));
    shift_.push_back(static_cast<uint32_t>(rng()));
  }
}

std::vector<double> SobolSequence::point(uint64_t i) const {
  std::vector<double> x(dims_);
  for (size_t d = 0; d < dims_; ++d) {
    if (d >= kMaxDims) {
      Rng rng(derive_seed({seed_, i, d}));
      x[d] = uniform01(rng);
      continue;
    }
    uint32_t acc = shift_[d];
    for (unsigned k = 0; k < 32 && (i >> k) != 0; ++k) {
      if ((i >> k) & 1u) acc ^= v_[d][k];
    }
    x[d] = (static_cast<double>(acc) + 0.5) * 0x1.0p-32;
  }
  return x;
}

}  // namespace tunelab
