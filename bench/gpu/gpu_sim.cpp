// Discrete-event simulation of a study on GPUs: whole-GPU allocation against GPU shares, using the engine's own
// allocator (core/gpu/allocator.h) on a fake inventory. See bench/README.md, section (d).
//
// Model (the sizes are options, see main()):
//   - G GPUs of 80 GB; N trials started in order whenever the allocator finds room (as the controller does: the
//     next trial waits, pending, until something is released).
//   - Trial i uses u_i ~ U[0.2, 0.6] of one GPU's compute and m_i ~ U[4, 16] GB; one epoch alone on a card takes
//     e_i ~ U[0.5, 1.5] minutes.
//   - Allocations compared: "whole" (gpu = 1); "share_0.5" and "share_0.25" (every trial asks for that share,
//     as resources_per_trial does, memory = the share of 80 GB); "measured" (each trial asks for its own use
//     rounded up to 0.05 and its memory: per-trial requests are not something the engine offers yet).
//   - Asynchronous successive halving (ASHA): rungs at grace * eta^k epochs below max_t; at a rung a trial goes
//     on only if its value is in the top 1/eta of the values recorded at that rung so far (itself included),
//     else it stops at once and its share is released. Values: a latent quality q_i ~ U[0,1] plus N(0, 0.1).
//   - Time-slicing: on a card whose trials together use more than 100%, each runs slower by that overcommit;
//     at most 100%, they do not slow each other. --slowdown S makes a trial that shares its card S slower still.
// gpu_busy = the integral over time of sum_g min(1, use on g), divided by G x makespan; busy_while_waiting is the
// same up to the moment the last trial started (while trials were waiting for room).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "core/gpu/allocator.h"

using namespace tunelab::gpu;

