// ipcprop — harness/checkers/queue_model.h
//
// QueueModel: the sequential specification of a FIFO queue with an optional capacity, for the
// linearizability checker. It follows Queue<T> (and Python's multiprocessing.Queue):
//
//   QueueInput   put or get, blocking, non-blocking or with a timeout; a put carries its value
//   QueueOutput  Ok (a put succeeded), Got v, Empty, Full
//   QueueState   the capacity (0 = unbounded) and the values in the queue, oldest first
//   QueueModel   the rules below, as a LinearizabilityModel
//
// Rules, at the operation's linearization point:
//   * put: Ok iff the queue is not full (the value goes to the back); Full iff it is full,
//     and only for put_nowait / put with a timeout — a blocking put never raises Full.
//   * get: Got v iff v is the oldest value (it is removed); Empty iff the queue is empty, and
//     only for get_nowait / get with a timeout — a blocking get never raises Empty.
// A timed operation that raised is linearized at a moment the queue was full (empty), which
// the specification cannot tell from a non-blocking one; the timeout's length is not modelled.
//
// The capacity is part of the state rather than a template parameter because suites choose
// it at run time (a generated maxsize); it never changes, so it does not multiply the states
// the checker visits. Start a check from QueueModel::with_capacity(n); init() is unbounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/checkers/operation.h"

namespace ipcprop::harness {

/// How an operation waits: forever, not at all, or up to a timeout.
enum class QueueWait : std::uint8_t { Block, NoWait, Timeout };

struct QueueInput {
  enum class Kind : std::uint8_t { Put, Get };
  Kind kind = Kind::Get;
  QueueWait wait = QueueWait::Block;
  std::int64_t value = 0;  ///< The value put; 0 for a get.

  static QueueInput put(std::int64_t v) { return {Kind::Put, QueueWait::Block, v}; }
  static QueueInput put_nowait(std::int64_t v) { return {Kind::Put, QueueWait::NoWait, v}; }
  static QueueInput put_timeout(std::int64_t v) { return {Kind::Put, QueueWait::Timeout, v}; }
  static QueueInput get() { return {Kind::Get, QueueWait::Block, 0}; }
  static QueueInput get_nowait() { return {Kind::Get, QueueWait::NoWait, 0}; }
  static QueueInput get_timeout() { return {Kind::Get, QueueWait::Timeout, 0}; }
};

struct QueueOutput {
  enum class Kind : std::uint8_t { Ok, Got, Empty, Full };
  Kind kind = Kind::Ok;
  std::int64_t value = 0;  ///< The value got; 0 otherwise.

  static QueueOutput ok() { return {Kind::Ok, 0}; }
  static QueueOutput got(std::int64_t v) { return {Kind::Got, v}; }
  static QueueOutput empty() { return {Kind::Empty, 0}; }
  static QueueOutput full() { return {Kind::Full, 0}; }
  friend bool operator==(const QueueOutput&, const QueueOutput&) = default;
};

struct QueueState {
  std::size_t capacity = 0;          ///< 0: unbounded.
  std::vector<std::int64_t> values;  ///< Oldest first.

  bool full() const noexcept { return capacity != 0 && values.size() >= capacity; }
  friend bool operator==(const QueueState&, const QueueState&) = default;
};

struct QueueModel {
  using State = QueueState;
  using Input = QueueInput;
  using Output = QueueOutput;

  static State init() { return {}; }
  static State with_capacity(std::size_t capacity) { return {capacity, {}}; }
  static std::size_t hash(const State& state) noexcept;
  /// The state after the operation, or nullopt if `output` breaks the rules above.
  static std::optional<State> step(const State& state, const Input& input, const Output& output);
  /// Every output allowed from `state` (for pending operations).
  static std::vector<Output> possible_outputs(const State& state, const Input& input);
  /// "put(7) → ok", "get_nowait() → Empty", "put_timeout(3) → Full".
  static std::string describe(const Input& input, const Output& output);
  /// "get()", "put(7)".
  static std::string describe(const Input& input);
  /// Why `output` is impossible from `state`, reached by linearizing `prefix`: e.g. "the oldest
  /// value is 3, not 7 (queue [3, 7])", "7 was already taken by actor 1's get() → 7".
  static std::string explain(const State& state,
                             const std::vector<Operation<Input, Output>>& prefix,
                             const Input& input, const Output& output);
};

}  // namespace ipcprop::harness
