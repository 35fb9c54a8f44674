// ipcprop — bench/kill_campaign/pipe_trials.cpp
//
// Pipe: senders and receivers on one end pair, one-way or duplex, messages of mixed sizes; a
// closer sends one sentinel per surviving receiver once every sender has ended.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <fmt/format.h>

#include "bench/kill_campaign/counts.h"
#include "bench/kill_campaign/messages.h"
#include "bench/kill_campaign/process_support.h"
#include "bench/kill_campaign/records.h"
#include "bench/kill_campaign/rng.h"
#include "bench/kill_campaign/trial.h"
#include "bench/kill_campaign/trials.h"
#include "primitives/errors.h"
#include "primitives/pipe.h"

namespace ipcprop::campaign {

using namespace std::chrono_literals;

namespace {

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

}  // namespace

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

}  // namespace ipcprop::campaign
