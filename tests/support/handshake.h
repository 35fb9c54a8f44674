// ipcprop — tests/support/handshake.h
//
// Handshake: a one-way "it happened" signal between processes, so tests wait for an event
// instead of sleeping. Create it before fork; any process may notify() and any may wait().
#pragma once

#include "primitives/detail/file_descriptor.h"

namespace ipcprop::testing {

class Handshake {
 public:
  Handshake();

  /// Lets one wait() return. Never blocks (up to the pipe's 64 KiB of pending notices).
  void notify();
  /// Blocks until a notify() that no other wait() has consumed.
  void wait();

 private:
  detail::FileDescriptor read_end_;
  detail::FileDescriptor write_end_;
};

}  // namespace ipcprop::testing
