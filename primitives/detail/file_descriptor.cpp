#include "primitives/detail/file_descriptor.h"

#include <cerrno>

#include <unistd.h>

#include "primitives/errors.h"

namespace ipcprop::detail {

void FileDescriptor::close() {
  const int fd = std::exchange(fd_, -1);
  // Linux always frees the descriptor, even when close() reports EINTR: never retry.
  if (fd >= 0 && ::close(fd) == -1 && errno != EINTR) throw_system_error("close");
}

void FileDescriptor::reset() noexcept {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

}  // namespace ipcprop::detail
