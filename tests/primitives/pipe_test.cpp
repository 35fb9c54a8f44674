// Pipe and Connection: the single-process contract (framing, errors, poll, hooks) and S8 across
// fork. Concurrency and peer death are in pipe_concurrency_test.cpp.
#include "primitives/pipe.h"

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "primitives/errors.h"
#include "primitives/process.h"
#include "tests/support/handshake.h"

namespace ipcprop {
namespace {

using namespace std::chrono_literals;

std::vector<std::byte> bytes_of(std::string_view text) {
  const auto view = std::as_bytes(std::span(text));
  return {view.begin(), view.end()};
}

std::string text_of(const std::vector<std::byte>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

struct Point {
  int x = 0;
  double y = 0;
};

TEST(Pipe, DuplexEndsSendAndReceiveBothWays) {
  auto [left, right] = Pipe();
  EXPECT_TRUE(left.readable() && left.writable() && right.readable() && right.writable());
  left.send(42);
  right.send(std::string("hello"));
  EXPECT_EQ(right.recv<int>(), 42);
  EXPECT_EQ(left.recv<std::string>(), "hello");
}

TEST(Pipe, CodecTypesArriveIntact) {
  auto [left, right] = Pipe();
  left.send(std::vector<int>{1, 2, 3});
  left.send(std::map<std::string, int>{{"a", 1}, {"b", 2}});
  left.send(Point{3, 4.5});
  EXPECT_EQ(right.recv<std::vector<int>>(), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ((right.recv<std::map<std::string, int>>()),
            (std::map<std::string, int>{{"a", 1}, {"b", 2}}));
  const Point point = right.recv<Point>();
  EXPECT_EQ(point.x, 3);
  EXPECT_EQ(point.y, 4.5);
}

TEST(Pipe, RecvOfAnotherTypeThrowsDecodeError) {
  auto [left, right] = Pipe();
  left.send(std::int16_t{7});
  EXPECT_THROW(right.recv<std::int64_t>(), codec::DecodeError);
}

TEST(Pipe, MessagesKeepTheirBoundariesAndOrder) {
  auto [left, right] = Pipe();
  for (int i = 0; i < 500; ++i)
    left.send_bytes(std::string(static_cast<std::size_t>(i % 37), 'a' + i % 26));
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(text_of(right.recv_bytes()),
              std::string(static_cast<std::size_t>(i % 37), 'a' + i % 26));
  }
}

TEST(Pipe, EmptyMessagesAreRealMessages) {
  auto [left, right] = Pipe();
  left.send_bytes(std::string_view());
  left.send_bytes(std::string_view());
  left.send_bytes("x");
  EXPECT_TRUE(right.poll());
  EXPECT_TRUE(right.recv_bytes().empty());
  EXPECT_TRUE(right.poll());
  EXPECT_TRUE(right.recv_bytes().empty());
  EXPECT_EQ(text_of(right.recv_bytes()), "x");
  EXPECT_FALSE(right.poll());
}

TEST(Pipe, RecvAfterPeerClosedThrowsEOFErrorOnceDrained) {
  auto [left, right] = Pipe();
  left.send(1);
  left.send(2);
  left.close();
  EXPECT_EQ(right.recv<int>(), 1);
  EXPECT_EQ(right.recv<int>(), 2);
  EXPECT_THROW(right.recv<int>(), EOFError);
  EXPECT_THROW(right.recv_bytes(), EOFError);
  EXPECT_TRUE(right.poll());  // recv would not block: it throws EOFError.
}

TEST(Pipe, OneWayPipeReceivesOnFirstEndAndSendsOnSecond) {
  auto [reader, writer] = Pipe(false);
  EXPECT_TRUE(reader.readable());
  EXPECT_FALSE(reader.writable());
  EXPECT_FALSE(writer.readable());
  EXPECT_TRUE(writer.writable());
  writer.send(5);
  EXPECT_EQ(reader.recv<int>(), 5);
}

TEST(Pipe, SendOnOneWayReadEndIsAnError) {
  auto [reader, writer] = Pipe(false);
  EXPECT_THROW(reader.send(1), UsageError);
  EXPECT_THROW(reader.send_bytes("x"), UsageError);
}

TEST(Pipe, ReceiveOnOneWayWriteEndIsAnError) {
  auto [reader, writer] = Pipe(false);
  EXPECT_THROW(writer.recv<int>(), UsageError);
  EXPECT_THROW(writer.recv_bytes(), UsageError);
  std::byte room[4];
  EXPECT_THROW(writer.recv_bytes_into(room), UsageError);
  EXPECT_THROW(static_cast<void>(writer.poll()), UsageError);
}

TEST(Pipe, MaxlengthTooSmallKeepsTheMessage) {
  auto [left, right] = Pipe();
  left.send_bytes(std::string(100, 'm'));
  try {
    right.recv_bytes(10);
    FAIL() << "recv_bytes(10) took a 100-byte message";
  } catch (const BufferTooShort& error) {
    EXPECT_EQ(error.message_size(), 100U);
  }
  EXPECT_TRUE(right.poll());
  EXPECT_EQ(text_of(right.recv_bytes(100)), std::string(100, 'm'));
}

TEST(Pipe, RecvBytesIntoTooSmallBufferKeepsTheMessage) {
  auto [left, right] = Pipe();
  left.send_bytes("abcdef");
  std::array<std::byte, 8> room{};
  EXPECT_THROW(right.recv_bytes_into(room, 4), BufferTooShort);
  EXPECT_EQ(right.recv_bytes_into(room, 2), 6U);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(room.data()), 8),
            std::string("\0\0abcdef", 8));
}

TEST(Pipe, RecvBytesIntoOffsetPastTheEndIsAnError) {
  auto [left, right] = Pipe();
  left.send_bytes("a");
  std::array<std::byte, 4> room{};
  EXPECT_THROW(right.recv_bytes_into(room, 5), UsageError);
  EXPECT_EQ(right.recv_bytes_into(room, 4 - 1), 1U);  // The message was not touched.
}

TEST(Pipe, SendBytesSendsTheSliceAsked) {
  auto [left, right] = Pipe();
  const std::vector<std::byte> data = bytes_of("0123456789");
  left.send_bytes(data, 2, 3);
  left.send_bytes(data, 7);
  left.send_bytes(data, 10);
  EXPECT_EQ(text_of(right.recv_bytes()), "234");
  EXPECT_EQ(text_of(right.recv_bytes()), "789");
  EXPECT_EQ(text_of(right.recv_bytes()), "");
}

TEST(Pipe, SendBytesOutOfRangeIsAnErrorAndSendsNothing) {
  auto [left, right] = Pipe();
  const std::vector<std::byte> data = bytes_of("0123456789");
  EXPECT_THROW(left.send_bytes(data, 11), UsageError);
  EXPECT_THROW(left.send_bytes(data, 5, 6), UsageError);
  EXPECT_THROW(left.send_bytes(data, 0, 11), UsageError);
  EXPECT_FALSE(right.poll());
}

TEST(Pipe, ClosedConnectionRefusesEveryCall) {
  auto [left, right] = Pipe();
  left.close();
  EXPECT_TRUE(left.closed());
  EXPECT_FALSE(right.closed());
  EXPECT_THROW(left.send(1), UsageError);
  EXPECT_THROW(left.send_bytes("x"), UsageError);
  EXPECT_THROW(left.recv<int>(), UsageError);
  EXPECT_THROW(left.recv_bytes(), UsageError);
  EXPECT_THROW(static_cast<void>(left.poll()), UsageError);
  EXPECT_THROW(static_cast<void>(left.fileno()), UsageError);
  EXPECT_NO_THROW(left.close());
  EXPECT_TRUE(left.readable());  // Like Python's: the flags describe the end, open or not.
}

TEST(Pipe, SendWithNoReceiverLeftThrowsBrokenPipe) {
  auto [reader, writer] = Pipe(false);
  reader.close();
  try {
    writer.send(1);
    FAIL() << "send succeeded with every receiving end closed";
  } catch (const SystemError& error) {
    EXPECT_EQ(error.error_number(), EPIPE);
  }
}

TEST(Pipe, FilenoIsTheReceivingDescriptorWhenThereIsOne) {
  auto [reader, writer] = Pipe(false);
  EXPECT_GE(reader.fileno(), 0);
  EXPECT_GE(writer.fileno(), 0);
  EXPECT_NE(reader.fileno(), writer.fileno());
}

TEST(Pipe, PollAgreesWithRecvAndDoesNotConsume) {
  auto [left, right] = Pipe();
  EXPECT_FALSE(right.poll());
  left.send(1);
  EXPECT_TRUE(right.poll());
  EXPECT_TRUE(right.poll(10ms));
  EXPECT_EQ(right.recv<int>(), 1);
  EXPECT_FALSE(right.poll());
  left.send(2);
  left.send(3);
  EXPECT_EQ(right.recv<int>(), 2);
  EXPECT_TRUE(right.poll());  // 3 is in the shared receive buffer now, not in the kernel.
  EXPECT_EQ(right.recv<int>(), 3);
  EXPECT_FALSE(right.poll());
}

TEST(Pipe, PollTimeoutWaitsAtLeastTheTimeout) {
  auto [left, right] = Pipe();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(right.poll(50ms));
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 50ms);
  EXPECT_LT(waited, 5s);
  EXPECT_FALSE(right.poll(-1s));
}

