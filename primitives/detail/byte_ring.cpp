#include "primitives/detail/byte_ring.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include <sys/mman.h>

#include "primitives/errors.h"

namespace ipcprop::detail {

ByteRing::ByteRing(std::size_t capacity) : capacity_(capacity) {
  if (capacity == 0) throw UsageError("ByteRing: capacity must be positive");
  void* data = ::mmap(nullptr, capacity, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (data == MAP_FAILED) throw_system_error("mmap", "Queue byte ring");
  data_ = static_cast<std::byte*>(data);
}

ByteRing::ByteRing(ByteRing&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), capacity_(std::exchange(other.capacity_, 0)) {}

ByteRing& ByteRing::operator=(ByteRing&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(data_, capacity_);
    data_ = std::exchange(other.data_, nullptr);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

ByteRing::~ByteRing() {
  // munmap fails only for a bad address or length, which this class never passes.
  if (data_ != nullptr) ::munmap(data_, capacity_);
}

void ByteRing::write(std::uint64_t position, std::span<const std::byte> bytes) noexcept {
  const std::size_t start = position % capacity_;
  const std::size_t first = std::min(bytes.size(), capacity_ - start);
  std::memcpy(data_ + start, bytes.data(), first);
  if (first < bytes.size()) std::memcpy(data_, bytes.data() + first, bytes.size() - first);
}

void ByteRing::read(std::uint64_t position, std::span<std::byte> out) const noexcept {
  const std::size_t start = position % capacity_;
  const std::size_t first = std::min(out.size(), capacity_ - start);
  std::memcpy(out.data(), data_ + start, first);
  if (first < out.size()) std::memcpy(out.data() + first, data_, out.size() - first);
}

}  // namespace ipcprop::detail
