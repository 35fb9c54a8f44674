// Two actors take two locks in opposite orders. The controlled harness explores schedules with
// a random walk until one deadlocks, then prints the report and replays it exactly.
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "harness/execution.h"
#include "harness/strategies/random.h"
#include "harness/strategies/replay.h"
#include "primitives/lock.h"

using namespace ipcprop;
using namespace ipcprop::harness;

int main() {
  // A factory makes the locks afresh for every execution: a deadlocked execution ends with its
  // actors killed while holding them.
  const ActorFactory actors = [] {
    auto first = std::make_shared<Lock>();
    auto second = std::make_shared<Lock>();
    return std::vector<ActorProgram>{
        [=](ActorContext&) {
          std::lock_guard a(*first);
          std::lock_guard b(*second);
        },
        [=](ActorContext&) {
          std::lock_guard b(*second);
          std::lock_guard a(*first);
        },
    };
  };
  auto strategy = make_strategy<RandomWalk>(2026);
  for (int execution = 1; execution <= 100; ++execution) {
    const Outcome outcome = run_execution(actors, *strategy);
    if (outcome.passed()) continue;
    std::printf("execution %d: %s\n\n%s\n", execution, outcome.message.c_str(),
                outcome.history.to_text().c_str());
    // The recorded decisions are the whole schedule: replaying them gives the same history.
    auto replay = make_strategy<Replay>(outcome.decisions, outcome.data_seed);
    const Outcome again = run_execution(actors, *replay);
    std::printf("replayed: %s, same history: %s\n", std::string(to_string(again.kind)).c_str(),
                again.history.hash() == outcome.history.hash() ? "yes" : "no");
    return 0;
  }
  std::puts("no deadlock in 100 executions");
  return 1;
}
