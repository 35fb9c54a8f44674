// ipcprop — bench/kill_campaign/trial.cpp
#include "bench/kill_campaign/trial.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <poll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "bench/kill_campaign/process_support.h"
#include "bench/kill_campaign/records.h"
#include "primitives/errors.h"

namespace ipcprop::campaign {

void Trial::start_all() {
  const pid_t campaign = ::getpid();
  // A child flushes stdio when it exits: nothing of ours may be left in the buffers.
  if (std::fflush(nullptr) != 0) throw_system_error("fflush");
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = slots_[i];
    ParticipantRecord* me = &shared_.participants[i];
    Body* body = &slot.body;
    slot.process.emplace(
        [campaign, me, body]() -> int {
          // A participant never outlives the campaign, whatever happens to it.
          check_call(::prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl(PR_SET_PDEATHSIG)");
          if (::getppid() != campaign) return 1;
          try {
            restore_signals_in_child();
            (*body)(*me);
          } catch (const std::exception& error) {
            wrong_error(*me, error.what());
            return 3;
          }
          me->phase = kFinished;
          me->finished_ns = now_ns();
          return 0;
        },
        slot.role);
    slot.process->start();
    slot.pid = *slot.process->pid();
    slot.pidfd = open_pidfd(slot.pid);
    context_.result.pids.insert(slot.pid);
  }
}

void Trial::wait_at_gate(std::int64_t deadline) {
  // Polls the ready count every half millisecond while watching for an early death; this is
  // start-up, not hang detection.
  std::vector<pollfd> fds;
  fds.reserve(slots_.size());
  for (const Slot& slot : slots_) fds.push_back({slot.pidfd.get(), POLLIN, 0});
  while (shared_.ready.load() < slots_.size()) {
    if (now_ns() >= deadline) {
      std::vector<std::size_t> late;
      for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (shared_.participants[i].phase.load() != kAtGate) late.push_back(i);
      }
      report_hang(-1, late, false);
      hung_ = true;
      return;
    }
    if (wait_for(fds, std::min(deadline, now_ns() + 500'000)) > 0) {
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (fds[i].revents != 0) {
          throw std::runtime_error(fmt::format("{} exited before the start: {}", slots_[i].role,
                                               shared_.participants[i].note));
        }
      }
    }
  }
}

void Trial::choose_victim() {
  Rng& rng = context_.rng;
  if (worker_victims_ > 0) {
    const std::size_t index = rng.below(worker_victims_);
    victim_pid_ = shared_.workers[index].load();
    victim_role_ = fmt::format("worker {}", index + 1);
    worker_pidfd_ = open_pidfd(victim_pid_);
    context_.result.pids.insert(victim_pid_);
    for (std::size_t k = 0; k < worker_victims_; ++k) {
      context_.result.pids.insert(shared_.workers[k].load());
    }
  } else {
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].killable) candidates.push_back(i);
    }
    victim_slot_ = candidates[rng.below(candidates.size())];
    victim_pid_ = slots_[*victim_slot_].pid;
    victim_role_ = slots_[*victim_slot_].role;
  }
  shared_.victim_pid = victim_pid_;
}

void Trial::reap(Slot& slot) {
  if (!slot.process) return;
  slot.process->join();
  slot.exited = true;
  slot.pidfd.reset();
}

bool Trial::wait_stage(int stage, bool with_worker) {
  const std::int64_t deadline = now_ns() + context_.spec.patience_ns;
  std::vector<std::size_t> waiting;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const bool in_stage = slots_[i].stage == stage || (stage == 0 && is_victim(i));
    if (in_stage && !slots_[i].exited) waiting.push_back(i);
  }
  bool worker_waiting = with_worker && worker_pidfd_ && !worker_exited_;
  for (;;) {
    std::vector<pollfd> fds;
    fds.reserve(waiting.size() + 1);
    for (const std::size_t i : waiting) fds.push_back({slots_[i].pidfd.get(), POLLIN, 0});
    if (worker_waiting) fds.push_back({worker_pidfd_.get(), POLLIN, 0});
    if (fds.empty()) return true;
    if (wait_for(fds, deadline) == 0) break;
    std::vector<std::size_t> still;
    for (std::size_t k = 0; k < waiting.size(); ++k) {
      if (fds[k].revents != 0) {
        reap(slots_[waiting[k]]);
      } else {
        still.push_back(waiting[k]);
      }
    }
    if (worker_waiting && fds.back().revents != 0) {
      worker_exited_ = true;
      worker_waiting = false;
    }
    waiting = std::move(still);
  }
  report_hang(stage, waiting, worker_waiting);
  hung_ = true;
  return false;
}

void Trial::describe_process(std::string& out, pid_t pid, const std::string& role, int depth) {
  const std::string proc = fmt::format("/proc/{}", pid);
  std::string state = read_proc(proc + "/stat");
  if (const auto close = state.rfind(')'); close != std::string::npos && close + 2 < state.size()) {
    state = state.substr(close + 2, 1);
  }
  out += fmt::format("{:{}}{} (pid {}): state {}, wchan {}, syscall {}\n", "", 4 + 2 * depth, role,
                     pid, state, read_proc(proc + "/wchan"), read_proc(proc + "/syscall"));
  if (depth > 0) return;
  for (const pid_t child : children_of(pid)) {
    describe_process(out, child, "its child", depth + 1);
  }
}

