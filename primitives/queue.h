// ipcprop — primitives/queue.h
//
// Message queues shared by processes, modelled on Python's multiprocessing queues:
//
//   Queue<T>           FIFO of T with an optional item limit: put/get with block and timeout,
//                      put_nowait/get_nowait, qsize, empty, full, close.
//   JoinableQueue<T>   a Queue<T> that also counts unfinished tasks: task_done, join.
//   SimpleQueue<T>     the bare minimum: put, get, empty, close.
//   QueueOptions       the byte capacity of a queue, which bounds the size of one message.
//   kMinQueueCapacity, kMaxQueueCapacity, kMaxQueueMaxsize   the ranges of capacity and maxsize.
//   Empty, Full        thrown exactly where Python raises queue.Empty and queue.Full.
//   QueueClosed        an operation on a handle after close() in the same process.
//   MessageTooLarge    a message that could never fit, however long the caller waited.
//
// Create a queue before fork(); every descendant forked afterwards shares it. Values go through
// codec.h (trivially copyable types are copied, others use cereal), so a T the codec refuses is
// a compile-time error with the codec's message. Each message arrives whole, exactly once, and in
// the order its producer put it, with any number of producers and consumers at once. Unlike
// Python's Queue there is no feeder thread: when put() returns the message is in the queue.
//
// Storage and the size limit: messages are stored in a ring of QueueOptions::capacity bytes
// (default 64 MiB) mapped MAP_NORESERVE, so pages materialise only when first written, and the
// ring rewinds to its start whenever the queue empties, so a queue whose consumers keep up
// reuses a few hot pages. A page once written stays resident until every process has destroyed
// its handle (nothing returns it to the kernel earlier). A message (its encoding) may be up to
// capacity - 8 bytes (max_message_size()); a larger one throws MessageTooLarge. A put that fits the
// capacity but not the bytes now free waits like a put on a full queue. Why 64 MiB by default: it
// holds three 16 MiB messages at once yet costs nothing until used. Measured with
// bench/queue_benchmark on the development machine (2-core AMD EPYC VM, loaded; medians of 5):
// creating and destroying a queue with the 64 MiB ring takes ~27 us, 16 MiB messages pass
// between two processes at ~2 GB/s (137 messages/s), 64-byte messages at ~3 M/s (std::array)
// and ~1.7 M/s (std::string), 4 KiB ones at ~0.7 M/s; Python's Queue managed 0.08 M/s and
// 0.05 M/s in the same session.
//
// Limits: QueueOptions::capacity is kMinQueueCapacity (9 bytes: one 8-byte length and one byte)
// to kMaxQueueCapacity (1 TiB), and maxsize 0 (no item limit) to kMaxQueueMaxsize (2^31 - 1).
// Every constructor checks them before it allocates anything and throws UsageError naming the
// class, the argument, its value and the allowed range, e.g. "SimpleQueue:
// QueueOptions::capacity 0 is out of range; allowed: 9 (kMinQueueCapacity) to 1099511627776
// (kMaxQueueCapacity)".

// Crash safety (Python hangs here; this does not): a process killed at any instant - inside
// put(), inside get(), holding the internal lock, or asleep - never corrupts the queue nor
// leaves it hung for the others. Its in-flight message is either entirely in the queue or
// entirely out: a put is published, and a get consumed, by one indivisible step taken after all
// bytes are copied, and that step wakes the waiters in the same system call. See
// detail/queue_core.h for the mechanism.
//
// Sync points (sync_hooks.h): every call below is one, on the object {"Queue", address of the
// shared state}, named "Queue::put", "Queue::get", ..., "JoinableQueue::join",
// "SimpleQueue::get"; returned() reports 1 for success, 0 for Empty/Full (or a count for qsize,
// the answer for empty and full). Every wait goes through sync::wait() and every change
// notifies, so a controlled harness schedules queue operations and reports a get() on a queue
// that stays empty (S7) as a deadlock. The internal lock is never held across a sync point.
// Misuse (QueueClosed, MessageTooLarge) is thrown before the sync point: nothing happened.
//
// Timeouts: a zero or negative timeout means "do not wait" (like *_nowait); a timeout is
// measured on the sync clock (sync::now()). A timed call keeps its deadline even while another
// process holds the internal lock (which otherwise is held only while one record is copied): it
// waits for the lock until its deadline, or 50 ms if that is later, then throws Empty or Full,
// which then means "busy" (as Python's get(block=False) raises Empty while another process
// reads). Only a holder stuck far longer than a copy, say one stopped by SIGSTOP, gets there; a
// holder that dies passes the lock on at once.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string_view>

#include "primitives/codec.h"
#include "primitives/detail/queue_core.h"
#include "primitives/errors.h"
#include "primitives/sync_hooks.h"

