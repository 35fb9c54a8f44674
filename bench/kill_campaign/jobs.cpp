// ipcprop — bench/kill_campaign/jobs.cpp
#include "bench/kill_campaign/jobs.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "bench/kill_campaign/counts.h"
#include "bench/kill_campaign/primitive_table.h"
#include "bench/kill_campaign/process_support.h"
#include "bench/kill_campaign/records.h"
#include "bench/kill_campaign/rng.h"
#include "bench/kill_campaign/trial.h"
#include "primitives/errors.h"
#include "primitives/process.h"
#include "primitives/shared_memory.h"

namespace ipcprop::campaign {
namespace {

std::uint64_t trial_seed(std::uint64_t seed, std::size_t primitive, std::uint64_t trial) {
  return mix(seed ^ mix(primitive + 1) ^ mix(mix(trial + 0x5eed)));
}

/// Runs one trial and the leak checks after it.
TrialResult run_trial(const TrialSpec& spec, const PrimitiveEntry& entry) {
  const std::set<int> fds_before = open_fds();
  const std::set<std::string> shm_before = shm_entries();
  TrialResult result;
  result.counts.trials = 1;
  {
    SharedObject<TrialShared> shared;
    Rng rng(spec.seed);
    Context context{spec, *shared, rng, result};
    entry.run(context);
  }
  // Every participant is reaped; anything still a child of ours (orphans come to us, the
  // subreaper) was left behind. After a hang, the killed survivors' children are expected.
  const bool hung = result.counts.hangs != 0;
  for (;;) {
    int status = 0;
    const pid_t reaped = ::waitpid(-1, &status, WNOHANG);
    if (reaped == -1 && errno == EINTR) continue;
    if (reaped == -1 && errno == ECHILD) break;
    if (reaped == -1) throw_system_error("waitpid");
    if (reaped == 0) {  // Alive: kill, reap, count.
      const int count = kill_and_reap_children();
      if (!hung) {
        result.counts.leaked += static_cast<std::uint64_t>(count);
        result.problems.push_back(fmt::format("leaked: {} processes still running", count));
      }
      break;
    }
    if (!hung) {
      result.counts.leaked += 1;
      result.problems.push_back(fmt::format("leaked: process {} ended unreaped", reaped));
    }
  }
  for (const int fd : open_fds()) {
    if (fds_before.contains(fd)) continue;
    std::error_code error;
    const auto target = std::filesystem::read_symlink(fmt::format("/proc/self/fd/{}", fd), error);
    result.counts.leaked += 1;
    result.problems.push_back(
        fmt::format("leaked: fd {} ({}) is still open", fd, error ? "?" : target.string()));
    check_call(::close(fd), "close");
  }
  for (const std::string& name : shm_entries()) {
    if (shm_before.contains(name)) continue;
    // "ipcprop.<pid>.<n>": ours if one of this trial's processes made it.
    pid_t creator = 0;
    const auto dot = name.find('.');
    std::from_chars(name.data() + dot + 1, name.data() + name.size(), creator);
    if (!result.pids.contains(creator) && creator != ::getpid()) continue;
    result.counts.leaked += 1;
    result.problems.push_back(fmt::format("leaked: /dev/shm/{} was left", name));
    check_call(::shm_unlink(("/" + name).c_str()), "shm_unlink", name);
  }
  return result;
}

struct JobResult {
  Counts counts;
  std::uint32_t interrupted;
};

struct JobResults {
  JobResult jobs[kMaxJobs];
};

constexpr std::size_t kMaxReports = 20;  ///< Failure reports a job prints per primitive.

int run_job(const Options& options, std::size_t primitive, std::size_t job, JobResult& out) {
  check_call(::prctl(PR_SET_CHILD_SUBREAPER, 1), "prctl(PR_SET_CHILD_SUBREAPER)");
  const PrimitiveEntry& entry = kPrimitives[primitive];
  std::size_t reports = 0;
  const std::uint64_t first = options.only_trial.value_or(0);
  const std::uint64_t end = options.only_trial ? first + 1 : options.trials;
  for (std::uint64_t trial = first + job; trial < end; trial += options.jobs) {
    const TrialSpec spec{
        entry.name,          options.seed,   trial, trial_seed(options.seed, primitive, trial),
        options.patience_ns, entry.window_ns};
    try {
      campaign_sleep(0);  // Lets a pending stop signal in.
      TrialResult result = run_trial(spec, entry);
      out.counts.add(result.counts);
      if (result.counts.failed() && reports++ < kMaxReports) {
        std::string text = fmt::format("FAIL: {} trial {} (seed {}): {}\n", entry.name, trial,
                                       options.seed, result.victim);
        for (const std::string& line : result.problems) text += "  " + line + "\n";
        text += fmt::format("  again: kill_campaign --primitive {} --seed {} --trial {}\n",
                            entry.name, options.seed, trial);
        emit(text);
      }
    } catch (const Interrupted&) {
      kill_and_reap_children();
      out.interrupted = 1;
      return 130;
    } catch (const std::exception& error) {
      kill_and_reap_children();
      out.counts.trials += 1;
      out.counts.errors += 1;
      emit(fmt::format("ERROR: {} trial {} (seed {}) could not be run: {}\n", entry.name, trial,
                       options.seed, error.what()));
    }
  }
  return 0;
}

}  // namespace

void emit(const std::string& text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    throw_system_error("fwrite(stdout)");
  }
}

