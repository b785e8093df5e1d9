#include "core/importers/import_model.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "core/store/store.h"
#include "core/util/json_read.h"

namespace tunelab {
namespace fs = std::filesystem;

Json flatten_config(const Json& config) {
  Json out = Json::object();
  if (!config.is_object()) return out;
  for (const auto& [k, v] : config.items()) {
    if (v.is_object() && !v.empty()) {
      const Json inner = flatten_config(v);
      for (auto it = inner.begin(); it != inner.end(); ++it) out[k + "." + it.key()] = it.value();
    } else {
      out[k] = v;
    }
  }
  return out;
}

Json numeric_metrics(const Json& result, const std::vector<std::string>& skip_keys) {
  Json out = Json::object();
  if (!result.is_object()) return out;
  for (const auto& [k, v] : result.items()) {
    if (std::find(skip_keys.begin(), skip_keys.end(), k) != skip_keys.end()) continue;
    if (v.is_object()) {
      const Json inner = numeric_metrics(v, {});
      for (auto it = inner.begin(); it != inner.end(); ++it) out[k + "." + it.key()] = it.value();
    } else if (v.is_number() && !v.is_boolean()) {
      if (v.is_number_float() && !std::isfinite(v.get<double>())) continue;
      out[k] = v;
    }
  }
  return out;
}

std::string safe_study_name(std::string name) {
  std::replace(name.begin(), name.end(), '/', '_');
  if (name.size() > 200) name.resize(200);
  if (name.empty() || name == "." || name == "..") name = "imported";
  return name;
}

namespace {

bool is_int(const Json& v) { return v.is_number_integer() || v.is_number_unsigned(); }

}  // namespace

Json infer_flat_space(const std::vector<Json>& flat_configs) {
  // Names in the order first seen.
  std::vector<std::string> names;
  std::map<std::string, std::vector<Json>> values;
  for (const auto& c : flat_configs) {
    for (const auto& [k, v] : c.items()) {
      if (!values.count(k)) names.push_back(k);
      values[k].push_back(v);
    }
  }
  Json space = Json::object();
  for (const auto& name : names) {
    const auto& vs = values[name];
    std::vector<Json> distinct;
    for (const auto& v : vs) {
      if (std::find(distinct.begin(), distinct.end(), v) == distinct.end()) distinct.push_back(v);
    }
    const bool numeric = std::all_of(vs.begin(), vs.end(), [](const Json& v) { return v.is_number() && !v.is_boolean(); });
    if (distinct.size() == 1) {
      space[name] = {{"type", "const"}, {"value", distinct[0]}};
    } else if (numeric && distinct.size() > 2) {
      double lo = vs[0].get<double>(), hi = lo;
      for (const auto& v : vs) {
        lo = std::min(lo, v.get<double>());
        hi = std::max(hi, v.get<double>());
      }
      const bool ints = std::all_of(vs.begin(), vs.end(), is_int);
      Json p = {{"type", ints ? "int" : "float"}};
      if (ints) {
        p["low"] = static_cast<int64_t>(lo);
        p["high"] = static_cast<int64_t>(hi);
      } else {
        p["low"] = lo;
        p["high"] = hi;
      }
      if (lo > 0 && hi / lo > 100) p["log"] = true;
      space[name] = p;
    } else {
      space[name] = {{"type", "choice"}, {"values", distinct}};
    }
  }
  return space;
}

void infer_conditions(Json& flat_space, const std::vector<Json>& flat_configs) {
  for (auto& [name, param] : flat_space.items()) {
    size_t present = 0;
    for (const auto& c : flat_configs) present += c.contains(name) ? 1 : 0;
    if (present == flat_configs.size() || present == 0) continue;
    // A choice parameter present in every config whose values where `name` is present never occur where it
    // is absent.
    for (const auto& [parent, pdef] : flat_space.items()) {
      if (parent == name || pdef.value("type", "") != "choice" || pdef.contains("when")) continue;
      std::vector<Json> with, without;
      bool everywhere = true;
      for (const auto& c : flat_configs) {
        if (!c.contains(parent)) {
          everywhere = false;
          break;
        }
        auto& bucket = c.contains(name) ? with : without;
        if (std::find(bucket.begin(), bucket.end(), c[parent]) == bucket.end()) bucket.push_back(c[parent]);
      }
      if (!everywhere) continue;
      const bool disjoint = std::none_of(with.begin(), with.end(), [&](const Json& v) {
        return std::find(without.begin(), without.end(), v) != without.end();
      });
      if (!disjoint) continue;
      // Dotted names: a condition refers to a parameter of the same group by its last part.
      const auto group = [](const std::string& n) {
        const auto dot = n.rfind('.');
        return dot == std::string::npos ? std::string() : n.substr(0, dot);
      };
      if (group(parent) != group(name)) continue;
      const std::string short_parent = group(parent).empty() ? parent : parent.substr(group(parent).size() + 1);
      param["when"] = {{short_parent, with.size() == 1 ? with[0] : Json(with)}};
      break;
    }
  }
}

Json nest_space(const Json& flat_space, std::vector<std::string>* problems) {
  // A name that is a value in some trials and a group in others ({"opt": "none"} and {"opt": {"lr": 0.1}}): a
  // space cannot hold both, so the group is kept and this is said.
  std::set<std::string> groups;
  for (const auto& [name, p] : flat_space.items()) {
    for (size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1)) groups.insert(name.substr(0, dot));
  }
  Json out = Json::object();
  for (const auto& [name, p] : flat_space.items()) {
    if (groups.count(name)) {
      if (problems) {
        problems->push_back("parameter " + name + ": some trials give it a value and others a group of parameters (" +
                            name + ".*); the space keeps the group, so a resumed search proposes only that form (each "
                            "trial keeps its own configuration)");
      }
      continue;
    }
    Json* node = &out;
    size_t start = 0;
    for (size_t dot; (dot = name.find('.', start)) != std::string::npos; start = dot + 1) {
      Json& child = (*node)[name.substr(start, dot - start)];
      if (!child.is_object()) child = Json::object();
      node = &child;
    }
    (*node)[name.substr(start)] = p;
  }
  return out;
}

