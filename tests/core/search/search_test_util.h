#pragma once
// Helpers for the searcher tests: spaces, a sequential study driver, and config checks.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/search/searcher.h"
#include "core/util/rng.h"

namespace tunelab::test {

inline SearchSpace space_from(const char* text) {
  auto s = parse_space(Json::parse(text));
  if (!s) throw std::runtime_error(s.error_text());
  return std::move(*s);
}

// Conditions, steps, log scales, ints, choices, a constant and a nested group.
inline const char* kRichSpace = R"({
  "optimizer": {"type": "choice", "values": ["sgd", "adam", "rmsprop"]},
  "lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": true},
  "momentum": {"type": "float", "low": 0.5, "high": 0.99, "step": 0.01, "when": {"optimizer": "sgd"}},
  "nesterov": {"type": "choice", "values": [true, false], "when": {"optimizer": "sgd"}},
  "dampening": {"type": "float", "low": 0, "high": 0.2, "when": {"nesterov": false}},
  "layers": {"type": "int", "low": 1, "high": 6},
  "width": {"type": "int", "low": 16, "high": 512, "log": true},
  "batch": {"type": "int", "low": 16, "high": 128, "step": 16},
  "model": {"dropout": {"type": "float", "low": 0, "high": 0.5, "step": 0.1},
            "act": {"type": "choice", "values": ["relu", "gelu"]}},
  "seed_offset": 3
})";

// A random space from a seed: numeric (with or without step/log), int, choice, some conditional.
inline Json random_space_json(uint64_t seed) {
  Rng rng(seed);
  Json s = Json::object();
  const int n = 2 + static_cast<int>(uniform01(rng) * 6);
  std::vector<std::string> choices;
  for (int i = 0; i < n; ++i) {
    const std::string name = "p" + std::to_string(i);
    const double r = uniform01(rng);
    Json p;
    if (r < 0.3) {
      p = {{"type", "float"}, {"low", -1.0}, {"high", 2.0}};
      if (uniform01(rng) < 0.4) p["step"] = 0.25;
    } else if (r < 0.45) {
      p = {{"type", "float"}, {"low", 1e-3}, {"high", 10.0}, {"log", true}};
    } else if (r < 0.7) {
      p = {{"type", "int"}, {"low", -3}, {"high", 40}};
      if (uniform01(rng) < 0.3) p["step"] = 3;
    } else {
      p = {{"type", "choice"}, {"values", {"a", "b", "c"}}};
    }
    if (!choices.empty() && uniform01(rng) < 0.4) {
      p["when"] = {{choices.back(), uniform01(rng) < 0.5 ? "a" : "b"}};
    }
    if (p["type"] == "choice") choices.push_back(name);
    s[name] = p;
  }
  return s;
}

// Checks a config against a space: every active parameter present with a value it accepts, every
// inactive one absent. Returns an empty string when fine.
inline std::string check_config(const SearchSpace& space, const Json& config) {
  const FlatConfig given = space.flatten(config);
  FlatConfig seen;
  for (const auto& p : space.params()) {
    auto it = given.find(p.name);
    const bool active = space.is_active(p, seen);
    if (!active) {
      if (it != given.end()) return p.name + " is present but inactive";
      continue;
    }
    if (it == given.end()) return p.name + " is missing";
    if (!p.accepts(it->second)) return p.name + " = " + dump_compact(it->second) + " is not a value";
    seen[p.name] = it->second;
  }
  return {};
}

// A deterministic objective of any config, from its numbers and texts.
inline double config_value(const Json& config, const std::string& prefix = "") {
  double v = 0;
  if (config.is_object()) {
    for (auto it = config.begin(); it != config.end(); ++it) v += config_value(it.value(), prefix + it.key());
  } else if (config.is_number()) {
    v += std::sin(config.get<double>() * 1.7 + static_cast<double>(prefix.size()));
  } else {
    v += 0.1 * static_cast<double>(dump_compact(config).size() + prefix.size() % 3);
  }
  return v;
}

using Outcome = std::function<TrialSnapshot(int64_t id, const Json& config)>;

// A snapshot of a trial that completed with value y at iteration `iter`.
inline TrialSnapshot completed(int64_t id, const Json& config, std::vector<std::pair<std::string, double>> values,
                               TrialStatus status = TrialStatus::Completed, int64_t iter = 1) {
  TrialSnapshot t;
  t.id = id;
  t.config = config;
  t.status = status;
  t.iteration = iter;
  Json r = Json::object();
  for (const auto& [m, y] : values) r[m] = y;
  r["training_iteration"] = iter;
  if (!values.empty()) {
    t.last_objective = values[0].second;
    t.best_objective = values[0].second;
    t.last_result = r;
  }
  return t;
}

}  // namespace tunelab::test
