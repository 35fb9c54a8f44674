#include "properties/lock_suite.h"

#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ipcprop::properties::lock_props {
namespace {

rc::Gen<ActorPlan> plan(int max_sections, int max_depth, bool with_intruders) {
  return rc::gen::build<ActorPlan>(
      rc::gen::set(&ActorPlan::sections, rc::gen::inRange<std::uint8_t>(1, max_sections + 1)),
      rc::gen::set(&ActorPlan::depth, rc::gen::inRange<std::uint8_t>(1, max_depth + 1)),
      rc::gen::set(&ActorPlan::intruder,
                   rc::gen::inRange<std::uint8_t>(0, with_intruders ? 2 : 1)));
}

/// 2 to 4 actors. A plain container (not a size picked first) so that shrinking removes one
/// actor at a time and keeps the others as they were.
rc::Gen<Workload> actors_of(rc::Gen<ActorPlan> plans) {
  // resize(4) bounds the number of actors; the plans get their size back so that their
  // values still cover their whole ranges.
  return rc::gen::suchThat(
      rc::gen::resize(4, rc::gen::container<Workload>(rc::gen::resize(100, std::move(plans)))),
      [](const Workload& workload) { return workload.size() >= 2; });
}

}  // namespace

std::string describe(const Workload& workload) {
  std::string text = fmt::format("{} actors", workload.size());
  for (std::size_t actor = 0; actor < workload.size(); ++actor) {
    const ActorPlan& plan = workload[actor];
    fmt::format_to(std::back_inserter(text), "; actor {}: {} critical section{}", actor,
                   plan.sections, plan.sections == 1 ? "" : "s");
    if (plan.depth > 1) fmt::format_to(std::back_inserter(text), " at depth {}", plan.depth);
    if (plan.intruder != 0) text += ", first a release() without holding the lock";
  }
  return text;
}

rc::Gen<Workload> plain_workload(bool with_intruders) {
  return actors_of(plan(3, 1, with_intruders));
}

rc::Gen<Workload> reentrant_workload() {
  return actors_of(plan(2, 3, false));
}

std::optional<std::string> outcome_problem(const harness::Outcome& outcome,
                                           const OperationLog& log) {
  if (outcome.passed()) return std::nullopt;
  const std::string note = log.first_note();
  return fmt::format("the execution did not finish cleanly: {}{}", outcome.message,
                     note.empty() ? std::string() : "\n  the exception: " + note);
}

std::optional<std::string> overlap(const std::vector<LogRecord>& records) {
  const LogRecord* inside = nullptr;
  for (const LogRecord& record : records) {
    if (record.kind == Enter) {
      if (inside != nullptr) {
        return fmt::format(
            "mutual exclusion: actor {} entered the critical section at t={} while actor {}, "
            "which entered at t={}, was still inside",
            record.actor, record.time, inside->actor, inside->time);
      }
      inside = &record;
    } else if (record.kind == Exit && inside != nullptr && inside->actor == record.actor) {
      inside = nullptr;
    }
  }
  return std::nullopt;
}

std::optional<std::string> lost_update(const std::vector<LogRecord>& records, int expected) {
  const LogRecord* previous = nullptr;
  for (const LogRecord& record : records) {
    if (record.kind != Exit) continue;
    if (previous != nullptr && record.value <= previous->value) {
      return fmt::format(
          "lost update: actor {} left the critical section at t={} with the counter at {}, "
          "which actor {} had already reached at t={}",
          record.actor, record.time, record.value, previous->actor, previous->time);
    }
    previous = &record;
  }
  const long final_value = previous != nullptr ? previous->value : 0;
  if (final_value != expected) {
    return fmt::format("lost update: {} critical sections left the counter at {}", expected,
                       final_value);
  }
  return std::nullopt;
}

std::optional<std::string> intruder_succeeded(const std::vector<LogRecord>& records) {
  for (const LogRecord& record : records) {
    if (record.kind == IntruderRelease && record.result == 0) {
      return fmt::format(
          "release only when held: actor {} called release() without holding the lock at t={} "
          "and it returned normally instead of throwing",
          record.actor, record.time);
    }
  }
  return std::nullopt;
}

std::optional<std::string> timed_acquire_failed_while_free(const std::vector<LogRecord>& records) {
  struct Hold {
    harness::ActorId actor;
    std::uint64_t from;
    std::uint64_t to;
  };
  std::vector<Hold> holds;
  std::map<harness::ActorId, std::uint64_t> open;
  for (const LogRecord& record : records) {
    if (record.kind == Acquired) open[record.actor] = record.time;
    if (record.kind == Released) {
      holds.push_back({record.actor, open[record.actor], record.time});
      open.erase(record.actor);
    }
  }
  for (const auto& [actor, from] : open) holds.push_back({actor, from, UINT64_MAX});
  for (const LogRecord& record : records) {
    if (record.kind != TimedAcquire || record.result != 0) continue;
    const auto called = static_cast<std::uint64_t>(record.value);
    const bool held_by_other = std::any_of(holds.begin(), holds.end(), [&](const Hold& hold) {
      return hold.actor != record.actor && hold.from < record.time && hold.to > called;
    });
    if (!held_by_other) {
      return fmt::format(
          "timed acquire: actor {}'s acquire(timeout) called at t={} failed at t={} although no "
          "other actor held the lock in between",
          record.actor, called, record.time);
    }
  }
  return std::nullopt;
}

}  // namespace ipcprop::properties::lock_props
