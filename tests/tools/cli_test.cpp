// The `ipcprop` command as a user meets it: list, run with a summary, replay from the token a
// failure printed, and one clear line with exit status 2 for every kind of bad input.
#include "tools/cli.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "primitives/lock.h"
#include "properties/lock_suite.h"
#include "properties/token.h"
#include "tests/properties/mutant_locks.h"
#include "tests/properties/undecidable_locks.h"
#include "tests/support/temp_file.h"
#include "tools/catalog.h"
#include "tools/junit_report.h"

namespace ipcprop::tools {
namespace {

struct Ran {
  int status = 0;
  std::string out;
  std::string err;
};

Ran ipcprop(std::vector<std::string_view> arguments,
            std::span<const CatalogEntry> entries = catalog()) {
  std::ostringstream out;
  std::ostringstream err;
  const int status = run_command_line(arguments, out, err, entries);
  return Ran{status, out.str(), err.str()};
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

/// The last word of the report: the token.
std::string token_in(const std::string& report) {
  const std::string marker = "ipcprop replay ";
  const std::size_t at = report.find(marker);
  if (at == std::string::npos) return {};
  const std::size_t start = at + marker.size();
  return report.substr(start, report.find('\n', start) - start);
}

void expect_bad_input(const Ran& ran, std::string_view says) {
  EXPECT_EQ(ran.status, kExitBadInput);
  EXPECT_TRUE(ran.out.empty()) << ran.out;
  EXPECT_EQ(ran.err.rfind("ipcprop: ", 0), 0u) << ran.err;
  EXPECT_EQ(std::count(ran.err.begin(), ran.err.end(), '\n'), 1) << "one line: " << ran.err;
  EXPECT_TRUE(contains(ran.err, says)) << ran.err;
}

TEST(Cli, ListNamesEveryBuiltInPropertyOncePerPrimitive) {
  const Ran ran = ipcprop({"list"});
  EXPECT_EQ(ran.status, kExitPassed);
  for (const CatalogEntry& entry : catalog()) {
    EXPECT_TRUE(contains(ran.out, entry.property)) << entry.property;
  }
  EXPECT_EQ(std::count(ran.out.begin(), ran.out.end(), '\n'), static_cast<long>(catalog().size()));
  for (const std::string_view primitive :
       {"Lock", "RLock", "Queue", "IpcpropPipe", "Process", "Pool"}) {
    EXPECT_TRUE(contains(ran.out, primitive)) << primitive;
  }
}

TEST(Cli, RunPrintsALinePerPropertyAndASummary) {
  const Ran ran = ipcprop({"run", "--primitive", "Queue", "--runs", "3", "--seed", "11"});
  EXPECT_EQ(ran.status, kExitPassed) << ran.out << ran.err;
  EXPECT_TRUE(contains(ran.out, "seed 11, 3 test cases each")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "pass  Queue        QueueProps.Linearizable")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "pass  Queue        QueueProps.ExactlyOnceInOrder")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "Summary: 2 properties in")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "2 passed, 0 failed")) << ran.out;
}

TEST(Cli, PropertyFilterMatchesPartOfTheName) {
  const Ran ran = ipcprop({"run", "--property", "Reentrant", "--runs", "2"});
  EXPECT_EQ(ran.status, kExitPassed) << ran.out << ran.err;
  EXPECT_TRUE(contains(ran.out, "Summary: 1 property in")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "RLockProps.ReentrantMutualExclusion")) << ran.out;
}

TEST(Cli, AFailureIsReportedSummarizedAndReplaysFromItsToken) {
  const std::vector<CatalogEntry> entries{
      catalog_entry<properties::lock_props::MutualExclusion, mutants::AdmitsTwoLock>(
          "AdmitsTwoLock")};
  const Ran ran = ipcprop({"run"}, entries);
  EXPECT_EQ(ran.status, kExitFailed);
  EXPECT_TRUE(contains(ran.out, "FAIL  AdmitsTwoLock")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "Broken: mutual exclusion")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "0 passed, 1 failed")) << ran.out;
  const std::string token = token_in(ran.out);
  ASSERT_FALSE(token.empty()) << ran.out;
  EXPECT_TRUE(contains(ran.out,
                       "  FAIL LockProps.MutualExclusion for AdmitsTwoLock: ipcprop "
                       "replay " +
                           token))
      << ran.out;

  const Ran replayed = ipcprop({"replay", token}, entries);
  EXPECT_EQ(replayed.status, kExitFailed);
  EXPECT_TRUE(contains(replayed.out, "Broken: mutual exclusion")) << replayed.out;
  EXPECT_EQ(token_in(replayed.out), token) << "the replay is the same execution";

  // A terminal may wrap a long token; the shell then passes it as several words.
  const Ran split = ipcprop({"replay", token.substr(0, 10), token.substr(10)}, entries);
  EXPECT_EQ(split.status, kExitFailed) << split.err;
}

