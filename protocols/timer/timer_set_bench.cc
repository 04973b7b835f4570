// TimerSet micro-benchmarks: the costs an event loop pays per timer. Argument: timer count.
#include <benchmark/benchmark.h>

#include <chrono>
#include <random>
#include <vector>

#include "protocols/timer/timer_set.h"

namespace archbench::timer {
namespace {

std::vector<Duration> random_delays(std::size_t count) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> ms(0, 60'000);
  std::vector<Duration> delays;
  for (std::size_t i = 0; i < count; ++i) delays.push_back(std::chrono::milliseconds(ms(rng)));
  return delays;
}

// Schedule N one-shot timers at random deadlines, then pop them all.
void BM_TimerSetAddPop(benchmark::State& state) {
  const auto delays = random_delays(static_cast<std::size_t>(state.range(0)));
  const TimePoint start{};
  std::vector<Fired> fired;
  for (auto _ : state) {
    TimerSet set;
    for (Duration delay : delays) set.after(start, delay);
    fired.clear();
    set.pop_due(start + std::chrono::minutes(2), fired);
    benchmark::DoNotOptimize(fired.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * delays.size()));
}
BENCHMARK(BM_TimerSetAddPop)->Arg(10'000);

// Schedule N, cancel every other one (lazy cancellation and compaction), pop the rest.
void BM_TimerSetAddCancelPop(benchmark::State& state) {
  const auto delays = random_delays(static_cast<std::size_t>(state.range(0)));
  const TimePoint start{};
  std::vector<TimerId> ids;
  std::vector<Fired> fired;
  for (auto _ : state) {
    TimerSet set;
    ids.clear();
    for (Duration delay : delays) ids.push_back(set.after(start, delay));
    for (std::size_t i = 0; i < ids.size(); i += 2) set.cancel(ids[i]);
    fired.clear();
    set.pop_due(start + std::chrono::minutes(2), fired);
    benchmark::DoNotOptimize(fired.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * delays.size()));
}
BENCHMARK(BM_TimerSetAddCancelPop)->Arg(10'000);

// N periodic timers driven like a loop would: pop at each next deadline, 10 ticks each.
void BM_TimerSetTickLoop(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  const auto delays = random_delays(count);
  std::vector<Fired> fired;
  for (auto _ : state) {
    TimerSet set;
    for (Duration delay : delays) set.tick(TimePoint{}, delay + std::chrono::milliseconds(1), 10);
    while (auto deadline = set.next_deadline()) {
      fired.clear();
      set.pop_due(*deadline, fired);
    }
    benchmark::DoNotOptimize(fired.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * count * 10));
}
BENCHMARK(BM_TimerSetTickLoop)->Arg(10'000);

}  // namespace
}  // namespace archbench::timer
