// libFuzzer target: the report-line parser, which reads the bytes a trial writes on its report channel.
// The first byte picks a chunk size, so the same stream is also fed in pieces; the items must not depend on how
// the bytes were split. Reports and the reasons for ignored lines must print as JSON (the store and the event log
// hold them). Any crash, sanitizer report or broken invariant (abort) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/exec/report_parser.h"

namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

std::vector<tunelab::ReportParser::Item> parse_in_chunks(std::string_view bytes, size_t chunk) {
  tunelab::ReportParser parser;
  std::vector<tunelab::ReportParser::Item> items;
  while (!bytes.empty()) {
    const size_t n = std::min(chunk, bytes.size());
    for (auto& item : parser.feed(bytes.substr(0, n))) items.push_back(std::move(item));
    bytes.remove_prefix(n);
  }
  for (auto& item : parser.finish()) items.push_back(std::move(item));
  return items;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 16;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  const auto whole = parse_in_chunks(bytes, bytes.size() + 1);
  const auto pieces = parse_in_chunks(bytes, chunk);
  require(whole.size() == pieces.size(), "the same items whatever the chunking");
  for (size_t i = 0; i < whole.size(); ++i) {
    require(whole[i].ok == pieces[i].ok, "the same outcome whatever the chunking");
    require(whole[i].report == pieces[i].report, "the same report whatever the chunking");
    if (whole[i].ok) {
      require(whole[i].report.is_object(), "a report is an object");
      (void)whole[i].report.dump();  // the store writes it back as JSON text (throws on invalid UTF-8)
    } else {
      require(!whole[i].error.empty(), "an ignored line says why");
    }
    // The reason (or a warning on an accepted report) is logged as JSON: it must be valid UTF-8 (throws).
    (void)tunelab::Json(whole[i].error).dump();
  }
  // One line on its own, as the executor's tests use it.
  const auto one = tunelab::parse_report_line(bytes);
  require(one.ok || !one.error.empty(), "a line is a report or has an error");
  return 0;
}
