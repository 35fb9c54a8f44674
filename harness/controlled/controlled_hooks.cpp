#include "harness/controlled/controlled_hooks.h"

#include <chrono>
#include <cstdint>

#include <unistd.h>

#include <fmt/format.h>

#include "harness/supervisor/signal_fate.h"
#include "primitives/errors.h"

namespace ipcprop::harness::detail {

void ControlledHooks::become_actor(ActorId self) {
  self_ = self;
  slot().pid.store(::getpid(), std::memory_order_relaxed);
  scheduler_.wait_for_baton(self_);
}

void ControlledHooks::invoke(const sync::SyncPoint& point) {
  scheduler_.record(self_, EventKind::Invoke, point.operation, point.object, point.argument);
  slot().last_operation = point.operation;
  slot().last_object = point.object;
  scheduler_.yield(self_, true);
}

void ControlledHooks::returned(const sync::SyncPoint& point, std::int64_t result) {
  scheduler_.record(self_, EventKind::Return, point.operation, point.object, result);
}

std::optional<sync::WaitResult> ControlledHooks::wait(const sync::SyncPoint& point,
                                                      sync::Deadline deadline) {
  ActorSlot& me = slot();
  me.has_deadline = !deadline.is_forever();
  me.deadline_ns = me.has_deadline ? deadline.time().time_since_epoch().count() : 0;
  scheduler_.record(self_, EventKind::Wait, point.operation, point.object, 0);
  if (me.has_deadline && me.deadline_ns <= control_.virtual_now_ns) {
    // A deadline already passed: give up at once, as the kernel would.
    scheduler_.record(self_, EventKind::Wake, point.operation, point.object, 1);
    return sync::WaitResult::TimedOut;
  }
  me.waiting_on = point.object;
  me.waiting_in = point.operation;
  me.state.store(ActorState::Waiting, std::memory_order_relaxed);
  scheduler_.yield(self_, false);
  const sync::WaitResult result = me.wake_result;
  scheduler_.record(self_, EventKind::Wake, point.operation, point.object,
                    result == sync::WaitResult::TimedOut ? 1 : 0);
  return result;
}

void ControlledHooks::notify(const sync::SyncObject& object) {
  scheduler_.record(self_, EventKind::Notify, {}, object, 0);
  scheduler_.notify(object);
}

sync::TimePoint ControlledHooks::now() {
  return sync::TimePoint(std::chrono::nanoseconds(control_.virtual_now_ns));
}

void ControlledHooks::before_fork() {
  const std::uint16_t id = control_.actor_count.load(std::memory_order_relaxed);
  if (id == kMaxActors) {
    scheduler_.finish(OutcomeKind::Error,
                      fmt::format("more than {} actors in one execution", kMaxActors));
    scheduler_.hand_baton(kSupervisor);
    scheduler_.wait_to_be_killed();
  }
  ActorSlot& child = control_.actors[id];
  child.parent = self_;
  child.state.store(ActorState::Starting, std::memory_order_relaxed);
  control_.actor_count.store(static_cast<std::uint16_t>(id + 1), std::memory_order_release);
  child_being_started_ = id;
}

void ControlledHooks::after_fork_in_child() {
  become_actor(child_being_started_);
}

void ControlledHooks::after_fork_in_parent(pid_t child) {
  ActorSlot& slot = control_.actors[child_being_started_];
  slot.pid.store(child, std::memory_order_relaxed);
  slot.state.store(ActorState::Enabled, std::memory_order_release);
  scheduler_.record(self_, EventKind::Spawn, {}, {}, child_being_started_);
  // Wake the supervisor so that it watches the new process from now on.
  const std::uint64_t one = 1;
  if (::write(control_.attention_fd, &one, sizeof one) != sizeof one) {
    throw_system_error("write", "supervisor eventfd");
  }
}

void ControlledHooks::before_exit(int exit_code) {
  scheduler_.record(self_, EventKind::Exit, {}, {}, exit_code);
  slot().exit_code = exit_code;
  slot().state.store(ActorState::Exiting, std::memory_order_release);
  scheduler_.hand_baton(kSupervisor);
}

}  // namespace ipcprop::harness::detail

namespace ipcprop::harness::detail {

void ControlledHooks::after_signal(pid_t child, int signal_number) {
  const std::uint16_t count = control_.actor_count.load(std::memory_order_relaxed);
  for (ActorId id = 0; id < count; ++id) {
    ActorSlot& slot = control_.actors[id];
    if (slot.pid.load(std::memory_order_relaxed) != child) continue;
    const bool ends = signal_ends_process(child, signal_number);
    slot.signalled = slot.signalled || ends;
    scheduler_.record(self_, EventKind::Signal, {}, {}, signal_number);
    // The death is part of this step: whatever the sender does next (a join, an exitcode(), a
    // poll of the pidfd) finds the target gone, in every run, instead of depending on how soon
    // the kernel finished it. The target is parked, so it dies at once. (A process announcing
    // its own death raises the signal next.)
    if (ends && child != ::getpid()) wait_until_gone(child);
  }
}

}  // namespace ipcprop::harness::detail
