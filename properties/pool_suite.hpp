// ipcprop — properties/pool_suite.hpp: the pool properties' actor.
#pragma once

#include "properties/lock_suite.h"

namespace ipcprop::properties::pool_props {
namespace detail {

template <typename Pool>
harness::ActorFactory pool_owner(const Workload& workload, OperationLog& log) {
  return [workload, &log] {
    return std::vector<harness::ActorProgram>{
        lock_props::detail::noting_exceptions(log, [=, &log](harness::ActorContext& context) {
          task_log = &log;
          PoolOptions options;
          options.maxtasksperchild = workload.maxtasksperchild;
          Pool pool(std::size_t{workload.workers}, options);
          std::vector<std::int64_t> items;
          for (int item = 0; item < workload.items; ++item) items.push_back(item);
          const std::vector<std::int64_t> results =
              pool.map(&task, items, std::size_t{workload.chunksize});
          for (std::size_t index = 0; index < results.size(); ++index) {
            log.append(context.id(), Result, static_cast<long>(index), results[index]);
          }
          pool.close();
          pool.join();
        })};
  };
}

}  // namespace detail

template <bool Bound>
struct PoolProperty {
  static constexpr std::string_view name =
      Bound ? "PoolProps.NeverMoreThanNBusy" : "PoolProps.ExactlyOnceInOrder";
  using Workload = pool_props::Workload;
  static rc::Gen<Workload> workload() { return pool_props::workload(); }
  template <typename Pool>
  static harness::ActorFactory actors(const Workload& workload, OperationLog& log) {
    return detail::pool_owner<Pool>(workload, log);
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

using ExactlyOnceInOrder = PoolProperty<false>;
using NeverMoreThanNBusy = PoolProperty<true>;

}  // namespace ipcprop::properties::pool_props
