// The receiving half of a Pipe direction: the shared receive buffer, whole-frame reads, and what a
// receiver does about a frame whose sender died. See ChannelState (pipe_channel.h) and the
// Connection class comment.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include <fmt/format.h>

#include "primitives/detail/pipe_channel.h"
#include "primitives/errors.h"
#include "primitives/pipe.h"

namespace ipcprop::detail {
namespace {

/// How long a receiver in the middle of a frame waits before checking that its sender lives.
constexpr timespec kSenderCheckInterval{.tv_sec = 0, .tv_nsec = 5'000'000};

/// Unwinds a receive to the point where it drops the bytes of a lost frame (lost_until is set).
struct FrameLost {};

class Receiver {
 public:
  Receiver(ChannelState& channel, int fd, const sync::SyncPoint& point, bool& expect_wait) noexcept
      : channel_(channel), fd_(fd), point_(point), expect_wait_(expect_wait) {}

  std::size_t receive(PayloadSink& sink);

 private:
  std::size_t buffered() const noexcept { return channel_.tail - channel_.head; }
  std::size_t receive_buffered(std::span<std::byte> payload, std::uint64_t total);
  std::size_t receive_direct(std::span<std::byte> payload, std::uint64_t total);
  bool fill(bool mid_frame);
  void compact() noexcept;
  void consume(std::size_t count) noexcept;
  void wait_for_bytes(bool mid_frame);
  bool take_from_dead_sender();
  [[noreturn]] void closed_mid_frame();
  [[noreturn]] void drop_lost_bytes();
  [[noreturn]] void torn(LossReason reason) const;

