// Studies on fake GPUs with real trial processes: the environment a trial sees, trials waiting for room,
// release-and-start when a trial is stopped early, impossible requests, and the GPU rows in the store.
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <set>
#include <thread>

#include "core/run/controller.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace std::chrono_literals;

namespace {

// A shell trainable that reports its GPU environment, then sleeps `sleep` seconds.
Json env_spec(const Json& resources, int samples, double sleep) {
  const std::string script =
      "printf '{\"score\": 1, \"cvd\": \"%s\", \"cvd_set\": %s, \"fraction\": \"%s\", \"memory\": \"%s\"}\\n' "
      "\"$CUDA_VISIBLE_DEVICES\" \"${CUDA_VISIBLE_DEVICES+1}${CUDA_VISIBLE_DEVICES-0}\" \"$TUNELAB_GPU_FRACTION\" "
      "\"$TUNELAB_GPU_MEMORY_GB\" >&3; sleep " + std::to_string(sleep);
  return {{"name", "g"},
          {"objective", {{"metric", "score"}, {"mode", "max"}}},
          {"space", {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}}}},
          {"trainable", {{"command", {script}}, {"shell", true}}},
          {"num_samples", samples},
          {"resources_per_trial", resources},
          {"seed", 1}};
}

struct Run {
  Result<std::unique_ptr<Controller>> controller = Error{"", "not created"};
  std::string status;
};

ControllerOptions options() {
  ControllerOptions o;
  o.self_exe = TUNELAB_BIN;
  o.kill_grace = 300ms;
  o.progress_interval = 50ms;
  return o;
}

Run run(const Json& spec, const QTemporaryDir& dir, const std::function<void(Controller&)>& during = {}) {
  Run r;
  r.controller = Controller::create(tunelab::test::must_parse(spec, dir.path().toStdString()),
                                    dir.filePath(QStringLiteral("study.db")).toStdString(), options());
  if (!r.controller) return r;
  std::thread helper;
  if (during) helper = std::thread([&] { during(**r.controller); });
  auto status = (*r.controller)->run();
  if (helper.joinable()) helper.join();
  r.status = status ? *status : status.error_text();
  return r;
}

}  // namespace

class TestGpuStudy final : public QObject {
  Q_OBJECT
 private slots:
  void init() {
    qputenv("TUNELAB_FAKE_GPUS", "2x80GB");
    qputenv("TUNELAB_GPU_SAMPLE_S", "0.05");
    qunsetenv("CUDA_VISIBLE_DEVICES");
  }
  void cleanup() {
    qunsetenv("TUNELAB_FAKE_GPUS");
    qunsetenv("TUNELAB_GPU_SAMPLE_S");
    qunsetenv("CUDA_VISIBLE_DEVICES");
  }

  void trialSeesItsShare() {
    QTemporaryDir dir;
    auto r = run(env_spec({{"cpu", 0.1}, {"gpu", 0.25}, {"gpu_memory_gb", 12.5}}, 4, 0.3), dir);
    QVERIFY2(r.controller, r.controller.error_text().c_str());
    QCOMPARE(r.status, std::string("completed"));
    const auto results = *(*r.controller)->store().load_results();
    QCOMPARE(results.size(), size_t(4));
    for (const auto& res : results) {
      QCOMPARE(res.metrics["cvd"].get<std::string>(), std::string("0"));  // packed: four quarters on card 0
      QCOMPARE(res.metrics["fraction"].get<std::string>(), std::string("0.25"));
      QCOMPARE(res.metrics["memory"].get<std::string>(), std::string("12.5"));
    }
    // Every trial has its GPU use; the sampler stored readings of both cards.
    const auto usage = *(*r.controller)->store().load_trial_gpu();
    QCOMPARE(usage.size(), size_t(4));
    for (const auto& u : usage) {
      QCOMPARE(u.gpus, std::string("0"));
      // Counted from the start as the engine sees it (under load, the process may already have run a while).
      QVERIFY2(u.gpu_seconds >= 0.25 * 0.2 && u.gpu_seconds < 0.25 * 3, std::to_string(u.gpu_seconds).c_str());
      QVERIFY(u.energy_j > 0);
    }
    const auto samples = *(*r.controller)->store().load_gpu_samples();
    QVERIFY(samples.size() >= 2);
    bool saw_card1 = false;
    for (const auto& s : samples) saw_card1 = saw_card1 || s.gpu == 1;
    QVERIFY(saw_card1);
  }

