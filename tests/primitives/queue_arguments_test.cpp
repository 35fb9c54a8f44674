// The constructors of Queue, JoinableQueue and SimpleQueue refuse out-of-range arguments with
// UsageError, before they map anything (queue.h, "Limits"): QueueOptions::capacity outside
// kMinQueueCapacity..kMaxQueueCapacity and maxsize above kMaxQueueMaxsize.
#include <cerrno>
#include <cstddef>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "primitives/errors.h"
#include "primitives/queue.h"
#include "tests/support/expect_usage_error.h"

namespace ipcprop {
namespace {

using testing::expect_usage_error;

constexpr std::size_t kMinusOne = static_cast<std::size_t>(-1);

/// Each queue class, made through one signature; `kind` is the name its errors carry.
struct MakeQueue {
  static constexpr std::string_view kind = "Queue";
  static void make(std::size_t maxsize, std::size_t capacity) {
    Queue<char> queue(maxsize, QueueOptions{.capacity = capacity});
    queue.put('x');
    EXPECT_EQ(queue.get(), 'x');
  }
};

struct MakeJoinableQueue {
  static constexpr std::string_view kind = "JoinableQueue";
  static void make(std::size_t maxsize, std::size_t capacity) {
    JoinableQueue<char> queue(maxsize, QueueOptions{.capacity = capacity});
    queue.put('x');
    EXPECT_EQ(queue.get(), 'x');
    queue.task_done();
    queue.join();
  }
};

struct MakeSimpleQueue {
  static constexpr std::string_view kind = "SimpleQueue";
  static void make(std::size_t /*maxsize*/, std::size_t capacity) {
    SimpleQueue<char> queue(QueueOptions{.capacity = capacity});
    queue.put('x');
    EXPECT_EQ(queue.get(), 'x');
  }
};

template <typename Maker>
class QueueArguments : public ::testing::Test {};

using Makers = ::testing::Types<MakeQueue, MakeJoinableQueue, MakeSimpleQueue>;
TYPED_TEST_SUITE(QueueArguments, Makers);

TYPED_TEST(QueueArguments, CapacityZeroOrTooSmallForAMessageIsRefused) {
  for (const std::size_t capacity : {std::size_t{0}, kMinQueueCapacity - 1}) {
    SCOPED_TRACE(capacity);
    expect_usage_error([&] { TypeParam::make(0, capacity); },
                       {TypeParam::kind, "QueueOptions::capacity", std::to_string(capacity) + " ",
                        std::to_string(kMinQueueCapacity), "kMinQueueCapacity"});
  }
}

TYPED_TEST(QueueArguments, CapacityAboveTheLimitIsRefused) {
  // size_t(-1) would overflow the page rounding of the ring's mapping.
  for (const std::size_t capacity : {kMaxQueueCapacity + 1, kMinusOne}) {
    SCOPED_TRACE(capacity);
    expect_usage_error([&] { TypeParam::make(0, capacity); },
                       {TypeParam::kind, "QueueOptions::capacity", std::to_string(capacity),
                        std::to_string(kMaxQueueCapacity), "kMaxQueueCapacity"});
  }
}

TYPED_TEST(QueueArguments, CapacityAtEitherLimitIsAccepted) {
  TypeParam::make(0, kMinQueueCapacity);
  // 1 TiB of virtual ring: MAP_NORESERVE costs nothing until written, unless the kernel is set
  // to account for every mapping (vm.overcommit_memory = 2), where mmap refuses it.
  try {
    TypeParam::make(0, kMaxQueueCapacity);
  } catch (const SystemError& error) {
    if (error.error_number() != ENOMEM) throw;
    GTEST_SKIP() << "this kernel refuses a 1 TiB MAP_NORESERVE mapping: " << error.what();
  }
}

/// Only Queue and JoinableQueue have an item limit.
template <typename Maker>
class QueueMaxsizeArguments : public ::testing::Test {};

using MakersWithMaxsize = ::testing::Types<MakeQueue, MakeJoinableQueue>;
TYPED_TEST_SUITE(QueueMaxsizeArguments, MakersWithMaxsize);

TYPED_TEST(QueueMaxsizeArguments, MaxsizeAboveTheLimitIsRefused) {
  for (const std::size_t maxsize : {kMaxQueueMaxsize + 1, kMinusOne}) {
    SCOPED_TRACE(maxsize);
    expect_usage_error([&] { TypeParam::make(maxsize, kDefaultQueueCapacity); },
                       {TypeParam::kind, "maxsize", std::to_string(maxsize),
                        std::to_string(kMaxQueueMaxsize), "kMaxQueueMaxsize"});
  }
}

TYPED_TEST(QueueMaxsizeArguments, MaxsizeZeroOneAndAtTheLimitAreAccepted) {
  for (const std::size_t maxsize : {std::size_t{0}, std::size_t{1}, kMaxQueueMaxsize}) {
    SCOPED_TRACE(maxsize);
    TypeParam::make(maxsize, kDefaultQueueCapacity);
  }
}

}  // namespace
}  // namespace ipcprop