// ---- writing ----

namespace {

std::string describe_origin(const Json& o) {
  if (!o.is_object()) return "run by TuneLab";
  return "imported from " + o.value("kind", std::string("?")) + " " + o.value("path", std::string("?")) +
         (o.contains("study") ? " (study " + o.value("study", std::string()) + ")" : "");
}

}  // namespace

Result<ImportOutcome> write_import(const ImportedStudy& s, const std::string& db) {
  std::error_code ec;
  const bool exists = fs::is_regular_file(db, ec) && fs::file_size(db, ec) > 0;
  Json origin = {{"kind", s.kind}, {"path", s.source}, {"imported_at", now_seconds()}};
  for (const auto& [k, v] : s.origin_extra.items()) origin[k] = v;

  ImportOutcome out;
  std::map<std::string, int64_t> id_of;
  std::map<int64_t, TrialRecord> old;
  std::map<int64_t, std::set<int64_t>> stored_iterations;
  std::set<int64_t> continued;  // trials TuneLab has run since they were imported
  std::unique_ptr<Store> store;
  std::string trials_dir;
  if (exists) {
    auto st = Store::open(db, Store::Mode::Open);
    if (!st) return st.errors();
    store = std::move(*st);
    auto study = store->load_study();
    if (!study) return study.errors();
    trials_dir = study->trials_dir;
    auto text = store->load_study_origin();
    if (!text) return text.errors();
    const Json was = text->empty() ? Json() : read_json(*text).value;
    const bool same = was.is_object() && was.value("kind", "") == s.kind && was.value("path", "") == s.source &&
                      was.value("study", Json()) == origin.value("study", Json());
    if (!same) {
      return Error{db, "already holds the study \"" + study->name + "\" (" + describe_origin(was) +
                           "); give another --db, or the same source to pick up its new results"};
    }
    auto trials = store->load_trials();
    if (!trials) return trials.errors();
    for (auto& t : *trials) old[t.id] = t;
    auto attrs = store->load_trial_attrs();
    if (!attrs) return attrs.errors();
    for (const auto& a : *attrs) {
      if (a.key == s.key_attr && a.value.is_string()) id_of[a.value.get<std::string>()] = a.trial_id;
    }
    auto results = store->load_results();
    if (!results) return results.errors();
    for (const auto& r : *results) {
      stored_iterations[r.trial_id].insert(r.iteration);
      if (r.attempt > 0) continued.insert(r.trial_id);  // imported results carry attempt 0; TuneLab's runs count from 1
    }
    // The space follows what the source holds now; everything else the user may have set (trainable,
    // num_samples, searcher options) stays.
    Json spec = study->spec;
    spec["space"] = s.spec["space"];
    if (auto st2 = store->set_study_spec(spec); !st2) return st2.errors();
    origin["first_imported_at"] = was.value("first_imported_at", was.value("imported_at", Json()));
  } else {
    auto st = Store::open(db, Store::Mode::Create);
    if (!st) return st.errors();
    store = std::move(*st);
    const fs::path abs = fs::absolute(db, ec);
    StudyRecord rec;
    rec.name = s.name;
    rec.spec = s.spec;
    rec.base_dir = abs.parent_path().string();
    rec.trials_dir = (abs.parent_path() / (abs.stem().string() + "_trials")).string();
    rec.status = "completed";
    trials_dir = rec.trials_dir;
    rec.created_at = rec.updated_at = now_seconds();
    if (auto c = store->create_study(rec); !c) return c.errors();
    out.created = true;
  }
  if (auto o = store->set_study_origin(dump_compact(origin)); !o) return o.errors();

  int64_t next_id = old.empty() ? 0 : old.rbegin()->first + 1;
  bool all_finished = true;
  std::set<int64_t> touched;
  for (const auto& it : s.trials) {
    const auto found = id_of.find(it.key);
    const bool known = found != id_of.end();
    if (known && continued.count(found->second)) {
      // Merging the source's later results into TuneLab's curve would splice two runs into one.
      out.trials_kept.push_back(found->second);
      touched.insert(found->second);
      continue;
    }
    TrialRecord t = known ? old[found->second] : TrialRecord{};
    t.id = known ? found->second : next_id++;
    t.config = it.config;
    t.status = it.status;
    t.error = it.error;
    t.created_at = it.created_at;
    t.started_at = it.started_at;
    t.ended_at = it.ended_at;
    t.runtime_s = it.runtime_s;
    t.attempts = it.started_at || !it.results.empty() ? 1 : 0;
    t.origin = "import";
    // Where the engine runs it, should a resumed study run it (pending, paused); TuneLab's layout.
    if (t.trial_dir.empty()) t.trial_dir = (fs::path(trials_dir) / pad_trial_id(t.id)).string();
    t.last_iteration = it.results.empty() ? 0 : it.results.back().iteration;
    store->put_trial(t);
    known ? ++out.trials_updated : ++out.trials_added;
    auto& have = stored_iterations[t.id];
    for (const auto& r : it.results) {
      if (have.count(r.iteration)) continue;
      ResultRecord rec;
      rec.trial_id = t.id;
      rec.iteration = r.iteration;
      rec.time_total_s = r.time_total_s;
      rec.ts = r.ts;
      rec.metrics = r.metrics;
      store->append_result(rec);
      ++out.results_added;
    }
    store->set_trial_attr(t.id, s.key_attr, it.key);
    for (const auto& [k, v] : it.attrs.items()) store->set_trial_attr(t.id, k, v);
    all_finished = all_finished && is_finished(t.status);
    touched.insert(t.id);
  }
  for (const auto& [id, t] : old) all_finished = all_finished && (touched.count(id) || is_finished(t.status));
  store->set_study_status(all_finished ? "completed" : "interrupted", 0);
  store->add_event({std::nullopt, now_seconds(), "imported",
                    (out.created ? "imported from " : "re-imported from ") + s.kind + " " + s.source + ": " +
                        std::to_string(out.trials_added) + " trials added, " + std::to_string(out.trials_updated) +
                        " updated, " + std::to_string(out.results_added) + " results added" +
                        (out.trials_kept.empty() ? "" : ", " + std::to_string(out.trials_kept.size()) +
                                                            " run by TuneLab since left as they are"),
                    Json{{"skipped_trials", s.skipped_trials}, {"skipped_results", s.skipped_results},
                         {"problems", s.problems}}});
  if (auto f = store->flush(); !f) return f.errors();
  return out;
}

}  // namespace tunelab
