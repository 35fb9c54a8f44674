// ipcprop — bench/kill_campaign/records.h
//
// What participants record, in one shared mapping per trial (TrialShared): each one's phase,
// counts and first problem (ParticipantRecord), every message's state (MessageRecord), every
// critical section's tickets (SectionRecord) and every Pool task's runs (TaskRecord). The
// campaign reads them once the trial's processes are gone, so a victim's record is exact.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ipcprop::campaign {

/// Where a participant was when it died (read after its death, so exact), or what it is doing.
enum Phase : std::uint32_t {
  kNotStarted,     ///< Forked, not yet at the start gate.
  kAtGate,         ///< Waiting for the start gate to open.
  kBetween,        ///< Between operations (preparing the next message, bookkeeping).
  kFinished,       ///< Done with its work, exiting.
  kAcquiring,      ///< Lock: inside acquire / acquire(timeout) / try_acquire.
  kHolding,        ///< Lock: holds it (nesting, critical section).
  kReleasing,      ///< Lock: inside release.
  kPutSmall,       ///< Queue: inside put of <= 512 bytes.
  kPutMedium,      ///< Queue: inside put of ~64 KiB.
  kPutLarge,       ///< Queue: inside put of 1-3 MiB.
  kGetting,        ///< Queue: inside get (or between its return and recording it).
  kTaskDone,       ///< JoinableQueue: recorded the message, inside task_done.
  kJoining,        ///< JoinableQueue: inside join.
  kSendSmall,      ///< Pipe: inside send of <= 512 bytes.
  kSendPipeBuf,    ///< Pipe: inside send of 4-20 KiB (> PIPE_BUF).
  kSendLarge,      ///< Pipe: inside send of > 64 KiB.
  kReceiving,      ///< Pipe: inside recv (or between its return and recording it).
  kPolling,        ///< Pipe: inside poll(timeout).
  kDraining,       ///< Pipe: the stream became unreadable; draining raw bytes.
  kInTask,         ///< Pool worker: running a task.
  kBetweenTasks,   ///< Pool worker: not in a task (taking a chunk, replying, waiting).
  kExitedEarlier,  ///< The victim had already exited when the kill was sent.
  kPhaseCount
};

inline constexpr const char* kPhaseNames[kPhaseCount] = {
    "forked, not at the start gate",
    "at the start gate",
    "between operations",
    "finishing",
    "in acquire",
    "holding the lock",
    "in release",
    "in put (<= 512 B)",
    "in put (~64 KiB)",
    "in put (1-3 MiB)",
    "in get",
    "in task_done",
    "in join",
    "in send (<= 512 B)",
    "in send (> PIPE_BUF)",
    "in send (> 64 KiB)",
    "in recv",
    "in poll",
    "draining an unreadable pipe",
    "running a task",
    "between tasks",
    "had already exited",
};

inline constexpr std::size_t kMaxParticipants = 10;
inline constexpr std::size_t kMaxProducers = 6;
inline constexpr std::size_t kMaxMessages = 40;
inline constexpr std::size_t kMaxSections = 400;
inline constexpr std::size_t kPoolCalls = 3;
inline constexpr std::size_t kMaxTasks = 24;
inline constexpr std::size_t kMaxWorkers = 4;
inline constexpr std::size_t kNoteSize = 256;

/// One participant's own record: where it is, what it did, what went wrong.
struct ParticipantRecord {
  std::atomic<std::uint32_t> phase{kNotStarted};
  std::atomic<std::uint32_t> ops{0};         ///< Completed operations (puts, gets, sections).
  std::atomic<std::uint32_t> torn{0};        ///< Torn or phantom messages it received.
  std::atomic<std::uint32_t> wrong{0};       ///< Undocumented exceptions it got.
  std::atomic<std::uint32_t> owner_died{0};  ///< OwnerDied exceptions it got.
  std::atomic<std::int32_t> owner_died_pid{0};
  std::atomic<std::uint32_t> broken_by_sender{0};    ///< BrokenMessage: a sender died in it.
  std::atomic<std::uint32_t> broken_by_receiver{0};  ///< BrokenMessage: a receiver died in it.
  std::atomic<std::uint32_t> boundaries_lost{0};     ///< BrokenMessage: stream unreadable.
  std::atomic<std::uint32_t> worker_died{0};         ///< Pool: WorkerDied for a task.
  std::atomic<std::uint32_t> stuck{0};               ///< Lock probe: the lock stayed held.
  std::atomic<std::uint32_t> noted{0};
  std::atomic<std::int64_t> finished_ns{0};  ///< now_ns() when its work was done.
  char note[kNoteSize];                      ///< The first problem it saw, for the report.
};

/// One message: its state on the producing side, and how often it arrived.
struct MessageRecord {
  std::atomic<std::uint32_t> sent{0};  ///< 0 not yet, 1 inside put/send, 2 put/send returned.
  std::atomic<std::uint32_t> received{0};
  std::atomic<std::uint32_t> length{0};
  std::atomic<std::uint64_t> checksum{0};
};

/// One critical section of a lock holder, as entry and exit tickets.
struct SectionRecord {
  std::atomic<std::uint64_t> enter{0};  ///< Ticket taken on entering; 0: not recorded.
  std::atomic<std::uint64_t> exit{0};   ///< Ticket taken on leaving; 0: not recorded.
  std::atomic<std::uint32_t> after_owner_died{0};
};

/// One Pool task: who ran it, how often, and what its owner got back.
struct TaskRecord {
  std::atomic<std::uint32_t> runs{0};      ///< Times a worker started it.
  std::atomic<std::uint32_t> finished{0};  ///< Times a worker finished it.
  std::atomic<std::int32_t> pid{0};        ///< The worker that started it last.
  std::atomic<std::uint32_t> outcome{0};   ///< Owner: 0 unseen, 1 right, 2 WorkerDied, 3 wrong.
};

/// Everything a trial's processes share: the start gate, the stages, the records.
struct TrialShared {
  std::atomic<std::uint32_t> ready{0};  ///< Participants at the start gate.
  std::atomic<std::uint32_t> go{0};     ///< The start gate.
  std::atomic<std::uint32_t> stage{0};  ///< Released stages (see Trial::run).
  std::atomic<std::uint32_t> sentinels[2]{};
  std::atomic<std::uint32_t> compensate{0};
  std::atomic<std::uint32_t> unreadable[2]{};
  std::atomic<std::int32_t> victim_pid{0};
  std::atomic<std::uint64_t> salt{0};
  ParticipantRecord participants[kMaxParticipants];
  MessageRecord messages[kMaxProducers][kMaxMessages];
  // Lock and RLock.
  std::atomic<std::uint64_t> ticket{0};
  std::atomic<std::uint64_t> counter{0};  ///< Incremented non-atomically under the lock.
  SectionRecord sections[kMaxParticipants][kMaxSections];
  // Pool.
  std::atomic<std::int32_t> workers[kMaxWorkers]{};
  std::atomic<std::uint32_t> worker_task[kMaxWorkers]{};  ///< 1 + task key while running one.
  TaskRecord tasks[kPoolCalls][kMaxTasks];
};

/// Keeps `text` as the participant's first problem, for the report (later ones are dropped).
void note(ParticipantRecord& me, std::string_view text);

/// Counts an exception no header documents for this situation, and notes it.
void wrong_error(ParticipantRecord& me, std::string_view what);

/// A participant arrives at the start gate and waits for it to open.
void arrive(TrialShared& shared, ParticipantRecord& me);

}  // namespace ipcprop::campaign
