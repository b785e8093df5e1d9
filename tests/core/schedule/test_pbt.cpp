// PBT: explore (bounds, integers, steps, neighbouring choices, resampling), exploit from the top quantile
// with a checkpoint, reproducibility with the seed, NaN, min mode, and option errors.
#include <QTest>

#include <set>

#include "core/schedule/pbt.h"
#include "schedule_test_util.h"

using namespace tunelab;
using namespace tunelab::testing;

namespace {
using A = Decision::Action;

const char* kSpace = R"({
  "lr": {"type": "float", "low": 0.001, "high": 0.1, "log": true},
  "batch": {"type": "int", "low": 16, "high": 256, "step": 16},
  "layers": {"type": "int", "low": 1, "high": 8},
  "opt": {"choice": ["sgd", "adam", "rmsprop"]},
  "model": {"width": {"choice": [32, 64, 128]}}
})";

PbtScheduler::Options options_for(const SearchSpace& space, double resample) {
  PbtScheduler::Options o;
  o.resample_probability = resample;
  o.mutations = space;
  return o;
}

// Eight trials report `values` at iteration 2 (each with a checkpoint), then trial `who` reports again.
Decision population_round(Scheduler& s, const std::vector<double>& values, int64_t who, double again) {
  for (size_t i = 0; i < values.size(); ++i) {
    const Json cfg = {{"lr", 0.01}, {"batch", 64}, {"layers", 2}, {"opt", "adam"}, {"model", {{"width", 64}}}};
    (void)s.on_result(snap(static_cast<int64_t>(i), TrialStatus::Running, cfg, 1), res(1, values[i]));
  }
  const Json cfg = {{"lr", 0.01}, {"batch", 64}, {"layers", 2}, {"opt", "adam"}, {"model", {{"width", 64}}}};
  return s.on_result(snap(who, TrialStatus::Running, cfg, 1), res(2, again));
}
}  // namespace

class TestPbt final : public QObject {
  Q_OBJECT
 private slots:
  void perturbationKeepsBoundsIntsStepsAndNeighbours() {
    const SearchSpace space = space_of(kSpace);
    PbtScheduler s(context(nullptr, true, "acc", &space, 3), options_for(space, 0));
    const Json cfg = {{"lr", 0.1}, {"batch", 64}, {"layers", 1}, {"opt", "sgd"}, {"model", {{"width", 64}}}};
    std::set<double> lrs;
    std::set<int64_t> batches, layers;
    std::set<std::string> opts;
    std::set<int> widths;
    for (uint64_t k = 0; k < 200; ++k) {
      Rng rng(k);
      Json changes = Json::object();
      const Json out = s.explore(cfg, rng, changes);
      lrs.insert(out["lr"].get<double>());
      QVERIFY(out["batch"].is_number_integer());
      batches.insert(out["batch"].get<int64_t>());
      layers.insert(out["layers"].get<int64_t>());
      opts.insert(out["opt"].get<std::string>());
      widths.insert(out["model"]["width"].get<int>());
      for (const auto& [name, pair] : changes.items()) {
        QVERIFY(pair[0] != pair[1]);
        QVERIFY(pair[1] == (name == "model.width" ? out["model"]["width"] : out[name]));
      }
    }
    // 0.1 * 1.2 is clamped to the bound 0.1; 0.1 * 0.8 = 0.08.
    QCOMPARE(lrs.size(), size_t(2));
    QVERIFY(std::abs(*lrs.begin() - 0.08) < 1e-12 && *lrs.rbegin() == 0.1);
    // 64 * 1.2 = 76.8 -> 80 and 64 * 0.8 = 51.2 -> 48 on the step-16 grid.
    QVERIFY((batches == std::set<int64_t>{48, 80}));
    // 1 * 0.8 rounds to 1, 1 * 1.2 to 1: integers stay integers, within [1, 8].
    QVERIFY((layers == std::set<int64_t>{1}));
    // "sgd" is first in its list: it moves to "adam" or stays; 64 moves to 32 or 128.
    QVERIFY((opts == std::set<std::string>{"sgd", "adam"}));
    QVERIFY((widths == std::set<int>{32, 128}));
  }

