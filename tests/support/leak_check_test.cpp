// The leak check must be able to fail: each kind of leftover is reported, then cleaned up.
#include "tests/support/leak_check.h"

#include <csignal>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace ipcprop::testing {
namespace {

bool mentions(const std::vector<std::string>& leaks, const std::string& text) {
  for (const std::string& leak : leaks) {
    if (leak.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(LeakCheck, ACleanTestReportsNothing) {
  const ResourceSnapshot before = take_snapshot();
  EXPECT_TRUE(leaks_since(before).empty());
}

TEST(LeakCheck, ReportsAnOpenFileDescriptor) {
  const ResourceSnapshot before = take_snapshot();
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(mentions(leaks_since(before), "/dev/null"));
  ::close(fd);
  EXPECT_TRUE(leaks_since(before).empty());
}

TEST(LeakCheck, ReportsAnUnreapedChildAndKillsIt) {
  const ResourceSnapshot before = take_snapshot();
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    for (;;) ::pause();
  }
  EXPECT_TRUE(mentions(leaks_since(before), fmt::format("child process {}", child)));
  kill_leftover_children();
  EXPECT_TRUE(child_processes().empty());
}

TEST(LeakCheck, ReportsAnOrphanedGrandchild) {
  // The test main made this process a subreaper: an orphan comes back to it.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::fork() == 0) {
      for (;;) ::pause();
    }
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  // The grandchild is re-parented to us when its parent exits, which has happened by now.
  EXPECT_EQ(child_processes().size(), 1u);
  kill_leftover_children();
  EXPECT_TRUE(child_processes().empty());
}

TEST(LeakCheck, ReportsAnIpcpropSharedMemoryEntry) {
  const ResourceSnapshot before = take_snapshot();
  const std::string name = fmt::format("/ipcprop.{}.leakcheck", ::getpid());
  const int fd = ::shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ::close(fd);
  EXPECT_TRUE(mentions(leaks_since(before), name.substr(1)));
  ::shm_unlink(name.c_str());
  EXPECT_TRUE(leaks_since(before).empty());
}

}  // namespace
}  // namespace ipcprop::testing
