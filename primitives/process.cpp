#include "primitives/process.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <exception>
#include <mutex>

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "primitives/detail/kernel_time.h"
#include "primitives/errors.h"

namespace ipcprop {
namespace {

std::string default_name() {
  static std::atomic<unsigned> created{0};
  return fmt::format("Process-{}", created.fetch_add(1) + 1);
}

/// Python's convention: the exit status, or -N for death by signal N.
int exit_code_from_status(int status) {
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return WEXITSTATUS(status);
}

/// Blocks until `fd` is readable or the deadline passes; true iff readable.
bool wait_readable(int fd, sync::Deadline deadline, std::string_view object) {
  for (;;) {
    pollfd entry{.fd = fd, .events = POLLIN, .revents = 0};
    timespec left{};
    const bool finite = detail::time_left(deadline, left);
    const int ready = ::ppoll(&entry, 1, finite ? &left : nullptr, nullptr);
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) throw_system_error("ppoll", object);
  }
}

void reap_blocking(pid_t pid) noexcept {
  int status = 0;
  while (::waitpid(pid, &status, 0) == -1 && errno == EINTR) {
  }
}

}  // namespace

Process::Process(Body body, std::string name)
    : body_(std::move(body)), name_(name.empty() ? default_name() : std::move(name)) {}

Process::Process(Process&& other) noexcept
    : body_(std::move(other.body_)),
      name_(std::move(other.name_)),
      pid_(std::exchange(other.pid_, 0)),
      parent_pid_(std::exchange(other.parent_pid_, 0)),
      pidfd_(std::move(other.pidfd_)),
      exit_code_(std::exchange(other.exit_code_, std::nullopt)) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    discard_child();
    body_ = std::move(other.body_);
    name_ = std::move(other.name_);
    pid_ = std::exchange(other.pid_, 0);
    parent_pid_ = std::exchange(other.parent_pid_, 0);
    pidfd_ = std::move(other.pidfd_);
    exit_code_ = std::exchange(other.exit_code_, std::nullopt);
  }
  return *this;
}

Process::~Process() {
  discard_child();
}

void Process::discard_child() noexcept {
  if (pid_ == 0 || exit_code_.has_value() || parent_pid_ != ::getpid()) return;
  // Still running or not yet reaped: end it so that no zombie or orphan outlives this object.
  // kill() cannot fail on an unreaped child of ours, and there is nothing to do if it did.
  ::kill(pid_, SIGKILL);
  // A harness must see this death as one its parent caused, as with kill().
  sync::after_signal(pid_, SIGKILL);
  reap_blocking(pid_);
  exit_code_ = -SIGKILL;
}

sync::SyncObject Process::sync_object() const noexcept {
  return {"Process", static_cast<std::uintptr_t>(pid_)};
}

std::optional<pid_t> Process::pid() const noexcept {
  if (pid_ == 0) return std::nullopt;
  return pid_;
}

void Process::start() {
  if (pid_ != 0) {
    throw UsageError(fmt::format(
        "Process::start: {} was already started (pid {}); a process starts once", name_, pid_));
  }
  const sync::SyncPoint point{"Process::start", sync_object()};
  sync::invoke(point);
  // Buffered output would otherwise be written twice, once by each process. A failed flush
  // (stdout closed) is the caller's business and must not stop the fork.
  std::fflush(nullptr);
  sync::before_fork();
  const pid_t child = ::fork();
  if (child == -1) throw_system_error("fork", name_);
  if (child == 0) {
    // The child's copy of this object now describes the child itself, so that a target that
    // reaches it can tell it is the process it would join.
    pid_ = ::getpid();
    parent_pid_ = ::getppid();
    run_child();
  }
  pid_ = child;
  parent_pid_ = ::getpid();
  // Through syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C" and cannot link from C++.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
  if (pidfd == -1) {
    const int error = errno;
    ::kill(child, SIGKILL);
    reap_blocking(child);
    pid_ = 0;
    throw SystemError("pidfd_open", error, name_);
  }
  pidfd_ = detail::FileDescriptor(pidfd);
  sync::after_fork_in_parent(child);
  sync::returned(point, 1);  // Not the pid: histories must not depend on pids.
}

void Process::run_child() {
  sync::after_fork_in_child();
  int exit_code = 1;
  try {
    exit_code = body_();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s (pid %d): uncaught exception: %s\n", name_.c_str(), ::getpid(),
                 error.what());
  } catch (...) {
    std::fprintf(stderr, "%s (pid %d): uncaught exception of unknown type\n", name_.c_str(),
                 ::getpid());
  }
  sync::before_exit(exit_code);
  std::fflush(nullptr);
  ::_exit(exit_code);
}

