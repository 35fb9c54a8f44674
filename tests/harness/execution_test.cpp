#include "harness/execution.h"

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "harness/strategies/choice_seq.h"
#include "harness/strategies/random.h"
#include "primitives/errors.h"
#include "primitives/lock.h"
#include "primitives/process.h"
#include "primitives/queue.h"
#include "primitives/shared_memory.h"

namespace ipcprop::harness {
namespace {

using namespace std::chrono_literals;

Outcome run(const std::vector<ActorProgram>& programs, std::uint64_t seed = 1,
            ExecutionOptions options = {}) {
  auto strategy = make_strategy<RandomWalk>(seed);
  return run_execution(programs, *strategy, options);
}

/// The harness's own property: the same outcome kind under many schedules.
void expect_kind_for_many_seeds(const std::vector<ActorProgram>& programs, OutcomeKind kind) {
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    const Outcome outcome = run(programs, seed);
    ASSERT_EQ(outcome.kind, kind) << "seed " << seed << ": " << outcome.message << "\n"
                                  << outcome.history.to_text();
  }
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Execution, LockProgramPassesAndRecordsEveryOperation) {
  Lock lock;
  SharedObject<long> counter(0);
  const auto worker = [&](ActorContext&) {
    for (int i = 0; i < 3; ++i) {
      lock.acquire();
      const long seen = *counter;
      lock.release();  // A sync point inside would expose a lost update; here it is protected.
      lock.acquire();
      *counter = seen + 1;
      lock.release();
    }
  };
  const Outcome outcome = run({worker, worker});
  ASSERT_TRUE(outcome.passed()) << outcome.message;
  EXPECT_FALSE(outcome.decisions.empty());
  int acquires = 0;
  for (const Event& event : outcome.history.events()) {
    if (event.kind == EventKind::Invoke && event.operation == "Lock::acquire") ++acquires;
  }
  EXPECT_EQ(acquires, 12);
}

TEST(Execution, SameSeedGivesTheSameHistoryDifferentSeedsDiffer) {
  Lock lock;
  const auto worker = [&](ActorContext&) {
    for (int i = 0; i < 4; ++i) {
      lock.acquire();
      lock.release();
    }
  };
  std::set<std::uint64_t> same_seed;
  for (int run_index = 0; run_index < 20; ++run_index) {
    same_seed.insert(run({worker, worker, worker}, 42).history.hash());
  }
  EXPECT_EQ(same_seed.size(), 1u);
  std::set<std::uint64_t> seeds;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    seeds.insert(run({worker, worker, worker}, seed).history.hash());
  }
  EXPECT_GT(seeds.size(), 5u) << "different seeds give different interleavings";
}

TEST(Execution, JoiningAChildThatWaitsOnItsParentIsADeadlock) {
  const auto parent = [](ActorContext&) {
    // Made inside the execution: a lock made outside would outlive it, still held.
    Lock lock;
    lock.acquire();
    Process child([&] { lock.acquire(); });
    child.start();
    child.join();  // The child waits for the lock we hold: nobody can move.
  };
  const auto start = std::chrono::steady_clock::now();
  const Outcome outcome = run({parent});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "found at once, not by timeout";
  ASSERT_EQ(outcome.kind, OutcomeKind::Deadlock) << outcome.message;
  EXPECT_TRUE(
      contains(outcome.message, "actor 0 waits forever in Process::join on Process of actor 1"))
      << outcome.message;
  EXPECT_TRUE(contains(outcome.message, "actor 1 waits forever in Lock::acquire on Lock#1"))
      << outcome.message;
  expect_kind_for_many_seeds({parent}, OutcomeKind::Deadlock);
}

TEST(Execution, AnHourLongTimeoutRunsOnVirtualTime) {
  Lock lock;
  const auto holder = [&](ActorContext&) {
    lock.acquire();
    Process child([&] { return lock.acquire(1h) ? 1 : 0; });
    child.start();
    child.join();
    if (child.exitcode() != 0) throw std::runtime_error("the child got a lock we hold");
    lock.release();
  };
  const auto start = std::chrono::steady_clock::now();
  const Outcome outcome = run({holder});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_TRUE(outcome.passed()) << outcome.message;
  expect_kind_for_many_seeds({holder}, OutcomeKind::Passed);
}