void Trial::report_hang(int stage, const std::vector<std::size_t>& stuck, bool worker_stuck) {
  const TrialSpec& spec = context_.spec;
  std::string text =
      stage < 0 ? fmt::format(
                      "HANG: {} trial {} (seed {}): {:.1f} s after the start these had not "
                      "reached the start gate:\n",
                      spec.primitive, spec.trial, spec.campaign_seed,
                      static_cast<double>(spec.patience_ns) / 1e9)
                : fmt::format(
                      "HANG: {} trial {} (seed {}): {} (pid {}) was killed {:.2f} ms after the "
                      "start{}; in stage {}, {:.1f} s later these had not ended:\n",
                      spec.primitive, spec.trial, spec.campaign_seed, victim_role_, victim_pid_,
                      static_cast<double>(kill_ns_ - go_ns_) / 1e6,
                      stage > 0 ? fmt::format(", {}", kPhaseNames[phase_of_victim()]) : "", stage,
                      static_cast<double>(spec.patience_ns) / 1e9);
  for (const std::size_t i : stuck) {
    const std::uint32_t phase = shared_.participants[i].phase.load();
    describe_process(
        text, slots_[i].pid,
        fmt::format("{} [{}]", slots_[i].role, phase < kPhaseCount ? kPhaseNames[phase] : "?"), 0);
  }
  if (worker_stuck) describe_process(text, victim_pid_, victim_role_ + " [the victim]", 0);
  text.pop_back();
  problem(text);
  // Kill them, and then everybody else: the trial is over.
  for (const std::size_t i : stuck) slots_[i].killed = true;
  for (Slot& slot : slots_) {
    if (slot.exited || !slot.process) continue;
    slot.killed = true;
    slot.process->kill();
    reap(slot);
  }
  if (worker_pidfd_ && !worker_exited_) {
    static_cast<void>(kill_through(worker_pidfd_.get()));
    worker_exited_ = true;
  }
}

Phase Trial::phase_of_victim() const {
  if (exited_before_kill_) return kExitedEarlier;
  if (victim_slot_) {
    const std::uint32_t phase = shared_.participants[*victim_slot_].phase.load();
    return phase < kPhaseCount ? static_cast<Phase>(phase) : kNotStarted;
  }
  for (std::size_t k = 0; k < kMaxWorkers; ++k) {
    if (shared_.workers[k].load() == victim_pid_ && shared_.worker_task[k].load() != 0) {
      return kInTask;
    }
  }
  return kBetweenTasks;
}

void Trial::run() {
  const TrialSpec& spec = context_.spec;
  Counts& counts = context_.result.counts;
  shared_.salt = context_.rng.next();
  start_all();
  if (on_started_) on_started_();
  wait_at_gate(now_ns() + spec.patience_ns);
  if (hung_) {
    counts.hangs += 1;
    return;
  }
  choose_victim();
  const auto delay =
      static_cast<std::int64_t>(context_.rng.below(static_cast<std::uint64_t>(spec.window_ns)));
  go_ns_ = now_ns();
  shared_.go = 1;
  futex_wake(shared_.go);
  campaign_sleep(delay);
  const int victim_fd = victim_slot_ ? slots_[*victim_slot_].pidfd.get() : worker_pidfd_.get();
  exited_before_kill_ = readable_now(victim_fd);
  kill_ns_ = now_ns();
  static_cast<void>(kill_through(victim_fd));
  if (victim_slot_) slots_[*victim_slot_].killed = true;
  counts.delay_ns += static_cast<std::uint64_t>(kill_ns_ - go_ns_);

  for (int stage = 0; stage <= 2; ++stage) {
    if (stage > 0) {
      if (on_stage_) on_stage_(stage);
      shared_.stage = static_cast<std::uint32_t>(stage);
      futex_wake(shared_.stage);
    }
    if (!wait_stage(stage, stage == 0)) break;
    if (stage == 0) {
      victim_phase_ = phase_of_victim();
      // The busy period: until the last survivor of stage 0 had done its work.
      std::int64_t last = go_ns_;
      for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (slots_[i].stage == 0 && !is_victim(i)) {
          last = std::max(last, shared_.participants[i].finished_ns.load());
        }
      }
      counts.busy_ns += static_cast<std::uint64_t>(last - go_ns_);
    }
  }
  // Every process is gone by now (a hang kills them all).
  victim_phase_ = phase_of_victim();
  if (hung_) {
    counts.hangs += 1;
  } else {
    counts.phases[victim_phase_] += 1;
  }
  context_.result.victim =
      fmt::format("{} (pid {}) killed {:.2f} ms after the start, {}", victim_role_, victim_pid_,
                  static_cast<double>(kill_ns_ - go_ns_) / 1e6, kPhaseNames[victim_phase_]);
  finish_accounting();
}

void Trial::finish_accounting() {
  Counts& counts = context_.result.counts;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = slots_[i];
    ParticipantRecord& me = shared_.participants[i];
    counts.torn += me.torn.load();
    counts.wrong += me.wrong.load();
    counts.documented_errors += me.owner_died.load() + me.broken_by_sender.load() +
                                me.broken_by_receiver.load() + me.boundaries_lost.load() +
                                me.worker_died.load();
    if (me.noted.load() != 0) problem(fmt::format("{}: {}", slot.role, me.note));
    if (slot.killed || !slot.process) continue;
    const std::optional<int> code = slot.process->exitcode();
    if (code.value_or(0) != 0 && me.wrong.load() == 0) {
      counts.wrong += 1;
      problem(fmt::format("{} (a survivor) ended with exit code {}", slot.role, code.value_or(0)));
    }
  }
}

}  // namespace ipcprop::campaign
