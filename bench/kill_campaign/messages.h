// ipcprop — bench/kill_campaign/messages.h
//
// Messages: [header | payload]. The payload is a function of (direction, producer, sequence,
// length, the trial's salt); the header carries its checksum, which the producer also records.
// A consumer checks each message with verify() and counts it with account().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "bench/kill_campaign/records.h"

namespace ipcprop::campaign {

/// The first 24 bytes of every Queue and Pipe message.
struct MessageHeader {
  std::uint32_t magic;
  std::uint16_t direction;
  std::uint16_t producer;
  std::uint32_t sequence;
  std::uint32_t length;  ///< Payload bytes.
  std::uint64_t checksum;
};
static_assert(sizeof(MessageHeader) == 24);

constexpr std::uint32_t kMessageMagic = 0x4C4C494B;  // "KILL" in memory.
constexpr std::uint16_t kSentinel = 0xFFFF;

/// Writes the message into out[0, sizeof(MessageHeader) + length); returns its checksum.
std::uint64_t make_message(std::byte* out, std::uint16_t direction, std::uint16_t producer,
                           std::uint32_t sequence, std::uint32_t length, std::uint64_t salt);

/// The bytes of a message with `length` payload bytes.
std::size_t message_size(std::uint32_t length);

/// Writes the header-only message that tells a consumer to stop.
void make_sentinel(std::byte* out);

/// What verify() found in a received message.
struct Verdict {
  enum Kind { Good, Sentinel, Torn } kind = Torn;
  bool identified = false;  ///< Torn, but its header names a message that was sent.
  std::uint16_t producer = 0;
  std::uint32_t sequence = 0;
  std::string why;
};

/// Checks a received message against its own checksum and against what its producer recorded.
/// Producers [first, last) send on `direction`.
Verdict verify(std::span<const std::byte> bytes, TrialShared& shared, std::uint16_t direction,
               std::uint16_t first, std::uint16_t last);

/// A consumer's bookkeeping for one received message.
void account(const Verdict& verdict, TrialShared& shared, ParticipantRecord& me);

}  // namespace ipcprop::campaign
