#pragma once
// Reading a study's database back in the tests.
#include <QString>

#include <cstddef>
#include <optional>
#include <vector>

#include "core/store/store.h"

namespace tunelab::test {

// How many results the study at `db` holds (0 when it cannot be opened).
inline size_t stored_results(const QString& db) {
  auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
  if (!store) return 0;
  auto r = (*store)->load_results();
  return r ? r->size() : 0;
}

// The trials of the study at `db` (none when it cannot be opened).
inline std::vector<TrialRecord> trials_of(const QString& db) {
  auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
  if (!store) return {};
  auto t = (*store)->load_trials();
  return t ? *t : std::vector<TrialRecord>{};
}

// Trial `id` of the study at `db`, as stored now.
inline std::optional<TrialRecord> trial(const QString& db, int64_t id) {
  for (auto& t : trials_of(db)) {
    if (t.id == id) return t;
  }
  return std::nullopt;
}

}  // namespace tunelab::test
