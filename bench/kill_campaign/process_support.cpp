// ipcprop — bench/kill_campaign/process_support.cpp
#include "bench/kill_campaign/process_support.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <climits>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include "primitives/errors.h"

namespace ipcprop::campaign {
namespace {

timespec to_timespec(std::int64_t ns) {
  ns = std::max<std::int64_t>(ns, 0);
  return timespec{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
}

}  // namespace

std::int64_t now_ns() {
  timespec now{};
  check_call(::clock_gettime(CLOCK_MONOTONIC, &now), "clock_gettime");
  return std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

void yield_cpu() {
  check_call(::sched_yield(), "sched_yield");
}

void nap(std::int64_t ns) {
  timespec left = to_timespec(ns);
  for (;;) {
    const int error = ::clock_nanosleep(CLOCK_MONOTONIC, 0, &left, &left);
    if (error == 0) return;
    if (error != EINTR) throw SystemError("clock_nanosleep", error);
  }
}

UniqueFd open_pidfd(pid_t pid) {
  // Through syscall(): glibc 2.36's <sys/pidfd.h> cannot be used from C++ (see process.cpp).
  return UniqueFd(static_cast<int>(
      check_call(::syscall(SYS_pidfd_open, pid, 0), "pidfd_open", fmt::format("pid {}", pid))));
}

bool kill_through(int pidfd) {
  if (::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0) == 0) return true;
  if (errno == ESRCH) return false;
  throw_system_error("pidfd_send_signal");
}

bool readable_now(int fd) {
  pollfd entry{fd, POLLIN, 0};
  return check_call(::poll(&entry, 1, 0), "poll") == 1;
}

namespace {

// Futex waits on words in shared memory (process-shared: no FUTEX_PRIVATE_FLAG).
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
              std::atomic<std::uint32_t>::is_always_lock_free);

std::uint32_t* futex_word(std::atomic<std::uint32_t>& word) {
  return reinterpret_cast<std::uint32_t*>(&word);
}

void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, std::int64_t ns) {
  const timespec timeout = to_timespec(ns);
  if (::syscall(SYS_futex, futex_word(word), FUTEX_WAIT, expected, &timeout, nullptr, 0) == -1 &&
      errno != EAGAIN && errno != EINTR && errno != ETIMEDOUT) {
    throw_system_error("futex(FUTEX_WAIT)");
  }
}

}  // namespace

void futex_wake(std::atomic<std::uint32_t>& word) {
  check_call(::syscall(SYS_futex, futex_word(word), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0),
             "futex(FUTEX_WAKE)");
}

void wait_at_least(std::atomic<std::uint32_t>& word, std::uint32_t value) {
  for (;;) {
    const std::uint32_t seen = word.load();
    if (seen >= value) return;
    futex_wait(word, seen, 100'000'000);
  }
}

std::string read_proc(const std::string& path) {
  std::ifstream file(path);
  if (!file) return fmt::format("(cannot open {}: {})", path, std::strerror(errno));
  std::stringstream text;
  text << file.rdbuf();
  std::string result = text.str();
  while (!result.empty() && (result.back() == '\n' || result.back() == '\0')) result.pop_back();
  return result.empty() ? std::string("(empty)") : result;
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename();
    pid_t pid = 0;
    const auto [end, status] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (status != std::errc() || end != name.data() + name.size()) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;  // Gone meanwhile.
    // Field 2, the command, may hold spaces but ends at the last ')'; then state, then ppid.
    std::istringstream rest(line.substr(line.rfind(')') + 1));
    char state = 0;
    pid_t ppid = 0;
    if ((rest >> state >> ppid) && ppid == parent) children.push_back(pid);
  }
  if (error) throw SystemError("opendir(/proc)", error.value());
  return children;
}

std::set<int> open_fds() {
  std::set<int> fds;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
    int fd = -1;
    const std::string name = entry.path().filename();
    std::from_chars(name.data(), name.data() + name.size(), fd);
    fds.insert(fd);
  }
  if (error) throw SystemError("opendir(/proc/self/fd)", error.value());
  // The directory stream's own descriptor was listed too; it is closed by now.
  std::erase_if(fds, [](int fd) { return ::fcntl(fd, F_GETFD) == -1; });
  return fds;
}

std::set<std::string> shm_entries() {
  std::set<std::string> entries;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/dev/shm", error)) {
    const std::string name = entry.path().filename();
    if (name.starts_with("ipcprop.")) entries.insert(name);
  }
  if (error) throw SystemError("opendir(/dev/shm)", error.value());
  return entries;
}

namespace {

// Interruption (see the header): the stop signal that came, and the masks a participant
// restores and wait_for() waits with.
volatile std::sig_atomic_t g_interrupted = 0;
sigset_t g_original_mask;
sigset_t g_wait_mask;  ///< The mask during ppoll(): the original one.
constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void on_stop_signal(int signal_number) {
  g_interrupted = signal_number;
}

void throw_if_interrupted() {
  if (g_interrupted != 0) throw Interrupted{};
}

}  // namespace

void install_signal_handling() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  check_call(::sigemptyset(&action.sa_mask), "sigemptyset");
  action.sa_flags = 0;  // No SA_RESTART: the wait returns EINTR.
  sigset_t blocked;
  check_call(::sigemptyset(&blocked), "sigemptyset");
  for (const int signal_number : kStopSignals) {
    check_call(::sigaction(signal_number, &action, nullptr), "sigaction");
    check_call(::sigaddset(&blocked, signal_number), "sigaddset");
  }
  const int error = ::pthread_sigmask(SIG_BLOCK, &blocked, &g_original_mask);
  if (error != 0) throw SystemError("pthread_sigmask", error);
  g_wait_mask = g_original_mask;
  for (const int signal_number : kStopSignals) {
    check_call(::sigdelset(&g_wait_mask, signal_number), "sigdelset");
  }
}

void restore_signals_in_child() {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  check_call(::sigemptyset(&action.sa_mask), "sigemptyset");
  for (const int signal_number : kStopSignals) {
    check_call(::sigaction(signal_number, &action, nullptr), "sigaction");
  }
  const int error = ::pthread_sigmask(SIG_SETMASK, &g_original_mask, nullptr);
  if (error != 0) throw SystemError("pthread_sigmask", error);
}

int wait_for(std::vector<pollfd>& fds, std::int64_t deadline) {
  for (;;) {
    throw_if_interrupted();
    const timespec left = to_timespec(deadline - now_ns());
    const bool forever = deadline == INT64_MAX;
    const int ready = ::ppoll(fds.empty() ? nullptr : fds.data(), fds.size(),
                              forever ? nullptr : &left, &g_wait_mask);
    if (ready >= 0) {
      if (ready > 0 || now_ns() >= deadline) return ready;
      continue;
    }
    if (errno != EINTR) throw_system_error("ppoll");
  }
}

void campaign_sleep(std::int64_t ns) {
  std::vector<pollfd> none;
  const std::int64_t deadline = now_ns() + ns;
  while (wait_for(none, deadline) != 0) {
  }
}

int kill_and_reap_children() {
  int count = 0;
  for (const pid_t child : children_of(::getpid())) {
    if (::kill(child, SIGKILL) == -1 && errno != ESRCH) throw_system_error("kill");
  }
  for (;;) {
    int status = 0;
    const pid_t reaped = ::waitpid(-1, &status, 0);
    if (reaped > 0) {
      ++count;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == ECHILD) return count;
    throw_system_error("waitpid");
  }
}

}  // namespace ipcprop::campaign
