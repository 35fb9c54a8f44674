// ipcprop — properties/pipe_suite.hpp: the pipe properties' actors.
#pragma once

#include <memory>

#include "properties/lock_suite.h"

namespace ipcprop::properties::pipe_props {
namespace detail {

/// Sends `sizes` on `end`, logging each send.
template <typename Connection>
void send_all(Connection& end, int direction, const std::vector<std::uint16_t>& sizes,
              OperationLog& log, harness::ActorId actor) {
  for (std::size_t index = 0; index < sizes.size(); ++index) {
    const auto bytes = message(direction, index, sizes[index]);
    log.append(actor, SendCall, direction * 1000 + static_cast<long>(index));
    end.send_bytes(std::span<const std::byte>(bytes));
    log.append(actor, SendDone, direction * 1000 + static_cast<long>(index));
  }
}

/// Receives `count` messages from `end` (then, if `until_eof`, until EOFError), checking each
/// one's bytes, and polling before each recv.
template <typename Connection>
void receive(Connection& end, int direction, const std::vector<std::uint16_t>& sizes,
             bool until_eof, OperationLog& log, harness::ActorId actor) {
  for (std::size_t index = 0;; ++index) {
    if (index == sizes.size() && !until_eof) return;
    log.append(actor, Polled, direction, end.poll() ? 1 : 0);
    try {
      const std::vector<std::byte> got = end.recv_bytes();
      const bool right = index < sizes.size() && got == message(direction, index, sizes[index]);
      log.append(actor, Received, direction * 1000 + static_cast<long>(index), right ? 1 : 0);
    } catch (const EOFError&) {
      log.append(actor, Eof, direction, static_cast<long>(index));
      return;
    }
  }
}

}  // namespace detail

struct WholeInOrderThenEof {
  static constexpr std::string_view name = "PipeProps.WholeInOrderThenEof";
  using Workload = pipe_props::Workload;
  static rc::Gen<Workload> workload() { return pipe_props::workload(); }
  /// A one-way pipe: actor 0 sends the forward messages and closes; actor 1 receives to EOF.
  template <typename Factory>
  static harness::ActorFactory actors(const Workload& workload, OperationLog& log) {
    return [workload, &log] {
      auto ends = std::make_shared<decltype(Factory::make(false))>(Factory::make(false));
      return std::vector<harness::ActorProgram>{
          lock_props::detail::noting_exceptions(
              log,
              [=, &log](harness::ActorContext& context) {
                ends->first.close();  // Not ours to read.
                detail::send_all(ends->second, 0, workload.forward, log, context.id());
                log.append(context.id(), Closed, 0);
                ends->second.close();
              }),
          lock_props::detail::noting_exceptions(log, [=, &log](harness::ActorContext& context) {
            ends->second.close();  // EOF needs it.
            detail::receive(ends->first, 0, workload.forward, true, log, context.id());
          })};
    };
  }
  static std::optional<std::string> check(const Workload& workload, const harness::Outcome& outcome,
                                          const OperationLog& log) {
    if (auto problem = check_direction(log.records(), 0, workload.forward.size(), true)) {
      return problem;
    }
    return lock_props::outcome_problem(outcome, log);
  }
  static std::string describe(const Workload& workload) { return pipe_props::describe(workload); }
};

struct Duplex {
  static constexpr std::string_view name = "PipeProps.Duplex";
  using Workload = pipe_props::Workload;
  static rc::Gen<Workload> workload() { return pipe_props::workload(); }
  /// One duplex pair: each actor sends its messages, then receives the other's.
  template <typename Factory>
  static harness::ActorFactory actors(const Workload& workload, OperationLog& log) {
    return [workload, &log] {
      auto ends = std::make_shared<decltype(Factory::make(true))>(Factory::make(true));
      return std::vector<harness::ActorProgram>{
          lock_props::detail::noting_exceptions(
              log,
              [=, &log](harness::ActorContext& context) {
                detail::send_all(ends->first, 0, workload.forward, log, context.id());
                detail::receive(ends->first, 1, workload.backward, false, log, context.id());
              }),
          lock_props::detail::noting_exceptions(log, [=, &log](harness::ActorContext& context) {
            detail::send_all(ends->second, 1, workload.backward, log, context.id());
            detail::receive(ends->second, 0, workload.forward, false, log, context.id());
          })};
    };
  }
  static std::optional<std::string> check(const Workload& workload, const harness::Outcome& outcome,
                                          const OperationLog& log) {
    const auto records = log.records();
    if (auto problem = check_direction(records, 0, workload.forward.size(), false)) return problem;
    if (auto problem = check_direction(records, 1, workload.backward.size(), false)) {
      return problem;
    }
    return lock_props::outcome_problem(outcome, log);
  }
  static std::string describe(const Workload& workload) { return pipe_props::describe(workload); }
};

}  // namespace ipcprop::properties::pipe_props
