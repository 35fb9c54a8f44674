// ipcprop — harness/supervisor/stall_meter.h
//
// StallMeter: the watchdog's clock. It measures how long an execution has gone without
// progress, counting only what the processes it waits for really consumed: the CPU time they
// ran (/proc/<pid>/schedstat) and the time they stayed blocked in the kernel (state S or D in
// /proc/<pid>/stat at two looks in a row). Time spent runnable, waiting for a CPU that other
// programs on a busy machine held, does not count. So a loaded machine slows an execution down
// without making it look hung, while an actor that spins or blocks outside the hooks is still
// cut once it has used the limit. Where /proc cannot be read the meter counts wall-clock time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>

#include <sys/types.h>

namespace ipcprop::harness::detail {

class StallMeter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit StallMeter(std::chrono::nanoseconds limit);

  /// How long to sleep before the next look: a tenth of the limit, within [1 ms, 100 ms].
  std::chrono::milliseconds tick() const noexcept { return tick_; }

  /// Takes a look. `progress` changes whenever the execution makes progress (which restarts the
  /// count); `responsible` are the processes it waits for now. Charges what the one of them
  /// that consumed most consumed since the last look. True once the charge reaches the limit.
  bool stalled(std::uint64_t progress, std::span<const pid_t> responsible);

  /// The time charged since the last progress.
  std::chrono::nanoseconds charged() const noexcept { return charged_; }

 private:
  struct Reading {
    std::int64_t cpu_ns = 0;
    bool blocked = false;  ///< In the kernel, not runnable (S or D).
  };
  static std::optional<Reading> read(pid_t pid);

  std::chrono::nanoseconds limit_;
  std::chrono::milliseconds tick_;
  std::uint64_t progress_ = 0;
  Clock::time_point last_look_;
  std::chrono::nanoseconds charged_{0};
  std::unordered_map<pid_t, Reading> last_;  ///< At the last look.
};

}  // namespace ipcprop::harness::detail
