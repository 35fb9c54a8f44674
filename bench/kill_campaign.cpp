// ipcprop — bench/kill_campaign.cpp
//
// kill_campaign: the project's own proof that a process SIGKILLed at a random instant never hangs
// the others and never loses, tears or duplicates data. Real processes, real scheduling, no
// harness: each trial forks the participants of one primitive, lets them work, SIGKILLs one of
// them after a random delay, lets the survivors finish and checks what they recorded in shared
// memory. doc/kill-campaign.md says what each primitive's trial does, which losses are allowed
// and why, and how to read the table this prints.
//
//   build/default/bench/kill_campaign [--trials N] [--primitive NAME] [--seed S] [--jobs J]
//                                     [--patience SECONDS] [--trial T]
//
// Exit status: 0 when every count is zero, 1 when one is not (or a trial could not be run), 2
// for bad arguments, 130 when interrupted (SIGINT, SIGTERM or SIGHUP; everything the campaign
// started is killed and reaped first).
//
// Structure of one trial, the same for every primitive (class Trial):
//   1. fork the participants (ipcprop::Process); each one arrives at a start gate in shared
//      memory and waits there;
//   2. open the gate, wait a delay drawn uniformly from the primitive's busy window, SIGKILL the
//      victim through a pidfd (for Pool: a worker from worker_pids());
//   3. wait, stage by stage, for the survivors on their pidfds with a deadline (--patience):
//      stage 0 the victim and the producing side, then the helper that ends the trial (sentinel
//      messages, a final lock probe) is released, stage 1 the consuming side, stage 2 the rest;
//      a survivor still running at a deadline is a hang: its /proc wchan and syscall are printed
//      and it is killed;
//   4. check the shared records (primitive-specific), then, once every process is gone, the fds
//      of this process, /dev/shm and the child list (the campaign is a child subreaper).
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include "primitives/codec.h"
#include "primitives/errors.h"
#include "primitives/lock.h"
#include "primitives/pipe.h"
#include "primitives/pool.h"
#include "primitives/process.h"
#include "primitives/queue.h"
#include "primitives/rlock.h"
#include "primitives/shared_memory.h"

namespace ipcprop::campaign {
namespace {

using namespace std::chrono_literals;

// ---------------------------------------------------------------------------------------------
// Small system helpers. Every call is checked; failures are SystemError naming call and errno.

std::int64_t now_ns() {
  timespec now{};
  check_call(::clock_gettime(CLOCK_MONOTONIC, &now), "clock_gettime");
  return std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

timespec to_timespec(std::int64_t ns) {
  ns = std::max<std::int64_t>(ns, 0);
  return timespec{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
}

void yield_cpu() {
  check_call(::sched_yield(), "sched_yield");
}

/// Sleeps `ns` (participants only: the campaign process waits through ppoll, see wait_for).
void nap(std::int64_t ns) {
  timespec left = to_timespec(ns);
  for (;;) {
    const int error = ::clock_nanosleep(CLOCK_MONOTONIC, 0, &left, &left);
    if (error == 0) return;
    if (error != EINTR) throw SystemError("clock_nanosleep", error);
  }
}

/// A file descriptor closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  void reset() noexcept {
    if (fd_ >= 0 && ::close(std::exchange(fd_, -1)) == -1) {
      std::fprintf(stderr, "kill_campaign: close: %s\n", std::strerror(errno));
    }
  }

 private:
  int fd_ = -1;
};

UniqueFd open_pidfd(pid_t pid) {
  // Through syscall(): glibc 2.36's <sys/pidfd.h> cannot be used from C++ (see process.cpp).
  return UniqueFd(static_cast<int>(
      check_call(::syscall(SYS_pidfd_open, pid, 0), "pidfd_open", fmt::format("pid {}", pid))));
}

/// SIGKILLs the process behind `pidfd`; false if it was already gone (ESRCH).
bool kill_through(int pidfd) {
  if (::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0) == 0) return true;
  if (errno == ESRCH) return false;
  throw_system_error("pidfd_send_signal");
}

bool readable_now(int fd) {
  pollfd entry{fd, POLLIN, 0};
  return check_call(::poll(&entry, 1, 0), "poll") == 1;
}

// Futex waits on words in shared memory (process-shared: no FUTEX_PRIVATE_FLAG).
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
              std::atomic<std::uint32_t>::is_always_lock_free);

std::uint32_t* futex_word(std::atomic<std::uint32_t>& word) {
  return reinterpret_cast<std::uint32_t*>(&word);
}

void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, std::int64_t ns) {
  const timespec timeout = to_timespec(ns);
  if (::syscall(SYS_futex, futex_word(word), FUTEX_WAIT, expected, &timeout, nullptr, 0) == -1 &&
      errno != EAGAIN && errno != EINTR && errno != ETIMEDOUT) {
    throw_system_error("futex(FUTEX_WAIT)");
  }
}

void futex_wake(std::atomic<std::uint32_t>& word) {
  check_call(::syscall(SYS_futex, futex_word(word), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0),
             "futex(FUTEX_WAKE)");
}

/// Blocks until word >= value (participants).
void wait_at_least(std::atomic<std::uint32_t>& word, std::uint32_t value) {
  for (;;) {
    const std::uint32_t seen = word.load();
    if (seen >= value) return;
    futex_wait(word, seen, 100'000'000);
  }
}

std::string read_proc(const std::string& path) {
  std::ifstream file(path);
  if (!file) return fmt::format("(cannot open {}: {})", path, std::strerror(errno));
  std::stringstream text;
  text << file.rdbuf();
  std::string result = text.str();
  while (!result.empty() && (result.back() == '\n' || result.back() == '\0')) result.pop_back();
  return result.empty() ? std::string("(empty)") : result;
}

/// Process ids whose parent is `parent` (zombies included), from /proc/<pid>/stat.
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename();
    pid_t pid = 0;
    const auto [end, status] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (status != std::errc() || end != name.data() + name.size()) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;  // Gone meanwhile.
    // Field 2, the command, may hold spaces but ends at the last ')'; then state, then ppid.
    std::istringstream rest(line.substr(line.rfind(')') + 1));
    char state = 0;
    pid_t ppid = 0;
    if ((rest >> state >> ppid) && ppid == parent) children.push_back(pid);
  }
  if (error) throw SystemError("opendir(/proc)", error.value());
  return children;
}

std::set<int> open_fds() {
  std::set<int> fds;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
    int fd = -1;
    const std::string name = entry.path().filename();
    std::from_chars(name.data(), name.data() + name.size(), fd);
    fds.insert(fd);
  }
  if (error) throw SystemError("opendir(/proc/self/fd)", error.value());
  // The directory stream's own descriptor was listed too; it is closed by now.
  std::erase_if(fds, [](int fd) { return ::fcntl(fd, F_GETFD) == -1; });
  return fds;
}

std::set<std::string> shm_entries() {
  std::set<std::string> entries;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/dev/shm", error)) {
    const std::string name = entry.path().filename();
    if (name.starts_with("ipcprop.")) entries.insert(name);
  }
  if (error) throw SystemError("opendir(/dev/shm)", error.value());
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Interruption. The campaign processes (the main one and each job) keep SIGINT, SIGTERM and
// SIGHUP blocked and wait only in ppoll() with them unblocked, so a signal is never missed
// between a check and a wait. Participants restore the original mask and default actions.

volatile std::sig_atomic_t g_interrupted = 0;
sigset_t g_original_mask;
sigset_t g_wait_mask;  ///< The mask during ppoll(): the original one.
constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void on_stop_signal(int signal_number) {
  g_interrupted = signal_number;
}

struct Interrupted {};

void throw_if_interrupted() {
  if (g_interrupted != 0) throw Interrupted{};
}

void install_signal_handling() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  check_call(::sigemptyset(&action.sa_mask), "sigemptyset");
  action.sa_flags = 0;  // No SA_RESTART: the wait returns EINTR.
  sigset_t blocked;
  check_call(::sigemptyset(&blocked), "sigemptyset");
  for (const int signal_number : kStopSignals) {
    check_call(::sigaction(signal_number, &action, nullptr), "sigaction");
    check_call(::sigaddset(&blocked, signal_number), "sigaddset");
  }
  const int error = ::pthread_sigmask(SIG_BLOCK, &blocked, &g_original_mask);
  if (error != 0) throw SystemError("pthread_sigmask", error);
  g_wait_mask = g_original_mask;
  for (const int signal_number : kStopSignals) {
    check_call(::sigdelset(&g_wait_mask, signal_number), "sigdelset");
  }
}

/// In a freshly forked participant: default actions, the original mask.
void restore_signals_in_child() {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  check_call(::sigemptyset(&action.sa_mask), "sigemptyset");
  for (const int signal_number : kStopSignals) {
    check_call(::sigaction(signal_number, &action, nullptr), "sigaction");
  }
  const int error = ::pthread_sigmask(SIG_SETMASK, &g_original_mask, nullptr);
  if (error != 0) throw SystemError("pthread_sigmask", error);
}

/// ppoll on `fds` until one is ready or `deadline` (now_ns() scale) passes; lets the stop signals
/// in and throws Interrupted if one came. Returns ppoll's count (0: the deadline passed).
int wait_for(std::vector<pollfd>& fds, std::int64_t deadline) {
  for (;;) {
    throw_if_interrupted();
    const timespec left = to_timespec(deadline - now_ns());
    const bool forever = deadline == INT64_MAX;
    const int ready = ::ppoll(fds.empty() ? nullptr : fds.data(), fds.size(),
                              forever ? nullptr : &left, &g_wait_mask);
    if (ready >= 0) {
      if (ready > 0 || now_ns() >= deadline) return ready;
      continue;
    }
    if (errno != EINTR) throw_system_error("ppoll");
  }
}

void campaign_sleep(std::int64_t ns) {
  std::vector<pollfd> none;
  const std::int64_t deadline = now_ns() + ns;
  while (wait_for(none, deadline) != 0) {
  }
}

/// Kills every child of this process (the campaign is a subreaper, so orphaned grandchildren
/// are among them) and reaps them all. Returns how many there were.
int kill_and_reap_children() {
  int count = 0;
  for (const pid_t child : children_of(::getpid())) {
    if (::kill(child, SIGKILL) == -1 && errno != ESRCH) throw_system_error("kill");
  }
  for (;;) {
    int status = 0;
    const pid_t reaped = ::waitpid(-1, &status, 0);
    if (reaped > 0) {
      ++count;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == ECHILD) return count;
    throw_system_error("waitpid");
  }
}

// ---------------------------------------------------------------------------------------------
// Randomness: splitmix64, so a trial is a function of (seed, primitive, trial).

