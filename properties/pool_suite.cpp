#include "properties/pool_suite.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "primitives/sync_hooks.h"

namespace ipcprop::properties::pool_props {

std::int64_t task(std::int64_t x) {
  task_log->append(0, TaskStart, x);
  sync::invoke({"PoolProps::task", {"PoolProps", 0}});
  task_log->append(0, TaskEnd, x);
  return x * x + 1;
}

std::string describe(const Workload& workload) {
  return fmt::format("Pool({}) with maxtasksperchild {}: map over {} items, chunksize {}",
                     workload.workers, workload.maxtasksperchild, workload.items,
                     workload.chunksize);
}

rc::Gen<Workload> workload() {
  return rc::gen::resize(
      100, rc::gen::build<Workload>(
               rc::gen::set(&Workload::workers, rc::gen::inRange<std::uint8_t>(1, 4)),
               rc::gen::set(&Workload::items, rc::gen::inRange<std::uint8_t>(1, 7)),
               rc::gen::set(&Workload::chunksize, rc::gen::inRange<std::uint8_t>(0, 3)),
               rc::gen::set(&Workload::maxtasksperchild, rc::gen::inRange<std::uint8_t>(0, 3))));
}

std::optional<std::string> check_exactly_once(const Workload& workload,
                                              const std::vector<LogRecord>& records) {
  std::map<long, int> runs;
  std::vector<const LogRecord*> results;
  for (const LogRecord& record : records) {
    if (record.kind == TaskEnd) ++runs[record.value];
    if (record.kind == Result) results.push_back(&record);
  }
  for (long item = 0; item < workload.items; ++item) {
    if (runs[item] != 1) {
      return fmt::format("exactly once: task {} ran {} times", item, runs[item]);
    }
  }
  if (results.size() != workload.items) {
    return fmt::format("map returned {} results for {} items", results.size(), workload.items);
  }
  for (std::size_t index = 0; index < results.size(); ++index) {
    const long expected = static_cast<long>(index) * static_cast<long>(index) + 1;
    if (results[index]->result != expected) {
      return fmt::format("input order: result #{} was {} but task {} returns {}", index,
                         results[index]->result, index, expected);
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_bound(const Workload& workload,
                                       const std::vector<LogRecord>& records) {
  int running = 0;
  for (const LogRecord& record : records) {
    if (record.kind == TaskStart && ++running > workload.workers) {
      return fmt::format(
          "bound: task {} started at t={} while {} tasks already ran on a pool of "
          "{} workers",
          record.value, record.time, running - 1, workload.workers);
    }
    if (record.kind == TaskEnd) --running;
  }
  return std::nullopt;
}

}  // namespace ipcprop::properties::pool_props
