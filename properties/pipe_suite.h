// ipcprop — properties/pipe_suite.h
//
// The property suite for pipes:
//
//   ConnectionLike, PipeFactory        what the suite needs: a factory `P::make(duplex)` giving
//                                      two connected ConnectionLike ends (IpcpropPipe for ours)
//   pipe_props::WholeInOrderThenEof    one-way: every message arrives whole and in order, EOF
//                                      comes only after the sender closed and the data is
//                                      drained, and poll() agrees with recv
//   pipe_props::Duplex                 both directions at once on one duplex pair
//   IPCPROP_PIPE_SUITE(Factory)        one line registers the suite (in properties/gtest.h)
//
// Message contents are a pattern of (direction, index, size), so a torn, merged, reordered or
// corrupted message is told apart from a correct one.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <rapidcheck.h>

#include "harness/execution.h"
#include "primitives/codec.h"
#include "primitives/pipe.h"
#include "properties/operation_log.h"

namespace ipcprop::properties {

/// One end of a pipe: whole messages of bytes; recv_bytes throws ipcprop::EOFError once the
/// peer closed and the data is drained.
template <typename C>
concept ConnectionLike = requires(C connection, std::span<const std::byte> bytes) {
  connection.send_bytes(bytes);
  { connection.recv_bytes() } -> std::convertible_to<std::vector<std::byte>>;
  { connection.poll() } -> std::convertible_to<bool>;
  connection.close();
};

/// Makes connected ends before fork: `P::make(duplex)` returns a pair of ConnectionLike.
template <typename P>
concept PipeFactory = requires {
  requires ConnectionLike<std::remove_cvref_t<decltype(P::make(true).first)>>;
};

/// ipcprop::Pipe as a PipeFactory.
struct IpcpropPipe {
  static std::pair<Connection, Connection> make(bool duplex) { return Pipe(duplex); }
};

namespace pipe_props {

struct Workload {
  std::vector<std::uint16_t> forward;   ///< Sizes of the messages sent from the first end.
  std::vector<std::uint16_t> backward;  ///< Sizes sent from the second end (Duplex only).

  template <class Archive>
  void serialize(Archive& archive) {
    codec::bounded_vector(archive, forward);
    codec::bounded_vector(archive, backward);
  }
};

std::string describe(const Workload& workload);
rc::Gen<Workload> workload();

/// The message `index` of `direction` (0 forward, 1 backward), `size` bytes long.
std::vector<std::byte> message(int direction, std::size_t index, std::size_t size);

enum Record : std::uint16_t {
  SendCall,  ///< value = direction * 1000 + index
  SendDone,  ///< value = direction * 1000 + index
  Polled,    ///< value = direction, result = what poll() said
  Received,  ///< value = direction * 1000 + index, result = 1 if the bytes were right
  Eof,       ///< value = direction, result = messages received before it
  Closed,    ///< value = direction: the sender closed its end
};

std::optional<std::string> check_direction(const std::vector<LogRecord>& records, int direction,
                                           std::size_t sent, bool expect_eof);

}  // namespace pipe_props
}  // namespace ipcprop::properties

#include "properties/pipe_suite.hpp"