std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(mix(seed)) {}
  std::uint64_t next() { return mix(state_ += 0x9E3779B97F4A7C15ULL); }
  /// Uniform in [0, bound).
  std::uint64_t below(std::uint64_t bound) { return bound == 0 ? 0 : next() % bound; }
  /// Uniform in [low, high].
  std::int64_t range(std::int64_t low, std::int64_t high) {
    return low + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(high - low) + 1));
  }

 private:
  std::uint64_t state_;
};

// ---------------------------------------------------------------------------------------------
// What participants record, in one shared mapping per trial.

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

constexpr const char* kPhaseNames[kPhaseCount] = {
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

struct MessageRecord {
  std::atomic<std::uint32_t> sent{0};  ///< 0 not yet, 1 inside put/send, 2 put/send returned.
  std::atomic<std::uint32_t> received{0};
  std::atomic<std::uint32_t> length{0};
  std::atomic<std::uint64_t> checksum{0};
};

struct SectionRecord {
  std::atomic<std::uint64_t> enter{0};  ///< Ticket taken on entering; 0: not recorded.
  std::atomic<std::uint64_t> exit{0};   ///< Ticket taken on leaving; 0: not recorded.
  std::atomic<std::uint32_t> after_owner_died{0};
};

struct TaskRecord {
  std::atomic<std::uint32_t> runs{0};      ///< Times a worker started it.
  std::atomic<std::uint32_t> finished{0};  ///< Times a worker finished it.
  std::atomic<std::int32_t> pid{0};        ///< The worker that started it last.
  std::atomic<std::uint32_t> outcome{0};   ///< Owner: 0 unseen, 1 right, 2 WorkerDied, 3 wrong.
};

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

void note(ParticipantRecord& me, std::string_view text) {
  if (me.noted.exchange(1) != 0) return;
  const std::size_t size = std::min(text.size(), kNoteSize - 1);
  std::memcpy(me.note, text.data(), size);
  me.note[size] = '\0';
}

void wrong_error(ParticipantRecord& me, std::string_view what) {
  me.wrong.fetch_add(1);
  note(me, fmt::format("undocumented error: {}", what));
}

/// A participant arrives at the start gate and waits for it to open.
void arrive(TrialShared& shared, ParticipantRecord& me) {
  me.phase = kAtGate;
  shared.ready.fetch_add(1);
  futex_wake(shared.ready);
  wait_at_least(shared.go, 1);
  me.phase = kBetween;
}

// ---------------------------------------------------------------------------------------------
// Messages: [header | payload]. The payload is a function of (direction, producer, sequence,
// length, the trial's salt); the header carries its checksum, which the producer also records.

struct MessageHeader {
  std::uint32_t magic;
  std::uint16_t direction;
  std::uint16_t producer;
  std::uint32_t sequence;
  std::uint32_t length;  ///< Payload bytes.
  std::uint64_t checksum;
};
static_assert(sizeof(MessageHeader) == 24);

constexpr std::uint32_t kMessageMagic = 0x4C4C494B;  // "KILL" in memory.
constexpr std::uint16_t kSentinel = 0xFFFF;

std::uint64_t fold(std::uint64_t hash, std::uint64_t word) {
  hash = (hash ^ word) * 0x9E3779B97F4A7C15ULL;
  return hash ^ (hash >> 32);
}

std::uint64_t checksum_of(std::span<const std::byte> payload) {
  std::uint64_t hash = 0xCBF29CE484222325ULL ^ payload.size();
  std::size_t at = 0;
  for (; at + 8 <= payload.size(); at += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, payload.data() + at, 8);
    hash = fold(hash, word);
  }
  if (at < payload.size()) {
    std::uint64_t word = 0;
    std::memcpy(&word, payload.data() + at, payload.size() - at);
    hash = fold(hash, word);
  }
  return hash;
}

/// Writes the message into out[0, sizeof(MessageHeader) + length); returns its checksum.
std::uint64_t make_message(std::byte* out, std::uint16_t direction, std::uint16_t producer,
                           std::uint32_t sequence, std::uint32_t length, std::uint64_t salt) {
  const std::uint64_t key = mix(
      salt ^ mix((std::uint64_t{direction} << 48) | (std::uint64_t{producer} << 32) | sequence) ^
      length);
  std::byte* payload = out + sizeof(MessageHeader);
  std::size_t at = 0;
  for (std::uint64_t i = 0; at + 8 <= length; at += 8, ++i) {
    const std::uint64_t word = mix(key + i);
    std::memcpy(payload + at, &word, 8);
  }
  if (at < length) {
    const std::uint64_t word = mix(key + at / 8);
    std::memcpy(payload + at, &word, length - at);
  }
  const MessageHeader header{kMessageMagic, direction, producer,
                             sequence,      length,    checksum_of(std::span(payload, length))};
  std::memcpy(out, &header, sizeof header);
  return header.checksum;
}

std::size_t message_size(std::uint32_t length) {
  return sizeof(MessageHeader) + length;
}

void make_sentinel(std::byte* out) {
  const MessageHeader header{kMessageMagic, 0, kSentinel, 0, 0, 0};
  std::memcpy(out, &header, sizeof header);
}

struct Verdict {
  enum Kind { Good, Sentinel, Torn } kind = Torn;
  bool identified = false;  ///< Torn, but its header names a message that was sent.
  std::uint16_t producer = 0;
  std::uint32_t sequence = 0;
  std::string why;
};

/// Checks a received message against its own checksum and against what its producer recorded.
/// Producers [first, last) send on `direction`.
Verdict verify(std::span<const std::byte> bytes, TrialShared& shared, std::uint16_t direction,
               std::uint16_t first, std::uint16_t last) {
  Verdict verdict;
  if (bytes.size() < sizeof(MessageHeader)) {
    verdict.why = fmt::format("a message of {} bytes, shorter than its header", bytes.size());
    return verdict;
  }
  MessageHeader header{};
  std::memcpy(&header, bytes.data(), sizeof header);
  if (header.magic != kMessageMagic) {
    verdict.why =
        fmt::format("a {}-byte message with a bad magic {:#x}", bytes.size(), header.magic);
    return verdict;
  }
  if (header.producer == kSentinel && bytes.size() == sizeof header) {
    verdict.kind = Verdict::Sentinel;
    return verdict;
  }
  verdict.producer = header.producer;
  verdict.sequence = header.sequence;
  const auto what = [&header] {
    return fmt::format("message {} of producer {} (direction {}, {} payload bytes)",
                       header.sequence, header.producer, header.direction, header.length);
  };
  if (header.direction != direction || header.producer < first || header.producer >= last ||
      header.sequence >= kMaxMessages) {
    verdict.why = fmt::format("{} cannot exist here (direction {}, producers {}-{})", what(),
                              direction, first, last - 1);
    return verdict;
  }
  MessageRecord& record = shared.messages[header.producer][header.sequence];
  if (record.sent.load() == 0) {
    verdict.why = fmt::format("{} arrived although it was never sent", what());
    return verdict;
  }
  // From here on the message is known: torn, it still counts as received (not also as lost).
  verdict.identified = true;
  if (bytes.size() != message_size(header.length)) {
    verdict.why = fmt::format("{} arrived with {} bytes instead of {}", what(), bytes.size(),
                              message_size(header.length));
    return verdict;
  }
  if (checksum_of(bytes.subspan(sizeof header)) != header.checksum) {
    verdict.why = fmt::format("{}: the payload does not match its checksum", what());
    return verdict;
  }
  if (record.checksum.load() != header.checksum || record.length.load() != header.length) {
    verdict.why = fmt::format("{} is not the message its producer sent under that number", what());
    return verdict;
  }
  verdict.kind = Verdict::Good;
  return verdict;
}

/// A consumer's bookkeeping for one received message.
void account(const Verdict& verdict, TrialShared& shared, ParticipantRecord& me) {
  if (verdict.kind == Verdict::Torn) {
    me.torn.fetch_add(1);
    note(me, fmt::format("torn: {}", verdict.why));
    if (!verdict.identified) return;
  }
  shared.messages[verdict.producer][verdict.sequence].received.fetch_add(1);
}

// ---------------------------------------------------------------------------------------------
// Tallies.

struct Counts {
  std::uint64_t trials = 0;
  std::uint64_t hangs = 0;
  std::uint64_t torn = 0;
  std::uint64_t lost = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t wrong = 0;
  std::uint64_t leaked = 0;
  std::uint64_t errors = 0;             ///< Trials the campaign itself could not run.
  std::uint64_t unreadable = 0;         ///< Pipe: the documented unreadable-stream case.
  std::uint64_t allowed_losses = 0;     ///< Messages lost as the contract allows.
  std::uint64_t documented_errors = 0;  ///< OwnerDied, BrokenMessage, WorkerDied seen.
  std::uint64_t delay_ns = 0;           ///< Sum of the kill delays.
  std::uint64_t busy_ns = 0;            ///< Sum of go -> the last survivor of stage 0 done.
  std::uint64_t phases[kPhaseCount] = {};

  void add(const Counts& other) {
    trials += other.trials;
    hangs += other.hangs;
    torn += other.torn;
    lost += other.lost;
    duplicated += other.duplicated;
    wrong += other.wrong;
    leaked += other.leaked;
    errors += other.errors;
    unreadable += other.unreadable;
    allowed_losses += other.allowed_losses;
    documented_errors += other.documented_errors;
    delay_ns += other.delay_ns;
    busy_ns += other.busy_ns;
    for (std::size_t i = 0; i < kPhaseCount; ++i) phases[i] += other.phases[i];
  }
  bool failed() const { return hangs + torn + lost + duplicated + wrong + leaked + errors != 0; }
};

struct Options {
  std::uint64_t trials = 1000;
  std::optional<std::string> primitive;
  std::uint64_t seed = 20261125;
  std::size_t jobs = 1;
  std::int64_t patience_ns = 10'000'000'000;
  std::optional<std::uint64_t> only_trial;
};

struct TrialSpec {
  const char* primitive;
  std::uint64_t campaign_seed;
  std::uint64_t trial;
  std::uint64_t seed;
  std::int64_t patience_ns;
  std::int64_t window_ns;  ///< The kill lands uniformly in [0, window) after the gate opens.
};

struct TrialResult {
  Counts counts;
  std::vector<std::string> problems;
  std::set<pid_t> pids;  ///< Every process of the trial, for the /dev/shm check.
  std::string victim;    ///< "consumer 1 (pid 4242) killed 3.2 ms after the start, in get".
};

