#include "harness/stress/stress_execution.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <new>
#include <vector>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <fmt/format.h>

#include "harness/controlled/collect_outcome.h"
#include "harness/controlled/scheduler.h"
#include "harness/stress/stress_hooks.h"
#include "harness/supervisor/actor_group.h"
#include "harness/supervisor/judge_ending.h"
#include "harness/supervisor/root_actor.h"
#include "harness/supervisor/stall_meter.h"
#include "harness/supervisor/supervisor_process.h"
#include "primitives/errors.h"
#include "primitives/shared_memory.h"

namespace ipcprop::harness::detail {
namespace {

/// Starts the root actors, which run at once, and watches until all have ended, one crashes,
/// or the watchdog fires.
void supervise(ControlBlock& control, std::vector<ActorProgram> programs,
               const ExecutionOptions& options) {
  StressHooks hooks(control, options);
  sync::install(&hooks);
  ActorGroup group;
  Scheduler recorder(control);  // Only its finish(): no baton in stress mode.
  control.actor_count.store(static_cast<std::uint16_t>(programs.size()));
  for (ActorId id = 0; id < programs.size(); ++id) {
    control.actors[id].state.store(ActorState::Enabled);
    const pid_t pid = group.fork_root_actor();
    if (pid == 0) {
      hooks.become_actor(id);
      run_root_actor(id, programs[id], control.data_seed, [&control](std::string_view why) {
        Scheduler(control).finish(OutcomeKind::Error, why);
      });
    }
    control.actors[id].pid.store(pid);
  }
  programs.clear();  // What they own (pipe ends, ...) now belongs to the actors alone.
  StallMeter meter(options.watchdog_limit);
  std::size_t ended = 0;
  while (!control.finished.load()) {
    const std::size_t count = std::min<std::size_t>(control.actor_count.load(), kMaxActors);
    for (ActorId id = 0; id < count; ++id) {
      const pid_t pid = control.actors[id].pid.load();
      if (pid != 0 && !group.watched(pid) && !group.watch(pid)) {
        if (auto crash = judge_ending(control.actors[id], id, ActorGroup::ending_of(pid))) {
          recorder.finish(OutcomeKind::Crash, *crash);
        }
        ++ended;
      }
    }
    if (control.actor_count.load() > kMaxActors) {
      recorder.finish(OutcomeKind::Error,
                      fmt::format("more than {} actors in one execution", kMaxActors));
    }
    if (control.finished.load() || (ended == count && !group.watching())) break;
    const auto gone = group.wait_for_endings(control.attention_fd, meter.tick());
    if (!gone) {
      // Actors run at once here: any live one may be the one that spins.
      std::vector<pid_t> live;
      for (ActorId id = 0; id < count; ++id) {
        if (control.actors[id].state.load() != ActorState::Exited) {
          live.push_back(control.actors[id].pid.load());
        }
      }
      if (meter.stalled(control.history_size.load(), live)) {
        recorder.finish(OutcomeKind::Timeout, "");
        break;
      }
      continue;
    }
    for (const pid_t pid : *gone) {
      ++ended;
      for (ActorId id = 0; id < count; ++id) {
        if (control.actors[id].pid.load() != pid) continue;
        if (auto crash = judge_ending(control.actors[id], id, ActorGroup::ending_of(pid))) {
          recorder.finish(OutcomeKind::Crash, *crash);
        }
        control.actors[id].state.store(ActorState::Exited);
      }
    }
  }
  if (!control.finished.load() && control.history_size.load() > control.history_capacity) {
    recorder.finish(OutcomeKind::Error, fmt::format("the history is full ({} events); raise "
                                                    "ExecutionOptions::history_capacity",
                                                    control.history_capacity));
  }
  group.kill_and_clean_up();
}

}  // namespace

Outcome run_stress(const ActorFactory& make_actors, const ExecutionOptions& options,
                   std::uint64_t data_seed) {
  SharedMapping mapping(sizeof(ControlBlock) + options.history_capacity * sizeof(Event));
  auto* control = ::new (mapping.data()) ControlBlock;
  control->history_capacity = options.history_capacity;
  control->data_seed = data_seed;
  ipcprop::detail::FileDescriptor attention(
      check_call(::eventfd(0, EFD_CLOEXEC), "eventfd", "supervisor attention"));
  control->attention_fd = attention.get();
  const SupervisorResult result = run_in_supervisor_process(options, [&] {
    try {
      std::vector<ActorProgram> programs = make_actors();
      actors_checked(programs);
      supervise(*control, std::move(programs), options);
    } catch (const std::exception& error) {
      Scheduler(*control).finish(OutcomeKind::Error, error.what());
    }
  });
  if (!result.ok) Scheduler(*control).finish(OutcomeKind::Error, result.message);
  Outcome outcome = collect_outcome(*control, options);
  outcome.mode = Mode::Stress;
  outcome.replay_is_exact = false;
  if (!outcome.passed()) {
    outcome.message +=
        "\n(stress mode: replay is probabilistic; under real scheduling a rerun reproduces this "
        "only with some probability)";
  }
  return outcome;
}

}  // namespace ipcprop::harness::detail
