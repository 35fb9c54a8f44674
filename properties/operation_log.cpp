#include "properties/operation_log.h"

#include <algorithm>
#include <new>

namespace ipcprop::properties {

OperationLog::OperationLog(std::uint32_t capacity)
    : memory_(sizeof(Header) + std::size_t{capacity} * sizeof(LogRecord)) {
  ::new (memory_.data()) Header;
  header().capacity = capacity;
}

std::uint64_t OperationLog::tick() noexcept {
  return header().clock.fetch_add(1, std::memory_order_relaxed) + 1;
}

std::uint64_t OperationLog::append(harness::ActorId actor, std::uint16_t kind, std::int64_t value,
                                   std::int64_t result) noexcept {
  const std::uint64_t time = tick();
  const std::uint32_t index = header().size.fetch_add(1, std::memory_order_relaxed);
  if (index < header().capacity) slots()[index] = LogRecord{time, actor, kind, value, result};
  return time;
}

std::vector<LogRecord> OperationLog::records() const {
  const std::uint32_t size = std::min(header().size.load(), header().capacity);
  std::vector<LogRecord> records(slots(), slots() + size);
  std::sort(records.begin(), records.end(),
            [](const LogRecord& a, const LogRecord& b) { return a.time < b.time; });
  return records;
}

bool OperationLog::overflowed() const noexcept {
  return header().size.load() > header().capacity;
}

void OperationLog::clear() noexcept {
  header().clock.store(0);
  header().size.store(0);
}

}  // namespace ipcprop::properties
