// Tests core/trainables/digits_mlp: the data set and its split, hyperparameter validation, determinism,
// accuracy, checkpoints, and the process entry (reports, restore, exit codes) as the engine sees it.
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/trainables/digits_mlp.h"
#include "tunelab/client.hpp"

using namespace tunelab;
using namespace tunelab::trainables;

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

struct EpochResult {
  double train_loss;
  Evaluation val;
  bool operator==(const EpochResult& o) const {
    return same(train_loss, o.train_loss) && same(val.loss, o.val.loss) && same(val.accuracy, o.val.accuracy);
  }
};

std::vector<EpochResult> train(DigitsMlp& model, int epochs) {
  std::vector<EpochResult> out;
  for (int e = 0; e < epochs; ++e) {
    const double loss = model.train_epoch();
    out.push_back({loss, model.evaluate()});
  }
  return out;
}

const DigitsSplit& split() {
  static const DigitsSplit s = split_digits(load_digits().value());
  return s;
}

DigitsMlpParams params(int hidden, double dropout = 0.0, std::uint64_t seed = 7) {
  DigitsMlpParams p;
  p.hidden = hidden;
  p.dropout = dropout;
  p.seed = seed;
  return p;
}

// Runs run_digits_mlp() as the engine would start it, with only the given TUNELAB_* variables set and the report
// channel on a file; returns the exit code and the parsed report lines.
const char* const kVars[] = {"TUNELAB_CONFIG", "TUNELAB_TRIAL_DIR",    "TUNELAB_TRIAL_ID",
                             "TUNELAB_REPORT_FD", "TUNELAB_RESTORE_PATH", "TUNELAB_RESTORE_ITERATION"};

int run_trial(const QString& dir, const std::string& config, const std::optional<std::string>& restore,
              std::vector<Json>* reports) {
  for (const char* v : kVars) unsetenv(v);
  const std::string report_path = dir.toStdString() + "/reports.jsonl";
  const int fd = ::open(report_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  setenv("TUNELAB_CONFIG", config.c_str(), 1);
  setenv("TUNELAB_TRIAL_DIR", dir.toStdString().c_str(), 1);
  setenv("TUNELAB_TRIAL_ID", "5", 1);
  setenv("TUNELAB_REPORT_FD", std::to_string(fd).c_str(), 1);
  if (restore) setenv("TUNELAB_RESTORE_PATH", restore->c_str(), 1);
  const int code = run_digits_mlp();
  ::close(fd);
  for (const char* v : kVars) unsetenv(v);
  std::ifstream in(report_path);
  for (std::string line; std::getline(in, line);) reports->push_back(Json::parse(line));
  return code;
}

}  // namespace

class TestDigitsMlp final : public QObject {
  Q_OBJECT

 private slots:
  void dataSetShapeAndSplit() {
    const Result<DigitsData> data = load_digits();
    QVERIFY2(data.ok(), data.error_text().c_str());
    QCOMPARE(data->size(), 1797);
    QCOMPARE(data->features.rows(), Eigen::Index{64});
    QCOMPARE(data->features.cols(), Eigen::Index{1797});
    QVERIFY(data->features.minCoeff() >= 0.0f && data->features.maxCoeff() <= 1.0f);
    QCOMPARE(data->features.maxCoeff(), 1.0f);
    const std::set<int> labels(data->labels.begin(), data->labels.end());
    QCOMPARE(labels.size(), std::size_t{10});
    QCOMPARE(*labels.begin(), 0);
    QCOMPARE(*labels.rbegin(), 9);

    const DigitsSplit s = split_digits(*data);
    QCOMPARE(s.train.size(), 1437);
    QCOMPARE(s.validation.size(), 360);
    QCOMPARE(s.train.features.cols(), Eigen::Index{1437});
    QCOMPARE(s.validation.features.cols(), Eigen::Index{360});
    QVERIFY(s.train.labels == split_digits(*data).train.labels);  // fixed, whatever the trial
    QVERIFY(s.train.labels != std::vector<int>(data->labels.begin(), data->labels.begin() + 1437));  // shuffled
  }

