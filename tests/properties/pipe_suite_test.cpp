// The pipe suite against the project's Pipe: every property holds.
#include "properties/gtest.h"

namespace {

using IpcpropPipe = ipcprop::properties::IpcpropPipe;

IPCPROP_PIPE_SUITE(IpcpropPipe);

}  // namespace
