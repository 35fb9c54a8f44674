// The pool suite must catch pools that each break one promise: results in completion order, a
// lost result, one failure spreading to the tasks after it, a hang when a worker dies (Python's
// Pool), and a terminate() that lets queued tasks run.
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "primitives/pool.h"
#include "primitives/queue.h"
#include "properties/pool_suite.h"
#include "properties/runner.h"
#include "tests/properties/exact_replay.h"

namespace ipcprop::properties {
namespace {

using Task = std::int64_t (*)(std::int64_t);
using PairTask = std::int64_t (*)(std::int64_t, std::int64_t);
using Items = std::vector<std::int64_t>;
using Pairs = std::vector<std::tuple<std::int64_t, std::int64_t>>;

/// The project's Pool behind exactly the suite's interface; each mutant hides one call.
class ForwardingPool {
 public:
  ForwardingPool(std::size_t processes, PoolOptions options)
      : inner_(processes, std::move(options)) {}
  Items map(Task task, const Items& items, std::size_t chunksize) {
    return inner_.map(task, items, chunksize);
  }
  Items starmap(PairTask task, const Pairs& pairs, std::size_t chunksize) {
    return inner_.starmap(task, pairs, chunksize);
  }
  auto imap(Task task, const Items& items, std::size_t chunksize) {
    return inner_.imap(task, items, chunksize);
  }
  auto imap_unordered(Task task, const Items& items, std::size_t chunksize) {
    return inner_.imap_unordered(task, items, chunksize);
  }
  auto map_async(Task task, const Items& items, std::size_t chunksize) {
    return inner_.map_async(task, items, chunksize);
  }
  void close() { inner_.close(); }
  void terminate() { inner_.terminate(); }
  void join() { inner_.join(); }

 protected:
  Pool inner_;
};

/// Results handed out from a list, as next() does.
class ListedResults {
 public:
  explicit ListedResults(Items values) : values_(std::move(values)) {}
  std::optional<std::int64_t> next() {
    if (next_ == values_.size()) return std::nullopt;
    return values_[next_++];
  }

 private:
  Items values_;
  std::size_t next_ = 0;
};

Items collect(auto results) {
  Items values;
  while (auto value = results.next()) values.push_back(*value);
  return values;
}

/// map() collects imap_unordered's results: completion order instead of input order.
class CompletionOrderPool : public ForwardingPool {
 public:
  using ForwardingPool::ForwardingPool;
  Items map(Task task, const Items& items, std::size_t chunksize) {
    return collect(inner_.imap_unordered(task, items, chunksize == 0 ? 1 : chunksize));
  }
};

/// imap_unordered hands out the first result again instead of the last.
class RepeatingUnorderedPool : public ForwardingPool {
 public:
  using ForwardingPool::ForwardingPool;
  ListedResults imap_unordered(Task task, const Items& items, std::size_t chunksize) {
    Items values = collect(inner_.imap_unordered(task, items, chunksize));
    if (values.size() > 1) values.back() = values.front();
    return ListedResults(std::move(values));
  }
};

/// A pool whose imap results pass through `Filter::next(inner)`, a mutant's one change.
template <typename Filter>
class FilteredImapPool : public ForwardingPool {
 public:
  using ForwardingPool::ForwardingPool;
  class Results {
   public:
    explicit Results(ImapResults<std::int64_t> inner) : inner_(std::move(inner)) {}
    std::optional<std::int64_t> next() { return filter_.next(inner_); }

