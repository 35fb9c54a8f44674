// Pipe under concurrent senders and concurrent receivers: messages never interleave or split.
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "primitives/pipe.h"
#include "primitives/process.h"
#include "tests/primitives/pipe_messages.h"

namespace ipcprop {
namespace {

using testing::check_message;
using testing::make_message;
using testing::Stamp;

TEST(Pipe, ConcurrentSendersNeverInterleaveMessages) {
  constexpr std::uint32_t kSenders = 2;
  constexpr std::uint32_t kMessages = 300;
  auto [reader, writer] = Pipe(false);
  std::vector<Process> senders;
  for (std::uint32_t id = 0; id < kSenders; ++id) {
    senders.emplace_back([&, id] {
      reader.close();
      std::mt19937 random(id + 1);
      for (std::uint32_t i = 0; i < kMessages; ++i) writer.send_bytes(make_message(id, i, random));
    });
    senders.back().start();
  }
  writer.close();
  std::vector<std::uint32_t> next(kSenders, 0);
  for (std::uint32_t received = 0; received < kSenders * kMessages; ++received) {
    const std::optional<Stamp> stamp = check_message(reader.recv_bytes());
    ASSERT_TRUE(stamp.has_value()) << "message " << received << " is torn or interleaved";
    ASSERT_LT(stamp->sender, kSenders);
    ASSERT_EQ(stamp->sequence, next[stamp->sender]++) << "sender " << stamp->sender;
  }
  EXPECT_THROW(reader.recv_bytes(), EOFError);
  for (Process& sender : senders) {
    sender.join();
    EXPECT_EQ(sender.exitcode(), 0);
  }
}

TEST(Pipe, ConcurrentReceiversNeverSplitAMessage) {
  constexpr std::uint32_t kReceivers = 2;
  constexpr std::uint32_t kMessages = 600;
  auto [reader, writer] = Pipe(false);
  auto [results_in, results_out] = Pipe(false);
  std::vector<Process> receivers;
  for (std::uint32_t id = 0; id < kReceivers; ++id) {
    receivers.emplace_back([&] {
      writer.close();
      results_in.close();
      std::uint32_t count = 0;
      std::int64_t last = -1;
      for (;;) {
        std::vector<std::byte> message;
        try {
          message = reader.recv_bytes();
        } catch (const EOFError&) {
          break;
        }
        const std::optional<Stamp> stamp = check_message(message);
        if (!stamp || stamp->sequence <= last) return 1;  // Torn, or out of order.
        last = stamp->sequence;
        ++count;
      }
      results_out.send(count);
      return 0;
    });
    receivers.back().start();
  }
  reader.close();
  results_out.close();
  std::mt19937 random(7);
  for (std::uint32_t i = 0; i < kMessages; ++i) writer.send_bytes(make_message(0, i, random));
  writer.close();
  std::uint32_t total = 0;
  for (std::uint32_t id = 0; id < kReceivers; ++id) total += results_in.recv<std::uint32_t>();
  EXPECT_EQ(total, kMessages);
  for (Process& receiver : receivers) {
    receiver.join();
    EXPECT_EQ(receiver.exitcode(), 0);
  }
}

TEST(Pipe, MessageTooLongForMaxlengthStaysForAnotherProcess) {
  auto [reader, writer] = Pipe(false);
  writer.send_bytes(std::string(1000, 'x'));
  EXPECT_THROW(reader.recv_bytes(10), BufferTooShort);  // Pulled into the shared buffer.
  Process child([&] { return reader.recv_bytes().size() == 1000 ? 0 : 1; });
  child.start();
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
  EXPECT_FALSE(reader.poll());
}

}  // namespace
}  // namespace ipcprop
