// ipcprop — primitives/pipe.h
//
// Pipe and Connection: message channels between processes, modelled on multiprocessing.Pipe.
//
//   Pipe(duplex)     creates two connected Connections, before fork()
//   Connection       one end: send/recv values, send_bytes/recv_bytes, poll, close
//   EOFError         recv on an end whose every peer copy is closed, once drained
//   BrokenMessage    a message was lost because its sender or a receiver died (or closed) in it
//   BufferTooShort   the message is longer than the caller allowed; it stays available
//
//   auto [parent_end, child_end] = ipcprop::Pipe();
//   Process child([&] { parent_end.close(); child_end.send(42); });
//   child.start();
//   child_end.close();
//   int answer = parent_end.recv<int>();
//
// Messages keep their boundaries: each send is received by exactly one recv, whole, in the order
// sent; an empty message is a message. Unlike Python's, these guarantees hold when several
// processes send on one end at once, or receive from one end at once: a sender holds a
// process-shared lock for its whole message, and so does a receiver. One Connection *object* is
// not for two threads at once (it keeps an encode buffer); give each thread its own Pipe.
//
// Ends and fork. Both Connections are made before fork(), so after it every process holds a copy
// of *both* ends (as in Python). A receiver sees EOF only when every copy of the sending end, in
// every process, is closed; a process should close() the ends it does not use, or recv() may wait
// for a message that nobody will ever send. close() closes only the caller's copy.
//
// Peer death. If a sender dies in the middle of a message, the receiver never sees a torn message
// and never hangs on it: it gets BrokenMessage for that message and then the messages sent after
// it. See the Connection class comment for how. The same holds if a receiver dies while taking a
// message: the message is lost (BrokenMessage) but the stream stays usable.
//
// Limits. A message holds at most kMaxMessageSize bytes (4 GiB - 1): larger ones are refused with
// UsageError before anything is sent. A send blocks while the kernel pipe (64 KiB) is full.
// Pipe() sets SIGPIPE to ignored if it is at its default, as Python does at startup, so that a
// send with no receiver left throws SystemError(EPIPE) instead of killing the process.
//
// Sync points: send, recv (all forms), poll and close call sync::invoke/returned; every wait goes
// through sync::wait on the direction's SyncObject ("Pipe", address of its shared state) before
// blocking in the kernel; send and close notify it, and so do recv (room was made) and poll (it
// held the receive lock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "primitives/codec.h"
#include "primitives/detail/file_descriptor.h"
#include "primitives/sync_hooks.h"

namespace ipcprop {

namespace detail {
struct ChannelState;
class SharedChannel;
}  // namespace detail

/// The largest message, in bytes: the frame header holds the size in 32 bits.
inline constexpr std::size_t kMaxMessageSize = 0xFFFFFFFF;

/// recv() on a Connection whose sending side is closed in every process, with nothing left to
/// read (Python's EOFError). The connection stays open; every later recv() throws again.
class EOFError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One message could not be received whole: its sender died (or closed its end) partway through
/// it, or a receiver died while taking it. The message is gone; the connection is usable and the
/// next recv() returns the next message.
class BrokenMessage : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The next message is longer than recv_bytes's maxlength or recv_bytes_into's buffer. Nothing
/// was consumed: the message is still the next one, for any receiver.
class BufferTooShort : public std::runtime_error {
 public:
  BufferTooShort(std::string_view operation, std::size_t message_size, std::size_t room);

  /// The size of the waiting message, so the caller can make room and try again.
  std::size_t message_size() const noexcept { return message_size_; }

