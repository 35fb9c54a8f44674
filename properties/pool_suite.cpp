#include "properties/pool_suite.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <map>
#include <stdexcept>

#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "primitives/errors.h"
#include "primitives/sync_hooks.h"

namespace ipcprop::properties::pool_props {
namespace {

constexpr std::string_view kCallNames[] = {"map", "starmap", "imap", "imap_unordered"};

std::string count_of(std::size_t count, std::string_view noun) {
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

std::string_view call_name(std::uint8_t call) {
  return call < std::size(kCallNames) ? kCallNames[call] : std::string_view("an unknown call");
}

void start(std::int64_t x) {
  task_log->append(0, TaskStart, x);
  sync::invoke({"PoolProps::task", {"PoolProps", 0}});
}

std::int64_t expected_result(std::int64_t index) {
  return index * index + 1;
}

/// Kills the calling worker, announced as Process::kill announces a signal to a child: under a
/// harness the death is the workload's doing, and the pool must notice it by itself.
[[noreturn]] void kill_this_worker() {
  sync::after_signal(::getpid(), SIGKILL);
  if (::kill(::getpid(), SIGKILL) == -1) throw_system_error("kill", "the pool worker itself");
  std::abort();  // SIGKILL to oneself is delivered before kill() returns.
}

struct Runs {
  int started = 0;
  int ended = 0;
};

std::map<std::int64_t, Runs> runs_of_tasks(const std::vector<LogRecord>& records) {
  std::map<std::int64_t, Runs> runs;
  for (const LogRecord& record : records) {
    if (record.kind == TaskStart) ++runs[record.value].started;
    if (record.kind == TaskEnd) ++runs[record.value].ended;
  }
  return runs;
}

std::vector<const LogRecord*> answers(const std::vector<LogRecord>& records) {
  std::vector<const LogRecord*> found;
  for (const LogRecord& record : records) {
    if (record.kind == Result || record.kind == Failed) found.push_back(&record);
  }
  return found;
}

std::optional<std::string> children_left(const std::vector<LogRecord>& records,
                                         std::string_view after) {
  for (const LogRecord& record : records) {
    if (record.kind == ChildrenLeft && record.value != 0) {
      return fmt::format("after {} the pool's owner still has a child process (t={})", after,
                         record.time);
    }
  }
  return std::nullopt;
}

}  // namespace

std::int64_t task(std::int64_t x) {
  start(x);
  task_log->append(0, TaskEnd, x);
  return expected_result(x);
}

std::int64_t pair_task(std::int64_t x, std::int64_t y) {
  start(x);
  task_log->append(0, TaskEnd, x);
  return x * x + y;
}

std::int64_t encode_fated(std::int64_t index, Fate fate) {
  return index * 4 + fate;
}

std::string fated_message(std::int64_t index) {
  return fmt::format("task {} failed on purpose", index);
}

std::int64_t fated_task(std::int64_t encoded) {
  const std::int64_t index = encoded / 4;
  const auto fate = static_cast<Fate>(encoded % 4);
  start(index);
  if (fate == Killed) kill_this_worker();
  task_log->append(0, TaskEnd, index);
  if (fate == Throws) throw std::runtime_error(fated_message(index));
  return expected_result(index);
}

bool has_child_processes() {
  siginfo_t info{};
  if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == -1) {
    if (errno == ECHILD) return false;
    throw_system_error("waitid", "the pool owner's children");
  }
  return true;
}

std::string describe_terminate(const Workload& workload) {
  return fmt::format("Pool({}): map_async over {}, chunksize {}, then terminate()",
                     workload.workers, count_of(workload.items, "item"), workload.chunksize);
}

std::string describe(const Workload& workload) {
  return fmt::format(
      "Pool({}) with maxtasksperchild {}: map, starmap, imap, imap_unordered over {} each, "
      "chunksize {}",
      workload.workers, workload.maxtasksperchild, count_of(workload.items, "item"),
      workload.chunksize);
}

std::string describe(const FailureWorkload& workload) {
  constexpr std::string_view kFateNames[] = {"returns", "throws", "killed"};
  std::string fates;
  for (std::size_t index = 0; index < workload.fates.size(); ++index) {
    const std::uint8_t fate = workload.fates[index];
    fates += fmt::format("{}task {} {}", index == 0 ? "" : ", ", index,
                         fate < std::size(kFateNames) ? kFateNames[fate] : "?");
  }
  return fmt::format("Pool({}): imap, chunksize 1, over {}: {}", workload.workers,
                     count_of(workload.fates.size(), "task"), fates);
}

rc::Gen<Workload> workload() {
  return rc::gen::resize(
      100, rc::gen::build<Workload>(
               rc::gen::set(&Workload::workers, rc::gen::inRange<std::uint8_t>(1, 4)),
               rc::gen::set(&Workload::items, rc::gen::inRange<std::uint8_t>(1, 7)),
               rc::gen::set(&Workload::chunksize, rc::gen::inRange<std::uint8_t>(0, 3)),
               rc::gen::set(&Workload::maxtasksperchild, rc::gen::inRange<std::uint8_t>(0, 3))));
}

rc::Gen<FailureWorkload> failure_workload() {
  // A plain container (not a count, then elements) so that shrinking drops single tasks.
  const auto fate = rc::gen::resize(100, rc::gen::inRange<std::uint8_t>(Returns, Killed + 1));
  const auto fates = rc::gen::suchThat(
      rc::gen::resize(6, rc::gen::container<std::vector<std::uint8_t>>(fate)),
      [](const std::vector<std::uint8_t>& drawn) { return !drawn.empty() && drawn.size() <= 6; });
  return rc::gen::build<FailureWorkload>(
      rc::gen::set(&FailureWorkload::workers,
                   rc::gen::resize(100, rc::gen::inRange<std::uint8_t>(1, 4))),
      rc::gen::set(&FailureWorkload::fates, fates));
}

rc::Gen<Workload> terminate_workload() {
  return rc::gen::resize(
      100, rc::gen::build<Workload>(
               rc::gen::set(&Workload::workers, rc::gen::inRange<std::uint8_t>(1, 4)),
               rc::gen::set(&Workload::items, rc::gen::inRange<std::uint8_t>(1, 7)),
               rc::gen::set(&Workload::chunksize, rc::gen::inRange<std::uint8_t>(0, 3))));
}

namespace {

/// Call `call`'s results, in the order they were handed out, or a reason they are not whole.
std::optional<std::string> order_problem(Call call, int items,
                                         const std::vector<const LogRecord*>& answers) {
  const std::string_view name = call_name(call);
  std::vector<std::int64_t> got;
  std::vector<std::int64_t> expected;
  for (const LogRecord* answer : answers) {
    const std::int64_t position = answer->value - call * kCallStride;
    if (answer->kind == Failed) {
      return fmt::format("{}: result #{} is an error, but no task fails", name, position);
    }
    got.push_back(answer->result);
    expected.push_back(expected_result(call * kCallStride + position));
  }
  if (static_cast<int>(got.size()) != items) {
    return fmt::format("{} returned {} results for {} items", name, got.size(), items);
  }
  if (call == ImapUnordered) {
    std::sort(got.begin(), got.end());
    if (got != expected) {
      return fmt::format("imap_unordered: the results {} are not a permutation of {}",
                         fmt::join(got, ", "), fmt::join(expected, ", "));
    }
    return std::nullopt;
  }
  for (std::size_t index = 0; index < got.size(); ++index) {
    if (got[index] != expected[index]) {
      return fmt::format("{}: input order: result #{} was {} but task {} returns {}", name, index,
                         got[index], index, expected[index]);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_exactly_once(const Workload& workload,
                                              const std::vector<LogRecord>& records) {
  auto runs = runs_of_tasks(records);
  std::vector<std::vector<const LogRecord*>> by_call(kCalls);
  for (const LogRecord* answer : answers(records)) {
    const std::int64_t call = answer->value / kCallStride;
    if (call < 0 || call >= kCalls) return fmt::format("a result for no call: {}", answer->value);
    by_call[call].push_back(answer);
  }
  for (std::uint8_t call = Map; call < kCalls; ++call) {
    for (std::int64_t item = 0; item < workload.items; ++item) {
      const int ran = runs[call * kCallStride + item].ended;
      if (ran != 1) {
        return fmt::format("exactly once: {} task {} ran {} times", call_name(call), item, ran);
      }
    }
    if (auto problem = order_problem(static_cast<Call>(call), workload.items, by_call[call])) {
      return problem;
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_bound(const Workload& workload,
                                       const std::vector<LogRecord>& records) {
  int running = 0;
  for (const LogRecord& record : records) {
    if (record.kind == TaskStart && ++running > workload.workers) {
      return fmt::format(
          "bound: task {} started at t={} while {} tasks already ran on a pool of "
          "{} workers",
          record.value, record.time, running - 1, workload.workers);
    }
    if (record.kind == TaskEnd) --running;
  }
  return std::nullopt;
}

std::optional<std::string> check_contained(const FailureWorkload& workload,
                                           const std::vector<LogRecord>& records) {
  auto runs = runs_of_tasks(records);
  const std::vector<const LogRecord*> results = answers(records);
  for (std::size_t position = 0; position < workload.fates.size(); ++position) {
    const auto index = static_cast<std::int64_t>(position);
    const auto fate = static_cast<Fate>(workload.fates[position]);
    const Runs& run = runs[index];
    if (run.started != 1 || (fate != Killed && run.ended != 1)) {
      return fmt::format("exactly once: task {} started {} times and ran to its end {} times",
                         index, run.started, run.ended);
    }
    if (position >= results.size()) {
      return fmt::format("imap handed out {} results for {} tasks", results.size(),
                         workload.fates.size());
    }
    const LogRecord& answer = *results[position];
    if (fate == Returns && answer.kind == Failed) {
      return fmt::format("containment: task {} returned normally, but imap gave an error for it",
                         index);
    }
    if (fate == Returns && answer.result != expected_result(index)) {
      return fmt::format("imap: result #{} was {} but task {} returns {}", index, answer.result,
                         index, expected_result(index));
    }
    if (fate != Returns && answer.kind == Result) {
      return fmt::format("containment: task {} {}, but imap returned {} for it", index,
                         fate == Throws ? "threw" : "had its worker killed", answer.result);
    }
    if (fate == Throws && answer.result != 1) {
      return fmt::format("the error for task {} does not carry the task's message \"{}\"", index,
                         fated_message(index));
    }
  }
  if (results.size() > workload.fates.size()) {
    return fmt::format("imap handed out more than {} results for {} tasks", workload.fates.size(),
                       workload.fates.size());
  }
  return children_left(records, "close() and join()");
}

std::optional<std::string> check_terminated(const Workload& workload,
                                            const std::vector<LogRecord>& records) {
  std::optional<std::uint64_t> terminated;
  for (const LogRecord& record : records) {
    if (record.kind == TerminateReturned) terminated = record.time;
    const bool task_moved = record.kind == TaskStart || record.kind == TaskEnd;
    if (terminated && task_moved) {
      return fmt::format("task {} {} at t={}, after terminate() returned at t={}", record.value,
                         record.kind == TaskStart ? "started" : "ran on", record.time, *terminated);
    }
  }
  if (auto problem = children_left(records, "terminate() and join()")) return problem;
  std::vector<const LogRecord*> results;
  for (const LogRecord& record : records) {
    if (record.kind == Result) results.push_back(&record);
  }
  if (results.empty()) return std::nullopt;  // get() threw: tasks were cut short.
  if (results.size() != workload.items) {
    return fmt::format("after terminate(), get() returned {} results for {} items", results.size(),
                       workload.items);
  }
  for (std::size_t index = 0; index < results.size(); ++index) {
    const std::int64_t expected = expected_result(static_cast<std::int64_t>(index));
    if (results[index]->result != expected) {
      return fmt::format("after terminate(), get()'s result #{} was {} but task {} returns {}",
                         index, results[index]->result, index, expected);
    }
  }
  return std::nullopt;
}

}  // namespace ipcprop::properties::pool_props
