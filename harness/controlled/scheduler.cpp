#include "harness/controlled/scheduler.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <limits>

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include "primitives/detail/file_descriptor.h"
#include "primitives/detail/futex.h"
#include "primitives/errors.h"

namespace ipcprop::harness::detail {
namespace {

const sync::SyncObject kBaton{"Baton", 0};

}  // namespace

void Scheduler::yield(ActorId self, bool self_enabled) {
  const std::optional<ActorId> next = decide(self, self_enabled);
  if (!next) {
    // The execution is over, or an actor is dying and the supervisor must see it go first.
    hand_baton(kSupervisor);
    if (self == kSupervisor) return;
    if (control_.finished.load(std::memory_order_acquire)) wait_to_be_killed();
    wait_for_baton(self);
    return;
  }
  if (*next == self) return;
  hand_baton(*next);
  if (self != kSupervisor) wait_for_baton(self);
}

std::optional<ActorId> Scheduler::decide(ActorId self, bool self_enabled) {
  if (control_.finished.load(std::memory_order_acquire)) return std::nullopt;
  const std::uint16_t count = control_.actor_count.load(std::memory_order_relaxed);
  if (control_.kill_actor != kSupervisor && control_.decision_count >= control_.kill_at_decision) {
    const ActorId victim = control_.kill_actor;
    control_.kill_actor = kSupervisor;  // Once.
    if (victim < count && kill_actor(self, victim) && victim == self) self_enabled = false;
  }
  auto collect = [&](std::array<ActorId, kMaxActors>& candidates) {
    std::size_t size = 0;
    if (self_enabled) candidates[size++] = self;
    for (ActorId id = 0; id < count; ++id) {
      const ActorSlot& slot = control_.actors[id];
      // Self is candidate 0 when it may go on; after a wait, virtual time may have enabled it.
      if ((id != self || !self_enabled) && !slot.signalled &&
          slot.state.load(std::memory_order_relaxed) == ActorState::Enabled) {
        candidates[size++] = id;
      }
    }
    return size;
  };
  std::array<ActorId, kMaxActors> candidates{};
  std::size_t size = collect(candidates);
  if (size == 0 && advance_virtual_time()) size = collect(candidates);
  if (size == 0) {
    // An actor that is dying may still release someone (a join on it): let the supervisor see
    // it go before calling this a deadlock.
    const auto first = control_.actors.begin();
    const bool someone_dying =
        std::any_of(first, first + count, [](const ActorSlot& slot) { return slot.leaving(); });
    const bool someone_waits = std::any_of(first, first + count, [](const ActorSlot& slot) {
      return slot.state.load(std::memory_order_relaxed) == ActorState::Waiting;
    });
    if (someone_waits && !someone_dying) finish(OutcomeKind::Deadlock, "");
    return std::nullopt;  // The supervisor takes the baton.
  }
  const PickContext context{std::span<const ActorId>(candidates.data(), size), self_enabled,
                            control_.decision_count};
  const std::optional<std::size_t> choice = control_.strategy->pick(context);
  if (!choice) {
    finish(OutcomeKind::Abandoned, control_.strategy->abandon_reason());
    return std::nullopt;
  }
  if (*choice >= size) {
    finish(OutcomeKind::Error, fmt::format("strategy {} chose candidate {} of {}",
                                           control_.strategy->describe(), *choice, size));
    return std::nullopt;
  }
  if (control_.decision_count == kMaxDecisions) {
    finish(OutcomeKind::Error,
           fmt::format("more than {} scheduling decisions in one execution", kMaxDecisions));
    return std::nullopt;
  }
  const ActorId chosen = candidates[*choice];
  control_.decisions[control_.decision_count++] = Decision{
      static_cast<std::uint16_t>(*choice), static_cast<std::uint16_t>(size), chosen, self_enabled};
  return chosen;
}

bool Scheduler::kill_actor(ActorId self, ActorId victim) {
  ActorSlot& slot = control_.actors[victim];
  const ActorState state = slot.state.load(std::memory_order_relaxed);
  if (slot.signalled || (state != ActorState::Enabled && state != ActorState::Waiting))
    return false;
  const pid_t pid = slot.pid.load(std::memory_order_relaxed);
  slot.signalled = true;
  record(self, EventKind::Signal, "killed by fault injection", {"Actor", victim}, SIGKILL);
  if (victim == self) {
    // It holds the baton: the supervisor takes over when it sees this process gone.
    ::raise(SIGKILL);
  }
  if (::kill(pid, SIGKILL) == -1) throw_system_error("kill", fmt::format("actor {}", victim));
  // As after a terminate(): the death is part of this step in every run.
  wait_until_gone(pid);
  return true;
}

void wait_until_gone(pid_t pid) {
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd == -1) {
    if (errno == ESRCH) return;  // Already reaped.
    throw_system_error("pidfd_open", fmt::format("signalled actor (pid {})", pid));
  }
  const ipcprop::detail::FileDescriptor owned(pidfd);
  pollfd entry{pidfd, POLLIN, 0};
  while (::poll(&entry, 1, -1) == -1) {
    if (errno != EINTR) throw_system_error("poll", fmt::format("signalled actor (pid {})", pid));
  }
}

