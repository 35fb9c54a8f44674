#include "harness/controlled/controlled_execution.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <functional>
#include <new>
#include <string>
#include <vector>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "harness/controlled/collect_outcome.h"
#include "harness/controlled/controlled_hooks.h"
#include "harness/detail/control_block.h"
#include "harness/supervisor/actor_group.h"
#include "harness/supervisor/judge_ending.h"
#include "harness/supervisor/root_actor.h"
#include "harness/supervisor/stall_meter.h"
#include "harness/supervisor/supervisor_process.h"
#include "primitives/errors.h"
#include "primitives/shared_memory.h"

namespace ipcprop::harness::detail {
namespace {

class Supervisor {
 public:
  Supervisor(ControlBlock& control, const ExecutionOptions& options)
      : control_(control), options_(options), hooks_(control) {}

  /// Takes the programs by value: once every root actor is forked the supervisor drops its
  /// copies, and with them anything they own (a pipe end it holds open would keep EOF away).
  void run(std::vector<ActorProgram> programs) {
    sync::install(&hooks_);  // Inherited by every actor.
    control_.actor_count.store(static_cast<std::uint16_t>(programs.size()));
    for (ActorId id = 0; id < programs.size(); ++id) {
      control_.actors[id].state.store(ActorState::Starting);
      const pid_t pid = group_.fork_root_actor();
      if (pid == 0) {
        hooks_.become_actor(id);  // Waits for its first turn.
        run_root_actor(id, programs[id], control_.data_seed, [this](std::string_view why) {
          Scheduler(control_).finish(OutcomeKind::Error, why);
        });
      }
      control_.actors[id].pid.store(pid);
      control_.actors[id].state.store(ActorState::Enabled);
    }
    programs.clear();
    hooks_.scheduler().yield(kSupervisor, false);
    watch_until_done();
    group_.kill_and_clean_up();
  }

 private:
  void watch_until_done() {
    StallMeter meter(options_.watchdog_limit);
    std::vector<ActorId> ended;  // Processes gone, judged once we may touch the control block.
    while (!control_.finished.load(std::memory_order_acquire)) {
      watch_new_actors(ended);
      const ActorId holder = control_.running.load(std::memory_order_acquire);
      if (holder != kSupervisor && std::erase(ended, holder) != 0) {
        // It died holding the baton (a crash, or a process that announced killing itself):
        // nobody else runs, we take over.
        control_.running.store(kSupervisor, std::memory_order_release);
        judge(holder);
        continue;
      }
      // Deaths are judged only once every actor that is on its way out (exiting, or signalled
      // by its parent) is gone, lowest id first: the order and batches in which pidfds become
      // readable are the kernel's, and must not show in the history.
      std::sort(ended.begin(), ended.end(), std::greater<>());
      while (!ended.empty() && control_.running.load(std::memory_order_acquire) == kSupervisor &&
             !control_.finished.load(std::memory_order_acquire) && !someone_still_dying(ended)) {
        const ActorId id = ended.back();
        ended.pop_back();
        judge(id);
      }
      if (control_.finished.load(std::memory_order_acquire) || all_exited()) return;

      const auto gone = group_.wait_for_endings(control_.attention_fd, meter.tick());
      for (const pid_t pid : gone.value_or(std::vector<pid_t>{})) {
        if (const auto id = actor_of(pid)) ended.push_back(*id);
      }
      const bool someone_ended = gone && !gone->empty();
      if (!someone_ended && meter.stalled(progress(), responsible())) {
        Scheduler(control_).finish(OutcomeKind::Timeout, "");
        return;
      }
    }
  }

  /// Changes with every event in the history and every hand-over of the baton.
  std::uint64_t progress() const {
    return (std::uint64_t{control_.history_size.load(std::memory_order_acquire)} << 16) |
           control_.running.load(std::memory_order_acquire);
  }

  /// What the execution waits for: the actor holding the baton, or, while the supervisor holds
  /// it, the actors on their way out.
  std::vector<pid_t> responsible() const {
    const ActorId holder = control_.running.load(std::memory_order_acquire);
    if (holder != kSupervisor) return {control_.actors[holder].pid.load()};
    std::vector<pid_t> leaving;
    const std::uint16_t count = control_.actor_count.load(std::memory_order_acquire);
    for (ActorId id = 0; id < count; ++id) {
      const ActorSlot& slot = control_.actors[id];
      if (slot.leaving()) leaving.push_back(slot.pid.load());
    }
    return leaving;
  }

