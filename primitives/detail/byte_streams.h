// ipcprop — primitives/detail/byte_streams.h
//
// std::streambuf adapters so that cereal's stream-based archives read from a byte span and
// append to a byte vector without the copies of std::stringstream.
#pragma once

#include <cstddef>
#include <span>
#include <streambuf>
#include <vector>

namespace ipcprop::detail {

/// Appends everything written to `bytes`.
class ByteVectorWriter : public std::streambuf {
 public:
  explicit ByteVectorWriter(std::vector<std::byte>& bytes) noexcept : bytes_(bytes) {}

 protected:
  std::streamsize xsputn(const char* data, std::streamsize count) override {
    const auto* first = reinterpret_cast<const std::byte*>(data);
    bytes_.insert(bytes_.end(), first, first + count);
    return count;
  }
  int_type overflow(int_type character) override {
    if (traits_type::eq_int_type(character, traits_type::eof()))
      return traits_type::not_eof(character);
    bytes_.push_back(static_cast<std::byte>(character));
    return character;
  }

 private:
  std::vector<std::byte>& bytes_;
};

/// Reads `bytes` once, front to back; remaining() tells what was not read.
class ByteSpanReader : public std::streambuf {
 public:
  explicit ByteSpanReader(std::span<const std::byte> bytes) noexcept {
    // std::streambuf wants char* even for reading; the buffer is never written through.
    char* begin = const_cast<char*>(reinterpret_cast<const char*>(bytes.data()));
    setg(begin, begin, begin + bytes.size());
  }

  std::size_t remaining() const noexcept { return static_cast<std::size_t>(egptr() - gptr()); }
};

}  // namespace ipcprop::detail
