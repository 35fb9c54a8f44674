// ipcprop — primitives/codec.h
//
// The value codec: how Queue, Pipe and Pool turn a value into bytes and back.
//
//   codec::encode(value)        -> std::vector<std::byte>
//   codec::encode_into(v, out)  replaces `out` with the encoding (reuses its capacity)
//   codec::decode<T>(bytes)     -> T, or throws codec::DecodeError
//
// Two paths, chosen at compile time:
//   - trivially copyable types (ints, doubles, std::array<char, 64>, plain structs) are copied
//     byte for byte: the fast path, valid because every process runs the same binary;
//   - everything else goes through cereal's binary archive: std::string, std::vector,
//     std::optional, std::pair/std::tuple, std::map/std::set and their unordered kin,
//     std::variant, and user types with a cereal `serialize(Archive&)` function.
// A type on neither path is a compile-time error that says how to fix it. Raw pointers are
// refused: the address would mean nothing in the receiving process.
#pragma once

#include <cstddef>
#include <cstring>
#include <istream>
#include <new>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <cereal/archives/binary.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/deque.hpp>
#include <cereal/types/list.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/unordered_set.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>

#include "primitives/detail/byte_streams.h"

namespace ipcprop::codec {

using Bytes = std::vector<std::byte>;

/// The bytes do not hold a value of the requested type (truncated, extra bytes, or sent as
/// another type).
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Copied byte for byte.
template <typename T>
concept TriviallyEncodable = std::is_trivially_copyable_v<T> && !std::is_pointer_v<T> &&
                             !std::is_member_pointer_v<T> && !std::is_empty_v<T>;

/// Encoded by cereal's binary archive.
template <typename T>
concept CerealEncodable = std::is_default_constructible_v<T> &&
    cereal::traits::is_output_serializable<T, cereal::BinaryOutputArchive>::value &&
    cereal::traits::is_input_serializable<T, cereal::BinaryInputArchive>::value;

template <typename T>
concept Encodable = TriviallyEncodable<T> || CerealEncodable<T>;

namespace detail {
template <typename T>
constexpr void require_encodable() {
  static_assert(!std::is_pointer_v<T>,
                "ipcprop::codec: a raw pointer cannot be sent to another process; send the value "
                "it points to");
  static_assert(Encodable<T>,
                "ipcprop::codec: this type cannot be sent between processes. Make it trivially "
                "copyable, or give it a cereal function `template <class Archive> void "
                "serialize(Archive& archive) { archive(member1, member2); }` (and a default "
                "constructor).");
}
}  // namespace detail

/// Replaces `out` with the encoding of `value`, reusing out's capacity.
template <typename T>
void encode_into(const T& value, Bytes& out) {
  detail::require_encodable<T>();
  out.clear();
  if constexpr (TriviallyEncodable<T>) {
    out.resize(sizeof(T));
    std::memcpy(out.data(), &value, sizeof(T));
  } else {
    ipcprop::detail::ByteVectorWriter buffer(out);
    std::ostream stream(&buffer);
    cereal::BinaryOutputArchive archive(stream);
    archive(value);
  }
}

template <typename T>
Bytes encode(const T& value) {
  Bytes out;
  encode_into(value, out);
  return out;
}

namespace detail {
/// The reader of the decode() running on this thread, if any: what bounded_vector() checks.
inline thread_local const ipcprop::detail::ByteSpanReader* active_reader = nullptr;
}  // namespace detail

/// For the serialize() of a type whose bytes may come damaged or hostile (a replay token):
/// saves or loads `items` exactly as cereal does a std::vector, but refuses, before allocating,
/// a count larger than the bytes left in the decode() could hold, each element taking at least
/// one byte. cereal would first allocate the count it read.
template <class Archive, class T>
void bounded_vector(Archive& archive, std::vector<T>& items) {
  if constexpr (Archive::is_loading::value) {
    cereal::size_type count = 0;
    archive(cereal::make_size_tag(count));
    const auto* reader = detail::active_reader;
    if (reader != nullptr && count > reader->remaining()) {
      throw DecodeError("ipcprop::codec::decode: a list of " + std::to_string(count) +
                        " elements where only " + std::to_string(reader->remaining()) +
                        " bytes are left; was it sent as another type, or damaged?");
    }
    items.resize(static_cast<std::size_t>(count));
  } else {
    archive(cereal::make_size_tag(static_cast<cereal::size_type>(items.size())));
  }
  for (T& item : items) archive(item);
}

/// Decodes a T from exactly `bytes`. Throws DecodeError if they are too few, too many, or not
/// an encoding of a T.
template <typename T>
T decode(std::span<const std::byte> bytes) {
  detail::require_encodable<T>();
  if constexpr (TriviallyEncodable<T>) {
    if (bytes.size() != sizeof(T)) {
      throw DecodeError("ipcprop::codec::decode: got " + std::to_string(bytes.size()) +
                        " bytes for a " + std::to_string(sizeof(T)) +
                        "-byte value; was it sent as another type?");
    }
    T value;
    std::memcpy(&value, bytes.data(), sizeof(T));
    return value;
  } else {
    ipcprop::detail::ByteSpanReader buffer(bytes);
    std::istream stream(&buffer);
    T value{};
    struct ActiveReader {  // Restores the outer one: a serialize() may decode in turn.
      const ipcprop::detail::ByteSpanReader* outer = detail::active_reader;
      ~ActiveReader() { detail::active_reader = outer; }
    } active;
    detail::active_reader = &buffer;
    try {
      cereal::BinaryInputArchive archive(stream);
      archive(value);
    } catch (const cereal::Exception& error) {
      throw DecodeError(std::string("ipcprop::codec::decode: ") + error.what() +
                        "; was it sent as another type?");
    } catch (const std::length_error& error) {
      // A length field read from bytes of another type can be absurd.
      throw DecodeError(std::string("ipcprop::codec::decode: impossible length (") + error.what() +
                        "); was it sent as another type?");
    } catch (const std::bad_alloc&) {
      throw DecodeError(
          "ipcprop::codec::decode: impossible length (allocation failed); was it "
          "sent as another type?");
    }
    if (buffer.remaining() != 0) {
      throw DecodeError("ipcprop::codec::decode: " + std::to_string(buffer.remaining()) +
                        " bytes left over; was it sent as another type?");
    }
    return value;
  }
}

}  // namespace ipcprop::codec
