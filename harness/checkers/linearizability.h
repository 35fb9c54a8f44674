// ipcprop — harness/checkers/linearizability.h
//
// A linearizability checker for histories of one object against a sequential specification:
// Wing & Gong's search with Lowe's improvements, as in Porcupine (without P-compositionality).
//
//   LinearizabilityModel  the concept a sequential specification satisfies
//   CheckOptions          the search budget
//   Verdict               linearizable, not linearizable, or undecided (budget exhausted)
//   LinearizabilityResult the verdict, a witness order or the longest linearized prefix, and
//                         the operations that could not be placed after it
//   check_linearizability the checker
// Histories are vectors of Operation<In, Out> (operation.h).
//
// Real-time order: operation A happens before B iff A.returned < B.called (one global counter;
// equal times count as overlapping). An operation with no return time is *pending* (its actor
// never came back, e.g. a deadlock): it may take effect at any point after its call, or never.
//
// The search: calls and returns, sorted by time, form a doubly linked list. The search walks it
// from the front; at a call it tries to apply that operation to the model state, and if the
// output is possible and the pair (set of linearized operations, new state) has not been seen,
// it "lifts" the call and its return out of the list and starts again from the front. Reaching
// a return means that operation should already have been linearized: the last lift is undone
// ("unlift") and the next candidate tried. Seen pairs are kept in a hash set (memoization), so
// each (set, state) pair is explored at most once. The budget counts those pairs.
//
// Pending operations: a pending call's return is placed after every other event, so it may
// be linearized anywhere after its call; its output is unknown, so each of
// M::possible_outputs is tried (outputs that leave the state unchanged are skipped: taking
// effect that way is the same as never taking effect). The search succeeds once every
// completed operation is linearized; pending ones left over are taken never to have happened.
//
// Cost: exponential in the worst case (the problem is NP-complete); memoization keeps common
// histories fast. Histories where many operations overlap and a wrong early choice shows only
// much later (an unbounded queue with a long backlog and long puts) can exhaust the budget.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/checkers/operation.h"

namespace ipcprop::harness {

/// A sequential specification. Requirements:
///   * `State`: copyable, `operator==`, hashed by `static std::size_t M::hash(const State&)`
///     (a static function of the model, not std::hash: no specialisation in namespace std).
///   * `static State init()`: the initial state (checks may pass another one explicitly).
///   * `static std::optional<State> step(const State&, const Input&, const Output&)`: the
///     state after the operation, or nullopt if that output is impossible from that state.
///   * `static std::vector<Output> possible_outputs(const State&, const Input&)`: the outputs
///     the operation could produce from that state; used only for pending operations. An
///     output that leaves the state unchanged may be left out (it is the same as omitting the
///     pending operation).
///   * `static std::string describe(const Input&, const Output&)` and
///     `static std::string describe(const Input&)` (pending): text for reports, e.g. "get() → 7".
/// Optional: `static std::string explain(const State&, const std::vector<Operation<Input,
/// Output>>& prefix, const Input&, const Output&)`: why that output is impossible after the
/// linearized `prefix` that led to that state ("7 was already taken by actor 1's get() → 7");
/// reports use it when present.
template <class M>
concept LinearizabilityModel = std::copyable<typename M::State> &&
    std::equality_comparable<typename M::State> &&
    requires(const typename M::State& s, const typename M::Input& in,
             const typename M::Output& out) {
  { M::init() } -> std::convertible_to<typename M::State>;
  { M::hash(s) } -> std::convertible_to<std::size_t>;
  { M::step(s, in, out) } -> std::same_as<std::optional<typename M::State>>;
  { M::possible_outputs(s, in) } -> std::same_as<std::vector<typename M::Output>>;
  { M::describe(in, out) } -> std::convertible_to<std::string>;
  { M::describe(in) } -> std::convertible_to<std::string>;
};

struct CheckOptions {
  /// The most (linearized set, state) pairs the search may explore before it gives up with
  /// Verdict::Undecided.
  std::size_t max_states = 1'000'000;
};

enum class Verdict : std::uint8_t {
  Linearizable,
  NotLinearizable,
  Undecided,  ///< The budget was exhausted before the search ended.
};

/// An operation that could not be linearized next after the longest prefix, and why.
struct Blocked {
  std::size_t op = 0;  ///< Index into the history.
  std::string reason;  ///< e.g. "the queue is empty".
};

struct LinearizabilityResult {
  Verdict verdict = Verdict::Undecided;
  /// Linearizable: a witness, the history indices in linearization order (completed operations
  /// and those pending ones that took effect). Otherwise: the longest prefix linearized.
  std::vector<std::size_t> order;
  /// Not linearizable or undecided: every operation that was a candidate after `order`.
  std::vector<Blocked> blocked;
  std::size_t explored = 0;  ///< Distinct (linearized set, state) pairs visited.
  /// A readable account: the verdict, the prefix and each blocked operation by actor, the
  /// actor's operation index (0-based, by call time) and its description.
  std::string explanation;

  bool linearizable() const noexcept { return verdict == Verdict::Linearizable; }
};

/// Decides whether `history` (in any order) is linearizable with respect to `M`, starting
/// from `initial`. Throws std::invalid_argument if an operation has a return time but no
/// output, or the reverse, or returned before it was called. Deterministic.
template <LinearizabilityModel M>
LinearizabilityResult check_linearizability(
    const std::vector<Operation<typename M::Input, typename M::Output>>& history,
    const typename M::State& initial, const CheckOptions& options = {});

/// As above, from `M::init()`.
template <LinearizabilityModel M>
LinearizabilityResult check_linearizability(
    const std::vector<Operation<typename M::Input, typename M::Output>>& history,
    const CheckOptions& options = {});

}  // namespace ipcprop::harness

#include "harness/checkers/linearizability.hpp"
