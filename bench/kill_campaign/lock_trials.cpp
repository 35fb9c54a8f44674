// ipcprop — bench/kill_campaign/lock_trials.cpp
//
// Lock and RLock: holders increment a shared counter non-atomically (read, yield, write) inside
// the critical section and log each section's entry and exit tickets; a probe takes the lock
// once every holder has ended.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <sys/types.h>

#include <fmt/format.h>

#include "bench/kill_campaign/counts.h"
#include "bench/kill_campaign/process_support.h"
#include "bench/kill_campaign/records.h"
#include "bench/kill_campaign/rng.h"
#include "bench/kill_campaign/trial.h"
#include "bench/kill_campaign/trials.h"
#include "primitives/errors.h"
#include "primitives/lock.h"
#include "primitives/rlock.h"

namespace ipcprop::campaign {

using namespace std::chrono_literals;

namespace {

template <typename L>
constexpr bool kReentrant = std::is_same_v<L, RLock>;

template <typename L>
bool took_from_dead_owner(L& lock, Rng& rng, ParticipantRecord& me) {
  const auto died = [&me](const OwnerDied& error) {
    me.owner_died.fetch_add(1);
    me.owner_died_pid = error.dead_owner_pid();
    return true;
  };
  switch (rng.below(4)) {
    case 0:
    case 1:
      try {
        lock.acquire();
        return false;
      } catch (const OwnerDied& error) {
        return died(error);
      }
    case 2:
      for (;;) {
        try {
          if (lock.acquire(2ms)) return false;
        } catch (const OwnerDied& error) {
          return died(error);
        }
      }
    default:
      for (;;) {
        try {
          if (lock.try_acquire()) return false;
        } catch (const OwnerDied& error) {
          return died(error);
        }
        yield_cpu();
      }
  }
}

template <typename L>
void hold(L& lock, TrialShared& shared, std::size_t index, int sections, std::uint64_t seed,
          ParticipantRecord& me) {
  Rng rng(seed);
  arrive(shared, me);
  for (int n = 0; n < sections; ++n) {
    me.phase = kAcquiring;
    const bool after_death = took_from_dead_owner(lock, rng, me);
    me.phase = kHolding;
    if constexpr (kReentrant<L>) {
      lock.acquire();
      if (!lock.try_acquire()) {
        me.torn.fetch_add(1);
        note(me, "torn: try_acquire by the owner at depth 2 returned false");
      }
      if (lock.depth_held_by_caller() != 3) {
        me.torn.fetch_add(1);
        note(me,
             fmt::format("torn: depth {} after three acquisitions", lock.depth_held_by_caller()));
      }
    }
    SectionRecord& section = shared.sections[index][n];
    section.after_owner_died = after_death ? 1 : 0;
    section.enter = shared.ticket.fetch_add(1) + 1;
    const std::uint64_t value = shared.counter.load(std::memory_order_relaxed);
    yield_cpu();
    shared.counter.store(value + 1, std::memory_order_relaxed);
    me.ops.fetch_add(1);
    section.exit = shared.ticket.fetch_add(1) + 1;
    me.phase = kReleasing;
    while (lock.held_by_caller()) lock.release();
    me.phase = kBetween;
    if (rng.below(4) == 0) yield_cpu();
  }
}

template <typename L>
void probe(L& lock, TrialShared& shared, ParticipantRecord& me) {
  arrive(shared, me);
  wait_at_least(shared.stage, 1);
  me.phase = kAcquiring;
  try {
    if (!lock.try_acquire()) {
      me.stuck = 1;
      note(me, "the lock was still held once every holder had ended");
      return;
    }
  } catch (const OwnerDied& error) {
    me.owner_died.fetch_add(1);
    me.owner_died_pid = error.dead_owner_pid();
  }
  while (lock.held_by_caller()) lock.release();
}

}  // namespace

template <typename L>
void lock_trial(Context& context) {
  L lock;
  TrialShared& shared = context.shared;
  Rng& rng = context.rng;
  Trial trial(context);
  const auto holders = static_cast<std::size_t>(rng.range(3, 4));
  const auto sections = static_cast<int>(rng.range(250, 400));
  for (std::size_t h = 0; h < holders; ++h) {
    const std::uint64_t seed = rng.next();
    trial.add(fmt::format("holder {}", h), 0, true, [&lock, &shared, h, sections, seed](auto& me) {
      hold(lock, shared, h, sections, seed, me);
    });
  }
  const std::size_t prober =
      trial.add("probe", 1, false, [&lock, &shared](auto& me) { probe(lock, shared, me); });
  trial.run();
  if (trial.hung()) return;
  Counts& counts = context.result.counts;

  if (trial.record(prober).stuck.load() != 0) counts.hangs += 1;

  // Lost updates: the counter against the completed increments.
  std::uint64_t completed = 0;
  for (std::size_t h = 0; h < holders; ++h) completed += trial.record(h).ops.load();
  const Phase phase = trial.victim_phase();
  const std::uint64_t counter = shared.counter.load();
  const std::uint64_t slack = phase == kHolding ? 1 : 0;  // Killed between write and count.
  if (counter < completed || counter > completed + slack) {
    const std::uint64_t off = counter < completed ? completed - counter : counter - completed;
    counts.torn += off;
    trial.problem(
        fmt::format("torn: the counter is {} after {} completed increments", counter, completed));
  }

  // Overlapping critical sections, from the entry and exit tickets.
  struct Interval {
    std::uint64_t enter, exit;
    bool after_owner_died;
    std::size_t holder;
  };
  std::vector<Interval> intervals;
  for (std::size_t h = 0; h < holders; ++h) {
    for (int n = 0; n < sections; ++n) {
      const SectionRecord& section = shared.sections[h][n];
      if (section.enter.load() == 0) continue;
      intervals.push_back(
          {section.enter.load(), section.exit.load(), section.after_owner_died.load() != 0, h});
    }
  }
  std::sort(intervals.begin(), intervals.end(),
            [](const Interval& a, const Interval& b) { return a.enter < b.enter; });
  for (std::size_t k = 0; k + 1 < intervals.size(); ++k) {
    const Interval& a = intervals[k];
    const Interval& b = intervals[k + 1];
    // A section its holder never left (the victim's) ends where OwnerDied hands the lock on.
    const bool ok =
        a.exit != 0 ? a.exit < b.enter : (trial.is_victim(a.holder) && b.after_owner_died);
    if (!ok) {
      counts.torn += 1;
      trial.problem(fmt::format("torn: {} entered (ticket {}) while {} was inside ({}..{})",
                                trial.role(b.holder), b.enter, trial.role(a.holder), a.enter,
                                a.exit == 0 ? std::string("never left") : std::to_string(a.exit)));
    }
  }

  // OwnerDied: exactly when the victim died holding the lock (0 or 1 while it was acquiring
  // or releasing, since acquire's return and release's effect are not visible to it), once,
  // naming the victim.
  const std::uint64_t deaths = trial.total(&ParticipantRecord::owner_died);
  const std::uint64_t at_least = phase == kHolding ? 1 : 0;
  const std::uint64_t at_most =
      phase == kHolding || phase == kAcquiring || phase == kReleasing ? 1 : 0;
  if (deaths < at_least || deaths > at_most) {
    counts.wrong += 1;
    trial.problem(fmt::format("wrong error: {} OwnerDied for a victim that died {}", deaths,
                              kPhaseNames[phase]));
  }
  for (std::size_t i = 0; i < trial.size(); ++i) {
    const ParticipantRecord& me = trial.record(i);
    const pid_t named = me.owner_died_pid.load();
    if (me.owner_died.load() != 0 && named != 0 && named != trial.victim_pid()) {
      counts.wrong += 1;
      trial.problem(fmt::format("wrong error: {} got OwnerDied naming pid {}, not the victim",
                                trial.role(i), named));
    }
  }
}

template void lock_trial<Lock>(Context& context);
template void lock_trial<RLock>(Context& context);

}  // namespace ipcprop::campaign
