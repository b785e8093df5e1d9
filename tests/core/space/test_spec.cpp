// Spec parsing: every documented mistake gives an error naming its JSON path, all at once.
#include <QTest>

#include "core/study/spec.h"
#include "support/test_util.h"

using namespace tunelab;
using tunelab::test::must_parse;
using tunelab::test::synthetic_spec;

namespace {

// The errors of a spec that must not parse.
Errors errors_of(const Json& j) {
  auto s = parse_spec(j, "/tmp");
  if (s) return {};
  return s.errors();
}

bool has_error(const Errors& errs, const std::string& where, const std::string& fragment) {
  for (const auto& e : errs) {
    if (e.where == where && e.message.find(fragment) != std::string::npos) return true;
  }
  return false;
}

std::string dump(const Errors& errs) { return join_errors(errs, " | "); }

}  // namespace

class TestSpec final : public QObject {
  Q_OBJECT
 private slots:
  void validSpecParses() {
    Json j = synthetic_spec({{"search", {{"type", "random"}, {"seed", 7}}},
                             {"scheduler", {{"type", "fifo"}}},
                             {"stop", {{"training_iteration", 5}, {"score", 0.9}, {"time_budget_s", 60}}},
                             {"max_concurrent", 3},
                             {"max_failures", 2},
                             {"trial_timeout_s", 30}});
    auto s = parse_spec(j, "/tmp");
    QVERIFY2(s.ok(), s.error_text().c_str());
    QCOMPARE(s->name, std::string("t"));
    QCOMPARE(s->objective.metric, std::string("score"));
    QVERIFY(s->objective.maximize);
    QCOMPARE(s->num_samples, int64_t(4));
    QCOMPARE(s->max_concurrent, int64_t(3));
    QCOMPARE(s->max_failures, int64_t(2));
    QCOMPARE(*s->trial_timeout_s, 30.0);
    QCOMPARE(*s->stop.training_iteration, int64_t(5));
    QCOMPARE(s->stop.thresholds.at("score"), 0.9);
    QCOMPARE(*s->stop.time_budget_s, 60.0);
    QCOMPARE(s->search["seed"].get<int>(), 7);
    QCOMPARE(s->trainable.builtin, std::string("synthetic"));
    QCOMPARE(s->trainable.cwd, std::string("/tmp"));
  }

  void checkpointKeep() {
    QCOMPARE(must_parse(synthetic_spec()).checkpoint_keep, int64_t(2));  // the default
    QCOMPARE(must_parse(synthetic_spec({{"checkpoint", {{"keep", 5}}}})).checkpoint_keep, int64_t(5));
  }

  void commandTrainable() {
    Json j = synthetic_spec({{"trainable", {{"command", {"python3", "train.py"}}, {"cwd", "sub"}, {"env", {{"A", "1"}}}}}});
    auto s = parse_spec(j, "/base");
    QVERIFY2(s.ok(), s.error_text().c_str());
    QCOMPARE(s->trainable.command, (std::vector<std::string>{"python3", "train.py"}));
    QCOMPARE(s->trainable.cwd, std::string("/base/sub"));
    QCOMPARE(s->trainable.env.at("A"), std::string("1"));
  }

