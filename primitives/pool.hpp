// ipcprop — primitives/pool.hpp
//
// Template bodies of pool.h: how a task's function pointer and inputs become a chunk message
// (detail::run_tasks is the worker-side half, instantiated per task type), and how results are
// decoded and waited for. Included at the end of pool.h only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <span>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace ipcprop {
namespace detail {

/// A plain function, or a captureless lambda, which converts to one.
template <typename F>
concept PlainFunction = requires(F f) {
  requires std::is_pointer_v<decltype(+f)>;
  requires std::is_function_v<std::remove_pointer_t<decltype(+f)>>;
};

template <typename F>
constexpr void require_plain_function() {
  static_assert(PlainFunction<F>,
                "ipcprop::Pool: a task must be a plain function or a captureless lambda; state "
                "captured by a lambda or held by a std::function cannot reach a worker. Pass that "
                "state as an argument instead.");
}

template <typename Fn, typename Input, bool Unpack>
struct TaskResult {
  using type = std::decay_t<std::invoke_result_t<Fn, Input&&>>;
};
template <typename Fn, typename Input>
struct TaskResult<Fn, Input, true> {
  using type = std::decay_t<decltype(std::apply(std::declval<Fn>(), std::declval<Input>()))>;
};

template <typename Fn, typename Input, bool Unpack>
using TaskResultT = typename TaskResult<Fn, Input, Unpack>::type;

/// Runs in a worker: decodes each input, calls the task, appends its outcome record.
template <typename Fn, typename Input, bool Unpack>
void run_tasks(std::uintptr_t function, std::span<const std::byte> inputs, std::uint32_t count,
               PoolBytes& outcomes) {
  // The integer was made from an Fn in the owner, a fork of this same binary.
  const auto task = reinterpret_cast<Fn>(function);  // NOLINT(performance-no-int-to-ptr)
  RecordReader reader(inputs);
  thread_local PoolBytes encoded;
  for (std::uint32_t i = 0; i < count; ++i) {
    const Record record = reader.next();
    try {
      Input input = codec::decode<Input>(record.bytes);
      if constexpr (Unpack) {
        codec::encode_into(std::apply(task, std::move(input)), encoded);
      } else {
        codec::encode_into(task(std::move(input)), encoded);
      }
      append_record(outcomes, true, encoded);
    } catch (const std::exception& error) {
      append_record(outcomes, false, std::string_view(error.what()));
    } catch (...) {
      append_record(outcomes, false,
                    std::string_view("an exception not derived from std::exception"));
    }
  }
}

/// Task `index` of `chunk`: its result, or the TaskFailed / WorkerDied it became.
template <typename R>
R decode_task(const ChunkState& chunk, std::size_t index) {
  const std::uint64_t task = chunk.first + index;
  if (!chunk.failure.empty()) {
    if (chunk.worker_died) throw WorkerDied(chunk.failure, task);
    throw TaskFailed(chunk.failure, task);
  }
  const Record& record = chunk.records[index];
  if (!record.ok) throw TaskFailed(std::string(record.text()), task);
  return codec::decode<R>(record.bytes);
}

template <typename R>
R decode_one(const std::vector<std::shared_ptr<ChunkState>>& chunks) {
  return decode_task<R>(*chunks.front(), 0);
}

template <typename R>
std::vector<R> decode_all(const std::vector<std::shared_ptr<ChunkState>>& chunks) {
  std::vector<R> results;
  for (const auto& chunk : chunks) {
    for (std::size_t i = 0; i < chunk->count; ++i) results.push_back(decode_task<R>(*chunk, i));
  }
  return results;
}

std::size_t default_processes();

}  // namespace detail

// ---- AsyncResult ------------------------------------------------------------------------------

template <typename R>
bool AsyncResult<R>::all_done() const {
  return std::all_of(chunks_.begin(), chunks_.end(), [](const auto& chunk) { return chunk->done; });
}

template <typename R>
bool AsyncResult<R>::wait_until(sync::Deadline deadline, sync::Timeout timeout) {
  core_->require_owner("AsyncResult::wait");
  if (all_done()) return true;
  return core_->wait_until([this] { return all_done(); }, deadline, timeout);
}

