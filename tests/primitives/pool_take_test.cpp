// Pool: a worker killed in the "take window", after its get on the task queue consumed a
// message and before it recorded which message (pool_shared.h). No task code runs there, so
// the test makes it deterministic with sync hooks whose returned() for that get kills the
// worker. The message must not be lost silently: its task fails with WorkerDied, a lost stop
// message is replaced, and everything else completes.
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <poll.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "primitives/pool.h"
#include "tests/primitives/pool_test_support.h"

namespace ipcprop {
namespace {

int square(int x) {
  testing::count_run(x);
  return x * x;
}

/// Kills the worker whose take is number counters->kill_at, right after the queue get.
class TakeKiller final : public sync::Hooks {
 public:
  TakeKiller() { sync::install(this); }
  TakeKiller(const TakeKiller&) = delete;
  TakeKiller& operator=(const TakeKiller&) = delete;
  TakeKiller(TakeKiller&&) = delete;
  TakeKiller& operator=(TakeKiller&&) = delete;
  ~TakeKiller() override { sync::install(nullptr); }

  void invoke(const sync::SyncPoint& /*point*/) override {}
  void returned(const sync::SyncPoint& point, std::int64_t result) override {
    if (point.operation != "Pool::take" || point.object.kind != "Queue" || result != 1) return;
    if (testing::counters->takes.fetch_add(1) + 1 == testing::counters->kill_at.load()) {
      ::raise(SIGKILL);
    }
  }
  std::optional<sync::WaitResult> wait(const sync::SyncPoint& /*point*/,
                                       sync::Deadline /*deadline*/) override {
    return std::nullopt;
  }
  void notify(const sync::SyncObject& /*object*/) override {}
  sync::TimePoint now() override { return sync::Clock::now(); }
};

TEST(Pool, WorkerKilledWhileTakingATaskFailsThatTaskAndTheRestComplete) {
  const testing::SharedCounters shared;
  shared->kill_at = 3;  // The third message taken is task 2's.
  const TakeKiller killer;
  Pool pool(2);
  auto results = pool.imap(square, std::vector<int>{0, 1, 2, 3, 4, 5});
  for (int x = 0; x < 6; ++x) {
    if (x == 2) {
      try {
        static_cast<void>(results.next());
        FAIL() << "task 2 did not fail";
      } catch (const WorkerDied& error) {
        EXPECT_NE(std::string(error.what())
                      .find("was killed by signal 9 (SIGKILL) while taking task 2, before "
                            "running it"),
                  std::string::npos)
            << error.what();
        EXPECT_EQ(error.task(), 2u);
      }
    } else {
      EXPECT_EQ(results.next(), x * x);
    }
  }
  for (int x = 0; x < 6; ++x) EXPECT_EQ(shared->runs[x].load(), x == 2 ? 0 : 1) << "task " << x;
  pool.close();
  pool.join();
}

/// TakeKiller, and an order of events: the owner finds the reply queue empty, then the killed
/// worker's death is visible (its pidfd) and the loss report of the next taker is queued, all
/// before the owner looks at its workers. So the owner notices the death first, and the report
/// it drains while judging that death names the same worker.
class LossQueuedBeforeDeathIsJudged final : public sync::Hooks {
 public:
  LossQueuedBeforeDeathIsJudged() { sync::install(this); }
  LossQueuedBeforeDeathIsJudged(const LossQueuedBeforeDeathIsJudged&) = delete;
  LossQueuedBeforeDeathIsJudged& operator=(const LossQueuedBeforeDeathIsJudged&) = delete;
  LossQueuedBeforeDeathIsJudged(LossQueuedBeforeDeathIsJudged&&) = delete;
  LossQueuedBeforeDeathIsJudged& operator=(LossQueuedBeforeDeathIsJudged&&) = delete;
  ~LossQueuedBeforeDeathIsJudged() override { sync::install(nullptr); }

  void invoke(const sync::SyncPoint& point) override {
    // The reporter's first reply is the loss report: hold it until the owner found none.
    if (point.operation != "Pool::reply" || ::getpid() != testing::counters->reporter.load()) {
      return;
    }
    while (testing::counters->stage.load() == 0) ::sched_yield();
  }
  void returned(const sync::SyncPoint& point, std::int64_t result) override {
    auto& shared = *testing::counters;
    if (point.operation == "Pool::take" && point.object.kind == "Queue" && result == 1) {
      const int take = shared.takes.fetch_add(1) + 1;
      if (take == shared.kill_at.load()) {
        shared.killed.store(::getpid());
        ::raise(SIGKILL);
      }
      if (take == shared.kill_at.load() + 1) shared.reporter.store(::getpid());
    } else if (point.operation == "Pool::reply" && ::getpid() == shared.reporter.load()) {
      int queued = 1;
      shared.stage.compare_exchange_strong(queued, 2);
    } else if (point.operation == "Pool::collect" && result == 0 && ::getpid() == owner_ &&
               shared.killed.load() != 0) {
      int idle = 0;
      if (!shared.stage.compare_exchange_strong(idle, 1)) return;
      while (shared.stage.load() != 2) ::sched_yield();
      const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, shared.killed.load(), 0));
      ASSERT_GE(pidfd, 0) << "pidfd_open: " << std::strerror(errno);
      pollfd entry{pidfd, POLLIN, 0};
      while (::poll(&entry, 1, -1) == -1 && errno == EINTR) {
      }
      ::close(pidfd);
    }
  }
  std::optional<sync::WaitResult> wait(const sync::SyncPoint& /*point*/,
                                       sync::Deadline /*deadline*/) override {
    return std::nullopt;
  }
  void notify(const sync::SyncObject& /*object*/) override {}
  sync::TimePoint now() override { return sync::Clock::now(); }

 private:
  pid_t owner_ = ::getpid();
};

TEST(Pool, LossReportDrainedWhileJudgingTheDeathLeavesTheSuccessorAlone) {
  const testing::SharedCounters shared;
  shared->kill_at = 3;  // Task 2's message, as above.
  const LossQueuedBeforeDeathIsJudged order;
  Pool pool(2);
  auto results = pool.imap(square, std::vector<int>{0, 1, 2, 3, 4, 5});
  for (int x = 0; x < 6; ++x) {
    if (x == 2) {
      EXPECT_THROW(static_cast<void>(results.next()), WorkerDied);
    } else {
      EXPECT_EQ(results.next(), x * x);
    }
  }
  EXPECT_EQ(shared->stage.load(), 2) << "the order of events did not happen";
  pool.close();
  pool.join();
}

TEST(Pool, WorkerKilledWhileTakingTheLastTaskIsFoundByAProbe) {
  const testing::SharedCounters shared;
  shared->kill_at = 1;
  const TakeKiller killer;
  Pool pool(1);
  auto result = pool.apply_async(square, 4);
  EXPECT_THROW(static_cast<void>(result.get()), WorkerDied);
  EXPECT_EQ(shared->runs[4].load(), 0);
  EXPECT_EQ(pool.apply(square, 5), 25);
  pool.close();
  pool.join();
}

TEST(Pool, WorkerKilledWhileTakingAStopMessageStillLetsJoinFinish) {
  const testing::SharedCounters shared;
  shared->kill_at = 1;
  const TakeKiller killer;
  Pool pool(1);
  pool.close();
  pool.join();
  EXPECT_TRUE(pool.worker_pids().empty());
  EXPECT_GE(shared->takes.load(), 3) << "stop (lost), probe, the replacement stop";
}

}  // namespace
}  // namespace ipcprop
