// ipcprop — tools/cli.h
//
// The `ipcprop` command, as a function so that tests can call it:
//
//   ipcprop list                 every built-in (property, primitive) pair, one a line
//   ipcprop run [options]        fuzzes them: a line per pair, each failure's report, a summary
//   ipcprop replay TOKEN         runs the one execution a failure report names, exactly
//   ipcprop help
//
// Exit status: 0 when everything held, 1 when a property failed (for replay: the failure came
// back), 2 for bad input - an unknown command or option, a bad value, a malformed token - which
// gets one line on `err` and changes nothing; 3 when the harness itself failed (cannot fork, out
// of shared memory), which is not a verdict on any property.
#pragma once

#include <ostream>
#include <span>
#include <string_view>

#include "tools/catalog.h"

namespace ipcprop::tools {

inline constexpr int kExitPassed = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitError = 3;
/// `ipcprop replay`: the token no longer describes the program (the primitive or property
/// changed), so the failure it recorded says nothing about the code as it is now.
inline constexpr int kExitDiverged = 4;

/// `arguments` excludes the program name; `entries` are what list, run and replay know.
int run_command_line(std::span<const std::string_view> arguments, std::ostream& out,
                     std::ostream& err, std::span<const CatalogEntry> entries = catalog());

}  // namespace ipcprop::tools
