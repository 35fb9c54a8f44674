// Pipe when a sender or receiver dies mid-message. Deaths are made deterministic with a hook
// that pauses a child the first time it would block (its message is then half in the pipe and it
// holds the lock), so the test can SIGKILL it there; two more tests kill at arbitrary points.
#include <csignal>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "primitives/pipe.h"
#include "primitives/process.h"
#include "tests/primitives/pipe_messages.h"
#include "tests/support/handshake.h"
#include "tests/support/report_first_wait.h"

namespace ipcprop {
namespace {

using testing::check_message;
using testing::make_message;
using testing::ReportFirstWait;
using testing::Stamp;

/// Installed in a child: the first time the child would block, it tells `paused` and then waits
/// for `resume` (forever when there is none: the test kills it there).
class PauseAtFirstWait final : public sync::Hooks {
 public:
  PauseAtFirstWait(testing::Handshake& paused, testing::Handshake* resume)
      : paused_(paused), resume_(resume) {}

  void invoke(const sync::SyncPoint&) override {}
  void returned(const sync::SyncPoint&, std::int64_t) override {}
  std::optional<sync::WaitResult> wait(const sync::SyncPoint&, sync::Deadline) override {
    if (!done_) {
      done_ = true;
      paused_.notify();
      if (resume_ != nullptr) {
        resume_->wait();
      } else {
        for (;;) ::pause();
      }
    }
    return std::nullopt;
  }
  void notify(const sync::SyncObject&) override {}
  sync::TimePoint now() override { return sync::Clock::now(); }

