// ipcprop — properties/token.h
//
// The replay token: one line of printable text that runs one execution of one property again,
// exactly. `ipcprop replay <token>` (or IPCPROP_REPLAY=<token> for a test binary) decodes it.
//
// Format (version 1), documented here above its encoder as the contract for old tokens:
//
//   bytes   := version(1 byte = 1) property primitive workload seed decisions checksum
//   string  := varint(length) bytes          property, primitive, workload are strings
//   seed    := varint                        the execution's data seed
//   decisions := varint(count) decision*
//   decision  := varint(choice) varint(candidates) varint(chosen actor) byte(current enabled)
//   checksum  := 4 bytes, FNV-1a 32 of everything before it, little-endian
//
// Varints are LEB128 (7 bits a byte, low first). The bytes are written in base64url without
// padding. The decoder ignores whitespace, so a token wrapped by a terminal still works.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "harness/strategy.h"

namespace ipcprop::properties {

/// A token that cannot be read: not base64url, truncated, damaged, or from another version.
class TokenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr std::uint8_t kTokenVersion = 1;

struct ReplayToken {
  std::string property;             ///< e.g. "LockProps.MutualExclusion"
  std::string primitive;            ///< The name the suite was registered with.
  std::vector<std::byte> workload;  ///< The property's workload, through codec.h.
  std::uint64_t data_seed = 0;
  std::vector<harness::Decision> decisions;

  friend bool operator==(const ReplayToken&, const ReplayToken&) = default;
};

std::string encode_token(const ReplayToken& token);

namespace detail {
/// encode_token() writing another format version byte: how tests make a token "from another
/// version" without one existing yet.
std::string encode_token_as_version(const ReplayToken& token, std::uint8_t version);
}  // namespace detail
/// Throws TokenError with a one-line reason.
ReplayToken decode_token(std::string_view text);

}  // namespace ipcprop::properties
