// ipcprop — bench/kill_campaign/jobs.h
//
// The trials of one primitive, run in --jobs job processes of their own. Each job is a child
// subreaper and runs its share of the trials one by one, each followed by the leak checks (fds,
// /dev/shm entries, child processes), and prints the failure reports; the counts come back
// through shared memory.
#pragma once

#include <cstddef>
#include <string>

#include "bench/kill_campaign/counts.h"
#include "bench/kill_campaign/options.h"

namespace ipcprop::campaign {

/// The most job processes --jobs may ask for: the size of the shared results.
inline constexpr std::size_t kMaxJobs = 64;

/// Writes `text` to stdout and flushes it at once, so that a report is never left half in the
/// buffer (where a fork would copy it, and where another job's lines could cut in).
void emit(const std::string& text);

/// Runs the trials of one primitive in `jobs` processes; false if interrupted.
bool run_primitive(const Options& options, std::size_t primitive, Counts& total);

}  // namespace ipcprop::campaign
