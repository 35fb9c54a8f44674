// ipcprop — primitives/pool.h
//
// Pool: a fixed set of forked worker processes that run tasks, modelled on
// multiprocessing.Pool. This header defines:
//
//   Pool             the workers and the calls that hand them tasks: map, map_async, apply,
//                    apply_async, imap, imap_unordered, starmap; close, terminate, join.
//   PoolOptions      initializer (run once in each worker) and maxtasksperchild.
//   kMaxPoolProcesses, kMaxTasksPerChild   the largest processes and maxtasksperchild.
//   AsyncResult<R>   a result to come: get, get(timeout), wait, wait(timeout), ready, successful.
//   ImapResults<R>   the lazy results of imap/imap_unordered: next(), next(timeout).
//   TaskFailed       a task threw; carries its message. WorkerDied (a TaskFailed): the worker
//                    running the task died.
//   TimeoutError     get(timeout) or next(timeout) ran out of time (multiprocessing.TimeoutError).
//
//   Pool pool(2);
//   std::vector<int> squares = pool.map(square, {1, 2, 3});   // {1, 4, 9}, in input order
//
// Tasks. A task is a plain function or a captureless lambda, like the module-level functions
// Python can pickle: the pointer is valid in every worker because each worker is a fork of the
// same binary. Arguments and results go through codec.h, so a type it cannot encode is a
// compile-time error with the codec's message; anything else (a lambda with captures, a
// std::function) is refused at compile time too. A task must return a value (not void).
// Tasks are numbered within the call that submitted them, from 0 (map's item index).
//
// Chunks. map, map_async, imap, imap_unordered and starmap send tasks in chunks of `chunksize`
// (one message each way per chunk). chunksize 0 picks Python's default for map and starmap,
// ceil(len / (4 * processes)); imap and imap_unordered default to 1, as in Python.
//
// Failures (Python hangs on the second; this does not):
//   - A task that throws: its result becomes TaskFailed with the exception's what(). The worker
//     goes on; the other tasks, even in the same chunk, are unaffected.
//   - A worker that dies while running a chunk (killed, crashed, exited): each task of that
//     chunk becomes WorkerDied, e.g. "worker 1 (pid 4242) was killed by signal 9 (SIGKILL)
//     while running task 3"; the worker is replaced by a fresh one and the other tasks complete.
//     With chunksize 1 exactly the task that was running fails.
//   - An initializer that throws: the pool is broken. Every task not yet finished fails with
//     TaskFailed naming the worker and the initializer's message, and further submissions throw
//     UsageError (Python respawns such workers for ever).
//   - A worker killed after taking a chunk but before recording that it did (no task code runs
//     there): the next worker to take a message notices the gap in the message numbers and
//     the chunk fails with WorkerDied ("... while taking task 3, before running it"). After such
//     a death the pool puts a no-op probe message so that there always is a next message.
//
// Transport. One task queue that every worker takes from (so an idle worker takes the next
// chunk, as in Python) and one reply queue back, both the crash-safe queue under Queue<T>
// (detail/queue_core.h): a worker killed at any instant never corrupts them for the others.
// A call queues all its chunks at once; while the task queue (64 MiB) is full it collects
// replies as it waits for room. One chunk's encoded inputs must fit in 64 MiB, else the call
// throws MessageTooLarge (chunks before it were queued and still run); one chunk's encoded
// results too, else its worker exits with code 1 and the chunk fails with WorkerDied.
//
// How the owner learns of a death, without helper threads or a polling period: each worker
// takes a message and records in shared memory which chunk it runs as one step under a robust
// take lock (detail/pool_shared.h), before any task code,
// and whoever waits for results - always the owner, inside get, wait, next, map, join - also
// watches the workers. With no harness it spins briefly on a shared reply counter and then
// sleeps in ppoll() on an eventfd that workers write only while the owner sleeps, plus one pidfd
// per worker, so a reply and a death both wake it at once. Under a harness it waits on the
// reply queue through sync::wait(): every reply, including the "retiring" and "stopped" notices
// a worker puts before exiting on its own, notifies it, so a pool with live workers never looks
// deadlocked; a worker killed by anything but the pool is an actor crash, which the harness
// reports itself at once, unless the kill was announced (sync::after_signal, as the pool suite's
// tasks do): then the harness wakes the owner, as its pidfd would, and the task fails. Why not
// the alternatives: a helper thread (Python's) cannot run under the controlled harness, which
// schedules processes, not threads; waiting in bounded slices would add latency to every death
// and, on virtual time, would keep a real deadlock from ever being reported. See
// detail/pool_core.h.
//
// Shutdown and lifetime. close() lets queued tasks finish and then stops the workers;
// terminate() kills them at once (SIGKILL) and fails every unfinished task; join() waits for
// the workers to be gone. Destroying a Pool that was not joined terminates it: no process is
// ever left behind, and nothing waits on a task that will not end. Workers also die with the
// owning process (PR_SET_PDEATHSIG).
//
// Blocking and timeouts: every call that waits for results says so below; a timeout is
// measured on the sync clock, and a zero or negative timeout means "do not wait": look once.
//
// Limits: processes is 0 (one worker per CPU) or 1..kMaxPoolProcesses (1024), and
// maxtasksperchild 0 (never retire) or 1..kMaxTasksPerChild (2^31 - 1). The constructor checks
// both before it allocates or forks anything and throws UsageError naming the argument, its value
// and the allowed range, e.g. "Pool: processes 18446744073709551615 is out of range; allowed: 0
// (one worker per CPU) or 1..1024 (kMaxPoolProcesses)".
//
// Misuse throws UsageError and changes nothing: submitting after close() or terminate(),
// join() before either ("the pool is still running", Python's ValueError), successful() on a
// result not ready, and any use from another process than the one that created the pool.
//
// Sync points (sync_hooks.h): handing a chunk to the workers is a put on the task queue named
// after the call ("Pool::map", "Pool::apply", "Pool::starmap", "Pool::imap",
// "Pool::imap_unordered"; "Pool::close" for stop messages, "Pool::probe" for probes). A worker
// takes it with a get ("Pool::take" on the queue) under the take lock (a sync point "Pool::take"
// on "PoolTakeLock") and replies with a put ("Pool::reply"). The owner collects replies with
// non-blocking gets ("Pool::collect"), and every wait for results is one sync point "Pool::wait"
// on the reply queue. Starting, joining and killing workers are Process sync points.
//
// Costs, measured with bench/pool_benchmark on the development machine (2-core AMD EPYC VM,
// loaded by other work: load average 4-5), medians of 5 in two sessions, each alongside
// bench/pool_python.py: a map of 10,000 trivial tasks on Pool(2) takes ~11-15 ms with chunksize
// 1 and ~0.6-1.1 ms with the default chunksize (Python's Pool: ~300 ms and ~2.0-2.1 ms);
// Pool(2) construction + close + join takes ~0.9-1.1 ms (Python: ~8-9 ms), of which two bare
// fork() + _exit() + waitpid() take ~0.5-0.7 ms there (BareForkTwiceExitWait): the rest is
// the workers' first page faults, two pidfds and two shared mappings per pool.
#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <sys/types.h>

