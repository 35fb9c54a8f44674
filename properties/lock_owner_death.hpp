// ipcprop — properties/lock_owner_death.hpp: LockProps.SurvivesAKilledActor, the property of a
// lock that promises to survive the death of any process using it (ipcprop's Lock and RLock do;
// a plain lock does not, so the property is registered apart: IPCPROP_ROBUST_LOCK_SUITE).
#pragma once

#include <memory>

#include "primitives/errors.h"
#include "primitives/shared_memory.h"
#include "primitives/sync_hooks.h"

namespace ipcprop::properties::lock_props {

/// Critical sections as for MutualExclusion, and one actor that the harness SIGKILLs before
/// scheduling decision `at_decision` (ExecutionOptions::kill): holding the lock, waiting for it,
/// or between sections.
struct KillWorkload {
  Workload plans;
  std::uint8_t victim = 0;
  std::uint8_t at_decision = 0;

  template <class Archive>
  void serialize(Archive& archive) {
    codec::bounded_vector(archive, plans);
    archive(victim, at_decision);
  }
};

std::string describe(const KillWorkload& workload);
rc::Gen<KillWorkload> kill_workload();
/// The survivors all finished their sections, one at a time; the victim's last section may be
/// unfinished.
std::optional<std::string> survived_the_kill(const KillWorkload& workload,
                                             const harness::Outcome& outcome,
                                             const OperationLog& log);

/// An acquire that finds the owner dead got the lock all the same (ipcprop::OwnerDied).
inline constexpr std::uint16_t TookFromDeadOwner = Released + 1;

struct SurvivesAKilledActor {
  static constexpr std::string_view name = "LockProps.SurvivesAKilledActor";
  using Workload = KillWorkload;
  static rc::Gen<Workload> workload() { return kill_workload(); }
  static harness::KillActor kill(const Workload& workload) {
    return {workload.victim, workload.at_decision};
  }
  template <typename Lock>
  static harness::ActorFactory actors(const Workload& workload, OperationLog& log) {
    return [workload, &log] {
      auto lock = std::make_shared<Lock>();
      auto counter = std::make_shared<SharedObject<long>>(0);
      std::vector<harness::ActorProgram> actors;
      for (const ActorPlan& plan : workload.plans) {
        actors.push_back(detail::noting_exceptions(log, [=, &log](harness::ActorContext& context) {
          for (int section = 0; section < plan.sections; ++section) {
            try {
              lock->acquire();
            } catch (const OwnerDied&) {  // Documented: the lock is held, its owner died in it.
              log.append(context.id(), TookFromDeadOwner);
            }
            log.append(context.id(), Enter, **counter);
            const long seen = **counter;
            sync::invoke({"LockProps::inside", detail::kInside});
            **counter = seen + 1;
            log.append(context.id(), Exit, **counter);
            lock->release();
          }
        }));
      }
      return actors;
    };
  }
  static std::optional<std::string> check(const Workload& workload, const harness::Outcome& outcome,
                                          const OperationLog& log) {
    return survived_the_kill(workload, outcome, log);
  }
  static std::string describe(const Workload& workload) { return lock_props::describe(workload); }
};

}  // namespace ipcprop::properties::lock_props
