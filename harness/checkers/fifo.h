// ipcprop — harness/checkers/fifo.h
//
// A FIFO / no loss / no duplication check for a queue, simpler and much cheaper than
// linearizability: it needs only what each producer put and what each consumer received.
//
//   FifoRecord     per-producer put sequences, per-consumer received sequences, and what was
//                  still in the queue at the end (if the suite drained it)
//   FifoViolation  one broken rule, naming the value, its producer and its position
//   check_fifo     every violation, in a deterministic order
//
// Rules: every value put is received exactly once, or is listed in `left_in_queue`; nothing
// is received that was never put; a consumer receives the values of one producer in the order
// they were put; and no value left in the queue was put before a value of the same producer
// that was received. Values must be distinct across all producers (suites encode messages to
// unique ids).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ipcprop::harness {

struct FifoRecord {
  std::vector<std::vector<std::int64_t>> produced;  ///< produced[p]: producer p's puts, in order.
  std::vector<std::vector<std::int64_t>> consumed;  ///< consumed[c]: consumer c's gets, in order.
  std::vector<std::int64_t> left_in_queue;  ///< Drained after the run, oldest first; may be empty.
};

struct FifoViolation {
  enum class Kind : std::uint8_t {
    Lost,        ///< Put, never received, not left in the queue.
    Duplicated,  ///< Received (or left in the queue) more than once.
    Reordered,   ///< Received after a later value of the same producer.
    Unknown,     ///< Received but never put.
  };
  Kind kind = Kind::Lost;
  std::int64_t value = 0;
  std::optional<std::size_t> producer;  ///< Unset for Unknown.
  std::optional<std::size_t> position;  ///< Index in the producer's sequence; unset for Unknown.
  std::string text;                     ///< e.g. "value 7 (producer 1, put #2) was lost".
};

/// Checks `record` against the rules above. Does not block. Throws std::invalid_argument if a
/// value was put twice.
std::vector<FifoViolation> check_fifo(const FifoRecord& record);

}  // namespace ipcprop::harness
