// ipcprop — tests/support/leak_check.h
//
// What a test may leave behind, and how the test main catches it: child processes (zombies
// included; the test process is a child subreaper, so orphaned grandchildren count too), open
// file descriptors, and /dev/shm entries named "ipcprop.*". Every test binary's main installs
// LeakCheckListener, which snapshots before each test and compares after it.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <sys/types.h>

#include <gtest/gtest.h>

namespace ipcprop::testing {

struct ResourceSnapshot {
  std::set<int> open_fds;
  std::set<std::string> shm_entries;
};

ResourceSnapshot take_snapshot();

/// The process ids whose parent is the calling process, zombies included.
std::vector<pid_t> child_processes();

/// Describes everything present now that was not in `before`, one line each; empty if clean.
/// Children are always leaks: a test must reap every process it starts.
std::vector<std::string> leaks_since(const ResourceSnapshot& before);

/// Kills and reaps leftover children so a leaking test cannot hang or poison the next one.
void kill_leftover_children();

/// Fails the test binary (through leaks_found()) when a test leaves anything behind.
class LeakCheckListener : public ::testing::EmptyTestEventListener {
 public:
  void OnTestStart(const ::testing::TestInfo& test) override;
  void OnTestEnd(const ::testing::TestInfo& test) override;

  bool leaks_found() const noexcept { return leaks_found_; }

 private:
  ResourceSnapshot before_;
  bool leaks_found_ = false;
};

}  // namespace ipcprop::testing
