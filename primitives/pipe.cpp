#include "primitives/pipe.h"

#include <csignal>
#include <cstdint>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "primitives/detail/pipe_channel.h"
#include "primitives/errors.h"

namespace ipcprop {
namespace {

struct KernelPipe {
  detail::FileDescriptor read_end;
  detail::FileDescriptor write_end;
};

/// A kernel pipe with both ends non-blocking: every wait goes through the wait protocol.
KernelPipe make_kernel_pipe() {
  int ends[2];
  check_call(::pipe2(ends, O_CLOEXEC | O_NONBLOCK), "pipe2", "Pipe");
  return {detail::FileDescriptor(ends[0]), detail::FileDescriptor(ends[1])};
}

void ignore_sigpipe_if_default() {
  struct sigaction current {};
  if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    ::signal(SIGPIPE, SIG_IGN);
  }
}

/// Puts a payload into a vector, refusing one longer than `limit` before anything is consumed.
class VectorSink final : public detail::PayloadSink {
 public:
  VectorSink(std::vector<std::byte>& out, std::optional<std::size_t> limit,
             std::string_view operation)
      : out_(out), limit_(limit), operation_(operation) {}

  std::span<std::byte> prepare(std::size_t size) override {
    if (limit_ && size > *limit_) throw BufferTooShort(operation_, size, *limit_);
    out_.resize(size);
    return out_;
  }

 private:
  std::vector<std::byte>& out_;
  std::optional<std::size_t> limit_;
  std::string_view operation_;
};

class SpanSink final : public detail::PayloadSink {
 public:
  explicit SpanSink(std::span<std::byte> room) : room_(room) {}

  std::span<std::byte> prepare(std::size_t size) override {
    if (size > room_.size()) {
      throw BufferTooShort("Connection::recv_bytes_into", size, room_.size());
    }
    return room_.first(size);
  }

 private:
  std::span<std::byte> room_;
};

}  // namespace

BufferTooShort::BufferTooShort(std::string_view operation, std::size_t message_size,
                               std::size_t room)
    : std::runtime_error(fmt::format("{}: the next message has {} bytes but there is room for {}; "
                                     "it was left in place",
                                     operation, message_size, room)),
      message_size_(message_size) {}

std::pair<Connection, Connection> Pipe(bool duplex) {
  ignore_sigpipe_if_default();
  auto first_to_second = std::make_shared<detail::SharedChannel>();
  KernelPipe forward = make_kernel_pipe();
  if (!duplex) {
    return {Connection(first_to_second, std::move(forward.read_end), nullptr, {}),
            Connection(nullptr, {}, first_to_second, std::move(forward.write_end))};
  }
  auto second_to_first = std::make_shared<detail::SharedChannel>();
  KernelPipe backward = make_kernel_pipe();
  return {Connection(second_to_first, std::move(backward.read_end), first_to_second,
                     std::move(forward.write_end)),
          Connection(first_to_second, std::move(forward.read_end), second_to_first,
                     std::move(backward.write_end))};
}

Connection::Connection(std::shared_ptr<detail::SharedChannel> incoming,
                       detail::FileDescriptor read_fd,
                       std::shared_ptr<detail::SharedChannel> outgoing,
                       detail::FileDescriptor write_fd)
    : incoming_(std::move(incoming)),
      outgoing_(std::move(outgoing)),
      read_fd_(std::move(read_fd)),
      write_fd_(std::move(write_fd)),
      readable_(incoming_ != nullptr),
      writable_(outgoing_ != nullptr) {}

Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

sync::SyncObject Connection::object_of(
    const std::shared_ptr<detail::SharedChannel>& channel) const noexcept {
  return {"Pipe", reinterpret_cast<std::uintptr_t>(channel ? &channel->state() : nullptr)};
}

void Connection::require_open(std::string_view operation) const {
  if (closed_) {
    throw UsageError(fmt::format("{}: the connection is closed", operation));
  }
}

detail::ChannelState& Connection::require_readable(std::string_view operation) const {
  require_open(operation);
  if (!readable_) {
    throw UsageError(fmt::format(
        "{}: this end of a one-way Pipe only sends (Pipe(false) returns the receiving end first)",
        operation));
  }
  return incoming_->state();
}

detail::ChannelState& Connection::require_writable(std::string_view operation) const {
  require_open(operation);
  if (!writable_) {
    throw UsageError(fmt::format(
        "{}: this end of a one-way Pipe only receives (Pipe(false) returns the sending end second)",
        operation));
  }
  return outgoing_->state();
}

