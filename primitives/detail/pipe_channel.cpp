#include "primitives/detail/pipe_channel.h"

#include <algorithm>
#include <cerrno>

#include <poll.h>

#include "primitives/detail/kernel_time.h"
#include "primitives/errors.h"

namespace ipcprop::detail {

bool poll_descriptor(int fd, short events, const timespec* timeout,
                     const sync::SyncObject& object) {
  for (;;) {
    pollfd entry{.fd = fd, .events = events, .revents = 0};
    const int ready = ::ppoll(&entry, 1, timeout, nullptr);
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) throw_system_error("ppoll", describe(object));
  }
}

void recover_dead_receiver(ChannelState& channel) {
  if ((channel.read_seq.load() & 1U) != 0) {
    // It died between taking bytes from the kernel and recording how many: from here on nobody
    // can tell where a frame starts.
    channel.read_seq.fetch_add(1);
    channel.boundaries_lost = true;
    return;
  }
  if (channel.direct_end != 0) {
    // It was reading a large frame into its own memory: those bytes are gone with it, so the
    // rest of that frame is dropped and the message reported lost.
    channel.lost_until = std::max(channel.lost_until, channel.direct_end);
    channel.lost = LossReason::ReceiverDied;
    channel.direct_end = 0;
  }
  // Otherwise every byte it took is still in the shared buffer, uncommitted: the message it was
  // about to return goes to the next receiver instead.
}

bool wait_readable(ChannelState& channel, int read_fd, sync::Deadline deadline,
                   const sync::SyncPoint& point) {
  // Holding the receive lock, nobody moves bytes from the kernel to the shared buffer meanwhile,
  // so "buffer empty and kernel pipe empty" is exact.
  const AcquireResult lock = channel.recv_lock.acquire(point, deadline, point.object);
  if (!lock.acquired()) return false;
  const HeldLock held(channel.recv_lock, point.operation, point.object);
  if (lock.status == AcquireResult::Status::AcquiredFromDeadOwner) recover_dead_receiver(channel);
  for (;;) {
    if (channel.tail != channel.head || channel.boundaries_lost ||
        channel.lost_until > receive_position(channel)) {
      return true;
    }
    const timespec zero{};
    if (poll_descriptor(read_fd, POLLIN, &zero, point.object)) return true;
    if (const auto waited = sync::wait(point, deadline)) {
      if (*waited == sync::WaitResult::TimedOut) return false;
      continue;
    }
    timespec left{};
    const bool finite = time_left(deadline, left);
    if (!poll_descriptor(read_fd, POLLIN, finite ? &left : nullptr, point.object)) return false;
  }
}

}  // namespace ipcprop::detail
