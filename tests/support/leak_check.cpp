#include "tests/support/leak_check.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

namespace ipcprop::testing {
namespace {

namespace fs = std::filesystem;

std::set<int> list_open_fds() {
  std::set<int> fds;
  // The directory iterator's own descriptor shows up too; it is closed again by the time the
  // next snapshot is compared, so it is removed below by re-checking each entry.
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    int fd = -1;
    const std::string name = entry.path().filename();
    std::from_chars(name.data(), name.data() + name.size(), fd);
    fds.insert(fd);
  }
  std::erase_if(fds, [](int fd) { return ::fcntl(fd, F_GETFD) == -1; });
  return fds;
}

std::string describe_fd(int fd) {
  std::error_code error;
  const fs::path target = fs::read_symlink(fmt::format("/proc/self/fd/{}", fd), error);
  return error ? std::string("?") : target.string();
}

/// "ipcprop.<pid>.<n>" → pid, or 0.
pid_t shm_entry_creator(const std::string& name) {
  pid_t pid = 0;
  const auto first = name.find('.');
  if (first == std::string::npos) return 0;
  std::from_chars(name.data() + first + 1, name.data() + name.size(), pid);
  return pid;
}

bool process_exists(pid_t pid) {
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

std::set<std::string> list_shm_entries() {
  std::set<std::string> entries;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/dev/shm", error)) {
    const std::string name = entry.path().filename();
    if (name.starts_with("ipcprop.")) entries.insert(name);
  }
  return entries;
}

}  // namespace

ResourceSnapshot take_snapshot() {
  return {list_open_fds(), list_shm_entries()};
}

std::vector<pid_t> child_processes() {
  std::vector<pid_t> children;
  const pid_t self = ::getpid();
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    pid_t pid = 0;
    if (std::from_chars(name.data(), name.data() + name.size(), pid).ec != std::errc()) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;  // Gone meanwhile.
    // Field 4 is the parent pid; field 2, the command, may hold spaces but ends at the last ')'.
    std::istringstream rest(line.substr(line.rfind(')') + 1));
    char state = 0;
    pid_t parent = 0;
    rest >> state >> parent;
    if (parent == self) children.push_back(pid);
  }
  return children;
}

std::vector<std::string> leaks_since(const ResourceSnapshot& before) {
  std::vector<std::string> leaks;
  for (const pid_t child : child_processes()) {
    leaks.push_back(fmt::format("child process {} is still there (not reaped)", child));
  }
  const ResourceSnapshot now = take_snapshot();
  for (const int fd : now.open_fds) {
    if (!before.open_fds.contains(fd)) {
      leaks.push_back(fmt::format("file descriptor {} ({}) is still open", fd, describe_fd(fd)));
    }
  }
  for (const std::string& entry : now.shm_entries) {
    if (before.shm_entries.contains(entry)) continue;
    // Another test binary running in parallel may own a live entry; a dead creator's or our
    // own entry is a leak.
    const pid_t creator = shm_entry_creator(entry);
    if (creator == ::getpid() || !process_exists(creator)) {
      leaks.push_back(fmt::format("/dev/shm/{} was not removed", entry));
    }
  }
  return leaks;
}

void kill_leftover_children() {
  for (const pid_t child : child_processes()) {
    ::kill(child, SIGKILL);
    int status = 0;
    while (::waitpid(child, &status, 0) == -1 && errno == EINTR) {
    }
  }
}

void LeakCheckListener::OnTestStart(const ::testing::TestInfo&) {
  before_ = take_snapshot();
}

void LeakCheckListener::OnTestEnd(const ::testing::TestInfo& test) {
  const std::vector<std::string> leaks = leaks_since(before_);
  if (leaks.empty()) return;
  leaks_found_ = true;
  std::fprintf(stderr, "LEAK: %s.%s left behind:\n", test.test_suite_name(), test.name());
  for (const std::string& leak : leaks) std::fprintf(stderr, "  - %s\n", leak.c_str());
  kill_leftover_children();
}

}  // namespace ipcprop::testing
