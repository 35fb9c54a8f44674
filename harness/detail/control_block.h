// ipcprop — harness/detail/control_block.h
//
// The state one controlled execution shares between its supervisor and its actors, in one
// anonymous shared mapping created before any actor is forked. Only the process holding the
// baton writes it (except `pid` and `state`, which the supervisor reads at any time), so plain
// fields suffice; the baton hand-off (release store, futex, acquire load) orders everything.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <sys/types.h>

#include "harness/execution.h"
#include "harness/history.h"
#include "harness/strategy.h"
#include "primitives/sync_hooks.h"

namespace ipcprop::harness::detail {

inline constexpr std::size_t kMaxActors = kMaxActorsPerExecution;
inline constexpr std::size_t kMaxDecisions = kMaxDecisionsPerExecution;
/// The baton's holder when no actor runs: the supervisor is deciding or waiting for an exit.
inline constexpr ActorId kSupervisor = 0xffff;

enum class ActorState : std::uint8_t {
  Free,      ///< Slot unused.
  Starting,  ///< Reserved by before_fork; the child is not yet known.
  Enabled,   ///< May run.
  Waiting,   ///< Disabled until `waiting_on` is notified or `deadline` passes.
  Exiting,   ///< Its program ended; the supervisor waits for the process to be gone.
  Exited,
};

struct ActorSlot {
  std::atomic<std::uint32_t> baton{0};  ///< Futex word: 1 = this actor runs.
  std::atomic<ActorState> state{ActorState::Free};
  std::atomic<pid_t> pid{0};
  ActorId parent = kSupervisor;
  int exit_code = 0;
  /// A signal that ends it was sent to it (supervisor/signal_fate.h): never scheduled again, its
  /// death is no crash. A signal it catches, ignores or blocks leaves this false.
  bool signalled = false;
  // Waiting.
  sync::SyncObject waiting_on{};
  std::string_view waiting_in;  ///< The operation that waits.
  bool has_deadline = false;
  std::int64_t deadline_ns = 0;  ///< Virtual time.
  sync::WaitResult wake_result = sync::WaitResult::Notified;
  // For watchdog reports: the last sync point reached.
  std::string_view last_operation;
  sync::SyncObject last_object{};

  /// On its way out: its program ended, or a signal that ends it was sent, and the process is
  /// not yet judged gone.
  bool leaving() const noexcept {
    const ActorState now = state.load(std::memory_order_acquire);
    return now == ActorState::Exiting || (signalled && now != ActorState::Exited);
  }
};

struct ControlBlock {
  std::atomic<ActorId> running{kSupervisor};
  std::atomic<std::uint16_t> actor_count{0};
  std::int64_t virtual_now_ns = 0;
  std::uint64_t data_seed = 0;
  Strategy* strategy = nullptr;
  int attention_fd = -1;  ///< eventfd the supervisor sleeps on; inherited by every actor.

  /// Set once, by whoever ends the execution early (an actor or the supervisor).
  std::atomic<bool> finished{false};
  OutcomeKind outcome = OutcomeKind::Passed;
  std::array<char, 512> outcome_message{};

  std::uint32_t decision_count = 0;
  /// ExecutionOptions::kill: the actor (kSupervisor for none) and the decision it dies before.
  ActorId kill_actor = kSupervisor;
  std::uint32_t kill_at_decision = 0;
  std::array<Decision, kMaxDecisions> decisions{};

  std::array<ActorSlot, kMaxActors> actors{};

  // The history log: `history_capacity` events right after this block in the same mapping.
  std::atomic<std::uint32_t> history_size{0};  ///< Atomic for stress mode's concurrent appends.
  std::uint32_t history_capacity = 0;
  Event* history() noexcept { return reinterpret_cast<Event*>(this + 1); }
  const Event* history() const noexcept { return reinterpret_cast<const Event*>(this + 1); }

  /// Stress mode: the next step number, shared by all actors.
  std::atomic<std::uint32_t> stress_steps{0};
};

}  // namespace ipcprop::harness::detail