#include "primitives/codec.h"
#include "primitives/detail/pool_core.h"
#include "primitives/errors.h"
#include "primitives/sync_hooks.h"

namespace ipcprop {

/// A task threw, or (WorkerDied) its worker died while running it. what() is the task's
/// message; task() is its number within the call that submitted it.
class TaskFailed : public std::runtime_error {
 public:
  TaskFailed(const std::string& message, std::uint64_t task)
      : std::runtime_error(message), task_(task) {}
  std::uint64_t task() const noexcept { return task_; }

 private:
  std::uint64_t task_;
};

/// The worker running the task died ("worker 1 (pid N) was killed by signal 9 (SIGKILL) while
/// running task 3"). The pool has replaced the worker.
class WorkerDied : public TaskFailed {
 public:
  using TaskFailed::TaskFailed;
};

/// A result was not ready within the timeout (Python's multiprocessing.TimeoutError). The
/// task is unaffected: ask again later.
class TimeoutError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The most workers a Pool may have: 1024. It is CPU_SETSIZE, the most CPUs the default
/// (processes = 0) can count, and each worker costs the owner a process and two descriptors,
/// all of which it polls in every wait, so a larger pool is far more likely a wrapped negative
/// number than a plan.
inline constexpr std::size_t kMaxPoolProcesses = 1024;

/// The largest maxtasksperchild: 2^31 - 1, the largest int. A worker retiring after two billion
/// chunks is one that never retires (say 0 for that); a larger value is most likely a negative
/// number converted to size_t (-1 is 18446744073709551615).
inline constexpr std::size_t kMaxTasksPerChild = 2147483647;

struct PoolOptions {
  /// Run once in each worker, including replacements, before its first task. May capture
  /// state: the worker is a fork of the owner. If it throws, the pool is broken (file comment).
  /// Empty: none.
  std::function<void()> initializer;
  /// A worker exits after this many chunks and a fresh one replaces it; 0: never. At most
  /// kMaxTasksPerChild.
  std::size_t maxtasksperchild = 0;
};

// AsyncResult<R>
//
// The result of apply_async (R is the task's result) or map_async (R is std::vector of them).
// Copyable; copies share the result. Usable only in the process that created the pool. It keeps
// the pool's bookkeeping alive but not its workers: after the Pool is destroyed an unfinished
// result fails with TaskFailed.
template <typename R>
class AsyncResult {
 public:
  // AsyncResult::get()
  //
  // Blocks until the result is ready, then returns it, or throws TaskFailed (WorkerDied) for
  // the first failed task (map_async: the first in input order). May be called again.
  R get();

