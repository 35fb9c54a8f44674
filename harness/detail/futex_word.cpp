#include "harness/detail/futex_word.h"

#include <cerrno>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "primitives/errors.h"

namespace ipcprop::harness::detail {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected) {
  // Not FUTEX_PRIVATE_FLAG: the word is shared between processes.
  const long result = ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT,
                                expected, nullptr, nullptr, 0);
  if (result == -1 && errno != EAGAIN && errno != EINTR) throw_system_error("futex_wait", "baton");
}

void futex_wake_all(std::atomic<std::uint32_t>& word) {
  const long result = ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE,
                                INT32_MAX, nullptr, nullptr, 0);
  if (result == -1) throw_system_error("futex_wake", "baton");
}

}  // namespace ipcprop::harness::detail
