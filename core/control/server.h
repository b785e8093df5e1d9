#pragma once
// The engine's end of the control channel: a thread that reads new pending commands every `interval` and
// hands each, in id order, to the engine; and writes the outcomes the engine records. SQLite is touched only
// on this thread (its own connection), so the engine's loop never waits on the database for a command.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/control/channel.h"

namespace tunelab::control {

class ChannelServer {
 public:
  using Deliver = std::function<void(CommandRow)>;
  // `deliver` runs on the server's thread and must return quickly (the engine queues the command).
  ChannelServer(std::unique_ptr<EngineChannel> channel, Deliver deliver,
                std::chrono::milliseconds interval = std::chrono::milliseconds(250));
  ~ChannelServer();  // stop()
  ChannelServer(const ChannelServer&) = delete;
  ChannelServer& operator=(const ChannelServer&) = delete;

  void start();
  // Writes the outcomes recorded so far, then ends the thread. Commands delivered after stop() never come.
  void stop();
  // Thread-safe: queues the outcome of a delivered command; the server's thread writes it at once.
  void record(int64_t id, bool applied, std::string outcome);
  // The last error reading or writing the table (empty when none), for the engine's log.
  std::string take_error();

 private:
  struct Outcome {
    int64_t id;
    bool applied;
    std::string text;
  };
  void loop();
  void write_outcomes();

  std::unique_ptr<EngineChannel> channel_;
  Deliver deliver_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Outcome> outcomes_;  // guarded by mutex_
  std::string error_;              // guarded by mutex_
  bool stopping_ = false;          // guarded by mutex_
  std::thread thread_;
};

}  // namespace tunelab::control
