// ipcprop — bench/kill_campaign/counts.h
//
// Counts: what the trials of one primitive add up to, the table's row and the line below it.
// A trial returns its own, the jobs add theirs in shared memory, the campaign adds the jobs'.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bench/kill_campaign/records.h"

namespace ipcprop::campaign {

/// One row of the table (the failures) and its summary line (the rest).
struct Counts {
  std::uint64_t trials = 0;
  std::uint64_t hangs = 0;
  std::uint64_t torn = 0;
  std::uint64_t lost = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t wrong = 0;
  std::uint64_t leaked = 0;
  std::uint64_t errors = 0;             ///< Trials the campaign itself could not run.
  std::uint64_t unreadable = 0;         ///< Pipe: the documented unreadable-stream case.
  std::uint64_t allowed_losses = 0;     ///< Messages lost as the contract allows.
  std::uint64_t documented_errors = 0;  ///< OwnerDied, BrokenMessage, WorkerDied seen.
  std::uint64_t delay_ns = 0;           ///< Sum of the kill delays.
  std::uint64_t busy_ns = 0;            ///< Sum of go -> the last survivor of stage 0 done.
  std::uint64_t phases[kPhaseCount] = {};

  void add(const Counts& other) {
    trials += other.trials;
    hangs += other.hangs;
    torn += other.torn;
    lost += other.lost;
    duplicated += other.duplicated;
    wrong += other.wrong;
    leaked += other.leaked;
    errors += other.errors;
    unreadable += other.unreadable;
    allowed_losses += other.allowed_losses;
    documented_errors += other.documented_errors;
    delay_ns += other.delay_ns;
    busy_ns += other.busy_ns;
    for (std::size_t i = 0; i < kPhaseCount; ++i) phases[i] += other.phases[i];
  }
  bool failed() const { return hangs + torn + lost + duplicated + wrong + leaked + errors != 0; }
};

}  // namespace ipcprop::campaign
