#include "core/control/server.h"

namespace tunelab::control {

ChannelServer::ChannelServer(std::unique_ptr<EngineChannel> channel, Deliver deliver, std::chrono::milliseconds interval)
    : channel_(std::move(channel)), deliver_(std::move(deliver)), interval_(interval) {}

ChannelServer::~ChannelServer() { stop(); }

void ChannelServer::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { loop(); });
}

void ChannelServer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  write_outcomes();  // anything recorded after the thread's last turn
}

void ChannelServer::record(int64_t id, bool applied, std::string outcome) {
  {
    std::lock_guard lock(mutex_);
    outcomes_.push_back({id, applied, std::move(outcome)});
  }
  wake_.notify_all();
}

std::string ChannelServer::take_error() {
  std::lock_guard lock(mutex_);
  return std::exchange(error_, std::string());
}

void ChannelServer::write_outcomes() {
  std::vector<Outcome> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(outcomes_);
  }
  for (const auto& o : batch) {
    if (Status s = channel_->record(o.id, o.applied, o.text); !s) {
      std::lock_guard lock(mutex_);
      error_ = s.error_text();
    }
  }
}

void ChannelServer::loop() {
  auto next_poll = std::chrono::steady_clock::now();
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, next_poll, [&] { return stopping_ || !outcomes_.empty(); });
      if (stopping_) return;
    }
    write_outcomes();
    if (std::chrono::steady_clock::now() < next_poll) continue;
    next_poll = std::chrono::steady_clock::now() + interval_;
    auto rows = channel_->take_pending();
    if (!rows) {
      std::lock_guard lock(mutex_);
      error_ = rows.error_text();
      continue;
    }
    for (auto& row : *rows) deliver_(std::move(row));
  }
}

}  // namespace tunelab::control
