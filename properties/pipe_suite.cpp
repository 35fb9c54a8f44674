#include "properties/pipe_suite.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ipcprop::properties::pipe_props {

std::string describe(const Workload& workload) {
  return fmt::format("messages forward of sizes [{}], backward of sizes [{}]",
                     fmt::join(workload.forward, ", "), fmt::join(workload.backward, ", "));
}

rc::Gen<Workload> workload() {
  // Small enough in total (at most 6 × 4 KiB each way) that no send waits for a full pipe
  // while its receiver is itself sending.
  const auto sizes =
      rc::gen::resize(6, rc::gen::container<std::vector<std::uint16_t>>(
                             rc::gen::resize(100, rc::gen::inRange<std::uint16_t>(0, 4097))));
  return rc::gen::build<Workload>(rc::gen::set(&Workload::forward, sizes),
                                  rc::gen::set(&Workload::backward, sizes));
}

std::vector<std::byte> message(int direction, std::size_t index, std::size_t size) {
  std::vector<std::byte> bytes(size);
  for (std::size_t position = 0; position < size; ++position) {
    bytes[position] =
        static_cast<std::byte>((direction * 131 + index * 31 + position * 7 + size) & 0xff);
  }
  return bytes;
}

std::optional<std::string> check_direction(const std::vector<LogRecord>& records, int direction,
                                           std::size_t sent, bool expect_eof) {
  const char* way = direction == 0 ? "forward" : "backward";
  std::size_t received = 0;
  std::uint64_t closed_at = 0;
  std::vector<std::uint64_t> send_called(sent, 0);
  std::optional<LogRecord> last_poll;
  for (const LogRecord& record : records) {
    const bool mine = record.value / 1000 == direction;
    if (record.kind == SendCall && mine) {
      send_called[static_cast<std::size_t>(record.value % 1000)] = record.time;
    } else if (record.kind == Closed && record.value == direction) {
      closed_at = record.time;
    } else if (record.kind == Polled && record.value == direction) {
      last_poll = record;
    } else if (record.kind == Received && mine) {
      const auto index = static_cast<std::size_t>(record.value % 1000);
      if (record.result != 1 || index >= sent) {
        return fmt::format(
            "whole and in order: the {} message #{} received at t={} is not the "
            "{} message #{} that was sent (torn, merged, reordered or extra)",
            way, index, record.time, way, index);
      }
      if (last_poll && last_poll->result == 1 && send_called[index] > last_poll->time) {
        return fmt::format(
            "poll agrees with recv: poll() said a {} message was ready at t={}, "
            "but the message received next was only sent at t={}",
            way, last_poll->time, send_called[index]);
      }
      ++received;
    } else if (record.kind == Eof && record.value == direction) {
      if (received != sent || closed_at == 0 || closed_at > record.time) {
        return fmt::format(
            "EOF only after close and drain: {} EOF at t={} after {} of {} "
            "messages{}",
            way, record.time, received, sent,
            closed_at == 0 || closed_at > record.time ? ", before the sender closed" : "");
      }
      return std::nullopt;
    }
  }
  if (received != sent) {
    return fmt::format("whole and in order: {} of {} {} messages arrived", received, sent, way);
  }
  if (expect_eof) return fmt::format("EOF: the {} receiver never saw EOF after close", way);
  return std::nullopt;
}

}  // namespace ipcprop::properties::pipe_props
