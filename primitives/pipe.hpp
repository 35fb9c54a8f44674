// ipcprop — primitives/pipe.hpp
//
// Template bodies of Connection (primitives/pipe.h): the codec glue of send<T> and recv<T>.
#pragma once

#include <span>

namespace ipcprop {

template <typename T>
void Connection::send(const T& value) {
  codec::detail::require_encodable<T>();
  // Only the codec's own message for a type it cannot encode: nothing else is instantiated.
  if constexpr (codec::TriviallyEncodable<T>) {
    send_payload(std::as_bytes(std::span(&value, 1)));
  } else if constexpr (codec::CerealEncodable<T>) {
    codec::encode_into(value, scratch_);
    send_payload(scratch_);
  }
}

template <typename T>
T Connection::recv() {
  codec::detail::require_encodable<T>();
  if constexpr (codec::Encodable<T>) {
    receive_payload(scratch_, std::nullopt, "Connection::recv");
    return codec::decode<T>(scratch_);
  } else {
    __builtin_unreachable();  // require_encodable has already failed to compile.
  }
}

}  // namespace ipcprop
