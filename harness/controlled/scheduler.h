// ipcprop — harness/controlled/scheduler.h
//
// Scheduler: the decisions of a controlled execution, shared by the actors' hooks and the
// supervisor. Whoever holds the baton calls it; it asks the strategy who runs next, advances
// virtual time when every live actor waits, detects deadlock, and passes the baton.
#pragma once

#include <optional>
#include <string_view>

#include <sys/types.h>

#include "harness/detail/control_block.h"

namespace ipcprop::harness::detail {

class Scheduler {
 public:
  explicit Scheduler(ControlBlock& control) noexcept : control_(control) {}

  /// Called by `self` (an actor, or kSupervisor) holding the baton: decides who runs next and
  /// hands over. An actor returns once it holds the baton again; the supervisor returns at
  /// once. `self_enabled`: self may go on (it reached a sync point rather than a wait or exit).
  void yield(ActorId self, bool self_enabled);

  /// Appends to the history; a full history ends the execution with outcome Error.
  void record(ActorId actor, EventKind kind, std::string_view operation,
              const sync::SyncObject& object, std::int64_t value);

  /// Enables every actor waiting on `object`.
  void notify(const sync::SyncObject& object);
  /// Enables actor `id` if it waits, whatever it waits on (it looks again: a spurious wake-up).
  void wake(ActorId id);

  /// Ends the execution early with `kind` (first caller wins) and hands the baton to the
  /// supervisor. Does not wait.
  void finish(OutcomeKind kind, std::string_view message);

  /// Blocks until `self` holds the baton.
  void wait_for_baton(ActorId self);
  /// An actor that can do nothing more waits here for the supervisor to kill it.
  [[noreturn]] void wait_to_be_killed();

  void hand_baton(ActorId to);

 private:
  /// Who runs next, or nullopt when nobody can (the execution is over or finish() was called).
  std::optional<ActorId> decide(ActorId self, bool self_enabled);
  /// When no actor is enabled: jump the virtual clock to the earliest deadline and enable the
  /// actors whose deadline it reaches. False if no actor waits with a deadline.
  bool advance_virtual_time();
  /// ExecutionOptions::kill: SIGKILLs `victim` if it is a live actor, as a step of `self`, and
  /// returns once it is gone (never, if victim is self). False if there was nothing to kill.
  bool kill_actor(ActorId self, ActorId victim);

  ControlBlock& control_;
};

/// Blocks until `pid` has died (a zombie, or reaped).
void wait_until_gone(pid_t pid);

}  // namespace ipcprop::harness::detail
