// The main() of every ipcprop test binary: GoogleTest (with RapidCheck's flags read from
// RC_PARAMS as usual), plus the leak check after every test.
#include <cstdio>

#include <sys/prctl.h>

#include <gtest/gtest.h>

#include "tests/support/leak_check.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Orphaned grandchildren are re-parented to us, so the leak check sees them as children.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) == -1) {
    std::perror("prctl(PR_SET_CHILD_SUBREAPER)");
    return 2;
  }
  auto* leak_check = new ipcprop::testing::LeakCheckListener;  // Owned by GoogleTest.
  ::testing::UnitTest::GetInstance()->listeners().Append(leak_check);
  const int result = RUN_ALL_TESTS();
  if (leak_check->leaks_found()) {
    std::fprintf(stderr, "FAILED: a test left processes, descriptors or /dev/shm entries behind\n");
    return 1;
  }
  return result;
}
