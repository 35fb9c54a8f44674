#include "primitives/detail/queue_core.h"

#include <chrono>

#include <fmt/format.h>

#include "primitives/detail/futex.h"
#include "primitives/errors.h"
#include "primitives/queue.h"

namespace ipcprop::detail {
namespace {

/// How many times a waiter re-reads the commit word before sleeping in the kernel. A wake-up
/// costs two system calls (~5 us); a producer on another core usually publishes sooner.
constexpr int kSpinReads = 4000;
/// How many times a locker retries the mutex before sleeping on it.
constexpr int kSpinLocks = 200;

/// Every call waits at least this long for the internal lock, even with a zero timeout: the lock
/// is held only while one record is copied, so a try-once call must not fail because another
/// process is copying (the Pool polls its queues so). Only a holder stuck far longer than a copy,
/// say one stopped with SIGSTOP, makes a call give up on the lock.
constexpr sync::Timeout kInternalLockPatience = std::chrono::milliseconds(50);

/// How long a call with `deadline` waits for the internal lock once spinning did not get it.
sync::Deadline lock_deadline(sync::Deadline deadline) {
  if (deadline.is_forever()) return deadline;
  const sync::Deadline patience = sync::Deadline::after(kInternalLockPatience);
  return patience.time() > deadline.time() ? patience : deadline;
}

bool deadline_passed(sync::Deadline deadline) {
  return !deadline.is_forever() && sync::now() >= deadline.time();
}

}  // namespace

/// Holds the queue's mutex, if it could be taken before lock_deadline(deadline). A dead previous
/// owner needs no repair: see the file comment.
class QueueCore::Guard {
 public:
  Guard(QueueShared& shared, const sync::SyncPoint& point, sync::Deadline deadline)
      : shared_(shared), point_(point) {
    // The mutex is held for one message copy at most, so spin a little before sleeping:
    // glibc's robust mutex goes straight to the kernel, and a sleep-and-wake pair costs more
    // than most copies.
    for (int i = 0; i < kSpinLocks; ++i) {
      if (shared_.mutex.try_acquire(point.object).acquired()) {
        locked_ = true;
        return;
      }
      __builtin_ia32_pause();
    }
    locked_ = shared_.mutex.acquire(point, lock_deadline(deadline), point.object).acquired();
  }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
  Guard(Guard&&) = delete;
  Guard& operator=(Guard&&) = delete;
  ~Guard() {
    if (!locked_) return;
    try {
      unlock();
    } catch (...) {  // Only while unwinding from another error, which is the one to report.
    }
  }
  bool locked() const noexcept { return locked_; }
  void unlock() {
    locked_ = false;
    shared_.mutex.release(point_.operation, point_.object);
  }