  // AsyncResult::get(timeout)
  //
  // Like get(), but throws TimeoutError once `timeout` has passed (zero or negative: look once).
  R get(sync::Timeout timeout);

  /// Blocks until the result is ready (successful or not).
  void wait();
  /// Blocks until the result is ready or `timeout` passed; true iff ready.
  [[nodiscard]] bool wait(sync::Timeout timeout);
  /// True iff the result is ready; collects replies already in but never blocks.
  [[nodiscard]] bool ready();
  /// True iff ready and no task failed. Throws UsageError if not ready (Python: ValueError).
  [[nodiscard]] bool successful();

 private:
  friend class Pool;
  using Decode = R (*)(const std::vector<std::shared_ptr<detail::ChunkState>>&);
  AsyncResult(std::shared_ptr<detail::PoolCore> core,
              std::vector<std::shared_ptr<detail::ChunkState>> chunks, Decode decode)
      : core_(std::move(core)), chunks_(std::move(chunks)), decode_(decode) {}
  bool wait_until(sync::Deadline deadline, sync::Timeout timeout);
  bool all_done() const;

  std::shared_ptr<detail::PoolCore> core_;
  std::vector<std::shared_ptr<detail::ChunkState>> chunks_;
  Decode decode_;
};

// ImapResults<R>
//
// The results of imap (in input order) or imap_unordered (in the order tasks finish), handed out
// one at a time as they become ready. Move-only. Every task was submitted when imap returned;
// next() only collects.
template <typename R>
class ImapResults {
 public:
  ImapResults(ImapResults&&) noexcept = default;
  ImapResults& operator=(ImapResults&&) noexcept = default;
  ImapResults(const ImapResults&) = delete;
  ImapResults& operator=(const ImapResults&) = delete;
  ~ImapResults() = default;

  // ImapResults::next()
  //
  // Blocks until the next result is ready and returns it; nullopt once every result was handed
  // out. A failed task throws TaskFailed (WorkerDied) in its turn; the next call goes on with
  // the following one.
  std::optional<R> next();

  // ImapResults::next(timeout)
  //
  // Like next(), but throws TimeoutError once `timeout` has passed (zero or negative: look
  // once); the result is not skipped: the next call waits for it again.
  std::optional<R> next(sync::Timeout timeout);

 private:
  friend class Pool;
  ImapResults(std::shared_ptr<detail::PoolCore> core,
              std::vector<std::shared_ptr<detail::ChunkState>> chunks, bool ordered)
      : core_(std::move(core)), chunks_(std::move(chunks)), ordered_(ordered) {}
  std::optional<R> next_until(sync::Deadline deadline, sync::Timeout timeout);
  /// The index of the chunk to read from next, if one is ready; chunks_.size() when all are read.
  std::optional<std::size_t> current();

