#include "harness/checkers/mutual_exclusion.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace ipcprop::harness {

std::optional<Overlap> find_overlap(std::span<const CriticalEvent> events) {
  std::vector<CriticalEvent> sorted(events.begin(), events.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    if (a.time != b.time) return a.time < b.time;
    return a.kind == CriticalEvent::Kind::Exit && b.kind == CriticalEvent::Kind::Enter;
  });
  std::optional<ActorId> holder;
  std::uint64_t since = 0;
  unsigned depth = 0;
  for (const CriticalEvent& e : sorted) {
    if (e.kind == CriticalEvent::Kind::Exit) {
      if (!holder || *holder != e.actor) {
        throw std::invalid_argument(
            fmt::format("find_overlap: actor {} exits at {} but is not inside", e.actor, e.time));
      }
      if (--depth == 0) holder.reset();
    } else if (!holder) {
      holder = e.actor;
      since = e.time;
      depth = 1;
    } else if (*holder == e.actor) {
      ++depth;
    } else {
      return Overlap{*holder, since, e.actor, e.time,
                     fmt::format("actor {} entered at {} while actor {} was inside (since {})",
                                 e.actor, e.time, *holder, since)};
    }
  }
  return std::nullopt;
}

}  // namespace ipcprop::harness
