// ipcprop — properties/process_suite.hpp: the process properties' actors.
#pragma once

#include <array>
#include <csignal>
#include <memory>

#include "primitives/lock.h"
#include "primitives/shared_memory.h"
#include "primitives/sync_hooks.h"
#include "properties/lock_suite.h"

namespace ipcprop::properties::process_props {
namespace detail {

/// The body of one fork-tree process: start a child for each remaining split, each going on
/// with the splits after it, then join them all.
template <typename Process>
void split(int first, int splits, OperationLog& log) {
  log.append(0, Member);
  std::vector<std::unique_ptr<Process>> children;
  for (int level = first; level < splits; ++level) {
    children.push_back(std::make_unique<Process>(std::function<int()>([level, splits, &log] {
      split<Process>(level + 1, splits, log);
      return 0;
    })));
    children.back()->start();
  }
  for (auto& child : children) {
    child->join();
    log.append(0, Joined, 0, child->exitcode() == std::optional<int>(0) ? 1 : 0);
  }
}

using Words = std::array<std::int64_t, 16>;

/// The root actor of JoinOrdering and ExitCodesAndSignals: starts each child, ends it as
/// planned, joins it, and logs what it can see afterwards.
template <typename Process>
void start_and_join(const Workload& workload, bool signals, OperationLog& log,
                    harness::ActorId actor) {
  for (std::size_t index = 0; index < workload.children.size(); ++index) {
    const ChildPlan plan = workload.children[index];
    SharedObject<Words> words;
    const bool stays = signals && plan.ending != 0;
    // A child that must be ended by a signal waits for a lock its parent never releases: a wait
    // the harness sees, unlike pause().
    Lock never_released;
    if (stays) never_released.acquire();
    Process child(std::function<int()>([&words, &never_released, plan, stays] {
      for (int word = 0; word < plan.writes; ++word) (*words)[word] = word + 1;
      // A sync point between writes and exit, so a join that returns early is observable.
      sync::invoke({"ProcessProps::wrote", {"ProcessProps", 0}});
      if (stays) never_released.acquire();
      return static_cast<int>(plan.exit_code);
    }));
    child.start();
    if (stays) plan.ending == 1 ? child.terminate() : child.kill();
    child.join();
    if (stays) never_released.release();
    std::int64_t seen = 0;
    for (int word = 0; word < plan.writes; ++word) seen += (*words)[word] == word + 1 ? 1 : 0;
    if (!stays) log.append(actor, Observed, static_cast<long>(index), seen);
    log.append(actor, ExitCode, static_cast<long>(index), child.exitcode().value_or(kNoExitCode));
  }
}

}  // namespace detail

struct ForkTree {
  static constexpr std::string_view name = "ProcessProps.ForkTree";
  using Workload = process_props::Workload;
  static rc::Gen<Workload> workload() { return process_props::workload(); }
  template <typename Process>
  static harness::ActorFactory actors(const Workload& workload, OperationLog& log) {
    return [workload, &log] {
      return std::vector<harness::ActorProgram>{lock_props::detail::noting_exceptions(
          log,
          [=, &log](harness::ActorContext&) { detail::split<Process>(0, workload.splits, log); })};
    };
  }
  static std::optional<std::string> check(const Workload& workload, const harness::Outcome& outcome,
                                          const OperationLog& log) {
    if (auto problem = lock_props::outcome_problem(outcome, log)) return problem;
    return check_tree(workload, log.records());
  }
  static std::string describe(const Workload& workload) {
    return std::to_string(workload.splits) + " splits";
  }
};

template <bool Signals>
struct JoinProperty {
  static constexpr std::string_view name =
      Signals ? "ProcessProps.ExitCodesAndSignals" : "ProcessProps.JoinOrdering";
  using Workload = process_props::Workload;
  static rc::Gen<Workload> workload() { return process_props::workload(); }
  template <typename Process>
  static harness::ActorFactory actors(const Workload& workload, OperationLog& log) {
    return [workload, &log] {
      return std::vector<harness::ActorProgram>{
          lock_props::detail::noting_exceptions(log, [=, &log](harness::ActorContext& context) {
            detail::start_and_join<Process>(workload, Signals, log, context.id());
          })};
    };
  }
  static std::optional<std::string> check(const Workload& workload, const harness::Outcome& outcome,
                                          const OperationLog& log) {
    if (auto problem = check_join(workload, log.records(), Signals)) return problem;
    return lock_props::outcome_problem(outcome, log);
  }
  static std::string describe(const Workload& workload) {
    return process_props::describe(workload);
  }
};

using JoinOrdering = JoinProperty<false>;
using ExitCodesAndSignals = JoinProperty<true>;

}  // namespace ipcprop::properties::process_props
