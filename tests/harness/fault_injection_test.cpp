// ExecutionOptions::kill: the harness SIGKILLs an actor at a chosen scheduling decision,
// wherever it is parked (at a sync point, waiting for the lock, holding it). Killed at every
// decision in turn, a waiter or a holder never leaves the others hung, the killed actor is no
// crash, and every such execution replays exactly.
#include <atomic>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "harness/execution.h"
#include "harness/strategies/random.h"
#include "harness/strategies/replay.h"
#include "primitives/errors.h"
#include "primitives/lock.h"
#include "primitives/shared_memory.h"

namespace ipcprop::harness {
namespace {

constexpr ActorId kVictim = 1;

/// Three actors take one Lock twice each; a lock whose owner died is taken all the same.
ActorFactory three_lockers() {
  return [] {
    auto lock = std::make_shared<Lock>();
    auto counter = std::make_shared<SharedObject<std::atomic<int>>>(0);
    const ActorProgram locker = [lock, counter](ActorContext&) {
      for (int round = 0; round < 2; ++round) {
        try {
          lock->acquire();
        } catch (const OwnerDied&) {  // Acquired: the dead owner's section is abandoned.
        }
        (*counter)->fetch_add(1);
        lock->release();
      }
    };
    return std::vector<ActorProgram>{locker, locker, locker};
  };
}

/// What the victim was doing when it was killed: the kind of its last event before the kill.
std::optional<EventKind> victim_doing(const Outcome& outcome) {
  std::optional<EventKind> last;
  for (const Event& event : outcome.history.events()) {
    if (event.kind == EventKind::Signal && event.object.kind == "Actor") return last;
    if (event.actor == kVictim) last = event.kind;
  }
  return std::nullopt;
}

TEST(FaultInjection, AnActorKilledAtAnyDecisionNeverHangsTheOthersAndIsNoCrash) {
  int killed_waiting = 0;
  int killed = 0;
  for (std::uint32_t decision = 0; decision < 40; ++decision) {
    auto strategy = make_strategy<RandomWalk>(decision);
    ExecutionOptions options;
    options.kill = KillActor{kVictim, decision};
    const Outcome outcome = run_execution(three_lockers(), *strategy, options);
    ASSERT_EQ(outcome.kind, OutcomeKind::Passed)
        << "kill before decision " << decision << ": " << outcome.message << "\n"
        << outcome.history.to_text();
    ASSERT_EQ(outcome.exit_codes.size(), 3u);
    EXPECT_EQ(outcome.exit_codes[0], 0);
    EXPECT_EQ(outcome.exit_codes[2], 0);
    if (outcome.exit_codes[kVictim] == -9) {
      ++killed;
      if (victim_doing(outcome) == EventKind::Wait) ++killed_waiting;
    }
  }
  EXPECT_GE(killed, 10) << "most kills must land before the victim's end";
  EXPECT_GE(killed_waiting, 1) << "no kill landed while the victim waited for the lock";
}

TEST(FaultInjection, AnExecutionWithAKillReplaysExactly) {
  for (std::uint32_t decision = 0; decision < 12; ++decision) {
    auto strategy = make_strategy<RandomWalk>(100 + decision);
    ExecutionOptions options;
    options.kill = KillActor{kVictim, decision};
    const Outcome first = run_execution(three_lockers(), *strategy, options);
    ASSERT_EQ(first.kind, OutcomeKind::Passed) << first.message;
    for (int run = 0; run < 5; ++run) {
      auto replay = make_strategy<Replay>(first.decisions, first.data_seed);
      const Outcome again = run_execution(three_lockers(), *replay, options);
      ASSERT_EQ(again.history.hash(), first.history.hash())
          << "decision " << decision << "\nfirst:\n"
          << first.history.to_text() << "\nreplay:\n"
          << again.history.to_text();
    }
  }
}

}  // namespace
}  // namespace ipcprop::harness
