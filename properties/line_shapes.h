// ipcprop — properties/line_shapes.h
//
// S4's checker: what shape the lines several actors wrote to one file have. Each line is
// written as two appends (its head, then its tail), as a program with two write() calls per
// line does; the log records each append.
//
//   Blocks        every line whole, and each actor's lines one contiguous block
//   Interleaved   every line whole, but actors' lines interleave
//   Torn          some line's head is followed by another actor's write before its tail
#pragma once

#include <string>
#include <vector>

#include "properties/operation_log.h"

namespace ipcprop::properties {

enum class LineShape { Blocks, Interleaved, Torn };

std::string to_string(LineShape shape);

/// Log kinds for the two appends of a line.
enum LineRecord : std::uint16_t { LineHead = 100, LineTail = 101 };

/// The shape of the lines in `records` (other kinds are ignored); `explanation` names the
/// first records that make it so.
LineShape classify_lines(const std::vector<LogRecord>& records, std::string* explanation = nullptr);

}  // namespace ipcprop::properties
