#include "tools/run_command.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "primitives/errors.h"
#include "primitives/pool.h"
#include "tools/cli.h"
#include "tools/junit_report.h"

namespace ipcprop::tools {
namespace {

using Clock = std::chrono::steady_clock;
using properties::PropertyResult;

PropertyRun::Verdict verdict_of(PropertyResult::Kind kind) {
  switch (kind) {
    case PropertyResult::Kind::Passed:
      return PropertyRun::Passed;
    case PropertyResult::Kind::Failed:
      return PropertyRun::Failed;
    case PropertyResult::Kind::Skipped:
      return PropertyRun::Skipped;
    case PropertyResult::Kind::Cut:
      return PropertyRun::Cut;
    case PropertyResult::Kind::Error:
    case PropertyResult::Kind::Diverged:
      break;
  }
  return PropertyRun::Error;
}

// What run_property_at() reads; set before any pool forks, so every worker sees them.
const std::vector<const CatalogEntry*>* selection = nullptr;
const properties::SuiteOptions* suite_options = nullptr;
std::optional<Clock::time_point> run_deadline;  ///< From RunOptions::total_time_budget.

PropertyRun run_property_at(std::uint32_t index) {
  const auto started = Clock::now();
  properties::SuiteOptions options = *suite_options;
  if (run_deadline) {
    if (started >= *run_deadline) {
      return PropertyRun{
          index, PropertyRun::Skipped, 0, 0, "not run: the total time budget was spent", "", 0,
          false};
    }
    // Rounded up: a property that ended just before the deadline would leave the next one
    // starting with nothing left.
    options.time_budget = std::min(
        options.time_budget, std::chrono::ceil<std::chrono::milliseconds>(*run_deadline - started));
  }
  const PropertyResult result = (*selection)[index]->run(options);
  return PropertyRun{index,
                     verdict_of(result.kind),
                     result.executions,
                     std::chrono::duration<double>(Clock::now() - started).count(),
                     result.report,
                     result.token,
                     result.test_cases,
                     result.budget_spent};
}

std::string count_of(std::size_t count, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", count, count == 1 ? one : many);
}

/// RapidCheck prints "Using configuration: seed=..." when it first reads its configuration; with
/// the seed this run uses in RC_PARAMS, that line tells the truth.
void show_seed_to_rapidcheck(std::uint64_t seed) {
  const char* current = std::getenv("RC_PARAMS");
  std::string params = current == nullptr ? "" : current;
  if (params.find("seed") != std::string::npos) return;
  params += fmt::format("{}seed={}", params.empty() ? "" : " ", seed);
  if (::setenv("RC_PARAMS", params.c_str(), 1) == -1) throw_system_error("setenv", "RC_PARAMS");
}

class Tally {
 public:
  Tally(const std::vector<const CatalogEntry*>& selected, int test_cases, std::ostream& out)
      : selected_(selected), test_cases_(test_cases), out_(out) {}

  void add(const PropertyRun& result) {
    const CatalogEntry& entry = *selected_[result.index];
    constexpr std::string_view kVerdicts[PropertyRun::kVerdicts] = {"pass", "FAIL", "skip", "ERROR",
                                                                    "CUT"};
    out_ << fmt::format("{:<5} {:<12} {:<40} {:>5} executions {:>7.2f} s",
                        kVerdicts[result.verdict], entry.primitive, entry.property,
                        result.executions, result.seconds);
    if (result.budget_spent) {
      out_ << fmt::format("  (time budget spent after {} of {} test cases)", result.test_cases,
                          test_cases_);
    } else if (result.verdict == PropertyRun::Skipped) {
      out_ << fmt::format("  ({})", result.report);
    }
    out_ << "\n";
    if (result.verdict != PropertyRun::Passed && result.verdict != PropertyRun::Skipped) {
      if (!result.report.empty()) out_ << result.report << "\n";
    }
    out_.flush();
    results_.emplace(result.index, result);
  }

  /// By index into the selection, so in catalog order.
  const std::map<std::uint32_t, PropertyRun>& results() const noexcept { return results_; }

