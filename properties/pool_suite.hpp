// ipcprop — properties/pool_suite.hpp: the pool properties' actors.
#pragma once

#include <algorithm>
#include <exception>
#include <string_view>

#include "properties/lock_suite.h"

namespace ipcprop::properties::pool_props {
namespace detail {

/// first, first + 1, ..., first + count - 1.
inline std::vector<std::int64_t> items_from(std::int64_t first, int count) {
  std::vector<std::int64_t> items;
  for (int item = 0; item < count; ++item) items.push_back(first + item);
  return items;
}

/// Records every result next() hands out, or the error it throws, at first_position + its
/// position; stops after `expected` + 1 so that a pool that never says "no more" cannot loop
/// for ever.
template <typename Results, typename Carries>
void record_each(Results& results, std::size_t expected, std::int64_t first_position,
                 OperationLog& log, harness::ActorId actor, const Carries& carries_message) {
  for (std::size_t position = 0; position <= expected; ++position) {
    const auto at = first_position + static_cast<std::int64_t>(position);
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

inline void record_all(const std::vector<std::int64_t>& results, std::int64_t first_position,
                       OperationLog& log, harness::ActorId actor) {
  for (std::size_t position = 0; position < results.size(); ++position) {
    log.append(actor, Result, first_position + static_cast<std::int64_t>(position),
               results[position]);
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

/// The owner makes each call in turn over its tasks, records every result, closes and joins.
template <typename Pool>
harness::ActorFactory calling_owner(const Workload& workload, OperationLog& log) {
  return pool_owner(log, [workload, &log](harness::ActorContext& context) {
    PoolOptions options;
    options.maxtasksperchild = workload.maxtasksperchild;
    Pool pool(std::size_t{workload.workers}, options);
    const std::size_t chunksize = workload.chunksize;
    const std::size_t lazy_chunksize = std::max<std::size_t>(chunksize, 1);
    const auto no_message = [](std::int64_t, std::string_view) { return false; };
    const auto first = [](Call call) { return call * kCallStride; };
    const auto items = [&](Call call) { return items_from(first(call), workload.items); };

    record_all(pool.map(&task, items(Map), chunksize), first(Map), log, context.id());
    std::vector<std::tuple<std::int64_t, std::int64_t>> pairs;
    for (const std::int64_t item : items(Starmap)) pairs.emplace_back(item, 1);
    record_all(pool.starmap(&pair_task, pairs, chunksize), first(Starmap), log, context.id());
    auto ordered = pool.imap(&task, items(Imap), lazy_chunksize);
    record_each(ordered, workload.items, first(Imap), log, context.id(), no_message);
    auto unordered = pool.imap_unordered(&task, items(ImapUnordered), lazy_chunksize);
    record_each(unordered, workload.items, first(ImapUnordered), log, context.id(), no_message);
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
    record_each(results, inputs.size(), 0, log, context.id(),
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
    auto result =
        pool.map_async(&task, items_from(0, workload.items), std::size_t{workload.chunksize});
    pool.terminate();
    log.append(context.id(), TerminateReturned);
    pool.join();
    log.append(context.id(), ChildrenLeft, has_child_processes() ? 1 : 0);
    try {
      record_all(result.get(), 0, log, context.id());
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