  void spreadUsesBothCards() {
    QTemporaryDir dir;
    auto r = run(env_spec({{"cpu", 0.1}, {"gpu", 0.25}, {"placement", "spread"}}, 2, 0.5), dir);
    QCOMPARE(r.status, std::string("completed"));
    std::set<std::string> cards;
    const auto results = *(*r.controller)->store().load_results();
    for (const auto& res : results) cards.insert(res.metrics["cvd"].get<std::string>());
    QCOMPARE(cards, (std::set<std::string>{"0", "1"}));
  }

  void trialWithoutGpuSeesNone() {
    QTemporaryDir dir;
    auto r = run(env_spec({{"cpu", 0.1}}, 1, 0), dir);
    QCOMPARE(r.status, std::string("completed"));
    const auto res = (*(*r.controller)->store().load_results()).at(0);
    QCOMPARE(res.metrics["cvd_set"].get<int>(), 1);
    QCOMPARE(res.metrics["cvd"].get<std::string>(), std::string());
    QCOMPARE(res.metrics["fraction"].get<std::string>(), std::string());
    QVERIFY((*(*r.controller)->store().load_gpu_samples()).empty());  // no sampler for a CPU study
  }

  void trialsWaitWhenNothingFits() {
    // 50 GB each on two 80 GB cards: two at a time, the others pending until one ends.
    QTemporaryDir dir;
    auto r = run(env_spec({{"cpu", 0.1}, {"gpu", 0.1}, {"gpu_memory_gb", 50}}, 5, 0.4), dir);
    QCOMPARE(r.status, std::string("completed"));
    auto trials = *(*r.controller)->store().load_trials();
    QCOMPARE(trials.size(), size_t(5));
    std::vector<std::pair<double, int>> edges;  // +1 at each start, -1 at each end
    for (const auto& t : trials) {
      QCOMPARE(t.status, TrialStatus::Completed);
      edges.emplace_back(*t.started_at, 1);
      edges.emplace_back(*t.ended_at, -1);
    }
    std::sort(edges.begin(), edges.end());
    int running = 0, peak = 0;
    for (const auto& [ts, d] : edges) peak = std::max(peak, running += d);
    QCOMPARE(peak, 2);
  }

  void stoppedTrialFreesItsGpuAtOnce() {
    // One whole card; trial 0 would sleep 30 s. Stopping it lets trial 1 start in the same loop turn.
    qputenv("TUNELAB_FAKE_GPUS", "1x16GB");
    QTemporaryDir dir;
    const auto started = std::chrono::steady_clock::now();
    auto r = run(env_spec({{"cpu", 0.1}, {"gpu", 1}}, 2, 30), dir, [](Controller& c) {
      std::this_thread::sleep_for(500ms);
      c.stop_trial(0, "test");
      std::this_thread::sleep_for(500ms);
      c.stop_trial(1, "test");
    });
    QCOMPARE(r.status, std::string("completed"));
    QVERIFY(std::chrono::steady_clock::now() - started < 10s);
    auto trials = *(*r.controller)->store().load_trials();
    QCOMPARE(trials[0].status, TrialStatus::Stopped);
    QCOMPARE(trials[1].status, TrialStatus::Stopped);
    QVERIFY2(*trials[1].started_at >= *trials[0].ended_at - 0.01, "never both on the card");
    QVERIFY2(*trials[1].started_at - *trials[0].ended_at < 0.5,
             std::to_string(*trials[1].started_at - *trials[0].ended_at).c_str());
  }

