#include "properties/operation_log.h"

#include <algorithm>
#include <cstring>
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

void OperationLog::note(harness::ActorId actor, std::string_view text) noexcept {
  bool expected = false;
  if (!header().noted.compare_exchange_strong(expected, true)) return;
  const std::size_t length = std::min(text.size(), sizeof(Header::note) - 1);
  std::memcpy(header().note, text.data(), length);
  header().note[length] = '\0';
  header().note_actor = actor;
}

std::string OperationLog::first_note() const {
  if (!header().noted.load()) return {};
  return "actor " + std::to_string(header().note_actor) + ": " + header().note;
}

bool OperationLog::overflowed() const noexcept {
  return header().size.load() > header().capacity;
}

void OperationLog::clear() noexcept {
  header().clock.store(0);
  header().size.store(0);
  header().noted.store(false);
}

}  // namespace ipcprop::properties
