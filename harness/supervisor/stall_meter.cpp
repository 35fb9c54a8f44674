#include "harness/supervisor/stall_meter.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

namespace ipcprop::harness::detail {
namespace {

/// The start of /proc/<pid>/<name>, or nullopt if it cannot be read (the process is gone).
/// open/read rather than a stream: the supervisor reads these every tick.
std::optional<std::string> read_proc(pid_t pid, const char* name) {
  const std::string path = fmt::format("/proc/{}/{}", pid, name);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd == -1) return std::nullopt;
  char text[512];
  const ssize_t length = ::read(fd, text, sizeof text);
  ::close(fd);
  if (length <= 0) return std::nullopt;
  return std::string(text, static_cast<std::size_t>(length));
}

}  // namespace

StallMeter::StallMeter(std::chrono::nanoseconds limit)
    : limit_(limit),
      tick_(std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(limit / 10),
                       std::chrono::milliseconds(1), std::chrono::milliseconds(100))),
      last_look_(Clock::now()) {}

std::optional<StallMeter::Reading> StallMeter::read(pid_t pid) {
  const auto schedstat = read_proc(pid, "schedstat");
  const auto stat = read_proc(pid, "stat");
  if (!schedstat || !stat) return std::nullopt;
  unsigned long long cpu_ns = 0;
  if (std::sscanf(schedstat->c_str(), "%llu", &cpu_ns) != 1) return std::nullopt;
  const auto name_end = stat->rfind(')');  // The command name may hold spaces and parentheses.
  if (name_end == std::string::npos || name_end + 2 >= stat->size()) return std::nullopt;
  const char state = (*stat)[name_end + 2];
  return Reading{static_cast<std::int64_t>(cpu_ns), state == 'S' || state == 'D'};
}

bool StallMeter::stalled(std::uint64_t progress, std::span<const pid_t> responsible) {
  const Clock::time_point now = Clock::now();
  const std::chrono::nanoseconds elapsed = now - last_look_;
  std::unordered_map<pid_t, Reading> readings;
  std::chrono::nanoseconds most{0};
  for (const pid_t pid : responsible) {
    const auto reading = read(pid);
    if (!reading) {
      most = elapsed;  // Cannot tell: count wall-clock time.
      continue;
    }
    readings[pid] = *reading;
    const auto before = last_.find(pid);
    if (before == last_.end()) continue;  // From the next look on.
    std::chrono::nanoseconds consumed(reading->cpu_ns - before->second.cpu_ns);
    if (reading->blocked && before->second.blocked) consumed = elapsed;
    most = std::max(most, consumed);
  }
  if (responsible.empty()) most = elapsed;
  if (progress != progress_) {
    progress_ = progress;
    charged_ = std::chrono::nanoseconds(0);
  } else {
    charged_ += std::min(most, elapsed);
  }
  last_look_ = now;
  last_ = std::move(readings);
  return charged_ >= limit_;
}

}  // namespace ipcprop::harness::detail
