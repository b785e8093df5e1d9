// The report channel: lines split across reads, malformed and over-long lines ignored, never a crash.
#include <QTest>

#include <chrono>
#include <functional>

#include "core/exec/report_parser.h"
#include "core/util/json_read.h"
#include "support/timing.h"

using namespace tunelab;
using test::best_of_three;

namespace {

// {"k0": 0, "k1": 1, ...}
std::string object_of(size_t keys, const std::string& prefix = "k") {
  std::string s = "{";
  for (size_t i = 0; i < keys; ++i) s += (i ? ", \"" : "\"") + prefix + std::to_string(i) + "\": " + std::to_string(i);
  return s + "}";
}

// {"a": [0, 1, ...]} padded to `bytes`: the same size as a many-key line, but parsed in linear time by any
// parser (array elements are appended, never searched).
std::string array_line_of(size_t bytes) {
  std::string s = "{\"a\": [0";
  for (size_t i = 1; s.size() + 16 < bytes; ++i) s += ", " + std::to_string(i);
  return s + "]}";
}

}  // namespace

class TestReportParser final : public QObject {
  Q_OBJECT
 private slots:
  void splitsAcrossReads() {
    ReportParser p;
    auto a = p.feed("{\"a\": 1}\n{\"b\"");
    QCOMPARE(a.size(), size_t(1));
    QVERIFY(a[0].ok);
    QCOMPARE(a[0].report["a"].get<int>(), 1);
    auto b = p.feed(": 2}\n");
    QCOMPARE(b.size(), size_t(1));
    QCOMPARE(b[0].report["b"].get<int>(), 2);
  }

  void malformedLinesBecomeErrors_data() {
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("not json") << QByteArray("loss=0.3") << QStringLiteral("not valid JSON");
    QTest::newRow("truncated") << QByteArray("{\"loss\": 0.") << QStringLiteral("not valid JSON");
    QTest::newRow("array") << QByteArray("[1, 2]") << QStringLiteral("must be a JSON object");
    QTest::newRow("number") << QByteArray("42") << QStringLiteral("must be a JSON object");
    QTest::newRow("binary") << QByteArray("\x01\x02\xff{", 4) << QStringLiteral("not valid JSON");
    // The JSON parser took a NUL for the end of the line and accepted {"loss": 1} without a word.
    QTest::newRow("NUL after a report") << QByteArray("{\"loss\": 1}\0{\"x\": 2}", 22) << QStringLiteral("not valid JSON");
  }
  void malformedLinesBecomeErrors() {
    QFETCH(QByteArray, line);
    QFETCH(QString, fragment);
    ReportParser p;
    auto items = p.feed(std::string(line.constData(), static_cast<size_t>(line.size())) + "\n{\"ok\": true}\n");
    QCOMPARE(items.size(), size_t(2));
    QVERIFY(!items[0].ok);
    QVERIFY2(items[0].error.find(fragment.toStdString()) != std::string::npos, items[0].error.c_str());
    QVERIFY(items[1].ok);  // the channel keeps working after a bad line
  }

  // A number too large for a double (1e999) used to make the whole line "not valid JSON"; it is kept as null, with
  // the other keys, and the note names the key.
  void numberOutOfRangeKeepsTheOtherKeys() {
    auto item = parse_report_line(R"({"loss": 0.25, "big": 1e999, "neg": [-2E+400], "s": "1e999", "ok": 12})");
    QVERIFY2(item.ok, item.error.c_str());
    QCOMPARE(item.report["loss"].get<double>(), 0.25);
    QVERIFY(item.report["big"].is_null());
    QVERIFY(item.report["neg"][0].is_null());
    QCOMPARE(item.report["s"].get<std::string>(), std::string("1e999"));  // strings are not numbers
    QCOMPARE(item.report["ok"].get<int>(), 12);
    QVERIFY2(item.error.find("number out of range") != std::string::npos, item.error.c_str());
    QVERIFY2(item.error.find("\"big\", \"neg\"") != std::string::npos, item.error.c_str());
    // With NaN in the same line, both notes are given.
    auto both = parse_report_line(R"({"a": NaN, "b": 1e999, "c": 1})");
    QVERIFY2(both.ok, both.error.c_str());
    QVERIFY2(both.error.find("NaN or Infinity") != std::string::npos && both.error.find("out of range") != std::string::npos,
             both.error.c_str());
    // A huge integer written out in digits overflows the same way.
    auto digits = parse_report_line("{\"n\": " + std::string(400, '9') + "}");
    QVERIFY2(digits.ok, digits.error.c_str());
    QVERIFY(digits.report["n"].is_null());
  }

