#include "primitives/errors.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace ipcprop {
namespace {

std::string describe(std::string_view call, int error_number, std::string_view object) {
  const char* name = strerrorname_np(error_number);
  std::string message =
      object.empty() ? fmt::format("{}: ", call) : fmt::format("{} on {}: ", call, object);
  fmt::format_to(std::back_inserter(message), "{} ({})", std::strerror(error_number),
                 name != nullptr ? name : "unknown errno");
  return message;
}

}  // namespace

SystemError::SystemError(std::string_view call, int error_number, std::string_view object)
    : std::system_error(error_number, std::system_category()),
      message_(describe(call, error_number, object)),
      call_(call),
      object_(object) {}

void throw_system_error(std::string_view call, std::string_view object) {
  throw SystemError(call, errno, object);
}

OwnerDied::OwnerDied(std::string_view lock, int dead_owner_pid)
    : std::runtime_error(fmt::format(
          "{}: the previous owner ({}) died while holding it; the caller now holds the lock and "
          "must repair what it guards before releasing it",
          lock, dead_owner_pid != 0 ? fmt::format("process {}", dead_owner_pid) : "a process")),
      dead_owner_pid_(dead_owner_pid) {}

}  // namespace ipcprop
