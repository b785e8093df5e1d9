#pragma once
// Reading a study's database back in the tests.
#include <QString>

#include <cstddef>

#include "core/store/store.h"

namespace tunelab::test {

// How many results the study at `db` holds (0 when it cannot be opened).
inline size_t stored_results(const QString& db) {
  auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
  if (!store) return 0;
  auto r = (*store)->load_results();
  return r ? r->size() : 0;
}

}  // namespace tunelab::test