TEST(Cli, AReplayThatNoLongerFollowsItsTokenSaysSoWithExitStatusFour) {
  const std::vector<CatalogEntry> entries{
      catalog_entry<properties::lock_props::MutualExclusion, mutants::AdmitsTwoLock>(
          "AdmitsTwoLock")};
  const Ran ran = ipcprop({"run"}, entries);
  ASSERT_EQ(ran.status, kExitFailed) << ran.out;
  properties::ReplayToken token = properties::decode_token(token_in(ran.out));
  ASSERT_GE(token.decisions.size(), 2u);
  token.decisions.resize(1);  // As if the lock now reached more sync points than it did.
  const Ran replayed = ipcprop({"replay", properties::encode_token(token)}, entries);
  EXPECT_EQ(replayed.status, kExitDiverged) << replayed.out;
  EXPECT_TRUE(contains(replayed.out, "did not follow the token")) << replayed.out;
  EXPECT_FALSE(contains(replayed.out, "Broken:")) << replayed.out;
}

TEST(Cli, JobsRunPropertiesInPoolWorkersAndTheirTokensReplay) {
  const std::vector<CatalogEntry> entries{
      catalog_entry<properties::lock_props::MutualExclusion, mutants::AdmitsTwoLock>(
          "AdmitsTwoLock"),
      catalog_entry<properties::lock_props::MutualExclusion, Lock>("Lock")};
  const Ran ran = ipcprop({"run", "--jobs", "2", "--runs", "30"}, entries);
  EXPECT_EQ(ran.status, kExitFailed);
  EXPECT_TRUE(contains(ran.out, "2 jobs")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "FAIL  AdmitsTwoLock")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "pass  Lock")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "1 passed, 1 failed")) << ran.out;
  const std::string token = token_in(ran.out);
  ASSERT_FALSE(token.empty()) << ran.out;
  EXPECT_EQ(ipcprop({"replay", token}, entries).status, kExitFailed) << "the token from a worker";
}

/// An entry whose run kills the process running it: a harness bug, as the command sees it.
CatalogEntry killing_its_worker(std::string_view primitive) {
  CatalogEntry entry = catalog_entry<properties::lock_props::MutualExclusion, Lock>(primitive);
  entry.run = [](const properties::SuiteOptions&) -> properties::PropertyResult {
    ::raise(SIGKILL);
    return {};
  };
  return entry;
}

TEST(Cli, APropertyWhoseWorkerDiesIsAnErrorAndTheOthersStillRun) {
  const std::vector<CatalogEntry> entries{
      killing_its_worker("SelfKillingLock"),
      catalog_entry<properties::lock_props::MutualExclusion, Lock>("Lock")};
  const Ran ran = ipcprop({"run", "--jobs", "2", "--runs", "3"}, entries);
  EXPECT_EQ(ran.status, kExitError) << ran.out;
  EXPECT_TRUE(contains(ran.out, "ERROR SelfKillingLock")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "killed by signal 9 (SIGKILL)")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "pass  Lock")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "1 passed, 0 failed, 1 could not run")) << ran.out;
}

std::string read_all(const std::string& path);

/// An entry for SpinningLock with a short watchdog, so that its one execution is cut quickly.
CatalogEntry spinning(std::string_view primitive) {
  CatalogEntry entry =
      catalog_entry<properties::lock_props::MutualExclusion, mutants::SpinningLock>(primitive);
  const auto short_watchdog = [](properties::SuiteOptions options) {
    options.execution.watchdog_limit = std::chrono::milliseconds(100);
    return options;
  };
  entry.run = [primitive, short_watchdog](const properties::SuiteOptions& options) {
    return properties::run_property<properties::lock_props::MutualExclusion, mutants::SpinningLock>(
        primitive, short_watchdog(options));
  };
  entry.replay = [short_watchdog](const properties::ReplayToken& token,
                                  const properties::SuiteOptions& options) {
    return properties::replay_property<properties::lock_props::MutualExclusion,
                                       mutants::SpinningLock>(token, short_watchdog(options));
  };
  return entry;
}

