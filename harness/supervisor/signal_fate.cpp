#include "harness/supervisor/signal_fate.h"

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include <fmt/format.h>

namespace ipcprop::harness::detail {
namespace {

bool default_action_ignores_or_stops(int signal_number) {
  switch (signal_number) {
    case SIGCHLD:
    case SIGCONT:
    case SIGURG:
    case SIGWINCH:
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool signal_ends_process(pid_t pid, int signal_number) {
  if (signal_number == SIGKILL) return true;
  if (signal_number <= 0 || signal_number > 64 || default_action_ignores_or_stops(signal_number)) {
    return false;
  }
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  const std::uint64_t bit = std::uint64_t{1} << (signal_number - 1);
  std::string line;
  while (std::getline(status, line)) {
    // "SigBlk:\t0000000000000000": blocked, then ignored, then caught. A zombie's are zero.
    if (!line.starts_with("SigBlk:") && !line.starts_with("SigIgn:") &&
        !line.starts_with("SigCgt:")) {
      continue;
    }
    const std::uint64_t mask = std::strtoull(line.c_str() + 7, nullptr, 16);
    if ((mask & bit) != 0) return false;
  }
  return true;  // Unreadable or not in any mask: the default action ends it.
}

}  // namespace ipcprop::harness::detail