  int summarize(double seconds) {
    std::size_t counts[PropertyRun::kVerdicts] = {};
    for (const auto& [index, result] : results_) ++counts[result.verdict];
    out_ << fmt::format("\nSummary: {} in {:.1f} s: {} passed, {} failed",
                        count_of(selected_.size(), "property", "properties"), seconds, counts[0],
                        counts[1]);
    if (counts[2] != 0) {
      out_ << fmt::format(", {} skipped", counts[2]);
    }
    const auto cut_short = std::count_if(results_.begin(), results_.end(), [](const auto& entry) {
      return entry.second.budget_spent;
    });
    if (cut_short != 0) {
      out_ << fmt::format(", {} cut short by the time budget", cut_short);
    }
    if (counts[3] != 0) out_ << fmt::format(", {} could not run (harness errors)", counts[3]);
    if (counts[4] != 0) {
      out_ << fmt::format(", {} not decided (the watchdog cut an execution)", counts[4]);
    }
    out_ << "\n";
    for (const auto& [index, result] : results_) {
      if (result.verdict != PropertyRun::Failed && result.verdict != PropertyRun::Cut) continue;
      out_ << fmt::format("  {} {} for {}: ipcprop replay {}\n",
                          result.verdict == PropertyRun::Failed ? "FAIL" : "CUT ",
                          selected_[index]->property, selected_[index]->primitive, result.token);
    }
    if (counts[PropertyRun::Failed] != 0) return kExitFailed;
    return counts[PropertyRun::Error] + counts[PropertyRun::Cut] != 0 ? kExitError : kExitPassed;
  }

 private:
  const std::vector<const CatalogEntry*>& selected_;
  int test_cases_;  ///< Asked for, per property.
  std::ostream& out_;
  std::map<std::uint32_t, PropertyRun> results_;  ///< By index: the summary keeps catalog order.
};

void run_in_pool(std::size_t jobs, Tally& tally) {
  std::vector<std::uint32_t> indices(selection->size());
  std::iota(indices.begin(), indices.end(), 0);
  Pool pool(jobs);
  auto results = pool.imap_unordered(&run_property_at, indices);
  for (;;) {
    try {
      const std::optional<PropertyRun> result = results.next();
      if (!result) break;
      tally.add(*result);
    } catch (const TaskFailed& error) {
      tally.add(PropertyRun{static_cast<std::uint32_t>(error.task()), PropertyRun::Error, 0, 0,
                            error.what(), ""});
    }
  }
  pool.close();
  pool.join();
}

}  // namespace

int run_properties(const std::vector<const CatalogEntry*>& selected, const RunOptions& options,
                   std::ostream& out) {
  show_seed_to_rapidcheck(options.suite.seed);  // Before RapidCheck reads its configuration.
  const rc::detail::TestParams params = properties::detail::test_params(options.suite);
  const std::size_t jobs = std::min(options.jobs, selected.size());
  out << fmt::format("ipcprop run: {}, seed {}, {} test cases each, {}\n",
                     count_of(selected.size(), "property", "properties"), params.seed,
                     params.maxSuccess, count_of(jobs, "job", "jobs"));
  out.flush();  // Before the pool forks: its workers would flush a copy of the buffer too.
  selection = &selected;
  suite_options = &options.suite;
  const auto started = Clock::now();
  if (options.total_time_budget) run_deadline = started + *options.total_time_budget;
  Tally tally(selected, params.maxSuccess, out);
  if (jobs <= 1) {
    for (std::uint32_t index = 0; index < selected.size(); ++index)
      tally.add(run_property_at(index));
  } else {
    run_in_pool(jobs, tally);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  const int status = tally.summarize(seconds);
  if (options.junit != nullptr) {
    std::vector<PropertyRun> runs;
    for (const auto& [index, run] : tally.results()) runs.push_back(run);
    write_junit(*options.junit, selected, runs, seconds);
  }
  return status;
}

}  // namespace ipcprop::tools
