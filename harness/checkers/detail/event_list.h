// ipcprop — harness/checkers/detail/event_list.h
//
// Internals of the linearizability checker that do not depend on the model:
//
//   OpSet      a set of operation indices as a bitset (hashable, comparable)
//   EventList  the calls and returns of a history sorted by time, as a doubly linked list
//              from which a call and its return can be lifted out and put back
//   Naming     per-actor operation indices, for reports
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/strategy.h"

namespace ipcprop::harness::detail {

/// A fixed-size set of operation indices.
class OpSet {
 public:
  explicit OpSet(std::size_t size) : words_((size + 63) / 64, 0) {}

  void insert(std::size_t i) noexcept { words_[i / 64] |= std::uint64_t{1} << (i % 64); }
  void erase(std::size_t i) noexcept { words_[i / 64] &= ~(std::uint64_t{1} << (i % 64)); }
  bool contains(std::size_t i) const noexcept { return (words_[i / 64] >> (i % 64)) & 1U; }
  std::size_t hash() const noexcept;

  friend bool operator==(const OpSet&, const OpSet&) = default;

 private:
  std::vector<std::uint64_t> words_;
};

/// The time span of one operation, as the event list needs it.
struct Span {
  std::uint64_t called = 0;
  std::optional<std::uint64_t> returned;  ///< nullopt: pending, returns "after everything".
};

/// One call or return in the list.
struct EventNode {
  std::size_t op = 0;
  bool is_call = false;
  EventNode* match = nullptr;  ///< A call's return node; null for returns.
  EventNode* prev = nullptr;
  EventNode* next = nullptr;
};

/// Calls and returns ordered by time; at equal times calls come first (so operations whose
/// times touch overlap), then by operation index. Pending returns come last. Not copyable:
/// nodes point at each other.
class EventList {
 public:
  explicit EventList(std::span<const Span> spans);
  EventList(const EventList&) = delete;
  EventList& operator=(const EventList&) = delete;

  /// The first event still in the list; never null while an operation remains.
  EventNode* first() const noexcept { return head_.next; }
  /// Removes `call` and its return from the list.
  static void lift(EventNode* call) noexcept;
  /// Puts back what lift(call) removed; lifts must be undone in reverse order.
  static void unlift(EventNode* call) noexcept;

 private:
  std::vector<EventNode> nodes_;
  EventNode head_;
};

/// Names operations for reports: "actor 2 op 1 get() → 7", where op 1 is the actor's second
/// operation by call time.
class Naming {
 public:
  Naming(std::span<const ActorId> actors, std::span<const Span> spans);
  std::string name(std::size_t op, const std::string& description) const;

 private:
  std::vector<ActorId> actors_;
  std::vector<std::size_t> per_actor_index_;
};

/// Throws std::invalid_argument unless every span is well formed and `has_output[i]` matches
/// whether span i returned.
void validate(std::span<const Span> spans, const std::vector<bool>& has_output);

}  // namespace ipcprop::harness::detail
