// IPCPROP_REPLAY as a user gives it to a test binary: the binary that registered the token's
// property replays it and skips the rest; a damaged token is one failure before any test runs;
// a token of another binary is one failure at the end. Runs mutant_tests as a child process.
#include <cstdio>
#include <string>

#include <sys/wait.h>

#include <gtest/gtest.h>

#include "properties/lock_suite.h"
#include "properties/runner.h"
#include "tests/properties/mutant_locks.h"

namespace ipcprop::properties {
namespace {

struct Ran {
  int status = -1;
  std::string output;
};

/// Runs mutant_tests (all of it, unfiltered) with IPCPROP_REPLAY=token.
Ran mutant_tests_with(const std::string& token) {
  const std::string command = "IPCPROP_REPLAY='" + token + "' '" IPCPROP_MUTANT_TESTS "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen");
  Ran ran;
  char buffer[4096];
  while (const std::size_t got = std::fread(buffer, 1, sizeof buffer, pipe)) {
    ran.output.append(buffer, got);
  }
  const int status = ::pclose(pipe);
  ran.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

std::size_t count(const std::string& text, std::string_view part) {
  std::size_t found = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++found;
  return found;
}

/// A token that mutant_tests registers: its ReleaseByAnyone test replays it.
std::string mutant_token() {
  return run_property<lock_props::ReleaseOnlyWhenHeld, mutants::AnyoneMayReleaseLock>(
             "AnyoneMayReleaseLock")
      .token;
}

TEST(ReplayEnvironment, TheBinaryThatRegisteredTheTokenReplaysItAndSkipsTheRest) {
  const std::string token = mutant_token();
  ASSERT_FALSE(token.empty());
  const Ran ran = mutant_tests_with(token);
  EXPECT_EQ(ran.status, 0) << ran.output;
  EXPECT_EQ(count(ran.output, "[       OK ] LockMutants.ReleaseByAnyoneIsCaught"), 1u)
      << ran.output;
  EXPECT_GE(count(ran.output, "[  SKIPPED ] PoolMutants."), 1u) << ran.output;
}

TEST(ReplayEnvironment, ADamagedTokenIsOneFailureAndNoTestRuns) {
  std::string token = mutant_token();
  ASSERT_FALSE(token.empty());
  token[token.size() / 2] = token[token.size() / 2] == 'A' ? 'B' : 'A';
  const Ran ran = mutant_tests_with(token);
  EXPECT_NE(ran.status, 0) << ran.output;
  EXPECT_EQ(count(ran.output, "IPCPROP_REPLAY: malformed token"), 1u) << ran.output;
  EXPECT_EQ(count(ran.output, "[       OK ] LockMutants."), 0u) << ran.output;
}

TEST(ReplayEnvironment, ATokenNoTestOfTheBinaryRegistersIsOneFailure) {
  const std::string token = encode_token(ReplayToken{"LockProps.MutualExclusion",
                                                     "NotInThisBinary",
                                                     codec::encode(lock_props::Workload{}),
                                                     0,
                                                     {}});
  const Ran ran = mutant_tests_with(token);
  EXPECT_NE(ran.status, 0) << ran.output;
  EXPECT_EQ(count(ran.output,
                  "IPCPROP_REPLAY names LockProps.MutualExclusion for NotInThisBinary, "
                  "which no test of this binary registers"),
            1u)
      << ran.output;
}

}  // namespace
}  // namespace ipcprop::properties
