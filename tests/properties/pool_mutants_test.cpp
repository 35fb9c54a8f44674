// The pool suite must catch a pool whose map returns results in completion order.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "primitives/pool.h"
#include "properties/pool_suite.h"
#include "properties/runner.h"

namespace ipcprop::properties {
namespace {

/// map() collects imap_unordered's results: completion order instead of input order.
class CompletionOrderPool {
 public:
  CompletionOrderPool(std::size_t processes, PoolOptions options)
      : inner_(processes, std::move(options)) {}
  std::vector<std::int64_t> map(std::int64_t (*task)(std::int64_t),
                                const std::vector<std::int64_t>& items, std::size_t chunksize) {
    std::vector<std::int64_t> results;
    auto unordered = inner_.imap_unordered(task, items, chunksize == 0 ? 1 : chunksize);
    while (auto result = unordered.next()) results.push_back(*result);
    return results;
  }
  void close() { inner_.close(); }
  void join() { inner_.join(); }

 private:
  Pool inner_;
};

TEST(PoolMutants, CompletionOrderResultsAreCaughtShrunkAndReplayed) {
  const PropertyResult result =
      run_property<pool_props::ExactlyOnceInOrder, CompletionOrderPool>("CompletionOrderPool");
  ASSERT_EQ(result.kind, PropertyResult::Kind::Failed);
  EXPECT_NE(result.report.find("input order"), std::string::npos) << result.report;
  const ReplayToken token = decode_token(result.token);
  for (int run = 0; run < 20; ++run) {
    const PropertyResult again =
        replay_property<pool_props::ExactlyOnceInOrder, CompletionOrderPool>(token);
    ASSERT_FALSE(again.passed());
    ASSERT_EQ(again.outcome.history.hash(), result.outcome.history.hash()) << "run " << run;
  }
}

}  // namespace
}  // namespace ipcprop::properties
