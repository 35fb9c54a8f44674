// ipcprop — bench/kill_campaign/records.cpp
#include "bench/kill_campaign/records.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "bench/kill_campaign/process_support.h"

namespace ipcprop::campaign {

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

void arrive(TrialShared& shared, ParticipantRecord& me) {
  me.phase = kAtGate;
  shared.ready.fetch_add(1);
  futex_wake(shared.ready);
  wait_at_least(shared.go, 1);
  me.phase = kBetween;
}

}  // namespace ipcprop::campaign