bool run_primitive(const Options& options, std::size_t primitive, Counts& total) {
  SharedObject<JobResults> results;
  if (std::fflush(nullptr) != 0) throw_system_error("fflush");
  const pid_t campaign = ::getpid();
  std::vector<Process> jobs;
  std::vector<UniqueFd> pidfds;
  for (std::size_t job = 0; job < options.jobs; ++job) {
    JobResult* out = &results->jobs[job];
    jobs.emplace_back(
        [&options, primitive, job, out, campaign]() -> int {
          check_call(::prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl(PR_SET_PDEATHSIG)");
          if (::getppid() != campaign) return 1;
          return run_job(options, primitive, job, *out);
        },
        fmt::format("job {}", job));
    jobs.back().start();
    pidfds.push_back(open_pidfd(*jobs.back().pid()));
  }
  bool interrupted = false;
  try {
    std::vector<bool> done(jobs.size());
    for (;;) {
      std::vector<pollfd> fds;
      std::vector<std::size_t> which;
      for (std::size_t j = 0; j < jobs.size(); ++j) {
        if (!done[j]) {
          fds.push_back({pidfds[j].get(), POLLIN, 0});
          which.push_back(j);
        }
      }
      if (fds.empty()) break;
      wait_for(fds, INT64_MAX);
      for (std::size_t k = 0; k < fds.size(); ++k) {
        if (fds[k].revents != 0) done[which[k]] = true;
      }
    }
  } catch (const Interrupted&) {
    interrupted = true;
    // The jobs clean up after themselves on SIGTERM; a job that does not is killed.
    for (const UniqueFd& pidfd : pidfds) {
      if (::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGTERM, nullptr, 0) == -1 &&
          errno != ESRCH) {
        throw_system_error("pidfd_send_signal");
      }
    }
    const std::int64_t deadline = now_ns() + options.patience_ns + 5'000'000'000;
    for (Process& job : jobs) {
      while (!job.join(std::chrono::nanoseconds(std::max<std::int64_t>(deadline - now_ns(), 0)))) {
        job.kill();
      }
    }
  }
  for (std::size_t job = 0; job < jobs.size(); ++job) {
    jobs[job].join();
    const int code = jobs[job].exitcode().value_or(0);
    total.add(results->jobs[job].counts);
    if (code != 0 && code != 130) {
      total.errors += 1;
      std::fprintf(stderr, "kill_campaign: job %zu ended with exit code %d\n", job, code);
    }
    if (results->jobs[job].interrupted != 0) interrupted = true;
  }
  return !interrupted;
}

}  // namespace ipcprop::campaign