TEST(Pipe, PollWakesWhenAChildSends) {
  auto [parent_end, child_end] = Pipe();
  testing::Handshake polling;
  Process child([&] {
    parent_end.close();
    polling.wait();
    child_end.send(9);
  });
  child.start();
  child_end.close();
  polling.notify();
  EXPECT_TRUE(parent_end.poll(30s));
  EXPECT_EQ(parent_end.recv<int>(), 9);
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
}

// S8: Pipe() gives two connected ends; send/recv between parent and child in both directions;
// recv on a closed peer with no data is EOF.
TEST(Pipe, ParentAndChildExchangeMessagesBothWays) {
  auto [parent_end, child_end] = Pipe();
  Process child([&] {
    parent_end.close();
    for (int i = 0;; ++i) {
      int value = 0;
      try {
        value = child_end.recv<int>();
      } catch (const EOFError&) {
        return i == 100 ? 0 : 1;
      }
      if (value != i) return 2;
      child_end.send(std::to_string(value * 2));
    }
  });
  child.start();
  child_end.close();
  for (int i = 0; i < 100; ++i) {
    parent_end.send(i);
    EXPECT_EQ(parent_end.recv<std::string>(), std::to_string(i * 2));
  }
  parent_end.close();
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
}

TEST(Pipe, EOFNeedsEveryCopyOfTheSendingEndClosed) {
  auto [reader, writer] = Pipe(false);
  testing::Handshake may_exit;
  Process child([&] {
    reader.close();
    may_exit.wait();
  });
  child.start();
  writer.close();
  EXPECT_FALSE(reader.poll());  // The child still holds a copy of the writing end.
  may_exit.notify();
  child.join();
  EXPECT_THROW(reader.recv<int>(), EOFError);
}

