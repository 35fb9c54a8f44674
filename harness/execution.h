// ipcprop — harness/execution.h
//
// Execution: runs a set of actor programs as real forked processes under a supervisor, and
// returns what happened.
//
//   ActorProgram      what an actor runs: a callable taking its ActorContext
//   ActorContext      the actor's id and its seeded random generator: all an actor's program
//                     may depend on besides its inputs (so that replay is exact)
//   ExecutionOptions  mode, wall-clock limit, history capacity, CPU pinning, stress noise
//   Outcome           passed / deadlock / crash / timeout / abandoned / error, with the history
//                     and the exact sequence of scheduling decisions
//   run_execution()   one execution
//
// Modes. Controlled (the default): one actor runs at a time and every sync point is a decision
// of the strategy; waits are cooperative, so a deadlock is reported the moment no actor can
// run, and timeouts run on a virtual clock that jumps to the earliest deadline when every live
// actor waits. Given the same programs, inputs and strategy, two executions produce identical
// histories and decisions. Stress: real OS scheduling with seeded noise (yields, short sleeps)
// at sync points and waits blocking in the kernel; the watchdog catches hangs, and replay is
// only probabilistic.
//
// Supervision. Each execution runs in a supervisor process of its own: a child subreaper whose
// actors form their own process group. Whatever the outcome, every actor is killed and reaped
// and every /dev/shm/ipcprop.<pid>.* entry an actor created is removed: nothing is left.
// Processes an actor starts through ipcprop::Process become actors of the same execution;
// processes started with a bare fork() are not supported under controlled mode.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/detail/split_mix.h"
#include "harness/history.h"
#include "harness/strategy.h"

namespace ipcprop::harness {

class ActorContext {
 public:
  ActorContext(ActorId id, std::uint64_t data_seed) noexcept;

  ActorId id() const noexcept { return id_; }
  /// The next value of this actor's generator: a function of the execution's data seed and the
  /// actor id only.
  std::uint64_t random() noexcept;

 private:
  ActorId id_;
  detail::SplitMix64 generator_;
};

using ActorProgram = std::function<void(ActorContext&)>;

/// Makes the actors of one execution, and the primitives they share, afresh. It runs in the
/// execution's supervisor process, so what it creates is gone with the execution: a lock left
/// held by a deadlocked or crashed actor cannot leak into the next execution. Once the actors
/// are forked the supervisor drops its copy of the programs, so what they capture (pipe ends,
/// say) is held by the actors alone.
using ActorFactory = std::function<std::vector<ActorProgram>()>;

enum class Mode : std::uint8_t { Controlled, Stress };

/// Fault injection for controlled executions: SIGKILL one actor as the scheduler is about to
/// make decision number `at_decision` (0 is the first), wherever that actor is parked: at a sync
/// point, or waiting (for a lock, a queue, a child). The killed actor is no crash: the outcome
/// depends on how the others cope, as with a process killed from outside. The kill is a step of
/// the schedule (a Signal event, value 9, by the actor that was running), so the execution
/// replays exactly. Nothing happens if the actor has ended, or is not started by then.
struct KillActor {
  ActorId actor = 0;
  std::uint32_t at_decision = 0;
};

struct ExecutionOptions {
  Mode mode = Mode::Controlled;
  /// Controlled mode only (ignored in stress mode).
  std::optional<KillActor> kill{};
  /// The watchdog: an execution that makes no progress (no sync point reached, no baton handed
  /// on, no actor ending) for this long ends with outcome Timeout. Only the time the actors it
  /// waits for ran or slept in the kernel counts, not time they waited for a CPU, so a busy
  /// machine slows executions down without cutting them (harness/supervisor/stall_meter.h).
  std::chrono::milliseconds watchdog_limit{10'000};
  /// Events the history can hold; more ends the execution with outcome Error.
  std::uint32_t history_capacity = 4096;
  /// Controlled mode: pin the execution's processes to one CPU (the one the caller runs on):
  /// hand-offs between processes on one CPU cost about 2 µs, across CPUs about 60 µs. Stress
  /// executions are never pinned.
  bool pin_to_one_cpu = true;
  /// Stress mode: the probability that a sync point yields, and that it sleeps (up to 50 µs).
  double stress_yield_probability = 0.3;
  double stress_sleep_probability = 0.05;
};

enum class OutcomeKind : std::uint8_t {
  Passed,     ///< Every actor's program finished (root actors with exit code 0).
  Deadlock,   ///< No actor could run and at least one waited with no deadline (controlled).
  Crash,      ///< An actor was killed by a signal, died outside the hooks, or a root actor's
              ///< program ended with an escaping exception or a non-zero exit code.
  Timeout,    ///< The wall-clock watchdog fired: an actor spun or blocked outside the hooks.
  Abandoned,  ///< The strategy gave up (e.g. a replay diverged).
  Error,      ///< The harness itself failed (fork, shared memory, a capacity exceeded).
};

std::string_view to_string(OutcomeKind kind) noexcept;

struct Outcome {
  OutcomeKind kind = OutcomeKind::Error;
  /// One paragraph for a person: what went wrong and where (empty when Passed).
  std::string message;
  Mode mode = Mode::Controlled;
  /// False in stress mode: the same inputs may not give the same run again.
  bool replay_is_exact = true;
  std::vector<Decision> decisions;
  std::uint64_t data_seed = 0;
  History history;
  /// Per actor, by id: its exit code (or -signal), when it exited.
  std::vector<int> exit_codes;

  bool passed() const noexcept { return kind == OutcomeKind::Passed; }
};

/// Runs the actors that `make_actors` returns (actor i runs element i) once. In controlled mode
/// `strategy` decides every step; it must live in shared memory (make_strategy). In stress mode
/// it only supplies the data seed. Harness failures, and a factory that throws or returns no
/// actor or more than 64, come back as outcome Error, never as exceptions.
Outcome run_execution(const ActorFactory& make_actors, Strategy& strategy,
                      const ExecutionOptions& options = {});

/// Runs `programs` once. Primitives they share were made by the caller and outlive the
/// execution: if an actor may die holding one (a deadlock ends with every actor killed), make
/// them in an ActorFactory instead. Throws UsageError for no program or more than 64.
Outcome run_execution(std::span<const ActorProgram> programs, Strategy& strategy,
                      const ExecutionOptions& options = {});

namespace detail {
inline constexpr std::size_t kMaxActorsPerExecution = 64;
/// Scheduling decisions one controlled execution can record; more ends it with outcome Error.
inline constexpr std::size_t kMaxDecisionsPerExecution = 8192;
/// Returns `programs`, or throws UsageError if there are none or too many.
const std::vector<ActorProgram>& actors_checked(const std::vector<ActorProgram>& programs);
}  // namespace detail

}  // namespace ipcprop::harness
