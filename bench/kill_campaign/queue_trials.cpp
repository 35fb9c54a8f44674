// ipcprop — bench/kill_campaign/queue_trials.cpp
//
// Queue, JoinableQueue, SimpleQueue: producers put numbered messages of mixed sizes, consumers
// get them until a sentinel, which a closer puts once every producer has ended.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "bench/kill_campaign/counts.h"
#include "bench/kill_campaign/messages.h"
#include "bench/kill_campaign/process_support.h"
#include "bench/kill_campaign/records.h"
#include "bench/kill_campaign/rng.h"
#include "bench/kill_campaign/trial.h"
#include "bench/kill_campaign/trials.h"
#include "primitives/codec.h"
#include "primitives/errors.h"
#include "primitives/queue.h"

namespace ipcprop::campaign {

using namespace std::chrono_literals;

namespace {

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

}  // namespace

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

template void queue_trial<QueueKind::Plain>(Context& context);
template void queue_trial<QueueKind::Joinable>(Context& context);
template void queue_trial<QueueKind::Simple>(Context& context);

}  // namespace ipcprop::campaign
