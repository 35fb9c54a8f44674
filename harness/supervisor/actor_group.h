// ipcprop — harness/supervisor/actor_group.h
//
// ActorGroup: the processes of one execution, as the supervisor sees them. It forks the root
// actors into a process group of their own, watches every actor through a pidfd, tells how an
// actor ended, and at the end kills and reaps everything and removes the actors' /dev/shm
// entries. Lives in the supervisor process, which is a child subreaper, so orphans come back to
// it and are reaped too.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "primitives/detail/file_descriptor.h"

namespace ipcprop::harness::detail {

/// How a process ended: an exit code, or the signal that killed it.
struct Ending {
  bool killed_by_signal = false;
  int code_or_signal = 0;

  /// Python's convention: the exit code, or -signal.
  int exit_code() const noexcept { return killed_by_signal ? -code_or_signal : code_or_signal; }
  std::string describe() const;
};

class ActorGroup {
 public:
  ActorGroup() = default;
  ActorGroup(const ActorGroup&) = delete;
  ActorGroup& operator=(const ActorGroup&) = delete;
  ActorGroup(ActorGroup&&) = delete;
  ActorGroup& operator=(ActorGroup&&) = delete;
  /// Kills and reaps whatever is left.
  ~ActorGroup();

  /// Forks a root actor into the group. In the child, returns 0 (like fork); the child must end
  /// with _exit. In the supervisor, returns the child's pid, already watched.
  pid_t fork_root_actor();
  /// Starts watching an actor that another actor started. False if it is already gone.
  bool watch(pid_t pid);
  bool watched(pid_t pid) const noexcept;

  /// True while some watched process has not ended.
  bool watching() const noexcept { return !pidfds_.empty(); }

  /// Sleeps until a watched process ends, `attention_fd` (an eventfd) is written, or `timeout`
  /// passes. Returns the pids that ended (no longer watched; possibly none), or nullopt if the
  /// timeout passed first.
  std::optional<std::vector<pid_t>> wait_for_endings(int attention_fd,
                                                     std::chrono::milliseconds timeout);

  /// How `pid` ended, once it has (zombie or, for a root actor, not yet reaped); nullopt if it
  /// still runs or cannot be told.
  static std::optional<Ending> ending_of(pid_t pid);

  /// Kills every actor (the group and every pid ever watched), reaps every child, and removes
  /// /dev/shm entries named after any actor's pid. Idempotent.
  void kill_and_clean_up() noexcept;

 private:
  pid_t group_ = 0;
  std::vector<pid_t> pids_;  ///< Watched now, parallel to pidfds_.
  std::vector<int> pidfds_;
  std::vector<pid_t> every_pid_;  ///< Every actor ever seen, for the final clean-up.
};

}  // namespace ipcprop::harness::detail
