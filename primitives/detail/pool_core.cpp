#include "primitives/detail/pool_core.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <new>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include "primitives/detail/kernel_time.h"
#include "primitives/detail/pool_worker.h"
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

std::string describe_exit(int exit_code) {
  if (exit_code >= 0) return fmt::format("exited with code {}", exit_code);
  const char* name = sigabbrev_np(-exit_code);
  return fmt::format("was killed by signal {} (SIG{})", -exit_code, name ? name : "?");
}

std::string describe_tasks(const ChunkState& chunk) {
  if (chunk.count == 1) return fmt::format("task {}", chunk.first);
  return fmt::format("tasks {}..{}", chunk.first, chunk.first + chunk.count - 1);
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
  if (processes == 0) throw UsageError("Pool: the number of processes must be at least 1");
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

void PoolCore::start_worker(std::uint32_t index) {
  WorkerSlot& worker_slot = slot(index);
  worker_slot.running.store(0, std::memory_order_relaxed);
  worker_slot.stopped.store(0, std::memory_order_relaxed);
  Worker& worker = workers_[index];
  worker.retiring = false;
  worker.process.emplace(
      [this, index] {
        return run_worker(WorkerContext{tasks_, replies_, *shared_, slot(index), index,
                                        initializer_, maxtasksperchild_});
      },
      fmt::format("PoolWorker-{}", index + 1));
  worker.process->start();
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, *worker.process->pid(), 0));
  worker.pidfd = FileDescriptor(check_call(pidfd, "pidfd_open", worker.process->name()));
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
  pending_.emplace(id, chunk);
  // While the task queue is full, collect replies, so that workers blocked on a full reply
  // queue can go on and take more tasks.
  const auto put = [&] {
    return tasks_.put(operation, outgoing_, sync::Deadline::after(sync::Timeout::zero()),
                      sync::Timeout::zero());
  };
  if (!put()) {
    static_cast<void>(wait_until(put, sync::Deadline::forever(), sync::Timeout::max()));
  }
  return chunk;
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
  for (int i = 1; i <= kSpinReads; ++i) {
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

bool PoolCore::check_workers() {
  bool any = false;
  for (std::uint32_t index = 0; index < workers_.size(); ++index) {
    Worker& worker = workers_[index];
    if (!worker.pidfd) continue;
    pollfd entry{worker.pidfd.get(), POLLIN, 0};
    if (::poll(&entry, 1, 0) != 1) continue;
    // Its last replies may still be queued: take them before judging the death.
    drain_replies();
    if (worker.pidfd) worker_ended(index);
    any = true;
  }
  return any;
}

void PoolCore::worker_ended(std::uint32_t index) {
  Worker& worker = workers_[index];
  if (!worker.process) return;
  worker.process->join();
  const int exit_code = worker.process->exitcode().value_or(0);
  const pid_t pid = worker.process->pid().value_or(0);
  worker.pidfd.close();
  worker.process.reset();
  WorkerSlot& worker_slot = slot(index);
  if (worker_slot.stopped.load(std::memory_order_acquire) != 0) return;  // Its end: no successor.
  const std::uint64_t running = worker_slot.running.load(std::memory_order_acquire);
  if (running != 0) {
    if (const auto found = pending_.find(running - 1); found != pending_.end()) {
      fail(*found->second,
           fmt::format("worker {} (pid {}) {} while running {}", index + 1, pid,
                       describe_exit(exit_code), describe_tasks(*found->second)),
           true);
      pending_.erase(found);
    }
  }
  if (broken_ || state_ == State::Terminated || state_ == State::Joined) return;
  start_worker(index);
}

bool PoolCore::all_workers_gone() const {
  return std::none_of(workers_.begin(), workers_.end(),
                      [](const Worker& worker) { return worker.process.has_value(); });
}

void PoolCore::close() {
  require_owner("Pool::close");
  if (state_ != State::Running) return;
  state_ = State::Closed;
  write_header(TaskHeader{TaskKind::Stop, 0, 0, 0, nullptr, 0}, message_);
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    static_cast<void>(
        tasks_.put("Pool::close", message_, sync::Deadline::forever(), sync::Timeout::max()));
  }
}

void PoolCore::terminate() noexcept {
  if (::getpid() != owner_pid_ || state_ == State::Terminated || state_ == State::Joined) return;
  state_ = State::Terminated;
  for (Worker& worker : workers_) {
    if (!worker.process) continue;
    try {
      worker.process->kill();
      worker.process->join();
    } catch (...) {  // ~Process kills and reaps regardless.
    }
    worker.process.reset();
    worker.pidfd = FileDescriptor();
  }
  fail_all_pending("Pool::terminate: the pool was terminated before the task finished");
  wake_fd_ = FileDescriptor();
}

void PoolCore::join() {
  require_owner("Pool::join");
  if (state_ == State::Running) {
    throw UsageError("Pool::join: the pool is still running; call close() or terminate() first");
  }
  if (state_ == State::Closed && broken_) terminate();
  if (state_ == State::Terminated || state_ == State::Joined) {
    state_ = State::Joined;
    return;
  }
  static_cast<void>(wait_until([this] { return all_workers_gone(); }, sync::Deadline::forever(),
                               sync::Timeout::max()));
  state_ = State::Joined;
  wake_fd_ = FileDescriptor();
}

std::vector<pid_t> PoolCore::worker_pids() const {
  std::vector<pid_t> pids;
  for (const Worker& worker : workers_) {
    if (worker.process) pids.push_back(*worker.process->pid());
  }
  return pids;
}

}  // namespace ipcprop::detail
