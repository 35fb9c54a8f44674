// The lock suites against the project's own locks: every property holds.
#include "primitives/lock.h"
#include "primitives/rlock.h"
#include "properties/gtest.h"
#include "tests/properties/mutant_locks.h"

namespace {

using Lock = ipcprop::Lock;
using RLock = ipcprop::RLock;
// The mutants' harmless base, to show the suite passes a correct lock written elsewhere.
using SpinLock = ipcprop::mutants::CorrectMutantBaseLock;

IPCPROP_LOCK_SUITE(Lock);
IPCPROP_RLOCK_SUITE(RLock);
IPCPROP_ROBUST_LOCK_SUITE(Lock);
IPCPROP_ROBUST_LOCK_SUITE(RLock);
IPCPROP_LOCK_SUITE(SpinLock);

}  // namespace
