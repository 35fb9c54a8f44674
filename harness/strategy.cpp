#include "harness/strategy.h"

// The interface is header-only; this file anchors the vtable of Strategy in one place.
namespace ipcprop::harness {}  // namespace ipcprop::harness
