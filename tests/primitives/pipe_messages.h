// ipcprop — tests/primitives/pipe_messages.h
//
// Self-checking messages for the Pipe tests: each carries its sender, its sequence number, its
// size and a checksum, so a receiver can tell a whole message from a torn or mixed one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <vector>

namespace ipcprop::testing {

// A self-checking message: [sender][sequence][payload size][checksum of payload][payload].
struct Stamp {
  std::uint32_t sender = 0;
  std::uint32_t sequence = 0;
  std::uint32_t size = 0;
  std::uint32_t checksum = 0;
};

inline std::uint32_t fnv1a(const std::byte* data, std::size_t size) {
  std::uint32_t hash = 2166136261U;
  for (std::size_t i = 0; i < size; ++i)
    hash = (hash ^ std::to_integer<std::uint32_t>(data[i])) * 16777619U;
  return hash;
}

/// Mostly small messages, some over PIPE_BUF, some over the 64 KiB pipe and receive buffer.
inline std::size_t random_size(std::mt19937& random) {
  const auto pick = std::uniform_int_distribution<int>(0, 99)(random);
  const std::size_t limit = pick < 60 ? 100 : pick < 85 ? 5000 : pick < 97 ? 70000 : 300000;
  return std::uniform_int_distribution<std::size_t>(0, limit)(random);
}

inline std::vector<std::byte> make_message(std::uint32_t sender, std::uint32_t sequence,
                                           std::mt19937& random) {
  const std::size_t size = random_size(random);
  std::vector<std::byte> message(sizeof(Stamp) + size);
  for (std::size_t i = sizeof(Stamp); i < message.size(); ++i) message[i] = std::byte(random());
  const Stamp stamp{sender, sequence, static_cast<std::uint32_t>(size),
                    fnv1a(message.data() + sizeof(Stamp), size)};
  std::memcpy(message.data(), &stamp, sizeof(Stamp));
  return message;
}

/// The stamp of an intact message, or nullopt if it is torn or mixed.
inline std::optional<Stamp> check_message(const std::vector<std::byte>& message) {
  if (message.size() < sizeof(Stamp)) return std::nullopt;
  Stamp stamp;
  std::memcpy(&stamp, message.data(), sizeof(Stamp));
  if (stamp.size != message.size() - sizeof(Stamp)) return std::nullopt;
  if (stamp.checksum != fnv1a(message.data() + sizeof(Stamp), stamp.size)) return std::nullopt;
  return stamp;
}

}  // namespace ipcprop::testing