 private:
  std::size_t message_size_;
};

// Connection
//
// One end of a Pipe. Each end has up to two directions: it *receives* on one kernel pipe and
// *sends* on another (a one-way Pipe gives a receive-only and a send-only end). fileno() is the
// receiving pipe's descriptor when there is one (for select/poll), else the sending one.
//
//   state \ call   send*        recv*               poll            close
//   open, data     sends        returns a message   true            closed
//   open, empty    sends        blocks              false / waits   closed
//   peer closed    EPIPE        EOFError (drained)  true            closed
//   closed         UsageError   UsageError          UsageError      no effect
//
// send on a receive-only end and recv/poll on a send-only end throw UsageError.
//
// Peer death, and why the design is as it is. Frames are found only by the sizes in their
// headers, so a frame cut short by its sender's death must never have another frame appended to
// it unnoticed. A sender holds its direction's *robust* send lock for the whole frame, and writes
// the frame's stream offset and size to shared memory before its first byte. If it dies, the
// lock reports "owner died" to whoever takes it next, and the torn frame's end is exactly known:
// the bytes receivers have taken (counted in shared memory, under a sequence counter so that no
// read is half counted) plus FIONREAD of the pipe, since nobody else can write meanwhile.
//   - If a *sender* takes the lock, it pads the torn frame to its full length (the missing
//     header bytes, then zeros, so the trailer is wrong) and then sends its own frame. The
//     receiver reads a well-formed frame with a bad trailer and throws BrokenMessage.
//   - A *receiver* waiting in the middle of a frame sleeps in ppoll for at most 5 ms at a time
//     and tries the send lock in between, so it learns of the death even while other processes
//     keep the write end open (no EOF would come). If it gets the lock from the dead sender, it
//     drops the torn bytes, lets the next sender start right after them, and throws
//     BrokenMessage. A frame the dead sender had finished is delivered as sent.
// A receiver that dies holding the receive lock is repaired by the next receiver: the frame it
// was reading into its own memory is skipped and reported lost, while frames still in the shared
// buffer are delivered. Only a receiver killed inside a read() whose byte count it had not yet
// recorded leaves the stream unreadable: every later recv then throws BrokenMessage saying so.
//
// Buffering. A receiver reads up to 64 KiB per system call into a buffer in *shared memory*
// (one per direction), so several messages cost one read, and messages read ahead by one
// process are still there for any other receiving process; poll() sees them too. The cost is
// one copy out of the shared buffer per message; frames over 64 KiB skip it and are read straight
// into the caller's memory. A sender writes a frame with one writev (one piece up to 512 bytes).
// The reader's pipe and the writer's are non-blocking so that every wait can go through sync::wait
// first; the price over a bare pipe is one ppoll per wait (see bench/pipe_benchmark.cpp).
class Connection {
 public:
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  /// Closes the caller's copy of the descriptors, like close(). Never throws.
  ~Connection();

  // Connection::send(value)
  //
  // Encodes `value` with the codec (primitives/codec.h; a type it cannot encode is a compile-time
  // error saying why) and sends it as one message. Blocks while the pipe is full or another
  // process is sending on this end. Throws UsageError if closed or receive-only, SystemError
  // (EPIPE) if no receiving end is left open anywhere. If a sender died holding this end, first
  // pads out the message it left torn (see the class comment). A sync point; notifies.
  template <typename T>
  void send(const T& value);

  // Connection::recv<T>()
  //
  // Blocks until a message arrives, receives it and decodes a T. There is no timeout: use
  // poll(timeout) first. Throws EOFError when the sending side is closed everywhere and nothing
  // is left; BrokenMessage if the message was lost (its sender died mid-message: noticed within
  // about 5 ms even while the write end stays open elsewhere, never a hang); codec::DecodeError
  // (message consumed) if it is not a T; UsageError if closed or send-only. A sync point whose
  // waits go through sync::wait; notifies.
  template <typename T>
  T recv();

  // Connection::send_bytes(data, offset, size)
  //
  // Sends data[offset, offset + size) as one message (size defaults to the rest of `data`).
  // Blocks like send(). Throws UsageError, sending nothing, if offset > data.size(), if
  // offset + size > data.size() or if size > kMaxMessageSize.
  void send_bytes(std::span<const std::byte> data, std::size_t offset = 0,
                  std::optional<std::size_t> size = std::nullopt);
  void send_bytes(std::string_view data) { send_bytes(std::as_bytes(std::span(data))); }

