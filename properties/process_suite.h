// ipcprop — properties/process_suite.h
//
// The property suite for processes:
//
//   ProcessLike                        what the suite needs (ipcprop::Process)
//   process_props::ForkTree            S1: n splits give 2^n processes, each joined once
//   process_props::JoinOrdering        S2: once join() returns, the child has exited, its exit
//                                      code is known and every write it made is visible
//   process_props::ExitCodesAndSignals an int result is the exit code; terminate() and kill()
//                                      give -SIGTERM and -SIGKILL
//   IPCPROP_PROCESS_SUITE(Type)        one line registers the suite (in properties/gtest.h)
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <rapidcheck.h>

#include "harness/execution.h"
#include "primitives/codec.h"
#include "properties/operation_log.h"

namespace ipcprop::properties {

/// A child process running a callable: constructible from std::function<int()> (the result is
/// the exit code), start(), join(), exitcode() (nullopt while running, -N for signal N),
/// terminate(), kill().
template <typename T>
concept ProcessLike = std::constructible_from<T, std::function<int()>> && requires(T process) {
  process.start();
  process.join();
  { process.exitcode() } -> std::convertible_to<std::optional<int>>;
  process.terminate();
  process.kill();
};

namespace process_props {

/// What each child of the root actor does.
struct ChildPlan {
  std::uint8_t writes = 1;     ///< Words it writes to shared memory before ending.
  std::uint8_t exit_code = 0;  ///< Its result.
  std::uint8_t ending = 0;     ///< 0: returns; 1: the parent terminates it; 2: kills it.

  template <class Archive>
  void serialize(Archive& archive) {
    archive(writes, exit_code, ending);
  }
};

struct Workload {
  std::uint8_t splits = 1;  ///< For ForkTree.
  std::vector<ChildPlan> children;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(splits);
    codec::bounded_vector(archive, children);
  }
};

std::string describe(const Workload& workload);
rc::Gen<Workload> workload();

enum Record : std::uint16_t {
  Member,    ///< A process of the fork tree ran.
  Joined,    ///< A parent joined a child; result = 1 if its exit code was the expected one.
  Observed,  ///< After join: value = child, result = words seen written (of `writes`).
  ExitCode,  ///< value = child, result = exitcode() after join (or -1000 for none).
};

constexpr int kNoExitCode = -1000;

std::optional<std::string> check_tree(const Workload& workload,
                                      const std::vector<LogRecord>& records);
std::optional<std::string> check_join(const Workload& workload,
                                      const std::vector<LogRecord>& records, bool signals);

}  // namespace process_props
}  // namespace ipcprop::properties

#include "properties/process_suite.hpp"
