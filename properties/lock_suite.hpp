// ipcprop — properties/lock_suite.hpp: the lock properties' actors (templates on the lock type).
#pragma once

#include <exception>
#include <memory>

#include "primitives/shared_memory.h"
#include "primitives/sync_hooks.h"
#include "properties/line_shapes.h"

namespace ipcprop::properties::lock_props {

namespace detail {

inline const sync::SyncObject kInside{"LockProps", 0};

/// One critical section: take the lock `depth` times, read the counter, let others run (a sync
/// point), write it back incremented, release `depth` times.
template <typename Lock>
void critical_section(Lock& lock, long& counter, int depth, OperationLog& log,
                      harness::ActorId actor) {
  lock.acquire();
  log.append(actor, Enter, counter);
  for (int level = 1; level < depth; ++level) {
    sync::invoke({"LockProps::reenter", kInside});
    lock.acquire();
  }
  const long seen = counter;
  sync::invoke({"LockProps::inside", kInside});
  counter = seen + 1;
  for (int level = 1; level < depth; ++level) {
    lock.release();
    sync::invoke({"LockProps::still_inside", kInside});
  }
  log.append(actor, Exit, counter);
  lock.release();
}

/// Calls release() without holding the lock; logs 1 if it threw, 0 if it returned.
template <typename Lock>
void intrude(Lock& lock, OperationLog& log, harness::ActorId actor) {
  bool threw = false;
  try {
    lock.release();
  } catch (const std::exception&) {
    threw = true;
  }
  log.append(actor, IntruderRelease, 0, threw ? 1 : 0);
}

/// Wraps an actor program so that an exception ending it leaves its message in the log (the
/// report shows it), then goes on to end the program as before.
template <typename Program>
harness::ActorProgram noting_exceptions(OperationLog& log, Program program) {
  return [&log, program](harness::ActorContext& context) {
    try {
      program(context);
    } catch (const std::exception& error) {
      log.note(context.id(), error.what());
      throw;
    }
  };
}

template <typename Lock>
harness::ActorFactory section_actors(const Workload& workload, OperationLog& log) {
  return [workload, &log] {
    auto lock = std::make_shared<Lock>();
    auto counter = std::make_shared<SharedObject<long>>(0);
    std::vector<harness::ActorProgram> actors;
    for (const ActorPlan& plan : workload) {
      actors.push_back(noting_exceptions(log, [=, &log](harness::ActorContext& context) {
        if (plan.intruder != 0) intrude(*lock, log, context.id());
        for (int section = 0; section < plan.sections; ++section) {
          critical_section(*lock, **counter, plan.depth, log, context.id());
        }
      }));
    }
    return actors;
  };
}

inline int total_sections(const Workload& workload) {
  int total = 0;
  for (const ActorPlan& plan : workload) total += plan.sections;
  return total;
}

}  // namespace detail

/// What the critical-section properties share: actors run detail::section_actors.
struct SectionProperty {
  using Workload = lock_props::Workload;
  template <typename Lock>
  static harness::ActorFactory actors(const Workload& workload, OperationLog& log) {
    return detail::section_actors<Lock>(workload, log);
  }
  static std::string describe(const Workload& workload) { return lock_props::describe(workload); }
};

struct MutualExclusion : SectionProperty {
  static constexpr std::string_view name = "LockProps.MutualExclusion";
  static rc::Gen<Workload> workload() { return plain_workload(false); }
  static std::optional<std::string> check(const Workload& workload, const harness::Outcome& outcome,
                                          const OperationLog& log) {
    const auto records = log.records();
    if (auto problem = overlap(records)) return problem;
    if (auto problem = outcome_problem(outcome, log)) return problem;
    return lost_update(records, detail::total_sections(workload));
  }
};

struct ReleaseOnlyWhenHeld : SectionProperty {
  static constexpr std::string_view name = "LockProps.ReleaseOnlyWhenHeld";
  static rc::Gen<Workload> workload() { return plain_workload(true); }
  static std::optional<std::string> check(const Workload& workload, const harness::Outcome& outcome,
                                          const OperationLog& log) {
    if (auto problem = intruder_succeeded(log.records())) return problem;
    return MutualExclusion::check(workload, outcome, log);
  }
};

struct TimedAcquireFailsOnlyWhenHeld {
  static constexpr std::string_view name = "LockProps.TimedAcquireFailsOnlyWhenHeld";
  using Workload = lock_props::Workload;
  static rc::Gen<Workload> workload() { return plain_workload(false); }
  /// Each section is a timed acquire (timeout = 1 ms of virtual time) that, when it succeeds,
  /// holds the lock across a sync point.
  template <typename Lock>
  static harness::ActorFactory actors(const Workload& workload, OperationLog& log) {
    return [workload, &log] {
      auto lock = std::make_shared<Lock>();
      std::vector<harness::ActorProgram> actors;
      for (const ActorPlan& plan : workload) {
        actors.push_back(detail::noting_exceptions(log, [=, &log](harness::ActorContext& context) {
          for (int section = 0; section < plan.sections; ++section) {
            const std::uint64_t called = log.tick();
            const bool got = lock->acquire(std::chrono::milliseconds(1));
            log.append(context.id(), TimedAcquire, static_cast<std::int64_t>(called), got);
            if (!got) continue;
            log.append(context.id(), Acquired);
            sync::invoke({"LockProps::inside", detail::kInside});
            lock->release();
            // After release() returns: the lock is free from here on, never before.
            log.append(context.id(), Released);
          }
        }));
      }
      return actors;
    };
  }
  static std::optional<std::string> check(const Workload&, const harness::Outcome& outcome,
                                          const OperationLog& log) {
    if (auto problem = timed_acquire_failed_while_free(log.records())) return problem;
    return outcome_problem(outcome, log);
  }
  static std::string describe(const Workload& workload) { return lock_props::describe(workload); }
};

struct ReentrantMutualExclusion : SectionProperty {
  static constexpr std::string_view name = "RLockProps.ReentrantMutualExclusion";
  static rc::Gen<Workload> workload() { return reentrant_workload(); }
  static std::optional<std::string> check(const Workload& workload, const harness::Outcome& outcome,
                                          const OperationLog& log) {
    return MutualExclusion::check(workload, outcome, log);
  }
};

/// S4: actors write lines to one file, each line as two appends (head, tail) with a sync point
/// between them. How the lock is used decides the shape the checker must see.
enum class LineLocking { WholeLoop, PerLine, None };

namespace detail {

template <typename Lock>
void write_line(OperationLog& log, harness::ActorId actor, int line) {
  log.append(actor, LineHead, line);
  sync::invoke({"S4::between_writes", kInside});
  log.append(actor, LineTail, line);
}

template <typename Lock>
harness::ActorFactory line_writers(const Workload& workload, OperationLog& log,
                                   LineLocking locking) {
  return [workload, &log, locking] {
    auto lock = std::make_shared<Lock>();
    std::vector<harness::ActorProgram> actors;
    for (const ActorPlan& plan : workload) {
      actors.push_back(noting_exceptions(log, [=, &log](harness::ActorContext& context) {
        const int lines = plan.sections + 1;
        if (locking == LineLocking::WholeLoop) lock->acquire();
        for (int line = 0; line < lines; ++line) {
          if (locking == LineLocking::PerLine) lock->acquire();
          write_line<Lock>(log, context.id(), line);
          if (locking == LineLocking::PerLine) lock->release();
          sync::invoke({"S4::next_line", kInside});
        }
        if (locking == LineLocking::WholeLoop) lock->release();
      }));
    }
    return actors;
  };
}

}  // namespace detail

/// S4 with the lock held across each actor's whole loop: one block of lines per actor.
struct LockedLoopWritesBlocks {
  static constexpr std::string_view name = "LockProps.LockedLoopWritesBlocks";
  using Workload = lock_props::Workload;
  static rc::Gen<Workload> workload() { return plain_workload(false); }
  template <typename Lock>
  static harness::ActorFactory actors(const Workload& workload, OperationLog& log) {
    return detail::line_writers<Lock>(workload, log, LineLocking::WholeLoop);
  }
  static std::optional<std::string> check(const Workload&, const harness::Outcome& outcome,
                                          const OperationLog& log) {
    std::string why;
    const LineShape shape = classify_lines(log.records(), &why);
    if (shape != LineShape::Blocks) {
      return "S4, lock held for the whole loop: the file has " + to_string(shape) + ": " + why;
    }
    return outcome_problem(outcome, log);
  }
  static std::string describe(const Workload& workload) { return lock_props::describe(workload); }
};

/// S4 with the lock taken for each line: lines may interleave but are never torn.
struct LockedLinesStayWhole {
  static constexpr std::string_view name = "LockProps.LockedLinesStayWhole";
  using Workload = lock_props::Workload;
  static rc::Gen<Workload> workload() { return plain_workload(false); }
  template <typename Lock>
  static harness::ActorFactory actors(const Workload& workload, OperationLog& log) {
    return detail::line_writers<Lock>(workload, log, LineLocking::PerLine);
  }
  static std::optional<std::string> check(const Workload&, const harness::Outcome& outcome,
                                          const OperationLog& log) {
    std::string why;
    if (classify_lines(log.records(), &why) == LineShape::Torn) {
      return "S4, lock held for each line: a line was torn: " + why;
    }
    return outcome_problem(outcome, log);
  }
  static std::string describe(const Workload& workload) { return lock_props::describe(workload); }
};

}  // namespace ipcprop::properties::lock_props

#include "properties/lock_owner_death.hpp"