  void errorCases_data() {
    QTest::addColumn<QString>("patch");  // JSON merged over a valid spec
    QTest::addColumn<QString>("where");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("unknown top key") << R"({"num_sample": 3})" << "num_sample" << "unknown key";
    QTest::newRow("unknown param type") << R"({"space": {"x": {"type": "floaty", "low": 0, "high": 1}}})"
                                        << "space.x.type" << "unknown parameter type";
    QTest::newRow("unknown param key") << R"({"space": {"x": {"type": "float", "low": 0, "high": 1, "hgih": 2}}})"
                                       << "space.x.hgih" << "unknown key";
    QTest::newRow("missing type") << R"({"space": {"x": {"low": 0, "high": 1}}})" << "space.x" << "missing \"type\"";
    QTest::newRow("low >= high") << R"({"space": {"x": {"type": "float", "low": 1, "high": 1}}})" << "space.x"
                                 << "must be less than high";
    QTest::newRow("log low <= 0") << R"({"space": {"x": {"type": "float", "low": 0, "high": 1, "log": true}}})"
                                  << "space.x.low" << "log scale needs low > 0";
    QTest::newRow("step > range") << R"({"space": {"x": {"type": "float", "low": 0, "high": 1, "step": 2}}})"
                                  << "space.x.step" << "larger than the range";
    QTest::newRow("step <= 0") << R"({"space": {"x": {"type": "int", "low": 0, "high": 10, "step": 0}}})"
                               << "space.x.step" << "must be positive";
    QTest::newRow("int bound not integer") << R"({"space": {"x": {"type": "int", "low": 0.5, "high": 10}}})"
                                           << "space.x.low" << "must be an integer";
    QTest::newRow("empty choice") << R"({"space": {"x": {"type": "choice", "values": []}}})" << "space.x.values"
                                  << "non-empty";
    QTest::newRow("empty shorthand choice") << R"({"space": {"x": {"choice": []}}})" << "space.x.choice" << "non-empty";
    QTest::newRow("condition on missing parent")
        << R"({"space": {"x": {"type": "float", "low": 0, "high": 1, "when": {"opt": "sgd"}}}})" << "space.x.when.opt"
        << "missing parameter";
    QTest::newRow("condition value impossible")
        << R"({"space": {"opt": {"choice": ["sgd", "adam"]}, "x": {"type": "float", "low": 0, "high": 1, "when": {"opt": "rmsprop"}}}})"
        << "space.x.when.opt" << "can never take the value \"rmsprop\"";
    QTest::newRow("num_samples < 1") << R"({"num_samples": 0})" << "num_samples" << "must be >= 1";
    QTest::newRow("trainable neither") << R"({"trainable": {"cwd": "."}})" << "trainable"
                                       << "neither a builtin nor a command";
    QTest::newRow("unknown builtin") << R"({"trainable": {"builtin": "nope"}})" << "trainable.builtin"
                                     << "unknown builtin trainable";
    QTest::newRow("command not strings") << R"({"trainable": {"command": ["python3", 3]}})" << "trainable.command[1]"
                                         << "must be a string";
    // Linux refuses to start a program with one argument or environment entry of 128 KiB or more.
    const QString big = QString(131072, QLatin1Char('x'));
    QTest::newRow("argument too long") << QStringLiteral(R"({"trainable": {"command": ["python3", "%1"]}})").arg(big)
                                       << "trainable.command[1]" << "is 131072 bytes; a program can be given at most 131071";
    QTest::newRow("shell line too long") << QStringLiteral(R"({"trainable": {"command": "%1", "shell": true}})").arg(big)
                                         << "trainable.command" << "write it to a file";
    QTest::newRow("env value too long") << QStringLiteral(R"({"trainable": {"command": ["true"], "env": {"BIG": "%1"}}})")
                                               .arg(big.left(131068))
                                        << "trainable.env.BIG" << "is 131072 bytes";
    QTest::newRow("unknown searcher") << R"({"search": {"type": "magic"}})" << "search.type" << "unknown type";
    QTest::newRow("unknown searcher option") << R"({"search": {"type": "random", "sede": 3}})" << "search.sede"
                                             << "unknown option";
    QTest::newRow("unknown scheduler") << R"({"scheduler": {"type": "asha2"}})" << "scheduler.type" << "unknown type";
    QTest::newRow("bad mode") << R"({"objective": {"metric": "score", "mode": "up"}})" << "objective.mode"
                              << "\"max\" or \"min\"";
    QTest::newRow("bad resource") << R"({"resources_per_trial": {"cpu": -1}})" << "resources_per_trial.cpu"
                                  << "non-negative";
    QTest::newRow("bad stop threshold") << R"({"stop": {"score": "high"}})" << "stop.score" << "must be a number";
    QTest::newRow("grid search continuous")
        << R"({"search": {"type": "grid"}})" << "space.x" << "grid search needs a finite set";
    QTest::newRow("randint empty range") << R"({"space": {"x": {"randint": [3, 3]}}})" << "space.x.randint"
                                         << "must be less than upper";
    QTest::newRow("conditional grid")
        << R"({"space": {"opt": {"choice": ["a", "b"]}, "g": {"type": "grid", "values": [1, 2], "when": {"opt": "a"}}}})"
        << "space.g.when" << "cannot be conditional";
    QTest::newRow("shorthand arity") << R"({"space": {"x": {"uniform": [1]}}})" << "space.x.uniform" << "expects";
    QTest::newRow("checkpoint keep 0") << R"({"checkpoint": {"keep": 0}})" << "checkpoint.keep" << "must be >= 1";
    QTest::newRow("checkpoint keep text") << R"({"checkpoint": {"keep": "2"}})" << "checkpoint.keep" << "must be an integer";
    QTest::newRow("checkpoint unknown key") << R"({"checkpoint": {"kep": 2}})" << "checkpoint.kep" << "did you mean";
    QTest::newRow("checkpoint not object") << R"({"checkpoint": 3})" << "checkpoint" << "must be an object";
  }
  void errorCases() {
    QFETCH(QString, patch);
    QFETCH(QString, where);
    QFETCH(QString, fragment);
    Json j = synthetic_spec(Json::parse(patch.toStdString()));
    const Errors errs = errors_of(j);
    QVERIFY2(!errs.empty(), "the spec should have been rejected");
    QVERIFY2(has_error(errs, where.toStdString(), fragment.toStdString()), dump(errs).c_str());
  }