namespace {

struct Options {
  int gpus = 8, trials = 200, grace = 4, eta = 3, max_t = 12, seeds = 5;
  double slowdown = 0;
};

// How trials ask for GPUs: a whole card, the same share for every trial (what a spec's resources_per_trial
// says), or each trial its own measured use rounded up to 0.05 (not something the engine offers yet).
struct Mode {
  std::string name;
  double gpu = 1;         // the request, when uniform
  bool measured = false;  // per-trial request from its measured use and memory
};

struct Trial {
  double use = 0, memory_gb = 0, epoch_min = 0, quality = 0;
  int epochs_done = 0;
  bool running = false;
  Allocation alloc;
  double work_left = 0;   // minutes at full speed to the next milestone
  double rate = 1;        // current speed (1: as if alone on the card)
  double since = 0;       // when work_left was last brought up to date
  int version = 0;        // events of older versions are stale
};

struct Outcome {
  double busy = 0, makespan_min = 0, mean_concurrency = 0;
  double busy_filling = 0;  // over the time until the last trial started (while trials were waiting)
  double last_start_min = 0;
  int stopped_early = 0, full = 0;
  int64_t epochs = 0;
};

Outcome simulate(const Options& o, const Mode& mode, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> U(0, 1);
  std::normal_distribution<double> noise(0, 0.1);
  std::vector<Trial> trials(static_cast<size_t>(o.trials));
  for (auto& t : trials) {
    t.use = 0.2 + 0.4 * U(rng);
    t.memory_gb = 4 + 12 * U(rng);
    t.epoch_min = 0.5 + U(rng);
    t.quality = U(rng);
  }
  std::vector<int> rungs;
  for (int r = o.grace; r < o.max_t; r *= o.eta) rungs.push_back(r);
  std::map<int, std::vector<double>> recorded;  // rung -> values seen there

  ResourceAllocator alloc(1e9, *parse_fake_gpus(std::to_string(o.gpus) + "x80GB"));
  struct Event {
    double when;
    int trial, version;
    bool operator>(const Event& e) const { return when > e.when; }
  };
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
  std::vector<std::vector<int>> on_gpu(static_cast<size_t>(o.gpus));
  double now = 0, busy_integral = 0, concurrency_integral = 0, busy_at_last_start = 0, last_start = 0;
  size_t next = 0;
  int running = 0;
  Outcome out;

  auto next_milestone = [&](const Trial& t) {
    for (int r : rungs)
      if (r > t.epochs_done) return r;
    return o.max_t;
  };
  auto card_use = [&](size_t g) {
    double u = 0;
    for (int id : on_gpu[g]) u += trials[static_cast<size_t>(id)].use;
    return u;
  };
  // Time-slicing: on a card asked for more than it has, every trial runs slower by the overcommit.
  auto reschedule_card = [&](size_t g) {
    const double u = card_use(g);
    const bool shared = on_gpu[g].size() > 1;
    for (int id : on_gpu[g]) {
      Trial& t = trials[static_cast<size_t>(id)];
      t.work_left -= (now - t.since) * t.rate;
      t.since = now;
      t.rate = std::min(1.0, 1.0 / u) / (1.0 + (shared ? o.slowdown : 0.0));
      events.push({now + std::max(0.0, t.work_left) / t.rate, id, ++t.version});
    }
  };
  auto fill = [&] {
    while (next < trials.size()) {
      Trial& t = trials[next];
      ResourceRequest r;
      r.cpu = 0;
      r.gpu = mode.measured ? std::min(1.0, std::ceil(t.use * 20 - 1e-9) / 20) : mode.gpu;
      if (mode.measured) r.gpu_memory_gb = t.memory_gb;
      auto a = alloc.allocate(r, running == 0);
      if (!a) return;  // the next trial waits (pending) until something is released
      t.alloc = *a;
      t.running = true;
      t.since = now;
      t.work_left = (next_milestone(t) - t.epochs_done) * t.epoch_min;
      const auto g = static_cast<size_t>(a->gpus.front());
      on_gpu[g].push_back(static_cast<int>(next));
      ++running;
      ++next;
      if (next == trials.size()) busy_at_last_start = busy_integral, last_start = now;
      reschedule_card(g);
    }
  };
  auto advance = [&](double to) {
    double busy = 0;
    for (size_t g = 0; g < on_gpu.size(); ++g) busy += std::min(1.0, card_use(g));
    busy_integral += busy * (to - now);
    concurrency_integral += running * (to - now);
    now = to;
  };

  fill();
  while (!events.empty()) {
    const Event e = events.top();
    events.pop();
    Trial& t = trials[static_cast<size_t>(e.trial)];
    if (!t.running || e.version != t.version) continue;
    advance(e.when);
    const int reached = next_milestone(t);
    out.epochs += reached - t.epochs_done;
    t.epochs_done = reached;
    bool stop = reached >= o.max_t;
    if (!stop) {
      auto& values = recorded[reached];
      const double v = t.quality + noise(rng);
      values.push_back(v);
      std::vector<double> sorted = values;
      std::sort(sorted.begin(), sorted.end());
      // The (1 - 1/eta) quantile, interpolated: below it the trial stops.
      const double pos = (1.0 - 1.0 / o.eta) * static_cast<double>(sorted.size() - 1);
      const auto lo = static_cast<size_t>(std::floor(pos));
      const size_t hi = std::min(sorted.size() - 1, lo + 1);
      const double cutoff = sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
      if (v < cutoff) {
        stop = true;
        ++out.stopped_early;
      }
    } else {
      ++out.full;
    }
    const auto g = static_cast<size_t>(t.alloc.gpus.front());
    if (!stop) {
      t.since = now;
      t.work_left = (next_milestone(t) - t.epochs_done) * t.epoch_min;
      events.push({now + t.work_left / t.rate, e.trial, ++t.version});
      continue;
    }
    // Released the moment it ends; the next pending trials start in the same turn.
    t.running = false;
    on_gpu[g].erase(std::find(on_gpu[g].begin(), on_gpu[g].end(), e.trial));
    --running;
    alloc.release(t.alloc);
    reschedule_card(g);
    fill();
  }
  out.makespan_min = now;
  out.busy = busy_integral / (o.gpus * now);
  out.mean_concurrency = concurrency_integral / now;
  out.busy_filling = last_start > 0 ? busy_at_last_start / (o.gpus * last_start) : out.busy;
  out.last_start_min = last_start;
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const double v = std::atof(argv[i + 1]);
    if (k == "--gpus") o.gpus = static_cast<int>(v);
    else if (k == "--trials") o.trials = static_cast<int>(v);
    else if (k == "--grace") o.grace = static_cast<int>(v);
    else if (k == "--eta") o.eta = static_cast<int>(v);
    else if (k == "--max-t") o.max_t = static_cast<int>(v);
    else if (k == "--seeds") o.seeds = static_cast<int>(v);
    else if (k == "--slowdown") o.slowdown = v;
    else {
      std::fprintf(stderr, "usage: gpu_sim [--gpus 8] [--trials 200] [--grace 4] [--eta 3] [--max-t 12] [--seeds 5] [--slowdown 0]\n");
      return 2;
    }
  }
  if (o.gpus < 1 || o.trials < 1 || o.grace < 1 || o.eta < 2 || o.max_t < o.grace || o.seeds < 1 || o.slowdown < 0) {
    std::fprintf(stderr, "gpu_sim: bad option value\n");
    return 2;
  }
  std::printf("# %d GPUs, %d trials, ASHA grace %d eta %d max_t %d, slowdown when sharing %.0f%%, %d seeds (medians)\n",
              o.gpus, o.trials, o.grace, o.eta, o.max_t, o.slowdown * 100, o.seeds);
  const std::vector<Mode> modes = {{"whole", 1, false}, {"share_0.5", 0.5, false}, {"share_0.25", 0.25, false},
                                   {"measured", 0, true}};
  for (const Mode& mode : modes) {
    std::vector<double> busy, makespan, concurrency, stopped, epochs, filling, last_start;
    for (int s = 0; s < o.seeds; ++s) {
      const Outcome r = simulate(o, mode, 1000 + static_cast<uint64_t>(s));
      busy.push_back(r.busy);
      filling.push_back(r.busy_filling);
      last_start.push_back(r.last_start_min);
      makespan.push_back(r.makespan_min);
      concurrency.push_back(r.mean_concurrency);
      stopped.push_back(r.stopped_early);
      epochs.push_back(static_cast<double>(r.epochs));
      std::fprintf(stderr, "# %s seed %d: busy %.3f makespan %.1f min, %d stopped early, %d to max_t\n",
                   mode.name.c_str(), 1000 + s, r.busy, r.makespan_min, r.stopped_early, r.full);
    }
    std::printf("bench_gpu_sim: allocation=%s gpu_busy=%.3f makespan_min=%.1f busy_while_waiting=%.3f last_start_min=%.1f "
                "mean_concurrent=%.1f stopped_early=%.0f epochs=%.0f\n",
                mode.name.c_str(), median(busy), median(makespan), median(filling), median(last_start), median(concurrency),
                median(stopped), median(epochs));
  }
  return 0;
}
