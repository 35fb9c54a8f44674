// ipcprop — bench/kill_campaign/trial.h
//
// Trial: one trial's processes, the same for every primitive:
//   1. fork the participants (ipcprop::Process); each one arrives at a start gate in shared
//      memory and waits there;
//   2. open the gate, wait a delay drawn uniformly from the primitive's busy window, SIGKILL the
//      victim through a pidfd (for Pool: a worker from worker_pids());
//   3. wait, stage by stage, for the survivors on their pidfds with a deadline (--patience):
//      stage 0 the victim and the producing side, then the helper that ends the trial (sentinel
//      messages, a final lock probe) is released, stage 1 the consuming side, stage 2 the rest;
//      a survivor still running at a deadline is a hang: its /proc wchan and syscall are printed
//      and it is killed;
//   4. account for what the participants recorded (errors, exit codes). The primitive's own
//      checks follow in its trial function (trials.h), the leak checks in the job (jobs.cpp).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

#include "bench/kill_campaign/counts.h"
#include "bench/kill_campaign/process_support.h"
#include "bench/kill_campaign/records.h"
#include "bench/kill_campaign/rng.h"
#include "primitives/errors.h"
#include "primitives/process.h"

namespace ipcprop::campaign {

/// What defines one trial: `seed` decides its workload, victim and delay.
struct TrialSpec {
  const char* primitive;
  std::uint64_t campaign_seed;
  std::uint64_t trial;
  std::uint64_t seed;
  std::int64_t patience_ns;
  std::int64_t window_ns;  ///< The kill lands uniformly in [0, window) after the gate opens.
};

/// What one trial found: its counts, and the lines of its failure report.
struct TrialResult {
  Counts counts;
  std::vector<std::string> problems;
  std::set<pid_t> pids;  ///< Every process of the trial, for the /dev/shm check.
  std::string victim;    ///< "consumer 1 (pid 4242) killed 3.2 ms after the start, in get".
};

/// What a primitive's trial function gets: the spec, the shared records, its randomness, and
/// where to put what it found.
struct Context {
  const TrialSpec& spec;
  TrialShared& shared;
  Rng& rng;
  TrialResult& result;
};

/// One trial's processes: start, gate, kill, staged waits with hang detection.
class Trial {
 public:
  explicit Trial(Context& context) : context_(context), shared_(context.shared) {}
  Trial(const Trial&) = delete;
  Trial& operator=(const Trial&) = delete;
  Trial(Trial&&) = delete;
  Trial& operator=(Trial&&) = delete;
  ~Trial() = default;  // Each Process still running is killed and reaped by its destructor.

  using Body = std::function<void(ParticipantRecord&)>;

  /// A participant: `stage` is the stage whose end waits for it; `killable`: may be the victim.
  std::size_t add(std::string role, int stage, bool killable, Body body) {
    if (slots_.size() == kMaxParticipants) throw UsageError("kill_campaign: too many participants");
    Slot& slot = slots_.emplace_back();
    slot.role = std::move(role);
    slot.stage = stage;
    slot.killable = killable;
    slot.body = std::move(body);
    return slots_.size() - 1;
  }

  /// Pool: the victim is one of shared.workers[0, count), published by a participant.
  void kill_a_worker(std::size_t count) { worker_victims_ = count; }
  /// Runs in the campaign right after every participant was forked.
  void on_started(std::function<void()> hook) { on_started_ = std::move(hook); }
  /// Runs in the campaign before stage `s` (1 or 2) is released, after the previous one ended.
  void on_stage(std::function<void(int)> hook) { on_stage_ = std::move(hook); }

  void run();

  bool hung() const noexcept { return hung_; }
  /// The victim's slot (unset for a Pool worker).
  std::optional<std::size_t> victim_slot() const noexcept { return victim_slot_; }
  bool is_victim(std::size_t slot) const noexcept { return victim_slot_ == slot; }
  pid_t victim_pid() const noexcept { return victim_pid_; }
  /// Where the victim was when it died (after run()).
  Phase victim_phase() const noexcept { return victim_phase_; }
  ParticipantRecord& record(std::size_t slot) const { return shared_.participants[slot]; }
  /// Sum of a field over every participant.
  std::uint64_t total(std::atomic<std::uint32_t> ParticipantRecord::*field) const {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < slots_.size(); ++i) sum += (shared_.participants[i].*field).load();
    return sum;
  }
  const std::string& role(std::size_t slot) const { return slots_[slot].role; }
  std::size_t size() const noexcept { return slots_.size(); }
  void problem(std::string text) { context_.result.problems.push_back(std::move(text)); }

 private:
  struct Slot {
    std::string role;
    int stage = 0;
    bool killable = false;
    Body body;
    std::optional<Process> process;
    pid_t pid = 0;
    UniqueFd pidfd;
    bool exited = false;
    bool killed = false;  ///< By the campaign: the victim, or a hung survivor.
  };

  void start_all();
  void wait_at_gate(std::int64_t deadline);
  void choose_victim();
  /// Waits for the given slots (and the worker victim when `with_worker`) until the deadline;
  /// false (after reporting and killing them) if some did not end.
  bool wait_stage(int stage, bool with_worker);
  void report_hang(int stage, const std::vector<std::size_t>& stuck, bool worker_stuck);
  void reap(Slot& slot);
  void describe_process(std::string& out, pid_t pid, const std::string& role, int depth);
  /// Where the victim was, once it is dead (its records are frozen then).
  Phase phase_of_victim() const;
  void finish_accounting();

  Context& context_;
  TrialShared& shared_;
  std::vector<Slot> slots_;
  std::size_t worker_victims_ = 0;
  std::function<void()> on_started_;
  std::function<void(int)> on_stage_;
  std::optional<std::size_t> victim_slot_;
  UniqueFd worker_pidfd_;
  bool worker_exited_ = false;
  pid_t victim_pid_ = 0;
  std::string victim_role_;
  Phase victim_phase_ = kNotStarted;
  bool exited_before_kill_ = false;
  std::int64_t go_ns_ = 0;
  std::int64_t kill_ns_ = 0;
  bool hung_ = false;
};

}  // namespace ipcprop::campaign
