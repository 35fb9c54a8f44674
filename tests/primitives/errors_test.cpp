#include "primitives/errors.h"

#include <cerrno>

#include <fcntl.h>

#include <gtest/gtest.h>

namespace ipcprop {
namespace {

TEST(SystemError, MessageNamesCallObjectAndErrno) {
  const SystemError error("futex_wait", EINTR, "Queue@0x10");
  EXPECT_STREQ(error.what(), "futex_wait on Queue@0x10: Interrupted system call (EINTR)");
  EXPECT_EQ(error.call(), "futex_wait");
  EXPECT_EQ(error.object(), "Queue@0x10");
  EXPECT_EQ(error.error_number(), EINTR);
  EXPECT_EQ(error.code(), std::error_code(EINTR, std::system_category()));
}

TEST(SystemError, MessageWithoutObjectNamesCallAndErrno) {
  const SystemError error("fork", EAGAIN);
  EXPECT_STREQ(error.what(), "fork: Resource temporarily unavailable (EAGAIN)");
}

TEST(SystemError, CheckCallThrowsWithTheCurrentErrno) {
  try {
    check_call(::open("/nonexistent/ipcprop", O_RDONLY), "open", "/nonexistent/ipcprop");
    FAIL() << "open of a missing file succeeded";
  } catch (const SystemError& error) {
    EXPECT_EQ(error.error_number(), ENOENT);
    EXPECT_EQ(error.call(), "open");
  }
}

TEST(SystemError, CheckCallPassesResultsThrough) {
  EXPECT_EQ(check_call(3, "dup"), 3);
}

TEST(OwnerDied, MessageSaysTheCallerHoldsTheLock) {
  const OwnerDied error("Lock@0x10", 4242);
  EXPECT_EQ(error.dead_owner_pid(), 4242);
  EXPECT_NE(std::string(error.what()).find("(process 4242) died"), std::string::npos)
      << error.what();
  EXPECT_NE(std::string(error.what()).find("the caller now holds the lock"), std::string::npos);
}

}  // namespace
}  // namespace ipcprop
