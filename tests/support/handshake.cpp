#include "tests/support/handshake.h"

#include <cerrno>

#include <fcntl.h>
#include <unistd.h>

#include "primitives/errors.h"

namespace ipcprop::testing {

Handshake::Handshake() {
  int ends[2];
  check_call(::pipe2(ends, O_CLOEXEC), "pipe2");
  read_end_ = detail::FileDescriptor(ends[0]);
  write_end_ = detail::FileDescriptor(ends[1]);
}

void Handshake::notify() {
  const char token = 1;
  while (::write(write_end_.get(), &token, 1) == -1) {
    if (errno != EINTR) throw_system_error("write", "Handshake");
  }
}

void Handshake::wait() {
  char token = 0;
  for (;;) {
    const ssize_t got = ::read(read_end_.get(), &token, 1);
    if (got == 1) return;
    if (got == 0) throw UsageError("Handshake::wait: every write end is closed");
    if (errno != EINTR) throw_system_error("read", "Handshake");
  }
}

}  // namespace ipcprop::testing