TEST(Cli, AWatchdogCutIsNotAFailureItIsNotDecidedWithExitStatusThree) {
  const std::vector<CatalogEntry> entries{
      spinning("SpinningLock"),
      catalog_entry<properties::lock_props::MutualExclusion, Lock>("Lock")};
  const testing::TempFile junit("junit");
  const Ran ran = ipcprop({"run", "--runs", "2", "--junit", junit.path()}, entries);
  EXPECT_EQ(ran.status, kExitError) << ran.out;
  EXPECT_TRUE(contains(ran.out, "CUT   SpinningLock")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "1 passed, 0 failed, 1 not decided (the watchdog cut")) << ran.out;
  const std::string token = token_in(ran.out);
  ASSERT_FALSE(token.empty()) << ran.out;
  EXPECT_TRUE(contains(ran.out,
                       "  CUT  LockProps.MutualExclusion for SpinningLock: ipcprop "
                       "replay " +
                           token))
      << ran.out;
  const std::string xml = read_all(junit.path());
  EXPECT_TRUE(contains(xml, "tests=\"2\" failures=\"0\" errors=\"1\"")) << xml;
  EXPECT_TRUE(
      contains(xml, "<error message=\"the watchdog cut an execution; ipcprop replay " + token))
      << xml;

  const Ran replayed = ipcprop({"replay", token}, entries);
  EXPECT_EQ(replayed.status, kExitError) << replayed.out;
  EXPECT_TRUE(contains(replayed.out, "the watchdog cut 1 execution")) << replayed.out;
}

TEST(Cli, OutOfFileDescriptorsIsAHarnessErrorNotAFailure) {
  const std::vector<CatalogEntry> entries{
      catalog_entry<properties::lock_props::MutualExclusion, mutants::OutOfDescriptorsLock>(
          "OutOfDescriptorsLock")};
  const Ran ran = ipcprop({"run"}, entries);
  EXPECT_EQ(ran.status, kExitError) << ran.out;
  EXPECT_TRUE(contains(ran.out, "ERROR OutOfDescriptorsLock")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "EMFILE")) << ran.out;
  EXPECT_FALSE(contains(ran.out, "FAIL")) << ran.out;
}