struct Context {
  const TrialSpec& spec;
  TrialShared& shared;
  Rng& rng;
  TrialResult& result;
};

// ---------------------------------------------------------------------------------------------
// One trial's processes: start, gate, kill, staged waits with hang detection.

class Trial {
 public:
  explicit Trial(Context& context) : context_(context), shared_(context.shared) {}
  Trial(const Trial&) = delete;
  Trial& operator=(const Trial&) = delete;
  Trial(Trial&&) = delete;
  Trial& operator=(Trial&&) = delete;
  ~Trial() = default;  // Each Process still running is killed and reaped by its destructor.

  using Body = std::function<void(ParticipantRecord&)>;

  /// A participant: `stage` is the stage whose end waits for it; `killable`: may be the victim.
  std::size_t add(std::string role, int stage, bool killable, Body body) {
    if (slots_.size() == kMaxParticipants) throw UsageError("kill_campaign: too many participants");
    Slot& slot = slots_.emplace_back();
    slot.role = std::move(role);
    slot.stage = stage;
    slot.killable = killable;
    slot.body = std::move(body);
    return slots_.size() - 1;
  }

  /// Pool: the victim is one of shared.workers[0, count), published by a participant.
  void kill_a_worker(std::size_t count) { worker_victims_ = count; }
  /// Runs in the campaign right after every participant was forked.
  void on_started(std::function<void()> hook) { on_started_ = std::move(hook); }
  /// Runs in the campaign before stage `s` (1 or 2) is released, after the previous one ended.
  void on_stage(std::function<void(int)> hook) { on_stage_ = std::move(hook); }

  void run();

  bool hung() const noexcept { return hung_; }
  /// The victim's slot (unset for a Pool worker).
  std::optional<std::size_t> victim_slot() const noexcept { return victim_slot_; }
  bool is_victim(std::size_t slot) const noexcept { return victim_slot_ == slot; }
  pid_t victim_pid() const noexcept { return victim_pid_; }
  /// Where the victim was when it died (after run()).
  Phase victim_phase() const noexcept { return victim_phase_; }
  ParticipantRecord& record(std::size_t slot) const { return shared_.participants[slot]; }
  /// Sum of a field over every participant.
  std::uint64_t total(std::atomic<std::uint32_t> ParticipantRecord::*field) const {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < slots_.size(); ++i) sum += (shared_.participants[i].*field).load();
    return sum;
  }
  const std::string& role(std::size_t slot) const { return slots_[slot].role; }
  std::size_t size() const noexcept { return slots_.size(); }
  void problem(std::string text) { context_.result.problems.push_back(std::move(text)); }

 private:
  struct Slot {
    std::string role;
    int stage = 0;
    bool killable = false;
    Body body;
    std::optional<Process> process;
    pid_t pid = 0;
    UniqueFd pidfd;
    bool exited = false;
    bool killed = false;  ///< By the campaign: the victim, or a hung survivor.
  };

  void start_all();
  void wait_at_gate(std::int64_t deadline);
  void choose_victim();
  /// Waits for the given slots (and the worker victim when `with_worker`) until the deadline;
  /// false (after reporting and killing them) if some did not end.
  bool wait_stage(int stage, bool with_worker);
  void report_hang(int stage, const std::vector<std::size_t>& stuck, bool worker_stuck);
  void reap(Slot& slot);
  void describe_process(std::string& out, pid_t pid, const std::string& role, int depth);
  /// Where the victim was, once it is dead (its records are frozen then).
  Phase phase_of_victim() const;
  void finish_accounting();

  Context& context_;
  TrialShared& shared_;
  std::vector<Slot> slots_;
  std::size_t worker_victims_ = 0;
  std::function<void()> on_started_;
  std::function<void(int)> on_stage_;
  std::optional<std::size_t> victim_slot_;
  UniqueFd worker_pidfd_;
  bool worker_exited_ = false;
  pid_t victim_pid_ = 0;
  std::string victim_role_;
  Phase victim_phase_ = kNotStarted;
  bool exited_before_kill_ = false;
  std::int64_t go_ns_ = 0;
  std::int64_t kill_ns_ = 0;
  bool hung_ = false;
};

void Trial::start_all() {
  const pid_t campaign = ::getpid();
  // A child flushes stdio when it exits: nothing of ours may be left in the buffers.
  if (std::fflush(nullptr) != 0) throw_system_error("fflush");
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = slots_[i];
    ParticipantRecord* me = &shared_.participants[i];
    Body* body = &slot.body;
    slot.process.emplace(
        [campaign, me, body]() -> int {
          // A participant never outlives the campaign, whatever happens to it.
          check_call(::prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl(PR_SET_PDEATHSIG)");
          if (::getppid() != campaign) return 1;
          try {
            restore_signals_in_child();
            (*body)(*me);
          } catch (const std::exception& error) {
            wrong_error(*me, error.what());
            return 3;
          }
          me->phase = kFinished;
          me->finished_ns = now_ns();
          return 0;
        },
        slot.role);
    slot.process->start();
    slot.pid = *slot.process->pid();
    slot.pidfd = open_pidfd(slot.pid);
    context_.result.pids.insert(slot.pid);
  }
}

void Trial::wait_at_gate(std::int64_t deadline) {
  // Polls the ready count every half millisecond while watching for an early death; this is
  // start-up, not hang detection.
  std::vector<pollfd> fds;
  fds.reserve(slots_.size());
  for (const Slot& slot : slots_) fds.push_back({slot.pidfd.get(), POLLIN, 0});
  while (shared_.ready.load() < slots_.size()) {
    if (now_ns() >= deadline) {
      std::vector<std::size_t> late;
      for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (shared_.participants[i].phase.load() != kAtGate) late.push_back(i);
      }
      report_hang(-1, late, false);
      hung_ = true;
      return;
    }
    if (wait_for(fds, std::min(deadline, now_ns() + 500'000)) > 0) {
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (fds[i].revents != 0) {
          throw std::runtime_error(fmt::format("{} exited before the start: {}", slots_[i].role,
                                               shared_.participants[i].note));
        }
      }
    }
  }
}

void Trial::choose_victim() {
  Rng& rng = context_.rng;
  if (worker_victims_ > 0) {
    const std::size_t index = rng.below(worker_victims_);
    victim_pid_ = shared_.workers[index].load();
    victim_role_ = fmt::format("worker {}", index + 1);
    worker_pidfd_ = open_pidfd(victim_pid_);
    context_.result.pids.insert(victim_pid_);
    for (std::size_t k = 0; k < worker_victims_; ++k) {
      context_.result.pids.insert(shared_.workers[k].load());
    }
  } else {
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].killable) candidates.push_back(i);
    }
    victim_slot_ = candidates[rng.below(candidates.size())];
    victim_pid_ = slots_[*victim_slot_].pid;
    victim_role_ = slots_[*victim_slot_].role;
  }
  shared_.victim_pid = victim_pid_;
}

void Trial::reap(Slot& slot) {
  if (!slot.process) return;
  slot.process->join();
  slot.exited = true;
  slot.pidfd.reset();
}

bool Trial::wait_stage(int stage, bool with_worker) {
  const std::int64_t deadline = now_ns() + context_.spec.patience_ns;
  std::vector<std::size_t> waiting;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const bool in_stage = slots_[i].stage == stage || (stage == 0 && is_victim(i));
    if (in_stage && !slots_[i].exited) waiting.push_back(i);
  }
  bool worker_waiting = with_worker && worker_pidfd_ && !worker_exited_;
  for (;;) {
    std::vector<pollfd> fds;
    fds.reserve(waiting.size() + 1);
    for (const std::size_t i : waiting) fds.push_back({slots_[i].pidfd.get(), POLLIN, 0});
    if (worker_waiting) fds.push_back({worker_pidfd_.get(), POLLIN, 0});
    if (fds.empty()) return true;
    if (wait_for(fds, deadline) == 0) break;
    std::vector<std::size_t> still;
    for (std::size_t k = 0; k < waiting.size(); ++k) {
      if (fds[k].revents != 0) {
        reap(slots_[waiting[k]]);
      } else {
        still.push_back(waiting[k]);
      }
    }
    if (worker_waiting && fds.back().revents != 0) {
      worker_exited_ = true;
      worker_waiting = false;
    }
    waiting = std::move(still);
  }
  report_hang(stage, waiting, worker_waiting);
  hung_ = true;
  return false;
}

void Trial::describe_process(std::string& out, pid_t pid, const std::string& role, int depth) {
  const std::string proc = fmt::format("/proc/{}", pid);
  std::string state = read_proc(proc + "/stat");
  if (const auto close = state.rfind(')'); close != std::string::npos && close + 2 < state.size()) {
    state = state.substr(close + 2, 1);
  }
  out += fmt::format("{:{}}{} (pid {}): state {}, wchan {}, syscall {}\n", "", 4 + 2 * depth, role,
                     pid, state, read_proc(proc + "/wchan"), read_proc(proc + "/syscall"));
  if (depth > 0) return;
  for (const pid_t child : children_of(pid)) {
    describe_process(out, child, "its child", depth + 1);
  }
}

void Trial::report_hang(int stage, const std::vector<std::size_t>& stuck, bool worker_stuck) {
  const TrialSpec& spec = context_.spec;
  std::string text =
      stage < 0 ? fmt::format(
                      "HANG: {} trial {} (seed {}): {:.1f} s after the start these had not "
                      "reached the start gate:\n",
                      spec.primitive, spec.trial, spec.campaign_seed,
                      static_cast<double>(spec.patience_ns) / 1e9)
                : fmt::format(
                      "HANG: {} trial {} (seed {}): {} (pid {}) was killed {:.2f} ms after the "
                      "start{}; in stage {}, {:.1f} s later these had not ended:\n",
                      spec.primitive, spec.trial, spec.campaign_seed, victim_role_, victim_pid_,
                      static_cast<double>(kill_ns_ - go_ns_) / 1e6,
                      stage > 0 ? fmt::format(", {}", kPhaseNames[phase_of_victim()]) : "", stage,
                      static_cast<double>(spec.patience_ns) / 1e9);
  for (const std::size_t i : stuck) {
    const std::uint32_t phase = shared_.participants[i].phase.load();
    describe_process(
        text, slots_[i].pid,
        fmt::format("{} [{}]", slots_[i].role, phase < kPhaseCount ? kPhaseNames[phase] : "?"), 0);
  }
  if (worker_stuck) describe_process(text, victim_pid_, victim_role_ + " [the victim]", 0);
  text.pop_back();
  problem(text);
  // Kill them, and then everybody else: the trial is over.
  for (const std::size_t i : stuck) slots_[i].killed = true;
  for (Slot& slot : slots_) {
    if (slot.exited || !slot.process) continue;
    slot.killed = true;
    slot.process->kill();
    reap(slot);
  }
  if (worker_pidfd_ && !worker_exited_) {
    static_cast<void>(kill_through(worker_pidfd_.get()));
    worker_exited_ = true;
  }
}

