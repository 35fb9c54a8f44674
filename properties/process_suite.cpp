#include "properties/process_suite.h"

#include <csignal>

#include <fmt/format.h>

namespace ipcprop::properties::process_props {

std::string describe(const Workload& workload) {
  std::string text = fmt::format("{} children", workload.children.size());
  for (std::size_t child = 0; child < workload.children.size(); ++child) {
    const ChildPlan& plan = workload.children[child];
    text += fmt::format("; child {}: writes {} words, ", child, plan.writes);
    if (plan.ending == 0) {
      text += fmt::format("returns {}", plan.exit_code);
    } else {
      text += plan.ending == 1 ? "terminated (if signals are on)" : "killed (if signals are on)";
    }
  }
  return text;
}

rc::Gen<Workload> workload() {
  const auto child = rc::gen::build<ChildPlan>(
      rc::gen::set(&ChildPlan::writes, rc::gen::inRange<std::uint8_t>(1, 17)),
      rc::gen::set(&ChildPlan::exit_code, rc::gen::inRange<std::uint8_t>(0, 4)),
      rc::gen::set(&ChildPlan::ending, rc::gen::inRange<std::uint8_t>(0, 3)));
  return rc::gen::build<Workload>(
      rc::gen::set(&Workload::splits, rc::gen::resize(100, rc::gen::inRange<std::uint8_t>(1, 4))),
      rc::gen::set(&Workload::children,
                   rc::gen::resize(3, rc::gen::nonEmpty(rc::gen::container<std::vector<ChildPlan>>(
                                          rc::gen::resize(100, child))))));
}

std::optional<std::string> check_tree(const Workload& workload,
                                      const std::vector<LogRecord>& records) {
  long members = 0;
  long joined = 0;
  for (const LogRecord& record : records) {
    if (record.kind == Member) ++members;
    if (record.kind == Joined) {
      if (record.result != 1) {
        return fmt::format("fork tree: a joined child had no exit code 0 at t={}", record.time);
      }
      ++joined;
    }
  }
  const long expected = 1L << workload.splits;
  if (members != expected || joined != expected - 1) {
    return fmt::format("fork tree: {} splits gave {} processes and {} joins, expected {} and {}",
                       workload.splits, members, joined, expected, expected - 1);
  }
  return std::nullopt;
}

std::optional<std::string> check_join(const Workload& workload,
                                      const std::vector<LogRecord>& records, bool signals) {
  for (const LogRecord& record : records) {
    const auto index = static_cast<std::size_t>(record.value);
    if (index >= workload.children.size()) continue;
    const ChildPlan& plan = workload.children[index];
    const bool signalled = signals && plan.ending != 0;
    if (record.kind == Observed && record.result != plan.writes) {
      return fmt::format(
          "join ordering: after join() returned, {} of child {}'s {} writes were "
          "visible (t={})",
          record.result, index, plan.writes, record.time);
    }
    if (record.kind == ExitCode) {
      const long expected = signalled ? (plan.ending == 1 ? -SIGTERM : -SIGKILL) : plan.exit_code;
      if (record.result != expected) {
        return fmt::format(
            "exit code: after join(), child {}'s exitcode() was {} instead of {}", index,
            record.result == kNoExitCode ? std::string("none") : std::to_string(record.result),
            expected);
      }
    }
  }
  return std::nullopt;
}

}  // namespace ipcprop::properties::process_props
