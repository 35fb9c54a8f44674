// The pool suite against the project's Pool: every property holds.
#include "primitives/pool.h"
#include "properties/gtest.h"

namespace {

using Pool = ipcprop::Pool;

IPCPROP_POOL_SUITE(Pool);

}  // namespace
