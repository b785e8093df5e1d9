#pragma once
// A Gaussian process on the unit cube: Matern-5/2 kernel with one length scale per input (ARD),
// signal variance and noise, fitted by maximising the marginal likelihood (plus weak log-normal
// priors that keep length scales and noise sensible with few points) with L-BFGS from several
// starts. Targets are standardised internally. Linear algebra by Eigen.
#include <Eigen/Dense>
#include <vector>

#include "core/util/rng.h"

namespace tunelab {

struct GpHyper {
  Eigen::VectorXd log_ls;  // per input
  double log_signal = 0;
  double log_noise = std::log(1e-4);
};

class GaussianProcess {
 public:
  // Fits hyperparameters on (X, y) (rows of X are points) from `restarts` starts: the defaults, then
  // random ones drawn from rng. `fit_rows` (if smaller than X) limits the fit to a subset of rows.
  static GpHyper fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, int restarts, Rng& rng,
                     int max_iterations = 30);
  // Conditions on (X, y) with the given hyperparameters. False when the kernel matrix is not positive
  // definite even with added jitter.
  bool condition(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const GpHyper& h);

  // Posterior mean and standard deviation (in y's units) at the rows of Q.
  void predict(const Eigen::MatrixXd& Q, Eigen::VectorXd& mean, Eigen::VectorXd& sd) const;

  // Negative log marginal likelihood (with priors) of standardised targets and its gradient in
  // [log_ls..., log_signal, log_noise]. Exposed for tests.
  static double nll(const Eigen::MatrixXd& X, const Eigen::VectorXd& ys, const Eigen::VectorXd& theta,
                    Eigen::VectorXd* grad);

  double y_mean() const { return y_mean_; }
  double y_scale() const { return y_scale_; }

 private:
  Eigen::MatrixXd X_;
  GpHyper h_;
  Eigen::LLT<Eigen::MatrixXd> llt_;
  Eigen::VectorXd alpha_;
  double y_mean_ = 0, y_scale_ = 1;
};

// The Matern-5/2 kernel matrix between the rows of A and B, with length scales ls and variance s.
Eigen::MatrixXd matern52(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, const Eigen::VectorXd& ls, double s);

// log EI for minimisation of a Gaussian with (mean, sd) below `best`, stable far in the tail.
double log_expected_improvement(double mean, double sd, double best);

}  // namespace tunelab