std::string read_all(const std::string& path) {
  std::ifstream file(path);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

TEST(Cli, JunitReportHasATestcasePerPropertyAndTheFailureWithItsReplayLine) {
  const std::vector<CatalogEntry> entries{
      catalog_entry<properties::lock_props::MutualExclusion, mutants::AdmitsTwoLock>(
          "AdmitsTwoLock"),
      catalog_entry<properties::lock_props::MutualExclusion, Lock>("Lock"),
      killing_its_worker("Broken<Lock>")};
  const testing::TempFile junit("junit");
  const Ran ran = ipcprop({"run", "--jobs", "2", "--runs", "30", "--junit", junit.path()}, entries);
  EXPECT_EQ(ran.status, kExitFailed) << ran.out;
  const std::string xml = read_all(junit.path());
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites ", 0), 0u) << xml;
  EXPECT_TRUE(contains(xml, "tests=\"3\" failures=\"1\" errors=\"1\" skipped=\"0\"")) << xml;
  EXPECT_TRUE(contains(xml, "<testsuite name=\"Broken&lt;Lock&gt;\" tests=\"1\"")) << xml;
  EXPECT_TRUE(contains(xml, "<testcase classname=\"Lock\" name=\"LockProps.MutualExclusion\""))
      << xml;
  const std::string token = token_in(ran.out);
  ASSERT_FALSE(token.empty()) << ran.out;
  EXPECT_TRUE(contains(xml, "<failure message=\"LockProps.MutualExclusion failed; ipcprop replay " +
                                token +
                                "\">Property LockProps.MutualExclusion failed for "
                                "AdmitsTwoLock"))
      << xml;
  EXPECT_TRUE(contains(xml, "<error message=\"the property could not run\">")) << xml;
  EXPECT_TRUE(contains(xml, "SIGKILL")) << xml;
  EXPECT_EQ(xml.find("Property LockProps.MutualExclusion failed for Lock"), std::string::npos);
}

TEST(Cli, XmlEscapingKeepsMarkupAndControlCharactersOut) {
  EXPECT_EQ(xml_escape("a<b>&\"c'\n\td\x01"), "a&lt;b&gt;&amp;&quot;c&apos;\n\td?");
}

TEST(Cli, BadInputGetsOneLineAndExitStatusTwo) {
  expect_bad_input(ipcprop({"frob"}), "unknown command 'frob'");
  expect_bad_input(ipcprop({"list", "extra"}), "list takes no arguments");
  expect_bad_input(ipcprop({"run", "--shards", "2"}), "unknown option '--shards'");
  expect_bad_input(ipcprop({"run", "--jobs", "0"}), "--jobs needs a whole number from 1 to 1024");
  expect_bad_input(ipcprop({"run", "--runs", "many"}), "--runs needs a whole number");
  expect_bad_input(ipcprop({"run", "--runs", "0"}), "--runs needs a whole number from 1 to");
  expect_bad_input(ipcprop({"run", "--seed", "-3"}), "--seed needs a whole number");
  expect_bad_input(ipcprop({"run", "--time-budget", "1.5"}), "--time-budget needs");
  // Huge values: refused, not overflowed into a budget already spent or an allocation.
  expect_bad_input(ipcprop({"run", "--runs", "2147483647"}),
                   "--runs needs a whole number from 1 to 100000000, not '2147483647'");
  expect_bad_input(ipcprop({"run", "--runs", "99999999999999999999"}), "--runs needs");
  expect_bad_input(ipcprop({"run", "--time-budget", "9223372037"}),
                   "--time-budget needs a whole number from 1 to 1000000");
  expect_bad_input(ipcprop({"run", "--total-time-budget", "0"}), "--total-time-budget needs");
  expect_bad_input(ipcprop({"run", "--jobs", "18446744073709551615"}), "--jobs needs");
  expect_bad_input(ipcprop({"run", "--seed"}), "--seed needs a value");
  expect_bad_input(ipcprop({"run", "stray"}), "unexpected argument 'stray'");
  expect_bad_input(ipcprop({"run", "--primitive", "Semaphore"}),
                   "no built-in primitive is named 'Semaphore' (see ipcprop list)");
  expect_bad_input(ipcprop({"run", "--primitive", "pool"}),
                   "no built-in primitive is named 'pool'; did you mean 'Pool'?");
  expect_bad_input(ipcprop({"run", "--primitive", "Queue", "--property", "Lock"}),
                   "no built-in property of Queue has 'Lock' in its name");
  expect_bad_input(ipcprop({"run", "--junit", "/nonexistent/dir/report.xml"}),
                   "cannot write the JUnit report to '/nonexistent/dir/report.xml'");
  expect_bad_input(ipcprop({"replay"}), "replay needs a token");
  expect_bad_input(ipcprop({"replay", "not-a-token"}), "cannot replay: malformed token");
  // A checksum that matches, over a workload that is not one of the property's.
  const std::string garbage = properties::encode_token(properties::ReplayToken{
      "LockProps.MutualExclusion", "Lock", {std::byte{1}, std::byte{2}, std::byte{3}}, 0, {}});
  expect_bad_input(ipcprop({"replay", garbage}),
                   "cannot replay: the token's workload is not one of LockProps.MutualExclusion");
  // A schedule longer than any execution, or naming an actor no execution has.
  properties::ReplayToken long_schedule{"LockProps.MutualExclusion", "Lock", {}, 0, {}};
  long_schedule.decisions.resize(9000, harness::Decision{0, 1, 0, true});
  expect_bad_input(ipcprop({"replay", properties::encode_token(long_schedule)}),
                   "malformed token: 9000 scheduling decisions, more than an execution can make");
  properties::ReplayToken far_actor{
      "LockProps.MutualExclusion", "Lock", {}, 0, {harness::Decision{0, 1, 65000, true}}};
  expect_bad_input(ipcprop({"replay", properties::encode_token(far_actor)}),
                   "a decision's chosen actor is 65000, out of range");
  // A workload that claims 2^28 actors in 8 bytes (800 MB of plans): refused before anything is
  // allocated for them.
  std::vector<std::byte> huge_count(8, std::byte{0});
  huge_count[3] = std::byte{0x10};
  std::vector<std::byte> queue_workload{std::byte{0}};  // maxsize, then the actors.
  queue_workload.insert(queue_workload.end(), huge_count.begin(), huge_count.end());
  const std::vector<properties::ReplayToken> claiming{
      {"LockProps.MutualExclusion", "Lock", huge_count, 0, {}},
      {"QueueProps.Linearizable", "Queue", queue_workload, 0, {}}};
  for (const properties::ReplayToken& token : claiming) {
    const std::string claims = properties::encode_token(token);
    const auto started = std::chrono::steady_clock::now();
    expect_bad_input(ipcprop({"replay", claims}), "a list of 268435456 elements where only");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
  }
}

TEST(Cli, TheTimeBudgetBoundsTheRunAndALineSaysWhenItCutAPropertyShort) {
  const std::vector<CatalogEntry> entries{
      catalog_entry<properties::lock_props::MutualExclusion, Lock>("Lock")};
  const testing::TempFile junit("junit");
  const auto started = std::chrono::steady_clock::now();
  const Ran ran = ipcprop(
      {"run", "--runs", "100000000", "--time-budget", "1", "--junit", junit.path()}, entries);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30))
      << "the rest of 100,000,000 test cases must cost next to nothing";
  EXPECT_EQ(ran.status, kExitPassed) << ran.out;
  EXPECT_TRUE(contains(ran.out, "(time budget spent after ")) << ran.out;
  EXPECT_TRUE(contains(ran.out, " of 100000000 test cases)")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "1 passed, 0 failed, 1 cut short by the time budget")) << ran.out;
  EXPECT_TRUE(contains(read_all(junit.path()), "<system-out>time budget spent after "));
}

