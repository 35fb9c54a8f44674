#include "primitives/detail/pool_messages.h"

#include <stdexcept>

namespace ipcprop::detail {

void append_record(PoolBytes& out, bool ok, std::span<const std::byte> bytes) {
  const std::size_t at = out.size();
  const auto length = static_cast<std::uint32_t>(bytes.size());
  out.resize(at + 1 + sizeof length + bytes.size());
  out[at] = std::byte{ok ? std::uint8_t{1} : std::uint8_t{0}};
  std::memcpy(out.data() + at + 1, &length, sizeof length);
  if (!bytes.empty()) std::memcpy(out.data() + at + 1 + sizeof length, bytes.data(), bytes.size());
}

Record RecordReader::next() {
  std::uint32_t length = 0;
  if (rest_.size() < 1 + sizeof length) throw std::out_of_range("Pool: truncated record");
  std::memcpy(&length, rest_.data() + 1, sizeof length);
  if (rest_.size() < 1 + sizeof length + length) throw std::out_of_range("Pool: truncated record");
  Record record{rest_[0] != std::byte{0}, rest_.subspan(1 + sizeof length, length)};
  rest_ = rest_.subspan(1 + sizeof length + length);
  return record;
}

}  // namespace ipcprop::detail
