#include "primitives/detail/pool_worker.h"

#include <csignal>
#include <exception>

#include <sys/prctl.h>
#include <unistd.h>

#include "primitives/detail/pool_messages.h"

namespace ipcprop::detail {
namespace {

void put_reply(const WorkerContext& context, const PoolBytes& reply) {
  static_cast<void>(
      context.replies.put("Pool::reply", reply, sync::Deadline::forever(), sync::Timeout::max()));
  announce_reply(context.shared);
}

void put_notice(const WorkerContext& context, ReplyKind kind) {
  PoolBytes reply;
  write_header(ReplyHeader{kind, context.index, 0}, reply);
  put_reply(context, reply);
}

/// Takes the next message and records it, as one step under the take lock (pool_shared.h);
/// reports the messages that a worker which died holding the lock took before it.
TaskHeader take(const WorkerContext& context, PoolBytes& message) {
  const sync::SyncObject lock{"PoolTakeLock", reinterpret_cast<std::uintptr_t>(&context.shared)};
  const sync::SyncPoint point{"Pool::take", lock};
  sync::invoke(point);
  const AcquireResult acquired =
      context.shared.take_lock.acquire(point, sync::Deadline::forever(), lock);
  sync::returned(point, 1);
  static_cast<void>(
      context.tasks.get("Pool::take", message, sync::Deadline::forever(), sync::Timeout::max()));
  const auto header = read_header<TaskHeader>(message);
  for (std::uint64_t lost = context.shared.taken; lost < header.sequence; ++lost) {
    PoolBytes reply;
    write_header(ReplyHeader{ReplyKind::LostInTake, context.index, lost, acquired.dead_owner_pid},
                 reply);
    put_reply(context, reply);
  }
  context.shared.taken = header.sequence + 1;
  if (header.kind == TaskKind::Run) {
    context.slot.running.store(header.chunk + 1, std::memory_order_release);
  } else if (header.kind == TaskKind::Stop) {
    context.slot.stopped.store(1, std::memory_order_release);
  }
  context.shared.take_lock.release("Pool::take", lock);
  sync::notify(lock);
  return header;
}

}  // namespace

void announce_reply(PoolSharedHeader& shared) {
  shared.replies_posted.fetch_add(1, std::memory_order_seq_cst);
  if (shared.owner_sleeping.load(std::memory_order_seq_cst) != 0) {
    const std::uint64_t one = 1;
    // Only EAGAIN (counter saturated) can fail here, and the owner is awake then anyway.
    static_cast<void>(::write(shared.wake_fd, &one, sizeof one));
  }
}

int run_worker(const WorkerContext& context) {
  // A worker must not outlive the pool's owner, whatever happens to it.
  const pid_t owner = ::getppid();
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != owner) return 1;

  if (context.initializer) {
    try {
      context.initializer();
    } catch (const std::exception& error) {
      PoolBytes reply;
      write_header(ReplyHeader{ReplyKind::InitializerFailed, context.index, 0}, reply);
      append_record(reply, false, std::string_view(error.what()));
      put_reply(context, reply);
      return 1;
    }
  }
  PoolBytes message;
  PoolBytes reply;
  std::size_t chunks_done = 0;
  for (;;) {
    const auto header = take(context, message);
    if (header.kind == TaskKind::Probe) continue;
    if (header.kind == TaskKind::Stop) {
      put_notice(context, ReplyKind::Stopped);
      return 0;
    }
    write_header(ReplyHeader{ReplyKind::Outcomes, context.index, header.chunk}, reply);
    header.runner(header.function, std::span(message).subspan(sizeof(TaskHeader)), header.count,
                  reply);
    put_reply(context, reply);
    context.slot.running.store(0, std::memory_order_release);
    if (context.maxtasksperchild != 0 && ++chunks_done >= context.maxtasksperchild) {
      put_notice(context, ReplyKind::Retiring);
      return 0;
    }
  }
}

}  // namespace ipcprop::detail
