// core/ must build without Qt: no file under it may include a Qt header.
#include <QTest>

#include <filesystem>
#include <fstream>
#include <regex>

class CoreIsQtFree final : public QObject {
  Q_OBJECT
 private slots:
  void noQtIncludes() {
    namespace fs = std::filesystem;
    // Built from pieces: moc's preprocessor misreads a raw string holding a quote.
    const std::string quote(1, '\x22');
    const std::regex qt_include("^\\s*#\\s*include\\s*[<" + quote + "](Q[A-Za-z]|qt)");
    int files = 0;
    QStringList offenders;
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(TUNELAB_SOURCE_DIR) / "core")) {
      if (!entry.is_regular_file()) continue;
      const auto ext = entry.path().extension().string();
      if (ext != ".h" && ext != ".cpp" && ext != ".hpp") continue;
      ++files;
      std::ifstream in(entry.path());
      std::string line;
      for (int n = 1; std::getline(in, line); ++n) {
        if (std::regex_search(line, qt_include)) {
          offenders << QString::fromStdString(entry.path().string() + ":" + std::to_string(n) + ": " + line);
        }
      }
    }
    QVERIFY2(files > 20, "the core sources were not found");
    QVERIFY2(offenders.isEmpty(), qPrintable(offenders.join(QLatin1Char('\n'))));
  }
};

QTEST_APPLESS_MAIN(CoreIsQtFree)
#include "test_core_is_qt_free.moc"
