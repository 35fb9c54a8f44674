// ipcprop — bench/kill_campaign/trials.h
//
// One trial function per primitive family, each in a file of its own. It builds the primitive,
// adds the participants to a Trial (trial.h), runs it, and checks what they recorded against
// the primitive's contract. doc/kill-campaign.md lists each family's checks and allowed losses.
#pragma once

namespace ipcprop::campaign {

struct Context;

/// Lock and RLock (lock_trials.cpp): holders increment a shared counter inside the critical
/// section and log its entry and exit tickets; a probe takes the lock at the end. Defined for
/// L = Lock and L = RLock.
template <typename L>
void lock_trial(Context& context);

/// The queue a queue trial uses: Queue, JoinableQueue or SimpleQueue of std::string.
enum class QueueKind { Plain, Joinable, Simple };

/// Queue, JoinableQueue, SimpleQueue (queue_trials.cpp): producers put numbered messages of
/// mixed sizes, consumers get them until a sentinel. Defined for each QueueKind.
template <QueueKind kKind>
void queue_trial(Context& context);

/// Pipe (pipe_trials.cpp): senders and receivers on one end pair, one-way or duplex.
void pipe_trial(Context& context);

/// Pool (pool_trials.cpp): an owner process runs apply_async, map and imap on Pool(3); the
/// victim is one of its workers.
void pool_trial(Context& context);

}  // namespace ipcprop::campaign
