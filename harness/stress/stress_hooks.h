// ipcprop — harness/stress/stress_hooks.h
//
// StressHooks: the sync::Hooks of a stress execution. Actors run under the real OS scheduler;
// at each sync point a seeded coin decides whether to yield the CPU or sleep a little, to shake
// out interleavings. Waits block in the kernel. Events are appended to the shared history by
// all actors at once.
#pragma once

#include <cstdint>

#include "harness/detail/control_block.h"
#include "harness/detail/split_mix.h"
#include "primitives/sync_hooks.h"

namespace ipcprop::harness::detail {

class StressHooks final : public sync::Hooks {
 public:
  StressHooks(ControlBlock& control, const ExecutionOptions& options) noexcept
      : control_(control), options_(options) {}

  /// Makes this process's copy act as actor `self`.
  void become_actor(ActorId self) noexcept;

  void invoke(const sync::SyncPoint& point) override;
  void returned(const sync::SyncPoint& point, std::int64_t result) override;
  std::optional<sync::WaitResult> wait(const sync::SyncPoint& point,
                                       sync::Deadline deadline) override;
  void notify(const sync::SyncObject& object) override;
  sync::TimePoint now() override { return sync::Clock::now(); }
  void before_fork() override;
  void after_fork_in_child() override { become_actor(child_being_started_); }
  void after_fork_in_parent(pid_t child) override;
  void before_exit(int exit_code) override;
  void after_signal(pid_t child, int signal_number) override;

 private:
  void record(EventKind kind, std::string_view operation, const sync::SyncObject& object,
              std::int64_t value);
  void add_noise();

  ControlBlock& control_;
  const ExecutionOptions& options_;
  ActorId self_ = kSupervisor;
  ActorId child_being_started_ = kSupervisor;
  SplitMix64 noise_;
};

}  // namespace ipcprop::harness::detail
