// ipcprop — harness/checkers/operation.h
//
// Operation<Input, Output>: one operation on an object under test as a property suite records
// it for the linearizability checker — the actor, call and return times from one global
// counter, the input and the output. An operation with no return time is pending.
#pragma once

#include <cstdint>
#include <optional>

#include "harness/strategy.h"

namespace ipcprop::harness {

/// One recorded operation. `returned` and `output` are both set (it returned) or both unset
/// (pending); `returned`, when set, is not less than `called`.
template <class Input, class Output>
struct Operation {
  ActorId actor = 0;
  std::uint64_t called = 0;
  std::optional<std::uint64_t> returned;
  Input input;
  std::optional<Output> output;

  bool pending() const noexcept { return !returned.has_value(); }
};

}  // namespace ipcprop::harness
