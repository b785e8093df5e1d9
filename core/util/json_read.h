#pragma once
// Reading JSON text into a `Json` in time linear in its size. `Json::parse` inserts each member of an object with
// a linear search for its key (`Json` is ordered: a vector of members), so an object of n keys costs O(n^2) to
// parse. `read_json` builds the same value (members in the order written; of a repeated key, the first position
// and the last value, as `Json::parse` does) but finds repeated keys with a hash index per large object, and
// stops as soon as a limit is crossed. Everything that parses untrusted text into a `Json` goes through it:
// report lines (core/exec/report_parser.cpp) and the values the store reads back (core/store/store.cpp).
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

#include "core/util/json.h"

namespace tunelab {

struct JsonReadLimits {
  size_t max_keys = std::numeric_limits<size_t>::max();   // object members in all, across nesting levels
  size_t max_depth = std::numeric_limits<size_t>::max();  // nesting of arrays and objects
};

struct JsonRead {
  enum class Outcome { Ok, Syntax, TooManyKeys, TooDeep };
  Outcome outcome = Outcome::Ok;
  Json value;          // when ok; discarded otherwise
  std::string error;   // when not ok: the parser's message (Syntax) or which limit was crossed
  bool ok() const { return outcome == Outcome::Ok; }
};

// Never throws for bad input (only std::bad_alloc).
JsonRead read_json(std::string_view text, const JsonReadLimits& limits = {});

// Members of an object (in order) for which `drop(key)` holds are removed in one pass (erasing them one by one
// from the member vector is quadratic). Does nothing to a value that is not an object.
template <typename Pred>
void erase_members_if(Json& j, Pred drop) {
  if (!j.is_object()) return;
  auto& members = j.get_ref<Json::object_t&>();
  size_t n = 0;
  for (const auto& m : members) n += drop(m.first) ? 1 : 0;
  if (n == 0) return;
  Json::object_t kept;
  kept.reserve(members.size() - n);
  for (auto& m : members) {
    if (!drop(m.first)) kept.emplace_back(m.first, std::move(m.second));
  }
  members = std::move(kept);
}

}  // namespace tunelab
