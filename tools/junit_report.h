// ipcprop — tools/junit_report.h
//
// `ipcprop run --junit FILE`: the run as JUnit XML, the format CI systems read. One <testsuite>
// per primitive, one <testcase> per property (classname = primitive, name = property); a
// failure carries the whole report, whose last line is the replay command; a worker that died
// is an <error>, a property skipped because IPCPROP_REPLAY names another is <skipped/>.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "tools/catalog.h"
#include "tools/run_command.h"

namespace ipcprop::tools {

void write_junit(std::ostream& out, const std::vector<const CatalogEntry*>& selected,
                 const std::vector<PropertyRun>& runs, double seconds);

/// `text` with &, <, >, " and ' escaped, and control characters other than tab and newline
/// (which XML 1.0 cannot hold) written as '?'.
std::string xml_escape(std::string_view text);

}  // namespace ipcprop::tools
