// Queue, JoinableQueue and SimpleQueue: behaviour seen from one process, each error, and the
// sync points. Cross-process traffic and crashes are in queue_process_test.cpp.
#include "primitives/queue.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

namespace ipcprop {
namespace {

using namespace std::chrono_literals;

TEST(Queue, GetReturnsValuesInPutOrder) {
  Queue<int> queue;
  for (int i = 0; i < 100; ++i) queue.put(i);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(queue.get(), i);
}

TEST(Queue, CarriesValuesThroughTheCodec) {
  using Value = std::tuple<std::string, std::vector<int>, std::map<std::string, double>>;
  Queue<Value> queue;
  const Value value{"hello", {1, 2, 3}, {{"pi", 3.14}}};
  queue.put(value);
  queue.put(Value{});
  EXPECT_EQ(queue.get(), value);
  EXPECT_EQ(queue.get(), Value{});
}

TEST(Queue, QsizeEmptyAndFullTrackContents) {
  Queue<int> queue(2);
  EXPECT_EQ(queue.maxsize(), 2u);
  EXPECT_TRUE(queue.empty());
  EXPECT_FALSE(queue.full());
  EXPECT_EQ(queue.qsize(), 0u);
  queue.put(1);
  EXPECT_FALSE(queue.empty());
  EXPECT_FALSE(queue.full());
  EXPECT_EQ(queue.qsize(), 1u);
  queue.put(2);
  EXPECT_TRUE(queue.full());
  EXPECT_EQ(queue.qsize(), 2u);
  EXPECT_EQ(queue.get(), 1);
  EXPECT_FALSE(queue.full());
}

TEST(Queue, WithoutItemLimitIsNeverFull) {
  Queue<int> queue;
  for (int i = 0; i < 1000; ++i) queue.put_nowait(i);
  EXPECT_FALSE(queue.full());
  EXPECT_EQ(queue.qsize(), 1000u);
}

TEST(Queue, GetNowaitOnEmptyThrowsEmpty) {
  Queue<int> queue;
  EXPECT_THROW(queue.get_nowait(), Empty);
  queue.put(5);
  EXPECT_EQ(queue.get_nowait(), 5);
  EXPECT_THROW(queue.get_nowait(), Empty);
}

TEST(Queue, GetWithTimeoutOnEmptyThrowsEmptyAfterTheTimeout) {
  Queue<int> queue;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(queue.get(50ms), Empty);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 50ms);
  EXPECT_LT(waited, 10s);
}

TEST(Queue, ZeroOrNegativeTimeoutDoesNotWait) {
  Queue<int> queue(1);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(queue.get(0ms), Empty);
  EXPECT_THROW(queue.get(-5s), Empty);
  queue.put(1);
  EXPECT_THROW(queue.put(2, 0ms), Full);
  EXPECT_THROW(queue.put(2, -5s), Full);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_EQ(queue.get(0ms), 1);
}

TEST(Queue, PutNowaitOnFullThrowsFullAndPutsNothing) {
  Queue<int> queue(1);
  queue.put_nowait(1);
  EXPECT_THROW(queue.put_nowait(2), Full);
  EXPECT_EQ(queue.qsize(), 1u);
  EXPECT_EQ(queue.get(), 1);
  EXPECT_TRUE(queue.empty());
}

TEST(Queue, PutWithTimeoutOnFullThrowsFullAfterTheTimeout) {
  Queue<int> queue(1);
  queue.put(1);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(queue.put(2, 50ms), Full);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 50ms);
  EXPECT_LT(waited, 10s);
  EXPECT_EQ(queue.qsize(), 1u);
}

// S7 in its plain form: three puts, four gets; the fourth would hang forever in Python.
TEST(Queue, ThreePutsFourGetsTheFourthRaisesEmpty) {
  Queue<int> queue;
  for (int i = 1; i <= 3; ++i) queue.put(i);
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(queue.get(1s), i);
  EXPECT_THROW(queue.get(20ms), Empty);
}

TEST(Queue, MessageLargerThanCapacityThrowsMessageTooLarge) {
  Queue<std::string> queue(0, QueueOptions{.capacity = 4096});
  EXPECT_EQ(queue.max_message_size(), 4088u);
  // cereal writes a std::string as an 8-byte length and its characters.
  queue.put(std::string(4080, 'a'));
  EXPECT_THROW(queue.put(std::string(4081, 'b')), MessageTooLarge);
  EXPECT_THROW(queue.put_nowait(std::string(100000, 'b')), MessageTooLarge);
  EXPECT_EQ(queue.qsize(), 1u);
  EXPECT_EQ(queue.get(), std::string(4080, 'a'));
}

TEST(Queue, CapacityTooSmallForAnyMessageThrowsUsageError) {
  EXPECT_THROW(Queue<char>(0, QueueOptions{.capacity = 8}), UsageError);
  Queue<char> smallest(0, QueueOptions{.capacity = 9});
  smallest.put('x');
  EXPECT_THROW(smallest.put_nowait('y'), Full);
  EXPECT_EQ(smallest.get(), 'x');
}