TEST(Execution, SegfaultingActorIsACrashNamingActorAndSignal) {
  Lock lock;
  const auto victim = [&](ActorContext&) {
    lock.acquire();
    std::signal(SIGSEGV,
                SIG_DFL);  // Sanitizers catch SIGSEGV themselves; die as a plain build would.
    std::raise(SIGSEGV);
  };
  const auto bystander = [&](ActorContext&) {
    lock.acquire();
    lock.release();
  };
  const Outcome outcome = run({bystander, victim});
  ASSERT_EQ(outcome.kind, OutcomeKind::Crash) << outcome.message;
  EXPECT_TRUE(contains(outcome.message, "actor 1 was killed by signal 11 (SIGSEGV)"))
      << outcome.message;
}

TEST(Execution, EscapingExceptionIsACrashWithExitCodeOne) {
  const Outcome outcome = run({[](ActorContext&) { throw std::runtime_error("boom"); }});
  ASSERT_EQ(outcome.kind, OutcomeKind::Crash) << outcome.message;
  EXPECT_TRUE(contains(outcome.message, "exit code 1")) << outcome.message;
}

TEST(Execution, SpinningActorIsCaughtByTheWatchdogWithItsLastSyncPoint) {
  Lock lock;
  const auto spinner = [&](ActorContext&) {
    lock.acquire();
    lock.release();
    std::atomic<unsigned> spins{0};
    for (;;) spins.fetch_add(1, std::memory_order_relaxed);
  };
  ExecutionOptions options;
  options.watchdog_limit = 300ms;
  const Outcome outcome = run({spinner}, 1, options);
  ASSERT_EQ(outcome.kind, OutcomeKind::Timeout) << outcome.message;
  EXPECT_TRUE(contains(outcome.message, "actor 0 holds the baton")) << outcome.message;
  EXPECT_TRUE(contains(outcome.message, "last at Lock::release on Lock#1")) << outcome.message;
}

TEST(Execution, ActorBlockedInTheKernelOutsideTheHooksIsCaughtByTheWatchdog) {
  Lock lock;
  const auto blocked = [&](ActorContext&) {
    lock.acquire();
    lock.release();
    int ends[2];
    if (::pipe(ends) != 0) throw std::runtime_error("pipe");
    char byte = 0;
    static_cast<void>(::read(ends[0], &byte, 1));  // Nobody ever writes: an uninstrumented wait.
  };
  ExecutionOptions options;
  options.watchdog_limit = 300ms;
  const Outcome outcome = run({blocked}, 1, options);
  ASSERT_EQ(outcome.kind, OutcomeKind::Timeout) << outcome.message;
  EXPECT_TRUE(contains(outcome.message, "actor 0 holds the baton (runnable) last at Lock::release"))
      << outcome.message;
}

TEST(Execution, ProcessesStartedByActorsBecomeActors) {
  // S1 under the harness: 3 splits give 8 processes, all actors of the execution.
  std::function<void(int)> split = [&](int first) {
    std::vector<Process> children;
    for (int level = first; level < 3; ++level) {
      children.emplace_back([&split, level] { split(level + 1); });
      children.back().start();
    }
    for (Process& child : children) child.join();
  };
  const Outcome outcome = run({[&](ActorContext&) { split(0); }});
  ASSERT_TRUE(outcome.passed()) << outcome.message;
  EXPECT_EQ(outcome.exit_codes.size(), 8u);
  expect_kind_for_many_seeds({[&](ActorContext&) { split(0); }}, OutcomeKind::Passed);
}

TEST(Execution, TerminatedChildIsAnOrdinaryEndNotACrash) {
  const auto parent = [](ActorContext&) {
    Lock never_released;
    never_released.acquire();
    Process child([&] { never_released.acquire(); });
    child.start();
    child.terminate();
    child.join();
    if (child.exitcode() != -SIGTERM) throw std::runtime_error("wrong exit code");
  };
  expect_kind_for_many_seeds({parent}, OutcomeKind::Passed);
}

volatile std::sig_atomic_t asked_to_stop = 0;

void note_stop_request(int) {
  asked_to_stop = 1;
}

void handle_sigterm(void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  if (::sigaction(SIGTERM, &action, nullptr) == -1) throw std::runtime_error("sigaction");
}

