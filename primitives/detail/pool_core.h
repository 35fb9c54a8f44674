// ipcprop — primitives/detail/pool_core.h
//
// PoolCore: the owner's side of a Pool, without templates. It forks and replaces the workers,
// sends chunks of tasks through the task queue, collects replies from the reply queue into
// ChunkStates, and notices dead workers. The typed API (pool.h) encodes inputs, decodes
// outcomes and waits through wait_until().
//
// One loop serves every wait (step()): take every reply already queued, look for workers that
// ended (their pidfds, polled without blocking), and if neither made progress, block once
// following the wait protocol of sync_hooks.h: a harness decides (the wait is on the reply
// queue, which every reply notifies), or the owner spins briefly on PoolSharedHeader's reply
// counter and then sleeps in ppoll() on its eventfd plus every worker's pidfd, so that a reply
// and a death both wake it, with no helper thread and no polling period.
//
// Defined in pool_core.cpp (construction, submission, replies, waiting) and pool_lifecycle.cpp
// (starting workers, their deaths and replacement, close, terminate, join).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <sys/types.h>

#include "primitives/detail/file_descriptor.h"
#include "primitives/detail/pool_messages.h"
#include "primitives/detail/pool_shared.h"
#include "primitives/detail/queue_core.h"
#include "primitives/process.h"
#include "primitives/shared_memory.h"
#include "primitives/sync_hooks.h"

namespace ipcprop::detail {

/// The fate of one chunk of tasks, filled in by the owner when its reply (or its worker's death)
/// is seen. Shared by the PoolCore (until done) and the results that wait for it.
struct ChunkState {
  std::uint64_t first = 0;     ///< The number of its first task within the call that submitted it.
  std::uint64_t sequence = 0;  ///< Its message's position among all messages put.
  std::uint32_t count = 0;
  bool done = false;
  std::uint64_t completed_order = 0;  ///< 1 for the first chunk of the pool to finish, ...
  PoolBytes outcomes;                 ///< Records, one per task, when no `failure`.
  std::vector<Record> records;        ///< Views into `outcomes`.
  std::string failure;                ///< Why the whole chunk has no outcomes (worker died, ...).
  bool worker_died = false;
};

class PoolCore {
 public:
  /// Forks `processes` workers. Precondition: 1 <= processes <= kMaxPoolProcesses and
  /// maxtasksperchild <= kMaxTasksPerChild (Pool's constructor checks them).
  PoolCore(std::size_t processes, std::function<void()> initializer, std::size_t maxtasksperchild);
  PoolCore(const PoolCore&) = delete;
  PoolCore& operator=(const PoolCore&) = delete;
  PoolCore(PoolCore&&) = delete;
  PoolCore& operator=(PoolCore&&) = delete;
  /// Terminates the workers if the pool was not joined. Never throws.
  ~PoolCore();

  /// Queues one chunk. Throws UsageError if the pool is not running or the caller is not the
  /// process that created the pool.
  std::shared_ptr<ChunkState> submit(std::string_view operation, TaskRunner runner,
                                     std::uintptr_t function, std::span<const std::byte> records,
                                     std::uint32_t count, std::uint64_t first);

  /// Blocks until done() is true or the deadline passes; returns done(). A sync point.
  template <typename Done>
  bool wait_until(const Done& done, sync::Deadline deadline, sync::Timeout timeout_argument);

  void close();
  void terminate() noexcept;
  void join();

  std::size_t processes() const noexcept { return workers_.size(); }
  /// Pids of the live workers (for tests and diagnostics).
  std::vector<pid_t> worker_pids() const;
  /// Throws UsageError unless called by the process that created the pool.
  void require_owner(std::string_view operation) const;
  /// The object a waiting owner is notified on: the reply queue.
  sync::SyncObject sync_object() const noexcept { return replies_.sync_object(); }

 private:
  enum class State : std::uint8_t { Running, Closed, Terminated, Joined };
  struct Worker {
    std::optional<Process> process;
    FileDescriptor pidfd;
    bool retiring = false;
  };

  /// Makes progress or blocks once; false iff the deadline passed with nothing to do.
  bool step(const sync::SyncPoint& point, sync::Deadline deadline);
  bool drain_replies();
  bool check_workers();
  void handle_reply(std::span<const std::byte> reply);
  void complete(std::uint64_t chunk, PoolBytes outcomes);
  void fail(ChunkState& chunk, std::string failure, bool worker_died);
  void worker_ended(std::uint32_t index);
  void start_worker(std::uint32_t index);
  /// Puts `message` (a TaskHeader first) with the next sequence number; false iff `block` is
  /// false and the queue is full.
  bool put_message(std::string_view operation, PoolBytes& message, bool block);
  /// Puts a message of `kind` (Stop or Probe), blocking.
  void put_control(std::string_view operation, TaskKind kind);
  void handle_lost(std::uint64_t sequence, pid_t dead_pid);
  void block_in_kernel(std::uint32_t observed, sync::Deadline deadline);
  bool all_workers_gone() const;
  void fail_all_pending(std::string_view why);
  WorkerSlot& slot(std::uint32_t index) const noexcept;

  SharedMapping shared_mapping_;  ///< PoolSharedHeader, then one WorkerSlot per worker.
  PoolSharedHeader* shared_;
  QueueCore tasks_;
  QueueCore replies_;
  FileDescriptor wake_fd_;
  std::vector<Worker> workers_;
  std::function<void()> initializer_;
  std::size_t maxtasksperchild_;
  std::unordered_map<std::uint64_t, std::shared_ptr<ChunkState>> pending_;
  std::uint64_t next_chunk_ = 0;
  std::uint64_t next_sequence_ = 0;  ///< Of the next message put on the task queue.
  std::unordered_map<std::uint64_t, std::uint64_t> chunk_of_sequence_;  ///< Pending chunks.
  std::unordered_set<std::uint64_t> stop_sequences_;
  std::unordered_map<pid_t, std::string> deaths_;  ///< "worker 1 (pid N) was killed by ...".
  std::uint64_t completed_ = 0;
  State state_ = State::Running;
  std::optional<std::string> broken_;  ///< Set when an initializer failed.
  pid_t owner_pid_;
  PoolBytes message_;   ///< Scratch for messages received (and stop messages sent).
  PoolBytes outgoing_;  ///< Scratch for chunks sent.
};

template <typename Done>
bool PoolCore::wait_until(const Done& done, sync::Deadline deadline,
                          sync::Timeout timeout_argument) {
  const sync::SyncPoint point{"Pool::wait", sync_object(), timeout_argument.count()};
  sync::invoke(point);
  bool result = false;
  for (;;) {
    if (done()) {
      result = true;
      break;
    }
    if (!step(point, deadline)) {
      result = done();
      break;
    }
  }
  sync::returned(point, result ? 1 : 0);
  return result;
}

}  // namespace ipcprop::detail
