#include "primitives/detail/robust_mutex.h"

#include <cerrno>

#include <fmt/format.h>

#include "primitives/detail/caller_identity.h"
#include "primitives/detail/pi_timed_lock.h"
#include "primitives/errors.h"

namespace ipcprop::detail {
namespace {

void check_pthread(int result, std::string_view call, const sync::SyncObject* object = nullptr) {
  if (result != 0) throw SystemError(call, result, object ? describe(*object) : std::string());
}

}  // namespace

bool report_acquire(const sync::SyncPoint& point, AcquireResult result) {
  sync::returned(point, result.acquired() ? 1 : 0);
  if (result.status == AcquireResult::Status::AcquiredFromDeadOwner) {
    throw OwnerDied(describe(point.object), result.dead_owner_pid);
  }
  return result.acquired();
}

RobustMutex::RobustMutex() {
  pthread_mutexattr_t attributes;
  check_pthread(pthread_mutexattr_init(&attributes), "pthread_mutexattr_init");
  check_pthread(pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED),
                "pthread_mutexattr_setpshared");
  check_pthread(pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST),
                "pthread_mutexattr_setrobust");
  check_pthread(pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_ERRORCHECK),
                "pthread_mutexattr_settype");
  check_pthread(pthread_mutexattr_setprotocol(&attributes, PTHREAD_PRIO_INHERIT),
                "pthread_mutexattr_setprotocol");
  check_pthread(pthread_mutex_init(&mutex_, &attributes), "pthread_mutex_init");
  pthread_mutexattr_destroy(&attributes);
}

AcquireResult RobustMutex::took_ownership(int pthread_result, std::string_view call,
                                          const sync::SyncObject& object) {
  switch (pthread_result) {
    case 0:
      break;
    case EBUSY:
    case ETIMEDOUT:
      return {};
    case EOWNERDEAD: {
      // An owner that returned from its acquire recorded its pid, and never got to clear it.
      // None recorded: the kernel had handed the mutex to a waiter that died before its acquire
      // returned, so nothing the mutex guards was touched and this is an ordinary acquisition.
      const pid_t dead_owner = owner_pid_.load(std::memory_order_relaxed);
      check_pthread(pthread_mutex_consistent(&mutex_), "pthread_mutex_consistent", &object);
      record_owner();
      if (dead_owner == 0) return {AcquireResult::Status::Acquired, 0};
      return {AcquireResult::Status::AcquiredFromDeadOwner, dead_owner};
    }
    default:
      throw SystemError(call, pthread_result, describe(object));
  }
  record_owner();
  return {AcquireResult::Status::Acquired, 0};
}

void RobustMutex::record_owner() noexcept {
  const CallerIdentity& caller = current_caller();
  owner_pid_.store(caller.pid, std::memory_order_relaxed);
  owner_tid_.store(caller.tid, std::memory_order_relaxed);
  owner_token_.store(caller.token, std::memory_order_relaxed);
}

AcquireResult RobustMutex::try_acquire(const sync::SyncObject& object) {
  return took_ownership(pthread_mutex_trylock(&mutex_), "pthread_mutex_trylock", object);
}

AcquireResult RobustMutex::acquire(const sync::SyncPoint& point, sync::Deadline deadline,
                                   const sync::SyncObject& object) {
  for (;;) {
    const AcquireResult attempt = try_acquire(object);
    if (attempt.acquired()) return attempt;
    if (const auto waited = sync::wait(point, deadline)) {
      if (*waited == sync::WaitResult::TimedOut) return {};
      continue;
    }
    return acquire_in_kernel(deadline, object);
  }
}

AcquireResult RobustMutex::acquire_in_kernel(sync::Deadline deadline,
                                             const sync::SyncObject& object) {
  if (deadline.is_forever()) {
    return took_ownership(pthread_mutex_lock(&mutex_), "pthread_mutex_lock", object);
  }
  return took_ownership(timed_lock_pi(mutex_, deadline), "pthread_mutex_clocklock", object);
}

void RobustMutex::release(std::string_view operation, const sync::SyncObject& object) {
  if (!held_by_caller()) {
    const Owner holder = owner();
    if (holder.pid == 0) {
      throw NotOwner(fmt::format("{}: {} is not held by anyone", operation, describe(object)));
    }
    const CallerIdentity& caller = current_caller();
    throw NotOwner(
        fmt::format("{}: {} is held by process {} thread {}, not by the caller "
                    "(process {} thread {})",
                    operation, describe(object), holder.pid, holder.tid, caller.pid, caller.tid));
  }
  owner_token_.store(0, std::memory_order_relaxed);
  owner_tid_.store(0, std::memory_order_relaxed);
  owner_pid_.store(0, std::memory_order_relaxed);
  check_pthread(pthread_mutex_unlock(&mutex_), "pthread_mutex_unlock", &object);
}

bool RobustMutex::held_by_caller() const {
  // Only the owner writes its own token, so seeing ours means we hold the mutex.
  return owner_token_.load(std::memory_order_relaxed) == current_caller().token;
}

Owner RobustMutex::owner() const noexcept {
  return {owner_pid_.load(std::memory_order_relaxed), owner_tid_.load(std::memory_order_relaxed)};
}

}  // namespace ipcprop::detail