TEST(Execution, ChildThatCatchesSigtermStopsGracefullyNotACrashNorAHang) {
  const auto parent = [](ActorContext&) {
    Queue<int> ready;
    Process child([&] {
      handle_sigterm(note_stop_request);
      ready.put(1);
      const sync::SyncPoint point{"Test::work", {"Work", 1}};
      while (asked_to_stop == 0) sync::invoke(point);  // Its handler ran while it was parked.
      return 3;
    });
    child.start();
    static_cast<void>(ready.get());
    child.terminate();
    child.join();
    if (child.exitcode() != 3) throw std::runtime_error("the child did not stop by itself");
  };
  expect_kind_for_many_seeds({parent}, OutcomeKind::Passed);
}

TEST(Execution, ChildThatIgnoresSigtermStaysAnActorUntilKilled) {
  const auto parent = [](ActorContext&) {
    Queue<int> ready;
    Queue<int> never_filled;
    Process child([&] {
      handle_sigterm(SIG_IGN);
      ready.put(1);
      static_cast<void>(never_filled.get());
    });
    child.start();
    static_cast<void>(ready.get());
    child.terminate();
    if (child.join(1h)) throw std::runtime_error("join returned although SIGTERM is ignored");
    child.kill();
    child.join();
    if (child.exitcode() != -SIGKILL) throw std::runtime_error("wrong exit code");
  };
  expect_kind_for_many_seeds({parent}, OutcomeKind::Passed);
}

/// Kills the calling process after telling the hooks, as a pool task that means to die does.
[[noreturn]] void kill_myself_announced() {
  sync::after_signal(::getpid(), SIGKILL);
  ::kill(::getpid(), SIGKILL);
  std::abort();
}

TEST(Execution, ChildThatAnnouncesItsOwnKillIsAnOrdinaryEnd) {
  const auto parent = [](ActorContext&) {
    Process child([] { kill_myself_announced(); });
    child.start();
    child.join();
    if (child.exitcode() != -SIGKILL) throw std::runtime_error("wrong exit code");
  };
  expect_kind_for_many_seeds({parent}, OutcomeKind::Passed);
}

TEST(Execution, ChildDeathWakesAParentWaitingOnSomethingElse) {
  // The parent waits on an object nobody notifies, looking at its child after each wake-up, as
  // a pool's owner waits for replies and watches its workers' pidfds. Without the wake-up this
  // is reported as a deadlock.
  const auto parent = [](ActorContext&) {
    Process child([] { kill_myself_announced(); });
    child.start();
    const sync::SyncPoint point{"Test::wait", {"Unnotified", 1}};
    sync::invoke(point);
    while (child.is_alive()) {
      if (sync::wait(point, sync::Deadline::forever()) != sync::WaitResult::Notified) {
        throw std::runtime_error("the wait did not end by a notification");
      }
    }
    sync::returned(point, 1);
    child.join();
  };
  expect_kind_for_many_seeds({parent}, OutcomeKind::Passed);
}

TEST(Execution, ChildKillingItselfUnannouncedIsStillACrash) {
  const auto parent = [](ActorContext&) {
    Process child([] { ::raise(SIGKILL); });
    child.start();
    child.join();
  };
  const Outcome outcome = run({parent});
  EXPECT_EQ(outcome.kind, OutcomeKind::Crash) << outcome.message;
  EXPECT_TRUE(contains(outcome.message, "SIGKILL")) << outcome.message;
}
TEST(Execution, StressModeRunsAndSaysReplayIsProbabilistic) {
  Lock lock;
  SharedObject<long> counter(0);
  const auto worker = [&](ActorContext&) {
    for (int i = 0; i < 50; ++i) {
      std::lock_guard guard(lock);
      *counter += 1;
    }
  };
  ExecutionOptions options;
  options.mode = Mode::Stress;
  const Outcome outcome = run({worker, worker, worker}, 7, options);
  ASSERT_TRUE(outcome.passed()) << outcome.message;
  EXPECT_FALSE(outcome.replay_is_exact);
  EXPECT_EQ(*counter, 150);
}

