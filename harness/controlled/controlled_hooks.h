// ipcprop — harness/controlled/controlled_hooks.h
//
// ControlledHooks: the sync::Hooks of a controlled execution. One object is installed in the
// supervisor before it forks the actors; each actor process has its own copy (fork copies it)
// that knows which actor it is.
#pragma once

#include "harness/controlled/scheduler.h"
#include "primitives/sync_hooks.h"

namespace ipcprop::harness::detail {

class ControlledHooks final : public sync::Hooks {
 public:
  explicit ControlledHooks(ControlBlock& control) noexcept
      : control_(control), scheduler_(control) {}

  /// Makes this process's copy act as actor `self` and waits for its first turn.
  void become_actor(ActorId self);
  ActorId self() const noexcept { return self_; }
  Scheduler& scheduler() noexcept { return scheduler_; }

  void invoke(const sync::SyncPoint& point) override;
  void returned(const sync::SyncPoint& point, std::int64_t result) override;
  std::optional<sync::WaitResult> wait(const sync::SyncPoint& point,
                                       sync::Deadline deadline) override;
  void notify(const sync::SyncObject& object) override;
  sync::TimePoint now() override;
  void before_fork() override;
  void after_fork_in_child() override;
  void after_fork_in_parent(pid_t child) override;
  void before_exit(int exit_code) override;
  void after_signal(pid_t child, int signal_number) override;

 private:
  ActorSlot& slot() noexcept { return control_.actors[self_]; }

  ControlBlock& control_;
  Scheduler scheduler_;
  ActorId self_ = kSupervisor;
  ActorId child_being_started_ = kSupervisor;
};

}  // namespace ipcprop::harness::detail
