#pragma once
// A scrambled Sobol' sequence: Joe and Kuo's direction numbers (new-joe-kuo-6.21201) with a random
// linear matrix scramble and digital shift drawn from a seed (Matousek 1998). Beyond kMaxDims
// coordinates the extra ones are drawn at random.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tunelab {

class SobolSequence {
 public:
  SobolSequence(size_t dims, uint64_t seed);
  // Point i, coordinates in [0, 1).
  std::vector<double> point(uint64_t i) const;
  static constexpr size_t kMaxDims = 37;

 private:
  size_t dims_;
  uint64_t seed_;
  std::vector<std::vector<uint32_t>> v_;  // per dimension: 32 direction numbers (scrambled)
  std::vector<uint32_t> shift_;
};

}  // namespace tunelab
