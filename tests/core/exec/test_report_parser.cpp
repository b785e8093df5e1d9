// The report channel: lines split across reads, malformed and over-long lines ignored, never a crash.
#include <QTest>

#include "core/exec/report_parser.h"

using namespace tunelab;

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

  void errorsQuoteBytesAsAsciiEscapes() {
    // The reason is logged and stored as JSON text: invalid UTF-8 from the trial must not reach it.
    auto item = parse_report_line(std::string("\xff\xfe{\"a\": 1", 9));
    QVERIFY(!item.ok);
    QVERIFY2(item.error.find("\\xff\\xfe{") != std::string::npos, item.error.c_str());
    for (char c : item.error) QVERIFY(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f);
    const std::string long_line = std::string(200, 'x');
    QVERIFY(parse_report_line(long_line).error.find(std::string(80, 'x') + "...") != std::string::npos);
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