   private:
    ImapResults<std::int64_t> inner_;
    Filter filter_;
  };
  Results imap(Task task, const Items& items, std::size_t chunksize) {
    return Results(inner_.imap(task, items, chunksize));
  }
};

/// imap gives up after the first failed task: every later task fails too, as map would.
struct AbandonAfterAFailure {
  bool failed = false;
  std::optional<std::int64_t> next(ImapResults<std::int64_t>& inner) {
    std::optional<std::int64_t> value;
    try {
      value = inner.next();
    } catch (...) {
      failed = true;
      throw;
    }
    if (failed && value) throw TaskFailed("abandoned: an earlier task failed", 0);
    return value;
  }
};
using AbandoningPool = FilteredImapPool<AbandonAfterAFailure>;

/// When a worker dies, imap's next() waits for a reply that never comes, as Python's Pool does.
struct HangWhenAWorkerDies {
  std::optional<std::int64_t> next(ImapResults<std::int64_t>& inner) {
    try {
      return inner.next();
    } catch (const WorkerDied&) {
      Queue<std::int64_t> never_filled;
      return never_filled.get();
    }
  }
};
using HangingOnDeathPool = FilteredImapPool<HangWhenAWorkerDies>;

/// terminate() only closes: the tasks already queued still run.
class ClosingTerminatePool : public ForwardingPool {
 public:
  using ForwardingPool::ForwardingPool;
  void terminate() { inner_.close(); }
};

template <typename Property, typename Mutant>
void expect_caught_and_replayed(std::string_view name, std::string_view broken_invariant,
                                std::string_view shrunk_workload) {
  const PropertyResult result = run_property<Property, Mutant>(name);
  IPCPROP_SKIP_IF_REPLAYING_ANOTHER(result);
  ASSERT_EQ(result.kind, PropertyResult::Kind::Failed);
  EXPECT_NE(result.report.find(broken_invariant), std::string::npos) << result.report;
  EXPECT_NE(result.report.find(shrunk_workload), std::string::npos) << result.report;
  expect_exact_replay<Property, Mutant>(result);
}

/// map() returns one result too many, and kills its workers (terminate) on the way.
class TerminatingMapPool : public ForwardingPool {
 public:
  using ForwardingPool::ForwardingPool;
  Items map(Task task, const Items& items, std::size_t chunksize) {
    Items results = inner_.map(task, items, chunksize);
    inner_.terminate();
    results.push_back(0);
    return results;
  }
};

TEST(PoolMutants, AFailureWhoseExecutionKillsWorkersReplaysExactly) {
  // terminate() SIGKILLs the workers: each death must come at the same step in every replay.
  const PropertyResult result =
      run_property<pool_props::ExactlyOnceInOrder, TerminatingMapPool>("TerminatingMapPool");
  IPCPROP_SKIP_IF_REPLAYING_ANOTHER(result);
  ASSERT_EQ(result.kind, PropertyResult::Kind::Failed);
  EXPECT_NE(result.report.find("sends signal 9"), std::string::npos) << result.report;
  expect_exact_replay<pool_props::ExactlyOnceInOrder, TerminatingMapPool>(result);
}

TEST(PoolMutants, CompletionOrderResultsAreCaughtShrunkAndReplayed) {
  expect_caught_and_replayed<pool_props::ExactlyOnceInOrder, CompletionOrderPool>(
      "CompletionOrderPool", "map: input order", "imap_unordered over 2 items each");
}

TEST(PoolMutants, RepeatedUnorderedResultIsCaughtShrunkAndReplayed) {
  expect_caught_and_replayed<pool_props::ExactlyOnceInOrder, RepeatingUnorderedPool>(
      "RepeatingUnorderedPool", "are not a permutation", "imap_unordered over 2 items each");
}

TEST(PoolMutants, FailureSpreadingToLaterTasksIsCaughtShrunkAndReplayed) {
  expect_caught_and_replayed<pool_props::FailuresStayContained, AbandoningPool>(
      "AbandoningPool", "containment: task 1 returned normally",
      "Pool(1): imap, chunksize 1, over 2 tasks: task 0 throws, task 1 returns");
}

TEST(PoolMutants, HangAfterAWorkerDiesIsCaughtShrunkAndReplayed) {
  expect_caught_and_replayed<pool_props::FailuresStayContained, HangingOnDeathPool>(
      "HangingOnDeathPool", "deadlock", "Pool(1): imap, chunksize 1, over 1 task: task 0 killed");
}

TEST(PoolMutants, TerminateThatOnlyClosesIsCaughtShrunkAndReplayed) {
  expect_caught_and_replayed<pool_props::TerminateLeavesNothing, ClosingTerminatePool>(
      "ClosingTerminatePool", "after terminate() returned", "Pool(1): map_async over 1 item,");
}

}  // namespace
}  // namespace ipcprop::properties
