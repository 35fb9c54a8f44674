// Pipe under the controlled harness: its sync points let the harness schedule sends and
// receives, and report a recv that can never complete the moment it happens (S7 for pipes).
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "harness/execution.h"
#include "harness/strategies/random.h"
#include "primitives/pipe.h"

namespace ipcprop {
namespace {

using harness::ActorContext;
using harness::ActorProgram;
using harness::OutcomeKind;

/// Runs the actors `make(left, right)` returns over a fresh duplex Pipe, once per seed, and
/// expects `kind` every time.
template <typename MakeActors>
void expect_kind_for_many_seeds(MakeActors make, OutcomeKind kind) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    auto strategy = harness::make_strategy<harness::RandomWalk>(seed);
    const harness::Outcome outcome = harness::run_execution(
        [&] {
          auto ends = std::make_shared<std::pair<Connection, Connection>>(Pipe());
          return make(ends);
        },
        *strategy);
    ASSERT_EQ(outcome.kind, kind) << "seed " << seed << ": " << outcome.message << "\n"
                                  << outcome.history.to_text();
  }
}

using Ends = std::shared_ptr<std::pair<Connection, Connection>>;

TEST(PipeUnderHarness, PingPongPassesUnderEverySchedule) {
  expect_kind_for_many_seeds(
      [](const Ends& ends) {
        return std::vector<ActorProgram>{[ends](ActorContext&) {
                                           for (int i = 0; i < 5; ++i) {
                                             ends->first.send(i);
                                             if (ends->first.recv<int>() != i + 100)
                                               throw std::runtime_error("wrong reply");
                                           }
                                         },
                                         [ends](ActorContext&) {
                                           for (int i = 0; i < 5; ++i)
                                             ends->second.send(ends->second.recv<int>() + 100);
                                         }};
      },
      OutcomeKind::Passed);
}

TEST(PipeUnderHarness, TwoSendersOneReceiverPassesUnderEverySchedule) {
  expect_kind_for_many_seeds(
      [](const Ends& ends) {
        const auto sender = [ends](ActorContext&) {
          for (int i = 0; i < 3; ++i) ends->first.send_bytes(std::string(100, 's'));
        };
        return std::vector<ActorProgram>{sender, sender, [ends](ActorContext&) {
                                           for (int i = 0; i < 6; ++i) {
                                             if (ends->second.recv_bytes().size() != 100)
                                               throw std::runtime_error("torn");
                                           }
                                         }};
      },
      OutcomeKind::Passed);
}

TEST(PipeUnderHarness, RecvThatNoSendCanSatisfyIsADeadlock) {
  // Two sends, three receives: the third recv can never complete, and the harness says so at
  // once instead of hanging.
  expect_kind_for_many_seeds(
      [](const Ends& ends) {
        return std::vector<ActorProgram>{[ends](ActorContext&) {
                                           ends->first.send(1);
                                           ends->first.send(2);
                                         },
                                         [ends](ActorContext&) {
                                           for (int i = 0; i < 3; ++i) {
                                             static_cast<void>(ends->second.recv<int>());
                                           }
                                         }};
      },
      OutcomeKind::Deadlock);
}

TEST(PipeUnderHarness, PollTimeoutRunsOnVirtualTime) {
  expect_kind_for_many_seeds(
      [](const Ends& ends) {
        return std::vector<ActorProgram>{[ends](ActorContext&) {
          using namespace std::chrono_literals;
          if (ends->second.poll(1h)) throw std::runtime_error("poll saw a message nobody sent");
        }};
      },
      OutcomeKind::Passed);
}

}  // namespace
}  // namespace ipcprop
