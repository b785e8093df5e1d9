#pragma once
// StoreWatcher: shows a study database in the workbench, also one another process is running.
// It reads the store (read-only) and turns what it finds into the same StudyEvents the engine sends,
// so the monitor does not care where events come from. While the study's status is "running" it
// looks again every second, and only when the database file or its WAL changed, and sends the
// results it has not sent yet.
#include <QObject>
#include <QTimer>

#include <map>
#include <memory>

#include "core/run/events.h"
#include "core/store/store.h"
#include "core/study/spec.h"

namespace tunelab::ui {

class StoreWatcher final : public QObject {
  Q_OBJECT
 public:
  explicit StoreWatcher(QObject* parent = nullptr);
  ~StoreWatcher() override;

  // Opens `db_path`; the first batch arrives synchronously from inside this call (after `opened`).
  Status open(const QString& db_path);
  void close();
  QString db_path() const { return path_; }

 signals:
  // The study's spec (for the columns and the design view), before its first events.
  void opened(const tunelab::Json& spec);
  void events(const std::vector<tunelab::StudyEvent>& batch);

 private:
  void poll(bool force);
  qint64 stamp() const;

  QString path_;
  std::unique_ptr<Store> store_;
  QTimer timer_;
  qint64 last_stamp_ = -1;
  std::map<int64_t, int64_t> sent_results_;      // trial -> results sent
  std::map<int64_t, std::pair<int64_t, double>> sent_last_;  // trial -> (iteration, ts) of the last result sent
  std::map<int64_t, std::string> sent_status_;   // trial -> status sent
  size_t sent_events_ = 0;
  size_t sent_decisions_ = 0;
  int64_t total_trials_ = -1;  // what the study will run, when known
};

}  // namespace tunelab::ui