TEST(Execution, StressModeWatchdogCatchesAHang) {
  Lock lock;
  const auto stuck = [&](ActorContext&) {
    lock.acquire();
    Process child([&] { lock.acquire(); });  // Blocks in the kernel for good.
    child.start();
    child.join();
  };
  ExecutionOptions options;
  options.mode = Mode::Stress;
  options.watchdog_limit = 300ms;
  const Outcome outcome = run({stuck}, 7, options);
  ASSERT_EQ(outcome.kind, OutcomeKind::Timeout) << outcome.message;
  EXPECT_TRUE(contains(outcome.message, "probabilistic")) << outcome.message;
}

}  // namespace
}  // namespace ipcprop::harness

namespace ipcprop::harness {
namespace {

TEST(Execution, HistoryOverflowIsAnErrorThatSaysSo) {
  Lock lock;
  ExecutionOptions options;
  options.history_capacity = 10;
  const Outcome outcome = run({[&](ActorContext&) {
                                for (int i = 0; i < 20; ++i) {
                                  lock.acquire();
                                  lock.release();
                                }
                              }},
                              1, options);
  ASSERT_EQ(outcome.kind, OutcomeKind::Error) << outcome.message;
  EXPECT_TRUE(contains(outcome.message, "the history is full (10 events)")) << outcome.message;
  EXPECT_EQ(outcome.history.events().size(), 10u) << "what was recorded is kept";
}

TEST(Execution, StressHistoryOverflowIsAnErrorToo) {
  Lock lock;
  ExecutionOptions options;
  options.mode = Mode::Stress;
  options.history_capacity = 10;
  const Outcome outcome = run({[&](ActorContext&) {
                                for (int i = 0; i < 20; ++i) {
                                  lock.acquire();
                                  lock.release();
                                }
                              }},
                              1, options);
  ASSERT_EQ(outcome.kind, OutcomeKind::Error) << outcome.message;
  EXPECT_TRUE(contains(outcome.message, "the history is full")) << outcome.message;
}

TEST(Execution, TooManyActorsOrNoneIsAUsageError) {
  const std::vector<ActorProgram> many(65, [](ActorContext&) {});
  auto strategy = make_strategy<RandomWalk>(1);
  EXPECT_THROW(run_execution(many, *strategy), UsageError);
  EXPECT_THROW(run_execution(std::vector<ActorProgram>{}, *strategy), UsageError);
  const Outcome from_factory = run_execution([] { return std::vector<ActorProgram>{}; }, *strategy);
  EXPECT_EQ(from_factory.kind, OutcomeKind::Error);
  EXPECT_TRUE(contains(from_factory.message, "no actor programs")) << from_factory.message;
}

TEST(Execution, FactoryMadePrimitivesDoNotOutliveTheirExecution) {
  // Every execution deadlocks with both locks held; fresh locks each time keep it that way.
  const ActorFactory inversion = [] {
    auto first = std::make_shared<Lock>();
    auto second = std::make_shared<Lock>();
    return std::vector<ActorProgram>{[=](ActorContext&) {
                                       std::lock_guard a(*first);
                                       sync::invoke({"Test::between", {"Test", 1}});
                                       std::lock_guard b(*second);
                                     },
                                     [=](ActorContext&) {
                                       std::lock_guard b(*second);
                                       sync::invoke({"Test::between", {"Test", 2}});
                                       std::lock_guard a(*first);
                                     }};
  };
  // Schedule: actor 0 to its mid point, then actor 1 to its own: both hold one lock.
  const std::vector<std::uint16_t> choices = {0, 0, 0, 1, 0, 0, 0};
  for (int execution = 0; execution < 3; ++execution) {
    auto strategy = make_strategy<ChoiceSequence>(choices);
    const Outcome outcome = run_execution(inversion, *strategy);
    ASSERT_EQ(outcome.kind, OutcomeKind::Deadlock) << outcome.message;
  }
}

TEST(Execution, ActorDataDependsOnlyOnSeedAndId) {
  SharedObject<std::array<std::uint64_t, 4>> values;
  const auto record = [&](ActorContext& context) { (*values)[context.id()] = context.random(); };
  run({record, record}, 3);
  const auto first = *values;
  run({record, record}, 3);
  EXPECT_EQ(*values, first);
  EXPECT_NE(first[0], first[1]) << "actors get different streams";
}

}  // namespace
}  // namespace ipcprop::harness
