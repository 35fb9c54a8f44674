// ipcprop — primitives/detail/queue_core.h
//
// QueueCore: the byte-message queue under Queue<T>, JoinableQueue<T> and SimpleQueue<T>. It moves
// whole byte strings; the typed handles encode and decode them (codec.h).
//
// Shared state: a RobustMutex, a 32-bit commit word, a waiters flag and two slots of counts
// (head, tail, items, unfinished tasks), plus a ByteRing holding records [u64 length][bytes].
//
// Crash safety rests on one rule: every change is written into the inactive slot (and, for a
// put, into free ring bytes; a get has already copied its record out) and then published by one
// step that a death cannot split: adding 1 to the commit word, whose low bit selects the live
// slot. A process killed before that step leaves the previous state untouched; one killed after
// it leaves the new one. So the next locker, told EOWNERDEAD, just continues: there is nothing
// to repair.
//
// Waiting: waiters spin briefly on the commit word, then register (waiters = 1, under the
// mutex) and futex-wait on the commit word itself. A publisher that sees a registered waiter
// publishes with FUTEX_WAKE_OP, "add 1 and wake all" in one system call, and only then clears
// the flag. A plain store followed by FUTEX_WAKE would not do: killed between the two, the
// publisher would leave a sleeper over a change it waits for, hung forever. A waiter that dies
// leaves the flag set, which costs one needless wake at the next publish, which clears it.
//
// Contention: the mutex is held for one record copy; lockers spin on trylock briefly before
// sleeping on it, since glibc's robust mutex does not spin.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "primitives/detail/byte_ring.h"
#include "primitives/detail/robust_mutex.h"
#include "primitives/shared_memory.h"
#include "primitives/sync_hooks.h"

namespace ipcprop::detail {

/// One consistent state of a queue. Positions count bytes written since the queue was last
/// empty (the ring rewinds to 0 then); they never wrap.
struct QueueCounts {
  std::uint64_t head = 0;        ///< Stream position of the oldest record.
  std::uint64_t tail = 0;        ///< Stream position just past the newest committed record.
  std::uint64_t items = 0;       ///< Records between head and tail.
  std::uint64_t unfinished = 0;  ///< Puts not yet matched by task_done (JoinableQueue).
};

/// Lives in shared memory. Everything but `commit` is read and written only under `mutex`.
struct QueueShared {
  RobustMutex mutex;
  /// Publishes a state: the low bit selects slots[]; +1 per change. Waiters futex-wait on it.
  std::atomic<std::uint32_t> commit{0};
  /// Nonzero iff a waiter may be asleep on `commit`; set by waiters, cleared by the next publish.
  std::atomic<std::uint32_t> waiters{0};
  QueueCounts slots[2];
  std::uint64_t maxsize = 0;  ///< Item limit; 0 = none. Immutable.
};

/// Bytes of framing per record in the ring.
inline constexpr std::size_t kRecordHeader = sizeof(std::uint64_t);

class QueueCore {
 public:
  using Bytes = std::vector<std::byte>;

  /// Throws UsageError, before allocating anything, if maxsize or capacity is outside the ranges
  /// of queue.h (kMaxQueueMaxsize, kMinQueueCapacity..kMaxQueueCapacity), naming `kind` (the
  /// class being constructed); SystemError if mmap fails.
  QueueCore(std::size_t maxsize, std::size_t capacity, std::string_view kind = "Queue");
  QueueCore(const QueueCore&) = delete;
  QueueCore& operator=(const QueueCore&) = delete;
  QueueCore(QueueCore&&) = delete;
  QueueCore& operator=(QueueCore&&) = delete;
  ~QueueCore() = default;

  /// Each call below is one whole sync point named `operation` (invoke, waits, returned, notify).
  /// A closed handle throws QueueClosed before the sync point.

  /// Appends `message` once there is room; false iff `deadline` passed first. Throws
  /// MessageTooLarge for a message above max_message_size().
  bool put(std::string_view operation, std::span<const std::byte> message, sync::Deadline deadline,
           sync::Timeout timeout_argument);
  /// Moves the oldest message into `out`; false iff `deadline` passed first.
  bool get(std::string_view operation, Bytes& out, sync::Deadline deadline,
           sync::Timeout timeout_argument);
  /// Snapshots: messages in the queue; whether there are none; whether the item limit is reached.
  std::size_t qsize(std::string_view operation);
  bool empty(std::string_view operation);
  bool full(std::string_view operation);
  /// Records one finished task; false (state unchanged) if no task was unfinished.
  bool task_done(std::string_view operation);
  /// Blocks until no task is unfinished.
  void join(std::string_view operation);
  /// Marks this handle closed (idempotent).
  void close(std::string_view operation);

  /// Runs `body` holding the internal mutex, so that a test can kill a process holding it.
  void hold_lock_for_testing(const std::function<void()>& body);
  /// The internal mutex itself, so that a test can hold it across steps of its own.
  RobustMutex& mutex_for_testing() noexcept { return shared_->mutex; }

  std::size_t max_message_size() const noexcept { return ring_.capacity() - kRecordHeader; }
  std::size_t maxsize() const noexcept { return static_cast<std::size_t>(shared_->maxsize); }
  sync::SyncObject sync_object() const noexcept;

 private:
  enum class Step : std::uint8_t { NotYet, Changed, Unchanged };
  class Guard;
  /// Constructor arguments that were checked (checked()).
  struct Checked {
    std::size_t maxsize;
    std::size_t capacity;
  };

  static Checked checked(std::size_t maxsize, std::size_t capacity, std::string_view kind);
  explicit QueueCore(Checked arguments);

  template <typename Attempt>
  bool run(const sync::SyncPoint& point, sync::Deadline deadline, Attempt attempt,
           sync::Deadline locking);
  template <typename Observe>
  auto observe(std::string_view operation, Observe observe);
  void commit(const QueueCounts& next);
  bool spin_until_changed(std::uint32_t observed, sync::Deadline deadline) const;
  void require_open(std::string_view operation) const;

  SharedObject<QueueShared> shared_;
  ByteRing ring_;
  std::atomic<bool> closed_{false};  ///< This handle only (in this process), as in Python.
};

}  // namespace ipcprop::detail