  void resamplingDrawsFromTheWholeSpace() {
    const SearchSpace space = space_of(kSpace);
    PbtScheduler s(context(nullptr, true, "acc", &space, 3), options_for(space, 1));
    const Json cfg = {{"lr", 0.1}, {"batch", 64}, {"layers", 1}, {"opt", "sgd"}, {"model", {{"width", 64}}}};
    std::set<std::string> opts;
    std::set<int64_t> layers;
    for (uint64_t k = 0; k < 200; ++k) {
      Rng rng(k);
      Json changes = Json::object();
      const Json out = s.explore(cfg, rng, changes);
      const double lr = out["lr"].get<double>();
      QVERIFY(lr >= 0.001 && lr <= 0.1);
      QCOMPARE(out["batch"].get<int64_t>() % 16, int64_t(0));
      opts.insert(out["opt"].get<std::string>());
      layers.insert(out["layers"].get<int64_t>());
    }
    QCOMPARE(opts.size(), size_t(3));  // "rmsprop" is not a neighbour of "sgd": only resampling reaches it
    QCOMPARE(layers.size(), size_t(8));
  }

  void bottomTrialExploitsATopTrialWithACheckpoint() {
    const SearchSpace space = space_of(kSpace);
    auto s = scheduler(R"({"type": "pbt", "perturbation_interval": 2, "resample_probability": 0})", true, "acc", &space, 9);
    // Quantiles of 8: bottom {0, 1}, top {6, 7} (values rise with the id).
    const Decision d = population_round(*s, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}, 1, 0.2);
    QCOMPARE(d.action, A::Exploit);
    QVERIFY(d.donor == 6 || d.donor == 7);
    QCOMPARE(d.details["donor"].get<int64_t>(), d.donor);
    QCOMPARE(d.details["generation"].get<int>(), 1);
    QCOMPARE(d.details["quantile_size"].get<int>(), 2);
    QVERIFY(d.details["changes"].is_object() && !d.details["changes"].empty());
    for (const auto& [name, pair] : d.details["changes"].items()) QVERIFY(pair.size() == 2);
    QVERIFY(QString::fromStdString(d.reason).startsWith(QStringLiteral("PBT: trial 1 (acc 0.2, bottom 2 of 8 trials) copies trial ")));
    // The same seed makes the same choice; the donor choice is spread over the top quantile.
    std::set<int64_t> donors;
    for (uint64_t seed = 1; seed <= 30; ++seed) {
      auto a = scheduler(R"({"type": "pbt", "perturbation_interval": 2})", true, "acc", &space, seed);
      auto b = scheduler(R"({"type": "pbt", "perturbation_interval": 2})", true, "acc", &space, seed);
      const Decision da = population_round(*a, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}, 0, 0.1);
      const Decision db = population_round(*b, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}, 0, 0.1);
      QCOMPARE(da.donor, db.donor);
      QVERIFY(da.config == db.config);
      QVERIFY(da.donor == 6 || da.donor == 7);
      donors.insert(da.donor);
    }
    QCOMPARE(donors.size(), size_t(2));
  }

  void othersContinue() {
    const SearchSpace space = space_of(kSpace);
    auto s = scheduler(R"({"type": "pbt", "perturbation_interval": 2})", true, "acc", &space);
    QCOMPARE(population_round(*s, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}, 7, 0.8).action, A::Continue);  // top
    QCOMPARE(population_round(*s, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}, 3, 0.4).action, A::Continue);  // middle
    // A result without the metric or the time is not a perturbation point.
    QCOMPARE(s->on_result(snap(0, TrialStatus::Running, Json::object(), 1), Json{{"training_iteration", 40}}).action, A::Continue);
    QCOMPARE(s->on_result(snap(0, TrialStatus::Running, Json::object(), 1), Json{{"acc", 0.0}}).action, A::Continue);
    // Before the interval has passed nothing happens, even at the bottom.
    auto t = scheduler(R"({"type": "pbt", "perturbation_interval": 5})", true, "acc", &space);
    QCOMPARE(population_round(*t, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}, 0, 0.1).action, A::Continue);
  }

  void donorsNeedACheckpoint() {
    const SearchSpace space = space_of(kSpace);
    auto s = scheduler(R"({"type": "pbt", "perturbation_interval": 1})", true, "acc", &space);
    for (int i = 0; i < 4; ++i) (void)s->on_result(snap(i, TrialStatus::Running, Json::object(), 0), res(0, 0.1 * i));
    QCOMPARE(s->on_result(snap(0, TrialStatus::Running, Json::object(), 0), res(1, 0.0)).action, A::Continue);
    // Trial 3 (top) saves a checkpoint: now trial 0 exploits it.
    (void)s->on_result(snap(3, TrialStatus::Running, Json::object(), 1), res(1, 0.3));
    const Decision d = s->on_result(snap(0, TrialStatus::Running, Json::object(), 0), res(2, 0.0));
    QCOMPARE(d.action, A::Exploit);
    QCOMPARE(d.donor, int64_t(3));
    QCOMPARE(d.details["donor_checkpoint_iteration"].get<int>(), 1);
  }

  void minModeAndNan() {
    const SearchSpace space = space_of(kSpace);
    auto s = scheduler(R"({"type": "pbt", "perturbation_interval": 2})", false, "loss", &space);
    for (int i = 0; i < 4; ++i) {
      (void)s->on_result(snap(i, TrialStatus::Running, Json::object(), 1), res(1, i == 0 ? std::nan("") : 0.1 * i, "loss"));
    }
    // Lowest loss is best: trial 1 (0.1) is the donor; trial 0 (NaN) ranks last.
    const Decision d = s->on_result(snap(0, TrialStatus::Running, Json::object(), 1), res(2, std::nan(""), "loss"));
    QCOMPARE(d.action, A::Exploit);
    QCOMPARE(d.donor, int64_t(1));
    QVERIFY(d.details["value"].is_null());
    QCOMPARE(d.details["donor_value"].get<double>(), 0.1);
    // The worst finite trial (3, loss 0.3) is bottom too once trial 0 took trial 1's score.
    QCOMPARE(s->on_result(snap(3, TrialStatus::Running, Json::object(), 1), res(2, 0.3, "loss")).action, A::Exploit);
  }

  void generationsGrowAlongTheLineage() {
    const SearchSpace space = space_of(kSpace);
    auto s = scheduler(R"({"type": "pbt", "perturbation_interval": 1, "quantile_fraction": 0.5})", true, "acc", &space);
    (void)s->on_result(snap(0, TrialStatus::Running, Json::object(), 1), res(1, 0.9));
    const Decision a = s->on_result(snap(1, TrialStatus::Running, Json::object(), 1), res(1, 0.1));
    QCOMPARE(a.action, A::Exploit);
    QCOMPARE(a.details["generation"].get<int>(), 1);
    // Trial 0 falls behind trial 1 (which now carries 0's score): it copies 1, one generation further.
    const Decision b = s->on_result(snap(0, TrialStatus::Running, Json::object(), 1), res(2, 0.0));
    QCOMPARE(b.action, A::Exploit);
    QCOMPARE(b.donor, int64_t(1));
    QCOMPARE(b.details["generation"].get<int>(), 2);
  }

  void optionErrorsNameTheirPath() {
    const SearchSpace space = space_of(kSpace);
    auto unknown = make_scheduler(context(Json::parse(R"({"type": "pbt", "hyperparam_mutations": {"momentum": {"uniform": [0, 1]}}})"), true, "acc", &space));
    QVERIFY(!unknown.ok());
    QCOMPARE(QString::fromStdString(unknown.errors()[0].where), QStringLiteral("scheduler.hyperparam_mutations.momentum"));
    auto factors = make_scheduler(context(Json::parse(R"({"type": "pbt", "perturbation_factors": [1.2, -1]})"), true, "acc", &space));
    QVERIFY(!factors.ok());
    QCOMPARE(QString::fromStdString(factors.errors()[0].where), QStringLiteral("scheduler.perturbation_factors[1]"));
    auto nothing = make_scheduler(context(Json::parse(R"({"type": "pbt"})"), true, "acc", nullptr));
    QVERIFY(!nothing.ok());
    auto quantile = make_scheduler(context(Json::parse(R"({"type": "pbt", "quantile_fraction": 0.7})"), true, "acc", &space));
    QCOMPARE(QString::fromStdString(quantile.errors()[0].where), QStringLiteral("scheduler.quantile_fraction"));
    // Mutations given as a space restrict exploring to those parameters.
    auto only_lr = make_scheduler(context(Json::parse(R"({"type": "pbt", "perturbation_interval": 2, "resample_probability": 0,
                                                           "hyperparam_mutations": {"lr": {"loguniform": [0.001, 0.1]}}})"), true, "acc", &space));
    QVERIFY2(only_lr.ok(), only_lr.error_text().c_str());
    const Decision d = population_round(**only_lr, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}, 0, 0.1);
    QCOMPARE(d.action, A::Exploit);
    QVERIFY(d.details["changes"].size() == 1 && d.details["changes"].contains("lr"));
    QCOMPARE(d.config["batch"].get<int>(), 64);
  }
};

QTEST_APPLESS_MAIN(TestPbt)
#include "test_pbt.moc"
