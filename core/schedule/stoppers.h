#pragma once
// The stoppers of the spec's "stoppers" list, after Ray Tune's stopper classes (docs/spec.md).
#include <deque>
#include <map>
#include <set>

#include "core/schedule/stopper.h"

namespace tunelab {

// Ray's TrialPlateauStopper: stops a trial when the population std of its last num_results values is
// below `std`, once it has reported grace_period results (and, with metric_threshold, only when its
// latest value is at least as good as the threshold). Results without the metric are ignored; a NaN
// in the window makes the std NaN, which never stops.
class TrialPlateauStopper final : public Stopper {
 public:
  struct Options {
    std::string metric;
    double std = 0.01;
    int64_t num_results = 4;
    int64_t grace_period = 4;
    std::optional<double> metric_threshold;
    bool maximize = true;
  };
  explicit TrialPlateauStopper(Options o) : o_(std::move(o)) {}
  Decision on_result(const TrialSnapshot& trial, const Json& result) override;

 private:
  Options o_;
  std::map<int64_t, std::deque<double>> window_;
  std::map<int64_t, int64_t> count_;
};

// Ray's ExperimentPlateauStopper: the study stops when the best `top` values reported so far (over all
// trials) have a population std <= `std`, and that has held for `patience` further results.
class ExperimentPlateauStopper final : public Stopper {
 public:
  struct Options {
    std::string metric;
    double std = 0.001;
    int64_t top = 10;
    bool maximize = true;
    int64_t patience = 0;
  };
  explicit ExperimentPlateauStopper(Options o) : o_(std::move(o)) {}
  Decision on_result(const TrialSnapshot& trial, const Json& result) override;
  std::optional<std::string> stop_study() override;

 private:
  bool plateaued() const;
  Options o_;
  std::vector<double> top_;  // best first
  int64_t iterations_ = 0;   // consecutive results with a plateau
};

// Ray's MaximumIterationStopper: stops a trial after it has reported max_iter results.
class MaxIterationsStopper final : public Stopper {
 public:
  explicit MaxIterationsStopper(int64_t max_iter) : max_iter_(max_iter) {}
  Decision on_result(const TrialSnapshot& trial, const Json& result) override;

 private:
  int64_t max_iter_;
  std::map<int64_t, int64_t> count_;
};

// Stops a trial whose metric reaches the threshold (>= in max mode, <= in min mode).
class MetricThresholdStopper final : public Stopper {
 public:
  MetricThresholdStopper(std::string metric, double threshold, bool maximize)
      : metric_(std::move(metric)), threshold_(threshold), maximize_(maximize) {}
  Decision on_result(const TrialSnapshot& trial, const Json& result) override;

 private:
  std::string metric_;
  double threshold_;
  bool maximize_;
};

// Stops a trial whose time_total_s reaches timeout_s.
class TrialTimeoutStopper final : public Stopper {
 public:
  explicit TrialTimeoutStopper(double timeout_s) : timeout_s_(timeout_s) {}
  Decision on_result(const TrialSnapshot& trial, const Json& result) override;

 private:
  double timeout_s_;
};

// Ray's TimeoutStopper: the study stops timeout_s seconds (wall clock) after the stopper was built,
// i.e. after the session started.
class TimeoutStopper final : public Stopper {
 public:
  TimeoutStopper(double timeout_s, std::function<double()> now_s);
  Decision on_result(const TrialSnapshot&, const Json&) override { return Decision::keep_going(); }
  std::optional<std::string> stop_study() override;

 private:
  double timeout_s_;
  std::function<double()> now_s_;
  double start_s_;
};

// Any-of (Ray's CombinedStopper) or all-of a list of stoppers. Every child sees every result.
class CombinedStopper final : public Stopper {
 public:
  CombinedStopper(std::vector<std::unique_ptr<Stopper>> children, bool all)
      : children_(std::move(children)), all_(all) {}
  Decision on_result(const TrialSnapshot& trial, const Json& result) override;
  void on_complete(const TrialSnapshot& trial) override;
  std::optional<std::string> stop_study() override;

 private:
  std::vector<std::unique_ptr<Stopper>> children_;
  bool all_;
};

}  // namespace tunelab