  ChannelState& channel_;
  int fd_;
  const sync::SyncPoint& point_;
  /// See receive_frame: wait before the first read instead of spending a read on EAGAIN.
  bool& expect_wait_;
};

std::size_t Receiver::receive(PayloadSink& sink) {
  if (channel_.boundaries_lost) {
    throw BrokenMessage(
        fmt::format("{} on {}: message boundaries on this connection are lost (a receiving "
                    "process died inside a read from the kernel, or bytes that no Connection "
                    "sent reached the pipe); it cannot be read any more",
                    point_.operation, describe(point_.object)));
  }
  try {
    if (channel_.lost_until > receive_position(channel_)) throw FrameLost{};
    while (buffered() < kHeaderSize) {
      if (channel_.tail == channel_.buffer.size()) compact();
      if (!fill(buffered() > 0)) {
        if (buffered() == 0) {
          throw EOFError(
              fmt::format("{} on {}: the sending end is closed in every process and "
                          "no message is left",
                          point_.operation, describe(point_.object)));
        }
        closed_mid_frame();
      }
    }
    std::uint32_t magic = 0;
    std::uint32_t size = 0;
    std::memcpy(&magic, &channel_.buffer[channel_.head], 4);
    std::memcpy(&size, &channel_.buffer[channel_.head + 4], 4);
    if (magic != kFrameMagic) {
      channel_.boundaries_lost = true;
      throw BrokenMessage(
          fmt::format("{} on {}: corrupt frame header (bytes written to the pipe "
                      "by something other than Connection?); it cannot be read "
                      "any more",
                      point_.operation, describe(point_.object)));
    }
    const std::uint64_t total = kHeaderSize + size + kTrailerSize;
    const std::span<std::byte> payload = sink.prepare(size);
    if (total > channel_.buffer.size()) return receive_direct(payload, total);
    return receive_buffered(payload, total);
  } catch (const FrameLost&) {
    drop_lost_bytes();
  }
}

std::size_t Receiver::receive_buffered(std::span<std::byte> payload, std::uint64_t total) {
  if (channel_.head + total > channel_.buffer.size()) compact();
  while (buffered() < total) {
    if (!fill(true)) closed_mid_frame();
  }
  const std::byte* frame = &channel_.buffer[channel_.head];
  if (!payload.empty()) std::memcpy(payload.data(), frame + kHeaderSize, payload.size());
  std::uint32_t trailer = 0;
  std::memcpy(&trailer, frame + kHeaderSize + payload.size(), kTrailerSize);
  consume(total);
  if (trailer != kTrailerIntact) torn(LossReason::SenderDied);
  return payload.size();
}

std::size_t Receiver::receive_direct(std::span<std::byte> payload, std::uint64_t total) {
  // Record where the frame ends *before* emptying the buffer: a receiver that dies from here on
  // leaves enough for the next one to skip exactly this frame (recover_dead_receiver).
  const std::uint64_t frame_end = receive_position(channel_) + total;
  channel_.direct_end = frame_end;
  std::array<std::byte, kTrailerSize> trailer{};
  const std::size_t have = buffered() - kHeaderSize;
  std::size_t got = std::min(have, payload.size());
  std::size_t trailer_got = have - got;
  std::memcpy(payload.data(), &channel_.buffer[channel_.head + kHeaderSize], got);
  std::memcpy(trailer.data(), &channel_.buffer[channel_.head + kHeaderSize + got], trailer_got);
  channel_.head = channel_.tail = 0;
  while (channel_.consumed.load() < frame_end) {
    iovec parts[2] = {{payload.data() + got, payload.size() - got},
                      {trailer.data() + trailer_got, kTrailerSize - trailer_got}};
    const int first = got == payload.size() ? 1 : 0;
    channel_.read_seq.fetch_add(1);
    const ssize_t read = ::readv(fd_, parts + first, 2 - first);
    if (read > 0) {
      channel_.consumed.fetch_add(static_cast<std::uint64_t>(read));
      channel_.read_seq.fetch_add(1);
      const std::size_t to_payload = std::min<std::size_t>(read, payload.size() - got);
      got += to_payload;
      trailer_got += static_cast<std::size_t>(read) - to_payload;
      continue;
    }
    const int error = errno;
    channel_.read_seq.fetch_add(1);
    if (read == 0) closed_mid_frame();
    if (error == EINTR) continue;
    if (error != EAGAIN) throw SystemError("readv", error, describe(point_.object));
    wait_for_bytes(true);
  }
  channel_.direct_end = 0;
  std::uint32_t mark = 0;
  std::memcpy(&mark, trailer.data(), kTrailerSize);
  if (mark != kTrailerIntact) torn(LossReason::SenderDied);
  return payload.size();
}

bool Receiver::fill(bool mid_frame) {
  // Not under a harness: there a wait means "nothing to read", and a stale hint would lie.
  if (std::exchange(expect_wait_, false) && sync::installed() == nullptr) {
    wait_for_bytes(mid_frame);
  }
  for (;;) {
    // Odd read_seq brackets the read so that a dead receiver's unrecorded bytes are detected.
    const std::size_t room = channel_.buffer.size() - channel_.tail;
    channel_.read_seq.fetch_add(1);
    const ssize_t read = ::read(fd_, &channel_.buffer[channel_.tail], room);
    if (read > 0) {
      channel_.consumed.fetch_add(static_cast<std::uint64_t>(read));
      channel_.tail += static_cast<std::uint32_t>(read);
      channel_.read_seq.fetch_add(1);
      return true;
    }
    const int error = errno;
    channel_.read_seq.fetch_add(1);
    if (read == 0) return false;
    if (error == EINTR) continue;
    if (error != EAGAIN) throw SystemError("read", error, describe(point_.object));
    wait_for_bytes(mid_frame);
  }
}

void Receiver::compact() noexcept {
  // Odd read_seq: a receiver dying half-way through the move leaves the buffer unreadable.
  channel_.read_seq.fetch_add(1);
  std::memmove(channel_.buffer.data(), &channel_.buffer[channel_.head], buffered());
  channel_.tail -= channel_.head;
  channel_.head = 0;
  channel_.read_seq.fetch_add(1);
}

void Receiver::consume(std::size_t count) noexcept {
  channel_.head += static_cast<std::uint32_t>(count);
  if (channel_.head == channel_.tail) channel_.head = channel_.tail = 0;
}

void Receiver::wait_for_bytes(bool mid_frame) {
  if (mid_frame && take_from_dead_sender()) return;
  if (sync::wait(point_, sync::Deadline::forever())) return;
  // Mid-frame, wake up now and then to look at the sender: a dead one never writes again, and
  // its write end may stay open in other processes, so no EOF would come.
  poll_descriptor(fd_, POLLIN, mid_frame ? &kSenderCheckInterval : nullptr, point_.object);
}

bool Receiver::take_from_dead_sender() {
  const AcquireResult sender = channel_.send_lock.try_acquire(point_.object);
  if (!sender.acquired()) return false;  // Its sender is alive and still writing.
  const HeldLock held(channel_.send_lock, point_.operation, point_.object);
  if (sender.status != AcquireResult::Status::AcquiredFromDeadOwner) return false;
  // The sender died; while we hold its lock nobody can add bytes, so the stream ends exactly at
  // what receivers took plus what is queued.
  if (channel_.inflight_size == 0) return true;  // It finished its frame first: read on.
  int queued = 0;
  check_call(::ioctl(fd_, FIONREAD, &queued), "ioctl(FIONREAD)", describe(point_.object));
  const std::uint64_t end = channel_.consumed.load() + static_cast<std::uint64_t>(queued);
  const std::uint64_t frame_end = channel_.inflight_start + channel_.inflight_size;
  channel_.inflight_size = 0;
  if (end >= frame_end) {
    channel_.written = frame_end;
    return true;  // The whole frame is there after all.
  }
  channel_.written = end;  // The next sender starts right after the torn bytes.
  channel_.lost_until = end;
  channel_.lost = LossReason::SenderDied;
  throw FrameLost{};
}

void Receiver::closed_mid_frame() {
  // End of stream: the kernel pipe is empty, so everything left of the frame is in hand.
  channel_.lost_until = channel_.consumed.load();
  channel_.lost = LossReason::SenderClosed;
  throw FrameLost{};
}

void Receiver::drop_lost_bytes() {
  channel_.direct_end = 0;
  for (;;) {
    const std::uint64_t position = receive_position(channel_);
    if (position >= channel_.lost_until) break;
    consume(static_cast<std::size_t>(
        std::min<std::uint64_t>(buffered(), channel_.lost_until - position)));
    if (receive_position(channel_) >= channel_.lost_until) break;
    try {
      if (!fill(true)) break;  // End of stream: nothing more of it will come.
    } catch (const FrameLost&) {
      // Its sender died too: lost_until moved on; keep dropping.
    }
  }
  const LossReason reason = channel_.lost;
  channel_.lost = LossReason::None;
  torn(reason);
}

void Receiver::torn(LossReason reason) const {
  const char* why = "";
  switch (reason) {
    case LossReason::SenderDied:
    case LossReason::None:
      why = "its sending process died in the middle of it";
      break;
    case LossReason::ReceiverDied:
      why = "a receiving process died while taking it";
      break;
    case LossReason::SenderClosed:
      why = "the sending end was closed (in every process) in the middle of it";
      break;
  }
  throw BrokenMessage(
      fmt::format("{} on {}: a message was lost because {}; later messages are "
                  "not affected",
                  point_.operation, describe(point_.object), why));
}

}  // namespace

std::size_t receive_frame(ChannelState& channel, int read_fd, PayloadSink& sink,
                          const sync::SyncPoint& point, bool& expect_wait) {
  const AcquireResult lock =
      channel.recv_lock.acquire(point, sync::Deadline::forever(), point.object);
  const HeldLock held(channel.recv_lock, point.operation, point.object);
  if (lock.status == AcquireResult::Status::AcquiredFromDeadOwner) recover_dead_receiver(channel);
  return Receiver(channel, read_fd, point, expect_wait).receive(sink);
}

}  // namespace ipcprop::detail
