#include "harness/supervisor/actor_group.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "primitives/errors.h"

namespace ipcprop::harness::detail {

std::string Ending::describe() const {
  if (!killed_by_signal) return fmt::format("exited with code {}", code_or_signal);
  const char* name = sigabbrev_np(code_or_signal);
  return fmt::format("was killed by signal {} (SIG{})", code_or_signal,
                     name != nullptr ? name : "?");
}

ActorGroup::~ActorGroup() {
  kill_and_clean_up();
}

pid_t ActorGroup::fork_root_actor() {
  const pid_t pid = check_call(::fork(), "fork", "root actor");
  if (pid == 0) {
    // Both sides set the group, so it is in place whichever runs first.
    ::setpgid(0, group_);
    return 0;
  }
  if (group_ == 0) group_ = pid;
  // EACCES: the child already exec'd; ESRCH: it already exited. Neither matters here.
  if (::setpgid(pid, group_) == -1 && errno != EACCES && errno != ESRCH) {
    throw_system_error("setpgid", "root actor");
  }
  if (!watch(pid)) throw SystemError("pidfd_open", ESRCH, "root actor");
  return pid;
}

bool ActorGroup::watch(pid_t pid) {
  every_pid_.push_back(pid);
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd == -1) {
    if (errno == ESRCH) return false;
    throw_system_error("pidfd_open", fmt::format("actor process {}", pid));
  }
  pids_.push_back(pid);
  pidfds_.push_back(pidfd);
  return true;
}

bool ActorGroup::watched(pid_t pid) const noexcept {
  return std::find(every_pid_.begin(), every_pid_.end(), pid) != every_pid_.end();
}

std::optional<std::vector<pid_t>> ActorGroup::wait_for_endings(int attention_fd,
                                                               std::chrono::milliseconds timeout) {
  std::vector<pollfd> watched{{attention_fd, POLLIN, 0}};
  for (const int pidfd : pidfds_) watched.push_back({pidfd, POLLIN, 0});
  const int ready = ::poll(watched.data(), watched.size(),
                           static_cast<int>(std::clamp<std::int64_t>(timeout.count(), 0, 60'000)));
  if (ready == -1 && errno == EINTR) return std::vector<pid_t>{};
  check_call(ready, "poll", "supervisor");
  if (ready == 0) return std::nullopt;
  if (watched[0].revents != 0) {
    std::uint64_t count = 0;
    check_call(::read(attention_fd, &count, sizeof count), "read", "supervisor eventfd");
  }
  std::vector<pid_t> ended;
  // Last to first, so that erasing one does not shift the rest.
  for (std::size_t index = watched.size() - 1; index > 0; --index) {
    if (watched[index].revents == 0) continue;
    ended.push_back(pids_[index - 1]);
    ::close(pidfds_[index - 1]);
    pidfds_.erase(pidfds_.begin() + static_cast<std::ptrdiff_t>(index - 1));
    pids_.erase(pids_.begin() + static_cast<std::ptrdiff_t>(index - 1));
  }
  return ended;
}

std::optional<Ending> ActorGroup::ending_of(pid_t pid) {
  // Our own child: ask without reaping, so its pid (and the group id) stays reserved.
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
    if (info.si_pid == 0) return std::nullopt;
    if (info.si_code == CLD_EXITED) return Ending{false, info.si_status};
    return Ending{true, info.si_status};
  }
  // Another actor's child: a zombie still shows its wait status in /proc/<pid>/stat, field 52.
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string field;
  for (int index = 3; index <= 52 && fields >> field; ++index) {
    if (index == 3 && field != "Z" && field != "X") return std::nullopt;  // Still running.
  }
  const int status = std::stoi(field);
  if (WIFSIGNALED(status)) return Ending{true, WTERMSIG(status)};
  return Ending{false, WEXITSTATUS(status)};
}

void ActorGroup::kill_and_clean_up() noexcept {
  if (group_ != 0) ::kill(-group_, SIGKILL);
  for (const pid_t pid : every_pid_) ::kill(pid, SIGKILL);
  for (const int pidfd : pidfds_) ::close(pidfd);
  pidfds_.clear();
  pids_.clear();
  // As a subreaper we inherit every orphan: reap until no child is left.
  int status = 0;
  while (::waitpid(-1, &status, 0) != -1 || errno == EINTR) {
  }
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/dev/shm", error)) {
    const std::string name = entry.path().filename();
    for (const pid_t pid : every_pid_) {
      if (name.starts_with(fmt::format("ipcprop.{}.", pid))) {
        std::filesystem::remove(entry.path(), error);
      }
    }
  }
  every_pid_.clear();
  group_ = 0;
}

}  // namespace ipcprop::harness::detail
