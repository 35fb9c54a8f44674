// ipcprop — harness/strategy.h
//
// The scheduling strategy interface, after Shuttle's Scheduler: a strategy decides, at every
// sync point of a controlled execution, which enabled actor runs next.
//
//   Strategy          the interface: begin an execution, pick a candidate, supply random data
//   PickContext       what a strategy sees at one decision
//   Decision          one decision as recorded (enough to replay it or enumerate alternatives)
//   SharedStrategy<T> a strategy constructed in shared memory, as every strategy must be
//
// Candidates are in a canonical order: the actor that reached the sync point first, if it may
// go on, then every other enabled actor by ascending id. So choice 0 means "no preemption" and
// a schedule is a sequence of small integers: the language of the choice-sequence strategy,
// of replay, and of bounded exhaustive search.
//
// Why shared memory: pick() runs in whichever actor process holds the baton, and its effects
// must be seen by the next actor's process. A strategy therefore keeps all its state inside
// the object (fixed-capacity arrays, no heap), and is constructed with make_strategy<T>().
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include <unistd.h>

#include "primitives/shared_memory.h"

namespace ipcprop::harness {

/// Actors are numbered from 0 in the order they are created; ids, never pids, appear in
/// histories and reports.
using ActorId = std::uint16_t;

/// One scheduling decision.
struct Decision {
  std::uint16_t choice = 0;      ///< Index into the candidates.
  std::uint16_t candidates = 0;  ///< How many there were (at least 1).
  ActorId chosen = 0;            ///< The actor that ran.
  bool current_enabled = false;  ///< Candidate 0 was the actor already running: choice > 0
                                 ///< is then a preemption.

  bool preemption() const noexcept { return current_enabled && choice != 0; }
  friend auto operator<=>(const Decision&, const Decision&) = default;
};

struct PickContext {
  /// Canonical order (see the file comment); never empty.
  std::span<const ActorId> candidates;
  /// candidates[0] is the actor that was running and may continue.
  bool current_enabled = false;
  /// Decisions made so far in this execution.
  std::uint32_t step = 0;
};

class Strategy {
 public:
  virtual ~Strategy() = default;

  /// Before each execution, in the process that drives the search. Returns false when there is
  /// nothing more to run (exhaustive search finished, replay already done).
  virtual bool begin_execution() = 0;

  /// Chooses an index into ctx.candidates, or nullopt to abandon the execution (for example a
  /// replay whose program diverged; abandon_reason() then says why). Runs in an actor process.
  virtual std::optional<std::size_t> pick(const PickContext& ctx) = 0;

  /// The seed for this execution's data: actors' random generators derive from it. Called once
  /// per execution, after begin_execution().
  virtual std::uint64_t next_random() = 0;

  /// After each execution, in the driving process, with every decision it made.
  virtual void end_execution(std::span<const Decision> /*decisions*/) {}

  /// Why pick() returned nullopt.
  virtual std::string abandon_reason() const { return "the strategy abandoned the execution"; }

  /// One line naming the strategy and its parameters, e.g. "random(seed=42)".
  virtual std::string describe() const = 0;
};

/// A strategy of type T living in its own shared mapping, so that every actor process sees one
/// object. T's destructor runs when this handle is destroyed in the creating process.
template <typename T>
class SharedStrategy {
 public:
  template <typename... Args>
  explicit SharedStrategy(Args&&... args) : mapping_(sizeof(T)), creator_pid_(::getpid()) {
    ::new (mapping_.data()) T(std::forward<Args>(args)...);
  }
  SharedStrategy(const SharedStrategy&) = delete;
  SharedStrategy& operator=(const SharedStrategy&) = delete;
  SharedStrategy(SharedStrategy&&) = delete;
  SharedStrategy& operator=(SharedStrategy&&) = delete;
  ~SharedStrategy() {
    if (::getpid() == creator_pid_) get()->~T();
  }

  T* get() const noexcept { return std::launder(static_cast<T*>(mapping_.data())); }
  T& operator*() const noexcept { return *get(); }
  T* operator->() const noexcept { return get(); }

 private:
  SharedMapping mapping_;
  int creator_pid_;
};

/// Constructs a T in shared memory: the only way to make a strategy usable by an Execution.
template <typename T, typename... Args>
SharedStrategy<T> make_strategy(Args&&... args) {
  return SharedStrategy<T>(std::forward<Args>(args)...);
}

}  // namespace ipcprop::harness