  void errorsQuoteBytesAsAsciiEscapes() {
    // The reason is logged and stored as JSON text: invalid UTF-8 from the trial must not reach it.
    auto item = parse_report_line(std::string("\xff\xfe{\"a\": 1", 9));
    QVERIFY(!item.ok);
    QVERIFY2(item.error.find("\\xff\\xfe{") != std::string::npos, item.error.c_str());
    for (char c : item.error) QVERIFY(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f);
    const std::string long_line = std::string(200, 'x');
    QVERIFY(parse_report_line(long_line).error.find(std::string(80, 'x') + "...") != std::string::npos);
  }

  // Names in the note on non-finite values are quoted as JSON strings: control bytes escaped, bytes that are not
  // UTF-8 replaced, at most 80 bytes each (the note is logged and stored as JSON text).
  void nonFiniteNoteQuotesNamesAsJson() {
    auto item = parse_report_line("{\"k\\u00e9\\u0001y\": NaN, \"" + std::string(200, 'n') + "\": NaN, \"ok\": 1}");
    QVERIFY2(item.ok, item.error.c_str());
    QVERIFY2(item.error.find("stored as null: \"k\xc3\xa9\\u0001y\", \"" + std::string(80, 'n') + "...\"") != std::string::npos,
             item.error.c_str());
    QVERIFY(item.error.find(std::string(81, 'n')) == std::string::npos);
    (void)Json(item.error).dump();  // valid UTF-8, or this throws
  }

  void blankLinesAndCrlfAreFine() {
    ReportParser p;
    auto items = p.feed("\n  \n{\"a\": 1}\r\n");
    QCOMPARE(items.size(), size_t(1));
    QVERIFY(items[0].ok);
  }

  void overlongLineDroppedUpToNewline() {
    ReportParser p;
    std::string big(ReportParser::kMaxLine + 10, 'x');
    auto items = p.feed(big.substr(0, 600000));
    items = p.feed(big.substr(600000));
    QCOMPARE(items.size(), size_t(1));
    QVERIFY(!items[0].ok);
    QVERIFY(items[0].error.find("1 MiB") != std::string::npos);
    items = p.feed("more junk of the same line\n{\"after\": 1}\n");
    QCOMPARE(items.size(), size_t(1));
    QVERIFY(items[0].ok);
    QCOMPARE(items[0].report["after"].get<int>(), 1);
  }

  void deepNestingRefusedBeforeParsing() {
    ReportParser p;
    const std::string deep = "{\"x\": " + std::string(100000, '[') + std::string(100000, ']') + "}\n";
    auto items = p.feed(deep);
    QCOMPARE(items.size(), size_t(1));
    QVERIFY(!items[0].ok);
    QVERIFY2(items[0].error.find("nested deeper") != std::string::npos, items[0].error.c_str());
    // Brackets inside strings do not count; moderate nesting is fine.
    items = p.feed("{\"s\": \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\", \"a\": [[[1]]]}\n");
    QCOMPARE(items.size(), size_t(1));
    QVERIFY2(items[0].ok, items[0].error.c_str());
  }

  void keysPerReportAreCapped() {
    // Up to the limit, counting the keys of nested objects, a report is kept.
    std::string at_limit = object_of(ReportParser::kMaxKeys - 2);
    at_limit.insert(at_limit.size() - 1, ", \"nested\": {\"x\": 1}");  // two more keys: one outer, one inner
    auto ok = parse_report_line(at_limit);
    QVERIFY2(ok.ok, ok.error.c_str());
    QCOMPARE(ok.report.size(), ReportParser::kMaxKeys - 1);
    // One more key, at any level, and the report is refused with the reason.
    for (const std::string& line : {object_of(ReportParser::kMaxKeys + 1),
                                    "{\"a\": " + object_of(ReportParser::kMaxKeys) + "}",
                                    "{\"list\": [" + object_of(600) + ", " + object_of(401) + "]}"}) {
      auto item = parse_report_line(line);
      QVERIFY(!item.ok);
      QVERIFY2(item.error.find("more than 1000 keys") != std::string::npos, item.error.c_str());
    }
    // A repeated key counts each time it is written: the work is bounded by what the trial sends.
    std::string repeated = "{";
    for (size_t i = 0; i <= ReportParser::kMaxKeys; ++i) repeated += (i ? ", " : "") + std::string("\"k\": 1");
    QVERIFY(!parse_report_line(repeated + "}").ok);
    // Through the channel, like any refused line: the next line is read.
    ReportParser p;
    auto items = p.feed(object_of(5000) + "\n{\"after\": 1}\n");
    QCOMPARE(items.size(), size_t(2));
    QVERIFY(!items[0].ok);
    QVERIFY(items[1].ok);
  }

