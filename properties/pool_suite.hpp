// ipcprop — properties/pool_suite.hpp: the pool properties' actors.
#pragma once

#include <algorithm>
#include <exception>
#include <string_view>

#include "properties/lock_suite.h"

namespace ipcprop::properties::pool_props {
namespace detail {

inline std::vector<std::int64_t> zero_to(int count) {
  std::vector<std::int64_t> items;
  for (int item = 0; item < count; ++item) items.push_back(item);
  return items;
}

/// Records every result next() hands out, or the error it throws, by position; stops after
/// `expected` + 1 positions so that a pool that never says "no more" cannot loop for ever.
template <typename Results, typename Carries>
void record_each(Results& results, std::size_t expected, OperationLog& log, harness::ActorId actor,
                 const Carries& carries_message) {
  for (std::size_t position = 0; position <= expected; ++position) {
    const auto at = static_cast<std::int64_t>(position);
    try {
      const std::optional<std::int64_t> result = results.next();
      if (!result) return;
      log.append(actor, Result, at, *result);
    } catch (const std::exception& error) {
      log.append(actor, Failed, at, carries_message(at, error.what()) ? 1 : 0);
    } catch (...) {
      log.append(actor, Failed, at, 0);
    }
  }
}

inline void record_all(const std::vector<std::int64_t>& results, OperationLog& log,
                       harness::ActorId actor) {
  for (std::size_t position = 0; position < results.size(); ++position) {
    log.append(actor, Result, static_cast<std::int64_t>(position), results[position]);
  }
}

/// One actor, the pool's owner, running `program(context)` after pointing the tasks at `log`.
template <typename Program>
harness::ActorFactory pool_owner(OperationLog& log, Program program) {
  return [&log, program] {
    return std::vector<harness::ActorProgram>{
        lock_props::detail::noting_exceptions(log, [&log, program](harness::ActorContext& context) {
          task_log = &log;
          program(context);
        })};
  };
}

/// The owner makes one call over tasks 0 .. items-1, records every result, closes and joins.
template <typename Pool>
harness::ActorFactory calling_owner(const Workload& workload, OperationLog& log) {
  return pool_owner(log, [workload, &log](harness::ActorContext& context) {
    PoolOptions options;
    options.maxtasksperchild = workload.maxtasksperchild;
    Pool pool(std::size_t{workload.workers}, options);
    const std::vector<std::int64_t> items = zero_to(workload.items);
    const std::size_t chunksize = workload.chunksize;
    const auto no_message = [](std::int64_t, std::string_view) { return false; };
    switch (workload.call) {
      case Map:
        record_all(pool.map(&task, items, chunksize), log, context.id());
        break;
      case Starmap: {
        std::vector<std::tuple<std::int64_t, std::int64_t>> pairs;
        for (const std::int64_t item : items) pairs.emplace_back(item, 1);
        record_all(pool.starmap(&pair_task, pairs, chunksize), log, context.id());
        break;
      }
      case Imap: {
        auto results = pool.imap(&task, items, std::max<std::size_t>(chunksize, 1));
        record_each(results, items.size(), log, context.id(), no_message);
        break;
      }
      default: {
        auto results = pool.imap_unordered(&task, items, std::max<std::size_t>(chunksize, 1));
        record_each(results, items.size(), log, context.id(), no_message);
        break;
      }
    }
    pool.close();
    pool.join();
  });
}

template <typename Pool>
harness::ActorFactory failing_owner(const FailureWorkload& workload, OperationLog& log) {
  return pool_owner(log, [workload, &log](harness::ActorContext& context) {
    Pool pool(std::size_t{workload.workers}, PoolOptions{});
    std::vector<std::int64_t> inputs;
    for (std::size_t index = 0; index < workload.fates.size(); ++index) {
      inputs.push_back(
          encode_fated(static_cast<std::int64_t>(index), static_cast<Fate>(workload.fates[index])));
    }
    auto results = pool.imap(&fated_task, inputs, std::size_t{1});
    record_each(results, inputs.size(), log, context.id(),
                [](std::int64_t position, std::string_view what) {
                  return what.find(fated_message(position)) != std::string_view::npos;
                });
    pool.close();
    pool.join();
    log.append(context.id(), ChildrenLeft, has_child_processes() ? 1 : 0);
  });
}

template <typename Pool>
harness::ActorFactory terminating_owner(const Workload& workload, OperationLog& log) {
  return pool_owner(log, [workload, &log](harness::ActorContext& context) {
    Pool pool(std::size_t{workload.workers}, PoolOptions{});
    auto result = pool.map_async(&task, zero_to(workload.items), std::size_t{workload.chunksize});
    pool.terminate();
    log.append(context.id(), TerminateReturned);
    pool.join();
    log.append(context.id(), ChildrenLeft, has_child_processes() ? 1 : 0);
    try {
      record_all(result.get(), log, context.id());
    } catch (...) {
      log.append(context.id(), Failed);  // Unfinished tasks fail: expected, and enough.
    }
  });
}

}  // namespace detail

template <bool Bound>
struct CallProperty {
  static constexpr std::string_view name =
      Bound ? "PoolProps.NeverMoreThanNBusy" : "PoolProps.ExactlyOnceInOrder";
  using Workload = pool_props::Workload;
  static rc::Gen<Workload> workload() { return pool_props::workload(); }
  template <typename Pool>
  static harness::ActorFactory actors(const Workload& workload, OperationLog& log) {
    return detail::calling_owner<Pool>(workload, log);
  }
  static std::optional<std::string> check(const Workload& workload, const harness::Outcome& outcome,
                                          const OperationLog& log) {
    const auto records = log.records();
    if (auto problem =
            Bound ? check_bound(workload, records) : check_exactly_once(workload, records)) {
      return problem;
    }
    return lock_props::outcome_problem(outcome, log);
  }
  static std::string describe(const Workload& workload) { return pool_props::describe(workload); }
};

using ExactlyOnceInOrder = CallProperty<false>;
using NeverMoreThanNBusy = CallProperty<true>;

struct FailuresStayContained {
  static constexpr std::string_view name = "PoolProps.FailuresStayContained";
  using Workload = FailureWorkload;
  static rc::Gen<Workload> workload() { return failure_workload(); }
  template <typename Pool>
  static harness::ActorFactory actors(const Workload& workload, OperationLog& log) {
    return detail::failing_owner<Pool>(workload, log);
  }
  static std::optional<std::string> check(const Workload& workload, const harness::Outcome& outcome,
                                          const OperationLog& log) {
    if (auto problem = lock_props::outcome_problem(outcome, log)) return problem;
    return check_contained(workload, log.records());
  }
  static std::string describe(const Workload& workload) { return pool_props::describe(workload); }
};

struct TerminateLeavesNothing {
  static constexpr std::string_view name = "PoolProps.TerminateLeavesNothing";
  using Workload = pool_props::Workload;
  static rc::Gen<Workload> workload() { return terminate_workload(); }
  template <typename Pool>
  static harness::ActorFactory actors(const Workload& workload, OperationLog& log) {
    return detail::terminating_owner<Pool>(workload, log);
  }
  static std::optional<std::string> check(const Workload& workload, const harness::Outcome& outcome,
                                          const OperationLog& log) {
    if (auto problem = check_terminated(workload, log.records())) return problem;
    return lock_props::outcome_problem(outcome, log);
  }
  static std::string describe(const Workload& workload) { return describe_terminate(workload); }
};

}  // namespace ipcprop::properties::pool_props