 private:
  QueueShared& shared_;
  const sync::SyncPoint& point_;
  bool locked_ = false;
};

QueueCore::Checked QueueCore::checked(std::size_t maxsize, std::size_t capacity,
                                      std::string_view kind) {
  // The values themselves are compared with the limits: nothing is computed from them first,
  // so nothing can wrap around before the check.
  if (capacity < kMinQueueCapacity || capacity > kMaxQueueCapacity) {
    throw UsageError(fmt::format(
        "{}: QueueOptions::capacity {} is out of range; allowed: {} (kMinQueueCapacity) to {} "
        "(kMaxQueueCapacity)",
        kind, capacity, kMinQueueCapacity, kMaxQueueCapacity));
  }
  if (maxsize > kMaxQueueMaxsize) {
    throw UsageError(
        fmt::format("{}: maxsize {} is out of range; allowed: 0 (no item limit) to {} "
                    "(kMaxQueueMaxsize)",
                    kind, maxsize, kMaxQueueMaxsize));
  }
  return {maxsize, capacity};
}

// Delegates so that the checks run before the first member maps anything.
QueueCore::QueueCore(std::size_t maxsize, std::size_t capacity, std::string_view kind)
    : QueueCore(checked(maxsize, capacity, kind)) {}

QueueCore::QueueCore(Checked arguments) : ring_(arguments.capacity) {
  shared_->maxsize = arguments.maxsize;
}

sync::SyncObject QueueCore::sync_object() const noexcept {
  return {"Queue", reinterpret_cast<std::uintptr_t>(shared_.get())};
}

void QueueCore::require_open(std::string_view operation) const {
  if (closed_.load(std::memory_order_relaxed)) {
    throw QueueClosed(
        fmt::format("{}: {} is closed in this process", operation, describe(sync_object())));
  }
}

bool QueueCore::spin_until_changed(std::uint32_t observed, sync::Deadline deadline) const {
  for (int i = 1; i <= kSpinReads; ++i) {
    if (shared_->commit.load(std::memory_order_relaxed) != observed) return true;
    if (i % 256 == 0 && deadline_passed(deadline)) return false;
    __builtin_ia32_pause();
  }
  return false;
}

void QueueCore::hold_lock_for_testing(const std::function<void()>& body) {
  const sync::SyncPoint point{"QueueCore::hold_lock_for_testing", sync_object()};
  Guard guard(*shared_, point, sync::Deadline::forever());
  body();
  guard.unlock();
}

void QueueCore::commit(const QueueCounts& next) {
  QueueShared& shared = *shared_;
  const std::uint32_t current = shared.commit.load(std::memory_order_relaxed);
  shared.slots[(current + 1) & 1] = next;
  if (shared.waiters.load(std::memory_order_relaxed) == 0) {
    shared.commit.store(current + 1, std::memory_order_release);
    return;
  }
  // Publish and wake in one system call; clear the flag only after, so that a death in between
  // costs a needless wake later, never a lost one. Woken waiters re-register under the mutex.
  futex_add_and_wake(shared.commit, 1, sync_object());
  shared.waiters.store(0, std::memory_order_relaxed);
}

// The wait protocol of sync_hooks.h around `attempt`, which runs under the mutex with the live
// counts and fills in the next ones. Returns false iff the deadline passed first, or
// lock_deadline(locking) passed while another process held the mutex.
template <typename Attempt>
bool QueueCore::run(const sync::SyncPoint& point, sync::Deadline deadline, Attempt attempt,
                    sync::Deadline locking) {
  QueueShared& shared = *shared_;
  const auto gave_up = [&point] {
    sync::returned(point, 0);
    return false;
  };
  for (;;) {
    std::uint32_t observed = 0;
    {
      Guard guard(shared, point, locking);
      if (!guard.locked()) return gave_up();
      observed = shared.commit.load(std::memory_order_relaxed);
      QueueCounts next = shared.slots[observed & 1];
      switch (attempt(shared.slots[observed & 1], next)) {
        case Step::Changed:
          commit(next);
          guard.unlock();
          sync::returned(point, 1);
          sync::notify(point.object);
          return true;
        case Step::Unchanged:
          guard.unlock();
          sync::returned(point, 1);
          return true;
        case Step::NotYet:
          break;
      }
      if (deadline_passed(deadline)) {
        guard.unlock();
        return gave_up();
      }
    }
    if (const auto waited = sync::wait(point, deadline)) {
      if (*waited == sync::WaitResult::TimedOut) return gave_up();
      continue;
    }
    if (spin_until_changed(observed, deadline)) continue;
    {
      // Register under the mutex: a publisher decides under it whether to wake (commit()).
      Guard guard(shared, point, locking);
      if (!guard.locked()) return gave_up();
      const bool changed = shared.commit.load(std::memory_order_relaxed) != observed;
      if (!changed) shared.waiters.store(1, std::memory_order_relaxed);
      guard.unlock();
      if (changed) continue;
    }
    // Either way, look again: after a timeout the loop tries once more, then gives up.
    static_cast<void>(futex_wait(shared.commit, observed, deadline, point.object));
  }
}

bool QueueCore::put(std::string_view operation, std::span<const std::byte> message,
                    sync::Deadline deadline, sync::Timeout timeout_argument) {
  require_open(operation);
  if (message.size() > max_message_size()) {
    throw MessageTooLarge(
        fmt::format("{}: a {}-byte message does not fit in {}, which holds at "
                    "most {} bytes (set QueueOptions::capacity)",
                    operation, message.size(), describe(sync_object()), max_message_size()));
  }
  const sync::SyncPoint point{operation, sync_object(), timeout_argument.count()};
  sync::invoke(point);
  const std::uint64_t length = message.size();
  const std::uint64_t needed = kRecordHeader + length;
  const std::uint64_t maxsize = shared_->maxsize;
  return run(
      point, deadline,
      [&](const QueueCounts& now, QueueCounts& next) {
        if (maxsize != 0 && now.items >= maxsize) return Step::NotYet;
        if (ring_.capacity() - (now.tail - now.head) < needed) return Step::NotYet;
        ring_.write(now.tail, std::as_bytes(std::span(&length, 1)));
        ring_.write(now.tail + kRecordHeader, message);
        next.tail += needed;
        next.items += 1;
        next.unfinished += 1;
        return Step::Changed;
      },
      deadline);
}

bool QueueCore::get(std::string_view operation, Bytes& out, sync::Deadline deadline,
                    sync::Timeout timeout_argument) {
  require_open(operation);
  const sync::SyncPoint point{operation, sync_object(), timeout_argument.count()};
  sync::invoke(point);
  return run(
      point, deadline,
      [&](const QueueCounts& now, QueueCounts& next) {
        if (now.items == 0) return Step::NotYet;
        std::uint64_t length = 0;
        ring_.read(now.head, std::as_writable_bytes(std::span(&length, 1)));
        out.resize(length);
        ring_.read(now.head + kRecordHeader, out);
        next.head += kRecordHeader + length;
        next.items -= 1;
        if (next.items == 0) next.head = next.tail = 0;  // Rewind: reuse the pages still in cache.
        return Step::Changed;
      },
      deadline);
}

template <typename Observe>
auto QueueCore::observe(std::string_view operation, Observe observe) {
  const sync::SyncPoint point{operation, sync_object()};
  sync::invoke(point);
  Guard guard(*shared_, point, sync::Deadline::forever());
  const auto result = observe(shared_->slots[shared_->commit.load(std::memory_order_relaxed) & 1]);
  guard.unlock();
  sync::returned(point, static_cast<std::int64_t>(result));
  return result;
}

std::size_t QueueCore::qsize(std::string_view operation) {
  return observe(operation,
                 [](const QueueCounts& now) { return static_cast<std::size_t>(now.items); });
}

bool QueueCore::empty(std::string_view operation) {
  return observe(operation, [](const QueueCounts& now) { return now.items == 0; });
}

bool QueueCore::full(std::string_view operation) {
  const std::uint64_t maxsize = shared_->maxsize;
  return observe(operation, [maxsize](const QueueCounts& now) {
    return maxsize != 0 && now.items >= maxsize;
  });
}

bool QueueCore::task_done(std::string_view operation) {
  require_open(operation);
  const sync::SyncPoint point{operation, sync_object()};
  sync::invoke(point);
  return run(
      point, sync::Deadline::after(sync::Timeout::zero()),
      [](const QueueCounts& now, QueueCounts& next) {
        if (now.unfinished == 0) return Step::NotYet;
        next.unfinished -= 1;
        return Step::Changed;
      },
      sync::Deadline::forever());
}

void QueueCore::join(std::string_view operation) {
  require_open(operation);
  const sync::SyncPoint point{operation, sync_object(), sync::Timeout::max().count()};
  sync::invoke(point);
  static_cast<void>(run(
      point, sync::Deadline::forever(),
      [](const QueueCounts& now, QueueCounts&) {
        return now.unfinished == 0 ? Step::Unchanged : Step::NotYet;
      },
      sync::Deadline::forever()));
}

void QueueCore::close(std::string_view operation) {
  const sync::SyncPoint point{operation, sync_object()};
  sync::invoke(point);
  closed_.store(true, std::memory_order_relaxed);
  sync::returned(point, 1);
  sync::notify(point.object);
}

}  // namespace ipcprop::detail
