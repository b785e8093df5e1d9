// libFuzzer target: the study spec parser (JSON text -> StudySpec), then what a valid spec is used for first:
// the space's canonical form, mapping unit values to parameter values, the lint, and a few suggestions of the
// spec's own searcher. Any crash, sanitizer report or broken invariant (abort) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>

#include "core/search/searcher.h"
#include "core/study/lint.h"
#include "core/study/spec.h"

namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

void check_errors(const tunelab::Errors& errors) {
  require(!errors.empty(), "a failed parse returns at least one error");
  for (const auto& e : errors) require(!e.message.empty(), "every error has a message");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tunelab;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto json = parse_json_text(text, "fuzz.json");
  if (!json) {
    check_errors(json.errors());
    return 0;
  }
  auto spec = parse_spec(*json, "/nonexistent");
  if (!spec) {
    check_errors(spec.errors());
    return 0;
  }
  const SearchSpace& space = spec->space;
  require(!space.empty(), "a valid spec has parameters");

  // The canonical form parses back to the same space.
  auto again = parse_space(space.to_json(), "space");
  require(again.ok(), "the canonical form of a space parses");
  require(again->to_json() == space.to_json(), "the canonical form is stable");

  // Every value a parameter maps a unit value to is one it accepts.
  for (const auto& p : space.params()) {
    for (double u : {0.0, 0.25, 0.5, 0.999999, 1.0}) {
      const Json v = p.from_unit(u);
      require(p.accepts(v), "from_unit gives an accepted value");
      require(p.to_unit(v).has_value(), "to_unit inverts from_unit");
    }
    (void)p.cardinality();
  }
  (void)lint_space(*spec);

  // The spec's own searcher proposes configs the space accepts.
  auto searcher = make_searcher(search_context(*spec));
  require(searcher.ok(), "parse_spec already built the searcher once");
  for (int64_t id = 0; id < 3; ++id) {
    const Suggestion s = (*searcher)->suggest(id);
    if (s.kind != Suggestion::Kind::Config) break;
    Json config = s.config;
    config.erase("_repeat_index");  // added by "repeat" for the trainable, by design
    const Status valid = space.check_config(config);
    if (!valid) std::fprintf(stderr, "%s\n%s\n", dump_compact(config).c_str(), valid.error_text().c_str());
    require(valid.ok(), "a suggested config is valid for the space");
  }
  return 0;
}
