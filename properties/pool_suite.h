// ipcprop — properties/pool_suite.h
//
// The property suite for process pools:
//
//   PoolLike                          what the suite needs (ipcprop::Pool)
//   pool_props::ExactlyOnceInOrder    map() runs every task exactly once, also when workers are
//                                     replaced (maxtasksperchild), and returns input order
//   pool_props::NeverMoreThanNBusy    never more than n tasks run at the same time
//   IPCPROP_POOL_SUITE(Type)          one line registers the suite (in properties/gtest.h)
//
// Tasks are plain functions (what a pool can send to a forked worker), so they report to the
// property through a pointer set before the pool forks its workers.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <rapidcheck.h>

#include "harness/execution.h"
#include "primitives/pool.h"
#include "properties/operation_log.h"

namespace ipcprop::properties {

/// A pool of n forked workers made from (n, PoolOptions) whose map(f, items, chunksize) returns
/// the results of a plain function over a std::vector<std::int64_t>, in input order.
template <typename T>
concept PoolLike = std::constructible_from<T, std::size_t, PoolOptions> &&
    requires(T pool, std::int64_t (*task)(std::int64_t), std::vector<std::int64_t> items) {
  { pool.map(task, items, std::size_t{1}) } -> std::convertible_to<std::vector<std::int64_t>>;
  pool.close();
  pool.join();
};

namespace pool_props {

struct Workload {
  std::uint8_t workers = 1;
  std::uint8_t items = 1;
  std::uint8_t chunksize = 0;         ///< 0: the pool's default.
  std::uint8_t maxtasksperchild = 0;  ///< 0: workers are never replaced.

  template <class Archive>
  void serialize(Archive& archive) {
    archive(workers, items, chunksize, maxtasksperchild);
  }
};

std::string describe(const Workload& workload);
rc::Gen<Workload> workload();

enum Record : std::uint16_t { TaskStart = 200, TaskEnd, Result };

/// Where tasks report; set by the actor before it makes the pool.
inline OperationLog* task_log = nullptr;

/// The task: reports its start and end around a sync point (so overlaps are observable), and
/// returns x * x + 1.
std::int64_t task(std::int64_t x);

std::optional<std::string> check_exactly_once(const Workload& workload,
                                              const std::vector<LogRecord>& records);
std::optional<std::string> check_bound(const Workload& workload,
                                       const std::vector<LogRecord>& records);

}  // namespace pool_props
}  // namespace ipcprop::properties

#include "properties/pool_suite.hpp"
