// Trial text never reaches the user's terminal raw: a trial whose stderr, errors, metric names and config
// strings carry escape sequences (set the window title, clear the screen, CSI as a C1 control) cannot send
// them through `tunelab run` or `tunelab show`; they are printed escaped (`\x1b`).
#include <QTemporaryDir>
#include <QTest>

#include "support/test_util.h"
#include "terminal_escapes_support.h"

using namespace tunelab;
using tunelab::test::run_tunelab;

namespace {

// The raw bytes a terminal acts on: ESC, BEL, and U+009B (CSI) as UTF-8.
bool has_raw_escape(const QString& text) {
  const QByteArray b = text.toUtf8();
  return b.contains('\x1b') || b.contains('\x07') || b.contains("\xc2\x9b") || b.contains('\r');
}

QString describe(const QString& what, const QString& text) {
  return what + QStringLiteral(" holds a raw control byte:\n") + QString::fromUtf8(text.toUtf8().toPercentEncoding(" \n"));
}

}  // namespace

class TestTerminalEscapes final : public QObject {
  Q_OBJECT
 private slots:
  void trialTextIsEscapedOnTheTerminal() {
    QTemporaryDir dir;
    tunelab::test::write_file(dir.filePath(QStringLiteral("train.py")), kEscapingTrial);
    const QString spec = dir.filePath(QStringLiteral("spec.json"));
    const Json j = {
        {"name", "escapes"},
        {"objective", {{"metric", "score\x1b]0;pwned\x07"}, {"mode", "max"}}},
        {"space", {{"label", {{"type", "choice"}, {"values", {"a\x1b[2J\x07"}}}}}},
        {"trainable", {{"command", {"python3", "-S", dir.filePath(QStringLiteral("train.py")).toStdString()}}}},
        {"num_samples", 2},
        {"max_concurrent", 1},
        {"stop", {{"score\x1b]0;pwned\x07", 0.5}}},
        {"resources_per_trial", {{"cpu", 0.1}}},
        {"seed", 1}};
    tunelab::test::write_file(spec, j.dump());
    const QString db = dir.filePath(QStringLiteral("study.db"));

    auto run = run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), db}, dir.path());
    QVERIFY2(run.exit_code == 0, qPrintable(run.err + run.out));
    QVERIFY2(!has_raw_escape(run.out), qPrintable(describe(QStringLiteral("run's stdout"), run.out)));
    QVERIFY2(!has_raw_escape(run.err), qPrintable(describe(QStringLiteral("run's stderr"), run.err)));
    // The trial's text is still there, escaped.
    QVERIFY2(run.out.contains(QStringLiteral("score\\x1b]0;pwned\\x07")), qPrintable(run.out));

    auto show = run_tunelab({QStringLiteral("show"), db}, dir.path());
    QVERIFY2(show.exit_code == 0, qPrintable(show.err + show.out));
    QVERIFY2(!has_raw_escape(show.out), qPrintable(describe(QStringLiteral("show's output"), show.out)));
    QVERIFY2(!has_raw_escape(show.err), qPrintable(describe(QStringLiteral("show's stderr"), show.err)));
    QVERIFY2(show.out.contains(QStringLiteral("boom \\x1b]0;pwned\\x07\\x1b[2J\\xc2\\x9b31m\\x0d")), qPrintable(show.out));
    QVERIFY2(show.out.contains(QStringLiteral("label=a\\x1b[2J\\x07")), qPrintable(show.out));
    QVERIFY2(show.out.contains(QStringLiteral("Decisions")), qPrintable(show.out));
  }
};

QTEST_GUILESS_MAIN(TestTerminalEscapes)
#include "test_terminal_escapes.moc"