  void malformedCsvIsRejected_data() {
    QTest::addColumn<QByteArray>("csv");
    QTest::addColumn<QString>("where");
    // A line of 64 pixels then a label, and `good` followed by the given lines.
    auto line = [](const char* pixel, const char* label) { return QByteArray(pixel).repeated(64).append(label); };
    const QByteArray good = line("0,", "3\n");
    auto after_good = [&](const QByteArray& rest) { return QByteArray(good).append(rest); };
    QTest::newRow("short line") << after_good("1,2,3\n") << QStringLiteral("digits.csv:2");
    QTest::newRow("pixel > 16") << line("17,", "3\n") << QStringLiteral("digits.csv:1");
    QTest::newRow("label 10") << after_good(line("0,", "10\n")) << QStringLiteral("digits.csv:2");
    QTest::newRow("extra column") << line("0,", "0,3\n") << QStringLiteral("digits.csv:1");
    QTest::newRow("not a number") << after_good(good + line("x,", "3")) << QStringLiteral("digits.csv:3");
    QTest::newRow("no samples") << QByteArray("\n\r\n") << QStringLiteral("digits.csv");
  }
  void malformedCsvIsRejected() {
    QFETCH(QByteArray, csv);
    QFETCH(QString, where);
    const Result<DigitsData> data = parse_digits_csv(std::string_view(csv.constData(), csv.size()));
    QVERIFY(!data.ok());
    QCOMPARE(qs(data.errors().front().where), where);
  }

  void paramsDefaultsAndIntegralFloats() {
    const Result<DigitsMlpParams> d = DigitsMlpParams::from_json(Json::object(), 1005);
    QVERIFY2(d.ok(), d.error_text().c_str());
    QCOMPARE(d->lr, 0.05);
    QCOMPARE(d->batch_size, 32);
    QCOMPARE(d->hidden, 64);
    QCOMPARE(d->dropout, 0.0);
    QCOMPARE(d->momentum, 0.9);
    QCOMPARE(d->weight_decay, 1e-4);
    QCOMPARE(d->epochs, 20);
    QCOMPARE(d->seed, std::uint64_t{1005});

    const auto p = DigitsMlpParams::from_json(
        Json::parse(R"({"hidden": 128.0, "batch_size": 16, "lr": 0.1, "seed": 3, "epochs": 5.0, "other": "x"})"));
    QVERIFY2(p.ok(), p.error_text().c_str());
    QCOMPARE(p->hidden, 128);
    QCOMPARE(p->batch_size, 16);
    QCOMPARE(p->lr, 0.1);
    QCOMPARE(p->seed, std::uint64_t{3});
    QCOMPARE(p->epochs, 5);
  }

  void paramsValidationNamesTheKey_data() {
    QTest::addColumn<QString>("key");
    QTest::addColumn<QByteArray>("value");
    const std::pair<const char*, const char*> cases[] = {
        {"lr", "0"},           {"lr", "-0.1"},          {"lr", "\"fast\""},       {"batch_size", "0"},
        {"batch_size", "8.5"}, {"hidden", "0"},         {"hidden", "4097"},       {"hidden", "64.5"},
        {"hidden", "true"},    {"dropout", "1"},        {"dropout", "-0.1"},      {"momentum", "1.0"},
        {"momentum", "-1"},    {"weight_decay", "-1e-3"}, {"epochs", "0"},        {"epochs", "null"},
        {"seed", "-1"},        {"seed", "1.5"}};
    for (const auto& [key, value] : cases)
      QTest::addRow("%s=%s", key, value) << QString::fromUtf8(key) << QByteArray(value);
  }
  void paramsValidationNamesTheKey() {
    QFETCH(QString, key);
    QFETCH(QByteArray, value);
    Json config = Json::object();
    config[key.toStdString()] = Json::parse(value.toStdString());
    const Result<DigitsMlpParams> p = DigitsMlpParams::from_json(config);
    QVERIFY(!p.ok());
    QCOMPARE(p.errors().size(), std::size_t{1});
    QCOMPARE(qs(p.errors().front().where), key);
  }

  void paramsValidationReportsEveryBadKey() {
    const auto p = DigitsMlpParams::from_json(Json::parse(R"({"lr": -1, "hidden": 0, "epochs": 0})"));
    QVERIFY(!p.ok());
    QCOMPARE(p.errors().size(), std::size_t{3});
    QVERIFY(!DigitsMlpParams::from_json(Json::array()).ok());
  }