  void repeatedKeysKeepFirstPlaceAndLastValue() {
    // As Json::parse does: small objects (found by scanning) and large ones (found through a hash index).
    for (size_t extra : {size_t(0), size_t(100)}) {
      std::string line = object_of(extra, "x");
      line.insert(line.size() - 1, std::string(extra ? ", " : "") + R"("b": 1, "a": 2, "b": 3, "c": {"d": 1, "d": [4]})");
      auto item = parse_report_line(line);
      QVERIFY2(item.ok, item.error.c_str());
      QCOMPARE(item.report.dump(), Json::parse(line).dump());
      QCOMPARE(item.report.size(), extra + 3);
      QCOMPARE(item.report.begin().key(), extra ? std::string("x0") : std::string("b"));
      QCOMPARE(item.report["b"].get<int>(), 3);
      QCOMPARE(item.report["c"].dump(), std::string(R"({"d":[4]})"));
    }
  }

  void authorOrderIsKept() {
    const std::string line = R"({"zeta": 1, "alpha": {"z": 1, "a": [{"y": 1, "b": 2}]}, "mid": null, "beta": "s"})";
    auto item = parse_report_line(line);
    QVERIFY(item.ok);
    QCOMPARE(item.report.dump(), std::string(R"({"zeta":1,"alpha":{"z":1,"a":[{"y":1,"b":2}]},"mid":null,"beta":"s"})"));
    // And so is the order of a large object's keys.
    const Json big = read_json(object_of(5000)).value;
    size_t i = 0;
    for (auto it = big.begin(); it != big.end(); ++it, ++i) QCOMPARE(it.key(), "k" + std::to_string(i));
    QCOMPARE(i, size_t(5000));
  }

  void readJsonMatchesJsonParse_data() {
    QTest::addColumn<QString>("text");
    for (const char* t : {"{}", "[]", "null", "1", "-2", "18446744073709551615", "1.5e3", "\"s\"", "[1, [2, {}], {\"a\": [true, false]}]",
                          R"({"a": {"b": {"c": []}}, "e": "\u00e9", "f": -0.0})"}) {
      QTest::newRow(t) << QString::fromUtf8(t);
    }
  }
  void readJsonMatchesJsonParse() {
    QFETCH(QString, text);
    const std::string s = text.toStdString();
    const JsonRead r = read_json(s);
    QVERIFY2(r.ok(), r.error.c_str());
    QVERIFY(r.value == Json::parse(s));
    QCOMPARE(r.value.dump(), Json::parse(s).dump());
  }

  void readJsonLimitsAndErrors() {
    QCOMPARE(read_json("{\"a\": 1,}").outcome, JsonRead::Outcome::Syntax);
    QVERIFY(read_json("{\"a\": 1,}").value.is_discarded());
    QCOMPARE(read_json("{} x").outcome, JsonRead::Outcome::Syntax);
    QCOMPARE(read_json("").outcome, JsonRead::Outcome::Syntax);
    QCOMPARE(read_json(object_of(3), {2, 10}).outcome, JsonRead::Outcome::TooManyKeys);
    QCOMPARE(read_json(object_of(2), {2, 10}).outcome, JsonRead::Outcome::Ok);
    QCOMPARE(read_json("[[[1]]]", {10, 2}).outcome, JsonRead::Outcome::TooDeep);
    QCOMPARE(read_json("[[1]]", {10, 2}).outcome, JsonRead::Outcome::Ok);
    QCOMPARE(read_json(std::string(1000000, '[')).outcome, JsonRead::Outcome::Syntax);  // no recursion, no crash
  }

  void manyKeysCostLikeAnArrayOfTheSameSize() {
    // A complexity check rather than a race against the clock: a line of 60,000 keys is compared with a line of
    // the same size whose values sit in one array (linear for any parser). Inserting each key with a search
    // through the keys before it (Json::parse on an ordered Json) makes the keys ~100x slower than the array;
    // read_json stays within a small factor, and a report that long is refused after the limit's key.
    const std::string keys = object_of(60000);
    const std::string array = array_line_of(keys.size());
    const double t_array = best_of_three([&] { QVERIFY(read_json(array).ok()); });
    const double t_keys = best_of_three([&] { QCOMPARE(read_json(keys).value.size(), size_t(60000)); });
    QVERIFY2(t_keys < 10 * t_array + 0.005,
             qPrintable(QStringLiteral("60,000 keys: %1 s; an array of the same size: %2 s").arg(t_keys).arg(t_array)));
    const double t_report = best_of_three([&] { QVERIFY(!parse_report_line(keys).ok); });
    const double t_array_report = best_of_three([&] { QVERIFY(parse_report_line(array).ok); });
    QVERIFY2(t_report < 3 * t_array_report + 0.005,
             qPrintable(QStringLiteral("a 60,000-key report: %1 s; an array report of the same size: %2 s").arg(t_report).arg(t_array_report)));
  }

  void finalLineWithoutNewline() {
    ReportParser p;
    QVERIFY(p.feed("{\"last\": 3}").empty());
    auto items = p.finish();
    QCOMPARE(items.size(), size_t(1));
    QCOMPARE(items[0].report["last"].get<int>(), 3);
  }
};

QTEST_APPLESS_MAIN(TestReportParser)
#include "test_report_parser.moc"
