// The process suite against the project's Process: every property holds.
#include "primitives/process.h"
#include "properties/gtest.h"

namespace {

using Process = ipcprop::Process;

IPCPROP_PROCESS_SUITE(Process);

}  // namespace
