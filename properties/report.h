// ipcprop — properties/report.h
//
// The failure report a person reads: which property broke for which primitive, the shrunk
// workload, the shrunk schedule as an interleaving with one column per actor, the broken
// invariant, the seed, and the one line that replays it.
#pragma once

#include <string>

#include "harness/execution.h"

namespace ipcprop::properties {

/// The history as a table: a row per event, a column per actor, e.g.
///   step | actor 0               | actor 1
///      1 | Lock::acquire         |
///      1 |   -> 1                |
std::string interleaving(const harness::History& history, std::size_t actors);

/// How many of `decisions` preempted a running actor.
std::size_t count_preemptions(const std::vector<harness::Decision>& decisions);

struct FailureReport {
  /// A watchdog cut (runner.h's PropertyResult::Kind::Cut), not a failure: nothing is shrunk.
  int cuts = 0;
  std::string property;
  std::string primitive;
  std::string workload;   ///< Described by the property.
  std::string invariant;  ///< What broke, naming the events.
  std::uint64_t rapidcheck_seed = 0;
  std::string token;
  const harness::Outcome* outcome = nullptr;
};

std::string format_report(const FailureReport& report);

}  // namespace ipcprop::properties
