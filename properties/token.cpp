#include "properties/token.h"

#include <array>
#include <cctype>

#include <fmt/format.h>

#include "harness/execution.h"

namespace ipcprop::properties {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::uint32_t fnv1a32(const std::vector<std::uint8_t>& bytes, std::size_t size) {
  std::uint32_t hash = 2166136261u;
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 16777619u;
  }
  return hash;
}

class Writer {
 public:
  void varint(std::uint64_t value) {
    do {
      std::uint8_t byte = value & 0x7f;
      value >>= 7;
      if (value != 0) byte |= 0x80;
      bytes_.push_back(byte);
    } while (value != 0);
  }
  void byte(std::uint8_t value) { bytes_.push_back(value); }
  void string(std::string_view text) {
    varint(text.size());
    bytes_.insert(bytes_.end(), text.begin(), text.end());
  }
  void blob(const std::vector<std::byte>& data) {
    varint(data.size());
    for (const std::byte value : data) bytes_.push_back(static_cast<std::uint8_t>(value));
  }
  std::vector<std::uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<std::uint8_t> bytes_;
};

class Reader {
 public:
  Reader(const std::vector<std::uint8_t>& bytes, std::size_t end) : bytes_(bytes), end_(end) {}
  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t next = byte();
      value |= std::uint64_t{next & 0x7fu} << shift;
      if ((next & 0x80) == 0) return value;
    }
    throw TokenError("malformed token: a number is too long");
  }
  std::uint8_t byte() {
    if (position_ >= end_) throw TokenError("malformed token: it ends too early");
    return bytes_[position_++];
  }
  std::size_t length() {
    const std::uint64_t size = varint();
    if (size > end_ - position_) throw TokenError("malformed token: a field runs past its end");
    return static_cast<std::size_t>(size);
  }
  std::string string() {
    const std::size_t size = length();
    std::string text(bytes_.begin() + static_cast<std::ptrdiff_t>(position_),
                     bytes_.begin() + static_cast<std::ptrdiff_t>(position_ + size));
    position_ += size;
    return text;
  }
  std::vector<std::byte> blob() {
    const std::size_t size = length();
    std::vector<std::byte> data(size);
    for (std::size_t i = 0; i < size; ++i) data[i] = std::byte{bytes_[position_ + i]};
    position_ += size;
    return data;
  }
  bool at_end() const { return position_ == end_; }

 private:
  const std::vector<std::uint8_t>& bytes_;
  std::size_t end_;
  std::size_t position_ = 0;
};

std::string to_base64url(const std::vector<std::uint8_t>& bytes) {
  std::string text;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const std::uint8_t byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      text += kAlphabet[(buffer >> bits) & 0x3f];
    }
  }
  if (bits > 0) text += kAlphabet[(buffer << (6 - bits)) & 0x3f];
  return text;
}

std::vector<std::uint8_t> from_base64url(std::string_view text) {
  std::vector<std::uint8_t> bytes;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char character : text) {
    if (std::isspace(static_cast<unsigned char>(character))) continue;
    const auto index = kAlphabet.find(character);
    if (index == std::string_view::npos) {
      throw TokenError(fmt::format("malformed token: '{}' is not a token character", character));
    }
    buffer = (buffer << 6) | static_cast<std::uint32_t>(index);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<std::uint8_t>((buffer >> bits) & 0xff));
    }
  }
  return bytes;
}

}  // namespace

std::string encode_token(const ReplayToken& token) {
  return detail::encode_token_as_version(token, kTokenVersion);
}

std::string detail::encode_token_as_version(const ReplayToken& token, std::uint8_t version) {
  Writer out;
  out.byte(version);
  out.string(token.property);
  out.string(token.primitive);
  out.blob(token.workload);
  out.varint(token.data_seed);
  out.varint(token.decisions.size());
  for (const harness::Decision& decision : token.decisions) {
    out.varint(decision.choice);
    out.varint(decision.candidates);
    out.varint(decision.chosen);
    out.byte(decision.current_enabled ? 1 : 0);
  }
  const std::uint32_t checksum = fnv1a32(out.bytes(), out.bytes().size());
  for (int shift = 0; shift < 32; shift += 8) out.byte((checksum >> shift) & 0xff);
  return to_base64url(out.bytes());
}

ReplayToken decode_token(std::string_view text) {
  const std::vector<std::uint8_t> bytes = from_base64url(text);
  if (bytes.size() < 5) throw TokenError("malformed token: too short to be a replay token");
  const std::size_t body = bytes.size() - 4;
  std::uint32_t stored = 0;
  for (int index = 3; index >= 0; --index) stored = (stored << 8) | bytes[body + index];
  const bool intact = stored == fnv1a32(bytes, body);
  if (bytes[0] != kTokenVersion && intact) {
    throw TokenError(fmt::format(
        "token format version {}: this ipcprop reads version {} (was it printed by another "
        "version of ipcprop?)",
        bytes[0], kTokenVersion));
  }
  if (!intact) {
    throw TokenError(
        "malformed token: its checksum does not match (was it cut or mistyped, or is it not an "
        "ipcprop replay token?)");
  }
  Reader in(bytes, body);
  in.byte();  // The version, checked above.
  ReplayToken token;
  token.property = in.string();
  token.primitive = in.string();
  token.workload = in.blob();
  token.data_seed = in.varint();
  const std::uint64_t count = in.varint();
  if (count > harness::detail::kMaxDecisionsPerExecution) {
    throw TokenError(
        fmt::format("malformed token: {} scheduling decisions, more than an execution "
                    "can make ({})",
                    count, harness::detail::kMaxDecisionsPerExecution));
  }
  // Candidates and the actor chosen are among the actors of one execution.
  const auto actor_number = [&in](std::string_view what) {
    const std::uint64_t value = in.varint();
    if (value > harness::detail::kMaxActorsPerExecution) {
      throw TokenError(fmt::format("malformed token: a decision's {} is {}, out of range (0 to {})",
                                   what, value, harness::detail::kMaxActorsPerExecution));
    }
    return value;
  };
  token.decisions.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t index = 0; index < count; ++index) {
    harness::Decision decision;
    decision.choice = static_cast<std::uint16_t>(actor_number("choice"));
    decision.candidates = static_cast<std::uint16_t>(actor_number("number of candidates"));
    decision.chosen = static_cast<harness::ActorId>(actor_number("chosen actor"));
    decision.current_enabled = in.byte() != 0;
    token.decisions.push_back(decision);
  }
  if (!in.at_end()) throw TokenError("malformed token: bytes left over after its last field");
  return token;
}

}  // namespace ipcprop::properties
