#include "tools/cli.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <fstream>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <sched.h>

#include <fmt/format.h>

#include "primitives/codec.h"
#include "properties/token.h"
#include "tools/catalog.h"
#include "tools/run_command.h"

namespace ipcprop::tools {
namespace {

/// More than ctest's 30: the command is where time goes to fuzzing.
constexpr int kDefaultRuns = 100;
using properties::PropertyResult;
using properties::SuiteOptions;

constexpr std::string_view kHelp =
    R"(ipcprop: property-based testing of inter-process primitives

  ipcprop list                 every built-in property and the primitive it runs against
  ipcprop run [options]        fuzz them all: a line per property, the report of each
                               failure, a summary; exit status 1 if any property failed
      --property TEXT          only properties whose name contains TEXT (e.g. LockProps, Pool)
      --primitive NAME         only this primitive (a name from `ipcprop list`)
      --seed N                 RapidCheck's seed (default 20261125, so runs repeat)
      --runs N                 test cases per property (default 100)
      --jobs N                 properties run at the same time, each in a worker process of
                               an ipcprop::Pool (default: the CPUs this process may use)
      --time-budget SECONDS    per property; once spent no further test case runs, and
                               the line says so (default 20)
      --total-time-budget SECONDS  for the whole run: properties not started by then are not
                               run, and none runs past it
      --junit FILE             also write the results as JUnit XML (for CI systems)
  ipcprop replay TOKEN         run again, exactly, the execution a failure report names
                               (its last line); exit status 1 if it fails again, 4 if the
                               program no longer follows the token (it changed since)
  ipcprop help                 this text

RC_PARAMS (RapidCheck's parameters) applies as in the test binaries and wins over --seed and
--runs. Bad input gets one line and exit status 2. A property that could not be decided (ERROR:
the harness could not run an execution; CUT: the watchdog stopped one) gives exit status 3 when
no property failed.
)";

/// Bad input: one line for the user, exit status 2.
struct BadInput {
  std::string message;
};

std::size_t default_jobs() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (::sched_getaffinity(0, sizeof cpus, &cpus) == -1) return 1;
  return static_cast<std::size_t>(std::max(1, CPU_COUNT(&cpus)));
}

/// Test cases per property: RapidCheck multiplies this by its discard ratio (10) in an int.
constexpr int kMaxRuns = 100'000'000;
/// Seconds, for either budget: about 11 days, far from overflowing any clock arithmetic.
constexpr std::int64_t kMaxBudgetSeconds = 1'000'000;
/// Properties run at once: more than the catalog holds is pointless.
constexpr std::size_t kMaxJobs = 1024;

template <typename Number>
Number parse_number(std::string_view option, std::string_view text, Number smallest,
                    Number largest) {
  Number value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < smallest ||
      value > largest) {
    throw BadInput{fmt::format("{} needs a whole number from {} to {}, not '{}'", option, smallest,
                               largest, text)};
  }
  return value;
}

struct ParsedRun {
  RunOptions options;
  std::optional<std::string> junit_path;
};

ParsedRun parse_run_options(std::span<const std::string_view> arguments) {
  ParsedRun parsed;
  RunOptions& options = parsed.options;
  options.suite.test_cases = kDefaultRuns;
  options.jobs = default_jobs();
  for (std::size_t index = 0; index < arguments.size(); ++index) {
    const std::string_view option = arguments[index];
    if (index + 1 == arguments.size()) {
      if (option.starts_with("--")) throw BadInput{fmt::format("{} needs a value", option)};
      throw BadInput{fmt::format("unexpected argument '{}' (see ipcprop help)", option)};
    }
    const std::string_view value = arguments[++index];
    if (option == "--property") {
      options.property = value;
    } else if (option == "--primitive") {
      options.primitive = std::string(value);
    } else if (option == "--seed") {
      options.suite.seed =
          parse_number<std::uint64_t>(option, value, 0, std::numeric_limits<std::uint64_t>::max());
    } else if (option == "--runs") {
      options.suite.test_cases = parse_number<int>(option, value, 1, kMaxRuns);
    } else if (option == "--jobs") {
      options.jobs = parse_number<std::size_t>(option, value, 1, kMaxJobs);
    } else if (option == "--junit") {
      parsed.junit_path = std::string(value);
    } else if (option == "--time-budget") {
      options.suite.time_budget =
          std::chrono::seconds(parse_number<std::int64_t>(option, value, 1, kMaxBudgetSeconds));
    } else if (option == "--total-time-budget") {
      options.total_time_budget =
          std::chrono::seconds(parse_number<std::int64_t>(option, value, 1, kMaxBudgetSeconds));
    } else {
      throw BadInput{fmt::format("unknown option '{}' for run (see ipcprop help)", option)};
    }
  }
  return parsed;
}

bool known_primitive(std::span<const CatalogEntry> entries, std::string_view name) {
  for (const CatalogEntry& entry : entries) {
    if (entry.primitive == name) return true;
  }
  return false;
}