  // Connection::recv_bytes(maxlength)
  //
  // Blocks until a message arrives and returns its bytes. Throws BufferTooShort, leaving the
  // message unconsumed, if it is longer than `maxlength`; otherwise as recv<T>().
  std::vector<std::byte> recv_bytes(std::optional<std::size_t> maxlength = std::nullopt);

  // Connection::recv_bytes_into(buffer, offset)
  //
  // Blocks until a message arrives and copies it to buffer[offset, ...); returns its size.
  // Throws BufferTooShort, leaving the message unconsumed, if it does not fit, and UsageError if
  // offset > buffer.size(); otherwise as recv<T>().
  std::size_t recv_bytes_into(std::span<std::byte> buffer, std::size_t offset = 0);

  // Connection::poll()
  //
  // Returns true iff recv() would return or throw without waiting for a send to start: part of
  // a message has arrived, or the sending side is closed everywhere (EOF). Does not block and
  // never consumes anything. Returns false while another process is inside recv() on this
  // direction (what has arrived is then that receiver's), since poll() takes the receive lock.
  // A sync point.
  [[nodiscard]] bool poll() { return poll(sync::Timeout::zero()); }

  // Connection::poll(timeout)
  //
  // Like poll(), but blocks until that is true or `timeout` has passed on the sync clock; a zero
  // or negative timeout does not wait, and sync::Timeout::max() waits forever. It holds the
  // receive lock while it waits, so a concurrent recv() in another process waits for it (at most
  // until a message arrives or the timeout passes). Throws UsageError if closed or send-only.
  // A sync point whose wait goes through sync::wait, so a controlled harness runs the timeout on
  // its virtual clock.
  [[nodiscard]] bool poll(sync::Timeout timeout);

  // Connection::close()
  //
  // Closes the caller's copies of this end's descriptors; other processes' copies stay open. A
  // second close() does nothing. Does not block. A sync point; notifies both directions.
  void close();

  // The accessors below are not sync points and never block.
  bool closed() const noexcept { return closed_; }
  /// True iff this end can receive (even when closed, like Python's).
  bool readable() const noexcept { return readable_; }
  /// True iff this end can send (even when closed).
  bool writable() const noexcept { return writable_; }
  /// The receiving pipe's descriptor if readable(), else the sending pipe's. Throws UsageError
  /// if closed.
  int fileno() const;

 private:
  friend std::pair<Connection, Connection> Pipe(bool duplex);
  Connection(std::shared_ptr<detail::SharedChannel> incoming, detail::FileDescriptor read_fd,
             std::shared_ptr<detail::SharedChannel> outgoing, detail::FileDescriptor write_fd);

  void send_payload(std::span<const std::byte> payload);
  void receive_payload(std::vector<std::byte>& out, std::optional<std::size_t> maxlength,
                       std::string_view operation);
  void require_open(std::string_view operation) const;
  detail::ChannelState& require_readable(std::string_view operation) const;
  detail::ChannelState& require_writable(std::string_view operation) const;
  sync::SyncObject object_of(const std::shared_ptr<detail::SharedChannel>& channel) const noexcept;

  std::shared_ptr<detail::SharedChannel> incoming_;
  std::shared_ptr<detail::SharedChannel> outgoing_;
  detail::FileDescriptor read_fd_;
  detail::FileDescriptor write_fd_;
  bool readable_ = false;
  bool writable_ = false;
  bool closed_ = false;
  /// Sent since the last receive: a reply cannot be there yet (see detail::receive_frame).
  bool expect_reply_ = false;
  std::vector<std::byte> scratch_;  ///< Reused encode/decode buffer.
};

// Pipe(duplex)
//
// Creates a connected pair of Connections (Python's multiprocessing.Pipe). With duplex (the
// default) both ends send and receive; otherwise the first end only receives and the second only
// sends. Create it before fork() so that children share it. Throws SystemError if pipe2 or mmap
// fails.
std::pair<Connection, Connection> Pipe(bool duplex = true);

}  // namespace ipcprop

#include "primitives/pipe.hpp"
