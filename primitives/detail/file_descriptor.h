// ipcprop — primitives/detail/file_descriptor.h
//
// FileDescriptor: sole owner of one open file descriptor; closes it on destruction.
#pragma once

#include <utility>

namespace ipcprop::detail {

/// Owns a file descriptor (or none: -1). Move-only; close() errors other than EINTR throw
/// SystemError from close(), while the destructor ignores them (a destructor must not throw).
class FileDescriptor {
 public:
  FileDescriptor() noexcept = default;
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }
  /// Gives up ownership without closing.
  int release() noexcept { return std::exchange(fd_, -1); }
  /// Closes now, throwing SystemError if close() reports an error.
  void close();

 private:
  void reset() noexcept;
  int fd_ = -1;
};

}  // namespace ipcprop::detail
