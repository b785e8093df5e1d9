#pragma once
// Helpers for the scheduler and stopper tests: snapshots, results and schedulers built from JSON.
#include <QTest>

#include "core/schedule/scheduler.h"
#include "core/schedule/stopper.h"

namespace tunelab::testing {

inline TrialSnapshot snap(int64_t id, TrialStatus status = TrialStatus::Running, Json config = Json::object(),
                          int64_t checkpoint_iteration = 0) {
  TrialSnapshot t;
  t.id = id;
  t.status = status;
  t.config = std::move(config);
  t.checkpoint_iteration = checkpoint_iteration;
  return t;
}

// A result at `iteration` with `metric` = value (NaN is written as null, as reports carry it).
inline Json res(double iteration, double value, const std::string& metric = "acc") {
  Json r = {{"training_iteration", iteration}};
  r[metric] = std::isnan(value) ? Json(nullptr) : Json(value);
  return r;
}

inline ScheduleContext context(Json options, bool maximize = true, const std::string& metric = "acc",
                               const SearchSpace* space = nullptr, uint64_t seed = 1) {
  return ScheduleContext{metric, maximize, std::move(options), space, seed};
}

inline std::unique_ptr<Scheduler> scheduler(const char* options, bool maximize = true, const std::string& metric = "acc",
                                            const SearchSpace* space = nullptr, uint64_t seed = 1) {
  auto s = make_scheduler(context(Json::parse(options), maximize, metric, space, seed));
  if (!s) qFatal("%s", s.error_text().c_str());
  return std::move(*s);
}

inline SearchSpace space_of(const char* text) {
  auto s = parse_space(Json::parse(text));
  if (!s) qFatal("%s", s.error_text().c_str());
  return std::move(*s);
}

}  // namespace tunelab::testing