template <typename R>
R AsyncResult<R>::get() {
  static_cast<void>(wait_until(sync::Deadline::forever(), sync::Timeout::max()));
  return decode_(chunks_);
}

template <typename R>
R AsyncResult<R>::get(sync::Timeout timeout) {
  if (!wait_until(sync::Deadline::after(timeout), timeout)) {
    throw TimeoutError(
        fmt::format("AsyncResult::get: the result was not ready within {} ns", timeout.count()));
  }
  return decode_(chunks_);
}

template <typename R>
void AsyncResult<R>::wait() {
  static_cast<void>(wait_until(sync::Deadline::forever(), sync::Timeout::max()));
}

template <typename R>
bool AsyncResult<R>::wait(sync::Timeout timeout) {
  return wait_until(sync::Deadline::after(timeout), timeout);
}

template <typename R>
bool AsyncResult<R>::ready() {
  return wait_until(sync::Deadline::after(sync::Timeout::zero()), sync::Timeout::zero());
}

template <typename R>
bool AsyncResult<R>::successful() {
  if (!ready()) throw UsageError("AsyncResult::successful: the result is not ready");
  return std::all_of(chunks_.begin(), chunks_.end(), [](const auto& chunk) {
    return chunk->failure.empty() &&
           std::all_of(chunk->records.begin(), chunk->records.end(),
                       [](const detail::Record& record) { return record.ok; });
  });
}

// ---- ImapResults ------------------------------------------------------------------------------

template <typename R>
std::optional<std::size_t> ImapResults<R>::current() {
  if (ordered_) {
    while (chunk_ < chunks_.size() && record_ >= chunks_[chunk_]->count) {
      ++chunk_;
      record_ = 0;
    }
    if (chunk_ == chunks_.size()) return chunk_;
    if (chunks_[chunk_]->done) return chunk_;
    return std::nullopt;
  }
  if (reading_ && record_ < chunks_[*reading_]->count) return reading_;
  if (reading_) finished_[*reading_] = true;
  reading_.reset();
  std::optional<std::size_t> first;
  bool all_finished = true;
  for (std::size_t i = 0; i < chunks_.size(); ++i) {
    if (finished_[i]) continue;
    all_finished = false;
    const auto& chunk = *chunks_[i];
    if (chunk.done && (!first || chunk.completed_order < chunks_[*first]->completed_order)) {
      first = i;
    }
  }
  if (all_finished) return chunks_.size();
  if (first) {
    reading_ = first;
    record_ = 0;
  }
  return first;
}

template <typename R>
std::optional<R> ImapResults<R>::next_until(sync::Deadline deadline, sync::Timeout timeout) {
  core_->require_owner("ImapResults::next");
  if (finished_.size() != chunks_.size()) finished_.assign(chunks_.size(), false);
  std::optional<std::size_t> index = current();
  if (!index &&
      !core_->wait_until([&] { return (index = current()).has_value(); }, deadline, timeout)) {
    throw TimeoutError(
        fmt::format("ImapResults::next: no result was ready within {} ns", timeout.count()));
  }
  if (*index == chunks_.size()) return std::nullopt;
  return detail::decode_task<R>(*chunks_[*index], record_++);
}

template <typename R>
std::optional<R> ImapResults<R>::next() {
  return next_until(sync::Deadline::forever(), sync::Timeout::max());
}

template <typename R>
std::optional<R> ImapResults<R>::next(sync::Timeout timeout) {
  return next_until(sync::Deadline::after(timeout), timeout);
}

// ---- Pool -------------------------------------------------------------------------------------

