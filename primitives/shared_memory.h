// ipcprop — primitives/shared_memory.h
//
// Memory that several processes see at once:
//
//   SharedMapping        anonymous MAP_SHARED memory, created before fork(); every descendant
//                        forked afterwards sees the same pages at the same address.
//   NamedSharedMemory    a POSIX shm object (/dev/shm/ipcprop.<pid>.<n>) that unrelated processes
//                        can open by name; the creating process unlinks it on destruction.
//   SharedObject<T>      one T constructed in its own SharedMapping: the state of a primitive.
//
// Primitives keep their state in shared memory at the same address in every process, so that
// the address is the object's identity in histories (sync::SyncObject::id) and pointers inside
// the state stay valid across fork.
#pragma once

#include <cstddef>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

namespace ipcprop {

/// An anonymous shared mapping of `size` bytes, zero-filled. Move-only; unmapped when destroyed
/// (in each process separately: the pages live until the last process unmaps them or exits).
class SharedMapping {
 public:
  /// Maps `size` bytes (rounded up to whole pages). Throws SystemError("mmap") on failure and
  /// UsageError for size 0.
  explicit SharedMapping(std::size_t size);
  SharedMapping(SharedMapping&& other) noexcept;
  SharedMapping& operator=(SharedMapping&& other) noexcept;
  SharedMapping(const SharedMapping&) = delete;
  SharedMapping& operator=(const SharedMapping&) = delete;
  ~SharedMapping();

  void* data() const noexcept { return data_; }
  /// The size asked for (the mapping itself may be a little larger).
  std::size_t size() const noexcept { return size_; }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

/// A named POSIX shared-memory object of `size` bytes, created exclusively, mapped and zero-filled.
/// Other processes may open it by name() while it exists. The process that created it unlinks
/// the name on destruction (descendants that inherited a copy of this object never do), so a
/// normal run leaves nothing in /dev/shm; a creator killed by SIGKILL leaves the entry for the
/// harness's supervisor to remove by its "ipcprop." prefix.
class NamedSharedMemory {
 public:
  /// Creates "/ipcprop.<pid>.<counter>". Throws SystemError("shm_open" / "ftruncate" / "mmap").
  explicit NamedSharedMemory(std::size_t size);
  NamedSharedMemory(NamedSharedMemory&& other) noexcept;
  NamedSharedMemory& operator=(NamedSharedMemory&& other) noexcept;
  NamedSharedMemory(const NamedSharedMemory&) = delete;
  NamedSharedMemory& operator=(const NamedSharedMemory&) = delete;
  ~NamedSharedMemory();

  /// The shm_open name, starting with '/'.
  const std::string& name() const noexcept { return name_; }
  void* data() const noexcept { return mapping_; }
  std::size_t size() const noexcept { return size_; }

 private:
  void destroy() noexcept;

  std::string name_;
  void* mapping_ = nullptr;
  std::size_t size_ = 0;
  int creator_pid_ = 0;
};

/// One T living in its own SharedMapping, constructed from `args` by the creating process.
/// T must be usable from several processes at once: standard-layout, no pointers to private
/// memory, lock-free atomics or process-shared pthread objects only. T's destructor never runs:
/// another process may still be using the object when this handle goes away, so T must not own
/// resources outside the mapping.
template <typename T>
class SharedObject {
  static_assert(std::is_standard_layout_v<T>,
                "SharedObject<T>: T must be standard-layout to be shared between processes");
  static_assert(std::is_trivially_destructible_v<T>,
                "SharedObject<T>: T's destructor would never run; give it none");

 public:
  template <typename... Args>
  explicit SharedObject(Args&&... args) : mapping_(sizeof(T)) {
    ::new (mapping_.data()) T(std::forward<Args>(args)...);
  }

  T& operator*() const noexcept { return *get(); }
  T* operator->() const noexcept { return get(); }
  T* get() const noexcept { return std::launder(static_cast<T*>(mapping_.data())); }

 private:
  SharedMapping mapping_;
};

}  // namespace ipcprop
