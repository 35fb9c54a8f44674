#include "harness/checkers/detail/event_list.h"

#include <algorithm>
#include <limits>
#include <map>
#include <stdexcept>
#include <tuple>

#include <fmt/format.h>

namespace ipcprop::harness::detail {

std::size_t OpSet::hash() const noexcept {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (std::uint64_t w : words_) {
    h ^= w + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  }
  return static_cast<std::size_t>(h);
}

EventList::EventList(std::span<const Span> spans) {
  constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
  // (time, 0 = call / 1 = return, op)
  std::vector<std::tuple<std::uint64_t, int, std::size_t>> order;
  order.reserve(2 * spans.size());
  for (std::size_t i = 0; i < spans.size(); ++i) {
    order.emplace_back(spans[i].called, 0, i);
    order.emplace_back(spans[i].returned.value_or(kNever), 1, i);
  }
  std::sort(order.begin(), order.end());
  nodes_.resize(order.size());
  std::vector<EventNode*> call_of(spans.size(), nullptr);
  EventNode* prev = &head_;
  for (std::size_t k = 0; k < order.size(); ++k) {
    EventNode& node = nodes_[k];
    node.op = std::get<2>(order[k]);
    node.is_call = std::get<1>(order[k]) == 0;
    if (node.is_call) {
      call_of[node.op] = &node;
    } else {
      call_of[node.op]->match = &node;
    }
    node.prev = prev;
    prev->next = &node;
    prev = &node;
  }
}

void EventList::lift(EventNode* call) noexcept {
  call->prev->next = call->next;
  if (call->next != nullptr) call->next->prev = call->prev;
  EventNode* ret = call->match;
  ret->prev->next = ret->next;
  if (ret->next != nullptr) ret->next->prev = ret->prev;
}

void EventList::unlift(EventNode* call) noexcept {
  EventNode* ret = call->match;
  ret->prev->next = ret;
  if (ret->next != nullptr) ret->next->prev = ret;
  call->prev->next = call;
  if (call->next != nullptr) call->next->prev = call;
}

Naming::Naming(std::span<const ActorId> actors, std::span<const Span> spans)
    : actors_(actors.begin(), actors.end()), per_actor_index_(actors.size(), 0) {
  std::vector<std::size_t> by_call(actors.size());
  for (std::size_t i = 0; i < by_call.size(); ++i) by_call[i] = i;
  std::stable_sort(by_call.begin(), by_call.end(),
                   [&](std::size_t a, std::size_t b) { return spans[a].called < spans[b].called; });
  std::map<ActorId, std::size_t> next;
  for (std::size_t i : by_call) per_actor_index_[i] = next[actors_[i]]++;
}

std::string Naming::name(std::size_t op, const std::string& description) const {
  return fmt::format("actor {} op {} {}", actors_[op], per_actor_index_[op], description);
}

void validate(std::span<const Span> spans, const std::vector<bool>& has_output) {
  for (std::size_t i = 0; i < spans.size(); ++i) {
    if (spans[i].returned.has_value() != has_output[i]) {
      throw std::invalid_argument(
          fmt::format("operation {}: a return time and an output must be given together", i));
    }
    if (spans[i].returned && *spans[i].returned < spans[i].called) {
      throw std::invalid_argument(fmt::format("operation {}: returned ({}) before called ({})", i,
                                              *spans[i].returned, spans[i].called));
    }
  }
}

}  // namespace ipcprop::harness::detail
