// ipcprop — bench/kill_campaign/process_support.h
//
// The campaign's system helpers: time, file descriptors and pidfds, futex words in shared
// memory, /proc, and the signal handling that lets a campaign process be interrupted. Every call
// is checked; failures are SystemError naming call and errno.
//
// Interruption: the campaign processes (the main one and each job) keep SIGINT, SIGTERM and
// SIGHUP blocked and wait only in wait_for() (ppoll() with them unblocked), so a signal is never
// missed between a check and a wait. Participants restore the original mask and default actions.
#pragma once

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <poll.h>
#include <sys/types.h>
#include <unistd.h>

namespace ipcprop::campaign {

/// CLOCK_MONOTONIC in nanoseconds: the time scale of every deadline and record.
std::int64_t now_ns();

/// sched_yield(), checked.
void yield_cpu();

/// Sleeps `ns` (participants only: the campaign process waits through ppoll, see wait_for).
void nap(std::int64_t ns);

/// A file descriptor closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  void reset() noexcept {
    if (fd_ >= 0 && ::close(std::exchange(fd_, -1)) == -1) {
      std::fprintf(stderr, "kill_campaign: close: %s\n", std::strerror(errno));
    }
  }

 private:
  int fd_ = -1;
};

/// A pidfd for `pid`: the campaign waits for and kills its processes through these, so a pid
/// that was reused cannot be hit.
UniqueFd open_pidfd(pid_t pid);

/// SIGKILLs the process behind `pidfd`; false if it was already gone (ESRCH).
bool kill_through(int pidfd);

/// Whether `fd` is readable without waiting (for a pidfd: the process has exited).
bool readable_now(int fd);

/// Wakes every process waiting on `word` (a futex word in shared memory).
void futex_wake(std::atomic<std::uint32_t>& word);

/// Blocks until word >= value (participants).
void wait_at_least(std::atomic<std::uint32_t>& word, std::uint32_t value);

/// The contents of a /proc file for a hang report, or why it could not be read.
std::string read_proc(const std::string& path);

/// Process ids whose parent is `parent` (zombies included), from /proc/<pid>/stat.
std::vector<pid_t> children_of(pid_t parent);

/// The file descriptors open in this process, for the leak check.
std::set<int> open_fds();

/// The /dev/shm entries named "ipcprop.*", for the leak check.
std::set<std::string> shm_entries();

/// Thrown by wait_for() once a stop signal (SIGINT, SIGTERM, SIGHUP) came.
struct Interrupted {};

/// In a campaign process: blocks the stop signals and records them when they come.
void install_signal_handling();

/// In a freshly forked participant: default actions, the original mask.
void restore_signals_in_child();

/// ppoll on `fds` until one is ready or `deadline` (now_ns() scale) passes; lets the stop signals
/// in and throws Interrupted if one came. Returns ppoll's count (0: the deadline passed).
int wait_for(std::vector<pollfd>& fds, std::int64_t deadline);

/// Sleeps `ns` in the campaign process: through wait_for(), so a stop signal ends it.
void campaign_sleep(std::int64_t ns);

/// Kills every child of this process (the campaign is a subreaper, so orphaned grandchildren
/// are among them) and reaps them all. Returns how many there were.
int kill_and_reap_children();

}  // namespace ipcprop::campaign
