#pragma once
// Standard global-optimisation test functions (minimised), with their domains and known minima, as in
// Surjanovic and Bingham's Virtual Library of Simulation Experiments. Shared by bench/search and the
// searcher tests.
#include <cmath>
#include <string>
#include <vector>

namespace tunelab::bench {

struct TestFunction {
  std::string name;
  std::vector<std::pair<double, double>> bounds;
  double minimum;
  double target_regret;  // "reached" when the best value is within this of the minimum
  double (*f)(const std::vector<double>&);
};

inline double branin(const std::vector<double>& x) {
  const double a = 1, b = 5.1 / (4 * M_PI * M_PI), c = 5 / M_PI, r = 6, s = 10, t = 1 / (8 * M_PI);
  const double u = x[1] - b * x[0] * x[0] + c * x[0] - r;
  return a * u * u + s * (1 - t) * std::cos(x[0]) + s;
}

inline double camel(const std::vector<double>& x) {
  const double a = x[0], b = x[1];
  return (4 - 2.1 * a * a + a * a * a * a / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b;
}

inline double hartmann(const std::vector<double>& x, const double* A, const double* P, size_t d) {
  static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  double s = 0;
  for (size_t i = 0; i < 4; ++i) {
    double e = 0;
    for (size_t j = 0; j < d; ++j) e += A[i * d + j] * (x[j] - P[i * d + j]) * (x[j] - P[i * d + j]);
    s += alpha[i] * std::exp(-e);
  }
  return -s;
}

inline double hartmann3(const std::vector<double>& x) {
  static const double A[12] = {3, 10, 30, 0.1, 10, 35, 3, 10, 30, 0.1, 10, 35};
  static const double P[12] = {0.3689, 0.1170, 0.2673, 0.4699, 0.4387, 0.7470,
                               0.1091, 0.8732, 0.5547, 0.0381, 0.5743, 0.8828};
  return hartmann(x, A, P, 3);
}

inline double hartmann6(const std::vector<double>& x) {
  static const double A[24] = {10, 3, 17, 3.5, 1.7, 8, 0.05, 10, 17, 0.1, 8, 14,
                               3, 3.5, 1.7, 10, 17, 8, 17, 8, 0.05, 10, 0.1, 14};
  static const double P[24] = {0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886, 0.2329, 0.4135,
                               0.8307, 0.3736, 0.1004, 0.9991, 0.2348, 0.1451, 0.3522, 0.2883,
                               0.3047, 0.6650, 0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381};
  return hartmann(x, A, P, 6);
}

inline double rosenbrock(const std::vector<double>& x) {
  double s = 0;
  for (size_t i = 0; i + 1 < x.size(); ++i) s += 100 * std::pow(x[i + 1] - x[i] * x[i], 2) + std::pow(x[i] - 1, 2);
  return s;
}

inline double ackley(const std::vector<double>& x) {
  double a = 0, b = 0;
  for (double v : x) {
    a += v * v;
    b += std::cos(2 * M_PI * v);
  }
  const double d = static_cast<double>(x.size());
  return -20 * std::exp(-0.2 * std::sqrt(a / d)) - std::exp(b / d) + 20 + M_E;
}

inline double levy(const std::vector<double>& x) {
  auto w = [&](size_t i) { return 1 + (x[i] - 1) / 4; };
  const size_t d = x.size();
  double s = std::pow(std::sin(M_PI * w(0)), 2);
  for (size_t i = 0; i + 1 < d; ++i) {
    s += std::pow(w(i) - 1, 2) * (1 + 10 * std::pow(std::sin(M_PI * w(i) + 1), 2));
  }
  s += std::pow(w(d - 1) - 1, 2) * (1 + std::pow(std::sin(2 * M_PI * w(d - 1)), 2));
  return s;
}

inline double styblinski_tang(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v * v * v * v - 16 * v * v + 5 * v;
  return s / 2;
}

inline std::vector<TestFunction> test_functions() {
  auto box = [](size_t d, double lo, double hi) { return std::vector<std::pair<double, double>>(d, {lo, hi}); };
  return {
      {"branin", {{-5, 10}, {0, 15}}, 0.397887, 0.398 - 0.397887, branin},
      {"camel6", {{-3, 3}, {-2, 2}}, -1.0316284535, 0.01, camel},
      {"hartmann3", box(3, 0, 1), -3.86278, 0.01, hartmann3},
      {"hartmann6", box(6, 0, 1), -3.32237, 0.1, hartmann6},
      {"rosenbrock5", box(5, -5, 10), 0.0, 10.0, rosenbrock},
      {"ackley5", box(5, -32.768, 32.768), 0.0, 1.0, ackley},
      {"levy5", box(5, -10, 10), 0.0, 0.5, levy},
      {"styblinski_tang5", box(5, -5, 5), -39.16616570377142 * 5, 5.0, styblinski_tang},
  };
}

}  // namespace tunelab::bench
