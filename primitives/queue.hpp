// ipcprop — primitives/queue.hpp
//
// Template bodies of queue.h: encode or decode through codec.h around detail::QueueCore, which
// does the sync points, waiting and shared state. Included at the end of queue.h only.
#pragma once

#include <fmt/format.h>

namespace ipcprop {
namespace detail {

/// Per-thread scratch buffers, reused so that steady traffic allocates nothing.
inline codec::Bytes& encode_buffer() {
  thread_local codec::Bytes buffer;
  return buffer;
}
inline codec::Bytes& decode_buffer() {
  thread_local codec::Bytes buffer;
  return buffer;
}

[[noreturn]] void throw_full(std::string_view operation, const sync::SyncObject& object);
[[noreturn]] void throw_empty(std::string_view operation, const sync::SyncObject& object);
[[noreturn]] void throw_task_done_too_many(const sync::SyncObject& object);

}  // namespace detail

template <typename T>
Queue<T>::Queue(std::size_t maxsize, QueueOptions options) : Queue("Queue", maxsize, options) {}

template <typename T>
Queue<T>::Queue(std::string_view kind, std::size_t maxsize, QueueOptions options)
    : core_(maxsize, options.capacity, kind) {
  codec::detail::require_encodable<T>();
}

template <typename T>
void Queue<T>::put(const T& value) {
  put_until(value, sync::Deadline::forever(), sync::Timeout::max(), false);
}

template <typename T>
void Queue<T>::put(const T& value, sync::Timeout timeout) {
  put_until(value, sync::Deadline::after(timeout), timeout, true);
}

template <typename T>
void Queue<T>::put_nowait(const T& value) {
  put_until(value, sync::Deadline::after(sync::Timeout::zero()), sync::Timeout::zero(), true);
}

template <typename T>
void Queue<T>::put_until(const T& value, sync::Deadline deadline, sync::Timeout timeout_argument,
                         bool throw_full) {
  codec::Bytes& bytes = detail::encode_buffer();
  codec::encode_into(value, bytes);
  if (!core_.put("Queue::put", bytes, deadline, timeout_argument) && throw_full) {
    detail::throw_full("Queue::put", sync_object());
  }
}

template <typename T>
T Queue<T>::get() {
  return get_until(sync::Deadline::forever(), sync::Timeout::max());
}

template <typename T>
T Queue<T>::get(sync::Timeout timeout) {
  return get_until(sync::Deadline::after(timeout), timeout);
}

template <typename T>
T Queue<T>::get_nowait() {
  return get_until(sync::Deadline::after(sync::Timeout::zero()), sync::Timeout::zero());
}

template <typename T>
T Queue<T>::get_until(sync::Deadline deadline, sync::Timeout timeout_argument) {
  codec::Bytes& bytes = detail::decode_buffer();
  if (!core_.get("Queue::get", bytes, deadline, timeout_argument)) {
    detail::throw_empty("Queue::get", sync_object());
  }
  return codec::decode<T>(bytes);
}

template <typename T>
std::size_t Queue<T>::qsize() {
  return core_.qsize("Queue::qsize");
}

template <typename T>
bool Queue<T>::empty() {
  return core_.empty("Queue::empty");
}

template <typename T>
bool Queue<T>::full() {
  return core_.full("Queue::full");
}

template <typename T>
void Queue<T>::close() {
  core_.close("Queue::close");
}

template <typename T>
void JoinableQueue<T>::task_done() {
  if (!this->core_.task_done("JoinableQueue::task_done")) {
    detail::throw_task_done_too_many(this->sync_object());
  }
}

template <typename T>
void JoinableQueue<T>::join() {
  this->core_.join("JoinableQueue::join");
}

template <typename T>
SimpleQueue<T>::SimpleQueue(QueueOptions options) : core_(0, options.capacity, "SimpleQueue") {
  codec::detail::require_encodable<T>();
}

template <typename T>
void SimpleQueue<T>::put(const T& value) {
  codec::Bytes& bytes = detail::encode_buffer();
  codec::encode_into(value, bytes);
  static_cast<void>(
      core_.put("SimpleQueue::put", bytes, sync::Deadline::forever(), sync::Timeout::max()));
}

template <typename T>
T SimpleQueue<T>::get() {
  codec::Bytes& bytes = detail::decode_buffer();
  static_cast<void>(
      core_.get("SimpleQueue::get", bytes, sync::Deadline::forever(), sync::Timeout::max()));
  return codec::decode<T>(bytes);
}

template <typename T>
bool SimpleQueue<T>::empty() {
  return core_.empty("SimpleQueue::empty");
}

template <typename T>
void SimpleQueue<T>::close() {
  core_.close("SimpleQueue::close");
}

}  // namespace ipcprop
