// The sending half of a Pipe direction: framing, the send lock, and repairing the frame a dead
// sender left torn. See ChannelState (pipe_channel.h) and the Connection class comment.
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>

#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "primitives/detail/pipe_channel.h"
#include "primitives/errors.h"

namespace ipcprop::detail {
namespace {

constexpr std::size_t kSmallFrame = 512;

/// Writes all of `parts` to the non-blocking `fd`, waiting for room through the wait protocol.
/// `done` counts the bytes written so far, also when this throws.
void write_all(int fd, std::span<iovec> parts, const sync::SyncPoint& point, std::uint64_t& done) {
  std::size_t index = 0;
  while (index < parts.size() && parts[index].iov_len == 0) ++index;
  while (index < parts.size()) {
    // One piece goes through write(): it skips writev's copying and checking of the iovec array.
    const int count = static_cast<int>(std::min<std::size_t>(parts.size() - index, IOV_MAX));
    const ssize_t wrote = count == 1 ? ::write(fd, parts[index].iov_base, parts[index].iov_len)
                                     : ::writev(fd, &parts[index], count);
    if (wrote >= 0) {
      done += static_cast<std::uint64_t>(wrote);
      auto left = static_cast<std::size_t>(wrote);
      while (index < parts.size() && left >= parts[index].iov_len) left -= parts[index++].iov_len;
      if (index < parts.size()) {
        parts[index].iov_base = static_cast<char*>(parts[index].iov_base) + left;
        parts[index].iov_len -= left;
      }
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) throw_system_error("writev", describe(point.object));
    // The pipe is full. What is in it already may be what a waiting receiver needs.
    sync::notify(point.object);
    if (sync::wait(point, sync::Deadline::forever())) continue;
    poll_descriptor(fd, POLLOUT, nullptr, point.object);
  }
}

/// Writes the part of the in-flight frame after its first `have` bytes as padding: the rest of
/// the header, then zeros, so the trailer is not intact and receivers report the frame lost.
void pad_inflight_frame(ChannelState& channel, int fd, std::uint64_t have,
                        const sync::SyncPoint& point) {
  static const std::array<std::byte, 64 * 1024> zeros{};
  std::uint64_t done = 0;
  if (have < kHeaderSize) {
    iovec rest{channel.inflight_header.data() + have, kHeaderSize - have};
    write_all(fd, std::span(&rest, 1), point, done);
    have = kHeaderSize;
  }
  while (have < channel.inflight_size) {
    const auto chunk = std::min<std::uint64_t>(channel.inflight_size - have, zeros.size());
    iovec part{const_cast<std::byte*>(zeros.data()), chunk};
    write_all(fd, std::span(&part, 1), point, done);
    have += chunk;
  }
}

/// The stream offset just past the last byte in the pipe, exact while the caller holds the send
/// lock: bytes receivers have taken plus bytes still queued, sampled between two equal even
/// values of read_seq so that no receiver's read is counted in one and not the other. nullopt
/// if a dead receiver lost the count for good.
std::optional<std::uint64_t> stream_end(ChannelState& channel, int write_fd,
                                        const sync::SyncObject& object) {
  for (;;) {
    const std::uint32_t before = channel.read_seq.load();
    if ((before & 1U) != 0) {
      // A receiver is inside a read. It leaves at once unless it died there: the lock tells.
      const AcquireResult receiver = channel.recv_lock.try_acquire(object);
      if (receiver.acquired()) {
        const HeldLock held(channel.recv_lock, "Connection::send", object);
        if (receiver.status == AcquireResult::Status::AcquiredFromDeadOwner) {
          recover_dead_receiver(channel);
        }
        if (channel.boundaries_lost) return std::nullopt;
      } else {
        ::sched_yield();
      }
      continue;
    }
    const std::uint64_t taken = channel.consumed.load();
    int queued = 0;
    check_call(::ioctl(write_fd, FIONREAD, &queued), "ioctl(FIONREAD)", describe(object));
    if (channel.read_seq.load() == before) return taken + static_cast<std::uint64_t>(queued);
  }
}

/// The caller took the send lock from a sender that died holding it: complete its frame, if it
/// left one unfinished, so that the next frame starts where receivers will look for it.
void recover_dead_sender(ChannelState& channel, int write_fd, const sync::SyncPoint& point) {
  if (channel.inflight_size == 0) return;  // It died between frames.
  const std::optional<std::uint64_t> end = stream_end(channel, write_fd, point.object);
  if (end && *end >= channel.inflight_start &&
      *end - channel.inflight_start < channel.inflight_size) {
    pad_inflight_frame(channel, write_fd, *end - channel.inflight_start, point);
  }
  // With no end known, boundaries are lost and nothing can be repaired; otherwise the frame is
  // now whole on the wire (a dead sender's frame that was complete is delivered as sent).
  channel.written = channel.inflight_start + channel.inflight_size;
  channel.inflight_size = 0;
}

}  // namespace

void send_frame(ChannelState& channel, int write_fd, std::span<const std::byte> payload,
                const sync::SyncPoint& point) {
  std::array<std::byte, kHeaderSize> header;
  const auto size = static_cast<std::uint32_t>(payload.size());
  std::memcpy(header.data(), &kFrameMagic, 4);
  std::memcpy(header.data() + 4, &size, 4);
  std::array<std::byte, kTrailerSize> trailer;
  std::memcpy(trailer.data(), &kTrailerIntact, kTrailerSize);

  const AcquireResult lock =
      channel.send_lock.acquire(point, sync::Deadline::forever(), point.object);
  const HeldLock held(channel.send_lock, point.operation, point.object);
  if (lock.status == AcquireResult::Status::AcquiredFromDeadOwner) {
    recover_dead_sender(channel, write_fd, point);
  }
  const std::uint64_t total = kHeaderSize + payload.size() + kTrailerSize;
  channel.inflight_header = header;
  channel.inflight_start = channel.written;
  channel.inflight_size = total;
  // A small frame is copied into one buffer: one plain write is cheaper than a three-part writev.
  std::array<std::byte, kSmallFrame> small;
  iovec parts[3] = {{header.data(), kHeaderSize},
                    {const_cast<std::byte*>(payload.data()), payload.size()},
                    {trailer.data(), kTrailerSize}};
  std::span<iovec> frame(parts);
  if (total <= small.size()) {
    std::memcpy(small.data(), header.data(), kHeaderSize);
    if (!payload.empty()) std::memcpy(small.data() + kHeaderSize, payload.data(), payload.size());
    std::memcpy(small.data() + kHeaderSize + payload.size(), trailer.data(), kTrailerSize);
    parts[0] = {small.data(), total};
    frame = frame.first(1);
  }
  std::uint64_t done = 0;
  try {
    write_all(write_fd, frame, point, done);
  } catch (...) {
    // Do not leave a torn frame for the next sender to append to: pad it if the pipe still
    // takes bytes (it does not after EPIPE, and then nobody can read it anyway).
    if (done > 0) {
      try {
        pad_inflight_frame(channel, write_fd, done, point);
        channel.written = channel.inflight_start + total;
      } catch (...) {
      }
    }
    channel.inflight_size = 0;
    throw;
  }
  channel.written += total;
  channel.inflight_size = 0;
}

}  // namespace ipcprop::detail