/// "; did you mean 'Pool'?" when `name` differs from a primitive's name only in case.
std::string suggestion(std::span<const CatalogEntry> entries, std::string_view name) {
  const auto lower = [](std::string_view text) {
    std::string lowered(text);
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lowered;
  };
  for (const CatalogEntry& entry : entries) {
    if (lower(entry.primitive) == lower(name)) {
      return fmt::format("; did you mean '{}'?", entry.primitive);
    }
  }
  return " (see ipcprop list)";
}

std::vector<const CatalogEntry*> select(std::span<const CatalogEntry> entries,
                                        const RunOptions& options) {
  if (options.primitive && !known_primitive(entries, *options.primitive)) {
    throw BadInput{fmt::format("no built-in primitive is named '{}'{}", *options.primitive,
                               suggestion(entries, *options.primitive))};
  }
  std::vector<const CatalogEntry*> selected;
  for (const CatalogEntry& entry : entries) {
    if (options.primitive && entry.primitive != *options.primitive) continue;
    if (entry.property.find(options.property) == std::string_view::npos) continue;
    selected.push_back(&entry);
  }
  if (selected.empty()) {
    throw BadInput{fmt::format("no built-in property of {} has '{}' in its name (see ipcprop list)",
                               options.primitive ? *options.primitive : "any primitive",
                               options.property)};
  }
  return selected;
}

int list(std::span<const CatalogEntry> entries, std::ostream& out) {
  for (const CatalogEntry& entry : entries) {
    out << fmt::format("{:<12} {}\n", entry.primitive, entry.property);
  }
  return kExitPassed;
}

int run(std::span<const CatalogEntry> entries, std::span<const std::string_view> arguments,
        std::ostream& out) {
  ParsedRun parsed = parse_run_options(arguments);
  const std::vector<const CatalogEntry*> selected = select(entries, parsed.options);
  std::ofstream junit;
  if (parsed.junit_path) {
    junit.open(*parsed.junit_path);
    if (!junit) {
      throw BadInput{fmt::format("cannot write the JUnit report to '{}': {}", *parsed.junit_path,
                                 std::strerror(errno))};
    }
    parsed.options.junit = &junit;
  }
  const int status = run_properties(selected, parsed.options, out);
  if (parsed.junit_path) {
    junit.close();
    if (!junit) {
      // The results are printed, but a CI system reading the file would see none.
      throw std::runtime_error(fmt::format("could not write the JUnit report to '{}': {}",
                                           *parsed.junit_path, std::strerror(errno)));
    }
  }
  return status;
}

int replay(std::span<const CatalogEntry> entries, std::span<const std::string_view> arguments,
           std::ostream& out) {
  if (arguments.empty()) throw BadInput{"replay needs a token (the last line of a failure report)"};
  std::string text;
  for (const std::string_view part : arguments) text += part;  // A token split by the shell.
  properties::ReplayToken token;
  try {
    token = properties::decode_token(text);
  } catch (const properties::TokenError& error) {
    throw BadInput{fmt::format("cannot replay: {}", error.what())};
  }
  for (const CatalogEntry& entry : entries) {
    if (entry.property != token.property || entry.primitive != token.primitive) continue;
    PropertyResult result;
    try {
      result = entry.replay(token, SuiteOptions{});
    } catch (const codec::DecodeError& error) {
      throw BadInput{fmt::format("cannot replay: the token's workload is not one of {}: {}",
                                 token.property, error.what())};
    }
    if (result.kind == PropertyResult::Kind::Failed) {
      out << result.report << "\n";
      return kExitFailed;
    }
    if (result.kind == PropertyResult::Kind::Diverged) {
      out << result.report << "\n";
      return kExitDiverged;
    }
    if (!result.passed()) {  // Error, Cut: the replay decided nothing.
      out << result.report << "\n";
      return kExitError;
    }
    out << fmt::format("replayed {} for {}: the invariant held (history hash {:016x})\n",
                       token.property, token.primitive, result.outcome.history.hash());
    return kExitPassed;
  }
  throw BadInput{fmt::format(
      "the token names {} for {}, which is not built in; replay it through the test binary "
      "that registered {}: IPCPROP_REPLAY=<token> <test binary>",
      token.property, token.primitive, token.primitive)};
}

}  // namespace

int run_command_line(std::span<const std::string_view> arguments, std::ostream& out,
                     std::ostream& err, std::span<const CatalogEntry> entries) {
  try {
    if (arguments.empty()) {
      err << kHelp;
      return kExitBadInput;
    }
    if (arguments[0] == "help" || arguments[0] == "--help" || arguments[0] == "-h") {
      out << kHelp;
      return kExitPassed;
    }
    const std::string_view command = arguments[0];
    const auto rest = arguments.subspan(1);
    if (command == "list") {
      if (!rest.empty()) throw BadInput{"list takes no arguments"};
      return list(entries, out);
    }
    if (command == "run") return run(entries, rest, out);
    if (command == "replay") return replay(entries, rest, out);
    throw BadInput{
        fmt::format("unknown command '{}' (commands: list, run, replay, help)", command)};
  } catch (const BadInput& bad) {
    err << "ipcprop: " << bad.message << "\n";
    return kExitBadInput;
  } catch (const std::exception& error) {
    err << "ipcprop: error (the harness itself failed, not a property): " << error.what() << "\n";
    return kExitError;
  }
}

}  // namespace ipcprop::tools
