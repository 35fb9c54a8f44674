// ipcprop — tools/run_command.h
//
// `ipcprop run`: runs the selected (property, primitive) pairs and prints a line for each as it
// finishes, the full report of each failure, and a summary in catalog order. With jobs > 1 the
// pairs run in the workers of an ipcprop::Pool, so a pair whose worker dies (a harness bug, a
// primitive that kills its host) becomes an error line instead of ending the run.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "properties/runner.h"
#include "tools/catalog.h"

namespace ipcprop::tools {

/// One property's run, as printed and as written to --junit.
struct PropertyRun {
  /// Error: the harness failed (or a replay diverged); Cut: the watchdog cut an execution.
  /// Skipped: not run (the total time budget was spent, or IPCPROP_REPLAY names another).
  enum Verdict : std::uint8_t { Passed, Failed, Skipped, Error, Cut };
  static constexpr std::size_t kVerdicts = 5;
  std::uint32_t index = 0;  ///< Into the selection.
  std::uint8_t verdict = Passed;
  std::int32_t executions = 0;
  double seconds = 0;
  std::string report;  ///< Failed, Cut: the report; Error: what went wrong.
  std::string token;   ///< Failed, Cut: the replay token.
  std::int32_t test_cases = 0;
  bool budget_spent = false;  ///< The per-property time budget ended it before every test case.

  template <class Archive>
  void serialize(Archive& archive) {
    archive(index, verdict, executions, seconds, report, token, test_cases, budget_spent);
  }
};

struct RunOptions {
  std::string property;                  ///< Only properties whose name contains this.
  std::optional<std::string> primitive;  ///< Only this primitive.
  std::size_t jobs = 1;                  ///< Pairs run at the same time.
  properties::SuiteOptions suite;
  /// For the whole run: a property starts only while some is left, and gets at most what is left
  /// as its own budget; those that could not start are Skipped.
  std::optional<std::chrono::seconds> total_time_budget;
  std::ostream* junit = nullptr;  ///< Where to write a JUnit XML report, if anywhere.
};

/// Returns the exit status: 0 all held, 1 a property failed, 3 none failed but some could not be
/// decided (harness errors, watchdog cuts).
int run_properties(const std::vector<const CatalogEntry*>& selected, const RunOptions& options,
                   std::ostream& out);

}  // namespace ipcprop::tools
