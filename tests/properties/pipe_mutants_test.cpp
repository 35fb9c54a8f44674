// The pipe suite must catch a pipe that tears large messages, shrink it and replay it.
#include <cstddef>
#include <span>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "primitives/pipe.h"
#include "properties/pipe_suite.h"
#include "properties/runner.h"
#include "tests/properties/exact_replay.h"

namespace ipcprop::properties {
namespace {

/// Sends a message longer than 100 bytes as two: a realistic framing bug (a write split at a
/// buffer boundary), which the receiver sees as two messages.
class TearingConnection {
 public:
  explicit TearingConnection(Connection inner) : inner_(std::move(inner)) {}
  void send_bytes(std::span<const std::byte> bytes) {
    if (bytes.size() <= 100) return inner_.send_bytes(bytes);
    inner_.send_bytes(bytes.first(100));
    inner_.send_bytes(bytes.subspan(100));
  }
  std::vector<std::byte> recv_bytes() { return inner_.recv_bytes(); }
  bool poll() { return inner_.poll(); }
  void close() { inner_.close(); }

 private:
  Connection inner_;
};

struct TearingPipe {
  static std::pair<TearingConnection, TearingConnection> make(bool duplex) {
    auto [first, second] = Pipe(duplex);
    return {TearingConnection(std::move(first)), TearingConnection(std::move(second))};
  }
};

TEST(PipeMutants, TornMessagesAreCaughtShrunkAndReplayed) {
  const PropertyResult result =
      run_property<pipe_props::WholeInOrderThenEof, TearingPipe>("TearingPipe");
  IPCPROP_SKIP_IF_REPLAYING_ANOTHER(result);
  ASSERT_EQ(result.kind, PropertyResult::Kind::Failed);
  EXPECT_NE(result.report.find("whole and in order"), std::string::npos) << result.report;
  EXPECT_NE(result.report.find("forward of sizes [101]"), std::string::npos)
      << "shrinks to one message just over the tear:\n"
      << result.report;
  expect_exact_replay<pipe_props::WholeInOrderThenEof, TearingPipe>(result);
}

}  // namespace
}  // namespace ipcprop::properties
