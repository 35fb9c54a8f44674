#include "primitives/detail/futex.h"

#include <cerrno>
#include <climits>
#include <ctime>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "primitives/detail/kernel_time.h"
#include "primitives/errors.h"

namespace ipcprop::detail {
namespace {

long futex(const std::atomic<std::uint32_t>& word, int operation, std::uint32_t value,
           const timespec* timeout, std::atomic<std::uint32_t>* word2, std::uint32_t value3) {
  // The kernel reads (and for FUTEX_WAKE_OP writes) the word atomically; std::atomic<uint32_t>
  // has the layout of a uint32_t (asserted in the header).
  auto* address = const_cast<std::uint32_t*>(reinterpret_cast<const std::uint32_t*>(&word));
  return ::syscall(SYS_futex, address, operation, value, timeout,
                   reinterpret_cast<std::uint32_t*>(word2), value3);
}

}  // namespace

FutexWaitResult futex_wait(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                           sync::Deadline deadline, const sync::SyncObject& object) {
  // FUTEX_WAIT_BITSET takes an absolute timeout on CLOCK_MONOTONIC, so a retried wait keeps its
  // deadline instead of restarting it.
  timespec until{};
  const timespec* timeout = nullptr;
  if (!deadline.is_forever()) {
    until = absolute_monotonic(deadline);
    timeout = &until;
  }
  if (futex(word, FUTEX_WAIT_BITSET, expected, timeout, nullptr, FUTEX_BITSET_MATCH_ANY) == 0) {
    return FutexWaitResult::Woken;
  }
  switch (errno) {
    case EAGAIN:  // The word changed before we slept.
    case EINTR:
      return FutexWaitResult::Woken;
    case ETIMEDOUT:
      return FutexWaitResult::DeadlinePassed;
    default:
      throw_system_error("futex_wait", describe(object));
  }
}

int futex_wake(const std::atomic<std::uint32_t>& word, int count, const sync::SyncObject& object) {
  return static_cast<int>(
      check_call(futex(word, FUTEX_WAKE, static_cast<std::uint32_t>(count), nullptr, nullptr, 0),
                 "futex_wake", describe(object)));
}

void futex_add_and_wake(std::atomic<std::uint32_t>& word, std::uint32_t addend,
                        const sync::SyncObject& object) {
  // FUTEX_WAKE_OP: *word2 += addend (atomically, in the kernel), wake up to INT_MAX sleepers on
  // word, and - if the comparison on the old value holds - up to 0 more on word2 (the same word,
  // already emptied by the first wake). The timeout slot carries nr_wake2.
  const std::uint32_t operation = FUTEX_OP(FUTEX_OP_ADD, addend, FUTEX_OP_CMP_EQ, 0);
  check_call(futex(word, FUTEX_WAKE_OP, INT_MAX, nullptr, &word, operation), "futex_wake_op",
             describe(object));
}

}  // namespace ipcprop::detail
