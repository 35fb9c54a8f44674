// ipcprop — bench/kill_campaign/messages.cpp
#include "bench/kill_campaign/messages.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include <fmt/format.h>

#include "bench/kill_campaign/records.h"
#include "bench/kill_campaign/rng.h"

namespace ipcprop::campaign {
namespace {

std::uint64_t fold(std::uint64_t hash, std::uint64_t word) {
  hash = (hash ^ word) * 0x9E3779B97F4A7C15ULL;
  return hash ^ (hash >> 32);
}

std::uint64_t checksum_of(std::span<const std::byte> payload) {
  std::uint64_t hash = 0xCBF29CE484222325ULL ^ payload.size();
  std::size_t at = 0;
  for (; at + 8 <= payload.size(); at += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, payload.data() + at, 8);
    hash = fold(hash, word);
  }
  if (at < payload.size()) {
    std::uint64_t word = 0;
    std::memcpy(&word, payload.data() + at, payload.size() - at);
    hash = fold(hash, word);
  }
  return hash;
}

}  // namespace

std::uint64_t make_message(std::byte* out, std::uint16_t direction, std::uint16_t producer,
                           std::uint32_t sequence, std::uint32_t length, std::uint64_t salt) {
  const std::uint64_t key = mix(
      salt ^ mix((std::uint64_t{direction} << 48) | (std::uint64_t{producer} << 32) | sequence) ^
      length);
  std::byte* payload = out + sizeof(MessageHeader);
  std::size_t at = 0;
  for (std::uint64_t i = 0; at + 8 <= length; at += 8, ++i) {
    const std::uint64_t word = mix(key + i);
    std::memcpy(payload + at, &word, 8);
  }
  if (at < length) {
    const std::uint64_t word = mix(key + at / 8);
    std::memcpy(payload + at, &word, length - at);
  }
  const MessageHeader header{kMessageMagic, direction, producer,
                             sequence,      length,    checksum_of(std::span(payload, length))};
  std::memcpy(out, &header, sizeof header);
  return header.checksum;
}

std::size_t message_size(std::uint32_t length) {
  return sizeof(MessageHeader) + length;
}

void make_sentinel(std::byte* out) {
  const MessageHeader header{kMessageMagic, 0, kSentinel, 0, 0, 0};
  std::memcpy(out, &header, sizeof header);
}

Verdict verify(std::span<const std::byte> bytes, TrialShared& shared, std::uint16_t direction,
               std::uint16_t first, std::uint16_t last) {
  Verdict verdict;
  if (bytes.size() < sizeof(MessageHeader)) {
    verdict.why = fmt::format("a message of {} bytes, shorter than its header", bytes.size());
    return verdict;
  }
  MessageHeader header{};
  std::memcpy(&header, bytes.data(), sizeof header);
  if (header.magic != kMessageMagic) {
    verdict.why =
        fmt::format("a {}-byte message with a bad magic {:#x}", bytes.size(), header.magic);
    return verdict;
  }
  if (header.producer == kSentinel && bytes.size() == sizeof header) {
    verdict.kind = Verdict::Sentinel;
    return verdict;
  }
  verdict.producer = header.producer;
  verdict.sequence = header.sequence;
  const auto what = [&header] {
    return fmt::format("message {} of producer {} (direction {}, {} payload bytes)",
                       header.sequence, header.producer, header.direction, header.length);
  };
  if (header.direction != direction || header.producer < first || header.producer >= last ||
      header.sequence >= kMaxMessages) {
    verdict.why = fmt::format("{} cannot exist here (direction {}, producers {}-{})", what(),
                              direction, first, last - 1);
    return verdict;
  }
  MessageRecord& record = shared.messages[header.producer][header.sequence];
  if (record.sent.load() == 0) {
    verdict.why = fmt::format("{} arrived although it was never sent", what());
    return verdict;
  }
  // From here on the message is known: torn, it still counts as received (not also as lost).
  verdict.identified = true;
  if (bytes.size() != message_size(header.length)) {
    verdict.why = fmt::format("{} arrived with {} bytes instead of {}", what(), bytes.size(),
                              message_size(header.length));
    return verdict;
  }
  if (checksum_of(bytes.subspan(sizeof header)) != header.checksum) {
    verdict.why = fmt::format("{}: the payload does not match its checksum", what());
    return verdict;
  }
  if (record.checksum.load() != header.checksum || record.length.load() != header.length) {
    verdict.why = fmt::format("{} is not the message its producer sent under that number", what());
    return verdict;
  }
  verdict.kind = Verdict::Good;
  return verdict;
}

void account(const Verdict& verdict, TrialShared& shared, ParticipantRecord& me) {
  if (verdict.kind == Verdict::Torn) {
    me.torn.fetch_add(1);
    note(me, fmt::format("torn: {}", verdict.why));
    if (!verdict.identified) return;
  }
  shared.messages[verdict.producer][verdict.sequence].received.fetch_add(1);
}

}  // namespace ipcprop::campaign