TEST(Cli, PropertiesNotStartedWithinTheTotalTimeBudgetAreNotRun) {
  const std::vector<CatalogEntry> entries{
      catalog_entry<properties::lock_props::MutualExclusion, Lock>("Lock"),
      catalog_entry<properties::lock_props::ReleaseOnlyWhenHeld, Lock>("Lock")};
  const Ran ran =
      ipcprop({"run", "--runs", "100000000", "--total-time-budget", "1", "--jobs", "1"}, entries);
  EXPECT_EQ(ran.status, kExitPassed) << ran.out;
  EXPECT_TRUE(contains(ran.out, "skip  Lock         LockProps.ReleaseOnlyWhenHeld")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "(not run: the total time budget was spent)")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "1 passed, 0 failed, 1 skipped")) << ran.out;
}

TEST(Cli, AJunitReportThatCannotBeWrittenIsAnError) {
  const std::vector<CatalogEntry> entries{
      catalog_entry<properties::lock_props::MutualExclusion, Lock>("Lock")};
  const Ran ran = ipcprop({"run", "--runs", "1", "--junit", "/dev/full"}, entries);
  EXPECT_EQ(ran.status, kExitError) << ran.out << ran.err;
  EXPECT_TRUE(contains(ran.err, "could not write the JUnit report to '/dev/full'")) << ran.err;
  EXPECT_EQ(std::count(ran.err.begin(), ran.err.end(), '\n'), 1) << ran.err;
}

TEST(Cli, TokenOfAPrimitiveThatIsNotBuiltInPointsToTheTestBinary) {
  const std::string token =
      properties::encode_token({"LockProps.MutualExclusion", "MySpinLock", {}, 1, {}});
  expect_bad_input(ipcprop({"replay", token}), "IPCPROP_REPLAY=<token>");
}

TEST(Cli, NoArgumentsPrintsHelpAsAnErrorHelpAsAnAnswer) {
  const Ran bare = ipcprop({});
  EXPECT_EQ(bare.status, kExitBadInput);
  EXPECT_TRUE(contains(bare.err, "ipcprop run [options]")) << bare.err;
  const Ran help = ipcprop({"help"});
  EXPECT_EQ(help.status, kExitPassed);
  EXPECT_TRUE(contains(help.out, "ipcprop replay TOKEN")) << help.out;
}

}  // namespace
}  // namespace ipcprop::tools