void Connection::send_payload(std::span<const std::byte> payload) {
  detail::ChannelState& channel = require_writable("Connection::send");
  if (payload.size() > kMaxMessageSize) {
    throw UsageError(fmt::format("Connection::send: a message of {} bytes is over the limit of {}",
                                 payload.size(), kMaxMessageSize));
  }
  const sync::SyncPoint point{"Connection::send", object_of(outgoing_),
                              static_cast<std::int64_t>(payload.size())};
  sync::invoke(point);
  detail::send_frame(channel, write_fd_.get(), payload, point);
  expect_reply_ = readable_;
  sync::returned(point, static_cast<std::int64_t>(payload.size()));
  sync::notify(point.object);
}

void Connection::send_bytes(std::span<const std::byte> data, std::size_t offset,
                            std::optional<std::size_t> size) {
  require_writable("Connection::send_bytes");
  if (offset > data.size()) {
    throw UsageError(
        fmt::format("Connection::send_bytes: offset {} is past the end of a {}-byte "
                    "buffer",
                    offset, data.size()));
  }
  const std::size_t count = size.value_or(data.size() - offset);
  if (count > data.size() - offset) {
    throw UsageError(
        fmt::format("Connection::send_bytes: offset {} + size {} is past the end of "
                    "a {}-byte buffer",
                    offset, count, data.size()));
  }
  send_payload(data.subspan(offset, count));
}

void Connection::receive_payload(std::vector<std::byte>& out, std::optional<std::size_t> maxlength,
                                 std::string_view operation) {
  detail::ChannelState& channel = require_readable(operation);
  const sync::SyncPoint point{operation, object_of(incoming_)};
  sync::invoke(point);
  VectorSink sink(out, maxlength, operation);
  std::int64_t result = -1;
  try {
    result = static_cast<std::int64_t>(
        detail::receive_frame(channel, read_fd_.get(), sink, point, expect_reply_));
  } catch (...) {
    sync::returned(point, -1);
    sync::notify(point.object);
    throw;
  }
  sync::returned(point, result);
  sync::notify(point.object);
}

std::vector<std::byte> Connection::recv_bytes(std::optional<std::size_t> maxlength) {
  std::vector<std::byte> out;
  receive_payload(out, maxlength, "Connection::recv_bytes");
  return out;
}

std::size_t Connection::recv_bytes_into(std::span<std::byte> buffer, std::size_t offset) {
  constexpr std::string_view operation = "Connection::recv_bytes_into";
  detail::ChannelState& channel = require_readable(operation);
  if (offset > buffer.size()) {
    throw UsageError(fmt::format("{}: offset {} is past the end of a {}-byte buffer", operation,
                                 offset, buffer.size()));
  }
  const sync::SyncPoint point{operation, object_of(incoming_)};
  sync::invoke(point);
  SpanSink sink(buffer.subspan(offset));
  std::size_t size = 0;
  try {
    size = detail::receive_frame(channel, read_fd_.get(), sink, point, expect_reply_);
  } catch (...) {
    sync::returned(point, -1);
    sync::notify(point.object);
    throw;
  }
  sync::returned(point, static_cast<std::int64_t>(size));
  sync::notify(point.object);
  return size;
}

bool Connection::poll(sync::Timeout timeout) {
  detail::ChannelState& channel = require_readable("Connection::poll");
  const sync::SyncPoint point{"Connection::poll", object_of(incoming_), timeout.count()};
  sync::invoke(point);
  const bool ready =
      detail::wait_readable(channel, read_fd_.get(), sync::Deadline::after(timeout), point);
  sync::returned(point, ready ? 1 : 0);
  // poll held the receive lock: a receiver that waited for it may go on now.
  sync::notify(point.object);
  return ready;
}

void Connection::close() {
  if (closed_) return;
  const sync::SyncPoint point{"Connection::close", object_of(readable_ ? incoming_ : outgoing_)};
  sync::invoke(point);
  closed_ = true;
  read_fd_.close();
  write_fd_.close();
  sync::returned(point, 1);
  if (incoming_) sync::notify(object_of(incoming_));
  if (outgoing_) sync::notify(object_of(outgoing_));
}

int Connection::fileno() const {
  require_open("Connection::fileno");
  return readable_ ? read_fd_.get() : write_fd_.get();
}

}  // namespace ipcprop