TEST(Pipe, SixteenMebibyteMessagesArriveWholeBothWays) {
  constexpr std::size_t kSize = 16U << 20U;
  std::vector<std::byte> message(kSize);
  for (std::size_t i = 0; i < kSize; ++i) message[i] = std::byte(i * 2654435761U >> 13U);
  auto [parent_end, child_end] = Pipe();
  Process child([&] {
    parent_end.close();
    std::vector<std::byte> got = child_end.recv_bytes();
    if (got != message) return 1;
    child_end.send_bytes(got);
    return 0;
  });
  child.start();
  child_end.close();
  parent_end.send_bytes(message);
  EXPECT_TRUE(parent_end.recv_bytes() == message);
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
}

/// Records every hook call, in this process only.
class RecordingHooks final : public sync::Hooks {
 public:
  void invoke(const sync::SyncPoint& point) override {
    events.push_back("invoke " + std::string(point.operation));
  }
  void returned(const sync::SyncPoint& point, std::int64_t result) override {
    events.push_back("returned " + std::string(point.operation) + " " + std::to_string(result));
  }
  std::optional<sync::WaitResult> wait(const sync::SyncPoint& point, sync::Deadline) override {
    events.push_back("wait " + std::string(point.operation));
    return sync::WaitResult::TimedOut;
  }
  void notify(const sync::SyncObject& object) override { notified.push_back(object); }
  sync::TimePoint now() override { return sync::Clock::now(); }

  std::vector<std::string> events;
  std::vector<sync::SyncObject> notified;
};

TEST(Pipe, EveryOperationIsASyncPoint) {
  auto [left, right] = Pipe();
  RecordingHooks hooks;
  sync::install(&hooks);
  left.send_bytes("abc");
  const std::vector<std::byte> got = right.recv_bytes();
  const bool ready = right.poll(1s);  // Empty: the harness answers the wait with TimedOut.
  left.close();
  sync::install(nullptr);
  EXPECT_EQ(text_of(got), "abc");
  EXPECT_FALSE(ready);
  const std::vector<std::string> expected{
      "invoke Connection::send",       "returned Connection::send 3",
      "invoke Connection::recv_bytes", "returned Connection::recv_bytes 3",
      "invoke Connection::poll",       "wait Connection::poll",
      "returned Connection::poll 0",   "invoke Connection::close",
      "returned Connection::close 1"};
  EXPECT_EQ(hooks.events, expected);
  ASSERT_GE(hooks.notified.size(), 2U);
  EXPECT_EQ(hooks.notified[0].kind, "Pipe");
  EXPECT_EQ(hooks.notified[0], hooks.notified[1]);  // send and recv name the same direction.
}

}  // namespace
}  // namespace ipcprop
