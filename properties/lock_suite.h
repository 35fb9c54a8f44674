// ipcprop — properties/lock_suite.h
//
// The property suites for locks:
//
//   LockLike, RLockLike     what a suite needs from a primitive (ipcprop::Lock, ipcprop::RLock)
//   lock_props::MutualExclusion          no two actors inside; no lost update
//   lock_props::ReleaseOnlyWhenHeld      release by an actor that does not hold it throws and
//                                        changes nothing
//   lock_props::TimedAcquireFailsOnlyWhenHeld   acquire(timeout) fails only while another holds it
//   lock_props::ReentrantMutualExclusion (RLock) depth n needs n releases before anyone else enters
//   lock_props::SurvivesAKilledActor  a robust lock: an actor killed anywhere (holding the
//                                      lock, waiting for it) never hangs the others
//   IPCPROP_LOCK_SUITE(Type), IPCPROP_RLOCK_SUITE(Type)   one line registers a suite as GoogleTests
//
// Each property's input is (workload, schedule): how many actors and what each does, and a
// choice sequence for the controlled scheduler. Critical sections contain a sync point, so an
// overlap is observable, and a read-modify-write of a shared counter, so a lost update is too.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <rapidcheck.h>

#include "harness/execution.h"
#include "primitives/codec.h"
#include "properties/operation_log.h"

namespace ipcprop::properties {

/// A lock shared by processes: made before fork by default construction, then acquired and
/// released; release by a thread that does not hold it throws (any std::exception).
template <typename T>
concept LockLike = std::default_initializable<T> && requires(T lock, std::chrono::nanoseconds t) {
  lock.acquire();
  lock.release();
  { lock.try_acquire() } -> std::convertible_to<bool>;
  { lock.acquire(t) } -> std::convertible_to<bool>;
};

/// A LockLike whose owner may acquire it again; each acquire needs its own release.
template <typename T>
concept RLockLike = LockLike<T>;

namespace lock_props {

/// What one actor does: `sections` critical sections, each taking the lock `depth` times (1 for
/// a plain lock); if `intruder`, first a release() without holding the lock.
struct ActorPlan {
  std::uint8_t sections = 1;
  std::uint8_t depth = 1;
  std::uint8_t intruder = 0;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(sections, depth, intruder);
  }
};

/// One plan per actor (2 to 4 actors). Shrinking removes actors one by one and simplifies the
/// plans of those that remain.
using Workload = std::vector<ActorPlan>;

// A Workload is encoded like any vector, but its decoding (from a replay token) refuses a count
// that the bytes left could not hold before allocating it (codec::bounded_vector).
template <class Archive>
void save(Archive& archive, const Workload& workload) {
  codec::bounded_vector(archive, const_cast<Workload&>(workload));  // Saving only reads it.
}
template <class Archive>
void load(Archive& archive, Workload& workload) {
  codec::bounded_vector(archive, workload);
}

std::string describe(const Workload& workload);

/// What actors log.
enum Record : std::uint16_t { Enter, Exit, IntruderRelease, TimedAcquire, Acquired, Released };

/// Checks shared by the properties; each returns the first violation, naming the events.
/// The execution did not pass (crash, deadlock, ...): the outcome's message, and the message of
/// the exception that ended an actor's program if one did.
std::optional<std::string> outcome_problem(const harness::Outcome& outcome,
                                           const OperationLog& log);
std::optional<std::string> overlap(const std::vector<LogRecord>& records);
std::optional<std::string> lost_update(const std::vector<LogRecord>& records, int expected);
std::optional<std::string> intruder_succeeded(const std::vector<LogRecord>& records);
std::optional<std::string> timed_acquire_failed_while_free(const std::vector<LogRecord>& records);

rc::Gen<Workload> plain_workload(bool with_intruders);
rc::Gen<Workload> reentrant_workload();

}  // namespace lock_props
}  // namespace ipcprop::properties

#include "properties/lock_suite.hpp"
