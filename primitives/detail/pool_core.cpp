#include "primitives/detail/pool_core.h"

// PoolCore: construction, submission, collecting replies and waiting. The worker lifecycle
// (start, death, replacement, close/terminate/join) is in pool_lifecycle.cpp.

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <new>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <fmt/format.h>

#include "primitives/detail/kernel_time.h"
#include "primitives/errors.h"

namespace ipcprop::detail {
namespace {

/// Task and reply queues: 64 MiB of virtual ring each, like any Queue.
constexpr std::size_t kQueueCapacity = std::size_t{64} << 20;
/// Reads of the reply counter before the owner sleeps in the kernel (a wake-up costs ~10 us).
constexpr int kSpinReads = 4000;

std::size_t slots_offset() {
  return (sizeof(PoolSharedHeader) + alignof(WorkerSlot) - 1) / alignof(WorkerSlot) *
         alignof(WorkerSlot);
}

bool deadline_passed(sync::Deadline deadline) {
  return !deadline.is_forever() && sync::now() >= deadline.time();
}

}  // namespace

PoolCore::PoolCore(std::size_t processes, std::function<void()> initializer,
                   std::size_t maxtasksperchild)
    : shared_mapping_(slots_offset() + std::max<std::size_t>(processes, 1) * sizeof(WorkerSlot)),
      shared_(::new (shared_mapping_.data()) PoolSharedHeader),
      tasks_(0, kQueueCapacity),
      replies_(0, kQueueCapacity),
      initializer_(std::move(initializer)),
      maxtasksperchild_(maxtasksperchild),
      owner_pid_(::getpid()) {
  auto* slots = static_cast<std::byte*>(shared_mapping_.data()) + slots_offset();
  for (std::size_t index = 0; index < processes; ++index) {
    ::new (slots + index * sizeof(WorkerSlot)) WorkerSlot;
  }
  wake_fd_ = FileDescriptor(
      check_call(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd", "Pool owner wake-up"));
  shared_->wake_fd = wake_fd_.get();
  workers_.resize(processes);
  try {
    for (std::uint32_t index = 0; index < processes; ++index) start_worker(index);
  } catch (...) {
    terminate();
    throw;
  }
}

PoolCore::~PoolCore() {
  if (::getpid() == owner_pid_ && state_ != State::Joined) terminate();
}

WorkerSlot& PoolCore::slot(std::uint32_t index) const noexcept {
  auto* slots = static_cast<std::byte*>(shared_mapping_.data()) + slots_offset();
  return *std::launder(reinterpret_cast<WorkerSlot*>(slots + index * sizeof(WorkerSlot)));
}

void PoolCore::require_owner(std::string_view operation) const {
  if (::getpid() != owner_pid_) {
    throw UsageError(
        fmt::format("{}: this Pool belongs to process {}; a forked copy (process {}) cannot use it",
                    operation, owner_pid_, ::getpid()));
  }
}

std::shared_ptr<ChunkState> PoolCore::submit(std::string_view operation, TaskRunner runner,
                                             std::uintptr_t function,
                                             std::span<const std::byte> records,
                                             std::uint32_t count, std::uint64_t first) {
  require_owner(operation);
  if (broken_) throw UsageError(fmt::format("{}: the pool is broken: {}", operation, *broken_));
  if (state_ != State::Running) {
    throw UsageError(
        fmt::format("{}: the pool is not running (close() or terminate() was called)", operation));
  }
  auto chunk = std::make_shared<ChunkState>();
  chunk->first = first;
  chunk->count = count;
  const std::uint64_t id = next_chunk_++;
  write_header(TaskHeader{TaskKind::Run, count, id, first, runner, function}, outgoing_);
  outgoing_.insert(outgoing_.end(), records.begin(), records.end());
  // While the task queue is full, collect replies, so that workers blocked on a full reply
  // queue can go on and take more tasks. The sequence number is the one of the put that works.
  const auto put = [&] {
    chunk->sequence = next_sequence_;
    return put_message(operation, outgoing_, false);
  };
  if (!put()) {
    static_cast<void>(wait_until(put, sync::Deadline::forever(), sync::Timeout::max()));
  }
  pending_.emplace(id, chunk);
  chunk_of_sequence_.emplace(chunk->sequence, id);
  return chunk;
}

bool PoolCore::put_message(std::string_view operation, PoolBytes& message, bool block) {
  const std::uint64_t sequence = next_sequence_;
  std::memcpy(message.data() + offsetof(TaskHeader, sequence), &sequence, sizeof sequence);
  const sync::Deadline deadline =
      block ? sync::Deadline::forever() : sync::Deadline::after(sync::Timeout::zero());
  if (!tasks_.put(operation, message, deadline,
                  block ? sync::Timeout::max() : sync::Timeout::zero())) {
    return false;
  }
  ++next_sequence_;
  return true;
}

void PoolCore::put_control(std::string_view operation, TaskKind kind) {
  PoolBytes message;
  write_header(TaskHeader{kind, 0, 0, 0, nullptr, 0}, message);
  if (kind == TaskKind::Stop) stop_sequences_.insert(next_sequence_);
  static_cast<void>(put_message(operation, message, true));
}

void PoolCore::handle_lost(std::uint64_t sequence, pid_t dead_pid) {
  if (const auto stop = stop_sequences_.find(sequence); stop != stop_sequences_.end()) {
    // The dead worker took a stop message meant for its successor: put another.
    stop_sequences_.erase(stop);
    if (state_ == State::Closed) put_control("Pool::close", TaskKind::Stop);
    return;
  }
  const auto found = chunk_of_sequence_.find(sequence);
  if (found == chunk_of_sequence_.end()) return;  // A probe.
  const auto pending = pending_.find(found->second);
  chunk_of_sequence_.erase(found);
  if (pending == pending_.end()) return;
  for (std::uint32_t index = 0; index < workers_.size(); ++index) {
    // The reply can come before its sender's death was seen: judge that death now, to name it.
    const auto& process = workers_[index].process;
    if (process && process->pid() == dead_pid) worker_ended(index);
  }
  const auto death = deaths_.find(dead_pid);
  const std::string who =
      death != deaths_.end() ? death->second : fmt::format("a worker (pid {}) died", dead_pid);
  ChunkState& chunk = *pending->second;
  fail(chunk,
       fmt::format("{} while taking {}, before running {}", who,
                   chunk.count == 1
                       ? fmt::format("task {}", chunk.first)
                       : fmt::format("tasks {}..{}", chunk.first, chunk.first + chunk.count - 1),
                   chunk.count == 1 ? "it" : "them"),
       true);
  pending_.erase(pending);
}

bool PoolCore::step(const sync::SyncPoint& point, sync::Deadline deadline) {
  const std::uint32_t observed = shared_->replies_posted.load(std::memory_order_seq_cst);
  const bool replies = drain_replies();
  const bool endings = check_workers();
  if (replies || endings) return true;
  if (deadline_passed(deadline)) return false;
  if (const auto waited = sync::wait(point, deadline)) {
    return *waited == sync::WaitResult::Notified;
  }
  block_in_kernel(observed, deadline);
  return true;  // The next step sees what changed, or that the deadline passed.
}

void PoolCore::block_in_kernel(std::uint32_t observed, sync::Deadline deadline) {
  // Spin only while a task's reply may be imminent; with none pending (join) the owner waits
  // for exits, and spinning would take a CPU from the workers that are exiting.
  const int spins = pending_.empty() ? 0 : kSpinReads;
  for (int i = 1; i <= spins; ++i) {
    if (shared_->replies_posted.load(std::memory_order_relaxed) != observed) return;
    if (i % 256 == 0 && deadline_passed(deadline)) return;
    __builtin_ia32_pause();
  }
  shared_->owner_sleeping.store(1, std::memory_order_seq_cst);
  if (shared_->replies_posted.load(std::memory_order_seq_cst) == observed) {
    std::vector<pollfd> watched{{wake_fd_.get(), POLLIN, 0}};
    for (const Worker& worker : workers_) {
      if (worker.pidfd) watched.push_back({worker.pidfd.get(), POLLIN, 0});
    }
    timespec left{};
    const bool finite = time_left(deadline, left);
    if (::ppoll(watched.data(), watched.size(), finite ? &left : nullptr, nullptr) == -1 &&
        errno != EINTR) {
      shared_->owner_sleeping.store(0, std::memory_order_relaxed);
      throw_system_error("ppoll", describe(sync_object()));
    }
  }
  shared_->owner_sleeping.store(0, std::memory_order_relaxed);
  std::uint64_t count = 0;
  static_cast<void>(::read(wake_fd_.get(), &count, sizeof count));  // EAGAIN: nothing to clear.
}

bool PoolCore::drain_replies() {
  bool any = false;
  while (replies_.get("Pool::collect", message_, sync::Deadline::after(sync::Timeout::zero()),
                      sync::Timeout::zero())) {
    any = true;
    PoolBytes reply = std::move(message_);
    message_.clear();
    handle_reply(reply);
  }
  return any;
}

void PoolCore::handle_reply(std::span<const std::byte> reply) {
  const auto header = read_header<ReplyHeader>(reply);
  const auto body = reply.subspan(sizeof(ReplyHeader));
  switch (header.kind) {
    case ReplyKind::Outcomes:
      complete(header.chunk, PoolBytes(body.begin(), body.end()));
      return;
    case ReplyKind::Retiring:
      workers_[header.worker].retiring = true;
      worker_ended(header.worker);
      return;
    case ReplyKind::Stopped:
      worker_ended(header.worker);
      return;
    case ReplyKind::LostInTake:
      handle_lost(header.chunk, header.dead_pid);
      return;
    case ReplyKind::InitializerFailed: {
      const Record record = RecordReader(body).next();
      const auto pid =
          workers_[header.worker].process ? workers_[header.worker].process->pid() : std::nullopt;
      broken_ = fmt::format("the initializer of worker {} (pid {}) threw: {}", header.worker + 1,
                            pid.value_or(0), record.text());
      fail_all_pending(*broken_);
      return;
    }
  }
}

void PoolCore::complete(std::uint64_t id, PoolBytes outcomes) {
  const auto found = pending_.find(id);
  if (found == pending_.end()) return;  // Already failed (terminate) or unknown.
  ChunkState& chunk = *found->second;
  chunk.outcomes = std::move(outcomes);
  RecordReader reader(chunk.outcomes);
  for (std::uint32_t i = 0; i < chunk.count; ++i) chunk.records.push_back(reader.next());
  chunk.done = true;
  chunk.completed_order = ++completed_;
  chunk_of_sequence_.erase(chunk.sequence);
  pending_.erase(found);
}

void PoolCore::fail(ChunkState& chunk, std::string failure, bool worker_died) {
  chunk.failure = std::move(failure);
  chunk.worker_died = worker_died;
  chunk.done = true;
  chunk.completed_order = ++completed_;
}

void PoolCore::fail_all_pending(std::string_view why) {
  for (auto& [id, chunk] : pending_) fail(*chunk, std::string(why), false);
  pending_.clear();
}

}  // namespace ipcprop::detail
