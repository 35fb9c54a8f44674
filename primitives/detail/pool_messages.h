// ipcprop — primitives/detail/pool_messages.h
//
// The byte layout of what a Pool's owner and workers send each other through two QueueCores:
//
//   task message   [TaskHeader][record]...    one chunk of tasks: its inputs, one record each
//   reply message  [ReplyHeader][record]...   a chunk's outcomes, or a worker's notice
//   record         [u8 ok][u32 length][bytes] a codec encoding (ok) or an error text (not ok)
//
// Headers are copied byte for byte: every process runs the same binary, so the function
// pointers in a TaskHeader mean the same in the owner and in every forked worker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace ipcprop::detail {

using PoolBytes = std::vector<std::byte>;

/// Runs `count` tasks whose inputs are the records in `inputs`, calling the user's function
/// `function` (a function pointer stored as an integer), and appends one outcome record per task.
using TaskRunner = void (*)(std::uintptr_t function, std::span<const std::byte> inputs,
                            std::uint32_t count, PoolBytes& outcomes);

/// Run: a chunk. Stop: the worker exits. Probe: does nothing, but whoever takes it learns
/// whether a message before it was lost by a worker that died while taking it.
enum class TaskKind : std::uint32_t { Run, Stop, Probe };

struct TaskHeader {
  TaskKind kind = TaskKind::Run;
  std::uint32_t count = 0;  ///< Tasks (records) in the chunk.
  std::uint64_t chunk = 0;  ///< The chunk's id: submission order, from 0.
  std::uint64_t first = 0;  ///< The number of its first task within its call.
  TaskRunner runner = nullptr;
  std::uintptr_t function = 0;
  std::uint64_t sequence = 0;  ///< Position among all messages put, from 0 (set at the put).
};

enum class ReplyKind : std::uint32_t {
  Outcomes,           ///< A chunk finished: one record per task.
  Retiring,           ///< The worker reached maxtasksperchild and exits.
  Stopped,            ///< The worker took a stop message and exits.
  InitializerFailed,  ///< The initializer threw: one not-ok record with its message.
  LostInTake,         ///< Message `chunk` (a sequence) was taken by a worker that died first.
};

struct ReplyHeader {
  ReplyKind kind = ReplyKind::Outcomes;
  std::uint32_t worker = 0;   ///< The worker's index, 0..processes-1.
  std::uint64_t chunk = 0;    ///< For Outcomes; the lost message's sequence for LostInTake.
  std::int32_t dead_pid = 0;  ///< For LostInTake: who died holding the take lock, if known.
};

/// Appends `header` to an empty `out`.
template <typename Header>
void write_header(const Header& header, PoolBytes& out) {
  out.resize(sizeof(Header));
  std::memcpy(out.data(), &header, sizeof(Header));
}

template <typename Header>
Header read_header(std::span<const std::byte> message) {
  Header header;
  std::memcpy(&header, message.data(), sizeof(Header));
  return header;
}

/// Appends one record.
void append_record(PoolBytes& out, bool ok, std::span<const std::byte> bytes);
inline void append_record(PoolBytes& out, bool ok, std::string_view text) {
  append_record(out, ok, std::as_bytes(std::span(text.data(), text.size())));
}

struct Record {
  bool ok = false;
  std::span<const std::byte> bytes;
  std::string_view text() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
};

/// Reads records one after the other. Throws std::out_of_range on a truncated record.
class RecordReader {
 public:
  explicit RecordReader(std::span<const std::byte> records) noexcept : rest_(records) {}
  Record next();
  bool done() const noexcept { return rest_.empty(); }

 private:
  std::span<const std::byte> rest_;
};

}  // namespace ipcprop::detail
