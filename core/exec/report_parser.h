#pragma once
// Splits the bytes a trial writes on its report channel into lines and parses each as a JSON object.
// Bad lines become errors, never exceptions; an over-long line is dropped up to its newline. Parsing takes time
// linear in the line (read_json), and a line with more than kMaxKeys keys is refused as soon as the key past the
// limit is read.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/json.h"

namespace tunelab {

class ReportParser {
 public:
  static constexpr size_t kMaxLine = 1 << 20;  // 1 MiB
  static constexpr size_t kMaxDepth = 64;      // nesting of arrays and objects
  static constexpr size_t kMaxKeys = 1000;     // keys in one report, counting those of nested objects

  struct Item {
    bool ok = false;
    Json report;        // when ok
    std::string error;  // when not ok: why the line was ignored
  };

  // Feeds bytes; returns the items completed by them.
  std::vector<Item> feed(std::string_view bytes);
  // End of stream: a final line without a newline is parsed too.
  std::vector<Item> finish();

 private:
  void complete_line(std::string_view line, std::vector<Item>& out);
  std::string partial_;
  bool discarding_ = false;  // inside an over-long line
};

// Parses one line (without its newline) into a report object, or explains why it is not one.
ReportParser::Item parse_report_line(std::string_view line);

}  // namespace tunelab