namespace ipcprop {

/// get_nowait(), or get(timeout) that timed out, on an empty queue (Python's queue.Empty).
class Empty : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// put_nowait(), or put(timeout) that timed out, on a full queue (Python's queue.Full).
class Full : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// put or get (or task_done, join) through a handle after close() was called on it in this
/// process (Python: ValueError "Queue ... is closed"). The queue itself is unchanged.
class QueueClosed : public UsageError {
 public:
  using UsageError::UsageError;
};

/// A message whose encoding exceeds the queue's max_message_size(). Nothing was put.
class MessageTooLarge : public UsageError {
 public:
  using UsageError::UsageError;
};

/// The default byte capacity of a queue's ring: 64 MiB, so messages of up to 64 MiB - 8 bytes.
inline constexpr std::size_t kDefaultQueueCapacity = std::size_t{64} << 20;

/// The smallest capacity: one record, its 8-byte length and a 1-byte message.
inline constexpr std::size_t kMinQueueCapacity = detail::kRecordHeader + 1;

/// The largest capacity: 1 TiB. The ring is virtual until written, so a large one is cheap, but
/// every message is also encoded into and decoded from ordinary memory, so a message near the
/// machine's memory is already impractical; 1 TiB leaves room for a hundred such rings in the
/// 128 TiB a process can map and keeps page rounding and stream positions far from overflow.
inline constexpr std::size_t kMaxQueueCapacity = std::size_t{1} << 40;

/// The largest maxsize: 2^31 - 1, SEM_VALUE_MAX on Linux, beyond which Python's
/// multiprocessing.Queue, whose item limit is a semaphore, refuses a maxsize too. A larger value
/// is most likely a negative number converted to size_t; 0 means no item limit.
inline constexpr std::size_t kMaxQueueMaxsize = 2147483647;

static_assert(kMinQueueCapacity <= kDefaultQueueCapacity &&
              kDefaultQueueCapacity <= kMaxQueueCapacity);

struct QueueOptions {
  /// Bytes of message storage shared by all messages in the queue, 8 of them per message for its
  /// length. Virtual until used (MAP_NORESERVE). kMinQueueCapacity..kMaxQueueCapacity.
  std::size_t capacity = kDefaultQueueCapacity;
};

// Queue<T>
//
// A FIFO of T values shared by processes. `maxsize` > 0 limits the number of messages in the
// queue; 0 means no item limit (the byte capacity still bounds it).
//
//   state \ call   put(v)              put_nowait(v)   get()                get_nowait()
//   empty          appends v           appends v       blocks until a put   throws Empty
//   neither        appends v           appends v       returns the oldest   returns the oldest
//   full (*)       blocks until room   throws Full     returns the oldest   returns the oldest
//   closed here    throws QueueClosed  QueueClosed     throws QueueClosed   throws QueueClosed
//
//   put(v, timeout) and get(timeout) block like put(v) and get() for at most `timeout`, then
//   throw Full or Empty; a zero or negative timeout makes them put_nowait and get_nowait.
//
//   (*) full: maxsize messages are in the queue, or fewer bytes are free than the message needs.
//
// Not fair: waiters are not served in arrival order, and a put waiting for many free bytes can be
// overtaken by smaller puts that fit sooner.
//
// If another process dies at any moment while using the queue, the queue stays consistent and
// usable (see the file comment); the caller notices nothing. Requirements on T: codec::Encodable.
// Thread-safe: threads of one process may share a handle. Neither copyable nor movable: create
// it where every process that uses it can reach it, and fork after.
template <typename T>
class Queue {
 public:
  /// Creates an empty queue in fresh shared memory. Throws UsageError, before allocating
  /// anything, if maxsize exceeds kMaxQueueMaxsize or options.capacity is outside
  /// kMinQueueCapacity..kMaxQueueCapacity; SystemError if mmap fails.
  explicit Queue(std::size_t maxsize = 0, QueueOptions options = {});
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;
  Queue(Queue&&) = delete;
  Queue& operator=(Queue&&) = delete;
  ~Queue() = default;

  // Queue::put(value)
  //
  // Blocks, if necessary, until the queue has room, then appends `value`. Throws
  // MessageTooLarge if its encoding exceeds max_message_size() (never blocks then), QueueClosed
  // after close().
  void put(const T& value);

  // Queue::put(value, timeout)
  //
  // Like put(value), but throws Full once `timeout` has passed with no room; a zero or negative
  // timeout is put_nowait(). Nothing was put when Full is thrown.
  void put(const T& value, sync::Timeout timeout);

  // Queue::put_nowait(value)
  //
  // Appends `value` if the queue has room now, else throws Full. Does not wait for room (it may
  // wait for the internal lock, which is held only for the copy of one message).
  void put_nowait(const T& value);