void Process::require_child_of_caller(std::string_view operation) const {
  if (pid_ == 0) {
    throw UsageError(fmt::format("{}: {} has not been started", operation, name_));
  }
  if (pid_ == ::getpid()) {
    throw UsageError(fmt::format("{}: {} is the calling process itself", operation, name_));
  }
  if (parent_pid_ != ::getpid()) {
    throw UsageError(fmt::format(
        "{}: {} (pid {}) is a child of process {}, not of the caller (process {}); only the "
        "process that started it may wait for or signal it",
        operation, name_, pid_, parent_pid_, ::getpid()));
  }
}

bool Process::reap_if_exited() {
  const std::lock_guard lock(mutex_);
  return reap_if_exited_locked();
}

bool Process::reap_if_exited_locked() {
  // Only here, under mutex_, is the child reaped: two threads never both wait for it, so
  // neither gets ECHILD, and exit_code_ is set in the same step.
  if (exit_code_.has_value()) return true;
  int status = 0;
  const pid_t reaped = ::waitpid(pid_, &status, WNOHANG);
  if (reaped == 0) return false;
  if (reaped == -1) throw_system_error("waitpid", describe(sync_object()));
  exit_code_ = exit_code_from_status(status);
  // A thread blocked on the pidfd still uses it; the last one to leave closes it.
  if (pidfd_waiters_ == 0) pidfd_.close();
  return true;
}

bool Process::wait_for_exit(sync::Deadline deadline) {
  int fd = -1;
  {
    const std::lock_guard lock(mutex_);
    if (exit_code_.has_value()) return true;
    fd = pidfd_.get();
    ++pidfd_waiters_;
  }
  // The pidfd becomes readable when the child exits, and stays so after it is reaped.
  bool readable = false;
  try {
    readable = wait_readable(fd, deadline, describe(sync_object()));
  } catch (...) {
    stop_waiting_on_pidfd();
    throw;
  }
  stop_waiting_on_pidfd();
  return readable;
}

void Process::stop_waiting_on_pidfd() {
  const std::lock_guard lock(mutex_);
  if (--pidfd_waiters_ == 0 && exit_code_.has_value()) pidfd_.close();
}

void Process::join() {
  // A forever deadline returns only once the child has exited.
  static_cast<void>(join_until(sync::Deadline::forever(), sync::Timeout::max()));
}

bool Process::join(sync::Timeout timeout) {
  return join_until(sync::Deadline::after(timeout), timeout);
}

bool Process::join_until(sync::Deadline deadline, sync::Timeout timeout_argument) {
  require_child_of_caller("Process::join");
  const sync::SyncPoint point{"Process::join", sync_object(), timeout_argument.count()};
  sync::invoke(point);
  for (;;) {
    if (reap_if_exited()) break;
    if (const auto waited = sync::wait(point, deadline)) {
      if (*waited == sync::WaitResult::TimedOut) break;
      continue;
    }
    if (!wait_for_exit(deadline)) break;
  }
  const bool exited = reap_if_exited();
  sync::returned(point, exited ? 1 : 0);
  return exited;
}

bool Process::is_alive() {
  if (pid_ == 0) return false;
  if (pid_ == ::getpid()) return true;
  require_child_of_caller("Process::is_alive");
  const sync::SyncPoint point{"Process::is_alive", sync_object()};
  sync::invoke(point);
  const bool alive = !reap_if_exited();
  sync::returned(point, alive ? 1 : 0);
  return alive;
}

std::optional<int> Process::exitcode() {
  if (pid_ == 0) return std::nullopt;
  require_child_of_caller("Process::exitcode");
  const sync::SyncPoint point{"Process::exitcode", sync_object()};
  sync::invoke(point);
  std::optional<int> exit_code;
  {
    const std::lock_guard lock(mutex_);
    reap_if_exited_locked();
    exit_code = exit_code_;
  }
  sync::returned(point, exit_code.value_or(0));
  return exit_code;
}

void Process::terminate() {
  send_signal("Process::terminate", SIGTERM);
}

void Process::kill() {
  send_signal("Process::kill", SIGKILL);
}

void Process::send_signal(std::string_view operation, int signal_number) {
  require_child_of_caller(operation);
  const sync::SyncPoint point{operation, sync_object(), signal_number};
  sync::invoke(point);
  bool sent = false;
  {
    // A reaped child's pid may belong to someone else by now: never signal it. Holding mutex_
    // keeps another thread from reaping between the check and the kill.
    const std::lock_guard lock(mutex_);
    if (!exit_code_.has_value()) {
      check_call(::kill(pid_, signal_number), "kill", describe(point.object));
      sent = true;
    }
  }
  if (sent) sync::after_signal(pid_, signal_number);
  sync::returned(point, 1);
}

}  // namespace ipcprop