  void gpuLoadTrainableOnFakeGpus() {
    // Fake GPUs: without a CUDA device behind card 0, gpu_load holds its time and says it did not load a GPU
    // (on a machine with one, it loads it).
    QTemporaryDir dir;
    Json spec = env_spec({{"cpu", 0.1}, {"gpu", 0.5}}, 2, 0);
    spec["trainable"] = {{"builtin", "gpu_load"}};
    spec["space"] = {{"utilization", 0.7}, {"memory_gb", 0.5}, {"seconds", 0.6}, {"interval_s", 0.2}};
    spec["objective"] = {{"metric", "elapsed_s"}, {"mode", "max"}};
    auto r = run(spec, dir);
    QCOMPARE(r.status, std::string("completed"));
    const auto results = *(*r.controller)->store().load_results();
    QCOMPARE(results.size(), size_t(6));
    const int on_gpu = results.front().metrics["on_gpu"].get<int>();
    QVERIFY(on_gpu == 0 || on_gpu == 1);
    for (const auto& res : results) {
      QCOMPARE(res.metrics["on_gpu"].get<int>(), on_gpu);
      QCOMPARE(res.metrics["utilization_target"].get<double>(), 0.7);
    }
    QVERIFY(results.back().metrics["elapsed_s"].get<double>() >= 0.55);
  }

  void impossibleRequestsFailAtCreate_data() {
    QTest::addColumn<QByteArray>("gpus");
    QTest::addColumn<QByteArray>("visible");
    QTest::addColumn<double>("gpu");
    QTest::addColumn<QString>("where");
    QTest::newRow("more cards than exist") << QByteArray("2x80GB") << QByteArray() << 3.0 << "resources_per_trial.gpu";
    QTest::newRow("all hidden") << QByteArray("2x80GB") << QByteArray("-1") << 0.5 << "resources_per_trial.gpu";
    QTest::newRow("bad fake list") << QByteArray("2xbig") << QByteArray() << 0.5 << "TUNELAB_FAKE_GPUS";
  }
  void impossibleRequestsFailAtCreate() {
    QFETCH(QByteArray, gpus);
    QFETCH(QByteArray, visible);
    QFETCH(double, gpu);
    QFETCH(QString, where);
    qputenv("TUNELAB_FAKE_GPUS", gpus);
    if (!visible.isEmpty()) qputenv("CUDA_VISIBLE_DEVICES", visible);
    QTemporaryDir dir;
    auto r = run(env_spec({{"gpu", gpu}}, 1, 0), dir);
    QVERIFY(!r.controller);
    QCOMPARE(QString::fromStdString(r.controller.errors().front().where), where);
  }

  void specValidation_data() {
    QTest::addColumn<QString>("resources");
    QTest::addColumn<QString>("where");  // empty: valid
    QTest::newRow("fraction and memory") << "{\"gpu\": 0.5, \"gpu_memory_gb\": 10, \"placement\": \"spread\"}" << "";
    QTest::newRow("whole cards") << "{\"gpu\": 2}" << "";
    QTest::newRow("1.5 cards") << "{\"gpu\": 1.5}" << "resources_per_trial.gpu";
    QTest::newRow("memory without gpu") << "{\"gpu_memory_gb\": 10}" << "resources_per_trial.gpu_memory_gb";
    QTest::newRow("zero memory") << "{\"gpu\": 0.5, \"gpu_memory_gb\": 0}" << "resources_per_trial.gpu_memory_gb";
    QTest::newRow("bad placement") << "{\"gpu\": 0.5, \"placement\": \"random\"}" << "resources_per_trial.placement";
    QTest::newRow("unknown key") << "{\"tpu\": 1}" << "resources_per_trial.tpu";
  }
  void specValidation() {
    QFETCH(QString, resources);
    QFETCH(QString, where);
    Json spec = env_spec(Json::parse(resources.toStdString()), 1, 0);
    auto s = parse_spec(spec, "/tmp");
    if (where.isEmpty()) {
      QVERIFY2(s, s.error_text().c_str());
      return;
    }
    QVERIFY(!s);
    QCOMPARE(QString::fromStdString(s.errors().front().where), where);
  }
};

QTEST_GUILESS_MAIN(TestGpuStudy)
#include "test_gpu_study.moc"