  bool someone_still_dying(const std::vector<ActorId>& ended) const {
    const std::uint16_t count = control_.actor_count.load(std::memory_order_acquire);
    for (ActorId id = 0; id < count; ++id) {
      const ActorSlot& slot = control_.actors[id];
      if (slot.leaving() && std::find(ended.begin(), ended.end(), id) == ended.end()) return true;
    }
    return false;
  }

  std::optional<ActorId> actor_of(pid_t pid) const {
    const std::uint16_t count = control_.actor_count.load(std::memory_order_acquire);
    for (ActorId id = 0; id < count; ++id) {
      if (control_.actors[id].pid.load(std::memory_order_relaxed) == pid) return id;
    }
    return std::nullopt;
  }

  void watch_new_actors(std::vector<ActorId>& ended) {
    const std::uint16_t count = control_.actor_count.load(std::memory_order_acquire);
    for (ActorId id = 0; id < count; ++id) {
      const pid_t pid = control_.actors[id].pid.load(std::memory_order_relaxed);
      if (pid != 0 && !group_.watched(pid) && !group_.watch(pid)) ended.push_back(id);
    }
  }

  bool all_exited() const {
    const std::uint16_t count = control_.actor_count.load(std::memory_order_acquire);
    for (ActorId id = 0; id < count; ++id) {
      if (control_.actors[id].state.load(std::memory_order_acquire) != ActorState::Exited) {
        return false;
      }
    }
    return true;
  }

  /// Called only while no actor runs. Decides whether the actor's end is a crash, and if not,
  /// marks it exited, releases whoever joins it, and schedules the next actor.
  void judge(ActorId id) {
    ActorSlot& slot = control_.actors[id];
    Scheduler scheduler(control_);
    if (auto crash = detail::judge_ending(slot, id, ActorGroup::ending_of(slot.pid.load()))) {
      scheduler.finish(OutcomeKind::Crash, *crash);
      return;
    }
    slot.state.store(ActorState::Exited, std::memory_order_release);
    const sync::SyncObject process{"Process", static_cast<std::uintptr_t>(slot.pid.load())};
    scheduler.record(id, EventKind::Notify, {}, process, 0);
    scheduler.notify(process);
    // As a pidfd or SIGCHLD would: a parent waiting on something else (a pool's owner waiting for
    // replies) looks again and can see that its child is gone.
    if (slot.parent != kSupervisor) scheduler.wake(slot.parent);
    // A process killed by a signal may have held a lock that others wait for: as the kernel's
    // robust-futex list wakes a waiter of a dead owner's mutex, every waiter looks again (the
    // harness does not know what the dead one held; a wake-up is spurious for the others).
    if (slot.signalled) {
      const std::uint16_t count = control_.actor_count.load(std::memory_order_acquire);
      for (ActorId other = 0; other < count; ++other) scheduler.wake(other);
    }
    if (control_.running.load(std::memory_order_acquire) == kSupervisor && !all_exited()) {
      scheduler.yield(kSupervisor, false);
    }
  }

  ControlBlock& control_;
  const ExecutionOptions& options_;
  ControlledHooks hooks_;
  ActorGroup group_;
};

}  // namespace

Outcome run_controlled(const ActorFactory& make_actors, Strategy& strategy,
                       const ExecutionOptions& options, std::uint64_t data_seed) {
  SharedMapping mapping(sizeof(ControlBlock) + options.history_capacity * sizeof(Event));
  auto* control = ::new (mapping.data()) ControlBlock;
  control->history_capacity = options.history_capacity;
  control->strategy = &strategy;
  control->data_seed = data_seed;
  if (options.kill) {
    control->kill_actor = options.kill->actor;
    control->kill_at_decision = options.kill->at_decision;
  }
  ipcprop::detail::FileDescriptor attention(
      check_call(::eventfd(0, EFD_CLOEXEC), "eventfd", "supervisor attention"));
  control->attention_fd = attention.get();

  const SupervisorResult result = run_in_supervisor_process(options, [&] {
    try {
      std::vector<ActorProgram> programs = make_actors();
      actors_checked(programs);
      Supervisor(*control, options).run(std::move(programs));
    } catch (const std::exception& error) {
      Scheduler(*control).finish(OutcomeKind::Error, error.what());
    }
  });
  if (!result.ok) Scheduler(*control).finish(OutcomeKind::Error, result.message);
  return collect_outcome(*control, options);
}

}  // namespace ipcprop::harness::detail
