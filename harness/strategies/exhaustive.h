// ipcprop — harness/strategies/exhaustive.h
//
// Exhaustive: bounded exhaustive search with preemption bounding (Musuvathi and Qadeer,
// "Iterative Context Bounding for Systematic Testing of Multithreaded Programs", PLDI 2007, as in
// CHESS). It runs every schedule with at most max_preemptions preemptions, each once, in
// depth-first order. A preemption is a decision with choice > 0 while the running actor could
// have continued; switching because the running actor blocked or exited is free.
//
// The search is stateless (it keeps no program states, only choice sequences): execution 1
// takes choice 0 everywhere. After each execution, begin_execution() finds the deepest decision
// with an untried alternative within the bound, replays the prefix before it, takes the next
// choice there, and 0 afterwards. This assumes the program is deterministic given its schedule:
// it then never runs a schedule twice. A forced choice that is out of range shows it is not, and
// abandons the execution. An execution longer than max_steps decisions is abandoned too.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/strategy.h"

namespace ipcprop::harness {

/// Enumerates schedules (see the file comment). begin_execution() is false once the search is
/// complete; next_random() is always 0, so data never varies between schedules.
class Exhaustive final : public Strategy {
 public:
  /// The largest max_steps allowed: the decisions of one execution are kept in the object.
  static constexpr std::size_t kCapacity = 4096;

  /// Throws UsageError unless 1 ≤ max_steps ≤ kCapacity.
  Exhaustive(std::uint32_t max_preemptions, std::uint32_t max_steps);

  /// Prepares the next schedule, or returns false when none is left. Throws UsageError if the
  /// previous execution was never ended with end_execution().
  bool begin_execution() override;
  std::optional<std::size_t> pick(const PickContext& ctx) override;
  std::uint64_t next_random() override { return 0; }
  /// Records the decisions: the search backtracks from them. Required after every execution,
  /// abandoned ones included.
  void end_execution(std::span<const Decision> decisions) override;
  std::string abandon_reason() const override;
  std::string describe() const override;

  /// How many executions begin_execution() has started.
  std::uint64_t executions_started() const noexcept { return executions_started_; }

 private:
  enum class Abandon : std::uint8_t { kNone, kTooLong, kNondeterministic };

  std::uint32_t max_preemptions_;
  std::uint32_t max_steps_;
  std::uint64_t executions_started_ = 0;
  bool ended_ = true;  ///< end_execution() has run since the last begin_execution().
  bool done_ = false;

  /// The forced choices of the current execution; every later decision takes choice 0.
  std::array<std::uint16_t, kCapacity> prefix_{};
  std::size_t prefix_size_ = 0;
  /// The decisions of the last ended execution.
  std::array<Decision, kCapacity> last_{};
  std::size_t last_size_ = 0;

  Abandon abandon_ = Abandon::kNone;
  std::uint32_t abandon_step_ = 0;
  std::size_t abandon_candidates_ = 0;  ///< For kNondeterministic: how many were found.
};

}  // namespace ipcprop::harness
