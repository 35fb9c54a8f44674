// ipcprop — primitives/detail/pipe_channel.h
//
// One direction of a Pipe: a kernel pipe plus ChannelState, the shared memory that every process
// holding an end of it uses to keep messages whole. Connection (primitives/pipe.h) owns two of
// them at most, one to send on and one to receive on.
//
// Wire format: each message is one *frame*, [header | payload | trailer]:
//
//   header   8 bytes: kFrameMagic, then the payload size (uint32, native byte order)
//   payload  the message bytes
//   trailer  4 bytes: kTrailerIntact; anything else marks a frame a dead sender left torn
//
// The stream is cut into frames only by the sizes in the headers, so everything below exists to
// make sure the bytes between two headers are always exactly one frame, whoever dies where.
// Stream offsets count bytes since the pipe was created: `written` and `inflight_*` on the
// sending side, `consumed` and `lost_until` on the receiving side.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <span>
#include <string_view>

#include "primitives/detail/robust_mutex.h"
#include "primitives/shared_memory.h"
#include "primitives/sync_hooks.h"

namespace ipcprop::detail {

inline constexpr std::uint32_t kFrameMagic = 0x50495031;     // "1PIP" in memory.
inline constexpr std::uint32_t kTrailerIntact = 0x4B4F4D21;  // "!MOK" in memory.
inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::size_t kTrailerSize = 4;
/// Frames up to this size pass through the shared receive buffer; larger ones are read straight
/// into the caller's memory.
inline constexpr std::size_t kReceiveBufferSize = 64 * 1024;

/// Why a message was lost, for the BrokenMessage a receiver throws.
enum class LossReason : std::uint32_t { None, SenderDied, ReceiverDied, SenderClosed };

/// The shared state of one direction. Lives in a SharedObject created before fork.
struct ChannelState {
  /// Held by a sender for a whole frame, so frames from different processes never interleave.
  RobustMutex send_lock;
  /// Held by a receiver for a whole frame (and by poll), so receivers never split a frame.
  RobustMutex recv_lock;

  // Guarded by send_lock. The frame being written is described *before* its first byte goes
  // out, so whoever inherits the lock from a dead sender knows which frame it left unfinished.
  std::uint64_t written = 0;         ///< Stream offset where the next frame starts.
  std::uint64_t inflight_start = 0;  ///< Stream offset of the frame being written.
  std::uint64_t inflight_size = 0;   ///< Its size in bytes; 0 when no frame is being written.
  std::array<std::byte, kHeaderSize> inflight_header{};

  // Guarded by recv_lock; atomic because a sender recovering from a dead sender reads them.
  /// Odd while a receiver is inside a read from the kernel whose count is not yet recorded.
  std::atomic<std::uint32_t> read_seq{0};
  /// Bytes taken out of the kernel pipe so far (into `buffer` or straight to a caller).
  std::atomic<std::uint64_t> consumed{0};
  std::uint32_t head = 0;  ///< buffer[head, tail) holds stream bytes [consumed - (tail-head),
  std::uint32_t tail = 0;  ///< consumed); head is always at a frame boundary or inside a frame.
  /// While a large frame is read straight to a caller: the stream offset where it ends.
  std::uint64_t direct_end = 0;
  /// Stream bytes before this offset belong to a lost message: drop them, then report `lost`.
  std::uint64_t lost_until = 0;
  LossReason lost = LossReason::None;
  /// A receiver died with bytes taken from the kernel but not recorded: frames cannot be found
  /// any more, so every later receive fails.
  bool boundaries_lost = false;
  std::array<std::byte, kReceiveBufferSize> buffer;
};

/// A process's handle on one direction's shared state; Connections share it through shared_ptr.
class SharedChannel {
 public:
  ChannelState& state() const noexcept { return *state_; }

 private:
  SharedObject<ChannelState> state_;
};

/// Where a receive puts a payload. prepare() is called once the payload's size is known and
/// before any of it is consumed; it returns exactly `size` bytes to fill, or throws to leave the
/// message where it is.
class PayloadSink {
 public:
  virtual std::span<std::byte> prepare(std::size_t size) = 0;

 protected:
  ~PayloadSink() = default;
};

/// Writes `payload` as one frame on `write_fd` (non-blocking), holding the send lock for the whole
/// frame. Blocks (through the wait protocol on `point`) while the pipe is full. Throws
/// SystemError(EPIPE) once every read end is closed.
void send_frame(ChannelState& channel, int write_fd, std::span<const std::byte> payload,
                const sync::SyncPoint& point);

/// Receives one whole frame from `read_fd` (non-blocking) into what `sink` provides, holding the
/// receive lock. Blocks until a frame arrives. Returns the payload size. Throws EOFError when
/// every write end is closed and nothing is left, BrokenMessage when the frame was lost.
/// `expect_wait` is the caller's hint that nothing can have arrived yet (it just sent a request
/// on the other direction); it is cleared once used.
std::size_t receive_frame(ChannelState& channel, int read_fd, PayloadSink& sink,
                          const sync::SyncPoint& point, bool& expect_wait);

/// True as soon as bytes of a message, or the end of the stream, can be read; false once
/// `deadline` passes first. Never consumes anything.
bool wait_readable(ChannelState& channel, int read_fd, sync::Deadline deadline,
                   const sync::SyncPoint& point);

// Helpers shared by the sending and receiving halves.

/// Releases a RobustMutex the caller holds when it goes out of scope.
class HeldLock {
 public:
  HeldLock(RobustMutex& mutex, std::string_view operation, const sync::SyncObject& object) noexcept
      : mutex_(mutex), operation_(operation), object_(object) {}
  HeldLock(const HeldLock&) = delete;
  HeldLock& operator=(const HeldLock&) = delete;
  /// Releasing a mutex the caller holds cannot fail short of memory corruption: terminate then.
  ~HeldLock() { mutex_.release(operation_, object_); }

 private:
  RobustMutex& mutex_;
  std::string_view operation_;
  sync::SyncObject object_;
};

/// ppoll on one descriptor, retrying EINTR; `timeout` nullptr waits forever. True iff any of
/// `events` (or an error or hang-up) was reported before the timeout.
bool poll_descriptor(int fd, short events, const timespec* timeout, const sync::SyncObject& object);

/// Called by whoever takes recv_lock from a dead receiver (holding it now): makes the receive
/// state consistent again, turning what the dead receiver had half-taken into a lost message.
void recover_dead_receiver(ChannelState& channel);

/// The stream offset of the next byte receivers will take, counting the shared buffer as taken.
inline std::uint64_t receive_position(const ChannelState& channel) noexcept {
  return channel.consumed.load() - (channel.tail - channel.head);
}

}  // namespace ipcprop::detail
