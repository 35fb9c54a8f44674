// ipcprop — properties/queue_suite.hpp: the queue properties' actors.
#pragma once

#include <memory>

#include "properties/lock_suite.h"

namespace ipcprop::properties::queue_props {

struct Linearizable {
  static constexpr std::string_view name = "QueueProps.Linearizable";
  using Workload = queue_props::Workload;
  static rc::Gen<Workload> workload() { return queue_props::workload(); }
  template <typename Queue>
  static harness::ActorFactory actors(const Workload& workload, OperationLog& log) {
    return [workload, &log] {
      auto queue = std::make_shared<Queue>(std::size_t{workload.maxsize});
      std::vector<harness::ActorProgram> actors;
      for (std::size_t index = 0; index < workload.actors.size(); ++index) {
        const ActorPlan plan = workload.actors[index];
        actors.push_back(
            lock_props::detail::noting_exceptions(log, [=, &log](harness::ActorContext& context) {
              std::size_t puts = 0;
              for (const std::uint8_t is_put : plan.puts) {
                if (is_put != 0) {
                  const std::int64_t value = value_of(index, puts++);
                  log.append(context.id(), PutCall, value);
                  try {
                    queue->put_nowait(value);
                    log.append(context.id(), Returned, 0, Ok);
                  } catch (const Full&) {
                    log.append(context.id(), Returned, 0, WasFull);
                  }
                } else {
                  log.append(context.id(), GetCall);
                  try {
                    const std::int64_t got = queue->get_nowait();
                    log.append(context.id(), Returned, got, Got);
                  } catch (const Empty&) {
                    log.append(context.id(), Returned, 0, WasEmpty);
                  }
                }
              }
            }));
      }
      return actors;
    };
  }
  static std::optional<std::string> check(const Workload& workload, const harness::Outcome& outcome,
                                          const OperationLog& log) {
    if (auto problem = check_linearizable(workload, log.records())) return problem;
    return outcome_problem(outcome, log);
  }
  static std::string describe(const Workload& workload) { return queue_props::describe(workload); }
};

struct ExactlyOnceInOrder {
  static constexpr std::string_view name = "QueueProps.ExactlyOnceInOrder";
  using Workload = queue_props::Workload;
  static rc::Gen<Workload> workload() { return queue_props::workload(); }
  /// Every planned actor is a producer that put()s as many values as its plan has puts; one
  /// more actor get()s them all. Nothing may hang, whatever the item limit.
  template <typename Queue>
  static harness::ActorFactory actors(const Workload& workload, OperationLog& log) {
    return [workload, &log] {
      auto queue = std::make_shared<Queue>(std::size_t{workload.maxsize});
      std::vector<harness::ActorProgram> actors;
      std::size_t total = 0;
      for (std::size_t index = 0; index < workload.actors.size(); ++index) {
        const std::size_t puts = count_puts(workload.actors[index]);
        total += puts;
        actors.push_back(
            lock_props::detail::noting_exceptions(log, [=, &log](harness::ActorContext& context) {
              for (std::size_t put = 0; put < puts; ++put) {
                log.append(context.id(), PutCall, value_of(index, put));
                queue->put(value_of(index, put));
                log.append(context.id(), Returned, 0, Ok);
              }
            }));
      }
      actors.push_back(
          lock_props::detail::noting_exceptions(log, [=, &log](harness::ActorContext& context) {
            for (std::size_t get = 0; get < total; ++get) {
              log.append(context.id(), GetCall);
              log.append(context.id(), Returned, queue->get(), Got);
            }
          }));
      return actors;
    };
  }
  static std::optional<std::string> check(const Workload& workload, const harness::Outcome& outcome,
                                          const OperationLog& log) {
    if (auto problem = outcome_problem(outcome, log)) return problem;
    return check_exactly_once(workload, log.records());
  }
  static std::string describe(const Workload& workload) {
    return queue_props::describe(workload) + "; one more actor gets every value";
  }
  static std::size_t count_puts(const ActorPlan& plan) {
    std::size_t puts = 0;
    for (const std::uint8_t is_put : plan.puts) puts += is_put != 0 ? 1 : 0;
    return puts;
  }
};

}  // namespace ipcprop::properties::queue_props
