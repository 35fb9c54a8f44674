// ipcprop — bench/kill_campaign/main.cpp
//
// kill_campaign: the project's own proof that a process SIGKILLed at a random instant never hangs
// the others and never loses, tears or duplicates data. Real processes, real scheduling, no
// harness: each trial forks the participants of one primitive, lets them work, SIGKILLs one of
// them after a random delay, lets the survivors finish and checks what they recorded in shared
// memory. doc/kill-campaign.md says what each primitive's trial does, which losses are allowed
// and why, and how to read the table this prints.
//
//   build/default/bench/kill_campaign [--trials N] [--primitive NAME] [--seed S] [--jobs J]
//                                     [--patience SECONDS] [--trial T]
//
// Exit status: 0 when every count is zero, 1 when one is not (or a trial could not be run), 2
// for bad arguments, 130 when interrupted (SIGINT, SIGTERM or SIGHUP; everything the campaign
// started is killed and reaped first).
//
// This file: the options, the primitives' loop, the table and the exit status. A trial's
// processes are in trial.h, the primitives' trials in trials.h, the jobs and the leak checks in
// jobs.h.
#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <sys/prctl.h>

#include <fmt/format.h>

#include "bench/kill_campaign/counts.h"
#include "bench/kill_campaign/jobs.h"
#include "bench/kill_campaign/options.h"
#include "bench/kill_campaign/primitive_table.h"
#include "bench/kill_campaign/process_support.h"
#include "bench/kill_campaign/records.h"
#include "primitives/errors.h"

namespace ipcprop::campaign {
namespace {

std::string victim_phases(const Counts& counts) {
  std::vector<std::pair<std::uint64_t, std::size_t>> order;
  for (std::size_t i = 0; i < kPhaseCount; ++i) {
    if (counts.phases[i] != 0) order.emplace_back(counts.phases[i], i);
  }
  std::sort(order.rbegin(), order.rend());
  std::string text;
  for (const auto& [count, phase] : order) {
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", kPhaseNames[phase], count);
  }
  return text;
}

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "kill_campaign: %s\nusage: kill_campaign [--trials N] [--primitive NAME] [--seed "
               "S] [--jobs J] [--patience SECONDS] [--trial T]\nprimitives:",
               problem.c_str());
  for (const auto& entry : kPrimitives) std::fprintf(stderr, " %s", entry.name);
  std::fprintf(stderr, "\n");
  std::exit(2);
}

std::uint64_t parse_number(std::string_view option, std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    usage(fmt::format("{} needs a non-negative integer, not '{}'", option, text));
  }
  return value;
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view option = argv[i];
    if (option == "--help" || option == "-h") usage("runs SIGKILL trials against each primitive");
    if (i + 1 >= argc) usage(fmt::format("unknown option or missing value: {}", option));
    const std::string_view value = argv[++i];
    if (option == "--trials") {
      options.trials = parse_number(option, value);
    } else if (option == "--primitive") {
      options.primitive = std::string(value);
    } else if (option == "--seed") {
      options.seed = parse_number(option, value);
    } else if (option == "--jobs") {
      options.jobs = parse_number(option, value);
      if (options.jobs == 0 || options.jobs > kMaxJobs) {
        usage(fmt::format("--jobs must be 1 to {}", kMaxJobs));
      }
    } else if (option == "--patience") {
      const std::uint64_t seconds = parse_number(option, value);
      if (seconds == 0 || seconds > 3600) usage("--patience must be 1 to 3600 seconds");
      options.patience_ns = static_cast<std::int64_t>(seconds) * 1'000'000'000;
    } else if (option == "--trial") {
      options.only_trial = parse_number(option, value);
    } else {
      usage(fmt::format("unknown option: {}", option));
    }
  }
  if (options.primitive &&
      std::none_of(std::begin(kPrimitives), std::end(kPrimitives),
                   [&](const PrimitiveEntry& entry) { return *options.primitive == entry.name; })) {
    usage(fmt::format("unknown primitive: {}", *options.primitive));
  }
  if (options.only_trial) options.jobs = 1;
  return options;
}

int run(int argc, char** argv) {
  const Options options = parse(argc, argv);
  install_signal_handling();
  check_call(::prctl(PR_SET_CHILD_SUBREAPER, 1), "prctl(PR_SET_CHILD_SUBREAPER)");
  emit(fmt::format(
      "kill_campaign: seed {}, {} per primitive, {} job{}, patience {} s\n", options.seed,
      options.only_trial ? fmt::format("trial {}", *options.only_trial)
                         : fmt::format("{} trials", options.trials),
      options.jobs, options.jobs == 1 ? "" : "s", options.patience_ns / 1'000'000'000));
  std::vector<std::pair<std::size_t, Counts>> rows;
  std::vector<double> seconds;
  bool interrupted = false;
  for (std::size_t p = 0; p < kPrimitiveCount && !interrupted; ++p) {
    if (options.primitive && *options.primitive != kPrimitives[p].name) continue;
    Counts counts;
    const std::int64_t start = now_ns();
    interrupted = !run_primitive(options, p, counts);
    seconds.push_back(static_cast<double>(now_ns() - start) / 1e9);
    rows.emplace_back(p, counts);
  }
  // Nothing may outlive the campaign: reap whatever came to us as an orphan.
  kill_and_reap_children();

  std::string table = fmt::format(
      "\n{:<13} | {:>6} | {:>5} | {:>4} | {:>4} | {:>10} | {:>11} | {:>6}\n", "primitive", "trials",
      "hangs", "torn", "lost", "duplicated", "wrong error", "leaked");
  table += fmt::format("{:-<14}|{:-<8}|{:-<7}|{:-<6}|{:-<6}|{:-<12}|{:-<13}|{:-<7}\n", "", "", "",
                       "", "", "", "", "");
  bool failed = false;
  for (const auto& [p, counts] : rows) {
    table += fmt::format("{:<13} | {:>6} | {:>5} | {:>4} | {:>4} | {:>10} | {:>11} | {:>6}\n",
                         kPrimitives[p].name, counts.trials, counts.hangs, counts.torn, counts.lost,
                         counts.duplicated, counts.wrong, counts.leaked);
    failed = failed || counts.failed();
  }
  table += "\n";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto& [p, counts] = rows[r];
    const double trials = static_cast<double>(std::max<std::uint64_t>(counts.trials, 1));
    table += fmt::format(
        "{}: {} trials in {:.1f} s; kill {:.2f} ms after the start on average (window 0-{} ms), "
        "survivors of stage 0 done {:.2f} ms after the start on average; documented errors seen "
        "{}, allowed losses "
        "{}{}{}\n  victim at its death: {}\n",
        kPrimitives[p].name, counts.trials, seconds[r],
        static_cast<double>(counts.delay_ns) / trials / 1e6, kPrimitives[p].window_ns / 1'000'000,
        static_cast<double>(counts.busy_ns) / trials / 1e6, counts.documented_errors,
        counts.allowed_losses,
        counts.unreadable != 0 ? fmt::format(" (of them, {} trials with the documented unreadable "
                                             "stream after a receiver died inside read())",
                                             counts.unreadable)
                               : std::string(),
        counts.errors != 0 ? fmt::format("; {} trials could not be run", counts.errors)
                           : std::string(),
        victim_phases(counts));
  }
  emit(table);
  if (interrupted) {
    emit("kill_campaign: interrupted; every process it started has been killed and reaped\n");
    return 130;
  }
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace ipcprop::campaign

int main(int argc, char** argv) {
  try {
    return ipcprop::campaign::run(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "kill_campaign: %s\n", error.what());
    return 1;
  }
}
