// ipcprop — properties/pool_suite.h
//
// The property suite for process pools:
//
//   PoolLike                            what the suite needs (ipcprop::Pool)
//   pool_props::ExactlyOnceInOrder      map, starmap, imap and imap_unordered, one after the
//                                       other on one pool, run every task exactly once, also
//                                       when workers are replaced (maxtasksperchild); map,
//                                       starmap and imap return input order, imap_unordered a
//                                       permutation of the results
//   pool_props::NeverMoreThanNBusy      never more than n tasks run at the same time
//   pool_props::FailuresStayContained   through imap, a task that throws and a task whose worker
//                                       is killed mid-task each fail with an error (the thrown
//                                       one carrying the task's message) and no other task does;
//                                       close() and join() afterwards leave no process
//   pool_props::TerminateLeavesNothing  terminate() while map_async runs: no task starts after
//                                       it returns, join() leaves no child process, and get()
//                                       returns every result or throws, never hangs
//   IPCPROP_POOL_SUITE(Type)            one line registers the suite (in properties/gtest.h)
//
// Tasks are plain functions (what a pool can send to a forked worker), so they report to the
// property through a pointer set before the pool forks its workers. A task that means to be
// killed announces it to the harness first (sync::after_signal on itself), so its death is the
// workload's doing, not a crash; the pool under test must notice the death by itself.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <rapidcheck.h>

#include "harness/execution.h"
#include "primitives/codec.h"
#include "primitives/pool.h"
#include "properties/operation_log.h"

namespace ipcprop::properties {

/// A pool of n forked workers made from (n, PoolOptions), with Python's calls over plain
/// functions of std::int64_t: map, starmap (over std::tuple pairs), imap and imap_unordered
/// (whose results have next() -> optional, throwing for a failed task and going on with the
/// next), map_async (whose result has get()), close, terminate and join.
template <typename T>
concept PoolLike = std::constructible_from<T, std::size_t, PoolOptions> &&
    requires(T pool, std::int64_t (*task)(std::int64_t),
             std::int64_t (*pair_task)(std::int64_t, std::int64_t),
             const std::vector<std::int64_t>& items,
             const std::vector<std::tuple<std::int64_t, std::int64_t>>& pairs,
             std::size_t chunksize) {
  { pool.map(task, items, chunksize) } -> std::convertible_to<std::vector<std::int64_t>>;
  { pool.starmap(pair_task, pairs, chunksize) } -> std::convertible_to<std::vector<std::int64_t>>;
  { pool.imap(task, items, chunksize).next() } -> std::convertible_to<std::optional<std::int64_t>>;
  {
    pool.imap_unordered(task, items, chunksize).next()
    } -> std::convertible_to<std::optional<std::int64_t>>;
  {
    pool.map_async(task, items, chunksize).get()
    } -> std::convertible_to<std::vector<std::int64_t>>;
  pool.close();
  pool.terminate();
  pool.join();
};

namespace pool_props {

/// The calls ExactlyOnceInOrder and NeverMoreThanNBusy make, in this order, on one pool.
enum Call : std::uint8_t { Map, Starmap, Imap, ImapUnordered, kCalls };
/// Call c's tasks take the inputs c * kCallStride + 0, 1, ...: one number names call and task.
inline constexpr std::int64_t kCallStride = 16;

struct Workload {
  std::uint8_t workers = 1;
  std::uint8_t items = 1;             ///< Tasks per call (at most kCallStride).
  std::uint8_t chunksize = 0;         ///< 0: the pool's default (imap, imap_unordered: 1).
  std::uint8_t maxtasksperchild = 0;  ///< 0: workers are never replaced.

  template <class Archive>
  void serialize(Archive& archive) {
    archive(workers, items, chunksize, maxtasksperchild);
  }
};

/// What a task of FailuresStayContained does.
enum Fate : std::uint8_t { Returns, Throws, Killed };

struct FailureWorkload {
  std::uint8_t workers = 1;
  std::vector<std::uint8_t> fates;  ///< One Fate per task, in input order; imap, chunksize 1.

  template <class Archive>
  void serialize(Archive& archive) {
    archive(workers);
    codec::bounded_vector(archive, fates);
  }
};

std::string describe(const Workload& workload);
std::string describe(const FailureWorkload& workload);
std::string describe_terminate(const Workload& workload);
rc::Gen<Workload> workload();
rc::Gen<FailureWorkload> failure_workload();
/// A Workload for TerminateLeavesNothing (map_async; maxtasksperchild 0).
rc::Gen<Workload> terminate_workload();

enum Record : std::uint16_t {
  TaskStart = 200,  ///< value: the task's input.
  TaskEnd,          ///< value: the task's input.
  Result,  ///< value: position among the results (+ call * kCallStride); result: the value.
  Failed,  ///< value: as Result's; result: 1 iff the error carries the task's message.
  TerminateReturned,  ///< terminate() returned.
  ChildrenLeft,       ///< After join(): value 1 iff the owner still has a child process.
};

/// Where tasks report; set by the actor before it makes the pool.
inline OperationLog* task_log = nullptr;

/// The task: reports its start and end around a sync point (so overlaps are observable), and
/// returns x * x + 1.
std::int64_t task(std::int64_t x);
/// starmap's task: like task(x), returning x * x + y (the suite passes y = 1).
std::int64_t pair_task(std::int64_t x, std::int64_t y);
/// FailuresStayContained's task over encode_fated(index, fate): returns like task(index), throws
/// fated_message(index), or kills its own process in the middle.
std::int64_t fated_task(std::int64_t encoded);
std::int64_t encode_fated(std::int64_t index, Fate fate);
std::string fated_message(std::int64_t index);

/// True iff the calling process has a child, running or not yet reaped.
bool has_child_processes();

std::optional<std::string> check_exactly_once(const Workload& workload,
                                              const std::vector<LogRecord>& records);
std::optional<std::string> check_bound(const Workload& workload,
                                       const std::vector<LogRecord>& records);
std::optional<std::string> check_contained(const FailureWorkload& workload,
                                           const std::vector<LogRecord>& records);
std::optional<std::string> check_terminated(const Workload& workload,
                                            const std::vector<LogRecord>& records);

}  // namespace pool_props
}  // namespace ipcprop::properties

#include "properties/pool_suite.hpp"
