// ipcprop — properties/queue_suite.h
//
// The property suite for queues:
//
//   QueueLike                          what the suite needs (ipcprop::Queue<std::int64_t>)
//   queue_props::Linearizable          non-blocking puts and gets are linearizable against a
//                                      FIFO queue with the same item limit: Empty and Full only
//                                      when the specification allows them, no value lost,
//                                      duplicated or reordered (Wing & Gong / Lowe checker)
//   queue_props::ExactlyOnceInOrder    blocking producers and consumers: every value arrives
//                                      exactly once, in its producer's order, and nothing hangs
//   IPCPROP_QUEUE_SUITE(Type)          one line registers the suite (in properties/gtest.h)
//
// Values are 64-bit integers naming (producer, index), so every put is distinguishable.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <rapidcheck.h>

#include "harness/execution.h"
#include "primitives/codec.h"
#include "primitives/queue.h"
#include "properties/operation_log.h"

namespace ipcprop::properties {

/// A queue of std::int64_t shared by processes: made before fork from an item limit (0 = none);
/// put_nowait throws ipcprop::Full when full and get_nowait throws ipcprop::Empty when empty.
template <typename T>
concept QueueLike = std::constructible_from<T, std::size_t> &&
    requires(T queue, std::int64_t value) {
  queue.put(value);
  queue.put_nowait(value);
  { queue.get() } -> std::convertible_to<std::int64_t>;
  { queue.get_nowait() } -> std::convertible_to<std::int64_t>;
};

namespace queue_props {

/// One actor's operations: each is a put (of a fresh value) or a get.
struct ActorPlan {
  std::vector<std::uint8_t> puts;  ///< 1 = put, 0 = get, in order.

  template <class Archive>
  void serialize(Archive& archive) {
    codec::bounded_vector(archive, puts);
  }
};

struct Workload {
  std::uint8_t maxsize = 0;  ///< The queue's item limit; 0 = none.
  std::vector<ActorPlan> actors;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(maxsize);
    codec::bounded_vector(archive, actors);
  }
};

std::string describe(const Workload& workload);
rc::Gen<Workload> workload();

/// What actors log: a call, then its return, per operation.
enum Record : std::uint16_t { PutCall, GetCall, Returned };
/// Result codes of a Returned record.
enum Result : std::int64_t { Ok, Got, WasEmpty, WasFull };

/// The value put by actor `actor` as its `index`-th put: distinct across the execution.
constexpr std::int64_t value_of(std::size_t actor, std::size_t index) {
  return static_cast<std::int64_t>(actor * 1000 + index + 1);
}

std::optional<std::string> check_linearizable(const Workload& workload,
                                              const std::vector<LogRecord>& records);
std::optional<std::string> check_exactly_once(const Workload& workload,
                                              const std::vector<LogRecord>& records);
std::optional<std::string> outcome_problem(const harness::Outcome& outcome,
                                           const OperationLog& log);

}  // namespace queue_props
}  // namespace ipcprop::properties

#include "properties/queue_suite.hpp"
