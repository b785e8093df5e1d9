// core/ is built in layers (docs/ARCHITECTURE.md): a folder includes its own files and those of lower
// layers only, never a higher layer's, nor another folder of its own layer.
#include <QDebug>
#include <QTest>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

// The layers, bottom first.
const std::vector<std::vector<std::string>> kLayers = {
    {"util"},                                        // JSON, Result, random numbers, maths
    {"model", "options"},                            // shared trial and GPU rows; component options
    {"space"},                                       // parameters, conditions, sampling
    {"search", "schedule", "exec", "gpu", "store"},  // the parts a study is made of
    {"study"},                                       // the spec of a whole study, checked against each part
    {"analysis"},                                    // a study read back: summaries, charts, replay, refine
    {"importers", "control"},                        // other tools' studies as TuneLab studies and back; commands for a running study, through its database
    {"run"},                                         // the engine's loop: the controller
    {"trainables"},                                  // the built-in trainables, run as trial processes
};

}  // namespace

class CoreLayers final : public QObject {
  Q_OBJECT
 private slots:
  void includesGoDownOnly() {
    namespace fs = std::filesystem;
    std::map<std::string, size_t> layer_of;
    for (size_t i = 0; i < kLayers.size(); ++i) {
      for (const auto& folder : kLayers[i]) layer_of[folder] = i;
    }
    const fs::path core = fs::path(TUNELAB_SOURCE_DIR) / "core";
    // Built from pieces: moc's preprocessor misreads a raw string holding a quote.
    const std::string quote(1, '\x22');
    const std::regex core_include("^\\s*#\\s*include\\s*[<" + quote + "]core/([^/<>" + quote + "]+)/");
    int files = 0, includes = 0;
    std::set<std::string> seen;
    QStringList offenders;
    for (const auto& entry : fs::recursive_directory_iterator(core)) {
      if (!entry.is_regular_file()) continue;
      const auto ext = entry.path().extension().string();
      if (ext != ".h" && ext != ".cpp" && ext != ".hpp" && ext != ".cu") continue;
      ++files;
      const fs::path rel = entry.path().lexically_relative(core);
      const std::string where = "core/" + rel.generic_string();
      const std::string folder = rel.begin()->string();
      if (rel.begin() == std::prev(rel.end()) || !layer_of.count(folder)) {
        offenders << QString::fromStdString(where + ": its folder is in no layer of the table in " + __FILE__);
        continue;
      }
      seen.insert(folder);
      std::ifstream in(entry.path());
      std::string line;
      for (int n = 1; std::getline(in, line); ++n) {
        std::smatch m;
        if (!std::regex_search(line, m, core_include)) continue;
        ++includes;
        const std::string target = m[1];
        if (target == folder) continue;
        std::string why;
        if (!layer_of.count(target)) {
          why = "core/" + target + " is in no layer";
        } else if (layer_of[target] > layer_of[folder]) {
          why = folder + " (layer " + std::to_string(layer_of[folder]) + ") includes " + target + ", a higher layer (" +
                std::to_string(layer_of[target]) + ")";
        } else if (layer_of[target] == layer_of[folder]) {
          why = folder + " includes " + target + ", of the same layer (" + std::to_string(layer_of[folder]) + ")";
        } else {
          continue;
        }
        offenders << QString::fromStdString(where + ":" + std::to_string(n) + ": " + line + "  <- " + why);
      }
    }
    QVERIFY2(files > 20, "the core sources were not found");
    QVERIFY2(includes > 100, "no core includes were read");
    for (const auto& [folder, layer] : layer_of) {
      if (!seen.count(folder)) offenders << QString::fromStdString("core/" + folder + ": in the table but not found");
    }
    // One line each: QVERIFY2 cuts long messages.
    for (const auto& o : offenders) qWarning().noquote() << o;
    const std::string summary = std::to_string(offenders.size()) + " layer problems (listed above)";
    QVERIFY2(offenders.isEmpty(), summary.c_str());
  }
};

QTEST_APPLESS_MAIN(CoreLayers)
#include "test_core_layers.moc"