Phase Trial::phase_of_victim() const {
  if (exited_before_kill_) return kExitedEarlier;
  if (victim_slot_) {
    const std::uint32_t phase = shared_.participants[*victim_slot_].phase.load();
    return phase < kPhaseCount ? static_cast<Phase>(phase) : kNotStarted;
  }
  for (std::size_t k = 0; k < kMaxWorkers; ++k) {
    if (shared_.workers[k].load() == victim_pid_ && shared_.worker_task[k].load() != 0) {
      return kInTask;
    }
  }
  return kBetweenTasks;
}

void Trial::run() {
  const TrialSpec& spec = context_.spec;
  Counts& counts = context_.result.counts;
  shared_.salt = context_.rng.next();
  start_all();
  if (on_started_) on_started_();
  wait_at_gate(now_ns() + spec.patience_ns);
  if (hung_) {
    counts.hangs += 1;
    return;
  }
  choose_victim();
  const auto delay =
      static_cast<std::int64_t>(context_.rng.below(static_cast<std::uint64_t>(spec.window_ns)));
  go_ns_ = now_ns();
  shared_.go = 1;
  futex_wake(shared_.go);
  campaign_sleep(delay);
  const int victim_fd = victim_slot_ ? slots_[*victim_slot_].pidfd.get() : worker_pidfd_.get();
  exited_before_kill_ = readable_now(victim_fd);
  kill_ns_ = now_ns();
  static_cast<void>(kill_through(victim_fd));
  if (victim_slot_) slots_[*victim_slot_].killed = true;
  counts.delay_ns += static_cast<std::uint64_t>(kill_ns_ - go_ns_);

  for (int stage = 0; stage <= 2; ++stage) {
    if (stage > 0) {
      if (on_stage_) on_stage_(stage);
      shared_.stage = static_cast<std::uint32_t>(stage);
      futex_wake(shared_.stage);
    }
    if (!wait_stage(stage, stage == 0)) break;
    if (stage == 0) {
      victim_phase_ = phase_of_victim();
      // The busy period: until the last survivor of stage 0 had done its work.
      std::int64_t last = go_ns_;
      for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (slots_[i].stage == 0 && !is_victim(i)) {
          last = std::max(last, shared_.participants[i].finished_ns.load());
        }
      }
      counts.busy_ns += static_cast<std::uint64_t>(last - go_ns_);
    }
  }
  // Every process is gone by now (a hang kills them all).
  victim_phase_ = phase_of_victim();
  if (hung_) {
    counts.hangs += 1;
  } else {
    counts.phases[victim_phase_] += 1;
  }
  context_.result.victim =
      fmt::format("{} (pid {}) killed {:.2f} ms after the start, {}", victim_role_, victim_pid_,
                  static_cast<double>(kill_ns_ - go_ns_) / 1e6, kPhaseNames[victim_phase_]);
  finish_accounting();
}

