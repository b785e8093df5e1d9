#pragma once
// Seeding helpers. Every random decision in the core derives from a study seed plus a counter
// (the trial number), so a resumed study draws exactly what an uninterrupted one would have.
#include <cstdint>
#include <initializer_list>
#include <random>

namespace tunelab {

// SplitMix64 finaliser: a good 64-bit mix, used to derive independent streams from (seed, index, ...).
inline uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

inline uint64_t derive_seed(std::initializer_list<uint64_t> parts) {
  uint64_t h = 0x243F6A8885A308D3ULL;
  for (uint64_t p : parts) h = mix64(h ^ mix64(p));
  return h;
}

using Rng = std::mt19937_64;

// Uniform double in [0, 1) with 53 random bits (std::generate_canonical may return 1.0 with libstdc++).
inline double uniform01(Rng& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace tunelab
