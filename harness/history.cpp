#include "harness/history.h"

#include <algorithm>

#include <fmt/format.h>

namespace ipcprop::harness {

std::string_view to_string(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::Invoke:
      return "invoke";
    case EventKind::Return:
      return "return";
    case EventKind::Wait:
      return "wait";
    case EventKind::Wake:
      return "wake";
    case EventKind::Notify:
      return "notify";
    case EventKind::Spawn:
      return "spawn";
    case EventKind::Exit:
      return "exit";
    case EventKind::Signal:
      return "signal";
  }
  return "?";
}

History::History(std::vector<Event> events, std::vector<int> actor_pids)
    : events_(std::move(events)), actor_pids_(std::move(actor_pids)) {
  std::map<std::string_view, int> per_kind;
  for (const Event& event : events_) {
    if (event.object.kind.empty()) continue;
    const auto key = std::make_pair(event.object.kind, event.object.id);
    if (!ordinals_.contains(key)) ordinals_.emplace(key, ++per_kind[event.object.kind]);
  }
}

std::string History::object_name(const sync::SyncObject& object) const {
  if (object.kind.empty()) return "-";
  if (object.kind == "Process") {
    const auto actor =
        std::find(actor_pids_.begin(), actor_pids_.end(), static_cast<int>(object.id));
    if (actor != actor_pids_.end()) {
      return fmt::format("Process of actor {}", actor - actor_pids_.begin());
    }
  }
  const auto found = ordinals_.find(std::make_pair(object.kind, object.id));
  if (found == ordinals_.end()) return fmt::format("{}#?", object.kind);
  return fmt::format("{}#{}", object.kind, found->second);
}

std::string History::to_text() const {
  std::string text;
  for (const Event& event : events_) {
    fmt::format_to(std::back_inserter(text), "step {:<4} actor {:<2} {:<6} {} {} ({})\n",
                   event.step, event.actor, to_string(event.kind),
                   event.operation.empty() ? "-" : event.operation, object_name(event.object),
                   event.value);
  }
  return text;
}

std::uint64_t History::hash() const {
  // FNV-1a over a canonical rendering: simple, and stable across runs and builds.
  std::uint64_t hash = 1469598103934665603ULL;
  auto mix = [&](std::string_view bytes) {
    for (const char byte : bytes) {
      hash ^= static_cast<unsigned char>(byte);
      hash *= 1099511628211ULL;
    }
  };
  mix(to_text());
  return hash;
}

}  // namespace ipcprop::harness
