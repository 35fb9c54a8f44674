// ipcprop — primitives/sync_hooks.h
//
// The sync-point hook API: how a primitive tells a harness where other processes' interleaving
// can matter. Every primitive calls these at each *sync point*:
//
//   invoke(point)        "I am about to do visible operation X on object O." A controlled
//                        harness may hand the baton to another actor here.
//   returned(point, r)   "X on O finished with result r." Recorded in the history only.
//   wait(point, d)       "I cannot proceed until O changes, or until deadline d."
//   notify(object)       "O changed; whoever waits on it should look again."
//   now()                The clock that timeouts are measured on.
//
// With no hooks installed each call is one well-predicted branch: wait() answers "block in the
// kernel yourself" and now() is std::chrono::steady_clock. A harness installs a Hooks object
// once per execution, before forking actors; forked children inherit it. A controlled harness
// answers wait() itself (the actor is disabled until the object is notified or the harness's
// virtual clock reaches the deadline); a stress harness adds noise and lets the caller block.
//
// The wait protocol every primitive follows, so that both answers work:
//
//   sync::invoke(point);
//   while (!try_operation()) {
//     if (auto result = sync::wait(point, deadline)) {    // a harness decided
//       if (*result == sync::WaitResult::TimedOut) return timed_out();
//       continue;                                         // notified: look again
//     }
//     block_in_kernel_until(deadline);                    // no harness: futex, poll, ...
//   }
//   sync::notify(object);   // after any change another actor may be waiting for
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace ipcprop::sync {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
/// Timeouts throughout ipcprop. A zero or negative timeout means "do not wait": try once.
using Timeout = std::chrono::nanoseconds;

/// Something actors synchronise on. `id` tells objects of one kind apart within one execution:
/// the address of the object's shared state (the same in every forked descendant) or, for a
/// process, its pid. `kind` names the primitive ("Lock", "Process") and must have static storage.
struct SyncObject {
  std::string_view kind;
  std::uintptr_t id = 0;

  friend bool operator==(const SyncObject&, const SyncObject&) = default;
};

/// "Lock@0x7f3a12340000", "Process@4242": how messages name an object.
std::string describe(const SyncObject& object);

/// One visible operation: what (`operation`, static storage, e.g. "Lock::acquire"), on which
/// object, with one integer argument where the operation has one (a timeout in ns, a size).
struct SyncPoint {
  std::string_view operation;
  SyncObject object;
  std::int64_t argument = 0;
};

/// The moment a wait gives up. Deadlines are absolute so that a wait woken early and retried does
/// not restart its timeout.
class Deadline {
 public:
  /// A deadline that never passes.
  static constexpr Deadline forever() noexcept { return Deadline(); }
  /// A deadline at an absolute time on the sync clock (see now()).
  static constexpr Deadline at(TimePoint time) noexcept { return Deadline(time); }
  /// now() + timeout, saturating: a timeout too large to represent is forever; zero or negative
  /// is "already passed".
  static Deadline after(Timeout timeout) noexcept;

  constexpr bool is_forever() const noexcept { return !time_.has_value(); }
  /// The absolute time; only meaningful when !is_forever().
  constexpr TimePoint time() const noexcept { return time_.value_or(TimePoint::max()); }

 private:
  constexpr Deadline() noexcept = default;
  constexpr explicit Deadline(TimePoint time) noexcept : time_(time) {}
  std::optional<TimePoint> time_;
};

enum class WaitResult : std::uint8_t {
  Notified,  ///< The object may have changed: look again.
  TimedOut,  ///< The deadline passed.
};

/// What a harness implements. Every method may be called from any actor process and from any
/// thread in it; a harness that runs one actor at a time needs no locking of its own.
class Hooks {
 public:
  virtual ~Hooks() = default;

  /// Before a visible operation. A controlled harness may run other actors before returning.
  virtual void invoke(const SyncPoint& point) = 0;
  /// After the operation that `point` began; `result` is the operation's outcome (1 = success,
  /// 0 = failure or timeout, or a count). Not a scheduling point.
  virtual void returned(const SyncPoint& point, std::int64_t result) = 0;
  /// The caller cannot proceed until `point.object` is notified or `deadline` passes. Return a
  /// result to say the harness waited (the caller then looks again or gives up), or nullopt to
  /// make the caller block in the kernel as it would with no harness.
  virtual std::optional<WaitResult> wait(const SyncPoint& point, Deadline deadline) = 0;
  /// `object` changed in a way a waiter may care about.
  virtual void notify(const SyncObject& object) = 0;
  /// The clock deadlines are measured on; a controlled harness returns virtual time.
  virtual TimePoint now() = 0;

  /// Around fork() in Process::start: the harness registers the new child as an actor.
  virtual void before_fork() {}
  virtual void after_fork_in_child() {}
  virtual void after_fork_in_parent(pid_t /*child*/) {}
  /// A Process child is about to exit with `exit_code`, its target having returned or thrown.
  virtual void before_exit(int /*exit_code*/) {}
  /// Process::terminate or kill sent `signal_number` to `child`, which may now die at any moment;
  /// or a process is about to kill itself (child == its own pid). A harness counts such a death
  /// as the program's doing, not a crash.
  virtual void after_signal(pid_t /*child*/, int /*signal_number*/) {}
};

/// Installs `hooks` for this process and every process it forks afterwards (nullptr removes
/// them). Not synchronised with running primitives: install before starting actors. The caller
/// keeps `hooks` alive while installed.
void install(Hooks* hooks) noexcept;

namespace detail {
inline std::atomic<Hooks*> installed_hooks{nullptr};
inline Hooks* hooks() noexcept {
  return installed_hooks.load(std::memory_order_relaxed);
}
}  // namespace detail

/// The installed hooks, or nullptr.
inline Hooks* installed() noexcept {
  return detail::hooks();
}

inline void invoke(const SyncPoint& point) {
  if (Hooks* hooks = detail::hooks()) [[unlikely]]
    hooks->invoke(point);
}

inline void returned(const SyncPoint& point, std::int64_t result) {
  if (Hooks* hooks = detail::hooks()) [[unlikely]]
    hooks->returned(point, result);
}

/// nullopt means "no harness decided: block in the kernel until the deadline".
inline std::optional<WaitResult> wait(const SyncPoint& point, Deadline deadline) {
  if (Hooks* hooks = detail::hooks()) [[unlikely]]
    return hooks->wait(point, deadline);
  return std::nullopt;
}

inline void notify(const SyncObject& object) {
  if (Hooks* hooks = detail::hooks()) [[unlikely]]
    hooks->notify(object);
}

inline TimePoint now() {
  if (Hooks* hooks = detail::hooks()) [[unlikely]]
    return hooks->now();
  return Clock::now();
}

inline void before_fork() {
  if (Hooks* hooks = detail::hooks()) [[unlikely]]
    hooks->before_fork();
}

inline void after_fork_in_child() {
  if (Hooks* hooks = detail::hooks()) [[unlikely]]
    hooks->after_fork_in_child();
}

inline void after_fork_in_parent(pid_t child) {
  if (Hooks* hooks = detail::hooks()) [[unlikely]]
    hooks->after_fork_in_parent(child);
}

inline void before_exit(int exit_code) {
  if (Hooks* hooks = detail::hooks()) [[unlikely]]
    hooks->before_exit(exit_code);
}

inline void after_signal(pid_t child, int signal_number) {
  if (Hooks* hooks = detail::hooks()) [[unlikely]]
    hooks->after_signal(child, signal_number);
}

}  // namespace ipcprop::sync