bool Scheduler::advance_virtual_time() {
  const std::uint16_t count = control_.actor_count.load(std::memory_order_relaxed);
  std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
  for (ActorId id = 0; id < count; ++id) {
    const ActorSlot& slot = control_.actors[id];
    if (slot.state.load(std::memory_order_relaxed) == ActorState::Waiting && slot.has_deadline) {
      earliest = std::min(earliest, slot.deadline_ns);
    }
  }
  if (earliest == std::numeric_limits<std::int64_t>::max()) return false;
  control_.virtual_now_ns = std::max(control_.virtual_now_ns, earliest);
  for (ActorId id = 0; id < count; ++id) {
    ActorSlot& slot = control_.actors[id];
    if (slot.state.load(std::memory_order_relaxed) == ActorState::Waiting && slot.has_deadline &&
        slot.deadline_ns <= control_.virtual_now_ns) {
      slot.wake_result = sync::WaitResult::TimedOut;
      slot.state.store(ActorState::Enabled, std::memory_order_relaxed);
    }
  }
  return true;
}

void Scheduler::record(ActorId actor, EventKind kind, std::string_view operation,
                       const sync::SyncObject& object, std::int64_t value) {
  const std::uint32_t size = control_.history_size.load(std::memory_order_relaxed);
  if (size == control_.history_capacity) {
    finish(OutcomeKind::Error,
           fmt::format("the history is full ({} events); raise ExecutionOptions::history_capacity",
                       control_.history_capacity));
    return;
  }
  control_.history()[size] = Event{control_.decision_count, actor, kind, operation, object, value};
  control_.history_size.store(size + 1, std::memory_order_relaxed);
}

void Scheduler::notify(const sync::SyncObject& object) {
  const std::uint16_t count = control_.actor_count.load(std::memory_order_relaxed);
  for (ActorId id = 0; id < count; ++id) {
    if (control_.actors[id].waiting_on == object) wake(id);
  }
}

void Scheduler::wake(ActorId id) {
  ActorSlot& slot = control_.actors[id];
  if (slot.state.load(std::memory_order_relaxed) == ActorState::Waiting) {
    slot.wake_result = sync::WaitResult::Notified;
    slot.state.store(ActorState::Enabled, std::memory_order_relaxed);
  }
}

void Scheduler::finish(OutcomeKind kind, std::string_view message) {
  bool expected = false;
  if (control_.finished.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
    control_.outcome = kind;
    const std::size_t length = std::min(message.size(), control_.outcome_message.size() - 1);
    std::memcpy(control_.outcome_message.data(), message.data(), length);
    control_.outcome_message[length] = '\0';
  }
}

void Scheduler::hand_baton(ActorId to) {
  control_.running.store(to, std::memory_order_release);
  if (to == kSupervisor) {
    const std::uint64_t one = 1;
    if (::write(control_.attention_fd, &one, sizeof one) != sizeof one) {
      throw_system_error("write", "supervisor eventfd");
    }
    return;
  }
  ActorSlot& slot = control_.actors[to];
  slot.baton.store(1, std::memory_order_release);
  ipcprop::detail::futex_wake(slot.baton, 1, kBaton);
}

void Scheduler::wait_for_baton(ActorId self) {
  ActorSlot& slot = control_.actors[self];
  while (slot.baton.exchange(0, std::memory_order_acquire) == 0) {
    ipcprop::detail::futex_wait(slot.baton, 0, sync::Deadline::forever(), kBaton);
  }
}

void Scheduler::wait_to_be_killed() {
  for (;;) ::pause();
}

}  // namespace ipcprop::harness::detail
