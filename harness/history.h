// ipcprop — harness/history.h
//
// The history of an execution: one Event per sync point, hook call and actor life event, in
// the order they happened. Checkers read histories, never wall-clock timing.
//
//   Event        one entry: step, actor, what kind, operation, object, value
//   History      the events of one execution, copied out of shared memory, with names for
//                objects that are the same in every run ("Lock#1", "Process of actor 2")
//
// Events are appended to a fixed-capacity log in shared memory chosen at execution start;
// overflow ends the execution with an error outcome, never silent truncation.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/strategy.h"
#include "primitives/sync_hooks.h"

namespace ipcprop::harness {

enum class EventKind : std::uint8_t {
  Invoke,  ///< sync::invoke: about to do `operation`; value = its argument.
  Return,  ///< sync::returned; value = the result.
  Wait,    ///< sync::wait: the actor cannot proceed until `object` changes.
  Wake,    ///< The wait ended; value = 0 notified, 1 timed out.
  Notify,  ///< sync::notify on `object`.
  Spawn,   ///< The actor started a child actor; value = the child's actor id.
  Exit,    ///< The actor's program ended; value = its exit code.
  Signal,  ///< The actor signalled a child actor (terminate, kill); value = the signal.
};

std::string_view to_string(EventKind kind) noexcept;

struct Event {
  std::uint32_t step = 0;  ///< Scheduling decisions made before this event.
  ActorId actor = 0;
  EventKind kind = EventKind::Invoke;
  std::string_view operation;  ///< Static storage, per the hook contract; empty for some kinds.
  sync::SyncObject object;
  std::int64_t value = 0;
};

class History {
 public:
  History() = default;
  /// `process_actors[i]` is actor i's pid, used to name Process objects by actor.
  History(std::vector<Event> events, std::vector<int> actor_pids);

  const std::vector<Event>& events() const noexcept { return events_; }

  /// A name for `object` that does not depend on addresses or pids: "<kind>#<n>" numbered by
  /// first appearance in this history, or "Process of actor <id>".
  std::string object_name(const sync::SyncObject& object) const;

  /// One line per event, e.g. "step 3  actor 1  invoke Lock::acquire Lock#1 (0)".
  std::string to_text() const;

  /// A hash of the events with objects named as above: equal for identical executions.
  std::uint64_t hash() const;

 private:
  std::vector<Event> events_;
  std::vector<int> actor_pids_;
  /// (kind, id) → ordinal by first appearance within its kind.
  std::map<std::pair<std::string_view, std::uintptr_t>, int> ordinals_;
};

}  // namespace ipcprop::harness
