#include "properties/lock_suite.h"

#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "harness/checkers/mutual_exclusion.h"

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
  std::vector<harness::CriticalEvent> events;
  for (const LogRecord& record : records) {
    if (record.kind == Enter || record.kind == Exit) {
      events.push_back({record.actor,
                        record.kind == Enter ? harness::CriticalEvent::Kind::Enter
                                             : harness::CriticalEvent::Kind::Exit,
                        record.time});
    }
  }
  const auto found = harness::find_overlap(events);
  if (!found) return std::nullopt;
  return fmt::format(
      "mutual exclusion: actor {} entered the critical section at t={} while actor {}, which "
      "entered at t={}, was still inside",
      found->intruder, found->intruder_at, found->inside, found->inside_since);
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

std::string describe(const KillWorkload& workload) {
  return fmt::format("{}; actor {} killed before scheduling decision {}", describe(workload.plans),
                     workload.victim, workload.at_decision);
}

rc::Gen<KillWorkload> kill_workload() {
  return rc::gen::mapcat(plain_workload(false), [](Workload plans) {
    const auto actors = static_cast<std::uint8_t>(plans.size());
    return rc::gen::build<KillWorkload>(
        rc::gen::set(&KillWorkload::plans, rc::gen::just(std::move(plans))),
        rc::gen::set(&KillWorkload::victim, rc::gen::inRange<std::uint8_t>(0, actors)),
        // Enough to land anywhere in 2 to 4 actors' sections.
        rc::gen::set(&KillWorkload::at_decision, rc::gen::inRange<std::uint8_t>(0, 40)));
  });
}

std::optional<std::string> survived_the_kill(const KillWorkload& workload,
                                             const harness::Outcome& outcome,
                                             const OperationLog& log) {
  const std::string killed = fmt::format("after actor {} was killed before scheduling decision {}",
                                         workload.victim, workload.at_decision);
  if (auto problem = outcome_problem(outcome, log)) {
    return fmt::format("{}, the others did not all finish: {}", killed, *problem);
  }
  // The victim's section cut short by its death ends there: drop its unmatched Enter.
  std::vector<LogRecord> records = log.records();
  std::map<harness::ActorId, int> open;
  std::map<harness::ActorId, int> finished;
  for (const LogRecord& record : records) {
    if (record.kind == Enter) ++open[record.actor];
    if (record.kind == Exit) --open[record.actor], ++finished[record.actor];
  }
  if (open[workload.victim] > 0) {
    for (auto at = records.rbegin(); at != records.rend(); ++at) {
      if (at->actor == workload.victim && at->kind == Enter) {
        records.erase(std::next(at).base());
        break;
      }
    }
  }
  if (auto problem = overlap(records)) return fmt::format("{}: {}", killed, *problem);
  for (std::size_t actor = 0; actor < workload.plans.size(); ++actor) {
    if (actor == workload.victim) continue;
    const int sections = workload.plans[actor].sections;
    if (finished[static_cast<harness::ActorId>(actor)] != sections) {
      return fmt::format("{}: actor {} finished {} of its {} critical sections", killed, actor,
                         finished[static_cast<harness::ActorId>(actor)], sections);
    }
  }
  return std::nullopt;
}

}  // namespace ipcprop::properties::lock_props