 private:
  testing::Handshake& paused_;
  testing::Handshake* resume_;
  bool done_ = false;
};

/// Starts a child that sends a message too big for the pipe on `end` and is paused (holding the
/// send lock, the message half written) by the time this returns.
Process start_sender_paused_mid_message(Connection& end, std::size_t size) {
  testing::Handshake paused;
  Process child([&end, size, &paused] {
    PauseAtFirstWait hooks(paused, nullptr);
    sync::install(&hooks);
    end.send_bytes(std::vector<std::byte>(size, std::byte{0x5A}));
    return 3;  // Never reached: killed while paused.
  });
  child.start();
  paused.wait();
  return child;
}

TEST(Pipe, SenderKilledMidMessageGivesBrokenMessageNotAHang) {
  // Duplex, and the parent keeps both ends: the killed child's write end stays open here, so no
  // EOF would ever end the torn message. The receiver must learn of the death on its own.
  auto [left, right] = Pipe();
  Process child = start_sender_paused_mid_message(right, 1 << 20);
  child.kill();
  child.join();
  EXPECT_EQ(child.exitcode(), -SIGKILL);
  EXPECT_THROW(left.recv_bytes(), BrokenMessage);
  right.send_bytes("after");  // The stream is whole again for the next sender.
  EXPECT_EQ(left.recv_bytes().size(), 5U);
  EXPECT_FALSE(left.poll());
}

TEST(Pipe, SenderKilledMidMessageIsRepairedByTheNextSender) {
  auto [left, right] = Pipe();
  Process dead = start_sender_paused_mid_message(right, 100 * 1024);
  dead.kill();
  dead.join();
  // The next sender takes the lock from the dead one and pads its message out; it blocks while
  // doing so (the pipe is full), and only then does the parent start to read.
  testing::Handshake padding;
  Process next([&] {
    ReportFirstWait report(padding);
    sync::install(&report);
    right.send_bytes("after");
    sync::install(nullptr);  // `report` dies with this scope; Process calls hooks on exit.
  });
  next.start();
  padding.wait();
  EXPECT_THROW(left.recv_bytes(), BrokenMessage);
  EXPECT_EQ(left.recv_bytes().size(), 5U);
  next.join();
  EXPECT_EQ(next.exitcode(), 0);
}

TEST(Pipe, SenderKilledMidMessageWithWriteEndClosedGivesBrokenMessageThenEOF) {
  auto [reader, writer] = Pipe(false);
  Process child = start_sender_paused_mid_message(writer, 1 << 20);
  writer.close();
  child.kill();
  child.join();
  EXPECT_THROW(reader.recv_bytes(), BrokenMessage);
  EXPECT_THROW(reader.recv_bytes(), EOFError);
}

TEST(Pipe, ReceiverKilledMidMessageLosesOnlyThatMessage) {
  auto [reader, writer] = Pipe(false);
  // The sender fills the pipe with the start of a 1 MiB message and waits to be let go.
  testing::Handshake sender_paused;
  testing::Handshake sender_resume;
  Process sender([&] {
    reader.close();
    PauseAtFirstWait hooks(sender_paused, &sender_resume);
    sync::install(&hooks);
    writer.send_bytes(std::vector<std::byte>(1 << 20, std::byte{1}));
    sync::install(nullptr);
    writer.send_bytes("after");
  });
  sender.start();
  writer.close();
  sender_paused.wait();
  // The receiver takes what is there (straight into its own memory) and is killed waiting for
  // the rest.
  testing::Handshake receiver_paused;
  Process receiver([&] {
    PauseAtFirstWait hooks(receiver_paused, nullptr);
    sync::install(&hooks);
    static_cast<void>(reader.recv_bytes());
    return 3;
  });
  receiver.start();
  receiver_paused.wait();
  receiver.kill();
  receiver.join();
  sender_resume.notify();
  EXPECT_THROW(reader.recv_bytes(), BrokenMessage);
  EXPECT_EQ(reader.recv_bytes().size(), 5U);
  sender.join();
  EXPECT_EQ(sender.exitcode(), 0);
}

// Senders SIGKILLed wherever they happen to be (between messages, holding the lock, half-way
// through a frame), while another sender keeps going and the write end stays open here: every
// message received is whole, the survivor loses nothing, and nothing hangs.
TEST(Pipe, SendersKilledAnywhereNeverTearOrHang) {
  constexpr std::uint32_t kRounds = 30;
  auto [reader, writer] = Pipe(false);
  const auto send_forever = [&](std::uint32_t id) {
    reader.close();
    std::mt19937 random(id * 7919U + 1);
    for (std::uint32_t i = 0;; ++i) writer.send_bytes(make_message(id, i, random));
  };
  Process survivor([&] { send_forever(0); });
  survivor.start();
  std::vector<std::int64_t> last(kRounds + 1, -1);
  std::uint32_t broken = 0;
  std::mt19937 random(99);
  const auto receive_some = [&](int count) {
    for (int n = 0; n < count; ++n) {
      std::vector<std::byte> message;
      try {
        message = reader.recv_bytes();
      } catch (const BrokenMessage&) {
        ++broken;
        continue;
      }
      const std::optional<Stamp> stamp = check_message(message);
      ASSERT_TRUE(stamp.has_value()) << "a torn or mixed message was delivered";
      ASSERT_LE(stamp->sender, kRounds);
      // The survivor never loses a message; a killed sender loses at most its last one.
      if (stamp->sender == 0) {
        ASSERT_EQ(stamp->sequence, last[0] + 1);
      } else {
        ASSERT_GT(static_cast<std::int64_t>(stamp->sequence), last[stamp->sender]);
      }
      last[stamp->sender] = stamp->sequence;
    }
  };
  for (std::uint32_t round = 1; round <= kRounds; ++round) {
    Process victim([&, round] { send_forever(round); });
    victim.start();
    receive_some(std::uniform_int_distribution<int>(1, 40)(random));
    victim.kill();
    victim.join();
  }
  receive_some(50);
  survivor.kill();
  survivor.join();
  EXPECT_LE(broken, kRounds + 1);
}

// Receivers SIGKILLed wherever they happen to be while a sender keeps going: no receiver ever
// gets a torn message and nothing hangs. A kill inside the instant between read() returning and
// the count being recorded loses frame boundaries for good; that is reported, never hidden.
TEST(Pipe, ReceiversKilledAnywhereNeverGetATornMessage) {
  constexpr int kRounds = 30;
  auto [reader, writer] = Pipe(false);
  Process sender([&] {
    reader.close();
    std::mt19937 random(5);
    for (std::uint32_t i = 0;; ++i) writer.send_bytes(make_message(0, i, random));
  });
  sender.start();
  writer.close();
  std::mt19937 random(11);
  for (int round = 0; round < kRounds; ++round) {
    testing::Handshake started;
    const int count = std::uniform_int_distribution<int>(0, 30)(random);
    Process victim([&] {
      for (int n = 0;; ++n) {
        if (n == count) started.notify();
        try {
          if (!check_message(reader.recv_bytes())) return 1;
        } catch (const BrokenMessage&) {
        }
      }
    });
    victim.start();
    started.wait();
    victim.kill();
    victim.join();
    ASSERT_EQ(victim.exitcode(), -SIGKILL) << "a receiver got a torn message";
  }
  std::int64_t last = -1;
  for (int n = 0; n < 100; ++n) {
    std::vector<std::byte> message;
    try {
      message = reader.recv_bytes();
    } catch (const BrokenMessage& error) {
      if (std::string_view(error.what()).find("boundaries") != std::string_view::npos) break;
      continue;
    }
    const std::optional<Stamp> stamp = check_message(message);
    ASSERT_TRUE(stamp.has_value()) << "a torn or mixed message was delivered";
    ASSERT_GT(static_cast<std::int64_t>(stamp->sequence), last);
    last = stamp->sequence;
  }
  sender.kill();
  sender.join();
}

}  // namespace
}  // namespace ipcprop