void Trial::finish_accounting() {
  Counts& counts = context_.result.counts;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = slots_[i];
    ParticipantRecord& me = shared_.participants[i];
    counts.torn += me.torn.load();
    counts.wrong += me.wrong.load();
    counts.documented_errors += me.owner_died.load() + me.broken_by_sender.load() +
                                me.broken_by_receiver.load() + me.boundaries_lost.load() +
                                me.worker_died.load();
    if (me.noted.load() != 0) problem(fmt::format("{}: {}", slot.role, me.note));
    if (slot.killed || !slot.process) continue;
    const std::optional<int> code = slot.process->exitcode();
    if (code.value_or(0) != 0 && me.wrong.load() == 0) {
      counts.wrong += 1;
      problem(fmt::format("{} (a survivor) ended with exit code {}", slot.role, code.value_or(0)));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Lock and RLock: holders increment a shared counter non-atomically (read, yield, write) inside
// the critical section and log each section's entry and exit tickets; a probe takes the lock
// once every holder has ended.

template <typename L>
constexpr bool kReentrant = std::is_same_v<L, RLock>;

template <typename L>
bool took_from_dead_owner(L& lock, Rng& rng, ParticipantRecord& me) {
  const auto died = [&me](const OwnerDied& error) {
    me.owner_died.fetch_add(1);
    me.owner_died_pid = error.dead_owner_pid();
    return true;
  };
  switch (rng.below(4)) {
    case 0:
    case 1:
      try {
        lock.acquire();
        return false;
      } catch (const OwnerDied& error) {
        return died(error);
      }
    case 2:
      for (;;) {
        try {
          if (lock.acquire(2ms)) return false;
        } catch (const OwnerDied& error) {
          return died(error);
        }
      }
    default:
      for (;;) {
        try {
          if (lock.try_acquire()) return false;
        } catch (const OwnerDied& error) {
          return died(error);
        }
        yield_cpu();
      }
  }
}

template <typename L>
void hold(L& lock, TrialShared& shared, std::size_t index, int sections, std::uint64_t seed,
          ParticipantRecord& me) {
  Rng rng(seed);
  arrive(shared, me);
  for (int n = 0; n < sections; ++n) {
    me.phase = kAcquiring;
    const bool after_death = took_from_dead_owner(lock, rng, me);
    me.phase = kHolding;
    if constexpr (kReentrant<L>) {
      lock.acquire();
      if (!lock.try_acquire()) {
        me.torn.fetch_add(1);
        note(me, "torn: try_acquire by the owner at depth 2 returned false");
      }
      if (lock.depth_held_by_caller() != 3) {
        me.torn.fetch_add(1);
        note(me,
             fmt::format("torn: depth {} after three acquisitions", lock.depth_held_by_caller()));
      }
    }
    SectionRecord& section = shared.sections[index][n];
    section.after_owner_died = after_death ? 1 : 0;
    section.enter = shared.ticket.fetch_add(1) + 1;
    const std::uint64_t value = shared.counter.load(std::memory_order_relaxed);
    yield_cpu();
    shared.counter.store(value + 1, std::memory_order_relaxed);
    me.ops.fetch_add(1);
    section.exit = shared.ticket.fetch_add(1) + 1;
    me.phase = kReleasing;
    while (lock.held_by_caller()) lock.release();
    me.phase = kBetween;
    if (rng.below(4) == 0) yield_cpu();
  }
}

template <typename L>
void probe(L& lock, TrialShared& shared, ParticipantRecord& me) {
  arrive(shared, me);
  wait_at_least(shared.stage, 1);
  me.phase = kAcquiring;
  try {
    if (!lock.try_acquire()) {
      me.stuck = 1;
      note(me, "the lock was still held once every holder had ended");
      return;
    }
  } catch (const OwnerDied& error) {
    me.owner_died.fetch_add(1);
    me.owner_died_pid = error.dead_owner_pid();
  }
  while (lock.held_by_caller()) lock.release();
}

template <typename L>
void lock_trial(Context& context) {
  L lock;
  TrialShared& shared = context.shared;
  Rng& rng = context.rng;
  Trial trial(context);
  const auto holders = static_cast<std::size_t>(rng.range(3, 4));
  const auto sections = static_cast<int>(rng.range(250, 400));
  for (std::size_t h = 0; h < holders; ++h) {
    const std::uint64_t seed = rng.next();
    trial.add(fmt::format("holder {}", h), 0, true, [&lock, &shared, h, sections, seed](auto& me) {
      hold(lock, shared, h, sections, seed, me);
    });
  }
  const std::size_t prober =
      trial.add("probe", 1, false, [&lock, &shared](auto& me) { probe(lock, shared, me); });
  trial.run();
  if (trial.hung()) return;
  Counts& counts = context.result.counts;

  if (trial.record(prober).stuck.load() != 0) counts.hangs += 1;

  // Lost updates: the counter against the completed increments.
  std::uint64_t completed = 0;
  for (std::size_t h = 0; h < holders; ++h) completed += trial.record(h).ops.load();
  const Phase phase = trial.victim_phase();
  const std::uint64_t counter = shared.counter.load();
  const std::uint64_t slack = phase == kHolding ? 1 : 0;  // Killed between write and count.
  if (counter < completed || counter > completed + slack) {
    const std::uint64_t off = counter < completed ? completed - counter : counter - completed;
    counts.torn += off;
    trial.problem(
        fmt::format("torn: the counter is {} after {} completed increments", counter, completed));
  }

  // Overlapping critical sections, from the entry and exit tickets.
  struct Interval {
    std::uint64_t enter, exit;
    bool after_owner_died;
    std::size_t holder;
  };
  std::vector<Interval> intervals;
  for (std::size_t h = 0; h < holders; ++h) {
    for (int n = 0; n < sections; ++n) {
      const SectionRecord& section = shared.sections[h][n];
      if (section.enter.load() == 0) continue;
      intervals.push_back(
          {section.enter.load(), section.exit.load(), section.after_owner_died.load() != 0, h});
    }
  }
  std::sort(intervals.begin(), intervals.end(),
            [](const Interval& a, const Interval& b) { return a.enter < b.enter; });
  for (std::size_t k = 0; k + 1 < intervals.size(); ++k) {
    const Interval& a = intervals[k];
    const Interval& b = intervals[k + 1];
    // A section its holder never left (the victim's) ends where OwnerDied hands the lock on.
    const bool ok =
        a.exit != 0 ? a.exit < b.enter : (trial.is_victim(a.holder) && b.after_owner_died);
    if (!ok) {
      counts.torn += 1;
      trial.problem(fmt::format("torn: {} entered (ticket {}) while {} was inside ({}..{})",
                                trial.role(b.holder), b.enter, trial.role(a.holder), a.enter,
                                a.exit == 0 ? std::string("never left") : std::to_string(a.exit)));
    }
  }

  // OwnerDied: exactly when the victim died holding the lock (0 or 1 while it was acquiring
  // or releasing, since acquire's return and release's effect are not visible to it), once,
  // naming the victim.
  const std::uint64_t deaths = trial.total(&ParticipantRecord::owner_died);
  const std::uint64_t at_least = phase == kHolding ? 1 : 0;
  const std::uint64_t at_most =
      phase == kHolding || phase == kAcquiring || phase == kReleasing ? 1 : 0;
  if (deaths < at_least || deaths > at_most) {
    counts.wrong += 1;
    trial.problem(fmt::format("wrong error: {} OwnerDied for a victim that died {}", deaths,
                              kPhaseNames[phase]));
  }
  for (std::size_t i = 0; i < trial.size(); ++i) {
    const ParticipantRecord& me = trial.record(i);
    const pid_t named = me.owner_died_pid.load();
    if (me.owner_died.load() != 0 && named != 0 && named != trial.victim_pid()) {
      counts.wrong += 1;
      trial.problem(fmt::format("wrong error: {} got OwnerDied naming pid {}, not the victim",
                                trial.role(i), named));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Queue, JoinableQueue, SimpleQueue: producers put numbered messages of mixed sizes, consumers
// get them until a sentinel, which a closer puts once every producer has ended.

enum class QueueKind { Plain, Joinable, Simple };

template <QueueKind kKind>
using QueueOf =
    std::conditional_t<kKind == QueueKind::Plain, Queue<std::string>,
                       std::conditional_t<kKind == QueueKind::Joinable, JoinableQueue<std::string>,
                                          SimpleQueue<std::string>>>;

template <QueueKind kKind>
void put_any(QueueOf<kKind>& queue, const std::string& message, Rng& rng) {
  if constexpr (kKind == QueueKind::Simple) {
    queue.put(message);
  } else {
    switch (rng.below(4)) {
      case 0:
      case 1:
        queue.put(message);
        return;
      case 2:
        for (;;) {
          try {
            queue.put(message, 2ms);
            return;
          } catch (const Full&) {
          }
        }
      default:
        for (;;) {
          try {
            queue.put_nowait(message);
            return;
          } catch (const Full&) {
          }
          try {
            queue.put(message, 1ms);
            return;
          } catch (const Full&) {
          }
        }
    }
  }
}

template <QueueKind kKind>
std::string get_any(QueueOf<kKind>& queue, Rng& rng) {
  if constexpr (kKind == QueueKind::Simple) {
    return queue.get();
  } else {
    switch (rng.below(4)) {
      case 0:
      case 1:
        return queue.get();
      case 2:
        for (;;) {
          try {
            return queue.get(2ms);
          } catch (const Empty&) {
          }
        }
      default:
        for (;;) {
          try {
            return queue.get_nowait();
          } catch (const Empty&) {
          }
          try {
            return queue.get(1ms);
          } catch (const Empty&) {
          }
        }
    }
  }
}

Phase put_phase(std::uint32_t length) {
  return length <= 512 ? kPutSmall : length < (std::uint32_t{1} << 20) ? kPutMedium : kPutLarge;
}

/// Message lengths for one producer: mostly small, some ~64 KiB, maybe one of 1-3 MiB.
std::vector<std::uint32_t> queue_plan(Rng& rng) {
  std::vector<std::uint32_t> lengths(static_cast<std::size_t>(rng.range(12, 28)));
  for (auto& length : lengths) {
    length = static_cast<std::uint32_t>(rng.below(100) < 75 ? rng.range(0, 512)
                                                            : rng.range(48 << 10, 80 << 10));
  }
  if (rng.below(2) == 0) {
    lengths[rng.below(lengths.size())] = static_cast<std::uint32_t>(rng.range(1 << 20, 3 << 20));
  }
  return lengths;
}

template <QueueKind kKind>
void produce(QueueOf<kKind>& queue, TrialShared& shared, std::uint16_t producer,
             const std::vector<std::uint32_t>& lengths, std::uint64_t seed, ParticipantRecord& me) {
  Rng rng(seed);
  std::string message;
  arrive(shared, me);
  for (std::uint32_t s = 0; s < lengths.size(); ++s) {
    message.resize(message_size(lengths[s]));
    MessageRecord& record = shared.messages[producer][s];
    record.checksum = make_message(reinterpret_cast<std::byte*>(message.data()), 0, producer, s,
                                   lengths[s], shared.salt.load());
    record.length = lengths[s];
    record.sent = 1;
    me.phase = put_phase(lengths[s]);
    put_any<kKind>(queue, message, rng);
    record.sent = 2;
    me.phase = kBetween;
    me.ops.fetch_add(1);
  }
}

template <QueueKind kKind>
void consume(QueueOf<kKind>& queue, TrialShared& shared, std::uint16_t producers,
             std::uint64_t seed, ParticipantRecord& me) {
  Rng rng(seed);
  arrive(shared, me);
  for (;;) {
    me.phase = kGetting;
    std::string message;
    bool sentinel = false;
    try {
      message = get_any<kKind>(queue, rng);
      const Verdict verdict = verify(std::as_bytes(std::span(message)), shared, 0, 0, producers);
      sentinel = verdict.kind == Verdict::Sentinel;
      if (!sentinel) account(verdict, shared, me);
    } catch (const codec::DecodeError& error) {  // Consumed all the same.
      me.torn.fetch_add(1);
      note(me, fmt::format("torn: the message did not decode: {}", error.what()));
    }
    if constexpr (kKind == QueueKind::Joinable) {
      me.phase = kTaskDone;
      queue.task_done();
    }
    me.phase = kBetween;
    if (sentinel) return;
    me.ops.fetch_add(1);
  }
}

template <QueueKind kKind>
void queue_trial(Context& context) {
  TrialShared& shared = context.shared;
  Rng& rng = context.rng;
  QueueOptions options;
  if (rng.below(3) == 0) options.capacity = std::size_t{8} << 20;  // Big puts wait for bytes.
  const std::size_t maxsize = std::array<std::size_t, 4>{0, 0, 2, 6}[rng.below(4)];
  auto make = [&]() -> QueueOf<kKind> {
    if constexpr (kKind == QueueKind::Simple) {
      return QueueOf<kKind>(options);
    } else {
      return QueueOf<kKind>(maxsize, options);
    }
  };
  QueueOf<kKind> queue = make();
  Trial trial(context);

  const auto producers = static_cast<std::uint16_t>(rng.range(2, 3));
  const auto consumers = static_cast<std::size_t>(rng.range(2, 3));
  std::vector<std::vector<std::uint32_t>> plans;
  for (std::uint16_t p = 0; p < producers; ++p) {
    plans.push_back(queue_plan(rng));
    const std::uint64_t seed = rng.next();
    trial.add(fmt::format("producer {}", p), 0, true,
              [&queue, &shared, p, lengths = plans.back(), seed](auto& me) {
                produce<kKind>(queue, shared, p, lengths, seed, me);
              });
  }
  std::vector<std::size_t> consumer_slots;
  for (std::size_t c = 0; c < consumers; ++c) {
    const std::uint64_t seed = rng.next();
    consumer_slots.push_back(trial.add(fmt::format("consumer {}", c), 1, true,
                                       [&queue, &shared, producers, seed](auto& me) {
                                         consume<kKind>(queue, shared, producers, seed, me);
                                       }));
  }
  constexpr bool kJoinable = kKind == QueueKind::Joinable;
  if constexpr (kJoinable) {
    const auto pause =
        static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(context.spec.window_ns)));
    trial.add("joiner", 2, true, [&queue, &shared, pause](auto& me) {
      arrive(shared, me);
      nap(pause);
      me.phase = kJoining;
      queue.join();
    });
  }
  trial.add("closer", kJoinable ? 2 : 1, false, [&queue, &shared](auto& me) {
    arrive(shared, me);
    wait_at_least(shared.stage, 1);
    std::string sentinel(sizeof(MessageHeader), '\0');
    make_sentinel(reinterpret_cast<std::byte*>(sentinel.data()));
    for (std::uint32_t i = 0; i < shared.sentinels[0].load(); ++i) queue.put(sentinel);
    if constexpr (kJoinable) {
      wait_at_least(shared.stage, 2);
      if (shared.compensate.load() != 0) {
        // The victim may have died holding a task it never marked done.
        try {
          queue.task_done();
          me.ops = 1;
        } catch (const UsageError&) {  // It did not: "task_done() called too many times".
        }
      }
      me.phase = kJoining;
      queue.join();
    }
  });
  const auto victim_consumes = [&] {
    const auto slot = trial.victim_slot();
    return slot &&
           std::find(consumer_slots.begin(), consumer_slots.end(), *slot) != consumer_slots.end();
  };
  trial.on_stage([&](int stage) {
    if (stage == 1) {
      shared.sentinels[0] = static_cast<std::uint32_t>(consumers - (victim_consumes() ? 1 : 0));
    } else if (stage == 2) {
      const Phase phase = trial.victim_phase();
      shared.compensate = victim_consumes() && (phase == kGetting || phase == kTaskDone) ? 1 : 0;
    }
  });
  trial.run();
  if (trial.hung()) return;

  // Every message whose put returned arrives exactly once, except the one a consumer killed
  // inside get() took with it; a message still inside put() when its producer died arrives
  // at most once.
  Counts& counts = context.result.counts;
  std::uint64_t missing = 0;
  std::string missing_list;
  for (std::uint16_t p = 0; p < producers; ++p) {
    for (std::uint32_t s = 0; s < plans[p].size(); ++s) {
      const MessageRecord& record = shared.messages[p][s];
      const std::uint32_t received = record.received.load();
      if (received > 1) {
        counts.duplicated += received - 1;
        trial.problem(
            fmt::format("duplicated: message {} of producer {} arrived {} times", s, p, received));
      }
      if (record.sent.load() == 2 && received == 0) {
        ++missing;
        missing_list += fmt::format(" {}/{}", p, s);
      }
    }
  }
  const std::uint64_t allowed = victim_consumes() && trial.victim_phase() == kGetting ? 1 : 0;
  counts.allowed_losses += std::min(missing, allowed);
  if (missing > allowed) {
    counts.lost += missing - allowed;
    trial.problem(fmt::format("lost: {} messages (producer/sequence:{}), {} allowed", missing,
                              missing_list, allowed));
  }
}

// ---------------------------------------------------------------------------------------------
// Pipe: senders and receivers on one end pair, one-way or duplex, messages of mixed sizes; a
// closer sends one sentinel per surviving receiver once every sender has ended.

Phase send_phase(std::uint32_t length) {
  return length <= 512 ? kSendSmall : length <= (64 << 10) ? kSendPipeBuf : kSendLarge;
}

std::vector<std::uint32_t> pipe_plan(Rng& rng) {
  std::vector<std::uint32_t> lengths(static_cast<std::size_t>(rng.range(20, 40)));
  for (auto& length : lengths) {
    const auto kind = rng.below(100);
    length = static_cast<std::uint32_t>(kind < 45   ? rng.range(0, 512)
                                        : kind < 75 ? rng.range(4097, 20000)
                                                    : rng.range((64 << 10) + 1, 256 << 10));
  }
  return lengths;
}

void send_all(Connection& end, TrialShared& shared, std::uint16_t direction, std::uint16_t producer,
              const std::vector<std::uint32_t>& lengths, std::uint64_t seed,
              ParticipantRecord& me) {
  Rng rng(seed);
  std::vector<std::byte> buffer;
  arrive(shared, me);
  for (std::uint32_t s = 0; s < lengths.size(); ++s) {
    const std::size_t offset = rng.below(3) == 0 ? static_cast<std::size_t>(rng.range(1, 64)) : 0;
    const std::size_t size = message_size(lengths[s]);
    buffer.resize(offset + size);
    MessageRecord& record = shared.messages[producer][s];
    record.checksum = make_message(buffer.data() + offset, direction, producer, s, lengths[s],
                                   shared.salt.load());
    record.length = lengths[s];
    record.sent = 1;
    me.phase = send_phase(lengths[s]);
    if (offset == 0) {
      end.send_bytes(buffer);
    } else {
      end.send_bytes(buffer, offset, size);
    }
    record.sent = 2;
    me.phase = kBetween;
    me.ops.fetch_add(1);
  }
  end.close();
}

/// After "message boundaries ... are lost" nothing can be received from this direction any
/// more; its senders would block on a full pipe forever. Take the bytes out raw until every
/// sender has ended, so that they finish (their messages are lost, as documented).
void drain(Connection& end, TrialShared& shared, ParticipantRecord& me) {
  me.phase = kDraining;
  const int fd = end.fileno();
  const int flags = check_call(::fcntl(fd, F_GETFL), "fcntl(F_GETFL)");
  if ((flags & O_NONBLOCK) == 0) check_call(::fcntl(fd, F_SETFL, flags | O_NONBLOCK), "fcntl");
  std::vector<std::byte> sink(64 << 10);
  for (;;) {
    const ssize_t got = ::read(fd, sink.data(), sink.size());
    if (got > 0) continue;
    if (got == 0) return;  // EOF.
    if (errno == EINTR) continue;
    if (errno != EAGAIN) throw_system_error("read");
    if (shared.stage.load() >= 1) return;
    pollfd entry{fd, POLLIN, 0};
    check_call(::poll(&entry, 1, 5), "poll");
  }
}

void receive_all(Connection& end, TrialShared& shared, std::uint16_t direction, std::uint16_t first,
                 std::uint16_t last, std::uint64_t seed, ParticipantRecord& me) {
  Rng rng(seed);
  std::vector<std::byte> into(64 << 10);
  arrive(shared, me);
  for (;;) {
    const auto how = rng.below(5);
    if (how == 4) {
      me.phase = kPolling;
      static_cast<void>(end.poll(2ms));
    }
    me.phase = kReceiving;
    std::vector<std::byte> got;
    std::span<const std::byte> bytes;
    try {
      if (how == 1) {
        try {
          got = end.recv_bytes(32 << 10);
        } catch (const BufferTooShort&) {  // Still there, for anyone: take whatever is next.
          got = end.recv_bytes();
        }
        bytes = got;
      } else if (how == 2) {
        for (;;) {
          try {
            bytes = std::span(into).first(end.recv_bytes_into(into));
            break;
          } catch (const BufferTooShort& error) {
            into.resize(error.message_size());
          }
        }
      } else {
        got = end.recv_bytes();
        bytes = got;
      }
    } catch (const BrokenMessage& error) {
      const std::string_view what = error.what();
      if (what.find("message boundaries on this connection are lost") != what.npos) {
        me.boundaries_lost.fetch_add(1);
        shared.unreadable[direction] = 1;
        drain(end, shared, me);
        return;
      }
      if (what.find("a receiving process died") != what.npos) {
        me.broken_by_receiver.fetch_add(1);
      } else if (what.find("its sending process died") != what.npos) {
        me.broken_by_sender.fetch_add(1);
      } else {
        wrong_error(me, what);
      }
      continue;
    } catch (const EOFError& error) {
      wrong_error(me, error.what());
      return;
    }
    const Verdict verdict = verify(bytes, shared, direction, first, last);
    if (verdict.kind == Verdict::Sentinel) return;
    account(verdict, shared, me);
    me.phase = kBetween;
    me.ops.fetch_add(1);
  }
}

void pipe_trial(Context& context) {
  TrialShared& shared = context.shared;
  Rng& rng = context.rng;
  const bool duplex = rng.below(2) == 0;
  auto [first_end, second_end] = Pipe(duplex);
  // Direction d: sent on ends[d], received on ends[1 - d]. One-way pipes have only direction 1
  // (the first end only receives, the second only sends).
  Connection* ends[2] = {&first_end, &second_end};
  const std::vector<std::uint16_t> directions =
      duplex ? std::vector<std::uint16_t>{0, 1} : std::vector<std::uint16_t>{1};
  Trial trial(context);

  struct Side {
    std::uint16_t first = 0, last = 0;  ///< Its producers.
    std::vector<std::size_t> receivers;
    std::vector<std::size_t> senders;
  };
  Side sides[2];
  std::vector<std::vector<std::uint32_t>> plans;
  std::uint16_t next_producer = 0;
  for (const std::uint16_t d : directions) {
    Side& side = sides[d];
    const auto senders = duplex ? 2 : rng.range(2, 3);
    const auto receivers = duplex ? 2 : rng.range(2, 3);
    side.first = next_producer;
    for (int s = 0; s < senders; ++s) {
      const std::uint16_t producer = next_producer++;
      plans.push_back(pipe_plan(rng));
      const std::uint64_t seed = rng.next();
      side.senders.push_back(
          trial.add(fmt::format("sender {} (direction {})", producer, d), 0, true,
                    [ends, &shared, d, producer, lengths = plans.back(), seed](auto& me) {
                      ends[1 - d]->close();
                      send_all(*ends[d], shared, d, producer, lengths, seed, me);
                    }));
    }
    side.last = next_producer;
    for (int r = 0; r < receivers; ++r) {
      const std::uint64_t seed = rng.next();
      side.receivers.push_back(
          trial.add(fmt::format("receiver {} (direction {})", r, d), 1, true,
                    [ends, &shared, d, first = side.first, last = side.last, seed](auto& me) {
                      ends[d]->close();
                      receive_all(*ends[1 - d], shared, d, first, last, seed, me);
                    }));
    }
  }
  trial.add("closer", 1, false, [ends, &shared, directions](auto& me) {
    arrive(shared, me);
    wait_at_least(shared.stage, 1);
    std::vector<std::byte> sentinel(sizeof(MessageHeader));
    make_sentinel(sentinel.data());
    for (const std::uint16_t d : directions) {
      if (shared.unreadable[d].load() != 0) continue;
      for (std::uint32_t i = 0; i < shared.sentinels[d].load(); ++i) ends[d]->send_bytes(sentinel);
    }
  });
  const auto role_of_victim = [&](std::uint16_t d, bool receiving) {
    const auto slot = trial.victim_slot();
    const auto& list = receiving ? sides[d].receivers : sides[d].senders;
    return slot && std::find(list.begin(), list.end(), *slot) != list.end();
  };
  // The campaign holds no end while the trial runs: only participants do.
  trial.on_started([&ends] {
    ends[0]->close();
    ends[1]->close();
  });
  trial.on_stage([&](int stage) {
    if (stage != 1) return;
    for (const std::uint16_t d : directions) {
      shared.sentinels[d] =
          static_cast<std::uint32_t>(sides[d].receivers.size() - (role_of_victim(d, true) ? 1 : 0));
    }
  });
  trial.run();
  if (trial.hung()) return;

  Counts& counts = context.result.counts;
  const Phase phase = trial.victim_phase();
  for (const std::uint16_t d : directions) {
    const Side& side = sides[d];
    const bool receiver_died_receiving = role_of_victim(d, true) && phase == kReceiving;
    const bool sender_died_sending =
        role_of_victim(d, false) &&
        (phase == kSendSmall || phase == kSendPipeBuf || phase == kSendLarge);
    std::uint64_t by_receiver = 0, by_sender = 0, boundaries = 0;
    for (const std::size_t slot : side.receivers) {
      by_receiver += trial.record(slot).broken_by_receiver.load();
      by_sender += trial.record(slot).broken_by_sender.load();
      boundaries += trial.record(slot).boundaries_lost.load();
    }
    // The documented losses: a receiver killed in recv loses the message it was taking
    // (BrokenMessage "a receiving process died" to the next receiver, or nothing if recv had
    // returned), or - killed inside a read() from the kernel - makes the stream unreadable; a
    // sender killed in send loses its own message (BrokenMessage "its sending process died").
    if (by_receiver > (receiver_died_receiving ? 1 : 0) ||
        by_sender > (sender_died_sending ? 1 : 0) || (boundaries > 0 && !receiver_died_receiving)) {
      counts.wrong += 1;
      trial.problem(fmt::format(
          "wrong error: direction {}: {} BrokenMessage for a dead receiver, {} for a dead "
          "sender, {} unreadable-stream, while the victim ({}) died {}",
          d, by_receiver, by_sender, boundaries,
          trial.victim_slot() ? trial.role(*trial.victim_slot()) : "?", kPhaseNames[phase]));
    }
    std::uint64_t missing = 0;
    std::string missing_list;
    for (std::uint16_t p = side.first; p < side.last; ++p) {
      for (std::uint32_t s = 0; s < plans[p].size(); ++s) {
        const MessageRecord& record = shared.messages[p][s];
        const std::uint32_t received = record.received.load();
        if (received > 1) {
          counts.duplicated += received - 1;
          trial.problem(
              fmt::format("duplicated: message {} of sender {} arrived {} times", s, p, received));
        }
        if (record.sent.load() == 2 && received == 0) {
          ++missing;
          missing_list += fmt::format(" {}/{}", p, s);
        }
      }
    }
    const std::uint64_t allowed = boundaries > 0 && receiver_died_receiving ? missing
                                  : receiver_died_receiving                 ? 1
                                                                            : 0;
    if (boundaries > 0 && receiver_died_receiving) counts.unreadable += 1;
    counts.allowed_losses += std::min(missing, allowed);
    if (missing > allowed) {
      counts.lost += missing - allowed;
      trial.problem(fmt::format("lost: direction {}: {} messages (sender/sequence:{}), {} allowed",
                                d, missing, missing_list, allowed));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Pool: an owner process runs apply_async, map and imap on Pool(3) with tasks of 0.1-0.6 ms;
// the victim is one of its workers.

TrialShared* g_pool_shared = nullptr;  ///< Set in the owner before the pool forks its workers.
constexpr std::size_t kWorkers = 3;

std::int64_t task_key(std::size_t call, std::size_t index) {
  return static_cast<std::int64_t>((call << 16) | index);
}

std::int64_t expected_result(std::int64_t key) {
  return static_cast<std::int64_t>(mix(static_cast<std::uint64_t>(key)) >> 2);
}

std::int64_t campaign_task(std::int64_t key) {
  TrialShared& shared = *g_pool_shared;
  TaskRecord& task = shared.tasks[key >> 16][key & 0xFFFF];
  std::atomic<std::uint32_t>* mine = nullptr;
  for (std::size_t k = 0; k < kMaxWorkers; ++k) {
    if (shared.workers[k].load() == ::getpid()) mine = &shared.worker_task[k];
  }
  if (mine != nullptr) *mine = static_cast<std::uint32_t>(key) + 1;
  task.pid = ::getpid();
  task.runs.fetch_add(1);
  const std::uint64_t draw = mix(static_cast<std::uint64_t>(key) ^ shared.salt.load());
  const auto duration = static_cast<std::int64_t>(100'000 + draw % 500'000);
  if ((draw >> 40) % 2 == 0) {
    nap(duration);
  } else {
    const std::int64_t until = now_ns() + duration;
    while (now_ns() < until) {
    }
  }
  task.finished.fetch_add(1);
  if (mine != nullptr) *mine = 0;
  return expected_result(key);
}

struct PoolPlan {
  std::size_t tasks[kPoolCalls];  ///< map, imap, apply_async.
  std::size_t map_chunksize;
};

void own_pool(TrialShared& shared, const PoolPlan& plan, ParticipantRecord& me) {
  g_pool_shared = &shared;
  Pool pool(kWorkers);
  const std::vector<pid_t> pids = pool.worker_pids();
  for (std::size_t k = 0; k < pids.size() && k < kMaxWorkers; ++k) shared.workers[k] = pids[k];
  const auto died = [&](const WorkerDied& error, std::size_t call, std::size_t index) {
    shared.tasks[call][index].outcome = 2;
    me.worker_died.fetch_add(1);
    const std::string_view what = error.what();
    if (what.find(fmt::format("(pid {})", shared.victim_pid.load())) == what.npos) {
      wrong_error(me, fmt::format("WorkerDied naming another worker than the victim: {}", what));
    }
  };
  const auto check = [&](std::size_t call, std::size_t index, std::int64_t value) {
    const bool right = value == expected_result(task_key(call, index));
    shared.tasks[call][index].outcome = right ? 1 : 3;
    if (!right) {
      me.torn.fetch_add(1);
      note(me, fmt::format("torn: task {} of call {} returned {}", index, call, value));
    }
  };
  arrive(shared, me);

  std::vector<AsyncResult<std::int64_t>> asyncs;
  for (std::size_t i = 0; i < plan.tasks[2]; ++i) {
    asyncs.push_back(pool.apply_async(campaign_task, task_key(2, i)));
  }
  std::vector<std::int64_t> items;
  for (std::size_t i = 0; i < plan.tasks[0]; ++i) items.push_back(task_key(0, i));
  try {
    const std::vector<std::int64_t> results = pool.map(campaign_task, items, plan.map_chunksize);
    for (std::size_t i = 0; i < results.size(); ++i) check(0, i, results[i]);
    if (results.size() != items.size()) {
      me.torn.fetch_add(1);
      note(me,
           fmt::format("torn: map returned {} results for {} tasks", results.size(), items.size()));
    }
  } catch (const WorkerDied& error) {
    died(error, 0, error.task());
  } catch (const TaskFailed& error) {
    wrong_error(me, error.what());
  }
  items.clear();
  for (std::size_t i = 0; i < plan.tasks[1]; ++i) items.push_back(task_key(1, i));
  auto imap = pool.imap(campaign_task, items, 1);
  for (std::size_t i = 0; i < plan.tasks[1]; ++i) {
    try {
      const std::optional<std::int64_t> value = imap.next();
      if (!value) {
        me.torn.fetch_add(1);
        note(me, fmt::format("torn: imap ended after {} of {} results", i, plan.tasks[1]));
        break;
      }
      check(1, i, *value);
    } catch (const WorkerDied& error) {
      died(error, 1, i);
    } catch (const TaskFailed& error) {
      wrong_error(me, error.what());
    }
  }
  if (imap.next()) {
    me.torn.fetch_add(1);
    note(me, "torn: imap returned more results than tasks");
  }
  for (std::size_t i = 0; i < asyncs.size(); ++i) {
    try {
      check(2, i, asyncs[i].get());
    } catch (const WorkerDied& error) {
      died(error, 2, i);
    } catch (const TaskFailed& error) {
      wrong_error(me, error.what());
    }
  }
  pool.close();
  pool.join();
}

void pool_trial(Context& context) {
  TrialShared& shared = context.shared;
  Rng& rng = context.rng;
  PoolPlan plan{};
  plan.tasks[0] = static_cast<std::size_t>(rng.range(10, 20));
  plan.tasks[1] = static_cast<std::size_t>(rng.range(8, 14));
  plan.tasks[2] = static_cast<std::size_t>(rng.range(4, 8));
  plan.map_chunksize = static_cast<std::size_t>(rng.range(1, 3));
  Trial trial(context);
  trial.add("owner", 0, false, [&shared, plan](auto& me) { own_pool(shared, plan, me); });
  trial.kill_a_worker(kWorkers);
  trial.run();
  if (trial.hung()) return;

  // Exactly once: no task ran twice; a right result came from a task that ran. WorkerDied only
  // for the one chunk the victim was running (or had taken), naming it.
  Counts& counts = context.result.counts;
  const pid_t victim = trial.victim_pid();
  std::optional<std::pair<std::size_t, std::size_t>> failed_chunk;
  for (std::size_t call = 0; call < kPoolCalls; ++call) {
    for (std::size_t i = 0; i < plan.tasks[call]; ++i) {
      const TaskRecord& task = shared.tasks[call][i];
      const std::uint32_t runs = task.runs.load();
      if (runs > 1) {
        counts.duplicated += runs - 1;
        trial.problem(fmt::format("duplicated: task {} of call {} ran {} times", i, call, runs));
      }
      const std::uint32_t outcome = task.outcome.load();
      if (outcome == 1 && (runs == 0 || task.finished.load() == 0)) {
        counts.torn += 1;
        trial.problem(
            fmt::format("torn: task {} of call {} has a result but never finished", i, call));
      }
      if (outcome != 2) continue;
      const std::pair<std::size_t, std::size_t> chunk{call, call == 0 ? i / plan.map_chunksize : i};
      const bool ran_elsewhere = task.pid.load() != 0 && task.pid.load() != victim;
      if (trial.victim_phase() == kExitedEarlier || ran_elsewhere ||
          (failed_chunk && *failed_chunk != chunk)) {
        counts.lost += 1;
        trial.problem(
            fmt::format("lost: task {} of call {} failed with WorkerDied (it ran on pid "
                        "{}; the victim was pid {})",
                        i, call, task.pid.load(), victim));
      } else {
        failed_chunk = chunk;
        counts.allowed_losses += 1;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The campaign: primitives, jobs, the table.

struct PrimitiveEntry {
  const char* name;
  std::int64_t window_ns;
  void (*run)(Context&);
};

constexpr PrimitiveEntry kPrimitives[] = {
    {"Lock", 7'000'000, lock_trial<Lock>},
    {"RLock", 7'000'000, lock_trial<RLock>},
    {"Queue", 7'000'000, queue_trial<QueueKind::Plain>},
    {"JoinableQueue", 8'000'000, queue_trial<QueueKind::Joinable>},
    {"SimpleQueue", 7'000'000, queue_trial<QueueKind::Simple>},
    {"Pipe", 8'000'000, pipe_trial},
    {"Pool", 8'000'000, pool_trial},
};
constexpr std::size_t kPrimitiveCount = std::size(kPrimitives);

std::uint64_t trial_seed(std::uint64_t seed, std::size_t primitive, std::uint64_t trial) {
  return mix(seed ^ mix(primitive + 1) ^ mix(mix(trial + 0x5eed)));
}

void emit(const std::string& text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    throw_system_error("fwrite(stdout)");
  }
}

/// Runs one trial and the leak checks after it.
TrialResult run_trial(const TrialSpec& spec, const PrimitiveEntry& entry) {
  const std::set<int> fds_before = open_fds();
  const std::set<std::string> shm_before = shm_entries();
  TrialResult result;
  result.counts.trials = 1;
  {
    SharedObject<TrialShared> shared;
    Rng rng(spec.seed);
    Context context{spec, *shared, rng, result};
    entry.run(context);
  }
  // Every participant is reaped; anything still a child of ours (orphans come to us, the
  // subreaper) was left behind. After a hang, the killed survivors' children are expected.
  const bool hung = result.counts.hangs != 0;
  for (;;) {
    int status = 0;
    const pid_t reaped = ::waitpid(-1, &status, WNOHANG);
    if (reaped == -1 && errno == EINTR) continue;
    if (reaped == -1 && errno == ECHILD) break;
    if (reaped == -1) throw_system_error("waitpid");
    if (reaped == 0) {  // Alive: kill, reap, count.
      const int count = kill_and_reap_children();
      if (!hung) {
        result.counts.leaked += static_cast<std::uint64_t>(count);
        result.problems.push_back(fmt::format("leaked: {} processes still running", count));
      }
      break;
    }
    if (!hung) {
      result.counts.leaked += 1;
      result.problems.push_back(fmt::format("leaked: process {} ended unreaped", reaped));
    }
  }
  for (const int fd : open_fds()) {
    if (fds_before.contains(fd)) continue;
    std::error_code error;
    const auto target = std::filesystem::read_symlink(fmt::format("/proc/self/fd/{}", fd), error);
    result.counts.leaked += 1;
    result.problems.push_back(
        fmt::format("leaked: fd {} ({}) is still open", fd, error ? "?" : target.string()));
    check_call(::close(fd), "close");
  }
  for (const std::string& name : shm_entries()) {
    if (shm_before.contains(name)) continue;
    // "ipcprop.<pid>.<n>": ours if one of this trial's processes made it.
    pid_t creator = 0;
    const auto dot = name.find('.');
    std::from_chars(name.data() + dot + 1, name.data() + name.size(), creator);
    if (!result.pids.contains(creator) && creator != ::getpid()) continue;
    result.counts.leaked += 1;
    result.problems.push_back(fmt::format("leaked: /dev/shm/{} was left", name));
    check_call(::shm_unlink(("/" + name).c_str()), "shm_unlink", name);
  }
  return result;
}

struct JobResult {
  Counts counts;
  std::uint32_t interrupted;
};

struct JobResults {
  JobResult jobs[64];
};

constexpr std::size_t kMaxJobs = std::size(JobResults{}.jobs);
constexpr std::size_t kMaxReports = 20;  ///< Failure reports a job prints per primitive.

int run_job(const Options& options, std::size_t primitive, std::size_t job, JobResult& out) {
  check_call(::prctl(PR_SET_CHILD_SUBREAPER, 1), "prctl(PR_SET_CHILD_SUBREAPER)");
  const PrimitiveEntry& entry = kPrimitives[primitive];
  std::size_t reports = 0;
  const std::uint64_t first = options.only_trial.value_or(0);
  const std::uint64_t end = options.only_trial ? first + 1 : options.trials;
  for (std::uint64_t trial = first + job; trial < end; trial += options.jobs) {
    const TrialSpec spec{
        entry.name,          options.seed,   trial, trial_seed(options.seed, primitive, trial),
        options.patience_ns, entry.window_ns};
    try {
      campaign_sleep(0);  // Lets a pending stop signal in.
      TrialResult result = run_trial(spec, entry);
      out.counts.add(result.counts);
      if (result.counts.failed() && reports++ < kMaxReports) {
        std::string text = fmt::format("FAIL: {} trial {} (seed {}): {}\n", entry.name, trial,
                                       options.seed, result.victim);
        for (const std::string& line : result.problems) text += "  " + line + "\n";
        text += fmt::format("  again: kill_campaign --primitive {} --seed {} --trial {}\n",
                            entry.name, options.seed, trial);
        emit(text);
      }
    } catch (const Interrupted&) {
      kill_and_reap_children();
      out.interrupted = 1;
      return 130;
    } catch (const std::exception& error) {
      kill_and_reap_children();
      out.counts.trials += 1;
      out.counts.errors += 1;
      emit(fmt::format("ERROR: {} trial {} (seed {}) could not be run: {}\n", entry.name, trial,
                       options.seed, error.what()));
    }
  }
  return 0;
}

std::string victim_phases(const Counts& counts) {
  std::vector<std::pair<std::uint64_t, std::size_t>> order;
  for (std::size_t i = 0; i < kPhaseCount; ++i) {
    if (counts.phases[i] != 0) order.emplace_back(counts.phases[i], i);
  }
  std::sort(order.rbegin(), order.rend());
  std::string text;
  for (const auto& [count, phase] : order) {
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", kPhaseNames[phase], count);
  }
  return text;
}

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "kill_campaign: %s\nusage: kill_campaign [--trials N] [--primitive NAME] [--seed "
               "S] [--jobs J] [--patience SECONDS] [--trial T]\nprimitives:",
               problem.c_str());
  for (const auto& entry : kPrimitives) std::fprintf(stderr, " %s", entry.name);
  std::fprintf(stderr, "\n");
  std::exit(2);
}

std::uint64_t parse_number(std::string_view option, std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    usage(fmt::format("{} needs a non-negative integer, not '{}'", option, text));
  }
  return value;
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view option = argv[i];
    if (option == "--help" || option == "-h") usage("runs SIGKILL trials against each primitive");
    if (i + 1 >= argc) usage(fmt::format("unknown option or missing value: {}", option));
    const std::string_view value = argv[++i];
    if (option == "--trials") {
      options.trials = parse_number(option, value);
    } else if (option == "--primitive") {
      options.primitive = std::string(value);
    } else if (option == "--seed") {
      options.seed = parse_number(option, value);
    } else if (option == "--jobs") {
      options.jobs = parse_number(option, value);
      if (options.jobs == 0 || options.jobs > kMaxJobs) {
        usage(fmt::format("--jobs must be 1 to {}", kMaxJobs));
      }
    } else if (option == "--patience") {
      const std::uint64_t seconds = parse_number(option, value);
      if (seconds == 0 || seconds > 3600) usage("--patience must be 1 to 3600 seconds");
      options.patience_ns = static_cast<std::int64_t>(seconds) * 1'000'000'000;
    } else if (option == "--trial") {
      options.only_trial = parse_number(option, value);
    } else {
      usage(fmt::format("unknown option: {}", option));
    }
  }
  if (options.primitive &&
      std::none_of(std::begin(kPrimitives), std::end(kPrimitives),
                   [&](const PrimitiveEntry& entry) { return *options.primitive == entry.name; })) {
    usage(fmt::format("unknown primitive: {}", *options.primitive));
  }
  if (options.only_trial) options.jobs = 1;
  return options;
}

/// Runs the trials of one primitive in `jobs` processes; false if interrupted.
bool run_primitive(const Options& options, std::size_t primitive, Counts& total) {
  SharedObject<JobResults> results;
  if (std::fflush(nullptr) != 0) throw_system_error("fflush");
  const pid_t campaign = ::getpid();
  std::vector<Process> jobs;
  std::vector<UniqueFd> pidfds;
  for (std::size_t job = 0; job < options.jobs; ++job) {
    JobResult* out = &results->jobs[job];
    jobs.emplace_back(
        [&options, primitive, job, out, campaign]() -> int {
          check_call(::prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl(PR_SET_PDEATHSIG)");
          if (::getppid() != campaign) return 1;
          return run_job(options, primitive, job, *out);
        },
        fmt::format("job {}", job));
    jobs.back().start();
    pidfds.push_back(open_pidfd(*jobs.back().pid()));
  }
  bool interrupted = false;
  try {
    std::vector<bool> done(jobs.size());
    for (;;) {
      std::vector<pollfd> fds;
      std::vector<std::size_t> which;
      for (std::size_t j = 0; j < jobs.size(); ++j) {
        if (!done[j]) {
          fds.push_back({pidfds[j].get(), POLLIN, 0});
          which.push_back(j);
        }
      }
      if (fds.empty()) break;
      wait_for(fds, INT64_MAX);
      for (std::size_t k = 0; k < fds.size(); ++k) {
        if (fds[k].revents != 0) done[which[k]] = true;
      }
    }
  } catch (const Interrupted&) {
    interrupted = true;
    // The jobs clean up after themselves on SIGTERM; a job that does not is killed.
    for (const UniqueFd& pidfd : pidfds) {
      if (::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGTERM, nullptr, 0) == -1 &&
          errno != ESRCH) {
        throw_system_error("pidfd_send_signal");
      }
    }
    const std::int64_t deadline = now_ns() + options.patience_ns + 5'000'000'000;
    for (Process& job : jobs) {
      while (!job.join(std::chrono::nanoseconds(std::max<std::int64_t>(deadline - now_ns(), 0)))) {
        job.kill();
      }
    }
  }
  for (std::size_t job = 0; job < jobs.size(); ++job) {
    jobs[job].join();
    const int code = jobs[job].exitcode().value_or(0);
    total.add(results->jobs[job].counts);
    if (code != 0 && code != 130) {
      total.errors += 1;
      std::fprintf(stderr, "kill_campaign: job %zu ended with exit code %d\n", job, code);
    }
    if (results->jobs[job].interrupted != 0) interrupted = true;
  }
  return !interrupted;
}

int run(int argc, char** argv) {
  const Options options = parse(argc, argv);
  install_signal_handling();
  check_call(::prctl(PR_SET_CHILD_SUBREAPER, 1), "prctl(PR_SET_CHILD_SUBREAPER)");
  emit(fmt::format(
      "kill_campaign: seed {}, {} per primitive, {} job{}, patience {} s\n", options.seed,
      options.only_trial ? fmt::format("trial {}", *options.only_trial)
                         : fmt::format("{} trials", options.trials),
      options.jobs, options.jobs == 1 ? "" : "s", options.patience_ns / 1'000'000'000));
  std::vector<std::pair<std::size_t, Counts>> rows;
  std::vector<double> seconds;
  bool interrupted = false;
  for (std::size_t p = 0; p < kPrimitiveCount && !interrupted; ++p) {
    if (options.primitive && *options.primitive != kPrimitives[p].name) continue;
    Counts counts;
    const std::int64_t start = now_ns();
    interrupted = !run_primitive(options, p, counts);
    seconds.push_back(static_cast<double>(now_ns() - start) / 1e9);
    rows.emplace_back(p, counts);
  }
  // Nothing may outlive the campaign: reap whatever came to us as an orphan.
  kill_and_reap_children();

  std::string table = fmt::format(
      "\n{:<13} | {:>6} | {:>5} | {:>4} | {:>4} | {:>10} | {:>11} | {:>6}\n", "primitive", "trials",
      "hangs", "torn", "lost", "duplicated", "wrong error", "leaked");
  table += fmt::format("{:-<14}|{:-<8}|{:-<7}|{:-<6}|{:-<6}|{:-<12}|{:-<13}|{:-<7}\n", "", "", "",
                       "", "", "", "", "");
  bool failed = false;
  for (const auto& [p, counts] : rows) {
    table += fmt::format("{:<13} | {:>6} | {:>5} | {:>4} | {:>4} | {:>10} | {:>11} | {:>6}\n",
                         kPrimitives[p].name, counts.trials, counts.hangs, counts.torn, counts.lost,
                         counts.duplicated, counts.wrong, counts.leaked);
    failed = failed || counts.failed();
  }
  table += "\n";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto& [p, counts] = rows[r];
    const double trials = static_cast<double>(std::max<std::uint64_t>(counts.trials, 1));
    table += fmt::format(
        "{}: {} trials in {:.1f} s; kill {:.2f} ms after the start on average (window 0-{} ms), "
        "survivors of stage 0 done {:.2f} ms after the start on average; documented errors seen "
        "{}, allowed losses "
        "{}{}{}\n  victim at its death: {}\n",
        kPrimitives[p].name, counts.trials, seconds[r],
        static_cast<double>(counts.delay_ns) / trials / 1e6, kPrimitives[p].window_ns / 1'000'000,
        static_cast<double>(counts.busy_ns) / trials / 1e6, counts.documented_errors,
        counts.allowed_losses,
        counts.unreadable != 0 ? fmt::format(" (of them, {} trials with the documented unreadable "
                                             "stream after a receiver died inside read())",
                                             counts.unreadable)
                               : std::string(),
        counts.errors != 0 ? fmt::format("; {} trials could not be run", counts.errors)
                           : std::string(),
        victim_phases(counts));
  }
  emit(table);
  if (interrupted) {
    emit("kill_campaign: interrupted; every process it started has been killed and reaped\n");
    return 130;
  }
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace ipcprop::campaign

int main(int argc, char** argv) {
  try {
    return ipcprop::campaign::run(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "kill_campaign: %s\n", error.what());
    return 1;
  }
}
