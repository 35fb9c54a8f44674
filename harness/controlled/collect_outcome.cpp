#include "harness/controlled/collect_outcome.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace ipcprop::harness::detail {
namespace {

std::string_view describe(ActorState state) {
  switch (state) {
    case ActorState::Free:
      return "unused";
    case ActorState::Starting:
      return "starting";
    case ActorState::Enabled:
      return "runnable";
    case ActorState::Waiting:
      return "waiting";
    case ActorState::Exiting:
      return "exiting";
    case ActorState::Exited:
      return "exited";
  }
  return "?";
}

std::string last_sync_point(const ActorSlot& slot, const History& history) {
  if (slot.last_operation.empty()) return "before its first sync point";
  return fmt::format("last at {} on {}", slot.last_operation,
                     history.object_name(slot.last_object));
}

std::string deadlock_message(const ControlBlock& control, const History& history) {
  std::string message = "deadlock: no actor can run, and these wait with no deadline:";
  int exited = 0;
  for (ActorId id = 0; id < control.actor_count.load(); ++id) {
    const ActorSlot& slot = control.actors[id];
    if (slot.state.load() == ActorState::Exited) ++exited;
    if (slot.state.load() != ActorState::Waiting) continue;
    fmt::format_to(std::back_inserter(message), "\n  actor {} waits forever in {} on {}", id,
                   slot.waiting_in, history.object_name(slot.waiting_on));
  }
  fmt::format_to(std::back_inserter(message),
                 "\nEvery live actor waits, so no live actor can change what they wait on ({} "
                 "actor{} already exited).",
                 exited, exited == 1 ? "" : "s");
  return message;
}

std::string timeout_message(const ControlBlock& control, const History& history,
                            const ExecutionOptions& options) {
  std::string message = fmt::format(
      "timeout: no progress for {} ms of the actors' own time (running, or blocked in the "
      "kernel; time spent waiting for a CPU does not count): an actor spins, or blocks in the "
      "kernel outside the sync-point hooks:",
      options.watchdog_limit.count());
  for (ActorId id = 0; id < control.actor_count.load(); ++id) {
    const ActorSlot& slot = control.actors[id];
    fmt::format_to(std::back_inserter(message), "\n  actor {}{} ({}) {}", id,
                   control.running.load() == id ? " holds the baton" : "",
                   describe(slot.state.load()), last_sync_point(slot, history));
  }
  return message;
}

}  // namespace

Outcome collect_outcome(const ControlBlock& control, const ExecutionOptions& options) {
  Outcome outcome;
  outcome.mode = Mode::Controlled;
  outcome.replay_is_exact = true;
  outcome.data_seed = control.data_seed;
  outcome.decisions.assign(control.decisions.begin(),
                           control.decisions.begin() + control.decision_count);
  const std::uint16_t actors = control.actor_count.load();
  std::vector<int> pids;
  for (ActorId id = 0; id < actors; ++id) {
    pids.push_back(control.actors[id].pid.load());
    outcome.exit_codes.push_back(control.actors[id].exit_code);
  }
  const std::uint32_t recorded = std::min(control.history_size.load(), control.history_capacity);
  outcome.history =
      History(std::vector<Event>(control.history(), control.history() + recorded), std::move(pids));

  outcome.kind = control.finished.load() ? control.outcome : OutcomeKind::Passed;
  const std::string detail(control.outcome_message.data());
  switch (outcome.kind) {
    case OutcomeKind::Passed:
      break;
    case OutcomeKind::Deadlock:
      outcome.message = deadlock_message(control, outcome.history);
      break;
    case OutcomeKind::Timeout:
      outcome.message = timeout_message(control, outcome.history, options);
      break;
    case OutcomeKind::Crash: {
      outcome.message = "crash: " + detail;
      for (ActorId id = 0; id < actors; ++id) {
        if (detail.starts_with(fmt::format("actor {} ", id)) ||
            detail.starts_with(fmt::format("actor {}'", id))) {
          outcome.message += ", " + last_sync_point(control.actors[id], outcome.history);
        }
      }
      break;
    }
    case OutcomeKind::Abandoned:
      outcome.message = "abandoned: " + detail;
      break;
    case OutcomeKind::Error:
      outcome.message = "harness error: " + detail;
      break;
  }
  return outcome;
}

}  // namespace ipcprop::harness::detail