template <typename Input, typename F, bool Unpack, std::ranges::forward_range Items>
std::vector<std::shared_ptr<detail::ChunkState>> Pool::submit_items(std::string_view operation, F f,
                                                                    const Items& items,
                                                                    std::size_t chunksize) {
  detail::require_plain_function<F>();
  using Fn = decltype(+f);
  using Result = detail::TaskResultT<Fn, Input, Unpack>;
  static_assert(!std::is_void_v<Result>, "ipcprop::Pool: a task must return a value");
  codec::detail::require_encodable<Input>();
  codec::detail::require_encodable<Result>();
  core_->require_owner(operation);
  const auto size = static_cast<std::size_t>(std::ranges::distance(items));
  if (chunksize == 0) {
    const std::size_t parts = 4 * processes();
    chunksize = std::max<std::size_t>(1, (size + parts - 1) / parts);
  }
  std::vector<std::shared_ptr<detail::ChunkState>> chunks;
  chunks.reserve((size + chunksize - 1) / chunksize);
  detail::PoolBytes records;
  codec::Bytes encoded;
  std::uint32_t count = 0;
  std::uint64_t first = 0;
  const auto function = reinterpret_cast<std::uintptr_t>(+f);
  const auto flush = [&] {
    chunks.push_back(core_->submit(operation, &detail::run_tasks<Fn, Input, Unpack>, function,
                                   records, count, first));
    first += count;
    count = 0;
    records.clear();
  };
  for (const auto& item : items) {
    codec::encode_into(Input(item), encoded);
    detail::append_record(records, true, encoded);
    if (++count == chunksize) flush();
  }
  if (count != 0) flush();
  return chunks;
}

template <typename F, std::ranges::forward_range Items>
auto Pool::map_async(F f, const Items& items, std::size_t chunksize) {
  using Input = std::decay_t<std::ranges::range_value_t<Items>>;
  detail::require_plain_function<F>();
  using Result = detail::TaskResultT<decltype(+f), Input, false>;
  auto chunks = submit_items<Input, F, false>("Pool::map", f, items, chunksize);
  return AsyncResult<std::vector<Result>>(core_, std::move(chunks), &detail::decode_all<Result>);
}

template <typename F, std::ranges::forward_range Items>
auto Pool::map(F f, const Items& items, std::size_t chunksize) {
  return map_async(f, items, chunksize).get();
}

template <typename F, typename T>
auto Pool::map(F f, std::initializer_list<T> items, std::size_t chunksize) {
  return map_async(f, items, chunksize).get();
}

template <typename F, std::ranges::forward_range Items>
auto Pool::starmap(F f, const Items& items, std::size_t chunksize) {
  using Input = std::decay_t<std::ranges::range_value_t<Items>>;
  detail::require_plain_function<F>();
  using Result = detail::TaskResultT<decltype(+f), Input, true>;
  auto chunks = submit_items<Input, F, true>("Pool::starmap", f, items, chunksize);
  return AsyncResult<std::vector<Result>>(core_, std::move(chunks), &detail::decode_all<Result>)
      .get();
}

template <typename F, typename... Args>
auto Pool::apply_async(F f, const Args&... args) {
  using Input = std::tuple<std::decay_t<Args>...>;
  detail::require_plain_function<F>();
  using Result = detail::TaskResultT<decltype(+f), Input, true>;
  const Input input(args...);
  auto chunks = submit_items<Input, F, true>("Pool::apply", f, std::span(&input, 1), 1);
  return AsyncResult<Result>(core_, std::move(chunks), &detail::decode_one<Result>);
}

template <typename F, typename... Args>
auto Pool::apply(F f, const Args&... args) {
  return apply_async(f, args...).get();
}

template <typename F, std::ranges::forward_range Items>
auto Pool::imap(F f, const Items& items, std::size_t chunksize) {
  using Input = std::decay_t<std::ranges::range_value_t<Items>>;
  detail::require_plain_function<F>();
  using Result = detail::TaskResultT<decltype(+f), Input, false>;
  auto chunks = submit_items<Input, F, false>("Pool::imap", f, items, chunksize);
  return ImapResults<Result>(core_, std::move(chunks), true);
}

template <typename F, std::ranges::forward_range Items>
auto Pool::imap_unordered(F f, const Items& items, std::size_t chunksize) {
  using Input = std::decay_t<std::ranges::range_value_t<Items>>;
  detail::require_plain_function<F>();
  using Result = detail::TaskResultT<decltype(+f), Input, false>;
  auto chunks = submit_items<Input, F, false>("Pool::imap_unordered", f, items, chunksize);
  return ImapResults<Result>(core_, std::move(chunks), false);
}

}  // namespace ipcprop
