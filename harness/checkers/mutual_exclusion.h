// ipcprop — harness/checkers/mutual_exclusion.h
//
// A mutual exclusion check: no two actors inside one critical section at the same time.
//
//   CriticalEvent  an actor entered or left the critical section, at a history timestamp
//   Overlap        the first moment two actors were inside, naming both and their entries
//   find_overlap   the check
//
// Timestamps come from one global counter. An exit and an enter at the same time do not
// overlap (exits are processed first). An actor that enters again while inside (a reentrant
// lock) nests: it is inside until as many exits. An actor that never exits stays inside until
// the end of the history.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "harness/strategy.h"

namespace ipcprop::harness {

struct CriticalEvent {
  enum class Kind : std::uint8_t { Enter, Exit };
  ActorId actor = 0;
  Kind kind = Kind::Enter;
  std::uint64_t time = 0;
};

struct Overlap {
  ActorId inside = 0;              ///< The actor that was in the critical section...
  std::uint64_t inside_since = 0;  ///< ...since it entered at this time,
  ActorId intruder = 0;            ///< when this actor entered too,
  std::uint64_t intruder_at = 0;   ///< at this time.
  std::string text;                ///< "actor 1 entered at 9 while actor 0 was inside (since 4)".
};

/// The first overlap in time order, or nullopt if there is none. `events` may be in any order.
/// Throws std::invalid_argument for an exit by an actor that is not inside.
std::optional<Overlap> find_overlap(std::span<const CriticalEvent> events);

}  // namespace ipcprop::harness
