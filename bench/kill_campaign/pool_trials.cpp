// ipcprop — bench/kill_campaign/pool_trials.cpp
//
// Pool: an owner process runs apply_async, map and imap on Pool(3) with tasks of 0.1-0.6 ms;
// the victim is one of its workers.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/types.h>
#include <unistd.h>

#include <fmt/format.h>

#include "bench/kill_campaign/counts.h"
#include "bench/kill_campaign/process_support.h"
#include "bench/kill_campaign/records.h"
#include "bench/kill_campaign/rng.h"
#include "bench/kill_campaign/trial.h"
#include "bench/kill_campaign/trials.h"
#include "primitives/errors.h"
#include "primitives/pool.h"

namespace ipcprop::campaign {
namespace {

TrialShared* g_pool_shared = nullptr;  ///< Set in the owner before the pool forks its workers.
constexpr std::size_t kWorkers = 3;

std::int64_t task_key(std::size_t call, std::size_t index) {
  return static_cast<std::int64_t>((call << 16) | index);
}

std::int64_t expected_result(std::int64_t key) {
  return static_cast<std::int64_t>(mix(static_cast<std::uint64_t>(key)) >> 2);
}

std::int64_t campaign_task(std::int64_t key) {
  TrialShared& shared = *g_pool_shared;
  TaskRecord& task = shared.tasks[key >> 16][key & 0xFFFF];
  std::atomic<std::uint32_t>* mine = nullptr;
  for (std::size_t k = 0; k < kMaxWorkers; ++k) {
    if (shared.workers[k].load() == ::getpid()) mine = &shared.worker_task[k];
  }
  if (mine != nullptr) *mine = static_cast<std::uint32_t>(key) + 1;
  task.pid = ::getpid();
  task.runs.fetch_add(1);
  const std::uint64_t draw = mix(static_cast<std::uint64_t>(key) ^ shared.salt.load());
  const auto duration = static_cast<std::int64_t>(100'000 + draw % 500'000);
  if ((draw >> 40) % 2 == 0) {
    nap(duration);
  } else {
    const std::int64_t until = now_ns() + duration;
    while (now_ns() < until) {
    }
  }
  task.finished.fetch_add(1);
  if (mine != nullptr) *mine = 0;
  return expected_result(key);
}

struct PoolPlan {
  std::size_t tasks[kPoolCalls];  ///< map, imap, apply_async.
  std::size_t map_chunksize;
};

void own_pool(TrialShared& shared, const PoolPlan& plan, ParticipantRecord& me) {
  g_pool_shared = &shared;
  Pool pool(kWorkers);
  const std::vector<pid_t> pids = pool.worker_pids();
  for (std::size_t k = 0; k < pids.size() && k < kMaxWorkers; ++k) shared.workers[k] = pids[k];
  const auto died = [&](const WorkerDied& error, std::size_t call, std::size_t index) {
    shared.tasks[call][index].outcome = 2;
    me.worker_died.fetch_add(1);
    const std::string_view what = error.what();
    if (what.find(fmt::format("(pid {})", shared.victim_pid.load())) == what.npos) {
      wrong_error(me, fmt::format("WorkerDied naming another worker than the victim: {}", what));
    }
  };
  const auto check = [&](std::size_t call, std::size_t index, std::int64_t value) {
    const bool right = value == expected_result(task_key(call, index));
    shared.tasks[call][index].outcome = right ? 1 : 3;
    if (!right) {
      me.torn.fetch_add(1);
      note(me, fmt::format("torn: task {} of call {} returned {}", index, call, value));
    }
  };
  arrive(shared, me);

  std::vector<AsyncResult<std::int64_t>> asyncs;
  for (std::size_t i = 0; i < plan.tasks[2]; ++i) {
    asyncs.push_back(pool.apply_async(campaign_task, task_key(2, i)));
  }
  std::vector<std::int64_t> items;
  for (std::size_t i = 0; i < plan.tasks[0]; ++i) items.push_back(task_key(0, i));
  try {
    const std::vector<std::int64_t> results = pool.map(campaign_task, items, plan.map_chunksize);
    for (std::size_t i = 0; i < results.size(); ++i) check(0, i, results[i]);
    if (results.size() != items.size()) {
      me.torn.fetch_add(1);
      note(me,
           fmt::format("torn: map returned {} results for {} tasks", results.size(), items.size()));
    }
  } catch (const WorkerDied& error) {
    died(error, 0, error.task());
  } catch (const TaskFailed& error) {
    wrong_error(me, error.what());
  }
  items.clear();
  for (std::size_t i = 0; i < plan.tasks[1]; ++i) items.push_back(task_key(1, i));
  auto imap = pool.imap(campaign_task, items, 1);
  for (std::size_t i = 0; i < plan.tasks[1]; ++i) {
    try {
      const std::optional<std::int64_t> value = imap.next();
      if (!value) {
        me.torn.fetch_add(1);
        note(me, fmt::format("torn: imap ended after {} of {} results", i, plan.tasks[1]));
        break;
      }
      check(1, i, *value);
    } catch (const WorkerDied& error) {
      died(error, 1, i);
    } catch (const TaskFailed& error) {
      wrong_error(me, error.what());
    }
  }
  if (imap.next()) {
    me.torn.fetch_add(1);
    note(me, "torn: imap returned more results than tasks");
  }
  for (std::size_t i = 0; i < asyncs.size(); ++i) {
    try {
      check(2, i, asyncs[i].get());
    } catch (const WorkerDied& error) {
      died(error, 2, i);
    } catch (const TaskFailed& error) {
      wrong_error(me, error.what());
    }
  }
  pool.close();
  pool.join();
}

}  // namespace

void pool_trial(Context& context) {
  TrialShared& shared = context.shared;
  Rng& rng = context.rng;
  PoolPlan plan{};
  plan.tasks[0] = static_cast<std::size_t>(rng.range(10, 20));
  plan.tasks[1] = static_cast<std::size_t>(rng.range(8, 14));
  plan.tasks[2] = static_cast<std::size_t>(rng.range(4, 8));
  plan.map_chunksize = static_cast<std::size_t>(rng.range(1, 3));
  Trial trial(context);
  trial.add("owner", 0, false, [&shared, plan](auto& me) { own_pool(shared, plan, me); });
  trial.kill_a_worker(kWorkers);
  trial.run();
  if (trial.hung()) return;

  // Exactly once: no task ran twice; a right result came from a task that ran. WorkerDied only
  // for the one chunk the victim was running (or had taken), naming it.
  Counts& counts = context.result.counts;
  const pid_t victim = trial.victim_pid();
  std::optional<std::pair<std::size_t, std::size_t>> failed_chunk;
  for (std::size_t call = 0; call < kPoolCalls; ++call) {
    for (std::size_t i = 0; i < plan.tasks[call]; ++i) {
      const TaskRecord& task = shared.tasks[call][i];
      const std::uint32_t runs = task.runs.load();
      if (runs > 1) {
        counts.duplicated += runs - 1;
        trial.problem(fmt::format("duplicated: task {} of call {} ran {} times", i, call, runs));
      }
      const std::uint32_t outcome = task.outcome.load();
      if (outcome == 1 && (runs == 0 || task.finished.load() == 0)) {
        counts.torn += 1;
        trial.problem(
            fmt::format("torn: task {} of call {} has a result but never finished", i, call));
      }
      if (outcome != 2) continue;
      const std::pair<std::size_t, std::size_t> chunk{call, call == 0 ? i / plan.map_chunksize : i};
      const bool ran_elsewhere = task.pid.load() != 0 && task.pid.load() != victim;
      if (trial.victim_phase() == kExitedEarlier || ran_elsewhere ||
          (failed_chunk && *failed_chunk != chunk)) {
        counts.lost += 1;
        trial.problem(
            fmt::format("lost: task {} of call {} failed with WorkerDied (it ran on pid "
                        "{}; the victim was pid {})",
                        i, call, task.pid.load(), victim));
      } else {
        failed_chunk = chunk;
        counts.allowed_losses += 1;
      }
    }
  }
}

}  // namespace ipcprop::campaign
