#pragma once
// Standard normal distribution functions used to map the unit interval to normal parameters.
#include <cmath>

namespace tunelab {

inline double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// Inverse of the standard normal CDF (Acklam's rational approximation, refined by one Halley step;
// relative error below 1e-15 over (0, 1)).
double normal_quantile(double p);

}  // namespace tunelab
