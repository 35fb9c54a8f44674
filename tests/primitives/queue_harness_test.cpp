// Queue under the controlled harness: S7 (three puts, four gets) is reported as a deadlock at
// once, a timed get runs on virtual time, and producer/consumer programs pass in every
// interleaving the strategy picks.
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/execution.h"
#include "harness/strategies/random.h"
#include "primitives/queue.h"

namespace ipcprop {
namespace {

using namespace std::chrono_literals;
using harness::ActorContext;
using harness::Outcome;
using harness::OutcomeKind;

Outcome run(const std::vector<harness::ActorProgram>& programs, std::uint64_t seed = 1) {
  auto strategy = harness::make_strategy<harness::RandomWalk>(seed);
  return harness::run_execution(programs, *strategy);
}

TEST(QueueHarness, ThreePutsFourGetsIsReportedAsDeadlockAtOnce) {
  Queue<int> queue;
  const auto program = [&](ActorContext&) {
    for (int i = 0; i < 3; ++i) queue.put(i);
    for (int i = 0; i < 4; ++i) static_cast<void>(queue.get());
  };
  const auto start = std::chrono::steady_clock::now();
  const Outcome outcome = run({program});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "found at once, not by timeout";
  ASSERT_EQ(outcome.kind, OutcomeKind::Deadlock) << outcome.message;
  EXPECT_NE(outcome.message.find("Queue::get"), std::string::npos) << outcome.message;
}

TEST(QueueHarness, ConsumerOfAFinishedProducerWaitsForeverInGet) {
  // S7 with two actors: the producer puts three and exits; the consumer's fourth get hangs.
  const harness::ActorFactory actors = [] {
    auto queue = std::make_shared<Queue<int>>();
    return std::vector<harness::ActorProgram>{[=](ActorContext&) {
                                                for (int i = 0; i < 3; ++i) queue->put(i);
                                              },
                                              [=](ActorContext&) {
                                                for (int i = 0; i < 4; ++i)
                                                  static_cast<void>(queue->get());
                                              }};
  };
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    auto strategy = harness::make_strategy<harness::RandomWalk>(seed);
    const Outcome outcome = harness::run_execution(actors, *strategy);
    ASSERT_EQ(outcome.kind, OutcomeKind::Deadlock) << outcome.message;
    EXPECT_NE(outcome.message.find("actor 1 waits forever in Queue::get on Queue#1"),
              std::string::npos)
        << outcome.message;
    EXPECT_NE(outcome.message.find("(1 actor already exited)"), std::string::npos)
        << outcome.message;
  }
}

TEST(QueueHarness, TimedGetOnEmptyQueueRaisesEmptyOnVirtualTime) {
  Queue<int> queue;
  const auto program = [&](ActorContext&) {
    for (int i = 0; i < 3; ++i) queue.put(i);
    for (int i = 0; i < 3; ++i) static_cast<void>(queue.get());
    try {
      static_cast<void>(queue.get(1h));
    } catch (const Empty&) {
      return;
    }
    throw std::logic_error("the fourth get did not raise Empty");
  };
  const auto start = std::chrono::steady_clock::now();
  const Outcome outcome = run({program});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "an hour of virtual time";
  EXPECT_EQ(outcome.kind, OutcomeKind::Passed) << outcome.message;
}

TEST(QueueHarness, ProducersAndConsumersPassInEveryScheduleTried) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    Queue<int> queue(2);
    const auto producer = [&](ActorContext& actor) {
      for (int i = 0; i < 5; ++i) queue.put(static_cast<int>(actor.id()) * 100 + i);
    };
    const auto consumer = [&](ActorContext&) {
      int last[2] = {-1, -1};
      for (int i = 0; i < 5; ++i) {
        const int value = queue.get();
        const int from = value / 100;
        if (value % 100 <= last[from]) throw std::logic_error("out of order");
        last[from] = value % 100;
      }
    };
    const Outcome outcome = run({producer, producer, consumer, consumer}, seed);
    ASSERT_EQ(outcome.kind, OutcomeKind::Passed) << "seed " << seed << ": " << outcome.message;
  }
}

}  // namespace
}  // namespace ipcprop
