#pragma once
// StoreWatcher: shows a study database in the workbench, also one another process is running. A core
// StudyWatch reads the store (read-only) and turns what is new into the same StudyEvents the engine sends,
// so the monitor does not care where events come from. It looks once a second; a look when nothing was
// committed costs one `PRAGMA data_version`, and one when something was costs what is new (new results,
// events, decisions, trials whose row changed), never a re-read of the whole study. It keeps watching a
// study that has ended: a later `tunelab resume` shows up live.
#include <QObject>
#include <QTimer>

#include <memory>

#include "core/run/events.h"
#include "core/run/study_watch.h"
#include "core/util/result.h"

namespace tunelab::ui {

class StoreWatcher final : public QObject {
  Q_OBJECT
 public:
  explicit StoreWatcher(QObject* parent = nullptr);
  ~StoreWatcher() override;

  // Opens `db_path`; the whole study arrives synchronously from inside this call (after `opened`), in
  // batches of at most 100,000 results.
  Status open(const QString& db_path);
  void close();
  QString db_path() const { return path_; }
  // The core watcher (for its progress and the rows it has read), or null when none is open.
  const StudyWatch* watch() const { return watch_.get(); }
  // How often it looks (ms).
  int interval_ms() const { return timer_.interval(); }

 signals:
  // The study's spec (for the columns and the design view), before its first events.
  void opened(const tunelab::Json& spec);
  // Each poll: `events` (trials created, started, updated), `results` (the new results, in columns), then
  // `events` again (trials ended, the event log, decisions, progress). Apply them in the order they come.
  void events(const std::vector<tunelab::StudyEvent>& batch);
  void results(const tunelab::ResultBlock& block);

 private:
  void poll();
  void deliver(StudyWatch::Update& update);

  QString path_;
  std::unique_ptr<StudyWatch> watch_;
  QTimer timer_;
};

}  // namespace tunelab::ui