  // Queue::get()
  //
  // Blocks, if necessary, until the queue holds a message, then removes and returns the oldest.
  // Throws QueueClosed after close(), and codec::DecodeError if the message is not a T (it is
  // consumed all the same). The death of every producer is not detected: a get() on a queue
  // that nobody will put to again blocks forever, as in Python (S7); use get(timeout), or run
  // under a controlled harness, which reports it as a deadlock.
  T get();

  // Queue::get(timeout)
  //
  // Like get(), but throws Empty once `timeout` has passed with the queue still empty; a zero or
  // negative timeout is get_nowait().
  T get(sync::Timeout timeout);

  // Queue::get_nowait()
  //
  // Removes and returns the oldest message if there is one now, else throws Empty.
  T get_nowait();

  /// The number of messages in the queue: a snapshot, stale at once. Does not block.
  std::size_t qsize();
  /// True iff the queue holds no message (snapshot). Does not block.
  bool empty();
  /// True iff the queue holds maxsize messages (snapshot; false with no item limit). A put may
  /// still wait for free bytes when this is false. Does not block.
  bool full();

  // Queue::close()
  //
  // Declares that this process will use this handle no more: later put/get (and task_done,
  // join) through it throw QueueClosed. Other processes are unaffected (a child forked after
  // the close inherits the closed handle); messages already put stay readable by them.
  // Idempotent; does not block, and
  // does not interrupt a call already blocked in another thread. Shared memory is released when
  // the handle is destroyed.
  void close();

  /// The item limit given at creation (0: none).
  std::size_t maxsize() const noexcept { return core_.maxsize(); }
  /// The largest encoded message this queue accepts: capacity - 8 bytes.
  std::size_t max_message_size() const noexcept { return core_.max_message_size(); }
  /// This queue's identity in histories and messages ("Queue@0x...").
  sync::SyncObject sync_object() const noexcept { return core_.sync_object(); }

 protected:
  /// For JoinableQueue: `kind` names the class in the constructor's UsageError.
  Queue(std::string_view kind, std::size_t maxsize, QueueOptions options);

  detail::QueueCore core_;

 private:
  void put_until(const T& value, sync::Deadline deadline, sync::Timeout timeout_argument,
                 bool throw_full);
  T get_until(sync::Deadline deadline, sync::Timeout timeout_argument);
};

// JoinableQueue<T>
//
// A Queue<T> that counts unfinished tasks: each put adds one (in the same indivisible step that
// publishes the message, so a producer's death cannot split them), each task_done removes one,
// and join() waits for the count to reach zero.
template <typename T>
class JoinableQueue : public Queue<T> {
 public:
  /// As Queue's constructor (UsageError for the same ranges, naming JoinableQueue).
  explicit JoinableQueue(std::size_t maxsize = 0, QueueOptions options = {})
      : Queue<T>("JoinableQueue", maxsize, options) {}

  // JoinableQueue::task_done()
  //
  // Marks one task (one message got earlier, by any process) as finished, waking join() when
  // none remain. Does not block. Throws UsageError "task_done() called too many times" if no
  // task is unfinished (Python: ValueError); the count is then unchanged. QueueClosed after
  // close().
  void task_done();

  // JoinableQueue::join()
  //
  // Blocks until every message ever put has been matched by a task_done(); returns at once if
  // none is unfinished. A consumer that dies before its task_done() leaves that task
  // unfinished forever, as in Python. Throws QueueClosed after close().
  void join();
};

// SimpleQueue<T>
//
// An unbounded queue with only put, get, empty and close (Python's multiprocessing.SimpleQueue),
// with the same storage, ordering, crash-safety and size limit as Queue<T>. put() blocks only
// while the ring has too few free bytes; get() blocks until a message arrives.
template <typename T>
class SimpleQueue {
 public:
  /// Throws UsageError, before allocating anything, if options.capacity is outside
  /// kMinQueueCapacity..kMaxQueueCapacity; SystemError if mmap fails.
  explicit SimpleQueue(QueueOptions options = {});
  SimpleQueue(const SimpleQueue&) = delete;
  SimpleQueue& operator=(const SimpleQueue&) = delete;
  SimpleQueue(SimpleQueue&&) = delete;
  SimpleQueue& operator=(SimpleQueue&&) = delete;
  ~SimpleQueue() = default;

  /// Appends `value`, blocking while the ring lacks room. Throws MessageTooLarge and
  /// QueueClosed like Queue::put.
  void put(const T& value);
  /// Blocks until a message is available, removes and returns it. Throws QueueClosed.
  T get();
  /// True iff the queue holds no message (snapshot).
  bool empty();
  /// Like Queue::close(): this handle refuses put and get afterwards.
  void close();

  std::size_t max_message_size() const noexcept { return core_.max_message_size(); }
  sync::SyncObject sync_object() const noexcept { return core_.sync_object(); }

 private:
  detail::QueueCore core_;
};

}  // namespace ipcprop

#include "primitives/queue.hpp"