  void reportsEveryErrorAtOnce() {
    Json j = Json::parse(R"({
      "name": "",
      "objective": {"metric": "acc", "mode": "sideways"},
      "space": {"a": {"type": "float", "low": 2, "high": 1}, "b": {"type": "choice", "values": []}},
      "trainable": {},
      "num_samples": 0
    })");
    const Errors errs = errors_of(j);
    QVERIFY2(errs.size() >= 6, dump(errs).c_str());
    QVERIFY(has_error(errs, "name", "non-empty"));
    QVERIFY(has_error(errs, "objective.mode", "max"));
    QVERIFY(has_error(errs, "space.a", "less than high"));
    QVERIFY(has_error(errs, "space.b.values", "non-empty"));
    QVERIFY(has_error(errs, "trainable", "neither"));
    QVERIFY(has_error(errs, "num_samples", ">= 1"));
  }

  void jsonSyntaxErrorNamesLine() {
    auto r = parse_json_text("{\n  \"name\": \"x\",\n  \"space\": {,}\n}", "spec.json");
    QVERIFY(!r.ok());
    QVERIFY2(r.errors()[0].where.rfind("spec.json:3:", 0) == 0, r.error_text().c_str());
  }

  void rayShorthand_data() {
    QTest::addColumn<QString>("def");
    QTest::addColumn<QString>("canonical");
    QTest::newRow("uniform") << R"({"uniform": [0, 2]})" << R"({"type":"float","low":0,"high":2})";
    QTest::newRow("quniform") << R"({"quniform": [0, 2, 0.5]})" << R"({"type":"float","low":0,"high":2,"step":0.5})";
    QTest::newRow("loguniform") << R"({"loguniform": [0.0001, 0.1]})"
                                << R"({"type":"float","low":0.0001,"high":0.1,"log":true})";
    QTest::newRow("qloguniform") << R"({"qloguniform": [0.001, 1, 0.001]})"
                                 << R"({"type":"float","low":0.001,"high":1,"log":true,"step":0.001})";
    QTest::newRow("randn") << R"({"randn": [1, 2]})" << R"({"type":"normal","mean":1.0,"sd":2.0})";
    QTest::newRow("qrandn") << R"({"qrandn": [0, 1, 0.5]})" << R"({"type":"normal","mean":0.0,"sd":1.0,"step":0.5})";
    // randint's upper bound is exclusive, qrandint's inclusive, as in Ray Tune.
    QTest::newRow("randint") << R"({"randint": [1, 10]})" << R"({"type":"int","low":1,"high":9})";
    QTest::newRow("qrandint") << R"({"qrandint": [0, 10, 2]})" << R"({"type":"int","low":0,"high":10,"step":2})";
    QTest::newRow("lograndint") << R"({"lograndint": [1, 100]})" << R"({"type":"int","low":1,"high":99,"log":true})";
    QTest::newRow("qlograndint") << R"({"qlograndint": [1, 100, 1]})"
                                 << R"({"type":"int","low":1,"high":100,"log":true,"step":1})";
    QTest::newRow("choice") << R"({"choice": ["a", 2, null]})" << R"({"type":"choice","values":["a",2,null]})";
    QTest::newRow("grid_search") << R"({"grid_search": [1, 2]})" << R"({"type":"grid","values":[1,2]})";
  }
  void rayShorthand() {
    QFETCH(QString, def);
    QFETCH(QString, canonical);
    Json space = {{"p", Json::parse(def.toStdString())}};
    auto s = parse_space(space);
    QVERIFY2(s.ok(), s.error_text().c_str());
    const Json actual = s->params()[0].to_json(), expected = Json::parse(canonical.toStdString());
    QVERIFY2(actual == expected, (dump_compact(actual) + " != " + dump_compact(expected)).c_str());
  }

  // Group members named like a definition's keys ("type", "low", ...) are given as definitions, so that a config
  // such as {"model": {"type": "resnet"}} has a space; a definition's key with a plain value is still an error.
  void groupMembersNamedLikeDefinitionKeys() {
    Json space = Json::parse(R"({
      "model": {"type": {"type": "choice", "values": ["resnet", "vit"]}, "depth": {"type": "int", "low": 2, "high": 8}},
      "opt": {"low": {"type": "const", "value": 1}, "high": {"type": "float", "low": 2, "high": 3}}
    })");
    auto s = parse_space(space);
    QVERIFY2(s.ok(), s.error_text().c_str());
    QCOMPARE(s->find("model.type")->type, ParamType::Choice);
    QCOMPARE(s->find("opt.low")->type, ParamType::Const);
    QCOMPARE(s->find("opt.high")->type, ParamType::Float);
    auto bad = parse_space(Json::parse(R"({"opt": {"low": 1, "high": {"type": "float", "low": 2, "high": 3}}})"));
    QVERIFY(!bad.ok());
    QVERIFY2(bad.error_text().find("space.opt: missing \"type\"") != std::string::npos, bad.error_text().c_str());
  }

  void nestedGroupsConstantsAndConditions() {
    Json space = Json::parse(R"({
      "optimizer": {"choice": ["sgd", "adam"]},
      "model": {"depth": {"type": "int", "low": 2, "high": 8}, "act": "relu"},
      "momentum": {"type": "float", "low": 0, "high": 0.99, "when": {"optimizer": "sgd"}},
      "opt2": {"inner": {"choice": [1, 2]}, "dep": {"type": "const", "value": 5, "when": {"inner": [2]}}}
    })");
    auto s = parse_space(space);
    QVERIFY2(s.ok(), s.error_text().c_str());
    QVERIFY(s->find("model.depth") != nullptr);
    QCOMPARE(s->find("model.act")->type, ParamType::Const);
    QCOMPARE(s->find("momentum")->when[0].parent, std::string("optimizer"));
    // A sibling's short name resolves inside its group.
    QCOMPARE(s->find("opt2.dep")->when[0].parent, std::string("opt2.inner"));
    FlatConfig flat{{"optimizer", "adam"}};
    QVERIFY(!s->is_active(*s->find("momentum"), flat));
    flat["optimizer"] = "sgd";
    QVERIFY(s->is_active(*s->find("momentum"), flat));
    const Json cfg = s->to_config({{"model.depth", 3}, {"model.act", "relu"}});
    QCOMPARE(cfg["model"]["depth"].get<int>(), 3);
    QCOMPARE(s->flatten(cfg).size(), size_t(2));
  }

  void conditionCycleRejected() {
    Json space = Json::parse(R"({
      "a": {"type": "choice", "values": [1, 2], "when": {"b": 1}},
      "b": {"type": "choice", "values": [1, 2], "when": {"a": 1}}
    })");
    auto s = parse_space(space);
    QVERIFY(!s.ok());
    QVERIFY2(s.error_text().find("cycle") != std::string::npos, s.error_text().c_str());
  }

  void loadSpecFileErrorsNameTheFile() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("bad.json"));
    test::write_file(path, R"({"name": "x", "num_samples": -1})");
    auto s = load_spec_file(path.toStdString());
    QVERIFY(!s.ok());
    QVERIFY2(s.error_text().find(path.toStdString() + ": num_samples") != std::string::npos, s.error_text().c_str());
    auto missing = load_spec_file(dir.filePath(QStringLiteral("nope.json")).toStdString());
    QVERIFY(!missing.ok());
    QVERIFY(missing.error_text().find("cannot read") != std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestSpec)
#include "test_spec.moc"
