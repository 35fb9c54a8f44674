// ipcprop — primitives/detail/byte_ring.h
//
// ByteRing: `capacity` bytes of anonymous MAP_SHARED | MAP_NORESERVE memory read and written at
// positions that wrap around. It has no head or tail of its own: the queue that owns it keeps
// those in its committed state, so the ring is only storage.
//
// MAP_NORESERVE: the pages are neither reserved nor touched at creation; each materialises on
// first write, so a large ring (room for one large message) costs only the bytes ever in use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ipcprop::detail {

class ByteRing {
 public:
  /// Maps `capacity` bytes, shared with every process forked afterwards. Throws UsageError for a
  /// capacity of 0 and SystemError("mmap") on failure.
  explicit ByteRing(std::size_t capacity);
  ByteRing(ByteRing&& other) noexcept;
  ByteRing& operator=(ByteRing&& other) noexcept;
  ByteRing(const ByteRing&) = delete;
  ByteRing& operator=(const ByteRing&) = delete;
  ~ByteRing();

  std::size_t capacity() const noexcept { return capacity_; }

  /// Copies `bytes` in at stream position `position` (taken modulo the capacity), wrapping at
  /// the end. Precondition: bytes.size() <= capacity().
  void write(std::uint64_t position, std::span<const std::byte> bytes) noexcept;
  /// Copies out.size() bytes from stream position `position` into `out`, wrapping at the end.
  void read(std::uint64_t position, std::span<std::byte> out) const noexcept;

 private:
  std::byte* data_ = nullptr;
  std::size_t capacity_ = 0;
};

}  // namespace ipcprop::detail
