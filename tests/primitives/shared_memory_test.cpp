#include "primitives/shared_memory.h"

#include <atomic>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "primitives/errors.h"
#include "primitives/process.h"

namespace ipcprop {
namespace {

bool shm_entry_exists(const std::string& name) {
  return std::filesystem::exists("/dev/shm" + name);
}

TEST(SharedMapping, ChildWritesAreVisibleToTheParent) {
  SharedMapping mapping(4096);
  auto* bytes = static_cast<unsigned char*>(mapping.data());
  ASSERT_EQ(bytes[0], 0) << "a new mapping is zero-filled";
  Process child([&] { std::memset(bytes, 0xab, 4096); });
  child.start();
  child.join();
  ASSERT_EQ(child.exitcode(), 0);
  for (int i = 0; i < 4096; ++i) ASSERT_EQ(bytes[i], 0xab) << "byte " << i;
}

TEST(SharedMapping, SizeZeroIsAUsageError) {
  EXPECT_THROW(SharedMapping(0), UsageError);
}

TEST(SharedMapping, ImpossibleSizeThrowsSystemErrorNamingMmap) {
  try {
    SharedMapping mapping(std::size_t{1} << 62);
    FAIL() << "mapped 4 EiB";
  } catch (const SystemError& error) {
    EXPECT_EQ(error.call(), "mmap");
  }
}

TEST(SharedMapping, MoveTransfersOwnership) {
  SharedMapping first(100);
  void* data = first.data();
  SharedMapping second(std::move(first));
  EXPECT_EQ(second.data(), data);
  EXPECT_EQ(second.size(), 100u);
  // NOLINTNEXTLINE(bugprone-use-after-move): the moved-from state is what is checked.
  EXPECT_EQ(first.data(), nullptr);
  SharedMapping third(10);
  third = std::move(second);
  EXPECT_EQ(third.data(), data);
}

TEST(NamedSharedMemory, ExistsByNameWhileAliveAndIsUnlinkedAfter) {
  std::string name;
  {
    NamedSharedMemory memory(64);
    name = memory.name();
    EXPECT_TRUE(name.starts_with("/ipcprop." + std::to_string(::getpid()) + "."));
    EXPECT_TRUE(shm_entry_exists(name));
  }
  EXPECT_FALSE(shm_entry_exists(name));
}

TEST(NamedSharedMemory, AnotherOpenerSeesTheSameBytes) {
  NamedSharedMemory memory(64);
  std::strcpy(static_cast<char*>(memory.data()), "hello");
  const int fd = check_call(::shm_open(memory.name().c_str(), O_RDWR, 0), "shm_open");
  void* view = ::mmap(nullptr, 64, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  ASSERT_NE(view, MAP_FAILED);
  EXPECT_STREQ(static_cast<const char*>(view), "hello");
  static_cast<char*>(view)[0] = 'j';
  EXPECT_STREQ(static_cast<const char*>(memory.data()), "jello");
  ::munmap(view, 64);
}

TEST(NamedSharedMemory, ADescendantsCopyDoesNotUnlink) {
  NamedSharedMemory memory(64);
  Process child([&] {
    // Run the destructor of a moved copy in the child, as a child that cleans up would.
    NamedSharedMemory moved(std::move(memory));
  });
  child.start();
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
  EXPECT_TRUE(shm_entry_exists(memory.name()));
}

struct Counters {
  std::atomic<int> value{41};
  int plain = 7;
};

TEST(SharedObject, ConstructsInSharedMemorySeenByChildren) {
  SharedObject<Counters> counters;
  EXPECT_EQ(counters->value.load(), 41);
  EXPECT_EQ(counters->plain, 7);
  Process child([&] {
    counters->value.fetch_add(1);
    counters->plain = 8;
  });
  child.start();
  child.join();
  EXPECT_EQ(counters->value.load(), 42);
  EXPECT_EQ(counters->plain, 8);
}

}  // namespace
}  // namespace ipcprop
