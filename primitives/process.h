// ipcprop — primitives/process.h
//
// Process: runs a callable in a child created by fork(), modelled on multiprocessing.Process.
//
//   Process worker([] { ... });          // or a callable returning int: the exit code
//   worker.start();
//   worker.join();                       // blocks until the child has exited
//   assert(worker.exitcode() == 0);
//
// The child is a copy of the parent at start(): it sees memory shared before the fork
// (SharedMapping, Lock, ...) and a private copy of everything else. It runs the target, flushes
// stdio and ends with _exit(), so the parent's destructors and atexit handlers never run twice.
// Exit code: the target's int result (truncated to 0..255 by the kernel), 0 for a void target,
// 1 if an exception escaped (its message goes to stderr), -N if the child died from signal N.
//
// Only the process that called start() may join, poll or signal the child ("a child process"):
// anyone else gets UsageError, as does joining yourself, starting twice, or joining, polling
// or signalling before start().
//
// Destruction: if the child has already exited it is reaped. If it is still running it is
// killed with SIGKILL and reaped, so a Process never leaves a zombie or an orphan behind and
// never waits on a child that will not end; join() first to let the child finish.
//
// Threads: once start() has returned, the threads of the process that started the child may call
// join, join(timeout), is_alive, exitcode, terminate, kill, pid and name on one Process at once.
// The child is reaped exactly once, by whichever call sees it exit first, under an internal mutex
// held only for a waitpid(WNOHANG) and the cached exit status, never while a join blocks: so
// is_alive and exitcode answer at once while another thread is blocked in join, every blocked
// join returns once the child has exited whoever reaped it, and terminate and kill never signal
// a reaped (possibly reused) pid. start, the move operations and the destructor must not overlap
// any other call on the same Process. Under a controlled harness one actor is one thread.
//
// start, join, is_alive, exitcode, terminate and kill are sync points (sync_hooks.h); join
// waits through sync::wait() on the Process object, which the harness notifies when the child
// exits, so a controlled harness schedules it and runs join(timeout) on its own clock.
#pragma once

#include <concepts>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <sys/types.h>

#include "primitives/detail/file_descriptor.h"
#include "primitives/sync_hooks.h"

namespace ipcprop {

class Process {
 public:
  /// A target returning void (exit code 0) or something convertible to int (the exit code).
  template <typename Target>
  requires std::invocable<Target&>
  explicit Process(Target target, std::string name = {})
      : Process(wrap(std::move(target)), std::move(name)) {}

  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  /// Reaps the child, killing it first (SIGKILL) if it is still running. Never throws.
  ~Process();

  // Process::start()
  //
  // Forks the child and returns in the parent at once. Throws UsageError if already started and
  // SystemError if fork() fails.
  void start();

  // Process::join()
  //
  // Blocks until the child has exited and reaps it; returns at once if it already was.
  void join();

  // Process::join(timeout)
  //
  // Like join(), but gives up once `timeout` has passed on the sync clock (zero or negative: do
  // not wait). Returns true iff the child has exited and been reaped.
  [[nodiscard]] bool join(sync::Timeout timeout);

  /// True from start() until the child has exited. Does not block.
  bool is_alive();

  /// The exit code once the child has exited (see the file comment), else nullopt. Does not block.
  std::optional<int> exitcode();

  /// Sends SIGTERM (terminate) or SIGKILL (kill). Does nothing once the child has been reaped.
  void terminate();
  void kill();

  /// The child's process id from start() on; nullopt before.
  std::optional<pid_t> pid() const noexcept;
  /// The name given, or "Process-N" (N counts the Process objects this process has created).
  const std::string& name() const noexcept { return name_; }

  /// This process's identity in histories and messages ("Process@<pid>"; id 0 before start).
  sync::SyncObject sync_object() const noexcept;

 private:
  using Body = std::function<int()>;

  template <typename Target>
  static Body wrap(Target target) {
    if constexpr (std::is_void_v<std::invoke_result_t<Target&>>) {
      return [target = std::move(target)]() mutable {
        std::invoke(target);
        return 0;
      };
    } else {
      static_assert(std::is_convertible_v<std::invoke_result_t<Target&>, int>,
                    "Process: the target must return void or an exit code convertible to int");
      return
          [target = std::move(target)]() mutable { return static_cast<int>(std::invoke(target)); };
    }
  }

  Process(Body body, std::string name);

  [[noreturn]] void run_child();
  /// The destructor's work: kill and reap a child that is still ours and unreaped.
  void discard_child() noexcept;
  bool join_until(sync::Deadline deadline, sync::Timeout timeout_argument);
  /// Checks the child for exit without blocking; true once it has been reaped. Takes mutex_.
  bool reap_if_exited();
  /// reap_if_exited() for a caller that holds mutex_.
  bool reap_if_exited_locked();
  /// Blocks, without holding mutex_, until the pidfd is readable (the child exited) or the
  /// deadline passes; true iff readable or already reaped.
  bool wait_for_exit(sync::Deadline deadline);
  /// Ends a wait_for_exit(); the last waiter closes the pidfd of a reaped child.
  void stop_waiting_on_pidfd();
  void require_child_of_caller(std::string_view operation) const;
  void send_signal(std::string_view operation, int signal_number);

  Body body_;
  std::string name_;
  pid_t pid_ = 0;
  pid_t parent_pid_ = 0;  ///< Who called start(); only it may join.
  /// Guards the three members below (the others do not change from start() on). Never held
  /// while blocking; not moved (each object has its own).
  std::mutex mutex_;
  /// Open from start() until reaped and no join blocks on it any more.
  detail::FileDescriptor pidfd_;
  std::optional<int> exit_code_;  ///< Set when reaped.
  int pidfd_waiters_ = 0;         ///< Threads blocked on pidfd_ in wait_for_exit().
};

}  // namespace ipcprop
