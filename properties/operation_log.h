// ipcprop — properties/operation_log.h
//
// OperationLog: what a property's actors tell its checker. A fixed-capacity log in shared memory
// that the driver creates before an execution and reads after it; actors append records with a
// timestamp from one shared counter. Under the controlled scheduler one actor runs at a time, so
// timestamps order records as they really happened: A happened before B iff A.time < B.time.
//
// The log is plain shared memory, not a primitive under test: nothing an actor does to the
// primitives can corrupt it, and it outlives the execution's processes.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/strategy.h"
#include "primitives/shared_memory.h"

namespace ipcprop::properties {

struct LogRecord {
  std::uint64_t time = 0;
  harness::ActorId actor = 0;
  std::uint16_t kind = 0;   ///< Meaning chosen by the property (an enum of its own).
  std::int64_t value = 0;   ///< E.g. the value put, the line number written.
  std::int64_t result = 0;  ///< E.g. the value got, 1 for success.
};

class OperationLog {
 public:
  /// Room for `capacity` records. Throws SystemError if the memory cannot be mapped.
  explicit OperationLog(std::uint32_t capacity = 4096);

  /// Appends a record stamped with the next time; returns the time. A full log drops the
  /// record and remembers that it overflowed (see overflowed()).
  std::uint64_t append(harness::ActorId actor, std::uint16_t kind, std::int64_t value = 0,
                       std::int64_t result = 0) noexcept;
  /// The next timestamp, without a record: for "call" and "return" moments of one operation.
  std::uint64_t tick() noexcept;

  /// Keeps the first note any actor leaves, e.g. the message of an exception that is about to end
  /// its program; later notes are dropped.
  void note(harness::ActorId actor, std::string_view text) noexcept;
  /// The first note, "actor <id>: <text>", or empty.
  std::string first_note() const;

  /// The records in time order.
  std::vector<LogRecord> records() const;
  bool overflowed() const noexcept;
  /// Empties the log for the next execution.
  void clear() noexcept;

 private:
  struct Header {
    std::atomic<std::uint64_t> clock{0};
    std::atomic<std::uint32_t> size{0};
    std::uint32_t capacity = 0;
    std::atomic<bool> noted{false};
    harness::ActorId note_actor = 0;
    char note[256] = {};
  };
  Header& header() const noexcept { return *static_cast<Header*>(memory_.data()); }
  LogRecord* slots() const noexcept {
    return reinterpret_cast<LogRecord*>(static_cast<char*>(memory_.data()) + sizeof(Header));
  }

  SharedMapping memory_;
};

}  // namespace ipcprop::properties