  std::shared_ptr<detail::PoolCore> core_;
  std::vector<std::shared_ptr<detail::ChunkState>> chunks_;
  bool ordered_;
  std::size_t chunk_ = 0;               ///< imap: the chunk being read.
  std::size_t record_ = 0;              ///< The next task within it.
  std::vector<bool> finished_;          ///< imap_unordered: chunks whose every task was handed out.
  std::optional<std::size_t> reading_;  ///< imap_unordered: the chunk being read.
};

// Pool
//
// Owns `processes` worker processes, forked at construction; only the creating process may use
// it. Neither copyable nor movable (results refer to it).
//
//   state \ call   map/apply/...      close()             terminate()       join()
//   running        runs the tasks     closed              terminated        throws UsageError
//   closed         throws UsageError  nothing             terminated        waits, joined
//   terminated     throws UsageError  nothing             nothing           joined
//   joined         throws UsageError  nothing             nothing           nothing
class Pool {
 public:
  // Pool::Pool(processes, options)
  //
  // Forks `processes` workers (0: the number of CPUs this process may run on). Blocks only for
  // the forks. Throws UsageError, before anything is allocated, if processes exceeds
  // kMaxPoolProcesses or options.maxtasksperchild exceeds kMaxTasksPerChild; SystemError if
  // fork, mmap or pidfd_open fails (no worker is left behind then).
  explicit Pool(std::size_t processes = 0, PoolOptions options = {});
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  Pool(Pool&&) = delete;
  Pool& operator=(Pool&&) = delete;
  /// Terminates and reaps the workers unless joined. Never throws, never waits for a task.
  ~Pool();

  // Pool::map(f, items, chunksize)
  //
  // Runs f(item) for every item and blocks until all are done; returns the results in input
  // order. Throws TaskFailed (or WorkerDied) for the first failed task in input order, after all
  // have finished.
  template <typename F, std::ranges::forward_range Items>
  auto map(F f, const Items& items, std::size_t chunksize = 0);
  template <typename F, typename T>
  auto map(F f, std::initializer_list<T> items, std::size_t chunksize = 0);

  /// map() without waiting: an AsyncResult of the std::vector of results.
  template <typename F, std::ranges::forward_range Items>
  auto map_async(F f, const Items& items, std::size_t chunksize = 0);

  /// map() for tasks of several arguments: each item is a std::tuple (or pair) unpacked into f.
  template <typename F, std::ranges::forward_range Items>
  auto starmap(F f, const Items& items, std::size_t chunksize = 0);

  // Pool::apply(f, args...)
  //
  // Runs f(args...) in a worker and blocks until it is done; returns its result or throws
  // TaskFailed (WorkerDied).
  template <typename F, typename... Args>
  auto apply(F f, const Args&... args);

  /// apply() without waiting: an AsyncResult of f's result.
  template <typename F, typename... Args>
  auto apply_async(F f, const Args&... args);

  /// Submits f(item) for every item at once and returns their results lazily, in input order
  /// (imap) or in the order they finish (imap_unordered). Does not wait for any task.
  template <typename F, std::ranges::forward_range Items>
  auto imap(F f, const Items& items, std::size_t chunksize = 1);
  template <typename F, std::ranges::forward_range Items>
  auto imap_unordered(F f, const Items& items, std::size_t chunksize = 1);

  // Pool::close()
  //
  // Accepts no more tasks; the workers finish every task already submitted, then exit. Does not
  // block. Idempotent; does nothing after terminate().
  void close();

  // Pool::terminate()
  //
  // Kills every worker at once (SIGKILL) and reaps it; every unfinished task fails with
  // TaskFailed. Blocks only while the kernel reaps. Idempotent.
  void terminate();

  // Pool::join()
  //
  // Blocks until every worker has exited: after close(), once all submitted tasks are done
  // (dead workers are still replaced meanwhile); after terminate(), at once. Throws UsageError
  // if neither was called.
  void join();

  /// The number of workers.
  std::size_t processes() const noexcept { return core_->processes(); }
  /// The pids of the workers alive now, in worker order (replacements have new pids).
  std::vector<pid_t> worker_pids() const { return core_->worker_pids(); }

 private:
  template <typename Input, typename F, bool Unpack, std::ranges::forward_range Items>
  std::vector<std::shared_ptr<detail::ChunkState>> submit_items(std::string_view operation, F f,
                                                                const Items& items,
                                                                std::size_t chunksize);

  std::shared_ptr<detail::PoolCore> core_;
};

}  // namespace ipcprop

#include "primitives/pool.hpp"
