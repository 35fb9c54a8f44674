#include "properties/line_shapes.h"

#include <set>

#include <fmt/format.h>

namespace ipcprop::properties {

std::string to_string(LineShape shape) {
  switch (shape) {
    case LineShape::Blocks:
      return "one block per actor";
    case LineShape::Interleaved:
      return "whole lines, interleaved";
    case LineShape::Torn:
      return "torn lines";
  }
  return "?";
}

LineShape classify_lines(const std::vector<LogRecord>& records, std::string* explanation) {
  std::vector<LogRecord> writes;
  for (const LogRecord& record : records) {
    if (record.kind == LineHead || record.kind == LineTail) writes.push_back(record);
  }
  for (std::size_t index = 0; index < writes.size(); ++index) {
    if (writes[index].kind != LineHead) continue;
    const bool whole = index + 1 < writes.size() && writes[index + 1].kind == LineTail &&
                       writes[index + 1].actor == writes[index].actor;
    if (!whole) {
      if (explanation != nullptr && index + 1 < writes.size()) {
        *explanation = fmt::format(
            "actor {}'s line {} was torn: its head (t={}) is followed by actor {}'s write (t={})",
            writes[index].actor, writes[index].value, writes[index].time, writes[index + 1].actor,
            writes[index + 1].time);
      }
      return LineShape::Torn;
    }
  }
  std::set<harness::ActorId> finished;
  for (std::size_t index = 0; index < writes.size(); index += 2) {
    const harness::ActorId actor = writes[index].actor;
    if (index > 0 && writes[index - 2].actor != actor) {
      finished.insert(writes[index - 2].actor);
      if (finished.contains(actor)) {
        if (explanation != nullptr) {
          *explanation = fmt::format(
              "actor {}'s line {} (t={}) comes after another actor's lines "
              "interrupted its block",
              actor, writes[index].value, writes[index].time);
        }
        return LineShape::Interleaved;
      }
    }
  }
  return LineShape::Blocks;
}

}  // namespace ipcprop::properties
