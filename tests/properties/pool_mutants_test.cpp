// The pool suite must catch a pool whose map returns results in completion order.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "primitives/pool.h"
#include "properties/pool_suite.h"
#include "properties/runner.h"
#include "tests/properties/exact_replay.h"

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
  expect_exact_replay<pool_props::ExactlyOnceInOrder, CompletionOrderPool>(result);
}

}  // namespace
}  // namespace ipcprop::properties
