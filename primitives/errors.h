// ipcprop — primitives/errors.h
//
// The exception types every primitive throws. They split into three families:
//
//   SystemError  a system call failed: carries the call's name, errno and the object it acted on.
//   UsageError   the caller broke a documented rule (double start, release of an unheld lock).
//   OwnerDied    a process or thread died while holding a lock; the caller now holds it.
//
// A property *failure* (an invariant broken by a primitive under test) is never one of these;
// the harness reports failures on their own path.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace ipcprop {

/// A system call failed. `what()` reads "<call> on <object>: <strerror> (<errno name>)", e.g.
/// "futex_wait on Lock@0x7f..: Interrupted system call (EINTR)"; the object part is left out
/// when there is none. `code()` holds the errno in std::system_category().
class SystemError : public std::system_error {
 public:
  SystemError(std::string_view call, int error_number, std::string_view object = {});

  /// The failed call, e.g. "pthread_mutex_lock".
  const std::string& call() const noexcept { return call_; }
  /// What the call acted on, e.g. "Lock@0x7f12a000"; empty when nothing in particular.
  const std::string& object() const noexcept { return object_; }
  int error_number() const noexcept { return code().value(); }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
  std::string call_;
  std::string object_;
};

/// Throws SystemError for `call` with the current errno.
[[noreturn]] void throw_system_error(std::string_view call, std::string_view object = {});

/// Returns `result` unless it is -1, in which case throws SystemError with the current errno.
/// For the common "returns -1 and sets errno" convention.
template <typename Result>
Result check_call(Result result, std::string_view call, std::string_view object = {}) {
  if (result == Result(-1)) throw_system_error(call, object);
  return result;
}

/// The caller broke a rule of a primitive's contract; the message says which rule. The
/// primitive's state is unchanged.
class UsageError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// release() by a thread that does not hold the lock, or of a lock nobody holds (S5).
class NotOwner : public UsageError {
 public:
  using UsageError::UsageError;
};

/// The previous owner of a lock died while holding it. When this is thrown the *caller holds the
/// lock* (robust-mutex semantics): the data it guards may be half-updated, so repair it, then
/// release the lock as usual. The lock is fully usable again afterwards.
class OwnerDied : public std::runtime_error {
 public:
  OwnerDied(std::string_view lock, int dead_owner_pid);

  /// The process id of the owner that died, or 0 if it is not known.
  int dead_owner_pid() const noexcept { return dead_owner_pid_; }

 private:
  int dead_owner_pid_;
};

}  // namespace ipcprop