  void sameSeedSameMetrics() {
    DigitsMlp a(params(32, 0.3), split());
    DigitsMlp b(params(32, 0.3), split());
    DigitsMlp c(params(32, 0.3, /*seed=*/8), split());
    const auto ra = train(a, 3);
    QVERIFY(ra == train(b, 3));
    QVERIFY(!(ra == train(c, 3)));
  }

  void reachesGoodAccuracy() {
    DigitsMlpParams p = params(128);
    p.lr = 0.05;
    p.batch_size = 32;
    p.momentum = 0.9;
    DigitsMlp model(p, split());
    const auto results = train(model, 20);
    QCOMPARE(model.epoch(), 20);
    qInfo("val_accuracy after 20 epochs: %.4f (val_loss %.4f)", results.back().val.accuracy, results.back().val.loss);
    QVERIFY(results.back().val.accuracy >= 0.95);
    QVERIFY(results.back().train_loss < results.front().train_loss);
  }

  void checkpointRoundTripContinuesExactly_data() {
    QTest::addColumn<double>("dropout");
    QTest::newRow("no dropout") << 0.0;
    QTest::newRow("dropout uses the restored RNG") << 0.25;
  }
  void checkpointRoundTripContinuesExactly() {
    QFETCH(double, dropout);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath(QStringLiteral("checkpoint.bin")).toStdString();

    DigitsMlp uninterrupted(params(48, dropout), split());
    const auto expected = train(uninterrupted, 10);

    DigitsMlp first(params(48, dropout), split());
    const auto head = train(first, 5);
    const Status saved = first.save_checkpoint(path);
    QVERIFY2(saved.ok(), saved.error_text().c_str());
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("checkpoint.bin.tmp"))));

    DigitsMlp resumed(params(48, dropout, /*seed=*/999), split());  // the checkpoint replaces all state
    const Status loaded = resumed.load_checkpoint(path);
    QVERIFY2(loaded.ok(), loaded.error_text().c_str());
    QCOMPARE(resumed.epoch(), 5);
    const auto tail = train(resumed, 5);
    QCOMPARE(resumed.epoch(), 10);
    for (int e = 0; e < 5; ++e) {
      QVERIFY(head[e] == expected[e]);
      QVERIFY2(tail[e] == expected[e + 5], qPrintable(QStringLiteral("epoch %1 differs").arg(e + 6)));
    }
  }

  void badCheckpointIsRejected() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("checkpoint.bin")).toStdString();
    DigitsMlp model(params(16), split());
    train(model, 2);
    QVERIFY(model.save_checkpoint(path).ok());
    std::string bytes;
    {
      std::ifstream in(path, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    auto write = [&](const std::string& name, const std::string& content) {
      const std::string p = dir.filePath(QString::fromStdString(name)).toStdString();
      std::ofstream(p, std::ios::binary) << content;
      return p;
    };
    std::string flipped = bytes;
    flipped[bytes.size() / 2] ^= 0x10;

    DigitsMlp fresh(params(16), split());
    const Evaluation before = fresh.evaluate();
    for (const std::string& bad : {write("flipped.bin", flipped), write("truncated.bin", bytes.substr(0, 100)),
                                   write("garbage.bin", "not a checkpoint"), write("empty.bin", ""),
                                   dir.filePath(QStringLiteral("missing.bin")).toStdString()}) {
      const Status s = fresh.load_checkpoint(bad);
      QVERIFY2(!s.ok(), bad.c_str());
      QVERIFY(!s.error_text().empty());
      QCOMPARE(fresh.epoch(), 0);  // unchanged
      QVERIFY(same(fresh.evaluate().loss, before.loss));
    }
    DigitsMlp wider(params(32), split());
    const Status mismatch = wider.load_checkpoint(path);
    QVERIFY(!mismatch.ok());
    QVERIFY2(mismatch.error_text().find("hidden") != std::string::npos, mismatch.error_text().c_str());
  }

  void processReportsCheckpointsAndRestores() {
    QTemporaryDir a, b;
    std::vector<Json> full, part1, part2;
    QCOMPARE(run_trial(a.path(), R"({"hidden": 24, "epochs": 4, "dropout": 0.1})", std::nullopt, &full), 0);
    QCOMPARE(full.size(), std::size_t{4});
    for (int e = 1; e <= 4; ++e) {
      const Json& r = full[static_cast<std::size_t>(e - 1)];
      QCOMPARE(r.at("epoch").get<int>(), e);
      QCOMPARE(r.at("training_iteration").get<int>(), e);
      QCOMPARE(qs(r.at("_checkpoint").get<std::string>()), QStringLiteral("checkpoint-%1.bin").arg(e));
      for (const char* key : {"train_loss", "val_loss", "val_accuracy"}) QVERIFY(r.at(key).is_number());
    }
    // Each epoch writes a new file and deletes none: a reported checkpoint is the engine's to delete.
    for (int e = 1; e <= 4; ++e) QVERIFY(QFile::exists(a.filePath(QStringLiteral("checkpoint-%1.bin").arg(e))));

    // Stopped after epoch 2, then restarted from its checkpoint: the later reports match the uninterrupted run.
    QCOMPARE(run_trial(b.path(), R"({"hidden": 24, "epochs": 2, "dropout": 0.1})", std::nullopt, &part1), 0);
    const std::string checkpoint = b.filePath(QStringLiteral("checkpoint-2.bin")).toStdString();
    QCOMPARE(run_trial(b.path(), R"({"hidden": 24, "epochs": 4, "dropout": 0.1})", checkpoint, &part2), 0);
    QCOMPARE(part1.size(), std::size_t{2});
    QCOMPARE(part2.size(), std::size_t{2});
    QVERIFY(part1[0] == full[0] && part1[1] == full[1]);
    QVERIFY2(part2[0] == full[2], dump_compact(part2[0]).c_str());
    QVERIFY(part2[1] == full[3]);
  }

  void processExitCodes() {
    QTemporaryDir dir;
    std::vector<Json> reports;
    QCOMPARE(run_trial(dir.path(), R"({"lr": -1})", std::nullopt, &reports), 2);
    QCOMPARE(run_trial(dir.path(), "{not json", std::nullopt, &reports), 2);
    QVERIFY(reports.empty());
    const std::string bad = dir.filePath(QStringLiteral("bad.bin")).toStdString();
    std::ofstream(bad) << "garbage";
    QCOMPARE(run_trial(dir.path(), "{}", bad, &reports), 3);
    QVERIFY(reports.empty());

    // A diverged run still reports every epoch (losses as null) and exits 0.
    QCOMPARE(run_trial(dir.path(), R"({"lr": 1e6, "epochs": 2, "hidden": 8})", std::nullopt, &reports), 0);
    QCOMPARE(reports.size(), std::size_t{2});
    QVERIFY(reports[1].at("val_loss").is_null());
    QVERIFY(reports[1].at("val_accuracy").get<double>() < 0.5);
  }

  // The trainables write a checkpoint and report it under client::HoldStop: a stop (SIGTERM) that arrives
  // between the two ends the process only once the report is out, so no checkpoint is left that the engine
  // never heard of (it deletes those it was told about). Without the hold, the same stop ends it at once.
  void aStopBetweenCheckpointAndReportWaitsForTheReport() {
    for (const bool hold : {true, false}) {
      int fds[2];
      QCOMPARE(::pipe(fds), 0);
      const pid_t pid = ::fork();
      QVERIFY(pid >= 0);
      if (pid == 0) {
        ::close(fds[0]);
        std::optional<client::HoldStop> held;
        if (hold) held.emplace();
        ::kill(::getpid(), SIGTERM);  // the engine's stop, just after the checkpoint was written
        client::write_all(fds[1], "reported\n");
        held.reset();
        ::_exit(0);
      }
      ::close(fds[1]);
      char buf[32] = {};
      const ssize_t n = ::read(fds[0], buf, sizeof buf - 1);
      ::close(fds[0]);
      int status = 0;
      QCOMPARE(::waitpid(pid, &status, 0), pid);
      QVERIFY2(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "the stop still ends the trial");
      QCOMPARE(QString::fromLatin1(buf, static_cast<int>(std::max<ssize_t>(n, 0))),
               hold ? QStringLiteral("reported\n") : QString());
    }
  }
};

QTEST_APPLESS_MAIN(TestDigitsMlp)
#include "test_digits_mlp.moc"
