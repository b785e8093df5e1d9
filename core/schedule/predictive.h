#pragma once
// The predictive scheduler: learning-curve extrapolation fitted online on the study's own curves.
//
// It stops a trial only when it is confident that the trial's final value will not reach the top_k-th best
// final value of the trials that ran to the end. Time is cut into a grid of up to 256 points up to max_t
// (every whole time unit for max_t <= 256). At each grid point it keeps, over the curves that ran to the end,
// a ridge regression of the final value on two features of the curve at that point: its value there and its
// gain over the second half of the time so far (value at t minus value at t/2). The statistics are
// incremental (X'X, X'y), so a decision costs one 3x3 solve plus a look at the nearest curves (those whose value
// at t was closest to the trial's). Over them it measures two local predictors: the line corrected by their mean
// residual (where the relation bends), and the trial's value plus their mean gain from t to the end. The one
// whose errors spread less over those k curves counts, with that spread as the uncertainty (curves that start
// alike can end apart). The trial stops when predicted + z * sigma < threshold, z being the Student-t quantile
// of `confidence` with k - 1 degrees of freedom.
//
// Before min_curves curves have run to the end (at that grid point), and for a curve whose value lies outside
// those of the curves run to the end (give or take a tenth of their range), a trial with at least 3 values is
// judged by parametric curve fits of its own points (after Domhan et al. 2015: linear, log, and power laws
// c - a t^-alpha with alpha 0.5 and 1), each extrapolated to max_t; the most optimistic family counts, with
// the spread of its residuals. Trials reaching max_t complete. Results without the metric or the time are
// ignored, and NaN values are left out. Everything is rebuilt from the results and completions the controller
// replays on resume, in any order: a curve joins the model when it reaches max_t, or when its trial completes.
#include <map>
#include <set>
#include <vector>

#include <Eigen/Dense>

#include "core/schedule/scheduler.h"

namespace tunelab {

class PredictiveScheduler final : public Scheduler {
 public:
  struct Options {
    std::string time_attr = "training_iteration";
    double max_t = 100;
    double min_t = 1;
    double confidence = 0.95;
    int64_t top_k = 1;
    int64_t min_curves = 5;
    bool curve_fit = true;
  };
  PredictiveScheduler(const ScheduleContext& ctx, Options o);

  void on_trial_add(const TrialSnapshot& trial) override;
  Decision on_result(const TrialSnapshot& trial, const Json& result) override;
  void on_complete(const TrialSnapshot& trial) override;

  struct Prediction {
    double mean = 0;   // signed (higher is better)
    double sigma = 0;
    double upper = 0;  // mean + z * sigma
    int64_t curves = 0;
    bool regression = false;  // else a curve fit
  };
  // The prediction of the final (signed) value of a curve seen up to `time`; nullopt when no model applies.
  std::optional<Prediction> predict(int64_t trial_id, double time) const;
  int64_t curves_completed() const { return static_cast<int64_t>(finals_.size()); }

 private:
  struct Point {
    double time;
    double value;  // signed
  };
  struct Curve {
    std::vector<Point> points;  // in time order, no NaN
    bool in_model = false;
  };
  struct Sample {
    double x, gain, y;
  };
  struct GridStats {
    Eigen::Matrix3d xtx = Eigen::Matrix3d::Zero();
    Eigen::Vector3d xty = Eigen::Vector3d::Zero();
    std::vector<Sample> by_x;  // sorted by x
  };
  int grid_index(double time) const;  // the last grid point <= time, or -1
  static std::optional<double> value_at(const Curve& c, double time);
  void add_to_model(Curve& c);
  std::optional<Prediction> regression(int j, double x, double gain) const;
  std::optional<Prediction> curve_fit(const Curve& c) const;
  double z_of(double df) const;
  double threshold() const;  // the top_k-th best final (signed); needs top_k finals

  std::string metric_;
  bool maximize_;
  Options o_;
  std::vector<double> grid_;
  std::vector<GridStats> stats_;
  std::map<int64_t, Curve> curves_;
  std::multiset<double> finals_;  // signed finals of the curves in the model
};

}  // namespace tunelab
