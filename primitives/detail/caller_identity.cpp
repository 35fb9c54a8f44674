#include "primitives/detail/caller_identity.h"

#include <atomic>

#include <pthread.h>
#include <sys/random.h>
#include <unistd.h>

#include "primitives/errors.h"

namespace ipcprop::detail {
namespace {

// Bumped in every child created by fork(); a thread's cached identity is stale when its
// generation differs.
std::atomic<unsigned> fork_generation{1};

void count_fork_in_child() {
  fork_generation.fetch_add(1, std::memory_order_relaxed);
}

const bool fork_handler_registered = [] {
  const int result = pthread_atfork(nullptr, nullptr, &count_fork_in_child);
  if (result != 0) throw SystemError("pthread_atfork", result);
  return true;
}();

std::uint64_t random_token() {
  std::uint64_t token = 0;
  while (token == 0) {
    if (check_call(::getrandom(&token, sizeof token, 0), "getrandom") != sizeof token) token = 0;
  }
  return token;
}

}  // namespace

const CallerIdentity& current_caller() {
  thread_local CallerIdentity identity;
  thread_local unsigned generation = 0;
  const unsigned now = fork_generation.load(std::memory_order_relaxed);
  if (generation != now) {
    identity = {::getpid(), ::gettid(), random_token()};
    generation = now;
  }
  return identity;
}

}  // namespace ipcprop::detail
