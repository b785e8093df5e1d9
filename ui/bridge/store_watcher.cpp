#include "ui/bridge/store_watcher.h"

#include <QFileInfo>

#include "core/search/searcher.h"

namespace tunelab::ui {

StoreWatcher::StoreWatcher(QObject* parent) : QObject(parent) {
  timer_.setInterval(1000);
  connect(&timer_, &QTimer::timeout, this, [this] { poll(false); });
}

StoreWatcher::~StoreWatcher() = default;

void StoreWatcher::close() {
  timer_.stop();
  store_.reset();
  path_.clear();
  sent_results_.clear();
  sent_last_.clear();
  sent_status_.clear();
  sent_events_ = sent_decisions_ = 0;
  last_stamp_ = -1;
}

qint64 StoreWatcher::stamp() const {
  const QFileInfo db(path_), wal(path_ + QStringLiteral("-wal"));
  return db.lastModified().toMSecsSinceEpoch() ^ (wal.exists() ? wal.lastModified().toMSecsSinceEpoch() + wal.size() : 0);
}

Status StoreWatcher::open(const QString& db_path) {
  close();
  auto store = Store::open(db_path.toStdString(), Store::Mode::ReadOnly);
  if (!store) return store.errors();
  auto study = (*store)->load_study();
  if (!study) return study.errors();
  store_ = std::move(*store);
  path_ = db_path;
  total_trials_ = -1;
  if (auto spec = parse_spec(study->spec, study->base_dir)) {
    SearchContext ctx{&spec->space, spec->objective.metric, spec->objective.maximize, spec->num_samples,
                      spec->seed.value_or(0), spec->search};
    if (auto searcher = make_searcher(ctx)) total_trials_ = (*searcher)->total_trials();
  }
  emit opened(study->spec);
  poll(true);
  timer_.start();
  return {};
}

void StoreWatcher::poll(bool force) {
  if (!store_) return;
  const qint64 now_stamp = stamp();
  if (!force && now_stamp == last_stamp_) return;
  last_stamp_ = now_stamp;
  // Trials and results only (no summary: the monitor computes last and best values itself).
  auto study = store_->load_study();
  auto trials = store_->load_trials();
  auto results = store_->load_results();
  if (!study || !trials || !results) return;
  std::vector<StudyEvent> batch;
  std::map<int64_t, std::vector<ResultRecord*>> by_trial;
  for (auto& r : *results) by_trial[r.trial_id].push_back(&r);
  Progress progress;
  progress.total = total_trials_;
  for (const auto& t : *trials) {
    const int64_t id = t.id;
    if (!sent_results_.count(id)) {
      StudyEvent e;
      e.kind = StudyEvent::Kind::TrialCreated;
      e.trial_id = id;
      e.data = t.config;
      batch.push_back(std::move(e));
      sent_results_[id] = 0;
    }
    auto& sent = sent_results_[id];
    const auto& rs = by_trial[id];
    auto& last = sent_last_[id];
    size_t from = static_cast<size_t>(sent);
    if (sent > 0 && (rs.size() < from || rs[from - 1]->iteration != last.first || rs[from - 1]->ts != last.second)) {
      // The trial restarted: the results after its restore point were an abandoned attempt's. The rows stored
      // before the last one sent are what stays of the curve; the later ones are the new attempt's.
      from = 0;
      int64_t kept = 0;
      while (from < rs.size() && rs[from]->ts <= last.second) kept = rs[from++]->iteration;
      StudyEvent e;
      e.kind = StudyEvent::Kind::TrialUpdated;
      e.trial_id = id;
      e.data = {{"curve_until", kept}};
      batch.push_back(std::move(e));
    }
    if (!rs.empty()) last = {rs.back()->iteration, rs.back()->ts};
    for (size_t i = from; i < rs.size(); ++i) {
      StudyEvent e;
      e.kind = StudyEvent::Kind::TrialResult;
      e.trial_id = id;
      e.data = std::move(rs[i]->metrics);
      batch.push_back(std::move(e));
    }
    sent = static_cast<int64_t>(rs.size());
    const std::string status = to_string(t.status);
    if (sent_status_[id] != status) {
      StudyEvent e;
      e.trial_id = id;
      if (is_finished(t.status) || t.status == TrialStatus::Paused) {
        e.kind = StudyEvent::Kind::TrialEnded;
        e.data = {{"status", status}, {"reason", t.error}};
        batch.push_back(std::move(e));
      } else if (t.status == TrialStatus::Running) {
        e.kind = StudyEvent::Kind::TrialStarted;
        batch.push_back(std::move(e));
      }
      sent_status_[id] = status;
    }
    switch (t.status) {
      case TrialStatus::Pending: ++progress.pending; break;
      case TrialStatus::Running: ++progress.running; break;
      case TrialStatus::Paused: ++progress.paused; break;
      case TrialStatus::Completed: ++progress.completed; break;
      case TrialStatus::Stopped: ++progress.stopped; break;
      case TrialStatus::Error: ++progress.errored; break;
    }
  }
  progress.created = static_cast<int64_t>(trials->size());
  progress.elapsed_s = study->elapsed_s;
  if (auto decisions = store_->load_decisions()) {
    for (size_t i = sent_decisions_; i < decisions->size(); ++i) {
      const DecisionRecord& d = (*decisions)[i];
      StudyEvent e;
      e.kind = StudyEvent::Kind::Decision;
      e.trial_id = d.trial_id;
      e.data = {{"source", d.source}, {"action", d.action}, {"reason", d.reason}, {"details", d.details}};
      e.message = "trial " + std::to_string(d.trial_id) + ": " + d.action + " by " + d.source + ": " + d.reason;
      batch.push_back(std::move(e));
    }
    sent_decisions_ = decisions->size();
  }
  StudyEvent p;
  p.kind = study->status == "running" ? StudyEvent::Kind::Progress : StudyEvent::Kind::Finished;
  p.message = study->status;
  p.progress = progress;
  batch.push_back(std::move(p));
  if (study->status != "running") timer_.stop();
  emit events(batch);
}

}  // namespace tunelab::ui
