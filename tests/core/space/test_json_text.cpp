// Reading spec text: syntax errors at line:column, duplicate keys and deep nesting refused with their place,
// and "did you mean" for misspelt names.
#include <QTemporaryDir>
#include <QTest>

#include "core/study/spec.h"
#include "core/util/suggest.h"

using namespace tunelab;

namespace {

std::string where_of(const Result<Json>& r) { return r.ok() ? std::string("(ok)") : r.errors().front().where; }
std::string message_of(const Result<Json>& r) { return r.ok() ? std::string() : r.errors().front().message; }

}  // namespace

class TestJsonText final : public QObject {
  Q_OBJECT
 private slots:
  void syntaxErrorsNameLineAndColumn_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("where");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("missing comma") << QStringLiteral("{\n  \"a\": 1\n  \"b\": 2\n}") << QStringLiteral("f:3:5")
                                   << QStringLiteral("expected '}'");
    QTest::newRow("number overflow") << QStringLiteral("{\"a\":\n [1, 1e400]}") << QStringLiteral("f:2:6")
                                     << QStringLiteral("number overflow parsing '1e400'");
    QTest::newRow("first byte") << QStringLiteral("x") << QStringLiteral("f:1:1") << QStringLiteral("invalid literal");
    QTest::newRow("empty") << QString() << QStringLiteral("f") << QStringLiteral("the file is empty");
    QTest::newRow("blank") << QStringLiteral(" \n\t") << QStringLiteral("f") << QStringLiteral("the file is empty");
  }
  void syntaxErrorsNameLineAndColumn() {
    QFETCH(QString, text);
    QFETCH(QString, where);
    QFETCH(QString, fragment);
    auto r = parse_json_text(text.toStdString(), "f");
    QVERIFY(!r.ok());
    QCOMPARE(QString::fromStdString(where_of(r)), where);
    QVERIFY2(message_of(r).find(fragment.toStdString()) != std::string::npos, message_of(r).c_str());
  }

  void binaryIsQuotedAsEscapes() {
    auto r = parse_json_text(std::string("{\"a\": \"\xff\xfe\"}"), "f");
    QVERIFY(!r.ok());
    const std::string m = message_of(r);
    QVERIFY2(m.find("\\xff") != std::string::npos, m.c_str());
    for (char c : m) QVERIFY(static_cast<unsigned char>(c) < 0x80);
  }

  void duplicateKeysNameTheirPath() {
    auto r = parse_json_text("{\"a\": 1, \"o\": [{\"m\": 1}, {\"m\": 2, \"m\": 3}], \"a\": 2}", "f");
    QVERIFY(!r.ok());
    QCOMPARE(r.errors().size(), size_t(2));
    QCOMPARE(QString::fromStdString(r.errors()[0].where), QStringLiteral("f: o[1].m"));
    QCOMPARE(QString::fromStdString(r.errors()[1].where), QStringLiteral("f: a"));
    QVERIFY(r.errors()[0].message.find("duplicate key") != std::string::npos);
    // The same key in different objects is fine.
    QVERIFY(parse_json_text("{\"a\": {\"x\": 1}, \"b\": {\"x\": 1}, \"c\": [{\"x\": 1}, {\"x\": 2}]}", "f").ok());
  }

  void deepNestingIsRefusedWhereItStarts() {
    const std::string ok = std::string(64, '[') + std::string(64, ']');
    QVERIFY(parse_json_text(ok, "f").ok());
    const std::string deep = "{\"a\":\n" + std::string(100000, '[') + std::string(100000, ']') + "}";
    auto r = parse_json_text(deep, "f");
    QVERIFY(!r.ok());
    QCOMPARE(QString::fromStdString(where_of(r)), QStringLiteral("f:2:64"));
    QVERIFY(message_of(r).find("nested deeper than 64") != std::string::npos);
    // Brackets inside strings do not count.
    QVERIFY(parse_json_text("[\"" + std::string(1000, '[') + "\"]", "f").ok());
  }

  void utf16IsNamed() {
    auto r = parse_json_text(std::string("\xff\xfe{\0}\0", 6), "f");
    QVERIFY(!r.ok());
    QVERIFY(message_of(r).find("UTF-16") != std::string::npos);
  }

  void onlyRegularFilesAreRead() {
    QTemporaryDir dir;
    auto r = load_spec_file(dir.path().toStdString());
    QVERIFY(!r.ok());
    QVERIFY2(r.error_text().find("is a directory") != std::string::npos, r.error_text().c_str());
    r = load_spec_file("/dev/zero");  // would never end
    QVERIFY(!r.ok());
    QVERIFY2(r.error_text().find("not a regular file") != std::string::npos, r.error_text().c_str());
    r = load_spec_file(dir.filePath(QStringLiteral("none.json")).toStdString());
    QVERIFY(!r.ok());
    QVERIFY2(r.error_text().find("cannot read") != std::string::npos, r.error_text().c_str());
  }

  void suggestionsForTypos_data() {
    QTest::addColumn<QString>("word");
    QTest::addColumn<QString>("suggestion");
    QTest::newRow("missing letter") << QStringLiteral("num_sample") << QStringLiteral("num_samples");
    QTest::newRow("swap") << QStringLiteral("hihg") << QStringLiteral("high");
    QTest::newRow("wrong letter") << QStringLiteral("synthetc") << QStringLiteral("synthetic");
    QTest::newRow("unrelated") << QStringLiteral("banana") << QString();
    QTest::newRow("short and different") << QStringLiteral("xy") << QString();
  }
  void suggestionsForTypos() {
    QFETCH(QString, word);
    QFETCH(QString, suggestion);
    const std::vector<std::string> names = {"num_samples", "high", "low", "synthetic", "seed", "name"};
    const std::string hint = did_you_mean(word.toStdString(), names);
    if (suggestion.isEmpty()) QCOMPARE(QString::fromStdString(hint), QString());
    else QCOMPARE(QString::fromStdString(hint), QStringLiteral(" (did you mean \"") + suggestion + QStringLiteral("\"?)"));
  }
};

QTEST_GUILESS_MAIN(TestJsonText)
#include "test_json_text.moc"
