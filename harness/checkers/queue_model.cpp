#include "harness/checkers/queue_model.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ipcprop::harness {

std::size_t QueueModel::hash(const State& state) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ state.capacity;
  for (std::int64_t v : state.values) {
    h ^= static_cast<std::uint64_t>(v);
    h *= 0x100000001b3ULL;
    h ^= h >> 29;
  }
  return static_cast<std::size_t>(h);
}

std::optional<QueueState> QueueModel::step(const State& state, const Input& input,
                                           const Output& output) {
  const bool may_raise = input.wait != QueueWait::Block;
  if (input.kind == Input::Kind::Put) {
    if (output.kind == Output::Kind::Ok && !state.full()) {
      State next = state;
      next.values.push_back(input.value);
      return next;
    }
    if (output.kind == Output::Kind::Full && may_raise && state.full()) return state;
    return std::nullopt;
  }
  if (output.kind == Output::Kind::Got && !state.values.empty() &&
      state.values.front() == output.value) {
    State next = state;
    next.values.erase(next.values.begin());
    return next;
  }
  if (output.kind == Output::Kind::Empty && may_raise && state.values.empty()) return state;
  return std::nullopt;
}

std::vector<QueueOutput> QueueModel::possible_outputs(const State& state, const Input& input) {
  const bool may_raise = input.wait != QueueWait::Block;
  if (input.kind == Input::Kind::Put) {
    if (!state.full()) return {Output::ok()};
    return may_raise ? std::vector{Output::full()} : std::vector<Output>{};
  }
  if (!state.values.empty()) return {Output::got(state.values.front())};
  return may_raise ? std::vector{Output::empty()} : std::vector<Output>{};
}

std::string QueueModel::describe(const Input& input) {
  const char* suffix = input.wait == QueueWait::Block    ? ""
                       : input.wait == QueueWait::NoWait ? "_nowait"
                                                         : "_timeout";
  return input.kind == Input::Kind::Put ? fmt::format("put{}({})", suffix, input.value)
                                        : fmt::format("get{}()", suffix);
}

std::string QueueModel::describe(const Input& input, const Output& output) {
  switch (output.kind) {
    case Output::Kind::Ok:
      return describe(input) + " → ok";
    case Output::Kind::Got:
      return fmt::format("{} → {}", describe(input), output.value);
    case Output::Kind::Empty:
      return describe(input) + " → Empty";
    case Output::Kind::Full:
      return describe(input) + " → Full";
  }
  return describe(input);
}

namespace {

/// Why get → v is impossible when v is not in the queue: taken by an earlier get of the
/// prefix, or not put yet.
std::string not_in_queue(std::int64_t v,
                         const std::vector<Operation<QueueInput, QueueOutput>>& prefix,
                         const std::string& contents) {
  for (const auto& op : prefix) {
    if (op.input.kind == QueueInput::Kind::Get && op.output &&
        op.output->kind == QueueOutput::Kind::Got && op.output->value == v) {
      return fmt::format("{} was already taken by actor {}'s {} ({})", v, op.actor,
                         QueueModel::describe(op.input, *op.output), contents);
    }
  }
  return fmt::format("{} has not been put yet ({})", v, contents);
}

}  // namespace

std::string QueueModel::explain(const State& state,
                                const std::vector<Operation<Input, Output>>& prefix,
                                const Input& input, const Output& output) {
  const std::string contents = fmt::format("queue [{}]", fmt::join(state.values, ", "));
  const std::string fill = state.capacity == 0 ? fmt::format("{}, unbounded", contents)
                                               : fmt::format("{}, {} of {}", contents,
                                                             state.values.size(), state.capacity);
  const bool may_raise = input.wait != QueueWait::Block;
  const bool is_put = input.kind == Input::Kind::Put;
  switch (output.kind) {
    case Output::Kind::Ok:
      if (!is_put) return "a get cannot return ok";
      return fmt::format("the queue is full ({})", fill);
    case Output::Kind::Full:
      if (!is_put) return "a get cannot raise Full";
      if (!may_raise) return "a blocking put never raises Full";
      return fmt::format("the queue is not full ({})", fill);
    case Output::Kind::Empty:
      if (is_put) return "a put cannot raise Empty";
      if (!may_raise) return "a blocking get never raises Empty";
      return fmt::format("the queue is not empty ({})", contents);
    case Output::Kind::Got:
      if (is_put) return "a put cannot return a value";
      if (std::find(state.values.begin(), state.values.end(), output.value) == state.values.end()) {
        return not_in_queue(output.value, prefix, contents);
      }
      return fmt::format("the oldest value is {}, not {} ({})", state.values.front(), output.value,
                         contents);
  }
  return "impossible";
}

}  // namespace ipcprop::harness
