// ipcprop — harness/detail/futex_word.h
//
// The baton: a 32-bit word in shared memory that one process sets and another sleeps on.
#pragma once

#include <atomic>
#include <cstdint>

namespace ipcprop::harness::detail {

/// Sleeps while `word` holds `expected` (spurious wake-ups possible: callers loop).
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected);
/// Wakes every sleeper on `word`.
void futex_wake_all(std::atomic<std::uint32_t>& word);

}  // namespace ipcprop::harness::detail
