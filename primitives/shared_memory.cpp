#include "primitives/shared_memory.h"

#include <atomic>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fmt/format.h>

#include "primitives/detail/file_descriptor.h"
#include "primitives/errors.h"

namespace ipcprop {
namespace {

void* map_shared(std::size_t size, int fd, std::string_view object) {
  void* data = ::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                      MAP_SHARED | (fd < 0 ? MAP_ANONYMOUS : 0), fd, 0);
  if (data == MAP_FAILED) throw_system_error("mmap", object);
  return data;
}

void unmap(void* data, std::size_t size) noexcept {
  // munmap fails only for a bad address or length, which these classes never pass.
  if (data != nullptr) ::munmap(data, size);
}

std::string next_shm_name() {
  static std::atomic<unsigned> counter{0};
  return fmt::format("/ipcprop.{}.{}", ::getpid(), counter.fetch_add(1));
}

}  // namespace

SharedMapping::SharedMapping(std::size_t size) : size_(size) {
  if (size == 0) throw UsageError("SharedMapping: size must be positive");
  data_ = map_shared(size, -1, "anonymous shared mapping");
}

SharedMapping::SharedMapping(SharedMapping&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SharedMapping& SharedMapping::operator=(SharedMapping&& other) noexcept {
  if (this != &other) {
    unmap(data_, size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SharedMapping::~SharedMapping() {
  unmap(data_, size_);
}

NamedSharedMemory::NamedSharedMemory(std::size_t size)
    : name_(next_shm_name()), size_(size), creator_pid_(::getpid()) {
  if (size == 0) throw UsageError("NamedSharedMemory: size must be positive");
  detail::FileDescriptor fd(check_call(
      ::shm_open(name_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600), "shm_open", name_));
  try {
    check_call(::ftruncate(fd.get(), static_cast<off_t>(size)), "ftruncate", name_);
    mapping_ = map_shared(size, fd.get(), name_);
  } catch (...) {
    ::shm_unlink(name_.c_str());
    throw;
  }
}

NamedSharedMemory::NamedSharedMemory(NamedSharedMemory&& other) noexcept
    : name_(std::move(other.name_)),
      mapping_(std::exchange(other.mapping_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      creator_pid_(std::exchange(other.creator_pid_, 0)) {}

NamedSharedMemory& NamedSharedMemory::operator=(NamedSharedMemory&& other) noexcept {
  if (this != &other) {
    destroy();
    name_ = std::move(other.name_);
    mapping_ = std::exchange(other.mapping_, nullptr);
    size_ = std::exchange(other.size_, 0);
    creator_pid_ = std::exchange(other.creator_pid_, 0);
  }
  return *this;
}

NamedSharedMemory::~NamedSharedMemory() {
  destroy();
}

void NamedSharedMemory::destroy() noexcept {
  unmap(mapping_, size_);
  mapping_ = nullptr;
  // ENOENT means someone removed it already (a supervisor's cleanup): nothing is left either way.
  if (creator_pid_ != 0 && creator_pid_ == ::getpid()) ::shm_unlink(name_.c_str());
  creator_pid_ = 0;
}

}  // namespace ipcprop
