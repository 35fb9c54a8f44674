#include "properties/queue_suite.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "harness/checkers/fifo.h"
#include "harness/checkers/linearizability.h"
#include "harness/checkers/queue_model.h"

namespace ipcprop::properties::queue_props {
namespace {

using Operation = harness::Operation<harness::QueueInput, harness::QueueOutput>;

/// Pairs each actor's calls with its returns; a call with no return is pending.
std::vector<Operation> operations(const std::vector<LogRecord>& records, bool blocking) {
  std::vector<Operation> result;
  std::map<harness::ActorId, std::size_t> open;  // actor → index of its unreturned call
  for (const LogRecord& record : records) {
    if (record.kind == PutCall || record.kind == GetCall) {
      Operation operation;
      operation.actor = record.actor;
      operation.called = record.time;
      if (record.kind == PutCall) {
        operation.input = blocking ? harness::QueueInput::put(record.value)
                                   : harness::QueueInput::put_nowait(record.value);
      } else {
        operation.input = blocking ? harness::QueueInput::get() : harness::QueueInput::get_nowait();
      }
      open[record.actor] = result.size();
      result.push_back(operation);
    } else if (record.kind == Returned) {
      const auto call = open.find(record.actor);
      if (call == open.end()) continue;
      Operation& operation = result[call->second];
      operation.returned = record.time;
      switch (record.result) {
        case Ok:
          operation.output = harness::QueueOutput::ok();
          break;
        case Got:
          operation.output = harness::QueueOutput::got(record.value);
          break;
        case WasEmpty:
          operation.output = harness::QueueOutput::empty();
          break;
        default:
          operation.output = harness::QueueOutput::full();
          break;
      }
      open.erase(call);
    }
  }
  return result;
}

}  // namespace

std::string describe(const Workload& workload) {
  std::string text = fmt::format("maxsize {}, {} actors", workload.maxsize, workload.actors.size());
  for (std::size_t actor = 0; actor < workload.actors.size(); ++actor) {
    text += fmt::format("; actor {}:", actor);
    for (const std::uint8_t is_put : workload.actors[actor].puts) text += is_put ? " put" : " get";
  }
  return text;
}

rc::Gen<Workload> workload() {
  const auto plan = rc::gen::build<ActorPlan>(rc::gen::set(
      &ActorPlan::puts,
      rc::gen::resize(4, rc::gen::nonEmpty(rc::gen::container<std::vector<std::uint8_t>>(
                             rc::gen::resize(100, rc::gen::inRange<std::uint8_t>(0, 2)))))));
  return rc::gen::build<Workload>(
      rc::gen::set(&Workload::maxsize, rc::gen::resize(100, rc::gen::inRange<std::uint8_t>(0, 4))),
      rc::gen::set(&Workload::actors,
                   rc::gen::suchThat(rc::gen::resize(3, rc::gen::container<std::vector<ActorPlan>>(
                                                            rc::gen::resize(100, plan))),
                                     [](const auto& actors) { return actors.size() >= 2; })));
}

std::optional<std::string> check_linearizable(const Workload& workload,
                                              const std::vector<LogRecord>& records) {
  const auto result = harness::check_linearizability<harness::QueueModel>(
      operations(records, false), harness::QueueModel::with_capacity(workload.maxsize));
  if (result.verdict == harness::Verdict::Linearizable) return std::nullopt;
  return fmt::format("linearizability against a FIFO queue with maxsize {}: {}", workload.maxsize,
                     result.explanation);
}

std::optional<std::string> check_exactly_once(const Workload& workload,
                                              const std::vector<LogRecord>& records) {
  harness::FifoRecord fifo;
  fifo.produced.resize(workload.actors.size());
  for (std::size_t actor = 0; actor < workload.actors.size(); ++actor) {
    std::size_t puts = 0;
    for (const std::uint8_t is_put : workload.actors[actor].puts) {
      if (is_put != 0) fifo.produced[actor].push_back(value_of(actor, puts++));
    }
  }
  std::vector<std::int64_t> received;
  for (const Operation& operation : operations(records, true)) {
    if (operation.output && operation.output->kind == harness::QueueOutput::Kind::Got) {
      received.push_back(operation.output->value);
    }
  }
  fifo.consumed.push_back(received);
  const auto violations = harness::check_fifo(fifo);
  if (violations.empty()) return std::nullopt;
  return "exactly once, in order: " + violations.front().text;
}

std::optional<std::string> outcome_problem(const harness::Outcome& outcome,
                                           const OperationLog& log) {
  return lock_props::outcome_problem(outcome, log);
}

}  // namespace ipcprop::properties::queue_props
