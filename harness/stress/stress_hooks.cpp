#include "harness/stress/stress_hooks.h"

#include <chrono>
#include <thread>

#include <sched.h>
#include <unistd.h>

#include "harness/supervisor/signal_fate.h"
#include "primitives/errors.h"

namespace ipcprop::harness::detail {

void StressHooks::become_actor(ActorId self) noexcept {
  self_ = self;
  // A stream of its own per actor, distinct from the actors' data (ActorContext).
  noise_ = SplitMix64(derive_seed(~control_.data_seed, self));
  control_.actors[self].pid.store(::getpid(), std::memory_order_relaxed);
}

void StressHooks::add_noise() {
  const double coin = static_cast<double>(noise_.next() >> 11) * 0x1.0p-53;
  if (coin < options_.stress_sleep_probability) {
    std::this_thread::sleep_for(std::chrono::microseconds(noise_.next() % 50));
  } else if (coin < options_.stress_sleep_probability + options_.stress_yield_probability) {
    ::sched_yield();
  }
}

void StressHooks::record(EventKind kind, std::string_view operation, const sync::SyncObject& object,
                         std::int64_t value) {
  const std::uint32_t index = control_.history_size.fetch_add(1, std::memory_order_relaxed);
  if (index >= control_.history_capacity) return;  // Reported by the supervisor as overflow.
  const std::uint32_t step = control_.stress_steps.fetch_add(1, std::memory_order_relaxed);
  control_.history()[index] = Event{step, self_, kind, operation, object, value};
}

void StressHooks::invoke(const sync::SyncPoint& point) {
  control_.actors[self_].last_operation = point.operation;
  control_.actors[self_].last_object = point.object;
  record(EventKind::Invoke, point.operation, point.object, point.argument);
  add_noise();
}

void StressHooks::returned(const sync::SyncPoint& point, std::int64_t result) {
  record(EventKind::Return, point.operation, point.object, result);
}

std::optional<sync::WaitResult> StressHooks::wait(const sync::SyncPoint& point, sync::Deadline) {
  record(EventKind::Wait, point.operation, point.object, 0);
  add_noise();
  return std::nullopt;  // Block in the kernel.
}

void StressHooks::notify(const sync::SyncObject& object) {
  record(EventKind::Notify, {}, object, 0);
}

void StressHooks::before_fork() {
  const std::uint16_t id = control_.actor_count.fetch_add(1, std::memory_order_relaxed);
  // Past capacity the child runs unrecorded under the last slot; the supervisor reports it.
  child_being_started_ = static_cast<ActorId>(std::min<std::size_t>(id, kMaxActors - 1));
  control_.actors[child_being_started_].parent = self_;
  control_.actors[child_being_started_].state.store(ActorState::Enabled);
}

void StressHooks::after_fork_in_parent(pid_t child) {
  control_.actors[child_being_started_].pid.store(child, std::memory_order_relaxed);
  record(EventKind::Spawn, {}, {}, child_being_started_);
  // Wake the supervisor so that it watches the new process from now on.
  const std::uint64_t one = 1;
  if (::write(control_.attention_fd, &one, sizeof one) != sizeof one) {
    throw_system_error("write", "supervisor eventfd");
  }
}

void StressHooks::before_exit(int exit_code) {
  record(EventKind::Exit, {}, {}, exit_code);
  control_.actors[self_].exit_code = exit_code;
  control_.actors[self_].state.store(ActorState::Exiting, std::memory_order_release);
}

void StressHooks::after_signal(pid_t child, int signal_number) {
  const std::uint16_t count = control_.actor_count.load(std::memory_order_relaxed);
  for (ActorId id = 0; id < std::min<std::size_t>(count, kMaxActors); ++id) {
    if (control_.actors[id].pid.load(std::memory_order_relaxed) == child) {
      control_.actors[id].signalled =
          control_.actors[id].signalled || signal_ends_process(child, signal_number);
    }
  }
  record(EventKind::Signal, {}, {}, signal_number);
}

}  // namespace ipcprop::harness::detail