TEST(Queue, PutWaitsForFreeBytesWhenTheRingIsFull) {
  // Room for three 8-byte values with their 8-byte headers, though there is no item limit.
  Queue<std::uint64_t> queue(0, QueueOptions{.capacity = 50});
  for (std::uint64_t i = 0; i < 3; ++i) queue.put_nowait(i);
  EXPECT_FALSE(queue.full());
  EXPECT_THROW(queue.put_nowait(3), Full);
  EXPECT_THROW(queue.put(3, 10ms), Full);
  EXPECT_EQ(queue.get(), 0u);
  queue.put_nowait(3);
}

TEST(Queue, MessagesWrapAroundTheRingEndWhole) {
  // 97 bytes: records of varying size straddle the end at every offset over time.
  Queue<std::string> queue(0, QueueOptions{.capacity = 97});
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  for (int round = 0; round < 2000; ++round) {
    const auto size = static_cast<std::size_t>(round % 23);
    queue.put(std::string(size, static_cast<char>('a' + sent++ % 26)));
    if (round % 3 != 0) {
      const std::string got = queue.get();
      ASSERT_EQ(got.find_first_not_of(static_cast<char>('a' + received++ % 26)), std::string::npos);
    }
    while (queue.qsize() > 1) {
      const std::string got = queue.get();
      ASSERT_EQ(got.find_first_not_of(static_cast<char>('a' + received++ % 26)), std::string::npos);
    }
  }
}

TEST(Queue, ClosedHandleRefusesPutAndGet) {
  Queue<int> queue;
  queue.put(1);
  queue.close();
  queue.close();  // Idempotent.
  EXPECT_THROW(queue.put(2), QueueClosed);
  EXPECT_THROW(queue.put_nowait(2), QueueClosed);
  EXPECT_THROW(queue.get(), QueueClosed);
  EXPECT_THROW(queue.get_nowait(), QueueClosed);
  EXPECT_THROW(queue.get(1s), QueueClosed);
  // Snapshots still answer, as in Python.
  EXPECT_EQ(queue.qsize(), 1u);
  EXPECT_FALSE(queue.empty());
}

TEST(Queue, ClosedErrorIsAUsageErrorNamingTheQueue) {
  Queue<int> queue;
  queue.close();
  try {
    queue.put(1);
    FAIL() << "put after close did not throw";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("Queue@"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("closed"), std::string::npos) << error.what();
  }
}

TEST(Queue, EmptyAndFullAreDistinctFromEachOther) {
  Queue<int> queue(1);
  queue.put(1);
  try {
    queue.put_nowait(2);
    FAIL();
  } catch (const Empty&) {
    FAIL() << "put_nowait on a full queue threw Empty";
  } catch (const Full& error) {
    EXPECT_NE(std::string(error.what()).find("full"), std::string::npos);
  }
}

TEST(JoinableQueue, JoinWithNoTaskReturnsAtOnce) {
  JoinableQueue<int> queue;
  queue.join();
}

TEST(JoinableQueue, TaskDoneTooManyTimesThrows) {
  JoinableQueue<int> queue;
  EXPECT_THROW(queue.task_done(), UsageError);
  queue.put(1);
  EXPECT_EQ(queue.get(), 1);
  queue.task_done();
  try {
    queue.task_done();
    FAIL() << "second task_done did not throw";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("task_done() called too many times"),
              std::string::npos);
  }
  queue.join();
}

TEST(JoinableQueue, TaskDoneMayPrecedeGet) {
  // As in Python the count is of puts, not of gets.
  JoinableQueue<int> queue;
  queue.put(1);
  queue.task_done();
  queue.join();
  EXPECT_EQ(queue.get_nowait(), 1);
}

TEST(JoinableQueue, ClosedHandleRefusesTaskDoneAndJoin) {
  JoinableQueue<int> queue;
  queue.put(1);
  queue.close();
  EXPECT_THROW(queue.task_done(), QueueClosed);
  EXPECT_THROW(queue.join(), QueueClosed);
}

TEST(SimpleQueue, PutGetEmptyAndClose) {
  SimpleQueue<std::string> queue;
  EXPECT_TRUE(queue.empty());
  queue.put("one");
  queue.put("two");
  EXPECT_FALSE(queue.empty());
  EXPECT_EQ(queue.get(), "one");
  EXPECT_EQ(queue.get(), "two");
  EXPECT_TRUE(queue.empty());
  queue.close();
  EXPECT_THROW(queue.put("three"), QueueClosed);
  EXPECT_THROW(queue.get(), QueueClosed);
}

TEST(SimpleQueue, MessageLargerThanCapacityThrowsMessageTooLarge) {
  SimpleQueue<std::string> queue(QueueOptions{.capacity = 64});
  EXPECT_THROW(queue.put(std::string(100, 'x')), MessageTooLarge);
  EXPECT_TRUE(queue.empty());
}

}  // namespace
}  // namespace ipcprop
