#include "harness/checkers/fifo.h"

#include <map>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

namespace ipcprop::harness {
namespace {

struct Origin {
  std::size_t producer;
  std::size_t position;
};

std::string where(std::int64_t value, const Origin& o) {
  return fmt::format("value {} (producer {}, put #{})", value, o.producer, o.position);
}

/// "consumer 2, get #4" or "left in the queue at #1".
std::string receiver(std::size_t sequence, std::size_t index, std::size_t consumers) {
  return sequence < consumers ? fmt::format("consumer {}, get #{}", sequence, index)
                              : fmt::format("left in the queue at #{}", index);
}

}  // namespace

std::vector<FifoViolation> check_fifo(const FifoRecord& record) {
  using Kind = FifoViolation::Kind;
  std::map<std::int64_t, Origin> origin;
  for (std::size_t p = 0; p < record.produced.size(); ++p) {
    for (std::size_t i = 0; i < record.produced[p].size(); ++i) {
      if (!origin.emplace(record.produced[p][i], Origin{p, i}).second) {
        throw std::invalid_argument(
            fmt::format("check_fifo: value {} was put twice", record.produced[p][i]));
      }
    }
  }
  // Consumers' sequences, then what was left in the queue as one more sequence.
  std::vector<const std::vector<std::int64_t>*> sequences;
  for (const auto& c : record.consumed) sequences.push_back(&c);
  sequences.push_back(&record.left_in_queue);
  const std::size_t consumers = record.consumed.size();

  std::vector<FifoViolation> out;
  std::map<std::int64_t, std::pair<std::size_t, std::size_t>> first_seen;  // (sequence, index)
  // Per producer: the largest position received by any consumer (for the left-in-queue rule).
  std::vector<std::optional<std::size_t>> last_received(record.produced.size());
  for (std::size_t s = 0; s < sequences.size(); ++s) {
    std::map<std::size_t, std::pair<std::size_t, std::int64_t>> latest;  // producer → (pos, v)
    const auto& seq = *sequences[s];
    for (std::size_t k = 0; k < seq.size(); ++k) {
      const std::int64_t v = seq[k];
      auto it = origin.find(v);
      if (it == origin.end()) {
        out.push_back({Kind::Unknown, v, std::nullopt, std::nullopt,
                       fmt::format("value {} ({}) was never put", v, receiver(s, k, consumers))});
        continue;
      }
      const Origin& o = it->second;
      auto [seen, fresh] = first_seen.emplace(v, std::pair{s, k});
      if (!fresh) {
        out.push_back({Kind::Duplicated, v, o.producer, o.position,
                       fmt::format("{} was received twice: {} and {}", where(v, o),
                                   receiver(seen->second.first, seen->second.second, consumers),
                                   receiver(s, k, consumers))});
        continue;
      }
      auto prev = latest.find(o.producer);
      if (prev != latest.end() && prev->second.first > o.position) {
        out.push_back({Kind::Reordered, v, o.producer, o.position,
                       fmt::format("{} came after value {} (put #{}) in {}", where(v, o),
                                   prev->second.second, prev->second.first,
                                   s < consumers ? fmt::format("consumer {}'s gets", s)
                                                 : std::string("the queue's leftovers"))});
      } else {
        latest[o.producer] = {o.position, v};
      }
      if (s < consumers) {
        auto& last = last_received[o.producer];
        if (!last || *last < o.position) last = o.position;
      } else if (last_received[o.producer] && *last_received[o.producer] > o.position) {
        out.push_back({Kind::Reordered, v, o.producer, o.position,
                       fmt::format("{} is still in the queue, but put #{} of the same producer "
                                   "was received",
                                   where(v, o), *last_received[o.producer])});
      }
    }
  }
  for (std::size_t p = 0; p < record.produced.size(); ++p) {
    for (std::size_t i = 0; i < record.produced[p].size(); ++i) {
      const std::int64_t v = record.produced[p][i];
      if (!first_seen.contains(v)) {
        out.push_back({Kind::Lost, v, p, i, fmt::format("{} was lost", where(v, {p, i}))});
      }
    }
  }
  return out;
}

}  // namespace ipcprop::harness
